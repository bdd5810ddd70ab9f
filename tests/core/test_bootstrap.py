"""Bootstrap intervals of the survey indices against scipy.stats.bootstrap and brute force.

cxlib resamples category counts (multinomial) instead of rows, and rows with their weights
for survey weights. Its intervals are compared with scipy's in two ways: exactly, by handing
scipy cxlib's own bootstrap distribution (``bootstrap_result=``, ``n_resamples=0``) so that
only the interval formulas and the BCa jackknife differ; and within Monte Carlo error, by
letting scipy resample the expanded rows itself. The bootstrap distributions themselves are
compared with a two-sample Kolmogorov-Smirnov test.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from reference_indices import expand, jackknife_acceleration
from scipy import stats

import cxlib as cx
from cxlib.core.bootstrap import (
    counts_acceleration,
    counts_replicates,
    rows_acceleration,
    rows_replicates,
)

FloatArray = npt.NDArray[np.float64]
METHODS = ("percentile", "basic", "bca")
B = 20_000  # resamples of the Monte Carlo comparisons
CLI = ["loyalty_recommend", "loyalty_repurchase", "loyalty_other_products"]


def mean(x: FloatArray, axis: int = -1) -> FloatArray:
    return np.mean(x, axis=axis)


def cli_mean(x: FloatArray, axis: int = -1) -> FloatArray:
    """Loyalty index from each respondent's item points summed (whole numbers, exact sums)."""
    return np.sum(x, axis=axis) / (3.0 * x.shape[axis])


def weighted_mean(s: FloatArray, w: FloatArray, axis: int = -1) -> FloatArray:
    return np.sum(s * w, axis=axis) / np.sum(w, axis=axis)


def mc_tolerance(bootstrap_se: float, lattice: float, n_resamples: int = B) -> float:
    """Allowed gap between two bootstrap interval ends from independent resamples.

    The Monte Carlo standard deviation of an empirical quantile at tail probability p is
    ``sqrt(p (1 - p) / B) / f(q_p)``; for a roughly normal bootstrap distribution with
    standard deviation ``se`` at p = 0.01 (conservative for 95% intervals, and for BCa
    ends moved into the tail) that is about 0.026 se. Two independent ends differ by
    sqrt(2) times that; allow five of those, plus one step of the lattice on which a mean
    of discrete scores lives (both quantiles may fall on neighbouring lattice points).
    """
    p = 0.01
    sd_quantile = math.sqrt(p * (1 - p) / n_resamples) / stats.norm.pdf(stats.norm.ppf(p))
    return 5.0 * math.sqrt(2.0) * sd_quantile * bootstrap_se + lattice


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return cx.datasets.make_survey(400, rng=17)


class Case:
    """An index, its expanded per-respondent scores and its score levels with counts."""

    def __init__(
        self,
        name: str,
        estimate: Callable[..., Any],
        rows: FloatArray,
        statistic: Callable[..., FloatArray],
        lattice: float,
        levels: FloatArray | None = None,
        counts: npt.NDArray[np.int64] | None = None,
    ) -> None:
        self.name = name
        self.estimate = estimate
        self.rows = rows
        self.statistic = statistic
        self.lattice = lattice
        self.levels = levels
        self.counts = counts


def make_case(name: str, survey: pd.DataFrame) -> Case:
    if name == "nps":
        rec = survey["recommend"].dropna().to_numpy(dtype=np.int64)
        levels = np.array([-100.0, 0.0, 100.0])
        code = (rec >= 7).astype(int) + (rec >= 9).astype(int)
        counts = np.bincount(code, minlength=3)
        return Case(
            name,
            lambda **kw: cx.nps(survey, "recommend", **kw),
            levels[code],
            mean,
            100.0 / len(rec),
            levels,
            counts,
        )
    if name == "csat":
        sat = survey["satisfaction"].to_numpy()
        rows = np.where(sat >= 4, 100.0, 0.0)
        counts = np.array([(sat < 4).sum(), (sat >= 4).sum()])
        return Case(
            name,
            lambda **kw: cx.csat(survey, "satisfaction", **kw),
            rows,
            mean,
            100.0 / len(sat),
            np.array([0.0, 100.0]),
            counts,
        )
    if name == "ces":
        effort = survey["effort"].to_numpy()
        return Case(
            name,
            lambda **kw: cx.ces(survey, "effort", **kw),
            effort.astype(np.float64),
            mean,
            1.0 / len(effort),
            np.arange(1.0, 8.0),
            np.bincount(effort - 1, minlength=7),
        )
    assert name == "loyalty_index"
    points = (6 - survey[CLI].to_numpy()) * 20  # 1 -> 100, ..., 6 -> 0
    return Case(
        name,
        lambda **kw: cx.loyalty_index(survey, CLI, **kw),
        points.sum(axis=1).astype(np.float64),
        cli_mean,
        20.0 / 3.0 / len(points),
    )


