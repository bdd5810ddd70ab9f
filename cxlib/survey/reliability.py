"""Scale reliability: Cronbach's alpha with Feldt's interval, and the item analysis.

Everything here is a function of the covariance matrix of the items in each group, so
the rows are reduced once to centred co-moments (two passes; on pandas by
:func:`cxlib.core.statistics.summarise`, on other engines by one query in the engine)
and alpha, standardised alpha, the item-total and item-rest correlations and alpha if
an item is deleted follow for all groups at once from the ``(groups, k, k)`` array.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..core.covariance import Covariances, covariances
from ..core.inference import assemble, warn_degenerate
from ..core.results import Estimate
from ..core.scores import WeightsKind
from ..core.validation import NanPolicy, check_confidence_level
from .items import safe_name

__all__ = ["cronbach_alpha", "feldt_interval", "item_analysis"]

FloatArray = npt.NDArray[np.float64]
EPS = float(np.finfo(np.float64).eps)


def feldt_interval(
    alpha: npt.ArrayLike, n: npt.ArrayLike, k: npt.ArrayLike, confidence_level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Feldt's confidence interval of coefficient alpha (Feldt, Woodruff & Salih 1987).

    ``(1 - alpha) / (1 - alpha_hat)`` follows an F distribution with ``n - 1`` and
    ``(n - 1)(k - 1)`` degrees of freedom for parallel, normally distributed items, so
    ``1 - (1 - alpha_hat) F_{1 - c/2}`` to ``1 - (1 - alpha_hat) F_{c/2}`` covers alpha
    with probability ``1 - c``. ``n`` may be fractional (an effective sample size).

    Examples
    --------
    >>> from cxlib.survey.reliability import feldt_interval
    >>> low, high = feldt_interval(0.913, 873, 20)
    >>> round(float(low), 4), round(float(high), 4)
    (0.9044, 0.9212)
    """
    a = np.asarray(alpha, dtype=np.float64)
    df1 = np.asarray(n, dtype=np.float64) - 1.0
    df2 = df1 * (np.asarray(k, dtype=np.float64) - 1.0)
    tail = (1.0 - confidence_level) / 2.0
    with np.errstate(invalid="ignore"):
        ok = (df1 > 0) & (df2 > 0)
        d1, d2 = np.where(ok, df1, 1.0), np.where(ok, df2, 1.0)
        low = 1.0 - (1.0 - a) * stats.f.isf(tail, d1, d2)
        high = 1.0 - (1.0 - a) * stats.f.ppf(tail, d1, d2)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def _statistics(scale: Covariances) -> dict[str, Any]:
    """Alpha and the item statistics of every group, from its co-moment matrix.

    All are ratios of (co)variances, so the co-moments serve as the covariance matrix
    ``S``; each matrix is first divided by its mean diagonal to keep cubes in range.
    """
    k = len(scale.columns)
    c = scale.comoment
    d = np.diagonal(c, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = d.mean(axis=1)
        s = c / np.where(unit > 0, unit, 1.0)[:, None, None]
        d = np.diagonal(s, axis1=1, axis2=2)
        trace = d.sum(axis=1)
        row = s.sum(axis=2)  # S 1
        total = row.sum(axis=1)  # 1' S 1, the variance of the sum score
        alpha = k / (k - 1.0) * (1.0 - trace / total)
        sd = np.sqrt(d)
        r = s / (sd[:, :, None] * sd[:, None, :])
        r_total = r.sum(axis=(1, 2))
        std_alpha = k / (k - 1.0) * (1.0 - k / r_total)
        mean_r = (r_total - k) / (k * (k - 1.0))
        rest = total[:, None] - 2.0 * row + d  # variance of the sum of the other items
        r_item_total = row / np.sqrt(d * total[:, None])
        r_item_rest = (row - d) / np.sqrt(d * rest)
        if k > 2:
            alpha_deleted = (k - 1.0) / (k - 2.0) * (1.0 - (trace[:, None] - d) / rest)
            r_rest = r_total[:, None] - 2.0 * r.sum(axis=2) + 1.0
            std_deleted = (k - 1.0) / (k - 2.0) * (1.0 - (k - 1.0) / r_rest)
        else:  # one item is left: no alpha
            alpha_deleted = std_deleted = np.full_like(d, np.nan)
        # Normal-theory asymptotic variance Q / n of alpha (van Zyl, Neudecker & Nel 2000).
        s2 = np.einsum("gij,gij->g", s, s)  # tr(S^2), S symmetric
        q = (2.0 * k**2 / ((k - 1.0) ** 2 * total**3)) * (
            total * (s2 + trace**2) - 2.0 * trace * (row**2).sum(axis=1)
        )
        se = np.sqrt(np.maximum(q, 0.0) / scale.n_ci)
        # A sum score that is constant (items that always add up to the same total) has
        # zero variance, which the sums of the matrix's entries give only up to rounding.
        tiny = 64.0 * k * k * EPS * np.abs(s).max(axis=(1, 2), initial=0.0)
    spread = np.diagonal(scale.comoment, axis1=1, axis2=2)
    # A constant item has zero co-moment, up to the rounding of its window mean on engines.
    level = np.where(np.isfinite(scale.mean), np.abs(scale.mean), 0.0)
    mass = scale.n if scale.sum_weights is None else scale.sum_weights
    constant = spread <= mass[:, None] * (64.0 * EPS * np.maximum(level, 1e-300)) ** 2
    valid: npt.NDArray[np.bool_] = (scale.n >= 2) & (scale.n_ci > 1.0) & ~scale.propagate
    defined: npt.NDArray[np.bool_] = valid & (total > tiny) & ~constant.all(axis=1)
    varying = valid[:, None] & ~constant
    all_vary = np.all(varying, axis=1)
    return {
        "alpha": np.where(defined, alpha, np.nan),
        "se": np.where(defined, se, np.nan),
        "standardized_alpha": np.where(defined & all_vary, std_alpha, np.nan),
        "mean_inter_item_r": np.where(defined & all_vary, mean_r, np.nan),
        "r_item_total": np.where(varying & defined[:, None], r_item_total, np.nan),
        "r_item_rest": np.where(
            varying & defined[:, None] & (rest > tiny[:, None]), r_item_rest, np.nan
        ),
        "alpha_if_deleted": np.where(
            valid[:, None] & (rest > tiny[:, None]), alpha_deleted, np.nan
        ),
        "standardized_alpha_if_deleted": np.where(
            valid[:, None] & all_vary[:, None], std_deleted, np.nan
        ),
        "valid": valid,
        "constant": constant & valid[:, None],
        "defined": defined,
    }


def _warn(scale: Covariances, out: dict[str, Any], grouped: bool) -> None:
    """Say where alpha or its standardised version is undefined, never silently."""
    valid, constant = out["valid"], out["constant"]

    def where(mask: npt.NDArray[np.bool_]) -> str:
        return f"{int(mask.sum())} group(s)" if grouped else "the data"

    too_few = ~valid & ~scale.propagate
    if too_few.any():
        warn_degenerate(
            f"Cronbach's alpha is undefined (NaN) for {where(too_few)}: fewer than 2 complete "
            "rows (or an effective sample size of 1 or less)"
        )
    if constant.any():
        names = [scale.columns[j] for j in np.flatnonzero(constant.any(axis=0))]
        no_alpha = valid & ~out["defined"]
        also = (
            f"; alpha itself for {where(no_alpha)}, where no item varies" if no_alpha.any() else ""
        )
        warn_degenerate(
            f"item(s) {names!r} do not vary in {where(constant.any(axis=1))}: their "
            "correlations, the standardised alpha and the mean inter-item correlation are "
            f"undefined (NaN) there{also}"
        )


def _item_names(columns: list[str]) -> list[str]:
    """Identifier-safe item names for component columns, made unique by position."""
    names = [safe_name(c) for c in columns]
    if len(set(names)) < len(names):
        names = [f"{name}_{j + 1}" for j, name in enumerate(names)]
    return names


def _run(
    data: Any,
    columns: Sequence[str],
    by: Any,
    weights: Any,
    weights_kind: Any,
    reverse: Sequence[str],
    nan_policy: Any,
) -> tuple[Covariances, dict[str, Any]]:
    if isinstance(columns, Sequence) and not isinstance(columns, str) and len(columns) < 2:
        raise ValueError(
            f"columns must name at least 2 items (alpha measures how items agree); got "
            f"{len(columns)}: {list(columns)!r}"
        )
    scale = covariances(
        data,
        columns,
        by=by,
        weights=weights,
        weights_kind=weights_kind,
        reverse=reverse,
        nan_policy=nan_policy,
    )
    out = _statistics(scale)
    grouped = scale.keys is not None
    if not grouped and not out["valid"][0] and not scale.propagate[0]:
        raise ValueError(
            f"data has {scale.n[0]:g} complete row(s) (effective sample size "
            f"{scale.n_ci[0]:.3g}) of the items in columns; Cronbach's alpha needs at "
            f"least 2 (rows with a missing item are left out: {int(scale.n_missing[0]):,})"
        )
    _warn(scale, out, grouped)
    return scale, out


@overload
def cronbach_alpha(
    data: Any,
    columns: Sequence[str],
    *,
    by: None = ...,
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    reverse: Sequence[str] = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
) -> Estimate: ...


@overload
def cronbach_alpha(
    data: Any,
    columns: Sequence[str],
    *,
    by: str | Sequence[str],
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    reverse: Sequence[str] = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
) -> pd.DataFrame: ...


def cronbach_alpha(
    data: Any,
    columns: Sequence[str],
    *,
    by: str | Sequence[str] | None = None,
    weights: Any = None,
    weights_kind: WeightsKind = "survey",
    reverse: Sequence[str] = (),
    confidence_level: float = 0.95,
    nan_policy: NanPolicy = "omit",
) -> Estimate | pd.DataFrame:
    """Cronbach's alpha of a multi-item scale, with Feldt's confidence interval.

    ``alpha = k / (k - 1) * (1 - sum_j var(x_j) / var(sum_j x_j))`` of the ``k`` item
    columns: how consistently the items measure one thing (the lower bound of the
    reliability of their sum score; 0.7 is a common floor for group comparisons,
    0.9 for decisions about individuals). The interval is Feldt's (Feldt, Woodruff &
    Salih 1987), exact for parallel, normally distributed items: ``1 - (1 - alpha)
    F`` at the F quantiles with ``n - 1`` and ``(n - 1)(k - 1)`` degrees of freedom.
    Everything comes from the covariance matrix of the items in each group (centred
    co-moments, exact at any offset), so engine frames (Polars, DuckDB, Spark, ...)
    are reduced in the engine. The formulas and their sources are in the user guide
    (:doc:`/guide/reliability`).

    Parameters
    ----------
    data : pandas.DataFrame or a frame of another engine
        One row per respondent.
    columns : list of str
        The item columns (at least 2), numbers on any scale; items on different
        scales are best made comparable first (or read ``standardized_alpha``).
    by : str or list of str, optional
        Group column(s): one row per group in a tidy DataFrame.
    weights : str or array-like, optional
        Survey weights (a column name, or values beside a pandas frame): alpha is
        computed from the weighted covariance matrix. With ``weights_kind="survey"``
        the ``n`` of Feldt's interval and of the standard error is Kish's effective
        sample size ``(sum w)**2 / sum w**2`` (reported as ``n_effective``): the
        number of equally weighted respondents whose interval would be as wide, a
        defensible approximation (the interval assumes independent, equally weighted
        rows); with ``weights_kind="frequency"`` (whole numbers, each row standing
        for that many respondents) it is the sum of the weights.
    weights_kind : {"survey", "frequency"}, default "survey"
        How ``weights`` are read (see above).
    reverse : list of str, optional
        Reverse-keyed items among ``columns``. Reversing ``low + high - x`` only
        changes the sign of an item up to a constant, to which alpha is blind, so no
        scale is needed: the item's covariances change sign.
    confidence_level : float, default 0.95
        Coverage of Feldt's interval.
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        ``"omit"`` leaves out every row with a missing item (listwise deletion; counted
        in ``n_missing``); ``"raise"`` refuses missing answers; ``"propagate"`` makes
        alpha NaN in every group with one.

    Returns
    -------
    Estimate or pandas.DataFrame
        ``value`` is alpha, ``ci`` Feldt's interval (``ci_method="feldt"``), ``se`` the
        normal-theory asymptotic standard error of van Zyl, Neudecker & Nel (2000).
        Components (columns with ``by=``): ``n_items``, ``standardized_alpha`` (from
        the correlation matrix), ``mean_inter_item_r``, and per item (``<item>`` the
        column name in snake case) ``r_item_rest_<item>`` (corrected item-total
        correlation) and ``alpha_if_deleted_<item>``; with weights ``sum_weights``
        and ``n_effective``. :func:`item_analysis` gives the full per-item table.
        An item that does not vary leaves its correlations and the standardised
        alpha NaN, with a :class:`~cxlib.DegenerateDataWarning`; so does a group with
        fewer than 2 complete rows (without groups, that is an error).

    See Also
    --------
    item_analysis : the per-item table (item-total and item-rest correlations, alpha
        and standardised alpha if the item is deleted, means and standard deviations).

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q1": [5, 4, 2, 4, 3, 5], "q2": [5, 4, 1, 3, 3, 4],
    ...                    "q3": [4, 5, 2, 4, 2, 5]})
    >>> est = cx.cronbach_alpha(df, ["q1", "q2", "q3"])
    >>> round(est.value, 3), [round(b, 3) for b in est.ci]
    (0.928, [0.694, 0.989])
    >>> round(est.components["alpha_if_deleted_q3"], 3)
    0.951
    """
    level = check_confidence_level(confidence_level)
    scale, out = _run(data, columns, by, weights, weights_kind, reverse, nan_policy)
    k = len(scale.columns)
    low, high = feldt_interval(out["alpha"], scale.n_ci, k, level)
    defined = np.isfinite(out["alpha"])
    low, high = np.where(defined, low, np.nan), np.where(defined, high, np.nan)
    result: dict[str, Any] = {
        "metric": "cronbach_alpha",
        "value": out["alpha"],
        "se": out["se"],
        "ci_low": low,
        "ci_high": high,
        "n": np.rint(scale.n).astype(np.int64),
        "n_missing": scale.n_missing,
        "n_items": np.full(len(scale.n), k, dtype=np.int64),
        "standardized_alpha": out["standardized_alpha"],
        "mean_inter_item_r": out["mean_inter_item_r"],
    }
    names = _item_names(scale.columns)
    for j, name in enumerate(names):
        result[f"r_item_rest_{name}"] = out["r_item_rest"][:, j]
    for j, name in enumerate(names):
        result[f"alpha_if_deleted_{name}"] = out["alpha_if_deleted"][:, j]
    if scale.sum_weights is not None:
        result["sum_weights"] = scale.sum_weights
        result["n_effective"] = scale.n_ci
    return assemble(
        result,
        keys=scale.keys,
        label="Cronbach's alpha",
        confidence_level=level,
        ci_method="feldt",
    )


def item_analysis(
    data: Any,
    columns: Sequence[str],
    *,
    by: str | Sequence[str] | None = None,
    weights: Any = None,
    weights_kind: WeightsKind = "survey",
    reverse: Sequence[str] = (),
    nan_policy: NanPolicy = "omit",
) -> pd.DataFrame:
    """The per-item table of a scale: how each item relates to the others.

    The arguments are those of :func:`cronbach_alpha` (the same rows enter: listwise
    deletion of rows with a missing item, the same weights and reversed items).

    Returns
    -------
    pandas.DataFrame
        One row per item (and group, the ``by`` columns first), in the order of
        ``columns``: ``item`` (the column name), ``reversed``, ``n``, ``mean`` and
        ``sd`` (of the answers as given, sample standard deviation; weighted with
        weights), ``r_item_total`` (correlation of the item with the sum score),
        ``r_item_rest`` (with the sum of the other items, the corrected item-total
        correlation), ``alpha_if_deleted`` and ``standardized_alpha_if_deleted``
        (alpha of the other ``k - 1`` items; NaN with two items). NaN where an item
        does not vary, with a :class:`~cxlib.DegenerateDataWarning`.

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q1": [5, 4, 2, 4, 3, 5], "q2": [5, 4, 1, 3, 3, 4],
    ...                    "q3": [4, 5, 2, 4, 2, 5]})
    >>> table = cx.item_analysis(df, ["q1", "q2", "q3"])
    >>> table[["item", "r_item_rest", "alpha_if_deleted"]].round(3)
      item  r_item_rest  alpha_if_deleted
    0   q1        0.947             0.833
    1   q2        0.844             0.904
    2   q3        0.786             0.951
    """
    scale, out = _run(data, columns, by, weights, weights_kind, reverse, nan_policy)
    g, k = scale.mean.shape
    valid = out["valid"][:, None]
    with np.errstate(invalid="ignore"):
        sd = np.where(valid, np.sqrt(scale.variance), np.nan)
    columns_out: dict[str, Any] = {
        "item": np.tile(np.array(scale.columns, dtype=object), g),
        "reversed": np.tile([c in set(reverse) for c in scale.columns], g),
        "n": np.repeat(np.rint(scale.n).astype(np.int64), k),
        "mean": np.where(scale.propagate[:, None], np.nan, scale.mean).ravel(),
        "sd": sd.ravel(),
    }
    for name in (
        "r_item_total",
        "r_item_rest",
        "alpha_if_deleted",
        "standardized_alpha_if_deleted",
    ):
        columns_out[name] = out[name].ravel()
    table = pd.DataFrame(columns_out)
    if scale.keys is not None:
        keys = scale.keys.reset_index(drop=True).iloc[np.repeat(np.arange(g), k)]
        table = pd.concat([keys.reset_index(drop=True), table], axis=1)
    return table
