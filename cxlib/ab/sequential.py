"""The options of sequential (always-valid) comparisons, shared by the A/B functions.

The statistics are in :mod:`cxlib.core.sequential`; here the public functions' keywords
``sequential`` and ``sequential_tuning`` are checked against the interval method and
the alternative, and fixed-horizon comparisons are turned into sequential ones.
"""

from __future__ import annotations

from typing import cast

from ..core.lift import LiftInterval, Pairs
from ..core.sequential import check_tuning, sequential_pairs
from ..core.validation import check_bool

__all__ = ["SEQUENTIAL_METHODS", "check_sequential", "make_sequential", "sequential_method"]

#: The interval methods that have a sequential form: the normal approximation of the
#: difference, with Fieller's, the delta or the log construction for the lift.
SEQUENTIAL_METHODS = ("fieller", "delta", "log")


def check_sequential(
    sequential: object, tuning: object, method: str, alternative: str, exact: object = None
) -> float | None:
    """The tuning of a sequential comparison, or None for a fixed-horizon one."""
    on = check_bool("sequential", sequential)
    value = check_tuning(tuning)
    if not on:
        return None
    if method not in SEQUENTIAL_METHODS:
        raise ValueError(
            "sequential=True needs a normal-approximation ci_method ('fieller', 'delta' "
            f"or 'log'); got ci_method={method!r}"
        )
    if alternative != "two-sided":
        raise ValueError(
            f"sequential=True gives two-sided confidence sequences; got alternative={alternative!r}"
        )
    if exact:
        raise ValueError("sequential=True has no exact test; got exact=True")
    return value


def sequential_method(method: str) -> str:
    """The method reported for a sequential comparison whose lift uses ``method``."""
    return "sequential" if method == "fieller" else f"sequential-{method}"


def make_sequential(pairs: Pairs, level: float, tuning: float, method: str) -> Pairs:
    """``pairs`` (normal comparisons by ``method``) as confidence sequences."""
    return sequential_pairs(
        pairs, level=level, tuning=tuning, lift_method=cast(LiftInterval, method)
    )
