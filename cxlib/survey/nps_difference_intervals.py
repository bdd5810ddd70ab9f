"""Intervals and tests of the difference of two independent Net Promoter Scores.

Three methods, on the unit scale (NPS in [-1, 1], the difference in [-2, 2]),
vectorised over pairs of samples:

- ``"mover"`` (the default of :func:`cxlib.nps_difference`): the method of variance
  estimates recovery (Zou & Donner 2008), Newcombe's (1998) hybrid score interval for
  a difference of proportions carried over to the NPS. Each sample's score interval
  (Tango's interval, :func:`~cxlib.survey.nps_intervals.nps_score`) gives the
  variance of its estimate near each bound, so the difference's interval inherits the
  asymmetry of the two score intervals and their good small-sample coverage. Its
  p-value is the smallest ``alpha`` at which the interval of level ``1 - alpha``
  excludes 0, so that the test and the interval always agree.
- ``"wald"``: ``d +/- z * sqrt(V_a / n_a + V_b / n_b)`` and the z test built on it.
- ``"adjusted-wald"``: the same after Rocks' (2016) 0.75 detractors, 1.5 passives and
  0.75 promoters added to each sample, centred on the adjusted difference, with the z
  test of that adjusted difference (Agresti & Caffo 2000 add pseudo-observations to
  each sample of a difference of proportions in the same way).
"""

from __future__ import annotations

import warnings
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from ..core.errors import DegenerateDataWarning, find_stack_level
from ..core.intervals import normal_test
from .nps_intervals import ADJUSTED_WALD_PSEUDO, nps_score, nps_variance

__all__ = [
    "NPS_DIFFERENCE_METHODS",
    "NPSDifferenceMethod",
    "difference_test",
    "mover_bounds",
    "nps_difference_interval",
    "nps_mover_interval",
    "nps_mover_p_value",
]

FloatArray = npt.NDArray[np.float64]
_T = TypeVar("_T", float, FloatArray)
NPSDifferenceMethod = Literal["mover", "wald", "adjusted-wald"]
NPS_DIFFERENCE_METHODS: tuple[NPSDifferenceMethod, ...] = ("mover", "wald", "adjusted-wald")

# The p-value's root search in z: at z = 40 the two-sided p-value is below 1e-300.
_Z_MAX = 40.0
_BISECTIONS = 64


def mover_bounds(
    est_a: npt.ArrayLike,
    low_a: npt.ArrayLike,
    high_a: npt.ArrayLike,
    est_b: npt.ArrayLike,
    low_b: npt.ArrayLike,
    high_b: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """MOVER interval of ``theta_a - theta_b`` from each estimate's own interval.

    ``L = d - sqrt((a - l_a)**2 + (u_b - b)**2)`` and
    ``U = d + sqrt((u_a - a)**2 + (b - l_b)**2)`` with ``d = a - b`` (Newcombe 1998,
    method 10; Zou & Donner 2008, eq. 5).

    Examples
    --------
    >>> from cxlib.core.intervals import proportion_interval
    >>> from cxlib.survey.nps_difference_intervals import mover_bounds
    >>> la, ua = proportion_interval("wilson", 56 / 70, 70, 0.95)
    >>> lb, ub = proportion_interval("wilson", 48 / 80, 80, 0.95)
    >>> low, high = mover_bounds(56 / 70, la, ua, 48 / 80, lb, ub)
    >>> round(float(low), 4), round(float(high), 4)  # Newcombe (1998), Table II
    (0.0524, 0.3339)
    """
    a, b = np.asarray(est_a, dtype=np.float64), np.asarray(est_b, dtype=np.float64)
    la, ua = np.asarray(low_a, dtype=np.float64), np.asarray(high_a, dtype=np.float64)
    lb, ub = np.asarray(low_b, dtype=np.float64), np.asarray(high_b, dtype=np.float64)
    d = a - b
    return d - np.hypot(a - la, ub - b), d + np.hypot(ua - a, b - lb)


def nps_mover_interval(
    shares_a: tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike],
    shares_b: tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike],
    z: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """MOVER interval of ``NPS_a - NPS_b`` (unit scale) from the two score intervals.

    ``shares_a`` and ``shares_b`` are ``(p_promoters, p_detractors, n)`` of each
    sample; ``z`` the normal quantile of each bound (``1.96`` for a two-sided 95 %
    interval), which may differ per pair. The bounds lie in [-2, 2].
    """
    pa, da, na = (np.asarray(x, dtype=np.float64) for x in shares_a)
    pb, db, nb = (np.asarray(x, dtype=np.float64) for x in shares_b)
    zz = np.asarray(z, dtype=np.float64)
    pa, da, na, pb, db, nb, zz = np.broadcast_arrays(pa, da, na, pb, db, nb, zz)
    low_a, high_a = _score_at(pa, da, na, zz)
    low_b, high_b = _score_at(pb, db, nb, zz)
    low, high = mover_bounds(pa - da, low_a, high_a, pb - db, low_b, high_b)
    return np.clip(low, -2.0, 2.0), np.clip(high, -2.0, 2.0)


