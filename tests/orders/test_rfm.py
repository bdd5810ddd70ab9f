"""RFM summaries against lifetimes' algorithm and published CDNOW figures."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference_rfm import (
    CDNOW_SAMPLE_MASTER_IDS,
    CDNOW_SAMPLE_SUMMARY_SHA256,
    lifetimes_summary,
    reference_calibration,
)

from cxlib.orders.rfm import rfm_calibration_holdout, rfm_summary
from cxlib.orders.rfm_scores import RFM_SEGMENTS, rfm_scores

CDNOW_PATH = Path(__file__).resolve().parents[3] / "shared" / "data" / "cdnow" / "CDNOW_master.txt"
BASE = pd.Timestamp("2024-01-01")  # a Monday
UNITS = ["D", "W", "W-WED", "M", "h"]


def _orders(rows: list[tuple[Any, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
            "value": [r[2] for r in rows],
        }
    )


def assert_same(result: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(result.index) == list(expected.index)
    assert result.index.name == expected.index.name
    assert list(result.columns) == list(expected.columns)
    assert all(dtype == np.float64 for dtype in result.dtypes)
    np.testing.assert_allclose(
        result.to_numpy(), expected.to_numpy(dtype=np.float64), rtol=1e-12, atol=1e-9
    )


# --- generated order tables -------------------------------------------------------------


@st.composite
def order_tables(draw: st.DrawFn) -> pd.DataFrame:
    """Small tables: few customers (and guests), clustered dates, times of day."""
    n = draw(st.integers(1, 25))
    ids = draw(st.lists(st.sampled_from(["a", "b", "c", "d", None]), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 70), min_size=n, max_size=n))
    minutes = draw(st.lists(st.sampled_from([0, 0, 0, 1, 600, 1439]), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(0, 50_000), min_size=n, max_size=n))
    dates = BASE + pd.to_timedelta(days, unit="D") + pd.to_timedelta(minutes, unit="min")
    # Whole cents (summed exactly) or thirds of a cent (summed in float, value by value).
    divisor = draw(st.sampled_from([100, 300]))
    return pd.DataFrame({"customer": ids, "date": dates, "value": np.array(cents) / divisor})


def end_dates(orders: pd.DataFrame) -> st.SearchStrategy[Any]:
    """None (the last order), an order's own date, or a date around the orders."""
    return st.one_of(
        st.none(),
        st.sampled_from(list(orders["date"])),
        st.builds(
            lambda d, m: BASE + pd.Timedelta(days=d, minutes=m),
            st.integers(-3, 75),
            st.sampled_from([0, 720]),
        ),
    )


@given(data=st.data(), unit=st.sampled_from(UNITS), include_first=st.booleans())
def test_summary_matches_lifetimes_reference(
    data: st.DataObject, unit: str, include_first: bool
) -> None:
    orders = data.draw(order_tables())
    end = data.draw(end_dates(orders))
    revenue = data.draw(st.sampled_from(["value", None]))
    expected = lifetimes_summary(orders, "customer", "date", revenue, end, unit, include_first)
    kwargs: dict[str, Any] = {
        "customer": "customer",
        "date": "date",
        "revenue": revenue,
        "as_of": end,
        "time_unit": unit,
        "include_first_transaction": include_first,
    }
    if expected.empty:  # only guests, or every order after the end
        with pytest.raises(ValueError, match="no customer"):
            rfm_summary(orders, **kwargs)
        return
    result = rfm_summary(orders, **kwargs)
    assert_same(result, expected)
    shuffled = orders.sample(frac=1.0, random_state=7).reset_index(drop=True)
    pd.testing.assert_frame_equal(rfm_summary(shuffled, **kwargs), result, check_exact=True)


