"""Repurchase and upsell rates against brute-force loops over customers and statsmodels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_retention import (
    BASE,
    DAY,
    assert_share,
    make_table,
    orders_of,
    quiet,
    repurchase_brute,
    small_tables,
    upsell_brute,
)
from reference_shares import modified_wilson

from cxlib.core.results import Estimate
from cxlib.orders.repurchase import repurchase_rate, upsell_rate


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("within", [30, 90, 45.5])
@pytest.mark.parametrize("occasion", ["order", "day"])
def test_repurchase_rate_matches_brute_force(seed: int, within: float, occasion: str) -> None:
    frame = make_table(seed, with_time=seed == 2, string_ids=seed == 1)
    as_of = BASE + 420 * DAY
    est = repurchase_rate(
        frame, customer="customer_id", date="date", within=within, as_of=as_of, occasion=occasion
    )
    n, r = repurchase_brute(frame, within, as_of, occasion)
    assert isinstance(est, Estimate)
    assert_share(est, n, r)
    assert est.components == {"n_first_time_buyers": n, "n_repurchased": r}
    assert est.metric == "repurchase_rate"


@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize("window", [None, 200])
def test_upsell_rate_matches_brute_force(seed: int, window: float | None) -> None:
    frame = make_table(seed)
    as_of = BASE + 450 * DAY
    for order_id in (None, "order_id"):
        est = upsell_rate(
            frame,
            customer="customer_id",
            date="date",
            tier="tier",
            order_id=order_id,
            as_of=as_of,
            window=window,
        )
        n, u = upsell_brute(frame, as_of, window, use_order_id=order_id is not None)
        assert isinstance(est, Estimate)
        assert_share(est, n, u)
        assert est.components == {"n_repeat_customers": n, "n_upsold": u}


def test_make_orders_dataset_agrees_with_brute_force() -> None:
    from cxlib import datasets

    make_orders = getattr(datasets, "make_orders", None)
    if make_orders is None:  # pragma: no cover - the generator is optional here
        pytest.skip("cx.datasets.make_orders is not available")
    orders = make_orders(400, rng=11, days=400)
    as_of = orders["date"].max()
    est = upsell_rate(orders, customer="customer_id", date="date", tier="tier", order_id="order_id")
    assert (est.components["n_repeat_customers"], est.components["n_upsold"]) == upsell_brute(
        orders, as_of, use_order_id=True
    )
    rep = repurchase_rate(orders, customer="customer_id", date="date", within=60)
    n, r = repurchase_brute(orders, 60, as_of)
    assert_share(rep, n, r)
    grouped = upsell_rate(
        orders, customer="customer_id", date="date", tier="tier", order_id="order_id", by="member"
    )
    assert isinstance(grouped, pd.DataFrame)
    assert grouped["n"].sum() == est.n


@settings(max_examples=60)
@given(
    small_tables(),
    st.integers(1, 20),
    st.integers(-2, 42),
    st.sampled_from(["order", "day"]),
)
def test_repurchase_edge_cases(frame: pd.DataFrame, within: int, as_of: int, occasion: str) -> None:
    end = frame["date"].min() + as_of * DAY
    est = quiet(
        repurchase_rate,
        frame,
        customer="customer_id",
        date="date",
        within=within,
        as_of=end,
        occasion=occasion,
    )
    assert_share(est, *repurchase_brute(frame, within, end, occasion))


@settings(max_examples=60)
@given(small_tables(), st.one_of(st.none(), st.integers(1, 30)), st.booleans())
def test_upsell_edge_cases(frame: pd.DataFrame, window: int | None, use_id: bool) -> None:
    as_of = frame["date"].max()
    est = quiet(
        upsell_rate,
        frame,
        customer="customer_id",
        date="date",
        tier="tier",
        order_id="order_id" if use_id else None,
        window=window,
    )
    assert_share(est, *upsell_brute(frame, as_of, window, use_order_id=use_id))


def test_repurchase_window_is_inclusive() -> None:
    frame = orders_of([("a", "2024-01-01"), ("a", "2024-01-31"), ("b", "2024-01-01"),
                     ("b", "2024-02-01"), ("c", "2024-03-01")])  # fmt: skip
    est = repurchase_rate(frame, customer="customer_id", date="date", within=30)
    assert (est.n, est.components["n_repurchased"]) == (2, 1)  # a on day 30, b on day 31
    # Observed long enough: first + within <= as_of, inclusive.
    on_time = repurchase_rate(
        frame, customer="customer_id", date="date", within=30, as_of="2024-03-31"
    )
    late = repurchase_rate(
        frame, customer="customer_id", date="date", within=30, as_of="2024-03-30"
    )
    assert (on_time.n, late.n) == (3, 2)
    as_timedelta = repurchase_rate(
        frame, customer="customer_id", date="date", within=pd.Timedelta(days=30)
    )
    assert as_timedelta == est


def test_same_day_orders_and_occasions() -> None:
    frame = orders_of([("a", "2024-01-01"), ("a", "2024-01-01"), ("b", "2024-01-01"),
                     ("b", "2024-01-01"), ("b", "2024-01-05"), ("c", "2024-06-01")])  # fmt: skip
    by_order = repurchase_rate(frame, customer="customer_id", date="date", within=10)
    by_day = repurchase_rate(frame, customer="customer_id", date="date", within=10, occasion="day")
    assert by_order.components["n_repurchased"] == 2
    assert by_day.components["n_repurchased"] == 1


def test_upsell_tie_break_on_the_first_date() -> None:
    frame = orders_of(
        [("a", "2024-01-01"), ("a", "2024-01-01"), ("b", "2024-01-01"), ("b", "2024-02-01")],
        tier=[2, 1, 1, 1],
        order_id=[11, 10, 20, 21],
    )
    by_row = upsell_rate(frame, customer="customer_id", date="date", tier="tier")
    by_id = upsell_rate(
        frame, customer="customer_id", date="date", tier="tier", order_id="order_id"
    )
    assert by_row.components["n_upsold"] == 0  # first row is tier 2, the other is lower
    assert by_id.components["n_upsold"] == 1  # order 10 (tier 1) is first, order 11 higher
    # A later drop below the first tier is no upsell; ordered categories compare by rank.
    cats = pd.CategoricalDtype(["premium", "basic", "gold"], ordered=True)
    frame2 = orders_of(
        [("a", "2024-01-01"), ("a", "2024-01-02"), ("b", "2024-01-01"), ("b", "2024-01-02")],
        tier=pd.Series(["basic", "premium", "basic", "gold"], dtype=cats),
    )
    est = upsell_rate(frame2, customer="customer_id", date="date", tier="tier")
    assert (est.n, est.components["n_upsold"]) == (2, 1)


def test_confidence_level_and_bootstrap() -> None:
    frame = make_table(16, n_customers=150)
    common: dict[str, Any] = {"customer": "customer_id", "date": "date", "within": 60}
    est = repurchase_rate(frame, confidence_level=0.8, **common)
    low, high = modified_wilson(est.components["n_repurchased"], est.n, alpha=0.2)
    assert est.ci == pytest.approx((100.0 * low, 100.0 * high))
    boot = repurchase_rate(frame, ci_method="percentile", n_resamples=2000, rng=3, **common)
    again = repurchase_rate(frame, ci_method="percentile", n_resamples=2000, rng=3, **common)
    assert boot == again
    assert boot.ci.low < boot.value < boot.ci.high
    assert boot.ci.low == pytest.approx(est.ci.low, abs=8.0)
    delta = repurchase_rate(frame, ci_method="delta", **common)
    assert delta.value == est.value
    assert delta.ci.high - delta.value == pytest.approx(1.959963984540054 * delta.se)


@pytest.fixture
def frame() -> pd.DataFrame:
    return make_table(17, n_customers=20)


def test_bad_tiers(frame: pd.DataFrame) -> None:
    kwargs: dict[str, Any] = {"customer": "customer_id", "date": "date", "tier": "tier"}
    holed = frame.assign(tier=frame["tier"].astype("float64"))
    holed.loc[holed["customer_id"].notna().to_numpy().nonzero()[0][:2], "tier"] = np.nan
    with pytest.raises(ValueError, match=r"tier column 'tier' has 2 missing value\(s\)"):
        upsell_rate(holed, **kwargs)
    # Missing tiers on guest orders or after as_of do not matter.
    guest_hole = frame.assign(tier=frame["tier"].astype("float64"))
    guest_hole.loc[guest_hole["customer_id"].isna(), "tier"] = np.nan
    upsell_rate(guest_hole, **kwargs)
    with pytest.raises(TypeError, match="unordered Categorical"):
        upsell_rate(frame.assign(tier=frame["tier"].astype("category")), **kwargs)
    with pytest.raises(TypeError, match="ordered Categorical"):
        upsell_rate(frame.assign(tier=frame["tier"].map({1: "a", 2: "b", 3: "c"})), **kwargs)
    cats = pd.CategoricalDtype(["low", "high"], ordered=True)
    with pytest.raises(ValueError, match="missing value"):
        upsell_rate(
            frame.assign(tier=pd.Series(["low"] * (len(frame) - 1) + [None], dtype=cats)),
            **kwargs,
        )
