"""Purchase metrics (cx.guest_checkout_rate, cx.average_order_value, cx.purchase_frequency,
cx.repeat_purchase_rate) against brute force, statsmodels and scipy.stats.bootstrap.

The references in reference_orders.py walk the orders one at a time: the window, the
customers, the clusters (a customer's orders in the window, or one guest order) and the
clustered delta-method standard error are computed in plain Python. Bootstrap intervals are
compared with scipy resampling the (y_k, x_k) cluster totals in pairs, within Monte Carlo
error. The CDNOW figures are checked against a direct pandas computation.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from reference_orders import (
    COMPONENTS,
    CUSTOMER_IDS,
    T0,
    Order,
    Reference,
    as_ofs,
    at,
    in_window,
    metric_columns,
    order_lists,
    reference,
    to_frame,
    windows,
)
from reference_shares import modified_wilson
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

import cxlib as cx

FloatArray = npt.NDArray[np.float64]
SHARES = ("guest_checkout_rate", "repeat_purchase_rate")
RATIOS = ("average_order_value", "purchase_frequency")
METRICS = (*SHARES, *RATIOS)
ORDER_LEVEL = ("guest_checkout_rate", "average_order_value")
CUSTOMER_LEVEL = ("purchase_frequency", "repeat_purchase_rate")
STATSMODELS_NAME = {
    "wilson": "wilson",
    "wald": "normal",
    "agresti-coull": "agresti_coull",
    "clopper-pearson": "beta",
    "jeffreys": "jeffreys",
}
BOOTSTRAP = ("percentile", "basic", "bca")
LEVELS = st.sampled_from([0.8, 0.9, 0.95, 0.99])
B = 20_000  # resamples of the Monte Carlo comparisons with scipy
BASE = ["metric", "value", "se", "ci_low", "ci_high", "n", "n_missing"]
CDNOW = Path(__file__).resolve().parents[3] / "shared" / "data" / "cdnow" / "CDNOW_master.txt"


def quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` tolerating the documented DegenerateDataWarning (NaN delta intervals)
    and CoverageWarning (intervals over few customers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        # Tables of a handful of customers: every ratio interval carries the coverage
        # warning there (its rule is tested in test_coverage_orders.py).
        warnings.simplefilter("ignore", cx.CoverageWarning)
        return func(*args, **kwargs)


def compute(metric: str, frame: pd.DataFrame, **kwargs: Any) -> Any:
    return quiet(getattr(cx, metric), frame, **metric_columns(metric), **kwargs)


def z_of(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2.0))


def expected_interval(
    metric: str, ref: Reference, method: str, level: float
) -> tuple[float, float]:
    """The interval cxlib should report, from statsmodels or theta +- z se."""
    if method in STATSMODELS_NAME or method == "modified-wilson":
        if method == "modified-wilson":
            low, high = modified_wilson(ref.count, ref.n, alpha=1.0 - level)
        else:
            low, high = proportion_confint(
                ref.count, ref.n, alpha=1.0 - level, method=STATSMODELS_NAME[method]
            )
        return 100.0 * min(max(float(low), 0.0), 1.0), 100.0 * min(max(float(high), 0.0), 1.0)
    assert method == "delta"
    half = z_of(level) * ref.se
    low, high = ref.value - half, ref.value + half
    if metric in SHARES:  # percentages stay in [0, 100]
        return min(max(low, 0.0), 100.0), min(max(high, 0.0), 100.0)
    return max(low, 0.0) if not math.isnan(low) else low, high  # non-negative quantities


def check(est: cx.Estimate, ref: Reference, metric: str, method: str, level: float) -> None:
    assert est.metric == metric
    assert est.ci_method == method
    assert est.confidence_level == level
    assert est.value == pytest.approx(ref.value, rel=1e-12, abs=1e-9)
    assert est.se == pytest.approx(ref.se, rel=1e-9, abs=1e-9, nan_ok=True)
    assert est.n == ref.n
    assert est.n_missing == 0
    assert tuple(est.components) == COMPONENTS[metric]
    assert dict(est.components) == pytest.approx(ref.components, rel=1e-12, abs=1e-9)
    low, high = expected_interval(metric, ref, method, level)
    assert est.ci.low == pytest.approx(low, rel=1e-9, abs=1e-8, nan_ok=True)
    assert est.ci.high == pytest.approx(high, rel=1e-9, abs=1e-8, nan_ok=True)


def defined(metric: str, kept: list[Order]) -> bool:
    """Whether the metric has units in the window (orders; identified customers)."""
    if metric in ORDER_LEVEL:
        return bool(kept)
    return any(o.customer is not None for o in kept)


def enough_clusters(metric: str, ref: Reference) -> bool:
    """AOV of a single cluster has an infinite se (see the xfail test): checked there only."""
    return metric != "average_order_value" or len(ref.clusters) >= 2


# --------------------------------------------------------------------------- values


@given(
    order_lists(flags=True),
    as_ofs,
    windows,
    st.sampled_from(METRICS),
    st.booleans(),
    st.sampled_from(["order", "day"]),
    LEVELS,
)
def test_metrics_match_brute_force(
    orders: list[Order],
    as_of: pd.Timestamp | None,
    window: object,
    metric: str,
    use_flag: bool,
    occasion: str,
    level: float,
) -> None:
    kept = in_window(orders, as_of, window)
    assume(defined(metric, kept))
    frame = to_frame(orders)
    extra: dict[str, Any] = {}
    flag = use_flag and metric == "guest_checkout_rate"
    if flag:
        extra["guest"] = "guest"
    if metric == "repeat_purchase_rate":
        extra["occasion"] = occasion
    ref = reference(metric, kept, occasion=occasion, guest_flag=flag)
    assume(enough_clusters(metric, ref))
    methods = ("wilson", "delta", "jeffreys") if metric in SHARES else ("delta",)
    for method in methods:
        est = compute(
            metric, frame, as_of=as_of, window=window, ci_method=method,
            confidence_level=level, **extra,
        )  # fmt: skip
        check(est, ref, metric, method, level)


def test_default_methods_and_window() -> None:
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "b", None, "c", "a"],
            "date": pd.to_datetime(
                ["2022-01-01", "2023-06-01", "2023-07-01", "2023-08-01", "2023-12-31", "2024-01-01"]
            ),
            "revenue": [1000.0, 30.0, 20.0, 10.0, 40.0, 50.0],
        }
    )
    expected = {
        "guest_checkout_rate": ("modified-wilson", 20.0, 5),
        "average_order_value": ("bootstrap-t", 30.0, 5),
        "purchase_frequency": ("bootstrap-t", 4 / 3, 3),
        "repeat_purchase_rate": ("modified-wilson", 100 / 3, 3),
    }
    for metric, (method, value, n) in expected.items():
        est = compute(metric, frame)
        assert (est.ci_method, est.confidence_level) == (method, 0.95)
        assert est.value == pytest.approx(value)
        assert est.n == n
        assert est.ci.low <= est.value <= est.ci.high


def test_guest_flag_and_missing_ids_both_mark_guests() -> None:
    frame = pd.DataFrame(
        {
            "customer": ["a", None, "b", "b", "c"],
            "date": pd.date_range("2024-01-01", periods=5),
            "guest": [False, False, True, False, True],
        }
    )
    without = cx.guest_checkout_rate(frame, customer="customer", date="date")
    assert (without.value, without.components["n_guest_orders"]) == (20.0, 1)
    assert without.components["n_customers"] == 3
    flagged = cx.guest_checkout_rate(frame, customer="customer", date="date", guest="guest")
    assert (flagged.value, flagged.components["n_guest_orders"]) == (60.0, 3)
    # "c" checked out only as a guest: not a customer; "b" has one account order.
    assert flagged.components["n_customers"] == 2


def test_repeat_purchase_occasions() -> None:
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "b", "b", "c", None, None],
            "date": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 18:00",  # a: two orders, one day
                    "2024-01-01 09:00",
                    "2024-01-02 09:00",  # b: two days
                    "2024-01-03 00:00",
                    "2024-01-03 00:00",
                    "2024-01-04 00:00",
                ]
            ),
        }
    )
    by_order = cx.repeat_purchase_rate(frame, customer="customer", date="date")
    by_day = cx.repeat_purchase_rate(frame, customer="customer", date="date", occasion="day")
    assert (by_order.value, by_order.n, by_order.components["n_repeat_customers"]) == (
        pytest.approx(200 / 3),
        3,
        2,
    )
    assert (by_day.value, by_day.n, by_day.components["n_repeat_customers"]) == (
        pytest.approx(100 / 3),
        3,
        1,
    )


@pytest.mark.parametrize(
    ("customers", "expected"),
    [
        (pd.Series([1.0, np.nan, 2.0, 1.0]), (2, 1.5)),
        (pd.Series([1, pd.NA, 2, 1], dtype="Int64"), (2, 1.5)),
        (pd.Series(["x", None, "y", "x"], dtype="string"), (2, 1.5)),
        (pd.Series(["x", "y", "z", "x"], dtype="category"), (3, 4 / 3)),
    ],
)
def test_customer_id_dtypes(customers: pd.Series, expected: tuple[int, float]) -> None:
    frame = pd.DataFrame({"customer": customers, "date": pd.date_range("2024-01-01", periods=4)})
    est = quiet(cx.purchase_frequency, frame, customer="customer", date="date")
    assert (est.n, est.value) == (expected[0], pytest.approx(expected[1]))


# --------------------------------------------------------------------------- standard errors


def test_clustered_delta_method_by_hand() -> None:
    # Clusters (y, x): a = (10 + 30, 2), b = (20, 1), guest = (40, 1): theta = 100 / 4 = 25;
    # residuals -10, -5, 15: var = 3/2 * 350 / 16.
    frame = pd.DataFrame(
        {
            "customer": ["a", "b", None, "a"],
            "date": pd.date_range("2024-01-01", periods=4),
            "revenue": [10.0, 20.0, 40.0, 30.0],
        }
    )
    est = cx.average_order_value(
        frame, customer="customer", date="date", revenue="revenue", ci_method="delta"
    )
    se = math.sqrt(1.5 * 350.0 / 16.0)
    # The ratio of the centred means: exact up to the rounding of the two means.
    assert est.value == pytest.approx(25.0, rel=4e-16)
    assert est.se == pytest.approx(se, rel=1e-14)
    z = z_of(0.95)
    assert tuple(est.ci) == pytest.approx((25.0 - z * se, 25.0 + z * se), rel=1e-12)
    assert est.components["revenue"] == pytest.approx(100.0, rel=4e-16)
    assert est.components["n_customers"] == 2
    # An order-level SE ignoring the clusters would differ (s / sqrt(4) of the values).
    assert est.se != pytest.approx(float(np.std([10, 20, 40, 30], ddof=1)) / 2.0, rel=1e-3)


def test_purchase_frequency_se_is_the_standard_error_of_the_mean() -> None:
    counts = {"a": 1, "b": 2, "c": 3, "d": 6}
    customers = [c for c, k in counts.items() for _ in range(k)] + [None, None]
    frame = pd.DataFrame(
        {"customer": customers, "date": pd.date_range("2024-01-01", periods=len(customers))}
    )
    est = cx.purchase_frequency(
        frame, customer="customer", date="date", confidence_level=0.9, ci_method="delta"
    )
    values = np.array(list(counts.values()), dtype=float)
    se = float(stats.sem(values))
    assert se == pytest.approx(math.sqrt(14 / 3) / 2)
    assert (est.value, est.n, est.components["n_orders"]) == (3.0, 4, 12)
    assert est.se == pytest.approx(se, rel=1e-14)
    z = z_of(0.9)
    assert tuple(est.ci) == pytest.approx((3.0 - z * se, 3.0 + z * se), rel=1e-12)


@settings(max_examples=50)
@given(order_lists(guests=False, min_size=2, max_size=40), LEVELS)
def test_purchase_frequency_se_matches_scipy_sem(orders: list[Order], level: float) -> None:
    per_customer = pd.Series([o.customer for o in orders]).value_counts()
    assume(len(per_customer) >= 2)
    est = quiet(
        cx.purchase_frequency,
        to_frame(orders),
        customer="customer",
        date="date",
        window=None,
        confidence_level=level,
    )
    assert est.se == pytest.approx(float(stats.sem(per_customer.to_numpy(float))), rel=1e-12)
    assert est.value == pytest.approx(float(per_customer.mean()), rel=1e-12)


# --------------------------------------------------------------------------- intervals


@pytest.fixture(scope="module")
def shop() -> list[Order]:
    """A year of orders: 240 customers with geometric order counts, 80 guest orders."""
    rng = np.random.default_rng(20240611)
    orders = []
    for k in range(240):
        region = str(rng.choice(["north", "south"]))
        for _ in range(int(rng.geometric(0.5))):
            time = T0 + pd.Timedelta(days=int(rng.integers(0, 360)), hours=int(rng.integers(24)))
            orders.append(
                Order(f"c{k:03d}", time, round(float(rng.gamma(2.0, 30.0)), 2), False, region)
            )
    for _ in range(80):
        time = T0 + pd.Timedelta(days=int(rng.integers(0, 360)), hours=int(rng.integers(24)))
        region = str(rng.choice(["north", "south"]))
        orders.append(Order(None, time, round(float(rng.gamma(1.5, 30.0)), 2), False, region))
    return orders


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
@pytest.mark.parametrize("method", list(STATSMODELS_NAME))
@pytest.mark.parametrize("metric", SHARES)
def test_share_intervals_match_statsmodels(
    shop: list[Order], metric: str, method: str, level: float
) -> None:
    ref = reference(metric, shop)
    est = compute(metric, to_frame(shop), window=None, ci_method=method, confidence_level=level)
    check(est, ref, metric, method, level)


@pytest.mark.parametrize("metric", METRICS)
def test_delta_interval_is_value_plus_minus_z_se(shop: list[Order], metric: str) -> None:
    ref = reference(metric, shop)
    for level in (0.8, 0.95, 0.99):
        est = compute(
            metric, to_frame(shop), window=None, ci_method="delta", confidence_level=level
        )
        check(est, ref, metric, "delta", level)
        z = z_of(level)
        assert est.ci.low == pytest.approx(est.value - z * est.se, rel=1e-12)
        assert est.ci.high == pytest.approx(est.value + z * est.se, rel=1e-12)


def ratio(y: FloatArray, x: FloatArray, axis: int = -1) -> FloatArray:
    out: FloatArray = np.sum(y, axis=axis) / np.sum(x, axis=axis)
    return out


def mc_tolerance(bootstrap_se: float, lattice: float) -> float:
    """Allowed gap between two bootstrap interval ends from independent resamples.

    The Monte Carlo sd of an empirical quantile at tail probability p = 0.01 is
    ``sqrt(p (1 - p) / B) / f(q_p)``, about 0.026 se for a normal bootstrap distribution;
    two independent ends differ by sqrt(2) of that; allow five of those, plus a step of
    the lattice the ratio lives on (shares and counts are discrete).
    """
    p = 0.01
    sd = math.sqrt(p * (1 - p) / B) / stats.norm.pdf(stats.norm.ppf(p))
    return 5.0 * math.sqrt(2.0) * sd * bootstrap_se + lattice


@pytest.mark.parametrize("method", BOOTSTRAP)
@pytest.mark.parametrize("metric", METRICS)
def test_bootstrap_of_customers_matches_scipy(shop: list[Order], metric: str, method: str) -> None:
    ref = reference(metric, shop)
    y, x = (np.array(v, dtype=float) for v in zip(*ref.clusters, strict=True))
    res = stats.bootstrap(
        (y, x),
        ratio,
        paired=True,
        vectorized=True,
        n_resamples=B,
        method=method,
        rng=np.random.default_rng(99),
    )
    est = compute(
        metric, to_frame(shop), window=None, ci_method=method, n_resamples=B, rng=20240611
    )
    check_point = ratio(y, x)
    assert est.value == pytest.approx(float(check_point), rel=1e-12)
    assert est.se == pytest.approx(ref.se, rel=1e-9)  # the se stays the delta method's
    lattice = {
        "guest_checkout_rate": 100.0 / x.sum(),
        "average_order_value": 0.0,
        "purchase_frequency": 1.0 / len(x),
        "repeat_purchase_rate": 100.0 / len(x),
    }[metric]
    tol = mc_tolerance(float(res.standard_error), lattice)
    assert est.ci.low == pytest.approx(float(res.confidence_interval.low), abs=tol)
    assert est.ci.high == pytest.approx(float(res.confidence_interval.high), abs=tol)
    # The bootstrap resamples clusters: its spread is the clustered delta-method se.
    assert float(res.standard_error) == pytest.approx(ref.se, rel=0.06)


@pytest.mark.parametrize("metric", METRICS)
def test_same_seed_same_interval(shop: list[Order], metric: str) -> None:
    frame = to_frame(shop)
    for method in BOOTSTRAP:
        kw: dict[str, Any] = {"window": None, "ci_method": method, "n_resamples": 999}
        a = compute(metric, frame, rng=7, **kw)
        b = compute(metric, frame, rng=7, **kw)
        c = compute(metric, frame, rng=np.random.default_rng(7), **kw)
        d = compute(metric, frame, rng=8, **kw)
        assert a.ci == b.ci == c.ci
        assert a.ci != d.ci
        assert a.ci.low < a.value < a.ci.high


def test_a_generator_is_consumed_not_reset(shop: list[Order]) -> None:
    frame = to_frame(shop)
    gen = np.random.default_rng(5)
    kw: dict[str, Any] = {"window": None, "ci_method": "percentile", "n_resamples": 500}
    first = cx.average_order_value(frame, rng=gen, **metric_columns("average_order_value"), **kw)
    second = cx.average_order_value(frame, rng=gen, **metric_columns("average_order_value"), **kw)
    assert first.ci != second.ci


# --------------------------------------------------------------------------- row order


@settings(max_examples=25)
@given(order_lists(flags=True), as_ofs, windows, st.randoms(use_true_random=False))
def test_row_order_changes_nothing(
    orders: list[Order], as_of: pd.Timestamp | None, window: object, random: Any
) -> None:
    shuffled = list(orders)
    random.shuffle(shuffled)
    a, b = to_frame(orders), to_frame(shuffled)
    for metric in METRICS:
        methods = ["delta"] + (["wilson"] if metric in SHARES else [])
        for method in methods:
            x = compute(metric, a, as_of=as_of, window=window, ci_method=method)
            y = compute(metric, b, as_of=as_of, window=window, ci_method=method)
            assert x.to_frame().equals(y.to_frame()) or np.allclose(
                x.to_frame()[BASE[1:]].to_numpy(float),
                y.to_frame()[BASE[1:]].to_numpy(float),
                rtol=1e-12,
                equal_nan=True,
            )
    # Bootstrap intervals: customers are resampled in id order, whatever the row order.
    for metric in ("guest_checkout_rate", "purchase_frequency", "repeat_purchase_rate"):
        kw: dict[str, Any] = {"as_of": as_of, "window": window, "n_resamples": 50, "rng": 1}
        x = compute(metric, a, ci_method="percentile", **kw)
        y = compute(metric, b, ci_method="percentile", **kw)
        assert tuple(x.ci) == pytest.approx(tuple(y.ci), rel=1e-12, nan_ok=True)


def test_bootstrap_ignores_row_order_without_guests(shop: list[Order]) -> None:
    members = [o for o in shop if o.customer is not None]
    a, b = to_frame(members), to_frame(members[::-1])
    kw: dict[str, Any] = {"window": None, "ci_method": "bca", "n_resamples": 999, "rng": 4}
    x = compute("average_order_value", a, **kw)
    y = compute("average_order_value", b, **kw)
    assert tuple(x.ci) == pytest.approx(tuple(y.ci), rel=1e-12)


def test_bootstrap_ignores_row_order_with_guest_orders(shop: list[Order]) -> None:
    a, b = to_frame(shop), to_frame(shop[::-1])
    kw: dict[str, Any] = {"window": None, "ci_method": "percentile", "n_resamples": 999, "rng": 4}
    x = compute("average_order_value", a, **kw)
    y = compute("average_order_value", b, **kw)
    assert tuple(x.ci) == pytest.approx(tuple(y.ci), rel=1e-12)


# --------------------------------------------------------------------------- by=


def window_groups(metric: str, kept: list[Order]) -> list[Any]:
    """The groups with units in the window, sorted: orders, or identified customers."""
    if metric in ORDER_LEVEL:
        return sorted({o.group for o in kept})
    return sorted({o.group for o in kept if o.customer is not None})


def assert_row_is(row: pd.Series, est: cx.Estimate) -> None:
    expected = est.to_frame().drop(columns=["confidence_level", "ci_method"]).iloc[0]
    for key in expected.index:
        if isinstance(expected[key], str):
            assert row[key] == expected[key]
        else:
            assert row[key] == pytest.approx(expected[key], rel=1e-12, abs=1e-9, nan_ok=True), key


@settings(max_examples=50)
@given(
    st.sampled_from(METRICS),
    st.data(),
    as_ofs,
    windows,
    LEVELS,
)
def test_grouped_equals_per_group(
    metric: str, data: Any, as_of: pd.Timestamp | None, window: object, level: float
) -> None:
    mode = "order" if metric in ORDER_LEVEL else "customer"
    orders = data.draw(order_lists(groups=mode, max_size=40))
    kept = in_window(orders, as_of, window)
    keys = window_groups(metric, kept)
    assume(keys)
    method = data.draw(st.sampled_from(["wilson", "delta"] if metric in SHARES else ["delta"]))
    frame = to_frame(orders, group=True)
    kw: dict[str, Any] = {
        "as_of": as_of, "window": window, "ci_method": method, "confidence_level": level,
    }  # fmt: skip
    out = compute(metric, frame, by="group", **kw)
    assert list(out.columns) == ["group", *BASE, *COMPONENTS[metric]]
    assert out["group"].tolist() == keys  # in key order, groups without units dropped
    assert (out["metric"] == metric).all()
    for _, row in out.iterrows():
        in_group = [o for o in kept if o.group == row["group"]]
        # Brute force on the group's orders: clusters are (group, customer) pairs.
        check_row = reference(metric, in_group)
        if not enough_clusters(metric, check_row):
            continue
        assert row["value"] == pytest.approx(check_row.value, rel=1e-12, abs=1e-9)
        assert row["se"] == pytest.approx(check_row.se, rel=1e-9, abs=1e-9, nan_ok=True)
        assert row["n"] == check_row.n
        low, high = expected_interval(metric, check_row, method, level)
        assert row["ci_low"] == pytest.approx(low, rel=1e-9, abs=1e-8, nan_ok=True)
        assert row["ci_high"] == pytest.approx(high, rel=1e-9, abs=1e-8, nan_ok=True)
        subset = frame[frame["group"] == row["group"]]
        # The grouped window ends at the whole table's as_of, not at each group's.
        alone = {**kw, "as_of": max(o.time for o in orders) if as_of is None else as_of}
        assert_row_is(row, compute(metric, subset, **alone))


@settings(max_examples=40)
@given(st.sampled_from(CUSTOMER_LEVEL), order_lists(groups="order", max_size=25), as_ofs, windows)
def test_customer_level_metrics_need_one_group_per_customer(
    metric: str, orders: list[Order], as_of: pd.Timestamp | None, window: object
) -> None:
    kept = in_window(orders, as_of, window)
    assume(any(o.customer is not None for o in kept))
    groups_of: dict[Any, set[Any]] = {}
    for o in kept:
        if o.customer is not None:
            groups_of.setdefault(o.customer, set()).add(o.group)
    mixed = sorted(c for c, g in groups_of.items() if len(g) > 1)
    frame = to_frame(orders, group=True)
    if mixed:  # only the orders of the window count
        with pytest.raises(ValueError, match="customer-level metric") as info:
            compute(metric, frame, by="group", as_of=as_of, window=window)
        assert f"several values for {len(mixed)} customer(s)" in str(info.value)
        assert repr(mixed[0]) in str(info.value)
    else:
        out = compute(metric, frame, by="group", as_of=as_of, window=window)
        assert out["group"].tolist() == window_groups(metric, kept)


@pytest.mark.parametrize("metric", CUSTOMER_LEVEL)
def test_customer_level_by_error_message(metric: str) -> None:
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "b", None],
            "date": pd.date_range("2024-01-01", periods=4),
            "region": ["n", "s", "n", "s"],
        }
    )
    message = (
        f"{metric} is a customer-level metric, but the by= column(s) take several values "
        "for 1 customer(s), e.g. customer ids ['a']; group by a customer attribute"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(cx, metric)(frame, customer="customer", date="date", by="region")
    # Order-level metrics split a customer's orders between groups without complaint.
    out = cx.guest_checkout_rate(frame, customer="customer", date="date", by="region")
    assert out["n_customers"].tolist() == [2, 1]


def test_grouped_order_level_clusters_are_group_customer_pairs() -> None:
    # Customer a orders in both regions; within each region their orders form one cluster.
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "a", "b", "b", None, "a"],
            "date": pd.date_range("2024-01-01", periods=7),
            "revenue": [10.0, 30.0, 50.0, 20.0, 40.0, 70.0, 5.0],
            "region": ["n", "n", "s", "n", "s", "s", "s"],
        }
    )
    out = quiet(
        cx.average_order_value,
        frame,
        customer="customer",
        date="date",
        revenue="revenue",
        by=["region"],
    )
    north = reference("average_order_value", [
        Order("a", T0, 10.0), Order("a", T0, 30.0), Order("b", T0, 20.0),
    ])  # fmt: skip
    south = reference("average_order_value", [
        Order("a", T0, 50.0), Order("b", T0, 40.0), Order(None, T0, 70.0), Order("a", T0, 5.0),
    ])  # fmt: skip
    assert out["value"].tolist() == pytest.approx([north.value, south.value])
    assert out["se"].tolist() == pytest.approx([north.se, south.se])
    assert out["n_customers"].tolist() == [2, 2]
    assert out["revenue"].tolist() == pytest.approx([60.0, 165.0])


def test_by_several_columns() -> None:
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "b", "c", None, "d"],
            "date": pd.date_range("2024-01-01", periods=6),
            "region": ["n", "n", "n", "s", "s", "s"],
            "tier": ["gold", "gold", "std", "std", "std", "std"],
        }
    )
    out = cx.repeat_purchase_rate(frame, customer="customer", date="date", by=["region", "tier"])
    assert out[["region", "tier"]].to_numpy().tolist() == [
        ["n", "gold"],
        ["n", "std"],
        ["s", "std"],
    ]
    assert out["value"].tolist() == [100.0, 0.0, 0.0]
    assert out["n"].tolist() == [1, 1, 2]


# --------------------------------------------------------------------------- edge cases


@settings(max_examples=40)
@given(order_lists(customers=("a",), guests=False, max_size=12), st.sampled_from(METRICS))
def test_one_customer(orders: list[Order], metric: str) -> None:
    frame = to_frame(orders)
    ref = reference(metric, orders)
    assert len(ref.clusters) == 1
    if metric == "average_order_value":  # exact revenue sums only: see the xfail test below
        assume(all(o.revenue == int(o.revenue) for o in orders))
    # One cluster: the delta method has no variance estimate, and says so.
    with pytest.warns(cx.DegenerateDataWarning, match="too few customers"):
        est = getattr(cx, metric)(frame, **metric_columns(metric), window=None, ci_method="delta")
    check(est, ref, metric, "delta", 0.95)
    assert math.isnan(est.se)
    assert math.isnan(est.ci.low)
    assert math.isnan(est.ci.high)
    if metric == "purchase_frequency":
        assert est.value == len(orders)
    if metric == "repeat_purchase_rate":
        assert est.value == (100.0 if len(orders) > 1 else 0.0)
    # The bootstrap of one customer is a point, and says so too.
    with pytest.warns(cx.DegenerateDataWarning, match="single point"):
        boot = getattr(cx, metric)(
            frame, **metric_columns(metric), window=None, ci_method="bca", n_resamples=50, rng=0
        )
    assert boot.ci == (boot.value, boot.value)


@settings(max_examples=30)
@given(order_lists(min_size=1, max_size=1), st.sampled_from(METRICS))
def test_one_order(orders: list[Order], metric: str) -> None:
    assume(defined(metric, orders))
    ref = reference(metric, orders)
    method = "modified-wilson" if metric in SHARES else "delta"
    est = compute(metric, to_frame(orders), window=None, ci_method=method)
    check(est, ref, metric, method, 0.95)
    assert est.n == 1


@settings(max_examples=50)
@given(order_lists(days=0, max_size=20), st.sampled_from(["order", "day"]))
def test_same_day_orders(orders: list[Order], occasion: str) -> None:
    assume(any(o.customer is not None for o in orders))
    est = quiet(
        cx.repeat_purchase_rate,
        to_frame(orders),
        customer="customer",
        date="date",
        occasion=occasion,
    )
    ref = reference("repeat_purchase_rate", orders, occasion=occasion)
    check(est, ref, "repeat_purchase_rate", "modified-wilson", 0.95)
    if occasion == "day":
        assert est.value == 0.0  # one calendar day is one purchase occasion


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(st.sampled_from([*CUSTOMER_IDS[:3], None]), st.integers(0, 3)),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from([1, 2.5, pd.Timedelta(hours=7)]),
    st.sampled_from(METRICS),
)
def test_orders_on_the_window_boundaries(
    rows: list[tuple[str | None, int]], window: object, metric: str
) -> None:
    as_of = at(10, 12)
    span = window if isinstance(window, pd.Timedelta) else pd.Timedelta(days=window)
    ns = pd.Timedelta(1, "ns")
    # Just outside below, exactly the (excluded) start, just inside, exactly as_of.
    spots = [as_of - span - ns, as_of - span, as_of - span + ns, as_of]
    orders = [Order(c, spots[k], 10.0 * (k + 1)) for c, k in rows]
    orders.append(Order("a", as_of + ns, 99.0))  # after as_of
    kept = in_window(orders, as_of, window)
    assert all(o.time in spots[2:] for o in kept)
    assume(defined(metric, kept))
    ref = reference(metric, kept)
    assume(enough_clusters(metric, ref))
    frame = to_frame(orders)
    frame["date"] = frame["date"].dt.as_unit("ns")
    est = compute(metric, frame, as_of=as_of, window=window, ci_method="delta")
    check(est, ref, metric, "delta", 0.95)


def test_one_customer_with_inexact_revenue_has_nan_se() -> None:
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "a"],
            "date": pd.date_range("2024-01-01", periods=3),
            "revenue": [0.0, 0.0, 0.01],
        }
    )
    with pytest.warns(cx.DegenerateDataWarning, match="too few customers"):
        est = cx.average_order_value(frame, customer="customer", date="date", revenue="revenue")
    assert math.isnan(est.se)
    assert math.isnan(est.ci.high)


# A table without any identified customer used to crash prepare_orders (IndexError in
# the ranking of the window's customers); these tests guard the fix.


@pytest.mark.parametrize("n", [1, 2, 5])
def test_all_guest_orders_order_level_metrics(n: int) -> None:
    guests = [Order(None, at(day), 10.0 + day) for day in range(n)]
    frame = to_frame(guests)
    rate = cx.guest_checkout_rate(frame, customer="customer", date="date", window=None)
    assert (rate.value, rate.n, rate.components["n_customers"]) == (100.0, len(guests), 0)
    aov = quiet(
        cx.average_order_value, frame, customer="customer", date="date", revenue="revenue",
        window=None,
    )  # fmt: skip
    assert aov.value == pytest.approx(math.fsum(o.revenue for o in guests) / len(guests))


def test_guest_flags_on_every_order() -> None:
    frame = pd.DataFrame(
        {"customer": ["a", "b"], "date": pd.date_range("2024-01-01", periods=2), "guest": True}
    )
    rate = cx.guest_checkout_rate(frame, customer="customer", date="date", guest="guest")
    assert rate.value == 100.0


def assert_clearly_undefined(call: Any) -> str:
    """A clear ValueError, or NaN with a DegenerateDataWarning; returns which."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est = call()
        except ValueError as exc:
            message = str(exc)
            est = None
    if est is None:
        assert re.search("window|customer|order", message)
        return "error"
    assert math.isnan(est.value)
    assert any(issubclass(w.category, cx.DegenerateDataWarning) for w in caught)
    return "nan"


