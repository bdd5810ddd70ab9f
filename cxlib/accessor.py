"""The ``DataFrame.cx`` accessor: cxlib's indices with the DataFrame filled in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import pandas as pd

from .accessor_plots import PlotNamespace
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
    the DataFrame; keyword arguments are passed through. As for the functions, the
    result is an :class:`~cxlib.Estimate` without ``by=`` and a DataFrame with it, and
    the methods' overloads tell a type checker which. (Type checkers do not see
    accessors registered at run time: ``cx.CxAccessor(df).nps(...)`` is the typed
    spelling of ``df.cx.nps(...)``.)

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> df = pd.DataFrame({"recommend": [10, 9, 7, 3], "satisfaction": [5, 4, 4, 2]})
    >>> df.cx.nps("recommend").value
    25.0
    >>> df.cx.csat("satisfaction").value
    75.0
    >>> df.assign(g=[1, 1, 2, 2]).cx.nps("recommend", by="g")["value"].tolist()
    [100.0, -50.0]
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    @property
    def plot(self) -> PlotNamespace:
        """The pictures of a result frame: ``frame.cx.plot.<picture>(...)``
        (:class:`~cxlib.accessor_plots.PlotNamespace`)."""
        return PlotNamespace(self._frame)

    @overload
    def nps(self, column: str, *, by: None = ..., **kwargs: Any) -> Estimate: ...

    @overload
    def nps(self, column: str, *, by: str | Sequence[str], **kwargs: Any) -> pd.DataFrame: ...

    def nps(
        self, column: str, *, by: str | Sequence[str] | None = None, **kwargs: Any
    ) -> Estimate | pd.DataFrame:
        """:func:`cxlib.nps` of ``column`` (a DataFrame with ``by=``)."""
        result: Estimate | pd.DataFrame = nps(self._frame, column, by=by, **kwargs)
        return result

    @overload
    def csat(self, column: str, *, by: None = ..., **kwargs: Any) -> Estimate: ...

    @overload
    def csat(self, column: str, *, by: str | Sequence[str], **kwargs: Any) -> pd.DataFrame: ...

    def csat(
        self, column: str, *, by: str | Sequence[str] | None = None, **kwargs: Any
    ) -> Estimate | pd.DataFrame:
        """:func:`cxlib.csat` of ``column`` (a DataFrame with ``by=``)."""
        result: Estimate | pd.DataFrame = csat(self._frame, column, by=by, **kwargs)
        return result

    @overload
    def ces(self, column: str, *, by: None = ..., **kwargs: Any) -> Estimate: ...

    @overload
    def ces(self, column: str, *, by: str | Sequence[str], **kwargs: Any) -> pd.DataFrame: ...

    def ces(
        self, column: str, *, by: str | Sequence[str] | None = None, **kwargs: Any
    ) -> Estimate | pd.DataFrame:
        """:func:`cxlib.ces` of ``column`` (a DataFrame with ``by=``)."""
        result: Estimate | pd.DataFrame = ces(self._frame, column, by=by, **kwargs)
        return result

    @overload
    def loyalty_index(
        self, columns: Sequence[str], *, by: None = ..., **kwargs: Any
    ) -> Estimate: ...

    @overload
    def loyalty_index(
        self, columns: Sequence[str], *, by: str | Sequence[str], **kwargs: Any
    ) -> pd.DataFrame: ...

    def loyalty_index(
        self, columns: Sequence[str], *, by: str | Sequence[str] | None = None, **kwargs: Any
    ) -> Estimate | pd.DataFrame:
        """:func:`cxlib.loyalty_index` of ``columns`` (a DataFrame with ``by=``)."""
        result: Estimate | pd.DataFrame = loyalty_index(self._frame, columns, by=by, **kwargs)
        return result

    @overload
    def secure_customer_index(
        self, columns: Sequence[str], *, by: None = ..., **kwargs: Any
    ) -> Estimate: ...

    @overload
    def secure_customer_index(
        self, columns: Sequence[str], *, by: str | Sequence[str], **kwargs: Any
    ) -> pd.DataFrame: ...

    def secure_customer_index(
        self, columns: Sequence[str], *, by: str | Sequence[str] | None = None, **kwargs: Any
    ) -> Estimate | pd.DataFrame:
        """:func:`cxlib.secure_customer_index` of ``columns`` (a DataFrame with ``by=``)."""
        result: Estimate | pd.DataFrame = secure_customer_index(
            self._frame, columns, by=by, **kwargs
        )
        return result

    @overload
    def engagement_index(
        self, columns: Sequence[str], *, by: None = ..., **kwargs: Any
    ) -> Estimate: ...

    @overload
    def engagement_index(
        self, columns: Sequence[str], *, by: str | Sequence[str], **kwargs: Any
    ) -> pd.DataFrame: ...

    def engagement_index(
        self, columns: Sequence[str], *, by: str | Sequence[str] | None = None, **kwargs: Any
    ) -> Estimate | pd.DataFrame:
        """:func:`cxlib.engagement_index` of ``columns`` (a DataFrame with ``by=``)."""
        result: Estimate | pd.DataFrame = engagement_index(self._frame, columns, by=by, **kwargs)
        return result
