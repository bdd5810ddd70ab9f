"""Bayesian A/B comparisons: closed forms against quadrature, Monte Carlo and published figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, special

import cxlib as cx
from cxlib import DegenerateDataWarning
from cxlib.ab import BayesianComparison, MeanSummary, bayesian_means, bayesian_proportions
from cxlib.ab.posteriors import (
    _beta_chance_sum,
    _BetaPosteriors,
    _expected_loss_quad,
    _loss_pair,
    _miller_h,
    _NormalPosteriors,
    _probability_best_quad,
)

MC_DRAWS = 1_000_000


def beta_post(*params: tuple[float, float]) -> _BetaPosteriors:
    return _BetaPosteriors(
        np.array([p[0] for p in params], dtype=float), np.array([p[1] for p in params], dtype=float)
    )


def normal_post(*params: tuple[float, float]) -> _NormalPosteriors:
    return _NormalPosteriors(
        np.array([p[0] for p in params], dtype=float), np.array([p[1] for p in params], dtype=float)
    )


def counts(alpha: float, beta: float) -> tuple[int, int]:
    """(successes, trials) whose uniform-prior posterior is Beta(alpha, beta)."""
    return int(alpha - 1), int(alpha + beta - 2)


def mc_summary(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Monte Carlo estimates (and standard errors) of P(best) and the expected loss per arm."""
    n = draws.shape[1]
    best = np.argmax(draws, axis=0)
    p_best = np.array([(best == j).mean() for j in range(draws.shape[0])])
    p_se = np.sqrt(p_best * (1 - p_best) / n)
    losses = []
    for j in range(draws.shape[0]):
        others = np.delete(draws, j, axis=0).max(axis=0)
        losses.append(np.maximum(others - draws[j], 0.0))
    loss = np.array([x.mean() for x in losses])
    loss_se = np.array([x.std() / math.sqrt(n) for x in losses])
    return p_best, p_se, loss, loss_se


def assert_mc(value: float, estimate: float, se: float) -> None:
    """``value`` within 5 Monte Carlo standard errors (plus rounding) of ``estimate``."""
    assert abs(value - estimate) <= 5 * se + 1e-12, (value, estimate, se)


# ----------------------------------------------------------------------------------------
# Published figures
# ----------------------------------------------------------------------------------------

# Exact P(X_1 > X_0) for X_0 ~ Beta(a0, b0), X_1 ~ Beta(a1, b1), from cprior
# (G. Navas-Palencia), tests/test_beta.py, beta_cprior(a0, b0, a1, b1), checked there to 1e-8.
CPRIOR_CHANCE = [
    ((10, 50, 60, 250), 0.7088919200),
    ((600, 550, 52, 60), 0.1223144258),
    ((1000, 900, 1200, 1000), 0.8898254504),
    ((1000, 900, 1200, 800), 0.9999982656),
]


@pytest.mark.parametrize(("params", "expected"), CPRIOR_CHANCE)
def test_chance_reproduces_cprior(params: tuple[int, int, int, int], expected: float) -> None:
    a0, b0, a1, b1 = params
    res = bayesian_proportions(counts(a0, b0), counts(a1, b1), n_draws=10, rng=0)
    assert res.posterior["control"] == pytest.approx((a0, b0))
    assert res.chance_to_beat_control["variant"] == pytest.approx(expected, rel=1e-8)
    quad = _probability_best_quad(beta_post((a0, b0), (a1, b1)), 1)
    assert quad == pytest.approx(expected, rel=1e-8)


