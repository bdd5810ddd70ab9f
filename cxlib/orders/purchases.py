"""Purchase behaviour from an orders table: the seed's e-commerce engagement metrics.

- guest checkout rate = guest orders / all orders;
- purchase frequency = orders / unique customers (identified customers);
- average order value = revenue / orders;
- repeat purchase rate = customers with more than one purchase / customers;

each in the window ``(as_of - window, as_of]``, overall or per group, with confidence
intervals. All four are ratios of sums over *clusters* (a customer with all their
orders, or a single guest order), so they share one machinery: per-cluster totals, the
delta method for the standard error (:mod:`cxlib.core.ratio`), and a bootstrap that resamples
clusters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.bootstrap import (
    BOOTSTRAP_METHODS,
    BootstrapMethod,
    bootstrap_interval,
    rows_acceleration,
    rows_replicates,
)
from ..core.errors import DegenerateDataWarning
from ..core.grouping import dense_rank, distinct, tidy
from ..core.intervals import PROPORTION_CI_METHODS, ProportionCIMethod, normal_quantile
from ..core.intervals import proportion_interval as _proportion_interval
from ..core.ratio import ratio_sums
from ..core.results import Estimate, estimate_from_columns
from ..core.validation import (
    as_generator,
    check_choice,
    check_confidence_level,
    check_n_resamples,
    show_values,
)
from .table import OrderData, Window, prepare_orders

__all__ = [
    "average_order_value",
    "guest_checkout_rate",
    "purchase_frequency",
    "repeat_purchase_rate",
]

FloatArray = npt.NDArray[np.float64]
RatioCIMethod = Literal["delta", "percentile", "basic", "bca"]
ShareCIMethod = ProportionCIMethod | RatioCIMethod
_RATIO_METHODS: tuple[RatioCIMethod, ...] = ("delta", *BOOTSTRAP_METHODS)


@dataclass(frozen=True)
class _Clusters:
    """Totals ``y`` and ``x`` of every cluster, and the group of each cluster."""

    y: FloatArray
    x: FloatArray
    group: npt.NDArray[np.intp] | None
    n_groups: int


def _customer_orders(od: OrderData) -> npt.NDArray[np.int64]:
    ident = od.customer >= 0
    counts: npt.NDArray[np.int64] = np.bincount(od.customer[ident], minlength=od.n_customers)
    return counts


def _customer_groups(od: OrderData, metric: str) -> npt.NDArray[np.intp] | None:
    """The group of each customer; customer-level metrics need one group per customer."""
    if od.groups is None:
        return None
    ident = od.customer >= 0
    cust, codes = od.customer[ident], od.groups.codes[ident].astype(np.intp)
    low = np.full(od.n_customers, np.iinfo(np.intp).max)
    high = np.full(od.n_customers, -1)
    np.minimum.at(low, cust, codes)
    np.maximum.at(high, cust, codes)
    mixed = low != high
    if mixed.any():
        raise ValueError(
            f"{metric} is a customer-level metric, but the by= column(s) take several "
            f"values for {int(mixed.sum())} customer(s), e.g. customer ids "
            f"{show_values(od.customer_ids[np.flatnonzero(mixed)[:5]])}; group by a "
            "customer attribute"
        )
    return low


def _order_clusters(od: OrderData, y_of_order: FloatArray) -> _Clusters:
    """Clusters of orders: (group, customer) pairs and single guest orders."""
    guest = od.customer < 0
    base = od.n_customers + int(guest.sum())
    cluster = od.customer.copy()
    # Guest orders have no id: number them by time and value so that row order is moot
    # (orders equal in both are interchangeable).
    guest_rows = np.flatnonzero(guest)
    canonical = guest_rows[np.lexsort((y_of_order[guest_rows], od.time[guest_rows]))]
    cluster[canonical] = od.n_customers + np.arange(len(canonical))
    n_groups = 1 if od.groups is None else od.groups.n_groups
    group = None
    if od.groups is not None:
        key = od.groups.codes.astype(np.int64) * base + cluster
        uniq, cluster = dense_rank(key)
        group = (uniq // base).astype(np.intp)
        base = len(uniq)
    y = np.bincount(cluster, weights=y_of_order, minlength=base).astype(np.float64)
    x = np.bincount(cluster, minlength=base).astype(np.float64)
    return _Clusters(y=y, x=x, group=group, n_groups=n_groups)


def _infer(
    clusters: _Clusters,
    *,
    metric: str,
    label: str,
    options: tuple[str, float, int, np.random.Generator],
    share: bool,
    od: OrderData,
    components: dict[str, Any],
    n_units: FloatArray,
    empty_reason: str = "no customers or orders to count",
    depth: int = 0,
) -> Estimate | pd.DataFrame:
    """Estimate, interval and warnings of a metric from its clusters.

    ``options`` is what :func:`_options` returns; ``depth`` counts the frames between
    the public function and this one, so that warnings point at the user's call.
    """
    ci_method, confidence_level, n_resamples, rng = options
    sums = ratio_sums(clusters.y, clusters.x, clusters.group, clusters.n_groups)
    value, se = sums.ratio, sums.se
    if ci_method in BOOTSTRAP_METHODS:
        method: BootstrapMethod = check_choice("ci_method", ci_method, BOOTSTRAP_METHODS)
        scores = clusters.y / clusters.x
        reps = rows_replicates(
            scores, clusters.x, clusters.group, clusters.n_groups, n_resamples, rng
        )
        accel = (
            rows_acceleration(scores, clusters.x, clusters.group, clusters.n_groups)
            if method == "bca"
            else None
        )
        low, high, degenerate = bootstrap_interval(reps, value, method, confidence_level, accel)
        if degenerate.any():
            _warn(
                f"the bootstrap distribution is a single point for {int(degenerate.sum())} "
                "group(s): the interval has zero width",
                depth,
            )
    elif ci_method == "delta":
        half = normal_quantile(0.5 + confidence_level / 2.0) * se
        low, high = value - half, value + half
    else:
        p_low, p_high = _proportion_interval(
            ci_method,  # type: ignore[arg-type]
            value / 100.0,
            n_units,
            confidence_level,
        )
        low, high = p_low * 100.0, p_high * 100.0
    if share:
        low, high = np.clip(low, 0.0, 100.0), np.clip(high, 0.0, 100.0)
    elif metric != "average_order_value" or (clusters.y >= 0).all():
        low = np.maximum(low, 0.0)  # counts and non-negative revenue
    # Groups without clusters are left out of a grouped result; only the data as a
    # whole can be empty.
    present = np.ones(len(value), dtype=bool) if od.groups is None else sums.clusters > 0
    if od.groups is None and not np.isfinite(value).all():
        _warn(f"the {label.lower()} is undefined (NaN): {empty_reason}", depth)
    if ci_method not in BOOTSTRAP_METHODS:
        collapsed = np.isfinite(value) & (low == high) & present
        if collapsed.any():
            _warn(
                f"the {ci_method} interval has zero width for {int(collapsed.sum())} "
                "group(s) whose customers all agree",
                depth,
            )
    no_interval = np.isfinite(value) & ~(np.isfinite(low) & np.isfinite(high))
    if no_interval.any():
        where = f"{int(no_interval.sum())} group(s)" if od.groups is not None else "the data"
        _warn(f"the {ci_method} interval is undefined (NaN) for {where}: too few customers", depth)
    columns: dict[str, Any] = {
        "metric": metric,
        "value": value,
        "se": se,
        "ci_low": low,
        "ci_high": high,
        "n": np.rint(n_units).astype(np.int64),
        "n_missing": np.zeros(len(value), dtype=np.int64),
        **components,
    }
    if od.groups is None:
        return estimate_from_columns(columns, label, confidence_level, ci_method)
    keep = sums.clusters > 0  # groups without orders in the window are no groups
    columns = {k: (v[keep] if isinstance(v, np.ndarray) else v) for k, v in columns.items()}
    return tidy(od.groups.keys[keep], columns)


def _warn(message: str, depth: int = 0) -> None:
    import warnings

    # user -> public function -> _infer -> _warn: stacklevel 4, plus ``depth`` frames.
    warnings.warn(message, DegenerateDataWarning, stacklevel=4 + depth)


def _options(
    ci_method: object,
    allowed: Sequence[str],
    confidence_level: object,
    n_resamples: object,
    rng: object,
) -> tuple[str, float, int, np.random.Generator]:
    method = check_choice("ci_method", ci_method, tuple(allowed))
    return (
        method,
        check_confidence_level(confidence_level),
        check_n_resamples(n_resamples),
        as_generator(rng),
    )


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


def guest_checkout_rate(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    guest: str | None = None,
    as_of: Any = None,
    window: Window = 365,
    by: str | Sequence[str] | None = None,
    ci_method: ShareCIMethod = "wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
) -> Estimate | pd.DataFrame:
    """Guest checkout rate: percentage of orders placed without a customer account.

    Parameters
    ----------{common}
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
        The rate in percent; components ``n_guest_orders`` and ``n_customers``.

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
    options = _options(
        ci_method,
        (*PROPORTION_CI_METHODS, *_RATIO_METHODS),
        confidence_level,
        n_resamples,
        rng,
    )
    od = prepare_orders(
        orders, customer=customer, date=date, guest=guest, as_of=as_of, window=window, by=by
    )
    is_guest = (od.customer < 0).astype(np.float64) * 100.0
    clusters = _order_clusters(od, is_guest)
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
    n_cust = _distinct_customers(od, n_groups)
    return _infer(
        clusters,
        metric="guest_checkout_rate",
        label="Guest checkout rate",
        options=options,
        share=True,
        od=od,
        components={"n_guest_orders": np.rint(n_guest).astype(np.int64), "n_customers": n_cust},
        n_units=n_orders,
    )


