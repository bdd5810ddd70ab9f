"""The power of the two-sample tests behind :mod:`cxlib.ab.planning`, and its checks.

Power of the two-sample tests
-----------------------------
Write ``n1`` for the control arm, ``n2 = ratio * n1`` for each variant, ``delta > 0``
for the size of the change in the tested direction (the variant above the control; below
it for ``alternative="less"``) and ``c = z(1 - a)`` with ``a = alpha`` for one-sided
and ``a = alpha / 2`` for two-sided tests. Every method has the form ::

    power = Phi((delta - c * s0) / s1) [+ Phi((-delta - c * s0) / s1) if two-sided]

where ``s0`` and ``s1`` are the standard errors of the estimated difference under the
null and the alternative hypothesis (the second term, the far tail of a two-sided test,
is tiny but included, as in statsmodels):

``method="z"`` with proportions (the default; Fleiss, Levin & Paik 2003, *Statistical
Methods for Rates and Proportions*, ch. 4, without continuity correction)
    the pooled z test: ``s0**2 = pbar * (1 - pbar) * (1/n1 + 1/n2)`` with the pooled rate
    ``pbar = (n1 * p1 + n2 * p2) / (n1 + n2)`` under the null, and the unpooled
    ``s1**2 = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2`` under the alternative. This is
    ``statsmodels.stats.proportion.power_proportions_2indep``; ignoring the far tail,
    ``n1 = (c * sqrt(pbar*(1-pbar)*(1 + 1/ratio)) + z(power) * sqrt(p1*(1-p1) +
    p2*(1-p2)/ratio))**2 / delta**2``.
``method="arcsine"`` with proportions
    the variance-stabilised effect, Cohen's ``h = 2 asin(sqrt(p2)) - 2 asin(sqrt(p1))``,
    with ``s0 = s1 = sqrt(1/n1 + 1/n2)``: exactly ``statsmodels.stats.power.NormalIndPower``
    with ``proportion_effectsize``.
``method="z"`` with means (``sd`` given)
    ``s0 = s1 = sd * sqrt(1/n1 + 1/n2)``: ``NormalIndPower`` with effect ``delta / sd``.
``method="t"`` with means
    the pooled two-sample t test, whose power is a noncentral t probability with
    ``n1 + n2 - 2`` degrees of freedom and noncentrality ``delta / (sd * sqrt(1/n1 +
    1/n2))``: exactly ``statsmodels.stats.power.TTestIndPower``.

:func:`sample_size` solves ``power(n1) = power`` for ``n1`` (Brent's method, started from
the closed form) and rounds every arm up, so the achieved power is at least the target.
With ``n_variants`` variants each is compared with the control; ``correction=
"bonferroni"`` (or ``"sidak"``) plans every comparison at ``alpha / n_variants``, which
keeps the family-wise error rate at ``alpha`` (Holm's procedure at the analysis,
:func:`adjust_pvalues`, is at least as powerful). With several variants the total sample
is smallest for ``ratio = 1 / sqrt(n_variants)`` (the square-root allocation rule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats

from ..core.validation import (
    Alternative,
    as_numeric_1d,
    check_alternative,
    check_bool,
    check_choice,
    show_values,
)

SampleSizeMethod = Literal["z", "t", "arcsine"]
SAMPLE_SIZE_METHODS: tuple[SampleSizeMethod, ...] = ("z", "t", "arcsine")
Correction = Literal["none", "bonferroni", "sidak"]
CORRECTIONS: tuple[Correction, ...] = ("none", "bonferroni", "sidak")

FloatArray = npt.NDArray[np.float64]

#: Smallest arm a planned experiment gets: a variance needs two observations.
_MIN_ARM = 2
#: Slack before rounding up, so that 120.0000000001 from the root search is 120.
_ROUNDING_SLACK = 1e-6


# ----------------------------------------------------------------------------- checks


def _real(name: str, value: object) -> float:
    """``value`` as a finite float, or a TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {type(value).__name__} {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number; got {x!r}")
    return x


def _in_unit_interval(name: str, value: object, what: str = "") -> float:
    x = _real(name, value)
    if not 0.0 < x < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1{what}; got {x!r}")
    return x


def _positive(name: str, value: object, what: str = "") -> float:
    x = _real(name, value)
    if not x > 0.0:
        raise ValueError(f"{name} must be positive{what}; got {x!r}")
    return x


#: Largest count: float64, in which the designs are computed, holds whole numbers
#: exactly up to 2**53.
MAX_COUNT = 2**53


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer; got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if value > MAX_COUNT:
        raise ValueError(f"{name} must be at most 2**53; got {len(str(int(value)))} digits")
    return int(value)


def _per_test_alpha(alpha: float, n_variants: int, correction: Correction) -> float:
    if correction == "bonferroni":
        return alpha / n_variants
    if correction == "sidak":
        return float(-np.expm1(np.log1p(-alpha) / n_variants))
    return alpha


# ----------------------------------------------------------------------------- design


@dataclass(frozen=True)
class _Design:
    """Everything the power of one variant-vs-control comparison depends on, but n."""

    proportions: bool
    method: SampleSizeMethod
    control: float  # conversion rate or mean of the control arm
    sd: float  # standard deviation of the metric (NaN for proportions)
    alternative: Alternative
    alpha: float  # per comparison
    ratio: float  # n_variant / n_control
    upper: float  # largest possible change in the tested direction (inf for means)

    @property
    def tail(self) -> float:
        return self.alpha / 2.0 if self.alternative == "two-sided" else self.alpha

    def variant(self, delta: float) -> float:
        """The variant's rate or mean for a change ``delta`` in the tested direction."""
        return self.control - delta if self.alternative == "less" else self.control + delta

    def power(self, delta: float, n1: float, n2: float) -> float:
        """Power of the test of one variant against the control."""
        two_sided = self.alternative == "two-sided"
        if self.method == "t":
            df = n1 + n2 - 2.0
            nc = delta / (self.sd * math.sqrt(1.0 / n1 + 1.0 / n2))
            crit = float(stats.t.isf(self.tail, df))
            p = float(stats.nct.sf(crit, df, nc))
            if two_sided:  # P(T < -crit) as the upper tail of -T (more robust far out)
                p += float(stats.nct.sf(crit, df, -nc))
            return p
        crit = -float(special.ndtri(self.tail))
        scale = math.sqrt(1.0 / n1 + 1.0 / n2)
        if not self.proportions:
            x, spread = delta / (self.sd * scale), 1.0
        elif self.method == "arcsine":
            h = 2.0 * (
                math.asin(math.sqrt(self.variant(delta))) - math.asin(math.sqrt(self.control))
            )
            x, spread = abs(h) / scale, 1.0
        else:
            p1, p2 = self.control, self.variant(delta)
            pooled = (n1 * p1 + n2 * p2) / (n1 + n2)
            s0 = math.sqrt(pooled * (1.0 - pooled)) * scale
            s1 = math.sqrt(p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2)
            x, spread = delta / s1, s0 / s1
        p = float(special.ndtr(x - crit * spread))
        if two_sided:
            p += float(special.ndtr(-x - crit * spread))
        return p

    def closed_form_n1(self, delta: float, target: float) -> float:
        """Textbook control-arm size (normal approximation, far tail ignored)."""
        k = self.ratio
        crit, z_power = -float(special.ndtri(self.tail)), float(special.ndtri(target))
        if not self.proportions:
            return (crit + z_power) ** 2 * self.sd**2 * (1.0 + 1.0 / k) / delta**2
        p1, p2 = self.control, self.variant(delta)
        if self.method == "arcsine":
            h = 2.0 * (math.asin(math.sqrt(p2)) - math.asin(math.sqrt(p1)))
            return (crit + z_power) ** 2 * (1.0 + 1.0 / k) / h**2
        pooled = (p1 + k * p2) / (1.0 + k)
        s0 = math.sqrt(pooled * (1.0 - pooled) * (1.0 + 1.0 / k))
        s1 = math.sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2) / k)
        return (crit * s0 + z_power * s1) ** 2 / delta**2

    def smallest_n1(self) -> float:
        """Smallest control arm for which the power is defined (t: one degree of freedom)."""
        return max(1.0, 3.0 / (1.0 + self.ratio)) if self.method == "t" else 1.0


