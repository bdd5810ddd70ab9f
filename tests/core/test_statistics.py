"""Centred sufficient statistics: exact for values far from zero, and mergeable.

References: numpy's two-pass ``np.var(ddof=1)`` / ``np.cov`` and scipy's Welch test on the
same floats. Values ``offset + z`` are compared with ``z' = x - offset`` (the same
floats shifted to near zero, exactly): variances, co-moments and standard errors agree
to ~1e-9 relative; means and differences of means agree up to the spacing of floats
at the offset (``np.spacing(offset)``), which no method can beat.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import cxlib as cx
from cxlib.core.statistics import CentredMoments, ratio_estimates, ratio_variance, summarise

OFFSETS = [0.0, 1e6, 1e9, 1e12]


def offset_data(offset: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Values ``offset + U(0, 1)`` and the same floats shifted to near zero (exactly)."""
    x = offset + np.random.default_rng(seed).uniform(0.0, 1.0, n)
    return x, x - offset


def brute_moments(columns: np.ndarray, weights: np.ndarray | None = None):
    """Weight sum, means and co-moments of one group, numpy two-pass."""
    w = np.ones(columns.shape[1]) if weights is None else weights
    mean = np.array([np.average(c, weights=w) for c in columns])
    dev = columns - mean[:, None]
    return w.sum(), mean, (dev * w) @ dev.T


# ---------------------------------------------------------------------------------------
# The engine: summarise, regroup, merge
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", OFFSETS)
def test_variance_equals_numpy_two_pass_at_any_offset(offset: float) -> None:
    x, z = offset_data(offset, 100_000, 1)
    m = summarise(x)
    assert m.n[0] == x.size
    np.testing.assert_allclose(m.variance()[0], np.var(z, ddof=1), rtol=1e-9)
    assert abs(m.mean[0, 0] - offset - np.mean(z)) <= np.spacing(max(offset, 1.0))
    if offset <= 1e9:  # numpy's own two-pass on the raw floats is exact enough up to here
        np.testing.assert_allclose(m.variance()[0], np.var(x, ddof=1), rtol=1e-9)


@pytest.mark.parametrize("offset", OFFSETS)
def test_comoments_equal_numpy_cov_per_group(offset: float) -> None:
    rng = np.random.default_rng(2)
    n, groups = 30_000, 7
    codes = rng.integers(0, groups, n)
    y = offset + rng.normal(0.0, 1.0, n)
    x = offset / 2 + 0.6 * (y - offset) + rng.normal(0.0, 0.5, n)
    m = summarise(np.stack([y, x]), codes, groups)
    for g in range(groups):
        sel = codes == g
        shifted = np.stack([y[sel] - offset, x[sel] - offset / 2])  # exact
        np.testing.assert_allclose(m.comoment[g] / (sel.sum() - 1), np.cov(shifted), rtol=1e-9)
        np.testing.assert_allclose(
            m.mean[g] - [offset, offset / 2],
            shifted.mean(axis=1),
            rtol=0,
            atol=np.spacing(max(offset, 1.0)) + 1e-14,
        )


def test_weighted_moments_equal_the_weighted_two_pass() -> None:
    rng = np.random.default_rng(3)
    n, groups = 5_000, 4
    codes = rng.integers(0, groups, n)
    columns = np.stack([1e9 + rng.normal(0, 1, n), rng.gamma(2.0, 3.0, n)])
    weights = rng.uniform(0.1, 5.0, n)
    m = summarise(columns, codes, groups, weights=weights)
    for g in range(groups):
        sel = codes == g
        w, mean, c = brute_moments(columns[:, sel] - [[1e9], [0.0]], weights[sel])
        assert m.n[g] == sel.sum()
        np.testing.assert_allclose(m.weight[g], w, rtol=1e-12)
        np.testing.assert_allclose(m.mean[g] - [1e9, 0.0], mean, rtol=1e-14, atol=2.5e-7)
        np.testing.assert_allclose(m.comoment[g], c, rtol=1e-9)


