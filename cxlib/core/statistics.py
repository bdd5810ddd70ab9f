"""Sufficient statistics of one arm: sums from which a mean or a ratio metric is inferred.

An experiment platform rarely ships every visitor's value; it ships sums per arm (and
per segment). These two records hold exactly what the comparisons need:

- :class:`MeanStats` -- ``n``, ``sum`` and ``sum_squares`` of a per-unit value (revenue
  per visitor, a score): the mean and its standard error.
- :class:`RatioStats` -- sums of a numerator and a denominator measured on the same
  units (revenue and orders per visitor, when visitors are randomised) plus their
  squares and cross product: the ratio ``sum(y) / sum(x)`` and its delta-method
  variance, which needs the covariance of ``y`` and ``x`` (Deng, Knoblich & Lu 2018).

Sums add across days or shards, so the statistics of a whole experiment are the sums
of its parts.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .ratio import RatioSums
from .validation import as_numeric_1d, check_magnitude, show_values

__all__ = ["MeanStats", "RatioStats"]


def _finite_values(values: object, name: str) -> npt.NDArray[np.float64]:
    x = np.asarray(as_numeric_1d(values, name), dtype=np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(
            f"{name} must hold finite numbers; got {int(bad.sum()):,} non-finite "
            f"values {show_values(x[bad])} (drop or impute them first)"
        )
    check_magnitude(x, name)
    return x


class MeanStats(NamedTuple):
    """Sufficient statistics of a mean: number of units, sum and sum of squares.

    Attributes
    ----------
    n : float
        Number of units (visitors).
    sum : float
        Sum of the per-unit values.
    sum_squares : float
        Sum of the squared per-unit values.

    Examples
    --------
    >>> import cxlib as cx
    >>> stats = cx.ab.MeanStats.from_values([0.0, 0.0, 30.0, 50.0])
    >>> stats
    MeanStats(n=4.0, sum=80.0, sum_squares=3400.0)
    >>> stats.mean, round(stats.variance, 2)
    (20.0, 600.0)
    """

    n: float
    sum: float
    sum_squares: float

    @classmethod
    def from_values(cls, values: npt.ArrayLike) -> MeanStats:
        """The statistics of a 1-D array of finite per-unit values."""
        x = _finite_values(values, "values")
        return cls(float(x.size), float(x.sum()), float(np.dot(x, x)))

    @property
    def mean(self) -> float:
        """``sum / n``."""
        return self.sum / self.n if self.n > 0 else math.nan

    @property
    def variance(self) -> float:
        """Sample variance of the values (``ddof = 1``)."""
        if self.n < 2:
            return math.nan
        return max(0.0, (self.sum_squares - self.sum**2 / self.n) / (self.n - 1.0))

    @property
    def se(self) -> float:
        """Standard error of the mean, ``sqrt(variance / n)``."""
        return math.sqrt(self.variance / self.n) if self.n >= 2 else math.nan


class RatioStats(NamedTuple):
    """Sufficient statistics of a ratio metric ``sum(y) / sum(x)`` over randomised units.

    Attributes
    ----------
    n : float
        Number of randomised units (visitors).
    numerator, denominator : float
        Sums of ``y`` and ``x`` over the units (e.g. revenue and orders).
    numerator_squares, denominator_squares : float
        Sums of ``y**2`` and ``x**2``.
    cross : float
        Sum of ``x * y``.

    Notes
    -----
    With ``r = sum(y) / sum(x)`` the delta method gives

    .. math:: \\operatorname{Var}(\\hat r) = \\frac{\\sum_i (y_i - r x_i)^2}{n (n - 1) \\bar x^2},
       \\qquad \\sum_i (y_i - r x_i)^2 = S_{yy} - 2 r S_{xy} + r^2 S_{xx},

    the usual ``(s_y^2 - 2 r s_{xy} + r^2 s_x^2) / (n \\bar x^2)`` written with sums.

    Examples
    --------
    >>> import cxlib as cx
    >>> stats = cx.ab.RatioStats.from_values(numerator=[0, 30.0, 80.0, 20.0],
    ...                                      denominator=[0, 1, 2, 1])
    >>> stats.ratio
    32.5
    """

    n: float
    numerator: float
    denominator: float
    numerator_squares: float
    denominator_squares: float
    cross: float

    @classmethod
    def from_values(cls, numerator: npt.ArrayLike, denominator: npt.ArrayLike) -> RatioStats:
        """The statistics of per-unit numerator and denominator values (1-D, finite)."""
        y = _finite_values(numerator, "numerator")
        x = _finite_values(denominator, "denominator")
        if y.shape != x.shape:
            raise ValueError(
                "numerator and denominator must have one value per unit each; got "
                f"{y.size:,} and {x.size:,} values"
            )
        return cls(
            float(y.size),
            float(y.sum()),
            float(x.sum()),
            float(np.dot(y, y)),
            float(np.dot(x, x)),
            float(np.dot(x, y)),
        )

    @property
    def ratio(self) -> float:
        """``numerator / denominator``."""
        return self.numerator / self.denominator if self.denominator != 0 else math.nan

    @property
    def variance(self) -> float:
        """Delta-method variance of the ratio (see Notes)."""
        return float(ratio_variance(np.asarray([self], dtype=np.float64))[0])

    @property
    def se(self) -> float:
        """Standard error of the ratio."""
        return math.sqrt(self.variance)


def ratio_variance(stats: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Delta-method variance of ``sum(y) / sum(x)`` for rows of :class:`RatioStats` fields.

    The clustered ratio variance of :class:`cxlib.core.ratio.RatioSums`, one unit a cluster,
    with the residual sum of squares ``S_yy - 2 r S_xy + r**2 S_xx`` from the sums.
    """
    n, y, x, yy, xx, xy = (stats[:, i] for i in range(6))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(x != 0, y / x, np.nan)
    resid = np.maximum(yy - 2.0 * r * xy + r * r * xx, 0.0)
    sums = RatioSums(clusters=n, y=y, x=x, yy=yy, xx=xx, xy=xy, resid=resid)
    var: npt.NDArray[np.float64] = sums.se**2
    return var
