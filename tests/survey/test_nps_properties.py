"""Hypothesis properties of cx.nps: bounds, invariances, grouping and weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import nps_brute

import cxlib as cx

answers_0_10 = st.lists(st.integers(0, 10), min_size=1, max_size=60)
methods = st.sampled_from(["score", "wald", "adjusted-wald"])
levels = st.sampled_from([0.8, 0.9, 0.95, 0.99])


def quiet_nps(*args: object, **kwargs: object) -> cx.Estimate:
    """cx.nps, tolerating the documented zero-width Wald warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        return cx.nps(*args, **kwargs)  # type: ignore[arg-type, no-any-return]


@given(answers_0_10, methods, levels)
def test_bounds_and_value(data: list[int], method: str, level: float) -> None:
    est = quiet_nps(data, ci_method=method, confidence_level=level)
    assert est.value == pytest.approx(nps_brute(np.array(data)))
    assert -100.0 <= est.ci.low <= est.ci.high <= 100.0
    assert est.se >= 0.0
    shares = sum(est.components[f"pct_{k}"] for k in ("detractors", "passives", "promoters"))
    assert shares == pytest.approx(100.0)


@given(answers_0_10, st.sampled_from(["score", "wald"]), levels)
def test_interval_contains_the_estimate(data: list[int], method: str, level: float) -> None:
    est = quiet_nps(data, ci_method=method, confidence_level=level)
    assert est.ci.low - 1e-9 <= est.value <= est.ci.high + 1e-9


@given(answers_0_10)
def test_score_interval_widens_with_confidence(data: list[int]) -> None:
    narrow, wide = cx.nps(data, confidence_level=0.8), cx.nps(data, confidence_level=0.99)
    assert wide.ci.low <= narrow.ci.low + 1e-9
    assert wide.ci.high >= narrow.ci.high - 1e-9


@given(st.integers(1, 500))
def test_all_promoters(n: int) -> None:
    est = cx.nps([10] * n)
    assert est.value == 100.0
    assert est.ci.high == 100.0
    assert est.ci.low < 100.0
    low = cx.nps([0] * n)
    assert low.value == -100.0
    assert low.ci.low == -100.0
    assert low.ci.high > -100.0


@given(answers_0_10, st.randoms(use_true_random=False), methods)
def test_permutation_invariance(data: list[int], random: object, method: str) -> None:
    shuffled = list(data)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = quiet_nps(data, ci_method=method), quiet_nps(shuffled, ci_method=method)
    assert a == b


@given(
    st.lists(
        st.tuples(st.sampled_from(["x", "y", "z"]), st.integers(0, 10)), min_size=1, max_size=80
    ),
    methods,
)
def test_grouped_equals_per_group(rows: list[tuple[str, int]], method: str) -> None:
    df = pd.DataFrame(rows, columns=["g", "score"])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        grouped = cx.nps(df, "score", by="g", ci_method=method)
    assert list(grouped["g"]) == sorted(set(df["g"]))
    for row in grouped.itertuples():
        single = quiet_nps(df.loc[df["g"] == row.g, "score"], ci_method=method)
        expected = single.to_frame().drop(columns=["confidence_level", "ci_method"]).iloc[0]
        got = pd.Series(row._asdict()).drop(["Index", "g"])
        pd.testing.assert_series_equal(
            got.astype(object), expected.astype(object), check_names=False
        )


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.sampled_from([1, 2, 3]), st.integers(0, 10)),
        min_size=1,
        max_size=60,
    )
)
def test_grouped_by_two_columns_equals_per_group(rows: list[tuple[str, int, int]]) -> None:
    df = pd.DataFrame(rows, columns=["channel", "wave", "score"])
    grouped = cx.nps(df, "score", by=["channel", "wave"])
    keys = sorted(set(zip(df["channel"], df["wave"], strict=True)))
    assert list(zip(grouped["channel"], grouped["wave"], strict=True)) == keys
    for row in grouped.itertuples():
        part = df[(df["channel"] == row.channel) & (df["wave"] == row.wave)]["score"]
        single = cx.nps(part)
        assert (row.value, row.ci_low, row.ci_high, row.n) == (
            single.value,
            single.ci.low,
            single.ci.high,
            single.n,
        )


@given(answers_0_10, methods)
def test_unit_weights_equal_unweighted(data: list[int], method: str) -> None:
    plain = quiet_nps(data, ci_method=method)
    for kind in ("survey", "frequency"):
        weighted = quiet_nps(data, ci_method=method, weights=np.ones(len(data)), weights_kind=kind)
        assert weighted.value == pytest.approx(plain.value, abs=1e-9)
        assert weighted.se == pytest.approx(plain.se, abs=1e-9)
        assert weighted.ci.low == pytest.approx(plain.ci.low, abs=1e-7)
        assert weighted.ci.high == pytest.approx(plain.ci.high, abs=1e-7)


@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 5)), min_size=1, max_size=40), methods)
def test_integer_weights_equal_repeated_rows(pairs: list[tuple[int, int]], method: str) -> None:
    answers = [a for a, _ in pairs]
    weights = [w for _, w in pairs]
    repeated = [a for a, w in pairs for _ in range(w)]
    if not repeated:
        return
    expected = quiet_nps(repeated, ci_method=method)
    freq = quiet_nps(answers, weights=weights, weights_kind="frequency", ci_method=method)
    assert freq.value == pytest.approx(expected.value, abs=1e-9)
    assert freq.se == pytest.approx(expected.se, abs=1e-9)
    assert freq.ci.low == pytest.approx(expected.ci.low, abs=1e-7)
    assert freq.ci.high == pytest.approx(expected.ci.high, abs=1e-7)
    assert freq.n == expected.n
    shared = {k: v for k, v in freq.components.items() if k in expected.components}
    assert shared == pytest.approx(dict(expected.components))
    assert freq.components["sum_weights"] == freq.components["n_effective"] == expected.n
    # Survey weights give the same point estimate; their standard error treats the
    # weights as sampling weights, not as counts.
    survey = quiet_nps(answers, weights=weights, ci_method=method)
    assert survey.value == pytest.approx(expected.value, abs=1e-9)


@given(answers_0_10, st.floats(0.01, 100.0))
def test_rescaling_survey_weights_changes_nothing(data: list[int], factor: float) -> None:
    rng = np.random.default_rng(len(data))
    w = rng.uniform(0.2, 3.0, size=len(data))
    a, b = cx.nps(data, weights=w), cx.nps(data, weights=w * factor)
    assert a.value == pytest.approx(b.value, abs=1e-9)
    assert a.se == pytest.approx(b.se, abs=1e-9)
    assert a.ci.low == pytest.approx(b.ci.low, abs=1e-7)
    assert a.ci.high == pytest.approx(b.ci.high, abs=1e-7)


@given(
    st.lists(st.integers(0, 10), min_size=1, max_size=40),
    st.lists(st.integers(0, 10), min_size=1, max_size=40),
)
def test_difference_is_antisymmetric(a: list[int], b: list[int]) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        ab, ba = cx.nps_difference(a, b), cx.nps_difference(b, a)
    assert ab.difference == pytest.approx(-ba.difference, abs=1e-9)
    assert ab.se == pytest.approx(ba.se)
    if not np.isnan(ab.p_value):
        assert ab.p_value == pytest.approx(ba.p_value)
        assert ab.difference_ci.low == pytest.approx(-ba.difference_ci.high, abs=1e-9)
