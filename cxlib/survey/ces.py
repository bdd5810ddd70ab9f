"""Customer Effort Score (CES): the mean answer to an ease-of-effort question."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from ..core.bootstrap import BootstrapMethod
from ..core.bounded_mean import BOUNDED_MEAN_CI_METHODS, BoundedMeanCIMethod
from ..core.inputs import resolve
from ..core.results import Estimate
from ..core.scores import Moments, ScoreTable, WeightsKind
from ..core.tabulate import PointTable
from ..core.validation import NanPolicy
from .index import IndexSpec, answer_distribution, check_options, points_view, run_index
from .scales import ScaleLike, resolve_scale, top_box_threshold
from .scoring import bounded_mean_interval_of

__all__ = ["ces"]


@overload
def ces(
    data: Any,
    column: Any = ...,
    *,
    scale: ScaleLike = ...,
    easy_box: int | None = ...,
    by: None = ...,
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    ci_method: BoundedMeanCIMethod | BootstrapMethod = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> Estimate: ...


@overload
def ces(
    data: Any,
    column: Any = ...,
    *,
    scale: ScaleLike = ...,
    easy_box: int | None = ...,
    by: str | Sequence[str],
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    ci_method: BoundedMeanCIMethod | BootstrapMethod = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> pd.DataFrame: ...


def ces(
    data: Any,
    column: Any = None,
    *,
    scale: ScaleLike = "1-7",
    easy_box: int | None = None,
    by: str | Sequence[str] | None = None,
    weights: Any = None,
    weights_kind: WeightsKind = "survey",
    ci_method: BoundedMeanCIMethod | BootstrapMethod = "adjusted-wald",
    confidence_level: float = 0.95,
    nan_policy: NanPolicy = "omit",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
) -> Estimate | pd.DataFrame:
    """Customer Effort Score: the mean answer on an agreement scale of ease.

    CES 2.0 asks how much the customer agrees that "the company made it easy for me to
    handle my issue", from 1 (strongly disagree) to 7 (strongly agree); higher is
    easier. The index is the mean answer, on the scale of the question.

    Parameters
    ----------
    data : array-like, pandas.Series or pandas.DataFrame
        The answers, or a DataFrame holding them in ``column``.
    column : str, optional
        Column of ``data`` with the answers; required when ``data`` is a DataFrame.
    scale : (int, int) or str, default "1-7"
        Answer scale ``(low, high)`` or ``"low-high"``; higher answers mean less effort.
    easy_box : int, optional
        Number of top answers reported as "easy" in ``pct_easy``; by default 3 (5-7 on
        1-7), or one fewer than the number of answers on shorter scales.
    by, weights, weights_kind, confidence_level, nan_policy, n_resamples, rng, progress
        As in :func:`cxlib.csat`.
    ci_method : {"adjusted-wald", "t", "percentile", "basic", "bca"}, \
default "adjusted-wald"
        ``"adjusted-wald"``: the Wald interval after one pseudo-answer at each end of
        the scale (:func:`~cxlib.core.bounded_mean.adjusted_wald_mean_interval`), which
        keeps its coverage on skewed answers in small samples (95-100 % at n = 5
        to 300 in cxlib's coverage study, where the t interval covers 67-96 %);
        ``"t"``: Student t interval on ``n - 1`` degrees of freedom; or a
        bootstrap interval.

    Returns
    -------
    Estimate or pandas.DataFrame
        The CES on the answer scale; components ``pct_easy`` (percentage of easy
        answers) and the answer distribution ``n_answer_<k>``.

    Raises
    ------
    ValueError, TypeError
        Out-of-scale or non-integer answers, unknown columns, invalid options.

    Warns
    -----
    CoverageWarning
        Survey weights so unequal (Kish design effect above 1.5, fewer than 40
        effective respondents, or 80 above a design effect of 3) that the interval
        may cover less than its confidence level.

    References
    ----------
    .. [1] Dixon, M., Freeman, K. & Toman, N. (2010). Stop trying to delight your
       customers. Harvard Business Review, 88(7/8), 116-122 (the original effort
       question, on a 1-5 scale where lower meant less effort).
    .. [2] Dixon, M., Toman, N. & DeLisi, R. (2013). The Effortless Experience.
       Portfolio/Penguin (CES 2.0, the 1-7 agreement wording used here).

    Examples
    --------
    >>> import cxlib as cx
    >>> cx.ces([7, 6, 6, 5, 3, 7, 2, 6])
    CES 5.2 (95% CI 3.6 to 6.4, adjusted-wald) · n = 8
    >>> cx.ces([7, 6, 6, 5, 3, 7, 2, 6], ci_method="t")
    CES 5.2 (95% CI 3.7 to 6.8, t) · n = 8
    """
    low, high = resolve_scale(scale)
    if easy_box is None:
        easy_box = min(3, high - low)
    threshold = top_box_threshold(low, high, easy_box, "easy_box")
    answers = np.arange(low, high + 1)

    def components(
        tables: Mapping[str, PointTable], table: ScoreTable, m: Moments, kind: WeightsKind
    ) -> dict[str, Any]:
        points = tables["points"]
        distribution = answer_distribution(points, low, high, kind)
        mass = points.counts if points.sum_weights is None else points.sum_weights
        with np.errstate(divide="ignore", invalid="ignore"):
            easy = mass[:, answers >= threshold].sum(axis=1) / mass.sum(axis=1)
        return {"pct_easy": easy * 100.0, **distribution}

    spec = IndexSpec(
        metric="ces",
        label="CES",
        ddof=1,
        analytic_methods=BOUNDED_MEAN_CI_METHODS,
        analytic=bounded_mean_interval_of((float(low), float(high))),
        check_weighted_coverage=True,
        components=components,
        bounds=(float(low), float(high)),
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
    return run_index(
        spec, inputs, [(low, high)], answers.astype(np.float64), options, points_view(low, high)
    )
