"""Brute-force, one-respondent-at-a-time references for CSAT, CES and the multi-item indices.

Nothing here is vectorised over answer combinations the way cxlib is: each respondent's
answers are looked at in a plain Python loop, following the definitions in the docstrings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Customer Loyalty Index points of the answers 1..6 (1 = very likely), as in the seed.
CLI_POINTS = {1: 100.0, 2: 80.0, 3: 60.0, 4: 40.0, 5: 20.0, 6: 0.0}

Row = Sequence[float | None]


def is_missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def complete_rows(rows: Sequence[Row]) -> list[list[int]]:
    """The rows without any missing answer, as integers."""
    return [[int(a) for a in row] for row in rows if not any(is_missing(a) for a in row)]


def csat_brute(answers: Sequence[float | None], high: int, top_box: int) -> tuple[float, int]:
    """CSAT in percent and the number of satisfied answers, counting answer by answer."""
    given = [int(a) for a in answers if not is_missing(a)]
    top = list(range(high, high - top_box, -1))  # the top `top_box` answers
    satisfied = 0
    for a in given:
        if a in top:
            satisfied += 1
    return 100.0 * satisfied / len(given), satisfied


def cli_points(answer: int, low: int, high: int) -> float:
    """Points of one loyalty answer: the seed's table on 1-6, linear otherwise."""
    if (low, high) == (1, 6):
        return CLI_POINTS[answer]
    return 100.0 * (high - answer) / (high - low)


def loyalty_scores(rows: Sequence[Row], low: int = 1, high: int = 6) -> list[float]:
    """Each complete respondent's Customer Loyalty Index score: the mean of 3 item points."""
    scores = []
    for row in complete_rows(rows):
        pts = [cli_points(a, low, high) for a in row]
        scores.append(sum(pts) / len(pts))
    return scores


def sci_segment(row: Sequence[int], scales: Sequence[tuple[int, int]], top_box: int) -> str:
    """Secure Customer Index segment of one respondent, by the documented rules."""
    in_top = []
    in_top2 = []
    lower_half = []
    for a, (low, high) in zip(row, scales, strict=True):
        in_top.append(a > high - top_box)  # among the top `top_box` answers
        in_top2.append(a > high - top_box - 1)  # among the top `top_box + 1` answers
        lower_half.append(2 * a < low + high)  # below the scale midpoint
    if all(in_top):
        return "secure"
    if all(in_top2):
        return "favorable"
    if any(lower_half):
        return "at_risk"
    return "vulnerable"


def rescale(answer: int, low: int, high: int) -> float:
    """An engagement answer on 0-100."""
    return 100.0 * (answer - low) / (high - low)


def engagement_scores(rows: Sequence[Row], scales: Sequence[tuple[int, int]]) -> list[float]:
    """Each complete respondent's engagement score: the mean of the rescaled items."""
    scores = []
    for row in complete_rows(rows):
        items = [rescale(a, lo, hi) for a, (lo, hi) in zip(row, scales, strict=True)]
        scores.append(sum(items) / len(items))
    return scores


def cronbach_alpha_pandas(items: pd.DataFrame) -> float:
    """Cronbach's alpha as pingouin.cronbach_alpha computes it (complete rows).

    ``k / (k - 1) * (1 - sum_j var(x_j) / var(sum_j x_j))`` with sample variances.
    """
    k = items.shape[1]
    item_var = items.var(ddof=1).sum()
    total_var = items.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1.0 - item_var / total_var))


def weighted_mean_se(scores: Sequence[float], w: Sequence[float], ddof: int) -> tuple[float, float]:
    """Weighted mean and its Taylor-linearised standard error, row by row.

    ``se = sqrt(c * sum w_i**2 (x_i - m)**2) / sum w`` with ``c = n / (n - 1)`` when
    ``ddof=1`` and ``c = 1`` when ``ddof=0``.
    """
    total = sum(w)
    m = sum(wi * xi for wi, xi in zip(w, scores, strict=True)) / total
    acc = sum(wi**2 * (xi - m) ** 2 for wi, xi in zip(w, scores, strict=True))
    n = len(scores)
    c = n / (n - 1) if ddof else 1.0
    return m, math.sqrt(c * acc) / total


def jackknife_acceleration(rows: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """BCa acceleration of the (weighted) mean from an explicit leave-one-out loop.

    ``a = sum (mean(theta_(.)) - theta_(i))**3 / (6 * (sum (...)**2) ** 1.5)`` as in
    Efron & Tibshirani (1993), eq. 14.15, and scipy.stats.bootstrap.
    """
    x = [float(v) for v in rows]
    w = [1.0] * len(x) if weights is None else [float(v) for v in weights]
    loo = []
    for i in range(len(x)):
        num = sum(w[j] * x[j] for j in range(len(x)) if j != i)
        den = sum(w[j] for j in range(len(x)) if j != i)
        loo.append(num / den)
    dot = sum(loo) / len(loo)
    num3 = sum((dot - t) ** 3 for t in loo)
    den2 = sum((dot - t) ** 2 for t in loo)
    return num3 / (6.0 * den2**1.5)


def expand(values: Sequence[float], counts: Sequence[int]) -> np.ndarray:
    """Rows with ``counts[k]`` copies of ``values[k]``."""
    return np.repeat(np.asarray(values, dtype=np.float64), np.asarray(counts, dtype=np.int64))
