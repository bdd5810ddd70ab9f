"""``cx.ab.compare`` on a frame of another engine: per-cell statistics in the engine.

Per-unit metrics are reduced in the engine to one row per arm and segment: the
number of units and of successes for a conversion rate; the count, means and
centred second moments (two passes, see :func:`cxlib.core.frames.centred_moments`)
for a mean or a ratio (:mod:`cxlib.ab.engine_cells`). That small table is compared
by the summary path of :func:`cxlib.ab.compare`, which gives the same numbers as the
per-unit path. Metrics given as summary rows (already small) are collected as they
are.

CUPED (``covariate=``, one covariate or several, of a mean or a ratio) needs the
co-moments of the values and the covariates per cell, taken about the mean of the
cell's segment so that the cells merge into the segment's ``theta`` without the
rounding of their means (:mod:`cxlib.ab.engine_cuped`). A
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
from ..core.frames import EngineFrame, collect
from ..core.grouping import normalise_by
from ..core.statistics import CentredMoments
from ..core.validation import check_choice
from .cuped_multi import check_covariate
from .engine_cells import check_arms, moment_table, proportion_table
from .engine_cuped import cuped_table
from .metrics import Index, Mean, Proportion, Quantile, Ratio
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


def engine_compare(
    ef: EngineFrame,
    compare: Callable[..., pd.DataFrame],
    *,
    group: str,
    metric: object,
    by: str | Sequence[str] | None,
    ci_method: str,
    covariate: Any,
    nan_policy: str,
    **options: Any,
) -> pd.DataFrame:
    """:func:`cxlib.ab.compare` of an engine frame (see there for the arguments)."""
    group = ef.require(group, "group")
    segments = [] if by is None else [ef.require(b, "by") for b in normalise_by(by)]
    if group in segments:
        raise ValueError(f"group={group!r} must not also be a by column")
    keys = [group, *segments]
    if isinstance(metric, Index):
        return _index(ef, compare, metric, keys, by, ci_method, covariate, nan_policy, options)
    if isinstance(metric, Quantile):  # quantiles need the values: collect the column
        column = ef.require(metric.column, "metric")
        rows = collect(ef.frame.select(*dict.fromkeys([*keys, column])))
        return compare(
            rows, group=group, metric=metric, by=by, ci_method=ci_method,
            covariate=covariate, nan_policy=nan_policy, **options,
        )  # fmt: skip
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
        covariate = _covariate(ef, covariate, unit, ci_method)
    if ci_method in _BOOTSTRAP:
        raise ValueError(
            f"ci_method={ci_method!r} resamples units, which stay in the {ef.engine} frame; "
            "use 'fieller' (the default), 'delta' or 'log'"
        )
    spec: Proportion | Mean | Ratio
    if isinstance(unit, Proportion):
        table, spec, missing = proportion_table(ef, keys, unit.successes)
    elif covariate is not None:
        assert isinstance(unit, Mean | Ratio)
        table, spec, missing = cuped_table(ef, keys, unit, covariate)
    else:
        table, spec, missing = moment_table(ef, keys, unit)
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


def _covariate(
    ef: EngineFrame, covariate: object, unit: Proportion | Mean | Ratio, ci_method: str
) -> str | list[str]:
    """The covariate column(s), checked as the per-unit path checks them, and numeric."""
    names = check_covariate(unit, covariate, ci_method)
    assert names is not None
    for name in [names] if isinstance(names, str) else names:
        column = ef.require(name, "covariate")
        dtype = ef.schema[column]
        if not (dtype == nw.Boolean or dtype.is_numeric()):
            raise TypeError(
                f"covariate column {column!r} must hold numbers; got {dtype} in the "
                f"{ef.engine} frame"
            )
    return names


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
            "covariate (CUPED) applies to a mean or a ratio metric of per-unit values; "
            f"got metric {metric!r}"
        )
    check_choice("ci_method", ci_method, ("delta", "fieller", "log"))
    extra = dict(metric.options)
    for reserved in ("by", "confidence_level", "nan_policy"):
        if reserved in extra:
            raise ValueError(f"Index options must not set {reserved!r}: compare sets it")
    group, segments = keys[0], keys[1:]
    cell_keys = [*segments, group]  # the order the per-unit path groups by
    result = metric.function(
        ef.native,
        metric.columns,
        by=cell_keys,
        confidence_level=options["confidence_level"],
        nan_policy=nan_policy,
        **extra,
    )
    if not isinstance(result, pd.DataFrame):  # pragma: no cover - index contract
        raise TypeError("the index function must return a DataFrame when given by=")
    check_arms(result, group, result["n"] + result.get("n_missing", 0))

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
