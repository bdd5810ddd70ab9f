"""CUPED from per-arm summaries (CupedStats): against statsmodels OLS and the rows."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ab_cuped_ratio import arms, brute_ratio, ols_theta, visits

import cxlib as cx

CupedStats = cx.ab.CupedStats
FIELDS = ["difference", "se", "ci_low", "ci_high", "lift", "lift_ci_low", "lift_ci_high", "p_value"]


def _fields(result: cx.Comparison) -> list[float]:
    frame = result.to_frame()
    return [float(frame[c].iloc[0]) for c in FIELDS]


def _mean_stats(df: pd.DataFrame, covariates: list[str]) -> tuple[CupedStats, CupedStats]:
    """Each arm's summary as a warehouse gives it: n, means and covariance matrix."""
    out = []
    for arm in ("A", "B"):
        part = df.loc[df.arm == arm, ["revenue", *covariates]]
        out.append(CupedStats(n=len(part), mean=part.mean().tolist(), cov=part.cov().to_numpy()))
    return out[0], out[1]


# --------------------------------------------------------------------------------------
# Against brute force and the per-unit path
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize("covariates", [["pre_revenue"], ["pre_revenue", "pre_visits"]])
def test_mean_summaries_are_the_pooled_ols_regression(seed: int, covariates: list[str]) -> None:
    df = visits(seed)
    y, x = df.revenue.to_numpy(), df[covariates].to_numpy().T
    theta = ols_theta(y, x)  # statsmodels, over both arms pooled
    adjusted = y - theta @ (x - x.mean(axis=1, keepdims=True))
    a, b = adjusted[df.arm == "A"], adjusted[df.arm == "B"]
    result = cx.ab.compare_means(*_mean_stats(df, covariates), ci_method="delta")
    assert result.difference == pytest.approx(b.mean() - a.mean(), rel=1e-9)
    assert result.se == pytest.approx(
        math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)), rel=1e-9
    )
    assert result.estimates[1].value == pytest.approx(a.mean(), rel=1e-12)
    assert result.estimates[0].se == pytest.approx(b.std(ddof=1) / math.sqrt(len(b)), rel=1e-9)
    # The same comparison as the per-unit values with covariates=, every field.
    control, variant = arms(df, "revenue", *covariates)
    rows = cx.ab.compare_means(control[0], variant[0], covariates=(control[1:], variant[1:]))
    summaries = cx.ab.compare_means(*_mean_stats(df, covariates))
    np.testing.assert_allclose(_fields(summaries), _fields(rows), rtol=1e-9)
    assert summaries.test == rows.test == "welch t"


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    "covariates",
    [["pre_orders"], ["pre_revenue", "pre_orders"], ["pre_revenue", "pre_orders", "pre_visits"]],
)
def test_ratio_summaries_are_the_pooled_regression_of_the_linearised_ratio(
    seed: int, covariates: list[str]
) -> None:
    df = visits(seed)
    expected = brute_ratio(df, covariates)  # linearised by hand, theta from statsmodels
    control, variant = arms(df, "revenue", "orders", *covariates)
    stats = [CupedStats.from_values(a[0], a[2:], denominator=a[1]) for a in (control, variant)]
    assert stats[0].metric == "ratio"
    assert stats[0].n_covariates == len(covariates)
    result = cx.ab.compare_ratios(*stats, ci_method="delta")
    assert result.estimates[1].value == pytest.approx(expected["control"], rel=1e-9)
    assert result.estimates[0].value == pytest.approx(expected["variant"], rel=1e-9)
    assert result.difference == pytest.approx(expected["difference"], rel=1e-9)
    assert result.se == pytest.approx(expected["se"], rel=1e-9)
    rows = cx.ab.compare_ratios(
        tuple(control[:2]), tuple(variant[:2]), covariates=(control[2:], variant[2:])
    )
    np.testing.assert_allclose(_fields(cx.ab.compare_ratios(*stats)), _fields(rows), rtol=1e-9)


