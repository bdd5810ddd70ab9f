"""Acquisition-cohort retention: cohorts x periods since the first order, tidy or pivoted.

A customer's cohort is the calendar unit (day, week, month, quarter) of their first
order; each cell counts the cohort's customers active k periods later. Vectorised with
presence tables and ``numpy.bincount``; nothing loops over customers, cohorts or groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.grouping import dense_rank, distinct, tidy
from ..core.intervals import PROPORTION_CI_METHODS, ProportionCIMethod, proportion_interval
from ..core.validation import NanPolicy, check_choice, check_confidence_level
from .customers import NS_PER_DAY, identified, per_customer_min, to_ns
from .engine_cohorts import Cells, engine_cells
from .engine_table import EngineOrders, read_orders
from .inference import customer_groups, fill_docs
from .table import OrderData

__all__ = ["COHORT_FREQUENCIES", "CohortFrequency", "cohort_retention", "cohort_table"]

IntArray = npt.NDArray[np.int64]
#: Calendar units of cohorts and periods: day, week (Monday to Sunday), month, quarter.
CohortFrequency = Literal["D", "W", "M", "Q"]
COHORT_FREQUENCIES: tuple[CohortFrequency, ...] = ("D", "W", "M", "Q")


# ------------------------------------------------------------------------- cohorts


def _period_index(day: IntArray, freq: CohortFrequency) -> IntArray:
    """Calendar period of each day (days since 1970-01-01), numbered consecutively."""
    if freq == "D":
        return day
    if freq == "W":  # Monday-to-Sunday weeks; 1970-01-01 was a Thursday
        weeks: IntArray = (day + 3) // 7
        return weeks
    months = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months if freq == "M" else months // 3


def _period_first_day(index: IntArray, freq: CohortFrequency) -> IntArray:
    """First day of each calendar period (inverse of :func:`_period_index`)."""
    if freq == "D":
        return index
    if freq == "W":
        monday: IntArray = index * 7 - 3
        return monday
    months = index if freq == "M" else index * 3
    first: IntArray = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return first


def _last_complete_period(as_of_day: int, freq: CohortFrequency) -> int:
    """The last calendar period that has ended by the end of day ``as_of_day``."""
    current = _period_index(np.array([as_of_day], dtype=np.int64), freq)
    ends_today = _period_first_day(current + 1, freq)[0] == as_of_day + 1
    return int(current[0]) - (0 if ends_today else 1)


_COHORT_COLUMNS = ("cohort", "period", "customers", "cohort_size", "retention", "ci_low", "ci_high")
#: Columns a cohort_retention result may have besides the required ones and ``by``.
_OPTIONAL_COLUMNS = ("n_missing", "revenue")
_VALUES = ("retention", "customers", "cohort_size", "ci_low", "ci_high", *_OPTIONAL_COLUMNS)


def cohort_retention(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str | None = None,
    cohort: CohortFrequency = "M",
    period: CohortFrequency = "M",
    as_of: Any = None,
    by: str | Sequence[str] | None = None,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    ci_method: ProportionCIMethod = "modified-wilson",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Acquisition-cohort retention: share of each cohort active k periods after joining.

    - A customer's *cohort* is the calendar ``cohort`` unit (month, week, ...) of their
      first order up to ``as_of`` (all history counts).
    - An order is in *period* k of its customer if its calendar ``period`` unit is k
      units after that of the customer's first order (so period 0 is the unit of the
      first order, and ``retention`` is 100 there).
    - ``customers`` counts the cohort's customers with at least one order in period k;
      ``retention = 100 * customers / cohort_size``, with a binomial interval on
      ``cohort_size`` trials.
    - Only fully observed cells are returned: a cell (cohort, k) appears when period k
      has ended by ``as_of`` (inclusive, by calendar day) for *every* first-order date
      the cohort can hold, so a cohort's row count does not depend on its customers
      and partial periods never show as drops in retention. Periods without activity
      appear with 0 customers. Orders after ``as_of`` are ignored.

    Weeks run Monday to Sunday (pandas ``W``), quarters are calendar quarters.

    Parameters
    ----------
    orders : pandas.DataFrame, a frame of another engine, or a file path
        One row per order. Polars, pyarrow, DuckDB, Dask and Spark frames (and CSV or
        Parquet files, read by DuckDB) are counted in their engine: only the cells
        are collected.
    customer : str
        Customer id column; guest orders (missing id) are left out.
    date : str
        Order date or timestamp column.{optional}
    cohort : {{"D", "W", "M", "Q"}}, default "M"
        Calendar unit of the acquisition cohorts.
    period : {{"D", "W", "M", "Q"}}, default "M"
        Calendar unit in which the time since the first order is counted.
    as_of : date-like, optional
        End of the data, inclusive; default: the last order date.
    by : str or list of str, optional
        Customer attribute column(s); one set of cohorts per group.
    ci_method : {{"modified-wilson", "wilson", "wald", "agresti-coull", \
"clopper-pearson", "jeffreys"}}
        Binomial interval of the retention, default "modified-wilson".
    confidence_level : float, default 0.95
        Two-sided coverage of the interval.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per cell, sorted by ``[*by, cohort, period]``: columns ``*by``,
        ``cohort`` (pandas Period), ``period`` (int, 0, 1, ...), ``customers``,
        ``cohort_size``, ``retention`` (percent), ``ci_low``, ``ci_high``,
        ``n_missing`` (the group's unreadable rows, see ``nan_policy``) and, with
        ``revenue``, ``revenue`` (of the cohort's orders in period k). Use
        :func:`cohort_table` for the cohort x period table.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.cohorts import cohort_retention, cohort_table
    >>> orders = pd.DataFrame({
    ...     "customer": ["a", "a", "b", "b", "c", "d"],
    ...     "date": pd.to_datetime(["2024-01-03", "2024-02-10", "2024-01-20",
    ...                             "2024-03-05", "2024-02-02", "2024-03-31"])})
    >>> tidy = cohort_retention(orders, customer="customer", date="date")
    >>> tidy[["cohort", "period", "customers", "cohort_size", "retention"]]
        cohort  period  customers  cohort_size  retention
    0  2024-01       0          2            2      100.0
    1  2024-01       1          1            2       50.0
    2  2024-01       2          1            2       50.0
    3  2024-02       0          1            1      100.0
    4  2024-02       1          0            1        0.0
    5  2024-03       0          1            1      100.0
    >>> cohort_table(tidy)
    period       0     1     2
    cohort
    2024-01  100.0  50.0  50.0
    2024-02  100.0   0.0   NaN
    2024-03  100.0   NaN   NaN
    """
    cohort_freq = check_choice("cohort", cohort, COHORT_FREQUENCIES)
    period_freq = check_choice("period", period, COHORT_FREQUENCIES)
    method = check_choice("ci_method", ci_method, PROPORTION_CI_METHODS)
    level = check_confidence_level(confidence_level)
    od = read_orders(
        orders,
        customer=customer,
        date=date,
        revenue=revenue,
        as_of=as_of,
        window=None,
        by=by,
        allow_refunds=allow_refunds,
        nan_policy=nan_policy,
    )
    if isinstance(od, EngineOrders):
        cells = engine_cells(od, cohort_freq, period_freq)
    else:
        cells = _cells(od, cohort_freq, period_freq)
    return _cohort_frame(od, cells, cohort_freq, period_freq, method, level)


