"""Checking the arms of an A/B comparison: counts, or per-unit values."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from ..core.validation import as_numeric_1d, check_magnitude, show_values

__all__ = [
    "count_pair",
    "is_number",
    "is_pair_like",
    "missing_mask",
    "unit_columns",
    "unit_rows",
    "unit_values",
    "whole",
]


def is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


#: Largest count accepted: float64, in which the statistics are computed, holds every
#: whole number up to 2**53 exactly.
MAX_COUNT = 2**53


def whole(value: object, what: str) -> int:
    if not is_number(value):
        raise TypeError(f"{what} must be a whole number; got {type(value).__name__} {value!r}")
    if isinstance(value, (int, np.integer)):
        if value < 0:
            raise ValueError(f"{what} must be non-negative; got {value}")
        count = int(value)  # exact: a huge int never goes through float
    else:
        try:
            x = float(cast(float, value))
        except OverflowError:  # pragma: no cover - a Real too large for a float
            raise ValueError(f"{what} must be at most 2**53; got {value!r}") from None
        if not math.isfinite(x) or not x.is_integer():
            raise ValueError(f"{what} must be a whole number; got {value!r}")
        if x < 0:
            raise ValueError(f"{what} must be non-negative; got {int(x)}")
        count = int(x)
    if count > MAX_COUNT:
        raise ValueError(
            f"{what} must be at most 2**53 = {MAX_COUNT:,} (the largest count float64 holds "
            f"exactly); got {count:.3e}"
        )
    return count


def is_pair_like(x: object) -> bool:
    return isinstance(x, (tuple, list, np.ndarray)) and not isinstance(x, str)


def count_pair(value: object, arm: str, *, positive: bool = False) -> tuple[int, int]:
    """``(successes, trials)`` of one arm, checked; ``positive``: at least one trial."""
    items = list(cast("Sequence[object]", value)) if is_pair_like(value) else []
    if len(items) != 2:
        raise TypeError(f"{arm} must be a pair (successes, trials) of whole numbers; got {value!r}")
    s_raw, n_raw = items
    successes = whole(s_raw, f"{arm}: successes")
    trials = whole(n_raw, f"{arm}: trials")
    if successes > trials:
        raise ValueError(f"{arm}: successes ({successes:,}) must not exceed trials ({trials:,})")
    if positive and trials == 0:
        raise ValueError(f"{arm}: trials must be at least 1; got 0 (an arm without units)")
    return successes, trials


def missing_mask(x: npt.NDArray[np.float64], name: str, nan_policy: str) -> npt.NDArray[np.bool_]:
    """The missing (NaN) entries of per-unit values ``x``: the one reading of ``nan_policy``.

    Infinite values are always an error; missing values too under ``nan_policy="raise"``.
    """
    infinite = np.isinf(x)
    if infinite.any():
        raise ValueError(
            f"{name} must hold finite values; got {int(infinite.sum()):,} infinite values "
            f"{show_values(x[infinite])}"
        )
    missing: npt.NDArray[np.bool_] = np.isnan(x)
    if nan_policy == "raise" and missing.any():
        raise ValueError(
            f"{name} holds {int(missing.sum()):,} missing values (NaN) and nan_policy='raise' "
            "(use nan_policy='omit' to leave them out; they are counted in n_missing)"
        )
    return missing


def unit_columns(
    columns: Sequence[object], names: Sequence[str], nan_policy: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Per-unit columns of one arm, stacked ``(k, n)``, and the mask of missing units.

    A unit is missing when any of its columns is; columns must have one value per unit.
    """
    arrays: list[npt.NDArray[np.float64]] = []
    for values, name in zip(columns, names, strict=True):
        x = np.asarray(as_numeric_1d(values, name), dtype=np.float64)
        if arrays and x.size != arrays[0].size:
            raise ValueError(
                f"{names[0]} and {name} must have one value per unit each; got "
                f"{arrays[0].size:,} and {x.size:,} values"
            )
        check_magnitude(x, name)
        arrays.append(x)
    stacked = np.stack(arrays)
    missing = np.zeros(stacked.shape[1], dtype=bool)
    for x, name in zip(arrays, names, strict=True):
        missing |= missing_mask(x, name, nan_policy)
    return stacked, missing


def unit_rows(
    columns: Sequence[object], names: Sequence[str], arm: str, nan_policy: str
) -> tuple[npt.NDArray[np.float64], int]:
    """The non-missing units of one arm, ``(k, n_kept)``, and the number of missing ones.

    Unless missing values are to be propagated, at least two units must remain.
    """
    stacked, missing = unit_columns(columns, names, nan_policy)
    n_missing = int(missing.sum())
    kept = stacked[:, ~missing]
    if kept.shape[1] < 2 and not (n_missing and nan_policy == "propagate"):
        raise ValueError(
            f"{arm} needs at least 2 non-missing units; got {kept.shape[1]} "
            f"(of {stacked.shape[1]}, {n_missing} missing)"
        )
    return kept, n_missing


def unit_values(values: object, name: str, nan_policy: str) -> tuple[npt.NDArray[np.float64], int]:
    """The non-missing per-unit values of one arm and the number of missing ones."""
    kept, n_missing = unit_rows([values], [name], name, nan_policy)
    return kept[0], n_missing
