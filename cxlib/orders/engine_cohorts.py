"""Acquisition cohorts of an engine's orders: the cells counted in the engine.

The engine numbers the calendar period of every order (an affine floor map on days or
months since 1970, calibrated against pandas by :func:`cxlib.orders.rfm_engine.calibrate`;
months follow from the day by integer arithmetic), sums the orders of each (customer,
period), finds each customer's cohort and first period (minima per customer), joins
them back to those (customer, period) rows, and counts the distinct (customer, period
offset) pairs and the revenue per (group, cohort, offset) cell. Only those cells are
collected: the cohort sizes are the counts at offset 0 (a customer is active in the
period of their first order), and the intervals need nothing else.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

import narwhals as nw
import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.frames import collect
from ..core.grouping import dense_rank
from .engine_dates import DAY, floor_div
from .engine_table import CUSTOMER, VALUE, EngineOrders, customer_codes
from .inference import mixed_groups_error
from .rfm_engine import Affine, calibrate, period_number

__all__ = ["Cells", "calendar_map", "engine_cells"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Frequency = Literal["D", "W", "M", "Q"]
#: Days from 0000-03-01 to 1970-01-01, and months from 0000-03 to 1970-01.
_EPOCH_DAYS = 719_468
_EPOCH_MONTHS = 1970 * 12 - 2


@dataclass(frozen=True)
class Cells:
    """The (group, cohort) cells, and what counts in them per period offset.

    ``group``, ``cohort`` and ``size`` have one element per cell, sorted by group and
    cohort (``cohort`` numbered as :func:`cxlib.orders.cohorts._period_index` does).
    ``active`` holds entries (cell, offset, customers) and ``spent`` entries (cell,
    offset, revenue), summed per (cell, offset); ``spent`` is None without revenue.
    """

    group: IntArray
    cohort: IntArray
    size: IntArray
    active: tuple[IntArray, IntArray, FloatArray]
    spent: tuple[IntArray, IntArray, FloatArray] | None


def calendar_map(freq: Frequency) -> Affine:
    """Days (or months) since 1970 to calendar periods numbered from the period of
    1970-01-01 (period 0), as ``cxlib.orders.cohorts`` numbers them."""
    pandas_freq = pd.PeriodDtype(freq).freq
    affine = calibrate(pandas_freq, freq)
    origin = pd.Period("1970-01-01", freq=freq).ordinal
    return dataclasses.replace(affine, offset=affine.offset - origin)


def _with_months(rows: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """``rows`` with ``__cx_months``, months since 1970-01 of the day :data:`DAY`.

    H. Hinnant's ``civil_from_days``, in March-based years, one step per column; every
    dividend is positive for the dates of nanosecond timestamps.
    """
    rows = rows.with_columns((nw.col(DAY) + _EPOCH_DAYS).alias("__cx_z"))
    rows = rows.with_columns(floor_div(nw.col("__cx_z"), 146_097).alias("__cx_era"))
    rows = rows.with_columns((nw.col("__cx_z") - nw.col("__cx_era") * 146_097).alias("__cx_doe"))
    doe = nw.col("__cx_doe")
    rows = rows.with_columns(
        floor_div(
            doe - floor_div(doe, 1_460) + floor_div(doe, 36_524) - floor_div(doe, 146_096), 365
        ).alias("__cx_yoe")
    )
    yoe = nw.col("__cx_yoe")
    rows = rows.with_columns(
        (doe - (yoe * 365 + floor_div(yoe, 4) - floor_div(yoe, 100))).alias("__cx_doy")
    )
    march_month = floor_div(nw.col("__cx_doy") * 5 + 2, 153)  # 0 = March .. 11 = February
    months = nw.col("__cx_era") * 4_800 + yoe * 12 + march_month - _EPOCH_MONTHS
    return rows.with_columns(months.alias("__cx_months"))


def _with_periods(rows: nw.LazyFrame[Any], freqs: dict[str, Frequency]) -> nw.LazyFrame[Any]:
    """``rows`` with a column of period numbers per name of ``freqs``."""
    affines = {name: calendar_map(freq) for name, freq in freqs.items()}
    if not all(a.on_days for a in affines.values()):
        rows = _with_months(rows)
    return rows.with_columns(
        period_number(nw.col(DAY if a.on_days else "__cx_months"), a).alias(name)
        for name, a in affines.items()
    )


def _check_one_group(firsts: nw.LazyFrame[Any]) -> None:
    """The error of pandas when some customer's orders fall in several groups."""
    counted = firsts.group_by(CUSTOMER).agg(nw.len().alias("__cx_n"))
    mixed = collect(counted.filter(nw.col("__cx_n") > 1).select(CUSTOMER))
    if len(mixed):
        _, ids = customer_codes(mixed)
        raise mixed_groups_error("cohort_retention", len(ids), ids)


def engine_cells(eo: EngineOrders, cohort: Frequency, period: Frequency) -> Cells:
    """The cells of :func:`cxlib.cohort_retention` of an engine's orders."""
    rows = eo.rows.filter(~nw.col(CUSTOMER).is_null())
    rows = _with_periods(rows, {"__cx_c": cohort, "__cx_p": period})
    # The orders of each (customer, period) first, then each customer's cohort and
    # first period: those of their first day, as the period numbers grow with the day.
    sums = [nw.col("__cx_c").min()]
    if eo.has_revenue:
        sums.append(nw.col(VALUE).sum())
    periods = rows.group_by(*eo.by, CUSTOMER, "__cx_p").agg(*sums)
    firsts = periods.group_by(*eo.by, CUSTOMER).agg(
        nw.col("__cx_c").min().alias("__cx_cohort"), nw.col("__cx_p").min().alias("__cx_p0")
    )
    if eo.by:
        _check_one_group(firsts)
    joined = periods.join(firsts.select(CUSTOMER, "__cx_cohort", "__cx_p0"), on=CUSTOMER)
    joined = joined.with_columns((nw.col("__cx_p") - nw.col("__cx_p0")).alias("__cx_k"))
    cell_sums = [nw.len().alias("__cx_customers")]
    if eo.has_revenue:
        cell_sums.append(nw.col(VALUE).sum())
    table = collect(joined.group_by(*eo.by, "__cx_cohort", "__cx_k").agg(*cell_sums))

    group = eo.group_codes(table)
    g = np.zeros(len(table), dtype=np.int64) if group is None else group.astype(np.int64)
    cohort_of = table["__cx_cohort"].to_numpy(dtype=np.int64)
    k = table["__cx_k"].to_numpy(dtype=np.int64)
    customers = table["__cx_customers"].to_numpy(dtype=np.float64)
    cohorts, cohort_code = dense_rank(cohort_of)
    width = max(len(cohorts), 1)
    cells, cell_of = dense_rank(g * len(cohorts) + cohort_code)
    first = k == 0  # every customer is active in the period of their first order
    size = np.bincount(cell_of[first], weights=customers[first], minlength=len(cells))
    spent = None
    if eo.has_revenue:
        spent = (cell_of, k, table[VALUE].to_numpy(dtype=np.float64, na_value=0.0))
    return Cells(
        group=(cells // width).astype(np.int64),
        cohort=cohorts[cells % width].astype(np.int64),
        size=np.rint(size).astype(np.int64),
        active=(cell_of, k, customers),
        spent=spent,
    )
