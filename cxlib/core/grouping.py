"""Group keys to integer codes, and the tidy per-group result.

Every grouped computation in cxlib reduces rows to a table of statistics indexed by
``group_code * n_bins + bin`` with :func:`numpy.bincount`; the statistics add up, so
grouping never needs a Python loop over groups.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .validation import get_column

# Integer keys spanning at most max(_DIRECT_MIN, n / _DIRECT_RATIO) values are their own
# codes (offset by the minimum): no pass over the rows beyond one subtraction. Keys
# spanning at most _RANK_FACTOR * n values are ranked through a lookup table. Wider keys
# are hashed by pandas.
_DIRECT_MIN = 4096
_DIRECT_RATIO = 16
_RANK_FACTOR = 4


@dataclass(frozen=True)
class Groups:
    """Integer group codes for the rows, and the key values of each candidate group.

    ``codes[i]`` is the group of row ``i`` (any integer dtype); ``keys`` has one row per
    candidate group, in key order (category order for categoricals, sorted otherwise,
    missing keys last), with the ``by`` columns in their original dtypes. Candidate
    groups may have no rows (unused categories, gaps between integer keys): tables are
    built over all of them and :func:`observed` drops the empty ones afterwards, which
    costs nothing per row.
    """

    codes: npt.NDArray[np.integer[Any]]
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


def factorize_column(
    values: pd.Series[Any],
) -> tuple[npt.NDArray[np.integer[Any]], pd.Index[Any]]:
    """Codes of one key column and the candidate keys; missing keys are coded last."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        n_categories = len(values.cat.categories)
        key_codes = np.arange(n_categories)
        if (codes < 0).any():
            codes = np.where(codes < 0, n_categories, codes)
            key_codes = np.append(key_codes, -1)
        return codes, pd.Index(pd.Categorical.from_codes(key_codes, dtype=values.dtype))
    arr = values.to_numpy(copy=False)
    if isinstance(values.dtype, np.dtype) and arr.dtype.kind in "iu" and len(arr):
        low, high = int(arr.min()), int(arr.max())
        span = high - low + 1
        # Small non-negative keys index tables directly; others are shifted to 0 first.
        base = 0 if 0 <= low <= span else low
        shifted = arr - base if base else arr
        if span <= max(_DIRECT_MIN, len(arr) // _DIRECT_RATIO):
            return shifted, pd.Index(np.arange(base, high + 1), dtype=values.dtype)
        if span <= _RANK_FACTOR * len(arr) + _DIRECT_MIN:
            present = np.bincount(shifted) > 0
            rank = (np.cumsum(present) - 1).astype(np.int32)
            uniques = pd.Index(np.flatnonzero(present) + base, dtype=values.dtype)
            return np.take(rank, shifted), uniques
    codes_raw, found = pd.factorize(values, sort=True, use_na_sentinel=False)
    return np.asarray(codes_raw), pd.Index(found)


def make_groups(data: pd.DataFrame, by: object) -> Groups:
    """Code the rows of ``data`` by the column(s) ``by``."""
    names = normalise_by(by)
    columns = [get_column(data, name, "by") for name in names]
    parts = [factorize_column(col) for col in columns]
    if len(parts) == 1:
        codes, uniques = parts[0]
        keys = pd.DataFrame({names[0]: uniques}, index=pd.RangeIndex(len(uniques)))
        return Groups(codes=codes, keys=keys)
    sizes = [len(u) for _, u in parts]
    combined = np.zeros(len(data), dtype=np.int64)
    for (codes_k, _), size in zip(parts, sizes, strict=True):
        combined *= size
        combined += codes_k
    # The product of the key sets can be huge: keep only the combinations that occur.
    total = int(np.prod(sizes, dtype=np.float64))
    if total <= _RANK_FACTOR * len(data) + _DIRECT_MIN:
        present = np.bincount(combined, minlength=total) > 0
        observed_codes = np.flatnonzero(present)
        codes = np.take((np.cumsum(present) - 1).astype(np.int32), combined)
    else:
        observed_codes, inverse = np.unique(combined, return_inverse=True)
        codes = inverse.ravel()
    key_codes = np.unravel_index(observed_codes, sizes)
    keys = pd.DataFrame(
        {
            name: uniques.take(kc)
            for name, (_, uniques), kc in zip(names, parts, key_codes, strict=True)
        },
        index=pd.RangeIndex(len(observed_codes)),
    )
    return Groups(codes=codes, keys=keys)


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


def distinct(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sorted distinct values of a 1-D array.

    Sorting and dropping repeats: several times faster than :func:`numpy.unique` without
    ``return_*`` arguments, which takes a slower hashing path in recent numpy.
    """
    # Only the distinct values matter, not the order of equal ones: no need for a stable
    # sort, and the default sort is several times faster on unordered keys.
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    out: npt.NDArray[Any] = ordered[keep]
    return out
