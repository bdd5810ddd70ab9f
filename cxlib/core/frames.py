"""The input layer for DataFrames of other engines: the reduction runs in the engine.

A Polars, pyarrow, DuckDB, Dask or PySpark frame (anything narwhals reads) is never
collected row by row: each function here builds one lazy query that reduces the rows
to a small per-group table in the engine, and only that table reaches pandas. The
queries keep to what every engine computes alike (see the engine notes in the docs):
indicator and product columns first, then plain sums and counts; nulls and NaN both
read as missing answers; centred moments in two passes (a window mean over the
group, then sums of deviations), never an engine's own variance, which some engines
compute from raw power sums.

pandas DataFrames do not come here: the pandas path of each function reads them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

__all__ = [
    "EngineFrame",
    "centred_moments",
    "collect",
    "count_values",
    "engine_frame",
    "is_engine_frame",
]

#: Column names of the reduced tables; chosen not to clash with user columns.
_N = "__cx_n"
_SW = "__cx_sum_w"
_SW2 = "__cx_sum_w2"


@dataclass(frozen=True)
class EngineFrame:
    """A user's frame of another engine as a narwhals lazy frame, and what it is."""

    frame: nw.LazyFrame[Any]
    engine: str  # the narwhals implementation: "polars", "duckdb", "pyspark", ...
    schema: dict[str, Any]
    native: Any = None  # the user's frame, as given

    def require(self, column: object, argname: str) -> str:
        """``column`` as a column name of the frame, or an error naming it and the engine."""
        if not isinstance(column, str):
            raise TypeError(
                f"{argname} must be a column name of the {self.engine} frame; got {column!r}"
            )
        if column not in self.schema:
            listed = ", ".join(repr(c) for c in list(self.schema)[:20])
            raise ValueError(
                f"{argname}={column!r} is not a column of the {self.engine} frame; "
                f"columns: {listed}"
            )
        return column

    def is_float(self, column: str) -> bool:
        dtype = self.schema[column]
        return bool(dtype.is_float())

    def is_numeric(self, column: str) -> bool:
        return bool(self.schema[column].is_numeric())


def is_engine_frame(data: object) -> bool:
    """True for a frame of another engine that narwhals reads (not pandas, not arrays)."""
    if isinstance(data, (pd.DataFrame, pd.Series, np.ndarray, list, tuple)):
        return False
    with _quiet():
        native = nw.from_native(data, pass_through=True, allow_series=False)
    return native is not data


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence narwhals' notice that its Dask support moves to a separate package.

    The notice is about narwhals' own packaging; Dask frames work as they are.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Dask support is moving out of Narwhals", category=FutureWarning
        )
        yield


def engine_frame(data: object, argname: str = "data") -> EngineFrame:
    """Read ``data`` (a frame of another engine) as an :class:`EngineFrame`."""
    with _quiet():
        native: Any = nw.from_native(data, pass_through=True, allow_series=False)
    if native is data:
        raise TypeError(
            f"{argname} must be a DataFrame (pandas, Polars, pyarrow, DuckDB, Dask, PySpark "
            f"or another frame narwhals reads); got {type(data).__module__}."
            f"{type(data).__name__}"
        )
    engine = str(native.implementation).split(".")[-1].lower()
    if native.implementation.is_pyarrow():
        _check_pyarrow()
        # A pyarrow Table is computed through pandas: narwhals' window aggregations on
        # pyarrow attach the group values through a hash join whose output order pyarrow
        # does not keep, so a row could get another group's mean.
        native = nw.from_native(native.to_native().to_pandas(date_as_object=False), eager_only=True)
    lazy = native.lazy() if isinstance(native, nw.DataFrame) else native
    schema = dict(lazy.collect_schema())
    return EngineFrame(frame=lazy, engine=engine, schema=schema, native=data)


#: pyarrow releases before 17 split rows with a missing key into several groups when
#: grouping by more than one column.
_PYARROW_FLOOR = (17, 0)


def _check_pyarrow() -> None:
    import pyarrow as pa  # type: ignore[import-untyped,import-not-found,unused-ignore]

    version = tuple(int(p) for p in pa.__version__.split(".")[:2])
    if version < _PYARROW_FLOOR:
        raise ImportError(
            f"cxlib reads pyarrow Tables with pyarrow >= 17 (found {pa.__version__}, whose "
            "group-by splits missing keys into several groups); upgrade pyarrow, or pass "
            "table.to_pandas()"
        )


