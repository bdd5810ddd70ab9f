"""Per-item statistics of multi-item indices, from per-item tables of answers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from ..core.scores import Moments, ScoreTable
from ..core.tabulate import PointTable, View

FloatArray = npt.NDArray[np.float64]


def combo_answers(scales: Sequence[tuple[int, int]]) -> npt.NDArray[np.int64]:
    """Answers of every combination, shape (items, combinations), in tabulation order."""
    shape = tuple(high - low + 1 for low, high in scales)
    lows = np.array([low for low, _ in scales])[:, None]
    answers: npt.NDArray[np.int64] = np.indices(shape).reshape(len(shape), -1) + lows
    return answers


def item_views(scales: Sequence[tuple[int, int]]) -> dict[str, View]:
    """One view per item: the item's answer offset (``answer - low``) of each combination."""
    offsets = combo_answers(scales) - np.array([low for low, _ in scales])[:, None]
    return {
        f"item_{j}": View(bins=offsets[j].astype(np.intp), n_bins=high - low + 1)
        for j, (low, high) in enumerate(scales)
    }


def mass(table: PointTable) -> FloatArray:
    """Respondents (or weight) in each cell of a table, per group: (groups, cells)."""
    if table.sum_weights is not None:
        return table.sum_weights
    return table.counts.astype(np.float64)


def safe_name(column: object) -> str:
    """A column name as an identifier-safe snake_case fragment for result columns."""
    return re.sub(r"\W+", "_", str(column)).strip("_").lower() or "item"


def item_moments(
    tables: Mapping[str, PointTable], item_values: Sequence[npt.NDArray[np.float64]]
) -> tuple[FloatArray, FloatArray]:
    """Mean and plug-in variance of each item per group, each (groups, items).

    ``item_values[j]`` gives the value (e.g. points) of each answer of item ``j``. The
    variance sums squared deviations from the group mean (a second, centred pass over
    the item's few answers), not ``E[x**2] - mean**2``, which cancels.
    """
    means, variances = [], []
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, values in enumerate(item_values):  # a handful of items, not rows
            m = mass(tables[f"item_{j}"])
            total = m.sum(axis=1)
            mean = (m @ values) / total
            means.append(mean)
            variances.append((m * (values[None, :] - mean[:, None]) ** 2).sum(axis=1) / total)
    return np.column_stack(means), np.column_stack(variances)


def cronbach_alpha(item_var: FloatArray, table: ScoreTable, m: Moments) -> FloatArray:
    """Cronbach's alpha per group: ``k / (k - 1) * (1 - sum_j var(x_j) / var(sum_j x_j))``.

    The score of the index is the mean of the ``k`` items, so the variance of their sum
    is ``k**2`` times the score's variance; all variances share the divisor ``n``, which
    cancels. NaN where the total does not vary.
    """
    k = item_var.shape[1]
    dev2 = (table.scores[None, :] - m.mean[:, None]) ** 2
    total_var = k**2 * (m.shares * dev2).sum(axis=1)
    sum_var = item_var.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha: FloatArray = k / (k - 1.0) * (1.0 - sum_var / total_var)
    return np.where(total_var > 1e-9 * np.maximum(sum_var, 1.0), alpha, np.nan)
