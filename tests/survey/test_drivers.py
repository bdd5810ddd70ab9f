"""cx.key_drivers and cx.driver_difference: dominance analysis, relative weights and
standardised coefficients against independent computations on the rows."""

from __future__ import annotations

import itertools
from math import factorial

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.core.bootstrap import _segments
from cxlib.core.resampled_moments import comoment_replicates, jackknife_comoments
from cxlib.core.statistics import summarise

DRIVERS = ["a", "b", "c", "d"]

# R's `attitude` data (Chatterjee & Price, "Regression Analysis by Example"): the overall
# rating of 30 departments' supervisors and six aspects of their work.
ATTITUDE = """rating,complaints,privileges,learning,raises,critical,advance
43,51,30,39,61,92,45;63,64,51,54,63,73,47;71,70,68,69,76,86,48;61,63,45,47,54,84,35
81,78,56,66,71,83,47;43,55,49,44,54,49,34;58,67,42,56,66,68,35;71,75,50,55,70,66,41
72,82,72,67,71,83,31;67,61,45,47,62,80,41;64,53,53,58,58,67,34;67,60,47,39,59,74,41
69,62,57,42,55,63,25;68,83,83,45,59,77,35;77,77,54,72,79,77,46;81,90,50,72,60,54,36
74,85,64,69,79,79,63;65,60,65,75,55,80,60;65,70,46,57,75,85,46;50,58,68,54,64,78,52
50,40,33,34,43,64,33;64,61,52,62,66,80,41;53,66,52,50,63,80,37;40,37,42,58,50,57,49
63,54,42,48,66,75,33;66,77,66,63,88,76,72;78,75,58,74,80,78,49;48,57,44,45,51,83,38
85,85,71,71,77,74,55;82,82,39,59,64,78,39"""


def _attitude() -> pd.DataFrame:
    header, body = ATTITUDE.split("\n", 1)
    rows = [r.split(",") for r in body.replace("\n", ";").split(";")]
    return pd.DataFrame(np.array(rows, dtype=float), columns=header.split(","))


def _survey(n: int = 400, seed: int = 3, offset: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)) @ np.array(
        [[1, 0.3, 0.2, 0], [0, 1, 0.4, 0.1], [0, 0, 1, 0.3], [0, 0, 0, 1]]
    )
    y = x @ np.array([0.8, 0.5, -0.3, 0.1]) + rng.normal(size=n)
    frame = pd.DataFrame(offset + x, columns=DRIVERS)
    frame["y"] = offset + y
    frame["seg"] = rng.choice(["north", "south", "west"], n)
    frame["w"] = rng.uniform(0.5, 2.0, n)
    return frame


def _r2(y: np.ndarray, x: np.ndarray, w: np.ndarray | None = None) -> float:
    """R² of the weighted least-squares fit of y on x with an intercept, by lstsq."""
    w = np.ones(len(y)) if w is None else w
    design = np.column_stack([np.ones(len(y)), x]) * np.sqrt(w)[:, None]
    coef = np.linalg.lstsq(design, y * np.sqrt(w), rcond=None)[0]
    resid = y - np.column_stack([np.ones(len(y)), x]) @ coef
    ybar = np.average(y, weights=w)
    return float(1.0 - (w * resid**2).sum() / (w * (y - ybar) ** 2).sum())


