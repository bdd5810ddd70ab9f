"""Per-customer views of the order data: identified orders, first times, durations.

The customer-level metrics (repurchase, upsell, retention, churn, cohorts) count
identified customers; guest orders (no customer id) are left out. Times are held as
nanoseconds since 1970-01-01 and compared at the resolution of the ``date`` column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from .dates import parse_duration
from .table import OrderData

__all__ = [
    "NEVER",
    "NS_PER_DAY",
    "Identified",
    "identified",
    "per_customer_min",
    "span_ns",
    "to_ns",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
NEVER = np.iinfo(np.int64).max
NS_PER_DAY = 86_400 * 10**9


# --------------------------------------------------------------------------- checks


def span_ns(name: str, value: object) -> int:
    """A positive duration (number of days or a timedelta) in nanoseconds."""
    return int(parse_duration(value, name).value)


def to_ns(stamp: pd.Timestamp) -> int:
    return int(stamp.value)  # nanoseconds since 1970-01-01, whatever the unit


# ------------------------------------------------------------------ customer tables


@dataclass(frozen=True)
class Identified:
    """The orders of identified customers: customer code, time (ns) and calendar day."""

    customer: IntArray
    time: IntArray
    day: IntArray
    mask: BoolArray  # which orders of the OrderData are identified


def identified(od: OrderData) -> Identified:
    mask = od.customer >= 0
    # np.compress: several times faster than indexing with the mask.
    return Identified(
        customer=np.compress(mask, od.customer),
        time=np.compress(mask, od.time).astype("datetime64[ns]", copy=False).view(np.int64),
        day=np.compress(mask, od.day),
        mask=mask,
    )


def per_customer_min(values: IntArray, customer: IntArray, n_customers: int) -> IntArray:
    out = np.full(n_customers, NEVER, dtype=np.int64)
    np.minimum.at(out, customer, values)
    return out


DATA_DOC = """
    orders : DataFrame or path
        One row per order: a pandas DataFrame, a frame of another engine (Polars,
        pyarrow, DuckDB, Dask, PySpark: reduced in the engine, see the engines guide),
        or the path of a CSV or Parquet file (read with DuckDB).
    customer : str
        Customer id column; orders with a missing id (guest orders) are left out.
    date : str
        Order date or timestamp column (datetime64 or date strings)."""

OPTIONS_DOC = """
    by : str or list of str, optional
        Customer attribute column(s) to group by; each customer must have one value (a
        ValueError lists customers with several). The result is then a tidy DataFrame,
        one row per group with at least one eligible customer (groups without are left
        out).
    ci_method : {{"modified-wilson", "wilson", "wald", "agresti-coull", \
"clopper-pearson", "jeffreys", "delta", "percentile", "basic", "bca"}}, default "modified-wilson"
        A binomial interval over the eligible customers, a normal interval on the
        delta-method standard error, or a bootstrap of customers.
    confidence_level : float, default 0.95
        Two-sided coverage of the interval.
    n_resamples : int, default 9999
        Bootstrap resamples (bootstrap methods only).
    rng : int, numpy.random.Generator or None
        Seed or generator of the bootstrap.
    progress : bool, default False
        Show a progress bar of the bootstrap resamples (needs tqdm: ``pip install
        "cxlib[progress]"``); the result is the same with or without it."""
