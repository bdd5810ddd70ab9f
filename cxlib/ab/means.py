"""Comparing the means of a per-unit value (revenue per visitor, a score) between arms."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from ..core.lift import FloatArray
from ..core.results import Comparison, Estimate
from ..core.sufficient import MeanStats
from ..core.validation import (
    as_generator,
    as_numeric_1d,
    check_aligned,
    check_alternative,
    check_choice,
    check_confidence_level,
    check_n_resamples,
)
from ._arms import unit_values
from .two_arms import (
    BOOTSTRAP,
    MEAN_METHODS,
    MeanMethod,
    bootstrap_two,
    lift_method,
    mean_pairs,
    normal_estimate,
    to_comparison,
    warn_degenerate,
)

__all__ = ["compare_means"]


def compare_means(
    control: npt.ArrayLike | pd.Series[Any] | MeanStats,
    variant: npt.ArrayLike | pd.Series[Any] | MeanStats,
    *,
    ci_method: MeanMethod = "fieller",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    covariates: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    nan_policy: Literal["raise", "omit"] = "raise",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> Comparison:
    """Compare the mean of a per-unit value (revenue per visitor, a score) between arms.

    Parameters
    ----------
    control, variant : array-like or MeanStats
        Per-unit values of each arm (1-D), or their sufficient statistics
        :class:`cxlib.ab.MeanStats` (``n``, mean and variance; at least 2 units).
    ci_method : {"fieller", "delta", "log", "percentile", "basic", "bca"}, default "fieller"
        ``"fieller"``: Welch's t interval and test of the difference (unequal
        variances, Welch-Satterthwaite degrees of freedom) and Fieller's interval of
        the ratio of means for the lift, built on the same t statistic, so that it
        excludes 0 exactly when the test rejects; ``"delta"`` and ``"log"`` change the
        lift's interval (delta method; the interval of the log ratio, positive means
        only), which can then disagree with the p-value. The bootstrap methods
        resample units within each arm (per-unit values needed); zero values are
        factored out exactly, so that zero-inflated revenue is fast. Their p-value
        inverts the interval.
    confidence_level : float, default 0.95
        Coverage of the intervals.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        ``"greater"``: the variant's mean is above the control's.
    covariates : tuple of array-like, optional
        A pre-experiment covariate of each arm's units, ``(control, variant)``, for
        CUPED variance reduction (:func:`cxlib.ab.cuped`, slope pooled over both arms).
    nan_policy : {"raise", "omit"}, default "raise"
        Missing values: an error, or left out and counted in ``n_missing``.
    n_resamples : int, default 9999
        Bootstrap resamples.
    rng : int, numpy.random.Generator, optional
        Seed or generator of the bootstrap.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> import cxlib as cx
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> control = rng.exponential(50.0, size=2_000)
    >>> variant = rng.exponential(56.0, size=2_000)
    >>> result = cx.ab.compare_means(control, variant)
    >>> result.test, round(result.lift, 3)
    ('welch t', 0.118)

    From sufficient statistics (``n``, mean and variance, e.g. from a dashboard):

    >>> stats = cx.ab.MeanStats.from_values(control), cx.ab.MeanStats.from_values(variant)
    >>> round(cx.ab.compare_means(*stats).p_value, 6) == round(result.p_value, 6)
    True
    >>> cx.ab.compare_means(cx.ab.MeanStats(n=2_000, mean=50.0, var=2_500.0),
    ...                     cx.ab.MeanStats(n=2_000, mean=56.0, var=3_100.0)).test
    'welch t'
    """
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    method = check_choice("ci_method", ci_method, MEAN_METHODS)
    policy = check_choice("nan_policy", nan_policy, ("raise", "omit"))
    b = check_n_resamples(n_resamples)
    gen = as_generator(rng)
    raw: list[FloatArray] = []
    arms: list[tuple[MeanStats, int]] = []
    for name, arm in (("control", control), ("variant", variant)):
        if isinstance(arm, MeanStats):
            if arm.n < 2:
                raise ValueError(f"{name}: a comparison needs n >= 2 units; got {arm!r}")
            arms.append((arm, 0))
        else:
            values, n_missing = unit_values(arm, name, policy)
            raw.append(values)
            arms.append((MeanStats.from_values(values), n_missing))
    if covariates is not None:
        if len(raw) != 2:
            raise TypeError("covariates (CUPED) need per-unit values of both arms, not MeanStats")
        if isinstance(covariates, (tuple, list)) and len(covariates) == 2:
            check_aligned(covariates[0], "covariates[0]", control, "control")
            check_aligned(covariates[1], "covariates[1]", variant, "variant")
        raw = _cuped_arms(raw, covariates)
        arms = [(MeanStats.from_values(x), s[1]) for x, s in zip(raw, arms, strict=True)]
    (stats_c, missc), (stats_v, missv) = arms
    if method in BOOTSTRAP:
        if len(raw) != 2:
            raise TypeError(
                f"ci_method={method!r} resamples units: give per-unit values of both arms, "
                "not MeanStats (or use 'delta', 'fieller' or 'log')"
            )
        pairs = bootstrap_two(
            [x[None, :] for x in raw],
            "mean",
            method,
            level,
            alt,
            b,
            gen,
            np.array([stats_c.se, stats_v.se]),
        )
    else:
        pairs = mean_pairs(
            stats_c.to_moments(),
            stats_v.to_moments(),
            lift_method=lift_method(method),
            level=level,
            alternative=alt,
        )
    warn_degenerate(pairs)

    def arm_estimate(stats: MeanStats, missing: int) -> Estimate:
        q = float(special.stdtrit(stats.n - 1, 0.5 + level / 2))
        return normal_estimate(
            "mean", stats.mean, stats.se, stats.n, level, "t", q, n_missing=missing, sd=stats.sd
        )

    return to_comparison(
        pairs,
        (arm_estimate(stats_v, missv), arm_estimate(stats_c, missc)),
        metric="mean",
        label="mean",
        method=method,
        level=level,
        alternative=alt,
    )


def _cuped_arms(
    raw: list[FloatArray], covariates: tuple[npt.ArrayLike, npt.ArrayLike]
) -> list[FloatArray]:
    from .cuped import cuped

    if not isinstance(covariates, (tuple, list)) or len(covariates) != 2:
        raise TypeError("covariates must be a pair (control, variant) of 1-D array-likes")
    xs = []
    for name, x, y in zip(("covariates[0]", "covariates[1]"), covariates, raw, strict=True):
        arr = np.asarray(as_numeric_1d(x, name), dtype=np.float64)
        if arr.size != y.size:
            raise ValueError(
                f"{name} must have one value per non-missing unit of its arm ({y.size:,}); "
                f"got {arr.size:,}"
            )
        xs.append(arr)
    adjusted = cuped(np.concatenate(raw), np.concatenate(xs)).adjusted
    return [adjusted[: raw[0].size], adjusted[raw[0].size :]]
