"""Comparing two customer segments (e.g. loyalty members vs non-members) on a metric."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pandas as pd

from ..core.compare import LiftMethod, compare_estimates
from ..core.results import Comparison, Estimate, estimate_from_columns
from ..core.validation import NanPolicy
from .purchases import average_order_value, guest_checkout_rate
from .repeat_purchases import purchase_frequency, repeat_purchase_rate
from .table import Window

__all__ = ["compare_segments"]

SegmentMetric = Literal[
    "average_order_value", "purchase_frequency", "repeat_purchase_rate", "guest_checkout_rate"
]
_METRICS: dict[str, Callable[..., Estimate | pd.DataFrame]] = {
    "average_order_value": average_order_value,
    "purchase_frequency": purchase_frequency,
    "repeat_purchase_rate": repeat_purchase_rate,
    "guest_checkout_rate": guest_checkout_rate,
}


def compare_segments(
    orders: Any,
    *,
    metric: SegmentMetric,
    segment: str,
    a: Any,
    b: Any,
    customer: str,
    date: str,
    revenue: str | None = None,
    as_of: Any = None,
    window: Window = 365,
    allow_refunds: bool = False,
    nan_policy: NanPolicy = "omit",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    lift_method: LiftMethod = "fieller",
) -> Comparison:
    """Compare a purchase metric between two segments: ``segment == a`` minus ``segment == b``.

    ``b`` is the reference: the difference is the other segment minus it, as in every
    comparison of cxlib (members minus non-members).

    The metric is estimated in each segment with its delta-method standard error
    (clustered by customer); the segments are treated as independent samples, which holds
    when ``segment`` is a customer attribute such as loyalty membership. The result has
    the difference, the relative lift ``(a - b) / |b|`` (a fraction), their intervals and
    the p-value of the z test.

    Each side is the metric's own result per segment (one grouped call), so a frame of
    another engine (Polars, pyarrow, DuckDB, Dask, PySpark) or a path of files is
    reduced in the engine as by the metric itself, and gives the pandas result.

    Parameters
    ----------
    orders : pandas.DataFrame, a frame of another engine, or a path
        One row per order.
    metric : {"average_order_value", "purchase_frequency", "repeat_purchase_rate", \
"guest_checkout_rate"}
        The metric to compare.
    segment : str
        Column defining the segments.
    a, b : scalar
        The two values of ``segment`` to compare (``a`` minus ``b``).
    customer, date, revenue, as_of, window, allow_refunds, nan_policy
        As in :func:`cxlib.average_order_value` (``revenue`` is required for the AOV and
        optional for the other metrics, whose unreadable rows it then decides).
    confidence_level : float, default 0.95
        Coverage of the intervals.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        Alternative hypothesis of the test.
    lift_method : {"fieller", "delta", "log"}, default "fieller"
        Interval of the lift (see :func:`cxlib.compare_estimates`); Fieller's excludes
        0 exactly when the test of the difference rejects.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> orders = pd.DataFrame({
    ...     "customer": [1, 1, 2, 3, 3, 4, 5, 6],
    ...     "member": [True, True, True, True, True, False, False, False],
    ...     "value": [60.0, 52.0, 58.0, 49.0, 61.0, 48.0, 52.0, 50.0],
    ...     "date": pd.date_range("2024-01-01", periods=8, freq="7D")})
    >>> result = cx.compare_segments(orders, metric="average_order_value", segment="member",
    ...                              a=True, b=False, customer="customer", date="date",
    ...                              revenue="value")
    >>> round(result.difference, 2), round(result.lift, 3)
    (6.0, 0.12)
    """
    if metric not in _METRICS:
        listed = ", ".join(repr(m) for m in _METRICS)
        raise ValueError(f"metric must be one of {listed}; got {metric!r}")
    kwargs: dict[str, Any] = {
        "customer": customer,
        "date": date,
        "as_of": as_of,
        "window": window,
        "by": segment,
        "allow_refunds": allow_refunds,
        "nan_policy": nan_policy,
        "ci_method": "delta",
        "confidence_level": confidence_level,
    }
    if metric == "average_order_value" and revenue is None:
        raise TypeError("revenue is required to compare the average order value")
    kwargs["revenue"] = revenue
    table = _METRICS[metric](orders, **kwargs)
    assert isinstance(table, pd.DataFrame)
    estimates = []
    for name, value in (("a", a), ("b", b)):
        rows = table[table[segment] == value]
        if len(rows) != 1:
            found = ", ".join(repr(v) for v in table[segment].tolist()[:20])
            raise ValueError(
                f"{name}={value!r} is not a segment of {segment!r} with orders in the window; "
                f"segments: {found}"
            )
        row = rows.drop(columns=[segment]).iloc[0]
        estimates.append(
            estimate_from_columns(row.to_dict(), _label(metric), confidence_level, "delta")
        )
    return compare_estimates(
        estimates[0],
        estimates[1],
        confidence_level=confidence_level,
        alternative=alternative,
        lift_method=lift_method,
    )


def _label(metric: str) -> str:
    return metric.replace("_", " ").capitalize()
