"""Variant against control: conversion rates, means and ratio metrics, with their lift.

Each function returns a :class:`~cxlib.Comparison` of the variant minus the control:
``difference`` and its interval, ``lift = (variant - control) / |control|`` (a fraction:
0.26 is +26 %) and its interval, the test statistic and p-value, and the two arms'
estimates (``estimates = (variant, control)``). ``alternative="greater"`` is the
hypothesis that the variant is above the control.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from ..core.errors import DegenerateDataWarning
from ..core.intervals import proportion_interval
from ..core.lift import FloatArray, LiftInterval, Pairs, critical_value, warn_undefined_lift
from ..core.results import Comparison, ConfidenceInterval, Estimate
from ..core.statistics import MeanStats, RatioStats
from ..core.validation import (
    Alternative,
    as_generator,
    as_numeric_1d,
    check_aligned,
    check_alternative,
    check_choice,
    check_confidence_level,
    check_n_resamples,
    check_optional_bool,
)
from ._arms import count_pair, unit_values
from .means import BOOTSTRAP, MEAN_METHODS, MeanMethod, bootstrap_cells, mean_pairs, ratio_pairs
from .proportions import ProportionMethod, check_proportion_method, proportion_pairs

__all__ = ["compare_means", "compare_proportions", "compare_ratios"]

_ARMS = ("variant", "control")


def _one(x: FloatArray) -> float:
    return float(np.asarray(x).ravel()[0])


def warn_degenerate(pairs: Pairs, stacklevel: int) -> None:
    """Warn about undefined lift intervals and undefined tests (zero standard errors)."""
    lift_nan = np.isnan(pairs.lift_low) | np.isnan(pairs.lift_high)
    # ``stacklevel`` counts from the caller of this function, as in warnings.warn.
    warn_undefined_lift(lift_nan & np.isfinite(pairs.difference), stacklevel + 2)
    no_test = np.isnan(pairs.p_value) & np.isfinite(pairs.difference)
    if no_test.any():
        k = int(no_test.sum())
        which = "the comparison" if no_test.size == 1 else f"{k:,} comparisons"
        warnings.warn(
            f"the test is undefined for {which}: its statistic cannot be computed (no "
            "variation in either arm, or a zero rate for the log-ratio test), so the "
            "statistic and p-value are NaN",
            DegenerateDataWarning,
            stacklevel=stacklevel + 1,
        )


def to_comparison(
    pairs: Pairs,
    arms: tuple[Estimate, Estimate],
    *,
    metric: str,
    label: str,
    method: str,
    level: float,
    alternative: Alternative,
) -> Comparison:
    """The :class:`Comparison` of the first (only) comparison in ``pairs``."""
    return Comparison(
        metric=metric,
        difference=_one(pairs.difference),
        se=_one(pairs.se),
        difference_ci=ConfidenceInterval(_one(pairs.ci_low), _one(pairs.ci_high)),
        statistic=_one(pairs.statistic),
        p_value=_one(pairs.p_value),
        confidence_level=level,
        method=method,
        alternative=alternative,
        estimates=arms,
        lift=_one(pairs.lift),
        lift_ci=ConfidenceInterval(_one(pairs.lift_low), _one(pairs.lift_high)),
        label=label,
        test=str(pairs.test[0]),
        names=("variant", "control"),
    )


def _normal_estimate(
    metric: str, value: float, se: float, n: int, level: float, method: str, q: float, **extra: Any
) -> Estimate:
    return Estimate(
        metric=metric,
        value=value,
        se=se,
        ci=ConfidenceInterval(value - q * se, value + q * se),
        confidence_level=level,
        ci_method=method,
        n=n,
        n_missing=int(extra.pop("n_missing", 0)),
        components=extra,
        label=metric.replace("_", " "),
    )


def compare_proportions(
    control: Sequence[float] | npt.NDArray[Any],
    variant: Sequence[float] | npt.NDArray[Any],
    *,
    ci_method: ProportionMethod = "delta",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    exact: bool | None = None,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> Comparison:
    """Compare the conversion rate of a variant with the control's.

    Parameters
    ----------
    control, variant : tuple of int
        ``(successes, trials)`` of each arm, e.g. ``(conversions, visitors)``.
    ci_method : {"delta", "fieller", "log", "newcombe", "score", "agresti-caffo", \
"percentile", "basic", "bca"}, default "delta"
        Interval of the difference and the lift, and the test that goes with it:

        - ``"delta"``: Wald interval of the difference, delta-method interval of the
          lift, Wald z test (unpooled variance);
        - ``"fieller"``: Fieller's interval of the risk ratio for the lift (Wald for
          the difference and the test);
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
        Seed or generator of the bootstrap.

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
    conversion rate difference +0.010 (95% CI +0.005 to +0.016, delta)
    · lift +26.0% (+9.8% to +42.2%) · p < 0.001 (wald z)
    """
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    method = check_proportion_method(ci_method)
    exact = check_optional_bool("exact", exact)
    b = check_n_resamples(n_resamples)
    gen = as_generator(rng)
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
        *a, method=method, level=level, alternative=alt, exact=exact, n_resamples=b, rng=gen
    )
    warn_degenerate(pairs, 2)

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
        method=method,
        level=level,
        alternative=alt,
    )


def _bootstrap_two(
    columns: list[FloatArray],
    kind: Literal["mean", "ratio"],
    method: str,
    level: float,
    alternative: Alternative,
    n_resamples: int,
    rng: np.random.Generator,
    se: FloatArray,
) -> Pairs:
    """Bootstrap comparison of two arms given as per-unit columns (control first)."""
    sizes = [c.shape[1] for c in columns]
    return bootstrap_cells(
        np.concatenate(columns, axis=1),
        np.repeat(np.arange(2, dtype=np.intp), sizes),
        2,
        np.array([0], dtype=np.intp),
        np.array([1], dtype=np.intp),
        kind=kind,
        method=cast(Literal["percentile", "basic", "bca"], method),
        level=level,
        alternative=alternative,
        n_resamples=n_resamples,
        rng=rng,
        se_cells=se,
    )


def _lift_method(method: str) -> LiftInterval:
    return cast(LiftInterval, method if method in ("fieller", "log") else "delta")


def _mean_stats(arm: MeanStats, name: str) -> tuple[float, float, float]:
    n, total, squares = (float(v) for v in arm)
    if not all(math.isfinite(v) for v in (n, total, squares)):
        raise ValueError(f"{name}: the statistics must be finite; got {arm!r}")
    if n < 2 or not n.is_integer():
        raise ValueError(f"{name}: n must be a whole number >= 2; got {n!r}")
    if squares < 0 or squares * n < total**2 * (1 - 1e-12):
        raise ValueError(
            f"{name}: sum_squares must be at least sum**2 / n (a variance cannot be "
            f"negative); got sum = {total!r}, sum_squares = {squares!r}, n = {n:g}"
        )
    return n, total / n, MeanStats(n, total, squares).variance ** 0.5


def compare_means(
    control: npt.ArrayLike | pd.Series[Any] | MeanStats,
    variant: npt.ArrayLike | pd.Series[Any] | MeanStats,
    *,
    ci_method: MeanMethod = "delta",
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
        :class:`cxlib.ab.MeanStats`.
    ci_method : {"delta", "fieller", "log", "percentile", "basic", "bca"}, default "delta"
        ``"delta"``: Welch's t interval and test of the difference (unequal
        variances, Welch-Satterthwaite degrees of freedom) and the delta-method
        interval of the lift; ``"fieller"`` and ``"log"`` change the lift's interval
        (Fieller's interval of the ratio of means; the interval of the log ratio,
        positive means only). The bootstrap methods resample units within each arm
        (per-unit values needed); zero values are factored out exactly, so that
        zero-inflated revenue is fast. Their p-value inverts the interval.
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

    From sufficient statistics (``n``, sum, sum of squares):

    >>> stats = cx.ab.MeanStats.from_values(control), cx.ab.MeanStats.from_values(variant)
    >>> round(cx.ab.compare_means(*stats).p_value, 6) == round(result.p_value, 6)
    True
    """
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    method = check_choice("ci_method", ci_method, MEAN_METHODS)
    policy = check_choice("nan_policy", nan_policy, ("raise", "omit"))
    b = check_n_resamples(n_resamples)
    gen = as_generator(rng)
    raw: list[FloatArray] = []
    summary: list[tuple[float, float, float, int]] = []
    for name, arm in (("control", control), ("variant", variant)):
        if isinstance(arm, MeanStats):
            n, mean, sd = _mean_stats(arm, name)
            summary.append((n, mean, sd, 0))
        else:
            values, n_missing = unit_values(arm, name, policy)
            raw.append(values)
            summary.append(
                (float(values.size), float(values.mean()), float(values.std(ddof=1)), n_missing)
            )
    if covariates is not None:
        if len(raw) != 2:
            raise TypeError("covariates (CUPED) need per-unit values of both arms, not MeanStats")
        if isinstance(covariates, (tuple, list)) and len(covariates) == 2:
            check_aligned(covariates[0], "covariates[0]", control, "control")
            check_aligned(covariates[1], "covariates[1]", variant, "variant")
        raw = _cuped_arms(raw, covariates)
        summary = [
            (float(x.size), float(x.mean()), float(x.std(ddof=1)), s[3])
            for x, s in zip(raw, summary, strict=True)
        ]
    (nc, mc, sdc, missc), (nv, mv, sdv, missv) = summary
    if method in BOOTSTRAP:
        if len(raw) != 2:
            raise TypeError(
                f"ci_method={method!r} resamples units: give per-unit values of both arms, "
                "not MeanStats (or use 'delta', 'fieller' or 'log')"
            )
        pairs = _bootstrap_two(
            [x[None, :] for x in raw],
            "mean",
            method,
            level,
            alt,
            b,
            gen,
            np.array([sdc / math.sqrt(nc), sdv / math.sqrt(nv)]),
        )
    else:
        pairs = mean_pairs(
            *(np.array([x]) for x in (nc, mc, sdc, nv, mv, sdv)),
            lift_method=_lift_method(method),
            level=level,
            alternative=alt,
        )
    warn_degenerate(pairs, 2)

    def arm_estimate(n: float, mean: float, sd: float, missing: int) -> Estimate:
        q = float(special.stdtrit(n - 1, 0.5 + level / 2))
        return _normal_estimate(
            "mean", mean, sd / math.sqrt(n), int(n), level, "t", q, n_missing=missing, sd=sd
        )

    return to_comparison(
        pairs,
        (arm_estimate(nv, mv, sdv, missv), arm_estimate(nc, mc, sdc, missc)),
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


def _ratio_arm(arm: object, name: str) -> tuple[FloatArray, FloatArray | None]:
    """Statistics row of one arm, and its per-unit columns when given as values."""
    if isinstance(arm, RatioStats):
        stats = np.array([float(v) for v in arm])
        if not np.isfinite(stats).all() or stats[0] < 2:
            raise ValueError(f"{name}: the statistics must be finite with n >= 2; got {arm!r}")
        return stats, None
    if not isinstance(arm, (tuple, list)) or len(arm) != 2:
        raise TypeError(
            f"{name} must be a RatioStats or a pair (numerator, denominator) of per-unit "
            f"values; got {type(arm).__name__}"
        )
    numerator = np.asarray(as_numeric_1d(arm[0], f"{name}: numerator"), dtype=np.float64)
    denominator = np.asarray(as_numeric_1d(arm[1], f"{name}: denominator"), dtype=np.float64)
    stats_obj = RatioStats.from_values(numerator, denominator)
    if stats_obj.n < 2:
        raise ValueError(f"{name} needs at least 2 units; got {int(stats_obj.n)}")
    columns = np.stack([numerator, denominator])
    return np.array(stats_obj, dtype=np.float64), columns


def compare_ratios(
    control: RatioStats | tuple[npt.ArrayLike, npt.ArrayLike],
    variant: RatioStats | tuple[npt.ArrayLike, npt.ArrayLike],
    *,
    ci_method: MeanMethod = "delta",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> Comparison:
    """Compare a ratio metric (revenue per order, items per basket) between arms.

    The units randomised (visitors) are not the units of the ratio's denominator
    (orders), so the orders of a visitor are correlated; the delta method on the
    per-visitor sums accounts for that through the covariance of numerator and
    denominator (see :class:`cxlib.ab.RatioStats`).

    Parameters
    ----------
    control, variant : RatioStats or tuple of array-like
        Sufficient statistics of each arm, or ``(numerator, denominator)`` per-unit
        values (e.g. revenue and orders per visitor).
    ci_method : {"delta", "fieller", "log", "percentile", "basic", "bca"}, default "delta"
        As in :func:`compare_means`, with the z test; bootstrap resamples visitors.
    confidence_level, alternative, n_resamples, rng
        As in :func:`compare_means`.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> import cxlib as cx
    >>> control = cx.ab.RatioStats(n=5000, numerator=52_000.0, denominator=1000.0,
    ...     numerator_squares=4.1e6, denominator_squares=1300.0, cross=68_000.0)
    >>> variant = cx.ab.RatioStats(n=5000, numerator=58_300.0, denominator=1010.0,
    ...     numerator_squares=4.9e6, denominator_squares=1320.0, cross=75_000.0)
    >>> result = cx.ab.compare_ratios(control, variant)
    >>> round(result.estimates[1].value, 1), round(result.estimates[0].value, 1)
    (52.0, 57.7)
    """
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    method = check_choice("ci_method", ci_method, MEAN_METHODS)
    b = check_n_resamples(n_resamples)
    gen = as_generator(rng)
    (stats_c, cols_c), (stats_v, cols_v) = (
        _ratio_arm(control, "control"),
        _ratio_arm(variant, "variant"),
    )
    for name, st in (("control", stats_c), ("variant", stats_v)):
        if st[2] == 0:
            raise ValueError(f"{name}: the denominator sums to 0, so the ratio is undefined")
    analytic = ratio_pairs(
        stats_c[None, :],
        stats_v[None, :],
        lift_method=_lift_method(method),
        level=level,
        alternative=alt,
    )
    if method in BOOTSTRAP:
        if cols_c is None or cols_v is None:
            raise TypeError(
                f"ci_method={method!r} resamples units: give (numerator, denominator) values "
                "of both arms, not RatioStats"
            )
        pairs = _bootstrap_two(
            [cols_c, cols_v],
            "ratio",
            method,
            level,
            alt,
            b,
            gen,
            np.concatenate([analytic.se_control, analytic.se_variant]),
        )
    else:
        pairs = analytic
    warn_degenerate(pairs, 2)
    q = float(critical_value(level))
    arms = tuple(
        _normal_estimate("ratio", _one(v), _one(se), int(_one(n)), level, "delta", q)
        for v, se, n in (
            (pairs.variant, analytic.se_variant, pairs.n_variant),
            (pairs.control, analytic.se_control, pairs.n_control),
        )
    )
    return to_comparison(
        pairs,
        cast("tuple[Estimate, Estimate]", arms),
        metric="ratio",
        label="ratio",
        method=method,
        level=level,
        alternative=alt,
    )
