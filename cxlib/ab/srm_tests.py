"""p-values of the sample-ratio-mismatch check besides the chi-square test.

- **Exact** (small counts): the exact multinomial goodness-of-fit test, the
  probability under the planned split of every outcome of the same total that is no
  more likely than the one observed (for two arms, the two-sided exact binomial test
  of :func:`scipy.stats.binomtest`).
- **Sequential** (checked again and again): the Dirichlet-multinomial mixture of
  Lindon & Malek (2022, "Anytime-valid inference for multinomial count data",
  NeurIPS). With a Dirichlet prior of concentration :math:`c` centred on the planned
  shares :math:`\\theta_0` (:math:`a_i = c \\theta_{0i}`), the e-value after counts
  :math:`x` (total :math:`n`) is the ratio of the Dirichlet-multinomial and the
  planned multinomial likelihoods,

  .. math::

      E_n = \\frac{\\Gamma(c)}{\\Gamma(c + n)}
      \\prod_i \\frac{\\Gamma(a_i + x_i)}{\\Gamma(a_i)\\, \\theta_{0i}^{x_i}},

  a nonnegative martingale under the plan, so that :math:`p_n = \\min(1, 1 / E_n)`
  stays below ``alpha`` with probability at most ``alpha`` at every look at once
  (Ville's inequality).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import special, stats

__all__ = [
    "MAX_OUTCOMES",
    "exact_multinomial_p_value",
    "log_e_value",
    "n_outcomes",
    "sequential_p_value",
]

#: Outcomes the exact test may enumerate (three arms and about 2,000 units).
MAX_OUTCOMES = 2_000_000


def log_e_value(
    counts: npt.NDArray[np.int64], shares: npt.NDArray[np.float64], concentration: float
) -> npt.NDArray[np.float64]:
    """The log of the Dirichlet-multinomial mixture e-value against the planned split.

    ``counts`` has the arms on its last axis; one value per row (vectorised over looks
    or experiments).
    """
    x = np.asarray(counts, dtype=np.float64)
    a = concentration * shares
    n = x.sum(axis=-1)
    mixture = special.gammaln(concentration) - special.gammaln(concentration + n)
    mixture = mixture + np.sum(special.gammaln(a + x) - special.gammaln(a), axis=-1)
    planned = np.sum(special.xlogy(x, shares), axis=-1)
    out: npt.NDArray[np.float64] = np.asarray(mixture - planned, dtype=np.float64)
    return out


def sequential_p_value(
    counts: npt.NDArray[np.int64], shares: npt.NDArray[np.float64], concentration: float
) -> tuple[float, float]:
    """The log e-value and the always-valid p-value ``min(1, 1 / e)``."""
    log_e = float(log_e_value(counts, shares, concentration))
    return log_e, float(np.exp(min(0.0, -log_e)))


def _compositions(n: int, k: int) -> npt.NDArray[np.int64]:
    """Every vector of ``k`` non-negative integers summing to ``n``, one per row."""
    rows = np.zeros((1, 0), dtype=np.int64)
    left = np.array([n], dtype=np.int64)
    for _ in range(k - 1):
        # Each row splits into one child per value 0..left of the next part.
        repeats = left + 1
        parent = np.repeat(np.arange(len(left)), repeats)
        starts = np.cumsum(repeats) - repeats
        value = np.arange(int(repeats.sum()), dtype=np.int64) - np.repeat(starts, repeats)
        rows = np.column_stack([rows[parent], value])
        left = left[parent] - value
    return np.column_stack([rows, left])


def n_outcomes(n: int, k: int) -> int:
    """How many count vectors of ``k`` arms sum to ``n``."""
    return math.comb(n + k - 1, k - 1)


def exact_multinomial_p_value(
    counts: npt.NDArray[np.int64], shares: npt.NDArray[np.float64]
) -> float:
    """The exact multinomial test of the counts against the planned shares."""
    n, k = int(counts.sum()), len(counts)
    if k == 2:
        return float(stats.binomtest(int(counts[0]), n, float(shares[0])).pvalue)
    outcomes = _compositions(n, k)
    log_p = stats.multinomial.logpmf(outcomes, n, shares)
    observed = float(stats.multinomial.logpmf(counts, n, shares))
    # Outcomes as likely as the observed one count too (relative tolerance, as R's).
    at_most = log_p <= observed + 1e-7
    return float(min(1.0, np.exp(special.logsumexp(log_p[at_most]))))
