"""The A/B pictures, checked against the results they draw."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy import integrate

import cxlib as cx
from cxlib.plotting import PALETTE, lift_forest, posterior, power_curve, srm
from cxlib.plotting.checks import RESIDUAL_LIMIT

# ---------------------------------------------------------------------------- helpers


def _by_gid(ax: Axes, gid: str) -> Any:
    found = [a for a in [*ax.lines, *ax.collections, *ax.patches] if a.get_gid() == gid]
    assert len(found) == 1, f"{len(found)} artists with gid {gid!r}"
    return found[0]


def _whiskers(ax: Axes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, low, high) of the forest's whiskers, top row first."""
    lines = _by_gid(ax, "whiskers")
    assert isinstance(lines, LineCollection)
    segments = np.array([np.asarray(s) for s in lines.get_segments()])
    order = np.argsort(-segments[:, 0, 1])
    segments = segments[order]
    assert np.allclose(segments[:, 0, 1], segments[:, 1, 1])  # horizontal
    return segments[:, 0, 1], segments[:, 0, 0], segments[:, 1, 0]


def _points(ax: Axes) -> dict[float, tuple[float, bool]]:
    """y -> (x, significant) of the forest's markers."""
    out: dict[float, tuple[float, bool]] = {}
    for gid, flag in (("significant", True), ("not significant", False)):
        line = _by_gid(ax, gid)
        assert isinstance(line, Line2D)
        for x, y in zip(np.asarray(line.get_xdata()), np.asarray(line.get_ydata()), strict=True):
            out[float(y)] = (float(x), flag)
    return out


def _labels(ax: Axes) -> list[str]:
    """Row labels, top row first."""
    ticks = sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True), key=lambda t: -t[0])
    return [label.get_text() for _, label in ticks]


@pytest.fixture
def segmented() -> pd.DataFrame:
    rng = np.random.default_rng(20261206)
    n = 9_000
    units = pd.DataFrame(
        {
            "arm": rng.choice(["A", "B", "C"], n),
            "device": rng.choice(["mobile", "desktop", "tablet"], n),
        }
    )
    rate = np.where(units["arm"] == "B", 0.15, 0.10)
    units["converted"] = rng.random(n) < rate
    return cx.ab.compare(units, group="arm", control="A", metric="converted", by="device")


# ------------------------------------------------------------------------ lift_forest


@pytest.mark.parametrize("relative", [True, False])
def test_forest_draws_the_frame(segmented: pd.DataFrame, relative: bool) -> None:
    before = segmented.copy()
    ax = lift_forest(segmented, relative=relative)
    pd.testing.assert_frame_equal(segmented, before)
    cols = (
        ["lift", "lift_ci_low", "lift_ci_high"] if relative else ["difference", "ci_low", "ci_high"]
    )
    scale = 100.0 if relative else 1.0
    y, low, high = _whiskers(ax)
    assert len(y) == len(segmented) == 6  # 3 segments x 2 variants
    np.testing.assert_allclose(low, scale * segmented[cols[1]].to_numpy())
    np.testing.assert_allclose(high, scale * segmented[cols[2]].to_numpy())
    points = _points(ax)
    np.testing.assert_allclose([points[float(v)][0] for v in y], scale * segmented[cols[0]])
    expected = [f"{d} · {a}" for d, a in zip(segmented["device"], segmented["arm"], strict=True)]
    assert _labels(ax) == expected
    assert ax.get_xlabel() == ("Lift (%)" if relative else "Difference (conversion rate)")
    zero = _by_gid(ax, "zero")
    assert list(zero.get_xdata()) == [0.0, 0.0]


@pytest.mark.parametrize("level", [0.95, 0.8])
def test_forest_marks_rejections_exactly(segmented: pd.DataFrame, level: float) -> None:
    ax = lift_forest(segmented, confidence_level=level)
    y, _, _ = _whiskers(ax)
    points = _points(ax)
    drawn = np.array([points[float(v)][1] for v in y])
    expected = np.array([p < 1.0 - level for p in segmented["p_value"]])
    assert expected.any()
    assert not expected.all()
    np.testing.assert_array_equal(drawn, expected)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == [f"significant at {100 * level:g}%", "not significant"]
    significant = _by_gid(ax, "significant")
    assert significant.get_markerfacecolor().lower() == PALETTE["blue"].lower()


