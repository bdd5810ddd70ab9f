"""Importances of the drivers from co-moment matrices, for the estimate and in batch
for the bootstrap replicates and the jackknife of the BCa interval."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..core.linear import (
    MAX_EXACT_PREDICTORS,
    correlation,
    general_dominance,
    relative_weights,
    standardized_coefficients,
    subset_r2,
)
from ..core.resampled_moments import comoment_replicates, jackknife_comoments
from .driver_inputs import COLLINEAR, DriverMoments, group_label

__all__ = ["DRIVER_METHODS", "DriverMethod", "Importances", "importances", "resampled"]

FloatArray = npt.NDArray[np.float64]
DriverMethod = Literal["dominance", "relative-weights", "standardized"]
DRIVER_METHODS: tuple[DriverMethod, ...] = ("dominance", "relative-weights", "standardized")
# Rows whose leave-one-out importances are computed at once (jackknife of BCa).
_JACKKNIFE_ROWS = 1 << 14


@dataclass(frozen=True)
class Importances:
    """Per matrix: standardised coefficients, importances, shares of R², and R²."""

    std_coef: FloatArray  # (..., p)
    importance: FloatArray  # (..., p)
    share: FloatArray  # (..., p)
    r2: FloatArray  # (...)


def check_size(method: DriverMethod, p: int) -> None:
    if method == "dominance" and p > MAX_EXACT_PREDICTORS:
        raise ValueError(
            f"dominance analysis is exact over all 2**p subsets of drivers and is limited to "
            f"{MAX_EXACT_PREDICTORS} drivers (2**{MAX_EXACT_PREDICTORS} regressions); got "
            f"{p}: use method='relative-weights' (Johnson's relative weights, close to the "
            "dominance weights at the cost of one eigen-decomposition)"
        )


def importances(comoment: FloatArray, method: DriverMethod) -> Importances:
    """Importances of the drivers (columns 1..) for the outcome (column 0), batched."""
    r = correlation(comoment)
    beta, r2 = standardized_coefficients(r)
    p = r.shape[-1] - 1
    if method == "dominance":
        imp = general_dominance(subset_r2(r), p)
        share = imp / r2[..., None]
    elif method == "relative-weights":
        imp = relative_weights(r)
        share = imp / r2[..., None]
    else:
        imp = beta
        # Pratt's measure beta_j r_jy: the products sum to R² (negative under suppression).
        share = beta * r[..., 1:, 0] / r2[..., None]
    return Importances(beta, imp, share, r2)


def _usable(comoment: FloatArray) -> npt.NDArray[np.bool_]:
    """Matrices whose drivers and outcome vary and whose drivers are not collinear."""
    diag = np.diagonal(comoment, axis1=-2, axis2=-1)
    ok = np.asarray(np.isfinite(comoment).all(axis=(-2, -1)) & (diag > 0).all(axis=-1))
    safe = np.where(ok[..., None, None], comoment, np.eye(comoment.shape[-1]))
    r = correlation(safe)
    lam = np.linalg.eigvalsh(r[..., 1:, 1:])[..., 0]
    out: npt.NDArray[np.bool_] = ok & (lam >= COLLINEAR)
    return out


def resampled(
    m: DriverMoments,
    method: DriverMethod,
    n_resamples: int,
    rng: np.random.Generator,
    *,
    progress: bool = False,
) -> Importances:
    """Importances of ``n_resamples`` row resamples per group, ``(n_resamples, groups, p)``."""
    assert m.rows is not None
    reps = comoment_replicates(
        m.rows.columns,
        m.rows.codes,
        len(m.n),
        m.rows.weights,
        m.mean,
        n_resamples,
        rng,
        progress=progress,
    )
    usable = _usable(reps)
    if not usable.all():
        g = int(np.argwhere(~usable)[0][1])
        bad = int((~usable[:, g]).sum())
        raise ValueError(
            f"in {bad} of {n_resamples} bootstrap resamples of {group_label(m.keys, g)} a "
            "driver is constant or the drivers are collinear (a rare answer was not drawn): "
            "the bootstrap cannot be trusted there; use larger groups, fewer or more varied "
            "drivers, or ci_method=None for the point estimates"
        )
    return importances(reps, method)


def jackknife(m: DriverMoments, method: DriverMethod) -> tuple[FloatArray, FloatArray]:
    """Leave-one-row-out importances ``(rows, p)`` and R² ``(rows,)``, in row chunks."""
    assert m.rows is not None
    cols, codes, w = m.rows.columns, m.rows.codes, m.rows.weights
    n = cols.shape[1]
    p = cols.shape[0] - 1
    imp = np.empty((n, p))
    r2 = np.empty(n)
    for start in range(0, n, _JACKKNIFE_ROWS):
        sl = slice(start, min(n, start + _JACKKNIFE_ROWS))
        loo = jackknife_comoments(
            cols[:, sl], codes[sl], None if w is None else w[sl], m.mean, m.weight, m.comoment
        )
        usable = _usable(loo)
        safe = np.where(usable[:, None, None], loo, m.comoment[codes[sl]])
        part = importances(safe, method)
        imp[sl] = np.where(usable[:, None], part.importance, np.nan)
        r2[sl] = np.where(usable, part.r2, np.nan)
    return imp, r2


def acceleration(values: FloatArray, codes: npt.NDArray[np.intp], n_groups: int) -> FloatArray:
    """BCa acceleration per group and column from leave-one-out values ``(rows, c)``."""
    n = np.bincount(codes, minlength=n_groups).astype(np.float64)
    out = np.empty((n_groups, values.shape[1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        for c in range(values.shape[1]):  # columns (drivers), not rows or groups
            v = values[:, c]
            mean = np.bincount(codes, weights=v, minlength=n_groups) / n
            u = (n[codes] - 1.0) * (mean[codes] - v)
            num = np.bincount(codes, weights=u**3, minlength=n_groups)
            den = np.bincount(codes, weights=u**2, minlength=n_groups)
            out[:, c] = num / (6.0 * den**1.5)
    return out