def test_expected_loss_and_lift_interval_reproduce_cprior() -> None:
    # cprior tests/test_beta.py, BetaABTest(A = Beta(40, 60), B = Beta(70, 90)):
    # P(B > A) = 0.7262717462, E[max(B - A, 0)] = 0.0481119843 (loss of A),
    # E[max(A - B, 0)] = 0.0106119843, 90% interval of (B - A) / A ("exact", by root
    # finding on the hypergeometric CDF of the ratio) = (-0.1424559672, 0.4175275191).
    res = bayesian_proportions(counts(40, 60), counts(70, 90), credible_level=0.9, rng=3)
    assert res.chance_to_beat_control["variant"] == pytest.approx(0.7262717462, rel=1e-8)
    assert res.expected_loss["control"] == pytest.approx(0.0481119843, rel=1e-8)
    assert res.expected_loss["variant"] == pytest.approx(0.0106119843, rel=1e-8)

    def ratio_cdf(r: float) -> float:  # P((B - A) / A <= r) = E_A[F_B((1 + r) A)]
        def integrand(x: float) -> float:
            pdf = math.exp(39 * math.log(x) + 59 * math.log1p(-x) - float(special.betaln(40, 60)))
            return pdf * float(special.betainc(70, 90, min((1 + r) * x, 1.0)))

        return float(integrate.quad(integrand, 0, 1, epsabs=1e-13, epsrel=1e-12, limit=200)[0])

    # The published interval has 5% of the posterior on each side ...
    assert ratio_cdf(-0.1424559672) == pytest.approx(0.05, abs=1e-8)
    assert ratio_cdf(0.4175275191) == pytest.approx(0.95, abs=1e-8)
    # ... and the Monte Carlo interval cuts the exact CDF within its sampling error.
    se = math.sqrt(0.05 * 0.95 / res.n_draws)
    low, high = res.lift_ci["variant"]
    assert abs(ratio_cdf(low) - 0.05) < 5 * se
    assert abs(ratio_cdf(high) - 0.95) < 5 * se
    assert res.lift["variant"] == pytest.approx((70 / 160) / 0.4 - 1)


# Exact Miller (2015) figures from ankane/field_test, test/calculations_test.rb (to 1e-10):
# prob_b_beats_a(alpha_a, beta_a, alpha_b, beta_b) and
# prob_c_beats_a_and_b(alpha_a, beta_a, alpha_b, beta_b, alpha_c, beta_c).
FIELD_TEST_TWO = [
    ((1, 2, 3, 4), 0.6428571428571429),
    ((55, 50, 30, 30), 0.38386463776317903),
    ((50, 50, 35, 30), 0.6867997222295887),
]
FIELD_TEST_THREE = [
    ((1, 2, 3, 4, 5, 6), 0.4128959276018096),
    ((1, 2, 3, 4, 5, 100), 0.0004147782900546515),
    ((55, 50, 30, 30, 10, 10), 0.35421204276865736),
    ((50, 50, 35, 30, 13, 18), 0.09139305107602524),
]


@pytest.mark.parametrize(("params", "expected"), FIELD_TEST_TWO)
def test_chance_reproduces_field_test(params: tuple[int, ...], expected: float) -> None:
    aa, ba, ab, bb = params
    res = bayesian_proportions(counts(aa, ba), counts(ab, bb), n_draws=10, rng=0)
    assert res.chance_to_beat_control["variant"] == pytest.approx(expected, abs=1e-10)
    assert res.probability_best["variant"] == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize(("params", "expected"), FIELD_TEST_THREE)
def test_probability_best_of_three_reproduces_field_test(
    params: tuple[int, ...], expected: float
) -> None:
    aa, ba, ab, bb, ac, bc = params
    res = bayesian_proportions(counts(aa, ba), [counts(ab, bb), counts(ac, bc)], n_draws=10, rng=0)
    assert res.probability_best["variant_2"] == pytest.approx(expected, abs=1e-10)
    assert sum(res.probability_best.values()) == pytest.approx(1.0, abs=1e-9)


