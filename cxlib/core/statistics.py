"""Centred sufficient statistics of per-unit values, per group, and how they merge.

Every mean, ratio metric, CUPED adjustment and survey index with a mean is inferred from
the same few numbers per group: the count ``n`` (and the weight sum ``w``), the means of
the columns and their *centred* co-moments ``C[i, j] = sum w (x_i - mean_i)(x_j - mean_j)``
(``C[i, i]`` is M2, the sum of squared deviations). Raw power sums would do in exact
arithmetic, but the difference of ``sum_squares`` and ``sum**2 / n`` loses every
significant digit when the values are far from zero (timestamps, prices in minor units,
revenue with a large baseline): the two terms agree in all the digits a float holds.
Centred moments keep the digits.

:func:`summarise` reads per-unit rows in two passes per group with
:func:`numpy.bincount`: the means first (summing deviations from one value of the
group, so that a constant group is exact), then the sums of products of deviations
from those means, with the usual correction for the rounding of the means (the
corrected two-pass algorithm; Chan, Golub & LeVeque 1983). Summaries of partitions
(days, shards, cells) merge with the pairwise update of Chan, Golub & LeVeque (1979),
generalised to any number of parts (Schubert & Gertz 2018):

.. math:: \\bar x = \\frac{\\sum_p w_p \\bar x_p}{\\sum_p w_p}, \\qquad
   C = \\sum_p C_p + \\sum_p w_p (\\bar x_p - \\bar x)(\\bar x_p - \\bar x)^T,

which for two parts is ``C = C_a + C_b + d d^T w_a w_b / (w_a + w_b)`` with
``d = mean_b - mean_a``. The third centred moment ``M3 = sum w (x - mean)**3`` of each
column, kept when asked for (``summarise(..., third=True)``; the skewness of a metric
decides how far its normal interval can be trusted), merges by the update of Pébay
(2008), exact algebra with the part means' deviations ``e_p = mean_p - mean``:

.. math:: M_3 = \\sum_p \\left(M_{3,p} + 3 e_p M_{2,p} + w_p e_p^3\\right).

References
----------
.. [1] T. F. Chan, G. H. Golub and R. J. LeVeque (1979), "Updating formulae and a
   pairwise algorithm for computing sample variances", Technical Report STAN-CS-79-773,
   Stanford University.
.. [2] T. F. Chan, G. H. Golub and R. J. LeVeque (1983), "Algorithms for computing the
   sample variance: analysis and recommendations", The American Statistician 37(3),
   pp. 242-247, https://doi.org/10.1080/00031305.1983.10483115
.. [3] E. Schubert and M. Gertz (2018), "Numerically stable parallel computation of
   (co-)variance", SSDBM '18, https://doi.org/10.1145/3221269.3223036
.. [4] P. Pébay (2008), "Formulas for robust, one-pass parallel computation of
   covariances and arbitrary-order statistical moments", Sandia Report SAND2008-6212,
   https://doi.org/10.2172/1028931
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "PRECISION",
    "CentredMoments",
    "moments_from_sums",
    "ratio_estimates",
    "ratio_variance",
    "summarise",
]

FloatArray = npt.NDArray[np.float64]
Codes = npt.NDArray[np.integer]
EPS = float(np.finfo(np.float64).eps)
# Relative rounding error above which a variance taken from raw sums is reported as
# imprecise: fewer than about six significant digits are left.
PRECISION = 1e-6


@dataclass(frozen=True)
class CentredMoments:
    """Count, weight sum, means and centred co-moments of ``k`` columns, per group.

    Attributes
    ----------
    n : numpy.ndarray
        Units (rows) per group, shape ``(groups,)``.
    weight : numpy.ndarray
        Sum of the weights per group (equal to ``n`` without weights).
    mean : numpy.ndarray
        (Weighted) means, shape ``(groups, k)``; NaN for an empty group.
    comoment : numpy.ndarray
        ``sum w (x_i - mean_i)(x_j - mean_j)``, shape ``(groups, k, k)``; 0 for an
        empty group.
    m3 : numpy.ndarray or None
        ``sum w (x_i - mean_i)**3`` (M3), shape ``(groups, k)``, when it was asked for
        (``summarise(..., third=True)``); 0 for an empty group.
    """

    n: FloatArray
    weight: FloatArray
    mean: FloatArray
    comoment: FloatArray
    m3: FloatArray | None = None

    @property
    def n_groups(self) -> int:
        return int(self.n.shape[0])

    @property
    def n_columns(self) -> int:
        return int(self.mean.shape[1])

    def m2(self, i: int = 0) -> FloatArray:
        """Sum of squared deviations of column ``i`` (M2), per group."""
        out: FloatArray = self.comoment[:, i, i]
        return out

    def skewness(self, i: int = 0) -> FloatArray:
        """Sample skewness ``sqrt(w) M3 / M2**1.5`` of column ``i`` (NaN without M3,
        with fewer than 3 units or no spread), per group."""
        if self.m3 is None:
            return np.full(self.n_groups, np.nan)
        m2 = self.m2(i)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.sqrt(self.weight) * self.m3[:, i] / m2**1.5
            out: FloatArray = np.where((self.n >= 3) & (m2 > 0), g, np.nan)
        return out

    def total(self, i: int = 0) -> FloatArray:
        """(Weighted) sum of column ``i`` per group, ``weight * mean`` (0 when empty)."""
        out: FloatArray = np.where(self.weight > 0, self.weight * self.mean[:, i], 0.0)
        return out

    def variance(self, i: int = 0, j: int | None = None) -> FloatArray:
        """Sample (co)variance with ``ddof = 1`` over units, NaN with fewer than 2 units."""
        c = self.comoment[:, i, i if j is None else j]
        with np.errstate(divide="ignore", invalid="ignore"):
            out: FloatArray = np.where(self.n >= 2, c / (self.n - 1.0), np.nan)
        return out

    def take(self, index: npt.ArrayLike) -> CentredMoments:
        """The summaries of the groups ``index`` (an integer array)."""
        idx = np.asarray(index, dtype=np.intp)
        m3 = None if self.m3 is None else self.m3[idx]
        return CentredMoments(self.n[idx], self.weight[idx], self.mean[idx], self.comoment[idx], m3)

    def regroup(self, codes: Codes, n_groups: int) -> CentredMoments:
        """Merge the summaries of parts (rows of ``self``) into ``n_groups`` groups.

        ``codes[p]`` is the group of part ``p``. The means of the parts are combined in
        two passes, like rows with weights ``weight_p``; their co-moments add, plus the
        spread of the part means about the group mean (the update in the module notes).
        """
        g = np.asarray(codes, dtype=np.intp)
        filled = self.weight > 0
        n = np.bincount(g, weights=self.n, minlength=n_groups).astype(np.float64)
        w, mean, between, _ = _two_pass(
            self.mean[filled].T, g[filled], n_groups, self.weight[filled]
        )
        k = self.n_columns
        within = np.zeros((n_groups, k, k))
        for i in range(k):
            for j in range(i, k):
                s = np.bincount(g, weights=self.comoment[:, i, j], minlength=n_groups)
                within[:, i, j] = within[:, j, i] = s
        m3: FloatArray | None = None
        if self.m3 is not None:
            # Pébay (2008): each part's M3 about the group mean, from its own moments.
            with np.errstate(invalid="ignore"):
                e = np.where(filled[:, None], self.mean - mean[g], 0.0)
            m2 = np.diagonal(self.comoment, axis1=1, axis2=2)
            part = self.m3 + 3.0 * e * m2 + self.weight[:, None] * e**3

            def per_group(x: FloatArray) -> FloatArray:
                out: FloatArray = np.stack(
                    [np.bincount(g, weights=x[:, i], minlength=n_groups) for i in range(k)],
                    axis=1,
                ).astype(np.float64)
                return out

            # The group mean is rounded: moments about it, corrected to the exact mean
            # with the sum s of the weighted deviations, as in summarise.
            s1 = per_group(self.weight[:, None] * e)
            m2_all = np.diagonal(between + within, axis1=1, axis2=2)
            with np.errstate(divide="ignore", invalid="ignore"):
                fix = np.where(w[:, None] > 0, 3.0 * s1 * m2_all / w[:, None], 0.0)
                fix += np.where(w[:, None] > 0, s1**3 / w[:, None] ** 2, 0.0)
            m3 = per_group(part) - fix
        return CentredMoments(n, w, mean, between + within, m3)

    def merge(self, other: CentredMoments) -> CentredMoments:
        """The summaries of the union of the data of ``self`` and ``other``, group by group."""
        if other.mean.shape != self.mean.shape:
            raise ValueError(
                "only summaries of the same groups and columns merge; got shapes "
                f"{self.mean.shape} and {other.mean.shape}"
            )
        m3 = None
        if self.m3 is not None and other.m3 is not None:
            m3 = np.concatenate([self.m3, other.m3])
        parts = CentredMoments(
            np.concatenate([self.n, other.n]),
            np.concatenate([self.weight, other.weight]),
            np.concatenate([self.mean, other.mean]),
            np.concatenate([self.comoment, other.comoment]),
            m3,
        )
        groups = np.tile(np.arange(self.n_groups, dtype=np.intp), 2)
        return parts.regroup(groups, self.n_groups)

    __add__ = merge


def _product_error(a: FloatArray, b: FloatArray, p: FloatArray) -> FloatArray:
    """The rounding error ``a * b - p`` of ``p = fl(a * b)``, exactly (Dekker 1971)."""
    with np.errstate(over="ignore", invalid="ignore"):
        c = 134217729.0 * a  # 2**27 + 1 splits a double into two halves
        a_hi = c - (c - a)
        c = 134217729.0 * b
        b_hi = c - (c - b)
        a_lo, b_lo = a - a_hi, b - b_hi
        err = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    out: FloatArray = np.where(np.isfinite(err), err, 0.0)
    return out


def _mean(shift: FloatArray, w: FloatArray, deviations: FloatArray) -> FloatArray:
    """``(shift * w + deviations) / w``, the total carried in two doubles.

    Per group, so the extra operations cost nothing next to the passes over rows. The
    mean is then the correctly rounded quotient of the total (exact for whole numbers)
    whatever the offset, as :func:`numpy.mean` nearly is.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        p = shift * w
        hi = p + deviations
        back = hi - p
        lo = _product_error(shift, w, p) + ((p - (hi - back)) + (deviations - back))
        q = hi / w
        qw = q * w
        remainder = ((hi - qw) - _product_error(q, w, qw)) + lo
        out: FloatArray = q + remainder / w
    return out


