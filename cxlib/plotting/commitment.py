"""The commitment profile: five dimensions per segment, dots with interval whiskers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._base import as_frame, colours, finish, group_columns, group_labels, new_axes
from ._base import require_columns as _require
from ._docs import fill_docs
from ._dots import dodge, dots_with_whiskers, numbers, side_legend

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["commitment_profile"]

# Columns of a commitment summary that are neither group keys nor drawn.
_NOT_KEYS = ("dimension", "n_items", "n_effective")


def _dimensions(column: pd.Series) -> list[str]:
    """The dimensions in the result's order (its categories' order when categorical)."""
    present = {str(v) for v in column.dropna()}
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(c) for c in column.cat.categories if str(c) in present]
    return [str(v) for v in pd.unique(column.dropna())]


def commitment_profile(
    result: object,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The commitment dimensions of each segment as dots with confidence intervals.

    The dimensions (affective, normative, economic, forced, habitual) are the rows, in
    the result's order from the top; each segment is one colour, its dots side by side
    with the other segments' in every row, each with a whisker over its interval.

    Parameters
    ----------
    result : CommitmentProfile or DataFrame
        The result of :func:`cxlib.commitment_profile`, or its :meth:`to_frame` (the
        ``by`` columns, then ``dimension``, ``value``, ``ci_low``, ``ci_high``...).
    {ax}
    {title}

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn into; a legend names the segments when there are several.

    Raises
    ------
    {type_error}
    ValueError
        When the frame lacks ``dimension``, ``value``, ``ci_low`` or ``ci_high``, or
        has no rows.

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib import plotting
    >>> survey = cx.datasets.make_commitment_survey(500, rng=1)
    >>> profile = cx.commitment_profile(survey, cx.datasets.COMMITMENT_ITEMS,
    ...     reverse=cx.datasets.COMMITMENT_REVERSED, by="segment")
    >>> ax = plotting.commitment_profile(profile)
    >>> len(ax.get_lines()), ax.get_yticklabels()[-1].get_text()  # segments, top row
    (5, 'affective')
    """
    frame = as_frame(result, "result")
    _require(frame, ["dimension", "value", "ci_low", "ci_high"], "commitment_profile's result")
    ax = new_axes(ax)
    keys = group_columns(frame, exclude=_NOT_KEYS)
    segments = np.array(group_labels(frame, keys), dtype=object)
    names = list(pd.unique(segments))
    dims = _dimensions(frame["dimension"])
    # The first dimension on top: rows are numbered from the bottom.
    row_of = {d: len(dims) - 1 - i for i, d in enumerate(dims)}
    dimension = frame["dimension"].astype(object).astype(str).to_numpy()
    values, lows, highs = (numbers(frame, c) for c in ("value", "ci_low", "ci_high"))
    for name, colour, offset in zip(names, colours(len(names)), dodge(len(names)), strict=True):
        rows = (segments == name) & np.isin(dimension, dims)
        positions = np.array([row_of[d] for d in dimension[rows]], dtype=np.float64) + offset
        dots_with_whiskers(
            ax,
            positions,
            values[rows],
            lows[rows],
            highs[rows],
            colour=colour,
            label=name if keys else None,
        )
    ax.set_yticks(np.arange(len(dims)), labels=dims[::-1])
    ax.set_ylim(-0.6, len(dims) - 0.4)
    ax.set_xlabel("Commitment score (0-100)")
    if keys:
        side_legend(ax, keys)
    if title is not None:
        ax.set_title(title)
    return finish(ax, grid="x")


fill_docs(commitment_profile)
