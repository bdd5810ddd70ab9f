"""Columns of numbers reduced to per-group centred co-moments: a covariance matrix per group.

Listwise deletion of rows with a missing value, weights (survey or frequency) and
reversed columns (their sign flipped), on pandas rows (two passes of
:func:`cxlib.core.statistics.summarise`) or in the engine of another frame (one query:
window means, then centred sums, the weighted corrected two-pass algorithm), so that
both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import narwhals as nw
import numpy as np
import numpy.typing as npt
import pandas as pd

from .engine_tables import EngineInputs, check_whole_weights
from .frames import EngineFrame, collect
from .grouping import make_groups
from .inputs import Inputs, resolve_columns
from .scores import WEIGHTS_KINDS, WeightsKind
from .statistics import summarise
from .validation import check_choice, check_nan_policy, show_values

__all__ = ["Covariances", "covariances"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Covariances:
    """Per-group sufficient statistics of ``k`` columns after listwise deletion.

    Any statistic of the covariance matrix (Cronbach's alpha, correlations, regression
    coefficients) follows from these, for all groups at once.
    """

    columns: list[str]
    keys: pd.DataFrame | None
    n: FloatArray  # complete rows (frequency weights: their sum)
    n_missing: npt.NDArray[np.int64]  # rows left out (frequency weights: their sum)
    n_ci: FloatArray  # the n of intervals (Kish's effective n with survey weights)
    mean: FloatArray  # (groups, k)
    comoment: FloatArray  # (groups, k, k), signs of reversed columns flipped
    variance: FloatArray  # (groups, k) sample variances of the columns
    sum_weights: FloatArray | None
    propagate: npt.NDArray[np.bool_]  # groups made NaN by nan_policy="propagate"


def _check_columns(columns: object, reverse: object) -> tuple[list[str], list[str]]:
    if isinstance(columns, str) or not isinstance(columns, Sequence):
        raise TypeError(f"columns must be a list of column names; got {columns!r}")
    names = list(columns)
    if isinstance(reverse, str) or not isinstance(reverse, Sequence):
        raise TypeError(f"reverse must be a list of column names; got {reverse!r}")
    flipped = list(reverse)
    unknown = [c for c in flipped if c not in names]
    if unknown:
        raise ValueError(f"reverse names columns that are not among columns: {unknown!r}")
    if len(set(flipped)) != len(flipped):
        raise ValueError(f"reverse names a column more than once: {flipped!r}")
    return names, flipped


def covariances(
    data: object,
    columns: object,
    *,
    by: object,
    weights: object,
    weights_kind: object,
    reverse: object,
    nan_policy: object,
) -> Covariances:
    """Check the arguments and reduce the rows to per-group centred co-moments.

    ``data`` is a pandas DataFrame (or a file) or a frame of another engine, which
    reduces its rows in one query; ``columns`` the numeric columns; ``by`` and
    ``weights`` (a column name or, beside pandas data, values) as everywhere in cxlib.
    Rows with a missing value in any column are left out (counted in ``n_missing``;
    ``nan_policy="raise"`` refuses them, ``"propagate"`` flags their groups). The
    columns named in ``reverse`` enter with their sign flipped. ``n_ci`` is the sample
    size of intervals: the rows, the sum of frequency weights, or Kish's effective
    sample size ``(sum w)**2 / sum w**2`` with survey weights.
    """
    names, flipped = _check_columns(columns, reverse)
    policy = check_nan_policy(nan_policy)
    kind = check_choice("weights_kind", weights_kind, WEIGHTS_KINDS)
    inputs = resolve_columns(
        data, names, n_items=len(names), item_names=[str(c) for c in names], by=by, weights=weights
    )
    if isinstance(inputs, EngineInputs):
        if kind == "frequency":
            check_whole_weights(inputs)
        n_rows, w, w2, mean, comoment, missing, keys = _engine_moments(inputs, kind)
    else:
        n_rows, w, w2, mean, comoment, missing, keys = _pandas_moments(inputs, kind)
    if policy == "raise" and missing.any():
        j = int(np.flatnonzero(missing[:, :-1].sum(axis=0))[0])
        raise ValueError(
            f"column {names[j]!r} has {int(missing[:, j].sum()):,} missing answer(s) and "
            "nan_policy='raise'; use nan_policy='omit' to leave out the rows with a "
            "missing value (listwise deletion)"
        )
    n_missing = _rows_missing(missing)
    finite = np.isfinite(mean) | (w[:, None] <= 0)
    if not finite.all():
        j = int(np.flatnonzero(~finite.all(axis=0))[0])
        raise ValueError(f"column {names[j]!r} holds infinite values; the values must be finite")
    sign = np.array([-1.0 if c in flipped else 1.0 for c in names])
    comoment = comoment * sign[None, :, None] * sign[None, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "frequency" or w2 is None:
            n, n_ci = (w, w) if w2 is not None else (n_rows, n_rows)
            divisor = n - 1.0
        else:
            n = n_rows
            n_ci = w**2 / w2  # Kish's effective sample size
            divisor = w * (n - 1.0) / n  # unit weights give the unweighted variance
        variance = np.diagonal(comoment, axis1=1, axis2=2) / divisor[:, None]
    return Covariances(
        columns=names,
        keys=keys,
        n=n,
        n_missing=n_missing,
        n_ci=n_ci,
        mean=mean,
        comoment=comoment,
        variance=variance,
        sum_weights=None if w2 is None else w,
        propagate=(n_missing > 0) if policy == "propagate" else np.zeros(len(n), dtype=bool),
    )


def _rows_missing(missing: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Rows with a missing value per group, from the last column (see the reductions)."""
    out: npt.NDArray[np.int64] = np.rint(missing[:, -1]).astype(np.int64)
    return out


