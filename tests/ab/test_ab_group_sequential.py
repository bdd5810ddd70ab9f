"""Group-sequential boundaries with alpha spending, against published tables and simulation.

References
----------
- Jennison, C. & Turnbull, B. W. (2000). *Group Sequential Methods with Applications to
  Clinical Trials*. Chapman & Hall/CRC. Table 2.1 (Pocock's constants C_P(K, alpha)),
  Table 2.3 (O'Brien & Fleming's C_B(K, alpha)), Tables 2.2 and 2.4 (the ratios
  R_P(K, alpha, beta), R_B(K, alpha, beta) of the maximum to the fixed sample size).
- Lan-DeMets spending boundaries of the O'Brien-Fleming and Pocock types at five
  equally spaced looks, two-sided alpha = 0.05, as printed by R's gsDesign
  (``gsDesign(k=5, test.type=2, sfu=sfLDOF)`` / ``sfu=sfLDPocock``) and ld98/ldbounds
  (Reboussin, DeMets, Kim & Lan 2000, *Controlled Clinical Trials* 21, 190-207), whose
  spending functions are ``side * 2 * (1 - pnorm(qnorm(1 - (alpha/side)/2) / sqrt(t)))``
  and ``alpha * log(1 + (e - 1) t)`` (cran/ldbounds, R/alphas.R).
"""

from __future__ import annotations

import copy
import json
import math
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special, stats

import cxlib as cx
from cxlib.ab._boundaries import crossing_probabilities, drift_for_power

Z975 = float(stats.norm.ppf(0.975))
EQUAL5 = np.arange(1, 6) / 5.0

# ----------------------------------------------------------------------------- published


def test_lan_demets_obrien_fleming_five_looks_matches_gsdesign_and_ld98() -> None:
    # gsDesign sfLDOF / ld98, K = 5 equally spaced, two-sided alpha = 0.05.
    published = [4.8769, 3.3569, 2.6803, 2.2898, 2.0310]
    design = cx.ab.group_sequential(5)
    np.testing.assert_allclose(design.z_boundaries, published, atol=2e-4)
    # The first look has no history: its boundary spends alpha(0.2)/2 in each tail.
    tail = 2.0 * stats.norm.sf(stats.norm.ppf(1 - 0.0125) / math.sqrt(0.2))
    assert design.z_boundaries[0] == pytest.approx(stats.norm.isf(tail), rel=1e-9)


def test_lan_demets_pocock_five_looks_matches_gsdesign_and_ld98() -> None:
    # gsDesign sfLDPocock / ld98, K = 5 equally spaced, two-sided alpha = 0.05.
    published = [2.4380, 2.4268, 2.4101, 2.3966, 2.3859]
    design = cx.ab.group_sequential(5, spending="pocock")
    np.testing.assert_allclose(design.z_boundaries, published, atol=2e-4)


def _classic(shape: np.ndarray, fractions: np.ndarray) -> float:
    """The constant C with overall two-sided level 0.05 for boundaries C * shape."""

    def excess(c: float) -> float:
        up, low = crossing_probabilities(fractions, c * shape, 0.0, two_sided=True)
        return float(up.sum() + low.sum()) - 0.05

    root: float = optimize.brentq(excess, 1.0, 5.0, xtol=1e-10)
    return root


@pytest.mark.parametrize(
    ("k", "pocock", "obrien_fleming"),
    # J&T (2000) Table 2.1 C_P(K, 0.05) and Table 2.3 C_B(K, 0.05).
    [(1, 1.960, 1.960), (2, 2.178, 1.977), (3, 2.289, 2.004), (4, 2.361, 2.024),
     (5, 2.413, 2.040)],
)  # fmt: skip
def test_the_integration_reproduces_the_classic_constants(
    k: int, pocock: float, obrien_fleming: float
) -> None:
    t = np.arange(1, k + 1) / k
    assert _classic(np.ones(k), t) == pytest.approx(pocock, abs=6e-4)
    # O'Brien-Fleming: z_k = C_B * sqrt(K / k), constant on the S(t) scale.
    assert _classic(np.sqrt(1.0 / t), t) == pytest.approx(obrien_fleming, abs=6e-4)


