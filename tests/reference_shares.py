"""The modified Wilson interval written out from statsmodels' Wilson interval and scipy.

Brown, Cai & DasGupta (2001), section 4.1.1: next to the edges (at most x* = 2
successes or failures for n <= 50, else 3) the bound is the one-sided Poisson bound
chi2.ppf(alpha, 2 x) / (2 n), where that is outside the Wilson bound.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint


def modified_wilson(x: Any, n: Any, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    low, high = (
        np.asarray(b, dtype=float) for b in proportion_confint(x, n, alpha=alpha, method="wilson")
    )
    cut = np.where(n <= 50, 2, 3)
    few = (x > 0) & (x <= cut)
    low = np.where(few, np.fmin(low, stats.chi2.ppf(alpha, 2 * np.where(few, x, 1)) / (2 * n)), low)
    y = n - x
    few = (y > 0) & (y <= cut)
    high = np.where(
        few, np.fmax(high, 1 - stats.chi2.ppf(alpha, 2 * np.where(few, y, 1)) / (2 * n)), high
    )
    return low, high
