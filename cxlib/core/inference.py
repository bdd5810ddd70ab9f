"""The infer stage shared by every estimate: intervals checked, results assembled.

Each frontend reduces its data to per-group statistics its own way (score tables of the
survey indices, clusters of orders) and computes the estimate, its standard error and
an analytic interval or bootstrap replicates. From there on every estimate goes the
same way, through this module:

- :func:`replicate_interval` turns bootstrap replicates into the percentile, basic or
  BCa interval and says when the bootstrap distribution is a single point;
- :func:`check_interval` says when an interval is undefined (NaN) or has collapsed to
  a point, each once per call, naming how many groups it concerns;
- :func:`assemble` returns an :class:`~cxlib.core.results.Estimate` without groups, or
  the tidy frame (key columns, then the statistics) with them.

Warnings are :class:`~cxlib.core.errors.DegenerateDataWarning` pointing at the caller's
line.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .bootstrap import BootstrapMethod, bootstrap_interval
from .errors import DegenerateDataWarning, find_stack_level
from .grouping import tidy
from .results import Estimate, estimate_from_columns

__all__ = ["assemble", "check_interval", "replicate_interval", "warn_degenerate"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def warn_degenerate(message: str) -> None:
    """One :class:`DegenerateDataWarning` that points at the user's call."""
    warnings.warn(message, DegenerateDataWarning, stacklevel=find_stack_level())


def replicate_interval(
    replicates: FloatArray,
    estimate: FloatArray,
    method: BootstrapMethod,
    confidence_level: float,
    acceleration: FloatArray | None = None,
    *,
    why_single: str = "",
) -> tuple[FloatArray, FloatArray]:
    """The bootstrap interval of every group from its replicates (``(B, groups)``).

    Warns once when the bootstrap distribution of some groups is a single point (the
    interval then has zero width); ``why_single`` may say why, e.g. "(all answers give
    the same score, or too few resamples)".
    """
    low, high, degenerate = bootstrap_interval(
        replicates, estimate, method, confidence_level, acceleration
    )
    if degenerate.any():
        reason = f" {why_single}" if why_single else ""
        warn_degenerate(
            f"the bootstrap distribution is a single point for {int(degenerate.sum())} "
            f"group(s){reason}: the interval has zero width"
        )
    return low, high


def check_interval(
    value: FloatArray,
    low: FloatArray,
    high: FloatArray,
    *,
    ci_method: str,
    analytic: bool,
    where_undefined: str,
    why_undefined: str,
    why_collapsed: str,
    shown: BoolArray | None = None,
) -> None:
    """Warn about intervals that are undefined (NaN) or, for analytic ones, zero-width.

    Only groups with a finite value among ``shown`` (all by default) are considered.
    ``where_undefined`` names where intervals are missing ("{k} group(s)" is filled in
    when it contains ``{k}``); ``why_undefined`` and ``why_collapsed`` end the messages.
    """
    finite = np.isfinite(value) if shown is None else np.isfinite(value) & shown
    no_interval = finite & ~(np.isfinite(low) & np.isfinite(high))
    if no_interval.any():
        where = where_undefined.format(k=int(no_interval.sum()))
        warn_degenerate(f"the {ci_method} interval is undefined (NaN) for {where}: {why_undefined}")
    if analytic:
        collapsed = finite & (low == high)
        if collapsed.any():
            warn_degenerate(
                f"the {ci_method} interval has zero width for {int(collapsed.sum())} "
                f"group(s) {why_collapsed}"
            )


def assemble(
    columns: dict[str, Any],
    *,
    keys: pd.DataFrame | None,
    label: str,
    confidence_level: float,
    ci_method: str,
    keep: BoolArray | None = None,
) -> Estimate | pd.DataFrame:
    """The result: an Estimate without groups (``keys`` None), else the tidy frame.

    ``columns`` holds ``metric, value, se, ci_low, ci_high, n, n_missing`` and the
    components, one element per group (scalars are repeated); ``keep`` selects the
    groups to show.
    """
    if keys is None:
        return estimate_from_columns(columns, label, confidence_level, ci_method)
    if keep is not None and not keep.all():
        columns = {k: (v[keep] if isinstance(v, np.ndarray) else v) for k, v in columns.items()}
        keys = keys[keep]
    return tidy(keys, columns)