@pytest.mark.parametrize(
    ("shape", "power", "published"),
    # J&T (2000) Tables 2.2 and 2.4, K = 5, alpha = 0.05: R_P(5, 0.05, 0.2) = 1.229,
    # R_P(5, 0.05, 0.1) = 1.207, R_B(5, 0.05, 0.2) = 1.028, R_B(5, 0.05, 0.1) = 1.026.
    [("pocock", 0.8, 1.229), ("pocock", 0.9, 1.207), ("obf", 0.8, 1.028), ("obf", 0.9, 1.026)],
)
def test_the_drift_reproduces_the_classic_inflation_factors(
    shape: str, power: float, published: float
) -> None:
    form = np.ones(5) if shape == "pocock" else np.sqrt(1.0 / EQUAL5)
    bounds = _classic(form, EQUAL5) * form
    drift = drift_for_power(EQUAL5, bounds, power, two_sided=True)
    ratio = (drift / (Z975 + stats.norm.ppf(power))) ** 2
    assert ratio == pytest.approx(published, abs=6e-4)


def test_one_look_is_the_fixed_test() -> None:
    design = cx.ab.group_sequential(1)
    assert design.z_boundaries[0] == pytest.approx(1.959963984540054, abs=1e-9)
    assert design.inflation_factor == pytest.approx(1.0, abs=1e-8)
    greater = cx.ab.group_sequential(1, alternative="greater", power=0.9)
    assert greater.z_boundaries[0] == pytest.approx(stats.norm.ppf(0.95), abs=1e-9)
    assert greater.drift == pytest.approx(stats.norm.ppf(0.95) + stats.norm.ppf(0.9), abs=1e-8)


def test_spending_functions_are_the_lan_demets_ones() -> None:
    t = np.array([0.1, 0.3, 0.5, 0.75, 1.0])
    obf = cx.ab.group_sequential(t.tolist(), alpha=0.05)
    # Each tail spends 2 - 2 Phi(z_(1 - 0.025/2) / sqrt(t)).
    tail = 2.0 * stats.norm.sf(stats.norm.ppf(1 - 0.0125) / np.sqrt(t))
    np.testing.assert_allclose(obf.alpha_spent, 2.0 * tail, rtol=1e-12)
    pocock = cx.ab.group_sequential(t.tolist(), alpha=0.05, spending="pocock")
    np.testing.assert_allclose(pocock.alpha_spent, 0.05 * np.log(1 + (math.e - 1) * t))
    one = cx.ab.group_sequential(t.tolist(), alpha=0.05, alternative="greater")
    expect = 2.0 * stats.norm.sf(stats.norm.ppf(1 - 0.025) / np.sqrt(t))
    np.testing.assert_allclose(one.alpha_spent, expect, rtol=1e-12)


# ----------------------------------------------------------------------------- simulation


def _paths(fractions: np.ndarray, drift: float, n: int, seed: int) -> np.ndarray:
    """z statistics of ``n`` Brownian paths with ``drift`` at ``fractions`` (n x K)."""
    rng = np.random.default_rng(seed)
    dt = np.diff(fractions, prepend=0.0)
    steps = rng.standard_normal((n, len(fractions))) * np.sqrt(dt) + drift * dt
    s: np.ndarray = np.cumsum(steps, axis=1) / np.sqrt(fractions)
    return s


def _first_crossing(z: np.ndarray, bounds: np.ndarray, alternative: str) -> np.ndarray:
    if alternative == "two-sided":
        hit = np.abs(z) >= bounds
    elif alternative == "greater":
        hit = z >= bounds
    else:
        hit = z <= bounds
    crossed = hit.any(axis=1)
    look = np.where(crossed, hit.argmax(axis=1), len(bounds))
    return look


