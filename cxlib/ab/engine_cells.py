"""The per-cell tables of ``cx.ab.compare`` on an engine frame, reduced in the engine.

One row per arm and segment, in the columns of the summary metrics
(:class:`~cxlib.ab.Proportion` of successes and trials, :class:`~cxlib.ab.Mean` of
``n``, ``mean`` and ``var``, :class:`~cxlib.ab.Ratio` of means, variances and
covariance), with the missing units of each cell and, for means, the centred second
and third moments (for the skewness rule).
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from ..core.frames import EngineFrame, centred_moments, collect
from .metrics import Mean, Proportion, Ratio

__all__ = ["check_arms", "check_finite", "moment_table", "proportion_table", "summaries"]


def proportion_table(
    ef: EngineFrame, keys: list[str], column: str
) -> tuple[pd.DataFrame, Proportion, pd.Series[Any]]:
    flag = nw.col(column)
    if ef.is_float(column):  # NaN is a missing value, as pandas reads it
        flag = nw.when(~flag.is_nan()).then(flag)
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
    check_arms(table, keys[0], table["trials"] + table["n_missing"])
    return table, Proportion("successes", "trials"), table["n_missing"]


def moment_table(
    ef: EngineFrame, keys: list[str], metric: Mean | Ratio
) -> tuple[pd.DataFrame, Mean | Ratio, pd.Series[Any]]:
    if isinstance(metric, Mean):
        assert metric.column is not None
        column = metric.column
        table = centred_moments(ef, keys, [column], third=True)
        check_arms(table, keys[0], table["n"] + table["n_missing"])
        check_finite(ef, table, {column: ("metric", f"mean_{column}")})
        table = table.rename(
            columns={f"mean_{column}": "mean", f"m2_{column}": "m2", f"m3_{column}": "m3"}
        )
        summaries(table, ["mean"], {"var": "m2"})
        return table, Mean(n="n", mean="mean", var="var"), table["n_missing"]
    num, den = metric.numerator, metric.denominator
    assert num is not None
    assert den is not None
    table = centred_moments(ef, keys, [num, den], [(num, den)])
    check_arms(table, keys[0], table["n"] + table["n_missing"])
    roles = {num: ("numerator", f"mean_{num}"), den: ("denominator", f"mean_{den}")}
    check_finite(ef, table, roles)
    table = table.rename(columns={f"mean_{num}": "num_mean", f"mean_{den}": "den_mean"})
    second = {"num_var": f"m2_{num}", "den_var": f"m2_{den}", "cov": f"c2_{num}_{den}"}
    summaries(table, ["num_mean", "den_mean"], second)
    spec = Ratio(
        n="n",
        numerator_mean="num_mean",
        denominator_mean="den_mean",
        numerator_var="num_var",
        denominator_var="den_var",
        covariance="cov",
    )
    return table, spec, table["n_missing"]


def summaries(table: pd.DataFrame, means: list[str], second: dict[str, str]) -> None:
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


def check_finite(ef: EngineFrame, table: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> None:
    """Finite values only, as the per-unit path requires (missing ones aside).

    A cell's mean and sum of squares are finite unless the cell holds infinite values
    (NaN and nulls are missing, left out before): only then are they counted, in one
    more query. (Both are read: Dask's mean over a whole frame can pass over infinite
    values, and a mean taken from it stays finite.)
    """
    n = table["n"].to_numpy(dtype=np.float64)
    for column, (role, mean) in columns.items():
        moments = [mean, *([f"m2_{column}"] if f"m2_{column}" in table else [])]
        values = table[moments].to_numpy(dtype=np.float64)
        if not ((n > 0) & ~np.isfinite(values).all(axis=1)).any():
            continue
        x = nw.col(column).cast(nw.Float64)
        flags = ef.frame.select((x.abs() == float("inf")).cast(nw.Int64).alias(column))
        found = collect(flags.select(nw.col(column).sum())).fillna(0)
        count = int(found.to_numpy(dtype=np.float64)[0, 0])
        raise ValueError(
            f"{role} column {column!r} must hold finite values; got {count:,} infinite "
            f"values in the {ef.engine} frame"
        )


def check_arms(table: pd.DataFrame, group: str, units: pd.Series[Any]) -> None:
    """Every unit in an arm, as the per-unit path requires (counted over the units)."""
    orphans = table[group].isna().to_numpy()
    if orphans.any():
        count = int(units.to_numpy(dtype=np.float64)[orphans].sum())
        raise ValueError(
            f"group={group!r} has {count:,} missing values; every unit must belong to an arm"
        )
