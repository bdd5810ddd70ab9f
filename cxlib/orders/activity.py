"""Each customer's activity in a period: who was active at its start and end, who is new.

A customer is *active* at time ``t`` if they ordered in ``(t - gap, t]``. The arrays
here (one element per customer, in id order) are what retention and churn count; they
come from pandas orders here and from an engine's per-customer table in
:mod:`cxlib.orders.engine_retention`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .customers import identified, per_customer_min
from .inference import Context, customer_groups, customer_revenue
from .table import OrderData

__all__ = ["Activity", "pandas_activity"]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Activity:
    """Per customer (in id order): active at the start, at the end, new, and the
    revenue of their orders in the period (None without revenue); their groups."""

    od: Context
    start_active: BoolArray
    end_active: BoolArray
    new: BoolArray
    period_revenue: FloatArray | None
    group: npt.NDArray[np.intp] | None


def pandas_activity(od: OrderData, t0: int, t1: int, gap: int, metric: str) -> Activity:
    """Each customer's activity at ``t0`` and ``t1`` (nanoseconds), from pandas orders."""
    ident = identified(od)

    def active_at(t: int) -> BoolArray:
        recent = (ident.time > t - gap) & (ident.time <= t)
        flags: BoolArray = np.bincount(ident.customer[recent], minlength=od.n_customers) > 0
        return flags

    start_active, end_active = active_at(t0), active_at(t1)
    new = per_customer_min(ident.time, ident.customer, od.n_customers) > t0
    group = customer_groups(od, metric)
    spent = None
    if od.revenue is not None:
        in_period = np.zeros(od.n_orders, dtype=bool)
        in_period[ident.mask] = ident.time > t0  # and <= t1: later orders are not read
        spent = customer_revenue(od, in_period)
    return Activity(od, start_active, end_active, new, spent, group)
