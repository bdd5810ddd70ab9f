"""Linear regression from a correlation matrix, batched: R² of every subset of
predictors, dominance weights (Budescu 1993; Azen & Budescu 2003) and Johnson's (2000)
relative weights.

Every function takes correlation matrices ``R`` of shape ``(..., k, k)`` whose first
row and column are the outcome and the other ``p = k - 1`` the predictors, so that a
batch (groups, bootstrap replicates) is one call. The R² of the regression of the
outcome on a subset ``S`` of the predictors is ``r_S' R_SS^{-1} r_S``; all ``2**p``
subsets are solved at once as ``p x p`` systems in which the predictors left out are
replaced by rows and columns of the identity (their coefficient is then 0), in batches
of bounded memory.

References
----------
.. [1] D. V. Budescu (1993), "Dominance analysis: a new approach to the problem of
   relative importance of predictors in multiple regression", Psychological Bulletin
   114(3), pp. 542-551, https://doi.org/10.1037/0033-2909.114.3.542
.. [2] R. Azen and D. V. Budescu (2003), "The dominance analysis approach for comparing
   predictors in multiple regression", Psychological Methods 8(2), pp. 129-148,
   https://doi.org/10.1037/1082-989X.8.2.129
.. [3] J. W. Johnson (2000), "A heuristic method for estimating the relative weight of
   predictor variables in multiple regression", Multivariate Behavioral Research 35(1),
   pp. 1-19, https://doi.org/10.1207/S15327906MBR3501_1
"""

from __future__ import annotations

from math import comb

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_EXACT_PREDICTORS",
    "complete_dominance",
    "conditional_dominance",
    "correlation",
    "general_dominance",
    "relative_weights",
    "standardized_coefficients",
    "subset_masks",
    "subset_r2",
]

FloatArray = npt.NDArray[np.float64]

#: Largest number of predictors for the exact dominance analysis (2**15 subsets).
MAX_EXACT_PREDICTORS = 15
# Elements of the stacked p x p systems held in memory at once.
_BATCH_ELEMENTS = 1 << 22


