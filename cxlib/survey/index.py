"""The shared pipeline of every survey index: tabulate, score, infer, assemble.

A frontend (NPS, CSAT, ...) describes its index with an :class:`IndexSpec` (how an
answer combination is scored, which analytic intervals exist, which components to
report) and hands its checked inputs to :func:`run_index`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.bootstrap import (
    BOOTSTRAP_METHODS,
    counts_acceleration,
    counts_replicates,
    rows_acceleration,
    rows_replicates,
)
from ..core.engine_tables import EngineInputs, check_whole_weights, engine_tabulate
from ..core.errors import CoverageWarning, find_stack_level
from ..core.inference import assemble, check_interval, replicate_interval, warn_degenerate
from ..core.inputs import Inputs
from ..core.progress import check_progress
from ..core.results import Estimate
from ..core.scores import WEIGHTS_KINDS, Moments, ScoreTable, WeightsKind, moments
from ..core.tabulate import Item, PointTable, View, tabulate
from ..core.validation import (
    as_generator,
    check_choice,
    check_confidence_level,
    check_n_resamples,
    check_nan_policy,
    show_values,
)

FloatArray = npt.NDArray[np.float64]
AnalyticInterval = Callable[[str, ScoreTable, Moments, float], tuple[FloatArray, FloatArray]]
Components = Callable[[Mapping[str, PointTable], ScoreTable, Moments, WeightsKind], dict[str, Any]]

# Cells (groups x answer combinations) of the largest table tabulated in one go.
_MAX_CELLS = 1 << 26


@dataclass(frozen=True)
class IndexSpec:
    """What distinguishes one survey index from another."""

    metric: str
    label: str
    ddof: int  # 0: plug-in variance (shares, NPS); 1: sample variance (means)
    analytic_methods: tuple[str, ...]
    analytic: AnalyticInterval
    components: Components
    bounds: tuple[float, float] = (0.0, 100.0)  # the range of the index
    # Bounded means: warn where strongly unequal survey weights leave too few
    # effective respondents for any interval to keep its coverage.
    check_weighted_coverage: bool = False


@dataclass(frozen=True)
class Options:
    """Checked inference options shared by all indices."""

    ci_method: str
    confidence_level: float
    nan_policy: Any
    weights_kind: WeightsKind
    n_resamples: int
    rng: np.random.Generator
    progress: bool = False


def check_options(
    spec: IndexSpec,
    *,
    ci_method: object,
    confidence_level: object,
    nan_policy: object,
    weights_kind: object,
    n_resamples: object,
    rng: object,
    progress: object = False,
) -> Options:
    """Validate the options common to every index, naming the offending argument."""
    method = check_choice("ci_method", ci_method, (*spec.analytic_methods, *BOOTSTRAP_METHODS))
    return Options(
        ci_method=method,
        confidence_level=check_confidence_level(confidence_level),
        nan_policy=check_nan_policy(nan_policy),
        weights_kind=check_choice("weights_kind", weights_kind, WEIGHTS_KINDS),
        n_resamples=check_n_resamples(n_resamples),
        rng=as_generator(rng),
        progress=check_progress(progress),
    )


def _check_frequency_weights(weights: FloatArray | None, kind: WeightsKind) -> None:
    if kind == "frequency" and weights is not None:
        fractional = weights != np.rint(weights)
        if fractional.any():
            raise ValueError(
                "frequency weights must be whole numbers (each counts repeated answers); "
                f"found {show_values(weights[fractional])}; use weights_kind='survey' "
                "for sampling weights"
            )


def run_index(
    spec: IndexSpec,
    inputs: Inputs | EngineInputs,
    scales: Sequence[tuple[int, int]],
    combo_scores: npt.ArrayLike,
    options: Options,
    views: Mapping[str, View] | None = None,
) -> Estimate | pd.DataFrame:
    """Estimate the index in every group and return an Estimate or the tidy frame.

    ``scales`` gives each item's (low, high); ``combo_scores`` the per-unit score of
    every combination of answers, in the mixed-radix order of :func:`tabulate`;
    ``views`` the further tables the components need (e.g. one per item).
    """
    scores = np.asarray(combo_scores, dtype=np.float64)
    # Combinations with equal scores (to rounding) form one level of the score.
    _, first, level = np.unique(np.round(scores, 9), return_index=True, return_inverse=True)
    level = level.ravel().astype(np.intp)
    all_views = {"levels": View(bins=level, n_bins=len(first)), **(views or {})}
    bootstrap = options.ci_method in BOOTSTRAP_METHODS
    survey_weighted = inputs.weights is not None and options.weights_kind == "survey"
    row_combo = None
    if isinstance(inputs, EngineInputs):
        if options.weights_kind == "frequency":
            check_whole_weights(inputs)
        if bootstrap and survey_weighted:
            raise ValueError(
                f"ci_method={options.ci_method!r} with survey weights resamples rows, which "
                f"stay in the {inputs.frame.engine} frame; use an analytic ci_method "
                f"({', '.join(repr(m) for m in spec.analytic_methods)}), or pandas data"
            )
        tables, keys = engine_tabulate(
            inputs, scales, nan_policy=options.nan_policy, views=all_views
        )
    else:
        _check_frequency_weights(inputs.weights, options.weights_kind)
        items = [
            Item(values, low, high, label)
            for values, (low, high), label in zip(inputs.values, scales, inputs.labels, strict=True)
        ]
        n_candidates = 1 if inputs.groups is None else inputs.groups.n_groups
        cells = n_candidates * sum(v.n_bins + 1 for v in all_views.values())
        if cells > _MAX_CELLS:
            raise ValueError(
                f"{spec.label}: {n_candidates:,} groups need {cells:,} table cells, more "
                f"than the {_MAX_CELLS:,} cxlib tabulates at once; use fewer groups"
            )
        tables, row_combo = tabulate(
            items,
            groups=inputs.groups,
            weights=inputs.weights,
            nan_policy=options.nan_policy,
            views=all_views,
            row_codes=bootstrap and survey_weighted,
        )
        keys = None if inputs.groups is None else inputs.groups.keys
    keep = tables["levels"].n_rows > 0  # candidate groups without rows are no groups
    if keys is not None and not keep.all():
        tables = {name: t.take(keep) for name, t in tables.items()}
        keys = keys[keep]
    points = tables["levels"]
    table = ScoreTable(
        scores=scores[first],  # each level keeps an exact score, not the rounded one
        counts=points.counts,
        n_missing=points.n_missing,
        level_of_combo=level,
        sum_weights=points.sum_weights,
        sum_weights_sq=points.sum_weights_sq,
    )
    m = moments(table, options.weights_kind, spec.ddof)
    value = m.mean
    if spec.check_weighted_coverage and survey_weighted:
        _warn_weighted_coverage(spec.label, table, keys is not None)
    if bootstrap:
        low, high = _bootstrap(table, m, inputs, row_combo, scores, keep, options)
    else:
        low, high = spec.analytic(options.ci_method, table, m, options.confidence_level)
    # Normal-theory and basic bootstrap intervals can pass the ends of the index.
    low, high = np.clip(low, *spec.bounds), np.clip(high, *spec.bounds)
    se = m.se
    undefined = ~np.isfinite(value)
    if options.nan_policy == "propagate":
        undefined |= points.n_missing > 0
    grouped = keys is not None
    if undefined.any():
        value, se, low, high = (np.where(undefined, np.nan, x) for x in (value, se, low, high))
        empty = int((~np.isfinite(m.mean)).sum())
        if empty:
            where = f"{empty} of {len(value)} groups" if grouped else "the data"
            warn_degenerate(
                f"{spec.label} is undefined (NaN) for {where}: no answers with positive weight"
            )
    check_interval(
        value,
        low,
        high,
        ci_method=options.ci_method,
        analytic=not bootstrap,
        where_undefined="{k} group(s)",
        why_undefined="too few answers",
        why_collapsed="whose answers all agree"
        + (
            "; an interval built for the edges of the scale (score, Wilson, "
            "Jeffreys, Clopper-Pearson) is more informative"
            if options.ci_method == "wald"
            else ""
        ),
    )
    columns: dict[str, Any] = {
        "metric": spec.metric,
        "value": value,
        "se": se,
        "ci_low": low,
        "ci_high": high,
        "n": np.rint(m.n).astype(np.int64),
        "n_missing": _missing(points, options.weights_kind),
    }
    columns.update(spec.components(tables, table, m, options.weights_kind))
    if m.sum_weights is not None:
        columns["sum_weights"] = m.sum_weights
        columns["n_effective"] = m.n_effective
    return assemble(
        columns,
        keys=keys,
        label=spec.label,
        confidence_level=options.confidence_level,
        ci_method=options.ci_method,
    )


# From benchmarks/coverage_survey.py and its weighted cells (lognormal weights, sigma
# 0.5-1.25, J-shaped, skewed and symmetric answers, n = 10-300), binned by each sample's
# Kish design effect and effective n: on J-shaped answers the adjusted Wald interval
# covered 81-93 % where the design effect passed 1.5 with fewer than 40 effective
# respondents, and 92 % with a design effect above 3 and 40-80 of them; 94-95 % beyond.
_KISH_DEFF_LIMIT = 1.5
_KISH_N_TRUSTED = 40.0
_KISH_DEFF_HEAVY, _KISH_N_TRUSTED_HEAVY = 3.0, 80.0


def _warn_weighted_coverage(label: str, table: ScoreTable, grouped: bool) -> None:
    """CoverageWarning where unequal weights leave too few effective respondents."""
    if table.sum_weights is None or table.sum_weights_sq is None:
        return
    n = table.counts.sum(axis=1)
    total = table.sum_weights.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        kish = total**2 / table.sum_weights_sq.sum(axis=1)
        deff = n / kish
    trusted = np.where(deff > _KISH_DEFF_HEAVY, _KISH_N_TRUSTED_HEAVY, _KISH_N_TRUSTED)
    risky = (n > 0) & (deff > _KISH_DEFF_LIMIT) & (kish < trusted)
    if risky.any():
        where = f"{int(risky.sum())} group(s)" if grouped else "the data"
        warnings.warn(
            f"{label}: the survey weights of {where} are unequal (Kish design effect above "
            f"{_KISH_DEFF_LIMIT:g}) and leave few effective respondents; the interval may "
            "cover less than its confidence level (81-93 % for a 95 % interval in cxlib's "
            "simulations of skewed answers). It can be trusted from a Kish effective sample "
            f"size ((sum of weights)**2 / sum of squared weights) of {_KISH_N_TRUSTED:g}, "
            f"or {_KISH_N_TRUSTED_HEAVY:g} with a design effect above {_KISH_DEFF_HEAVY:g}.",
            CoverageWarning,
            stacklevel=find_stack_level(),
        )


def points_view(low: int, high: int) -> dict[str, View]:
    """The view of a single item's answers ``low..high`` (its table is named "points")."""
    n = high - low + 1
    return {"points": View(bins=np.arange(n, dtype=np.intp), n_bins=n)}


