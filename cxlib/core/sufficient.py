"""Sufficient statistics of one arm, as users give them: a mean (and shared checks).

An experiment platform or a warehouse rarely ships every visitor's value; it ships a
summary per arm (and per segment). These two records hold what the comparisons need,
centred, so that no digit is lost whatever the offset of the values:

- :class:`MeanStats` -- ``n``, ``mean`` and ``var`` of a per-unit value (revenue per
  visitor, a score, a timestamp);
- :class:`~cxlib.ab.RatioStats` (:mod:`cxlib.core.ratio_stats`) -- ``n`` and the
  means, variances and covariance of a numerator and a denominator measured on the
  same units (revenue and orders per visitor).

Both come from the values (``from_values``), from a summary (the constructor), or
from raw sums (``from_sums``, with a :class:`~cxlib.PrecisionWarning` when the sums
cannot hold the variance); summaries of days or shards merge with ``+``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from .errors import PrecisionWarning, find_stack_level
from .statistics import (
    PRECISION,
    CentredMoments,
    moments_from_sums,
    summarise,
)
from .validation import as_numeric_1d, check_magnitude, show_values

__all__ = ["MeanStats"]

NAN = math.nan


def real_number(value: object, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r}")
    return float(value)


def check_count(value: object) -> int:
    n = real_number(value, "n")
    if not math.isfinite(n) or not n.is_integer() or n < 0:
        raise ValueError(f"n must be a whole number >= 0 (a number of units); got {value!r}")
    return int(n)


def check_mean(n: int, value: object, name: str) -> float:
    x = real_number(value, name)
    if n >= 1 and not math.isfinite(x):
        raise ValueError(f"{name} must be finite when n >= 1; got {x!r}")
    if n == 0 and not math.isnan(x):
        raise ValueError(f"{name} must be NaN when n = 0 (no units); got {x!r}")
    return x


def check_var(n: int, value: object, name: str) -> float:
    x = real_number(value, name)
    if n >= 2:
        if not (math.isfinite(x) and x >= 0):
            raise ValueError(f"{name} must be finite and >= 0 when n >= 2; got {x!r}")
        return x
    if not (math.isnan(x) or x == 0):
        raise ValueError(f"{name} of fewer than 2 units must be NaN or 0; got n = {n}, {x!r}")
    return NAN


def finite_values(values: object, name: str) -> npt.NDArray[np.float64]:
    x = np.asarray(as_numeric_1d(values, name), dtype=np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(
            f"{name} must hold finite numbers; got {int(bad.sum()):,} non-finite "
            f"values {show_values(x[bad])} (drop or impute them first)"
        )
    check_magnitude(x, name)
    return x


def m2_of(n: int, var: float) -> float:
    return var * (n - 1.0) if n >= 2 else 0.0


def exact_comoment(n: int, a: object, b: object, ab: object) -> float | None:
    """``ab - a b / n`` in exact arithmetic when all are integers, else None."""
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (a, b, ab)):
        return float(Fraction(int(ab) * n - int(a) * int(b), n))  # type: ignore[call-overload]
    return None


def warn_precision(what: str, digits: float, advice: str) -> None:
    kept = "no" if digits < 0.5 else f"about {max(digits, 0.0):.0f}"
    warnings.warn(
        f"{what} keeps {kept} significant digits: the sums are dominated by the offset "
        f"of the values from zero, and the difference of sums cancels. {advice}",
        PrecisionWarning,
        stacklevel=find_stack_level(),
    )


def digits_kept(bound: float, value: float) -> float:
    return -math.log10(bound / value) if value > 0 and bound > 0 else 0.0


@dataclass(frozen=True, kw_only=True)
class MeanStats:
    """Sufficient statistics of a mean: number of units, mean and sample variance.

    Parameters
    ----------
    n : int
        Number of units (visitors); a whole number >= 0.
    mean : float
        Mean of the per-unit values (NaN when ``n = 0``).
    var : float, optional
        Sample variance of the values with ``ddof = 1`` (what ``VAR_SAMP`` and
        :meth:`pandas.Series.var` return). Required when ``n >= 2``; NaN or 0 (or
        omitted) for a single unit.

    See Also
    --------
    MeanStats.from_values, MeanStats.from_sums

    Notes
    -----
    The statistics are stored centred (``n``, mean, ``M2 = (n - 1) var``), so that
    values far from zero keep their digits, and merge with ``+`` by the pairwise update
    of Chan, Golub & LeVeque (1979): the statistics of a whole experiment are the sum
    of those of its days or shards.

    Examples
    --------
    >>> import cxlib as cx
    >>> stats = cx.ab.MeanStats.from_values([0.0, 0.0, 30.0, 50.0])
    >>> stats
    MeanStats(n=4, mean=20.0, var=600.0)
    >>> round(stats.se, 3)
    12.247

    From a dashboard, and merged with another day:

    >>> day2 = cx.ab.MeanStats(n=2, mean=10.0, var=200.0)
    >>> stats + day2
    MeanStats(n=6, mean=16.666666666666668, var=426.6666666666667)
    """

    n: int
    mean: float
    var: float = NAN

    def __post_init__(self) -> None:
        n = check_count(self.n)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "mean", check_mean(n, self.mean, "mean"))
        object.__setattr__(self, "var", check_var(n, self.var, "var"))

    @classmethod
    def from_values(cls, values: npt.ArrayLike) -> MeanStats:
        """The statistics of a 1-D array of finite per-unit values (two passes)."""
        return cls._from_moments(summarise(finite_values(values, "values")))

    @classmethod
    def from_sums(cls, n: float, sum: float, sum_squares: float) -> MeanStats:
        """The statistics of ``n`` units from the sum and the sum of squares of their values.

        The variance is ``sum_squares`` less ``sum**2 / n``, over ``n - 1``. For values
        far from zero the two terms agree in most of their digits, and the difference
        keeps few or none: a :class:`~cxlib.PrecisionWarning` says so when fewer than about six
        significant digits are left (estimated from the rounding of ``sum_squares``).
        Integer sums (Python or numpy integers, e.g. prices in cents) are used exactly.

        Raises
        ------
        ValueError
            If ``n`` is not a whole number >= 0, a sum is not finite, or the sums imply
            a negative variance beyond rounding.

        Examples
        --------
        >>> import cxlib as cx
        >>> cx.ab.MeanStats.from_sums(n=4, sum=80.0, sum_squares=3400.0)
        MeanStats(n=4, mean=20.0, var=600.0)
        """
        count = check_count(n)
        total, squares = real_number(sum, "sum"), real_number(sum_squares, "sum_squares")
        for name, x in (("sum", total), ("sum_squares", squares)):
            if not math.isfinite(x):
                raise ValueError(f"{name} must be finite; got {x!r}")
        if squares < 0:
            raise ValueError(f"sum_squares must be >= 0 (a sum of squares); got {squares!r}")
        if count == 0:
            if total != 0 or squares != 0:
                raise ValueError(
                    f"with n = 0, sum and sum_squares must be 0; got {total!r}, {squares!r}"
                )
            return cls(n=0, mean=NAN)
        exact = exact_comoment(count, sum, sum, sum_squares)
        moments, bound = moments_from_sums(
            np.array([float(count)]), np.array([[total]]), np.array([[[squares]]])
        )
        m2 = float(moments.comoment[0, 0, 0]) if exact is None else exact
        b = 0.0 if exact is not None else float(bound[0, 0, 0])
        if m2 < -b:
            raise ValueError(
                f"sum_squares must be at least sum**2 / n (a variance cannot be negative); "
                f"got n = {count}, sum = {total!r}, sum_squares = {squares!r}"
            )
        if count >= 2 and (m2 < 0 or (m2 > 0 and b > PRECISION * m2)):
            warn_precision(
                "the variance from n, sum and sum_squares",
                digits_kept(b, m2),
                "Pass MeanStats(n=..., mean=..., var=...) or the per-unit values instead.",
            )
        m2 = max(m2, 0.0)
        return cls(n=count, mean=total / count, var=m2 / (count - 1) if count >= 2 else NAN)

    def to_moments(self) -> CentredMoments:
        return CentredMoments(
            np.array([float(self.n)]),
            np.array([float(self.n)]),
            np.array([[self.mean]]),
            np.array([[[m2_of(self.n, self.var)]]]),
        )

    @classmethod
    def _from_moments(cls, m: CentredMoments) -> MeanStats:
        n = int(m.n[0])
        var = float(m.comoment[0, 0, 0]) / (n - 1) if n >= 2 else NAN
        return cls(n=n, mean=float(m.mean[0, 0]), var=var)

    def merge(self, *others: MeanStats) -> MeanStats:
        """The statistics of the units of ``self`` and ``others`` together."""
        merged = self.to_moments()
        for other in others:
            if not isinstance(other, MeanStats):
                raise TypeError(f"only MeanStats merge with MeanStats; got {type(other).__name__}")
            merged = merged.merge(other.to_moments())
        return MeanStats._from_moments(merged)

    def __add__(self, other: object) -> MeanStats:
        if not isinstance(other, MeanStats):
            return NotImplemented
        return self.merge(other)

    @property
    def variance(self) -> float:
        """Sample variance of the values (``ddof = 1``), the same as ``var``."""
        return self.var

    @property
    def sd(self) -> float:
        """Sample standard deviation of the values."""
        return math.sqrt(self.var)

    @property
    def se(self) -> float:
        """Standard error of the mean, ``sqrt(var / n)``."""
        return math.sqrt(self.var / self.n) if self.n >= 2 else NAN

    @property
    def sum(self) -> float:
        """``n * mean``."""
        return self.n * self.mean if self.n else 0.0
