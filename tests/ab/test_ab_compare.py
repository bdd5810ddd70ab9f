"""Frequentist A/B comparisons: two arms (proportions, means, ratios) and ``compare()``.

Every number is checked against an independent reference: statsmodels
(confint_proportions_2indep, test_proportions_2indep, proportions_ztest, proportion_confint,
multipletests), scipy (fisher_exact, ttest_ind, bootstrap, the expected frequencies of a
2x2 table), and formulas written out here: the delta-method, Fieller (roots of the
quadratic) and log intervals of a ratio, the delta-method variance of a ratio metric from
per-unit values, and the Miettinen-Nurminen score interval by numerical maximisation of
the restricted likelihood.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from scipy.stats.contingency import expected_freq
from statsmodels.stats import proportion as smp
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

import cxlib as cx
from cxlib import DegenerateDataWarning

SM_ALTERNATIVE = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}
ALTERNATIVES = ("two-sided", "greater", "less")
ANALYTIC = ("delta", "fieller", "log", "newcomb", "score", "agresti-caffo")
BOOTSTRAP = ("percentile", "basic", "bca")
NUMERIC = [
    "value_control",
    "value_variant",
    "n_control",
    "n_variant",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "lift",
    "lift_ci_low",
    "lift_ci_high",
    "statistic",
    "p_value",
]


# ----------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------


# The message of the CoverageWarning of a bootstrap of skewed values (Kohavi's rule).
SKEWED = "bootstrap resamples values with a skewness"


def run(
    fn: Callable[..., Any], *args: Any, ignore: str | None = None, **kwargs: Any
) -> tuple[Any, list[str]]:
    """Call ``fn``, returning its result and the messages of DegenerateDataWarnings.

    Any other warning (but those whose message contains ``ignore``) fails the test.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    others = [
        w
        for w in caught
        if not issubclass(w.category, DegenerateDataWarning)
        and not (ignore and ignore in str(w.message))
    ]
    assert not others, [f"{w.category.__name__}: {w.message}" for w in others]
    return result, [str(w.message) for w in caught]


@contextmanager
def reference_quiet() -> Iterator[None]:
    """Reference libraries may divide by zero on the edge cases; that is not under test."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def close(actual: Any, expected: Any, rtol: float = 1e-9, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=atol
    )


def two_sided(level: float, alternative: str) -> float:
    return level if alternative == "two-sided" else 2 * level - 1


def open_side(
    low: float, high: float, alternative: str, bounds: tuple[float, float]
) -> tuple[float, float]:
    if alternative == "greater":
        return low, (math.nan if math.isnan(low) else bounds[1])
    if alternative == "less":
        return (math.nan if math.isnan(high) else bounds[0]), high
    return low, high


def ratio_bounds(
    v: float, c: float, var_v: float, var_c: float, q: float, method: str
) -> tuple[float, float]:
    """Interval of ``v / c``: delta method, Fieller's quadratic or the log ratio."""
    r = v / c
    if method == "delta":
        half = q * math.sqrt(var_v + r * r * var_c) / abs(c)
        return r - half, r + half
    if method == "log":
        half = q * math.sqrt(var_v / v**2 + var_c / c**2)
        return r * math.exp(-half), r * math.exp(half)
    # Fieller: (v - r c)^2 = q^2 (var_v + r^2 var_c), a quadratic in r.
    roots = np.roots([c * c - q * q * var_c, -2 * v * c, v * v - q * q * var_v])
    assert np.isreal(roots).all()
    low, high = sorted(float(x) for x in roots.real)
    return low, high


def fieller_half_line(
    v: float, c: float, var_v: float, var_c: float, q: float
) -> tuple[float, float]:
    """The ratios ``r >= 0`` with ``(v - r c)**2 <= q**2 (var_v + r**2 var_c)`` when the
    quadratic opens downwards: ``[0, inf)`` if 0 is in the set, else from its one
    positive root (checked by evaluating the inequality on both sides of it)."""

    def inside(r: float) -> bool:
        return (v - r * c) ** 2 <= q * q * (var_v + r * r * var_c) * (1 + 1e-12)

    if inside(0.0):
        return 0.0, math.inf
    roots = np.roots([c * c - q * q * var_c, -2 * v * c, v * v - q * q * var_v])
    positive = [float(x.real) for x in roots if abs(x.imag) < 1e-12 and x.real > 0]
    assert len(positive) == 1
    low = positive[0]
    assert inside(low * 1.000001)
    assert inside(low * 1e6)
    assert not inside(low * 0.999)
    return low, math.inf


def expected_lift_ci(
    v: float,
    c: float,
    var_v: float,
    var_c: float,
    level: float,
    alternative: str,
    method: str,
    df: float = math.inf,
) -> tuple[float, float]:
    """Lift ``(v - c) / |c|`` interval; NaN when the control is not told apart from 0,
    except for Fieller's: then the ratios ``r >= 0`` of its (unbounded) set."""
    two = two_sided(level, alternative)
    q = stats.norm.ppf(0.5 + two / 2) if math.isinf(df) else stats.t.ppf(0.5 + two / 2, df)
    defined = abs(c) > q * math.sqrt(var_c)
    if method == "log":
        defined = defined and v > 0 and c > 0
    if not defined and method == "fieller" and v * c >= 0 and c != 0:
        low, high = fieller_half_line(v, c, var_v, var_c, q)
    elif not defined:
        return math.nan, math.nan
    else:
        low, high = ratio_bounds(v, c, var_v, var_c, q, method)
    lift = (low - 1, high - 1) if c > 0 else (1 - high, 1 - low)
    return open_side(*lift, alternative, (-math.inf, math.inf))


def control_undefined(pc: float, nc: float, level: float, alternative: str) -> bool:
    q = stats.norm.ppf(0.5 + two_sided(level, alternative) / 2)
    return not pc > q * math.sqrt(pc * (1 - pc) / nc)


def comparison_numbers(c: cx.Comparison) -> list[float]:
    return [
        c.difference,
        c.se,
        *c.difference_ci,
        c.statistic,
        c.p_value,
        float(c.lift) if c.lift is not None else math.nan,
        *(c.lift_ci or (math.nan, math.nan)),
    ]


def flags(successes: int, trials: int) -> np.ndarray:
    return np.r_[np.ones(successes), np.zeros(trials - successes)]


# ----------------------------------------------------------------------------------------
# Proportions against statsmodels and scipy
# ----------------------------------------------------------------------------------------

# (control, variant) as (successes, trials), from large to tiny, with empty and full arms.
COUNTS = [
    ((400, 10_000), (504, 10_000)),
    ((4000, 100_000), (4200, 100_000)),
    ((30, 200), (41, 180)),
    ((12, 50), (5, 40)),
    ((3, 20), (9, 25)),
    ((1, 10), (4, 12)),
    ((45, 60), (50, 55)),
    ((2, 7), (2, 7)),
    ((0, 30), (3, 30)),
    ((5, 30), (0, 30)),
    ((30, 30), (28, 30)),
]
COUNT_IDS = [f"{c[0]}of{c[1]}-vs-{v[0]}of{v[1]}" for c, v in COUNTS]
NONZERO = [(c, v) for c, v in COUNTS if min(c[0], v[0]) > 0]
NONZERO_IDS = [f"{c[0]}of{c[1]}-vs-{v[0]}of{v[1]}" for c, v in NONZERO]
SM_DIFF_METHOD = {
    "delta": "wald",
    "fieller": "wald",
    "log": "wald",
    "newcomb": "newcomb",
    "agresti-caffo": "agresti-caffo",
}


def sm_diff_ci(c: tuple[int, int], v: tuple[int, int], method: str, level: float) -> np.ndarray:
    with reference_quiet():
        low, high = confint_proportions_2indep(
            v[0], v[1], c[0], c[1], method=method, compare="diff", alpha=1 - level
        )
    return np.clip([low, high], -1.0, 1.0)


@pytest.mark.parametrize("level", [0.95, 0.9])
@pytest.mark.parametrize("method", list(SM_DIFF_METHOD))
@pytest.mark.parametrize(("control", "variant"), COUNTS, ids=COUNT_IDS)
def test_difference_interval_matches_statsmodels(control, variant, method, level):
    res, _ = run(
        cx.ab.compare_proportions,
        control=control,
        variant=variant,
        ci_method=method,
        confidence_level=level,
    )
    close(res.difference, variant[0] / variant[1] - control[0] / control[1])
    close(res.difference_ci, sm_diff_ci(control, variant, SM_DIFF_METHOD[method], level))


