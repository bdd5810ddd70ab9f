"""Planning A/B tests: sample size and duration.

Planning answers "how many visitors do we need?" before an experiment starts; the checks
guard its analysis.

- :func:`sample_size` -- visitors per arm to detect a minimum detectable effect (MDE)
  with a given power, for a conversion rate (proportions) or a mean with a known
  standard deviation (e.g. revenue per visitor), any allocation ratio and several
  variants against one control;
- :func:`~cxlib.ab.minimum_detectable_effect` -- the inverse: the smallest effect a
  given number of visitors detects (:mod:`cxlib.ab.sensitivity`);
- :func:`~cxlib.ab.power` -- the power of the test at a given number of visitors
  (:mod:`cxlib.ab.sensitivity`);
- :func:`duration` -- days of traffic a sample size needs;
- :func:`~cxlib.ab.srm` -- the sample-ratio-mismatch check (chi-square goodness of fit
  of the arm counts to the planned split; :mod:`cxlib.ab.checks`);
- :func:`~cxlib.ab.adjust_pvalues` -- Holm, Benjamini-Hochberg and other multiple-testing
  corrections when several variants or metrics are compared (:mod:`cxlib.ab.multiplicity`).

The power formulas behind all of them are described in :mod:`cxlib.ab._design`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.results import Result, html_rows
from ..core.validation import Alternative, check_bool, check_choice
from ._design import (
    CORRECTIONS,
    SAMPLE_SIZE_METHODS,
    Correction,
    FloatArray,
    SampleSizeMethod,
    _check_n,
    _check_power,
    _delta,
    _design,
    _pct,
    _positive,
    _positive_int,
    _real,
    _round_up,
    _solve_n1,
)
from .group_sequential import SPENDING_FUNCTIONS, Spending, _sequential_power, group_sequential

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CORRECTIONS",
    "SAMPLE_SIZE_METHODS",
    "Correction",
    "SampleSize",
    "SampleSizeMethod",
    "duration",
    "sample_size",
]


@dataclass(frozen=True)
class SampleSize(Result):
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
    looks : int or None
        Number of planned looks of a group-sequential test (None: one fixed-horizon
        analysis); the arm sizes are then the maximum sample sizes.
    spending : str or None
        Alpha-spending function of the group-sequential test.
    inflation_factor : float
        Maximum over fixed-horizon sample size (1 without looks).
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
    looks: int | None = None
    spending: str | None = None
    inflation_factor: float = 1.0

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
        looks = "" if self.looks is None else (
            f" · {self.looks} looks, {self.spending} spending (x {self.inflation_factor:.4f})"
        )  # fmt: skip
        return (
            f"Sample size {arms} = {self.total:,} visitors · {shift}, {effect} · "
            f"{self.alternative} {alpha}, power {_pct(self.power)} · {self.method}{looks}"
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return html_rows(str(self), self._attributes())

    def power_at(self, n: npt.ArrayLike) -> FloatArray:
        """Power of each comparison for the planned effect with ``n`` control visitors.

        Each variant has ``ratio * n`` visitors; the design (test, alpha per comparison,
        alternative) is the plan's. ``power_at(n_control)`` is :attr:`achieved_power`.

        Examples
        --------
        >>> plan = sample_size(0.05, 0.10)
        >>> plan.power_at([plan.n_control, 2 * plan.n_control]).round(3)
        array([0.8  , 0.977])
        """
        design, _, _, _ = _design(
            self.baseline, sd=self.sd, alternative=self.alternative, alpha=self.alpha,
            ratio=self.ratio, n_variants=self.n_variants, correction=self.correction,
            method=self.method,
        )  # fmt: skip
        # The change in the tested direction: downwards for alternative="less".
        delta = -self.difference if self.alternative == "less" else self.difference
        values, _ = _check_n(np.atleast_1d(np.asarray(n, dtype=np.float64)), design)
        return np.array([design.power(delta, v, design.ratio * v) for v in values])

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Power against visitors per arm (:func:`cxlib.plotting.power_curve`)."""
        from ..plotting import power_curve

        return power_curve(self, ax=ax, **kwargs)


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
    looks: int | Sequence[float] | None = None,
    spending: Spending = "obrien-fleming",
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
    looks : int or sequence of float, optional
        Plan a group-sequential test with this many equally spaced looks (or looks at
        these information fractions, ending at 1): each arm is the fixed-horizon size
        times the design's ``inflation_factor``, the maximum sample if no look stops the
        test (see :func:`group_sequential`).
    spending : {"obrien-fleming", "pocock"}, default "obrien-fleming"
        Alpha-spending function of the group-sequential test (with ``looks``).

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

    >>> from cxlib.ab import sample_size
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

    Five interim looks with O'Brien-Fleming-type spending need 2.5 % more visitors:

    >>> sample_size(0.05, 0.10, looks=5).n_control
    32006
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
    check_choice("spending", spending, SPENDING_FUNCTIONS)
    plan = None
    if looks is not None:  # the maximum sample of a group-sequential test
        plan = group_sequential(looks, alpha=design.alpha, spending=spending,
                                alternative=design.alternative, power=target)  # fmt: skip
        n1 *= plan.inflation_factor
    n_control, n_variant = _round_up(n1), _round_up(design.ratio * n1)
    achieved = design.power(delta, n_control, n_variant)
    if plan is not None:
        factor = plan.inflation_factor
        achieved = _sequential_power(
            plan, design.power(delta, n_control / factor, n_variant / factor)
        )
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
        achieved_power=achieved,
        alternative=design.alternative,
        ratio=design.ratio,
        method=design.method,
        correction=corr,
        looks=None if plan is None else plan.looks,
        spending=None if plan is None else plan.spending,
        inflation_factor=1.0 if plan is None else plan.inflation_factor,
    )


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
        ``total``; with ``looks=`` the maximum sample, so the longest duration).
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
    >>> from cxlib.ab import duration, sample_size
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