@given(data=st.data(), unit=st.sampled_from(UNITS))
def test_calibration_holdout_matches_reference(data: st.DataObject, unit: str) -> None:
    orders = data.draw(order_tables())
    cal_end = BASE + pd.Timedelta(
        days=data.draw(st.integers(-2, 72)), hours=data.draw(st.sampled_from([0, 13]))
    )
    end = data.draw(end_dates(orders))
    revenue = data.draw(st.sampled_from(["value", None]))
    kwargs: dict[str, Any] = {
        "customer": "customer",
        "date": "date",
        "calibration_period_end": cal_end,
        "as_of": end,
        "revenue": revenue,
        "time_unit": unit,
    }
    end_stamp = orders["date"].max() if end is None else end
    if pd.Period(cal_end, unit) >= pd.Period(end_stamp, unit):
        with pytest.raises(ValueError, match=r"calibration_period_end|no customer"):
            rfm_calibration_holdout(orders, **kwargs)
        return
    known = orders["customer"].notna() & (
        orders["date"].dt.to_period(unit) <= pd.Period(cal_end, unit)
    )
    if not known.any():
        with pytest.raises(ValueError, match="no customer"):
            rfm_calibration_holdout(orders, **kwargs)
        return
    result = rfm_calibration_holdout(orders, **kwargs)
    expected = reference_calibration(orders, "customer", "date", cal_end, end, revenue, unit)
    assert_same(result, expected)
    shuffled = orders.iloc[::-1].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        rfm_calibration_holdout(shuffled, **kwargs), result, check_exact=True
    )


# --- edge cases, spelled out ------------------------------------------------------------


def test_one_customer_one_order() -> None:
    orders = _orders([("a", "2024-03-05", 12.5)])
    result = rfm_summary(orders, customer="customer", date="date", revenue="value")
    assert result.to_dict("index") == {
        "a": {"frequency": 0.0, "recency": 0.0, "T": 0.0, "monetary_value": 0.0}
    }
    later = rfm_summary(orders, customer="customer", date="date", as_of="2024-03-15")
    assert later.loc["a", "T"] == 10.0
    assert list(later.columns) == ["frequency", "recency", "T"]
    first = rfm_summary(
        orders, customer="customer", date="date", revenue="value", include_first_transaction=True
    )
    assert first.loc["a"].tolist() == [1.0, 0.0, 0.0, 12.5]


def test_same_day_orders_are_one_occasion() -> None:
    orders = _orders(
        [("a", "2024-01-01 09:00", 10.0), ("a", "2024-01-01 18:00", 5.0), ("a", "2024-01-04", 7.0)]
    )
    result = rfm_summary(orders, customer="customer", date="date", revenue="value")
    assert result.loc["a"].tolist() == [1.0, 3.0, 3.0, 7.0]
    first = rfm_summary(
        orders, customer="customer", date="date", revenue="value", include_first_transaction=True
    )
    assert first.loc["a"].tolist() == [2.0, 3.0, 3.0, 11.0]  # (15 + 7) / 2
    hourly = rfm_summary(orders, customer="customer", date="date", revenue="value", time_unit="h")
    assert hourly.loc["a"].tolist() == [2.0, 63.0, 63.0, 6.0]  # 1 Jan 9:00 to 4 Jan 0:00


def test_orders_at_and_after_the_observation_end() -> None:
    orders = _orders(
        [
            ("a", "2024-01-01", 1.0),
            ("a", "2024-01-10", 2.0),  # exactly at the end: kept
            ("a", "2024-01-10 22:30", 4.0),  # later on the end day: same period, kept
            ("a", "2024-01-11", 8.0),  # after the end: dropped
            ("b", "2024-01-12", 3.0),  # first order after the end: not a customer
        ]
    )
    result = rfm_summary(
        orders,
        customer="customer",
        date="date",
        revenue="value",
        as_of="2024-01-10",
    )
    assert list(result.index) == ["a"]
    assert result.loc["a"].tolist() == [1.0, 9.0, 9.0, 6.0]
    # Weeks: the end (a Wednesday) keeps its whole week, Monday 8 to Sunday 14 January.
    weekly = rfm_summary(
        orders,
        customer="customer",
        date="date",
        revenue="value",
        as_of="2024-01-10",
        time_unit="W",
    )
    assert weekly.loc["a"].tolist() == [1.0, 1.0, 1.0, 14.0]
    assert weekly.loc["b"].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_guest_orders_are_left_out_but_set_the_default_end() -> None:
    orders = _orders([("a", "2024-01-01", 1.0), (None, "2024-01-31", 9.0)])
    result = rfm_summary(orders, customer="customer", date="date", revenue="value")
    assert list(result.index) == ["a"]
    assert result.loc["a", "T"] == 30.0


