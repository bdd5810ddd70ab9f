"""Bootstrap confidence intervals for indices that are means of a per-unit score.

Two resampling engines, both vectorised over groups:

* the **counts path**. When the score takes few distinct values, resampling ``n`` rows
  with replacement is the same distribution as drawing the counts of the distinct
  values from a multinomial with the observed shares. Each replicate then costs
  O(number of distinct values) whatever ``n`` is.
* the **rows path**, for survey weights: rows are resampled within their group and the
  weighted mean is recomputed, a batch of replicates at a time.

The intervals follow the conventions of :func:`scipy.stats.bootstrap` (percentile,
basic and BCa; linear quantiles; the "mean" percentile of the estimate for the BCa
bias correction), so that both give the same interval up to Monte Carlo error. The
BCa acceleration comes from the exact jackknife, in closed form: a mean without one
row depends only on that row's score and weight.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from .progress import progress_bar

__all__ = [
    "BOOTSTRAP_METHODS",
    "BootstrapMethod",
    "bias_correction",
    "bootstrap_interval",
    "counts_acceleration",
    "counts_replicates",
    "rows_acceleration",
    "rows_replicates",
]

FloatArray = npt.NDArray[np.float64]
BootstrapMethod = Literal["percentile", "basic", "bca"]
BOOTSTRAP_METHODS: tuple[BootstrapMethod, ...] = ("percentile", "basic", "bca")

# Elements of resampled data held in memory at once (a batch of replicates).
_BATCH_ELEMENTS = 1 << 22


def counts_replicates(
    values: FloatArray,
    counts: npt.NDArray[np.integer],
    n_resamples: int,
    rng: np.random.Generator,
    *,
    progress: bool = False,
) -> FloatArray:
    """Bootstrap replicates of the mean score by drawing category counts.

    Group ``g`` of ``counts`` has ``n_g = counts[g].sum()`` units; each replicate draws
    the level counts from ``Multinomial(n_g, counts[g] / n_g)``, which is the
    distribution of the level counts of ``n_g`` rows resampled with replacement.

    Parameters
    ----------
    values : numpy.ndarray
        The distinct score values, shape (levels,).
    counts : numpy.ndarray
        Units per group and level, shape (groups, levels).
    n_resamples : int
        Number of replicates.
    rng : numpy.random.Generator
        Source of randomness.
    progress : bool, default False
        Show a progress bar, updated once per batch of replicates.

    Returns
    -------
    numpy.ndarray
        Replicates of the mean, shape (n_resamples, groups); NaN for empty groups.

    Examples
    --------
    >>> import numpy as np
    >>> from cxlib.core.bootstrap import counts_replicates
    >>> reps = counts_replicates(np.array([-100.0, 0.0, 100.0]), np.array([[2, 2, 2]]),
    ...                          1000, np.random.default_rng(0))
    >>> reps.shape, bool(-100 <= reps.min() <= reps.max() <= 100)
    ((1000, 1), True)
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = counts.sum(axis=1)
    n_groups, n_levels = counts.shape
    out = np.full((n_resamples, n_groups), np.nan)
    ok = n > 0
    if not ok.any():
        return out
    pvals = counts[ok] / n[ok, None]
    batch = max(1, _BATCH_ELEMENTS // max(1, int(ok.sum()) * n_levels))
    with progress_bar(n_resamples, enabled=progress, description="Bootstrap") as bar:
        for start in range(0, n_resamples, batch):
            size = min(batch, n_resamples - start)
            drawn = rng.multinomial(n[ok], pvals, size=(size, int(ok.sum())))
            out[start : start + size, ok] = (drawn @ values) / n[ok]
            bar.update(size)
    return out


def counts_acceleration(values: FloatArray, counts: npt.NDArray[np.integer]) -> FloatArray:
    """BCa acceleration of the mean from the exact jackknife over units, per group.

    Leaving out one unit with score ``v_k`` gives ``(S - v_k) / (n - 1)``; every unit
    of a level gives the same value, so the jackknife needs one term per level.

    Parameters
    ----------
    values : numpy.ndarray
        The distinct score values, shape (levels,).
    counts : numpy.ndarray
        Units per group and level, shape (groups, levels).

    Returns
    -------
    numpy.ndarray
        The acceleration ``sum U**3 / (6 * (sum U**2) ** 1.5)`` per group, where ``U``
        are the jackknife influence values; NaN where the score does not vary.
    """
    c = np.asarray(counts, dtype=np.float64)
    n = c.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = c @ values
        loo = (total[:, None] - values[None, :]) / (n[:, None] - 1.0)
        mean_loo = (c * loo).sum(axis=1) / n
        u = (n[:, None] - 1.0) * (mean_loo[:, None] - loo)
        num = (c * u**3).sum(axis=1)
        den = (c * u**2).sum(axis=1)
        accel: FloatArray = num / (6.0 * den**1.5)
    return accel


def _segments(
    codes: npt.NDArray[np.integer], n_groups: int, *keys: FloatArray
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Row order sorted by group then by ``keys``, group sizes and start offsets.

    Sorting the rows of a group by their values makes the resamples independent of the
    order of the rows: the same seed gives the same interval for any permutation.
    """
    order = np.lexsort((*keys[::-1], codes))
    sizes = np.bincount(codes, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return order, sizes, starts


def rows_replicates(
    scores: FloatArray,
    weights: FloatArray,
    codes: npt.NDArray[np.integer] | None,
    n_groups: int,
    n_resamples: int,
    rng: np.random.Generator,
    *,
    progress: bool = False,
) -> FloatArray:
    """Bootstrap replicates of the weighted mean score by resampling rows within groups.

    Parameters
    ----------
    scores, weights : numpy.ndarray
        Score and weight of every row, shape (rows,).
    codes : numpy.ndarray or None
        Group of every row, in ``0 .. n_groups - 1`` (None: a single group).
    n_groups : int
        Number of groups.
    n_resamples : int
        Number of replicates.
    rng : numpy.random.Generator
        Source of randomness.
    progress : bool, default False
        Show a progress bar, updated once per batch of replicates.

    Returns
    -------
    numpy.ndarray
        Replicates of ``sum(w * s) / sum(w)``, shape (n_resamples, n_groups); NaN for
        groups without rows or resamples of zero total weight.
    """
    if codes is None:
        codes = np.zeros(len(scores), dtype=np.intp)
    order, sizes, starts = _segments(codes, n_groups, scores, weights)
    s, w = scores[order], weights[order]
    group_of = np.repeat(np.arange(n_groups), sizes)
    first, span = starts[group_of], sizes[group_of].astype(np.float64)
    present = sizes > 0
    cut = starts[present]
    out = np.full((n_resamples, n_groups), np.nan)
    n = len(s)
    if n == 0:
        return out
    batch = max(1, _BATCH_ELEMENTS // n)
    with progress_bar(n_resamples, enabled=progress, description="Bootstrap") as bar:
        for start in range(0, n_resamples, batch):
            size = min(batch, n_resamples - start)
            pick = first + (rng.random((size, n)) * span).astype(np.intp)
            wp = w[pick]
            total = np.add.reduceat(wp, cut, axis=1)
            weighted = np.add.reduceat(wp * s[pick], cut, axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                out[start : start + size, present] = weighted / total
            bar.update(size)
    return out


def rows_acceleration(
    scores: FloatArray,
    weights: FloatArray,
    codes: npt.NDArray[np.integer] | None,
    n_groups: int,
) -> FloatArray:
    """BCa acceleration of the weighted mean from the exact jackknife over rows.

    Leaving out row ``i`` gives ``(sum(w s) - w_i s_i) / (sum(w) - w_i)``, so the
    jackknife costs one pass over the rows.

    Parameters
    ----------
    scores, weights : numpy.ndarray
        Score and weight of every row.
    codes : numpy.ndarray or None
        Group of every row (None: a single group).
    n_groups : int
        Number of groups.

    Returns
    -------
    numpy.ndarray
        The acceleration per group; NaN where it is undefined.
    """
    if codes is None:
        codes = np.zeros(len(scores), dtype=np.intp)
    n = np.bincount(codes, minlength=n_groups).astype(np.float64)
    total_w = np.bincount(codes, weights=weights, minlength=n_groups)
    total_ws = np.bincount(codes, weights=weights * scores, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        loo = (total_ws[codes] - weights * scores) / (total_w[codes] - weights)
        mean_loo = np.bincount(codes, weights=loo, minlength=n_groups) / n
        u = (n[codes] - 1.0) * (mean_loo[codes] - loo)
        num = np.bincount(codes, weights=u**3, minlength=n_groups)
        den = np.bincount(codes, weights=u**2, minlength=n_groups)
        return num / (6.0 * den**1.5)


def bias_correction(replicates: FloatArray, estimate: FloatArray) -> FloatArray:
    """BCa bias correction ``z0`` per group: the normal quantile of the share of
    replicates below the estimate, ties counted half (scipy's convention).

    ``replicates`` has shape (resamples, groups). Replicates equal to the estimate up
    to rounding (a few ulps of the statistic's scale) are ties: sums taken in another
    row order must not move a replicate from "equal" to "below".
    """
    b = replicates.shape[0]
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.abs(estimate), np.nanmax(np.abs(replicates), axis=0, initial=0.0))
    tol = 64.0 * np.finfo(np.float64).eps * np.nan_to_num(scale)
    low, high = (estimate - tol)[None, :], (estimate + tol)[None, :]
    below = (replicates < low).sum(axis=0) + (replicates <= high).sum(axis=0)
    with np.errstate(divide="ignore"):
        z0: FloatArray = special.ndtri(below / (2.0 * b))
    return z0


def bootstrap_interval(
    replicates: FloatArray,
    estimate: FloatArray,
    method: BootstrapMethod,
    confidence_level: float,
    acceleration: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Two-sided bootstrap interval per group, with the conventions of scipy.

    Parameters
    ----------
    replicates : numpy.ndarray
        Bootstrap replicates, shape (resamples, groups).
    estimate : numpy.ndarray
        The estimate of every group, shape (groups,).
    method : {"percentile", "basic", "bca"}
        Percentile interval, basic (reverse percentile) interval, or bias-corrected and
        accelerated interval (Efron & Tibshirani 1993, 14.3).
    confidence_level : float
        Two-sided coverage.
    acceleration : numpy.ndarray, optional
        BCa acceleration per group (required for ``"bca"``).

    Returns
    -------
    low, high : numpy.ndarray
        The bounds per group (linear interpolation between order statistics).
    degenerate : numpy.ndarray of bool
        Groups whose replicates are all equal: the bootstrap distribution is a point
        mass, and the interval is that point (BCa is otherwise undefined there).
    """
    alpha = (1.0 - confidence_level) / 2.0
    theta = replicates.T  # (groups, resamples)
    finite = np.isfinite(theta).all(axis=1) & np.isfinite(estimate)
    # Replicates that agree to rounding (weighted means of equal scores) are one point.
    safe = np.where(finite[:, None], theta, 0.0)
    spread = np.ptp(safe, axis=1)
    degenerate = finite & (spread <= 1e-12 * np.maximum(1.0, np.abs(safe).max(axis=1)))
    probs = np.tile([alpha, 1.0 - alpha], (len(estimate), 1))
    if method == "bca":
        if acceleration is None:  # pragma: no cover - internal contract
            raise ValueError("BCa needs the acceleration")
        z0 = bias_correction(replicates, estimate)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = special.ndtri(np.array([alpha, 1.0 - alpha]))
            num = z0[:, None] + z[None, :]
            probs = special.ndtr(z0[:, None] + num / (1.0 - acceleration[:, None] * num))
    usable = finite & ~degenerate & np.isfinite(probs).all(axis=1)
    low = np.full(len(estimate), np.nan)
    high = np.full(len(estimate), np.nan)
    if usable.any():
        q = stats.quantile(theta[usable], probs[usable], axis=-1)
        low[usable], high[usable] = q[:, 0], q[:, 1]
    if method == "basic":
        low, high = 2.0 * estimate - high, 2.0 * estimate - low
    low = np.where(degenerate, estimate, low)  # the point itself, free of rounding
    high = np.where(degenerate, estimate, high)
    return low, high, degenerate
