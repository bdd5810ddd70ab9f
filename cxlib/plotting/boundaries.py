"""Group-sequential boundaries: the z a look must reach to stop, and the looks so far."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._base import NEUTRAL, PALETTE, as_frame, finish, new_axes, require_columns
from ._docs import fill_docs
from ._dots import numbers

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["boundaries"]


def boundaries(result: object, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """The boundaries of a group-sequential test, and its statistics where observed.

    Draws the z boundary of each look against its information fraction (mirrored below
    zero for a two-sided design), shades the region where the test stops, and, for the
    frame of ``cx.ab.group_sequential_test``, the observed z statistics, the look that
    stopped the test marked.

    Parameters
    ----------
    result : GroupSequentialDesign or pandas.DataFrame
        A design from :func:`cxlib.ab.group_sequential` (or its ``to_frame()``), or the
        frame of :func:`cxlib.ab.group_sequential_test`.
    {ax}
    {title}

    {returns}

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib import plotting
    >>> design = cx.ab.group_sequential(5)
    >>> ax = plotting.boundaries(cx.ab.group_sequential_test([0.8, 1.9, 3.1], design))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Information fraction', 'z statistic')
    """
    frame = as_frame(result, "result")
    require_columns(frame, ["information_fraction", "z_boundary"], "result")
    t = numbers(frame, "information_fraction")
    z = numbers(frame, "z_boundary")
    two_sided = getattr(result, "alternative", None) == "two-sided" or (
        getattr(result, "alternative", None) is None and bool((z > 0).all())
    )
    ax = new_axes(ax)
    top = float(np.nanmax(np.abs(z))) * 1.25
    colour = PALETTE["vermillion"]
    ax.plot(t, z, color=colour, marker="o", label="boundary: stop beyond it")
    ax.fill_between(t, z, np.sign(z) * top, color=colour, alpha=0.12, linewidth=0)
    if two_sided:
        ax.plot(t, -z, color=colour, marker="o")
        ax.fill_between(t, -z, -top, color=colour, alpha=0.12, linewidth=0)
    if "statistic" in frame.columns:
        stat = numbers(frame, "statistic")
        ax.plot(t, stat, color=PALETTE["blue"], marker="s", label="observed z")
        if "stop" in frame.columns and frame["stop"].any():
            at = int(np.argmax(frame["stop"].to_numpy(dtype=bool)))
            ax.plot([t[at]], [stat[at]], marker="D", markersize=10, color=PALETTE["blue"],
                    linestyle="none", label="stop")  # fmt: skip
    ax.axhline(0.0, color=NEUTRAL, linewidth=1.0)
    ax.set_xlim(0.0, 1.05)
    ax.set_xlabel("Information fraction")
    ax.set_ylabel("z statistic")
    if title is not None:
        ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return finish(ax, grid="y")


fill_docs(boundaries)
