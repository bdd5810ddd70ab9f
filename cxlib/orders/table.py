"""Order tables: checked arrays of customers, dates and revenue, and the analysis window.

Every behavioural metric takes an orders DataFrame (one row per order) and the names of
its columns, and starts here: :func:`prepare_orders` validates the columns, codes the
customers, finds the window of orders to analyse and the groups of ``by=``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.errors import OutOfBoundsDatetime

from ..core.grouping import Groups, dense_rank, factorize, make_groups
from ..core.validation import (
    NanPolicy,
    as_numeric_1d,
    check_bool,
    check_magnitude,
    check_nan_policy,
    get_column,
    show_values,
)
from .dates import check_zone, parse_date, parse_dates, parse_duration

__all__ = ["OrderData", "Window", "prepare_orders", "window_start"]

#: A window: a number of days, a pandas Timedelta, or None for all history.
Window = int | float | pd.Timedelta | None

_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class OrderData:
    """The orders of the analysis window, as arrays (one element per order).

    ``customer`` holds each order's customer code (``0 .. n_customers - 1``, indexing
    ``customer_ids``) or -1 for a guest order. ``day`` is the calendar day of the order
    (days since 1970-01-01); ``time`` the full timestamp. ``groups`` codes the orders by
    ``by=``. Only orders with ``as_of - window < date <= as_of`` are kept.

    ``n_missing`` counts, per group (one element without ``by=``), the rows the metric
    could not read: rows with a missing date, and rows of the window with a missing
    revenue (when ``revenue`` is read). A missing customer id is no missing value: it
    marks a guest order. Unreadable rows are never among the orders kept;
    ``nan_policy`` says what the metric does about them.
    """

    customer: npt.NDArray[np.int64]
    customer_ids: pd.Index[Any]
    time: npt.NDArray[np.datetime64]
    day: npt.NDArray[np.int64]
    revenue: npt.NDArray[np.float64] | None
    groups: Groups | None
    as_of: pd.Timestamp
    start: pd.Timestamp | None  # exclusive lower end of the window; None: all history
    n_outside: int  # orders of the table outside the window
    rows: npt.NDArray[np.intp]  # positions in the table of the orders kept
    n_missing: npt.NDArray[np.int64]  # unreadable rows per group (see above)
    unreadable: npt.NDArray[np.intp]  # positions of the rows with a missing date or revenue
    nan_policy: NanPolicy

    @property
    def n_orders(self) -> int:
        return len(self.customer)

    @property
    def n_customers(self) -> int:
        return len(self.customer_ids)


_NANOS_PER_DAY = np.int64(86_400_000_000_000)


def window_start(as_of: pd.Timestamp, window: object) -> pd.Timestamp | None:
    if window is None:
        return None
    span = parse_duration(window, "window", none_allowed=True)
    try:
        start: pd.Timestamp = as_of - span
    except (OverflowError, OutOfBoundsDatetime):
        return None  # the window reaches before every representable date: all history
    return start


def _read_only(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A view of ``values`` that cannot be written to."""
    view = values.view()
    view.flags.writeable = False
    return view


def _code_customers(
    ids: pd.Series[Any], guest: npt.NDArray[np.bool_], *, flagged: bool
) -> tuple[npt.NDArray[np.int64], pd.Index[Any]]:
    """Codes ``0 .. k-1`` of the customer ids in sorted order, -1 for guest orders.

    ``guest`` marks the orders without an id, and with ``flagged`` also those flagged
    by a guest column, which may carry ids.
    """
    if guest.all():
        return np.full(len(ids), -1, dtype=np.int64), pd.Index(ids.iloc[:0])
    codes, uniques = factorize(ids)  # missing ids: code -1
    codes = codes.astype(np.int64, copy=False)
    if flagged and (guest & (codes >= 0)).any():  # guest orders with ids: drop those ids
        known = ~guest
        used, codes[known] = dense_rank(codes[known])
        codes[guest] = -1
        uniques = uniques.take(used)
    return codes, uniques


