"""Cronbach's alpha, Feldt's interval and the item analysis against independent references."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

import cxlib as cx
from cxlib.survey.reliability import feldt_interval

ITEMS = ["q1", "q2", "q3", "q4"]


def make_items(n: int, k: int = 4, *, rng: int = 0, loadings: float = 1.0) -> pd.DataFrame:
    """Answers 1-7 of ``k`` items driven by one factor (one-factor model, rounded)."""
    gen = np.random.default_rng(rng)
    factor = gen.normal(size=n)
    raw = 4 + loadings * factor[:, None] + gen.normal(size=(n, k)) * np.linspace(0.8, 1.6, k)
    answers = np.clip(np.rint(raw), 1, 7).astype(np.int64)
    return pd.DataFrame(answers, columns=[f"q{j + 1}" for j in range(k)])


def alpha_numpy(x: np.ndarray, w: np.ndarray | None = None) -> float:
    """The textbook formula from numpy's (weighted) covariance matrix, rows x items."""
    s = np.cov(x, rowvar=False, aweights=w)
    k = x.shape[1]
    return float(k / (k - 1) * (1 - np.trace(s) / s.sum()))


def standardized_numpy(x: np.ndarray) -> float:
    r = np.corrcoef(x, rowvar=False)
    k = x.shape[1]
    mean_r = (r.sum() - k) / (k * (k - 1))
    return float(k * mean_r / (1 + (k - 1) * mean_r))


# --- the formulas ---------------------------------------------------------------------------


def test_alpha_and_item_statistics_match_numpy() -> None:
    data = make_items(300, rng=1).astype(float)
    data.iloc[[3, 17, 40], [0, 2, 3]] = np.nan  # three rows left out (listwise)
    est = cx.cronbach_alpha(data, ITEMS)
    x = data.dropna().to_numpy()
    n, k = x.shape
    assert (est.n, est.n_missing) == (297, 3)
    assert est.value == pytest.approx(alpha_numpy(x), rel=1e-12)
    assert est.components["standardized_alpha"] == pytest.approx(standardized_numpy(x), rel=1e-12)
    low, high = (
        1 - (1 - est.value) * stats.f.ppf(q, n - 1, (n - 1) * (k - 1)) for q in (0.975, 0.025)
    )
    assert tuple(est.ci) == pytest.approx((low, high), rel=1e-12)
    assert est.ci_method == "feldt"
    table = cx.item_analysis(data, ITEMS)
    total = x.sum(axis=1)
    for j, item in enumerate(ITEMS):
        row = table.iloc[j]
        rest = total - x[:, j]
        assert row["item"] == item
        assert row["mean"] == pytest.approx(x[:, j].mean(), rel=1e-12)
        assert row["sd"] == pytest.approx(x[:, j].std(ddof=1), rel=1e-12)
        assert row["r_item_total"] == pytest.approx(np.corrcoef(x[:, j], total)[0, 1], rel=1e-10)
        assert row["r_item_rest"] == pytest.approx(np.corrcoef(x[:, j], rest)[0, 1], rel=1e-10)
        others = np.delete(x, j, axis=1)
        assert row["alpha_if_deleted"] == pytest.approx(alpha_numpy(others), rel=1e-10)
        assert row["standardized_alpha_if_deleted"] == pytest.approx(
            standardized_numpy(others), rel=1e-10
        )
        assert est.components[f"r_item_rest_{item}"] == pytest.approx(row["r_item_rest"])
        assert est.components[f"alpha_if_deleted_{item}"] == pytest.approx(row["alpha_if_deleted"])


def test_feldt_interval_published_example() -> None:
    # Chris Evans' Feldt (1987) function on the MRC CBU statistics wiki
    # (https://imaging.mrc-cbu.cam.ac.uk/statswiki/FAQ/cafun): alpha 0.913 from 873
    # respondents and 20 items gives the 95 % interval 0.9044024 to 0.9211588.
    low, high = feldt_interval(0.913, 873, 20, 0.95)
    assert float(low) == pytest.approx(0.9044024, abs=5e-8)
    assert float(high) == pytest.approx(0.9211588, abs=5e-8)


def test_interval_from_data_is_feldt_of_its_alpha() -> None:
    data = make_items(60, k=5, rng=3)
    columns = list(data.columns)
    for level in (0.8, 0.95, 0.99):
        est = cx.cronbach_alpha(data, columns, confidence_level=level)
        low, high = feldt_interval(est.value, 60, 5, level)
        assert tuple(est.ci) == pytest.approx((float(low), float(high)), rel=1e-14)
        assert est.ci.low < est.value < est.ci.high


