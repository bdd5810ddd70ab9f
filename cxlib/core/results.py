"""Result objects: a confidence interval, an estimate, and a comparison of two estimates.

Every result type of cxlib derives from :class:`Result`: it has ``to_frame()``,
``to_dict()`` (JSON-safe), an HTML representation for notebooks, and it pickles and
deep-copies.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from .display import fmt, format_interval, html_rows, json_safe, level_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "Comparison",
    "ConfidenceInterval",
    "Estimate",
    "Result",
    "estimate_from_columns",
    "html_rows",
]


class ConfidenceInterval(NamedTuple):
    """Lower and upper bound of a confidence interval."""

    low: float
    high: float


def _frozen(mapping: Mapping[str, float] | None) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping or {}))


def _thaw(value: Any) -> Any:
    """A read-only mapping as a plain dict (which pickles), anything else unchanged."""
    return dict(value) if isinstance(value, MappingProxyType) else value


def _rebuild(cls: type[Any], kwargs: dict[str, Any]) -> Any:
    return cls(**kwargs)


# Kept under their former names for the modules that import them.
_fmt = fmt
_level = level_text


class Result:
    """Behaviour shared by cxlib's result types (frozen dataclasses).

    - :meth:`to_dict`: the attributes as JSON-safe values (NaN and infinities as None,
      tuples as lists, numpy scalars as Python numbers);
    - :meth:`to_frame`: a tidy :class:`pandas.DataFrame` (each type defines it);
    - ``_repr_html_``: the text representation over a table of :meth:`to_frame`'s first
      row, for notebooks;
    - pickling and :func:`copy.deepcopy`, which rebuild the object from its attributes
      (its read-only mappings are passed as dicts and frozen again).
    """

    __slots__ = ()

    def _attributes(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """The attributes as a dict of JSON-safe values (``json.dumps`` accepts it).

        NaN and infinite numbers become None, tuples (intervals) lists and nested
        results dicts; the confidence level and the interval method are kept.
        """
        out: dict[str, Any] = json_safe(self._attributes())
        return out

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - every result defines it
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return html_rows(str(self), dict(self.to_frame().iloc[0].items()))

    def __reduce__(self) -> tuple[Any, ...]:
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        kwargs = {f.name: _thaw(getattr(self, f.name)) for f in fields if f.init}
        return _rebuild, (type(self), kwargs)


@dataclass(frozen=True)
class Estimate(Result):
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

    def confidence_interval(self) -> ConfidenceInterval:
        """The confidence interval ``(low, high)`` of :attr:`value` (same as :attr:`ci`)."""
        return self.ci

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy DataFrame: the columns of a grouped result, then
        ``confidence_level`` and ``ci_method``."""
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
        row["confidence_level"] = self.confidence_level
        row["ci_method"] = self.ci_method
        frame: pd.DataFrame = pd.DataFrame([row])
        return frame

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Draw the estimate: an NPS as :func:`cxlib.plotting.nps_breakdown` (its
        detractors, passives and promoters), any other index as
        :func:`cxlib.plotting.estimates` (a dot with its interval's whisker).

        ``kwargs`` go to that function (``title``, ``label``...). Needs matplotlib.

        Examples
        --------
        >>> import cxlib as cx
        >>> ax = cx.nps(cx.datasets.make_survey(300, rng=1), "recommend").plot()
        >>> ax.get_xlabel()
        'Share of answers (%)'
        """
        from ..plotting import estimates, nps_breakdown  # matplotlib only when drawing

        if self.metric == "nps" and "pct_promoters" in self.components:
            return nps_breakdown(self, ax=ax, **kwargs)
        return estimates(self, ax=ax, **kwargs)

    def __str__(self) -> str:
        name = self.label or self.metric
        missing = f", {self.n_missing:,} missing" if self.n_missing else ""
        value, low, high = format_interval(self.value, *self.ci)
        return (
            f"{name} {value} ({level_text(self.confidence_level)} CI "
            f"{low} to {high}, {self.ci_method}) · n = {self.n:,}{missing}"
        )

    __repr__ = __str__


@dataclass(frozen=True)
class Comparison(Result):
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
        How the interval and the test were computed (also available as
        :attr:`ci_method`, the name :meth:`to_frame` and :meth:`to_dict` use).
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

    @property
    def ci_method(self) -> str:
        """How the intervals and the test were computed (:attr:`method`)."""
        return self.method

    def confidence_interval(
        self, of: Literal["difference", "lift"] = "difference"
    ) -> ConfidenceInterval:
        """The confidence interval of the difference (default) or of the lift."""
        if of == "difference":
            return self.difference_ci
        if of == "lift" and self.lift_ci is not None:
            return self.lift_ci
        if of == "lift":
            raise ValueError("this comparison has no lift (and no lift interval)")
        raise ValueError(f"of must be 'difference' or 'lift'; got {of!r}")

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy DataFrame of the comparison, with ``confidence_level``,
        ``ci_method`` and ``alternative``."""
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
                    f"n_missing_{name_a}": a.n_missing,
                    f"n_missing_{name_b}": b.n_missing,
                }
            )
        row["confidence_level"] = self.confidence_level
        row["ci_method"] = self.method
        row["alternative"] = self.alternative
        frame: pd.DataFrame = pd.DataFrame([row])
        return frame

    def to_dict(self) -> dict[str, Any]:
        """The attributes as JSON-safe values (see :meth:`Result.to_dict`); the interval
        method under the key ``ci_method``."""
        attributes = self._attributes()
        attributes = {("ci_method" if k == "method" else k): v for k, v in attributes.items()}
        out: dict[str, Any] = json_safe(attributes)
        return out

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Forest plot of the lift (:func:`cxlib.plotting.lift_forest`)."""
        from ..plotting import lift_forest

        return lift_forest(self, ax=ax, **kwargs)

    def __str__(self) -> str:
        name = self.label or self.metric
        unit = f" {self.unit}" if self.unit else ""
        p = self.p_value
        p_text = "p = nan" if math.isnan(p) else ("p < 0.001" if p < 0.001 else f"p = {p:.3f}")
        if self.test:
            p_text += f" ({self.test})"
        diff, low, high = format_interval(self.difference, *self.difference_ci, sign=True)
        lift = ""
        if self.lift is not None and self.lift_ci is not None:
            value, lift_low, lift_high = format_interval(
                self.lift, *self.lift_ci, sign=True, scale=100.0
            )
            interval = (
                "interval undefined"
                if math.isnan(self.lift_ci.low) or math.isnan(self.lift_ci.high)
                else f"{lift_low}% to {lift_high}%"
            )
            lift = f" · lift {value}% ({interval})"
        return (
            f"{name} difference {diff}{unit} ({level_text(self.confidence_level)} CI {low} "
            f"to {high}, {self.method}){lift} · {p_text}"
        )

    __repr__ = __str__


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
