"""Example data sets: generated (seeded) surveys for examples, tests and demos."""

from ._survey import TOUCHPOINTS, make_survey

__all__ = ["TOUCHPOINTS", "make_survey"]