@pytest.mark.parametrize("metric", CUSTOMER_LEVEL)
def test_all_guest_orders_customer_level_metrics(metric: str) -> None:
    # No customers to count: cxlib answers NaN (n = 0) with a DegenerateDataWarning.
    frame = pd.DataFrame(
        {"customer": [None, None, None], "date": pd.date_range("2024-01-01", periods=3)}
    )
    assert_clearly_undefined(lambda: getattr(cx, metric)(frame, customer="customer", date="date"))
    with pytest.warns(cx.DegenerateDataWarning, match="undefined"):
        est = getattr(cx, metric)(frame, customer="customer", date="date")
    assert est.n == 0
    assert math.isnan(est.ci.low)


@pytest.mark.parametrize("metric", CUSTOMER_LEVEL)
def test_only_guests_in_the_window_customer_level_metrics(metric: str) -> None:
    frame = pd.DataFrame(
        {"customer": ["a", None, None], "date": pd.date_range("2024-01-01", periods=3)}
    )
    assert_clearly_undefined(
        lambda: getattr(cx, metric)(frame, customer="customer", date="date", window=1.5)
    )


@pytest.mark.parametrize("metric", METRICS)
def test_empty_window(metric: str) -> None:
    frame = pd.DataFrame(
        {
            "customer": ["a", "b", None],
            "date": pd.date_range("2024-01-01", periods=3),
            "revenue": [1.0, 2.0, 3.0],
        }
    )
    outcome = assert_clearly_undefined(
        lambda: getattr(cx, metric)(frame, **metric_columns(metric), as_of="2023-06-01")
    )
    assert outcome in ("error", "nan")


