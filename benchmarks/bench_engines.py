"""Benchmark grouped NPS and CSAT on a Parquet file through DuckDB, Polars and pandas.

For a generated Parquet file of answers (string touchpoint keys, 2,000 groups) the
script times, each in a fresh process so that its peak memory is its own:

* cxlib on ``cx.read(path)`` (DuckDB scans the file) against the floor, a hand-written
  DuckDB SQL ``GROUP BY`` of the same counts (the answers per group and answer),
  reported as a ratio (target: within 1.5x);
* cxlib on a Polars ``scan_parquet`` LazyFrame against a hand-written Polars group-by
  of the same counts;
* cxlib on pandas (the file read into memory first, two columns) against a pandas
  group-by of the same counts.

It checks that every engine gives the same NPS and interval, and reports the peak
resident memory of each process; with ``--rows`` at two sizes the DuckDB figure shows
that memory stays flat as the file grows (rows are never collected).

``--suite rfm`` times ``cx.rfm_summary`` on an order table (``--rows`` orders) through
DuckDB and Polars against pandas in memory; ``--suite orders`` does the same for the
repeat purchase rate (purchase days) and the average order value, with the
hand-written DuckDB SQL of the per-customer table they need (orders, purchase days and
revenue per customer) as the floor; ``--suite ab`` times ``cx.ab.compare`` of
a conversion rate with 1,000 segments x 4 arms through DuckDB and Polars against pandas
in memory and against the hand-written DuckDB SQL of the same per-cell counts.

Run from the repository root::

    python benchmarks/bench_engines.py --quick            # smoke test, a few seconds
    python benchmarks/bench_engines.py --rows 10000000    # 10M answers
    python benchmarks/bench_engines.py --rows 10000000 50000000   # memory as rows grow
    python benchmarks/bench_engines.py --suite rfm --rows 10000000
    python benchmarks/bench_engines.py --suite orders --rows 10000000
    python benchmarks/bench_engines.py --suite ab --rows 20000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

ENGINE_TARGET = 1.5  # cxlib through DuckDB at most this many times the SQL group-by
N_GROUPS = 2_000
BATCH = 1_000_000  # rows generated and written at a time: bounded memory

# One measurement, run in its own process: prints JSON with the time and peak memory.
CHILD = r"""
import json, resource, sys, time
import numpy as np
path, engine, index = sys.argv[1], sys.argv[2], sys.argv[3]
repeats = int(sys.argv[4])
column = {"nps": "recommend", "csat": "satisfaction"}[index]
# Imports first: only the computation is timed.
import duckdb, pandas as pd, polars as pl
import cxlib as cx
frame = None
if engine.startswith("pandas"):  # in memory: reading the file is not timed
    frame = pd.read_parquet(path, columns=["touchpoint", column])

def run():
    if engine == "duckdb-cxlib":
        return getattr(cx, index)(cx.read(path), column, by="touchpoint")
    if engine == "duckdb-sql":
        return duckdb.sql(
            f"SELECT touchpoint, {column}, count(*) AS n FROM read_parquet('{path}') "
            "GROUP BY ALL").fetchnumpy()
    if engine == "polars-cxlib":
        return getattr(cx, index)(pl.scan_parquet(path), column, by="touchpoint")
    if engine == "polars-groupby":
        return pl.scan_parquet(path).group_by("touchpoint", column).len().collect()
    if engine == "pandas-cxlib":
        return getattr(cx, index)(frame, column, by="touchpoint")
    return frame.groupby(["touchpoint", column], observed=True).size()

