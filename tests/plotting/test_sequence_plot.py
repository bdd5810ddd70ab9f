"""The trajectory picture of an A/B test, checked against the frame it draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

import cxlib as cx
from cxlib import plotting


def _path(effect: float, seed: int = 3, by: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 30_000
    visits = pd.DataFrame(
        {
            "arm": rng.choice(["A", "B", "C"], n),
            "day": rng.integers(1, 22, n),
            "device": rng.choice(["web", "app"], n),
        }
    )
    rate = np.where(visits["arm"] == "B", 0.1 * (1 + effect), 0.1)
    visits["converted"] = rng.random(n) < rate
    return cx.ab.compare(
        visits, group="arm", control="A", metric="converted", sequential=True, time="day", by=by
    )


def _bands(ax: object) -> list[np.ndarray]:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]  # type: ignore[attr-defined]


def test_lines_and_bands_are_the_lifts_and_their_sequences() -> None:
    path = _path(0.4)
    ax = plotting.sequence(path, time="day")
    lines = {line.get_label(): line for line in ax.get_lines()}
    for variant in ("B", "C"):
        rows = path[path["arm"] == variant].sort_values("day")
        line = lines[variant]
        np.testing.assert_array_equal(line.get_xdata(), rows["day"].to_numpy())
        np.testing.assert_allclose(line.get_ydata(), 100 * rows["lift"].to_numpy())
    bands = _bands(ax)
    assert len(bands) == 2
    for band, variant in zip(bands, ("B", "C"), strict=True):
        rows = path[path["arm"] == variant].sort_values("day")
        y = band.get_paths()[0].vertices[:, 1]
        assert np.isclose(y, 100 * rows["lift_ci_low"].to_numpy()[:, None]).any(axis=1).all()
        assert np.isclose(y, 100 * rows["lift_ci_high"].to_numpy()[:, None]).any(axis=1).all()


def test_the_stop_is_marked_at_the_first_look_that_excludes_zero() -> None:
    path = _path(0.4)
    b = path[path["arm"] == "B"].sort_values("day")
    excludes = (b["lift_ci_low"] > 0) | (b["lift_ci_high"] < 0)
    assert excludes.any()  # the effect is found: the marker must be drawn
    first = b[excludes.to_numpy()].iloc[0]
    ax = plotting.sequence(path, time="day")
    stops = [line for line in ax.get_lines() if line.get_label() == "B: interval excludes 0"]
    assert len(stops) == 1
    assert stops[0].get_xdata()[0] == first["day"]
    assert stops[0].get_ydata()[0] == pytest.approx(100 * first["lift"])
    c = path[path["arm"] == "C"]
    c_excludes = ((c["lift_ci_low"] > 0) | (c["lift_ci_high"] < 0)).any()
    c_marked = any(line.get_label() == "C: interval excludes 0" for line in ax.get_lines())
    assert c_marked == c_excludes


def test_segments_get_a_line_each_and_differences_their_units() -> None:
    path = _path(0.2, by="device")
    ax = plotting.sequence(path, time="day", relative=False)
    labels = {
        str(line.get_label())
        for line in ax.get_lines()
        if "excludes" not in str(line.get_label()) and not str(line.get_label()).startswith("_")
    }
    assert labels == {"web · B", "web · C", "app · B", "app · C"}
    assert ax.get_ylabel() == "Difference"
    web_b = path[(path["device"] == "web") & (path["arm"] == "B")].sort_values("day")
    line = next(line for line in ax.get_lines() if line.get_label() == "web · B")
    np.testing.assert_allclose(line.get_ydata(), web_b["difference"].to_numpy())


def test_bad_input_is_named_and_the_frame_is_unchanged() -> None:
    path = _path(0.1)
    before = path.copy()
    with pytest.raises(ValueError, match=r"result needs the column\(s\) \['week'\]"):
        plotting.sequence(path, time="week")
    with pytest.raises(TypeError, match=r"relative must be True or False"):
        plotting.sequence(path, time="day", relative="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes"):
        plotting.sequence(path, time="day", ax="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"result must be a cxlib result"):
        plotting.sequence([1, 2], time="day")
    pd.testing.assert_frame_equal(path, before)
