"""Retention metrics against brute-force loops over customers, statsmodels, and properties."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from cxlib.core.errors import DegenerateDataWarning
from cxlib.core.results import Estimate
from cxlib.orders.retention import (
    churn_rate,
    cohort_retention,
    cohort_table,
    repurchase_rate,
    retention_rate,
    upsell_rate,
)

DAY = pd.Timedelta(days=1)
BASE = pd.Timestamp("2023-01-30")
SM_METHOD = {
    "wilson": "wilson",
    "wald": "normal",
    "agresti-coull": "agresti_coull",
    "clopper-pearson": "beta",
    "jeffreys": "jeffreys",
}


# ----------------------------------------------------------------------- test data


def make_table(
    seed: int,
    n_customers: int = 80,
    days: int = 500,
    guest_share: float = 0.1,
    with_time: bool = False,
    string_ids: bool = False,
) -> pd.DataFrame:
    """Orders of ``n_customers`` customers (1 + Poisson repeats) plus guest orders, shuffled."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, days, n_customers)
    n_orders = 1 + rng.poisson(rng.gamma(0.7, 2.5, n_customers))
    owner = np.repeat(np.arange(n_customers), n_orders)
    repeat_day = first[owner] + rng.integers(0, days - first[owner] + 1)
    is_first = np.zeros(len(owner), dtype=bool)
    is_first[np.cumsum(n_orders) - n_orders] = True
    day = np.where(is_first, first[owner], repeat_day)
    n_guest = int(rng.binomial(len(owner), guest_share))
    day = np.concatenate([day, rng.integers(0, days, n_guest)])
    ids: list[Any] = [f"c{o:03d}" if string_ids else int(o) for o in owner] + [None] * n_guest
    segment = np.array(["north", "south", "east"])[rng.integers(0, 3, n_customers)]
    date = BASE + pd.to_timedelta(day, unit="D")
    if with_time:
        date = date + pd.to_timedelta(rng.integers(0, 24 * 60, len(day)), unit="min")
    frame = pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="string" if string_ids else "Int64"),
            "date": date,
            "tier": rng.integers(1, 4, len(day)),
            "segment": np.concatenate([segment[owner], rng.choice(["north", "south"], n_guest)]),
        }
    )
    frame["order_id"] = rng.permutation(len(frame)) + 1000
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@st.composite
def small_tables(draw: st.DrawFn, max_orders: int = 14, max_day: int = 40) -> pd.DataFrame:
    """Tiny tables: few customers, same-day orders, guests; dates near month/week ends."""
    n = draw(st.integers(1, max_orders))
    rows = draw(
        st.lists(
            st.tuples(
                st.one_of(st.none(), st.integers(0, 3)),
                st.integers(0, max_day),
                st.integers(1, 3),
            ),
            min_size=n,
            max_size=n,
        )
    )
    # A table of guest orders only trips prepare_orders (see test_all_guest_orders).
    assume(any(c is not None for c, _, _ in rows))
    base = draw(st.sampled_from(["2024-01-29", "2024-02-26", "2023-12-31", "2024-03-25"]))
    customer = pd.array([c for c, _, _ in rows], dtype="Int64")
    frame = pd.DataFrame(
        {
            "customer_id": customer,
            "date": pd.Timestamp(base) + pd.to_timedelta([d for _, d, _ in rows], unit="D"),
            "tier": [t for _, _, t in rows],
            "segment": ["odd" if (c or 0) % 2 else "even" for c, _, _ in rows],
        }
    )
    frame["order_id"] = np.arange(len(frame))[::-1]
    return frame