def _shapley(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """General dominance by brute force: every subset fitted by lstsq, Shapley weights."""
    p = x.shape[1]
    r2 = {
        s: (_r2(y, x[:, list(s)]) if s else 0.0)
        for k in range(p + 1)
        for s in itertools.combinations(range(p), k)
    }
    out = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            for s in itertools.combinations(others, k):
                weight = factorial(k) * factorial(p - k - 1) / factorial(p)
                out[j] += weight * (r2[tuple(sorted((*s, j)))] - r2[s])
    return out


def test_standardized_coefficients_match_lstsq_on_z_scores() -> None:
    data = _survey()
    z = (data[[*DRIVERS, "y"]] - data[[*DRIVERS, "y"]].mean()) / data[[*DRIVERS, "y"]].std()
    want = np.linalg.lstsq(z[DRIVERS].to_numpy(), z["y"].to_numpy(), rcond=None)[0]
    for method in ("dominance", "relative-weights", "standardized"):
        got = cx.key_drivers(data, "y", DRIVERS, method=method, ci_method=None)
        np.testing.assert_allclose(got["std_coef"], want, rtol=1e-10)
    got = cx.key_drivers(data, "y", DRIVERS, method="standardized", ci_method=None)
    np.testing.assert_allclose(got["importance"], want, rtol=1e-10)
    r = z.corr()["y"][DRIVERS].to_numpy()
    np.testing.assert_allclose(got["share"], want * r / got.attrs["r2"], rtol=1e-10)
    assert got["rank"].tolist() == [1, 2, 3, 4]  # by absolute coefficient


def test_dominance_matches_brute_force_and_sums_to_r2() -> None:
    data = _survey(n=300)
    got = cx.key_drivers(data, "y", DRIVERS, ci_method=None)
    y, x = data["y"].to_numpy(), data[DRIVERS].to_numpy()
    np.testing.assert_allclose(got["importance"], _shapley(y, x), rtol=1e-9, atol=1e-12)
    r2 = _r2(y, x)
    assert got.attrs["r2"] == pytest.approx(r2, rel=1e-10)
    assert got["importance"].sum() == pytest.approx(r2, rel=1e-10)
    assert got["share"].sum() == pytest.approx(1.0, rel=1e-10)


def test_published_attitude_example() -> None:
    """R package dominanceanalysis (Bustos Navarrete & Coutinho Soares), README: for
    lm(rating ~ ., attitude), the average contributions (general dominance) are
    complaints 0.371, privileges 0.051, learning 0.156, raises 0.120, critical 0.007,
    advance 0.028, R² 0.733 and R² 0.681 for complaints alone; complaints completely
    dominates all others, learning dominates privileges, raises, critical and advance,
    privileges and raises dominate critical; conditional dominance (average level 2,
    one other driver): 0.494 0.075 0.227 0.194 0.007 0.022."""
    att = _attitude()
    drivers = ["complaints", "privileges", "learning", "raises", "critical", "advance"]
    got = cx.key_drivers(att, "rating", drivers, ci_method=None, dominance_tables=True)
    np.testing.assert_allclose(
        got["importance"], [0.371, 0.051, 0.156, 0.120, 0.007, 0.028], atol=5e-4
    )
    assert got.attrs["r2"] == pytest.approx(0.733, abs=5e-4)
    cond = pd.DataFrame(got.attrs["conditional_dominance"])
    assert cond.loc[0, "complaints"] == pytest.approx(0.681, abs=5e-4)
    np.testing.assert_allclose(cond.loc[1], [0.494, 0.075, 0.227, 0.194, 0.007, 0.022], atol=5e-4)
    np.testing.assert_allclose(cond.mean(), got["importance"], rtol=1e-12)
    comp = pd.DataFrame(got.attrs["complete_dominance"])
    dominated = {
        "complaints": {"privileges", "learning", "raises", "critical", "advance"},
        "learning": {"privileges", "raises", "critical", "advance"},
        "privileges": {"critical"},
        "raises": {"critical"},
    }
    for row in drivers:
        assert set(comp.columns[comp.loc[row] == 1.0]) == dominated.get(row, set())
    assert got["rank"].tolist() == [1, 4, 2, 3, 6, 5]


def test_relative_weights_match_johnsons_construction_on_the_rows() -> None:
    """Johnson (2000): Z = P Q' from the SVD X = P D Q' of the standardised drivers (the
    orthogonal variables closest to them), y regressed on Z (beta) and X on Z (Lambda);
    the weight of driver j is sum_k Lambda[k, j]**2 beta[k]**2."""
    data = _survey()
    x = data[DRIVERS].to_numpy()
    # Unit-length columns: X'X is the correlation matrix, Z'Z the identity.
    x = (x - x.mean(axis=0)) / np.linalg.norm(x - x.mean(axis=0), axis=0)
    y = data["y"].to_numpy()
    y = (y - y.mean()) / np.linalg.norm(y - y.mean())
    p_, _, qt = np.linalg.svd(x, full_matrices=False)
    z = p_ @ qt
    beta = np.linalg.lstsq(z, y, rcond=None)[0]
    lam = np.linalg.lstsq(z, x, rcond=None)[0]
    want = (lam**2).T @ beta**2
    got = cx.key_drivers(data, "y", DRIVERS, method="relative-weights", ci_method=None)
    np.testing.assert_allclose(got["importance"], want, rtol=1e-9)
    assert got["importance"].sum() == pytest.approx(got.attrs["r2"], rel=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.permutations(range(4)), st.integers(0, 10_000))
def test_permuting_drivers_permutes_importances(order: list[int], seed: int) -> None:
    data = _survey(n=80, seed=seed)
    names = [DRIVERS[i] for i in order]
    for method in ("dominance", "relative-weights"):
        base = cx.key_drivers(data, "y", DRIVERS, method=method, ci_method=None)
        got = cx.key_drivers(data, "y", names, method=method, ci_method=None)
        assert got["driver"].tolist() == names
        want = base.set_index("driver").loc[names]
        np.testing.assert_allclose(got["importance"], want["importance"], rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(got["std_coef"], want["std_coef"], rtol=1e-9, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 10_000),
    st.floats(-1e6, 1e6),
    st.floats(1e-3, 1e3),
)
def test_invariant_to_constants_and_positive_scaling(seed: int, shift: float, scale: float) -> None:
    data = _survey(n=60, seed=seed)
    moved = data.assign(b=data["b"] * scale + shift, y=data["y"] + shift)
    for method in ("dominance", "relative-weights", "standardized"):
        want = cx.key_drivers(data, "y", DRIVERS, method=method, ci_method=None)
        got = cx.key_drivers(moved, "y", DRIVERS, method=method, ci_method=None)
        np.testing.assert_allclose(got["importance"], want["importance"], rtol=1e-7, atol=1e-10)


def test_stable_far_from_zero() -> None:
    near = cx.key_drivers(_survey(), "y", DRIVERS, ci_method=None)
    far = cx.key_drivers(_survey(offset=1e9), "y", DRIVERS, ci_method=None)
    np.testing.assert_allclose(far["importance"], near["importance"], rtol=1e-6)


def test_weight_two_equals_a_duplicated_row() -> None:
    data = _survey(n=50)
    w = np.ones(len(data))
    w[[3, 17]] = 2.0
    doubled = pd.concat([data, data.iloc[[3, 17]]], ignore_index=True)
    for method in ("dominance", "relative-weights", "standardized"):
        got = cx.key_drivers(data, "y", DRIVERS, method=method, weights=w, ci_method=None)
        want = cx.key_drivers(doubled, "y", DRIVERS, method=method, ci_method=None)
        np.testing.assert_allclose(got["importance"], want["importance"], rtol=1e-10)
    # Weighted R² against weighted least squares on the rows.
    got = cx.key_drivers(data, "y", DRIVERS, weights="w", ci_method=None)
    want = _r2(data["y"].to_numpy(), data[DRIVERS].to_numpy(), data["w"].to_numpy())
    assert got.attrs["r2"] == pytest.approx(want, rel=1e-10)


def test_grouped_equals_per_group() -> None:
    data = _survey(n=600)
    data.loc[::37, "c"] = np.nan
    got = cx.key_drivers(data, "y", DRIVERS, by="seg", weights="w", ci_method=None)
    assert got["seg"].tolist() == [s for s in ("north", "south", "west") for _ in DRIVERS]
    for seg, part in data.groupby("seg"):
        want = cx.key_drivers(part, "y", DRIVERS, weights="w", ci_method=None)
        mine = got[got["seg"] == seg]
        np.testing.assert_allclose(mine["importance"], want["importance"], rtol=1e-10)
        assert mine["rank"].tolist() == want["rank"].tolist()
        assert got.attrs["r2"][seg] == pytest.approx(want.attrs["r2"], rel=1e-12)
        assert got.attrs["n"][seg] == want.attrs["n"]
        assert got.attrs["n_missing"][seg] == want.attrs["n_missing"] > 0


def test_listwise_deletion_counted() -> None:
    data = _survey(n=200)
    data.loc[[1, 2], "a"] = np.nan
    data.loc[[2, 5], "y"] = None
    got = cx.key_drivers(data, "y", DRIVERS, ci_method=None)
    want = cx.key_drivers(data.drop(index=[1, 2, 5]), "y", DRIVERS, ci_method=None)
    np.testing.assert_allclose(got["importance"], want["importance"], rtol=1e-12)
    assert (got.attrs["n"], got.attrs["n_missing"]) == (197, 3)
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        cx.key_drivers(data, "y", DRIVERS, ci_method=None, nan_policy="raise")


def test_binary_outcome_decomposes_the_linear_probability_model_r2() -> None:
    data = _survey(n=500)
    data["promoter"] = data["y"] > 0.5
    as_bool = cx.key_drivers(data, "promoter", DRIVERS, ci_method=None)
    as_int = cx.key_drivers(
        data.assign(promoter=data["promoter"].astype(int)), "promoter", DRIVERS, ci_method=None
    )
    np.testing.assert_allclose(as_bool["importance"], as_int["importance"], rtol=1e-12)
    lpm = _r2(data["promoter"].to_numpy(float), data[DRIVERS].to_numpy())
    assert as_bool["importance"].sum() == pytest.approx(lpm, rel=1e-10)


def test_bootstrap_intervals() -> None:
    data = _survey(n=300)
    got = cx.key_drivers(data, "y", DRIVERS, rng=5, n_resamples=500)
    assert (got["ci_low"] <= got["importance"]).all()
    assert (got["importance"] <= got["ci_high"]).all()
    low, high = got.attrs["r2_ci"]
    assert low < got.attrs["r2"] < high
    again = cx.key_drivers(data.iloc[::-1], "y", DRIVERS, rng=5, n_resamples=500)
    # Rows are ordered by value before resampling: the same seed, the same interval.
    np.testing.assert_allclose(again[["ci_low", "ci_high"]], got[["ci_low", "ci_high"]], rtol=1e-9)
    bca = cx.key_drivers(data, "y", DRIVERS, ci_method="bca", rng=5, n_resamples=500)
    assert (bca["ci_low"] < bca["ci_high"]).all()
    grouped = cx.key_drivers(data, "y", DRIVERS, by="seg", rng=5, n_resamples=300)
    assert set(grouped.attrs["r2_ci"]) == {"north", "south", "west"}


def test_comoment_replicates_match_numpy_on_the_drawn_rows() -> None:
    rng = np.random.default_rng(0)
    n, k = 40, 3
    x = 1e6 + rng.normal(size=(k, n))
    codes = rng.integers(0, 2, n).astype(np.intp)
    w = rng.uniform(0.5, 2, n)
    m = summarise(x, codes, 2, w)
    reps = comoment_replicates(x, codes, 2, w, m.mean, 7, np.random.default_rng(9))
    # The same draws, by hand: rows in the function's order, positions within groups.
    order, sizes, starts = _segments(codes, 2, *x, w)
    group_of = np.repeat(np.arange(2), sizes)
    u = np.random.default_rng(9).random((7, n))
    for b in range(7):
        pick = order[starts[group_of] + (u[b] * sizes[group_of]).astype(np.intp)]
        for g in range(2):
            rows = pick[group_of == g]
            xs, ws = x[:, rows], w[rows]
            dev = xs - np.average(xs, axis=1, weights=ws)[:, None]
            np.testing.assert_allclose(reps[b, g], (dev * ws) @ dev.T, rtol=1e-8)


def test_jackknife_comoments_match_numpy() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 12))
    codes = np.zeros(12, dtype=np.intp)
    w = rng.uniform(0.5, 2, 12)
    m = summarise(x, codes, 1, w)
    loo = jackknife_comoments(x, codes, w, m.mean, m.weight, m.comoment)
    for i in range(12):
        keep = np.arange(12) != i
        xs, ws = x[:, keep], w[keep]
        dev = xs - np.average(xs, axis=1, weights=ws)[:, None]
        np.testing.assert_allclose(loo[i], (dev * ws) @ dev.T, rtol=1e-10)


