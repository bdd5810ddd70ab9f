"""Comparing a quantile (median, 90th percentile) of a per-unit value between arms.

Quantiles are numpy's default (linear interpolation between order statistics,
Hyndman & Fan 1996 type 7): every point estimate is ``numpy.quantile(x, q)``.

``"price-bonett"``: the distribution-free intervals of Price & Bonett (2002) for the
difference and the ratio of medians. Each arm's quantile has the order-statistic
standard error of McKean & Schrader (1984) in the form Price & Bonett use: with
``a = round(n q - 2 sqrt(n q (1 - q)))`` and ``b = n + 1 - round(n (1 - q) - 2 sqrt(n q
(1 - q)))`` (1-based order statistics; ``a = round(n / 2 - sqrt(n))`` and
``b = n - a + 1`` for the median),

    se = (Y_(b) - Y_(a)) / (2 z0),   z0 = Phi^-1(1 - (P(B < a) + P(B >= b)) / 2),

``B ~ Binomial(n, q)``: ``[Y_(a), Y_(b)]`` is the distribution-free (binomial) interval
of the ``q``-quantile (Conover 1999, 3.2), of exact coverage ``1 - P(B < a) - P(B >= b)``,
and its length over that of a normal interval of the same coverage is the standard
error. For the median this is Price & Bonett's estimate; for other quantiles the same
construction with the binomial of ``q``. The ratio uses the same order statistics on the
log scale. Large-sample (z) intervals; the lift is the ratio minus one.

``"bootstrap"``: the Poisson bootstrap (Chamandy, Muralidharan, Najmi & Naidu 2012)
of each arm's quantile, vectorised: Poisson(1) counts of the sorted values near the
quantile, and Poisson totals of the values below and above them, which is exact (see
:mod:`cxlib.ab.quantile_bootstrap`) and costs ``O(sqrt(n))`` per resample.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from ..core.lift import (
    FloatArray,
    Pairs,
    critical_value,
    lift_point,
    open_side,
    p_value,
    two_sided_level,
)
from ..core.lift_bootstrap import bootstrap_pairs
from ..core.results import Comparison, ConfidenceInterval, Estimate
from ..core.validation import (
    Alternative,
    NanPolicy,
    as_generator,
    check_alternative,
    check_choice,
    check_confidence_level,
    check_n_resamples,
    check_nan_policy,
)
from ._arms import is_number, unit_values
from .quantile_bootstrap import poisson_quantiles
from .two_arms import nan_pairs, to_comparison, warn_degenerate

__all__ = [
    "QUANTILE_METHODS",
    "QuantileMethod",
    "check_q",
    "check_quantile_method",
    "compare_quantiles",
    "metric_name",
    "min_units",
    "order_statistic_se",
    "quantile_pair",
]

QuantileMethod = Literal["price-bonett", "bootstrap"]
QUANTILE_METHODS: tuple[QuantileMethod, ...] = ("price-bonett", "bootstrap")

#: Smallest ``n min(q, 1 - q)``: the usual bound for the normal approximation of the
#: binomial behind the order-statistic interval, and both its order statistics inside
#: the sample.
MIN_EXPECTED = 5.0


def compare_quantiles(
    control: npt.ArrayLike | pd.Series[Any],
    variant: npt.ArrayLike | pd.Series[Any],
    *,
    q: float = 0.5,
    ci_method: QuantileMethod = "price-bonett",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    nan_policy: NanPolicy = "omit",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> Comparison:
    """Compare a quantile (median, p90) of a per-unit value (order value, time to purchase).

    Parameters
    ----------
    control, variant : array-like
        Per-unit values of each arm (1-D).
    q : float, default 0.5
        The quantile, strictly between 0 and 1 (0.5: the median, 0.9: the 90th
        percentile). Estimates are ``numpy.quantile(x, q)`` (linear interpolation,
        Hyndman & Fan type 7).
    ci_method : {"price-bonett", "bootstrap"}, default "price-bonett"
        ``"price-bonett"``: z intervals of the difference and of the log ratio of the
        quantiles with each arm's order-statistic standard error (Price & Bonett 2002;
        see the A/B guide); the p-value is that of the z statistic ``difference / se``
        (the same as inverting the difference's interval); the lift's interval is the
        ratio's minus one (values must be positive), which can disagree with the
        p-value near the boundary. ``"bootstrap"``: percentile intervals of the Poisson
        bootstrap of each arm (Chamandy et al. 2012); the p-value inverts the
        difference's interval.
    confidence_level : float, default 0.95
        Coverage of the intervals.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        ``"greater"``: the variant's quantile is above the control's.
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Missing values (NaN, None, pandas.NA): left out and counted in ``n_missing``,
        an error, or NaN results (the counts are kept).
    n_resamples : int, default 9999
        Bootstrap resamples.
    rng : int, numpy.random.Generator, optional
        Seed or generator of the bootstrap.

    Returns
    -------
    Comparison
        ``estimates = (variant, control)``: each arm's quantile, its standard error and
        interval.

    Raises
    ------
    ValueError
        For ``q`` outside (0, 1), or an arm with fewer than ``5 / min(q, 1 - q)``
        units (10 for the median, 50 for the 90th percentile): its order-statistic
        standard error needs them.

    Examples
    --------
    >>> import cxlib as cx
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> control = rng.lognormal(3.5, 0.8, size=4_000)
    >>> variant = rng.lognormal(3.6, 0.8, size=4_000)
    >>> result = cx.ab.compare_quantiles(control, variant)
    >>> result.metric, bool(result.difference == np.median(variant) - np.median(control))
    ('median', True)
    >>> round(result.lift, 3), [round(x, 3) for x in result.lift_ci]
    (0.115, [0.068, 0.165])
    >>> p90 = cx.ab.compare_quantiles(control, variant, q=0.9, ci_method="bootstrap", rng=2)
    >>> p90.metric, p90.test
    ('p90', 'bootstrap')
    """
    quantile = check_q(q)
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    method = check_choice("ci_method", ci_method, QUANTILE_METHODS)
    policy = check_nan_policy(nan_policy)
    b = check_n_resamples(n_resamples)
    gen = as_generator(rng)
    arms: list[tuple[FloatArray, int]] = []
    for name, arm in (("control", control), ("variant", variant)):
        values, missing = unit_values(arm, name, policy)
        if not (missing and policy == "propagate"):
            _check_size(values.size, quantile, name)
        arms.append((np.sort(values), missing))
    metric = metric_name(quantile)
    if policy == "propagate" and (arms[0][1] or arms[1][1]):
        # NaN for an arm with missing values and the comparison; the counts are kept.
        pairs = nan_pairs(arms[0][0].size, arms[1][0].size, _test(method))
        z = float(critical_value(level))
        estimates = [
            _nan_estimate(metric, x.size, m, level, method)
            if m
            else _normal_estimate(metric, x, m, quantile, level, z)
            if method == "price-bonett"
            else _bootstrap_estimate(
                metric, x, m, poisson_quantiles(x, quantile, b, gen), quantile, level
            )
            for x, m in arms
        ]
    else:
        pairs, reps = quantile_pair(arms[0][0], arms[1][0], quantile, method, level, alt, b, gen)
        z = float(critical_value(level))
        estimates = [
            _normal_estimate(metric, x, m, quantile, level, z)
            if method == "price-bonett"
            else _bootstrap_estimate(metric, x, m, r, quantile, level)
            for (x, m), r in zip(arms, reps, strict=True)
        ]
    warn_degenerate(pairs)
    return to_comparison(
        pairs,
        (estimates[1], estimates[0]),
        metric=metric,
        label=metric,
        method=method,
        level=level,
        alternative=alt,
    )


def quantile_pair(
    xc: FloatArray,
    xv: FloatArray,
    q: float,
    method: str,
    level: float,
    alt: Alternative,
    n_resamples: int,
    rng: np.random.Generator,
) -> tuple[Pairs, list[FloatArray]]:
    """The comparison of sorted values ``xc`` and ``xv``, and the bootstrap replicates
    of each arm (empty arrays for Price-Bonett)."""
    if method == "price-bonett":
        return _price_bonett_pairs(xc, xv, q, level, alt), [np.empty(0), np.empty(0)]
    reps = [poisson_quantiles(x, q, n_resamples, rng) for x in (xc, xv)]
    est_c, est_v = (np.array([np.quantile(x, q)]) for x in (xc, xv))
    sds = [np.std(r, ddof=1, keepdims=True) for r in reps]
    pairs = bootstrap_pairs(
        est_c,
        est_v,
        reps[0][:, None],
        reps[1][:, None],
        None,
        method="percentile",
        level=level,
        alternative=alt,
        n_c=np.array([float(xc.size)]),
        n_v=np.array([float(xv.size)]),
        se_c=sds[0],
        se_v=sds[1],
    )
    return pairs, reps


def check_quantile_method(ci_method: object) -> QuantileMethod:
    """``ci_method`` of a quantile; :func:`cxlib.ab.compare`'s default means Price-Bonett."""
    return check_choice(
        "ci_method", "price-bonett" if ci_method == "fieller" else ci_method, QUANTILE_METHODS
    )


def metric_name(q: float) -> str:
    """``"median"``, or ``"p90"`` for the 0.9 quantile."""
    return "median" if q == 0.5 else f"p{100 * q:g}"


def min_units(q: float) -> int:
    """Fewest units of an arm for the order-statistic standard error of the ``q``-quantile."""
    return math.ceil(MIN_EXPECTED / min(q, 1.0 - q) - 1e-9)


def check_q(q: object) -> float:
    """``q`` as a float strictly between 0 and 1 (TypeError, ValueError otherwise)."""
    if not is_number(q):
        raise TypeError(f"q must be a number strictly between 0 and 1; got {q!r}")
    value = float(q)  # type: ignore[arg-type]
    if not 0.0 < value < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1 (0.5: the median); got {q!r}")
    return value


def _check_size(n: int, q: float, name: str) -> None:
    need = min_units(q)
    if n < need:
        raise ValueError(
            f"{name} has {n:,} non-missing units; the order-statistic standard error of "
            f"the {q:g} quantile needs n * min(q, 1 - q) >= {MIN_EXPECTED:g}, i.e. at "
            f"least {need:,} units"
        )


def _test(method: str) -> str:
    return "z" if method == "price-bonett" else "bootstrap"


def order_statistic_indices(n: int, q: float) -> tuple[int, int, float]:
    """1-based order statistics ``a < b`` around the ``q``-quantile and their ``z0``."""
    half = 2.0 * math.sqrt(n * q * (1.0 - q))
    a = max(1, int(np.round(n * q - half)))
    b = min(n, n + 1 - int(np.round(n * (1.0 - q) - half)))
    # Half the probability that [Y_(a), Y_(b)] misses the quantile: B < a or B >= b.
    tail = (stats.binom.cdf(a - 1, n, q) + stats.binom.sf(b - 1, n, q)) / 2.0
    return a, b, float(-special.ndtri(tail))


def order_statistic_se(sorted_values: FloatArray, q: float) -> tuple[float, float]:
    """Order-statistic standard errors of the ``q``-quantile and of its logarithm.

    ``sorted_values`` ascending; the log one is NaN unless ``Y_(a) > 0``.
    """
    a, b, z0 = order_statistic_indices(sorted_values.size, q)
    low, high = sorted_values[a - 1], sorted_values[b - 1]
    se = (high - low) / (2.0 * z0)
    log_se = (math.log(high) - math.log(low)) / (2.0 * z0) if low > 0 else math.nan
    return float(se), log_se


def _price_bonett_pairs(
    xc: FloatArray, xv: FloatArray, q: float, level: float, alt: Alternative
) -> Pairs:
    """z intervals of the difference and of the log ratio (Price & Bonett 2002)."""
    c, v = (np.array([np.quantile(x, q)]) for x in (xc, xv))
    (se_c, lse_c), (se_v, lse_v) = (order_statistic_se(x, q) for x in (xc, xv))
    z = critical_value(two_sided_level(level, alt))
    diff = v - c
    se = np.array([math.hypot(se_c, se_v)])
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, diff / se, np.nan)
        positive = (c > 0) & (v > 0)
        log_ratio = np.log(np.where(positive, v / c, np.nan))
    log_se = math.hypot(lse_c, lse_v)
    ratio_low, ratio_high = np.exp(log_ratio - z * log_se), np.exp(log_ratio + z * log_se)
    lift_low, lift_high = open_side(ratio_low - 1.0, ratio_high - 1.0, alt)
    low, high = open_side(diff - z * se, diff + z * se, alt)
    return Pairs(
        control=c,
        variant=v,
        se_control=np.array([se_c]),
        se_variant=np.array([se_v]),
        n_control=np.array([float(xc.size)]),
        n_variant=np.array([float(xv.size)]),
        difference=diff,
        se=se,
        ci_low=low,
        ci_high=high,
        statistic=stat,
        p_value=p_value(stat, alt),
        lift=lift_point(v, c),
        lift_low=lift_low,
        lift_high=lift_high,
        test=np.array(["z"]),
    )


def _normal_estimate(
    metric: str, x: FloatArray, missing: int, q: float, level: float, z: float
) -> Estimate:
    value = float(np.quantile(x, q))
    se = order_statistic_se(x, q)[0]
    return Estimate(
        metric=metric,
        value=value,
        se=se,
        ci=ConfidenceInterval(value - z * se, value + z * se),
        confidence_level=level,
        ci_method="price-bonett",
        n=int(x.size),
        n_missing=missing,
        components={"q": q},
        label=metric,
    )


def _bootstrap_estimate(
    metric: str, x: FloatArray, missing: int, reps: FloatArray, q: float, level: float
) -> Estimate:
    low, high = np.quantile(reps, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return Estimate(
        metric=metric,
        value=float(np.quantile(x, q)),
        se=float(np.std(reps, ddof=1)),
        ci=ConfidenceInterval(float(low), float(high)),
        confidence_level=level,
        ci_method="percentile",
        n=int(x.size),
        n_missing=missing,
        components={"q": q},
        label=metric,
    )


def _nan_estimate(metric: str, n: int, missing: int, level: float, method: str) -> Estimate:
    nan = math.nan
    return Estimate(metric, nan, nan, ConfidenceInterval(nan, nan), level, method, n, missing)
