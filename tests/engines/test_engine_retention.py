"""Retention, churn and acquisition cohorts on every engine.

Each customer's activity (retention, churn) and the cohort cells are reduced in the
engine; the results must equal the pandas results to 1e-9, intervals included (the
bootstrap of customers draws the same customers in the same order), with the same
warnings, word for word.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from agreement import same_as_pandas as _both
from agreement import same_result as _same
from engine_params import IN_PROCESS, engine_cases
from hypothesis import given
from hypothesis import strategies as st

import cxlib as cx
from cxlib.orders.cohorts import _period_index
from cxlib.orders.engine_cohorts import calendar_map

Metric = Callable[..., Any]
KEYS: dict[str, Any] = {"customer": "customer", "date": "date"}
#: A period cutting through days, shorter than the inactivity window.
PERIOD: dict[str, Any] = {
    "period_start": "2024-06-01 08:15",
    "period_end": "2025-01-31 13:30",
    "inactivity": 120.5,
}


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    data = cx.datasets.make_orders(600, rng=8)
    data = data[["customer_id", "date", "revenue"]].copy()
    # Times of day, so that the activity windows cut between orders of one day.
    data["date"] = data["date"] + pd.to_timedelta(rng.integers(0, 86_400, len(data)), unit="s")
    ids = data["customer_id"]
    data["customer"] = ("c" + ids.astype("string").str.zfill(4)).astype("str")
    data.loc[ids.isna(), "customer"] = None
    # A customer attribute with a missing key, and an order attribute.
    codes = ids.fillna(0).to_numpy(dtype=np.int64) % 3
    segment = np.array(["gold", "silver", None], dtype=object)[codes]
    data["segment"] = pd.Series(segment, index=data.index, dtype="str")
    data["channel"] = np.array(["web", "app"], dtype=object)[rng.integers(0, 2, len(data))]
    data.loc[[3, 10, 40], "revenue"] = np.nan  # unreadable rows, counted in n_missing
    data.loc[[5, 77], "date"] = pd.NaT
    return data.reset_index(drop=True)


# ------------------------------------------------------------------ retention, churn


@pytest.mark.parametrize("metric", [cx.retention_rate, cx.churn_rate], ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "options",
    [
        {"ci_method": "modified-wilson"},
        {"ci_method": "delta", "revenue": "revenue"},
        {"ci_method": "bca", "revenue": "revenue", "nan_policy": "propagate"},
        {"ci_method": "percentile", "period_end": "2025-06-30", "inactivity": 60},
    ],
    ids=["wilson", "delta", "bca", "long-period"],
)
@pytest.mark.parametrize("by", [None, "segment"])
@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_retention_matches_pandas(
    engine, orders: pd.DataFrame, metric: Metric, options: dict[str, Any], by: Any
) -> None:
    kwargs = {**KEYS, **PERIOD, "by": by, "n_resamples": 199, "rng": 3, **options}
    _both(metric, engine(orders), orders, **kwargs)


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_retention_windows_at_their_edges(engine, orders: pd.DataFrame) -> None:
    """Windows ending exactly at order times, and an inactivity beyond all history."""
    frame = engine(orders)
    times = orders["date"].dropna().sort_values().reset_index(drop=True)
    start, end = times[len(times) // 3], times[2 * len(times) // 3]
    gap = (end - start) / 2  # the start of the end window falls on no order ...
    gap_on_order = end - times[len(times) // 2]  # ... and here exactly on one
    for inactivity in (gap, gap_on_order, pd.Timedelta(days=100_000)):
        est = _both(
            cx.retention_rate,
            frame,
            orders,
            **KEYS,
            period_start=start,
            period_end=end,
            inactivity=inactivity,
            revenue="revenue",
        )
        assert est.components["n_start_customers"] > 0


#: One grouped bootstrap, one churn and two cohort tables.
EVERY_ENGINE_CALLS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "retention": (
        cx.retention_rate,
        {
            **PERIOD,
            "by": "segment",
            "ci_method": "basic",
            "revenue": "revenue",
            "n_resamples": 99,
            "rng": 2,
        },
    ),
    "churn": (cx.churn_rate, {**PERIOD, "nan_policy": "propagate", "revenue": "revenue"}),
    "cohorts": (cx.cohort_retention, {"revenue": "revenue", "by": "segment"}),
    "cohorts-week-quarter": (
        cx.cohort_retention,
        {"cohort": "W", "period": "Q", "as_of": "2025-03-31 12:00"},
    ),
}


@pytest.mark.parametrize(
    ("engine", "call"),
    engine_cases(list(EVERY_ENGINE_CALLS), slow=["retention", "cohorts-week-quarter"]),
    indirect=["engine"],
)
def test_retention_and_cohorts_on_every_engine(engine, orders: pd.DataFrame, call: str) -> None:
    function, kwargs = EVERY_ENGINE_CALLS[call]
    _both(function, engine(orders), orders, **KEYS, **kwargs)


# --------------------------------------------------------------------------- cohorts


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"cohort": "W", "period": "W", "revenue": "revenue"},
        {"cohort": "Q", "period": "M", "nan_policy": "propagate", "revenue": "revenue"},
        {"cohort": "M", "period": "D", "as_of": "2024-12-31 23:00", "ci_method": "jeffreys"},
        {"cohort": "D", "period": "W", "as_of": "2024-09-01"},
    ],
    ids=["month", "week-revenue", "quarter-month", "month-day", "day-week"],
)
@pytest.mark.parametrize("by", [None, "segment"])
@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_cohorts_match_pandas(
    engine, orders: pd.DataFrame, options: dict[str, Any], by: Any
) -> None:
    want = _both(cx.cohort_retention, engine(orders), orders, **KEYS, by=by, **options)
    assert len(want) > 0
    got = cx.cohort_retention(engine(orders), **KEYS, by=by, **options)
    for values in ("retention", "customers", "cohort_size"):
        pd.testing.assert_frame_equal(cx.cohort_table(got, values), cx.cohort_table(want, values))


@pytest.mark.parametrize("freq", ["D", "W", "M", "Q"])
def test_engine_periods_are_the_calendar_periods(freq: str) -> None:
    """The engine's affine maps number every day of 1678-2261 as pandas periods do."""
    first, last = np.datetime64("1678-01-01", "D"), np.datetime64("2261-12-31", "D")
    days = np.arange(first.astype(np.int64), last.astype(np.int64) + 1)
    affine = calendar_map(freq)  # type: ignore[arg-type]
    want = _period_index(days, freq)  # type: ignore[arg-type]
    stamps = pd.DatetimeIndex(days.astype("datetime64[D]"))
    ordinals = np.asarray(stamps.to_period(freq).asi8)
    assert np.array_equal(want - want[0], ordinals - ordinals[0])  # pandas' periods
    months = (stamps.year.to_numpy() - 1970) * 12 + stamps.month.to_numpy() - 1
    base = days if affine.on_days else months
    shift = 146_097 * 10 if affine.on_days else 12 * 10_000
    got = (base + shift + affine.shift) // affine.divisor + affine.offset - shift // affine.divisor
    assert np.array_equal(got, want)


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_cohorts_far_from_1970(engine) -> None:
    """Dates of the 18th and 23rd centuries and around 1970 (negative days), dates
    without a time of day: the engine's calendar arithmetic in full."""
    rng = np.random.default_rng(11)
    anchors = pd.to_datetime(["1700-02-27", "1969-12-20", "1970-01-03", "2200-11-29"])
    parts = []
    for i, anchor in enumerate(anchors):
        offsets = rng.integers(0, 400, 60)
        customers = rng.integers(0, 15, 60)
        parts.append(
            pd.DataFrame(
                {
                    "customer": [f"k{i}-{c:02d}" for c in customers],
                    "date": anchor + pd.to_timedelta(offsets, unit="D"),
                    "revenue": rng.gamma(2.0, 10.0, 60).round(2),
                }
            )
        )
    for i, data in enumerate(parts):
        frame = engine(data.assign(date=data["date"].dt.date))  # a Date column
        as_of = anchors[i] + pd.Timedelta(days=500)
        for cohort, period in (("W", "D"), ("M", "W"), ("Q", "M"), ("D", "Q")):
            _both(cx.cohort_retention, frame, data, **KEYS, revenue="revenue",
                  cohort=cohort, period=period, as_of=as_of)  # fmt: skip
    data = pd.concat(parts[1:3], ignore_index=True)
    _both(cx.retention_rate, engine(data), data, **KEYS, period_start="1969-12-31",
          period_end="1970-03-01", inactivity=30)  # fmt: skip


