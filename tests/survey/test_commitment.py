"""The commitment profile against a per-respondent brute force, its invariants and bad input."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import cxlib as cx

ITEMS: dict[str, list[str]] = {
    "affective": ["a1", "a2", "a3"],
    "normative": ["n1", "n2"],
    "economic": ["e1"],
    "forced": ["f1", "f2", "f3"],
    "habitual": ["h1", "h2"],
}
COLUMNS = [c for cols in ITEMS.values() for c in cols]
REVERSE = ["a3", "f2"]


def survey(n: int, *, seed: int, low: int = 1, high: int = 7, missing: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {c: rng.integers(low, high + 1, n).astype(float) for c in COLUMNS}
    for c in COLUMNS:
        data[c][rng.random(n) < missing] = np.nan
    data["g"] = rng.choice(["north", "south", "east"], n)
    data["w"] = rng.integers(1, 4, n).astype(float)
    return pd.DataFrame(data, index=pd.Index(rng.permutation(n) * 3 + 1, name="id"))


def brute_scores(
    frame: pd.DataFrame, items: dict[str, list[str]], reverse: list[str], low: int, high: int
) -> tuple[dict[str, list[float]], list[Any], list[int]]:
    """Row by row: each dimension's mean flipped answer on 0-100, and the top dimension(s)."""
    scores: dict[str, list[float]] = {d: [] for d in items}
    dominant: list[Any] = []
    n_top: list[int] = []
    for _, row in frame.iterrows():
        row_scores = {}
        for dim, cols in items.items():
            points = []
            for c in cols:
                x = row[c]
                if c in reverse:
                    x = low + high - x
                points.append(100.0 * (x - low) / (high - low))
            row_scores[dim] = sum(points) / len(points)
            scores[dim].append(row_scores[dim])
        if any(math.isnan(v) for v in row_scores.values()):
            dominant.append(None)
            n_top.append(0)
            continue
        best = max(row_scores.values())
        top = [d for d, v in row_scores.items() if abs(v - best) < 1e-9]
        dominant.append("+".join(top))
        n_top.append(len(top))
    return scores, dominant, n_top


