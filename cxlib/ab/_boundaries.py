"""Numerics of group-sequential boundaries: spending functions and crossing probabilities.

The z statistics of a test watched at information fractions ``0 < t_1 < ... < t_K <= 1``
are ``Z_k = S(t_k) / sqrt(t_k)`` for a Brownian motion ``S`` with drift ``theta``
(``theta = E[Z_K]`` at ``t_K = 1``): its increments are independent,
``S(t_k) - S(t_(k-1)) ~ N(theta * dt, dt)``. The probability of crossing a boundary at
look ``k`` without having crossed before is computed by the recursive numerical
integration of Armitage, McPherson & Rowe (1969, *J. R. Stat. Soc. A* 132, 235-244), as
described by Jennison & Turnbull (2000, *Group Sequential Methods with Applications to
Clinical Trials*, ch. 19): the density of ``S(t_k)`` on the continuation region is
carried from look to look on a grid, integrated by Simpson's rule. Every step is one
matrix-vector product, vectorised over the grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

Spending = Literal["obrien-fleming", "pocock"]
SPENDING_FUNCTIONS: tuple[Spending, ...] = ("obrien-fleming", "pocock")

FloatArray = npt.NDArray[np.float64]

#: The continuation region is cut at this many standard deviations of S(t) around its
#: mean: the mass beyond (< 1e-15) is below the precision of the quadrature.
_RANGE = 8.5
#: Grid spacing as a fraction of the standard deviation of the next increment, so that
#: the normal kernel is resolved however close two looks are.
_SPACING = 1.0 / 8.0
_MIN_POINTS, _MAX_POINTS = 101, 2001
#: Largest z boundary searched: beyond it a look spends less than 1e-300.
_Z_MAX = 37.0


def spent(spending: Spending, alpha: float, t: FloatArray, *, two_sided: bool) -> FloatArray:
    """Cumulative alpha spent by information fraction ``t`` (Lan & DeMets 1983).

    Each tail spends its level ``a`` (``alpha / 2`` two-sided, ``alpha`` one-sided) as
    the one-sided functions ``a(t) = 2 - 2 Phi(z_(1-a/2) / sqrt(t))`` (O'Brien-Fleming
    type) or ``a * log(1 + (e - 1) t)`` (Pocock type), as gsDesign's ``sfLDOF`` and
    ``sfLDPocock`` and the ld98 program do; the two tails of a two-sided test add up.
    """
    tails = 2.0 if two_sided else 1.0
    a = alpha / tails
    if spending == "obrien-fleming":
        # 2 - 2 Phi(z_(1-a/2) / sqrt(t)), written with the upper tail for precision.
        z = -float(special.ndtri(a / 2.0))
        out: FloatArray = tails * 2.0 * special.ndtr(-z / np.sqrt(t))
        return out
    return tails * a * np.log1p((math.e - 1.0) * t)


def _simpson(lo: float, hi: float, spacing: float) -> tuple[FloatArray, FloatArray]:
    """Nodes and Simpson weights of an odd grid on ``[lo, hi]``."""
    half = math.ceil((hi - lo) / spacing / 2.0)
    n = min(max(2 * half + 1, _MIN_POINTS), _MAX_POINTS)
    x = np.linspace(lo, hi, n)
    w = np.full(n, 2.0)
    w[1::2] = 4.0
    w[0] = w[-1] = 1.0
    return x, w * (hi - lo) / (3.0 * (n - 1))


@dataclass
class _Walk:
    """Mass of the paths that have not crossed yet, on grid nodes of S at time ``t``.

    Starts as a point mass at S(0) = 0, so that the first look needs no special case.
    """

    drift: float
    two_sided: bool
    t: float = 0.0
    nodes: FloatArray = field(default_factory=lambda: np.zeros(1))
    mass: FloatArray = field(default_factory=lambda: np.ones(1))

    def crossing(self, t: float, c: float) -> tuple[float, float]:
        """Probabilities of crossing ``S(t) >= c`` and (two-sided) ``S(t) <= -c`` now."""
        sd = math.sqrt(t - self.t)
        mean = self.nodes + self.drift * (t - self.t)
        upper = float(self.mass @ special.ndtr((mean - c) / sd))
        lower = float(self.mass @ special.ndtr((-c - mean) / sd)) if self.two_sided else 0.0
        return upper, lower

    def advance(self, t: float, c: float, next_t: float | None) -> None:
        """Carry the density of the paths that continue past the boundary ``c`` to ``t``."""
        sd = math.sqrt(t - self.t)
        centre, reach = self.drift * t, _RANGE * math.sqrt(t)
        lo = max(-c if self.two_sided else -math.inf, centre - reach)
        hi = min(c, centre + reach)
        if not hi > lo:  # every path has stopped
            self.nodes, self.mass = np.zeros(1), np.zeros(1)
        else:
            step = sd if next_t is None else min(sd, math.sqrt(next_t - t))
            nodes, weights = _simpson(lo, hi, step * _SPACING)
            mean = self.nodes + self.drift * (t - self.t)
            kernel = np.exp(-0.5 * ((nodes[:, None] - mean[None, :]) / sd) ** 2)
            density = kernel @ self.mass / (sd * math.sqrt(2.0 * math.pi))
            self.nodes, self.mass = nodes, density * weights
        self.t = t


def boundaries(fractions: FloatArray, increments: FloatArray, *, two_sided: bool) -> FloatArray:
    """z boundaries that spend ``increments`` of alpha at the looks ``fractions``.

    For two-sided tests each increment is split equally between the two tails.
    """
    walk = _Walk(0.0, two_sided)
    out = np.empty(len(fractions))
    for k, (t, target) in enumerate(zip(fractions, increments, strict=True)):
        root_t = math.sqrt(t)

        def excess(z: float, t: float = t, target: float = target, root_t: float = root_t) -> float:
            upper, lower = walk.crossing(t, z * root_t)
            return upper + lower - target

        if not target > 0.0 or excess(_Z_MAX) >= 0.0:
            out[k] = math.inf  # nothing left to spend here
        else:
            lo = 0.0 if two_sided else -_Z_MAX
            out[k] = optimize.brentq(excess, lo, _Z_MAX, xtol=1e-10, rtol=1e-12)
        nxt = float(fractions[k + 1]) if k + 1 < len(fractions) else None
        walk.advance(t, out[k] * root_t, nxt)
    return out


def crossing_probabilities(
    fractions: FloatArray, z_bounds: FloatArray, drift: float, *, two_sided: bool
) -> tuple[FloatArray, FloatArray]:
    """Per-look probabilities of first crossing the upper and the lower boundary.

    ``z_bounds`` are positive; the lower boundary (two-sided only) is their mirror image.
    """
    walk = _Walk(drift, two_sided)
    upper, lower = np.zeros(len(fractions)), np.zeros(len(fractions))
    for k, (t, z) in enumerate(zip(fractions, z_bounds, strict=True)):
        c = z * math.sqrt(t)
        upper[k], lower[k] = walk.crossing(t, c)
        nxt = float(fractions[k + 1]) if k + 1 < len(fractions) else None
        if nxt is not None:
            walk.advance(t, c, nxt)
    return upper, lower


def drift_for_power(
    fractions: FloatArray, z_bounds: FloatArray, power: float, *, two_sided: bool
) -> float:
    """Drift ``theta = E[Z]`` at full information at which the upper boundary is crossed
    with probability ``power`` (crossings of the lower boundary stop the test but do not
    count as detecting the effect)."""

    def shortfall(theta: float) -> float:
        up, _ = crossing_probabilities(fractions, z_bounds, theta, two_sided=two_sided)
        return float(up.sum()) - power

    hi = 2.0 * (float(np.max(z_bounds[np.isfinite(z_bounds)], initial=0.0)) + 10.0)
    root: float = optimize.brentq(shortfall, -hi, hi, xtol=1e-12, rtol=1e-12)
    return root
