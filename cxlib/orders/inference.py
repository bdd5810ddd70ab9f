"""Inference shared by the order metrics: clusters of orders, shares and ratios.

Every order metric is a ratio of sums over *clusters* (a customer with all their
orders, or a single guest order): purchase frequency, average order value and the
shares of customers (repeat purchase, repurchase, upsell, retention, churn). This
module builds the clusters from an :class:`~cxlib.orders.table.OrderData`, and turns
them into an :class:`~cxlib.core.results.Estimate` (or a tidy frame with ``by=``): the
delta method for the standard error from centred co-moments
(:mod:`cxlib.core.statistics`), binomial intervals for shares, or a bootstrap that
resamples clusters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.bootstrap import (
    BOOTSTRAP_METHODS,
    BootstrapMethod,
    rows_acceleration,
    rows_replicates,
)
from ..core.grouping import Groups, dense_rank
from ..core.inference import assemble, check_interval, replicate_interval, warn_degenerate
from ..core.intervals import PROPORTION_CI_METHODS, ProportionCIMethod, normal_quantile
from ..core.intervals import proportion_interval as _proportion_interval
from ..core.progress import check_progress
from ..core.repeats import repeats
from ..core.results import Estimate
from ..core.statistics import ratio_estimates
from ..core.studentized import ratio_t_replicates, studentized_interval
from ..core.validation import (
    NanPolicy,
    as_generator,
    check_choice,
    check_confidence_level,
    check_n_resamples,
    show_values,
)
from .coverage import warn_coverage
from .docs import (  # re-exported: the metrics import them from here
    COMMON_DOC,
    NAN_POLICY_DOC,
    OPTIONAL_DOC,
    RATIO_METHODS_DOC,
    REVENUE_DOC,
    fill_docs,
)
from .table import OrderData

__all__ = [
    "COMMON_DOC",
    "NAN_POLICY_DOC",
    "OPTIONAL_DOC",
    "RATIO_METHODS",
    "RATIO_METHODS_DOC",
    "REVENUE_DOC",
    "SHARE_METHODS",
    "Clusters",
    "Context",
    "Options",
    "RatioCIMethod",
    "ShareCIMethod",
    "count_customers",
    "customer_clusters",
    "customer_groups",
    "customer_orders",
    "customer_revenue",
    "distinct_customers",
    "fill_docs",
    "infer",
    "infer_share",
    "mixed_groups_error",
    "order_clusters",
    "read_options",
    "sum_by_group",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
RatioCIMethod = Literal["bootstrap-t", "delta", "percentile", "basic", "bca"]
ShareCIMethod = ProportionCIMethod | Literal["delta", "percentile", "basic", "bca"]
RATIO_METHODS: tuple[RatioCIMethod, ...] = ("bootstrap-t", "delta", *BOOTSTRAP_METHODS)
SHARE_METHODS: tuple[ShareCIMethod, ...] = (*PROPORTION_CI_METHODS, "delta", *BOOTSTRAP_METHODS)
#: What :func:`read_options` returns: ci_method, confidence_level, n_resamples, rng,
#: progress.
Options = tuple[str, float, int, np.random.Generator, bool]


class Context(Protocol):
    """What inference needs to know of the orders beside the clusters.

    An :class:`~cxlib.orders.table.OrderData` (pandas) or the summary of an engine's
    order table: the groups of ``by=``, the unreadable rows per group, the policy.
    """

    @property
    def groups(self) -> Groups | None: ...

    @property
    def n_missing(self) -> npt.NDArray[np.int64]: ...

    @property
    def nan_policy(self) -> NanPolicy: ...


@dataclass(frozen=True)
class Clusters:
    """Totals ``y`` and ``x`` of every cluster, and the group of each cluster."""

    y: FloatArray
    x: FloatArray
    group: npt.NDArray[np.intp] | None
    n_groups: int


def customer_orders(od: OrderData) -> npt.NDArray[np.int64]:
    ident = od.customer >= 0
    counts: npt.NDArray[np.int64] = np.bincount(od.customer[ident], minlength=od.n_customers)
    return counts


def customer_groups(od: OrderData, metric: str) -> npt.NDArray[np.intp] | None:
    """The group of each customer; customer-level metrics need one group per customer."""
    if od.groups is None:
        return None
    ident = od.customer >= 0
    cust, codes = od.customer[ident], od.groups.codes[ident].astype(np.intp)
    low = np.full(od.n_customers, np.iinfo(np.intp).max)
    high = np.full(od.n_customers, -1)
    np.minimum.at(low, cust, codes)
    np.maximum.at(high, cust, codes)
    mixed = low != high
    if mixed.any():
        raise mixed_groups_error(metric, int(mixed.sum()), od.customer_ids[np.flatnonzero(mixed)])
    return low


def mixed_groups_error(metric: str, n_mixed: int, ids: Any) -> ValueError:
    """The error for customers whose orders fall in several groups of ``by=``."""
    return ValueError(
        f"{metric} is a customer-level metric, but the by= column(s) take several "
        f"values for {n_mixed} customer(s), e.g. customer ids {show_values(ids[:5])}; "
        "group by a customer attribute"
    )


def order_clusters(od: OrderData, y_of_order: FloatArray) -> Clusters:
    """Clusters of orders: (group, customer) pairs and single guest orders."""
    guest = od.customer < 0
    base = od.n_customers + int(guest.sum())
    cluster = od.customer.copy()
    # Guest orders have no id: number them by value so that row order is moot (a guest
    # cluster is its value alone, so orders of equal value are interchangeable), and an
    # engine's table of guest orders counted per value gives the same clusters.
    guest_rows = np.flatnonzero(guest)
    canonical = guest_rows[np.argsort(y_of_order[guest_rows], kind="stable")]
    cluster[canonical] = od.n_customers + np.arange(len(canonical))
    n_groups = 1 if od.groups is None else od.groups.n_groups
    group = None
    if od.groups is not None:
        key = od.groups.codes.astype(np.int64) * base + cluster
        uniq, cluster = dense_rank(key)
        group = (uniq // base).astype(np.intp)
        base = len(uniq)
    y = np.bincount(cluster, weights=y_of_order, minlength=base).astype(np.float64)
    x = np.bincount(cluster, minlength=base).astype(np.float64)
    return Clusters(y=y, x=x, group=group, n_groups=n_groups)


def infer(
    clusters: Clusters,
    *,
    metric: str,
    label: str,
    options: Options,
    share: bool,
    od: Context,
    components: dict[str, Any],
    n_units: FloatArray,
    empty_reason: str = "no customers or orders to count",
) -> Estimate | pd.DataFrame:
    """Estimate, interval and warnings of a metric from its clusters.

    ``options`` is what :func:`read_options` returns.
    """
    ci_method, confidence_level, n_resamples, rng, progress = options
    sums, value, variance = ratio_estimates(
        clusters.y, clusters.x, clusters.group, clusters.n_groups
    )
    se = np.sqrt(variance)
    if ci_method in BOOTSTRAP_METHODS:
        method: BootstrapMethod = check_choice("ci_method", ci_method, BOOTSTRAP_METHODS)
        scores = clusters.y / clusters.x
        reps = rows_replicates(
            scores,
            clusters.x,
            clusters.group,
            clusters.n_groups,
            n_resamples,
            rng,
            progress=progress,
        )
        accel = (
            rows_acceleration(scores, clusters.x, clusters.group, clusters.n_groups)
            if method == "bca"
            else None
        )
        low, high = replicate_interval(reps, value, method, confidence_level, accel)
    elif ci_method == "bootstrap-t":
        t = ratio_t_replicates(
            clusters.y,
            clusters.x,
            clusters.group,
            clusters.n_groups,
            value,
            n_resamples,
            rng,
            progress=progress,
        )
        low, high = studentized_interval(t, value, se, confidence_level)
    elif ci_method == "delta":
        half = normal_quantile(0.5 + confidence_level / 2.0) * se
        low, high = value - half, value + half
    else:
        p_low, p_high = _proportion_interval(
            ci_method,  # type: ignore[arg-type]
            value / 100.0,
            n_units,
            confidence_level,
        )
        low, high = p_low * 100.0, p_high * 100.0
    if share:
        low, high = np.clip(low, 0.0, 100.0), np.clip(high, 0.0, 100.0)
    elif metric != "average_order_value" or (clusters.y >= 0).all():
        low = np.maximum(low, 0.0)  # counts and non-negative revenue
    # Groups without clusters are left out of a grouped result; only the data as a
    # whole can be empty.
    present = np.ones(len(value), dtype=bool) if od.groups is None else sums.n > 0
    if od.groups is None and not np.isfinite(value).all():
        warn_degenerate(f"the {label.lower()} is undefined (NaN): {empty_reason}")
    check_interval(
        value,
        low,
        high,
        ci_method=ci_method,
        analytic=ci_method not in BOOTSTRAP_METHODS,
        where_undefined="{k} group(s)" if od.groups is not None else "the data",
        why_undefined="too few customers",
        why_collapsed="whose customers all agree",
        shown=present,
    )
    if not share:
        warn_coverage(
            clusters.y,
            clusters.x,
            clusters.group,
            clusters.n_groups,
            value,
            sums.n,
            ci_method=ci_method,
            confidence_level=confidence_level,
            grouped=od.groups is not None,
            shown=present,
            units="customers",
        )
    if od.nan_policy == "propagate":
        unread = od.n_missing > 0
        value, se, low, high = (np.where(unread, np.nan, v) for v in (value, se, low, high))
    columns: dict[str, Any] = {
        "metric": metric,
        "value": value,
        "se": se,
        "ci_low": low,
        "ci_high": high,
        "n": np.rint(n_units).astype(np.int64),
        "n_missing": od.n_missing,
        **components,
    }
    return assemble(
        columns,
        keys=None if od.groups is None else od.groups.keys,
        label=label,
        confidence_level=confidence_level,
        ci_method=ci_method,
        # Groups without orders in the window are no groups, unless rows of theirs were
        # unreadable: they are shown with their n_missing.
        keep=(sums.n > 0) | (od.n_missing > 0),
    )


def read_options(
    ci_method: object,
    allowed: Sequence[str],
    confidence_level: object,
    n_resamples: object,
    rng: object,
    progress: object = False,
) -> Options:
    method = check_choice("ci_method", ci_method, tuple(allowed))
    return (
        method,
        check_confidence_level(confidence_level),
        check_n_resamples(n_resamples),
        as_generator(rng),
        check_progress(progress),
    )


def distinct_customers(od: OrderData, n_groups: int) -> npt.NDArray[np.int64]:
    """Identified customers with an order in the window, per group of orders."""
    ident = od.customer >= 0
    if od.groups is None:
        return np.array([od.n_customers], dtype=np.int64)
    group = np.compress(ident, od.groups.codes).astype(np.int64)
    # Distinct (group, customer) pairs: the orders less those that repeat a pair.
    counts: npt.NDArray[np.int64] = np.bincount(group, minlength=n_groups)
    key = group * od.n_customers + np.compress(ident, od.customer)
    counts -= np.bincount((repeats(key) // od.n_customers).astype(np.intp), minlength=n_groups)
    return counts


def customer_clusters(od: OrderData, y: FloatArray, metric: str) -> Clusters:
    group = customer_groups(od, metric)
    n_groups = 1 if od.groups is None else od.groups.n_groups
    return Clusters(y=y, x=np.ones(od.n_customers), group=group, n_groups=n_groups)


def customer_revenue(od: OrderData, orders: BoolArray | None = None) -> FloatArray:
    """Revenue of each identified customer's orders (of the orders of ``orders``)."""
    assert od.revenue is not None
    use = od.customer >= 0
    if orders is not None:
        use &= orders
    total: FloatArray = np.bincount(
        od.customer[use], weights=od.revenue[use], minlength=od.n_customers
    ).astype(np.float64)
    return total