# --------------------------------------------------------------------------- (a) intervals


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("index", ["nps", "csat", "ces", "loyalty_index"])
def test_counts_path_matches_scipy_within_monte_carlo_error(
    survey: pd.DataFrame, index: str, method: str
) -> None:
    case = make_case(index, survey)
    est = case.estimate(ci_method=method, n_resamples=B, rng=20240601)
    res = stats.bootstrap(
        (case.rows,),
        case.statistic,
        n_resamples=B,
        method=method,
        vectorized=True,
        rng=np.random.default_rng(99),
    )
    assert est.value == pytest.approx(float(case.statistic(case.rows)), abs=1e-9)
    assert est.ci_method == method
    tol = mc_tolerance(float(res.standard_error), case.lattice)
    assert est.ci.low == pytest.approx(float(res.confidence_interval.low), abs=tol)
    assert est.ci.high == pytest.approx(float(res.confidence_interval.high), abs=tol)
    # The bootstrap standard error is the plug-in one: a check on the tolerance's scale.
    plug_in = float(np.std(case.rows, ddof=0) / math.sqrt(len(case.rows)))
    if case.statistic is cli_mean:
        plug_in /= 3.0
    assert float(res.standard_error) == pytest.approx(plug_in, rel=0.03)


@pytest.mark.parametrize("level", [0.8, 0.95])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("index", ["nps", "csat", "ces"])
def test_counts_path_interval_equals_scipy_on_the_same_distribution(
    survey: pd.DataFrame, index: str, method: str, level: float
) -> None:
    # The replicates cxlib draws, reproduced with the same seed, handed to scipy: the
    # interval formulas (and scipy's own BCa jackknife over the rows) must agree exactly.
    case = make_case(index, survey)
    assert case.levels is not None
    assert case.counts is not None
    n_resamples, seed = 4_000, 7
    reps = counts_replicates(
        case.levels, case.counts[None, :], n_resamples, np.random.default_rng(seed)
    )
    assert reps.shape == (n_resamples, 1)
    res = stats.bootstrap(
        (case.rows,),
        case.statistic,
        n_resamples=0,
        bootstrap_result=SimpleNamespace(bootstrap_distribution=reps[:, 0]),
        method=method,
        confidence_level=level,
        vectorized=True,
    )
    est = case.estimate(ci_method=method, n_resamples=n_resamples, rng=seed, confidence_level=level)
    assert est.ci.low == pytest.approx(float(res.confidence_interval.low), abs=1e-9)
    assert est.ci.high == pytest.approx(float(res.confidence_interval.high), abs=1e-9)


def test_the_interval_comparisons_can_tell_the_methods_apart() -> None:
    # On skewed data each cxlib interval is nearest scipy's interval of the same method,
    # several times nearer than to the other methods' intervals. (The exact comparisons
    # on a shared bootstrap distribution above pin the formulas down to rounding.)
    counts = {7: 30, 6: 6, 5: 2, 2: 1, 1: 5}
    x = np.repeat(list(counts), list(counts.values())).astype(np.float64)
    ref = {
        m: stats.bootstrap(
            (x,), mean, n_resamples=B, method=m, vectorized=True, rng=np.random.default_rng(3)
        )
        for m in METHODS
    }
    tol = mc_tolerance(float(ref["bca"].standard_error), 1.0 / len(x))
    for m in METHODS:
        est = cx.ces(x, ci_method=m, n_resamples=B, rng=4)
        gaps = {
            other: max(
                abs(est.ci.low - float(r.confidence_interval.low)),
                abs(est.ci.high - float(r.confidence_interval.high)),
            )
            for other, r in ref.items()
        }
        assert gaps[m] <= tol
        assert min(g for other, g in gaps.items() if other != m) > max(2.5 * gaps[m], 0.6 * tol)


