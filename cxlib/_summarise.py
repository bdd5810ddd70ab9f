"""Reduce answers on an integer scale to per-group tables of counts and weight sums."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._grouping import Groups, table
from ._validation import NanPolicy, show_values


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
    """Check integer answers against the scale and tabulate them per group in one pass.

    Raises a ValueError naming ``name`` for non-integer or out-of-scale answers (inf
    included) and, with ``nan_policy="raise"``, for missing ones.
    """
    n_groups = 1 if groups is None else groups.n_groups
    codes = None if groups is None else groups.codes
    n_missing = np.zeros(n_groups, dtype=np.int64)
    if values.dtype.kind == "f":
        missing = np.isnan(values)
        if missing.any():
            if nan_policy == "raise":
                raise ValueError(
                    f"{name} has {int(missing.sum())} missing answer(s) and "
                    "nan_policy='raise'; use nan_policy='omit' to skip and count them"
                )
            keep = ~missing
            n_missing = (
                np.array([missing.sum()], dtype=np.int64)
                if codes is None
                else np.bincount(codes[missing], minlength=n_groups).astype(np.int64)
            )
            values = values[keep]
            codes = None if codes is None else codes[keep]
            weights = None if weights is None else weights[keep]
        fractional = values != np.rint(values)
        if fractional.any():
            raise ValueError(
                f"{name} must hold whole-number answers on the {low}-{high} scale; "
                f"found non-integers {show_values(values[fractional])}"
            )
    if len(values):
        lo, hi = values.min(), values.max()
        if lo < low or hi > high:
            bad = values[(values < low) | (values > high)]
            raise ValueError(
                f"{name} answers must lie on the {low}-{high} scale; found out-of-scale "
                f"values {show_values(np.sort(np.unique(bad)))}"
            )
    bins = values.astype(np.intp, copy=False)
    if low:
        bins = bins - low
    n_bins = high - low + 1
    counts = table(codes, bins, n_groups, n_bins).astype(np.int64, copy=False)
    if weights is None:
        return PointTable(counts=counts, n_missing=n_missing)
    return PointTable(
        counts=counts,
        n_missing=n_missing,
        sum_weights=table(codes, bins, n_groups, n_bins, weights),
        sum_weights_sq=table(codes, bins, n_groups, n_bins, weights * weights),
    )
