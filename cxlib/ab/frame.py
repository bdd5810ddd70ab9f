"""Every variant against its control, per segment, from one DataFrame in one pass.

The rows are reduced once to sufficient statistics per cell (arm x segment) with
:func:`numpy.bincount` (:mod:`cxlib.ab.cells`); all comparisons are then computed
together, so a thousand segments with four variants each cost about as much as one
comparison.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.errors import DegenerateDataWarning, find_stack_level
from ..core.frames import engine_frame, is_engine_frame
from ..core.grouping import normalise_by
from ..core.lift import FloatArray, Pairs
from ..core.progress import check_progress
from ..core.validation import (
    NanPolicy,
    as_generator,
    check_alternative,
    check_choice,
    check_confidence_level,
    check_n_resamples,
    check_nan_policy,
    check_optional_bool,
    get_column,
)
from .cells import Cells, continuous_pairs, index_pairs, proportion_cells
from .cuped_multi import check_covariate
from .engine import engine_compare
from .metrics import Index, Mean, Proportion, Quantile, Ratio
from .multiplicity import PVALUE_ADJUSTMENTS, PValueAdjustment, adjust_pvalues
from .proportions import ProportionMethod, check_proportion_method, proportion_pairs
from .quantiles import check_quantile_method
from .sequential import check_sequential, make_sequential
from .trajectory import trajectory
from .two_arms import BOOTSTRAP, mask_pairs, warn_degenerate

__all__ = ["compare"]

Spec = Proportion | Mean | Ratio | Quantile | Index
Metric = str | tuple[str, str] | Spec
_NORMAL_METHODS = ("delta", "fieller", "log")


def _resolve_metric(data: pd.DataFrame, metric: object) -> Spec:
    if isinstance(metric, (Proportion, Mean, Ratio, Quantile, Index)):
        return metric
    if isinstance(metric, str):
        column = get_column(data, metric, "metric")
        if column.dtype == bool or str(column.dtype) == "boolean":
            return Proportion(metric)
        return Mean(metric)
    if isinstance(metric, tuple) and len(metric) == 2 and all(isinstance(m, str) for m in metric):
        return Ratio(metric[0], metric[1])
    raise TypeError(
        "metric must be a column name (bool: conversion rate, numbers: mean), a pair "
        "(numerator, denominator) of column names, or a cx.ab.Proportion, Mean, Ratio, "
        f"Quantile or Index; got {metric!r}"
    )


def compare(
    data: Any,
    *,
    group: str,
    control: Any,
    metric: Metric,
    by: str | Sequence[str] | None = None,
    ci_method: ProportionMethod = "fieller",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    exact: bool | None = None,
    adjust: PValueAdjustment | None = None,
    covariate: str | Sequence[str] | None = None,
    nan_policy: NanPolicy = "omit",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
    sequential: bool = False,
    sequential_tuning: float = 5000.0,
    time: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Compare every variant with the control, per segment: a tidy frame of lifts.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (visitor, respondent), or rows of sufficient statistics
        (several rows of one arm and segment add up).
    group : str
        Column naming each row's arm.
    control : scalar
        The control arm's value in ``group``.
    metric : str, tuple of str, Proportion, Mean, Ratio, Quantile or Index
        What to compare:

        - a column name: a conversion rate for a bool column, else a mean;
        - ``(numerator, denominator)``: a ratio metric of per-unit columns;
        - :class:`cxlib.ab.Proportion`, :class:`cxlib.ab.Mean`,
          :class:`cxlib.ab.Ratio` for explicit or summed data;
        - :class:`cxlib.ab.Index` for a survey index (NPS, CSAT, ...) per arm;
        - :class:`cxlib.ab.Quantile` for a median or percentile of per-unit rows.
    by : str or list of str, optional
        Segment column(s): each segment's variants against that segment's control.
    ci_method : str, default "fieller"
        Interval method, as in :func:`compare_proportions` (conversion rates),
        :func:`compare_means` and :func:`compare_ratios`; the default's lift interval
        excludes 0 exactly when the test rejects. Survey indices take ``"fieller"``,
        ``"delta"`` or ``"log"`` (normal approximation with the index's standard
        error); bootstrap methods need per-unit data. Quantiles: as in
        :func:`compare_quantiles`, the default standing for ``"price-bonett"``.
    confidence_level : float, default 0.95
        Coverage of the intervals.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        ``"greater"``: the variant is above the control.
    exact : bool, optional
        Fisher's exact test for conversion rates (see :func:`compare_proportions`).
    adjust : {"holm", "bonferroni", "sidak", "hochberg", "fdr_bh", "fdr_by"}, optional
        Adds ``p_value_adjusted``, corrected over all rows of the result
        (:func:`adjust_pvalues`; ``"fdr_bh"`` is Benjamini-Hochberg).
    covariate : str or list of str, optional
        Pre-experiment covariate column(s) for CUPED of a per-unit mean or ratio
        metric: each value becomes ``y - theta' (x - mean(x))`` with ``theta =
        Sigma_xx^-1 Sigma_xy`` estimated per segment over all its arms (see
        :func:`cuped`); a ratio's delta-method linearisation is adjusted, e.g. with
        ``["pre_revenue", "pre_orders"]`` (see the A/B guide). Several covariates
        must not be constant or collinear in a segment. On every engine (reduced to
        co-moments per arm and segment there).
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Missing per-unit values (NaN, None, pandas.NA; a unit of a ratio is missing
        when its numerator or denominator is, with a covariate when either value is):
        left out and counted in ``n_missing_control`` and ``n_missing_variant``; an
        error; or NaN results for the arms holding any and their comparisons (the
        counts are kept), as in the survey indices. Survey indices (``Index``) read
        their answers with the same policy.
    n_resamples : int, default 9999
        Bootstrap resamples.
    rng : int, numpy.random.Generator, optional
        Seed or generator of the bootstrap.
    sequential, sequential_tuning : bool, float
        Confidence sequences and always-valid p-values, for a test looked at again
        and again (see :func:`compare_proportions`).
    time : str, optional
        Column of the time each row was observed (a date, a day number): the result
        is the trajectory of the test, the comparison of the rows up to each distinct
        time, with ``time`` as its first column (one look per time, ascending).
    progress : bool, default False
        Show a progress bar of the bootstrap resamples (needs tqdm: ``pip install
        "cxlib[progress]"``); the result is the same with or without it.

    Returns
    -------
    pandas.DataFrame
        One row per variant and segment (and look, with ``time``): the ``by`` columns,
        ``group`` (the variant), ``control``, ``metric``, ``value_control``,
        ``value_variant``, ``n_control``, ``n_variant``, ``difference``, ``se``,
        ``ci_low``, ``ci_high``, ``lift``, ``lift_ci_low``, ``lift_ci_high``,
        ``statistic``, ``p_value``, ``test``
        (and ``n_missing_*``, ``p_value_adjusted`` where they apply).

    Warns
    -----
    CoverageWarning
        Means of per-unit rows: one warning for the comparisons whose intervals may
        cover less than ``confidence_level`` (skewed values in arms of unequal size,
        or a bootstrap of too few units for their skewness), as in
        :func:`compare_means`.

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> summary = pd.DataFrame({
    ...     "arm": ["A", "B", "C"],
    ...     "conversions": [400, 504, 430],
    ...     "visitors": [10_000, 10_000, 10_000]})
    >>> table = cx.ab.compare(summary, group="arm", control="A",
    ...                       metric=cx.ab.Proportion("conversions", "visitors"))
    >>> table[["arm", "lift", "p_value"]].round(4)
      arm   lift  p_value
    0   B  0.260   0.0004
    1   C  0.075   0.2875
    """
    if time is not None:
        return trajectory(
            compare, data, time, by,
            group=group, control=control, metric=metric, ci_method=ci_method,
            confidence_level=confidence_level, alternative=alternative, exact=exact,
            adjust=adjust, covariate=covariate, nan_policy=nan_policy,
            n_resamples=n_resamples, rng=rng, sequential=sequential,
            sequential_tuning=sequential_tuning, progress=progress,
        )  # fmt: skip
    if is_engine_frame(data):
        return engine_compare(
            engine_frame(data),
            compare,
            group=group,
            metric=metric,
            by=by,
            ci_method=ci_method,
            covariate=covariate,
            nan_policy=check_nan_policy(nan_policy),
            control=control,
            confidence_level=confidence_level,
            alternative=alternative,
            exact=exact,
            adjust=adjust,
            n_resamples=n_resamples,
            rng=rng,
            sequential=sequential,
            sequential_tuning=sequential_tuning,
            progress=progress,
        )
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("data has no rows")
    level = check_confidence_level(confidence_level)
    exact = check_optional_bool("exact", exact)
    alt = check_alternative(alternative)
    policy = check_nan_policy(nan_policy)
    b = check_n_resamples(n_resamples)
    gen = as_generator(rng)
    show = check_progress(progress)
    if adjust is not None:
        check_choice("adjust", adjust, PVALUE_ADJUSTMENTS)
    spec = _resolve_metric(data, metric)
    covariates = check_covariate(spec, covariate, ci_method)
    by_names = [] if by is None else normalise_by(by)
    cells = Cells(data, group, control, by_names)
    method = _check_method(spec, ci_method)
    tuning = check_sequential(sequential, sequential_tuning, method, alt, exact)
    valid = cells.control_cell >= 0
    vc, cc = cells.variant_cell[valid], cells.control_cell[valid]
    extra: dict[str, FloatArray] = {}
    name: str
    missing: FloatArray | None = None
    if isinstance(spec, Proportion):
        s, n, missing = proportion_cells(data, spec, cells, policy)
        ok = (n[cc] > 0) & (n[vc] > 0)
        vc, cc, valid = vc[ok], cc[ok], _narrow(valid, ok)
        pairs = proportion_pairs(
            s[cc],
            n[cc],
            s[vc],
            n[vc],
            method=method,
            level=level,
            alternative=alt,
            exact=exact if tuning is None else False,
            n_resamples=b,
            rng=gen,
            progress=show,
        )
        name = "conversion_rate"
        if spec.trials is None:
            extra = {"n_missing_control": missing, "n_missing_variant": missing}
        else:
            missing = None
    elif isinstance(spec, Index):
        pairs, name = index_pairs(data, spec, cells, vc, cc, method, level, alt, policy)
    else:
        pairs, name, extra, ok = continuous_pairs(
            data, spec, cells, vc, cc, method, level, alt, policy, b, gen, covariates, show
        )
        vc, cc, valid = vc[ok], cc[ok], _narrow(valid, ok)
        missing = extra.get("n_missing_control")
    if tuning is not None:
        pairs = make_sequential(pairs, level, tuning, method)
    propagated = np.zeros(len(valid), dtype=bool)
    if policy == "propagate" and missing is not None:
        # NaN for the cells holding missing values and their comparisons, silently.
        tainted = missing > 0
        pairs = mask_pairs(pairs, tainted[cc], tainted[vc])
        control = cells.control_cell
        propagated = tainted[cells.variant_cell] | ((control >= 0) & tainted[control])
    warn_degenerate(pairs)
    if (~valid & ~propagated).any():
        warnings.warn(
            f"{int((~valid & ~propagated).sum()):,} variant rows have no control (or no "
            "units) in their segment: their comparison is NaN",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )
    return _frame(cells, pairs, valid, name, extra, adjust)


