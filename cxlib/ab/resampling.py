"""Bootstrap of A/B cells: resampling units within each arm, fast for zero-inflated data.

Bootstrap methods resample units within each arm (cell), independently. Resampling ``n``
units of which ``k`` have only zero values (visitors who bought nothing) is the same, in
distribution, as drawing the number ``K ~ Binomial(n, k_nonzero / n)`` of non-zero
units and then ``K`` units from the non-zero ones: the sums of a resample only see the
non-zero units. For revenue with a 3 % conversion rate this draws about 3 % of the
values that resampling every visitor draws, with exactly the same distribution.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from ..core.lift import FloatArray, Pairs
from ..core.lift_bootstrap import bootstrap_pairs
from ..core.progress import ProgressBar, progress_bar
from ..core.statistics import summarise
from ..core.validation import Alternative

__all__ = ["acceleration", "bootstrap_cells", "ragged", "sum_replicates"]

# Resampled values drawn at once: small enough to stay in cache, large enough that the
# per-batch overhead is negligible.
_BATCH = 1 << 18
# Up to this many cells with non-zero units, each cell is drawn on its own (the fastest
# draws); beyond, all cells are drawn together so that the cost does not grow with a
# Python loop over cells.
_FEW_CELLS = 64


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
    *,
    progress: bool = False,
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
    progress : bool, default False
        Show a progress bar, updated once per batch of draws (cell by cell when few
        cells hold many units: the bar then counts resamples times cells).

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
    few = len(filled) <= _FEW_CELLS
    total = n_resamples * max(1, len(filled)) if few else n_resamples
    with progress_bar(total, enabled=progress, description="Bootstrap") as bar:
        if few:
            _draw_per_cell(out, values, n, k, start, share, filled, rng, bar)
        else:
            _draw_all_cells(out, values, n, k, start, share, rng, bar)
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
    bar: ProgressBar,
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
            bar.update(last - first)
            first = last


def _draw_all_cells(
    out: FloatArray,
    values: FloatArray,
    n: npt.NDArray[np.intp],
    k: npt.NDArray[np.intp],
    start: npt.NDArray[np.intp],
    share: FloatArray,
    rng: np.random.Generator,
    bar: ProgressBar,
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
        bar.update(size)


def acceleration(
    shift: FloatArray,
    codes: npt.NDArray[np.intp],
    n_cells: int,
    stat: FloatArray,
    control_cell: npt.NDArray[np.intp],
    variant_cell: npt.NDArray[np.intp],
    statistic: Literal["difference", "lift"],
) -> FloatArray:
    """BCa acceleration of each comparison from the exact two-sample jackknife.

    ``stat[cell] + shift[i]`` is the cell statistic (mean or ratio) without unit ``i``;
    ``stat`` the cell statistics. Each comparison's arms are left out one unit at a
    time, with the conventions of :func:`scipy.stats.bootstrap`. The leave-one-out
    values are handled as shifts from the statistics, so that statistics far from zero
    keep the digits of their tiny leave-one-out changes.
    """
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=n_cells)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    shift_sorted = shift[order]
    base = stat[variant_cell] - stat[control_cell]
    n_pairs = len(control_cell)
    num = np.zeros(n_pairs)
    den = np.zeros(n_pairs)
    for arm_cell, is_control in ((control_cell, True), (variant_cell, False)):
        flat, owner = ragged(starts[arm_cell], sizes[arm_cell])
        d = shift_sorted[flat]
        with np.errstate(divide="ignore", invalid="ignore"):
            diff = base[owner] - d if is_control else base[owner] + d
            control = stat[control_cell][owner] + (d if is_control else 0.0)
            theta = diff if statistic == "difference" else diff / np.abs(control)
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
    progress: bool = False,
) -> Pairs:
    """Bootstrap comparisons of cells (arms within segments) of per-unit data."""
    m = summarise(columns, codes, n_cells)
    n = m.n
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "mean":
            stat = m.mean[:, 0]
            # Values far from zero are resampled as deviations from their cell's mean,
            # so that the sums keep their digits; zero-inflated values stay as they are
            # (their zeros are what makes resampling fast).
            offset = np.where(np.abs(stat) > np.sqrt(m.variance(0)), stat, 0.0)
            offset = np.nan_to_num(offset)
            centred = columns - offset[codes]
        else:
            stat = m.mean[:, 0] / m.mean[:, 1]
            # sum(y) / sum(x) = r + sum(y - r x) / sum(x): units with y = x = 0 stay zero.
            offset = np.where(np.isfinite(stat), stat, 0.0)
            centred = np.stack([columns[0] - offset[codes] * columns[1], columns[1]])
    sums, _ = sum_replicates(centred, codes, n_cells, n_resamples, rng, progress=progress)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "mean":
            reps = offset + sums[:, :, 0] / n
        else:
            reps = offset + sums[:, :, 0] / sums[:, :, 1]
    accel = None
    if method == "bca":
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "mean":
                shift = -(columns[0] - stat[codes]) / (n[codes] - 1.0)
            else:
                rest = m.total(1)[codes] - columns[1]
                shift = -(columns[0] - stat[codes] * columns[1]) / rest
        accel = (
            acceleration(shift, codes, n_cells, stat, control_cell, variant_cell, "difference"),
            acceleration(shift, codes, n_cells, stat, control_cell, variant_cell, "lift"),
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
