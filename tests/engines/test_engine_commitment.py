"""The commitment profile's group means on every engine equal the pandas ones (to 1e-9)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from engine_params import EVERY, IN_PROCESS

import cxlib as cx

ITEMS = dict(cx.datasets.COMMITMENT_ITEMS)
REVERSE = cx.datasets.COMMITMENT_REVERSED


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    data = cx.datasets.make_commitment_survey(1_500, rng=21, missing_rate=0.02)
    # String group keys, a few missing, a second key column and whole frequency weights.
    data = data.assign(
        segment=data["segment"].astype("str"),
        wave=np.where(np.arange(len(data)) % 3 == 0, "q1", "q2"),
        times=np.arange(len(data)) % 4 + 1.0,
    )
    data.loc[[4, 9, 16, 25], "segment"] = None
    return data


def _sorted(summary: pd.DataFrame) -> pd.DataFrame:
    keys = list(summary.columns[: list(summary.columns).index("dimension")])
    plain = summary.assign(
        dimension=summary["dimension"].astype(object),
        **{k: summary[k].astype(object).where(summary[k].notna(), None) for k in keys},
    )
    order = [*keys, "dimension"]
    filled = plain.assign(**{k: plain[k].fillna("\x00") for k in keys})
    return plain.loc[filled.sort_values(order).index].reset_index(drop=True)


def _same(got: cx.CommitmentProfile, want: cx.CommitmentProfile) -> None:
    a, b = _sorted(got.summary), _sorted(want.summary)
    assert list(a.columns) == list(b.columns)
    assert got.summary.attrs == want.summary.attrs
    labels = list(b.columns[: list(b.columns).index("dimension") + 1])
    for c in b.columns:
        if c in labels:
            assert a[c].tolist() == b[c].tolist(), c
        else:
            np.testing.assert_allclose(
                a[c].to_numpy(dtype=float), b[c].to_numpy(dtype=float), rtol=1e-9, err_msg=c
            )


CASES: dict[str, dict[str, Any]] = {
    "plain": {},
    "by one key": {"by": "segment"},
    "by two keys, weighted": {"by": ["segment", "wave"], "weights": "weight"},
    "t interval": {"by": "wave", "ci_method": "t", "confidence_level": 0.9},
    "frequency weights": {"by": "wave", "weights": "times", "weights_kind": "frequency"},
    "propagate": {"by": "segment", "nan_policy": "propagate"},
    "counts bootstrap": {"by": "wave", "ci_method": "bca", "n_resamples": 999, "rng": 3},
    "two dimensions": {"items": {"forced": ITEMS["forced"], "affective": ITEMS["affective"]}},
}


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
@pytest.mark.parametrize("case", list(CASES))
def test_summary_matches_pandas(engine: Any, survey: pd.DataFrame, case: str) -> None:
    kwargs = {"items": ITEMS, "reverse": REVERSE, **CASES[case]}
    if "items" in CASES[case]:
        kwargs["reverse"] = ()
    got = cx.commitment_profile(engine(survey), **kwargs)
    want = cx.commitment_profile(survey, **kwargs)
    _same(got, want)
    assert got.items == want.items
    assert got.reverse == want.reverse


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_engine_refusals(engine: Any, survey: pd.DataFrame) -> None:
    frame = engine(survey)
    profile = cx.commitment_profile(frame, ITEMS)
    with pytest.raises(TypeError, match=r"scores need the rows, which stay in the \w+ frame"):
        _ = profile.scores
    with pytest.raises(ValueError, match=r"resamples rows, which stay in the \w+ frame"):
        cx.commitment_profile(frame, ITEMS, weights="weight", ci_method="percentile", rng=1)
    bad = engine(survey.assign(affective_2=survey["affective_2"].fillna(1) + 7))
    with pytest.raises(ValueError, match=r"column 'affective_2' answers must lie on the 1-7"):
        cx.commitment_profile(bad, ITEMS)
    with pytest.raises(ValueError, match=r"items='nope' is not a column of the \w+ frame"):
        cx.commitment_profile(frame, {"habitual": ["nope"]})


@pytest.mark.parametrize("engine", EVERY, indirect=True)
def test_every_engine(engine: Any, survey: pd.DataFrame) -> None:
    kwargs = {"by": "segment", "weights": "weight", "reverse": REVERSE}
    _same(
        cx.commitment_profile(engine(survey), ITEMS, **kwargs),
        cx.commitment_profile(survey, ITEMS, **kwargs),
    )
