"""Retention from an orders table: repurchase, upsell, retention and churn, and cohorts.

- repurchase rate: share of first-time buyers who order again within a number of days;
- upsell rate: share of repeat customers who later buy in a higher tier than at first;
- retention rate and churn rate over a period, with the classic ``(E - N) / S`` parts;
- acquisition-cohort retention: cohorts x periods since the first order, tidy or pivoted.

All are customer-level shares: identified customers are the units (guest orders, those
without a customer id, are left out), ``by=`` must be constant per customer, and the
rates are in percent with binomial intervals over the customers (Wilson by default),
the clustered delta method or a bootstrap of customers, as in :mod:`cxlib.orders.purchases`.
Every computation is vectorised over orders and customers (sorting, ``numpy.bincount``,
``numpy.unique`` and ``numpy.searchsorted``); nothing loops over customers or groups.

Times are compared at the resolution of the ``date`` column: with dates only (midnight
timestamps) a number of days is a number of calendar days.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.grouping import dense_rank, distinct, factorize, tidy
from ..core.intervals import PROPORTION_CI_METHODS, ProportionCIMethod, proportion_interval
from ..core.results import Estimate
from ..core.validation import as_numeric_1d, check_choice, check_confidence_level, get_column
from .purchases import _RATIO_METHODS, ShareCIMethod, _Clusters, _customer_groups, _infer, _options
from .table import OrderData, Window, _dates, prepare_orders

__all__ = [
    "churn_rate",
    "cohort_retention",
    "cohort_table",
    "repurchase_rate",
    "retention_rate",
    "upsell_rate",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
#: Calendar units of cohorts and periods: day, week (Monday to Sunday), month, quarter.
CohortFrequency = Literal["D", "W", "M", "Q"]
COHORT_FREQUENCIES: tuple[CohortFrequency, ...] = ("D", "W", "M", "Q")
_SHARE_METHODS = (*PROPORTION_CI_METHODS, *_RATIO_METHODS)
_NEVER = np.iinfo(np.int64).max
_NS_PER_DAY = 86_400 * 10**9


# --------------------------------------------------------------------------- checks


def _span_ns(name: str, value: object) -> int:
    """A positive duration (number of days or a timedelta) in nanoseconds."""
    if isinstance(value, (pd.Timedelta, datetime.timedelta, np.timedelta64)):
        span = pd.Timedelta(value)
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number of days; got {value!r}")
        span = pd.Timedelta(days=float(value))
    else:
        raise TypeError(f"{name} must be a number of days or a pandas Timedelta; got {value!r}")
    if pd.isna(span) or span <= pd.Timedelta(0):
        raise ValueError(f"{name} must be a positive duration; got {value!r}")
    return int(span.value)


def _timestamp(name: str, value: object) -> pd.Timestamp:
    if value is None or isinstance(value, (bool, int, float, np.number)):
        raise TypeError(f"{name} must be a date such as '2024-01-01'; got {value!r}")
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date such as '2024-01-01'; got {value!r}") from None
    if not isinstance(stamp, pd.Timestamp) or pd.isna(stamp):
        raise ValueError(f"{name} must be a date such as '2024-01-01'; got {value!r}")
    return stamp


def _ns(stamp: pd.Timestamp) -> int:
    return int(stamp.value)  # nanoseconds since 1970-01-01, whatever the unit


# ------------------------------------------------------------------ customer tables


@dataclass(frozen=True)
class _Identified:
    """The orders of identified customers: customer code, time (ns) and calendar day."""

    customer: IntArray
    time: IntArray
    day: IntArray
    mask: BoolArray  # which orders of the OrderData are identified


def _identified(od: OrderData) -> _Identified:
    mask = od.customer >= 0
    return _Identified(
        customer=od.customer[mask],
        time=od.time[mask].astype("datetime64[ns]").astype(np.int64),
        day=od.day[mask],
        mask=mask,
    )


def _per_customer_min(values: IntArray, customer: IntArray, n_customers: int) -> IntArray:
    out = np.full(n_customers, _NEVER, dtype=np.int64)
    np.minimum.at(out, customer, values)
    return out


def _counts(
    flag: BoolArray, group: npt.NDArray[np.intp] | None, n_groups: int
) -> npt.NDArray[np.int64]:
    """Number of customers with ``flag`` per group."""
    g = np.zeros(len(flag), dtype=np.intp) if group is None else group
    counts: npt.NDArray[np.int64] = np.bincount(g[flag], minlength=n_groups).astype(np.int64)
    return counts


def _infer_share(
    od: OrderData,
    group: npt.NDArray[np.intp] | None,
    success: BoolArray,
    eligible: BoolArray,
    *,
    metric: str,
    label: str,
    options: tuple[str, float, int, np.random.Generator],
    components: dict[str, Any],
    empty_reason: str,
    depth: int = 0,
) -> Estimate | pd.DataFrame:
    """Share (percent) of eligible customers with ``success``: one cluster per customer.

    ``group`` is each customer's group (from :func:`_customer_groups`), None ungrouped;
    ``depth`` counts the frames between the public function and this one.
    """
    n_groups = 1 if od.groups is None else od.groups.n_groups
    y = np.where(success[eligible], 100.0, 0.0)
    clusters = _Clusters(
        y=y,
        x=np.ones(len(y)),
        group=None if group is None else group[eligible],
        n_groups=n_groups,
    )
    return _infer(
        clusters,
        metric=metric,
        label=label,
        options=options,
        share=True,
        od=od,
        components=components,
        n_units=_counts(eligible, group, n_groups).astype(np.float64),
        empty_reason=empty_reason,
        depth=depth + 1,
    )


def _kept_rows(orders: pd.DataFrame, date: str, od: OrderData) -> npt.NDArray[np.intp]:
    """Positions in ``orders`` of the rows that :func:`prepare_orders` kept, in order."""
    when = _dates(get_column(orders, date, "date"), date)
    keep = (when <= od.as_of).to_numpy(copy=True)
    if od.start is not None:
        keep &= (when > od.start).to_numpy()
    rows = np.flatnonzero(keep)
    if len(rows) != od.n_orders:  # pragma: no cover - internal contract with prepare_orders
        raise RuntimeError("the rows kept by prepare_orders could not be matched")
    return rows


_DATA_DOC = """
    orders : pandas.DataFrame
        One row per order.
    customer : str
        Customer id column; orders with a missing id (guest orders) are left out.
    date : str
        Order date or timestamp column (datetime64 or date strings)."""

_OPTIONS_DOC = """
    by : str or list of str, optional
        Customer attribute column(s) to group by; each customer must have one value (a
        ValueError lists customers with several). The result is then a tidy DataFrame,
        one row per group with at least one eligible customer (groups without are left
        out).
    ci_method : {{"wilson", "wald", "agresti-coull", "clopper-pearson", "jeffreys", \
"delta", "percentile", "basic", "bca"}}, default "wilson"
        A binomial interval over the eligible customers, a normal interval on the
        delta-method standard error, or a bootstrap of customers.
    confidence_level : float, default 0.95
        Two-sided coverage of the interval.
    n_resamples : int, default 9999
        Bootstrap resamples (bootstrap methods only).
    rng : int, numpy.random.Generator or None
        Seed or generator of the bootstrap."""


# ---------------------------------------------------------------------- repurchase


def repurchase_rate(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    within: float | pd.Timedelta = 90,
    as_of: Any = None,
    occasion: Literal["order", "day"] = "order",
    by: str | Sequence[str] | None = None,
    ci_method: ShareCIMethod = "wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
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
        ``n_first_time_buyers`` and ``n_repurchased``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.retention import repurchase_rate
    >>> orders = pd.DataFrame({
    ...     "customer": ["a", "a", "b", "c", "c", "d"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-31", "2024-01-05",
    ...                             "2024-02-01", "2024-06-01", "2024-06-20"])})
    >>> est = repurchase_rate(orders, customer="customer", date="date", within=30)
    >>> est
    Repurchase rate 33.3 (95% CI 6.1 to 79.2, wilson) · n = 3
    >>> est.components["n_first_time_buyers"], est.components["n_repurchased"]
    (3, 1)

    Customer ``a`` reorders on day 30 (inclusive), ``b`` never, ``c`` after 121 days;
    ``d`` bought first fewer than 30 days before the last order and is not counted.
    """
    options = _options(ci_method, _SHARE_METHODS, confidence_level, n_resamples, rng)
    span = _span_ns("within", within)
    per = check_choice("occasion", occasion, ("order", "day"))
    od = prepare_orders(orders, customer=customer, date=date, as_of=as_of, window=None, by=by)
    ident = _identified(od)
    first = _per_customer_min(ident.time, ident.customer, od.n_customers)
    cust, time = ident.customer, ident.time
    if per == "order":
        # The earliest order other than the first: the first time again if a customer
        # has two orders at that time, else their earliest strictly later order.
        at_first = time == first[cust]
        ties = np.bincount(cust[at_first], minlength=od.n_customers)
        later = ~at_first
        following = _per_customer_min(time[later], cust[later], od.n_customers)
        following = np.where(ties >= 2, first, following)
    else:
        first_day = _per_customer_min(ident.day, cust, od.n_customers)
        later = ident.day > first_day[cust]
        following = _per_customer_min(time[later], cust[later], od.n_customers)
    deadline = first + span
    eligible = deadline <= _ns(od.as_of)
    repurchased = following <= deadline
    group = _customer_groups(od, "repurchase_rate")
    n_groups = 1 if od.groups is None else od.groups.n_groups
    return _infer_share(
        od,
        group,
        repurchased,
        eligible,
        metric="repurchase_rate",
        label="Repurchase rate",
        options=options,
        components={
            "n_first_time_buyers": _counts(eligible, group, n_groups),
            "n_repurchased": _counts(eligible & repurchased, group, n_groups),
        },
        empty_reason=(
            f"no customer's first order is at least within={within!r} days before {od.as_of}"
        ),
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
        raise ValueError(f"order_id column {order_id!r} has {int(ids.isna().sum())} missing id(s)")
    codes, _ = factorize(ids)
    return codes.astype(np.int64, copy=False)


def upsell_rate(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    tier: str,
    order_id: str | None = None,
    as_of: Any = None,
    window: Window = None,
    by: str | Sequence[str] | None = None,
    ci_method: ShareCIMethod = "wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
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
        (later categories = higher tiers). No missing tiers on the orders that count
        (identified customers' orders in the window).
    order_id : str, optional
        Order id column: breaks ties between orders at the same time (lowest id first)
        and is checked for duplicates.
    as_of : date-like, optional
        End of the window, inclusive; default: the last order date.
    window : int, float, pandas.Timedelta or None, default None
        Length of the window in days; None: all history up to ``as_of``.{options}

    Returns
    -------
    Estimate or pandas.DataFrame
        The rate in percent, ``n`` the repeat customers; components
        ``n_repeat_customers`` and ``n_upsold``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.retention import upsell_rate
    >>> orders = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "b", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01",
    ...                             "2024-01-05", "2024-01-09", "2024-02-01"]),
    ...     "tier": pd.Categorical(["basic", "premium", "basic", "plus", "basic", "plus"],
    ...                            categories=["basic", "plus", "premium"], ordered=True)})
    >>> est = upsell_rate(orders, customer="customer", date="date", tier="tier")
    >>> est
    Upsell rate 50.0 (95% CI 9.5 to 90.5, wilson) · n = 2
    >>> est.components["n_repeat_customers"], est.components["n_upsold"]
    (2, 1)
    """
    options = _options(ci_method, _SHARE_METHODS, confidence_level, n_resamples, rng)
    tiers_all = _tier_values(orders, tier)
    od = prepare_orders(
        orders,
        customer=customer,
        date=date,
        order_id=order_id,
        as_of=as_of,
        window=window,
        by=by,
    )
    rows = _kept_rows(orders, date, od)
    ident = _identified(od)
    tiers = tiers_all[rows][ident.mask]
    missing = np.isnan(tiers)
    if missing.any():
        raise ValueError(
            f"tier column {tier!r} has {int(missing.sum())} missing value(s) on orders of "
            "identified customers in the window; every such order needs a tier"
        )
    rank = _tiebreak(orders, order_id)[rows][ident.mask]
    cust = ident.customer
    # A customer's first order: earliest time, then lowest tiebreak rank, then row.
    first_time = _per_customer_min(ident.time, cust, od.n_customers)
    at_first = np.flatnonzero(ident.time == first_time[cust])
    key = rank[at_first].astype(np.int64) * len(cust) + at_first
    first_key = _per_customer_min(key, cust[at_first], od.n_customers)
    is_first = np.zeros(len(cust), dtype=bool)
    is_first[at_first[key == first_key[cust[at_first]]]] = True
    first_tier = np.full(od.n_customers, np.nan)
    first_tier[cust[is_first]] = tiers[is_first]
    best_later = np.full(od.n_customers, -np.inf)
    np.maximum.at(best_later, cust[~is_first], tiers[~is_first])
    repeat = np.bincount(cust, minlength=od.n_customers) >= 2
    upsold = best_later > first_tier
    group = _customer_groups(od, "upsell_rate")
    n_groups = 1 if od.groups is None else od.groups.n_groups
    return _infer_share(
        od,
        group,
        upsold,
        repeat,
        metric="upsell_rate",
        label="Upsell rate",
        options=options,
        components={
            "n_repeat_customers": _counts(repeat, group, n_groups),
            "n_upsold": _counts(repeat & upsold, group, n_groups),
        },
        empty_reason="no customer has two or more orders",
    )


# --------------------------------------------------------------- retention / churn


@dataclass(frozen=True)
class _Period:
    od: OrderData
    start_active: BoolArray
    end_active: BoolArray
    group: npt.NDArray[np.intp] | None
    components: dict[str, Any]


def _period(
    orders: pd.DataFrame,
    customer: str,
    date: str,
    period_start: object,
    period_end: object,
    inactivity: object,
    by: object,
    metric: str,
) -> _Period:
    start = _timestamp("period_start", period_start)
    end = _timestamp("period_end", period_end)
    if end <= start:
        raise ValueError(f"period_end ({end}) must be after period_start ({start})")
    gap = _span_ns("inactivity", inactivity)
    od = prepare_orders(orders, customer=customer, date=date, as_of=end, window=None, by=by)
    ident = _identified(od)
    t0, t1 = _ns(start), _ns(end)

    def active_at(t: int) -> BoolArray:
        recent = (ident.time > t - gap) & (ident.time <= t)
        flags: BoolArray = np.bincount(ident.customer[recent], minlength=od.n_customers) > 0
        return flags

    start_active, end_active = active_at(t0), active_at(t1)
    new = _per_customer_min(ident.time, ident.customer, od.n_customers) > t0
    group = _customer_groups(od, metric)
    n_groups = 1 if od.groups is None else od.groups.n_groups
    s = _counts(start_active, group, n_groups)
    e = _counts(end_active, group, n_groups)
    n = _counts(new, group, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        classic = 100.0 * (e - n) / s
    components: dict[str, Any] = {
        "n_start_customers": s,
        "n_end_customers": e,
        "n_new_customers": n,
        "n_retained": _counts(start_active & end_active, group, n_groups),
        "n_reactivated": _counts(end_active & ~start_active & ~new, group, n_groups),
        "n_new_lapsed": _counts(new & ~end_active, group, n_groups),
        "classic_retention": classic,
    }
    return _Period(od, start_active, end_active, group, components)


_PERIOD_DOC = """
    period_start, period_end : date-like
        The period ``(period_start, period_end]``; ``period_end`` must be later.
    inactivity : int, float or pandas.Timedelta, default 365
        A customer is *active* (still a customer) at time ``t`` if they ordered in
        ``(t - inactivity, t]``; days, positive."""

_PERIOD_NOTES = """
    Notes
    -----
    With S the customers active at ``period_start``, E those active at ``period_end``
    and N the new customers (first order ever in ``(period_start, period_end]``), the
    classic formula is ``(E - N) / S``. It is the share of S still active at the end
    only in special cases: E counts, besides the retained customers R (in S and E),
    customers who had lapsed before the start and came back (``n_reactivated``), and
    N includes new customers who lapsed again before the end (``n_new_lapsed``, only
    possible if the period is longer than ``inactivity``), so that

        E - N = R + n_reactivated - n_new_lapsed.

    ``(E - N) / S`` can therefore exceed 100 % or fall below 0 % and is no binomial
    proportion. cxlib defines retention directly as ``R / S``, the share of the
    customers active at the start who are still active at the end, with a binomial
    interval on S trials; it equals ``(E - N) / S`` whenever no customer was
    reactivated during the period and the period is at most ``inactivity`` long.
    The classic value is reported as the component ``classic_retention`` (percent).
    Churn is ``100 - retention``: the share of S not active at the end. Orders after
    ``period_end`` are ignored; all earlier history decides who is new."""


def retention_rate(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    period_start: Any,
    period_end: Any,
    inactivity: float | pd.Timedelta = 365,
    by: str | Sequence[str] | None = None,
    ci_method: ShareCIMethod = "wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
) -> Estimate | pd.DataFrame:
    """Customer retention rate over a period: share of start customers still active at the end.

    Parameters
    ----------{data}{period}{options}

    Returns
    -------
    Estimate or pandas.DataFrame
        The rate in percent, ``n`` = S; components ``n_start_customers`` (S),
        ``n_end_customers`` (E), ``n_new_customers`` (N), ``n_retained``,
        ``n_reactivated``, ``n_new_lapsed`` and ``classic_retention``.

    {notes}

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.retention import retention_rate
    >>> orders = pd.DataFrame({
    ...     "customer": ["a", "a", "b", "c", "c", "d"],
    ...     "date": pd.to_datetime(["2023-03-01", "2024-02-01", "2023-06-01",
    ...                             "2023-09-01", "2024-05-01", "2024-04-01"])})
    >>> est = retention_rate(orders, customer="customer", date="date",
    ...                      period_start="2024-01-01", period_end="2024-06-30")
    >>> est
    Retention rate 66.7 (95% CI 20.8 to 93.9, wilson) · n = 3
    >>> est.components["n_start_customers"], est.components["n_retained"]
    (3, 2)
    >>> est.components["n_end_customers"], est.components["n_new_customers"]
    (3, 1)
    """
    return _period_rate(
        "retention_rate",
        orders,
        customer,
        date,
        period_start,
        period_end,
        inactivity,
        by,
        ci_method,
        confidence_level,
        n_resamples,
        rng,
    )


def _period_rate(
    metric: Literal["retention_rate", "churn_rate"],
    orders: pd.DataFrame,
    customer: str,
    date: str,
    period_start: Any,
    period_end: Any,
    inactivity: float | pd.Timedelta,
    by: str | Sequence[str] | None,
    ci_method: object,
    confidence_level: float,
    n_resamples: int,
    rng: int | np.random.Generator | None,
) -> Estimate | pd.DataFrame:
    """Retention (share of start customers still active at the end) or its complement."""
    options = _options(ci_method, _SHARE_METHODS, confidence_level, n_resamples, rng)
    p = _period(orders, customer, date, period_start, period_end, inactivity, by, metric)
    return _infer_share(
        p.od,
        p.group,
        p.end_active if metric == "retention_rate" else ~p.end_active,
        p.start_active,
        metric=metric,
        label="Retention rate" if metric == "retention_rate" else "Churn rate",
        options=options,
        components=p.components,
        empty_reason="no customer is active at period_start",
        depth=1,  # retention_rate / churn_rate -> _period_rate -> _infer_share
    )


def churn_rate(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    period_start: Any,
    period_end: Any,
    inactivity: float | pd.Timedelta = 365,
    by: str | Sequence[str] | None = None,
    ci_method: ShareCIMethod = "wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
) -> Estimate | pd.DataFrame:
    """Customer churn rate over a period: 100 minus the retention rate.

    The share of the customers active at ``period_start`` who are no longer active at
    ``period_end`` (see :func:`retention_rate`). The binomial intervals are symmetric
    under swapping successes and failures, so the churn interval is 100 minus the
    retention interval (bootstrap intervals agree to resampling noise).

    Parameters
    ----------{data}{period}{options}

    Returns
    -------
    Estimate or pandas.DataFrame
        The rate in percent, ``n`` = S; the components of :func:`retention_rate`.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.retention import churn_rate
    >>> orders = pd.DataFrame({
    ...     "customer": ["a", "a", "b", "c", "c", "d"],
    ...     "date": pd.to_datetime(["2023-03-01", "2024-02-01", "2023-06-01",
    ...                             "2023-09-01", "2024-05-01", "2024-04-01"])})
    >>> churn_rate(orders, customer="customer", date="date",
    ...            period_start="2024-01-01", period_end="2024-06-30")
    Churn rate 33.3 (95% CI 6.1 to 79.2, wilson) · n = 3
    """
    return _period_rate(
        "churn_rate",
        orders,
        customer,
        date,
        period_start,
        period_end,
        inactivity,
        by,
        ci_method,
        confidence_level,
        n_resamples,
        rng,
    )


# ------------------------------------------------------------------------- cohorts


def _period_index(day: IntArray, freq: CohortFrequency) -> IntArray:
    """Calendar period of each day (days since 1970-01-01), numbered consecutively."""
    if freq == "D":
        return day
    if freq == "W":  # Monday-to-Sunday weeks; 1970-01-01 was a Thursday
        weeks: IntArray = (day + 3) // 7
        return weeks
    months = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months if freq == "M" else months // 3


def _period_first_day(index: IntArray, freq: CohortFrequency) -> IntArray:
    """First day of each calendar period (inverse of :func:`_period_index`)."""
    if freq == "D":
        return index
    if freq == "W":
        monday: IntArray = index * 7 - 3
        return monday
    months = index if freq == "M" else index * 3
    first: IntArray = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return first


def _last_complete_period(as_of_day: int, freq: CohortFrequency) -> int:
    """The last calendar period that has ended by the end of day ``as_of_day``."""
    current = _period_index(np.array([as_of_day], dtype=np.int64), freq)
    ends_today = _period_first_day(current + 1, freq)[0] == as_of_day + 1
    return int(current[0]) - (0 if ends_today else 1)


_COHORT_COLUMNS = ("cohort", "period", "customers", "cohort_size", "retention", "ci_low", "ci_high")


def cohort_retention(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    cohort: CohortFrequency = "M",
    period: CohortFrequency = "M",
    as_of: Any = None,
    by: str | Sequence[str] | None = None,
    ci_method: ProportionCIMethod = "wilson",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Acquisition-cohort retention: share of each cohort active k periods after joining.

    - A customer's *cohort* is the calendar ``cohort`` unit (month, week, ...) of their
      first order up to ``as_of`` (all history counts).
    - An order is in *period* k of its customer if its calendar ``period`` unit is k
      units after that of the customer's first order (so period 0 is the unit of the
      first order, and ``retention`` is 100 there).
    - ``customers`` counts the cohort's customers with at least one order in period k;
      ``retention = 100 * customers / cohort_size``, with a binomial interval on
      ``cohort_size`` trials.
    - Only fully observed cells are returned: a cell (cohort, k) appears when period k
      has ended by ``as_of`` (inclusive, by calendar day) for *every* first-order date
      the cohort can hold, so a cohort's row count does not depend on its customers
      and partial periods never show as drops in retention. Periods without activity
      appear with 0 customers. Orders after ``as_of`` are ignored.

    Weeks run Monday to Sunday (pandas ``W``), quarters are calendar quarters.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order.
    customer : str
        Customer id column; guest orders (missing id) are left out.
    date : str
        Order date or timestamp column.
    cohort : {"D", "W", "M", "Q"}, default "M"
        Calendar unit of the acquisition cohorts.
    period : {"D", "W", "M", "Q"}, default "M"
        Calendar unit in which the time since the first order is counted.
    as_of : date-like, optional
        End of the data, inclusive; default: the last order date.
    by : str or list of str, optional
        Customer attribute column(s); one set of cohorts per group.
    ci_method : {"wilson", "wald", "agresti-coull", "clopper-pearson", "jeffreys"}
        Binomial interval of the retention, default "wilson".
    confidence_level : float, default 0.95
        Two-sided coverage of the interval.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per cell, sorted by ``[*by, cohort, period]``: columns ``*by``,
        ``cohort`` (pandas Period), ``period`` (int, 0, 1, ...), ``customers``,
        ``cohort_size``, ``retention`` (percent), ``ci_low``, ``ci_high``. Use
        :func:`cohort_table` for the cohort x period table.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.retention import cohort_retention, cohort_table
    >>> orders = pd.DataFrame({
    ...     "customer": ["a", "a", "b", "b", "c", "d"],
    ...     "date": pd.to_datetime(["2024-01-03", "2024-02-10", "2024-01-20",
    ...                             "2024-03-05", "2024-02-02", "2024-03-31"])})
    >>> tidy = cohort_retention(orders, customer="customer", date="date")
    >>> tidy[["cohort", "period", "customers", "cohort_size", "retention"]]
        cohort  period  customers  cohort_size  retention
    0  2024-01       0          2            2      100.0
    1  2024-01       1          1            2       50.0
    2  2024-01       2          1            2       50.0
    3  2024-02       0          1            1      100.0
    4  2024-02       1          0            1        0.0
    5  2024-03       0          1            1      100.0
    >>> cohort_table(tidy)
    period       0     1     2
    cohort
    2024-01  100.0  50.0  50.0
    2024-02  100.0   0.0   NaN
    2024-03  100.0   NaN   NaN
    """
    cohort_freq = check_choice("cohort", cohort, COHORT_FREQUENCIES)
    period_freq = check_choice("period", period, COHORT_FREQUENCIES)
    method = check_choice("ci_method", ci_method, PROPORTION_CI_METHODS)
    level = check_confidence_level(confidence_level)
    od = prepare_orders(orders, customer=customer, date=date, as_of=as_of, window=None, by=by)
    group = _customer_groups(od, "cohort_retention")
    ident = _identified(od)
    first_day = _per_customer_min(ident.day, ident.customer, od.n_customers)

    # Cells: (group, cohort) pairs, numbered in key order.
    cohort_of = _period_index(first_day, cohort_freq)
    cohorts, cohort_code = dense_rank(cohort_of)
    g = np.zeros(od.n_customers, dtype=np.int64) if group is None else group.astype(np.int64)
    cells, cell_of = dense_rank(g * len(cohorts) + cohort_code)
    cell_group, cell_cohort = cells // max(len(cohorts), 1), cohorts[cells % max(len(cohorts), 1)]
    cohort_size = np.bincount(cell_of, minlength=len(cells)).astype(np.int64)

    # Fully observed periods of each cell: k = 0 .. last complete period - the period of
    # the cohort's last possible first day.
    as_of_day = _ns(od.as_of) // _NS_PER_DAY
    cohort_last_day = _period_first_day(cell_cohort + 1, cohort_freq) - 1
    last_first_period = _period_index(cohort_last_day, period_freq)
    n_periods = np.maximum(_last_complete_period(as_of_day, period_freq) - last_first_period + 1, 0)
    row_cell = np.repeat(np.arange(len(cells)), n_periods)
    row_k = np.arange(len(row_cell)) - np.repeat(np.cumsum(n_periods) - n_periods, n_periods)

    # Active customers per (cell, k): distinct (customer, k) pairs, counted per cell.
    first_period = _period_index(first_day, period_freq)
    k = _period_index(ident.day, period_freq) - first_period[ident.customer]
    span = int(max(k.max(initial=0), n_periods.max(initial=0))) + 1
    pairs = distinct(ident.customer.astype(np.int64) * span + k)
    active = np.bincount(cell_of[pairs // span] * span + pairs % span, minlength=len(cells) * span)[
        row_cell * span + row_k
    ].astype(np.int64)

    size = cohort_size[row_cell]
    share = active / np.maximum(size, 1)
    low, high = proportion_interval(method, share, size, level)
    labels = pd.DatetimeIndex(
        _period_first_day(cell_cohort[row_cell], cohort_freq).astype("datetime64[D]")
    ).to_period(cohort_freq)
    columns: dict[str, Any] = {
        "cohort": labels,
        "period": row_k.astype(np.int64),
        "customers": active,
        "cohort_size": size,
        "retention": 100.0 * share,
        "ci_low": 100.0 * low,
        "ci_high": 100.0 * high,
    }
    if od.groups is None:
        frame: pd.DataFrame = pd.DataFrame(columns)
        return frame
    keys_frame = od.groups.keys.iloc[cell_group[row_cell]]
    return tidy(keys_frame, columns)


def cohort_table(tidy: pd.DataFrame, values: str = "retention") -> pd.DataFrame:
    """Pivot the result of :func:`cohort_retention` to a cohort x period table.

    Parameters
    ----------
    tidy : pandas.DataFrame
        The tidy frame :func:`cohort_retention` returned (any ``by`` columns become
        outer index levels).
    values : {"retention", "customers", "cohort_size", "ci_low", "ci_high"}
        The column shown in the cells.

    Returns
    -------
    pandas.DataFrame
        One row per cohort (and group), one column per period since the first order;
        cells not yet fully observed are NaN.

    Examples
    --------
    See :func:`cohort_retention`.
    """
    if not isinstance(tidy, pd.DataFrame):
        raise TypeError(
            f"tidy must be the DataFrame of cohort_retention; got {type(tidy).__name__}"
        )
    absent = [c for c in _COHORT_COLUMNS if c not in tidy.columns]
    if absent:
        raise ValueError(
            f"tidy lacks the column(s) {absent} of a cohort_retention result; columns: "
            f"{list(tidy.columns)}"
        )
    value = check_choice(
        "values", values, ("retention", "customers", "cohort_size", "ci_low", "ci_high")
    )
    index = [c for c in tidy.columns if c not in _COHORT_COLUMNS or c == "cohort"]
    table: pd.DataFrame = tidy.pivot(index=index, columns="period", values=value)  # noqa: PD010 (cells are unique)
    return table


for _f in (repurchase_rate, upsell_rate, retention_rate, churn_rate):
    _f.__doc__ = (
        (_f.__doc__ or "")
        .replace("{data}", _DATA_DOC)
        .replace("{options}", _OPTIONS_DOC)
        .replace("{period}", _PERIOD_DOC)
        .replace("    {notes}", _PERIOD_NOTES.strip("\n"))
        .replace("{{", "{")
        .replace("}}", "}")
    )