def test_reproduces_growthbook_risk() -> None:
    # GrowthBook gbstats, packages/stats/tests/bayesian/test_tests.py (rounded to 5 places):
    # Binomial 49/100 vs 51/100 with a Beta(1, 1) prior: risk = [0.03872, 0.01912]
    # (expected loss of keeping A, of shipping B); Gaussian sum = 100, sum of squares =
    # 1002.25, n = 10 vs 105, 1111.5, 10: risk = [0.51256, 0.01256].
    res = bayesian_proportions((49, 100), (51, 100), n_draws=10, rng=0)
    assert round(res.expected_loss["control"], 5) == 0.03872
    assert round(res.expected_loss["variant"], 5) == 0.01912
    sd_a = math.sqrt((1002.25 - 100**2 / 10) / 9)
    sd_b = math.sqrt((1111.5 - 105**2 / 10) / 9)
    res_m = bayesian_means((10, 10.0, sd_a), (10, 10.5, sd_b), n_draws=10, rng=0)
    assert round(res_m.expected_loss["control"], 5) == 0.51256
    assert round(res_m.expected_loss["variant"], 5) == 0.01256


# ----------------------------------------------------------------------------------------
# Miller's sum, quadrature and Monte Carlo
# ----------------------------------------------------------------------------------------

# Each row makes a different parameter the smallest whole number, so each of the four
# forms of the sum is used (summing over alpha_v, beta_c, alpha_c, beta_v).
SUM_FORMS = [
    ((30.5, 70.25, 12.0, 40.5), "alpha_v"),
    ((30.5, 9.0, 40.25, 20.5), "beta_c"),
    ((7.0, 20.5, 40.25, 20.5), "alpha_c"),
    ((30.5, 20.75, 40.25, 6.0), "beta_v"),
    ((121.0, 881.0, 151.0, 851.0), "all whole"),
]


@pytest.mark.parametrize(("params", "form"), SUM_FORMS)
def test_miller_sum_equals_quadrature_and_monte_carlo(
    params: tuple[float, float, float, float], form: str
) -> None:
    a_c, b_c, a_v, b_v = params
    exact = _beta_chance_sum(a_c, b_c, a_v, b_v)
    assert exact is not None, form
    quad = _probability_best_quad(beta_post((a_c, b_c), (a_v, b_v)), 1)
    assert exact == pytest.approx(quad, abs=1e-10)
    rng = np.random.default_rng(11)
    x_c, x_v = rng.beta(a_c, b_c, MC_DRAWS), rng.beta(a_v, b_v, MC_DRAWS)
    mc = (x_v > x_c).mean()
    assert_mc(exact, mc, math.sqrt(mc * (1 - mc) / MC_DRAWS))


def test_miller_sum_needs_a_whole_number() -> None:
    assert _beta_chance_sum(2.5, 3.5, 4.5, 5.5) is None
    # One term (c = 1) for non-whole a, b, d: P(X < Y) with Y ~ Beta(1, d) is
    # E[(1 - X)^d] = B(a, b + d) / B(a, b).
    assert _miller_h(2.5, 3.5, 1, 5.5) == pytest.approx(
        math.exp(special.betaln(2.5, 9.0) - special.betaln(2.5, 3.5)), rel=1e-12
    )


@pytest.mark.parametrize(
    "params",
    [(40.0, 60.0, 70.0, 90.0), (2.5, 3.5, 4.5, 5.5), (0.5, 10.5, 0.5, 1000.5), (1, 1, 1, 1)],
)
def test_two_arm_expected_loss_closed_form_quadrature_and_monte_carlo(
    params: tuple[float, float, float, float],
) -> None:
    a_c, b_c, a_v, b_v = params
    post = beta_post((a_c, b_c), (a_v, b_v))
    loss, _ = _loss_pair(post)
    quad = np.array([_expected_loss_quad(post, 0), _expected_loss_quad(post, 1)])
    np.testing.assert_allclose(loss, quad, rtol=1e-8, atol=1e-13)
    draws = post.draw(np.random.default_rng(5), MC_DRAWS)
    _, _, mc, se = mc_summary(draws)
    for j in range(2):
        assert_mc(loss[j], mc[j], se[j])
    # E[(D)^+] - E[(-D)^+] = E[D]
    assert loss[0] - loss[1] == pytest.approx(post.mean()[1] - post.mean()[0], abs=1e-12)


