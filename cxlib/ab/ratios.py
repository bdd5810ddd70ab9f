"""Comparing a ratio metric ``sum(y) / sum(x)`` (revenue per order) between arms."""

from __future__ import annotations

from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from ..core.lift import FloatArray, critical_value
from ..core.progress import check_progress
from ..core.ratio_stats import RatioStats
from ..core.results import Comparison, Estimate
from ..core.statistics import ratio_estimates
from ..core.validation import (
    NanPolicy,
    as_generator,
    check_alternative,
    check_choice,
    check_confidence_level,
    check_n_resamples,
    check_nan_policy,
)
from ._arms import unit_rows
from .cuped_multi import arm_covariates, covariate_names, cuped_ratio_rows, two_arms
from .cuped_stats import CupedStats, summary_cuped
from .sequential import check_sequential, make_sequential, sequential_method
from .two_arms import (
    BOOTSTRAP,
    MEAN_METHODS,
    MeanMethod,
    bootstrap_two,
    lift_method,
    nan_pairs,
    normal_estimate,
    ratio_pairs,
    ratio_statistics,
    scalar,
    to_comparison,
    warn_degenerate,
)

__all__ = ["compare_ratios"]

Stats = tuple[FloatArray, FloatArray, FloatArray]


def _ratio_arm(
    arm: object, name: str, policy: str, covariates: list[object], i: int
) -> tuple[Stats, FloatArray | None, int]:
    """``(ratio, variance, n)`` of one arm, its per-unit columns when given as values
    (numerator, denominator, then the covariates), and its number of missing units (NaN
    statistics when their missing values propagate)."""
    if isinstance(arm, RatioStats):
        if covariates:
            raise TypeError(
                "covariates (CUPED) need per-unit (numerator, denominator) values of both "
                "arms, not RatioStats"
            )
        if arm.n < 2:
            raise ValueError(f"{name}: a comparison needs n >= 2 units; got {arm!r}")
        if arm.denominator_mean == 0:
            raise ValueError(f"{name}: the denominator sums to 0, so the ratio is undefined")
        return ratio_statistics(arm.to_moments()), None, 0
    if not isinstance(arm, (tuple, list)) or len(arm) != 2:
        raise TypeError(
            f"{name} must be a RatioStats or a pair (numerator, denominator) of per-unit "
            f"values; got {type(arm).__name__}"
        )
    # A unit is missing when its numerator, its denominator or a covariate is.
    names = [f"{name}: numerator", f"{name}: denominator"]
    names += covariate_names(i, len(covariates)) if covariates else []
    columns, n_missing = unit_rows([*arm, *covariates], names, name, policy)
    n = float(columns.shape[1])
    if n_missing and policy == "propagate":
        nan = np.full(1, np.nan)
        return (nan, nan, np.array([n])), columns, n_missing
    # From the rows (not RatioStats): they keep the residuals of nearly proportional data.
    moments, ratio, variance = ratio_estimates(columns[0], columns[1])
    if moments.mean[0, 1] == 0:
        raise ValueError(f"{name}: the denominator sums to 0, so the ratio is undefined")
    return (ratio, variance, moments.n), columns, n_missing


