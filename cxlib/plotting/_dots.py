"""Dots with whiskers and dodged rows: the drawing shared by the interval pictures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ROW_SPAN", "dodge", "dots_with_whiskers", "numbers", "side_legend"]

FloatArray = npt.NDArray[np.float64]
# Share of a row's height the dodged series of one row take together.
ROW_SPAN = 0.6


def numbers(frame: pd.DataFrame, column: str) -> FloatArray:
    """A column as floats (missing values as NaN), refusing text."""
    try:
        values = pd.to_numeric(frame[column], errors="raise")
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"the column {column!r} must hold numbers; got {frame[column].dtype}"
        ) from error
    return np.asarray(values, dtype=np.float64)


def dodge(n_series: int) -> list[float]:
    """Offsets from a row's centre of ``n_series`` series drawn side by side in it."""
    if n_series <= 1:
        return [0.0]
    step = ROW_SPAN / (n_series - 1)
    # The first series on top: offsets run down the row (rows grow upwards).
    return [ROW_SPAN / 2 - i * step for i in range(n_series)]


def dots_with_whiskers(
    ax: Axes,
    positions: FloatArray,
    values: FloatArray,
    lows: FloatArray | None,
    highs: FloatArray | None,
    *,
    colour: str,
    label: str | None = None,
) -> None:
    """One dot per value at its row and, with an interval, a whisker from low to high.

    The whiskers are one line collection whose segments run exactly from ``lows`` to
    ``highs`` (drawn first, under the dots); the dots one line of markers.
    """
    if lows is not None and highs is not None:
        ax.hlines(positions, lows, highs, colors=colour, linewidth=1.6)
    ax.plot(
        values, positions, linestyle="none", marker="o", markersize=6, color=colour, label=label
    )


def side_legend(ax: Axes, keys: list[str]) -> None:
    """A legend of the series right of the Axes (outside the data), titled by ``keys``."""
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize="small",
        title=" · ".join(keys),
    )
