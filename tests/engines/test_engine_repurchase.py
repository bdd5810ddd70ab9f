"""Repurchase and upsell rates on every engine: per-customer tables reduced in the engine.

Each call on an engine's frame must give the pandas result to 1e-9 (the bootstrap
included) and the same warnings. The orders hold what tells the rules apart: second
orders at the exact time of a customer's first order (in the same or another tier,
with a higher or lower order id), further orders on the day of the first one, times
of day that windows cut through, unreadable rows and guest orders.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from agreement import same_as_pandas as _both
from agreement import same_result as _same
from engine_params import IN_PROCESS, engine_cases
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.orders.customers import NEVER
from cxlib.orders.repurchase_shares import deadlines

KEYS: dict[str, Any] = {"customer": "customer", "date": "date"}
TIERS = ["basic", "plus", "premium"]


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    data = cx.datasets.make_orders(500, rng=4)
    data = data[["order_id", "customer_id", "date", "revenue", "tier"]].copy()
    data["date"] = data["date"] + pd.to_timedelta(rng.integers(0, 86_400, len(data)), unit="s")
    data["order_id"] = data["order_id"] * 10
    ids = data["customer_id"]
    known = ids.notna().to_numpy()
    # Second orders at the exact time of a customer's first order: the same tier in
    # "tier", another tier in "tier_mixed"; an order id below or above the first's.
    firsts = data[known].sort_values("date").drop_duplicates("customer_id").index
    tied = data.loc[rng.choice(firsts, 40, replace=False)].copy()
    tied["order_id"] += np.where(np.arange(len(tied)) % 2 == 0, -3, 4)
    tied["revenue"] = np.round(rng.uniform(5, 80, len(tied)), 2)
    # Further orders a few hours after the first, on the same day or the next.
    same_day = data.loc[rng.choice(firsts, 40, replace=False)].copy()
    same_day["date"] += pd.to_timedelta(rng.integers(1, 30, len(same_day)), unit="h")
    same_day["order_id"] += 2  # ids stay distinct: last digits 0, 7, 4, 2
    same_day["tier"] = rng.integers(1, 4, len(same_day))
    data["tier_mixed"] = data["tier"]
    tied["tier_mixed"] = rng.integers(1, 4, len(tied))
    same_day["tier_mixed"] = same_day["tier"]
    data = pd.concat([data, tied, same_day]).sort_values("order_id", kind="stable")
    data = data.sample(frac=1.0, random_state=3).reset_index(drop=True)  # no row order
    ids = data["customer_id"]
    data["customer"] = ("c" + ids.astype("string").str.zfill(4)).astype("str")
    data.loc[ids.isna(), "customer"] = None
    data = data.drop(columns="customer_id")
    # Ids as text, sorting the other way round: ties break the other way.
    data["order_key"] = "k" + (60_000 - data["order_id"]).astype("str")
    data["tier_float"] = data["tier_mixed"].astype("float64") / 4.0
    data["tier_level"] = pd.Categorical.from_codes(
        data["tier_mixed"].to_numpy() - 1, categories=TIERS, ordered=True
    )
    codes = ids.fillna(0).to_numpy(dtype=np.int64) % 3
    segment = np.array(["gold", "silver", None], dtype=object)[codes]
    data["segment"] = pd.Series(segment, dtype="str")
    data["channel"] = np.array(["web", "app", "store"], dtype=object)[rng.integers(0, 3, len(data))]
    data.loc[[3, 10, 40], "revenue"] = np.nan  # unreadable rows, counted in n_missing
    data.loc[[5, 77], "date"] = pd.NaT
    return data


def test_fixture_tells_the_rules_apart(orders: pd.DataFrame) -> None:
    """The two occasions and the tie-breaks give different rates on these orders."""
    by_order = cx.repurchase_rate(orders, **KEYS, within=20, occasion="order")
    by_day = cx.repurchase_rate(orders, **KEYS, within=20, occasion="day")
    assert by_order.value > by_day.value
    by_number = cx.upsell_rate(orders, **KEYS, tier="tier_mixed", order_id="order_id")
    by_text = cx.upsell_rate(orders, **KEYS, tier="tier_mixed", order_id="order_key")
    assert by_number.value != by_text.value


REPURCHASE_CASES: list[dict[str, Any]] = [
    {"occasion": "order", "within": 30, "ci_method": "bca", "by": None},
    {"occasion": "day", "within": 30, "ci_method": "percentile", "by": "segment"},
    {"occasion": "order", "within": 0.5, "ci_method": "wilson", "by": "segment"},  # half a day
    {"occasion": "day", "within": pd.Timedelta(hours=30), "ci_method": "delta", "by": None},
    {"occasion": "order", "within": 120, "as_of": "2024-09-30 13:30", "by": "segment"},
]


@pytest.mark.parametrize("case", REPURCHASE_CASES, ids=lambda c: "-".join(map(str, c.values())))
@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_repurchase_rate_matches_pandas(
    engine: Any, orders: pd.DataFrame, case: dict[str, Any]
) -> None:
    frame = engine(orders)
    kwargs = {**KEYS, "revenue": "revenue", "n_resamples": 199, "rng": 1, **case}
    _both(cx.repurchase_rate, frame, orders, **kwargs)


UPSELL_CASES: list[dict[str, Any]] = [
    {"tier": "tier", "ci_method": "bca", "by": "segment"},  # ties at the first time share a tier
    {"tier": "tier_mixed", "order_id": "order_id", "ci_method": "percentile", "by": None},
    {"tier": "tier_float", "order_id": "order_key", "window": 150, "by": "segment"},
    {"tier": "tier_mixed", "order_id": "order_id", "window": 90.5, "as_of": "2024-10-02 08:00"},
]


@pytest.mark.parametrize("case", UPSELL_CASES, ids=lambda c: "-".join(map(str, c.values())))
@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_upsell_rate_matches_pandas(
    engine: Any, orders: pd.DataFrame, case: dict[str, Any]
) -> None:
    frame = engine(orders)
    kwargs = {**KEYS, "revenue": "revenue", "n_resamples": 199, "rng": 1, **case}
    _both(cx.upsell_rate, frame, orders, **kwargs)


@pytest.mark.parametrize("policy", ["omit", "propagate"])
@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_policies_and_no_revenue(engine: Any, orders: pd.DataFrame, policy: str) -> None:
    frame = engine(orders)
    kwargs = {**KEYS, "nan_policy": policy, "by": "segment"}
    # With revenue, rows without one are no orders: first orders move.
    _both(cx.repurchase_rate, frame, orders, revenue="revenue", within=10, **kwargs)
    _both(cx.repurchase_rate, frame, orders, within=10, occasion="day", **kwargs)
    _both(cx.upsell_rate, frame, orders, revenue="revenue", tier="tier", **kwargs)


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_ordered_categories_as_numbers(engine: Any, orders: pd.DataFrame) -> None:
    """Tiers as an ordered Categorical (pandas) and as their ranks (any engine) agree."""
    kwargs = {**KEYS, "order_id": "order_id", "by": "segment", "ci_method": "delta"}
    want = cx.upsell_rate(orders, tier="tier_level", **kwargs)
    _same(cx.upsell_rate(engine(orders), tier="tier_mixed", **kwargs), want)
    with pytest.raises(TypeError, match=r"tier column 'tier_level' must hold numbers .*ranks"):
        cx.upsell_rate(engine(orders), tier="tier_level", **KEYS)


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_deadline_past_the_last_time(engine: Any, orders: pd.DataFrame) -> None:
    """A window reaching past 2262 ends there: nobody is observed for all of it."""
    want = _both(cx.repurchase_rate, engine(orders), orders, **KEYS, within=100_000)
    assert want.n == 0
    assert np.isnan(want.value)
    with pytest.warns(cx.DegenerateDataWarning, match="repurchase rate is undefined"):
        cx.repurchase_rate(orders, **KEYS, within=100_000)
    first = np.array([0, NEVER - 10, -(2**62)], dtype=np.int64)
    np.testing.assert_array_equal(deadlines(first, 20), [20, NEVER, -(2**62) + 20])


def test_files(tmp_path: Any, orders: pd.DataFrame) -> None:
    """A Parquet file given as the orders is read lazily (DuckDB) and reduced there."""
    path = tmp_path / "orders.parquet"
    orders.to_parquet(path, index=False)
    kwargs = {**KEYS, "revenue": "revenue", "by": "segment", "ci_method": "delta"}
    _both(cx.repurchase_rate, str(path), orders, within=30, **kwargs)
    _both(cx.upsell_rate, path, orders, tier="tier_mixed", order_id="order_key", **kwargs)


def test_on_every_engine(engine: Any, orders: pd.DataFrame) -> None:
    """One grouped call of each metric, bootstrap and revenue included, on every engine."""
    frame = engine(orders)
    kwargs = {**KEYS, "revenue": "revenue", "n_resamples": 99, "rng": 2, "by": "segment"}
    _both(cx.repurchase_rate, frame, orders, within=30, ci_method="bca", **kwargs)
    _both(
        cx.upsell_rate,
        frame,
        orders,
        tier="tier_mixed",
        order_id="order_key",
        window=200.5,
        ci_method="percentile",
        nan_policy="propagate",
        **kwargs,
    )


#: Bad inputs of upsell_rate: keywords and the error they get.
BAD_INPUTS = {
    "duplicated-ids": (
        {"tier": "tier", "order_id": "dup_id"},
        r"order_id column 'dup_id' has duplicated ids: \[10\]",
    ),
    "missing-id": (
        {"tier": "tier", "order_id": "one_missing"},
        r"order_id column 'one_missing' has 1 missing id",
    ),
    "missing-tier": ({"tier": "tier_gap"}, r"tier column 'tier_gap' has 1 missing value"),
    "mixed-tiers": (
        {"tier": "tier_mixed"},
        r"customer\(s\) have several orders at the time of ",
    ),
    "grouped": (
        {"tier": "tier", "by": "channel", "order_id": "order_id"},
        r"upsell_rate is a customer-level metric",
    ),
}


@pytest.mark.parametrize(
    ("engine", "case"),
    engine_cases(list(BAD_INPUTS), slow=["duplicated-ids", "missing-tier"]),
    indirect=["engine"],
)
def test_bad_input_is_named(engine: Any, orders: pd.DataFrame, case: str) -> None:
    counted = orders.index[orders["customer"].notna() & orders["date"].notna()]
    bad = orders.assign(
        dup_id=orders["order_id"].where(~orders.index.isin([4, 9, 12]), 10),
        one_missing=orders["order_id"].astype("float64").where(orders.index != 8),
        tier_gap=orders["tier"].astype("float64").where(orders.index != counted[0]),
    )
    kwargs, message = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=message):
        cx.upsell_rate(engine(bad), **kwargs, **KEYS)
    if case in ("missing-id", "missing-tier"):  # the pandas path names them too
        with pytest.raises(ValueError, match=message):
            cx.upsell_rate(bad, **kwargs, **KEYS)


# ------------------------------------------------------------------------ properties


@st.composite
def small_orders(draw: st.DrawFn) -> pd.DataFrame:
    """A few customers' orders over six days, with many ties in time and day."""
    n = draw(st.integers(1, 25))
    column = st.lists
    customers = draw(column(st.sampled_from(["a", "b", "c", "d", None]), min_size=n, max_size=n))
    hours = draw(column(st.integers(0, 6 * 24).map(lambda h: h // 4 * 4), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "customer": pd.Series(customers, dtype="str"),
            "date": pd.Timestamp("2024-03-01") + pd.to_timedelta(hours, unit="h"),
            "tier": draw(column(st.integers(0, 3), min_size=n, max_size=n)),
            "revenue": draw(column(st.integers(0, 50), min_size=n, max_size=n)),
            "order_id": draw(st.permutations(range(n))),
        }
    )


def _ambiguous(data: pd.DataFrame) -> bool:
    """Brute force: some customer's orders at their first time differ in tier."""
    known = data[data["customer"].notna()]
    first = known.groupby("customer")["date"].transform("min")
    at_first = known[known["date"] == first]
    tiers = at_first.groupby("customer")["tier"]
    return bool((tiers.min() != tiers.max()).any())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=small_orders(),
    within=st.sampled_from([0.1, 0.5, 1.0, 2.0]),
    occasion=st.sampled_from(["order", "day"]),
)
def test_polars_agrees_with_pandas_on_any_orders(
    data: pd.DataFrame, within: float, occasion: str
) -> None:
    pl = pytest.importorskip("polars")
    frame = pl.from_pandas(data)
    kwargs = {**KEYS, "revenue": "revenue", "ci_method": "delta"}
    _both(cx.repurchase_rate, frame, data, within=within, occasion=occasion, **kwargs)
    _both(cx.upsell_rate, frame, data, tier="tier", order_id="order_id", **kwargs)
    if _ambiguous(data):
        with pytest.raises(ValueError, match="no row order to tell which came first"):
            cx.upsell_rate(frame, tier="tier", **kwargs)
    else:
        _both(cx.upsell_rate, frame, data, tier="tier", **kwargs)