def compare_ratios(
    control: RatioStats | CupedStats | tuple[npt.ArrayLike, npt.ArrayLike],
    variant: RatioStats | CupedStats | tuple[npt.ArrayLike, npt.ArrayLike],
    *,
    ci_method: MeanMethod = "fieller",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    covariates: tuple[Any, Any] | None = None,
    nan_policy: NanPolicy = "omit",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
    sequential: bool = False,
    sequential_tuning: float = 5000.0,
    progress: bool = False,
) -> Comparison:
    """Compare a ratio metric (revenue per order, items per basket) between arms.

    The units randomised (visitors) are not the units of the ratio's denominator
    (orders), so the orders of a visitor are correlated; the delta method on the
    per-visitor sums accounts for that through the covariance of numerator and
    denominator (see :class:`cxlib.ab.RatioStats`).

    Parameters
    ----------
    control, variant : RatioStats, CupedStats or tuple of array-like
        Sufficient statistics of each arm, or ``(numerator, denominator)`` per-unit
        values (e.g. revenue and orders per visitor). For CUPED from summaries,
        :class:`cxlib.ab.CupedStats` of both arms with ``metric="ratio"`` (``n``, means
        and covariance matrix of numerator, denominator and covariates): the same
        comparison as per-unit values with ``covariates=``.
    ci_method : {"fieller", "delta", "log", "percentile", "basic", "bca"}, default "fieller"
        As in :func:`compare_means`, with the z test; bootstrap resamples visitors.
    confidence_level, alternative, n_resamples, rng, sequential, sequential_tuning, progress
        As in :func:`compare_means`.
    covariates : tuple, optional
        Pre-experiment covariates of each arm's units, ``(control, variant)``, for CUPED
        of the ratio: each arm's entry is one covariate (1-D array-like) or several (a
        sequence of 1-D array-likes, a 2-D array or a DataFrame), e.g. ``((pre_revenue_c,
        pre_orders_c), (pre_revenue_v, pre_orders_v))`` to adjust numerator and
        denominator jointly. The delta method's linearisation of the ratio,
        ``(y - R n) / mean(n)`` per unit, is regressed on the covariates pooled over the
        arms; each arm's ratio becomes ``R - theta' (xbar_arm - xbar)`` with the
        linearisation's residual variance (see the A/B guide, section CUPED). Per-unit
        values only; the bootstrap methods are refused.
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Units whose numerator or denominator (or a covariate) is missing (NaN, None,
        pandas.NA): left out and counted in ``n_missing`` of their arm's estimate, an
        error, or NaN results (the arm's estimate and the comparison; the counts are
        kept).

    Returns
    -------
    Comparison

    Examples
    --------
    >>> import cxlib as cx
    >>> control = cx.ab.RatioStats(n=5000, numerator_mean=10.4, denominator_mean=0.2,
    ...     numerator_var=800.0, denominator_var=0.22, covariance=9.2)
    >>> variant = cx.ab.RatioStats(n=5000, numerator_mean=11.66, denominator_mean=0.202,
    ...     numerator_var=950.0, denominator_var=0.224, covariance=10.5)
    >>> result = cx.ab.compare_ratios(control, variant)
    >>> round(result.estimates[1].value, 1), round(result.estimates[0].value, 1)
    (52.0, 57.7)

    Per-unit values, a unit missing its numerator or denominator left out and counted:

    >>> revenue, orders = [30.0, 0.0, 55.0, float("nan"), 12.0], [1.0, 0.0, 2.0, 1.0, 1.0]
    >>> per_unit = cx.ab.compare_ratios((revenue, orders), ([20.0, 41.0, 0.0], [1.0, 2.0, 0.0]))
    >>> per_unit.estimates[1].n, per_unit.estimates[1].n_missing
    (4, 1)
    >>> round(per_unit.estimates[1].value, 2)
    24.25

    CUPED with the pre-period revenue and orders of the same visitors, which adjusts
    numerator and denominator jointly and narrows the interval:

    >>> import numpy as np
    >>> rng = np.random.default_rng(7)
    >>> pre_orders = rng.poisson(2.0, size=(2, 2_000)) + 1
    >>> pre_revenue = pre_orders * rng.gamma(4.0, 5.0, size=(2, 2_000))
    >>> orders = rng.poisson(pre_orders) + 1
    >>> revenue = orders * (pre_revenue / pre_orders + rng.gamma(2.0, 2.0, size=(2, 2_000)))
    >>> arms = [(revenue[i], orders[i]) for i in (0, 1)]
    >>> plain = cx.ab.compare_ratios(*arms)
    >>> adjusted = cx.ab.compare_ratios(
    ...     *arms, covariates=((pre_revenue[0], pre_orders[0]), (pre_revenue[1], pre_orders[1])))
    >>> round(plain.se, 3), round(adjusted.se, 3)
    (0.366, 0.176)

    The same from per-arm summaries of revenue, orders and the two covariates:

    >>> stats = [cx.ab.CupedStats.from_values(revenue[i], [pre_revenue[i], pre_orders[i]],
    ...                                       denominator=orders[i]) for i in (0, 1)]
    >>> round(cx.ab.compare_ratios(*stats).se, 3)
    0.176
    """
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    method = check_choice("ci_method", ci_method, MEAN_METHODS)
    tuning = check_sequential(sequential, sequential_tuning, method, alt)
    policy = check_nan_policy(nan_policy)
    b = check_n_resamples(n_resamples)
    gen = as_generator(rng)
    show = check_progress(progress)
    summaries = isinstance(control, CupedStats) or isinstance(variant, CupedStats)
    pair = ([], []) if summaries else arm_covariates(covariates, control, variant) or ([], [])
    if (pair[0] or summaries) and method in BOOTSTRAP:
        raise ValueError(
            f"ci_method={method!r} is not available with covariates (CUPED of a ratio "
            "metric); use 'fieller' (the default), 'delta' or 'log'"
        )
    if summaries:
        (vc, m2c, nc), (vv, m2v, nv) = summary_cuped(control, variant, "ratio", covariates)
        stats_c, stats_v = _stats(vc, m2c, nc), _stats(vv, m2v, nv)
        cols_c = cols_v = None
        missc = missv = 0
    else:
        (stats_c, cols_c, missc), (stats_v, cols_v, missv) = (
            _ratio_arm(control, "control", policy, pair[0], 0),
            _ratio_arm(variant, "variant", policy, pair[1], 1),
        )
    propagated = policy == "propagate" and bool(missc or missv)
    if pair[0] and propagated:
        # theta is pooled over the arms: missing values of one leave both undefined.
        nan = np.full(1, np.nan)
        stats_c, stats_v = (nan, nan, stats_c[2]), (nan, nan, stats_v[2])
    elif pair[0] and cols_c is not None and cols_v is not None:
        stats_c, stats_v = _cuped(cols_c, cols_v)
    if method in BOOTSTRAP and (cols_c is None or cols_v is None):
        raise TypeError(
            f"ci_method={method!r} resamples units: give (numerator, denominator) values "
            "of both arms, not RatioStats"
        )
    analytic = ratio_pairs(
        stats_c,
        stats_v,
        lift_method=lift_method(method),
        level=level,
        alternative=alt,
    )
    if propagated:
        test = "bootstrap" if method in BOOTSTRAP else "z"
        pairs = nan_pairs(scalar(stats_c[2]), scalar(stats_v[2]), test)
    elif method in BOOTSTRAP and cols_c is not None and cols_v is not None:
        pairs = bootstrap_two(
            [cols_c[:2], cols_v[:2]],
            "ratio",
            method,
            level,
            alt,
            b,
            gen,
            np.concatenate([analytic.se_control, analytic.se_variant]),
            progress=show,
        )
    elif tuning is not None:
        pairs = make_sequential(analytic, level, tuning, method)
    else:
        pairs = analytic
    warn_degenerate(pairs)
    q = float(critical_value(level))
    arms = tuple(
        normal_estimate(
            "ratio", scalar(v), scalar(se), int(scalar(n)), level, "delta", q, n_missing=m
        )
        for v, se, n, m in (
            (analytic.variant, analytic.se_variant, pairs.n_variant, missv),
            (analytic.control, analytic.se_control, pairs.n_control, missc),
        )
    )
    return to_comparison(
        pairs,
        cast("tuple[Estimate, Estimate]", arms),
        metric="ratio",
        label="ratio",
        method=method if tuning is None else sequential_method(method),
        level=level,
        alternative=alt,
    )


def _stats(value: float, m2: float, n: int) -> Stats:
    """``(ratio, variance, n)`` of an arm from its adjusted ratio and the M2 of its
    linearisation."""
    return np.array([value]), np.array([m2 / (n * (n - 1.0))]), np.array([float(n)])


def _cuped(control: FloatArray, variant: FloatArray) -> tuple[Stats, Stats]:
    """``(ratio, variance, n)`` of both arms adjusted by CUPED, theta pooled over them."""
    both = np.concatenate([control, variant], axis=1)
    codes, segment = two_arms((control.shape[1], variant.shape[1]))
    _, (value, variance, n), _ = cuped_ratio_rows(both[0], both[1], both[2:], codes, 2, segment, 1)
    return (value[:1], variance[:1], n[:1]), (value[1:], variance[1:], n[1:])
