"""A test over time: the estimate at each look with its (confidence-sequence) band."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._base import NEUTRAL, as_frame, colours, finish, group_labels, new_axes, require_columns
from ._docs import fill_docs
from ._dots import numbers, side_legend
from .lift import RESULT_COLUMNS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["sequence"]

#: Columns of a ``cx.ab.compare`` frame that do not name a line (those of the forest
#: plot, and the flag of a segment scan).
_STATISTICS = RESULT_COLUMNS | {"significant"}


def sequence(
    result: object,
    *,
    time: str,
    ax: Axes | None = None,
    relative: bool = True,
    title: str | None = None,
) -> Axes:
    """The trajectory of an A/B test: the lift at each look, its band, the first stop.

    Draws one line per variant (and segment) of the frame that
    ``cx.ab.compare(..., time=...)`` returns: the lift (or the difference) at each look,
    its interval as a band (a confidence sequence with ``sequential=True``), the zero
    line, and a marker at the first look whose interval excludes zero, where a
    sequential test may stop.

    Parameters
    ----------
    result : pandas.DataFrame
        The trajectory frame of :func:`cxlib.ab.compare` with ``time=``.
    time : str
        Its time column (the looks).
    {ax}
    relative : bool, default True
        The relative lift in % (``lift``, ``lift_ci_low``, ``lift_ci_high``); False for
        the difference (``difference``, ``ci_low``, ``ci_high``) in the metric's units.
    {title}

    {returns}

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import cxlib as cx
    >>> from cxlib import plotting
    >>> rng = np.random.default_rng(1)
    >>> visits = pd.DataFrame({"arm": rng.choice(["A", "B"], 8000),
    ...                        "day": rng.integers(1, 15, 8000)})
    >>> visits["converted"] = rng.random(8000) < np.where(visits["arm"] == "B", 0.12, 0.1)
    >>> path = cx.ab.compare(visits, group="arm", control="A", metric="converted",
    ...                      sequential=True, time="day")
    >>> ax = plotting.sequence(path, time="day")
    >>> ax.get_ylabel(), len(ax.get_lines()) >= 2
    ('Lift (%)', True)
    """
    frame = as_frame(result, "result")
    if isinstance(relative, bool) is False:
        raise TypeError(f"relative must be True or False; got {relative!r}")
    columns = (
        ("lift", "lift_ci_low", "lift_ci_high") if relative else ("difference", "ci_low", "ci_high")
    )
    if not isinstance(time, str):
        raise TypeError(f"time must be a column name; got {time!r}")
    require_columns(frame, [time, *columns], "result")
    keys = [str(c) for c in frame.columns if c not in _STATISTICS and c != time]
    labels = pd.Series(group_labels(frame, keys), index=frame.index)
    scale = 100.0 if relative else 1.0
    ax = new_axes(ax)
    palette = colours(labels.nunique())
    for colour, (label, rows) in zip(palette, frame.groupby(labels, sort=False), strict=True):
        rows = rows.sort_values(time)
        x = rows[time].to_numpy()
        value, low, high = (numbers(rows, c) * scale for c in columns)
        ax.fill_between(x, low, high, color=colour, alpha=0.2, linewidth=0)
        ax.plot(x, value, color=colour, marker="o", markersize=3, label=label)
        excludes = (low > 0) | (high < 0)
        if excludes.any():
            first = int(np.argmax(excludes))
            ax.plot(
                [x[first]], [value[first]], marker="D", markersize=8, color=colour,
                linestyle="none", label=f"{label}: interval excludes 0",
            )  # fmt: skip
    ax.axhline(0.0, color=NEUTRAL, linewidth=1.0)
    ax.set_xlabel(time)
    ax.set_ylabel("Lift (%)" if relative else "Difference")
    if title is not None:
        ax.set_title(title)
    side_legend(ax, keys)
    return finish(ax, grid="y")


fill_docs(sequence)