def test_driver_difference() -> None:
    data = _survey(n=300)
    diff = cx.driver_difference(data, "y", DRIVERS, ("a", "b"), rng=5, n_resamples=500)
    kd = cx.key_drivers(data, "y", DRIVERS, ci_method=None)
    imp = kd.set_index("driver")["importance"]
    assert diff.value == pytest.approx(imp["a"] - imp["b"], rel=1e-12)
    assert diff.ci.low < diff.value < diff.ci.high
    assert diff.components["share_ahead"] == 1.0  # a is far ahead of b
    close = cx.driver_difference(data, "y", DRIVERS, ("c", "b"), rng=5, n_resamples=500)
    flipped = cx.driver_difference(data, "y", DRIVERS, ("b", "c"), rng=5, n_resamples=500)
    assert close.value == pytest.approx(-flipped.value)
    assert close.ci.low == pytest.approx(-flipped.ci.high)
    grouped = cx.driver_difference(data, "y", DRIVERS, ("a", "b"), by="seg", rng=5, n_resamples=200)
    assert grouped["seg"].tolist() == ["north", "south", "west"]
    assert (grouped["ci_low"] < grouped["difference"]).all()
    bca = cx.driver_difference(data, "y", DRIVERS, ("c", "b"), ci_method="bca", rng=5)
    assert bca.ci.low < bca.value < bca.ci.high
    assert bca.ci_method == "bootstrap-bca"
    with pytest.raises(ValueError, match="compare must name two different drivers"):
        cx.driver_difference(data, "y", DRIVERS, ("a", "z"))


