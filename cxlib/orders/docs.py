"""The shared parameter descriptions of the order metrics' docstrings.

Every order metric describes ``orders``, ``customer``, ``date``, the window, revenue and
missing values in the same words; :func:`fill_docs` puts them into the docstrings.
"""

from __future__ import annotations

from typing import Any

from ..core.docstrings import fill_placeholders

__all__ = [
    "COMMON_DOC",
    "NAN_POLICY_DOC",
    "OPTIONAL_DOC",
    "RATIO_METHODS_DOC",
    "REVENUE_DOC",
    "fill_docs",
]

#: The words every order metric uses for its revenue and missing-value keywords.
REVENUE_DOC = """
    revenue : str, optional
        Order value column (numbers; missing values are unreadable rows, see
        ``nan_policy``). Negative values (refunds) are refused unless ``allow_refunds``;
        accepted refunds are orders whose value nets out in every revenue total.
    allow_refunds : bool, default False
        Accept negative revenue (refunds)."""

NAN_POLICY_DOC = """
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Rows the metric cannot read: a missing date, or a missing revenue (when
        ``revenue`` is given) on an order of the window; a missing customer id is no
        missing value, it marks a guest order. "omit" leaves them out, "propagate" also
        gives NaN for every group with such a row, "raise" raises a ValueError;
        ``n_missing`` counts them (order rows) per group."""


COMMON_DOC = """
    orders : DataFrame or path
        One row per order: a pandas DataFrame, a frame of another engine (Polars,
        pyarrow, DuckDB, Dask, PySpark: reduced in the engine, see the engines guide),
        or the path of a CSV or Parquet file (read with DuckDB).
    customer : str
        Customer id column; a missing id marks a guest order.
    date : str
        Order date column (datetime64 or date strings).
    as_of : date-like, optional
        End of the window, inclusive; default: the last order date.
    window : int, float, pandas.Timedelta or None, default 365
        The window holds the orders with ``as_of - window < date <= as_of`` (days);
        None: all history up to ``as_of``.
    by : str or list of str, optional
        Column(s) to group by; the result is then a tidy DataFrame, one row per group.
    confidence_level : float, default 0.95
        Two-sided coverage of the interval.
    n_resamples : int, default 9999
        Bootstrap resamples (bootstrap methods only); clusters (customers, and single
        guest orders) are resampled.
    rng : int, numpy.random.Generator or None
        Seed or generator of the bootstrap (also of the default "bootstrap-t" interval
        of the purchase frequency and the AOV). None draws fresh entropy: two calls then
        give intervals that differ by Monte Carlo error (small with 9999 resamples);
        pass a seed to reproduce an interval exactly.
    progress : bool, default False
        Show a progress bar of the bootstrap resamples (needs tqdm: ``pip install
        "cxlib[progress]"``); the result is the same with or without it."""

RATIO_METHODS_DOC = """"bootstrap-t" (the default): the studentized bootstrap of customers; each
        resample recomputes the ratio and its delta-method standard error, and the
        interval comes from the quantiles of the studentized ratio, so that skewed
        customer totals give the longer arm on the right side. "delta": normal interval
        on the delta-method standard error. "percentile", "basic", "bca": bootstrap of
        customers. A CoverageWarning names the number of customers from which the
        interval can be trusted when the data hold fewer (a rule in the skewness of
        the customer totals)."""

OPTIONAL_DOC = REVENUE_DOC + NAN_POLICY_DOC


def fill_docs(*functions: Any, **parts: str) -> None:
    """Put the shared parameter descriptions into the docstrings of order metrics.

    ``{common}``, ``{optional}`` and ``{nan_policy}`` are filled in everywhere, and each
    ``{name}`` of ``parts`` with its text; ``{{`` and ``}}`` become braces.
    """
    texts = {
        "common": COMMON_DOC,
        "optional": OPTIONAL_DOC,
        "nan_policy": NAN_POLICY_DOC,
        "ratio_methods": RATIO_METHODS_DOC,
    }
    texts.update(parts)
    fill_placeholders(functions, texts, unescape_braces=True)
