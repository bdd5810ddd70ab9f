"""Segment comparisons and calibration/holdout summaries on every engine.

``compare_segments`` runs each metric's engine path once, grouped by the segment;
``rfm_calibration_holdout`` reduces both periods per customer in the engine. Both must
give the pandas result to 1e-9, with the same warnings and the same errors.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from engine_params import IN_PROCESS

import cxlib as cx


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    data = cx.datasets.make_orders(500, rng=6)
    data = data[["customer_id", "date", "revenue", "member"]].copy()
    # Times of day, so that the window and the periods cut between orders of one day.
    data["date"] = data["date"] + pd.to_timedelta(rng.integers(0, 86_400, len(data)), unit="s")
    ids = data["customer_id"]
    data["customer"] = ("c" + ids.astype("string").str.zfill(4)).astype("str")
    data.loc[ids.isna(), "customer"] = None
    # A customer attribute with a missing key (a segment of its own).
    segment = np.array(["gold", "silver", None], dtype=object)[
        ids.fillna(0).to_numpy(dtype=np.int64) % 3
    ]
    data["segment"] = pd.Series(segment, index=data.index, dtype="str")
    data["band"] = (ids.fillna(0).to_numpy(dtype=np.int64) // 7) % 4  # an integer attribute
    data.loc[[3, 10, 40], "revenue"] = np.nan  # unreadable rows, counted in n_missing
    data.loc[[5, 77], "date"] = pd.NaT
    return data.reset_index(drop=True)


def _recorded(call: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in warned]


def _compare_both(frame: Any, orders: pd.DataFrame, **kwargs: Any) -> cx.Comparison:
    """The engine's comparison equals pandas', warnings word for word."""
    want, want_warned = _recorded(lambda: cx.compare_segments(orders, **kwargs))
    got, got_warned = _recorded(lambda: cx.compare_segments(frame, **kwargs))
    assert isinstance(got, cx.Comparison)
    pd.testing.assert_frame_equal(got.to_frame(), want.to_frame(), rtol=1e-9)
    for side_got, side_want in zip(got.estimates, want.estimates, strict=True):
        assert side_got.n == side_want.n
        assert side_got.n_missing == side_want.n_missing
    assert got_warned == want_warned
    return got


KEYS: dict[str, Any] = {"customer": "customer", "date": "date"}
#: The metrics of compare_segments, each with the segments it compares.
SEGMENT_CASES: list[tuple[str, dict[str, Any]]] = [
    ("average_order_value", {"segment": "member", "a": True, "b": False}),
    ("purchase_frequency", {"segment": "segment", "a": "gold", "b": "silver"}),
    ("repeat_purchase_rate", {"segment": "band", "a": 2, "b": 1}),
    ("guest_checkout_rate", {"segment": "member", "a": True, "b": False}),
]


@pytest.mark.parametrize(("metric", "sides"), SEGMENT_CASES, ids=[c[0] for c in SEGMENT_CASES])
@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_compare_segments_matches_pandas(
    engine, orders: pd.DataFrame, metric: str, sides: dict[str, Any]
) -> None:
    frame = engine(orders)
    kwargs = {"metric": metric, "revenue": "revenue", **KEYS, **sides}
    got = _compare_both(frame, orders, **kwargs)
    assert np.isfinite(got.difference)
    assert got.p_value < 1.0
    # A cut window, another lift interval and a one-sided test.
    options = {"as_of": "2024-09-30 13:30", "window": 200.5, "alternative": "greater"}
    _compare_both(frame, orders, lift_method="delta", **kwargs, **options)


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_compare_segments_reference_and_missing_segment(engine, orders: pd.DataFrame) -> None:
    frame = engine(orders)
    sides = {"segment": "segment", "a": "silver", "b": "gold"}
    end = {"as_of": "2025-06-30"}  # the default end would differ between the segments
    got = _compare_both(frame, orders, metric="purchase_frequency", **KEYS, **sides, **end)
    # The difference is a minus b, each side the metric of its segment alone.
    alone = [
        cx.purchase_frequency(orders[orders["segment"] == side], **KEYS, **end, ci_method="delta")
        for side in ("silver", "gold")
    ]
    assert got.difference == pytest.approx(alone[0].value - alone[1].value, rel=1e-12)
    assert got.se == pytest.approx(np.hypot(alone[0].se, alone[1].se), rel=1e-12)
    with pytest.raises(ValueError, match=r"a='platinum' is not a segment of 'segment'"):
        cx.compare_segments(
            frame, metric="purchase_frequency", **KEYS, **{**sides, "a": "platinum"}
        )
    with pytest.raises(ValueError, match=r"by='nope' is not a column of the \w+ frame"):
        cx.compare_segments(frame, metric="purchase_frequency", segment="nope", a=1, b=2, **KEYS)
    with pytest.raises(TypeError, match=r"revenue is required"):
        cx.compare_segments(frame, metric="average_order_value", **KEYS, **sides)


def _same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_index_type=False, rtol=1e-9)
    assert got.attrs["n_missing"] == want.attrs["n_missing"]


@pytest.mark.parametrize("unit", ["D", "W", "M", "Q"])
@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_calibration_holdout_matches_pandas(engine, orders: pd.DataFrame, unit: str) -> None:
    frame = engine(orders)
    kwargs: dict[str, Any] = {
        "customer": "customer",
        "date": "date",
        "calibration_period_end": "2024-06-30 12:00",
        "time_unit": unit,
    }
    want = cx.rfm_calibration_holdout(orders, revenue="revenue", **kwargs)
    _same_frame(cx.rfm_calibration_holdout(frame, revenue="revenue", **kwargs), want)
    assert (want["frequency_holdout"] > 0).any()
    assert (want["monetary_value_holdout"] > 0).any()
    options: dict[str, Any] = {"as_of": "2025-03-15"}
    _same_frame(
        cx.rfm_calibration_holdout(frame, **kwargs, **options),
        cx.rfm_calibration_holdout(orders, **kwargs, **options),
    )


@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)
def test_calibration_holdout_policies_and_errors(engine, orders: pd.DataFrame) -> None:
    frame = engine(orders)
    kwargs: dict[str, Any] = {
        "customer": "customer",
        "date": "date",
        "revenue": "revenue",
        "calibration_period_end": "2024-06-30",
    }
    want = cx.rfm_calibration_holdout(orders, nan_policy="propagate", **kwargs)
    assert want["frequency_cal"].isna().any()  # customers with an unreadable row
    assert not want["duration_holdout"].isna().any()
    _same_frame(cx.rfm_calibration_holdout(frame, nan_policy="propagate", **kwargs), want)
    with pytest.raises(ValueError, match=r"missing date or revenue.*nan_policy='omit'"):
        cx.rfm_calibration_holdout(frame, nan_policy="raise", **kwargs)
    no_revenue = {k: v for k, v in kwargs.items() if k != "revenue"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"as_of": "2024-03-01"}, r"calibration_period_end=2024-06-30 00:00:00 is after as_of"),
        ({"as_of": "2024-06-30 20:00"}, r"falls in the same 'D' period as as_of"),
        ({"calibration_period_end": "2022-01-01"}, r"there are no calibration customers"),
        ({"calibration_period_end": "2024-06-30T00:00+02:00"}, r"has a time zone"),
    ]
    for change, message in cases:
        for data in (orders, frame):
            with pytest.raises(ValueError, match=message):
                cx.rfm_calibration_holdout(data, **{**no_revenue, **change})
    with pytest.raises(ValueError, match=r"customer='nope' is not a column"):
        cx.rfm_calibration_holdout(frame, **{**kwargs, "customer": "nope"})


def test_segments_and_holdout_on_every_engine(engine, orders: pd.DataFrame) -> None:
    """One segment comparison and one calibration/holdout summary on every engine."""
    frame = engine(orders)
    _compare_both(
        frame,
        orders,
        metric="average_order_value",
        segment="segment",
        a="gold",
        b="silver",
        revenue="revenue",
        as_of="2024-09-30 13:30",
        **KEYS,
    )
    kwargs: dict[str, Any] = {
        "customer": "customer",
        "date": "date",
        "revenue": "revenue",
        "calibration_period_end": "2024-06-30",
        "time_unit": "W",
        "nan_policy": "propagate",
    }
    _same_frame(
        cx.rfm_calibration_holdout(frame, **kwargs), cx.rfm_calibration_holdout(orders, **kwargs)
    )