def test_cuped_estimates_the_effect_of_the_regression_on_the_arm() -> None:
    """OLS of y on the arm and the centred covariates (ANCOVA) fits theta within the arms;
    CUPED pools the arms. Both estimate the same effect, and they differ by
    ``(theta_pooled - theta_within)' (xbar_B - xbar_A)``, a product of two small terms:
    far inside the standard error."""
    df = visits(6, n=6_000)
    covariates = ["pre_revenue", "pre_visits"]
    x = df[covariates].to_numpy()
    design = np.column_stack([(df.arm == "B").to_numpy(float), x - x.mean(axis=0)])
    fit = sm.OLS(df.revenue.to_numpy(), sm.add_constant(design)).fit()
    result = cx.ab.compare_means(*_mean_stats(df, covariates))
    assert abs(result.difference - fit.params[1]) < 0.02 * result.se
    assert result.se == pytest.approx(fit.bse[1], rel=0.02)


def test_sequential_and_one_sided_comparisons_from_summaries() -> None:
    df = visits(5)
    control, variant = arms(df, "revenue", "pre_revenue", "pre_visits")
    stats = [CupedStats.from_values(a[0], a[1:]) for a in (control, variant)]
    for options in ({"sequential": True}, {"alternative": "greater"}, {"ci_method": "log"}):
        rows = cx.ab.compare_means(
            control[0], variant[0], covariates=(control[1:], variant[1:]), **options
        )
        summaries = cx.ab.compare_means(*stats, **options)
        np.testing.assert_allclose(_fields(summaries), _fields(rows), rtol=1e-9)
        assert summaries.method == rows.method


# --------------------------------------------------------------------------------------
# Summaries: merging, offsets
# --------------------------------------------------------------------------------------


