"""How often customers buy: purchase frequency and the repeat purchase rate.

- purchase frequency = orders / unique customers (identified customers);
- repeat purchase rate = customers with more than one purchase / customers;

each in the window ``(as_of - window, as_of]``, overall or per group, with confidence
intervals from :mod:`cxlib.orders.inference` (a customer's orders are one cluster).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from ..core.repeats import repeats
from ..core.results import Estimate
from ..core.statistics import summarise
from ..core.validation import NanPolicy, check_choice
from .engine_purchases import engine_purchase_frequency, engine_repeat_purchase_rate
from .engine_table import EngineOrders, read_orders
from .inference import (
    RATIO_METHODS,
    SHARE_METHODS,
    RatioCIMethod,
    ShareCIMethod,
    customer_clusters,
    customer_orders,
    customer_revenue,
    fill_docs,
    infer,
    read_options,
    sum_by_group,
)
from .repeat_rate import infer_repeat_rate
from .table import Window

__all__ = ["purchase_frequency", "repeat_purchase_rate"]


@overload
def purchase_frequency(
    orders: Any,
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
    progress: bool = ...,
) -> Estimate: ...


@overload
def purchase_frequency(
    orders: Any,
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
    progress: bool = ...,
) -> pd.DataFrame: ...


def purchase_frequency(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str | None = None,
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
    """Purchase frequency: orders per identified customer in the window.

    Guest orders are left out (they have no customer to count). The standard error is
    that of a mean over customers (the delta method with one customer per cluster).

    Parameters
    ----------{common}{optional}
    ci_method : {{"bootstrap-t", "delta", "percentile", "basic", "bca"}}, \
default "bootstrap-t"
        {ratio_methods}

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
    >>> est = cx.purchase_frequency(orders, customer="customer", date="date", ci_method="delta")
    >>> est.value, est.n
    (2.0, 2)

    The default studentized bootstrap, seeded:

    >>> shop = cx.datasets.make_orders(5_000, rng=1)
    >>> cx.purchase_frequency(shop, customer="customer_id", date="date", rng=1)
    Purchase frequency 2.08 (95% CI 2.01 to 2.15, bootstrap-t) · n = 3,791
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
        return engine_purchase_frequency(od, options)
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
    orders: Any,
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
    progress: bool = ...,
) -> Estimate: ...


@overload
def repeat_purchase_rate(
    orders: Any,
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
    progress: bool = ...,
) -> pd.DataFrame: ...


def repeat_purchase_rate(
    orders: Any,
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
    ci_method: ShareCIMethod = "modified-wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
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
    ci_method : {{"modified-wilson", "wilson", "wald", "agresti-coull", \
"clopper-pearson", "jeffreys", "delta", "percentile", "basic", "bca"}}, default "modified-wilson"
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
    options = read_options(ci_method, SHARE_METHODS, confidence_level, n_resamples, rng, progress)
    per = check_choice("occasion", occasion, ("order", "day"))
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
        return engine_repeat_purchase_rate(od, options, per_day=per == "day")
    if per == "order":
        purchases = customer_orders(od)
    else:
        ident = od.customer >= 0
        who, day = np.compress(ident, od.customer), np.compress(ident, od.day)
        low = int(day.min()) if len(day) else 0
        span = int(day.max()) - low + 1 if len(day) else 1
        # Days with a purchase: the orders less those that repeat a (customer, day).
        purchases = np.bincount(who, minlength=od.n_customers)
        repeated = repeats(who * span + (day - low)) // span
        purchases -= np.bincount(repeated.astype(np.intp), minlength=od.n_customers)
    repeat = (purchases > 1).astype(np.float64) * 100.0
    clusters = customer_clusters(od, repeat, "repeat_purchase_rate")
    spend = None if od.revenue is None else customer_revenue(od)
    return infer_repeat_rate(clusters, purchases, spend, options, od)


fill_docs(purchase_frequency, repeat_purchase_rate)