best = float("inf")
result = None
for _ in range(repeats):
    start = time.perf_counter()
    result = run()
    best = min(best, time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
summary = None
if engine.endswith("cxlib"):
    summary = result[["value", "ci_low", "ci_high"]].to_numpy().tolist()
print(json.dumps({"seconds": best, "peak": peak, "summary": summary}))
"""


CHILD_OTHER = r"""
import json, resource, sys, time
path, engine, suite = sys.argv[1], sys.argv[2], sys.argv[3]
repeats = int(sys.argv[4])
import duckdb, pandas as pd, polars as pl
import cxlib as cx
frame = pd.read_parquet(path) if engine.startswith("pandas") else None

def source():
    if engine.startswith("duckdb"):
        return cx.read(path)
    if engine.startswith("polars"):
        return pl.scan_parquet(path)
    return frame

def run():
    if engine == "duckdb-sql" and suite == "orders":
        return duckdb.sql(
            f"SELECT customer_id, count(*) AS n, count(DISTINCT date::DATE) AS days, "
            f"sum(revenue) AS revenue FROM read_parquet('{path}') "
            "WHERE customer_id IS NOT NULL GROUP BY ALL").fetchnumpy()
    if engine == "duckdb-sql":
        return duckdb.sql(
            f"SELECT segment, arm, sum(converted::INT) AS s, count(*) AS n "
            f"FROM read_parquet('{path}') GROUP BY ALL").fetchnumpy()
    if suite == "rfm":
        return cx.rfm_summary(source(), customer="customer_id", date="date", revenue="revenue")
    if suite == "orders":
        keys = dict(customer="customer_id", date="date", window=None)
        repeat = cx.repeat_purchase_rate(source(), occasion="day", **keys)
        aov = cx.average_order_value(source(), revenue="revenue", ci_method="delta", **keys)
        return [repeat.value, repeat.ci.low, aov.value, aov.ci.low, aov.ci.high]
    return cx.ab.compare(source(), group="arm", control="a", metric="converted", by="segment")

best = float("inf")
result = None
for _ in range(repeats):
    start = time.perf_counter()
    result = run()
    best = min(best, time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
summary = None
if engine != "duckdb-sql" and suite == "orders":
    summary = [float(v) for v in result]
elif engine != "duckdb-sql":
    column = "monetary_value" if suite == "rfm" else "p_value"
    summary = [float(result[column].sum()), len(result)]
print(json.dumps({"seconds": best, "peak": peak, "summary": summary}))
"""


def write_parquet(path: Path, tables: Iterable[Any]) -> None:
    """Write the tables (of one schema) to one Parquet file, a row group each."""
    import pyarrow.parquet as pq

    writer = None
    try:
        for table in tables:
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def write_orders(path: Path, rows: int, seed: int) -> None:
    """A Parquet file of about ``rows`` orders (generated 1M orders at a time)."""
    import pyarrow as pa

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import cxlib as cx

    per_batch = 250_000  # customers per batch, about 1M orders over two years

    def batches() -> Iterator[pa.Table]:
        made, batch = 0, 0
        while made < rows:
            orders = cx.datasets.make_orders(per_batch, rng=seed + batch)
            orders = orders[["customer_id", "date", "revenue"]].copy()
            orders["customer_id"] = orders["customer_id"] + batch * per_batch * 2
            yield pa.Table.from_pandas(orders, preserve_index=False)
            made += len(orders)
            batch += 1

    write_parquet(path, batches())


def write_visits(path: Path, rows: int, seed: int) -> None:
    """A Parquet file of ``rows`` visits: 1,000 segments x 4 arms, a conversion flag."""
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    segments = np.array([f"seg-{k:04d}" for k in range(1_000)], dtype=object)
    arms = np.array(["a", "b", "c", "d"], dtype=object)

    def batches() -> Iterator[pa.Table]:
        for start in range(0, rows, BATCH):
            size = min(BATCH, rows - start)
            segment = rng.integers(0, 1_000, size)
            arm = rng.integers(0, 4, size)
            rate = 0.05 + 0.002 * arm + 0.00002 * segment
            yield pa.table(
                {
                    "segment": pa.array(segments[segment], type=pa.string()),
                    "arm": pa.array(arms[arm], type=pa.string()),
                    "converted": rng.random(size) < rate,
                }
            )

    write_parquet(path, batches())


def run_other(suite: str, rows: int, repeats: int, seed: int, folder: str) -> bool:
    path = Path(folder) / f"{suite}-{rows}.parquet"
    start = time.perf_counter()
    (write_visits if suite == "ab" else write_orders)(path, rows, seed)
    size = os.path.getsize(path) / 2**20
    print(
        f"\n{suite}: {rows:,} rows, {size:.0f} MB of Parquet (written in "
        f"{time.perf_counter() - start:.1f} s); best of {repeats}; {os.cpu_count()} CPUs"
    )
    engines = ["duckdb-cxlib", "polars-cxlib", "pandas-cxlib"]
    if suite in ("ab", "orders"):
        engines.append("duckdb-sql")
    results = {}
    for engine in engines:
        out = subprocess.run(
            [sys.executable, "-c", CHILD_OTHER, str(path), engine, suite, str(repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[engine] = json.loads(out.stdout.strip().splitlines()[-1])
    pandas_time = float(results["pandas-cxlib"]["seconds"])
    for engine, got in results.items():
        ratio = float(got["seconds"]) / pandas_time
        print(
            f"  {engine:14} {float(got['seconds']):8.3f} s  peak {int(got['peak']) / 2**20:6.0f} MB"
            f"  {ratio:5.2f}x pandas in memory"
        )
    if suite in ("ab", "orders"):
        floor = float(results["duckdb-sql"]["seconds"])
        what = "counts" if suite == "ab" else "per-customer table"
        print(
            f"  cxlib on DuckDB / hand-written SQL of the {what}: "
            f"{float(results['duckdb-cxlib']['seconds']) / floor:.2f}x"
        )
    summaries = [r["summary"] for e, r in results.items() if r["summary"] is not None]
    agree = all(np.allclose(s, summaries[0], rtol=1e-9) for s in summaries)
    print(f"  same results on every engine: {agree}")
    return agree


def write_file(path: Path, rows: int, seed: int) -> None:
    """A Parquet file of ``rows`` answers in row groups of ``BATCH`` rows."""
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    labels = np.array([f"tp-{k:05d}" for k in rng.permutation(N_GROUPS)], dtype=object)
    tilt = rng.normal(0.0, 0.6, N_GROUPS)

    def batches() -> Iterator[pa.Table]:
        for start in range(0, rows, BATCH):
            size = min(BATCH, rows - start)
            group = rng.integers(0, N_GROUPS, size)
            latent = rng.normal(7.0 + tilt[group], 2.2)
            yield pa.table(
                {
                    "touchpoint": pa.array(labels[group], type=pa.string()),
                    "recommend": np.clip(np.rint(latent), 0, 10).astype(np.int64),
                    "satisfaction": np.clip(np.rint(latent / 2.2), 1, 5).astype(np.int64),
                }
            )

    write_parquet(path, batches())


def measure(path: Path, engine: str, index: str, repeats: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), engine, index, str(repeats)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


PAIRS = [
    ("DuckDB (Parquet scan)", "duckdb-cxlib", "duckdb-sql", "hand-written SQL GROUP BY"),
    ("Polars (scan_parquet)", "polars-cxlib", "polars-groupby", "hand-written Polars group-by"),
    ("pandas (in memory)", "pandas-cxlib", "pandas-groupby", "hand-written pandas group-by"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="200,000 rows, one repeat")
    parser.add_argument(
        "--suite",
        choices=("survey", "rfm", "orders", "ab"),
        nargs="+",
        default=["survey"],
        help="what to time (default: survey)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.repeats = [200_000], 1
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        for suite in (s for s in args.suite if s != "survey"):
            for rows in args.rows:
                failed |= not run_other(suite, rows, args.repeats, args.seed, folder)
        if "survey" not in args.suite:
            return 1 if failed else 0
        for rows in args.rows:
            path = Path(folder) / f"answers-{rows}.parquet"
            start = time.perf_counter()
            write_file(path, rows, args.seed)
            size = os.path.getsize(path) / 2**20
            print(
                f"\n{rows:,} answers, {N_GROUPS:,} string groups, {size:.0f} MB of Parquet "
                f"(written in {time.perf_counter() - start:.1f} s); best of {args.repeats}; "
                f"{os.cpu_count()} CPUs"
            )
            header = f"{'index':6} {'engine':24} {'cxlib':>9} {'peak MB':>8} "
            header += f"{'reference':>10} {'peak MB':>8} {'ratio':>6}  reference"
            print(header)
            for index in ("nps", "csat"):
                summaries = []
                for label, mine, theirs, what in PAIRS:
                    got = measure(path, mine, index, args.repeats)
                    ref = measure(path, theirs, index, args.repeats)
                    ratio = float(got["seconds"]) / float(ref["seconds"])  # type: ignore[arg-type]
                    summaries.append(np.asarray(got["summary"], dtype=float))
                    print(
                        f"{index:6} {label:24} {float(got['seconds']):8.3f}s "  # type: ignore[arg-type]
                        f"{int(got['peak']) / 2**20:8.0f} {float(ref['seconds']):9.3f}s "  # type: ignore[call-overload,arg-type]
                        f"{int(ref['peak']) / 2**20:8.0f} {ratio:5.2f}x  {what}"  # type: ignore[call-overload]
                    )
                    if mine == "duckdb-cxlib" and ratio > ENGINE_TARGET:
                        print(f"       DuckDB ratio above the target {ENGINE_TARGET}x")
                agree = all(np.allclose(s, summaries[0], rtol=1e-9) for s in summaries)
                failed |= not agree
                print(f"       same NPS and intervals on every engine: {agree}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
