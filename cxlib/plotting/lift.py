"""Forest plot of A/B lifts: one row per variant (and segment), its interval, its verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._base import NEUTRAL, PALETTE, as_frame, finish, group_labels, new_axes, require_columns
from ._docs import fill_docs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["lift_forest"]

#: Columns of ``cx.ab.compare`` and ``Comparison.to_frame()`` that are not row keys.
RESULT_COLUMNS = frozenset(
    {
        "control", "metric", "value_control", "value_variant", "n_control", "n_variant",
        "n_missing_control", "n_missing_variant", "difference", "se", "ci_low", "ci_high",
        "lift", "lift_ci_low", "lift_ci_high", "statistic", "p_value", "p_value_adjusted",
        "test", "confidence_level", "ci_method", "alternative",
    }
)  # fmt: skip


def _comparisons_frame(result: object) -> pd.DataFrame:
    """The tidy frame of a comparison, a list of comparisons or a compare() frame."""
    if isinstance(result, pd.DataFrame):
        return result
    if hasattr(result, "adjusted") and hasattr(result, "theta"):
        raise TypeError(
            "result is a CupedResult, which holds adjusted values, not a comparison; "
            "use result.plot(groups, control) or cx.ab.compare(..., covariate=...)"
        )
    if isinstance(result, (list, tuple)):
        if not result:
            raise ValueError("result is an empty list; pass at least one Comparison")
        frames = []
        for i, item in enumerate(result):
            if isinstance(item, pd.DataFrame) or not hasattr(item, "difference_ci"):
                raise TypeError(f"result[{i}] must be a Comparison; got {type(item).__name__}")
            frames.append(as_frame(item, f"result[{i}]"))
        names = [str(getattr(item, "label", "") or getattr(item, "metric", "")) for item in result]
        if len(set(names)) < len(names):
            # Alike labels (the same metric) are told apart by position.
            names = [f"{i + 1} · {name}" if name else f"{i + 1}" for i, name in enumerate(names)]
        for frame, name in zip(frames, names, strict=True):
            frame.insert(0, "comparison", name)
        return pd.concat(frames, ignore_index=True)
    if not hasattr(result, "difference_ci"):
        raise TypeError(
            "result must be a Comparison, a list of them or the DataFrame of "
            f"cx.ab.compare; got {type(result).__name__}"
        )
    return as_frame(result, "result")


def _row_keys(frame: pd.DataFrame) -> list[str]:
    """The columns that name a row: neither a result column nor a value or count of an arm.

    The arms of ``nps_difference`` or ``compare_segments`` are named ``a`` and ``b``
    (or by the caller), so their ``value_<arm>``, ``n_<arm>`` and ``n_missing_<arm>``
    columns are found through the ``value_`` columns rather than listed.
    """
    arms = {str(c)[len("value_") :] for c in frame.columns if str(c).startswith("value_")}
    per_arm = {f"{prefix}{arm}" for arm in arms for prefix in ("value_", "n_", "n_missing_")}
    return [str(c) for c in frame.columns if c not in RESULT_COLUMNS and str(c) not in per_arm]


def _level(frame: pd.DataFrame, confidence_level: float | None) -> float:
    if confidence_level is None:
        if "confidence_level" in frame.columns and frame["confidence_level"].notna().any():
            return float(frame["confidence_level"].dropna().iloc[0])
        return 0.95
    if isinstance(confidence_level, bool) or not isinstance(confidence_level, (int, float)):
        raise TypeError(
            f"confidence_level must be a number in (0, 1); got {type(confidence_level).__name__}"
        )
    if not 0.0 < float(confidence_level) < 1.0:
        raise ValueError(f"confidence_level must be in (0, 1); got {confidence_level!r}")
    return float(confidence_level)


def significant_rows(
    frame: pd.DataFrame, level: float, low: str = "ci_low", high: str = "ci_high"
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows whose test rejects: (adjusted) p-value below ``1 - level``, else 0 outside."""
    for column in ("p_value_adjusted", "p_value"):
        if column in frame.columns:
            p = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
            return np.asarray(p < 1.0 - level)  # NaN compares False: not significant
    lo = frame[low].to_numpy(dtype=float)
    hi = frame[high].to_numpy(dtype=float)
    return np.asarray((lo > 0) | (hi < 0))


