"""Result objects: text and HTML representations, frames, immutability."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

import cxlib as cx


def test_estimate_repr_and_float() -> None:
    est = cx.nps([10, 9, 8, 7, 6, 0, None])
    assert str(est) == "NPS 0.0 (95% CI -55.8 to 55.8, score) · n = 6, 1 missing"
    assert repr(est) == str(est)
    assert float(est) == 0.0
    assert est.confidence_level == 0.95


def test_estimate_is_frozen() -> None:
    est = cx.nps([10, 9])
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.value = 3.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        est.components["n_promoters"] = 1  # type: ignore[index]


def test_estimate_to_frame_matches_grouped_columns() -> None:
    est = cx.nps([10, 9, 3])
    frame = est.to_frame()
    grouped = cx.nps(pd.DataFrame({"g": [1, 1, 1], "x": [10, 9, 3]}), "x", by="g")
    assert list(frame.columns[-2:]) == ["confidence_level", "ci_method"]
    assert frame[["confidence_level", "ci_method"]].iloc[0].tolist() == [0.95, "score"]
    pd.testing.assert_frame_equal(
        frame.drop(columns=["confidence_level", "ci_method"]), grouped.drop(columns="g")
    )


def test_estimate_html() -> None:
    html = cx.nps([10, 9, 3])._repr_html_()
    assert html.startswith("<div><strong>NPS 33.3")
    assert "<table" in html
    assert "pct_promoters" in html


def test_comparison_repr_frame_html() -> None:
    res = cx.nps_difference([10, 10, 9, 0], [0, 3, 9, 8])
    assert str(res).startswith("NPS difference +75.0 points (95% CI ")
    assert "p = " in str(res)
    frame = res.to_frame()
    assert list(frame.columns) == [
        "metric",
        "difference",
        "se",
        "ci_low",
        "ci_high",
        "statistic",
        "p_value",
        "value_a",
        "value_b",
        "n_a",
        "n_b",
        "n_missing_a",
        "n_missing_b",
        "confidence_level",
        "ci_method",
        "alternative",
    ]
    with_missing = cx.nps_difference([10, 10, 9, 0, None], [0, 3, 9, 8, None, None])
    assert with_missing.to_frame()[["n_missing_a", "n_missing_b"]].iloc[0].tolist() == [1, 2]
    assert "<table" in res._repr_html_()
    assert float(res) == res.difference


def test_comparison_with_lift_fields() -> None:
    ci = cx.ConfidenceInterval(0.1, 0.4)
    comp = cx.Comparison(
        metric="conversion",
        difference=2.6,
        se=0.5,
        difference_ci=(1.6, 3.6),
        statistic=5.2,
        p_value=1e-7,
        confidence_level=0.95,
        method="delta",
        lift=0.26,
        lift_ci=ci,
    )
    assert comp.difference_ci == cx.ConfidenceInterval(1.6, 3.6)
    assert "p < 0.001" in str(comp)
    frame = comp.to_frame()
    assert frame["lift"].item() == 0.26
    assert frame["lift_ci_high"].item() == 0.4


def test_nan_formatting() -> None:
    est = cx.Estimate(
        metric="nps",
        value=math.nan,
        se=math.nan,
        ci=(math.nan, math.nan),
        confidence_level=0.9,
        ci_method="score",
        n=0,
        n_missing=3,
        label="NPS",
    )
    assert str(est) == "NPS nan (90% CI nan to nan, score) · n = 0, 3 missing"


def test_confidence_interval_namedtuple() -> None:
    ci = cx.ConfidenceInterval(low=-1.0, high=2.0)
    low, high = ci
    assert (low, high) == (-1.0, 2.0)
    assert ci.high == 2.0