def _two_pass(
    columns: FloatArray,
    g: npt.NDArray[np.intp],
    n_groups: int,
    weights: FloatArray | None,
    third: bool = False,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]:
    """Weight sums, means, co-moments (and M3) of rows ``columns`` (k, rows) per group."""
    k = columns.shape[0]

    def total(x: FloatArray | None) -> FloatArray:
        if weights is not None:
            x = weights if x is None else x * weights
        return np.bincount(g, weights=x, minlength=n_groups).astype(np.float64)

    w = total(None)
    # Pass 1: means from deviations about one value of each group, so that the sum is
    # of small numbers (and exactly 0 for a constant group) whatever the offset. The
    # value is one of a row that counts: a row of zero weight may lie anywhere.
    shift = np.zeros((k, n_groups))
    counts = slice(None) if weights is None else weights > 0
    shift[:, g[counts]] = columns[:, counts]
    mean = np.stack([_mean(shift[i], w, total(columns[i] - shift[i][g])) for i in range(k)])
    # Pass 2: products of deviations from the means; the sums of the deviations
    # correct for the rounding of the means (the corrected two-pass algorithm).
    dev = [columns[i] - mean[i][g] for i in range(k)]
    first = np.stack([total(d) for d in dev])
    comoment = np.zeros((n_groups, k, k))
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(k):
            for j in range(i, k):
                c = total(dev[i] * dev[j]) - first[i] * first[j] / w
                comoment[:, i, j] = comoment[:, j, i] = np.where(w > 0, c, 0.0)
        m3 = None
        if third:
            # About the exact mean m + s / w (s the sum of the deviations from the
            # rounded mean m): sum d**3 - 3 s sum d**2 / w + 2 s**3 / w**2.
            third_sums = np.stack([total(d**3) for d in dev])
            s1 = first
            c3 = third_sums - 3.0 * s1 * np.diagonal(comoment, axis1=1, axis2=2).T / w
            c3 = c3 - s1**3 / w**2  # the M2 above is already about the exact mean
            m3 = np.where(w > 0, c3, 0.0).T
    mean = mean.T
    return w, np.where(w[:, None] > 0, mean, np.nan), comoment, m3


