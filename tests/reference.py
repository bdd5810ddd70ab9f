"""Independent reference implementations used by the tests (not by the library)."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats


def profile_detractor_share(delta: float, pro: float, det: float, n: float) -> float:
    """Maximum-likelihood detractor share under H0: p+ - p- = delta, found numerically.

    Maximises the trinomial log-likelihood over the feasible detractor shares, without the
    closed-form root the library uses.
    """
    lo = max(0.0, -delta)
    hi = (1.0 - delta) / 2.0
    if hi - lo < 1e-15:
        return lo
    pas = n - pro - det

    def negloglik(q: float) -> float:
        terms = [(pro, q + delta), (det, q), (pas, 1.0 - 2.0 * q - delta)]
        return -sum(k * math.log(max(p, 1e-300)) for k, p in terms if k > 0)

    res = optimize.minimize_scalar(
        negloglik, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13}
    )
    return float(res.x)


def score_statistic(delta: float, pro: float, det: float, n: float) -> float:
    """Score statistic for H0: NPS = delta (unit scale) with the numerical nuisance MLE."""
    q = profile_detractor_share(delta, pro, det, n)
    var = n * (2.0 * q + delta - delta * delta)
    num = pro - det - n * delta
    if var <= 0.0:
        return 0.0 if abs(num) < 1e-12 else math.copysign(math.inf, num)
    return num / math.sqrt(var)


def score_interval(
    pro: float, det: float, n: float, confidence_level: float = 0.95
) -> tuple[float, float]:
    """Invert the score test by bracketing root search (unit scale)."""
    z = float(stats.norm.ppf(0.5 + confidence_level / 2.0))
    est = (pro - det) / n
    eps = 1e-9
    if det == n:
        low = -1.0
    else:
        low = optimize.brentq(
            lambda d: score_statistic(d, pro, det, n) - z,
            -1.0 + eps,
            min(est, 1.0 - eps),
            xtol=1e-12,
        )
    if pro == n:
        high = 1.0
    else:
        high = optimize.brentq(
            lambda d: score_statistic(d, pro, det, n) + z,
            max(est, -1.0 + eps),
            1.0 - eps,
            xtol=1e-12,
        )
    return low, high


def nps_brute(answers: np.ndarray, det_max: int = 6, pas_max: int = 8) -> float:
    """NPS in points by counting, one answer at a time."""
    pro = sum(1 for a in answers if a > pas_max)
    det = sum(1 for a in answers if a <= det_max)
    return 100.0 * (pro - det) / len(answers)
