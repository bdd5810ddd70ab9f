"""One arm's CUPED statistics from raw sums: ``n``, the column sums and sums of products.

A warehouse gives, per arm, ``n``, ``S_i = sum z_i`` of every column ``z`` (the metric's
columns, then the covariates) and ``P_ij = sum z_i z_j`` of every pair. The means are
``S_i / n`` and the centred co-moments ``C_ij = P_ij - S_i S_j / n`` (the covariance
matrix is ``C / (n - 1)``), taken by :func:`cxlib.core.statistics.moments_from_sums`
with the bound of what the rounding of ``P`` and ``S S' / n`` may have changed, as
:meth:`~cxlib.ab.MeanStats.from_sums` and :meth:`~cxlib.ab.RatioStats.from_sums` do.
Integer sums (prices in cents) are centred exactly: ``n P_ij - S_i S_j`` is an integer,
and the covariance is rounded once.

Precision is judged where it matters. A variance is held to about six significant
digits when its bound is below ``1e-6 C_ii``. A covariance is judged on the
correlation scale, ``1e-6 sqrt(C_ii C_jj)``: a covariance near zero (columns that do not
go together) has no digits of its own to keep, and ``theta = Sigma_xx^-1 Sigma_xy``
reads it only against the variances. With every entry rounded, that bound follows from
the two variances' (``b_ij <= sqrt(b_ii b_jj)`` by Cauchy-Schwarz); it adds to them when
the variances were exact (integer sums) and the cross products not, or when ``P`` is
symmetric only up to rounding. For a ratio the linearisation ``y - R n``, whose
variance is the ratio's (Deng, Knoblich & Lu 2018), is judged as well: as with
:meth:`~cxlib.ab.RatioStats.from_sums`, a numerator nearly proportional to its
denominator leaves it far below its terms.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from itertools import combinations_with_replacement

import numpy as np
import numpy.typing as npt

from ..core.lift import FloatArray
from ..core.statistics import PRECISION, moments_from_sums
from ..core.sufficient import (
    NAN,
    check_count,
    digits_kept,
    real_number,
    warn_precision,
)

__all__ = ["centred_sums", "check_layout"]

ObjectArray = npt.NDArray[np.object_]


def _entries(value: object, name: str) -> ObjectArray:
    """The entries of ``value`` as given (Python integers kept whole), as an array."""
    try:
        out: ObjectArray = np.asarray(value, dtype=object)
    except ValueError as error:
        raise ValueError(f"{name} must be a rectangular array of numbers; got {value!r}") from error
    return out


def _floats(raw: ObjectArray, name: str) -> FloatArray:
    def label(index: tuple[int, ...]) -> str:
        return name + "".join(f"[{i}]" for i in index)

    values = [real_number(v, label(i)) for i, v in np.ndenumerate(raw)]
    out = np.array(values, dtype=np.float64).reshape(raw.shape)
    bad = np.argwhere(~np.isfinite(out))
    if bad.size:
        index = tuple(int(i) for i in bad[0])
        raise ValueError(f"{label(index)} must be finite; got {float(out[index])!r}")
    return out


def _leading(metric: str) -> list[str]:
    """The metric's own columns, before the covariates."""
    return ["y"] if metric == "mean" else ["numerator", "denominator"]


def check_layout(values: npt.NDArray[np.generic], name: str, what: str, metric: str) -> None:
    """``values`` holds one entry per column: the metric's, then at least one covariate."""
    lead = _leading(metric)
    if values.ndim != 1 or values.size <= len(lead):
        raise ValueError(
            f"{name} must hold the {what} of ({', '.join(lead)}, x_1, ..., x_k), at least "
            f"one covariate, for metric={metric!r}; got shape {values.shape}"
        )


def _columns(metric: str, m: int) -> list[str]:
    first = _leading(metric)
    return first + [f"x_{j}" for j in range(1, m - len(first) + 1)]