@pytest.mark.parametrize("alternative", ["greater", "less"])
@pytest.mark.parametrize("method", list(SM_DIFF_METHOD))
@pytest.mark.parametrize(("control", "variant"), COUNTS, ids=COUNT_IDS)
def test_one_sided_difference_bound_is_two_sided_bound_at_2level_minus_1(
    control, variant, method, alternative
):
    res, _ = run(
        cx.ab.compare_proportions,
        control=control,
        variant=variant,
        ci_method=method,
        alternative=alternative,
    )
    low, high = sm_diff_ci(control, variant, SM_DIFF_METHOD[method], 0.9)
    expected = (low, 1.0) if alternative == "greater" else (-1.0, high)
    close(res.difference_ci, expected)


# method -> (statsmodels test method, compare); "newcomb" reports the pooled z test.
SM_TEST = {
    "delta": ("wald", "diff"),
    "fieller": ("wald", "diff"),
    "score": ("score", "diff"),
    "agresti-caffo": ("agresti-caffo", "diff"),
    "log": ("log", "ratio"),
}
TEST_NAME = {
    "delta": "wald z",
    "fieller": "wald z",
    "score": "score z",
    "agresti-caffo": "agresti-caffo z",
    "log": "log-ratio z",
    "newcomb": "pooled z",
}


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("method", [*SM_TEST, "newcomb"])
@pytest.mark.parametrize(("control", "variant"), COUNTS, ids=COUNT_IDS)
def test_p_value_matches_statsmodels(control, variant, method, alternative):
    if method == "log" and min(control[0], variant[0]) == 0:
        # The log risk ratio needs successes in both arms (statsmodels has no value
        # either): the p-value is NaN, and a warning says why.
        res, messages = run(
            cx.ab.compare_proportions,
            control=control,
            variant=variant,
            ci_method=method,
            alternative=alternative,
            exact=False,
        )
        assert np.isnan(res.p_value)
        assert any("the test is undefined" in m for m in messages)
        return
    res, _ = run(
        cx.ab.compare_proportions,
        control=control,
        variant=variant,
        ci_method=method,
        alternative=alternative,
        exact=False,
    )
    with reference_quiet():
        if method == "newcomb":
            stat, p = proportions_ztest(
                [variant[0], control[0]],
                [variant[1], control[1]],
                alternative=SM_ALTERNATIVE[alternative],
            )
        else:
            sm_method, compare = SM_TEST[method]
            ref = smp.test_proportions_2indep(
                variant[0],
                variant[1],
                control[0],
                control[1],
                method=sm_method,
                compare=compare,
                alternative=SM_ALTERNATIVE[alternative],
            )
            stat, p = ref.statistic, ref.pvalue
    assert res.test == TEST_NAME[method]
    close(res.statistic, stat, rtol=1e-9, atol=1e-9)
    close(res.p_value, p, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize(("control", "variant"), COUNTS, ids=COUNT_IDS)
def test_fisher_exact_matches_scipy(control, variant, alternative):
    res, _ = run(
        cx.ab.compare_proportions,
        control=control,
        variant=variant,
        alternative=alternative,
        exact=True,
    )
    table = [[variant[0], variant[1] - variant[0]], [control[0], control[1] - control[0]]]
    ref = stats.fisher_exact(table, alternative=alternative)
    assert res.test == "fisher"
    close(res.p_value, ref.pvalue, rtol=1e-9, atol=1e-14)
    close(res.statistic, ref.statistic)  # the sample odds ratio


EXACT_SWITCH = [
    *COUNTS,
    ((5, 20), (5, 20)),  # smallest expected count exactly 5: no switch
    ((4, 20), (5, 20)),  # 4.5: Fisher
    ((995, 1000), (999, 1000)),  # few failures: Fisher
    ((1, 5000), (9, 5000)),  # few successes among many trials: Fisher
]


@pytest.mark.parametrize("method", ["delta", "score", "percentile"])
@pytest.mark.parametrize(
    ("control", "variant"),
    EXACT_SWITCH,
    ids=[f"{c[0]}of{c[1]}-vs-{v[0]}of{v[1]}" for c, v in EXACT_SWITCH],
)
def test_exact_none_uses_fisher_only_when_an_expected_count_is_below_5(control, variant, method):
    table = np.array([[variant[0], variant[1] - variant[0]], [control[0], control[1] - control[0]]])
    small = expected_freq(table).min() < 5
    kwargs = {"control": control, "variant": variant, "ci_method": method, "rng": 7}
    auto, _ = run(cx.ab.compare_proportions, **kwargs)
    forced, _ = run(cx.ab.compare_proportions, exact=bool(small), **kwargs)
    assert (auto.test == "fisher") == small
    close(comparison_numbers(auto), comparison_numbers(forced), rtol=0, atol=0)


def mover_r(pv: float, pc: float, v_ci: Any, c_ci: Any) -> tuple[float, float]:
    """MOVER-R interval of pv / pc from the arms' intervals (Donner & Zou 2012, eq. 5)."""
    (lv, uv), (lc, uc) = v_ci, c_ci
    prod = pv * pc
    low = (prod - math.sqrt(max(prod**2 - lv * uc * (2 * pv - lv) * (2 * pc - uc), 0.0))) / (
        uc * (2 * pc - uc)
    )
    den = lc * (2 * pc - lc)
    high = (
        (prod + math.sqrt(max(prod**2 - uv * lc * (2 * pv - uv) * (2 * pc - lc), 0.0))) / den
        if den > 0
        else math.inf
    )
    return max(low, 0.0), high


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("method", ["delta", "fieller", "log", "agresti-caffo", "newcomb"])
@pytest.mark.parametrize(("control", "variant"), COUNTS, ids=COUNT_IDS)
def test_lift_interval_formulas(control, variant, method, alternative):
    """Lift intervals of rates: a ratio interval minus 1, at least -1 (a rate is >= 0).

    Delta and Fieller need a control rate told apart from zero; the log interval needs
    successes in both arms; Newcombe's MOVER-R and the Agresti-Caffo interval (the log
    interval after adding 1/2 to every count: statsmodels' "log-adjusted") need control
    successes only.
    """
    level = 0.95
    res, messages = run(
        cx.ab.compare_proportions,
        control=control,
        variant=variant,
        ci_method=method,
        alternative=alternative,
    )
    (sc, nc), (sv, nv) = control, variant
    c, v = sc / nc, sv / nv
    if c > 0:
        close(res.lift, (v - c) / c)
    a = 1 - two_sided(level, alternative)
    if method == "newcomb":
        r_low, r_high = mover_r(
            v,
            c,
            proportion_confint(sv, nv, alpha=a, method="wilson"),
            proportion_confint(sc, nc, alpha=a, method="wilson"),
        )
        defined = sc > 0
    elif method == "agresti-caffo":
        with reference_quiet():
            r_low, r_high = confint_proportions_2indep(
                sv, nv, sc, nc, method="log-adjusted", compare="ratio", alpha=a
            )
        defined = sc > 0
    else:
        q = stats.norm.ppf(1 - a / 2)
        defined = (
            sc > 0 and sv > 0
            if method == "log"
            else not control_undefined(c, nc, level, alternative)
        )
        var_v, var_c = v * (1 - v) / nv, c * (1 - c) / nc
        r_low, r_high = (
            ratio_bounds(v, c, var_v, var_c, q, method) if (defined) else (math.nan, math.nan)
        )
        if method == "fieller" and not defined and sc > 0:
            # Unbounded: Fieller's set of rate ratios (>= 0) is a half-line.
            defined = True
            r_low, r_high = fieller_half_line(v, c, var_v, var_c, q)
    expected = (math.nan, math.nan)
    if defined:
        expected = open_side(max(r_low, 0.0) - 1, r_high - 1, alternative, (-1.0, math.inf))
    close(res.lift_ci, expected, rtol=1e-9, atol=1e-12)
    assert any("lift interval is undefined" in m for m in messages) == (not defined)


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize(("control", "variant"), NONZERO, ids=NONZERO_IDS)
def test_log_lift_matches_statsmodels_log_risk_ratio(control, variant, alternative):
    res, _ = run(
        cx.ab.compare_proportions,
        control=control,
        variant=variant,
        ci_method="log",
        alternative=alternative,
    )
    with reference_quiet():
        low, high = confint_proportions_2indep(
            variant[0],
            variant[1],
            control[0],
            control[1],
            method="log",
            compare="ratio",
            alpha=1 - two_sided(0.95, alternative),
        )
    # The log interval needs successes in both arms (NONZERO) and no more.
    expected = open_side(low - 1, high - 1, alternative, (-1.0, math.inf))
    close(res.lift_ci, expected)


@pytest.mark.parametrize("level", [0.95, 0.8])
@pytest.mark.parametrize(("control", "variant"), COUNTS, ids=COUNT_IDS)
def test_score_lift_inverts_the_statsmodels_score_test(control, variant, level):
    res, _ = run(
        cx.ab.compare_proportions,
        control=control,
        variant=variant,
        ci_method="score",
        confidence_level=level,
    )
    if control[0] == 0:  # no control successes: no ratio
        assert all(math.isnan(b) for b in res.lift_ci)
        return
    assert res.lift_ci.low <= res.lift <= res.lift_ci.high
    for bound in res.lift_ci:
        if bound == -1.0 and variant[0] == 0:
            continue  # the ratio's lower bound is exactly 0 with no variant successes
        with reference_quiet():
            ref = smp.test_proportions_2indep(
                variant[0],
                variant[1],
                control[0],
                control[1],
                method="score",
                compare="ratio",
                value=bound + 1,
            )
        close(ref.pvalue, 1 - level, rtol=0, atol=1e-7)


def mn_restricted_p0(s1: int, n1: int, s0: int, n0: int, d: float) -> float:
    """Maximum of the binomial likelihood under ``p1 - p0 = d``, by root finding."""
    lo, hi = max(0.0, -d), min(1.0, 1.0 - d)

    def score(p0: float) -> float:
        p1 = p0 + d
        return s1 / p1 - (n1 - s1) / (1 - p1) + s0 / p0 - (n0 - s0) / (1 - p0)

    eps = 1e-13
    a, b = lo + eps, hi - eps
    if score(a) <= 0:
        return a
    if score(b) >= 0:
        return b
    return float(optimize.brentq(score, a, b, xtol=1e-15))


def mn_difference_ci(s1: int, n1: int, s0: int, n0: int, level: float) -> tuple[float, float]:
    """Miettinen-Nurminen score interval of ``p1 - p0`` (variance times N / (N - 1))."""
    q = stats.norm.ppf(0.5 + level / 2)
    n = n1 + n0
    estimate = s1 / n1 - s0 / n0

    def z(d: float) -> float:
        p0 = mn_restricted_p0(s1, n1, s0, n0, d)
        p1 = p0 + d
        var = (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0) * n / (n - 1)
        return (estimate - d) / math.sqrt(var)

    e = 1e-10
    low = -1.0 if z(-1 + e) <= q else optimize.brentq(lambda d: z(d) - q, -1 + e, estimate)
    high = 1.0 if z(1 - e) >= -q else optimize.brentq(lambda d: z(d) + q, estimate, 1 - e)
    return float(low), float(high)


def test_miettinen_nurminen_reference_is_symmetric():
    """Sanity of the reference: identical arms give an interval symmetric about 0."""
    low, high = mn_difference_ci(2, 7, 2, 7, 0.95)
    close(low, -high, atol=1e-9)
    low, high = mn_difference_ci(3, 20, 9, 25, 0.95)
    close((low, high), [-x for x in mn_difference_ci(9, 25, 3, 20, 0.95)][::-1], atol=1e-9)


MN_CASES = [
    ((2, 7), (2, 7)),
    ((3, 20), (9, 25)),
    ((12, 50), (5, 40)),
    ((5, 30), (0, 30)),
    ((45, 60), (50, 55)),
    ((400, 10_000), (504, 10_000)),
]


@pytest.mark.parametrize(
    ("control", "variant"), MN_CASES, ids=[f"{c[0]}of{c[1]}-vs-{v[0]}of{v[1]}" for c, v in MN_CASES]
)
def test_score_difference_interval_is_miettinen_nurminen(control, variant):
    res, _ = run(cx.ab.compare_proportions, control=control, variant=variant, ci_method="score")
    expected = mn_difference_ci(variant[0], variant[1], control[0], control[1], 0.95)
    close(res.difference_ci, expected, rtol=0, atol=1e-7)


def test_score_difference_interval_of_identical_arms_is_symmetric():
    res, _ = run(cx.ab.compare_proportions, control=(2, 7), variant=(2, 7), ci_method="score")
    close(res.difference_ci.low, -res.difference_ci.high, atol=1e-9)


def test_arm_estimates_are_wilson_intervals_of_each_rate():
    res = cx.ab.compare_proportions(control=(400, 10_000), variant=(504, 10_000))
    variant, control = res.estimates
    assert (variant.value, variant.n, control.value, control.n) == (0.0504, 10_000, 0.04, 10_000)
    close(variant.ci, proportion_confint(504, 10_000, method="wilson"))
    close(control.ci, proportion_confint(400, 10_000, method="wilson"))


@pytest.mark.parametrize("method", ANALYTIC)
def test_zero_control_successes_leave_the_lift_undefined(method):
    with pytest.warns(DegenerateDataWarning, match="lift interval is undefined"):
        res = cx.ab.compare_proportions(control=(0, 500), variant=(7, 500), ci_method=method)
    assert math.isnan(res.lift)
    assert all(math.isnan(b) for b in res.lift_ci)
    assert all(math.isfinite(b) for b in res.difference_ci)


def test_no_variation_in_either_arm_leaves_the_wald_test_undefined():
    with pytest.warns(DegenerateDataWarning) as record:
        res = cx.ab.compare_proportions(control=(0, 500), variant=(0, 400), exact=False)
    assert any("test is undefined" in str(w.message) for w in record)
    assert math.isnan(res.statistic)
    assert math.isnan(res.p_value)
    assert res.difference == 0.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"control": (5, 4), "variant": (1, 10)}, ValueError, "exceed"),
        ({"control": (0, 0), "variant": (1, 10)}, ValueError, "at least one trial"),
        ({"control": (1.5, 10), "variant": (1, 10)}, ValueError, "whole number"),
        ({"control": (1, 10, 3), "variant": (1, 10)}, TypeError, "pair"),
        ({"control": (1, 10), "variant": (1, 10), "ci_method": "wald"}, ValueError, "ci_method"),
        ({"control": (1, 10), "variant": (1, 10), "exact": "yes"}, TypeError, "exact"),
    ],
)
def test_compare_proportions_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        cx.ab.compare_proportions(**kwargs)