def test_standard_error_and_interval_in_simulation() -> None:
    """Parallel normal items: Feldt's interval is exact, van Zyl's se the sd of alpha."""
    reps, n, k = 2_000, 80, 4
    gen = np.random.default_rng(11)
    x = gen.normal(size=(reps, n, 1)) + gen.normal(size=(reps, n, k))  # alpha = 0.8
    data = pd.DataFrame(x.reshape(reps * n, k), columns=ITEMS)
    data["rep"] = np.repeat(np.arange(reps), n)
    table = cx.cronbach_alpha(data, ITEMS, by="rep")
    true_alpha = k / (k - 1) * (1 - k * 2 / (k * 2 + k * (k - 1)))
    assert true_alpha == pytest.approx(0.8)
    covered = ((table["ci_low"] <= true_alpha) & (true_alpha <= table["ci_high"])).mean()
    assert 0.935 <= covered <= 0.965
    ratio = table["se"].mean() / table["value"].std()
    assert 0.9 <= ratio <= 1.1


def test_standard_error_compound_symmetry_closed_form() -> None:
    # For compound-symmetric (parallel) items Q = 2k(1 - alpha)**2 / (k - 1) (van Zyl,
    # Neudecker & Nel 2000): data whose sample covariance is exactly compound symmetric
    # (centred, orthogonal item deviations plus a common part) reproduce it.
    k, n = 3, 12
    gen = np.random.default_rng(5)
    q, _ = np.linalg.qr(gen.normal(size=(n, n)))
    basis = q[:, : k + 1]
    basis = basis - basis.mean(axis=0)
    basis, _ = np.linalg.qr(basis)
    common, unique = basis[:, 0], basis[:, 1 : k + 1]
    x = 2.0 * common[:, None] + unique
    s = np.cov(x, rowvar=False)
    assert np.allclose(s - np.diag(np.diag(s)), s[0, 1] * (1 - np.eye(k)))
    est = cx.cronbach_alpha(pd.DataFrame(x, columns=ITEMS[:k]), ITEMS[:k])
    q_cs = 2 * k * (1 - est.value) ** 2 / (k - 1)
    assert est.se == pytest.approx(np.sqrt(q_cs / n), rel=1e-9)


def test_weighted_alpha_uses_weighted_covariance_and_kish_n() -> None:
    data = make_items(200, rng=4)
    w = np.random.default_rng(2).lognormal(sigma=0.7, size=200)
    est = cx.cronbach_alpha(data, ITEMS, weights=w)
    x = data.to_numpy(dtype=float)
    assert est.value == pytest.approx(alpha_numpy(x, w), rel=1e-12)
    kish = w.sum() ** 2 / (w**2).sum()
    assert est.components["n_effective"] == pytest.approx(kish)
    assert est.components["sum_weights"] == pytest.approx(w.sum())
    low, high = feldt_interval(est.value, kish, 4)
    assert tuple(est.ci) == pytest.approx((float(low), float(high)), rel=1e-12)
    sd = np.sqrt(np.cov(x, rowvar=False, aweights=w).diagonal() * 1.0)
    # weighted sd: sum w d**2 / sum w * n / (n - 1); numpy's aweights divisor differs
    mean = (w[:, None] * x).sum(axis=0) / w.sum()
    want = np.sqrt((w[:, None] * (x - mean) ** 2).sum(axis=0) / w.sum() * 200 / 199)
    table = cx.item_analysis(data, ITEMS, weights=w)
    np.testing.assert_allclose(table["sd"], want, rtol=1e-12)
    np.testing.assert_allclose(table["mean"], mean, rtol=1e-12)
    assert sd.shape == want.shape


def test_unit_weights_give_the_unweighted_result() -> None:
    data = make_items(50, rng=8)
    plain = cx.cronbach_alpha(data, ITEMS)
    weighted = cx.cronbach_alpha(data, ITEMS, weights=np.ones(50))
    assert weighted.value == pytest.approx(plain.value, rel=1e-14)
    assert tuple(weighted.ci) == pytest.approx(tuple(plain.ci), rel=1e-12)
    pd.testing.assert_frame_equal(
        cx.item_analysis(data, ITEMS, weights=np.ones(50)), cx.item_analysis(data, ITEMS)
    )


