"""The comparison at every look: the data up to each observation time, compared.

A test watched daily is a sequence of comparisons of growing data. Each look is one
comparison of the rows observed up to that time, so every metric, interval method
and engine that :func:`cxlib.ab.compare` supports has a trajectory, and with
``sequential=True`` the intervals form a confidence sequence over the looks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import narwhals as nw
import pandas as pd

from ..core.frames import collect, engine_frame, is_engine_frame
from ..core.validation import get_column

__all__ = ["trajectory"]


def _looks(data: Any, time: str) -> tuple[list[Any], Callable[[Any], Any]]:
    """The distinct observation times, ascending, and how to cut the data at one."""
    if is_engine_frame(data):
        ef = engine_frame(data)
        column = ef.require(time, "time")
        counted = collect(ef.frame.select(nw.col(column).null_count().alias("missing"), nw.len()))
        missing = int(counted["missing"].iloc[0])
        values = collect(ef.frame.select(column).unique())[column].dropna()

        def upto_engine(t: Any) -> Any:
            bound = t.to_pydatetime() if isinstance(t, pd.Timestamp) else t
            return ef.frame.filter(nw.col(column) <= bound).to_native()

        cut: Callable[[Any], Any] = upto_engine
    elif isinstance(data, pd.DataFrame):
        series = get_column(data, time, "time")
        missing = int(series.isna().sum())
        values = pd.Series(series.dropna().unique())

        def upto_pandas(t: Any) -> Any:
            return data[(series <= t).to_numpy(dtype=bool, na_value=False)]

        cut = upto_pandas
    else:
        raise TypeError(f"data must be a DataFrame; got {type(data).__name__}")
    if missing:
        raise ValueError(
            f"time column {time!r} has {missing:,} missing value(s): every row needs the "
            "time it was observed to belong to a look"
        )
    if values.empty:
        raise ValueError(f"time column {time!r} has no values")
    try:
        looks = sorted(values.tolist())
    except TypeError as error:
        raise TypeError(
            f"time column {time!r} must hold values that sort (dates, times or numbers); "
            f"got {values.dtype}"
        ) from error
    return looks, cut


def trajectory(
    compare: Callable[..., pd.DataFrame], data: Any, time: str, by: Any, **options: Any
) -> pd.DataFrame:
    """``compare`` of the rows up to each distinct ``time``, one block of rows per look.

    The result has the ``time`` column first (the look), then the columns of
    ``compare``; looks are ascending.
    """
    looks, cut = _looks(data, time)
    if by is not None and time in ([by] if isinstance(by, str) else list(by)):
        raise ValueError(f"time={time!r} must not also be a by column")
    blocks = []
    for look in looks:
        block = compare(cut(look), by=by, **options)
        block.insert(0, time, look)
        blocks.append(block)
    frame: pd.DataFrame = pd.concat(blocks, ignore_index=True)
    return frame
