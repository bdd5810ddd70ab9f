"""CUPED: against OLS (statsmodels), Pearson's r (scipy) and a brute-force computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from cxlib import DegenerateDataWarning
from cxlib.ab.cuped import CupedResult, cuped


def experiment(
    seed: int, n: int = 3_000, rho: float = 0.7, effect: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, covariate, arm) of a two-arm experiment with a correlated covariate."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, size=n)
    pre = rng.lognormal(3.0, 0.5, size=n)
    z = (pre - pre.mean()) / pre.std()
    noise = rng.normal(size=n)
    values = 10.0 + 2.0 * (rho * z + math.sqrt(1.0 - rho**2) * noise) + effect * arm
    return values, pre, arm


# --------------------------------------------------------------------------------------
# Independent references
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_theta_is_the_ols_slope(seed: int) -> None:
    y, x, _ = experiment(seed)
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    res = cuped(y, x)
    assert res.theta == pytest.approx(fit.params[1], rel=1e-10)
    assert not res.theta_given
    # The adjusted values are the OLS residuals shifted back to the mean of y.
    np.testing.assert_allclose(res.adjusted, fit.resid + y.mean(), rtol=1e-10)


@pytest.mark.parametrize(("seed", "rho"), [(3, 0.0), (4, 0.3), (5, 0.9), (6, -0.6)])
def test_correlation_and_variance_reduction_match_pearson(seed: int, rho: float) -> None:
    y, x, _ = experiment(seed, rho=rho)
    r = stats.pearsonr(x, y).statistic
    res = cuped(y, x)
    assert res.correlation == pytest.approx(r, rel=1e-10, abs=1e-12)
    assert res.variance_reduction == pytest.approx(r**2, rel=1e-10, abs=1e-12)
    # The definition, 1 - var(adjusted) / var(values), for either ddof.
    for ddof in (0, 1):
        direct = 1.0 - np.var(res.adjusted, ddof=ddof) / np.var(y, ddof=ddof)
        assert res.variance_reduction == pytest.approx(direct, rel=1e-9, abs=1e-12)


def test_mean_is_preserved_and_covariate_mean_reported() -> None:
    y, x, _ = experiment(7)
    res = cuped(y, x)
    assert res.adjusted.mean() == pytest.approx(y.mean(), rel=1e-12)
    assert res.covariate_mean == pytest.approx(x.mean(), rel=1e-12)
    assert res.n == y.size
    assert res.n_missing == 0


def brute_force_cuped_difference(
    y: list[float], x: list[float], arm: list[int]
) -> tuple[float, float]:
    """Difference of means (variant - control) of y and of y_cuped, by plain Python sums."""
    n = len(y)
    mx = sum(x) / n
    my = sum(y) / n
    sxy = sum((xi - mx) * (yi - my) for xi, yi in zip(x, y, strict=True))
    sxx = sum((xi - mx) ** 2 for xi in x)
    theta = sxy / sxx
    arm_means: dict[int, tuple[float, float]] = {}
    for a in (0, 1):
        ys = [yi for yi, ai in zip(y, arm, strict=True) if ai == a]
        xs = [xi for xi, ai in zip(x, arm, strict=True) if ai == a]
        arm_means[a] = (sum(ys) / len(ys), sum(xs) / len(xs))
    (y0, x0), (y1, x1) = arm_means[0], arm_means[1]
    plain = y1 - y0
    return plain, plain - theta * (x1 - x0)


@pytest.mark.parametrize("seed", [10, 11])
def test_arm_difference_matches_brute_force(seed: int) -> None:
    y, x, arm = experiment(seed, n=800)
    plain, expected = brute_force_cuped_difference(list(y), list(x), list(arm))
    res = cuped(y, x)
    got = res.adjusted[arm == 1].mean() - res.adjusted[arm == 0].mean()
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert y[arm == 1].mean() - y[arm == 0].mean() == pytest.approx(plain, rel=1e-9)


def test_pooled_adjustment_is_unbiased_and_reduces_variance() -> None:
    # Over many simulated experiments with true effect 0.5, the CUPED difference of
    # means centres on the effect and varies with about (1 - rho**2) of the variance.
    rho, effect = 0.7, 0.5
    plain, adjusted = [], []
    for seed in range(300):
        y, x, arm = experiment(1_000 + seed, n=400, rho=rho, effect=effect)
        adj = cuped(y, x).adjusted
        plain.append(y[arm == 1].mean() - y[arm == 0].mean())
        adjusted.append(adj[arm == 1].mean() - adj[arm == 0].mean())
    plain_a, adj_a = np.array(plain), np.array(adjusted)
    se = adj_a.std(ddof=1) / math.sqrt(adj_a.size)
    assert abs(adj_a.mean() - effect) < 4.0 * se
    ratio = adj_a.var(ddof=1) / plain_a.var(ddof=1)
    assert ratio == pytest.approx(1.0 - rho**2, abs=0.12)


# --------------------------------------------------------------------------------------
# Explicit theta
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("theta", [0.0, 0.25, -1.5, 3])
def test_explicit_theta_is_used_as_given(theta: float) -> None:
    y, x, _ = experiment(20)
    res = cuped(y, x, theta=theta)
    assert res.theta == theta
    assert res.theta_given
    np.testing.assert_allclose(res.adjusted, y - theta * (x - x.mean()), rtol=1e-12)
    direct = 1.0 - res.adjusted.var() / y.var()
    assert res.variance_reduction == pytest.approx(direct, rel=1e-9, abs=1e-12)
    assert res.correlation == pytest.approx(stats.pearsonr(x, y).statistic, rel=1e-10)


def test_explicit_theta_zero_leaves_values_and_bad_theta_can_increase_variance() -> None:
    y, x, _ = experiment(21)
    res = cuped(y, x, theta=0.0)
    np.testing.assert_array_equal(res.adjusted, y)
    assert res.variance_reduction == 0.0
    estimated = cuped(y, x).theta
    worse = cuped(y, x, theta=-3.0 * estimated)
    assert worse.variance_reduction < 0.0


def test_explicit_theta_from_an_earlier_period() -> None:
    y_old, x_old, _ = experiment(22)
    y_new, x_new, _ = experiment(23)
    theta = cuped(y_old, x_old).theta
    res = cuped(y_new, x_new, theta=theta)
    assert res.theta == theta
    assert res.covariate_mean == pytest.approx(x_new.mean())


def test_numpy_scalar_theta_is_accepted() -> None:
    y, x, _ = experiment(24, n=50)
    assert cuped(y, x, theta=np.float64(0.5)).theta == 0.5
    assert cuped(y, x, theta=np.int64(2)).theta == 2.0


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

_whole = st.integers(min_value=-1_000, max_value=1_000)


@st.composite
def paired(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of non-constant samples on a grid of eighths (no ill-conditioned data)."""
    n = draw(st.integers(min_value=3, max_value=40))
    x = np.array(draw(st.lists(_whole, min_size=n, max_size=n)), dtype=float) / 8.0
    y = np.array(draw(st.lists(_whole, min_size=n, max_size=n)), dtype=float) / 8.0
    assume(np.ptp(x) > 0 and np.ptp(y) > 0)
    return y, x


