"""cxlib: customer-experience analytics with honest confidence intervals.

Survey indices (the Net Promoter Score and its relatives), each with analytic
confidence intervals, per-group results on pandas DataFrames and survey weights.

>>> import cxlib as cx
>>> cx.nps([10, 9, 9, 7, 3]).value
40.0
"""

from . import datasets
from ._results import Comparison, ConfidenceInterval, Estimate
from ._version import __version__
from ._warnings import CxlibWarning, DegenerateDataWarning
from .accessor import CxAccessor
from .net_promoter import nps, nps_difference
from .scales import NPS_SCALES, NPSScale

__all__ = [
    "NPS_SCALES",
    "Comparison",
    "ConfidenceInterval",
    "CxAccessor",
    "CxlibWarning",
    "DegenerateDataWarning",
    "Estimate",
    "NPSScale",
    "__version__",
    "datasets",
    "nps",
    "nps_difference",
]
