"""``cx.ab.compare`` on a frame of another engine: per-cell statistics in the engine.

Per-unit metrics are reduced in the engine to one row per arm and segment: the
number of units and of successes for a conversion rate; the count, means and
centred second moments (two passes, see :func:`cxlib.core.frames.centred_moments`)
for a mean or a ratio. That small table is compared by the summary path of
:func:`cxlib.ab.compare`, which gives the same numbers as the per-unit path. Metrics
given as summary rows (already small) are collected as they are.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from ..core.errors import CoverageWarning
from ..core.frames import EngineFrame, centred_moments, collect
from ..core.grouping import normalise_by
from ..core.statistics import CentredMoments
from .metrics import Index, Mean, Proportion, Ratio
from .skewness import skewness_warning

__all__ = ["engine_compare"]

_BOOTSTRAP = ("percentile", "basic", "bca")


def _per_unit(ef: EngineFrame, metric: object) -> Proportion | Mean | Ratio | None:
    """The per-unit metric, or None for summary rows (collected as they are)."""
    if isinstance(metric, str):
        column = ef.require(metric, "metric")
        dtype = ef.schema[column]
        if dtype == nw.Boolean:
            return Proportion(column)
        if not dtype.is_numeric():
            raise TypeError(
                f"metric column {column!r} must hold numbers or booleans; got {dtype} in "
                f"the {ef.engine} frame"
            )
        return Mean(column)
    if isinstance(metric, tuple) and len(metric) == 2:
        return Ratio(*(ef.require(c, "metric") for c in metric))
    if isinstance(metric, Proportion):
        return metric if metric.trials is None else None
    if isinstance(metric, Mean):
        return metric if metric.column is not None else None
    if isinstance(metric, Ratio):
        return None if metric.summed else metric
    if isinstance(metric, Index):
        raise ValueError(
            f"metric=Index(...) compares survey indices of rows in a pandas DataFrame; "
            f"the {ef.engine} frame gives each index per arm as cx.nps(frame, ..., "
            "by=group) does, whose results cx.compare_estimates compares"
        )
    raise TypeError(
        "metric must be a column name, a (numerator, denominator) tuple, or a "
        f"Proportion, Mean, Ratio or Index; got {metric!r}"
    )


def _summary_columns(metric: Proportion | Mean | Ratio) -> list[str]:
    names = [v for k, v in vars(metric).items() if isinstance(v, str)]
    return list(dict.fromkeys(names))


def _proportions(
    ef: EngineFrame, keys: list[str], column: str
) -> tuple[pd.DataFrame, Proportion, pd.Series[Any]]:
    flag = nw.col(column)
    if ef.schema[column] != nw.Boolean:
        # 0/1 values: anything else is an error, checked on the distinct values.
        distinct = collect(ef.frame.select(flag.cast(nw.Float64)).unique())[column]
        values = distinct.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = values[~np.isnan(values) & (values != 0.0) & (values != 1.0)]
        if len(bad):
            raise ValueError(
                f"metric column {column!r} must hold 0/1 or booleans for a conversion "
                f"rate; found {sorted(bad.tolist())[:5]}"
            )
    prepared = ef.frame.with_columns(
        flag.cast(nw.Float64).alias("__cx_success"),
        (~flag.is_null()).cast(nw.Int64).alias("__cx_trial"),
        flag.is_null().cast(nw.Int64).alias("__cx_missing"),
    )
    table = collect(
        prepared.group_by(*keys, drop_null_keys=False).agg(
            nw.col("__cx_success").sum(), nw.col("__cx_trial").sum(), nw.col("__cx_missing").sum()
        )
    )
    table = table.rename(
        columns={"__cx_success": "successes", "__cx_trial": "trials", "__cx_missing": "n_missing"}
    )
    table["successes"] = np.rint(table["successes"].fillna(0).to_numpy(np.float64)).astype(np.int64)
    return table, Proportion("successes", "trials"), table["n_missing"]


def _moments(
    ef: EngineFrame, keys: list[str], metric: Mean | Ratio
) -> tuple[pd.DataFrame, Mean | Ratio, pd.Series[Any]]:
    if isinstance(metric, Mean):
        assert metric.column is not None
        column = metric.column
        table = centred_moments(ef, keys, [column], third=True)
        n = table["n"].to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            table["var"] = table[f"m2_{column}"] / (n - 1)
        table = table.rename(
            columns={f"mean_{column}": "mean", f"m2_{column}": "m2", f"m3_{column}": "m3"}
        )
        return table, Mean(n="n", mean="mean", var="var"), table["n_missing"]
    num, den = metric.numerator, metric.denominator
    assert num is not None
    assert den is not None
    table = centred_moments(ef, keys, [num, den], [(num, den)])
    n = table["n"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["num_var"] = table[f"m2_{num}"] / (n - 1)
        table["den_var"] = table[f"m2_{den}"] / (n - 1)
        table["cov"] = table[f"c2_{num}_{den}"] / (n - 1)
    table = table.rename(columns={f"mean_{num}": "num_mean", f"mean_{den}": "den_mean"})
    spec = Ratio(
        n="n",
        numerator_mean="num_mean",
        denominator_mean="den_mean",
        numerator_var="num_var",
        denominator_var="den_var",
        covariance="cov",
    )
    return table, spec, table["n_missing"]


def engine_compare(
    ef: EngineFrame,
    compare: Callable[..., pd.DataFrame],
    *,
    group: str,
    metric: object,
    by: str | Sequence[str] | None,
    ci_method: str,
    covariate: str | None,
    nan_policy: str,
    **options: Any,
) -> pd.DataFrame:
    """:func:`cxlib.ab.compare` of an engine frame (see there for the arguments)."""
    group = ef.require(group, "group")
    segments = [] if by is None else [ef.require(b, "by") for b in normalise_by(by)]
    keys = [group, *segments]
    unit = _per_unit(ef, metric)
    if unit is None:  # summary rows: small already
        assert isinstance(metric, (Proportion, Mean, Ratio))
        columns = [ef.require(c, "metric") for c in _summary_columns(metric)]
        rows = collect(ef.frame.select(*dict.fromkeys([*keys, *columns])))
        return compare(
            rows,
            group=group,
            metric=metric,
            by=by,
            ci_method=ci_method,
            covariate=covariate,
            nan_policy=nan_policy,
            **options,
        )
    if covariate is not None:
        raise ValueError(
            f"covariate (CUPED) needs the per-unit rows in a pandas DataFrame; the "
            f"{ef.engine} frame is compared without it (or collect the columns first)"
        )
    if ci_method in _BOOTSTRAP:
        raise ValueError(
            f"ci_method={ci_method!r} resamples units, which stay in the {ef.engine} frame; "
            "use 'fieller' (the default), 'delta' or 'log'"
        )
    spec: Proportion | Mean | Ratio
    if isinstance(unit, Proportion):
        table, spec, missing = _proportions(ef, keys, unit.successes)
    else:
        table, spec, missing = _moments(ef, keys, unit)
    if nan_policy == "raise" and int(missing.sum()):
        raise ValueError(
            f"metric has {int(missing.sum())} missing value(s) and nan_policy='raise'; use "
            "nan_policy='omit' to skip and count them"
        )
    with warnings.catch_warnings():
        # The summary rows carry no third moment: the skewness rule is applied below,
        # from the engine's moments, as the per-unit path applies it.
        warnings.simplefilter("ignore", CoverageWarning)
        out = compare(
            table,
            group=group,
            metric=spec,
            by=by,
            ci_method=ci_method,
            nan_policy="omit",
            **options,
        )
    cells = _cells(out, table, keys)
    if isinstance(spec, Mean):
        _skewness(out, table, cells, ci_method, options["confidence_level"])
    return _with_missing(out, cells, missing, nan_policy)


def _cells(out: pd.DataFrame, table: pd.DataFrame, keys: list[str]) -> tuple[Any, Any]:
    """Positions in ``table`` of each comparison's control and variant cells (-1: none)."""
    group, segments = keys[0], keys[1:]
    positions = table[keys].assign(__cx_row=np.arange(len(table)))
    variant = out[keys].merge(positions, on=keys, how="left")["__cx_row"]
    control_keys = out[segments].assign(**{group: out["control"]})[keys]
    control = control_keys.merge(positions, on=keys, how="left")["__cx_row"]
    return (
        control.fillna(-1).to_numpy(dtype=np.intp),
        variant.fillna(-1).to_numpy(dtype=np.intp),
    )