def correlation(comoment: FloatArray) -> FloatArray:
    """Correlation matrices from co-moment (or covariance) matrices ``(..., k, k)``.

    Columns without spread give NaN rows and columns; callers check for them first.
    """
    sd = np.sqrt(np.diagonal(comoment, axis1=-2, axis2=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        r: FloatArray = np.asarray(comoment / (sd[..., :, None] * sd[..., None, :]), np.float64)
    k = r.shape[-1]
    idx = np.arange(k)
    r[..., idx, idx] = np.where(np.isfinite(r[..., idx, idx]), 1.0, np.nan)
    return r


def standardized_coefficients(r: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Standardised coefficients ``R_xx^{-1} r_xy`` ``(..., p)`` and the R² ``(...)``."""
    rxx, rxy = r[..., 1:, 1:], r[..., 1:, 0]
    beta: FloatArray = np.asarray(np.linalg.solve(rxx, rxy[..., None])[..., 0], np.float64)
    r2: FloatArray = np.einsum("...i,...i->...", beta, rxy)
    return beta, r2


def subset_masks(p: int) -> npt.NDArray[np.bool_]:
    """``masks[s, j]``: predictor ``j`` is in subset ``s`` (bit ``j`` of ``s``)."""
    s = np.arange(1 << p, dtype=np.int64)
    out: npt.NDArray[np.bool_] = ((s[:, None] >> np.arange(p)) & 1).astype(bool)
    return out


def subset_r2(r: FloatArray) -> FloatArray:
    """R² of the outcome on every subset of the predictors, shape ``(..., 2**p)``.

    Subset ``s`` holds predictor ``j`` when bit ``j`` of ``s`` is set; subset 0 (no
    predictor) has R² 0.
    """
    batch_shape = r.shape[:-2]
    p = r.shape[-1] - 1
    flat = r.reshape(-1, p + 1, p + 1)
    m = flat.shape[0]
    masks = subset_masks(p)
    n_subsets = masks.shape[0]
    out = np.empty((m, n_subsets))
    pair = masks[:, :, None] & masks[:, None, :]
    eye = np.eye(p)
    per_subset = max(1, p * p)
    chunk = max(1, _BATCH_ELEMENTS // per_subset)
    for s0 in range(0, n_subsets, chunk):
        sl = slice(s0, min(n_subsets, s0 + chunk))
        keep, both = masks[sl], pair[sl]
        rows = max(1, chunk // keep.shape[0])
        for i0 in range(0, m, rows):
            block = flat[i0 : i0 + rows]
            rxx = block[:, None, 1:, 1:] * both[None] + eye * ~keep[None, :, :, None]
            rxy = block[:, None, 1:, 0] * keep[None]
            beta = np.linalg.solve(rxx, rxy[..., None])[..., 0]
            out[i0 : i0 + rows, sl] = np.einsum("msi,msi->ms", beta, rxy)
    return out.reshape(*batch_shape, n_subsets)


def _dominance_map(p: int) -> FloatArray:
    """``W`` with ``general = r2_subsets @ W``: each increment ``R²(S + j) - R²(S)``
    weighted by ``1 / (p * C(p - 1, |S|))``, the average over sizes of the average over
    the subsets of each size."""
    masks = subset_masks(p)
    size = masks.sum(axis=1)
    weight = np.array([1.0 / (p * comb(p - 1, k)) for k in range(p)] + [0.0])
    # Subset T with j in T enters as S + j (S = T - j, |S| = |T| - 1); without j as S.
    w_with = weight[np.maximum(size - 1, 0)][:, None] * masks
    w_without = weight[size][:, None] * ~masks
    out: FloatArray = w_with - w_without
    return out


def general_dominance(r2_subsets: FloatArray, p: int) -> FloatArray:
    """General dominance weights ``(..., p)`` from the R² of all subsets; they sum to
    the full R² (the Shapley value of R², the LMG measure)."""
    out: FloatArray = r2_subsets @ _dominance_map(p)
    return out


def _increments(r2_subsets: FloatArray, p: int) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """``R²(S + j) - R²(S)`` for every subset ``S`` and predictor ``j`` ``(..., 2**p, p)``
    and where it is defined (``j`` not in ``S``)."""
    s = np.arange(1 << p, dtype=np.int64)
    bits = np.int64(1) << np.arange(p, dtype=np.int64)
    added = s[:, None] | bits[None, :]
    inc: FloatArray = r2_subsets[..., added] - r2_subsets[..., :, None]
    return inc, (s[:, None] & bits[None, :]) == 0


def conditional_dominance(r2_subsets: FloatArray, p: int) -> FloatArray:
    """Average increment of each predictor over the subsets of each size of the others.

    Shape ``(..., p, p)``: ``[..., k, j]`` averages ``R²(S + j) - R²(S)`` over the
    ``C(p - 1, k)`` subsets ``S`` of ``k`` other predictors. Row 0 is the squared
    correlation with the outcome, row ``p - 1`` the increment over all others.
    """
    inc, valid = _increments(r2_subsets, p)
    size = subset_masks(p).sum(axis=1)
    onehot = (size[:, None] == np.arange(p)[None, :]).astype(np.float64)  # (2**p, p)
    totals = np.einsum("sk,...sj->...kj", onehot, np.where(valid, inc, 0.0))
    counts = np.array([comb(p - 1, k) for k in range(p)], dtype=np.float64)
    out: FloatArray = totals / counts[:, None]
    return out


def complete_dominance(r2_subsets: FloatArray, p: int) -> FloatArray:
    """Complete dominance ``(..., p, p)``: ``[i, j]`` is 1 when predictor ``i`` adds more
    R² than ``j`` to every subset of the others, 0 when ``j`` adds more to every one,
    0.5 otherwise (Azen & Budescu 2003); NaN on the diagonal."""
    s = np.arange(1 << p, dtype=np.int64)
    out = np.full((*r2_subsets.shape[:-1], p, p), np.nan)
    for i in range(p):  # p**2 pairs, each vectorised over its 2**(p-2) subsets
        for j in range(i + 1, p):
            bi, bj = 1 << i, 1 << j
            others = s[(s & (bi | bj)) == 0]
            a, b = r2_subsets[..., others | bi], r2_subsets[..., others | bj]
            first = np.all(a > b, axis=-1)
            second = np.all(b > a, axis=-1)
            d = np.where(first, 1.0, np.where(second, 0.0, 0.5))
            out[..., i, j], out[..., j, i] = d, 1.0 - d
    return out


def relative_weights(r: FloatArray) -> FloatArray:
    """Johnson's relative weights ``(..., p)``; they sum to the full R².

    With ``R_xx = Q diag(lam) Q'``, the predictors' best-fitting orthogonal
    counterparts ``Z`` have loadings ``L = Q diag(sqrt(lam)) Q'`` (the symmetric square
    root of ``R_xx``); the outcome's coefficients on ``Z`` are ``b = L^{-1} r_xy`` and
    the weight of predictor ``j`` is ``sum_k L[j, k]**2 b[k]**2``.
    """
    rxx, rxy = r[..., 1:, 1:], r[..., 1:, 0]
    lam, q = np.linalg.eigh(rxx)
    root = np.sqrt(np.clip(lam, 0.0, None))
    loadings = (q * root[..., None, :]) @ np.swapaxes(q, -1, -2)
    with np.errstate(divide="ignore", invalid="ignore"):
        qt_r = np.einsum("...ji,...j->...i", q, rxy) / root
    b = np.einsum("...ij,...j->...i", q, qt_r)
    out: FloatArray = (loadings**2) @ (b**2)[..., None]
    return out[..., 0]
