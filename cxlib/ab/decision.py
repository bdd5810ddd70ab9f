"""Ship, don't ship or keep running: one decision from a primary metric and guardrails.

The frequentist rule: ship when the primary metric is better (its test rejects "no
difference" in the good direction, at ``alpha`` divided among the variants tested)
and every guardrail is shown non-inferior (the one-sided test of "worse than the
margin" rejects at ``alpha``); don't ship when the primary is worse or a guardrail is
shown worse than its margin; otherwise keep running. Requiring all guardrails is an
intersection-union test (Berger 1982): each at ``alpha`` keeps the chance of a wrong
"ship" at most ``alpha``, with no correction across guardrails. Secondary metrics
are reported with p-values adjusted across them.

The Bayesian rule (VWO SmartStats, Stucchio 2015): ship when the chance to beat the
control reaches ``chance_to_beat`` and the expected loss is at most
``loss_tolerance``; don't ship when the chance is at most ``1 - chance_to_beat``;
guardrails as above.

A guardrail's non-inferiority test with margin :math:`m` (signed: at most 0 for a
metric that should not fall, at least 0 for one that should not rise), on the
difference :math:`z = (\\hat d - m) / s`, or on the relative change, with the arms'
estimates :math:`v, c` and standard errors,
:math:`z = (v - (1 + m) c) / \\sqrt{s_v^2 + (1 + m)^2 s_c^2}` (the Fieller form, which
needs no standard error of the ratio).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from ..core.results import Comparison, Result
from ..core.validation import check_bool, check_choice
from .bayes_result import BayesianComparison
from .multiplicity import PVALUE_ADJUSTMENTS, PValueAdjustment, adjust_pvalues

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Decision", "Guardrail", "decide"]

Direction = Literal["increase", "decrease"]


@dataclass(frozen=True)
class Guardrail:
    """A metric that must not get worse than a margin.

    Parameters
    ----------
    comparison : Comparison
        Variant against control on the guardrail metric (e.g. from
        :func:`compare_means`), with both arms' estimates.
    margin : float
        How much worse is still acceptable, signed in the metric's direction: at most 0
        for a metric that should not fall (``-0.02``: may fall by 2 %), at least 0 for
        one that should not rise (``0.05``: may rise by 5 %).
    relative : bool, default True
        The margin is a relative change (a fraction of the control); False: in the
        metric's units.
    direction : {"increase", "decrease"}, default "increase"
        Which way is better for this metric.
    """

    comparison: Comparison
    margin: float
    relative: bool = True
    direction: Direction = "increase"

    def __post_init__(self) -> None:
        if not isinstance(self.comparison, Comparison):
            raise TypeError(
                "Guardrail comparison must be a cx Comparison (e.g. from compare_means); "
                f"got {type(self.comparison).__name__}"
            )
        check_bool("relative", self.relative)
        check_choice("direction", self.direction, ("increase", "decrease"))
        if isinstance(self.margin, bool) or not isinstance(self.margin, int | float):
            raise TypeError(f"margin must be a number; got {self.margin!r}")
        m = float(self.margin)
        if not np.isfinite(m) or (self.direction == "increase" and m > 0):
            raise ValueError(
                f"margin must be finite and at most 0 for a metric that should increase "
                f"(how far it may fall); got margin={self.margin!r} with direction="
                f"{self.direction!r}"
            )
        if self.direction == "decrease" and m < 0:
            raise ValueError(
                "margin must be at least 0 for a metric that should decrease (how far it "
                f"may rise); got margin={self.margin!r} with direction='decrease'"
            )
        if self.relative and self.comparison.estimates is None:
            raise ValueError("a relative margin needs the comparison's arm estimates")

    def z(self) -> float:
        """The z statistic of "no worse than the margin", positive when it holds."""
        cmp, m, sign = self.comparison, float(self.margin), 1.0
        if self.direction == "decrease":
            sign = -1.0
        if not self.relative:
            return sign * (cmp.difference - m) / cmp.se if cmp.se > 0 else float("nan")
        assert cmp.estimates is not None
        variant, control = cmp.estimates
        scale = 1.0 + m
        se = float(np.hypot(variant.se, scale * control.se))
        gap = variant.value - scale * control.value
        # A negative control flips which ratio is "more".
        return sign * np.sign(control.value) * gap / se if se > 0 else float("nan")


@dataclass(frozen=True)
class Decision(Result):
    """What to do with a test, and why.

    Attributes
    ----------
    verdict : str
        ``"ship"``, ``"don't ship"`` or ``"keep running"``.
    rule : str
        The rule that produced the verdict, in words.
    reasons : tuple of str
        What decided it, one line per metric that mattered.
    table : pandas.DataFrame
        One row per metric: role, estimate, interval, p-value, margin and status.
    alpha : float
        The error rate of the rule.
    """

    verdict: str
    rule: str
    reasons: tuple[str, ...]
    table: pd.DataFrame
    alpha: float

    def to_frame(self) -> pd.DataFrame:
        """The table of metrics (:attr:`table`)."""
        return self.table.copy()

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Each metric's lift with its interval, the guardrails' margins and the verdict
        (:func:`cxlib.plotting.decision`)."""
        from ..plotting import decision

        return decision(self, ax=ax, **kwargs)

    def __str__(self) -> str:
        lines = [f"Decision: {self.verdict.upper()}", f"  rule: {self.rule}"]
        lines += [f"  - {reason}" for reason in self.reasons]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        text = html.escape(str(self)).replace("\n", "<br>")
        return f"<div><strong>{text}</strong>{self.table.to_html(index=False)}</div>"


