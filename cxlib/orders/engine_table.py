"""Order tables of other engines: checked, windowed and reduced in the engine.

The engine counterpart of :func:`cxlib.orders.table.prepare_orders`. Two passes over
the rows collect a few numbers: the checks (finite, non-negative revenue, the range of
the dates, the last readable date) and, per group of ``by=``, the unreadable rows and
the orders of the window. The orders of the window stay a lazy query of the engine,
with the calendar day and the time of each order as integers (see
:mod:`cxlib.orders.engine_dates`); each metric reduces them to the per-customer table
it needs, and only that table is collected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.files import is_path, read
from ..core.frames import EngineFrame, collect, engine_frame, is_engine_frame
from ..core.grouping import Groups, factorize, make_groups, normalise_by
from ..core.validation import NanPolicy, check_bool, check_nan_policy, show_values
from .dates import check_zone, parse_date
from .engine_dates import DAY, NANOS, with_nanos
from .table import OrderData, prepare_orders, window_start

__all__ = [
    "CUSTOMER",
    "VALUE",
    "EngineOrders",
    "as_engine_frame",
    "customer_codes",
    "prepare_engine_orders",
    "read_orders",
]

#: Staged columns of the window's orders: the customer id (null for a guest order) and
#: the revenue as float64.
CUSTOMER = "__cx_customer"
VALUE = "__cx_value"
_NO_DATE = "__cx_no_date"
_NO_VALUE = "__cx_no_value"
_KEEP = "__cx_keep"
_MISSING = "__cx_missing"
#: Days since 1970 of the first and last dates nanosecond timestamps can hold (with a
#: day's margin), as :mod:`cxlib.orders.dates` checks them for pandas.
_FIRST_DAY = int(np.datetime64("1677-09-23", "D").astype(np.int64))
_LAST_DAY = int(np.datetime64("2262-04-10", "D").astype(np.int64))


def read_orders(orders: object, **arguments: Any) -> OrderData | EngineOrders:
    """The orders of the window of a pandas frame, an engine's frame or a file.

    Keyword arguments are those of :func:`cxlib.orders.table.prepare_orders`.
    """
    ef = as_engine_frame(orders)
    if ef is None:
        return prepare_orders(orders, **arguments)
    return prepare_engine_orders(ef, **arguments)


def as_engine_frame(orders: object) -> EngineFrame | None:
    """``orders`` as an engine frame when it is one (or a path to read); else None."""
    if is_path(orders):
        orders = read(orders)  # type: ignore[arg-type]  # is_path narrows to a path
    if is_engine_frame(orders):
        return engine_frame(orders, "orders")
    return None


@dataclass(frozen=True)
class EngineOrders:
    """The orders of the window in the engine, and what was collected about them.

    ``rows`` holds the readable orders with ``as_of - window < date <= as_of``: the
    ``by`` columns, :data:`CUSTOMER`, the calendar day ``__cx_day``, the time
    ``__cx_ns`` (nanoseconds since 1970) and, with revenue, :data:`VALUE`. ``groups``
    codes the groups of all rows of the table, as :func:`make_groups` codes them;
    ``n_missing`` counts the unreadable rows per group.
    """

    rows: nw.LazyFrame[Any]
    engine: str
    by: list[str]
    groups: Groups | None
    group_table: pd.DataFrame | None  # the distinct keys of ``groups``, one row each
    n_missing: npt.NDArray[np.int64]
    nan_policy: NanPolicy
    as_of: pd.Timestamp
    start: pd.Timestamp | None
    has_revenue: bool

    @property
    def n_groups(self) -> int:
        return 1 if self.groups is None else self.groups.n_groups

    def group_codes(self, table: pd.DataFrame) -> npt.NDArray[np.intp] | None:
        """The group code of every row of a collected table (None without ``by``)."""
        if self.group_table is None:
            return None
        both = pd.concat([self.group_table, table[self.by]], ignore_index=True)
        coded = make_groups(both, self.by)
        if coded.n_groups != self.n_groups:  # pragma: no cover - the keys are a subset
            raise RuntimeError("group keys of the order table changed between queries")
        return coded.codes[len(self.group_table) :].astype(np.intp)


def customer_codes(table: pd.DataFrame) -> tuple[npt.NDArray[np.intp], pd.Index[Any]]:
    """Codes of the customer ids of a collected table, in sorted id order (as pandas)."""
    codes, ids = factorize(table[CUSTOMER])
    return codes.astype(np.intp), ids


#: Engines whose timestamps keep their own time zone in the data type; the others
#: (DuckDB, Spark) number days in their session's zone.
_ZONED_ENGINES = ("polars", "pyarrow", "dask")


@dataclass(frozen=True)
class _DateKind:
    is_date: bool  # dates without a time of day
    zone: str | None  # the time zone of zone-aware timestamps


def _check_types(ef: EngineFrame, date: str, revenue: str | None, guest: str | None) -> _DateKind:
    """Refuse columns of the wrong type; say what the date column holds."""
    dtype = ef.schema[date]
    zone = None
    if isinstance(dtype, nw.Datetime):
        zone = dtype.time_zone
        # Spark's timestamps always carry the session's zone, in which it numbers days.
        if zone is not None and ef.engine == "pyspark":
            zone = None
        elif zone is not None and ef.engine not in _ZONED_ENGINES:
            raise ValueError(
                f"date column {date!r} has the time zone {dtype.time_zone} in the "
                f"{ef.engine} frame, which numbers days in its session's zone; give naive "
                "local times (convert them to local time and drop the zone first)"
            )
    elif dtype != nw.Date:
        raise TypeError(
            f"date column {date!r} must hold dates (Date or Datetime) in the {ef.engine} "
            f"frame; got {dtype}; parse it in the engine first"
        )
    if revenue is not None and (not ef.is_numeric(revenue) or ef.schema[revenue] == nw.Boolean):
        raise TypeError(
            f"revenue column {revenue!r} must hold numbers; got {ef.schema[revenue]} in "
            f"the {ef.engine} frame"
        )
    if guest is not None and ef.schema[guest] != nw.Boolean:
        raise TypeError(
            f"guest column {guest!r} must be boolean without missing values; got "
            f"{ef.schema[guest]} in the {ef.engine} frame"
        )
    return _DateKind(is_date=bool(dtype == nw.Date), zone=zone)


def _sample(rows: nw.LazyFrame[Any], condition: nw.Expr, column: str) -> str:
    picked = rows.filter(condition).select(nw.col(column).cast(nw.Float64)).head(5)
    return show_values(collect(picked)[column].to_numpy(dtype=np.float64, na_value=np.nan))


def _checks(rows: nw.LazyFrame[Any], revenue: str | None, guest: str | None) -> dict[str, Any]:
    """One pass over the rows: the counts and extremes the checks need."""
    readable = ~nw.col(_NO_DATE) & ~nw.col(_NO_VALUE)
    staged = rows.with_columns(
        nw.when(readable).then(nw.col(NANOS)).alias("__cx_last"),
        nw.when(~nw.col(_NO_DATE)).then(nw.col(DAY)).alias("__cx_dated"),
    )
    aggs = [
        nw.len().alias("n"),
        nw.col("__cx_last").max().alias("last"),
        nw.col("__cx_dated").min().alias("first_day"),
        nw.col("__cx_dated").max().alias("last_day"),
    ]
    if revenue is not None:
        value = nw.col(VALUE)
        finite = ~nw.col(_NO_VALUE) & (value.abs() <= np.finfo(np.float64).max)
        staged = staged.with_columns(
            (~nw.col(_NO_VALUE) & ~finite).cast(nw.Int64).alias("__cx_inf"),
            (value < 0).fill_null(False).cast(nw.Int64).alias("__cx_negative"),
            nw.when(finite).then(value.abs()).alias("__cx_abs"),
            finite.cast(nw.Int64).alias("__cx_finite"),
        )
        aggs += [
            nw.col("__cx_inf").sum().alias("inf"),
            nw.col("__cx_negative").sum().alias("negative"),
            nw.col("__cx_abs").max().alias("largest"),
            nw.col("__cx_finite").sum().alias("n_finite"),
        ]
    if guest is not None:
        staged = staged.with_columns(nw.col(guest).is_null().cast(nw.Int64).alias("__cx_no_flag"))
        aggs.append(nw.col("__cx_no_flag").sum().alias("no_flag"))
    found = collect(staged.select(*aggs))
    return {k: found[k].iloc[0] for k in found.columns}


def _check_values(
    rows: nw.LazyFrame[Any],
    checks: dict[str, Any],
    date: str,
    revenue: str | None,
    guest: str | None,
    allow_refunds: bool,
) -> None:
    if int(checks["n"]) == 0:
        raise ValueError("orders is empty: no orders to analyse")
    low, high = checks["first_day"], checks["last_day"]
    if not pd.isna(low) and (int(low) < _FIRST_DAY or int(high) > _LAST_DAY):
        outside = np.datetime64(int(low if int(low) < _FIRST_DAY else high), "D")
        raise ValueError(
            f"date column {date!r} must lie between 1677-09-23 and 2262-04-10 (the range "
            f"of nanosecond timestamps); got {outside}"
        )
    if guest is not None and int(checks["no_flag"] or 0) > 0:
        raise TypeError(f"guest column {guest!r} must be boolean without missing values")
    if revenue is None:
        return
    value = nw.col(VALUE)
    if int(checks["inf"] or 0) > 0:
        shown = _sample(rows, ~nw.col(_NO_VALUE) & (value.abs() > np.finfo(np.float64).max), VALUE)
        raise ValueError(f"revenue column {revenue!r} must be finite; found {shown}")
    n_finite = int(checks["n_finite"] or 0)
    if n_finite:
        # The bound of :func:`cxlib.core.validation.check_magnitude`, on the same values.
        limit = math.sqrt(np.finfo(np.float64).max / n_finite) / 16.0
        if float(checks["largest"]) > limit:
            shown = _sample(rows, value.abs() > limit, VALUE)
            raise ValueError(
                f"revenue column {revenue!r} holds values too large to square and sum in "
                f"float64 (at most {limit:.3g} in absolute value for {n_finite:,} values): "
                f"{shown}; divide them by a constant (a power of ten) first"
            )
    if not allow_refunds and int(checks["negative"] or 0) > 0:
        raise ValueError(
            f"revenue column {revenue!r} has negative values {_sample(rows, value < 0, VALUE)}; "
            "pass allow_refunds=True to accept refunds"
        )


def prepare_engine_orders(
    ef: EngineFrame,
    *,
    customer: str,
    date: str,
    revenue: str | None = None,
    guest: str | None = None,
    as_of: object = None,
    window: object = 365,
    by: object = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    as_of_name: str = "as_of",
) -> EngineOrders:
    """Check an engine's orders table and keep the orders of ``(as_of - window, as_of]``.

    The arguments mean what they mean in :func:`cxlib.orders.table.prepare_orders`.
    """
    policy = check_nan_policy(nan_policy)
    allow_refunds = check_bool("allow_refunds", allow_refunds)
    customer = ef.require(customer, "customer")
    date = ef.require(date, "date")
    if revenue is not None:
        revenue = ef.require(revenue, "revenue")
    if guest is not None:
        guest = ef.require(guest, "guest")
    by_names = [] if by is None else [ef.require(b, "by") for b in normalise_by(by)]
    kind = _check_types(ef, date, revenue, guest)
    rows = with_nanos(ef.frame, date, kind.is_date, zoned=kind.zone is not None)
    staged = [nw.col(date).is_null().alias(_NO_DATE)]
    if revenue is not None:
        value = nw.col(revenue).cast(nw.Float64)
        staged += [value.alias(VALUE), (value.is_null() | value.is_nan()).alias(_NO_VALUE)]
    else:
        staged.append(nw.lit(False).alias(_NO_VALUE))
    rows = rows.with_columns(*staged)
    checks = _checks(rows, revenue, guest)
    _check_values(rows, checks, date, revenue, guest, allow_refunds)
    if as_of is None:
        if pd.isna(checks["last"]):
            raise ValueError(
                f"every order has a missing date or revenue ({int(checks['n'])} rows): no "
                "orders to analyse"
            )
        end = pd.Timestamp(int(checks["last"]), unit="ns")
        if kind.zone is not None:
            end = end.tz_localize("UTC").tz_convert(kind.zone)
    else:
        end = parse_date(as_of, as_of_name)
        check_zone(end, as_of_name, kind.zone, f"date column {date!r}")
    start = window_start(end, window)
    keep = ~nw.col(_NO_DATE) & (nw.col(NANOS) <= end.value)
    if start is not None:
        keep = keep & (nw.col(NANOS) > start.value)
    unreadable = nw.col(_NO_DATE) | nw.col(_NO_VALUE)
    missing = unreadable & (keep | nw.col(_NO_DATE))
    rows = rows.with_columns(missing.alias(_MISSING), (keep & ~missing).alias(_KEEP))
    groups, group_table, n_missing = _count_missing(rows, by_names, date, revenue, policy)
    identified = ~nw.col(customer).is_null()
    if guest is not None:
        identified = identified & ~nw.col(guest)
    window_rows = rows.filter(nw.col(_KEEP)).with_columns(
        nw.when(identified).then(nw.col(customer)).alias(CUSTOMER)
    )
    return EngineOrders(
        rows=window_rows,
        engine=ef.engine,
        by=by_names,
        groups=groups,
        group_table=group_table,
        n_missing=n_missing,
        nan_policy=policy,
        as_of=end,
        start=start,
        has_revenue=revenue is not None,
    )


def _count_missing(
    rows: nw.LazyFrame[Any],
    by: list[str],
    date: str,
    revenue: str | None,
    policy: NanPolicy,
) -> tuple[Groups | None, pd.DataFrame | None, npt.NDArray[np.int64]]:
    """The groups of all rows, and the unreadable rows of each (one pass)."""
    missing = nw.col(_MISSING)
    counts = rows.with_columns(
        missing.cast(nw.Int64).alias("__cx_m"),
        (missing & nw.col(_NO_DATE)).cast(nw.Int64).alias("__cx_m_date"),
        (missing & nw.col(_NO_VALUE)).cast(nw.Int64).alias("__cx_m_value"),
    )
    sums = [nw.col(c).sum() for c in ("__cx_m", "__cx_m_date", "__cx_m_value")]
    table = collect(counts.group_by(*by).agg(*sums) if by else counts.select(*sums))
    totals = table[["__cx_m", "__cx_m_date", "__cx_m_value"]].fillna(0).to_numpy(np.int64)
    if totals[:, 0].sum() > 0 and policy == "raise":
        parts = [(totals[:, 1].sum(), f"date column {date!r}")]
        if revenue is not None:
            parts.append((totals[:, 2].sum(), f"revenue column {revenue!r}"))
        found = "; ".join(f"{int(n)} in {what}" for n, what in parts)
        raise ValueError(
            f"orders has {int(totals[:, 0].sum())} row(s) with missing values ({found}); "
            "pass nan_policy='omit' to skip them (counted in n_missing)"
        )
    if not by:
        return None, None, totals[:, 0].astype(np.int64)
    groups = make_groups(table, by)
    n_missing = np.bincount(
        groups.codes.astype(np.intp), weights=totals[:, 0], minlength=groups.n_groups
    )
    return groups, table[by].reset_index(drop=True), np.rint(n_missing).astype(np.int64)
