"""cx.ab.compare_quantiles: Price-Bonett intervals of quantiles, the Poisson bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxlib as cx
from cxlib.ab.quantile_bootstrap import weighted_quantiles
from cxlib.ab.quantiles import order_statistic_se

RNG = np.random.default_rng(20)
CONTROL = RNG.lognormal(3.5, 0.8, 600)
VARIANT = RNG.lognormal(3.6, 0.8, 500)


def brute_force_price_bonett(
    y1: np.ndarray, y2: np.ndarray, alpha: float
) -> tuple[float, float, float, float]:
    """Price & Bonett (2002): the difference and ratio of medians, straight from the paper.

    Each median's variance (the McKean-Schrader estimate as Price & Bonett give it,
    their section 2) is ``[(Y_(n - c + 1) - Y_(c)) / (2 z)]**2`` with
    ``c = round(n / 2 - sqrt(n))`` and ``z`` the normal quantile of one minus the
    binomial probability ``P(Binomial(n, 1/2) <= c - 1)``; the interval of the
    difference is ``m1 - m2 +/- z_{alpha/2} sqrt(v1 + v2)``, that of the ratio
    ``exp(log(m1 / m2) +/- z_{alpha/2} sqrt(v1* + v2*))`` with the log order statistics.
    """
    z = stats.norm.ppf(1 - alpha / 2)
    var, log_var, medians = [], [], []
    for y in (np.sort(y1), np.sort(y2)):
        n = len(y)
        c = max(1, round(n / 2 - math.sqrt(n)))
        z0 = stats.norm.ppf(1 - stats.binom.cdf(c - 1, n, 0.5))
        var.append(((y[n - c] - y[c - 1]) / (2 * z0)) ** 2)
        log_var.append(((math.log(y[n - c]) - math.log(y[c - 1])) / (2 * z0)) ** 2)
        medians.append(float(np.median(y)))
    d = medians[0] - medians[1]
    half = z * math.sqrt(sum(var))
    log_half = z * math.sqrt(sum(log_var))
    r = math.log(medians[0] / medians[1])
    return d - half, d + half, math.exp(r - log_half), math.exp(r + log_half)


@pytest.mark.parametrize("q", [0.5, 0.1, 0.9, 0.975])
@pytest.mark.parametrize("method", ["price-bonett", "bootstrap"])
def test_point_estimates_are_numpy_quantiles(q: float, method: str) -> None:
    result = cx.ab.compare_quantiles(
        CONTROL, VARIANT, q=q, ci_method=method, n_resamples=200, rng=1
    )
    v, c = np.quantile(VARIANT, q), np.quantile(CONTROL, q)
    assert result.estimates is not None
    assert result.estimates[0].value == v
    assert result.estimates[1].value == c
    assert result.difference == v - c
    assert result.lift == pytest.approx(v / c - 1.0, rel=1e-12)
    assert result.estimates[0].n == 500
    assert result.estimates[1].n == 600


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_price_bonett_equals_the_papers_formulas(level: float) -> None:
    result = cx.ab.compare_quantiles(CONTROL, VARIANT, confidence_level=level)
    d_low, d_high, r_low, r_high = brute_force_price_bonett(VARIANT, CONTROL, 1 - level)
    assert result.difference_ci == pytest.approx((d_low, d_high), rel=1e-12)
    assert result.lift_ci == pytest.approx((r_low - 1, r_high - 1), rel=1e-12)
    # The p-value is that of the z statistic of the same standard error.
    z = result.difference / result.se
    assert result.statistic == pytest.approx(z)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert (result.p_value < 1 - level) == (d_low > 0 or d_high < 0)


def test_published_example() -> None:
    """Bonett's own example of the ratio of medians (the statpsych R package,
    ci.ratio.median2): ratio 1.162162, 95 % interval 0.927667 to 1.455933."""
    y1 = np.array([36, 44, 47, 42, 49, 39, 46, 31, 33, 48], dtype=float)
    y2 = np.array([32, 39, 26, 35, 43, 27, 40, 37, 34, 29, 49, 42, 40], dtype=float)
    result = cx.ab.compare_quantiles(y2, y1)
    assert result.lift == pytest.approx(0.162162, abs=1e-6)
    assert result.lift_ci == pytest.approx((0.927667 - 1, 1.455933 - 1), abs=1e-6)
    low, high, _, _ = brute_force_price_bonett(y1, y2, 0.05)
    assert result.difference_ci == pytest.approx((low, high), rel=1e-12)


def test_order_statistic_se_other_quantiles() -> None:
    """For q != 0.5 the binomial interval [Y_(a), Y_(b)] of the q-quantile, over 2 z0."""
    x = np.sort(CONTROL)
    n, q = x.size, 0.9
    half = 2 * math.sqrt(n * q * (1 - q))
    a, b = round(n * q - half), n + 1 - round(n * (1 - q) - half)
    coverage = stats.binom.cdf(b - 1, n, q) - stats.binom.cdf(a - 1, n, q)
    z0 = stats.norm.ppf((1 + coverage) / 2)
    se, log_se = order_statistic_se(x, q)
    assert se == pytest.approx((x[b - 1] - x[a - 1]) / (2 * z0), rel=1e-9)
    assert log_se == pytest.approx(math.log(x[b - 1] / x[a - 1]) / (2 * z0), rel=1e-9)


def _coverage(q: float, reps: int = 2000, n: int = 500) -> tuple[float, float]:
    """Share of intervals covering the true difference and ratio of the q-quantiles of
    two lognormals (the variant's location shifted by 0.2), vectorised over replications."""
    rng = np.random.default_rng(int(q * 1000))
    mu_c, mu_v, sigma = 3.5, 3.7, 0.9
    xc = np.sort(rng.lognormal(mu_c, sigma, (reps, n)), axis=1)
    xv = np.sort(rng.lognormal(mu_v, sigma, (reps, n)), axis=1)
    zq = stats.norm.ppf(q)
    true_c, true_v = math.exp(mu_c + sigma * zq), math.exp(mu_v + sigma * zq)
    half = 2 * math.sqrt(n * q * (1 - q))
    a, b = round(n * q - half), n + 1 - round(n * (1 - q) - half)
    tail = (stats.binom.cdf(a - 1, n, q) + stats.binom.sf(b - 1, n, q)) / 2
    z0 = -stats.norm.ppf(tail)
    z = stats.norm.ppf(0.975)

    def arm(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        est = np.quantile(x, q, axis=1)
        se = (x[:, b - 1] - x[:, a - 1]) / (2 * z0)
        log_se = np.log(x[:, b - 1] / x[:, a - 1]) / (2 * z0)
        return est, se, log_se

    (c, se_c, lse_c), (v, se_v, lse_v) = arm(xc), arm(xv)
    d_half = z * np.hypot(se_c, se_v)
    covered_d = np.abs(v - c - (true_v - true_c)) <= d_half
    r_half = z * np.hypot(lse_c, lse_v)
    covered_r = np.abs(np.log(v / c) - (mu_v - mu_c)) <= r_half
    # The vectorised formulas are the function's: check on the first replication.
    first = cx.ab.compare_quantiles(xc[0], xv[0], q=q)
    assert first.difference_ci == pytest.approx((v[0] - c[0] - d_half[0], v[0] - c[0] + d_half[0]))
    return float(covered_d.mean()), float(covered_r.mean())


@pytest.mark.parametrize("q", [0.5, 0.9])
def test_coverage_on_skewed_data(q: float) -> None:
    difference, ratio = _coverage(q)
    assert 0.93 <= difference <= 0.97, difference
    assert 0.93 <= ratio <= 0.97, ratio


def test_bootstrap_seeded_and_order_free() -> None:
    kwargs = {"q": 0.9, "ci_method": "bootstrap", "n_resamples": 999}
    first = cx.ab.compare_quantiles(CONTROL, VARIANT, rng=4, **kwargs)  # type: ignore[arg-type]
    again = cx.ab.compare_quantiles(CONTROL, VARIANT, rng=4, **kwargs)  # type: ignore[arg-type]
    shuffled = cx.ab.compare_quantiles(
        RNG.permutation(CONTROL),
        RNG.permutation(VARIANT),
        rng=np.random.default_rng(4),
        **kwargs,  # type: ignore[arg-type]
    )
    assert first.to_dict() == again.to_dict() == shuffled.to_dict()
    other = cx.ab.compare_quantiles(CONTROL, VARIANT, rng=5, **kwargs)  # type: ignore[arg-type]
    assert other.difference_ci != first.difference_ci


def test_bootstrap_agrees_with_price_bonett_at_large_n() -> None:
    rng = np.random.default_rng(8)
    xc, xv = rng.lognormal(3.5, 0.8, 20_000), rng.lognormal(3.52, 0.8, 20_000)
    boot = cx.ab.compare_quantiles(xc, xv, ci_method="bootstrap", n_resamples=2000, rng=1)
    exact = cx.ab.compare_quantiles(xc, xv)
    width = exact.difference_ci.high - exact.difference_ci.low
    assert boot.difference_ci == pytest.approx(exact.difference_ci, abs=0.1 * width)
    assert boot.se == pytest.approx(exact.se, rel=0.1)


def test_windowed_quantiles_equal_the_resample_quantile() -> None:
    """The Poisson-count quantile equals numpy.quantile of the resample written out."""
    rng = np.random.default_rng(3)
    xs = np.sort(rng.normal(size=300))
    lo, hi = 100, 220
    below, above = rng.poisson(lo, 500), rng.poisson(300 - hi, 500)
    inside = rng.poisson(1.0, (500, hi - lo))
    for q in (0.4, 0.5, 0.6):
        values, ok = weighted_quantiles(xs[lo:hi], q, below, inside, above)
        assert ok.sum() > 400
        for i in np.flatnonzero(ok)[:100]:
            resample = np.concatenate(
                [np.full(below[i], -1e9), np.repeat(xs[lo:hi], inside[i]), np.full(above[i], 1e9)]
            )
            assert values[i] == pytest.approx(np.quantile(resample, q), abs=1e-12)
        assert np.isnan(values[~ok]).all()


@pytest.mark.parametrize("q", [0.5, 0.9])
def test_large_offset_gives_the_same_difference_interval(q: float) -> None:
    near = cx.ab.compare_quantiles(CONTROL, VARIANT, q=q)
    far = cx.ab.compare_quantiles(CONTROL + 1e9, VARIANT + 1e9, q=q)
    spread = near.difference_ci.high - near.difference_ci.low
    assert far.difference == pytest.approx(near.difference, abs=1e-6 * spread)
    assert far.difference_ci == pytest.approx(near.difference_ci, abs=1e-6 * spread)
    assert far.se == pytest.approx(near.se, abs=1e-6 * spread)


def test_one_sided_alternatives() -> None:
    two = cx.ab.compare_quantiles(CONTROL, VARIANT, confidence_level=0.9)
    greater = cx.ab.compare_quantiles(CONTROL, VARIANT, alternative="greater")
    assert greater.difference_ci.low == pytest.approx(two.difference_ci.low)
    assert greater.difference_ci.high == math.inf
    assert greater.p_value == pytest.approx(two.p_value / 2)


def test_missing_values_under_each_policy() -> None:
    gaps = pd.Series(VARIANT).copy()
    gaps.iloc[:4] = np.nan
    omitted = cx.ab.compare_quantiles(CONTROL, gaps)
    assert omitted.estimates is not None
    assert omitted.estimates[0].n_missing == 4
    assert omitted.difference == cx.ab.compare_quantiles(CONTROL, VARIANT[4:]).difference
    with pytest.raises(ValueError, match="variant holds 4 missing values"):
        cx.ab.compare_quantiles(CONTROL, gaps, nan_policy="raise")
    propagated = cx.ab.compare_quantiles(CONTROL, gaps, nan_policy="propagate")
    assert math.isnan(propagated.difference)
    assert math.isnan(propagated.p_value)
    assert propagated.estimates is not None
    assert math.isnan(propagated.estimates[0].value)
    assert propagated.estimates[1].value == np.median(CONTROL)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"q": 0.0}, ValueError, "q must be strictly between 0 and 1"),
        ({"q": 1.5}, ValueError, "q must be strictly between 0 and 1"),
        ({"q": "0.5"}, TypeError, "q must be a number"),
        ({"q": True}, TypeError, "q must be a number"),
        ({"ci_method": "bca"}, ValueError, "ci_method"),
        ({"nan_policy": "drop"}, ValueError, "nan_policy"),
        ({"n_resamples": 0}, ValueError, "n_resamples"),
    ],
)
def test_bad_options(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        cx.ab.compare_quantiles(CONTROL, VARIANT, **kwargs)  # type: ignore[arg-type]


def test_bad_data() -> None:
    with pytest.raises(ValueError, match="control needs at least 2 non-missing units; got 0"):
        cx.ab.compare_quantiles([], VARIANT)
    with pytest.raises(TypeError, match="variant"):
        cx.ab.compare_quantiles(CONTROL, ["a", "b", "c"])
    with pytest.raises(ValueError, match=r"variant has 40 non-missing units.*at least 50"):
        cx.ab.compare_quantiles(CONTROL, VARIANT[:40], q=0.9)
    with pytest.raises(ValueError, match=r"control has 9 non-missing units.*at least 10"):
        cx.ab.compare_quantiles(CONTROL[:9], VARIANT)
    with pytest.raises(ValueError, match="control must hold finite values"):
        cx.ab.compare_quantiles(np.append(CONTROL, np.inf), VARIANT)
    # 10 units are enough for the median.
    assert math.isfinite(cx.ab.compare_quantiles(CONTROL[:10], VARIANT).se)


def test_non_positive_values_leave_the_lift_interval_undefined() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="lift interval is undefined"):
        result = cx.ab.compare_quantiles(CONTROL - 40.0, VARIANT - 40.0)
    assert result.lift_ci is not None
    assert math.isnan(result.lift_ci.low)
    assert math.isfinite(result.difference_ci.low)


