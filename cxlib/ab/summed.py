"""Rows of sufficient statistics of :func:`cxlib.ab.compare`, made centred row by row.

Summaries (``n``, means, variances and covariance) are centred already: each row's
co-moments are its variances times ``n - 1``. Raw sums (of values, squares and
products) are centred by :func:`cxlib.core.statistics.moments_from_sums`, with a
:class:`~cxlib.PrecisionWarning` where the difference of sums cancels. The rows are
then merged per cell with the pairwise update (:meth:`CentredMoments.regroup`).
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.errors import PrecisionWarning, find_stack_level
from ..core.lift import FloatArray
from ..core.statistics import EPS, PRECISION, CentredMoments, moments_from_sums
from ..core.validation import as_numeric_1d, get_column, show_values
from ._arms import missing_mask
from .metrics import Mean, Ratio

__all__ = ["check_finite", "numbers", "summed_rows"]


def numbers(data: pd.DataFrame, column: str, argname: str) -> FloatArray:
    series = get_column(data, column, argname)
    if series.dtype == bool or str(series.dtype) == "boolean":
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(as_numeric_1d(series, f"{argname}={column!r}"), dtype=np.float64)


def check_finite(x: FloatArray, what: str, nan_policy: str, allow_nan: bool) -> None:
    if not allow_nan and np.isnan(x).any():
        raise ValueError(f"{what} must hold finite numbers; got {show_values(x[np.isnan(x)])}")
    missing_mask(x, what, nan_policy)


def _sum_columns(data: pd.DataFrame, names: list[str]) -> list[FloatArray]:
    out = []
    for name in names:
        x = numbers(data, name, "metric")
        check_finite(x, f"column {name!r}", "raise", allow_nan=False)
        out.append(x)
    return out


def _row_counts(n: FloatArray, column: str) -> None:
    bad = (n < 0) | (n != np.rint(n))
    if bad.any():
        raise ValueError(
            f"column {column!r} (n) must hold whole counts >= 0; got {show_values(n[bad])}"
        )


def _warn_rows(
    lost: npt.NDArray[np.bool_], what: str, advice: str, *, summaries: bool = False
) -> None:
    if lost.any():
        why = (
            "the residual variance of the ratio is far below its terms, and their "
            "rounding decides it"
            if summaries
            else "their sums are dominated by the offset of the values from zero, and "
            "the difference of sums cancels"
        )
        warnings.warn(
            f"{what} keeps fewer than about 6 significant digits in {int(lost.sum()):,} "
            f"rows: {why}. {advice}",
            PrecisionWarning,
            stacklevel=find_stack_level(),
        )


def _mean_rows(data: pd.DataFrame, spec: Mean) -> CentredMoments:
    """Centred moments of every row of sufficient statistics of a mean."""
    if spec.mean is not None:
        n, mean, var = _sum_columns(data, [str(spec.n), spec.mean, str(spec.var)])
        _row_counts(n, str(spec.n))
        if (var < 0).any():
            raise ValueError(
                f"column {spec.var!r} (var) must be >= 0; got {show_values(var[var < 0])}"
            )
        m2 = np.where(n >= 2, var * (n - 1.0), 0.0)
        return CentredMoments(n, n, mean[:, None], m2[:, None, None])
    n, s, ss = _sum_columns(data, [str(spec.n), str(spec.sum), str(spec.sum_squares)])
    _row_counts(n, str(spec.n))
    moments, bound = moments_from_sums(n, s[:, None], ss[:, None, None])
    m2, b = moments.comoment[:, 0, 0], bound[:, 0, 0]
    negative = m2 < -b
    if negative.any():
        raise ValueError(
            f"column {spec.sum_squares!r} (sum_squares) must be at least sum**2 / n (a "
            f"variance cannot be negative); {int(negative.sum()):,} rows are not, e.g. "
            f"sum_squares {', '.join(f'{v:.6g}' for v in ss[negative][:5])}"
        )
    _warn_rows(
        (n >= 2) & ((m2 < 0) | ((m2 > 0) & (b > PRECISION * m2))),
        "the variance from n, sum and sum_squares",
        "Pass cx.ab.Mean(n=..., mean=..., var=...) columns or per-unit rows instead.",
    )
    moments.comoment[:, 0, 0] = np.maximum(m2, 0.0)
    return moments


def _ratio_sum_rows(data: pd.DataFrame, spec: Ratio) -> CentredMoments:
    """Centred moments of every row of raw sums of a ratio."""
    names = [spec.n, spec.numerator, spec.denominator, spec.numerator_squares]
    names += [spec.denominator_squares, spec.cross]
    n, sy, sx, syy, sxx, sxy = _sum_columns(data, [str(c) for c in names])
    _row_counts(n, str(spec.n))
    products = np.stack([np.stack([syy, sxy], axis=1), np.stack([sxy, sxx], axis=1)], axis=1)
    moments, bound = moments_from_sums(n, np.stack([sy, sx], axis=1), products)
    c, b = moments.comoment, bound
    for i, column in ((0, spec.numerator_squares), (1, spec.denominator_squares)):
        negative = c[:, i, i] < -b[:, i, i]
        if negative.any():
            raise ValueError(
                f"column {column!r} must be at least its sum**2 / n (a variance cannot be "
                f"negative); {int(negative.sum()):,} rows are not"
            )
        c[:, i, i] = np.maximum(c[:, i, i], 0.0)
    limit = np.sqrt((c[:, 0, 0] + b[:, 0, 0]) * (c[:, 1, 1] + b[:, 1, 1])) + b[:, 0, 1]
    if (np.abs(c[:, 0, 1]) > limit).any():
        raise ValueError(
            f"column {spec.cross!r} (cross) implies a correlation above 1 in "
            f"{int((np.abs(c[:, 0, 1]) > limit).sum()):,} rows"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        r = sy / sx
        resid = c[:, 0, 0] - 2.0 * r * c[:, 0, 1] + r * r * c[:, 1, 1]
        noise = b[:, 0, 0] + 2.0 * np.abs(r * b[:, 0, 1]) + r * r * b[:, 1, 1]
    _warn_rows(
        (n >= 2) & (sx != 0) & (((resid <= 0) & (noise > 0)) | (noise > PRECISION * resid)),
        "the ratio's variance from the sums",
        "Pass per-unit rows instead.",
    )
    return moments


def _ratio_summary_rows(data: pd.DataFrame, spec: Ratio) -> CentredMoments:
    """Centred moments of every row of summaries of a ratio (as :class:`RatioStats`)."""
    names = [spec.n, spec.numerator_mean, spec.denominator_mean, spec.numerator_var]
    names += [spec.denominator_var, spec.covariance]
    n, my, mx, vy, vx, cov = _sum_columns(data, [str(c) for c in names])
    _row_counts(n, str(spec.n))
    for var, column in ((vy, spec.numerator_var), (vx, spec.denominator_var)):
        if (var < 0).any():
            raise ValueError(f"column {column!r} must be >= 0; got {show_values(var[var < 0])}")
    limit = np.sqrt(vy * vx) * (1.0 + 1e-9) + 1e-300
    if (np.abs(cov) > limit).any():
        raise ValueError(
            f"column {spec.covariance!r} (covariance) implies a correlation above 1 in "
            f"{int((np.abs(cov) > limit).sum()):,} rows"
        )
    # Sample (co)variances, ddof = 1, times n - 1: the centred co-moments of each row.
    scale = np.where(n >= 2, n - 1.0, 0.0)
    comoment = np.stack([np.stack([vy, cov], axis=1), np.stack([cov, vx], axis=1)], axis=1)
    comoment = comoment * scale[:, None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = my / mx
        resid = vy - 2.0 * r * cov + r * r * vx
        noise = 8.0 * EPS * (vy + 2.0 * np.abs(r * cov) + r * r * vx)
    _warn_rows(
        (n >= 2) & (mx != 0) & (noise > 0) & (noise > PRECISION * np.maximum(resid, 0.0)),
        "the ratio's variance from the variances and covariance",
        "The numerator is nearly proportional to the denominator; pass per-unit rows, "
        "which keep the residuals.",
        summaries=True,
    )
    return CentredMoments(n, n, np.stack([my, mx], axis=1), comoment)


def summed_rows(data: pd.DataFrame, spec: Mean | Ratio) -> CentredMoments:
    """Centred moments of every row of sufficient statistics (to merge per cell)."""
    if isinstance(spec, Mean):
        return _mean_rows(data, spec)
    if spec.numerator_mean is not None:
        return _ratio_summary_rows(data, spec)
    return _ratio_sum_rows(data, spec)
