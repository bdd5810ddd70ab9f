"""Coercing and checking user input, with error messages that say what is allowed."""

from __future__ import annotations

import math
import numbers
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
    if (
        arr.dtype.kind == "f"
        and np.isfinite(arr).all()
        and (arr == np.rint(arr)).all()
        and (np.abs(arr) < 2.0**53).all()  # beyond, a float is not shown as a wrapped int
    ):
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


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is a bool (Python or numpy), else raise a TypeError naming it.

    Options such as ``allow_refunds`` take True or False only: a string such as ``"no"``
    is truthy and would silently mean True.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")


def check_optional_bool(name: str, value: object) -> bool | None:
    """Like :func:`check_bool`, also accepting None (an option left to its default rule)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True, False or None; got {type(value).__name__} {value!r}")


def check_nan_policy(nan_policy: object) -> NanPolicy:
    """Validate ``nan_policy``."""
    return check_choice("nan_policy", nan_policy, ("omit", "raise", "propagate"))


def check_alternative(alternative: object) -> Alternative:
    """Validate ``alternative``."""
    return check_choice("alternative", alternative, ("two-sided", "less", "greater"))


def check_confidence_level(confidence_level: object, name: str = "confidence_level") -> float:
    """Validate a confidence (or credible) level strictly between 0 and 1.

    ``name`` is the argument as the caller spelled it, e.g. ``"credible_level"``.
    """
    if isinstance(confidence_level, (bool, np.bool_)) or not isinstance(
        confidence_level, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            f"{name} must be a number strictly between 0 and 1; "
            f"got {type(confidence_level).__name__} {confidence_level!r}"
        )
    level = float(confidence_level)
    if not (0.0 < level < 1.0) or math.isnan(level):
        raise ValueError(f"{name} must be strictly between 0 and 1; got {level!r}")
    return level


def _type_name(values: object) -> str:
    dtype = getattr(values, "dtype", None)
    kind = type(values).__name__
    return f"{kind} of dtype {dtype}" if dtype is not None else kind


def as_numeric_1d(values: object, name: str) -> npt.NDArray[np.integer[Any] | np.floating[Any]]:
    """Coerce a 1-D array-like of numbers to a numpy array without changing any value.

    Integer input stays integer (no copy where none is needed); input with missing
    values (NaN, None, pandas.NA, the masked entries of a numpy masked array) becomes
    float64 with NaN. Booleans (also single ``True`` values inside a list), strings,
    dates and nested sequences are refused with a TypeError naming ``name`` and showing
    the offending values.
    """
    if isinstance(values, (pd.DataFrame, str, bytes, dict)) or np.isscalar(values):
        raise TypeError(
            f"{name} must be a 1-D array-like of numbers (list, numpy array or pandas "
            f"Series); got {_type_name(values)}"
        )
    if isinstance(values, np.ma.MaskedArray):
        return _masked_to_numeric(values, name)
    if isinstance(values, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        return _series_to_numeric(pd.Series(values, copy=False), name)
    if not isinstance(values, np.ndarray):
        # A list is read element by element: numpy would turn True into 1 and, beside
        # one text answer, every number into text.
        try:
            values = np.array(values, dtype=object)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{name} must be a 1-D array-like of numbers; {exc}") from None
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got an array of shape {arr.shape}")
    if arr.dtype.kind in "iu":
        return arr
    if arr.dtype.kind == "f":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind == "O":
        return _series_to_numeric(pd.Series(arr, copy=False), name)
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} must hold numbers, not booleans; got {_type_name(arr)}")
    raise TypeError(f"{name} must hold numbers; got {_describe_dtype(arr.dtype, arr)}")


def _masked_to_numeric(
    values: np.ma.MaskedArray[Any, Any], name: str
) -> npt.NDArray[np.integer[Any] | np.floating[Any]]:
    """The entries of a masked array, masked ones as missing (NaN).

    Database clients return a column with NULLs this way (e.g. duckdb's
    ``fetchnumpy()``); the data under the mask is arbitrary and is never read.
    """
    mask = np.ma.getmaskarray(values)
    if values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got an array of shape {values.shape}")
    if not mask.any():
        return as_numeric_1d(np.ma.getdata(values), name)
    data = np.ma.getdata(values).astype(object)  # a copy: the caller's data is untouched
    data[mask] = None
    out = np.asarray(as_numeric_1d(data, name), dtype=np.float64)
    return out


def _describe_dtype(dtype: object, sample: Any) -> str:
    try:
        first = show_values(pd.Series(sample).dropna().head(_MAX_SHOWN).to_numpy())
    except (TypeError, ValueError):  # pragma: no cover - unhashable exotic values
        first = "..."
    return f"values of dtype {dtype} such as {first}"


def _is_plain_number(value: object) -> bool:
    return isinstance(value, (numbers.Real, np.number)) and not isinstance(value, (bool, np.bool_))


def _offending(series: pd.Series[Any], name: str) -> TypeError:
    """A TypeError showing the entries of an object column that are not numbers."""
    # Only on the error path: a per-element type test is affordable here.
    bad = ~series.map(_is_plain_number).to_numpy(dtype=bool) & series.notna().to_numpy()
    where = np.flatnonzero(bad)
    offending = series.to_numpy()[where]
    is_bool = np.array([isinstance(v, (bool, np.bool_)) for v in offending[:_MAX_SHOWN]])
    one = len(where) == 1
    if is_bool.all():
        what = ("boolean" if one else "booleans") + " (True would be read as 1)"
    else:
        what = "value that is not a number" if one else "values that are not numbers"
    try:
        shown = show_values(offending)
    except (TypeError, ValueError):  # pragma: no cover - unhashable exotic values
        shown = repr(list(offending[:_MAX_SHOWN]))
    return TypeError(
        f"{name} must hold numbers; found {len(where):,} {what}: {shown} "
        f"(first at position {int(where[0])})"
    )


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
        picked: npt.NDArray[Any] = as_numeric_1d(
            np.asarray(categories.to_numpy())[np.maximum(codes, 0)], name
        )
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
        if plain.dtype.kind not in "iuf":  # e.g. Arrow decimals arrive as objects
            return _series_to_numeric(pd.Series(plain, copy=False), name)
        return plain
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal", "empty"):
            if inferred == "integer" and not series.isna().any():
                try:
                    return series.to_numpy(dtype=np.int64)
                except OverflowError:
                    huge = series[series.map(lambda v: abs(v) >= 2**63).to_numpy(dtype=bool)]
                    raise ValueError(
                        f"{name} holds integers too large for 64 bits: {show_values(huge)}"
                    ) from None
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        if inferred not in ("string", "bytes", "datetime", "datetime64", "date", "timedelta"):
            raise _offending(series, name)
    raise TypeError(f"{name} must hold numbers; got {_describe_dtype(dtype, series)}")


def get_column(data: pd.DataFrame, column: object, argname: str) -> pd.Series[Any]:
    """Return ``data[column]``, raising a KeyError-free ValueError that lists the columns."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"{argname}={column!r} names a column, so the data must be a pandas DataFrame; "
            f"got {_type_name(data)}"
        )
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