def test_input_not_mutated() -> None:
    control, variant = pd.Series(CONTROL[::-1]), VARIANT[::-1].copy()
    before = control.copy(), variant.copy()
    for method in ("price-bonett", "bootstrap"):
        cx.ab.compare_quantiles(control, variant, ci_method=method, n_resamples=99, rng=1)  # type: ignore[arg-type]
    pd.testing.assert_series_equal(control, before[0])
    np.testing.assert_array_equal(variant, before[1])


FRAME = pd.DataFrame(
    {
        "arm": np.repeat(["A", "B", "C"], [600, 500, 550]),
        "device": np.random.default_rng(5).choice(["web", "app"], 1650),
        "order_value": np.random.default_rng(6).lognormal(3.5, 0.8, 1650),
    }
)


@pytest.mark.parametrize("method", ["price-bonett", "bootstrap"])
def test_compare_frame_equals_compare_quantiles(method: str) -> None:
    table = cx.ab.compare(
        FRAME,
        group="arm",
        control="A",
        metric=cx.ab.Quantile("order_value", q=0.9),
        by="device",
        ci_method="fieller" if method == "price-bonett" else method,  # type: ignore[arg-type]
        n_resamples=500,
        rng=3,
    )
    assert len(table) == 4
    assert set(table["metric"]) == {"p90"}
    for row in table.itertuples():
        rows = FRAME[FRAME["device"] == row.device]
        control = rows.loc[rows["arm"] == "A", "order_value"]
        variant = rows.loc[rows["arm"] == row.arm, "order_value"]
        one = cx.ab.compare_quantiles(control, variant, q=0.9, ci_method=method, n_resamples=500)  # type: ignore[arg-type]
        assert row.value_variant == np.quantile(variant, 0.9)
        assert row.difference == one.difference
        assert row.n_control == control.size
        if method == "price-bonett":
            assert (row.ci_low, row.ci_high) == pytest.approx(tuple(one.difference_ci))
            assert (row.lift_ci_low, row.lift_ci_high) == pytest.approx(tuple(one.lift_ci))
            assert row.p_value == pytest.approx(one.p_value)
            assert row.test == "z"