def test_forest_uses_adjusted_p_values() -> None:
    rng = np.random.default_rng(2)
    n = 20_000
    units = pd.DataFrame({"arm": rng.choice(["A", "B", "C", "D", "E"], n)})
    lift = units["arm"].map({"A": 0.0, "B": 0.025, "C": 0.015, "D": 0.012, "E": 0.0})
    units["converted"] = rng.random(n) < 0.10 + lift
    table = cx.ab.compare(units, group="arm", control="A", metric="converted", adjust="bonferroni")
    ax = lift_forest(table)
    y, _, _ = _whiskers(ax)
    drawn = np.array([_points(ax)[float(v)][1] for v in y])
    np.testing.assert_array_equal(drawn, table["p_value_adjusted"].to_numpy() < 0.05)
    # The raw p-values would mark more rows: the adjustment is what is drawn.
    assert (table["p_value"] < 0.05).sum() > drawn.sum() > 0


def test_forest_of_one_comparison_and_its_plot() -> None:
    result = cx.ab.compare_proportions((380, 3_500), (470, 3_500))
    ax = lift_forest(result)
    y, low, high = _whiskers(ax)
    assert len(y) == 1
    np.testing.assert_allclose([low[0], high[0]], 100.0 * np.asarray(result.lift_ci))
    assert _points(ax)[float(y[0])] == pytest.approx((100.0 * result.lift, True))
    same = result.plot()
    assert isinstance(same, Axes)
    np.testing.assert_allclose(np.vstack(_whiskers(same)), np.vstack(_whiskers(ax)))
    assert _labels(same) == _labels(ax) == ["conversion_rate"]
    absolute = result.plot(relative=False)
    _, low, high = _whiskers(absolute)
    np.testing.assert_allclose([low[0], high[0]], result.difference_ci)


def test_forest_of_a_list_of_comparisons() -> None:
    first = cx.ab.compare_proportions((380, 3_500), (470, 3_500))
    second = cx.ab.compare_proportions((380, 3_500), (395, 3_500))
    ax = lift_forest([first, second])
    _, low, _ = _whiskers(ax)
    np.testing.assert_allclose(low, [100.0 * first.lift_ci.low, 100.0 * second.lift_ci.low])
    assert _labels(ax) == ["1 · conversion rate", "2 · conversion rate"]
    assert [flag for _, (_, flag) in sorted(_points(ax).items(), reverse=True)] == [
        first.p_value < 0.05,
        second.p_value < 0.05,
    ]


def test_forest_labels_comparisons_of_arms_with_other_names() -> None:
    # nps_difference names its arms a and b: their values and counts are no row keys.
    a = cx.nps([10] * 600 + [8] * 200 + [3] * 200)
    b = cx.nps([10] * 500 + [8] * 250 + [3] * 250)
    one = cx.compare_estimates(a, b)
    frame = one.to_frame()
    assert {"value_a", "n_b", "n_missing_a"} <= set(frame.columns)
    assert _labels(lift_forest(one, relative=False)) == [str(one.metric)]
    assert _labels(lift_forest(frame, relative=False)) == [str(frame["metric"].iloc[0])]
    shop = cx.datasets.make_orders(3_000, rng=1)
    keys = {"segment": "member", "a": True, "b": False, "customer": "customer_id", "date": "date"}
    aov = cx.compare_segments(shop, metric="average_order_value", revenue="revenue", **keys)
    frequency = cx.compare_segments(shop, metric="purchase_frequency", **keys)
    ax = lift_forest([aov, frequency])
    assert _labels(ax) == [aov.label, frequency.label]
    assert aov.label != frequency.label
    _, low, high = _whiskers(ax)
    np.testing.assert_allclose(low, [100.0 * aov.lift_ci.low, 100.0 * frequency.lift_ci.low])
    np.testing.assert_allclose(high, [100.0 * aov.lift_ci.high, 100.0 * frequency.lift_ci.high])


def test_forest_without_a_lift_draws_the_difference() -> None:
    a = cx.nps([10] * 600 + [8] * 200 + [3] * 200)
    b = cx.nps([10] * 500 + [8] * 250 + [3] * 250)
    result = cx.compare_estimates(a, b)
    ax = lift_forest(result, relative=False)
    _, low, high = _whiskers(ax)
    np.testing.assert_allclose([low[0], high[0]], result.difference_ci)
    assert ax.get_xlabel().startswith("Difference (")


def test_cuped_result_plot_compares_adjusted_arms() -> None:
    rng = np.random.default_rng(2013)
    pre = rng.gamma(2.0, 10.0, size=4_000)
    arm = np.repeat(["control", "variant"], 2_000)
    spend = 5.0 + 0.8 * pre + 1.0 * (arm == "variant") + rng.normal(0.0, 8.0, size=4_000)
    adjusted = cx.ab.cuped(spend, pre)
    ax = adjusted.plot(arm, "control", relative=False)
    units = pd.DataFrame({"arm": arm, "y": adjusted.adjusted})
    table = cx.ab.compare(units, group="arm", control="control", metric="y")
    _, low, high = _whiskers(ax)
    np.testing.assert_allclose([low[0], high[0]], table[["ci_low", "ci_high"]].iloc[0])
    assert _labels(ax) == ["variant"]
    with pytest.raises(TypeError, match="CupedResult"):
        lift_forest(adjusted)
    with pytest.raises(ValueError, match="groups"):
        adjusted.plot(arm[:10], "control")


