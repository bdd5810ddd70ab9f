"""Any index per group: a dot at its estimate and a whisker over its confidence interval."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._base import NEUTRAL, PALETTE, as_frame, finish, group_columns, group_labels, new_axes
from ._base import require_columns as _require
from ._docs import fill_docs
from ._dots import dots_with_whiskers, numbers
from ._labels import metric_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["estimates", "frame_of_estimates", "value_label"]

_NEEDED = ("value", "ci_low", "ci_high")


def frame_of_estimates(result: object, what: str) -> tuple[pd.DataFrame, list[str]]:
    """The tidy frame of ``result`` and one label per row.

    ``result`` is a result or a tidy frame (labels from its group columns), a dict of
    results (labels from the keys) or a list of results (labels from their ``label``,
    or their metric, numbered by place when alike).
    """
    if isinstance(result, Mapping) or (
        isinstance(result, Sequence) and not isinstance(result, (str, bytes))
    ):
        items = list(result.items()) if isinstance(result, Mapping) else list(enumerate(result))
        if not items:
            raise ValueError(f"{what} holds no results to draw")
        frames = [as_frame(r, f"every item of {what}") for _, r in items]
        if isinstance(result, Mapping):
            labels = [str(k) for k, _ in items]
        else:
            labels = [str(getattr(r, "label", "") or getattr(r, "metric", "")) for _, r in items]
            if len(set(labels)) < len(labels):
                # Alike estimates (e.g. two NPS) are told apart by their place in the list.
                labels = [f"{name} {i + 1}".strip() for i, name in enumerate(labels)]
        frame = pd.concat(frames, ignore_index=True)
        if len(frame) != len(labels):
            raise ValueError(f"every item of {what} must be one estimate (one row)")
        return frame, labels
    frame = as_frame(result, what)
    return frame, group_labels(frame, group_columns(frame))


def value_label(frame: pd.DataFrame, label: str | None) -> str:
    """``label``, or the axis label of the frame's one metric ("Estimate" without it)."""
    if label is not None:
        return label
    if "metric" not in frame.columns:
        return "Estimate"
    metrics = list(pd.unique(frame["metric"].dropna()))
    if len(metrics) != 1:
        raise ValueError(
            f"the result must hold one metric to share an axis (or give label=); got {metrics}"
        )
    return metric_label(str(metrics[0]))


def estimates(
    result: object,
    *,
    ax: Axes | None = None,
    sort: bool = True,
    reference: float | None = None,
    title: str | None = None,
    label: str | None = None,
) -> Axes:
    """Estimates of an index per group as dots with confidence-interval whiskers.

    One row per group: a dot at the estimate (``value``) and a whisker from ``ci_low``
    to ``ci_high``. Works for every index cxlib estimates (NPS, CSAT, CES, loyalty,
    engagement, commitment, order metrics...).

    Parameters
    ----------
    result : Estimate, DataFrame, dict or list of Estimate
        The result of a cxlib index: an :class:`~cxlib.Estimate` (one row, "all"), the
        frame it returns with ``by`` (one row per group; several group columns are
        joined by " · "), a dict of estimates (rows labelled by its keys, e.g. periods)
        or a list of estimates (labelled by their ``label``, numbered when alike).
        Needs the columns ``value``, ``ci_low`` and ``ci_high``.
    {ax}
    sort : bool, default True
        Order the rows by estimate, the highest at the top; otherwise the input's
        order from the top down.
    reference : float, optional
        Draw a dashed vertical line at this value (a target, last quarter's value).
    {title}
    label : str, optional
        Label of the x axis; by default the metric's name with its unit, e.g.
        "NPS (points)" or "CSAT (% satisfied)".

    {returns}

    Raises
    ------
    TypeError
        When ``result`` is not a result, a frame or a collection of results, when
        ``reference`` is not a number, or ``ax`` is not an Axes.
    ValueError
        When the frame lacks ``value``, ``ci_low`` or ``ci_high``, has no rows, or
        mixes metrics without a ``label``.

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib import plotting
    >>> survey = cx.datasets.make_survey(500, rng=1)
    >>> ax = plotting.estimates(cx.csat(survey, "satisfaction", by="touchpoint"), reference=60)
    >>> ax.get_xlabel()
    'CSAT (% satisfied)'
    >>> len(ax.get_yticklabels())
    5
    """
    frame, labels = frame_of_estimates(result, "result")
    _require(frame, _NEEDED, "estimates' result")
    if reference is not None and (
        isinstance(reference, bool) or not isinstance(reference, (int, float, np.number))
    ):
        raise TypeError(f"reference must be a number or None; got {type(reference).__name__}")
    xlabel = value_label(frame, label)
    ax = new_axes(ax)
    values = numbers(frame, "value")
    # Rows are drawn from the bottom up: the first row at the top, the highest value there.
    order = np.argsort(values, kind="stable") if sort else np.arange(len(frame))[::-1]
    positions = np.arange(len(order), dtype=np.float64)
    if reference is not None:
        ax.axvline(float(reference), color=NEUTRAL, linestyle="--", linewidth=1.0, zorder=1)
    dots_with_whiskers(
        ax,
        positions,
        values[order],
        numbers(frame, "ci_low")[order],
        numbers(frame, "ci_high")[order],
        colour=PALETTE["blue"],
    )
    ax.set_yticks(positions, labels=[labels[i] for i in order])
    ax.set_ylim(-0.6, len(order) - 0.4)
    ax.set_xlabel(xlabel)
    if title is not None:
        ax.set_title(title)
    return finish(ax, grid="x")


fill_docs(estimates)
