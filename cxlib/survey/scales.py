"""Answer scales of the survey indices.

A scale is data, not a chain of ``if`` statements: :class:`NPSScale` says which
answers are detractors, passives and promoters, and :func:`resolve_nps_scale` turns
the names of the standard scales into it. The other indices take a scale as
``(low, high)`` or ``"low-high"`` (:func:`resolve_scale`), one for all items or one per
item (:func:`item_scales`), and count the top answers of a scale with
:func:`top_box_threshold`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "NPS_SCALES",
    "NPSScale",
    "NPSScaleName",
    "ScaleLike",
    "item_scales",
    "resolve_nps_scale",
    "resolve_scale",
    "top_box_threshold",
]

NPSScaleName = Literal["0-10", "1-10", "1-7", "1-5"]

#: Category codes of a classified answer.
DETRACTOR, PASSIVE, PROMOTER = 0, 1, 2


@dataclass(frozen=True)
class NPSScale:
    """An integer answer scale split into detractors, passives and promoters.

    Answers ``low..detractor_max`` are detractors, ``detractor_max+1..passive_max``
    passives and ``passive_max+1..high`` promoters. ``passive_max == detractor_max``
    gives a scale without passives.

    Parameters
    ----------
    low, high : int
        Smallest and largest allowed answer.
    detractor_max : int
        Largest answer counted as a detractor.
    passive_max : int
        Largest answer counted as a passive.

    Examples
    --------
    >>> import cxlib as cx
    >>> scale = cx.NPSScale(low=1, detractor_max=5, passive_max=6, high=7)
    >>> scale.classify([1, 5, 6, 7])
    array([0, 0, 1, 2])
    >>> cx.NPS_SCALES["1-5"]
    NPSScale(low=1, detractor_max=3, passive_max=4, high=5)
    """

    low: int
    detractor_max: int
    passive_max: int
    high: int

    def __post_init__(self) -> None:
        for name in ("low", "detractor_max", "passive_max", "high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"NPSScale {name} must be an integer; got {value!r}")
            object.__setattr__(self, name, int(value))
        if not self.low <= self.detractor_max <= self.passive_max < self.high:
            raise ValueError(
                "NPSScale needs low <= detractor_max <= passive_max < high; got "
                f"low={self.low}, detractor_max={self.detractor_max}, "
                f"passive_max={self.passive_max}, high={self.high}"
            )

    @property
    def n_points(self) -> int:
        """Number of possible answers."""
        return self.high - self.low + 1

    def category_of_point(self) -> npt.NDArray[np.intp]:
        """Category code (0 detractor, 1 passive, 2 promoter) of each answer ``low..high``."""
        points = np.arange(self.low, self.high + 1)
        return (points > self.detractor_max).astype(np.intp) + (points > self.passive_max).astype(
            np.intp
        )

    def classify(self, answers: npt.ArrayLike) -> npt.NDArray[np.intp]:
        """Category code of each answer: 0 detractor, 1 passive, 2 promoter.

        Answers are assumed valid; :func:`cxlib.nps` checks them first.
        """
        a: npt.NDArray[Any] = np.asarray(answers)
        return (a > self.detractor_max).astype(np.intp) + (a > self.passive_max).astype(np.intp)

    def describe(self) -> str:
        """Human-readable split, e.g. ``'0-10 (detractors 0-6, passives 7-8, promoters 9-10)'``."""

        def span(a: int, b: int) -> str:
            return "none" if a > b else (str(a) if a == b else f"{a}-{b}")

        return (
            f"{self.low}-{self.high} (detractors {span(self.low, self.detractor_max)}, "
            f"passives {span(self.detractor_max + 1, self.passive_max)}, "
            f"promoters {span(self.passive_max + 1, self.high)})"
        )


#: The named scales: "0-10" is the usual one; "1-10", "1-7" and "1-5" are shorter variants.
NPS_SCALES: MappingProxyType[str, NPSScale] = MappingProxyType(
    {
        "0-10": NPSScale(low=0, detractor_max=6, passive_max=8, high=10),
        "1-10": NPSScale(low=1, detractor_max=6, passive_max=8, high=10),
        "1-7": NPSScale(low=1, detractor_max=5, passive_max=6, high=7),
        "1-5": NPSScale(low=1, detractor_max=3, passive_max=4, high=5),
    }
)


def resolve_nps_scale(scale: NPSScale | str) -> NPSScale:
    """Return the :class:`NPSScale` for a scale or the name of a standard scale."""
    if isinstance(scale, NPSScale):
        return scale
    if isinstance(scale, str) and scale in NPS_SCALES:
        return NPS_SCALES[scale]
    names = ", ".join(repr(k) for k in NPS_SCALES)
    raise ValueError(f"scale must be an NPSScale or one of {names}; got {scale!r}")


#: An answer scale given as ``(low, high)`` or as a string ``"low-high"``.
ScaleLike = tuple[int, int] | str


def resolve_scale(scale: object, name: str = "scale") -> tuple[int, int]:
    """Return ``(low, high)`` for a scale given as a tuple or a string like ``"1-5"``."""
    pair: object = scale
    if isinstance(scale, str):
        parts = scale.split("-")
        # "0-10" splits in two; a negative low ("-2-2") would split in three
        if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
            pair = (int(parts[0]), int(parts[1]))
    if (
        isinstance(pair, tuple)
        and len(pair) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair)
        and int(pair[0]) < int(pair[1])
    ):
        return int(pair[0]), int(pair[1])
    raise ValueError(
        f"{name} must be (low, high) whole numbers with low < high, or a string such as "
        f"'1-5'; got {scale!r}"
    )


def item_scales(scale: object, n_items: int, name: str = "scale") -> list[tuple[int, int]]:
    """``(low, high)`` of each of ``n_items`` items, from one scale or a list of one per item."""
    if isinstance(scale, list):
        if len(scale) != n_items:
            raise ValueError(
                f"{name} must be one scale or a list of {n_items}; got a list of {len(scale)}"
            )
        return [resolve_scale(s, name) for s in scale]
    return [resolve_scale(scale, name)] * n_items


def top_box_threshold(low: int, high: int, top_box: object, name: str = "top_box") -> int:
    """Smallest answer in the top ``top_box`` answers of the scale ``low..high``."""
    points = high - low + 1
    if isinstance(top_box, bool) or not isinstance(top_box, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number of top answers; got {top_box!r}")
    if not 1 <= top_box <= points - 1:
        raise ValueError(
            f"{name} must be between 1 and {points - 1} on the {low}-{high} scale; got {top_box}"
        )
    return high - int(top_box) + 1