def test_large_offset_keeps_every_digit() -> None:
    data = make_items(500, rng=6)
    shifted = data + 1e9
    a, b = cx.cronbach_alpha(data, ITEMS), cx.cronbach_alpha(shifted, ITEMS)
    assert b.value == pytest.approx(a.value, rel=1e-9)
    assert b.components["standardized_alpha"] == pytest.approx(
        a.components["standardized_alpha"], rel=1e-9
    )
    ta, tb = cx.item_analysis(data, ITEMS), cx.item_analysis(shifted, ITEMS)
    for c in ("sd", "r_item_rest", "alpha_if_deleted"):
        np.testing.assert_allclose(tb[c], ta[c], rtol=1e-9)
    w = np.random.default_rng(0).uniform(0.5, 2.0, 500)
    wa, wb = cx.cronbach_alpha(data, ITEMS, weights=w), cx.cronbach_alpha(shifted, ITEMS, weights=w)
    assert wb.value == pytest.approx(wa.value, rel=1e-9)


# --- properties -----------------------------------------------------------------------------

answers = st.lists(st.tuples(*[st.integers(1, 7)] * 4), min_size=5, max_size=40).map(
    lambda rows: pd.DataFrame(rows, columns=ITEMS)
)


def _varies(frame: pd.DataFrame) -> bool:
    return bool((frame.std() > 0).all()) and frame.sum(axis=1).std() > 0


@given(frame=answers, shift=st.integers(-1000, 1000), item=st.sampled_from(ITEMS))
def test_adding_a_constant_to_an_item_leaves_alpha(
    frame: pd.DataFrame, shift: int, item: str
) -> None:
    assume(_varies(frame))
    moved = frame.assign(**{item: frame[item] + shift})
    a, b = cx.cronbach_alpha(frame, ITEMS), cx.cronbach_alpha(moved, ITEMS)
    assert b.value == pytest.approx(a.value, rel=1e-9, abs=1e-12)
    assert tuple(b.ci) == pytest.approx(tuple(a.ci), rel=1e-9, abs=1e-12)


@given(frame=answers, item=st.sampled_from(ITEMS))
def test_reversing_an_item_twice_is_the_identity(frame: pd.DataFrame, item: str) -> None:
    assume(_varies(frame))
    reversed_once = frame.assign(**{item: 8 - frame[item]})
    a = cx.cronbach_alpha(frame, ITEMS)
    # Reversed in the data, then again by reverse=: the original scale.
    b = cx.cronbach_alpha(reversed_once, ITEMS, reverse=[item])
    assert b.value == pytest.approx(a.value, rel=1e-9, abs=1e-12)
    ia = cx.item_analysis(frame, ITEMS)
    ib = cx.item_analysis(reversed_once, ITEMS, reverse=[item])
    np.testing.assert_allclose(ib["r_item_rest"], ia["r_item_rest"], rtol=1e-9, atol=1e-12)
    assert ib["reversed"].tolist() == [c == item for c in ITEMS]


@given(frame=answers, order=st.permutations(ITEMS))
def test_permuting_items_permutes_the_item_table(frame: pd.DataFrame, order: list[str]) -> None:
    assume(_varies(frame))
    a, b = cx.cronbach_alpha(frame, ITEMS), cx.cronbach_alpha(frame, order)
    assert b.value == pytest.approx(a.value, rel=1e-9, abs=1e-12)
    assert b.components["standardized_alpha"] == pytest.approx(
        a.components["standardized_alpha"], rel=1e-9, abs=1e-12
    )
    ta = cx.item_analysis(frame, ITEMS).set_index("item").loc[order]
    tb = cx.item_analysis(frame, order).set_index("item")
    np.testing.assert_allclose(tb.to_numpy(float), ta.to_numpy(float), rtol=1e-9, atol=1e-12)


@given(frame=answers, twice=st.lists(st.booleans(), min_size=40, max_size=40))
def test_frequency_weights_of_two_equal_duplicated_rows(
    frame: pd.DataFrame, twice: list[bool]
) -> None:
    assume(_varies(frame))
    w = np.where(np.array(twice[: len(frame)]), 2.0, 1.0)
    duplicated = frame.loc[frame.index.repeat(w.astype(int))]
    a = cx.cronbach_alpha(duplicated, ITEMS)
    b = cx.cronbach_alpha(frame, ITEMS, weights=w, weights_kind="frequency")
    assert b.n == a.n
    assert b.value == pytest.approx(a.value, rel=1e-9, abs=1e-12)
    assert tuple(b.ci) == pytest.approx(tuple(a.ci), rel=1e-9, abs=1e-12)
    assert b.se == pytest.approx(a.se, rel=1e-9, abs=1e-12)
    # Survey weights of 2 change alpha alike, not the sample size of the interval.
    c = cx.cronbach_alpha(frame, ITEMS, weights=w)
    assert c.value == pytest.approx(a.value, rel=1e-9, abs=1e-12)
    assert c.components["n_effective"] <= len(frame)