def test_calendar_units_count_whole_periods() -> None:
    orders = _orders([("a", "2024-01-31", 1.0), ("a", "2024-02-01", 2.0), ("a", "2024-06-15", 3.0)])
    monthly = rfm_summary(orders, customer="customer", date="date", time_unit="M")
    assert monthly.loc["a"].tolist() == [2.0, 5.0, 5.0]
    quarterly = rfm_summary(
        orders, customer="customer", date="date", time_unit="Q", as_of="2025-01-01"
    )
    assert quarterly.loc["a"].tolist() == [1.0, 1.0, 4.0]
    yearly = rfm_summary(orders, customer="customer", date="date", time_unit="Y")
    assert yearly.loc["a"].tolist() == [0.0, 0.0, 0.0]


def test_weeks_count_calendar_weeks_not_days_over_seven() -> None:
    # Sunday 7 January and Monday 8 January are one day apart but in consecutive weeks.
    orders = _orders([("a", "2024-01-07", 1.0), ("a", "2024-01-08", 1.0)])
    assert rfm_summary(orders, customer="customer", date="date", time_unit="W").loc[
        "a"
    ].tolist() == [1.0, 1.0, 1.0]
    assert rfm_summary(orders, customer="customer", date="date", time_unit="W-MON").loc[
        "a"
    ].tolist() == [0.0, 0.0, 0.0]


def test_string_dates_integer_ids_and_index_name() -> None:
    orders = pd.DataFrame(
        {"cid": [3, 1, 3], "when": ["2024-01-05", "2024-01-01", "2024-01-02"], "v": [1, 2, 3]}
    )
    result = rfm_summary(orders, customer="cid", date="when", revenue="v")
    assert list(result.index) == [1, 3]
    assert result.index.name == "cid"
    assert result.loc[3].tolist() == [1.0, 3.0, 3.0, 1.0]
    assert orders["when"].dtype != "datetime64[ns]"  # the input is not modified


def test_time_zone_aware_dates_use_their_wall_time() -> None:
    naive = _orders(
        [("a", "2024-03-01 23:30", 1.0), ("a", "2024-03-02 00:30", 2.0), ("b", "2024-03-09", 3.0)]
    )
    aware = naive.assign(date=naive["date"].dt.tz_localize("Europe/Warsaw"))
    expected = rfm_summary(
        naive,
        customer="customer",
        date="date",
        revenue="value",
        as_of="2024-03-05",
    )
    end = pd.Timestamp("2024-03-05", tz="Europe/Warsaw")
    result = rfm_summary(aware, customer="customer", date="date", revenue="value", as_of=end)
    pd.testing.assert_frame_equal(result, expected)
    with pytest.raises(ValueError, match="time zone"):
        rfm_summary(naive, customer="customer", date="date", as_of=end)
    cal = pd.Timestamp("2024-03-01 23:00", tz="UTC")  # 2 March 00:00 in Warsaw
    pd.testing.assert_frame_equal(
        rfm_calibration_holdout(
            aware, customer="customer", date="date", calibration_period_end=cal
        ),
        rfm_calibration_holdout(
            naive, customer="customer", date="date", calibration_period_end="2024-03-02"
        ),
    )


def test_refunds_need_allow_refunds() -> None:
    orders = _orders(
        [("a", "2024-01-01", 10.0), ("a", "2024-01-02", 30.0), ("a", "2024-01-02", -5.0)]
    )
    with pytest.raises(ValueError, match="allow_refunds"):
        rfm_summary(orders, customer="customer", date="date", revenue="value")
    result = rfm_summary(
        orders, customer="customer", date="date", revenue="value", allow_refunds=True
    )
    assert result.loc["a", "monetary_value"] == 25.0