@pytest.mark.parametrize(
    ("looks", "spending", "alternative"),
    [
        (5, "obrien-fleming", "two-sided"),
        (5, "pocock", "two-sided"),
        ([0.15, 0.4, 0.7, 1.0], "obrien-fleming", "greater"),
        ([0.3, 0.5, 1.0], "pocock", "less"),
    ],
)
def test_simulated_type_one_error_equals_the_alpha_spent(
    looks: int | list[float], spending: str, alternative: str
) -> None:
    design = cx.ab.group_sequential(looks, spending=spending, alternative=alternative)  # type: ignore[arg-type]
    t = np.asarray(design.information_fractions)
    n = 200_000
    first = _first_crossing(_paths(t, 0.0, n, seed=20261206), np.asarray(design.z_boundaries),
                            alternative)  # fmt: skip
    cumulative = np.array([(first <= k).mean() for k in range(len(t))])
    spent = np.asarray(design.alpha_spent)
    se = np.sqrt(spent * (1 - spent) / n)
    assert np.all(np.abs(cumulative - spent) <= 3 * se + 1e-12), (cumulative, spent)
    assert abs(cumulative[-1] - 0.05) <= 3 * math.sqrt(0.05 * 0.95 / n)


@pytest.mark.parametrize("spending", ["obrien-fleming", "pocock"])
def test_simulated_power_at_the_inflated_sample_is_the_target(spending: str) -> None:
    design = cx.ab.group_sequential(5, spending=spending, power=0.8)  # type: ignore[arg-type]
    # The drift of the fixed test with 80 % power, on the inflated sample.
    drift = (Z975 + stats.norm.ppf(0.8)) * math.sqrt(design.inflation_factor)
    assert drift == pytest.approx(design.drift, rel=1e-9)
    n = 200_000
    z = _paths(EQUAL5, drift, n, seed=7)
    bounds = np.asarray(design.z_boundaries)
    first = _first_crossing(z, bounds, "two-sided")
    rows = np.arange(n)[first < 5]
    upper = (z[rows, first[first < 5]] > 0).sum() / n  # the effect detected, not reversed
    assert abs(upper - 0.8) <= 3 * math.sqrt(0.8 * 0.2 / n)
    # A test of the fixed-horizon size would have less power than 80 %.
    fixed = _first_crossing(_paths(EQUAL5, Z975 + stats.norm.ppf(0.8), n, seed=8), bounds,
                            "two-sided")  # fmt: skip
    assert (fixed < 5).mean() < 0.8 - 3 * math.sqrt(0.16 / n)


def test_inflation_factors_of_the_spending_designs() -> None:
    # Lan-DeMets boundaries at K = 5 need a little less than the classic ones (J&T
    # Tables 2.2/2.4: 1.028 and 1.229 at 80 % power): the spending versions relax the
    # final boundary of O'Brien-Fleming and the early ones of Pocock.
    obf = cx.ab.group_sequential(5, power=0.8).inflation_factor
    pocock = cx.ab.group_sequential(5, spending="pocock", power=0.8).inflation_factor
    assert 1.0 < obf < 1.028
    assert 1.15 < pocock < 1.229
    assert cx.ab.group_sequential(5, power=0.9).inflation_factor < obf


# ----------------------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None)
@given(
    looks=st.integers(2, 10),
    alpha=st.floats(0.001, 0.2),
    alternative=st.sampled_from(["two-sided", "greater"]),
)
def test_obf_boundaries_decrease_at_equally_spaced_looks(
    looks: int, alpha: float, alternative: str
) -> None:
    design = cx.ab.group_sequential(looks, alpha=alpha, alternative=alternative)  # type: ignore[arg-type]
    assert np.all(np.diff(design.z_boundaries) < 0)
    pocock = cx.ab.group_sequential(looks, alpha=alpha, spending="pocock", alternative=alternative)  # type: ignore[arg-type]
    # Pocock-type spending stops more easily early and less easily at the end.
    assert pocock.z_boundaries[0] < design.z_boundaries[0]
    assert pocock.z_boundaries[-1] > design.z_boundaries[-1]