@given(data=paired(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_adjusted_is_permutation_equivariant(
    data: tuple[np.ndarray, np.ndarray], seed: int
) -> None:
    y, x = data
    perm = np.random.default_rng(seed).permutation(y.size)
    res = cuped(y, x)
    shuffled = cuped(y[perm], x[perm])
    scale = np.max(np.abs(y)) + abs(res.theta) * np.max(np.abs(x)) + 1.0
    np.testing.assert_allclose(shuffled.adjusted, res.adjusted[perm], rtol=0, atol=1e-12 * scale)
    assert shuffled.theta == pytest.approx(res.theta, rel=1e-9, abs=1e-12)


@given(
    data=paired(),
    shift_x=st.integers(min_value=-10_000, max_value=10_000),
    shift_y=st.integers(min_value=-10_000, max_value=10_000),
)
def test_theta_is_invariant_to_shifts(
    data: tuple[np.ndarray, np.ndarray], shift_x: int, shift_y: int
) -> None:
    y, x = data
    res = cuped(y, x)
    shifted = cuped(y + shift_y, x + shift_x)
    assert shifted.theta == pytest.approx(res.theta, rel=1e-9, abs=1e-9)
    assert shifted.variance_reduction == pytest.approx(res.variance_reduction, abs=1e-9)
    np.testing.assert_allclose(shifted.adjusted - shift_y, res.adjusted, rtol=0, atol=1e-7)


@given(data=paired())
def test_variance_reduction_is_between_zero_and_one(data: tuple[np.ndarray, np.ndarray]) -> None:
    y, x = data
    res = cuped(y, x)
    assert 0.0 <= res.variance_reduction <= 1.0
    assert -1.0 <= res.correlation <= 1.0
    assert res.variance_reduction == pytest.approx(res.correlation**2)


@given(data=paired(), scale=st.sampled_from([1e-6, 0.5, 3.0, 1e6]))
def test_theta_scales_with_the_units(data: tuple[np.ndarray, np.ndarray], scale: float) -> None:
    y, x = data
    res = cuped(y, x)
    assert cuped(y * scale, x).theta == pytest.approx(res.theta * scale, rel=1e-9, abs=1e-300)
    assert cuped(y, x * scale).theta == pytest.approx(res.theta / scale, rel=1e-9, abs=1e-300)


# --------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------


def test_pandas_series_and_lists_give_the_same_result() -> None:
    y, x, _ = experiment(30, n=100)
    ref = cuped(y, x)
    idx = pd.RangeIndex(100, 200)
    from_series = cuped(pd.Series(y, index=idx), pd.Series(x, index=idx))
    from_lists = cuped(list(y), list(x))
    from_ints = cuped(np.round(y).astype(int), np.round(x).astype(int))
    for res in (from_series, from_lists):
        np.testing.assert_array_equal(res.adjusted, ref.adjusted)
        assert res.theta == ref.theta
    assert isinstance(from_ints.adjusted, np.ndarray)
    assert from_ints.adjusted.dtype == np.float64


def test_inputs_are_not_mutated_and_result_is_read_only() -> None:
    y, x, _ = experiment(31, n=100)
    y[3] = np.nan
    y_copy, x_copy = y.copy(), x.copy()
    series = pd.Series(x)
    res = cuped(y, series, nan_policy="omit")
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(x, x_copy)
    pd.testing.assert_series_equal(series, pd.Series(x_copy))
    assert y.flags.writeable
    assert not np.shares_memory(res.adjusted, y)
    with pytest.raises(ValueError, match="read-only"):
        res.adjusted[0] = 1.0
    # Also in the degenerate case, where adjusted equals the values.
    with pytest.warns(DegenerateDataWarning):
        degenerate = cuped(y_copy, np.ones_like(y_copy), nan_policy="omit")
    assert not np.shares_memory(degenerate.adjusted, y_copy)
    assert y_copy.flags.writeable


def test_length_mismatch() -> None:
    with pytest.raises(ValueError, match=r"same length.*got 4 and 3"):
        cuped([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("values", "covariate", "name"),
    [
        (["a", "b", "c"], [1.0, 2.0, 3.0], "values"),
        ([1.0, 2.0, 3.0], np.array(["x", "y", "z"]), "covariate"),
        ([True, False, True], [1.0, 2.0, 3.0], "values"),
        ([1.0, 2.0, 3.0], pd.Series([True, False, True]), "covariate"),
        (3.0, [1.0, 2.0, 3.0], "values"),
        ([1.0, 2.0, 3.0], pd.DataFrame({"a": [1.0, 2.0, 3.0]}), "covariate"),
    ],
)
def test_non_numeric_input_is_refused(values: object, covariate: object, name: str) -> None:
    with pytest.raises(TypeError, match=rf"^{name} must"):
        cuped(values, covariate)  # type: ignore[arg-type]


def test_two_dimensional_input_is_refused() -> None:
    with pytest.raises(ValueError, match=r"covariate must be one-dimensional.*\(3, 2\)"):
        cuped([1.0, 2.0, 3.0], np.ones((3, 2)))


def test_misaligned_series_are_refused() -> None:
    y = pd.Series([1.0, 2.0, 4.0], index=[0, 1, 2])
    x = pd.Series([1.0, 3.0, 2.0], index=[2, 1, 0])
    with pytest.raises(ValueError, match="different indexes"):
        cuped(y, x)
    res = cuped(y, x.reindex(y.index))
    assert res.theta == pytest.approx(cuped([1.0, 2.0, 4.0], [2.0, 3.0, 1.0]).theta)


@pytest.mark.parametrize(("position", "name"), [(0, "values"), (1, "covariate")])
def test_nan_with_raise_names_argument_and_count(position: int, name: str) -> None:
    y, x, _ = experiment(32, n=20)
    arrays = [y.copy(), x.copy()]
    arrays[position][[2, 5, 7]] = np.nan
    with pytest.raises(ValueError, match=rf"^{name} holds 3 missing values.*'raise'"):
        cuped(arrays[0], arrays[1], nan_policy="raise")


@pytest.mark.parametrize("nan_policy", ["raise", "omit", "propagate"])
def test_infinite_values_are_always_refused(nan_policy: str) -> None:
    with pytest.raises(ValueError, match=r"^covariate must hold finite values; got 1 infinite"):
        cuped([1.0, 2.0, 3.0], [1.0, np.inf, 3.0], nan_policy=nan_policy)  # type: ignore[arg-type]


def test_omit_keeps_positions() -> None:
    y, x, _ = experiment(33, n=200)
    y[[0, 10]] = np.nan
    x[[10, 50, 199]] = np.nan
    res = cuped(y, x, nan_policy="omit")
    dropped = np.zeros(200, dtype=bool)
    dropped[[0, 10, 50, 199]] = True
    assert res.adjusted.shape == (200,)
    np.testing.assert_array_equal(np.isnan(res.adjusted), dropped)
    assert (res.n, res.n_missing) == (196, 4)
    complete = cuped(y[~dropped], x[~dropped])
    np.testing.assert_array_equal(res.adjusted[~dropped], complete.adjusted)
    assert res.theta == complete.theta
    assert res.covariate_mean == complete.covariate_mean
    assert res.variance_reduction == complete.variance_reduction


def test_omit_with_pandas_missing_values() -> None:
    y = pd.Series([4, 3, None, 8], dtype="Int64")
    x = pd.Series([1.0, 2.0, 5.0, 3.0])
    res = cuped(y, x, nan_policy="omit")
    np.testing.assert_array_equal(res.adjusted, [6.0, 3.0, np.nan, 6.0])
    assert res.theta == 2.0


@pytest.mark.parametrize("nan_policy", ["drop", "ignore", None])
def test_bad_nan_policy(nan_policy: object) -> None:
    with pytest.raises(ValueError, match=r"nan_policy must be one of 'omit', 'raise', 'propagate'"):
        cuped([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], nan_policy=nan_policy)  # type: ignore[arg-type]


@pytest.mark.parametrize("theta", ["0.5", True, [0.5]])
def test_theta_of_wrong_type(theta: object) -> None:
    with pytest.raises(TypeError, match=r"^theta must be None"):
        cuped([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], theta=theta)  # type: ignore[arg-type]


@pytest.mark.parametrize("theta", [math.nan, math.inf, -math.inf])
def test_theta_not_finite(theta: float) -> None:
    with pytest.raises(ValueError, match=r"^theta must be a finite"):
        cuped([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], theta=theta)


def test_theta_overflow_is_an_error() -> None:
    with pytest.raises(ValueError, match="overflows"):
        cuped([1.0, 2.0, 4.0], [0.0, 1e-320, 3e-320])


# --------------------------------------------------------------------------------------
# Degenerate data
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("theta", [None, 0.7])
def test_constant_covariate_warns_and_leaves_values(theta: float | None) -> None:
    y = np.array([1.0, 4.0, 2.0, 8.0])
    with pytest.warns(DegenerateDataWarning, match=r"constant covariate \(0\.1\)"):
        res = cuped(y, [0.1, 0.1, 0.1, 0.1], theta=theta)
    assert res.theta == 0.0
    assert not res.theta_given
    np.testing.assert_array_equal(res.adjusted, y)
    assert math.isnan(res.correlation)
    assert res.variance_reduction == 0.0
    assert res.covariate_mean == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("values", "covariate", "n"),
    [([], [], 0), ([5.0], [2.0], 1), ([5.0, np.nan, 3.0], [np.nan, 1.0, np.nan], 0)],
)
def test_fewer_than_two_units_warn(values: list[float], covariate: list[float], n: int) -> None:
    with pytest.warns(DegenerateDataWarning, match=rf"fewer than 2 units \({n}\)"):
        res = cuped(values, covariate, nan_policy="omit")
    assert res.theta == 0.0
    assert res.n == n
    y, x = np.asarray(values, dtype=float), np.asarray(covariate, dtype=float)
    np.testing.assert_array_equal(res.adjusted, np.where(np.isnan(x), np.nan, y))
    assert math.isnan(res.variance_reduction)
    assert math.isnan(res.correlation)
    if n == 0:
        assert math.isnan(res.covariate_mean)


def test_constant_values_warn_with_nan_correlation() -> None:
    x = np.array([1.0, 2.0, 3.0, 5.0])
    with pytest.warns(DegenerateDataWarning, match="values are constant"):
        res = cuped(np.full(4, 7.0), x)
    assert res.theta == 0.0
    np.testing.assert_array_equal(res.adjusted, np.full(4, 7.0))
    assert math.isnan(res.correlation)
    assert math.isnan(res.variance_reduction)


# --------------------------------------------------------------------------------------
# The result object
# --------------------------------------------------------------------------------------


def test_result_text() -> None:
    res = cuped([4.0, 3.0, np.nan, 8.0], [1.0, 2.0, 5.0, 3.0], nan_policy="omit")
    assert isinstance(res, CupedResult)
    text = str(res)
    assert text == repr(res)
    assert text.startswith("CUPED · theta = 2 (estimated)")
    assert "variance reduction 57.1%" in text
    assert "n = 3 (1 missing omitted)" in text
    given_text = str(cuped([4.0, 3.0, 8.0], [1.0, 2.0, 3.0], theta=1.5))
    assert "theta = 1.5 (given)" in given_text
    assert "missing" not in given_text


def test_result_is_frozen() -> None:
    res = cuped([4.0, 3.0, 8.0], [1.0, 2.0, 3.0])
    with pytest.raises(AttributeError):
        res.theta = 1.0  # type: ignore[misc]


# --------------------------------------------------------------------------------------
# CUPED inside the comparisons
# --------------------------------------------------------------------------------------


def test_compare_means_with_covariates_is_welch_on_adjusted_values() -> None:
    import cxlib as cx

    values, pre, arm = experiment(11)
    adjusted = cuped(values, pre).adjusted
    control, variant = arm == 0, arm == 1
    result = cx.ab.compare_means(
        values[control], values[variant], covariates=(pre[control], pre[variant])
    )
    welch = stats.ttest_ind(adjusted[variant], adjusted[control], equal_var=False)
    assert result.p_value == pytest.approx(welch.pvalue, rel=1e-9)
    low, high = welch.confidence_interval()
    assert result.difference_ci == pytest.approx((low, high), rel=1e-9)
    plain = cx.ab.compare_means(values[control], values[variant])
    assert result.se < plain.se  # the covariate explains about half the variance


def test_compare_covariate_estimates_theta_per_segment() -> None:
    import cxlib as cx

    frames = []
    for seed, segment in ((21, "north"), (22, "south")):
        values, pre, arm = experiment(seed, n=1_500, rho=0.4 if segment == "north" else 0.8)
        frames.append(
            pd.DataFrame(
                {"segment": segment, "arm": np.where(arm == 1, "B", "A"), "y": values, "x": pre}
            )
        )
    data = pd.concat(frames, ignore_index=True)
    table = cx.ab.compare(data, group="arm", control="A", metric="y", by="segment", covariate="x")
    for _, row in table.iterrows():
        part = data[data.segment == row["segment"]]
        adjusted = cuped(part.y.to_numpy(), part.x.to_numpy()).adjusted
        a, b = adjusted[(part.arm == "A").to_numpy()], adjusted[(part.arm == "B").to_numpy()]
        welch = stats.ttest_ind(b, a, equal_var=False)
        assert row["difference"] == pytest.approx(b.mean() - a.mean(), rel=1e-9)
        assert row["p_value"] == pytest.approx(welch.pvalue, rel=1e-8)


def test_compare_covariate_needs_a_per_unit_mean() -> None:
    import cxlib as cx

    data = pd.DataFrame({"arm": ["A", "B"], "s": [1, 2], "n": [10, 10]})
    with pytest.raises(ValueError, match="covariate"):
        cx.ab.compare(
            data, group="arm", control="A", metric=cx.ab.Proportion("s", "n"), covariate="n"
        )
