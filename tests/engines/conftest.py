"""Engines for the engine matrix: the same pandas data as a frame of every engine.

PySpark runs a local session (``local[2]``) and Dask a ``distributed.LocalCluster`` of
two worker processes, both started once per test session.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

#: Every engine of the matrix; "polars-lazy" is a Polars LazyFrame, "ibis" an Ibis table
#: and "sqlframe" a SQLFrame DataFrame, both on DuckDB.
ENGINES = ["polars", "polars-lazy", "pyarrow", "duckdb", "ibis", "sqlframe", "dask", "spark"]
#: The engines that start a cluster (slow to start; marked ``cluster``).
CLUSTER_ENGINES = {"dask", "spark"}

Convert = Callable[[pd.DataFrame], Any]


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("cxlib-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def sqlframe_session() -> Iterator[tuple[Any, Any]]:
    """A SQLFrame session on a DuckDB connection of its own, and that connection."""
    import duckdb

    # The minimum-versions run, which cannot install SQLFrame beside old Ibis, deselects
    # the SQLFrame tests (-k "not sqlframe"); everywhere else they must run.
    from sqlframe.duckdb import DuckDBSession

    connection = duckdb.connect()
    yield DuckDBSession(conn=connection), connection
    connection.close()


_tables = itertools.count()


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def _converter(name: str, request: pytest.FixtureRequest) -> Convert:
    if name == "polars":
        import polars as pl

        return lambda frame: pl.from_arrow(_arrow(frame))
    if name == "polars-lazy":
        import polars as pl

        return lambda frame: pl.from_arrow(_arrow(frame)).lazy()  # type: ignore[union-attr]
    if name == "pyarrow":
        return _arrow
    if name == "duckdb":
        import duckdb

        connection = duckdb.connect()

        return lambda frame: connection.from_arrow(_arrow(frame))
    if name == "ibis":
        import ibis

        # From Arrow: Ibis reads a pandas 3 frame through a deprecated pandas option.
        # A memtable runs on Ibis' default backend, DuckDB.
        return lambda frame: ibis.memtable(_arrow(frame))
    if name == "sqlframe":
        session, connection = request.getfixturevalue("sqlframe_session")

        def to_sqlframe(frame: pd.DataFrame) -> Any:
            # Through a DuckDB table: createDataFrame of a pandas frame writes every row
            # as a SQL literal (slow, and NaN does not survive).
            # SQLFrame cannot parse DuckDB's nanosecond zoned type (TIMESTAMPTZ_NS):
            # zoned times travel in microseconds, DuckDB's usual TIMESTAMPTZ.
            zoned = {
                c: frame[c].dt.as_unit("us")
                for c in frame.columns
                if isinstance(frame[c].dtype, pd.DatetimeTZDtype)
            }
            name = f"cx_rows_{next(_tables)}"
            arrow = _arrow(frame.assign(**zoned))  # noqa: F841 (read by name in the SQL)
            connection.execute(f"CREATE TABLE {name} AS SELECT * FROM arrow")
            return session.table(name)

        return to_sqlframe
    if name == "dask":
        import dask.dataframe as dd

        request.getfixturevalue("dask_client")
        return lambda frame: dd.from_pandas(frame, npartitions=3)
    if name == "spark":
        session = request.getfixturevalue("spark_session")

        def to_spark(frame: pd.DataFrame) -> Any:
            # Spark has no dictionary type: categories travel as their labels.
            plain = frame.assign(
                **{
                    c: frame[c].astype("str").where(frame[c].notna(), None)
                    for c in frame.columns
                    if isinstance(frame[c].dtype, pd.CategoricalDtype)
                }
            )
            return session.createDataFrame(_arrow(plain))

        return to_spark
    raise ValueError(name)


@pytest.fixture(
    params=[
        pytest.param(name, marks=[pytest.mark.cluster] if name in CLUSTER_ENGINES else [])
        for name in ENGINES
    ]
)
def engine(request: pytest.FixtureRequest) -> Convert:
    """A function turning a pandas DataFrame into a frame of the engine."""
    name: str = request.param
    return _converter(name, request)