def adjusted_wald(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Wald interval of the sample with one pseudo-answer at 0 and one at 100."""
    augmented = np.concatenate([values, [0.0, 100.0]])
    z = stats.norm.ppf(0.5 + level / 2)
    half = z * augmented.std(ddof=1) / math.sqrt(len(augmented))
    centre = augmented.mean()
    return max(centre - half, 0.0), min(centre + half, 100.0)


@pytest.mark.parametrize(("low", "high"), [(1, 7), (1, 5), (0, 10)])
def test_scores_and_dominant_match_brute_force(low: int, high: int) -> None:
    data = survey(150, seed=low + high, low=low, high=high, missing=0.05)
    profile = cx.commitment_profile(data, ITEMS, scale=(low, high), reverse=REVERSE)
    scores, dominant, n_top = brute_scores(data, ITEMS, REVERSE, low, high)
    got = profile.scores
    assert list(got.columns) == [*ITEMS, "dominant", "n_dominant"]
    pd.testing.assert_index_equal(got.index, data.index)
    for dim in ITEMS:
        np.testing.assert_allclose(got[dim].to_numpy(), scores[dim], rtol=1e-12, atol=1e-12)
    assert got["dominant"].astype(object).where(got["dominant"].notna(), None).tolist() == dominant
    assert got["n_dominant"].tolist() == n_top


def test_summary_matches_brute_force_means_and_intervals() -> None:
    data = survey(120, seed=5, missing=0.04)
    scores, _, _ = brute_scores(data, ITEMS, REVERSE, 1, 7)
    for method in ("adjusted-wald", "t"):
        summary = cx.commitment_profile(data, ITEMS, reverse=REVERSE, ci_method=method).summary
        assert summary["dimension"].tolist() == list(ITEMS)
        assert summary["n_items"].tolist() == [len(c) for c in ITEMS.values()]
        for dim, row in zip(ITEMS, summary.itertuples(), strict=True):
            x = np.array(scores[dim])
            answered = x[~np.isnan(x)]
            assert row.n == len(answered)
            assert row.n_missing == len(x) - len(answered)
            assert row.value == pytest.approx(answered.mean(), rel=1e-12)
            se = answered.std(ddof=1) / math.sqrt(len(answered))
            assert row.se == pytest.approx(se, rel=1e-9)
            if method == "t":
                t = stats.t.ppf(0.975, len(answered) - 1)
                want = (answered.mean() - t * se, answered.mean() + t * se)
            else:
                want = adjusted_wald(answered)
            assert (row.ci_low, row.ci_high) == pytest.approx(want, rel=1e-9)
        assert summary.attrs == {"confidence_level": 0.95, "ci_method": method}


def test_grouped_equals_each_group_alone() -> None:
    data = survey(200, seed=8, missing=0.03)
    grouped = cx.commitment_profile(data, ITEMS, reverse=REVERSE, by="g", weights="w").summary
    assert list(grouped.columns[:3]) == ["g", "dimension", "n_items"]
    for name, part in data.groupby("g"):
        alone = cx.commitment_profile(part, ITEMS, reverse=REVERSE, weights="w").summary
        rows = grouped[grouped["g"] == name].drop(columns="g").reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, alone, check_exact=False, rtol=1e-12)


def test_frequency_weights_of_two_equal_duplicated_rows() -> None:
    data = survey(80, seed=9, missing=0.05)
    w = np.where(np.arange(len(data)) % 3 == 0, 2.0, 1.0)
    weighted = cx.commitment_profile(
        data.assign(w=w), ITEMS, reverse=REVERSE, by="g", weights="w", weights_kind="frequency"
    ).summary
    doubled = pd.concat([data, data[w == 2.0]])
    plain = cx.commitment_profile(doubled, ITEMS, reverse=REVERSE, by="g").summary
    cols = ["g", "dimension", "value", "se", "ci_low", "ci_high", "n", "n_missing"]
    assert weighted["sum_weights"].tolist() == pytest.approx(
        (weighted["n"]).astype(float).tolist()
    )
    pd.testing.assert_frame_equal(weighted[cols], plain[cols], check_exact=False, rtol=1e-12)


def test_survey_weights_give_the_weighted_mean() -> None:
    data = survey(90, seed=10)
    summary = cx.commitment_profile(data, ITEMS, reverse=REVERSE, weights="w").summary
    scores, _, _ = brute_scores(data, ITEMS, REVERSE, 1, 7)
    w = data["w"].to_numpy()
    for dim, value in zip(ITEMS, summary["value"], strict=True):
        assert value == pytest.approx(np.average(scores[dim], weights=w), rel=1e-12)
    assert (summary["n_effective"] <= summary["n"]).all()


@given(
    st.lists(st.tuples(*[st.integers(1, 5)] * 4), min_size=3, max_size=30),
    st.sets(st.sampled_from(["a1", "a2", "f1", "f2"])),
)
def test_reverse_keying_twice_is_the_identity(rows: list[tuple[int, ...]], flip: set[str]) -> None:
    data = pd.DataFrame(rows, columns=["a1", "a2", "f1", "f2"])
    items = {"affective": ["a1", "a2"], "forced": ["f1", "f2"]}
    flipped = data.copy()
    for c in flip:
        flipped[c] = 6 - flipped[c]
    with warnings.catch_warnings():  # all-equal answers give a degenerate interval
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        plain = cx.commitment_profile(data, items, scale="1-5")
        twice = cx.commitment_profile(flipped, items, scale="1-5", reverse=sorted(flip))
    pd.testing.assert_frame_equal(plain.scores, twice.scores, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(plain.summary, twice.summary, check_exact=False, rtol=1e-12)


def test_ties_are_reported_as_ties() -> None:
    data = pd.DataFrame(
        {
            "a1": [7, 4, 1, 5, 1, None],
            "n1": [7, 4, 1, 5, 2, 3],
            "h1": [1, 4, 1, 6, 2, 3],
        }
    )
    items = {"affective": ["a1"], "habitual": ["h1"], "normative": ["n1"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        scores = cx.commitment_profile(data, items).scores
    # dimensions are listed in the canonical order, not the order of ``items``
    assert list(scores.columns[:3]) == ["affective", "normative", "habitual"]
    assert scores["dominant"].tolist()[:5] == [
        "affective+normative",
        "affective+normative+habitual",
        "affective+normative+habitual",
        "habitual",
        "normative+habitual",
    ]
    assert pd.isna(scores["dominant"].iloc[5])
    assert scores["n_dominant"].tolist() == [2, 3, 3, 1, 2, 0]


def test_ties_between_dimensions_of_different_lengths() -> None:
    # Offsets summing to 14 over six items and to 7 over three: a mean of 7/3 both ways.
    affective = {f"a{k}": [x] for k, x in enumerate([4, 4, 4, 4, 2, 2])}
    forced = {f"f{k}": [x] for k, x in enumerate([4, 4, 2])}
    data = pd.DataFrame({**affective, **forced, "h": [3]})
    items = {"affective": list(affective), "forced": list(forced), "habitual": ["h"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        scores = cx.commitment_profile(data, items).scores
    assert scores["affective"].iloc[0] == pytest.approx(100 * 7 / 3 / 6, rel=1e-15)
    assert scores["forced"].iloc[0] == pytest.approx(100 * 7 / 3 / 6, rel=1e-15)
    assert scores["dominant"].iloc[0] == "affective+forced"


def test_nan_policies() -> None:
    data = survey(60, seed=11, missing=0.1)
    omit = cx.commitment_profile(data, ITEMS).summary
    missing = [int(data[cols].isna().any(axis=1).sum()) for cols in ITEMS.values()]
    assert omit["n_missing"].tolist() == missing
    assert (omit["n"] + omit["n_missing"] == len(data)).all()
    prop = cx.commitment_profile(data, ITEMS, nan_policy="propagate").summary
    assert prop["value"].isna().tolist() == [m > 0 for m in missing]
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        cx.commitment_profile(data, ITEMS, nan_policy="raise")


def test_bootstrap_is_seeded() -> None:
    data = survey(60, seed=12)
    first = cx.commitment_profile(data, ITEMS, ci_method="percentile", n_resamples=499, rng=3)
    again = cx.commitment_profile(data, ITEMS, ci_method="percentile", n_resamples=499, rng=3)
    pd.testing.assert_frame_equal(first.summary, again.summary)
    value = first.summary["value"]
    assert (first.summary["ci_low"] <= value).all()
    assert (value <= first.summary["ci_high"]).all()


def test_a_path_is_scanned_for_the_summary_only(tmp_path: Path) -> None:
    data = survey(40, seed=13).reset_index(drop=True)
    path = tmp_path / "answers.csv"
    data.to_csv(path, index=False)
    from_file = cx.commitment_profile(str(path), ITEMS, reverse=REVERSE, by="g")
    in_memory = cx.commitment_profile(data, ITEMS, reverse=REVERSE, by="g")
    pd.testing.assert_frame_equal(
        from_file.summary, in_memory.summary, check_dtype=False, check_categorical=False
    )
    with pytest.raises(TypeError, match="per-respondent commitment scores need the rows"):
        _ = from_file.scores


def test_result_attributes_and_repr() -> None:
    data = survey(50, seed=14)
    profile = cx.commitment_profile(data, ITEMS, reverse=REVERSE, by="g")
    assert isinstance(profile, cx.CommitmentProfile)
    assert profile.dimensions == tuple(cx.COMMITMENT_DIMENSIONS)
    assert profile.items["affective"] == ("a1", "a2", "a3")
    assert profile.reverse == ("a3", "f2")
    assert profile.scale == (1, 7)
    pd.testing.assert_frame_equal(profile.to_frame(), profile.summary)
    text = repr(profile)
    assert "reverse-keyed: a3, f2" in text
    assert "g=east · affective" in text
    assert text.count("\n") == 1 + 15  # two lines of heading, one line per row


def test_the_caller_data_is_not_changed() -> None:
    data = survey(40, seed=15, missing=0.1)
    before = data.copy()
    cx.commitment_profile(data, ITEMS, reverse=REVERSE, by="g", weights="w")
    pd.testing.assert_frame_equal(data, before)


def test_the_dataset_recovers_the_signs_of_its_model() -> None:
    data = cx.datasets.make_commitment_survey(6_000, rng=2026)
    profile = cx.commitment_profile(
        data, cx.datasets.COMMITMENT_ITEMS, reverse=cx.datasets.COMMITMENT_REVERSED
    )
    scores = profile.scores[list(cx.COMMITMENT_DIMENSIONS)].to_numpy()
    z = (scores - scores.mean(axis=0)) / scores.std(axis=0)
    design = np.column_stack([np.ones(len(z)), z])
    total = cx.datasets.COMMITMENT_MODEL["loyalty_total"]
    for outcome in ("satisfaction", "recommend", "repurchase"):
        y = data[outcome].to_numpy(dtype=float)
        coef = np.linalg.lstsq(design, (y - y.mean()) / y.std(), rcond=None)[0][1:]
        affective, forced = coef[0], coef[3]
        assert affective > 0, (outcome, coef)
        assert affective == coef.max(), (outcome, coef)
        assert forced < 0, (outcome, coef)
        assert forced == coef.min(), (outcome, coef)
        if outcome != "satisfaction":  # the ranking of the true total effects
            order = np.argsort([total[d] for d in cx.COMMITMENT_DIMENSIONS])
            assert order[0] == 3
            assert order[-1] == 0
    # satisfaction drives loyalty beyond the commitments (the seed's largest effect)
    y = data["recommend"].to_numpy(dtype=float)
    sat = data["satisfaction"].to_numpy(dtype=float)
    both = np.column_stack([design, (sat - sat.mean()) / sat.std()])
    coef = np.linalg.lstsq(both, (y - y.mean()) / y.std(), rcond=None)[0][1:]
    assert coef[-1] == coef.max()


BAD: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"items": {"loyal": ["a1"]}}, ValueError, r"unknown dimension\(s\) \['loyal'\]"),
    ({"items": {}}, ValueError, "items names no dimension"),
    ({"items": ["a1", "a2"]}, TypeError, "items must be a dict"),
    ({"items": {"affective": []}}, ValueError, r"items\['affective'\] is empty"),
    ({"items": {"affective": "a1"}}, TypeError, r"write \['a1'\] for one item"),
    ({"items": {"affective": ["a1", "zz"]}, "reverse": []}, ValueError, "zz"),
    ({"items": {"affective": ["a1", "a1"]}}, ValueError, "column 'a1' twice"),
    (
        {"items": {"affective": ["a1"], "forced": ["a1"]}},
        ValueError,
        "column 'a1' in 'affective' and 'forced'",
    ),
    ({"reverse": ["h9"]}, ValueError, r"reverse names column\(s\) \['h9'\]"),
    ({"reverse": ["a1", "a1"]}, ValueError, "more than once"),
    ({"reverse": "a1"}, TypeError, r"reverse must be a list"),
    ({"scale": (7, 1)}, ValueError, "scale must be"),
    ({"ci_method": "wilson"}, ValueError, "ci_method"),
    ({"confidence_level": 1.5}, ValueError, "confidence_level"),
    ({"nan_policy": "drop"}, ValueError, "nan_policy"),
    ({"by": "nope"}, ValueError, "by=.nope. is not a column"),
]


@pytest.mark.parametrize(("change", "error", "message"), BAD, ids=lambda x: repr(x)[:40])
def test_bad_arguments_are_refused(change: dict[str, Any], error: Any, message: str) -> None:
    data = survey(20, seed=16)
    kwargs: dict[str, Any] = {"items": ITEMS, "reverse": REVERSE, **change}
    with pytest.raises(error, match=message):
        cx.commitment_profile(data, **kwargs)


def test_bad_answers_are_refused() -> None:
    data = survey(20, seed=17)
    off_scale = data["a2"].where(data.index != data.index[0], 8)
    with pytest.raises(ValueError, match=r"column 'a2' answers must lie on the 1-7 scale.*\[8"):
        cx.commitment_profile(data.assign(a2=off_scale), ITEMS)
    with pytest.raises(ValueError, match=r"column 'h1' must hold whole-number answers"):
        cx.commitment_profile(data.assign(h1=data["h1"] + 0.5), ITEMS)
    with pytest.raises(TypeError, match="column 'e1'"):
        cx.commitment_profile(data.assign(e1="x"), ITEMS)
    with pytest.raises(TypeError, match="data must be a DataFrame"):
        cx.commitment_profile([[1, 2]], ITEMS)
    with pytest.raises(ValueError, match="data is empty"):
        cx.commitment_profile(data.iloc[:0], ITEMS)


def test_too_many_items_in_one_dimension_are_refused() -> None:
    data = pd.DataFrame({f"a{k}": [1, 2] for k in range(12)})
    with pytest.raises(ValueError, match=r"items\['affective'\] has 12 items on the 1-7 scale"):
        cx.commitment_profile(data, {"affective": list(data.columns)})


def test_a_group_without_answers_on_one_dimension_keeps_its_rows() -> None:
    data = pd.DataFrame(
        {"a1": [1, 2, None, None, 5], "f1": [1, 2, 3, 4, 5], "g": ["x", "x", "y", "y", "z"]}
    )
    items = {"affective": ["a1"], "forced": ["f1"]}
    with pytest.warns(cx.DegenerateDataWarning, match="Affective commitment is undefined"):
        summary = cx.commitment_profile(data, items, by="g").summary
    assert summary["g"].tolist() == ["x", "x", "y", "y", "z", "z"]
    assert summary["n"].tolist() == [2, 2, 0, 2, 1, 1]
    assert summary["n_missing"].tolist() == [0, 0, 2, 0, 0, 0]
    assert np.isnan(summary["value"].iloc[2])
    assert summary["value"].iloc[3] == pytest.approx(100 * (3.5 - 1) / 6)
