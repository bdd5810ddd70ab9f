"""Checking the arms of an A/B comparison given as counts."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import cast

import numpy as np

__all__ = ["count_pair", "is_number", "is_pair_like", "whole"]


def is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def whole(value: object, what: str) -> int:
    if not is_number(value):
        raise TypeError(f"{what} must be a whole number; got {type(value).__name__} {value!r}")
    x = float(cast(float, value))
    if not math.isfinite(x) or not x.is_integer():
        raise ValueError(f"{what} must be a whole number; got {value!r}")
    if x < 0:
        raise ValueError(f"{what} must be non-negative; got {int(x)}")
    return int(x)


def is_pair_like(x: object) -> bool:
    return isinstance(x, (tuple, list, np.ndarray)) and not isinstance(x, str)


def count_pair(value: object, arm: str) -> tuple[int, int]:
    items = list(cast("Sequence[object]", value)) if is_pair_like(value) else []
    if len(items) != 2:
        raise TypeError(f"{arm} must be a pair (successes, trials) of whole numbers; got {value!r}")
    s_raw, n_raw = items
    successes = whole(s_raw, f"{arm}: successes")
    trials = whole(n_raw, f"{arm}: trials")
    if successes > trials:
        raise ValueError(f"{arm}: successes ({successes:,}) must not exceed trials ({trials:,})")
    return successes, trials
