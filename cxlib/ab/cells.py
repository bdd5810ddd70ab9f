"""Cells of the frame-level comparison: rows coded by segment x arm, reduced per cell.

Per-unit rows are reduced to centred moments per cell (two passes of
:func:`numpy.bincount`, :func:`cxlib.core.statistics.summarise`); rows of sufficient
statistics (``n``/``sum``/``sum_squares`` or ``n``/``mean``/``var``) are made centred
row by row and merged per cell with the pairwise update. All comparisons are then
computed together.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.errors import DegenerateDataWarning, PrecisionWarning, find_stack_level
from ..core.grouping import dense_rank, factorize_column, make_groups
from ..core.lift import FloatArray, Pairs, normal_pairs
from ..core.statistics import (
    PRECISION,
    CentredMoments,
    moments_from_sums,
    ratio_estimates,
    summarise,
)
from ..core.validation import as_numeric_1d, get_column, show_values
from ._arms import missing_mask
from .metrics import Index, Mean, Ratio
from .resampling import bootstrap_cells
from .two_arms import BOOTSTRAP, lift_method, mean_pairs, ratio_pairs, ratio_statistics

__all__ = [
    "Cells",
    "cell_sums",
    "check_finite",
    "continuous_pairs",
    "index_pairs",
    "numbers",
    "summed_cells",
]


def numbers(data: pd.DataFrame, column: str, argname: str) -> FloatArray:
    series = get_column(data, column, argname)
    if series.dtype == bool or str(series.dtype) == "boolean":
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(as_numeric_1d(series, f"{argname}={column!r}"), dtype=np.float64)


def check_finite(x: FloatArray, what: str, nan_policy: str, allow_nan: bool) -> None:
    if not allow_nan and np.isnan(x).any():
        raise ValueError(f"{what} must hold finite numbers; got {show_values(x[np.isnan(x)])}")
    missing_mask(x, what, nan_policy)


class Cells:
    """Rows coded by cell (segment x arm), and how cells pair up."""

    def __init__(self, data: pd.DataFrame, group: Hashable, control: Any, by: list[Hashable]):
        column = get_column(data, group, "group")
        if column.isna().any():
            raise ValueError(
                f"group={group!r} has {int(column.isna().sum()):,} missing values; every "
                "unit must belong to an arm"
            )
        if group in by:
            raise ValueError(f"group={group!r} must not also be a by column")
        # Arms and segments are coded once each, over the rows; a cell is a pair
        # (segment, arm), in the order of make_groups(data, [*by, group]).
        arm_codes, arm_keys = factorize_column(column)
        n_arms = len(arm_keys)
        if by:
            segments = make_groups(data, by)
            seg_codes = np.asarray(segments.codes, dtype=np.int64)
            self._segment_keys = segments.keys
        else:
            seg_codes = np.zeros(len(data), dtype=np.int64)
            self._segment_keys = pd.DataFrame(index=pd.RangeIndex(1))
        combined = seg_codes * n_arms + np.asarray(arm_codes, dtype=np.int64)
        keep, self.codes = dense_rank(combined)
        self.n_cells = len(keep)
        self._seg_key = keep // n_arms  # candidate segment of each cell
        self._arm = keep % n_arms
        self._arm_keys = arm_keys
        is_control = np.asarray(arm_keys == control, dtype=bool)[self._arm]
        if not is_control.any():
            found = ", ".join(repr(v) for v in pd.unique(arm_keys.take(self._arm))[:20])
            raise ValueError(f"control={control!r} is not an arm of {group!r}; arms: {found}")
        # Segments that have rows, numbered 0 .. n_segments - 1.
        used, seg = dense_rank(self._seg_key)
        self.segment = seg
        self.n_segments = len(used)
        control_of_seg = np.full(self.n_segments, -1, dtype=np.intp)
        control_of_seg[seg[is_control]] = np.flatnonzero(is_control)
        self.variant_cell = np.flatnonzero(~is_control)
        if len(self.variant_cell) == 0:
            raise ValueError(
                f"{group!r} holds no arm besides control={control!r}: nothing to compare"
            )
        self.control_cell = control_of_seg[seg[self.variant_cell]]
        self.group = group
        self.by = by
        self.control = control

    def key_columns(self, cells: npt.NDArray[np.intp]) -> dict[Hashable, Any]:
        """The by and group values of ``cells``, in their original dtypes."""
        out: dict[Hashable, Any] = {
            name: self._segment_keys[name].array.take(self._seg_key[cells]) for name in self.by
        }
        out[self.group] = self._arm_keys.array.take(self._arm[cells])
        return out

    @property
    def keys(self) -> pd.DataFrame:
        """One row per cell: the by columns and the group column."""
        frame: pd.DataFrame = pd.DataFrame(self.key_columns(np.arange(self.n_cells)))
        return frame


def cell_sums(codes: npt.NDArray[np.intp], n_cells: int, x: FloatArray | None) -> FloatArray:
    out: FloatArray = np.bincount(codes, weights=x, minlength=n_cells).astype(np.float64)
    return out


def index_pairs(
    data: pd.DataFrame,
    spec: Index,
    cells: Cells,
    vc: npt.NDArray[np.intp],
    cc: npt.NDArray[np.intp],
    method: str,
    level: float,
    alt: Any,
    nan_policy: str,
) -> tuple[Pairs, str]:
    keys = [*cells.by, cells.group]
    options = dict(spec.options)
    for reserved in ("by", "confidence_level", "nan_policy"):
        if reserved in options:
            raise ValueError(f"Index options must not set {reserved!r}: compare sets it")
    result = spec.function(
        data, spec.columns, by=keys, confidence_level=level, nan_policy=nan_policy, **options
    )
    if not isinstance(result, pd.DataFrame):  # pragma: no cover - index contract
        raise TypeError("the index function must return a DataFrame when given by=")
    merged = cells.keys.merge(result, on=keys, how="left")
    value = merged["value"].to_numpy(dtype=np.float64)
    se = merged["se"].to_numpy(dtype=np.float64)
    n = merged["n"].to_numpy(dtype=np.float64)
    pairs = normal_pairs(
        value[cc],
        value[vc],
        se[cc] ** 2,
        se[vc] ** 2,
        n[cc],
        n[vc],
        level=level,
        alternative=alt,
        lift_method=lift_method(method),
        test_name="z",
    )
    return pairs, str(result["metric"].iloc[0]) if len(result) else "index"


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


def _warn_rows(lost: npt.NDArray[np.bool_], what: str, advice: str) -> None:
    if lost.any():
        warnings.warn(
            f"{what} keeps fewer than about 6 significant digits in {int(lost.sum()):,} "
            "rows: their sums are dominated by the offset of the values from zero, and "
            f"the difference of sums cancels. {advice}",
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


def _ratio_rows(data: pd.DataFrame, spec: Ratio) -> CentredMoments:
    """Centred moments of every row of sufficient statistics of a ratio."""
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


def summed_cells(data: pd.DataFrame, spec: Mean | Ratio, cells: Cells) -> CentredMoments:
    """Centred moments per cell from rows of sufficient statistics, merged per cell."""
    rows = _mean_rows(data, spec) if isinstance(spec, Mean) else _ratio_rows(data, spec)
    return rows.regroup(cells.codes, cells.n_cells)


def _cuped_cells(
    y: FloatArray, x: FloatArray, codes: npt.NDArray[np.intp], cells: Cells
) -> tuple[CentredMoments, FloatArray]:
    """CUPED-adjusted moments per cell, slope per segment, and the adjusted values.

    The co-moments of ``(y, x)`` per segment give ``theta = C_xy / C_xx``; each
    cell's adjusted mean is
    ``ybar - theta (xbar - xbar_segment)`` and its adjusted M2
    ``C_yy - 2 theta C_xy + theta**2 C_xx``.
    """
    per_cell = summarise(np.stack([y, x]), codes, cells.n_cells)
    # From the rows again rather than merged from the cells: merging would carry the
    # rounding of the cell means, which at large offsets is not negligible for theta.
    segment = summarise(np.stack([y, x]), cells.segment[codes], cells.n_segments)
    cxx, cxy = segment.comoment[:, 1, 1], segment.comoment[:, 0, 1]
    flat = ~(cxx > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.where(flat, 0.0, cxy / cxx)
    if flat.any():
        warnings.warn(
            f"the covariate does not vary in {int(flat.sum()):,} of {cells.n_segments:,} "
            "segments: CUPED leaves their values unadjusted",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )
    t = theta[cells.segment]
    x_centre = np.nan_to_num(segment.mean[:, 1])[cells.segment]
    c = per_cell.comoment
    m2 = c[:, 0, 0] - 2.0 * t * c[:, 0, 1] + t * t * c[:, 1, 1]
    adjusted_mean = per_cell.mean[:, 0] - t * (per_cell.mean[:, 1] - x_centre)
    moments = CentredMoments(
        per_cell.n, per_cell.weight, adjusted_mean[:, None], np.maximum(m2, 0.0)[:, None, None]
    )
    values = y - t[codes] * (x - x_centre[codes])
    return moments, values


def continuous_pairs(
    data: pd.DataFrame,
    spec: Mean | Ratio,
    cells: Cells,
    vc: npt.NDArray[np.intp],
    cc: npt.NDArray[np.intp],
    method: str,
    level: float,
    alt: Any,
    policy: str,
    n_resamples: int,
    rng: np.random.Generator,
    covariate: str | None,
) -> tuple[Pairs, str, dict[str, FloatArray], npt.NDArray[np.bool_]]:
    """Comparisons of means or ratio metrics of cells, from unit rows or summed rows."""
    is_mean = isinstance(spec, Mean)
    name = "mean" if is_mean else "ratio"
    summed = spec.column is None if isinstance(spec, Mean) else spec.summed
    extra: dict[str, FloatArray] = {}
    codes, k = cells.codes, cells.n_cells
    columns = np.empty((0, 0))
    if summed:
        moments = summed_cells(data, spec, cells)
    else:
        if isinstance(spec, Mean):
            columns = numbers(data, str(spec.column), "metric")[None, :]
            what = f"metric column {spec.column!r}"
            if covariate is not None:
                columns = np.vstack([columns, numbers(data, covariate, "covariate")[None, :]])
                what += f" / covariate {covariate!r}"
        else:
            columns = np.stack(
                [
                    numbers(data, spec.numerator, "numerator"),
                    numbers(data, spec.denominator, "denominator"),
                ]
            )
            what = f"metric columns {spec.numerator!r} / {spec.denominator!r}"
        for row in columns:
            check_finite(row, what, policy, allow_nan=True)
        missing_row = np.isnan(columns).any(axis=0)
        missing = cell_sums(codes[missing_row], k, None)
        extra = {"n_missing_control": missing, "n_missing_variant": missing}
        columns, codes = columns[:, ~missing_row], codes[~missing_row]
        if covariate is not None:
            moments, adjusted = _cuped_cells(columns[0], columns[1], codes, cells)
            columns = adjusted[None, :]
        elif is_mean:
            moments = summarise(columns, codes, k)
        else:
            moments, ratio, variance = ratio_estimates(columns[0], columns[1], codes, k)
    n = moments.n
    denominator = np.ones(k) if is_mean else moments.mean[:, 1]
    if not is_mean:
        ratio_stats = ratio_statistics(moments) if summed else (ratio, variance, n)
    ok = (n[cc] >= 2) & (n[vc] >= 2) & (denominator[cc] != 0) & (denominator[vc] != 0)
    vc, cc = vc[ok], cc[ok]
    if method in BOOTSTRAP:
        se = np.sqrt(moments.variance(0) / n if is_mean else ratio_stats[1])
        pairs = bootstrap_cells(
            columns,
            codes,
            k,
            cc,
            vc,
            kind="mean" if is_mean else "ratio",
            method=method,  # type: ignore[arg-type]
            level=level,
            alternative=alt,
            n_resamples=n_resamples,
            rng=rng,
            se_cells=se,
        )
    elif is_mean:
        pairs = mean_pairs(
            moments.take(cc),
            moments.take(vc),
            lift_method=lift_method(method),
            level=level,
            alternative=alt,
        )
    else:
        pairs = ratio_pairs(
            (ratio_stats[0][cc], ratio_stats[1][cc], ratio_stats[2][cc]),
            (ratio_stats[0][vc], ratio_stats[1][vc], ratio_stats[2][vc]),
            lift_method=lift_method(method),
            level=level,
            alternative=alt,
        )
    return pairs, name, extra, ok
