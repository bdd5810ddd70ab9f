"""Sensitivity of a planned A/B test: the smallest effect it detects, and its power.

The formulas are those of :mod:`cxlib.ab.planning` (see :mod:`cxlib.ab._design`).
"""

from __future__ import annotations

import warnings
from typing import overload

import numpy as np
import numpy.typing as npt

from ..core.errors import CxlibWarning, find_stack_level
from ..core.validation import Alternative, check_bool, show_values
from ._design import (
    Correction,
    FloatArray,
    SampleSizeMethod,
    _check_n,
    _check_power,
    _delta,
    _design,
    _solve_delta,
)

__all__ = ["minimum_detectable_effect", "power"]


@overload
def minimum_detectable_effect(
    baseline: float,
    n: float,
    *,
    relative: bool = ...,
    alpha: float = ...,
    power: float = ...,
    alternative: Alternative = ...,
    ratio: float = ...,
    n_variants: int = ...,
    sd: float | None = ...,
    correction: Correction = ...,
    method: SampleSizeMethod = ...,
) -> float: ...
@overload
def minimum_detectable_effect(
    baseline: float,
    n: npt.ArrayLike,
    *,
    relative: bool = ...,
    alpha: float = ...,
    power: float = ...,
    alternative: Alternative = ...,
    ratio: float = ...,
    n_variants: int = ...,
    sd: float | None = ...,
    correction: Correction = ...,
    method: SampleSizeMethod = ...,
) -> FloatArray: ...
def minimum_detectable_effect(
    baseline: float,
    n: float | npt.ArrayLike,
    *,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative = "two-sided",
    ratio: float = 1.0,
    n_variants: int = 1,
    sd: float | None = None,
    correction: Correction = "none",
    method: SampleSizeMethod = "z",
) -> float | FloatArray:
    """Smallest effect a test with ``n`` visitors in the control arm detects.

    The inverse of :func:`sample_size`: the MDE at which the power of the test equals
    ``power`` (found with Brent's method), with the same arguments and conventions.

    Parameters
    ----------
    baseline : float
        Control conversion rate in (0, 1), or the control mean when ``sd`` is given.
    n : float or array-like
        Visitors in the control arm (each variant has ``ratio * n``); an array gives an
        MDE curve.
    relative, alpha, power, alternative, ratio, n_variants, sd, correction, method
        As in :func:`sample_size`.

    Returns
    -------
    float or numpy.ndarray
        The MDE, positive: relative to ``|baseline|`` if ``relative`` (a fraction),
        otherwise absolute. NaN where no change of a rate within (0, 1) reaches the
        power (with a :class:`~cxlib.CxlibWarning`).

    Examples
    --------
    >>> from cxlib.ab import minimum_detectable_effect
    >>> round(minimum_detectable_effect(0.05, 31_234), 4)
    0.1
    >>> minimum_detectable_effect(0.05, [10_000, 40_000], relative=False).round(5)
    array([0.00899, 0.00441])
    """
    design, _, _, _ = _design(
        baseline,
        sd=sd,
        alternative=alternative,
        alpha=alpha,
        ratio=ratio,
        n_variants=n_variants,
        correction=correction,
        method=method,
    )
    relative = check_bool("relative", relative)
    if relative and design.control == 0.0:
        raise ValueError(
            "a relative mde needs a nonzero baseline; got baseline=0.0 (use relative=False)"
        )
    target = _check_power(power, design)
    values, scalar = _check_n(n, design)
    deltas = np.array([_solve_delta(design, float(v), target) for v in values])
    if np.isnan(deltas).any():
        warnings.warn(
            f"no change of the rate within (0, 1) is detected with power {target:g} at "
            f"n = {show_values(values[np.isnan(deltas)])}; the MDE is NaN there",
            CxlibWarning,
            stacklevel=find_stack_level(),
        )
    out = deltas / abs(design.control) if relative else deltas
    return float(out[0]) if scalar else out


@overload
def power(
    baseline: float,
    mde: float,
    n: float,
    *,
    relative: bool = ...,
    alpha: float = ...,
    alternative: Alternative = ...,
    ratio: float = ...,
    n_variants: int = ...,
    sd: float | None = ...,
    correction: Correction = ...,
    method: SampleSizeMethod = ...,
) -> float: ...
@overload
def power(
    baseline: float,
    mde: float,
    n: npt.ArrayLike,
    *,
    relative: bool = ...,
    alpha: float = ...,
    alternative: Alternative = ...,
    ratio: float = ...,
    n_variants: int = ...,
    sd: float | None = ...,
    correction: Correction = ...,
    method: SampleSizeMethod = ...,
) -> FloatArray: ...
def power(
    baseline: float,
    mde: float,
    n: float | npt.ArrayLike,
    *,
    relative: bool = True,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    ratio: float = 1.0,
    n_variants: int = 1,
    sd: float | None = None,
    correction: Correction = "none",
    method: SampleSizeMethod = "z",
) -> float | FloatArray:
    """Power of each variant-vs-control test with ``n`` visitors in the control arm.

    Parameters
    ----------
    baseline, mde
        As in :func:`sample_size`: the effect whose detection probability is computed.
    n : float or array-like
        Visitors in the control arm (each variant has ``ratio * n``).
    relative, alpha, alternative, ratio, n_variants, sd, correction, method
        As in :func:`sample_size`.

    Returns
    -------
    float or numpy.ndarray
        Probability that the test is significant (in the direction of the effect, or
        either direction for a two-sided test) when the true effect is ``mde``.

    Examples
    --------
    >>> from cxlib.ab import power
    >>> round(power(0.05, 0.10, 31_234), 3)
    0.8
    >>> power(0.05, 0.10, [10_000, 20_000]).round(3)
    array([0.354, 0.611])
    """
    design, _, _, _ = _design(
        baseline,
        sd=sd,
        alternative=alternative,
        alpha=alpha,
        ratio=ratio,
        n_variants=n_variants,
        correction=correction,
        method=method,
    )
    delta = _delta(design, mde, relative)
    values, scalar = _check_n(n, design)
    out = np.array([design.power(delta, float(v), design.ratio * float(v)) for v in values])
    return float(out[0]) if scalar else out
