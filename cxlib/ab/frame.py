"""Every variant against its control, per segment, from one DataFrame in one pass.

The rows are reduced once to sufficient statistics per cell (arm x segment) with
:func:`numpy.bincount`; all comparisons are then computed together, so a thousand
segments with four variants each cost about as much as one comparison.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.errors import DegenerateDataWarning
from ..core.grouping import dense_rank, factorize_column, make_groups, normalise_by
from ..core.lift import FloatArray, LiftInterval, Pairs, normal_pairs
from ..core.ratio import ratio_sums
from ..core.statistics import ratio_variance
from ..core.validation import (
    as_generator,
    as_numeric_1d,
    check_alternative,
    check_choice,
    check_confidence_level,
    check_n_resamples,
    get_column,
    show_values,
)
from .means import BOOTSTRAP, bootstrap_cells, mean_pairs
from .metrics import Index, Mean, Proportion, Ratio
from .planning import PVALUE_ADJUSTMENTS, PValueAdjustment, adjust_pvalues
from .proportions import ProportionMethod, check_proportion_method, proportion_pairs
from .two_arms import warn_degenerate

__all__ = ["compare"]

Metric = str | tuple[str, str] | Proportion | Mean | Ratio | Index
_NORMAL_METHODS = ("delta", "fieller", "log")


def _resolve_metric(data: pd.DataFrame, metric: object) -> Proportion | Mean | Ratio | Index:
    if isinstance(metric, (Proportion, Mean, Ratio, Index)):
        return metric
    if isinstance(metric, str):
        column = get_column(data, metric, "metric")
        if column.dtype == bool or str(column.dtype) == "boolean":
            return Proportion(metric)
        return Mean(metric)
    if isinstance(metric, tuple) and len(metric) == 2 and all(isinstance(m, str) for m in metric):
        return Ratio(metric[0], metric[1])
    raise TypeError(
        "metric must be a column name (bool: conversion rate, numbers: mean), a pair "
        "(numerator, denominator) of column names, or a cx.ab.Proportion, Mean, Ratio or "
        f"Index; got {metric!r}"
    )


def _numbers(data: pd.DataFrame, column: str, argname: str) -> FloatArray:
    series = get_column(data, column, argname)
    if series.dtype == bool or str(series.dtype) == "boolean":
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(as_numeric_1d(series, f"{argname}={column!r}"), dtype=np.float64)


def _check_finite(x: FloatArray, what: str, nan_policy: str, allow_nan: bool) -> None:
    bad = np.isinf(x) if allow_nan else ~np.isfinite(x)
    if bad.any():
        raise ValueError(f"{what} must hold finite numbers; got {show_values(x[bad])}")
    if nan_policy == "raise" and np.isnan(x).any():
        raise ValueError(
            f"{what} holds {int(np.isnan(x).sum()):,} missing values (NaN) and "
            "nan_policy='raise' (use nan_policy='omit' to leave them out; they are "
            "counted in n_missing)"
        )


class _Cells:
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


def _cell_sums(codes: npt.NDArray[np.intp], n_cells: int, x: FloatArray | None) -> FloatArray:
    out: FloatArray = np.bincount(codes, weights=x, minlength=n_cells).astype(np.float64)
    return out


def _proportion(
    data: pd.DataFrame, spec: Proportion, cells: _Cells, nan_policy: str
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Successes, trials and missing units per cell."""
    codes, k = cells.codes, cells.n_cells
    s = _numbers(data, spec.successes, "successes")
    if spec.trials is None:
        _check_finite(s, f"metric column {spec.successes!r}", nan_policy, allow_nan=True)
        ok = ~np.isnan(s)
        if not np.isin(s[ok], (0.0, 1.0)).all():
            bad = s[ok][~np.isin(s[ok], (0.0, 1.0))]
            raise ValueError(
                f"conversion flags in {spec.successes!r} must be True/False or 0/1; got "
                f"{show_values(bad)}"
            )
        return (
            _cell_sums(codes[ok], k, s[ok]),
            _cell_sums(codes[ok], k, None),
            _cell_sums(codes[~ok], k, None),
        )
    n = _numbers(data, spec.trials, "trials")
    for x, name in ((s, spec.successes), (n, spec.trials)):
        _check_finite(x, f"column {name!r}", "raise", allow_nan=False)
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
    return _cell_sums(codes, k, s), _cell_sums(codes, k, n), np.zeros(k)


