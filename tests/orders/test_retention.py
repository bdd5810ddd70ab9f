"""Retention and churn against brute force; properties and input checks of the customer rates."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_retention import (
    BASE,
    DAY,
    SM_METHOD,
    assert_share,
    make_table,
    orders_of,
    quiet,
    retention_brute,
    small_tables,
)
from statsmodels.stats.proportion import proportion_confint

from cxlib.core.errors import DegenerateDataWarning
from cxlib.core.results import Estimate
from cxlib.orders.cohorts import cohort_retention, cohort_table
from cxlib.orders.repurchase import repurchase_rate, upsell_rate
from cxlib.orders.retention import churn_rate, retention_rate


@pytest.mark.parametrize("seed", [5, 6])
@pytest.mark.parametrize(
    ("start", "end", "inactivity"),
    [(200, 300, 120), (150, 450, 90), (100, 101, 365), (0, 499, 30.5)],
)
def test_retention_and_churn_match_brute_force(
    seed: int, start: int, end: int, inactivity: float
) -> None:
    frame = make_table(seed, with_time=seed == 6)
    t0, t1 = BASE + start * DAY, BASE + end * DAY
    counts = retention_brute(frame, t0, t1, inactivity)
    kwargs: dict[str, Any] = {
        "customer": "customer_id",
        "date": "date",
        "period_start": t0,
        "period_end": t1,
        "inactivity": inactivity,
    }
    ret = quiet(retention_rate, frame, **kwargs)
    churn = quiet(churn_rate, frame, **kwargs)
    assert_share(ret, counts["S"], counts["R"])
    assert_share(churn, counts["S"], counts["S"] - counts["R"])
    c = ret.components
    assert (c["n_start_customers"], c["n_end_customers"], c["n_new_customers"]) == (
        counts["S"],
        counts["E"],
        counts["N"],
    )
    assert (c["n_retained"], c["n_reactivated"], c["n_new_lapsed"]) == (
        counts["R"],
        counts["reactivated"],
        counts["new_lapsed"],
    )
    # The identity behind the classic (E - N) / S formula.
    assert c["n_end_customers"] - c["n_new_customers"] == (
        c["n_retained"] + c["n_reactivated"] - c["n_new_lapsed"]
    )
    if counts["S"]:
        assert c["classic_retention"] == pytest.approx(
            100.0 * (counts["E"] - counts["N"]) / counts["S"]
        )
        assert churn.value == pytest.approx(100.0 - ret.value)
        assert churn.ci.low == pytest.approx(100.0 - ret.ci.high)
        assert churn.ci.high == pytest.approx(100.0 - ret.ci.low)


@settings(max_examples=60)
@given(small_tables(), st.integers(-3, 40), st.integers(1, 40), st.integers(1, 30))
def test_retention_edge_cases(frame: pd.DataFrame, start: int, length: int, gap: int) -> None:
    t0 = frame["date"].min() + start * DAY
    t1 = t0 + length * DAY
    counts = retention_brute(frame, t0, t1, gap)
    kwargs = {"customer": "customer_id", "date": "date", "period_start": t0, "period_end": t1}
    ret = quiet(retention_rate, frame, inactivity=gap, **kwargs)
    assert_share(ret, counts["S"], counts["R"])
    assert ret.components["n_end_customers"] == counts["E"]
    assert ret.components["n_new_customers"] == counts["N"]
    churn = quiet(churn_rate, frame, inactivity=gap, **kwargs)
    assert_share(churn, counts["S"], counts["S"] - counts["R"])


def test_retention_boundaries() -> None:
    start, end = "2024-01-01", "2024-03-01"
    frame = orders_of(
        [
            ("exactly_gap_before", "2023-12-02"),  # start - 30 days: not active (open end)
            ("just_inside", "2023-12-03"),  # active at start, lapsed at end
            ("at_start", "2024-01-01"),  # active at start, not new, lapsed at end
            ("at_start", "2024-02-15"),  # ... then active at end
            ("new_at_end", "2024-03-01"),  # new, active at end
            ("new_lapsed", "2024-01-02"),  # new, lapsed before the end
            ("back", "2023-06-01"),
            ("back", "2024-02-20"),  # reactivated
            ("after", "2024-03-02"),  # after period_end: ignored
        ]
    )
    est = retention_rate(
        frame,
        customer="customer_id",
        date="date",
        period_start=start,
        period_end=end,
        inactivity=30,
    )
    c = est.components
    assert (c["n_start_customers"], c["n_retained"]) == (2, 1)
    assert (c["n_end_customers"], c["n_new_customers"]) == (3, 2)
    assert (c["n_reactivated"], c["n_new_lapsed"]) == (1, 1)
    assert est.value == 50.0
    assert c["classic_retention"] == 50.0  # (3 - 2) / 2: equal here only by cancellation


def _everything(frame: pd.DataFrame, by: str | None = None) -> list[Any]:
    common: dict[str, Any] = {"customer": "customer_id", "date": "date", "by": by}
    as_of = BASE + 400 * DAY
    return [
        quiet(repurchase_rate, frame, within=60, as_of=as_of, **common),
        quiet(
            upsell_rate, frame, tier="tier", order_id="order_id", as_of=as_of, window=300, **common
        ),
        quiet(
            retention_rate,
            frame,
            period_start=BASE + 200 * DAY,
            period_end=as_of,
            inactivity=150,
            **common,
        ),
        quiet(
            churn_rate,
            frame,
            period_start=BASE + 200 * DAY,
            period_end=as_of,
            inactivity=150,
            **common,
        ),
        cohort_retention(frame, as_of=as_of, **common),
    ]


def _same(a: Any, b: Any) -> None:
    if isinstance(a, Estimate):
        pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    else:
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


@pytest.mark.parametrize("by", [None, "segment"])
def test_row_order_is_irrelevant(by: str | None) -> None:
    frame = make_table(10)
    shuffled = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    for a, b in zip(_everything(frame, by), _everything(shuffled, by), strict=True):
        _same(a, b)


def test_orders_after_as_of_change_nothing() -> None:
    frame = make_table(12)
    later = make_table(13, n_customers=30)
    later["date"] = BASE + 401 * DAY + (later["date"] - BASE)  # all after as_of (day 400)
    later["order_id"] += 10_000
    # Existing customers keep their segment; new ids get their own.
    seg = frame.dropna(subset=["customer_id"]).groupby("customer_id")["segment"].first()
    known = later["customer_id"].isin(seg.index)
    later.loc[known, "segment"] = later.loc[known, "customer_id"].map(seg).to_numpy()
    extended = pd.concat([frame, later], ignore_index=True)
    for by in (None, "segment"):
        for a, b in zip(_everything(frame, by), _everything(extended, by), strict=True):
            _same(a, b)


def test_grouped_equals_per_group() -> None:
    frame = make_table(14, n_customers=120)
    grouped = _everything(frame, "segment")
    keys = sorted(frame["segment"].unique())
    for i, result in enumerate(grouped[:4]):
        assert list(result["segment"]) == sorted(result["segment"])
        for row in result.itertuples(index=False):
            sub = frame[frame["segment"] == row.segment]
            single = _everything(sub)[i]
            expected = single.to_frame().drop(columns=["confidence_level", "ci_method"]).iloc[0]
            got = pd.Series(row._asdict()).drop("segment")
            pd.testing.assert_series_equal(
                got.astype(object), expected.astype(object), check_names=False
            )
    cohorts = grouped[4]
    for key in keys:
        sub = frame[frame["segment"] == key]
        single = _everything(sub)[4]
        part = cohorts[cohorts["segment"] == key].drop(columns="segment")
        _same(part, single)


@settings(max_examples=40)
@given(small_tables(), st.randoms(use_true_random=False))
def test_permutation_invariance_small(frame: pd.DataFrame, random: Any) -> None:
    order = list(range(len(frame)))
    random.shuffle(order)
    shuffled = frame.iloc[order].reset_index(drop=True)
    as_of = frame["date"].max()
    for fn, kwargs in [
        (repurchase_rate, {"within": 7, "as_of": as_of}),
        (upsell_rate, {"tier": "tier", "order_id": "order_id"}),
        (retention_rate, {"period_start": frame["date"].min() - DAY, "period_end": as_of,
                          "inactivity": 10}),
    ]:  # fmt: skip
        a = quiet(fn, frame, customer="customer_id", date="date", **kwargs)
        b = quiet(fn, shuffled, customer="customer_id", date="date", **kwargs)
        _same(a, b)


@pytest.mark.parametrize("method", list(SM_METHOD))
def test_interval_methods_against_statsmodels(method: str) -> None:
    frame = make_table(15)
    kwargs: dict[str, Any] = {"customer": "customer_id", "date": "date", "ci_method": method}
    rep = repurchase_rate(frame, within=60, confidence_level=0.95, **kwargs)
    assert_share(rep, rep.n, int(rep.components["n_repurchased"]), method)
    grouped = upsell_rate(frame, tier="tier", by="segment", **kwargs)
    for row in grouped.itertuples(index=False):
        low, high = proportion_confint(row.n_upsold, row.n, method=SM_METHOD[method])
        assert row.ci_low == pytest.approx(100.0 * low, abs=1e-9)
        assert row.ci_high == pytest.approx(100.0 * high, abs=1e-9)
    tidy = cohort_retention(frame, customer="customer_id", date="date", ci_method=method)
    low, high = proportion_confint(tidy["customers"], tidy["cohort_size"], method=SM_METHOD[method])
    np.testing.assert_allclose(tidy["ci_low"], 100.0 * np.asarray(low), atol=1e-9)
    np.testing.assert_allclose(tidy["ci_high"], 100.0 * np.asarray(high), atol=1e-9)


def test_undefined_rates_warn() -> None:
    frame = orders_of([("a", "2024-01-01"), ("b", "2024-01-02")], tier=[1, 2])
    with pytest.warns(DegenerateDataWarning, match="repurchase rate is undefined"):
        est = repurchase_rate(frame, customer="customer_id", date="date", within=30)
    assert est.n == 0
    assert math.isnan(est.value)
    with pytest.warns(DegenerateDataWarning, match="upsell rate is undefined"):
        upsell_rate(frame, customer="customer_id", date="date", tier="tier")
    with pytest.warns(DegenerateDataWarning, match="no customer is active"):
        retention_rate(
            frame,
            customer="customer_id",
            date="date",
            period_start="2023-01-01",
            period_end="2024-02-01",
        )
    grouped = upsell_rate(frame, customer="customer_id", date="date", tier="tier", by="tier")
    assert len(grouped) == 0  # groups without repeat customers are left out


@pytest.fixture
def frame() -> pd.DataFrame:
    return make_table(17, n_customers=20)


def test_unknown_columns(frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="customer='nope' is not a column"):
        repurchase_rate(frame, customer="nope", date="date")
    with pytest.raises(ValueError, match="date='when' is not a column"):
        cohort_retention(frame, customer="customer_id", date="when")
    with pytest.raises(ValueError, match="tier='level' is not a column"):
        upsell_rate(frame, customer="customer_id", date="date", tier="level")
    with pytest.raises(ValueError, match="by='region' is not a column"):
        churn_rate(
            frame,
            customer="customer_id",
            date="date",
            period_start="2023-06-01",
            period_end="2024-01-01",
            by="region",
        )


def test_bad_periods(frame: pd.DataFrame) -> None:
    kwargs: dict[str, Any] = {"customer": "customer_id", "date": "date"}
    with pytest.raises(ValueError, match=r"period_end .* must be after period_start"):
        retention_rate(frame, period_start="2024-01-01", period_end="2023-12-31", **kwargs)
    with pytest.raises(ValueError, match="must be after period_start"):
        churn_rate(frame, period_start="2024-01-01", period_end="2024-01-01", **kwargs)
    with pytest.raises(TypeError, match="period_start must be a date"):
        retention_rate(frame, period_start=20240101, period_end="2024-02-01", **kwargs)
    with pytest.raises(ValueError, match="period_end must be a date"):
        retention_rate(frame, period_start="2024-01-01", period_end="not a date", **kwargs)


@pytest.mark.parametrize("bad", [0, -3, pd.Timedelta(0), -pd.Timedelta(days=1), math.nan])
def test_non_positive_durations(frame: pd.DataFrame, bad: Any) -> None:
    with pytest.raises(ValueError, match="within must be a"):
        repurchase_rate(frame, customer="customer_id", date="date", within=bad)
    with pytest.raises(ValueError, match="inactivity must be a"):
        retention_rate(
            frame,
            customer="customer_id",
            date="date",
            period_start="2023-06-01",
            period_end="2024-01-01",
            inactivity=bad,
        )


@pytest.mark.parametrize("bad", ["90", True, None])
def test_durations_of_the_wrong_type(frame: pd.DataFrame, bad: Any) -> None:
    with pytest.raises(TypeError, match="within must be a number of days"):
        repurchase_rate(frame, customer="customer_id", date="date", within=bad)


def test_other_bad_input(frame: pd.DataFrame) -> None:
    kwargs: dict[str, Any] = {"customer": "customer_id", "date": "date"}
    mixed = frame.assign(segment=np.where(np.arange(len(frame)) % 2, "x", "y"))
    with pytest.raises(ValueError, match="customer-level metric"):
        repurchase_rate(mixed, by="segment", **kwargs)
    with pytest.raises(ValueError, match="customer-level metric"):
        cohort_retention(mixed, by="segment", **kwargs)
    with pytest.raises(ValueError, match="cohort must be one of"):
        cohort_retention(frame, cohort="Y", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="period must be one of"):
        cohort_retention(frame, period="month", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ci_method must be one of"):
        repurchase_rate(frame, ci_method="exact", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ci_method must be one of"):
        cohort_retention(frame, ci_method="bca", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="occasion must be one of"):
        repurchase_rate(frame, occasion="week", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="order_id column 'order_id' has duplicated"):
        upsell_rate(frame.assign(order_id=1), tier="tier", order_id="order_id", **kwargs)
    with pytest.raises(ValueError, match="lacks the column"):
        cohort_table(frame)
    tidy = cohort_retention(frame, **kwargs)
    with pytest.raises(ValueError, match="values must be one of"):
        cohort_table(tidy, values="value")


def test_all_guest_orders() -> None:
    frame = orders_of([(None, "2024-01-01"), (None, "2024-02-01")])
    est = quiet(repurchase_rate, frame, customer="customer_id", date="date", within=7)
    assert est.n == 0
