"""Benchmark the order metrics on a large order table, against the pandas a user would write.

The data come from ``cx.datasets.make_orders(--n-customers, days=...)`` (default
2,000,000 registered customers), with the length of the order history chosen so that
the table holds about ``--n-orders`` orders (default 10,000,000, guest orders included;
the exact count is printed). Every order metric of cxlib is timed with its default
interval, ungrouped and ``by="member"`` (except ``rfm_summary``, which has no ``by``):

    cx.guest_checkout_rate, cx.purchase_frequency, cx.average_order_value,
    cx.repeat_purchase_rate, cx.repurchase_rate, cx.upsell_rate, cx.retention_rate,
    cx.cohort_retention, cx.rfm_summary

and compared where a reference exists:

(a) ``rfm_summary`` against a faithful re-implementation of lifetimes 0.11's
    ``summary_data_from_transaction_data`` (sort, ``to_period``, groupby of
    (period, customer), then per customer min / max / count of the periods and the mean
    revenue of the repeat periods), once per type of customer id: int64 (nullable, as
    generated), str (Arrow-backed, the pandas 3 default with pyarrow) and categorical.
    Targets: cxlib at least 10x faster for every id type, and a lower peak memory
    (measured with ``tracemalloc``, which traces numpy's and pandas' allocations). The
    frames must agree to 1e-9.
(b) the four seed metrics (guest checkout rate, purchase frequency, average order value,
    repeat purchase rate) against the straightforward vectorised pandas: the orders of
    the 365-day window, a groupby per customer, then the ratio. Point estimates must
    agree to 1e-9; the speed ratios are reported without a target.

Run from the repository root::

    python benchmarks/bench_orders.py            # 10M orders, 2M customers, some minutes
    python benchmarks/bench_orders.py --quick    # smoke test, a few seconds
    python benchmarks/bench_orders.py --rfm-only --n-orders 1000000 --n-customers 200000
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy
from _common import best_of, clock_name, load_average, seconds, set_clock

import cxlib as cx

TOLERANCE = 1e-9  # agreement of cxlib and pandas, in the metric's units
RFM_SPEED_TARGET = 10.0  # rfm_summary at least this many times faster than lifetimes
WINDOW = pd.Timedelta(days=365)  # the default window of the seed metrics
MB = 2.0**20

CUSTOMER, DATE, REVENUE = "customer_id", "date", "revenue"
ID_TYPES = ("int64", "str", "category")  # customer id types of the rfm_summary comparison


# --------------------------------------------------------------------------- lifetimes


def lifetimes_find_first_transactions(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    observation_period_end: Any = None,
    freq: str = "D",
) -> pd.DataFrame:
    """lifetimes.utils._find_first_transactions (0.11), with ``datetime_format=None``."""
    if observation_period_end is None:
        observation_period_end = transactions[datetime_col].max()
    if isinstance(observation_period_end, pd.Period):
        observation_period_end = observation_period_end.to_timestamp()
    select_columns = [customer_id_col, datetime_col]
    if monetary_value_col:
        select_columns.append(monetary_value_col)
    transactions = transactions[select_columns].sort_values(select_columns).copy()
    transactions[datetime_col] = pd.to_datetime(transactions[datetime_col])
    transactions = transactions.set_index(datetime_col).to_period(freq).to_timestamp()
    transactions = transactions.loc[(transactions.index <= observation_period_end)].reset_index()
    period_groupby = transactions.groupby(
        [datetime_col, customer_id_col], sort=False, as_index=False
    )
    # With revenue, the orders of one period are summed; without, the first is kept.
    period_transactions = period_groupby.sum() if monetary_value_col else period_groupby.head(1)
    period_transactions["first"] = False
    first_transactions = (
        period_transactions.groupby(customer_id_col, sort=True, as_index=False).head(1).index
    )
    period_transactions.loc[first_transactions, "first"] = True
    select_columns.append("first")
    period_transactions[datetime_col] = pd.Index(period_transactions[datetime_col]).to_period(freq)
    frame: pd.DataFrame = period_transactions[select_columns]
    return frame


def lifetimes_summary(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    observation_period_end: Any = None,
    freq: str = "D",
) -> pd.DataFrame:
    """lifetimes.utils.summary_data_from_transaction_data (0.11), ``freq_multiplier=1``."""
    if observation_period_end is None:
        observation_period_end = (
            pd.to_datetime(transactions[datetime_col].max()).to_period(freq).to_timestamp()
        )
    else:
        observation_period_end = (
            pd.to_datetime(observation_period_end).to_period(freq).to_timestamp()
        )
    repeated_transactions = lifetimes_find_first_transactions(
        transactions,
        customer_id_col,
        datetime_col,
        monetary_value_col,
        observation_period_end,
        freq,
    )
    repeated_transactions[datetime_col] = pd.Index(
        repeated_transactions[datetime_col]
    ).to_timestamp()
    customers = repeated_transactions.groupby(customer_id_col, sort=False)[datetime_col].agg(
        ["min", "max", "count"]
    )
    customers["frequency"] = customers["count"] - 1
    unit = np.timedelta64(1, freq)  # type: ignore[call-overload]
    customers["T"] = (observation_period_end - customers["min"]) / unit
    customers["recency"] = (customers["max"] - customers["min"]) / unit
    summary_columns = ["frequency", "recency", "T"]
    if monetary_value_col:
        first_purchases = repeated_transactions[repeated_transactions["first"]].index
        repeated_transactions.loc[first_purchases, monetary_value_col] = np.nan
        customers["monetary_value"] = (
            repeated_transactions.groupby(customer_id_col)[monetary_value_col].mean().fillna(0)
        )
        summary_columns.append("monetary_value")
    summary: pd.DataFrame = customers[summary_columns].astype(float)
    return summary


# --------------------------------------------------------------------------- pandas


def in_window(df: pd.DataFrame) -> pd.DataFrame:
    """The orders of the default window ``(as_of - 365 days, as_of]``, as_of the last date."""
    as_of = df[DATE].max()
    frame: pd.DataFrame = df[(df[DATE] > as_of - WINDOW) & (df[DATE] <= as_of)]
    return frame


def pandas_guest_rate(df: pd.DataFrame, by: str | None) -> Any:
    w = in_window(df)
    guest = w[CUSTOMER].isna()
    return 100.0 * (guest.mean() if by is None else guest.groupby(w[by]).mean())


def pandas_frequency(df: pd.DataFrame, by: str | None) -> Any:
    w = in_window(df)
    if by is None:
        return w.groupby(CUSTOMER).size().mean()  # guests (missing id) are dropped
    return w.groupby([by, CUSTOMER]).size().groupby(level=by).mean()


def pandas_aov(df: pd.DataFrame, by: str | None) -> Any:
    w = in_window(df)
    return w[REVENUE].mean() if by is None else w.groupby(by)[REVENUE].mean()


def pandas_repeat_rate(df: pd.DataFrame, by: str | None) -> Any:
    w = in_window(df)
    if by is None:
        return 100.0 * (w.groupby(CUSTOMER).size() > 1).mean()
    per_customer = w.groupby([by, CUSTOMER]).size()
    return 100.0 * (per_customer > 1).groupby(level=by).mean()


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One metric: the cxlib call and, where there is one, the reference computation."""

    name: str
    call: Callable[[pd.DataFrame, str | None], Any]
    reference: Callable[[pd.DataFrame, str | None], Any] | None = None
    ref_name: str = "pandas"
    groupable: bool = True


