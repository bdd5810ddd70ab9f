"""The result of the Bayesian A/B comparisons, and the summary of an arm's values."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import pandas as pd

from ..core.display import fmt as _fmt
from ..core.display import format_interval, format_number, html_rows, json_safe, number_style
from ..core.display import level_text as _level
from ..core.results import ConfidenceInterval, Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["BayesianComparison", "MeanSummary"]


class MeanSummary(NamedTuple):
    """Summary statistics of one arm for :func:`bayesian_means`.

    Attributes
    ----------
    n : int
        Number of units (at least 2).
    mean : float
        Sample mean of the per-unit values.
    sd : float
        Sample standard deviation (``ddof=1``) of the per-unit values.
    """

    n: int
    mean: float
    sd: float

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-safe values."""
        out: dict[str, Any] = json_safe(self._asdict())
        return out

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame of the fields."""
        frame: pd.DataFrame = pd.DataFrame([self._asdict()])
        return frame

    def _repr_html_(self) -> str:
        return html_rows("Summary of an arm", self._asdict())


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BayesianComparison(Result):
    """Posterior decision quantities of an A/B(/n) test, one entry per arm.

    Every per-arm attribute is a read-only mapping from the arm name to its value, in
    the order of :attr:`arms` (the control first).

    Attributes
    ----------
    metric : str
        ``"proportion"`` (rates as fractions of 1) or ``"mean"``.
    model : str
        ``"beta-binomial"`` or ``"normal approximation"``.
    arms : tuple of str
        Arm names, the control first.
    n : Mapping[str, int]
        Trials (proportions) or units (means) per arm.
    successes : Mapping[str, int]
        Successes per arm (proportions only; empty for means).
    n_missing : Mapping[str, int]
        Missing values omitted per arm (means from per-unit values).
    posterior : Mapping[str, tuple of float]
        Posterior parameters: ``(alpha, beta)`` of a Beta or ``(mean, sd)`` of a normal.
    posterior_mean, posterior_sd : Mapping[str, float]
        Mean and standard deviation of each arm's posterior.
    credible_interval : Mapping[str, ConfidenceInterval]
        Equal-tailed credible interval of each arm's rate or mean.
    chance_to_beat_control : Mapping[str, float]
        ``P(X_variant > X_control)`` for each variant.
    probability_best : Mapping[str, float]
        Probability that the arm has the highest rate or mean of all arms.
    expected_loss : Mapping[str, float]
        ``E[max(X_best_other - X_arm, 0)]``: what shipping the arm is expected to give
        up, in the metric's units (a fraction of 1 for rates).
    lift : Mapping[str, float]
        Relative lift of each variant's posterior mean over the control's,
        ``(m_variant - m_control) / |m_control|``.
    lift_ci : Mapping[str, ConfidenceInterval]
        Equal-tailed credible interval of ``(X_variant - X_control) / |X_control|`` from
        posterior draws.
    credible_level : float
        Posterior mass of the credible intervals, e.g. 0.95.
    n_draws : int
        Posterior draws per arm behind the lift intervals.
    methods : Mapping[str, str]
        How each quantity was computed (closed form, exact sum, quadrature, Monte Carlo).
    prior : tuple of float or None
        The Beta prior ``(alpha, beta)`` (proportions), None for the flat prior of means.
    label : str
        Display name used in the text and HTML representations.
    """

    metric: str
    model: str
    arms: tuple[str, ...]
    n: Mapping[str, int]
    posterior: Mapping[str, tuple[float, float]]
    posterior_mean: Mapping[str, float]
    posterior_sd: Mapping[str, float]
    credible_interval: Mapping[str, ConfidenceInterval]
    chance_to_beat_control: Mapping[str, float]
    probability_best: Mapping[str, float]
    expected_loss: Mapping[str, float]
    lift: Mapping[str, float]
    lift_ci: Mapping[str, ConfidenceInterval]
    credible_level: float
    n_draws: int
    methods: Mapping[str, str] = field(default_factory=dict)
    successes: Mapping[str, int] = field(default_factory=dict)
    n_missing: Mapping[str, int] = field(default_factory=dict)
    prior: tuple[float, float] | None = None
    label: str = ""

    def __post_init__(self) -> None:
        for name in (
            "n",
            "posterior",
            "posterior_mean",
            "posterior_sd",
            "credible_interval",
            "chance_to_beat_control",
            "probability_best",
            "expected_loss",
            "lift",
            "lift_ci",
            "methods",
            "successes",
            "n_missing",
        ):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def control(self) -> str:
        """Name of the control arm."""
        return self.arms[0]

    @property
    def variants(self) -> tuple[str, ...]:
        """Names of the variant arms."""
        return self.arms[1:]

    def interval(self, arm: str, of: Literal["value", "lift"] = "value") -> ConfidenceInterval:
        """The equal-tailed credible interval of an arm's rate or mean, or of its lift.

        ``of="lift"`` is for a variant: the interval of its lift over the control.
        """
        if arm not in self.arms:
            raise ValueError(f"arm must be one of {list(self.arms)}; got {arm!r}")
        if of == "value":
            return self.credible_interval[arm]
        if of == "lift":
            if arm not in self.lift_ci:
                raise ValueError(f"{arm!r} is the control: it has no lift")
            return self.lift_ci[arm]
        raise ValueError(f"of must be 'value' or 'lift'; got {of!r}")

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Posterior densities of the lifts (:func:`cxlib.plotting.posterior`)."""
        from ..plotting import posterior

        return posterior(self, ax=ax, **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """Tidy DataFrame with one row per arm (the control's variant columns are NaN)."""
        nan = math.nan
        rows: list[dict[str, Any]] = []
        for arm in self.arms:
            row: dict[str, Any] = {"metric": self.metric, "arm": arm}
            row["is_control"] = arm == self.control
            row["n"] = self.n[arm]
            if self.successes:
                row["successes"] = self.successes[arm]
            row["n_missing"] = self.n_missing.get(arm, 0)
            row["posterior_mean"] = self.posterior_mean[arm]
            row["posterior_sd"] = self.posterior_sd[arm]
            if self.model == "beta-binomial":
                row["alpha"], row["beta"] = self.posterior[arm]
            row["ci_low"], row["ci_high"] = self.credible_interval[arm]
            row["chance_to_beat_control"] = self.chance_to_beat_control.get(arm, nan)
            row["probability_best"] = self.probability_best[arm]
            row["expected_loss"] = self.expected_loss[arm]
            row["lift"] = self.lift.get(arm, nan)
            low, high = self.lift_ci.get(arm, (nan, nan))
            row["lift_ci_low"], row["lift_ci_high"] = low, high
            row["credible_level"] = self.credible_level
            row["ci_method"] = "equal-tailed"
            rows.append(row)
        frame: pd.DataFrame = pd.DataFrame(rows)
        return frame

    def _value_text(self, x: float, style: tuple[str, int]) -> str:
        if self.metric == "proportion":
            return f"{format_number(100.0 * x, style)}%"
        return format_number(x, style)

    def _loss_text(self, x: float) -> str:
        if math.isnan(x):
            return "nan"
        if self.metric == "proportion":
            return f"{100.0 * x:.3g} pp"
        return f"{x:.4g}"

    def _title(self) -> str:
        if self.model == "beta-binomial" and self.prior is not None:
            model = f"beta-binomial, prior Beta({self.prior[0]:g}, {self.prior[1]:g})"
        else:
            model = "normal approximation, flat prior"
        name = self.label or f"Bayesian {self.metric}s"
        return f"{name} · {model} · {_level(self.credible_level)} credible intervals"

    def __str__(self) -> str:
        width = max(len(a) for a in self.arms)
        scale = 100.0 if self.metric == "proportion" else 1.0
        # One style for all arms: the narrowest interval's digits, the largest value's size.
        intervals = list(self.credible_interval.values())
        widths = [scale * (ci.high - ci.low) for ci in intervals]
        sizes = [scale * abs(x) for ci in intervals for x in ci if math.isfinite(x)]
        d = number_style(
            min((w for w in widths if w > 0), default=math.nan), max(sizes, default=math.nan)
        )
        lines = [self._title()]
        for arm in self.arms:
            ci = self.credible_interval[arm]
            parts = [
                f"{self._value_text(self.posterior_mean[arm], d)} "
                f"({self._value_text(ci.low, d)} to {self._value_text(ci.high, d)})"
            ]
            if arm in self.chance_to_beat_control:
                chance = self.chance_to_beat_control[arm]
                lift, (low, high) = self.lift[arm], self.lift_ci[arm]
                parts.append(f"chance to beat control {_fmt(100.0 * chance, 1)}%")
                value, low_text, high_text = format_interval(
                    lift, low, high, sign=True, scale=100.0
                )
                parts.append(f"lift {value}% ({low_text}% to {high_text}%)")
            parts.append(f"P(best) {_fmt(100.0 * self.probability_best[arm], 1)}%")
            parts.append(f"expected loss {self._loss_text(self.expected_loss[arm])}")
            parts.append(f"n = {self.n[arm]:,}")
            lines.append(f"  {arm:<{width}}  " + " · ".join(parts))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        table = self.to_frame().to_html(index=False, float_format=lambda v: f"{v:.6g}")
        return (
            f"<div><strong>{html.escape(self._title())}</strong>"
            f"<div class='cxlib-result'>{table}</div></div>"
        )