def _score_at(
    p_pro: FloatArray, p_det: FloatArray, n: FloatArray, z: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The score interval with a quantile ``z`` per element (one call per distinct z)."""
    if z.size and np.all(z == z.flat[0]):
        return nps_score(p_pro, p_det, n, float(z.flat[0]))
    # Tango's statistic is linear in neither z nor delta: solve each element with its z
    # through a shared search, by scaling n (T grows as sqrt(n), so T = z at n is
    # T = 1 at n / z**2); z = 0 gives the estimate itself.
    positive = z > 0.0
    scaled_n = np.where(positive, n / np.where(positive, z, 1.0) ** 2, n)
    low, high = nps_score(p_pro, p_det, scaled_n, 1.0)
    est = p_pro - p_det
    return np.where(positive, low, est), np.where(positive, high, est)


def nps_mover_p_value(
    shares_a: tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike],
    shares_b: tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike],
) -> tuple[FloatArray, FloatArray]:
    """Two-sided p-value of H0: NPS_a = NPS_b that agrees with the MOVER interval.

    The p-value is the smallest ``alpha`` whose two-sided MOVER interval of level
    ``1 - alpha`` excludes 0: for ``d > 0`` the root ``z*`` of ``L(z) = 0`` (``L`` falls
    as ``z`` grows, from ``L(0) = d``), for ``d < 0`` that of ``U(z) = 0``, and
    ``p = 2 * Phi(-z*)``; ``p = 1`` at ``d = 0``. The roots of all pairs are found at
    once by bisection on ``z`` in [0, 40] (:func:`cxlib.nps_difference` solves its
    single pair with :func:`scipy.optimize.brentq`). Returns ``(z_signed, p)`` where
    ``z_signed = sign(d) * z*`` is the z value whose two-sided normal p-value is ``p``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import optimize, special
    >>> from cxlib.survey.nps_difference_intervals import nps_mover_interval, nps_mover_p_value
    >>> a, b = (0.6, 0.1, 40), (0.35, 0.3, 50)
    >>> z, p = nps_mover_p_value(a, b)
    >>> low, high = nps_mover_interval(a, b, special.ndtri(1 - p / 2))  # the level 1 - p
    >>> round(float(p), 6), round(float(low), 9)  # ... whose lower bound is 0
    (0.00705, 0.0)
    """
    pa, da, na = (np.asarray(x, dtype=np.float64) for x in shares_a)
    pb, db, nb = (np.asarray(x, dtype=np.float64) for x in shares_b)
    pa, da, na, pb, db, nb = np.broadcast_arrays(pa, da, na, pb, db, nb)
    d = (pa - da) - (pb - db)
    ok = np.isfinite(d) & (na > 0) & (nb > 0)
    sign = np.where(d > 0, 1.0, -1.0)
    lo = np.zeros(d.shape)
    hi = np.full(d.shape, _Z_MAX)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        low, high = nps_mover_interval((pa, da, na), (pb, db, nb), np.where(ok, mid, 1.0))
        # The bound on the side of 0: still excluding 0 means the root lies further out.
        excludes = np.where(d > 0, low > 0.0, high < 0.0)
        lo, hi = np.where(excludes, mid, lo), np.where(excludes, hi, mid)
    z_star = 0.5 * (lo + hi)
    p = np.where(d == 0, 1.0, 2.0 * special.ndtr(-z_star))
    z_signed = np.where(d == 0, 0.0, sign * z_star)
    return np.where(ok, z_signed, np.nan), np.where(ok, p, np.nan)


def _adjusted(p_pro: _T, p_det: _T, n: _T) -> tuple[_T, _T, _T]:
    """Rocks' adjusted sample ``(p_pro', p_det', n')``: 0.75 detractors, 1.5 passives
    and 0.75 promoters added."""
    det, pas, pro = ADJUSTED_WALD_PSEUDO
    n_adj = n + (det + pas + pro)
    return (p_pro * n + pro) / n_adj, (p_det * n + det) / n_adj, n_adj


def difference_test(
    method: NPSDifferenceMethod,
    shares_a: tuple[float, float, float],
    shares_b: tuple[float, float, float],
    alternative: Literal["two-sided", "less", "greater"],
    confidence_level: float,
) -> tuple[float, float, float, float]:
    """``(statistic, p_value, low, high)`` of one pair, on the unit scale.

    ``shares_a`` and ``shares_b`` are ``(p_promoters, p_detractors, n)``. Wald and
    adjusted Wald are :func:`~cxlib.core.intervals.normal_test` of their difference
    and standard error (a zero Wald standard error warns and gives NaN). For MOVER, a
    one-sided alternative takes the one-sided bound of level ``confidence_level`` and
    opens the other side at -2 or 2; its p-value is half the two-sided one on the side
    of the estimate and ``1 - p / 2`` on the other, which keeps test and interval in
    agreement.
    """
    pa, da, na = shares_a
    pb, db, nb = shares_b
    if not (na > 0 and nb > 0):
        return np.nan, np.nan, np.nan, np.nan
    if method != "mover":
        if method == "adjusted-wald":
            (pa, da, na), (pb, db, nb) = _adjusted(pa, da, na), _adjusted(pb, db, nb)
        d = (pa - da) - (pb - db)
        se = float(np.sqrt(nps_variance(pa, da) / na + nps_variance(pb, db) / nb))
        if np.isfinite(d) and not se > 0:
            warnings.warn(
                "the standard error of the NPS difference is zero (each sample falls in one "
                "category): statistic, p-value and interval are undefined (NaN)",
                DegenerateDataWarning,
                stacklevel=find_stack_level(),
            )
        return normal_test(
            d, se, alternative=alternative, confidence_level=confidence_level, bounds=(-2.0, 2.0)
        )
    d = (pa - da) - (pb - db)
    z_signed, p_two = _p_value_one(shares_a, shares_b, d)
    if alternative == "two-sided":
        z = float(special.ndtri(0.5 + confidence_level / 2.0))
        low, high = (float(x) for x in nps_mover_interval(shares_a, shares_b, z))
        return z_signed, p_two, low, high
    z = float(special.ndtri(confidence_level))
    low, high = (float(x) for x in nps_mover_interval(shares_a, shares_b, z))
    toward = d > 0 if alternative == "greater" else d < 0
    p = p_two / 2.0 if toward else 1.0 - p_two / 2.0
    if alternative == "greater":
        return z_signed, p, low, 2.0
    return z_signed, p, -2.0, high


def _p_value_one(
    shares_a: tuple[float, float, float], shares_b: tuple[float, float, float], d: float
) -> tuple[float, float]:
    """:func:`nps_mover_p_value` of one pair, by Brent's method on ``z``."""
    if not np.isfinite(d):
        return np.nan, np.nan
    if d == 0:
        return 0.0, 1.0

    def near_bound(z: float) -> float:  # decreasing in z, d at z = 0
        low, high = nps_mover_interval(shares_a, shares_b, z)
        return float(low) if d > 0 else -float(high)

    if near_bound(0.0) <= 0.0:  # d is rounding noise: the estimates agree
        return 0.0, 1.0
    if near_bound(_Z_MAX) > 0.0:
        z_star = _Z_MAX
    else:
        z_star = optimize.brentq(near_bound, 0.0, _Z_MAX, xtol=1e-12)
    return float(np.copysign(z_star, d)), float(2.0 * special.ndtr(-z_star))


