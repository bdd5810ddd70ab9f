"""The orders of an RFM summary as purchase occasions: customers, periods, revenue.

Dates become periods of a pandas period alias (``time_unit``); the observation end is
the period of ``as_of``. Used by :mod:`cxlib.orders.rfm`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from ..core.errors import CxlibDeprecationWarning, find_stack_level
from ..core.validation import NanPolicy, get_column
from .dates import parse_date, parse_dates
from .table import OrderData, prepare_orders

__all__ = [
    "Occasions",
    "as_of_argument",
    "naive",
    "occasions",
    "ordinal",
    "period_freq",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def period_freq(time_unit: object) -> BaseOffset:
    """Validate ``time_unit`` as a pandas period alias with a multiple of 1."""
    hint = (
        "time_unit must be a pandas period alias such as 'D' (days), 'W' (weeks ending "
        "Sunday; 'W-SAT' etc. for other week ends), 'M' (months), 'Q', 'Y', 'h', 'min' or 's'"
    )
    if not isinstance(time_unit, str):
        raise TypeError(f"{hint}; got {time_unit!r}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # deprecated aliases ('d', 'B', ...) are refused
            freq = pd.PeriodDtype(time_unit).freq
    except (ValueError, TypeError, Warning) as exc:
        raise ValueError(f"{hint}; got {time_unit!r} ({exc})") from None
    if freq.n != 1:
        raise ValueError(f"{hint}, without a multiple; got {time_unit!r}")
    return freq


def naive(stamp: pd.Timestamp, tz: Any, name: str) -> pd.Timestamp:
    """Express ``stamp`` as wall time in the time zone of the dates (``tz``)."""
    if stamp.tzinfo is None:
        return stamp
    if tz is None:
        raise ValueError(
            f"{name}={stamp} has a time zone but the date column has none; pass a naive date"
        )
    naive: pd.Timestamp = stamp.tz_convert(tz).tz_localize(None)
    return naive


def _orders_with_dates(orders: object, date: str) -> tuple[pd.DataFrame, Any]:
    """The orders with the date column parsed to naive datetimes (wall time), and its tz.

    Periods are calendar periods of the dates as written: time-zone aware dates are
    taken in their own zone (as ``to_period`` does), not converted to UTC.
    """
    if not isinstance(orders, pd.DataFrame):
        raise TypeError(f"orders must be a pandas DataFrame; got {type(orders).__name__}")
    if len(orders) == 0:
        raise ValueError("orders is empty: no orders to analyse")
    column = get_column(orders, date, "date")
    if column.dtype == np.dtype("datetime64[ns]"):  # checked by prepare_orders
        return orders, None
    parsed = parse_dates(column, date)  # the same parsing and checks as every order metric
    tz = getattr(parsed.dt, "tz", None)
    if parsed is column and tz is None:  # naive datetime64[ns] already
        return orders, None
    if tz is not None:
        parsed = parsed.dt.tz_localize(None)
    frame = orders.copy(deep=False)
    frame[date] = parsed
    return frame, tz


def _ordinals(times: npt.NDArray[np.datetime64], freq: BaseOffset) -> IntArray:
    """Period number of each time (consecutive periods have consecutive numbers)."""
    if len(times) == 0:
        return np.zeros(0, dtype=np.int64)
    index = pd.DatetimeIndex(times).to_period(freq)  # type: ignore[arg-type]  # stubs: str only
    ordinals: IntArray = np.asarray(index.asi8, dtype=np.int64)
    return ordinals


def ordinal(stamp: pd.Timestamp, freq: BaseOffset) -> int:
    return int(_ordinals(np.array([stamp.to_datetime64()]), freq)[0])


#: Longest range of days (from the first to the last order) mapped to periods by a table.
_DAY_TABLE_LIMIT = 1 << 22


def _period_ordinals(
    times: npt.NDArray[np.datetime64], days: IntArray, freq: BaseOffset
) -> IntArray:
    """The numbers :func:`_ordinals` gives, without making a Period of every order.

    ``times`` are the (wall) times of the orders and ``days`` their calendar days (days
    since 1970-01-01), which are the period numbers of ``"D"``. A unit shorter than a day
    divides the nanoseconds since the epoch, rounding down (the period numbers of
    ``"h"``, ``"min"``, ... count whole units since 1970-01-01 00:00). A longer unit
    (week, month, quarter, year) depends only on the day: the days from the first to the
    last order are converted once and looked up.
    """
    if len(days) == 0:
        return np.zeros(0, dtype=np.int64)
    if isinstance(freq, pd.offsets.Day):
        return days
    if isinstance(freq, pd.offsets.Tick):
        nanos = times.astype("datetime64[ns]", copy=False).view(np.int64)
        by_unit: IntArray = np.floor_divide(nanos, np.int64(freq.nanos))
        return by_unit
    low = int(days.min())
    span = int(days.max()) - low + 1
    if span > max(_DAY_TABLE_LIMIT, len(days)):
        return _ordinals(times, freq)
    table = _ordinals(np.arange(low, low + span, dtype=np.int64).astype("datetime64[D]"), freq)
    by_day: IntArray = table[days - low]
    return by_day


@dataclass(frozen=True)
class Occasions:
    """The orders as arrays, the customer ids, the observation end.

    ``customer`` is the customer code of each order (-1 for a guest order), ``period``
    its period number; ``use`` marks the orders summarised: those of a customer in or
    before the period of the observation end. ``customer_ids`` may hold customers
    without such an order.
    """

    customer: IntArray
    period: IntArray
    revenue: FloatArray | None
    use: BoolArray
    customer_ids: pd.Index[Any]
    end: int  # period of the observation end
    end_stamp: pd.Timestamp
    tz: Any  # time zone of the dates (they are held as wall time), or None
    n_missing: int  # rows with a missing date, or a missing revenue up to the end period
    unread: BoolArray | None  # "propagate": customers (codes) with such a row; else None


def occasions(
    orders: object,
    *,
    customer: str,
    date: str,
    revenue: str | None,
    as_of: object,
    freq: BaseOffset,
    unit: str,
    allow_refunds: bool,
    nan_policy: NanPolicy,
) -> Occasions:
    frame, tz = _orders_with_dates(orders, date)
    od: OrderData = prepare_orders(
        frame,
        customer=customer,
        date=date,
        revenue=revenue,
        as_of=None,
        window=None,
        allow_refunds=allow_refunds,
        nan_policy=nan_policy,
    )
    if not len(od.customer_ids) and not get_column(frame, customer, "customer").notna().any():
        raise ValueError(
            f"customer column {customer!r} holds no customer id (every order is a guest "
            "order): there are no customers to summarise"
        )
    # Default: the last order date, guest orders included (as lifetimes).
    end_stamp = od.as_of if as_of is None else naive(parse_date(as_of, "as_of"), tz, "as_of")
    end = ordinal(end_stamp, freq)
    period = _period_ordinals(od.time, od.day, freq)
    ident = od.customer >= 0
    use = period <= end
    use &= ident
    if not use.any():
        first = f"{pd.Timestamp(od.time[ident].min())}" if ident.any() else "unknown"
        raise ValueError(
            f"no customer order falls in or before the period of as_of={end_stamp} "
            f"(time_unit {unit!r}); the first customer order is on {first}"
        )
    # Unreadable rows the summary would read: those without a date, and those whose
    # revenue is missing in or before the end period.
    rows = frame.iloc[od.unreadable] if len(od.unreadable) else frame.iloc[:0]
    when = rows[date].to_numpy(dtype="datetime64[ns]")
    dated = ~np.isnat(when)
    counted = ~dated
    counted[dated] = _ordinals(when[dated], freq) <= end
    unread = None
    if nan_policy == "propagate":
        codes = od.customer_ids.get_indexer(rows[customer][counted])
        unread = np.zeros(len(od.customer_ids), dtype=bool)
        unread[codes[codes >= 0]] = True
    return Occasions(
        customer=od.customer,
        period=period,
        revenue=od.revenue,
        use=use,
        customer_ids=od.customer_ids.rename(customer),
        end=end,
        end_stamp=end_stamp,
        tz=tz,
        n_missing=int(counted.sum()),
        unread=unread,
    )


def as_of_argument(as_of: object, observation_period_end: object) -> object:
    """``as_of``, or the value of its former name ``observation_period_end`` (deprecated)."""
    if observation_period_end is None:
        return as_of
    if as_of is not None:
        raise TypeError(
            "pass the end of the observation period once, as as_of; observation_period_end "
            "is its former name"
        )
    warnings.warn(
        "observation_period_end is renamed as_of, as in every order metric; the old name "
        "will be removed in the next release",
        CxlibDeprecationWarning,
        stacklevel=find_stack_level(),
    )
    return observation_period_end