def summarise(
    columns: npt.ArrayLike,
    codes: Codes | None = None,
    n_groups: int = 1,
    weights: npt.ArrayLike | None = None,
    *,
    third: bool = False,
) -> CentredMoments:
    """Centred moments of per-unit rows, per group, in two passes of :func:`numpy.bincount`.

    Parameters
    ----------
    columns : array-like
        Values per unit, shape ``(rows,)`` for one column or ``(k, rows)``; finite.
    codes : numpy.ndarray, optional
        Group of every row in ``0 .. n_groups - 1`` (all rows in one group if None).
    n_groups : int, default 1
        Number of groups (groups without rows get ``n = 0`` and NaN means).
    weights : array-like, optional
        Non-negative weight of every row (frequency or survey weights).
    third : bool, default False
        Also keep the third centred moment of every column (``m3``).

    Returns
    -------
    CentredMoments

    Examples
    --------
    >>> import numpy as np
    >>> from cxlib.core.statistics import summarise
    >>> x = 1e9 + np.array([0.25, 0.5, 1.0, 0.75])
    >>> m = summarise(x)
    >>> float(m.mean[0, 0] - 1e9), float(m.variance()[0])
    (0.625, 0.10416666666666667)
    """
    x = np.asarray(columns, dtype=np.float64)
    x = x[None, :] if x.ndim == 1 else x
    rows = x.shape[1]
    g = np.zeros(rows, dtype=np.intp) if codes is None else np.asarray(codes, dtype=np.intp)
    wts = None if weights is None else np.asarray(weights, dtype=np.float64)
    n = np.bincount(g, minlength=n_groups).astype(np.float64)
    w, mean, comoment, m3 = _two_pass(x, g, n_groups, wts, third)
    return CentredMoments(n, n if wts is None else w, mean, comoment, m3)


