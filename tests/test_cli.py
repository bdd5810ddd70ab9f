"""The demo command and the generated survey."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import cxlib as cx
from cxlib.cli import main


def test_demo_prints_nps_per_touchpoint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--n", "3000", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "NPS per touchpoint, 95% score confidence intervals" in out
    for touchpoint in cx.datasets.TOUCHPOINTS:
        assert touchpoint in out
    survey = cx.datasets.make_survey(3000, rng=3)
    expected = cx.nps(survey, "recommend")
    assert f"Overall: {expected}" in out


def test_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-m", "cxlib", "demo", "--n", "500"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "NPS per touchpoint" in result.stdout


def test_make_survey_is_seeded_and_valid() -> None:
    a = cx.datasets.make_survey(2_000, rng=1)
    b = cx.datasets.make_survey(2_000, rng=np.random.default_rng(1))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(cx.datasets.make_survey(2_000, rng=2))
    assert a["recommend"].dropna().between(0, 10).all()
    assert a["satisfaction"].between(1, 5).all()
    assert a["effort"].between(1, 7).all()
    assert a["weight"].mean() == pytest.approx(1.0)
    assert set(a["touchpoint"].cat.categories) == set(cx.datasets.TOUCHPOINTS)


def test_touchpoints_differ_as_designed() -> None:
    survey = cx.datasets.make_survey(20_000, rng=0)
    out = cx.nps(survey, "recommend", by="touchpoint").set_index("touchpoint")["value"]
    assert out["app"] > out["web"] > out["call_center"]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"n": 0}, "n must be a positive integer"),
        ({"n": 10, "missing_rate": 1.5}, "missing_rate must be in"),
        ({"n": 10, "rng": "seed"}, "rng must be None"),
        ({"n": 10, "rng": -1}, "non-negative"),
    ],
)
def test_make_survey_errors(kwargs: dict[str, object], pattern: str) -> None:
    with pytest.raises((ValueError, TypeError), match=pattern):
        cx.datasets.make_survey(**kwargs)  # type: ignore[arg-type]
