"""Example data sets: generated (seeded) surveys and order tables, and the CDNOW orders."""

from ._cdnow import load_cdnow
from ._commitment import (
    COMMITMENT_ITEMS,
    COMMITMENT_MODEL,
    COMMITMENT_REVERSED,
    COMMITMENT_SEGMENTS,
    make_commitment_survey,
)
from ._orders import make_orders
from ._survey import TOUCHPOINTS, make_survey

__all__ = [
    "COMMITMENT_ITEMS",
    "COMMITMENT_MODEL",
    "COMMITMENT_REVERSED",
    "COMMITMENT_SEGMENTS",
    "TOUCHPOINTS",
    "load_cdnow",
    "make_commitment_survey",
    "make_orders",
    "make_survey",
]