def _design(
    baseline: object,
    *,
    sd: object,
    alternative: object,
    alpha: object,
    ratio: object,
    n_variants: object,
    correction: object,
    method: object,
) -> tuple[_Design, float, int, Correction]:
    """Validate the arguments shared by the planning functions."""
    alt = check_alternative(alternative)
    meth = check_choice("method", method, SAMPLE_SIZE_METHODS)
    corr = check_choice("correction", correction, CORRECTIONS)
    level = _in_unit_interval("alpha", alpha)
    k = _positive("ratio", ratio, " (visitors in each variant per visitor in the control)")
    m = _positive_int("n_variants", n_variants)
    per_test = _per_test_alpha(level, m, corr)
    if sd is None:
        p1 = _in_unit_interval(
            "baseline",
            baseline,
            " for a conversion rate (a fraction such as 0.05 for 5%; pass sd= to plan a mean)",
        )
        if meth == "t":
            raise ValueError(
                "method='t' plans a t test of means and needs sd=; for a conversion rate "
                "use method='z' or 'arcsine'"
            )
        upper = p1 if alt == "less" else 1.0 - p1
        design = _Design(True, meth, p1, math.nan, alt, per_test, k, upper)
    else:
        control = _real("baseline", baseline)
        spread = _positive("sd", sd, " (the standard deviation of the metric per visitor)")
        if meth == "arcsine":
            raise ValueError(
                "method='arcsine' is for conversion rates (sd=None); for a mean use "
                "method='z' or 't'"
            )
        design = _Design(False, meth, control, spread, alt, per_test, k, math.inf)
    return design, level, m, corr


