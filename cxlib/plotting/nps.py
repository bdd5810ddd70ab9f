"""The NPS breakdown: detractors, passives and promoters as diverging stacked bars."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._base import NEUTRAL, PALETTE, as_frame, finish, group_columns, group_labels, new_axes
from ._base import require_columns as _require
from ._docs import fill_docs
from ._dots import numbers

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["nps_breakdown"]

_SHARES = ("pct_detractors", "pct_passives", "pct_promoters")
_NEEDED = (*_SHARES, "value", "ci_low", "ci_high")


def _interval_text(value: float, low: float, high: float) -> str:
    return f"NPS {value:+.1f} ({low:.1f} to {high:.1f})"


def nps_breakdown(
    result: object,
    *,
    ax: Axes | None = None,
    sort: bool = True,
    title: str | None = None,
) -> Axes:
    """Detractors, passives and promoters of each group as diverging stacked bars.

    Each group is one horizontal bar: its passives centred on zero (half on each side),
    its detractors to the left of them and its promoters to the right, so that the
    balance of the two ends, the NPS, reads at a glance. The NPS and its confidence
    interval are written at the right of each bar.

    Parameters
    ----------
    result : Estimate or DataFrame
        An NPS: the :class:`~cxlib.Estimate` of :func:`cxlib.nps` (one bar, "all") or
        the frame it returns with ``by`` (one bar per group; the group columns come
        first). Needs the columns ``pct_detractors``, ``pct_passives``,
        ``pct_promoters``, ``value``, ``ci_low`` and ``ci_high``.
    {ax}
    sort : bool, default True
        Order the groups by NPS, the highest at the top; otherwise the frame's order
        from the top down.
    {title}

    {returns}

    Raises
    ------
    {type_error}
    ValueError
        When the frame lacks the shares of an NPS (e.g. a CSAT frame) or has no rows.

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib import plotting
    >>> survey = cx.datasets.make_survey(500, rng=1)
    >>> ax = plotting.nps_breakdown(cx.nps(survey, "recommend", by="touchpoint"))
    >>> ax.get_xlabel()
    'Share of answers (%)'
    >>> len(ax.get_yticklabels())
    5
    """
    from matplotlib.ticker import FuncFormatter

    frame = as_frame(result, "result")
    _require(frame, _NEEDED, "nps_breakdown's result (an NPS from cx.nps)")
    ax = new_axes(ax)
    labels = np.array(group_labels(frame, group_columns(frame)), dtype=object)
    values = numbers(frame, "value")
    # Rows are drawn from the bottom up: the first row at the top, the highest NPS there.
    order = np.argsort(values, kind="stable") if sort else np.arange(len(frame))[::-1]
    det, pas, pro = (numbers(frame, c)[order] for c in _SHARES)
    positions = np.arange(len(order), dtype=np.float64)
    height = 0.7
    ax.barh(
        positions,
        det,
        left=-pas / 2 - det,
        height=height,
        color=PALETTE["vermillion"],
        label="Detractors (0-6)",
    )
    ax.barh(positions, pas, left=-pas / 2, height=height, color=NEUTRAL, label="Passives (7-8)")
    ax.barh(
        positions,
        pro,
        left=pas / 2,
        height=height,
        color=PALETTE["green"],
        label="Promoters (9-10)",
    )
    lows, highs = numbers(frame, "ci_low")[order], numbers(frame, "ci_high")[order]
    for y, value, low, high in zip(positions, values[order], lows, highs, strict=True):
        # In a column just right of the Axes (x in Axes units, y in data units).
        ax.text(
            1.01,
            y,
            _interval_text(value, low, high),
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize="small",
            clip_on=False,
        )
    ax.axvline(0.0, color="#404040", linewidth=0.8)
    ax.set_yticks(positions, labels=list(labels[order]))
    ax.set_ylim(-0.6, len(order) - 0.4)
    # Left of zero counts detractors: its ticks read as positive shares.
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{abs(x):g}"))
    ax.set_xlabel("Share of answers (%)")
    ax.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False, fontsize="small"
    )
    if title is not None:
        # Above the legend, which sits on top of the Axes.
        ax.set_title(title, pad=24)
    return finish(ax, grid="x")


fill_docs(nps_breakdown)
