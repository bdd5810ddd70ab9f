"""``cx.ab.compare`` on a frame of another engine: per-cell statistics in the engine.

Per-unit metrics are reduced in the engine to one row per arm and segment: the
number of units and of successes for a conversion rate; the count, means and
centred second moments (two passes, see :func:`cxlib.core.frames.centred_moments`)
for a mean or a ratio. That small table is compared by the summary path of
:func:`cxlib.ab.compare`, which gives the same numbers as the per-unit path. Metrics
given as summary rows (already small) are collected as they are.

CUPED (``covariate=``) needs the co-moments of the values and the covariate: per
cell for the adjusted means and variances, and per segment, from the units of all
its arms, for ``theta`` (as the per-unit path, from the rows rather than merged from
the cells, whose rounded means would carry into ``theta`` at large offsets). A
survey index (:class:`~cxlib.ab.Index`) is computed per cell by its own function,
which counts the answers in the engine; its values and standard errors are compared
as the per-unit path compares them.
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
from ..core.validation import check_choice
from .cuped import adjust_cells
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
        table = table.rename(
            columns={f"mean_{column}": "mean", f"m2_{column}": "m2", f"m3_{column}": "m3"}
        )
        _summaries(table, ["mean"], {"var": "m2"})
        return table, Mean(n="n", mean="mean", var="var"), table["n_missing"]
    num, den = metric.numerator, metric.denominator
    assert num is not None
    assert den is not None
    table = centred_moments(ef, keys, [num, den], [(num, den)])
    table = table.rename(columns={f"mean_{num}": "num_mean", f"mean_{den}": "den_mean"})
    second = {"num_var": f"m2_{num}", "den_var": f"m2_{den}", "cov": f"c2_{num}_{den}"}
    _summaries(table, ["num_mean", "den_mean"], second)
    spec = Ratio(
        n="n",
        numerator_mean="num_mean",
        denominator_mean="den_mean",
        numerator_var="num_var",
        denominator_var="den_var",
        covariance="cov",
    )
    return table, spec, table["n_missing"]


def _summaries(table: pd.DataFrame, means: list[str], second: dict[str, str]) -> None:
    """Summary columns of each cell in place: (co)variances from the co-moments.

    Cells with fewer than two units have no variance and cells without units no mean;
    they hold 0 there, which the summary rows read as n gives them (their comparisons
    need two units a side, as on the per-unit path).
    """
    n = table["n"].to_numpy(dtype=np.float64)
    for column in means:
        table[column] = np.where(n > 0, table[column].to_numpy(dtype=np.float64), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, comoment in second.items():
            values = table[comoment].to_numpy(dtype=np.float64)
            table[name] = np.where(n >= 2, values / (n - 1.0), 0.0)


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
    if isinstance(metric, Index):
        return _index(ef, compare, metric, keys, by, ci_method, covariate, nan_policy, options)
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
        covariate = _covariate(ef, covariate, unit)
    if ci_method in _BOOTSTRAP:
        raise ValueError(
            f"ci_method={ci_method!r} resamples units, which stay in the {ef.engine} frame; "
            "use 'fieller' (the default), 'delta' or 'log'"
        )
    spec: Proportion | Mean | Ratio
    if isinstance(unit, Proportion):
        table, spec, missing = _proportions(ef, keys, unit.successes)
        _check_arms(table, group, table["trials"] + missing)
    elif covariate is not None:
        assert isinstance(unit, Mean)
        assert unit.column is not None
        table, spec, missing = _cuped(ef, keys, unit.column, covariate)
    else:
        table, spec, missing = _moments(ef, keys, unit)
        _check_arms(table, group, table["n"] + missing)
    if nan_policy == "raise" and int(missing.sum()):
        what = "metric" if covariate is None else "metric or covariate"
        raise ValueError(
            f"{what} has {int(missing.sum())} missing value(s) and nan_policy='raise'; use "
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


def _check_arms(table: pd.DataFrame, group: str, units: pd.Series[Any]) -> None:
    """Every unit in an arm, as the per-unit path requires (counted over the units)."""
    orphans = table[group].isna().to_numpy()
    if orphans.any():
        count = int(units.to_numpy(dtype=np.float64)[orphans].sum())
        raise ValueError(
            f"group={group!r} has {count:,} missing values; every unit must belong to an arm"
        )


def _covariate(ef: EngineFrame, covariate: object, unit: Proportion | Mean | Ratio) -> str:
    """The covariate column, for a mean of per-unit values only (as the per-unit path)."""
    if not isinstance(unit, Mean):
        raise ValueError(
            f"covariate (CUPED) applies to a mean of per-unit values; got metric {unit!r}"
        )
    column = ef.require(covariate, "covariate")
    dtype = ef.schema[column]
    if not (dtype == nw.Boolean or dtype.is_numeric()):
        raise TypeError(
            f"covariate column {column!r} must hold numbers; got {dtype} in the {ef.engine} frame"
        )
    return column


def _cuped(
    ef: EngineFrame, keys: list[str], column: str, covariate: str
) -> tuple[pd.DataFrame, Mean, pd.Series[Any]]:
    """Per-cell moments of the CUPED-adjusted values, from co-moments in the engine.

    Two reductions, each in two passes: the cells' moments of ``(y, x)`` (with the
    third moments, for the skewness of the adjusted values) and the segments' (for
    ``theta``, from their units as the per-unit path has it).
    """
    group, segments = keys[0], keys[1:]
    y, x = column, covariate
    pair = [(y, x)]
    table = centred_moments(ef, keys, [y, x], pair, third=True)
    _check_arms(table, group, table["n"] + table["n_missing"])
    per_segment = centred_moments(ef, segments, [y, x], pair)
    if segments:
        where = per_segment[segments].assign(__cx_segment=np.arange(len(per_segment)))
        found = table[segments].merge(where, on=segments, how="left")["__cx_segment"]
        segment_of_cell = found.to_numpy(dtype=np.intp)
    else:
        segment_of_cell = np.zeros(len(table), dtype=np.intp)
    moments, t, _ = adjust_cells(
        _pair_moments(table, y, x), _pair_moments(per_segment, y, x), segment_of_cell
    )

    def third(name: str) -> Any:
        return table[name].to_numpy(dtype=np.float64)

    out = table[keys].copy()
    out["n"] = table["n"]
    out["mean"] = moments.mean[:, 0]
    out["m2"] = moments.comoment[:, 0, 0]
    # M3 of y - t x (x's centre drops out of the deviations), expanded in the engine's
    # centred third moments.
    out["m3"] = (
        third(f"m3_{y}")
        - 3.0 * t * third(f"c3_{y}_{y}_{x}")
        + 3.0 * t * t * third(f"c3_{y}_{x}_{x}")
        - t**3 * third(f"m3_{x}")
    )
    out["n_missing"] = table["n_missing"]
    _summaries(out, ["mean"], {"var": "m2"})
    return out, Mean(n="n", mean="mean", var="var"), out["n_missing"]


def _pair_moments(table: pd.DataFrame, y: str, x: str) -> CentredMoments:
    """The moments of the columns ``(y, x)`` of a table of :func:`centred_moments`.

    Groups without units get co-moments 0, as :func:`cxlib.core.statistics.summarise`
    gives them.
    """
    n = table["n"].to_numpy(dtype=np.float64)
    mean = np.stack([table[f"mean_{c}"].to_numpy(dtype=np.float64) for c in (y, x)], axis=1)
    cyy, cxx, cxy = (
        np.nan_to_num(table[name].to_numpy(dtype=np.float64))
        for name in (f"m2_{y}", f"m2_{x}", f"c2_{y}_{x}")
    )
    comoment = np.stack([np.stack([cyy, cxy], axis=1), np.stack([cxy, cxx], axis=1)], axis=1)
    return CentredMoments(n=n, weight=n, mean=mean, comoment=comoment)


def _index(
    ef: EngineFrame,
    compare: Callable[..., pd.DataFrame],
    metric: Index,
    keys: list[str],
    by: str | Sequence[str] | None,
    ci_method: str,
    covariate: str | None,
    nan_policy: str,
    options: dict[str, Any],
) -> pd.DataFrame:
    """A survey index per cell by its own function (answers counted in the engine).

    The index functions read engine frames: they count the answers per cell in the
    engine, and their value, standard error and ``n`` per cell are all the comparison
    uses. ``compare`` then runs on the table of cells, with an index function that
    returns what was computed.
    """
    if covariate is not None:
        raise ValueError(
            f"covariate (CUPED) applies to a mean of per-unit values; got metric {metric!r}"
        )
    check_choice("ci_method", ci_method, ("delta", "fieller", "log"))
    extra = dict(metric.options)
    for reserved in ("by", "confidence_level", "nan_policy"):
        if reserved in extra:
            raise ValueError(f"Index options must not set {reserved!r}: compare sets it")
    group, segments = keys[0], keys[1:]
    cell_keys = [*segments, group]  # the order the per-unit path groups by
    result = metric.function(
        ef.frame.to_native(),
        metric.columns,
        by=cell_keys,
        confidence_level=options["confidence_level"],
        nan_policy=nan_policy,
        **extra,
    )
    if not isinstance(result, pd.DataFrame):  # pragma: no cover - index contract
        raise TypeError("the index function must return a DataFrame when given by=")
    _check_arms(result, group, result["n"] + result.get("n_missing", 0))

    def computed(*_: Any, **__: Any) -> pd.DataFrame:
        return result

    return compare(
        result[cell_keys],
        group=group,
        metric=Index(computed, metric.columns),
        by=by,
        ci_method=ci_method,
        nan_policy=nan_policy,
        **options,
    )


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
