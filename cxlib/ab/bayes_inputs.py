"""Input checking of the Bayesian A/B comparisons: arms, priors and draws."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import cast

import numpy as np
import pandas as pd

from ..core.sufficient import MeanStats
from ._arms import is_number as _is_number
from ._arms import is_pair_like as _is_pair_like
from ._arms import unit_values
from ._arms import whole as _whole
from .bayes_result import MeanSummary


def _is_count_pair(x: object) -> bool:
    """One arm of :func:`bayesian_proportions`: a pair of numbers, not a pair of pairs."""
    if not isinstance(x, (tuple, list, np.ndarray)) or len(x) != 2:
        return False
    return not any(_is_pair_like(v) for v in x)


def _split_arms(variant: object, is_one: Callable[[object], bool]) -> list[tuple[str, object]]:
    """Name the variant arm(s): one arm, a sequence of arms, or a mapping name -> arm."""
    if isinstance(variant, Mapping):
        if not variant:
            raise ValueError("variant must hold at least one arm; got an empty mapping")
        named: list[tuple[str, object]] = []
        for key, arm in variant.items():
            if not isinstance(key, str) or not key:
                raise TypeError(f"variant names must be non-empty strings; got {key!r}")
            if key == "control":
                raise ValueError("'control' is the control arm's name; rename that variant")
            named.append((key, arm))
        return named
    if is_one(variant):
        return [("variant", variant)]
    if isinstance(variant, (list, tuple)):
        if not variant:
            raise ValueError("variant must hold at least one arm; got an empty sequence")
        if len(variant) == 1:
            return [("variant", variant[0])]
        return [(f"variant_{i}", arm) for i, arm in enumerate(variant, start=1)]
    return [("variant", variant)]


def _check_prior(prior: object) -> tuple[float, float]:
    values = list(cast("Sequence[object]", prior)) if _is_pair_like(prior) else []
    if len(values) != 2 or not all(_is_number(v) for v in values):
        raise TypeError(f"prior must be a pair (alpha, beta) of positive numbers; got {prior!r}")
    alpha, beta = (float(cast(float, v)) for v in values)
    if not (math.isfinite(alpha) and math.isfinite(beta) and alpha > 0 and beta > 0):
        raise ValueError(
            f"prior (alpha, beta) must be finite and positive; got ({alpha:g}, {beta:g})"
        )
    return alpha, beta


def _check_n_draws(n_draws: object) -> int:
    if isinstance(n_draws, (bool, np.bool_)) or not isinstance(n_draws, (int, np.integer)):
        raise TypeError(f"n_draws must be a positive integer; got {n_draws!r}")
    if n_draws < 1:
        raise ValueError(f"n_draws must be a positive integer; got {n_draws}")
    return int(n_draws)


def _is_summary(x: object) -> bool:
    return isinstance(x, tuple) and len(x) == 3 and all(_is_number(v) for v in x)


def _is_one_sample(x: object) -> bool:
    """One arm of :func:`bayesian_means`: summary statistics or a flat array-like."""
    if _is_summary(x) or isinstance(x, (np.ndarray, pd.Series, pd.Index)):
        return True
    if isinstance(x, (list, tuple)):
        return not any(isinstance(v, (list, tuple, np.ndarray, pd.Series, pd.Index)) for v in x)
    return True


def _mean_arm(values: object, arm: str, nan_policy: str) -> tuple[int, int, float, float]:
    """``(n, n_missing, mean, sd)`` of one arm of :func:`bayesian_means`."""
    if isinstance(values, MeanStats):
        if values.n < 2:
            raise ValueError(f"{arm}: n must be at least 2; got {values.n!r}")
        values = MeanSummary(values.n, values.mean, values.sd)
    if _is_summary(values):
        n_raw, mean_raw, sd_raw = cast("tuple[float, float, float]", values)
        n = _whole(n_raw, f"{arm}: n")
        mean, sd = float(mean_raw), float(sd_raw)
        if n < 2:
            raise ValueError(f"{arm}: n must be at least 2; got {n}")
        if not math.isfinite(mean):
            raise ValueError(f"{arm}: mean must be finite; got {mean!r}")
        if not (math.isfinite(sd) and sd >= 0):
            raise ValueError(f"{arm}: sd must be finite and non-negative; got {sd!r}")
        return n, 0, mean, sd
    kept, n_missing = unit_values(values, arm, nan_policy)
    if n_missing and nan_policy == "propagate":
        return int(kept.size), n_missing, math.nan, math.nan
    return int(kept.size), n_missing, float(kept.mean()), float(kept.std(ddof=1))
