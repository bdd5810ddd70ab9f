"""The Net Promoter Score: estimate, per-group table, and the difference of two scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.bootstrap import BootstrapMethod
from ..core.engine_tables import EngineInputs
from ..core.inputs import Inputs, resolve
from ..core.results import Comparison, ConfidenceInterval, Estimate
from ..core.scores import Moments, ScoreTable, WeightsKind
from ..core.tabulate import PointTable
from ..core.validation import NanPolicy, check_alternative, check_choice, check_confidence_level
from .index import IndexSpec, Options, check_options, points_view, run_index
from .nps_difference_intervals import (
    NPS_DIFFERENCE_METHODS,
    NPSDifferenceMethod,
    difference_test,
)
from .nps_intervals import NPS_CI_METHODS, NPSCIMethod, nps_interval
from .scales import NPSScale, NPSScaleName, resolve_nps_scale

__all__ = ["nps", "nps_difference"]

FloatArray = npt.NDArray[np.float64]

_COMPONENTS = ("detractors", "passives", "promoters")


def _category_shares(table: ScoreTable, m: Moments, score: float) -> FloatArray:
    """Share of respondents (or weight) whose NPS score is ``score`` (-100, 0 or 100)."""
    shares: FloatArray = m.shares[:, table.scores == score].sum(axis=1)
    return shares


def _analytic(
    method: str, table: ScoreTable, m: Moments, level: float
) -> tuple[FloatArray, FloatArray]:
    # Survey weights enter through the effective n, which reproduces the linearised SE.
    low, high = nps_interval(
        method,  # type: ignore[arg-type]
        _category_shares(table, m, 100.0),
        _category_shares(table, m, -100.0),
        m.n_effective,
        level,
    )
    return low * 100.0, high * 100.0


def _spec(scale: NPSScale) -> IndexSpec:
    category = scale.category_of_point()

    def components(
        tables: Mapping[str, PointTable], table: ScoreTable, m: Moments, kind: WeightsKind
    ) -> dict[str, Any]:
        points = tables["points"]
        counted = points.counts
        if kind == "frequency" and points.sum_weights is not None:
            counted = np.rint(points.sum_weights).astype(np.int64)  # weights count rows
        onehot = np.zeros((scale.n_points, 3), dtype=np.int64)
        onehot[np.arange(scale.n_points), category] = 1
        by_category = counted @ onehot
        out: dict[str, Any] = {f"n_{c}": by_category[:, k] for k, c in enumerate(_COMPONENTS)}
        for k, c in enumerate(_COMPONENTS):
            out[f"pct_{c}"] = _category_shares(table, m, 100.0 * (k - 1)) * 100.0
        return out

    return IndexSpec(
        metric="nps",
        label="NPS",
        ddof=0,
        analytic_methods=NPS_CI_METHODS,
        analytic=_analytic,
        components=components,
        bounds=(-100.0, 100.0),
    )


def _combo_scores(scale: NPSScale) -> FloatArray:
    return np.asarray(100.0 * (scale.category_of_point() - 1.0), dtype=np.float64)


@overload
def nps(
    data: Any,
    column: Any = ...,
    *,
    scale: NPSScale | NPSScaleName = ...,
    by: None = ...,
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    ci_method: NPSCIMethod | BootstrapMethod = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> Estimate: ...


@overload
def nps(
    data: Any,
    column: Any = ...,
    *,
    scale: NPSScale | NPSScaleName = ...,
    by: str | Sequence[str],
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    ci_method: NPSCIMethod | BootstrapMethod = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> pd.DataFrame: ...


def nps(
    data: Any,
    column: Any = None,
    *,
    scale: NPSScale | NPSScaleName = "0-10",
    by: str | Sequence[str] | None = None,
    weights: Any = None,
    weights_kind: WeightsKind = "survey",
    ci_method: NPSCIMethod | BootstrapMethod = "score",
    confidence_level: float = 0.95,
    nan_policy: NanPolicy = "omit",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
) -> Estimate | pd.DataFrame:
    """Net Promoter Score with a confidence interval, overall or per group.

    Each answer is classified as detractor, passive or promoter by ``scale``; the NPS
    is the percentage of promoters minus the percentage of detractors, from -100 to
    100. Its standard error follows from the trinomial variance
    ``(p+ + p- - (p+ - p-)**2) / n`` (Rocks 2016).

    Parameters
    ----------
    data : array-like, pandas.Series or pandas.DataFrame
        The answers, or a DataFrame holding them in ``column``.
    column : str, optional
        Column of ``data`` with the answers; required when ``data`` is a DataFrame.
    scale : NPSScale or {"0-10", "1-10", "1-7", "1-5"}, default "0-10"
        Answer scale. "0-10": detractors 0-6, passives 7-8, promoters 9-10; "1-10":
        1-6, 7-8, 9-10; "1-7": 1-5, 6, 7; "1-5": 1-3, 4, 5.
    by : str or list of str, optional
        Column(s) of ``data`` to group by; the result is then a tidy DataFrame with
        one row per group that has rows: in category order for categorical columns,
        sorted otherwise, with missing keys as a group of their own, last.
    weights : str or array-like, optional
        Non-negative weight per answer (a column name or an array aligned with the
        answers).
    weights_kind : {"survey", "frequency"}, default "survey"
        ``"survey"``: sampling weights. The NPS uses weighted shares; the standard error
        is the Taylor linearisation of the weighted mean, and every interval uses the
        effective sample size ``n_effective = V / SE**2`` that matches it (Korn &
        Graubard 1998). ``"frequency"``: whole-number counts of identical answers; the
        result (counts included) equals that of the repeated rows.
    ci_method : {"score", "wald", "adjusted-wald", "percentile", "basic", "bca"}, \