def _cells(od: OrderData, cohort_freq: CohortFrequency, period_freq: CohortFrequency) -> Cells:
    """The (group, cohort) cells of pandas orders, and the entries counted in them."""
    group = customer_groups(od, "cohort_retention")
    ident = identified(od)
    first_day = per_customer_min(ident.day, ident.customer, od.n_customers)

    # Cells: (group, cohort) pairs, numbered in key order.
    cohort_of = _period_index(first_day, cohort_freq)
    cohorts, cohort_code = dense_rank(cohort_of)
    g = np.zeros(od.n_customers, dtype=np.int64) if group is None else group.astype(np.int64)
    cells, cell_of = dense_rank(g * len(cohorts) + cohort_code)
    width = max(len(cohorts), 1)
    cohort_size = np.bincount(cell_of, minlength=len(cells)).astype(np.int64)

    # Active customers per (cell, k): distinct (customer, k) pairs.
    first_period = _period_index(first_day, period_freq)
    k = _period_index(ident.day, period_freq) - first_period[ident.customer]
    span = int(k.max(initial=0)) + 1
    pairs = distinct(ident.customer.astype(np.int64) * span + k)
    spent = None
    if od.revenue is not None:  # revenue of the cohort's orders in period k
        spent = (cell_of[ident.customer], k, od.revenue[ident.mask])
    return Cells(
        group=cells // width,
        cohort=cohorts[cells % width],
        size=cohort_size,
        active=(cell_of[pairs // span], pairs % span, np.ones(len(pairs))),
        spent=spent,
    )


def _cohort_frame(
    od: OrderData | EngineOrders,
    cells: Cells,
    cohort_freq: CohortFrequency,
    period_freq: CohortFrequency,
    method: ProportionCIMethod,
    level: float,
) -> pd.DataFrame:
    """The tidy result: one row per fully observed (cell, k), pandas and engine orders."""
    # Fully observed periods of each cell: k = 0 .. last complete period - the period of
    # the cohort's last possible first day.
    wall = od.as_of.tz_localize(None) if od.as_of.tzinfo is not None else od.as_of
    as_of_day = to_ns(wall) // NS_PER_DAY  # the calendar day where the dates are
    n_cells = len(cells.size)
    cohort_last_day = _period_first_day(cells.cohort + 1, cohort_freq) - 1
    last_first_period = _period_index(cohort_last_day, period_freq)
    n_periods = np.maximum(_last_complete_period(as_of_day, period_freq) - last_first_period + 1, 0)
    row_cell = np.repeat(np.arange(n_cells), n_periods)
    row_k = np.arange(len(row_cell)) - np.repeat(np.cumsum(n_periods) - n_periods, n_periods)
    span = int(max(cells.active[1].max(initial=0), n_periods.max(initial=0))) + 1

    def per_row(entries: tuple[IntArray, IntArray, npt.NDArray[np.float64]]) -> Any:
        cell, k, weight = entries
        totals = np.bincount(cell * span + k, weights=weight, minlength=n_cells * span)
        return totals[row_cell * span + row_k]

    active = np.rint(per_row(cells.active)).astype(np.int64)
    size = cells.size[row_cell]
    share = active / np.maximum(size, 1)
    low, high = proportion_interval(method, share, size, level)
    n_missing = od.n_missing[cells.group[row_cell]]
    if od.nan_policy == "propagate":
        unread = n_missing > 0
        share, low, high = (np.where(unread, np.nan, v) for v in (share, low, high))
    labels = pd.DatetimeIndex(
        _period_first_day(cells.cohort[row_cell], cohort_freq).astype("datetime64[D]")
    ).to_period(cohort_freq)
    columns: dict[str, Any] = {
        "cohort": labels,
        "period": row_k.astype(np.int64),
        "customers": active,
        "cohort_size": size,
        "retention": 100.0 * share,
        "ci_low": 100.0 * low,
        "ci_high": 100.0 * high,
        "n_missing": n_missing,
    }
    if cells.spent is not None:
        columns["revenue"] = per_row(cells.spent)
    if od.groups is None:
        frame: pd.DataFrame = pd.DataFrame(columns)
        return frame
    keys_frame = od.groups.keys.iloc[cells.group[row_cell]]
    return tidy(keys_frame, columns)


def cohort_table(tidy: pd.DataFrame, values: str = "retention") -> pd.DataFrame:
    """Pivot the result of :func:`cohort_retention` to a cohort x period table.

    Parameters
    ----------
    tidy : pandas.DataFrame
        The tidy frame :func:`cohort_retention` returned (any ``by`` columns become
        outer index levels).
    values : {"retention", "customers", "cohort_size", "ci_low", "ci_high", \
"n_missing", "revenue"}
        The column shown in the cells.

    Returns
    -------
    pandas.DataFrame
        One row per cohort (and group), one column per period since the first order;
        cells not yet fully observed are NaN.

    Examples
    --------
    See :func:`cohort_retention`.
    """
    if not isinstance(tidy, pd.DataFrame):
        raise TypeError(
            f"tidy must be the DataFrame of cohort_retention; got {type(tidy).__name__}"
        )
    absent = [c for c in _COHORT_COLUMNS if c not in tidy.columns]
    if absent:
        raise ValueError(
            f"tidy lacks the column(s) {absent} of a cohort_retention result; columns: "
            f"{list(tidy.columns)}"
        )
    value = check_choice("values", values, _VALUES)
    if value not in tidy.columns:
        raise ValueError(
            f"values={value!r} is no column of tidy (cohort_retention adds 'revenue' only "
            f"with revenue=); columns: {list(tidy.columns)}"
        )
    known = (*_COHORT_COLUMNS, *_OPTIONAL_COLUMNS)
    index = [c for c in tidy.columns if c not in known or c == "cohort"]
    table: pd.DataFrame = tidy.pivot(index=index, columns="period", values=value)  # noqa: PD010 (cells are unique)
    return table


fill_docs(cohort_retention)
