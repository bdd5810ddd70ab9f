"""Bayesian A/B comparisons: chance to beat control, probability to be best, expected loss.

The Bayesian view of an A/B(/n) test in the style of VWO SmartStats: each arm's metric
gets a posterior distribution, and the decision quantities are read off the posteriors.

- :func:`bayesian_proportions` -- conversion rates. Each arm's rate has the conjugate
  Beta-Binomial posterior ``Beta(prior_alpha + successes, prior_beta + failures)``.
- :func:`bayesian_means` -- means of a per-unit value (revenue per visitor, a score). Each
  arm's mean has the large-sample posterior under a flat prior, ``N(mean, sd**2 / n)``.

For every arm the result holds

- ``chance_to_beat_control``: ``P(X_variant > X_control)``, per variant;
- ``probability_best``: ``P(X_arm > X_other for every other arm)``, per arm;
- ``expected_loss``: ``E[max(max_other X_other - X_arm, 0)]``, the rate (or mean)
  expected to be given up by shipping that arm, in the metric's units (fractions of 1
  for rates);
- ``lift`` and ``lift_ci``: the relative lift ``(X_variant - X_control) / |X_control|``
  and its equal-tailed credible interval, per variant.

How they are computed (closed forms where they exist, deterministic quadrature
otherwise; Monte Carlo only for the lift interval):

========================  ======================================  ==========================
quantity                  Beta posteriors                         normal posteriors
========================  ======================================  ==========================
chance to beat control    Miller's finite sum (one parameter a    ``Phi(mu / sigma)``
                          whole number), else quadrature
probability best, 2 arms  from the chance to beat control         from the chance
probability best, k arms  quadrature of ``f_j prod_i F_i``        the same
expected loss, 2 arms     Miller's sums via the identity          ``sigma phi(mu / sigma)
                          ``E[Y 1{Y > X}] = m_Y P(Y' > X)``       + mu Phi(mu / sigma)``
expected loss, k arms     quadrature of ``F_j (1 - prod_i F_i)``  the same
lift interval             posterior draws (seeded ``rng``)        the same
========================  ======================================  ==========================

Here ``mu`` and ``sigma`` are the mean and standard deviation of the difference
``X_variant - X_control`` of two independent normal posteriors.

References
----------
.. [1] E. Miller (2015), "Formulas for Bayesian A/B testing",
   https://www.evanmiller.org/bayesian-ab-testing.html
.. [2] C. Stucchio (2015), "Bayesian A/B testing at VWO" (VWO SmartStats white paper);
   "Easy evaluation of decision rules in Bayesian A/B testing" (2014),
   https://www.chrisstucchio.com/blog/2014/bayesian_ab_decision_rule.html
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, TypeAlias, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import integrate, special

from ..core.errors import DegenerateDataWarning
from ..core.results import ConfidenceInterval, _digits, _fmt, _level
from ..core.statistics import MeanStats
from ..core.validation import (
    as_generator,
    check_confidence_level,
    check_nan_policy,
)
from ._arms import count_pair as _count_pair
from ._arms import is_number as _is_number
from ._arms import is_pair_like as _is_pair_like
from ._arms import unit_values
from ._arms import whole as _whole

__all__ = ["BayesianComparison", "MeanSummary", "bayesian_means", "bayesian_proportions"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
# ``(successes, trials)``: whole numbers, as a tuple, a list or a numpy array.
CountPair: TypeAlias = "Sequence[float] | npt.NDArray[Any]"

# Posterior mass left out at each end of a quadrature range (its effect is below 1e-15).
_TAIL = 1e-15
# Largest number of terms of Miller's finite sum; beyond it, quadrature is used.
_MAX_SUM_TERMS = 100_000
_QUAD_EPSREL = 1e-10
_QUAD_LIMIT = 500


class MeanSummary(NamedTuple):
    """Summary statistics of one arm for :func:`bayesian_means`.

    Attributes
    ----------
    n : int
        Number of units (at least 2).
    mean : float
        Sample mean of the per-unit values.
    sd : float
        Sample standard deviation (``ddof=1``) of the per-unit values.
    """

    n: int
    mean: float
    sd: float


MeanArm: TypeAlias = "npt.ArrayLike | MeanSummary | MeanStats | tuple[int, float, float]"


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


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


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BayesianComparison:
    """Posterior decision quantities of an A/B(/n) test, one entry per arm.

    Every per-arm attribute is a read-only mapping from the arm name to its value, in
    the order of :attr:`arms` (the control first).

    Attributes
    ----------
    metric : str
        ``"proportion"`` (rates as fractions of 1) or ``"mean"``.
    model : str
        ``"beta-binomial"`` or ``"normal approximation"``.
    arms : tuple of str
        Arm names, the control first.
    n : Mapping[str, int]
        Trials (proportions) or units (means) per arm.
    successes : Mapping[str, int]
        Successes per arm (proportions only; empty for means).
    n_missing : Mapping[str, int]
        Missing values omitted per arm (means from per-unit values).
    posterior : Mapping[str, tuple of float]
        Posterior parameters: ``(alpha, beta)`` of a Beta or ``(mean, sd)`` of a normal.
    posterior_mean, posterior_sd : Mapping[str, float]
        Mean and standard deviation of each arm's posterior.
    credible_interval : Mapping[str, ConfidenceInterval]
        Equal-tailed credible interval of each arm's rate or mean.
    chance_to_beat_control : Mapping[str, float]
        ``P(X_variant > X_control)`` for each variant.
    probability_best : Mapping[str, float]
        Probability that the arm has the highest rate or mean of all arms.
    expected_loss : Mapping[str, float]
        ``E[max(X_best_other - X_arm, 0)]``: what shipping the arm is expected to give
        up, in the metric's units (a fraction of 1 for rates).
    lift : Mapping[str, float]
        Relative lift of each variant's posterior mean over the control's,
        ``(m_variant - m_control) / |m_control|``.
    lift_ci : Mapping[str, ConfidenceInterval]
        Equal-tailed credible interval of ``(X_variant - X_control) / |X_control|`` from
        posterior draws.
    credible_level : float
        Posterior mass of the credible intervals, e.g. 0.95.
    n_draws : int
        Posterior draws per arm behind the lift intervals.
    methods : Mapping[str, str]
        How each quantity was computed (closed form, exact sum, quadrature, Monte Carlo).
    prior : tuple of float or None
        The Beta prior ``(alpha, beta)`` (proportions), None for the flat prior of means.
    label : str
        Display name used in the text and HTML representations.
    """

    metric: str
    model: str
    arms: tuple[str, ...]
    n: Mapping[str, int]
    posterior: Mapping[str, tuple[float, float]]
    posterior_mean: Mapping[str, float]
    posterior_sd: Mapping[str, float]
    credible_interval: Mapping[str, ConfidenceInterval]
    chance_to_beat_control: Mapping[str, float]
    probability_best: Mapping[str, float]
    expected_loss: Mapping[str, float]
    lift: Mapping[str, float]
    lift_ci: Mapping[str, ConfidenceInterval]
    credible_level: float
    n_draws: int
    methods: Mapping[str, str] = field(default_factory=dict)
    successes: Mapping[str, int] = field(default_factory=dict)
    n_missing: Mapping[str, int] = field(default_factory=dict)
    prior: tuple[float, float] | None = None
    label: str = ""

    def __post_init__(self) -> None:
        for name in (
            "n",
            "posterior",
            "posterior_mean",
            "posterior_sd",
            "credible_interval",
            "chance_to_beat_control",
            "probability_best",
            "expected_loss",
            "lift",
            "lift_ci",
            "methods",
            "successes",
            "n_missing",
        ):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def control(self) -> str:
        """Name of the control arm."""
        return self.arms[0]

    @property
    def variants(self) -> tuple[str, ...]:
        """Names of the variant arms."""
        return self.arms[1:]

    def to_frame(self) -> pd.DataFrame:
        """Tidy DataFrame with one row per arm (the control's variant columns are NaN)."""
        nan = math.nan
        rows: list[dict[str, Any]] = []
        for arm in self.arms:
            row: dict[str, Any] = {"metric": self.metric, "arm": arm}
            row["is_control"] = arm == self.control
            row["n"] = self.n[arm]
            if self.successes:
                row["successes"] = self.successes[arm]
            row["n_missing"] = self.n_missing.get(arm, 0)
            row["posterior_mean"] = self.posterior_mean[arm]
            row["posterior_sd"] = self.posterior_sd[arm]
            if self.model == "beta-binomial":
                row["alpha"], row["beta"] = self.posterior[arm]
            row["ci_low"], row["ci_high"] = self.credible_interval[arm]
            row["chance_to_beat_control"] = self.chance_to_beat_control.get(arm, nan)
            row["probability_best"] = self.probability_best[arm]
            row["expected_loss"] = self.expected_loss[arm]
            row["lift"] = self.lift.get(arm, nan)
            low, high = self.lift_ci.get(arm, (nan, nan))
            row["lift_ci_low"], row["lift_ci_high"] = low, high
            rows.append(row)
        frame: pd.DataFrame = pd.DataFrame(rows)
        return frame

    def _value_text(self, x: float, digits: int) -> str:
        if self.metric == "proportion":
            return f"{_fmt(100.0 * x, digits)}%"
        return _fmt(x, digits)

    def _loss_text(self, x: float) -> str:
        if math.isnan(x):
            return "nan"
        if self.metric == "proportion":
            return f"{100.0 * x:.3g} pp"
        return f"{x:.4g}"

    def _title(self) -> str:
        if self.model == "beta-binomial" and self.prior is not None:
            model = f"beta-binomial, prior Beta({self.prior[0]:g}, {self.prior[1]:g})"
        else:
            model = "normal approximation, flat prior"
        name = self.label or f"Bayesian {self.metric}s"
        return f"{name} · {model} · {_level(self.credible_level)} credible intervals"

    def __str__(self) -> str:
        width = max(len(a) for a in self.arms)
        scale = 100.0 if self.metric == "proportion" else 1.0
        d = max(
            _digits(ConfidenceInterval(scale * ci.low, scale * ci.high))
            for ci in self.credible_interval.values()
        )
        lines = [self._title()]
        for arm in self.arms:
            ci = self.credible_interval[arm]
            parts = [
                f"{self._value_text(self.posterior_mean[arm], d)} "
                f"({self._value_text(ci.low, d)} to {self._value_text(ci.high, d)})"
            ]
            if arm in self.chance_to_beat_control:
                chance = self.chance_to_beat_control[arm]
                lift, (low, high) = self.lift[arm], self.lift_ci[arm]
                parts.append(f"chance to beat control {_fmt(100.0 * chance, 1)}%")
                parts.append(
                    f"lift {_fmt(100.0 * lift, 1, sign=True)}% "
                    f"({_fmt(100.0 * low, 1, sign=True)}% to {_fmt(100.0 * high, 1, sign=True)}%)"
                )
            parts.append(f"P(best) {_fmt(100.0 * self.probability_best[arm], 1)}%")
            parts.append(f"expected loss {self._loss_text(self.expected_loss[arm])}")
            parts.append(f"n = {self.n[arm]:,}")
            lines.append(f"  {arm:<{width}}  " + " · ".join(parts))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        table = self.to_frame().to_html(index=False, float_format=lambda v: f"{v:.6g}")
        return (
            f"<div><strong>{html.escape(self._title())}</strong>"
            f"<div class='cxlib-result'>{table}</div></div>"
        )


# --------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------


def _is_count_pair(x: object) -> bool:
    """One arm of :func:`bayesian_proportions`: a pair of numbers, not a pair of pairs."""
    if not isinstance(x, (tuple, list, np.ndarray)) or len(x) != 2:
        return False
    return not any(_is_pair_like(v) for v in x)


def _split_arms(variant: object, is_one: Callable[[object], bool]) -> list[tuple[str, object]]:
    """Name the variant arm(s): one arm, a sequence of arms, or a mapping name -> arm."""
    if isinstance(variant, Mapping):
        if not variant:
            raise ValueError("variant must hold at least one arm; got an empty mapping")
        named: list[tuple[str, object]] = []
        for key, arm in variant.items():
            if not isinstance(key, str) or not key:
                raise TypeError(f"variant names must be non-empty strings; got {key!r}")
            if key == "control":
                raise ValueError("'control' is the control arm's name; rename that variant")
            named.append((key, arm))
        return named
    if is_one(variant):
        return [("variant", variant)]
    if isinstance(variant, (list, tuple)):
        if not variant:
            raise ValueError("variant must hold at least one arm; got an empty sequence")
        if len(variant) == 1:
            return [("variant", variant[0])]
        return [(f"variant_{i}", arm) for i, arm in enumerate(variant, start=1)]
    return [("variant", variant)]


def _check_prior(prior: object) -> tuple[float, float]:
    values = list(cast("Sequence[object]", prior)) if _is_pair_like(prior) else []
    if len(values) != 2 or not all(_is_number(v) for v in values):
        raise TypeError(f"prior must be a pair (alpha, beta) of positive numbers; got {prior!r}")
    alpha, beta = (float(cast(float, v)) for v in values)
    if not (math.isfinite(alpha) and math.isfinite(beta) and alpha > 0 and beta > 0):
        raise ValueError(
            f"prior (alpha, beta) must be finite and positive; got ({alpha:g}, {beta:g})"
        )
    return alpha, beta


def _check_n_draws(n_draws: object) -> int:
    if isinstance(n_draws, (bool, np.bool_)) or not isinstance(n_draws, (int, np.integer)):
        raise TypeError(f"n_draws must be a positive integer; got {n_draws!r}")
    if n_draws < 1:
        raise ValueError(f"n_draws must be a positive integer; got {n_draws}")
    return int(n_draws)


def _is_summary(x: object) -> bool:
    return isinstance(x, tuple) and len(x) == 3 and all(_is_number(v) for v in x)


def _is_one_sample(x: object) -> bool:
    """One arm of :func:`bayesian_means`: summary statistics or a flat array-like."""
    if _is_summary(x) or isinstance(x, (np.ndarray, pd.Series, pd.Index)):
        return True
    if isinstance(x, (list, tuple)):
        return not any(isinstance(v, (list, tuple, np.ndarray, pd.Series, pd.Index)) for v in x)
    return True


def _mean_arm(values: object, arm: str, nan_policy: str) -> tuple[int, int, float, float]:
    """``(n, n_missing, mean, sd)`` of one arm of :func:`bayesian_means`."""
    if isinstance(values, MeanStats):
        if values.n < 2:
            raise ValueError(f"{arm}: n must be at least 2; got {values.n!r}")
        values = MeanSummary(int(values.n), values.mean, math.sqrt(values.variance))
    if _is_summary(values):
        n_raw, mean_raw, sd_raw = cast("tuple[float, float, float]", values)
        n = _whole(n_raw, f"{arm}: n")
        mean, sd = float(mean_raw), float(sd_raw)
        if n < 2:
            raise ValueError(f"{arm}: n must be at least 2; got {n}")
        if not math.isfinite(mean):
            raise ValueError(f"{arm}: mean must be finite; got {mean!r}")
        if not (math.isfinite(sd) and sd >= 0):
            raise ValueError(f"{arm}: sd must be finite and non-negative; got {sd!r}")
        return n, 0, mean, sd
    kept, n_missing = unit_values(values, arm, nan_policy)
    if n_missing and nan_policy == "propagate":
        return int(kept.size) + n_missing, n_missing, math.nan, math.nan
    return int(kept.size), n_missing, float(kept.mean()), float(kept.std(ddof=1))


# --------------------------------------------------------------------------------------
# Shared computation
# --------------------------------------------------------------------------------------


def _analyse(
    post: _Posteriors,
    arms: list[str],
    *,
    level: float,
    n_draws: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Every decision quantity for posteriors ``post`` of ``arms`` (the control first)."""
    k = post.k
    mean, sd = post.mean(), post.sd()
    q_low, q_high = (1.0 - level) / 2.0, (1.0 + level) / 2.0
    with np.errstate(invalid="ignore"):
        ci_low, ci_high = post.ppf(q_low), post.ppf(q_high)
    draws = post.draw(rng, n_draws) if np.isfinite(post.p1).all() else None
    usable = bool(np.isfinite(mean).all() and (sd > 0).all())
    nan_k = np.full(k, math.nan)
    methods: dict[str, str] = {}
    if not usable:
        warnings.warn(
            "a posterior is undefined (missing values propagated) or has zero width (an "
            "arm whose values are all equal): chances, probabilities, expected losses and "
            "lifts are NaN",
            DegenerateDataWarning,
            stacklevel=3,
        )
        chance = nan_k[1:].copy()
        best, loss = nan_k.copy(), nan_k.copy()
    else:
        chance_methods: set[str] = set()
        chance = np.empty(k - 1)
        for v in range(1, k):
            chance[v - 1], how = _chance_pair(post, 0, v)
            chance_methods.add(how)
        methods["chance_to_beat_control"] = ", ".join(sorted(chance_methods))
        if k == 2:
            best = np.array([1.0 - chance[0], chance[0]])
            methods["probability_best"] = (
                f"from the chance to beat control ({methods['chance_to_beat_control']})"
            )
            # (E[(X_1 - X_0)^+], E[(X_0 - X_1)^+]): the loss of shipping arm 0, then arm 1.
            loss, methods["expected_loss"] = _loss_pair(post)
        else:
            best = np.array([_probability_best_quad(post, j) for j in range(k)])
            loss = np.array([_expected_loss_quad(post, j) for j in range(k)])
            methods["probability_best"] = "quadrature"
            methods["expected_loss"] = "quadrature"
    lift = np.full(k - 1, math.nan)
    lift_low, lift_high = lift.copy(), lift.copy()
    if usable and mean[0] != 0:
        lift = (mean[1:] - mean[0]) / abs(mean[0])
    control_mass_below_zero = (
        float(post.cdf(0.0)[0]) if isinstance(post, _NormalPosteriors) and usable else 0.0
    )
    if usable and control_mass_below_zero > q_low:
        warnings.warn(
            f"the lift is undefined: the control's posterior mean {mean[0]:.6g} cannot be "
            f"told apart from zero (P(control <= 0) = {control_mass_below_zero:.3g}); "
            "lift intervals are NaN",
            DegenerateDataWarning,
            stacklevel=3,
        )
    elif usable and draws is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = (draws[1:] - draws[0]) / np.abs(draws[0])
        lift_low, lift_high = np.quantile(rel, [q_low, q_high], axis=1)
        methods["lift_ci"] = f"Monte Carlo ({n_draws:,} posterior draws)"
    variants = arms[1:]
    return {
        "arms": tuple(arms),
        "posterior": {
            a: (float(p), float(q)) for a, p, q in zip(arms, post.p1, post.p2, strict=True)
        },
        "posterior_mean": dict(zip(arms, mean.tolist(), strict=True)),
        "posterior_sd": dict(zip(arms, sd.tolist(), strict=True)),
        "credible_interval": {
            a: ConfidenceInterval(float(lo), float(hi))
            for a, lo, hi in zip(arms, ci_low, ci_high, strict=True)
        },
        "chance_to_beat_control": dict(zip(variants, chance.tolist(), strict=True)),
        "probability_best": dict(zip(arms, best.tolist(), strict=True)),
        "expected_loss": dict(zip(arms, loss.tolist(), strict=True)),
        "lift": dict(zip(variants, lift.tolist(), strict=True)),
        "lift_ci": {
            a: ConfidenceInterval(float(lo), float(hi))
            for a, lo, hi in zip(variants, lift_low, lift_high, strict=True)
        },
        "credible_level": level,
        "n_draws": n_draws,
        "methods": methods,
    }


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------


def bayesian_proportions(
    control: CountPair,
    variant: CountPair | Sequence[CountPair] | Mapping[str, CountPair],
    *,
    prior: tuple[float, float] = (1.0, 1.0),
    credible_level: float = 0.95,
    n_draws: int = 100_000,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> BayesianComparison:
    """Bayesian comparison of conversion rates with Beta-Binomial posteriors.

    Each arm's rate has the posterior ``Beta(alpha + successes, beta + trials -
    successes)`` for the prior ``Beta(alpha, beta)``; the arms are independent.

    Parameters
    ----------
    control : tuple of int
        ``(successes, trials)`` of the control.
    variant : tuple of int, sequence of tuples or mapping
        ``(successes, trials)`` of one variant (named ``"variant"``), a sequence of them
        (``"variant_1"``, ``"variant_2"``, ...), or a mapping from variant names to them.
    prior : tuple of float, default (1.0, 1.0)
        Parameters ``(alpha, beta)`` of the Beta prior of every arm; the default is
        uniform. Both must be positive.
    credible_level : float, default 0.95
        Posterior mass of the credible intervals (per-arm rate and lift).
    n_draws : int, default 100_000
        Posterior draws per arm for the lift's credible interval (the only Monte Carlo
        quantity; its quantiles have a Monte Carlo error of order ``1 / sqrt(n_draws)``).
    rng : int, numpy.random.Generator, numpy.random.SeedSequence or None
        Source of the posterior draws (SPEC 7); the same seed gives the same result.

    Returns
    -------
    BayesianComparison
        Per arm: posterior ``(alpha, beta)``, mean, sd and credible interval of the rate,
        ``probability_best`` and ``expected_loss`` (in fractions of 1: 0.001 is 0.1
        percentage points); per variant: ``chance_to_beat_control``, ``lift`` and
        ``lift_ci``.

    Notes
    -----
    ``chance_to_beat_control`` is exact: Miller's (2015) finite sum when one of the four
    posterior parameters is a whole number (always, for whole-number priors), otherwise
    adaptive quadrature of ``int F_control(F_variant^{-1}(u)) du`` over ``u`` in (0, 1).
    With two arms the expected losses are exact too, from the identity
    ``E[max(Y - X, 0)] = m_Y P(Y' > X) - m_X P(Y > X')``, ``Y' ~ Beta(a_Y + 1, b_Y)``,
    ``X' ~ Beta(a_X + 1, b_X)`` (Stucchio 2014), each term a Miller sum. With more arms,
    ``probability_best`` and ``expected_loss`` are one-dimensional integrals
    (``int f_j prod_i F_i`` and ``int F_j (1 - prod_i F_i)``), computed by adaptive
    quadrature to about 1e-10: deterministic, and more accurate than Monte Carlo.

    Examples
    --------
    >>> from cxlib.ab.bayes import bayesian_proportions
    >>> res = bayesian_proportions(control=(120, 1_000), variant=(150, 1_000), rng=7)
    >>> round(res.chance_to_beat_control["variant"], 4)
    0.9751
    >>> round(res.expected_loss["variant"], 5), round(res.expected_loss["control"], 5)
    (0.00014, 0.03008)
    >>> res  # one line per arm (wrapped here)
    Bayesian proportions · beta-binomial, prior Beta(1, 1) · 95% credible intervals
      control  12.1% (10.1% to 14.2%) · P(best) 2.5% · expected loss 3.01 pp · n = 1,000
      variant  15.1% (12.9% to 17.3%) · chance to beat control 97.5%
               · lift +24.8% (+0.1% to +56.2%) · P(best) 97.5% · expected loss 0.0144 pp
               · n = 1,000

    Three variants, named:

    >>> res = bayesian_proportions(
    ...     (120, 1_000), {"red": (150, 1_000), "blue": (135, 1_000)}, rng=7
    ... )
    >>> {arm: round(p, 3) for arm, p in res.probability_best.items()}
    {'control': 0.015, 'red': 0.821, 'blue': 0.165}
    """
    a0, b0 = _check_prior(prior)
    level = check_confidence_level(credible_level, "credible_level")
    draws = _check_n_draws(n_draws)
    generator = as_generator(rng)
    counts = [("control", _count_pair(control, "control", positive=True))]
    for name, arm in _split_arms(variant, _is_count_pair):
        counts.append((name, _count_pair(arm, f"variant {name!r}", positive=True)))
    arms = [name for name, _ in counts]
    s = np.array([c[0] for _, c in counts], dtype=np.float64)
    n = np.array([c[1] for _, c in counts], dtype=np.float64)
    post = _BetaPosteriors(a0 + s, b0 + (n - s))
    fields = _analyse(post, arms, level=level, n_draws=draws, rng=generator)
    return BayesianComparison(
        metric="proportion",
        model="beta-binomial",
        n={name: c[1] for name, c in counts},
        successes={name: c[0] for name, c in counts},
        n_missing=dict.fromkeys(arms, 0),
        prior=(a0, b0),
        **fields,
    )


def bayesian_means(
    control: MeanArm,
    variant: MeanArm | Sequence[MeanArm] | Mapping[str, MeanArm],
    *,
    credible_level: float = 0.95,
    n_draws: int = 100_000,
    rng: int | np.random.Generator | np.random.SeedSequence | None = None,
    nan_policy: Literal["omit", "raise", "propagate"] = "raise",
) -> BayesianComparison:
    """Bayesian comparison of means with the normal approximation of each posterior.

    Under a flat prior and for a large sample, the posterior of an arm's mean is
    ``N(mean, sd**2 / n)`` (the sample mean and its standard error), whatever the
    distribution of the per-unit values (revenue per visitor, a score).

    Parameters
    ----------
    control : array-like or tuple
        Per-unit values of the control (a list, numpy array or pandas Series), or its
        summary statistics ``(n, mean, sd)`` as a tuple or :class:`MeanSummary`
        (``sd`` with ``ddof=1``), or the sums of :class:`MeanStats`. A plain tuple of
        three numbers is always read as ``(n, mean, sd)``; pass values as a list or an
        array.
    variant : array-like, tuple, sequence of them or mapping
        One variant (named ``"variant"``), a sequence of them (``"variant_1"``, ...),
        or a mapping from variant names to them, each as for ``control``.
    credible_level : float, default 0.95
        Posterior mass of the credible intervals (per-arm mean and lift).
    n_draws : int, default 100_000
        Posterior draws per arm for the lift's credible interval.
    rng : int, numpy.random.Generator, numpy.random.SeedSequence or None
        Source of the posterior draws (SPEC 7); the same seed gives the same result.
    nan_policy : {"omit", "raise", "propagate"}, default "raise"
        Missing values in per-unit values: skipped and counted in ``n_missing``, an
        error (the default, as in :func:`compare_means`: a missing revenue is rarely
        a missing unit), or NaN results (with a :class:`~cxlib.DegenerateDataWarning`).

    Returns
    -------
    BayesianComparison
        As for :func:`bayesian_proportions`; posterior parameters are ``(mean, sd)``
        and expected losses are in the units of the values.

    Warns
    -----
    DegenerateDataWarning
        When an arm's standard deviation is zero or missing values propagate (decision
        quantities are NaN), or when the control's posterior puts more than
        ``(1 - credible_level) / 2`` of its mass at or below zero (lift intervals NaN).

    Notes
    -----
    With ``D = X_variant - X_control ~ N(mu, sigma**2)``, ``sigma**2 = sd_v**2 / n_v +
    sd_c**2 / n_c``, the closed forms are ``P(D > 0) = Phi(mu / sigma)``, the loss of
    shipping the variant ``E[max(-D, 0)] = sigma phi(mu / sigma) - mu Phi(-mu / sigma)``
    and of keeping the control ``E[max(D, 0)] = sigma phi(mu / sigma) + mu Phi(mu /
    sigma)``. With more arms, ``probability_best`` and ``expected_loss`` come from
    one-dimensional quadrature as in :func:`bayesian_proportions`. The normal
    approximation ignores the uncertainty of ``sd`` (the exact flat-prior posterior of a
    normal mean is a Student t with ``n - 1`` degrees of freedom), which matters only for
    small samples.

    Examples
    --------
    >>> from cxlib.ab.bayes import MeanSummary, bayesian_means
    >>> res = bayesian_means(MeanSummary(10, 10.0, 0.5), MeanSummary(10, 10.5, 1.0), rng=1)
    >>> round(res.chance_to_beat_control["variant"], 5)
    0.92135
    >>> round(res.expected_loss["control"], 5), round(res.expected_loss["variant"], 5)
    (0.51256, 0.01256)

    Per-unit values work the same way:

    >>> spend_a = [12.0, 10.0, 30.5, 8.0, 14.0]
    >>> spend_b = [15.0, 22.0, 18.0, 41.0, 9.5]
    >>> res = bayesian_means(spend_a, spend_b, rng=1)
    >>> round(res.posterior_mean["variant"], 2), round(res.chance_to_beat_control["variant"], 3)
    (21.1, 0.822)
    """
    level = check_confidence_level(credible_level, "credible_level")
    draws = _check_n_draws(n_draws)
    policy = check_nan_policy(nan_policy)
    generator = as_generator(rng)
    stats = [("control", _mean_arm(control, "control", policy))]
    for name, arm in _split_arms(variant, _is_one_sample):
        stats.append((name, _mean_arm(arm, f"variant {name!r}", policy)))
    arms = [name for name, _ in stats]
    n = np.array([st[0] for _, st in stats], dtype=np.float64)
    mean = np.array([st[2] for _, st in stats], dtype=np.float64)
    sd = np.array([st[3] for _, st in stats], dtype=np.float64)
    post = _NormalPosteriors(mean, sd / np.sqrt(n))
    fields = _analyse(post, arms, level=level, n_draws=draws, rng=generator)
    return BayesianComparison(
        metric="mean",
        model="normal approximation",
        n={name: st[0] for name, st in stats},
        n_missing={name: st[1] for name, st in stats},
        **fields,
    )
