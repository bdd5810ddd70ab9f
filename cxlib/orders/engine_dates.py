"""Calendar days and times of an engine's date column, by integer arithmetic.

Engines differ in how they turn dates into numbers (some have no epoch function, some
count in their session's time zone), but all of them read the year, month, day, hour,
minute, second and nanosecond of a date alike. Days since 1970-01-01 follow from those
by the civil-from-days inverse of H. Hinnant's ``days_from_civil``, and nanoseconds
since 1970 from the days and the time of day: integer arithmetic that every engine
computes alike, so orders are placed in the same window and period on every engine.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

__all__ = ["DAY", "NANOS", "floor_div", "with_days", "with_nanos"]

#: Column names of the staged numbers; chosen not to clash with user columns.
DAY = "__cx_day"
NANOS = "__cx_ns"
_NS_PER_SECOND = 1_000_000_000
_SECONDS_PER_DAY = 86_400


def floor_div(expr: nw.Expr, divisor: int) -> nw.Expr:
    """``expr // divisor`` as a 64-bit integer (SQLFrame's floor division gives floats)."""
    return (expr // divisor).cast(nw.Int64)


def with_days(rows: nw.LazyFrame[Any], date: str) -> nw.LazyFrame[Any]:
    """``rows`` with :data:`DAY` (days since 1970-01-01) and ``__cx_y``/``__cx_m``.

    Each step is a column of its own: engines then evaluate the year, month and day
    once, and the expressions stay small (some engines bind nested expressions slowly).
    Every term is positive for the years of nanosecond timestamps (1677-2262), so floor
    and truncating division agree. Rows without a date get 1970-01-01 (they are left
    out later; a missing value cannot be cast to an integer on every engine).
    """
    col = nw.col(date)
    rows = rows.with_columns(
        *(
            part.fill_null(default).cast(nw.Int64).alias(name)
            for part, default, name in (
                (col.dt.year(), 1970, "__cx_y"),
                (col.dt.month(), 1, "__cx_m"),
                (col.dt.day(), 1, "__cx_d"),
            )
        )
    )
    year, month, day = nw.col("__cx_y"), nw.col("__cx_m"), nw.col("__cx_d")
    rows = rows.with_columns(
        (year - nw.when(month <= 2).then(nw.lit(1)).otherwise(nw.lit(0))).alias("__cx_yy"),
        nw.when(month > 2).then(month - 3).otherwise(month + 9).alias("__cx_mp"),
    )
    yy, mp = nw.col("__cx_yy"), nw.col("__cx_mp")
    rows = rows.with_columns(
        floor_div(yy, 400).alias("__cx_era"),
        (floor_div(mp * 153 + 2, 5) + day - 1).alias("__cx_doy"),
    )
    era, doy = nw.col("__cx_era"), nw.col("__cx_doy")
    rows = rows.with_columns((yy - era * 400).alias("__cx_yoe"))
    yoe = nw.col("__cx_yoe")
    days = era * 146_097 + yoe * 365 + floor_div(yoe, 4) - floor_div(yoe, 100) + doy - 719_468
    return rows.with_columns(days.alias(DAY))


def with_nanos(
    rows: nw.LazyFrame[Any], date: str, is_date: bool, *, zoned: bool = False
) -> nw.LazyFrame[Any]:
    """``rows`` with :data:`DAY` and :data:`NANOS` (nanoseconds since 1970-01-01).

    ``is_date``: the column holds dates without a time of day (midnight). ``zoned``:
    it holds zone-aware timestamps (Polars, pyarrow, pandas or Dask only); the times are then
    instants (nanoseconds since 1970-01-01 UTC) and the days local calendar days, as
    for pandas data. Engines with microsecond timestamps give whole microseconds. Rows
    without a date get 0.
    """
    day_ns = _SECONDS_PER_DAY * _NS_PER_SECOND
    engine = rows.implementation
    if engine.is_polars() or engine.is_pyarrow() or engine.is_pandas() or engine.is_dask():
        # These engines count nanoseconds since 1970 themselves, in one cheap step (on
        # Dask, the long arithmetic below makes every query slow to plan and to run).
        col = nw.col(date)
        rows = rows.with_columns(col.dt.timestamp("ns").fill_null(0).cast(nw.Int64).alias(NANOS))
        if zoned:
            wall = col.dt.replace_time_zone(None).dt.timestamp("ns").fill_null(0)
            return rows.with_columns((wall.cast(nw.Int64) // day_ns).alias(DAY))
        return rows.with_columns((nw.col(NANOS) // day_ns).alias(DAY))
    rows = with_days(rows, date)
    if is_date:
        return rows.with_columns((nw.col(DAY) * day_ns).alias(NANOS))
    col = nw.col(date)
    rows = rows.with_columns(
        *(
            part.fill_null(0).cast(nw.Int64).alias(name)
            for part, name in (
                (col.dt.hour(), "__cx_hh"),
                (col.dt.minute(), "__cx_mi"),
                (col.dt.second(), "__cx_ss"),
                (_nanosecond(rows, col), "__cx_nn"),
            )
        )
    )
    seconds = (
        nw.col(DAY) * _SECONDS_PER_DAY
        + nw.col("__cx_hh") * 3_600
        + nw.col("__cx_mi") * 60
        + nw.col("__cx_ss")
    )
    return rows.with_columns((seconds * _NS_PER_SECOND + nw.col("__cx_nn")).alias(NANOS))


def _nanosecond(rows: nw.LazyFrame[Any], col: nw.Expr) -> nw.Expr:
    """Nanoseconds within the second (Ibis reads whole microseconds only)."""
    if rows.implementation.is_ibis():
        return col.dt.microsecond() * 1_000
    return col.dt.nanosecond()
