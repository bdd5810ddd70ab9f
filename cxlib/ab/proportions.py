"""Comparing conversion rates: difference and lift of two binomial proportions.

Vectorised over comparisons: ``sc, nc, sv, nv`` are arrays of the control's and the
variant's successes and trials, one element per comparison.

Interval methods (difference; lift) and the test each reports:

===================  ===================================  ======================  ===========
``ci_method``        difference                           lift                    test
===================  ===================================  ======================  ===========
``"delta"``          Wald, unpooled variance              delta method            Wald z
``"fieller"``        Wald                                 Fieller                 Wald z
``"log"``            Wald                                 log of the risk ratio   log-ratio z
``"newcombe"``       Newcombe's hybrid score (Wilson)     MOVER-R (Wilson)        pooled z
``"score"``          Miettinen-Nurminen score             Miettinen-Nurminen      score z
``"agresti-caffo"``  Wald on ``(s + 1, n + 2)``          log, counts + 1/2       same Wald
bootstrap            binomial resampling of each arm      the same replicates     inverted
===================  ===================================  ======================  ===========

The name ``"newcomb"`` (the spelling of statsmodels) is accepted for ``"newcombe"``.

Fisher's exact test replaces the test when an expected cell count of the 2x2 table
is below 5 (``exact=None``), or always (``exact=True``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
from scipy import special

from ..core.intervals import proportion_interval
from ..core.lift import (
    FloatArray,
    Pairs,
    bootstrap_pairs,
    critical_value,
    lift_from_ratio,
    normal_pairs,
    open_side,
    p_value,
    ratio_interval,
    two_sided_level,
    undefined_lift,
)
from ..core.validation import Alternative, check_choice

__all__ = [
    "PROPORTION_METHODS",
    "ProportionMethod",
    "check_proportion_method",
    "fisher_pvalue",
    "proportion_pairs",
]

ProportionMethod = Literal[
    "delta",
    "fieller",
    "log",
    "newcombe",
    "score",
    "agresti-caffo",
    "percentile",
    "basic",
    "bca",
]
PROPORTION_METHODS: tuple[ProportionMethod, ...] = get_args(ProportionMethod)
_BOOTSTRAP = ("percentile", "basic", "bca")
_TESTS = {
    "delta": "wald z",
    "fieller": "wald z",
    "log": "log-ratio z",
    "newcombe": "pooled z",
    "score": "score z",
    "agresti-caffo": "agresti-caffo z",
}
# Elements of the Fisher support (or of bootstrap draws) held at once.
_CHUNK = 1 << 22


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------


def _log_hypergeom(
    k: FloatArray, total: FloatArray, good: FloatArray, draws: FloatArray
) -> FloatArray:
    """log P(K = k) for K ~ Hypergeometric(total, good, draws)."""

    def log_choose(a: FloatArray, b: FloatArray) -> FloatArray:
        out: FloatArray = (
            special.gammaln(a + 1) - special.gammaln(b + 1) - special.gammaln(a - b + 1)
        )
        return out

    return log_choose(good, k) + log_choose(total - good, draws - k) - log_choose(total, draws)


def fisher_pvalue(
    sc: FloatArray, nc: FloatArray, sv: FloatArray, nv: FloatArray, alternative: Alternative
) -> FloatArray:
    """Fisher's exact test of the 2x2 tables ``[[sv, nv - sv], [sc, nc - sc]]``.

    Conditioning on the margins, the variant's successes follow a hypergeometric law.
    ``"greater"`` is the upper tail (variant converts more), ``"less"`` the lower one;
    the two-sided p-value sums the probabilities of tables no more likely than the
    observed one (relative tolerance 1e-7, as :func:`scipy.stats.fisher_exact`).
    """
    total = nc + nv
    good = sc + sv
    k_min = np.maximum(0.0, nv - (total - good))
    k_max = np.minimum(good, nv)
    size = (k_max - k_min + 1).astype(np.int64)
    log_obs = _log_hypergeom(sv, total, good, nv)
    p = np.empty(len(sc))
    # Rows in chunks so that the flattened supports stay within memory.
    bounds = np.searchsorted(np.cumsum(size), np.arange(_CHUNK, int(size.sum()) + _CHUNK, _CHUNK))
    start = 0
    for stop in np.unique(np.append(np.maximum(bounds, 1), len(sc))):
        stop = int(min(max(stop, start + 1), len(sc)))
        if start >= stop:
            continue
        rows = np.arange(start, stop)
        sizes = size[rows]
        row_of = np.repeat(np.arange(len(rows)), sizes)
        offset = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        k = (k_min[rows][row_of] + offset).astype(np.float64)
        log_pk = _log_hypergeom(k, total[rows][row_of], good[rows][row_of], nv[rows][row_of])
        pk = np.exp(log_pk)
        if alternative == "greater":
            keep = k >= sv[rows][row_of]
        elif alternative == "less":
            keep = k <= sv[rows][row_of]
        else:
            keep = log_pk <= log_obs[rows][row_of] + np.log1p(1e-7)
        p[rows] = np.bincount(row_of, weights=np.where(keep, pk, 0.0), minlength=len(rows))
        start = stop
    out: FloatArray = np.minimum(p, 1.0)
    return out


def check_proportion_method(ci_method: object) -> ProportionMethod:
    """Validate ``ci_method`` for conversion rates (``"newcomb"`` is ``"newcombe"``)."""
    if ci_method == "newcomb":
        return "newcombe"
    return check_choice("ci_method", ci_method, PROPORTION_METHODS)


def _needs_exact(
    sc: FloatArray, nc: FloatArray, sv: FloatArray, nv: FloatArray
) -> npt.NDArray[np.bool_]:
    """Tables with an expected cell count below 5 (Cochran's rule)."""
    total = nc + nv
    good = sc + sv
    with np.errstate(divide="ignore", invalid="ignore"):
        smallest = np.minimum(np.minimum(nc, nv), total) * np.minimum(good, total - good) / total
    out: npt.NDArray[np.bool_] = smallest < 5.0
    return out


def _wald_stat(p1: FloatArray, n1: FloatArray, p2: FloatArray, n2: FloatArray) -> FloatArray:
    var = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(var > 0, (p1 - p2) / np.sqrt(var), np.nan)
    return out


def _pooled_stat(sc: FloatArray, nc: FloatArray, sv: FloatArray, nv: FloatArray) -> FloatArray:
    pooled = (sc + sv) / (nc + nv)
    var = pooled * (1 - pooled) * (1 / nc + 1 / nv)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(var > 0, (sv / nv - sc / nc) / np.sqrt(var), np.nan)
    return out


# --------------------------------------------------------------------------------------
# Score (Miettinen-Nurminen) intervals
# --------------------------------------------------------------------------------------


def _restricted_diff(
    s1: FloatArray, n1: FloatArray, s0: FloatArray, n0: FloatArray, delta: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Maximum-likelihood ``(p1, p0)`` under ``p1 - p0 = delta`` (closed-form cubic root)."""
    n = n1 + n0
    s = s1 + s0
    c3 = n
    c2 = (n1 + 2 * n0) * delta - n - s
    c1 = (n0 * delta - n - 2 * s0) * delta + s
    c0 = s0 * delta * (1 - delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = (c2 / (3 * c3)) ** 3 - c1 * c2 / (6 * c3**2) + c0 / (2 * c3)
        u = np.sign(v) * np.sqrt(np.maximum((c2 / (3 * c3)) ** 2 - c1 / (3 * c3), 0.0))
        ratio = np.where(u != 0, v / u**3, 0.0)
        w = (np.pi + np.arccos(np.clip(ratio, -1.0, 1.0))) / 3
        p0 = np.clip(2 * u * np.cos(w) - c2 / (3 * c3), 0.0, 1.0)
    p1 = np.clip(p0 + delta, 0.0, 1.0)
    return p1, p0


def _restricted_ratio(
    s1: FloatArray, n1: FloatArray, s0: FloatArray, n0: FloatArray, ratio: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Maximum-likelihood ``(p1, p0)`` under ``p1 / p0 = ratio`` (quadratic root)."""
    a = (n1 + n0) * ratio
    b = -(n1 * ratio + s1 + n0 + s0 * ratio)
    c = s1 + s0
    with np.errstate(divide="ignore", invalid="ignore"):
        p0 = (-b - np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))) / (2 * a)
    p0 = np.clip(p0, 0.0, 1.0)
    return np.clip(p0 * ratio, 0.0, 1.0), p0


