"""Sufficient statistics of a ratio metric ``sum(y) / sum(x)`` over randomised units.

The centred counterpart of :class:`~cxlib.ab.MeanStats` for two columns: ``n``, the
means of the numerator and the denominator, their variances and their covariance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .statistics import EPS, PRECISION, CentredMoments, moments_from_sums, ratio_variance, summarise
from .sufficient import (
    NAN,
    check_count,
    check_mean,
    check_var,
    digits_kept,
    exact_comoment,
    finite_values,
    m2_of,
    real_number,
    warn_precision,
)

__all__ = ["RatioStats"]


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
    26.666666666666668
    """

    n: int
    numerator_mean: float
    denominator_mean: float
    numerator_var: float = NAN
    denominator_var: float = NAN
    covariance: float = NAN

    def __post_init__(self) -> None:
        n = check_count(self.n)
        object.__setattr__(self, "n", n)
        for name in ("numerator_mean", "denominator_mean"):
            object.__setattr__(self, name, check_mean(n, getattr(self, name), name))
        for name in ("numerator_var", "denominator_var"):
            object.__setattr__(self, name, check_var(n, getattr(self, name), name))
        cov = real_number(self.covariance, "covariance")
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
            cov = NAN
        object.__setattr__(self, "covariance", cov)
        if n >= 2 and self.denominator_mean != 0:
            self._check_conditioning()

    def _check_conditioning(self) -> None:
        """Warn when the variances cannot hold the residual variance of the ratio.

        With a numerator nearly proportional to the denominator (revenue far from zero
        per order), ``s_y^2 - 2 r s_xy + r^2 s_x^2`` is far below its terms, and the
        rounding of the stored variances decides it.
        """
        r = self.numerator_mean / self.denominator_mean
        vy, vx, cxy = self.numerator_var, self.denominator_var, self.covariance
        resid = vy - 2.0 * r * cxy + r * r * vx
        noise = 8.0 * EPS * (vy + 2.0 * abs(r * cxy) + r * r * vx)
        if noise > 0 and noise > PRECISION * max(resid, 0.0):
            warn_precision(
                "the ratio's variance from these variances and covariance",
                digits_kept(noise, resid),
                "The numerator is nearly proportional to the denominator; compare "
                "per-unit values (numerator, denominator), which keep the residuals.",
            )

    @classmethod
    def from_values(cls, numerator: npt.ArrayLike, denominator: npt.ArrayLike) -> RatioStats:
        """The statistics of per-unit numerator and denominator values (1-D, finite)."""
        y = finite_values(numerator, "numerator")
        x = finite_values(denominator, "denominator")
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
        count = check_count(n)
        names = ("numerator", "denominator", "numerator_squares", "denominator_squares", "cross")
        raw: tuple[Any, ...] = (
            numerator,
            denominator,
            numerator_squares,
            denominator_squares,
            cross,
        )
        vals = [real_number(v, name) for v, name in zip(raw, names, strict=True)]
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
            return cls(n=0, numerator_mean=NAN, denominator_mean=NAN)
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
            exact = exact_comoment(count, *args)
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
                warn_precision(
                    "the ratio's variance from the sums",
                    digits_kept(noise, resid),
                    "Pass RatioStats(n=..., numerator_mean=..., denominator_mean=..., "
                    "numerator_var=..., denominator_var=..., covariance=...) or the "
                    "per-unit values instead.",
                )
        d = count - 1.0
        return cls(
            n=count,
            numerator_mean=sy / count,
            denominator_mean=sx / count,
            numerator_var=cyy / d if count >= 2 else NAN,
            denominator_var=cxx / d if count >= 2 else NAN,
            covariance=cxy / d if count >= 2 else NAN,
        )

    def to_moments(self) -> CentredMoments:
        d = self.n - 1.0 if self.n >= 2 else 0.0
        cov = self.covariance * d if d else 0.0
        c = np.array(
            [[[m2_of(self.n, self.numerator_var), cov], [cov, m2_of(self.n, self.denominator_var)]]]
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
        c = m.comoment[0] / (n - 1.0) if n >= 2 else np.full((2, 2), NAN)
        # Rounding may push the co-moment a hair past Cauchy-Schwarz.
        cov = float(np.clip(c[0, 1], -math.sqrt(c[0, 0] * c[1, 1]), math.sqrt(c[0, 0] * c[1, 1])))
        return cls(
            n=n,
            numerator_mean=float(m.mean[0, 0]),
            denominator_mean=float(m.mean[0, 1]),
            numerator_var=float(c[0, 0]),
            denominator_var=float(c[1, 1]),
            covariance=cov if n >= 2 else NAN,
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
            return NAN
        return self.numerator_mean / self.denominator_mean

    @property
    def variance(self) -> float:
        """Delta-method variance of the ratio (see Notes)."""
        return float(ratio_variance(self.to_moments())[0])

    @property
    def se(self) -> float:
        """Standard error of the ratio."""
        return math.sqrt(self.variance)