def test_forest_honours_ax(segmented: pd.DataFrame) -> None:
    ax = Figure().add_subplot()
    assert lift_forest(segmented, ax=ax, title="Lifts") is ax
    assert ax.get_title() == "Lifts"


@pytest.mark.parametrize(
    ("result", "kwargs", "error", "named"),
    [
        ("lifts", {}, TypeError, "result"),
        (pd.DataFrame({"lift": [0.1]}), {}, ValueError, "result"),
        (pd.DataFrame(columns=["difference", "ci_low", "ci_high"]), {}, ValueError, "result"),
        ([], {}, ValueError, "result"),
        ([1.0], {}, TypeError, r"result\[0\]"),
        (None, {"ax": "x"}, TypeError, "ax"),
        (None, {"relative": "yes"}, TypeError, "relative"),
        (None, {"confidence_level": 95}, ValueError, "confidence_level"),
    ],
)
def test_forest_refuses_bad_input(
    segmented: pd.DataFrame, result: Any, kwargs: dict[str, Any], error: type, named: str
) -> None:
    with pytest.raises(error, match=named):
        lift_forest(segmented if result is None else result, **kwargs)


# -------------------------------------------------------------------------- posterior


def _area(collection: PolyCollection) -> float:
    """Area of the shaded polygon (shoelace formula)."""
    x, y = collection.get_paths()[0].vertices.T
    return float(0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


@pytest.mark.parametrize(
    "result",
    [
        cx.ab.bayesian_proportions((380, 3_500), (470, 3_500), rng=1),
        cx.ab.bayesian_proportions((30, 400), {"B": (41, 400), "C": (25, 400)}, rng=2),
        cx.ab.bayesian_proportions((3, 50), (6, 50), rng=3),
        cx.ab.bayesian_means(
            cx.ab.MeanSummary(200, 10.0, 2.0), cx.ab.MeanSummary(200, 10.4, 2.5), rng=4
        ),
    ],
    ids=["vwo", "three arms", "small", "means"],
)
def test_posterior_densities_and_areas(result: Any) -> None:
    ax = posterior(result)
    for arm in result.variants:
        line = _by_gid(ax, f"density {arm}")
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        assert integrate.trapezoid(y, x) == pytest.approx(1.0, abs=1e-3)
        shaded = _by_gid(ax, f"above zero {arm}")
        assert _area(shaded) == pytest.approx(result.chance_to_beat_control[arm], abs=1e-3)
        assert shaded.get_paths()[0].vertices[:, 0].min() == 0.0
        assert line.get_label() == (
            f"{arm}: chance to beat control {100 * result.chance_to_beat_control[arm]:.1f}%"
        )
        # The density peaks near the lift of the posterior means.
        assert x[np.argmax(y)] == pytest.approx(100 * result.lift[arm], abs=0.2 * abs(x[-1] - x[0]))
    assert list(_by_gid(ax, "zero").get_xdata()) == [0.0, 0.0]


def test_posterior_plot_and_frame_draw_the_same() -> None:
    result = cx.ab.bayesian_proportions((380, 3_500), (470, 3_500), rng=1)
    frame = result.to_frame()
    before = frame.copy()
    drawn = [posterior(result), posterior(frame), result.plot()]
    pd.testing.assert_frame_equal(frame, before)
    lines = [_by_gid(ax, "density variant") for ax in drawn]
    for line in lines[1:]:
        np.testing.assert_array_equal(line.get_xydata(), lines[0].get_xydata())
    ax = Figure().add_subplot()
    assert result.plot(ax=ax, title="Posterior") is ax
    assert ax.get_title() == "Posterior"


def test_posterior_refuses_bad_input() -> None:
    result = cx.ab.bayesian_proportions((380, 3_500), (470, 3_500), rng=1)
    frame = result.to_frame()
    with pytest.raises(TypeError, match="result"):
        posterior([1, 2])
    with pytest.raises(ValueError, match="result"):
        posterior(frame.drop(columns="posterior_sd"))
    with pytest.raises(ValueError, match="result"):
        posterior(frame.iloc[:0])
    with pytest.raises(ValueError, match="control"):
        posterior(frame.assign(is_control=True))
    with pytest.raises(TypeError, match="ax"):
        posterior(result, ax="x")


# -------------------------------------------------------------------------------- srm


def test_srm_bars_are_the_counts() -> None:
    check = cx.ab.srm({"A": 10_000, "B": 10_900, "C": 21_100}, planned_shares=[0.25, 0.25, 0.5])
    assert check.mismatch
    ax = srm(check)
    observed = [p for p in ax.patches if p.get_gid() == "observed"]
    expected = [p for p in ax.patches if p.get_gid() == "expected"]
    np.testing.assert_allclose([p.get_height() for p in observed], check.observed)
    np.testing.assert_allclose([p.get_height() for p in expected], check.expected)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "C"]
    residual = (np.array(check.observed) - check.expected) / np.sqrt(check.expected)
    red = np.array([p.get_facecolor() for p in observed])
    out = np.abs(residual) > RESIDUAL_LIMIT
    assert out.any()
    assert not out.all()
    from matplotlib.colors import to_rgba

    np.testing.assert_array_equal([tuple(c) == to_rgba(PALETTE["vermillion"]) for c in red], out)
    assert f"p = {check.p_value:.2g}" in ax.texts[-1].get_text()
    assert ax.texts[-1].get_text().startswith("Mismatch")


