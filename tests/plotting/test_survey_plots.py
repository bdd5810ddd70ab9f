"""The survey pictures draw what the results say: shares, estimates, intervals, order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

import cxlib as cx
from cxlib import plotting
from cxlib.plotting._base import NEUTRAL, PALETTE

DRIVERS = ["affective_1", "normative_1", "economic_1", "forced_1", "habitual_1"]


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    data = cx.datasets.make_survey(1500, rng=7)
    months = pd.period_range("2024-01", periods=5, freq="M")
    data["month"] = pd.PeriodIndex(np.resize(months, len(data)), freq="M")
    data["region"] = np.resize(["north", "south"], len(data))
    return data


@pytest.fixture(scope="module")
def commitment() -> pd.DataFrame:
    return cx.datasets.make_commitment_survey(600, rng=3)


@pytest.fixture(scope="module")
def profile(commitment: pd.DataFrame) -> Any:
    items, reverse = cx.datasets.COMMITMENT_ITEMS, cx.datasets.COMMITMENT_REVERSED
    return cx.commitment_profile(commitment, items, reverse=reverse, by="segment")


@pytest.fixture(scope="module")
def drivers(commitment: pd.DataFrame) -> pd.DataFrame:
    return cx.key_drivers(commitment, "recommend", DRIVERS, n_resamples=200, rng=1)


def yticks(ax: Axes) -> list[str]:
    """Tick labels from the bottom row up."""
    return [t.get_text() for t in ax.get_yticklabels()]


def bars(ax: Axes) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def whiskers(ax: Axes) -> list[np.ndarray]:
    return [np.asarray(s) for c in ax.collections if isinstance(c, LineCollection)
            for s in c.get_segments()]  # fmt: skip


def rows_by_label(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.set_index(frame[column].astype(str))


# --- nps_breakdown ----------------------------------------------------------------------


def test_nps_bars_are_the_shares_diverging_around_the_centred_passives(survey):
    nps = cx.nps(survey, "recommend", by="touchpoint")
    ax = plotting.nps_breakdown(nps)
    rows = rows_by_label(nps, "touchpoint").loc[yticks(ax)]
    detractors, passives, promoters = bars(ax)
    shares = ["pct_detractors", "pct_passives", "pct_promoters"]
    for container, column in zip(bars(ax), shares, strict=True):
        widths = [p.get_width() for p in container.patches]
        np.testing.assert_allclose(widths, rows[column])
    det, pas = rows["pct_detractors"].to_numpy(), rows["pct_passives"].to_numpy()
    np.testing.assert_allclose([p.get_x() for p in passives.patches], -pas / 2)
    np.testing.assert_allclose([p.get_x() for p in detractors.patches], -pas / 2 - det)
    np.testing.assert_allclose([p.get_x() for p in promoters.patches], pas / 2)
    assert detractors.patches[0].get_facecolor() == to_rgba(PALETTE["vermillion"])
    assert passives.patches[0].get_facecolor() == to_rgba(NEUTRAL)
    assert promoters.patches[0].get_facecolor() == to_rgba(PALETTE["green"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Detractors (0-6)", "Passives (7-8)", "Promoters (9-10)"]  # fmt: skip
    assert ax.get_xlabel() == "Share of answers (%)"
    assert ax.xaxis.get_major_formatter()(-40.0, 0) == "40"


def test_nps_groups_are_sorted_by_nps_highest_on_top_or_kept_in_order(survey):
    nps = cx.nps(survey, "recommend", by="touchpoint")
    ax = plotting.nps_breakdown(nps)
    ranked = nps.sort_values("value")["touchpoint"].astype(str).tolist()
    assert yticks(ax) == ranked
    assert len(yticks(ax)) == nps["touchpoint"].nunique()
    unsorted = plotting.nps_breakdown(nps, sort=False)
    assert yticks(unsorted)[::-1] == nps["touchpoint"].astype(str).tolist()


def test_nps_annotations_give_the_score_and_interval_of_their_bar(survey):
    nps = cx.nps(survey, "recommend", by="touchpoint")
    ax = plotting.nps_breakdown(nps)
    rows = rows_by_label(nps, "touchpoint")
    assert len(ax.texts) == len(nps)
    for text in ax.texts:
        row = rows.loc[yticks(ax)[round(text.get_position()[1])]]
        expected = f"NPS {row['value']:+.1f} ({row['ci_low']:.1f} to {row['ci_high']:.1f})"
        assert text.get_text() == expected


def test_nps_of_an_estimate_is_one_bar_labelled_all(survey):
    estimate = cx.nps(survey, "recommend")
    ax = plotting.nps_breakdown(estimate, title="All answers")
    assert yticks(ax) == ["all"]
    widths = [c.patches[0].get_width() for c in bars(ax)]
    parts = estimate.components
    assert widths == pytest.approx(
        [parts["pct_detractors"], parts["pct_passives"], parts["pct_promoters"]])  # fmt: skip
    assert f"{estimate.ci.low:.1f} to {estimate.ci.high:.1f}" in ax.texts[0].get_text()
    assert ax.get_title() == "All answers"


def test_nps_refuses_a_frame_without_the_shares(survey):
    with pytest.raises(ValueError, match=r"pct_detractors.*got a frame with"):
        plotting.nps_breakdown(cx.csat(survey, "satisfaction", by="touchpoint"))


# --- estimates --------------------------------------------------------------------------


def test_estimates_draw_a_dot_and_whisker_per_group_from_the_frame(survey):
    csat = cx.csat(survey, "satisfaction", by="touchpoint")
    ax = plotting.estimates(csat)
    labels = yticks(ax)
    assert sorted(labels) == sorted(csat["touchpoint"].astype(str))
    rows = rows_by_label(csat, "touchpoint").loc[labels]
    assert labels == csat.sort_values("value")["touchpoint"].astype(str).tolist()
    (dots,) = ax.get_lines()
    np.testing.assert_allclose(dots.get_xdata(), rows["value"])
    np.testing.assert_allclose(dots.get_ydata(), np.arange(len(csat)))
    segments = whiskers(ax)
    assert len(segments) == len(csat)
    for segment, (_, row) in zip(segments, rows.iterrows(), strict=True):
        assert segment[:, 0].tolist() == [row["ci_low"], row["ci_high"]]
    assert ax.get_xlabel() == "CSAT (% satisfied)"


@pytest.mark.parametrize(
    ("function", "column", "label"),
    [(cx.nps, "recommend", "NPS (points)"), (cx.ces, "effort", "CES (mean score)")],
)
def test_estimates_label_the_axis_with_the_metric_and_its_unit(survey, function, column, label):
    assert plotting.estimates(function(survey, column, by="touchpoint")).get_xlabel() == label
    given = plotting.estimates(function(survey, column), label="Score")
    assert given.get_xlabel() == "Score"


def test_estimates_join_group_keys_and_draw_the_reference(survey):
    nps = cx.nps(survey, "recommend", by=["touchpoint", "region"])
    ax = plotting.estimates(nps, reference=10.0, sort=False)
    expected = [f"{t} · {r}" for t, r in zip(nps["touchpoint"], nps["region"], strict=True)]
    assert yticks(ax)[::-1] == expected
    reference = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(reference) == 1
    assert list(reference[0].get_xdata()) == [10.0, 10.0]


def test_estimates_of_a_dict_of_estimates_are_labelled_by_its_keys(survey):
    halves = {
        "first": cx.nps(survey[:750], "recommend"),
        "second": cx.nps(survey[750:], "recommend"),
    }
    ax = plotting.estimates(halves, sort=False)
    assert yticks(ax) == ["second", "first"]
    assert [s[:, 0].tolist() for s in whiskers(ax)] == [
        list(halves["second"].ci), list(halves["first"].ci)]  # fmt: skip


def test_estimates_of_a_list_are_labelled_by_the_estimates_labels(survey):
    listed = [cx.nps(survey[:750], "recommend"), cx.nps(survey[750:], "recommend")]
    ax = plotting.estimates(listed, sort=False)
    assert yticks(ax) == ["NPS 2", "NPS 1"]
    assert list(ax.get_lines()[0].get_xdata()) == [listed[1].value, listed[0].value]


def test_estimates_refuse_mixed_metrics_and_a_bad_reference(survey):
    mixed = [cx.nps(survey, "recommend"), cx.csat(survey, "satisfaction")]
    with pytest.raises(ValueError, match="one metric"):
        plotting.estimates(mixed)
    with pytest.raises(TypeError, match="reference must be a number"):
        plotting.estimates(cx.nps(survey, "recommend"), reference="last")


# --- trend ------------------------------------------------------------------------------


def test_trend_draws_one_line_and_band_per_group_sorted_by_time(survey):
    frame = cx.nps(survey, "recommend", by=["month", "touchpoint"])
    shuffled = frame.sample(frac=1.0, random_state=1)
    ax = plotting.trend(shuffled, time="month")
    groups = list(pd.unique(frame["touchpoint"].astype(str)))
    lines, bands = ax.get_lines(), ax.collections
    assert len(lines) == len(bands) == len(groups)
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == sorted(groups)
    for line, band in zip(lines, bands, strict=True):
        rows = frame[frame["touchpoint"].astype(str) == line.get_label()].sort_values("month")
        np.testing.assert_allclose(line.get_ydata(), rows["value"])
        vertices = band.get_paths()[0].vertices[:, 1]
        n = len(rows)
        np.testing.assert_allclose(vertices[1 : n + 1], rows["ci_low"])
        # The band runs along the lows, then back along the highs.
        np.testing.assert_allclose(vertices[n + 2 : 2 * n + 2][::-1], rows["ci_high"])
    assert ax.get_ylabel() == "NPS (points)"


def test_trend_of_labelled_times_is_one_line_in_sorted_order(survey):
    data = survey.assign(quarter=np.resize(["2024Q3", "2024Q1", "2024Q2"], len(survey)))
    frame = cx.csat(data, "satisfaction", by="quarter")
    ax = plotting.trend(frame, time="quarter", label="Satisfied (%)")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024Q1", "2024Q2", "2024Q3"]
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), frame.sort_values("quarter")["value"])
    assert ax.get_legend() is None
    assert ax.get_ylabel() == "Satisfied (%)"


def test_trend_refuses_a_missing_or_bad_time_column(survey):
    frame = cx.nps(survey, "recommend", by="touchpoint")
    with pytest.raises(ValueError, match=r"\['month'\]"):
        plotting.trend(frame, time="month")
    with pytest.raises(TypeError, match="time must be"):
        plotting.trend(frame, time=3)  # type: ignore[arg-type]
    monthly = cx.nps(survey, "recommend", by=["month", "touchpoint"])
    with pytest.raises(ValueError, match="several rows for one 'month'"):
        plotting.trend(monthly, time="month", by=[])
    with pytest.raises(TypeError, match="by must be"):
        plotting.trend(frame, time="touchpoint", by=5)  # type: ignore[arg-type]


# --- commitment_profile -----------------------------------------------------------------


def test_commitment_profile_draws_each_segment_over_the_dimensions(profile):
    frame = profile.to_frame()
    ax = plotting.commitment_profile(profile)
    dims = list(cx.COMMITMENT_DIMENSIONS)
    assert yticks(ax)[::-1] == dims
    segments = list(frame["segment"].cat.categories)
    dots = ax.get_lines()
    assert [d.get_label() for d in dots] == segments
    assert [t.get_text() for t in ax.get_legend().get_texts()] == segments
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == len(segments)
    for segment, line, collection in zip(segments, dots, lines, strict=True):
        rows = frame[frame["segment"] == segment].set_index("dimension").loc[dims]
        np.testing.assert_allclose(line.get_xdata(), rows["value"])
        # Each dot sits in its dimension's row (the first at the top), dodged within it.
        rows_drawn = np.round(np.asarray(line.get_ydata()))
        assert rows_drawn.tolist() == [len(dims) - 1 - i for i in range(len(dims))]
        ends = np.array([s[:, 0] for s in collection.get_segments()])
        np.testing.assert_allclose(ends, rows[["ci_low", "ci_high"]])
    assert ax.get_xlabel() == "Commitment score (0-100)"


def test_commitment_profile_without_groups_has_one_series_and_no_legend(commitment):
    items, reverse = cx.datasets.COMMITMENT_ITEMS, cx.datasets.COMMITMENT_REVERSED
    result = cx.commitment_profile(commitment, items, reverse=reverse)
    ax = plotting.commitment_profile(result.to_frame())
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_xdata(), result.summary["value"])
    assert ax.get_legend() is None


# --- key_drivers ------------------------------------------------------------------------


def test_key_drivers_bars_are_the_importances_sorted_with_their_intervals(drivers):
    ax = plotting.key_drivers(drivers)
    labels = yticks(ax)[::-1]
    assert labels == drivers.sort_values("importance", ascending=False)["driver"].tolist()
    (container,) = bars(ax)
    rows = drivers.set_index("driver").loc[labels[::-1]]
    # Bars and whiskers follow the frame's rows; read them from the bottom row up.
    patches = sorted(container.patches, key=lambda p: p.get_y())
    np.testing.assert_allclose([p.get_width() for p in patches], rows["importance"])
    ends = np.array([s[:, 0] for s in sorted(whiskers(ax), key=lambda s: s[0, 1])])
    np.testing.assert_allclose(ends, rows[["ci_low", "ci_high"]])
    assert ax.get_xlabel() == "Importance (general dominance weight, R²)"
    assert yticks(plotting.key_drivers(drivers, sort=False))[::-1] == DRIVERS


def test_key_drivers_by_group_draw_one_bar_series_per_group(commitment):
    frame = cx.key_drivers(commitment, "recommend", DRIVERS[:3], by="segment", ci_method=None,
                           method="relative-weights")  # fmt: skip
    ax = plotting.key_drivers(frame)
    segments = list(pd.unique(frame["segment"].astype(str)))
    assert [c.get_label() for c in bars(ax)] == segments
    assert whiskers(ax) == []
    for container, segment in zip(bars(ax), segments, strict=True):
        widths = sorted(p.get_width() for p in container.patches)
        assert widths == sorted(frame.loc[frame["segment"] == segment, "importance"])
    assert ax.get_xlabel() == "Importance (relative weight, R²)"


# --- .plot() and what every function shares ---------------------------------------------


def test_plot_methods_draw_what_the_functions_draw(survey, profile):
    estimate = cx.nps(survey, "recommend")
    drawn, direct = estimate.plot(), plotting.nps_breakdown(estimate)
    assert isinstance(drawn, Axes)
    assert [t.get_text() for t in drawn.texts] == [t.get_text() for t in direct.texts]
    assert [c.patches[0].get_width() for c in bars(drawn)] == [
        c.patches[0].get_width() for c in bars(direct)]  # fmt: skip
    csat = cx.csat(survey, "satisfaction").plot(reference=50)
    assert csat.get_xlabel() == "CSAT (% satisfied)"
    assert list(csat.get_lines()[-1].get_xdata()) == [cx.csat(survey, "satisfaction").value]
    ax = Figure().add_subplot()
    assert estimate.plot(ax=ax, title="NPS") is ax
    assert ax.get_title() == "NPS"
    assert profile.plot(ax=ax) is ax
    from_method, from_function = profile.plot(), plotting.commitment_profile(profile)
    for a, b in zip(from_method.get_lines(), from_function.get_lines(), strict=True):
        assert list(a.get_xdata()) == list(b.get_xdata())


CASES: list[tuple[Callable[..., Axes], str, dict[str, Any]]] = [
    (plotting.nps_breakdown, "nps", {}),
    (plotting.estimates, "nps", {}),
    (plotting.trend, "trend", {"time": "month"}),
    (plotting.commitment_profile, "profile", {}),
    (plotting.key_drivers, "drivers", {}),
]


@pytest.fixture
def results(survey, profile, drivers) -> dict[str, pd.DataFrame]:
    return {
        "nps": cx.nps(survey, "recommend", by="touchpoint"),
        "trend": cx.nps(survey, "recommend", by=["month", "touchpoint"]),
        "profile": profile.to_frame(),
        "drivers": drivers,
    }


@pytest.mark.parametrize(("function", "kind", "kwargs"), CASES)
def test_every_picture_draws_into_the_given_axes_and_leaves_the_frame(
    function, kind, kwargs, results
):
    frame = results[kind]
    before = frame.copy()
    ax = Figure().add_subplot()
    assert function(frame, ax=ax, title="Title", **kwargs) is ax
    assert ax.get_title() == "Title"
    pd.testing.assert_frame_equal(frame, before)
    assert frame.attrs == before.attrs


@pytest.mark.parametrize(("function", "kind", "kwargs"), CASES)
def test_every_picture_refuses_bad_inputs_naming_them(function, kind, kwargs, results):
    frame = results[kind]
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes.*got str"):
        function(frame, ax="x", **kwargs)
    with pytest.raises(TypeError, match=r"must be a cxlib result.*got int"):
        function(42, **kwargs)
    with pytest.raises(ValueError, match="no rows"):
        function(frame.iloc[0:0], **kwargs)
    lacking = frame.drop(columns=["value", "importance"], errors="ignore")
    with pytest.raises(ValueError, match=r"needs the column\(s\) \[('value'|'importance')"):
        function(lacking, **kwargs)
