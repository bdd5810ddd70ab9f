"""The zero-factored resampling of cx.ab against resampling every unit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cxlib.ab import resampling as means
from cxlib.ab.resampling import ragged, sum_replicates
from cxlib.core.lift import critical_value


@pytest.fixture(autouse=True, params=["per cell", "all cells"])
def drawing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run every test with both drawing strategies of sum_replicates."""
    if request.param == "all cells":
        monkeypatch.setattr(means, "_FEW_CELLS", 0)
    return str(request.param)


def zero_inflated(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return np.where(rng.random(n) < share, rng.lognormal(3.5, 0.8, n), 0.0)


def naive_means(values: np.ndarray, b: int, rng: np.random.Generator) -> np.ndarray:
    """Replicate means by resampling every unit (what scipy.stats.bootstrap does)."""
    idx = rng.integers(0, values.size, size=(b, values.size))
    means: np.ndarray = values[idx].mean(axis=1)
    return means


@pytest.mark.parametrize(("n", "share"), [(400, 0.05), (2_000, 0.3), (300, 1.0)])
def test_same_distribution_as_resampling_every_unit(n: int, share: float) -> None:
    rng = np.random.default_rng(7)
    values = zero_inflated(rng, n, share)
    b = 4_000
    sums, size = sum_replicates(
        values[None, :], np.zeros(n, dtype=np.intp), 1, b, np.random.default_rng(1)
    )
    fast = sums[:, 0, 0] / size[0]
    slow = naive_means(values, b, np.random.default_rng(2))
    # The bootstrap distribution of a mean has mean x̄ and variance s²/n (ddof=0).
    se = values.std() / np.sqrt(n)
    assert fast.mean() == pytest.approx(values.mean(), abs=4 * se / np.sqrt(b))
    assert fast.std() == pytest.approx(se, rel=0.05)
    assert stats.ks_2samp(fast, slow).pvalue > 0.01


def test_cells_are_resampled_independently_and_within_themselves() -> None:
    rng = np.random.default_rng(3)
    a = zero_inflated(rng, 500, 0.1)
    b = zero_inflated(rng, 800, 0.2) + 1000.0 * (rng.random(800) < 0.01)
    columns = np.concatenate([a, b])[None, :]
    codes = np.repeat(np.arange(2, dtype=np.intp), [a.size, b.size])
    order = np.random.default_rng(4).permutation(codes.size)  # cells need not be contiguous
    sums, size = sum_replicates(columns[:, order], codes[order], 2, 3_000, np.random.default_rng(5))
    means = sums[:, :, 0] / size
    np.testing.assert_array_equal(size, [a.size, b.size])
    for j, x in enumerate((a, b)):
        assert means[:, j].mean() == pytest.approx(x.mean(), rel=0.02)
        assert means[:, j].std() == pytest.approx(x.std() / np.sqrt(x.size), rel=0.06)
        assert means[:, j].min() >= 0
    assert abs(np.corrcoef(means[:, 0], means[:, 1])[0, 1]) < 0.06


def test_ratio_sums_keep_units_together() -> None:
    # Each unit contributes its numerator and denominator together: with y = 2 x
    # for every unit, every replicate ratio is exactly 2.
    rng = np.random.default_rng(8)
    x = np.where(rng.random(600) < 0.2, rng.integers(1, 4, 600), 0).astype(float)
    sums, _ = sum_replicates(
        np.stack([2.0 * x, x]), np.zeros(600, dtype=np.intp), 1, 500, np.random.default_rng(9)
    )
    np.testing.assert_allclose(sums[:, 0, 0], 2.0 * sums[:, 0, 1])


def test_same_seed_same_replicates() -> None:
    values = zero_inflated(np.random.default_rng(0), 1_000, 0.05)[None, :]
    codes = np.zeros(1_000, dtype=np.intp)
    first, _ = sum_replicates(values, codes, 1, 200, np.random.default_rng(42))
    second, _ = sum_replicates(values, codes, 1, 200, np.random.default_rng(42))
    np.testing.assert_array_equal(first, second)


def test_empty_and_all_zero_cells() -> None:
    values = np.array([[0.0, 0.0, 0.0, 5.0]])
    codes = np.array([0, 0, 0, 2], dtype=np.intp)  # cell 1 is empty, cell 0 all zeros
    sums, size = sum_replicates(values, codes, 3, 50, np.random.default_rng(0))
    np.testing.assert_array_equal(size, [3, 0, 1])
    np.testing.assert_array_equal(sums[:, 0, 0], 0.0)
    np.testing.assert_array_equal(sums[:, 1, 0], 0.0)
    np.testing.assert_array_equal(sums[:, 2, 0], 5.0)


def test_ragged_slices() -> None:
    flat, owner = ragged(np.array([5, 0, 2]), np.array([2, 0, 3]))
    np.testing.assert_array_equal(flat, [5, 6, 2, 3, 4])
    np.testing.assert_array_equal(owner, [0, 0, 2, 2, 2])


def test_many_cells_take_the_vectorised_path() -> None:
    rng = np.random.default_rng(12)
    codes = rng.integers(0, 200, 20_000).astype(np.intp)
    values = zero_inflated(rng, 20_000, 0.2)
    sums, size = sum_replicates(values[None, :], codes, 200, 400, np.random.default_rng(1))
    means_ = sums[:, :, 0] / size
    expected = np.bincount(codes, weights=values) / size
    spread = np.sqrt(np.bincount(codes, weights=values**2) / size - expected**2) / np.sqrt(size)
    z = (means_.mean(axis=0) - expected) / (spread / np.sqrt(400))
    assert np.abs(z).max() < 5


@pytest.mark.parametrize("level", [0.5, 0.8, 0.95, 0.99, 0.999, 0.9999])
def test_t_critical_values_match_scipy(level: float) -> None:
    # The large-df expansion must agree with scipy's t quantile to rounding.
    df = np.array([2.0, 9.5, 150.0, 999.0, 1000.0, 1234.5, 1e4, 1e6, 1e9, np.inf])
    expected = np.where(
        np.isfinite(df), stats.t.ppf(0.5 + level / 2, df), stats.norm.ppf(0.5 + level / 2)
    )
    np.testing.assert_allclose(critical_value(level, df), expected, rtol=1e-12)
