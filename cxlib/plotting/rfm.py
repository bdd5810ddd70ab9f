"""RFM segment sizes as horizontal bars: customers per segment, share annotated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.validation import check_bool
from ._base import PALETTE, as_frame, finish, new_axes, require_columns
from ._docs import fill_docs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["rfm_segments"]


def rfm_segments(
    result: Any,
    *,
    ax: Axes | None = None,
    sort: bool = True,
    title: str | None = None,
) -> Axes:
    """Horizontal bars of the number of customers in each RFM segment.

    Each bar is annotated with the segment's share of the scored customers, in percent.
    Customers without a segment (missing values) are not counted.

    Parameters
    ----------
    result : pandas.DataFrame
        The frame :func:`cxlib.rfm_scores` returned (one row per customer, with a
        ``segment`` column).
    {ax}
    sort : bool, default True
        Largest segment at the top; False keeps the order of the segments' definition
        (:data:`cxlib.RFM_SEGMENTS`, champions first) for a categorical ``segment``, and
        alphabetical order otherwise.
    {title}

    {returns}

    Raises
    ------
    TypeError
        When ``result`` is neither a cxlib result nor a DataFrame, ``ax`` is not an
        Axes, or ``sort`` is not a bool.
    ValueError
        A frame without a ``segment`` column, or without rows.

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib.plotting import rfm_segments
    >>> orders = cx.datasets.make_orders(2_000, rng=1)
    >>> summary = cx.rfm_summary(orders, customer="customer_id", date="date",
    ...                          include_first_transaction=True)
    >>> ax = rfm_segments(cx.rfm_scores(summary))
    >>> ax.get_xlabel()
    'Customers'
    >>> len(ax.patches) == cx.rfm_scores(summary)["segment"].nunique()
    True
    """
    frame = as_frame(result, "result")
    require_columns(frame, ["segment"], "result")
    ordered = check_bool("sort", sort)
    axes = new_axes(ax)
    segment = frame["segment"]
    counts = segment.value_counts(sort=False, dropna=True)
    counts = counts[counts > 0]
    if counts.empty:
        raise ValueError("result has no customer with a segment to draw")
    if ordered:
        # Stable sort: equal sizes keep their definition order.
        counts = counts.sort_values(ascending=False, kind="stable")
    elif not isinstance(segment.dtype, pd.CategoricalDtype):
        counts = counts.sort_index()
    shares = 100.0 * counts.to_numpy(dtype=np.float64) / counts.sum()
    positions = np.arange(len(counts))
    labels = [str(name) for name in counts.index]
    axes.barh(positions, counts.to_numpy(dtype=np.float64), color=PALETTE["blue"], height=0.7)
    for y, width, share in zip(positions, counts.to_numpy(), shares, strict=True):
        axes.annotate(
            f"{share:.1f}%",
            (float(width), float(y)),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()  # the first segment at the top
    axes.set_xlabel("Customers")
    axes.set_ylabel("RFM segment")
    axes.margins(x=0.12)  # room for the share beside the longest bar
    if title is not None:
        axes.set_title(title)
    return finish(axes, grid="x")


fill_docs(rfm_segments)
