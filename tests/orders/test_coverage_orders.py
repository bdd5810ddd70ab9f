"""Coverage of the order metrics' default intervals on heavy-tailed customers (seeded
Monte Carlo, a fast subset of benchmarks/coverage_orders.py written out here).

A sample is ``n`` customers with ``1 + NegBin(mean 2, k)`` orders each and lognormal order
values whose customer mean is ``orders**gamma`` (heavy buyers spend more per order when
``gamma > 0``). Tolerances are 3 Monte Carlo standard errors below 93 %.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxlib as cx
from cxlib.core.studentized import linearised_skewness
from cxlib.orders.coverage import trusted_from

MEAN_EXTRA = 2.0
B = 499  # resamples per interval


def floor_of(replicates: int) -> float:
    return 0.93 - 3.0 * math.sqrt(0.93 * 0.07 / replicates)


def true_aov(k: float, gamma: float) -> float:
    j = np.arange(20_000)
    pmf = stats.nbinom.pmf(j, k, k / (k + MEAN_EXTRA))
    return float((pmf * (1.0 + j) ** (1.0 + gamma)).sum() / (pmf * (1.0 + j)).sum())


def draw(
    seed: int, reps: int, n: int, *, k: float, sigma: float, gamma: float
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, n])
    count = 1 + rng.negative_binomial(k, k / (k + MEAN_EXTRA), reps * n)
    customer = np.repeat(np.arange(reps * n), count)
    value = count[customer] ** gamma * rng.lognormal(-(sigma**2) / 2.0, sigma, len(customer))
    orders = pd.DataFrame(
        {
            "customer": customer,
            "rep": customer // n,
            "date": np.datetime64("2024-06-01", "ns"),
            "revenue": value,
        }
    )
    spend = np.bincount(customer, weights=value, minlength=reps * n)
    return orders, spend, count.astype(np.float64)


def covered(result: pd.DataFrame, truth: float) -> np.ndarray:
    low, high = result["ci_low"].to_numpy(), result["ci_high"].to_numpy()
    return np.isfinite(low) & np.isfinite(high) & (low <= truth) & (high >= truth)


def flagged(y: np.ndarray, x: np.ndarray, reps: int, n: int) -> np.ndarray:
    """The samples whose default interval carries the coverage warning."""
    codes = np.repeat(np.arange(reps), n)
    value = np.bincount(codes, weights=y) / np.bincount(codes, weights=x)
    return n < trusted_from("bootstrap-t", linearised_skewness(y, x, codes, reps, value))


AOV = {"customer": "customer", "date": "date", "revenue": "revenue", "by": "rep"}
PF = {"customer": "customer", "date": "date", "by": "rep"}


def test_aov_default_covers_where_spend_is_moderately_skewed() -> None:
    reps, n = 600, 100
    orders, _, _ = draw(1, reps, n, k=1.0, sigma=0.5, gamma=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CoverageWarning)  # a few samples: counted below
        res = cx.average_order_value(orders, **AOV, n_resamples=B, rng=11)
    assert covered(res, true_aov(1.0, 0.0)).mean() >= floor_of(reps)


def test_heavy_buyers_who_spend_more_are_covered_or_warned() -> None:
    # The case the delta interval covered ~83 % of the time with 50 customers.
    reps, n = 600, 50
    truth = true_aov(1.0, 0.5)
    orders, spend, count = draw(2, reps, n, k=1.0, sigma=1.5, gamma=0.5)
    with pytest.warns(cx.CoverageWarning, match=r"can be trusted from about [\d,]+ customers"):
        res = cx.average_order_value(orders, **AOV, n_resamples=B, rng=12)
    delta = cx.average_order_value(orders, **AOV, ci_method="delta")
    old = covered(delta, truth).mean()
    new = covered(res, truth)
    flags = flagged(spend, count, reps, n)
    assert old < 0.9  # the old default under-covers here, so the check below can fail
    assert new.mean() > old
    assert (new | flags).mean() >= floor_of(reps)


def test_purchase_frequency_default_covers_negative_binomial_orders() -> None:
    reps, n = 600, 50
    for k in (1.0, 2.0):
        _, _, count = draw(3, reps, n, k=k, sigma=1.0, gamma=0.0)
        customer = np.repeat(np.arange(reps * n), count.astype(np.int64))
        orders = pd.DataFrame(
            {"customer": customer, "rep": customer // n, "date": np.datetime64("2024-06-01")}
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cx.CoverageWarning)
            res = cx.purchase_frequency(orders, **PF, n_resamples=B, rng=13)
        hits = covered(res, 1.0 + MEAN_EXTRA)
        flags = flagged(count, np.ones(reps * n), reps, n)
        assert hits.mean() >= floor_of(reps), k
        assert flags.mean() < 0.35, k  # warned only where skewness says so


def test_repeat_purchase_rate_wilson_covers() -> None:
    reps, n = 2000, 50
    _, _, count = draw(4, reps, n, k=1.0, sigma=1.0, gamma=0.0)
    customer = np.repeat(np.arange(reps * n), count.astype(np.int64))
    orders = pd.DataFrame(
        {"customer": customer, "rep": customer // n, "date": np.datetime64("2024-06-01")}
    )
    res = cx.repeat_purchase_rate(orders, **PF)
    truth = 100.0 * (1.0 - (1.0 / 3.0) ** 1.0)
    assert covered(res, truth).mean() >= floor_of(reps)


def test_warning_names_the_customers_needed_and_only_the_short_groups() -> None:
    rng = np.random.default_rng(5)
    big = pd.DataFrame({"customer": np.arange(400), "seg": "big"})
    small = pd.DataFrame({"customer": np.arange(400, 410), "seg": "small"})
    orders = pd.concat([big, small]).assign(
        date=np.datetime64("2024-06-01"), revenue=rng.lognormal(3.0, 0.3, 410)
    )
    with pytest.warns(cx.CoverageWarning) as caught:
        res = cx.average_order_value(orders, customer="customer", date="date",
                                     revenue="revenue", by="seg", rng=1)  # fmt: skip
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "1 group(s), e.g. one of 10 customers" in message
    assert "trusted from about 20 customers" in message
    assert res["ci_low"].lt(res["value"]).all()
    assert res["ci_high"].gt(res["value"]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cx.average_order_value(big.assign(date=np.datetime64("2024-06-01"), revenue=1.0 +
                               rng.lognormal(0, 0.3, 400)), customer="customer", date="date",
                               revenue="revenue", rng=1)  # fmt: skip


def reference_bootstrap_t(
    y: np.ndarray, x: np.ndarray, b: int, rng: np.random.Generator
) -> tuple[float, float]:
    """The studentized bootstrap of sum(y) / sum(x) written out with numpy (pairs resampled)."""
    c = len(y)
    r = y.sum() / x.sum()

    def se(yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
        rr = yy.sum(-1) / xx.sum(-1)
        ss = ((yy - rr[..., None] * xx) ** 2).sum(-1)
        return np.sqrt(c / (c - 1) * ss) / xx.sum(-1)

    idx = rng.integers(0, c, (b, c))
    ys, xs = y[idx], x[idx]
    t = (ys.sum(1) / xs.sum(1) - r) / se(ys, xs)
    t = t[np.isfinite(t)]
    s = float(se(y, x))
    return r - np.quantile(t, 0.975) * s, r - np.quantile(t, 0.025) * s


def test_aov_interval_matches_a_numpy_bootstrap_t_with_guest_orders() -> None:
    rng = np.random.default_rng(21)
    count = 1 + rng.negative_binomial(1, 1 / 3, 60)
    customer = np.repeat(np.arange(60), count).astype(object)
    value = rng.lognormal(3.0, 1.0, len(customer))
    guests = pd.DataFrame({"customer": None, "revenue": rng.lognormal(3.0, 1.0, 15)})
    orders = pd.concat(
        [pd.DataFrame({"customer": customer, "revenue": value}), guests], ignore_index=True
    ).assign(date=np.datetime64("2024-06-01"))
    # Clusters: the customers' totals and the guest orders one by one.
    y = np.concatenate(
        [np.bincount(np.repeat(np.arange(60), count), weights=value), guests["revenue"]]
    )
    x = np.concatenate([count.astype(float), np.ones(15)])
    low, high = reference_bootstrap_t(y, x, 20_000, np.random.default_rng(5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CoverageWarning)
        est = cx.average_order_value(orders, customer="customer", date="date",
                                     revenue="revenue", n_resamples=20_000, rng=6)  # fmt: skip
    assert est.ci_method == "bootstrap-t"
    assert est.value == pytest.approx(y.sum() / x.sum(), rel=1e-12)
    # Two independent Monte Carlo runs of 20,000 resamples: bounds within 4 % of the width.
    width = high - low
    assert est.ci.low == pytest.approx(low, abs=0.04 * width)
    assert est.ci.high == pytest.approx(high, abs=0.04 * width)


def test_grouped_bootstrap_t_equals_each_group_alone_in_distribution() -> None:
    rng = np.random.default_rng(22)
    sizes = {"a": 80, "b": 30, "c": 150}
    parts = []
    for g, n in sizes.items():
        count = 1 + rng.negative_binomial(2, 0.5, n)
        parts.append(pd.DataFrame({"customer": np.repeat([f"{g}{i}" for i in range(n)], count),
                                   "seg": g}))  # fmt: skip
    orders = pd.concat(parts, ignore_index=True).assign(date=np.datetime64("2024-06-01"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CoverageWarning)
        grouped = cx.purchase_frequency(orders, customer="customer", date="date", by="seg",
                                        n_resamples=20_000, rng=1)  # fmt: skip
        for g in sizes:
            alone = cx.purchase_frequency(orders[orders["seg"] == g], customer="customer",
                                          date="date", n_resamples=20_000, rng=2)  # fmt: skip
            row = grouped.set_index("seg").loc[g]
            width = alone.ci.high - alone.ci.low
            assert row["value"] == alone.value
            assert row["se"] == pytest.approx(alone.se, rel=1e-12)
            assert row["ci_low"] == pytest.approx(alone.ci.low, abs=0.04 * width)
            assert row["ci_high"] == pytest.approx(alone.ci.high, abs=0.04 * width)