def _lift_ci(cmp: Comparison) -> dict[str, float]:
    low, high = cmp.lift_ci if cmp.lift_ci is not None else (float("nan"), float("nan"))
    return {"lift_ci_low": float(low), "lift_ci_high": float(high)}


def _one_sided(z: float) -> float:
    return float(special.ndtr(-z)) if np.isfinite(z) else float("nan")


def _primary_row(cmp: Comparison, direction: Direction, alpha: float) -> tuple[dict[str, Any], str]:
    sign = 1.0 if direction == "increase" else -1.0
    good = sign * cmp.difference > 0
    significant = cmp.p_value < alpha
    status = ("better" if good else "worse") if significant else "inconclusive"
    row = {
        "metric": cmp.label or cmp.metric,
        "role": "primary",
        "difference": cmp.difference,
        "ci_low": cmp.difference_ci.low,
        "ci_high": cmp.difference_ci.high,
        "lift": cmp.lift,
        **_lift_ci(cmp),
        "p_value": cmp.p_value,
        "margin": np.nan,
        "relative_margin": False,
        "status": status,
    }
    return row, status


def _guardrail_row(name: str, rail: Guardrail, alpha: float) -> tuple[dict[str, Any], str]:
    z = rail.z()
    p_fine, p_worse = _one_sided(z), _one_sided(-z)
    if p_fine < alpha:
        status = "non-inferior"
    elif p_worse < alpha:
        status = "worse than margin"
    else:
        status = "inconclusive"
    cmp = rail.comparison
    row = {
        "metric": name,
        "role": "guardrail",
        "difference": cmp.difference,
        "ci_low": cmp.difference_ci.low,
        "ci_high": cmp.difference_ci.high,
        "lift": cmp.lift,
        **_lift_ci(cmp),
        "p_value": p_fine,
        "margin": float(rail.margin),
        "relative_margin": bool(rail.relative),
        "status": status,
    }
    return row, status


