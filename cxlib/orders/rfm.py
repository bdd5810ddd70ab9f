"""RFM summaries of an orders table: frequency, recency, age and spend per customer.

:func:`rfm_summary` turns an orders table into one row per customer with the statistics
that buy-till-you-die models (BG/NBD, Pareto/NBD, Gamma-Gamma) and RFM segmentation
start from, with the semantics of lifetimes' ``summary_data_from_transaction_data`` and
pymc-marketing's ``rfm_summary``. :func:`rfm_calibration_holdout` splits the history
into a calibration and a holdout period (lifetimes' ``calibration_and_holdout_data``);
:func:`cxlib.orders.rfm_scores.rfm_scores` adds quantile scores and a named R/F segment.

Everything is computed with numpy reductions over the orders (see
:mod:`cxlib.orders.rfm_reduce`): no Python loop over customers.

Definitions (``time_unit`` is a pandas period alias; dates become periods of it):

- purchase occasion: a period in which the customer ordered; orders of one period are
  merged and their revenue summed;
- ``frequency``: the customer's purchase occasions minus one (repeat occasions);
- ``recency``: periods from the first to the last occasion;
- ``T``: periods from the first occasion to the period of ``as_of`` (lifetimes'
  ``observation_period_end``);
- ``monetary_value``: mean revenue of the repeat occasions (0 without any).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.validation import NanPolicy, check_bool, check_nan_policy
from .dates import parse_date
from .engine_holdout import engine_rfm_calibration_holdout
from .engine_table import as_engine_frame
from .rfm_engine import engine_rfm_summary
from .rfm_occasions import (
    Occasions,
    as_of_argument,
    naive,
    occasions,
    ordinal,
    period_freq,
)
from .rfm_reduce import PerCustomer, mean_or_zero, per_customer

__all__ = ["rfm_calibration_holdout", "rfm_summary"]


def rfm_summary(
    orders: Any,
    *,
    customer: str,
    date: str,
    revenue: str | None = None,
    as_of: Any = None,
    time_unit: str = "D",
    include_first_transaction: bool = False,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    observation_period_end: Any = None,
) -> pd.DataFrame:
    """Frequency, recency, age (T) and monetary value of every customer.

    The per-customer summary that BG/NBD, Pareto/NBD and Gamma-Gamma models are fitted
    to, with exactly the semantics of lifetimes'
    ``summary_data_from_transaction_data`` (and pymc-marketing's ``rfm_summary``):

    1. Order dates become periods of ``time_unit`` (``Series.dt.to_period``).
    2. Orders in a period after the period of ``as_of`` are dropped;
       orders later in that same period are kept (lifetimes compares periods, so
       ``as_of="2024-03-31"`` keeps every order of March 31 whatever
       its time of day, and with ``time_unit="W"`` every order of that week).
    3. A customer's orders in one period are merged into one purchase occasion, their
       revenue summed.
    4. Per customer, with periods counted as whole numbers of ``time_unit``:
       ``frequency`` = occasions - 1 (the repeat occasions), ``recency`` = last
       occasion - first occasion, ``T`` = period of ``as_of`` - first
       occasion, ``monetary_value`` = mean revenue of the repeat occasions (0 for a
       customer without any).

    Guest orders (missing customer id) are left out; customers whose first order is
    after the observation end are not in the result.

    Parameters
    ----------
    orders : DataFrame or path
        One row per order (or order line: rows of one period are merged anyway). A
        pandas DataFrame, a frame of another engine (Polars, pyarrow, DuckDB, Dask,
        PySpark: reduced in the engine, see the engines guide), or the path of a CSV or
        Parquet file (read with DuckDB).
    customer : str
        Customer id column; a missing id marks a guest order.
    date : str
        Order date or timestamp column (datetime64, or strings pandas can parse).
        Time-zone aware dates are taken as wall time in their own zone.
    revenue : str, optional
        Order value column; adds ``monetary_value``.
    as_of : date-like, optional
        End of the observation period (lifetimes' ``observation_period_end``): its
        period is included. Default: the last order date of the table (guest orders
        included, as in lifetimes).
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
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Rows with a missing date, or a missing revenue (with ``revenue``) in or before
        the period of ``as_of``: left out ("omit"), a ValueError ("raise"), or left out
        with every column NaN for the customers who have such a row ("propagate").
        Their number is ``summary.attrs["n_missing"]``; a missing customer id marks a
        guest order, no missing value.
    observation_period_end : date-like, optional
        Deprecated former name of ``as_of`` (a CxlibDeprecationWarning); removed in
        the next release.

    Returns
    -------
    pandas.DataFrame
        One row per customer, indexed by customer id (the index is named after the
        ``customer`` column, sorted), float64 columns ``frequency``, ``recency``,
        ``T`` and, with ``revenue``, ``monetary_value``: the frame lifetimes returns,
        in id order. ``attrs["n_missing"]`` counts the rows left out as missing.

    Raises
    ------
    ValueError
        For an unknown column, a bad ``time_unit`` or ``as_of``,
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
    freq = period_freq(time_unit)
    ef = as_engine_frame(orders)
    if ef is not None:
        return engine_rfm_summary(
            ef,
            customer=customer,
            date=date,
            revenue=revenue,
            as_of=as_of_argument(as_of, observation_period_end),
            freq=freq,
            unit=time_unit,
            include_first=check_bool("include_first_transaction", include_first_transaction),
            allow_refunds=check_bool("allow_refunds", allow_refunds),
            nan_policy=check_nan_policy(nan_policy),
        )
    occ = occasions(
        orders,
        customer=customer,
        date=date,
        revenue=revenue,
        as_of=as_of_argument(as_of, observation_period_end),
        freq=freq,
        unit=time_unit,
        allow_refunds=allow_refunds,
        nan_policy=nan_policy,
    )
    include_first = check_bool("include_first_transaction", include_first_transaction)
    stats = per_customer(
        occ.customer, occ.period, occ.revenue, len(occ.customer_ids), occ.use, include_first
    )
    ids = occ.customer_ids
    present = stats.n_periods > 0  # customers with an order up to the observation end
    if not present.all():
        stats, ids = stats.take(present), ids[present]
    frame = _summary_frame(stats, occ.end, include_first, ids)
    return _missing(frame, occ, present, frame.columns)


def _missing(
    frame: pd.DataFrame, occ: Occasions, present: npt.NDArray[np.bool_], columns: pd.Index[Any]
) -> pd.DataFrame:
    """Record the unreadable rows; under "propagate", NaN for the customers who had any."""
    if occ.unread is not None:
        frame.loc[occ.unread[present], columns] = np.nan
    frame.attrs["n_missing"] = occ.n_missing
    return frame


def _summary_frame(
    stats: PerCustomer, end: int, include_first: bool, ids: pd.Index[Any], suffix: str = ""
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
        # A customer without repeat occasions has spend 0: 0 / 1 is lifetimes' fillna(0).
        np.divide(stats.spend, np.maximum(frequency, 1), out=values[3])
    frame: pd.DataFrame = pd.DataFrame(
        values.T, index=ids, columns=[name + suffix for name in names], copy=False
    )
    return frame


def rfm_calibration_holdout(
    orders: Any,
    *,
    customer: str,
    date: str,
    calibration_period_end: Any,
    as_of: Any = None,
    revenue: str | None = None,
    time_unit: str = "D",
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    observation_period_end: Any = None,
) -> pd.DataFrame:
    """RFM summary of a calibration period, with the purchases of the holdout period after it.

    The frame lifetimes' ``calibration_and_holdout_data`` returns, for validating a
    model fitted on the calibration period against what happened next. With periods of
    ``time_unit`` (see :func:`rfm_summary`), ``P(x)`` the period of date ``x``:

    - the calibration orders are those in periods up to ``P(calibration_period_end)``;
      the customers are those with a calibration order (first purchase in or before
      that period); ``frequency_cal``, ``recency_cal``, ``T_cal`` and
      ``monetary_value_cal`` are :func:`rfm_summary` of the calibration orders with
      ``as_of=calibration_period_end``;
    - the holdout orders are those in periods after ``P(calibration_period_end)`` up to
      ``P(as_of)``; ``frequency_holdout`` is the number of holdout
      periods in which the customer ordered (every one counts, there is no first
      purchase to drop), ``monetary_value_holdout`` the mean revenue of those
      occasions (0 without any), and ``duration_holdout`` =
      ``P(as_of) - P(calibration_period_end)`` periods.

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
    orders : pandas.DataFrame, a frame of another engine, or a path
        One row per order. An engine's frame is reduced in the engine (both periods per
        customer); only the table of the calibration customers is collected.
    customer : str
        Customer id column; a missing id marks a guest order (left out).
    date : str
        Order date or timestamp column.
    calibration_period_end : date-like
        Last date of the calibration period; its period belongs to the calibration.
    as_of : date-like, optional
        Last date of the holdout period (lifetimes' ``observation_period_end``);
        default: the last order date of the table. It must fall in a later period than
        ``calibration_period_end``.
    revenue : str, optional
        Order value column; adds ``monetary_value_cal`` and ``monetary_value_holdout``.
    time_unit : str, default "D"
        pandas period alias, as in :func:`rfm_summary`.
    allow_refunds : bool, default False
        Accept negative revenue (refunds).
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        As in :func:`rfm_summary` ("propagate" gives NaN in the per-customer columns).
    observation_period_end : date-like, optional
        Deprecated former name of ``as_of``; removed in the next release.

    Returns
    -------
    pandas.DataFrame
        One row per calibration customer (indexed by id, sorted), float64 columns
        ``frequency_cal``, ``recency_cal``, ``T_cal``, [``monetary_value_cal``],
        ``frequency_holdout``, [``monetary_value_holdout``], ``duration_holdout``;
        ``attrs["n_missing"]`` as in :func:`rfm_summary`.

    Raises
    ------
    ValueError
        If ``calibration_period_end`` is not in an earlier period than
        ``as_of``, if no customer ordered by the calibration end, or
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
    freq = period_freq(time_unit)
    end_arg = as_of_argument(as_of, observation_period_end)
    ef = as_engine_frame(orders)
    if ef is not None:
        return engine_rfm_calibration_holdout(
            ef,
            customer=customer,
            date=date,
            calibration_period_end=calibration_period_end,
            as_of=end_arg,
            revenue=revenue,
            freq=freq,
            unit=time_unit,
            allow_refunds=check_bool("allow_refunds", allow_refunds),
            nan_policy=check_nan_policy(nan_policy),
        )
    occ = occasions(
        orders,
        customer=customer,
        date=date,
        revenue=revenue,
        as_of=end_arg,
        freq=freq,
        unit=time_unit,
        allow_refunds=allow_refunds,
        nan_policy=nan_policy,
    )
    cal_stamp = naive(
        parse_date(calibration_period_end, "calibration_period_end"),
        occ.tz,
        "calibration_period_end",
    )
    end_name = "as_of" if end_arg is not None else "as_of (default: the last order date)"
    if cal_stamp > occ.end_stamp:
        raise ValueError(f"calibration_period_end={cal_stamp} is after {end_name}={occ.end_stamp}")
    cal_end = ordinal(cal_stamp, freq)
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
    cal = per_customer(occ.customer, occ.period, occ.revenue, n_all, use_cal, False)
    is_cal_customer = cal.n_periods > 0
    # Holdout orders of the calibration customers; a guest order (code -1) picks the
    # appended False.
    use_hold = np.append(is_cal_customer, False)[occ.customer]
    use_hold &= occ.use
    use_hold &= ~in_cal
    hold = per_customer(occ.customer, occ.period, occ.revenue, n_all, use_hold, True)
    ids = occ.customer_ids
    if not is_cal_customer.all():
        cal, hold = cal.take(is_cal_customer), hold.take(is_cal_customer)
        ids = ids[is_cal_customer]
    frame = _summary_frame(cal, cal_end, False, ids, suffix="_cal")
    frame["frequency_holdout"] = hold.n_periods.astype(np.float64)
    if hold.spend is not None:
        frame["monetary_value_holdout"] = mean_or_zero(hold.spend, hold.n_periods)
    frame["duration_holdout"] = float(occ.end - cal_end)
    return _missing(frame, occ, is_cal_customer, frame.columns.drop("duration_holdout"))
