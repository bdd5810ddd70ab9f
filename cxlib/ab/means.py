"""Comparing means and ratio metrics, vectorised over comparisons.

Analytic methods work from sufficient statistics: Welch's t for a difference of means
(with Welch-Satterthwaite degrees of freedom, also used for the lift's critical value),
the normal approximation with delta-method variances for ratio metrics.

Bootstrap methods resample units within each arm, independently. Resampling ``n`` units
of which ``k`` have only zero values (visitors who bought nothing) is the same, in
distribution, as drawing the number ``K ~ Binomial(n, k_nonzero / n)`` of non-zero
units and then ``K`` units from the non-zero ones: the sums of a resample only see the
non-zero units. For revenue with a 3 % conversion rate this draws about 3 % of the
values that resampling every visitor draws, with exactly the same distribution.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from ..core.lift import FloatArray, LiftInterval, Pairs, bootstrap_pairs, normal_pairs
from ..core.statistics import ratio_variance
from ..core.validation import Alternative

__all__ = [
    "MEAN_METHODS",
    "MeanMethod",
    "acceleration",
    "mean_pairs",
    "ratio_pairs",
    "sum_replicates",
]

MeanMethod = Literal["delta", "fieller", "log", "percentile", "basic", "bca"]
MEAN_METHODS: tuple[MeanMethod, ...] = ("delta", "fieller", "log", "percentile", "basic", "bca")
BOOTSTRAP = ("percentile", "basic", "bca")
# Resampled values drawn at once: small enough to stay in cache, large enough that the
# per-batch overhead is negligible.
_BATCH = 1 << 18
# Up to this many cells with non-zero units, each cell is drawn on its own (the fastest
# draws); beyond, all cells are drawn together so that the cost does not grow with a
# Python loop over cells.
_FEW_CELLS = 64


def welch_df(var_c: FloatArray, var_v: FloatArray, n_c: FloatArray, n_v: FloatArray) -> FloatArray:
    """Welch-Satterthwaite degrees of freedom, with ``var`` the variances of the means."""
    with np.errstate(divide="ignore", invalid="ignore"):
        df: FloatArray = (var_c + var_v) ** 2 / (var_c**2 / (n_c - 1) + var_v**2 / (n_v - 1))
    return df


def mean_pairs(
    n_c: FloatArray,
    mean_c: FloatArray,
    sd_c: FloatArray,
    n_v: FloatArray,
    mean_v: FloatArray,
    sd_v: FloatArray,
    *,
    lift_method: LiftInterval,
    level: float,
    alternative: Alternative,
) -> Pairs:
    """Welch comparisons of means from per-arm ``n``, mean and standard deviation."""
    var_c, var_v = sd_c**2 / n_c, sd_v**2 / n_v
    return normal_pairs(
        mean_c,
        mean_v,
        var_c,
        var_v,
        n_c,
        n_v,
        level=level,
        alternative=alternative,
        lift_method=lift_method,
        df=welch_df(var_c, var_v, n_c, n_v),
        test_name="welch t",
    )


def ratio_pairs(
    stats_c: FloatArray,
    stats_v: FloatArray,
    *,
    lift_method: LiftInterval,
    level: float,
    alternative: Alternative,
) -> Pairs:
    """z comparisons of ratio metrics from rows of :class:`RatioStats` fields."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r_c = stats_c[:, 1] / stats_c[:, 2]
        r_v = stats_v[:, 1] / stats_v[:, 2]
    return normal_pairs(
        r_c,
        r_v,
        ratio_variance(stats_c),
        ratio_variance(stats_v),
        stats_c[:, 0],
        stats_v[:, 0],
        level=level,
        alternative=alternative,
        lift_method=lift_method,
        test_name="z",
    )