@settings(max_examples=30, deadline=None)
@given(
    gaps=st.lists(st.floats(0.02, 1.0), min_size=1, max_size=7),
    alpha=st.floats(0.001, 0.2),
    spending=st.sampled_from(["obrien-fleming", "pocock"]),
    alternative=st.sampled_from(["two-sided", "greater", "less"]),
)
def test_the_alpha_spent_increases_and_ends_at_alpha(
    gaps: list[float], alpha: float, spending: str, alternative: str
) -> None:
    t = np.cumsum(gaps) / np.sum(gaps)
    design = cx.ab.group_sequential(t.tolist(), alpha=alpha, spending=spending,  # type: ignore[arg-type]
                                    alternative=alternative)  # type: ignore[arg-type]  # fmt: skip
    spent = np.asarray(design.alpha_spent)
    assert np.all(np.diff(spent) > 0)
    assert spent[-1] == pytest.approx(alpha, rel=1e-12)
    frame = design.to_frame()
    np.testing.assert_allclose(frame["alpha_at_look"].sum(), alpha, rtol=1e-12)
    # A boundary never spends more than its increment alone (the earlier looks only
    # remove paths): its nominal p-value is at least the alpha at that look. A look
    # planned to spend less than 1e-300 (an early O'Brien-Fleming look at a small
    # alpha) has no boundary: z is infinite and nothing is spent.
    finite = np.isfinite(frame["z_boundary"])
    assert np.all(frame.loc[~finite, "alpha_at_look"] < 1e-300)
    assert np.all(frame.loc[finite, "nominal_p"] >= frame.loc[finite, "alpha_at_look"] * (1 - 1e-6))


def test_a_look_that_would_spend_less_than_1e_300_has_no_boundary() -> None:
    """Found by hypothesis: O'Brien-Fleming at t = 0.0088 with alpha = 0.001 spends
    2 (1 - Phi(z_0.0005 / sqrt(t))) = 1.3e-302 (Lan & DeMets 1983), beyond float range
    for a z boundary; the later looks still spend alpha to the end."""
    gaps = [0.025390625, 0.5, 0.75, 0.875, 0.375, 0.375]
    t = np.cumsum(gaps) / np.sum(gaps)
    design = cx.ab.group_sequential(t.tolist(), alpha=0.001)
    assert design.alpha_spent[0] == pytest.approx(
        2 * stats.norm.sf(stats.norm.isf(0.0005) / np.sqrt(t[0])), rel=1e-9
    )
    assert np.isinf(design.z_boundaries[0])
    assert np.all(np.isfinite(design.z_boundaries[1:]))
    assert design.alpha_spent[-1] == pytest.approx(0.001, rel=1e-12)


# ----------------------------------------------------------------------------- the result


def test_result_frame_dict_html_and_pickle() -> None:
    design = cx.ab.group_sequential([0.25, 0.5, 1.0], spending="pocock")
    frame = design.to_frame()
    assert list(frame.columns) == [
        "look", "information_fraction", "alpha_spent", "alpha_at_look", "z_boundary",
        "nominal_p",
    ]  # fmt: skip
    assert frame["look"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(frame["nominal_p"], 2 * stats.norm.sf(frame["z_boundary"]))
    assert design.looks == 3
    d = design.to_dict()
    json.dumps(d)
    assert d["z_boundaries"] == list(design.z_boundaries)
    assert "Pocock-type" in str(design)
    assert "3 look(s)" in str(design)
    assert "<table" in design._repr_html_()
    assert "z_boundary" in design._repr_html_()
    assert pickle.loads(pickle.dumps(design)) == design
    less = cx.ab.group_sequential(3, alternative="less")
    assert all(z < 0 for z in less.z_boundaries)
    greater = cx.ab.group_sequential(3, alternative="greater")
    np.testing.assert_allclose(less.z_boundaries, -np.asarray(greater.z_boundaries))
    np.testing.assert_allclose(less.to_frame()["nominal_p"], stats.norm.sf(greater.z_boundaries))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"looks": 0}, ValueError, "looks"),
        ({"looks": -2}, ValueError, "looks"),
        ({"looks": True}, TypeError, "looks"),
        ({"looks": 2.5}, TypeError, "looks"),
        ({"looks": "5"}, TypeError, "looks"),
        ({"looks": [0.5, 0.4, 1.0]}, ValueError, "increase"),
        ({"looks": [0.5, 0.5, 1.0]}, ValueError, "increase"),
        ({"looks": [0.3, 0.8]}, ValueError, "end at information fraction 1"),
        ({"looks": [0.0, 1.0]}, ValueError, r"\(0, 1\]"),
        ({"looks": [0.5, 1.2]}, ValueError, r"\(0, 1\]"),
        ({"looks": [0.5, float("nan"), 1.0]}, ValueError, r"\(0, 1\]"),
        ({"looks": []}, ValueError, "looks"),
        ({"alpha": 0.0}, ValueError, "alpha"),
        ({"alpha": 1.5}, ValueError, "alpha"),
        ({"alpha": "0.05"}, TypeError, "alpha"),
        ({"spending": "haybittle"}, ValueError, "spending"),
        ({"alternative": "bigger"}, ValueError, "alternative"),
        ({"power": 1.0}, ValueError, "power"),
        ({"power": 0.01}, ValueError, "power"),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict[str, object], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        cx.ab.group_sequential(**kwargs)  # type: ignore[arg-type]


