"""Order pictures: what is drawn is checked against the data of cohort_retention / rfm_scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

import cxlib as cx
from cxlib.plotting import cohort_heatmap, rfm_segments


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return cx.datasets.make_orders(3_000, rng=7)


@pytest.fixture(scope="module")
def cohorts(orders: pd.DataFrame) -> pd.DataFrame:
    return cx.cohort_retention(orders, customer="customer_id", date="date")


@pytest.fixture(scope="module")
def scores(orders: pd.DataFrame) -> pd.DataFrame:
    summary = cx.rfm_summary(
        orders, customer="customer_id", date="date", include_first_transaction=True
    )
    return cx.rfm_scores(summary)


def _image(ax: object) -> AxesImage:
    images = list(ax.get_images())  # type: ignore[attr-defined]
    assert len(images) == 1
    return images[0]


@pytest.mark.parametrize("values", ["retention", "customers"])
def test_heatmap_cells_equal_cohort_table(cohorts: pd.DataFrame, values: str) -> None:
    before = cohorts.copy()
    ax = cohort_heatmap(cohorts, values=values)  # type: ignore[arg-type]
    table = cx.cohort_table(cohorts, values)
    drawn = np.ma.filled(_image(ax).get_array().astype(float), np.nan)
    np.testing.assert_array_equal(drawn, table.to_numpy(dtype=float))
    # Later cohorts have fewer observed periods: the triangle below the diagonal is blank.
    assert np.isnan(drawn).any()
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(c) for c in table.index]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(p) for p in table.columns]
    assert list(table.index) == sorted(table.index)  # oldest cohort at the top (row 0)
    # One text per observed cell, placed at its cell, reading its value; none in NaN cells.
    texts = {
        (round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts
    }
    cells = table.to_numpy(dtype=float)
    expected = {
        (r, c): (f"{v:.0f}%" if values == "retention" else f"{v:.0f}")
        for (r, c), v in np.ndenumerate(cells)
        if not np.isnan(v)
    }
    assert texts == expected
    assert len(ax.texts) == int(np.isfinite(cells).sum())
    label = "Retention (%)" if values == "retention" else "Active customers"
    colourbar_axes = [a for a in ax.figure.axes if a is not ax]
    assert [a.get_ylabel() for a in colourbar_axes] == [label]
    pd.testing.assert_frame_equal(cohorts, before)


def test_heatmap_colour_map_is_sequential(cohorts: pd.DataFrame) -> None:
    assert _image(cohort_heatmap(cohorts)).get_cmap().name == "viridis"


def test_heatmap_segment_of_by_result(orders: pd.DataFrame) -> None:
    split = cx.cohort_retention(orders, customer="customer_id", date="date", by="member")
    with pytest.raises(ValueError, match="segment"):
        cohort_heatmap(split)
    with pytest.raises(ValueError, match="segment"):
        cohort_heatmap(split, segment="nope")
    ax = cohort_heatmap(split, segment=True)
    table = cx.cohort_table(split).loc[True]
    drawn = np.ma.filled(_image(ax).get_array().astype(float), np.nan)
    np.testing.assert_array_equal(drawn, table.to_numpy(dtype=float))


def test_heatmap_refuses_segment_without_by(cohorts: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="segment"):
        cohort_heatmap(cohorts, segment=True)


def test_rfm_bars_equal_counts_sorted(scores: pd.DataFrame) -> None:
    before = scores.copy()
    ax = rfm_segments(scores)
    counts = scores["segment"].value_counts()
    counts = counts[counts > 0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    widths = [p.get_width() for p in ax.patches]
    assert sorted(labels) == sorted(str(s) for s in counts.index)
    assert widths == [counts[label] for label in labels]
    # Largest at the top: the y axis is inverted, so tick order is top-down.
    assert widths == sorted(widths, reverse=True)
    assert ax.yaxis_inverted()
    shares = [t.get_text() for t in ax.texts]
    assert shares == [f"{100 * counts[label] / counts.sum():.1f}%" for label in labels]
    pd.testing.assert_frame_equal(scores, before)


def test_rfm_unsorted_keeps_definition_order(scores: pd.DataFrame) -> None:
    ax = rfm_segments(scores, sort=False)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    defined = [s.name for s in cx.RFM_SEGMENTS]
    assert labels == [name for name in defined if name in labels]


def test_ax_and_title_are_honoured(cohorts: pd.DataFrame, scores: pd.DataFrame) -> None:
    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert cohort_heatmap(cohorts, ax=left, title="Cohorts") is left
    assert rfm_segments(scores, ax=right, title="Segments") is right
    assert (left.get_title(), right.get_title()) == ("Cohorts", "Segments")


@pytest.mark.parametrize("draw", [cohort_heatmap, rfm_segments])
def test_bad_inputs(draw: object, cohorts: pd.DataFrame, scores: pd.DataFrame) -> None:
    good = cohorts if draw is cohort_heatmap else scores
    with pytest.raises(TypeError, match="result"):
        draw([1, 2, 3])  # type: ignore[operator]
    with pytest.raises(ValueError, match="result"):
        draw(pd.DataFrame({"x": [1]}))  # type: ignore[operator]
    with pytest.raises(ValueError, match="result"):
        draw(good.iloc[:0])  # type: ignore[operator]
    with pytest.raises(TypeError, match="ax"):
        draw(good, ax="x")  # type: ignore[operator]


def test_bad_values_and_sort(cohorts: pd.DataFrame, scores: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="values"):
        cohort_heatmap(cohorts, values="revenue")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sort"):
        rfm_segments(scores, sort="yes")  # type: ignore[arg-type]
