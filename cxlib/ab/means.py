"""Comparing the means of a per-unit value (revenue per visitor, a score) between arms."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from ..core.lift import FloatArray, Pairs
from ..core.progress import check_progress
from ..core.results import Comparison, Estimate
from ..core.statistics import summarise
from ..core.sufficient import MeanStats
from ..core.validation import (
    NanPolicy,
    as_generator,
    check_alternative,
    check_choice,
    check_confidence_level,
    check_n_resamples,
    check_nan_policy,
)
from ._arms import unit_rows
from .cuped_multi import arm_covariates, covariate_names, cuped_mean_rows, two_arms
from .cuped_stats import CupedStats, summary_cuped
from .docs import fill_docs
from .sequential import check_sequential, make_sequential, sequential_method
from .skewness import skewness_warning
from .two_arms import (
    BOOTSTRAP,
    MEAN_METHODS,
    MeanMethod,
    bootstrap_two,
    lift_method,
    mean_pairs,
    nan_pairs,
    normal_estimate,
    to_comparison,
    warn_degenerate,
)

__all__ = ["compare_means"]


def compare_means(
    control: npt.ArrayLike | pd.Series[Any] | MeanStats | CupedStats,
    variant: npt.ArrayLike | pd.Series[Any] | MeanStats | CupedStats,
    *,
    ci_method: MeanMethod = "fieller",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    covariates: tuple[Any, Any] | None = None,
    nan_policy: NanPolicy = "omit",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
    sequential: bool = False,
    sequential_tuning: float = 5000.0,
    progress: bool = False,
) -> Comparison:
    """Compare the mean of a per-unit value (revenue per visitor, a score) between arms.

    Parameters
    ----------
    control, variant : array-like, MeanStats or CupedStats
        Per-unit values of each arm (1-D), or their sufficient statistics
        :class:`cxlib.ab.MeanStats` (``n``, mean and variance; at least 2 units), or
        for CUPED from summaries :class:`cxlib.ab.CupedStats` of both arms (``n``,
        means and covariance matrix of the values and the covariates): the same
        comparison as per-unit values with ``covariates=``.
    ci_method : {"fieller", "delta", "log", "percentile", "basic", "bca"}, default "fieller"
        ``"fieller"``: Welch's t interval and test of the difference (unequal
        variances, Welch-Satterthwaite degrees of freedom) and Fieller's interval of
        the ratio of means for the lift, built on the same t statistic, so that it
        excludes 0 exactly when the test rejects (where the control mean is not told
        apart from zero, the interval is Fieller's half-line of ratios of the
        estimate's sign, ``(low, inf)`` for a positive control: a lower bound on the
        lift); ``"delta"`` and ``"log"`` change the
        lift's interval (delta method; the interval of the log ratio, positive means
        only), which can then disagree with the p-value. The bootstrap methods
        resample units within each arm (per-unit values needed); zero values are
        factored out exactly, so that zero-inflated revenue is fast. Their p-value
        inverts the interval.
    confidence_level : float, default 0.95
        Coverage of the intervals.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        ``"greater"``: the variant's mean is above the control's.
    covariates : tuple, optional
        Pre-experiment covariates of each arm's units, ``(control, variant)``, for
        CUPED variance reduction (:func:`cxlib.ab.cuped`, slope pooled over both arms).
        Each arm's entry is one covariate (a 1-D array-like) or several: a sequence of
        1-D array-likes, a 2-D array ``(covariates, units)`` or a DataFrame, with
        ``theta = Sigma_xx^-1 Sigma_xy`` from the pooled centred co-moments (constant
        or collinear covariates are an error).
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Missing values (NaN, None, pandas.NA) of per-unit values (or of their
        covariate): the unit is left out and counted in ``n_missing`` of its arm's
        estimate, an error, or NaN results (the arm's estimate and the comparison; the
        counts are kept), as in the survey indices.
    n_resamples : int, default 9999
        Bootstrap resamples.
    rng : int, numpy.random.Generator, optional
        Seed or generator of the bootstrap.{sequential}
    progress : bool, default False
        Show a progress bar of the bootstrap resamples (needs tqdm: ``pip install
        "cxlib[progress]"``); the result is the same with or without it.

    Returns
    -------
    Comparison

    Warns
    -----
    CoverageWarning
        When the intervals may cover less than ``confidence_level`` (from per-unit
        values, which give the skewness): skewed values in arms of unequal size
        (the skewness of the difference, with the third moment pooled over the arms,
        above ``1 / sqrt(355)``), or a bootstrap of an arm with fewer than
        ``355 * skewness**2`` units (Kohavi, Deng, Longbotham & Xu 2014). The message
        names the sizes from which the intervals can be trusted; see the A/B guide.
    DegenerateDataWarning
        When the lift interval or the test is undefined.

    Examples
    --------
    >>> import cxlib as cx
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> control = rng.exponential(50.0, size=2_000)
    >>> variant = rng.exponential(56.0, size=2_000)
    >>> result = cx.ab.compare_means(control, variant)
    >>> result.test, round(result.lift, 3)
    ('welch t', 0.118)

    From sufficient statistics (``n``, mean and variance, e.g. from a dashboard):

    >>> stats = cx.ab.MeanStats.from_values(control), cx.ab.MeanStats.from_values(variant)
    >>> round(cx.ab.compare_means(*stats).p_value, 6) == round(result.p_value, 6)
    True
    >>> cx.ab.compare_means(cx.ab.MeanStats(n=2_000, mean=50.0, var=2_500.0),
    ...                     cx.ab.MeanStats(n=2_000, mean=56.0, var=3_100.0)).test
    'welch t'

    Missing values are left out and counted, by default:

    >>> gaps = variant.copy()
    >>> gaps[:5] = np.nan
    >>> omitted = cx.ab.compare_means(control, gaps)
    >>> omitted.estimates[0].n, omitted.estimates[0].n_missing
    (1995, 5)
    >>> omitted.p_value == cx.ab.compare_means(control, variant[5:]).p_value
    True
    >>> cx.ab.compare_means(control, gaps, nan_policy="propagate").p_value
    nan

    CUPED with two pre-experiment covariates per arm, ``theta`` pooled over the arms:

    >>> pre = rng.gamma(2.0, 10.0, size=(2, 2, 2_000))  # arm, covariate, unit
    >>> spend = [5.0 + [0.5, 0.3] @ pre[i] + rng.normal(0.0, 5.0, 2_000) for i in (0, 1)]
    >>> plain = cx.ab.compare_means(*spend)
    >>> adjusted = cx.ab.compare_means(*spend, covariates=(pre[0], pre[1]))
    >>> round(plain.se, 3), round(adjusted.se, 3)
    (0.298, 0.156)

    The same comparison from per-arm summaries (``n``, means and covariance matrix of the
    values and the covariates):

    >>> stats = [cx.ab.CupedStats.from_values(spend[i], pre[i]) for i in (0, 1)]
    >>> round(cx.ab.compare_means(*stats).se, 3)
    0.156
    """
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    method = check_choice("ci_method", ci_method, MEAN_METHODS)
    tuning = check_sequential(sequential, sequential_tuning, method, alt)
    policy = check_nan_policy(nan_policy)
    b = check_n_resamples(n_resamples)
    gen = as_generator(rng)
    show = check_progress(progress)
    if isinstance(control, CupedStats) or isinstance(variant, CupedStats):
        if method in BOOTSTRAP:
            raise TypeError(
                f"ci_method={method!r} resamples units: give per-unit values of both arms, "
                "not CupedStats (or use 'delta', 'fieller' or 'log')"
            )
        summaries = summary_cuped(control, variant, "mean", covariates)
        cuped_arms = [(MeanStats(n=n, mean=v, var=m2 / (n - 1)), 0) for v, m2, n in summaries]
        return _compare_stats(cuped_arms, method, level, alt, tuning)
    pair = _check_covariates(covariates, control, variant)
    raw: list[FloatArray] = []
    arms: list[tuple[MeanStats, int]] = []
    for i, (name, arm) in enumerate((("control", control), ("variant", variant))):
        if isinstance(arm, MeanStats):
            if arm.n < 2:
                raise ValueError(f"{name}: a comparison needs n >= 2 units; got {arm!r}")
            arms.append((arm, 0))
            continue
        # With a covariate, a unit is missing when its value or its covariate is.
        columns = [arm] if pair is None else [arm, *pair[i]]
        names = [name] if pair is None else [name, *covariate_names(i, len(pair[i]))]
        kept, n_missing = unit_rows(columns, names, name, policy)
        raw.append(kept)
        arms.append((MeanStats.from_values(kept[0]), n_missing))
    if method in BOOTSTRAP and len(raw) != 2:
        raise TypeError(
            f"ci_method={method!r} resamples units: give per-unit values of both arms, "
            "not MeanStats (or use 'delta', 'fieller' or 'log')"
        )
    if policy == "propagate" and (arms[0][1] or arms[1][1]):
        return _propagated(arms, pair is not None, method, level, alt)
    if pair is not None:
        adjusted = _cuped_arms(raw) if len(pair[0]) == 1 else _cuped_several(raw)
        arms = [(MeanStats.from_values(x), s[1]) for x, s in zip(adjusted, arms, strict=True)]
        raw = adjusted
    else:
        raw = [x[0] for x in raw]
    if len(raw) == 2:
        skewness_warning(*(summarise(x, third=True) for x in raw), method=method, level=level)
    if method in BOOTSTRAP:
        pairs = bootstrap_two(
            [x[None, :] for x in raw],
            "mean",
            method,
            level,
            alt,
            b,
            gen,
            np.array([arms[0][0].se, arms[1][0].se]),
            progress=show,
        )
        return _compare_stats(arms, method, level, alt, tuning, pairs)
    return _compare_stats(arms, method, level, alt, tuning)


def _compare_stats(
    arms: list[tuple[MeanStats, int]],
    method: str,
    level: float,
    alt: Any,
    tuning: float | None,
    pairs: Pairs | None = None,
) -> Comparison:
    """The comparison of two arms' statistics (Welch), or of their bootstrap ``pairs``."""
    (stats_c, missc), (stats_v, missv) = arms
    if pairs is None:
        pairs = mean_pairs(
            stats_c.to_moments(),
            stats_v.to_moments(),
            lift_method=lift_method(method),
            level=level,
            alternative=alt,
        )
        if tuning is not None:
            pairs = make_sequential(pairs, level, tuning, method)
    warn_degenerate(pairs)

    def arm_estimate(stats: MeanStats, missing: int) -> Estimate:
        q = float(special.stdtrit(stats.n - 1, 0.5 + level / 2))
        return normal_estimate(
            "mean", stats.mean, stats.se, stats.n, level, "t", q, n_missing=missing, sd=stats.sd
        )

    return to_comparison(
        pairs,
        (arm_estimate(stats_v, missv), arm_estimate(stats_c, missc)),
        metric="mean",
        label="mean",
        method=method if tuning is None else sequential_method(method),
        level=level,
        alternative=alt,
    )


