"""Weighted co-moments of the outcome and the drivers per group, reduced in the engine.

The unweighted case is :func:`cxlib.core.frames.centred_moments`; with survey weights
``w`` the same two passes run in one query: the weighted group mean of each column as a
window (``sum(w x) / sum(w)`` over the group), then the sums of ``w``, ``w d`` and
``w d_i d_j`` of the deviations ``d`` from it. The co-moments are
``sum(w d_i d_j) - sum(w d_i) sum(w d_j) / sum(w)`` and the means the window means
plus ``sum(w d) / sum(w)`` (the corrected two-pass algorithm: the correction absorbs
the rounding of the window mean), so values far from zero keep their digits. Rows with
a missing outcome or driver are left out and counted.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from ..core.frames import EngineFrame, collect

__all__ = ["weighted_moments"]


def _value(ef: EngineFrame, column: str) -> nw.Expr:
    """The column as a float, NaN read as missing (as pandas reads it)."""
    col = nw.col(column)
    if ef.is_float(column):
        col = nw.when(~col.is_nan()).then(col)
    return col.cast(nw.Float64)


def _over(expr: nw.Expr, keys: list[str]) -> nw.Expr:
    return expr.over(*keys) if keys else expr


def weighted_moments(
    ef: EngineFrame, keys: list[str], names: list[str], weights: str
) -> pd.DataFrame:
    """Per group: ``n`` (complete rows of positive weight), ``n_missing``, ``sum_w``,
    ``mean_<c>`` and the co-moments ``m2_<c>`` and ``c2_<a>_<b>`` (``a`` before ``b``
    in ``names``), sorted by the keys, missing keys last."""
    k = len(names)
    values = [_value(ef, c).alias(f"__cx_x_{i}") for i, c in enumerate(names)]
    prepared = ef.frame.with_columns(*values, nw.col(weights).cast(nw.Float64).alias("__cx_w"))
    ok = nw.all_horizontal(
        *(~nw.col(f"__cx_x_{i}").is_null() for i in range(k)), ignore_nulls=False
    )
    prepared = prepared.with_columns(ok.cast(nw.Int64).alias("__cx_ok"))
    kept = prepared.filter(nw.col("__cx_ok") == 1)
    w = nw.col("__cx_w")
    total = _over(w.sum(), keys)
    # Products first: some engines (pyarrow) take only plain sums over a window.
    kept = kept.with_columns(*((w * nw.col(f"__cx_x_{i}")).alias(f"__cx_wx_{i}") for i in range(k)))
    kept = kept.with_columns(
        *(
            (_over(nw.col(f"__cx_wx_{i}").sum(), keys) / total).alias(f"__cx_m_{i}")
            for i in range(k)
        )
    )
    kept = kept.with_columns(
        *((nw.col(f"__cx_x_{i}") - nw.col(f"__cx_m_{i}")).alias(f"__cx_d_{i}") for i in range(k))
    )
    pairs = [(i, j) for i in range(k) for j in range(i, k)]
    kept = kept.with_columns(
        (w > 0).cast(nw.Int64).alias("__cx_pos"),
        *((w * nw.col(f"__cx_d_{i}")).alias(f"__cx_wd_{i}") for i in range(k)),
        *(
            (w * nw.col(f"__cx_d_{i}") * nw.col(f"__cx_d_{j}")).alias(f"__cx_wdd_{i}_{j}")
            for i, j in pairs
        ),
    )
    sums = [nw.col("__cx_pos").sum(), w.sum()]
    sums += [nw.col(f"__cx_m_{i}").max() for i in range(k)]
    sums += [nw.col(f"__cx_wd_{i}").sum() for i in range(k)]
    sums += [nw.col(f"__cx_wdd_{i}_{j}").sum() for i, j in pairs]
    reduced = kept.group_by(*keys, drop_null_keys=False).agg(*sums) if keys else kept.select(*sums)
    prepared = prepared.with_columns((1 - nw.col("__cx_ok")).alias("__cx_miss"))
    missing = nw.col("__cx_miss").sum().alias("__cx_n_missing")
    miss = (
        prepared.group_by(*keys, drop_null_keys=False).agg(missing)
        if keys
        else prepared.select(missing)
    )
    table, missing_table = collect(reduced), collect(miss)
    if keys:
        table = missing_table.merge(table, on=keys, how="left")
    else:
        table = pd.concat([missing_table, table], axis=1)
    return _assemble(table, keys, names, pairs)


def _assemble(
    table: pd.DataFrame, keys: list[str], names: list[str], pairs: list[tuple[int, int]]
) -> pd.DataFrame:
    def column(name: str) -> Any:
        return table[name].to_numpy(dtype=np.float64, na_value=np.nan)

    sw = np.nan_to_num(column("__cx_w"))
    out = table[keys].copy() if keys else pd.DataFrame(index=range(len(table)))
    out["n"] = np.nan_to_num(column("__cx_pos")).astype(np.int64)
    out["n_missing"] = np.nan_to_num(column("__cx_n_missing")).astype(np.int64)
    out["sum_w"] = sw
    with np.errstate(divide="ignore", invalid="ignore"):
        first = {i: column(f"__cx_wd_{i}") for i in range(len(names))}
        for i, c in enumerate(names):
            out[f"mean_{c}"] = np.where(sw > 0, column(f"__cx_m_{i}") + first[i] / sw, np.nan)
        for i, j in pairs:
            c2 = np.where(sw > 0, column(f"__cx_wdd_{i}_{j}") - first[i] * first[j] / sw, 0.0)
            name = f"m2_{names[i]}" if i == j else f"c2_{names[i]}_{names[j]}"
            out[name] = c2
    if not keys or out.empty:
        return out.reset_index(drop=True)
    ordered = out.sort_values(keys, na_position="last", kind="stable")
    return ordered.reset_index(drop=True)
