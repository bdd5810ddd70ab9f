"""Benchmark every survey index on a large survey, against the pandas a user would write.

The data come from ``cx.datasets.make_survey(--n)`` (default 10,000,000 respondents),
plus a ``segment`` column: a categorical with ``--levels`` levels (default 10,000),
assigned at random. For each index

    cx.nps, cx.csat, cx.ces, cx.loyalty_index, cx.secure_customer_index,
    cx.engagement_index

with its default analytic interval, and for each grouping (none, ``touchpoint`` with 5
levels, ``segment``), the script times cxlib against the straightforward vectorised
pandas computation: the per-row score as a Series, then ``mean``, ``std`` and ``count``
(per group with ``groupby(observed=True)``) and a Wald interval (shares and the NPS) or
Student t interval (means) from them. There is no timing target; the ratios are
reported. Agreement is checked to 1e-9 (in the index's units): the estimate, standard
error and n always, and the interval against cxlib's own call with ``ci_method="wald"``
where the default interval is not the one computed by pandas (NPS: score; CSAT and SCI:
Wilson).

Run from the repository root::

    python benchmarks/bench_indices.py            # 10M rows, a few minutes
    python benchmarks/bench_indices.py --quick    # smoke test, a few seconds
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy
from _common import best_of, load_average, seconds
from scipy import special, stats

import cxlib as cx

TOLERANCE = 1e-9  # agreement of cxlib and pandas, in the index's units
LEVEL = 0.95
Z = float(special.ndtri(0.5 + LEVEL / 2))
STATS = ("value", "se", "ci_low", "ci_high", "n")

LOYALTY_ITEMS = ["loyalty_recommend", "loyalty_repurchase", "loyalty_other_products"]
SCI_ITEMS = ["satisfaction", "repurchase", "advocacy"]
ENGAGEMENT_ITEMS = [
    "satisfaction",
    "repurchase",
    "recommend",
    "delivers_promise",
    "fair_resolution",
]
ENGAGEMENT_SCALES: list[Any] = ["1-5", "1-5", "0-10", "1-5", "1-5"]


# --------------------------------------------------------------------------- pandas


def nps_score(df: pd.DataFrame) -> pd.Series[float]:
    r = df["recommend"].astype("float64")  # nullable Int64: NA -> NaN
    s = np.where(r >= 9, 100.0, np.where(r <= 6, -100.0, 0.0))
    return pd.Series(s, index=df.index).where(r.notna())


def csat_score(df: pd.DataFrame) -> pd.Series[float]:
    return (df["satisfaction"] >= 4) * 100.0  # top-2 box of 1-5


def ces_score(df: pd.DataFrame) -> pd.Series[float]:
    return df["effort"].astype("float64")


def loyalty_score(df: pd.DataFrame) -> pd.Series[float]:
    points = 100.0 * (6 - df[LOYALTY_ITEMS]) / 5  # 1 -> 100, ..., 6 -> 0
    return points.mean(axis=1)


def sci_score(df: pd.DataFrame) -> pd.Series[float]:
    return (df[SCI_ITEMS] >= 5).all(axis=1) * 100.0  # top box on all three


def engagement_score(df: pd.DataFrame) -> pd.Series[float]:
    items = df[ENGAGEMENT_ITEMS].astype("float64")
    lows = pd.Series([1.0, 1.0, 0.0, 1.0, 1.0], index=ENGAGEMENT_ITEMS)
    spans = pd.Series([4.0, 4.0, 10.0, 4.0, 4.0], index=ENGAGEMENT_ITEMS)
    return (100.0 * (items - lows) / spans).mean(axis=1, skipna=False)


def pandas_summary(
    score: pd.Series[float],
    key: pd.Series[Any] | None,
    *,
    ddof: int,
    interval: str,
    bounds: tuple[float, float],
) -> pd.DataFrame:
    """Mean, SE, interval and n of ``score``, overall or per group (vectorised pandas)."""
    if key is None:
        mean = pd.Series([score.mean()])
        sd = pd.Series([score.std(ddof=ddof)])
        n = pd.Series([score.count()])
    else:
        g = score.groupby(key, observed=True)
        mean, sd, n = g.mean(), g.std(ddof=ddof), g.count()
    se = sd / np.sqrt(n)
    q = stats.t.ppf(0.5 + LEVEL / 2, n - 1) if interval == "t" else Z
    return pd.DataFrame(
        {
            "value": mean,
            "se": se,
            "ci_low": (mean - q * se).clip(*bounds),
            "ci_high": (mean + q * se).clip(*bounds),
            "n": n,
        }
    )


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Index:
    """One index: the cxlib call, the pandas per-row score and its interval."""

    name: str
    call: Callable[..., Any]  # call(df, by=..., **options)
    score: Callable[[pd.DataFrame], pd.Series[float]]
    ddof: int  # 0: shares and the NPS (plug-in variance), 1: means
    interval: str  # the pandas interval: "wald" or "t"
    bounds: tuple[float, float]
    wald_check: bool  # default interval differs from pandas': check ci_method="wald"


INDICES = (
    Index(
        "nps",
        lambda df, **kw: cx.nps(df, "recommend", **kw),
        nps_score,
        0,
        "wald",
        (-100.0, 100.0),
        True,
    ),
    Index(
        "csat",
        lambda df, **kw: cx.csat(df, "satisfaction", **kw),
        csat_score,
        0,
        "wald",
        (0.0, 100.0),
        True,
    ),
    Index(
        "ces",
        lambda df, **kw: cx.ces(df, "effort", **kw),
        ces_score,
        1,
        "t",
        (1.0, 7.0),
        False,
    ),
    Index(
        "loyalty_index",
        lambda df, **kw: cx.loyalty_index(df, LOYALTY_ITEMS, **kw),
        loyalty_score,
        1,
        "t",
        (0.0, 100.0),
        False,
    ),
    Index(
        "secure_customer_index",
        lambda df, **kw: cx.secure_customer_index(df, SCI_ITEMS, **kw),
        sci_score,
        0,
        "wald",
        (0.0, 100.0),
        True,
    ),
    Index(
        "engagement_index",
        lambda df, **kw: cx.engagement_index(df, ENGAGEMENT_ITEMS, scale=ENGAGEMENT_SCALES, **kw),
        engagement_score,
        1,
        "t",
        (0.0, 100.0),
        False,
    ),
)


@dataclass
class Result:
    index: str
    grouping: str
    n_groups: int
    cx: float
    pandas: float
    error: float  # max |cxlib - pandas| over STATS and groups
    problems: list[str]
    refused: str = ""  # cxlib's error message where it declines the case


def as_frame(out: Any) -> pd.DataFrame:
    """cxlib's result as a frame of STATS (an Estimate becomes one row)."""
    if isinstance(out, cx.Estimate):
        row = {"value": out.value, "se": out.se, "ci_low": out.ci.low, "ci_high": out.ci.high}
        return pd.DataFrame([{**row, "n": out.n}])
    frame: pd.DataFrame = out[list(STATS)].reset_index(drop=True)
    return frame