def _check_covariates(
    covariates: object, control: object, variant: object
) -> tuple[list[object], list[object]] | None:
    if covariates is None:
        return None
    if isinstance(control, MeanStats) or isinstance(variant, MeanStats):
        raise TypeError("covariates (CUPED) need per-unit values of both arms, not MeanStats")
    return arm_covariates(covariates, control, variant)


def _propagated(
    arms: list[tuple[MeanStats, int]], cuped: bool, method: str, level: float, alt: Any
) -> Comparison:
    """NaN for the arms with missing values (both under CUPED: theta is pooled), and the
    comparison; the counts of units present and missing are kept."""
    nan = float("nan")
    estimates = []
    for stats, missing in arms:
        if missing or cuped:
            estimates.append(
                normal_estimate("mean", nan, nan, stats.n, level, "t", nan, n_missing=missing)
            )
        else:
            q = float(special.stdtrit(stats.n - 1, 0.5 + level / 2))
            estimates.append(
                normal_estimate("mean", stats.mean, stats.se, stats.n, level, "t", q, sd=stats.sd)
            )
    test = "bootstrap" if method in BOOTSTRAP else "welch t"
    return to_comparison(
        nan_pairs(arms[0][0].n, arms[1][0].n, test),
        (estimates[1], estimates[0]),
        metric="mean",
        label="mean",
        method=method,
        level=level,
        alternative=alt,
    )


def _cuped_arms(raw: list[FloatArray]) -> list[FloatArray]:
    """Each arm's values adjusted with one slope pooled over both arms."""
    from .cuped import cuped

    values = np.concatenate([x[0] for x in raw])
    covariate = np.concatenate([x[1] for x in raw])
    adjusted = cuped(values, covariate).adjusted
    size = raw[0].shape[1]
    return [adjusted[:size], adjusted[size:]]


def _cuped_several(raw: list[FloatArray]) -> list[FloatArray]:
    """Each arm's values adjusted for several covariates, theta pooled over both arms."""
    both = np.concatenate(raw, axis=1)
    codes, segment = two_arms((raw[0].shape[1], raw[1].shape[1]))
    _, adjusted, _ = cuped_mean_rows(both[0], both[1:], codes, 2, segment, 1)
    size = raw[0].shape[1]
    return [adjusted[:size], adjusted[size:]]


fill_docs(compare_means)
