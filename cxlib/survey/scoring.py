"""Analytic intervals of the two kinds of survey index: shares and mean scores.

Every index is the (weighted) mean of a per-respondent score. When the score is 0 or
100 (CSAT, the Secure Customer Index) the index is a percentage of respondents and takes
a binomial proportion interval; when it is a mean of answers or points (CES, the loyalty
and engagement indices) it takes an interval of a bounded mean (by default the
adjusted Wald interval of :mod:`cxlib.core.bounded_mean`, or the Student t interval).
These adapters give
:class:`~cxlib.survey.index.IndexSpec` its ``analytic`` interval from the moments of a
:class:`~cxlib.core.scores.ScoreTable`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ..core.bounded_mean import bounded_mean_interval
from ..core.intervals import mean_t_interval, proportion_interval
from ..core.scores import Moments, ScoreTable

__all__ = ["bounded_mean_interval_of", "mean_interval", "share_interval"]

FloatArray = npt.NDArray[np.float64]


def share_interval(
    method: str, table: ScoreTable, m: Moments, level: float
) -> tuple[FloatArray, FloatArray]:
    """Interval of an index that is a percentage of respondents (scores 0 or 100).

    Survey weights enter through the effective sample size, which reproduces the
    linearised standard error of the weighted share.
    """
    low, high = proportion_interval(
        method,  # type: ignore[arg-type]
        m.mean / 100.0,
        m.n_effective,
        level,
    )
    return low * 100.0, high * 100.0


def mean_interval(
    method: str, table: ScoreTable, m: Moments, level: float
) -> tuple[FloatArray, FloatArray]:
    """Student t interval of a mean score on ``n - 1`` degrees of freedom."""
    return mean_t_interval(m.mean, m.se, m.n, level)


def bounded_mean_interval_of(
    bounds: tuple[float, float],
) -> Callable[[str, ScoreTable, Moments, float], tuple[FloatArray, FloatArray]]:
    """The analytic interval of a mean score that lies within ``bounds`` (the scale's ends).

    Survey weights enter the adjusted Wald interval through the effective sample size,
    with which the standard error is the linearised one; the t interval keeps
    ``n - 1`` degrees of freedom, as :func:`mean_interval`.
    """

    def interval(
        method: str, table: ScoreTable, m: Moments, level: float
    ) -> tuple[FloatArray, FloatArray]:
        if method == "t":
            return mean_interval(method, table, m, level)
        return bounded_mean_interval(
            method,  # type: ignore[arg-type]
            m.mean,
            m.se,
            m.n_effective,
            bounds,
            level,
        )

    return interval
