"""Planned interim analyses: group-sequential boundaries with alpha spending.

A test analysed at a few planned looks (say weekly, five times) may stop at the first
look whose z statistic crosses a boundary. The boundaries keep the overall type I error
at ``alpha``: by the spending-function approach of Lan & DeMets (1983, *Biometrika* 70,
659-663) the cumulative type I error spent by information fraction ``t`` (the share of
the maximum sample observed) is ``alpha(t)``, and the boundary of each look spends the
increment ``alpha(t_k) - alpha(t_(k-1))``. Each tail spends its level ``a`` (``alpha/2``
for two-sided tests) by

- the O'Brien-Fleming type ``a(t) = 2 - 2 Phi(z_(1-a/2) / sqrt(t))``: almost nothing
  early, the final boundary close to the fixed test's (the default);
- the Pocock type ``a(t) = a log(1 + (e - 1) t)``: nearly equal boundaries, a better
  chance of stopping early, a larger maximum sample.

The boundaries come from the recursive numerical integration of Armitage, McPherson &
Rowe (1969) (:mod:`cxlib.ab._boundaries`). Because only the spending function is fixed
in advance, the looks may fall at other fractions than planned:
:func:`group_sequential_test` recomputes the boundaries at the observed fractions.

The price of looking is a larger maximum sample: ``inflation_factor`` is the ratio of the
maximum sample size to the fixed-horizon one at the same power (Jennison & Turnbull
2000, *Group Sequential Methods with Applications to Clinical Trials*, sections 2.3-2.4
and 7.2). ``cx.ab.sample_size(..., looks=5)`` applies it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from ..core.results import Result
from ..core.validation import Alternative, as_numeric_1d, check_alternative, check_choice
from ._boundaries import (
    SPENDING_FUNCTIONS,
    FloatArray,
    Spending,
    boundaries,
    crossing_probabilities,
    drift_for_power,
    spent,
)
from ._design import _in_unit_interval

__all__ = [
    "SPENDING_FUNCTIONS",
    "GroupSequentialDesign",
    "Spending",
    "group_sequential",
]

#: Most looks a design may have (each look costs one integration step).
MAX_LOOKS = 100
_NAMES = {"obrien-fleming": "O'Brien-Fleming-type", "pocock": "Pocock-type"}

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class GroupSequentialDesign(Result):
    """Boundaries of a group-sequential test, returned by :func:`group_sequential`.

    Attributes
    ----------
    information_fractions : tuple of float
        Share of the maximum sample observed at each look, ending at 1.
    z_boundaries : tuple of float
        Boundary of the z statistic at each look: stop when ``|z| >= boundary``
        (two-sided), ``z >= boundary`` (``"greater"``) or ``z <= boundary`` (``"less"``,
        negative boundaries). ``inf`` where a look spends no alpha.
    alpha_spent : tuple of float
        Cumulative type I error spent by each look, ending at ``alpha``.
    alpha : float
        Overall significance level.
    spending : str
        ``"obrien-fleming"`` or ``"pocock"``.
    alternative : str
        ``"two-sided"``, ``"greater"`` or ``"less"``.
    power : float
        Power at which ``inflation_factor`` is computed.
    inflation_factor : float
        Maximum sample size over the fixed-horizon sample size with the same power.
    drift : float
        Expected z statistic at the last look under the effect detected with ``power``.
    """

    information_fractions: tuple[float, ...]
    z_boundaries: tuple[float, ...]
    alpha_spent: tuple[float, ...]
    alpha: float
    spending: str
    alternative: str
    power: float
    inflation_factor: float
    drift: float

    @property
    def looks(self) -> int:
        """Number of looks."""
        return len(self.information_fractions)

    def to_frame(self) -> pd.DataFrame:
        """One row per look: ``look``, ``information_fraction``, ``alpha_spent``
        (cumulative), ``alpha_at_look`` (its increment), ``z_boundary`` and
        ``nominal_p`` (the p-value that crosses the boundary at that look)."""
        return _look_frame(self.information_fractions, self.z_boundaries, self.alpha_spent,
                           self.alternative)  # fmt: skip

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """The boundaries of the looks (:func:`cxlib.plotting.boundaries`)."""
        from ..plotting import boundaries

        return boundaries(self, ax=ax, **kwargs)

    def __str__(self) -> str:
        bounds = ", ".join(f"{z:.3f}" for z in self.z_boundaries)
        return (
            f"Group-sequential design · {self.looks} look(s), {_NAMES[self.spending]} "
            f"spending · {self.alternative} alpha = {self.alpha:g} · z boundaries {bounds} · "
            f"maximum sample {self.inflation_factor:.4f} x fixed (power {100 * self.power:.4g}%)"
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        table = self.to_frame().to_html(index=False, classes="cxlib-result")
        return f"<div><strong>{html.escape(str(self))}</strong>{table}</div>"


def _look_frame(
    fractions: npt.ArrayLike, bounds: npt.ArrayLike, cumulative: npt.ArrayLike, alternative: str
) -> pd.DataFrame:
    z = np.abs(np.asarray(bounds, dtype=np.float64))
    tail = special.ndtr(-z)
    spent_ = np.asarray(cumulative, dtype=np.float64)
    return pd.DataFrame(
        {
            "look": np.arange(1, len(z) + 1),
            "information_fraction": np.asarray(fractions, dtype=np.float64),
            "alpha_spent": spent_,
            "alpha_at_look": np.diff(spent_, prepend=0.0),
            "z_boundary": np.asarray(bounds, dtype=np.float64),
            "nominal_p": 2.0 * tail if alternative == "two-sided" else tail,
        }
    )


def _fractions(looks: object) -> FloatArray:
    """The information fractions a ``looks`` argument stands for."""
    if isinstance(looks, (int, np.integer)) and not isinstance(looks, bool):
        if not 1 <= looks <= MAX_LOOKS:
            raise ValueError(
                f"looks must be a number of looks from 1 to {MAX_LOOKS} or a sequence of "
                f"information fractions; got {looks!r}"
            )
        return np.arange(1, int(looks) + 1, dtype=np.float64) / int(looks)
    if isinstance(looks, (bool, float, np.floating)) or looks is None:
        raise TypeError(
            "looks must be an integer (equally spaced looks) or a sequence of information "
            f"fractions; got {type(looks).__name__} {looks!r}"
        )
    t = _observed_fractions(as_numeric_1d(looks, "looks").astype(np.float64), "looks")
    if abs(t[-1] - 1.0) > 1e-9:
        raise ValueError(
            f"looks must end at information fraction 1 (the last look sees the maximum "
            f"sample); got {t[-1]!r}"
        )
    t[-1] = 1.0
    return t


def _observed_fractions(t: FloatArray, name: str) -> FloatArray:
    if not 1 <= len(t) <= MAX_LOOKS:
        raise ValueError(f"{name} must have 1 to {MAX_LOOKS} looks; got {len(t)}")
    if not (np.isfinite(t).all() and (t > 0.0).all() and (t <= 1.0 + 1e-9).all()):
        raise ValueError(f"{name}: information fractions must be in (0, 1]; got {t.tolist()}")
    if (np.diff(t) <= 0.0).any():
        raise ValueError(f"{name}: information fractions must increase; got {t.tolist()}")
    return np.minimum(t, 1.0)


def _bounds(
    t: FloatArray, alpha: float, spending: Spending, alternative: Alternative
) -> tuple[FloatArray, FloatArray]:
    """Cumulative alpha spent and the signed z boundaries at the fractions ``t``."""
    two_sided = alternative == "two-sided"
    cumulative = spent(spending, alpha, t, two_sided=two_sided)
    z = boundaries(t, np.diff(cumulative, prepend=0.0), two_sided=two_sided)
    return cumulative, -z if alternative == "less" else z


def group_sequential(
    looks: int | Sequence[float] | FloatArray = 5,
    *,
    alpha: float = 0.05,
    spending: Spending = "obrien-fleming",
    alternative: Alternative = "two-sided",
    power: float = 0.8,
) -> GroupSequentialDesign:
    """Boundaries of a group-sequential test with Lan-DeMets alpha spending.

    Parameters
    ----------
    looks : int or sequence of float, default 5
        Number of equally spaced looks, or the information fractions (shares of the
        maximum sample) of the looks: increasing, in (0, 1], ending at 1.
    alpha : float, default 0.05
        Overall significance level, in (0, 1).
    spending : {"obrien-fleming", "pocock"}, default "obrien-fleming"
        Lan-DeMets spending function of the O'Brien-Fleming type (strict early
        boundaries) or the Pocock type (nearly constant boundaries); see the module notes.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        Two-sided tests have symmetric boundaries, each tail spending ``alpha / 2``.
    power : float, default 0.8
        Power at which the inflation factor of the maximum sample size is computed.

    Returns
    -------
    GroupSequentialDesign
        The boundaries, the alpha spent and the inflation factor; ``to_frame()`` has one
        row per look.

    Raises
    ------
    TypeError
        For ``looks`` neither an integer nor a sequence of numbers.
    ValueError
        For fewer than one look, fractions that do not increase, lie outside (0, 1] or
        do not end at 1, ``alpha`` or ``power`` outside (0, 1), ``power`` not above the
        level of one tail, or an unknown ``spending``.

    See Also
    --------
    group_sequential_test, sample_size

    Examples
    --------
    Five equally spaced looks, two-sided 5 %, O'Brien-Fleming-type spending (the values
    of gsDesign's ``sfLDOF`` and of Reboussin et al.'s ld98):

    >>> from cxlib.ab import group_sequential
    >>> design = group_sequential(5)
    >>> [round(z, 3) for z in design.z_boundaries]
    [4.877, 3.357, 2.68, 2.29, 2.031]
    >>> round(design.inflation_factor, 3)
    1.025
    >>> design.to_frame().round(4)[["look", "alpha_spent", "z_boundary", "nominal_p"]]
       look  alpha_spent  z_boundary  nominal_p
    0     1       0.0000      4.8769     0.0000
    1     2       0.0008      3.3570     0.0008
    2     3       0.0076      2.6803     0.0074
    3     4       0.0244      2.2898     0.0220
    4     5       0.0500      2.0310     0.0423

    Pocock-type spending at looks after 25 %, 50 % and all of the sample:

    >>> [round(z, 3) for z in group_sequential([0.25, 0.5, 1.0], spending="pocock").z_boundaries]
    [2.368, 2.368, 2.226]
    """
    t = _fractions(looks)
    level = _in_unit_interval("alpha", alpha)
    kind = check_choice("spending", spending, SPENDING_FUNCTIONS)
    alt = check_alternative(alternative)
    target = _in_unit_interval("power", power)
    tail = level / 2.0 if alt == "two-sided" else level
    if not target > tail:
        raise ValueError(f"power must exceed the level of one tail ({tail:.4g}); got {target!r}")
    cumulative, z = _bounds(t, level, kind, alt)
    two_sided = alt == "two-sided"
    drift = drift_for_power(t, np.abs(z), target, two_sided=two_sided)
    fixed = -float(special.ndtri(tail)) + float(special.ndtri(target))
    return GroupSequentialDesign(
        information_fractions=tuple(float(x) for x in t),
        z_boundaries=tuple(float(x) for x in z),
        alpha_spent=tuple(float(x) for x in cumulative),
        alpha=level,
        spending=kind,
        alternative=alt,
        power=target,
        inflation_factor=(drift / fixed) ** 2,
        drift=drift,
    )


def _sequential_power(design: GroupSequentialDesign, fixed_power: float) -> float:
    """Power of ``design`` with ``inflation_factor`` times the sample size at which the
    fixed-horizon test has power ``fixed_power`` (normal approximation)."""
    tail = design.alpha / 2.0 if design.alternative == "two-sided" else design.alpha
    drift = -float(special.ndtri(tail)) + float(special.ndtri(fixed_power))
    up, _ = crossing_probabilities(
        np.asarray(design.information_fractions),
        np.abs(np.asarray(design.z_boundaries)),
        drift * math.sqrt(design.inflation_factor),
        two_sided=design.alternative == "two-sided",
    )
    return float(up.sum())
