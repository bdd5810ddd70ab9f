"""What every plot shares: matplotlib on demand, the palette, the Axes, the input checks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

import pandas as pd

try:
    import matplotlib  # noqa: F401 (imported here for the message when it is missing)
except ImportError as error:  # pragma: no cover - the extra is installed in the tests
    raise ImportError(
        'cxlib.plotting needs matplotlib: pip install "cxlib[plot]" (or pip install matplotlib)'
    ) from error

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "PALETTE",
    "STAT_COLUMNS",
    "as_frame",
    "colours",
    "finish",
    "group_columns",
    "group_labels",
    "new_axes",
    "require_columns",
]

#: Okabe & Ito (2008), "Color Universal Design": eight colours told apart with every
#: common kind of colour blindness.
PALETTE: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
#: The order in which series take the palette's colours.
CYCLE = ("blue", "orange", "green", "vermillion", "purple", "sky_blue", "yellow", "black")
#: Reference lines (zero, the null) and the passive middle of a diverging bar.
NEUTRAL = "#8C8C8C"

#: Columns of cxlib's tidy frames that are statistics, not group keys.
STAT_COLUMNS = frozenset(
    {
        "metric", "value", "se", "ci_low", "ci_high", "n", "n_missing", "sum_weights",
        "confidence_level", "ci_method", "n_detractors", "n_passives", "n_promoters",
        "pct_detractors", "pct_passives", "pct_promoters",
    }
)  # fmt: skip


def new_axes(ax: Axes | None, *, figsize: tuple[float, float] = (6.4, 4.0)) -> Axes:
    """``ax``, or the Axes of a new figure; anything else is refused, naming ``ax``."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if ax is None:
        # A Figure of its own, not pyplot's current one: nothing global is changed.
        figure = Figure(figsize=figsize, layout="constrained")
        return figure.add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}")
    return ax


def as_frame(result: object, what: str) -> pd.DataFrame:
    """The tidy frame of a result (its ``to_frame()``) or the DataFrame given."""
    if isinstance(result, pd.DataFrame):
        return result
    to_frame = getattr(result, "to_frame", None)
    if callable(to_frame):
        frame = to_frame()
        if isinstance(frame, pd.DataFrame):
            return frame
    raise TypeError(
        f"{what} must be a cxlib result or the DataFrame a cxlib function returned; "
        f"got {type(result).__name__}"
    )


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Refuse a frame without ``columns``, naming the missing ones and what was seen."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} needs the column(s) {missing}; got a frame with {list(frame.columns)}"
        )
    if len(frame) == 0:
        raise ValueError(f"{what} has no rows to draw")


def group_columns(frame: pd.DataFrame, exclude: Iterable[str] = ()) -> list[str]:
    """The group keys of a tidy frame: the columns before its statistics, less ``exclude``.

    Keys come first in cxlib's frames; the columns after the first statistic are
    statistics too, also those of one index only (``n_satisfied``, ``mean_score``...).
    """
    keys: list[str] = []
    for column in frame.columns:
        if column in STAT_COLUMNS:
            break
        keys.append(str(column))
    return [c for c in keys if c not in set(exclude)]


def group_labels(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """One label per row: the group keys joined by " · " (missing keys as "(missing)")."""
    if not columns:
        return ["all" for _ in range(len(frame))]
    parts = [
        frame[c].astype(object).where(frame[c].notna(), "(missing)").astype(str).to_numpy()
        for c in columns
    ]
    return [" · ".join(row) for row in zip(*parts, strict=True)]


def finish(ax: Axes, *, grid: Literal["x", "y", "both"] | None = "x") -> Axes:
    """No top or right spine; a light grid along ``grid``; returns ``ax``."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    if grid is not None:
        ax.grid(axis=grid, color="#E5E5E5", linewidth=0.8)
        ax.set_axisbelow(True)
    return ax


def colours(n: int) -> list[str]:
    """``n`` colours of the palette, in :data:`CYCLE` order (repeating past eight)."""
    return [PALETTE[CYCLE[i % len(CYCLE)]] for i in range(n)]