def test_constant_and_empty_groups_are_exact() -> None:
    x = np.array([0.1] * 7 + [1e12 + 0.5] * 3)
    codes = np.array([0] * 7 + [2] * 3)
    m = summarise(x, codes, 3)
    np.testing.assert_array_equal(m.n, [7, 0, 3])
    assert m.mean[0, 0] == 0.1
    assert m.mean[2, 0] == 1e12 + 0.5
    assert np.isnan(m.mean[1, 0])
    np.testing.assert_array_equal(m.m2(), [0.0, 0.0, 0.0])


def test_whole_numbers_give_correctly_rounded_means() -> None:
    m = summarise(np.array([0.0, 0.0, 100.0, 1.0, 2.0, 2.0]), np.array([0, 0, 0, 1, 1, 1]), 2)
    np.testing.assert_array_equal(m.mean[:, 0], [100.0 / 3, 5.0 / 3])


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 300),
    k=st.integers(1, 12),
    offset=st.sampled_from(OFFSETS),
    groups=st.integers(1, 4),
)
def test_merge_of_random_partitions_equals_the_whole(seed, n, k, offset, groups) -> None:
    rng = np.random.default_rng(seed)
    columns = np.stack([offset + rng.normal(0, 1, n), rng.exponential(2.0, n)])
    codes = rng.integers(0, groups, n)
    part = rng.integers(0, k, n)
    whole = summarise(columns, codes, groups)
    # k partitions of the rows, each summarised over the same groups ...
    pieces = [summarise(columns[:, part == p], codes[part == p], groups) for p in range(k)]
    merged = pieces[0]
    for piece in pieces[1:]:
        merged = merged + piece  # ... merged pairwise,
    stacked = CentredMoments(  # ... and all at once.
        np.concatenate([p.n for p in pieces]),
        np.concatenate([p.weight for p in pieces]),
        np.concatenate([p.mean for p in pieces]),
        np.concatenate([p.comoment for p in pieces]),
    ).regroup(np.tile(np.arange(groups), k), groups)
    # Merging can be no better than the part means it merges: each is rounded to the
    # spacing of floats at its size, which moves the co-moments by about
    # 2 n_p |mean_p - mean| spacing(mean_p) (negligible near zero, not at 1e12).
    for result in (merged, stacked):
        np.testing.assert_array_equal(result.n, whole.n)
        np.testing.assert_allclose(
            result.mean, whole.mean, rtol=1e-14, atol=1e-14 + 2 * np.spacing(offset)
        )
        for g in range(groups):
            slack = np.zeros((2, 2))
            for p in pieces:
                if p.n[g] > 0:
                    d, e = np.abs(p.mean[g] - whole.mean[g]), np.spacing(np.abs(p.mean[g]))
                    slack += p.n[g] * (np.outer(e, d) + np.outer(d, e) + np.outer(e, e))
            tol = 1e-9 * np.abs(whole.comoment[g]) + 4 * slack + 1e-300
            assert (np.abs(result.comoment[g] - whole.comoment[g]) <= tol).all()


def exact_ratio_variance(y: np.ndarray, x: np.ndarray) -> float:
    """The clustered delta variance in exact rational arithmetic."""
    ys, xs = [Fraction(v) for v in y], [Fraction(v) for v in x]
    r = sum(ys) / sum(xs)
    resid = sum((a - r * b) ** 2 for a, b in zip(ys, xs, strict=True))
    n = len(ys)
    return float(resid * n / ((n - 1) * sum(xs) ** 2))


@pytest.mark.parametrize("offset", OFFSETS)
def test_ratio_estimates_keep_the_residuals_of_nearly_proportional_data(offset: float) -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, 400).astype(float)
    y = (offset + rng.integers(0, 5000, 400) / 256.0) * x  # exact floats
    _, ratio, variance = ratio_estimates(y, x)
    # At 1e12 the residuals y - r x are rounded to the spacing of floats at 3e12.
    rtol = 1e-9 if offset <= 1e9 else 1e-5
    np.testing.assert_allclose(variance[0], exact_ratio_variance(y, x), rtol=rtol)
    np.testing.assert_allclose(
        ratio[0], float(Fraction(math.fsum(y)) / Fraction(math.fsum(x))), rtol=1e-15
    )


