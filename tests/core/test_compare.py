"""The compare stage: differences and lifts of two estimates, and segment comparisons."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, stats

import cxlib as cx


def est(value: float, se: float, n: int = 100, metric: str = "aov") -> cx.Estimate:
    return cx.Estimate(metric, value, se, (value - 2 * se, value + 2 * se), 0.95, "delta", n)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_difference_and_p_value_by_hand(alternative: str) -> None:
    a, b = est(56.0, 1.2), est(50.0, 0.8)
    res = cx.compare_estimates(a, b, alternative=alternative, confidence_level=0.9)  # type: ignore[arg-type]
    se = math.hypot(1.2, 0.8)
    z = 6.0 / se
    p = {"two-sided": 2 * stats.norm.sf(z), "greater": stats.norm.sf(z), "less": stats.norm.cdf(z)}
    assert res.difference == 6.0
    assert res.se == pytest.approx(se)
    assert res.statistic == pytest.approx(z)
    assert res.p_value == pytest.approx(p[alternative])
    if alternative == "two-sided":
        half = stats.norm.ppf(0.95) * se
        assert res.difference_ci == pytest.approx((6.0 - half, 6.0 + half))
    elif alternative == "greater":
        assert res.difference_ci.low == pytest.approx(6.0 - stats.norm.ppf(0.9) * se)
        assert res.difference_ci.high == math.inf
    assert res.estimates == (a, b)


def test_lift_delta_and_log_by_hand() -> None:
    a, b = est(56.0, 1.2), est(50.0, 0.8)
    z = stats.norm.ppf(0.975)
    res = cx.compare_estimates(a, b, lift_method="delta")
    ratio = 56.0 / 50.0
    rel = math.sqrt((1.2 / 56.0) ** 2 + (0.8 / 50.0) ** 2)
    assert res.lift == pytest.approx(0.12)
    assert res.lift_ci == pytest.approx((0.12 - z * ratio * rel, 0.12 + z * ratio * rel))
    log = cx.compare_estimates(a, b, lift_method="log")
    assert log.lift_ci == pytest.approx(
        (ratio * math.exp(-z * rel) - 1.0, ratio * math.exp(z * rel) - 1.0)
    )
    assert "lift +12.0%" in str(res)


def test_lift_delta_interval_covers_in_simulation() -> None:
    # Two normal means with known truth: the lift interval covers about 95% of the time.
    rng = np.random.default_rng(5)
    hits = 0
    reps = 2000
    for _ in range(reps):
        xa = rng.normal(56.0, 20.0, 400)
        xb = rng.normal(50.0, 20.0, 600)
        a = est(xa.mean(), xa.std(ddof=1) / 20.0)
        b = est(xb.mean(), xb.std(ddof=1) / math.sqrt(600))
        low, high = cx.compare_estimates(a, b).lift_ci
        hits += low <= 0.12 <= high
    assert abs(hits / reps - 0.95) < 0.015


def test_undefined_lift_warns() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="lift is undefined"):
        res = cx.compare_estimates(est(1.0, 0.5), est(0.2, 0.5))
    assert math.isnan(res.lift_ci.low)
    assert math.isnan(res.lift_ci.high)


def test_zero_se_warns() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="standard error of the difference"):
        res = cx.compare_estimates(est(5.0, 0.0), est(4.0, 0.0))
    assert math.isnan(res.p_value)


def test_metric_mismatch_and_options() -> None:
    with pytest.raises(ValueError, match="same metric"):
        cx.compare_estimates(est(1.0, 0.1), est(1.0, 0.1, metric="nps"))
    with pytest.raises(ValueError, match="lift_method must be one of 'fieller', 'delta', 'log'"):
        cx.compare_estimates(est(1.0, 0.1), est(1.0, 0.1), lift_method="ratio")  # type: ignore[arg-type]


def fieller_by_root_search(
    a: float, sa: float, b: float, sb: float, q: float
) -> tuple[float, float]:
    """Fieller's interval of a / b as the ratios whose z test is not rejected (brentq)."""

    def excess(r: float) -> float:
        return abs(a - r * b) / math.hypot(sa, r * sb) - q

    r_hat = a / b
    return optimize.brentq(excess, r_hat - 100, r_hat), optimize.brentq(excess, r_hat, r_hat + 100)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_lift_fieller_is_the_default_and_inverts_the_z_test(alternative: str) -> None:
    a, b = est(56.0, 1.2), est(50.0, 0.8)
    res = cx.compare_estimates(a, b, alternative=alternative, confidence_level=0.9)  # type: ignore[arg-type]
    q = stats.norm.ppf(0.95 if alternative == "two-sided" else 0.9)
    low, high = fieller_by_root_search(56.0, 1.2, 50.0, 0.8, q)
    expected = {
        "two-sided": (low - 1, high - 1),
        "greater": (low - 1, math.inf),
        "less": (-math.inf, high - 1),
    }[alternative]
    assert res.lift_ci == pytest.approx(expected, rel=1e-9)
    # Negative reference: the lift is (a - b) / |b| = 1 - a / b.
    neg = cx.compare_estimates(est(-40.0, 1.5), est(-50.0, 1.0))
    r_low, r_high = fieller_by_root_search(-40.0, 1.5, -50.0, 1.0, stats.norm.ppf(0.975))
    assert neg.lift == pytest.approx(0.2)
    assert neg.lift_ci == pytest.approx((1 - r_high, 1 - r_low), rel=1e-9)