def _check_power(value: object, design: _Design) -> float:
    target = _in_unit_interval("power", value)
    if not target > design.alpha:
        raise ValueError(
            f"power must exceed the significance level of each comparison "
            f"({design.alpha:.4g}); got {target!r}"
        )
    return target


def _delta(design: _Design, mde: object, relative: bool) -> float:
    """The absolute change in the tested direction that ``mde`` stands for."""
    relative = check_bool("relative", relative)
    size = _positive("mde", mde, " (the size of the smallest change worth detecting)")
    if relative and design.control == 0.0:
        raise ValueError(
            "a relative mde needs a nonzero baseline; got baseline=0.0 (use relative=False)"
        )
    delta = size * abs(design.control) if relative else size
    if design.proportions and not delta < design.upper:
        variant = design.variant(delta)
        kind = "relative" if relative else "absolute"
        raise ValueError(
            f"the variant rate implied by baseline={design.control!r} and a {kind} "
            f"mde={size!r} is {variant:.6g}, outside (0, 1); the largest possible {kind} "
            f"mde is {(design.upper / design.control if relative else design.upper):.6g}"
        )
    return delta


def _solve_n1(design: _Design, delta: float, target: float) -> float:
    """Control-arm size (real) at which the power equals ``target``."""
    k = design.ratio

    def shortfall(n1: float) -> float:
        return design.power(delta, n1, k * n1) - target

    lo = design.smallest_n1()
    if shortfall(lo) >= 0.0:
        return lo
    try:
        guess = design.closed_form_n1(delta, target)
    except ZeroDivisionError:
        guess = math.inf
    if not guess < MAX_COUNT:
        raise ValueError(
            "mde is too small: detecting it needs more than 2**53 units per arm "
            f"(difference {delta:.3g})"
        )
    hi = max(lo * 2.0, 1.01 * guess + 10.0)
    while shortfall(hi) < 0.0:
        lo, hi = hi, hi * 2.0
    root: float = optimize.brentq(shortfall, lo, hi, xtol=1e-9, rtol=1e-13)
    return root


def _round_up(x: float) -> int:
    return max(_MIN_ARM, math.ceil(x - _ROUNDING_SLACK))


def _pct(x: float) -> str:
    return f"{100.0 * x:.4g}%"


def _check_n(n: float | npt.ArrayLike, design: _Design) -> tuple[FloatArray, bool]:
    scalar = np.ndim(n) == 0
    if scalar:
        values = np.array([_real("n", n)])
    else:
        values = np.asarray(as_numeric_1d(n, "n"), dtype=np.float64)
    smallest = design.smallest_n1()
    bad = ~np.isfinite(values) | (values < smallest) | (design.ratio * values < 1.0)
    if bad.any():
        need = f"at least {smallest:g}" + (
            f" (and ratio * n at least 1 with ratio={design.ratio:g})" if design.ratio < 1.0 else ""
        )
        raise ValueError(
            f"n (visitors in the control arm) must be finite and {need}; got "
            + show_values(values[bad])
        )
    return values, scalar


def _solve_delta(design: _Design, n1: float, target: float) -> float:
    """Change in the tested direction detected with power ``target`` at ``n1``."""
    n2 = design.ratio * n1

    def shortfall(delta: float) -> float:
        return design.power(delta, n1, n2) - target

    if design.proportions:
        hi = design.upper
        if shortfall(hi) < 0.0:
            return math.nan
    else:
        z = -float(special.ndtri(design.tail)) + float(special.ndtri(target))
        hi = 2.0 * z * design.sd * math.sqrt(1.0 / n1 + 1.0 / n2)
        while shortfall(hi) < 0.0:
            hi *= 2.0
    root: float = optimize.brentq(shortfall, 0.0, hi, xtol=1e-15, rtol=1e-13)
    return root