@settings(max_examples=30)
@given(frame=answers, labels=st.lists(st.sampled_from("abc"), min_size=40, max_size=40))
def test_grouped_equals_per_group(frame: pd.DataFrame, labels: list[str]) -> None:
    frame = frame.assign(segment=labels[: len(frame)])
    parts = {
        s: part for s, part in frame.groupby("segment") if len(part) >= 3 and _varies(part[ITEMS])
    }
    assume(len(parts) == frame["segment"].nunique())
    table = cx.cronbach_alpha(frame, ITEMS, by="segment")
    items = cx.item_analysis(frame, ITEMS, by="segment")
    for s, part in parts.items():
        one = cx.cronbach_alpha(part, ITEMS)
        row = table.set_index("segment").loc[s]
        assert row["value"] == pytest.approx(one.value, rel=1e-9, abs=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(one.ci), rel=1e-9, abs=1e-12)
        assert row["n"] == one.n
        got = items[items["segment"] == s].drop(columns="segment").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, cx.item_analysis(part, ITEMS), rtol=1e-9, atol=1e-12)


# --- missing answers, groups and bad input ----------------------------------------------------


def test_nan_policies() -> None:
    data = make_items(40, rng=9).astype(float)
    data.loc[5, "q2"] = np.nan
    with pytest.raises(ValueError, match=r"column 'q2' has 1 missing.*nan_policy='raise'"):
        cx.cronbach_alpha(data, ITEMS, nan_policy="raise")
    est = cx.cronbach_alpha(data, ITEMS, nan_policy="propagate")
    assert np.isnan(est.value)
    assert est.n_missing == 1
    data["g"] = np.where(np.arange(40) < 20, "a", "b")
    table = cx.cronbach_alpha(data, ITEMS, by="g", nan_policy="propagate")
    assert np.isnan(table["value"].iloc[0])
    assert np.isfinite(table["value"].iloc[1])
    items = cx.item_analysis(data, ITEMS, by="g", nan_policy="propagate")
    assert items.loc[items["g"] == "a", ["mean", "sd", "r_item_rest"]].isna().all().all()
    assert items.loc[items["g"] == "b", ["mean", "sd", "r_item_rest"]].notna().all().all()
    with pytest.raises(ValueError, match="nan_policy must be one of"):
        cx.cronbach_alpha(data, ITEMS, nan_policy="drop")


def test_bad_columns() -> None:
    data = make_items(30, rng=1).assign(text=["x"] * 30)
    with pytest.raises(ValueError, match=r"columns='q9' is not a column"):
        cx.cronbach_alpha(data, ["q1", "q9"])
    with pytest.raises(ValueError, match="at least 2 items"):
        cx.cronbach_alpha(data, ["q1"])
    with pytest.raises(TypeError, match="columns must be a list"):
        cx.cronbach_alpha(data, "q1")
    with pytest.raises(TypeError, match="column 'text' must hold numbers"):
        cx.cronbach_alpha(data, ["q1", "text"])
    with pytest.raises(ValueError, match="more than once"):
        cx.cronbach_alpha(data, ["q1", "q1"])
    with pytest.raises(ValueError, match="reverse names columns that are not among columns"):
        cx.cronbach_alpha(data, ["q1", "q2"], reverse=["q3"])
    with pytest.raises(TypeError, match="reverse must be a list"):
        cx.cronbach_alpha(data, ["q1", "q2"], reverse="q1")
    with pytest.raises(TypeError, match="data must be a DataFrame"):
        cx.cronbach_alpha(data.to_numpy(), ["q1", "q2"])
    with pytest.raises(ValueError, match="confidence_level"):
        cx.cronbach_alpha(data, ["q1", "q2"], confidence_level=95)
    with pytest.raises(ValueError, match="weights_kind must be one of"):
        cx.cronbach_alpha(data, ["q1", "q2"], weights_kind="design")
    with pytest.raises(ValueError, match="frequency weights must be whole numbers"):
        cx.cronbach_alpha(data, ["q1", "q2"], weights=np.full(30, 1.5), weights_kind="frequency")
    inf = data[["q1", "q2"]].astype(float)
    inf.loc[3, "q2"] = np.inf
    with pytest.raises(ValueError, match="column 'q2' holds infinite values"):
        cx.cronbach_alpha(inf, ["q1", "q2"])