def decide(
    primary: Comparison | BayesianComparison,
    guardrails: Mapping[str, Guardrail] | None = None,
    *,
    secondary: Mapping[str, Comparison] | None = None,
    direction: Direction = "increase",
    alpha: float | None = None,
    n_variants: int = 1,
    adjust: PValueAdjustment = "holm",
    variant: str | None = None,
    chance_to_beat: float = 0.95,
    loss_tolerance: float = 0.0,
) -> Decision:
    """Decide an A/B test: ship, don't ship or keep running, and the rule behind it.

    Parameters
    ----------
    primary : Comparison or BayesianComparison
        The primary metric, variant against control. A :class:`Comparison` uses the
        frequentist rule (with ``sequential=True`` comparisons it may be applied at
        every look); a :class:`BayesianComparison` the Bayesian rule.
    guardrails : mapping of str to Guardrail, optional
        Metrics that must not get worse than their margin, by name.
    secondary : mapping of str to Comparison, optional
        Metrics reported with p-values adjusted across them (``adjust``); they do not
        change the verdict.
    direction : {"increase", "decrease"}, default "increase"
        Which way is better for the primary metric.
    alpha : float, optional
        Error rate of the rule; default ``1 - confidence_level`` of the primary.
    n_variants : int, default 1
        Variants tested against the control in this experiment: the primary's test
        uses ``alpha / n_variants`` (Bonferroni), so that shipping any of them keeps
        the family-wise error at ``alpha``.
    adjust : str, default "holm"
        Adjustment of the secondary metrics' p-values (see :func:`adjust_pvalues`).
    variant : str, optional
        The variant to decide on, for a Bayesian comparison of several variants.
    chance_to_beat : float, default 0.95
        Bayesian rule: the chance to beat the control needed to ship.
    loss_tolerance : float, default 0
        Bayesian rule: the largest expected loss (metric units) at which to ship.

    Returns
    -------
    Decision
        ``verdict``, the ``rule`` in words, the ``reasons``, and a ``table`` of metrics.

    Examples
    --------
    >>> import cxlib as cx
    >>> conversion = cx.ab.compare_proportions((400, 10_000), (504, 10_000))
    >>> revenue = cx.ab.compare_means(cx.ab.MeanStats(n=10_000, mean=31.0, var=900.0),
    ...                               cx.ab.MeanStats(n=10_000, mean=31.2, var=900.0))
    >>> decision = cx.ab.decide(conversion,
    ...                         {"revenue": cx.ab.Guardrail(revenue, margin=-0.05)})
    >>> decision.verdict
    'ship'
    >>> decision.table[["metric", "role", "status"]]
                    metric       role        status
    0      conversion rate    primary        better
    1              revenue  guardrail  non-inferior
    """
    check_choice("direction", direction, ("increase", "decrease"))
    if isinstance(n_variants, bool) or not isinstance(n_variants, int) or n_variants < 1:
        raise ValueError(f"n_variants must be a whole number >= 1; got {n_variants!r}")
    check_choice("adjust", adjust, PVALUE_ADJUSTMENTS)
    rails = dict(guardrails or {})
    for name, rail in rails.items():
        if not isinstance(rail, Guardrail):
            raise TypeError(
                f"guardrails[{name!r}] must be a cx.ab.Guardrail; got {type(rail).__name__}"
            )
    if isinstance(primary, BayesianComparison):
        level = 0.05 if alpha is None else _alpha(alpha)
        verdict_p, row, rule, reason = _bayesian(
            primary, direction, variant, chance_to_beat, loss_tolerance
        )
    elif isinstance(primary, Comparison):
        level = 1.0 - primary.confidence_level if alpha is None else _alpha(alpha)
        row, verdict_p = _primary_row(primary, direction, level / n_variants)
        rule = (
            f"ship if the primary metric is better (p < {level / n_variants:.3g}"
            + (f" = {level:g} / {n_variants} variants" if n_variants > 1 else "")
            + f") and every guardrail is non-inferior (one-sided p < {level:g}); don't ship "
            "if the primary is worse or a guardrail is worse than its margin; else keep "
            "running"
        )
        reason = f"primary {row['metric']}: {verdict_p}"
    else:
        raise TypeError(
            f"primary must be a Comparison or a BayesianComparison; got {type(primary).__name__}"
        )
    rows, reasons = [row], [reason]
    statuses = []
    for name, rail in rails.items():
        rail_row, status = _guardrail_row(name, rail, level)
        rows.append(rail_row)
        statuses.append(status)
        if status != "non-inferior":
            reasons.append(f"guardrail {name}: {status} (margin {rail.margin:+g})")
    if verdict_p == "worse" or "worse than margin" in statuses:
        verdict = "don't ship"
    elif verdict_p == "better" and all(s == "non-inferior" for s in statuses):
        verdict = "ship"
    else:
        verdict = "keep running"
    table = pd.DataFrame(rows)
    if secondary:
        table = pd.concat([table, _secondary(secondary, adjust)], ignore_index=True)
    return Decision(verdict, rule, tuple(reasons), table, level)


