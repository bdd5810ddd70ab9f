"""The third centred moment (M3) of the centred summaries: exact, and merged exactly.

References: numpy two-pass ``sum w (x - mean)**3`` on the same floats shifted to near
zero, and :func:`scipy.stats.skew` (biased, the moment ratio ``m3 / m2**1.5``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cxlib.core.statistics import summarise

OFFSETS = [0.0, 1e6, 1e9]


def brute_m3(x: np.ndarray, w: np.ndarray | None = None) -> float:
    w = np.ones_like(x) if w is None else w
    mean = np.average(x, weights=w)
    return float((w * (x - mean) ** 3).sum())


@pytest.mark.parametrize("offset", OFFSETS)
def test_m3_equals_the_two_pass_per_group_at_any_offset(offset: float) -> None:
    rng = np.random.default_rng(3)
    z = rng.lognormal(0.0, 1.0, 3_000)
    x = offset + z
    g = rng.integers(0, 4, z.size)
    m = summarise(np.stack([x, 2.0 * z]), g, 5, third=True)
    assert m.m3 is not None
    for k in range(4):
        # The same floats near zero: x - offset is exact for these offsets (Sterbenz).
        ref = brute_m3(x[g == k] - offset)
        np.testing.assert_allclose(m.m3[k, 0], ref, rtol=1e-9)
        np.testing.assert_allclose(m.m3[k, 1], 8.0 * brute_m3(z[g == k]), rtol=1e-9)
        np.testing.assert_allclose(m.skewness()[k], stats.skew(z[g == k]), rtol=1e-8)
    assert m.m3[4, 0] == 0.0
    assert np.isnan(m.skewness()[4])


def test_m3_is_exactly_zero_for_constant_and_symmetric_groups() -> None:
    x = np.array([1e9, 1e9, 1e9, -2.0, 0.0, 2.0])
    m = summarise(x, np.array([0, 0, 0, 1, 1, 1]), 2, third=True)
    assert m.m3 is not None
    assert m.m3[0, 0] == 0.0
    assert m.m3[1, 0] == 0.0
    assert np.isnan(m.skewness()[0])  # no spread


def test_weighted_m3_equals_the_weighted_two_pass() -> None:
    rng = np.random.default_rng(8)
    x, w = rng.gamma(2.0, 3.0, 500), rng.uniform(0.0, 3.0, 500)
    m = summarise(x, weights=w, third=True)
    assert m.m3 is not None
    np.testing.assert_allclose(m.m3[0, 0], brute_m3(x, w), rtol=1e-10)


def test_without_third_there_is_no_m3() -> None:
    m = summarise(np.arange(5.0))
    assert m.m3 is None
    assert np.isnan(m.skewness()).all()
    with_m3 = summarise(np.arange(5.0), third=True)
    assert (m + with_m3).m3 is None  # a merge needs M3 on both sides


@given(
    st.integers(0, 2**32 - 1),
    st.integers(2, 400),
    st.integers(1, 6),
    st.sampled_from(OFFSETS),
    st.integers(1, 3),
)
def test_merge_of_random_partitions_equals_the_whole(
    seed: int, n: int, parts: int, offset: float, groups: int
) -> None:
    """Pébay's update: the M3 of merged parts (any split, empty parts too) is the M3 of
    the whole, up to rounding relative to the scale of the cubed deviations, and up to
    the spacing of floats at the offset in the parts' stored means (dM3 / dmean is
    -3 M2: no merge of rounded means can do better)."""
    rng = np.random.default_rng(seed)
    z = rng.exponential(1.0, n) * rng.choice([1.0, 50.0], n)
    x = offset + z
    g = rng.integers(0, groups, n)
    cut = rng.integers(0, parts, n)
    whole = summarise(x, g, groups, third=True)
    pieces = [summarise(x[cut == p], g[cut == p], groups, third=True) for p in range(parts)]
    merged = pieces[0]
    for piece in pieces[1:]:
        merged = merged + piece
    assert merged.m3 is not None
    assert whole.m3 is not None
    for k in range(groups):
        zk = x[g == k] - offset
        scale = float((np.abs(zk - zk.mean()) ** 3).sum()) if zk.size else 0.0
        ref = brute_m3(zk) if zk.size else 0.0
        m2 = float(((zk - zk.mean()) ** 2).sum()) if zk.size else 0.0
        tol = 1e-9 * scale + 6.0 * float(np.spacing(offset + 100.0)) * m2 + 1e-300
        assert abs(merged.m3[k, 0] - ref) <= tol
        assert abs(whole.m3[k, 0] - ref) <= 1e-9 * scale + 1e-300


def test_regroup_and_take_carry_m3() -> None:
    rng = np.random.default_rng(2)
    x = rng.lognormal(0.0, 1.5, 900)
    g = rng.integers(0, 9, 900)
    cells = summarise(x, g, 9, third=True)
    # Cells 0-2, 3-5, 6-8 form three groups.
    merged = cells.regroup(np.arange(9) // 3, 3)
    whole = summarise(x, g // 3, 3, third=True)
    assert merged.m3 is not None
    assert whole.m3 is not None
    np.testing.assert_allclose(merged.m3, whole.m3, rtol=1e-10)
    taken = cells.take([4, 1])
    assert taken.m3 is not None
    np.testing.assert_array_equal(taken.m3[:, 0], cells.m3[[4, 1], 0])  # type: ignore[index]
