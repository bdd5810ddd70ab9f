"""Purchase behaviour from an orders table: the seed's e-commerce engagement metrics.

- guest checkout rate = guest orders / all orders;
- average order value = revenue / orders;

each in the window ``(as_of - window, as_of]``, overall or per group, with confidence
intervals from :mod:`cxlib.orders.inference` (clusters of a customer's orders).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from ..core.results import Estimate
from ..core.statistics import summarise
from ..core.validation import NanPolicy
from .engine_purchases import engine_average_order_value, engine_guest_checkout_rate
from .engine_table import EngineOrders, read_orders
from .inference import (
    RATIO_METHODS,
    SHARE_METHODS,
    RatioCIMethod,
    ShareCIMethod,
    distinct_customers,
    fill_docs,
    infer,
    order_clusters,
    read_options,
    sum_by_group,
)
from .table import Window

__all__ = ["average_order_value", "guest_checkout_rate"]


@overload
def guest_checkout_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str | None = ...,
    guest: str | None = ...,
    as_of: Any = ...,
    window: Window = ...,
    by: None = ...,
    allow_refunds: bool = ...,
    nan_policy: NanPolicy = ...,
    ci_method: ShareCIMethod = ...,
    confidence_level: float = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> Estimate: ...


@overload
def guest_checkout_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str | None = ...,
    guest: str | None = ...,
    as_of: Any = ...,
    window: Window = ...,
    by: str | Sequence[str],
    allow_refunds: bool = ...,
    nan_policy: NanPolicy = ...,
    ci_method: ShareCIMethod = ...,
    confidence_level: float = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> pd.DataFrame: ...


def guest_checkout_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str | None = None,
    guest: str | None = None,
    as_of: Any = None,
    window: Window = 365,
    by: str | Sequence[str] | None = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    ci_method: ShareCIMethod = "modified-wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
) -> Estimate | pd.DataFrame:
    """Guest checkout rate: percentage of orders placed without a customer account.

    Parameters
    ----------{common}{optional}
    guest : str, optional
        Boolean guest flag column; without it, orders with a missing customer id are
        the guest orders.
    ci_method : {{"modified-wilson", "wilson", "wald", "agresti-coull", \
"clopper-pearson", "jeffreys", "delta", "percentile", "basic", "bca"}}, default "modified-wilson"
        A binomial interval over the orders, or, to allow for the orders of one customer
        being alike, the clustered delta method or a bootstrap of customers.

    Returns
    -------
    Estimate or pandas.DataFrame
        The rate in percent; components ``n_guest_orders`` and ``n_customers``; with
        ``revenue``, ``revenue`` (all orders) and ``guest_revenue`` (guest orders).

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"customer": ["a", None, "b", "a", None],
    ...                        "date": pd.to_datetime(["2024-01-02", "2024-01-05",
    ...                                                "2024-02-01", "2024-03-01",
    ...                                                "2024-03-02"])})
    >>> cx.guest_checkout_rate(orders, customer="customer", date="date")
    Guest checkout rate 40.0 (95% CI 7.1 to 76.9, modified-wilson) · n = 5
    """
    options = read_options(ci_method, SHARE_METHODS, confidence_level, n_resamples, rng, progress)
    od = read_orders(
        orders,
        customer=customer,
        date=date,
        revenue=revenue,
        guest=guest,
        as_of=as_of,
        window=window,
        by=by,
        allow_refunds=allow_refunds,
        nan_policy=nan_policy,
    )
    if isinstance(od, EngineOrders):
        return engine_guest_checkout_rate(od, options)
    is_guest = (od.customer < 0).astype(np.float64) * 100.0
    clusters = order_clusters(od, is_guest)
    n_groups = clusters.n_groups
    codes = None if od.groups is None else od.groups.codes
    n_orders = np.bincount(
        np.zeros(od.n_orders, dtype=np.intp) if codes is None else codes, minlength=n_groups
    ).astype(np.float64)
    n_guest = np.bincount(
        np.zeros(od.n_orders, dtype=np.intp) if codes is None else codes,
        weights=is_guest / 100.0,
        minlength=n_groups,
    )
    n_cust = distinct_customers(od, n_groups)
    extra: dict[str, Any] = {}
    if od.revenue is not None:
        order_group = None if codes is None else codes.astype(np.intp)
        extra["revenue"] = sum_by_group(od.revenue, order_group, n_groups)
        extra["guest_revenue"] = sum_by_group(
            np.where(od.customer < 0, od.revenue, 0.0), order_group, n_groups
        )
    return infer(
        clusters,
        metric="guest_checkout_rate",
        label="Guest checkout rate",
        options=options,
        share=True,
        od=od,
        components={
            "n_guest_orders": np.rint(n_guest).astype(np.int64),
            "n_customers": n_cust,
            **extra,
        },
        n_units=n_orders,
    )


@overload
def average_order_value(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str,
    as_of: Any = ...,
    window: Window = ...,
    by: None = ...,
    allow_refunds: bool = ...,
    nan_policy: NanPolicy = ...,
    ci_method: RatioCIMethod = ...,
    confidence_level: float = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> Estimate: ...


@overload
def average_order_value(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str,
    as_of: Any = ...,
    window: Window = ...,
    by: str | Sequence[str],
    allow_refunds: bool = ...,
    nan_policy: NanPolicy = ...,
    ci_method: RatioCIMethod = ...,
    confidence_level: float = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> pd.DataFrame: ...


def average_order_value(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str,
    as_of: Any = None,
    window: Window = 365,
    by: str | Sequence[str] | None = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    ci_method: RatioCIMethod = "bootstrap-t",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
) -> Estimate | pd.DataFrame:
    """Average order value: revenue / orders in the window, guest orders included.

    The standard error is the delta method's for a ratio of sums, clustered by
    customer (a guest order is a cluster of its own); the default interval is the
    studentized bootstrap of customers, which keeps its level on skewed revenue.

    Parameters
    ----------{common}
    revenue : str
        Order value column (required here); see ``allow_refunds`` and ``nan_policy``.
    allow_refunds : bool, default False
        Accept negative order values (refunds).{nan_policy}
    ci_method : {{"bootstrap-t", "delta", "percentile", "basic", "bca"}}, \