# --------------------------------------------------------------------------- (b) distributions


@pytest.mark.parametrize("index", ["nps", "csat", "ces"])
def test_counts_replicates_have_the_row_bootstrap_distribution(
    survey: pd.DataFrame, index: str
) -> None:
    case = make_case(index, survey)
    assert case.levels is not None
    assert case.counts is not None
    reps = counts_replicates(case.levels, case.counts[None, :], B, np.random.default_rng(5))[:, 0]
    res = stats.bootstrap(
        (case.rows,), mean, n_resamples=B, method="percentile", rng=np.random.default_rng(6)
    )
    ref = res.bootstrap_distribution
    assert stats.ks_2samp(reps, ref).pvalue > 0.001
    # Mean and variance of the resampled mean: the sample mean and the plug-in variance / n.
    n = len(case.rows)
    var = float(np.var(case.rows)) / n
    assert float(reps.mean()) == pytest.approx(float(case.rows.mean()), abs=5 * math.sqrt(var / B))
    assert float(reps.var()) == pytest.approx(var, rel=5 * math.sqrt(2 / B))
    # The same test rejects a bootstrap of the wrong size (a tenth of the rows).
    wrong = counts_replicates(case.levels, case.counts[None, :] // 10, B, np.random.default_rng(5))[
        :, 0
    ]
    assert stats.ks_2samp(wrong, ref).pvalue < 1e-6


def test_grouped_counts_replicates_are_independent_per_group() -> None:
    values = np.array([0.0, 50.0, 100.0])
    counts = np.array([[10, 20, 30], [0, 0, 0], [5, 1, 0], [40, 0, 2]])
    reps = counts_replicates(values, counts, 20_000, np.random.default_rng(2))
    assert reps.shape == (20_000, 4)
    assert np.isnan(reps[:, 1]).all()  # a group without units
    for g in (0, 2, 3):
        alone = counts_replicates(values, counts[[g]], 20_000, np.random.default_rng(3))[:, 0]
        assert stats.ks_2samp(reps[:, g], alone).pvalue > 0.001
    ok = reps[:, [0, 2, 3]]
    corr = np.corrcoef(ok, rowvar=False)
    assert np.abs(corr[np.triu_indices(3, 1)]).max() < 0.03


def test_rows_replicates_have_the_weighted_row_bootstrap_distribution() -> None:
    rng = np.random.default_rng(8)
    s = np.where(rng.random(300) < 0.6, 100.0, 0.0)
    w = rng.lognormal(0.0, 0.6, 300)
    reps = rows_replicates(s, w, None, 1, B, np.random.default_rng(1))[:, 0]
    res = stats.bootstrap(
        (s, w),
        weighted_mean,
        n_resamples=B,
        paired=True,
        vectorized=True,
        method="percentile",
        rng=np.random.default_rng(2),
    )
    assert stats.ks_2samp(reps, res.bootstrap_distribution).pvalue > 0.001
    # Within groups: group g of a grouped call is distributed like group g alone.
    codes = rng.integers(0, 3, 300)
    grouped = rows_replicates(s, w, codes, 4, 10_000, np.random.default_rng(3))
    assert np.isnan(grouped[:, 3]).all()  # a candidate group without rows
    for g in range(3):
        alone = rows_replicates(
            s[codes == g], w[codes == g], None, 1, 10_000, np.random.default_rng(4)
        )[:, 0]
        assert stats.ks_2samp(grouped[:, g], alone).pvalue > 0.001
        nxt = codes == (g + 1) % 3
        other = rows_replicates(s[nxt], w[nxt], None, 1, 10_000, np.random.default_rng(4))[:, 0]
        assert abs(np.mean(grouped[:, g]) - np.mean(alone)) < abs(np.mean(other) - np.mean(alone))


# --------------------------------------------------------------------------- (c) acceleration