def nps_difference_interval(
    method: NPSDifferenceMethod,
    shares_a: tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike],
    shares_b: tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike],
    confidence_level: float,
) -> tuple[FloatArray, FloatArray]:
    """Two-sided interval of ``NPS_a - NPS_b`` (unit scale) for many pairs at once.

    ``shares_a`` and ``shares_b`` are ``(p_promoters, p_detractors, n)`` arrays; the
    bounds are those of :func:`cxlib.nps_difference` with the same ``ci_method`` (NaN
    where a Wald standard error is zero).
    """
    z = float(special.ndtri(0.5 + confidence_level / 2.0))
    if method == "mover":
        return nps_mover_interval(shares_a, shares_b, z)
    pa, da, na = (np.asarray(x, dtype=np.float64) for x in shares_a)
    pb, db, nb = (np.asarray(x, dtype=np.float64) for x in shares_b)
    if method == "adjusted-wald":
        (pa, da, na), (pb, db, nb) = _adjusted(pa, da, na), _adjusted(pb, db, nb)
    d = (pa - da) - (pb - db)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(nps_variance(pa, da) / na + nps_variance(pb, db) / nb)
    half = np.where(se > 0, z * se, np.nan)
    return np.clip(d - half, -2.0, 2.0), np.clip(d + half, -2.0, 2.0)
