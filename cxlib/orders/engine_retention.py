"""Retention and churn of an engine's orders: each customer's activity, in the engine.

Whether a customer was active at the start and at the end of the period, whether they
are new and what they spent in it are indicator columns of the orders (integer
nanoseconds compared with integer bounds, exact on every engine), reduced to a
maximum, a minimum or a sum per (group, customer) in the engine. Only that table, one
row per customer, is collected; it gives the arrays the pandas path builds, customers
in the same order, so that every interval, bootstrap included, is the same.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import numpy.typing as npt

from ..core.frames import collect
from .activity import Activity
from .engine_dates import NANOS
from .engine_purchases import CustomerTable
from .engine_table import CUSTOMER, VALUE, EngineOrders

__all__ = ["engine_activity"]

BoolArray = npt.NDArray[np.bool_]
#: Nanosecond times of the engines' tables are at least this (the int64 range).
_LOWEST = int(np.iinfo(np.int64).min)


def _active(low: int, high: int | None) -> nw.Expr:
    """1 for an order in ``(low, high]`` (``high`` None: no upper bound), else 0."""
    time = nw.col(NANOS)
    inside = time > low if low >= _LOWEST else nw.lit(True)
    if high is not None:
        inside = inside & (time <= high)
    return inside.cast(nw.Int64)


def engine_activity(eo: EngineOrders, t0: int, t1: int, gap: int, metric: str) -> Activity:
    """Who was active at ``t0`` and ``t1`` (an order in ``(t - gap, t]``), who is new
    (first order after ``t0``) and, with revenue, each one's revenue after ``t0``.

    The rows end at ``t1`` (``eo.as_of``), so the end window needs no upper bound.
    """
    rows = eo.rows.filter(~nw.col(CUSTOMER).is_null())
    staged = [_active(t0 - gap, t0).alias("__cx_start"), _active(t1 - gap, None).alias("__cx_end")]
    sums: list[Any] = [
        nw.col("__cx_start").max(),
        nw.col("__cx_end").max(),
        nw.col(NANOS).min().alias("__cx_first"),
    ]
    if eo.has_revenue:
        in_period = nw.when(nw.col(NANOS) > t0).then(nw.col(VALUE)).otherwise(nw.lit(0.0))
        staged.append(in_period.alias("__cx_spent"))
        sums.append(nw.col("__cx_spent").sum())
    query = rows.with_columns(*staged).group_by(*eo.by, CUSTOMER).agg(*sums)
    customers = CustomerTable(eo, collect(query))
    group = customers.customer_group(metric)
    table = customers.table

    def flag(name: str) -> BoolArray:
        return np.asarray(table[name].to_numpy(dtype=np.int64) > 0)

    first = table["__cx_first"].to_numpy(dtype=np.int64)
    return Activity(
        od=customers,
        start_active=flag("__cx_start"),
        end_active=flag("__cx_end"),
        new=np.asarray(first > t0),
        period_revenue=customers.column("__cx_spent") if eo.has_revenue else None,
        group=group,
    )
