"""``rfm_calibration_holdout`` on a frame of another engine: both periods in the engine.

The engine numbers the periods and merges each customer's orders of a period into an
occasion (as for :func:`cxlib.rfm_summary`, see :mod:`cxlib.orders.rfm_engine`), then
reduces the occasions per customer, split at the period of the calibration end: in the
calibration period the occasions, the first and last period and the revenue (in all and
in the first occasion); in the holdout period the occasions and their revenue. Only the
table of the calibration customers is collected.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from ..core.frames import EngineFrame, collect
from ..core.validation import NanPolicy
from .dates import parse_date
from .rfm_engine import EngineOccasions, engine_occasions, no_orders_error, summary_frame
from .rfm_occasions import naive, ordinal
from .rfm_reduce import mean_or_zero

__all__ = ["engine_rfm_calibration_holdout"]

_PERIOD = "__cx_period"
_VALUE = "__cx_value"
_IN_CAL = "__cx_in_cal"


def _calibration_end(
    calibration_period_end: object, occ: EngineOccasions, freq: BaseOffset, unit: str, named: bool
) -> tuple[pd.Timestamp, int]:
    """The calibration end and its period, checked against the observation end."""
    stamp = naive(
        parse_date(calibration_period_end, "calibration_period_end"),
        None,
        "calibration_period_end",
    )
    end_name = "as_of" if named else "as_of (default: the last order date)"
    if stamp > occ.end_stamp:
        raise ValueError(f"calibration_period_end={stamp} is after {end_name}={occ.end_stamp}")
    cal_end = ordinal(stamp, freq)
    if cal_end >= occ.end:
        raise ValueError(
            f"calibration_period_end={stamp} falls in the same {unit!r} period "
            f"as {end_name}={occ.end_stamp}: the holdout period would be empty"
        )
    return stamp, cal_end


def _split_per_customer(occ: EngineOccasions, cal_end: int) -> pd.DataFrame:
    """Per calibration customer: both periods' occasions and revenue, in the engine.

    Columns ``n_periods``, ``first``, ``last`` (and with revenue ``total`` and
    ``first_total``) of the calibration occasions, as :func:`summary_frame` reads them,
    and ``n_holdout`` (and ``holdout_total``) of the holdout occasions; sorted by id.
    """
    customer, with_revenue = occ.customer, occ.revenue is not None
    aggs = [nw.len().alias("__cx_orders")]
    if with_revenue:
        aggs.append(nw.col(_VALUE).sum())
    occasions = (
        occ.used.group_by(customer, _PERIOD)
        .agg(*aggs)
        .with_columns((nw.col(_PERIOD) <= cal_end).alias(_IN_CAL))
    )
    in_cal, in_holdout = nw.col(_IN_CAL), ~nw.col(_IN_CAL)
    staged = [
        in_cal.cast(nw.Int64).alias("__cx_n_cal"),
        in_holdout.cast(nw.Int64).alias("__cx_n_holdout"),
        nw.when(in_cal).then(nw.col(_PERIOD)).alias("__cx_cal_period"),
    ]
    sums = [
        nw.col("__cx_n_cal").sum().alias("n_periods"),
        nw.col("__cx_cal_period").min().alias("first"),
        nw.col("__cx_cal_period").max().alias("last"),
        nw.col("__cx_n_holdout").sum().alias("n_holdout"),
    ]
    if with_revenue:
        # Zero rather than null outside a period: every engine sums zeros alike.
        staged += [
            nw.when(in_cal).then(nw.col(_VALUE)).otherwise(0.0).alias("__cx_cal_value"),
            nw.when(in_holdout).then(nw.col(_VALUE)).otherwise(0.0).alias("__cx_hold_value"),
        ]
        sums += [
            nw.col("__cx_cal_value").sum().alias("total"),
            nw.col("__cx_hold_value").sum().alias("holdout_total"),
        ]
    per = occasions.with_columns(*staged).group_by(customer).agg(*sums)
    per = per.filter(nw.col("n_periods") > 0)  # calibration customers only
    if with_revenue:
        # The revenue of each customer's first calibration occasion: a join on
        # (customer, first period), as for the summary.
        firsts = occasions.join(
            per.select(customer, nw.col("first").alias(_PERIOD)),
            on=[customer, _PERIOD],
            how="inner",
        ).select(customer, nw.col(_VALUE).alias("first_total"))
        per = per.join(firsts, on=customer, how="left")
    table = collect(per)
    return table.sort_values(customer, kind="stable").reset_index(drop=True)


def engine_rfm_calibration_holdout(
    ef: EngineFrame,
    *,
    customer: str,
    date: str,
    calibration_period_end: object,
    as_of: object,
    revenue: str | None,
    freq: BaseOffset,
    unit: str,
    allow_refunds: bool,
    nan_policy: NanPolicy,
) -> pd.DataFrame:
    """:func:`cxlib.rfm_calibration_holdout` of an engine frame (see there)."""
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
    stamp, cal_end = _calibration_end(calibration_period_end, occ, freq, unit, as_of is not None)
    table = _split_per_customer(occ, cal_end)
    if table.empty:
        if int(collect(occ.used.select(nw.len().alias("n")))["n"].iloc[0]) == 0:
            raise no_orders_error(occ.end_stamp, unit)
        raise ValueError(
            f"no customer order falls in or before the period of calibration_period_end="
            f"{stamp}: there are no calibration customers"
        )
    with_revenue = occ.revenue is not None
    frame = summary_frame(table, occ.customer, cal_end, False, with_revenue)
    frame.columns = [f"{name}_cal" for name in frame.columns]
    n_holdout = table["n_holdout"].to_numpy(dtype=np.int64)
    frame["frequency_holdout"] = n_holdout.astype(np.float64)
    if with_revenue:
        spend = table["holdout_total"].to_numpy(dtype=np.float64, na_value=0.0)
        frame["monetary_value_holdout"] = mean_or_zero(spend, n_holdout)
    frame["duration_holdout"] = float(occ.end - cal_end)
    columns: list[Any] = [c for c in frame.columns if c != "duration_holdout"]
    return occ.mark_missing(frame, columns)
