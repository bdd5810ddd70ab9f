"""Order metrics on every engine: per-customer tables reduced in the engine.

Each metric on an engine's frame must give the pandas result to 1e-9: the same
groups in the same order, the same intervals (the bootstrap included: the engine's
tables are turned into the same clusters in the same order), the same n_missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from agreement import same_as_pandas as _both
from engine_params import IN_PROCESS, engine_cases

import cxlib as cx
from cxlib.core.frames import engine_frame

Metric = Callable[..., Any]


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    data = cx.datasets.make_orders(500, rng=4)
    data = data[["customer_id", "date", "revenue", "member"]].copy()
    # Times of day to the microsecond, so that windows cut between orders of one day.
    micros = rng.integers(0, 86_400 * 10**6, len(data))
    data["date"] = data["date"] + pd.to_timedelta(micros, unit="us")
    ids = data["customer_id"]
    data["customer"] = ("c" + ids.astype("string").str.zfill(4)).astype("str")
    data.loc[ids.isna(), "customer"] = None
    # A customer attribute with a missing key: the customer-level metrics group by it.
    segment = np.array(["gold", "silver", None], dtype=object)[
        ids.fillna(0).to_numpy(dtype=np.int64) % 3
    ]
    data["segment"] = pd.Series(segment, index=data.index, dtype="str")
    # Guest checkouts flagged as such, some with a customer id.
    data["flagged"] = ids.isna() | (np.arange(len(data)) % 37 == 0)
    # An order attribute: a customer's orders come through several channels.
    data["channel"] = np.array(["web", "app", "store"], dtype=object)[rng.integers(0, 3, len(data))]
    data.loc[[3, 10, 40], "revenue"] = np.nan  # unreadable rows, counted in n_missing
    data.loc[[5, 77], "date"] = pd.NaT
    return data.reset_index(drop=True)


KEYS: dict[str, Any] = {"customer": "customer", "date": "date"}
PURCHASE_METRICS: list[tuple[Metric, dict[str, Any]]] = [
    (cx.guest_checkout_rate, {"ci_method": "modified-wilson"}),
    (cx.guest_checkout_rate, {"ci_method": "delta", "guest": "flagged"}),
    (cx.average_order_value, {"ci_method": "bootstrap-t"}),
    (cx.average_order_value, {"ci_method": "bca"}),
    (cx.purchase_frequency, {"ci_method": "bootstrap-t"}),
    (cx.purchase_frequency, {"ci_method": "delta", "window": None}),
    (cx.repeat_purchase_rate, {"occasion": "order"}),
    (cx.repeat_purchase_rate, {"occasion": "day", "ci_method": "percentile"}),
]


@pytest.mark.parametrize(
    ("metric", "options"), PURCHASE_METRICS, ids=lambda v: getattr(v, "__name__", "")
)
@pytest.mark.parametrize("by", [None, "segment"])
@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_purchase_metrics_match_pandas(
    engine, orders: pd.DataFrame, metric: Metric, options: dict[str, Any], by: Any
) -> None:
    frame = engine(orders)
    if by is not None and metric is cx.guest_checkout_rate:
        by = "channel"  # an order attribute: grouped order metrics need no customer attribute
    kwargs = {**KEYS, "revenue": "revenue", "by": by, "n_resamples": 199, "rng": 1, **options}
    _both(metric, frame, orders, **kwargs)


@pytest.mark.parametrize("policy", ["omit", "propagate"])
@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_windows_and_policies(engine, orders: pd.DataFrame, policy: str) -> None:
    frame = engine(orders)
    # A window cutting through a day, ending between two orders of another day.
    kwargs = {**KEYS, "as_of": "2024-09-30 13:30", "window": 100.25, "nan_policy": policy}
    _both(cx.average_order_value, frame, orders, revenue="revenue", ci_method="delta", **kwargs)
    _both(cx.repeat_purchase_rate, frame, orders, by="segment", occasion="day", **kwargs)
    _both(cx.guest_checkout_rate, frame, orders, revenue="revenue", by="channel", **kwargs)


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_date_columns_and_time_zones(engine, orders: pd.DataFrame) -> None:
    """Dates without times, and zone-aware times: local days, windows on instants."""
    data = orders.assign(
        day=[None if pd.isna(t) else t.date() for t in orders["date"]],
        zoned=orders["date"].dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin"),
    )
    frame = engine(data)
    kwargs: dict[str, Any] = {"customer": "customer", "window": 150, "n_resamples": 99, "rng": 4}
    _both(cx.repeat_purchase_rate, frame, data, date="day", occasion="day", **kwargs)
    _both(cx.average_order_value, frame, data, date="day", revenue="revenue", **kwargs)
    # Across the change to summer time: the window ends 13:30 local time.
    end = pd.Timestamp("2024-04-15 13:30", tz="Europe/Berlin")
    zoned: dict[str, Any] = {**kwargs, "date": "zoned", "as_of": end}
    if engine_frame(frame).engine in ("polars", "pyarrow"):
        _both(cx.repeat_purchase_rate, frame, data, occasion="day", **zoned)
        _both(cx.purchase_frequency, frame, data, by="segment", **zoned)
        with pytest.raises(ValueError, match=r"as_of=.* time zone"):
            cx.purchase_frequency(frame, **{**zoned, "as_of": "2024-04-15"})
    else:  # engines that number days in their session's zone
        with pytest.raises((TypeError, ValueError), match=r"date column 'zoned'"):
            cx.purchase_frequency(frame, **zoned)


#: One grouped call of each metric, with a cut window.
EVERY_METRIC: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "guest_checkout_rate": (cx.guest_checkout_rate, {"by": "channel", "guest": "flagged"}),
    "average_order_value": (cx.average_order_value, {"revenue": "revenue", "by": "channel"}),
    "purchase_frequency": (cx.purchase_frequency, {"revenue": "revenue", "by": "segment"}),
    "repeat_purchase_rate": (
        cx.repeat_purchase_rate,
        {"occasion": "day", "nan_policy": "propagate"},
    ),
}


@pytest.mark.parametrize(
    ("engine", "metric"),
    # The four share the customer table: the slow engines run the two that read most.
    engine_cases(list(EVERY_METRIC), slow=["average_order_value", "repeat_purchase_rate"]),
    indirect=["engine"],
)
def test_every_metric_on_every_engine(engine, orders: pd.DataFrame, metric: str) -> None:
    function, options = EVERY_METRIC[metric]
    frame = engine(orders)
    kwargs = {**KEYS, "as_of": "2024-09-30 13:30", "window": 200.5, "n_resamples": 99, "rng": 2}
    _both(function, frame, orders, **options, **kwargs)
    if metric == "repeat_purchase_rate" and engine_frame(frame).engine == "dask":
        data = orders.assign(zoned=orders["date"].dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo"))
        end = pd.Timestamp("2024-09-30 13:30", tz="Asia/Tokyo")
        zoned = {**kwargs, "date": "zoned", "as_of": end}
        _both(cx.repeat_purchase_rate, engine(data), data, occasion="day", **zoned)


#: Bad inputs: the metric, its keywords, the error and its message.
BAD_INPUTS: dict[str, tuple[Callable[..., Any], dict[str, Any], type[Exception], str]] = {
    "negative-revenue": (
        cx.average_order_value,
        {**KEYS, "revenue": "refund"},
        ValueError,
        r"revenue column 'refund' has negative values \[-5\]",
    ),
    "huge-revenue": (
        cx.average_order_value,
        {**KEYS, "revenue": "huge"},
        ValueError,
        r"revenue column 'huge' holds values too large",
    ),
    "text-dates": (
        cx.purchase_frequency,
        {"customer": "customer", "date": "text"},
        TypeError,
        r"date column 'text' must hold dates",
    ),
    "text-guest": (
        cx.guest_checkout_rate,
        {**KEYS, "guest": "flag_text"},
        TypeError,
        r"guest column 'flag_text' must be boolean",
    ),
    "unknown-by": (
        cx.purchase_frequency,
        {**KEYS, "by": "nope"},
        ValueError,
        r"by='nope' is not a column of the \w+ frame",
    ),
    "order-level-by": (
        cx.purchase_frequency,
        {**KEYS, "by": "channel"},
        ValueError,
        r"customer-level metric.*several values",
    ),
    "missing-dates": (
        cx.purchase_frequency,
        {**KEYS, "nan_policy": "raise"},
        ValueError,
        r"2 row\(s\) with missing values \(2 in date column",
    ),
}


@pytest.mark.parametrize(
    ("engine", "case"),
    engine_cases(list(BAD_INPUTS), slow=["negative-revenue", "missing-dates"]),
    indirect=["engine"],
)
def test_bad_input_is_named(engine, orders: pd.DataFrame, case: str) -> None:
    bad = orders.assign(
        refund=np.where(np.arange(len(orders)) == 4, -5.0, orders["revenue"]),
        huge=np.where(np.arange(len(orders)) == 6, 1e160, orders["revenue"]),
        text=orders["date"].astype("str"),
        flag_text=orders["flagged"].astype("str"),
    )
    function, kwargs, error, message = BAD_INPUTS[case]
    with pytest.raises(error, match=message):
        function(engine(bad), **kwargs)
