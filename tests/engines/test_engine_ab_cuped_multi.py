"""cx.ab.compare on every engine: CUPED with several covariates, and CUPED of ratios.

The engine reduces the rows to the co-moments of each cell (arm x segment) about its
segment's mean; theta and every adjusted value, variance and third moment follow from
them. Each result must equal the per-unit pandas path (the reference, itself checked
against statsmodels in tests/ab/test_ab_cuped_ratio.py), warnings word for word.
"""

from __future__ import annotations

import itertools
import math
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from engine_params import engine_cases, same_frame
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.core.frames import centred_moments, engine_frame

COVARIATES = ["pre_revenue", "pre_orders", "pre_visits"]


def _visits(offset: float = 0.0, seed: int = 21, n: int = 5_000) -> pd.DataFrame:
    """Visitors of a three-arm test in three segments: revenue and orders, now and before."""
    rng = np.random.default_rng(seed)
    arm = rng.choice(["control", "b", "c"], n, p=[0.5, 0.3, 0.2])
    activity = rng.gamma(2.0, 1.0, n)
    pre_orders = rng.poisson(activity) + 1.0
    pre_revenue = pre_orders * rng.gamma(4.0, 5.0, n)
    orders = rng.poisson(activity) + 1.0
    revenue = orders * (pre_revenue / pre_orders + rng.gamma(2.0, 2.0, n))
    revenue *= np.where(arm == "b", 1.04, 1.0)
    data = pd.DataFrame(
        {
            "arm": arm,
            "segment": rng.choice(["web", "app", "shop"], n).astype(object),
            # y and the covariates far from zero with an offset: the engine's centred
            # co-moments, taken about the segment's mean, keep their digits.
            "revenue": offset + revenue,
            "orders": orders,
            "pre_revenue": offset + pre_revenue,
            "pre_orders": offset + pre_orders,
            "pre_visits": offset + rng.poisson(3.0 * activity) + 1.0,
            "flag": rng.random(n) < 0.4,
            "label": rng.choice(["x", "y"], n),
        }
    )
    data.loc[::89, "segment"] = None
    data.loc[[4, 9, 33], "revenue"] = np.nan
    data.loc[[9, 21], "pre_orders"] = np.nan
    data.loc[[40, 41], "orders"] = np.nan
    return data


def _messages(caught: list[warnings.WarningMessage]) -> list[tuple[str, str]]:
    return sorted((w.category.__name__, str(w.message)) for w in caught)


