"""Customer Satisfaction Score (CSAT): the share of satisfied answers, 0-100."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from ..core.bootstrap import BootstrapMethod
from ..core.inputs import resolve
from ..core.intervals import PROPORTION_CI_METHODS, ProportionCIMethod
from ..core.results import Estimate
from ..core.scores import Moments, ScoreTable, WeightsKind
from ..core.tabulate import PointTable
from ..core.validation import NanPolicy
from .index import IndexSpec, answer_distribution, check_options, points_view, run_index
from .scales import ScaleLike, resolve_scale, top_box_threshold
from .scoring import share_interval

__all__ = ["csat"]


@overload
def csat(
    data: Any,
    column: Any = ...,
    *,
    scale: ScaleLike = ...,
    top_box: int = ...,
    by: None = ...,
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    ci_method: ProportionCIMethod | BootstrapMethod = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> Estimate: ...


@overload
def csat(
    data: Any,
    column: Any = ...,
    *,
    scale: ScaleLike = ...,
    top_box: int = ...,
    by: str | Sequence[str],
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    ci_method: ProportionCIMethod | BootstrapMethod = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> pd.DataFrame: ...


def csat(
    data: Any,
    column: Any = None,
    *,
    scale: ScaleLike = "1-5",
    top_box: int = 2,
    by: str | Sequence[str] | None = None,
    weights: Any = None,
    weights_kind: WeightsKind = "survey",
    ci_method: ProportionCIMethod | BootstrapMethod = "modified-wilson",
    confidence_level: float = 0.95,
    nan_policy: NanPolicy = "omit",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
) -> Estimate | pd.DataFrame:
    """Customer Satisfaction Score: percentage of satisfied answers, 0 to 100.

    An answer counts as satisfied when it is in the top ``top_box`` answers of the scale
    (top-2-box by default: 4 and 5 on a 1-5 scale).

    Parameters
    ----------
    data : array-like, pandas.Series or pandas.DataFrame
        The answers, or a DataFrame holding them in ``column``.
    column : str, optional
        Column of ``data`` with the answers; required when ``data`` is a DataFrame.
    scale : (int, int) or str, default "1-5"
        Answer scale ``(low, high)`` or ``"low-high"``.
    top_box : int, default 2
        Number of top answers counted as satisfied.
    by : str or list of str, optional
        Column(s) of ``data`` to group by; the result is then a tidy DataFrame with one
        row per group.
    weights : str or array-like, optional
        Non-negative weight per answer (a column name or an array).
    weights_kind : {"survey", "frequency"}, default "survey"
        Sampling weights (linearised standard error, effective sample size for the
        interval) or whole-number counts of identical answers (same result as repeated
        rows); see :func:`cxlib.nps`.
    ci_method : {"modified-wilson", "wilson", "wald", "agresti-coull", \
"clopper-pearson", "jeffreys", "percentile", "basic", "bca"}, default "modified-wilson"
        Binomial proportion interval (see :func:`cxlib.core.intervals.proportion_interval`)
        or bootstrap interval (see :mod:`cxlib.core.bootstrap`).
    confidence_level : float, default 0.95
        Two-sided coverage of the interval.
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Missing answers: skipped and counted in ``n_missing``; an error; or NaN.
    n_resamples : int, default 9999
        Bootstrap resamples (bootstrap methods only).
    rng : int, numpy.random.Generator or None
        Seed or generator of the bootstrap.
    progress : bool, default False
        Show a progress bar of the bootstrap resamples (needs tqdm: ``pip install
        "cxlib[progress]"``); the result is the same with or without it.

    Returns
    -------
    Estimate or pandas.DataFrame
        The CSAT in percent; components ``n_satisfied``, ``mean_score`` (the mean
        answer) and the answer distribution ``n_answer_<k>`` for every answer ``k``.

    Raises
    ------
    ValueError, TypeError
        Out-of-scale or non-integer answers, unknown columns, invalid options.

    Examples
    --------
    >>> import cxlib as cx
    >>> est = cx.csat([5, 4, 4, 3, 5, 2, 5, 4])
    >>> est
    CSAT 75.0 (95% CI 40.9 to 95.6, modified-wilson) · n = 8
    >>> est.components["mean_score"], est.components["n_answer_5"]
    (4.0, 3)
    """
    low, high = resolve_scale(scale)
    threshold = top_box_threshold(low, high, top_box)
    answers = np.arange(low, high + 1)

    def components(
        tables: Mapping[str, PointTable], table: ScoreTable, m: Moments, kind: WeightsKind
    ) -> dict[str, Any]:
        points = tables["points"]
        distribution = answer_distribution(points, low, high, kind)
        counted = np.column_stack(list(distribution.values()))
        mass = points.counts if points.sum_weights is None else points.sum_weights
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_score = (mass @ answers) / mass.sum(axis=1)
        return {
            "n_satisfied": counted[:, answers >= threshold].sum(axis=1),
            "mean_score": mean_score,
            **distribution,
        }

    spec = IndexSpec(
        metric="csat",
        label="CSAT",
        ddof=0,
        analytic_methods=PROPORTION_CI_METHODS,
        analytic=share_interval,
        components=components,
    )
    options = check_options(
        spec,
        ci_method=ci_method,
        confidence_level=confidence_level,
        nan_policy=nan_policy,
        weights_kind=weights_kind,
        n_resamples=n_resamples,
        rng=rng,
        progress=progress,
    )
    inputs = resolve(data, column, by=by, weights=weights)
    scores = np.where(answers >= threshold, 100.0, 0.0)
    return run_index(spec, inputs, [(low, high)], scores, options, points_view(low, high))
