"""The ``DataFrame.cx`` accessor: cxlib's indices with the DataFrame filled in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from .core.results import Estimate
from .survey.ces import ces
from .survey.csat import csat
from .survey.engagement import engagement_index
from .survey.loyalty import loyalty_index
from .survey.nps import nps
from .survey.secure import secure_customer_index


@pd.api.extensions.register_dataframe_accessor("cx")
class CxAccessor:
    """Customer-experience indices of a DataFrame's columns, as ``df.cx.<index>(...)``.

    Each method is the function of the same name in :mod:`cxlib` with ``data`` set to
    the DataFrame; keyword arguments are passed through.

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> df = pd.DataFrame({"recommend": [10, 9, 7, 3], "satisfaction": [5, 4, 4, 2]})
    >>> df.cx.nps("recommend").value
    25.0
    >>> df.cx.csat("satisfaction").value
    75.0
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def nps(self, column: str, **kwargs: Any) -> Estimate | pd.DataFrame:
        """:func:`cxlib.nps` of ``column``."""
        result: Estimate | pd.DataFrame = nps(self._frame, column, **kwargs)
        return result

    def csat(self, column: str, **kwargs: Any) -> Estimate | pd.DataFrame:
        """:func:`cxlib.csat` of ``column``."""
        result: Estimate | pd.DataFrame = csat(self._frame, column, **kwargs)
        return result

    def ces(self, column: str, **kwargs: Any) -> Estimate | pd.DataFrame:
        """:func:`cxlib.ces` of ``column``."""
        result: Estimate | pd.DataFrame = ces(self._frame, column, **kwargs)
        return result

    def loyalty_index(self, columns: Sequence[str], **kwargs: Any) -> Estimate | pd.DataFrame:
        """:func:`cxlib.loyalty_index` of ``columns``."""
        result: Estimate | pd.DataFrame = loyalty_index(self._frame, columns, **kwargs)
        return result

    def secure_customer_index(
        self, columns: Sequence[str], **kwargs: Any
    ) -> Estimate | pd.DataFrame:
        """:func:`cxlib.secure_customer_index` of ``columns``."""
        result: Estimate | pd.DataFrame = secure_customer_index(self._frame, columns, **kwargs)
        return result

    def engagement_index(self, columns: Sequence[str], **kwargs: Any) -> Estimate | pd.DataFrame:
        """:func:`cxlib.engagement_index` of ``columns``."""
        result: Estimate | pd.DataFrame = engagement_index(self._frame, columns, **kwargs)
        return result