def test_too_few_rows() -> None:
    data = pd.DataFrame({"q1": [1.0, 2.0, np.nan], "q2": [2.0, np.nan, 3.0]})
    with pytest.raises(ValueError, match=r"1 complete row.*needs at least 2.*left out: 2"):
        cx.cronbach_alpha(data, ["q1", "q2"])
    grouped = make_items(20, rng=2).assign(g=["a"] * 19 + ["b"])
    with pytest.warns(
        cx.DegenerateDataWarning, match="undefined .NaN. for 1 group.s.: fewer than 2"
    ):
        table = cx.cronbach_alpha(grouped, ITEMS, by="g")
    assert np.isfinite(table["value"].iloc[0])
    assert np.isnan(table["value"].iloc[1])
    assert np.isnan(table["ci_low"].iloc[1])


def test_constant_item_is_never_silent() -> None:
    data = make_items(50, rng=3).assign(q4=4)
    with pytest.warns(cx.DegenerateDataWarning, match=r"\['q4'\] do not vary in the data"):
        est = cx.cronbach_alpha(data, ITEMS)
    x = data.to_numpy(dtype=float)
    assert est.value == pytest.approx(alpha_numpy(x), rel=1e-12)  # alpha is defined
    assert np.isnan(est.components["standardized_alpha"])
    assert np.isnan(est.components["r_item_rest_q4"])
    assert np.isfinite(est.components["r_item_rest_q1"])
    with pytest.warns(cx.DegenerateDataWarning, match="alpha itself"):
        none_vary = cx.cronbach_alpha(pd.DataFrame({"a": [3] * 5, "b": [2] * 5}), ["a", "b"])
    assert np.isnan(none_vary.value)
    assert np.isnan(none_vary.ci.low)
    # Far from zero the constant is still recognised.
    with pytest.warns(cx.DegenerateDataWarning, match="do not vary"):
        cx.cronbach_alpha(data + 1e9, ITEMS)


def test_two_items_have_no_alpha_if_deleted() -> None:
    data = make_items(40, k=2, rng=5)
    table = cx.item_analysis(data, ["q1", "q2"])
    assert table["alpha_if_deleted"].isna().all()
    r = np.corrcoef(data["q1"], data["q2"])[0, 1]
    assert table["r_item_rest"].tolist() == pytest.approx([r, r])
    # Two items: standardised alpha is the Spearman-Brown formula 2r / (1 + r).
    est = cx.cronbach_alpha(data, ["q1", "q2"])
    assert est.components["standardized_alpha"] == pytest.approx(2 * r / (1 + r))


def test_result_is_an_estimate_and_frame_of_groups() -> None:
    data = make_items(90, rng=7).assign(g=np.repeat(["x", "y", "z"], 30))
    est = cx.cronbach_alpha(data, ITEMS)
    assert isinstance(est, cx.Estimate)
    assert est.metric == "cronbach_alpha"
    assert est.components["n_items"] == 4
    assert str(est).startswith("Cronbach's alpha")
    frame = est.to_frame()
    assert frame["value"].iloc[0] == est.value
    table = cx.cronbach_alpha(data, ITEMS, by="g")
    assert table["g"].tolist() == ["x", "y", "z"]
    assert list(table.columns[:8]) == [
        "g",
        "metric",
        "value",
        "se",
        "ci_low",
        "ci_high",
        "n",
        "n_missing",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cx.item_analysis(data, ITEMS, by="g")


def test_a_constant_rest_score_gives_nan_in_any_item_order() -> None:
    # q1 + q2 + q4 is 13 on every row: deleting q3 leaves a sum score with no variance,
    # which sums of covariances give only up to rounding, in an order-dependent way.
    frame = pd.DataFrame(
        [(1, 5, 1, 7), (1, 5, 1, 7), (1, 6, 1, 6), (1, 7, 2, 5), (4, 7, 1, 2)], columns=ITEMS
    )
    for order in (ITEMS, ["q1", "q2", "q4", "q3"], ["q3", "q4", "q2", "q1"]):
        table = cx.item_analysis(frame, order).set_index("item")
        assert np.isnan(table.loc["q3", "alpha_if_deleted"])
        assert np.isnan(table.loc["q3", "r_item_rest"])
        assert np.isfinite(table.loc["q1", "alpha_if_deleted"])