@pytest.mark.parametrize(
    "values",
    [
        np.array([-100.0, 0.0, 100.0]),
        np.array([0.0, 100.0]),
        np.arange(1.0, 8.0),
        np.array([0.0, 20 / 3, 40 / 3, 20.0, 80.0, 100.0]),
    ],
)
def test_counts_acceleration_equals_the_jackknife_over_rows(values: FloatArray) -> None:
    rng = np.random.default_rng(len(values))
    counts = rng.integers(0, 15, size=(6, len(values)))
    counts[0, :] = 0
    counts[0, :2] = [1, 3]  # two levels only
    if len(values) > 2:
        counts[1, 1] = 0  # an empty level
    counts[2] = 0
    counts[2, -1] = 1
    counts[2, 0] = 40  # strongly skewed
    accel = counts_acceleration(values, counts)
    assert accel.shape == (6,)
    for g in range(6):
        expected = jackknife_acceleration(expand(values, counts[g]))
        assert accel[g] == pytest.approx(expected, abs=1e-12), g
    assert accel[2] != pytest.approx(0.0, abs=0.01)  # skewed data: a sizeable acceleration


def test_rows_acceleration_equals_the_weighted_jackknife_per_group() -> None:
    rng = np.random.default_rng(13)
    n = 90
    s = rng.integers(1, 8, n).astype(np.float64)
    w = rng.lognormal(0.0, 0.7, n)
    w[::17] = 0.0  # rows without weight stay in the jackknife
    codes = rng.integers(0, 3, n)
    accel = rows_acceleration(s, w, codes, 3)
    for g in range(3):
        expected = jackknife_acceleration(s[codes == g], w[codes == g])
        assert accel[g] == pytest.approx(expected, abs=1e-12), g
    single = rows_acceleration(s, w, None, 1)
    assert single[0] == pytest.approx(jackknife_acceleration(s, w), abs=1e-12)
    # Unit weights give the unweighted (counts) acceleration.
    unit = rows_acceleration(s, np.ones(n), None, 1)
    counts = np.bincount(s.astype(int) - 1, minlength=7)[None, :]
    assert unit[0] == pytest.approx(counts_acceleration(np.arange(1.0, 8.0), counts)[0], abs=1e-12)


# --------------------------------------------------------------------------- (d) seeds


@pytest.mark.parametrize("weights", [None, "weight"])
@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_interval_different_seed_different(
    survey: pd.DataFrame, method: str, weights: str | None
) -> None:
    def run(rng: object) -> cx.Estimate:
        est: cx.Estimate = cx.nps(
            survey, "recommend", weights=weights, ci_method=method, n_resamples=2_000, rng=rng
        )
        return est

    a, b = run(42), run(42)
    assert a.ci == b.ci
    assert a == b
    assert run(np.random.default_rng(42)).ci == run(np.random.default_rng(42)).ci
    assert run(42).ci != run(43).ci
    # A Generator is used as is: it advances between calls.
    gen = np.random.default_rng(5)
    assert run(gen).ci != run(gen).ci
    # The seed changes only the interval.
    c = run(43)
    assert (c.value, c.se, c.n) == (a.value, a.se, a.n)


# --------------------------------------------------------------------------- (e) groups


@pytest.mark.parametrize("weights", [None, "weight"])
@pytest.mark.parametrize("method", METHODS)
def test_grouped_bootstrap_agrees_with_per_group_bootstrap(
    survey: pd.DataFrame, method: str, weights: str | None
) -> None:
    n_resamples = 10_000
    out = cx.csat(
        survey,
        "satisfaction",
        by="touchpoint",
        weights=weights,
        ci_method=method,
        n_resamples=n_resamples,
        rng=1,
    )
    assert len(out) == survey["touchpoint"].nunique()
    for _, row in out.iterrows():
        part = survey[survey["touchpoint"] == row["touchpoint"]]
        single = cx.csat(
            part, "satisfaction", weights=weights, ci_method=method, n_resamples=n_resamples, rng=2
        )
        assert row["value"] == pytest.approx(single.value, abs=1e-12)
        assert row["se"] == pytest.approx(single.se, abs=1e-12)
        tol = mc_tolerance(single.se, 100.0 / single.n, n_resamples)
        assert row["ci_low"] == pytest.approx(single.ci.low, abs=tol)
        assert row["ci_high"] == pytest.approx(single.ci.high, abs=tol)


