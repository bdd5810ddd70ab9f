"""The one reader of dates and durations of the order functions.

Order dates arrive as datetime64 of any unit, time-zone aware or naive, Arrow
timestamps, strings or ``datetime`` objects; date arguments (``as_of``,
``period_start``, ...) as strings, ``datetime``, Timestamps or Periods; windows and
gaps as numbers of days or timedeltas. Everything is read here, once, into
nanosecond timestamps, and whatever cannot be read right (numbers read as
nanoseconds, dates outside the range of nanosecond timestamps, mixed time zones) is
refused with an error naming the argument.
"""

from __future__ import annotations

import datetime
import numbers
import warnings
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.errors import OutOfBoundsDatetime, OutOfBoundsTimedelta

from ..core.validation import show_values

__all__ = ["check_zone", "parse_date", "parse_dates", "parse_duration"]


#: Dates are held as nanoseconds since 1970: the range they can express, with a day's
#: margin at each end so that a time zone's offset cannot carry a date out of it.
_FIRST_DAY = np.datetime64("1677-09-23", "D")
_LAST_DAY = np.datetime64("2262-04-10", "D")
_RANGE = f"between {_FIRST_DAY} and {_LAST_DAY}"

#: Types pandas infers for an object column that holds dates or date strings only.
_DATE_TYPES = ("string", "datetime", "datetime64", "date", "empty")


def _number_in(series: pd.Series[Any]) -> pd.Series[Any]:
    """The entries of an object column that are numbers or booleans (not dates)."""
    # pandas would read them as nanoseconds since 1970; only a mixed column gets here.
    flags = series.map(lambda v: isinstance(v, (numbers.Number, np.number, np.bool_)))
    found: pd.Series[Any] = series[flags.to_numpy(dtype=bool) & series.notna().to_numpy()]
    return found


def _check_range(days: npt.NDArray[np.datetime64], what: str) -> None:
    if len(days) == 0:
        return
    low, high = days.min(), days.max()
    if low < _FIRST_DAY or high > _LAST_DAY:
        shown = low if low < _FIRST_DAY else high
        raise ValueError(
            f"{what} must lie {_RANGE} (the range of nanosecond timestamps); got {shown}"
        )


def _to_datetime(series: pd.Series[Any], warn: str) -> pd.Series[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter(warn)  # type: ignore[arg-type]
        parsed: pd.Series[Any] = pd.to_datetime(series, errors="raise")
    return parsed


def _parse_text(series: pd.Series[Any], what: str) -> pd.Series[Any]:
    """Dates from strings or date objects; a format pandas must guess element by element
    is an error, and so is a date outside the range of nanosecond timestamps."""
    out_of_range = f"{what} must lie {_RANGE} (the range of nanosecond timestamps)"
    try:
        return _to_datetime(series, "error")
    except OutOfBoundsDatetime as exc:
        raise ValueError(f"{out_of_range}: {exc}") from None
    except (ValueError, TypeError, OverflowError, Warning) as exc:
        if isinstance(exc, Warning):  # the warning may hide the real reason: look again
            try:
                _to_datetime(series, "ignore")
            except OutOfBoundsDatetime as again:
                raise ValueError(f"{out_of_range}: {again}") from None
            except (ValueError, TypeError, OverflowError):
                pass
        raise ValueError(f"{what} holds values that are not dates: {exc}") from None


def parse_dates(series: pd.Series[Any], name: str) -> pd.Series[Any]:
    """The one parser of order dates: a datetime64[ns] column (naive or time-zone aware).

    Accepts datetime64 of any unit (pandas 3 keeps seconds, milliseconds or microseconds),
    time-zone aware dates, Arrow timestamps and strings (or ``datetime`` objects) pandas
    can parse. Refuses numbers (also integers inside an object column, which pandas
    would read as nanoseconds since 1970), missing dates, mixed time zones and dates
    outside the range of nanosecond timestamps (instead of letting them wrap around).
    """
    what = f"date column {name!r}"
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype) and pd.api.types.is_datetime64_any_dtype(dtype):
        tz = getattr(dtype.pyarrow_dtype, "tz", None)
        unit: Literal["s", "ms", "us", "ns"] = getattr(dtype.pyarrow_dtype, "unit", "ns")
        target = np.dtype(f"datetime64[{unit}]") if tz is None else pd.DatetimeTZDtype(unit, tz)
        series = series.astype(target)
        dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        parsed = series
    elif pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        raise TypeError(
            f"{what} must hold dates (datetime64 or date strings); got "
            f"{dtype}; numbers such as 19970101 need "
            "pd.to_datetime(col.astype(str), format='%Y%m%d')"
        )
    else:
        mixed = isinstance(dtype, np.dtype) and dtype.kind == "O"
        if mixed and pd.api.types.infer_dtype(series, skipna=True) not in _DATE_TYPES:
            numbers_found = _number_in(series)
            if len(numbers_found):
                raise TypeError(
                    f"{what} must hold dates; found {len(numbers_found):,} number(s) "
                    f"{show_values(numbers_found.to_numpy())} (pandas would read them as "
                    "nanoseconds since 1970); convert them to dates first"
                )
        parsed = _parse_text(series, what)
        if not pd.api.types.is_datetime64_any_dtype(parsed.dtype):
            raise ValueError(
                f"{what} holds dates of several time zones; convert them to one zone first"
            )
    # Missing dates stay NaT: the caller counts them under its nan_policy.
    # Calendar days in the column's own unit: no cast to nanoseconds before the check.
    wall = parsed.dt.tz_localize(None) if parsed.dt.tz is not None else parsed
    low, high = wall.min(), wall.max()  # missing dates skipped
    if not pd.isna(low):
        _check_range(
            np.array([low.to_datetime64(), high.to_datetime64()]).astype("datetime64[D]"), what
        )
    if parsed.dt.unit != "ns":
        parsed = parsed.dt.as_unit("ns")
    return parsed


