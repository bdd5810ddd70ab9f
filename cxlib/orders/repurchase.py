"""Repeat business of identified customers: repurchase after the first order, and upsell.

- repurchase rate: share of first-time buyers who order again within a number of days;
- upsell rate: share of repeat customers who later buy in a higher tier than at first.

Both are customer-level shares (see :mod:`cxlib.orders.customers`), in percent, with
binomial intervals over the customers (Wilson by default), the clustered delta method
or a bootstrap of customers (:func:`cxlib.orders.inference.infer_share`). Everything is
vectorised over orders and customers; nothing loops over customers or groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.grouping import factorize
from ..core.results import Estimate
from ..core.validation import NanPolicy, as_numeric_1d, check_choice, get_column
from .customers import DATA_DOC, OPTIONS_DOC, identified, per_customer_min, span_ns
from .engine_repurchase import engine_repurchase_rate, engine_upsell_rate
from .engine_table import EngineOrders, as_engine_frame, read_orders
from .inference import (
    OPTIONAL_DOC,
    SHARE_METHODS,
    ShareCIMethod,
    customer_groups,
    customer_revenue,
    fill_docs,
    read_options,
)
from .repurchase_shares import (
    deadlines,
    missing_ids_error,
    missing_tiers_error,
    repurchase_share,
    upsell_share,
)
from .table import Window, prepare_orders

__all__ = ["repurchase_rate", "upsell_rate"]


# ---------------------------------------------------------------------- repurchase


@overload
def repurchase_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str | None = ...,
    within: float | pd.Timedelta = ...,
    as_of: Any = ...,
    occasion: Literal["order", "day"] = ...,
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
def repurchase_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str | None = ...,
    within: float | pd.Timedelta = ...,
    as_of: Any = ...,
    occasion: Literal["order", "day"] = ...,
    by: str | Sequence[str],
    allow_refunds: bool = ...,
    nan_policy: NanPolicy = ...,
    ci_method: ShareCIMethod = ...,
    confidence_level: float = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> pd.DataFrame: ...


def repurchase_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str | None = None,
    within: float | pd.Timedelta = 90,
    as_of: Any = None,
    occasion: Literal["order", "day"] = "order",
    by: str | Sequence[str] | None = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    ci_method: ShareCIMethod = "modified-wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
) -> Estimate | pd.DataFrame:
    """Repurchase rate: percentage of first-time buyers who buy again within ``within`` days.

    A customer's first order is their earliest order up to ``as_of`` (all history
    counts). The customer *repurchased* if they have another order in the window
    ``[first, first + within]``, which is **inclusive** at both ends: an order exactly
    ``within`` after the first counts, and so, with ``occasion="order"``, does a second
    order at the time of the first. Only customers observed for the whole window are
    counted (``first + within <= as_of``); more recent first-time buyers are left out
    rather than counted as not (yet) repurchasing.

    Parameters
    ----------{data}
    within : int, float or pandas.Timedelta, default 90
        Length of the repurchase window after the first order, in days (positive).
    as_of : date-like, optional
        End of the data (inclusive); later orders are ignored. Default: the last order.
    occasion : {{"order", "day"}}, default "order"
        What counts as a repurchase: any other order (another order on the day of the
        first one included), or only an order on a later calendar day.{options}

    Returns
    -------
    Estimate or pandas.DataFrame
        The rate in percent, ``n`` the eligible first-time buyers; components
        ``n_first_time_buyers`` and ``n_repurchased``; with ``revenue``, ``revenue``
        (of the eligible buyers' orders in ``[first, first + within]``).

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.repurchase import repurchase_rate
    >>> orders = pd.DataFrame({
    ...     "customer": ["a", "a", "b", "c", "c", "d"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-31", "2024-01-05",
    ...                             "2024-02-01", "2024-06-01", "2024-06-20"])})
    >>> est = repurchase_rate(orders, customer="customer", date="date", within=30)
    >>> est
    Repurchase rate 33.3 (95% CI 1.7 to 88.2, modified-wilson) · n = 3
    >>> est.components["n_first_time_buyers"], est.components["n_repurchased"]
    (3, 1)

    Customer ``a`` reorders on day 30 (inclusive), ``b`` never, ``c`` after 121 days;
    ``d`` bought first fewer than 30 days before the last order and is not counted.
    """
    options = read_options(ci_method, SHARE_METHODS, confidence_level, n_resamples, rng, progress)
    span = span_ns("within", within)
    per = check_choice("occasion", occasion, ("order", "day"))
    od = read_orders(
        orders,
        customer=customer,
        date=date,
        revenue=revenue,
        as_of=as_of,
        window=None,
        by=by,
        allow_refunds=allow_refunds,
        nan_policy=nan_policy,
    )
    if isinstance(od, EngineOrders):
        return engine_repurchase_rate(
            od, span=span, per_day=per == "day", within=within, options=options
        )
    ident = identified(od)
    first = per_customer_min(ident.time, ident.customer, od.n_customers)
    cust, time = ident.customer, ident.time
    if per == "order":
        # The earliest order other than the first: the first time again if a customer
        # has two orders at that time, else their earliest strictly later order.
        at_first = time == first[cust]
        ties = np.bincount(cust[at_first], minlength=od.n_customers)
        later = ~at_first
        following = per_customer_min(time[later], cust[later], od.n_customers)
        following = np.where(ties >= 2, first, following)
    else:
        first_day = per_customer_min(ident.day, cust, od.n_customers)
        later = ident.day > first_day[cust]
        following = per_customer_min(time[later], cust[later], od.n_customers)
    group = customer_groups(od, "repurchase_rate")
    spend = None
    if od.revenue is not None:
        in_window = np.zeros(od.n_orders, dtype=bool)
        in_window[ident.mask] = time <= deadlines(first, span)[cust]
        spend = customer_revenue(od, in_window)
    return repurchase_share(
        od,
        group,
        first,
        following,
        spend,
        span=span,
        as_of=od.as_of,
        within=within,
        options=options,
    )


# -------------------------------------------------------------------------- upsell


def _tier_values(orders: pd.DataFrame, tier: str) -> npt.NDArray[np.float64]:
    """Tiers as comparable floats: numbers as they are, ordered categories by rank."""
    column = get_column(orders, tier, "tier")
    if isinstance(column.dtype, pd.CategoricalDtype):
        if not column.dtype.ordered:
            raise TypeError(
                f"tier column {tier!r} is an unordered Categorical, so its tiers cannot be "
                "compared; make it ordered, e.g. "
                "col.astype(pd.CategoricalDtype(['basic', 'plus', 'premium'], ordered=True))"
            )
        codes = column.cat.codes.to_numpy().astype(np.float64)
        codes[codes < 0] = np.nan
        return codes
    try:
        values = as_numeric_1d(column, f"tier column {tier!r}")
    except TypeError as exc:
        raise TypeError(
            f"{exc}; tiers must be numbers or an ordered Categorical (higher = higher tier)"
        ) from None
    return np.asarray(values, dtype=np.float64)


def _tiebreak(orders: pd.DataFrame, order_id: str | None) -> npt.NDArray[np.int64]:
    """Rank of every row among orders of the same time: order id, else row position."""
    if order_id is None:
        return np.arange(len(orders), dtype=np.int64)
    ids = get_column(orders, order_id, "order_id")
    if ids.isna().any():
        raise missing_ids_error(order_id, int(ids.isna().sum()))
    codes, _ = factorize(ids)
    return codes.astype(np.int64, copy=False)


@overload
def upsell_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    tier: str,
    revenue: str | None = ...,
    order_id: str | None = ...,
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
def upsell_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    tier: str,
    revenue: str | None = ...,
    order_id: str | None = ...,
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


def upsell_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    tier: str,
    revenue: str | None = None,
    order_id: str | None = None,
    as_of: Any = None,
    window: Window = None,
    by: str | Sequence[str] | None = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    ci_method: ShareCIMethod = "modified-wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
) -> Estimate | pd.DataFrame:
    """Upsell rate: percentage of repeat customers who later buy in a higher tier.

    Within the window ``(as_of - window, as_of]``:

    - *repeat customers* are the identified customers with at least two orders;
    - a customer's *first order* is the one with the earliest date; orders at the same
      earliest time are ranked by ``order_id`` if given, else by their row order;
    - the customer is *upsold* if any of their other orders (including another order
      at the time of the first) has a tier strictly higher than the first order's.

    A later order in a lower tier followed by one back at the first tier is no upsell;
    only the comparison with the first order counts.

    Parameters
    ----------{data}
    tier : str
        Tier of the order: numbers (higher = higher tier) or an ordered Categorical
        (later categories = higher tiers; pandas only: give an engine the ranks). No
        missing tiers on the orders that count (identified customers' orders in the
        window).
    order_id : str, optional
        Order id column: breaks ties between orders at the same time (lowest id first)
        and is checked for duplicates. Engine frames have no row order: there, a
        customer whose orders at the first time differ in tier needs it.
    as_of : date-like, optional
        End of the window, inclusive; default: the last order date.
    window : int, float, pandas.Timedelta or None, default None
        Length of the window in days; None: all history up to ``as_of``.{options}

    Returns
    -------
    Estimate or pandas.DataFrame
        The rate in percent, ``n`` the repeat customers; components
        ``n_repeat_customers`` and ``n_upsold``; with ``revenue``, ``revenue`` (of the
        repeat customers' orders in the window).

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.repurchase import upsell_rate
    >>> orders = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "b", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01",
    ...                             "2024-01-05", "2024-01-09", "2024-02-01"]),
    ...     "tier": pd.Categorical(["basic", "premium", "basic", "plus", "basic", "plus"],
    ...                            categories=["basic", "plus", "premium"], ordered=True)})
    >>> est = upsell_rate(orders, customer="customer", date="date", tier="tier")
    >>> est
    Upsell rate 50.0 (95% CI 2.6 to 97.4, modified-wilson) · n = 2
    >>> est.components["n_repeat_customers"], est.components["n_upsold"]
    (2, 1)
    """
    options = read_options(ci_method, SHARE_METHODS, confidence_level, n_resamples, rng, progress)
    ef = as_engine_frame(orders)
    if ef is not None:
        return engine_upsell_rate(
            ef,
            customer=customer,
            date=date,
            tier=tier,
            revenue=revenue,
            order_id=order_id,
            as_of=as_of,
            window=window,
            by=by,
            allow_refunds=allow_refunds,
            nan_policy=nan_policy,
            options=options,
        )
    tiers_all = _tier_values(orders, tier)
    od = prepare_orders(
        orders,
        customer=customer,
        date=date,
        revenue=revenue,
        order_id=order_id,
        as_of=as_of,
        window=window,
        by=by,
        allow_refunds=allow_refunds,
        nan_policy=nan_policy,
    )
    ident = identified(od)
    tiers = tiers_all[od.rows][ident.mask]
    missing = np.isnan(tiers)
    if missing.any():
        raise missing_tiers_error(tier, int(missing.sum()))
    rank = _tiebreak(orders, order_id)[od.rows][ident.mask]
    cust = ident.customer
    # A customer's first order: earliest time, then lowest tiebreak rank, then row.
    first_time = per_customer_min(ident.time, cust, od.n_customers)
    at_first = np.flatnonzero(ident.time == first_time[cust])
    key = rank[at_first].astype(np.int64) * len(cust) + at_first
    first_key = per_customer_min(key, cust[at_first], od.n_customers)
    is_first = np.zeros(len(cust), dtype=bool)
    is_first[at_first[key == first_key[cust[at_first]]]] = True
    first_tier = np.full(od.n_customers, np.nan)
    first_tier[cust[is_first]] = tiers[is_first]
    best_later = np.full(od.n_customers, -np.inf)
    np.maximum.at(best_later, cust[~is_first], tiers[~is_first])
    group = customer_groups(od, "upsell_rate")
    spend = None if od.revenue is None else customer_revenue(od)
    return upsell_share(
        od,
        group,
        first_tier,
        best_later,
        np.bincount(cust, minlength=od.n_customers),
        spend,
        options=options,
    )


fill_docs(repurchase_rate, upsell_rate, data=DATA_DOC + OPTIONAL_DOC, options=OPTIONS_DOC)
