"""Checking the arms of an A/B comparison: counts, or per-unit values."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from ..core.validation import as_numeric_1d, check_magnitude, show_values

__all__ = ["count_pair", "is_number", "is_pair_like", "unit_values", "whole"]


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


def unit_values(values: object, name: str, nan_policy: str) -> tuple[npt.NDArray[np.float64], int]:
    """The non-missing per-unit values of one arm and the number of missing ones.

    Infinite values are an error; missing values (NaN) too under ``nan_policy="raise"``.
    Unless the missing values are to be propagated, at least two values must remain.
    """
    x = np.asarray(as_numeric_1d(values, name), dtype=np.float64)
    if np.isinf(x).any():
        raise ValueError(f"{name} must hold finite values; got {show_values(x[np.isinf(x)])}")
    check_magnitude(x, name)
    missing = np.isnan(x)
    n_missing = int(missing.sum())
    if n_missing and nan_policy == "raise":
        raise ValueError(
            f"{name} holds {n_missing:,} missing values (NaN) and nan_policy='raise' "
            "(use nan_policy='omit' to leave them out; they are counted in n_missing)"
        )
    kept = x[~missing]
    if kept.size < 2 and not (n_missing and nan_policy == "propagate"):
        raise ValueError(
            f"{name} needs at least 2 non-missing values; got {kept.size} "
            f"(of {x.size}, {n_missing} missing)"
        )
    return kept, n_missing
