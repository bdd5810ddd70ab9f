"""Does the effect differ by segment? Per-segment effects, their heterogeneity, and
false-discovery control across segments.

Scanning dozens of segments (device, country, new vs returning) for the one where a
variant "works" finds one by chance. :func:`segment_scan` compares every variant with
the control in each segment, adjusts the per-segment p-values across all segments
(Benjamini-Hochberg by default), and tests whether the effects differ at all with
Cochran's Q (Cochran 1954): with per-segment differences :math:`d_i`, standard errors
:math:`s_i` and weights :math:`w_i = 1 / s_i^2`,

.. math::

    \\bar d = \\frac{\\sum w_i d_i}{\\sum w_i}, \\qquad
    Q = \\sum w_i (d_i - \\bar d)^2 \\sim \\chi^2_{k - 1},

with :math:`I^2 = \\max(0, (Q - (k - 1)) / Q)` the share of the spread beyond chance
(Higgins & Thompson 2002) and :math:`\\tau^2` the DerSimonian-Laird (1986) between-
segment variance. :math:`\\bar d` is the fixed-effect (inverse-variance) pooled
difference, with the standard error :math:`1 / \\sqrt{\\sum w_i}`.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ..core.errors import DegenerateDataWarning
from ..core.grouping import normalise_by
from ..core.results import Result
from ..core.validation import check_confidence_level
from .multiplicity import PVALUE_ADJUSTMENTS, PValueAdjustment

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["SegmentScan", "segment_scan"]


@dataclass(frozen=True)
class SegmentScan(Result):
    """Per-segment comparisons and the heterogeneity of the effect, per variant.

    Attributes
    ----------
    segments : pandas.DataFrame
        The frame of :func:`cxlib.ab.compare` by segment, with ``p_value_adjusted``
        (across all rows) and ``significant`` (adjusted p-value below ``1 - level``).
    heterogeneity : pandas.DataFrame
        One row per variant: ``n_segments`` (those with a standard error, used),
        ``n_segments_excluded``, the pooled difference ``pooled``, its ``pooled_se``,
        ``pooled_ci_low``, ``pooled_ci_high``, ``q``, ``df``, ``p_value`` (of Q),
        ``i2`` and ``tau2``.
    group : str
        The arm column.
    by : tuple of str
        The segment columns.
    adjust : str
        The p-value adjustment across segments.
    confidence_level : float
        Coverage of the intervals; the adjusted p-values are read at ``1 - level``.
    """

    segments: pd.DataFrame
    heterogeneity: pd.DataFrame
    group: str
    by: tuple[str, ...]
    adjust: str
    confidence_level: float

    def to_frame(self) -> pd.DataFrame:
        """The per-variant heterogeneity table (the segments are :attr:`segments`)."""
        return self.heterogeneity.copy()

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """The forest plot of the segments' lifts, significant ones (adjusted) marked
        (:func:`cxlib.plotting.lift_forest`)."""
        from ..plotting import lift_forest

        kwargs.setdefault("confidence_level", self.confidence_level)
        return lift_forest(self.segments, ax=ax, **kwargs)

    def __str__(self) -> str:
        lines = [f"Segment scan by {', '.join(self.by)} ({self.adjust} across segments)"]
        for row in self.heterogeneity.to_dict("records"):
            variant = row[self.group]
            found = int(
                self.segments.loc[self.segments[self.group] == variant, "significant"].sum()
            )
            lines.append(
                f"  {variant}: {found} of {row['n_segments']} segments significant; "
                f"heterogeneity Q = {row['q']:.2f} on {row['df']} df, "
                f"p = {row['p_value']:.3g}, I2 = {100 * row['i2']:.0f}%"
            )
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        title = html.escape(str(self)).replace("\n", "<br>")
        return f"<div><strong>{title}</strong>{self.heterogeneity.to_html(index=False)}</div>"


def _heterogeneity(segments: pd.DataFrame, group: str, level: float) -> pd.DataFrame:
    """Cochran's Q, I2, tau2 and the pooled difference per variant, without a loop."""
    se = segments["se"].to_numpy(dtype=np.float64)
    d = segments["difference"].to_numpy(dtype=np.float64)
    used = np.isfinite(d) & np.isfinite(se) & (se > 0)
    w = np.where(used, 1.0 / np.where(used, se, 1.0) ** 2, 0.0)
    keys = segments[group]
    sums = pd.DataFrame({"w": w, "wd": w * np.where(used, d, 0.0), "k": used, "all": 1})
    per = sums.groupby(keys.to_numpy(), sort=False).sum()
    pooled = per["wd"] / per["w"]
    # Q from deviations about the pooled value: centred, not sum(w d^2) - (sum w d)^2 / sum w.
    deviation = np.where(used, d - pooled.reindex(keys.to_numpy()).to_numpy(), 0.0)
    q = pd.Series(w * deviation**2).groupby(keys.to_numpy(), sort=False).sum()
    w2 = pd.Series(w**2).groupby(keys.to_numpy(), sort=False).sum()
    k = per["k"].astype(np.int64)
    df = (k - 1).clip(lower=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        i2 = np.where(q > 0, np.maximum(0.0, (q - df) / q), 0.0)
        c = per["w"] - w2 / per["w"]
        tau2 = np.where(c > 0, np.maximum(0.0, (q - df) / c), 0.0)
        pooled_se = 1.0 / np.sqrt(per["w"])
    z = float(special.ndtri(0.5 + level / 2.0))
    p = np.where(df > 0, stats.chi2.sf(q, np.maximum(df, 1)), np.nan)
    return pd.DataFrame(
        {
            group: per.index,
            "n_segments": k.to_numpy(),
            "n_segments_excluded": (per["all"] - k).to_numpy().astype(np.int64),
            "pooled": pooled.to_numpy(),
            "pooled_se": np.asarray(pooled_se),
            "pooled_ci_low": (pooled - z * pooled_se).to_numpy(),
            "pooled_ci_high": (pooled + z * pooled_se).to_numpy(),
            "q": q.to_numpy(),
            "df": df.to_numpy(),
            "p_value": p,
            "i2": np.where(df > 0, i2, np.nan),
            "tau2": np.where(df > 0, tau2, np.nan),
        }
    )


def segment_scan(
    data: Any,
    *,
    group: str,
    control: Any,
    metric: Any,
    by: str | list[str],
    adjust: PValueAdjustment = "fdr_bh",
    confidence_level: float = 0.95,
    **options: Any,
) -> SegmentScan:
    """Compare every variant with the control in each segment, and test whether the
    effect differs between segments.

    Parameters
    ----------
    data : DataFrame
        As in :func:`cxlib.ab.compare` (pandas or a frame of another engine).
    group, control, metric : str, scalar, metric
        As in :func:`cxlib.ab.compare`.
    by : str or list of str
        The segment column(s) to scan.
    adjust : {"fdr_bh", "fdr_by", "holm", "bonferroni", "sidak", "hochberg"}, \
default "fdr_bh"
        Correction of the per-segment p-values across all segments and variants
        (Benjamini-Hochberg controls the false-discovery rate).
    confidence_level : float, default 0.95
        Coverage of the intervals; a segment is ``significant`` when its adjusted
        p-value is below ``1 - confidence_level``.
    **options
        Other keywords of :func:`cxlib.ab.compare` (``ci_method``, ``covariate``,
        ``nan_policy``, ``sequential``, ...).

    Returns
    -------
    SegmentScan
        ``segments`` (one row per segment and variant) and ``heterogeneity`` (one row
        per variant: Cochran's Q and its p-value, I2, tau2 and the pooled difference).

    Raises
    ------
    ValueError
        When a segment has no control or no variant units: its effect cannot be
        estimated (drop or merge such segments first).

    Examples
    --------
    >>> import cxlib as cx
    >>> import pandas as pd
    >>> visits = pd.DataFrame({
    ...     "arm": ["A", "B"] * 3,
    ...     "device": ["web", "web", "app", "app", "tablet", "tablet"],
    ...     "conversions": [400, 480, 300, 310, 100, 160],
    ...     "visitors": [10_000, 10_000, 8_000, 8_000, 3_000, 3_000]})
    >>> scan = cx.ab.segment_scan(visits, group="arm", control="A",
    ...     metric=cx.ab.Proportion("conversions", "visitors"), by="device")
    >>> scan.segments[["device", "lift", "p_value_adjusted", "significant"]].round(3)
       device   lift  p_value_adjusted  significant
    0     app  0.033             0.680        False
    1  tablet  0.600             0.000         True
    2     web  0.200             0.009         True
    >>> row = scan.heterogeneity.iloc[0]
    >>> int(row["df"]), round(float(row["q"]), 2), round(float(row["p_value"]), 3)
    (2, 9.85, 0.007)
    """
    from .frame import compare

    level = check_confidence_level(confidence_level)
    if adjust not in PVALUE_ADJUSTMENTS:
        raise ValueError(f"adjust must be one of {list(PVALUE_ADJUSTMENTS)}; got {adjust!r}")
    names = [str(b) for b in normalise_by(by)]
    if "adjust" in options or "time" in options:
        raise TypeError("segment_scan sets adjust= itself and takes no time=")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = compare(
            data, group=group, control=control, metric=metric, by=names, adjust=adjust,
            confidence_level=level, **options,
        )  # fmt: skip
    for warning in caught:
        if issubclass(warning.category, DegenerateDataWarning) and "no control" in str(
            warning.message
        ):
            continue  # named below, as an error
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    _check_complete(table, group, names)
    table = table.assign(significant=table["p_value_adjusted"] < 1 - level)
    return SegmentScan(
        segments=table,
        heterogeneity=_heterogeneity(table, group, level),
        group=group,
        by=tuple(names),
        adjust=adjust,
        confidence_level=level,
    )


def _check_complete(table: pd.DataFrame, group: str, names: list[str]) -> None:
    """Every segment has the control and every variant, each with units."""
    keys = table[names].astype(str).agg(" · ".join, axis=1)
    no_units = (
        table["n_control"].isna()
        | table["n_variant"].isna()
        | (table["n_control"] == 0)
        | (table["n_variant"] == 0)
    )
    variants = table[group].unique()
    present = pd.crosstab(keys, table[group]).reindex(columns=variants, fill_value=0)
    missing_variant = present.index[(present == 0).any(axis=1)]
    empty = sorted(set(keys[no_units.to_numpy()]) | set(missing_variant))
    if empty:
        shown = ", ".join(repr(e) for e in empty[:10])
        raise ValueError(
            f"by={names!r}: segment(s) {shown} have an arm without units (no control or no "
            "variant), so their effect cannot be estimated; drop or merge them"
        )
