"""cx.key_drivers on every engine: the co-moments are reduced in the engine and the
importances must equal the pandas path's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from engine_params import EVERY, IN_PROCESS

import cxlib as cx

DRIVERS = ["affective", "economic", "forced", "habit"]


def _survey(offset: float = 0.0, n: int = 3_000, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 8, size=(n, 4)).astype(np.float64)
    x[:, 1] += 0.5 * x[:, 0]
    y = x @ np.array([0.9, 0.4, -0.5, 0.1]) + rng.normal(0, 2, n)
    data = pd.DataFrame(offset + x, columns=DRIVERS)
    data["loyalty"] = offset + y
    data["promoter"] = y > np.median(y)
    data["segment"] = rng.choice(["retail", "online", "b2b"], n).astype(object)
    data["region"] = rng.integers(0, 2, n)
    data["w"] = rng.uniform(0.2, 3.0, n)
    data.loc[::53, "w"] = 0.0
    data.loc[::101, "segment"] = None
    data.loc[[3, 40, 77], "affective"] = np.nan
    data.loc[[5, 40], "loyalty"] = np.nan
    return data


def _missing_as_nan(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing group keys as NaN: pandas 2 keeps an engine's None in object columns."""
    return frame.assign(
        **{c: frame[c].where(frame[c].notna(), np.nan) for c in frame if frame[c].dtype == object}
    )


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        _missing_as_nan(got), _missing_as_nan(want), check_dtype=False, rtol=1e-9, atol=1e-12
    )
    assert got.attrs.keys() == want.attrs.keys()
    for key in ("n", "n_missing", "outcome", "drivers", "method"):
        assert got.attrs[key] == want.attrs[key]


CASES = [
    {"method": "dominance"},
    {"method": "relative-weights"},
    {"method": "standardized"},
    {"method": "dominance", "by": "segment"},
    {"method": "relative-weights", "by": ["segment", "region"]},
    {"method": "dominance", "weights": "w"},
    {"method": "standardized", "weights": "w", "by": "segment"},
]


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
@pytest.mark.parametrize("offset", [0.0, 1e9])
@pytest.mark.parametrize("options", CASES)
def test_key_drivers_match_pandas(engine, offset: float, options: dict[str, object]) -> None:
    data = _survey(offset)
    frame = engine(data)
    got = cx.key_drivers(frame, "loyalty", DRIVERS, ci_method=None, **options)  # type: ignore[arg-type]
    want = cx.key_drivers(data, "loyalty", DRIVERS, ci_method=None, **options)  # type: ignore[arg-type]
    _same(got, want)
    if "by" in options:
        for key, value in want.attrs["r2"].items():
            assert got.attrs["r2"][key] == pytest.approx(value, rel=1e-9)
    else:
        assert got.attrs["r2"] == pytest.approx(want.attrs["r2"], rel=1e-9)


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_binary_outcome_and_tables_match_pandas(engine) -> None:
    data = _survey()
    frame = engine(data)
    got = cx.key_drivers(frame, "promoter", DRIVERS, ci_method=None, dominance_tables=True)
    want = cx.key_drivers(data, "promoter", DRIVERS, ci_method=None, dominance_tables=True)
    _same(got, want)
    np.testing.assert_allclose(
        pd.DataFrame(got.attrs["conditional_dominance"]),
        pd.DataFrame(want.attrs["conditional_dominance"]),
        rtol=1e-9,
    )


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_engine_refusals_name_what_works(engine) -> None:
    data = _survey(n=200)
    frame = engine(data)
    with pytest.raises(ValueError, match="ci_method=None"):
        cx.key_drivers(frame, "loyalty", DRIVERS)
    with pytest.raises(ValueError, match="ci_method=None"):
        cx.driver_difference(frame, "loyalty", DRIVERS, ("affective", "forced"))
    with pytest.raises(TypeError, match="weights must name a column"):
        cx.key_drivers(frame, "loyalty", DRIVERS, weights=data["w"].to_numpy(), ci_method=None)
    negative = engine(data.assign(w=-data["w"]))
    with pytest.raises(ValueError, match="weights must be finite and non-negative"):
        cx.key_drivers(negative, "loyalty", DRIVERS, weights="w", ci_method=None)
    with pytest.raises(ValueError, match="'nope' is not a column"):
        cx.key_drivers(frame, "nope", DRIVERS, ci_method=None)
    with pytest.raises(ValueError, match="'nope' is not a column"):
        cx.key_drivers(frame, "loyalty", ["affective", "nope"], ci_method=None)
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        cx.key_drivers(frame, "loyalty", DRIVERS, ci_method=None, nan_policy="raise")
    with pytest.raises(TypeError, match="must hold numbers"):
        cx.key_drivers(frame, "loyalty", ["affective", "segment"], ci_method=None)


@pytest.mark.parametrize("engine", EVERY, indirect=True)
def test_key_drivers_on_every_engine(engine) -> None:
    data = _survey(offset=1e9, n=1_200)
    got = cx.key_drivers(engine(data), "loyalty", DRIVERS, by="segment", ci_method=None)
    want = cx.key_drivers(data, "loyalty", DRIVERS, by="segment", ci_method=None)
    _same(got, want)
    options = {"weights": "w", "method": "relative-weights", "ci_method": None}
    got = cx.key_drivers(engine(data), "promoter", DRIVERS, **options)  # type: ignore[arg-type]
    want = cx.key_drivers(data, "promoter", DRIVERS, **options)  # type: ignore[arg-type]
    _same(got, want)