def quiet(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` tolerating the documented DegenerateDataWarning (undefined rates)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        return fn(*args, **kwargs)


# ------------------------------------------------------------------- brute force


def _customers(frame: pd.DataFrame, as_of: pd.Timestamp) -> dict[Any, list[tuple[Any, ...]]]:
    """Orders of identified customers up to as_of: (date, row position, order_id, tier)."""
    out: dict[Any, list[tuple[Any, ...]]] = {}
    for pos, row in enumerate(frame.itertuples(index=False)):
        if pd.isna(row.customer_id) or row.date > as_of:
            continue
        out.setdefault(row.customer_id, []).append((row.date, pos, row.order_id, row.tier))
    return out


def repurchase_brute(
    frame: pd.DataFrame, within: float, as_of: pd.Timestamp, occasion: str = "order"
) -> tuple[int, int]:
    span = pd.Timedelta(days=within)
    eligible = repurchased = 0
    for orders in _customers(frame, as_of).values():
        orders = sorted(orders)
        first = orders[0][0]
        if first + span > as_of:
            continue
        eligible += 1
        if occasion == "order":
            others = [o[0] for o in orders[1:]]
        else:
            others = [o[0] for o in orders if o[0].normalize() > first.normalize()]
        repurchased += any(t - first <= span for t in others)
    return eligible, repurchased


def upsell_brute(
    frame: pd.DataFrame,
    as_of: pd.Timestamp,
    window: float | None = None,
    use_order_id: bool = False,
) -> tuple[int, int]:
    repeat = upsold = 0
    start = None if window is None else as_of - pd.Timedelta(days=window)
    for orders in _customers(frame, as_of).values():
        kept = [o for o in orders if start is None or o[0] > start]
        if len(kept) < 2:
            continue
        repeat += 1
        key = (lambda o: (o[0], o[2])) if use_order_id else (lambda o: (o[0], o[1]))
        first = min(kept, key=key)
        upsold += any(o[3] > first[3] for o in kept if o is not first)
    return repeat, upsold


def retention_brute(
    frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, inactivity: float
) -> dict[str, int]:
    gap = pd.Timedelta(days=inactivity)
    counts = dict.fromkeys(("S", "E", "N", "R", "reactivated", "new_lapsed"), 0)
    for orders in _customers(frame, end).values():
        dates = [o[0] for o in orders]
        at_start = any(start - gap < d <= start for d in dates)
        at_end = any(end - gap < d <= end for d in dates)
        new = min(dates) > start
        counts["S"] += at_start
        counts["E"] += at_end
        counts["N"] += new
        counts["R"] += at_start and at_end
        counts["reactivated"] += at_end and not at_start and not new
        counts["new_lapsed"] += new and not at_end
    return counts


def cohort_brute(
    frame: pd.DataFrame, cohort: str, period: str, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Pandas Period arithmetic, one customer and one cohort at a time."""
    last = as_of.to_period(period)
    if as_of.normalize() < last.end_time.normalize():
        last -= 1
    by_cohort: dict[pd.Period, list[set[int]]] = {}
    for orders in _customers(frame, as_of).values():
        first = min(o[0] for o in orders)
        ks = {(o[0].to_period(period) - first.to_period(period)).n for o in orders}
        by_cohort.setdefault(first.to_period(cohort), []).append(ks)
    rows = []
    for label in sorted(by_cohort):
        members = by_cohort[label]
        latest_first = label.end_time.normalize().to_period(period)
        n_complete = (last - latest_first).n + 1 if last >= latest_first else 0
        for k in range(n_complete):
            active = sum(k in ks for ks in members)
            rows.append((label, k, active, len(members)))
    return pd.DataFrame(rows, columns=["cohort", "period", "customers", "cohort_size"])


def assert_share(est: Estimate, n: int, successes: int, method: str = "wilson") -> None:
    assert est.n == n
    if n == 0:
        assert math.isnan(est.value)
        return
    assert est.value == pytest.approx(100.0 * successes / n)
    low, high = proportion_confint(successes, n, alpha=0.05, method=SM_METHOD[method])
    assert est.ci.low == pytest.approx(100.0 * low, abs=1e-9)
    assert est.ci.high == pytest.approx(100.0 * high, abs=1e-9)


# ---------------------------------------------------------- against brute force


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


@pytest.mark.parametrize("seed", [5, 6])
@pytest.mark.parametrize(
    ("start", "end", "inactivity"),
    [(200, 300, 120), (150, 450, 90), (100, 101, 365), (0, 499, 30.5)],
)
def test_retention_and_churn_match_brute_force(
    seed: int, start: int, end: int, inactivity: float
) -> None:
    frame = make_table(seed, with_time=seed == 6)
    t0, t1 = BASE + start * DAY, BASE + end * DAY
    counts = retention_brute(frame, t0, t1, inactivity)
    kwargs: dict[str, Any] = {
        "customer": "customer_id",
        "date": "date",
        "period_start": t0,
        "period_end": t1,
        "inactivity": inactivity,
    }
    ret = quiet(retention_rate, frame, **kwargs)
    churn = quiet(churn_rate, frame, **kwargs)
    assert_share(ret, counts["S"], counts["R"])
    assert_share(churn, counts["S"], counts["S"] - counts["R"])
    c = ret.components
    assert (c["n_start_customers"], c["n_end_customers"], c["n_new_customers"]) == (
        counts["S"],
        counts["E"],
        counts["N"],
    )
    assert (c["n_retained"], c["n_reactivated"], c["n_new_lapsed"]) == (
        counts["R"],
        counts["reactivated"],
        counts["new_lapsed"],
    )
    # The identity behind the classic (E - N) / S formula.
    assert c["n_end_customers"] - c["n_new_customers"] == (
        c["n_retained"] + c["n_reactivated"] - c["n_new_lapsed"]
    )
    if counts["S"]:
        assert c["classic_retention"] == pytest.approx(
            100.0 * (counts["E"] - counts["N"]) / counts["S"]
        )
        assert churn.value == pytest.approx(100.0 - ret.value)
        assert churn.ci.low == pytest.approx(100.0 - ret.ci.high)
        assert churn.ci.high == pytest.approx(100.0 - ret.ci.low)


@pytest.mark.parametrize("seed", [7, 8])
@pytest.mark.parametrize(
    ("cohort", "period"), [("M", "M"), ("W", "W"), ("M", "W"), ("W", "M"), ("Q", "M"), ("D", "W")]
)
def test_cohort_retention_matches_brute_force(seed: int, cohort: str, period: str) -> None:
    frame = make_table(seed, n_customers=50, days=300, with_time=seed == 8)
    as_of = BASE + 260 * DAY
    tidy = cohort_retention(
        frame, customer="customer_id", date="date", cohort=cohort, period=period, as_of=as_of
    )
    expected = cohort_brute(frame, cohort, period, as_of)
    pd.testing.assert_frame_equal(
        tidy[["cohort", "period", "customers", "cohort_size"]],
        expected,
        check_dtype=False,
    )
    share = tidy["customers"] / tidy["cohort_size"]
    np.testing.assert_allclose(tidy["retention"], 100.0 * share)
    assert (tidy.loc[tidy["period"] == 0, "retention"] == 100.0).all()
    low, high = proportion_confint(tidy["customers"], tidy["cohort_size"], method="wilson")
    np.testing.assert_allclose(tidy["ci_low"], 100.0 * np.asarray(low), atol=1e-9)
    np.testing.assert_allclose(tidy["ci_high"], 100.0 * np.asarray(high), atol=1e-9)


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


# --------------------------------------------------- hypothesis: edge cases


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


@settings(max_examples=60)
@given(small_tables(), st.integers(-3, 40), st.integers(1, 40), st.integers(1, 30))
def test_retention_edge_cases(frame: pd.DataFrame, start: int, length: int, gap: int) -> None:
    t0 = frame["date"].min() + start * DAY
    t1 = t0 + length * DAY
    counts = retention_brute(frame, t0, t1, gap)
    kwargs = {"customer": "customer_id", "date": "date", "period_start": t0, "period_end": t1}
    ret = quiet(retention_rate, frame, inactivity=gap, **kwargs)
    assert_share(ret, counts["S"], counts["R"])
    assert ret.components["n_end_customers"] == counts["E"]
    assert ret.components["n_new_customers"] == counts["N"]
    churn = quiet(churn_rate, frame, inactivity=gap, **kwargs)
    assert_share(churn, counts["S"], counts["S"] - counts["R"])


@settings(max_examples=60)
@given(
    small_tables(max_day=120),
    st.sampled_from(["D", "W", "M", "Q"]),
    st.sampled_from(["D", "W", "M"]),
    st.integers(0, 130),
)
def test_cohort_edge_cases(frame: pd.DataFrame, cohort: str, period: str, as_of: int) -> None:
    end = frame["date"].min() + as_of * DAY
    tidy = cohort_retention(
        frame, customer="customer_id", date="date", cohort=cohort, period=period, as_of=end
    )
    expected = cohort_brute(frame, cohort, period, end)
    pd.testing.assert_frame_equal(
        tidy[["cohort", "period", "customers", "cohort_size"]].reset_index(drop=True),
        expected,
        check_dtype=False,
        check_index_type=False,
    )


# --------------------------------------------------------- exact boundaries


def _orders(rows: list[tuple[Any, str]], **extra: list[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [c for c, _ in rows],
            "date": pd.to_datetime([d for _, d in rows]),
            **extra,
        }
    )


def test_repurchase_window_is_inclusive() -> None:
    frame = _orders([("a", "2024-01-01"), ("a", "2024-01-31"), ("b", "2024-01-01"),
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
    frame = _orders([("a", "2024-01-01"), ("a", "2024-01-01"), ("b", "2024-01-01"),
                     ("b", "2024-01-01"), ("b", "2024-01-05"), ("c", "2024-06-01")])  # fmt: skip
    by_order = repurchase_rate(frame, customer="customer_id", date="date", within=10)
    by_day = repurchase_rate(frame, customer="customer_id", date="date", within=10, occasion="day")
    assert by_order.components["n_repurchased"] == 2
    assert by_day.components["n_repurchased"] == 1


def test_upsell_tie_break_on_the_first_date() -> None:
    frame = _orders(
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
    frame2 = _orders(
        [("a", "2024-01-01"), ("a", "2024-01-02"), ("b", "2024-01-01"), ("b", "2024-01-02")],
        tier=pd.Series(["basic", "premium", "basic", "gold"], dtype=cats),
    )
    est = upsell_rate(frame2, customer="customer_id", date="date", tier="tier")
    assert (est.n, est.components["n_upsold"]) == (2, 1)


def test_retention_boundaries() -> None:
    start, end = "2024-01-01", "2024-03-01"
    frame = _orders(
        [
            ("exactly_gap_before", "2023-12-02"),  # start - 30 days: not active (open end)
            ("just_inside", "2023-12-03"),  # active at start, lapsed at end
            ("at_start", "2024-01-01"),  # active at start, not new, lapsed at end
            ("at_start", "2024-02-15"),  # ... then active at end
            ("new_at_end", "2024-03-01"),  # new, active at end
            ("new_lapsed", "2024-01-02"),  # new, lapsed before the end
            ("back", "2023-06-01"),
            ("back", "2024-02-20"),  # reactivated
            ("after", "2024-03-02"),  # after period_end: ignored
        ]
    )
    est = retention_rate(
        frame,
        customer="customer_id",
        date="date",
        period_start=start,
        period_end=end,
        inactivity=30,
    )
    c = est.components
    assert (c["n_start_customers"], c["n_retained"]) == (2, 1)
    assert (c["n_end_customers"], c["n_new_customers"]) == (3, 2)
    assert (c["n_reactivated"], c["n_new_lapsed"]) == (1, 1)
    assert est.value == 50.0
    assert c["classic_retention"] == 50.0  # (3 - 2) / 2: equal here only by cancellation


def test_cohort_period_boundaries() -> None:
    frame = _orders([("a", "2024-01-31"), ("a", "2024-02-01"), ("b", "2024-01-01"),
                     ("b", "2024-02-29")])  # fmt: skip
    full = cohort_retention(frame, customer="customer_id", date="date", as_of="2024-02-29")
    assert full["period"].tolist() == [0, 1]
    assert full["customers"].tolist() == [2, 2]
    partial = cohort_retention(frame, customer="customer_id", date="date", as_of="2024-02-28")
    assert partial["period"].tolist() == [0]  # February is not over on the 28th
    none = cohort_retention(frame, customer="customer_id", date="date", as_of="2024-01-30")
    assert len(none) == 0
    assert list(none.columns) == list(full.columns)
    weekly = cohort_retention(
        frame, customer="customer_id", date="date", cohort="M", period="W", as_of="2024-03-03"
    )
    # The January cohort can hold a first order in the week of Jan 29 - Feb 4, so week k
    # is complete for all of it only once that week + k has ended (Sunday Mar 3: k = 4).
    assert weekly["period"].max() == 4


def test_cohort_table_pivots() -> None:
    frame = make_table(9, n_customers=40, days=200)
    tidy = cohort_retention(frame, customer="customer_id", date="date", as_of=BASE + 190 * DAY)
    table = cohort_table(tidy)
    assert table.shape == (tidy["cohort"].nunique(), tidy["period"].nunique())
    assert table.loc[tidy["cohort"].iloc[-1], 0] == 100.0
    assert np.isnan(table.iloc[-1, -1])
    sizes = cohort_table(tidy, values="customers")
    assert sizes.iloc[0, 0] == tidy["cohort_size"].iloc[0]
    grouped = cohort_retention(
        frame, customer="customer_id", date="date", as_of=BASE + 190 * DAY, by="segment"
    )
    pivot = cohort_table(grouped)
    assert pivot.index.names == ["segment", "cohort"]


# ----------------------------------------------------------------- properties


def _everything(frame: pd.DataFrame, by: str | None = None) -> list[Any]:
    common: dict[str, Any] = {"customer": "customer_id", "date": "date", "by": by}
    as_of = BASE + 400 * DAY
    return [
        quiet(repurchase_rate, frame, within=60, as_of=as_of, **common),
        quiet(
            upsell_rate, frame, tier="tier", order_id="order_id", as_of=as_of, window=300, **common
        ),
        quiet(
            retention_rate,
            frame,
            period_start=BASE + 200 * DAY,
            period_end=as_of,
            inactivity=150,
            **common,
        ),
        quiet(
            churn_rate,
            frame,
            period_start=BASE + 200 * DAY,
            period_end=as_of,
            inactivity=150,
            **common,
        ),
        cohort_retention(frame, as_of=as_of, **common),
    ]


def _same(a: Any, b: Any) -> None:
    if isinstance(a, Estimate):
        pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    else:
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


@pytest.mark.parametrize("by", [None, "segment"])
def test_row_order_is_irrelevant(by: str | None) -> None:
    frame = make_table(10)
    shuffled = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    for a, b in zip(_everything(frame, by), _everything(shuffled, by), strict=True):
        _same(a, b)


def test_orders_after_as_of_change_nothing() -> None:
    frame = make_table(12)
    later = make_table(13, n_customers=30)
    later["date"] = BASE + 401 * DAY + (later["date"] - BASE)  # all after as_of (day 400)
    later["order_id"] += 10_000
    # Existing customers keep their segment; new ids get their own.
    seg = frame.dropna(subset=["customer_id"]).groupby("customer_id")["segment"].first()
    known = later["customer_id"].isin(seg.index)
    later.loc[known, "segment"] = later.loc[known, "customer_id"].map(seg).to_numpy()
    extended = pd.concat([frame, later], ignore_index=True)
    for by in (None, "segment"):
        for a, b in zip(_everything(frame, by), _everything(extended, by), strict=True):
            _same(a, b)


def test_grouped_equals_per_group() -> None:
    frame = make_table(14, n_customers=120)
    grouped = _everything(frame, "segment")
    keys = sorted(frame["segment"].unique())
    for i, result in enumerate(grouped[:4]):
        assert list(result["segment"]) == sorted(result["segment"])
        for row in result.itertuples(index=False):
            sub = frame[frame["segment"] == row.segment]
            single = _everything(sub)[i]
            expected = single.to_frame().drop(columns=["confidence_level", "ci_method"]).iloc[0]
            got = pd.Series(row._asdict()).drop("segment")
            pd.testing.assert_series_equal(
                got.astype(object), expected.astype(object), check_names=False
            )
    cohorts = grouped[4]
    for key in keys:
        sub = frame[frame["segment"] == key]
        single = _everything(sub)[4]
        part = cohorts[cohorts["segment"] == key].drop(columns="segment")
        _same(part, single)


@settings(max_examples=40)
@given(small_tables(), st.randoms(use_true_random=False))
def test_permutation_invariance_small(frame: pd.DataFrame, random: Any) -> None:
    order = list(range(len(frame)))
    random.shuffle(order)
    shuffled = frame.iloc[order].reset_index(drop=True)
    as_of = frame["date"].max()
    for fn, kwargs in [
        (repurchase_rate, {"within": 7, "as_of": as_of}),
        (upsell_rate, {"tier": "tier", "order_id": "order_id"}),
        (retention_rate, {"period_start": frame["date"].min() - DAY, "period_end": as_of,
                          "inactivity": 10}),
    ]:  # fmt: skip
        a = quiet(fn, frame, customer="customer_id", date="date", **kwargs)
        b = quiet(fn, shuffled, customer="customer_id", date="date", **kwargs)
        _same(a, b)


# ---------------------------------------------------------- interval methods


@pytest.mark.parametrize("method", list(SM_METHOD))
def test_interval_methods_against_statsmodels(method: str) -> None:
    frame = make_table(15)
    kwargs: dict[str, Any] = {"customer": "customer_id", "date": "date", "ci_method": method}
    rep = repurchase_rate(frame, within=60, confidence_level=0.95, **kwargs)
    assert_share(rep, rep.n, int(rep.components["n_repurchased"]), method)
    grouped = upsell_rate(frame, tier="tier", by="segment", **kwargs)
    for row in grouped.itertuples(index=False):
        low, high = proportion_confint(row.n_upsold, row.n, method=SM_METHOD[method])
        assert row.ci_low == pytest.approx(100.0 * low, abs=1e-9)
        assert row.ci_high == pytest.approx(100.0 * high, abs=1e-9)
    tidy = cohort_retention(frame, customer="customer_id", date="date", ci_method=method)
    low, high = proportion_confint(tidy["customers"], tidy["cohort_size"], method=SM_METHOD[method])
    np.testing.assert_allclose(tidy["ci_low"], 100.0 * np.asarray(low), atol=1e-9)
    np.testing.assert_allclose(tidy["ci_high"], 100.0 * np.asarray(high), atol=1e-9)


def test_confidence_level_and_bootstrap() -> None:
    frame = make_table(16, n_customers=150)
    common: dict[str, Any] = {"customer": "customer_id", "date": "date", "within": 60}
    est = repurchase_rate(frame, confidence_level=0.8, **common)
    low, high = proportion_confint(
        est.components["n_repurchased"], est.n, alpha=0.2, method="wilson"
    )
    assert est.ci == pytest.approx((100.0 * low, 100.0 * high))
    boot = repurchase_rate(frame, ci_method="percentile", n_resamples=2000, rng=3, **common)
    again = repurchase_rate(frame, ci_method="percentile", n_resamples=2000, rng=3, **common)
    assert boot == again
    assert boot.ci.low < boot.value < boot.ci.high
    assert boot.ci.low == pytest.approx(est.ci.low, abs=8.0)
    delta = repurchase_rate(frame, ci_method="delta", **common)
    assert delta.value == est.value
    assert delta.ci.high - delta.value == pytest.approx(1.959963984540054 * delta.se)


def test_undefined_rates_warn() -> None:
    frame = _orders([("a", "2024-01-01"), ("b", "2024-01-02")], tier=[1, 2])
    with pytest.warns(DegenerateDataWarning, match="repurchase rate is undefined"):
        est = repurchase_rate(frame, customer="customer_id", date="date", within=30)
    assert est.n == 0
    assert math.isnan(est.value)
    with pytest.warns(DegenerateDataWarning, match="upsell rate is undefined"):
        upsell_rate(frame, customer="customer_id", date="date", tier="tier")
    with pytest.warns(DegenerateDataWarning, match="no customer is active"):
        retention_rate(
            frame,
            customer="customer_id",
            date="date",
            period_start="2023-01-01",
            period_end="2024-02-01",
        )
    grouped = upsell_rate(frame, customer="customer_id", date="date", tier="tier", by="tier")
    assert len(grouped) == 0  # groups without repeat customers are left out


# ----------------------------------------------------------------- bad input


@pytest.fixture
def frame() -> pd.DataFrame:
    return make_table(17, n_customers=20)


def test_unknown_columns(frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="customer='nope' is not a column"):
        repurchase_rate(frame, customer="nope", date="date")
    with pytest.raises(ValueError, match="date='when' is not a column"):
        cohort_retention(frame, customer="customer_id", date="when")
    with pytest.raises(ValueError, match="tier='level' is not a column"):
        upsell_rate(frame, customer="customer_id", date="date", tier="level")
    with pytest.raises(ValueError, match="by='region' is not a column"):
        churn_rate(
            frame,
            customer="customer_id",
            date="date",
            period_start="2023-06-01",
            period_end="2024-01-01",
            by="region",
        )


def test_bad_periods(frame: pd.DataFrame) -> None:
    kwargs: dict[str, Any] = {"customer": "customer_id", "date": "date"}
    with pytest.raises(ValueError, match=r"period_end .* must be after period_start"):
        retention_rate(frame, period_start="2024-01-01", period_end="2023-12-31", **kwargs)
    with pytest.raises(ValueError, match="must be after period_start"):
        churn_rate(frame, period_start="2024-01-01", period_end="2024-01-01", **kwargs)
    with pytest.raises(TypeError, match="period_start must be a date"):
        retention_rate(frame, period_start=20240101, period_end="2024-02-01", **kwargs)
    with pytest.raises(ValueError, match="period_end must be a date"):
        retention_rate(frame, period_start="2024-01-01", period_end="not a date", **kwargs)


@pytest.mark.parametrize("bad", [0, -3, pd.Timedelta(0), -pd.Timedelta(days=1), math.nan])
def test_non_positive_durations(frame: pd.DataFrame, bad: Any) -> None:
    with pytest.raises(ValueError, match="within must be a"):
        repurchase_rate(frame, customer="customer_id", date="date", within=bad)
    with pytest.raises(ValueError, match="inactivity must be a"):
        retention_rate(
            frame,
            customer="customer_id",
            date="date",
            period_start="2023-06-01",
            period_end="2024-01-01",
            inactivity=bad,
        )


@pytest.mark.parametrize("bad", ["90", True, None])
def test_durations_of_the_wrong_type(frame: pd.DataFrame, bad: Any) -> None:
    with pytest.raises(TypeError, match="within must be a number of days"):
        repurchase_rate(frame, customer="customer_id", date="date", within=bad)


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


def test_other_bad_input(frame: pd.DataFrame) -> None:
    kwargs: dict[str, Any] = {"customer": "customer_id", "date": "date"}
    mixed = frame.assign(segment=np.where(np.arange(len(frame)) % 2, "x", "y"))
    with pytest.raises(ValueError, match="customer-level metric"):
        repurchase_rate(mixed, by="segment", **kwargs)
    with pytest.raises(ValueError, match="customer-level metric"):
        cohort_retention(mixed, by="segment", **kwargs)
    with pytest.raises(ValueError, match="cohort must be one of"):
        cohort_retention(frame, cohort="Y", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="period must be one of"):
        cohort_retention(frame, period="month", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ci_method must be one of"):
        repurchase_rate(frame, ci_method="exact", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ci_method must be one of"):
        cohort_retention(frame, ci_method="bca", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="occasion must be one of"):
        repurchase_rate(frame, occasion="week", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="order_id column 'order_id' has duplicated"):
        upsell_rate(frame.assign(order_id=1), tier="tier", order_id="order_id", **kwargs)
    with pytest.raises(ValueError, match="lacks the column"):
        cohort_table(frame)
    tidy = cohort_retention(frame, **kwargs)
    with pytest.raises(ValueError, match="values must be one of"):
        cohort_table(tidy, values="value")


def test_all_guest_orders() -> None:
    frame = _orders([(None, "2024-01-01"), (None, "2024-02-01")])
    est = quiet(repurchase_rate, frame, customer="customer_id", date="date", within=7)
    assert est.n == 0
