"""cx.csat and cx.ces against brute force, statsmodels and scipy; weights, groups, bad input."""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from reference_indices import csat_brute, is_missing, weighted_mean_se
from reference_shares import modified_wilson
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

import cxlib as cx

STATSMODELS_NAME = {
    "wilson": "wilson",
    "wald": "normal",
    "agresti-coull": "agresti_coull",
    "clopper-pearson": "beta",
    "jeffreys": "jeffreys",
}
PROPORTION_METHODS = tuple(STATSMODELS_NAME)
SCALES = [(1, 5), (1, 7), (0, 10), (1, 3), (-2, 2)]
LEVELS = st.sampled_from([0.8, 0.9, 0.95, 0.99])
BASE = ("metric", "value", "se", "ci_low", "ci_high", "n", "n_missing")
WEIGHT_COMPONENTS = ("sum_weights", "n_effective")


def answer_key(a: int) -> str:
    return f"n_answer_{a}" if a >= 0 else f"n_answer_neg{-a}"


def quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` tolerating the documented DegenerateDataWarning (zero-width Wald, NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        return func(*args, **kwargs)


@st.composite
def scaled_answers(
    draw: st.DrawFn, *, with_missing: bool = True, min_size: int = 1
) -> tuple[int, int, int, list[int | None]]:
    """A scale, a number of top answers and answers on it (some missing)."""
    low, high = draw(st.sampled_from(SCALES))
    box = draw(st.integers(1, high - low))
    answer: st.SearchStrategy[int | None] = st.integers(low, high)
    if with_missing:
        answer = st.one_of(answer, answer, answer, st.none())
    data = draw(st.lists(answer, min_size=min_size, max_size=60))
    assume(sum(a is not None for a in data) >= min_size)
    return low, high, box, data


def assert_estimates_close(a: cx.Estimate, b: cx.Estimate, *, skip: tuple[str, ...] = ()) -> None:
    """Same value, se, interval, counts and components (up to rounding)."""
    assert a.value == pytest.approx(b.value, abs=1e-9, nan_ok=True)
    assert a.se == pytest.approx(b.se, abs=1e-9, nan_ok=True)
    assert a.ci.low == pytest.approx(b.ci.low, abs=1e-7, nan_ok=True)
    assert a.ci.high == pytest.approx(b.ci.high, abs=1e-7, nan_ok=True)
    assert (a.n, a.n_missing) == (b.n, b.n_missing)
    ca = {k: v for k, v in a.components.items() if k not in skip}
    cb = {k: v for k, v in b.components.items() if k not in skip}
    assert ca.keys() == cb.keys()
    for key, value in ca.items():
        assert value == pytest.approx(cb[key], abs=1e-9, nan_ok=True), key


def assert_row_matches(row: pd.Series, est: cx.Estimate) -> None:
    """A row of a grouped result equals the Estimate of that group alone."""
    expected = est.to_frame().drop(columns=["confidence_level", "ci_method"]).iloc[0]
    for key in expected.index:
        got, want = row[key], expected[key]
        if isinstance(want, str):
            assert got == want
        else:
            assert got == pytest.approx(want, abs=1e-9, nan_ok=True), key


# --------------------------------------------------------------------------- CSAT


@given(scaled_answers())
def test_csat_value_and_components_brute_force(
    case: tuple[int, int, int, list[int | None]],
) -> None:
    low, high, top_box, data = case
    est = cx.csat(data, scale=(low, high), top_box=top_box)
    value, satisfied = csat_brute(data, high, top_box)
    given_ = [a for a in data if a is not None]
    assert est.value == pytest.approx(value, abs=1e-12)
    assert est.n == len(given_)
    assert est.n_missing == len(data) - len(given_)
    assert est.metric == "csat"
    assert est.ci_method == "modified-wilson"
    ref_low, ref_high = modified_wilson(satisfied, len(given_))
    assert est.ci.low == pytest.approx(100 * float(ref_low), abs=1e-8)
    assert est.ci.high == pytest.approx(100 * float(ref_high), abs=1e-8)
    expected = {
        "n_satisfied": satisfied,
        "mean_score": pytest.approx(math.fsum(given_) / len(given_), abs=1e-12),
        **{answer_key(k): sum(1 for a in given_ if a == k) for k in range(low, high + 1)},
    }
    assert dict(est.components) == expected
    # The plug-in standard error of a share in percent.
    p = value / 100.0
    assert est.se == pytest.approx(100.0 * math.sqrt(p * (1.0 - p) / len(given_)), abs=1e-12)


def test_csat_default_is_top_two_box_on_one_to_five() -> None:
    est = cx.csat([1, 2, 3, 4, 5, 5, 4, 3])
    assert est.value == 50.0
    assert est.components["n_satisfied"] == 4
    assert cx.csat([1, 2, 3, 4, 5, 5, 4, 3], top_box=1).value == 25.0
    assert cx.csat([1, 2, 3, 4, 5, 5, 4, 3], top_box=4).value == pytest.approx(87.5)


def test_csat_string_scale_equals_tuple() -> None:
    data = [0, 3, 7, 8, 9, 10, 10, 6]
    a = cx.csat(data, scale="0-10", top_box=3)
    b = cx.csat(data, scale=(0, 10), top_box=3)
    assert a == b
    assert a.value == pytest.approx(100 * 4 / 8)
    assert a.components["n_answer_0"] == 1
    assert a.components["n_answer_10"] == 2


def csat_grid() -> pd.DataFrame:
    """One group per (x satisfied, n) case: all x for small n, edges and middle for large n."""
    cases = [(x, n) for n in (1, 2, 3, 5, 10, 37) for x in range(n + 1)]
    cases += [(x, n) for n in (400, 12_345) for x in sorted({0, 1, 2, 9, n // 3, n - 1, n})]
    frames = [
        pd.DataFrame({"case": k, "answer": [5] * x + [2] * (n - x)})
        for k, (x, n) in enumerate(cases)
    ]
    return pd.concat(frames, ignore_index=True)


GRID = csat_grid()


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
@pytest.mark.parametrize("method", PROPORTION_METHODS)
def test_csat_intervals_match_statsmodels(method: str, level: float) -> None:
    x = GRID.groupby("case")["answer"].apply(lambda s: int((s == 5).sum())).to_numpy()
    n = GRID.groupby("case").size().to_numpy()
    if method == "wald":
        # The Wald interval collapses where all answers agree, and says so.
        with pytest.warns(cx.DegenerateDataWarning, match="zero width"):
            out = cx.csat(GRID, "answer", by="case", ci_method=method, confidence_level=level)
    else:
        out = cx.csat(GRID, "answer", by="case", ci_method=method, confidence_level=level)
    ref_low, ref_high = proportion_confint(x, n, alpha=1 - level, method=STATSMODELS_NAME[method])
    np.testing.assert_allclose(out["value"], 100.0 * x / n, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out["ci_low"], 100.0 * np.clip(ref_low, 0, 1), rtol=0, atol=1e-8)
    np.testing.assert_allclose(out["ci_high"], 100.0 * np.clip(ref_high, 0, 1), rtol=0, atol=1e-8)
    assert out["n"].tolist() == n.tolist()
    assert out["n_satisfied"].tolist() == x.tolist()


@pytest.mark.parametrize("method", PROPORTION_METHODS)
@pytest.mark.parametrize(("x", "n"), [(6, 8), (1, 1), (0, 3), (17, 40), (299, 300)])
def test_csat_single_estimate_matches_statsmodels(method: str, x: int, n: int) -> None:
    data = [4] * x + [3] * (n - x)
    est = quiet(cx.csat, data, ci_method=method)
    low, high = proportion_confint(x, n, alpha=0.05, method=STATSMODELS_NAME[method])
    assert est.ci.low == pytest.approx(100 * max(low, 0.0), abs=1e-8)
    assert est.ci.high == pytest.approx(100 * min(high, 1.0), abs=1e-8)
    assert est.ci_method == method


@given(
    st.lists(
        st.tuples(st.sampled_from(["x", "y", "z"]), st.one_of(st.integers(1, 5), st.none())),
        min_size=1,
        max_size=80,
    ),
    st.sampled_from(PROPORTION_METHODS),
    st.integers(1, 4),
)
def test_csat_grouped_equals_per_group(
    rows: list[tuple[str, int | None]], method: str, top_box: int
) -> None:
    df = pd.DataFrame(rows, columns=["g", "answer"])
    grouped = quiet(cx.csat, df, "answer", by="g", ci_method=method, top_box=top_box)
    assert grouped["g"].tolist() == sorted(set(df["g"]))
    for _, row in grouped.iterrows():
        part = df.loc[df["g"] == row["g"], "answer"]
        assert_row_matches(row, quiet(cx.csat, part, ci_method=method, top_box=top_box))


@given(scaled_answers(), st.sampled_from(PROPORTION_METHODS))
def test_csat_unit_survey_weights_equal_unweighted(
    case: tuple[int, int, int, list[int | None]], method: str
) -> None:
    low, high, top_box, data = case
    kwargs: dict[str, Any] = {"scale": (low, high), "top_box": top_box, "ci_method": method}
    plain = quiet(cx.csat, data, **kwargs)
    for kind in ("survey", "frequency"):
        weighted = quiet(cx.csat, data, weights=np.ones(len(data)), weights_kind=kind, **kwargs)
        assert_estimates_close(weighted, plain, skip=WEIGHT_COMPONENTS)


@given(
    st.lists(st.tuples(st.integers(1, 5), st.integers(0, 4)), min_size=1, max_size=40),
    st.sampled_from(PROPORTION_METHODS),
)
def test_csat_frequency_weights_equal_repeated_rows(
    pairs: list[tuple[int, int]], method: str
) -> None:
    repeated = [a for a, w in pairs for _ in range(w)]
    assume(repeated)
    expected = quiet(cx.csat, repeated, ci_method=method)
    freq = quiet(
        cx.csat,
        [a for a, _ in pairs],
        weights=[w for _, w in pairs],
        weights_kind="frequency",
        ci_method=method,
    )
    assert_estimates_close(freq, expected, skip=WEIGHT_COMPONENTS)
    assert freq.components["sum_weights"] == freq.components["n_effective"] == len(repeated)


def test_csat_frequency_weights_count_missing_answers_like_repeated_rows() -> None:
    freq = cx.csat([5, 3, None, 4], weights=[2, 1, 3, 1], weights_kind="frequency")
    repeated = cx.csat([5, 5, 3, None, None, None, 4])
    assert (freq.n, freq.n_missing) == (repeated.n, repeated.n_missing) == (4, 3)


def test_csat_survey_weights_linearised() -> None:
    rng = np.random.default_rng(21)
    answers = rng.integers(1, 6, size=300)
    w = rng.lognormal(0.0, 0.5, size=300)
    est = cx.csat(answers, weights=w)
    s = [100.0 if a >= 4 else 0.0 for a in answers]
    m, se = weighted_mean_se(s, list(w), ddof=0)
    assert est.value == pytest.approx(m, abs=1e-10)
    # The weighted share of satisfied answers, and se = sqrt(sum w^2 (s - m)^2) / sum w.
    assert est.value == pytest.approx(100 * w[answers >= 4].sum() / w.sum(), abs=1e-10)
    assert est.se == pytest.approx(se, abs=1e-10)
    p = m / 100
    n_eff = p * (1 - p) * 100**2 / se**2
    assert est.components["n_effective"] == pytest.approx(n_eff, rel=1e-10)
    assert est.components["sum_weights"] == pytest.approx(w.sum(), rel=1e-12)
    low, high = proportion_confint(p * n_eff, n_eff, alpha=0.05, method="wilson")
    assert est.ci.low == pytest.approx(100 * low, abs=1e-8)
    assert est.ci.high == pytest.approx(100 * high, abs=1e-8)
    # The mean answer is weighted; the answer counts are not.
    assert est.components["mean_score"] == pytest.approx(float(np.average(answers, weights=w)))
    for k in range(1, 6):
        assert est.components[f"n_answer_{k}"] == int((answers == k).sum())
    assert est.components["n_satisfied"] == int((answers >= 4).sum())
    assert est.n == 300
    # A weights column gives the same estimate as the array.
    df = pd.DataFrame({"sat": answers, "w": w})
    assert cx.csat(df, "sat", weights="w") == est


def test_csat_survey_weights_rescaling_changes_nothing() -> None:
    rng = np.random.default_rng(8)
    answers = rng.integers(1, 6, size=120)
    w = rng.uniform(0.2, 3.0, size=120)
    a, b = cx.csat(answers, weights=w), cx.csat(answers, weights=w * 37.5)
    assert_estimates_close(a, b, skip=("sum_weights",))


def test_csat_nan_policy() -> None:
    data = [5, None, 4, 2, None]
    est = cx.csat(data)
    assert (est.value, est.n, est.n_missing) == (pytest.approx(200 / 3), 3, 2)
    with pytest.raises(ValueError, match=r"data has 2 missing answer\(s\) and nan_policy='raise'"):
        cx.csat(data, nan_policy="raise")
    prop = cx.csat(data, nan_policy="propagate")
    assert math.isnan(prop.value)
    assert math.isnan(prop.ci.low)
    assert math.isnan(prop.ci.high)
    assert (prop.n, prop.n_missing) == (3, 2)
    assert cx.csat([5, 4], nan_policy="propagate").value == 100.0
    with pytest.raises(ValueError, match="nan_policy must be one of"):
        cx.csat(data, nan_policy="drop")  # type: ignore[arg-type]


def test_csat_all_missing_is_nan_with_warning() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="undefined"):
        est = cx.csat([None, None])
    assert math.isnan(est.value)
    assert (est.n, est.n_missing) == (0, 2)


# --------------------------------------------------------------------------- CES


@given(scaled_answers(with_missing=False, min_size=2), LEVELS)
def test_ces_value_and_t_interval_match_scipy(
    case: tuple[int, int, int, list[int]], level: float
) -> None:
    low, high, easy_box, data = case
    assume(len(set(data)) > 1)
    est = cx.ces(data, scale=(low, high), easy_box=easy_box, confidence_level=level, ci_method="t")
    x = np.array(data, dtype=float)
    assert est.value == pytest.approx(math.fsum(data) / len(data), abs=1e-12)
    assert est.se == pytest.approx(float(stats.sem(x)), rel=1e-10)
    ci = stats.ttest_1samp(x, 0.0).confidence_interval(level)
    # Truncated to the answer scale.
    assert est.ci.low == pytest.approx(max(float(ci.low), low), abs=1e-9)
    assert est.ci.high == pytest.approx(min(float(ci.high), high), abs=1e-9)
    assert low <= est.ci.low <= est.value <= est.ci.high <= high
    assert est.ci_method == "t"
    assert est.metric == "ces"


@pytest.mark.parametrize(
    ("data", "end"),
    [([7, 7, 7, 6], "high"), ([1, 1, 1, 2], "low"), ([7, 7, 1], "both"), ([4, 5, 3, 4], "none")],
)
def test_ces_truncation_at_the_scale_ends(data: list[int], end: str) -> None:
    ref = stats.ttest_1samp(np.array(data, dtype=float), 0.0).confidence_interval(0.95)
    est = cx.ces(data, ci_method="t")  # scale 1-7
    assert (ref.low < 1) == (end in ("low", "both"))  # the truncation matters here ...
    assert (ref.high > 7) == (end in ("high", "both"))
    assert est.ci.low == (1.0 if ref.low < 1 else pytest.approx(ref.low, abs=1e-9))
    assert est.ci.high == (7.0 if ref.high > 7 else pytest.approx(ref.high, abs=1e-9))
    # ... and the standard error is not truncated.
    assert est.se == pytest.approx(float(stats.sem(data)), rel=1e-12)


def test_ces_constant_answers_give_a_point_t_interval() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="t interval has zero width"):
        est = cx.ces([5, 5, 5], ci_method="t")
    assert est.value == 5.0
    assert est.se == 0.0
    assert est.ci == (5.0, 5.0)


def test_ces_single_answer_warns_that_the_t_interval_is_undefined() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="undefined"):
        est = cx.ces([5], ci_method="t")
    assert est.value == 5.0
    assert math.isnan(est.ci.low)
    assert math.isnan(est.ci.high)


def test_ces_default_interval_has_width_for_equal_and_single_answers() -> None:
    # One pseudo-answer at each end (1 and 7): three answers 5 become 1, 5, 5, 5, 7.
    est = cx.ces([5, 5, 5])
    assert est.ci_method == "adjusted-wald"
    aug = np.array([1.0, 5, 5, 5, 7])
    half = stats.norm.ppf(0.975) * aug.std(ddof=1) / math.sqrt(len(aug))
    assert est.ci == pytest.approx((aug.mean() - half, min(aug.mean() + half, 7.0)), abs=1e-12)
    single = cx.ces([5])  # no warning: the interval is defined and has width
    assert 1.0 <= single.ci.low < 5.0 < single.ci.high <= 7.0


@given(scaled_answers())
def test_ces_pct_easy_and_distribution(case: tuple[int, int, int, list[int | None]]) -> None:
    low, high, easy_box, data = case
    given_ = [a for a in data if a is not None]
    # The default (adjusted Wald) interval has width for one or equal answers: no warning.
    est = cx.ces(data, scale=(low, high), easy_box=easy_box)
    assert low <= est.ci.low < est.ci.high <= high
    easy = sum(1 for a in given_ if a in range(high - easy_box + 1, high + 1))
    assert est.value == pytest.approx(math.fsum(given_) / len(given_), abs=1e-12)
    assert (est.n, est.n_missing) == (len(given_), len(data) - len(given_))
    expected = {
        "pct_easy": pytest.approx(100.0 * easy / len(given_), abs=1e-12),
        **{answer_key(k): sum(1 for a in given_ if a == k) for k in range(low, high + 1)},
    }
    assert dict(est.components) == expected


def test_ces_default_easy_box_is_five_to_seven() -> None:
    est = cx.ces([1, 2, 3, 4, 5, 6, 7, 7])
    assert est.components["pct_easy"] == pytest.approx(100 * 4 / 8)
    assert cx.ces([1, 2, 3, 4, 5, 6, 7, 7], easy_box=1).components["pct_easy"] == 25.0


def test_ces_survey_weights_linearised() -> None:
    rng = np.random.default_rng(4)
    x = rng.integers(1, 8, size=250)
    w = rng.lognormal(0.0, 0.6, size=250)
    est = cx.ces(x, weights=w, ci_method="t")
    n = len(x)
    m = float(np.sum(w * x) / np.sum(w))
    se = math.sqrt(n / (n - 1) * sum(wi**2 * (xi - m) ** 2 for wi, xi in zip(w, x, strict=True)))
    se /= float(np.sum(w))
    assert est.value == pytest.approx(m, abs=1e-12)
    assert est.se == pytest.approx(se, rel=1e-10)
    assert (est.value, est.se) == pytest.approx(weighted_mean_se(list(x), list(w), ddof=1))
    t = stats.t.ppf(0.975, n - 1)
    assert est.ci.low == pytest.approx(m - t * se, abs=1e-9)
    assert est.ci.high == pytest.approx(m + t * se, abs=1e-9)
    assert est.components["pct_easy"] == pytest.approx(100 * w[x >= 5].sum() / w.sum())
    for k in range(1, 8):
        assert est.components[f"n_answer_{k}"] == int((x == k).sum())


@given(scaled_answers(with_missing=True, min_size=2))
def test_ces_unit_weights_equal_unweighted(case: tuple[int, int, int, list[int | None]]) -> None:
    low, high, easy_box, data = case
    kwargs: dict[str, Any] = {"scale": (low, high), "easy_box": easy_box}
    plain = quiet(cx.ces, data, **kwargs)
    for kind in ("survey", "frequency"):
        weighted = quiet(cx.ces, data, weights=np.ones(len(data)), weights_kind=kind, **kwargs)
        assert_estimates_close(weighted, plain, skip=WEIGHT_COMPONENTS)


@given(st.lists(st.tuples(st.integers(1, 7), st.integers(0, 4)), min_size=1, max_size=40))
def test_ces_frequency_weights_equal_repeated_rows(pairs: list[tuple[int, int]]) -> None:
    repeated = [a for a, w in pairs for _ in range(w)]
    assume(len(repeated) >= 2)
    expected = quiet(cx.ces, repeated)
    freq = quiet(
        cx.ces, [a for a, _ in pairs], weights=[w for _, w in pairs], weights_kind="frequency"
    )
    assert_estimates_close(freq, expected, skip=WEIGHT_COMPONENTS)


@given(
    st.lists(
        st.tuples(st.sampled_from([1, 2, 3]), st.one_of(st.integers(1, 7), st.none())),
        min_size=1,
        max_size=80,
    )
)
def test_ces_grouped_equals_per_group(rows: list[tuple[int, int | None]]) -> None:
    df = pd.DataFrame(rows, columns=["wave", "effort"])
    grouped = quiet(cx.ces, df, "effort", by="wave")
    assert grouped["wave"].tolist() == sorted(set(df["wave"]))
    for _, row in grouped.iterrows():
        part = df.loc[df["wave"] == row["wave"], "effort"]
        assert_row_matches(row, quiet(cx.ces, part))


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("func", "values", "kwargs", "message"),
    [
        (
            cx.csat,
            [1, 6, 3],
            {},
            "column 'q' answers must lie on the 1-5 scale; found out-of-scale values [6]",
        ),
        (
            cx.csat,
            [0, 5, -1],
            {},
            "column 'q' answers must lie on the 1-5 scale; found out-of-scale values [-1, 0]",
        ),
        (cx.csat, [1.0, np.inf], {}, "out-of-scale values [inf]"),
        (cx.csat, [7, 11], {"scale": "0-10"}, "column 'q' answers must lie on the 0-10 scale"),
        (
            cx.ces,
            [0, 7],
            {},
            "column 'q' answers must lie on the 1-7 scale; found out-of-scale values [0]",
        ),
        (cx.ces, [8, 7, 9, 8], {}, "found out-of-scale values [8, 9]"),
        (
            cx.csat,
            [4.5, 5.0],
            {},
            "column 'q' must hold whole-number answers on the 1-5 scale; found non-integers [4.5]",
        ),
        (
            cx.ces,
            [2.0, 6.25, np.nan],
            {},
            "column 'q' must hold whole-number answers on the 1-7 scale; found non-integers [6.25]",
        ),
    ],
)
def test_out_of_scale_and_non_integer_answers_name_the_column(
    func: Any, values: list[float], kwargs: dict[str, Any], message: str
) -> None:
    df = pd.DataFrame({"q": values})
    with pytest.raises(ValueError, match=re.escape(message)):
        func(df, "q", **kwargs)


@pytest.mark.parametrize("func", [cx.csat, cx.ces])
def test_bad_answers_without_a_column_name_the_data(func: Any) -> None:
    with pytest.raises(ValueError, match=r"^data answers must lie on the"):
        func([3, 99])
    with pytest.raises(ValueError, match=r"^data must hold whole-number answers"):
        func([3, 2.5])
    with pytest.raises(TypeError, match="data must hold numbers"):
        func(["3", "4"])


@pytest.mark.parametrize(
    ("func", "kwargs", "error", "message"),
    [
        (
            cx.csat,
            {"top_box": 0},
            ValueError,
            "top_box must be between 1 and 4 on the 1-5 scale; got 0",
        ),
        (
            cx.csat,
            {"top_box": 5},
            ValueError,
            "top_box must be between 1 and 4 on the 1-5 scale; got 5",
        ),
        (
            cx.csat,
            {"top_box": 3, "scale": "1-3"},
            ValueError,
            "top_box must be between 1 and 2 on the 1-3 scale",
        ),
        (cx.csat, {"top_box": 2.0}, TypeError, "top_box must be a whole number"),
        (cx.csat, {"top_box": True}, TypeError, "top_box must be a whole number"),
        (cx.csat, {"top_box": "2"}, TypeError, "top_box must be a whole number"),
        (
            cx.ces,
            {"easy_box": 0},
            ValueError,
            "easy_box must be between 1 and 6 on the 1-7 scale; got 0",
        ),
        (cx.ces, {"easy_box": 7}, ValueError, "easy_box must be between 1 and 6"),
        (cx.ces, {"easy_box": 3.5}, TypeError, "easy_box must be a whole number"),
        (cx.csat, {"scale": "1to5"}, ValueError, "scale must be (low, high) whole numbers"),
        (cx.csat, {"scale": "5-1"}, ValueError, "got '5-1'"),
        (cx.csat, {"scale": "a-b"}, ValueError, "scale must be"),
        (cx.csat, {"scale": "1-5-7"}, ValueError, "scale must be"),
        (
            cx.ces,
            {"scale": (3, 3)},
            ValueError,
            "scale must be (low, high) whole numbers with low < high",
        ),
        (cx.ces, {"scale": (1.0, 7.0)}, ValueError, "scale must be"),
        (cx.ces, {"scale": [1, 7]}, ValueError, "scale must be"),
        (cx.csat, {"ci_method": "t"}, ValueError, "ci_method must be one of 'wilson'"),
        (
            cx.ces,
            {"ci_method": "wilson"},
            ValueError,
            "ci_method must be one of 'adjusted-wald', 't'",
        ),
        (
            cx.csat,
            {"confidence_level": 95},
            ValueError,
            "confidence_level must be strictly between 0 and 1",
        ),
        (
            cx.ces,
            {"weights_kind": "analytic"},
            ValueError,
            "weights_kind must be one of 'survey', 'frequency'",
        ),
        (
            cx.csat,
            {"weights": [1, -1.5, 2, 1]},
            ValueError,
            "weights must be finite and non-negative; got [-1.5]",
        ),
        (
            cx.csat,
            {"weights": [1, np.nan, 2, 1]},
            ValueError,
            "weights must be finite and non-negative; got [nan]",
        ),
        (
            cx.ces,
            {"weights": [1, np.inf, 2, 1]},
            ValueError,
            "weights must be finite and non-negative; got [inf]",
        ),
        (
            cx.ces,
            {"weights": [1, 2, 3]},
            ValueError,
            "weights must have one value per answer (4); got 3",
        ),
        (cx.csat, {"weights": "w"}, ValueError, "weights='w' is not a column"),
        (
            cx.csat,
            {"weights": [1, 2.5, 1, 1], "weights_kind": "frequency"},
            ValueError,
            "frequency weights must be whole numbers",
        ),
        (cx.ces, {"by": "g"}, ValueError, "by='g' is not a column"),
    ],
)
def test_invalid_options_name_the_argument(
    func: Any, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    df = pd.DataFrame({"q": [1, 3, 2, 3]})
    with pytest.raises(error, match=re.escape(message)):
        func(df, "q", **kwargs)


def test_duplicate_column_labels_are_refused() -> None:
    df = pd.DataFrame([[4, 5], [3, 2]], columns=["q", "q"])
    with pytest.raises(ValueError, match=r"column='q' names more than one column"):
        cx.csat(df, "q")
    with pytest.raises(ValueError, match=r"column='q' names more than one column"):
        cx.ces(df, "q")


# --------------------------------------------------------------------------- accessor


def test_accessor_matches_functions() -> None:
    survey = cx.datasets.make_survey(1_500, rng=3)
    pd.testing.assert_frame_equal(
        survey.cx.csat("satisfaction", by="touchpoint", ci_method="jeffreys"),
        cx.csat(survey, "satisfaction", by="touchpoint", ci_method="jeffreys"),
    )
    assert survey.cx.csat("satisfaction", weights="weight") == cx.csat(
        survey, "satisfaction", weights="weight"
    )
    pd.testing.assert_frame_equal(
        survey.cx.ces("effort", by="touchpoint", weights="weight"),
        cx.ces(survey, "effort", by="touchpoint", weights="weight"),
    )
    assert survey.cx.ces("effort", easy_box=2) == cx.ces(survey, "effort", easy_box=2)
    boot = {"ci_method": "bca", "n_resamples": 500, "rng": 1}
    assert survey.cx.ces("effort", **boot) == cx.ces(survey, "effort", **boot)


def test_make_survey_items_are_on_their_documented_scales() -> None:
    survey = cx.datasets.make_survey(2_000, rng=11)
    csat = cx.csat(survey, "satisfaction")
    ces = cx.ces(survey, "effort")
    assert csat.n == ces.n == 2_000
    assert csat.value == pytest.approx(100 * (survey["satisfaction"] >= 4).mean())
    assert ces.value == pytest.approx(survey["effort"].mean())
    assert not any(is_missing(v) for v in survey["effort"])
