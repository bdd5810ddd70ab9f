"""``df.cx.plot``: the pictures of :mod:`cxlib.plotting` for a tidy frame of results.

A frame that a cxlib function returned (``cx.nps(..., by=...)``,
``cx.ab.compare(...)``, ``cx.cohort_retention(...)``, ...) is drawn with
``frame.cx.plot.<picture>(...)``; matplotlib is imported only then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["PlotNamespace"]


class PlotNamespace:
    """The pictures of a tidy result frame, as ``frame.cx.plot.<picture>(...)``.

    Each method is the function of the same name in :mod:`cxlib.plotting` with the
    frame filled in; keyword arguments are passed through.

    Examples
    --------
    >>> import cxlib as cx
    >>> survey = cx.datasets.make_survey(1_000, rng=1)
    >>> ax = cx.nps(survey, "recommend", by="touchpoint").cx.plot.nps_breakdown()
    >>> ax.get_xlabel()
    'Share of answers (%)'
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def estimates(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """:func:`cxlib.plotting.estimates`: each group's value with its interval."""
        from .plotting import estimates

        return estimates(self._frame, ax=ax, **kwargs)

    def nps_breakdown(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """:func:`cxlib.plotting.nps_breakdown`: detractors, passives and promoters."""
        from .plotting import nps_breakdown

        return nps_breakdown(self._frame, ax=ax, **kwargs)

    def trend(self, *, time: str, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """:func:`cxlib.plotting.trend`: an index over time with its band."""
        from .plotting import trend

        return trend(self._frame, time=time, ax=ax, **kwargs)

    def key_drivers(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """:func:`cxlib.plotting.key_drivers`: the importance of each driver."""
        from .plotting import key_drivers

        return key_drivers(self._frame, ax=ax, **kwargs)

    def lift_forest(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """:func:`cxlib.plotting.lift_forest`: the lift of each variant and segment."""
        from .plotting import lift_forest

        return lift_forest(self._frame, ax=ax, **kwargs)

    def sequence(self, *, time: str, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """:func:`cxlib.plotting.sequence`: a test's lift at every look."""
        from .plotting import sequence

        return sequence(self._frame, time=time, ax=ax, **kwargs)

    def cohort_heatmap(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """:func:`cxlib.plotting.cohort_heatmap`: retention of every cohort and period."""
        from .plotting import cohort_heatmap

        return cohort_heatmap(self._frame, ax=ax, **kwargs)

    def rfm_segments(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """:func:`cxlib.plotting.rfm_segments`: customers per RFM segment."""
        from .plotting import rfm_segments

        return rfm_segments(self._frame, ax=ax, **kwargs)
