"""Applying a group-sequential design to the z statistics observed at interim looks.

With alpha spending the looks need not fall where they were planned: at each look the
information fraction is the sample observed over the planned maximum, and the boundary
spends ``alpha(t)`` of the design's spending function at the fractions actually observed
(Lan & DeMets 1983). The boundaries are recomputed for those fractions by
:mod:`cxlib.ab._boundaries`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.validation import as_numeric_1d, check_alternative
from ._boundaries import FloatArray, Spending
from ._design import _positive
from .group_sequential import (
    GroupSequentialDesign,
    _bounds,
    _look_frame,
    _observed_fractions,
)

__all__ = ["group_sequential_test"]


def _from_frame(frame: pd.DataFrame) -> tuple[FloatArray, FloatArray]:
    missing = [c for c in ("statistic", "n_control", "n_variant") if c not in frame.columns]
    if missing:
        raise ValueError(
            "statistics as a DataFrame needs the columns 'statistic', 'n_control' and "
            f"'n_variant' (a cx.ab.compare(time=...) trajectory); missing {missing}"
        )
    z = as_numeric_1d(frame["statistic"], "statistics['statistic']").astype(np.float64)
    n = as_numeric_1d(frame["n_control"], "statistics['n_control']").astype(np.float64)
    n = n + as_numeric_1d(frame["n_variant"], "statistics['n_variant']")
    if (np.diff(n) <= 0).any():
        raise ValueError(
            "statistics: the visitors (n_control + n_variant) must increase from row to row, "
            "one row per look; keep one variant and segment of the trajectory; got "
            f"{n.tolist()}"
        )
    return z, n


def group_sequential_test(
    statistics: pd.DataFrame | npt.ArrayLike,
    design: GroupSequentialDesign,
    *,
    n: npt.ArrayLike | None = None,
    max_n: float | None = None,
) -> pd.DataFrame:
    """Compare the z statistics of the looks so far with a design's boundaries.

    Parameters
    ----------
    statistics : DataFrame or array-like of float
        The z statistic of each look, in order; or a trajectory of
        ``cx.ab.compare(..., time=...)`` for one variant and segment (its ``statistic``,
        and ``n_control + n_variant`` as the sample of each look).
    design : GroupSequentialDesign
        The plan, from :func:`group_sequential`: its ``alpha``, ``spending`` and
        ``alternative`` are used.
    n : array-like of float, optional
        Sample (all arms) at each look, increasing; needs ``max_n``. Taken from the
        frame when ``statistics`` is a trajectory.
    max_n : float, optional
        The planned maximum sample (all arms), e.g. ``sample_size(..., looks=5).total``;
        the information fraction of a look is ``n / max_n``. Without ``n`` and
        ``max_n`` the looks are taken to be the design's planned ones.

    Returns
    -------
    DataFrame
        One row per observed look: ``look``, ``information_fraction``, ``alpha_spent``,
        ``alpha_at_look``, ``z_boundary`` and ``nominal_p`` (recomputed at the observed
        fractions), ``statistic``, ``crossed`` (the statistic is on or beyond the
        boundary) and ``stop`` (True at the first look that crossed: the test stops
        there and rejects the null hypothesis; no row has it while the test continues).

    Raises
    ------
    TypeError
        For a ``design`` that is not a :class:`GroupSequentialDesign`.
    ValueError
        For more looks than planned (without ``n``), a sample that does not increase or
        exceeds ``max_n``, ``n`` without ``max_n``, or a frame without the columns.

    Examples
    --------
    >>> from cxlib.ab import group_sequential, group_sequential_test
    >>> design = group_sequential(4)
    >>> looks = group_sequential_test([1.2, 2.6, 3.1], design, n=[2_600, 5_100, 7_400],
    ...                               max_n=10_000)
    >>> looks[["look", "information_fraction", "z_boundary", "crossed", "stop"]].round(3)
       look  information_fraction  z_boundary  crossed   stop
    0     1                  0.26       4.243    False  False
    1     2                  0.51       2.930    False  False
    2     3                  0.74       2.381     True   True
    """
    if not isinstance(design, GroupSequentialDesign):
        raise TypeError(
            "design must be a GroupSequentialDesign from cx.ab.group_sequential; got "
            f"{type(design).__name__}"
        )
    sizes: FloatArray | None
    if isinstance(statistics, pd.DataFrame):
        if n is not None:
            raise ValueError("n is taken from the frame's n_control + n_variant; pass n=None")
        z, sizes = _from_frame(statistics)
    else:
        z = as_numeric_1d(statistics, "statistics").astype(np.float64)
        sizes = None if n is None else as_numeric_1d(n, "n").astype(np.float64)
    if sizes is None and max_n is None:
        planned = np.asarray(design.information_fractions)
        if len(z) > len(planned):
            raise ValueError(
                f"statistics has {len(z)} looks but the design plans {len(planned)}; pass "
                "n= and max_n= to place the looks"
            )
        t = planned[: len(z)]
    else:
        if sizes is None or max_n is None:
            raise ValueError("n and max_n go together: the information fraction is n / max_n")
        total = _positive("max_n", max_n, " (the planned maximum sample of all arms)")
        if len(sizes) != len(z):
            raise ValueError(f"n has {len(sizes)} looks but statistics has {len(z)}")
        if (sizes > total).any():
            raise ValueError(
                f"n must not exceed max_n={total:g} (the last look is at n = max_n); got "
                f"{sizes.max():g}"
            )
        t = _observed_fractions(sizes / total, "n / max_n")
    spending: Spending = "pocock" if design.spending == "pocock" else "obrien-fleming"
    alternative = check_alternative(design.alternative)
    cumulative, bounds = _bounds(t, design.alpha, spending, alternative)
    frame = _look_frame(t, bounds, cumulative, design.alternative)
    frame["statistic"] = z
    if design.alternative == "two-sided":
        crossed = np.abs(z) >= bounds
    elif design.alternative == "greater":
        crossed = z >= bounds
    else:
        crossed = z <= bounds
    frame["crossed"] = crossed  # NaN statistics (no data yet) never cross
    frame["stop"] = crossed & (np.cumsum(crossed) == 1)
    return frame