def parse_date(value: object, name: str) -> pd.Timestamp:
    """The one parser of a date argument (``as_of``, ``period_start``, ...).

    A string, ``datetime``/``date``, numpy datetime64 or pandas Timestamp; a pandas
    Period gives its start. Numbers, booleans, None, impossible dates ("2024-13-45")
    and dates outside the range of nanosecond timestamps are refused naming ``name``.
    """
    if isinstance(value, pd.Period):
        value = value.start_time
    if value is None or isinstance(value, (bool, int, float, np.number, np.bool_)):
        raise TypeError(
            f"{name} must be a date (a string such as '2024-01-01', a datetime or a pandas "
            f"Timestamp); got {type(value).__name__} {value!r}"
        )
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(
            f"{name} must be a date such as '2024-01-01'; got {value!r} ({exc})"
        ) from None
    if not isinstance(stamp, pd.Timestamp) or pd.isna(stamp):
        raise ValueError(f"{name} must be a date such as '2024-01-01'; got {value!r}")
    utc = stamp.tz_convert(None) if stamp.tzinfo is not None else stamp
    _check_range(np.array([utc.to_datetime64()]).astype("datetime64[D]"), name)
    ns: pd.Timestamp = stamp.as_unit("ns")
    return ns


def check_zone(stamp: pd.Timestamp, name: str, tz: Any, other: str) -> None:
    """Refuse a date argument naive where ``other`` has a time zone, or the reverse."""
    if (stamp.tzinfo is None) != (tz is None):
        if tz is None:
            raise ValueError(
                f"{name}={stamp} has a time zone but {other} has none; pass a date without "
                "a time zone (or localise the dates)"
            )
        raise ValueError(
            f"{name}={stamp} has no time zone but {other} is in {tz}; pass a date with a "
            f"time zone, e.g. pd.Timestamp('{stamp}', tz='{tz}')"
        )


def parse_duration(value: object, name: str, *, none_allowed: bool = False) -> pd.Timedelta:
    """A positive duration: a number of days, a pandas/numpy/datetime timedelta.

    The one parser of ``window``, ``within`` and ``inactivity``: finite, positive and
    within the range of nanosecond timedeltas (about 292 years), or an error naming
    ``name``.
    """
    kinds = "a number of days, a pandas Timedelta" + (" or None" if none_allowed else "")
    try:
        if isinstance(value, (pd.Timedelta, datetime.timedelta, np.timedelta64)):
            span = pd.Timedelta(value)
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
            value, (bool, np.bool_)
        ):
            if not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number of days; got {value!r}")
            span = pd.Timedelta(days=float(value))
        else:
            raise TypeError(f"{name} must be {kinds}; got {value!r}")
        if not pd.isna(span):
            span = span.as_unit("ns")  # pandas 3 keeps longer spans in coarser units
    except (OverflowError, OutOfBoundsTimedelta):
        raise ValueError(
            f"{name} must be at most about 106,000 days (the range of nanosecond "
            f"timedeltas); got {value!r}"
        ) from None
    if pd.isna(span) or span <= pd.Timedelta(0):
        raise ValueError(f"{name} must be a positive duration; got {value!r}")
    positive: pd.Timedelta = span
    return positive
