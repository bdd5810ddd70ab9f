"""CUPED: variance reduction for A/B tests with a pre-experiment covariate.

CUPED (Controlled-experiment Using Pre-Experiment Data; Deng, Xu, Kohavi & Walker
2013) replaces each unit's metric ``y`` by

    ``y_cuped = y - theta * (x - mean(x))``,   ``theta = cov(x, y) / var(x)``,

where ``x`` is a covariate measured *before* the experiment started (last month's spend
of the same visitor, their previous satisfaction score). Because ``x`` cannot have been
affected by the treatment, ``E[x]`` is the same in every arm and the difference of the
arms' means of ``y_cuped`` is an unbiased estimate of the same effect as the difference
of the means of ``y``, with variance smaller by the factor ``1 - rho**2`` (``rho`` the
correlation of ``x`` and ``y``). A covariate with correlation 0.7 halves the variance,
and so the sample size needed for the same power.

``theta`` is estimated once from all units of all arms pooled: pass the concatenated
arms and split :attr:`CupedResult.adjusted` by arm afterwards. Estimating a separate
``theta`` per arm would make the adjustment depend on the treatment.

References
----------
.. [1] A. Deng, Y. Xu, R. Kohavi and T. Walker (2013), "Improving the sensitivity of
   online controlled experiments by utilizing pre-experiment data", Proceedings of the
   Sixth ACM International Conference on Web Search and Data Mining (WSDM '13),
   pp. 123-132, https://doi.org/10.1145/2433396.2433413
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.display import fmt as _fmt
from ..core.errors import DegenerateDataWarning, find_stack_level
from ..core.results import Result
from ..core.statistics import CentredMoments, summarise
from ..core.validation import NanPolicy, as_numeric_1d, check_nan_policy
from ._arms import missing_mask

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CupedResult", "adjust_cells", "cuped"]

FloatArray: TypeAlias = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CupedResult(Result):
    """Metric values adjusted by CUPED, with the regression behind the adjustment.

    Attributes
    ----------
    adjusted : numpy.ndarray of float64
        ``values - theta * (covariate - covariate_mean)``, one entry per input unit in
        the input order (read-only). Units left out under ``nan_policy="omit"`` are NaN.
    theta : float
        Slope of the adjustment: ``cov(x, y) / var(x)`` when estimated, the given value
        otherwise, 0 when the covariate is degenerate.
    covariate_mean : float
        Mean of the covariate over the units used, the centre of the adjustment.
    correlation : float
        Pearson correlation of the covariate and the values over the units used (NaN
        when either is constant or fewer than 2 units are left).
    variance_reduction : float
        ``1 - var(adjusted) / var(values)`` over the units used: the fraction of the
        variance removed. Equals ``correlation**2`` when ``theta`` is estimated from the
        same data; can be negative for a given ``theta`` that does not fit. NaN when the
        values are constant or fewer than 2 units are left.
    n : int
        Number of units used (both inputs present).
    n_missing : int
        Number of units left out because either input was missing.
    theta_given : bool
        Whether ``theta`` was passed in (and used) rather than estimated.
    """

    adjusted: FloatArray
    theta: float
    covariate_mean: float
    correlation: float
    variance_reduction: float
    n: int = 0
    n_missing: int = 0
    theta_given: bool = False

    def __post_init__(self) -> None:
        # Read-only, also when rebuilt by pickle (which restores arrays writeable).
        adjusted = np.asarray(self.adjusted, dtype=np.float64)
        if adjusted.flags.writeable:
            adjusted = adjusted.copy()
            adjusted.setflags(write=False)
        object.__setattr__(self, "adjusted", adjusted)

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame of the adjustment (every attribute but ``adjusted``)."""
        row = {k: v for k, v in self._attributes().items() if k != "adjusted"}
        frame: pd.DataFrame = pd.DataFrame([row])
        return frame

    def plot(
        self, groups: npt.ArrayLike, control: Any, *, ax: Axes | None = None, **kwargs: Any
    ) -> Axes:
        """Forest plot of each arm's adjusted mean against the control's.

        ``groups`` names each unit's arm (same length and order as :attr:`adjusted`);
        the arms' adjusted values are compared with :func:`cxlib.ab.compare` (units
        left out are NaN and omitted) and drawn by :func:`cxlib.plotting.lift_forest`,
        which takes the other keyword arguments.
        """
        from ..plotting import lift_forest
        from .frame import compare

        arms = np.asarray(groups, dtype=object)
        if arms.ndim != 1 or len(arms) != len(self.adjusted):
            raise ValueError(
                f"groups must name the arm of each of the {len(self.adjusted):,} adjusted "
                f"values; got shape {arms.shape}"
            )
        units = pd.DataFrame({"arm": arms, "adjusted": self.adjusted})
        table = compare(units, group="arm", control=control, metric="adjusted")
        return lift_forest(table, ax=ax, **kwargs)

    def __str__(self) -> str:
        source = "given" if self.theta_given else "estimated"
        # Propagated missing values leave theta NaN; omitted ones leave it defined.
        fate = "propagated" if self.n_missing and math.isnan(self.theta) else "omitted"
        missing = f" ({self.n_missing:,} missing {fate})" if self.n_missing else ""
        return (
            f"CUPED · theta = {self.theta:.4g} ({source}) · covariate mean "
            f"{self.covariate_mean:.4g} · correlation {_fmt(self.correlation, 3)} · "
            f"variance reduction {_fmt(100.0 * self.variance_reduction, 1)}% · "
            f"n = {self.n:,}{missing}"
        )

    __repr__ = __str__


