"""Reduce answers on an integer scale to per-group tables of counts and weight sums."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ._grouping import Groups
from ._validation import NanPolicy, show_values

# Rows tabulated per step: small enough for the step's temporaries to stay in cache.
_CHUNK_ROWS = 1 << 16


@dataclass(frozen=True)
class PointTable:
    """Sufficient statistics of integer answers ``low..high`` per group.

    ``counts[g, k]`` counts answers ``low + k`` in group ``g``; with weights,
    ``sum_weights`` and ``sum_weights_sq`` hold the sums of ``w`` and ``w**2`` in the
    same cells. ``n_missing[g]`` counts missing answers. Tables of disjoint data add.
    """

    counts: npt.NDArray[np.int64]
    n_missing: npt.NDArray[np.int64]
    sum_weights: npt.NDArray[np.float64] | None = None
    sum_weights_sq: npt.NDArray[np.float64] | None = None

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
        )


def _out_of_scale(values: npt.NDArray[Any], low: int, high: int, name: str) -> ValueError:
    bad = values[(values < low) | (values > high)]
    return ValueError(
        f"{name} answers must lie on the {low}-{high} scale; found out-of-scale "
        f"values {show_values(np.sort(np.unique(bad)))}"
    )


def _non_integer(values: npt.NDArray[Any], low: int, high: int, name: str) -> ValueError:
    fractional = (values != np.rint(values)) & ~np.isnan(values)
    return ValueError(
        f"{name} must hold whole-number answers on the {low}-{high} scale; "
        f"found non-integers {show_values(values[fractional])}"
    )


def point_table(
    values: npt.NDArray[Any],
    *,
    low: int,
    high: int,
    name: str,
    groups: Groups | None = None,
    weights: npt.NDArray[np.float64] | None = None,
    nan_policy: NanPolicy = "omit",
) -> PointTable:
    """Check integer answers against the scale and tabulate them per group.

    A single pass over the rows, in cache-sized steps: missing answers go to an extra
    bin, so no filtered copy of the data is made. Raises a ValueError naming ``name``
    for non-integer or out-of-scale answers (inf included) and, with
    ``nan_policy="raise"``, for missing ones.
    """
    n_groups = 1 if groups is None else groups.n_groups
    codes = None if groups is None else groups.codes
    n_bins = high - low + 1
    width = n_bins + 1  # the last bin of each group counts missing answers
    size = n_groups * width
    is_float = values.dtype.kind == "f"
    counts = np.zeros(size, dtype=np.int64)
    sums = None if weights is None else np.zeros(size)
    sums_sq = None if weights is None else np.zeros(size)
    # Each step's bincount touches the whole table, so steps grow with the table.
    step = max(_CHUNK_ROWS, size)
    for start in range(0, len(values), step):
        v = values[start : start + step]
        if is_float:
            missing = np.isnan(v)
            has_missing = bool(missing.any())
            fractional = v != np.rint(v)  # NaN counts as fractional here ...
            if has_missing:
                fractional &= ~missing  # ... but is not
            if fractional.any():
                raise _non_integer(values, low, high, name)
            if ((v < low) | (v > high)).any():
                raise _out_of_scale(values, low, high, name)
            if has_missing and nan_policy == "raise":
                raise ValueError(
                    f"{name} has {int(np.isnan(values).sum())} missing answer(s) and "
                    "nan_policy='raise'; use nan_policy='omit' to skip and count them"
                )
            bins = (np.where(missing, high + 1, v) if has_missing else v).astype(np.intp)
        else:
            if v.min() < low or v.max() > high:
                raise _out_of_scale(values, low, high, name)
            bins = v.astype(np.intp)
        if low:
            bins -= low
        if codes is not None:
            bins += codes[start : start + step].astype(np.intp) * width
        counts += np.bincount(bins, minlength=size)
        if weights is not None and sums is not None and sums_sq is not None:
            w = weights[start : start + step]
            sums += np.bincount(bins, weights=w, minlength=size)
            sums_sq += np.bincount(bins, weights=w * w, minlength=size)
    table = counts.reshape(n_groups, width)
    if weights is None or sums is None or sums_sq is None:
        return PointTable(counts=table[:, :n_bins], n_missing=table[:, n_bins].copy())
    return PointTable(
        counts=table[:, :n_bins],
        n_missing=table[:, n_bins].copy(),
        # Weights of missing answers (the last bin) are not part of any estimate.
        sum_weights=sums.reshape(n_groups, width)[:, :n_bins],
        sum_weights_sq=sums_sq.reshape(n_groups, width)[:, :n_bins],
    )