def test_grouped_bootstrap_skips_unobserved_groups_and_keeps_order() -> None:
    df = pd.DataFrame(
        {
            "g": pd.Categorical(["b", "b", "d", "d", "b"], categories=["a", "b", "c", "d"]),
            "x": [5, 1, 4, 2, 4],
            "w": [1.0, 2.0, 0.5, 1.5, 1.0],
        }
    )
    for weights in (None, "w"):
        out = cx.csat(df, "x", by="g", weights=weights, ci_method="bca", n_resamples=500, rng=0)
        assert out["g"].tolist() == ["b", "d"]
        assert out[["ci_low", "ci_high"]].notna().all().all()


# --------------------------------------------------------------------------- (f) weighted rows


@pytest.mark.parametrize("method", METHODS)
def test_weighted_rows_path_matches_scipy_paired(survey: pd.DataFrame, method: str) -> None:
    effort = survey["effort"].to_numpy(dtype=np.float64)
    w = survey["weight"].to_numpy()
    est = cx.ces(survey, "effort", weights="weight", ci_method=method, n_resamples=B, rng=11)
    res = stats.bootstrap(
        (effort, w),
        weighted_mean,
        n_resamples=B,
        paired=True,
        vectorized=True,
        method=method,
        rng=np.random.default_rng(12),
    )
    assert est.value == pytest.approx(float(weighted_mean(effort, w)), abs=1e-12)
    tol = mc_tolerance(float(res.standard_error), 0.0)  # weighted means: no lattice
    assert est.ci.low == pytest.approx(float(res.confidence_interval.low), abs=tol)
    assert est.ci.high == pytest.approx(float(res.confidence_interval.high), abs=tol)


@pytest.mark.parametrize("method", METHODS)
def test_weighted_rows_path_equals_scipy_on_the_same_distribution(
    survey: pd.DataFrame, method: str
) -> None:
    sat = survey["satisfaction"].to_numpy()
    s = np.where(sat >= 4, 100.0, 0.0)
    w = survey["weight"].to_numpy()
    n_resamples, seed = 3_000, 21
    reps = rows_replicates(s, w, None, 1, n_resamples, np.random.default_rng(seed))[:, 0]
    res = stats.bootstrap(
        (s, w),
        weighted_mean,
        n_resamples=0,
        bootstrap_result=SimpleNamespace(bootstrap_distribution=reps),
        paired=True,
        vectorized=True,
        method=method,
    )
    est = cx.csat(
        survey,
        "satisfaction",
        weights="weight",
        ci_method=method,
        n_resamples=n_resamples,
        rng=seed,
    )
    assert est.ci.low == pytest.approx(float(res.confidence_interval.low), abs=1e-9)
    assert est.ci.high == pytest.approx(float(res.confidence_interval.high), abs=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_frequency_weights_bootstrap_equals_repeated_rows(method: str) -> None:
    rng = np.random.default_rng(3)
    answers = rng.integers(0, 11, 80)
    counts = rng.integers(0, 5, 80)
    kw: dict[str, Any] = {"ci_method": method, "n_resamples": 3_000, "rng": 9}
    freq = cx.nps(answers, weights=counts, weights_kind="frequency", **kw)
    repeated = cx.nps(np.repeat(answers, counts), **kw)
    assert freq.ci == pytest.approx(repeated.ci, abs=1e-12)


# --------------------------------------------------------------------------- (g) degenerate


DEGENERATE = [
    (cx.csat, [5] * 12, 100.0),
    (cx.csat, [1, 2, 3, 2], 0.0),  # different answers, all unsatisfied: one score
    (cx.ces, [4] * 7, 4.0),
    (cx.nps, [7, 8, 8], 0.0),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("func", "data", "point"), DEGENERATE)
def test_degenerate_data_gives_a_point_interval_with_a_warning(
    func: Any, data: list[int], point: float, method: str
) -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="single point"):
        est = func(data, ci_method=method, n_resamples=200, rng=0)
    assert est.value == point
    assert est.ci == (point, point)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("func", "data", "point"),
    DEGENERATE,
)
def test_degenerate_survey_weighted_data_gives_a_point_interval_with_a_warning(
    func: Any, data: list[int], point: float, method: str
) -> None:
    weights = np.linspace(0.5, 2.0, len(data))
    with pytest.warns(cx.DegenerateDataWarning, match="single point"):
        est = func(data, weights=weights, ci_method=method, n_resamples=200, rng=0)
    assert est.value == pytest.approx(point, abs=1e-12)
    assert est.ci == (est.value, est.value)


