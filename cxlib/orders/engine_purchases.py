"""Purchase metrics of an engine's orders: per-customer tables reduced in the engine.

Guest checkout rate, average order value, purchase frequency and repeat purchase rate
need, per group and customer, the orders, the revenue and (for purchase occasions) the
distinct days; and, of the guest orders, their number per group and value. The engine
computes those tables; they are turned here into the same clusters that
:mod:`cxlib.orders.inference` builds from pandas rows, in the same order, so that every
interval, bootstrap included, is the same as for pandas data.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.frames import collect
from ..core.grouping import Groups
from ..core.results import Estimate
from ..core.statistics import summarise
from ..core.validation import NanPolicy
from .engine_dates import DAY
from .engine_table import CUSTOMER, VALUE, EngineOrders, customer_codes
from .inference import Clusters, Options, infer, mixed_groups_error, sum_by_group
from .repeat_rate import infer_repeat_rate

__all__ = [
    "CustomerTable",
    "customer_table",
    "engine_average_order_value",
    "engine_guest_checkout_rate",
    "engine_purchase_frequency",
    "engine_repeat_purchase_rate",
    "guest_table",
    "order_clusters",
    "per_customer",
]

FloatArray = npt.NDArray[np.float64]
IntpArray = npt.NDArray[np.intp]


class CustomerTable:
    """A collected table with one row per (group, identified customer) of the window.

    Rows are sorted by customer id and group; ``customer`` and ``group`` hold their
    codes (``group`` None without ``by=``). ``groups``, ``n_missing`` and
    ``nan_policy`` make it the :class:`~cxlib.orders.inference.Context` of inference.
    """

    def __init__(self, eo: EngineOrders, table: pd.DataFrame) -> None:
        customer, self.ids = customer_codes(table)
        group = eo.group_codes(table)
        order = (
            np.argsort(customer, kind="stable") if group is None else np.lexsort((group, customer))
        )
        self.table = table.iloc[order].reset_index(drop=True)
        self.customer = customer[order]
        self.group = None if group is None else group[order]
        self.eo = eo

    @property
    def groups(self) -> Groups | None:
        return self.eo.groups

    @property
    def n_missing(self) -> npt.NDArray[np.int64]:
        return self.eo.n_missing

    @property
    def nan_policy(self) -> NanPolicy:
        return self.eo.nan_policy

    @property
    def n_groups(self) -> int:
        return self.eo.n_groups

    def column(self, name: str) -> FloatArray:
        return np.asarray(self.table[name].to_numpy(dtype=np.float64, na_value=0.0))

    def customers_per_group(self) -> npt.NDArray[np.int64]:
        """Identified customers with an order in the window, per group of orders."""
        g = np.zeros(len(self.table), dtype=np.intp) if self.group is None else self.group
        counts: npt.NDArray[np.int64] = np.bincount(g, minlength=self.n_groups).astype(np.int64)
        return counts

    def customer_group(self, metric: str) -> IntpArray | None:
        """The group of each customer (in id order); one group per customer or an error."""
        if self.group is None:
            return None
        repeated = np.flatnonzero(np.diff(self.customer) == 0)
        if len(repeated):
            mixed = np.unique(self.customer[repeated])
            raise mixed_groups_error(metric, len(mixed), self.ids[mixed])
        return self.group


def customer_table(eo: EngineOrders, *, days: bool = False) -> CustomerTable:
    """Orders (``n_orders``), revenue (``revenue``) and, with ``days``, purchase days
    (``n_days``) of every identified customer of the window, per group."""
    identified = eo.rows.filter(~nw.col(CUSTOMER).is_null())
    keys = [*eo.by, CUSTOMER]
    sums = [nw.len().alias("n_orders")]
    if eo.has_revenue:
        sums.append(nw.col(VALUE).sum().alias("revenue"))
    if days:
        per_day = identified.group_by(*keys, DAY).agg(*sums)
        merged = [nw.len().alias("n_days"), nw.col("n_orders").sum()]
        if eo.has_revenue:
            merged.append(nw.col("revenue").sum())
        query = per_day.group_by(*keys).agg(*merged)
    else:
        query = identified.group_by(*keys).agg(*sums)
    return CustomerTable(eo, collect(query))


def guest_table(eo: EngineOrders, *, per_value: bool) -> pd.DataFrame:
    """Guest orders counted per group (``n``), with ``revenue``; ``per_value``: per
    group and order value as well (the column ``__cx_value``), sorted."""
    guests = eo.rows.filter(nw.col(CUSTOMER).is_null())
    keys = [*eo.by, VALUE] if per_value else list(eo.by)
    sums = [nw.len().alias("n")]
    if eo.has_revenue and not per_value:
        sums.append(nw.col(VALUE).sum().alias("revenue"))
    if keys:
        table = collect(guests.group_by(*keys).agg(*sums))
    else:
        table = collect(guests.select(*sums))
        table = table[table["n"].fillna(0) > 0]
    group = eo.group_codes(table)
    table = table.assign(__cx_group=0 if group is None else group)
    order = ["__cx_group", VALUE] if per_value else ["__cx_group"]
    return table.sort_values(order, kind="stable").reset_index(drop=True)


def per_customer(customers: CustomerTable, values: FloatArray, metric: str) -> Clusters:
    """One cluster per customer (customer-level metrics): ``values`` in id order."""
    return Clusters(
        y=values,
        x=np.ones(len(values)),
        group=customers.customer_group(metric),
        n_groups=customers.n_groups,
    )


def order_clusters(
    customers: CustomerTable,
    y_customer: FloatArray,
    guests: pd.DataFrame,
    y_guest: FloatArray,
) -> Clusters:
    """Clusters of orders: (group, customer) pairs, then each group's guest orders.

    ``y_customer`` holds a value per row of ``customers``; ``y_guest`` a value per row
    of ``guests``, each standing for ``guests["n"]`` orders. The order is that of
    :func:`cxlib.orders.inference.order_clusters`: by group, customers by id, then
    the guest orders by value.
    """
    counts = guests["n"].to_numpy(dtype=np.int64)
    guest_group = np.repeat(guests["__cx_group"].to_numpy(dtype=np.intp), counts)
    n_customer_rows = len(customers.table)
    y = np.concatenate([y_customer, np.repeat(y_guest, counts)])
    x = np.concatenate([customers.column("n_orders"), np.ones(int(counts.sum()))])
    if customers.group is None:
        return Clusters(y=y, x=x, group=None, n_groups=1)
    group = np.concatenate([customers.group, guest_group])
    # Customers sorted by id within each group, then the guests of the group.
    part = np.concatenate([np.zeros(n_customer_rows, np.intp), np.ones(len(guest_group), np.intp)])
    within = np.concatenate([customers.customer, np.arange(len(guest_group))])
    order = np.lexsort((within, part, group))
    return Clusters(y=y[order], x=x[order], group=group[order], n_groups=customers.n_groups)


def guest_sums(guests: pd.DataFrame, column: str, n_groups: int) -> FloatArray:
    return sum_by_group(
        guests[column].to_numpy(dtype=np.float64, na_value=0.0),
        guests["__cx_group"].to_numpy(dtype=np.intp),
        n_groups,
    )


def engine_guest_checkout_rate(eo: EngineOrders, options: Options) -> Estimate | pd.DataFrame:
    """:func:`cxlib.guest_checkout_rate` of an engine's orders."""
    customers = customer_table(eo)
    guests = guest_table(eo, per_value=False)
    n_groups = eo.n_groups
    clusters = order_clusters(
        customers, np.zeros(len(customers.table)), guests, np.full(len(guests), 100.0)
    )
    n_guest = guest_sums(guests, "n", n_groups)
    extra: dict[str, Any] = {}
    if eo.has_revenue:
        guest_revenue = guest_sums(guests, "revenue", n_groups)
        own = sum_by_group(customers.column("revenue"), customers.group, n_groups)
        extra = {"revenue": own + guest_revenue, "guest_revenue": guest_revenue}
    return infer(
        clusters,
        metric="guest_checkout_rate",
        label="Guest checkout rate",
        options=options,
        share=True,
        od=customers,
        components={
            "n_guest_orders": np.rint(n_guest).astype(np.int64),
            "n_customers": customers.customers_per_group(),
            **extra,
        },
        n_units=sum_by_group(customers.column("n_orders"), customers.group, n_groups) + n_guest,
    )