def compare(got: pd.DataFrame, want: pd.DataFrame, columns: tuple[str, ...]) -> list[str]:
    problems: list[str] = []
    if len(got) != len(want):
        return [f"cxlib gives {len(got)} groups, pandas {len(want)}"]
    for column in columns:
        a = got[column].to_numpy(np.float64)
        b = want[column].to_numpy(np.float64)
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            problems.append(f"{column}: NaN in different groups")
            continue
        err = float(np.nanmax(np.abs(a - b), initial=0.0))
        if not err <= TOLERANCE:
            problems.append(f"{column}: max |cxlib - pandas| = {err:.3g} > {TOLERANCE}")
    return problems


def max_error(got: pd.DataFrame, want: pd.DataFrame, columns: tuple[str, ...]) -> float:
    if len(got) != len(want):
        return np.inf
    diffs = [
        np.nanmax(np.abs(got[c].to_numpy(np.float64) - want[c].to_numpy(np.float64)))
        for c in columns
    ]
    return float(max(diffs))


def run_case(index: Index, df: pd.DataFrame, by: str | None, n_groups: int, repeats: int) -> Result:
    grouping = "none" if by is None else by
    key = None if by is None else df[by]
    print(f"  {index.name} by {grouping} ...", file=sys.stderr, flush=True)

    def with_cxlib() -> Any:
        return index.call(df, by=by)

    def with_pandas() -> pd.DataFrame:
        score = index.score(df)
        return pandas_summary(
            score, key, ddof=index.ddof, interval=index.interval, bounds=index.bounds
        )

    with warnings.catch_warnings():
        # Tiny groups can give zero-width Wald intervals; that is not under test here.
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        with_pandas()  # warm-up
        t_pd, want = best_of(with_pandas, repeats)
        try:
            with_cxlib()  # warm-up
        except ValueError as exc:  # e.g. a table of answer combinations too large
            return Result(index.name, grouping, n_groups, np.nan, t_pd, np.nan, [], str(exc))
        t_cx, out = best_of(with_cxlib, repeats)
        got = as_frame(out)
        want = want.reset_index(drop=True)
        problems = compare(got, want, ("value", "se", "n"))
        columns: tuple[str, ...] = STATS
        if index.wald_check:
            wald = as_frame(index.call(df, by=by, ci_method="wald"))
            problems += [f"(wald call) {p}" for p in compare(wald, want, ("ci_low", "ci_high"))]
            error = max(
                max_error(got, want, ("value", "se", "n")),
                max_error(wald, want, ("ci_low", "ci_high")),
            )
        else:
            problems += compare(got, want, ("ci_low", "ci_high"))
            error = max_error(got, want, columns)
    return Result(index.name, grouping, n_groups, t_cx, t_pd, error, problems)