def test_calibration_holdout_example() -> None:
    orders = _orders(
        [
            ("a", "2024-01-01", 10.0),
            ("a", "2024-01-05", 20.0),
            ("a", "2024-01-20", 30.0),
            ("a", "2024-01-20", 10.0),
            ("a", "2024-01-22", 5.0),
            ("b", "2024-01-08", 5.0),
            ("c", "2024-01-15", 40.0),  # first purchase in the holdout: not a customer
            (None, "2024-01-31", 1.0),
        ]
    )
    result = rfm_calibration_holdout(
        orders,
        customer="customer",
        date="date",
        calibration_period_end="2024-01-10",
        revenue="value",
    )
    assert list(result.columns) == [
        "frequency_cal",
        "recency_cal",
        "T_cal",
        "monetary_value_cal",
        "frequency_holdout",
        "monetary_value_holdout",
        "duration_holdout",
    ]
    assert list(result.index) == ["a", "b"]
    assert result.loc["a"].tolist() == [1.0, 4.0, 9.0, 20.0, 2.0, 22.5, 21.0]
    assert result.loc["b"].tolist() == [0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 21.0]
    no_revenue = rfm_calibration_holdout(
        orders, customer="customer", date="date", calibration_period_end="2024-01-10"
    )
    assert list(no_revenue.columns) == [
        "frequency_cal",
        "recency_cal",
        "T_cal",
        "frequency_holdout",
        "duration_holdout",
    ]


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_unit", "error", "match"),
    [
        ("X", ValueError, "time_unit"),
        ("2D", ValueError, "without a multiple"),
        pytest.param(
            "d",
            ValueError,
            "time_unit",
            marks=pytest.mark.skipif(
                int(pd.__version__.split(".")[0]) < 3,
                reason="pandas < 3 takes 'd' for a day without deprecating it",
            ),
        ),  # deprecated alias
        ("ME", ValueError, "time_unit"),  # an offset alias, not a period alias
        (7, TypeError, "time_unit"),
    ],
)
def test_bad_time_unit(time_unit: Any, error: type[Exception], match: str) -> None:
    orders = _orders([("a", "2024-01-01", 1.0)])
    with pytest.raises(error, match=match):
        rfm_summary(orders, customer="customer", date="date", time_unit=time_unit)


def test_input_errors() -> None:
    orders = _orders([("a", "2024-01-05", 1.0), (None, "2024-01-06", 1.0)])
    with pytest.raises(ValueError, match="customer='who' is not a column"):
        rfm_summary(orders, customer="who", date="date")
    with pytest.raises(ValueError, match="revenue='price' is not a column"):
        rfm_summary(orders, customer="customer", date="date", revenue="price")
    with pytest.raises(TypeError, match="orders must be a pandas DataFrame"):
        rfm_summary(orders.to_dict(), customer="customer", date="date")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="orders is empty"):
        rfm_summary(orders.iloc[:0], customer="customer", date="date")
    with pytest.raises(ValueError, match="as_of must be a date"):
        rfm_summary(orders, customer="customer", date="date", as_of="soon")
    with pytest.raises(ValueError, match="no customer order falls in or before"):
        rfm_summary(orders, customer="customer", date="date", as_of="2024-01-04")
    with pytest.raises(ValueError, match="no customer id"):
        rfm_summary(orders.assign(customer=None), customer="customer", date="date")
    with pytest.raises(TypeError, match="date column 'value' must hold dates"):
        rfm_summary(orders, customer="customer", date="value")


def test_calibration_errors() -> None:
    orders = _orders([("a", "2024-01-05", 1.0), ("a", "2024-02-06", 1.0)])
    kwargs: dict[str, Any] = {"customer": "customer", "date": "date"}
    with pytest.raises(ValueError, match="calibration_period_end=2024-03-01 00:00:00 is after"):
        rfm_calibration_holdout(orders, calibration_period_end="2024-03-01", **kwargs)
    with pytest.raises(ValueError, match="same 'W' period"):
        rfm_calibration_holdout(
            orders, calibration_period_end="2024-02-05", time_unit="W", **kwargs
        )
    with pytest.raises(ValueError, match="there are no calibration customers"):
        rfm_calibration_holdout(orders, calibration_period_end="2024-01-01", **kwargs)
    with pytest.raises(TypeError, match="calibration_period_end must be a date"):
        rfm_calibration_holdout(orders, calibration_period_end=None, **kwargs)


# --- CDNOW --------------------------------------------------------------------------------