def make_cases(period_start: pd.Timestamp, period_end: pd.Timestamp) -> tuple[Case, ...]:
    return (
        Case(
            "guest_checkout_rate",
            lambda df, by: cx.guest_checkout_rate(df, customer=CUSTOMER, date=DATE, by=by),
            pandas_guest_rate,
        ),
        Case(
            "purchase_frequency",
            lambda df, by: cx.purchase_frequency(df, customer=CUSTOMER, date=DATE, by=by),
            pandas_frequency,
        ),
        Case(
            "average_order_value",
            lambda df, by: cx.average_order_value(
                df, customer=CUSTOMER, date=DATE, revenue=REVENUE, by=by
            ),
            pandas_aov,
        ),
        Case(
            "repeat_purchase_rate",
            lambda df, by: cx.repeat_purchase_rate(df, customer=CUSTOMER, date=DATE, by=by),
            pandas_repeat_rate,
        ),
        Case(
            "repurchase_rate",
            lambda df, by: cx.repurchase_rate(df, customer=CUSTOMER, date=DATE, by=by),
        ),
        Case(
            "upsell_rate",
            lambda df, by: cx.upsell_rate(df, customer=CUSTOMER, date=DATE, tier="tier", by=by),
        ),
        Case(
            "retention_rate",
            lambda df, by: cx.retention_rate(
                df,
                customer=CUSTOMER,
                date=DATE,
                period_start=period_start,
                period_end=period_end,
                by=by,
            ),
        ),
        Case(
            "cohort_retention",
            lambda df, by: cx.cohort_retention(df, customer=CUSTOMER, date=DATE, by=by),
        ),
        Case(
            "rfm_summary",
            lambda df, by: cx.rfm_summary(df, customer=CUSTOMER, date=DATE, revenue=REVENUE),
            lambda df, by: lifetimes_summary(df, CUSTOMER, DATE, REVENUE),
            ref_name="lifetimes",
            groupable=False,
        ),
    )


