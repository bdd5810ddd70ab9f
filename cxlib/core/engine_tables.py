"""Answer tables of a frame of another engine: counted in the engine, checked here.

The engine counts the rows of every (group, answer combination) that occurs (see
:func:`cxlib.core.frames.count_values`); that small table is checked like the rows of a
pandas frame (whole numbers on the scale, missing answers under the ``nan_policy``)
and turned into the same :class:`~cxlib.core.tabulate.PointTable` per group that
:func:`~cxlib.core.tabulate.tabulate` makes from rows. Everything after that is
shared, so an index gives the same numbers whatever engine held the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import numpy.typing as npt
import pandas as pd

from .frames import EngineFrame, collect, count_values
from .grouping import make_groups, normalise_by
from .tabulate import (
    Item,
    PointTable,
    View,
    _collapse,
    _missing_error,
    _non_integer,
    _out_of_scale,
)
from .validation import TINY_WEIGHT, NanPolicy, show_values

__all__ = ["EngineInputs", "check_whole_weights", "engine_inputs", "engine_tabulate"]


@dataclass(frozen=True)
class EngineInputs:
    """The columns of an index in a frame of another engine, checked to exist."""

    frame: EngineFrame
    columns: list[str]
    labels: list[str]
    by: list[str] | None
    weights: str | None


def engine_inputs(
    ef: EngineFrame, columns: Sequence[object], argname: str, by: object, weights: object
) -> EngineInputs:
    """Check that the columns exist and hold numbers; weights must be a column name."""
    names = [ef.require(c, argname) for c in columns]
    labels = [f"column {c!r}" for c in names]
    for name, label in zip(names, labels, strict=True):
        dtype = ef.schema[name]
        if dtype == nw.Boolean or not dtype.is_numeric():
            raise TypeError(f"{label} must hold numbers; got {dtype} in the {ef.engine} frame")
    by_names = None
    if by is not None:
        by_names = [ef.require(b, "by") for b in normalise_by(by)]
    weight_name = None
    if weights is not None:
        if not isinstance(weights, str):
            raise TypeError(
                f"weights must name a column of the {ef.engine} frame (values given "
                f"beside the frame cannot be paired with its rows); got {type(weights).__name__}"
            )
        weight_name = ef.require(weights, "weights")
        if not ef.is_numeric(weight_name) or ef.schema[weight_name] == nw.Boolean:
            raise TypeError(
                f"weights column {weight_name!r} must hold numbers; got "
                f"{ef.schema[weight_name]} in the {ef.engine} frame"
            )
        _check_weights(ef, weight_name)
    return EngineInputs(ef, names, labels, by_names, weight_name)


def _check_weights(ef: EngineFrame, column: str) -> None:
    """Finite, non-negative weights, none too small to square: checked in the engine."""
    w = nw.col(column).cast(nw.Float64)
    invalid = w.is_null() | w.is_nan() | (w < 0) | (w.abs() > np.finfo(np.float64).max)
    tiny = (w > 0) & (w < TINY_WEIGHT)
    flags = ef.frame.with_columns(
        invalid.cast(nw.Int64).alias("__cx_bad"), tiny.cast(nw.Int64).alias("__cx_tiny")
    )
    found = flags.select(nw.col("__cx_bad").sum(), nw.col("__cx_tiny").sum())
    counts = collect(found).fillna(0).iloc[0]
    if counts["__cx_bad"] > 0:
        shown = _sample(flags.filter(nw.col("__cx_bad") == 1), column)
        raise ValueError("weights must be finite and non-negative; got " + show_values(shown))
    if counts["__cx_tiny"] > 0:
        shown = _sample(flags.filter(nw.col("__cx_tiny") == 1), column)
        raise ValueError(
            f"weights holds positive values too small to square in float64 (below "
            f"{TINY_WEIGHT:g}): {show_values(shown)}; multiply them by a constant first"
        )


def _sample(rows: nw.LazyFrame[Any], column: str) -> npt.NDArray[np.float64]:
    """A few values of ``column`` from ``rows``, for an error message."""
    picked = rows.select(nw.col(column).cast(nw.Float64)).head(5)
    values = collect(picked)[column]
    return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan))


def _item(table: pd.DataFrame, column: str, low: int, high: int, label: str) -> Item:
    """The distinct answers of one column as an Item, checked as rows would be."""
    values = np.asarray(table[column].to_numpy(dtype=np.float64, na_value=np.nan))
    item = Item(values, low, high, label)
    answered = values[~np.isnan(values)]
    finite = answered[np.isfinite(answered)]
    if (finite != np.rint(finite)).any():
        raise _non_integer(item)
    if ((answered < low) | (answered > high)).any():
        raise _out_of_scale(item)
    return item


def engine_tabulate(
    inputs: EngineInputs,
    scales: Sequence[tuple[int, int]],
    *,
    nan_policy: NanPolicy,
    views: Mapping[str, View],
) -> tuple[dict[str, PointTable], pd.DataFrame | None]:
    """Per-group tables of the answer combinations, counted in the engine.

    The same tables (and the same checks) as :func:`~cxlib.core.tabulate.tabulate`
    on the rows, and the groups coded as :func:`~cxlib.core.grouping.make_groups`
    codes them.
    """
    by = inputs.by or []
    table = count_values(inputs.frame, by, inputs.columns, inputs.weights)
    if table.empty:
        raise ValueError(f"the {inputs.frame.engine} frame is empty: no answers to summarise")
    items = [
        _item(table, column, low, high, label)
        for column, (low, high), label in zip(inputs.columns, scales, inputs.labels, strict=True)
    ]
    shape = tuple(item.n_points for item in items)
    n_combos = int(np.prod(shape))
    missing = np.zeros(len(table), dtype=bool)
    combo = np.zeros(len(table), dtype=np.intp)
    for item, radix in zip(items, shape, strict=True):
        answers = item.values  # noqa: PD011 (an Item holds a numpy array)
        gone = np.isnan(answers)
        if gone.any() and nan_policy == "raise":
            n_rows = table["n"].to_numpy()[gone].sum()
            raise _missing_error(
                Item(np.full(int(n_rows), np.nan), item.low, item.high, item.label)
            )
        missing |= gone
        combo = combo * radix + np.where(gone, 0, answers - item.low).astype(np.intp)
    combo[missing] = n_combos
    groups = make_groups(table, by) if by else None
    n_groups = 1 if groups is None else groups.n_groups
    codes = np.zeros(len(table), dtype=np.intp) if groups is None else groups.codes
    flat = codes.astype(np.intp) * (n_combos + 1) + combo
    size = n_groups * (n_combos + 1)

    def summed(weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        out = np.bincount(flat, weights=weights, minlength=size).astype(np.float64, copy=False)
        return out.reshape(n_groups, n_combos + 1)

    n = table["n"].to_numpy(dtype=np.int64)
    counts = np.rint(summed(n.astype(np.float64))).astype(np.int64)
    sum_w = sum_w2 = None
    if inputs.weights is not None:
        sum_w = summed(table["sum_w"].to_numpy(dtype=np.float64))
        sum_w2 = summed(table["sum_w2"].to_numpy(dtype=np.float64))
    combos = PointTable(
        counts=counts[:, :n_combos],
        n_missing=counts[:, n_combos].copy(),
        sum_weights=None if sum_w is None else sum_w[:, :n_combos],
        sum_weights_sq=None if sum_w2 is None else sum_w2[:, :n_combos],
        shape=shape,
        missing_weights=None if sum_w is None else sum_w[:, n_combos].copy(),
    )
    identity = np.arange(n_combos, dtype=np.intp)
    tables = {
        name: combos if np.array_equal(view.bins, identity) else _collapse(combos, view)
        for name, view in views.items()
    }
    return tables, None if groups is None else groups.keys


def check_whole_weights(inputs: EngineInputs) -> None:
    """Frequency weights count repeated answers: each must be a whole number."""
    if inputs.weights is None:
        return
    w = nw.col(inputs.weights).cast(nw.Float64)
    flags = inputs.frame.frame.with_columns((w != w.round(0)).cast(nw.Int64).alias("__cx_frac"))
    found = collect(flags.select(nw.col("__cx_frac").sum()))
    if float(found.fillna(0).to_numpy(dtype=np.float64)[0, 0]) > 0:
        shown = _sample(flags.filter(nw.col("__cx_frac") == 1), inputs.weights)
        raise ValueError(
            "frequency weights must be whole numbers (each counts repeated answers); "
            f"found {show_values(shown)}; use weights_kind='survey' for sampling weights"
        )
