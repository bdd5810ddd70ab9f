"""The five-component customer commitment profile: scores, dominant dimension, group means.

Customers commit to a provider in five ways (affective, normative, economic, forced and
habitual commitment, after research at Rice University); each is measured by a few
rating items chosen by the user. Each dimension runs through the survey-index pipeline
of :mod:`cxlib.survey.index` as its own bounded-mean index (answer combinations counted
in pandas or in the engine holding the rows), so its group means get the same intervals,
weights and missing-answer handling as the engagement and loyalty indices.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.bootstrap import BootstrapMethod
from ..core.bounded_mean import BOUNDED_MEAN_CI_METHODS, BoundedMeanCIMethod
from ..core.engine_tables import EngineInputs, engine_inputs
from ..core.files import is_path, read
from ..core.frames import engine_frame, is_engine_frame
from ..core.grouping import make_groups
from ..core.inputs import Inputs
from ..core.results import Estimate
from ..core.scores import WeightsKind
from ..core.validation import NanPolicy, as_numeric_1d, as_weights, get_column
from .index import IndexSpec, Options, check_options, run_index
from .items import combo_answers
from .profile import CommitmentProfile
from .scales import ScaleLike, resolve_scale
from .scoring import bounded_mean_interval_of

__all__ = [
    "COMMITMENT_DIMENSIONS",
    "CommitmentDimension",
    "CommitmentProfile",
    "commitment_profile",
]

FloatArray = npt.NDArray[np.float64]
CommitmentDimension = Literal["affective", "normative", "economic", "forced", "habitual"]
#: The five dimensions of customer commitment, in the order results list them.
COMMITMENT_DIMENSIONS: tuple[CommitmentDimension, ...] = (
    "affective",
    "normative",
    "economic",
    "forced",
    "habitual",
)
# Answer combinations of one dimension tabulated at most (7 items on a 1-7 scale).
_MAX_COMBINATIONS = 1 << 23
# Dimension scores within this many points of the highest count as tied for the top.
_TIE_TOLERANCE = 1e-9


def _check_items(items: object) -> dict[str, list[Any]]:
    """The item columns of each named dimension, in the canonical order."""
    allowed = ", ".join(repr(d) for d in COMMITMENT_DIMENSIONS)
    if not isinstance(items, Mapping):
        raise TypeError(
            f"items must be a dict mapping dimensions ({allowed}) to lists of item "
            f"columns; got {type(items).__name__}"
        )
    unknown = [d for d in items if d not in COMMITMENT_DIMENSIONS]
    if unknown:
        raise ValueError(f"items names unknown dimension(s) {unknown!r}; allowed: {allowed}")
    if not items:
        raise ValueError(f"items names no dimension; give item columns for some of {allowed}")
    out: dict[str, list[Any]] = {}
    seen: dict[Any, str] = {}
    for dim in COMMITMENT_DIMENSIONS:
        if dim not in items:
            continue
        cols = items[dim]
        if isinstance(cols, (str, bytes)) or not isinstance(cols, Sequence):
            raise TypeError(
                f"items[{dim!r}] must be a list of item columns; got {cols!r}"
                + (f" (write [{cols!r}] for one item)" if isinstance(cols, str) else "")
            )
        if len(cols) == 0:
            raise ValueError(f"items[{dim!r}] is empty: a dimension needs at least one item")
        for col in cols:
            if col in seen:
                where = "twice" if seen[col] == dim else f"in {seen[col]!r} and {dim!r}"
                raise ValueError(f"items lists column {col!r} {where}; each item scores once")
            seen[col] = dim
        out[dim] = list(cols)
    return out


def _check_reverse(reverse: object, dims: Mapping[str, list[Any]]) -> tuple[Any, ...]:
    """The reverse-keyed items: a list of columns, each listed in ``items`` once."""
    if isinstance(reverse, (str, bytes)) or not isinstance(reverse, Sequence):
        raise TypeError(
            f"reverse must be a list of item columns; got {reverse!r}"
            + (f" (write [{reverse!r}] for one item)" if isinstance(reverse, str) else "")
        )
    listed = {c for cols in dims.values() for c in cols}
    stray = [c for c in reverse if c not in listed]
    if stray:
        raise ValueError(f"reverse names column(s) {stray!r} that items does not list")
    repeated = sorted({str(c) for c in reverse if list(reverse).count(c) > 1})
    if repeated:
        raise ValueError(f"reverse lists column(s) {repeated} more than once")
    return tuple(reverse)


def _resolve(
    data: object, columns: list[Any], by: object, weights: object
) -> Inputs | EngineInputs:
    """All item columns with the weights and groups, read or checked once."""
    if is_engine_frame(data):
        return engine_inputs(engine_frame(data), columns, "items", by, weights)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"data must be a DataFrame holding the item columns; got {type(data).__name__}"
        )
    if len(data) == 0:
        raise ValueError("data is empty: no answers to summarise")
    labels = [f"column {c!r}" for c in columns]
    values = [
        as_numeric_1d(get_column(data, c, "items"), label)
        for c, label in zip(columns, labels, strict=True)
    ]
    groups = make_groups(data, by) if by is not None else None
    return Inputs(values, labels, as_weights(weights, data, len(data)), groups)


def _subset(inputs: Inputs | EngineInputs, positions: list[int]) -> Inputs | EngineInputs:
    labels = [inputs.labels[p] for p in positions]
    if isinstance(inputs, EngineInputs):
        cols = [inputs.columns[p] for p in positions]
        return dataclasses.replace(inputs, columns=cols, labels=labels)
    answers = inputs.values  # noqa: PD011 (Inputs holds numpy arrays)
    return dataclasses.replace(inputs, values=[answers[p] for p in positions], labels=labels)


def _no_components(*_: object) -> dict[str, Any]:
    return {}


def _spec(dim: str) -> IndexSpec:
    """A dimension as a survey index: the mean of a bounded score, 0-100."""
    return IndexSpec(
        metric=f"{dim}_commitment",
        label=f"{dim.capitalize()} commitment",
        ddof=1,
        analytic_methods=BOUNDED_MEAN_CI_METHODS,
        analytic=bounded_mean_interval_of((0.0, 100.0)),
        check_weighted_coverage=True,
        components=_no_components,
    )


def _dimension_summary(
    dim: str,
    inputs: Inputs | EngineInputs,
    flip: npt.NDArray[np.bool_],
    scale: tuple[int, int],
    options: Options,
) -> pd.DataFrame:
    """One dimension's mean score per group, as a frame (one row without groups)."""
    low, high = scale
    k = len(flip)
    n_combos = (high - low + 1) ** k
    if n_combos > _MAX_COMBINATIONS:
        raise ValueError(
            f"items[{dim!r}] has {k} items on the {low}-{high} scale: {n_combos:,} answer "
            f"combinations, more than the {_MAX_COMBINATIONS:,} cxlib tabulates for one "
            "dimension; use fewer items (or a shorter scale)"
        )
    answers = combo_answers([scale] * k)  # (items, combinations)
    offsets = np.where(flip[:, None], high - answers, answers - low)
    combo_scores = 100.0 * offsets.mean(axis=0) / (high - low)
    result = run_index(_spec(dim), inputs, [scale] * k, combo_scores, options)
    if isinstance(result, Estimate):
        result = result.to_frame().drop(columns=["confidence_level", "ci_method"])
    return result.drop(columns=["metric"])