def check_aligned(other: object, other_name: str, data: object, data_name: str = "data") -> None:
    """Refuse a pandas ``other`` whose index differs from the index of pandas ``data``.

    Values given beside the data (weights, covariates) are paired with the data by
    position. When both are pandas objects with different indexes, pairing by position
    would silently pair the wrong rows, so it is an error: align them first (e.g.
    ``other.reindex(data.index)``) or pass a numpy array to pair by position.
    """
    if not isinstance(other, (pd.Series, pd.DataFrame)):
        return
    if not isinstance(data, (pd.Series, pd.DataFrame)):
        return
    if not other.index.equals(data.index):
        raise ValueError(
            f"{other_name} is a pandas object whose index differs from the index of "
            f"{data_name}; values are paired by position only when the indexes are equal: "
            f"align it first (e.g. .reindex({data_name}.index)) or pass a numpy array "
            f"(index of {data_name} starts {list(data.index[:3])!r}, of {other_name} "
            f"{list(other.index[:3])!r})"
        )


def check_magnitude(
    values: npt.NDArray[np.floating[Any]],
    name: str,
    *,
    extremes: tuple[float, float] | None = None,
) -> None:
    """Refuse finite values too large for their squares to be summed in float64.

    Variances and weight sums of squares of values beyond about ``1e150 / sqrt(n)``
    overflow to infinity and then to NaN; say so instead of returning NaN. NaN and
    infinite values are not checked here (nor counted in ``n``). ``extremes``: the
    smallest and largest value (NaN skipped), when the caller has them already.
    """
    if values.size == 0:
        return
    # fmin/fmax skip NaN; when the extremes pass the limit of all the values (the
    # strictest), nothing needs the mask of the finite ones.
    if extremes is None:
        extremes = (
            float(np.fmin.reduce(values, axis=None)),
            float(np.fmax.reduce(values, axis=None)),
        )
    extreme = max(abs(extremes[0]), abs(extremes[1]))
    if not extreme > math.sqrt(np.finfo(np.float64).max / values.size) / 16.0:
        return
    finite = np.isfinite(values)
    n_finite = int(finite.sum())
    limit = math.sqrt(np.finfo(np.float64).max / max(n_finite, 1)) / 16.0
    big = finite & (np.abs(values) > limit)
    if big.any():
        raise ValueError(
            f"{name} holds values too large to square and sum in float64 (at most {limit:.3g} "
            f"in absolute value for {n_finite:,} values): {show_values(values[big])}; "
            "divide them by a constant (a power of ten) first"
        )


#: Smallest positive weight: its square (in variances and Kish's n) must not underflow.
TINY_WEIGHT = 1e-150


def as_weights(weights: object, data: object, n: int) -> npt.NDArray[np.float64] | None:
    """Resolve ``weights`` (None, a column name or a 1-D array-like) to checked float64.

    A pandas Series of weights beside a pandas ``data`` must have the same index
    (see :func:`check_aligned`).
    """
    if weights is None:
        return None
    if isinstance(weights, str):
        if not isinstance(data, pd.DataFrame):
            raise TypeError("weights given as a column name needs a DataFrame as data")
        values: object = get_column(data, weights, "weights")
    else:
        check_aligned(weights, "weights", data)
        values = weights
    w = np.asarray(as_numeric_1d(values, "weights"), dtype=np.float64)
    if w.shape[0] != n:
        raise ValueError(f"weights must have one value per answer ({n}); got {w.shape[0]}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise ValueError("weights must be finite and non-negative; got " + show_values(w[bad]))
    check_magnitude(w, "weights")
    tiny = (w > 0) & (w < TINY_WEIGHT)
    if tiny.any():
        raise ValueError(
            f"weights holds positive values too small to square in float64 (below "
            f"{TINY_WEIGHT:g}): {show_values(w[tiny])}; multiply them by a constant first"
        )
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
