"""cx.nps against published values and independent implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from reference import score_interval
from scipy import stats

import cxlib as cx
from cxlib.survey.nps_intervals import nps_score


def answers(det: int, pas: int, pro: int) -> list[int]:
    return [0] * det + [8] * pas + [10] * pro


def test_r_nps_package_reference_values() -> None:
    # R package NPS (brendan-r/NPS), tests/testthat/test_01_basics.R: counts of 1 detractor,
    # 2 passives and 3 promoters give NPS 1/3, variance 5/9 and SE 0.304 on the unit scale.
    est = cx.nps(answers(1, 2, 3))
    assert est.value == pytest.approx(100 / 3)
    assert est.se == pytest.approx(100 * math.sqrt(5 / 9 / 6))
    assert est.se / 100 == pytest.approx(0.304, abs=1e-3)


@pytest.mark.parametrize(
    ("counts", "variance"),
    # Same test file: variances of (det, pas, pro) = (1,0,1) -> 1, (0,1,1) -> 0.25,
    # (1,1,1) -> 2/3, with SE 0.707, 0.354, 0.471.
    [((1, 0, 1), 1.0), ((0, 1, 1), 0.25), ((1, 1, 1), 2 / 3)],
)
def test_r_nps_package_variances(counts: tuple[int, int, int], variance: float) -> None:
    n = sum(counts)
    est = cx.nps(answers(*counts))
    assert (est.se / 100) ** 2 * n == pytest.approx(variance)


def test_r_nps_package_custom_breaks() -> None:
    # Same test file: the answers 1..15 with breaks (0, 6, 8, 15) (detractors 1-6,
    # passives 7-8, promoters 9-15) give NPS 2/30 and variance 0.8622.
    scale = cx.NPSScale(low=1, detractor_max=6, passive_max=8, high=15)
    est = cx.nps(list(range(1, 16)), scale=scale)
    assert est.value / 100 == pytest.approx(2 / 30)
    assert (est.se / 100) ** 2 * 15 == pytest.approx(0.8622, abs=1e-4)


@pytest.mark.parametrize(
    ("cells", "published", "level", "decimals"),
    [
        # Paired 2x2 tables (a, b, c, d); Tango's interval for p12 - p21 = (b - c) / n is the
        # NPS score interval with b promoters, c detractors and a + d passives.
        # Fagerland, Lydersen & Laake (2014), Bentur et al. data: (-0.517, -0.026).
        ((1, 1, 7, 12), (-0.517, -0.026), 0.95, 3),
        # Agresti & Min (2005): (-0.020, 0.207).
        ((53, 16, 8, 9), (-0.020, 0.207), 0.95, 3),
        # Tang, M.-L. et al. (2010): (-0.1670, 0.4327).
        ((8, 3, 1, 2), (-0.1670, 0.4327), 0.95, 4),
        # Chang et al. (2024): (0.139, 0.321).
        ((7, 25, 2, 68), (0.139, 0.321), 0.95, 3),
    ],
)
def test_score_interval_matches_published_tango_intervals(
    cells: tuple[int, int, int, int],
    published: tuple[float, float],
    level: float,
    decimals: int,
) -> None:
    a, b, c, d = cells
    est = cx.nps(answers(det=c, pas=a + d, pro=b), confidence_level=level)
    assert round(est.ci.low / 100, decimals) == pytest.approx(published[0], abs=1e-12)
    assert round(est.ci.high / 100, decimals) == pytest.approx(published[1], abs=1e-12)


CASES = [
    (1, 2, 3),
    (2, 2, 2),
    (0, 0, 1),
    (1, 0, 0),
    (0, 1, 0),
    (0, 0, 10),
    (3, 0, 7),
    (40, 25, 35),
    (5, 90, 5),
    (1, 0, 49),
    (120, 300, 580),
]


@pytest.mark.parametrize(("det", "pas", "pro"), CASES)
@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_score_interval_equals_brute_force_inversion(
    det: int, pas: int, pro: int, level: float
) -> None:
    est = cx.nps(answers(det, pas, pro), confidence_level=level)
    low, high = score_interval(pro, det, det + pas + pro, level)
    assert est.ci.low / 100 == pytest.approx(low, abs=1e-7)
    assert est.ci.high / 100 == pytest.approx(high, abs=1e-7)


def test_score_interval_single_promoter_closed_form() -> None:
    # For one promoter the lower bound solves sqrt(n (1 - d) / (1 + d)) = z with n = 1,
    # i.e. d = (1 - z^2) / (1 + z^2).
    z = stats.norm.ppf(0.975)
    est = cx.nps([10])
    assert est.ci.low / 100 == pytest.approx((1 - z**2) / (1 + z**2), abs=1e-10)
    assert est.ci.high == 100.0


def test_score_interval_vectorised_equals_scalar_calls() -> None:
    rng = np.random.default_rng(3)
    counts = rng.multinomial(rng.integers(1, 60), [0.3, 0.3, 0.4], size=200)
    n = counts.sum(axis=1)
    z = stats.norm.ppf(0.975)
    low, high = nps_score(counts[:, 2] / n, counts[:, 0] / n, n, z)
    for k in range(0, 200, 17):
        lo1, hi1 = nps_score(counts[k, 2] / n[k], counts[k, 0] / n[k], n[k], z)
        assert low[k] == pytest.approx(float(lo1), abs=1e-12)
        assert high[k] == pytest.approx(float(hi1), abs=1e-12)


@pytest.mark.parametrize(("det", "pas", "pro"), CASES)
def test_wald_interval_hand_formula(det: int, pas: int, pro: int) -> None:
    n = det + pas + pro
    p, q = pro / n, det / n
    se = math.sqrt((p + q - (p - q) ** 2) / n)
    z = 1.959963984540054
    if se > 0:
        est = cx.nps(answers(det, pas, pro), ci_method="wald")
    else:
        with pytest.warns(cx.DegenerateDataWarning, match="zero width"):
            est = cx.nps(answers(det, pas, pro), ci_method="wald")
    assert est.se == pytest.approx(100 * se, abs=1e-12)
    assert est.ci.low == pytest.approx(100 * max(p - q - z * se, -1.0), abs=1e-9)
    assert est.ci.high == pytest.approx(100 * min(p - q + z * se, 1.0), abs=1e-9)


def test_adjusted_wald_reference_values() -> None:
    # The R package NPS's adjusted Wald (pseudo-observations 0.75, 1.5, 0.75) gives
    # (-0.267433, 0.711877) for 1 detractor, 2 passives and 3 promoters.
    est = cx.nps(answers(1, 2, 3), ci_method="adjusted-wald")
    assert est.ci.low / 100 == pytest.approx(-0.267433, abs=1e-6)
    assert est.ci.high / 100 == pytest.approx(0.711877, abs=1e-6)
    assert est.value == pytest.approx(100 / 3)  # the estimate itself is not adjusted


def test_adjusted_wald_hand_formula_and_truncation() -> None:
    # 10 promoters: adjusted shares (10.75, 0.75) / 13; the upper bound 1.063 is truncated.
    p, q, n = 10.75 / 13, 0.75 / 13, 13
    centre, half = p - q, 1.959963984540054 * math.sqrt((p + q - (p - q) ** 2) / n)
    est = cx.nps([10] * 10, ci_method="adjusted-wald")
    assert est.ci.low / 100 == pytest.approx(centre - half)
    assert centre - half == pytest.approx(0.475036, abs=1e-6)
    assert est.ci.high == 100.0


def test_issue_example_zero_nps() -> None:
    est = cx.nps([10, 9, 8, 7, 6, 0])
    assert isinstance(est, cx.Estimate)
    assert est.value == 0.0
    assert est.ci.low == pytest.approx(-est.ci.high)
    assert -100 < est.ci.low < 0 < est.ci.high < 100
    assert est.ci_method == "score"
    assert (est.n, est.n_missing) == (6, 0)
    assert dict(est.components) == {
        "n_detractors": 2,
        "n_passives": 2,
        "n_promoters": 2,
        "pct_detractors": pytest.approx(100 / 3),
        "pct_passives": pytest.approx(100 / 3),
        "pct_promoters": pytest.approx(100 / 3),
    }


@pytest.mark.parametrize(
    ("scale", "data", "expected"),
    [
        ("0-10", [0, 6, 7, 8, 9, 10], (2, 2, 2)),
        ("1-10", [1, 6, 7, 8, 9, 10], (2, 2, 2)),
        ("1-7", [1, 5, 6, 7, 7], (2, 1, 2)),
        ("1-5", [1, 3, 4, 5, 5, 5], (2, 1, 3)),
    ],
)
def test_named_scales_classify_as_the_seed_table(
    scale: str, data: list[int], expected: tuple[int, int, int]
) -> None:
    est = cx.nps(data, scale=scale)  # type: ignore[arg-type]
    got = tuple(est.components[f"n_{k}"] for k in ("detractors", "passives", "promoters"))
    assert got == expected
    assert est.value == pytest.approx(100 * (expected[2] - expected[0]) / len(data))