default "bootstrap-t"
        {ratio_methods}

    Returns
    -------
    Estimate or pandas.DataFrame
        The AOV in the revenue's currency; components ``revenue``, ``n_customers``.

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"customer": ["a", None, "b", "a"], "value": [20.0, 35.0, 50.0, 15.0],
    ...                        "date": pd.to_datetime(["2024-01-02", "2024-01-05",
    ...                                                "2024-02-01", "2024-03-01"])})
    >>> est = cx.average_order_value(orders, customer="customer", date="date", revenue="value",
    ...                              ci_method="delta")
    >>> est.value, est.n, est.components["revenue"]
    (30.0, 4, 120.0)

    The default studentized bootstrap, seeded (from 20 customers on, more when the
    revenue per customer is very skewed; with fewer a CoverageWarning says so):

    >>> shop = cx.datasets.make_orders(5_000, rng=1)
    >>> cx.average_order_value(shop, customer="customer_id", date="date", revenue="revenue",
    ...                        rng=1)
    Average order value 51.4 (95% CI 50.3 to 52.5, bootstrap-t) · n = 8,910
    """
    options = read_options(ci_method, RATIO_METHODS, confidence_level, n_resamples, rng, progress)
    od = read_orders(
        orders,
        customer=customer,
        date=date,
        revenue=revenue,
        as_of=as_of,
        window=window,
        by=by,
        allow_refunds=allow_refunds,
        nan_policy=nan_policy,
    )
    if isinstance(od, EngineOrders):
        return engine_average_order_value(od, options)
    assert od.revenue is not None
    clusters = order_clusters(od, od.revenue)
    sums = summarise(np.stack([clusters.y, clusters.x]), clusters.group, clusters.n_groups)
    return infer(
        clusters,
        metric="average_order_value",
        label="Average order value",
        options=options,
        share=False,
        od=od,
        components={
            "revenue": sums.total(0),
            "n_customers": distinct_customers(od, clusters.n_groups),
        },
        n_units=np.rint(sums.total(1)),
    )


fill_docs(guest_checkout_rate, average_order_value)
