"""One vocabulary in cx.ab: ``nan_policy`` as in the survey indices and order metrics.

Every cx.ab function that reads per-unit values takes ``nan_policy`` with the default
``"omit"``; each policy is checked against a brute-force reference: ``"omit"`` equals
the same call on the data with the missing units dropped by hand (and counts them),
``"raise"`` names the argument, ``"propagate"`` gives NaN for the arms holding missing
values and their comparisons, silently (warnings are errors in this suite), as the
survey indices do. Also: the summaries of ``cx.ab.Ratio`` give what the per-unit rows
they summarise give.
"""

from __future__ import annotations

import inspect
import math
import typing
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxlib as cx
from cxlib.core.validation import NanPolicy

#: The cx.ab functions that read per-unit values.
PER_UNIT: dict[str, Callable[..., Any]] = {
    "compare": cx.ab.compare,
    "compare_means": cx.ab.compare_means,
    "compare_ratios": cx.ab.compare_ratios,
    "compare_quantiles": cx.ab.compare_quantiles,
    "cuped": cx.ab.cuped,
    "bayesian_means": cx.ab.bayesian_means,
}
POLICIES = ("omit", "raise", "propagate")


def close(actual: Any, expected: Any, rtol: float = 1e-12) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=0
    )


def numbers(c: cx.Comparison) -> list[float]:
    lift_ci = c.lift_ci or (math.nan, math.nan)
    lift = math.nan if c.lift is None else float(c.lift)
    return [c.difference, c.se, *c.difference_ci, c.statistic, c.p_value, lift, *lift_ci]


def arm(e: cx.Estimate) -> list[float]:
    return [e.value, e.se, *e.ci]


