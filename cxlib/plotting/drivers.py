"""Key drivers: the importance of each driver as a bar with its interval's whisker."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._base import NEUTRAL, as_frame, colours, finish, group_columns, group_labels, new_axes
from ._base import require_columns as _require
from ._docs import fill_docs
from ._dots import ROW_SPAN, dodge, numbers, side_legend

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["key_drivers"]

# Columns of a key-driver frame that are neither group keys nor drawn.
_NOT_KEYS = ("driver", "std_coef", "importance", "share", "rank", "n_effective")
_AXIS_LABELS = {
    "dominance": "Importance (general dominance weight, R²)",
    "relative-weights": "Importance (relative weight, R²)",
    "standardized": "Importance (standardised coefficient)",
}


def key_drivers(
    result: object,
    *,
    ax: Axes | None = None,
    sort: bool = True,
    title: str | None = None,
) -> Axes:
    """The importance of each driver as a horizontal bar with its confidence interval.

    Draws the ``importance`` column (the measure chosen by ``method`` in
    :func:`cxlib.key_drivers`: dominance weights, relative weights or standardised
    coefficients), the only one with an interval; ``share`` is the same importance as
    a fraction of R² and would rank the drivers alike. With groups (``by``), each
    group is one colour, its bars side by side with the other groups' for every driver.

    Parameters
    ----------
    result : DataFrame
        The frame of :func:`cxlib.key_drivers`: ``driver``, ``importance`` and, with
        an interval, ``ci_low`` and ``ci_high`` (whiskers are drawn where present);
        group columns first. Its ``attrs["method"]`` names the x axis.
    {ax}
    sort : bool, default True
        Order the drivers by importance (its size, averaged over the groups), the most
        important at the top; otherwise the frame's order from the top down.
    {title}

    {returns}

    Raises
    ------
    {type_error}
    ValueError
        When the frame lacks ``driver`` or ``importance``, or has no rows.

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib import plotting
    >>> survey = cx.datasets.make_commitment_survey(400, rng=1)
    >>> drivers = ["affective_1", "normative_1", "economic_1", "forced_1"]
    >>> kd = cx.key_drivers(survey, "recommend", drivers, n_resamples=200, rng=1)
    >>> ax = plotting.key_drivers(kd)
    >>> ax.get_yticklabels()[-1].get_text(), ax.get_xlabel()
    ('affective_1', 'Importance (general dominance weight, R²)')
    """
    frame = as_frame(result, "result")
    _require(frame, ["driver", "importance"], "key_drivers' result")
    ax = new_axes(ax)
    keys = group_columns(frame, exclude=_NOT_KEYS)
    groups = np.array(group_labels(frame, keys), dtype=object)
    names = list(pd.unique(groups))
    driver = frame["driver"].astype(object).astype(str).to_numpy()
    importance = numbers(frame, "importance")
    drivers = list(pd.unique(driver))
    if sort:
        # Standardised coefficients can be negative: their size ranks them.
        size = pd.Series(np.abs(importance)).groupby(driver, sort=False).mean()
        drivers = list(size.loc[drivers].sort_values(ascending=False, kind="stable").index)
    # The first driver on top: rows are numbered from the bottom.
    row_of = {d: len(drivers) - 1 - i for i, d in enumerate(drivers)}
    has_ci = {"ci_low", "ci_high"} <= set(frame.columns)
    height = ROW_SPAN / max(len(names) - 1, 1) if len(names) > 1 else 0.7
    for name, colour, offset in zip(names, colours(len(names)), dodge(len(names)), strict=True):
        rows = groups == name
        positions = np.array([row_of[d] for d in driver[rows]], dtype=np.float64) + offset
        ax.barh(
            positions,
            importance[rows],
            height=height * 0.9,
            color=colour,
            label=name if keys else None,
        )
        if has_ci:
            lows, highs = numbers(frame, "ci_low")[rows], numbers(frame, "ci_high")[rows]
            ax.hlines(positions, lows, highs, colors="#303030", linewidth=1.2)
    ax.axvline(0.0, color=NEUTRAL, linewidth=0.8)
    ax.set_yticks(np.arange(len(drivers)), labels=drivers[::-1])
    ax.set_ylim(-0.6, len(drivers) - 0.4)
    ax.set_xlabel(_AXIS_LABELS.get(str(frame.attrs.get("method")), "Importance"))
    if keys:
        side_legend(ax, keys)
    if title is not None:
        ax.set_title(title)
    return finish(ax, grid="x")


fill_docs(key_drivers)