def _power_of_two(values: FloatArray) -> float:
    """A power of two near the largest magnitude of ``values`` (1 for all zeros)."""
    top = float(np.max(np.abs(values)))
    return math.ldexp(1.0, math.frexp(top)[1]) if top > 0 else 1.0


def _check_theta(theta: object) -> float | None:
    if theta is None:
        return None
    if isinstance(theta, (bool, np.bool_)) or not isinstance(theta, numbers.Real):
        raise TypeError(
            f"theta must be None (estimate it) or a finite real number; "
            f"got {type(theta).__name__} {theta!r}"
        )
    value = float(theta)
    if not math.isfinite(value):
        raise ValueError(f"theta must be a finite real number; got {value!r}")
    return value


def _as_float(values: object, name: str) -> FloatArray:
    return np.asarray(as_numeric_1d(values, name), dtype=np.float64)


def cuped(
    values: npt.ArrayLike | pd.Series[Any],
    covariate: npt.ArrayLike | pd.Series[Any],
    *,
    theta: float | None = None,
    nan_policy: NanPolicy = "omit",
) -> CupedResult:
    """Adjust per-unit metric values for a pre-experiment covariate (CUPED).

    Parameters
    ----------
    values : array-like
        Per-unit metric measured during the experiment (a list, numpy array or pandas
        Series of numbers), all arms concatenated.
    covariate : array-like
        The same units' pre-experiment covariate, in the same order and of the same
        length. Entries are paired by position; two pandas Series must have equal
        indexes (align them first, e.g. ``covariate.reindex(values.index)``).
    theta : float, optional
        Slope of the adjustment. By default estimated as ``cov(x, y) / var(x)`` from all
        units; pass a value (e.g. estimated on an earlier period) to use it as is.
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Missing values (NaN, None, pandas.NA) in either input: the unit is left out of
        every statistic and its entry of ``adjusted`` is NaN, so that ``adjusted``
        keeps the length and order of the input ("omit", counted in ``n_missing``); an
        error ("raise"); or every result NaN ("propagate"; ``n`` and ``n_missing``
        are kept). Infinite values are always an error.

    Returns
    -------
    CupedResult
        ``adjusted`` values and ``theta``, ``covariate_mean``, ``correlation`` and
        ``variance_reduction``.

    Raises
    ------
    TypeError
        If an input does not hold numbers or ``theta`` is not a real number.
    ValueError
        If the inputs differ in length or are not one-dimensional, two Series have
        different indexes, an input holds infinite values, missing values with
        ``nan_policy="raise"``, or the estimated ``theta`` overflows (a covariate that
        varies by a few subnormal numbers).

    Warns
    -----
    DegenerateDataWarning
        When the covariate is constant or fewer than 2 units are left: no adjustment is
        possible, ``theta`` is 0 (a given ``theta`` is not used) and ``adjusted`` equals
        ``values``. Also when the values are constant, so that ``correlation`` and
        ``variance_reduction`` are NaN.

    Notes
    -----
    With ``x`` the covariate and ``y`` the values over the ``n`` units used,

    .. math::

        \\theta = \\frac{\\sum_i (x_i - \\bar x)(y_i - \\bar y)}{\\sum_i (x_i - \\bar x)^2},
        \\qquad y^{cuped}_i = y_i - \\theta (x_i - \\bar x),

    the slope of the least-squares regression of ``y`` on ``x``. The adjusted values
    have the same mean as ``y`` and variance ``var(y) (1 - rho**2)`` [1]_. The
    difference of the arms' means of ``adjusted`` is
    ``(ybar_t - ybar_c) - theta (xbar_t - xbar_c)``; it estimates the same effect as
    the plain difference of means because the pre-experiment covariate has the same
    expectation in every arm. Estimate ``theta`` from the pooled arms (the default when
    the arms are passed together) and compare the arms' ``adjusted`` values with the
    usual two-sample methods; the small loss of a degree of freedom for ``theta`` is
    ignored, as in [1]_.

    References
    ----------
    .. [1] A. Deng, Y. Xu, R. Kohavi and T. Walker (2013), "Improving the sensitivity
       of online controlled experiments by utilizing pre-experiment data", WSDM '13,
       pp. 123-132, https://doi.org/10.1145/2433396.2433413

    Examples
    --------
    Spend in the experiment is correlated with the same visitors' spend before it:

    >>> import numpy as np
    >>> from cxlib.ab.cuped import cuped
    >>> rng = np.random.default_rng(2013)
    >>> pre = rng.gamma(2.0, 10.0, size=4_000)
    >>> arm = np.repeat([0, 1], 2_000)
    >>> spend = 5.0 + 0.8 * pre + 1.0 * arm + rng.normal(0.0, 8.0, size=4_000)
    >>> res = cuped(spend, pre)
    >>> round(res.theta, 3), round(res.correlation, 3), round(res.variance_reduction, 3)
    (0.806, 0.821, 0.675)

    Split by arm, the adjusted values estimate the effect (1.0) with about a third of the
    variance of the plain difference of means:

    >>> adj = res.adjusted
    >>> round(float(spend[arm == 1].mean() - spend[arm == 0].mean()), 3)
    1.617
    >>> round(float(adj[arm == 1].mean() - adj[arm == 0].mean()), 3)
    1.365
    >>> round(float(adj.var() / spend.var()), 3)
    0.325

    With ``nan_policy="omit"``, units missing either input are NaN in ``adjusted``:

    >>> res = cuped([4.0, 3.0, np.nan, 8.0], [1.0, 2.0, 5.0, 3.0], nan_policy="omit")
    >>> res.adjusted
    array([ 6.,  3., nan,  6.])
    >>> res
    CUPED · theta = 2 (estimated) · covariate mean 2 · correlation 0.756 · variance
    reduction 57.1% · n = 3 (1 missing omitted)
    """
    policy = check_nan_policy(nan_policy)
    fixed_theta = _check_theta(theta)
    if (
        isinstance(values, pd.Series)
        and isinstance(covariate, pd.Series)
        and not values.index.equals(covariate.index)
    ):
        raise ValueError(
            "values and covariate are pandas Series with different indexes; they are "
            "paired by position, so align them first (e.g. covariate.reindex(values.index))"
        )
    y_all = _as_float(values, "values")
    x_all = _as_float(covariate, "covariate")
    if y_all.shape[0] != x_all.shape[0]:
        raise ValueError(
            "values and covariate must have the same length (one entry per unit); "
            f"got {y_all.shape[0]:,} and {x_all.shape[0]:,}"
        )
    missing = missing_mask(y_all, "values", policy) | missing_mask(x_all, "covariate", policy)
    keep = ~missing
    y, x = y_all[keep], x_all[keep]
    n = int(y.shape[0])
    n_missing = int(missing.sum())
    nan = math.nan
    if n_missing and policy == "propagate":
        undefined = np.full(y_all.shape[0], nan)
        undefined.setflags(write=False)
        return CupedResult(undefined, nan, nan, nan, nan, n=n, n_missing=n_missing)

    covariate_mean = float(x.mean()) if n else nan
    x_constant = n < 2 or bool(x.min() == x.max())
    y_constant = n < 2 or bool(y.min() == y.max())
    if x_constant:
        reason = f"fewer than 2 units ({n})" if n < 2 else f"a constant covariate ({float(x[0])!r})"
        warnings.warn(
            f"CUPED cannot adjust with {reason}: theta is 0 and the adjusted values "
            "equal the values (no variance reduction)",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )
    elif y_constant:
        warnings.warn(
            "the values are constant: their correlation with the covariate and the "
            "variance reduction are undefined (NaN)",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )

    adjusted: FloatArray = np.full(y_all.shape[0], nan, dtype=np.float64)
    if x_constant:
        slope = 0.0
        correlation = nan
        adjusted[keep] = y
        reduction = nan if y_constant else 0.0
    else:
        # Centred co-moments from the core (two passes, exact for values far from zero),
        # of the data scaled by powers of two so that squares neither overflow nor
        # underflow whatever the units; the scaling is exact.
        x_scale, y_scale = _power_of_two(x), _power_of_two(y)
        moments = summarise(np.stack([y / y_scale, x / x_scale]))
        covariate_mean = float(moments.mean[0, 1]) * x_scale
        svv, suv, suu = (float(moments.comoment[0, i, j]) for i, j in ((0, 0), (0, 1), (1, 1)))
        xc = x - covariate_mean
        if not suu > 0:  # the covariate varies by less than the scaled squares resolve
            suu = float(np.dot(xc / x_scale, xc / x_scale))
        correlation = nan if y_constant else min(max(suv / math.sqrt(suu * svv), -1.0), 1.0)
        slope = (suv / suu) * (y_scale / x_scale) if fixed_theta is None else fixed_theta
        if not math.isfinite(slope):
            raise ValueError(
                "theta = cov(covariate, values) / var(covariate) overflows: the covariate "
                f"varies too little (spread {float(np.ptp(x)):.3g}) for the scale of the "
                "values; rescale the covariate"
            )
        adjusted[keep] = y - slope * xc
        if y_constant:
            reduction = nan
        elif fixed_theta is None:
            reduction = correlation * correlation
        else:
            # The residual M2 of y - theta x from the co-moments, in the scaled units.
            t = slope * x_scale / y_scale
            resid = max(svv - 2.0 * t * suv + t * t * suu, 0.0)
            reduction = 1.0 - resid / svv
    adjusted.setflags(write=False)
    return CupedResult(
        adjusted=adjusted,
        theta=slope,
        covariate_mean=covariate_mean,
        correlation=correlation,
        variance_reduction=reduction,
        n=n,
        n_missing=n_missing,
        theta_given=fixed_theta is not None and not x_constant,
    )