def prepare_orders(
    orders: object,
    *,
    customer: str,
    date: str,
    revenue: str | None = None,
    guest: str | None = None,
    order_id: str | None = None,
    as_of: object = None,
    window: Window = 365,
    by: object = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    as_of_name: str = "as_of",
) -> OrderData:
    """Check an orders table and keep the orders of the window ``(as_of - window, as_of]``.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order.
    customer : str
        Customer id column; a missing id marks a guest order.
    date : str
        Order date or timestamp column (datetime64, or strings pandas can parse).
    revenue : str, optional
        Order value column (finite; non-negative unless ``allow_refunds``).
    guest : str, optional
        Boolean guest-checkout flag; flagged orders count as guest orders whatever their
        customer id.
    order_id : str, optional
        Order id column, checked for duplicates.
    as_of : date-like, optional
        End of the window (inclusive); default: the last order date.
    window : int, float, pandas.Timedelta or None, default 365
        Length of the window in days; None for all history up to ``as_of``.
    by : str or list of str, optional
        Column(s) to group the orders by.
    allow_refunds : bool, default False
        Accept negative revenue (refunds).
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Rows with a missing date or revenue: left out and counted in ``n_missing``
        ("omit" and "propagate"), or a ValueError ("raise").
    as_of_name : str, default "as_of"
        Name of the public argument that gave ``as_of``, for error messages.

    Returns
    -------
    OrderData
    """
    if not isinstance(orders, pd.DataFrame):
        raise TypeError(f"orders must be a pandas DataFrame; got {type(orders).__name__}")
    if len(orders) == 0:
        raise ValueError("orders is empty: no orders to analyse")
    policy = check_nan_policy(nan_policy)
    allow_refunds = check_bool("allow_refunds", allow_refunds)
    ids = get_column(orders, customer, "customer")
    when = parse_dates(get_column(orders, date, "date"), date)
    no_date = when.isna().to_numpy()
    is_guest = ids.isna().to_numpy()
    if guest is not None:
        flag = get_column(orders, guest, "guest")
        if not pd.api.types.is_bool_dtype(flag.dtype) or flag.isna().any():
            raise TypeError(
                f"guest column {guest!r} must be boolean without missing values; got {flag.dtype}"
            )
        is_guest = is_guest | flag.to_numpy(dtype=bool)
    if order_id is not None:
        oid = get_column(orders, order_id, "order_id")
        dup = oid.duplicated(keep=False)
        if dup.any():
            raise ValueError(
                f"order_id column {order_id!r} has duplicated ids: {show_values(oid[dup])}"
            )
    value = None
    if revenue is not None:
        value = np.asarray(
            as_numeric_1d(get_column(orders, revenue, "revenue"), f"revenue column {revenue!r}"),
            dtype=np.float64,
        )
        # The extremes (NaN skipped) clear the checks below at once in the common case.
        low, high = float(np.fmin.reduce(value)), float(np.fmax.reduce(value))
        bad = np.isinf(value) if np.isinf(low) or np.isinf(high) else None
        if bad is not None and bad.any():
            raise ValueError(
                f"revenue column {revenue!r} must be finite; found {show_values(value[bad])}"
            )
        check_magnitude(value, f"revenue column {revenue!r}", extremes=(low, high))
        if not allow_refunds and low < 0:  # NaN is no negative value: not refused here
            raise ValueError(
                f"revenue column {revenue!r} has negative values {show_values(value[value < 0])}; "
                "pass allow_refunds=True to accept refunds"
            )
    unreadable = no_date.copy()
    if value is not None:
        unreadable |= np.isnan(value)
    if as_of is None and unreadable.all():
        raise ValueError(
            f"every order has a missing date or revenue ({len(orders)} rows): no orders to analyse"
        )
    if as_of is None:  # the last readable order date
        end: pd.Timestamp = when[~unreadable].max() if unreadable.any() else when.max()
    else:
        end = parse_date(as_of, as_of_name)
        check_zone(end, as_of_name, when.dt.tz, f"date column {date!r}")
    start = window_start(end, window)
    if as_of is None and not unreadable.any():  # every date is up to the last one
        keep = np.ones(len(when), dtype=bool)
    else:
        keep = (when <= end).to_numpy(copy=True)
    if start is not None:
        keep &= (when > start).to_numpy()
    missing = unreadable & (keep | no_date)  # a row without a date is in no window
    keep &= ~missing
    if missing.any() and policy == "raise":
        parts = [(no_date, f"date column {date!r}")]
        if value is not None:
            parts.append((np.isnan(value), f"revenue column {revenue!r}"))
        found = "; ".join(f"{int((m & missing).sum())} in {what}" for m, what in parts)
        raise ValueError(
            f"orders has {int(missing.sum())} row(s) with missing values ({found}); "
            "pass nan_policy='omit' to skip them (counted in n_missing)"
        )
    groups = make_groups(orders, by) if by is not None else None
    if groups is None:
        n_missing = np.array([int(missing.sum())], dtype=np.int64)
    else:
        n_missing = np.bincount(
            groups.codes[missing].astype(np.intp), minlength=groups.n_groups
        ).astype(np.int64)
    if groups is not None and not keep.all():
        groups = Groups(codes=np.compress(keep, groups.codes), keys=groups.keys)
    # Only customers with an order in the window are customers of the window.
    everything = bool(keep.all())  # then no array needs a copy of the rows kept
    kept = (ids, is_guest) if everything else (ids[keep], np.compress(keep, is_guest))
    customer_codes, customer_ids = _code_customers(*kept, flagged=guest is not None)
    times = when.to_numpy(dtype="datetime64[ns]")
    # Calendar days are local days: drop the time zone (not convert to UTC) first.
    local = when.dt.tz_localize(None) if when.dt.tz is not None else when
    nanos = local.to_numpy(dtype="datetime64[ns]").view(np.int64)
    if everything:
        days = np.floor_divide(nanos, _NANOS_PER_DAY)
        # The arrays may be views of the caller's columns: read-only, so that no metric
        # can write into them.
        times, value = _read_only(times), None if value is None else _read_only(value)
    else:
        times, nanos = np.compress(keep, times), np.compress(keep, nanos)
        days = np.floor_divide(nanos, _NANOS_PER_DAY, out=nanos)  # calendar days since 1970
    return OrderData(
        customer=customer_codes,
        customer_ids=customer_ids,
        time=times,
        day=days,
        revenue=value if value is None or everything else np.compress(keep, value),
        groups=groups,
        as_of=end,
        start=start,
        n_outside=len(keep) - int(np.count_nonzero(keep)),
        rows=np.flatnonzero(keep),
        n_missing=n_missing,
        unreadable=np.flatnonzero(unreadable),
        nan_policy=policy,
    )