@given(
    n=st.integers(1, 40),
    seed=st.integers(0, 2**16),
    cohort=st.sampled_from(["D", "W", "M", "Q"]),
    period=st.sampled_from(["D", "W", "M", "Q"]),
    inactivity=st.floats(0.5, 400.0),
)
def test_random_orders_agree_on_polars(
    n: int, seed: int, cohort: str, period: str, inactivity: float
) -> None:
    """Random small order tables: Polars gives the pandas cells and activity counts."""
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "customer": rng.choice(["a", "b", "c", "d", "e"], n),
            "date": pd.Timestamp("2023-12-25") + pd.to_timedelta(rng.integers(0, 400 * 24, n), "h"),
            "revenue": rng.integers(0, 50, n).astype(float),
        }
    )
    frame = pl.from_pandas(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate intervals of tiny samples
        _same(
            cx.cohort_retention(frame, **KEYS, revenue="revenue", cohort=cohort, period=period),
            cx.cohort_retention(data, **KEYS, revenue="revenue", cohort=cohort, period=period),
        )
        kwargs = {**KEYS, "period_start": "2024-03-01", "period_end": "2024-09-01 12:00"}
        _same(
            cx.churn_rate(frame, **kwargs, inactivity=inactivity, revenue="revenue"),
            cx.churn_rate(data, **kwargs, inactivity=inactivity, revenue="revenue"),
        )


# ------------------------------------------------------------------------- bad input


def test_bad_input_is_named(engine, orders: pd.DataFrame) -> None:
    """On every engine (the mixed groups of retention: see the test below)."""
    frame = engine(orders.assign(text=orders["date"].astype("str")))
    with pytest.raises(ValueError, match=r"cohort_retention is a customer-level metric.*several"):
        cx.cohort_retention(frame, **KEYS, by="channel")
    with pytest.raises(TypeError, match=r"date column 'text' must hold dates"):
        cx.churn_rate(frame, customer="customer", date="text", **PERIOD)
    with pytest.raises(ValueError, match=r"period_end \(2024-01-01 00:00:00\) must be after"):
        cx.churn_rate(frame, **KEYS, period_start="2024-02-01", period_end="2024-01-01")


def test_mixed_groups_error_is_that_of_pandas(orders: pd.DataFrame) -> None:
    frame = pl.from_pandas(orders)
    for metric, extra in ((cx.retention_rate, PERIOD), (cx.cohort_retention, {})):
        with pytest.raises(ValueError, match="several values") as want:
            metric(orders, **KEYS, **extra, by="channel")
        with pytest.raises(ValueError, match="several values") as got:
            metric(frame, **KEYS, **extra, by="channel")
        assert str(got.value) == str(want.value)


def test_files_are_read_in_the_engine(orders: pd.DataFrame, tmp_path: Any) -> None:
    path = tmp_path / "orders.parquet"
    orders.to_parquet(path)
    _both(cx.retention_rate, str(path), orders, **KEYS, **PERIOD, revenue="revenue", by="segment")
    _both(cx.cohort_retention, path, orders, **KEYS, cohort="W", period="M", revenue="revenue")
