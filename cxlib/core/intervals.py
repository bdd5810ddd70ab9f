"""Analytic confidence intervals, vectorised over groups.

All functions take and return numpy arrays (or scalars) and work on the unit scale
(proportions in [0, 1], NPS in [-1, 1]); the frontends rescale to points.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special

__all__ = [
    "MEAN_CI_METHODS",
    "NPS_CI_METHODS",
    "PROPORTION_CI_METHODS",
    "MeanCIMethod",
    "NPSCIMethod",
    "ProportionCIMethod",
    "mean_t_interval",
    "normal_quantile",
    "normal_test",
    "nps_adjusted_wald",
    "nps_interval",
    "nps_score",
    "nps_variance",
    "nps_wald",
    "proportion_interval",
]

FloatArray = npt.NDArray[np.float64]
NPSCIMethod = Literal["score", "wald", "adjusted-wald"]
NPS_CI_METHODS: tuple[NPSCIMethod, ...] = ("score", "wald", "adjusted-wald")

#: Rocks (2016): pseudo-observations added to (detractors, passives, promoters).
ADJUSTED_WALD_PSEUDO = (0.75, 1.5, 0.75)


def normal_quantile(p: float) -> float:
    """Standard normal quantile."""
    return float(special.ndtri(p))


def nps_variance(p_pro: npt.ArrayLike, p_det: npt.ArrayLike) -> FloatArray:
    """Per-respondent variance of the NPS score in {-1, 0, 1}: ``p+ + p- - (p+ - p-)**2``."""
    pp = np.asarray(p_pro, dtype=np.float64)
    pd_ = np.asarray(p_det, dtype=np.float64)
    return np.maximum(pp + pd_ - (pp - pd_) ** 2, 0.0)


def nps_wald(
    p_pro: npt.ArrayLike, p_det: npt.ArrayLike, n: npt.ArrayLike, z: float
) -> tuple[FloatArray, FloatArray]:
    """Wald interval ``NPS +/- z * sqrt(V / n)``, truncated to [-1, 1]."""
    pp = np.asarray(p_pro, dtype=np.float64)
    pd_ = np.asarray(p_det, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(nps_variance(pp, pd_) / np.asarray(n, dtype=np.float64))
    centre = pp - pd_
    return np.clip(centre - half, -1.0, 1.0), np.clip(centre + half, -1.0, 1.0)


def nps_adjusted_wald(
    p_pro: npt.ArrayLike, p_det: npt.ArrayLike, n: npt.ArrayLike, z: float
) -> tuple[FloatArray, FloatArray]:
    """Rocks' adjusted Wald interval: Wald on counts plus 0.75/1.5/0.75 pseudo-answers.

    The interval is centred on the adjusted NPS of ``n + 3`` answers.
    """
    nn = np.asarray(n, dtype=np.float64)
    det, pas, pro = ADJUSTED_WALD_PSEUDO
    n_adj = nn + det + pas + pro
    pp = (np.asarray(p_pro, dtype=np.float64) * nn + pro) / n_adj
    pd_ = (np.asarray(p_det, dtype=np.float64) * nn + det) / n_adj
    return nps_wald(pp, pd_, n_adj, z)


def _tango_statistic(
    delta: FloatArray, p_pro: FloatArray, p_det: FloatArray, n: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Tango's score statistic for H0: NPS = delta (unit scale), and its slope in delta.

    Promoters and detractors play the two discordant cells of a paired 2x2 table; the
    nuisance (the detractor share) is replaced by its maximum-likelihood value under H0,
    the positive root ``q`` of ``2 q**2 + B q + C = 0`` (Tango 1998, eq. 4, divided by n).
    The slope follows by implicit differentiation of that quadratic.
    """
    spread = delta * (1.0 - delta)
    b = -p_pro - p_det + (2.0 - p_pro + p_det) * delta
    c = -p_det * spread
    root = np.sqrt(np.maximum(b * b - 8.0 * c, 0.0))
    num = p_pro - p_det - delta
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Two algebraically equal forms of the root; each avoids cancellation on its side.
        q = np.where(b <= 0.0, (root - b) / 4.0, -2.0 * c / (b + root))
        var = np.maximum(2.0 * q + spread, 0.0)
        t = np.sqrt(n) * num / np.sqrt(var)
        dq = -((2.0 - p_pro + p_det) * q - p_det * (1.0 - 2.0 * delta)) / root
        dvar = 2.0 * dq + 1.0 - 2.0 * delta
        slope = np.sqrt(n / var) * (-1.0 - num * dvar / (2.0 * var))
    # At delta = +/-1 the variance vanishes: the statistic is +/-inf, or 0 where the data
    # sit exactly on that boundary.
    on_boundary = np.where(num > 0.0, np.inf, np.where(num < 0.0, -np.inf, 0.0))
    return np.where(var > 0.0, t, on_boundary), slope