# ----------------------------------------------------------------------------------------
# Signatures
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PER_UNIT)
def test_nan_policy_keyword_default_and_type(name: str) -> None:
    fn = PER_UNIT[name]
    parameter = inspect.signature(fn).parameters["nan_policy"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    assert parameter.default == "omit"
    # Annotated with the library's one Literal (the annotations are strings).
    assert parameter.annotation == "NanPolicy"
    assert vars(inspect.getmodule(fn))["NanPolicy"] is NanPolicy
    assert typing.get_args(NanPolicy) == POLICIES


def test_exactly_the_per_unit_functions_take_nan_policy() -> None:
    """Counts and summaries (proportions, planning, srm) have no missing units to skip."""
    taking = {
        name
        for name in cx.ab.__all__
        if inspect.isfunction(fn := getattr(cx.ab, name))
        and "nan_policy" in inspect.signature(fn).parameters
    }
    assert taking == set(PER_UNIT)


@pytest.mark.parametrize("name", PER_UNIT)
def test_unknown_policy_is_refused(name: str) -> None:
    x = [1.0, 2.0, 3.0, 5.0]
    calls: dict[str, Callable[[], object]] = {
        "compare": lambda: cx.ab.compare(
            pd.DataFrame({"arm": ["A", "A", "B", "B"], "y": x}),
            group="arm",
            control="A",
            metric="y",
            nan_policy="drop",
        ),
        "compare_means": lambda: cx.ab.compare_means(x, x, nan_policy="drop"),  # type: ignore[arg-type]
        "compare_ratios": lambda: cx.ab.compare_ratios((x, x), (x, x), nan_policy="drop"),  # type: ignore[arg-type]
        "compare_quantiles": lambda: cx.ab.compare_quantiles(x, x, nan_policy="drop"),  # type: ignore[arg-type]
        "cuped": lambda: cx.ab.cuped(x, x, nan_policy="drop"),  # type: ignore[arg-type]
        "bayesian_means": lambda: cx.ab.bayesian_means(x, x, nan_policy="drop"),  # type: ignore[arg-type]
    }
    with pytest.raises(ValueError, match=r"nan_policy must be one of 'omit', 'raise', 'propagate'"):
        calls[name]()


# ----------------------------------------------------------------------------------------
# Two-arm functions
# ----------------------------------------------------------------------------------------


def arms(seed: int, n: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Control and variant values, and a mask of missing variant units."""
    rng = np.random.default_rng(seed)
    control = rng.gamma(2.0, 10.0, n)
    variant = rng.gamma(2.0, 11.0, n)
    holes = np.zeros(n, dtype=bool)
    holes[rng.choice(n, 5, replace=False)] = True
    return control, variant, holes


# Gamma(2) values (skewness 1.4) of 60 units per arm are below Kohavi et al.'s n > 355 *
# skewness**2 for a bootstrap: that warning is tested in test_coverage_ab.
SKEWED_BOOTSTRAP = pytest.mark.filterwarnings(
    "ignore:.*bootstrap resamples values with a skewness:cxlib.CoverageWarning"
)


@SKEWED_BOOTSTRAP
@pytest.mark.parametrize("ci_method", ["fieller", "delta", "percentile"])
def test_compare_means_policies(ci_method: str) -> None:
    control, variant, holes = arms(1)
    gappy = np.where(holes, np.nan, variant)
    kw: dict[str, Any] = {"ci_method": ci_method, "n_resamples": 199, "rng": 3}
    omit = cx.ab.compare_means(control, gappy, **kw)
    dropped = cx.ab.compare_means(control, variant[~holes], **kw)
    close(numbers(omit), numbers(dropped))
    assert omit.estimates[0].n_missing == holes.sum() == 5
    assert omit.estimates[0].n == dropped.estimates[0].n == holes.size - 5
    assert omit.estimates[1].n_missing == 0
    with pytest.raises(ValueError, match=r"^variant holds 5 missing values.*nan_policy='raise'"):
        cx.ab.compare_means(control, gappy, nan_policy="raise", **kw)
    prop = cx.ab.compare_means(control, gappy, nan_policy="propagate", **kw)
    assert np.isnan(numbers(prop)).all()
    assert np.isnan(arm(prop.estimates[0])).all()
    close(arm(prop.estimates[1]), arm(dropped.estimates[1]))
    assert (prop.estimates[0].n, prop.estimates[0].n_missing) == (holes.size - 5, 5)


def test_compare_means_with_a_covariate_drops_units_missing_either() -> None:
    control, variant, holes = arms(2)
    pre_c, pre_v = control * 0.5 + 3.0, variant * 0.4 + 1.0
    pre_c = np.where(np.arange(control.size) % 17 == 0, np.nan, pre_c)  # missing covariates
    gappy = np.where(holes, np.nan, variant)
    omit = cx.ab.compare_means(control, gappy, covariates=(pre_c, pre_v))
    keep_c = ~np.isnan(pre_c)
    dropped = cx.ab.compare_means(
        control[keep_c], variant[~holes], covariates=(pre_c[keep_c], pre_v[~holes])
    )
    close(numbers(omit), numbers(dropped))
    assert (omit.estimates[0].n_missing, omit.estimates[1].n_missing) == (5, int((~keep_c).sum()))
    with pytest.raises(ValueError, match=r"^covariates\[0\] holds 4 missing.*nan_policy"):
        cx.ab.compare_means(control, variant, covariates=(pre_c, pre_v), nan_policy="raise")
    # theta is pooled over both arms: propagated missing values leave both undefined.
    prop = cx.ab.compare_means(control, gappy, covariates=(pre_c, pre_v), nan_policy="propagate")
    assert np.isnan(numbers(prop) + arm(prop.estimates[0]) + arm(prop.estimates[1])).all()


@pytest.mark.parametrize("which", ["numerator", "denominator", "both"])
def test_compare_ratios_policies(which: str) -> None:
    rng = np.random.default_rng(5)
    n = 80
    orders = rng.poisson(1.2, (2, n)).astype(float) + 1.0
    revenue = orders * rng.gamma(2.0, 15.0, (2, n))
    holes = np.zeros(n, dtype=bool)
    holes[[1, 7, 30]] = True
    y, x = revenue[0].copy(), orders[0].copy()
    if which in ("numerator", "both"):
        y[holes] = np.nan
    if which in ("denominator", "both"):
        x[holes] = np.nan
    variant = (revenue[1], orders[1])
    omit = cx.ab.compare_ratios((y, x), variant)
    dropped = cx.ab.compare_ratios((revenue[0][~holes], orders[0][~holes]), variant)
    close(numbers(omit), numbers(dropped))
    close(arm(omit.estimates[1]), arm(dropped.estimates[1]))
    assert (omit.estimates[1].n, omit.estimates[1].n_missing) == (n - 3, 3)
    assert omit.estimates[0].n_missing == 0
    with pytest.raises(ValueError, match=r"^control: \w+ holds 3 missing.*nan_policy='raise'"):
        cx.ab.compare_ratios((y, x), variant, nan_policy="raise")
    prop = cx.ab.compare_ratios((y, x), variant, nan_policy="propagate")
    assert np.isnan(numbers(prop) + arm(prop.estimates[1])).all()
    close(arm(prop.estimates[0]), arm(dropped.estimates[0]))
    assert (prop.estimates[1].n, prop.estimates[1].n_missing) == (n - 3, 3)


def test_cuped_policies() -> None:
    rng = np.random.default_rng(8)
    x = rng.gamma(2.0, 10.0, 100)
    y = 0.7 * x + rng.normal(0.0, 5.0, 100)
    y[[4, 9]] = np.nan
    x[[9, 50]] = np.nan
    dropped = np.isnan(y) | np.isnan(x)
    omit = cx.ab.cuped(y, x)
    clean = cx.ab.cuped(y[~dropped], x[~dropped])
    close(omit.adjusted[~dropped], clean.adjusted)
    assert np.isnan(omit.adjusted[dropped]).all()
    close([omit.theta, omit.correlation], [clean.theta, clean.correlation])
    assert (omit.n, omit.n_missing) == (97, 3)
    with pytest.raises(ValueError, match=r"^values holds 2 missing.*nan_policy='raise'"):
        cx.ab.cuped(y, x, nan_policy="raise")
    prop = cx.ab.cuped(y, x, nan_policy="propagate")
    assert np.isnan(prop.adjusted).all()
    assert prop.adjusted.shape == (100,)
    assert np.isnan([prop.theta, prop.covariate_mean, prop.correlation]).all()
    assert math.isnan(prop.variance_reduction)
    assert (prop.n, prop.n_missing) == (97, 3)
    assert "n = 97 (3 missing propagated)" in str(prop)
    assert "n = 97 (3 missing omitted)" in str(omit)


def test_bayesian_means_policies() -> None:
    control, variant, holes = arms(9)
    gappy = np.where(holes, np.nan, variant)
    omit = cx.ab.bayesian_means(control, gappy, rng=1, n_draws=2_000)
    dropped = cx.ab.bayesian_means(control, variant[~holes], rng=1, n_draws=2_000)
    assert omit.posterior_mean == dropped.posterior_mean
    assert omit.chance_to_beat_control == dropped.chance_to_beat_control
    assert omit.n_missing == {"control": 0, "variant": 5}
    assert omit.n == dropped.n
    with pytest.raises(ValueError, match=r"^variant 'variant' holds 5 missing.*nan_policy='raise'"):
        cx.ab.bayesian_means(control, gappy, nan_policy="raise")
    prop = cx.ab.bayesian_means(control, gappy, rng=1, n_draws=2_000, nan_policy="propagate")
    assert math.isnan(prop.posterior_mean["variant"])
    assert prop.posterior_mean["control"] == dropped.posterior_mean["control"]
    assert math.isnan(prop.chance_to_beat_control["variant"])
    assert math.isnan(prop.lift["variant"])
    assert prop.n_missing == omit.n_missing
    assert prop.n == omit.n


# ----------------------------------------------------------------------------------------
# The frame
# ----------------------------------------------------------------------------------------

FRAME_NUMBERS = ["value_control", "value_variant", "n_control", "n_variant", "difference"]
FRAME_NUMBERS += ["se", "ci_low", "ci_high", "lift", "lift_ci_low", "lift_ci_high"]
FRAME_NUMBERS += ["statistic", "p_value"]
COMPARISON = [c for c in FRAME_NUMBERS if c not in ("value_control", "value_variant")]
COMPARISON = [c for c in COMPARISON if c not in ("n_control", "n_variant")]


def units(seed: int = 11, n: int = 900) -> pd.DataFrame:
    """Units of arms A (control), B and C in two segments; B misses values in segment x."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"arm": rng.choice(["A", "B", "C"], n), "seg": rng.choice(["x", "y"], n)})
    frame["orders"] = rng.poisson(1.5, n) + 1.0
    frame["revenue"] = frame["orders"] * rng.gamma(2.0, 12.0, n)
    frame["pre"] = frame["revenue"] * 0.6 + rng.normal(0.0, 9.0, n)
    frame["converted"] = (rng.random(n) < 0.2).astype(float)
    frame["recommend"] = rng.integers(0, 11, n).astype(float)
    holes = (frame["arm"] == "B") & (frame["seg"] == "x") & (rng.random(n) < 0.2)
    return frame.assign(hole=holes)


METRICS: dict[str, tuple[Any, list[str], dict[str, Any]]] = {
    "mean": ("revenue", ["revenue"], {}),
    "ratio": (("revenue", "orders"), ["orders"], {}),
    "proportion": (cx.ab.Proportion("converted"), ["converted"], {}),
    "cuped": ("revenue", ["pre"], {"covariate": "pre"}),
    "mean, bootstrap": ("revenue", ["revenue"], {"ci_method": "percentile", "n_resamples": 199}),
    "index": (cx.ab.Index(cx.nps, "recommend"), ["recommend"], {"ci_method": "delta"}),
}


@SKEWED_BOOTSTRAP
@pytest.mark.parametrize("case", METRICS)
def test_frame_policies(case: str) -> None:
    metric, holed, kw = METRICS[case]
    data = units()
    gappy = data.copy()
    gappy.loc[data["hole"], holed] = np.nan
    args: dict[str, Any] = {"group": "arm", "control": "A", "by": "seg", "metric": metric, **kw}
    omit = cx.ab.compare(gappy, rng=4, **args)
    dropped = cx.ab.compare(data[~data["hole"]], rng=4, **args)
    close(omit[FRAME_NUMBERS].to_numpy(float), dropped[FRAME_NUMBERS].to_numpy(float))
    b_x = ((omit["arm"] == "B") & (omit["seg"] == "x")).to_numpy()
    if "n_missing_variant" in omit:
        expected = np.where(b_x, int(data["hole"].sum()), 0)
        np.testing.assert_array_equal(omit["n_missing_variant"], expected)
        np.testing.assert_array_equal(omit["n_missing_control"], 0)
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        cx.ab.compare(gappy, nan_policy="raise", **args)
    prop = cx.ab.compare(gappy, nan_policy="propagate", rng=4, **args)
    # The comparisons of the cell holding missing values are NaN, the others as omitted.
    assert prop[b_x][[*COMPARISON, "value_variant"]].isna().all().all()
    close(prop.loc[b_x, "value_control"], omit.loc[b_x, "value_control"])
    close(prop[~b_x][FRAME_NUMBERS].to_numpy(float), omit[~b_x][FRAME_NUMBERS].to_numpy(float))
    if "n_missing_variant" in omit:
        np.testing.assert_array_equal(prop["n_missing_variant"], omit["n_missing_variant"])
        close(prop[["n_control", "n_variant"]], omit[["n_control", "n_variant"]])


def test_frame_propagates_a_missing_control_into_every_variant_of_its_segment() -> None:
    data = units()
    gappy = data.assign(revenue=data["revenue"].where(~((data["arm"] == "A") & data["hole"])))
    gappy.loc[(gappy["arm"] == "A") & (gappy["seg"] == "y"), "revenue"] = np.nan
    with pytest.warns(cx.DegenerateDataWarning, match="2 variant rows have no control"):
        table = cx.ab.compare(gappy, group="arm", control="A", by="seg", metric="revenue")
    prop = cx.ab.compare(
        gappy, group="arm", control="A", by="seg", metric="revenue", nan_policy="propagate"
    )
    in_y = (prop["seg"] == "y").to_numpy()
    # Every control value of segment y is missing: omit has no control there (NaN, with
    # the usual warning), while propagate says nothing and is NaN.
    assert prop[in_y][[*COMPARISON, "value_control"]].isna().all().all()
    close(prop[~in_y][FRAME_NUMBERS].to_numpy(float), table[~in_y][FRAME_NUMBERS].to_numpy(float))


# ----------------------------------------------------------------------------------------
# Summaries of a ratio
# ----------------------------------------------------------------------------------------

SUMMARY = cx.ab.Ratio(
    n="n",
    numerator_mean="ym",
    denominator_mean="xm",
    numerator_var="yv",
    denominator_var="xv",
    covariance="cov",
)


def summarise_rows(data: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row of RatioStats-like summaries (two-pass, ddof = 1) per group of units."""
    rows = []
    for key, part in data.groupby(keys):
        y, x = part["revenue"].to_numpy(), part["orders"].to_numpy()
        stats = cx.ab.RatioStats.from_values(numerator=y, denominator=x)
        rows.append(
            dict(
                zip(keys, key, strict=True),
                n=stats.n,
                ym=stats.numerator_mean,
                xm=stats.denominator_mean,
                yv=np.var(y, ddof=1),
                xv=np.var(x, ddof=1),
                cov=np.cov(y, x, ddof=1)[0, 1],
            )
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("offset", [0.0, 1e9])
@pytest.mark.parametrize("ci_method", ["fieller", "delta", "log"])
def test_ratio_summaries_equal_the_unit_rows_they_summarise(offset: float, ci_method: str) -> None:
    data = units(seed=21, n=4_000)
    data = data.assign(revenue=data["revenue"] + offset, part=np.arange(len(data)) % 3)
    args: dict[str, Any] = {"group": "arm", "control": "A", "by": "seg", "ci_method": ci_method}
    per_unit = cx.ab.compare(data, metric=("revenue", "orders"), **args)
    # Several summary rows per cell (three partitions), merged per cell by compare.
    summaries = summarise_rows(data, ["arm", "seg", "part"])
    summed = cx.ab.compare(summaries, metric=SUMMARY, **args)
    close(summed[FRAME_NUMBERS].to_numpy(float), per_unit[FRAME_NUMBERS].to_numpy(float), 1e-9)
    # Each arm's merged summaries are the arm's RatioStats.
    ref = cx.ab.compare_ratios(
        *(
            (part["revenue"].to_numpy(), part["orders"].to_numpy())
            for part in (data[(data.arm == a) & (data.seg == "x")] for a in ("A", "C"))
        ),
        ci_method=ci_method,
    )
    row = summed[(summed["arm"] == "C") & (summed["seg"] == "x")].iloc[0]
    close(
        [row["difference"], row["p_value"], row["lift"]],
        [ref.difference, ref.p_value, ref.lift],
        1e-9,
    )


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [
        ("yv", -1.0, r"column 'yv' must be >= 0"),
        ("cov", 1e12, r"column 'cov' \(covariance\) implies a correlation above 1 in 1 rows"),
        ("ym", np.nan, r"column 'ym' must hold finite numbers"),
        ("n", 2.5, r"column 'n' \(n\) must hold whole counts"),
    ],
)
def test_ratio_summaries_are_checked(column: str, value: float, match: str) -> None:
    summaries = summarise_rows(units(), ["arm"]).astype({"n": float})
    summaries.loc[1, column] = value
    with pytest.raises(ValueError, match=match):
        cx.ab.compare(summaries, group="arm", control="A", metric=SUMMARY)


def test_ratio_summaries_refuse_resampling() -> None:
    summaries = summarise_rows(units(), ["arm"])
    with pytest.raises(ValueError, match="resamples units, but the metric is given as sums"):
        cx.ab.compare(summaries, group="arm", control="A", metric=SUMMARY, ci_method="bca")
