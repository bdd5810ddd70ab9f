"""RFM summaries of an orders table: frequency, recency, age and spend per customer.

:func:`rfm_summary` turns an orders table into one row per customer with the statistics
that buy-till-you-die models (BG/NBD, Pareto/NBD, Gamma-Gamma) and RFM segmentation
start from, with the semantics of lifetimes' ``summary_data_from_transaction_data`` and
pymc-marketing's ``rfm_summary``. :func:`rfm_calibration_holdout` splits the history
into a calibration and a holdout period (lifetimes' ``calibration_and_holdout_data``),
and :func:`rfm_scores` adds quantile scores and a named R/F segment.

Everything is computed with one sort of the orders by customer and period and numpy
reductions over the sorted runs: no Python loop over customers.

Definitions (``time_unit`` is a pandas period alias; dates become periods of it):

- purchase occasion: a period in which the customer ordered; orders of one period are
  merged and their revenue summed;
- ``frequency``: the customer's purchase occasions minus one (repeat occasions);
- ``recency``: periods from the first to the last occasion;
- ``T``: periods from the first occasion to the period of ``observation_period_end``;
- ``monetary_value``: mean revenue of the repeat occasions (0 without any).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from ..core.grouping import distinct
from ..core.validation import check_bool, get_column
from .table import OrderData, parse_date, parse_dates, prepare_orders

__all__ = [
    "RFM_SEGMENTS",
    "RFMSegment",
    "rfm_calibration_holdout",
    "rfm_scores",
    "rfm_summary",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class RFMSegment(NamedTuple):
    """A named rectangle of the 5 x 5 grid of recency (R) and frequency (F) levels.

    ``recency`` and ``frequency`` are inclusive ranges ``(low, high)`` of levels 1..5,
    5 being the most recent / most frequent.
    """

    name: str
    recency: tuple[int, int]
    frequency: tuple[int, int]
    description: str


#: The segments of :func:`rfm_scores`, from the best to the worst; they tile the
#: 5 x 5 grid of R and F levels (every cell belongs to exactly one segment).
RFM_SEGMENTS: tuple[RFMSegment, ...] = (
    RFMSegment("champions", (5, 5), (4, 5), "bought very recently and buy often"),
    RFMSegment("loyal", (3, 4), (4, 5), "buy often, last bought a while ago"),
    RFMSegment("potential loyalists", (4, 5), (2, 3), "recent customers with a few purchases"),
    RFMSegment("new", (5, 5), (1, 1), "first and only purchase very recently"),
    RFMSegment("promising", (4, 4), (1, 1), "recent customers with a single purchase"),
    RFMSegment("need attention", (3, 3), (3, 3), "middling recency and frequency"),
    RFMSegment("about to sleep", (3, 3), (1, 2), "few purchases, fading recency"),
    RFMSegment("cannot lose", (1, 2), (5, 5), "bought most often, but long ago"),
    RFMSegment("at risk", (1, 2), (3, 4), "bought fairly often, but long ago"),
    RFMSegment("hibernating", (2, 2), (1, 2), "few purchases, long ago"),
    RFMSegment("lost", (1, 1), (1, 2), "few purchases, longest ago"),
)


def _segment_grid() -> IntArray:
    grid = np.full((5, 5), -1, dtype=np.int64)
    for code, seg in enumerate(RFM_SEGMENTS):
        grid[seg.recency[0] - 1 : seg.recency[1], seg.frequency[0] - 1 : seg.frequency[1]] = code
    return grid


_SEGMENT_GRID = _segment_grid()
_SEGMENT_NAMES = [seg.name for seg in RFM_SEGMENTS]


# --------------------------------------------------------------------------- inputs


def _period_freq(time_unit: object) -> BaseOffset:
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


def _naive(stamp: pd.Timestamp, tz: Any, name: str) -> pd.Timestamp:
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
    index = pd.DatetimeIndex(times).to_period(freq)
    ordinals: IntArray = np.asarray(index.asi8, dtype=np.int64)
    return ordinals


def _ordinal(stamp: pd.Timestamp, freq: BaseOffset) -> int:
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
class _Occasions:
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


def _occasions(
    orders: object,
    *,
    customer: str,
    date: str,
    revenue: str | None,
    observation_period_end: object,
    freq: BaseOffset,
    unit: str,
    allow_refunds: bool,
) -> _Occasions:
    frame, tz = _orders_with_dates(orders, date)
    if not get_column(frame, customer, "customer").notna().any():
        raise ValueError(
            f"customer column {customer!r} holds no customer id (every order is a guest "
            "order): there are no customers to summarise"
        )
    od: OrderData = prepare_orders(
        frame,
        customer=customer,
        date=date,
        revenue=revenue,
        as_of=None,
        window=None,
        allow_refunds=allow_refunds,
    )
    if observation_period_end is None:
        end_stamp = od.as_of  # the last order date, guest orders included (as lifetimes)
    else:
        end_stamp = _naive(
            parse_date(observation_period_end, "observation_period_end"),
            tz,
            "observation_period_end",
        )
    end = _ordinal(end_stamp, freq)
    period = _period_ordinals(od.time, od.day, freq)
    ident = od.customer >= 0
    use = period <= end
    use &= ident
    if not use.any():
        raise ValueError(
            f"no customer order falls in or before the period of observation_period_end="
            f"{end_stamp} (time_unit {unit!r}); the first order is on "
            f"{pd.Timestamp(od.time[ident].min())}"
        )
    return _Occasions(
        customer=od.customer,
        period=period,
        revenue=od.revenue,
        use=use,
        customer_ids=od.customer_ids.rename(customer),
        end=end,
        end_stamp=end_stamp,
        tz=tz,
    )


# --------------------------------------------------------------------------- reduction


@dataclass(frozen=True)
class _PerCustomer:
    """Per customer: purchase occasions, first and last period, spend of the occasions.

    ``spend`` sums the revenue of the occasions after the first, or of all of them when
    they were reduced with ``include_first``.
    """

    n_periods: IntArray
    first: IntArray
    last: IntArray
    spend: FloatArray | None

    def take(self, mask: BoolArray) -> _PerCustomer:
        """The customers of ``mask``."""
        return _PerCustomer(
            self.n_periods[mask],
            self.first[mask],
            self.last[mask],
            None if self.spend is None else self.spend[mask],
        )


#: Sorted orders handled at a time by the reduction: the temporary arrays of a chunk
#: stay in the CPU cache, and the only array as long as the table is the sort keys.
_CHUNK = 1 << 16

#: Revenue that is whole cents goes into the sort keys as cents.
_CENTS = 100.0

#: Bits of a sort key; below 63, so that the key after a customer's last one fits too.
_KEY_BITS = 62


def _cents(revenue: FloatArray, max_bits: int) -> tuple[int, int] | None:
    """The lowest revenue in cents and the bits of the range, when revenue is whole cents.

    None unless every value is the float64 nearest to a whole number of cents (``c /
    100`` gives it back, bit for bit) and the range of the cents fits in ``max_bits``
    bits.
    """
    if max_bits < 0:
        return None
    low, high = np.inf, -np.inf
    for start in range(0, len(revenue), _CHUNK):
        part = revenue[start : start + _CHUNK]
        scaled = part * _CENTS
        np.rint(scaled, out=scaled)
        back = scaled / _CENTS
        if not np.array_equal(back.view(np.int64), part.view(np.int64)):
            return None
        low, high = min(low, float(scaled.min())), max(high, float(scaled.max()))
        if not (low > -(2.0**53) and high < 2.0**53 and high - low < 2.0**max_bits):
            return None
    if low > high:
        return None
    return int(low), int(high - low).bit_length()


@dataclass(frozen=True)
class _SortedKeys:
    """The orders used as sorted int64 keys: customer, then period code, then low bits.

    The period code is ``period - period_low``, or the rank of the period in
    ``period_table`` when the periods span too many bits. The ``low_bits`` lowest bits
    hold the revenue in cents minus ``cents_low`` (so that the orders of an occasion are
    sorted by revenue too), or else the input position of the order, or ``rows`` gives
    the input positions.
    """

    key: IntArray
    period_bits: int
    low_bits: int
    period_low: int
    period_table: IntArray | None = None
    cents_low: int | None = None
    rows: IntArray | None = None

    def periods(self, codes: IntArray) -> IntArray:
        """The periods of the given period codes (which may be overwritten)."""
        if self.period_table is not None:
            by_rank: IntArray = self.period_table[codes]
            return by_rank
        codes += self.period_low
        return codes

    def revenue(
        self, revenue: FloatArray, start: int, stop: int, positions: npt.NDArray[np.intp]
    ) -> FloatArray:
        """The revenue of the sorted orders ``start + positions`` (``positions < stop - start``).

        ``revenue`` is the revenue of the input orders.
        """
        key = self.key[start:stop]
        low = np.int64((1 << self.low_bits) - 1)
        if self.cents_low is not None:
            cents = key[positions]
            cents &= low
            cents += self.cents_low
            value: FloatArray = cents.astype(np.float64)
            value /= _CENTS  # the very float of the input (see _cents)
            return value
        rows = self.rows[start:stop][positions] if self.rows is not None else key[positions] & low
        by_row: FloatArray = revenue[rows]
        return by_row


def _sort_keys(
    customer: IntArray,
    period: IntArray,
    use: BoolArray,
    n_customers: int,
    revenue: FloatArray | None,
) -> _SortedKeys:
    """Sort the orders of ``use`` by customer, then period (then revenue, when cheap).

    Customer and period (from the first) are packed into one int64 key, customer in
    the high bits. With revenue, the lowest bits get the revenue in cents when it is
    whole cents (the sort then orders the revenue of an occasion too), or else the
    position of the order, so that a plain sort of the keys also gives the permutation
    (much faster than an argsort); keys too wide for that are argsorted. Periods
    spanning too many bits are numbered by rank. The keys are built a chunk at a time.
    """
    n = len(customer)
    n_used = int(np.count_nonzero(use))
    all_used = n_used == n
    customer_bits = max(n_customers - 1, 0).bit_length()
    period_low = int(period.min())
    period_bits = (int(period.max()) - period_low).bit_length()
    table = None
    if customer_bits + period_bits > _KEY_BITS:  # number the periods of the orders used
        table = distinct(period[use])
        period_bits = max(len(table) - 1, 0).bit_length()
        if customer_bits + period_bits > _KEY_BITS:
            raise ValueError("too many customers and periods to summarise")
    free = _KEY_BITS - customer_bits - period_bits
    cents = None if revenue is None else _cents(revenue, free)
    row_bits = max(n - 1, 0).bit_length()
    pack_rows = revenue is not None and cents is None and row_bits <= free
    low_bits = cents[1] if cents is not None else row_bits if pack_rows else 0
    key = np.empty(n_used, dtype=np.int64)
    filled = 0
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        part = np.left_shift(customer[start:stop], period_bits)
        if table is None:
            part += period[start:stop]
            part -= period_low  # guest orders (customer -1) get negative keys: unused
        else:
            part += np.searchsorted(table, period[start:stop])
        if low_bits:
            part <<= low_bits
            if cents is not None and revenue is not None:
                scaled = revenue[start:stop] * _CENTS
                np.rint(scaled, out=scaled)
                scaled -= cents[0]
                part |= scaled.astype(np.int64)
            else:
                part |= np.arange(start, stop, dtype=np.int64)
        if not all_used:
            part = part[use[start:stop]]
        key[filled : filled + len(part)] = part
        filled += len(part)
    rows = None
    if revenue is None or cents is not None or pack_rows:
        key.sort()
    else:
        by_key = np.argsort(key)
        key = key[by_key]
        rows = (by_key if all_used else np.flatnonzero(use)[by_key]).astype(np.int64, copy=False)
    return _SortedKeys(
        key,
        period_bits,
        low_bits,
        period_low,
        table,
        None if cents is None else cents[0],
        rows,
    )


def _reduce_chunk(
    keys: _SortedKeys,
    revenue: FloatArray | None,
    start: int,
    stop: int,
    include_first: bool,
    out: _PerCustomer,
) -> None:
    """Reduce the sorted orders ``start:stop`` (whole customers) into ``out``."""
    key = keys.key[start:stop]
    pair = key >> keys.low_bits if keys.low_bits else key
    new = np.empty(len(pair), dtype=bool)
    new[0] = True
    np.not_equal(pair[1:], pair[:-1], out=new[1:])
    starts = np.flatnonzero(new)  # first order of each occasion
    occasion = pair[starts]
    customer = occasion >> keys.period_bits
    n_occasions = len(starts)
    is_first = np.empty(n_occasions, dtype=bool)
    is_first[0] = True
    np.not_equal(customer[1:], customer[:-1], out=is_first[1:])
    head = np.flatnonzero(is_first)  # first occasion of each customer
    tail = np.append(head[1:] - 1, n_occasions - 1)  # last occasion of each customer
    who = customer[head]
    code_mask = np.int64((1 << keys.period_bits) - 1)
    out.n_periods[who] = np.diff(head, append=n_occasions)
    out.first[who] = keys.periods(occasion[head] & code_mask)
    out.last[who] = keys.periods(occasion[tail] & code_mask)
    if revenue is None or out.spend is None:
        return
    sums = keys.revenue(revenue, start, stop, starts)
    np.logical_not(new, out=new)
    extra = np.flatnonzero(new)  # orders after the first of their occasion
    if len(extra):
        # The occasions of several orders: sum the revenue of each in ascending order, so
        # that the row order of the table cannot change a result even in the last bit.
        of_extra = np.searchsorted(starts, extra, side="right") - 1
        distinct = np.empty(len(of_extra), dtype=bool)
        distinct[0] = True
        np.not_equal(of_extra[1:], of_extra[:-1], out=distinct[1:])
        multi = of_extra[distinct]
        positions = np.sort(np.concatenate((starts[multi], extra)))  # by occasion
        values = keys.revenue(revenue, start, stop, positions)
        if keys.cents_low is None:  # not sorted by the keys
            of_value = np.searchsorted(starts, positions, side="right") - 1
            values = values[np.lexsort((values, of_value))]
        sums[multi] = np.add.reduceat(values, np.searchsorted(positions, starts[multi]))
    if not include_first:
        sums[head] = 0.0
    low, high = int(who[0]), int(who[-1])
    out.spend[low : high + 1] = np.bincount(customer - low, weights=sums, minlength=high - low + 1)


def _per_customer(
    customer: IntArray,
    period: IntArray,
    revenue: FloatArray | None,
    n_customers: int,
    use: BoolArray,
    include_first: bool,
) -> _PerCustomer:
    """Merge the orders of ``use`` into (customer, period) occasions; reduce per customer.

    One sort by (customer, period) (see :func:`_sort_keys`); the runs of equal pairs are
    the occasions, and the first occasion of each customer is the first run of its
    block. The sorted orders are reduced a chunk of whole customers at a time.
    Customers without an order in ``use`` get zeros.
    """
    out = _PerCustomer(
        np.zeros(n_customers, dtype=np.int64),
        np.zeros(n_customers, dtype=np.int64),
        np.zeros(n_customers, dtype=np.int64),
        None if revenue is None else np.zeros(n_customers),
    )
    if n_customers == 0 or not use.any():
        return out
    keys = _sort_keys(customer, period, use, n_customers, revenue)
    n = len(keys.key)
    shift = keys.period_bits + keys.low_bits
    start = 0
    while start < n:
        stop = min(start + _CHUNK, n)
        if stop < n:  # extend the chunk to the last order of its last customer
            last_key = (((int(keys.key[stop - 1]) >> shift) + 1) << shift) - 1
            stop = int(np.searchsorted(keys.key, last_key, side="right"))
        _reduce_chunk(keys, revenue, start, stop, include_first, out)
        start = stop
    return out


def _mean(total: FloatArray, count: IntArray) -> FloatArray:
    """``total / count``, 0 where ``count`` is 0 (lifetimes' ``fillna(0)``)."""
    out = np.zeros(len(total))
    np.divide(total, count, out=out, where=count > 0)
    return out


# --------------------------------------------------------------------------- public API


def rfm_summary(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    revenue: str | None = None,
    observation_period_end: Any = None,
    time_unit: str = "D",
    include_first_transaction: bool = False,
    allow_refunds: bool = False,
) -> pd.DataFrame:
    """Frequency, recency, age (T) and monetary value of every customer.

    The per-customer summary that BG/NBD, Pareto/NBD and Gamma-Gamma models are fitted
    to, with exactly the semantics of lifetimes'
    ``summary_data_from_transaction_data`` (and pymc-marketing's ``rfm_summary``):

    1. Order dates become periods of ``time_unit`` (``Series.dt.to_period``).
    2. Orders in a period after the period of ``observation_period_end`` are dropped;
       orders later in that same period are kept (lifetimes compares periods, so
       ``observation_period_end="2024-03-31"`` keeps every order of March 31 whatever
       its time of day, and with ``time_unit="W"`` every order of that week).
    3. A customer's orders in one period are merged into one purchase occasion, their
       revenue summed.
    4. Per customer, with periods counted as whole numbers of ``time_unit``:
       ``frequency`` = occasions - 1 (the repeat occasions), ``recency`` = last
       occasion - first occasion, ``T`` = period of ``observation_period_end`` - first
       occasion, ``monetary_value`` = mean revenue of the repeat occasions (0 for a
       customer without any).

    Guest orders (missing customer id) are left out; customers whose first order is
    after the observation end are not in the result.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order (or order line: rows of one period are merged anyway).
    customer : str
        Customer id column; a missing id marks a guest order.
    date : str
        Order date or timestamp column (datetime64, or strings pandas can parse).
        Time-zone aware dates are taken as wall time in their own zone.
    revenue : str, optional
        Order value column; adds ``monetary_value``.
    observation_period_end : date-like, optional
        End of the observation period: its period is included. Default: the last order
        date of the table (guest orders included, as in lifetimes).
    time_unit : str, default "D"
        pandas period alias: "D" (days), "W" (weeks ending on Sunday; "W-SAT" etc. end
        on another day), "M", "Q", "Y", "h", "min", "s". ``recency`` and ``T`` are
        whole numbers of these periods: with "W" they count weeks between the weeks of
        the two dates (not days / 7), as lifetimes does. With "M", "Q" and "Y" they
        count calendar months, quarters or years; lifetimes 0.11 fails there on
        current pandas (older versions divided days by an average month or year).
    include_first_transaction : bool, default False
        lifetimes' option: ``frequency`` counts all occasions (the first included) and
        ``monetary_value`` is the mean of all occasions; ``recency`` and ``T`` are
        unchanged. Use it for RFM segmentation, not for fitting BG/NBD-type models.
        (pymc-marketing's option of the same name also turns ``recency`` into
        ``T - recency`` and drops ``T``; here ``T - recency`` stays a difference of two
        columns, which :func:`rfm_scores` uses.)
    allow_refunds : bool, default False
        Accept negative revenue (refunds); they net out within an occasion.

    Returns
    -------
    pandas.DataFrame
        One row per customer, indexed by customer id (the index is named after the
        ``customer`` column, sorted), float64 columns ``frequency``, ``recency``,
        ``T`` and, with ``revenue``, ``monetary_value``: the frame lifetimes returns,
        in id order.

    Raises
    ------
    ValueError
        For an unknown column, a bad ``time_unit`` or ``observation_period_end``,
        invalid dates or revenue, or when no customer order falls in or before the
        observation end.

    See Also
    --------
    rfm_calibration_holdout : the summary of a calibration period and holdout counts.
    rfm_scores : quantile scores and segments from the summary.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.rfm import rfm_summary
    >>> orders = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "b", "c", None],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11",
    ...                             "2024-01-05", "2024-01-21", "2024-01-31"]),
    ...     "value": [10.0, 5.0, 20.0, 8.0, 12.0, 30.0]})
    >>> rfm_summary(orders, customer="customer", date="date", revenue="value")
              frequency  recency     T  monetary_value
    customer
    a               1.0     10.0  30.0            20.0
    b               0.0      0.0  26.0             0.0
    c               0.0      0.0  10.0             0.0

    Customer a bought twice on January 1 (one occasion worth 15) and once on January
    11; the guest order (no id) only sets the default end, January 31. In weeks
    (ending on Sunday), counting every occasion:

    >>> rfm_summary(orders, customer="customer", date="date", revenue="value",
    ...             time_unit="W", include_first_transaction=True)
              frequency  recency    T  monetary_value
    customer
    a               2.0      1.0  4.0            17.5
    b               1.0      0.0  4.0             8.0
    c               1.0      0.0  2.0            12.0
    """
    freq = _period_freq(time_unit)
    occ = _occasions(
        orders,
        customer=customer,
        date=date,
        revenue=revenue,
        observation_period_end=observation_period_end,
        freq=freq,
        unit=time_unit,
        allow_refunds=allow_refunds,
    )
    include_first = check_bool("include_first_transaction", include_first_transaction)
    stats = _per_customer(
        occ.customer, occ.period, occ.revenue, len(occ.customer_ids), occ.use, include_first
    )
    ids = occ.customer_ids
    present = stats.n_periods > 0  # customers with an order up to the observation end
    if not present.all():
        stats, ids = stats.take(present), ids[present]
    return _summary_frame(stats, occ.end, include_first, ids)


def _summary_frame(
    stats: _PerCustomer, end: int, include_first: bool, ids: pd.Index[Any], suffix: str = ""
) -> pd.DataFrame:
    """The summary columns of ``stats`` (reduced with the same ``include_first``).

    The columns are computed into the one float64 block the frame holds.
    """
    frequency = stats.n_periods if include_first else stats.n_periods - 1
    names = ["frequency", "recency", "T"] + ([] if stats.spend is None else ["monetary_value"])
    values = np.empty((len(names), len(ids)))
    np.copyto(values[0], frequency, casting="safe")
    np.subtract(stats.last, stats.first, out=values[1])
    np.subtract(end, stats.first, out=values[2])
    if stats.spend is not None:
        values[3] = 0.0  # lifetimes' fillna(0) for customers without repeat occasions
        np.divide(stats.spend, frequency, out=values[3], where=frequency > 0)
    frame: pd.DataFrame = pd.DataFrame(
        values.T, index=ids, columns=[name + suffix for name in names], copy=False
    )
    return frame


def rfm_calibration_holdout(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    calibration_period_end: Any,
    observation_period_end: Any = None,
    revenue: str | None = None,
    time_unit: str = "D",
    allow_refunds: bool = False,
) -> pd.DataFrame:
    """RFM summary of a calibration period, with the purchases of the holdout period after it.

    The frame lifetimes' ``calibration_and_holdout_data`` returns, for validating a
    model fitted on the calibration period against what happened next. With periods of
    ``time_unit`` (see :func:`rfm_summary`), ``P(x)`` the period of date ``x``:

    - the calibration orders are those in periods up to ``P(calibration_period_end)``;
      the customers are those with a calibration order (first purchase in or before
      that period); ``frequency_cal``, ``recency_cal``, ``T_cal`` and
      ``monetary_value_cal`` are :func:`rfm_summary` of the calibration orders with
      ``observation_period_end=calibration_period_end``;
    - the holdout orders are those in periods after ``P(calibration_period_end)`` up to
      ``P(observation_period_end)``; ``frequency_holdout`` is the number of holdout
      periods in which the customer ordered (every one counts, there is no first
      purchase to drop), ``monetary_value_holdout`` the mean revenue of those
      occasions (0 without any), and ``duration_holdout`` =
      ``P(observation_period_end) - P(calibration_period_end)`` periods.

    Differences from lifetimes 0.11, documented choices: lifetimes cuts the two
    periods at the exact timestamps rather than at period boundaries, so with
    ``time_unit="W"`` and a mid-week calibration end one week can count in both
    periods; here every order belongs to exactly one period. The results agree
    whenever both ends are period boundaries (e.g. dates without time of day with
    "D"). lifetimes' ``monetary_value_holdout`` is the mean of the individual holdout
    orders; here it is the mean per occasion, like ``monetary_value_cal`` (and
    pymc-marketing's ``rfm_train_test_split``). lifetimes raises when the holdout
    period has no order; here those customers get zeros.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order.
    customer : str
        Customer id column; a missing id marks a guest order (left out).
    date : str
        Order date or timestamp column.
    calibration_period_end : date-like
        Last date of the calibration period; its period belongs to the calibration.
    observation_period_end : date-like, optional
        Last date of the holdout period; default: the last order date of the table.
        It must fall in a later period than ``calibration_period_end``.
    revenue : str, optional
        Order value column; adds ``monetary_value_cal`` and ``monetary_value_holdout``.
    time_unit : str, default "D"
        pandas period alias, as in :func:`rfm_summary`.
    allow_refunds : bool, default False
        Accept negative revenue (refunds).

    Returns
    -------
    pandas.DataFrame
        One row per calibration customer (indexed by id, sorted), float64 columns
        ``frequency_cal``, ``recency_cal``, ``T_cal``, [``monetary_value_cal``],
        ``frequency_holdout``, [``monetary_value_holdout``], ``duration_holdout``.

    Raises
    ------
    ValueError
        If ``calibration_period_end`` is not in an earlier period than
        ``observation_period_end``, if no customer ordered by the calibration end, or
        for the input errors of :func:`rfm_summary`.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.rfm import rfm_calibration_holdout
    >>> orders = pd.DataFrame({
    ...     "customer": ["a", "a", "a", "b", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-20",
    ...                             "2024-01-08", "2024-01-25", "2024-01-15"]),
    ...     "value": [10.0, 20.0, 30.0, 5.0, 15.0, 40.0]})
    >>> rfm_calibration_holdout(orders, customer="customer", date="date",
    ...                         calibration_period_end="2024-01-10", revenue="value").T
    customer                   a     b
    frequency_cal            1.0   0.0
    recency_cal              4.0   0.0
    T_cal                    9.0   2.0
    monetary_value_cal      20.0   0.0
    frequency_holdout        1.0   1.0
    monetary_value_holdout  30.0  15.0
    duration_holdout        15.0  15.0

    Customer c, whose first order is in the holdout period, is not a calibration
    customer.
    """
    freq = _period_freq(time_unit)
    occ = _occasions(
        orders,
        customer=customer,
        date=date,
        revenue=revenue,
        observation_period_end=observation_period_end,
        freq=freq,
        unit=time_unit,
        allow_refunds=allow_refunds,
    )
    cal_stamp = _naive(
        parse_date(calibration_period_end, "calibration_period_end"),
        occ.tz,
        "calibration_period_end",
    )
    end_name = (
        "observation_period_end"
        if observation_period_end is not None
        else "observation_period_end (default: the last order date)"
    )
    if cal_stamp > occ.end_stamp:
        raise ValueError(f"calibration_period_end={cal_stamp} is after {end_name}={occ.end_stamp}")
    cal_end = _ordinal(cal_stamp, freq)
    if cal_end >= occ.end:
        raise ValueError(
            f"calibration_period_end={cal_stamp} falls in the same {time_unit!r} period "
            f"as {end_name}={occ.end_stamp}: the holdout period would be empty"
        )
    in_cal = occ.period <= cal_end
    use_cal = occ.use & in_cal
    if not use_cal.any():
        raise ValueError(
            f"no customer order falls in or before the period of calibration_period_end="
            f"{cal_stamp}: there are no calibration customers"
        )
    n_all = len(occ.customer_ids)
    cal = _per_customer(occ.customer, occ.period, occ.revenue, n_all, use_cal, False)
    is_cal_customer = cal.n_periods > 0
    # Holdout orders of the calibration customers; a guest order (code -1) picks the
    # appended False.
    use_hold = np.append(is_cal_customer, False)[occ.customer]
    use_hold &= occ.use
    use_hold &= ~in_cal
    hold = _per_customer(occ.customer, occ.period, occ.revenue, n_all, use_hold, True)
    ids = occ.customer_ids
    if not is_cal_customer.all():
        cal, hold = cal.take(is_cal_customer), hold.take(is_cal_customer)
        ids = ids[is_cal_customer]
    frame = _summary_frame(cal, cal_end, False, ids, suffix="_cal")
    frame["frequency_holdout"] = hold.n_periods.astype(np.float64)
    if hold.spend is not None:
        frame["monetary_value_holdout"] = _mean(hold.spend, hold.n_periods)
    frame["duration_holdout"] = float(occ.end - cal_end)
    return frame


def _group_scores(counts: IntArray, n_bins: int) -> IntArray:
    """The score of each distinct value (sorted ascending), given how many customers have it.

    Equal-count binning that never splits a tie; see :func:`rfm_scores` for the rule.
    """
    k = len(counts)
    if k == 1:
        return np.array([(n_bins + 1) // 2], dtype=np.int64)
    if k <= n_bins:  # one value per score, spread evenly from 1 to n_bins
        j = np.arange(k, dtype=np.int64)
        spread: IntArray = 1 + (2 * j * (n_bins - 1) + (k - 1)) // (2 * (k - 1))
        return spread
    cum = np.cumsum(counts, dtype=np.int64)
    n = int(cum[-1])
    scores = np.empty(k, dtype=np.int64)
    start = 0  # first value of the current bin
    for score in range(1, n_bins):
        left = n_bins - score + 1  # bins still to fill, this one included
        done = int(cum[start - 1]) if start else 0
        # The bin should end where the cumulative count reaches done + (n - done) / left;
        # in units of 1 / left, so that the comparison is exact.
        target = done * left + (n - done)
        lowest, highest = start, k - (n_bins - score) - 1  # leave a value for each later bin
        i = int(np.searchsorted(cum * left, target))
        candidates = [min(max(c, lowest), highest) for c in (i - 1, i)]
        end = min(candidates, key=lambda c: (abs(int(cum[c]) * left - target), c))
        scores[start : end + 1] = score
        start = end + 1
    scores[start:] = n_bins
    return scores


def _quantile_scores(values: FloatArray, n_bins: int) -> IntArray:
    """Scores 1..n_bins of the values: equal-count bins that keep ties together."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    result: IntArray = _group_scores(counts.astype(np.int64), n_bins)[inverse.ravel()]
    return result


def _summary_column(summary: pd.DataFrame, name: str) -> FloatArray:
    column = get_column(summary, name, "summary column")
    try:
        values = np.asarray(column.to_numpy(dtype=np.float64, na_value=np.nan))
    except (ValueError, TypeError):
        raise TypeError(f"summary column {name!r} must hold numbers; got {column.dtype}") from None
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"summary column {name!r} has {int(bad.sum())} missing or infinite value(s); "
            "scores need a value for every customer"
        )
    return values


def rfm_scores(summary: pd.DataFrame, *, n_bins: int = 5) -> pd.DataFrame:
    """Add recency, frequency and monetary quantile scores and an R/F segment.

    **Scores.** Each score runs from 1 to ``n_bins``, higher is better: ``r_score`` from the time
    since the last purchase, ``T - recency`` (smaller is better: a more recent buyer
    scores higher), ``f_score`` from ``frequency``, ``m_score`` from
    ``monetary_value`` (only when the summary has that column). Scores are quantile
    bins of equal counts of customers, except that customers with equal values always
    share a bin. With the ``k`` distinct values sorted, the bins are filled in order:

    - bin ``b`` starts at the first value not yet binned; with ``d`` customers binned
      so far, it should hold ``(n - d) / (n_bins - b + 1)`` customers (an equal share
      of the rest), so it ends at the distinct value whose cumulative count is closest
      to ``d + (n - d) / (n_bins - b + 1)`` (on a tie, the smaller value), keeping at
      least one value for each later bin; the last bin takes the rest;
    - with ``k <= n_bins`` each distinct value is a bin of its own, spread evenly:
      the ``j``-th smallest (``j = 0 .. k - 1``) scores
      ``1 + round(j (n_bins - 1) / (k - 1))`` (halves rounded up); if every customer
      has the same value, all score the middle ``(n_bins + 1) // 2``.

    So ties share a score, scores never decrease as the value grows, the lowest value
    scores 1 and (with two or more distinct values) the highest ``n_bins``, and
    distinct values give the usual equal-count quantile bins. A heavy tie fills its
    own bin and the other customers are spread over the remaining scores: when 60 %
    of the customers have ``frequency`` 0, they score 1 and the repeat buyers share
    scores 2 to ``n_bins`` equally (``pandas.qcut`` would fail or drop bins, and
    ranking with ``method="first"`` would give equal customers different scores).
    The rule depends only on the multiset of values, never on the row order.

    **rfm_score** is the digits of ``r_score``, ``f_score`` and ``m_score`` (or of the
    first two without monetary value), e.g. ``"545"``.

    **segment** names a rectangle of the grid of R and F levels, see
    :data:`RFM_SEGMENTS` (levels are the scores when ``n_bins=5``; otherwise a score
    ``s`` is placed on the 5-level grid at the middle of its quantile band,
    ``level = floor(5 (s - 1/2) / n_bins) + 1``):

    ===================  ========  =========
    segment              R level   F level
    ===================  ========  =========
    champions            5         4-5
    loyal                3-4       4-5
    potential loyalists  4-5       2-3
    new                  5         1
    promising            4         1
    need attention       3         3
    about to sleep       3         1-2
    cannot lose          1-2       5
    at risk              1-2       3-4
    hibernating          2         1-2
    lost                 1         1-2
    ===================  ========  =========

    For segmentation, summarise with ``include_first_transaction=True`` so that
    ``frequency`` and ``monetary_value`` count every purchase (with the default, a
    one-time buyer has ``monetary_value`` 0).

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`rfm_summary` (columns ``frequency``, ``recency``, ``T`` and
        optionally ``monetary_value``), or any frame with those columns.
    n_bins : int, default 5
        Number of score levels, 2..9 (one digit each in ``rfm_score``).

    Returns
    -------
    pandas.DataFrame
        A copy of ``summary`` with int64 columns ``r_score``, ``f_score``,
        [``m_score``], string column ``rfm_score`` and categorical ``segment``
        (categories in the order of :data:`RFM_SEGMENTS`).

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.rfm import rfm_scores
    >>> summary = pd.DataFrame({"frequency": [0.0, 0.0, 0.0, 2.0, 5.0, 1.0],
    ...                         "recency": [0.0, 0.0, 0.0, 40.0, 80.0, 10.0],
    ...                         "T": [90.0, 30.0, 5.0, 50.0, 85.0, 95.0],
    ...                         "monetary_value": [0.0, 0.0, 0.0, 25.0, 40.0, 10.0]},
    ...                        index=pd.Index(list("abcdef"), name="customer"))
    >>> rfm_scores(summary)[["r_score", "f_score", "m_score", "rfm_score", "segment"]]
              r_score  f_score  m_score rfm_score        segment
    customer
    a               1        1        1       111            lost
    b               3        1        1       311  about to sleep
    c               5        1        1       511             new
    d               4        4        4       444           loyal
    e               5        5        5       555       champions
    f               2        2        2       222     hibernating

    The three one-time buyers share the lowest F score; the four distinct frequencies
    (0, 1, 2, 5) are spread over the scores 1, 2, 4 and 5.
    """
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"summary must be a pandas DataFrame; got {type(summary).__name__}")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)):
        raise TypeError(f"n_bins must be an integer from 2 to 9; got {n_bins!r}")
    if not 2 <= n_bins <= 9:
        raise ValueError(f"n_bins must be an integer from 2 to 9; got {n_bins}")
    if len(summary) == 0:
        raise ValueError("summary has no rows: there are no customers to score")
    bins = int(n_bins)
    frequency = _summary_column(summary, "frequency")
    gap = _summary_column(summary, "T") - _summary_column(summary, "recency")
    r = _quantile_scores(-gap, bins)  # a shorter time since the last purchase is better
    f = _quantile_scores(frequency, bins)
    out: pd.DataFrame = summary.copy()
    out["r_score"] = r
    out["f_score"] = f
    code = r * 10 + f
    if "monetary_value" in summary.columns:
        m = _quantile_scores(_summary_column(summary, "monetary_value"), bins)
        out["m_score"] = m
        code = code * 10 + m
    out["rfm_score"] = pd.Series(code, index=summary.index).astype(str)
    r_level = (10 * r - 5) // (2 * bins)
    f_level = (10 * f - 5) // (2 * bins)
    out["segment"] = pd.Categorical.from_codes(
        _SEGMENT_GRID[r_level, f_level], categories=pd.Index(_SEGMENT_NAMES)
    )
    return out
