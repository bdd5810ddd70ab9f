"""CUPED on an engine frame: the cells' co-moments reduced in the engine, one query.

For a mean ``y`` with covariates ``x_1, ..., x_k``, or a ratio of per-unit
``(y, n)`` with them, the engine reduces the rows to one row per cell (arm x
segment): the count, the means and all pairwise centred co-moments of the columns
(:func:`cxlib.core.frames.centred_moments`), and for a mean the third co-moments too
(the skewness rule reads the third moment of the adjusted values). The deviations
are taken from the mean of the cell's *segment* over all its arms, so each cell's
mean comes with its offset from that centre, exact to the rounding of small numbers
however far the values lie from zero; the cells of a segment then merge pairwise
into the segment's pooled co-moments without the rounding of their means, for
``theta`` (:mod:`cxlib.ab.cuped_moments`). Every adjusted mean, ratio, variance and
third moment follows in closed form, as the per-unit pandas path computes them from
the adjusted rows.

The result is a small table of summaries that :func:`cxlib.ab.compare` reads: a
:class:`~cxlib.ab.Mean` of the adjusted values, or a :class:`~cxlib.ab.Ratio` whose
numerator is the adjusted ratio and whose denominator is 1 without variance, so that
the ratio's delta variance is the adjusted one, ``w' C_ll w / (n (n - 1))``.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.frames import EngineFrame, centred_moments
from ..core.statistics import CentredMoments
from .cuped import adjust_cells
from .cuped_moments import cubic_form, cuped_cells, linearise
from .engine_cells import check_arms, check_finite, summaries
from .metrics import Mean, Ratio

__all__ = ["cuped_table"]


def cuped_table(
    ef: EngineFrame, keys: list[str], unit: Mean | Ratio, covariate: str | list[str]
) -> tuple[pd.DataFrame, Mean | Ratio, pd.Series[Any]]:
    """Per-cell summaries of the CUPED-adjusted metric, from co-moments in the engine.

    ``covariate``: one column name (a mean: the one-covariate CUPED of
    :func:`cxlib.ab.cuped`, which leaves a segment whose covariate does not vary
    unadjusted, with a warning), or a list of names (``theta = Sigma_xx^-1 Sigma_xy``;
    a covariate that does not vary, or collinear ones, are an error naming
    ``covariate``). A ratio takes the second path with one covariate too, as on pandas.
    """
    group, segments = keys[0], keys[1:]
    xs = [covariate] if isinstance(covariate, str) else list(covariate)
    if isinstance(unit, Mean):
        assert unit.column is not None
        metric = [unit.column]
        roles = {unit.column: "metric"}
    else:
        assert unit.numerator is not None
        assert unit.denominator is not None
        metric = [unit.numerator, unit.denominator]
        roles = {unit.numerator: "numerator", unit.denominator: "denominator"}
    columns = [*metric, *xs]
    names = list(dict.fromkeys(columns))
    is_mean = isinstance(unit, Mean)
    triples = list(itertools.combinations(names, 3)) if is_mean else []
    table = centred_moments(
        ef,
        keys,
        names,
        list(itertools.combinations(names, 2)),
        third=is_mean,
        triples=triples,
        centre=segments,
    )
    check_arms(table, group, table["n"] + table["n_missing"])
    check_finite(ef, table, {c: (roles.get(c, "covariate"), f"mean_{c}") for c in names})
    segment_of_cell: npt.NDArray[np.intp] = np.zeros(len(table), dtype=np.intp)
    if segments:
        found = table.groupby(segments, dropna=False, sort=False).ngroup()
        segment_of_cell = np.asarray(found, dtype=np.intp)
    n_segments = int(segment_of_cell.max()) + 1 if len(table) else 0
    label = f"covariate={covariate!r}"
    out = table[keys].copy()
    out["n"] = table["n"]
    if isinstance(unit, Ratio):
        moments = _moments(table, columns, full=len(metric))
        lin, ratio = linearise(moments)
        shift, m2, _ = cuped_cells(lin, segment_of_cell, n_segments, label, xs)
        defined = np.isfinite(ratio)
        out["ratio"] = np.where(defined, ratio - shift, 0.0)
        out["unit"] = np.where(defined, 1.0, 0.0)  # 0: the ratio is undefined, as on pandas
        out["m2"] = m2
        out["zero"] = 0.0
        out["n_missing"] = table["n_missing"]
        summaries(out, [], {"var": "m2"})
        spec: Mean | Ratio = Ratio(
            n="n",
            numerator_mean="ratio",
            denominator_mean="unit",
            numerator_var="var",
            denominator_var="zero",
            covariance="zero",
        )
        return out, spec, out["n_missing"]
    y = metric[0]
    moments = _moments(table, columns, full=0)
    mean_y = table[f"mean_{y}"].to_numpy(dtype=np.float64)
    if isinstance(covariate, str):
        segment_moments = moments.regroup(segment_of_cell, n_segments)
        # The x means are offsets from the segment's centre in both; y's is the cell's own.
        full = CentredMoments(
            moments.n,
            moments.weight,
            np.stack([mean_y, moments.mean[:, 1]], axis=1),
            moments.comoment,
        )
        adjusted, t, _ = adjust_cells(full, segment_moments, segment_of_cell)
        value, m2 = adjusted.mean[:, 0], adjusted.comoment[:, 0, 0]
        w = np.stack([np.ones(len(t)), -t], axis=1)
    else:
        shift, m2, w = cuped_cells(moments, segment_of_cell, n_segments, label, xs)
        value = mean_y - shift
    out["mean"] = value
    out["m2"] = m2
    out["m3"] = cubic_form(w, _third(table, names, columns))
    out["n_missing"] = table["n_missing"]
    summaries(out, ["mean"], {"var": "m2"})
    return out, Mean(n="n", mean="mean", var="var"), out["n_missing"]


def _second(table: pd.DataFrame, a: str, b: str) -> Any:
    name = f"m2_{a}" if a == b else f"c2_{a}_{b}" if f"c2_{a}_{b}" in table else f"c2_{b}_{a}"
    return np.nan_to_num(table[name].to_numpy(dtype=np.float64))


def _moments(table: pd.DataFrame, columns: list[str], full: int) -> CentredMoments:
    """The cells' moments of ``columns`` (a name may repeat): means as offsets from the
    segment's centre, but the first ``full`` columns' own (a ratio's ``ybar``, ``nbar``)."""
    n = table["n"].to_numpy(dtype=np.float64)
    kind = ["mean"] * full + ["offset"] * (len(columns) - full)
    mean = np.stack(
        [table[f"{k}_{c}"].to_numpy(dtype=np.float64) for k, c in zip(kind, columns, strict=True)],
        axis=1,
    )
    m = len(columns)
    comoment = np.empty((len(table), m, m))
    for i, j in itertools.product(range(m), repeat=2):
        comoment[:, i, j] = _second(table, columns[i], columns[j])
    return CentredMoments(n=n, weight=n, mean=mean, comoment=comoment)


def _third(table: pd.DataFrame, names: list[str], columns: list[str]) -> Any:
    """The third co-moments ``(cells, m, m, m)`` of ``columns``, by symmetry from the
    engine's ``m3_<c>`` and ``c3_<a>_<b>_<c>`` (0 for a cell without units)."""
    order = {c: i for i, c in enumerate(names)}
    m = len(columns)
    out = np.empty((len(table), m, m, m))
    for i, j, k in itertools.product(range(m), repeat=3):
        a, b, c = sorted((columns[i], columns[j], columns[k]), key=order.__getitem__)
        if a == b == c:
            name = f"m3_{a}"
        elif a == b:
            name = f"c3_{a}_{a}_{c}"
        elif b == c:
            name = f"c3_{a}_{b}_{b}"
        else:
            name = f"c3_{a}_{b}_{c}"
        out[:, i, j, k] = np.nan_to_num(table[name].to_numpy(dtype=np.float64))
    return out
