"""Grouped and weighted NPS: the tidy frame, group keys, and survey-weight formulas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from reference import score_interval

import cxlib as cx
from cxlib.core.grouping import make_groups

COLUMNS = [
    "metric",
    "value",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "n_missing",
    "n_detractors",
    "n_passives",
    "n_promoters",
    "pct_detractors",
    "pct_passives",
    "pct_promoters",
]


@pytest.fixture
def survey() -> pd.DataFrame:
    return cx.datasets.make_survey(3_000, rng=7)


def test_tidy_frame_layout(survey: pd.DataFrame) -> None:
    out = cx.nps(survey, "recommend", by="touchpoint")
    assert list(out.columns) == ["touchpoint", *COLUMNS]
    assert list(out["touchpoint"]) == list(survey["touchpoint"].cat.categories)
    assert isinstance(out["touchpoint"].dtype, pd.CategoricalDtype)
    assert out["n"].dtype == np.int64
    assert out["n_missing"].dtype == np.int64
    assert (out["metric"] == "nps").all()
    assert out["n"].sum() + out["n_missing"].sum() == len(survey)
    assert out.index.equals(pd.RangeIndex(len(out)))


def test_accessor_matches_function(survey: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        survey.cx.nps("recommend", by="touchpoint", ci_method="wald"),
        cx.nps(survey, "recommend", by="touchpoint", ci_method="wald"),
    )
    assert survey.cx.nps("recommend") == cx.nps(survey, "recommend")


def test_group_order_and_row_order_do_not_change_results(survey: pd.DataFrame) -> None:
    shuffled = survey.sample(frac=1.0, random_state=3)
    a = cx.nps(survey, "recommend", by=["touchpoint", "satisfaction"])
    b = cx.nps(shuffled, "recommend", by=["touchpoint", "satisfaction"])
    pd.testing.assert_frame_equal(a, b)


def test_missing_group_keys_form_their_own_group() -> None:
    df = pd.DataFrame({"g": ["b", None, "a", None, "b"], "x": [10, 0, 9, 0, 7]})
    out = cx.nps(df, "x", by="g")
    assert out["g"].iloc[:2].tolist() == ["a", "b"]
    assert pd.isna(out["g"].iloc[2])
    assert out["value"].tolist() == [100.0, 50.0, -100.0]


def test_unobserved_categories_are_not_groups() -> None:
    df = pd.DataFrame({"g": pd.Categorical(["a", "a"], categories=["a", "b"]), "x": [9, 3]})
    out = cx.nps(df, "x", by="g")
    assert out["g"].tolist() == ["a"]


@pytest.mark.parametrize(
    "keys",
    [
        np.array([5, 3, 5, 1_000_000_007, 3]),  # sparse integer keys: hashed
        np.array([5, 3, 5, 8, 3]),  # dense integer keys: direct indexing
        np.array([-2, 3, -2, 8, 3], dtype=np.int16),
        np.array([0.5, 1.5, 0.5, np.nan, 1.5]),
        pd.array([True, False, True, None, False], dtype="boolean"),
    ],
)
def test_group_codes_match_pandas(keys: np.ndarray) -> None:
    df = pd.DataFrame({"k": keys})
    groups = make_groups(df, "k")
    # Each row's code points at its own key ...
    mapped = groups.keys["k"].take(groups.codes).reset_index(drop=True)
    pd.testing.assert_series_equal(mapped, df["k"], check_names=False)
    # ... and the groups that occur are pandas' groups, in pandas' order.
    used = groups.keys["k"].take(np.unique(groups.codes)).reset_index(drop=True)
    reference = df.groupby("k", sort=True, dropna=False).size().index.to_series()
    pd.testing.assert_series_equal(used, reference.reset_index(drop=True), check_names=False)


def test_multi_key_groups_match_pandas() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "a": rng.integers(0, 4, 500),
            "b": rng.choice(["x", "y", "z"], 500),
            "c": rng.integers(-(10**12), 10**12, 500) % 3,
        }
    )
    groups = make_groups(df, ["a", "b", "c"])
    expected = df.groupby(["a", "b", "c"], sort=True).ngroup().to_numpy()
    np.testing.assert_array_equal(groups.codes, expected)
    ref = df.groupby(["a", "b", "c"], sort=True).size().reset_index()[["a", "b", "c"]]
    pd.testing.assert_frame_equal(groups.keys, ref, check_column_type=False)


def test_by_column_clashing_with_result_columns() -> None:
    df = pd.DataFrame({"value": ["a", "b"], "x": [9, 3]})
    with pytest.raises(ValueError, match=r"clash with result columns"):
        cx.nps(df, "x", by="value")


@pytest.mark.parametrize("by", [[], ["g", "g"], [1.5]])
def test_invalid_by(by: object) -> None:
    df = pd.DataFrame({"g": ["a"], "x": [9]})
    with pytest.raises((ValueError, TypeError), match="by"):
        cx.nps(df, "x", by=by)  # type: ignore[arg-type]


def test_empty_group_warns_once_with_count() -> None:
    df = pd.DataFrame({"g": ["a", "b", "c"], "x": [9, None, None]})
    with pytest.warns(cx.DegenerateDataWarning, match="2 of 3 groups"):
        out = cx.nps(df, "x", by="g")
    assert out["value"].isna().tolist() == [False, True, True]
    assert out["n_missing"].tolist() == [0, 1, 1]


def linearised(answers: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted NPS (unit scale) and its Taylor-linearised variance, row by row."""
    s = np.where(answers >= 9, 1.0, np.where(answers <= 6, -1.0, 0.0))
    total = w.sum()
    m = float((w * s).sum() / total)
    var = float(sum(wi**2 * (si - m) ** 2 for wi, si in zip(w, s, strict=True)) / total**2)
    return m, var


