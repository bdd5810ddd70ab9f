"""The repeats of integer keys, found by sorting only the keys that may repeat.

Counting how many distinct keys each group has (the purchase occasions of a customer,
say: distinct (customer, period) pairs) needs the keys that repeat an earlier equal
key. Sorting all the keys finds them, but most keys are unique. Hashing the keys into a
table of buckets about twice as large as their number puts most of them alone in
their bucket: those cannot repeat. The keys that share a bucket are hashed again, with
other multipliers, and only those that share a bucket in all three rounds are sorted.
The hash is multiplicative (D. E. Knuth, *The Art of Computer Programming*, vol. 3,
section 6.4: the top bits of ``key * A`` with ``A`` odd), with the xor-shift step of
MurmurHash3's and SplitMix64's finalisers between two multiplications.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["repeats"]

#: Below this many keys, a sort of all of them is as fast as anything else.
_SMALL = 1 << 14

#: Buckets per key, as a power of two: a key shares its bucket with another with
#: probability about 1 - exp(-1 / 2) = 39 %, in every round (the table shrinks with the
#: keys). Larger tables leave fewer keys to sort but miss the CPU caches more: measured
#: on a million keys, this is the fastest.
_SPARSITY_BITS = 1

#: Most bucket bits (a table of 16 MiB): larger tables are slower than they save.
_MAX_BITS = 24

#: Multipliers of the hashing rounds, for keys of 32 and of 64 bits: Knuth's
#: golden-ratio constant and those of MurmurHash3's, SplitMix64's and xxHash's mixing
#: steps. Between the two multiplications, the high half of the product is folded into
#: the low half, so that keys that differ in a pattern (customers times a power of two
#: plus days) spread as random keys do; each round, with other constants, parts most of
#: the keys that shared a bucket in the one before.
_MULTIPLIERS_32 = (
    (np.uint32(0x9E3779B1), np.uint32(0x2C1B3C6D)),
    (np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)),
    (np.uint32(0x27D4EB2F), np.uint32(0x165667B1)),
)
_MULTIPLIERS_64 = (
    (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9)),
    (np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x94D049BB133111EB)),
    (np.uint64(0x165667B19E3779F9), np.uint64(0x27D4EB2F165667C5)),
)


def _buckets(keys: npt.NDArray[np.signedinteger[Any]], bits: int, round: int) -> npt.NDArray[Any]:
    """The bucket (``0 .. 2**bits - 1``) of every key in the hash of ``round``."""
    narrow = keys.dtype.itemsize <= 4
    signed, unsigned = (np.int32, np.uint32) if narrow else (np.int64, np.uint64)
    first, second = (_MULTIPLIERS_32 if narrow else _MULTIPLIERS_64)[round]
    width = 8 * np.dtype(unsigned).itemsize
    hashed: npt.NDArray[Any] = keys.astype(signed, copy=False).view(unsigned)
    hashed = hashed * first
    hashed ^= hashed >> unsigned(width // 2 - 1)
    hashed *= second
    hashed >>= unsigned(width - bits)
    return hashed


def _shared(buckets: npt.NDArray[Any], bits: int) -> npt.NDArray[np.bool_] | None:
    """Which keys share their bucket with another key; None if the counts wrapped.

    The counts are bytes, which wrap at 256. A bucket whose count wrapped to 0 or 1
    shows itself: one of its keys reads 0, or more keys read 1 than there are buckets
    holding 1.
    """
    counts = np.zeros(1 << bits, dtype=np.uint8)
    np.add.at(counts, buckets, np.uint8(1))
    read: npt.NDArray[np.uint8] = counts[buckets]
    alone: npt.NDArray[np.bool_] = read == 1
    if np.count_nonzero(alone) != np.count_nonzero(counts == 1) or not read.all():
        return None
    np.logical_not(alone, out=alone)
    return alone


def repeats(keys: npt.NDArray[np.signedinteger[Any]]) -> npt.NDArray[np.signedinteger[Any]]:
    """The keys that equal another key before them, sorted.

    A key that occurs ``m`` times appears ``m - 1`` times in the result, so
    ``len(keys) - len(repeats(keys))`` is the number of distinct keys, and a
    :func:`numpy.bincount` of the groups of the repeats, subtracted from the group
    sizes, gives the distinct keys per group.

    Parameters
    ----------
    keys : numpy.ndarray
        1-D array of signed integers; not modified.

    Returns
    -------
    numpy.ndarray
        The repeats, ascending, in the dtype of ``keys``.

    Examples
    --------
    >>> import numpy as np
    >>> repeats(np.array([7, 3, 7, 7, 5, 3])).tolist()
    [3, 7, 7]
    """
    candidates = keys
    for round in range(len(_MULTIPLIERS_32)):
        if len(candidates) < _SMALL:
            break
        bits = min((len(candidates) - 1).bit_length() + _SPARSITY_BITS, _MAX_BITS)
        shared = _shared(_buckets(candidates, bits, round), bits)
        if shared is None or np.count_nonzero(shared) > len(candidates) // 2:
            break  # counts that wrapped, or keys mostly repeated: sort them all
        # A key alone in its bucket has no equal key: equal keys share every bucket.
        # (np.compress is several times faster than indexing with the mask.)
        candidates = np.compress(shared, candidates)
    ordered = np.sort(candidates)
    repeated: npt.NDArray[np.signedinteger[Any]] = ordered[1:][ordered[1:] == ordered[:-1]]
    return repeated
