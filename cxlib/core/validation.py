"""Coercing and checking user input, with error messages that say what is allowed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

NanPolicy = Literal["omit", "raise", "propagate"]
Alternative = Literal["two-sided", "less", "greater"]

_T = TypeVar("_T", bound=str)

_MAX_SHOWN = 8


def show_values(values: npt.ArrayLike) -> str:
    """Render the first few distinct offending values for an error message."""
    arr = np.asarray(values).ravel()
    if arr.dtype.kind == "f" and np.isfinite(arr).all() and (arr == np.rint(arr)).all():
        arr = arr.astype(np.int64)  # whole numbers held as floats (e.g. beside NaN)
    uniq = pd.unique(arr)
    shown = ", ".join(repr(v.item() if isinstance(v, np.generic) else v) for v in uniq[:_MAX_SHOWN])
    more = f", ... ({len(uniq) - _MAX_SHOWN} more)" if len(uniq) > _MAX_SHOWN else ""
    return f"[{shown}{more}]"


def check_choice(name: str, value: object, allowed: Sequence[_T]) -> _T:
    """Return ``value`` if it is one of ``allowed``, else raise a ValueError naming both."""
    if isinstance(value, str):
        for option in allowed:
            if value == option:
                return option
    listed = ", ".join(repr(a) for a in allowed)
    raise ValueError(f"{name} must be one of {listed}; got {value!r}")


def check_nan_policy(nan_policy: object) -> NanPolicy:
    """Validate ``nan_policy``."""
    return check_choice("nan_policy", nan_policy, ("omit", "raise", "propagate"))


def check_alternative(alternative: object) -> Alternative:
    """Validate ``alternative``."""
    return check_choice("alternative", alternative, ("two-sided", "less", "greater"))


def check_confidence_level(confidence_level: object) -> float:
    """Validate a confidence level strictly between 0 and 1."""
    if isinstance(confidence_level, bool) or not isinstance(
        confidence_level, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            "confidence_level must be a number strictly between 0 and 1; "
            f"got {type(confidence_level).__name__} {confidence_level!r}"
        )
    level = float(confidence_level)
    if not (0.0 < level < 1.0) or math.isnan(level):
        raise ValueError(f"confidence_level must be strictly between 0 and 1; got {level!r}")
    return level


def _type_name(values: object) -> str:
    dtype = getattr(values, "dtype", None)
    kind = type(values).__name__
    return f"{kind} of dtype {dtype}" if dtype is not None else kind


def as_numeric_1d(values: object, name: str) -> npt.NDArray[np.integer[Any] | np.floating[Any]]:
    """Coerce a 1-D array-like of numbers to a numpy array without changing any value.

    Integer input stays integer (no copy where none is needed); input with missing
    values (NaN, None, pandas.NA) becomes float64 with NaN. Booleans, strings,
    dates and nested sequences are refused with a TypeError naming ``name``.
    """
    if isinstance(values, (pd.DataFrame, str, bytes, dict)) or np.isscalar(values):
        raise TypeError(
            f"{name} must be a 1-D array-like of numbers (list, numpy array or pandas "
            f"Series); got {_type_name(values)}"
        )
    if isinstance(values, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        return _series_to_numeric(pd.Series(values, copy=False), name)
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{name} must be a 1-D array-like of numbers; {exc}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got an array of shape {arr.shape}")
    if arr.dtype.kind in "iu":
        return arr
    if arr.dtype.kind == "f":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind == "O":
        return _series_to_numeric(pd.Series(arr, copy=False), name)
    raise TypeError(f"{name} must hold numbers; got {_describe_dtype(arr.dtype, arr)}")


def _describe_dtype(dtype: object, sample: Any) -> str:
    try:
        first = show_values(pd.Series(sample).dropna().head(_MAX_SHOWN).to_numpy())
    except (TypeError, ValueError):  # pragma: no cover - unhashable exotic values
        first = "..."
    return f"values of dtype {dtype} such as {first}"


def _series_to_numeric(
    series: pd.Series[Any], name: str
) -> npt.NDArray[np.integer[Any] | np.floating[Any]]:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        if not (
            pd.api.types.is_numeric_dtype(categories) and not pd.api.types.is_bool_dtype(categories)
        ):
            raise TypeError(f"{name} must hold numbers; got {_describe_dtype(dtype, series)}")
        codes = series.cat.codes.to_numpy()
        picked: npt.NDArray[Any] = np.asarray(categories.to_numpy())[np.maximum(codes, 0)]
        if (codes < 0).any():
            picked = picked.astype(np.float64)
            picked[codes < 0] = np.nan
        return picked
    if pd.api.types.is_bool_dtype(dtype):
        raise TypeError(f"{name} must hold numbers, not booleans; got {_type_name(series)}")
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        if isinstance(dtype, np.dtype):
            return series.to_numpy(copy=False)
        if series.hasnans:
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        plain: npt.NDArray[Any] = np.asarray(series.to_numpy())
        return plain
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal", "empty"):
            if inferred == "integer" and not series.isna().any():
                return series.to_numpy(dtype=np.int64)
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
    raise TypeError(f"{name} must hold numbers; got {_describe_dtype(dtype, series)}")


def get_column(data: pd.DataFrame, column: object, argname: str) -> pd.Series[Any]:
    """Return ``data[column]``, raising a KeyError-free ValueError that lists the columns."""
    if not isinstance(column, str) and not isinstance(column, (int, np.integer)):
        raise TypeError(f"{argname} must be a column name of the DataFrame; got {column!r}")
    if column not in data.columns:
        listed = ", ".join(repr(c) for c in list(data.columns)[:20])
        raise ValueError(
            f"{argname}={column!r} is not a column of the DataFrame; columns: {listed}"
        )
    if not data.columns.is_unique and int((data.columns == column).sum()) > 1:
        raise ValueError(f"{argname}={column!r} names more than one column of the DataFrame")
    series: pd.Series[Any] = data[column]
    return series


def as_weights(weights: object, data: object, n: int) -> npt.NDArray[np.float64] | None:
    """Resolve ``weights`` (None, a column name or a 1-D array-like) to checked float64."""
    if weights is None:
        return None
    if isinstance(weights, str):
        if not isinstance(data, pd.DataFrame):
            raise TypeError("weights given as a column name needs a DataFrame as data")
        values: object = get_column(data, weights, "weights")
    else:
        values = weights
    w = np.asarray(as_numeric_1d(values, "weights"), dtype=np.float64)
    if w.shape[0] != n:
        raise ValueError(f"weights must have one value per answer ({n}); got {w.shape[0]}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise ValueError("weights must be finite and non-negative; got " + show_values(w[bad]))
    return w


def check_n_resamples(n_resamples: object) -> int:
    """Validate a number of bootstrap resamples (a whole number >= 1)."""
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)):
        raise TypeError(f"n_resamples must be an integer >= 1; got {n_resamples!r}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be an integer >= 1; got {n_resamples}")
    return int(n_resamples)


def as_generator(rng: object) -> np.random.Generator:
    """Turn ``rng`` (None, an int seed, a SeedSequence or a Generator) into a Generator.

    Follows SPEC 7: a Generator is used as is, anything else seeds a new one.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng seed must be non-negative; got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        "rng must be None, a non-negative int seed, a numpy.random.SeedSequence or a "
        f"numpy.random.Generator; got {type(rng).__name__}"
    )