def test_fractions_are_not_changed() -> None:
    looks = np.array([0.25, 0.5, 1.0 - 1e-12])
    kept = looks.copy()
    design = cx.ab.group_sequential(looks)
    np.testing.assert_array_equal(looks, kept)
    assert design.information_fractions[-1] == 1.0


# ----------------------------------------------------------------------------- planning


def test_sample_size_with_looks_is_the_fixed_size_times_the_inflation() -> None:
    fixed = cx.ab.sample_size(0.05, 0.10)
    plan = cx.ab.sample_size(0.05, 0.10, looks=5)
    design = cx.ab.group_sequential(5)
    assert plan.looks == 5
    assert plan.spending == "obrien-fleming"
    assert plan.inflation_factor == pytest.approx(design.inflation_factor)
    # The fixed-horizon arm before rounding, times the inflation, rounded up.
    assert plan.n_control == pytest.approx(fixed.n_control * design.inflation_factor, abs=1.5)
    assert plan.achieved_power >= 0.8 - 1e-9
    assert plan.achieved_power == pytest.approx(0.8, abs=1e-3)
    assert "5 looks, obrien-fleming spending" in str(plan)
    frame = plan.to_frame()
    assert frame.loc[0, "looks"] == 5
    assert frame.loc[0, "inflation_factor"] > 1.0
    assert cx.ab.duration(plan, 1000) >= cx.ab.duration(fixed, 1000)
    pocock = cx.ab.sample_size(0.05, 0.10, looks=[0.5, 1.0], spending="pocock")
    assert pocock.inflation_factor == pytest.approx(
        cx.ab.group_sequential([0.5, 1.0], spending="pocock").inflation_factor
    )
    assert pocock.total > plan.total
    one = cx.ab.sample_size(0.05, 0.10, looks=1)
    assert (one.n_control, one.looks) == (fixed.n_control, 1)
    assert fixed.looks is None
    assert fixed.inflation_factor == 1.0


def test_sample_size_plans_the_corrected_level() -> None:
    plan = cx.ab.sample_size(2.5, 0.25, relative=False, sd=12.0, n_variants=3,
                             correction="bonferroni", looks=4, alternative="greater")  # fmt: skip
    design = cx.ab.group_sequential(4, alpha=0.05 / 3, alternative="greater")
    assert plan.inflation_factor == pytest.approx(design.inflation_factor)


def test_sample_size_refuses_a_bad_spending_or_looks() -> None:
    with pytest.raises(ValueError, match="spending"):
        cx.ab.sample_size(0.05, 0.10, spending="linear")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="looks"):
        cx.ab.sample_size(0.05, 0.10, looks=0)


# ----------------------------------------------------------------------------- monitoring


def test_planned_looks_use_the_design_boundaries() -> None:
    design = cx.ab.group_sequential(5)
    looks = cx.ab.group_sequential_test([0.5, 1.1, 2.9], design)
    np.testing.assert_allclose(looks["z_boundary"], design.z_boundaries[:3])
    assert looks["crossed"].tolist() == [False, False, True]
    assert looks["stop"].tolist() == [False, False, True]
    with pytest.raises(ValueError, match="plans 5"):
        cx.ab.group_sequential_test(np.zeros(6), design)