def _narrow(valid: npt.NDArray[np.bool_], ok: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    out: npt.NDArray[np.bool_] = valid.copy()
    out[np.flatnonzero(valid)[~ok]] = False
    return out


def _check_method(spec: object, ci_method: object) -> Any:
    if isinstance(spec, Proportion):
        return check_proportion_method(ci_method)
    if isinstance(spec, Index):
        return check_choice("ci_method", ci_method, _NORMAL_METHODS)
    if isinstance(spec, Quantile):
        return check_quantile_method(ci_method)
    method = check_choice("ci_method", ci_method, (*_NORMAL_METHODS, *BOOTSTRAP))
    summed = isinstance(spec, Mean) and spec.column is None
    summed = summed or (isinstance(spec, Ratio) and spec.summed)
    if summed and method in BOOTSTRAP:
        raise ValueError(
            f"ci_method={method!r} resamples units, but the metric is given as sums; "
            "use 'delta', 'fieller' or 'log', or per-unit rows"
        )
    return method


def _constant(value: Any, rows: int) -> Any:
    """A column repeating ``value``, in the dtype pandas infers for it, without per-row work."""
    return pd.Series([value]).array.take(np.zeros(rows, dtype=np.intp))


def _frame(
    cells: Cells,
    pairs: Pairs,
    valid: npt.NDArray[np.bool_],
    name: str,
    extra: dict[str, FloatArray],
    adjust: PValueAdjustment | None,
) -> pd.DataFrame:
    rows = len(valid)
    idx = np.flatnonzero(valid)
    every = len(idx) == rows

    def spread(x: npt.NDArray[Any]) -> FloatArray:
        if every:
            return np.asarray(x, dtype=np.float64)
        out = np.full(rows, np.nan)
        out[idx] = x
        return out

    columns: dict[Hashable, Any] = {
        "control": _constant(cells.control, rows),
        "metric": _constant(name, rows),
        "value_control": spread(pairs.control),
        "value_variant": spread(pairs.variant),
        "n_control": spread(pairs.n_control),
        "n_variant": spread(pairs.n_variant),
    }
    control_cells = cells.control_cell
    for key, values in extra.items():
        cell = control_cells if key.endswith("control") else cells.variant_cell
        columns[key] = np.where(cell >= 0, values[np.maximum(cell, 0)], np.nan)
    # Test names through their codes: one string per distinct test, None where not valid.
    tests, test_code = np.unique(pairs.test, return_inverse=True)
    codes = np.full(rows, len(tests), dtype=np.intp)
    codes[idx] = test_code.ravel()
    columns.update(
        difference=spread(pairs.difference),
        se=spread(pairs.se),
        ci_low=spread(pairs.ci_low),
        ci_high=spread(pairs.ci_high),
        lift=spread(pairs.lift),
        lift_ci_low=spread(pairs.lift_low),
        lift_ci_high=spread(pairs.lift_high),
        statistic=spread(pairs.statistic),
        p_value=spread(pairs.p_value),
        test=pd.Series([*tests.tolist(), None]).array.take(codes),
    )
    if adjust is not None:
        p = columns["p_value"]
        adjusted = np.full(rows, np.nan)
        finite = np.isfinite(p)
        if finite.any():
            adjusted[finite] = adjust_pvalues(p[finite], adjust)
        columns["p_value_adjusted"] = adjusted
    for col in ("n_control", "n_variant", "n_missing_control", "n_missing_variant"):
        if col in columns and not np.isnan(columns[col]).any():
            columns[col] = columns[col].astype(np.int64)
    keys = cells.key_columns(cells.variant_cell)
    overlap = set(keys) & set(columns)
    if overlap:
        raise ValueError(
            f"by column(s) {sorted(map(str, overlap))} clash with result columns; rename them"
        )
    frame: pd.DataFrame = pd.DataFrame({**keys, **columns})
    return frame