def _alpha(alpha: object) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number in (0, 1); got {alpha!r}")
    return float(alpha)


def _secondary(secondary: Mapping[str, Comparison], adjust: PValueAdjustment) -> pd.DataFrame:
    for name, cmp in secondary.items():
        if not isinstance(cmp, Comparison):
            raise TypeError(f"secondary[{name!r}] must be a Comparison; got {type(cmp).__name__}")
    comparisons = list(secondary.values())
    p = np.array([c.p_value for c in comparisons])
    return pd.DataFrame(
        {
            "metric": list(secondary),
            "role": "secondary",
            "difference": [c.difference for c in comparisons],
            "ci_low": [c.difference_ci.low for c in comparisons],
            "ci_high": [c.difference_ci.high for c in comparisons],
            "lift": [c.lift for c in comparisons],
            "lift_ci_low": [_lift_ci(c)["lift_ci_low"] for c in comparisons],
            "lift_ci_high": [_lift_ci(c)["lift_ci_high"] for c in comparisons],
            "p_value": adjust_pvalues(p, adjust),
            "margin": np.nan,
            "relative_margin": False,
            "status": f"reported ({adjust}-adjusted p)",
        }
    )


def _bayesian(
    result: BayesianComparison,
    direction: Direction,
    variant: str | None,
    threshold: float,
    tolerance: float,
) -> tuple[str, dict[str, Any], str, str]:
    if direction != "increase":
        raise ValueError(
            "the Bayesian rule reads the chance to beat the control as 'higher is better'; "
            "got direction='decrease' (compare the metric's negative, or use a Comparison)"
        )
    if isinstance(threshold, bool) or not 0.5 < float(threshold) < 1:
        raise ValueError(f"chance_to_beat must be in (0.5, 1); got {threshold!r}")
    if isinstance(tolerance, bool) or not float(tolerance) >= 0:
        raise ValueError(f"loss_tolerance must be >= 0; got {tolerance!r}")
    variants = list(result.chance_to_beat_control)
    if variant is None:
        if len(variants) != 1:
            raise ValueError(f"variant= must name one of {variants} (several variants)")
        variant = variants[0]
    if variant not in variants:
        raise ValueError(f"variant must be one of {variants}; got {variant!r}")
    chance = float(result.chance_to_beat_control[variant])
    loss = float(result.expected_loss[variant])
    if chance >= threshold and loss <= tolerance:
        status = "better"
    elif chance <= 1 - threshold:
        status = "worse"
    else:
        status = "inconclusive"
    row = {
        "metric": result.label or result.metric,
        "role": "primary",
        "difference": float(result.posterior_mean[variant] - result.posterior_mean[result.arms[0]]),
        "ci_low": float("nan"),
        "ci_high": float("nan"),
        "lift": float(result.lift[variant]),
        "lift_ci_low": float(result.lift_ci[variant].low),
        "lift_ci_high": float(result.lift_ci[variant].high),
        "p_value": float("nan"),
        "margin": float("nan"),
        "relative_margin": False,
        "status": status,
    }
    rule = (
        f"ship if P({variant} beats control) >= {threshold:g} and its expected loss <= "
        f"{tolerance:g}, and every guardrail is non-inferior; don't ship if P <= "
        f"{1 - threshold:.3g} or a guardrail is worse than its margin; else keep running"
    )
    reason = f"primary: P(beats control) = {chance:.3f}, expected loss = {loss:.3g}: {status}"
    return status, row, rule, reason
