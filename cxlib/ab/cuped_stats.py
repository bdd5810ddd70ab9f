"""Sufficient statistics of one arm for CUPED: the metric and its covariates, centred.

:class:`~cxlib.ab.MeanStats` and :class:`~cxlib.ab.RatioStats` hold what a plain
comparison needs. CUPED needs, per arm, the means of the metric's columns and of the
covariates and their covariance matrix, from which the pooled ``theta`` and each
arm's adjusted value and variance follow in closed form
(:mod:`cxlib.ab.cuped_moments`): :func:`~cxlib.ab.compare_means` and
:func:`~cxlib.ab.compare_ratios` read two :class:`CupedStats` as they read per-unit
values with ``covariates=``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..core.lift import FloatArray
from ..core.statistics import CentredMoments, summarise
from ..core.sufficient import NAN, check_count, finite_values
from ..core.validation import check_choice
from .cuped_moments import cuped_cells, linearise
from .cuped_multi import covariate_rows
from .cuped_sums import centred_sums, check_layout

__all__ = ["CUPED_METRICS", "CupedMetric", "CupedStats", "summary_cuped"]

CupedMetric = Literal["mean", "ratio"]
CUPED_METRICS: tuple[CupedMetric, ...] = ("mean", "ratio")


@dataclass(frozen=True, kw_only=True)
class CupedStats:
    """Sufficient statistics of one arm for CUPED: ``n``, means and covariance matrix.

    Parameters
    ----------
    n : int
        Number of units (visitors); a whole number >= 0.
    mean : sequence of float
        Means over the units of the metric's columns, then of the ``k >= 1``
        covariates: ``(y, x_1, ..., x_k)`` for a mean, ``(numerator, denominator, x_1,
        ..., x_k)`` for a ratio metric (NaN when ``n = 0``).
    cov : 2-D array-like, optional
        Sample covariance matrix (``ddof = 1``) of the same columns in the same order,
        symmetric and positive semi-definite; required when ``n >= 2``, NaN or omitted
        for fewer units. Both ``mean`` and ``cov`` are kept as tuples of floats.
    metric : {"mean", "ratio"}, default "mean"
        What the first columns are: one per-unit value, or a ratio's numerator and
        denominator.

    See Also
    --------
    CupedStats.from_values, CupedStats.from_sums, compare_means, compare_ratios

    Notes
    -----
    Stored centred (means and ``M2 = (n - 1) cov``), so that values far from zero keep
    their digits; the statistics of days or shards merge with ``+`` (the pairwise update
    of Chan, Golub & LeVeque 1979). Two arms' statistics give the CUPED comparison of
    per-unit values with the same covariates (Deng, Xu, Kohavi & Walker 2013), ``theta``
    from the arms pooled; see the A/B guide, section CUPED.

    Examples
    --------
    >>> import cxlib as cx
    >>> stats = cx.ab.CupedStats.from_values([3.0, 5.0, 4.0, 8.0], [1.0, 2.0, 2.0, 3.0])
    >>> stats.mean, stats.n_covariates
    ((5.0, 2.0), 1)
    >>> stats.cov
    ((4.666666666666667, 1.6666666666666667), (1.6666666666666667, 0.6666666666666666))
    """

    n: int
    mean: Sequence[float] | npt.NDArray[np.float64]
    cov: Sequence[Sequence[float]] | npt.NDArray[np.float64] = ()
    metric: CupedMetric = "mean"

    def __post_init__(self) -> None:
        metric = check_choice("metric", self.metric, CUPED_METRICS)
        n = check_count(self.n)
        mean = _real_array(self.mean, "mean")
        check_layout(mean, "mean", "means", metric)
        if n >= 1 and not np.isfinite(mean).all():
            raise ValueError(f"mean must be finite when n >= 1; got {mean.tolist()}")
        if n == 0 and not np.isnan(mean).all():
            raise ValueError(f"mean must be NaN when n = 0 (no units); got {mean.tolist()}")
        m = mean.size
        given = _real_array(self.cov, "cov")
        cov = given if given.size else np.full((m, m), NAN)
        if cov.shape != (m, m):
            raise ValueError(
                f"cov must be the {m} x {m} covariance matrix of the {m} columns of mean; "
                f"got shape {cov.shape}"
            )
        if n >= 2:
            _check_covariance(cov)
        elif not (np.isnan(cov) | (cov == 0)).all():
            raise ValueError(f"cov of fewer than 2 units must be NaN or 0; got n = {n}")
        else:
            cov = np.full((m, m), NAN)
        object.__setattr__(self, "metric", metric)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "mean", tuple(float(v) for v in mean))
        object.__setattr__(self, "cov", tuple(tuple(float(v) for v in row) for row in cov))

    @classmethod
    def from_values(
        cls,
        values: npt.ArrayLike,
        covariates: Any,
        *,
        denominator: npt.ArrayLike | None = None,
    ) -> CupedStats:
        """The statistics of an arm's per-unit values and covariates (finite, two passes).

        ``values`` is 1-D (a ratio's numerator with ``denominator``); ``covariates``
        one covariate (1-D) or several: a sequence of 1-D array-likes, a 2-D array
        ``(covariates, units)`` or a DataFrame, as ``covariates=`` of
        :func:`~cxlib.ab.compare_means`.

        Examples
        --------
        >>> import cxlib as cx
        >>> cx.ab.CupedStats.from_values([30.0, 0.0, 55.0], [[20.0, 5.0, 40.0],
        ...     [1.0, 0.0, 2.0]], denominator=[1.0, 0.0, 2.0]).metric
        'ratio'
        """
        columns = [finite_values(values, "values")]
        if denominator is not None:
            columns.append(finite_values(denominator, "denominator"))
        rows = covariate_rows(covariates, "covariates")
        names = ["covariates"] if len(rows) == 1 else [f"covariates[{j}]" for j in range(len(rows))]
        columns += [finite_values(x, name) for x, name in zip(rows, names, strict=True)]
        sizes = {c.size for c in columns}
        if len(sizes) != 1:
            raise ValueError(
                "values, denominator and covariates must hold one value per unit each; "
                f"got {[c.size for c in columns]} values"
            )
        moments = summarise(np.stack(columns))
        n = int(moments.n[0])
        cov = moments.comoment[0] / (n - 1.0) if n >= 2 else np.full(moments.comoment[0].shape, NAN)
        return cls(
            n=n,
            mean=tuple(moments.mean[0]),
            cov=tuple(map(tuple, cov)),
            metric="mean" if denominator is None else "ratio",
        )

    @classmethod
    def from_sums(
        cls,
        n: float,
        sums: npt.ArrayLike,
        products: npt.ArrayLike,
        *,
        metric: CupedMetric = "mean",
    ) -> CupedStats:
        """The statistics of ``n`` units from the sums and sums of products of their columns.

        What a warehouse gives per arm: ``sums[i] = SUM(z_i)`` of the columns ``(y, x_1,
        ..., x_k)`` (``(numerator, denominator, x_1, ..., x_k)`` with ``metric="ratio"``)
        and ``products[i][j] = SUM(z_i * z_j)``, the symmetric matrix of every pair's
        sum of products, squares on the diagonal. The means are ``sums / n`` and the
        covariance matrix ``(products - sums sums' / n) / (n - 1)``.

        For columns far from zero the two terms agree in most of their digits. As
        :meth:`MeanStats.from_sums <cxlib.ab.MeanStats.from_sums>`, a
        :class:`~cxlib.PrecisionWarning` says so when fewer than about six significant
        digits are left (estimated from the rounding of the sums) in a variance, in a
        covariance relative to ``sqrt(var_i var_j)`` (the correlation scale, which is
        how CUPED's ``theta`` reads it), or for a ratio in the variance of ``numerator
        - ratio x denominator``. Integer sums (Python or numpy integers, e.g. prices in
        cents, beyond ``2**53`` too) are used exactly.

        Raises
        ------
        ValueError
            If ``n`` is not a whole number >= 0, the shapes do not match ``metric``, a
            sum is not finite, ``products`` is not symmetric, or the sums imply a
            negative variance, a correlation above 1 or a covariance matrix that is not
            positive semi-definite, beyond rounding (the message names the entry);
            with ``n = 0``, if any sum is not 0.

        Examples
        --------
        >>> import cxlib as cx
        >>> stats = cx.ab.CupedStats.from_sums(
        ...     n=4, sums=[20.0, 8.0], products=[[114.0, 45.0], [45.0, 18.0]])
        >>> stats.mean
        (5.0, 2.0)
        >>> stats.cov
        ((4.666666666666667, 1.6666666666666667), (1.6666666666666667, 0.6666666666666666))
        """
        choice = check_choice("metric", metric, CUPED_METRICS)
        count, mean, cov = centred_sums(n, sums, products, choice)
        return cls(n=count, mean=mean, cov=cov, metric=choice)

    @property
    def n_covariates(self) -> int:
        """The number ``k`` of covariates."""
        return len(self.mean) - (1 if self.metric == "mean" else 2)

    def to_moments(self) -> CentredMoments:
        m = len(self.mean)
        comoment = np.asarray(self.cov) * (self.n - 1.0) if self.n >= 2 else np.zeros((m, m))
        count = np.array([float(self.n)])
        return CentredMoments(count, count, np.array([self.mean]), comoment[None])

    def merge(self, *others: CupedStats) -> CupedStats:
        """The statistics of the units of ``self`` and ``others`` together."""
        merged = self.to_moments()
        for other in others:
            if not isinstance(other, CupedStats):
                raise TypeError(
                    f"only CupedStats merge with CupedStats; got {type(other).__name__}"
                )
            if (other.metric, len(other.mean)) != (self.metric, len(self.mean)):
                raise ValueError(
                    "only CupedStats of the same metric and columns merge; got "
                    f"{self.metric!r} of {len(self.mean)} and {other.metric!r} of "
                    f"{len(other.mean)} columns"
                )
            merged = merged.merge(other.to_moments())
        n = int(merged.n[0])
        c = merged.comoment[0] / (n - 1.0) if n >= 2 else np.full(merged.comoment[0].shape, NAN)
        return CupedStats(
            n=n, mean=tuple(merged.mean[0]), cov=tuple(map(tuple, c)), metric=self.metric
        )

    def __add__(self, other: object) -> CupedStats:
        if not isinstance(other, CupedStats):
            return NotImplemented
        return self.merge(other)


def _real_array(value: object, name: str) -> FloatArray:
    try:
        out = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must hold real numbers; got {value!r}") from error
    if out.dtype.kind != "f" or np.asarray(value).dtype.kind in "bcmMOSU":
        raise TypeError(f"{name} must hold real numbers; got {value!r}")
    return out


def _check_covariance(cov: FloatArray) -> None:
    if not np.isfinite(cov).all():
        raise ValueError(f"cov must be finite when n >= 2; got {cov.tolist()}")
    diag = np.diagonal(cov)
    if (diag < 0).any():
        raise ValueError(f"cov must have variances >= 0 on its diagonal; got {diag.tolist()}")
    scale = np.sqrt(np.outer(diag, diag))
    if (np.abs(cov - cov.T) > 1e-9 * scale + 1e-300).any():
        raise ValueError("cov must be symmetric (the covariance of column i with j, both ways)")
    # Positive semi-definite up to rounding, on the correlation scale.
    spread = np.where(diag > 0, np.sqrt(diag), 1.0)
    corr = cov / np.outer(spread, spread)
    smallest = float(np.linalg.eigvalsh((corr + corr.T) / 2.0)[0])
    if smallest < -1e-9:
        raise ValueError(
            "cov must be positive semi-definite (a covariance matrix; the smallest "
            f"eigenvalue of its correlation matrix is {smallest:.3g})"
        )


def summary_cuped(
    control: object, variant: object, metric: CupedMetric, covariates: object
) -> list[tuple[float, float, int]]:
    """``(value, M2 of the adjusted values, n)`` of both arms given as :class:`CupedStats`,
    adjusted with ``theta`` pooled over them (the summary path of the comparisons)."""
    arms = (control, variant)
    if not all(isinstance(a, CupedStats) for a in arms):
        kinds = ", ".join(type(a).__name__ for a in arms)
        raise TypeError(
            f"CUPED from summaries needs CupedStats for both arms; got {kinds} (give "
            "per-unit values of both arms with covariates= instead)"
        )
    stats: Sequence[CupedStats] = arms  # type: ignore[assignment]
    if covariates is not None:
        raise TypeError("covariates= is for per-unit values; CupedStats hold the covariates")
    for name, s in zip(("control", "variant"), stats, strict=True):
        if s.metric != metric:
            raise ValueError(
                f"{name}: CupedStats of metric={s.metric!r} cannot be compared as a "
                f"{metric}; build them with metric={metric!r}"
            )
        if s.n < 2:
            raise ValueError(f"{name}: a comparison needs n >= 2 units; got n = {s.n}")
    if stats[0].n_covariates != stats[1].n_covariates:
        raise ValueError(
            "control and variant must hold the same covariates; got "
            f"{stats[0].n_covariates} and {stats[1].n_covariates}"
        )
    parts = [s.to_moments() for s in stats]
    cells = CentredMoments(
        *(
            np.concatenate([getattr(p, f) for p in parts])
            for f in ("n", "weight", "mean", "comoment")
        )
    )
    pair = np.zeros(2, dtype=np.intp)
    if metric == "ratio":
        lin, ratio = linearise(cells)
        for name, r in zip(("control", "variant"), ratio, strict=True):
            if math.isnan(r):
                raise ValueError(f"{name}: the denominator sums to 0, so the ratio is undefined")
        shift, m2, _ = cuped_cells(lin, pair, 1, "CupedStats covariates")
        value = ratio - shift
    else:
        shift, m2, _ = cuped_cells(cells, pair, 1, "CupedStats covariates")
        value = cells.mean[:, 0] - shift
    return [(float(value[i]), float(m2[i]), int(cells.n[i])) for i in (0, 1)]
