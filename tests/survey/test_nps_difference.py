"""cx.nps_difference: Wald against the hand formula (as in the R package NPS's nps_test),
MOVER against Newcombe (1998) and a direct construction, the p-value against the
interval, adjusted Wald against its pseudo-counts."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from statsmodels.stats.proportion import confint_proportions_2indep

import cxlib as cx
from cxlib.survey.nps_difference_intervals import (
    NPS_DIFFERENCE_METHODS,
    nps_difference_interval,
    nps_mover_p_value,
)


def shares(x: list[int]) -> tuple[float, float, int]:
    a = np.asarray(x)
    return float((a >= 9).mean()), float((a <= 6).mean()), len(a)


A = [10, 10, 9, 9, 8, 7, 10, 6, 9, 10, 3, 9]
B = [10, 5, 9, 3, 8, 7, 6, 6, 9, 10, 0, 2, 8]


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_difference_hand_formula(alternative: str, level: float) -> None:
    pa, qa, na = shares(A)
    pb, qb, nb = shares(B)
    diff = (pa - qa) - (pb - qb)
    se = math.sqrt((pa + qa - (pa - qa) ** 2) / na + (pb + qb - (pb - qb) ** 2) / nb)
    z = diff / se
    res = cx.nps_difference(
        A,
        B,
        alternative=alternative,  # type: ignore[arg-type]
        confidence_level=level,
        ci_method="wald",
    )
    assert res.difference == pytest.approx(100 * diff)
    assert res.se == pytest.approx(100 * se)
    assert res.statistic == pytest.approx(z)
    if alternative == "two-sided":
        p = 2 * stats.norm.sf(abs(z))
        half = stats.norm.ppf(0.5 + level / 2) * se
        ci = (diff - half, diff + half)
    elif alternative == "greater":
        p = stats.norm.sf(z)
        ci = (diff - stats.norm.ppf(level) * se, 2.0)
    else:
        p = stats.norm.cdf(z)
        ci = (-2.0, diff + stats.norm.ppf(level) * se)
    assert res.p_value == pytest.approx(p)
    assert res.difference_ci.low == pytest.approx(100 * ci[0])
    assert res.difference_ci.high == pytest.approx(100 * ci[1])
    assert res.estimates is not None
    assert res.estimates[0] == cx.nps(A, confidence_level=level)
    assert res.estimates[1] == cx.nps(B, confidence_level=level)
    assert res.alternative == alternative
    assert res.method == "wald"


def test_difference_is_signed() -> None:
    low_first = cx.nps_difference([0, 0, 9], [10, 10, 9])
    assert low_first.difference < 0


def test_degenerate_wald_difference_warns() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="standard error of the NPS difference"):
        res = cx.nps_difference([10, 10], [0, 0], ci_method="wald")
    assert res.difference == 200.0
    assert math.isnan(res.p_value)
    assert math.isnan(res.difference_ci.low)


def test_mover_is_defined_where_wald_collapses() -> None:
    # Two promoters against two detractors: the score intervals still have width.
    res = cx.nps_difference([10, 10], [0, 0])
    assert res.method == "mover"
    assert 0.0 < res.difference_ci.low < 200.0
    assert res.difference_ci.high == 200.0
    assert 0.0 < res.p_value < 0.05
    same = cx.nps_difference([10, 10], [10, 10])
    assert same.p_value == 1.0
    assert same.difference_ci.low < 0.0 < same.difference_ci.high


def test_difference_with_missing_answers() -> None:
    res = cx.nps_difference([10, None, 0], [9, 9, np.nan])
    assert res.estimates is not None
    assert res.estimates[0].n_missing == 1
    assert res.estimates[1].n_missing == 1
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        cx.nps_difference([10, None, 0], [9], nan_policy="raise")


def test_difference_on_other_scale() -> None:
    res = cx.nps_difference([7, 7, 6], [1, 5, 7], scale="1-7")
    assert res.difference == pytest.approx(100 * (2 / 3 - 0) - 100 * (1 / 3 - 2 / 3))


def test_difference_validates_options() -> None:
    with pytest.raises(ValueError, match="alternative must be one of 'two-sided'"):
        cx.nps_difference([9], [9], alternative="bigger")  # type: ignore[arg-type]


def _no_passives(promoters: int, n: int) -> list[int]:
    return [10] * promoters + [0] * (n - promoters)


# Newcombe (1998), Table II, method 10 (hybrid score, MOVER with Wilson intervals):
# (x1, n1, x2, n2, lower, upper) of p1 - p2.
NEWCOMBE_TABLE_II = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
]


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "lower", "upper"), NEWCOMBE_TABLE_II)
def test_mover_without_passives_is_newcombes_hybrid_score_interval(
    x1: int, n1: int, x2: int, n2: int, lower: float, upper: float
) -> None:
    # Without passives NPS = 2 p - 1 (p the promoter share) and Tango's interval is
    # 2 * Wilson - 1, so the NPS difference and its MOVER interval are twice
    # Newcombe's difference of proportions and his interval, in points 200 times.
    res = cx.nps_difference(_no_passives(x1, n1), _no_passives(x2, n2))
    assert res.difference == pytest.approx(200 * (x1 / n1 - x2 / n2))
    assert res.difference_ci.low == pytest.approx(200 * lower, abs=200 * 5e-5 + 1e-9)
    assert res.difference_ci.high == pytest.approx(200 * upper, abs=200 * 5e-5 + 1e-9)
    ref = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
    assert res.difference_ci.low == pytest.approx(200 * ref[0], abs=1e-7)
    assert res.difference_ci.high == pytest.approx(200 * ref[1], abs=1e-7)


answers = st.lists(st.integers(0, 10), min_size=1, max_size=60)


@settings(max_examples=25)
@given(answers, answers, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_mover_is_built_from_the_two_score_intervals(
    a: list[int], b: list[int], level: float
) -> None:
    res = cx.nps_difference(a, b, confidence_level=level)
    ea, eb = cx.nps(a, confidence_level=level), cx.nps(b, confidence_level=level)
    d = ea.value - eb.value
    low = d - math.hypot(ea.value - ea.ci.low, eb.ci.high - eb.value)
    high = d + math.hypot(ea.ci.high - ea.value, eb.value - eb.ci.low)
    assert res.difference_ci.low == pytest.approx(low, abs=1e-7)
    assert res.difference_ci.high == pytest.approx(high, abs=1e-7)
    assert res.difference_ci.low <= res.difference <= res.difference_ci.high


@settings(max_examples=25)
@given(answers, answers, st.floats(0.001, 0.4), st.sampled_from(["two-sided", "greater", "less"]))
def test_mover_p_value_agrees_with_the_interval(
    a: list[int], b: list[int], alpha: float, alternative: str
) -> None:
    res = cx.nps_difference(a, b, alternative=alternative)  # type: ignore[arg-type]
    assume(abs(res.p_value - alpha) > 1e-6)  # not on the edge itself
    at = cx.nps_difference(
        a,
        b,
        alternative=alternative,  # type: ignore[arg-type]
        confidence_level=1 - alpha,
    )
    excludes_zero = not (at.difference_ci.low <= 0.0 <= at.difference_ci.high)
    assert (res.p_value < alpha) == excludes_zero


@settings(max_examples=30)
@given(answers, answers)
def test_mover_p_value_vectorised_equals_single(a: list[int], b: list[int]) -> None:
    res = cx.nps_difference(a, b)
    z, p = nps_mover_p_value(shares(a), shares(b))
    assert float(p) == pytest.approx(res.p_value, rel=1e-6, abs=1e-12)
    assert float(z) == pytest.approx(res.statistic, rel=1e-6, abs=1e-9)
    if res.p_value < 1:  # the statistic is the z value of the p-value
        assert stats.norm.isf(res.p_value / 2) == pytest.approx(abs(res.statistic), rel=1e-6)


def test_mover_p_value_by_brentq() -> None:
    # The p-value is the alpha at which the lower bound reaches 0: solved here with
    # scipy's brentq on the level, independently of cxlib's bisection on z.
    res = cx.nps_difference(A, B)
    assert res.difference > 0

    def lower(alpha: float) -> float:
        return cx.nps_difference(A, B, confidence_level=1 - alpha).difference_ci.low

    alpha = optimize.brentq(lower, 1e-6, 0.999, xtol=1e-12)
    assert res.p_value == pytest.approx(alpha, rel=1e-6)


def test_adjusted_wald_adds_rocks_pseudo_answers_to_each_sample() -> None:
    res = cx.nps_difference(A, B, ci_method="adjusted-wald")
    assert res.method == "adjusted-wald"
    adjusted = []
    for x in (A, B):
        p, q, n = shares(x)
        m = n + 3.0
        adjusted.append(((p * n + 0.75) / m, (q * n + 0.75) / m, m))
    (pa, qa, na), (pb, qb, nb) = adjusted
    d = (pa - qa) - (pb - qb)
    se = math.sqrt((pa + qa - (pa - qa) ** 2) / na + (pb + qb - (pb - qb) ** 2) / nb)
    half = stats.norm.ppf(0.975) * se
    assert res.difference_ci.low == pytest.approx(100 * (d - half))
    assert res.difference_ci.high == pytest.approx(100 * (d + half))
    assert res.p_value == pytest.approx(2 * stats.norm.sf(abs(d / se)))
    assert res.difference == pytest.approx(cx.nps_difference(A, B).difference)  # unadjusted


@settings(max_examples=25)
@given(answers, answers)
def test_vectorised_difference_interval_matches_nps_difference(a: list[int], b: list[int]) -> None:
    sa, sb = shares(a), shares(b)
    for method in NPS_DIFFERENCE_METHODS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cx.DegenerateDataWarning)
            res = cx.nps_difference(a, b, ci_method=method)
        low, high = nps_difference_interval(method, sa, sb, 0.95)
        assert 100 * float(low) == pytest.approx(res.difference_ci.low, abs=1e-7, nan_ok=True)
        assert 100 * float(high) == pytest.approx(res.difference_ci.high, abs=1e-7, nan_ok=True)


def test_difference_rejects_an_unknown_method() -> None:
    with pytest.raises(ValueError, match="ci_method must be one of 'mover', 'wald'"):
        cx.nps_difference(A, B, ci_method="score")  # type: ignore[arg-type]


@pytest.mark.parametrize("method", NPS_DIFFERENCE_METHODS)
def test_propagated_missing_answers_give_nan_for_every_method(method: str) -> None:
    res = cx.nps_difference([10, None, 0], [9, 9, 3], nan_policy="propagate", ci_method=method)  # type: ignore[arg-type]
    assert math.isnan(res.difference)
    assert math.isnan(res.p_value)
    assert math.isnan(res.difference_ci.low)
    assert math.isnan(res.difference_ci.high)
