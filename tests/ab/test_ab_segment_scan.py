"""Segment scans: per-segment effects, Cochran's Q across segments, FDR control.

References: statsmodels' meta-analysis (combine_effects: Cochran's Q, I2, the
DerSimonian-Laird tau2 and the fixed-effect pooled estimate) and multipletests
(Benjamini-Hochberg), and null simulations with a fixed seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests

import cxlib as cx
from cxlib.ab.segment_scan import _heterogeneity


def _summary(seed: int, n_segments: int = 12, effects: Any = 0.0) -> pd.DataFrame:
    """Conversions and visitors per segment and arm (control A, variants B and C)."""
    rng = np.random.default_rng(seed)
    rows = []
    lifts = np.broadcast_to(np.asarray(effects, dtype=float), (n_segments,))
    for s in range(n_segments):
        base = rng.uniform(0.02, 0.1)
        for arm, lift in (("A", 0.0), ("B", lifts[s]), ("C", 0.0)):
            visitors = int(rng.integers(2_000, 20_000))
            rate = base * (1 + lift)
            rows.append((f"seg{s:02d}", arm, int(rng.binomial(visitors, rate)), visitors))
    return pd.DataFrame(rows, columns=["segment", "arm", "conversions", "visitors"])


METRIC = cx.ab.Proportion("conversions", "visitors")


def _scan(data: Any, **kwargs: Any) -> cx.ab.SegmentScan:
    return cx.ab.segment_scan(data, group="arm", control="A", metric=METRIC, by="segment", **kwargs)


def test_heterogeneity_matches_statsmodels_meta_analysis() -> None:
    scan = _scan(_summary(1, effects=np.linspace(-0.3, 0.5, 12)))
    for variant in ("B", "C"):
        rows = scan.segments[scan.segments["arm"] == variant]
        # method_re="chi2" is the DerSimonian-Laird moment estimator of tau2
        ref = combine_effects(
            rows["difference"].to_numpy(), rows["se"].to_numpy() ** 2, method_re="chi2"
        )
        got = scan.heterogeneity.set_index("arm").loc[variant]
        assert got["q"] == pytest.approx(ref.q, rel=1e-10)
        assert got["df"] == ref.df_resid
        assert got["i2"] == pytest.approx(ref.i2, rel=1e-10, abs=1e-12)
        assert got["tau2"] == pytest.approx(ref.tau2, rel=1e-9, abs=1e-15)
        assert got["pooled"] == pytest.approx(ref.mean_effect_fe, rel=1e-10)
        assert got["pooled_se"] == pytest.approx(ref.sd_eff_w_fe, rel=1e-10)
        low, high = ref.conf_int(alpha=0.05, use_t=False)[0]  # fixed effect
        assert got["pooled_ci_low"] == pytest.approx(low, rel=1e-9)
        assert got["pooled_ci_high"] == pytest.approx(high, rel=1e-9)
    # B's effect differs by segment (-30 % to +50 %), C's does not.
    het = scan.heterogeneity.set_index("arm")
    assert het.loc["B", "p_value"] < 0.01


def test_adjusted_p_values_are_benjamini_hochberg_across_all_rows() -> None:
    scan = _scan(_summary(2, effects=0.15))
    p = scan.segments["p_value"].to_numpy()
    want = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(scan.segments["p_value_adjusted"], want, rtol=1e-12)
    assert (scan.segments["significant"] == (want < 0.05)).all()
    holm = _scan(_summary(2, effects=0.15), adjust="holm")
    np.testing.assert_allclose(
        holm.segments["p_value_adjusted"], multipletests(p, method="holm")[1]
    )


def test_segments_equal_the_comparison_by_segment_and_rows_can_come_in_any_order() -> None:
    data = _summary(3)
    scan = _scan(data)
    compared = cx.ab.compare(data, group="arm", control="A", metric=METRIC, by="segment")
    pd.testing.assert_frame_equal(
        scan.segments.drop(columns=["p_value_adjusted", "significant"]), compared
    )
    shuffled = _scan(data.sample(frac=1.0, random_state=7))
    pd.testing.assert_frame_equal(
        shuffled.heterogeneity.sort_values("arm").reset_index(drop=True),
        scan.heterogeneity.sort_values("arm").reset_index(drop=True),
        rtol=1e-12,
    )


def test_null_scans_rarely_find_a_segment_and_q_holds_its_level() -> None:
    """400 A/A scans of 20 segments each (fixed seed): Benjamini-Hochberg keeps the
    chance of any discovery near alpha (it controls the family-wise rate under the
    global null), unadjusted scanning finds one most of the time, and Cochran's Q
    rejects about alpha of the time."""
    frames = [_summary(seed, n_segments=20).assign(sim=seed) for seed in range(400)]
    data = pd.concat(frames, ignore_index=True)
    table = cx.ab.compare(data, group="arm", control="A", metric=METRIC, by=["sim", "segment"])
    b = table[table["arm"] == "B"]
    adjusted = b.groupby("sim")["p_value"].transform(lambda p: multipletests(p, method="fdr_bh")[1])
    any_bh = (adjusted < 0.05).groupby(b["sim"]).any().mean()
    any_raw = (b["p_value"] < 0.05).groupby(b["sim"]).any().mean()
    assert any_bh <= 0.08  # 400 scans: alpha 0.05 plus about 2.5 standard errors
    assert any_raw > 0.5  # 1 - 0.95**20 = 0.64
    q = _heterogeneity(b.assign(key=b["sim"]), "key", 0.95)
    rejected = float((q["p_value"] < 0.05).mean())
    assert 0.02 <= rejected <= 0.09


def test_engine_frames_scan_alike() -> None:
    data = _summary(4, effects=0.2)
    want = _scan(data)
    got = _scan(pl.from_pandas(data))
    pd.testing.assert_frame_equal(got.heterogeneity, want.heterogeneity, rtol=1e-12)


def test_results_display_and_serialise() -> None:
    scan = _scan(_summary(5))
    assert "Segment scan by segment (fdr_bh across segments)" in str(scan)
    assert "<table" in scan._repr_html_()
    frame = scan.to_frame()
    assert list(frame["arm"]) == ["B", "C"]
    assert scan.to_dict()["adjust"] == "fdr_bh"


def test_a_segment_without_an_arm_is_named() -> None:
    data = _summary(6, n_segments=4)
    no_control = data[~((data["segment"] == "seg01") & (data["arm"] == "A"))]
    with pytest.raises(ValueError, match=r"segment\(s\) 'seg01' have an arm without units"):
        _scan(no_control)
    no_variant = data[~((data["segment"] == "seg02") & (data["arm"] == "C"))]
    with pytest.raises(ValueError, match=r"segment\(s\) 'seg02' have an arm without units"):
        _scan(no_variant)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"adjust": "nope"}, ValueError, r"adjust must be one of"),
        ({"time": "day"}, TypeError, r"takes no time="),
        ({"confidence_level": 2}, ValueError, r"confidence_level"),
    ],
)
def test_bad_options_are_named(kwargs: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        _scan(_summary(7, n_segments=3), **kwargs)


def test_input_is_not_changed() -> None:
    data = _summary(8, n_segments=3)
    before = data.copy()
    _scan(data)
    pd.testing.assert_frame_equal(data, before)


def test_the_scan_draws_the_forest_of_its_segments() -> None:
    import matplotlib as mpl

    mpl.use("Agg")
    from cxlib import plotting

    scan = _scan(_summary(9, n_segments=4, effects=0.3))
    got, want = scan.plot(), plotting.lift_forest(scan.segments)
    assert [t.get_text() for t in got.get_yticklabels()] == [
        t.get_text() for t in want.get_yticklabels()
    ]
    assert len(got.get_lines()) == len(want.get_lines())
