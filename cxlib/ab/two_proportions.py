"""Comparing the conversion rates of two arms."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..core.intervals import proportion_interval
from ..core.progress import check_progress
from ..core.results import Comparison, ConfidenceInterval, Estimate
from ..core.validation import (
    as_generator,
    check_alternative,
    check_confidence_level,
    check_n_resamples,
    check_optional_bool,
)
from ._arms import count_pair
from .docs import fill_docs
from .proportions import ProportionMethod, check_proportion_method, proportion_pairs
from .sequential import check_sequential, make_sequential, sequential_method
from .two_arms import to_comparison, warn_degenerate

__all__ = ["compare_proportions"]


def compare_proportions(
    control: Sequence[float] | npt.NDArray[Any],
    variant: Sequence[float] | npt.NDArray[Any],
    *,
    ci_method: ProportionMethod = "fieller",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    exact: bool | None = None,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
    sequential: bool = False,
    sequential_tuning: float = 5000.0,
    progress: bool = False,
) -> Comparison:
    """Compare the conversion rate of a variant with the control's.

    Parameters
    ----------
    control, variant : tuple of int
        ``(successes, trials)`` of each arm, e.g. ``(conversions, visitors)``.
    ci_method : {"delta", "fieller", "log", "newcombe", "score", "agresti-caffo", \
"percentile", "basic", "bca"}, default "fieller"
        Interval of the difference and the lift, and the test that goes with it:

        - ``"fieller"``: Wald interval of the difference and Wald z test (unpooled
          variance), Fieller's interval of the risk ratio for the lift: the ratios
          that the same z test does not reject, so the lift interval excludes 0
          exactly when the test rejects (except where Fisher's exact test replaces
          it, see ``exact``); with a control rate not told apart from zero, the
          set is a half-line and the lift interval ``(low, inf)``;
        - ``"delta"``: as ``"fieller"`` with the delta-method interval of the lift
          (which can disagree with the p-value);
        - ``"log"``: interval of the log risk ratio (Katz) for the lift, and its test;
        - ``"newcombe"`` (or ``"newcomb"``): Newcombe's hybrid score interval of the
          difference (Wilson intervals of the arms), the MOVER-R interval of the ratio
          (Donner & Zou 2012) for the lift, the pooled z test;
        - ``"score"``: Miettinen-Nurminen score intervals of the difference and the
          ratio, and the score test;
        - ``"agresti-caffo"``: Wald interval and test after adding one success and
          one failure to each arm (Agresti & Caffo 2000), and the log interval of
          the ratio after adding 1/2 to each count;
        - ``"percentile"``, ``"basic"``, ``"bca"``: bootstrap, each arm's conversions
          redrawn from a binomial (which is resampling its visitors), p-value by
          inverting the interval.
    confidence_level : float, default 0.95
        Coverage of the intervals.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        ``"greater"``: the variant converts more than the control. One-sided
        alternatives give one-sided intervals.
    exact : bool, optional
        Fisher's exact test in place of the method's test: always (True), never
        (False), or when an expected count of the 2x2 table is below 5 (None).
    n_resamples : int, default 9999
        Bootstrap resamples (bootstrap methods only).
    rng : int, numpy.random.Generator, optional
        Seed or generator of the bootstrap.{sequential}
    progress : bool, default False
        Show a progress bar of the bootstrap resamples (needs tqdm: ``pip install
        "cxlib[progress]"``); the result is the same with or without it.

    Returns
    -------
    Comparison
        Rates as fractions: ``difference`` in proportion points (0.012 is 1.2 points),
        ``lift`` relative to the control; ``test`` names the test of the p-value
        (for Fisher's test ``statistic`` is the sample odds ratio).

    Examples
    --------
    A 26 % lift in conversions (4.0 % to 5.04 %) on 10,000 visitors per arm:

    >>> import cxlib as cx
    >>> result = cx.ab.compare_proportions(control=(400, 10_000), variant=(504, 10_000))
    >>> round(result.lift, 2), round(result.p_value, 4)
    (0.26, 0.0004)
    >>> print(result)  # doctest: +NORMALIZE_WHITESPACE
    conversion rate difference +0.010 (95% CI +0.005 to +0.016, fieller)
    · lift +26.0% (+10.9% to +43.5%) · p < 0.001 (wald z)
    """
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    method = check_proportion_method(ci_method)
    exact = check_optional_bool("exact", exact)
    tuning = check_sequential(sequential, sequential_tuning, method, alt, exact)
    b = check_n_resamples(n_resamples)
    gen = as_generator(rng)
    show = check_progress(progress)
    arms = []
    for name, arm in (("control", control), ("variant", variant)):
        s, n = count_pair(arm, name)
        if n == 0:
            raise ValueError(
                f"{name} must have at least one trial; got (successes, trials) = {arm!r}"
            )
        arms.append((float(s), float(n)))
    (sc, nc), (sv, nv) = arms
    a = [np.array([x]) for x in (sc, nc, sv, nv)]
    pairs = proportion_pairs(
        *a,
        method=method,
        level=level,
        alternative=alt,
        exact=False if tuning is not None else exact,
        n_resamples=b,
        rng=gen,
        progress=show,
    )
    if tuning is not None:
        pairs = make_sequential(pairs, level, tuning, method)
    warn_degenerate(pairs)

    def arm_estimate(s: float, n: float) -> Estimate:
        p = s / n
        low, high = proportion_interval("wilson", p, n, level)
        return Estimate(
            metric="conversion_rate",
            value=p,
            se=math.sqrt(p * (1 - p) / n),
            ci=ConfidenceInterval(float(low), float(high)),
            confidence_level=level,
            ci_method="wilson",
            n=int(n),
            components={"successes": int(s)},
            label="conversion rate",
        )

    return to_comparison(
        pairs,
        (arm_estimate(sv, nv), arm_estimate(sc, nc)),
        metric="conversion_rate",
        label="conversion rate",
        method=method if tuning is None else sequential_method(method),
        level=level,
        alternative=alt,
    )


fill_docs(compare_proportions)
