"""Brute-force references for the customer-level order metrics, and their test tables.

One customer at a time, in plain Python: repurchase within a follow-up, upsell over the
first order's tier, activity at the start and end of a period, cohort activity.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume
from hypothesis import strategies as st
from reference_shares import modified_wilson
from statsmodels.stats.proportion import proportion_confint

from cxlib.core.errors import DegenerateDataWarning
from cxlib.core.results import Estimate

DAY = pd.Timedelta(days=1)
BASE = pd.Timestamp("2023-01-30")
SM_METHOD = {
    "wilson": "wilson",
    "wald": "normal",
    "agresti-coull": "agresti_coull",
    "clopper-pearson": "beta",
    "jeffreys": "jeffreys",
}


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


def customers_of(frame: pd.DataFrame, as_of: pd.Timestamp) -> dict[Any, list[tuple[Any, ...]]]:
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
    for orders in customers_of(frame, as_of).values():
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
    for orders in customers_of(frame, as_of).values():
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
    for orders in customers_of(frame, end).values():
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
    for orders in customers_of(frame, as_of).values():
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


def assert_share(est: Estimate, n: int, successes: int, method: str = "modified-wilson") -> None:
    assert est.n == n
    if n == 0:
        assert math.isnan(est.value)
        return
    assert est.value == pytest.approx(100.0 * successes / n)
    if method == "modified-wilson":  # the default
        low, high = modified_wilson(successes, n, alpha=0.05)
    else:
        low, high = proportion_confint(successes, n, alpha=0.05, method=SM_METHOD[method])
    assert est.ci.low == pytest.approx(100.0 * low, abs=1e-9)
    assert est.ci.high == pytest.approx(100.0 * high, abs=1e-9)


def orders_of(rows: list[tuple[Any, str]], **extra: list[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [c for c, _ in rows],
            "date": pd.to_datetime([d for _, d in rows]),
            **extra,
        }
    )