def _scores(
    inputs: Inputs,
    dims: Mapping[str, list[Any]],
    reverse: tuple[Any, ...],
    scale: tuple[int, int],
    index: pd.Index,
) -> pd.DataFrame:
    """Per-respondent dimension scores and the dominant dimension(s)."""
    low, high = scale
    position = {c: j for j, c in enumerate(c for cols in dims.values() for c in cols)}
    values = inputs.values  # noqa: PD011 (Inputs holds numpy arrays)
    columns: dict[str, Any] = {}
    for dim, cols in dims.items():
        answers = np.column_stack([values[position[c]] for c in cols]).astype(np.float64)
        flip = np.array([c in reverse for c in cols])
        offsets = np.where(flip, high - answers, answers - low)  # NaN stays NaN
        columns[dim] = 100.0 * offsets.mean(axis=1) / (high - low)
    table = np.column_stack(list(columns.values()))
    complete = np.isfinite(table).all(axis=1)
    filled = np.where(complete[:, None], table, 0.0)
    top = (filled >= filled.max(axis=1, keepdims=True) - _TIE_TOLERANCE) & complete[:, None]
    names = np.array(list(dims))
    # Each pattern of tied dimensions is a bit mask; name the few masks that occur.
    masks = top.astype(np.int64) @ (1 << np.arange(len(names), dtype=np.int64))
    distinct, code = np.unique(masks, return_inverse=True)
    labels = np.array(
        ["+".join(names[(m >> np.arange(len(names))) & 1 == 1]) or None for m in distinct],
        dtype=object,
    )
    columns["dominant"] = labels[code.ravel()]  # strings, None where undefined
    columns["n_dominant"] = top.sum(axis=1).astype(np.int64)
    return pd.DataFrame(columns, index=index)


