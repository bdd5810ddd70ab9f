"""Resolving the data arguments shared by every frontend: data, column(s), by, weights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .engine_tables import EngineInputs, engine_inputs
from .files import is_path, read
from .frames import engine_frame, is_engine_frame
from .grouping import Groups, make_groups
from .validation import as_numeric_1d, as_weights, get_column


@dataclass(frozen=True)
class Inputs:
    """Answers of one or more columns with their weights and groups, ready to tabulate.

    ``labels`` name the answers in error messages: ``column 'x'`` or the data argument.
    """

    values: list[npt.NDArray[Any]]
    labels: list[str]
    weights: npt.NDArray[np.float64] | None
    groups: Groups | None


def _columns_listed(data: pd.DataFrame) -> str:
    return ", ".join(repr(c) for c in list(data.columns)[:20])


def resolve(
    data: object, column: object, *, by: object, weights: object, data_name: str = "data"
) -> Inputs | EngineInputs:
    """Pick one item's answers out of ``data`` (a DataFrame column or a 1-D array-like).

    A frame of another engine (Polars, DuckDB, Spark, ...) is not read here: its
    columns are checked and the answers are counted in the engine later.
    """
    if column is not None and is_path(data):  # a file of answers, with its column named
        data = read(data)  # type: ignore[arg-type]  # is_path narrows to a path
    if is_engine_frame(data):
        if column is None:
            raise TypeError("column is required when data is a DataFrame")
        return engine_inputs(engine_frame(data), [column], "column", by, weights)
    if isinstance(data, pd.DataFrame):
        if column is None:
            raise TypeError(
                "column is required when data is a DataFrame; columns: " + _columns_listed(data)
            )
        label = f"column {column!r}"
        values = as_numeric_1d(get_column(data, column, "column"), label)
        groups = make_groups(data, by) if by is not None else None
    else:
        if column is not None:
            raise TypeError(
                f"column={column!r} is only allowed when data is a DataFrame; got "
                f"{type(data).__name__}"
            )
        if by is not None:
            raise TypeError("by= needs data as a DataFrame holding the group column(s)")
        label = data_name
        values = as_numeric_1d(data, label)
        groups = None
    if len(values) == 0:
        raise ValueError(f"{label} is empty: no answers to summarise")
    w = as_weights(weights, data, len(values))
    return Inputs(values=[values], labels=[label], weights=w, groups=groups)


def resolve_columns(
    data: object,
    columns: object,
    *,
    n_items: int,
    item_names: Sequence[str],
    by: object,
    weights: object,
) -> Inputs | EngineInputs:
    """Pick the answers of a multi-item index: ``n_items`` columns of a DataFrame."""
    roles = ", ".join(item_names)
    if is_path(data):
        data = read(data)  # type: ignore[arg-type]  # is_path narrows to a path
    engine = is_engine_frame(data)
    if not engine and not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"data must be a DataFrame holding the {n_items} item columns ({roles}); got "
            f"{type(data).__name__}"
        )
    if isinstance(columns, str) or not isinstance(columns, Sequence):
        raise TypeError(
            f"columns must be a list of {n_items} column names ({roles}); got {columns!r}"
        )
    if len(columns) != n_items:
        raise ValueError(
            f"columns must name {n_items} item columns ({roles}); got {len(columns)}: "
            f"{list(columns)!r}"
        )
    if len(set(columns)) != len(columns):
        raise ValueError(f"columns names a column more than once: {list(columns)!r}")
    if engine:
        return engine_inputs(engine_frame(data), list(columns), "columns", by, weights)
    assert isinstance(data, pd.DataFrame)
    labels = [f"column {c!r}" for c in columns]
    values = [
        as_numeric_1d(get_column(data, c, "columns"), label)
        for c, label in zip(columns, labels, strict=True)
    ]
    if len(data) == 0:
        raise ValueError("data is empty: no answers to summarise")
    groups = make_groups(data, by) if by is not None else None
    w = as_weights(weights, data, len(data))
    return Inputs(values=values, labels=labels, weights=w, groups=groups)
