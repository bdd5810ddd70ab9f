"""Studentized bootstrap (bootstrap-t) intervals of ratios of cluster totals.

For a ratio ``theta = sum(y) / sum(x)`` over independent clusters (a customer's orders,
a customer's order count), each resample draws the clusters of a group with replacement,
recomputes the ratio **and its delta-method standard error**, and keeps the studentized
statistic ``t* = (theta* - theta) / se*``. The interval is

    [theta - q(1 - alpha/2) * se, theta - q(alpha/2) * se]

with ``q`` the quantiles of ``t*`` (Efron 1981; Hall 1988; Efron & Tibshirani 1993,
ch. 12; Davison & Hinkley 1997, 5.2). Unlike the percentile, basic and BCa intervals,
whose coverage error is of order ``n**-1/2`` when the statistic is skewed, the
studentized interval is second-order accurate: the bootstrap estimates the skewness of
``t`` itself, so a right-skewed revenue per customer gives a longer upper arm.

The resampling reuses the row layout of :mod:`cxlib.core.bootstrap` (rows sorted by
group and value, so that row order never changes a seeded result) and is vectorised
over groups and over a batch of resamples at a time.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .bootstrap import _BATCH_ELEMENTS, _segments
from .progress import progress_bar

__all__ = ["linearised_skewness", "ratio_t_replicates", "studentized_interval"]

FloatArray = npt.NDArray[np.float64]


def ratio_t_replicates(
    y: FloatArray,
    x: FloatArray,
    codes: npt.NDArray[np.integer] | None,
    n_groups: int,
    estimate: FloatArray,
    n_resamples: int,
    rng: np.random.Generator,
    *,
    progress: bool = False,
) -> FloatArray:
    """Studentized bootstrap replicates of the ratio ``sum(y) / sum(x)`` per group.

    Every resample draws the clusters of each group with replacement and computes
    ``t* = (r* - r) / se*``, where ``r*`` is the resampled ratio and ``se*`` its
    delta-method standard error ``sqrt(m / (m - 1) * sum((y - r* x)**2)) / sum(x)``
    over the ``m`` drawn clusters, as for the estimate itself.

    Parameters
    ----------
    y, x : numpy.ndarray
        Numerator and denominator total of every cluster, shape (clusters,).
    codes : numpy.ndarray or None
        Group of every cluster in ``0 .. n_groups - 1`` (None: one group).
    n_groups : int
        Number of groups.
    estimate : numpy.ndarray
        The ratio of every group, shape (n_groups,).
    n_resamples : int
        Number of resamples.
    rng : numpy.random.Generator
        Source of randomness.
    progress : bool, default False
        Show a progress bar, updated once per batch of resamples.

    Returns
    -------
    numpy.ndarray
        ``t*`` of shape (n_resamples, n_groups). A resample whose clusters all have
        the same ratio has ``se* = 0``: its ``t*`` is 0 when ``r* = r`` and
        ``+-inf`` otherwise. NaN for groups with fewer than two clusters.

    Examples
    --------
    >>> import numpy as np
    >>> from cxlib.core.studentized import ratio_t_replicates
    >>> y, x = np.array([10.0, 30.0, 20.0, 80.0]), np.array([1.0, 2.0, 1.0, 3.0])
    >>> t = ratio_t_replicates(y, x, None, 1, np.array([140.0 / 7.0]), 500,
    ...                        np.random.default_rng(0))
    >>> t.shape
    (500, 1)
    """
    if codes is None:
        codes = np.zeros(len(y), dtype=np.intp)
    codes = np.asarray(codes, dtype=np.intp)
    out = np.full((n_resamples, n_groups), np.nan)
    if len(y) == 0:
        return out
    # Residuals about the estimate: the resampled ratio is r + sum(u*) / sum(x*), and
    # the residuals of a resample stay small numbers (no cancellation in r* - r).
    shift = np.where(np.isfinite(estimate), estimate, 0.0)
    u = y - shift[codes] * x
    order, sizes, starts = _segments(codes, n_groups, u, x)
    us, xs = u[order], x[order]
    group_of = np.repeat(np.arange(n_groups), sizes)
    first, span = starts[group_of], sizes[group_of].astype(np.float64)
    present = sizes > 0
    cut = starts[present]
    slot = (np.cumsum(present) - 1)[group_of]  # column of each row among present groups
    m = sizes[present].astype(np.float64)
    n = len(us)
    batch = max(1, _BATCH_ELEMENTS // n)
    with progress_bar(n_resamples, enabled=progress, description="Bootstrap-t") as bar:
        for start in range(0, n_resamples, batch):
            size = min(batch, n_resamples - start)
            pick = first + (rng.random((size, n)) * span).astype(np.intp)
            up, xp = us[pick], xs[pick]
            total_x = np.add.reduceat(xp, cut, axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                d = np.add.reduceat(up, cut, axis=1) / total_x
                # Two passes: the residuals of the resample about its own ratio.
                resid = up - d[:, slot] * xp
                ss = np.add.reduceat(resid * resid, cut, axis=1)
                se = np.sqrt(m / (m - 1.0) * ss) / total_x
                t = d / se
            # se* = 0: every drawn cluster has the same ratio. The statistic is 0 when that
            # ratio is the estimate, else infinite (a resample far out in the tails).
            t = np.where((se == 0) & (d == 0), 0.0, t)
            out[start : start + size, present] = t
            bar.update(size)
    return out


def _quantile(ordered: FloatArray, count: npt.NDArray[np.intp], p: float) -> FloatArray:
    """Linear quantile per column of the first ``count`` (sorted) rows of ``ordered``."""
    cols = np.arange(ordered.shape[1])
    h = (np.maximum(count, 1) - 1) * p
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(count, 1) - 1)
    a_lo, a_hi = ordered[lo, cols], ordered[hi, cols]
    with np.errstate(invalid="ignore"):  # no finite replicate: inf - inf, reported NaN
        value: FloatArray = a_lo + (h - lo) * (a_hi - a_lo)
    return value


def studentized_interval(
    t: FloatArray,
    estimate: FloatArray,
    se: FloatArray,
    confidence_level: float,
) -> tuple[FloatArray, FloatArray]:
    """Two-sided bootstrap-t interval per group from studentized replicates.

    Resamples whose standard error is zero while their ratio is not the estimate
    (infinite ``t*``: every drawn cluster has the same ratio, which happens with a
    handful of clusters) carry no studentized value and are left out of the quantiles,
    as R's ``boot.ci`` leaves out non-finite replicates.

    Parameters
    ----------
    t : numpy.ndarray
        Replicates of ``(theta* - theta) / se*``, shape (resamples, groups).
    estimate, se : numpy.ndarray
        Estimate and its standard error per group.
    confidence_level : float
        Two-sided coverage.

    Returns
    -------
    low, high : numpy.ndarray
        ``theta - q(1 - alpha/2) se`` and ``theta - q(alpha/2) se`` with ``q`` the
        linear quantiles of the finite ``t*``; NaN where a replicate is NaN (groups of
        fewer than two clusters), none is finite, or the finite ones do not spread
        although ``se > 0`` (two clusters: every mixed resample is the sample itself).

    Examples
    --------
    >>> import numpy as np
    >>> from cxlib.core.studentized import studentized_interval
    >>> t = np.linspace(-2.0, 3.0, 101)[:, None]   # right-skewed t: longer lower arm
    >>> low, high = studentized_interval(t, np.array([10.0]), np.array([1.0]), 0.9)
    >>> float(low[0]), float(high[0])
    (7.25, 11.75)
    """
    alpha = (1.0 - confidence_level) / 2.0
    finite = np.isfinite(t)
    count = finite.sum(axis=0)
    undefined = np.isnan(t).any(axis=0) | (count == 0) | ~np.isfinite(se)
    # Non-finite replicates sort to the end; the quantiles use the first ``count``.
    ordered = np.sort(np.where(finite, t, np.inf), axis=0)
    q_low, q_high = _quantile(ordered, count, alpha), _quantile(ordered, count, 1.0 - alpha)
    # With two or three clusters every finite t* can be 0 although the clusters differ:
    # no interval, rather than a point that the data do not support.
    undefined |= (q_low == q_high) & (se > 0)
    with np.errstate(invalid="ignore"):
        low = np.where(undefined, np.nan, estimate - q_high * se)
        high = np.where(undefined, np.nan, estimate - q_low * se)
    return low, high


def linearised_skewness(
    y: FloatArray,
    x: FloatArray,
    codes: npt.NDArray[np.integer] | None,
    n_groups: int,
    estimate: FloatArray,
) -> FloatArray:
    """Sample skewness ``m3 / m2**1.5`` of the linearised values ``y - theta x`` per group.

    These residuals are the clusters' influence on the ratio (up to the factor
    ``1 / mean(x)``), so their skewness is the skewness that the normal approximation of
    the ratio has to overcome (for ``x = 1`` it is the skewness of ``y``). Their mean is
    zero by construction, so the moments are centred. NaN where they do not vary.

    Examples
    --------
    >>> import numpy as np
    >>> from cxlib.core.studentized import linearised_skewness
    >>> from scipy import stats
    >>> y = np.array([1.0, 2.0, 2.0, 3.0, 9.0])
    >>> g = linearised_skewness(y, np.ones(5), None, 1, np.array([y.mean()]))
    >>> bool(np.isclose(g[0], stats.skew(y)))
    True
    """
    g = np.zeros(len(y), dtype=np.intp) if codes is None else np.asarray(codes, dtype=np.intp)
    n = np.bincount(g, minlength=n_groups).astype(np.float64)
    shift = np.where(np.isfinite(estimate), estimate, 0.0)
    e = y - shift[g] * x
    # Centre once more on the (rounding-level) mean of the residuals.
    with np.errstate(divide="ignore", invalid="ignore"):
        e = e - (np.bincount(g, weights=e, minlength=n_groups) / n)[g]
        m2 = np.bincount(g, weights=e * e, minlength=n_groups) / n
        m3 = np.bincount(g, weights=e * e * e, minlength=n_groups) / n
        skew: FloatArray = np.where(m2 > 0, m3 / m2**1.5, np.nan)
    return skew
