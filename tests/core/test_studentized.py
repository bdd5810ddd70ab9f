"""The studentized bootstrap of ratios (cxlib.core.studentized) against exact enumeration
of the resamples, numpy quantiles and scipy's skewness."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cxlib.core.studentized import linearised_skewness, ratio_t_replicates, studentized_interval


def delta_t(y: np.ndarray, x: np.ndarray, theta: float) -> float:
    """(r* - theta) / se* of one resample, written out."""
    m = len(y)
    r = y.sum() / x.sum()
    se = math.sqrt(m / (m - 1) * float(((y - r * x) ** 2).sum())) / x.sum()
    if se == 0.0:
        return 0.0 if r == theta else math.copysign(math.inf, r - theta)
    return (r - theta) / se


def test_replicates_follow_the_exact_resampling_distribution() -> None:
    # Four clusters: all 4**4 equally likely resamples give the exact law of t*.
    y = np.array([3.0, 10.0, 4.0, 25.0])
    x = np.array([1.0, 2.0, 1.0, 3.0])
    theta = y.sum() / x.sum()
    exact: dict[float, float] = {}
    for idx in itertools.product(range(4), repeat=4):
        t = round(delta_t(y[list(idx)], x[list(idx)], theta), 9)
        exact[t] = exact.get(t, 0.0) + 4.0**-4
    b = 40_000
    reps = ratio_t_replicates(y, x, None, 1, np.array([theta]), b, np.random.default_rng(1))
    got = np.round(reps[:, 0], 9)
    assert set(np.unique(got)) <= set(exact)
    for t, p in exact.items():
        share = float((got == t).mean())
        assert abs(share - p) <= 4.0 * math.sqrt(p * (1 - p) / b) + 1e-12, t


def test_groups_resample_within_themselves() -> None:
    y = np.array([1.0, 2.0, 9.0, 100.0, 300.0, 200.0, 50.0])
    x = np.array([1.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0])
    codes = np.array([0, 0, 0, 2, 2, 2, 2])  # group 1 is empty
    theta = np.array([12.0 / 4.0, np.nan, 650.0 / 5.0])
    reps = ratio_t_replicates(y, x, codes, 3, theta, 3000, np.random.default_rng(2))
    assert reps.shape == (3000, 3)
    assert np.isnan(reps[:, 1]).all()
    # Each group's t* takes only the values of resamples of its own clusters.
    for g, size in ((0, 3), (2, 4)):
        rows = codes == g
        possible = {
            round(delta_t(y[rows][list(i)], x[rows][list(i)], theta[g]), 9)
            for i in itertools.product(range(size), repeat=size)
        }
        assert set(np.round(reps[:, g], 9)) <= possible


def test_row_order_does_not_change_seeded_replicates() -> None:
    rng = np.random.default_rng(3)
    y, x = rng.lognormal(size=40), rng.integers(1, 5, 40).astype(float)
    codes = rng.integers(0, 3, 40)
    theta = np.bincount(codes, weights=y) / np.bincount(codes, weights=x)
    perm = rng.permutation(40)
    a = ratio_t_replicates(y, x, codes, 3, theta, 500, np.random.default_rng(9))
    b = ratio_t_replicates(y[perm], x[perm], codes[perm], 3, theta, 500, np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)


@settings(max_examples=40)
@given(
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=20, max_size=400),
    st.floats(0.5, 0.99),
)
def test_interval_uses_numpy_linear_quantiles(values: list[float], level: float) -> None:
    t = np.array(values)[:, None]
    low, high = studentized_interval(t, np.array([7.0]), np.array([2.0]), level)
    alpha = (1 - level) / 2
    if np.quantile(t[:, 0], alpha) == np.quantile(t[:, 0], 1 - alpha):
        assert np.isnan(low[0])  # no spread in t*: no interval
        assert np.isnan(high[0])
        return
    assert low[0] == pytest.approx(7.0 - 2.0 * np.quantile(t[:, 0], 1 - alpha), abs=1e-9)
    assert high[0] == pytest.approx(7.0 - 2.0 * np.quantile(t[:, 0], alpha), abs=1e-9)


def test_infinite_replicates_are_left_out_and_nan_means_undefined() -> None:
    t = np.array([[-1.0, np.nan], [np.inf, 0.0], [0.0, 1.0], [1.0, 2.0], [-np.inf, 3.0]])
    low, high = studentized_interval(t, np.array([5.0, 5.0]), np.array([1.0, 1.0]), 0.5)
    finite = np.array([-1.0, 0.0, 1.0])
    assert low[0] == pytest.approx(5.0 - np.quantile(finite, 0.75))
    assert high[0] == pytest.approx(5.0 - np.quantile(finite, 0.25))
    assert np.isnan(low[1])
    assert np.isnan(high[1])


@settings(max_examples=40)
@given(st.lists(st.tuples(st.floats(0, 1e4), st.integers(1, 9)), min_size=3, max_size=60))
def test_linearised_skewness_is_the_skewness_of_the_residuals(
    clusters: list[tuple[float, int]],
) -> None:
    y = np.array([c[0] for c in clusters])
    x = np.array([float(c[1]) for c in clusters])
    theta = y.sum() / x.sum()
    resid = y - theta * x
    got = linearised_skewness(y, x, None, 1, np.array([theta]))[0]
    if np.ptp(resid) <= 1e-9 * max(1.0, np.abs(resid).max()):
        return  # no spread: NaN or rounding noise, nothing to compare
    assert got == pytest.approx(stats.skew(resid), rel=1e-6, abs=1e-6)


def test_two_clusters_give_no_interval_rather_than_a_point() -> None:
    y, x = np.array([1.0, 5.0]), np.array([1.0, 1.0])
    theta = np.array([3.0])
    t = ratio_t_replicates(y, x, None, 1, theta, 200, np.random.default_rng(0))
    assert set(np.unique(t[:, 0])) == {-np.inf, 0.0, np.inf}
    low, high = studentized_interval(t, theta, np.array([2.0]), 0.95)
    assert np.isnan(low[0])
    assert np.isnan(high[0])
    # All clusters alike: se = 0, the interval is the point.
    same = ratio_t_replicates(y * 0 + 2, x, None, 1, np.array([2.0]), 50, np.random.default_rng(0))
    low, high = studentized_interval(same, np.array([2.0]), np.array([0.0]), 0.95)
    assert (low[0], high[0]) == (2.0, 2.0)