def ragged(
    starts: npt.NDArray[np.intp], sizes: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Flat indices of the slices ``starts[j] : starts[j] + sizes[j]`` and their owner ``j``."""
    owner = np.repeat(np.arange(len(sizes)), sizes)
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    flat: npt.NDArray[np.intp] = starts[owner] + offsets
    return flat, owner


def sum_replicates(
    columns: FloatArray,
    codes: npt.NDArray[np.intp],
    n_cells: int,
    n_resamples: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Bootstrap replicates of per-cell column sums, resampling units within cells.

    Parameters
    ----------
    columns : numpy.ndarray
        Values per unit, shape (m, units) (one row for a mean, two for a ratio).
    codes : numpy.ndarray
        Cell of every unit, in ``0 .. n_cells - 1``.
    n_cells, n_resamples : int
        Number of cells and of replicates.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    sums : numpy.ndarray
        Replicated sums, shape (n_resamples, n_cells, m).
    n : numpy.ndarray
        Units per cell, shape (n_cells,).
    """
    m = columns.shape[0]
    n = np.bincount(codes, minlength=n_cells)
    nonzero = (columns != 0).any(axis=0)
    nz_codes = codes[nonzero]
    kept = columns[:, nonzero]
    # Units sorted by cell, then by value: the replicates do not depend on the row order.
    order = np.lexsort((*kept[::-1], nz_codes))
    values = kept[:, order]
    k = np.bincount(nz_codes, minlength=n_cells)
    start = np.concatenate([[0], np.cumsum(k)[:-1]]).astype(np.intp)
    share = np.where(n > 0, k / np.maximum(n, 1), 0.0)
    out = np.zeros((n_resamples, n_cells, m))
    filled = np.flatnonzero(k)
    if len(filled) <= _FEW_CELLS:
        _draw_per_cell(out, values, n, k, start, share, filled, rng)
    else:
        _draw_all_cells(out, values, n, k, start, share, rng)
    return out, n.astype(np.float64)


def _draw_per_cell(
    out: FloatArray,
    values: FloatArray,
    n: npt.NDArray[np.intp],
    k: npt.NDArray[np.intp],
    start: npt.NDArray[np.intp],
    share: FloatArray,
    filled: npt.NDArray[np.intp],
    rng: np.random.Generator,
) -> None:
    """Sums of resampled non-zero units, one cell at a time (few cells, many units).

    Every draw of a cell is an integer in ``[0, k)`` straight from the generator, and
    the sums of a replicate are sums over contiguous runs of draws.
    """
    n_resamples = out.shape[0]
    drawn = rng.binomial(n, share, size=(n_resamples, len(n)))
    for cell in filled:
        kc = int(k[cell])
        cell_values = np.ascontiguousarray(values[:, start[cell] : start[cell] + kc])
        counts = drawn[:, cell]
        ends = np.cumsum(counts)
        index_type = np.int32 if kc <= np.iinfo(np.int32).max else np.int64
        first = 0
        while first < n_resamples:
            # Replicates first .. last - 1: about _BATCH draws (at least one replicate).
            before = int(ends[first] - counts[first])
            last = max(first + 1, int(np.searchsorted(ends, before + _BATCH, side="right")))
            runs = counts[first:last]
            pick = rng.integers(0, kc, size=int(ends[last - 1]) - before, dtype=index_type)
            offsets = (ends[first:last] - runs - before).astype(np.intp)
            some = runs > 0
            if some.any():
                for j in range(values.shape[0]):
                    out[first:last, cell, j][some] = np.add.reduceat(
                        cell_values[j].take(pick), offsets[some]
                    )
            first = last


def _draw_all_cells(
    out: FloatArray,
    values: FloatArray,
    n: npt.NDArray[np.intp],
    k: npt.NDArray[np.intp],
    start: npt.NDArray[np.intp],
    share: FloatArray,
    rng: np.random.Generator,
) -> None:
    """Sums of resampled non-zero units, all cells in each batch of replicates.

    Draws are ordered cell by cell, and by replicate within a cell: the draws of one
    (cell, replicate) are contiguous, so their sums are differences of one running
    sum, and the per-draw cell offsets are repeats of per-cell values.
    """
    n_resamples, n_cells, m = out.shape
    batch = max(1, _BATCH // max(1, int(k.sum())))
    for first in range(0, n_resamples, batch):
        size = min(batch, n_resamples - first)
        drawn = rng.binomial(n, share, size=(size, n_cells)).T
        per_cell = drawn.sum(axis=1)
        u = rng.random(int(per_cell.sum()))
        u *= np.repeat(k.astype(np.float64), per_cell)
        pick = u.astype(np.intp)
        pick += np.repeat(start, per_cell)
        ends = np.cumsum(drawn.ravel())
        for j in range(m):
            running = np.concatenate([[0.0], np.cumsum(values[j, pick])])
            sums = running[ends] - running[np.concatenate([[0], ends[:-1]])]
            out[first : first + size, :, j] = sums.reshape(n_cells, size).T


def acceleration(
    loo: FloatArray,
    codes: npt.NDArray[np.intp],
    n_cells: int,
    stat: FloatArray,
    control_cell: npt.NDArray[np.intp],
    variant_cell: npt.NDArray[np.intp],
    statistic: Literal["difference", "lift"],
) -> FloatArray:
    """BCa acceleration of each comparison from the exact two-sample jackknife.

    ``loo[i]`` is the cell statistic (mean or ratio) without unit ``i``; ``stat`` the
    cell statistics. Each comparison's arms are left out one unit at a time, with the
    conventions of :func:`scipy.stats.bootstrap`.
    """
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=n_cells)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    loo_sorted = loo[order]
    n_pairs = len(control_cell)
    num = np.zeros(n_pairs)
    den = np.zeros(n_pairs)
    for arm_cell, other_cell, is_control in (
        (control_cell, variant_cell, True),
        (variant_cell, control_cell, False),
    ):
        flat, owner = ragged(starts[arm_cell], sizes[arm_cell])
        own = loo_sorted[flat]
        other = stat[other_cell][owner]
        c, v = (own, other) if is_control else (other, own)
        with np.errstate(divide="ignore", invalid="ignore"):
            theta = v - c if statistic == "difference" else (v - c) / np.abs(c)
            n = sizes[arm_cell].astype(np.float64)
            dot = np.bincount(owner, weights=theta, minlength=n_pairs) / n
            u = (n[owner] - 1.0) * (dot[owner] - theta)
            num += np.bincount(owner, weights=u**3, minlength=n_pairs) / n**3
            den += np.bincount(owner, weights=u**2, minlength=n_pairs) / n**2
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = num / (6.0 * den**1.5)
    return out


def bootstrap_cells(
    columns: FloatArray,
    codes: npt.NDArray[np.intp],
    n_cells: int,
    control_cell: npt.NDArray[np.intp],
    variant_cell: npt.NDArray[np.intp],
    *,
    kind: Literal["mean", "ratio"],
    method: Literal["percentile", "basic", "bca"],
    level: float,
    alternative: Alternative,
    n_resamples: int,
    rng: np.random.Generator,
    se_cells: FloatArray,
) -> Pairs:
    """Bootstrap comparisons of cells (arms within segments) of per-unit data."""
    sums, n = sum_replicates(columns, codes, n_cells, n_resamples, rng)
    totals = np.stack([np.bincount(codes, weights=col, minlength=n_cells) for col in columns])
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "mean":
            reps = sums[:, :, 0] / n
            stat = totals[0] / n
        else:
            reps = sums[:, :, 0] / sums[:, :, 1]
            stat = totals[0] / totals[1]
    accel = None
    if method == "bca":
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "mean":
                loo = (totals[0][codes] - columns[0]) / (n[codes] - 1.0)
            else:
                loo = (totals[0][codes] - columns[0]) / (totals[1][codes] - columns[1])
        accel = (
            acceleration(loo, codes, n_cells, stat, control_cell, variant_cell, "difference"),
            acceleration(loo, codes, n_cells, stat, control_cell, variant_cell, "lift"),
        )
    return bootstrap_pairs(
        stat[control_cell],
        stat[variant_cell],
        reps[:, control_cell],
        reps[:, variant_cell],
        accel,
        method=method,
        level=level,
        alternative=alternative,
        n_c=n[control_cell],
        n_v=n[variant_cell],
        se_c=se_cells[control_cell],
        se_v=se_cells[variant_cell],
    )
