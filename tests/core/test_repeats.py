"""The repeats of integer keys: against a count of every value (collections.Counter).

The hashing rounds only run from ``_SMALL`` keys on; the tests lower that threshold so
that small generated arrays take every path: one or two rounds, counts that wrap at 256,
keys that mostly repeat, 32- and 64-bit keys.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cxlib.core import repeats as repeats_module
from cxlib.core.repeats import repeats


def brute_repeats(keys: np.ndarray) -> list[int]:
    """Each value ``m - 1`` times for ``m`` occurrences, ascending."""
    counted = Counter(keys.tolist())
    return sorted(v for v, m in counted.items() for _ in range(m - 1))


@pytest.fixture
def hashed_from_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every array of two keys or more goes through the hashing rounds."""
    monkeypatch.setattr(repeats_module, "_SMALL", 2)


KEY_TYPES = [np.int32, np.int64]


@pytest.mark.usefixtures("hashed_from_one")
@given(
    keys=st.one_of(
        hnp.arrays(np.int32, st.integers(0, 300), elements=st.integers(-50, 50)),
        hnp.arrays(np.int64, st.integers(0, 300)),
        hnp.arrays(np.int32, st.integers(0, 300)),
    )
)
def test_repeats_equal_the_counts_of_every_value(keys: np.ndarray) -> None:
    before = keys.copy()
    got = repeats(keys)
    assert got.dtype == keys.dtype
    assert got.tolist() == brute_repeats(keys)
    np.testing.assert_array_equal(keys, before)  # not modified


@pytest.mark.usefixtures("hashed_from_one")
@pytest.mark.parametrize("dtype", KEY_TYPES)
@pytest.mark.parametrize("copies", [255, 256, 257, 512, 513])
def test_counts_that_wrap_at_256_are_caught(dtype: Any, copies: int) -> None:
    """A bucket of 256 keys reads 0 and one of 257 reads 1: the keys are sorted instead."""
    rng = np.random.default_rng(copies)
    unique = rng.choice(10**6, size=5_000, replace=False).astype(dtype)
    keys = np.concatenate([unique, np.full(copies - 1, unique[7], dtype=dtype)])
    rng.shuffle(keys)
    assert repeats(keys).tolist() == [int(unique[7])] * (copies - 1)


@pytest.mark.parametrize("dtype", KEY_TYPES)
@pytest.mark.parametrize("share", [0.0, 0.001, 0.5, 1.0])
def test_large_arrays_of_every_share_of_repeats(dtype: Any, share: float) -> None:
    """Past the threshold, with few repeats (hashed) or mostly repeats (sorted at once)."""
    rng = np.random.default_rng(int(share * 1000))
    n = 3 * repeats_module._SMALL
    distinct = rng.choice(2**30, size=n, replace=False).astype(dtype) << (
        20 if dtype == np.int64 else 0
    )
    n_repeats = int(share * n)
    keys = np.concatenate([distinct[: n - n_repeats], rng.choice(distinct[:100], n_repeats)])
    rng.shuffle(keys)
    assert repeats(keys).tolist() == brute_repeats(keys)


def test_structured_keys_spread_over_the_buckets() -> None:
    """(customer, day) keys differ in their low bits only; they still mostly part."""
    customers, days = np.meshgrid(np.arange(4_000), np.arange(0, 64, 2))
    keys = ((customers << 11) | days).ravel().astype(np.int32)
    bits = (len(keys) - 1).bit_length() + repeats_module._SPARSITY_BITS
    shared = repeats_module._shared(repeats_module._buckets(keys, bits, 0), bits)
    assert shared is not None
    assert shared.mean() < 0.5  # about 1 - exp(-1/2) = 0.39 for random keys
    assert repeats(keys).tolist() == []


def test_small_and_empty_arrays() -> None:
    assert repeats(np.array([], dtype=np.int64)).tolist() == []
    assert repeats(np.array([5], dtype=np.int32)).tolist() == []
    assert repeats(np.array([7, 3, 7, 7, 5, 3])).tolist() == [3, 7, 7]
