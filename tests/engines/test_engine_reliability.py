"""Cronbach's alpha and the item analysis on every engine give the pandas numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from engine_params import EVERY, IN_PROCESS

import cxlib as cx

ITEMS = ["q1", "q2", "q3", "q4"]


@pytest.fixture(scope="module")
def items() -> pd.DataFrame:
    """Answers 1-7 of four items driven by one factor, with missing answers and keys."""
    gen = np.random.default_rng(21)
    n = 1_500
    factor = gen.normal(size=n)
    raw = 4 + factor[:, None] + gen.normal(size=(n, 4)) * [0.8, 1.0, 1.3, 1.6]
    data = pd.DataFrame(np.clip(np.rint(raw), 1, 7), columns=ITEMS)
    data.loc[gen.choice(n, 40, replace=False), "q2"] = np.nan
    data.loc[gen.choice(n, 25, replace=False), "q4"] = np.nan
    data["segment"] = gen.choice(["a", "b", "c"], n)
    data.loc[gen.choice(n, 40, replace=False), "segment"] = None  # a group of missing keys
    data["wave"] = np.where(np.arange(n) % 2 == 0, 1, 3)  # integer keys with a gap
    data["weight"] = gen.lognormal(sigma=0.6, size=n)
    data["count"] = gen.integers(1, 4, n).astype(float)
    return data


def _same(got: Any, want: Any) -> None:
    if isinstance(want, pd.DataFrame):
        assert isinstance(got, pd.DataFrame)
        assert list(got.columns) == list(want.columns)
        for c in want.columns:
            if want[c].dtype.kind in "fiu" and c not in ("wave",):
                np.testing.assert_allclose(
                    got[c].to_numpy(dtype=float),
                    want[c].to_numpy(dtype=float),
                    rtol=1e-9,
                    err_msg=c,
                )
            else:
                assert got[c].astype(object).where(got[c].notna(), None).tolist() == (
                    want[c].astype(object).where(want[c].notna(), None).tolist()
                ), c
        return
    assert isinstance(got, cx.Estimate)
    for field in ("value", "se", "n", "n_missing"):
        assert getattr(got, field) == pytest.approx(getattr(want, field), rel=1e-9), field
    assert tuple(got.ci) == pytest.approx(tuple(want.ci), rel=1e-9)
    assert set(got.components) == set(want.components)
    for key, value in want.components.items():
        assert got.components[key] == pytest.approx(value, rel=1e-9), key


CASES = {
    "plain": {},
    "grouped": {"by": ["segment", "wave"]},
    "weighted": {"weights": "weight"},
    "grouped-weighted": {"by": "segment", "weights": "weight"},
    "frequency": {"by": "wave", "weights": "count", "weights_kind": "frequency"},
    "reversed": {"reverse": ["q3"]},
    "level": {"confidence_level": 0.9, "by": "wave"},
    "propagate": {"nan_policy": "propagate", "by": "segment"},
}


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
@pytest.mark.parametrize("case", list(CASES))
def test_alpha_matches_pandas(engine: Any, items: pd.DataFrame, case: str) -> None:
    frame = engine(items)
    options = CASES[case]
    _same(cx.cronbach_alpha(frame, ITEMS, **options), cx.cronbach_alpha(items, ITEMS, **options))
    options = {k: v for k, v in options.items() if k != "confidence_level"}
    _same(cx.item_analysis(frame, ITEMS, **options), cx.item_analysis(items, ITEMS, **options))


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_large_offset_on_engines(engine: Any, items: pd.DataFrame) -> None:
    shifted = items.assign(**{c: items[c] + 1e9 for c in ITEMS})
    want = cx.cronbach_alpha(items, ITEMS, by="segment", weights="weight")
    got = cx.cronbach_alpha(engine(shifted), ITEMS, by="segment", weights="weight")
    np.testing.assert_allclose(got["value"], want["value"], rtol=1e-9)
    np.testing.assert_allclose(got["standardized_alpha"], want["standardized_alpha"], rtol=1e-9)


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_bad_input_on_engines(engine: Any, items: pd.DataFrame) -> None:
    frame = engine(items.assign(text="x"))
    with pytest.raises(ValueError, match="columns='q9' is not a column"):
        cx.cronbach_alpha(frame, ["q1", "q9"])
    with pytest.raises(TypeError, match="column 'text' must hold numbers"):
        cx.cronbach_alpha(frame, ["q1", "text"])
    with pytest.raises(ValueError, match=r"column 'q2' has 40 missing"):
        cx.cronbach_alpha(frame, ITEMS, nan_policy="raise")
    with pytest.raises(TypeError, match="weights must name a column"):
        cx.cronbach_alpha(frame, ITEMS, weights=np.ones(len(items)))
    with pytest.raises(ValueError, match="frequency weights must be whole numbers"):
        cx.cronbach_alpha(frame, ITEMS, weights="weight", weights_kind="frequency")
    constant = engine(items.assign(q4=1e9 + 4))
    with pytest.warns(cx.DegenerateDataWarning, match=r"\['q4'\] do not vary"):
        est = cx.cronbach_alpha(constant, ITEMS)
    assert np.isnan(est.components["standardized_alpha"])


@pytest.mark.parametrize("engine", EVERY, indirect=True)
def test_every_engine(engine: Any, items: pd.DataFrame) -> None:
    frame = engine(items)
    options = {"by": "segment", "weights": "weight"}
    _same(cx.cronbach_alpha(frame, ITEMS, **options), cx.cronbach_alpha(items, ITEMS, **options))
    _same(cx.item_analysis(frame, ITEMS), cx.item_analysis(items, ITEMS))