# --------------------------------------------------------------------------- main


def make_data(args: argparse.Namespace) -> tuple[pd.DataFrame, float]:
    start = time.perf_counter()
    df = cx.datasets.make_survey(args.n, rng=args.seed)
    t_survey = time.perf_counter() - start
    rng = np.random.default_rng(args.seed + 1)
    labels = pd.Index([f"s{i:05d}" for i in range(args.levels)])
    codes = rng.integers(0, args.levels, size=args.n)
    df["segment"] = pd.Categorical.from_codes(codes, categories=labels)
    return df, t_survey


def report(results: list[Result], args: argparse.Namespace, t_survey: float) -> None:
    print(
        f"\nSurvey indices: n = {args.n:,} rows from cx.datasets.make_survey "
        f"(generated in {t_survey:.1f} s), default analytic intervals, best of "
        f"{args.repeats}; numpy {np.__version__}, pandas {pd.__version__}, scipy "
        f"{scipy.__version__}, cxlib {cx.__version__}; {load_average()}\n"
    )
    print(
        f"{'index':<22}  {'by':<24}  {'cxlib':>9}  {'pandas':>9}  "
        f"{'pandas / cxlib':>14}  {'max |diff|':>10}"
    )
    for r in results:
        by = r.grouping if r.grouping == "none" else f"{r.grouping} ({r.n_groups:,} groups)"
        if r.refused:
            print(f"{r.index:<22}  {by:<24}  {'raised':>9}  {seconds(r.pandas):>9}  [1]")
            continue
        print(
            f"{r.index:<22}  {by:<24}  {seconds(r.cx):>9}  {seconds(r.pandas):>9}  "
            f"{r.pandas / r.cx:>13.1f}x  {r.error:>10.2g}"
        )
    print(
        "\nmax |diff|: largest difference from pandas over value, se, ci_low, ci_high and "
        "n (for nps, csat and secure_customer_index the interval of the ci_method='wald' "
        "call, their default being score / Wilson)."
    )
    for r in results:
        if r.refused:
            print(f"[1] cxlib raised ValueError for {r.index} by {r.grouping}: {r.refused}")
    bad = [r for r in results if r.problems]
    if bad:
        for r in bad:
            print(f"check FAILED: {r.index} by {r.grouping}: " + "; ".join(r.problems))
    else:
        done = (
            "every index and grouping"
            if not any(r.refused for r in results)
            else ("every case that cxlib ran")
        )
        print(f"checks: {done} agrees with pandas to {TOLERANCE:g}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="respondents")
    parser.add_argument(
        "--levels", type=int, default=10_000, help="levels of the high-cardinality group"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (best is kept)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the data")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes for a smoke test of a few seconds"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.levels, args.repeats = 200_000, 1_000, 1
    if args.n < 2 or args.levels < 1 or args.repeats < 1:
        parser.error("--n must be at least 2, --levels and --repeats positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print("  generating the survey ...", file=sys.stderr, flush=True)
    df, t_survey = make_data(args)
    groupings = [(None, 1)] + [(by, int(df[by].nunique())) for by in ("touchpoint", "segment")]
    results = [
        run_case(index, df, by, n_groups, args.repeats)
        for index in INDICES
        for by, n_groups in groupings
    ]
    report(results, args, t_survey)
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
