"""Repurchase and upsell rates from per-customer arrays: the part both input paths share.

The pandas path (:mod:`cxlib.orders.repurchase`) reduces order rows to per-customer
arrays with numpy; the engine path (:mod:`cxlib.orders.engine_repurchase`) has the
engine reduce them and collects one row per customer. Both hand those arrays, in the
order of the sorted customer ids, to the functions here, which decide eligibility and
success and call :func:`~cxlib.orders.inference.infer_share`; so the two paths give
the same estimates, intervals (bootstrap included) and warnings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.results import Estimate
from .customers import NEVER, to_ns
from .inference import Context, Options, count_customers, infer_share, sum_by_group

__all__ = [
    "deadlines",
    "missing_ids_error",
    "missing_tiers_error",
    "repurchase_share",
    "upsell_share",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
GroupArray = npt.NDArray[np.intp] | None


def deadlines(first: IntArray, span: int) -> IntArray:
    """``first + span`` in nanoseconds, saturating at the largest int64.

    A window reaching past the last representable time (year 2262) ends there: no
    order and no ``as_of`` lies later, and the sum must not wrap around to a date in
    the past. ``min(first, NEVER - span) + span`` never overflows (an engine computes
    the same expression).
    """
    out: IntArray = np.minimum(first, NEVER - span) + span
    return out


def missing_tiers_error(tier: str, n_missing: int) -> ValueError:
    return ValueError(
        f"tier column {tier!r} has {n_missing} missing value(s) on orders of "
        "identified customers in the window; every such order needs a tier"
    )


def missing_ids_error(order_id: str, n_missing: int) -> ValueError:
    return ValueError(f"order_id column {order_id!r} has {n_missing} missing id(s)")


def _n_groups(ctx: Context) -> int:
    return 1 if ctx.groups is None else ctx.groups.n_groups


def repurchase_share(
    ctx: Context,
    group: GroupArray,
    first: IntArray,
    following: IntArray,
    spend: FloatArray | None,
    *,
    span: int,
    as_of: pd.Timestamp,
    within: object,
    options: Options,
) -> Estimate | pd.DataFrame:
    """The repurchase rate of customers with these first and following order times.

    ``first``: each customer's first order time (ns); ``following``: the time of the
    order that counts as a repurchase, :data:`~cxlib.orders.customers.NEVER` for none;
    ``spend``: the revenue of each customer's orders up to ``deadlines(first, span)``.
    """
    deadline = deadlines(first, span)
    eligible = deadline <= to_ns(as_of)
    repurchased = following <= deadline
    n_groups = _n_groups(ctx)
    extra: dict[str, Any] = {}
    if spend is not None:
        extra["revenue"] = sum_by_group(np.where(eligible, spend, 0.0), group, n_groups)
    return infer_share(
        ctx,
        group,
        repurchased,
        eligible,
        metric="repurchase_rate",
        label="Repurchase rate",
        options=options,
        components={
            "n_first_time_buyers": count_customers(eligible, group, n_groups),
            "n_repurchased": count_customers(eligible & repurchased, group, n_groups),
            **extra,
        },
        empty_reason=(
            f"no customer's first order is at least within={within!r} days before {as_of}"
        ),
    )


def upsell_share(
    ctx: Context,
    group: GroupArray,
    first_tier: FloatArray,
    best_later: FloatArray,
    n_orders: npt.NDArray[np.integer[Any]] | FloatArray,
    spend: FloatArray | None,
    *,
    options: Options,
) -> Estimate | pd.DataFrame:
    """The upsell rate of customers with these first and best later tiers.

    ``best_later``: the highest tier of a customer's orders other than the first
    (``-inf`` for none); ``spend``: each customer's revenue in the window.
    """
    repeat = n_orders >= 2
    upsold = best_later > first_tier
    n_groups = _n_groups(ctx)
    extra: dict[str, Any] = {}
    if spend is not None:
        extra["revenue"] = sum_by_group(np.where(repeat, spend, 0.0), group, n_groups)
    return infer_share(
        ctx,
        group,
        upsold,
        repeat,
        metric="upsell_rate",
        label="Upsell rate",
        options=options,
        components={
            "n_repeat_customers": count_customers(repeat, group, n_groups),
            "n_upsold": count_customers(repeat & upsold, group, n_groups),
            **extra,
        },
        empty_reason="no customer has two or more orders",
    )