def _read(
    n: object, sums: object, products: object, metric: str
) -> tuple[int, ObjectArray, ObjectArray, FloatArray, FloatArray]:
    count = check_count(n)
    s_raw, p_raw = _entries(sums, "sums"), _entries(products, "products")
    check_layout(s_raw, "sums", "sums", metric)
    m = s_raw.size
    if p_raw.shape != (m, m):
        raise ValueError(
            f"products must be the {m} x {m} matrix of the sums of products (sum z_i z_j) of "
            f"the {m} columns of sums; got shape {p_raw.shape}"
        )
    s, p = _floats(s_raw, "sums"), _floats(p_raw, "products")
    diag = np.diagonal(p)
    if (diag < 0).any():
        i = int(np.argmax(diag < 0))
        raise ValueError(
            f"products[{i}][{i}] must be >= 0 (a sum of squares); got {float(diag[i])!r}"
        )
    gap = np.abs(p - p.T)
    if (gap > 1e-9 * np.outer(np.sqrt(diag), np.sqrt(diag))).any():
        i, j = (int(k) for k in np.unravel_index(np.argmax(gap), gap.shape))
        raise ValueError(
            "products must be symmetric (the sum of z_i z_j both ways); got "
            f"products[{i}][{j}] = {float(p[i, j])!r} and products[{j}][{i}] = {float(p[j, i])!r}"
        )
    if count == 0 and (s.any() or p.any()):
        raise ValueError(
            f"with n = 0 (no units), sums and products must be 0; got sums {s.tolist()} "
            f"and products {p.tolist()}"
        )
    return count, s_raw, p_raw, s, p


