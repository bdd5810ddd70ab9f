"""The sample-ratio-mismatch check drawn: observed against expected units per arm."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from ._base import NEUTRAL, PALETTE, as_frame, finish, new_axes, require_columns
from ._docs import fill_docs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["srm"]

#: A Pearson residual ``(observed - expected) / sqrt(expected)`` beyond this marks the
#: arm as out of line when the check flags a mismatch.
RESIDUAL_LIMIT = 2.0


def srm(result: object, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Observed and expected units per arm of the sample-ratio-mismatch check.

    Grouped bars: observed units (blue) next to those the planned split expects (grey),
    each observed bar labelled with its deviation from the expected count. When the
    check flags a mismatch, the arms whose Pearson residual ``(observed - expected) /
    sqrt(expected)`` exceeds 2 in size are drawn in vermillion. The chi-square p-value
    and the verdict are in the annotation.

    Parameters
    ----------
    result : SRMResult or pandas.DataFrame
        The result of ``cx.ab.srm``, or its ``to_frame()`` (columns ``arm``,
        ``observed``, ``expected``; the p-value is then recomputed from them and the
        threshold is the default 0.001).
    {ax}
    {title}

    {returns}

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib.plotting import srm
    >>> ax = srm(cx.ab.srm({"control": 3_500, "variant": 3_150}))
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.texts[-1].get_text()
    (['control', 'variant'], 'Mismatch: p = 1.8e-05 (alpha 0.001)')
    """
    ax = new_axes(ax)
    frame = as_frame(result, "result")
    require_columns(frame, ["arm", "observed", "expected"], "result")
    observed = frame["observed"].to_numpy(dtype=float)
    expected = frame["expected"].to_numpy(dtype=float)
    if not (np.isfinite(observed).all() and np.isfinite(expected).all()) or (expected <= 0).any():
        raise ValueError("result needs finite observed counts and positive expected counts")
    p_value = getattr(result, "p_value", None)
    if p_value is None:
        p_value = float(stats.chisquare(observed, f_exp=expected).pvalue)
    alpha = float(getattr(result, "alpha", 0.001))
    mismatch = bool(p_value < alpha)
    residual = (observed - expected) / np.sqrt(expected)
    off = mismatch & (np.abs(residual) > RESIDUAL_LIMIT)
    x = np.arange(len(frame), dtype=float)
    width = 0.38
    ax.bar(
        x - width / 2, observed, width, label="observed", gid="observed",
        color=[PALETTE["vermillion"] if o else PALETTE["blue"] for o in off],
    )  # fmt: skip
    ax.bar(x + width / 2, expected, width, label="expected", color=NEUTRAL, gid="expected")
    for xi, o, e in zip(x, observed, expected, strict=True):
        ax.annotate(
            f"{100.0 * (o / e - 1.0):+.1f}%", (xi - width / 2, o), xytext=(0, 2),
            textcoords="offset points", ha="center", va="bottom", fontsize="small",
        )  # fmt: skip
    ax.set_xticks(x, [str(a) for a in frame["arm"]])
    ax.set_ylabel("Units (visitors)")
    p_text = f"p = {p_value:.2g}" if p_value < 0.001 else f"p = {p_value:.3f}"
    verdict = "Mismatch" if mismatch else "No mismatch"
    ax.text(
        0.99, 1.0, f"{verdict}: {p_text} (alpha {alpha:g})", transform=ax.transAxes,
        ha="right", va="bottom", color=PALETTE["vermillion"] if mismatch else "black",
    )  # fmt: skip
    from matplotlib.patches import Patch

    # Handles of their own: the first observed bar may be an arm out of line.
    keys = [("observed", PALETTE["blue"]), ("expected", NEUTRAL)]
    if off.any():
        keys.append((f"observed, residual beyond ±{RESIDUAL_LIMIT:g}", PALETTE["vermillion"]))
    handles = [Patch(color=colour, label=label) for label, colour in keys]
    ax.legend(handles=handles, loc="lower right", frameon=False)
    if title is not None:
        ax.set_title(title, loc="left")
    return finish(ax, grid="y")


fill_docs(srm)
