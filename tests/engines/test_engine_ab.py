"""cx.ab.compare on every engine: per-arm and per-segment statistics in the engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from engine_params import IN_PROCESS, engine_cases, same_frame

import cxlib as cx


@pytest.fixture(scope="module")
def visits() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    n = 6_000
    data = pd.DataFrame(
        {
            "arm": rng.choice(["control", "b", "c"], n),
            "segment": rng.choice(["web", "app"], n),
            "converted": rng.random(n) < 0.12,
            # Values far from zero: the engine's two-pass moments keep their digits.
            "revenue": 1e9 + rng.normal(40.0, 8.0, n),
            "orders": rng.poisson(2.0, n) + 1.0,
        }
    )
    data.loc[[4, 9, 33], "revenue"] = np.nan
    return data


@pytest.mark.parametrize("metric", ["converted", "revenue", ("revenue", "orders")])
def test_compare_matches_pandas(engine, visits: pd.DataFrame, metric: Any) -> None:
    frame = engine(visits)
    kwargs: dict[str, Any] = {"group": "arm", "control": "control", "metric": metric}
    same_frame(
        cx.ab.compare(frame, **kwargs, by="segment"), cx.ab.compare(visits, **kwargs, by="segment")
    )
    same_frame(
        cx.ab.compare(frame, **kwargs, ci_method="delta", adjust="holm"),
        cx.ab.compare(visits, **kwargs, ci_method="delta", adjust="holm"),
    )


def test_summary_rows_and_nan_policies(engine, visits: pd.DataFrame) -> None:
    summary = pd.DataFrame(
        {
            "arm": ["control", "b", "control", "b"],
            "wins": [40, 52, 61, 70],
            "n": [900, 910, 1000, 990],
        }
    )
    spec = cx.ab.Proportion("wins", "n")
    same_frame(
        cx.ab.compare(engine(summary), group="arm", control="control", metric=spec),
        cx.ab.compare(summary, group="arm", control="control", metric=spec),
    )
    frame = engine(visits)
    kwargs: dict[str, Any] = {"group": "arm", "control": "control", "metric": "revenue"}
    same_frame(
        cx.ab.compare(frame, nan_policy="propagate", **kwargs),
        cx.ab.compare(visits, nan_policy="propagate", **kwargs),
    )
    with pytest.raises(ValueError, match=r"missing value\(s\) and nan_policy='raise'"):
        cx.ab.compare(frame, nan_policy="raise", **kwargs)


def test_what_needs_rows_is_refused(engine, visits: pd.DataFrame) -> None:
    frame = engine(visits.assign(score=np.arange(len(visits)) % 11, two=np.arange(len(visits)) % 3))
    kwargs: dict[str, Any] = {"group": "arm", "control": "control"}
    with pytest.raises(ValueError, match=r"ci_method='bca' resamples units.*'fieller'"):
        cx.ab.compare(frame, metric="revenue", ci_method="bca", **kwargs)
    with pytest.raises(ValueError, match=r"ci_method='percentile' resamples units"):
        cx.ab.compare(frame, metric="revenue", covariate="orders", ci_method="percentile", **kwargs)
    with pytest.raises(ValueError, match=r"must hold 0/1 or booleans.*\[2\.0\]"):
        cx.ab.compare(frame, metric=cx.ab.Proportion("two"), **kwargs)
    with pytest.raises(ValueError, match=r"group='nope' is not a column"):
        cx.ab.compare(frame, group="nope", control="control", metric="revenue")


def test_skewed_unequal_arms_warn_as_in_pandas(engine) -> None:
    """The CoverageWarning of skewed values with a 10 / 90 split, from the engine's M3."""
    rng = np.random.default_rng(5)
    n = 4_000
    arm = np.where(rng.random(n) < 0.1, "b", "control")
    revenue = np.where(rng.random(n) < 0.9, 0.0, rng.lognormal(3.0, 2.0, n))
    visits = pd.DataFrame({"arm": arm, "revenue": revenue})
    kwargs: dict[str, Any] = {"group": "arm", "control": "control", "metric": "revenue"}
    with pytest.warns(cx.CoverageWarning) as want:
        expected = cx.ab.compare(visits, **kwargs)
    with pytest.warns(cx.CoverageWarning) as got:
        result = cx.ab.compare(engine(visits), **kwargs)
    same_frame(result, expected)
    assert [str(w.message) for w in got] == [str(w.message) for w in want]


@pytest.mark.parametrize(
    ("engine", "metric"),
    engine_cases(["converted", "revenue", ("revenue", "orders")], slow=["revenue"]),
    indirect=["engine"],
)
def test_sequential_trajectory_matches_pandas(engine, visits: pd.DataFrame, metric: Any) -> None:
    """Confidence sequences at three looks, the data of each cut in the engine."""
    looks = visits.assign(day=np.arange(len(visits)) % 3 + 1)
    kwargs: dict[str, Any] = {
        "group": "arm", "control": "control", "metric": metric, "by": "segment",
        "sequential": True, "sequential_tuning": 4_000, "time": "day",
    }  # fmt: skip
    same_frame(cx.ab.compare(engine(looks), **kwargs), cx.ab.compare(looks, **kwargs))


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_quantiles_and_segment_scans_match_pandas(engine, visits: pd.DataFrame) -> None:
    frame = engine(visits)
    kwargs: dict[str, Any] = {"group": "arm", "control": "control", "by": "segment"}
    spec = cx.ab.Quantile("revenue", q=0.9)
    same_frame(
        cx.ab.compare(frame, metric=spec, **kwargs), cx.ab.compare(visits, metric=spec, **kwargs)
    )
    got = cx.ab.segment_scan(frame, metric="converted", **kwargs)
    want = cx.ab.segment_scan(visits, metric="converted", **kwargs)
    same_frame(got.heterogeneity, want.heterogeneity)