Moments = tuple[
    FloatArray,
    FloatArray,
    FloatArray | None,
    FloatArray,
    FloatArray,
    FloatArray,
    pd.DataFrame | None,
]


def _pandas_moments(inputs: Inputs, kind: WeightsKind) -> Moments:
    """Rows, weight sums, means and co-moments per group, and missing answers.

    The last column of the missing table counts rows with any value missing; the others
    count the missing values of each column (for the error of ``nan_policy="raise"``).
    """
    x = np.stack([np.asarray(v, dtype=np.float64) for v in inputs.values])  # noqa: PD011 (k, rows)
    groups = inputs.groups
    n_groups = 1 if groups is None else groups.n_groups
    codes = np.zeros(x.shape[1], dtype=np.intp) if groups is None else groups.codes
    weights = inputs.weights
    if kind == "frequency" and weights is not None and (weights != np.rint(weights)).any():
        raise ValueError(
            "frequency weights must be whole numbers (each counts repeated answers); found "
            f"{show_values(weights[weights != np.rint(weights)])}; use weights_kind='survey' "
            "for sampling weights"
        )
    gone = np.isnan(x)
    rows_gone = gone.any(axis=0)
    counted = np.ones(x.shape[1]) if weights is None or kind == "survey" else weights
    missing = np.stack(
        [np.bincount(codes, weights=counted * g, minlength=n_groups) for g in (*gone, rows_gone)],
        axis=1,
    ).astype(np.float64)
    keep = ~rows_gone
    m = summarise(x[:, keep], codes[keep], n_groups, None if weights is None else weights[keep])
    w2 = None
    if weights is not None:
        w2 = np.bincount(codes[keep], weights=weights[keep] ** 2, minlength=n_groups)
    present = np.bincount(codes, minlength=n_groups) > 0  # candidate groups without rows go
    keys = None
    if groups is not None:
        keys = groups.keys[present]
    pick = np.flatnonzero(present) if groups is not None else np.arange(1)
    return (
        m.n[pick],
        m.weight[pick],
        None if w2 is None else w2[pick].astype(np.float64),
        m.mean[pick],
        m.comoment[pick],
        missing[pick],
        keys,
    )


def _as_missing(ef: EngineFrame, column: str) -> nw.Expr:
    col = nw.col(column)
    return nw.when(~col.is_nan()).then(col).alias(column) if ef.is_float(column) else col


