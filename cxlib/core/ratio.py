"""Ratios of sums over clusters, with delta-method standard errors, per group.

Average order value (revenue / orders) or purchase frequency (orders / customers) are
ratios ``sum(y) / sum(x)`` whose terms come in clusters (the orders of one customer are
not independent). The delta method linearises the ratio over the cluster totals:

    theta = Y / X,   var(theta) = c / (c - 1) * sum_k (y_k - theta x_k)**2 / X**2

with ``c`` clusters; it needs only the per-group sums of ``y, x, y**2, x**2, x y`` over
clusters, so any number of groups is one pass of :func:`numpy.bincount`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["RatioSums", "ratio_sums"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RatioSums:
    """Statistics of a clustered ratio, per group.

    ``clusters``, ``y``, ``x``, ``yy``, ``xx`` and ``xy`` are sufficient and add across
    data; ``resid`` (the sum of ``(y_k - theta x_k)**2``) is recomputed from the clusters
    in a second pass, which avoids the cancellation of ``yy - 2 theta xy + theta**2 xx``
    when the clusters hardly vary.
    """

    clusters: FloatArray
    y: FloatArray
    x: FloatArray
    yy: FloatArray
    xx: FloatArray
    xy: FloatArray
    resid: FloatArray

    @property
    def ratio(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            theta: FloatArray = self.y / self.x
        return theta

    @property
    def se(self) -> FloatArray:
        """Delta-method standard error of the ratio, clustered."""
        c = self.clusters
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.where(c > 1, c / (c - 1.0) * self.resid / self.x**2, np.nan)
            se: FloatArray = np.sqrt(var)
        return se


def ratio_sums(
    y: npt.ArrayLike,
    x: npt.ArrayLike,
    codes: npt.NDArray[np.integer] | None,
    n_groups: int,
) -> RatioSums:
    """Per-group sums over clusters: ``y`` and ``x`` hold one total per cluster."""
    yv = np.asarray(y, dtype=np.float64)
    xv = np.asarray(x, dtype=np.float64)
    g = np.zeros(len(yv), dtype=np.intp) if codes is None else np.asarray(codes, dtype=np.intp)

    def total(w: FloatArray | None) -> FloatArray:
        return np.bincount(g, weights=w, minlength=n_groups).astype(np.float64)

    y_sum, x_sum = total(yv), total(xv)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.where(x_sum != 0, y_sum / x_sum, 0.0)
    return RatioSums(
        clusters=total(None),
        y=y_sum,
        x=x_sum,
        yy=total(yv * yv),
        xx=total(xv * xv),
        xy=total(xv * yv),
        resid=total((yv - theta[g] * xv) ** 2),
    )