def _skewness(
    out: pd.DataFrame, table: pd.DataFrame, cells: tuple[Any, Any], method: str, level: float
) -> None:
    """The CoverageWarning of skewed values, from the per-cell moments of the engine."""
    control, variant = cells
    ok = (control >= 0) & (variant >= 0) & out["difference"].notna().to_numpy()
    if not ok.any():
        return

    def moments(rows: Any) -> CentredMoments:
        n = table["n"].to_numpy(dtype=np.float64)[rows]
        return CentredMoments(
            n=n,
            weight=n,
            mean=table["mean"].to_numpy(dtype=np.float64)[rows][:, None],
            comoment=table["m2"].to_numpy(dtype=np.float64)[rows][:, None, None],
            m3=table["m3"].to_numpy(dtype=np.float64)[rows][:, None],
        )

    skewness_warning(moments(control[ok]), moments(variant[ok]), method=method, level=level)


def _with_missing(
    out: pd.DataFrame, cells: tuple[Any, Any], missing: pd.Series[Any], nan_policy: str
) -> pd.DataFrame:
    """Each side's missing values, as the per-unit path reports them."""
    counts = missing.to_numpy(dtype=np.float64)
    control_row, variant_row = cells
    control = np.where(control_row >= 0, counts[control_row], np.nan)
    variant = np.where(variant_row >= 0, counts[variant_row], np.nan)
    position = list(out.columns).index("n_variant") + 1
    out.insert(position, "n_missing_control", control)
    out.insert(position + 1, "n_missing_variant", variant)
    if nan_policy == "propagate":  # as the per-unit path: the tainted side, and the comparison
        out.loc[control > 0, "value_control"] = np.nan
        out.loc[variant > 0, "value_variant"] = np.nan
        after = out.columns[position + 2 :]
        numbers = [c for c in after if pd.api.types.is_float_dtype(out[c])]
        out.loc[(control > 0) | (variant > 0), numbers] = np.nan
    return out
