"""Posterior densities of the lift of each variant over the control (Bayesian A/B)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import integrate, stats

from ._base import NEUTRAL, as_frame, colours, finish, new_axes, require_columns
from ._docs import fill_docs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["lift_density", "posterior"]

FloatArray = npt.NDArray[np.float64]
_NEEDED = ("arm", "is_control", "posterior_mean", "posterior_sd", "chance_to_beat_control")


def _distribution(row: pd.Series[Any]) -> Any:
    """The posterior of one arm: a Beta when the frame has its parameters, else a normal."""
    if "alpha" in row.index and "beta" in row.index and pd.notna(row["alpha"]):
        return stats.beta(float(row["alpha"]), float(row["beta"]))
    return stats.norm(float(row["posterior_mean"]), float(row["posterior_sd"]))


def lift_density(control: Any, variant: Any, lift: FloatArray, points: int = 1201) -> FloatArray:
    """Density of the relative lift ``R = (X_v - X_c) / |X_c|`` at ``lift`` (fractions).

    For independent posteriors, ``f_R(r) = ∫ f_v(x + r|x|) f_c(x) |x| dx`` (the change
    of variables ``X_v = x + r|x|`` at a fixed control value ``x``), integrated with the
    trapezoidal rule over the control's central ``1 - 2e-10`` mass: deterministic, no
    draws.
    """
    x = np.linspace(control.ppf(1e-10), control.isf(1e-10), points)
    weight = control.pdf(x) * np.abs(x)
    inner = variant.pdf(x[None, :] + lift[:, None] * np.abs(x)[None, :]) * weight[None, :]
    density: FloatArray = integrate.trapezoid(inner, x, axis=1)
    return density


def _lift_grid(control: Any, variant: Any) -> FloatArray:
    """Lifts (fractions) spanning the posterior, fine near its centre, 0 included."""
    mc, sc = float(control.mean()), float(control.std())
    mv, sv = float(variant.mean()), float(variant.std())
    centre = (mv - mc) / abs(mc)
    spread = np.sqrt(sv**2 + (mv / mc) ** 2 * sc**2) / abs(mc)
    grids = [np.linspace(centre - 8.0 * spread, centre + 8.0 * spread, 801)]
    low_c = float(control.ppf(1e-7))
    if low_c > 0.0:
        # Positive rates or means: R > -1, and the ratio of extreme quantiles bounds
        # 1 + R with probability above 1 - 4e-7 however skewed the posterior (small
        # samples); a geometric grid resolves every scale of that range.
        low = float(variant.ppf(1e-7)) / float(control.isf(1e-7))
        high = float(variant.isf(1e-7)) / low_c
        grids = [grids[0][grids[0] > -1.0], np.geomspace(low, high, 1201) - 1.0]
    grid = np.unique(np.concatenate(grids))
    # 0 on the grid: the shaded area then starts exactly at no lift.
    out: FloatArray = np.union1d(grid, [0.0]) if grid[0] < 0.0 < grid[-1] else grid
    return out


def _central(x: FloatArray, density: FloatArray, view: tuple[float, float]) -> tuple[float, float]:
    """``view`` widened to the 0.1% and 99.9% quantiles of the density along ``x``."""
    steps = np.diff(x) * (density[1:] + density[:-1]) / 2.0
    cdf = np.concatenate([[0.0], np.cumsum(steps)])
    low, high = np.interp([0.001, 0.999], cdf / cdf[-1], x)
    margin = 0.05 * (high - low)
    return min(view[0], max(float(low - margin), float(x[0]))), max(view[1], float(high + margin))


def posterior(result: object, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Posterior density of each variant's relative lift over the control, in %.

    The densities are computed from the posteriors the result stores (Beta for
    ``cx.ab.bayesian_proportions``, normal for ``cx.ab.bayesian_means``) by numerical
    integration, not from random draws: the picture is the same at every call. The area
    above 0 is shaded; it is the chance to beat the control, given in the legend.

    Parameters
    ----------
    result : BayesianComparison or pandas.DataFrame
        The result of ``cx.ab.bayesian_proportions`` or ``cx.ab.bayesian_means``, or
        its ``to_frame()``.
    {ax}
    {title}

    {returns}

    Examples
    --------
    >>> import cxlib as cx
    >>> from cxlib.plotting import posterior
    >>> bayes = cx.ab.bayesian_proportions((380, 3_500), (470, 3_500), rng=1)
    >>> ax = posterior(bayes)
    >>> ax.get_xlabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('Lift over control (%)', ['variant: chance to beat control 100.0%'])
    """
    ax = new_axes(ax)
    frame = as_frame(result, "result")
    require_columns(frame, _NEEDED, "result")
    is_control = frame["is_control"].astype(bool).to_numpy()
    if is_control.sum() != 1:
        raise ValueError(
            f"result must have exactly one control arm (is_control); got {int(is_control.sum())}"
        )
    if is_control.all():
        raise ValueError("result has no variant arm to draw")
    control = _distribution(frame[is_control].iloc[0])
    variants = frame[~is_control]
    view = (np.inf, -np.inf)
    for (_, row), colour in zip(variants.iterrows(), colours(len(variants)), strict=True):
        variant = _distribution(row)
        lift = _lift_grid(control, variant)
        # Per percentage point of lift: the curve integrates to 1 along the x axis.
        density = lift_density(control, variant, lift) / 100.0
        pct = 100.0 * lift
        chance = float(row["chance_to_beat_control"])
        label = f"{row['arm']}: chance to beat control {100.0 * chance:.1f}%"
        ax.plot(pct, density, color=colour, linewidth=1.8, label=label, gid=f"density {row['arm']}")
        view = _central(pct, density, view)
        above = pct >= 0.0
        if above.any():
            ax.fill_between(
                pct[above], density[above], color=colour, alpha=0.25, linewidth=0,
                gid=f"above zero {row['arm']}",
            )  # fmt: skip
    # The view: the central 99.8% of every posterior and 0; the lines reach further.
    ax.set_xlim(min(view[0], 0.0), max(view[1], 0.0))
    ax.axvline(0.0, color=NEUTRAL, linewidth=1.0, linestyle="--", gid="zero")
    ax.set_xlabel("Lift over control (%)")
    ax.set_ylabel("Posterior density (per % of lift)")
    ax.set_ylim(bottom=0.0)
    ax.legend(loc="best", frameon=False)
    if title is not None:
        ax.set_title(title)
    return finish(ax, grid=None)


fill_docs(posterior)