def engine_average_order_value(eo: EngineOrders, options: Options) -> Estimate | pd.DataFrame:
    """:func:`cxlib.average_order_value` of an engine's orders."""
    customers = customer_table(eo)
    guests = guest_table(eo, per_value=True)
    y_guest = guests[VALUE].to_numpy(dtype=np.float64)
    clusters = order_clusters(customers, customers.column("revenue"), guests, y_guest)
    sums = summarise(np.stack([clusters.y, clusters.x]), clusters.group, clusters.n_groups)
    return infer(
        clusters,
        metric="average_order_value",
        label="Average order value",
        options=options,
        share=False,
        od=customers,
        components={
            "revenue": sums.total(0),
            "n_customers": customers.customers_per_group(),
        },
        n_units=np.rint(sums.total(1)),
    )


def engine_purchase_frequency(eo: EngineOrders, options: Options) -> Estimate | pd.DataFrame:
    """:func:`cxlib.purchase_frequency` of an engine's orders."""
    customers = customer_table(eo)
    clusters = per_customer(customers, customers.column("n_orders"), "purchase_frequency")
    sums = summarise(np.stack([clusters.y, clusters.x]), clusters.group, clusters.n_groups)
    extra: dict[str, Any] = {}
    if eo.has_revenue:
        extra["revenue"] = sum_by_group(customers.column("revenue"), clusters.group, eo.n_groups)
    return infer(
        clusters,
        metric="purchase_frequency",
        label="Purchase frequency",
        options=options,
        share=False,
        od=customers,
        components={"n_orders": np.rint(sums.total(0)).astype(np.int64), **extra},
        n_units=np.rint(sums.total(1)),
    )


def engine_repeat_purchase_rate(
    eo: EngineOrders, options: Options, *, per_day: bool
) -> Estimate | pd.DataFrame:
    """:func:`cxlib.repeat_purchase_rate` of an engine's orders."""
    customers = customer_table(eo, days=per_day)
    purchases = customers.column("n_days" if per_day else "n_orders")
    repeat = (purchases > 1).astype(np.float64) * 100.0
    clusters = per_customer(customers, repeat, "repeat_purchase_rate")
    spend = customers.column("revenue") if eo.has_revenue else None
    return infer_repeat_rate(clusters, purchases, spend, options, customers)