def _distinct_customers(od: OrderData, n_groups: int) -> npt.NDArray[np.int64]:
    """Identified customers with an order in the window, per group of orders."""
    ident = od.customer >= 0
    if od.groups is None:
        return np.array([od.n_customers], dtype=np.int64)
    key = od.groups.codes[ident].astype(np.int64) * od.n_customers + od.customer[ident]
    uniq = distinct(key)
    counts: npt.NDArray[np.int64] = np.bincount(uniq // od.n_customers, minlength=n_groups)
    return counts


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
        Order value column.
    allow_refunds : bool, default False
        Accept negative order values (refunds).
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
    options = _options(ci_method, _RATIO_METHODS, confidence_level, n_resamples, rng)
    od = prepare_orders(
        orders,
        customer=customer,
        date=date,
        revenue=revenue,
        as_of=as_of,
        window=window,
        by=by,
        allow_refunds=allow_refunds,
    )
    assert od.revenue is not None
    clusters = _order_clusters(od, od.revenue)
    sums = ratio_sums(clusters.y, clusters.x, clusters.group, clusters.n_groups)
    return _infer(
        clusters,
        metric="average_order_value",
        label="Average order value",
        options=options,
        share=False,
        od=od,
        components={"revenue": sums.y, "n_customers": _distinct_customers(od, clusters.n_groups)},
        n_units=sums.x,
    )


def _customer_clusters(od: OrderData, y: FloatArray, metric: str) -> _Clusters:
    group = _customer_groups(od, metric)
    n_groups = 1 if od.groups is None else od.groups.n_groups
    return _Clusters(y=y, x=np.ones(od.n_customers), group=group, n_groups=n_groups)


def purchase_frequency(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    as_of: Any = None,
    window: Window = 365,
    by: str | Sequence[str] | None = None,
    ci_method: RatioCIMethod = "delta",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
) -> Estimate | pd.DataFrame:
    """Purchase frequency: orders per identified customer in the window.

    Guest orders are left out (they have no customer to count). The standard error is
    that of a mean over customers (the delta method with one customer per cluster).

    Parameters
    ----------{common}
    ci_method : {{"delta", "percentile", "basic", "bca"}}, default "delta"
        Normal interval on the standard error, or a bootstrap of customers.

    Returns
    -------
    Estimate or pandas.DataFrame
        Orders per customer; components ``n_orders`` (identified orders).

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
    options = _options(ci_method, _RATIO_METHODS, confidence_level, n_resamples, rng)
    od = prepare_orders(orders, customer=customer, date=date, as_of=as_of, window=window, by=by)
    per_customer = _customer_orders(od).astype(np.float64)
    clusters = _customer_clusters(od, per_customer, "purchase_frequency")
    sums = ratio_sums(clusters.y, clusters.x, clusters.group, clusters.n_groups)
    return _infer(
        clusters,
        metric="purchase_frequency",
        label="Purchase frequency",
        options=options,
        share=False,
        od=od,
        components={"n_orders": np.rint(sums.y).astype(np.int64)},
        n_units=sums.x,
    )


def repeat_purchase_rate(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    occasion: Literal["order", "day"] = "order",
    as_of: Any = None,
    window: Window = 365,
    by: str | Sequence[str] | None = None,
    ci_method: ShareCIMethod = "wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
) -> Estimate | pd.DataFrame:
    """Repeat purchase rate: percentage of customers with more than one purchase.

    Counts the identified customers with an order in the window and, of them, those
    with more than one purchase in the window.

    Parameters
    ----------{common}
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
        The rate in percent; component ``n_repeat_customers``.

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
    options = _options(
        ci_method,
        (*PROPORTION_CI_METHODS, *_RATIO_METHODS),
        confidence_level,
        n_resamples,
        rng,
    )
    per = check_choice("occasion", occasion, ("order", "day"))
    od = prepare_orders(orders, customer=customer, date=date, as_of=as_of, window=window, by=by)
    if per == "order":
        purchases = _customer_orders(od)
    else:
        ident = od.customer >= 0
        span = int(od.day[ident].max() - od.day[ident].min()) + 1 if ident.any() else 1
        key = od.customer[ident] * span + (
            od.day[ident] - (od.day[ident].min() if ident.any() else 0)
        )
        purchases = np.bincount(distinct(key) // span, minlength=od.n_customers)
    repeat = (purchases > 1).astype(np.float64) * 100.0
    clusters = _customer_clusters(od, repeat, "repeat_purchase_rate")
    sums = ratio_sums(clusters.y, clusters.x, clusters.group, clusters.n_groups)
    return _infer(
        clusters,
        metric="repeat_purchase_rate",
        label="Repeat purchase rate",
        options=options,
        share=True,
        od=od,
        components={"n_repeat_customers": np.rint(sums.y / 100.0).astype(np.int64)},
        n_units=sums.x,
    )


for _f in (guest_checkout_rate, average_order_value, purchase_frequency, repeat_purchase_rate):
    _f.__doc__ = (
        (_f.__doc__ or "").replace("{common}", _COMMON_DOC).replace("{{", "{").replace("}}", "}")
    )
