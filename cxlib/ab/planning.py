"""Planning and checking A/B tests: sample size, power, duration, SRM, multiple testing.

Planning answers "how many visitors do we need?" before an experiment starts; the checks
guard its analysis.

- :func:`sample_size` -- visitors per arm to detect a minimum detectable effect (MDE)
  with a given power, for a conversion rate (proportions) or a mean with a known
  standard deviation (e.g. revenue per visitor), any allocation ratio and several
  variants against one control;
- :func:`minimum_detectable_effect` -- the inverse: the smallest effect a given number
  of visitors detects;
- :func:`power` -- the power of the test at a given number of visitors;
- :func:`duration` -- days of traffic a sample size needs;
- :func:`srm` -- the sample-ratio-mismatch check (chi-square goodness of fit of the arm
  counts to the planned split);
- :func:`adjust_pvalues` -- Holm, Benjamini-Hochberg and other multiple-testing
  corrections when several variants or metrics are compared.

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
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, special, stats

from ..core.errors import CxlibWarning
from ..core.results import html_rows
from ..core.validation import (
    Alternative,
    as_numeric_1d,
    check_alternative,
    check_bool,
    check_choice,
    show_values,
)

__all__ = [
    "CORRECTIONS",
    "PVALUE_ADJUSTMENTS",
    "SAMPLE_SIZE_METHODS",
    "Correction",
    "PValueAdjustment",
    "SRMResult",
    "SampleSize",
    "SampleSizeMethod",
    "adjust_pvalues",
    "duration",
    "minimum_detectable_effect",
    "power",
    "sample_size",
    "srm",
]

SampleSizeMethod = Literal["z", "t", "arcsine"]
SAMPLE_SIZE_METHODS: tuple[SampleSizeMethod, ...] = ("z", "t", "arcsine")
Correction = Literal["none", "bonferroni", "sidak"]
CORRECTIONS: tuple[Correction, ...] = ("none", "bonferroni", "sidak")
PValueAdjustment = Literal["holm", "bonferroni", "sidak", "hochberg", "fdr_bh", "fdr_by"]
PVALUE_ADJUSTMENTS: tuple[PValueAdjustment, ...] = (
    "holm",
    "bonferroni",
    "sidak",
    "hochberg",
    "fdr_bh",
    "fdr_by",
)

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
_MAX_COUNT = 2**53


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer; got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if value > _MAX_COUNT:
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
    if not guess < _MAX_COUNT:
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


# ----------------------------------------------------------------------------- results


def _pct(x: float) -> str:
    return f"{100.0 * x:.4g}%"


@dataclass(frozen=True)
class SampleSize:
    """Visitors an A/B test needs, returned by :func:`sample_size`.

    Attributes
    ----------
    n_control : int
        Visitors in the control arm.
    n_variant : int
        Visitors in each variant arm.
    n_variants : int
        Number of variants compared with the control.
    total : int
        All visitors: ``n_control + n_variants * n_variant``.
    baseline : float
        Control conversion rate (a fraction) or mean.
    variant_value : float
        The variant's rate or mean under the alternative (baseline changed by the MDE).
    difference : float
        ``variant_value - baseline``.
    mde : float
        The minimum detectable effect as given (relative: a fraction of the baseline).
    relative : bool
        Whether ``mde`` is relative to the baseline.
    sd : float or None
        Standard deviation of the metric (None for conversion rates).
    alpha : float
        Family-wise significance level.
    alpha_per_test : float
        Significance level of each variant-vs-control comparison.
    power : float
        Target power of each comparison.
    achieved_power : float
        Power of each comparison at the rounded arm sizes (at least ``power``).
    alternative : str
        ``"two-sided"``, ``"greater"`` or ``"less"``.
    ratio : float
        Planned ``n_variant / n_control``.
    method : str
        ``"z"``, ``"t"`` or ``"arcsine"``.
    correction : str
        Multiple-comparison correction of ``alpha``.
    """

    n_control: int
    n_variant: int
    n_variants: int
    total: int
    baseline: float
    variant_value: float
    difference: float
    mde: float
    relative: bool
    sd: float | None
    alpha: float
    alpha_per_test: float
    power: float
    achieved_power: float
    alternative: str
    ratio: float
    method: str
    correction: str

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame with every attribute as a column."""
        frame: pd.DataFrame = pd.DataFrame([asdict(self)])
        return frame

    def __str__(self) -> str:
        if self.n_variants == 1:
            arms = f"{self.n_control:,} control + {self.n_variant:,} variant"
        else:
            arms = f"{self.n_control:,} control + {self.n_variants} x {self.n_variant:,} variants"
        if self.sd is None:
            shift = f"{_pct(self.baseline)} → {_pct(self.variant_value)}"
        else:
            shift = f"{self.baseline:.6g} → {self.variant_value:.6g} (sd {self.sd:.6g})"
        if self.relative:
            effect = f"relative MDE {100.0 * self.mde:.4g}%"
        elif self.sd is None:
            effect = f"MDE {100.0 * self.mde:.4g} pp"
        else:
            effect = f"MDE {self.mde:.6g}"
        alpha = f"alpha = {self.alpha:g}"
        if self.alpha_per_test != self.alpha:
            alpha += f" ({self.correction}: {self.alpha_per_test:.3g} per comparison)"
        return (
            f"Sample size {arms} = {self.total:,} visitors · {shift}, {effect} · "
            f"{self.alternative} {alpha}, power {_pct(self.power)} · {self.method}"
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return html_rows(str(self), asdict(self))


# ----------------------------------------------------------------------------- planning


def sample_size(
    baseline: float,
    mde: float,
    *,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative = "two-sided",
    ratio: float = 1.0,
    n_variants: int = 1,
    sd: float | None = None,
    correction: Correction = "none",
    method: SampleSizeMethod = "z",
) -> SampleSize:
    """Visitors per arm an A/B test needs to detect a minimum detectable effect.

    Parameters
    ----------
    baseline : float
        The control's expected conversion rate, a fraction in (0, 1) (``0.05`` for 5 %),
        or, with ``sd``, the control's expected mean (e.g. revenue per visitor).
    mde : float
        Minimum detectable effect, positive: the smallest change worth detecting. A
        fraction of the baseline if ``relative`` (``0.1`` is a 10 % lift), otherwise an
        absolute change (for rates a fraction: ``0.01`` is one percentage point). The
        variant is taken to be above the control, below it for ``alternative="less"``.
    relative : bool, default True
        Whether ``mde`` is relative to ``|baseline|``.
    alpha : float, default 0.05
        Significance level (family-wise with ``correction``).
    power : float, default 0.8
        Probability of a significant result when the true effect equals the MDE.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        Alternative hypothesis of the planned test (``"greater"``: the variant is better).
    ratio : float, default 1.0
        Allocation ratio ``n_variant / n_control`` (``2.0``: each variant gets twice the
        control's traffic).
    n_variants : int, default 1
        Number of variants, each compared with the one control.
    sd : float, optional
        Standard deviation of the metric per visitor; plans a comparison of means. Leave
        None for a conversion rate.
    correction : {"none", "bonferroni", "sidak"}, default "none"
        Split ``alpha`` between the ``n_variants`` comparisons.
    method : {"z", "t", "arcsine"}, default "z"
        Test whose power is planned: ``"z"`` (rates: pooled z test with the unpooled
        variance under the alternative; means: z test), ``"t"`` (means: pooled two-sample
        t test) or ``"arcsine"`` (rates: Cohen's h). See the module notes for formulas.

    Returns
    -------
    SampleSize
        ``n_control``, ``n_variant`` (each rounded up, at least 2), ``total`` and the
        inputs, with ``achieved_power`` at the rounded sizes.

    Raises
    ------
    ValueError
        For a baseline outside (0, 1) with rates, a non-positive ``mde``, ``sd`` or
        ``ratio``, ``alpha`` or ``power`` outside (0, 1), ``power`` not above ``alpha``,
        or an MDE that moves the rate out of (0, 1).

    See Also
    --------
    minimum_detectable_effect, power, duration

    Examples
    --------
    A 10 % relative lift on a 5 % conversion rate, two-sided 5 % test with 80 % power:

    >>> from cxlib.ab.planning import sample_size
    >>> plan = sample_size(0.05, 0.10)
    >>> plan.n_control, plan.total
    (31234, 62468)
    >>> plan
    Sample size 31,234 control + 31,234 variant = 62,468 visitors · 5% → 5.5%,
    relative MDE 10% · two-sided alpha = 0.05, power 80% · z

    Revenue per visitor (mean 2.5, sd 12), an absolute difference of 0.25, three
    variants with Bonferroni's correction, and the t test:

    >>> sample_size(2.5, 0.25, relative=False, sd=12.0, n_variants=3,
    ...             correction="bonferroni", method="t").n_variant
    48244
    """
    design, level, m, corr = _design(
        baseline,
        sd=sd,
        alternative=alternative,
        alpha=alpha,
        ratio=ratio,
        n_variants=n_variants,
        correction=correction,
        method=method,
    )
    target = _check_power(power, design)
    delta = _delta(design, mde, relative)
    n1 = _solve_n1(design, delta, target)
    n_control, n_variant = _round_up(n1), _round_up(design.ratio * n1)
    variant = design.variant(delta)
    return SampleSize(
        n_control=n_control,
        n_variant=n_variant,
        n_variants=m,
        total=n_control + m * n_variant,
        baseline=design.control,
        variant_value=variant,
        difference=variant - design.control,
        mde=float(mde),
        relative=bool(relative),
        sd=None if sd is None else design.sd,
        alpha=level,
        alpha_per_test=design.alpha,
        power=target,
        achieved_power=design.power(delta, n_control, n_variant),
        alternative=design.alternative,
        ratio=design.ratio,
        method=design.method,
        correction=corr,
    )


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


@overload
def minimum_detectable_effect(
    baseline: float,
    n: float,
    *,
    relative: bool = ...,
    alpha: float = ...,
    power: float = ...,
    alternative: Alternative = ...,
    ratio: float = ...,
    n_variants: int = ...,
    sd: float | None = ...,
    correction: Correction = ...,
    method: SampleSizeMethod = ...,
) -> float: ...
@overload
def minimum_detectable_effect(
    baseline: float,
    n: npt.ArrayLike,
    *,
    relative: bool = ...,
    alpha: float = ...,
    power: float = ...,
    alternative: Alternative = ...,
    ratio: float = ...,
    n_variants: int = ...,
    sd: float | None = ...,
    correction: Correction = ...,
    method: SampleSizeMethod = ...,
) -> FloatArray: ...
def minimum_detectable_effect(
    baseline: float,
    n: float | npt.ArrayLike,
    *,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative = "two-sided",
    ratio: float = 1.0,
    n_variants: int = 1,
    sd: float | None = None,
    correction: Correction = "none",
    method: SampleSizeMethod = "z",
) -> float | FloatArray:
    """Smallest effect a test with ``n`` visitors in the control arm detects.

    The inverse of :func:`sample_size`: the MDE at which the power of the test equals
    ``power`` (found with Brent's method), with the same arguments and conventions.

    Parameters
    ----------
    baseline : float
        Control conversion rate in (0, 1), or the control mean when ``sd`` is given.
    n : float or array-like
        Visitors in the control arm (each variant has ``ratio * n``); an array gives an
        MDE curve.
    relative, alpha, power, alternative, ratio, n_variants, sd, correction, method
        As in :func:`sample_size`.

    Returns
    -------
    float or numpy.ndarray
        The MDE, positive: relative to ``|baseline|`` if ``relative`` (a fraction),
        otherwise absolute. NaN where no change of a rate within (0, 1) reaches the
        power (with a :class:`~cxlib.CxlibWarning`).

    Examples
    --------
    >>> from cxlib.ab.planning import minimum_detectable_effect
    >>> round(minimum_detectable_effect(0.05, 31_234), 4)
    0.1
    >>> minimum_detectable_effect(0.05, [10_000, 40_000], relative=False).round(5)
    array([0.00899, 0.00441])
    """
    design, _, _, _ = _design(
        baseline,
        sd=sd,
        alternative=alternative,
        alpha=alpha,
        ratio=ratio,
        n_variants=n_variants,
        correction=correction,
        method=method,
    )
    relative = check_bool("relative", relative)
    if relative and design.control == 0.0:
        raise ValueError(
            "a relative mde needs a nonzero baseline; got baseline=0.0 (use relative=False)"
        )
    target = _check_power(power, design)
    values, scalar = _check_n(n, design)
    deltas = np.array([_solve_delta(design, float(v), target) for v in values])
    if np.isnan(deltas).any():
        warnings.warn(
            f"no change of the rate within (0, 1) is detected with power {target:g} at "
            f"n = {show_values(values[np.isnan(deltas)])}; the MDE is NaN there",
            CxlibWarning,
            stacklevel=2,
        )
    out = deltas / abs(design.control) if relative else deltas
    return float(out[0]) if scalar else out


@overload
def power(
    baseline: float,
    mde: float,
    n: float,
    *,
    relative: bool = ...,
    alpha: float = ...,
    alternative: Alternative = ...,
    ratio: float = ...,
    n_variants: int = ...,
    sd: float | None = ...,
    correction: Correction = ...,
    method: SampleSizeMethod = ...,
) -> float: ...
@overload
def power(
    baseline: float,
    mde: float,
    n: npt.ArrayLike,
    *,
    relative: bool = ...,
    alpha: float = ...,
    alternative: Alternative = ...,
    ratio: float = ...,
    n_variants: int = ...,
    sd: float | None = ...,
    correction: Correction = ...,
    method: SampleSizeMethod = ...,
) -> FloatArray: ...
def power(
    baseline: float,
    mde: float,
    n: float | npt.ArrayLike,
    *,
    relative: bool = True,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    ratio: float = 1.0,
    n_variants: int = 1,
    sd: float | None = None,
    correction: Correction = "none",
    method: SampleSizeMethod = "z",
) -> float | FloatArray:
    """Power of each variant-vs-control test with ``n`` visitors in the control arm.

    Parameters
    ----------
    baseline, mde
        As in :func:`sample_size`: the effect whose detection probability is computed.
    n : float or array-like
        Visitors in the control arm (each variant has ``ratio * n``).
    relative, alpha, alternative, ratio, n_variants, sd, correction, method
        As in :func:`sample_size`.

    Returns
    -------
    float or numpy.ndarray
        Probability that the test is significant (in the direction of the effect, or
        either direction for a two-sided test) when the true effect is ``mde``.

    Examples
    --------
    >>> from cxlib.ab.planning import power
    >>> round(power(0.05, 0.10, 31_234), 3)
    0.8
    >>> power(0.05, 0.10, [10_000, 20_000]).round(3)
    array([0.354, 0.611])
    """
    design, _, _, _ = _design(
        baseline,
        sd=sd,
        alternative=alternative,
        alpha=alpha,
        ratio=ratio,
        n_variants=n_variants,
        correction=correction,
        method=method,
    )
    delta = _delta(design, mde, relative)
    values, scalar = _check_n(n, design)
    out = np.array([design.power(delta, float(v), design.ratio * float(v)) for v in values])
    return float(out[0]) if scalar else out


def duration(
    visitors: int | SampleSize,
    daily_traffic: float,
    *,
    share_in_experiment: float = 1.0,
    whole_weeks: bool = False,
) -> int:
    """Days an experiment must run to collect ``visitors``.

    Parameters
    ----------
    visitors : int or SampleSize
        Visitors needed in all arms together, or a :func:`sample_size` result (its
        ``total``).
    daily_traffic : float
        Eligible visitors per day.
    share_in_experiment : float, default 1.0
        Fraction of the traffic enrolled in the experiment, in (0, 1].
    whole_weeks : bool, default False
        Round up to whole weeks, so that every weekday is represented equally.

    Returns
    -------
    int
        ``ceil(visitors / (daily_traffic * share_in_experiment))`` days (a multiple of 7
        with ``whole_weeks``).

    Examples
    --------
    >>> from cxlib.ab.planning import duration, sample_size
    >>> duration(sample_size(0.05, 0.10), daily_traffic=4_000)
    16
    >>> duration(62_468, 4_000, share_in_experiment=0.5, whole_weeks=True)
    35
    """
    if isinstance(visitors, SampleSize):
        total = visitors.total
    else:
        total = _positive_int("visitors", visitors)
    traffic = _positive("daily_traffic", daily_traffic, " (visitors per day)")
    share = _real("share_in_experiment", share_in_experiment)
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share_in_experiment must be in (0, 1]; got {share!r}")
    days = max(1, math.ceil(total / (traffic * share) - 1e-9))
    return 7 * math.ceil(days / 7) if check_bool("whole_weeks", whole_weeks) else days


# ----------------------------------------------------------------------------- SRM


@dataclass(frozen=True)
class SRMResult:
    """Result of the sample-ratio-mismatch check, returned by :func:`srm`.

    Attributes
    ----------
    statistic : float
        Pearson's chi-square statistic.
    p_value : float
        Its p-value (chi-square distribution with ``df`` degrees of freedom).
    df : int
        Degrees of freedom, the number of arms minus one.
    mismatch : bool
        ``p_value < alpha``: the split differs from the plan; do not trust the results
        until the cause is found.
    alpha : float
        Threshold of the check.
    arms : tuple of str
        Names of the arms.
    observed : tuple of int
        Visitors counted in each arm.
    expected : tuple of float
        Visitors expected in each arm under the planned split.
    observed_shares : tuple of float
        Observed fraction of visitors in each arm.
    planned_shares : tuple of float
        Planned fraction of visitors in each arm.
    """

    statistic: float
    p_value: float
    df: int
    mismatch: bool
    alpha: float
    arms: tuple[str, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    observed_shares: tuple[float, ...]
    planned_shares: tuple[float, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: observed and expected counts and shares."""
        frame: pd.DataFrame = pd.DataFrame(
            {
                "arm": list(self.arms),
                "observed": list(self.observed),
                "expected": list(self.expected),
                "observed_share": list(self.observed_shares),
                "planned_share": list(self.planned_shares),
            }
        )
        return frame

    def __str__(self) -> str:
        p = self.p_value
        p_text = f"p = {p:.2g}" if p < 0.001 else f"p = {p:.3f}"
        verdict = "MISMATCH" if self.mismatch else "no mismatch"
        observed = " / ".join(_pct(s) for s in self.observed_shares)
        planned = " / ".join(_pct(s) for s in self.planned_shares)
        return (
            f"SRM check: {verdict} (χ² = {self.statistic:.3g}, df = {self.df}, {p_text}, "
            f"alpha = {self.alpha:g}) · observed {observed} vs planned {planned} "
            f"· n = {sum(self.observed):,}"
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return html_rows(str(self), asdict(self))


def _counts(observed_counts: object) -> tuple[npt.NDArray[np.int64], tuple[str, ...] | None]:
    labels: tuple[str, ...] | None = None
    values: object = observed_counts
    if isinstance(observed_counts, Mapping):
        labels = tuple(str(k) for k in observed_counts)
        values = list(observed_counts.values())
    elif isinstance(observed_counts, pd.Series):
        labels = tuple(str(k) for k in observed_counts.index)
    arr = as_numeric_1d(values, "observed_counts")
    if arr.shape[0] < 2:
        raise ValueError(f"observed_counts needs at least 2 arms; got {arr.shape[0]}")
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr)) | (arr > _MAX_COUNT)
    if bad.any():
        raise ValueError(
            "observed_counts must be non-negative whole numbers up to 2**53 (visitors per "
            "arm); got " + show_values(arr[bad])
        )
    counts = arr.astype(np.int64)
    if counts.sum() == 0:
        raise ValueError("observed_counts are all zero; there is nothing to check")
    if labels is not None and len(set(labels)) != len(labels):
        raise ValueError(f"observed_counts has repeated arm names: {list(labels)}")
    return counts, labels


def _shares(
    planned_shares: object, k: int, labels: tuple[str, ...] | None
) -> npt.NDArray[np.float64]:
    if planned_shares is None:
        return np.full(k, 1.0 / k)
    values: object = planned_shares
    if isinstance(planned_shares, (Mapping, pd.Series)):
        keyed = dict(planned_shares.items())
        names = {str(key): value for key, value in keyed.items()}
        if labels is None:
            raise TypeError(
                "planned_shares given by arm name needs named observed_counts (a dict or a "
                "pandas Series)"
            )
        if set(names) != set(labels):
            raise ValueError(
                f"planned_shares must name the same arms as observed_counts {list(labels)}; "
                f"got {list(names)}"
            )
        values = [names[label] for label in labels]
    shares = np.asarray(as_numeric_1d(values, "planned_shares"), dtype=np.float64)
    if shares.shape[0] != k:
        raise ValueError(f"planned_shares must have one share per arm ({k}); got {shares.shape[0]}")
    bad = ~np.isfinite(shares) | (shares <= 0)
    if bad.any():
        raise ValueError("planned_shares must be positive; got " + show_values(shares[bad]))
    total = float(shares.sum())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(
            f"planned_shares must sum to 1; got {show_values(shares)} summing to {total:.6g} "
            "(pass fractions, e.g. [0.5, 0.5], or divide weights by their sum)"
        )
    return shares / total


def srm(
    observed_counts: npt.ArrayLike | Mapping[str, int] | pd.Series[int],
    planned_shares: npt.ArrayLike | Mapping[str, float] | pd.Series[float] | None = None,
    *,
    alpha: float = 0.001,
) -> SRMResult:
    """Sample-ratio-mismatch (SRM) check: do the arm counts match the planned split?

    A chi-square goodness-of-fit test (:func:`scipy.stats.chisquare`) of the visitors
    counted in each arm against ``total * planned_shares``. A mismatch means that the
    assignment or the logging is broken (bots, redirects, crashes in one arm, ...) and
    that the experiment's results are not trustworthy (Fabijan et al. 2019, "Diagnosing
    sample ratio mismatch in online controlled experiments", KDD).

    Parameters
    ----------
    observed_counts : array-like, dict or pandas.Series
        Visitors (units) assigned to each arm: non-negative whole numbers, at least two
        arms. A dict or Series names the arms.
    planned_shares : array-like, dict or pandas.Series, optional
        Planned fraction of visitors in each arm, positive and summing to 1 (within
        1e-6; they are then rescaled to sum to exactly 1). Weights such as ``[1, 1]``
        are refused rather than guessed at: pass ``[0.5, 0.5]``. By arm name when the
        counts are named. Default: an equal split.
    alpha : float, default 0.001
        Threshold of the check. The strict default is the usual one for SRM checks
        (e.g. GrowthBook's default SRM threshold), which run on every experiment,
        often repeatedly: a lenient threshold would flag many healthy experiments.

    Returns
    -------
    SRMResult
        ``statistic``, ``p_value``, ``df``, ``mismatch`` (``p_value < alpha``), expected
        counts, observed and planned shares; ``to_frame()`` gives one row per arm.

    Warns
    -----
    CxlibWarning
        When an expected count is below 5, where the chi-square approximation is poor.

    Examples
    --------
    >>> from cxlib.ab.planning import srm
    >>> check = srm({"control": 50_312, "variant": 49_688})
    >>> check.mismatch, round(check.p_value, 3)
    (False, 0.048)
    >>> srm([10_000, 10_900, 21_100], planned_shares=[0.25, 0.25, 0.5]).mismatch
    True
    """
    level = _in_unit_interval("alpha", alpha)
    counts, labels = _counts(observed_counts)
    k = counts.shape[0]
    shares = _shares(planned_shares, k, labels)
    total = int(counts.sum())
    expected = total * shares
    if (expected < 5).any():
        warnings.warn(
            f"expected counts below 5 ({show_values(expected[expected < 5].round(3))}): the "
            "chi-square approximation of the SRM p-value is poor",
            CxlibWarning,
            stacklevel=2,
        )
    result = stats.chisquare(counts.astype(np.float64), f_exp=expected)
    p_value = float(result.pvalue)
    return SRMResult(
        statistic=float(result.statistic),
        p_value=p_value,
        df=k - 1,
        mismatch=bool(p_value < level),
        alpha=level,
        arms=labels if labels is not None else tuple(str(i) for i in range(k)),
        observed=tuple(int(c) for c in counts),
        expected=tuple(float(e) for e in expected),
        observed_shares=tuple(float(c) / total for c in counts),
        planned_shares=tuple(float(s) for s in shares),
    )


# ----------------------------------------------------------------------------- p-values


def _adjust_sorted(p: FloatArray, method: PValueAdjustment) -> FloatArray:
    """Adjusted p-values of ascending ``p`` (the formulas of statsmodels' multipletests)."""
    m = p.shape[0]
    down = np.arange(m, 0, -1, dtype=np.float64)  # m, m-1, ..., 1
    if method == "bonferroni":
        adj = p * float(m)
    elif method == "sidak":
        with np.errstate(divide="ignore"):  # p = 1 gives log1p(-1) = -inf, adjusted 1
            adj = -np.expm1(m * np.log1p(-p))
    elif method == "holm":  # step-down: running maximum from the smallest p
        adj = np.maximum.accumulate(p * down)
    elif method == "hochberg":  # step-up: running minimum from the largest p
        adj = np.minimum.accumulate((down * p)[::-1])[::-1]
    else:
        ecdf = np.arange(1, m + 1, dtype=np.float64) / float(m)
        if method == "fdr_by":
            ecdf = ecdf / np.sum(1.0 / np.arange(1, m + 1))
        adj = np.minimum.accumulate((p / ecdf)[::-1])[::-1]
    return np.minimum(adj, 1.0)


@overload
def adjust_pvalues(
    p_values: pd.Series[float], method: PValueAdjustment = ...
) -> pd.Series[float]: ...
@overload
def adjust_pvalues(p_values: npt.ArrayLike, method: PValueAdjustment = ...) -> FloatArray: ...
def adjust_pvalues(
    p_values: pd.Series[float] | npt.ArrayLike, method: PValueAdjustment = "holm"
) -> pd.Series[float] | FloatArray:
    """Adjust p-values of several variants or metrics for multiple testing.

    Reject the hypotheses whose adjusted p-value is at most ``alpha``. The results equal
    ``statsmodels.stats.multitest.multipletests(p, method=...)[1]`` (``"hochberg"`` is
    its ``"simes-hochberg"``).

    Parameters
    ----------
    p_values : array-like or pandas.Series
        One p-value per test, in [0, 1]. NaN (a test that could not be run) stays NaN and
        does not count as a test, as in R's ``p.adjust``.
    method : {"holm", "bonferroni", "sidak", "hochberg", "fdr_bh", "fdr_by"}, default "holm"
        Family-wise error rate: ``"holm"`` (Holm's step-down, uniformly more powerful than
        ``"bonferroni"``), ``"sidak"``, ``"hochberg"`` (step-up; needs independent or
        positively dependent tests). False discovery rate: ``"fdr_bh"``
        (Benjamini-Hochberg step-up; independent or positively dependent tests) and
        ``"fdr_by"`` (Benjamini-Yekutieli, any dependence).

    Returns
    -------
    numpy.ndarray or pandas.Series
        Adjusted p-values in the input order, monotone in the raw p-values and capped at
        1; a Series keeps its index and name.

    Examples
    --------
    >>> from cxlib.ab.planning import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.20])
    array([0.04, 0.09, 0.09, 0.2 ])
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.20], method="fdr_bh")
    array([0.04      , 0.05333333, 0.05333333, 0.2       ])
    """
    meth = check_choice("method", method, PVALUE_ADJUSTMENTS)
    p = np.asarray(as_numeric_1d(p_values, "p_values"), dtype=np.float64)
    present = ~np.isnan(p)
    bad = present & ((p < 0.0) | (p > 1.0))
    if bad.any():
        raise ValueError("p_values must lie in [0, 1] (or be NaN); got " + show_values(p[bad]))
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(present)
    if idx.size:
        order = idx[np.argsort(p[idx], kind="stable")]
        out[order] = _adjust_sorted(p[order], meth)
    if isinstance(p_values, pd.Series):
        series: pd.Series[float] = pd.Series(out, index=p_values.index, name=p_values.name)
        return series
    return out
