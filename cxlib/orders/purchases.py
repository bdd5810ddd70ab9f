"""Purchase behaviour from an orders table: the seed's e-commerce engagement metrics.

- guest checkout rate = guest orders / all orders;
- purchase frequency = orders / unique customers (identified customers);
- average order value = revenue / orders;
- repeat purchase rate = customers with more than one purchase / customers;

each in the window ``(as_of - window, as_of]``, overall or per group, with confidence
intervals from :mod:`cxlib.orders.inference` (clusters of a customer's orders).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from ..core.grouping import distinct
from ..core.results import Estimate
from ..core.statistics import summarise
from ..core.validation import NanPolicy, check_choice
from .inference import (
    NAN_POLICY_DOC,
    RATIO_METHODS,
    REVENUE_DOC,
    SHARE_METHODS,
    RatioCIMethod,
    ShareCIMethod,
    customer_clusters,
    customer_orders,
    customer_revenue,
    distinct_customers,
    infer,
    order_clusters,
    read_options,
    sum_by_group,
)
from .table import Window, prepare_orders

__all__ = [
    "average_order_value",
    "guest_checkout_rate",
    "purchase_frequency",
    "repeat_purchase_rate",
]


_COMMON_DOC = """
    orders : pandas.DataFrame
        One row per order.
    customer : str
        Customer id column; a missing id marks a guest order.
    date : str
        Order date column (datetime64 or date strings).
    as_of : date-like, optional
        End of the window, inclusive; default: the last order date.
    window : int, float, pandas.Timedelta or None, default 365
        The window holds the orders with ``as_of - window < date <= as_of`` (days);
        None: all history up to ``as_of``.
    by : str or list of str, optional
        Column(s) to group by; the result is then a tidy DataFrame, one row per group.
    confidence_level : float, default 0.95
        Two-sided coverage of the interval.
    n_resamples : int, default 9999
        Bootstrap resamples (bootstrap methods only); clusters (customers, and single
        guest orders) are resampled.
    rng : int, numpy.random.Generator or None
        Seed or generator of the bootstrap."""

_OPTIONAL_DOC = REVENUE_DOC + NAN_POLICY_DOC


@overload
def guest_checkout_rate(
    orders: pd.DataFrame,
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
) -> Estimate: ...


@overload
def guest_checkout_rate(
    orders: pd.DataFrame,
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
) -> pd.DataFrame: ...


def guest_checkout_rate(
    orders: pd.DataFrame,
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
    ci_method: ShareCIMethod = "wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
) -> Estimate | pd.DataFrame:
    """Guest checkout rate: percentage of orders placed without a customer account.

    Parameters
    ----------{common}{optional}
    guest : str, optional
        Boolean guest flag column; without it, orders with a missing customer id are
        the guest orders.
    ci_method : {{"wilson", "wald", "agresti-coull", "clopper-pearson", "jeffreys", \
"delta", "percentile", "basic", "bca"}}, default "wilson"
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
    Guest checkout rate 40.0 (95% CI 11.8 to 76.9, wilson) · n = 5
    """
    options = read_options(ci_method, SHARE_METHODS, confidence_level, n_resamples, rng)
    od = prepare_orders(
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
    orders: pd.DataFrame,
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
) -> Estimate: ...


@overload
def average_order_value(
    orders: pd.DataFrame,
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
) -> pd.DataFrame: ...


def average_order_value(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    revenue: str,
    as_of: Any = None,
    window: Window = 365,
    by: str | Sequence[str] | None = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    ci_method: RatioCIMethod = "delta",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
) -> Estimate | pd.DataFrame:
    """Average order value: revenue / orders in the window, guest orders included.

    The standard error is the delta method's for a ratio of sums, clustered by
    customer (a guest order is a cluster of its own).

    Parameters
    ----------{common}
    revenue : str
        Order value column (required here); see ``allow_refunds`` and ``nan_policy``.
    allow_refunds : bool, default False
        Accept negative order values (refunds).{nan_policy}
    ci_method : {{"delta", "percentile", "basic", "bca"}}, default "delta"
        Normal interval on the delta-method standard error, or a bootstrap of customers.

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
    >>> est = cx.average_order_value(orders, customer="customer", date="date", revenue="value")
    >>> est.value, est.n, est.components["revenue"]
    (30.0, 4, 120.0)
    """
    options = read_options(ci_method, RATIO_METHODS, confidence_level, n_resamples, rng)
    od = prepare_orders(
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


@overload
def purchase_frequency(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    revenue: str | None = ...,
    as_of: Any = ...,
    window: Window = ...,
    by: None = ...,
    allow_refunds: bool = ...,
    nan_policy: NanPolicy = ...,
    ci_method: RatioCIMethod = ...,
    confidence_level: float = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
) -> Estimate: ...


@overload
def purchase_frequency(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    revenue: str | None = ...,
    as_of: Any = ...,
    window: Window = ...,
    by: str | Sequence[str],
    allow_refunds: bool = ...,
    nan_policy: NanPolicy = ...,
    ci_method: RatioCIMethod = ...,
    confidence_level: float = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
) -> pd.DataFrame: ...


def purchase_frequency(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    revenue: str | None = None,
    as_of: Any = None,
    window: Window = 365,
    by: str | Sequence[str] | None = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    ci_method: RatioCIMethod = "delta",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
) -> Estimate | pd.DataFrame:
    """Purchase frequency: orders per identified customer in the window.

    Guest orders are left out (they have no customer to count). The standard error is
    that of a mean over customers (the delta method with one customer per cluster).

    Parameters
    ----------{common}{optional}
    ci_method : {{"delta", "percentile", "basic", "bca"}}, default "delta"
        Normal interval on the standard error, or a bootstrap of customers.

    Returns
    -------
    Estimate or pandas.DataFrame
        Orders per customer; components ``n_orders`` (identified orders); with
        ``revenue``, ``revenue`` (of the identified orders: revenue per customer is
        ``revenue / n``).

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"customer": ["a", None, "b", "a", "a"],
    ...                        "date": pd.to_datetime(["2024-01-02", "2024-01-05",
    ...                                                "2024-02-01", "2024-03-01",
    ...                                                "2024-03-02"])})
    >>> est = cx.purchase_frequency(orders, customer="customer", date="date")
    >>> est.value, est.n
    (2.0, 2)
    """
    options = read_options(ci_method, RATIO_METHODS, confidence_level, n_resamples, rng)
    od = prepare_orders(
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
    per_customer = customer_orders(od).astype(np.float64)
    clusters = customer_clusters(od, per_customer, "purchase_frequency")
    sums = summarise(np.stack([clusters.y, clusters.x]), clusters.group, clusters.n_groups)
    extra: dict[str, Any] = {}
    if od.revenue is not None:
        extra["revenue"] = sum_by_group(customer_revenue(od), clusters.group, clusters.n_groups)
    return infer(
        clusters,
        metric="purchase_frequency",
        label="Purchase frequency",
        options=options,
        share=False,
        od=od,
        components={"n_orders": np.rint(sums.total(0)).astype(np.int64), **extra},
        n_units=np.rint(sums.total(1)),
    )


@overload
def repeat_purchase_rate(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    revenue: str | None = ...,
    occasion: Literal["order", "day"] = ...,
    as_of: Any = ...,
    window: Window = ...,
    by: None = ...,
    allow_refunds: bool = ...,
    nan_policy: NanPolicy = ...,
    ci_method: ShareCIMethod = ...,
    confidence_level: float = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
) -> Estimate: ...


@overload
def repeat_purchase_rate(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    revenue: str | None = ...,
    occasion: Literal["order", "day"] = ...,
    as_of: Any = ...,
    window: Window = ...,
    by: str | Sequence[str],
    allow_refunds: bool = ...,
    nan_policy: NanPolicy = ...,
    ci_method: ShareCIMethod = ...,
    confidence_level: float = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
) -> pd.DataFrame: ...


def repeat_purchase_rate(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    revenue: str | None = None,
    occasion: Literal["order", "day"] = "order",
    as_of: Any = None,
    window: Window = 365,
    by: str | Sequence[str] | None = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    ci_method: ShareCIMethod = "wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
) -> Estimate | pd.DataFrame:
    """Repeat purchase rate: percentage of customers with more than one purchase.

    Counts the identified customers with an order in the window and, of them, those
    with more than one purchase in the window.

    Parameters
    ----------{common}{optional}
    occasion : {{"order", "day"}}, default "order"
        What counts as a purchase: every order, or every calendar day with an order
        (several orders on one day are one purchase occasion, as in lifetimes'
        frequency).
    ci_method : {{"wilson", "wald", "agresti-coull", "clopper-pearson", "jeffreys", \
"delta", "percentile", "basic", "bca"}}, default "wilson"
        A binomial interval over the customers, or a bootstrap of customers.

    Returns
    -------
    Estimate or pandas.DataFrame
        The rate in percent; component ``n_repeat_customers``; with ``revenue``,
        ``revenue`` (orders of the customers counted) and ``repeat_revenue`` (orders of
        the repeat customers).

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"customer": ["a", "b", "a", "c", "c"],
    ...                        "date": pd.to_datetime(["2024-01-02", "2024-01-05",
    ...                                                "2024-02-01", "2024-03-01",
    ...                                                "2024-03-01"])})
    >>> cx.repeat_purchase_rate(orders, customer="customer", date="date").value
    66.66666666666667
    >>> cx.repeat_purchase_rate(orders, customer="customer", date="date", occasion="day").value
    33.333333333333336
    """
    options = read_options(ci_method, SHARE_METHODS, confidence_level, n_resamples, rng)
    per = check_choice("occasion", occasion, ("order", "day"))
    od = prepare_orders(
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
    if per == "order":
        purchases = customer_orders(od)
    else:
        ident = od.customer >= 0
        span = int(od.day[ident].max() - od.day[ident].min()) + 1 if ident.any() else 1
        key = od.customer[ident] * span + (
            od.day[ident] - (od.day[ident].min() if ident.any() else 0)
        )
        purchases = np.bincount(distinct(key) // span, minlength=od.n_customers)
    repeat = (purchases > 1).astype(np.float64) * 100.0
    clusters = customer_clusters(od, repeat, "repeat_purchase_rate")
    sums = summarise(np.stack([clusters.y, clusters.x]), clusters.group, clusters.n_groups)
    extra: dict[str, Any] = {}
    if od.revenue is not None:
        spend = customer_revenue(od)
        extra["revenue"] = sum_by_group(spend, clusters.group, clusters.n_groups)
        extra["repeat_revenue"] = sum_by_group(
            np.where(purchases > 1, spend, 0.0), clusters.group, clusters.n_groups
        )
    return infer(
        clusters,
        metric="repeat_purchase_rate",
        label="Repeat purchase rate",
        options=options,
        share=True,
        od=od,
        components={"n_repeat_customers": np.rint(sums.total(0) / 100.0).astype(np.int64), **extra},
        n_units=np.rint(sums.total(1)),
    )


for _f in (guest_checkout_rate, average_order_value, purchase_frequency, repeat_purchase_rate):
    _f.__doc__ = (
        (_f.__doc__ or "")
        .replace("{common}", _COMMON_DOC)
        .replace("{optional}", _OPTIONAL_DOC)
        .replace("{nan_policy}", NAN_POLICY_DOC)
        .replace("{{", "{")
        .replace("}}", "}")
    )