@pytest.mark.parametrize("method", ["delta", "wald"])
def test_zero_width_interval_warns(method: str) -> None:
    frame = pd.DataFrame(
        {"customer": ["a", "b", "c"], "date": pd.date_range("2024-01-01", periods=3)}
    )
    with pytest.warns(cx.DegenerateDataWarning, match="zero width"):
        est = cx.repeat_purchase_rate(frame, customer="customer", date="date", ci_method=method)
    assert est.ci == (0.0, 0.0)


@pytest.mark.parametrize("metric", METRICS)
def test_integer_group_keys_with_gaps_raise_no_warning(metric: str) -> None:
    frame = pd.DataFrame(
        {
            "customer": ["a", "b", "c", "a", "d", "c"],
            "date": pd.date_range("2024-01-01", periods=6),
            "revenue": [1.0, 2.0, 3.0, 4.0, 8.0, 5.0],
            "tier": [1, 3, 3, 1, 1, 3],
        }
    )
    method = "modified-wilson" if metric in SHARES else "delta"
    out = getattr(cx, metric)(frame, **metric_columns(metric), by="tier", ci_method=method)
    assert out["tier"].tolist() == [1, 3]


def test_refunds_can_give_a_negative_lower_bound() -> None:
    frame = pd.DataFrame(
        {
            "customer": ["a", "b", "c", "d"],
            "date": pd.date_range("2024-01-01", periods=4),
            "revenue": [100.0, -90.0, 5.0, -10.0],
        }
    )
    est = cx.average_order_value(
        frame,
        customer="customer",
        date="date",
        revenue="revenue",
        allow_refunds=True,
        ci_method="delta",
    )
    values = np.array([100.0, -90.0, 5.0, -10.0])
    assert est.value == pytest.approx(1.25)
    assert est.se == pytest.approx(float(stats.sem(values)), rel=1e-12)  # one order each
    z = z_of(0.95)
    assert est.ci.low == pytest.approx(1.25 - z * est.se)
    assert est.ci.low < 0