def _both(frame: Any, data: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """The engine's and pandas' results equal, with the same warnings (kept in the
    result's ``attrs``); pandas' result."""
    with warnings.catch_warnings(record=True) as want_warned:
        warnings.simplefilter("always")
        want = cx.ab.compare(data, **kwargs)
    with warnings.catch_warnings(record=True) as got_warned:
        warnings.simplefilter("always")
        got = cx.ab.compare(frame, **kwargs)
    same_frame(got, want)
    assert _messages(got_warned) == _messages(want_warned)
    want.attrs["warnings"] = _messages(want_warned)
    return want


CASES: dict[str, tuple[Any, Any]] = {
    "mean-2": ("revenue", ["pre_revenue", "pre_visits"]),
    "mean-3-bool": ("revenue", [*COVARIATES, "flag"]),
    "mean-list-of-1": ("revenue", ["pre_revenue"]),
    "ratio-1": (("revenue", "orders"), "pre_revenue"),
    "ratio-2": (("revenue", "orders"), ["pre_revenue", "pre_orders"]),
    "ratio-3": (("revenue", "orders"), COVARIATES),
}
SLOW = ["mean-2", "ratio-2"]


@pytest.mark.parametrize(
    ("engine", "case"), engine_cases(list(CASES), slow=SLOW), indirect=["engine"]
)
def test_cuped_matches_pandas(engine, case: str) -> None:
    metric, covariate = CASES[case]
    visits = _visits()
    frame = engine(visits)
    kwargs = {"group": "arm", "control": "control", "metric": metric, "covariate": covariate}
    plain = cx.ab.compare(visits, **{**kwargs, "covariate": None})
    adjusted = _both(frame, visits, **kwargs)
    # Not only equal to pandas: the pre-period explains part of the variance.
    assert (adjusted["se"] < plain["se"]).all()
    _both(frame, visits, **kwargs, by="segment", ci_method="delta", adjust="holm")


OFFSET_CASES = ["mean-2", "ratio-2", "ratio-1"]


@pytest.mark.parametrize(
    ("engine", "case"), engine_cases(OFFSET_CASES, slow=["mean-2"]), indirect=["engine"]
)
def test_large_offsets_match_pandas(engine, case: str) -> None:
    """Values and covariates at 1e9 + x: the same numbers as pandas, and the same as with
    the covariates near zero (a shift of the covariates changes nothing)."""
    metric, covariate = CASES[case]
    kwargs = {"group": "arm", "control": "control", "metric": metric, "covariate": covariate}
    visits = _visits(1e9)
    far = _both(engine(visits), visits, **kwargs, by="segment")
    # 1e9 + x less 1e9 is exact (Sterbenz): the same covariates, near zero.
    near = visits.assign(**{c: visits[c] - 1e9 for c in COVARIATES})
    same_frame(_both(engine(near), near, **kwargs, by="segment"), far)


@pytest.mark.parametrize(
    ("engine", "policy"),
    engine_cases(["omit", "propagate", "raise"], slow=["propagate"]),
    indirect=["engine"],
)
def test_nan_policies_match_pandas(engine, policy: str) -> None:
    visits = _visits(1e6)
    frame = engine(visits)
    for metric, covariate in (CASES["mean-2"], CASES["ratio-2"]):
        kwargs = {"group": "arm", "control": "control", "metric": metric, "by": "segment"}
        if policy == "raise":
            with pytest.raises(ValueError, match=r"metric or covariate has \d+ missing value"):
                cx.ab.compare(frame, **kwargs, covariate=covariate, nan_policy="raise")
        else:
            _both(frame, visits, **kwargs, covariate=covariate, nan_policy=policy)


def test_skewed_adjusted_values_warn_as_in_pandas(engine) -> None:
    """The third moment of the values adjusted for several covariates, in the engine."""
    rng = np.random.default_rng(8)
    n = 4_000
    pre = rng.lognormal(2.0, 1.0, (2, n))
    revenue = np.where(rng.random(n) < 0.9, 0.0, rng.lognormal(3.0, 2.0, n)) + 0.2 * pre[0]
    visits = pd.DataFrame(
        {
            "arm": np.where(rng.random(n) < 0.1, "b", "control"),
            "pre": pre[0],
            "visits": pre[1],
            "revenue": revenue,
        }
    )
    kwargs: dict[str, Any] = {"group": "arm", "control": "control", "metric": "revenue"}
    result = _both(engine(visits), visits, **kwargs, covariate=["pre", "visits"])
    assert [category for category, _ in result.attrs["warnings"]] == ["CoverageWarning"]


def test_bad_input_is_refused_as_in_pandas(engine) -> None:
    visits = _visits(n=600)
    north = visits["segment"] == "web"
    visits = visits.assign(
        double=2.0 * visits["pre_revenue"] + 1.0,
        copy=visits["pre_orders"],
        flat=np.where(north, 1.0, visits["pre_visits"]),
    )
    frame = engine(visits)
    base: dict[str, Any] = {"group": "arm", "control": "control"}
    for metric in ("revenue", ("revenue", "orders")):
        kwargs = {**base, "metric": metric}
        with pytest.raises(ValueError, match=r"covariate='nope' is not a column of the \w+ frame"):
            cx.ab.compare(frame, **kwargs, covariate=["pre_revenue", "nope"])
        with pytest.raises(TypeError, match=r"covariate column 'label' must hold numbers; got"):
            cx.ab.compare(frame, **kwargs, covariate=["pre_revenue", "label"])
        with pytest.raises(ValueError, match="each column once"):
            cx.ab.compare(frame, **kwargs, covariate=["pre_orders", "pre_orders"])
        for pair in (["pre_revenue", "double"], ["pre_orders", "copy"]):
            pattern = rf"covariate={pair!r}: the 2 covariates are collinear"
            with pytest.raises(ValueError, match=pattern.replace("[", r"\[")):
                cx.ab.compare(visits, **kwargs, covariate=pair)
            with pytest.raises(ValueError, match=pattern.replace("[", r"\[")):
                cx.ab.compare(frame, **kwargs, covariate=pair)
        flat = {**kwargs, "by": "segment", "covariate": ["pre_revenue", "flat"]}
        with pytest.raises(ValueError, match="does not vary in 1 of 4 segments") as want:
            cx.ab.compare(visits, **flat)
        with pytest.raises(ValueError, match="does not vary in 1 of 4 segments") as got:
            cx.ab.compare(frame, **flat)
        assert str(got.value) == str(want.value)
    infinite = visits.assign(pre_visits=np.where(np.arange(len(visits)) < 2, np.inf, 1.0))
    with pytest.raises(ValueError, match="must hold finite values"):
        cx.ab.compare(infinite, **base, metric="revenue", covariate=COVARIATES)
    pattern = r"covariate column 'pre_visits' must hold finite values; got 2 infinite values"
    for metric in ("revenue", ("revenue", "orders")):
        with pytest.raises(ValueError, match=pattern):
            cx.ab.compare(engine(infinite), **base, metric=metric, covariate=COVARIATES)
    with pytest.raises(ValueError, match="ci_method='bca' is not available with covariate="):
        cx.ab.compare(frame, **base, metric=("revenue", "orders"), covariate="pre_orders",
                      ci_method="bca")  # fmt: skip
    with pytest.raises(ValueError, match="ci_method='percentile' resamples units"):
        cx.ab.compare(frame, **base, metric="revenue", covariate=COVARIATES, ci_method="percentile")


def test_numerator_proportional_to_denominator_warns_on_engines() -> None:
    """Revenue of 1e9 per order: the co-moments of (y, n) cannot hold the residual of
    the ratio, which the rows on pandas keep: the engine says so."""
    import polars as pl

    visits = _visits(n=800)
    visits["revenue"] = 1e9 * visits["orders"] + visits["pre_revenue"] % 1.0
    kwargs = {"group": "arm", "control": "control", "metric": ("revenue", "orders")}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cx.ab.compare(visits, **kwargs, covariate=["pre_orders"])
    with pytest.warns(cx.PrecisionWarning, match="nearly proportional to the denominator"):
        cx.ab.compare(pl.from_pandas(visits), **kwargs, covariate=["pre_orders"])


def test_centre_must_be_among_the_keys() -> None:
    import polars as pl

    frame = engine_frame(pl.from_pandas(_visits(n=50)))
    with pytest.raises(ValueError, match=r"centre must be a subset of the keys \['arm'\]; got"):
        centred_moments(frame, ["arm"], ["revenue"], centre=["segment"])


def _exact_mean(values: np.ndarray) -> Fraction:
    return sum((Fraction(v) for v in values), Fraction(0)) / len(values)


@pytest.mark.parametrize(
    ("engine", "offset"), engine_cases([0.0, 1e9], slow=[1e9]), indirect=["engine"]
)
def test_mixed_third_moments_and_offsets_match_exact_arithmetic(engine, offset: float) -> None:
    """``c3_<a>_<b>_<c>`` of three columns, and each cell's offset from its segment's mean."""
    visits = _visits(offset, n=900).dropna(subset=["segment"])
    names = ["revenue", "pre_revenue", "pre_visits"]
    got = centred_moments(
        engine_frame(engine(visits)),
        ["segment", "arm"],
        names,
        list(itertools.combinations(names, 2)),
        triples=[tuple(names)],
        centre=["segment"],
    )
    complete = visits.dropna(subset=names)
    for row in got.itertuples():
        segment = complete[complete["segment"] == row.segment]
        cell = segment[segment["arm"] == row.arm]
        columns = [cell[c].to_numpy() for c in names]
        centres = [_exact_mean(c) for c in columns]
        exact = sum(
            (
                (Fraction(a) - centres[0]) * (Fraction(b) - centres[1]) * (Fraction(c) - centres[2])
                for a, b, c in zip(*columns, strict=True)
            ),
            Fraction(0),
        )
        spread = math.prod(float(np.std(c)) for c in columns)
        assert row.c3_revenue_pre_revenue_pre_visits == pytest.approx(
            float(exact), abs=1e-9 * spread * len(cell)
        )
        for c, column, centre in zip(names, columns, centres, strict=True):
            # The centre is the segment's mean, to the rounding of values at the offset.
            window = getattr(row, f"centre_{c}")
            assert window == pytest.approx(
                float(_exact_mean(segment[c].to_numpy())), abs=1e-9 + 1e3 * np.spacing(offset)
            )
            # The offset is the cell's mean less that centre, exact to small numbers.
            assert getattr(row, f"offset_{c}") == pytest.approx(
                float(centre - Fraction(window)), abs=1e-12 * float(np.std(column))
            )


@settings(max_examples=30)
@given(
    offset=st.sampled_from([0.0, -3e6, 1e9]),
    ratio=st.booleans(),
    slopes=st.tuples(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0)),
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(16, 80),
)
def test_cuped_on_polars_equals_pandas_property(
    offset: float, ratio: bool, slopes: tuple[float, float], seed: int, n: int
) -> None:
    import polars as pl

    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 2.0, (2, n))
    orders = rng.integers(1, 5, n).astype(np.float64)
    y = slopes[0] * x[0] + slopes[1] * x[1] + rng.normal(0.0, 1.0, n)
    visits = pd.DataFrame(
        {
            "arm": np.tile(["control", "b"], n)[:n],
            "segment": np.where(np.arange(n) < n // 2, "p", "q"),
            "x1": offset + x[0],
            "x2": offset + x[1],
            # A ratio's numerator near zero: its value is told apart at 1e-9 of itself.
            "revenue": (orders * (5.0 + y)) if ratio else offset + y,
            "orders": orders,
        }
    )
    metric: Any = ("revenue", "orders") if ratio else "revenue"
    _both(
        pl.from_pandas(visits),
        visits,
        group="arm",
        control="control",
        metric=metric,
        covariate=["x1", "x2"],
        by="segment",
    )
