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

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from ..core.errors import DegenerateDataWarning, find_stack_level
from ..core.results import ConfidenceInterval
from ..core.sufficient import MeanStats
from ..core.validation import (
    NanPolicy,
    as_generator,
    check_confidence_level,
    check_nan_policy,
)
from ._arms import count_pair as _count_pair
from .bayes_inputs import (
    _check_n_draws,
    _check_prior,
    _is_count_pair,
    _is_one_sample,
    _mean_arm,
    _split_arms,
)
from .bayes_result import BayesianComparison, MeanSummary
from .posteriors import (
    _BetaPosteriors,
    _chance_pair,
    _expected_loss_quad,
    _loss_pair,
    _NormalPosteriors,
    _Posteriors,
    _probability_best_quad,
)

__all__ = ["BayesianComparison", "MeanSummary", "bayesian_means", "bayesian_proportions"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
# ``(successes, trials)``: whole numbers, as a tuple, a list or a numpy array.
CountPair: TypeAlias = "Sequence[float] | npt.NDArray[Any]"


MeanArm: TypeAlias = "npt.ArrayLike | MeanSummary | MeanStats | tuple[int, float, float]"


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
    propagated: bool = False,
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
        if not propagated:  # propagated missing values give NaN silently, as everywhere
            warnings.warn(
                "a posterior has zero width (an arm whose values are all equal): chances, "
                "probabilities, expected losses and lifts are NaN",
                DegenerateDataWarning,
                stacklevel=find_stack_level(),
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
            stacklevel=find_stack_level(),
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
    nan_policy: NanPolicy = "omit",
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
        (``sd`` with ``ddof=1``), or a :class:`MeanStats`. A plain tuple of
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
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Missing values (NaN, None, pandas.NA) in per-unit values: skipped and counted
        in ``n_missing``, an error, or NaN results (the arm's posterior and every
        decision quantity; the counts are kept), as in :func:`compare_means`.

    Returns
    -------
    BayesianComparison
        As for :func:`bayesian_proportions`; posterior parameters are ``(mean, sd)``
        and expected losses are in the units of the values.

    Warns
    -----
    DegenerateDataWarning
        When an arm's standard deviation is zero (decision quantities are NaN), or
        when the control's posterior puts more than
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
    propagated = policy == "propagate" and any(st[1] for _, st in stats)
    fields = _analyse(post, arms, level=level, n_draws=draws, rng=generator, propagated=propagated)
    return BayesianComparison(
        metric="mean",
        model="normal approximation",
        n={name: st[0] for name, st in stats},
        n_missing={name: st[1] for name, st in stats},
        **fields,
    )