def test_compare_frame_quantile_options() -> None:
    spec = cx.ab.Quantile("order_value")
    with pytest.raises(ValueError, match="ci_method"):
        cx.ab.compare(FRAME, group="arm", control="A", metric=spec, ci_method="bca")
    with pytest.raises(ValueError, match="covariate"):
        cx.ab.compare(FRAME, group="arm", control="A", metric=spec, covariate="order_value")
    with pytest.raises(ValueError, match="sequential=True"):
        cx.ab.compare(FRAME, group="arm", control="A", metric=spec, sequential=True)
    with pytest.raises(ValueError, match="q must be strictly between 0 and 1"):
        cx.ab.Quantile("order_value", q=1.0)
    with pytest.raises(TypeError, match="column must be a column name"):
        cx.ab.Quantile(3)  # type: ignore[arg-type]
    small = FRAME.iloc[np.r_[0:600, 600:640, 1100:1650]]  # 40 units in arm B
    with pytest.warns(cx.DegenerateDataWarning, match="1 variant rows"):
        table = cx.ab.compare(
            small, group="arm", control="A", metric=cx.ab.Quantile("order_value", q=0.9)
        )
    assert table["p_value"].isna().tolist() == [True, False]


def test_compare_frame_quantile_missing_values() -> None:
    gaps = FRAME.copy()
    gaps.loc[[601, 602], "order_value"] = np.nan
    table = cx.ab.compare(gaps, group="arm", control="A", metric=cx.ab.Quantile("order_value"))
    assert table["n_missing_variant"].tolist() == [2, 0]
    assert table["n_variant"].tolist() == [498, 550]
    propagated = cx.ab.compare(
        gaps,
        group="arm",
        control="A",
        metric=cx.ab.Quantile("order_value"),
        nan_policy="propagate",
    )
    assert propagated["difference"].isna().tolist() == [True, False]
    with pytest.raises(ValueError, match="missing"):
        cx.ab.compare(
            gaps, group="arm", control="A", metric=cx.ab.Quantile("order_value"), nan_policy="raise"
        )


def test_compare_frame_quantile_on_an_engine() -> None:
    pl = pytest.importorskip("polars")
    spec = cx.ab.Quantile("order_value", q=0.75)
    pandas_table = cx.ab.compare(FRAME, group="arm", control="A", metric=spec, by="device")
    engine_table = cx.ab.compare(
        pl.from_pandas(FRAME).lazy(), group="arm", control="A", metric=spec, by="device"
    )
    pd.testing.assert_frame_equal(
        engine_table.sort_values(["device", "arm"]).reset_index(drop=True),
        pandas_table.sort_values(["device", "arm"]).reset_index(drop=True),
        check_dtype=False,
    )