def test_non_whole_prior_uses_quadrature() -> None:
    res = bayesian_proportions((3, 20), (9, 25), prior=(0.5, 0.5), n_draws=10, rng=0)
    assert res.methods["chance_to_beat_control"] == "quadrature"
    assert res.methods["expected_loss"] == "quadrature"
    whole = bayesian_proportions((3, 20), (9, 25), n_draws=10, rng=0)
    assert whole.methods["chance_to_beat_control"] == "exact sum (Miller 2015)"
    post = beta_post((3.5, 17.5), (9.5, 16.5))
    draws = post.draw(np.random.default_rng(2), MC_DRAWS)
    p_best, p_se, loss, loss_se = mc_summary(draws)
    assert_mc(res.chance_to_beat_control["variant"], p_best[1], p_se[1])
    assert_mc(res.expected_loss["control"], loss[0], loss_se[0])
    assert_mc(res.expected_loss["variant"], loss[1], loss_se[1])


@pytest.mark.parametrize("prior", [(1.0, 1.0), (0.5, 0.5)])
def test_many_arms_quadrature_against_monte_carlo(prior: tuple[float, float]) -> None:
    arms = {"b": (130, 1000), "c": (135, 1000), "d": (20, 150)}
    res = bayesian_proportions((120, 1000), arms, prior=prior, n_draws=10, rng=0)
    assert res.methods["probability_best"] == "quadrature"
    post = beta_post(*res.posterior.values())
    draws = post.draw(np.random.default_rng(9), MC_DRAWS)
    p_best, p_se, loss, loss_se = mc_summary(draws)
    for j, arm in enumerate(res.arms):
        assert_mc(res.probability_best[arm], p_best[j], p_se[j])
        assert_mc(res.expected_loss[arm], loss[j], loss_se[j])
    assert sum(res.probability_best.values()) == pytest.approx(1.0, abs=1e-9)
    # The pairwise chance is still exact with more arms.
    for arm in res.variants:
        a_v, b_v = res.posterior[arm]
        a_c, b_c = res.posterior["control"]
        assert res.chance_to_beat_control[arm] == pytest.approx(
            _probability_best_quad(beta_post((a_c, b_c), (a_v, b_v)), 1), abs=1e-10
        )


# ----------------------------------------------------------------------------------------
# Normal approximation for means
# ----------------------------------------------------------------------------------------


def test_means_closed_forms() -> None:
    res = bayesian_means((400, 20.0, 12.0), (500, 21.5, 15.0), n_draws=10, rng=0)
    se_c, se_v = 12.0 / 20.0, 15.0 / math.sqrt(500)
    mu, sigma = 1.5, math.hypot(se_c, se_v)
    z = mu / sigma
    phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    assert res.posterior["control"] == pytest.approx((20.0, se_c))
    assert res.chance_to_beat_control["variant"] == pytest.approx(special.ndtr(z), rel=1e-14)
    assert res.expected_loss["variant"] == pytest.approx(
        sigma * phi - mu * special.ndtr(-z), rel=1e-12
    )
    assert res.expected_loss["control"] == pytest.approx(
        sigma * phi + mu * special.ndtr(z), rel=1e-12
    )
    assert res.credible_interval["variant"] == pytest.approx(
        (21.5 - 1.959963984540054 * se_v, 21.5 + 1.959963984540054 * se_v)
    )
    assert res.lift["variant"] == pytest.approx(1.5 / 20.0)
    post = normal_post((20.0, se_c), (21.5, se_v))
    assert _probability_best_quad(post, 1) == pytest.approx(special.ndtr(z), abs=1e-10)
    assert _expected_loss_quad(post, 1) == pytest.approx(res.expected_loss["variant"], rel=1e-8)
    assert _expected_loss_quad(post, 0) == pytest.approx(res.expected_loss["control"], rel=1e-8)


def test_means_many_arms_against_monte_carlo() -> None:
    arms = [(1000, 5.2, 3.0), (800, 5.0, 2.0), (50, 5.3, 4.0)]
    res = bayesian_means((900, 5.0, 3.0), arms, n_draws=10, rng=0)
    post = normal_post(*res.posterior.values())
    draws = post.draw(np.random.default_rng(4), MC_DRAWS)
    p_best, p_se, loss, loss_se = mc_summary(draws)
    for j, arm in enumerate(res.arms):
        assert_mc(res.probability_best[arm], p_best[j], p_se[j])
        assert_mc(res.expected_loss[arm], loss[j], loss_se[j])
    assert sum(res.probability_best.values()) == pytest.approx(1.0, abs=1e-9)