@dataclass
class Result:
    metric: str
    grouping: str
    cx: float
    cx_peak: float  # bytes
    ref_name: str = ""
    ref: float = np.nan
    ref_peak: float = np.nan
    error: float = np.nan  # max |cxlib - reference|
    problems: list[str] = field(default_factory=list)


def peak_memory(fn: Callable[[], Any]) -> float:
    """Peak memory traced by ``tracemalloc`` during one call, above the level at its start.

    numpy and pandas report their array and hash-table allocations to tracemalloc, so
    this is the extra memory the call needed at its worst moment, its result included.
    """
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = fn()
        peak = tracemalloc.get_traced_memory()[1] - base
        del out
    finally:
        tracemalloc.stop()
    return float(peak)


def values_of(out: Any, by: str | None) -> pd.Series[float]:
    """Point estimates, indexed by group (one unnamed row when ungrouped)."""
    if isinstance(out, cx.Estimate):
        return pd.Series([out.value], dtype=np.float64)
    if isinstance(out, pd.DataFrame):
        series: pd.Series[float] = out.set_index(by)["value"].astype(np.float64)
        return series.sort_index()
    if isinstance(out, pd.Series):
        return out.astype(np.float64).sort_index()
    return pd.Series([float(out)], dtype=np.float64)


def compare_values(got: pd.Series[float], want: pd.Series[float]) -> tuple[float, list[str]]:
    if len(got) != len(want) or not np.array_equal(
        np.asarray(got.index, dtype=object), np.asarray(want.index, dtype=object)
    ):
        return np.inf, [f"groups differ: cxlib {list(got.index)}, pandas {list(want.index)}"]
    a, b = got.to_numpy(np.float64), want.to_numpy(np.float64)
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return np.inf, ["NaN in different groups"]
    err = float(np.nanmax(np.abs(a - b), initial=0.0))
    problems = [] if err <= TOLERANCE else [f"value: max |cxlib - pandas| = {err:.3g}"]
    return err, problems


def compare_rfm(got: pd.DataFrame, want: pd.DataFrame) -> tuple[float, list[str]]:
    want = want.sort_index()
    if len(got) != len(want) or not got.index.equals(want.index):
        return np.inf, [f"customers differ: cxlib {len(got):,} rows, lifetimes {len(want):,}"]
    if list(got.columns) != list(want.columns):
        return np.inf, [f"columns: cxlib {list(got.columns)}, lifetimes {list(want.columns)}"]
    worst, problems = 0.0, []
    for column in want.columns:
        err = float(np.max(np.abs(got[column].to_numpy() - want[column].to_numpy()), initial=0.0))
        worst = max(worst, err)
        if not err <= TOLERANCE:
            problems.append(f"{column}: max |cxlib - lifetimes| = {err:.3g} > {TOLERANCE}")
    return worst, problems


