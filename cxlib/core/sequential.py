"""Always-valid inference: confidence sequences and p-values that allow peeking.

A fixed-horizon interval ``estimate +/- z * se`` covers the truth with probability
``level`` at one pre-planned look. Looked at every day and acted on at the first
exclusion of zero, its error rate grows without bound. A *confidence sequence* covers
the truth at every look at once: ``estimate +/- c_n * se``, where ``n`` is the number
of units observed so far (both arms) and ``c_n`` grows slowly with ``n``.

The boundary is the two-sided normal-mixture boundary of Robbins (1970) in the
asymptotic form of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2024, "Time-uniform
central limit theory and asymptotic confidence sequences", Annals of Statistics 52,
arXiv:2103.06476v7, eq. 9 for the sequence, 161 for the tuning and 155 for the
p-value, the numbering GrowthBook's gbstats cites; see also Howard, Ramdas, McAuliffe
& Sekhon 2021, Annals of Statistics 49):

.. math::

    c_n = \\sqrt{\\frac{2 (n \\rho^2 + 1)}{n \\rho^2}
    \\log\\frac{\\sqrt{n \\rho^2 + 1}}{\\alpha}},

with the mixing parameter :math:`\\rho` chosen so that the sequence is tightest at
``n = tuning`` units (GrowthBook's ``sequential_tuning_parameter``; 5000 there and
here):

.. math::

    \\rho^2 = \\frac{-2 \\log \\alpha + \\log(1 - 2 \\log \\alpha)}{\\text{tuning}}.

The always-valid p-value is the reciprocal of the mixture e-value
:math:`\\exp(n \\rho^2 z^2 / (2 (n \\rho^2 + 1))) / \\sqrt{n \\rho^2 + 1}` (capped at
1), with ``z = estimate / se``: it falls below ``alpha`` exactly when the confidence
sequence excludes 0 (Johari, Pekelis & Walsh 2017 call such p-values always valid).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt

from .lift import LiftInterval, Pairs, lift_interval

__all__ = [
    "DEFAULT_TUNING",
    "always_valid_p_value",
    "check_tuning",
    "mixture_rho",
    "sequence_multiplier",
    "sequential_pairs",
]

#: The test named in the results of sequential comparisons.
SEQUENTIAL_TEST = "mixture sequential z"

FloatArray = npt.NDArray[np.float64]

#: Units (both arms) at which the confidence sequence is tightest, by default
#: (GrowthBook's default ``sequential_tuning_parameter``).
DEFAULT_TUNING = 5000.0


def check_tuning(tuning: object, name: str = "sequential_tuning") -> float:
    """A positive, finite number of units; anything else is refused, naming ``name``."""
    if isinstance(tuning, bool) or not isinstance(tuning, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a positive number of units; got {tuning!r}")
    value = float(tuning)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive, finite number of units; got {tuning!r}")
    return value


def mixture_rho(alpha: float, tuning: float) -> float:
    """The mixing parameter that makes the sequence tightest at ``tuning`` units.

    Examples
    --------
    >>> round(mixture_rho(0.05, 5000), 6)
    0.03984
    """
    log_alpha = math.log(alpha)
    return math.sqrt((-2.0 * log_alpha + math.log(1.0 - 2.0 * log_alpha)) / tuning)


def sequence_multiplier(n: npt.ArrayLike, alpha: float, tuning: float) -> FloatArray:
    """``c_n``: the half-width of the confidence sequence in standard errors.

    ``n`` is the number of units seen (both arms), one per comparison; NaN where
    ``n < 1``.

    Examples
    --------
    >>> [round(float(c), 3) for c in sequence_multiplier([100, 5000, 10**6], 0.05, 5000)]
    [6.694, 3.035, 3.657]
    """
    units = np.asarray(n, dtype=np.float64)
    r2 = mixture_rho(alpha, tuning) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = units * r2
        c: FloatArray = np.sqrt(2.0 * (t + 1.0) / t * np.log(np.sqrt(t + 1.0) / alpha))
    return np.where(units >= 1, c, np.nan)


def always_valid_p_value(
    statistic: npt.ArrayLike, n: npt.ArrayLike, alpha: float, tuning: float
) -> FloatArray:
    """The always-valid p-value of ``z = statistic`` after ``n`` units (both arms).

    ``alpha`` is the level the mixture was tuned for: the p-value is below ``alpha``
    exactly when the confidence sequence of that level excludes 0.

    Examples
    --------
    >>> p = always_valid_p_value([0.0, 2.0, 4.0], 5000, 0.05, 5000)
    >>> [round(float(x), 4) for x in p]
    [1.0, 0.506, 0.0025]
    """
    z = np.asarray(statistic, dtype=np.float64)
    units = np.asarray(n, dtype=np.float64)
    t = units * mixture_rho(alpha, tuning) ** 2
    with np.errstate(over="ignore", invalid="ignore"):
        # log of 1 / e-value, so that large z do not overflow the exponential
        log_p = 0.5 * np.log1p(t) - t * z * z / (2.0 * (t + 1.0))
        p: FloatArray = np.minimum(1.0, np.exp(log_p))
    return np.where(np.isfinite(z) & (units >= 1), p, np.nan)


def sequential_pairs(
    pairs: Pairs, *, level: float, tuning: float, lift_method: LiftInterval
) -> Pairs:
    """Normal comparisons made always valid: confidence sequences and their p-values.

    The arms' estimates and standard errors of ``pairs`` are kept; the intervals of
    the difference and of the lift (Fieller's, delta or log construction at the
    sequence's multiplier, so the lift excludes 0 exactly when the difference does)
    become confidence sequences, and the p-values always-valid ones, for the
    two-sided alternative at ``level``.
    """
    alpha = 1.0 - level
    n = pairs.n_control + pairs.n_variant
    q = sequence_multiplier(n, alpha, tuning)
    var_c, var_v = pairs.se_control**2, pairs.se_variant**2
    diff = pairs.variant - pairs.control
    se = np.sqrt(var_c + var_v)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se > 0, diff / se, np.nan)
    lift_low, lift_high = lift_interval(
        pairs.variant, pairs.control, var_v, var_c, q, lift_method, "two-sided", same_sign=True
    )
    return dataclasses.replace(
        pairs,
        difference=diff,
        se=se,
        ci_low=diff - q * se,
        ci_high=diff + q * se,
        statistic=statistic,
        p_value=always_valid_p_value(statistic, n, alpha, tuning),
        lift_low=lift_low,
        lift_high=lift_high,
        test=np.full(diff.shape, SEQUENTIAL_TEST),
    )