def commitment_profile(
    data: Any,
    items: Mapping[str, Sequence[str]],
    *,
    scale: ScaleLike = (1, 7),
    reverse: Sequence[str] = (),
    by: str | Sequence[str] | None = None,
    weights: Any = None,
    weights_kind: WeightsKind = "survey",
    ci_method: BoundedMeanCIMethod | BootstrapMethod = "adjusted-wald",
    confidence_level: float = 0.95,
    nan_policy: NanPolicy = "omit",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
) -> CommitmentProfile:
    """Five-component customer commitment: per-respondent scores and group means, 0-100.

    Affective, normative, economic, forced and habitual commitment (see the guide
    *Customer commitment*) are each measured by rating items the user supplies. A
    respondent's score on a dimension is the mean of its items, each rescaled from
    ``low..high`` to 0-100, ``100 * (answer - low) / (high - low)``, a reverse-keyed
    item flipped first (``answer -> low + high - answer``). The dominant dimension is
    the one with the highest score; ties are reported as ties.

    Parameters
    ----------
    data : pandas.DataFrame, a frame of another engine, or a path
        One row per respondent. On a Polars, DuckDB, Spark, ... frame the group means
        are computed in the engine; per-respondent scores need pandas rows.
    items : dict
        Maps some or all of the dimensions ``"affective"``, ``"normative"``,
        ``"economic"``, ``"forced"``, ``"habitual"`` to lists of item columns (at
        least one each, every column in one dimension only).
    scale : (int, int) or str, default (1, 7)
        Answer scale of every item; answers must be whole numbers on it.
    reverse : list of str, default ()
        Item columns worded against their dimension (agreeing means less commitment).
    by, weights, weights_kind, confidence_level, nan_policy, n_resamples, rng, progress
        As in :func:`cxlib.csat`. Each dimension's mean omits the respondents with one
        of its items missing (counted in ``n_missing``); their score is NaN.
    ci_method : {"adjusted-wald", "t", "percentile", "basic", "bca"}, \
default "adjusted-wald"
        Interval of each group mean, as in :func:`cxlib.engagement_index`: the adjusted
        Wald interval of a bounded mean (one pseudo-respondent at 0 and one at 100),
        the Student t interval, or a bootstrap interval.

    Returns
    -------
    CommitmentProfile
        ``.summary``: one row per group and dimension with the mean score and its
        interval; ``.scores``: per-respondent scores and dominant dimension (pandas
        data only).

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a1": [7, 6, 2, 5], "a2": [6, 6, 3, 5],
    ...                    "f1": [2, 6, 7, 1], "f2": [6, 2, 1, 5]})
    >>> profile = cx.commitment_profile(
    ...     df, {"affective": ["a1", "a2"], "forced": ["f1", "f2"]}, reverse=["f2"])
    >>> profile.scores
       affective     forced          dominant  n_dominant
    0  91.666667  16.666667         affective           1
    1  83.333333  83.333333  affective+forced           2
    2  25.000000 100.000000            forced           1
    3  66.666667  16.666667         affective           1
    >>> profile.summary[["dimension", "value", "ci_low", "ci_high"]].round(1)
       dimension  value  ci_low  ci_high
    0  affective   66.7    29.1     93.1
    1     forced   54.2    15.6     89.9
    """
    low, high = resolve_scale(scale)
    dims = _check_items(items)
    flipped = _check_reverse(reverse, dims)
    options = check_options(
        _spec("affective"),
        ci_method=ci_method,
        confidence_level=confidence_level,
        nan_policy=nan_policy,
        weights_kind=weights_kind,
        n_resamples=n_resamples,
        rng=rng,
        progress=progress,
    )
    columns = [c for cols in dims.values() for c in cols]
    if is_path(data):
        data = read(data)
    inputs = _resolve(data, columns, by, weights)
    frames, start = [], 0
    for dim, cols in dims.items():  # five dimensions at most, each vectorised
        positions = list(range(start, start + len(cols)))
        start += len(cols)
        flip = np.array([c in flipped for c in cols])
        frame = _dimension_summary(dim, _subset(inputs, positions), flip, (low, high), options)
        frames.append(frame.assign(_group=np.arange(len(frame)), n_items=len(cols)))
    summary = pd.concat(frames, keys=list(dims), names=["dimension", None]).reset_index(0)
    summary = summary.sort_values("_group", kind="stable").reset_index(drop=True)
    summary["dimension"] = pd.Categorical(summary["dimension"], categories=list(dims))
    summary = summary[_column_order(summary, ["dimension", "n_items"])]
    summary.attrs = {"confidence_level": options.confidence_level, "ci_method": options.ci_method}
    scores, engine = None, None
    if isinstance(inputs, EngineInputs):
        engine = inputs.frame.engine
    else:
        scores = _scores(inputs, dims, flipped, (low, high), data.index)
    return CommitmentProfile(
        summary=summary,
        items={d: tuple(c) for d, c in dims.items()},
        reverse=flipped,
        scale=(low, high),
        confidence_level=options.confidence_level,
        ci_method=options.ci_method,
        _scores=scores,
        _engine=engine,
    )


def _column_order(summary: pd.DataFrame, stats: list[str]) -> list[str]:
    """Group keys, then the dimension and its item count, then the statistics."""
    cols = [c for c in summary.columns if c not in (*stats, "_group")]
    first_stat = cols.index("value")
    return [*cols[:first_stat], *stats, *cols[first_stat:]]
