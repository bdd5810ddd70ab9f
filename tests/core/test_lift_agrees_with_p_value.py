"""The default lift interval agrees with the p-value: it excludes 0 exactly when p < alpha.

Fieller's interval of the ratio ``v / c`` is the set of ratios ``r`` that the test of
``v - r c = 0`` does not reject; at ``r = 1`` that test is the test of the difference, so a
lift of 0 lies outside the interval exactly when the difference is significant. Checked
for the defaults of every comparing function over random inputs (one- and two-sided, at
several levels). Boundary cases, where ``p`` equals ``alpha`` to rounding, are skipped,
and so are comparisons whose lift is undefined (a reference not told apart from zero).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import assume, given
from hypothesis import strategies as st

import cxlib as cx

ALTERNATIVES = st.sampled_from(["two-sided", "greater", "less"])
LEVELS = st.sampled_from([0.8, 0.9, 0.95, 0.99])


def agrees(p: float, low: float, high: float, level: float) -> bool:
    """``(p < alpha) == (0 not in [low, high])``, or True when undecidable."""
    alpha = 1.0 - level
    if math.isnan(low) or math.isnan(high) or math.isnan(p):
        return True
    if abs(p - alpha) < 1e-9 * alpha or min(abs(low), abs(high)) < 1e-12:
        return True
    return (p < alpha) == (low > 0 or high < 0)


def quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    # Undefined lifts warn (DegenerateDataWarning); those comparisons are skipped. Small,
    # unequal arms of skewed values warn that the intervals may cover less than their
    # level (CoverageWarning): agreement with the p-value holds all the same.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        warnings.simplefilter("ignore", cx.CoverageWarning)
        return fn(*args, **kwargs)


def check(result: cx.Comparison) -> None:
    low, high = result.lift_ci if result.lift_ci is not None else (math.nan, math.nan)
    assert agrees(result.p_value, low, high, result.confidence_level), result


@given(
    st.floats(-100, 100),
    st.floats(0.01, 20),
    st.floats(-100, 100),
    st.floats(0.01, 20),
    ALTERNATIVES,
    LEVELS,
)
def test_compare_estimates(
    a: float, se_a: float, b: float, se_b: float, alternative: str, level: float
) -> None:
    ea = cx.Estimate("m", a, se_a, (a - se_a, a + se_a), 0.95, "t", 100)
    eb = cx.Estimate("m", b, se_b, (b - se_b, b + se_b), 0.95, "t", 100)
    check(quiet(cx.compare_estimates, ea, eb, alternative=alternative, confidence_level=level))


@given(
    st.integers(30, 100_000),
    st.floats(0.02, 0.98),
    st.integers(30, 100_000),
    st.floats(0.02, 0.98),
    ALTERNATIVES,
    LEVELS,
)
def test_compare_proportions(
    nc: int, pc: float, nv: int, pv: float, alternative: str, level: float
) -> None:
    sc, sv = round(pc * nc), round(pv * nv)
    result = quiet(
        cx.ab.compare_proportions,
        (sc, nc),
        (sv, nv),
        alternative=alternative,
        confidence_level=level,
    )
    # Fisher's exact test replaces the Wald test on small expected counts; the Wald
    # test is the one the interval inverts.
    assume(result.test != "fisher")
    check(result)


def arm(seed: int, n: int, mean: float, sd: float) -> np.ndarray:
    return np.random.default_rng(seed).normal(mean, sd, n)


@given(
    st.integers(0, 2**32 - 1),
    st.integers(3, 400),
    st.integers(3, 400),
    st.floats(-5, 5),
    st.floats(-5, 5),
    st.floats(0.1, 10),
    ALTERNATIVES,
    LEVELS,
)
def test_compare_means(
    seed: int, nc: int, nv: int, mc: float, mv: float, sd: float, alternative: str, level: float
) -> None:
    control, variant = arm(seed, nc, mc, sd), arm(seed + 1, nv, mv, 2 * sd)
    options = {"alternative": alternative, "confidence_level": level}
    check(quiet(cx.ab.compare_means, control, variant, **options))
    stats = cx.ab.MeanStats.from_values(control), cx.ab.MeanStats.from_values(variant)
    check(quiet(cx.ab.compare_means, *stats, **options))


@given(st.integers(0, 2**32 - 1), st.integers(5, 300), st.floats(0.5, 1.5), ALTERNATIVES, LEVELS)
def test_compare_ratios(seed: int, n: int, shift: float, alternative: str, level: float) -> None:
    rng = np.random.default_rng(seed)
    arms = []
    for scale in (1.0, shift):
        orders = rng.integers(1, 4, n).astype(float)
        revenue = orders * rng.gamma(2.0, 25.0 * scale, n)
        arms.append((revenue, orders))
    check(quiet(cx.ab.compare_ratios, *arms, alternative=alternative, confidence_level=level))


@given(st.integers(0, 2**32 - 1), ALTERNATIVES, LEVELS)
def test_ab_compare_frame(seed: int, alternative: str, level: float) -> None:
    rng = np.random.default_rng(seed)
    n = 6_000
    segment = rng.integers(0, 12, n)
    group = rng.choice(["A", "B", "C"], n)
    lift = np.select([group == "B", group == "C"], [rng.uniform(-0.3, 0.3), -0.1], 0.0)
    rate = np.clip(0.1 + 0.02 * segment, 0.01, 0.9) * (1 + lift)
    data = pd.DataFrame(
        {
            "segment": segment,
            "arm": group,
            "converted": rng.random(n) < rate,
            "revenue": rng.gamma(2.0, 20.0 * (1 + lift)),
            "orders": rng.integers(1, 4, n),
        }
    )
    csat = cx.ab.Index(cx.csat, "stars", options={})
    data["stars"] = np.clip(np.round(rng.normal(3.5 + lift, 1.0)), 1, 5).astype(int)
    for metric in ("converted", "revenue", ("revenue", "orders"), csat):
        table = quiet(
            cx.ab.compare,
            data,
            group="arm",
            control="A",
            metric=metric,
            by="segment",
            alternative=alternative,
            confidence_level=level,
        )
        assert len(table) == 24
        for row in table.itertuples():
            if row.test == "fisher":
                continue
            assert agrees(row.p_value, row.lift_ci_low, row.lift_ci_high, level), row


@given(st.integers(0, 2**32 - 1), st.floats(0.9, 1.3), ALTERNATIVES, LEVELS)
def test_compare_segments(seed: int, premium: float, alternative: str, level: float) -> None:
    rng = np.random.default_rng(seed)
    n_customers = 150
    member = rng.random(n_customers) < 0.4
    n_orders = 1 + rng.poisson(1.5, n_customers)
    customer = np.repeat(np.arange(n_customers), n_orders)
    orders = pd.DataFrame(
        {
            "customer": customer,
            "member": member[customer],
            "value": rng.gamma(3.0, np.where(member[customer], 15.0 * premium, 15.0)),
            "date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 200, len(customer)), unit="D"),
        }
    )
    for metric in ("average_order_value", "purchase_frequency"):
        result = quiet(
            cx.compare_segments,
            orders,
            metric=metric,
            segment="member",
            a=True,
            b=False,
            customer="customer",
            date="date",
            revenue="value",
            alternative=alternative,
            confidence_level=level,
        )
        check(result)


def test_the_delta_interval_can_disagree() -> None:
    # The disagreement Fieller's interval removes: a significant difference whose delta
    # lift interval covers 0 (a small control rate measured with little precision).
    kwargs = {"control": (10, 100), "variant": (20, 100)}
    delta = cx.ab.compare_proportions(**kwargs, ci_method="delta", exact=False)
    fieller = cx.ab.compare_proportions(**kwargs, exact=False)
    assert delta.p_value < 0.05
    assert delta.lift_ci.low < 0
    assert fieller.p_value == delta.p_value
    assert fieller.lift_ci.low > 0


@given(
    st.floats(-50, 50),
    st.floats(-5, 5),
    st.floats(0.01, 100),
    st.floats(0.01, 100),
    st.sampled_from([1.0, 1.645, 1.96, 2.576]),
)
def test_fieller_half_line_is_the_non_negative_part_of_fiellers_set(
    v: float, c: float, var_v: float, var_c: float, q: float
) -> None:
    """Brute force: where Fieller's set is unbounded (c**2 <= q**2 var_c) and the
    estimates share a sign, ``[low, inf)`` holds exactly the ratios r >= 0 with
    ``(v - r c)**2 <= q**2 (var_v + r**2 var_c)`` (checked on a grid of ratios)."""
    from cxlib.core.lift import fieller_same_sign

    arrays = [np.array([x]) for x in (v, c, var_v, var_c)]
    low, high = (float(x[0]) for x in fieller_same_sign(*arrays, np.array([q])))
    unbounded = c * c - q * q * var_c <= 0
    if not (unbounded and v * c >= 0 and c != 0):
        assert math.isnan(low)
        assert math.isnan(high)
        return
    assert high == math.inf
    assert low >= 0
    grid = np.concatenate([[0.0], np.geomspace(1e-6, 1e6, 4001)])
    lhs = (v - grid * c) ** 2
    rhs = q * q * (var_v + grid**2 * var_c)
    inside = lhs <= rhs
    # Away from the boundary (relative margin), membership is decided either way.
    margin = 1e-9 * (lhs + rhs)
    clear = np.abs(lhs - rhs) > margin
    near = np.abs(grid - low) <= 1e-6 * max(low, 1.0)
    np.testing.assert_array_equal(inside[clear & ~near], (grid >= low)[clear & ~near])
