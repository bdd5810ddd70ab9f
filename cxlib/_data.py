"""Resolving the data arguments shared by every frontend: data, column, by, weights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._grouping import Groups, make_groups
from ._validation import as_numeric_1d, as_weights, get_column


@dataclass(frozen=True)
class Inputs:
    """Answers of one column with their weights and groups, ready to summarise."""

    values: npt.NDArray[Any]
    label: str
    weights: npt.NDArray[np.float64] | None
    groups: Groups | None


def resolve(
    data: object, column: object, *, by: object, weights: object, data_name: str = "data"
) -> Inputs:
    """Pick the answers out of ``data`` (a DataFrame column or a 1-D array-like).

    ``label`` names the answers in error messages: ``column 'x'`` or ``data_name``.
    """
    if isinstance(data, pd.DataFrame):
        if column is None:
            raise TypeError(
                "column is required when data is a DataFrame; columns: "
                + ", ".join(repr(c) for c in list(data.columns)[:20])
            )
        series = get_column(data, column, "column")
        label = f"column {column!r}"
        values = as_numeric_1d(series, label)
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
    return Inputs(values=values, label=label, weights=w, groups=groups)
