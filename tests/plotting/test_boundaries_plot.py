"""The picture of group-sequential boundaries, checked against the design it draws."""

from __future__ import annotations

import numpy as np
import pytest

import cxlib as cx
from cxlib import plotting


def _line(ax: object, label: str) -> object:
    return next(line for line in ax.get_lines() if line.get_label() == label)  # type: ignore[attr-defined]


def test_boundaries_are_the_designs_and_two_sided_ones_are_mirrored() -> None:
    design = cx.ab.group_sequential(5)
    ax = design.plot()
    frame = design.to_frame()
    upper = _line(ax, "boundary: stop beyond it")
    np.testing.assert_allclose(upper.get_xdata(), frame["information_fraction"])  # type: ignore[attr-defined]
    np.testing.assert_allclose(upper.get_ydata(), frame["z_boundary"])  # type: ignore[attr-defined]
    z = frame["z_boundary"].to_numpy()
    lower = [
        line
        for line in ax.get_lines()
        if len(line.get_ydata()) == len(z) and np.allclose(line.get_ydata(), -z)
    ]
    assert len(lower) == 1


def test_a_one_sided_design_has_one_boundary() -> None:
    design = cx.ab.group_sequential(4, alternative="greater")
    ax = plotting.boundaries(design)
    z = design.to_frame()["z_boundary"].to_numpy()
    mirrored = [
        line
        for line in ax.get_lines()
        if len(line.get_ydata()) == len(z) and np.allclose(line.get_ydata(), -z)
    ]
    assert mirrored == []


def test_observed_statistics_and_the_stop() -> None:
    design = cx.ab.group_sequential(5)
    looks = cx.ab.group_sequential_test([0.8, 1.9, 3.1], design)
    ax = plotting.boundaries(looks)
    observed = _line(ax, "observed z")
    np.testing.assert_allclose(observed.get_ydata(), [0.8, 1.9, 3.1])  # type: ignore[attr-defined]
    stop = _line(ax, "stop")
    first = int(np.argmax(looks["stop"].to_numpy()))
    assert stop.get_xdata()[0] == pytest.approx(looks["information_fraction"].iloc[first])  # type: ignore[attr-defined]
    assert stop.get_ydata()[0] == pytest.approx(3.1)  # type: ignore[attr-defined]


def test_bad_input_is_named() -> None:
    with pytest.raises(TypeError, match=r"result must be a cxlib result"):
        plotting.boundaries([1.0, 2.0])
    with pytest.raises(ValueError, match=r"needs the column\(s\) \['information_fraction'"):
        plotting.boundaries(cx.ab.srm([10, 12]).to_frame())
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes"):
        plotting.boundaries(cx.ab.group_sequential(3), ax="x")  # type: ignore[arg-type]
