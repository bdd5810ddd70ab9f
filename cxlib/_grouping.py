"""Group keys to integer codes, and per-group sufficient statistics in one pass.

Every grouped computation in cxlib reduces rows to a table of statistics indexed by
``group_code * n_bins + bin`` with a single :func:`numpy.bincount`; the statistics add
up, so grouping never needs a Python loop over groups.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._validation import get_column

IntArray = npt.NDArray[np.intp]

# An integer key whose values span at most this many times the number of rows is
# coded by direct indexing rather than hashing: O(n) and several times faster.
_DENSE_SPAN_FACTOR = 4


@dataclass(frozen=True)
class Groups:
    """Integer group codes for the rows, and the key values of each group.

    ``codes[i]`` is the group of row ``i``; ``keys`` has one row per group, in sorted
    key order (missing keys last), with the ``by`` columns in their original dtypes.
    """

    codes: IntArray
    keys: pd.DataFrame

    @property
    def n_groups(self) -> int:
        return len(self.keys)


def normalise_by(by: object) -> list[Hashable]:
    """Return ``by`` as a non-empty list of column names."""
    names: list[Hashable] = list(by) if isinstance(by, (list, tuple)) else [by]
    if not names:
        raise ValueError("by must name at least one column; got an empty list")
    for name in names:
        if not isinstance(name, (str, int, np.integer)):
            raise TypeError(f"by must be a column name or a list of column names; got {name!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"by names a column more than once: {names!r}")
    return names


def factorize_column(values: pd.Series[Any]) -> tuple[IntArray, pd.Index[Any]]:
    """Sorted codes of one key column; missing keys form their own group, coded last."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        raw = values.cat.codes.to_numpy()
        n_categories = len(values.cat.categories)
        key_codes = np.arange(n_categories)
        codes = raw.astype(np.intp)
        if (raw < 0).any():
            codes[raw < 0] = n_categories
            key_codes = np.append(key_codes, -1)
        uniques = pd.Index(pd.Categorical.from_codes(key_codes, dtype=values.dtype))
        return codes, uniques
    arr = values.to_numpy(copy=False)
    if isinstance(values.dtype, np.dtype) and arr.dtype.kind in "iu" and len(arr):
        low, high = int(arr.min()), int(arr.max())
        if high - low < _DENSE_SPAN_FACTOR * len(arr) + 1024:
            shifted = arr - low if low != 0 else arr
            present = np.bincount(shifted, minlength=high - low + 1) > 0
            rank = np.cumsum(present) - 1
            codes = rank[shifted].astype(np.intp, copy=False)
            uniques = pd.Index(np.flatnonzero(present) + low, dtype=values.dtype)
            return codes, uniques
    codes_raw, found = pd.factorize(values, sort=True, use_na_sentinel=False)
    return np.asarray(codes_raw, dtype=np.intp), pd.Index(found)


def make_groups(data: pd.DataFrame, by: object) -> Groups:
    """Code the rows of ``data`` by the column(s) ``by``."""
    names = normalise_by(by)
    columns = [get_column(data, name, "by") for name in names]
    parts = [factorize_column(col) for col in columns]
    if len(parts) == 1:
        codes, uniques = parts[0]
        present = np.bincount(codes, minlength=len(uniques)) > 0
        if not present.all():  # unobserved categories do not form groups
            rank = np.cumsum(present) - 1
            codes = rank[codes].astype(np.intp)
            uniques = uniques[present]
        keys = pd.DataFrame({names[0]: uniques}, index=pd.RangeIndex(len(uniques)))
        return Groups(codes=codes, keys=keys)
    sizes = [len(u) for u in (p[1] for p in parts)]
    combined = np.zeros(len(data), dtype=np.int64)
    for (codes_k, _), size in zip(parts, sizes, strict=True):
        combined *= size
        combined += codes_k
    total = int(np.prod(sizes, dtype=np.float64))
    if total <= _DENSE_SPAN_FACTOR * len(data) + 1024:
        present = np.bincount(combined, minlength=total) > 0
        observed = np.flatnonzero(present)
        rank = np.cumsum(present) - 1
        codes = rank[combined].astype(np.intp)
    else:
        observed, inverse = np.unique(combined, return_inverse=True)
        codes = inverse.astype(np.intp).ravel()
    key_codes = np.unravel_index(observed, sizes)
    keys = pd.DataFrame(
        {
            name: uniques.take(kc)
            for name, (_, uniques), kc in zip(names, parts, key_codes, strict=True)
        },
        index=pd.RangeIndex(len(observed)),
    )
    return Groups(codes=codes, keys=keys)


def table(
    codes: IntArray | None,
    bins: npt.NDArray[np.integer[Any]],
    n_groups: int,
    n_bins: int,
    weights: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[Any]:
    """Per-group histogram of ``bins`` (values in ``[0, n_bins)``), shape (n_groups, n_bins).

    One :func:`numpy.bincount` pass; sums ``weights`` instead of counting when given.
    """
    flat = bins if codes is None else codes * n_bins + bins
    out = np.bincount(flat, weights=weights, minlength=n_groups * n_bins)
    return out.reshape(n_groups, n_bins)


def tidy(keys: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """Assemble the tidy result: key columns first, then the statistics."""
    stats = pd.DataFrame(columns)
    overlap = set(keys.columns) & set(stats.columns)
    if overlap:
        raise ValueError(
            f"by column(s) {sorted(map(str, overlap))} clash with result columns; rename them"
        )
    frame: pd.DataFrame = pd.concat([keys.reset_index(drop=True), stats], axis=1)
    return frame
