"""Confidence intervals of the Net Promoter Score, vectorised over groups.

The NPS is the difference of two shares of one trinomial sample (promoters minus
detractors). Its intervals work on the unit scale (NPS in [-1, 1]); :func:`cxlib.nps`
rescales them to points.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from ..core.intervals import normal_quantile

__all__ = [
    "NPS_CI_METHODS",
    "NPSCIMethod",
    "nps_adjusted_wald",
    "nps_interval",
    "nps_score",
    "nps_variance",
    "nps_wald",
]

FloatArray = npt.NDArray[np.float64]
NPSCIMethod = Literal["score", "wald", "adjusted-wald"]
NPS_CI_METHODS: tuple[NPSCIMethod, ...] = ("score", "wald", "adjusted-wald")

#: Rocks (2016): pseudo-observations added to (detractors, passives, promoters).
ADJUSTED_WALD_PSEUDO = (0.75, 1.5, 0.75)


def nps_variance(p_pro: npt.ArrayLike, p_det: npt.ArrayLike) -> FloatArray:
    """Per-respondent variance of the NPS score in {-1, 0, 1}: ``p+ + p- - (p+ - p-)**2``."""
    pp = np.asarray(p_pro, dtype=np.float64)
    pd_ = np.asarray(p_det, dtype=np.float64)
    return np.maximum(pp + pd_ - (pp - pd_) ** 2, 0.0)


def nps_wald(
    p_pro: npt.ArrayLike, p_det: npt.ArrayLike, n: npt.ArrayLike, z: float
) -> tuple[FloatArray, FloatArray]:
    """Wald interval ``NPS +/- z * sqrt(V / n)``, truncated to [-1, 1]."""
    pp = np.asarray(p_pro, dtype=np.float64)
    pd_ = np.asarray(p_det, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(nps_variance(pp, pd_) / np.asarray(n, dtype=np.float64))
    centre = pp - pd_
    return np.clip(centre - half, -1.0, 1.0), np.clip(centre + half, -1.0, 1.0)


def nps_adjusted_wald(
    p_pro: npt.ArrayLike, p_det: npt.ArrayLike, n: npt.ArrayLike, z: float
) -> tuple[FloatArray, FloatArray]:
    """Rocks' adjusted Wald interval: Wald on counts plus 0.75/1.5/0.75 pseudo-answers.

    The interval is centred on the adjusted NPS of ``n + 3`` answers.
    """
    nn = np.asarray(n, dtype=np.float64)
    det, pas, pro = ADJUSTED_WALD_PSEUDO
    n_adj = nn + det + pas + pro
    pp = (np.asarray(p_pro, dtype=np.float64) * nn + pro) / n_adj
    pd_ = (np.asarray(p_det, dtype=np.float64) * nn + det) / n_adj
    return nps_wald(pp, pd_, n_adj, z)


def _tango_statistic(
    delta: FloatArray, p_pro: FloatArray, p_det: FloatArray, n: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Tango's score statistic for H0: NPS = delta (unit scale), and its slope in delta.

    Promoters and detractors play the two discordant cells of a paired 2x2 table; the
    nuisance (the detractor share) is replaced by its maximum-likelihood value under H0,
    the positive root ``q`` of ``2 q**2 + B q + C = 0`` (Tango 1998, eq. 4, divided by n).
    The slope follows by implicit differentiation of that quadratic.
    """
    spread = delta * (1.0 - delta)
    b = -p_pro - p_det + (2.0 - p_pro + p_det) * delta
    c = -p_det * spread
    root = np.sqrt(np.maximum(b * b - 8.0 * c, 0.0))
    num = p_pro - p_det - delta
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Two algebraically equal forms of the root; each avoids cancellation on its side.
        q = np.where(b <= 0.0, (root - b) / 4.0, -2.0 * c / (b + root))
        var = np.maximum(2.0 * q + spread, 0.0)
        t = np.sqrt(n) * num / np.sqrt(var)
        dq = -((2.0 - p_pro + p_det) * q - p_det * (1.0 - 2.0 * delta)) / root
        dvar = 2.0 * dq + 1.0 - 2.0 * delta
        slope = np.sqrt(n / var) * (-1.0 - num * dvar / (2.0 * var))
    # At delta = +/-1 the variance vanishes: the statistic is +/-inf, or 0 where the data
    # sit exactly on that boundary.
    on_boundary = np.where(num > 0.0, np.inf, np.where(num < 0.0, -np.inf, 0.0))
    return np.where(var > 0.0, t, on_boundary), slope


