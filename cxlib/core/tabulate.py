"""Reduce answers on integer scales to per-group tables of counts and weight sums.

One item (a single question) is tabulated over its answer points; several items (the
questions of a multi-item index) over the combinations of their answers, coded in
mixed radix like :func:`numpy.ravel_multi_index`. Either way the rows are read once, in
cache-sized steps, and no filtered copy of the data is made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from .grouping import Groups
from .validation import NanPolicy, show_values

# Rows tabulated per step: small enough for the step's temporaries to stay in cache.
_CHUNK_ROWS = 1 << 16


@dataclass(frozen=True)
class Item:
    """One question's answers, their allowed integer range and a name for messages."""

    values: npt.NDArray[Any]
    low: int
    high: int
    label: str

    @property
    def n_points(self) -> int:
        return self.high - self.low + 1


@dataclass(frozen=True)
class PointTable:
    """Sufficient statistics of integer answers per group.

    ``counts[g, k]`` counts the rows of group ``g`` whose answer (or combination of
    answers, in mixed radix over ``shape``) is ``k``; with weights, ``sum_weights`` and
    ``sum_weights_sq`` hold the sums of ``w`` and ``w**2`` in the same cells.
    ``n_missing[g]`` counts rows with a missing answer. Tables of disjoint data add.
    """

    counts: npt.NDArray[np.int64]
    n_missing: npt.NDArray[np.int64]
    sum_weights: npt.NDArray[np.float64] | None = None
    sum_weights_sq: npt.NDArray[np.float64] | None = None
    shape: tuple[int, ...] = ()
    missing_weights: npt.NDArray[np.float64] | None = None  # weight of the missing rows

    @property
    def n_rows(self) -> npt.NDArray[np.int64]:
        """Rows (answered or missing) per group."""
        rows: npt.NDArray[np.int64] = self.counts.sum(axis=1) + self.n_missing
        return rows

    def take(self, keep: npt.NDArray[np.bool_]) -> PointTable:
        """The table restricted to the groups where ``keep`` is true."""
        return replace(
            self,
            counts=self.counts[keep],
            n_missing=self.n_missing[keep],
            sum_weights=None if self.sum_weights is None else self.sum_weights[keep],
            sum_weights_sq=None if self.sum_weights_sq is None else self.sum_weights_sq[keep],
            missing_weights=None if self.missing_weights is None else self.missing_weights[keep],
        )


def _out_of_scale(item: Item) -> ValueError:
    v = item.values
    bad = v[(v < item.low) | (v > item.high)]
    return ValueError(
        f"{item.label} answers must lie on the {item.low}-{item.high} scale; found "
        f"out-of-scale values {show_values(np.sort(np.unique(bad)))}"
    )


def _non_integer(item: Item) -> ValueError:
    v = item.values
    fractional = (v != np.rint(v)) & ~np.isnan(v)
    return ValueError(
        f"{item.label} must hold whole-number answers on the {item.low}-{item.high} "
        f"scale; found non-integers {show_values(v[fractional])}"
    )


def _missing_error(item: Item) -> ValueError:
    return ValueError(
        f"{item.label} has {int(np.isnan(item.values).sum())} missing answer(s) and "
        "nan_policy='raise'; use nan_policy='omit' to skip and count them"
    )


def _step_bins(
    item: Item, start: int, stop: int, nan_policy: NanPolicy
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_] | None]:
    """Checked answer offsets ``answer - low`` of rows start..stop, and their missing mask."""
    v = item.values[start:stop]
    if v.dtype.kind != "f":
        if len(v) and (v.min() < item.low or v.max() > item.high):
            raise _out_of_scale(item)
        bins = v.astype(np.intp)
        if item.low:
            bins -= item.low
        return bins, None
    missing = np.isnan(v)
    has_missing = bool(missing.any())
    fractional = v != np.rint(v)  # NaN counts as fractional here ...
    if has_missing:
        fractional &= ~missing  # ... but is not
    if fractional.any():
        raise _non_integer(item)
    if ((v < item.low) | (v > item.high)).any():
        raise _out_of_scale(item)
    if not has_missing:
        bins = v.astype(np.intp)
        if item.low:
            bins -= item.low
        return bins, None
    if nan_policy == "raise":
        raise _missing_error(item)
    bins = np.where(missing, item.low, v).astype(np.intp)
    if item.low:
        bins -= item.low
    return bins, missing


@dataclass(frozen=True)
class View:
    """A coarsening of the answer combinations: combination ``c`` falls in ``bins[c]``.

    Examples: the score level of a combination, one item's answer, a segment.
    """

    bins: npt.NDArray[np.intp]
    n_bins: int


def _collapse(table: PointTable, view: View) -> PointTable:
    """Add up the columns of a combination table that fall in the same bin of ``view``."""

    def add(t: npt.NDArray[Any] | None) -> npt.NDArray[Any] | None:
        if t is None:
            return None
        out = np.zeros((t.shape[0], view.n_bins), dtype=t.dtype)
        for_each = np.argsort(view.bins, kind="stable")
        starts = np.searchsorted(view.bins[for_each], np.arange(view.n_bins))
        present = np.bincount(view.bins, minlength=view.n_bins) > 0
        if present.any():
            summed = np.add.reduceat(t[:, for_each], starts[present], axis=1)
            out[:, present] = summed
        return out

    counts = add(table.counts)
    assert counts is not None
    return replace(
        table,
        counts=counts,
        sum_weights=add(table.sum_weights),
        sum_weights_sq=add(table.sum_weights_sq),
        shape=(view.n_bins,),
    )


