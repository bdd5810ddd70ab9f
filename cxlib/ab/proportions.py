"""Comparing conversion rates: difference and lift of two binomial proportions.

Vectorised over comparisons: ``sc, nc, sv, nv`` are arrays of the control's and the
variant's successes and trials, one element per comparison.

Interval methods (difference; lift) and the test each reports:

===================  ===================================  ======================  ===========
``ci_method``        difference                           lift                    test
===================  ===================================  ======================  ===========
``"fieller"``        Wald, unpooled variance              Fieller                 Wald z
``"delta"``          Wald, unpooled variance              delta method            Wald z
``"log"``            Wald                                 log of the risk ratio   log-ratio z
``"newcombe"``       Newcombe's hybrid score (Wilson)     MOVER-R (Wilson)        pooled z
``"score"``          Miettinen-Nurminen score             Miettinen-Nurminen      score z
``"agresti-caffo"``  Wald on ``(s + 1, n + 2)``          log, counts + 1/2       same Wald
bootstrap            binomial resampling of each arm      the same replicates     inverted
===================  ===================================  ======================  ===========

``"fieller"`` is the default of the public functions: Fieller's interval of the rate
ratio is the set of ratios the Wald z test does not reject, so the lift interval
excludes 0 exactly when the test of the difference rejects. The name ``"newcomb"`` (the
spelling of statsmodels) is accepted for ``"newcombe"``. The tests and the score and
MOVER intervals are in :mod:`cxlib.ab.rate_tests`.

Fisher's exact test replaces the test when an expected cell count of the 2x2 table
is below 5 (``exact=None``), or always (``exact=True``).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from ..core.intervals import proportion_interval
from ..core.lift import (
    FloatArray,
    Pairs,
    critical_value,
    fieller_same_sign,
    lift_from_ratio,
    normal_pairs,
    open_side,
    p_value,
    ratio_interval,
    two_sided_level,
    undefined_lift,
)
from ..core.lift_bootstrap import bootstrap_pairs
from ..core.progress import progress_bar
from ..core.validation import Alternative, check_choice
from .rate_tests import (
    _mover_ratio,
    _needs_exact,
    _pooled_stat,
    _score_diff_interval,
    _score_ratio_interval,
    _score_stat_diff,
    fisher_pvalue,
)

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


def check_proportion_method(ci_method: object) -> ProportionMethod:
    """Validate ``ci_method`` for conversion rates (``"newcomb"`` is ``"newcombe"``)."""
    if ci_method == "newcomb":
        return "newcombe"
    return check_choice("ci_method", ci_method, PROPORTION_METHODS)


# --------------------------------------------------------------------------------------
# The comparison
# --------------------------------------------------------------------------------------


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
    if method == "delta":
        r_low, r_high = ratio_interval(pv, pc, var_v, var_c, q, method)
        return r_low, r_high, undefined | undefined_lift(pc, np.sqrt(var_c), q)
    if method == "fieller":
        # Where the control rate is not told apart from zero, Fieller's set (of ratios
        # >= 0, as rates are) is the half-line [r_low, inf): still the test inverted.
        r_low, r_high = ratio_interval(pv, pc, var_v, var_c, q, method)
        unbounded = undefined_lift(pc, np.sqrt(var_c), q)
        h_low, h_high = fieller_same_sign(pv, pc, var_v, var_c, q)
        r_low = np.where(unbounded, h_low, r_low)
        r_high = np.where(unbounded, h_high, r_high)
        return r_low, r_high, undefined | np.isnan(r_low)
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
    progress: bool = False,
) -> Pairs:
    """Every comparison of conversion rates at once (see the module docstring)."""
    pc, pv = sc / nc, sv / nv
    var_c, var_v = pc * (1 - pc) / nc, pv * (1 - pv) / nv
    if method in _BOOTSTRAP:
        # One vectorised draw per arm: the bar moves once, when both are drawn.
        with progress_bar(n_resamples, enabled=progress, description="Bootstrap") as bar:
            reps_c = _binomial_replicates(sc, nc, n_resamples, rng)
            reps_v = _binomial_replicates(sv, nv, n_resamples, rng)
            bar.update(n_resamples)
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