def test_ratio_variance_from_comoments_and_proportional_data() -> None:
    rng = np.random.default_rng(6)
    x = rng.integers(0, 4, 500).astype(float)
    y = rng.normal(30.0, 10.0, 500) * x + rng.normal(0, 5, 500)
    m = summarise(np.stack([y, x]))
    np.testing.assert_allclose(ratio_variance(m)[0], exact_ratio_variance(y, x), rtol=1e-9)
    # One price for every unit: the residual is zero, not rounding noise.
    for variance in (
        ratio_variance(summarise(np.stack([50.0 * x, x])))[0],
        ratio_estimates(50.0 * x, x)[2][0],
    ):
        assert variance == 0.0


# ---------------------------------------------------------------------------------------
# MeanStats and RatioStats
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", OFFSETS)
def test_mean_stats_from_values_and_from_summary(offset: float) -> None:
    x, z = offset_data(offset, 10_000, 6)
    stats = cx.ab.MeanStats.from_values(x)
    np.testing.assert_allclose(stats.var, np.var(z, ddof=1), rtol=1e-9)
    np.testing.assert_allclose(stats.se, stats_se(z), rtol=1e-9)
    again = cx.ab.MeanStats(n=x.size, mean=offset + float(np.mean(z)), var=float(np.var(z, ddof=1)))
    np.testing.assert_allclose(again.var, stats.var, rtol=1e-12)


def stats_se(x: np.ndarray) -> float:
    return float(stats.sem(x))


@pytest.mark.parametrize("offset", OFFSETS)
def test_mean_stats_merge_equals_the_whole(offset: float) -> None:
    x, _ = offset_data(offset, 3_001, 7)
    parts = [cx.ab.MeanStats.from_values(p) for p in np.array_split(x, 5)]
    single = cx.ab.MeanStats(n=1, mean=float(x[0]))
    merged = parts[0].merge(*parts[1:])
    whole = cx.ab.MeanStats.from_values(x)
    assert merged.n == whole.n
    assert abs(merged.mean - whole.mean) <= 2 * np.spacing(max(offset, 1.0))
    # Up to the rounding of the part means (see the merge property test).
    slack = sum(p.n * abs(p.mean - whole.mean) * np.spacing(abs(p.mean)) for p in parts) / (
        whole.n - 1
    )
    assert abs(merged.var - whole.var) <= 1e-9 * whole.var + 4 * slack
    with_one = parts[0] + single
    z = x - offset
    np.testing.assert_allclose(
        with_one.var,
        np.var(np.append(np.array_split(z, 5)[0], z[0]), ddof=1),
        rtol=1e-8 if offset <= 1e9 else 1e-6,  # the part means are rounded to 1e-4 at 1e12
    )