def lift_forest(
    result: object,
    *,
    ax: Axes | None = None,
    relative: bool = True,
    confidence_level: float | None = None,
    title: str | None = None,
) -> Axes:
    """Forest plot of A/B results: each variant's lift with its interval.

    One row per variant, and per segment for ``cx.ab.compare(..., by=...)`` (labelled
    "segment · variant"), in the order of the result, the first at the top. Rows whose
    test rejects are filled blue, the others hollow grey.

    Parameters
    ----------
    result : Comparison, list of Comparison or pandas.DataFrame
        A comparison (``cx.ab.compare_proportions``, ``compare_means``,
        ``compare_ratios``, ``compare_estimates``, ``nps_difference``), a list of them
        (one row each, labelled by their ``label``), or the frame of ``cx.ab.compare``.
    {ax}
    relative : bool, default True
        The relative lift in % (``lift``, ``lift_ci_low``, ``lift_ci_high``) when the
        result has it; else, or with False, the difference in the metric's units
        (``difference``, ``ci_low``, ``ci_high``).
    confidence_level : float, optional
        Level of the verdict: a row is significant when its p-value (adjusted p-value
        when the frame has ``p_value_adjusted``) is below ``1 - confidence_level``, or,
        without p-values, when its interval excludes 0. Default: the result's
        ``confidence_level``, else 0.95 (the default of ``cx.ab.compare``).
    {title}

    {returns}

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib.plotting import lift_forest
    >>> result = cx.ab.compare_proportions((380, 3_500), (470, 3_500))
    >>> ax = lift_forest(result)
    >>> ax.get_xlabel(), [t.get_text() for t in ax.get_yticklabels()]
    ('Lift (%)', ['conversion_rate'])
    """
    if not isinstance(relative, (bool, np.bool_)):
        raise TypeError(f"relative must be True or False; got {type(relative).__name__}")
    ax = new_axes(ax)
    frame = _comparisons_frame(result)
    require_columns(frame, ["difference", "ci_low", "ci_high"], "result")
    level = _level(frame, confidence_level)
    lift_columns = ["lift", "lift_ci_low", "lift_ci_high"]
    use_lift = bool(relative) and all(c in frame.columns for c in lift_columns)
    if use_lift:
        use_lift = bool(frame["lift"].notna().any())
    value, low, high = lift_columns if use_lift else ["difference", "ci_low", "ci_high"]
    scale = 100.0 if use_lift else 1.0
    x = frame[value].to_numpy(dtype=float) * scale
    lo = frame[low].to_numpy(dtype=float) * scale
    hi = frame[high].to_numpy(dtype=float) * scale
    keys = _row_keys(frame)
    if keys:
        labels = group_labels(frame, keys)
    else:
        metric = frame["metric"].astype(str) if "metric" in frame.columns else None
        labels = list(metric) if metric is not None else ["comparison"] * len(frame)
    significant = significant_rows(frame, level, low, high)
    y = np.arange(len(frame))[::-1].astype(float)  # the first row at the top
    colour = np.where(significant, PALETTE["blue"], NEUTRAL)
    ax.hlines(y, lo, hi, colors=list(colour), linewidth=1.6, gid="whiskers")
    ax.axvline(0.0, color=NEUTRAL, linewidth=1.0, linestyle="--", gid="zero")
    share = f"{100.0 * level:g}%"
    for flag, name in ((True, f"significant at {share}"), (False, "not significant")):
        rows = significant == flag
        ax.plot(
            x[rows],
            y[rows],
            linestyle="none",
            marker="o",
            markersize=7,
            color=PALETTE["blue"] if flag else NEUTRAL,
            markerfacecolor=PALETTE["blue"] if flag else "white",
            label=name,
            gid="significant" if flag else "not significant",
        )
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.75, len(frame) - 0.25)
    if use_lift:
        ax.set_xlabel("Lift (%)")
    else:
        metrics = list(frame["metric"].dropna().unique()) if "metric" in frame.columns else []
        unit = str(metrics[0]).replace("_", " ") if len(metrics) == 1 else "metric's units"
        ax.set_xlabel(f"Difference ({unit})")
    ax.legend(loc="best", frameon=False)
    if title is not None:
        ax.set_title(title)
    return finish(ax, grid="x")


fill_docs(lift_forest)
