"""Sufficient statistics of one arm, as users give them: a mean, or a ratio metric.

An experiment platform or a warehouse rarely ships every visitor's value; it ships a
summary per arm (and per segment). These two records hold what the comparisons need,
centred, so that no digit is lost whatever the offset of the values:

- :class:`MeanStats` -- ``n``, ``mean`` and ``var`` of a per-unit value (revenue per
  visitor, a score, a timestamp);
- :class:`RatioStats` -- ``n`` and the means, variances and covariance of a numerator
  and a denominator measured on the same units (revenue and orders per visitor).

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
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import PrecisionWarning
from .statistics import (
    PRECISION,
    CentredMoments,
    moments_from_sums,
    ratio_variance,
    summarise,
)
from .validation import as_numeric_1d, show_values

__all__ = ["MeanStats", "RatioStats"]

_NAN = math.nan


def _real(value: object, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r}")
    return float(value)


def _count(value: object) -> int:
    n = _real(value, "n")
    if not math.isfinite(n) or not n.is_integer() or n < 0:
        raise ValueError(f"n must be a whole number >= 0 (a number of units); got {value!r}")
    return int(n)


def _check_mean(n: int, value: object, name: str) -> float:
    x = _real(value, name)
    if n >= 1 and not math.isfinite(x):
        raise ValueError(f"{name} must be finite when n >= 1; got {x!r}")
    if n == 0 and not math.isnan(x):
        raise ValueError(f"{name} must be NaN when n = 0 (no units); got {x!r}")
    return x


def _check_var(n: int, value: object, name: str) -> float:
    x = _real(value, name)
    if n >= 2:
        if not (math.isfinite(x) and x >= 0):
            raise ValueError(f"{name} must be finite and >= 0 when n >= 2; got {x!r}")
        return x
    if not (math.isnan(x) or x == 0):
        raise ValueError(f"{name} of fewer than 2 units must be NaN or 0; got n = {n}, {x!r}")
    return _NAN


def _finite_values(values: object, name: str) -> npt.NDArray[np.float64]:
    x = np.asarray(as_numeric_1d(values, name), dtype=np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(
            f"{name} must hold finite numbers; got {int(bad.sum()):,} non-finite "
            f"values {show_values(x[bad])} (drop or impute them first)"
        )
    return x


def _m2(n: int, var: float) -> float:
    return var * (n - 1.0) if n >= 2 else 0.0


def _exact(n: int, a: object, b: object, ab: object) -> float | None:
    """``ab - a b / n`` in exact arithmetic when all are integers, else None."""
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (a, b, ab)):
        return float(Fraction(int(ab) * n - int(a) * int(b), n))  # type: ignore[call-overload, arg-type]
    return None


def _warn_precision(what: str, digits: float, advice: str) -> None:
    kept = "no" if digits < 0.5 else f"about {max(digits, 0.0):.0f}"
    warnings.warn(
        f"{what} keeps {kept} significant digits: the sums are dominated by the offset "
        f"of the values from zero, and the difference of sums cancels. {advice}",
        PrecisionWarning,
        stacklevel=3,
    )


def _digits(bound: float, value: float) -> float:
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
    MeanStats(n=6, mean=16.666666666666668, var=466.6666666666667)
    """

    n: int
    mean: float
    var: float = _NAN

    def __post_init__(self) -> None:
        n = _count(self.n)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "mean", _check_mean(n, self.mean, "mean"))
        object.__setattr__(self, "var", _check_var(n, self.var, "var"))

    @classmethod
    def from_values(cls, values: npt.ArrayLike) -> MeanStats:
        """The statistics of a 1-D array of finite per-unit values (two passes)."""
        return cls._from_moments(summarise(_finite_values(values, "values")))

    @classmethod
    def from_sums(cls, n: float, sum: float, sum_squares: float) -> MeanStats:
        """The statistics of ``n`` units from the sum and the sum of squares of their values.

        The variance is ``(sum_squares - sum**2 / n) / (n - 1)``. For values far from
        zero the two terms agree in most of their digits, and the difference keeps few
        or none: a :class:`~cxlib.PrecisionWarning` says so when fewer than about six
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
        count = _count(n)
        total, squares = _real(sum, "sum"), _real(sum_squares, "sum_squares")
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
            return cls(n=0, mean=_NAN)
        exact = _exact(count, sum, sum, sum_squares)
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
            _warn_precision(
                "the variance from n, sum and sum_squares",
                _digits(b, m2),
                "Pass MeanStats(n=..., mean=..., var=...) or the per-unit values instead.",
            )
        m2 = max(m2, 0.0)
        return cls(n=count, mean=total / count, var=m2 / (count - 1) if count >= 2 else _NAN)

    def to_moments(self) -> CentredMoments:
        return CentredMoments(
            np.array([float(self.n)]),
            np.array([float(self.n)]),
            np.array([[self.mean]]),
            np.array([[[_m2(self.n, self.var)]]]),
        )

    @classmethod
    def _from_moments(cls, m: CentredMoments) -> MeanStats:
        n = int(m.n[0])
        var = float(m.comoment[0, 0, 0]) / (n - 1) if n >= 2 else _NAN
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
        return math.sqrt(self.var / self.n) if self.n >= 2 else _NAN

    @property
    def sum(self) -> float:
        """``n * mean``."""
        return self.n * self.mean if self.n else 0.0


@dataclass(frozen=True, kw_only=True)
class RatioStats:
    """Sufficient statistics of a ratio metric ``mean(y) / mean(x)`` over randomised units.

    ``y`` (numerator, e.g. revenue) and ``x`` (denominator, e.g. orders) are measured on
    the same units (visitors); the ratio is ``sum(y) / sum(x)``.

    Parameters
    ----------
    n : int
        Number of randomised units.
    numerator_mean, denominator_mean : float
        Means of ``y`` and ``x`` over the units.
    numerator_var, denominator_var : float, optional
        Sample variances (``ddof = 1``) of ``y`` and ``x``; required when ``n >= 2``.
    covariance : float, optional
        Sample covariance (``ddof = 1``) of ``y`` and ``x``; required when ``n >= 2``.

    Notes
    -----
    With ``r = ybar / xbar`` the delta method gives

    .. math:: \\operatorname{Var}(\\hat r) = \\frac{s_y^2 - 2 r s_{xy} + r^2 s_x^2}{n \\bar x^2}

    (Deng, Knoblich & Lu 2018). The statistics are stored centred and merge with ``+``.

    Examples
    --------
    >>> import cxlib as cx
    >>> stats = cx.ab.RatioStats.from_values(numerator=[0, 30.0, 80.0, 20.0],
    ...                                      denominator=[0, 1, 2, 1])
    >>> stats.ratio
    32.5
    >>> stats.covariance
    25.0
    """

    n: int
    numerator_mean: float
    denominator_mean: float
    numerator_var: float = _NAN
    denominator_var: float = _NAN
    covariance: float = _NAN

    def __post_init__(self) -> None:
        n = _count(self.n)
        object.__setattr__(self, "n", n)
        for name in ("numerator_mean", "denominator_mean"):
            object.__setattr__(self, name, _check_mean(n, getattr(self, name), name))
        for name in ("numerator_var", "denominator_var"):
            object.__setattr__(self, name, _check_var(n, getattr(self, name), name))
        cov = _real(self.covariance, "covariance")
        if n >= 2:
            if not math.isfinite(cov):
                raise ValueError(f"covariance must be finite when n >= 2; got {cov!r}")
            limit = math.sqrt(self.numerator_var * self.denominator_var)
            if abs(cov) > limit * (1.0 + 1e-9) + 1e-300:
                raise ValueError(
                    "covariance must not exceed sqrt(numerator_var * denominator_var) in "
                    f"size (a correlation above 1); got covariance = {cov!r}, limit {limit!r}"
                )
        elif not (math.isnan(cov) or cov == 0):
            raise ValueError(f"covariance of fewer than 2 units must be NaN or 0; got {cov!r}")
        else:
            cov = _NAN
        object.__setattr__(self, "covariance", cov)

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
        return cls._from_moments(summarise(np.stack([y, x])))

    @classmethod
    def from_sums(
        cls,
        n: float,
        numerator: float,
        denominator: float,
        numerator_squares: float,
        denominator_squares: float,
        cross: float,
    ) -> RatioStats:
        """The statistics from raw sums of ``y``, ``x``, ``y**2``, ``x**2`` and ``x y``.

        As :meth:`MeanStats.from_sums`: a :class:`~cxlib.PrecisionWarning` when the
        sums cannot hold the ratio's variance to about six significant digits, a
        ValueError naming the argument for impossible sums (a negative variance, a
        correlation above 1, beyond rounding); integer sums are used exactly.

        Examples
        --------
        >>> import cxlib as cx
        >>> stats = cx.ab.RatioStats.from_sums(n=4, numerator=130.0, denominator=4.0,
        ...     numerator_squares=7700.0, denominator_squares=6.0, cross=210.0)
        >>> stats.ratio, stats.covariance
        (32.5, 26.666666666666668)
        """
        count = _count(n)
        names = ("numerator", "denominator", "numerator_squares", "denominator_squares", "cross")
        raw: tuple[Any, ...] = (
            numerator,
            denominator,
            numerator_squares,
            denominator_squares,
            cross,
        )
        vals = [_real(v, name) for v, name in zip(raw, names, strict=True)]
        for name, v in zip(names, vals, strict=True):
            if not math.isfinite(v):
                raise ValueError(f"{name} must be finite; got {v!r}")
        for name, v in zip(names[2:4], vals[2:4], strict=True):
            if v < 0:
                raise ValueError(f"{name} must be >= 0 (a sum of squares); got {v!r}")
        sy, sx, syy, sxx, sxy = vals
        if count == 0:
            if any(v != 0 for v in vals):
                raise ValueError(f"with n = 0, every sum must be 0; got {vals}")
            return cls(n=0, numerator_mean=_NAN, denominator_mean=_NAN)
        moments, bound = moments_from_sums(
            np.array([float(count)]),
            np.array([[sy, sx]]),
            np.array([[[syy, sxy], [sxy, sxx]]]),
        )
        c, b = moments.comoment[0].copy(), bound[0].copy()
        for (i, j), args in {
            (0, 0): (numerator, numerator, numerator_squares),
            (1, 1): (denominator, denominator, denominator_squares),
            (0, 1): (numerator, denominator, cross),
        }.items():
            exact = _exact(count, *args)
            if exact is not None:
                c[i, j] = c[j, i] = exact
                b[i, j] = b[j, i] = 0.0
        for i, name in ((0, "numerator_squares"), (1, "denominator_squares")):
            if c[i, i] < -b[i, i]:
                raise ValueError(
                    f"{name} must be at least its sum**2 / n (a variance cannot be "
                    f"negative); got n = {count}, sums {vals}"
                )
        cyy, cxx = max(c[0, 0], 0.0), max(c[1, 1], 0.0)
        if abs(c[0, 1]) > math.sqrt((cyy + b[0, 0]) * (cxx + b[1, 1])) + b[0, 1]:
            raise ValueError(
                "cross must satisfy (cross - sum y sum x / n)**2 <= the product of the "
                f"centred sums of squares (a correlation cannot exceed 1); got n = {count}, "
                f"sums {vals}"
            )
        cxy = math.copysign(min(abs(c[0, 1]), math.sqrt(cyy * cxx)), c[0, 1])
        if count >= 2 and sx != 0:
            r = sy / sx
            resid = cyy - 2.0 * r * cxy + r * r * cxx
            noise = b[0, 0] + 2.0 * abs(r) * b[0, 1] + r * r * b[1, 1]
            if (resid <= 0 and noise > 0) or (resid > 0 and noise > PRECISION * resid):
                _warn_precision(
                    "the ratio's variance from the sums",
                    _digits(noise, resid),
                    "Pass RatioStats(n=..., numerator_mean=..., denominator_mean=..., "
                    "numerator_var=..., denominator_var=..., covariance=...) or the "
                    "per-unit values instead.",
                )
        d = count - 1.0
        return cls(
            n=count,
            numerator_mean=sy / count,
            denominator_mean=sx / count,
            numerator_var=cyy / d if count >= 2 else _NAN,
            denominator_var=cxx / d if count >= 2 else _NAN,
            covariance=cxy / d if count >= 2 else _NAN,
        )

    def to_moments(self) -> CentredMoments:
        d = self.n - 1.0 if self.n >= 2 else 0.0
        cov = self.covariance * d if d else 0.0
        c = np.array(
            [[[_m2(self.n, self.numerator_var), cov], [cov, _m2(self.n, self.denominator_var)]]]
        )
        return CentredMoments(
            np.array([float(self.n)]),
            np.array([float(self.n)]),
            np.array([[self.numerator_mean, self.denominator_mean]]),
            c,
        )

    @classmethod
    def _from_moments(cls, m: CentredMoments) -> RatioStats:
        n = int(m.n[0])
        c = m.comoment[0] / (n - 1.0) if n >= 2 else np.full((2, 2), _NAN)
        # Rounding may push the co-moment a hair past Cauchy-Schwarz.
        cov = float(np.clip(c[0, 1], -math.sqrt(c[0, 0] * c[1, 1]), math.sqrt(c[0, 0] * c[1, 1])))
        return cls(
            n=n,
            numerator_mean=float(m.mean[0, 0]),
            denominator_mean=float(m.mean[0, 1]),
            numerator_var=float(c[0, 0]),
            denominator_var=float(c[1, 1]),
            covariance=cov if n >= 2 else _NAN,
        )

    def merge(self, *others: RatioStats) -> RatioStats:
        """The statistics of the units of ``self`` and ``others`` together."""
        merged = self.to_moments()
        for other in others:
            if not isinstance(other, RatioStats):
                raise TypeError(
                    f"only RatioStats merge with RatioStats; got {type(other).__name__}"
                )
            merged = merged.merge(other.to_moments())
        return RatioStats._from_moments(merged)

    def __add__(self, other: object) -> RatioStats:
        if not isinstance(other, RatioStats):
            return NotImplemented
        return self.merge(other)

    @property
    def ratio(self) -> float:
        """``numerator_mean / denominator_mean`` (``sum(y) / sum(x)``)."""
        if self.n == 0 or self.denominator_mean == 0:
            return _NAN
        return self.numerator_mean / self.denominator_mean

    @property
    def variance(self) -> float:
        """Delta-method variance of the ratio (see Notes)."""
        return float(ratio_variance(self.to_moments())[0])

    @property
    def se(self) -> float:
        """Standard error of the ratio."""
        return math.sqrt(self.variance)
