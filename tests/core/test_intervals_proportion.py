"""Proportion and t intervals of cxlib.core.intervals against statsmodels, scipy and properties."""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxlib.core.intervals import (
    PROPORTION_CI_METHODS,
    ProportionCIMethod,
    mean_t_interval,
    proportion_interval,
)

FloatArray = npt.NDArray[np.float64]

STATSMODELS_NAME: dict[ProportionCIMethod, str] = {
    "wilson": "wilson",
    "wald": "normal",
    "agresti-coull": "agresti_coull",
    "clopper-pearson": "beta",
    "jeffreys": "jeffreys",
}
LEVELS = (0.8, 0.95, 0.99)
TOL = 1e-10


def count_grid() -> tuple[FloatArray, FloatArray]:
    """All counts for small n; the edges, near-edges and middle for large n."""
    xs: list[int] = []
    ns: list[int] = []
    for n in (1, 2, 3, 5, 10, 37, 100):
        xs.extend(range(n + 1))
        ns.extend([n] * (n + 1))
    for n in (1_000, 12_345, 10**6, 10**8):
        row = sorted({0, 1, 2, 7, n // 3, n // 2, n - 7, n - 2, n - 1, n})
        xs.extend(row)
        ns.extend([n] * len(row))
    return np.array(xs, dtype=np.float64), np.array(ns, dtype=np.float64)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("method", list(STATSMODELS_NAME))
def test_matches_statsmodels(method: ProportionCIMethod, level: float) -> None:
    x, n = count_grid()
    low, high = proportion_interval(method, x / n, n, level)
    ref_low, ref_high = proportion_confint(x, n, alpha=1.0 - level, method=STATSMODELS_NAME[method])
    np.testing.assert_allclose(low, ref_low, rtol=0.0, atol=TOL)
    np.testing.assert_allclose(high, ref_high, rtol=0.0, atol=TOL)


@pytest.mark.parametrize("method", list(STATSMODELS_NAME))
def test_scalar_inputs_match_statsmodels(method: ProportionCIMethod) -> None:
    low, high = proportion_interval(method, 0.3, 20, 0.95)
    ref = proportion_confint(6, 20, alpha=0.05, method=STATSMODELS_NAME[method])
    assert low.shape == high.shape == ()
    assert (float(low), float(high)) == pytest.approx(ref, abs=TOL)


def test_jeffreys_edges_follow_statsmodels() -> None:
    # No boundary modification (Brown et al. 2001, sec. 4.1.2): at x = 0 the lower bound
    # is the 2.5% quantile of Beta(1/2, n + 1/2), not 0; mirrored at x = n.
    low, high = proportion_interval("jeffreys", [0.0, 1.0], 10, 0.95)
    assert low[0] == pytest.approx(stats.beta.ppf(0.025, 0.5, 10.5), abs=TOL)
    assert 0.0 < low[0] < 1e-3
    assert high[1] == pytest.approx(stats.beta.isf(0.025, 10.5, 0.5), abs=TOL)
    assert 1.0 - 1e-3 < high[1] < 1.0


def written_out(
    method: ProportionCIMethod, p: FloatArray, n: FloatArray, level: float
) -> tuple[FloatArray, FloatArray]:
    """The textbook formulas, evaluated at non-integer counts ``x = p * n``."""
    alpha = 1.0 - level
    z = stats.norm.ppf(1.0 - alpha / 2.0)
    x = p * n
    if method == "wald":
        half = z * np.sqrt(p * (1.0 - p) / n)
        return np.clip(p - half, 0.0, 1.0), np.clip(p + half, 0.0, 1.0)
    if method == "wilson":
        centre = (x + z**2 / 2.0) / (n + z**2)
        half = z * np.sqrt(n) / (n + z**2) * np.sqrt(p * (1.0 - p) + z**2 / (4.0 * n))
        return centre - half, centre + half
    if method == "agresti-coull":
        n_tilde = n + z**2
        p_tilde = (x + z**2 / 2.0) / n_tilde
        half = z * np.sqrt(p_tilde * (1.0 - p_tilde) / n_tilde)
        return np.clip(p_tilde - half, 0.0, 1.0), np.clip(p_tilde + half, 0.0, 1.0)
    if method == "clopper-pearson":
        with np.errstate(invalid="ignore"):
            low = np.where(x == 0, 0.0, stats.beta.ppf(alpha / 2.0, x, n - x + 1.0))
            high = np.where(x == n, 1.0, stats.beta.ppf(1.0 - alpha / 2.0, x + 1.0, n - x))
        return low, high
    low = np.asarray(stats.beta.ppf(alpha / 2.0, x + 0.5, n - x + 0.5), dtype=np.float64)
    high = np.asarray(stats.beta.ppf(1.0 - alpha / 2.0, x + 0.5, n - x + 0.5), dtype=np.float64)
    return low, high


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("method", list(STATSMODELS_NAME))
def test_non_integer_effective_n(method: ProportionCIMethod, level: float) -> None:
    p = np.array([0.0, 0.013, 0.2, 0.5, 0.77, 0.999, 1.0])[:, None]
    n = np.array([0.4, 1.0, 1.7, 4.25, 12.4, 55.5, 1234.56, 98765.4])[None, :]
    p, n = (np.array(a) for a in np.broadcast_arrays(p, n))  # writeable copies
    low, high = proportion_interval(method, p, n, level)
    ref_low, ref_high = written_out(method, p, n, level)
    assert low.shape == p.shape
    np.testing.assert_allclose(low, ref_low, rtol=0.0, atol=TOL)
    np.testing.assert_allclose(high, ref_high, rtol=0.0, atol=TOL)
    # statsmodels accepts non-integer counts for these methods, too.
    sm_low, sm_high = proportion_confint(
        p * n, n, alpha=1.0 - level, method=STATSMODELS_NAME[method]
    )
    np.testing.assert_allclose(low, sm_low, rtol=0.0, atol=TOL)
    np.testing.assert_allclose(high, sm_high, rtol=0.0, atol=TOL)


def test_broadcasting() -> None:
    low, high = proportion_interval("wilson", [[0.1], [0.5], [0.9]], [10, 20, 30, 40], 0.9)
    assert low.shape == high.shape == (3, 4)
    ref = proportion_confint(0.5 * 30, 30, alpha=0.1, method="wilson")
    assert (low[1, 2], high[1, 2]) == pytest.approx(ref, abs=TOL)


@pytest.mark.parametrize("method", PROPORTION_CI_METHODS)
def test_invalid_inputs_give_nan_without_warnings(method: ProportionCIMethod) -> None:
    p = np.array([0.5, np.nan, 0.0, 1.0, 0.3, 1.5, -0.1, 0.4, 0.4])
    n = np.array([0.0, 10.0, 0.0, 0.0, -3.0, 10.0, 10.0, np.nan, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            low, high = proportion_interval(method, p, n, 0.95)
            good_low, good_high = proportion_interval(method, [0.0, 0.4, 1.0], [0, 5, 0], 0.95)
    assert np.isnan(low).all()
    assert np.isnan(high).all()
    assert np.isnan(good_low[[0, 2]]).all()
    assert np.isnan(good_high[[0, 2]]).all()
    assert np.isfinite([good_low[1], good_high[1]]).all()


@pytest.mark.parametrize("level", [0.0, 1.0, -0.5, 95.0, float("nan")])
def test_bad_confidence_level(level: float) -> None:
    with pytest.raises(ValueError, match="confidence_level"):
        proportion_interval("wilson", 0.5, 10, level)
    with pytest.raises(ValueError, match="confidence_level"):
        mean_t_interval(0.0, 1.0, 10, level)


def test_unknown_method() -> None:
    with pytest.raises(ValueError, match="unknown method"):
        proportion_interval("normal", 0.5, 10, 0.95)  # type: ignore[arg-type]


# Hypothesis properties ------------------------------------------------------------------

methods = st.sampled_from(PROPORTION_CI_METHODS)
shares = st.floats(0.0, 1.0)
sizes = st.one_of(st.integers(1, 10_000).map(float), st.floats(0.05, 1e7))
levels = st.floats(0.01, 0.999)


@given(methods, shares, sizes, levels)
def test_bounds_inside_unit_interval(
    method: ProportionCIMethod, p: float, n: float, level: float
) -> None:
    low, high = proportion_interval(method, p, n, level)
    assert 0.0 <= low <= high <= 1.0


@given(st.sampled_from(["wilson", "clopper-pearson", "wald"]), shares, sizes, levels)
@example(method="clopper-pearson", p=2.225073858507e-311, n=1.0, level=0.5)  # subnormal count
@example(method="clopper-pearson", p=2.3e-315, n=1e7, level=0.95)
def test_contains_the_estimate(
    method: ProportionCIMethod, p: float, n: float, level: float
) -> None:
    low, high = proportion_interval(method, p, n, level)
    assert low <= p + 1e-12
    assert p - 1e-12 <= high


@given(st.integers(2, 100_000), st.data(), st.floats(0.5, 0.999))
def test_jeffreys_contains_the_estimate(n: int, data: st.DataObject, level: float) -> None:
    # Only for 0 < x < n: at the edges the (unmodified) Jeffreys interval excludes p,
    # as it does for tiny non-integer counts or at very low confidence levels.
    x = data.draw(st.integers(1, n - 1))
    low, high = proportion_interval("jeffreys", x / n, n, level)
    assert low <= x / n <= high


@given(methods, shares, sizes, levels, levels)
def test_wider_at_higher_confidence(
    method: ProportionCIMethod, p: float, n: float, level_a: float, level_b: float
) -> None:
    assume(level_a != level_b)
    lo_level, hi_level = sorted((level_a, level_b))
    narrow = proportion_interval(method, p, n, lo_level)
    wide = proportion_interval(method, p, n, hi_level)
    assert wide[0] <= narrow[0] + 1e-12
    assert wide[1] >= narrow[1] - 1e-12


@given(methods, shares, sizes, levels)
def test_mirror_symmetry(method: ProportionCIMethod, p: float, n: float, level: float) -> None:
    low, high = proportion_interval(method, p, n, level)
    m_low, m_high = proportion_interval(method, 1.0 - p, n, level)
    assert float(low) == pytest.approx(1.0 - float(m_high), abs=1e-9)
    assert float(high) == pytest.approx(1.0 - float(m_low), abs=1e-9)


@given(
    st.lists(st.tuples(shares, sizes), min_size=1, max_size=20),
    methods,
    st.sampled_from(LEVELS),
)
def test_vectorised_equals_elementwise(
    rows: list[tuple[float, float]], method: ProportionCIMethod, level: float
) -> None:
    p = np.array([r[0] for r in rows])
    n = np.array([r[1] for r in rows])
    low, high = proportion_interval(method, p, n, level)
    for i, (pi, ni) in enumerate(rows):
        lo_i, hi_i = proportion_interval(method, pi, ni, level)
        assert low[i] == lo_i
        assert high[i] == hi_i


# Student t interval ---------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_t_interval_matches_scipy(level: float) -> None:
    mean = np.array([0.0, 4.2, -1.5, 3.3, 100.0, 7.0])
    se = np.array([1.0, 0.1, 2.5, 0.0, 12.0, 0.3])
    n = np.array([2.0, 25.0, 3.7, 10.0, 1.5, 1e9])
    low, high = mean_t_interval(mean, se, n, level)
    ref_low, ref_high = stats.t.interval(level, n - 1.0, loc=mean, scale=np.where(se > 0, se, 1))
    ref_low = np.where(se > 0, ref_low, mean)
    ref_high = np.where(se > 0, ref_high, mean)
    np.testing.assert_allclose(low, ref_low, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(high, ref_high, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("size", [2, 3, 7, 50, 1000])
def test_t_interval_matches_ttest_1samp(size: int, level: float) -> None:
    rng = np.random.default_rng(size)
    data = rng.normal(3.0, 2.0, size=(4, size))  # four groups at once
    mean = data.mean(axis=1)
    se = data.std(axis=1, ddof=1) / np.sqrt(size)
    low, high = mean_t_interval(mean, se, size, level)
    ci = stats.ttest_1samp(data, 0.0, axis=1).confidence_interval(level)
    np.testing.assert_allclose(low, ci.low, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(high, ci.high, rtol=1e-12, atol=1e-12)


def test_t_interval_infinite_n_is_normal() -> None:
    low, high = mean_t_interval(1.0, 0.5, np.inf, 0.95)
    z = stats.norm.ppf(0.975)
    assert (float(low), float(high)) == pytest.approx((1.0 - z * 0.5, 1.0 + z * 0.5), abs=1e-12)


def test_t_interval_invalid_gives_nan_without_warnings() -> None:
    mean = np.array([1.0, 1.0, 1.0, 1.0, np.nan, 1.0, 1.0, 1.0])
    se = np.array([0.5, 0.5, 0.5, np.nan, 0.5, -0.1, np.inf, 0.5])
    n = np.array([1.0, 0.0, 0.5, 10.0, 10.0, 10.0, 10.0, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            low, high = mean_t_interval(mean, se, n, 0.95)
    assert np.isnan(low).all()
    assert np.isnan(high).all()


@given(
    st.floats(-1e6, 1e6),
    st.floats(0.0, 1e3),
    st.floats(1.01, 1e7),
    levels,
    levels,
)
def test_t_interval_properties(
    mean: float, se: float, n: float, level_a: float, level_b: float
) -> None:
    assume(level_a != level_b)
    lo_level, hi_level = sorted((level_a, level_b))
    low, high = mean_t_interval(mean, se, n, lo_level)
    w_low, w_high = mean_t_interval(mean, se, n, hi_level)
    assert w_low <= low <= mean <= high <= w_high
    assert float(high) - mean == pytest.approx(mean - float(low), rel=1e-9, abs=1e-9)


# --- the modified Wilson interval (Brown, Cai & DasGupta 2001, section 4.1.1) ----------


@pytest.mark.parametrize("level", LEVELS)
def test_modified_wilson_is_wilson_away_from_the_edges(level: float) -> None:
    x, n = count_grid()
    low, high = proportion_interval("modified-wilson", x / n, n, level)
    w_low, w_high = proportion_confint(x, n, alpha=1.0 - level, method="wilson")
    cut = np.where(n <= 50, 2, 3)
    inner = (x > cut) & (n - x > cut)
    np.testing.assert_allclose(low[inner], w_low[inner], rtol=0.0, atol=TOL)
    np.testing.assert_allclose(high[inner], w_high[inner], rtol=0.0, atol=TOL)
    # Next to the edges: the one-sided Poisson bound, written out with scipy, where it
    # lies outside the Wilson bound; never narrower than Wilson.
    alpha = 1.0 - level
    few = (x >= 1) & (x <= cut)
    poisson = stats.chi2.ppf(alpha, 2 * x[few]) / (2 * n[few])
    np.testing.assert_allclose(low[few], np.minimum(w_low[few], poisson), rtol=1e-12, atol=0)
    few_high = (n - x >= 1) & (n - x <= cut)
    poisson_high = 1 - stats.chi2.ppf(alpha, 2 * (n - x)[few_high]) / (2 * n[few_high])
    np.testing.assert_allclose(
        high[few_high], np.maximum(w_high[few_high], poisson_high), rtol=1e-12, atol=0
    )
    assert (low <= w_low + TOL).all()
    assert (high >= w_high - TOL).all()


def test_modified_wilson_one_success_has_the_closed_form() -> None:
    # One success: the bound solves P(Poisson(lambda) >= 1) = alpha, lambda = -log(1 -
    # alpha), the closed form of Hmisc's binconf.
    n = np.array([3.0, 10.0, 40.0, 80.0, 500.0])
    low, _ = proportion_interval("modified-wilson", 1 / n, n, 0.95)
    np.testing.assert_allclose(low, -np.log(0.95) / n, rtol=1e-12)


@pytest.mark.parametrize(("n", "p"), [(10, 0.95), (10, 0.99), (100, 0.99), (30, 0.982), (10, 0.05)])
def test_modified_wilson_covers_where_wilson_dips(n: int, p: float) -> None:
    """Exact coverage by enumeration of the binomial outcomes."""

    def coverage(method: ProportionCIMethod) -> float:
        x = np.arange(n + 1)
        low, high = proportion_interval(method, x / n, n, 0.95)
        pmf = stats.binom.pmf(x, n, p)
        return float(pmf[(low <= p) & (p <= high)].sum())

    assert coverage("wilson") < 0.93
    assert coverage("modified-wilson") >= 0.95
