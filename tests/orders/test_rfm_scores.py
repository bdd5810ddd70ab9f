"""RFM scores and segments: the binning rule's properties, ties, segments and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxlib.orders.rfm_scores import RFM_SEGMENTS, RFMSegment, rfm_scores


def _summary_of(values: list[float]) -> pd.DataFrame:
    v = np.asarray(values, dtype=np.float64)
    return pd.DataFrame({"frequency": v, "recency": np.zeros(len(v)), "T": v, "monetary_value": v})


tied_values = st.lists(
    st.one_of(st.sampled_from([0.0, 1.0, 2.0, 10.0]), st.floats(0, 100, allow_nan=False)),
    min_size=1,
    max_size=80,
)


@given(values=tied_values, n_bins=st.integers(2, 9))
def test_score_properties(values: list[float], n_bins: int) -> None:
    scored = rfm_scores(_summary_of(values), n_bins=n_bins)
    v = np.asarray(values)
    for column, sign in (("f_score", 1.0), ("m_score", 1.0), ("r_score", -1.0)):
        score = scored[column].to_numpy()
        assert score.dtype == np.int64
        assert ((score >= 1) & (score <= n_bins)).all()
        key = sign * v  # r_score grows as T - recency (= v here) shrinks
        order = np.argsort(key, kind="stable")
        assert (np.diff(score[order]) >= 0).all()  # monotone
        for value in np.unique(key):
            assert len(set(score[key == value])) == 1  # ties share a score
        distinct = len(np.unique(key))
        if distinct >= 2:
            assert score[key == key.min()].min() == 1
            assert score[key == key.max()].max() == n_bins
            assert len(set(score)) == min(distinct, n_bins)  # as many scores as possible
        else:
            assert set(score) == {(n_bins + 1) // 2}
    permuted = _summary_of(values[::-1])
    assert (
        rfm_scores(permuted, n_bins=n_bins)["f_score"].tolist()[::-1] == scored["f_score"].tolist()
    )


@given(n=st.integers(2, 200), n_bins=st.integers(2, 9))
def test_distinct_values_give_equal_count_bins(n: int, n_bins: int) -> None:
    scores = rfm_scores(_summary_of(list(np.arange(float(n)))), n_bins=n_bins)["f_score"]
    sizes = scores.value_counts().to_numpy()
    if n >= n_bins:
        assert len(sizes) == n_bins
        assert sizes.max() - sizes.min() <= 1
    else:  # fewer values than scores: one value per score, spread from 1 to n_bins
        assert len(sizes) == n


def test_heavy_ties_spread_the_rest() -> None:
    frequency = [0.0] * 60 + [1.0] * 15 + [2.0] * 8 + [3.0] * 5 + [4.0] * 4 + list(range(5, 13))
    scores = rfm_scores(_summary_of(frequency))["f_score"]
    by_value = pd.Series(scores.to_numpy(), index=frequency).groupby(level=0).first()
    assert by_value.to_dict() == {
        0.0: 1,
        1.0: 2,
        2.0: 3,
        3.0: 4,
        4.0: 4,
        **{float(v): 5 for v in range(5, 13)},
    }


def test_few_distinct_values_are_spread() -> None:
    scores = rfm_scores(_summary_of([1.0, 1.0, 2.0, 3.0]))["f_score"].tolist()
    assert scores == [1, 1, 3, 5]
    assert rfm_scores(_summary_of([4.0, 4.0]))["f_score"].tolist() == [3, 3]
    assert rfm_scores(_summary_of([0.0, 7.0]), n_bins=4)["f_score"].tolist() == [1, 4]


def test_segments_tile_the_grid() -> None:
    grid = np.zeros((5, 5), dtype=int)
    for segment in RFM_SEGMENTS:
        assert isinstance(segment, RFMSegment)
        (r0, r1), (f0, f1) = segment.recency, segment.frequency
        grid[r0 - 1 : r1, f0 - 1 : f1] += 1
    assert (grid == 1).all()
    assert len({s.name for s in RFM_SEGMENTS}) == len(RFM_SEGMENTS)


def _segment_of(r: int, f: int) -> str:
    for segment in RFM_SEGMENTS:
        in_r = segment.recency[0] <= r <= segment.recency[1]
        if in_r and segment.frequency[0] <= f <= segment.frequency[1]:
            return segment.name
    raise AssertionError((r, f))


@pytest.mark.parametrize("n_bins", [2, 3, 4, 5, 7, 9])
def test_segment_and_rfm_score_columns(n_bins: int) -> None:
    rng = np.random.default_rng(n_bins)
    summary = pd.DataFrame(
        {
            "frequency": rng.poisson(2.0, 300).astype(float),
            "recency": rng.integers(0, 50, 300).astype(float),
            "T": rng.integers(50, 100, 300).astype(float),
            "monetary_value": rng.gamma(2.0, 20.0, 300),
        }
    )
    scored = rfm_scores(summary, n_bins=n_bins)
    assert list(scored.columns) == [
        *summary.columns,
        "r_score",
        "f_score",
        "m_score",
        "rfm_score",
        "segment",
    ]
    pd.testing.assert_frame_equal(scored[summary.columns], summary)
    digits = scored["r_score"] * 100 + scored["f_score"] * 10 + scored["m_score"]
    assert scored["rfm_score"].tolist() == [str(d) for d in digits]
    assert list(scored["segment"].cat.categories) == [s.name for s in RFM_SEGMENTS]

    def level(score: int) -> int:
        return (10 * score - 5) // (2 * n_bins) + 1

    expected = [
        _segment_of(level(r), level(f))
        for r, f in zip(scored["r_score"], scored["f_score"], strict=True)
    ]
    assert scored["segment"].astype(str).tolist() == expected
    if n_bins == 5:
        assert [level(s) for s in range(1, 6)] == [1, 2, 3, 4, 5]
    if n_bins == 3:
        assert [level(s) for s in range(1, 4)] == [1, 3, 5]


def test_scores_without_monetary_value() -> None:
    summary = _summary_of([0.0, 1.0, 2.0]).drop(columns="monetary_value")
    scored = rfm_scores(summary)
    assert "m_score" not in scored.columns
    assert scored["rfm_score"].tolist() == ["51", "33", "15"]


def test_score_errors() -> None:
    summary = _summary_of([0.0, 1.0])
    with pytest.raises(ValueError, match="n_bins must be an integer from 2 to 9"):
        rfm_scores(summary, n_bins=10)
    with pytest.raises(TypeError, match="n_bins"):
        rfm_scores(summary, n_bins=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'recency' is not a column"):
        rfm_scores(summary.drop(columns="recency"))
    with pytest.raises(ValueError, match="'frequency' has 1,"):
        rfm_scores(summary.assign(frequency=[np.nan, 1.0]), nan_policy="raise")
    with pytest.raises(ValueError, match="'T' has 1 infinite"):
        rfm_scores(summary.assign(T=[np.inf, 1.0]))
    with pytest.raises(ValueError, match="nobody to score"):
        rfm_scores(summary.assign(frequency=np.nan))
    with pytest.raises(ValueError, match="no rows"):
        rfm_scores(summary.iloc[:0])
    with pytest.raises(TypeError, match="summary must be a pandas DataFrame"):
        rfm_scores([1, 2])  # type: ignore[arg-type]
