"""The result of a commitment profile: group means per dimension, per-respondent scores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core.display import format_interval, level_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CommitmentProfile"]


@dataclass(frozen=True, repr=False, eq=False)
class CommitmentProfile:
    """The result of :func:`cxlib.commitment_profile`.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per group (the ``by`` columns, if any) and dimension: ``dimension``
        (categorical, in the order of :data:`cxlib.COMMITMENT_DIMENSIONS`), ``n_items``,
        ``value`` (mean score, 0-100), ``se``, ``ci_low``, ``ci_high``, ``n``,
        ``n_missing`` and, with weights, ``sum_weights`` and ``n_effective``;
        ``summary.attrs`` holds ``confidence_level`` and ``ci_method``.
    items : Mapping[str, tuple]
        The item columns of each dimension, in the canonical order of dimensions.
    reverse : tuple
        The reverse-keyed item columns.
    scale : (int, int)
        The answer scale of every item.
    confidence_level : float
        Coverage of the intervals.
    ci_method : str
        How the intervals were computed.
    """

    summary: pd.DataFrame
    items: Mapping[str, tuple[Any, ...]]
    reverse: tuple[Any, ...]
    scale: tuple[int, int]
    confidence_level: float
    ci_method: str
    _scores: pd.DataFrame | None = None
    _engine: str | None = None

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions measured, in the canonical order."""
        return tuple(self.items)

    @property
    def scores(self) -> pd.DataFrame:
        """Per-respondent scores, indexed like the data's rows.

        One column per dimension (0-100; NaN where one of its items is missing), then
        ``dominant``, the dimension with the highest score (tied dimensions joined by
        ``"+"``, e.g. ``"affective+normative"``; missing where a dimension score is
        missing), and ``n_dominant``, how many dimensions share the top (0 where
        ``dominant`` is missing).

        Raises
        ------
        TypeError
            When the data was a frame of another engine: its rows stayed there.
        """
        if self._scores is None:
            raise TypeError(
                f"per-respondent commitment scores need the rows, which stay in the "
                f"{self._engine} frame (the summary was computed there); collect the item "
                "columns to a pandas DataFrame and call commitment_profile on it for them"
            )
        return self._scores

    def to_frame(self) -> pd.DataFrame:
        """The tidy summary (a copy of :attr:`summary`)."""
        return self.summary.copy()

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Draw the profile with :func:`cxlib.plotting.commitment_profile`: each
        dimension's mean per group, with its interval. ``kwargs`` go to that function
        (``title``). Needs matplotlib.

        Examples
        --------
        >>> import cxlib as cx
        >>> survey = cx.datasets.make_commitment_survey(300, rng=1)
        >>> profile = cx.commitment_profile(
        ...     survey, cx.datasets.COMMITMENT_ITEMS, reverse=cx.datasets.COMMITMENT_REVERSED)
        >>> profile.plot().get_xlabel()
        'Commitment score (0-100)'
        """
        from ..plotting import commitment_profile  # matplotlib only when a picture is drawn

        return commitment_profile(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        low, high = self.scale
        dims = "; ".join(f"{d}: {', '.join(map(str, cols))}" for d, cols in self.items.items())
        lines = [f"Commitment profile on the {low}-{high} scale ({dims})"]
        if self.reverse:
            lines.append(f"reverse-keyed: {', '.join(map(str, self.reverse))}")
        keys = list(self.summary.columns[: list(self.summary.columns).index("dimension")])
        shown = self.summary.head(25)
        for _, row in shown.iterrows():
            group = ", ".join(f"{k}={row[k]}" for k in keys)
            value, lo, hi = format_interval(row["value"], row["ci_low"], row["ci_high"])
            lines.append(
                f"  {group + ' · ' if group else ''}{row['dimension']} {value} "
                f"({level_text(self.confidence_level)} CI {lo} to {hi}, {self.ci_method}) "
                f"· n = {int(row['n']):,}"
            )
        if len(self.summary) > len(shown):
            lines.append(f"  ... {len(self.summary) - len(shown)} more rows in .summary")
        return "\n".join(lines)
