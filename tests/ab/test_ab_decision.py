"""Decisions across metrics: the primary metric, guardrails with non-inferiority
margins, secondary metrics, and the Bayesian rule.

References: the non-inferiority z statistics written out here, statsmodels'
multipletests (Holm), and simulations with a fixed seed of the error of a wrong "ship".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import cxlib as cx
from cxlib.ab import Guardrail, MeanStats, decide


def _means(control: float, variant: float, sd: float = 30.0, n: int = 10_000) -> cx.Comparison:
    return cx.ab.compare_means(
        MeanStats(n=n, mean=control, var=sd**2), MeanStats(n=n, mean=variant, var=sd**2)
    )


BETTER = cx.ab.compare_proportions((400, 10_000), (504, 10_000))  # +26 %, p < 0.001
NULL = cx.ab.compare_proportions((400, 10_000), (405, 10_000))
WORSE = cx.ab.compare_proportions((504, 10_000), (400, 10_000))
BAYES = cx.ab.bayesian_proportions((4, 100), (5, 100), rng=1)


def test_non_inferiority_statistics_equal_the_formulas() -> None:
    revenue = _means(31.0, 30.5)
    relative = Guardrail(revenue, margin=-0.05)
    v, c = revenue.estimates  # type: ignore[misc]
    want = (v.value - 0.95 * c.value) / math.hypot(v.se, 0.95 * c.se)
    assert relative.z() == pytest.approx(want, rel=1e-12)
    absolute = Guardrail(revenue, margin=-1.0, relative=False)
    assert absolute.z() == pytest.approx((revenue.difference + 1.0) / revenue.se, rel=1e-12)
    latency = _means(200.0, 203.0)  # lower is better: may rise by 2 %
    rail = Guardrail(latency, margin=0.02, direction="decrease")
    v, c = latency.estimates  # type: ignore[misc]
    want = -(v.value - 1.02 * c.value) / math.hypot(v.se, 1.02 * c.se)
    assert rail.z() == pytest.approx(want, rel=1e-12)
    table = decide(BETTER, {"revenue": relative}).table
    row = table[table["metric"] == "revenue"].iloc[0]
    assert row["p_value"] == pytest.approx(stats.norm.sf(relative.z()), rel=1e-12)


@pytest.mark.parametrize(
    ("primary", "guardrail", "verdict"),
    [
        (BETTER, _means(31.0, 31.1), "ship"),
        (BETTER, _means(31.0, 30.2, n=300), "keep running"),  # too few units to tell
        (BETTER, _means(31.0, 27.0), "don't ship"),  # clearly worse than -5 %
        (WORSE, _means(31.0, 31.1), "don't ship"),
        (NULL, _means(31.0, 31.1), "keep running"),
    ],
)
def test_verdicts(primary: cx.Comparison, guardrail: cx.Comparison, verdict: str) -> None:
    decision = decide(primary, {"revenue": Guardrail(guardrail, margin=-0.05)})
    assert decision.verdict == verdict
    assert decision.rule.startswith("ship if the primary metric is better")
    assert f"Decision: {verdict.upper()}" in str(decision)
    assert list(decision.to_frame()["role"]) == ["primary", "guardrail"]


def test_variants_share_alpha() -> None:
    borderline = cx.ab.compare_proportions((400, 10_000), (462, 10_000))
    assert 0.025 < borderline.p_value < 0.05
    assert decide(borderline).verdict == "ship"
    assert decide(borderline, n_variants=2).verdict == "keep running"
    assert "0.025 = 0.05 / 2 variants" in decide(borderline, n_variants=2).rule


def test_secondary_metrics_are_reported_with_holm_adjusted_p_values() -> None:
    secondary = {"pages": _means(5.0, 5.2), "time": _means(60.0, 60.5), "bounce": NULL}
    decision = decide(BETTER, secondary=secondary)
    rows = decision.table[decision.table["role"] == "secondary"]
    raw = [c.p_value for c in secondary.values()]
    np.testing.assert_allclose(rows["p_value"], multipletests(raw, method="holm")[1])
    assert decision.verdict == "ship"  # secondary metrics do not decide


def test_bayesian_rule() -> None:
    clear = cx.ab.bayesian_proportions((400, 10_000), (504, 10_000), rng=1)
    unclear = cx.ab.bayesian_proportions((400, 10_000), (410, 10_000), rng=1)
    lost = cx.ab.bayesian_proportions((504, 10_000), (400, 10_000), rng=1)
    loss = {"loss_tolerance": 0.001}
    assert decide(clear, **loss).verdict == "ship"
    assert decide(unclear, **loss).verdict == "keep running"
    assert decide(lost, **loss).verdict == "don't ship"
    assert "P(" in decide(clear, **loss).rule
    rail = {"revenue": Guardrail(_means(31.0, 27.0), margin=-0.05)}
    assert decide(clear, rail, **loss).verdict == "don't ship"


def test_a_wrong_ship_stays_below_alpha() -> None:
    """1,000 tests (fixed seed) where the primary metric has no effect, and 1,000 where
    it has a large one but the guardrail sits exactly at its margin: "ship" at most
    alpha of the time in both (the intersection-union rule)."""
    rng = np.random.default_rng(20261206)
    n, sd, alpha = 2_000, 10.0, 0.05
    se = sd / math.sqrt(n)

    def ship_rate(primary_effect: float, rail_ratio: float) -> float:
        ships = 0
        for _ in range(1_000):
            p = rng.normal([50.0, 50.0 + primary_effect], se)
            g = rng.normal([100.0, 100.0 * rail_ratio], se)
            primary = cx.ab.compare_means(
                MeanStats(n=n, mean=p[0], var=sd**2), MeanStats(n=n, mean=p[1], var=sd**2)
            )
            rail = cx.ab.compare_means(
                MeanStats(n=n, mean=g[0], var=sd**2), MeanStats(n=n, mean=g[1], var=sd**2)
            )
            decision = decide(primary, {"g": Guardrail(rail, margin=-0.01)}, alpha=alpha)
            ships += decision.verdict == "ship"
        return ships / 1_000

    assert ship_rate(0.0, 1.05) <= alpha  # no effect, a fine guardrail
    assert ship_rate(5.0, 0.99) <= alpha  # a clear effect, the guardrail at its margin
    assert ship_rate(5.0, 1.05) > 0.9  # and it does ship when it should


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Guardrail(NULL, margin=0.05), ValueError, r"at most 0 for a metric that should"),
        (
            lambda: Guardrail(NULL, margin=-0.05, direction="decrease"),
            ValueError,
            r"at least 0 for a metric that should decrease",
        ),
        (lambda: Guardrail(NULL, margin="5%"), TypeError, r"margin must be a number"),  # type: ignore[arg-type]
        (lambda: Guardrail("x", margin=-0.1), TypeError, r"must be a cx Comparison"),  # type: ignore[arg-type]
        (lambda: Guardrail(NULL, margin=-0.1, direction="up"), ValueError, r"direction"),  # type: ignore[arg-type]
        (lambda: decide(NULL, {"g": NULL}), TypeError, r"guardrails\['g'\] must be"),  # type: ignore[dict-item]
        (lambda: decide(NULL, n_variants=0), ValueError, r"n_variants must be"),
        (lambda: decide(NULL, alpha=1.5), ValueError, r"alpha must be a number in"),
        (lambda: decide("x"), TypeError, r"primary must be a Comparison"),  # type: ignore[arg-type]
        (lambda: decide(NULL, secondary={"s": 1}), TypeError, r"secondary\['s'\] must be"),  # type: ignore[dict-item]
        (
            lambda: decide(
                cx.ab.bayesian_proportions((4, 100), (5, 100), rng=1), direction="decrease"
            ),
            ValueError,
            r"the Bayesian rule reads",
        ),
        (
            lambda: decide(BAYES, variant="Z"),
            ValueError,
            r"variant must be one of",
        ),
        (
            lambda: decide(
                cx.ab.bayesian_proportions((4, 100), (5, 100), rng=1), chance_to_beat=0.3
            ),
            ValueError,
            r"chance_to_beat must be in",
        ),
    ],
)
def test_bad_input_is_named(build: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        build()
