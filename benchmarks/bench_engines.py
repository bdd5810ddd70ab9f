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

Run from the repository root::

    python benchmarks/bench_engines.py --quick            # smoke test, a few seconds
    python benchmarks/bench_engines.py --rows 10000000    # 10M answers
    python benchmarks/bench_engines.py --rows 10000000 50000000   # memory as rows grow
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def write_file(path: Path, rows: int, seed: int) -> None:
    """A Parquet file of ``rows`` answers in row groups of ``BATCH`` rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    labels = np.array([f"tp-{k:05d}" for k in rng.permutation(N_GROUPS)], dtype=object)
    tilt = rng.normal(0.0, 0.6, N_GROUPS)
    writer = None
    try:
        for start in range(0, rows, BATCH):
            size = min(BATCH, rows - start)
            group = rng.integers(0, N_GROUPS, size)
            latent = rng.normal(7.0 + tilt[group], 2.2)
            recommend = np.clip(np.rint(latent), 0, 10).astype(np.int64)
            satisfaction = np.clip(np.rint(latent / 2.2), 1, 5).astype(np.int64)
            table = pa.table(
                {
                    "touchpoint": pa.array(labels[group], type=pa.string()),
                    "recommend": recommend,
                    "satisfaction": satisfaction,
                }
            )
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


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
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.repeats = [200_000], 1
    failed = False
    with tempfile.TemporaryDirectory() as folder:
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