# ----------------------------------------------------------------------------------------
# Means against scipy's Welch test
# ----------------------------------------------------------------------------------------


def mean_arms(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(control, variant) per-unit values."""
    rng = np.random.default_rng(sum(map(ord, name)))
    if name == "normal":
        return rng.normal(10, 3, 40), rng.normal(11, 5, 55)
    if name == "skewed":
        return rng.lognormal(2.0, 1.0, 300), rng.lognormal(2.2, 1.0, 250)
    if name == "negative":
        return rng.normal(-10, 3, 30), rng.normal(-12, 4, 35)
    if name == "sign-change":
        return rng.normal(5, 2, 25), rng.normal(-1, 2, 25)
    assert name == "tiny"
    return rng.normal(5, 2, 3), rng.normal(6, 3, 4)


MEAN_DATA = ["normal", "skewed", "negative", "sign-change", "tiny"]


@pytest.mark.parametrize("level", [0.95, 0.9])
@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("data", MEAN_DATA)
def test_welch_matches_scipy_ttest_ind(data, alternative, level):
    control, variant = mean_arms(data)
    res, _ = run(
        cx.ab.compare_means, control, variant, alternative=alternative, confidence_level=level
    )
    ref = stats.ttest_ind(variant, control, equal_var=False, alternative=alternative)
    assert res.test == "welch t"
    close(res.difference, variant.mean() - control.mean())
    close(res.statistic, ref.statistic)
    close(res.p_value, ref.pvalue, rtol=1e-9, atol=1e-15)
    close(res.difference_ci, ref.confidence_interval(level))
    close(
        res.se, math.sqrt(variant.var(ddof=1) / variant.size + control.var(ddof=1) / control.size)
    )


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("method", ["delta", "fieller", "log"])
@pytest.mark.parametrize("data", MEAN_DATA)
def test_mean_lift_intervals_use_the_welch_critical_value(data, method, alternative):
    control, variant = mean_arms(data)
    res, messages = run(
        cx.ab.compare_means, control, variant, ci_method=method, alternative=alternative
    )
    df = stats.ttest_ind(variant, control, equal_var=False).df
    expected = expected_lift_ci(
        variant.mean(),
        control.mean(),
        variant.var(ddof=1) / variant.size,
        control.var(ddof=1) / control.size,
        0.95,
        alternative,
        method,
        df=df,
    )
    close(res.lift, (variant.mean() - control.mean()) / abs(control.mean()))
    close(res.lift_ci, expected, rtol=1e-9, atol=1e-12)
    assert any("lift interval is undefined" in m for m in messages) == math.isnan(expected[0])


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("method", ["delta", "fieller", "log"])
@pytest.mark.parametrize("data", MEAN_DATA)
def test_mean_stats_give_the_same_comparison_as_values(data, method, alternative):
    control, variant = mean_arms(data)
    kwargs = {"ci_method": method, "alternative": alternative}
    from_values, _ = run(cx.ab.compare_means, control, variant, **kwargs)
    summed = (cx.ab.MeanStats.from_values(control), cx.ab.MeanStats.from_values(variant))
    from_stats, _ = run(cx.ab.compare_means, *summed, **kwargs)
    close(comparison_numbers(from_stats), comparison_numbers(from_values), rtol=1e-9, atol=1e-12)
    assert from_stats.test == from_values.test
    stats = summed[0]
    assert stats.n == control.size
    close([stats.mean, stats.var], [control.mean(), control.var(ddof=1)], rtol=1e-12)
    hand = cx.ab.MeanStats.from_sums(
        n=float(control.size), sum=float(control.sum()), sum_squares=float((control**2).sum())
    )
    close([hand.mean, hand.var], [stats.mean, stats.var], rtol=1e-9)


def test_log_lift_does_not_overflow():
    control = np.array([9.0, 10.0, 11.0] * 10)
    variant = np.array([-10.0, 10.001] * 15)  # mean 0.0005, sd 10.2
    res, _ = run(cx.ab.compare_means, control, variant, ci_method="log")
    close(res.lift_ci, (-1.0, math.inf))


def test_mean_nan_policy():
    control, variant = mean_arms("normal")
    holes = variant.copy()
    holes[[3, 9, 20]] = np.nan
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        cx.ab.compare_means(control, holes, nan_policy="raise")
    res = cx.ab.compare_means(control, holes)  # omit by default
    kept = cx.ab.compare_means(control, holes[~np.isnan(holes)])
    close(comparison_numbers(res), comparison_numbers(kept), rtol=0, atol=0)
    assert res.estimates[0].n_missing == 3
    assert res.estimates[0].n == variant.size - 3
    assert res.estimates[1].n_missing == 0


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (
            (cx.ab.MeanStats(n=10, mean=5.0, var=1.0), cx.ab.MeanStats(n=10, mean=6.0, var=2.0)),
            {"ci_method": "bca"},
            TypeError,
            "per-unit values",
        ),
        ((cx.ab.MeanStats(n=1, mean=5.0), [1.0, 2.0]), {}, ValueError, "n >= 2"),
        (([1.0], [1.0, 2.0]), {}, ValueError, "at least 2"),
        (([1.0, np.inf], [1.0, 2.0]), {}, ValueError, "finite"),
        (([1.0, 2.0], [1.0, 2.0]), {"ci_method": "newcomb"}, ValueError, "ci_method"),
    ],
)
def test_compare_means_rejects_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        cx.ab.compare_means(*args, **kwargs)


# ----------------------------------------------------------------------------------------
# Ratio metrics: delta method with the numerator-denominator covariance
# ----------------------------------------------------------------------------------------


def ratio_arm(seed: int, n: int, rate: float, value: float) -> tuple[np.ndarray, np.ndarray]:
    """(revenue, orders) per visitor: revenue is the sum of the visitor's order values."""
    rng = np.random.default_rng(seed)
    orders = rng.poisson(rate, n).astype(float)
    revenue = np.array([rng.gamma(2.0, value / 2.0, int(k)).sum() for k in orders])
    return revenue, orders


RATIO_CONTROL = ratio_arm(1, 800, 0.4, 50.0)
RATIO_VARIANT = ratio_arm(2, 700, 0.45, 54.0)


def brute_ratio_variance(y: np.ndarray, x: np.ndarray) -> float:
    """(s_y^2 - 2 r s_xy + r^2 s_x^2) / (n xbar^2) from per-unit values."""
    n = y.size
    r = y.sum() / x.sum()
    cov = np.cov(y, x, ddof=1)
    return float((cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (n * x.mean() ** 2))


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("method", ["delta", "fieller", "log"])
def test_ratio_comparison_from_brute_force_delta_method(method, alternative):
    res, _ = run(
        cx.ab.compare_ratios,
        RATIO_CONTROL,
        RATIO_VARIANT,
        ci_method=method,
        alternative=alternative,
    )
    (yc, xc), (yv, xv) = RATIO_CONTROL, RATIO_VARIANT
    rc, rv = yc.sum() / xc.sum(), yv.sum() / xv.sum()
    var_c, var_v = brute_ratio_variance(yc, xc), brute_ratio_variance(yv, xv)
    se = math.sqrt(var_c + var_v)
    z = (rv - rc) / se
    q = stats.norm.ppf(0.5 + two_sided(0.95, alternative) / 2)
    p = {
        "two-sided": 2 * stats.norm.sf(abs(z)),
        "greater": stats.norm.sf(z),
        "less": stats.norm.cdf(z),
    }[alternative]
    assert res.test == "z"
    close([res.estimates[0].value, res.estimates[1].value], [rv, rc])
    close([res.estimates[0].se ** 2, res.estimates[1].se ** 2], [var_v, var_c])
    close([res.difference, res.se, res.statistic, res.p_value], [rv - rc, se, z, p])
    expected = open_side(rv - rc - q * se, rv - rc + q * se, alternative, (-math.inf, math.inf))
    close(res.difference_ci, expected)
    close(res.lift_ci, expected_lift_ci(rv, rc, var_v, var_c, 0.95, alternative, method))


def test_ratio_stats_variance_matches_brute_force():
    stats_c = cx.ab.RatioStats.from_values(*RATIO_CONTROL)
    y, x = RATIO_CONTROL
    hand = cx.ab.RatioStats.from_sums(
        n=float(y.size),
        numerator=float(y.sum()),
        denominator=float(x.sum()),
        numerator_squares=float(y @ y),
        denominator_squares=float(x @ x),
        cross=float(x @ y),
    )
    fields = ["numerator_mean", "denominator_mean", "numerator_var", "denominator_var"]
    fields.append("covariance")
    close([getattr(hand, f) for f in fields], [getattr(stats_c, f) for f in fields], rtol=1e-9)
    close(stats_c.covariance, np.cov(y, x)[0, 1], rtol=1e-12)
    close(stats_c.ratio, y.sum() / x.sum())
    close(stats_c.variance, brute_ratio_variance(y, x))


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("method", ["delta", "fieller", "log"])
def test_ratio_stats_give_the_same_comparison_as_values(method, alternative):
    kwargs = {"ci_method": method, "alternative": alternative}
    from_values, _ = run(cx.ab.compare_ratios, RATIO_CONTROL, RATIO_VARIANT, **kwargs)
    from_stats, _ = run(
        cx.ab.compare_ratios,
        cx.ab.RatioStats.from_values(*RATIO_CONTROL),
        cx.ab.RatioStats.from_values(*RATIO_VARIANT),
        **kwargs,
    )
    close(comparison_numbers(from_stats), comparison_numbers(from_values), rtol=1e-9, atol=1e-12)


def test_compare_ratios_rejects_bad_input():
    stats_c = cx.ab.RatioStats.from_values(*RATIO_CONTROL)
    stats_v = cx.ab.RatioStats.from_values(*RATIO_VARIANT)
    with pytest.raises(TypeError, match="not RatioStats"):
        cx.ab.compare_ratios(stats_c, stats_v, ci_method="percentile")
    with pytest.raises(ValueError, match="denominator sums to 0"):
        cx.ab.compare_ratios((np.ones(5), np.zeros(5)), RATIO_VARIANT)
    with pytest.raises(TypeError, match="RatioStats or a pair"):
        cx.ab.compare_ratios(np.ones(5), RATIO_VARIANT)


# ----------------------------------------------------------------------------------------
# Bootstrap against scipy.stats.bootstrap
# ----------------------------------------------------------------------------------------


def difference_and_lift(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Variant (x) minus control (y) and the lift, for scipy.stats.bootstrap."""
    mx, my = np.mean(x, axis=axis), np.mean(y, axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):  # resamples without control successes
        return np.stack([mx - my, (mx - my) / np.abs(my)])


def scipy_bootstraps(
    variant: np.ndarray, control: np.ndarray, statistic: Callable[..., np.ndarray] | None = None
) -> dict[str, Any]:
    """scipy's intervals for every method from one bootstrap distribution (9999 draws)."""
    statistic = statistic or difference_and_lift
    out = {}
    first = None
    for method in BOOTSTRAP:
        with reference_quiet():
            first = stats.bootstrap(
                (variant, control),
                statistic,
                method=method,
                n_resamples=9999 if first is None else 0,
                bootstrap_result=first,
                vectorized=True,
                rng=np.random.default_rng(2024),
            )
        out[method] = first
    return out


def assert_bootstrap_close(ci: Any, reference: Any, tolerance: float = 0.1) -> None:
    """Bounds within ``tolerance`` of the interval's width of the reference bounds."""
    low, high = (float(b) for b in ci)
    ref_low, ref_high = (float(b) for b in reference)
    width = ref_high - ref_low
    assert abs(low - ref_low) <= tolerance * width, (ci, reference)
    assert abs(high - ref_high) <= tolerance * width, (ci, reference)


@functools.cache
def mean_boot() -> dict[str, Any]:
    return scipy_bootstraps(*mean_arms("skewed")[::-1])


@pytest.mark.parametrize("method", BOOTSTRAP)
def test_bootstrap_means_agree_with_scipy(method):
    control, variant = mean_arms("skewed")
    res, _ = run(cx.ab.compare_means, control, variant, ci_method=method, rng=11, ignore=SKEWED)
    ref = mean_boot()[method]
    assert res.test == "bootstrap"
    assert_bootstrap_close(res.difference_ci, [b[0] for b in ref.confidence_interval])
    assert_bootstrap_close(res.lift_ci, [b[1] for b in ref.confidence_interval])
    close(res.difference, variant.mean() - control.mean())
    # The standard error is the spread of the replicates.
    close(res.se, ref.standard_error[0], rtol=0.05)
    if method == "percentile":
        dist = ref.bootstrap_distribution[0]
        share = 2 * min((dist < 0).mean(), (dist > 0).mean())
        close(res.p_value, share, rtol=0, atol=0.02)


def zero_inflated(seed: int, n: int, scale: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.where(rng.random(n) < 0.05, rng.gamma(2.0, scale, n), 0.0)


ZI_CONTROL, ZI_VARIANT = zero_inflated(5, 1500, 30.0), zero_inflated(6, 1500, 36.0)


@functools.cache
def zero_inflated_boot() -> dict[str, Any]:
    return scipy_bootstraps(ZI_VARIANT, ZI_CONTROL)


@pytest.mark.parametrize("method", BOOTSTRAP)
def test_bootstrap_zero_inflated_revenue_agrees_with_scipy(method):
    assert 0.9 < (ZI_CONTROL == 0).mean() < 0.99
    res, messages = run(
        cx.ab.compare_means, ZI_CONTROL, ZI_VARIANT, ci_method=method, rng=3, ignore=SKEWED
    )
    # Skewed revenue of 1,500 units per arm: the bootstrap is flagged (n > 355 g**2 fails).
    assert any(SKEWED in m for m in messages)
    ref = zero_inflated_boot()[method].confidence_interval
    assert_bootstrap_close(res.difference_ci, [b[0] for b in ref])
    assert_bootstrap_close(res.lift_ci, [b[1] for b in ref])


PROP_BOOT_COUNTS = [((40, 300), (62, 280)), ((8, 60), (15, 50))]


@functools.cache
def proportion_boot(control: tuple[int, int], variant: tuple[int, int]) -> dict[str, Any]:
    return scipy_bootstraps(flags(*variant), flags(*control))


@pytest.mark.parametrize("method", BOOTSTRAP)
@pytest.mark.parametrize(("control", "variant"), PROP_BOOT_COUNTS, ids=["medium", "small"])
def test_bootstrap_proportions_agree_with_scipy_on_flags(control, variant, method):
    res, _ = run(
        cx.ab.compare_proportions,
        control=control,
        variant=variant,
        ci_method=method,
        exact=False,
        rng=5,
    )
    ref = proportion_boot(control, variant)[method].confidence_interval
    assert res.test == "bootstrap"
    assert_bootstrap_close(res.difference_ci, [b[0] for b in ref])
    if control[0] >= 20:  # else a few resamples have no control success (see below)
        assert_bootstrap_close(res.lift_ci, [b[1] for b in ref])


@pytest.mark.parametrize("method", BOOTSTRAP)
def test_bootstrap_lift_survives_a_few_resamples_without_control_successes(method):
    control, variant = (8, 60), (15, 50)
    assert not control_undefined(8 / 60, 60, 0.95, "two-sided")
    res, messages = run(
        cx.ab.compare_proportions, control=control, variant=variant, ci_method=method, rng=5
    )
    assert not messages
    ref = proportion_boot(control, variant)[method].confidence_interval
    assert_bootstrap_close(res.lift_ci, [b[1] for b in ref])


def test_bootstrap_ratio_agrees_with_scipy_resampling_visitors():
    (yc, xc), (yv, xv) = RATIO_CONTROL, RATIO_VARIANT

    def ratio_difference(iv: np.ndarray, ic: np.ndarray, axis: int = -1) -> np.ndarray:
        iv, ic = iv.astype(np.intp), ic.astype(np.intp)
        rv = yv[iv].sum(axis=axis) / xv[iv].sum(axis=axis)
        rc = yc[ic].sum(axis=axis) / xc[ic].sum(axis=axis)
        return rv - rc

    ref = stats.bootstrap(
        (np.arange(yv.size), np.arange(yc.size)),
        ratio_difference,
        method="percentile",
        n_resamples=9999,
        vectorized=True,
        rng=np.random.default_rng(8),
    )
    res, _ = run(cx.ab.compare_ratios, RATIO_CONTROL, RATIO_VARIANT, ci_method="percentile", rng=8)
    assert_bootstrap_close(res.difference_ci, ref.confidence_interval)


@pytest.mark.parametrize(
    "call",
    [
        lambda rng: cx.ab.compare_means(*mean_arms("normal"), ci_method="bca", rng=rng),
        lambda rng: cx.ab.compare_proportions(
            control=(40, 300), variant=(62, 280), ci_method="bca", rng=rng
        ),
        lambda rng: cx.ab.compare_ratios(
            RATIO_CONTROL, RATIO_VARIANT, ci_method="basic", n_resamples=2000, rng=rng
        ),
    ],
    ids=["means", "proportions", "ratios"],
)
def test_bootstrap_is_determined_by_its_seed(call):
    a, b, other = call(123), call(123), call(124)
    close(comparison_numbers(a), comparison_numbers(b), rtol=0, atol=0)
    seq = call(np.random.default_rng(123))
    close(comparison_numbers(seq), comparison_numbers(a), rtol=0, atol=0)
    assert comparison_numbers(other)[2:4] != comparison_numbers(a)[2:4]


@pytest.mark.parametrize("alternative", ["greater", "less"])
@pytest.mark.parametrize("kind", ["means", "proportions"])
def test_one_sided_bootstrap_bound_is_two_sided_bound_at_2level_minus_1(kind, alternative):
    def call(**kwargs: Any) -> cx.Comparison:
        if kind == "means":
            with pytest.warns(cx.CoverageWarning, match=SKEWED):
                return cx.ab.compare_means(*mean_arms("skewed"), ci_method="bca", rng=9, **kwargs)
        return cx.ab.compare_proportions(
            control=(40, 300), variant=(62, 280), ci_method="bca", rng=9, **kwargs
        )

    one = call(alternative=alternative, confidence_level=0.95)
    two = call(confidence_level=0.9)  # the same replicates: the seed is the same
    bound = 1.0 if kind == "proportions" else math.inf
    if alternative == "greater":
        close(one.difference_ci, (two.difference_ci.low, bound), rtol=1e-12)
        close(one.lift_ci, (two.lift_ci.low, math.inf), rtol=1e-12)
    else:
        close(one.difference_ci, (-bound, two.difference_ci.high), rtol=1e-12)
        close(one.lift_ci, (-math.inf, two.lift_ci.high), rtol=1e-12)


# ----------------------------------------------------------------------------------------
# compare(): grouped comparisons equal the per-pair calls
# ----------------------------------------------------------------------------------------


def make_units(seed: int = 0, n: int = 4000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.choice(["A", "B", "C"], n, p=[0.4, 0.3, 0.3])
    segment = rng.choice(["mobile", "desktop", "tablet"], n, p=[0.5, 0.35, 0.15])
    uplift = np.select([arm == "B", arm == "C"], [1.15, 0.95], 1.0)
    orders = rng.poisson(0.4 * uplift).astype(float)
    revenue = np.array([rng.gamma(2.0, 25.0, int(k)).sum() for k in orders])
    recommend = np.clip(np.round(rng.normal(7 + 0.5 * (arm == "B"), 2.2)), 0, 10).astype(int)
    return pd.DataFrame(
        {
            "arm": arm,
            "segment": segment,
            "converted": orders > 0,
            "revenue": revenue,
            "orders": orders,
            "score": rng.normal(50 + 2 * (arm == "C"), 10),
            "recommend": recommend,
        }
    )


UNITS = make_units()


def iter_pairs(
    table: pd.DataFrame, by: list[str]
) -> Iterator[tuple[pd.Series, pd.DataFrame, pd.DataFrame]]:
    """Each result row with the unit rows of its control and its variant."""
    for _, row in table.iterrows():
        mask = np.ones(len(UNITS), dtype=bool)
        for col in by:
            mask &= (UNITS[col] == row[col]).to_numpy()
        yield row, UNITS[mask & (UNITS.arm == "A")], UNITS[mask & (UNITS.arm == row["arm"])]


def assert_row(row: pd.Series, res: cx.Comparison) -> None:
    variant, control = res.estimates
    expected = [
        control.value,
        variant.value,
        control.n,
        variant.n,
        res.difference,
        res.se,
        *res.difference_ci,
        res.lift,
        *res.lift_ci,
        res.statistic,
        res.p_value,
    ]
    close(row[NUMERIC].to_numpy(dtype=float), expected, rtol=1e-9, atol=1e-12)
    assert row["test"] == res.test


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
@pytest.mark.parametrize("method", ANALYTIC)
def test_grouped_proportions_per_unit_equal_scalar_calls(method, alternative):
    kwargs = {"ci_method": method, "alternative": alternative}
    table, _ = run(
        cx.ab.compare, UNITS, group="arm", control="A", metric="converted", by="segment", **kwargs
    )
    assert len(table) == 6
    assert list(table.columns[:2]) == ["segment", "arm"]
    assert set(table["metric"]) == {"conversion_rate"}
    for row, c, v in iter_pairs(table, ["segment"]):
        res, _ = run(
            cx.ab.compare_proportions,
            control=(int(c.converted.sum()), len(c)),
            variant=(int(v.converted.sum()), len(v)),
            **kwargs,
        )
        assert_row(row, res)
        assert row["n_missing_control"] == 0
        assert row["n_missing_variant"] == 0


@pytest.mark.parametrize("exact", [None, True])
@pytest.mark.parametrize("method", ["delta", "newcomb", "score"])
def test_grouped_proportions_from_counts_equal_scalar_calls(method, exact):
    # Daily rows of summed counts; rows of one arm and segment add up.
    days = UNITS.assign(day=np.arange(len(UNITS)) % 3)
    counts = (
        days.groupby(["day", "segment", "arm"], as_index=False)
        .agg(conversions=("converted", "sum"), visitors=("converted", "size"))
        .sample(frac=1.0, random_state=1)
    )
    table, _ = run(
        cx.ab.compare,
        counts,
        group="arm",
        control="A",
        metric=cx.ab.Proportion("conversions", "visitors"),
        by="segment",
        ci_method=method,
        exact=exact,
    )
    assert "n_missing_control" not in table
    for row, c, v in iter_pairs(table, ["segment"]):
        res, _ = run(
            cx.ab.compare_proportions,
            control=(int(c.converted.sum()), len(c)),
            variant=(int(v.converted.sum()), len(v)),
            ci_method=method,
            exact=exact,
        )
        assert_row(row, res)


@pytest.mark.parametrize("method", ["delta", "fieller", "log"])
def test_grouped_means_per_unit_and_summed_equal_scalar_calls(method):
    table, _ = run(
        cx.ab.compare,
        UNITS,
        group="arm",
        control="A",
        metric="score",
        by="segment",
        ci_method=method,
    )
    assert set(table["metric"]) == {"mean"}
    sums = (
        UNITS.assign(sq=UNITS.score**2, one=1.0)
        .groupby(["segment", "arm"], as_index=False)
        .agg(n=("one", "sum"), total=("score", "sum"), squares=("sq", "sum"))
    )
    summed, _ = run(
        cx.ab.compare,
        sums,
        group="arm",
        control="A",
        metric=cx.ab.Mean(n="n", sum="total", sum_squares="squares"),
        by="segment",
        ci_method=method,
    )
    for (row, c, v), (_, summed_row) in zip(
        iter_pairs(table, ["segment"]), summed.iterrows(), strict=True
    ):
        res, _ = run(cx.ab.compare_means, c.score, v.score, ci_method=method)
        assert_row(row, res)
        assert_row(summed_row, res)


@pytest.mark.parametrize("method", ["delta", "fieller", "log"])
def test_grouped_ratios_per_unit_and_summed_equal_scalar_calls(method):
    table, _ = run(
        cx.ab.compare,
        UNITS,
        group="arm",
        control="A",
        metric=("revenue", "orders"),
        by="segment",
        ci_method=method,
    )
    assert set(table["metric"]) == {"ratio"}
    units = UNITS.assign(
        yy=UNITS.revenue**2, xx=UNITS.orders**2, xy=UNITS.revenue * UNITS.orders, one=1.0
    )
    sums = units.groupby(["segment", "arm"], as_index=False)[
        ["one", "revenue", "orders", "yy", "xx", "xy"]
    ].sum()
    summed, _ = run(
        cx.ab.compare,
        sums,
        group="arm",
        control="A",
        metric=cx.ab.Ratio(
            "revenue",
            "orders",
            n="one",
            numerator_squares="yy",
            denominator_squares="xx",
            cross="xy",
        ),
        by="segment",
        ci_method=method,
    )
    for (row, c, v), (_, summed_row) in zip(
        iter_pairs(table, ["segment"]), summed.iterrows(), strict=True
    ):
        res, _ = run(
            cx.ab.compare_ratios,
            (c.revenue.to_numpy(), c.orders.to_numpy()),
            (v.revenue.to_numpy(), v.orders.to_numpy()),
            ci_method=method,
        )
        assert_row(row, res)
        assert_row(summed_row, res)


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_grouped_nps_index_is_a_z_test_of_the_two_nps_estimates(alternative):
    table, _ = run(
        cx.ab.compare,
        UNITS,
        group="arm",
        control="A",
        metric=cx.ab.Index(cx.nps, "recommend", options={"scale": "0-10"}),
        by="segment",
        alternative=alternative,
    )
    assert set(table["metric"]) == {"nps"}
    q = stats.norm.ppf(0.5 + two_sided(0.95, alternative) / 2)
    for row, c, v in iter_pairs(table, ["segment"]):
        a, b = cx.nps(v, "recommend"), cx.nps(c, "recommend")
        diff = a.value - b.value
        se = math.hypot(a.se, b.se)
        z = diff / se
        p = {
            "two-sided": 2 * stats.norm.sf(abs(z)),
            "greater": stats.norm.sf(z),
            "less": stats.norm.cdf(z),
        }[alternative]
        ci = open_side(diff - q * se, diff + q * se, alternative, (-math.inf, math.inf))
        close(row[["value_variant", "value_control"]].to_numpy(float), [a.value, b.value])
        close(row[["n_variant", "n_control"]].to_numpy(float), [a.n, b.n])
        close(row[["difference", "se", "statistic", "p_value"]].to_numpy(float), [diff, se, z, p])
        close(row[["ci_low", "ci_high"]].to_numpy(float), ci)
        close(row["lift"], diff / abs(b.value))
        lift = expected_lift_ci(a.value, b.value, a.se**2, b.se**2, 0.95, alternative, "fieller")
        close(row[["lift_ci_low", "lift_ci_high"]].to_numpy(float), lift)
        if alternative == "two-sided":
            ref, _ = run(cx.compare_estimates, a, b)
            close([row["difference"], row["p_value"]], [ref.difference, ref.p_value])


def test_adjust_holm_matches_statsmodels():
    table, _ = run(
        cx.ab.compare,
        UNITS,
        group="arm",
        control="A",
        metric="revenue",
        by="segment",
        adjust="holm",
    )
    close(table["p_value_adjusted"], multipletests(table["p_value"], method="holm")[1])
    assert (table["p_value_adjusted"] >= table["p_value"]).all()


def test_missing_control_in_a_segment_gives_nan_rows_and_a_warning():
    units = UNITS[~((UNITS.segment == "tablet") & (UNITS.arm == "A"))]
    full, _ = run(cx.ab.compare, UNITS, group="arm", control="A", metric="converted", by="segment")
    with pytest.warns(DegenerateDataWarning, match="no control"):
        table = cx.ab.compare(
            units, group="arm", control="A", metric="converted", by="segment", adjust="holm"
        )
    assert len(table) == len(full)
    missing = (table.segment == "tablet").to_numpy()
    assert missing.sum() == 2
    assert (
        table.loc[missing, ["difference", "ci_low", "p_value", "p_value_adjusted"]]
        .isna()
        .all(axis=None)
    )
    kept = table.loc[~missing]
    close(kept[NUMERIC].to_numpy(float), full.loc[~missing, NUMERIC].to_numpy(float))
    close(kept["p_value_adjusted"], multipletests(kept["p_value"], method="holm")[1])


def test_metric_resolution_and_bool_flags_as_numbers():
    flags01 = UNITS.assign(converted=UNITS.converted.astype(int))
    as_bool = cx.ab.compare(UNITS, group="arm", control="A", metric="converted")
    as_int = cx.ab.compare(flags01, group="arm", control="A", metric=cx.ab.Proportion("converted"))
    as_mean = cx.ab.compare(flags01, group="arm", control="A", metric="converted")
    assert list(as_bool.metric) == ["conversion_rate"] * 2
    assert list(as_mean.metric) == ["mean"] * 2
    close(as_int[NUMERIC].to_numpy(float), as_bool[NUMERIC].to_numpy(float), rtol=0, atol=0)
    explicit = cx.ab.compare(UNITS, group="arm", control="A", metric=cx.ab.Mean("revenue"))
    implicit = cx.ab.compare(UNITS, group="arm", control="A", metric="revenue")
    close(explicit[NUMERIC].to_numpy(float), implicit[NUMERIC].to_numpy(float), rtol=0, atol=0)
    ratio = cx.ab.compare(UNITS, group="arm", control="A", metric=cx.ab.Ratio("revenue", "orders"))
    pair = cx.ab.compare(UNITS, group="arm", control="A", metric=("revenue", "orders"))
    close(ratio[NUMERIC].to_numpy(float), pair[NUMERIC].to_numpy(float), rtol=0, atol=0)


@pytest.mark.parametrize(
    "metric",
    [cx.ab.Proportion("flag"), cx.ab.Mean("revenue"), ("revenue", "orders")],
    ids=["proportion", "mean", "ratio"],
)
def test_nan_policy_omit_counts_missing_units(metric):
    rng = np.random.default_rng(4)
    holes = rng.random(len(UNITS)) < 0.1
    units = UNITS.assign(
        flag=UNITS.converted.astype(float).where(~holes),
        revenue=UNITS.revenue.where(~holes),
    )
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        cx.ab.compare(units, group="arm", control="A", metric=metric, nan_policy="raise")
    table, _ = run(cx.ab.compare, units, group="arm", control="A", metric=metric)
    clean = units[~holes]
    reference, _ = run(cx.ab.compare, clean, group="arm", control="A", metric=metric)
    close(table[NUMERIC].to_numpy(float), reference[NUMERIC].to_numpy(float))
    for _, row in table.iterrows():
        assert row["n_missing_control"] == int((holes & (units.arm == "A")).sum())
        assert row["n_missing_variant"] == int((holes & (units.arm == row["arm"])).sum())


def test_nullable_boolean_flags_are_conversions():
    holes = np.random.default_rng(6).random(len(UNITS)) < 0.05
    units = UNITS.assign(converted=UNITS.converted.astype("boolean").mask(holes))
    table, _ = run(
        cx.ab.compare, units, group="arm", control="A", metric="converted", nan_policy="omit"
    )
    reference, _ = run(cx.ab.compare, UNITS[~holes], group="arm", control="A", metric="converted")
    close(table[NUMERIC].to_numpy(float), reference[NUMERIC].to_numpy(float))
    assert table["n_missing_control"].iloc[0] == int((holes & (UNITS.arm == "A")).sum())


def test_integer_arms_several_by_columns_and_missing_segment_keys():
    rng = np.random.default_rng(7)
    units = UNITS.assign(
        arm=UNITS.arm.map({"A": 0, "B": 1, "C": 2}),
        day=rng.integers(1, 3, len(UNITS)),
        segment=UNITS.segment.where(rng.random(len(UNITS)) > 0.1),
    )
    table, _ = run(
        cx.ab.compare, units, group="arm", control=0, metric="converted", by=["segment", "day"]
    )
    assert len(table) == 4 * 2 * 2  # three segments and a missing one, two days, two variants
    assert table["segment"].isna().sum() == 4
    for _, row in table.iterrows():
        seg = units.segment.isna() if pd.isna(row["segment"]) else units.segment == row["segment"]
        cell = seg & (units.day == row["day"])
        c, v = units[cell & (units.arm == 0)], units[cell & (units.arm == row["arm"])]
        res, _ = run(
            cx.ab.compare_proportions,
            control=(int(c.converted.sum()), len(c)),
            variant=(int(v.converted.sum()), len(v)),
        )
        assert_row(row, res)


def test_categorical_group_with_unused_categories():
    units = UNITS.assign(arm=pd.Categorical(UNITS.arm, categories=["C", "A", "B", "unused"]))
    table, _ = run(cx.ab.compare, units, group="arm", control="A", metric="score")
    assert sorted(table["arm"].astype(str)) == ["B", "C"]
    for _, row in table.iterrows():
        res, _ = run(
            cx.ab.compare_means,
            UNITS.score[UNITS.arm == "A"],
            UNITS.score[UNITS.arm == row["arm"]],
        )
        assert_row(row, res)


def test_grouped_bootstrap_is_seeded_and_close_to_the_scalar_bootstrap():
    kwargs = {"group": "arm", "control": "A", "metric": "revenue", "ci_method": "percentile"}
    a, _ = run(cx.ab.compare, UNITS, rng=1, ignore=SKEWED, **kwargs)
    b, _ = run(cx.ab.compare, UNITS, rng=1, ignore=SKEWED, **kwargs)
    pd.testing.assert_frame_equal(a, b)
    assert set(a["test"]) == {"bootstrap"}
    for _, row in a.iterrows():
        c = UNITS.revenue[UNITS.arm == "A"].to_numpy()
        v = UNITS.revenue[UNITS.arm == row["arm"]].to_numpy()
        res, _ = run(cx.ab.compare_means, c, v, ci_method="percentile", rng=99, ignore=SKEWED)
        close(row["difference"], res.difference)
        assert_bootstrap_close(row[["ci_low", "ci_high"]], res.difference_ci)


def summed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "arm": ["A", "B"],
            "n": [100.0, 100.0],
            "s": [500.0, 520.0],
            "ss": [3000.0, 3200.0],
            "conv": [10, 12],
            "vis": [100, 100],
        }
    )


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "match"),
    [
        (UNITS, {"metric": "nope"}, ValueError, "not a column"),
        (UNITS, {"metric": "converted", "group": "nope"}, ValueError, "not a column"),
        (UNITS, {"metric": "converted", "control": "Z"}, ValueError, "not an arm"),
        (UNITS, {"metric": "converted", "by": "arm"}, ValueError, "by column"),
        (
            summed_frame(),
            {"metric": cx.ab.Mean(n="n", sum="s", sum_squares="ss"), "ci_method": "bca"},
            ValueError,
            "resamples units",
        ),
        (
            summed_frame(),
            {
                "metric": cx.ab.Ratio(
                    "s", "n", n="n", numerator_squares="ss", denominator_squares="n", cross="s"
                ),
                "ci_method": "percentile",
            },
            ValueError,
            "resamples units",
        ),
        (
            UNITS,
            {"metric": cx.ab.Index(cx.nps, "recommend"), "ci_method": "bca"},
            ValueError,
            "ci_method",
        ),
        (
            UNITS.assign(flag=np.arange(len(UNITS)) % 3),
            {"metric": cx.ab.Proportion("flag")},
            ValueError,
            "True/False or 0/1",
        ),
        (
            summed_frame().assign(conv=[10, 120]),
            {"metric": cx.ab.Proportion("conv", "vis")},
            ValueError,
            "exceed",
        ),
        (
            summed_frame().assign(conv=[10.5, 12]),
            {"metric": cx.ab.Proportion("conv", "vis")},
            ValueError,
            "whole counts",
        ),
        (UNITS, {"metric": 3}, TypeError, "metric must be"),
        (UNITS.to_dict(), {"metric": "converted"}, TypeError, "DataFrame"),
        (UNITS, {"metric": "converted", "ci_method": "wald"}, ValueError, "ci_method"),
        (UNITS, {"metric": "converted", "adjust": "nope"}, ValueError, "adjust"),
    ],
    ids=[
        "unknown-metric",
        "unknown-group",
        "control-not-an-arm",
        "group-in-by",
        "bootstrap-mean-sums",
        "bootstrap-ratio-sums",
        "bootstrap-index",
        "flags-not-0-1",
        "successes-exceed-trials",
        "fractional-counts",
        "bad-metric-type",
        "not-a-frame",
        "unknown-ci-method",
        "unknown-adjust",
    ],
)
def test_compare_rejects_bad_input(data, kwargs, error, match):
    args = {"group": "arm", "control": "A", **kwargs}
    with pytest.raises(error, match=match):
        cx.ab.compare(data, **args)


def test_metric_specs_reject_partial_sums():
    with pytest.raises(ValueError, match="either column"):
        cx.ab.Mean("revenue", n="n")
    with pytest.raises(ValueError, match=r"Ratio takes either .* got denominator='orders', n='n'"):
        cx.ab.Ratio("revenue", "orders", n="n")
    with pytest.raises(ValueError, match="Ratio takes either"):
        cx.ab.Ratio(n="n", numerator_mean="ym", denominator_mean="xm")
    with pytest.raises(ValueError, match="got nothing"):
        cx.ab.Ratio()


# ----------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------


@st.composite
def arm_counts(draw: st.DrawFn, max_n: int = 300) -> tuple[int, int]:
    n = draw(st.integers(2, max_n))
    return draw(st.integers(0, n)), n


SYMMETRIC = ("delta", "fieller", "log", "newcomb", "agresti-caffo")


@settings(max_examples=60)
@given(control=arm_counts(), variant=arm_counts(), method=st.sampled_from(SYMMETRIC))
def test_swapping_arms_negates_the_difference(control, variant, method):
    a, _ = run(
        cx.ab.compare_proportions, control=control, variant=variant, ci_method=method, exact=False
    )
    b, _ = run(
        cx.ab.compare_proportions, control=variant, variant=control, ci_method=method, exact=False
    )
    close(b.difference, -a.difference, rtol=0, atol=1e-15)
    close(b.difference_ci, [-a.difference_ci.high, -a.difference_ci.low], rtol=1e-12, atol=1e-15)
    close(b.statistic, -a.statistic, rtol=1e-12, atol=1e-15)
    close(b.p_value, a.p_value, rtol=1e-12, atol=1e-15)
    greater, _ = run(
        cx.ab.compare_proportions,
        control=control,
        variant=variant,
        ci_method=method,
        exact=False,
        alternative="greater",
    )
    less, _ = run(
        cx.ab.compare_proportions,
        control=variant,
        variant=control,
        ci_method=method,
        exact=False,
        alternative="less",
    )
    close(less.p_value, greater.p_value, rtol=1e-12, atol=1e-15)
    close(less.difference_ci, [-greater.difference_ci.high, -greater.difference_ci.low])


@settings(max_examples=40)
@given(control=arm_counts(), variant=arm_counts(), alternative=st.sampled_from(ALTERNATIVES))
def test_swapping_arms_mirrors_fisher(control, variant, alternative):
    mirrored = {"two-sided": "two-sided", "greater": "less", "less": "greater"}[alternative]
    a, _ = run(
        cx.ab.compare_proportions,
        control=control,
        variant=variant,
        exact=True,
        alternative=alternative,
    )
    b, _ = run(
        cx.ab.compare_proportions,
        control=variant,
        variant=control,
        exact=True,
        alternative=mirrored,
    )
    close(b.p_value, a.p_value, rtol=1e-9, atol=1e-15)


@settings(max_examples=60)
@given(
    n=st.integers(2, 2000),
    data=st.data(),
    method=st.sampled_from(ANALYTIC),
)
def test_identical_arms_have_no_difference_and_p_value_one(n, data, method):
    s = data.draw(st.integers(1, n - 1))
    res, messages = run(cx.ab.compare_proportions, control=(s, n), variant=(s, n), ci_method=method)
    assert res.difference == 0.0
    assert res.lift == 0.0
    if res.test == "fisher":
        close(res.p_value, 1.0, rtol=0, atol=1e-9)
    else:
        assert res.p_value == 1.0
        assert res.statistic == 0.0
    exact, _ = run(cx.ab.compare_proportions, control=(s, n), variant=(s, n), exact=True)
    close(exact.p_value, 1.0, rtol=0, atol=1e-9)
    assert not any("test is undefined" in m for m in messages)


@settings(max_examples=40)
@given(values=st.lists(st.integers(-50, 50), min_size=2, max_size=40))
def test_identical_mean_arms_give_welch_p_value_one(values):
    x = np.array(values, dtype=float)
    assume(x.std() > 0)
    res, _ = run(cx.ab.compare_means, x, x)
    assert res.difference == 0.0
    assert res.statistic == 0.0
    assert res.p_value == 1.0
    if x.mean() != 0:
        assert res.lift == 0.0


@settings(max_examples=80)
@given(
    control=arm_counts(),
    variant=arm_counts(),
    method=st.sampled_from(ANALYTIC),
    level=st.sampled_from([0.8, 0.95, 0.99]),
)
def test_two_sided_intervals_contain_the_estimates(control, variant, method, level):
    res, _ = run(
        cx.ab.compare_proportions,
        control=control,
        variant=variant,
        ci_method=method,
        confidence_level=level,
    )
    if method != "agresti-caffo":  # its interval is centred on the adjusted rates
        assert res.difference_ci.low <= res.difference <= res.difference_ci.high
    assert -1.0 <= res.difference_ci.low <= res.difference_ci.high <= 1.0
    if method in ("delta", "fieller", "log") and not math.isnan(res.lift_ci.low):
        assert res.lift_ci.low <= res.lift <= res.lift_ci.high


@settings(max_examples=80)
@given(
    n=st.tuples(st.integers(2, 500), st.integers(2, 500)),
    mean=st.tuples(
        st.floats(-100, 100).filter(lambda m: abs(m) > 1e-3),
        st.floats(-100, 100).filter(lambda m: abs(m) > 1e-3),
    ),
    sd=st.tuples(st.floats(0.1, 50), st.floats(0.1, 50)),
    method=st.sampled_from(["delta", "fieller", "log"]),
)
def test_mean_lift_intervals_contain_the_lift(n, mean, sd, method):
    arms = [cx.ab.MeanStats(n=k, mean=m, var=s * s) for k, m, s in zip(n, mean, sd, strict=True)]
    # Overflow of exp in the log interval: see test_log_lift_does_not_overflow.
    res, _ = run(cx.ab.compare_means, *arms, ci_method=method, ignore="overflow encountered")
    assert res.difference_ci.low <= res.difference <= res.difference_ci.high
    if not math.isnan(res.lift_ci.low):
        assert res.lift_ci.low <= res.lift <= res.lift_ci.high


@settings(max_examples=60)
@given(
    control=arm_counts(),
    variant=arm_counts(),
    method=st.sampled_from(ANALYTIC),
    alternative=st.sampled_from(["greater", "less"]),
)
def test_one_sided_intervals_open_to_the_parameter_bound(control, variant, method, alternative):
    """One-sided bounds are the two-sided ones at 2 * level - 1; a rate's lift is >= -1."""
    kwargs = {"control": control, "variant": variant, "ci_method": method, "exact": False}
    one, _ = run(cx.ab.compare_proportions, alternative=alternative, **kwargs)
    two, _ = run(cx.ab.compare_proportions, confidence_level=0.9, **kwargs)
    if alternative == "greater":
        close(one.difference_ci, (two.difference_ci.low, 1.0), rtol=1e-9)
        if not math.isnan(one.lift_ci.low):
            close(one.lift_ci, (two.lift_ci.low, math.inf), rtol=1e-9)
    else:
        close(one.difference_ci, (-1.0, two.difference_ci.high), rtol=1e-9)
        if not math.isnan(one.lift_ci.high):
            close(one.lift_ci, (-1.0, two.lift_ci.high), rtol=1e-9)
    two_sided_p = two.p_value
    if not math.isnan(two_sided_p) and one.statistic * (1 if alternative == "greater" else -1) > 0:
        close(one.p_value, two_sided_p / 2, rtol=1e-9, atol=1e-15)


@settings(max_examples=40)
@given(
    n=st.integers(2, 1000),
    data=st.data(),
    method=st.sampled_from(ANALYTIC),
)
def test_no_control_successes_make_the_lift_undefined(n, data, method):
    variant = (data.draw(st.integers(1, n - 1)), n)
    with pytest.warns(DegenerateDataWarning) as record:
        res = cx.ab.compare_proportions(control=(0, n), variant=variant, ci_method=method)
    assert any("lift interval is undefined" in str(w.message) for w in record)
    assert math.isnan(res.lift)
    assert math.isnan(res.lift_ci.low)
    assert math.isnan(res.lift_ci.high)
