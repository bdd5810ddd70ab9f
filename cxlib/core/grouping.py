"""Group keys to integer codes, and the tidy per-group result.

Every grouped computation in cxlib reduces rows to a table of statistics indexed by
``group_code * n_bins + bin`` with :func:`numpy.bincount`; the statistics add up, so
grouping never needs a Python loop over groups.

Keys are coded in sorted order, as ``pandas.factorize(sort=True)`` codes them, but the
rows are never sorted: they are hashed (or, for integers of a small span, counted), and
only the distinct keys are sorted. Categorical keys are their codes. The time hardly
depends on the type of the key (integers, strings in Arrow or in Python objects,
categoricals), and the codes do not depend on the order of the rows.
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
# codes (offset by the minimum): no pass over the rows beyond one subtraction. Integers
# spanning at most _RANK_FACTOR * n + _RANK_MIN values are ranked through a table of the
# values present (a count, no hashing); wider ones are hashed.
_DIRECT_MIN = 4096
_DIRECT_RATIO = 16
_RANK_FACTOR = 4
_RANK_MIN = 1 << 16
# Distinct strings are sorted by 8 bytes after their common prefix, searched this far.
_MAX_SHARED = 64

IntpArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Groups:
    """Integer group codes for the rows, and the key values of each candidate group.

    ``codes[i]`` is the group of row ``i`` (any integer dtype); ``keys`` has one row per
    candidate group, in key order (category order for categoricals, sorted otherwise,
    missing keys last), with the ``by`` columns in their original dtypes. Candidate
    groups may have no rows (unused categories, gaps between integer keys): tables are
    built over all of them and the empty ones are dropped afterwards, which costs
    nothing per row.
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


def dense_rank(values: npt.NDArray[np.integer[Any]]) -> tuple[npt.NDArray[Any], IntpArray]:
    """Sorted distinct values of a 1-D integer array, and the rank of each element.

    The same as ``numpy.unique(values, return_inverse=True)``, without its sort of all
    the elements: values of a small span are counted in a table of presence, others are
    hashed and only the distinct values are sorted.

    Parameters
    ----------
    values : numpy.ndarray
        1-D array of integers (any integer dtype).

    Returns
    -------
    uniques : numpy.ndarray
        The distinct values, ascending, in the dtype of ``values``.
    codes : numpy.ndarray of intp
        ``uniques[codes]`` equals ``values``.

    Examples
    --------
    >>> import numpy as np
    >>> uniques, codes = dense_rank(np.array([30, 10, 30, 20]))
    >>> uniques.tolist(), codes.tolist()
    ([10, 20, 30], [2, 0, 2, 1])
    """
    flat = np.asarray(values)
    if flat.ndim != 1 or flat.dtype.kind not in "iu":
        raise TypeError(
            f"values must be a 1-D integer array; got {flat.dtype} of shape {flat.shape}"
        )
    if not len(flat):
        return flat.copy(), np.zeros(0, dtype=np.intp)
    low, high = int(flat.min()), int(flat.max())
    span = high - low + 1
    if span <= _RANK_FACTOR * len(flat) + _RANK_MIN:
        # Small non-negative values index the table as they are (a pass fewer).
        base = 0 if 0 <= low <= span else low
        shifted = _offsets(flat, base)
        present = np.bincount(shifted, minlength=high - base + 1) > 0
        rank = np.cumsum(present, dtype=np.intp)
        rank -= 1
        return _from_offsets(np.flatnonzero(present), base, flat.dtype), np.take(rank, shifted)
    codes, uniques = pd.factorize(flat, sort=False)
    return _sorted_codes(np.asarray(codes), np.asarray(uniques).astype(flat.dtype, copy=False))


def _offsets(values: npt.NDArray[np.integer[Any]], low: int) -> IntpArray:
    """``values - low`` as intp (the caller knows that the differences fit)."""
    if values.dtype == np.uint64:  # may exceed the intp range before the subtraction
        unsigned: IntpArray = (values - np.uint64(low)).astype(np.intp)
        return unsigned
    shifted = values.astype(np.intp, copy=False)
    return shifted - low if low else shifted


def _from_offsets(offsets: IntpArray, low: int, dtype: np.dtype[Any]) -> npt.NDArray[Any]:
    """``offsets + low`` in ``dtype`` (the inverse of :func:`_offsets`)."""
    wide = np.uint64 if dtype == np.uint64 else np.int64
    values: npt.NDArray[Any] = (offsets.astype(wide) + wide(low)).astype(dtype)
    return values


