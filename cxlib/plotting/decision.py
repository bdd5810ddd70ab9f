"""A decision at a glance: every metric's lift and interval, the margins, the verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._base import NEUTRAL, PALETTE, as_frame, finish, new_axes, require_columns
from ._docs import fill_docs
from ._dots import numbers

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["STATUS_COLOURS", "decision"]

#: The colour of each status a metric can have in a decision.
STATUS_COLOURS = {
    "better": PALETTE["green"],
    "non-inferior": PALETTE["green"],
    "worse": PALETTE["vermillion"],
    "worse than margin": PALETTE["vermillion"],
    "inconclusive": PALETTE["orange"],
}


def decision(result: object, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Each metric of a decision: its lift with the interval, coloured by its status.

    One row per metric of :func:`cxlib.ab.decide` (primary first, then guardrails and
    secondary metrics), the relative lift in % with its interval, a zero line, each
    guardrail's relative margin as a dashed tick, and the verdict as the title (unless
    ``title`` is given). Green: better or non-inferior; vermillion: worse (or worse
    than the margin); orange: inconclusive; grey: reported only.

    Parameters
    ----------
    result : Decision or pandas.DataFrame
        A decision of :func:`cxlib.ab.decide`, or its table.
    {ax}
    title : str, optional
        Title of the Axes (default: the verdict).

    {returns}

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib import plotting
    >>> conversion = cx.ab.compare_proportions((400, 10_000), (504, 10_000))
    >>> revenue = cx.ab.compare_means(cx.ab.MeanStats(n=10_000, mean=31.0, var=900.0),
    ...                               cx.ab.MeanStats(n=10_000, mean=31.2, var=900.0))
    >>> verdict = cx.ab.decide(conversion, {"revenue": cx.ab.Guardrail(revenue, -0.05)})
    >>> ax = plotting.decision(verdict)
    >>> ax.get_title(), [t.get_text() for t in ax.get_yticklabels()]
    ('Decision: ship', ['conversion rate', 'revenue'])
    """
    frame = as_frame(result, "result")
    require_columns(frame, ["metric", "status", "lift", "lift_ci_low", "lift_ci_high"], "result")
    lift, low, high = (100.0 * numbers(frame, c) for c in ("lift", "lift_ci_low", "lift_ci_high"))
    rows = np.arange(len(frame))[::-1]  # the primary metric on top
    ax = new_axes(ax, figsize=(6.4, 1.2 + 0.5 * len(frame)))
    for y, value, lo, hi, status in zip(rows, lift, low, high, frame["status"], strict=True):
        colour = STATUS_COLOURS.get(str(status), NEUTRAL)
        if np.isfinite(lo) and np.isfinite(hi):
            ax.plot([lo, hi], [y, y], color=colour, linewidth=2.0)
        ax.plot([value], [y], marker="o", markersize=7, color=colour, linestyle="none")
    if "margin" in frame.columns and "relative_margin" in frame.columns:
        margin = 100.0 * numbers(frame, "margin")
        relative = frame["relative_margin"].fillna(False).to_numpy(dtype=bool)
        for y, m in zip(rows[relative], margin[relative], strict=True):
            ax.plot([m, m], [y - 0.3, y + 0.3], color=PALETTE["black"], linestyle="--")
    ax.axvline(0.0, color=NEUTRAL, linewidth=1.0)
    ax.set_yticks(rows, [str(m) for m in frame["metric"]])
    ax.set_ylim(-0.7, len(frame) - 0.3)
    ax.set_xlabel("Lift (%)")
    verdict = getattr(result, "verdict", None)
    if title is not None:
        ax.set_title(title)
    elif verdict is not None:
        ax.set_title(f"Decision: {verdict}")
    return finish(ax)


fill_docs(decision)