@settings(max_examples=40)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(4, 60),
    cut=st.floats(0.1, 0.9),
    offset=st.sampled_from([0.0, 1e6, -1e9]),
)
def test_summaries_of_parts_merge_into_the_summary_of_the_whole(
    seed: int, n: int, cut: float, offset: float
) -> None:
    rng = np.random.default_rng(seed)
    y, x = offset + rng.normal(0.0, 3.0, n), offset + rng.normal(0.0, 1.0, (2, n))
    split = max(2, min(n - 2, int(cut * n)))
    whole = CupedStats.from_values(y, x)
    merged = CupedStats.from_values(y[:split], x[:, :split]) + CupedStats.from_values(
        y[split:], x[:, split:]
    )
    assert merged.n == whole.n == n
    # The parts' means are stored rounded at the offset (eps): the merged means carry
    # that rounding, and the covariances it times the distance of the parts' means.
    eps = np.spacing(abs(offset) + 8.0)
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=0, atol=4 * eps)
    parts = np.vstack([y, x]) - offset
    distance = np.abs(parts[:, :split].mean(axis=1) - parts[:, split:].mean(axis=1)).max()
    np.testing.assert_allclose(merged.cov, whole.cov, rtol=1e-9, atol=4 * eps * (distance + 1))
    expected = np.cov(np.vstack([y - offset, x - offset]))  # numpy, near zero
    np.testing.assert_allclose(whole.cov, expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("offset", [1e6, 1e9])
def test_covariates_far_from_zero_give_the_same_comparison(offset: float) -> None:
    df = visits(8)
    covariates = ["pre_revenue", "pre_visits"]
    near = cx.ab.compare_means(*_mean_stats(df, covariates))
    shifted = df.assign(**{c: df[c] + offset for c in covariates})
    far = cx.ab.compare_means(*_mean_stats(shifted, covariates))
    # The arms' covariate means are stored rounded at the offset: the adjusted values
    # carry theta times that rounding (a few 1e-7 at 1e9), the variances none of it.
    assert far.se == pytest.approx(near.se, rel=1e-9)
    assert far.difference == pytest.approx(near.difference, abs=64 * np.spacing(offset))


def test_numerator_proportional_to_the_denominator_warns() -> None:
    orders = np.arange(1.0, 401.0) % 7 + 1.0
    noise = np.sin(np.arange(400.0))
    stats = [
        CupedStats.from_values(1e9 * orders + noise, [noise * orders], denominator=orders)
        for _ in range(2)
    ]
    with pytest.warns(cx.PrecisionWarning, match="nearly proportional to the denominator"):
        cx.ab.compare_ratios(*stats)


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------

GOOD: dict[str, Any] = {"n": 10, "mean": [1.0, 2.0], "cov": [[2.0, 0.5], [0.5, 1.0]]}


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"metric": "median"}, ValueError, r"metric must be one of 'mean', 'ratio'; got 'median'"),
        ({"n": 2.5}, ValueError, r"n must be a whole number"),
        ({"mean": [1.0]}, ValueError, r"mean must hold the means of \(y, x_1, \.\.\., x_k\)"),
        ({"metric": "ratio"}, ValueError, r"\(numerator, denominator, x_1"),
        ({"mean": [1.0, np.nan]}, ValueError, r"mean must be finite when n >= 1"),
        ({"n": 0}, ValueError, r"mean must be NaN when n = 0"),
        ({"mean": ["a", "b"]}, TypeError, r"mean must hold real numbers"),
        ({"cov": [[2.0, 0.5]]}, ValueError, r"cov must be the 2 x 2 covariance matrix"),
        ({"cov": [[2.0, 0.5], [0.4, 1.0]]}, ValueError, r"cov must be symmetric"),
        ({"cov": [[-2.0, 0.5], [0.5, 1.0]]}, ValueError, r"variances >= 0"),
        ({"cov": [[1.0, 2.0], [2.0, 1.0]]}, ValueError, r"positive semi-definite"),
        ({"cov": [[np.inf, 0.0], [0.0, 1.0]]}, ValueError, r"cov must be finite"),
        ({"cov": ()}, ValueError, r"cov must be finite when n >= 2"),
        ({"n": 1, "cov": [[1.0, 0.0], [0.0, 1.0]]}, ValueError, r"fewer than 2 units"),
    ],
)
def test_bad_summaries_are_refused_naming_the_argument(
    changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        CupedStats(**{**GOOD, **changes})


def test_bad_comparisons_of_summaries_are_refused() -> None:
    rng = np.random.default_rng(4)
    y, x = rng.normal(size=(2, 50))
    stats = CupedStats.from_values(y, x)
    with pytest.raises(TypeError, match="CupedStats for both arms; got CupedStats, ndarray"):
        cx.ab.compare_means(stats, y)
    with pytest.raises(TypeError, match="CupedStats hold the covariates"):
        cx.ab.compare_means(stats, stats, covariates=(x, x))
    with pytest.raises(TypeError, match=r"ci_method='bca' resamples units.*not CupedStats"):
        cx.ab.compare_means(stats, stats, ci_method="bca")
    with pytest.raises(ValueError, match=r"ci_method='percentile' is not available with cov"):
        cx.ab.compare_ratios(stats, stats, ci_method="percentile")
    with pytest.raises(
        ValueError, match=r"control: CupedStats of metric='mean' cannot be compared as a ratio"
    ):
        cx.ab.compare_ratios(stats, stats)
    with pytest.raises(ValueError, match="the same covariates; got 1 and 2"):
        cx.ab.compare_means(stats, CupedStats.from_values(y, [x, x**2]))
    with pytest.raises(ValueError, match="variant: a comparison needs n >= 2 units; got n = 1"):
        cx.ab.compare_means(stats, CupedStats.from_values(y[:1], x[:1]))
    # A covariate given twice, or a linear combination of the others: no unique theta.
    twice = [CupedStats.from_values(y, [x, 2.0 * x + 1.0]) for _ in range(2)]
    with pytest.raises(ValueError, match="CupedStats covariates: the 2 covariates are collinear"):
        cx.ab.compare_means(*twice)
    flat = [CupedStats.from_values(y, [x, np.ones(50)]) for _ in range(2)]
    with pytest.raises(ValueError, match="CupedStats covariates: covariate 1 does not vary"):
        cx.ab.compare_means(*flat)
    zero = CupedStats.from_values(y, x, denominator=np.zeros(50))
    ratio = CupedStats.from_values(y, x, denominator=np.ones(50))
    with pytest.raises(ValueError, match="control: the denominator sums to 0"):
        cx.ab.compare_ratios(zero, ratio)
    with pytest.raises(ValueError, match="one value per unit each; got"):
        CupedStats.from_values(y, x[:-1])
    with pytest.raises(ValueError, match=r"covariates must hold finite numbers"):
        CupedStats.from_values(y, np.where(x > 0, np.nan, x))
    with pytest.raises(ValueError, match="only CupedStats of the same metric and columns merge"):
        stats + ratio
    with pytest.raises(TypeError, match="only CupedStats merge with CupedStats"):
        stats.merge(cx.ab.MeanStats.from_values(y))  # type: ignore[arg-type]
