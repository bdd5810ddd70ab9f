"""Key-driver analysis: which drivers (satisfaction with the product, affective
commitment, ...) explain an outcome (likelihood to recommend, loyalty, promoter or not).

Everything is computed from the (weighted) co-moment matrix of the outcome and the
drivers in each group, the sufficient statistic of a linear regression: dominance
analysis over all subsets of drivers, Johnson's relative weights and standardised
coefficients (see :mod:`cxlib.core.linear` and the guide). Confidence intervals come
from a bootstrap of respondents within groups, whose co-moment matrices are computed
for all replicates at once.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..core.bootstrap import bootstrap_interval
from ..core.grouping import tidy
from ..core.linear import complete_dominance, conditional_dominance, correlation, subset_r2
from ..core.progress import check_progress
from ..core.results import ConfidenceInterval, Estimate
from ..core.validation import (
    NanPolicy,
    as_generator,
    check_bool,
    check_choice,
    check_confidence_level,
    check_n_resamples,
)
from .driver_importance import (
    DRIVER_METHODS,
    DriverMethod,
    Importances,
    acceleration,
    check_size,
    importances,
    jackknife,
    resampled,
)
from .driver_inputs import DriverMoments, driver_moments, group_keys

__all__ = ["DRIVER_CI_METHODS", "DriverCIMethod", "driver_difference", "key_drivers"]

FloatArray = npt.NDArray[np.float64]
DriverCIMethod = Literal["percentile", "bca"]
DRIVER_CI_METHODS: tuple[DriverCIMethod, ...] = ("percentile", "bca")


def _options(
    method: object,
    ci_method: object,
    confidence_level: object,
    n_resamples: object,
    nan_policy: object,
) -> tuple[DriverMethod, DriverCIMethod | None, float, int]:
    chosen = check_choice("method", method, DRIVER_METHODS)
    ci = None if ci_method is None else check_choice("ci_method", ci_method, DRIVER_CI_METHODS)
    check_choice("nan_policy", nan_policy, ("omit", "raise"))
    return chosen, ci, check_confidence_level(confidence_level), check_n_resamples(n_resamples)


def _prepare(
    data: Any,
    outcome: Any,
    drivers: Any,
    method: DriverMethod,
    ci_method: DriverCIMethod | None,
    by: Any,
    weights: Any,
    nan_policy: NanPolicy,
) -> tuple[DriverMoments, list[str]]:
    m, names = driver_moments(data, outcome, drivers, by=by, weights=weights, nan_policy=nan_policy)
    check_size(method, len(names) - 1)
    if ci_method is not None and m.rows is None:
        raise ValueError(
            f"bootstrap intervals resample respondents, which stay in the {m.engine} frame; "
            "pass ci_method=None for the importances computed in the engine (from its "
            "co-moments), or a pandas DataFrame of the columns for intervals"
        )
    return m, names


def _intervals(
    m: DriverMoments,
    estimate: FloatArray,
    replicates: FloatArray,
    ci_method: DriverCIMethod,
    level: float,
    jack: FloatArray | None,
) -> tuple[FloatArray, FloatArray]:
    """Bounds ``(groups, c)`` of ``c`` statistics from replicates ``(B, groups, c)``."""
    b, g, c = replicates.shape
    accel = None
    if ci_method == "bca":
        assert jack is not None
        assert m.rows is not None
        accel = acceleration(jack, m.rows.codes, g).reshape(g * c)
    low, high, _ = bootstrap_interval(
        replicates.reshape(b, g * c), estimate.reshape(g * c), ci_method, level, accel
    )
    return low.reshape(g, c), high.reshape(g, c)


def _bootstrap(
    m: DriverMoments,
    method: DriverMethod,
    ci_method: DriverCIMethod,
    n_resamples: int,
    rng: object,
    progress: bool,
) -> tuple[Importances, FloatArray | None]:
    """Replicates of the importances and R², and (for BCa) their jackknife ``(rows, p + 1)``."""
    reps = resampled(m, method, n_resamples, as_generator(rng), progress=progress)
    jack = None
    if ci_method == "bca":
        imp, r2 = jackknife(m, method)
        jack = np.concatenate([imp, r2[:, None]], axis=1)
    return reps, jack


def key_drivers(
    data: Any,
    outcome: str,
    drivers: list[str],
    *,
    method: DriverMethod = "dominance",
    weights: Any = None,
    by: str | list[str] | None = None,
    ci_method: DriverCIMethod | None = "percentile",
    confidence_level: float = 0.95,
    n_resamples: int = 2000,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
    nan_policy: Literal["omit", "raise"] = "omit",
    dominance_tables: bool = False,
) -> pd.DataFrame:
    """Importance of each driver for an outcome: dominance analysis, relative weights.

    Parameters
    ----------
    data : DataFrame
        One row per respondent: a pandas DataFrame, or a Polars, pyarrow, DuckDB, Ibis,
        SQLFrame, Dask or PySpark frame (its weighted co-moments are reduced in the
        engine; only with ``ci_method=None``, as the bootstrap needs the rows).
    outcome : str
        Column of the outcome: a number (likelihood to recommend, a loyalty index) or 0/1
        or booleans (promoter or not; the R² of the linear probability model is
        decomposed, see the guide).
    drivers : list of str
        Columns of the drivers (numbers or booleans), not including ``outcome``.
    method : {"dominance", "relative-weights", "standardized"}, default "dominance"
        ``"dominance"``: general dominance weights (Budescu 1993; Azen & Budescu 2003),
        the average increase of R² when the driver joins a subset of the others, exact
        over all ``2**p`` subsets, up to 15 drivers; they sum to R² (the Shapley value of
        R², relaimpo's LMG). ``"relative-weights"``: Johnson's (2000) relative weights,
        which also sum to R², for any number of drivers. ``"standardized"``: the
        standardised coefficients themselves (``share`` is then Pratt's measure
        ``beta_j * r_j / R²``; both can be negative).
    weights : str or array-like, optional
        Survey weights: a column name, or one value per row of a pandas DataFrame.
    by : str or list of str, optional
        Group column(s): one analysis per group.
    ci_method : {"percentile", "bca"} or None, default "percentile"
        Bootstrap interval of each importance and of R² (respondents resampled within
        groups), or None for the point estimates only (no ``ci_low``, ``ci_high``).
    confidence_level : float, default 0.95
    n_resamples : int, default 2000
    rng : int or numpy.random.Generator, optional
        Seed of the bootstrap; the same seed gives the same resamples as
        :func:`driver_difference`.
    progress : bool, default False
        Show a progress bar of the bootstrap resamples (needs tqdm: ``pip install
        "cxlib[progress]"``); the result is the same with or without it.
    nan_policy : {"omit", "raise"}, default "omit"
        Rows with a missing outcome or driver are left out (listwise deletion, counted
        in ``attrs["n_missing"]``), or an error.
    dominance_tables : bool, default False
        With ``method="dominance"``, add the conditional and complete dominance tables to
        ``attrs`` (see Returns).

    Returns
    -------
    pandas.DataFrame
        One row per driver (per group, with the ``by`` columns first): ``driver``,
        ``std_coef`` (standardised coefficient), ``importance``, ``share`` (of R²),
        ``ci_low``, ``ci_high`` (of the importance) and ``rank`` (1 the most important;
        by absolute coefficient for ``"standardized"``). ``attrs`` holds ``outcome``,
        ``drivers``, ``method``, ``n`` (rows used), ``n_missing``, ``r2`` and, with a
        bootstrap, ``r2_ci`` (low, high) and ``confidence_level``; grouped, ``n``,
        ``n_missing``, ``r2`` and ``r2_ci`` are dicts keyed by the group key (its value,
        or a tuple for several ``by`` columns). With ``dominance_tables``,
        ``attrs["conditional_dominance"]`` (``pandas.DataFrame(...)`` of it: one row per
        number of other drivers in the model, one column per driver, the average
        increase of R²) and ``attrs["complete_dominance"]`` (row driver over column
        driver: 1 dominates in every subset, 0 is dominated, 0.5 undetermined), keyed by
        group when grouped.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import cxlib as cx
    >>> rng = np.random.default_rng(1)
    >>> survey = pd.DataFrame(rng.normal(size=(500, 3)), columns=["price", "service", "app"])
    >>> survey["recommend"] = survey["service"] + 0.5 * survey["price"] + rng.normal(size=500)
    >>> kd = cx.key_drivers(survey, "recommend", ["price", "service", "app"], rng=7)
    >>> kd[["driver", "rank"]].to_dict("list")
    {'driver': ['price', 'service', 'app'], 'rank': [2, 1, 3]}
    >>> bool(np.isclose(kd["importance"].sum(), kd.attrs["r2"]))
    True
    """
    chosen, ci, level, b = _options(method, ci_method, confidence_level, n_resamples, nan_policy)
    show = check_progress(progress)
    tables = check_bool("dominance_tables", dominance_tables)
    if tables and chosen != "dominance":
        raise ValueError(f"dominance_tables=True needs method='dominance'; got method={chosen!r}")
    m, names = _prepare(data, outcome, drivers, chosen, ci, by, weights, nan_policy)
    fit = importances(m.comoment, chosen)
    g, p = fit.importance.shape
    key = np.abs(fit.importance) if chosen == "standardized" else fit.importance
    rank = stats.rankdata(-key, method="min", axis=1).astype(np.int64)
    columns: dict[str, Any] = {
        "driver": np.tile(np.array(names[1:], dtype=object), g),
        "std_coef": fit.std_coef.ravel(),
        "importance": fit.importance.ravel(),
        "share": fit.share.ravel(),
    }
    r2_ci = None
    if ci is not None:
        reps, jack = _bootstrap(m, chosen, ci, b, rng, show)
        both = np.concatenate([reps.importance, reps.r2[..., None]], axis=2)
        estimate = np.concatenate([fit.importance, fit.r2[:, None]], axis=1)
        low, high = _intervals(m, estimate, both, ci, level, jack)
        columns["ci_low"], columns["ci_high"] = low[:, :p].ravel(), high[:, :p].ravel()
        r2_ci = list(zip(low[:, p].tolist(), high[:, p].tolist(), strict=True))
    columns["rank"] = rank.ravel()
    keys = None if m.keys is None else m.keys.loc[m.keys.index.repeat(p)]
    frame = pd.DataFrame(columns) if keys is None else tidy(keys, columns)
    _attrs(frame, m, names, chosen, fit, r2_ci, level, tables)
    return frame


def _attrs(
    frame: pd.DataFrame,
    m: DriverMoments,
    names: list[str],
    method: DriverMethod,
    fit: Importances,
    r2_ci: list[tuple[float, float]] | None,
    level: float,
    tables: bool,
) -> None:
    """Model-level results as plain Python values (frames in attrs break pd.concat)."""
    ids = group_keys(m.keys)

    def per_group(values: list[Any]) -> Any:
        return values[0] if m.keys is None else dict(zip(ids, values, strict=True))

    frame.attrs.update(
        outcome=names[0],
        drivers=names[1:],
        method=method,
        n=per_group(m.n.tolist()),
        n_missing=per_group(m.n_missing.tolist()),
        r2=per_group(fit.r2.tolist()),
    )
    if r2_ci is not None:
        frame.attrs["r2_ci"] = per_group(r2_ci)
        frame.attrs["confidence_level"] = level
    if tables:
        p = len(names) - 1
        r2s = subset_r2(correlation(m.comoment))
        cond = conditional_dominance(r2s, p)
        comp = complete_dominance(r2s, p)
        drivers = names[1:]
        frame.attrs["conditional_dominance"] = per_group(
            [{d: c[:, j].tolist() for j, d in enumerate(drivers)} for c in cond]
        )
        frame.attrs["complete_dominance"] = per_group(
            [
                {
                    d: dict(zip(drivers, c[:, j].tolist(), strict=True))
                    for j, d in enumerate(drivers)
                }
                for c in comp
            ]
        )


def driver_difference(
    data: Any,
    outcome: str,
    drivers: list[str],
    compare: tuple[str, str],
    *,
    method: DriverMethod = "dominance",
    weights: Any = None,
    by: str | list[str] | None = None,
    ci_method: DriverCIMethod = "percentile",
    confidence_level: float = 0.95,
    n_resamples: int = 2000,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
    nan_policy: Literal["omit", "raise"] = "omit",
) -> Estimate | pd.DataFrame:
    """Difference between the importances of two drivers, with a bootstrap interval.

    "Is affective commitment really ahead of economic commitment?": the importance of
    ``compare[0]`` minus that of ``compare[1]`` in the model with all ``drivers``, and
    a bootstrap interval of the difference (both importances come from the same
    resamples, so their correlation is accounted for; an interval that excludes 0 says
    the order is not noise). The arguments are those of :func:`key_drivers`; with the
    same ``rng`` the resamples are the same.

    Parameters
    ----------
    compare : tuple of two str
        The two drivers, both in ``drivers``.

    Returns
    -------
    Estimate or pandas.DataFrame
        An :class:`~cxlib.Estimate` (``metric="driver_difference"``, ``se`` the standard
        deviation of the replicates; ``components``: both importances and
        ``share_ahead``, the share of resamples where the first is ahead); with ``by``, a
        DataFrame with one row per group (``difference``, ``se``, ``ci_low``,
        ``ci_high``, ``share_ahead``, ``n``, ``n_missing``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import cxlib as cx
    >>> rng = np.random.default_rng(1)
    >>> survey = pd.DataFrame(rng.normal(size=(500, 2)), columns=["price", "service"])
    >>> survey["recommend"] = survey["service"] + 0.5 * survey["price"] + rng.normal(size=500)
    >>> d = cx.driver_difference(survey, "recommend", ["price", "service"],
    ...                          ("service", "price"), rng=7)
    >>> bool(d.ci.low > 0)
    True
    """
    chosen, ci, level, b = _options(method, ci_method, confidence_level, n_resamples, nan_policy)
    show = check_progress(progress)
    if ci is None:
        raise ValueError(
            "driver_difference needs a bootstrap: ci_method must be 'percentile' or 'bca'"
        )
    if not isinstance(compare, (tuple, list)) or len(compare) != 2:
        raise TypeError(f"compare must be a pair of driver names (a, b); got {compare!r}")
    m, names = _prepare(data, outcome, drivers, chosen, ci, by, weights, nan_policy)
    if compare[0] == compare[1] or any(c not in names[1:] for c in compare):
        raise ValueError(
            f"compare must name two different drivers among {names[1:]!r}; got {tuple(compare)!r}"
        )
    i, j = names.index(compare[0]) - 1, names.index(compare[1]) - 1
    fit = importances(m.comoment, chosen)
    reps, jack = _bootstrap(m, chosen, ci, b, rng, show)
    diff = fit.importance[:, i] - fit.importance[:, j]
    rep_diff = reps.importance[..., i] - reps.importance[..., j]
    jack_diff = None if jack is None else (jack[:, i] - jack[:, j])[:, None]
    low, high = _intervals(m, diff[:, None], rep_diff[..., None], ci, level, jack_diff)
    se = rep_diff.std(axis=0, ddof=1)
    ahead = (rep_diff > 0).mean(axis=0)
    if m.keys is None:
        return Estimate(
            metric="driver_difference",
            value=float(diff[0]),
            se=float(se[0]),
            ci=ConfidenceInterval(float(low[0, 0]), float(high[0, 0])),
            confidence_level=level,
            ci_method=f"bootstrap-{ci}",
            n=int(m.n[0]),
            n_missing=int(m.n_missing[0]),
            components={
                f"importance_{compare[0]}": float(fit.importance[0, i]),
                f"importance_{compare[1]}": float(fit.importance[0, j]),
                "share_ahead": float(ahead[0]),
            },
            label=f"{method} importance of {compare[0]!r} minus {compare[1]!r}",
        )
    return tidy(
        m.keys,
        {
            "difference": diff,
            "se": se,
            "ci_low": low[:, 0],
            "ci_high": high[:, 0],
            "share_ahead": ahead,
            "n": m.n,
            "n_missing": m.n_missing,
        },
    )