def compare(
    data: pd.DataFrame,
    *,
    group: str,
    control: Any,
    metric: Metric,
    by: str | Sequence[str] | None = None,
    ci_method: ProportionMethod = "delta",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    exact: bool | None = None,
    adjust: PValueAdjustment | None = None,
    covariate: str | None = None,
    nan_policy: Literal["raise", "omit"] = "raise",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> pd.DataFrame:
    """Compare every variant with the control, per segment: a tidy frame of lifts.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (visitor, respondent), or rows of sufficient statistics
        (several rows of one arm and segment add up).
    group : str
        Column naming each row's arm.
    control : scalar
        The control arm's value in ``group``.
    metric : str, tuple of str, Proportion, Mean, Ratio or Index
        What to compare:

        - a column name: a conversion rate for a bool column, else a mean;
        - ``(numerator, denominator)``: a ratio metric of per-unit columns;
        - :class:`cxlib.ab.Proportion`, :class:`cxlib.ab.Mean`,
          :class:`cxlib.ab.Ratio` for explicit or summed data;
        - :class:`cxlib.ab.Index` for a survey index (NPS, CSAT, ...) per arm.
    by : str or list of str, optional
        Segment column(s): each segment's variants against that segment's control.
    ci_method : str, default "delta"
        Interval method, as in :func:`compare_proportions` (conversion rates),
        :func:`compare_means` and :func:`compare_ratios`. Survey indices take
        ``"delta"``, ``"fieller"`` or ``"log"`` (normal approximation with the
        index's standard error); bootstrap methods need per-unit data.
    confidence_level : float, default 0.95
        Coverage of the intervals.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        ``"greater"``: the variant is above the control.
    exact : bool, optional
        Fisher's exact test for conversion rates (see :func:`compare_proportions`).
    adjust : {"holm", "bonferroni", "sidak", "hochberg", "fdr_bh", "fdr_by"}, optional
        Adds ``p_value_adjusted``, corrected over all rows of the result
        (:func:`adjust_pvalues`; ``"fdr_bh"`` is Benjamini-Hochberg).
    covariate : str, optional
        Column of a pre-experiment covariate for CUPED (per-unit means only): each
        value becomes ``y - theta (x - mean(x))`` with ``theta = cov(x, y) / var(x)``
        estimated per segment over all its arms (see :func:`cuped`).
    nan_policy : {"raise", "omit"}, default "raise"
        Missing per-unit values: an error, or left out and counted.
    n_resamples : int, default 9999
        Bootstrap resamples.
    rng : int, numpy.random.Generator, optional
        Seed or generator of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row per variant and segment: the ``by`` columns, ``group`` (the variant),
        ``control``, ``metric``, ``value_control``, ``value_variant``, ``n_control``,
        ``n_variant``, ``difference``, ``se``, ``ci_low``, ``ci_high``, ``lift``,
        ``lift_ci_low``, ``lift_ci_high``, ``statistic``, ``p_value``, ``test``
        (and ``n_missing_*``, ``p_value_adjusted`` where they apply).

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> summary = pd.DataFrame({
    ...     "arm": ["A", "B", "C"],
    ...     "conversions": [400, 504, 430],
    ...     "visitors": [10_000, 10_000, 10_000]})
    >>> table = cx.ab.compare(summary, group="arm", control="A",
    ...                       metric=cx.ab.Proportion("conversions", "visitors"))
    >>> table[["arm", "lift", "p_value"]].round(4)
      arm   lift  p_value
    0   B  0.260   0.0004
    1   C  0.075   0.2875
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("data has no rows")
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    policy = check_choice("nan_policy", nan_policy, ("raise", "omit"))
    b = check_n_resamples(n_resamples)
    gen = as_generator(rng)
    if adjust is not None:
        check_choice("adjust", adjust, PVALUE_ADJUSTMENTS)
    spec = _resolve_metric(data, metric)
    if covariate is not None and not (isinstance(spec, Mean) and spec.column is not None):
        raise ValueError(
            f"covariate (CUPED) applies to a mean of per-unit values; got metric {spec!r}"
        )
    by_names = [] if by is None else normalise_by(by)
    cells = _Cells(data, group, control, by_names)
    method = _check_method(spec, ci_method)
    valid = cells.control_cell >= 0
    vc, cc = cells.variant_cell[valid], cells.control_cell[valid]
    extra: dict[str, FloatArray] = {}
    name: str
    if isinstance(spec, Proportion):
        s, n, missing = _proportion(data, spec, cells, policy)
        ok = (n[cc] > 0) & (n[vc] > 0)
        vc, cc, valid = vc[ok], cc[ok], _narrow(valid, ok)
        pairs = proportion_pairs(
            s[cc],
            n[cc],
            s[vc],
            n[vc],
            method=method,
            level=level,
            alternative=alt,
            exact=exact,
            n_resamples=b,
            rng=gen,
        )
        name = "conversion_rate"
        if spec.trials is None:
            extra = {"n_missing_control": missing, "n_missing_variant": missing}
    elif isinstance(spec, Index):
        pairs, name = _index_pairs(data, spec, cells, vc, cc, method, level, alt)
    else:
        pairs, name, extra, ok = _continuous_pairs(
            data, spec, cells, vc, cc, method, level, alt, policy, b, gen, covariate
        )
        vc, cc, valid = vc[ok], cc[ok], _narrow(valid, ok)
    warn_degenerate(pairs, 2)
    if (~valid).any():
        warnings.warn(
            f"{int((~valid).sum()):,} variant rows have no control (or no units) in their "
            "segment: their comparison is NaN",
            DegenerateDataWarning,
            stacklevel=2,
        )
    return _frame(cells, pairs, valid, name, extra, adjust)


def _narrow(valid: npt.NDArray[np.bool_], ok: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    out: npt.NDArray[np.bool_] = valid.copy()
    out[np.flatnonzero(valid)[~ok]] = False
    return out


def _check_method(spec: object, ci_method: object) -> Any:
    if isinstance(spec, Proportion):
        return check_proportion_method(ci_method)
    if isinstance(spec, Index):
        return check_choice("ci_method", ci_method, _NORMAL_METHODS)
    method = check_choice("ci_method", ci_method, (*_NORMAL_METHODS, *BOOTSTRAP))
    summed = isinstance(spec, Mean) and spec.column is None
    summed = summed or (isinstance(spec, Ratio) and spec.summed)
    if summed and method in BOOTSTRAP:
        raise ValueError(
            f"ci_method={method!r} resamples units, but the metric is given as sums; "
            "use 'delta', 'fieller' or 'log', or per-unit rows"
        )
    return method


def _lift(method: str) -> LiftInterval:
    return method if method in ("fieller", "log") else "delta"  # type: ignore[return-value]


def _index_pairs(
    data: pd.DataFrame,
    spec: Index,
    cells: _Cells,
    vc: npt.NDArray[np.intp],
    cc: npt.NDArray[np.intp],
    method: str,
    level: float,
    alt: Any,
) -> tuple[Pairs, str]:
    keys = [*cells.by, cells.group]
    options = dict(spec.options)
    for reserved in ("by", "confidence_level"):
        if reserved in options:
            raise ValueError(f"Index options must not set {reserved!r}: compare sets it")
    result = spec.function(data, spec.columns, by=keys, confidence_level=level, **options)
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
        lift_method=_lift(method),
        test_name="z",
    )
    return pairs, str(result["metric"].iloc[0]) if len(result) else "index"


def _summed_cells(
    data: pd.DataFrame, spec: Mean | Ratio, cells: _Cells
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``n``, statistic, variance of the statistic and denominator sum per cell, from sums."""
    if isinstance(spec, Mean):
        names = [str(spec.n), str(spec.sum), str(spec.sum_squares)]
    else:
        names = [
            str(c)
            for c in (
                spec.n,
                spec.numerator,
                spec.denominator,
                spec.numerator_squares,
                spec.denominator_squares,
                spec.cross,
            )
        ]
    sums = []
    for name in names:
        x = _numbers(data, name, "metric")
        _check_finite(x, f"column {name!r}", "raise", allow_nan=False)
        sums.append(_cell_sums(cells.codes, cells.n_cells, x))
    n = sums[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        if isinstance(spec, Mean):
            stat = sums[1] / n
            var = np.maximum(sums[2] - sums[1] * stat, 0.0) / (n - 1) / n
            return n, stat, var, n
        stats = np.stack(sums, axis=1)
        return n, sums[1] / sums[2], ratio_variance(stats), sums[2]


def _unit_cells(
    columns: FloatArray, codes: npt.NDArray[np.intp], k: int, is_mean: bool
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``n``, statistic, variance of the statistic and denominator sum per cell, from rows.

    A mean is the ratio of the values to a denominator of ones; :func:`ratio_sums`
    takes the residuals about each cell's statistic in a second pass, which avoids the
    cancellation of sums of squares.
    """
    denominator = np.ones(columns.shape[1]) if is_mean else columns[1]
    sums = ratio_sums(columns[0], denominator, codes, k)
    return sums.clusters, sums.ratio, sums.se**2, sums.x


def _cuped_by_segment(
    y: FloatArray, x: FloatArray, segment: npt.NDArray[np.intp], n_segments: int
) -> FloatArray:
    """CUPED-adjusted values with the slope of ``y`` on ``x`` estimated per segment."""
    n = _cell_sums(segment, n_segments, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        mx = _cell_sums(segment, n_segments, x) / n
        my = _cell_sums(segment, n_segments, y) / n
        dx = x - mx[segment]
        sxx = _cell_sums(segment, n_segments, dx * dx)
        sxy = _cell_sums(segment, n_segments, dx * (y - my[segment]))
        flat = ~(sxx > 0)
        theta = np.where(flat, 0.0, sxy / sxx)
    if flat.any():
        warnings.warn(
            f"the covariate does not vary in {int(flat.sum()):,} of {n_segments:,} "
            "segments: CUPED leaves their values unadjusted",
            DegenerateDataWarning,
            stacklevel=4,
        )
    adjusted: FloatArray = y - theta[segment] * dx
    return adjusted


def _continuous_pairs(
    data: pd.DataFrame,
    spec: Mean | Ratio,
    cells: _Cells,
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
    is_mean = isinstance(spec, Mean)
    name = "mean" if is_mean else "ratio"
    summed = spec.column is None if isinstance(spec, Mean) else spec.summed
    extra: dict[str, FloatArray] = {}
    codes, k = cells.codes, cells.n_cells
    columns = np.empty((0, 0))
    if summed:
        n, stat, var, denominator = _summed_cells(data, spec, cells)
    else:
        if isinstance(spec, Mean):
            columns = _numbers(data, str(spec.column), "metric")[None, :]
            what = f"metric column {spec.column!r}"
            if covariate is not None:
                columns = np.vstack([columns, _numbers(data, covariate, "covariate")[None, :]])
                what += f" / covariate {covariate!r}"
        else:
            columns = np.stack(
                [
                    _numbers(data, spec.numerator, "numerator"),
                    _numbers(data, spec.denominator, "denominator"),
                ]
            )
            what = f"metric columns {spec.numerator!r} / {spec.denominator!r}"
        for row in columns:
            _check_finite(row, what, policy, allow_nan=True)
        missing_row = np.isnan(columns).any(axis=0)
        missing = _cell_sums(codes[missing_row], k, None)
        extra = {"n_missing_control": missing, "n_missing_variant": missing}
        columns, codes = columns[:, ~missing_row], codes[~missing_row]
        if covariate is not None:
            columns = _cuped_by_segment(
                columns[0], columns[1], cells.segment[codes], cells.n_segments
            )[None, :]
        n, stat, var, denominator = _unit_cells(columns, codes, k, is_mean)
    ok = (n[cc] >= 2) & (n[vc] >= 2) & (denominator[cc] != 0) & (denominator[vc] != 0)
    vc, cc = vc[ok], cc[ok]
    if method in BOOTSTRAP:
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
            se_cells=np.sqrt(var),
        )
    elif is_mean:
        sd = np.sqrt(var * n)
        pairs = mean_pairs(
            n[cc],
            stat[cc],
            sd[cc],
            n[vc],
            stat[vc],
            sd[vc],
            lift_method=_lift(method),
            level=level,
            alternative=alt,
        )
    else:
        pairs = normal_pairs(
            stat[cc],
            stat[vc],
            var[cc],
            var[vc],
            n[cc],
            n[vc],
            level=level,
            alternative=alt,
            lift_method=_lift(method),
            test_name="z",
        )
    return pairs, name, extra, ok


def _constant(value: Any, rows: int) -> Any:
    """A column repeating ``value``, in the dtype pandas infers for it, without per-row work."""
    return pd.Series([value]).array.take(np.zeros(rows, dtype=np.intp))


def _frame(
    cells: _Cells,
    pairs: Pairs,
    valid: npt.NDArray[np.bool_],
    name: str,
    extra: dict[str, FloatArray],
    adjust: PValueAdjustment | None,
) -> pd.DataFrame:
    rows = len(valid)
    idx = np.flatnonzero(valid)
    every = len(idx) == rows

    def spread(x: npt.NDArray[Any]) -> FloatArray:
        if every:
            return np.asarray(x, dtype=np.float64)
        out = np.full(rows, np.nan)
        out[idx] = x
        return out

    columns: dict[Hashable, Any] = {
        "control": _constant(cells.control, rows),
        "metric": _constant(name, rows),
        "value_control": spread(pairs.control),
        "value_variant": spread(pairs.variant),
        "n_control": spread(pairs.n_control),
        "n_variant": spread(pairs.n_variant),
    }
    control_cells = cells.control_cell
    for key, values in extra.items():
        cell = control_cells if key.endswith("control") else cells.variant_cell
        columns[key] = np.where(cell >= 0, values[np.maximum(cell, 0)], np.nan)
    # Test names through their codes: one string per distinct test, None where not valid.
    tests, test_code = np.unique(pairs.test, return_inverse=True)
    codes = np.full(rows, len(tests), dtype=np.intp)
    codes[idx] = test_code.ravel()
    columns.update(
        difference=spread(pairs.difference),
        se=spread(pairs.se),
        ci_low=spread(pairs.ci_low),
        ci_high=spread(pairs.ci_high),
        lift=spread(pairs.lift),
        lift_ci_low=spread(pairs.lift_low),
        lift_ci_high=spread(pairs.lift_high),
        statistic=spread(pairs.statistic),
        p_value=spread(pairs.p_value),
        test=pd.Series([*tests.tolist(), None]).array.take(codes),
    )
    if adjust is not None:
        p = columns["p_value"]
        adjusted = np.full(rows, np.nan)
        finite = np.isfinite(p)
        if finite.any():
            adjusted[finite] = adjust_pvalues(p[finite], adjust)
        columns["p_value_adjusted"] = adjusted
    for col in ("n_control", "n_variant", "n_missing_control", "n_missing_variant"):
        if col in columns and not np.isnan(columns[col]).any():
            columns[col] = columns[col].astype(np.int64)
    keys = cells.key_columns(cells.variant_cell)
    overlap = set(keys) & set(columns)
    if overlap:
        raise ValueError(
            f"by column(s) {sorted(map(str, overlap))} clash with result columns; rename them"
        )
    frame: pd.DataFrame = pd.DataFrame({**keys, **columns})
    return frame