def test_analytic_degenerate_warning_points_at_the_caller() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="zero width") as record:
        cx.csat([5, 5, 5], ci_method="wald")
    assert record[0].filename == __file__


def test_bootstrap_degenerate_warning_points_at_the_caller() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="single point") as record:
        cx.csat([5, 5, 5], ci_method="percentile", n_resamples=100, rng=0)
    assert record[0].filename == __file__


def test_degenerate_multi_item_and_grouped() -> None:
    df = pd.DataFrame({"a": [2, 2, 2], "b": [3, 3, 3], "c": [1, 1, 1]})
    with pytest.warns(cx.DegenerateDataWarning, match="single point"):
        est = cx.loyalty_index(df, ["a", "b", "c"], ci_method="bca", n_resamples=100, rng=0)
    assert est.ci == (pytest.approx(80.0), pytest.approx(80.0))
    grouped = pd.DataFrame({"g": ["x"] * 4 + ["y"] * 4, "v": [5, 5, 5, 5, 1, 5, 4, 2]})
    with pytest.warns(cx.DegenerateDataWarning, match=r"single point for 1 group\(s\)"):
        out = cx.csat(grouped, "v", by="g", ci_method="bca", n_resamples=500, rng=0)
    assert (out.loc[0, "ci_low"], out.loc[0, "ci_high"]) == (100.0, 100.0)
    assert out.loc[1, "ci_low"] < out.loc[1, "value"] == 50.0 < out.loc[1, "ci_high"]


@pytest.mark.parametrize(
    ("func", "data", "bounds"),
    [
        (cx.csat, [5] * 19 + [1], (0.0, 100.0)),
        (cx.nps, [10] * 19 + [0], (-100.0, 100.0)),
        (cx.ces, [7] * 19 + [1], (1.0, 7.0)),
    ],
)
def test_basic_interval_stays_within_the_index_range(
    func: Any, data: list[int], bounds: tuple[float, float]
) -> None:
    est = func(data, ci_method="basic", n_resamples=2_000, rng=0)
    assert bounds[0] <= est.ci.low <= est.ci.high <= bounds[1]


def test_no_warning_for_ordinary_bootstrap_data(survey: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in METHODS:
            cx.csat(survey, "satisfaction", by="touchpoint", ci_method=method, rng=0)


# --------------------------------------------------------------------------- (h) validation


@pytest.mark.parametrize(
    ("n_resamples", "error"),
    [(0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError), ("99", TypeError)],
)
@pytest.mark.parametrize("func", [cx.nps, cx.csat, cx.ces])
def test_n_resamples_validation(func: Any, n_resamples: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=re.escape("n_resamples must be an integer >= 1; got")):
        func([3, 4, 5], ci_method="percentile", n_resamples=n_resamples, rng=0)


def test_n_resamples_validation_on_multi_item_indices() -> None:
    df = pd.DataFrame({"a": [1, 2], "b": [2, 3], "c": [3, 1]})
    with pytest.raises(ValueError, match="n_resamples must be an integer >= 1; got 0"):
        cx.loyalty_index(df, ["a", "b", "c"], ci_method="bca", n_resamples=0)
    with pytest.raises(TypeError, match=r"n_resamples must be an integer >= 1; got 1\.5"):
        cx.secure_customer_index(df, ["a", "b", "c"], ci_method="bca", n_resamples=1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["bootstrap", "studentized", "BC", ""])
@pytest.mark.parametrize("func", [cx.nps, cx.csat, cx.ces])
def test_unknown_ci_method(func: Any, method: str) -> None:
    with pytest.raises(
        ValueError, match=r"ci_method must be one of .*'percentile', 'basic', 'bca'"
    ):
        func([3, 4, 5], ci_method=method)


@pytest.mark.parametrize(("rng", "error"), [(-3, ValueError), ("7", TypeError), (1.5, TypeError)])
def test_invalid_rng(rng: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="rng"):
        cx.csat([3, 4, 5], ci_method="bca", rng=rng)  # type: ignore[arg-type]
