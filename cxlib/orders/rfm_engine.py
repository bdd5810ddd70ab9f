"""``rfm_summary`` on a frame of another engine: the per-customer summary in the engine.

The engine numbers the period of every order (integer arithmetic on the calendar
date, which every engine computes alike), merges the orders of a customer and period
into occasions, and reduces them per customer: occasions, first and last period,
revenue in all and in the first period. Only that per-customer table is collected;
recency, age and monetary value follow in numpy, as for pandas input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from ..core.frames import EngineFrame, collect
from ..core.validation import NanPolicy, show_values
from .dates import parse_date
from .engine_dates import DAY, floor_div, with_days
from .rfm_occasions import ordinal

__all__ = [
    "Affine",
    "EngineOccasions",
    "calibrate",
    "engine_occasions",
    "engine_rfm_summary",
    "no_orders_error",
    "period_number",
    "summary_frame",
]

#: Days added before a floor division so that every dividend is positive (a multiple
#: of 7 and of the days of 400 Gregorian years), and months likewise.
_DAY_SHIFT = 146_097 * 10
_MONTH_SHIFT = 12 * 10_000


@dataclass(frozen=True)
class Affine:
    """``ordinal = (base + shift) // divisor + offset`` on days or months since 1970."""

    on_days: bool
    shift: int
    divisor: int
    offset: int


def calibrate(freq: BaseOffset, unit: str) -> Affine:
    """The affine floor map from days (or months) since 1970 to pandas period ordinals.

    Found by matching pandas on several years of consecutive days (months) and checked
    exactly on all of them, so the engine numbers periods as ``to_period`` does.
    """
    days = np.arange(-800, 3_000, dtype=np.int64)
    stamps = pd.DatetimeIndex(days.astype("datetime64[D]"))
    want = np.asarray(stamps.to_period(freq).asi8)  # type: ignore[arg-type]
    months = (stamps.year.to_numpy() - 1970) * 12 + stamps.month.to_numpy() - 1
    for on_days, base, divisors in ((True, days, (1, 7)), (False, months, (1, 3, 12))):
        for divisor in divisors:
            for shift in range(divisor):
                got = (base + shift) // divisor
                offset = int(want[0] - got[0])
                if np.array_equal(got + offset, want):
                    return Affine(on_days, shift, divisor, offset)
    raise ValueError(
        f"time_unit {unit!r} is not available on engine frames; use days, "
        "weeks, months, quarters or years (or pandas data)"
    )


def _with_period(rows: nw.LazyFrame[Any], date: str, affine: Affine) -> nw.LazyFrame[Any]:
    """``rows`` with ``__cx_period``, the period number of each order's date.

    Periods follow from the calendar day (or month) by the affine floor map, in
    integer arithmetic (see :mod:`cxlib.orders.engine_dates`).
    """
    rows = with_days(rows, date)
    if not affine.on_days:
        months = (nw.col("__cx_y") - 1970) * 12 + nw.col("__cx_m") - 1
        return rows.with_columns(period_number(months, affine).alias("__cx_period"))
    return rows.with_columns(period_number(nw.col(DAY), affine).alias("__cx_period"))


def period_number(base: nw.Expr, affine: Affine) -> nw.Expr:
    """The period number of days (months, if not ``affine.on_days``) since 1970 ``base``.

    A shift makes every dividend positive, so that the engines' integer divisions,
    floor or truncating, agree.
    """
    shift = _DAY_SHIFT if affine.on_days else _MONTH_SHIFT
    return floor_div(base + (shift + affine.shift), affine.divisor) + (
        affine.offset - shift // affine.divisor
    )


def _check_types(ef: EngineFrame, customer: str, date: str, revenue: str | None) -> None:
    dtype = ef.schema[date]
    if dtype == nw.Date:
        pass
    elif isinstance(dtype, nw.Datetime):
        # Spark's timestamps always carry the session's zone, in which it numbers days.
        if dtype.time_zone is not None and ef.engine != "pyspark":
            raise ValueError(
                f"date column {date!r} has the time zone {dtype.time_zone} in the "
                f"{ef.engine} frame; engines number days in different zones, so give "
                "naive local times (convert them to local time and drop the zone first)"
            )
    else:
        raise TypeError(
            f"date column {date!r} must hold dates (Date or Datetime) in the {ef.engine} "
            f"frame; got {dtype}; parse it in the engine first"
        )
    if revenue is not None and (not ef.is_numeric(revenue) or ef.schema[revenue] == nw.Boolean):
        raise TypeError(
            f"revenue column {revenue!r} must hold numbers; got {ef.schema[revenue]} in "
            f"the {ef.engine} frame"
        )


