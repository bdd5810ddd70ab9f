"""The Net Promoter Score: estimate, per-group table, and the difference of two scores."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._data import resolve
from ._grouping import tidy
from ._results import Comparison, ConfidenceInterval, Estimate
from ._summarise import PointTable, point_table
from ._validation import (
    NanPolicy,
    check_alternative,
    check_choice,
    check_confidence_level,
    check_nan_policy,
    show_values,
)
from ._warnings import DegenerateDataWarning
from .intervals import (
    NPS_CI_METHODS,
    NPSCIMethod,
    normal_test,
    nps_interval,
    nps_variance,
)
from .scales import DETRACTOR, PROMOTER, NPSScale, NPSScaleName, resolve_nps_scale

__all__ = ["nps", "nps_difference"]

WeightsKind = Literal["survey", "frequency"]
FloatArray = npt.NDArray[np.float64]

_COMPONENTS = ("detractors", "passives", "promoters")


def _collapse(points: npt.NDArray[Any], scale: NPSScale) -> npt.NDArray[Any]:
    """Sum a (groups, points) table into (groups, 3) detractor/passive/promoter columns."""
    onehot = np.zeros((scale.n_points, 3), dtype=points.dtype)
    onehot[np.arange(scale.n_points), scale.category_of_point()] = 1
    return points @ onehot


def _nps_statistics(
    tab: PointTable, scale: NPSScale, weights_kind: WeightsKind
) -> dict[str, FloatArray]:
    """Shares, NPS, its standard error and effective sample size, per group (unit scale)."""
    counts = _collapse(tab.counts, scale)
    n_resp = counts.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if tab.sum_weights is None or tab.sum_weights_sq is None:
            n_eff = n_resp.astype(np.float64)
            shares = counts / n_eff[:, None]
            nps = shares[:, PROMOTER] - shares[:, DETRACTOR]
            se = np.sqrt(nps_variance(shares[:, PROMOTER], shares[:, DETRACTOR]) / n_eff)
            extra: dict[str, FloatArray] = {}
        else:
            w = _collapse(tab.sum_weights, scale)
            w2 = _collapse(tab.sum_weights_sq, scale)
            total = w.sum(axis=1)
            shares = w / total[:, None]
            nps = shares[:, PROMOTER] - shares[:, DETRACTOR]
            if weights_kind == "frequency":
                n_eff = total
                se = np.sqrt(nps_variance(shares[:, PROMOTER], shares[:, DETRACTOR]) / n_eff)
            else:
                # Taylor linearisation of the ratio sum(w s) / sum(w) (s in {-1, 0, 1}).
                score = np.array([-1.0, 0.0, 1.0])
                var_lin = (w2 * (score[None, :] - nps[:, None]) ** 2).sum(axis=1) / total**2
                se = np.sqrt(var_lin)
                # The effective n for which the trinomial formula gives the linearised
                # variance (the design-effect n of Korn & Graubard 1998), so that every
                # interval method agrees with the SE; Kish's n where every answer falls
                # in one category and both variances vanish.
                kish = total**2 / w2.sum(axis=1)
                v = nps_variance(shares[:, PROMOTER], shares[:, DETRACTOR])
                n_eff = np.where(var_lin > 0, v / var_lin, kish)
            extra = {"sum_weights": total, "n_effective": n_eff}
    n = total if weights_kind == "frequency" and tab.sum_weights is not None else n_resp
    return {
        "nps": nps,
        "se": se,
        "n_eff": n_eff,
        "n": np.asarray(n, dtype=np.float64),
        "counts": counts.astype(np.float64),
        "shares": shares,
        **extra,
    }


def _check_frequency_weights(weights: FloatArray | None, kind: WeightsKind) -> None:
    if kind == "frequency" and weights is not None:
        fractional = weights != np.rint(weights)
        if fractional.any():
            raise ValueError(
                "frequency weights must be whole numbers (each counts repeated answers); "
                f"found {show_values(weights[fractional])}; use weights_kind='survey' "
                "for sampling weights"
            )


@overload
def nps(
    data: Any,
    column: Any = ...,
    *,
    scale: NPSScale | NPSScaleName = ...,
    by: None = ...,
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    ci_method: NPSCIMethod = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
) -> Estimate: ...


@overload
def nps(
    data: Any,
    column: Any = ...,
    *,
    scale: NPSScale | NPSScaleName = ...,
    by: str | Sequence[str],
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    ci_method: NPSCIMethod = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
) -> pd.DataFrame: ...


def nps(
    data: Any,
    column: Any = None,
    *,
    scale: NPSScale | NPSScaleName = "0-10",
    by: str | Sequence[str] | None = None,
    weights: Any = None,
    weights_kind: WeightsKind = "survey",
    ci_method: NPSCIMethod = "score",
    confidence_level: float = 0.95,
    nan_policy: NanPolicy = "omit",
) -> Estimate | pd.DataFrame:
    """Net Promoter Score with a confidence interval, overall or per group.

    Each answer is classified as detractor, passive or promoter by ``scale``; the NPS
    is the percentage of promoters minus the percentage of detractors, from -100 to
    100. Its standard error follows from the trinomial variance
    ``(p+ + p- - (p+ - p-)**2) / n`` (Rocks 2016).

    Parameters
    ----------
    data : array-like, pandas.Series or pandas.DataFrame
        The answers, or a DataFrame holding them in ``column``.
    column : str, optional
        Column of ``data`` with the answers; required when ``data`` is a DataFrame.
    scale : NPSScale or {"0-10", "1-10", "1-7", "1-5"}, default "0-10"
        Answer scale. "0-10": detractors 0-6, passives 7-8, promoters 9-10; "1-10":
        1-6, 7-8, 9-10; "1-7": 1-5, 6, 7; "1-5": 1-3, 4, 5.
    by : str or list of str, optional
        Column(s) of ``data`` to group by; the result is then a tidy DataFrame with
        one row per group that has rows: in category order for categorical columns,
        sorted otherwise, with missing keys as a group of their own, last.
    weights : str or array-like, optional
        Non-negative weight per answer (a column name or an array aligned with the
        answers).
    weights_kind : {"survey", "frequency"}, default "survey"
        ``"survey"``: sampling weights. The NPS uses weighted shares; the standard error
        is the Taylor linearisation of the weighted mean, and every interval uses the
        effective sample size ``n_effective = V / SE**2`` that matches it (Korn &
        Graubard 1998). ``"frequency"``: whole-number counts of identical answers; the
        result (counts included) equals that of the repeated rows.
    ci_method : {"score", "wald", "adjusted-wald"}, default "score"
        ``"score"``: the iterative score interval (Tango's interval for paired
        proportions; with the adjusted Wald interval, the best performer in the
        simulations of Rocks 2016), always inside [-100, 100], informative for n = 1
        and for samples of promoters only.
        ``"wald"``: estimate +/- z * SE, truncated to [-100, 100].
        ``"adjusted-wald"``: Wald after adding 0.75 detractors, 1.5 passives and 0.75
        promoters, centred on the adjusted NPS.
    confidence_level : float, default 0.95
        Two-sided coverage of the interval.
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Missing answers (NaN, None, pandas.NA): skipped and counted in ``n_missing``;
        an error; or a NaN result for the affected group.

    Returns
    -------
    Estimate or pandas.DataFrame
        Without ``by``: an :class:`~cxlib.Estimate` in NPS points, whose components hold
        the counts (``n_detractors``, ...) and percentages (``pct_detractors``, ...).
        With ``by``: a DataFrame with columns ``[*by, "metric", "value", "se", "ci_low",
        "ci_high", "n", "n_missing", "n_detractors", "n_passives", "n_promoters",
        "pct_detractors", "pct_passives", "pct_promoters"]`` (plus ``sum_weights`` and
        ``n_effective`` with weights).

    Raises
    ------
    ValueError
        Out-of-scale or non-integer answers, unknown columns, empty data, invalid
        weights or options.
    TypeError
        Non-numeric answers, or arguments of the wrong kind.

    Warns
    -----
    DegenerateDataWarning
        A group without answers (NaN result), or a Wald interval of zero width.

    See Also
    --------
    nps_difference : difference of two independent NPS.

    References
    ----------
    .. [1] Rocks, B. (2016). Interval estimation for the "net promoter score".
       The American Statistician, 70(4), 365-372.
    .. [2] Tango, T. (1998). Equivalence test and confidence interval for the difference
       in proportions for the paired-sample design. Statistics in Medicine, 17, 891-908.

    Examples
    --------
    >>> import cxlib as cx
    >>> est = cx.nps([10, 9, 8, 7, 6, 0])
    >>> est
    NPS 0.0 (95% CI -55.8 to 55.8, score) · n = 6
    >>> est.components["n_promoters"], est.components["pct_detractors"]
    (2, 33.33333333333333)

    Per group, from a DataFrame:

    >>> import pandas as pd
    >>> df = pd.DataFrame({"touchpoint": ["web", "web", "app", "app", "app"],
    ...                    "score": [10, 6, 9, 9, None]})
    >>> cx.nps(df, "score", by="touchpoint")[["touchpoint", "value", "n", "n_missing"]]
      touchpoint  value  n  n_missing
    0        app  100.0  2          1
    1        web    0.0  2          0
    """
    columns, keys = _nps_table(
        data,
        column,
        scale=scale,
        by=by,
        weights=weights,
        weights_kind=weights_kind,
        ci_method=ci_method,
        confidence_level=confidence_level,
        nan_policy=nan_policy,
        data_name="data",
    )
    if keys is None:
        return _as_estimate(columns, confidence_level, ci_method)
    return tidy(keys, columns)


def _nps_table(
    data: Any,
    column: Any,
    *,
    scale: NPSScale | NPSScaleName,
    by: Any,
    weights: Any,
    weights_kind: WeightsKind,
    ci_method: NPSCIMethod,
    confidence_level: float,
    nan_policy: NanPolicy,
    data_name: str,
) -> tuple[dict[str, Any], pd.DataFrame | None]:
    check_choice("ci_method", ci_method, NPS_CI_METHODS)
    check_choice("weights_kind", weights_kind, ("survey", "frequency"))
    level = check_confidence_level(confidence_level)
    policy = check_nan_policy(nan_policy)
    nps_scale = resolve_nps_scale(scale)
    inputs = resolve(data, column, by=by, weights=weights, data_name=data_name)
    _check_frequency_weights(inputs.weights, weights_kind)
    tab = point_table(
        inputs.values,
        low=nps_scale.low,
        high=nps_scale.high,
        name=inputs.label,
        groups=inputs.groups,
        weights=inputs.weights,
        nan_policy=policy,
    )
    keys = None
    if inputs.groups is not None:
        keep = tab.n_rows > 0  # candidate groups without rows are no groups
        keys = inputs.groups.keys
        if not keep.all():
            tab, keys = tab.take(keep), keys[keep]
    columns = _nps_columns(
        tab, nps_scale, weights_kind, ci_method, level, policy, grouped=keys is not None
    )
    return columns, keys


def _nps_columns(
    tab: PointTable,
    scale: NPSScale,
    weights_kind: WeightsKind,
    ci_method: NPSCIMethod,
    level: float,
    nan_policy: NanPolicy,
    grouped: bool,
) -> dict[str, Any]:
    stats = _nps_statistics(tab, scale, weights_kind)
    low, high = nps_interval(
        ci_method,
        stats["shares"][:, PROMOTER],
        stats["shares"][:, DETRACTOR],
        stats["n_eff"],
        level,
    )
    value, se = stats["nps"] * 100.0, stats["se"] * 100.0
    low, high = low * 100.0, high * 100.0
    undefined = ~np.isfinite(value)
    if nan_policy == "propagate":
        undefined |= tab.n_missing > 0
    if undefined.any():
        value, se, low, high = (np.where(undefined, np.nan, x) for x in (value, se, low, high))
        empty = int((~np.isfinite(stats["nps"])).sum())
        if empty:
            where = f"{empty} of {len(value)} groups" if grouped else "the data"
            warnings.warn(
                f"NPS is undefined (NaN) for {where}: no answers with positive weight",
                DegenerateDataWarning,
                stacklevel=4,
            )
    if ci_method == "wald":
        collapsed = (se == 0) & ~undefined
        if collapsed.any():
            warnings.warn(
                f"the Wald interval has zero width for {int(collapsed.sum())} group(s) "
                "whose answers fall in one category; ci_method='score' gives an informative "
                "interval",
                DegenerateDataWarning,
                stacklevel=4,
            )
    n = stats["n"]
    columns: dict[str, Any] = {
        "metric": "nps",
        "value": value,
        "se": se,
        "ci_low": low,
        "ci_high": high,
        "n": np.rint(n).astype(np.int64),
        "n_missing": tab.n_missing,
    }
    counted = tab.counts
    if weights_kind == "frequency" and tab.sum_weights is not None:
        counted = np.rint(tab.sum_weights).astype(np.int64)  # each weight counts rows
    for k, part in enumerate(_COMPONENTS):
        columns[f"n_{part}"] = _collapse(counted, scale)[:, k]
    for k, part in enumerate(_COMPONENTS):
        columns[f"pct_{part}"] = stats["shares"][:, k] * 100.0
    if "n_effective" in stats:
        columns["sum_weights"] = stats["sum_weights"]
        columns["n_effective"] = stats["n_effective"]
    return columns


def _as_estimate(columns: dict[str, Any], level: float, ci_method: str) -> Estimate:
    base = ("metric", "value", "se", "ci_low", "ci_high", "n", "n_missing")
    components = {
        key: (int(v[0]) if np.issubdtype(np.asarray(v).dtype, np.integer) else float(v[0]))
        for key, v in columns.items()
        if key not in base
    }
    return Estimate(
        metric="nps",
        value=float(columns["value"][0]),
        se=float(columns["se"][0]),
        ci=ConfidenceInterval(float(columns["ci_low"][0]), float(columns["ci_high"][0])),
        confidence_level=level,
        ci_method=ci_method,
        n=int(columns["n"][0]),
        n_missing=int(columns["n_missing"][0]),
        components=components,
        label="NPS",
    )


def nps_difference(
    a: Any,
    b: Any,
    *,
    scale: NPSScale | NPSScaleName = "0-10",
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    nan_policy: NanPolicy = "omit",
) -> Comparison:
    """Signed difference of two independent Net Promoter Scores, ``NPS(a) - NPS(b)``.

    The difference is in NPS points (-200 to 200). Its standard error is
    ``sqrt(V_a / n_a + V_b / n_b)`` with the trinomial variance ``V`` of each sample;
    the interval and the z test are the Wald ones built on it.

    Parameters
    ----------
    a, b : array-like or pandas.Series
        Answers of the two independent samples.
    scale : NPSScale or {"0-10", "1-10", "1-7", "1-5"}, default "0-10"
        Answer scale of both samples.
    confidence_level : float, default 0.95
        Coverage of the interval.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        Alternative hypothesis: NPS(a) differs from, is below, or is above NPS(b). A
        one-sided alternative gives a one-sided interval, open at -200 or 200.
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Handling of missing answers, as in :func:`nps`.

    Returns
    -------
    Comparison
        ``difference``, ``se``, ``difference_ci``, ``statistic`` (z), ``p_value`` and
        the two estimates in ``estimates``.

    Warns
    -----
    DegenerateDataWarning
        When the standard error is zero (each sample in one category): statistic,
        p-value and interval are NaN.

    Examples
    --------
    >>> import cxlib as cx
    >>> app = [10, 10, 9, 9, 8, 7, 10, 6, 9, 10, 9, 10]
    >>> web = [10, 5, 9, 3, 8, 7, 6, 6, 9, 10, 0, 8]
    >>> diff = cx.nps_difference(app, web)
    >>> diff
    NPS difference +75.0 points (95% CI +14.8 to +135.2, wald) · p = 0.015
    >>> round(diff.estimates[0].value, 1), round(diff.estimates[1].value, 1)
    (66.7, -8.3)
    """
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    policy = check_nan_policy(nan_policy)
    for arg, name in ((a, "a"), (b, "b")):
        if isinstance(arg, pd.DataFrame):
            raise TypeError(f"{name} must be a 1-D array-like of answers; got a DataFrame")
    est_a, est_b = (
        _as_estimate(
            _nps_table(
                arg,
                None,
                scale=scale,
                by=None,
                weights=None,
                weights_kind="survey",
                ci_method="score",
                confidence_level=level,
                nan_policy=policy,
                data_name=name,
            )[0],
            level,
            "score",
        )
        for arg, name in ((a, "a"), (b, "b"))
    )
    diff = (est_a.value - est_b.value) / 100.0
    se = float(np.hypot(est_a.se, est_b.se)) / 100.0
    stat, p, low, high = normal_test(
        diff, se, alternative=alt, confidence_level=level, bounds=(-2.0, 2.0)
    )
    if np.isfinite(diff) and not se > 0:
        warnings.warn(
            "the standard error of the NPS difference is zero (each sample falls in one "
            "category): statistic, p-value and interval are undefined (NaN)",
            DegenerateDataWarning,
            stacklevel=2,
        )
    return Comparison(
        metric="nps",
        difference=diff * 100.0,
        se=se * 100.0,
        difference_ci=ConfidenceInterval(low * 100.0, high * 100.0),
        statistic=stat,
        p_value=p,
        confidence_level=level,
        method="wald",
        alternative=alt,
        estimates=(est_a, est_b),
        label="NPS",
        unit="points",
    )