def _invert_decreasing(
    target: FloatArray,
    left: FloatArray,
    right: FloatArray,
    start: FloatArray,
    args: tuple[FloatArray, FloatArray, FloatArray],
    *,
    xtol: float = 1e-12,
    max_iter: int = 200,
) -> FloatArray:
    """Solve ``T(x) = target`` for a decreasing ``T`` bracketed by ``[left, right]``.

    Newton steps from ``start``, safeguarded by bisection whenever a step leaves the
    bracket, all elements at once. From the Wald bound Newton needs three or four steps;
    a general-purpose solver spends several times longer on per-call overhead.
    """
    lo, hi = left.copy(), right.copy()
    x = np.where((start > lo) & (start < hi), start, 0.5 * (lo + hi))
    active = np.ones(x.shape, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        xs = x[idx]
        value, slope = _tango_statistic(xs, *(arg[idx] for arg in args))
        f = value - target[idx]
        above = f > 0.0  # T decreasing: the root lies to the right
        lo[idx] = np.where(above, xs, lo[idx])
        hi[idx] = np.where(above, hi[idx], xs)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = f / slope
        newton = xs - step
        inside = (newton > lo[idx]) & (newton < hi[idx]) & np.isfinite(newton)
        done = (np.abs(step) <= xtol) | (f == 0.0) | (hi[idx] - lo[idx] <= xtol)
        x[idx] = np.where(done, xs, np.where(inside, newton, 0.5 * (lo[idx] + hi[idx])))
        active[idx[done]] = False
    if active.any():  # pragma: no cover - bisection alone converges within max_iter
        raise RuntimeError("the score interval's root search did not converge")
    return x


def nps_score(
    p_pro: npt.ArrayLike, p_det: npt.ArrayLike, n: npt.ArrayLike, z: float
) -> tuple[FloatArray, FloatArray]:
    """Iterative score interval for the NPS (Rocks 2016), vectorised over groups.

    Inverts Tango's (1998) score test for a difference of paired proportions, solving
    ``T(delta) = +z`` and ``T(delta) = -z`` for all groups at once. The bounds always
    lie in [-1, 1]; a sample of promoters only has upper bound 1 (detractors only:
    lower bound -1).
    """
    pp, pd_, nn = np.broadcast_arrays(
        np.asarray(p_pro, dtype=np.float64),
        np.asarray(p_det, dtype=np.float64),
        np.asarray(n, dtype=np.float64),
    )
    shape = pp.shape
    pp, pd_, nn = pp.ravel(), pd_.ravel(), nn.ravel()
    ok = (nn > 0) & np.isfinite(pp) & np.isfinite(pd_)
    low = np.full(pp.shape, np.nan)
    high = np.full(pp.shape, np.nan)
    if ok.any():
        a, d, m = pp[ok], pd_[ok], nn[ok]
        est = a - d
        # A sample entirely of promoters (detractors) keeps T finite up to the edge
        # 1 (-1), so that bound is the edge itself.
        low_ok, high_ok = np.full(a.shape, -1.0), np.full(a.shape, 1.0)
        solve_low = (d < 1.0) & (est > -1.0)
        solve_high = (a < 1.0) & (est < 1.0)
        # Both bounds of all groups in one vectorised search: T(delta) = +z on
        # [-1, est] for the lower bound, T(delta) = -z on [est, 1] for the upper one,
        # each started from its Wald bound.
        k = int(solve_low.sum())
        sel = np.concatenate([solve_low, solve_high])
        half = z * np.sqrt(nps_variance(a, d) / m)
        left = np.concatenate([np.full(k, -1.0), est[solve_high]])
        right = np.concatenate([est[solve_low], np.ones(int(solve_high.sum()))])
        start = np.concatenate([est - half, est + half])[sel]
        target = np.concatenate([np.full(k, z), np.full(len(left) - k, -z)])
        args = (
            np.concatenate([a, a])[sel],
            np.concatenate([d, d])[sel],
            np.concatenate([m, m])[sel],
        )
        if len(left):
            roots = np.clip(_invert_decreasing(target, left, right, start, args), -1.0, 1.0)
            low_ok[solve_low] = roots[:k]
            high_ok[solve_high] = roots[k:]
        low[ok], high[ok] = low_ok, high_ok
    return low.reshape(shape), high.reshape(shape)


def nps_interval(
    method: NPSCIMethod,
    p_pro: npt.ArrayLike,
    p_det: npt.ArrayLike,
    n: npt.ArrayLike,
    confidence_level: float,
) -> tuple[FloatArray, FloatArray]:
    """Two-sided interval for the NPS on the unit scale, vectorised over groups.

    Parameters
    ----------
    method : {"score", "wald", "adjusted-wald"}
        Tango's score interval (Rocks 2016), the Wald interval truncated to [-1, 1], or
        Rocks' adjusted Wald interval (0.75, 1.5, 0.75 pseudo-answers).
    p_pro, p_det : array-like
        Shares of promoters and detractors.
    n : array-like
        Sample sizes (may be non-integer effective sizes of weighted data).
    confidence_level : float
        Two-sided coverage, e.g. 0.95.

    Returns
    -------
    low, high : numpy.ndarray
        Bounds on the unit scale (multiply by 100 for NPS points); NaN where ``n`` is 0.

    Examples
    --------
    >>> from cxlib.survey.nps_intervals import nps_interval
    >>> low, high = nps_interval("score", [0.5], [1 / 6], [6], 0.95)
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (-0.3111, 0.754)
    """
    z = normal_quantile(0.5 + confidence_level / 2.0)
    if method == "score":
        return nps_score(p_pro, p_det, n, z)
    if method == "wald":
        return nps_wald(p_pro, p_det, n, z)
    return nps_adjusted_wald(p_pro, p_det, n, z)