def test_means_lift_interval_against_direct_draws() -> None:
    res = bayesian_means((2000, 50.0, 30.0), (2000, 53.0, 32.0), rng=8)
    rng = np.random.default_rng(8)
    c = rng.normal(50.0, 30.0 / math.sqrt(2000), res.n_draws)
    v = rng.normal(53.0, 32.0 / math.sqrt(2000), res.n_draws)
    np.testing.assert_allclose(
        res.lift_ci["variant"], np.quantile((v - c) / c, [0.025, 0.975]), rtol=1e-12
    )


def test_per_unit_values_match_summary_statistics() -> None:
    rng = np.random.default_rng(1)
    c, v = rng.gamma(2.0, 10.0, 300), rng.gamma(2.1, 10.0, 250)
    from_values = bayesian_means(c, pd.Series(v), rng=5)
    from_stats = bayesian_means(
        MeanSummary(300, c.mean(), c.std(ddof=1)), (250, v.mean(), v.std(ddof=1)), rng=5
    )
    for name in ("posterior_mean", "posterior_sd", "chance_to_beat_control", "expected_loss"):
        got, want = getattr(from_values, name), getattr(from_stats, name)
        assert got == pytest.approx(want, rel=1e-12)
    assert from_values.lift_ci["variant"] == pytest.approx(from_stats.lift_ci["variant"])


# ----------------------------------------------------------------------------------------
# Symmetry and properties
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("prior", [(1.0, 1.0), (0.7, 2.3)])
def test_swapping_arms(prior: tuple[float, float]) -> None:
    ab = bayesian_proportions((45, 400), (60, 410), prior=prior, n_draws=10, rng=0)
    ba = bayesian_proportions((60, 410), (45, 400), prior=prior, n_draws=10, rng=0)
    assert ba.chance_to_beat_control["variant"] == pytest.approx(
        1 - ab.chance_to_beat_control["variant"], abs=1e-10
    )
    assert ba.expected_loss["control"] == pytest.approx(ab.expected_loss["variant"], rel=1e-8)
    assert ba.expected_loss["variant"] == pytest.approx(ab.expected_loss["control"], rel=1e-8)
    mab = bayesian_means((40, 3.0, 1.0), (50, 3.4, 1.5), n_draws=10, rng=0)
    mba = bayesian_means((50, 3.4, 1.5), (40, 3.0, 1.0), n_draws=10, rng=0)
    assert mba.chance_to_beat_control["variant"] == pytest.approx(
        1 - mab.chance_to_beat_control["variant"], abs=1e-14
    )
    assert mba.expected_loss["control"] == pytest.approx(mab.expected_loss["variant"])


@pytest.mark.parametrize("prior", [(1.0, 1.0), (0.5, 0.5)])
def test_identical_arms(prior: tuple[float, float]) -> None:
    res = bayesian_proportions((30, 300), (30, 300), prior=prior, n_draws=10, rng=0)
    assert res.chance_to_beat_control["variant"] == pytest.approx(0.5, abs=1e-10)
    assert res.expected_loss["control"] == pytest.approx(res.expected_loss["variant"], rel=1e-9)
    four = bayesian_proportions((30, 300), [(30, 300)] * 3, prior=prior, n_draws=10, rng=0)
    assert list(four.probability_best.values()) == pytest.approx([0.25] * 4, abs=1e-9)
    losses = list(four.expected_loss.values())
    assert losses == pytest.approx([losses[0]] * 4, rel=1e-9)
    means = bayesian_means((30, 1.0, 2.0), (30, 1.0, 2.0), n_draws=10, rng=0)
    assert means.chance_to_beat_control["variant"] == 0.5
    assert means.expected_loss["control"] == means.expected_loss["variant"]