def _engine_moments(inputs: EngineInputs, kind: WeightsKind) -> Moments:
    """The same reduction in the engine: window (weighted) means, then centred sums.

    Weighted corrected two-pass: with ``d = x - m`` about the window mean ``m``,
    ``C_ij = sum w d_i d_j - (sum w d_i)(sum w d_j) / W`` and the mean ``m + sum w d / W``.
    """
    ef, names, keys = inputs.frame, inputs.columns, inputs.by or []
    k = len(names)
    frame = ef.frame.with_columns(*(_as_missing(ef, c) for c in names))
    w = nw.col(inputs.weights).cast(nw.Float64) if inputs.weights else nw.lit(1.0)
    frame = frame.with_columns(w.alias("__cx_w"))
    # Frequency weights count the rows each one stands for, missing ones too.
    per_row = nw.col("__cx_w") if inputs.weights and kind == "frequency" else nw.lit(1.0)
    gone = nw.any_horizontal(*(nw.col(c).is_null() for c in names), ignore_nulls=False)
    frame = frame.with_columns(
        *(
            (nw.col(c).is_null().cast(nw.Float64) * per_row).alias(f"__cx_null_{i}")
            for i, c in enumerate(names)
        ),
        gone.cast(nw.Int64).alias("__cx_gone"),
        (gone.cast(nw.Float64) * per_row).alias("__cx_lost"),
    )

    def over(expr: nw.Expr) -> nw.Expr:
        return expr.over(*keys) if keys else expr

    kept = frame.filter(nw.col("__cx_gone") == 0)
    wcol = nw.col("__cx_w")
    kept = kept.with_columns(
        *((nw.col(c).cast(nw.Float64) * wcol).alias(f"__cx_wx_{i}") for i, c in enumerate(names))
    )
    # Each window a column of its own: Dask computes no expression of two windows.
    kept = kept.with_columns(
        over(wcol.sum()).alias("__cx_gw"),
        *(over(nw.col(f"__cx_wx_{i}").sum()).alias(f"__cx_gwx_{i}") for i in range(k)),
    )
    kept = kept.with_columns(
        *((nw.col(f"__cx_gwx_{i}") / nw.col("__cx_gw")).alias(f"__cx_m_{i}") for i in range(k))
    )
    kept = kept.with_columns(
        *(
            (nw.col(c).cast(nw.Float64) - nw.col(f"__cx_m_{i}")).alias(f"__cx_d_{i}")
            for i, c in enumerate(names)
        )
    )
    pairs = [(i, j) for i in range(k) for j in range(i, k)]
    kept = kept.with_columns(
        *((nw.col(f"__cx_d_{i}") * wcol).alias(f"__cx_wd_{i}") for i in range(k)),
        *(
            (nw.col(f"__cx_d_{i}") * nw.col(f"__cx_d_{j}") * wcol).alias(f"__cx_dd_{i}_{j}")
            for i, j in pairs
        ),
        (wcol * wcol).alias("__cx_w2"),
    )
    sums = [nw.len().alias("__cx_n"), wcol.sum().alias("__cx_sw"), nw.col("__cx_w2").sum()]
    sums += [nw.col(f"__cx_m_{i}").max() for i in range(k)]
    sums += [nw.col(f"__cx_wd_{i}").sum() for i in range(k)]
    sums += [nw.col(f"__cx_dd_{i}_{j}").sum() for i, j in pairs]
    counts = [nw.len().alias("__cx_rows"), nw.col("__cx_lost").sum()]
    counts += [nw.col(f"__cx_null_{i}").sum() for i in range(k)]
    if keys:
        reduced = kept.group_by(*keys, drop_null_keys=False).agg(*sums)
        missing = frame.group_by(*keys, drop_null_keys=False).agg(*counts)
    else:
        reduced, missing = kept.select(*sums), frame.select(*counts)
    table = collect(missing)
    found = collect(reduced)
    if table.empty or not np.nansum(table["__cx_rows"].to_numpy(dtype=np.float64)) > 0:
        raise ValueError(f"the {ef.engine} frame is empty: no answers to summarise")
    table = table.merge(found, on=keys, how="left") if keys else pd.concat([table, found], axis=1)
    group_keys = None
    if keys:
        groups = make_groups(table, keys)
        # One row per group: the candidate groups between integer keys have none.
        codes = np.asarray(groups.codes, dtype=np.intp)
        order = np.argsort(codes, kind="stable")
        table = table.iloc[order].reset_index(drop=True)
        group_keys = groups.keys.iloc[codes[order]].reset_index(drop=True)

    def column(name: str) -> FloatArray:
        out: FloatArray = table[name].to_numpy(dtype=np.float64, na_value=np.nan)
        return out

    n = np.nan_to_num(column("__cx_n"))
    sw = np.nan_to_num(column("__cx_sw"))
    filled = (n > 0) & (sw > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.stack([column(f"__cx_wd_{i}") for i in range(k)], axis=1)
        mean = np.stack([column(f"__cx_m_{i}") for i in range(k)], axis=1) + s / sw[:, None]
        comoment = np.zeros((len(table), k, k))
        for i, j in pairs:
            c = column(f"__cx_dd_{i}_{j}") - s[:, i] * s[:, j] / sw
            comoment[:, i, j] = comoment[:, j, i] = np.where(filled, c, 0.0)
    mean = np.where(filled[:, None], mean, np.nan)
    missing_counts = np.stack(
        [column(f"__cx_null_{i}") for i in range(k)] + [column("__cx_lost")], axis=1
    )
    if inputs.weights is None:
        return n, n, None, mean, comoment, np.nan_to_num(missing_counts), group_keys
    w2 = np.nan_to_num(column("__cx_w2"))
    return n, sw, w2, mean, comoment, np.nan_to_num(missing_counts), group_keys
