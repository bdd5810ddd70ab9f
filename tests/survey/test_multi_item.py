"""Multi-item indices (loyalty, secure customer, engagement) against per-respondent brute force."""

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
from reference_indices import (
    CLI_POINTS,
    cli_points,
    complete_rows,
    cronbach_alpha_pandas,
    engagement_scores,
    loyalty_scores,
    rescale,
    sci_segment,
    weighted_mean_se,
)
from reference_shares import modified_wilson
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

import cxlib as cx

SEGMENTS = ("secure", "favorable", "vulnerable", "at_risk")
CLI_COLUMNS = ["recommend", "buy_again", "other_products"]
SCI_COLUMNS = ["satisfaction", "repurchase", "advocacy"]
ENG_COLUMNS = ["sat", "again", "rec", "promise", "fair"]
STATSMODELS_NAME = {
    "wilson": "wilson",
    "wald": "normal",
    "agresti-coull": "agresti_coull",
    "clopper-pearson": "beta",
    "jeffreys": "jeffreys",
}

Rows = list[tuple[int | None, ...]]


def quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` tolerating the documented DegenerateDataWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        return func(*args, **kwargs)


def answers(low: int, high: int, with_missing: bool) -> st.SearchStrategy[int | None]:
    given_: st.SearchStrategy[int | None] = st.integers(low, high)
    return st.one_of(given_, given_, given_, given_, st.none()) if with_missing else given_


def rows_on(
    scales: list[tuple[int, int]], *, with_missing: bool = True, max_size: int = 40
) -> st.SearchStrategy[Rows]:
    row = st.tuples(*(answers(lo, hi, False) for lo, hi in scales))
    if with_missing:  # a third of the rows may miss answers
        row = st.one_of(row, row, st.tuples(*(answers(lo, hi, True) for lo, hi in scales)))
    return st.lists(row, min_size=1, max_size=max_size)


def frame(rows: Rows, columns: list[str]) -> pd.DataFrame:
    """Rows of answers as float columns (NaN for missing answers)."""
    return pd.DataFrame(
        {c: [np.nan if r[j] is None else r[j] for r in rows] for j, c in enumerate(columns)},
        dtype=float,
    )


def check_t_interval(est: cx.Estimate, scores: list[float], level: float = 0.95) -> None:
    """se and t interval (truncated to 0-100) against scipy on the per-respondent scores."""
    x = np.array(scores)
    assert est.se == pytest.approx(float(stats.sem(x)), rel=1e-9, abs=1e-12)
    ci = stats.ttest_1samp(x, 0.0).confidence_interval(level)
    assert est.ci.low == pytest.approx(max(float(ci.low), 0.0), abs=1e-8)
    assert est.ci.high == pytest.approx(min(float(ci.high), 100.0), abs=1e-8)


def check_adjusted_wald(
    est: cx.Estimate, scores: list[float], bounds: tuple[float, float] = (0.0, 100.0)
) -> None:
    """The default interval by brute force: a Wald interval of the scores plus one
    pseudo-respondent at each end of the index."""
    assert est.ci_method == "adjusted-wald"
    x = np.array([*scores, *bounds])
    half = stats.norm.ppf(0.5 + est.confidence_level / 2) * x.std(ddof=1) / math.sqrt(len(x))
    assert est.ci.low == pytest.approx(max(x.mean() - half, bounds[0]), abs=1e-8)
    assert est.ci.high == pytest.approx(min(x.mean() + half, bounds[1]), abs=1e-8)
    assert est.ci.low < est.ci.high


def varies(scores: list[float]) -> bool:
    return len(scores) >= 2 and max(scores) - min(scores) > 1e-9


def assert_row_matches(row: pd.Series, est: cx.Estimate) -> None:
    expected = est.to_frame().drop(columns=["confidence_level", "ci_method"]).iloc[0]
    for key in expected.index:
        got, want = row[key], expected[key]
        if isinstance(want, str):
            assert got == want
        else:
            assert got == pytest.approx(want, abs=1e-9, nan_ok=True), key


# --------------------------------------------------------------------------- loyalty index


@given(st.data(), st.sampled_from([(1, 6), (1, 5), (0, 10), (1, 7)]))
def test_loyalty_index_brute_force(data: st.DataObject, scale: tuple[int, int]) -> None:
    low, high = scale
    rows = data.draw(rows_on([scale] * 3))
    complete = complete_rows(rows)
    assume(complete)
    df = frame(rows, CLI_COLUMNS)
    kwargs = {} if scale == (1, 6) else {"scale": scale}
    est = quiet(cx.loyalty_index, df, CLI_COLUMNS, **kwargs)
    scores = loyalty_scores(rows, low, high)
    assert est.value == pytest.approx(math.fsum(scores) / len(scores), abs=1e-9)
    assert est.n == len(complete)
    assert est.n_missing == len(rows) - len(complete)
    assert est.metric == "loyalty_index"
    check_adjusted_wald(est, scores)
    for j, column in enumerate(CLI_COLUMNS):
        points = [cli_points(r[j], low, high) for r in complete]
        assert est.components[f"mean_{column}"] == pytest.approx(
            math.fsum(points) / len(points), abs=1e-9
        )
    assert set(est.components) == {f"mean_{c}" for c in CLI_COLUMNS}
    if varies(scores):
        check_t_interval(cx.loyalty_index(df, CLI_COLUMNS, ci_method="t", **kwargs), scores)


@pytest.mark.parametrize("answer", sorted(CLI_POINTS))
def test_loyalty_points_follow_the_seed_table(answer: int) -> None:
    # Everybody gives the same answer on all items: the index is that answer's points.
    df = pd.DataFrame({c: [answer, answer] for c in CLI_COLUMNS})
    with pytest.warns(cx.DegenerateDataWarning, match="t interval has zero width"):
        est = cx.loyalty_index(df, CLI_COLUMNS, ci_method="t")
    assert est.value == CLI_POINTS[answer]
    assert est.ci == (CLI_POINTS[answer], CLI_POINTS[answer])
    check_adjusted_wald(cx.loyalty_index(df, CLI_COLUMNS), [CLI_POINTS[answer]] * 2)
    assert all(v == CLI_POINTS[answer] for v in est.components.values())


def test_loyalty_docstring_example_and_respondent_mean() -> None:
    df = pd.DataFrame({"rec": [1, 2, 1, 4], "buy": [1, 1, 2, 5], "other": [3, 2, 2, 6]})
    est = cx.loyalty_index(df, ["rec", "buy", "other"])
    # Respondents: (100 + 100 + 60) / 3, (80 + 100 + 80) / 3, (100 + 80 + 80) / 3, (40 + 20 + 0) / 3
    assert est.value == pytest.approx((260 + 260 + 260 + 60) / 12)
    assert est.value == pytest.approx(70.0)
    assert dict(est.components) == {
        "mean_rec": pytest.approx(80.0),
        "mean_buy": pytest.approx(75.0),
        "mean_other": pytest.approx(55.0),
    }
    check_adjusted_wald(est, [260 / 3, 260 / 3, 260 / 3, 20.0])
    t = cx.loyalty_index(df, ["rec", "buy", "other"], ci_method="t")
    check_t_interval(t, [260 / 3, 260 / 3, 260 / 3, 20.0])


def test_loyalty_respondent_with_a_missing_item_is_omitted() -> None:
    df = pd.DataFrame(
        {"rec": [1, None, 3, 6], "buy": [2, 2, None, 6], "other": [1, 1, 1, 6]}, dtype="Int64"
    )
    est = cx.loyalty_index(df, ["rec", "buy", "other"])
    assert (est.n, est.n_missing) == (2, 2)
    assert est.value == pytest.approx(((100 + 80 + 100) / 3 + 0.0) / 2)
    # Item means use the same (complete) respondents, not every answer of the item.
    assert est.components["mean_other"] == pytest.approx(50.0)
    assert est.components["mean_buy"] == pytest.approx(40.0)


def test_loyalty_column_names_become_safe_component_names() -> None:
    df = pd.DataFrame({"Recommend (1-6)": [1, 2], "Buy again": [2, 2], "try-other": [3, 1]})
    est = cx.loyalty_index(df, list(df.columns))
    assert list(est.components) == ["mean_recommend_1_6", "mean_buy_again", "mean_try_other"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            *(answers(1, 6, with_missing=True) for _ in range(3)),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_loyalty_grouped_equals_per_group(rows: list[tuple[Any, ...]]) -> None:
    df = frame([r[1:] for r in rows], CLI_COLUMNS)
    df["g"] = [r[0] for r in rows]
    grouped = quiet(cx.loyalty_index, df, CLI_COLUMNS, by="g")
    assert grouped["g"].tolist() == sorted(set(df["g"]))
    for _, row in grouped.iterrows():
        part = df[df["g"] == row["g"]]
        assert_row_matches(row, quiet(cx.loyalty_index, part, CLI_COLUMNS))


def test_loyalty_survey_and_frequency_weights() -> None:
    rng = np.random.default_rng(12)
    x = rng.integers(1, 7, size=(200, 3))
    w = rng.lognormal(0.0, 0.5, size=200)
    df = pd.DataFrame(x, columns=CLI_COLUMNS)
    scores = loyalty_scores([tuple(r) for r in x])
    est = cx.loyalty_index(df, CLI_COLUMNS, weights=w, ci_method="t")
    m, se = weighted_mean_se(scores, list(w), ddof=1)
    assert est.value == pytest.approx(m, abs=1e-9)
    assert est.se == pytest.approx(se, rel=1e-9)
    t = stats.t.ppf(0.975, 199)
    assert est.ci == pytest.approx((m - t * se, m + t * se), abs=1e-8)
    # The default: the effective n = unit variance / SE**2 (Korn & Graubard 1998)
    # carries the two pseudo-respondents, at 0 and 100 points.
    y = np.array(scores)
    unit = 200 / 199 * float(np.sum(w * (y - m) ** 2) / np.sum(w))
    n_eff = unit / se**2
    centre = (n_eff * m + 100.0) / (n_eff + 2)
    ss = unit * (n_eff - 1) + n_eff * (m - centre) ** 2 + centre**2 + (100 - centre) ** 2
    half = stats.norm.ppf(0.975) * math.sqrt(ss / (n_eff + 1) / (n_eff + 2))
    default = cx.loyalty_index(df, CLI_COLUMNS, weights=w)
    assert default.ci == pytest.approx((centre - half, centre + half), abs=1e-8)
    assert default.components["n_effective"] == pytest.approx(n_eff, rel=1e-9)
    pts = np.vectorize(CLI_POINTS.get)(x)
    for j, c in enumerate(CLI_COLUMNS):
        assert est.components[f"mean_{c}"] == pytest.approx(float(np.average(pts[:, j], weights=w)))
    # Whole-number frequency weights are repeated respondents.
    counts = rng.integers(0, 4, size=200)
    freq = cx.loyalty_index(df, CLI_COLUMNS, weights=counts, weights_kind="frequency")
    repeated = cx.loyalty_index(df.loc[df.index.repeat(counts)], CLI_COLUMNS)
    assert freq.value == pytest.approx(repeated.value, abs=1e-9)
    assert freq.se == pytest.approx(repeated.se, abs=1e-9)
    assert freq.ci == pytest.approx(repeated.ci, abs=1e-8)
    assert freq.n == repeated.n == counts.sum()
    for c in CLI_COLUMNS:
        assert freq.components[f"mean_{c}"] == pytest.approx(repeated.components[f"mean_{c}"])


# --------------------------------------------------------------------------- secure customer index


@st.composite
def sci_case(draw: st.DrawFn) -> tuple[list[tuple[int, int]], Any, int, Rows]:
    pool = [(1, 5), (1, 7), (0, 10), (1, 3), (1, 4)]
    if draw(st.booleans()):
        scale = draw(st.sampled_from(pool))
        scales, arg = [scale] * 3, f"{scale[0]}-{scale[1]}"
    else:
        scales = [draw(st.sampled_from(pool)) for _ in range(3)]
        arg = list(scales)
    top_box = draw(st.integers(1, min(hi - lo for lo, hi in scales)))
    rows = draw(rows_on(scales, max_size=50))
    return scales, arg, top_box, rows


@given(sci_case())
def test_secure_customer_index_brute_force(
    case: tuple[list[tuple[int, int]], Any, int, Rows],
) -> None:
    scales, arg, top_box, rows = case
    complete = complete_rows(rows)
    assume(complete)
    df = frame(rows, SCI_COLUMNS)
    est = quiet(cx.secure_customer_index, df, SCI_COLUMNS, scale=arg, top_box=top_box)
    segments = [sci_segment(r, scales, top_box) for r in complete]
    n = len(complete)
    assert (est.n, est.n_missing) == (n, len(rows) - n)
    for s in SEGMENTS:
        assert est.components[f"n_{s}"] == segments.count(s), s
        assert est.components[f"pct_{s}"] == pytest.approx(100 * segments.count(s) / n), s
    assert set(est.components) == {f"{p}_{s}" for p in ("n", "pct") for s in SEGMENTS}
    secure = segments.count("secure")
    assert est.value == pytest.approx(100 * secure / n, abs=1e-12)
    low, high = modified_wilson(secure, n, alpha=0.05)  # the default
    assert est.ci.low == pytest.approx(100 * float(low), abs=1e-8)
    assert est.ci.high == pytest.approx(100 * float(high), abs=1e-8)
    assert est.ci_method == "modified-wilson"


def test_secure_customer_index_docstring_example() -> None:
    df = pd.DataFrame({"sat": [5, 5, 4, 2, 5], "buy": [5, 4, 4, 3, 5], "rec": [5, 5, 3, 4, 5]})
    est = cx.secure_customer_index(df, ["sat", "buy", "rec"])
    assert est.value == 40.0
    counts = {s: est.components[f"n_{s}"] for s in SEGMENTS}
    assert counts == {"secure": 2, "favorable": 1, "vulnerable": 1, "at_risk": 1}


def test_secure_customer_index_segment_rules_on_one_to_five() -> None:
    rows = [
        (5, 5, 5),  # secure
        (5, 4, 5),  # favorable: top two boxes on all three
        (4, 4, 4),  # favorable
        (5, 5, 3),  # vulnerable: 3 is the midpoint, not below it
        (3, 3, 3),  # vulnerable
        (5, 5, 2),  # at risk: 2 is below the midpoint
        (1, 5, 5),  # at risk
    ]
    df = pd.DataFrame(rows, columns=SCI_COLUMNS)
    est = cx.secure_customer_index(df, SCI_COLUMNS)
    counts = {s: est.components[f"n_{s}"] for s in SEGMENTS}
    assert counts == {"secure": 1, "favorable": 2, "vulnerable": 2, "at_risk": 2}


def test_secure_customer_index_per_item_scales_and_top_box() -> None:
    # Satisfaction and repurchase on 1-5, advocacy on 0-10; top_box=2: secure needs 4-5,
    # 4-5 and 9-10; favorable 3-5, 3-5 and 8-10; at risk: 1-2 or 0-4.
    rows = [(5, 4, 9), (4, 4, 10), (5, 5, 8), (3, 3, 8), (5, 5, 5), (5, 5, 4), (2, 5, 10)]
    df = pd.DataFrame(rows, columns=SCI_COLUMNS)
    est = cx.secure_customer_index(df, SCI_COLUMNS, scale=["1-5", "1-5", (0, 10)], top_box=2)
    counts = {s: est.components[f"n_{s}"] for s in SEGMENTS}
    assert counts == {"secure": 2, "favorable": 2, "vulnerable": 1, "at_risk": 2}
    assert est.value == pytest.approx(200 / 7)


@pytest.mark.parametrize("method", list(STATSMODELS_NAME))
def test_secure_customer_index_intervals_match_statsmodels(method: str) -> None:
    survey = cx.datasets.make_survey(800, rng=2)
    est = cx.secure_customer_index(survey, SCI_COLUMNS, ci_method=method, confidence_level=0.9)
    x = int(((survey[SCI_COLUMNS] == 5).all(axis=1)).sum())
    low, high = proportion_confint(x, 800, alpha=0.1, method=STATSMODELS_NAME[method])
    assert est.components["n_secure"] == x
    assert est.ci.low == pytest.approx(100 * max(low, 0), abs=1e-8)
    assert est.ci.high == pytest.approx(100 * min(high, 1), abs=1e-8)


def test_secure_customer_index_survey_weights() -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(2, 6, size=(300, 3))
    w = rng.lognormal(0.0, 0.5, size=300)
    df = pd.DataFrame(x, columns=SCI_COLUMNS)
    est = cx.secure_customer_index(df, SCI_COLUMNS, weights=w)
    segments = np.array([sci_segment(tuple(r), [(1, 5)] * 3, 1) for r in x])
    s = [100.0 if seg == "secure" else 0.0 for seg in segments]
    m, se = weighted_mean_se(s, list(w), ddof=0)
    assert est.value == pytest.approx(m, abs=1e-10)
    assert est.se == pytest.approx(se, rel=1e-10)
    for seg in SEGMENTS:
        # Weighted percentages, unweighted counts.
        assert est.components[f"pct_{seg}"] == pytest.approx(
            100 * w[segments == seg].sum() / w.sum()
        )
        assert est.components[f"n_{seg}"] == int((segments == seg).sum())
    assert est.components["pct_secure"] == pytest.approx(est.value)


# --------------------------------------------------------------------------- engagement index

ENG_SCALES = [(1, 5), (1, 5), (0, 10), (1, 5), (1, 5)]


@given(rows_on(ENG_SCALES, max_size=30))
def test_engagement_index_brute_force(rows: Rows) -> None:
    complete = complete_rows(rows)
    assume(complete)
    df = frame(rows, ENG_COLUMNS)
    scales = ["1-5", "1-5", "0-10", "1-5", (1, 5)]
    est = quiet(cx.engagement_index, df, ENG_COLUMNS, scale=scales)
    scores = engagement_scores(rows, ENG_SCALES)
    assert est.value == pytest.approx(math.fsum(scores) / len(scores), abs=1e-9)
    assert (est.n, est.n_missing) == (len(complete), len(rows) - len(complete))
    rescaled = pd.DataFrame(
        [[rescale(a, lo, hi) for a, (lo, hi) in zip(r, ENG_SCALES, strict=True)] for r in complete],
        columns=ENG_COLUMNS,
    )
    for c in ENG_COLUMNS:
        assert est.components[f"mean_{c}"] == pytest.approx(rescaled[c].mean(), abs=1e-9)
    alpha = est.components["cronbach_alpha"]
    if len(complete) >= 2 and rescaled.sum(axis=1).var() > 1e-9:
        assert alpha == pytest.approx(cronbach_alpha_pandas(rescaled), rel=1e-9, abs=1e-9)
    else:
        assert math.isnan(alpha)
    check_adjusted_wald(est, scores)
    if varies(scores):
        t = quiet(cx.engagement_index, df, ENG_COLUMNS, scale=scales, ci_method="t")
        check_t_interval(t, scores)


def test_engagement_docstring_example() -> None:
    df = pd.DataFrame(
        {
            "sat": [5, 4, 2, 4],
            "again": [5, 4, 1, 3],
            "rec": [4, 5, 2, 4],
            "promise": [5, 3, 2, 4],
            "fair": [4, 4, 1, 5],
        }
    )
    est = cx.engagement_index(df, ENG_COLUMNS)
    assert est.value == pytest.approx(63.75)
    rescaled = (df - 1) * 25.0
    assert est.components["cronbach_alpha"] == pytest.approx(cronbach_alpha_pandas(rescaled))
    assert est.components["cronbach_alpha"] == pytest.approx(0.946, abs=5e-4)
    # Alpha does not depend on a common linear rescaling of the items.
    assert cronbach_alpha_pandas(df) == pytest.approx(est.components["cronbach_alpha"])


def test_engagement_alpha_is_nan_when_the_total_does_not_vary() -> None:
    # The items vary but every respondent's total is the same.
    df = pd.DataFrame({"sat": [1, 5, 3], "again": [5, 1, 3], "rec": [3] * 3, "promise": [3] * 3})
    df["fair"] = 3
    with pytest.warns(cx.DegenerateDataWarning, match="zero width"):
        est = cx.engagement_index(df, ENG_COLUMNS, ci_method="t")
    assert est.value == 50.0
    assert math.isnan(est.components["cronbach_alpha"])
    # The default interval keeps a width where all respondents agree: no warning.
    same = cx.engagement_index(pd.DataFrame({c: [4, 4] for c in ENG_COLUMNS}), ENG_COLUMNS)
    check_adjusted_wald(same, [75.0, 75.0])
    assert same.value == 75.0
    assert math.isnan(same.components["cronbach_alpha"])


ENG_SCALES_SURVEY = [(1, 5), (1, 5), (0, 10), (1, 5), (1, 5)]


def test_engagement_on_make_survey_by_touchpoint() -> None:
    survey = cx.datasets.make_survey(3_000, rng=9)
    items = ["satisfaction", "repurchase", "recommend", "delivers_promise", "fair_resolution"]
    scales = ["1-5", "1-5", "0-10", "1-5", "1-5"]
    out = cx.engagement_index(survey, items, scale=scales, by="touchpoint")
    for _, row in out.iterrows():
        part = survey[survey["touchpoint"] == row["touchpoint"]][items].dropna()
        rescaled = pd.DataFrame(
            {
                c: (part[c] - lo) / (hi - lo) * 100.0
                for c, (lo, hi) in zip(items, ENG_SCALES_SURVEY, strict=True)
            }
        ).astype(float)
        score = rescaled.mean(axis=1)
        assert row["value"] == pytest.approx(score.mean(), abs=1e-9)
        assert row["n"] == len(part)
        assert row["cronbach_alpha"] == pytest.approx(cronbach_alpha_pandas(rescaled), rel=1e-9)
        x = np.concatenate([score.to_numpy(), [0.0, 100.0]])  # the pseudo-respondents
        half = stats.norm.ppf(0.975) * x.std(ddof=1) / math.sqrt(len(x))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(
            (x.mean() - half, x.mean() + half), abs=1e-8
        )
    assert out["n_missing"].sum() == survey["recommend"].isna().sum()


def test_engagement_frequency_weights_equal_repeated_rows() -> None:
    rng = np.random.default_rng(30)
    df = pd.DataFrame(rng.integers(1, 6, size=(60, 5)), columns=ENG_COLUMNS)
    counts = rng.integers(0, 4, size=60)
    freq = cx.engagement_index(df, ENG_COLUMNS, weights=counts, weights_kind="frequency")
    repeated = cx.engagement_index(df.loc[df.index.repeat(counts)], ENG_COLUMNS)
    for key in ("value", "se"):
        assert getattr(freq, key) == pytest.approx(getattr(repeated, key), abs=1e-9)
    assert freq.ci == pytest.approx(repeated.ci, abs=1e-8)
    assert freq.n == repeated.n
    for key, value in repeated.components.items():
        assert freq.components[key] == pytest.approx(value, abs=1e-9), key


# --------------------------------------------------------------------------- bad input

INDICES = [
    pytest.param(cx.loyalty_index, 3, "1-6", id="loyalty_index"),
    pytest.param(cx.secure_customer_index, 3, "1-5", id="secure_customer_index"),
    pytest.param(cx.engagement_index, 5, "1-5", id="engagement_index"),
]


def good_frame(k: int) -> pd.DataFrame:
    return pd.DataFrame({f"q{j}": [1, 2, 3, 2] for j in range(k)})


@pytest.mark.parametrize(("func", "k", "scale"), INDICES)
def test_out_of_scale_and_non_integer_answers_name_the_column(
    func: Any, k: int, scale: str
) -> None:
    high = int(scale.split("-")[1])
    df = good_frame(k)
    cols = list(df.columns)
    df.loc[2, "q1"] = high + 1
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"column 'q1' answers must lie on the {scale} scale; found out-of-scale values "
            f"[{high + 1}]"
        ),
    ):
        func(df, cols)
    df = good_frame(k).astype(float)
    df.loc[1, f"q{k - 1}"] = 2.5
    with pytest.raises(
        ValueError, match=re.escape(f"column 'q{k - 1}' must hold whole-number answers")
    ):
        func(df, cols)
    df = good_frame(k).astype(object)
    df.loc[0, "q0"] = "five"
    with pytest.raises(TypeError, match="column 'q0' must hold numbers"):
        func(df, cols)


@pytest.mark.parametrize(
    ("func", "k", "roles"),
    [
        (cx.loyalty_index, 3, "recommend, repurchase, try_other_products"),
        (cx.secure_customer_index, 3, "satisfaction, repurchase, recommend"),
        (
            cx.engagement_index,
            5,
            "overall_satisfaction, would_buy_again, likely_to_recommend, "
            "delivers_what_it_promises, resolves_problems_fairly",
        ),
    ],
)
def test_wrong_number_of_item_columns(func: Any, k: int, roles: str) -> None:
    df = good_frame(k + 1)
    for cols in (list(df.columns)[: k - 1], list(df.columns)):
        message = f"columns must name {k} item columns ({roles}); got {len(cols)}"
        with pytest.raises(ValueError, match=re.escape(message)):
            func(df, cols)
    with pytest.raises(TypeError, match=re.escape(f"columns must be a list of {k} column names")):
        func(df, "q0")


@pytest.mark.parametrize(("func", "k", "scale"), INDICES)
@pytest.mark.parametrize(
    "data",
    [
        [[1, 2, 3, 4, 5]],
        np.ones((4, 5), dtype=int),
        {"q0": [1], "q1": [1], "q2": [1], "q3": [1], "q4": [1]},
        pd.Series([1, 2, 3]),
    ],
)
def test_data_must_be_a_dataframe(func: Any, k: int, scale: str, data: object) -> None:
    cols = [f"q{j}" for j in range(k)]
    with pytest.raises(TypeError, match=rf"data must be a DataFrame holding the {k} item columns"):
        func(data, cols)


@pytest.mark.parametrize(("func", "k", "scale"), INDICES)
def test_duplicate_and_unknown_columns(func: Any, k: int, scale: str) -> None:
    df = good_frame(k)
    cols = list(df.columns)
    with pytest.raises(ValueError, match=r"columns names a column more than once"):
        func(df, [cols[0], *cols[:-1]])
    twice = pd.concat([df, df[["q0"]]], axis=1)
    with pytest.raises(ValueError, match=r"columns='q0' names more than one column"):
        func(twice, cols)
    with pytest.raises(ValueError, match=r"columns='zzz' is not a column of the DataFrame"):
        func(df, [*cols[:-1], "zzz"])
    with pytest.raises(ValueError, match=r"data is empty"):
        func(df.iloc[:0], cols)


@pytest.mark.parametrize(
    ("func", "k", "kwargs", "error", "message"),
    [
        (cx.loyalty_index, 3, {"scale": "1-6-"}, ValueError, "scale must be (low, high)"),
        (
            cx.loyalty_index,
            3,
            {"scale": (6, 1)},
            ValueError,
            "scale must be (low, high) whole numbers with low < high",
        ),
        (cx.loyalty_index, 3, {"scale": "one-six"}, ValueError, "got 'one-six'"),
        (cx.secure_customer_index, 3, {"scale": "1..5"}, ValueError, "scale must be (low, high)"),
        (
            cx.secure_customer_index,
            3,
            {"scale": ["1-5", "1-5"]},
            ValueError,
            "scale must be one scale or a list of 3; got a list of 2",
        ),
        (
            cx.secure_customer_index,
            3,
            {"scale": ["1-5", "1-5", "5"]},
            ValueError,
            "scale must be (low, high)",
        ),
        (
            cx.engagement_index,
            5,
            {"scale": ["1-5"] * 4},
            ValueError,
            "scale must be one scale or a list of 5; got a list of 4",
        ),
        (cx.engagement_index, 5, {"scale": "0_10"}, ValueError, "scale must be"),
        (
            cx.secure_customer_index,
            3,
            {"top_box": 0},
            ValueError,
            "top_box must be between 1 and 4 on the 1-5 scale; got 0",
        ),
        (
            cx.secure_customer_index,
            3,
            {"top_box": 5},
            ValueError,
            "top_box must be between 1 and 4",
        ),
        (
            cx.secure_customer_index,
            3,
            {"top_box": 3, "scale": ["1-5", "1-5", "1-3"]},
            ValueError,
            "top_box must be between 1 and 2 on the 1-3 scale; got 3",
        ),
        (
            cx.secure_customer_index,
            3,
            {"top_box": 1.0},
            TypeError,
            "top_box must be a whole number",
        ),
        (
            cx.secure_customer_index,
            3,
            {"ci_method": "t"},
            ValueError,
            "ci_method must be one of 'wilson'",
        ),
        (
            cx.loyalty_index,
            3,
            {"ci_method": "wilson"},
            ValueError,
            "ci_method must be one of 'adjusted-wald', 't'",
        ),
        (
            cx.engagement_index,
            5,
            {"ci_method": "score"},
            ValueError,
            "ci_method must be one of 'adjusted-wald', 't'",
        ),
        (
            cx.loyalty_index,
            3,
            {"weights": [1, 2, -3.5, 1]},
            ValueError,
            "weights must be finite and non-negative; got [-3.5]",
        ),
        (
            cx.secure_customer_index,
            3,
            {"weights": [1, np.nan, 1, 1]},
            ValueError,
            "weights must be finite and non-negative; got [nan]",
        ),
        (
            cx.engagement_index,
            5,
            {"weights": [1, 1, 1]},
            ValueError,
            "weights must have one value per answer (4); got 3",
        ),
        (cx.engagement_index, 5, {"weights": "w"}, ValueError, "weights='w' is not a column"),
        (
            cx.loyalty_index,
            3,
            {"weights": [1, 1.5, 1, 1], "weights_kind": "frequency"},
            ValueError,
            "frequency weights must be whole numbers",
        ),
        (
            cx.loyalty_index,
            3,
            {"nan_policy": "ignore"},
            ValueError,
            "nan_policy must be one of 'omit', 'raise', 'propagate'",
        ),
        (cx.engagement_index, 5, {"by": "g"}, ValueError, "by='g' is not a column"),
    ],
)
def test_invalid_options_name_the_argument(
    func: Any, k: int, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    df = good_frame(k)
    with pytest.raises(error, match=re.escape(message)):
        func(df, list(df.columns), **kwargs)


@pytest.mark.parametrize(("func", "k", "scale"), INDICES)
def test_nan_policy_on_multi_item_indices(func: Any, k: int, scale: str) -> None:
    df = good_frame(k).astype(float)
    cols = list(df.columns)
    df.loc[1, "q1"] = np.nan
    df.loc[3, f"q{k - 1}"] = np.nan
    omitted = func(df, cols)
    assert (omitted.n, omitted.n_missing) == (2, 2)
    expected = func(df.iloc[[0, 2]], cols)
    assert omitted.value == expected.value
    assert omitted.ci == expected.ci
    with pytest.raises(
        ValueError, match=re.escape("column 'q1' has 1 missing answer(s) and nan_policy='raise'")
    ):
        func(df, cols, nan_policy="raise")
    propagated = func(df, cols, nan_policy="propagate")
    assert math.isnan(propagated.value)
    assert math.isnan(propagated.ci.low)
    assert math.isnan(propagated.ci.high)
    assert (propagated.n, propagated.n_missing) == (2, 2)
    # Without missing answers "propagate" and "raise" change nothing.
    clean = good_frame(k)
    assert func(clean, cols, nan_policy="propagate") == func(clean, cols)
    assert func(clean, cols, nan_policy="raise") == func(clean, cols)


@pytest.mark.parametrize(("func", "k", "scale"), INDICES)
def test_all_respondents_missing_an_item_warns(func: Any, k: int, scale: str) -> None:
    df = good_frame(k).astype(float)
    df["q0"] = np.nan
    with pytest.warns(cx.DegenerateDataWarning, match="undefined"):
        est = func(df, list(df.columns))
    assert math.isnan(est.value)
    assert (est.n, est.n_missing) == (0, 4)


# --------------------------------------------------------------------------- accessor


def test_accessor_matches_functions() -> None:
    survey = cx.datasets.make_survey(1_500, rng=4)
    cli = ["loyalty_recommend", "loyalty_repurchase", "loyalty_other_products"]
    eng = ["satisfaction", "repurchase", "recommend", "delivers_promise", "fair_resolution"]
    eng_scales: list[Any] = ["1-5", "1-5", "0-10", "1-5", "1-5"]
    pd.testing.assert_frame_equal(
        survey.cx.loyalty_index(cli, by="touchpoint", weights="weight"),
        cx.loyalty_index(survey, cli, by="touchpoint", weights="weight"),
    )
    assert survey.cx.loyalty_index(cli) == cx.loyalty_index(survey, cli)
    pd.testing.assert_frame_equal(
        survey.cx.secure_customer_index(SCI_COLUMNS, by="touchpoint", top_box=2),
        cx.secure_customer_index(survey, SCI_COLUMNS, by="touchpoint", top_box=2),
    )
    assert survey.cx.secure_customer_index(SCI_COLUMNS) == cx.secure_customer_index(
        survey, SCI_COLUMNS
    )
    pd.testing.assert_frame_equal(
        survey.cx.engagement_index(eng, scale=eng_scales, by="touchpoint"),
        cx.engagement_index(survey, eng, scale=eng_scales, by="touchpoint"),
    )
    a = survey.cx.engagement_index(eng, scale=eng_scales)
    b = cx.engagement_index(survey, eng, scale=eng_scales)
    assert a.to_frame().equals(b.to_frame())