def test_srm_plot_frame_and_healthy_split() -> None:
    check = cx.ab.srm({"control": 50_312, "variant": 49_688})
    frame = check.to_frame()
    before = frame.copy()
    texts = [ax.texts[-1].get_text() for ax in (srm(check), srm(frame), check.plot())]
    pd.testing.assert_frame_equal(frame, before)
    assert texts == [f"No mismatch: p = {check.p_value:.3f} (alpha 0.001)"] * 3
    ax = check.plot()
    colours = {p.get_facecolor() for p in ax.patches if p.get_gid() == "observed"}
    from matplotlib.colors import to_rgba

    assert colours == {to_rgba(PALETTE["blue"])}
    with pytest.raises(ValueError, match="result"):
        srm(frame.drop(columns="expected"))
    with pytest.raises(TypeError, match="result"):
        srm((1, 2))
    with pytest.raises(TypeError, match="ax"):
        srm(check, ax="x")


# ------------------------------------------------------------------------ power_curve


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((0.05, 0.10), {}),
        ((0.20, 0.27), {}),
        ((2.5, 0.25), {"relative": False, "sd": 12.0, "method": "t", "ratio": 2.0}),
        ((0.05, 0.10), {"alternative": "less", "n_variants": 3, "correction": "bonferroni"}),
    ],
)
def test_power_curve_passes_through_the_plan(args: tuple[float, float], kwargs: Any) -> None:
    plan = cx.ab.sample_size(*args, **kwargs)
    ax = power_curve(plan)
    n, power = (np.asarray(v) for v in _by_gid(ax, "power").get_data())
    assert np.all(np.diff(power) > 0)
    assert np.interp(plan.n_control, n, power) == pytest.approx(100 * plan.power, abs=0.05)
    # Every point is the power cx.ab.power gives for that many control visitors.
    keep = {k: v for k, v in kwargs.items() if k != "method"} | {"method": plan.method}
    chosen = n[::40]
    np.testing.assert_allclose(power[::40], 100 * cx.ab.power(*args, chosen, **keep), rtol=1e-9)
    assert list(_by_gid(ax, "planned").get_xdata()) == [plan.n_control] * 2
    assert list(_by_gid(ax, "target").get_ydata()) == [100 * plan.power] * 2
    per_arm = "Visitors per arm" if plan.ratio == 1.0 else "Visitors in the control arm"
    assert ax.get_xlabel() == per_arm


def test_power_curve_plot_and_bad_input() -> None:
    plan = cx.ab.sample_size(0.20, 0.27)
    a, b = power_curve(plan), plan.plot()
    np.testing.assert_array_equal(
        _by_gid(a, "power").get_xydata(), _by_gid(b, "power").get_xydata()
    )
    ax = Figure().add_subplot()
    assert plan.plot(ax=ax) is ax
    with pytest.raises(TypeError, match="result"):
        power_curve(plan.to_frame())
    with pytest.raises(TypeError, match="ax"):
        power_curve(plan, ax="x")
    with pytest.raises(ValueError, match="n"):
        plan.power_at([0.0])


def test_srm_legend_names_the_arms_out_of_line() -> None:
    check = cx.ab.srm({"A": 10_000, "B": 10_900, "C": 21_100}, planned_shares=[0.25, 0.25, 0.5])
    texts = [t.get_text() for t in srm(check).get_legend().get_texts()]
    assert texts == ["observed", "expected", f"observed, residual beyond ±{RESIDUAL_LIMIT:g}"]
    healthy = cx.ab.srm({"control": 50_312, "variant": 49_688})
    assert [t.get_text() for t in srm(healthy).get_legend().get_texts()] == ["observed", "expected"]
