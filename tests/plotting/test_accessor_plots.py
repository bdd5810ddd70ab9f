"""``frame.cx.plot``: each picture equals the plotting function's on the same frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxlib as cx
from cxlib import plotting


def _drawn(ax: Any) -> tuple[list[str], int, int, str, str]:
    """What a picture shows: tick labels, lines, patches and axis labels."""
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    return ticks, len(ax.get_lines()), len(ax.patches), ax.get_xlabel(), ax.get_ylabel()


def _frames() -> dict[str, pd.DataFrame]:
    survey = cx.datasets.make_survey(2_000, rng=4)
    rng = np.random.default_rng(4)
    visits = pd.DataFrame({"arm": rng.choice(["A", "B"], 6_000), "day": rng.integers(1, 8, 6_000)})
    visits["converted"] = rng.random(6_000) < 0.1
    monthly = survey.assign(month=np.arange(len(survey)) % 4)
    orders = cx.datasets.make_orders(2_000, rng=4)
    keys = {"customer": "customer_id", "date": "date"}
    return {
        "cohorts": cx.cohort_retention(orders, **keys, cohort="Q", period="Q"),
        "rfm": cx.rfm_scores(cx.rfm_summary(orders, **keys, revenue="revenue")),
        "nps": cx.nps(survey, "recommend", by="touchpoint"),
        "csat": cx.csat(survey, "satisfaction", by="touchpoint"),
        "trend": cx.nps(monthly, "recommend", by="month"),
        "compare": cx.ab.compare(visits, group="arm", control="A", metric="converted"),
        "path": cx.ab.compare(
            visits, group="arm", control="A", metric="converted", sequential=True, time="day"
        ),
    }


@pytest.mark.parametrize(
    ("name", "frame", "kwargs"),
    [
        ("nps_breakdown", "nps", {}),
        ("estimates", "csat", {"sort": False}),
        ("trend", "trend", {"time": "month"}),
        ("lift_forest", "compare", {}),
        ("sequence", "path", {"time": "day"}),
        ("cohort_heatmap", "cohorts", {}),
        ("rfm_segments", "rfm", {}),
    ],
)
def test_each_picture_is_the_function_on_the_frame(
    name: str, frame: str, kwargs: dict[str, Any]
) -> None:
    data = _frames()[frame]
    before = data.copy()
    got = getattr(data.cx.plot, name)(**kwargs)
    want = getattr(plotting, name)(data, **kwargs)
    assert _drawn(got) == _drawn(want)
    pd.testing.assert_frame_equal(data, before)