def test_observed_fractions_respend_alpha() -> None:
    design = cx.ab.group_sequential(4, spending="pocock")
    n = [1_800, 5_300, 10_000]
    z = [-2.6, -2.5, 2.0]
    looks = cx.ab.group_sequential_test(z, design, n=n, max_n=10_000)
    again = cx.ab.group_sequential([0.18, 0.53, 1.0], spending="pocock")
    np.testing.assert_allclose(looks["z_boundary"], again.z_boundaries)
    np.testing.assert_allclose(looks["alpha_spent"], again.alpha_spent)
    assert looks["crossed"].tolist() == [True, True, False]
    assert looks["stop"].tolist() == [True, False, False]
    assert looks["statistic"].tolist() == z
    # Only the direction of the alternative counts for a one-sided design.
    greater = cx.ab.group_sequential(4, alternative="greater")
    upward = cx.ab.group_sequential_test(z, greater, n=n, max_n=10_000)
    assert upward["crossed"].tolist() == [False, False, True]
    assert upward["z_boundary"].iloc[-1] < 2.0
    less = cx.ab.group_sequential(4, alternative="less", spending="pocock")
    assert cx.ab.group_sequential_test(z, less, n=n, max_n=10_000)["stop"].tolist()[0]


def test_a_trajectory_frame_is_read_and_not_changed() -> None:
    rng = np.random.default_rng(3)
    data = pd.DataFrame(
        {"arm": rng.choice(["control", "variant"], 4000), "day": rng.integers(1, 6, 4000)}
    )
    data["converted"] = (rng.random(4000) < np.where(data["arm"] == "variant", 0.13, 0.1)) * 1.0
    path = cx.ab.compare(data, group="arm", control="control",
                         metric=cx.ab.Proportion("converted"), time="day")  # fmt: skip
    kept = copy.deepcopy(path)
    design = cx.ab.group_sequential(5)
    looks = cx.ab.group_sequential_test(path, design, max_n=4000)
    pd.testing.assert_frame_equal(path, kept)
    n = (path["n_control"] + path["n_variant"]).to_numpy()
    np.testing.assert_allclose(looks["information_fraction"], n / 4000)
    np.testing.assert_allclose(looks["statistic"], path["statistic"])
    expect = np.asarray(cx.ab.group_sequential((n / 4000).tolist()).z_boundaries)
    np.testing.assert_allclose(looks["z_boundary"], expect)
    np.testing.assert_array_equal(looks["crossed"], np.abs(path["statistic"]) >= expect)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (([1.0], "design"), {}, TypeError, "design"),
        (([1.0, 2.0],), {"n": [10, 20]}, ValueError, "max_n"),
        (([1.0, 2.0],), {"n": [10, 20], "max_n": 15}, ValueError, "exceed max_n"),
        (([1.0, 2.0],), {"n": [20, 10], "max_n": 30}, ValueError, "increase"),
        (([1.0, 2.0],), {"n": [10], "max_n": 30}, ValueError, "n has 1"),
        (([1.0, 2.0],), {"n": [10, 20], "max_n": -3}, ValueError, "max_n"),
        ((pd.DataFrame({"statistic": [1.0]}),), {"max_n": 10}, ValueError, "n_control"),
        (("1.0",), {}, TypeError, "statistics"),
    ],
)
def test_monitoring_bad_input(
    args: tuple[object, ...], kwargs: dict[str, object], error: type, match: str
) -> None:
    design = cx.ab.group_sequential(3)
    full = args if len(args) == 2 else (*args, design)
    with pytest.raises(error, match=match):
        cx.ab.group_sequential_test(*full, **kwargs)  # type: ignore[arg-type]


def test_first_boundary_formula_in_scipy_terms() -> None:
    # Closed form of look 1 for a one-sided Pocock-type design (no earlier looks).
    design = cx.ab.group_sequential([0.4, 1.0], alpha=0.025, spending="pocock",
                                    alternative="greater")  # fmt: skip
    first = 0.025 * math.log(1 + (math.e - 1) * 0.4)
    assert design.z_boundaries[0] == pytest.approx(-special.ndtri(first), rel=1e-9)