@given(
    n_c=st.integers(1, 3000),
    n_v=st.integers(1, 3000),
    frac_c=st.floats(0, 1),
    frac_v=st.floats(0, 1),
    prior_a=st.sampled_from([1.0, 0.5, 2.0]),
)
def test_chance_is_a_probability_increasing_in_variant_successes(
    n_c: int, n_v: int, frac_c: float, frac_v: float, prior_a: float
) -> None:
    s_c, s_v = round(frac_c * n_c), round(frac_v * n_v)
    res = bayesian_proportions((s_c, n_c), (s_v, n_v), prior=(prior_a, 1.0), n_draws=10, rng=0)
    chance = res.chance_to_beat_control["variant"]
    assert 0.0 <= chance <= 1.0
    loss_c, loss_v = res.expected_loss["control"], res.expected_loss["variant"]
    assert loss_c >= 0
    assert loss_v >= 0
    diff = res.posterior_mean["variant"] - res.posterior_mean["control"]
    assert loss_c - loss_v == pytest.approx(diff, abs=1e-9)
    if s_v < n_v:
        more = bayesian_proportions(
            (s_c, n_c), (s_v + 1, n_v), prior=(prior_a, 1.0), n_draws=10, rng=0
        )
        assert more.chance_to_beat_control["variant"] >= chance - 1e-9
        assert more.expected_loss["variant"] <= loss_v + 1e-9


@given(
    mean_v=st.floats(-50, 50),
    sd_v=st.floats(0.1, 100),
    n_v=st.integers(2, 10_000),
)
def test_means_chance_is_a_probability_increasing_in_the_variant_mean(
    mean_v: float, sd_v: float, n_v: int
) -> None:
    res = bayesian_means((200, 10.0, 10.0), (n_v, mean_v, sd_v), n_draws=10, rng=0)
    chance = res.chance_to_beat_control["variant"]
    assert 0.0 <= chance <= 1.0
    higher = bayesian_means((200, 10.0, 10.0), (n_v, mean_v + 0.5, sd_v), n_draws=10, rng=0)
    assert higher.chance_to_beat_control["variant"] >= chance


# ----------------------------------------------------------------------------------------
# Determinism, inputs and output
# ----------------------------------------------------------------------------------------


def test_same_seed_same_result() -> None:
    a = bayesian_proportions((120, 1000), [(150, 1000), (140, 1000)], rng=42)
    b = bayesian_proportions((120, 1000), [(150, 1000), (140, 1000)], rng=42)
    assert a.lift_ci == b.lift_ci
    assert a.to_frame().equals(b.to_frame())
    c = bayesian_proportions((120, 1000), [(150, 1000), (140, 1000)], rng=43)
    assert c.lift_ci != a.lift_ci
    assert c.chance_to_beat_control == a.chance_to_beat_control  # no Monte Carlo there
    gen = np.random.default_rng(42)
    d = bayesian_proportions((120, 1000), [(150, 1000), (140, 1000)], rng=gen)
    assert d.lift_ci == a.lift_ci


def test_arm_names_and_input_forms() -> None:
    one = bayesian_proportions([3, 10], np.array([4, 10]), n_draws=10, rng=0)
    assert one.arms == ("control", "variant")
    assert one.control == "control"
    assert one.variants == ("variant",)
    listed = bayesian_proportions((3, 10), [(4, 10)], n_draws=10, rng=0)
    assert listed.arms == ("control", "variant")
    many = bayesian_proportions((3, 10), [(4, 10), (5, 10)], n_draws=10, rng=0)
    assert many.arms == ("control", "variant_1", "variant_2")
    named = bayesian_proportions((3, 10), {"B": (4, 10), "C": (5.0, 10.0)}, n_draws=10, rng=0)
    assert named.arms == ("control", "B", "C")
    assert named.successes["C"] == 5
    assert isinstance(named.n["C"], int)
    means = bayesian_means([1.0, 2.0, 3.0], [[2.0, 3.0], (4, 2.0, 1.0)], n_draws=10, rng=0)
    assert means.arms == ("control", "variant_1", "variant_2")
    assert means.n == {"control": 3, "variant_1": 2, "variant_2": 4}