def adjust_cells(
    cells: CentredMoments, segments: CentredMoments, segment_of_cell: npt.NDArray[np.intp]
) -> tuple[CentredMoments, FloatArray, FloatArray]:
    """CUPED-adjusted moments of cells (arm x segment), ``theta`` estimated per segment.

    ``cells`` and ``segments`` hold the moments of the columns ``(y, x)`` (values,
    covariate), the segments' from the units of all their arms; ``segment_of_cell``
    maps each cell to its segment. With ``theta = C_xy / C_xx`` of the segment (0 where
    the covariate does not vary, with a warning), each cell's adjusted mean is
    ``ybar - theta (xbar - xbar_segment)`` and its M2
    ``C_yy - 2 theta C_xy + theta**2 C_xx``. Returns the adjusted moments (one
    column, no M3) and, per cell, ``theta`` and the centre ``xbar_segment``.
    """
    cxx, cxy = segments.comoment[:, 1, 1], segments.comoment[:, 0, 1]
    flat = ~(cxx > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.where(flat, 0.0, cxy / cxx)
    if flat.any():
        warnings.warn(
            f"the covariate does not vary in {int(flat.sum()):,} of {segments.n_groups:,} "
            "segments: CUPED leaves their values unadjusted",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )
    t = theta[segment_of_cell]
    x_centre = np.nan_to_num(segments.mean[:, 1])[segment_of_cell]
    c = cells.comoment
    m2 = c[:, 0, 0] - 2.0 * t * c[:, 0, 1] + t * t * c[:, 1, 1]
    adjusted_mean = cells.mean[:, 0] - t * (cells.mean[:, 1] - x_centre)
    moments = CentredMoments(
        cells.n, cells.weight, adjusted_mean[:, None], np.maximum(m2, 0.0)[:, None, None]
    )
    return moments, t, x_centre
