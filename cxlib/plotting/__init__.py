"""Pictures of cxlib's results: one function per kind of result, each returning its Axes.

Needs matplotlib (``pip install "cxlib[plot]"``); importing :mod:`cxlib` never imports
it, only this package does. Every function takes a result or the tidy DataFrame a
cxlib function returned, and an optional ``ax`` to draw into (a new figure without
it), and returns the :class:`matplotlib.axes.Axes`. Results also have ``.plot()``, and
tidy frames ``df.cx.plot.<kind>()``.
"""

from ._base import PALETTE
from .cohorts import cohort_heatmap
from .rfm import rfm_segments

__all__ = ["PALETTE", "cohort_heatmap", "rfm_segments"]