# --------------------------------------------------------------------------- CDNOW


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    if not CDNOW.exists():
        pytest.skip(f"CDNOW master data not found at {CDNOW}")
    raw = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["customer_id", "date", "number_of_cds", "dollar_value"],
        dtype=str,
    )
    raw = raw[raw["date"].str.fullmatch(r"\d{8}")]  # a header line, if any
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].to_numpy(),
            "date": pd.to_datetime(raw["date"], format="%Y%m%d").to_numpy(),
            "revenue": raw["dollar_value"].astype(float).to_numpy(),
        }
    )


def test_cdnow_all_history(cdnow: pd.DataFrame) -> None:
    kw: dict[str, Any] = {"customer": "customer_id", "date": "date", "window": None}
    per_customer = cdnow.groupby("customer_id").size()
    days = cdnow.groupby("customer_id")["date"].nunique()
    n_orders, n_customers = len(cdnow), len(per_customer)
    total = math.fsum(cdnow["revenue"])
    assert (n_orders, n_customers) == (69_659, 23_570)

    freq = cx.purchase_frequency(cdnow, **kw)
    assert freq.value == pytest.approx(69_659 / 23_570, rel=1e-14)
    assert (freq.n, freq.components["n_orders"]) == (23_570, 69_659)
    assert freq.se == pytest.approx(float(per_customer.std()) / math.sqrt(n_customers), rel=1e-9)

    aov = cx.average_order_value(cdnow, revenue="revenue", **kw)
    assert aov.value == pytest.approx(total / 69_659, rel=1e-12)
    assert aov.components["revenue"] == pytest.approx(total, rel=1e-12)
    assert (aov.n, aov.components["n_customers"]) == (69_659, 23_570)
    spend = cdnow.groupby("customer_id")["revenue"].sum()
    resid = spend - aov.value * per_customer
    se = math.sqrt(n_customers / (n_customers - 1) * float((resid**2).sum())) / n_orders
    assert aov.se == pytest.approx(se, rel=1e-9)

    repeat = cx.repeat_purchase_rate(cdnow, **kw)
    n_repeat = int((per_customer > 1).sum())
    assert repeat.value == pytest.approx(100.0 * n_repeat / 23_570, rel=1e-14)
    assert (repeat.n, repeat.components["n_repeat_customers"]) == (23_570, n_repeat)
    by_day = cx.repeat_purchase_rate(cdnow, occasion="day", **kw)
    assert by_day.components["n_repeat_customers"] == int((days > 1).sum())
    assert by_day.value < repeat.value  # some customers order twice on one day

    guests = cx.guest_checkout_rate(cdnow, **kw)
    assert (guests.value, guests.n, guests.components["n_customers"]) == (0.0, 69_659, 23_570)