def test_nan_policy_for_values() -> None:
    values = [1.0, np.nan, 3.0, 4.0]
    res = bayesian_means(values, [2.0, 5.0, 6.0], n_draws=10, rng=0, nan_policy="omit")
    assert res.n["control"] == 3
    assert res.n_missing["control"] == 1
    assert res.posterior_mean["control"] == pytest.approx(8 / 3)
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        bayesian_means(values, [2.0, 5.0, 6.0], nan_policy="raise")
    default = bayesian_means(values, [2.0, 5.0, 6.0], n_draws=10, rng=0)  # omit by default
    assert default.posterior_mean == res.posterior_mean
    assert default.n_missing == res.n_missing
    # Propagated missing values give NaN silently, as in the survey indices.
    prop = bayesian_means(values, [2.0, 5.0, 6.0], nan_policy="propagate", n_draws=10)
    assert math.isnan(prop.posterior_mean["control"])
    assert prop.posterior_mean["variant"] == pytest.approx(13 / 3)
    assert math.isnan(prop.chance_to_beat_control["variant"])
    assert math.isnan(prop.expected_loss["control"])
    with pytest.raises(ValueError, match="nan_policy"):
        bayesian_means(values, [2.0, 5.0], nan_policy="drop")  # type: ignore[arg-type]


def test_mean_stats_are_sums_not_summaries() -> None:
    rng = np.random.default_rng(4)
    control, variant = rng.exponential(50.0, 1_000), rng.exponential(55.0, 1_000)
    from_values = bayesian_means(control, variant, n_draws=10, rng=0)
    from_sums = bayesian_means(
        cx.ab.MeanStats.from_values(control), cx.ab.MeanStats.from_values(variant), n_draws=10
    )
    assert from_sums.chance_to_beat_control["variant"] == pytest.approx(
        from_values.chance_to_beat_control["variant"], rel=1e-9
    )
    assert from_sums.posterior_mean["control"] == pytest.approx(control.mean(), rel=1e-12)


def test_degenerate_means_warn() -> None:
    with pytest.warns(DegenerateDataWarning, match="zero width"):
        res = bayesian_means([2.0, 2.0, 2.0], [1.0, 3.0, 4.0], n_draws=10, rng=0)
    assert math.isnan(res.probability_best["variant"])
    assert res.posterior_sd["control"] == 0.0
    with pytest.warns(DegenerateDataWarning, match="lift is undefined"):
        near_zero = bayesian_means((20, 0.1, 5.0), (20, 1.0, 5.0), n_draws=100, rng=0)
    assert math.isnan(near_zero.lift_ci["variant"].low)
    assert 0 < near_zero.chance_to_beat_control["variant"] < 1
    assert near_zero.lift["variant"] == pytest.approx(9.0)


def test_an_arm_without_units_is_refused() -> None:
    # Its posterior would be the prior alone, reported as a chance to be best.
    with pytest.raises(ValueError, match="control: trials must be at least 1; got 0"):
        bayesian_proportions((0, 0), (10, 100), n_draws=10, rng=0)
    with pytest.raises(ValueError, match="variant 'variant': trials must be at least 1"):
        bayesian_proportions((10, 100), (0, 0), n_draws=10, rng=0)


