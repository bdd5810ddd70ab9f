"""The Poisson bootstrap of a quantile, vectorised, in ``O(sqrt(n))`` per resample.

In the Poisson bootstrap (Chamandy, Muralidharan, Najmi & Naidu 2012) every unit
appears a Poisson(1) number of times in a resample. A quantile depends only on the
values near it: the counts of the sorted values in a window around it are drawn one by
one, and those of the values below and above the window as single Poisson totals (a
sum of independent Poisson(1) counts is Poisson), which gives the same resample
quantile as drawing every count. Resamples are drawn in chunks (one pass each), never
one by one.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from ..core.lift import FloatArray

__all__ = ["poisson_quantiles", "weighted_quantiles"]

# Entries of Poisson counts per bootstrap chunk (about 16 MB of int64 each).
_CHUNK = 2**21


def poisson_quantiles(
    sorted_values: FloatArray, q: float, n_resamples: int, rng: np.random.Generator
) -> FloatArray:
    """Poisson-bootstrap replicates of the ``q``-quantile of ascending values."""
    n = sorted_values.size
    # The resample's quantile lies within 12 standard deviations of its rank
    # (sd <= sqrt(n)) of the estimate's position but with probability below 1e-30;
    # those resamples are drawn again over the whole sample.
    half = 12 * math.isqrt(n) + 16
    centre = int(q * (n - 1))
    lo, hi = max(0, centre - half), min(n, centre + half + 1)
    rows = max(1, _CHUNK // (hi - lo))
    out = np.empty(n_resamples)
    for start in range(0, n_resamples, rows):  # chunks of resamples, for memory
        m = min(rows, n_resamples - start)
        out[start : start + m] = _poisson_chunk(sorted_values, q, lo, hi, m, rng)
    return out


def _poisson_chunk(
    xs: FloatArray, q: float, lo: int, hi: int, m: int, rng: np.random.Generator
) -> FloatArray:
    """``m`` replicates: Poisson(1) counts of ``xs[lo:hi]``, Poisson totals outside it.

    The counts of the values below ``lo`` and from ``hi`` on are sums of independent
    Poisson(1) counts, hence Poisson(``lo``) and Poisson(``n - hi``): the resample is
    the Poisson bootstrap's exactly, as long as its two order statistics that the
    quantile interpolates lie in the window (else the resample is drawn again).
    """
    below = rng.poisson(float(lo), m)
    inside = rng.poisson(1.0, (m, hi - lo))
    above = rng.poisson(float(xs.size - hi), m)
    values, ok = weighted_quantiles(xs[lo:hi], q, below, inside, above)
    bad = ~ok
    if bad.any():
        values[bad] = _poisson_chunk(xs, q, 0, xs.size, int(bad.sum()), rng)
    return values


def weighted_quantiles(
    window: FloatArray,
    q: float,
    below: npt.NDArray[np.int64],
    inside: npt.NDArray[np.int64],
    above: npt.NDArray[np.int64],
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Type-7 quantile of each resample (row): ``inside[i, j]`` copies of ``window[j]``,
    ``below[i]`` values under the window and ``above[i]`` over it; and whether the
    quantile's two order statistics fall in the window (else the value is NaN)."""
    cum = below[:, None] + np.cumsum(inside, axis=1)  # resample values <= window[j]
    total = cum[:, -1] + above
    h = (total - 1) * q
    k = np.floor(h).astype(np.int64)
    frac = h - k
    k1 = np.minimum(k + 1, total - 1)
    ok = (total > 0) & (k >= below) & (k1 < cum[:, -1])
    # The r-th smallest (0-based) is window[j] for the first j with cum[j] > r.
    i0 = np.minimum((cum <= k[:, None]).sum(axis=1), window.size - 1)
    i1 = np.minimum((cum <= k1[:, None]).sum(axis=1), window.size - 1)
    low, high = window[i0], window[i1]
    values: FloatArray = np.where(ok, low + frac * (high - low), np.nan)
    return values, ok
