"""Cells of the frame-level comparison: rows coded by segment x arm, reduced per cell.

Per-unit rows are reduced to centred moments per cell (two passes of
:func:`numpy.bincount`, :func:`cxlib.core.statistics.summarise`); rows of sufficient
statistics (summaries or raw sums, :mod:`cxlib.ab.summed`) are made centred row by row
and merged per cell with the pairwise update. All comparisons are then computed
together. Quantiles sort each cell's values once and compare cell pairs one by one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.grouping import dense_rank, factorize_column, make_groups
from ..core.lift import FloatArray, Pairs, normal_pairs
from ..core.statistics import CentredMoments, ratio_estimates, summarise
from ..core.validation import get_column, show_values
from .cuped import adjust_cells
from .cuped_multi import cuped_mean_rows, cuped_ratio_rows
from .metrics import Index, Mean, Proportion, Quantile, Ratio
from .quantiles import metric_name, min_units, quantile_pair
from .resampling import bootstrap_cells
from .skewness import skewness_warning
from .summed import check_finite, numbers, summed_rows
from .two_arms import BOOTSTRAP, lift_method, mean_pairs, ratio_pairs, ratio_statistics

__all__ = ["Cells", "cell_sums", "continuous_pairs", "index_pairs", "quantile_cell_pairs"]


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


def _cuped_cells(
    y: FloatArray, x: FloatArray, codes: npt.NDArray[np.intp], cells: Cells
) -> tuple[CentredMoments, FloatArray]:
    """CUPED-adjusted moments per cell (:func:`cxlib.ab.cuped.adjust_cells`), and the
    adjusted values."""
    seg = cells.segment[codes]
    # The covariate less one value of its segment (exact): the cells' means of it then
    # keep the digits that means of a covariate far from zero (1e9 + x) round away.
    shift = np.zeros(cells.n_segments)
    shift[seg] = x
    columns = np.stack([y, x - shift[seg]])
    per_cell = summarise(columns, codes, cells.n_cells)
    # From the rows again rather than merged from the cells: merging would carry the
    # rounding of the cell means, which at large offsets is not negligible for theta.
    segment = summarise(columns, seg, cells.n_segments)
    moments, t, x_centre = adjust_cells(per_cell, segment, cells.segment)
    values = y - t[codes] * (columns[1] - x_centre[codes])
    return moments, values


def continuous_pairs(
    data: pd.DataFrame,
    spec: Mean | Ratio | Quantile,
    cells: Cells,
    vc: npt.NDArray[np.intp],
    cc: npt.NDArray[np.intp],
    method: str,
    level: float,
    alt: Any,
    policy: str,
    n_resamples: int,
    rng: np.random.Generator,
    covariate: str | list[str] | None,
    progress: bool = False,
) -> tuple[Pairs, str, dict[str, FloatArray], npt.NDArray[np.bool_]]:
    """Comparisons of means, ratio metrics or quantiles of cells, from unit rows (or
    summed rows for means and ratios)."""
    if isinstance(spec, Quantile):
        args = (method, level, alt, policy, n_resamples, rng)
        return quantile_cell_pairs(data, spec, cells, vc, cc, *args)
    is_mean = isinstance(spec, Mean)
    name = "mean" if is_mean else "ratio"
    summed = spec.column is None if isinstance(spec, Mean) else spec.summed
    extra: dict[str, FloatArray] = {}
    codes, k = cells.codes, cells.n_cells
    columns = np.empty((0, 0))
    if summed:
        moments = summed_rows(data, spec).regroup(codes, k)
    else:
        if isinstance(spec, Mean):
            columns = numbers(data, str(spec.column), "metric")[None, :]
            what = f"metric column {spec.column!r}"
            if isinstance(covariate, str):
                columns = np.vstack([columns, numbers(data, covariate, "covariate")[None, :]])
                what += f" / covariate {covariate!r}"
        else:
            columns = np.stack(
                [
                    numbers(data, str(spec.numerator), "numerator"),
                    numbers(data, str(spec.denominator), "denominator"),
                ]
            )
            what = f"metric columns {spec.numerator!r} / {spec.denominator!r}"
        # Several covariates, or any for a ratio, take the path of several covariates.
        several = (
            [] if covariate is None else [covariate] if isinstance(covariate, str) else covariate
        )
        if isinstance(covariate, list) or (several and not is_mean):
            columns = np.vstack(
                [columns, *(numbers(data, c, "covariate")[None, :] for c in several)]
            )
            what += f" / covariates {several!r}"
        for row in columns:
            check_finite(row, what, policy, allow_nan=True)
        missing_row = np.isnan(columns).any(axis=0)
        missing = cell_sums(codes[missing_row], k, None)
        extra = {"n_missing_control": missing, "n_missing_variant": missing}
        columns, codes = columns[:, ~missing_row], codes[~missing_row]
        segments = (cells.segment, cells.n_segments, f"covariate={covariate!r}", several)
        if several and not is_mean:
            moments, cuped_ratio, _ = cuped_ratio_rows(
                columns[0], columns[1], columns[2:], codes, k, *segments
            )
            columns = columns[:2]
        elif isinstance(covariate, list):
            moments, adjusted, _ = cuped_mean_rows(columns[0], columns[1:], codes, k, *segments)
            columns = adjusted[None, :]
        elif covariate is not None:
            moments, adjusted = _cuped_cells(columns[0], columns[1], codes, cells)
            columns = adjusted[None, :]
        elif is_mean:
            moments = summarise(columns, codes, k, third=True)
        else:
            moments, ratio, variance = ratio_estimates(columns[0], columns[1], codes, k)
    n = moments.n
    denominator = np.ones(k) if is_mean else moments.mean[:, 1]
    if not is_mean:
        if summed:
            ratio_stats = ratio_statistics(moments)
        elif covariate is not None:
            ratio_stats = cuped_ratio
        else:
            ratio_stats = (ratio, variance, n)
    ok = (n[cc] >= 2) & (n[vc] >= 2) & (denominator[cc] != 0) & (denominator[vc] != 0)
    vc, cc = vc[ok], cc[ok]
    if is_mean and not summed:
        if isinstance(covariate, str):  # (several covariates: from the rows already)
            # The skewness of the adjusted values, which the intervals are built on; the
            # moments themselves stay the centred ones of adjust_cells, which keep
            # their digits when the values are far from zero (1e9 + y).
            moments = dataclasses.replace(moments, m3=summarise(columns, codes, k, third=True).m3)
        skewness_warning(moments.take(cc), moments.take(vc), method=method, level=level)
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
            progress=progress,
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


def quantile_cell_pairs(
    data: pd.DataFrame,
    spec: Quantile,
    cells: Cells,
    vc: npt.NDArray[np.intp],
    cc: npt.NDArray[np.intp],
    method: str,
    level: float,
    alt: Any,
    policy: str,
    n_resamples: int,
    rng: np.random.Generator,
) -> tuple[Pairs, str, dict[str, FloatArray], npt.NDArray[np.bool_]]:
    """The comparisons of the cells ``vc`` with ``cc``, and which of them could be made."""
    values = numbers(data, spec.column, "metric")
    check_finite(values, f"metric column {spec.column!r}", policy, allow_nan=True)
    codes, k = cells.codes, cells.n_cells
    missing_row = np.isnan(values)
    missing = cell_sums(codes[missing_row], k, None)
    values, codes = values[~missing_row], codes[~missing_row]
    counts = np.bincount(codes, minlength=k)
    # Sorted by cell, then by value: each cell's values are one sorted slice.
    arms = np.split(values[np.lexsort((values, codes))], np.cumsum(counts)[:-1])
    need = min_units(spec.q)
    ok = (counts[cc] >= need) & (counts[vc] >= need)
    results = [
        quantile_pair(arms[c], arms[v], spec.q, method, level, alt, n_resamples, rng)[0]
        for c, v in zip(cc[ok], vc[ok], strict=True)
    ]
    extra = {"n_missing_control": missing, "n_missing_variant": missing}
    return _stack(results), metric_name(spec.q), extra, ok


def _stack(results: list[Pairs]) -> Pairs:
    """One :class:`Pairs` of many one-comparison ones (empty ones for none)."""
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(Pairs):
        parts = [getattr(p, f.name) for p in results]
        empty = np.empty(0, dtype=str if f.name == "test" else np.float64)
        fields[f.name] = np.concatenate(parts) if parts else empty
    return Pairs(**fields)


def proportion_cells(
    data: pd.DataFrame, spec: Proportion, cells: Cells, nan_policy: str
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Successes, trials and missing units per cell."""
    codes, k = cells.codes, cells.n_cells
    s = numbers(data, spec.successes, "successes")
    if spec.trials is None:
        check_finite(s, f"metric column {spec.successes!r}", nan_policy, allow_nan=True)
        ok = ~np.isnan(s)
        if not np.isin(s[ok], (0.0, 1.0)).all():
            bad = s[ok][~np.isin(s[ok], (0.0, 1.0))]
            raise ValueError(
                f"conversion flags in {spec.successes!r} must be True/False or 0/1; got "
                f"{show_values(bad)}"
            )
        return (
            cell_sums(codes[ok], k, s[ok]),
            cell_sums(codes[ok], k, None),
            cell_sums(codes[~ok], k, None),
        )
    n = numbers(data, spec.trials, "trials")
    for x, name in ((s, spec.successes), (n, spec.trials)):
        check_finite(x, f"column {name!r}", "raise", allow_nan=False)
        bad = (x < 0) | (x != np.rint(x))
        if bad.any():
            raise ValueError(
                f"column {name!r} must hold whole counts >= 0; got {show_values(x[bad])}"
            )
    if (s > n).any():
        raise ValueError(
            f"successes ({spec.successes!r}) exceed trials ({spec.trials!r}) in "
            f"{int((s > n).sum()):,} rows"
        )
    return cell_sums(codes, k, s), cell_sums(codes, k, n), np.zeros(k)
