"""An index over time: a line through the estimates and a band over their intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._base import as_frame, colours, finish, group_columns, group_labels, new_axes
from ._base import require_columns as _require
from ._docs import fill_docs
from ._dots import numbers, side_legend
from .estimates import value_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["trend"]


def _columns(value: object, name: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"{name} must be a column name or a list of them; got {value!r}")


def _times(column: pd.Series) -> tuple[Any, list[str] | None]:
    """Positions on the x axis and, for times that are labels, their tick labels."""
    if isinstance(column.dtype, pd.PeriodDtype):
        return column.dt.to_timestamp().to_numpy(), None
    if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(), None
    # Text or categories ("2024-01", "Q1"): equally spaced, in the order sorted.
    names = [str(v) for v in pd.unique(column)]
    where = {name: i for i, name in enumerate(names)}
    return np.array([where[str(v)] for v in column], dtype=np.float64), names


def trend(
    frame: object,
    *,
    time: str,
    ax: Axes | None = None,
    by: str | list[str] | None = None,
    title: str | None = None,
    label: str | None = None,
) -> Axes:
    """An index over time: its estimates as a line, their confidence intervals as a band.

    Parameters
    ----------
    frame : DataFrame
        The frame of a cxlib index grouped by a time column, e.g.
        ``cx.nps(df, "recommend", by=["month"])`` or ``by=["month", "touchpoint"]``.
        Needs ``value``, ``ci_low``, ``ci_high`` and the ``time`` column.
    time : str
        The time column: dates, periods, numbers, or labels such as ``"2024-01"``
        (drawn equally spaced, in sorted order). The rows are sorted by it.
    {ax}
    by : str or list of str, optional
        Group columns: one line (and band) per group, in the palette's colours, with a
        legend. By default the frame's group columns other than ``time``.
    {title}
    label : str, optional
        Label of the y axis; by default the metric's name with its unit.

    {returns}

    Raises
    ------
    TypeError
        When ``frame`` is neither a cxlib result nor a DataFrame, ``ax`` is not an
        Axes, or ``time`` or ``by`` are not column names.
    ValueError
        When the frame lacks the columns named or the estimates, or has no rows.

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib import plotting
    >>> survey = cx.datasets.make_survey(900, rng=1)
    >>> survey["quarter"] = ["Q1", "Q2", "Q3"] * 300
    >>> ax = plotting.trend(cx.nps(survey, "recommend", by="quarter"), time="quarter")
    >>> ax.get_ylabel(), len(ax.get_lines())
    ('NPS (points)', 1)
    """
    data = as_frame(frame, "frame")
    if not isinstance(time, str):
        raise TypeError(f"time must be the name of the time column; got {time!r}")
    keys = group_columns(data, exclude=[time]) if by is None else _columns(by, "by")
    _require(data, ["value", "ci_low", "ci_high", time, *keys], "trend's frame")
    if data.duplicated([time, *keys]).any():
        raise ValueError(
            f"trend's frame has several rows for one {time!r} in a line; give every group "
            f"column other than {time!r} as by (got by={keys})"
        )
    ylabel = value_label(data, label)
    ax = new_axes(ax)
    data = data.sort_values(time, kind="stable")
    x, tick_names = _times(data[time])
    labels = np.array(group_labels(data, keys), dtype=object)
    names = list(pd.unique(labels))
    values, lows, highs = (numbers(data, c) for c in ("value", "ci_low", "ci_high"))
    for name, colour in zip(names, colours(len(names)), strict=True):
        rows = labels == name
        ax.fill_between(x[rows], lows[rows], highs[rows], color=colour, alpha=0.2, linewidth=0)
        ax.plot(
            x[rows],
            values[rows],
            color=colour,
            marker="o",
            markersize=4,
            label=name if keys else None,
        )
    if tick_names is not None:
        ax.set_xticks(np.arange(len(tick_names)), labels=tick_names)
    if keys:
        side_legend(ax, keys)
    ax.set_xlabel(time)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    return finish(ax, grid="y")


fill_docs(trend)