def answer_distribution(
    points: PointTable, low: int, high: int, weights_kind: WeightsKind
) -> dict[str, Any]:
    """Counts of every answer ``low..high`` of a single-item table: ``n_answer_<k>``."""
    counted = points.counts
    if weights_kind == "frequency" and points.sum_weights is not None:
        counted = np.rint(points.sum_weights).astype(np.int64)  # weights count rows
    return {
        f"n_answer_{a}" if a >= 0 else f"n_answer_neg{-a}": counted[:, k]
        for k, a in enumerate(range(low, high + 1))
    }


def _missing(points: PointTable, weights_kind: WeightsKind) -> npt.NDArray[np.int64]:
    """Missing answers per group; a frequency weight counts the answers a row stands for."""
    if weights_kind == "frequency" and points.missing_weights is not None:
        return np.rint(points.missing_weights).astype(np.int64)
    return points.n_missing


def _bootstrap(
    table: ScoreTable,
    m: Moments,
    inputs: Inputs | EngineInputs,
    row_combo: npt.NDArray[np.intp] | None,
    combo_scores: FloatArray,
    keep: npt.NDArray[np.bool_],
    options: Options,
) -> tuple[FloatArray, FloatArray]:
    method = check_choice("ci_method", options.ci_method, BOOTSTRAP_METHODS)
    if row_combo is None or not isinstance(inputs, Inputs) or inputs.weights is None:
        counts = table.counts
        if table.sum_weights is not None:  # frequency weights count repeated rows
            counts = np.rint(table.sum_weights).astype(np.int64)
        reps = counts_replicates(
            table.scores, counts, options.n_resamples, options.rng, progress=options.progress
        )
        accel = counts_acceleration(table.scores, counts) if method == "bca" else None
    else:
        answered = row_combo >= 0
        s = combo_scores[row_combo[answered]]
        w = inputs.weights[answered]
        groups = inputs.groups
        codes = None if groups is None else groups.codes[answered]
        n_candidates = 1 if groups is None else groups.n_groups
        reps = rows_replicates(
            s, w, codes, n_candidates, options.n_resamples, options.rng, progress=options.progress
        )
        accel = rows_acceleration(s, w, codes, n_candidates) if method == "bca" else None
        if groups is not None:
            reps = reps[:, keep]
            accel = None if accel is None else accel[keep]
    return replicate_interval(
        reps,
        m.mean,
        method,
        options.confidence_level,
        accel,
        why_single="(all answers give the same score, or too few resamples)",
    )
