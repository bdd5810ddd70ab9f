"""When the normal (and bootstrap) intervals of a difference of means can be trusted.

Welch's interval of a difference of means, and Fieller's interval of the lift built on
the same statistic, rest on the normal approximation of ``D = mean_v - mean_c``. Its
first error is the skewness of ``D``, ``kappa_3(D) / se**3`` with
``kappa_3(D) = mu_3,v / n_v**2 - mu_3,c / n_c**2`` (Edgeworth expansion of the
studentized statistic; Hall 1992, ch. 2). For one mean this is ``g / sqrt(n)`` (``g``
the skewness of the per-unit values), and Kohavi, Deng, Longbotham & Xu (2014, rule 7)
ask for ``n > 355 g**2``, i.e. a skewness of the mean below ``1 / sqrt(355)``.

For two arms with values of one shape (the usual null and near-null case), the
skewness of the difference is ``g sigma**3 (1 / n_v**2 - 1 / n_c**2) / se**3``: it
cancels between arms of equal size, which is why the intervals keep their coverage
there even for revenue with a skewness in the hundreds, and it does not cancel when
the arms differ in size (a 10 / 90 split). :func:`skewness_warning` estimates it with
the third centred moment pooled over both arms (far less noisy than the difference
of two third moments dominated each by its largest value) and warns above
``1 / sqrt(355)``, naming the arm sizes, at the same split, from which it falls below.

The bootstrap intervals (percentile, basic, BCa) resample each arm and inherit the
skewness of each arm's mean rather than of the difference (BCa covers 84 % with
revenue of lognormal sigma = 2 and equal arms of 1,000): for them the rule is applied
per arm, ``n > 355 g**2``.

References
----------
.. [1] P. Hall (1992), *The Bootstrap and Edgeworth Expansion*, Springer.
.. [2] R. Kohavi, A. Deng, R. Longbotham and Y. Xu (2014), "Seven rules of thumb for
   web site experimenters", KDD '14, pp. 1857-1866,
   https://doi.org/10.1145/2623330.2623341
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..core.errors import CoverageWarning, find_stack_level
from ..core.lift import FloatArray
from ..core.statistics import CentredMoments

__all__ = ["KOHAVI_FACTOR", "skewness_warning", "trusted_sizes"]

#: Kohavi et al. (2014), rule 7: ``n > 355 * skewness**2``.
KOHAVI_FACTOR = 355.0


def trusted_sizes(
    control: CentredMoments, variant: CentredMoments, per_arm: bool
) -> tuple[FloatArray, FloatArray]:
    """Arm sizes from which the skewness rule holds, per comparison (NaN without M3).

    ``per_arm``: each arm on its own (``355 g**2``, the bootstrap); otherwise the
    skewness of the difference with a pooled third moment, scaled at the same split.
    Sizes at or below the actual ones mean the rule holds.
    """
    n_c, n_v = control.n, variant.n
    if control.m3 is None or variant.m3 is None:
        nan = np.full(n_c.shape, np.nan)
        return nan, nan
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if per_arm:
            g_c, g_v = control.skewness(), variant.skewness()
            return KOHAVI_FACTOR * g_c**2, KOHAVI_FACTOR * g_v**2
        var_c, var_v = (m.variance(0) / m.n for m in (control, variant))
        se = np.sqrt(var_c + var_v)
        mu3 = (control.m3[:, 0] + variant.m3[:, 0]) / (n_c + n_v)
        gamma = mu3 * (1.0 / n_v**2 - 1.0 / n_c**2) / se**3
        # The skewness of the difference shrinks as 1 / sqrt(size) at a fixed split.
        scale = KOHAVI_FACTOR * gamma**2
        ok = np.isfinite(scale)
        return np.where(ok, scale * n_c, np.nan), np.where(ok, scale * n_v, np.nan)


def skewness_warning(
    control: CentredMoments, variant: CentredMoments, *, method: str, level: float
) -> None:
    """One :class:`~cxlib.CoverageWarning` for the comparisons the rule says are too
    small (per element of the summaries; nothing without third moments)."""
    per_arm = method in ("percentile", "basic", "bca")
    need_c, need_v = trusted_sizes(control, variant, per_arm)
    with np.errstate(invalid="ignore"):
        short = (need_c > control.n) | (need_v > variant.n)
    k = int(short.sum())
    if not k:
        return
    i = int(np.flatnonzero(short)[np.argmax((need_c + need_v)[short])])
    size_c, size_v = (math.ceil(float(x)) for x in (need_c[i], need_v[i]))
    which = "the comparison" if short.size == 1 else f"{k:,} of {short.size:,} comparisons"
    if per_arm:
        g = max(abs(float(control.skewness()[i])), abs(float(variant.skewness()[i])))
        reason = (
            f"the {method} bootstrap resamples values with a skewness of {g:.3g}: it "
            f"can be trusted from about {max(size_c, size_v):,} units per arm (Kohavi et "
            "al. 2014: n > 355 * skewness**2 per arm); Welch's interval (the default) "
            "holds its coverage with arms of equal size"
        )
    else:
        reason = (
            f"the per-unit values are skewed and the arms differ in size ({control.n[i]:,.0f}"
            f" control, {variant.n[i]:,.0f} variant units), so the skewness does not cancel "
            "in the difference: the interval can be trusted from about "
            f"{size_c:,} control and {size_v:,} variant units at this split (skewness of "
            "the difference below 1/sqrt(355), the rule of Kohavi et al. 2014), or with "
            "arms of equal size"
        )
    warnings.warn(
        f"the {level:.0%} intervals of the difference and the lift may cover less than "
        f"{level:.0%} for {which}: {reason}",
        CoverageWarning,
        stacklevel=find_stack_level(),
    )