def _score_stat_diff(
    s1: FloatArray, n1: FloatArray, s0: FloatArray, n0: FloatArray, delta: FloatArray
) -> FloatArray:
    q1, q0 = _restricted_diff(s1, n1, s0, n0, delta)
    n = n1 + n0
    var = (q1 * (1 - q1) / n1 + q0 * (1 - q0) / n0) * n / (n - 1)
    num = s1 / n1 - s0 / n0 - delta
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(var > 0, num / np.sqrt(var), np.sign(num) * np.inf)
    return out


def _score_stat_ratio(
    s1: FloatArray, n1: FloatArray, s0: FloatArray, n0: FloatArray, log_ratio: FloatArray
) -> FloatArray:
    ratio = np.exp(log_ratio)
    q1, q0 = _restricted_ratio(s1, n1, s0, n0, ratio)
    n = n1 + n0
    var = (q1 * (1 - q1) / n1 + ratio**2 * q0 * (1 - q0) / n0) * n / (n - 1)
    num = s1 / n1 - ratio * s0 / n0
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(var > 0, num / np.sqrt(var), np.sign(num) * np.inf)
    return out


def _bisect(
    f: Callable[[FloatArray], FloatArray],
    target: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    iterations: int = 80,
) -> FloatArray:
    """Root of a decreasing ``f(x) - target`` in ``[lo, hi]``, all elements at once."""
    lo, hi = lo.copy(), hi.copy()
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        above = f(mid) > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    out: FloatArray = 0.5 * (lo + hi)
    return out


