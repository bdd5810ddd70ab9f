"""The power curve of a planned A/B test: power against visitors, the plan marked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

import numpy as np
import numpy.typing as npt

from ._base import NEUTRAL, PALETTE, finish, new_axes
from ._docs import fill_docs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["power_curve"]

_NEEDED = ("n_control", "power", "ratio", "power_at")


class _Plan(Protocol):
    """What the curve reads of a ``SampleSize`` (plotting does not import cxlib.ab)."""

    n_control: int
    power: float
    ratio: float

    def power_at(self, n: npt.ArrayLike) -> npt.NDArray[np.float64]: ...


def power_curve(result: object, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Power of the planned test against the visitors in the control arm.

    The curve runs from a fortieth of the planned control arm to two and a half times
    it (each variant has ``ratio`` times as many visitors); the planned size is marked
    by a dotted vertical line and a point on the curve, the target power by a dotted
    horizontal line. The powers come from the plan itself (``result.power_at``), so the
    curve uses the same test, alpha per comparison and alternative as the plan.

    Parameters
    ----------
    result : SampleSize
        The result of ``cx.ab.sample_size``.
    {ax}
    {title}

    {returns}

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib.plotting import power_curve
    >>> ax = power_curve(cx.ab.sample_size(0.20, 0.27))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Visitors per arm', 'Power (%)')
    """
    missing = [name for name in _NEEDED if not hasattr(result, name)]
    if missing:
        raise TypeError(
            "result must be a SampleSize (cx.ab.sample_size); got "
            f"{type(result).__name__} without {missing}"
        )
    ax = new_axes(ax)
    plan = cast(_Plan, result)
    planned, target, ratio = int(plan.n_control), float(plan.power), float(plan.ratio)
    # Control arms of at least 3 visitors (and variants of at least 1): the t test's
    # power needs a degree of freedom.
    start = max(3.0, planned / 40.0, 1.0 / ratio)
    n = np.union1d(np.linspace(start, 2.5 * planned, 400), [float(planned)])
    power = 100.0 * np.asarray(plan.power_at(n), dtype=float)
    ax.plot(n, power, color=PALETTE["blue"], linewidth=1.8, gid="power")
    achieved = 100.0 * float(np.asarray(plan.power_at([planned]))[0])
    ax.axhline(100.0 * target, color=NEUTRAL, linestyle=":", linewidth=1.0, gid="target")
    ax.axvline(planned, color=NEUTRAL, linestyle=":", linewidth=1.0, gid="planned")
    arm = "per arm" if ratio == 1.0 else "in the control arm"
    ax.plot(
        [planned], [achieved], marker="o", color=PALETTE["blue"], linestyle="none",
        label=f"planned: {planned:,} {arm}, power {100.0 * target:g}%", gid="plan",
    )  # fmt: skip
    ax.set_xlabel("Visitors per arm" if ratio == 1.0 else "Visitors in the control arm")
    ax.set_ylabel("Power (%)")
    ax.set_ylim(0.0, 100.0)
    ax.set_xlim(0.0, float(n[-1]))
    ax.legend(loc="lower right", frameon=False)
    if title is not None:
        ax.set_title(title)
    return finish(ax, grid="both")


fill_docs(power_curve)
