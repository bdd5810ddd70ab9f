"""The exact and the sequential sample-ratio-mismatch checks.

References: scipy's exact binomial test, the exact multinomial test by brute-force
enumeration here (itertools), the Dirichlet-multinomial e-value of Lindon & Malek (2022)
written out with math.lgamma, and simulations of checks run at every look (fixed seed).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

import cxlib as cx
from cxlib.ab.srm_tests import log_e_value


def brute_exact(counts: list[int], shares: list[float]) -> float:
    n = sum(counts)
    observed = stats.multinomial.pmf(counts, n, shares)
    total = 0.0
    for head in itertools.product(range(n + 1), repeat=len(counts) - 1):
        if sum(head) <= n:
            p = stats.multinomial.pmf([*head, n - sum(head)], n, shares)
            if p <= observed * (1 + 1e-7):
                total += p
    return min(1.0, total)


def brute_log_e(counts: list[int], shares: list[float], c: float) -> float:
    n = sum(counts)
    value = math.lgamma(c) - math.lgamma(c + n)
    for x, t in zip(counts, shares, strict=True):
        value += math.lgamma(c * t + x) - math.lgamma(c * t) - (x * math.log(t) if x else 0.0)
    return value


@pytest.mark.parametrize(
    ("counts", "shares"),
    [([7, 2, 9], [1 / 3, 1 / 3, 1 / 3]), ([3, 0, 5, 4], [0.1, 0.2, 0.3, 0.4]), ([0, 0, 6], None)],
)
def test_exact_test_equals_the_enumeration(counts: list[int], shares: list[float] | None) -> None:
    planned = shares or [1 / len(counts)] * len(counts)
    got = cx.ab.srm(counts, planned_shares=shares, method="exact")
    assert got.p_value == pytest.approx(brute_exact(counts, planned), rel=1e-9)
    assert got.method == "exact"


def test_exact_test_of_two_arms_is_the_binomial_test() -> None:
    for a, b, share in ((12, 3, 0.5), (480, 520, 0.5), (30, 70, 0.25)):
        got = cx.ab.srm([a, b], planned_shares=[share, 1 - share], method="exact")
        assert got.p_value == pytest.approx(stats.binomtest(a, a + b, share).pvalue, rel=1e-12)


def test_exact_test_refuses_too_many_outcomes() -> None:
    with pytest.raises(ValueError, match=r"method='exact' enumerates every outcome"):
        cx.ab.srm([3_000, 3_000, 3_000], method="exact")


@pytest.mark.parametrize("c", [1.0, 100.0, 1e4])
def test_sequential_e_value_equals_the_formula(c: float) -> None:
    counts, shares = [5_120, 4_880, 10_300], [0.25, 0.25, 0.5]
    got = cx.ab.srm(counts, planned_shares=shares, method="sequential", concentration=c)
    want = brute_log_e(counts, shares, c)
    assert got.statistic == pytest.approx(want, rel=1e-10)
    assert got.p_value == pytest.approx(min(1.0, math.exp(-want)), rel=1e-9)


def test_a_real_mismatch_is_found_and_a_clean_split_is_not() -> None:
    broken = cx.ab.srm([50_000, 48_000], method="sequential")
    assert broken.mismatch
    assert "MISMATCH (sequential" in str(broken)
    clean = cx.ab.srm([50_000, 50_100], method="sequential")
    assert not clean.mismatch
    assert clean.p_value == 1.0


def test_checking_at_every_look_keeps_the_sequential_error_below_alpha() -> None:
    """2,000 healthy 50/50 tests (fixed seed), each checked at 100 looks: the sequential
    check ever flags at most alpha of them, the chi-square check several times more."""
    rng = np.random.default_rng(20261206)
    alpha, experiments, looks, per_look = 0.05, 2_000, 100, 200
    first = rng.binomial(per_look, 0.5, size=(experiments, looks)).cumsum(axis=1)
    total = per_look * np.arange(1, looks + 1)
    counts = np.stack([first, total - first], axis=-1)
    shares = np.array([0.5, 0.5])
    log_e = log_e_value(counts, shares, 100.0)  # every look of every test at once
    for i, look in ((0, 0), (7, 50), (1999, 99)):  # the same numbers as srm() reports
        check = cx.ab.srm(counts[i, look].tolist(), method="sequential")
        assert check.statistic == pytest.approx(log_e[i, look], rel=1e-12)
    sequential = (np.exp(np.minimum(0.0, -log_e)) < alpha).any(axis=1)
    z2 = (2 * first - total) ** 2 / total
    chisquare = (stats.chi2.sf(z2, 1) < alpha).any(axis=1)
    assert sequential.mean() <= alpha
    assert chisquare.mean() > 3 * alpha


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"method": "fisher"}, ValueError, r"method must be one of"),
        ({"method": "sequential", "concentration": 0}, ValueError, r"concentration must be"),
        ({"method": "sequential", "concentration": "a"}, TypeError, r"concentration must be"),
    ],
)
def test_bad_options_are_named(kwargs: dict[str, object], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        cx.ab.srm([10, 12], **kwargs)  # type: ignore[arg-type]