def _score_diff_interval(
    sc: FloatArray, nc: FloatArray, sv: FloatArray, nv: FloatArray, q: FloatArray
) -> tuple[FloatArray, FloatArray]:
    d = sv / nv - sc / nc
    edge = 1.0 - 1e-12

    def stat(delta: FloatArray) -> FloatArray:
        return _score_stat_diff(sv, nv, sc, nc, delta)

    low = _bisect(stat, q, np.full(d.shape, -edge), d)
    high = _bisect(stat, -q, d, np.full(d.shape, edge))
    low = np.where(stat(np.full(d.shape, -edge)) <= q, -1.0, low)
    high = np.where(stat(np.full(d.shape, edge)) >= -q, 1.0, high)
    return low, high


def _score_ratio_interval(
    sc: FloatArray, nc: FloatArray, sv: FloatArray, nv: FloatArray, q: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Score interval of ``p_v / p_c``, searched on the log scale around the estimate."""
    span = 60.0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_hat = np.log(sv / nv) - np.log(sc / nc)
    finite = np.isfinite(log_hat)
    # No variant successes: the estimate is 0 and the lower bound too (no control
    # successes: the estimate and the upper bound are infinite).
    centre_low = np.where(finite, log_hat, np.where(sv == 0, -span, span))
    centre_high = np.where(finite, log_hat, np.where(sc == 0, span, -span))

    def stat(log_ratio: FloatArray) -> FloatArray:
        return _score_stat_ratio(sv, nv, sc, nc, log_ratio)

    lo_edge, hi_edge = centre_low - span, centre_high + span
    log_low = _bisect(stat, q, lo_edge, centre_low)
    log_high = _bisect(stat, -q, centre_high, hi_edge)
    low = np.where((sv == 0) | (stat(lo_edge) <= q), 0.0, np.exp(log_low))
    high = np.where((sc == 0) | (stat(hi_edge) >= -q), np.inf, np.exp(log_high))
    both_zero = (sv == 0) & (sc == 0)
    return np.where(both_zero, np.nan, low), np.where(both_zero, np.nan, high)


# --------------------------------------------------------------------------------------
# The comparison
# --------------------------------------------------------------------------------------


def _mover_ratio(
    pv: FloatArray,
    pc: FloatArray,
    v_ci: tuple[FloatArray, FloatArray],
    c_ci: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray, FloatArray]:
    """MOVER-R interval of ``pv / pc`` from the arms' intervals (Donner & Zou 2012)."""
    (lv, uv), (lc, uc) = v_ci, c_ci
    prod = pv * pc
    with np.errstate(divide="ignore", invalid="ignore"):
        low = (
            prod - np.sqrt(np.maximum(prod**2 - lv * uc * (2 * pv - lv) * (2 * pc - uc), 0.0))
        ) / (uc * (2 * pc - uc))
        den_high = lc * (2 * pc - lc)
        high = np.where(
            den_high > 0,
            (prod + np.sqrt(np.maximum(prod**2 - uv * lc * (2 * pv - uv) * (2 * pc - lc), 0.0)))
            / den_high,
            np.inf,
        )
    return np.maximum(low, 0.0), high


def _binomial_replicates(
    s: FloatArray, n: FloatArray, n_resamples: int, rng: np.random.Generator
) -> FloatArray:
    """Replicates of the rate per comparison: ``Binomial(n, s / n) / n``, shape (B, k)."""
    p = np.where(n > 0, s / np.where(n > 0, n, 1.0), 0.0)
    counts = rng.binomial(n.astype(np.int64), p, size=(n_resamples, len(n)))
    out: FloatArray = counts / n
    return out


def proportion_acceleration(
    sc: FloatArray, nc: FloatArray, sv: FloatArray, nv: FloatArray, statistic: str
) -> FloatArray:
    """BCa acceleration of the difference or lift from the exact two-sample jackknife.

    Follows :func:`scipy.stats.bootstrap`: each arm is left out one unit at a time;
    a unit is a success or a failure, so each arm needs two jackknife values.
    """
    pc, pv = sc / nc, sv / nv

    def theta(c: FloatArray, v: FloatArray) -> FloatArray:
        if statistic == "difference":
            return v - c
        with np.errstate(divide="ignore", invalid="ignore"):
            out: FloatArray = (v - c) / np.abs(c)
        return out

    num = np.zeros(len(sc))
    den = np.zeros(len(sc))
    with np.errstate(divide="ignore", invalid="ignore"):
        for s, n, arm in ((sc, nc, "c"), (sv, nv, "v")):
            loo_success = (s - 1) / (n - 1)
            loo_failure = s / (n - 1)
            if arm == "c":
                t1, t0 = theta(loo_success, pv), theta(loo_failure, pv)
            else:
                t1, t0 = theta(pc, loo_success), theta(pc, loo_failure)
            w1, w0 = s, n - s
            t1 = np.where(w1 > 0, t1, 0.0)
            t0 = np.where(w0 > 0, t0, 0.0)
            dot = (w1 * t1 + w0 * t0) / n
            u1, u0 = (n - 1) * (dot - t1), (n - 1) * (dot - t0)
            num += (w1 * u1**3 + w0 * u0**3) / n**3
            den += (w1 * u1**2 + w0 * u0**2) / n**2
        out: FloatArray = num / (6.0 * den**1.5)
    return out


def _ratio_of_rates(
    sc: FloatArray,
    nc: FloatArray,
    sv: FloatArray,
    nv: FloatArray,
    method: ProportionMethod,
    level: float,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Two-sided interval of ``p_v / p_c`` at ``level`` for an analytic method, and where
    it is undefined.

    A rate ratio needs control conversions. The delta and Fieller intervals need more:
    a control rate told apart from zero (Fieller's interval is unbounded otherwise),
    while the log, score and MOVER-R intervals stay bounded with a single conversion.
    """
    pc, pv = sc / nc, sv / nv
    var_c, var_v = pc * (1 - pc) / nc, pv * (1 - pv) / nv
    q = critical_value(level)
    undefined = sc == 0
    if method in ("delta", "fieller"):
        r_low, r_high = ratio_interval(pv, pc, var_v, var_c, q, method)
        return r_low, r_high, undefined | undefined_lift(pc, np.sqrt(var_c), q)
    if method == "log":
        r_low, r_high = ratio_interval(pv, pc, var_v, var_c, q, "log")
        return r_low, r_high, undefined | (sv == 0)
    if method == "newcombe":
        r_low, r_high = _mover_ratio(
            pv,
            pc,
            proportion_interval("wilson", pv, nv, level),
            proportion_interval("wilson", pc, nc, level),
        )
        return r_low, r_high, undefined
    if method == "score":
        r_low, r_high = _score_ratio_interval(sc, nc, sv, nv, q)
        return r_low, r_high, undefined
    # Agresti-Caffo: the log interval of the ratio after adding 1/2 to every count and
    # trial ("log-adjusted" in statsmodels), bounded even with no conversions.
    ac, av = (sc + 0.5) / (nc + 0.5), (sv + 0.5) / (nv + 0.5)
    half = q * np.sqrt(1 / (sv + 0.5) - 1 / (nv + 0.5) + 1 / (sc + 0.5) - 1 / (nc + 0.5))
    log_r = np.log(av / ac)
    return np.exp(log_r - half), np.exp(log_r + half), undefined


def _analytic(
    sc: FloatArray,
    nc: FloatArray,
    sv: FloatArray,
    nv: FloatArray,
    method: ProportionMethod,
    level: float,
    alternative: Alternative,
) -> Pairs:
    """The comparisons of an analytic method: difference, lift and the method's test."""
    pc, pv = sc / nc, sv / nv
    var_c, var_v = pc * (1 - pc) / nc, pv * (1 - pv) / nv
    two = two_sided_level(level, alternative)
    q = critical_value(two)
    pairs = normal_pairs(
        pc, pv, var_c, var_v, nc, nv, level=level, alternative=alternative, lift_method="delta"
    )
    low, high, stat = pairs.ci_low, pairs.ci_high, pairs.statistic
    if method == "agresti-caffo":
        # Wald interval and test on the counts plus one success and one failure per arm.
        ac, av = (sc + 1) / (nc + 2), (sv + 1) / (nv + 2)
        base = normal_pairs(
            ac,
            av,
            ac * (1 - ac) / (nc + 2),
            av * (1 - av) / (nv + 2),
            nc,
            nv,
            level=level,
            alternative=alternative,
            lift_method="delta",
        )
        low, high, stat = base.ci_low, base.ci_high, base.statistic
    elif method == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.log(pv / pc) / np.sqrt(1 / sv - 1 / nv + 1 / sc - 1 / nc)
    elif method == "newcombe":
        v_ci = proportion_interval("wilson", pv, nv, two)
        c_ci = proportion_interval("wilson", pc, nc, two)
        d = pv - pc
        low = d - np.sqrt((pv - v_ci[0]) ** 2 + (c_ci[1] - pc) ** 2)
        high = d + np.sqrt((v_ci[1] - pv) ** 2 + (pc - c_ci[0]) ** 2)
        stat = _pooled_stat(sc, nc, sv, nv)
    elif method == "score":
        low, high = _score_diff_interval(sc, nc, sv, nv, q)
        stat = _score_stat_diff(sv, nv, sc, nc, np.zeros(len(sc)))
    low, high = open_side(low, high, alternative, (-1.0, 1.0))
    r_low, r_high, undefined = _ratio_of_rates(sc, nc, sv, nv, method, two)
    # A rate cannot fall by more than all of it: the lift is at least -1.
    l_low, l_high = lift_from_ratio(pc, np.maximum(r_low, 0.0), r_high)
    l_low, l_high = open_side(l_low, l_high, alternative, (-1.0, np.inf))
    return _replace(
        pairs,
        ci_low=np.clip(low, -1.0, 1.0),
        ci_high=np.clip(high, -1.0, 1.0),
        statistic=stat,
        p_value=p_value(stat, alternative),
        lift_low=np.where(undefined, np.nan, l_low),
        lift_high=np.where(undefined, np.nan, l_high),
        test=np.full(len(sc), _TESTS[method]),
    )


def proportion_pairs(
    sc: FloatArray,
    nc: FloatArray,
    sv: FloatArray,
    nv: FloatArray,
    *,
    method: ProportionMethod,
    level: float,
    alternative: Alternative,
    exact: bool | None,
    n_resamples: int,
    rng: np.random.Generator,
) -> Pairs:
    """Every comparison of conversion rates at once (see the module docstring)."""
    pc, pv = sc / nc, sv / nv
    var_c, var_v = pc * (1 - pc) / nc, pv * (1 - pv) / nv
    if method in _BOOTSTRAP:
        reps_c = _binomial_replicates(sc, nc, n_resamples, rng)
        reps_v = _binomial_replicates(sv, nv, n_resamples, rng)
        accel = None
        if method == "bca":
            accel = (
                proportion_acceleration(sc, nc, sv, nv, "difference"),
                proportion_acceleration(sc, nc, sv, nv, "lift"),
            )
        pairs = bootstrap_pairs(
            pc,
            pv,
            reps_c,
            reps_v,
            accel,
            method=method,  # type: ignore[arg-type]
            level=level,
            alternative=alternative,
            n_c=nc,
            n_v=nv,
            se_c=np.sqrt(var_c),
            se_v=np.sqrt(var_v),
            bounds=(-1.0, 1.0),
        )
    else:
        pairs = _analytic(sc, nc, sv, nv, method, level, alternative)
    use_exact = np.full(len(sc), bool(exact)) if exact is not None else _needs_exact(sc, nc, sv, nv)
    if use_exact.any():
        idx = np.flatnonzero(use_exact)
        p = fisher_pvalue(sc[idx], nc[idx], sv[idx], nv[idx], alternative)
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = (sv[idx] * (nc[idx] - sc[idx])) / ((nv[idx] - sv[idx]) * sc[idx])
        pairs = _replace(
            pairs,
            p_value=_put(pairs.p_value, idx, p),
            statistic=_put(pairs.statistic, idx, odds),
            test=_put(pairs.test.astype(object), idx, np.full(len(idx), "fisher")).astype(str),
        )
    return pairs


def _put(
    array: npt.NDArray[np.generic], idx: npt.NDArray[np.intp], values: npt.NDArray[np.generic]
) -> npt.NDArray[np.generic]:
    out: npt.NDArray[np.generic] = array.copy()
    out[idx] = values
    return out


def _replace(pairs: Pairs, **changes: npt.NDArray[np.generic]) -> Pairs:
    values: dict[str, Any] = {f.name: getattr(pairs, f.name) for f in fields(pairs)}
    values.update(changes)
    return Pairs(**values)
