"""Comparing a ratio metric ``sum(y) / sum(x)`` (revenue per order) between arms."""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
import numpy.typing as npt

from ..core.lift import FloatArray, critical_value
from ..core.ratio_stats import RatioStats
from ..core.results import Comparison, Estimate
from ..core.statistics import ratio_estimates
from ..core.sufficient import finite_values
from ..core.validation import (
    as_generator,
    check_alternative,
    check_choice,
    check_confidence_level,
    check_n_resamples,
)
from .two_arms import (
    BOOTSTRAP,
    MEAN_METHODS,
    MeanMethod,
    bootstrap_two,
    lift_method,
    normal_estimate,
    ratio_pairs,
    ratio_statistics,
    scalar,
    to_comparison,
    warn_degenerate,
)

__all__ = ["compare_ratios"]

Stats = tuple[FloatArray, FloatArray, FloatArray]


def _ratio_arm(arm: object, name: str) -> tuple[Stats, FloatArray | None]:
    """``(ratio, variance, n)`` of one arm, and its per-unit columns when given as values."""
    if isinstance(arm, RatioStats):
        if arm.n < 2:
            raise ValueError(f"{name}: a comparison needs n >= 2 units; got {arm!r}")
        if arm.denominator_mean == 0:
            raise ValueError(f"{name}: the denominator sums to 0, so the ratio is undefined")
        return ratio_statistics(arm.to_moments()), None
    if not isinstance(arm, (tuple, list)) or len(arm) != 2:
        raise TypeError(
            f"{name} must be a RatioStats or a pair (numerator, denominator) of per-unit "
            f"values; got {type(arm).__name__}"
        )
    y = finite_values(arm[0], f"{name}: numerator")
    x = finite_values(arm[1], f"{name}: denominator")
    if y.shape != x.shape:
        raise ValueError(
            f"{name}: numerator and denominator must have one value per unit each; got "
            f"{y.size:,} and {x.size:,} values"
        )
    if y.size < 2:
        raise ValueError(f"{name} needs at least 2 units; got {y.size}")
    # From the rows (not RatioStats): they keep the residuals of nearly proportional data.
    moments, ratio, variance = ratio_estimates(y, x)
    if moments.mean[0, 1] == 0:
        raise ValueError(f"{name}: the denominator sums to 0, so the ratio is undefined")
    columns = np.stack([y, x])
    return (ratio, variance, moments.n), columns


def compare_ratios(
    control: RatioStats | tuple[npt.ArrayLike, npt.ArrayLike],
    variant: RatioStats | tuple[npt.ArrayLike, npt.ArrayLike],
    *,
    ci_method: MeanMethod = "fieller",
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
    ci_method : {"fieller", "delta", "log", "percentile", "basic", "bca"}, default "fieller"
        As in :func:`compare_means`, with the z test; bootstrap resamples visitors.
    confidence_level, alternative, n_resamples, rng
        As in :func:`compare_means`.

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
    analytic = ratio_pairs(
        stats_c,
        stats_v,
        lift_method=lift_method(method),
        level=level,
        alternative=alt,
    )
    if method in BOOTSTRAP:
        if cols_c is None or cols_v is None:
            raise TypeError(
                f"ci_method={method!r} resamples units: give (numerator, denominator) values "
                "of both arms, not RatioStats"
            )
        pairs = bootstrap_two(
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
    warn_degenerate(pairs)
    q = float(critical_value(level))
    arms = tuple(
        normal_estimate("ratio", scalar(v), scalar(se), int(scalar(n)), level, "delta", q)
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