# lifetimes 0.11.3 (summary_data_from_transaction_data and calibration_and_holdout_data,
# on pandas 3.1.1) run outside the test suite on the full CDNOW master file: column sums
# and the number of customers without a repeat purchase.
LIFETIMES_CDNOW_FIGURES: dict[tuple[str, bool], dict[str, float]] = {
    ("D", False): {
        "frequency": 44_021,
        "recency": 3_178_932,
        "T": 11_834_346,
        "monetary_value": 414_282.3843972235,
        "no_repeat": 12_054,
    },
    ("W", False): {
        "frequency": 40_629,
        "recency": 454_205,
        "T": 1_697_280,
        "monetary_value": 425_903.47467967274,
        "no_repeat": 12_220,
    },
    ("D", True): {
        "frequency": 67_591,
        "recency": 3_178_932,
        "T": 11_834_346,
        "monetary_value": 780_558.3270690088,
        "no_repeat": 0,
    },
}
LIFETIMES_CDNOW_CALIBRATION = {  # calibration end 1997-09-30, holdout to 1998-06-30, days
    "frequency_cal": 24_337,
    "recency_cal": 1_129_644,
    "T_cal": 5_399_736,
    "monetary_value_cal": 336_714.2874382242,
    "frequency_holdout": 19_684,
    "duration_holdout": 23_570 * 273,
}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    if not CDNOW_PATH.exists():
        pytest.skip(f"the CDNOW master file is not available at {CDNOW_PATH}")
    frame = pd.read_csv(CDNOW_PATH, sep=r"\s+", dtype={"date": str})
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame


@pytest.fixture(scope="module")
def cdnow_summary(cdnow: pd.DataFrame) -> pd.DataFrame:
    return rfm_summary(cdnow, customer="customer_id", date="date", revenue="dollar_value")


def test_cdnow_matches_reference(cdnow: pd.DataFrame, cdnow_summary: pd.DataFrame) -> None:
    assert len(cdnow) == 69_659
    assert len(cdnow_summary) == 23_570
    expected = lifetimes_summary(cdnow, "customer_id", "date", "dollar_value")
    assert_same(cdnow_summary, expected)


@pytest.mark.parametrize(("unit", "include_first"), list(LIFETIMES_CDNOW_FIGURES))
def test_cdnow_lifetimes_figures(
    cdnow: pd.DataFrame, cdnow_summary: pd.DataFrame, unit: str, include_first: bool
) -> None:
    summary = (
        cdnow_summary
        if (unit, include_first) == ("D", False)
        else rfm_summary(
            cdnow,
            customer="customer_id",
            date="date",
            revenue="dollar_value",
            time_unit=unit,
            include_first_transaction=include_first,
        )
    )
    figures = LIFETIMES_CDNOW_FIGURES[unit, include_first]
    for column in ("frequency", "recency", "T"):
        assert summary[column].sum() == figures[column]
    assert summary["monetary_value"].sum() == pytest.approx(figures["monetary_value"], rel=1e-12)
    assert int((summary["frequency"] == 0).sum()) == figures["no_repeat"]


def _half_up_cents(mean: float, count: int) -> str:
    """Two decimals of a mean of cent amounts, halves rounded up (as the published table)."""
    if count == 0:
        return "0.00"
    total = round(mean * count * 100)  # the exact sum in cents
    cents = (2 * total + count) // (2 * count)
    return f"{cents // 100}.{cents % 100:02d}"


def _published_rows(summary: pd.DataFrame) -> list[str]:
    return [
        f"{sample_id},{int(x)},{t_x / 7:.2f},{t / 7:.2f},{_half_up_cents(zbar, int(x))}"
        for sample_id, (x, t_x, t, zbar) in enumerate(summary.itertuples(index=False), start=1)
    ]


