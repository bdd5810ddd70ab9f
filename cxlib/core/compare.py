"""The compare stage: difference and relative lift of two independent estimates.

Any two estimates of the same metric (variant vs control, members vs non-members,
touchpoint A vs B) with standard errors give

- the difference ``a - b`` (the other estimate minus the reference) with
  ``se = sqrt(se_a**2 + se_b**2)``, its normal interval and the z test of no difference;
- the relative lift ``(a - b) / |b|`` (a fraction: 0.12 is +12 %) with Fieller's interval
  of the ratio ``a / b`` (the default, which excludes 0 exactly when the z test rejects),
  a delta-method interval, or one built on the log of the ratio (for positive metrics).

The lift is undefined when ``b`` cannot be told apart from zero (its interval covers
zero): then the lift interval is NaN and a :class:`~cxlib.DegenerateDataWarning` says so.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np

from .errors import DegenerateDataWarning, find_stack_level
from .lift import critical_value, normal_pairs, two_sided_level
from .results import Comparison, ConfidenceInterval, Estimate
from .validation import check_alternative, check_choice, check_confidence_level

__all__ = ["LiftMethod", "compare_estimates"]

LiftMethod = Literal["fieller", "delta", "log"]
_LIFT_METHODS: tuple[LiftMethod, ...] = ("fieller", "delta", "log")


def compare_estimates(
    a: Estimate,
    b: Estimate,
    *,
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    lift_method: LiftMethod = "fieller",
) -> Comparison:
    """Compare two independent estimates of one metric: ``a`` minus ``b``.

    The difference is the other estimate minus the reference (``b``), as everywhere in
    cxlib: variant minus control, members minus non-members.

    Parameters
    ----------
    a, b : Estimate
        The estimate compared (e.g. members) and the reference (e.g. non-members),
        from independent samples.
    confidence_level : float, default 0.95
        Coverage of the intervals.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        Alternative hypothesis of the z test: ``a`` differs from, is below or above ``b``;
        one-sided alternatives give a one-sided interval of the difference.
    lift_method : {"fieller", "delta", "log"}, default "fieller"
        Interval of the relative lift: Fieller's interval of ``a / b`` (the ratios not
        rejected by the z test of ``a - r b = 0``; it excludes a lift of 0 exactly when
        the test of the difference rejects), the delta method, or the exponentiated
        interval of ``log(a / b)`` (positive metrics only). Neither of the last two
        agrees with the p-value in general.

    Returns
    -------
    Comparison
        ``difference``, ``se``, ``difference_ci``, ``statistic``, ``p_value``, ``lift`` and
        ``lift_ci`` (one-sided for one-sided alternatives, as the difference's), and the
        two estimates.

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
    c, v, var_c, var_v, n_c, n_v = (
        np.array([x], dtype=np.float64) for x in (b.value, a.value, b.se**2, a.se**2, b.n, a.n)
    )
    pairs = normal_pairs(
        c, v, var_c, var_v, n_c, n_v, level=level, alternative=alt, lift_method=method
    )
    diff, se = float(pairs.difference[0]), float(pairs.se[0])
    if math.isfinite(diff) and not se > 0:
        warnings.warn(
            "the standard error of the difference is zero: statistic, p-value and interval "
            "are undefined (NaN)",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )
    lift_low, lift_high = float(pairs.lift_low[0]), float(pairs.lift_high[0])
    q = float(critical_value(two_sided_level(level, alt)))
    if not (math.isfinite(b.value) and abs(b.value) > q * b.se):
        warnings.warn(
            f"the lift is undefined: b = {b.value:.6g} cannot be told apart from zero "
            f"(|b| <= {q:.3g} * SE); its interval is NaN",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )
    elif method == "log" and not (a.value > 0 and b.value > 0):
        warnings.warn(
            "the log interval of the lift needs positive estimates; got "
            f"a = {a.value:.6g}, b = {b.value:.6g}: its interval is NaN (use "
            "lift_method='fieller')",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )
    return Comparison(
        metric=a.metric,
        difference=diff,
        se=se,
        difference_ci=ConfidenceInterval(float(pairs.ci_low[0]), float(pairs.ci_high[0])),
        statistic=float(pairs.statistic[0]),
        p_value=float(pairs.p_value[0]),
        confidence_level=level,
        method="wald",
        alternative=alt,
        estimates=(a, b),
        lift=float(pairs.lift[0]),
        lift_ci=ConfidenceInterval(lift_low, lift_high),
        label=a.label or a.metric,
    )
