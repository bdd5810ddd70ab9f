"""A fast, seeded subset of the survey coverage study (benchmarks/coverage_survey.py).

Each cell draws R samples, computes all R intervals in one grouped call and asserts
that the default interval covers the truth in at least 93 % of them, less three Monte
Carlo standard errors. The formerly under-covering defaults (the t interval of a
skewed CES, the Wald interval of the NPS difference at n = 10) are shown to fail the
same bar, so the cells can tell the methods apart.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

import cxlib as cx
from cxlib.survey.nps_difference_intervals import nps_difference_interval

R = 2000
FLOOR = 0.93 - 3 * math.sqrt(0.93 * 0.07 / R)  # 0.913 at R = 2000


def counts_frame(counts: npt.NDArray[np.int64], answers: npt.NDArray[np.int64]) -> pd.DataFrame:
    """One row per (sample, answer); the count is a frequency weight (= repeated rows)."""
    reps, k = counts.shape
    return pd.DataFrame(
        {
            "rep": np.repeat(np.arange(reps), k),
            "answer": np.tile(answers, reps),
            "w": counts.ravel().astype(float),
        }
    )


def coverage(out: pd.DataFrame, truth: float) -> float:
    inside = (out["ci_low"] <= truth + 1e-9) & (out["ci_high"] >= truth - 1e-9)
    return float(inside.sum()) / R  # a missing or NaN interval does not cover


def ces_coverage(probs: list[float], n: int, seed: int, ci_method: str) -> float:
    p = np.array(probs)
    answers = np.arange(1, len(p) + 1)
    rng = np.random.default_rng([seed, n])
    df = counts_frame(rng.multinomial(n, p, size=R), answers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)  # equal answers under t
        out = cx.ces(
            df,
            "answer",
            scale=(1, len(p)),
            by="rep",
            weights="w",
            weights_kind="frequency",
            ci_method=ci_method,
        )
    return coverage(out, float(p @ answers))


TOP80 = [0.01, 0.01, 0.01, 0.02, 0.05, 0.10, 0.80]
J_SHAPED = [0.15, 0.03, 0.02, 0.03, 0.07, 0.20, 0.50]
SYMMETRIC = [0.05, 0.10, 0.20, 0.30, 0.20, 0.10, 0.05]


@pytest.mark.parametrize(
    ("probs", "n"),
    [(TOP80, 10), (TOP80, 30), (J_SHAPED, 10), (J_SHAPED, 100), (SYMMETRIC, 10)],
)
def test_ces_default_covers_skewed_answers(probs: list[float], n: int) -> None:
    assert ces_coverage(probs, n, 1, "adjusted-wald") >= FLOOR


@pytest.mark.parametrize("n", [10, 30])
def test_ces_t_interval_was_the_under_covering_default(n: int) -> None:
    assert ces_coverage(TOP80, n, 1, "t") < FLOOR


def test_loyalty_index_default_covers_at_n_10() -> None:
    rng = np.random.default_rng(7)
    level = rng.choice(6, size=(R * 10), p=[0.55, 0.25, 0.1, 0.05, 0.03, 0.02])
    items = np.minimum(level[:, None] + (rng.random((R * 10, 3)) < 0.3), 5) + 1
    # The truth by exact enumeration: level k, each item k or k + 1 (capped at 6).
    probs = np.array([0.55, 0.25, 0.1, 0.05, 0.03, 0.02])
    item_mean = sum(
        pk * (0.7 * 100 * (5 - k) / 5 + 0.3 * 100 * (5 - min(k + 1, 5)) / 5)
        for k, pk in enumerate(probs)
    )
    df = pd.DataFrame(items, columns=["r", "b", "o"])
    df["rep"] = np.repeat(np.arange(R), 10)
    out = cx.loyalty_index(df, ["r", "b", "o"], by="rep")
    assert coverage(out, item_mean) >= FLOOR


def shares(out: pd.DataFrame) -> tuple[npt.NDArray[np.float64], ...]:
    return (
        out["pct_promoters"].to_numpy() / 100,
        out["pct_detractors"].to_numpy() / 100,
        out["n"].to_numpy().astype(float),
    )


@pytest.mark.parametrize(
    ("profile_a", "profile_b"),
    [((0.2, 0.3, 0.5), (0.2, 0.3, 0.5)), ((0.6, 0.3, 0.1), (0.6, 0.3, 0.1))],
)
def test_nps_difference_mover_at_n_10_and_the_wald_false_positives(
    profile_a: tuple[float, float, float], profile_b: tuple[float, float, float]
) -> None:
    rng = np.random.default_rng(11)
    answers = np.array([0, 7, 10])
    a, b = (
        cx.nps(
            counts_frame(rng.multinomial(10, p, size=R), answers),
            "answer",
            by="rep",
            weights="w",
            weights_kind="frequency",
        )
        for p in (profile_a, profile_b)
    )
    truth = (profile_a[2] - profile_a[0]) - (profile_b[2] - profile_b[0])

    def covered(method: str) -> float:
        low, high = nps_difference_interval(method, shares(a), shares(b), 0.95)  # type: ignore[arg-type]
        return float(((low <= truth + 1e-12) & (high >= truth - 1e-12)).mean())

    assert covered("mover") >= FLOOR
    # True difference 0: 1 - coverage is the false-positive rate of the test.
    assert 1 - covered("mover") <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / R)
    assert 1 - covered("wald") > 0.06  # the former default rejected 7-9 % here


@pytest.mark.parametrize("shares_", [(0.05, 0.15, 0.80), (0.30, 0.30, 0.40)])
def test_nps_score_interval_still_covers(shares_: tuple[float, float, float]) -> None:
    rng = np.random.default_rng(3)
    df = counts_frame(rng.multinomial(10, shares_, size=R), np.array([0, 7, 10]))
    out = cx.nps(df, "answer", by="rep", weights="w", weights_kind="frequency")
    assert coverage(out, 100 * (shares_[2] - shares_[0])) >= FLOOR


def test_csat_wilson_still_covers() -> None:
    rng = np.random.default_rng(4)
    probs = [0.01, 0.015, 0.025, 0.9 * 0.45, 0.9 * 0.55]
    df = counts_frame(rng.multinomial(30, probs, size=R), np.arange(1, 6))
    out = cx.csat(df, "answer", by="rep", weights="w", weights_kind="frequency")
    assert coverage(out, 90.0) >= FLOOR


def test_very_unequal_weights_warn_and_name_the_trusted_size() -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(1, 8, size=30)
    w = rng.lognormal(0.0, 1.5, size=30)  # Kish design effect far above 2
    with pytest.warns(cx.CoverageWarning, match="effective sample size") as record:
        cx.ces(x, weights=w)
    assert record[0].filename == __file__  # points at the caller
    assert "40" in str(record[0].message)
    # Moderately unequal weights, or enough respondents: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cx.ces(x, weights=rng.lognormal(0.0, 0.3, size=30))
        cx.ces(rng.integers(1, 8, size=400), weights=rng.lognormal(0.0, 1.0, size=400))
