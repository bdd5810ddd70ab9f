"""The order table and its window (cxlib.orders.table.prepare_orders), against brute force.

The window holds the orders with ``as_of - window < date <= as_of``; ``as_of`` defaults
to the last order's timestamp; ``window=None`` is all history up to ``as_of``. Bad input
is refused with a message that names the argument or column.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from reference_orders import (
    CUSTOMER_IDS,
    HOURS,
    Order,
    as_ofs,
    at,
    in_window,
    metric_columns,
    order_lists,
    spans,
    to_frame,
    windows,
)

import cxlib as cx
from cxlib.orders.table import prepare_orders

METRICS = (
    "guest_checkout_rate",
    "average_order_value",
    "purchase_frequency",
    "repeat_purchase_rate",
)
NS = pd.Timedelta(1, "ns")


def quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` tolerating the documented DegenerateDataWarning (NaN delta intervals)
    and CoverageWarning (intervals over few customers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        # Tables of a handful of customers: every ratio interval carries the coverage
        # warning there (its rule is tested in test_coverage_orders.py).
        warnings.simplefilter("ignore", cx.CoverageWarning)
        return func(*args, **kwargs)


def compute(metric: str, frame: pd.DataFrame, **kwargs: Any) -> Any:
    return quiet(getattr(cx, metric), frame, **metric_columns(metric), **kwargs)


def sort_key(o: tuple[Any, pd.Timestamp, float]) -> tuple[str, pd.Timestamp, float]:
    return ("" if o[0] is None else str(o[0]), o[1], o[2])


def estimate_tuple(est: cx.Estimate) -> tuple[Any, ...]:
    """Everything an Estimate reports, NaN made comparable."""

    def f(v: float) -> float | str:
        return "nan" if math.isnan(v) else v

    return (
        est.metric,
        f(est.value),
        f(est.se),
        f(est.ci.low),
        f(est.ci.high),
        est.n,
        est.n_missing,
        est.ci_method,
        tuple(sorted(est.components.items())),
    )


# --------------------------------------------------------------------------- the window


@given(order_lists(), as_ofs, windows)
def test_window_keeps_exactly_the_orders_in_the_half_open_interval(
    orders: list[Order], as_of: pd.Timestamp | None, window: object
) -> None:
    frame = to_frame(orders)
    kept = in_window(orders, as_of, window)
    od = prepare_orders(
        frame, customer="customer", date="date", revenue="revenue", as_of=as_of, window=window
    )
    end = max(o.time for o in orders) if as_of is None else as_of
    assert od.as_of == end
    assert od.n_orders == len(kept)
    assert od.n_outside == len(orders) - len(kept)
    assert od.revenue is not None
    got = [
        (
            None if c < 0 else od.customer_ids[c],
            pd.Timestamp(t),
            float(r),
        )
        for c, t, r in zip(od.customer, od.time, od.revenue, strict=True)
    ]
    want = [(o.customer, o.time, o.revenue) for o in kept]
    assert sorted(got, key=sort_key) == sorted(want, key=sort_key)
    # The customers of the window are those with an order in it, nobody else.
    assert sorted(od.customer_ids) == sorted({o.customer for o in kept if o.customer is not None})
    assert od.n_customers == len(od.customer_ids)
    if kept:  # the public metrics see the same window
        assert compute("guest_checkout_rate", frame, as_of=as_of, window=window).n == len(kept)
        aov = compute("average_order_value", frame, as_of=as_of, window=window)
        assert aov.components["revenue"] == pytest.approx(
            math.fsum(o.revenue for o in kept), rel=1e-12, abs=1e-9
        )


@pytest.mark.parametrize(
    "window",
    [10, 10.0, np.int64(10), np.float64(10.0), pd.Timedelta(days=10), pd.Timedelta(hours=240)],
)
def test_window_boundaries_are_exclusive_below_and_inclusive_above(window: object) -> None:
    as_of = pd.Timestamp("2024-05-20 12:00")
    start = as_of - pd.Timedelta(days=10)
    times = [start - NS, start, start + NS, as_of - NS, as_of, as_of + NS, as_of + pd.Timedelta(1)]
    frame = pd.DataFrame(
        {
            "customer": ["a", "b", "c", "d", "e", "f", "g"],
            "date": pd.to_datetime(times).as_unit("ns"),
            "revenue": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0],
        }
    )
    od = prepare_orders(
        frame, customer="customer", date="date", revenue="revenue", as_of=as_of, window=window
    )
    assert list(od.customer_ids) == ["c", "d", "e"]
    assert od.n_outside == 4
    assert od.start == start
    est = quiet(
        cx.average_order_value,
        frame,
        customer="customer",
        date="date",
        revenue="revenue",
        as_of=as_of,
        window=window,
    )
    assert est.components["revenue"] == 4.0 + 8.0 + 16.0
    assert est.n == 3


def test_fractional_and_timedelta_windows_agree() -> None:
    as_of = pd.Timestamp("2024-03-10")
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "b", "c"],
            "date": pd.to_datetime(
                ["2024-03-08 12:00", "2024-03-08 11:59", "2024-03-09 00:00", "2024-03-10 00:00"]
            ),
        }
    )
    kw: dict[str, Any] = {"customer": "customer", "date": "date", "as_of": as_of}
    by_days = quiet(cx.purchase_frequency, frame, window=1.5, **kw)
    by_delta = quiet(cx.purchase_frequency, frame, window=pd.Timedelta(hours=36), **kw)
    assert estimate_tuple(by_days) == estimate_tuple(by_delta)
    assert by_days.components["n_orders"] == 2  # 12:00 on the 8th is the excluded edge
    assert by_days.n == 2


def test_as_of_defaults_to_the_last_order_timestamp() -> None:
    frame = pd.DataFrame(
        {
            "customer": ["a", "b", "c", "d"],
            "date": pd.to_datetime(
                ["2024-02-28 15:30", "2024-02-29 15:30", "2024-02-29 15:31", "2024-03-01 15:30"]
            ),
        }
    )
    od = prepare_orders(frame, customer="customer", date="date", window=1)
    assert od.as_of == pd.Timestamp("2024-03-01 15:30")
    assert list(od.customer_ids) == ["c", "d"]
    same = prepare_orders(
        frame, customer="customer", date="date", window=1, as_of="2024-03-01 15:30"
    )
    assert list(same.customer_ids) == ["c", "d"]
    # The default window is 365 days back from the last order.
    old = pd.concat(
        [frame, pd.DataFrame({"customer": ["z"], "date": [pd.Timestamp("2023-03-02 15:30")]})]
    )
    default = quiet(cx.purchase_frequency, old, customer="customer", date="date")
    explicit = quiet(cx.purchase_frequency, old, customer="customer", date="date", window=365)
    assert default.n == explicit.n == 4  # z's order is exactly 365 days back: excluded
    assert estimate_tuple(default) == estimate_tuple(explicit)


def test_window_none_keeps_all_history_up_to_as_of() -> None:
    frame = pd.DataFrame(
        {
            "customer": ["a", "b", "a", "c"],
            "date": pd.to_datetime(["1990-01-01", "2010-06-01", "2024-01-01", "2024-06-01"]),
        }
    )
    all_time = quiet(cx.purchase_frequency, frame, customer="customer", date="date", window=None)
    assert (all_time.n, all_time.components["n_orders"]) == (3, 4)
    upto = quiet(
        cx.purchase_frequency,
        frame,
        customer="customer",
        date="date",
        window=None,
        as_of="2024-01-01",
    )
    assert (upto.n, upto.components["n_orders"]) == (2, 3)  # the June order is after as_of
    assert upto.value == 1.5


@pytest.mark.parametrize(
    "as_of",
    ["2024-01-15", pd.Timestamp("2024-01-15"), np.datetime64("2024-01-15"), "15 January 2024"],
)
def test_as_of_accepts_date_likes(as_of: object) -> None:
    frame = pd.DataFrame(
        {"customer": ["a", "a", "b"], "date": ["2024-01-10", "2024-01-15", "2024-01-16"]}
    )
    est = cx.repeat_purchase_rate(frame, customer="customer", date="date", as_of=as_of)
    assert (est.value, est.n) == (100.0, 1)


@settings(max_examples=30)
@given(order_lists(groups="customer"), st.data())
def test_orders_outside_the_window_change_no_metric(orders: list[Order], data: Any) -> None:
    as_of = data.draw(st.builds(at, st.integers(5, 35), st.sampled_from(HOURS)))
    window = data.draw(spans)
    base = in_window(orders, as_of, window)
    assume(base)
    span = window if isinstance(window, pd.Timedelta) else pd.Timedelta(days=window)
    group_of = {o.customer: o.group for o in orders if o.customer is not None}
    extra_rows = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from([*CUSTOMER_IDS, "new1", "new2", None]),
                st.booleans(),  # after as_of, or at/before the window's start
                st.integers(0, 20 * 24),  # hours beyond the edge
                st.integers(0, 40_000),
                st.sampled_from(["north", "south", "east"]),
                st.booleans(),  # in front of the table or at its end
            ),
            min_size=1,
            max_size=10,
        )
    )
    front, back = [], []
    for c, after, hours, cents, key, first in extra_rows:
        time = (
            as_of + pd.Timedelta(hours=hours) + NS
            if after
            else as_of - span - pd.Timedelta(hours=hours)
        )
        order = Order(c, time, cents / 100.0, False, group_of.get(c, key))
        (front if first else back).append(order)
    small, large = to_frame(base, group=True), to_frame(front + base + back, group=True)
    options: list[dict[str, Any]] = [
        {"ci_method": "delta"},
        {"ci_method": "percentile", "n_resamples": 100, "rng": 3},
    ]
    for metric in METRICS:
        for opts in options:
            a = compute(metric, small, as_of=as_of, window=window, **opts)
            b = compute(metric, large, as_of=as_of, window=window, **opts)
            assert estimate_tuple(a) == estimate_tuple(b), (metric, opts)
        ga = compute(metric, small, as_of=as_of, window=window, by="group", rng=0)
        gb = compute(metric, large, as_of=as_of, window=window, by="group", rng=0)
        pd.testing.assert_frame_equal(ga, gb)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize(
    "orders",
    [
        [{"customer": "a", "date": "2024-01-01", "revenue": 1.0}],
        {"customer": ["a"], "date": ["2024-01-01"], "revenue": [1.0]},
        pd.Series([1.0]),
        np.array([[1.0, 2.0]]),
    ],
)
def test_orders_must_be_a_dataframe(metric: str, orders: object) -> None:
    with pytest.raises(TypeError, match="orders must be a pandas DataFrame"):
        compute(metric, orders)


@pytest.mark.parametrize("metric", METRICS)
def test_empty_orders_are_refused(metric: str) -> None:
    frame = pd.DataFrame(
        {
            "customer": pd.Series([], dtype=object),
            "date": pd.Series([], dtype="datetime64[ns]"),
            "revenue": pd.Series([], dtype=float),
        }
    )
    with pytest.raises(ValueError, match="orders is empty"):
        compute(metric, frame)


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer": ["a", None, "b", "a", "c"],
            "date": pd.to_datetime(
                ["2024-01-02", "2024-01-05", "2024-02-01", "2024-03-01", "2024-03-02"]
            ),
            "revenue": [20.0, 35.0, 50.0, 15.0, 5.0],
            "guest": [False, True, False, False, True],
            "region": ["n", "s", "n", "n", "s"],
        }
    )


LISTED = "columns: 'customer', 'date', 'revenue', 'guest', 'region'"


@pytest.mark.parametrize(
    ("metric", "argument"),
    [
        *((m, a) for m in METRICS for a in ("customer", "date", "by")),
        ("average_order_value", "revenue"),
    ],
)
def test_unknown_columns_are_named_and_the_columns_listed(
    frame: pd.DataFrame, metric: str, argument: str
) -> None:
    kwargs: dict[str, Any] = {**metric_columns(metric), argument: "nope"}
    with pytest.raises(ValueError, match=re.escape(f"{argument}='nope' is not a column")) as info:
        quiet(getattr(cx, metric), frame, **kwargs)
    assert LISTED in str(info.value)


def test_unknown_guest_column_is_named(frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=re.escape("guest='flag' is not a column")) as info:
        cx.guest_checkout_rate(frame, customer="customer", date="date", guest="flag")
    assert LISTED in str(info.value)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("dtype", ["int64", "float64", "Int64"])
def test_numeric_dates_are_refused_with_a_hint(
    frame: pd.DataFrame, metric: str, dtype: str
) -> None:
    frame["date"] = pd.Series([19970101, 19970102, 19970105, 19970201, 19970301], dtype=dtype)
    with pytest.raises(TypeError, match=r"date column 'date' must hold dates") as info:
        compute(metric, frame)
    message = str(info.value)
    assert "19970101" in message
    assert "pd.to_datetime(col.astype(str), format='%Y%m%d')" in message


def test_the_hinted_conversion_of_numeric_dates_works(frame: pd.DataFrame) -> None:
    frame["date"] = [19970101, 19970102, 19970105, 19970201, 19970301]
    frame["date"] = pd.to_datetime(frame["date"].astype(str), format="%Y%m%d")
    est = quiet(cx.purchase_frequency, frame, customer="customer", date="date")
    assert (est.value, est.n) == (4 / 3, 3)


def test_boolean_dates_are_refused(frame: pd.DataFrame) -> None:
    frame["date"] = frame["guest"]
    with pytest.raises(TypeError, match="date column 'date' must hold dates"):
        quiet(cx.purchase_frequency, frame, customer="customer", date="date")


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("bad", ["not a date", "2024-13-45", "yesterday-ish"])
def test_unparseable_date_strings_are_refused(frame: pd.DataFrame, metric: str, bad: str) -> None:
    dates = ["2024-01-02", "2024-01-05", bad, "2024-03-01", "2024-03-02"]
    frame["date"] = pd.Series(dates, dtype=object)
    with pytest.raises(ValueError, match="date column 'date' holds values that are not dates"):
        compute(metric, frame)


def test_date_strings_are_parsed(frame: pd.DataFrame) -> None:
    kw = {"customer": "customer", "date": "date", "revenue": "revenue", "rng": 0}
    parsed = quiet(cx.average_order_value, frame, **kw)
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    strings = quiet(cx.average_order_value, frame, **kw)
    assert estimate_tuple(parsed) == estimate_tuple(strings)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("kind", ["datetime", "string", "object"])
def test_missing_dates_are_counted_or_refused(frame: pd.DataFrame, metric: str, kind: str) -> None:
    if kind == "datetime":
        frame.loc[2, "date"] = pd.NaT
    elif kind == "string":
        frame["date"] = frame["date"].dt.strftime("%Y-%m-%d").where(frame.index != 2)
    else:
        frame["date"] = pd.Series(
            ["2024-01-02", None, "2024-02-01", None, "2024-03-02"], dtype=object
        )
    count = 2 if kind == "object" else 1
    with pytest.raises(ValueError, match=f"{count} in date column 'date'.*nan_policy='omit'"):
        compute(metric, frame, nan_policy="raise")
    omitted = compute(metric, frame)
    assert omitted.n_missing == count
    propagated = compute(metric, frame, nan_policy="propagate")
    assert propagated.n_missing == count
    assert math.isnan(propagated.value)
    assert math.isnan(propagated.ci.low)


def test_negative_revenue_needs_allow_refunds(frame: pd.DataFrame) -> None:
    frame.loc[3, "revenue"] = -15.0
    with pytest.raises(ValueError, match=r"negative values \[-15\].*allow_refunds=True"):
        quiet(cx.average_order_value, frame, customer="customer", date="date", revenue="revenue")
    est = quiet(
        cx.average_order_value,
        frame,
        customer="customer",
        date="date",
        revenue="revenue",
        allow_refunds=True,
    )
    assert est.value == pytest.approx((20.0 + 35.0 + 50.0 - 15.0 + 5.0) / 5)
    assert est.components["revenue"] == pytest.approx(95.0)


def test_refunds_outside_the_window_are_still_checked(frame: pd.DataFrame) -> None:
    # Validation looks at the whole table, not only the window: bad data is never hidden.
    frame.loc[0, "revenue"] = -1.0
    with pytest.raises(ValueError, match="negative values"):
        quiet(
            cx.average_order_value,
            frame,
            customer="customer",
            date="date",
            revenue="revenue",
            window=30,
        )


@pytest.mark.parametrize("bad", [math.inf, -math.inf])
@pytest.mark.parametrize("allow_refunds", [False, True])
def test_infinite_revenue_is_refused(frame: pd.DataFrame, bad: float, allow_refunds: bool) -> None:
    frame.loc[2, "revenue"] = bad
    with pytest.raises(ValueError, match="revenue column 'revenue' must be finite"):
        quiet(
            cx.average_order_value,
            frame,
            customer="customer",
            date="date",
            revenue="revenue",
            allow_refunds=allow_refunds,
        )


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["20", "35", "50", "15", "5"], dtype=object),
        pd.Series([True, False, True, True, False]),
        pd.Series(["a", "b", "c", "d", "e"]),
    ],
)
def test_non_numeric_revenue_is_refused(frame: pd.DataFrame, values: pd.Series) -> None:
    frame["revenue"] = values
    with pytest.raises(TypeError, match="revenue column 'revenue' must hold numbers"):
        quiet(cx.average_order_value, frame, customer="customer", date="date", revenue="revenue")


def test_duplicated_order_ids_are_refused(frame: pd.DataFrame) -> None:
    frame["order_id"] = [101, 102, 103, 102, 104]
    with pytest.raises(ValueError, match=re.escape("order_id column 'order_id' has duplicated")):
        prepare_orders(frame, customer="customer", date="date", order_id="order_id")
    frame["order_id"] = [101, 102, 103, 105, 104]
    od = prepare_orders(frame, customer="customer", date="date", order_id="order_id")
    assert od.n_orders == 5


@pytest.mark.parametrize(
    "flag",
    [
        pd.Series([0, 1, 0, 0, 1]),
        pd.Series([False, True, False, False, True], dtype=object),
        pd.Series(["no", "yes", "no", "no", "yes"]),
        pd.Series([False, pd.NA, False, False, True], dtype="boolean"),
        pd.Series([0.0, 1.0, 0.0, 0.0, np.nan]),
    ],
)
def test_guest_flag_must_be_boolean_without_missing_values(
    frame: pd.DataFrame, flag: pd.Series
) -> None:
    frame["guest"] = flag
    with pytest.raises(TypeError, match="guest column 'guest' must be boolean"):
        cx.guest_checkout_rate(frame, customer="customer", date="date", guest="guest")


def test_nullable_boolean_guest_flag_without_missing_values_is_accepted(
    frame: pd.DataFrame,
) -> None:
    plain = cx.guest_checkout_rate(frame, customer="customer", date="date", guest="guest")
    frame["guest"] = frame["guest"].astype("boolean")
    nullable = cx.guest_checkout_rate(frame, customer="customer", date="date", guest="guest")
    assert estimate_tuple(plain) == estimate_tuple(nullable)
    assert plain.components["n_guest_orders"] == 2  # the missing id and the flagged "c"


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize(
    ("window", "error", "message"),
    [
        (0, ValueError, "window must be a positive duration"),
        (-1, ValueError, "window must be a positive duration"),
        (-0.5, ValueError, "window must be a positive duration"),
        (pd.Timedelta(0), ValueError, "window must be a positive duration"),
        (pd.Timedelta(days=-3), ValueError, "window must be a positive duration"),
        (math.nan, ValueError, "window must be a finite number of days"),
        (math.inf, ValueError, "window must be a finite number of days"),
        ("365", TypeError, "window must be a number of days, a pandas Timedelta or None"),
        ("365D", TypeError, "window must be a number of days, a pandas Timedelta or None"),
        (True, TypeError, "window must be a number of days, a pandas Timedelta or None"),
        (pd.NaT, TypeError, "window must be a number of days, a pandas Timedelta or None"),
        ([365], TypeError, "window must be a number of days, a pandas Timedelta or None"),
    ],
)
def test_bad_windows_are_refused(
    frame: pd.DataFrame, metric: str, window: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        compute(metric, frame, window=window)


@pytest.mark.parametrize(("as_of", "message"), [("not a date", "not a date"), (pd.NaT, "as_of")])
def test_bad_as_of_is_refused(frame: pd.DataFrame, as_of: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        quiet(cx.purchase_frequency, frame, customer="customer", date="date", as_of=as_of)


def test_numeric_as_of_is_refused_like_numeric_dates(frame: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="as_of"):
        quiet(cx.purchase_frequency, frame, customer="customer", date="date", as_of=20240301)


METHOD_OPTIONS = {
    "guest_checkout_rate": ("wilson", "wald", "agresti-coull", "clopper-pearson", "jeffreys"),
    "average_order_value": ("bootstrap-t", "delta", "percentile", "basic", "bca"),
    "purchase_frequency": ("bootstrap-t", "delta", "percentile", "basic", "bca"),
    "repeat_purchase_rate": ("wilson", "wald", "agresti-coull", "clopper-pearson", "jeffreys"),
}


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("method", ["bogus", "t", "score", "BCa", None, 1])
def test_bad_ci_method_is_refused_and_the_options_listed(
    frame: pd.DataFrame, metric: str, method: object
) -> None:
    with pytest.raises(ValueError, match="ci_method must be one of") as info:
        compute(metric, frame, ci_method=method)
    for option in METHOD_OPTIONS[metric]:
        assert repr(option) in str(info.value)


@pytest.mark.parametrize("metric", ["average_order_value", "purchase_frequency"])
def test_binomial_intervals_are_not_offered_for_ratio_metrics(
    frame: pd.DataFrame, metric: str
) -> None:
    with pytest.raises(
        ValueError, match="ci_method must be one of 'bootstrap-t', 'delta', 'percentile'"
    ):
        compute(metric, frame, ci_method="wilson")


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize(
    ("n_resamples", "error"),
    [(0, ValueError), (-5, ValueError), (1.5, TypeError), (True, TypeError), ("999", TypeError)],
)
def test_bad_n_resamples_is_refused(
    frame: pd.DataFrame, metric: str, n_resamples: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match="n_resamples must be an integer >= 1"):
        compute(metric, frame, ci_method="percentile", n_resamples=n_resamples)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize(
    ("level", "error"),
    [(0.0, ValueError), (1.0, ValueError), (95, ValueError), ("0.95", TypeError)],
)
def test_bad_confidence_level_is_refused(
    frame: pd.DataFrame, metric: str, level: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match="confidence_level must"):
        compute(metric, frame, confidence_level=level)


@pytest.mark.parametrize("rng", [-1, 1.5, "seed"])
def test_bad_rng_is_refused(frame: pd.DataFrame, rng: object) -> None:
    with pytest.raises((TypeError, ValueError), match="rng"):
        quiet(
            cx.purchase_frequency,
            frame,
            customer="customer",
            date="date",
            ci_method="percentile",
            rng=rng,
        )


@pytest.mark.parametrize("occasion", ["days", "week", None])
def test_bad_occasion_is_refused(frame: pd.DataFrame, occasion: object) -> None:
    with pytest.raises(ValueError, match="occasion must be one of 'order', 'day'"):
        cx.repeat_purchase_rate(frame, customer="customer", date="date", occasion=occasion)


# --------------------------------------------------------------------------- time zones


def test_calendar_days_of_tz_aware_dates_are_local_days() -> None:
    times = pd.to_datetime(["2024-01-01 00:30", "2024-01-01 23:00", "2024-01-05 12:00"])
    frame = pd.DataFrame({"customer": ["a", "a", "b"], "date": times.tz_localize("Europe/Warsaw")})
    est = cx.repeat_purchase_rate(frame, customer="customer", date="date", occasion="day")
    assert est.value == 0.0
