"""Posterior families of the Bayesian A/B comparisons and their decision quantities.

The chance to beat control, the probability to be best and the expected loss of
independent Beta or normal posteriors (see :mod:`cxlib.ab.bayes` for the formulas).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import integrate, special

FloatArray: TypeAlias = npt.NDArray[np.float64]

# Posterior mass left out at each end of a quadrature range (its effect is below 1e-15).
_TAIL = 1e-15
# Largest number of terms of Miller's finite sum; beyond it, quadrature is used.
_MAX_SUM_TERMS = 100_000
_QUAD_EPSREL = 1e-10
_QUAD_LIMIT = 500


# --------------------------------------------------------------------------------------
# Posterior families, vectorised over arms
# --------------------------------------------------------------------------------------


class _Posteriors:
    """Independent posteriors of ``k`` arms of one family (parameters ``p1``, ``p2``)."""

    def __init__(self, p1: FloatArray, p2: FloatArray) -> None:
        self.p1: FloatArray = np.asarray(p1, dtype=np.float64)
        self.p2: FloatArray = np.asarray(p2, dtype=np.float64)

    @property
    def k(self) -> int:
        return int(self.p1.shape[0])

    def subset(self, index: Sequence[int]) -> _Posteriors:
        idx = list(index)
        return type(self)(self.p1[idx], self.p2[idx])

    def mean(self) -> FloatArray:
        raise NotImplementedError

    def sd(self) -> FloatArray:
        raise NotImplementedError

    def cdf(self, x: float) -> FloatArray:
        raise NotImplementedError

    def sf(self, x: float) -> FloatArray:
        raise NotImplementedError

    def ppf(self, q: float) -> FloatArray:
        raise NotImplementedError

    def isf(self, q: float) -> FloatArray:
        raise NotImplementedError

    def ppf_one(self, q: float, j: int) -> float:
        raise NotImplementedError

    def draw(self, rng: np.random.Generator, size: int) -> FloatArray:
        raise NotImplementedError


class _BetaPosteriors(_Posteriors):
    """``Beta(alpha, beta)`` posteriors: ``p1`` is alpha, ``p2`` is beta."""

    def mean(self) -> FloatArray:
        return self.p1 / (self.p1 + self.p2)

    def sd(self) -> FloatArray:
        a, b = self.p1, self.p2
        return np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))

    def cdf(self, x: float) -> FloatArray:
        return np.asarray(special.betainc(self.p1, self.p2, x), dtype=np.float64)

    def sf(self, x: float) -> FloatArray:
        return np.asarray(special.betaincc(self.p1, self.p2, x), dtype=np.float64)

    def ppf(self, q: float) -> FloatArray:
        return np.asarray(special.betaincinv(self.p1, self.p2, q), dtype=np.float64)

    def isf(self, q: float) -> FloatArray:
        return np.asarray(special.betainccinv(self.p1, self.p2, q), dtype=np.float64)

    def ppf_one(self, q: float, j: int) -> float:
        return float(special.betaincinv(self.p1[j], self.p2[j], q))

    def draw(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.stack([rng.beta(a, b, size) for a, b in zip(self.p1, self.p2, strict=True)])


class _NormalPosteriors(_Posteriors):
    """``N(mean, sd**2)`` posteriors: ``p1`` is the mean, ``p2`` the standard deviation."""

    def mean(self) -> FloatArray:
        return np.array(self.p1, dtype=np.float64)

    def sd(self) -> FloatArray:
        return np.array(self.p2, dtype=np.float64)

    def cdf(self, x: float) -> FloatArray:
        return np.asarray(special.ndtr((x - self.p1) / self.p2), dtype=np.float64)

    def sf(self, x: float) -> FloatArray:
        return np.asarray(special.ndtr((self.p1 - x) / self.p2), dtype=np.float64)

    def ppf(self, q: float) -> FloatArray:
        return self.p1 + self.p2 * float(special.ndtri(q))

    def isf(self, q: float) -> FloatArray:
        return self.p1 - self.p2 * float(special.ndtri(q))

    def ppf_one(self, q: float, j: int) -> float:
        return float(self.p1[j] + self.p2[j] * special.ndtri(q))

    def draw(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.stack([rng.normal(m, s, size) for m, s in zip(self.p1, self.p2, strict=True)])


# --------------------------------------------------------------------------------------
# Closed forms and quadrature
# --------------------------------------------------------------------------------------


def _miller_h(a: float, b: float, c: float, d: float) -> float:
    """``P(Y > X)`` for ``X ~ Beta(a, b)``, ``Y ~ Beta(c, d)`` and a whole number ``c``.

    Miller (2015), eq. for binary outcomes::

        P(Y > X) = sum_{i=0}^{c-1} B(a + i, b + d) / ((d + i) B(1 + i, d) B(a, b)),

    summed in log space. Only ``c`` needs to be a whole number: the sum follows from the
    recursion in ``c`` that starts at ``P(Beta(0, d) > X) = 0``.
    """
    i = np.arange(int(c), dtype=np.float64)
    log_terms = (
        special.betaln(a + i, b + d)
        - np.log(d + i)
        - special.betaln(1.0 + i, d)
        - special.betaln(a, b)
    )
    return float(np.exp(special.logsumexp(log_terms)))


def _is_whole(x: float) -> bool:
    return math.isfinite(x) and float(x).is_integer() and x >= 1


def _beta_chance_sum(a_c: float, b_c: float, a_v: float, b_v: float) -> float | None:
    """``P(X_v > X_c)`` for Beta posteriors by Miller's finite sum, or None.

    Any of the four parameters that is a whole number can index the sum (with
    ``1 - X ~ Beta(beta, alpha)`` and ``P(X_v > X_c) = 1 - P(X_c > X_v)``); the
    smallest one is used. None when no parameter is a whole number below the term cap.
    """
    forms: list[tuple[float, bool, tuple[float, float, float, float]]] = [
        (a_v, False, (a_c, b_c, a_v, b_v)),
        (b_c, False, (b_v, a_v, b_c, a_c)),
        (a_c, True, (a_v, b_v, a_c, b_c)),
        (b_v, True, (b_c, a_c, b_v, a_v)),
    ]
    usable = [f for f in forms if _is_whole(f[0]) and f[0] <= _MAX_SUM_TERMS]
    if not usable:
        return None
    _, complement, args = min(usable, key=lambda f: (f[0], f[1]))
    h = _miller_h(*args)
    return min(max(1.0 - h if complement else h, 0.0), 1.0)


def _quad(
    func: Callable[[float], float], low: float, high: float, points: Sequence[float], epsabs: float
) -> float:
    """Adaptive quadrature (QUADPACK) that never warns; breakpoints help narrow features."""
    inner = sorted({float(p) for p in points if low < p < high and math.isfinite(p)})
    out = integrate.quad(
        func,
        low,
        high,
        points=inner or None,
        epsabs=epsabs,
        epsrel=_QUAD_EPSREL,
        limit=_QUAD_LIMIT,
        full_output=1,
    )
    return float(out[0])


def _probability_best_quad(post: _Posteriors, j: int) -> float:
    """``P(X_j > X_i for all i != j) = int f_j(x) prod_i F_i(x) dx`` by quadrature.

    Integrated over the probability scale of arm ``j`` (``x = F_j^{-1}(u)``), where the
    integrand ``prod_i F_i(F_j^{-1}(u))`` is bounded by 1 and monotone, whatever the
    shape of the posteriors.
    """
    others = np.arange(post.k) != j

    def integrand(u: float) -> float:
        return float(np.prod(post.cdf(post.ppf_one(u, j))[others]))

    single = post.subset([j])
    points = [float(single.cdf(float(m))[0]) for m in post.mean()[others]]
    value = _quad(integrand, 0.0, 1.0, points, epsabs=1e-13)
    return min(max(value, 0.0), 1.0)


def _expected_loss_quad(post: _Posteriors, j: int) -> float:
    """``E[max(max_i X_i - X_j, 0)] = int F_j(x) (1 - prod_{i != j} F_i(x)) dx``.

    (``E[max_all] - E[X_j]`` written as one integral of a bounded, non-negative
    integrand, so that small losses keep their relative precision.)
    """
    others = np.arange(post.k) != j
    low = float(post.ppf(_TAIL)[j])
    high = float(np.max(post.isf(_TAIL)[others]))
    if not high > low:
        return 0.0

    def integrand(x: float) -> float:
        f_j = float(post.cdf(x)[j])
        # 1 - prod F_i = -expm1(sum log1p(-S_i)): exact when every survival S_i is small.
        with np.errstate(divide="ignore"):
            log_g = float(np.sum(np.log1p(-post.sf(x)[others])))
        return f_j * -math.expm1(log_g)

    scale = float(np.max(post.sd()))
    value = _quad(integrand, low, high, list(post.mean()), epsabs=1e-13 * scale)
    return max(value, 0.0)


def _chance_pair(post: _Posteriors, c: int, v: int) -> tuple[float, str]:
    """``P(X_v > X_c)`` and the name of the method."""
    if isinstance(post, _BetaPosteriors):
        exact = _beta_chance_sum(post.p1[c], post.p2[c], post.p1[v], post.p2[v])
        if exact is not None:
            return exact, "exact sum (Miller 2015)"
        return _probability_best_quad(post.subset([c, v]), 1), "quadrature"
    mu = post.p1[v] - post.p1[c]
    sigma = math.hypot(post.p2[v], post.p2[c])
    return float(special.ndtr(mu / sigma)), "closed form"


def _loss_pair(post: _Posteriors) -> tuple[FloatArray, str]:
    """Expected losses ``(E[(X_1 - X_0)^+], E[(X_0 - X_1)^+])`` of two arms."""
    m = post.mean()
    if isinstance(post, _NormalPosteriors):
        mu = float(m[1] - m[0])
        sigma = math.hypot(*post.sd())
        z = mu / sigma
        dens = sigma * math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
        losses = [dens + mu * special.ndtr(z), dens - mu * special.ndtr(-z)]
        return np.maximum(losses, 0.0), "closed form"
    a, b = post.p1, post.p2
    # E[(Y - X)^+] = E[Y 1{Y > X}] - E[X 1{Y > X}], and E[Y 1{Y > X}] = m_Y P(Y' > X)
    # with Y' ~ Beta(a_Y + 1, b_Y) (Stucchio 2014; Miller 2015).
    parts = [
        _beta_chance_sum(a[0], b[0], a[1] + 1.0, b[1]),
        _beta_chance_sum(a[0] + 1.0, b[0], a[1], b[1]),
        _beta_chance_sum(a[1], b[1], a[0] + 1.0, b[0]),
        _beta_chance_sum(a[1] + 1.0, b[1], a[0], b[0]),
    ]
    if all(p is not None for p in parts):
        p1, p2, p3, p4 = (float(p) for p in parts if p is not None)
        loss_0 = m[1] * p1 - m[0] * p2
        loss_1 = m[0] * p3 - m[1] * p4
        return np.maximum([loss_0, loss_1], 0.0), "exact sum (Miller 2015)"
    return np.array([_expected_loss_quad(post, 0), _expected_loss_quad(post, 1)]), "quadrature"
