"""CUPED with several covariates and for ratio metrics, against brute-force regressions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import cxlib as cx

COLUMNS = ["value_control", "value_variant", "difference", "se", "ci_low", "ci_high", "p_value"]


def visits(seed: int, n: int = 3_000, strength: float = 1.0, effect: float = 0.05) -> pd.DataFrame:
    """Visitors of a two-arm test: revenue and orders, now and before the test."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, size=n)
    activity = rng.gamma(2.0, 1.0, size=n)
    pre_orders = rng.poisson(activity) + 1
    pre_revenue = pre_orders * rng.gamma(4.0, 5.0, size=n)
    visits_before = rng.poisson(3.0 * activity) + 1
    # How much the present follows the past: 0 makes the covariates independent noise.
    own = strength * pre_revenue / pre_orders + (1.0 - strength) * rng.gamma(4.0, 5.0, size=n)
    orders = rng.poisson(strength * activity + (1.0 - strength) * 2.0) + 1
    revenue = orders * (own + rng.gamma(2.0, 2.0, size=n)) * (1.0 + effect * arm)
    return pd.DataFrame(
        {
            "arm": np.where(arm == 1, "B", "A"),
            "revenue": revenue,
            "orders": orders.astype(float),
            "pre_revenue": pre_revenue,
            "pre_orders": pre_orders.astype(float),
            "pre_visits": visits_before.astype(float),
        }
    )


