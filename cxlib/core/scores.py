"""Per-unit scores with few distinct values, and their per-group moments.

Every survey index is the (weighted) mean of a per-respondent score. After tabulation
the score of a group is fully described by how many respondents (and how much weight)
fall on each distinct score value: a :class:`ScoreTable`. Means, standard errors and
the counts bootstrap all work on that table, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .statistics import summarise

FloatArray = npt.NDArray[np.float64]
WeightsKind = Literal["survey", "frequency"]
WEIGHTS_KINDS: tuple[WeightsKind, ...] = ("survey", "frequency")


@dataclass(frozen=True)
class ScoreTable:
    """Distribution of a per-unit score over its distinct values ``scores``, per group.

    ``counts[g, k]`` respondents of group ``g`` have score ``scores[k]``; with weights,
    ``sum_weights`` and ``sum_weights_sq`` sum ``w`` and ``w**2`` over them.
    ``level_of_combo`` maps each combination of answers to its score level.
    """

    scores: FloatArray
    counts: npt.NDArray[np.int64]
    n_missing: npt.NDArray[np.int64]
    level_of_combo: npt.NDArray[np.intp]
    sum_weights: FloatArray | None = None
    sum_weights_sq: FloatArray | None = None

    @property
    def weighted(self) -> bool:
        return self.sum_weights is not None


@dataclass(frozen=True)
class Moments:
    """Per-group mean of the score with its standard error.

    ``n`` counts respondents (frequency weights: the sum of the weights);
    ``n_effective`` is the sample size for which the unweighted formulas give the
    reported standard error (equal to ``n`` without survey weights).
    """

    n: FloatArray
    mean: FloatArray
    se: FloatArray
    n_effective: FloatArray
    shares: FloatArray  # (groups, levels): share of respondents (or weight) per level
    sum_weights: FloatArray | None = None


def moments(table: ScoreTable, weights_kind: WeightsKind, ddof: int) -> Moments:
    """Mean, standard error and effective n of the score in each group.

    ``ddof=0`` gives the plug-in variance ``sum p_k (v_k - m)**2 / n`` used for shares
    and the NPS; ``ddof=1`` the sample variance of the t interval. Survey weights use the
    Taylor linearisation of the weighted mean, with the factor ``n / (n - 1)`` when
    ``ddof=1``, so that unit weights reproduce the unweighted results exactly.
    """
    v = table.scores
    n_resp = table.counts.sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if table.sum_weights is None or table.sum_weights_sq is None:
            mass, n = table.counts.astype(np.float64), n_resp
        elif weights_kind == "frequency":
            mass = table.sum_weights
            n = mass.sum(axis=1)
        else:
            mass = table.sum_weights
            n = n_resp
        # The table is rows of distinct scores weighted by their mass: the centred
        # moments of every mean in cxlib (two passes; exact for whole-number scores).
        group, level = np.nonzero(mass > 0)
        summary = summarise(v[level], group, mass.shape[0], weights=mass[group, level])
        total = summary.weight
        shares = mass / total[:, None]
        mean = summary.mean[:, 0]
        dev2 = (v[None, :] - mean[:, None]) ** 2
        plug_in = summary.m2() / total  # per-unit variance, divisor n
        if table.sum_weights_sq is None or weights_kind == "frequency":
            var_unit = plug_in * n / (n - ddof) if ddof else plug_in
            se = np.sqrt(var_unit / n)
            n_eff = n
        else:
            var_mean = (table.sum_weights_sq * dev2).sum(axis=1) / total**2
            if ddof:
                var_mean = var_mean * n / (n - ddof)
            se = np.sqrt(var_mean)
            # The effective n for which the unweighted formula gives the linearised
            # variance (the design-effect n of Korn & Graubard 1998); Kish's n where
            # all answers agree and both variances vanish.
            kish = total**2 / table.sum_weights_sq.sum(axis=1)
            unit = plug_in * n / (n - ddof) if ddof else plug_in
            n_eff = np.where(var_mean > 0, unit / var_mean, kish)
    return Moments(
        n=n,
        mean=mean,
        se=se,
        n_effective=n_eff,
        shares=shares,
        sum_weights=None if table.sum_weights is None else total,
    )