def test_from_sums_warns_when_the_sums_cannot_hold_the_variance() -> None:
    x, _ = offset_data(1e9, 100_000, 8)
    with pytest.warns(cx.PrecisionWarning, match="significant digits.*mean=.*var="):
        cx.ab.MeanStats.from_sums(n=x.size, sum=float(x.sum()), sum_squares=float(x @ x))
    benign = np.random.default_rng(9).exponential(50.0, 10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats_ = cx.ab.MeanStats.from_sums(benign.size, float(benign.sum()), float(benign @ benign))
    np.testing.assert_allclose(stats_.var, np.var(benign, ddof=1), rtol=1e-9)


def test_integer_sums_are_used_exactly() -> None:
    cents = np.random.default_rng(10).integers(10**12, 10**12 + 1000, 5_000)
    n, s, ss = len(cents), int(cents.sum()), sum(int(c) * int(c) for c in cents)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = cx.ab.MeanStats.from_sums(n, s, ss)
    exact = Fraction(ss * n - s * s, n * (n - 1))
    assert result.var == float(exact)
    np.testing.assert_allclose(result.var, np.var((cents - 10**12).astype(float), ddof=1))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": -1, "mean": 1.0, "var": 1.0}, ValueError, "n must be a whole number"),
        ({"n": 2.5, "mean": 1.0, "var": 1.0}, ValueError, "n must be a whole number"),
        ({"n": True, "mean": 1.0, "var": 1.0}, TypeError, "n must be a real number"),
        ({"n": 5, "mean": math.nan, "var": 1.0}, ValueError, "mean must be finite"),
        ({"n": 5, "mean": 1.0, "var": -0.5}, ValueError, "var must be finite and >= 0"),
        ({"n": 5, "mean": 1.0}, ValueError, "var must be finite"),
        ({"n": 1, "mean": 1.0, "var": 3.0}, ValueError, "var of fewer than 2"),
        ({"n": 0, "mean": 1.0}, ValueError, "mean must be NaN when n = 0"),
    ],
)
def test_impossible_mean_summaries_raise(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        cx.ab.MeanStats(**kwargs)


def test_single_unit_and_empty_summaries() -> None:
    one = cx.ab.MeanStats(n=1, mean=4.0)
    assert math.isnan(one.var)
    assert math.isnan(one.se)
    assert cx.ab.MeanStats(n=1, mean=4.0, var=0.0) == one
    empty = cx.ab.MeanStats(n=0, mean=math.nan)
    assert one + empty == one
    with pytest.raises(ValueError, match="n >= 2"):
        cx.ab.compare_means(one, cx.ab.MeanStats(n=5, mean=1.0, var=1.0))


@pytest.mark.parametrize(
    ("sums", "match"),
    [
        ((10, 50.0, 100.0), "sum_squares must be at least sum\\*\\*2 / n"),
        ((10, 50.0, -1.0), "sum_squares must be >= 0"),
        ((-3, 50.0, 400.0), "n must be a whole number"),
        ((10, math.inf, 400.0), "sum must be finite"),
    ],
)
def test_impossible_sums_raise(sums, match) -> None:
    with pytest.raises(ValueError, match=match):
        cx.ab.MeanStats.from_sums(*sums)


def test_old_positional_sums_are_refused() -> None:
    with pytest.raises(TypeError):
        cx.ab.MeanStats(10, 50.0, 400.0)  # type: ignore[misc]


def ratio_data(offset: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Revenue ``(offset + q) x`` for ``x`` orders, exact floats (q on a grid of 1/256)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 4, n).astype(float)
    return (offset + rng.integers(2560, 7680, n) / 256.0) * x, x


@pytest.mark.parametrize("offset", OFFSETS)
def test_ratio_stats_from_values_equal_numpy(offset: float) -> None:
    rng = np.random.default_rng(11)
    x = rng.integers(1, 4, 5_000).astype(float)
    y = offset + rng.normal(20.0, 5.0, 5_000) + 3.0 * x  # an offset, not proportional
    stats_ = cx.ab.RatioStats.from_values(y, x)
    cov = np.cov(y - offset, x)
    np.testing.assert_allclose(
        [stats_.numerator_var, stats_.denominator_var, stats_.covariance],
        [cov[0, 0], cov[1, 1], cov[0, 1]],
        rtol=1e-9,
    )
    np.testing.assert_allclose(stats_.variance, exact_ratio_variance(y, x), rtol=1e-9)
    parts = [
        cx.ab.RatioStats.from_values(a, b)
        for a, b in zip(np.array_split(y, 3), np.array_split(x, 3), strict=True)
    ]
    merged = parts[0] + parts[1] + parts[2]
    # Up to the rounding of the part means, which at 1e12 is 1e-4 (see the merge test).
    rtol = 1e-9 if offset <= 1e9 else 1e-6
    np.testing.assert_allclose(merged.covariance, stats_.covariance, rtol=rtol)
    np.testing.assert_allclose(merged.variance, stats_.variance, rtol=rtol)


@pytest.mark.parametrize("offset", [1e6, 1e9, 1e12])
def test_ratio_stats_warn_when_they_cannot_hold_a_proportional_ratio(offset: float) -> None:
    y, x = ratio_data(offset, 2_000, 23)
    with pytest.warns(cx.PrecisionWarning, match="nearly proportional"):
        cx.ab.RatioStats.from_values(y, x)


def test_ratio_from_sums_warns_and_refuses_impossible_sums() -> None:
    y, x = ratio_data(1e9, 50_000, 12)
    sums = {
        "n": y.size,
        "numerator": float(y.sum()),
        "denominator": float(x.sum()),
        "numerator_squares": float(y @ y),
        "denominator_squares": float(x @ x),
        "cross": float(x @ y),
    }
    with pytest.warns(cx.PrecisionWarning, match="ratio's variance"):
        cx.ab.RatioStats.from_sums(**sums)
    with pytest.raises(ValueError, match="cross"):
        cx.ab.RatioStats.from_sums(4, 10.0, 4.0, 30.0, 6.0, 40.0)
    with pytest.raises(ValueError, match="covariance must not exceed"):
        cx.ab.RatioStats(
            n=5,
            numerator_mean=1.0,
            denominator_mean=1.0,
            numerator_var=1.0,
            denominator_var=1.0,
            covariance=2.0,
        )


# ---------------------------------------------------------------------------------------
# Comparisons at large offsets
# ---------------------------------------------------------------------------------------


def welch(c: np.ndarray, v: np.ndarray):
    # Welch's t is invariant to a common shift: the reference runs on values near zero,
    # where every scipy version is exact (scipy 1.16 loses digits at an offset of 1e9).
    shift = float(np.median(c))
    res = stats.ttest_ind(v - shift, c - shift, equal_var=False)
    return float(res.statistic), float(res.pvalue), res.confidence_interval(0.95)


def test_the_reported_case_gives_scipys_numbers() -> None:
    rng = np.random.default_rng(0)
    a = 1e9 + rng.uniform(0, 1, 1_000_000)
    b = 1e9 + rng.uniform(0, 1, 1_000_000) + 0.001
    t, p, ci = welch(a, b)
    # Each arm's mean is a float near 1e9, held to its spacing there (1.2e-7): the
    # difference of 0.001 between them is known to that absolute precision, no better.
    rtol = 4 * np.spacing(1e9) / 0.001
    for arms in ((a, b), (cx.ab.MeanStats.from_values(a), cx.ab.MeanStats.from_values(b))):
        res = cx.ab.compare_means(*arms)
        np.testing.assert_allclose([res.statistic, res.p_value], [t, p], rtol=rtol)
        np.testing.assert_allclose(res.difference_ci, [ci.low, ci.high], rtol=rtol)
    frame = pd.DataFrame({"arm": np.repeat(["A", "B"], a.size), "y": np.concatenate([a, b])})
    row = cx.ab.compare(frame, group="arm", control="A", metric="y").iloc[0]
    np.testing.assert_allclose([row.statistic, row.p_value], [t, p], rtol=rtol)


@pytest.mark.parametrize("offset", OFFSETS)
def test_compare_means_is_invariant_to_the_offset(offset: float) -> None:
    c, c0 = offset_data(offset, 20_000, 13)
    v, v0 = offset_data(offset, 20_000, 14)
    v, v0 = v + 0.25, v0 + 0.25
    res, ref = cx.ab.compare_means(c, v), cx.ab.compare_means(c0, v0)
    np.testing.assert_allclose(res.se, ref.se, rtol=1e-9)
    tol = 4 * np.spacing(max(offset, 1.0))
    assert abs(res.difference - ref.difference) <= tol
    assert abs(res.statistic - ref.statistic) <= tol / ref.se + 1e-9 * abs(ref.statistic)
    t, _, _ = welch(c, v)
    assert abs(res.statistic - t) <= tol / ref.se + 1e-9 * abs(t)


@pytest.mark.parametrize("offset", [1e6, 1e9])
def test_bootstrap_of_means_is_invariant_to_the_offset(offset: float) -> None:
    c, c0 = offset_data(offset, 3_000, 15)
    v, v0 = offset_data(offset, 3_000, 16)
    kw = {"ci_method": "bca", "n_resamples": 999, "rng": 3}
    res, ref = cx.ab.compare_means(c, v, **kw), cx.ab.compare_means(c0, v0, **kw)
    tol = 4 * np.spacing(offset)
    np.testing.assert_allclose(res.difference_ci, ref.difference_ci, rtol=0, atol=tol)


@pytest.mark.parametrize("offset", OFFSETS)
def test_compare_ratios_is_invariant_to_the_offset(offset: float) -> None:
    y, x = ratio_data(offset, 4_000, 17)
    y2, x2 = ratio_data(offset, 4_000, 18)
    y0, y20 = y - offset * x, y2 - offset * x2
    res = cx.ab.compare_ratios((y, x), (y2, x2))
    ref = cx.ab.compare_ratios((y0, x), (y20, x2))
    # The residuals y - r x are rounded to the spacing of floats at offset * x.
    np.testing.assert_allclose(res.se, ref.se, rtol=1e-9 if offset < 1e12 else 1e-6)
    assert abs(res.difference - ref.difference) <= 8 * np.spacing(max(offset, 1.0))
    for arm, ref_arm in zip(res.estimates, ref.estimates, strict=True):
        np.testing.assert_allclose(arm.se, ref_arm.se, rtol=1e-9 if offset < 1e12 else 1e-6)


@pytest.mark.parametrize("offset", OFFSETS)
def test_grouped_frame_is_invariant_to_the_offset(offset: float) -> None:
    rng = np.random.default_rng(19)
    n = 24_000
    z = rng.uniform(0, 1, n)
    frame = pd.DataFrame(
        {
            "arm": rng.choice(["A", "B", "C"], n),
            "segment": rng.choice(["web", "app", "store", "phone"], n),
            "y": offset + z,
        }
    )
    frame["y"] += np.where(frame.arm == "B", 0.05, 0.0)
    shifted = frame.assign(y=frame.y - offset)
    res = cx.ab.compare(frame, group="arm", control="A", metric="y", by="segment")
    ref = cx.ab.compare(shifted, group="arm", control="A", metric="y", by="segment")
    np.testing.assert_allclose(res.se, ref.se, rtol=1e-9)
    tol = 4 * np.spacing(max(offset, 1.0)) + 1e-14
    np.testing.assert_allclose(res.difference, ref.difference, rtol=0, atol=tol)
    for _, row in res.iterrows():
        sel = frame.segment == row.segment
        c = frame.y[sel & (frame.arm == "A")].to_numpy()
        v = frame.y[sel & (frame.arm == row.arm)].to_numpy()
        t, _, _ = welch(c, v)
        assert abs(row.statistic - t) <= tol / row.se + 1e-9 * abs(t)
    # Summaries per cell (n, mean, var) as a warehouse exports them give the same rows
    # (computed on the near-zero floats: pandas' own var loses digits at 1e12).
    cells = shifted.groupby(["segment", "arm"], as_index=False).y.agg(["size", "mean", "var"])
    cells["mean"] += offset
    summed = cx.ab.compare(
        cells,
        group="arm",
        control="A",
        metric=cx.ab.Mean(n="size", mean="mean", var="var"),
        by="segment",
    )
    merged = res.merge(summed, on=["segment", "arm"], suffixes=("", "_summed"))
    np.testing.assert_allclose(merged.se_summed, merged.se, rtol=1e-9)
    np.testing.assert_allclose(merged.difference_summed, merged.difference, rtol=0, atol=tol)


def test_summed_frame_rows_warn_when_sums_lose_the_variance() -> None:
    rng = np.random.default_rng(20)
    frame = pd.DataFrame(
        {"arm": np.repeat(["A", "B"], 5_000), "y": 1e9 + rng.uniform(0, 1, 10_000)}
    )
    sums = (
        frame.assign(sq=frame.y**2, one=1.0)
        .groupby("arm", as_index=False)
        .agg(n=("one", "sum"), s=("y", "sum"), ss=("sq", "sum"))
    )
    with pytest.warns(cx.PrecisionWarning, match="mean=.*var="):
        cx.ab.compare(
            sums, group="arm", control="A", metric=cx.ab.Mean(n="n", sum="s", sum_squares="ss")
        )
    sums.loc[0, "ss"] = 0.5 * sums.loc[0, "ss"]
    with pytest.raises(ValueError, match=r"'ss'.*variance cannot be negative"):
        cx.ab.compare(
            sums, group="arm", control="A", metric=cx.ab.Mean(n="n", sum="s", sum_squares="ss")
        )


@pytest.mark.parametrize("offset", OFFSETS)
def test_cuped_in_frames_is_invariant_to_the_offset(offset: float) -> None:
    rng = np.random.default_rng(21)
    n = 20_000
    pre = rng.gamma(2.0, 1.0, n)
    arm = rng.choice(["A", "B"], n)
    segment = rng.choice(["x", "y"], n)
    y = 0.8 * pre + 0.1 * (arm == "B") + rng.normal(0, 0.5, n)
    frame = pd.DataFrame({"arm": arm, "segment": segment, "y": offset + y, "pre": offset + pre})
    shifted = frame.assign(y=frame.y - offset, pre=frame.pre - offset)
    kw = {"group": "arm", "control": "A", "metric": "y", "by": "segment", "covariate": "pre"}
    res, ref = cx.ab.compare(frame, **kw), cx.ab.compare(shifted, **kw)
    np.testing.assert_allclose(res.se, ref.se, rtol=1e-9)
    tol = 8 * np.spacing(max(offset, 1.0))
    np.testing.assert_allclose(res.difference, ref.difference, rtol=0, atol=tol)
    # Against numpy: theta per segment, then Welch on the adjusted values.
    for _, row in ref.iterrows():
        seg = shifted[shifted.segment == row.segment]
        theta = np.cov(seg.y, seg.pre)[0, 1] / np.var(seg.pre, ddof=1)
        adjusted = seg.y - theta * (seg.pre - seg.pre.mean())
        t, _, _ = welch(adjusted[seg.arm == "A"].to_numpy(), adjusted[seg.arm == "B"].to_numpy())
        np.testing.assert_allclose(row.statistic, t, rtol=1e-9)


@pytest.mark.parametrize("offset", [0.0, 1e6, 1e9])
def test_average_order_value_is_invariant_to_the_offset(offset: float) -> None:
    rng = np.random.default_rng(22)
    n = 6_000
    # Noise on a grid of 2**-10, so that every sum of revenues is exact at any offset.
    noise = rng.integers(0, 100_000, n) / 1024.0
    orders = pd.DataFrame(
        {
            "customer": rng.integers(0, 1_500, n).astype(str),
            "date": pd.Timestamp("2024-01-02") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "tier": rng.choice(["gold", "silver"], n),
            "revenue": offset + noise,
        }
    )
    orders.loc[orders.customer.isin(["7", "8", "9"]), "customer"] = None  # guests
    kw = {"customer": "customer", "date": "date", "revenue": "revenue", "as_of": "2024-12-31"}
    res = cx.average_order_value(orders, by="tier", **kw)
    ref = cx.average_order_value(orders.assign(revenue=noise), by="tier", **kw)
    np.testing.assert_allclose(res.se, ref.se, rtol=1e-9)
    tol = 4 * np.spacing(max(offset, 1.0))
    np.testing.assert_allclose(res.value - offset, ref.value, rtol=0, atol=tol)
    # The clustered delta method by brute force on the near-zero data.
    for _, row in ref.iterrows():
        sel = orders.tier == row.tier
        cust = orders.customer[sel].fillna(
            pd.Series(np.arange(n), index=orders.index).astype(str) + "g"
        )
        y = pd.Series(noise[sel.to_numpy()]).groupby(cust.to_numpy()).sum()
        x = pd.Series(1.0, index=range(int(sel.sum()))).groupby(cust.to_numpy()).sum()
        r = y.sum() / x.sum()
        k = len(y)
        se = math.sqrt(k / (k - 1) * np.sum((y - r * x) ** 2) / x.sum() ** 2)
        np.testing.assert_allclose(row.se, se, rtol=1e-9)


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("theta", [None, 0.7])
def test_cuped_is_invariant_to_the_offset(offset: float, theta: float | None) -> None:
    rng = np.random.default_rng(24)
    pre = rng.gamma(2.0, 1.0, 5_000)
    y = 0.8 * pre + rng.normal(0, 0.5, 5_000)
    far_y, far_pre = offset + y, offset + pre
    res = cx.ab.cuped(far_y, far_pre, theta=theta)
    ref = cx.ab.cuped(far_y - offset, far_pre - offset, theta=theta)  # exact shifts
    np.testing.assert_allclose(res.theta, ref.theta, rtol=1e-9)
    np.testing.assert_allclose(res.correlation, ref.correlation, rtol=1e-9)
    np.testing.assert_allclose(res.variance_reduction, ref.variance_reduction, rtol=1e-9)
    # Against numpy on the near-zero floats.
    x0, y0 = far_pre - offset, far_y - offset
    expected = np.cov(y0, x0)[0, 1] / np.var(x0, ddof=1)
    np.testing.assert_allclose(ref.theta if theta is None else expected, expected, rtol=1e-9)
    spacing = 4 * np.spacing(max(offset, 1.0))
    np.testing.assert_allclose(res.adjusted - offset, ref.adjusted, rtol=0, atol=4 * spacing)


def test_summed_ratio_rows_warn_and_refuse_impossible_sums() -> None:
    y, x = ratio_data(1e9, 4_000, 25)
    arm = np.repeat(["A", "B"], 2_000)
    units = pd.DataFrame({"arm": arm, "y": y, "x": x, "yy": y * y, "xx": x * x, "xy": x * y})
    sums = units.assign(one=1.0).groupby("arm", as_index=False).sum()
    spec = cx.ab.Ratio(
        "y", "x", n="one", numerator_squares="yy", denominator_squares="xx", cross="xy"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cx.ab.compare(sums, group="arm", control="A", metric=spec)
    # The sums hold no digit of the residual: said, whatever follows from it.
    assert any(
        w.category is cx.PrecisionWarning and "ratio's variance" in str(w.message) for w in caught
    )
    # Per-unit rows of the same data keep the residuals: no warning, and the se of
    # the near-zero data.
    per_unit = cx.ab.compare(units, group="arm", control="A", metric=("y", "x"))
    near = units.assign(y=units.y - 1e9 * units.x)
    reference = cx.ab.compare(near, group="arm", control="A", metric=("y", "x"))
    np.testing.assert_allclose(per_unit.se, reference.se, rtol=1e-9)
    sums.loc[0, "xy"] = 10 * sums.loc[0, "xy"]
    with pytest.raises(ValueError, match="'xy' \\(cross\\)"):
        cx.ab.compare(sums, group="arm", control="A", metric=spec)


def test_rows_of_zero_weight_do_not_move_the_mean() -> None:
    # A far-off row of zero weight (last in its group) changes nothing, to the last bits.
    rng = np.random.default_rng(1)
    x, w = rng.uniform(0.0, 1.0, (2, 5))
    w += 0.01
    alone = summarise(x, weights=w)
    with_far = summarise(np.append(x, 1e12), weights=np.append(w, 0.0))
    np.testing.assert_allclose(with_far.mean, alone.mean, rtol=1e-15)
    np.testing.assert_allclose(with_far.m2(), alone.m2(), rtol=1e-12)
    np.testing.assert_allclose(alone.mean[0, 0], np.average(x, weights=w), rtol=1e-15)