def arms(df: pd.DataFrame, *names: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    a, b = df[df.arm == "A"], df[df.arm == "B"]
    return [a[c].to_numpy() for c in names], [b[c].to_numpy() for c in names]


def ols_theta(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Slopes of the least-squares regression of y on x (rows: covariates), with intercept."""
    fit = sm.OLS(y, sm.add_constant(x.T)).fit()
    return np.asarray(fit.params[1:])


def brute_ratio(df: pd.DataFrame, covariates: list[str]) -> dict[str, float]:
    """Adjusted ratios and the difference's se by hand: linearise, regress pooled, adjust."""
    parts = [df[df.arm == a] for a in ("A", "B")]
    lin, ratio = [], []
    for p in parts:
        y, n = p.revenue.to_numpy(), p.orders.to_numpy()
        r = y.sum() / n.sum()
        ratio.append(r)
        lin.append((y - r * n) / n.mean())
    x = [p[covariates].to_numpy().T for p in parts]
    pooled_x = np.concatenate(x, axis=1)
    theta = ols_theta(np.concatenate(lin), pooled_x)
    centre = pooled_x.mean(axis=1)
    out: dict[str, float] = {}
    var = []
    for name, r, li, xi in zip(("control", "variant"), ratio, lin, x, strict=True):
        adjusted = li - theta @ (xi - centre[:, None])
        out[name] = r - float(theta @ (xi.mean(axis=1) - centre))
        var.append(adjusted.var(ddof=1) / len(li))
    out["difference"] = out["variant"] - out["control"]
    out["se"] = math.sqrt(sum(var))
    return out


# --------------------------------------------------------------------------------------
# Against brute force
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    "covariates", [["pre_revenue", "pre_orders"], ["pre_revenue", "pre_orders", "pre_visits"]]
)
def test_ratio_cuped_is_the_pooled_regression_of_the_linearised_ratio(
    seed: int, covariates: list[str]
) -> None:
    df = visits(seed)
    expected = brute_ratio(df, covariates)
    control, variant = arms(df, "revenue", "orders", *covariates)
    result = cx.ab.compare_ratios(
        tuple(control[:2]),
        tuple(variant[:2]),
        covariates=(control[2:], variant[2:]),
        ci_method="delta",
    )
    assert result.estimates[1].value == pytest.approx(expected["control"], rel=1e-9)
    assert result.estimates[0].value == pytest.approx(expected["variant"], rel=1e-9)
    assert result.difference == pytest.approx(expected["difference"], rel=1e-9)
    assert result.se == pytest.approx(expected["se"], rel=1e-9)
    frame = cx.ab.compare(
        df,
        group="arm",
        control="A",
        metric=("revenue", "orders"),
        covariate=covariates,
        ci_method="delta",
    )
    assert frame["difference"].iloc[0] == pytest.approx(expected["difference"], rel=1e-9)
    assert frame["se"].iloc[0] == pytest.approx(expected["se"], rel=1e-9)
    assert frame["p_value"].iloc[0] == pytest.approx(result.p_value, rel=1e-9)


@pytest.mark.parametrize("seed", [3, 4])
def test_several_covariates_of_a_mean_are_the_pooled_ols_regression(seed: int) -> None:
    df = visits(seed)
    covariates = ["pre_revenue", "pre_visits"]
    y = df.revenue.to_numpy()
    x = df[covariates].to_numpy().T
    theta = ols_theta(y, x)
    adjusted = y - theta @ (x - x.mean(axis=1, keepdims=True))
    a, b = adjusted[df.arm == "A"], adjusted[df.arm == "B"]
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    control, variant = arms(df, "revenue", *covariates)
    result = cx.ab.compare_means(control[0], variant[0], covariates=(control[1:], variant[1:]))
    assert result.difference == pytest.approx(b.mean() - a.mean(), rel=1e-9)
    assert result.estimates[0].se == pytest.approx(b.std(ddof=1) / math.sqrt(len(b)), rel=1e-9)
    frame = cx.ab.compare(df, group="arm", control="A", metric="revenue", covariate=covariates)
    assert frame["se"].iloc[0] == pytest.approx(se, rel=1e-9)
    assert frame["difference"].iloc[0] == pytest.approx(result.difference, rel=1e-9)
    assert frame["p_value"].iloc[0] == pytest.approx(result.p_value, rel=1e-9)
    # A DataFrame of covariates per arm, and a 2-D array, are the same covariates.
    parts = [df[df.arm == arm][covariates] for arm in ("A", "B")]
    for given in ((parts[0], parts[1]), (parts[0].to_numpy().T, parts[1].to_numpy().T)):
        other = cx.ab.compare_means(control[0], variant[0], covariates=given)
        assert other.p_value == result.p_value


def test_theta_per_segment_is_the_regression_within_the_segment() -> None:
    df = visits(5, n=4_000)
    df["region"] = np.where(np.arange(len(df)) % 3 == 0, "north", "south")
    covariates = ["pre_revenue", "pre_orders"]
    table = cx.ab.compare(
        df, group="arm", control="A", metric=("revenue", "orders"), by="region",
        covariate=covariates, ci_method="delta",
    )  # fmt: skip
    for region, part in df.groupby("region"):
        expected = brute_ratio(part, covariates)
        row = table[table.region == region].iloc[0]
        assert row["difference"] == pytest.approx(expected["difference"], rel=1e-9)
        assert row["se"] == pytest.approx(expected["se"], rel=1e-9)


# --------------------------------------------------------------------------------------
# What the adjustment does
# --------------------------------------------------------------------------------------


def test_independent_covariates_leave_the_lift_and_shrink_nothing() -> None:
    plain, adjusted, ratio = [], [], []
    for seed in range(200):
        df = visits(1_000 + seed, n=600, strength=0.0)
        control, variant = arms(df, "revenue", "orders", "pre_revenue", "pre_orders")
        a = cx.ab.compare_ratios(tuple(control[:2]), tuple(variant[:2]), ci_method="delta")
        b = cx.ab.compare_ratios(
            tuple(control[:2]),
            tuple(variant[:2]),
            covariates=(control[2:], variant[2:]),
            ci_method="delta",
        )
        plain.append(a.lift)
        adjusted.append(b.lift)
        ratio.append(b.se / a.se)
    plain_mean, adjusted_mean = np.mean(plain), np.mean(adjusted)
    # Same expected lift: the mean difference is far inside its Monte Carlo error.
    mc_error = np.std(np.subtract(adjusted, plain), ddof=1) / math.sqrt(len(plain))
    assert abs(adjusted_mean - plain_mean) < 4.0 * mc_error
    assert adjusted_mean == pytest.approx(0.05, abs=0.02)
    # Noise explains nothing: the se is the same up to the two slopes' chance fit.
    assert np.median(ratio) == pytest.approx(1.0, abs=0.01)


def test_correlated_covariates_shrink_the_standard_error() -> None:
    df = visits(7, n=4_000, strength=1.0)
    control, variant = arms(df, "revenue", "orders", "pre_revenue", "pre_orders")
    plain = cx.ab.compare_ratios(tuple(control[:2]), tuple(variant[:2]))
    one = cx.ab.compare_ratios(
        tuple(control[:2]), tuple(variant[:2]), covariates=(control[2], variant[2])
    )
    both = cx.ab.compare_ratios(
        tuple(control[:2]), tuple(variant[:2]), covariates=(control[2:], variant[2:])
    )

    assert both.se <= one.se < 0.9 * plain.se


def test_large_offsets_give_the_same_intervals() -> None:
    df = visits(8)
    covariates = ["pre_revenue", "pre_orders", "pre_visits"]
    columns = ["difference", "se", "ci_low", "ci_high", "p_value"]

    def compare(frame: pd.DataFrame, metric: object) -> pd.DataFrame:
        return cx.ab.compare(frame, group="arm", control="A", metric=metric, covariate=covariates)

    shifted = df.copy()
    shifted[covariates] += 1e9
    for metric in ("revenue", ("revenue", "orders")):
        near, far = compare(df, metric)[columns], compare(shifted, metric)[columns]
        pd.testing.assert_frame_equal(far, near, rtol=1e-9)
    # Values far from zero too: revenue + c for a mean, revenue + c * orders for the
    # ratio (which moves the ratio by c and leaves its linearisation unchanged). The
    # difference then carries the rounding of the two values, about 1e-16 of 1e9.
    for metric, moved in (
        ("revenue", shifted.revenue + 1e9),
        (("revenue", "orders"), shifted.revenue + 1e9 * shifted.orders),
    ):
        near, far = compare(df, metric), compare(shifted.assign(revenue=moved), metric)
        assert far["value_control"].iloc[0] > 1e9
        assert far["se"].iloc[0] == pytest.approx(near["se"].iloc[0], rel=1e-8)
        for column in ("difference", "ci_low", "ci_high"):
            assert far[column].iloc[0] == pytest.approx(near[column].iloc[0], abs=1e-6)


def test_one_covariate_through_the_list_path_equals_the_single_path() -> None:
    """The same quantities by two exact algorithms (cell co-moments, adjusted rows)."""
    df = visits(9)
    df["region"] = np.where(np.arange(len(df)) % 4 == 0, "north", "south")
    for by in (None, "region"):
        single = cx.ab.compare(
            df, group="arm", control="A", metric="revenue", by=by, covariate="pre_revenue"
        )
        listed = cx.ab.compare(
            df, group="arm", control="A", metric="revenue", by=by, covariate=["pre_revenue"]
        )
        pd.testing.assert_frame_equal(single, listed, rtol=1e-12)


# --------------------------------------------------------------------------------------
# Missing values, bad input, engines
# --------------------------------------------------------------------------------------


def test_missing_covariates_under_each_nan_policy() -> None:
    df = visits(10, n=800)
    control, variant = arms(df, "revenue", "orders", "pre_revenue", "pre_orders")
    gaps = [c.copy() for c in control[2:]]
    gaps[1][:3] = np.nan
    kwargs = {"covariates": (gaps, variant[2:])}
    omitted = cx.ab.compare_ratios(tuple(control[:2]), tuple(variant[:2]), **kwargs)
    assert (omitted.estimates[1].n, omitted.estimates[1].n_missing) == (len(gaps[0]) - 3, 3)
    dropped = cx.ab.compare_ratios(
        (control[0][3:], control[1][3:]),
        tuple(variant[:2]),
        covariates=([g[3:] for g in gaps], variant[2:]),
    )
    assert omitted.p_value == pytest.approx(dropped.p_value, rel=1e-12)
    with pytest.raises(ValueError, match=r"covariates\[0\]\[1\].*nan_policy='raise'"):
        cx.ab.compare_ratios(tuple(control[:2]), tuple(variant[:2]), nan_policy="raise", **kwargs)
    propagated = cx.ab.compare_ratios(
        tuple(control[:2]), tuple(variant[:2]), nan_policy="propagate", **kwargs
    )
    assert math.isnan(propagated.p_value)
    assert propagated.estimates[1].n_missing == 3
    # theta is pooled: the arm without missing values is undefined too, its count kept.
    assert math.isnan(propagated.estimates[0].value)
    assert propagated.estimates[0].n == len(variant[0])
    means = cx.ab.compare_means(control[0], variant[0], **kwargs)
    assert means.estimates[1].n_missing == 3
    with pytest.raises(ValueError, match=r"covariates\[0\]\[1\]"):
        cx.ab.compare_means(control[0], variant[0], nan_policy="raise", **kwargs)
    assert math.isnan(
        cx.ab.compare_means(control[0], variant[0], nan_policy="propagate", **kwargs).p_value
    )
    frame = df.copy()
    frame.loc[frame.index[:5], "pre_orders"] = np.nan
    spec = {"group": "arm", "control": "A", "metric": ("revenue", "orders")}
    table = cx.ab.compare(frame, **spec, covariate=["pre_revenue", "pre_orders"])
    missing = table[["n_missing_control", "n_missing_variant"]].iloc[0].sum()
    assert missing == 5
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        cx.ab.compare(frame, **spec, covariate=["pre_revenue", "pre_orders"], nan_policy="raise")
    table = cx.ab.compare(
        frame, **spec, covariate=["pre_revenue", "pre_orders"], nan_policy="propagate"
    )
    assert math.isnan(table["p_value"].iloc[0])


def test_bad_input_is_refused_naming_the_argument() -> None:
    df = visits(11, n=400)
    control, variant = arms(df, "revenue", "orders", "pre_revenue", "pre_orders")
    c, v = tuple(control[:2]), tuple(variant[:2])
    with pytest.raises(ValueError, match=r"covariates\[0\]\[1\].*one value per unit"):
        cx.ab.compare_ratios(c, v, covariates=([control[2], control[3][:-1]], variant[2:]))
    with pytest.raises(ValueError, match="one value per unit"):
        cx.ab.compare_means(control[0], variant[0], covariates=(control[2][:-2], variant[2]))
    with pytest.raises(ValueError, match="same covariates for both arms"):
        cx.ab.compare_ratios(c, v, covariates=(control[2:], variant[2]))
    constant = [control[2], np.ones_like(control[3])]
    with pytest.raises(ValueError, match=r"covariates: covariate 1 does not vary"):
        cx.ab.compare_ratios(c, v, covariates=(constant, [variant[2], np.ones_like(variant[3])]))
    with pytest.raises(ValueError, match="collinear"):
        cx.ab.compare_means(
            control[0], variant[0],
            covariates=([control[2], 2.0 * control[2] + 1.0], [variant[2], 2.0 * variant[2] + 1.0]),
        )  # fmt: skip
    north = np.arange(len(df)) < 200
    regions = df.assign(
        region=np.where(north, "north", "south"), flat=np.where(north, 1.0, df.pre_visits)
    )
    with pytest.raises(ValueError, match="covariate 'flat' does not vary in 1 of 2 segments"):
        cx.ab.compare(
            regions, group="arm", control="A", metric="revenue", by="region",
            covariate=["pre_revenue", "flat"],
        )  # fmt: skip
    with pytest.raises(ValueError, match=r"covariate=\['pre_revenue', 'double'\].*collinear"):
        cx.ab.compare(
            df.assign(double=3.0 * df.pre_revenue), group="arm", control="A",
            metric=("revenue", "orders"), covariate=["pre_revenue", "double"],
        )  # fmt: skip
    with pytest.raises(TypeError, match="covariates must be a pair"):
        cx.ab.compare_ratios(c, v, covariates=control[2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"covariates\[0\].*not a mix"):
        cx.ab.compare_ratios(c, v, covariates=([1.0, control[2]], variant[2]))
    with pytest.raises(TypeError, match=r"covariates\[1\] must be"):
        cx.ab.compare_ratios(c, v, covariates=(control[2], "pre_revenue"))
    with pytest.raises(TypeError, match="numbers"):
        cx.ab.compare_ratios(c, v, covariates=(control[2].astype(str), variant[2]))
    with pytest.raises(TypeError, match="not RatioStats"):
        cx.ab.compare_ratios(
            cx.ab.RatioStats.from_values(*c), v, covariates=(control[2], variant[2])
        )
    with pytest.raises(ValueError, match="ci_method='bca' is not available with covariates"):
        cx.ab.compare_ratios(c, v, covariates=(control[2], variant[2]), ci_method="bca")
    spec = {"group": "arm", "control": "A", "metric": ("revenue", "orders")}
    with pytest.raises(TypeError, match="covariate must be a column name or a non-empty list"):
        cx.ab.compare(df, **spec, covariate=[])
    with pytest.raises(TypeError, match="covariate must be a column name"):
        cx.ab.compare(df, **spec, covariate=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="each column once"):
        cx.ab.compare(df, **spec, covariate=["pre_orders", "pre_orders"])
    with pytest.raises(ValueError, match="covariate"):
        cx.ab.compare(df, **spec, covariate=["pre_orders", "nope"])
    with pytest.raises(ValueError, match="ci_method='percentile' is not available"):
        cx.ab.compare(df, **spec, covariate="pre_orders", ci_method="percentile")
    flags = df.assign(bought=df.orders > 1)
    with pytest.raises(ValueError, match="applies to a mean or a ratio metric"):
        cx.ab.compare(flags, group="arm", control="A", metric="bought", covariate=["pre_orders"])


def test_inputs_are_not_mutated() -> None:
    df = visits(12, n=500)
    before = df.copy()
    control, variant = arms(df, "revenue", "orders", "pre_revenue", "pre_orders")
    copies = [x.copy() for x in (*control, *variant)]
    cx.ab.compare_ratios(
        tuple(control[:2]), tuple(variant[:2]), covariates=(control[2:], variant[2:])
    )
    cx.ab.compare_means(control[0], variant[0], covariates=(control[2:], variant[2:]))
    cx.ab.compare(
        df,
        group="arm",
        control="A",
        metric=("revenue", "orders"),
        covariate=["pre_revenue", "pre_orders"],
    )
    pd.testing.assert_frame_equal(df, before)
    for a, b in zip((*control, *variant), copies, strict=True):
        np.testing.assert_array_equal(a, b)
