"""Analytic confidence intervals of proportions and means, and the normal test.

All functions take and return numpy arrays (or scalars), vectorised over groups, and
work on the unit scale (proportions in [0, 1]); the frontends rescale to points. The
intervals of the Net Promoter Score are survey maths and live in
:mod:`cxlib.survey.nps_intervals`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special, stats

__all__ = [
    "MEAN_CI_METHODS",
    "PROPORTION_CI_METHODS",
    "MeanCIMethod",
    "ProportionCIMethod",
    "mean_t_interval",
    "normal_quantile",
    "normal_test",
    "proportion_interval",
]

FloatArray = npt.NDArray[np.float64]


def normal_quantile(p: float) -> float:
    """Standard normal quantile."""
    return float(special.ndtri(p))


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


ProportionCIMethod = Literal[
    "wilson", "modified-wilson", "wald", "agresti-coull", "clopper-pearson", "jeffreys"
]
PROPORTION_CI_METHODS: tuple[ProportionCIMethod, ...] = (
    "wilson",
    "modified-wilson",
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
    method : {"wilson", "modified-wilson", "wald", "agresti-coull", "clopper-pearson", "jeffreys"}
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
    - ``"modified-wilson"``: the Wilson interval whose bound next to 0 (or 1) is
      replaced, when at most ``x*`` successes (failures) are seen, by the one-sided
      Poisson bound ``chi2.ppf(alpha, 2 x) / (2 n)`` (one minus that of the failures
      for the upper bound), with ``x* = 2`` for ``n <= 50`` and ``x* = 3`` above
      (Brown, Cai & DasGupta 2001, section 4.1.1, who give 3 for ``51 <= n <= 100``;
      the same Poisson regime holds for larger ``n``). It removes the dips of the
      Wilson interval's coverage next to 0 and 1 (for 99 % satisfied answers of 10
      respondents, from 90 % to 99.6 %); it is never narrower than the Wilson
      interval and equals it away from the edges.
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
    elif method == "modified-wilson":
        low, high = _proportion_modified_wilson(q, m, z, alpha)
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


def _proportion_modified_wilson(
    p: FloatArray, n: FloatArray, z: float, alpha: float
) -> tuple[FloatArray, FloatArray]:
    low, high = _proportion_wilson(p, n, z)
    cut = np.where(n <= 50.0, 2.0, 3.0)  # x* of Brown, Cai & DasGupta (2001)
    for count, side in ((p * n, "low"), ((1.0 - p) * n, "high")):
        few = (count > 0.0) & (count <= cut + 1e-9)
        if not few.any():
            continue
        poisson = 0.5 * stats.chi2.ppf(alpha, 2.0 * np.where(few, count, 1.0)) / n
        # Never narrower than Wilson (at low confidence levels the Poisson bound can lie
        # inside it); fmin/fmax keep Wilson where the quantile is undefined (NaN).
        if side == "low":
            low = np.where(few, np.fmin(low, poisson), low)
        else:
            high = np.where(few, np.fmax(high, 1.0 - poisson), high)
    return low, high


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
