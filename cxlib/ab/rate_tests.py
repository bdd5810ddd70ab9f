"""Tests and intervals of two binomial proportions behind :mod:`cxlib.ab.proportions`.

Fisher's exact test, the Wald and pooled z statistics, the Miettinen-Nurminen score
intervals of the difference and the ratio, and the MOVER-R interval of the ratio; each
vectorised over comparisons (arrays with one element per comparison).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy import special

from ..core.lift import FloatArray
from ..core.validation import Alternative

# Elements of the Fisher support held at once.
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
