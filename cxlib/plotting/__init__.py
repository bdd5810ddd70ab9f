"""Pictures of cxlib's results: one function per kind of result, each returning its Axes.

Needs matplotlib (``pip install "cxlib[plot]"``); importing :mod:`cxlib` never imports
it, only this package does. Every function takes a result or the tidy DataFrame a
cxlib function returned, and an optional ``ax`` to draw into (a new figure without
it), and returns the :class:`matplotlib.axes.Axes`. Results also have ``.plot()``, and
tidy frames ``df.cx.plot.<kind>()``.
"""

from ._base import PALETTE
from .boundaries import boundaries
from .checks import srm
from .cohorts import cohort_heatmap
from .commitment import commitment_profile
from .decision import decision
from .drivers import key_drivers
from .estimates import estimates
from .lift import lift_forest
from .nps import nps_breakdown
from .planning import power_curve
from .posterior import posterior
from .rfm import rfm_segments
from .sequence import sequence
from .trend import trend

__all__ = [
    "PALETTE",
    "boundaries",
    "cohort_heatmap",
    "commitment_profile",
    "decision",
    "estimates",
    "key_drivers",
    "lift_forest",
    "nps_breakdown",
    "posterior",
    "power_curve",
    "rfm_segments",
    "sequence",
    "srm",
    "trend",
]
