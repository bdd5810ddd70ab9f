"""Sequential (always-valid) A/B inference: confidence sequences and their p-values.

References: the closed form of the normal-mixture boundary written out below from
Waudby-Smith et al. (2024; arXiv:2103.06476v7 eqs. 9, 155 and 161, the equations
GrowthBook's gbstats implements) and Robbins (1970), its tuning by numerical
minimisation (scipy), the duality of the sequence and its p-value, and simulations of
experiments looked at every day (fixed seeds), where the fixed-horizon test's error rate
is measured beside the sequential one's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import optimize, special

import cxlib as cx
from cxlib.core.lift import normal_pairs
from cxlib.core.sequential import (
    always_valid_p_value,
    mixture_rho,
    sequence_multiplier,
    sequential_pairs,
)

ALPHA = 0.05


def brute_halfwidth(se: float, n: float, alpha: float, tuning: float) -> float:
    """The boundary of the paper, in the units of the estimate: per-unit standard
    deviation sigma = se * sqrt(n), and sigma * sqrt(2 (n r^2 + 1) / (n^2 r^2) *
    log(sqrt(n r^2 + 1) / alpha))."""
    r2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning
    sigma = se * math.sqrt(n)
    return sigma * math.sqrt(
        2 * (n * r2 + 1) / (n * n * r2) * math.log(math.sqrt(n * r2 + 1) / alpha)
    )


def test_boundary_matches_the_closed_form() -> None:
    for n in (10, 1_000, 5_000, 123_456, 10**8):
        for alpha in (0.01, 0.05, 0.2):
            for tuning in (500, 5_000, 100_000):
                got = float(sequence_multiplier([n], alpha, tuning)[0]) * 0.37
                assert got == pytest.approx(brute_halfwidth(0.37, n, alpha, tuning), rel=1e-12)


def test_the_tuning_makes_the_sequence_nearly_tightest_there() -> None:
    """rho is the closed-form approximation of the width-minimising mixture at n = tuning."""
    for tuning in (1_000, 5_000, 50_000):

        def width(log_r2: float, n: float = tuning) -> float:
            r2 = math.exp(log_r2)
            return math.sqrt(2 * (n * r2 + 1) / (n * r2) * math.log(math.sqrt(n * r2 + 1) / ALPHA))

        best = optimize.minimize_scalar(width, bounds=(-30, 5), method="bounded")
        ours = width(2 * math.log(mixture_rho(ALPHA, tuning)))
        assert ours <= best.fun * 1.005  # within half a percent of the narrowest
        # and narrowest near the tuning: wider at a tenth and at ten times as many units
        c = sequence_multiplier([tuning / 10, tuning, tuning * 10], ALPHA, tuning)
        assert c[1] < c[0]
        assert c[1] < c[2]


def test_the_sequence_is_wider_than_the_fixed_interval_and_grows_slowly() -> None:
    n = np.geomspace(10, 1e9, 50)
    c = sequence_multiplier(n, ALPHA, 5_000)
    assert (c > special.ndtri(1 - ALPHA / 2)).all()
    # iterated-logarithm growth at most: c_n**2 / log(n) stays bounded
    assert (c[n > 1e6] ** 2 / np.log(n[n > 1e6]) < 2.5).all()


@settings(max_examples=200)
@given(
    z=st.floats(-8, 8),
    n=st.integers(2, 10**7),
    tuning=st.floats(10, 1e6),
    alpha=st.sampled_from([0.01, 0.05, 0.1]),
)
def test_p_value_below_alpha_exactly_when_the_sequence_excludes_zero(
    z: float, n: int, tuning: float, alpha: float
) -> None:
    c = float(sequence_multiplier([n], alpha, tuning)[0])
    p = float(always_valid_p_value([z], [n], alpha, tuning)[0])
    if abs(abs(z) - c) > 1e-9:
        assert (p < alpha) == (abs(z) > c)
    assert 0 < p <= 1


@settings(max_examples=150)
@given(
    nc=st.integers(50, 200_000),
    nv=st.integers(50, 200_000),
    pc=st.floats(0.01, 0.6),
    effect=st.floats(-0.5, 0.5),
)
def test_lift_sequence_excludes_zero_with_the_difference(
    nc: int, nv: int, pc: float, effect: float
) -> None:
    sc = round(nc * pc)
    sv = min(nv, max(0, round(nv * pc * (1 + effect))))
    assume(sc >= 5 and sv >= 1)  # a control told apart from zero: the lift is defined
    result = cx.ab.compare_proportions((sc, nc), (sv, nv), sequential=True)
    if not np.isfinite(result.p_value) or result.se == 0:
        return
    diff_excludes = not (result.difference_ci.low <= 0 <= result.difference_ci.high)
    low, high = result.lift_ci
    lift_excludes = not (low <= 0 <= high)
    margin = abs(abs(result.statistic) - float(sequence_multiplier([nc + nv], ALPHA, 5000)[0]))
    if margin > 1e-6:
        assert diff_excludes == lift_excludes == (result.p_value < ALPHA)


def test_compare_proportions_equals_the_formula() -> None:
    # The VWO-style 26 % lift (4.0 % to 5.04 % on 10,000 visitors per arm).
    result = cx.ab.compare_proportions((400, 10_000), (504, 10_000), sequential=True)
    pc, pv = 0.04, 0.0504
    se = math.sqrt(pc * (1 - pc) / 10_000 + pv * (1 - pv) / 10_000)
    half = brute_halfwidth(se, 20_000, ALPHA, 5_000)
    assert result.difference_ci.low == pytest.approx(0.0104 - half, rel=1e-12)
    assert result.difference_ci.high == pytest.approx(0.0104 + half, rel=1e-12)
    n_r2 = 20_000 * (-2 * math.log(ALPHA) + math.log(1 - 2 * math.log(ALPHA))) / 5_000
    z = 0.0104 / se
    evalue = math.exp(n_r2 * z * z / (2 * (n_r2 + 1))) / math.sqrt(n_r2 + 1)
    assert result.p_value == pytest.approx(min(1.0, 1 / evalue), rel=1e-12)
    assert result.method == "sequential"
    assert result.test == "mixture sequential z"
    # Fieller's set of ratios at the sequence's multiplier, solved here as a quadratic.
    q = half / se
    vc, vv = pc * (1 - pc) / 10_000, pv * (1 - pv) / 10_000
    roots = np.roots([pc**2 - q * q * vc, -2 * pc * pv, pv**2 - q * q * vv])
    assert sorted(result.lift_ci) == pytest.approx(sorted(roots - 1), rel=1e-9)
    fixed = cx.ab.compare_proportions((400, 10_000), (504, 10_000))
    assert fixed.difference_ci.low > result.difference_ci.low  # wider, as it must be


def test_compare_means_and_ratios_equal_the_formula() -> None:
    rng = np.random.default_rng(5)
    a0, b0 = rng.gamma(2.0, 5.0, 3_000), rng.gamma(2.0, 5.2, 2_500)
    a, b = a0 + 1e9, b0 + 1e9  # far from zero: the reference is taken near it
    result = cx.ab.compare_means(a, b, sequential=True, sequential_tuning=2_000)
    se = math.sqrt(a0.var(ddof=1) / len(a) + b0.var(ddof=1) / len(b))
    half = brute_halfwidth(se, 5_500, ALPHA, 2_000)
    diff = b0.mean() - a0.mean()
    assert result.difference == pytest.approx(diff, rel=1e-6)
    assert result.difference_ci.high - result.difference_ci.low == pytest.approx(2 * half, rel=1e-6)
    assert result.statistic == pytest.approx(diff / se, rel=1e-6)
    ones_a, ones_b = np.ones(len(a)), np.ones(len(b))
    ratio = cx.ab.compare_ratios((a, ones_a), (b, ones_b), sequential=True, sequential_tuning=2e3)
    assert ratio.difference_ci.low == pytest.approx(result.difference_ci.low, rel=1e-6)
    assert ratio.p_value == pytest.approx(result.p_value, rel=1e-6)


def test_frame_compare_equals_the_two_arm_functions() -> None:
    summary = pd.DataFrame(
        {"arm": ["A", "B", "C"], "conv": [400, 504, 430], "visits": [10_000, 10_000, 9_000]}
    )
    table = cx.ab.compare(
        summary, group="arm", control="A", metric=cx.ab.Proportion("conv", "visits"),
        sequential=True,
    )  # fmt: skip
    for row, (s, n) in zip(table.itertuples(), [(504, 10_000), (430, 9_000)], strict=True):
        want = cx.ab.compare_proportions((400, 10_000), (s, n), sequential=True)
        assert row.ci_low == pytest.approx(want.difference_ci.low, rel=1e-12)
        assert row.lift_ci_high == pytest.approx(want.lift_ci.high, rel=1e-12)
        assert row.p_value == pytest.approx(want.p_value, rel=1e-12)
        assert row.test == "mixture sequential z"


def _daily_experiment(seed: int, days: int = 14, effect: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 6_000
    frame = pd.DataFrame(
        {"arm": rng.choice(["control", "variant"], n), "day": rng.integers(1, days + 1, n)}
    )
    rate = np.where(frame["arm"] == "variant", 0.1 * (1 + effect), 0.1)
    frame["converted"] = rng.random(n) < rate
    frame["revenue"] = np.where(frame["converted"], rng.gamma(2.0, 20.0, n), 0.0)
    return frame


@pytest.mark.parametrize("metric", ["converted", "revenue"])
def test_trajectory_is_the_comparison_of_the_rows_up_to_each_look(metric: str) -> None:
    visits = _daily_experiment(1, effect=0.2)
    kwargs: dict[str, Any] = {"group": "arm", "control": "control", "metric": metric}
    path = cx.ab.compare(visits, **kwargs, sequential=True, time="day")
    assert path["day"].tolist() == list(range(1, 15))
    for day in (1, 7, 14):
        want = cx.ab.compare(visits[visits["day"] <= day], **kwargs, sequential=True)
        got = path[path["day"] == day].drop(columns="day").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)
    # Polars: the same looks, cut in the engine.
    on_polars = cx.ab.compare(pl.from_pandas(visits), **kwargs, sequential=True, time="day")
    pd.testing.assert_frame_equal(on_polars, path, check_dtype=False, rtol=1e-9)


def test_daily_summaries_merge_into_the_same_sequence() -> None:
    """Per-day sums of each arm (a warehouse export) give the per-unit result."""
    visits = _daily_experiment(2)
    daily = visits.groupby(["day", "arm"], as_index=False).agg(
        conversions=("converted", "sum"), visitors=("converted", "size")
    )
    summed = cx.ab.compare(
        daily, group="arm", control="control",
        metric=cx.ab.Proportion("conversions", "visitors"), sequential=True, time="day",
    )  # fmt: skip
    per_unit = cx.ab.compare(
        visits, group="arm", control="control", metric="converted", sequential=True, time="day"
    )
    for column in ("ci_low", "ci_high", "lift_ci_low", "lift_ci_high", "p_value"):
        np.testing.assert_allclose(summed[column], per_unit[column], rtol=1e-12)


def _peeking_simulation(
    n_experiments: int, days: int, per_day: int, seed: int, rate: float = 0.1
) -> tuple[float, float, float]:
    """Type-I error of peeking daily at A/A tests, and the sequence's coverage.

    Daily conversions of two identical arms, accumulated; at each look the Wald test
    (fixed horizon) and the sequential test, both through cxlib's vectorised pairs.
    """
    rng = np.random.default_rng(seed)
    conv = rng.binomial(per_day, rate, size=(2, n_experiments, days)).cumsum(axis=2)
    trials = per_day * np.arange(1, days + 1, dtype=np.float64)
    sc, sv = conv[0].ravel().astype(np.float64), conv[1].ravel().astype(np.float64)
    n = np.tile(trials, n_experiments)
    pc, pv = sc / n, sv / n
    fixed = normal_pairs(
        pc, pv, pc * (1 - pc) / n, pv * (1 - pv) / n, n, n,
        level=1 - ALPHA, alternative="two-sided", lift_method="fieller",
    )  # fmt: skip
    sequential = sequential_pairs(fixed, level=1 - ALPHA, tuning=5_000, lift_method="fieller")
    fixed_hits = (fixed.p_value < ALPHA).reshape(n_experiments, days).any(axis=1)
    seq_hits = (sequential.p_value < ALPHA).reshape(n_experiments, days).any(axis=1)
    covered = ((sequential.ci_low <= 0) & (sequential.ci_high >= 0)).reshape(n_experiments, days)
    return float(fixed_hits.mean()), float(seq_hits.mean()), float(covered.all(axis=1).mean())


def test_daily_peeking_keeps_the_sequential_error_rate_below_alpha() -> None:
    """28 daily looks at 4,000 A/A tests (fixed seed): the sequential test rejects at
    most alpha of them, the fixed-horizon test several times alpha."""
    fixed, sequential, coverage = _peeking_simulation(4_000, 28, 500, seed=20261206)
    # 4,000 experiments: the standard error of a rate near 0.05 is about 0.0035.
    assert sequential <= ALPHA
    assert coverage >= 1 - ALPHA
    assert fixed > 3 * ALPHA  # about 0.25 with 28 looks


def test_the_sequence_still_finds_a_real_effect() -> None:
    visits = _daily_experiment(3, days=28, effect=0.5)
    path = cx.ab.compare(
        visits, group="arm", control="control", metric="converted", sequential=True, time="day"
    )
    assert path["p_value"].iloc[-1] < ALPHA
    assert (path["ci_high"].to_numpy() - path["ci_low"].to_numpy())[-1] < (
        path["ci_high"] - path["ci_low"]
    ).iloc[0]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"sequential_tuning": 0}, ValueError, r"sequential_tuning must be a positive, finite"),
        ({"sequential_tuning": -5.0}, ValueError, r"sequential_tuning must be a positive"),
        ({"sequential_tuning": math.inf}, ValueError, r"sequential_tuning must be a positive"),
        ({"sequential_tuning": "5000"}, TypeError, r"sequential_tuning must be a positive num"),
        ({"sequential_tuning": True}, TypeError, r"sequential_tuning must be a positive num"),
        ({"sequential": "yes"}, TypeError, r"sequential must be True or False"),
        ({"ci_method": "bca"}, ValueError, r"sequential=True needs a normal-approximation"),
        ({"ci_method": "score"}, ValueError, r"got ci_method='score'"),
        ({"alternative": "greater"}, ValueError, r"two-sided confidence sequences"),
        ({"exact": True}, ValueError, r"sequential=True has no exact test"),
    ],
)
def test_bad_options_are_named(kwargs: dict[str, Any], error: type, message: str) -> None:
    options = {"sequential": True, **kwargs}
    with pytest.raises(error, match=message):
        cx.ab.compare_proportions((40, 1000), (50, 1000), **options)


def test_bad_time_columns_are_named() -> None:
    visits = _daily_experiment(4)
    kwargs: dict[str, Any] = {"group": "arm", "control": "control", "metric": "converted"}
    with pytest.raises(ValueError, match=r"time='nope' is not a column"):
        cx.ab.compare(visits, **kwargs, time="nope")
    gaps = visits.assign(day=visits["day"].where(visits.index != 3))
    with pytest.raises(ValueError, match=r"time column 'day' has 1 missing value"):
        cx.ab.compare(gaps, **kwargs, time="day")
    with pytest.raises(ValueError, match=r"time='day' must not also be a by column"):
        cx.ab.compare(visits, **kwargs, time="day", by="day")
    before = visits.copy()
    cx.ab.compare(visits, **kwargs, time="day", sequential=True)
    pd.testing.assert_frame_equal(visits, before)