def test_survey_weights_linearised_se_and_effective_n() -> None:
    rng = np.random.default_rng(11)
    answers = rng.integers(0, 11, size=400)
    w = rng.lognormal(0.0, 0.6, size=400)
    m, var = linearised(answers, w)
    est = cx.nps(answers, weights=w)
    assert est.value == pytest.approx(100 * m)
    assert est.se == pytest.approx(100 * math.sqrt(var))
    p_pro = w[answers >= 9].sum() / w.sum()
    p_det = w[answers <= 6].sum() / w.sum()
    n_eff = (p_pro + p_det - (p_pro - p_det) ** 2) / var
    assert est.components["n_effective"] == pytest.approx(n_eff)
    assert est.components["sum_weights"] == pytest.approx(w.sum())
    low, high = score_interval(p_pro * n_eff, p_det * n_eff, n_eff)
    assert est.ci.low / 100 == pytest.approx(low, abs=1e-7)
    assert est.ci.high / 100 == pytest.approx(high, abs=1e-7)
    wald = cx.nps(answers, weights=w, ci_method="wald")
    assert wald.ci.high == pytest.approx(100 * (m + 1.959963984540054 * math.sqrt(var)))


def test_effective_n_uses_kish_when_all_answers_agree() -> None:
    w = np.array([1.0, 2.0, 3.0])
    est = cx.nps([10, 9, 10], weights=w)
    assert est.components["n_effective"] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert est.value == 100.0
    assert est.ci.high == 100.0
    assert est.se == 0.0


def test_grouped_weights_equal_per_group() -> None:
    survey = cx.datasets.make_survey(2_000, rng=5)
    out = cx.nps(survey, "recommend", by="touchpoint", weights="weight")
    assert {"sum_weights", "n_effective"} <= set(out.columns)
    for row in out.itertuples():
        part = survey[survey["touchpoint"] == row.touchpoint]
        single = cx.nps(part, "recommend", weights="weight")
        assert row.value == pytest.approx(single.value, abs=1e-9)
        assert row.se == pytest.approx(single.se, abs=1e-9)
        assert row.ci_low == pytest.approx(single.ci.low, abs=1e-9)
        assert row.n_effective == pytest.approx(single.components["n_effective"])


def test_score_interval_for_many_groups_matches_brute_force() -> None:
    rng = np.random.default_rng(2)
    n_groups = 300
    df = pd.DataFrame({"g": rng.integers(0, n_groups, 20_000), "x": rng.integers(0, 11, 20_000)})
    out = cx.nps(df, "x", by="g")
    for k in rng.choice(n_groups, 5, replace=False):
        row = out.iloc[int(k)]
        low, high = score_interval(row.n_promoters, row.n_detractors, row.n)
        assert row.ci_low / 100 == pytest.approx(low, abs=1e-7)
        assert row.ci_high / 100 == pytest.approx(high, abs=1e-7)
