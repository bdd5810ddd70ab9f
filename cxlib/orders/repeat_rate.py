"""The repeat purchase rate's estimate from the purchases of each customer.

Shared by the pandas path (:mod:`cxlib.orders.repeat_purchases`) and the engine path
(:mod:`cxlib.orders.engine_purchases`), which count the purchases differently.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.results import Estimate
from ..core.statistics import summarise
from .inference import Clusters, Context, FloatArray, Options, infer, sum_by_group

__all__ = ["infer_repeat_rate"]


def infer_repeat_rate(
    clusters: Clusters,
    purchases: npt.NDArray[np.int64] | FloatArray,
    spend: FloatArray | None,
    options: Options,
    od: Context,
) -> Estimate | pd.DataFrame:
    """The repeat purchase rate from its clusters (0/100 per customer), the purchases per
    customer and, with revenue, each customer's spend (the revenue components)."""
    sums = summarise(np.stack([clusters.y, clusters.x]), clusters.group, clusters.n_groups)
    extra: dict[str, Any] = {}
    if spend is not None:
        extra["revenue"] = sum_by_group(spend, clusters.group, clusters.n_groups)
        extra["repeat_revenue"] = sum_by_group(
            np.where(purchases > 1, spend, 0.0), clusters.group, clusters.n_groups
        )
    return infer(
        clusters,
        metric="repeat_purchase_rate",
        label="Repeat purchase rate",
        options=options,
        share=True,
        od=od,
        components={"n_repeat_customers": np.rint(sums.total(0) / 100.0).astype(np.int64), **extra},
        n_units=np.rint(sums.total(1)),
    )