def test_bad_input_errors() -> None:
    data = _survey(n=40)
    with pytest.raises(ValueError, match="outcome='nope' is not a column"):
        cx.key_drivers(data, "nope", DRIVERS, ci_method=None)
    with pytest.raises(ValueError, match="drivers='zz' is not a column"):
        cx.key_drivers(data, "y", ["a", "zz"], ci_method=None)
    with pytest.raises(ValueError, match="outcome 'y' is also among the drivers"):
        cx.key_drivers(data, "y", ["a", "y"], ci_method=None)
    with pytest.raises(ValueError, match="driver 'k' is constant"):
        cx.key_drivers(data.assign(k=1e9), "y", ["a", "k"], ci_method=None)
    with pytest.raises(ValueError, match="outcome 'y' is constant"):
        cx.key_drivers(data.assign(y=3.0), "y", ["a", "b"], ci_method=None)
    with pytest.raises(ValueError, match=r"drivers \['a', 'b', 'e'\] are perfectly collinear"):
        cx.key_drivers(
            data.assign(e=data["a"] - 2 * data["b"]), "y", ["a", "b", "c", "e"], ci_method=None
        )
    with pytest.raises(ValueError, match="too few respondents for 4 drivers"):
        cx.key_drivers(data.head(5), "y", DRIVERS, ci_method=None)
    wide = pd.DataFrame(
        np.random.default_rng(0).normal(size=(100, 17)), columns=[f"x{i}" for i in range(17)]
    )
    with pytest.raises(ValueError, match="method='relative-weights'"):
        cx.key_drivers(wide, "x0", [f"x{i}" for i in range(1, 17)], ci_method=None)
    ok = cx.key_drivers(
        wide, "x0", [f"x{i}" for i in range(1, 17)], method="relative-weights", ci_method=None
    )
    assert ok["importance"].sum() == pytest.approx(ok.attrs["r2"])
    with pytest.raises(ValueError, match="method must be one of"):
        cx.key_drivers(data, "y", DRIVERS, method="shapley")
    with pytest.raises(TypeError, match="drivers must be a list"):
        cx.key_drivers(data, "y", "a")
    with pytest.raises(ValueError, match="infinite"):
        cx.key_drivers(data.assign(a=np.inf), "y", DRIVERS, ci_method=None)
    with pytest.raises(TypeError, match="must hold numbers"):
        cx.key_drivers(data, "y", ["a", "seg"], ci_method=None)
    with pytest.raises(ValueError, match="dominance_tables=True needs method='dominance'"):
        cx.key_drivers(data, "y", DRIVERS, method="standardized", dominance_tables=True)
    with pytest.raises(ValueError, match="ci_method must be one of"):
        cx.key_drivers(data, "y", DRIVERS, ci_method="basic")


def test_too_few_in_one_group_names_it() -> None:
    data = _survey(n=200)
    data.loc[data.index[:5], "seg"] = "tiny"
    with pytest.raises(ValueError, match="group seg='tiny'"):
        cx.key_drivers(data, "y", DRIVERS, by="seg", ci_method=None)


def test_caller_data_not_mutated_and_concat_keeps_working() -> None:
    data = _survey(n=100)
    before = data.copy()
    one = cx.key_drivers(data, "y", DRIVERS, ci_method=None, dominance_tables=True)
    two = cx.key_drivers(data, "y", DRIVERS, method="relative-weights", ci_method=None)
    pd.testing.assert_frame_equal(data, before)
    assert len(pd.concat([one, two])) == 8
