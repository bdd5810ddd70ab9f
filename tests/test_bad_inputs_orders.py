"""Bad and extreme order tables given to every order metric.

Dates in every representation (datetime64 of any unit, time-zone aware, Arrow, strings,
``datetime`` objects) give the same result; dates that cannot be read right (numbers in
an object column, dates outside the range of nanosecond timestamps,
several time zones), impossible or mismatched date arguments, huge revenue and
non-boolean options are refused naming the argument. The caller's table is never
changed, and the same seed gives the same result whatever the row order.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib as cx

# Small example tables: the ratio metrics' default interval (bootstrap-t, seeded below)
# warns that it needs more customers (CoverageWarning), which is not what is tested here.
pytestmark = [
    pytest.mark.filterwarnings("ignore::cxlib.core.errors.DegenerateDataWarning"),
    pytest.mark.filterwarnings("ignore::cxlib.core.errors.CoverageWarning"),
]

FEW = settings(max_examples=6, deadline=None)

KEYS = {"customer": "customer_id", "date": "date"}

#: Every order metric, called on an orders table with date arguments ``bounds``
#: (which hold the time zone of the table's dates).
ORDER_CALLS: dict[str, Callable[[pd.DataFrame, dict[str, Any]], Any]] = {
    "repeat_purchase_rate": lambda o, b: cx.repeat_purchase_rate(o, **KEYS, as_of=b["as_of"]),
    "purchase_frequency": lambda o, b: cx.purchase_frequency(o, **KEYS, as_of=b["as_of"], rng=0),
    "average_order_value": lambda o, b: cx.average_order_value(
        o, **KEYS, revenue="revenue", as_of=b["as_of"], rng=0
    ),
    "repurchase_rate": lambda o, b: cx.repurchase_rate(o, **KEYS, as_of=b["as_of"]),
    "guest_checkout_rate": lambda o, b: cx.guest_checkout_rate(
        o, **KEYS, guest="guest", as_of=b["as_of"]
    ),
    "upsell_rate": lambda o, b: cx.upsell_rate(o, **KEYS, tier="tier", as_of=b["as_of"]),
    "churn_rate": lambda o, b: cx.churn_rate(
        o, **KEYS, period_start=b["start"], period_end=b["end"], inactivity=120
    ),
    "retention_rate": lambda o, b: cx.retention_rate(
        o, **KEYS, period_start=b["start"], period_end=b["end"], inactivity=120
    ),
    "cohort_retention": lambda o, b: cx.cohort_retention(
        o, **KEYS, cohort="Q", period="Q", as_of=b["as_of"]
    ),
    "cohort_table": lambda o, b: cx.cohort_table(
        cx.cohort_retention(o, **KEYS, cohort="Q", period="Q", as_of=b["as_of"])
    ),
    "rfm_summary": lambda o, b: cx.rfm_summary(o, **KEYS, revenue="revenue", as_of=b["as_of"]),
    "rfm_scores": lambda o, b: cx.rfm_scores(
        cx.rfm_summary(o, **KEYS, revenue="revenue", as_of=b["as_of"]),
        n_bins=3,
    ),
    "rfm_calibration_holdout": lambda o, b: cx.rfm_calibration_holdout(
        o, **KEYS, calibration_period_end=b["start"], as_of=b["as_of"]
    ),
    "compare_segments": lambda o, b: cx.compare_segments(
        o,
        metric="average_order_value",
        segment="member",
        a=False,
        b=True,
        **KEYS,
        revenue="revenue",
        as_of=b["as_of"],
    ),
}

NAIVE = {"as_of": "2025-06-30", "start": "2024-09-01", "end": "2025-06-30"}


def bounds_in(tz: str | None) -> dict[str, Any]:
    return {k: pd.Timestamp(v, tz=tz) for k, v in NAIVE.items()}


def orders_table(seed: int = 1, n: int = 40) -> pd.DataFrame:
    return cx.datasets.make_orders(n, rng=seed, days=540)


def numbers(result: Any) -> np.ndarray[Any, Any]:
    if isinstance(result, (cx.Estimate, cx.Comparison)):
        result = result.to_frame()
    frame = result.reset_index(drop=True) if isinstance(result, pd.DataFrame) else result
    return frame.select_dtypes("number").to_numpy(dtype=np.float64).ravel()


def assert_unchanged(before: pd.DataFrame, after: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(before, after, check_exact=True)


def date_forms(dates: pd.Series[Any]) -> dict[str, tuple[pd.Series[Any], str | None]]:
    """The same order dates in every representation, with their time zone."""
    pa = pytest.importorskip("pyarrow")
    text = dates.dt.strftime("%Y-%m-%d %H:%M:%S")
    return {
        "ns": (dates.astype("datetime64[ns]"), None),
        "us": (dates.astype("datetime64[us]"), None),
        "ms": (dates.astype("datetime64[ms]"), None),
        "s": (dates.astype("datetime64[s]"), None),
        "utc": (dates.dt.tz_localize("UTC"), "UTC"),
        "warsaw": (dates.dt.tz_localize("Europe/Warsaw"), "Europe/Warsaw"),
        "arrow": (dates.astype(pd.ArrowDtype(pa.timestamp("us"))), None),
        "arrow_utc": (dates.astype(pd.ArrowDtype(pa.timestamp("ms", tz="UTC"))), "UTC"),
        "text": (text.astype(object), None),
        "arrow_text": (text.astype("string[pyarrow]"), None),
        "datetime_objects": (
            pd.Series([ts.to_pydatetime() for ts in dates], dtype=object),
            None,
        ),
    }


@pytest.mark.parametrize("name", list(ORDER_CALLS))
def test_every_date_representation_gives_the_same_result(name: str) -> None:
    orders = orders_table()
    call = ORDER_CALLS[name]
    expected = numbers(call(orders, NAIVE))
    for label, (dates, tz) in date_forms(orders["date"]).items():
        table = orders.assign(date=dates.to_numpy() if label == "ns" else dates.array)
        before = table.copy(deep=True)
        got = numbers(call(table, bounds_in(tz) if tz else NAIVE))
        np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True, err_msg=label)
        assert_unchanged(before, table)


#: Date columns that cannot be read right: (column, error type, message part).
BAD_DATES: dict[str, tuple[Callable[[pd.Series[Any]], Any], type[Exception], str]] = {
    "int_in_object": (
        lambda d: pd.Series([*d.iloc[:-1], 5], dtype=object).array,
        TypeError,
        "found 1 number(s) [5]",
    ),
    "float_in_object": (
        lambda d: pd.Series([*d.iloc[:-1], 1.5e18], dtype=object).array,
        TypeError,
        "nanoseconds since 1970",
    ),
    "bool_in_object": (
        lambda d: pd.Series([True, *d.iloc[1:]], dtype=object).array,
        TypeError,
        "must hold dates",
    ),
    "year_1500_seconds": (
        lambda d: (
            pd.Series(d.to_numpy().astype("datetime64[s]") - np.timedelta64(365 * 530, "D")).array
        ),
        ValueError,
        "must lie between 1677-09-23 and 2262-04-10",
    ),
    "year_2300_text": (
        lambda d: pd.Series(["2300-01-01", *d.dt.strftime("%Y-%m-%d").iloc[1:]]).array,
        ValueError,
        "must lie between",
    ),
    "numbers": (lambda d: np.arange(len(d)) + 20240101, TypeError, "must hold dates"),
    "not_dates": (
        lambda d: pd.Series(["soon", *d.dt.strftime("%Y-%m-%d").iloc[1:]]).array,
        ValueError,
        "not dates",
    ),
    "mixed_zones": (
        lambda d: (
            pd.Series(
                [
                    *d.iloc[:2].dt.tz_localize("UTC"),
                    *d.iloc[2:].dt.tz_localize("Asia/Tokyo"),
                ],
                dtype=object,
            ).array
        ),
        ValueError,
        "date column 'date'",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_DATES))
@pytest.mark.parametrize("name", [n for n in ORDER_CALLS if n != "rfm_scores"])
def test_dates_that_cannot_be_read_right_are_refused(name: str, kind: str) -> None:
    orders = orders_table()
    make, error, part = BAD_DATES[kind]
    table = orders.assign(date=make(orders["date"]))
    before = table.copy(deep=True)
    with pytest.raises(error) as info:
        ORDER_CALLS[name](table, NAIVE)
    assert "'date'" in str(info.value)
    assert part in str(info.value)
    assert_unchanged(before, table)


#: Date arguments that are impossible, of the wrong type or out of range.
BAD_BOUNDS: dict[str, tuple[object, type[Exception]]] = {
    "impossible": ("2024-13-45", ValueError),
    "number": (20240101, TypeError),
    "bool": (True, TypeError),
    "text": ("yesterday-ish", ValueError),
    "year_1500": ("1500-01-01", ValueError),
    "year_2300": (datetime.date(2300, 1, 1), ValueError),
}

#: Which argument each function reads its date bounds from.
BOUND_ARGUMENT = {
    "churn_rate": ("end", "period_end"),
    "retention_rate": ("start", "period_start"),
    "rfm_summary": ("as_of", "as_of"),
    "rfm_scores": ("as_of", "as_of"),
    "rfm_calibration_holdout": ("start", "calibration_period_end"),
}


@pytest.mark.parametrize("kind", list(BAD_BOUNDS))
@pytest.mark.parametrize("name", list(ORDER_CALLS))
def test_bad_date_arguments_are_refused_naming_the_argument(name: str, kind: str) -> None:
    key, argument = BOUND_ARGUMENT.get(name, ("as_of", "as_of"))
    value, error = BAD_BOUNDS[kind]
    with pytest.raises(error, match=f"^{argument}"):
        ORDER_CALLS[name](orders_table(), {**NAIVE, key: value})


@pytest.mark.parametrize("name", list(ORDER_CALLS))
def test_time_zone_mismatch_is_refused_naming_the_argument(name: str) -> None:
    orders = orders_table()
    aware = orders.assign(date=orders["date"].dt.tz_localize("UTC"))
    # the argument checked against the dates' zone
    argument = {
        "churn_rate": "period_end",
        "retention_rate": "period_end",
        "rfm_summary": "as_of",
        "rfm_scores": "as_of",
        "rfm_calibration_holdout": "as_of",
    }.get(name, "as_of")
    if name.startswith("rfm"):
        # Periods are wall-clock periods of the dates: a naive bound is wall time, an
        # aware bound is converted to the zone of the dates; only aware vs naive dates fail.
        assert_same = numbers(ORDER_CALLS[name](aware, NAIVE))
        np.testing.assert_allclose(assert_same, numbers(ORDER_CALLS[name](orders, NAIVE)))
        with pytest.raises(ValueError, match=f"^{argument}=.* has a time zone"):
            ORDER_CALLS[name](orders, bounds_in("UTC"))
        return
    with pytest.raises(ValueError, match=f"^{argument}=.* has no time zone"):
        ORDER_CALLS[name](aware, NAIVE)
    with pytest.raises(ValueError, match=f"^{argument}=.* has a time zone"):
        ORDER_CALLS[name](orders, bounds_in("UTC"))


@pytest.mark.parametrize(
    "name", [n for n in ORDER_CALLS if n not in ("rfm_scores", "cohort_table")]
)
@pytest.mark.parametrize(
    "not_a_frame",
    [[1, 2, 3], np.arange(3), pd.Series([1, 2, 3]), {"customer_id": [1]}, None],
)
def test_a_table_that_is_not_a_dataframe_is_refused(name: str, not_a_frame: Any) -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        ORDER_CALLS[name](not_a_frame, NAIVE)


@pytest.mark.parametrize("big", [1e200, 1e160])
def test_huge_revenue_is_refused_not_nan(big: float) -> None:
    orders = orders_table()
    orders.loc[3, "revenue"] = big
    for name in ("average_order_value", "rfm_summary", "compare_segments"):
        with pytest.raises(ValueError, match="revenue column 'revenue' holds values too large"):
            ORDER_CALLS[name](orders, NAIVE)


@FEW
@given(offset=st.sampled_from([1e6, 1e9, 1e12]), seed=st.integers(0, 1000))
def test_average_order_value_with_a_large_offset_matches_a_two_pass_reference(
    offset: float, seed: int
) -> None:
    orders = orders_table(seed)
    orders["revenue"] = orders["revenue"] + offset
    result = cx.average_order_value(orders, **KEYS, revenue="revenue", window=None)
    identified = orders[orders["customer_id"].notna()]
    # the ratio of all revenue to all orders (guest orders included), by numpy
    expected = orders["revenue"].to_numpy().mean()
    assert len(identified) > 0
    assert result.value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (
            lambda o: cx.average_order_value(o, **KEYS, revenue="revenue", allow_refunds="no"),
            "allow_refunds",
        ),
        (lambda o: cx.rfm_summary(o, **KEYS, revenue="revenue", allow_refunds=1), "allow_refunds"),
        (
            lambda o: cx.rfm_summary(o, **KEYS, include_first_transaction="yes"),
            "include_first_transaction",
        ),
        (
            lambda o: cx.rfm_calibration_holdout(
                o, **KEYS, calibration_period_end="2025-01-01", allow_refunds="False"
            ),
            "allow_refunds",
        ),
    ],
)
def test_boolean_options_take_only_booleans(call: Callable[[Any], Any], argument: str) -> None:
    with pytest.raises(TypeError, match=f"^{argument} must be True or False"):
        call(orders_table())


BOOTSTRAP_ORDER_CALLS: dict[str, Callable[[pd.DataFrame, int], Any]] = {
    "repeat_purchase_rate": lambda o, seed: cx.repeat_purchase_rate(
        o, **KEYS, window=None, ci_method="bca", n_resamples=199, rng=seed
    ),
    "average_order_value": lambda o, seed: cx.average_order_value(
        o,
        **KEYS,
        revenue="revenue",
        window=None,
        ci_method="percentile",
        n_resamples=199,
        rng=seed,
    ),
    "purchase_frequency": lambda o, seed: cx.purchase_frequency(
        o, **KEYS, window=None, by="member", ci_method="basic", n_resamples=199, rng=seed
    ),
    "guest_checkout_rate": lambda o, seed: cx.guest_checkout_rate(
        o, **KEYS, guest="guest", window=None, ci_method="bca", n_resamples=199, rng=seed
    ),
    "upsell_rate": lambda o, seed: cx.upsell_rate(
        o,
        **KEYS,
        tier="tier",
        order_id="order_id",
        ci_method="percentile",
        n_resamples=199,
        rng=seed,
    ),
}


@pytest.mark.parametrize("name", list(BOOTSTRAP_ORDER_CALLS))
@FEW
@given(seed=st.integers(0, 2**16), table_seed=st.integers(0, 100), shuffle=st.integers(0, 99))
def test_same_seed_same_result_whatever_the_row_order(
    name: str, seed: int, table_seed: int, shuffle: int
) -> None:
    orders = orders_table(table_seed, n=30)
    shuffled = orders.sample(frac=1.0, random_state=shuffle)
    before = shuffled.copy(deep=True)
    call = BOOTSTRAP_ORDER_CALLS[name]
    first, again = numbers(call(orders, seed)), numbers(call(orders, seed))
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(
        numbers(call(shuffled, seed)), first, rtol=1e-9, atol=1e-9, equal_nan=True
    )
    assert_unchanged(before, shuffled)


@pytest.mark.parametrize("name", list(ORDER_CALLS))
def test_row_order_and_index_do_not_change_a_result(name: str) -> None:
    orders = orders_table(3)
    shuffled = orders.sample(frac=1.0, random_state=5)
    shuffled.index = pd.Index(np.arange(len(orders))[::-1] * 3 + 1000)
    before = copy.deepcopy(shuffled)
    expected = ORDER_CALLS[name](orders, NAIVE)
    got = ORDER_CALLS[name](shuffled, NAIVE)
    if isinstance(expected, pd.DataFrame) and not isinstance(expected.index, pd.RangeIndex):
        got = got.sort_index()
        expected = expected.sort_index()
    np.testing.assert_allclose(numbers(got), numbers(expected), rtol=1e-12, equal_nan=True)
    assert_unchanged(before, shuffled)


@pytest.mark.parametrize("days", [1e300, 1e6, np.float64(2e5)])
def test_durations_beyond_the_range_of_timedeltas_are_refused(days: float) -> None:
    orders = orders_table()
    with pytest.raises(ValueError, match=r"^window must be at most about 106,000 days"):
        cx.repeat_purchase_rate(orders, **KEYS, window=days)
    with pytest.raises(ValueError, match=r"^within must be at most"):
        cx.repurchase_rate(orders, **KEYS, within=days)
    with pytest.raises(ValueError, match=r"^inactivity must be at most"):
        cx.churn_rate(
            orders, **KEYS, period_start="2024-06-01", period_end="2025-01-01", inactivity=days
        )


def test_a_window_longer_than_the_history_is_all_history() -> None:
    orders = orders_table()
    everything = cx.repeat_purchase_rate(orders, **KEYS, window=None)
    assert_same = cx.repeat_purchase_rate(orders, **KEYS, window=100_000)
    assert assert_same.value == everything.value
    assert assert_same.n == everything.n


def column_forms(orders: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The same table with its customer, revenue, tier and flag columns in other dtypes."""
    pa = pytest.importorskip("pyarrow")
    ids = orders["customer_id"]
    return {
        "customer_categorical": orders.assign(customer_id=ids.astype("category")),
        "customer_arrow_text": orders.assign(
            customer_id=ids.astype("string").str.zfill(6).astype("string[pyarrow]")
        ),
        "customer_float": orders.assign(customer_id=ids.astype("Float64").astype(float)),
        "revenue_Float64": orders.assign(revenue=orders["revenue"].astype("Float64")),
        "revenue_arrow": orders.assign(
            revenue=orders["revenue"].astype(pd.ArrowDtype(pa.float64()))
        ),
        "tier_Int64": orders.assign(tier=orders["tier"].astype("Int64")),
        "flags_arrow": orders.assign(
            guest=orders["guest"].astype(pd.ArrowDtype(pa.bool_())),
            member=orders["member"].astype("boolean"),
        ),
    }


@pytest.mark.parametrize("name", list(ORDER_CALLS))
def test_nullable_arrow_and_categorical_columns_give_the_same_result(name: str) -> None:
    orders = orders_table(5)
    expected = numbers(ORDER_CALLS[name](orders, NAIVE))
    for label, table in column_forms(orders).items():
        before = table.copy(deep=True)
        got = numbers(ORDER_CALLS[name](table, NAIVE))
        np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True, err_msg=label)
        assert_unchanged(before, table)
