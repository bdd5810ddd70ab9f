"""What the two-arm comparisons share: method names, Welch and ratio pairs, the result.

:func:`~cxlib.ab.compare_proportions`, :func:`~cxlib.ab.compare_means` and
:func:`~cxlib.ab.compare_ratios` (and the frame-level :func:`~cxlib.ab.compare`) each
return a :class:`~cxlib.Comparison` of the variant minus the control: ``difference``
and its interval, ``lift = (variant - control) / |control|`` (a fraction: 0.26 is +26 %)
and its interval, the test statistic and p-value, and the two arms' estimates
(``estimates = (variant, control)``). ``alternative="greater"`` is the hypothesis that
the variant is above the control.

Analytic methods work from centred sufficient statistics
(:mod:`cxlib.core.statistics`): Welch's t for a difference of means (with
Welch-Satterthwaite degrees of freedom, also used for the lift's critical value), the
normal approximation with delta-method variances for ratio metrics.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from ..core.errors import DegenerateDataWarning, find_stack_level
from ..core.lift import FloatArray, LiftInterval, Pairs, normal_pairs, warn_undefined_lift
from ..core.results import Comparison, ConfidenceInterval, Estimate
from ..core.statistics import CentredMoments, ratio_variance
from ..core.validation import Alternative
from .resampling import bootstrap_cells

__all__ = [
    "BOOTSTRAP",
    "MEAN_METHODS",
    "MeanMethod",
    "bootstrap_two",
    "lift_method",
    "mask_pairs",
    "mean_pairs",
    "nan_pairs",
    "normal_estimate",
    "ratio_pairs",
    "ratio_statistics",
    "scalar",
    "to_comparison",
    "warn_degenerate",
    "welch_df",
]

MeanMethod = Literal["delta", "fieller", "log", "percentile", "basic", "bca"]
MEAN_METHODS: tuple[MeanMethod, ...] = ("delta", "fieller", "log", "percentile", "basic", "bca")
BOOTSTRAP = ("percentile", "basic", "bca")


def scalar(x: FloatArray) -> float:
    """The first (only) entry of an array, as a float."""
    return float(np.asarray(x).ravel()[0])


def warn_degenerate(pairs: Pairs) -> None:
    """Warn about undefined lift intervals and undefined tests (zero standard errors)."""
    lift_nan = np.isnan(pairs.lift_low) | np.isnan(pairs.lift_high)
    warn_undefined_lift(lift_nan & np.isfinite(pairs.difference))
    no_test = np.isnan(pairs.p_value) & np.isfinite(pairs.difference)
    if no_test.any():
        k = int(no_test.sum())
        which = "the comparison" if no_test.size == 1 else f"{k:,} comparisons"
        warnings.warn(
            f"the test is undefined for {which}: its statistic cannot be computed (no "
            "variation in either arm, or a zero rate for the log-ratio test), so the "
            "statistic and p-value are NaN",
            DegenerateDataWarning,
            stacklevel=find_stack_level(),
        )


_ARM_FIELDS = {"control": ("control", "se_control"), "variant": ("variant", "se_variant")}
_PAIR_FIELDS = ("difference", "se", "ci_low", "ci_high", "statistic", "p_value", "lift")


def mask_pairs(
    pairs: Pairs, control_nan: npt.NDArray[np.bool_], variant_nan: npt.NDArray[np.bool_]
) -> Pairs:
    """``pairs`` with NaN for the arms whose missing values propagate, and their comparisons.

    The counts ``n_control`` and ``n_variant`` (of the units present) are kept.
    """
    either = control_nan | variant_nan
    if not either.any():
        return pairs
    changes: dict[str, FloatArray] = {}
    for arm, nan in (("control", control_nan), ("variant", variant_nan)):
        for name in _ARM_FIELDS[arm]:
            changes[name] = np.where(nan, np.nan, getattr(pairs, name))
    for name in (*_PAIR_FIELDS, "lift_low", "lift_high"):
        changes[name] = np.where(either, np.nan, getattr(pairs, name))
    return dataclasses.replace(pairs, **changes)  # type: ignore[arg-type]


def nan_pairs(n_control: float, n_variant: float, test: str) -> Pairs:
    """One comparison whose missing values propagate: NaN but for the counts."""
    nan = np.full(1, np.nan)
    fields = dict.fromkeys((*_ARM_FIELDS["control"], *_ARM_FIELDS["variant"]), nan)
    fields.update(dict.fromkeys((*_PAIR_FIELDS, "lift_low", "lift_high"), nan))
    return Pairs(
        n_control=np.array([float(n_control)]),
        n_variant=np.array([float(n_variant)]),
        test=np.array([test]),
        **fields,
    )


def to_comparison(
    pairs: Pairs,
    arms: tuple[Estimate, Estimate],
    *,
    metric: str,
    label: str,
    method: str,
    level: float,
    alternative: Alternative,
) -> Comparison:
    """The :class:`Comparison` of the first (only) comparison in ``pairs``."""
    return Comparison(
        metric=metric,
        difference=scalar(pairs.difference),
        se=scalar(pairs.se),
        difference_ci=ConfidenceInterval(scalar(pairs.ci_low), scalar(pairs.ci_high)),
        statistic=scalar(pairs.statistic),
        p_value=scalar(pairs.p_value),
        confidence_level=level,
        method=method,
        alternative=alternative,
        estimates=arms,
        lift=scalar(pairs.lift),
        lift_ci=ConfidenceInterval(scalar(pairs.lift_low), scalar(pairs.lift_high)),
        label=label,
        test=str(pairs.test[0]),
        names=("variant", "control"),
    )


def normal_estimate(
    metric: str, value: float, se: float, n: int, level: float, method: str, q: float, **extra: Any
) -> Estimate:
    return Estimate(
        metric=metric,
        value=value,
        se=se,
        ci=ConfidenceInterval(value - q * se, value + q * se),
        confidence_level=level,
        ci_method=method,
        n=n,
        n_missing=int(extra.pop("n_missing", 0)),
        components=extra,
        label=metric.replace("_", " "),
    )


def bootstrap_two(
    columns: list[FloatArray],
    kind: Literal["mean", "ratio"],
    method: str,
    level: float,
    alternative: Alternative,
    n_resamples: int,
    rng: np.random.Generator,
    se: FloatArray,
    progress: bool = False,
) -> Pairs:
    """Bootstrap comparison of two arms given as per-unit columns (control first)."""
    sizes = [c.shape[1] for c in columns]
    return bootstrap_cells(
        np.concatenate(columns, axis=1),
        np.repeat(np.arange(2, dtype=np.intp), sizes),
        2,
        np.array([0], dtype=np.intp),
        np.array([1], dtype=np.intp),
        kind=kind,
        method=cast(Literal["percentile", "basic", "bca"], method),
        level=level,
        alternative=alternative,
        n_resamples=n_resamples,
        rng=rng,
        se_cells=se,
        progress=progress,
    )


def lift_method(method: str) -> LiftInterval:
    return cast(LiftInterval, method if method in ("fieller", "log") else "delta")


def welch_df(var_c: FloatArray, var_v: FloatArray, n_c: FloatArray, n_v: FloatArray) -> FloatArray:
    """Welch-Satterthwaite degrees of freedom, with ``var`` the variances of the means."""
    with np.errstate(divide="ignore", invalid="ignore"):
        df: FloatArray = (var_c + var_v) ** 2 / (var_c**2 / (n_c - 1) + var_v**2 / (n_v - 1))
    return df


def mean_pairs(
    control: CentredMoments,
    variant: CentredMoments,
    *,
    lift_method: LiftInterval,
    level: float,
    alternative: Alternative,
) -> Pairs:
    """Welch comparisons of the means of column 0, one per row of the summaries."""
    var_c, var_v = (m.variance(0) / m.n for m in (control, variant))
    return normal_pairs(
        control.mean[:, 0],
        variant.mean[:, 0],
        var_c,
        var_v,
        control.n,
        variant.n,
        level=level,
        alternative=alternative,
        lift_method=lift_method,
        df=welch_df(var_c, var_v, control.n, variant.n),
        test_name="welch t",
        same_sign=True,
    )


def ratio_statistics(m: CentredMoments) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Ratio (column 0 over column 1), its delta variance and ``n`` per row of summaries."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio: FloatArray = m.mean[:, 0] / m.mean[:, 1]
    return ratio, ratio_variance(m), m.n


def ratio_pairs(
    control: tuple[FloatArray, FloatArray, FloatArray],
    variant: tuple[FloatArray, FloatArray, FloatArray],
    *,
    lift_method: LiftInterval,
    level: float,
    alternative: Alternative,
) -> Pairs:
    """z comparisons of ratio metrics given as ``(ratio, variance, n)`` per arm."""
    (r_c, var_c, n_c), (r_v, var_v, n_v) = control, variant
    return normal_pairs(
        r_c,
        r_v,
        var_c,
        var_v,
        n_c,
        n_v,
        level=level,
        alternative=alternative,
        lift_method=lift_method,
        test_name="z",
        same_sign=True,
    )