def test_cdnow_published_sample_summary(cdnow: pd.DataFrame) -> None:
    """Fader and Hardie's published calibration summary of the 2357-customer sample."""
    ids = [int(i) for i in CDNOW_SAMPLE_MASTER_IDS.split()]
    assert len(ids) == len(set(ids)) == 2357
    summary = rfm_summary(
        cdnow,
        customer="customer_id",
        date="date",
        revenue="dollar_value",
        as_of="1997-09-30",
    ).loc[ids]
    rows = _published_rows(summary)
    assert rows[:3] == ["1,2,30.43,38.86,22.35", "2,1,1.71,38.86,11.77", "3,0,0.00,38.86,0.00"]
    digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    assert digest == CDNOW_SAMPLE_SUMMARY_SHA256  # every row equals the published table
    assert int(summary["frequency"].sum()) == 2457  # repeat purchases in the calibration
    assert int((summary["frequency"] == 0).sum()) == 1411  # customers without any
    cal = rfm_calibration_holdout(
        cdnow,
        customer="customer_id",
        date="date",
        calibration_period_end="1997-09-30",
        revenue="dollar_value",
    ).loc[ids]
    cal_rows = _published_rows(cal[["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]])
    assert hashlib.sha256("\n".join(cal_rows).encode()).hexdigest() == CDNOW_SAMPLE_SUMMARY_SHA256


def test_cdnow_calibration_holdout(cdnow: pd.DataFrame) -> None:
    result = rfm_calibration_holdout(
        cdnow,
        customer="customer_id",
        date="date",
        calibration_period_end="1997-09-30",
        revenue="dollar_value",
    )
    assert len(result) == 23_570  # every CDNOW customer's first purchase is in Q1 1997
    for column, total in LIFETIMES_CDNOW_CALIBRATION.items():
        assert result[column].sum() == pytest.approx(total, rel=1e-12)
    expected = reference_calibration(
        cdnow, "customer_id", "date", "1997-09-30", revenue="dollar_value"
    )
    assert_same(result, expected)


def test_cdnow_scores(cdnow: pd.DataFrame) -> None:
    summary = rfm_summary(
        cdnow,
        customer="customer_id",
        date="date",
        revenue="dollar_value",
        include_first_transaction=True,
    )
    scored = rfm_scores(summary)
    one_time = summary["frequency"] == 1
    assert one_time.mean() > 0.5  # a heavy tie
    assert (scored.loc[one_time, "f_score"] == 1).all()
    assert (scored.loc[~one_time, "f_score"] >= 2).all()
    for column in ("r_score", "f_score", "m_score"):
        assert sorted(scored[column].unique()) == [1, 2, 3, 4, 5]
    counts = scored.loc[~one_time, "f_score"].value_counts()
    assert counts.min() > 0.1 * (~one_time).sum()  # the repeat buyers spread over 2..5
    assert set(scored["segment"].unique()) <= {s.name for s in RFM_SEGMENTS}


# --- the two reductions agree ---------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "n", "n_customers", "offset"),
    [
        (30, 5_000, 700, 10**6),
        (40_000, 5_000, 700, 10**6),
        (2**55, 5_000, 700, 10**6),
        (30, 60_000, 700, 10**6),  # past the hashing threshold, mostly repeated keys
        (400, 60_000, 20_000, 10**6),  # past the hashing threshold, few repeats
        (400, 60_000, 20_000, 3 * 10**9),  # periods beyond int32 (seconds after 2038)
    ],
)
def test_exact_and_sorted_reductions_agree(
    span: int, n: int, n_customers: int, offset: int
) -> None:
    """The cents path (narrow keys, exact sums) equals the path that sorts the revenue.

    Spans of periods give int32 keys, int64 keys, and keys too wide for the cents path;
    from 2**14 orders on, the cents path hashes the (customer, period) keys.
    """
    from cxlib.orders import rfm_reduce

    rng = np.random.default_rng(span % 1000 + n)
    customer = rng.integers(-1, n_customers, n)  # -1: guest orders
    period = (
        rng.integers(0, span, n) if span < 100 else rng.choice(span, 40)[rng.integers(0, 40, n)]
    )
    period = period + offset
    revenue = rng.integers(0, 100_000, n) / 100
    use = (customer >= 0) & (rng.random(n) < 0.9)
    for include_first in (False, True):
        exact = rfm_reduce.per_customer(customer, period, revenue, n_customers, use, include_first)
        # Thirds of a cent are not whole cents: the same orders take the sorted path,
        # and scaling back by 3 gives the cents path's spend up to rounding.
        thirds = rfm_reduce.per_customer(
            customer, period, revenue / 3, n_customers, use, include_first
        )
        assert exact.spend is not None
        assert thirds.spend is not None
        np.testing.assert_array_equal(exact.n_periods, thirds.n_periods)
        np.testing.assert_array_equal(exact.first, thirds.first)
        np.testing.assert_array_equal(exact.last, thirds.last)
        np.testing.assert_allclose(exact.spend, 3 * thirds.spend, rtol=1e-12, atol=1e-9)
        # Brute force per customer.
        for c in range(0, n_customers, 37):
            mine = use & (customer == c)
            periods = np.unique(period[mine])
            assert exact.n_periods[c] == len(periods)
            if len(periods):
                assert (exact.first[c], exact.last[c]) == (periods[0], periods[-1])
                kept = mine if include_first else mine & (period != periods[0])
                assert exact.spend[c] == pytest.approx(revenue[kept].sum(), rel=1e-12, abs=1e-9)
            else:
                assert (exact.first[c], exact.last[c], exact.spend[c]) == (0, 0, 0.0)