@given(st.floats(20.0, 100.0), st.floats(0.01, 5.0), st.floats(20.0, 100.0), st.floats(0.01, 5.0))
def test_swapping_negates_the_difference(va: float, sa: float, vb: float, sb: float) -> None:
    ab = cx.compare_estimates(est(va, sa), est(vb, sb))
    ba = cx.compare_estimates(est(vb, sb), est(va, sa))
    assert ab.difference == pytest.approx(-ba.difference)
    assert ab.p_value == pytest.approx(ba.p_value)
    assert ab.difference_ci.low == pytest.approx(-ba.difference_ci.high)


def orders_frame() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    n_cust = 600
    member = rng.random(n_cust) < 0.3
    n_orders = 1 + rng.poisson(np.where(member, 2.0, 1.0))
    cust = np.repeat(np.arange(n_cust), n_orders)
    value = rng.gamma(4.0, np.where(member[cust], 14.0, 12.5))
    days = rng.integers(0, 300, size=len(cust))
    return pd.DataFrame(
        {
            "customer": cust,
            "member": member[cust],
            "value": value,
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
        }
    )


@pytest.mark.parametrize(
    "metric", ["average_order_value", "purchase_frequency", "repeat_purchase_rate"]
)
def test_compare_segments_equals_per_segment_estimates(metric: str) -> None:
    orders = orders_frame()
    kw = {"customer": "customer", "date": "date"}
    if metric == "average_order_value":
        kw["revenue"] = "value"
    res = cx.compare_segments(orders, metric=metric, segment="member", a=True, b=False, **kw)  # type: ignore[arg-type]
    func = getattr(cx, metric)
    ci = {} if metric != "repeat_purchase_rate" else {"ci_method": "delta"}
    a = func(orders[orders["member"]], **kw, **ci)
    b = func(orders[~orders["member"]], **kw, **ci)
    assert res.difference == pytest.approx(a.value - b.value)
    assert res.se == pytest.approx(math.hypot(a.se, b.se))
    assert res.lift == pytest.approx((a.value - b.value) / b.value)
    assert res.estimates is not None
    assert res.estimates[0].n == a.n


def test_compare_segments_errors() -> None:
    orders = orders_frame()
    with pytest.raises(ValueError, match="a='gold' is not a segment of 'member'"):
        cx.compare_segments(
            orders,
            metric="purchase_frequency",
            segment="member",
            a="gold",
            b=False,
            customer="customer",
            date="date",
        )
    with pytest.raises(ValueError, match="metric must be one of"):
        cx.compare_segments(
            orders,
            metric="nps",
            segment="member",
            a=True,
            b=False,  # type: ignore[arg-type]
            customer="customer",
            date="date",
        )
    with pytest.raises(TypeError, match="revenue is required"):
        cx.compare_segments(
            orders,
            metric="average_order_value",
            segment="member",
            a=True,
            b=False,
            customer="customer",
            date="date",
        )
