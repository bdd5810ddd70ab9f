"""cx.ab.compare on every engine with CUPED and with survey indices (Index).

CUPED is computed from co-moments of the values and the covariate reduced in the engine
(per cell and per segment); an index from the answer counts per cell. Each result must
equal the per-unit pandas path.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from engine_params import engine_cases, same_frame
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.core.frames import centred_moments, engine_frame


def _visits(offset: float, seed: int = 13, n: int = 6_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.choice(["control", "b", "c"], n)
    pre = rng.gamma(2.0, 10.0, n)
    data = pd.DataFrame(
        {
            "arm": arm,
            "segment": rng.choice(["web", "app", "shop"], n).astype(object),
            # The pre-experiment spend and the spend in the experiment, both far from
            # zero with an offset: the engine's centred co-moments keep their digits.
            "pre": offset + pre,
            "revenue": offset + 5.0 + 0.8 * pre + 0.9 * (arm == "b") + rng.normal(0, 8.0, n),
            "flag": rng.random(n) < 0.3,
            "label": rng.choice(["x", "y"], n),
            "score": rng.integers(0, 11, n).astype(np.float64),
            "satisfaction": rng.integers(1, 6, n).astype(np.float64),
            "w": rng.integers(1, 4, n).astype(np.float64),
            **{f"q{i}": rng.integers(1, 7, n).astype(np.float64) for i in (1, 2, 3)},
        }
    )
    data.loc[::97, "segment"] = None
    data.loc[[4, 9, 33], "revenue"] = np.nan
    data.loc[[9, 21], "pre"] = np.nan
    data.loc[[2, 8], "score"] = np.nan
    return data


CUPED: dict[str, Any] = {
    "group": "arm",
    "control": "control",
    "metric": "revenue",
    "covariate": "pre",
}


@pytest.mark.parametrize(
    ("engine", "offset"), engine_cases([0.0, 1e9], slow=[1e9]), indirect=["engine"]
)
def test_cuped_matches_pandas(engine, offset: float) -> None:
    visits = _visits(offset)
    frame = engine(visits)
    same_frame(cx.ab.compare(frame, **CUPED), cx.ab.compare(visits, **CUPED))
    same_frame(
        cx.ab.compare(frame, **CUPED, by="segment", ci_method="delta", adjust="holm"),
        cx.ab.compare(visits, **CUPED, by="segment", ci_method="delta", adjust="holm"),
    )
    # A bool covariate is read as 0/1, as pandas reads it.
    flagged = {**CUPED, "covariate": "flag"}
    same_frame(cx.ab.compare(frame, **flagged), cx.ab.compare(visits, **flagged))


def test_cuped_reduces_the_variance(engine) -> None:
    """Not only equal to pandas: the adjustment does what CUPED is for."""
    visits = _visits(0.0)
    frame = engine(visits)
    plain = cx.ab.compare(frame, group="arm", control="control", metric="revenue")
    adjusted = cx.ab.compare(frame, **CUPED)
    # Correlation of about 0.8 here: the standard error falls by about 40%.
    assert (adjusted["se"] < 0.7 * plain["se"]).all()
    # The adjusted difference is the plain one less theta times the covariate's.
    complete = visits.dropna(subset=["revenue", "pre"])
    y, x = complete["revenue"].to_numpy(), complete["pre"].to_numpy()
    theta = np.cov(x, y)[0, 1] / np.var(x, ddof=1)
    means = complete.groupby("arm")[["revenue", "pre"]].mean()
    for row in adjusted.itertuples():
        dy = means.loc[row.arm, "revenue"] - means.loc["control", "revenue"]
        dx = means.loc[row.arm, "pre"] - means.loc["control", "pre"]
        assert row.difference == pytest.approx(dy - theta * dx, rel=1e-12)


@pytest.mark.parametrize(
    ("engine", "policy"),
    engine_cases(["omit", "propagate", "raise"], slow=["propagate"]),
    indirect=["engine"],
)
def test_cuped_nan_policies(engine, policy: str) -> None:
    visits = _visits(1e9)
    frame = engine(visits)
    if policy == "raise":
        with pytest.raises(ValueError, match=r"metric or covariate has 4 missing value\(s\)"):
            cx.ab.compare(frame, **CUPED, nan_policy="raise")
    else:
        same_frame(
            cx.ab.compare(frame, **CUPED, by="segment", nan_policy=policy),
            cx.ab.compare(visits, **CUPED, by="segment", nan_policy=policy),
        )


ONE_UNIT_CASES = [("revenue", None), ("revenue", "pre"), (("revenue", "pre"), None)]


@pytest.mark.parametrize(
    ("engine", "case"),
    engine_cases(ONE_UNIT_CASES, slow=ONE_UNIT_CASES[1:2], ids=["mean", "cuped", "ratio"]),
    indirect=["engine"],
)
def test_cells_of_one_unit_or_none_as_in_pandas(engine, case: Any) -> None:
    """A cell of one unit, and one whose values are all missing: NaN comparisons."""
    metric, covariate = case
    # A ratio of two values at 1e9 differs between arms by about 1e-9 of itself, below
    # what its rounding leaves to compare at 1e-9: the ratio is taken near zero.
    visits = _visits(0.0 if isinstance(metric, tuple) else 1e9, n=400)
    tiny = pd.DataFrame(
        {
            "arm": ["control", "control", "b", "control", "c", "c"],
            "segment": ["one", "one", "one", "none", "none", "none"],
            "pre": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "revenue": [1.0, 2.5, 4.0, 3.0, np.nan, np.nan],
        }
    )
    visits = pd.concat([visits, tiny], ignore_index=True)
    kwargs: dict[str, Any] = {
        "group": "arm",
        "control": "control",
        "metric": metric,
        "by": "segment",
        "covariate": covariate,
    }
    with warnings.catch_warnings(record=True) as want:
        warnings.simplefilter("always")
        expected = cx.ab.compare(visits, **kwargs)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        result = cx.ab.compare(engine(visits), **kwargs)
    same_frame(result, expected)
    assert any("variant rows have no control" in str(w.message) for w in want)
    assert _messages(got) == _messages(want)


def _messages(caught: list[warnings.WarningMessage]) -> list[tuple[str, str]]:
    return sorted((w.category.__name__, str(w.message)) for w in caught)


def test_flat_covariate_and_skewed_values_warn_as_in_pandas(engine) -> None:
    """The covariate constant in a segment, and skewed adjusted values in unequal arms."""
    rng = np.random.default_rng(8)
    n = 4_000
    segment = np.where(rng.random(n) < 0.5, "flat", "varied")
    pre = np.where(segment == "flat", 3.0, rng.lognormal(2.0, 1.0, n))
    revenue = np.where(rng.random(n) < 0.9, 0.0, rng.lognormal(3.0, 2.0, n)) + 0.2 * pre
    visits = pd.DataFrame(
        {
            "arm": np.where(rng.random(n) < 0.1, "b", "control"),
            "segment": segment,
            "pre": pre,
            "revenue": revenue,
        }
    )
    kwargs = {**CUPED, "by": "segment"}
    with warnings.catch_warnings(record=True) as want:
        warnings.simplefilter("always")
        expected = cx.ab.compare(visits, **kwargs)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        result = cx.ab.compare(engine(visits), **kwargs)
    same_frame(result, expected)
    assert {category for category, _ in _messages(want)} == {
        "CoverageWarning",
        "DegenerateDataWarning",
    }
    assert _messages(got) == _messages(want)


def test_cuped_bad_input_names_column_and_engine(engine) -> None:
    visits = _visits(0.0)
    frame = engine(visits)
    base = {k: v for k, v in CUPED.items() if k != "covariate"}
    with pytest.raises(ValueError, match=r"covariate='nope' is not a column of the \w+ frame"):
        cx.ab.compare(frame, **base, covariate="nope")
    with pytest.raises(TypeError, match=r"covariate column 'label' must hold numbers; got .* the"):
        cx.ab.compare(frame, **base, covariate="label")
    with pytest.raises(ValueError, match=r"covariate='nope' is not a column of the \w+ frame"):
        cx.ab.compare(frame, **base, covariate=["pre", "nope"])
    with pytest.raises(TypeError, match=r"covariate column 'label' must hold numbers; got .* the"):
        cx.ab.compare(frame, **{**base, "metric": ("revenue", "pre")}, covariate=["label"])
    with pytest.raises(ValueError, match=r"covariate \(CUPED\) applies to a mean"):
        cx.ab.compare(frame, **{**base, "metric": "flag"}, covariate="pre")
    with pytest.raises(ValueError, match=r"ci_method='percentile' resamples units.*'fieller'"):
        cx.ab.compare(frame, **CUPED, ci_method="percentile")
    with pytest.raises(ValueError, match="group='arm' must not also be a by column"):
        cx.ab.compare(frame, **CUPED, by=["segment", "arm"])


def test_units_without_an_arm_are_refused_as_in_pandas(engine) -> None:
    visits = _visits(0.0).astype({"arm": object})
    visits.loc[[1, 2, 3], "arm"] = None
    frame = engine(visits)
    for extra in ({}, {"covariate": "pre"}, {"metric": cx.ab.Index(cx.nps, "score")}):
        kwargs = {"group": "arm", "control": "control", "metric": "revenue", **extra}
        with pytest.raises(ValueError, match="has 3 missing values") as want:
            cx.ab.compare(visits, **kwargs)
        with pytest.raises(ValueError, match="has 3 missing values") as got:
            cx.ab.compare(frame, **kwargs)
        assert str(got.value) == str(want.value)


@pytest.mark.parametrize(
    ("function", "column", "options"),
    [
        (cx.nps, "score", {}),
        (cx.csat, "satisfaction", {"weights": "w"}),
        (cx.loyalty_index, ["q1", "q2", "q3"], {}),
    ],
)
def test_index_matches_pandas(engine, function: Any, column: Any, options: Any) -> None:
    visits = _visits(0.0)
    frame = engine(visits)
    metric = cx.ab.Index(function, column, options)
    kwargs: dict[str, Any] = {"group": "arm", "control": "control", "metric": metric}
    same_frame(cx.ab.compare(frame, **kwargs), cx.ab.compare(visits, **kwargs))
    same_frame(
        cx.ab.compare(frame, **kwargs, by="segment", ci_method="delta", adjust="holm"),
        cx.ab.compare(visits, **kwargs, by="segment", ci_method="delta", adjust="holm"),
    )
    same_frame(
        cx.ab.compare(frame, **kwargs, nan_policy="propagate"),
        cx.ab.compare(visits, **kwargs, nan_policy="propagate"),
    )


def test_index_refusals_as_in_pandas(engine) -> None:
    visits = _visits(0.0)
    frame = engine(visits)
    kwargs: dict[str, Any] = {
        "group": "arm",
        "control": "control",
        "metric": cx.ab.Index(cx.nps, "score"),
    }
    for bad, message in (
        ({"ci_method": "bca"}, r"ci_method must be one of 'delta', 'fieller', 'log'"),
        ({"nan_policy": "raise"}, r"missing"),
        ({"covariate": "pre"}, r"covariate \(CUPED\) applies to a mean"),
        ({"metric": cx.ab.Index(cx.nps, "score", {"by": "segment"})}, "must not set 'by'"),
    ):
        with pytest.raises(ValueError, match=message) as want:
            cx.ab.compare(visits, **{**kwargs, **bad})
        with pytest.raises(ValueError, match=message) as got:
            cx.ab.compare(frame, **{**kwargs, **bad})
        assert str(got.value) == str(want.value)
    with pytest.raises(ValueError, match=r"column='nope' is not a column of the \w+ frame"):
        cx.ab.compare(frame, **{**kwargs, "metric": cx.ab.Index(cx.nps, "nope")})


def _brute_third(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    ea, eb = a - a.mean(), b - b.mean()
    # A second pass about the rounded means, as numpy's two-pass reference.
    ea, eb = ea - ea.mean(), eb - eb.mean()
    return float(np.sum(ea * ea * eb)), float(np.sum(ea * eb * eb))


@pytest.mark.parametrize(
    ("engine", "offset"), engine_cases([0.0, 1e9], slow=[1e9]), indirect=["engine"]
)
def test_mixed_third_moments_match_numpy(engine, offset: float) -> None:
    visits = _visits(offset)
    got = centred_moments(
        engine_frame(engine(visits)), ["arm"], ["revenue", "pre"], [("revenue", "pre")], third=True
    )
    complete = visits.dropna(subset=["revenue", "pre"])
    for row in got.itertuples():
        part = complete[complete["arm"] == row.arm]
        y, x = part["revenue"].to_numpy(), part["pre"].to_numpy()
        yyx, yxx = _brute_third(y, x)
        scale = np.std(y) ** 2 * np.std(x)  # relative to the spread, not the offset
        assert abs(row.c3_revenue_revenue_pre - yyx) <= 1e-9 * scale * len(y)
        scale = np.std(y) * np.std(x) ** 2
        assert abs(row.c3_revenue_pre_pre - yxx) <= 1e-9 * scale * len(y)


@settings(max_examples=30)
@given(
    offset=st.sampled_from([0.0, -3e6, 1e9]),
    slope=st.floats(-3.0, 3.0),
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(8, 60),
)
def test_cuped_on_polars_equals_pandas_property(
    offset: float, slope: float, seed: int, n: int
) -> None:
    import polars as pl

    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 2.0, n)
    visits = pd.DataFrame(
        {
            "arm": np.tile(["control", "b"], n)[:n],
            "segment": rng.choice(["p", "q"], n),
            "pre": offset + x,
            "revenue": offset + slope * x + rng.normal(0.0, 1.0, n),
        }
    )
    with warnings.catch_warnings(record=True) as want:
        warnings.simplefilter("always")
        expected = cx.ab.compare(visits, **CUPED, by="segment")
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        result = cx.ab.compare(pl.from_pandas(visits), **CUPED, by="segment")
    same_frame(result, expected)
    assert _messages(got) == _messages(want)


INFINITE_CASES = [
    ("revenue", "metric", "revenue", None),
    ("pre", "covariate", "revenue", "pre"),
    ("pre", "denominator", ("revenue", "pre"), None),
]


@pytest.mark.parametrize(
    ("engine", "case"),
    engine_cases(
        INFINITE_CASES, slow=INFINITE_CASES[1:2], ids=["metric", "covariate", "denominator"]
    ),
    indirect=["engine"],
)
def test_infinite_values_are_refused_naming_column_and_engine(engine, case: Any) -> None:
    column, role, metric, covariate = case
    visits = _visits(0.0, n=300)
    visits.loc[[7, 8], column] = [np.inf, -np.inf]
    kwargs = {"group": "arm", "control": "control", "metric": metric}
    with pytest.raises(ValueError, match="must hold finite values"):
        cx.ab.compare(visits, **kwargs, covariate=covariate)
    pattern = rf"{role} column '{column}' must hold finite values; got 2 infinite values in the"
    with pytest.raises(ValueError, match=pattern):
        cx.ab.compare(engine(visits), **kwargs, covariate=covariate)


def test_nan_is_missing_where_the_engine_keeps_it_apart_from_null() -> None:
    """Polars keeps NaN apart from null: both are missing values, as in pandas."""
    import polars as pl

    visits = _visits(1e9, n=900).assign(won=lambda f: f["flag"].astype(np.float64))
    visits["segment"] = visits["segment"].fillna("web")  # no tiny cells
    visits.loc[[3, 50], "won"] = np.nan
    frame = pl.from_pandas(visits, nan_to_null=False)
    assert frame["won"].is_nan().sum() == 2
    assert frame["revenue"].is_nan().sum() == 3
    kwargs: dict[str, Any] = {"group": "arm", "control": "control", "by": "segment"}
    for extra in (
        {"metric": cx.ab.Proportion("won")},
        {"metric": "revenue"},
        {"metric": "revenue", "covariate": "pre"},
        {"metric": cx.ab.Index(cx.nps, "score")},
    ):
        same_frame(
            cx.ab.compare(frame, **kwargs, **extra), cx.ab.compare(visits, **kwargs, **extra)
        )
