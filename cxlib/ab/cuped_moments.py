"""CUPED from the centred co-moments of cells, without the rows: engines and summaries.

:mod:`cxlib.ab.cuped_multi` adjusts per-unit rows. Where only the co-moments of each
cell (arm x segment) are at hand -- reduced in another engine, or given as per-arm
summaries (:class:`~cxlib.ab.CupedStats`) -- the same quantities follow in closed form.

The cells of a segment merge with the pairwise update of Chan, Golub & LeVeque (1979)
(:meth:`~cxlib.core.statistics.CentredMoments.regroup`) into the segment's pooled
co-moments ``Sigma``, and ``theta = Sigma_xx^-1 Sigma_xy`` as for rows. Each cell's
adjusted value is its own less ``theta' (xbar_cell - xbar_segment)`` and the sum of
squared deviations of its adjusted values is the quadratic form ``w' C w`` of its
co-moments ``C`` with ``w = (1, -theta)`` (Deng, Xu, Kohavi & Walker 2013, section
3.3); their third moment is the cubic form of the third co-moments.

A ratio ``R = ybar / nbar`` is adjusted through its linearisation ``l = (y - R n) /
nbar`` per unit (Deng, Knoblich & Lu 2018), whose co-moments are those of ``(y, n)``
combined, per cell with that cell's ``R`` and ``nbar``:

.. math::

    C_{ll} = \\frac{C_{yy} - 2 R C_{yn} + R^2 C_{nn}}{\\bar n^2}, \\qquad
    C_{lx} = \\frac{C_{yx} - R C_{nx}}{\\bar n}.

``l`` has mean 0 in every cell, so the segment's ``Sigma_lx`` is the sum of the cells'
``C_lx``. When ``y`` is nearly proportional to ``n`` (revenue of 1e9 per order),
``C_ll`` is far below its terms and their rounding decides it: a
:class:`~cxlib.PrecisionWarning` says so (per-unit rows on pandas keep the residuals).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..core.errors import PrecisionWarning, find_stack_level
from ..core.lift import FloatArray
from ..core.statistics import EPS, PRECISION, CentredMoments
from .cuped_multi import segment_theta

__all__ = ["cubic_form", "cuped_cells", "linearise"]

Codes = npt.NDArray[np.intp]


def linearise(cells: CentredMoments) -> tuple[CentredMoments, FloatArray]:
    """The moments of ``(l, x_1, ..., x_k)`` per cell from those of ``(y, n, x_1, ...)``.

    Returns them (``l`` with mean 0, and co-moments 0 in a cell without units or whose
    denominator sums to 0, which has no ratio) and the ratio ``R = ybar / nbar`` per
    cell (NaN where undefined). Warns when ``C_ll`` keeps fewer than about six
    significant digits.
    """
    c = cells.comoment
    mean_y, nbar = cells.mean[:, 0], cells.mean[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = mean_y / nbar
    defined = (cells.n > 0) & (nbar != 0) & np.isfinite(ratio)
    r = np.where(defined, ratio, 0.0)
    scale = np.where(defined, nbar, 1.0)
    # l = a' (y, n, x): a = (1, -R, 0, ..., 0) / nbar, zero where the ratio is undefined.
    a = np.zeros((cells.n_groups, cells.n_columns))
    a[:, 0], a[:, 1] = 1.0 / scale, -r / scale
    a[~defined] = 0.0
    c_ll = np.einsum("gi,gij,gj->g", a, c, a)
    c_lx = np.einsum("gi,gij->gj", a, c[:, :, 2:])
    noise = 8.0 * EPS * (c[:, 0, 0] + 2.0 * np.abs(r * c[:, 0, 1]) + r * r * c[:, 1, 1])
    lost = defined & (cells.n >= 2) & (noise > 0) & (noise / scale**2 > PRECISION * c_ll)
    if lost.any():
        warnings.warn(
            f"the variance of the ratio from its co-moments keeps fewer than about 6 "
            f"significant digits in {int(lost.sum()):,} of {cells.n_groups:,} cells: the "
            "numerator is nearly proportional to the denominator, and the rounding of "
            "their co-moments decides the residual. Compare per-unit rows in pandas, "
            "which keep the residuals",
            PrecisionWarning,
            stacklevel=find_stack_level(),
        )
    k = cells.n_columns - 2
    comoment = np.zeros((cells.n_groups, k + 1, k + 1))
    comoment[:, 0, 0] = np.maximum(c_ll, 0.0)
    comoment[:, 0, 1:] = comoment[:, 1:, 0] = c_lx
    comoment[:, 1:, 1:] = c[:, 2:, 2:]
    mean = np.concatenate([np.zeros((cells.n_groups, 1)), cells.mean[:, 2:]], axis=1)
    mean[cells.n == 0] = np.nan
    lin = CentredMoments(cells.n, cells.weight, mean, comoment)
    return lin, np.where(defined, ratio, np.nan)


def cuped_cells(
    cells: CentredMoments,
    segment_of_cell: Codes,
    n_segments: int,
    name: str,
    labels: Sequence[str] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """What CUPED takes off each cell's value, the M2 of its adjusted values, and ``w``.

    ``cells`` holds the moments of ``(v, x_1, ..., x_k)`` (``v`` the values or the
    linearised ratio) per cell; the means may be taken about any point that is the
    same for all cells of a segment (only their differences are used), which keeps
    the digits of values far from zero. ``theta`` is estimated per segment from the
    cells merged (:func:`cxlib.ab.cuped_multi.segment_theta`: an error naming
    ``name`` for a covariate that does not vary or collinear covariates). Returns,
    per cell, ``theta' (xbar_cell - xbar_segment)``, ``w' C w`` and ``w = (1,
    -theta)`` ``(cells, 1 + k)``.
    """
    # Cells without units carry no co-moments; their NaN means are left out of the merge.
    clean = CentredMoments(
        cells.n, cells.weight, cells.mean, np.nan_to_num(cells.comoment, nan=0.0)
    )
    segments = clean.regroup(segment_of_cell, n_segments)
    theta = segment_theta(segments, name, labels)[segment_of_cell]
    centre = np.nan_to_num(segments.mean[:, 1:])[segment_of_cell]
    with np.errstate(invalid="ignore"):
        shift = np.einsum("gi,gi->g", theta, clean.mean[:, 1:] - centre)
    w = np.concatenate([np.ones((cells.n_groups, 1)), -theta], axis=1)
    m2 = np.maximum(np.einsum("gi,gij,gj->g", w, clean.comoment, w), 0.0)
    return shift, m2, w


def cubic_form(w: FloatArray, third: FloatArray) -> FloatArray:
    """``sum_ijk w_i w_j w_k T_ijk`` per cell: the M3 of ``w' (v, x)`` from the third
    co-moments ``T`` ``(cells, m, m, m)``."""
    out: FloatArray = np.einsum("gi,gj,gk,gijk->g", w, w, w, third)
    return out
