"""The adjusted Wald interval of a bounded mean against a brute-force augmented sample."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cxlib.core.bounded_mean import adjusted_wald_mean_interval, bounded_mean_interval
from cxlib.core.intervals import mean_t_interval

SCALES = st.sampled_from([(1, 5), (1, 7), (0, 10), (0, 1)])


@st.composite
def samples(draw: st.DrawFn) -> tuple[tuple[int, int], list[int]]:
    low, high = draw(SCALES)
    return (low, high), draw(st.lists(st.integers(low, high), min_size=1, max_size=40))


@given(samples(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_adjusted_wald_is_the_wald_interval_of_the_augmented_sample(
    case: tuple[tuple[int, int], list[int]], level: float
) -> None:
    (low, high), data = case
    x = np.array(data, dtype=float)
    n = len(x)
    se = float(stats.sem(x)) if n > 1 else math.nan
    got = adjusted_wald_mean_interval(x.mean(), se, n, (low, high), level)
    aug = np.concatenate([x, [low, high]])
    half = stats.norm.ppf(0.5 + level / 2) * aug.std(ddof=1) / math.sqrt(len(aug))
    assert float(got[0]) == pytest.approx(max(aug.mean() - half, low), abs=1e-12)
    assert float(got[1]) == pytest.approx(min(aug.mean() + half, high), abs=1e-12)
    assert low <= got[0] < got[1] <= high  # never a point, never past the scale


@given(samples())
def test_adjusted_wald_mirrors_with_the_scale(case: tuple[tuple[int, int], list[int]]) -> None:
    (low, high), data = case
    x = np.array(data, dtype=float)
    se = float(stats.sem(x)) if len(x) > 1 else math.nan
    lo, hi = adjusted_wald_mean_interval(x.mean(), se, len(x), (low, high), 0.95)
    y = low + high - x  # the same answers on the reversed scale
    lo_r, hi_r = adjusted_wald_mean_interval(y.mean(), se, len(y), (low, high), 0.95)
    assert float(lo_r) == pytest.approx(low + high - float(hi), abs=1e-9)
    assert float(hi_r) == pytest.approx(low + high - float(lo), abs=1e-9)


def test_adjusted_wald_vectorised_and_nan_where_undefined() -> None:
    low, high = adjusted_wald_mean_interval(
        [4.0, 4.0, np.nan, 4.0, 4.0], [0.5, 0.5, 0.5, np.nan, 0.5], [10, 0, 10, 10, 1], (1, 7), 0.95
    )
    assert np.isfinite(low[0])
    assert np.isfinite(high[0])
    assert np.isnan(low[1:4]).all()
    assert np.isnan(high[1:4]).all()
    # n = 1: the standard error is not needed (the answer has no spread of its own).
    assert np.isfinite(low[4])
    assert low[4] < 4.0 < high[4]


def test_bounded_mean_interval_t_is_the_truncated_t_interval() -> None:
    got = bounded_mean_interval("t", [6.8, 3.0], [0.2, 0.3], [12, 12], (1, 7), 0.9)
    ref = mean_t_interval([6.8, 3.0], [0.2, 0.3], [12, 12], 0.9)
    np.testing.assert_allclose(got[0], ref[0], atol=1e-12)
    np.testing.assert_allclose(got[1], np.minimum(ref[1], 7.0), atol=1e-12)
    assert got[1][0] == 7.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "wald"}, "unknown method 'wald'"),
        ({"confidence_level": 1.0}, "confidence_level"),
    ],
)
def test_bounded_mean_interval_rejects_bad_options(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"method": "adjusted-wald", "confidence_level": 0.95, **kwargs}
    with pytest.raises(ValueError, match=match):
        bounded_mean_interval(
            args["method"],  # type: ignore[arg-type]
            [4.0],
            [0.5],
            [10],
            (1, 7),
            args["confidence_level"],  # type: ignore[arg-type]
        )