def test_cdnow_last_365_days(cdnow: pd.DataFrame) -> None:
    as_of = cdnow["date"].max()
    recent = cdnow[cdnow["date"] > as_of - pd.Timedelta(days=365)]
    per_customer = recent.groupby("customer_id").size()
    freq = cx.purchase_frequency(cdnow, customer="customer_id", date="date")
    assert freq.value == pytest.approx(len(recent) / len(per_customer), rel=1e-14)
    assert freq.n == len(per_customer)
    repeat = cx.repeat_purchase_rate(cdnow, customer="customer_id", date="date")
    assert repeat.value == pytest.approx(100.0 * (per_customer > 1).mean(), rel=1e-12)
    aov = cx.average_order_value(cdnow, customer="customer_id", date="date", revenue="revenue")
    assert aov.value == pytest.approx(recent["revenue"].mean(), rel=1e-12)


def test_cdnow_grouped_by_first_purchase_month(cdnow: pd.DataFrame) -> None:
    first = cdnow.groupby("customer_id")["date"].transform("min")
    frame = cdnow.assign(cohort=first.dt.month_name())
    out = cx.purchase_frequency(
        frame, customer="customer_id", date="date", window=None, by="cohort"
    )
    expected = frame.groupby("cohort").agg(orders=("date", "size"), n=("customer_id", "nunique"))
    assert out["cohort"].tolist() == expected.index.tolist()
    assert out["n"].tolist() == expected["n"].tolist()
    assert out["value"].to_numpy() == pytest.approx((expected["orders"] / expected["n"]).to_numpy())


def test_cdnow_customers_per_group_against_pandas(cdnow: pd.DataFrame) -> None:
    """Distinct customers per group (hashed (group, customer) pairs past 2**14 orders)."""
    kw: dict[str, Any] = {"customer": "customer_id", "date": "date", "window": None}
    grouped = cdnow.assign(month=cdnow["date"].dt.to_period("M").astype(str))
    out = cx.average_order_value(
        grouped, revenue="revenue", by="month", ci_method="delta", **kw
    )
    want = grouped.groupby("month")["customer_id"].nunique()
    assert out.set_index("month")["n_customers"].to_dict() == want.to_dict()
    first = cdnow.groupby("customer_id")["date"].transform("min")
    cohorts = cdnow.assign(cohort=first.dt.month_name())
    by_day = cx.repeat_purchase_rate(cohorts, occasion="day", by="cohort", **kw)
    days = cohorts.groupby(["cohort", "customer_id"])["date"].nunique()
    repeat = (days > 1).groupby(level="cohort").sum()
    assert by_day.set_index("cohort")["n_repeat_customers"].to_dict() == repeat.to_dict()