def _centre(
    count: int, s_raw: ObjectArray, p_raw: ObjectArray, s: FloatArray, p: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, dict[tuple[int, int], int]]:
    """Means, co-moments, their rounding bound, and ``n C_ij`` of the integer entries.

    Where ``sums[i]``, ``sums[j]`` and ``products[i][j]`` are integers, ``n C_ij = n
    P_ij - S_i S_j`` is an integer, kept whole: the covariance is then rounded once.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below
        moments, bound = moments_from_sums(
            np.array([float(count)]), s[None], ((p + p.T) / 2.0)[None]
        )
        mean, c, b = moments.mean[0], moments.comoment[0], bound[0] + np.abs(p - p.T) / 2.0
    if not (np.isfinite(c).all() and np.isfinite(b).all()):
        raise ValueError(
            "sums and products are too large to centre in float64 (sums[i] sums[j] / n "
            "overflows); divide the values by a constant (a power of ten) first"
        )
    whole = [isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in s_raw]
    exact: dict[tuple[int, int], int] = {}
    for k in np.flatnonzero(whole):
        mean[k] = int(s_raw[k]) / count  # int / int is correctly rounded, whatever the size
    for i, j in combinations_with_replacement(range(s.size), 2):
        pij = p_raw[i, j]
        whole_p = isinstance(pij, numbers.Integral) and not isinstance(pij, bool)
        if whole[i] and whole[j] and whole_p and pij == p_raw[j, i]:
            exact[i, j] = int(pij) * count - int(s_raw[i]) * int(s_raw[j])
            c[i, j] = c[j, i] = exact[i, j] / count
            b[i, j] = b[j, i] = 0.0
    return mean, c, b, exact


def _check_and_clip(c: FloatArray, b: FloatArray, s: FloatArray, p: FloatArray, n: int) -> None:
    """Refuse co-moments that no units can have, beyond rounding; clip those within it."""
    diag = np.diagonal(c).copy()
    negative = diag < -np.diagonal(b)
    if negative.any():
        i = int(np.argmax(negative))
        raise ValueError(
            f"products[{i}][{i}] must be at least sums[{i}]**2 / n (a variance cannot be "
            f"negative); got n = {n}, sums[{i}] = {float(s[i])!r}, products[{i}][{i}] = "
            f"{float(p[i, i])!r}"
        )
    np.fill_diagonal(c, np.maximum(diag, 0.0))
    v = np.diagonal(c).copy()
    wide = np.sqrt(v + np.diagonal(b))
    limit = np.outer(wide, wide) + b
    beyond = np.abs(c) > limit
    if beyond.any():
        i, j = (int(k) for k in np.argwhere(beyond)[0])
        raise ValueError(
            f"products[{i}][{j}] must satisfy (products[{i}][{j}] - sums[{i}] sums[{j}] / n)**2 "
            f"<= the product of the centred sums of squares of columns {i} and {j} (a "
            f"correlation cannot exceed 1); got n = {n}, products[{i}][{j}] = {float(p[i, j])!r}"
        )
    top = np.outer(np.sqrt(v), np.sqrt(v))
    np.fill_diagonal(top, v)
    c[...] = np.clip(c, -top, top)
    # Pairwise correlations within 1 do not make a covariance matrix of three or more
    # columns: the correlation matrix must have no negative eigenvalue, up to the
    # rounding of its entries (whose spectral norm is at most their Frobenius norm).
    d = np.where(v > 0, np.sqrt(v), 1.0)
    corr, noise = c / np.outer(d, d), b / np.outer(d, d)
    lam, vec = np.linalg.eigh(corr)
    if lam[0] < -(2.0 * float(np.linalg.norm(noise)) + 1e-9):
        raise ValueError(
            "products must be the sums of products of one set of units: the covariance "
            "matrix they imply is not positive semi-definite (the smallest eigenvalue of "
            f"its correlation matrix is {lam[0]:.3g}, beyond rounding)"
        )
    if lam[0] < -1e-9:
        # Within rounding, but beyond what CupedStats accepts: the nearest matrix
        # without negative eigenvalues.
        fixed = (vec * np.maximum(lam, 0.0)) @ vec.T * np.outer(d, d)
        c[...] = (fixed + fixed.T) / 2.0


def _lost(c: FloatArray, b: FloatArray, names: Sequence[str]) -> list[tuple[float, str]]:
    """``(digits kept, what)`` of each variance and covariance that keeps fewer than ~6."""
    out = []
    for i, name in enumerate(names):
        if c[i, i] < 0 or (c[i, i] > 0 and b[i, i] > PRECISION * c[i, i]):
            out.append((digits_kept(b[i, i], c[i, i]), f"the variance of {name}"))
        for j in range(i + 1, len(names)):
            scale = math.sqrt(max(c[i, i], 0.0) * max(c[j, j], 0.0))
            if scale > 0 and b[i, j] > PRECISION * scale:
                what = f"the covariance of {name} and {names[j]}, as a correlation"
                out.append((digits_kept(b[i, j], scale), what))
    return out


def _warn_lost(c: FloatArray, raw: FloatArray, b: FloatArray, s: FloatArray, metric: str) -> None:
    names = _columns(metric, s.size)
    lost = _lost(raw, b, names)
    if metric == "ratio" and s[1] != 0:
        # The linearisation y - R n, then the covariates: what the comparison reads.
        a = np.eye(s.size)[1:]
        a[0, :2] = (1.0, -s[0] / s[1])
        lin, noise = a @ c @ a.T, np.abs(a) @ b @ np.abs(a).T
        resid, err = lin[0, 0], noise[0, 0]
        if (resid <= 0 and err > 0) or (resid > 0 and err > PRECISION * resid):
            what = "the ratio's variance, of numerator - ratio x denominator"
            lost.append((digits_kept(err, resid), what))
        with_ratio = _lost(lin, noise, ["the ratio", *names[2:]])
        lost += [x for x in with_ratio if x[1].startswith("the covariance of the ratio")]
    if lost:
        digits, what = min(lost)
        warn_precision(
            f"the covariance matrix from n, sums and products ({what})",
            digits,
            "Pass CupedStats(n=..., mean=..., cov=...) or CupedStats.from_values(...) "
            "with the per-unit values instead.",
        )


def centred_sums(
    n: object, sums: object, products: object, metric: str
) -> tuple[int, FloatArray, FloatArray]:
    """``(n, mean, cov)`` of one arm from its raw sums (``cov`` NaN for fewer than 2 units).

    Raises a ValueError naming the argument (and entry) for sums that no units can
    have beyond rounding, and warns (:class:`~cxlib.PrecisionWarning`) when a variance,
    a covariance on the correlation scale or, for a ratio, the linearisation's variance
    keeps fewer than about six significant digits.
    """
    count, s_raw, p_raw, s, p = _read(n, sums, products, metric)
    m = s.size
    if count == 0:
        return 0, np.full(m, NAN), np.full((m, m), NAN)
    mean, c, b, exact = _centre(count, s_raw, p_raw, s, p)
    raw = c.copy()
    _check_and_clip(c, b, s, p, count)
    if count < 2:
        return count, mean, np.full((m, m), NAN)
    _warn_lost(c, raw, b, s, metric)
    cov = c / (count - 1.0)
    for (i, j), whole in exact.items():
        if c[i, j] == raw[i, j]:  # not clipped
            cov[i, j] = cov[j, i] = whole / (count * (count - 1))
    return count, mean, cov
