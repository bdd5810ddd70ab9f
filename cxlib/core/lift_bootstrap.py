"""Bootstrap intervals and p-values of the difference and lift of variant vs control.

The replicates of each arm's statistic (one column per comparison) give the
difference's and the lift's bootstrap distributions; their percentile, basic or BCa
intervals, and the p-values that invert those intervals.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import special

from .bootstrap import bias_correction, bootstrap_interval
from .lift import (
    FloatArray,
    Pairs,
    critical_value,
    lift_point,
    open_side,
    two_sided_level,
    undefined_lift,
)
from .validation import Alternative

__all__ = ["bootstrap_pairs", "bootstrap_pvalue"]

# Stands for an infinite lift inside the bootstrap quantiles (which need finite values).
_HUGE = 1e300


def bootstrap_pvalue(
    replicates: FloatArray,
    estimate: FloatArray,
    method: Literal["percentile", "basic", "bca"],
    alternative: Alternative,
    *,
    z0: FloatArray | None = None,
    acceleration: FloatArray | None = None,
    null: float = 0.0,
) -> FloatArray:
    """p-value that inverts a bootstrap interval: the level at which a bound meets ``null``.

    ``replicates`` has shape (resamples, comparisons). The share ``u`` of the
    interval's bootstrap distribution below ``null`` (mid-ranks for ties) is the one-
    sided p-value of "greater"; ``1 - u`` that of "less"; ``2 min(u, 1 - u)`` the two-
    sided one. With ``B`` resamples, ``u`` is taken as ``(B u + 1) / (B + 1)`` on each
    side, so that no p-value is reported as exactly 0 (Davison & Hinkley 1997, 4.4).
    """
    b = replicates.shape[0]
    # The basic interval reflects the replicates about the estimate.
    reference = 2.0 * estimate[None, :] - replicates if method == "basic" else replicates
    below = (reference < null).sum(axis=0) + 0.5 * (reference == null).sum(axis=0)
    u = below / b
    if method == "bca":
        if z0 is None or acceleration is None:  # pragma: no cover - internal contract
            raise ValueError("the BCa p-value needs z0 and the acceleration")
        with np.errstate(divide="ignore", invalid="ignore"):
            w = special.ndtri(u) - z0
            t = w / (1.0 + acceleration * w)
            u = np.where(
                (u > 0) & (u < 1) & (1.0 + acceleration * w > 0),
                special.ndtr(t - z0),
                np.where(u >= 1, 1.0, 0.0),
            )
    lower = (b * u + 1.0) / (b + 1.0)
    upper = (b * (1.0 - u) + 1.0) / (b + 1.0)
    if alternative == "greater":
        p = lower
    elif alternative == "less":
        p = upper
    else:
        p = np.minimum(1.0, 2.0 * np.minimum(lower, upper))
    out: FloatArray = np.where(np.isfinite(replicates).all(axis=0), p, np.nan)
    return out


def bootstrap_pairs(
    c: FloatArray,
    v: FloatArray,
    reps_c: FloatArray,
    reps_v: FloatArray,
    accel: tuple[FloatArray, FloatArray] | None,
    *,
    method: Literal["percentile", "basic", "bca"],
    level: float,
    alternative: Alternative,
    n_c: FloatArray,
    n_v: FloatArray,
    se_c: FloatArray,
    se_v: FloatArray,
    bounds: tuple[float, float] = (-np.inf, np.inf),
) -> Pairs:
    """Intervals and p-values of the difference and the lift from per-arm replicates."""
    two = two_sided_level(level, alternative)
    diff = v - c
    lift = lift_point(v, c)
    reps_diff = reps_v - reps_c
    with np.errstate(divide="ignore", invalid="ignore"):
        reps_lift = (reps_v - reps_c) / np.abs(reps_c)
    # A resample without control conversions (or a zero control mean) has no finite
    # lift: it counts as an unboundedly large one, which widens only the upper tail.
    reps_lift = np.where(np.isfinite(reps_lift), reps_lift, _HUGE)
    out_ci = []
    pvals = None
    for k, (reps, est) in enumerate(((reps_diff, diff), (reps_lift, lift))):
        a = None if accel is None else accel[k]
        low, high, _ = bootstrap_interval(reps, est, method, two, a)
        low, high = (np.where(x >= _HUGE / 2, np.inf, x) for x in (low, high))
        if k == 0:
            z0 = bias_correction(reps, est) if method == "bca" else None
            pvals = bootstrap_pvalue(reps, est, method, alternative, z0=z0, acceleration=a)
        out_ci.append((low, high))
    (d_low, d_high), (l_low, l_high) = out_ci
    d_low, d_high = open_side(d_low, d_high, alternative, bounds)
    l_low, l_high = open_side(l_low, l_high, alternative)
    q = critical_value(two)
    undefined = undefined_lift(c, se_c, q)
    assert pvals is not None
    return Pairs(
        control=c,
        variant=v,
        se_control=se_c,
        se_variant=se_v,
        n_control=n_c,
        n_variant=n_v,
        difference=diff,
        se=np.std(reps_diff, axis=0, ddof=1),
        ci_low=d_low,
        ci_high=d_high,
        statistic=np.full(diff.shape, np.nan),
        p_value=pvals,
        lift=lift,
        lift_low=np.where(undefined, np.nan, l_low),
        lift_high=np.where(undefined, np.nan, l_high),
        test=np.full(diff.shape, "bootstrap"),
    )
