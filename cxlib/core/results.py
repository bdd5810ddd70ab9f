"""Result objects: a confidence interval, an estimate, and a comparison of two estimates."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = ["Comparison", "ConfidenceInterval", "Estimate", "estimate_from_columns"]


class ConfidenceInterval(NamedTuple):
    """Lower and upper bound of a confidence interval."""

    low: float
    high: float


def _frozen(mapping: Mapping[str, float] | None) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping or {}))


def _fmt(x: float, digits: int = 1, sign: bool = False) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return ("+" if sign and x > 0 else "") + ("inf" if x > 0 else "-inf")
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def _digits(ci: ConfidenceInterval) -> int:
    """Decimals that show an interval of this width with about two significant digits."""
    width = ci.high - ci.low
    if not math.isfinite(width) or width <= 0:
        return 1
    return min(6, max(1, math.ceil(-math.log10(width)) + 1))


def _level(confidence_level: float) -> str:
    return f"{confidence_level * 100:g}%"


def html_rows(title: str, fields: Mapping[Any, Any]) -> str:
    """A titled two-column HTML table: one row per field, name and value."""
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
        f"<td style='text-align:right'>{html.escape(_cell(v))}</td></tr>"
        for k, v in fields.items()
    )
    return (
        f"<div><strong>{html.escape(title)}</strong>"
        f"<table class='cxlib-result'>{rows}</table></div>"
    )


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, tuple):
        return ", ".join(_cell(x) for x in v)
    return str(v)


@dataclass(frozen=True)
class Estimate:
    """An index estimated from data, with its uncertainty.

    Attributes
    ----------
    metric : str
        Identifier of the index, e.g. ``"nps"``.
    value : float
        The estimate on the index's conventional scale (NPS in points, -100 to 100).
    se : float
        Standard error of ``value``, on the same scale.
    ci : ConfidenceInterval
        Confidence interval ``(low, high)`` for the index.
    confidence_level : float
        Coverage the interval was built for, e.g. 0.95.
    ci_method : str
        How the interval was computed, e.g. ``"score"``.
    n : int
        Number of answers (units) the estimate uses.
    n_missing : int
        Number of missing answers that were omitted (or propagated).
    components : Mapping[str, float]
        Index-specific parts, e.g. counts and percentages of promoters.
    label : str
        Display name used in the text and HTML representations.
    """

    metric: str
    value: float
    se: float
    ci: ConfidenceInterval
    confidence_level: float
    ci_method: str
    n: int
    n_missing: int = 0
    components: Mapping[str, float] = field(default_factory=dict)
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", _frozen(self.components))
        object.__setattr__(self, "ci", ConfidenceInterval(*self.ci))

    def __float__(self) -> float:
        return float(self.value)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy DataFrame with the columns of a grouped result."""
        row: dict[str, Any] = {
            "metric": self.metric,
            "value": self.value,
            "se": self.se,
            "ci_low": self.ci.low,
            "ci_high": self.ci.high,
            "n": self.n,
            "n_missing": self.n_missing,
        }
        row.update(self.components)
        frame: pd.DataFrame = pd.DataFrame([row])
        return frame

    def __str__(self) -> str:
        name = self.label or self.metric
        missing = f", {self.n_missing:,} missing" if self.n_missing else ""
        d = _digits(self.ci)
        return (
            f"{name} {_fmt(self.value, d)} ({_level(self.confidence_level)} CI "
            f"{_fmt(self.ci.low, d)} to {_fmt(self.ci.high, d)}, {self.ci_method}) "
            f"· n = {self.n:,}{missing}"
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return html_rows(str(self), dict(self.to_frame().iloc[0].items()))


@dataclass(frozen=True)
class Comparison:
    """A comparison of two estimates of the same metric (``a`` minus ``b``).

    Attributes
    ----------
    metric : str
        Identifier of the compared index, e.g. ``"nps"``.
    difference : float
        ``a - b`` on the index's scale (NPS points, percentage points of a rate).
    se : float
        Standard error of ``difference``.
    difference_ci : ConfidenceInterval
        Confidence interval of the difference (one-sided for one-sided alternatives).
    statistic : float
        Test statistic of the null hypothesis of no difference.
    p_value : float
        p-value of that test for ``alternative``.
    confidence_level : float
        Coverage of the interval.
    method : str
        How the interval and the test were computed.
    alternative : str
        ``"two-sided"``, ``"less"`` (a < b) or ``"greater"`` (a > b).
    estimates : tuple of Estimate, optional
        The two compared estimates, ``(a, b)``.
    lift : float, optional
        Relative difference ``(a - b) / |b|`` as a fraction, where defined.
    lift_ci : ConfidenceInterval, optional
        Confidence interval of ``lift``.
    label : str
        Display name used in the text and HTML representations.
    unit : str
        Unit of the difference in the text representation, e.g. ``"points"``.
    test : str
        The test behind ``statistic`` and ``p_value`` when it is not implied by
        ``method``, e.g. ``"welch t"`` or ``"fisher"``.
    names : tuple of str
        Names of the two sides in :meth:`to_frame` (``value_a``, ``n_a``, ...); the A/B
        comparisons use ``("variant", "control")``.
    """

    metric: str
    difference: float
    se: float
    difference_ci: ConfidenceInterval
    statistic: float
    p_value: float
    confidence_level: float
    method: str
    alternative: str = "two-sided"
    estimates: tuple[Estimate, Estimate] | None = None
    lift: float | None = None
    lift_ci: ConfidenceInterval | None = None
    label: str = ""
    unit: str = ""
    test: str = ""
    names: tuple[str, str] = ("a", "b")

    def __post_init__(self) -> None:
        object.__setattr__(self, "difference_ci", ConfidenceInterval(*self.difference_ci))
        if self.lift_ci is not None:
            object.__setattr__(self, "lift_ci", ConfidenceInterval(*self.lift_ci))

    def __float__(self) -> float:
        return float(self.difference)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy DataFrame of the comparison."""
        row: dict[str, Any] = {
            "metric": self.metric,
            "difference": self.difference,
            "se": self.se,
            "ci_low": self.difference_ci.low,
            "ci_high": self.difference_ci.high,
            "statistic": self.statistic,
            "p_value": self.p_value,
        }
        if self.test:
            row["test"] = self.test
        if self.lift is not None:
            row["lift"] = self.lift
            low, high = self.lift_ci if self.lift_ci is not None else (math.nan, math.nan)
            row["lift_ci_low"], row["lift_ci_high"] = low, high
        if self.estimates is not None:
            (a, b), (name_a, name_b) = self.estimates, self.names
            row.update(
                {
                    f"value_{name_a}": a.value,
                    f"value_{name_b}": b.value,
                    f"n_{name_a}": a.n,
                    f"n_{name_b}": b.n,
                }
            )
        frame: pd.DataFrame = pd.DataFrame([row])
        return frame

    def __str__(self) -> str:
        name = self.label or self.metric
        unit = f" {self.unit}" if self.unit else ""
        p = self.p_value
        p_text = "p = nan" if math.isnan(p) else ("p < 0.001" if p < 0.001 else f"p = {p:.3f}")
        if self.test:
            p_text += f" ({self.test})"
        d = _digits(self.difference_ci)
        lift = ""
        if self.lift is not None and self.lift_ci is not None:
            low, high = self.lift_ci
            interval = (
                "interval undefined"
                if math.isnan(low) or math.isnan(high)
                else f"{_fmt(100 * low, 1, sign=True)}% to {_fmt(100 * high, 1, sign=True)}%"
            )
            lift = f" · lift {_fmt(100 * self.lift, 1, sign=True)}% ({interval})"
        return (
            f"{name} difference {_fmt(self.difference, d, sign=True)}{unit} "
            f"({_level(self.confidence_level)} CI {_fmt(self.difference_ci.low, d, sign=True)} "
            f"to {_fmt(self.difference_ci.high, d, sign=True)}, {self.method}){lift} · {p_text}"
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return html_rows(str(self), dict(self.to_frame().iloc[0].items()))


_BASE_COLUMNS = ("metric", "value", "se", "ci_low", "ci_high", "n", "n_missing")


def estimate_from_columns(
    columns: Mapping[str, Any], label: str, confidence_level: float, ci_method: str
) -> Estimate:
    """The :class:`Estimate` of a one-group result given as tidy columns (arrays)."""

    def scalar(v: Any) -> float | int:
        item = np.asarray(v).ravel()[0]
        return int(item) if np.issubdtype(np.asarray(v).dtype, np.integer) else float(item)

    return Estimate(
        metric=str(columns["metric"]),
        value=float(scalar(columns["value"])),
        se=float(scalar(columns["se"])),
        ci=ConfidenceInterval(float(scalar(columns["ci_low"])), float(scalar(columns["ci_high"]))),
        confidence_level=confidence_level,
        ci_method=ci_method,
        n=int(scalar(columns["n"])),
        n_missing=int(scalar(columns["n_missing"])),
        components={k: scalar(v) for k, v in columns.items() if k not in _BASE_COLUMNS},
        label=label,
    )
