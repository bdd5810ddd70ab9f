"""Per-customer reduction of purchase occasions, with no Python loop over customers.

When the revenue is whole cents (or absent), the occasions are the orders less those
that repeat a (customer, period) key, found by hashing (:func:`cxlib.core.repeats.repeats`);
first and last periods and the spend are per-customer reductions, the spend an exact sum
of cents. Otherwise the orders are packed into sorted int64 keys (customer, period, then
the position of the order) and the runs of equal (customer, period) are the occasions,
their revenue summed in ascending order so that the row order cannot change a result.
Used by :mod:`cxlib.orders.rfm`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.grouping import distinct
from ..core.repeats import repeats

__all__ = ["PerCustomer", "mean_or_zero", "per_customer"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PerCustomer:
    """Per customer: purchase occasions, first and last period, spend of the occasions.

    ``spend`` sums the revenue of the occasions after the first, or of all of them when
    they were reduced with ``include_first``.
    """

    n_periods: IntArray
    first: IntArray
    last: IntArray
    spend: FloatArray | None

    def take(self, mask: BoolArray) -> PerCustomer:
        """The customers of ``mask``."""
        return PerCustomer(
            np.compress(mask, self.n_periods),
            np.compress(mask, self.first),
            np.compress(mask, self.last),
            None if self.spend is None else np.compress(mask, self.spend),
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
    out: PerCustomer,
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


def per_customer(
    customer: IntArray,
    period: IntArray,
    revenue: FloatArray | None,
    n_customers: int,
    use: BoolArray,
    include_first: bool,
) -> PerCustomer:
    """Merge the orders of ``use`` into (customer, period) occasions; reduce per customer.

    One sort by (customer, period) (see :func:`_sort_keys`); the runs of equal pairs are
    the occasions, and the first occasion of each customer is the first run of its
    block. The sorted orders are reduced a chunk of whole customers at a time.
    Customers without an order in ``use`` get zeros.
    """
    out = PerCustomer(
        np.zeros(n_customers, dtype=np.int64),
        np.zeros(n_customers, dtype=np.int64),
        np.zeros(n_customers, dtype=np.int64),
        None if revenue is None else np.zeros(n_customers),
    )
    if n_customers == 0 or not use.any():
        return out
    if _reduce_exact(customer, period, revenue, use, include_first, out):
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


def _exact_cents(revenue: FloatArray) -> FloatArray | None:
    """Revenue in cents as exact float64 integers, or None.

    None unless every value is the float64 nearest to a whole number of cents (``c /
    100`` gives it back) and the absolute cents sum to less than 2**52, so that every
    partial sum in any order is exact. (``revenue`` holds no NaN.)
    """
    cents = revenue * _CENTS
    np.rint(cents, out=cents)
    if not np.array_equal(cents / _CENTS, revenue):
        return None
    # n times the largest cents bounds their sum; the sum itself only when it must.
    largest = max(-float(np.min(cents)), float(np.max(cents)))
    if largest * len(cents) < 2.0**52 or float(np.abs(cents).sum()) < 2.0**52:
        return cents
    return None


def _reduce_exact(
    customer: IntArray,
    period: IntArray,
    revenue: FloatArray | None,
    use: BoolArray,
    include_first: bool,
    out: PerCustomer,
) -> bool:
    """Reduce with exact sums of cents and the repeats of narrow (customer, period) keys.

    First and last periods are per-customer minima and maxima; the occasions are the
    orders less those that repeat a (customer, period) key (:func:`repeats`, which
    sorts only the keys that may repeat). The spend is the customer's total minus that
    of the orders of the first period, each a sum of whole cents held exactly in
    float64, so no order of the rows can change it. False (nothing done) when the
    revenue is not whole cents or the keys do not fit in 62 bits.

    Orders outside ``use`` (guest orders, orders after the end) are taken out of the
    keys only; in the other arrays they go to an extra customer 0 (the customers are
    shifted by one), dropped at the end, which costs less than a copy of each array.
    """
    n_customers = len(out.n_periods)
    cents = None
    if revenue is not None:
        cents = _exact_cents(revenue)
        if cents is None:
            return False
    everything = bool(use.all())
    # The range of all the periods holds that of the orders used, and is found faster.
    low, high = int(period.min()), int(period.max())
    period_bits = (high - low).bit_length()
    bits = (n_customers + 1).bit_length() + period_bits
    if bits > _KEY_BITS:
        return False
    who = customer + 1
    if not everything:
        who *= use  # guest orders (code -1) are at 0 already
    dtype: type[np.signedinteger[Any]] = np.int32 if bits <= 31 else np.int64
    key: npt.NDArray[np.signedinteger[Any]] = who.astype(dtype)
    key <<= period_bits
    # Adding the period and then taking ``low`` away may wrap around in between, but
    # the result fits in the key (integer arithmetic modulo 2**32 or 2**64).
    key += period.astype(dtype, copy=False)
    key -= np.array(low).astype(dtype)  # wrapped too, when ``low`` exceeds the key type
    if not everything:
        key = np.compress(use, key)  # (the keys of every order are freed)
    repeated = repeats(key)  # the orders after the first of their occasion
    del key
    repeated >>= period_bits
    size = n_customers + 1
    n_orders = np.bincount(who, minlength=size)
    n_orders -= np.bincount(repeated.astype(np.intp), minlength=size)
    first = np.full(size, np.iinfo(np.int64).max)
    np.minimum.at(first, who, period)
    last = np.full(size, np.iinfo(np.int64).min)
    np.maximum.at(last, who, period)
    out.n_periods[:] = n_orders[1:]
    buyer = out.n_periods > 0
    np.copyto(out.first, first[1:], where=buyer)
    np.copyto(out.last, last[1:], where=buyer)
    if cents is None or out.spend is None:
        return True
    if not include_first:
        # Cents of the orders after the first period; exact, so the order of the sums
        # does not matter.
        np.multiply(cents, period != first[who], out=cents)
    spend = np.bincount(who, weights=cents, minlength=size)
    np.divide(spend[1:], _CENTS, out=out.spend)
    return True


def mean_or_zero(total: FloatArray, count: IntArray) -> FloatArray:
    """``total / count``, 0 where ``count`` is 0 (lifetimes' ``fillna(0)``)."""
    out = np.zeros(len(total))
    np.divide(total, count, out=out, where=count > 0)
    return out