# Above this many cells (groups x combinations) the combination table no longer fits in
# cache, and each view is tabulated on its own instead of derived from it.
_COMBO_CELLS = 1 << 20


def tabulate(
    items: Sequence[Item],
    *,
    groups: Groups | None = None,
    weights: npt.NDArray[np.float64] | None = None,
    nan_policy: NanPolicy = "omit",
    views: Mapping[str, View] | None = None,
    row_codes: bool = False,
) -> tuple[dict[str, PointTable], npt.NDArray[np.intp] | None]:
    """Check the answers of ``items`` and tabulate them per group, in one pass.

    Without ``views`` the table counts every combination of answers (key
    ``"combinations"``); with views, one table per view. Small combination tables are
    counted once and collapsed onto the views; large ones (many groups, many items) are
    never built: each view is counted directly.

    Raises a ValueError naming the item for non-integer or out-of-scale answers (inf
    included) and, with ``nan_policy="raise"``, for missing ones. A row with any item
    missing counts as missing. With ``row_codes=True`` also returns each row's
    combination code (-1 where missing), for the resampling of rows.
    """
    n_groups = 1 if groups is None else groups.n_groups
    n_combos = int(np.prod([item.n_points for item in items]))
    identity = View(bins=np.arange(n_combos, dtype=np.intp), n_bins=n_combos)
    if views and n_groups * n_combos > _COMBO_CELLS:
        return _count(items, views, groups, weights, nan_policy, row_codes)
    tables, combos_out = _count(
        items, {"combinations": identity}, groups, weights, nan_policy, row_codes
    )
    if not views:
        return tables, combos_out
    combos = tables["combinations"]
    return {
        name: combos if np.array_equal(view.bins, identity.bins) else _collapse(combos, view)
        for name, view in views.items()
    }, combos_out


def _count(
    items: Sequence[Item],
    views: Mapping[str, View],
    groups: Groups | None,
    weights: npt.NDArray[np.float64] | None,
    nan_policy: NanPolicy,
    row_codes: bool,
) -> tuple[dict[str, PointTable], npt.NDArray[np.intp] | None]:
    n_rows = len(items[0].values)
    n_groups = 1 if groups is None else groups.n_groups
    codes = None if groups is None else groups.codes
    shape = tuple(item.n_points for item in items)
    n_combos = int(np.prod(shape))
    # Each view gets one extra bin per group for rows with a missing answer.
    maps = {name: np.append(view.bins, view.n_bins).astype(np.intp) for name, view in views.items()}
    widths = {name: view.n_bins + 1 for name, view in views.items()}
    sizes = {name: n_groups * w for name, w in widths.items()}
    counts = {name: np.zeros(size, dtype=np.int64) for name, size in sizes.items()}
    sums = {name: np.zeros(size) for name, size in sizes.items()} if weights is not None else {}
    sums_sq = {name: np.zeros(size) for name, size in sizes.items()} if weights is not None else {}
    combos_out = np.empty(n_rows, dtype=np.intp) if row_codes else None
    # Each step's bincount touches the whole table, so steps grow with the table.
    step = max(_CHUNK_ROWS, *sizes.values())
    for start in range(0, n_rows, step):
        stop = min(start + step, n_rows)
        combo: npt.NDArray[np.intp] | None = None
        missing: npt.NDArray[np.bool_] | None = None
        for item, radix in zip(items, shape, strict=True):
            bins, item_missing = _step_bins(item, start, stop, nan_policy)
            if combo is None:
                combo = bins
            else:
                combo *= radix
                combo += bins
            if item_missing is not None:
                missing = item_missing if missing is None else missing | item_missing
        assert combo is not None
        if missing is not None:
            combo[missing] = n_combos
        if combos_out is not None:
            combos_out[start:stop] = np.where(combo == n_combos, -1, combo)
        offset = None if codes is None else codes[start:stop].astype(np.intp)
        w = None if weights is None else weights[start:stop]
        for name, view in views.items():
            is_identity = view.n_bins == n_combos and name == "combinations"
            flat = combo if is_identity else np.take(maps[name], combo)
            if offset is not None:
                flat = flat + offset * widths[name]
            counts[name] += np.bincount(flat, minlength=sizes[name])
            if w is not None:
                sums[name] += np.bincount(flat, weights=w, minlength=sizes[name])
                sums_sq[name] += np.bincount(flat, weights=w * w, minlength=sizes[name])
    tables: dict[str, PointTable] = {}
    for name, view in views.items():
        k, width = view.n_bins, widths[name]
        table = counts[name].reshape(n_groups, width)
        weighted = sums.get(name)
        weighted_sq = sums_sq.get(name)
        tables[name] = PointTable(
            counts=table[:, :k],
            n_missing=table[:, k].copy(),
            # Weights of rows with a missing answer are not part of any estimate.
            sum_weights=None if weighted is None else weighted.reshape(n_groups, width)[:, :k],
            sum_weights_sq=(
                None if weighted_sq is None else weighted_sq.reshape(n_groups, width)[:, :k]
            ),
            shape=(k,),
            missing_weights=None if weighted is None else weighted.reshape(n_groups, width)[:, k],
        )
    return tables, combos_out