def moments_from_sums(
    n: FloatArray, sums: FloatArray, products: FloatArray
) -> tuple[CentredMoments, FloatArray]:
    """Centred moments of parts given as raw power sums, and the rounding error bound.

    ``sums`` is ``(parts, k)``, ``products`` ``(parts, k, k)`` (``sum x_i x_j``). The
    co-moments are ``products - sums_i sums_j / n``; the bound, of the same shape, is
    what the rounding of the two terms (each to about ``eps`` of its size) may have
    changed. Callers check the bound against the quantity they use.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n[:, None] > 0, sums / n[:, None], np.nan)
        outer = sums[:, :, None] * sums[:, None, :] / n[:, None, None]
        comoment = np.where(n[:, None, None] > 0, products - outer, 0.0)
    bound = 4.0 * EPS * (np.abs(products) + np.abs(np.where(n[:, None, None] > 0, outer, 0.0)))
    return CentredMoments(n, n, mean, comoment), bound


def ratio_variance(m: CentredMoments, numerator: int = 0, denominator: int = 1) -> FloatArray:
    """Delta-method variance of ``mean(y) / mean(x)`` per group, from centred co-moments.

    With ``r = ybar / xbar`` over ``n`` units (clusters),

    .. math:: \\operatorname{Var}(\\hat r) = \\frac{C_{yy} - 2 r C_{xy} + r^2 C_{xx}}
       {n (n - 1) \\bar x^2},

    ``sum (y_k - r x_k)**2`` written with the co-moments (the clustered ratio variance
    of Deng, Knoblich & Lu 2018). A residual below the rounding error of its terms
    (``y`` proportional to ``x`` in every unit) is 0. NaN with fewer than 2 units or a
    zero denominator mean.
    """
    n = m.n
    mx = m.mean[:, denominator]
    c = m.comoment
    cyy, cxy, cxx = (
        c[:, numerator, numerator],
        c[:, numerator, denominator],
        c[:, denominator, denominator],
    )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = m.mean[:, numerator] / mx
        resid = cyy - 2.0 * r * cxy + r * r * cxx
        noise = 8.0 * EPS * (cyy + 2.0 * np.abs(r * cxy) + r * r * cxx)
        resid = np.where(resid > noise, resid, 0.0)
        var: FloatArray = np.where((n >= 2) & (mx != 0), resid / ((n - 1.0) * n * mx * mx), np.nan)
    return var


def ratio_estimates(
    y: FloatArray, x: FloatArray, codes: Codes | None = None, n_groups: int = 1
) -> tuple[CentredMoments, FloatArray, FloatArray]:
    """Moments of ``(y, x)``, the ratio ``ybar / xbar`` and its delta variance, from rows.

    When ``y`` is nearly proportional to ``x`` (revenue of 1e9 + noise per order, per
    customer with several orders), the residual ``C_yy - 2 r C_xy + r**2 C_xx`` is far
    below its terms and the co-moments of ``(y, x)`` cannot hold it. The rows are
    summarised as ``u = y - s x`` with ``s`` close to the group's ratio (from plain
    sums): ``r = s + ubar / xbar`` and the residual is ``C_uu - 2 d C_ux + d**2 C_xx``
    with the small ``d = r - s``, without cancellation.
    """
    g = np.zeros(len(y), dtype=np.intp) if codes is None else np.asarray(codes, dtype=np.intp)
    # Any shift is exact algebra (r = s + ubar / xbar); plain sums give one close to r.
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.bincount(g, weights=y, minlength=n_groups) / np.bincount(
            g, weights=x, minlength=n_groups
        )
    shift = np.where(np.isfinite(shift), shift, 0.0)
    u = summarise(np.stack([y - shift[g] * x, x]), g, n_groups)
    n, mx = u.n, u.mean[:, 1]
    c = u.comoment
    with np.errstate(divide="ignore", invalid="ignore"):
        d = u.mean[:, 0] / mx
        resid = np.maximum(c[:, 0, 0] - 2.0 * d * c[:, 0, 1] + d * d * c[:, 1, 1], 0.0)
        ratio: FloatArray = np.where(mx != 0, shift + d, np.nan)
        var: FloatArray = np.where((n >= 2) & (mx != 0), resid / ((n - 1.0) * n * mx * mx), np.nan)
    # The moments of (y, x) themselves, from those of (u, x) with y = u + s x.
    comoment = np.empty_like(c)
    comoment[:, 1, 1] = c[:, 1, 1]
    comoment[:, 0, 1] = comoment[:, 1, 0] = c[:, 0, 1] + shift * c[:, 1, 1]
    comoment[:, 0, 0] = c[:, 0, 0] + 2.0 * shift * c[:, 0, 1] + shift * shift * c[:, 1, 1]
    mean = np.stack([u.mean[:, 0] + shift * mx, mx], axis=1)
    moments = CentredMoments(n, u.weight, mean, comoment)
    return moments, ratio, var
