"""Cohort retention as a heatmap: cohorts down, periods since the first purchase across."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..core.validation import check_choice
from ._base import as_frame, finish, new_axes, require_columns
from ._docs import fill_docs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["cohort_heatmap"]

CohortValues = Literal["retention", "customers"]
_VALUES: tuple[CohortValues, ...] = ("retention", "customers")
_COLUMNS = ("cohort", "period", "customers", "cohort_size", "retention")
_KNOWN = {*_COLUMNS, "ci_low", "ci_high", "n_missing", "revenue"}
_LABELS = {"retention": "Retention (%)", "customers": "Active customers"}


def _pick_segment(frame: pd.DataFrame, segment: Any) -> pd.DataFrame:
    """The rows of one segment of a ``by=`` result (the frame itself without ``by``)."""
    keys = [str(c) for c in frame.columns if c not in _KNOWN]
    if not keys:
        if segment is not None:
            raise ValueError(
                "segment= picks a group of a cohort_retention(..., by=...) result; "
                f"this result has no group columns, got segment={segment!r}"
            )
        return frame
    wanted = segment if isinstance(segment, tuple) else (segment,)
    groups = list(frame[keys].drop_duplicates().itertuples(index=False, name=None))
    if segment is None or len(wanted) != len(keys) or wanted not in groups:
        shown = ", ".join(repr(g[0] if len(g) == 1 else g) for g in groups[:10])
        raise ValueError(
            f"the result is split by {keys}: segment= must name one group (one heatmap "
            f"per segment); allowed: {shown}; got {segment!r}"
        )
    mask = np.ones(len(frame), dtype=bool)
    for key, value in zip(keys, wanted, strict=True):
        column = frame[key]
        mask &= (column.isna() & pd.isna(value)).to_numpy() | (column == value).to_numpy()
    return frame.loc[mask, [c for c in frame.columns if c not in keys]]


def cohort_heatmap(
    result: Any,
    *,
    values: CohortValues = "retention",
    segment: Any = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Heatmap of cohort retention: one row per cohort, one column per period.

    Cohorts run down from the oldest at the top; columns are the periods since the
    first purchase (0, 1, 2, ...). Cells are coloured on the sequential, colour-blind
    safe "viridis" map and show their value ("43%" for retention, a count for
    customers); cells not yet fully observed are left blank.

    Parameters
    ----------
    result : pandas.DataFrame
        The tidy frame :func:`cxlib.cohort_retention` returned.
    values : {"retention", "customers"}, default "retention"
        The cells: retention in percent, or the number of the cohort's customers active
        in the period.
    segment : object, optional
        With a result of ``cohort_retention(..., by=...)``: the group to draw (a tuple
        of keys for several ``by`` columns). Required there, since one heatmap shows
        one segment; refused without ``by``.
    {ax}
    {title}

    {returns}

    Raises
    ------
    {type_error}
    ValueError
        A frame without the columns of ``cohort_retention`` or without rows, an unknown
        ``values``, or a missing or unknown ``segment``.

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib.plotting import cohort_heatmap
    >>> orders = cx.datasets.make_orders(2_000, rng=1)
    >>> result = cx.cohort_retention(orders, customer="customer_id", date="date")
    >>> ax = cohort_heatmap(result)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Periods since first purchase', 'Cohort')
    >>> ax.texts[0].get_text()
    '100%'
    """
    frame = as_frame(result, "result")
    require_columns(frame, _COLUMNS, "result")
    value = check_choice("values", values, _VALUES)
    frame = _pick_segment(frame, segment)
    table = frame.pivot(index="cohort", columns="period", values=value)  # noqa: PD010 (cells are unique)
    table = table.sort_index(axis=0).sort_index(axis=1)
    cells = table.to_numpy(dtype=np.float64)
    rows, columns = cells.shape
    # Room for every cell's text: the figure grows with the table.
    axes = new_axes(ax, figsize=(max(6.4, 2.5 + 0.5 * columns), max(4.0, 1.5 + 0.3 * rows)))
    fontsize = 8 if columns <= 12 else 6
    image = axes.imshow(
        np.ma.masked_invalid(cells), cmap="viridis", aspect="auto", interpolation="nearest"
    )
    # Text dark on the light end of the map and light on the dark end, to stay legible.
    low, high = np.nanmin(cells), np.nanmax(cells)
    middle = low + 0.6 * (high - low)
    for (row, col), cell in np.ndenumerate(cells):
        if np.isnan(cell):
            continue
        text = f"{cell:.0f}%" if value == "retention" else f"{cell:.0f}"
        colour = "black" if cell > middle else "white"
        axes.text(col, row, text, ha="center", va="center", fontsize=fontsize, color=colour)
    axes.set_xticks(range(columns), [str(p) for p in table.columns])
    axes.set_yticks(range(rows), [str(c) for c in table.index])
    axes.set_xlabel("Periods since first purchase")
    axes.set_ylabel("Cohort")
    colourbar = axes.figure.colorbar(image, ax=axes)
    colourbar.set_label(_LABELS[value])
    if title is not None:
        axes.set_title(title)
    finish(axes, grid=None)
    return axes


fill_docs(cohort_heatmap)