@pytest.mark.parametrize(
    ("control", "variant", "kwargs", "error", "match"),
    [
        ((11, 10), (1, 10), {}, ValueError, r"control: successes \(11\) must not exceed"),
        ((1, 10), (-1, 10), {}, ValueError, "must be non-negative"),
        ((1, 10), (1.5, 10), {}, ValueError, "whole number; got 1.5"),
        ((1, 10), (1, float("nan")), {}, ValueError, "trials must be a whole number"),
        ((True, 10), (1, 10), {}, TypeError, "whole number; got bool"),
        ((1, "10"), (1, 10), {}, TypeError, "whole number; got str"),
        ((1, 2, 3), (1, 10), {}, TypeError, r"pair \(successes, trials\)"),
        ((1, 10), (1, 10), {"prior": (0.0, 1.0)}, ValueError, "finite and positive"),
        ((1, 10), (1, 10), {"prior": (1.0, -2.0)}, ValueError, "finite and positive"),
        ((1, 10), (1, 10), {"prior": 1.0}, TypeError, "prior must be a pair"),
        ((1, 10), (1, 10), {"credible_level": 1.5}, ValueError, "strictly between 0 and 1"),
        ((1, 10), (1, 10), {"n_draws": 0}, ValueError, "n_draws must be a positive"),
        ((1, 10), (1, 10), {"n_draws": 10.0}, TypeError, "n_draws"),
        ((1, 10), (1, 10), {"rng": "seed"}, TypeError, "rng must be"),
        ((1, 10), {}, {}, ValueError, "at least one arm"),
        ((1, 10), [], {}, ValueError, "at least one arm"),
        ((1, 10), {"control": (1, 10)}, {}, ValueError, "control arm's name"),
        ((1, 10), {1: (1, 10)}, {}, TypeError, "non-empty strings"),
    ],
)
def test_proportion_input_errors(
    control: object, variant: object, kwargs: dict[str, object], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        bayesian_proportions(control, variant, **kwargs)  # type: ignore[arg-type]


def test_named_variant_errors_name_the_arm() -> None:
    with pytest.raises(ValueError, match=r"variant 'B': successes \(12\)"):
        bayesian_proportions((1, 10), {"B": (12, 10)})


@pytest.mark.parametrize(
    ("control", "error", "match"),
    [
        ([], ValueError, "at least 2 non-missing units; got 0"),
        ([np.nan, 1.0], ValueError, r"at least 2 non-missing units; got 1 \(of 2, 1 missing\)"),
        ([1.0, np.inf], ValueError, r"finite values; got 1 infinite values \[inf\]"),
        (["a", "b"], TypeError, "must hold numbers"),
        ([True, False], TypeError, "must hold numbers"),
        (np.ones((2, 2)), ValueError, "one-dimensional"),
        ((1, 3.0, 1.0), ValueError, "n must be at least 2"),
        ((2.5, 3.0, 1.0), ValueError, "whole number"),
        ((10, 3.0, -1.0), ValueError, "sd must be finite and non-negative"),
        ((10, np.nan, 1.0), ValueError, "mean must be finite"),
    ],
)
def test_mean_input_errors(control: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        bayesian_means(control, [1.0, 2.0, 3.0])  # type: ignore[arg-type]


def test_frame_repr_and_html() -> None:
    res = bayesian_proportions((120, 1000), {"red": (150, 1000), "blue": (135, 1000)}, rng=7)
    assert isinstance(res, BayesianComparison)
    frame = res.to_frame()
    assert list(frame["arm"]) == ["control", "red", "blue"]
    assert list(frame.columns) == [
        "metric", "arm", "is_control", "n", "successes", "n_missing", "posterior_mean",
        "posterior_sd", "alpha", "beta", "ci_low", "ci_high", "chance_to_beat_control",
        "probability_best", "expected_loss", "lift", "lift_ci_low", "lift_ci_high",
        "credible_level", "ci_method",
    ]  # fmt: skip
    assert np.isnan(frame["chance_to_beat_control"].to_numpy()[0])
    assert frame.loc[1, "chance_to_beat_control"] == res.chance_to_beat_control["red"]
    text = repr(res)
    assert text.splitlines()[0].startswith("Bayesian proportions · beta-binomial, prior Beta(1, 1)")
    assert "  red  " in text
    assert "chance to beat control 97.5%" in text
    assert "expected loss 0.149 pp" in text
    page = res._repr_html_()
    assert "<table" in page
    assert "blue" in page
    means = bayesian_means((100, 4.0, 2.0), (100, 4.5, 2.0), rng=0)
    assert "alpha" not in means.to_frame().columns
    assert "normal approximation, flat prior" in repr(means)
    with pytest.raises(TypeError):
        res.chance_to_beat_control["red"] = 0.0  # type: ignore[index]
