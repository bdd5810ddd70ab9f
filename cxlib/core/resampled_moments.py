"""Centred co-moment matrices of bootstrap resamples of rows, all replicates at once.

Resampling ``n_g`` rows with replacement within each group gives each row a count; a
replicate's co-moments are sums over the rows weighted by ``count * weight``. With the
rows' deviations ``d`` from their group's mean (taken once, stably, by
:func:`~cxlib.core.statistics.summarise`), each row carries the features ``w``, ``w d``
and ``w d_i d_j``; the sums of a batch of replicates are one sparse product of the
count matrix with the feature matrix (one block of columns per group), and

.. math:: C^{(b)} = \\sum_i c_{bi} w_i d_i d_i^T - \\frac{s^{(b)} s^{(b)T}}{W^{(b)}},
   \\qquad s^{(b)} = \\sum_i c_{bi} w_i d_i,

the co-moments about the replicate's own mean. The deviations are small whatever the
offset of the data, so no digits are lost to it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse

from .bootstrap import _segments
from .progress import progress_bar

__all__ = ["comoment_replicates", "jackknife_comoments"]

FloatArray = npt.NDArray[np.float64]
# Elements of the resample count matrix held in memory at once.
_BATCH_ELEMENTS = 1 << 22


def comoment_replicates(
    columns: FloatArray,
    codes: npt.NDArray[np.intp],
    n_groups: int,
    weights: FloatArray | None,
    mean: FloatArray,
    n_resamples: int,
    rng: np.random.Generator,
    *,
    progress: bool = False,
) -> FloatArray:
    """Co-moment matrices ``(n_resamples, n_groups, k, k)`` of row resamples per group.

    Parameters
    ----------
    columns : numpy.ndarray
        Finite values, shape ``(k, rows)``.
    codes : numpy.ndarray
        Group of every row in ``0 .. n_groups - 1``.
    n_groups : int
        Number of groups.
    weights : numpy.ndarray or None
        Weight of every row.
    mean : numpy.ndarray
        The (weighted) mean of every group and column, ``(n_groups, k)``.
    n_resamples : int
        Number of replicates.
    rng : numpy.random.Generator
        Source of randomness. The rows of a group are put in the order of their values
        first, so that the replicates do not depend on the order of the rows.
    progress : bool, default False
        Show a progress bar, updated once per batch of replicates.

    Returns
    -------
    numpy.ndarray
        NaN for a replicate of a group whose drawn rows weigh nothing.
    """
    k, n = columns.shape
    w = np.ones(n) if weights is None else weights
    order, sizes, starts = _segments(codes, n_groups, *columns, w)
    x, w, g = columns[:, order], w[order], codes[order]
    d = x - mean[g].T
    iu, ju = np.triu_indices(k)
    features = np.concatenate([w[None], w * d, w * d[iu] * d[ju]])  # (F, rows)
    n_features = features.shape[0]
    rows = np.repeat(np.arange(n), n_features)
    cols = (g[:, None] * n_features + np.arange(n_features)[None, :]).ravel()
    design = sparse.csr_matrix((features.T.ravel(), (cols, rows)), shape=(n_groups * n_features, n))
    group_of = np.repeat(np.arange(n_groups), sizes)
    first, span = starts[group_of], sizes[group_of].astype(np.float64)
    out = np.full((n_resamples, n_groups, k, k), np.nan)
    batch = max(1, _BATCH_ELEMENTS // max(n, 1))
    with progress_bar(n_resamples, enabled=progress, description="Bootstrap") as bar:
        for b0 in range(0, n_resamples, batch):
            size = min(batch, n_resamples - b0)
            pick = first + (rng.random((size, n)) * span).astype(np.intp)
            flat = (np.arange(size)[:, None] * n + pick).ravel()
            counts = np.bincount(flat, minlength=size * n).reshape(size, n).astype(np.float64)
            sums = np.asarray(design @ counts.T).T.reshape(size, n_groups, n_features)
            total, first_sums = sums[..., 0], sums[..., 1 : k + 1]
            second = np.zeros((size, n_groups, k, k))
            second[..., iu, ju] = sums[..., k + 1 :]
            second[..., ju, iu] = sums[..., k + 1 :]
            with np.errstate(divide="ignore", invalid="ignore"):
                outer = first_sums[..., :, None] * first_sums[..., None, :] / total[..., None, None]
            block = second - outer
            out[b0 : b0 + size] = np.where(total[..., None, None] > 0, block, np.nan)
            bar.update(size)
    return out


def jackknife_comoments(
    columns: FloatArray,
    codes: npt.NDArray[np.intp],
    weights: FloatArray | None,
    mean: FloatArray,
    weight_sum: FloatArray,
    comoment: FloatArray,
) -> FloatArray:
    """Co-moments of the group of every row without that row, ``(rows, k, k)``.

    Leaving out row ``i`` (weight ``w``, deviation ``d`` from its group's mean) of a
    group of weight ``W`` is the downdate ``C - w W / (W - w) d d^T``. NaN where the
    row is the group's whole weight.
    """
    w = np.ones(columns.shape[1]) if weights is None else weights
    d = columns - mean[codes].T
    rest = weight_sum[codes] - w
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(rest > 0, w * weight_sum[codes] / rest, np.nan)
    out: FloatArray = comoment[codes] - factor[:, None, None] * (d.T[:, :, None] * d.T[:, None, :])
    return out