def _missing_as_null(ef: EngineFrame, column: str) -> nw.Expr:
    """The column with NaN read as null (as pandas reads it); other values unchanged."""
    col = nw.col(column)
    if ef.is_float(column):
        return nw.when(~col.is_nan()).then(col).alias(column)
    return col


def collect(query: nw.LazyFrame[Any]) -> pd.DataFrame:
    """The (small) result of a query as a pandas DataFrame.

    Through Arrow where the engine collects to Arrow natively: PySpark's own
    conversion to pandas lags behind pandas releases, Ibis' reads an option that
    pandas 3 deprecates, and SQLFrame's goes through ``pandas.read_sql``, which warns
    on a DuckDB connection. The table is small either way.
    """
    impl = query.implementation
    with _quiet():
        if impl.is_pyspark() or impl.is_pyspark_connect() or impl.is_ibis() or impl.is_sqlframe():
            arrow = query.collect(backend="pyarrow").to_native()
            from_arrow: pd.DataFrame = arrow.to_pandas()
            return from_arrow
        collected: pd.DataFrame = query.collect(backend="pandas").to_native()
    return collected


def _sorted(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Rows in the order of their keys, missing keys last (engines return any order)."""
    if not columns or table.empty:
        return table.reset_index(drop=True)
    ordered = table.sort_values(list(columns), na_position="last", kind="stable")
    return ordered.reset_index(drop=True)


def count_values(
    ef: EngineFrame,
    keys: Sequence[str],
    columns: Sequence[str],
    weights: str | None = None,
) -> pd.DataFrame:
    """Rows per distinct combination of ``keys`` and ``columns``, in the engine.

    Returns a pandas DataFrame with the key and value columns (NaN and null values both
    as missing), ``n`` (int64) and, with ``weights``, ``sum_w`` and ``sum_w2`` (the
    sums of the weights and of their squares), sorted by keys then values, missing
    last. The table has one row per combination that occurs, so it is small whenever
    the answers lie on a scale.
    """
    group = [*keys, *columns]
    prepared = ef.frame.with_columns(*(_missing_as_null(ef, c) for c in columns))
    aggs = [nw.len().alias(_N)]
    if weights is not None:
        w = nw.col(weights).cast(nw.Float64)
        prepared = prepared.with_columns((w * w).alias(_SW2), w.alias(_SW))
        aggs += [nw.col(_SW).sum(), nw.col(_SW2).sum()]
    query = prepared.group_by(*group, drop_null_keys=False).agg(*aggs)
    table = collect(query)
    out = table[group].copy()
    out["n"] = table[_N].to_numpy(dtype=np.int64)
    if weights is not None:
        out["sum_w"] = table[_SW].to_numpy(dtype=np.float64)
        out["sum_w2"] = table[_SW2].to_numpy(dtype=np.float64)
    return _sorted(out, group)


def centred_moments(
    ef: EngineFrame,
    keys: Sequence[str],
    columns: Sequence[str],
    pairs: Sequence[tuple[str, str]] = (),
    *,
    third: bool = False,
    triples: Sequence[tuple[str, str, str]] = (),
    centre: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Count, means, centred sums of squares and co-moments per group, in the engine.

    Two passes in one query: the mean of each column as a window over the group (or
    over the coarser groups ``centre``), then sums of the deviations ``d`` from it,
    their squares and their products. The returned ``m2_<c>`` is ``sum(d**2) -
    sum(d)**2 / n`` and ``c2_<a>_<b>`` is ``sum(d_a * d_b) - sum(d_a) * sum(d_b) / n``
    (the corrected two-pass algorithm, whose correction absorbs the rounding of the
    mean and the distance of the group's mean from the window's), so values far from
    zero keep their digits. Rows with a missing value in any of the columns named are
    left out (and counted in ``n_missing``); ``mean_<c>`` is the group mean of the rows
    kept. With ``third``, ``m3_<c>`` is the centred third moment, ``sum(d**3) - 3
    sum(d) sum(d**2) / n + 2 sum(d)**3 / n**2`` (the same correction), and each pair
    ``(a, b)`` adds the mixed third moments ``c3_<a>_<a>_<b>`` and ``c3_<a>_<b>_<b>``.
    Each of ``triples`` ``(a, b, c)`` adds ``c3_<a>_<b>_<c>``, the sum of ``e_a e_b
    e_c`` (``e`` the deviations from the exact group means), corrected alike (see
    :func:`_third`).

    ``centre`` (a subset of ``keys``) takes the deviations from the mean of the rows of
    the coarser group (a segment of the cells ``keys``), and adds ``centre_<c>``, that
    mean, and ``offset_<c>``, the group's mean less it, from the sums of the
    deviations: exact to the rounding of small numbers however far the values lie
    from zero, so that the groups of one centre merge with the pairwise update
    without the rounding of their means. Sorted by the keys, missing keys last.
    """
    if centre is not None and not set(centre) <= set(keys):
        raise ValueError(f"centre must be a subset of the keys {list(keys)}; got {list(centre)}")
    if third:
        triples = [*triples, *((a, a, b) for a, b in pairs), *((a, b, b) for a, b in pairs)]
    # Infinite values make NaN sums on pandas-backed engines (refused by the callers,
    # which count them): not a numpy warning.
    with np.errstate(invalid="ignore", over="ignore"):
        return _centred_moments(ef, keys, columns, pairs, third, triples, centre)


def _centred_moments(
    ef: EngineFrame,
    keys: Sequence[str],
    columns: Sequence[str],
    pairs: Sequence[tuple[str, str]],
    third: bool,
    triples: Sequence[tuple[str, str, str]],
    centre: Sequence[str] | None,
) -> pd.DataFrame:
    names = [*columns, *(c for pair in pairs for c in pair), *(c for t in triples for c in t)]
    names = list(dict.fromkeys(names))
    prepared = ef.frame.with_columns(*(_missing_as_null(ef, c) for c in names))
    complete = nw.all_horizontal(*(~nw.col(c).is_null() for c in names), ignore_nulls=False)
    prepared = prepared.with_columns(complete.cast(nw.Int64).alias("__cx_ok"))
    kept = prepared.filter(nw.col("__cx_ok") == 1)
    over = list(keys)
    window = over if centre is None else list(centre)
    means = [
        (
            nw.col(c).cast(nw.Float64).mean().over(*window)
            if window
            else nw.col(c).cast(nw.Float64).mean()
        ).alias(f"__cx_mean_{i}")
        for i, c in enumerate(names)
    ]
    kept = kept.with_columns(*means)
    deviations = [
        (nw.col(c).cast(nw.Float64) - nw.col(f"__cx_mean_{i}")).alias(f"__cx_d_{i}")
        for i, c in enumerate(names)
    ]
    kept = kept.with_columns(*deviations)
    index = {c: i for i, c in enumerate(names)}
    cubes = list(dict.fromkeys(_sorted_triple(*(index[c] for c in t)) for t in triples))
    if third:
        cubes = list(dict.fromkeys([*((i, i, i) for i in range(len(names))), *cubes]))
    # Every product of two deviations that a co-moment or a third moment's correction uses.
    product_pairs = [(i, i) for i in range(len(names))]
    product_pairs += [(min(index[a], index[b]), max(index[a], index[b])) for a, b in pairs]
    product_pairs += [(j, k) for i, j, k in cubes] + [(i, k) for i, j, k in cubes]
    product_pairs += [(i, j) for i, j, k in cubes]
    products = list(dict.fromkeys(product_pairs))
    kept = kept.with_columns(
        *(
            (nw.col(f"__cx_d_{i}") * nw.col(f"__cx_d_{j}")).alias(f"__cx_dd_{i}_{j}")
            for i, j in products
        )
    )
    if cubes:
        kept = kept.with_columns(
            *(
                (nw.col(f"__cx_d_{i}") * nw.col(f"__cx_dd_{j}_{k}")).alias(f"__cx_ddd_{i}_{j}_{k}")
                for i, j, k in cubes
            )
        )
    sums = [nw.len().alias(_N)]
    sums += [nw.col(f"__cx_ddd_{i}_{j}_{k}").sum() for i, j, k in cubes]
    sums += [nw.col(f"__cx_mean_{i}").max() for i in range(len(names))]
    sums += [nw.col(f"__cx_d_{i}").sum() for i in range(len(names))]
    sums += [nw.col(f"__cx_dd_{i}_{j}").sum() for i, j in products]
    reduced = kept.group_by(*over, drop_null_keys=False).agg(*sums) if over else kept.select(*sums)
    missing = prepared.with_columns((1 - nw.col("__cx_ok")).alias("__cx_miss"))
    miss_agg = nw.col("__cx_miss").sum().alias("__cx_n_missing")
    miss = (
        missing.group_by(*over, drop_null_keys=False).agg(miss_agg)
        if over
        else missing.select(miss_agg)
    )
    table = collect(reduced)
    missing_table = collect(miss)
    if keys:
        table = missing_table.merge(table, on=over, how="left")
    else:
        table = pd.concat([missing_table, table], axis=1)
    out = _assemble_moments(table, over, names, pairs, third, centre is not None)
    for t in triples:
        i, j, k = sorted(index[c] for c in t)
        out[f"c3_{'_'.join(t)}"] = _third(table, i, j, k)
    return _sorted(out, over)


def _sorted_triple(i: int, j: int, k: int) -> tuple[int, int, int]:
    a, b, c = sorted((i, j, k))
    return a, b, c


def _assemble_moments(
    table: pd.DataFrame,
    keys: list[str],
    names: list[str],
    pairs: Sequence[tuple[str, str]],
    third: bool,
    centred: bool,
) -> pd.DataFrame:
    n = table[_N].fillna(0).to_numpy(dtype=np.float64)
    out = table[keys].copy() if keys else pd.DataFrame(index=range(len(table)))
    out["n"] = n.astype(np.int64)
    out["n_missing"] = table["__cx_n_missing"].fillna(0).to_numpy(dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, c in enumerate(names):
            d = table[f"__cx_d_{i}"].to_numpy(dtype=np.float64)
            mean = table[f"__cx_mean_{i}"].to_numpy(dtype=np.float64)
            correction = np.where(n > 0, d / n, 0.0)
            out[f"mean_{c}"] = mean + correction
            if centred:
                out[f"centre_{c}"] = mean
                out[f"offset_{c}"] = np.where(n > 0, correction, np.nan)
            ss = table[f"__cx_dd_{i}_{i}"].to_numpy(dtype=np.float64)
            out[f"m2_{c}"] = np.where(n > 0, ss - d * correction, np.nan)
            if third:
                out[f"m3_{c}"] = _third(table, i, i, i)
        for a, b in pairs:
            i, j = sorted((names.index(a), names.index(b)))
            sp = table[f"__cx_dd_{i}_{j}"].to_numpy(dtype=np.float64)
            di, dj = (table[f"__cx_d_{k}"].to_numpy(dtype=np.float64) for k in (i, j))
            out[f"c2_{a}_{b}"] = np.where(n > 0, sp - di * dj / np.where(n > 0, n, 1), np.nan)
    return out


def _third(table: pd.DataFrame, i: int, j: int, k: int) -> Any:
    """``sum(e_i e_j e_k)`` about the exact group means, from the sums about the window's.

    With ``S`` the sums of the deviations ``d`` from the window mean and their
    products, ``m = S_i / n`` (the group mean less the window's) and ``e = d - m``,
    expanding ``sum((d_i - m_i)(d_j - m_j)(d_k - m_k))`` leaves ``S_ijk - m_i S_jk -
    m_j S_ik - m_k S_ij + 2 n m_i m_j m_k`` (``i <= j <= k``). NaN for an empty group.
    """

    def column(name: str) -> Any:
        return table[name].to_numpy(dtype=np.float64)

    n = table[_N].fillna(0).to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = {p: np.where(n > 0, column(f"__cx_d_{p}") / n, 0.0) for p in {i, j, k}}
        value = (
            column(f"__cx_ddd_{i}_{j}_{k}")
            - m[i] * column(f"__cx_dd_{j}_{k}")
            - m[j] * column(f"__cx_dd_{i}_{k}")
            - m[k] * column(f"__cx_dd_{i}_{j}")
            + 2.0 * n * m[i] * m[j] * m[k]
        )
    return np.where(n > 0, value, np.nan)
