"""Multiple testing: p-values adjusted for several variants or metrics."""

from __future__ import annotations

from typing import Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.validation import as_numeric_1d, check_choice, show_values

__all__ = ["PVALUE_ADJUSTMENTS", "PValueAdjustment", "adjust_pvalues"]

FloatArray = npt.NDArray[np.float64]
PValueAdjustment = Literal["holm", "bonferroni", "sidak", "hochberg", "fdr_bh", "fdr_by"]
PVALUE_ADJUSTMENTS: tuple[PValueAdjustment, ...] = (
    "holm",
    "bonferroni",
    "sidak",
    "hochberg",
    "fdr_bh",
    "fdr_by",
)


def _adjust_sorted(p: FloatArray, method: PValueAdjustment) -> FloatArray:
    """Adjusted p-values of ascending ``p`` (the formulas of statsmodels' multipletests)."""
    m = p.shape[0]
    down = np.arange(m, 0, -1, dtype=np.float64)  # m, m-1, ..., 1
    if method == "bonferroni":
        adj = p * float(m)
    elif method == "sidak":
        with np.errstate(divide="ignore"):  # p = 1 gives log1p(-1) = -inf, adjusted 1
            adj = -np.expm1(m * np.log1p(-p))
    elif method == "holm":  # step-down: running maximum from the smallest p
        adj = np.maximum.accumulate(p * down)
    elif method == "hochberg":  # step-up: running minimum from the largest p
        adj = np.minimum.accumulate((down * p)[::-1])[::-1]
    else:
        ecdf = np.arange(1, m + 1, dtype=np.float64) / float(m)
        if method == "fdr_by":
            ecdf = ecdf / np.sum(1.0 / np.arange(1, m + 1))
        adj = np.minimum.accumulate((p / ecdf)[::-1])[::-1]
    return np.minimum(adj, 1.0)


@overload
def adjust_pvalues(
    p_values: pd.Series[float], method: PValueAdjustment = ...
) -> pd.Series[float]: ...
@overload
def adjust_pvalues(p_values: npt.ArrayLike, method: PValueAdjustment = ...) -> FloatArray: ...
def adjust_pvalues(
    p_values: pd.Series[float] | npt.ArrayLike, method: PValueAdjustment = "holm"
) -> pd.Series[float] | FloatArray:
    """Adjust p-values of several variants or metrics for multiple testing.

    Reject the hypotheses whose adjusted p-value is at most ``alpha``. The results equal
    ``statsmodels.stats.multitest.multipletests(p, method=...)[1]`` (``"hochberg"`` is
    its ``"simes-hochberg"``).

    Parameters
    ----------
    p_values : array-like or pandas.Series
        One p-value per test, in [0, 1]. NaN (a test that could not be run) stays NaN and
        does not count as a test, as in R's ``p.adjust``.
    method : {"holm", "bonferroni", "sidak", "hochberg", "fdr_bh", "fdr_by"}, default "holm"
        Family-wise error rate: ``"holm"`` (Holm's step-down, uniformly more powerful than
        ``"bonferroni"``), ``"sidak"``, ``"hochberg"`` (step-up; needs independent or
        positively dependent tests). False discovery rate: ``"fdr_bh"``
        (Benjamini-Hochberg step-up; independent or positively dependent tests) and
        ``"fdr_by"`` (Benjamini-Yekutieli, any dependence).

    Returns
    -------
    numpy.ndarray or pandas.Series
        Adjusted p-values in the input order, monotone in the raw p-values and capped at
        1; a Series keeps its index and name.

    Examples
    --------
    >>> from cxlib.ab import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.20])
    array([0.04, 0.09, 0.09, 0.2 ])
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.20], method="fdr_bh")
    array([0.04      , 0.05333333, 0.05333333, 0.2       ])
    """
    meth = check_choice("method", method, PVALUE_ADJUSTMENTS)
    p = np.asarray(as_numeric_1d(p_values, "p_values"), dtype=np.float64)
    present = ~np.isnan(p)
    bad = present & ((p < 0.0) | (p > 1.0))
    if bad.any():
        raise ValueError("p_values must lie in [0, 1] (or be NaN); got " + show_values(p[bad]))
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(present)
    if idx.size:
        order = idx[np.argsort(p[idx], kind="stable")]
        out[order] = _adjust_sorted(p[order], meth)
    if isinstance(p_values, pd.Series):
        series: pd.Series[float] = pd.Series(out, index=p_values.index, name=p_values.name)
        return series
    return out