default "score"
        ``"score"``: the iterative score interval (Tango's interval for paired
        proportions; with the adjusted Wald interval, the best performer in the
        simulations of Rocks 2016), always inside [-100, 100], informative for n = 1
        and for samples of promoters only.
        ``"wald"``: estimate +/- z * SE, truncated to [-100, 100].
        ``"adjusted-wald"``: Wald after adding 0.75 detractors, 1.5 passives and 0.75
        promoters, centred on the adjusted NPS.
        ``"percentile"``, ``"basic"``, ``"bca"``: bootstrap intervals (see
        :mod:`cxlib.core.bootstrap`), from ``n_resamples`` multinomial draws of the
        category counts (survey weights: resampled respondents).
    confidence_level : float, default 0.95
        Two-sided coverage of the interval.
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Missing answers (NaN, None, pandas.NA): skipped and counted in ``n_missing``;
        an error; or a NaN result for the affected group.
    n_resamples : int, default 9999
        Bootstrap resamples (bootstrap methods only).
    rng : int, numpy.random.Generator or None
        Seed or generator of the bootstrap; the same seed gives the same interval.
    progress : bool, default False
        Show a progress bar of the bootstrap resamples (needs tqdm: ``pip install
        "cxlib[progress]"``); the result is the same with or without it.

    Returns
    -------
    Estimate or pandas.DataFrame
        Without ``by``: an :class:`~cxlib.Estimate` in NPS points, whose components hold
        the counts (``n_detractors``, ...) and percentages (``pct_detractors``, ...).
        With ``by``: a DataFrame with columns ``[*by, "metric", "value", "se", "ci_low",
        "ci_high", "n", "n_missing", "n_detractors", "n_passives", "n_promoters",
        "pct_detractors", "pct_passives", "pct_promoters"]`` (plus ``sum_weights`` and
        ``n_effective`` with weights).

    Raises
    ------
    ValueError
        Out-of-scale or non-integer answers, unknown columns, empty data, invalid
        weights or options.
    TypeError
        Non-numeric answers, or arguments of the wrong kind.

    Warns
    -----
    DegenerateDataWarning
        A group without answers (NaN result), or a Wald interval of zero width.

    See Also
    --------
    nps_difference : difference of two independent NPS.

    References
    ----------
    .. [1] Rocks, B. (2016). Interval estimation for the "net promoter score".
       The American Statistician, 70(4), 365-372.
    .. [2] Tango, T. (1998). Equivalence test and confidence interval for the difference
       in proportions for the paired-sample design. Statistics in Medicine, 17, 891-908.

    Examples
    --------
    >>> import cxlib as cx
    >>> est = cx.nps([10, 9, 8, 7, 6, 0])
    >>> est
    NPS 0.0 (95% CI -55.8 to 55.8, score) · n = 6
    >>> est.components["n_promoters"], est.components["pct_detractors"]
    (2, 33.33333333333333)

    Per group, from a DataFrame:

    >>> import pandas as pd
    >>> df = pd.DataFrame({"touchpoint": ["web", "web", "app", "app", "app"],
    ...                    "score": [10, 6, 9, 9, None]})
    >>> cx.nps(df, "score", by="touchpoint")[["touchpoint", "value", "n", "n_missing"]]
      touchpoint  value  n  n_missing
    0        app  100.0  2          1
    1        web    0.0  2          0
    """
    nps_scale = resolve_nps_scale(scale)
    spec = _spec(nps_scale)
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
    return _run(spec, nps_scale, inputs, options)


def _run(
    spec: IndexSpec, scale: NPSScale, inputs: Inputs | EngineInputs, options: Options
) -> Estimate | pd.DataFrame:
    return run_index(
        spec,
        inputs,
        [(scale.low, scale.high)],
        _combo_scores(scale),
        options,
        points_view(scale.low, scale.high),
    )


def nps_difference(
    a: Any,
    b: Any,
    *,
    scale: NPSScale | NPSScaleName = "0-10",
    ci_method: NPSDifferenceMethod = "mover",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    nan_policy: NanPolicy = "omit",
) -> Comparison:
    """Signed difference of two independent Net Promoter Scores, ``NPS(a) - NPS(b)``.

    The difference is in NPS points (-200 to 200); ``se`` is always
    ``sqrt(V_a / n_a + V_b / n_b)`` with the trinomial variance ``V`` of each sample.

    Parameters
    ----------
    a, b : array-like or pandas.Series
        Answers of the two independent samples.
    scale : NPSScale or {"0-10", "1-10", "1-7", "1-5"}, default "0-10"
        Answer scale of both samples.
    ci_method : {"mover", "wald", "adjusted-wald"}, default "mover"
        ``"mover"``: Newcombe's (1998) hybrid score interval, the method of variance
        estimates recovery (Zou & Donner 2008), built from each sample's score interval
        (:func:`nps`, ``ci_method="score"``); its p-value is the smallest ``alpha``
        whose interval of level ``1 - alpha`` excludes 0, so test and interval agree,
        and ``statistic`` is the z value of that p-value. It keeps its coverage from
        10 answers per sample (false-positive rate 0.5-4.9 % at n = 10 in cxlib's
        coverage study, where the Wald test rejects 7.3-9.0 % of true null
        hypotheses).
        ``"wald"``: ``d +/- z * se`` and the z test ``d / se``.
        ``"adjusted-wald"``: Wald after adding 0.75 detractors, 1.5 passives and 0.75
        promoters to each sample (Rocks 2016), centred on the adjusted difference, with
        the z test of that adjusted difference.
    confidence_level : float, default 0.95
        Coverage of the interval.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        Alternative hypothesis: NPS(a) differs from, is below, or is above NPS(b). A
        one-sided alternative gives a one-sided interval, open at -200 or 200.
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Handling of missing answers, as in :func:`nps`.

    Returns
    -------
    Comparison
        ``difference``, ``se``, ``difference_ci``, ``statistic`` (z), ``p_value`` and
        the two estimates in ``estimates``.

    Warns
    -----
    DegenerateDataWarning
        Wald only: when the standard error is zero (each sample in one category),
        statistic, p-value and interval are NaN.

    References
    ----------
    .. [1] Newcombe, R. G. (1998). Interval estimation for the difference between
       independent proportions: comparison of eleven methods. Statistics in Medicine,
       17(8), 873-890.
    .. [2] Zou, G. Y. & Donner, A. (2008). Construction of confidence limits about
       effect measures: a general approach. Statistics in Medicine, 27(10), 1693-1702.
    .. [3] Rocks, B. (2016). Interval estimation for the "net promoter score".
       The American Statistician, 70(4), 365-372.

    Examples
    --------
    >>> import cxlib as cx
    >>> app = [10, 10, 9, 9, 8, 7, 10, 6, 9, 10, 9, 10]
    >>> web = [10, 5, 9, 3, 8, 7, 6, 6, 9, 10, 0, 8]
    >>> diff = cx.nps_difference(app, web)
    >>> diff
    NPS difference +75.0 points (95% CI +6.9 to +122.6, mover) · p = 0.031
    >>> cx.nps_difference(app, web, ci_method="wald")
    NPS difference +75.0 points (95% CI +14.8 to +135.2, wald) · p = 0.015
    >>> round(diff.estimates[0].value, 1), round(diff.estimates[1].value, 1)
    (66.7, -8.3)
    """
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    method = check_choice("ci_method", ci_method, NPS_DIFFERENCE_METHODS)
    for arg, name in ((a, "a"), (b, "b")):
        if isinstance(arg, pd.DataFrame):
            raise TypeError(f"{name} must be a 1-D array-like of answers; got a DataFrame")
    nps_scale = resolve_nps_scale(scale)
    spec = _spec(nps_scale)
    options = check_options(
        spec,
        ci_method="score",
        confidence_level=level,
        nan_policy=nan_policy,
        weights_kind="survey",
        n_resamples=1,
        rng=None,
    )
    est_a, est_b = (
        _run(spec, nps_scale, resolve(arg, None, by=None, weights=None, data_name=name), options)
        for arg, name in ((a, "a"), (b, "b"))
    )
    assert isinstance(est_a, Estimate)
    assert isinstance(est_b, Estimate)
    diff = (est_a.value - est_b.value) / 100.0
    se = float(np.hypot(est_a.se, est_b.se)) / 100.0
    shares = [
        (e.components["pct_promoters"] / 100.0, e.components["pct_detractors"] / 100.0, e.n)
        for e in (est_a, est_b)
    ]
    if np.isfinite(diff):
        stat, p, low, high = difference_test(method, shares[0], shares[1], alt, level)
    else:  # nan_policy="propagate" with missing answers: nothing to test
        stat = p = low = high = np.nan
    return Comparison(
        metric="nps",
        difference=diff * 100.0,
        se=se * 100.0,
        difference_ci=ConfidenceInterval(low * 100.0, high * 100.0),
        statistic=stat,
        p_value=p,
        confidence_level=level,
        method=method,
        alternative=alt,
        estimates=(est_a, est_b),
        label="NPS",
        unit="points",
    )
