"""The data of a key-driver analysis reduced to a co-moment matrix per group.

A pandas DataFrame is read here (listwise deletion of rows with a missing outcome or
driver, survey weights, groups) and summarised by
:func:`~cxlib.core.statistics.summarise`; a frame of another engine is reduced in the
engine by :func:`~cxlib.core.frames.centred_moments`. Both give the same
:class:`DriverMoments`, checked the same way (enough respondents, no constant column,
no collinear drivers) before any importance is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.engine_tables import engine_inputs
from ..core.files import is_path, read
from ..core.frames import EngineFrame, centred_moments, engine_frame, is_engine_frame
from ..core.grouping import make_groups, normalise_by
from ..core.linear import correlation
from ..core.statistics import summarise
from ..core.validation import NanPolicy, as_numeric_1d, as_weights, get_column, show_values
from .driver_engine import weighted_moments

__all__ = ["DriverMoments", "DriverRows", "driver_moments"]

FloatArray = npt.NDArray[np.float64]
_EPS = float(np.finfo(np.float64).eps)
# Smallest eigenvalue of the drivers' correlation matrix below which they are collinear.
COLLINEAR = 1e-10


@dataclass(frozen=True)
class DriverRows:
    """The complete rows of a pandas frame, kept for the bootstrap."""

    columns: FloatArray  # (k, rows): outcome then drivers
    codes: npt.NDArray[np.intp]
    weights: FloatArray | None


@dataclass(frozen=True)
class DriverMoments:
    """Per group: rows used and left out, weight sum, means and co-moments.

    Columns are the outcome (index 0) then the drivers. ``keys`` holds the group keys
    (None without ``by``); ``rows`` the data for the bootstrap (None on an engine).
    """

    keys: pd.DataFrame | None
    n: npt.NDArray[np.int64]
    n_missing: npt.NDArray[np.int64]
    weight: FloatArray
    mean: FloatArray
    comoment: FloatArray
    rows: DriverRows | None
    engine: str | None


def check_names(outcome: object, drivers: object) -> tuple[str, list[str]]:
    """``outcome`` a column name, ``drivers`` a non-empty list of other, distinct names."""
    if not isinstance(outcome, str):
        raise TypeError(f"outcome must be a column name; got {outcome!r}")
    if isinstance(drivers, str) or not isinstance(drivers, Sequence):
        raise TypeError(f"drivers must be a list of column names; got {drivers!r}")
    names = list(drivers)
    if not names:
        raise ValueError("drivers must name at least one column; got an empty list")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"drivers must be a list of column names; got {name!r} in it")
    if len(set(names)) != len(names):
        raise ValueError(f"drivers names a column more than once: {names!r}")
    if outcome in names:
        raise ValueError(
            f"outcome {outcome!r} is also among the drivers {names!r}: a column cannot "
            "explain itself; remove it from drivers"
        )
    return outcome, names


def _as_values(data: pd.DataFrame, name: str, argname: str) -> FloatArray:
    series = get_column(data, name, argname)
    if pd.api.types.is_bool_dtype(series.dtype):  # 0/1, e.g. promoter or not
        return np.asarray(series.astype("float64").to_numpy(na_value=np.nan), dtype=np.float64)
    values = np.asarray(as_numeric_1d(series, f"column {name!r}"), dtype=np.float64)
    infinite = np.isinf(values)
    if infinite.any():
        raise ValueError(
            f"{argname} column {name!r} holds infinite values: {show_values(values[infinite])}"
        )
    return values


def _pandas_moments(
    data: pd.DataFrame, names: list[str], by: object, weights: object, nan_policy: NanPolicy
) -> DriverMoments:
    columns = np.stack(
        [_as_values(data, c, "outcome" if i == 0 else "drivers") for i, c in enumerate(names)]
    )
    if columns.shape[1] == 0:
        raise ValueError("data is empty: no respondents to analyse")
    w = as_weights(weights, data, columns.shape[1])
    groups = make_groups(data, by) if by is not None else None
    n_groups = 1 if groups is None else groups.n_groups
    codes = (
        np.zeros(columns.shape[1], dtype=np.intp)
        if groups is None
        else np.asarray(groups.codes, dtype=np.intp)
    )
    complete = np.isfinite(columns).all(axis=0)
    if nan_policy == "raise" and not complete.all():
        gone = [c for c, col in zip(names, columns, strict=True) if np.isnan(col).any()]
        raise ValueError(
            f"{int((~complete).sum())} rows have a missing value (in {gone!r}) and "
            "nan_policy='raise'; use nan_policy='omit' to leave those rows out"
        )
    kept = columns[:, complete]
    kept_codes = codes[complete]
    kept_w = None if w is None else w[complete]
    m = summarise(kept, kept_codes, n_groups, kept_w)
    counted = kept_codes if kept_w is None else kept_codes[kept_w > 0]
    n = np.bincount(counted, minlength=n_groups).astype(np.int64)
    n_missing = np.bincount(codes[~complete], minlength=n_groups).astype(np.int64)
    present = np.flatnonzero(m.n + n_missing > 0)  # drop groups without any row
    remap = np.full(n_groups, -1, dtype=np.intp)
    remap[present] = np.arange(len(present))
    keys = None if groups is None else groups.keys.iloc[present].reset_index(drop=True)
    return DriverMoments(
        keys=keys,
        n=n[present],
        n_missing=n_missing[present],
        weight=m.weight[present],
        mean=m.mean[present],
        comoment=m.comoment[present],
        rows=DriverRows(kept, remap[kept_codes], kept_w),
        engine=None,
    )


def _engine_moments(
    ef: EngineFrame, names: list[str], by: object, weights: object, nan_policy: NanPolicy
) -> DriverMoments:
    for i, name in enumerate(names):
        ef.require(name, "outcome" if i == 0 else "drivers")
        dtype = ef.schema[name]
        if not (dtype == nw.Boolean or dtype.is_numeric()):
            raise TypeError(
                f"column {name!r} must hold numbers; got {dtype} in the {ef.engine} frame"
            )
    keys = [] if by is None else [ef.require(b, "by") for b in normalise_by(by)]
    if weights is None:
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
        table = centred_moments(ef, keys, names, pairs)
        table["sum_w"] = table["n"].to_numpy(dtype=np.float64)
    else:
        # Checks the weights column (numbers, finite, non-negative) in the engine.
        weight_name = engine_inputs(ef, [], "drivers", None, weights).weights
        assert weight_name is not None
        table = weighted_moments(ef, keys, names, weight_name)
    if nan_policy == "raise" and int(table["n_missing"].sum()) > 0:
        raise ValueError(
            f"{int(table['n_missing'].sum())} rows have a missing value and nan_policy="
            "'raise'; use nan_policy='omit' to leave those rows out"
        )
    k = len(names)
    comoment = np.zeros((len(table), k, k))
    for i, a in enumerate(names):
        comoment[:, i, i] = table[f"m2_{a}"].to_numpy(dtype=np.float64)
        for j in range(i + 1, k):
            c = table[f"c2_{a}_{names[j]}"].to_numpy(dtype=np.float64)
            comoment[:, i, j] = comoment[:, j, i] = c
    n = table["n"].to_numpy(dtype=np.int64)
    mean = np.stack([table[f"mean_{c}"].to_numpy(dtype=np.float64) for c in names], axis=1)
    return DriverMoments(
        keys=table[keys].reset_index(drop=True) if keys else None,
        n=n,
        n_missing=table["n_missing"].to_numpy(dtype=np.int64),
        weight=table["sum_w"].to_numpy(dtype=np.float64),
        mean=mean,
        comoment=np.where(n[:, None, None] > 0, comoment, 0.0),
        rows=None,
        engine=ef.engine,
    )


def group_label(keys: pd.DataFrame | None, g: int) -> str:
    if keys is None:
        return "the data"
    return "group " + ", ".join(f"{c}={v!r}" for c, v in keys.iloc[g].items())


def _check(m: DriverMoments, names: list[str]) -> None:
    """Clear errors instead of a table of NaN: too few rows, constant columns, collinearity."""
    p = len(names) - 1
    few = np.flatnonzero(m.n < p + 2)
    if len(few):
        g = int(few[0])
        raise ValueError(
            f"too few respondents for {p} drivers in {group_label(m.keys, g)}: {int(m.n[g])} "
            f"complete rows (after leaving out {int(m.n_missing[g])} with a missing value); "
            f"at least {p + 2} are needed (more than drivers + 1); use fewer drivers or "
            "larger groups"
        )
    m2 = np.diagonal(m.comoment, axis1=1, axis2=2)
    # A column whose spread is within rounding of its mean's magnitude is constant.
    floor = m.weight[:, None] * (16.0 * _EPS * np.abs(m.mean)) ** 2
    flat = (m2 <= floor) | ~np.isfinite(m2)
    if flat.any():
        g, j = (int(v) for v in np.argwhere(flat)[0])
        role = "outcome" if j == 0 else "driver"
        raise ValueError(
            f"{role} {names[j]!r} is constant in {group_label(m.keys, g)}: it has no "
            f"variance to {'explain' if j == 0 else 'explain anything with'}; "
            + ("check the outcome column" if j == 0 else "remove it from drivers")
        )
    r = correlation(m.comoment)
    lam, vec = np.linalg.eigh(r[:, 1:, 1:])
    bad = np.flatnonzero(lam[:, 0] < COLLINEAR)
    if len(bad):
        g = int(bad[0])
        loading = np.abs(vec[g, :, 0])
        involved = [names[1 + j] for j in np.flatnonzero(loading > 0.1)]
        raise ValueError(
            f"drivers {involved!r} are perfectly collinear in {group_label(m.keys, g)} (one "
            "is a linear combination of the others): their importances cannot be told "
            "apart; remove one of them (or combine them into one score)"
        )


def driver_moments(
    data: object,
    outcome: object,
    drivers: object,
    *,
    by: object,
    weights: object,
    nan_policy: NanPolicy,
) -> tuple[DriverMoments, list[str]]:
    """The checked co-moments of ``[outcome, *drivers]`` per group, and those names."""
    name, driver_names = check_names(outcome, drivers)
    names = [name, *driver_names]
    if is_path(data):
        data = read(data)  # type: ignore[arg-type]  # is_path narrows to a path
    moments: DriverMoments
    if is_engine_frame(data):
        moments = _engine_moments(engine_frame(data), names, by, weights, nan_policy)
    elif isinstance(data, pd.DataFrame):
        moments = _pandas_moments(data, names, by, weights, nan_policy)
    else:
        raise TypeError(
            "data must be a DataFrame (pandas or another engine's) holding the outcome and "
            f"driver columns; got {type(data).__name__}"
        )
    if len(moments.n) == 0:
        raise ValueError("data is empty: no respondents to analyse")
    _check(moments, names)
    return moments, names


def group_keys(keys: pd.DataFrame | None) -> list[Any]:
    """The key of every group for the attrs: the value (one ``by`` column) or a tuple.

    A missing key is None, however the engine spelled it (NaN, ``pd.NA``, None).
    """
    if keys is None:
        return [None]

    def plain(v: Any) -> Any:
        if v is None or (np.ndim(v) == 0 and pd.isna(v)):
            return None
        return v.item() if isinstance(v, np.generic) else v

    rows = [tuple(plain(v) for v in t) for t in keys.itertuples(index=False)]
    return [t[0] if len(t) == 1 else t for t in rows]