def run_case(
    case: Case, df: pd.DataFrame, by: str | None, repeats: int, label: str | None = None
) -> Result:
    grouping = label or ("none" if by is None else by)
    print(f"  {case.name} by {grouping} ...", file=sys.stderr, flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        case.call(df, by)  # warm-up
        t_cx, got = best_of(lambda: case.call(df, by), repeats)
        result = Result(case.name, grouping, t_cx, peak_memory(lambda: case.call(df, by)))
    if case.reference is None:
        return result
    reference = case.reference
    print(f"  {case.name} by {grouping}: {case.ref_name} ...", file=sys.stderr, flush=True)
    if case.groupable:  # the quick pandas calls get a warm-up, as cxlib does
        reference(df, by)
    result.ref_name = case.ref_name
    result.ref, want = best_of(lambda: reference(df, by), repeats)
    result.ref_peak = peak_memory(lambda: reference(df, by))
    if isinstance(want, pd.DataFrame):
        result.error, result.problems = compare_rfm(got, want)
    else:
        result.error, result.problems = compare_values(values_of(got, by), values_of(want, by))
    return result


# --------------------------------------------------------------------------- data


def history_days(n_orders: int, n_customers: int, seed: int) -> int:
    """Days of history for which make_orders gives about ``n_orders`` orders in all.

    Orders per customer grow linearly with the length of the history (a Poisson process
    of repeat orders after a uniform first day, plus a fixed share of guest orders), so
    two pilot tables fix the line.
    """
    pilot = min(n_customers, 100_000)
    d1, d2 = 365, 1460
    r1 = len(cx.datasets.make_orders(pilot, rng=seed, days=d1)) / pilot
    r2 = len(cx.datasets.make_orders(pilot, rng=seed, days=d2)) / pilot
    slope = (r2 - r1) / (d2 - d1)
    days = d1 + (n_orders / n_customers - r1) / slope
    return max(round(days), 1)


def with_id_type(df: pd.DataFrame, kind: str, seed: int) -> pd.DataFrame:
    """The orders with customer ids of another type, one label per customer.

    int64 keeps the generated nullable integers. str and category label customer ``k``
    "C" + 9 digits drawn at random (so that the labels do not sort like the integers,
    as with ids from another system); guest orders keep a missing id. The categories
    are sorted, as ``astype("category")`` makes them.
    """
    if kind == "int64":
        return df
    ids = df[CUSTOMER].to_numpy(dtype=np.int64, na_value=-1)
    n_labels = int(ids.max()) + 1
    drawn = np.random.default_rng(seed).choice(10**9, size=n_labels, replace=False)
    labels = np.array([f"C{v:09d}" for v in drawn], dtype=object)
    if kind == "str":
        values = np.where(ids >= 0, labels[np.maximum(ids, 0)], None)
        column: Any = pd.array(values, dtype="str")
    elif kind == "category":
        categories = np.sort(labels)
        rank = np.empty(n_labels, dtype=np.int64)
        rank[np.argsort(labels)] = np.arange(n_labels)
        codes = np.where(ids >= 0, rank[np.maximum(ids, 0)], -1)
        column = pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype="str"))
    else:
        raise ValueError(f"unknown id type {kind!r}")
    return df.assign(**{CUSTOMER: column})


def make_data(args: argparse.Namespace) -> tuple[pd.DataFrame, int, float]:
    days = history_days(args.n_orders, args.n_customers, args.seed)
    start = time.perf_counter()
    df = cx.datasets.make_orders(args.n_customers, rng=args.seed, days=days)
    return df, days, time.perf_counter() - start


# --------------------------------------------------------------------------- report


def megabytes(b: float) -> str:
    return f"{'-':>8}" if not np.isfinite(b) else f"{b / MB:8.0f}"


def ratio(r: float) -> str:
    """A ratio with two significant digits below 10 (0.04x, 1.7x), whole above."""
    return f"{r:.0f}x" if r >= 10 else f"{r:.1f}x" if r >= 1 else f"{r:.2f}x"


