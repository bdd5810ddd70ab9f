"""Example data sets: generated (seeded) surveys and order tables, and the CDNOW orders."""

from ._cdnow import load_cdnow
from ._orders import make_orders
from ._survey import TOUCHPOINTS, make_survey

__all__ = ["TOUCHPOINTS", "load_cdnow", "make_orders", "make_survey"]