def sum_by_group(
    values: FloatArray, group: npt.NDArray[np.intp] | None, n_groups: int
) -> FloatArray:
    """Sum of ``values`` (one per customer or order) per group."""
    g = np.zeros(len(values), dtype=np.intp) if group is None else group
    total: FloatArray = np.bincount(g, weights=values, minlength=n_groups).astype(np.float64)
    return total


def count_customers(
    flag: BoolArray, group: npt.NDArray[np.intp] | None, n_groups: int
) -> npt.NDArray[np.int64]:
    """Number of customers with ``flag`` per group."""
    g = np.zeros(len(flag), dtype=np.intp) if group is None else group
    counts: npt.NDArray[np.int64] = np.bincount(g[flag], minlength=n_groups).astype(np.int64)
    return counts


def infer_share(
    od: Context,
    group: npt.NDArray[np.intp] | None,
    success: BoolArray,
    eligible: BoolArray,
    *,
    metric: str,
    label: str,
    options: Options,
    components: dict[str, Any],
    empty_reason: str,
) -> Estimate | pd.DataFrame:
    """Share (percent) of eligible customers with ``success``: one cluster per customer.

    ``group`` is each customer's group (from :func:`customer_groups`), None ungrouped.
    """
    n_groups = 1 if od.groups is None else od.groups.n_groups
    y = np.where(success[eligible], 100.0, 0.0)
    clusters = Clusters(
        y=y,
        x=np.ones(len(y)),
        group=None if group is None else group[eligible],
        n_groups=n_groups,
    )
    return infer(
        clusters,
        metric=metric,
        label=label,
        options=options,
        share=True,
        od=od,
        components=components,
        n_units=count_customers(eligible, group, n_groups).astype(np.float64),
        empty_reason=empty_reason,
    )