@dataclass(frozen=True)
class EngineOccasions:
    """An engine's orders checked and numbered by period, up to the observation end.

    ``used`` holds the readable customer orders in or before the period of the end
    (``end``, a period number; ``end_stamp`` the date it came from), with the column
    ``__cx_period``; ``n_missing`` counts the unreadable rows a summary reads.
    """

    rows: nw.LazyFrame[Any]
    used: nw.LazyFrame[Any]
    counted: nw.Expr  # marks the rows counted in n_missing
    customer: str
    revenue: str | None
    end: int
    end_stamp: pd.Timestamp
    n_missing: int
    nan_policy: NanPolicy

    def mark_missing(self, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """Record ``n_missing``; under "propagate", NaN in ``columns`` for the customers
        with an unreadable row (as :func:`cxlib.rfm_summary` does for pandas)."""
        if self.nan_policy == "propagate" and self.n_missing:
            customer = self.customer
            marked = self.rows.filter(~nw.col(customer).is_null() & self.counted)
            bad = collect(marked.select(customer).unique())[customer]
            frame.loc[frame.index.isin(bad), columns] = np.nan
        frame.attrs["n_missing"] = self.n_missing
        return frame


def engine_occasions(
    ef: EngineFrame,
    *,
    customer: str,
    date: str,
    revenue: str | None,
    as_of: object,
    freq: BaseOffset,
    unit: str,
    allow_refunds: bool,
    nan_policy: NanPolicy,
) -> EngineOccasions:
    """Check an engine's orders and number their periods (the arguments of
    :func:`cxlib.rfm_summary`); only the checks and the missing rows are collected."""
    customer = ef.require(customer, "customer")
    date = ef.require(date, "date")
    if revenue is not None:
        revenue = ef.require(revenue, "revenue")
    _check_types(ef, customer, date, revenue)
    affine = calibrate(freq, unit)
    rows = ef.frame
    flags = [nw.col(date).is_null().alias("__cx_no_date")]
    if revenue is not None:
        value = nw.col(revenue).cast(nw.Float64)
        flags.append((value.is_null() | value.is_nan()).alias("__cx_no_value"))
    rows = rows.with_columns(*flags)
    readable = ~nw.col("__cx_no_date")
    if revenue is not None:
        readable = readable & ~nw.col("__cx_no_value")
    checks = _checks(rows, customer, date, revenue, readable)
    if revenue is not None:
        _check_values(rows, revenue, checks, allow_refunds)
    if checks["n_customer"] == 0:
        raise ValueError(
            f"customer column {customer!r} holds no customer id (every order is a guest "
            "order): there are no customers to summarise"
        )
    if as_of is None:
        if pd.isna(checks["last"]):
            raise ValueError("every order has a missing date or revenue: no orders to analyse")
        end_stamp = pd.Timestamp(checks["last"])
        if end_stamp.tzinfo is not None:
            # Spark's timestamps come back in its session zone, in which it numbers the
            # days: their wall time is the end, as for naive dates.
            end_stamp = end_stamp.tz_localize(None)
    else:
        end_stamp = parse_date(as_of, "as_of")
        if end_stamp.tzinfo is not None:
            raise ValueError(f"as_of={end_stamp} has a time zone but the date column has none")
    end = ordinal(end_stamp, freq)
    rows = _with_period(rows, date, affine)
    in_time = nw.col("__cx_period") <= end
    counted = nw.col("__cx_no_date")
    if revenue is not None:
        counted = counted | (nw.col("__cx_no_value") & in_time)
    n_missing = int(collect(rows.select(counted.cast(nw.Int64).sum().alias("m"))).fillna(0)["m"][0])
    if n_missing and nan_policy == "raise":
        raise ValueError(
            f"orders has {n_missing} row(s) with a missing date or revenue; pass "
            "nan_policy='omit' to skip them (counted in n_missing)"
        )
    used = rows.filter(~nw.col(customer).is_null() & readable & in_time)
    if revenue is not None:
        used = used.with_columns(nw.col(revenue).cast(nw.Float64).alias("__cx_value"))
    return EngineOccasions(
        rows=rows,
        used=used,
        counted=counted,
        customer=customer,
        revenue=revenue,
        end=end,
        end_stamp=end_stamp,
        n_missing=n_missing,
        nan_policy=nan_policy,
    )


def no_orders_error(end_stamp: pd.Timestamp, unit: str) -> ValueError:
    return ValueError(
        f"no customer order falls in or before the period of as_of={end_stamp} (time_unit {unit!r})"
    )


def engine_rfm_summary(
    ef: EngineFrame,
    *,
    customer: str,
    date: str,
    revenue: str | None,
    as_of: object,
    freq: BaseOffset,
    unit: str,
    include_first: bool,
    allow_refunds: bool,
    nan_policy: NanPolicy,
) -> pd.DataFrame:
    """:func:`cxlib.rfm_summary` of an engine frame (see there for the semantics)."""
    occ = engine_occasions(
        ef,
        customer=customer,
        date=date,
        revenue=revenue,
        as_of=as_of,
        freq=freq,
        unit=unit,
        allow_refunds=allow_refunds,
        nan_policy=nan_policy,
    )
    table = _per_customer(occ.used, occ.customer, occ.revenue)
    if table.empty:
        raise no_orders_error(occ.end_stamp, unit)
    frame = summary_frame(table, occ.customer, occ.end, include_first, occ.revenue is not None)
    return occ.mark_missing(frame, list(frame.columns))


def _checks(
    rows: nw.LazyFrame[Any], customer: str, date: str, revenue: str | None, readable: nw.Expr
) -> dict[str, Any]:
    """One pass over the rows: the last readable date and the counts the checks need."""
    aggs = [
        nw.col("__cx_last").max().alias("last"),
        (~nw.col(customer).is_null()).cast(nw.Int64).sum().alias("n_customer"),
    ]
    prepared = rows.with_columns(nw.when(readable).then(nw.col(date)).alias("__cx_last"))
    if revenue is not None:
        value = nw.col(revenue).cast(nw.Float64)
        prepared = prepared.with_columns(
            (value.abs() > np.finfo(np.float64).max).cast(nw.Int64).alias("__cx_inf"),
            (value < 0).cast(nw.Int64).alias("__cx_negative"),
        )
        aggs += [nw.col("__cx_inf").sum().alias("inf"), nw.col("__cx_negative").sum().alias("neg")]
    found = collect(prepared.select(*aggs))
    return {k: found[k].iloc[0] for k in found.columns}


def _check_values(
    rows: nw.LazyFrame[Any], revenue: str, checks: dict[str, Any], allow_refunds: bool
) -> None:
    def sample(condition: nw.Expr) -> str:
        picked = rows.filter(condition).select(nw.col(revenue).cast(nw.Float64)).head(5)
        return show_values(collect(picked)[revenue].to_numpy(dtype=np.float64))

    value = nw.col(revenue).cast(nw.Float64)
    if (checks.get("inf") or 0) > 0:
        shown = sample(value.abs() > np.finfo(np.float64).max)
        raise ValueError(f"revenue column {revenue!r} must be finite; found {shown}")
    if not allow_refunds and (checks.get("neg") or 0) > 0:
        raise ValueError(
            f"revenue column {revenue!r} has negative values {sample(value < 0)}; pass "
            "allow_refunds=True to accept refunds"
        )


def _per_customer(used: nw.LazyFrame[Any], customer: str, revenue: str | None) -> pd.DataFrame:
    """Occasions, first and last period and revenue per customer, in the engine."""
    aggs = [nw.len().alias("__cx_orders")]
    if revenue is not None:
        aggs.append(nw.col("__cx_value").sum())
    occasions = used.group_by(customer, "__cx_period").agg(*aggs)
    sums = [
        nw.len().alias("n_periods"),
        nw.col("__cx_period").min().alias("first"),
        nw.col("__cx_period").max().alias("last"),
    ]
    if revenue is None:
        table = collect(occasions.group_by(customer).agg(*sums))
        return table.sort_values(customer, kind="stable").reset_index(drop=True)
    per = occasions.group_by(customer).agg(*sums, nw.col("__cx_value").sum().alias("total"))
    # The revenue of each customer's first occasion: a join on (customer, first period),
    # cheaper in the engines than a window over the customer.
    firsts = occasions.join(
        per.select(customer, nw.col("first").alias("__cx_period")),
        on=[customer, "__cx_period"],
        how="inner",
    ).select(customer, nw.col("__cx_value").alias("first_total"))
    table = collect(per.join(firsts, on=customer, how="left"))
    return table.sort_values(customer, kind="stable").reset_index(drop=True)


def summary_frame(
    table: pd.DataFrame, customer: str, end: int, include_first: bool, with_revenue: bool
) -> pd.DataFrame:
    n = table["n_periods"].to_numpy(dtype=np.float64)
    first = table["first"].to_numpy(dtype=np.float64)
    frequency = n if include_first else n - 1
    columns: dict[str, Any] = {
        "frequency": frequency,
        "recency": table["last"].to_numpy(dtype=np.float64) - first,
        "T": end - first,
    }
    if with_revenue:
        spend = table["total"].to_numpy(dtype=np.float64)
        if not include_first:
            spend = spend - table["first_total"].to_numpy(dtype=np.float64)
        monetary = np.zeros(len(n))
        np.divide(spend, frequency, out=monetary, where=frequency > 0)
        columns["monetary_value"] = monetary
    index = pd.Index(table[customer], name=customer)
    return pd.DataFrame(columns, index=index)
