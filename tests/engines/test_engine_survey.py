"""Every survey index gives the pandas numbers on every engine (grouped, weighted)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxlib as cx

LOYALTY = ["loyalty_recommend", "loyalty_repurchase", "loyalty_other_products"]
ENGAGEMENT = ["satisfaction", "repurchase", "recommend", "delivers_promise", "fair_resolution"]
ENGAGEMENT_SCALES = ["1-5", "1-5", "0-10", "1-5", "1-5"]
SECURE = ["satisfaction", "repurchase", "advocacy"]

CALLS: dict[str, Callable[..., Any]] = {
    "nps": lambda d, **k: cx.nps(d, "recommend", **k),
    "csat": lambda d, **k: cx.csat(d, "satisfaction", **k),
    "ces": lambda d, **k: cx.ces(d, "effort", **k),
    "loyalty": lambda d, **k: cx.loyalty_index(d, LOYALTY, **k),
    "engagement": lambda d, **k: cx.engagement_index(d, ENGAGEMENT, scale=ENGAGEMENT_SCALES, **k),
    "secure": lambda d, **k: cx.secure_customer_index(d, SECURE, **k),
}


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    data = cx.datasets.make_survey(2_000, rng=7)
    # String group keys (the common case), one missing key, and a second key column.
    data = data.assign(
        touchpoint=data["touchpoint"].astype("str"),
        wave=np.where(np.arange(len(data)) % 3 == 0, "q1", "q2"),
    )
    data.loc[[5, 8, 11, 14, 20, 23], "touchpoint"] = None
    return data


def _same(got: Any, want: Any) -> None:
    if isinstance(want, pd.DataFrame):
        assert isinstance(got, pd.DataFrame)
        assert list(got.columns) == list(want.columns)
        keys = [c for c in want.columns if want[c].dtype == object or str(want[c].dtype) == "str"]
        for c in want.columns:
            if c in keys or c == "metric":
                assert got[c].astype(object).where(got[c].notna(), None).tolist() == (
                    want[c].astype(object).where(want[c].notna(), None).tolist()
                ), c
            else:
                np.testing.assert_allclose(
                    got[c].to_numpy(dtype=float),
                    want[c].to_numpy(dtype=float),
                    rtol=1e-9,
                    err_msg=c,
                )
        return
    assert type(got) is type(want)
    for field in ("value", "se", "n", "n_missing"):
        assert getattr(got, field) == pytest.approx(getattr(want, field), rel=1e-9), field
    assert tuple(got.ci) == pytest.approx(tuple(want.ci), rel=1e-9)
    for key, value in want.components.items():
        assert got.components[key] == pytest.approx(value, rel=1e-9), key


@pytest.mark.parametrize("index", list(CALLS))
def test_grouped_and_weighted_match_pandas(engine, survey: pd.DataFrame, index: str) -> None:
    convert = engine
    frame = convert(survey)
    call = CALLS[index]
    _same(call(frame, by=["touchpoint", "wave"]), call(survey, by=["touchpoint", "wave"]))
    _same(call(frame, weights="weight"), call(survey, weights="weight"))


def test_counts_bootstrap_matches_pandas(engine, survey: pd.DataFrame) -> None:
    """The counts bootstrap needs no rows: the same seed gives the pandas interval."""
    convert = engine
    frame = convert(survey)
    for index in ("nps", "ces"):
        kwargs = {"ci_method": "bca", "n_resamples": 999, "rng": 3, "by": "touchpoint"}
        _same(CALLS[index](frame, **kwargs), CALLS[index](survey, **kwargs))


def test_row_bootstrap_with_survey_weights_is_refused(engine, survey: pd.DataFrame) -> None:
    convert = engine
    with pytest.raises(ValueError, match=r"resamples rows, which stay in the \w+ frame.*'score'"):
        cx.nps(convert(survey), "recommend", weights="weight", ci_method="percentile", rng=1)


def test_bad_input_is_named(engine, survey: pd.DataFrame) -> None:
    convert = engine
    bad = survey.assign(
        out_of_scale=survey["recommend"].fillna(0).astype(float) + 1,
        half=survey["effort"] + 0.5,
        text=survey["touchpoint"].fillna("x"),
        negative=-survey["weight"],
    )
    frame = convert(bad)
    with pytest.raises(ValueError, match=r"column 'out_of_scale' answers must lie on the 0-10"):
        cx.nps(frame, "out_of_scale")
    with pytest.raises(ValueError, match=r"column 'half' must hold whole-number answers"):
        cx.ces(frame, "half")
    with pytest.raises(TypeError, match=r"column 'text' must hold numbers"):
        cx.csat(frame, "text")
    with pytest.raises(ValueError, match=r"column='nope' is not a column of the \w+ frame"):
        cx.csat(frame, "nope")
    with pytest.raises(ValueError, match=r"by='nope' is not a column"):
        cx.csat(frame, "satisfaction", by="nope")
    with pytest.raises(ValueError, match=r"weights must be finite and non-negative; got \[?-"):
        cx.csat(frame, "satisfaction", weights="negative")
    with pytest.raises(TypeError, match=r"weights must name a column"):
        cx.csat(frame, "satisfaction", weights=np.ones(len(bad)))
    with pytest.raises(ValueError, match=r"missing answer\(s\) and nan_policy='raise'"):
        cx.nps(frame, "recommend", nan_policy="raise")


def test_frequency_weights(engine, survey: pd.DataFrame) -> None:
    convert = engine
    counted = survey.assign(times=np.arange(len(survey)) % 4 + 1.0)
    frame = convert(counted)
    kwargs = {"weights": "times", "weights_kind": "frequency", "by": "wave"}
    _same(cx.csat(frame, "satisfaction", **kwargs), cx.csat(counted, "satisfaction", **kwargs))
    with pytest.raises(ValueError, match=r"frequency weights must be whole numbers"):
        cx.csat(frame, "satisfaction", weights="weight", weights_kind="frequency")
