"""The Secure Customer Index: the share of customers positive on all three loyalty items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from ..core.bootstrap import BootstrapMethod
from ..core.inputs import resolve_columns
from ..core.intervals import PROPORTION_CI_METHODS, ProportionCIMethod
from ..core.results import Estimate
from ..core.scores import Moments, ScoreTable, WeightsKind
from ..core.tabulate import PointTable, View
from ..core.validation import NanPolicy
from .index import IndexSpec, check_options, run_index
from .items import combo_answers, mass
from .scales import ScaleLike, item_scales, top_box_threshold
from .scoring import share_interval

__all__ = ["SCI_SEGMENTS", "secure_customer_index"]

_SCI_ITEMS = ("satisfaction", "repurchase", "recommend")

#: Segments of the Secure Customer Index, from most to least loyal.
SCI_SEGMENTS = ("secure", "favorable", "vulnerable", "at_risk")


@overload
def secure_customer_index(
    data: Any,
    columns: Sequence[str],
    *,
    scale: ScaleLike | list[ScaleLike] = ...,
    top_box: int = ...,
    by: None = ...,
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    ci_method: ProportionCIMethod | BootstrapMethod = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> Estimate: ...


@overload
def secure_customer_index(
    data: Any,
    columns: Sequence[str],
    *,
    scale: ScaleLike | list[ScaleLike] = ...,
    top_box: int = ...,
    by: str | Sequence[str],
    weights: Any = ...,
    weights_kind: WeightsKind = ...,
    ci_method: ProportionCIMethod | BootstrapMethod = ...,
    confidence_level: float = ...,
    nan_policy: NanPolicy = ...,
    n_resamples: int = ...,
    rng: int | np.random.Generator | None = ...,
    progress: bool = ...,
) -> pd.DataFrame: ...


def secure_customer_index(
    data: Any,
    columns: Sequence[str],
    *,
    scale: ScaleLike | list[ScaleLike] = "1-5",
    top_box: int = 1,
    by: str | Sequence[str] | None = None,
    weights: Any = None,
    weights_kind: WeightsKind = "survey",
    ci_method: ProportionCIMethod | BootstrapMethod = "modified-wilson",
    confidence_level: float = 0.95,
    nan_policy: NanPolicy = "omit",
    n_resamples: int = 9999,
    rng: int | np.random.Generator | None = None,
    progress: bool = False,
) -> Estimate | pd.DataFrame:
    """Secure Customer Index: percentage of customers positive on all three loyalty items.

    The items are overall satisfaction, likelihood to buy again and likelihood to
    recommend, higher answers being more positive. A customer is *secure* when all
    three answers are in the top box. Every respondent also falls in one segment:

    - ``secure``: top box on all three items;
    - ``favorable``: in the top ``top_box + 1`` answers on all three items (the top two
      boxes by default), but not secure;
    - ``at_risk``: at least one answer in the lower half of its scale (below the
      midpoint: 1-2 on a 1-5 scale);
    - ``vulnerable``: everyone else (some answer below those, none in the
      lower half).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    columns : list of 3 str
        The satisfaction, repurchase and recommend columns, in that order.
    scale : (int, int), str or list of them, default "1-5"
        One answer scale for the three items, or one per item.
    top_box : int, default 1
        How many top answers of each item count as the top box for ``secure``
        (``favorable`` uses ``top_box + 1``).
    by, weights, weights_kind, confidence_level, nan_policy, n_resamples, rng, progress
        As in :func:`cxlib.csat`. A respondent with any item missing is omitted and
        counted in ``n_missing``.
    ci_method : {"modified-wilson", "wilson", "wald", "agresti-coull", \
"clopper-pearson", "jeffreys", "percentile", "basic", "bca"}, default "modified-wilson"
        Binomial proportion interval or bootstrap interval.

    Returns
    -------
    Estimate or pandas.DataFrame
        The percentage of secure customers; components ``n_<segment>`` and
        ``pct_<segment>`` for the four segments.

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sat": [5, 5, 4, 2, 5], "buy": [5, 4, 4, 3, 5],
    ...                    "rec": [5, 5, 3, 4, 5]})
    >>> est = cx.secure_customer_index(df, ["sat", "buy", "rec"])
    >>> est.value, est.components["n_favorable"], est.components["n_at_risk"]
    (40.0, 1, 1)
    """
    scales_ = item_scales(scale, 3)
    answers = combo_answers(scales_)
    tops = np.array([top_box_threshold(lo, hi, top_box) for lo, hi in scales_])[:, None]
    highs = np.array([hi for _, hi in scales_])[:, None]
    lows = np.array([lo for lo, _ in scales_])[:, None]
    secure = (answers >= tops).all(axis=0)
    favorable = (answers >= np.minimum(tops - 1, highs)).all(axis=0) & ~secure
    at_risk = (2 * answers < lows + highs).any(axis=0) & ~secure & ~favorable
    segment = np.select([secure, favorable, at_risk], [0, 1, 3], default=2)

    def components(
        tables: Mapping[str, PointTable], table: ScoreTable, m: Moments, kind: WeightsKind
    ) -> dict[str, Any]:
        segments = tables["segments"]
        n_seg = segments.counts
        if kind == "frequency" and segments.sum_weights is not None:
            n_seg = np.rint(segments.sum_weights).astype(np.int64)
        weight = mass(segments)
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = 100.0 * weight / weight.sum(axis=1)[:, None]
        out: dict[str, Any] = {f"n_{s}": n_seg[:, k] for k, s in enumerate(SCI_SEGMENTS)}
        out.update({f"pct_{s}": pct[:, k] for k, s in enumerate(SCI_SEGMENTS)})
        return out

    spec = IndexSpec(
        metric="secure_customer_index",
        label="Secure customer index",
        ddof=0,
        analytic_methods=PROPORTION_CI_METHODS,
        analytic=share_interval,
        components=components,
    )
    options = check_options(
        spec,
        ci_method=ci_method,
        confidence_level=confidence_level,
        nan_policy=nan_policy,
        weights_kind=weights_kind,
        n_resamples=n_resamples,
        rng=rng,
        progress=progress,
    )
    inputs = resolve_columns(
        data, columns, n_items=3, item_names=_SCI_ITEMS, by=by, weights=weights
    )
    segments = View(bins=segment.astype(np.intp), n_bins=len(SCI_SEGMENTS))
    return run_index(
        spec, inputs, scales_, np.where(secure, 100.0, 0.0), options, {"segments": segments}
    )
