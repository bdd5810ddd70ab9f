"""The ``DataFrame.cx`` accessor: cxlib's functions with the DataFrame filled in."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._results import Estimate
from .net_promoter import nps


@pd.api.extensions.register_dataframe_accessor("cx")
class CxAccessor:
    """Customer-experience indices of a DataFrame's columns, as ``df.cx.<index>(...)``.

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> df = pd.DataFrame({"recommend": [10, 9, 7, 3]})
    >>> df.cx.nps("recommend").value
    25.0
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def nps(self, column: str, **kwargs: Any) -> Estimate | pd.DataFrame:
        """:func:`cxlib.nps` of ``column``; keyword arguments as there."""
        result: Estimate | pd.DataFrame = nps(self._frame, column, **kwargs)
        return result
