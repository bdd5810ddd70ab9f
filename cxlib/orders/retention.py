"""Customer retention and churn over a period, with the classic ``(E - N) / S`` parts.

A customer is *active* at a time if they ordered within ``inactivity`` before it;
retention is the share of the customers active at the start of the period who are
still active at its end, churn its complement (see :func:`retention_rate`). Shares of
identified customers, in percent, with the intervals of
:func:`cxlib.orders.inference.infer_share`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.results import Estimate
from ..core.validation import NanPolicy
from .activity import Activity, pandas_activity
from .customers import (
    DATA_DOC,
    OPTIONS_DOC,
    span_ns,
    to_ns,
)
from .dates import check_zone, parse_date
from .engine_retention import engine_activity
from .engine_table import EngineOrders, read_orders
from .inference import (
    OPTIONAL_DOC,
    SHARE_METHODS,
    ShareCIMethod,
    count_customers,
    fill_docs,
    infer_share,
    read_options,
    sum_by_group,
)

__all__ = ["churn_rate", "retention_rate"]

BoolArray = npt.NDArray[np.bool_]


# --------------------------------------------------------------- retention / churn


@dataclass(frozen=True)
class _Reading:
    """The keywords that say how the orders are read: revenue, refunds, missing values."""

    revenue: str | None
    allow_refunds: bool
    nan_policy: NanPolicy


def _period(
    orders: Any,
    customer: str,
    date: str,
    period_start: object,
    period_end: object,
    inactivity: object,
    by: object,
    metric: str,
    reading: _Reading,
) -> tuple[Activity, dict[str, Any]]:
    start = parse_date(period_start, "period_start")
    end = parse_date(period_end, "period_end")
    check_zone(start, "period_start", end.tz, "period_end")
    if end <= start:
        raise ValueError(f"period_end ({end}) must be after period_start ({start})")
    gap = span_ns("inactivity", inactivity)
    od = read_orders(
        orders,
        customer=customer,
        date=date,
        revenue=reading.revenue,
        as_of=end,
        as_of_name="period_end",
        window=None,
        by=by,
        allow_refunds=reading.allow_refunds,
        nan_policy=reading.nan_policy,
    )
    t0, t1 = to_ns(start), to_ns(end)
    if isinstance(od, EngineOrders):
        activity = engine_activity(od, t0, t1, gap, metric)
    else:
        activity = pandas_activity(od, t0, t1, gap, metric)
    return activity, _tally(activity)


def _tally(a: Activity) -> dict[str, Any]:
    """The counts of the period's customers per group (pandas and engine orders)."""
    group, start_active, end_active, new = a.group, a.start_active, a.end_active, a.new
    n_groups = 1 if a.od.groups is None else a.od.groups.n_groups
    s = count_customers(start_active, group, n_groups)
    e = count_customers(end_active, group, n_groups)
    n = count_customers(new, group, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        classic = 100.0 * (e - n) / s
    components: dict[str, Any] = {
        "n_start_customers": s,
        "n_end_customers": e,
        "n_new_customers": n,
        "n_retained": count_customers(start_active & end_active, group, n_groups),
        "n_reactivated": count_customers(end_active & ~start_active & ~new, group, n_groups),
        "n_new_lapsed": count_customers(new & ~end_active, group, n_groups),
        "classic_retention": classic,
    }
    if a.period_revenue is not None:
        spend = np.where(start_active, a.period_revenue, 0.0)
        components["revenue"] = sum_by_group(spend, group, n_groups)
    return components


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
    ``period_end`` are ignored; all earlier history decides who is new.

    ``orders`` may also be a Polars, pyarrow, DuckDB, Dask or Spark frame, or a CSV or
    Parquet file (read by DuckDB): each customer's activity is then reduced in the
    engine and only one row per customer is collected."""


@overload
def retention_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    period_start: Any,
    period_end: Any,
    revenue: str | None = ...,
    inactivity: float | pd.Timedelta = ...,
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
def retention_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    period_start: Any,
    period_end: Any,
    revenue: str | None = ...,
    inactivity: float | pd.Timedelta = ...,
    by: str | Sequence[str],
    allow_refunds: bool = ...,
    nan_policy: NanPolicy = ...,
    ci_method: ShareCIMethod = ...,
    confidence_level: float = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> pd.DataFrame: ...


def retention_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    period_start: Any,
    period_end: Any,
    revenue: str | None = None,
    inactivity: float | pd.Timedelta = 365,
    by: str | Sequence[str] | None = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    ci_method: ShareCIMethod = "modified-wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
) -> Estimate | pd.DataFrame:
    """Customer retention rate over a period: share of start customers still active at the end.

    Parameters
    ----------{data}{period}{options}

    Returns
    -------
    Estimate or pandas.DataFrame
        The rate in percent, ``n`` = S; components ``n_start_customers`` (S),
        ``n_end_customers`` (E), ``n_new_customers`` (N), ``n_retained``,
        ``n_reactivated``, ``n_new_lapsed`` and ``classic_retention``; with
        ``revenue``, ``revenue`` (of the S customers' orders in the period).

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
    Retention rate 66.7 (95% CI 11.8 to 98.3, modified-wilson) · n = 3
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
        _Reading(revenue, allow_refunds, nan_policy),
        ci_method,
        confidence_level,
        n_resamples,
        rng,
        progress,
    )


def _period_rate(
    metric: Literal["retention_rate", "churn_rate"],
    orders: Any,
    customer: str,
    date: str,
    period_start: Any,
    period_end: Any,
    inactivity: float | pd.Timedelta,
    by: str | Sequence[str] | None,
    reading: _Reading,
    ci_method: object,
    confidence_level: float,
    n_resamples: int,
    rng: int | np.random.Generator | None,
    progress: bool,
) -> Estimate | pd.DataFrame:
    """Retention (share of start customers still active at the end) or its complement."""
    options = read_options(ci_method, SHARE_METHODS, confidence_level, n_resamples, rng, progress)
    a, components = _period(
        orders, customer, date, period_start, period_end, inactivity, by, metric, reading
    )
    return infer_share(
        a.od,
        a.group,
        a.end_active if metric == "retention_rate" else ~a.end_active,
        a.start_active,
        metric=metric,
        label="Retention rate" if metric == "retention_rate" else "Churn rate",
        options=options,
        components=components,
        empty_reason="no customer is active at period_start",
    )


@overload
def churn_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    period_start: Any,
    period_end: Any,
    revenue: str | None = ...,
    inactivity: float | pd.Timedelta = ...,
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
def churn_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    period_start: Any,
    period_end: Any,
    revenue: str | None = ...,
    inactivity: float | pd.Timedelta = ...,
    by: str | Sequence[str],
    allow_refunds: bool = ...,
    nan_policy: NanPolicy = ...,
    ci_method: ShareCIMethod = ...,
    confidence_level: float = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> pd.DataFrame: ...


def churn_rate(
    orders: Any,
    *,
    customer: str,
    date: str,
    period_start: Any,
    period_end: Any,
    revenue: str | None = None,
    inactivity: float | pd.Timedelta = 365,
    by: str | Sequence[str] | None = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    ci_method: ShareCIMethod = "modified-wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
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
    Churn rate 33.3 (95% CI 1.7 to 88.2, modified-wilson) · n = 3
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
        _Reading(revenue, allow_refunds, nan_policy),
        ci_method,
        confidence_level,
        n_resamples,
        rng,
        progress,
    )


fill_docs(
    retention_rate,
    churn_rate,
    data=DATA_DOC + OPTIONAL_DOC,
    options=OPTIONS_DOC,
    period=_PERIOD_DOC,
    notes=_PERIOD_NOTES.strip(),
)