def mark(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(
    results: list[Result],
    args: argparse.Namespace,
    df: pd.DataFrame,
    days: int,
    t_data: float,
    loads: tuple[str, str],
) -> None:
    n_guest = int(df[CUSTOMER].isna().sum())
    print(
        f"\nOrder metrics: {len(df):,} orders ({n_guest:,} guest) of "
        f"{int(df[CUSTOMER].nunique()):,} customers over {days:,} days from "
        f"cx.datasets.make_orders (generated in {t_data:.1f} s); default intervals, best of "
        f"{args.repeats} ({clock_name()} clock); numpy {np.__version__}, pandas "
        f"{pd.__version__}, scipy {scipy.__version__}, cxlib {cx.__version__}; "
        f"{os.cpu_count()} CPUs; at the start "
        f"{loads[0]}, at the end {loads[1]}\n"
    )
    print(
        f"{'metric':<21} {'by / ids':<12} {'cxlib':>9} {'peak MB':>8}   {'reference':<9} "
        f"{'time':>9} {'peak MB':>8} {'ref / cxlib':>11} {'max |diff|':>10}"
    )
    for r in results:
        line = f"{r.metric:<21} {r.grouping:<12} {seconds(r.cx)} {megabytes(r.cx_peak)}   "
        if r.ref_name:
            line += (
                f"{r.ref_name:<9} {seconds(r.ref)} {megabytes(r.ref_peak)} "
                f"{ratio(r.ref / r.cx):>11} {r.error:>10.2g}"
            )
        print(line)
    print(
        "\nby / ids: the by column, or the type of the customer ids (rfm_summary). "
        "peak MB: extra memory traced by tracemalloc (numpy and pandas allocations "
        "included) during one call, result included. max |diff|: point estimates "
        "(seed metrics), or frequency, recency, T and monetary_value (rfm_summary)."
    )
    for rfm in (r for r in results if r.metric == "rfm_summary" and r.ref_name):
        speed = rfm.ref / rfm.cx
        print(
            f"(a) rfm_summary vs lifetimes, {rfm.grouping}: speed-up {ratio(speed)} (target "
            f">= {RFM_SPEED_TARGET:g}x) {mark(speed >= RFM_SPEED_TARGET)}; peak memory "
            f"{rfm.cx_peak / MB:.0f} MB vs {rfm.ref_peak / MB:.0f} MB (ratio "
            f"{rfm.cx_peak / rfm.ref_peak:.2f}, target cxlib lower) "
            f"{mark(rfm.cx_peak < rfm.ref_peak)}"
        )
    seed = [r for r in results if r.ref_name == "pandas"]
    if seed:
        print("(b) seed metrics, pandas time / cxlib time (above 1: cxlib faster; no target):")
    for r in seed:
        print(f"    {r.metric:<21} by {r.grouping:<7} {ratio(r.ref / r.cx):>6}")
    bad = [r for r in results if r.problems]
    if bad:
        for r in bad:
            print(f"check FAILED: {r.metric} by {r.grouping}: " + "; ".join(r.problems))
    else:
        print(f"checks: every compared metric agrees with its reference to {TOLERANCE:g}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n-orders", type=int, default=10_000_000, help="orders wanted (about; guests included)"
    )
    parser.add_argument("--n-customers", type=int, default=2_000_000, help="registered customers")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (best is kept)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the data")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes for a smoke test of a few seconds"
    )
    parser.add_argument(
        "--rfm-only", action="store_true", help="only rfm_summary against lifetimes"
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time by the wall clock or by the CPU time of the process (shared machines)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n_orders, args.n_customers, args.repeats = 100_000, 20_000, 1
    if args.n_customers < 1 or args.n_orders < args.n_customers or args.repeats < 1:
        parser.error("--n-customers and --repeats must be positive, --n-orders >= --n-customers")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    set_clock(args.clock)
    load_start = load_average()
    print("  generating the orders ...", file=sys.stderr, flush=True)
    df, days, t_data = make_data(args)
    period_end = df[DATE].max()
    cases = make_cases(period_end - WINDOW, period_end)  # retention over the last year
    results = []
    for case in cases:
        if case.name == "rfm_summary":
            for kind in ID_TYPES:
                data = with_id_type(df, kind, args.seed)
                results.append(run_case(case, data, None, args.repeats, f"ids {kind}"))
        elif not args.rfm_only:
            for by in (None, "member") if case.groupable else (None,):
                results.append(run_case(case, df, by, args.repeats))
    report(results, args, df, days, t_data, (load_start, load_average()))
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
