"""CUPED with several covariates, and for ratio metrics, from centred co-moments per cell.

With covariates ``x = (x_1, ..., x_k)`` measured before the experiment, each unit's
value ``y`` is replaced by ``y - theta' (x - xbar)``, where ``theta`` is the slope of the
least-squares regression of ``y`` on ``x`` over the units of all arms pooled,

.. math:: \\theta = \\Sigma_{xx}^{-1} \\Sigma_{xy},

``Sigma`` the pooled centred co-moments (:class:`cxlib.core.statistics.CentredMoments`,
never raw power sums). With one covariate this is the ``cov(x, y) / var(x)`` of
:func:`cxlib.ab.compare`, computed in the same order of operations. Each arm's
adjusted mean is ``ybar - theta' (xbar_arm - xbar)`` and its sum of squared deviations
``C_yy - 2 theta' C_xy + theta' C_xx theta`` (Deng, Xu, Kohavi & Walker 2013, section
3.3). The mean is the arm's own ``ybar`` less the correction, computed from the
covariates less one value of their segment, and the sum of squares from the adjusted
rows less such a value: values and covariates far from zero keep their digits. Engines
and per-arm summaries get the same quantities from co-moments
(:mod:`cxlib.ab.cuped_moments`).

A ratio metric ``R = sum(y) / sum(n)`` (revenue per order, per visitor) is adjusted
through its delta-method linearisation (Deng, Knoblich & Lu 2018): per unit of an arm,
``l_i = (y_i - R n_i) / nbar``, whose sample variance over ``n (n - 1)`` is the
delta-method variance of ``R``. The linearised values have mean 0 in every arm; they
are regressed on the covariates (e.g. the pre-period numerator and denominator, which
adjusts numerator and denominator jointly) pooled over the arms, and the arm's ratio
becomes ``R - theta' (xbar_arm - xbar)`` with variance
``(C_ll - 2 theta' C_lx + theta' C_xx theta) / (n (n - 1))``. The same combination of
CUPED and the delta method is offered by tea-tasting's ``RatioOfMeans`` with
``covariate_numer`` and ``covariate_denom`` (https://github.com/e10v/tea-tasting).

References
----------
.. [1] A. Deng, Y. Xu, R. Kohavi and T. Walker (2013), "Improving the sensitivity of
   online controlled experiments by utilizing pre-experiment data", WSDM '13,
   https://doi.org/10.1145/2433396.2433413
.. [2] A. Deng, U. Knoblich and J. Lu (2018), "Applying the delta method in metric
   analytics: a practical guide with novel ideas", KDD '18,
   https://doi.org/10.1145/3219819.3219919
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.lift import FloatArray
from ..core.statistics import CentredMoments, ratio_estimates, summarise
from ..core.validation import check_aligned
from .metrics import Mean, Ratio

__all__ = [
    "arm_covariates",
    "check_covariate",
    "covariate_names",
    "covariate_rows",
    "cuped_mean_rows",
    "cuped_ratio_rows",
    "segment_theta",
    "solve_theta",
    "two_arms",
]

Codes = npt.NDArray[np.intp]
# Smallest eigenvalue of the covariates' correlation matrix below which they are
# treated as collinear: theta would be decided by rounding errors.
_COLLINEAR = 1e-10


def solve_theta(
    cxx: FloatArray, cxy: FloatArray, name: str, labels: Sequence[str] | None = None
) -> FloatArray:
    """``theta = C_xx^{-1} C_xy`` per group (``cxx`` is ``(g, k, k)``, ``cxy`` ``(g, k)``).

    Raises a ValueError naming ``name`` (and the covariate, by ``labels`` or position)
    when a covariate does not vary in a group or the covariates are collinear (the
    regression has no unique slope).
    """
    k = cxy.shape[1]
    diag = np.diagonal(cxx, axis1=1, axis2=2)
    flat = ~(diag > 0)
    if flat.any():
        column = int(np.nonzero(flat.any(axis=0))[0][0])
        which = repr(labels[column]) if labels is not None else f"{column}"
        groups = int(flat.any(axis=1).sum())
        where = f" in {groups:,} of {cxx.shape[0]:,} segments" if cxx.shape[0] > 1 else ""
        raise ValueError(
            f"{name}: covariate {which} does not vary{where}, so CUPED has no slope for it; drop it"
        )
    if k == 1:
        # The same division as the one-covariate CUPED, so that both agree exactly.
        out: FloatArray = cxy / diag
        return out
    # On the correlation scale: the units of the covariates do not decide the test.
    scale = np.sqrt(diag)
    corr = cxx / (scale[:, :, None] * scale[:, None, :])
    smallest = np.linalg.eigvalsh(corr)[:, 0]
    if (smallest < _COLLINEAR).any():
        raise ValueError(
            f"{name}: the {k} covariates are collinear (one is a linear combination of "
            f"the others; smallest eigenvalue of their correlation matrix "
            f"{float(smallest.min()):.3g}), so theta = Sigma_xx^-1 Sigma_xy is not "
            "unique; drop the redundant covariates"
        )
    solved = np.linalg.solve(corr, (cxy / scale)[:, :, None])[:, :, 0]
    theta: FloatArray = solved / scale
    return theta


def segment_theta(
    segments: CentredMoments, name: str, labels: Sequence[str] | None = None
) -> FloatArray:
    """``theta`` per segment ``(segments, k)`` from the moments of ``(y, x_1, ..., x_k)``
    over the units of all the segment's arms; 0 for a segment of fewer than 2 units,
    which has nothing to compare."""
    c = segments.comoment
    theta = np.zeros((segments.n_groups, segments.n_columns - 1))
    usable = segments.n >= 2
    if usable.any():
        theta[usable] = solve_theta(c[usable, 1:, 1:], c[usable, 0, 1:], name, labels)
    return theta


def _adjusted(
    y: FloatArray, x: FloatArray, codes: Codes, t: FloatArray, centre: FloatArray
) -> FloatArray:
    out: FloatArray = y - t[codes, 0] * (x[0] - centre[codes, 0])
    for i in range(1, x.shape[0]):
        out = out - t[codes, i] * (x[i] - centre[codes, i])
    return out


def cuped_mean_rows(
    y: FloatArray,
    x: FloatArray,
    codes: Codes,
    n_cells: int,
    segment_of_cell: Codes,
    n_segments: int,
    name: str = "covariates",
    labels: Sequence[str] | None = None,
) -> tuple[CentredMoments, FloatArray, FloatArray]:
    """Adjusted moments per cell, the adjusted values per row and ``theta`` per cell.

    ``y`` holds the rows' values, ``x`` their ``k`` covariates ``(k, rows)``; ``codes``
    the cell of each row and ``segment_of_cell`` the segment of each cell, over whose
    rows (all arms) ``theta`` is estimated.
    """
    seg = segment_of_cell[codes]
    # The values and covariates less one value of their segment, exact: their means and
    # moments then keep the digits that values far from zero (1e9 + x) round away.
    shift = np.zeros((x.shape[0] + 1, n_segments))
    shift[:, seg] = np.vstack([y[None, :], x])
    columns = np.vstack([y[None, :], x]) - shift[:, seg]
    # theta from the rows of each segment rather than merged from its cells: merging
    # would carry the rounding of the cell means, not negligible at large offsets.
    per_segment = summarise(columns, seg, n_segments)
    t = segment_theta(per_segment, name, labels)[segment_of_cell]
    centre = np.nan_to_num(per_segment.mean[:, 1:])[segment_of_cell]
    small = _adjusted(columns[0], columns[1:], codes, t, centre)
    moments = summarise(small, codes, n_cells, third=True)
    # Each cell's mean as ybar - theta' (xbar_cell - xbar_segment), its own mean of y
    # (rounded once) less a small correction, as the engines and the summaries compute it.
    cells = summarise(np.vstack([y[None, :], columns[1:]]), codes, n_cells)
    with np.errstate(invalid="ignore"):
        mean = cells.mean[:, :1] - np.sum(t * (cells.mean[:, 1:] - centre), axis=1)[:, None]
    return dataclasses.replace(moments, mean=mean), small + shift[0, seg], t


def cuped_ratio_rows(
    numerator: FloatArray,
    denominator: FloatArray,
    x: FloatArray,
    codes: Codes,
    n_cells: int,
    segment_of_cell: Codes,
    n_segments: int,
    name: str = "covariates",
    labels: Sequence[str] | None = None,
) -> tuple[CentredMoments, tuple[FloatArray, FloatArray, FloatArray], FloatArray]:
    """CUPED of the ratio ``sum(numerator) / sum(denominator)`` per cell.

    Returns the moments of ``(numerator, denominator)`` per cell, ``(ratio, variance,
    n)`` of the adjusted ratio per cell, and ``theta`` per cell ``(cells, k)``.
    """
    moments, ratio, _ = ratio_estimates(numerator, denominator, codes, n_cells)
    nbar = moments.mean[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        # The delta method's linearisation, mean 0 in every cell (a cell whose
        # denominator sums to 0 has no ratio; its rows get 0 and it is not compared).
        lin = (numerator - ratio[codes] * denominator) / nbar[codes]
    lin = np.where(np.isfinite(lin), lin, 0.0)
    adjusted, _, t = cuped_mean_rows(
        lin, x, codes, n_cells, segment_of_cell, n_segments, name, labels
    )
    n = moments.n
    with np.errstate(divide="ignore", invalid="ignore"):
        variance: FloatArray = np.where(
            (n >= 2) & (nbar != 0), adjusted.comoment[:, 0, 0] / (n * (n - 1.0)), np.nan
        )
    value: FloatArray = ratio + adjusted.mean[:, 0]
    return moments, (value, variance, n), t


def covariate_rows(value: object, name: str) -> list[object]:
    """The covariates of one arm as a list of 1-D columns.

    One 1-D array-like (one covariate), a 2-D numpy array ``(k, units)``, a pandas
    DataFrame (its columns), or a sequence of ``k`` 1-D array-likes.
    """
    if isinstance(value, pd.DataFrame):
        return [value[c] for c in value.columns]
    if isinstance(value, (pd.Series, pd.Index)):
        return [value]
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return [value]
        if value.ndim == 2:
            return list(value)
        raise ValueError(
            f"{name} must be 1-D (one covariate) or 2-D (covariates x units); got shape "
            f"{value.shape}"
        )
    if isinstance(value, (list, tuple)):
        nested = [isinstance(v, (list, tuple, np.ndarray, pd.Series, pd.Index)) for v in value]
        if value and all(nested):
            return list(value)
        if not any(nested):
            return [value]
        raise TypeError(
            f"{name} must be one covariate (a 1-D array-like of numbers) or a sequence of "
            "covariates (1-D array-likes), not a mix of numbers and sequences"
        )
    raise TypeError(
        f"{name} must be a 1-D array-like (one covariate), a sequence of them, a 2-D numpy "
        f"array or a pandas DataFrame; got {type(value).__name__}"
    )


def arm_covariates(
    covariates: object, control: object, variant: object
) -> tuple[list[object], list[object]] | None:
    """``covariates=(control, variant)`` of a comparison, as two lists of k columns each."""
    if covariates is None:
        return None
    if not isinstance(covariates, (tuple, list)) or len(covariates) != 2:
        raise TypeError(
            "covariates must be a pair (control, variant), each one covariate (1-D "
            f"array-like) or several; got {type(covariates).__name__}"
        )
    rows = [covariate_rows(covariates[i], f"covariates[{i}]") for i in (0, 1)]
    if len(rows[0]) != len(rows[1]):
        raise ValueError(
            "covariates must give the same covariates for both arms; got "
            f"{len(rows[0])} for the control and {len(rows[1])} for the variant"
        )
    for i, arm, arm_name in ((0, control, "control"), (1, variant, "variant")):
        for j, column in enumerate(rows[i]):
            label = f"covariates[{i}]" if len(rows[i]) == 1 else f"covariates[{i}][{j}]"
            check_aligned(column, label, arm, arm_name)
    return rows[0], rows[1]


def covariate_names(i: int, k: int) -> list[str]:
    """The names of the k covariates of arm ``i`` in messages."""
    return [f"covariates[{i}]"] if k == 1 else [f"covariates[{i}][{j}]" for j in range(k)]


def two_arms(sizes: tuple[int, int]) -> tuple[Codes, Codes]:
    """Cell codes of two concatenated arms, and their one segment."""
    codes = np.repeat(np.arange(2, dtype=np.intp), sizes)
    return codes, np.zeros(2, dtype=np.intp)


def check_covariate(spec: object, covariate: object, ci_method: object) -> str | list[str] | None:
    """``covariate=`` of :func:`cxlib.ab.compare`: a column name or a list of them.

    CUPED applies to a mean of per-unit values and to a ratio metric of per-unit
    columns; a list (even of one name) takes the path of several covariates.
    """
    if covariate is None:
        return None
    if isinstance(covariate, str):
        names: str | list[str] = covariate
    elif (
        isinstance(covariate, (list, tuple))
        and covariate
        and all(isinstance(c, str) for c in covariate)
    ):
        names = list(covariate)
        if len(set(names)) != len(names):
            raise ValueError(f"covariate must name each column once; got {covariate!r}")
    else:
        raise TypeError(
            "covariate must be a column name or a non-empty list of column names; got "
            f"{covariate!r}"
        )
    per_unit_mean = isinstance(spec, Mean) and spec.column is not None
    per_unit_ratio = isinstance(spec, Ratio) and not spec.summed
    if not (per_unit_mean or per_unit_ratio):
        raise ValueError(
            "covariate (CUPED) applies to a mean or a ratio metric of per-unit values; "
            f"got metric {spec!r}"
        )
    if per_unit_ratio and ci_method in ("percentile", "basic", "bca"):
        raise ValueError(
            f"ci_method={ci_method!r} is not available with covariate= for a ratio metric "
            "(CUPED of a ratio); use 'fieller' (the default), 'delta' or 'log'"
        )
    return names
