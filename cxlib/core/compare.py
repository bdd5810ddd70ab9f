"""The compare stage: difference and relative lift of two independent estimates.

Any two estimates of the same metric (variant vs control, members vs non-members,
touchpoint A vs B) with standard errors give

- the difference ``a - b`` with ``se = sqrt(se_a**2 + se_b**2)``, its normal interval and
  the z test of no difference;
- the relative lift ``(a - b) / |b|`` (a fraction: 0.12 is +12 %) with a delta-method
  interval, or one built on the log of the ratio ``a / b`` (for positive metrics).

The lift is undefined when ``b`` cannot be told apart from zero (its interval covers
zero): then the lift interval is NaN and a :class:`~cxlib.DegenerateDataWarning` says so.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np

from .errors import DegenerateDataWarning, find_stack_level
from .intervals import normal_quantile, normal_test
from .lift import lift_from_ratio, ratio_interval
from .results import Comparison, ConfidenceInterval, Estimate
from .validation import check_alternative, check_choice, check_confidence_level

__all__ = ["LiftMethod", "compare_estimates"]

LiftMethod = Literal["delta", "log"]
_LIFT_METHODS: tuple[LiftMethod, ...] = ("delta", "log")


def _lift_interval(
    a: float, b: float, se_a: float, se_b: float, z: float, method: LiftMethod
) -> tuple[float, float]:
    if method == "log" and (a <= 0 or b <= 0):
        warnings.warn(
            "the log interval of the lift needs positive estimates; got "
            f"a = {a:.6g}, b = {b:.6g}: its interval is NaN (use lift_method='delta')",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )
        return math.nan, math.nan
    # An interval of the ratio a / b, turned into one of the lift (a - b) / |b|.
    arrays = (np.array([x], dtype=np.float64) for x in (a, b, se_a**2, se_b**2, z))
    va, vb, var_a, var_b, q = arrays
    low, high = lift_from_ratio(vb, *ratio_interval(va, vb, var_a, var_b, q, method))
    return float(low[0]), float(high[0])


def compare_estimates(
    a: Estimate,
    b: Estimate,
    *,
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    lift_method: LiftMethod = "delta",
) -> Comparison:
    """Compare two independent estimates of one metric: ``a`` minus ``b``.

    Parameters
    ----------
    a, b : Estimate
        The estimates (e.g. members and non-members), from independent samples.
    confidence_level : float, default 0.95
        Coverage of the intervals.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        Alternative hypothesis of the z test: ``a`` differs from, is below or above ``b``;
        one-sided alternatives give a one-sided interval of the difference.
    lift_method : {"delta", "log"}, default "delta"
        Interval of the relative lift: delta method, or exponentiated interval of
        ``log(a / b)`` (positive metrics only).

    Returns
    -------
    Comparison
        ``difference``, ``se``, ``difference_ci``, ``statistic``, ``p_value``, ``lift`` and
        ``lift_ci`` (two-sided), and the two estimates.

    Warns
    -----
    DegenerateDataWarning
        When ``b``'s interval covers zero (lift undefined) or a standard error is zero.

    Examples
    --------
    >>> import cxlib as cx
    >>> members = cx.Estimate("aov", 56.0, 1.2, (53.6, 58.4), 0.95, "delta", 900)
    >>> others = cx.Estimate("aov", 50.0, 0.8, (48.4, 51.6), 0.95, "delta", 2100)
    >>> comparison = cx.compare_estimates(members, others)
    >>> round(comparison.difference, 2), round(comparison.lift, 3)
    (6.0, 0.12)
    """
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    method = check_choice("lift_method", lift_method, _LIFT_METHODS)
    if a.metric != b.metric:
        raise ValueError(
            f"a and b must estimate the same metric; got {a.metric!r} and {b.metric!r}"
        )
    diff = a.value - b.value
    se = math.hypot(a.se, b.se)
    stat, p, low, high = normal_test(diff, se, alternative=alt, confidence_level=level)
    if math.isfinite(diff) and not se > 0:
        warnings.warn(
            "the standard error of the difference is zero: statistic, p-value and interval "
            "are undefined (NaN)",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )
    z = normal_quantile(0.5 + level / 2.0)
    lift = diff / abs(b.value) if b.value != 0 else math.nan
    if not (math.isfinite(b.value) and abs(b.value) > z * b.se):
        warnings.warn(
            f"the lift is undefined: b = {b.value:.6g} cannot be told apart from zero "
            f"(|b| <= {z:.3g} * SE); its interval is NaN",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )
        lift_ci = ConfidenceInterval(math.nan, math.nan)
    else:
        lift_ci = ConfidenceInterval(*_lift_interval(a.value, b.value, a.se, b.se, z, method))
    return Comparison(
        metric=a.metric,
        difference=diff,
        se=se,
        difference_ci=ConfidenceInterval(low, high),
        statistic=stat,
        p_value=p,
        confidence_level=level,
        method="wald",
        alternative=alt,
        estimates=(a, b),
        lift=lift,
        lift_ci=lift_ci,
        label=a.label or a.metric,
    )
