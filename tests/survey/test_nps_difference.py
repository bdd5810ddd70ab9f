"""cx.nps_difference against the hand formula (as in the R package NPS's nps_test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import cxlib as cx


def shares(x: list[int]) -> tuple[float, float, int]:
    a = np.asarray(x)
    return float((a >= 9).mean()), float((a <= 6).mean()), len(a)


A = [10, 10, 9, 9, 8, 7, 10, 6, 9, 10, 3, 9]
B = [10, 5, 9, 3, 8, 7, 6, 6, 9, 10, 0, 2, 8]


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_difference_hand_formula(alternative: str, level: float) -> None:
    pa, qa, na = shares(A)
    pb, qb, nb = shares(B)
    diff = (pa - qa) - (pb - qb)
    se = math.sqrt((pa + qa - (pa - qa) ** 2) / na + (pb + qb - (pb - qb) ** 2) / nb)
    z = diff / se
    res = cx.nps_difference(A, B, alternative=alternative, confidence_level=level)  # type: ignore[arg-type]
    assert res.difference == pytest.approx(100 * diff)
    assert res.se == pytest.approx(100 * se)
    assert res.statistic == pytest.approx(z)
    if alternative == "two-sided":
        p = 2 * stats.norm.sf(abs(z))
        half = stats.norm.ppf(0.5 + level / 2) * se
        ci = (diff - half, diff + half)
    elif alternative == "greater":
        p = stats.norm.sf(z)
        ci = (diff - stats.norm.ppf(level) * se, 2.0)
    else:
        p = stats.norm.cdf(z)
        ci = (-2.0, diff + stats.norm.ppf(level) * se)
    assert res.p_value == pytest.approx(p)
    assert res.difference_ci.low == pytest.approx(100 * ci[0])
    assert res.difference_ci.high == pytest.approx(100 * ci[1])
    assert res.estimates is not None
    assert res.estimates[0] == cx.nps(A, confidence_level=level)
    assert res.estimates[1] == cx.nps(B, confidence_level=level)
    assert res.alternative == alternative
    assert res.method == "wald"


def test_difference_is_signed() -> None:
    low_first = cx.nps_difference([0, 0, 9], [10, 10, 9])
    assert low_first.difference < 0


def test_degenerate_difference_warns() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="standard error of the NPS difference"):
        res = cx.nps_difference([10, 10], [0, 0])
    assert res.difference == 200.0
    assert math.isnan(res.p_value)
    assert math.isnan(res.difference_ci.low)


def test_difference_with_missing_answers() -> None:
    res = cx.nps_difference([10, None, 0], [9, 9, np.nan])
    assert res.estimates is not None
    assert res.estimates[0].n_missing == 1
    assert res.estimates[1].n_missing == 1
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        cx.nps_difference([10, None, 0], [9], nan_policy="raise")


def test_difference_on_other_scale() -> None:
    res = cx.nps_difference([7, 7, 6], [1, 5, 7], scale="1-7")
    assert res.difference == pytest.approx(100 * (2 / 3 - 0) - 100 * (1 / 3 - 2 / 3))


def test_difference_validates_options() -> None:
    with pytest.raises(ValueError, match="alternative must be one of 'two-sided'"):
        cx.nps_difference([9], [9], alternative="bigger")  # type: ignore[arg-type]