def _sorted_codes(codes: IntpArray, uniques: Any) -> tuple[Any, IntpArray]:
    """Sort distinct ``uniques`` and renumber ``codes`` (-1 stays -1) to match."""
    order = _argsort_distinct(uniques)
    # One slot more for code -1 (missing), which indexes the last element.
    table = np.empty(len(order) + 1, dtype=np.intp)
    table[order] = np.arange(len(order), dtype=np.intp)
    table[-1] = -1
    return uniques.take(order), np.take(table, codes)


def _argsort_distinct(uniques: Any) -> IntpArray:
    """The order that sorts distinct values (numpy or pandas extension array)."""
    if isinstance(uniques, np.ndarray):
        return np.argsort(uniques)
    if isinstance(uniques, pd.arrays.ArrowExtensionArray):
        order = _argsort_arrow_strings(uniques)
        if order is not None:
            return order
    return np.asarray(uniques.argsort(), dtype=np.intp)


def _argsort_arrow_strings(uniques: Any) -> IntpArray | None:
    """Sort distinct Arrow strings by 8 of their bytes, then sort the ties in full.

    The 8 bytes after the prefix that all strings share, padded with zero bytes and
    read as one big-endian integer, sort in the order of the strings up to ties (UTF-8
    bytes sort in code point order, and the padding of a shorter string sorts before
    the bytes of a longer one), so one integer sort orders nearly all of them; only
    strings equal in those bytes go to Arrow's string sort. None for types other than
    (large) strings and binaries, and if nulls occur.
    """
    import pyarrow as pa  # type: ignore[import-untyped,import-not-found,unused-ignore]
    import pyarrow.compute as pc  # type: ignore[import-untyped,import-not-found,unused-ignore]

    array = pa.array(uniques)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_binary(kind):
        offset_type: type[np.signedinteger[Any]] = np.int32
    elif pa.types.is_large_string(kind) or pa.types.is_large_binary(kind):
        offset_type = np.int64
    else:
        return None
    _, offset_buffer, data_buffer = array.buffers()
    if array.null_count or len(array) < 2 or data_buffer is None:
        return None
    offsets = np.frombuffer(
        offset_buffer,
        dtype=offset_type,
        count=len(array) + 1,
        offset=array.offset * np.dtype(offset_type).itemsize,
    ).astype(np.intp)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    shared = 0  # length of the prefix common to all strings (a loop over byte positions)
    while shared < min(int(lengths.min()), _MAX_SHARED):
        column = data[starts + shared]
        if (column != column[0]).any():
            break
        shared += 1
    key = np.zeros(len(array), dtype=np.uint64)
    last = len(data) - 1
    for j in range(8):
        byte = data[np.minimum(starts + (shared + j), last)].astype(np.uint64)
        byte[lengths <= shared + j] = 0
        key |= byte << np.uint64(56 - 8 * j)
    order = np.argsort(key)
    ranked = key[order]
    same = ranked[1:] == ranked[:-1]
    if same.any():
        tied = np.zeros(len(order), dtype=bool)
        tied[1:] = same
        tied[:-1] |= same
        # The tied strings, sorted in full, fill the places of the ties: their keys
        # already order them by block.
        places = np.flatnonzero(tied)
        subset = order[places]
        within = np.asarray(pc.array_sort_indices(array.take(pa.array(subset))), dtype=np.intp)
        order[places] = subset[within]
    return order