def _invert_decreasing(
    target: FloatArray,
    left: FloatArray,
    right: FloatArray,
    start: FloatArray,
    args: tuple[FloatArray, FloatArray, FloatArray],
    *,
    xtol: float = 1e-12,
    max_iter: int = 200,
) -> FloatArray:
    """Solve ``T(x) = target`` for a decreasing ``T`` bracketed by ``[left, right]``.

    Newton steps from ``start``, safeguarded by bisection whenever a step leaves the
    bracket, all elements at once. From the Wald bound Newton needs three or four steps;
    a general-purpose solver spends several times longer on per-call overhead.
    """
    lo, hi = left.copy(), right.copy()
    x = np.where((start > lo) & (start < hi), start, 0.5 * (lo + hi))
    active = np.ones(x.shape, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        xs = x[idx]
        value, slope = _tango_statistic(xs, *(arg[idx] for arg in args))
        f = value - target[idx]
        above = f > 0.0  # T decreasing: the root lies to the right
        lo[idx] = np.where(above, xs, lo[idx])
        hi[idx] = np.where(above, hi[idx], xs)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = f / slope
        newton = xs - step
        inside = (newton > lo[idx]) & (newton < hi[idx]) & np.isfinite(newton)
        done = (np.abs(step) <= xtol) | (f == 0.0) | (hi[idx] - lo[idx] <= xtol)
        x[idx] = np.where(done, xs, np.where(inside, newton, 0.5 * (lo[idx] + hi[idx])))
        active[idx[done]] = False
    if active.any():  # pragma: no cover - bisection alone converges within max_iter
        raise RuntimeError("the score interval's root search did not converge")
    return x


def nps_score(
    p_pro: npt.ArrayLike, p_det: npt.ArrayLike, n: npt.ArrayLike, z: float
) -> tuple[FloatArray, FloatArray]:
    """Iterative score interval for the NPS (Rocks 2016), vectorised over groups.

    Inverts Tango's (1998) score test for a difference of paired proportions, solving
    ``T(delta) = +z`` and ``T(delta) = -z`` for all groups at once. The bounds always
    lie in [-1, 1]; a sample of promoters only has upper bound 1 (detractors only:
    lower bound -1).
    """
    pp, pd_, nn = np.broadcast_arrays(
        np.asarray(p_pro, dtype=np.float64),
        np.asarray(p_det, dtype=np.float64),
        np.asarray(n, dtype=np.float64),
    )
    shape = pp.shape
    pp, pd_, nn = pp.ravel(), pd_.ravel(), nn.ravel()
    ok = (nn > 0) & np.isfinite(pp) & np.isfinite(pd_)
    low = np.full(pp.shape, np.nan)
    high = np.full(pp.shape, np.nan)
    if ok.any():
        a, d, m = pp[ok], pd_[ok], nn[ok]
        est = a - d
        # A sample entirely of promoters (detractors) keeps T finite up to the edge
        # 1 (-1), so that bound is the edge itself.
        low_ok, high_ok = np.full(a.shape, -1.0), np.full(a.shape, 1.0)
        solve_low = (d < 1.0) & (est > -1.0)
        solve_high = (a < 1.0) & (est < 1.0)
        # Both bounds of all groups in one vectorised search: T(delta) = +z on
        # [-1, est] for the lower bound, T(delta) = -z on [est, 1] for the upper one,
        # each started from its Wald bound.
        k = int(solve_low.sum())
        sel = np.concatenate([solve_low, solve_high])
        half = z * np.sqrt(nps_variance(a, d) / m)
        left = np.concatenate([np.full(k, -1.0), est[solve_high]])
        right = np.concatenate([est[solve_low], np.ones(int(solve_high.sum()))])
        start = np.concatenate([est - half, est + half])[sel]
        target = np.concatenate([np.full(k, z), np.full(len(left) - k, -z)])
        args = (
            np.concatenate([a, a])[sel],
            np.concatenate([d, d])[sel],
            np.concatenate([m, m])[sel],
        )
        if len(left):
            roots = np.clip(_invert_decreasing(target, left, right, start, args), -1.0, 1.0)
            low_ok[solve_low] = roots[:k]
            high_ok[solve_high] = roots[k:]
        low[ok], high[ok] = low_ok, high_ok
    return low.reshape(shape), high.reshape(shape)


def nps_interval(
    method: NPSCIMethod,
    p_pro: npt.ArrayLike,
    p_det: npt.ArrayLike,
    n: npt.ArrayLike,
    confidence_level: float,
) -> tuple[FloatArray, FloatArray]:
    """Two-sided interval for the NPS on the unit scale, vectorised over groups.

    Parameters
    ----------
    method : {"score", "wald", "adjusted-wald"}
        Tango's score interval (Rocks 2016), the Wald interval truncated to [-1, 1], or
        Rocks' adjusted Wald interval (0.75, 1.5, 0.75 pseudo-answers).
    p_pro, p_det : array-like
        Shares of promoters and detractors.
    n : array-like
        Sample sizes (may be non-integer effective sizes of weighted data).
    confidence_level : float
        Two-sided coverage, e.g. 0.95.

    Returns
    -------
    low, high : numpy.ndarray
        Bounds on the unit scale (multiply by 100 for NPS points); NaN where ``n`` is 0.

    Examples
    --------
    >>> from cxlib.core.intervals import nps_interval
    >>> low, high = nps_interval("score", [0.5], [1 / 6], [6], 0.95)
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (-0.3111, 0.754)
    """
    z = normal_quantile(0.5 + confidence_level / 2.0)
    if method == "score":
        return nps_score(p_pro, p_det, n, z)
    if method == "wald":
        return nps_wald(p_pro, p_det, n, z)
    return nps_adjusted_wald(p_pro, p_det, n, z)


def normal_test(
    difference: float,
    se: float,
    *,
    alternative: Literal["two-sided", "less", "greater"],
    confidence_level: float,
    bounds: tuple[float, float] = (-np.inf, np.inf),
) -> tuple[float, float, float, float]:
    """z statistic, p-value and interval of a normally distributed difference.

    Returns ``(statistic, p_value, ci_low, ci_high)``; the interval is one-sided for
    one-sided alternatives (open side at the parameter bound) and truncated to
    ``bounds``. A zero or undefined standard error gives NaN statistic and p-value.
    """
    lo_bound, hi_bound = bounds
    if not (se > 0.0 and np.isfinite(se) and np.isfinite(difference)):
        return np.nan, np.nan, np.nan, np.nan
    stat = difference / se
    if alternative == "two-sided":
        p = 2.0 * special.ndtr(-abs(stat))
        half = normal_quantile(0.5 + confidence_level / 2.0) * se
        low, high = difference - half, difference + half
    elif alternative == "greater":
        p = special.ndtr(-stat)
        low, high = difference - normal_quantile(confidence_level) * se, hi_bound
    else:
        p = special.ndtr(stat)
        low, high = lo_bound, difference + normal_quantile(confidence_level) * se
    return (
        float(stat),
        float(p),
        float(np.clip(low, lo_bound, hi_bound)),
        float(np.clip(high, lo_bound, hi_bound)),
    )


ProportionCIMethod = Literal["wilson", "wald", "agresti-coull", "clopper-pearson", "jeffreys"]
PROPORTION_CI_METHODS: tuple[ProportionCIMethod, ...] = (
    "wilson",
    "wald",
    "agresti-coull",
    "clopper-pearson",
    "jeffreys",
)
MeanCIMethod = Literal["t"]
MEAN_CI_METHODS: tuple[MeanCIMethod, ...] = ("t",)


def _check_confidence_level(confidence_level: float) -> None:
    if not 0.0 < confidence_level < 1.0:
        raise ValueError(f"confidence_level must lie in (0, 1), got {confidence_level!r}")


def _proportion_wald(p: FloatArray, n: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    half = z * np.sqrt(p * (1.0 - p) / n)
    return np.clip(p - half, 0.0, 1.0), np.clip(p + half, 0.0, 1.0)


def _proportion_wilson(p: FloatArray, n: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def _proportion_agresti_coull(
    p: FloatArray, n: FloatArray, z: float
) -> tuple[FloatArray, FloatArray]:
    z2 = z * z
    n_adj = n + z2
    p_adj = (p * n + z2 / 2.0) / n_adj
    return _proportion_wald(p_adj, n_adj, z)


def _proportion_clopper_pearson(
    p: FloatArray, n: FloatArray, alpha: float
) -> tuple[FloatArray, FloatArray]:
    x = p * n
    # Beta(0, .) and Beta(., 0) are degenerate: the edges are set to 0 and 1 below, and
    # placeholder shapes keep the special functions away from them. Subnormal counts
    # count as edges too: the exact bound then underflows to 0 (rounds to 1), whereas
    # the quantile functions return artefacts such as 1.8e-12 (or the smallest normal
    # float, which is also mapped to 0).
    tiny = np.finfo(np.float64).tiny
    has_successes, has_failures = x >= tiny, n - x >= tiny
    low = special.betaincinv(np.where(has_successes, x, 1.0), n - x + 1.0, alpha / 2.0)
    high = special.betainccinv(x + 1.0, np.where(has_failures, n - x, 1.0), alpha / 2.0)
    return np.where(has_successes & (low > tiny), low, 0.0), np.where(has_failures, high, 1.0)


def _proportion_jeffreys(
    p: FloatArray, n: FloatArray, alpha: float
) -> tuple[FloatArray, FloatArray]:
    x = p * n
    a, b = x + 0.5, n - x + 0.5
    low = np.asarray(special.betaincinv(a, b, alpha / 2.0), dtype=np.float64)
    high = np.asarray(special.betainccinv(a, b, alpha / 2.0), dtype=np.float64)
    return low, high


def proportion_interval(
    method: ProportionCIMethod,
    p: npt.ArrayLike,
    n: npt.ArrayLike,
    confidence_level: float,
) -> tuple[FloatArray, FloatArray]:
    """Two-sided confidence interval for a binomial proportion, vectorised over groups.

    Parameters
    ----------
    method : {"wilson", "wald", "agresti-coull", "clopper-pearson", "jeffreys"}
        Interval method (see Notes).
    p : array_like
        Observed share(s) of successes, in [0, 1].
    n : array_like
        Sample size(s); may be a non-integer effective sample size (e.g. Kish's
        ``n_eff`` of a weighted sample). Broadcasts against `p`; the number of
        successes is ``x = p * n``.
    confidence_level : float
        Two-sided confidence level in (0, 1), e.g. 0.95.

    Returns
    -------
    low, high : ndarray
        Bounds on the unit scale, of the broadcast shape of `p` and `n`. Where `n` is
        not positive and finite, or `p` is not in [0, 1] (including NaN), both bounds
        are NaN; no warning is raised.

    Raises
    ------
    ValueError
        If `method` is unknown or `confidence_level` is not in (0, 1).

    Notes
    -----
    With ``z`` the standard normal quantile at ``1 - alpha/2`` and
    ``alpha = 1 - confidence_level``, the bounds agree with
    ``statsmodels.stats.proportion.proportion_confint`` (methods ``"normal"``,
    ``"wilson"``, ``"agresti_coull"``, ``"beta"`` and ``"jeffreys"``) to rounding:

    - ``"wald"``: ``p +/- z * sqrt(p * (1 - p) / n)``, truncated to [0, 1]. It has zero
      width at ``p = 0`` and ``p = 1`` and poor coverage in small samples.
    - ``"wilson"``: the Wilson (1927) score interval, centred on
      ``(p + z**2 / (2 n)) / (1 + z**2 / n)``; it lies in [0, 1] mathematically and is
      clipped only against rounding.
    - ``"agresti-coull"``: the Wald interval of ``(x + z**2 / 2) / (n + z**2)`` with
      ``n + z**2`` observations (Agresti & Coull 1998), truncated to [0, 1].
    - ``"clopper-pearson"``: the "exact" interval (Clopper & Pearson 1934), the
      ``alpha/2`` quantile of Beta(x, n - x + 1) and the ``1 - alpha/2`` quantile of
      Beta(x + 1, n - x); the lower bound is 0 when ``x = 0`` and the upper bound 1
      when ``x = n``. It is conservative.
    - ``"jeffreys"``: the equal-tailed ``alpha/2`` and ``1 - alpha/2`` quantiles of the
      Beta(x + 1/2, n - x + 1/2) posterior (Brown, Cai & DasGupta 2001). As in
      statsmodels, the boundary modification that Brown et al. suggest (lower bound 0
      at ``x = 0``, upper bound 1 at ``x = n``) is *not* applied, so at ``p = 0`` the
      lower bound is slightly positive and at ``p = 1`` the upper bound slightly
      below 1.

    For a non-integer `n` the same formulas are evaluated at the non-integer counts.

    References
    ----------
    .. [1] Wilson, E. B. (1927). "Probable inference, the law of succession, and
       statistical inference". Journal of the American Statistical Association 22
       (158): 209-212. doi:10.1080/01621459.1927.10502953.
    .. [2] Agresti, A. and Coull, B. A. (1998). "Approximate is better than 'exact' for
       interval estimation of binomial proportions". The American Statistician 52 (2):
       119-126. doi:10.1080/00031305.1998.10480550.
    .. [3] Clopper, C. J. and Pearson, E. S. (1934). "The use of confidence or fiducial
       limits illustrated in the case of the binomial". Biometrika 26 (4): 404-413.
       doi:10.1093/biomet/26.4.404.
    .. [4] Brown, L. D., Cai, T. T. and DasGupta, A. (2001). "Interval estimation for a
       binomial proportion". Statistical Science 16 (2): 101-133.
       doi:10.1214/ss/1009213286.

    Examples
    --------
    >>> import numpy as np
    >>> from cxlib.core.intervals import proportion_interval
    >>> low, high = proportion_interval("wilson", [0.2, 0.5, 1.0], [50, 10, 8], 0.95)
    >>> print(np.round(low, 4), np.round(high, 4))
    [0.1124 0.2366 0.6756] [0.3304 0.7634 1.    ]
    >>> low, high = proportion_interval("clopper-pearson", 0.0, [20.0, 0.0], 0.95)
    >>> print(np.round(low, 4), np.round(high, 4))
    [ 0. nan] [0.1684    nan]
    """
    _check_confidence_level(confidence_level)
    pp, nn = np.broadcast_arrays(np.asarray(p, dtype=np.float64), np.asarray(n, dtype=np.float64))
    valid = (nn > 0.0) & np.isfinite(nn) & (pp >= 0.0) & (pp <= 1.0)
    # Harmless placeholders where the input is invalid keep 0/0 and sqrt(-x) out of
    # the formulas (and so their RuntimeWarnings); those elements end up NaN.
    q = np.where(valid, pp, 0.5)
    m = np.where(valid, nn, 1.0)
    alpha = 1.0 - confidence_level
    z = normal_quantile(0.5 + confidence_level / 2.0)
    if method == "wilson":
        low, high = _proportion_wilson(q, m, z)
    elif method == "wald":
        low, high = _proportion_wald(q, m, z)
    elif method == "agresti-coull":
        low, high = _proportion_agresti_coull(q, m, z)
    elif method == "clopper-pearson":
        low, high = _proportion_clopper_pearson(q, m, alpha)
    elif method == "jeffreys":
        low, high = _proportion_jeffreys(q, m, alpha)
    else:
        raise ValueError(
            f"unknown method {method!r}; expected one of {', '.join(PROPORTION_CI_METHODS)}"
        )
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


def mean_t_interval(
    mean: npt.ArrayLike,
    se: npt.ArrayLike,
    n: npt.ArrayLike,
    confidence_level: float,
) -> tuple[FloatArray, FloatArray]:
    """Two-sided Student t interval ``mean +/- t(n - 1, 1 - alpha/2) * se``, vectorised.

    Parameters
    ----------
    mean : array_like
        Sample mean(s).
    se : array_like
        Standard error(s) of the mean, e.g. ``s / sqrt(n)``.
    n : array_like
        Sample size(s); may be a non-integer effective sample size, giving
        ``n - 1`` non-integer degrees of freedom. Broadcasts with `mean` and `se`.
    confidence_level : float
        Two-sided confidence level in (0, 1), e.g. 0.95.

    Returns
    -------
    low, high : ndarray
        Bounds of the broadcast shape of the inputs. Where ``n <= 1`` (or NaN), or
        `mean` or `se` is not finite or `se` is negative, both bounds are NaN; no
        warning is raised. An infinite `n` gives the normal interval.

    Raises
    ------
    ValueError
        If `confidence_level` is not in (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from cxlib.core.intervals import mean_t_interval
    >>> low, high = mean_t_interval([4.2, 3.0], [0.1, 0.5], [25, 1], 0.95)
    >>> print(np.round(low, 4), np.round(high, 4))
    [3.9936    nan] [4.4064    nan]
    """
    _check_confidence_level(confidence_level)
    mm, ss, nn = np.broadcast_arrays(
        np.asarray(mean, dtype=np.float64),
        np.asarray(se, dtype=np.float64),
        np.asarray(n, dtype=np.float64),
    )
    valid = (nn > 1.0) & np.isfinite(mm) & np.isfinite(ss) & (ss >= 0.0)
    t = special.stdtrit(np.where(valid, nn - 1.0, 1.0), 0.5 + confidence_level / 2.0)
    half = np.where(valid, t * np.where(valid, ss, 0.0), np.nan)
    centre = np.where(valid, mm, np.nan)
    return centre - half, centre + half
