"""Brute-force, one-order-at-a-time references for the purchase metrics of cxlib.orders.purchases.

Nothing here shares a code path with cxlib: the window is a plain comparison per order,
customers are collected in dictionaries, and every standard error is a loop over clusters
(a customer with all their orders in the window, or a single guest order).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from hypothesis import strategies as st

#: The metrics and the components each reports.
COMPONENTS = {
    "guest_checkout_rate": ("n_guest_orders", "n_customers"),
    "average_order_value": ("revenue", "n_customers"),
    "purchase_frequency": ("n_orders",),
    "repeat_purchase_rate": ("n_repeat_customers",),
}


@dataclass(frozen=True)
class Order:
    """One order: customer id (None: guest), timestamp, revenue, guest flag, group key."""

    customer: Hashable | None
    time: pd.Timestamp
    revenue: float = 0.0
    guest: bool = False
    group: Hashable = None

    @property
    def is_guest(self) -> bool:
        return self.customer is None or self.guest


@dataclass
class Reference:
    """A metric computed by hand: value, standard error, n, components and the clusters."""

    value: float
    se: float
    n: int
    components: dict[str, float]
    clusters: list[tuple[float, float]] = field(default_factory=list)
    count: int = 0  # successes of a share metric (guest orders, repeat customers)


def window_start(as_of: pd.Timestamp, window: object) -> pd.Timestamp | None:
    """``as_of - window`` for a window of days (int/float), a Timedelta, or None."""
    if window is None:
        return None
    if isinstance(window, pd.Timedelta):
        return as_of - window
    assert isinstance(window, (int, float))
    return as_of - pd.Timedelta(hours=24.0 * float(window))


def in_window(orders: Sequence[Order], as_of: object = None, window: object = 365) -> list[Order]:
    """The orders with ``as_of - window < time <= as_of`` (as_of default: last order time)."""
    end = max(o.time for o in orders) if as_of is None else pd.Timestamp(as_of)
    start = window_start(end, window)
    kept = []
    for o in orders:
        if o.time > end:
            continue
        if start is not None and not o.time > start:
            continue
        kept.append(o)
    return kept


def delta_se(clusters: Iterable[tuple[float, float]]) -> float:
    """Clustered delta-method SE of sum(y) / sum(x): c/(c-1) sum (y - theta x)^2 / X^2."""
    pairs = list(clusters)
    c = len(pairs)
    big_y = math.fsum(y for y, _ in pairs)
    big_x = math.fsum(x for _, x in pairs)
    if c < 2 or big_x == 0:
        return math.nan
    theta = big_y / big_x
    ss = math.fsum((y - theta * x) ** 2 for y, x in pairs)
    return math.sqrt(c / (c - 1) * ss / big_x**2)


def _per_customer(orders: Iterable[Order], *, guest_flag: bool) -> dict[Hashable, list[Order]]:
    out: dict[Hashable, list[Order]] = defaultdict(list)
    for o in orders:
        guest = o.is_guest if guest_flag else o.customer is None
        if not guest:
            out[o.customer].append(o)
    return out


def reference(
    metric: str, orders: Sequence[Order], *, occasion: str = "order", guest_flag: bool = False
) -> Reference:
    """The metric over ``orders`` (already restricted to the window), by hand.

    ``guest_flag``: whether the orders' ``guest`` flags count (only guest_checkout_rate
    takes a guest column).
    """
    customers = _per_customer(orders, guest_flag=guest_flag)
    guests = [
        o for o in orders if (o.is_guest if guest_flag else o.customer is None)
    ]  # each guest order is its own cluster
    n_customers = len(customers)
    if metric == "guest_checkout_rate":
        clusters = [(0.0, float(len(v))) for v in customers.values()]
        clusters += [(100.0, 1.0) for _ in guests]
        return Reference(
            value=100.0 * len(guests) / len(orders),
            se=delta_se(clusters),
            n=len(orders),
            components={"n_guest_orders": len(guests), "n_customers": n_customers},
            clusters=clusters,
            count=len(guests),
        )
    if metric == "average_order_value":
        clusters = [(math.fsum(o.revenue for o in v), float(len(v))) for v in customers.values()]
        clusters += [(o.revenue, 1.0) for o in guests]
        total = math.fsum(o.revenue for o in orders)
        return Reference(
            value=total / len(orders),
            se=delta_se(clusters),
            n=len(orders),
            components={"revenue": total, "n_customers": n_customers},
            clusters=clusters,
        )
    if metric == "purchase_frequency":
        counts = [len(v) for v in customers.values()]
        se = statistics.stdev(counts) / math.sqrt(len(counts)) if len(counts) > 1 else math.nan
        return Reference(
            value=sum(counts) / len(counts) if counts else math.nan,
            se=se,
            n=len(counts),
            components={"n_orders": sum(counts)},
            clusters=[(float(k), 1.0) for k in counts],
        )
    if metric == "repeat_purchase_rate":
        repeat = 0
        clusters = []
        for v in customers.values():
            days = {o.time.date() for o in v}  # calendar days with an order
            purchases = len(v) if occasion == "order" else len(days)
            is_repeat = purchases > 1
            repeat += is_repeat
            clusters.append((100.0 if is_repeat else 0.0, 1.0))
        return Reference(
            value=100.0 * repeat / n_customers if n_customers else math.nan,
            se=delta_se(clusters),
            n=n_customers,
            components={"n_repeat_customers": repeat},
            clusters=clusters,
            count=repeat,
        )
    raise ValueError(f"unknown metric {metric!r}")


def to_frame(orders: Sequence[Order], *, group: bool = False) -> pd.DataFrame:
    """The orders as a DataFrame with columns customer, date, revenue, guest (and group)."""
    frame = pd.DataFrame(
        {
            "customer": pd.Series([o.customer for o in orders], dtype=object),
            "date": pd.to_datetime(pd.Series([o.time for o in orders], dtype=object)),
            "revenue": pd.Series([o.revenue for o in orders], dtype="float64"),
            "guest": pd.Series([o.guest for o in orders], dtype=bool),
        }
    )
    if group:
        frame["group"] = [o.group for o in orders]
    return frame


# --------------------------------------------------------------------------- strategies

#: Start of the generated order histories; times fall on a coarse grid of hours so that
#: orders often sit exactly on a window boundary.
T0 = pd.Timestamp("2024-01-01")
HOURS = (0, 6, 12, 23)
CUSTOMER_IDS = ("a", "b", "c", "d", "e", "f")
GROUP_KEYS = ("north", "south", "west")


def at(day: int, hour: int = 0) -> pd.Timestamp:
    """The timestamp ``day`` days and ``hour`` hours after T0."""
    return T0 + pd.Timedelta(days=day, hours=hour)


#: Window lengths: whole days, fractional days, or a Timedelta of whole hours.
spans: st.SearchStrategy[object] = st.one_of(
    st.integers(1, 45),
    st.sampled_from([0.25, 0.5, 1.25, 7.5, 30.0]),
    st.integers(1, 45 * 24).map(lambda h: pd.Timedelta(hours=h)),
)
#: Windows: a length or None (all history).
windows: st.SearchStrategy[object] = st.one_of(st.none(), spans)
#: as_of: the default (last order), or a point on the grid, possibly before or after all.
as_ofs: st.SearchStrategy[pd.Timestamp | None] = st.one_of(
    st.none(),
    st.builds(at, st.integers(-2, 42), st.sampled_from(HOURS)),
)


@st.composite
def order_lists(
    draw: st.DrawFn,
    *,
    min_size: int = 1,
    max_size: int = 30,
    customers: Sequence[Hashable] = CUSTOMER_IDS,
    guests: bool = True,
    flags: bool = False,
    groups: str | None = None,
    days: int = 40,
) -> list[Order]:
    """Orders of a few customers (and guests, None), with revenue and optional groups.

    ``groups``: None, ``"order"`` (a group key drawn per order) or ``"customer"`` (one
    key per customer, as a customer attribute; guest orders draw their own).
    """
    who: st.SearchStrategy[Hashable | None] = st.sampled_from(list(customers))
    if guests:
        who = st.one_of(who, st.none())
    attribute = {c: draw(st.sampled_from(GROUP_KEYS)) for c in customers}
    rows = draw(
        st.lists(
            st.tuples(
                who,
                st.integers(0, days),
                st.sampled_from(HOURS),
                st.integers(0, 40_000),
                st.booleans() if flags else st.just(False),
                st.sampled_from(GROUP_KEYS),
            ),
            min_size=min_size,
            max_size=max_size,
        )
    )
    out = []
    for c, day, hour, cents, flag, key in rows:
        group = None
        if groups == "order" or (groups == "customer" and c is None):
            group = key
        elif groups == "customer":
            group = attribute[c]
        out.append(Order(c, at(day, hour), cents / 100.0, flag, group))
    return out


def metric_columns(metric: str) -> dict[str, str]:
    """The column arguments of a metric for frames built by :func:`to_frame`."""
    columns = {"customer": "customer", "date": "date"}
    if metric == "average_order_value":
        columns["revenue"] = "revenue"
    return columns