def factorize(values: pd.Series[Any] | pd.Index[Any]) -> tuple[IntpArray, pd.Index[Any]]:
    """Codes of the values in sorted order, without sorting the rows.

    The result is that of ``pandas.factorize(values, sort=True)``: ``codes[i]`` is the
    position of ``values[i]`` among the sorted distinct values (categories in their
    order), -1 where the value is missing. Integer keys of a small span are counted,
    categorical keys use their codes, other keys are hashed and only the distinct
    values are sorted (Arrow-backed strings through Arrow's dictionary encoding).
    Object columns are left to pandas, whose rules for mixed types apply.

    Parameters
    ----------
    values : pandas.Series or pandas.Index
        The keys, of any dtype.

    Returns
    -------
    codes : numpy.ndarray of intp
        The code of each value, -1 for missing ones.
    uniques : pandas.Index
        The distinct values present, sorted, in the dtype of ``values``.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, uniques = factorize(pd.Series(["b", None, "a", "b"]))
    >>> codes.tolist(), uniques.tolist()
    ([1, -1, 0, 1], ['a', 'b'])
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cat_codes = np.asarray(pd.Categorical(values).codes, dtype=np.intp)
        n_categories = len(dtype.categories)
        # Categories that occur, numbered in category order; -1 (missing) stays -1.
        present = np.bincount(cat_codes + 1, minlength=n_categories + 1)[1:] > 0
        found = pd.Categorical.from_codes(np.flatnonzero(present), dtype=dtype)
        if present.all():  # the codes are the ranks already
            return cat_codes, pd.Index(found)
        table = np.empty(n_categories + 1, dtype=np.intp)
        table[:-1] = np.cumsum(present) - 1
        table[-1] = -1
        return np.take(table, cat_codes), pd.Index(found)
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        array = values.to_numpy()
        ints = array.view(np.uint8) if dtype.kind == "b" else array
        found_ints, codes = dense_rank(ints)
        return codes, pd.Index(found_ints.view(dtype) if dtype.kind == "b" else found_ints)
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        numpy_dtype = np.dtype(getattr(dtype, "numpy_dtype", np.dtype(object)))
        if numpy_dtype.kind in "iub":
            return _factorize_masked(values, numpy_dtype)
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        codes_raw, found_obj = pd.factorize(values, sort=True)
        return np.asarray(codes_raw, dtype=np.intp), pd.Index(found_obj)
    array_like = values.to_numpy() if isinstance(dtype, np.dtype) else values.array
    codes_raw, uniques = pd.factorize(array_like, sort=False)
    found, codes = _sorted_codes(np.asarray(codes_raw, dtype=np.intp), uniques)
    return codes, pd.Index(found)


def _factorize_masked(
    values: pd.Series[Any] | pd.Index[Any], numpy_dtype: np.dtype[Any]
) -> tuple[IntpArray, pd.Index[Any]]:
    """Nullable integers and booleans (masked or Arrow): ranked as numpy integers."""
    missing = np.asarray(values.isna(), dtype=bool)
    if missing.all():
        return np.full(len(values), -1, dtype=np.intp), pd.Index(values[:0])
    wide = np.dtype(np.uint64) if numpy_dtype == np.uint64 else np.dtype(np.int64)
    dtype: Any = values.dtype  # an extension dtype, which the stubs do not list
    if not missing.any():
        found_ints, codes = dense_rank(values.to_numpy(dtype=wide))
        return codes, pd.Index(pd.array(found_ints, dtype=dtype))
    # Missing values take the first value present, so that the span does not grow;
    # their codes are set to -1 afterwards (np.putmask: faster than a masked copyto).
    filled = values.fillna(values.array[int(np.argmin(missing))])
    found_ints, codes = dense_rank(filled.to_numpy(dtype=wide))
    np.putmask(codes, missing, -1)
    return codes, pd.Index(pd.array(found_ints, dtype=dtype))


def factorize_column(
    values: pd.Series[Any],
) -> tuple[npt.NDArray[np.integer[Any]], pd.Index[Any]]:
    """Codes of one key column and the candidate keys; missing keys are coded last.

    Candidate keys may include keys without rows: all categories of a categorical, or
    every integer of a small span (which then need no ranking at all).
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        n_categories = len(values.cat.categories)
        key_codes = np.arange(n_categories)
        if (codes < 0).any():
            codes = np.where(codes < 0, n_categories, codes)
            key_codes = np.append(key_codes, -1)
        return codes, pd.Index(pd.Categorical.from_codes(key_codes, dtype=dtype))
    if isinstance(dtype, np.dtype) and dtype.kind in "iu" and len(values):
        arr = values.to_numpy()
        low, high = int(arr.min()), int(arr.max())
        span = high - low + 1
        if span <= max(_DIRECT_MIN, len(arr) // _DIRECT_RATIO):
            # Small non-negative keys index tables directly; others are shifted to 0 first.
            base = 0 if 0 <= low <= span else low
            keys = pd.Index(_from_offsets(np.arange(high - base + 1), base, dtype))
            return _offsets(arr, base), keys
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        codes_obj, found_obj = pd.factorize(values, sort=True, use_na_sentinel=False)
        return np.asarray(codes_obj), pd.Index(found_obj)
    codes_any, found = factorize(values)
    if len(codes_any) and codes_any.min() < 0:  # missing keys: one more group, last
        n_found = len(found)
        codes_any[codes_any < 0] = n_found
        # The missing key as the dtype's NA (take(-1) reads the last key on pandas 2).
        found = found.insert(n_found, None)
    return codes_any, found


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
    observed_codes, codes = dense_rank(combined)
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
    out: npt.NDArray[Any] = np.compress(keep, ordered)
    return out
