"""The order-table data sets: the bundled CDNOW orders and the generated order table."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cxlib as cx

CDNOW_SOURCE = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "cdnow" / "CDNOW_master.txt"
)
CDNOW_SHA256 = "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef"
ORDER_COLUMNS = ["order_id", "customer_id", "date", "revenue", "guest", "member", "tier"]


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return cx.datasets.load_cdnow()


# --- load_cdnow ----------------------------------------------------------------------


def test_cdnow_shape_and_dtypes(cdnow: pd.DataFrame) -> None:
    assert cdnow.shape == (69_659, 4)
    assert list(cdnow.columns) == ["customer_id", "date", "number_of_cds", "revenue"]
    assert cdnow.dtypes.astype(str).to_dict() == {
        "customer_id": "int64",
        "date": "datetime64[ns]",
        "number_of_cds": "int64",
        "revenue": "float64",
    }
    assert isinstance(cdnow.index, pd.RangeIndex)
    assert not cdnow.isna().any().any()


def test_cdnow_counts_and_ranges(cdnow: pd.DataFrame) -> None:
    assert cdnow["customer_id"].nunique() == 23_570
    assert set(cdnow["customer_id"]) == set(range(1, 23_571))
    assert cdnow["date"].min() == pd.Timestamp("1997-01-01")
    assert cdnow["date"].max() == pd.Timestamp("1998-06-30")
    assert (cdnow["date"] == cdnow["date"].dt.normalize()).all()
    # The cohort: every customer's first purchase is in the first quarter of 1997.
    first = cdnow.groupby("customer_id")["date"].min()
    assert first.max() < pd.Timestamp("1997-04-01")
    assert (cdnow["number_of_cds"] >= 1).all()
    assert (cdnow["revenue"] >= 0).all()
    # The file's order: by customer, then by date within a customer.
    assert cdnow["customer_id"].is_monotonic_increasing
    keys = cdnow["customer_id"].to_numpy() * 10**6 + (cdnow["date"] - first.min()).dt.days
    assert keys.is_monotonic_increasing


def test_cdnow_returns_a_fresh_frame(cdnow: pd.DataFrame) -> None:
    again = cx.datasets.load_cdnow()
    again.loc[0, "revenue"] = -1.0
    assert cdnow.loc[0, "revenue"] == pytest.approx(11.77)
    assert cx.datasets.load_cdnow().loc[0, "revenue"] == pytest.approx(11.77)


def test_cdnow_totals() -> None:
    orders = cx.datasets.load_cdnow()
    assert int(orders["number_of_cds"].sum()) == 167_881
    assert round(float(orders["revenue"].sum()), 2) == pytest.approx(2_500_315.63, abs=1e-6)


@pytest.mark.skipif(
    not CDNOW_SOURCE.is_file(),
    reason=f"the original CDNOW_master.txt is not available at {CDNOW_SOURCE} "
    "(it lives in the project's shared folder, which CI clones may not have)",
)
def test_cdnow_matches_an_independent_parse_of_the_original(cdnow: pd.DataFrame) -> None:
    raw = CDNOW_SOURCE.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == CDNOW_SHA256
    lines = raw.decode("ascii").splitlines()
    assert lines[0].split() == ["customer_id", "date", "number_of_cds", "dollar_value"]
    rows = [line.split() for line in lines[1:] if line.strip()]
    assert len(rows) == len(cdnow) == 69_659
    customers = [int(r[0]) for r in rows]
    dates = [datetime.datetime.strptime(r[1], "%Y%m%d") for r in rows]
    cds = [int(r[2]) for r in rows]
    cents = [int(Decimal(r[3]) * 100) for r in rows]
    assert len(set(customers)) == 23_570
    assert sum(cds) == int(cdnow["number_of_cds"].sum())
    total = Decimal(sum(cents)) / 100
    assert float(total) == pytest.approx(float(cdnow["revenue"].sum()), abs=1e-6)
    assert int(np.rint(cdnow["revenue"].to_numpy() * 100).astype(np.int64).sum()) == sum(cents)
    # Row for row, in the file's order.
    assert cdnow["customer_id"].tolist() == customers
    assert cdnow["number_of_cds"].tolist() == cds
    assert np.rint(cdnow["revenue"].to_numpy() * 100).astype(np.int64).tolist() == cents
    assert (cdnow["date"].to_numpy() == np.array(dates, dtype="datetime64[ns]")).all()


# --- make_orders: structure ----------------------------------------------------------


def _check_orders(orders: pd.DataFrame, n_customers: int, start: pd.Timestamp, days: int) -> None:
    assert list(orders.columns) == ORDER_COLUMNS
    assert orders.dtypes.astype(str).to_dict() == {
        "order_id": "int64",
        "customer_id": "Int64",
        "date": "datetime64[ns]",
        "revenue": "float64",
        "guest": "bool",
        "member": "bool",
        "tier": "int64",
    }
    assert isinstance(orders.index, pd.RangeIndex)
    assert orders["order_id"].is_unique
    # Sorted by date, then order id.
    assert orders.equals(orders.sort_values(["date", "order_id"], ignore_index=True))
    # Guests are exactly the orders without a customer, and never members.
    assert (orders["guest"] == orders["customer_id"].isna()).all()
    assert not (orders["guest"] & orders["member"]).any()
    registered = orders[~orders["guest"]]
    # Every registered customer 1..n places at least one order.
    assert set(registered["customer_id"].astype(np.int64)) == set(range(1, n_customers + 1))
    # Membership is constant per customer.
    member = registered.groupby("customer_id")["member"]
    assert (member.min() == member.max()).all()
    assert orders["date"].between(start, start + pd.Timedelta(days=days), inclusive="left").all()
    assert ((orders["date"] - start) % pd.Timedelta(days=1) == pd.Timedelta(0)).all()
    revenue = orders["revenue"].to_numpy()
    assert np.isfinite(revenue).all()
    assert (revenue > 0).all()
    assert orders["tier"].isin([1, 2, 3]).all()


@given(
    n_customers=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
    start=st.dates(datetime.date(1990, 1, 1), datetime.date(2100, 12, 31)),
    days=st.integers(1, 2_000),
    guest_share=st.floats(0.0, 0.9),
    member_share=st.floats(0.0, 1.0),
)
def test_make_orders_invariants(
    n_customers: int,
    seed: int,
    start: datetime.date,
    days: int,
    guest_share: float,
    member_share: float,
) -> None:
    kwargs: dict[str, Any] = {
        "rng": seed,
        "start": start.isoformat(),
        "days": days,
        "guest_share": guest_share,
        "member_share": member_share,
    }
    orders = cx.datasets.make_orders(n_customers, **kwargs)
    _check_orders(orders, n_customers, pd.Timestamp(start), days)
    # Same seed, same table, whether given as an int or a Generator.
    again = cx.datasets.make_orders(n_customers, **{**kwargs, "rng": np.random.default_rng(seed)})
    pd.testing.assert_frame_equal(orders, again)


def test_make_orders_defaults() -> None:
    orders = cx.datasets.make_orders(rng=0)
    _check_orders(orders, 10_000, pd.Timestamp("2024-01-01"), 730)
    assert orders["date"].min() == pd.Timestamp("2024-01-01")
    assert orders["date"].max() <= pd.Timestamp("2025-12-30")


def test_make_orders_is_seeded() -> None:
    a = cx.datasets.make_orders(500, rng=3)
    pd.testing.assert_frame_equal(a, cx.datasets.make_orders(500, rng=3))
    assert not a.equals(cx.datasets.make_orders(500, rng=4))
    # A shared Generator advances, so two calls differ.
    gen = np.random.default_rng(3)
    first = cx.datasets.make_orders(500, rng=gen)
    pd.testing.assert_frame_equal(a, first)
    assert not first.equals(cx.datasets.make_orders(500, rng=gen))


def test_make_orders_extreme_shares() -> None:
    no_guests = cx.datasets.make_orders(200, rng=1, guest_share=0.0, member_share=1.0)
    assert not no_guests["guest"].any()
    assert no_guests["member"].all()
    no_members = cx.datasets.make_orders(200, rng=1, member_share=0.0)
    assert not no_members["member"].any()
    one = cx.datasets.make_orders(1, rng=1, days=1, guest_share=0.0)
    assert (one["customer_id"] == 1).all()
    assert (one["date"] == pd.Timestamp("2024-01-01")).all()


def test_make_orders_start_with_a_time_of_day() -> None:
    start = pd.Timestamp("2023-03-05 09:30")
    orders = cx.datasets.make_orders(300, rng=2, start=np.datetime64("2023-03-05T09:30"), days=10)
    _check_orders(orders, 300, start, 10)


# --- make_orders: the behaviour it is designed to show ---------------------------------


@pytest.fixture(scope="module")
def big_orders() -> pd.DataFrame:
    return cx.datasets.make_orders(200_000, rng=20_240_101)


def test_members_spend_about_12_percent_more_per_order(big_orders: pd.DataFrame) -> None:
    aov = big_orders.groupby("member")["revenue"].mean()
    assert aov[True] / aov[False] == pytest.approx(1.12, abs=0.02)
    registered = big_orders[~big_orders["guest"]]
    aov_registered = registered.groupby("member")["revenue"].mean()
    assert aov_registered[True] / aov_registered[False] == pytest.approx(1.12, abs=0.03)
    # Part of the lift is members' richer tier mix, part a price premium at equal tier.
    by_tier = registered.pivot_table(
        index="tier", columns="member", values="revenue", aggfunc="mean"
    )
    premium = by_tier[True] / by_tier[False]
    assert ((premium > 1.0) & (premium < 1.12)).all()


def test_members_order_more_often(big_orders: pd.DataFrame) -> None:
    registered = big_orders[~big_orders["guest"]]
    per_customer = registered.groupby("customer_id").agg(
        orders=("order_id", "size"), member=("member", "first")
    )
    mean_orders = per_customer.groupby("member")["orders"].mean()
    assert mean_orders[True] > 1.5 * mean_orders[False]
    assert per_customer["member"].mean() == pytest.approx(0.3, abs=0.01)


def test_single_and_repeat_buyers(big_orders: pd.DataFrame) -> None:
    registered = big_orders[~big_orders["guest"]]
    per_customer = registered.groupby("customer_id").size()
    repeat_rate = (per_customer > 1).mean()
    assert 0.3 < repeat_rate < 0.7
    assert per_customer.max() >= 10  # a few heavy buyers


def test_guest_checkout_rate(big_orders: pd.DataFrame) -> None:
    assert big_orders["guest"].mean() == pytest.approx(0.15, abs=0.005)
    low = cx.datasets.make_orders(20_000, rng=5, guest_share=0.4)
    assert low["guest"].mean() == pytest.approx(0.4, abs=0.01)


def test_upsell_only_moves_up(big_orders: pd.DataFrame) -> None:
    registered = big_orders[~big_orders["guest"]].sort_values(["customer_id", "date", "order_id"])
    tier = registered.groupby("customer_id")["tier"]
    # Orders on the same day have no defined order, so compare across days only.
    daily = registered.groupby(["customer_id", "date"])["tier"].agg(["min", "max"])
    earlier_max = daily.groupby(level="customer_id")["max"].shift()
    assert not (daily["min"] < earlier_max).any()
    first_last = tier.agg(["first", "max", "size"])
    repeaters = first_last[first_last["size"] > 1]
    upsell_rate = (repeaters["max"] > repeaters["first"]).mean()
    assert 0.1 < upsell_rate < 0.5
    # Premium tiers are more common among repeat orders than among first orders.
    is_first = registered.groupby("customer_id").cumcount() == 0
    assert registered.loc[~is_first, "tier"].mean() > registered.loc[is_first, "tier"].mean()


def test_gaps_between_orders_are_roughly_exponential(big_orders: pd.DataFrame) -> None:
    registered = big_orders[~big_orders["guest"]].sort_values(["customer_id", "date", "order_id"])
    gaps = registered.groupby("customer_id")["date"].diff().dropna().dt.days.to_numpy()
    assert gaps.size > 10_000
    # A mixture of exponentials: decreasing histogram, coefficient of variation >= 1.
    hist = np.histogram(gaps, bins=[0, 30, 60, 90, 120, 150])[0]
    assert (np.diff(hist) < 0).all()
    assert gaps.std() / gaps.mean() > 1.0


# --- make_orders: errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "pattern"),
    [
        ((0,), {}, ValueError, "n_customers must be a positive integer"),
        ((-5,), {}, ValueError, "n_customers must be a positive integer"),
        ((2.5,), {}, ValueError, "n_customers must be a positive integer"),
        ((True,), {}, ValueError, "n_customers must be a positive integer"),
        ((10,), {"days": 0}, ValueError, "days must be a positive integer"),
        ((10,), {"guest_share": -0.1}, ValueError, r"guest_share must be in \[0, 1\)"),
        ((10,), {"guest_share": 1.0}, ValueError, r"guest_share must be in \[0, 1\)"),
        ((10,), {"guest_share": float("nan")}, ValueError, "guest_share must be in"),
        ((10,), {"member_share": 1.5}, ValueError, r"member_share must be in \[0, 1\]"),
        ((10,), {"member_share": -0.01}, ValueError, r"member_share must be in \[0, 1\]"),
        ((10,), {"member_share": "0.3"}, TypeError, "member_share must be a number"),
        ((10,), {"rng": "seed"}, TypeError, "rng must be None"),
        ((10,), {"rng": 1.5}, TypeError, "rng must be None"),
        ((10,), {"rng": -1}, ValueError, "rng seed must be non-negative"),
        ((10,), {"start": "not a date"}, ValueError, "start must be a date"),
        ((10,), {"start": None}, ValueError, "start must be a date"),
        ((10,), {"start": 20240101}, TypeError, "start must be a date"),
        ((10,), {"start": "2024-01-01T00:00+01:00"}, ValueError, "timezone-naive"),
        ((10,), {"start": "2262-01-01", "days": 730}, ValueError, "datetime64"),
    ],
)
def test_make_orders_bad_arguments(
    args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        cx.datasets.make_orders(*args, **kwargs)
