"""Per-item statistics of multi-item indices, from the table of answer combinations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._summarise import PointTable

FloatArray = npt.NDArray[np.float64]


def combo_answers(scales: Sequence[tuple[int, int]]) -> npt.NDArray[np.int64]:
    """Answers of every combination, shape (items, combinations), in tabulation order."""
    shape = tuple(high - low + 1 for low, high in scales)
    lows = np.array([low for low, _ in scales])[:, None]
    answers: npt.NDArray[np.int64] = np.indices(shape).reshape(len(shape), -1) + lows
    return answers


def combo_mass(points: PointTable) -> FloatArray:
    """Respondents (or weight) on each combination, per group: (groups, combinations)."""
    if points.sum_weights is not None:
        return points.sum_weights
    return points.counts.astype(np.float64)


def safe_name(column: object) -> str:
    """A column name as an identifier-safe snake_case fragment for result columns."""
    return re.sub(r"\W+", "_", str(column)).strip("_").lower() or "item"


def item_means(mass: FloatArray, item_values: npt.NDArray[Any]) -> FloatArray:
    """Mean of each item over the respondents of each group: (groups, items)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        means: FloatArray = (mass @ item_values.T) / mass.sum(axis=1)[:, None]
    return means


def cronbach_alpha(mass: FloatArray, item_values: npt.NDArray[Any]) -> FloatArray:
    """Cronbach's alpha of the items in each group.

    ``alpha = k / (k - 1) * (1 - sum_j var(x_j) / var(sum_j x_j))``; the variances share
    one divisor, which cancels, so alpha needs only the (weighted) second moments of the
    items. NaN where the total score does not vary.
    """
    x = np.asarray(item_values, dtype=np.float64)  # (items, combinations)
    k = x.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        total = mass.sum(axis=1)
        mean = (mass @ x.T) / total[:, None]  # (groups, items)
        products = (x[:, None, :] * x[None, :, :]).reshape(k * k, -1)  # one matrix product
        second = (mass @ products.T).reshape(-1, k, k) / total[:, None, None]
        cov = second - mean[:, :, None] * mean[:, None, :]
        item_var = np.einsum("gjj->g", cov)
        total_var = cov.sum(axis=(1, 2))
        alpha: FloatArray = k / (k - 1.0) * (1.0 - item_var / total_var)
    return np.where(total_var > 1e-12 * np.maximum(item_var, 1.0), alpha, np.nan)
