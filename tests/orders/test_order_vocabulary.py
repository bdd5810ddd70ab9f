"""One vocabulary across the order metrics: revenue=, allow_refunds=, as_of, nan_policy.

Every count here is made by hand, one row at a time, in plain Python: the unreadable
rows (n_missing), the rows a metric reads, and the revenue totals it reports.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.core.errors import CxlibDeprecationWarning

BASE = pd.Timestamp("2024-01-01")
PERIOD = {"period_start": BASE + pd.Timedelta(days=20), "period_end": BASE + pd.Timedelta(days=40)}
#: Customer -> group: customer-level metrics need a group constant per customer.
GROUP = {"a": "x", "b": "x", "c": "y", "d": "y", None: "x"}

#: Every order metric, its extra keywords, and the window of orders it reads:
#: "window" (as_of - window, as_of], "history" (-inf, as_of], "period" (-inf, period_end].
METRICS: dict[str, tuple[dict[str, Any], str]] = {
    "guest_checkout_rate": ({}, "window"),
    "average_order_value": ({}, "window"),
    "purchase_frequency": ({}, "window"),
    "repeat_purchase_rate": ({}, "window"),
    "repurchase_rate": ({"within": 10}, "history"),
    "upsell_rate": ({"tier": "tier"}, "history"),
    "retention_rate": ({**PERIOD, "inactivity": 15}, "period"),
    "churn_rate": ({**PERIOD, "inactivity": 15}, "period"),
    "cohort_retention": ({"cohort": "W", "period": "W"}, "history"),
}
WINDOW = 30  # days, for the metrics with a window


def quiet(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        # Tables of a handful of customers: every ratio interval carries the coverage
        # warning there (its rule is tested in test_coverage_orders.py).
        warnings.simplefilter("ignore", cx.CoverageWarning)
        return func(*args, **kwargs)


def call(metric: str, frame: pd.DataFrame, **kwargs: Any) -> Any:
    extra, kind = METRICS[metric]
    kw: dict[str, Any] = {"customer": "customer", "date": "date", **extra, **kwargs}
    if kind == "window":
        kw.setdefault("window", WINDOW)
    if metric == "average_order_value":
        kw.setdefault("revenue", "revenue")
    return quiet(getattr(cx, metric), frame, **kw)


rows_strategy = st.lists(
    st.tuples(
        st.sampled_from([None, "a", "b", "c", "d"]),
        st.one_of(st.none(), st.integers(0, 60)),  # day; None: a missing date
        st.sampled_from([math.nan, 0.0, 5.0, 12.5, 40.0]),
        st.integers(1, 3),  # tier
    ),
    min_size=1,
    max_size=25,
)


def frame_of(rows: list[tuple[Any, int | None, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer": pd.Series([r[0] for r in rows], dtype=object),
            "date": pd.Series(
                [pd.NaT if r[1] is None else BASE + pd.Timedelta(days=r[1]) for r in rows],
                dtype="datetime64[ns]",
            ),
            "revenue": [r[2] for r in rows],
            "tier": [r[3] for r in rows],
            "group": [GROUP[r[0]] for r in rows],
        }
    )


def readable(row: tuple[Any, int | None, float, int], with_revenue: bool) -> bool:
    return row[1] is not None and not (with_revenue and math.isnan(row[2]))


def window_of(metric: str, rows: list[Any], as_of: int | None, with_revenue: bool) -> Any:
    """Predicate on a day: is an order of that day read by ``metric``?"""
    kind = METRICS[metric][1]
    if kind == "period":
        end = 40
    elif as_of is not None:
        end = as_of
    else:  # the default: the last readable order date
        end = max(r[1] for r in rows if readable(r, with_revenue))
    start = end - WINDOW if kind == "window" else -math.inf
    return lambda day: start < day <= end


def brute_missing(
    metric: str, rows: list[Any], as_of: int | None, with_revenue: bool
) -> dict[str, int]:
    """Unreadable rows per group: no date, or (with revenue) no revenue in the window."""
    inside = window_of(metric, rows, as_of, with_revenue)
    counts = {"x": 0, "y": 0}
    for r in rows:
        if r[1] is None or (with_revenue and math.isnan(r[2]) and inside(r[1])):
            counts[GROUP[r[0]]] += 1
    return counts


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@settings(max_examples=60)
@given(
    rows=rows_strategy,
    metric=st.sampled_from(sorted(METRICS)),
    with_revenue=st.booleans(),
    as_of=st.one_of(st.none(), st.integers(30, 60)),
)
def test_n_missing_is_counted_and_omit_equals_dropping_the_rows(
    rows: list[Any], metric: str, with_revenue: bool, as_of: int | None
) -> None:
    with_revenue = with_revenue or metric == "average_order_value"
    assume(any(readable(r, with_revenue) for r in rows))
    frame = frame_of(rows)
    before = frame.copy()
    kw: dict[str, Any] = {"revenue": "revenue"} if with_revenue else {}
    if METRICS[metric][1] != "period":
        kw["as_of"] = None if as_of is None else BASE + pd.Timedelta(days=as_of)
    expected = brute_missing(metric, rows, as_of, with_revenue)
    clean = frame_of([r for r in rows if readable(r, with_revenue)])
    try:
        reference = call(metric, clean, **kw)
    except ValueError as exc:  # e.g. no customer at all in the window
        with pytest.raises(ValueError, match=str(exc)[:20]):
            call(metric, frame, **kw)
        return
    total = sum(expected.values())
    if metric == "cohort_retention":
        got = call(metric, frame, **kw)
        assert (got["n_missing"] == total).all()
        pd.testing.assert_frame_equal(
            got.drop(columns="n_missing"), reference.drop(columns="n_missing")
        )
    else:
        got = call(metric, frame, **kw)
        assert got.n_missing == total
        assert reference.n_missing == 0
        assert same(got.value, reference.value)
        assert same(got.se, reference.se)
        assert got.n == reference.n
        assert got.components.keys() == reference.components.keys()
        assert all(same(got.components[k], v) for k, v in reference.components.items())
        grouped = call(metric, frame, by="group", **kw)
        counted = dict(zip(grouped["group"], grouped["n_missing"], strict=True))
        assert counted == {g: c for g, c in expected.items() if g in counted}
        # A group is shown when it has orders to count or unreadable rows.
        assert all(c == 0 for g, c in expected.items() if g not in counted)
        propagated = call(metric, frame, by="group", nan_policy="propagate", **kw)
        assert (propagated["value"].isna() | (propagated["n_missing"] == 0)).all()
        flagged = propagated[propagated["n_missing"] > 0]
        assert flagged[["value", "se", "ci_low", "ci_high"]].isna().all().all()
    pd.testing.assert_frame_equal(frame, before)  # the caller's data is untouched
    if total:
        with pytest.raises(ValueError, match=rf"{total} row\(s\) with missing values"):
            call(metric, frame, nan_policy="raise", **kw)
    else:
        call(metric, frame, nan_policy="raise", **kw)


@settings(max_examples=40)
@given(rows=rows_strategy, as_of=st.one_of(st.none(), st.integers(30, 60)))
def test_revenue_components_match_hand_totals(rows: list[Any], as_of: int | None) -> None:
    rows = [r for r in rows if r[1] is not None and not math.isnan(r[2])]
    assume(rows)
    frame = frame_of(rows)
    end = as_of if as_of is not None else max(r[1] for r in rows)
    kw: dict[str, Any] = {"revenue": "revenue", "as_of": BASE + pd.Timedelta(days=end)}

    def total(pick: Callable[[Any], bool]) -> float:
        return math.fsum(r[2] for r in rows if pick(r))

    def in_window(r: Any) -> bool:
        return end - WINDOW < r[1] <= end

    def window_orders(c: Any) -> list[Any]:
        return [r for r in rows if r[0] == c and in_window(r)]

    known = {r[0] for r in rows if r[0] is not None and in_window(r)}
    try:
        guest = call("guest_checkout_rate", frame, **kw)
    except ValueError:
        return
    assert guest.components["revenue"] == pytest.approx(total(in_window))
    assert guest.components["guest_revenue"] == pytest.approx(
        total(lambda r: in_window(r) and r[0] is None)
    )
    if known:
        freq = call("purchase_frequency", frame, **kw)
        assert freq.components["revenue"] == pytest.approx(
            total(lambda r: in_window(r) and r[0] is not None)
        )
        repeat = call("repeat_purchase_rate", frame, **kw)
        repeaters = {c for c in known if len(window_orders(c)) > 1}
        assert repeat.components["repeat_revenue"] == pytest.approx(
            total(lambda r: in_window(r) and r[0] in repeaters)
        )
    history = [r for r in rows if r[0] is not None and r[1] <= end]
    first = {c: min(r[1] for r in history if r[0] == c) for c in {r[0] for r in history}}
    eligible = {c for c, f in first.items() if f + 10 <= end}
    if eligible:
        rep = call("repurchase_rate", frame, **kw)
        assert rep.components["revenue"] == pytest.approx(
            math.fsum(r[2] for r in history if r[0] in eligible and r[1] <= first[r[0]] + 10)
        )
    many = {c for c in first if sum(r[0] == c for r in history) >= 2}
    if many:
        up = call("upsell_rate", frame, **kw)
        assert up.components["revenue"] == pytest.approx(
            math.fsum(r[2] for r in history if r[0] in many)
        )
    in_period = [r for r in rows if r[0] is not None and r[1] <= 40]
    active = {r[0] for r in in_period if 20 - 15 < r[1] <= 20}
    if active:
        ret = call("retention_rate", frame, revenue="revenue")
        assert ret.components["revenue"] == pytest.approx(
            math.fsum(r[2] for r in in_period if r[0] in active and r[1] > 20)
        )
    cohorts = call("cohort_retention", frame, **kw)
    weeks = {c: (BASE + pd.Timedelta(days=f)).to_period("W") for c, f in first.items()}
    for row in cohorts.itertuples():
        want = math.fsum(
            r[2]
            for r in history
            if weeks[r[0]] == row.cohort
            and ((BASE + pd.Timedelta(days=r[1])).to_period("W") - weeks[r[0]]).n == row.period
        )
        assert row.revenue == pytest.approx(want)


ALL = [*METRICS, "rfm_summary", "rfm_calibration_holdout"]


@pytest.mark.parametrize("name", ALL)
def test_every_order_function_speaks_the_same_keywords(name: str) -> None:
    params = inspect.signature(getattr(cx, name)).parameters
    assert params["nan_policy"].default == "omit"
    assert params["allow_refunds"].default is False
    assert "revenue" in params
    if name not in ("retention_rate", "churn_rate"):  # their period_end ends the data
        assert "as_of" in params


@pytest.mark.parametrize("name", ALL)
def test_refunds_are_refused_the_same_way_everywhere(name: str) -> None:
    frame = frame_of([("a", 1, 10.0, 1), ("a", 25, -4.0, 2), ("b", 30, 7.0, 1), ("c", 50, 2.0, 1)])
    if name.startswith("rfm"):
        kw: dict[str, Any] = {"customer": "customer", "date": "date", "revenue": "revenue"}
        if name == "rfm_calibration_holdout":
            kw["calibration_period_end"] = BASE + pd.Timedelta(days=28)
        func: Callable[..., Any] = lambda **k: getattr(cx, name)(frame, **kw, **k)  # noqa: E731
    else:
        func = lambda **k: call(name, frame, revenue="revenue", **k)  # noqa: E731
    with pytest.raises(ValueError, match=r"revenue column 'revenue' has negative values \[-4"):
        func()
    func(allow_refunds=True)


def rfm_rows() -> list[tuple[Any, int | None, float, int]]:
    return [
        ("a", 0, 10.0, 1),
        ("a", 5, math.nan, 1),  # a missing revenue
        ("a", 9, 20.0, 1),
        ("b", None, 4.0, 1),  # a missing date
        ("b", 3, 8.0, 1),
        ("c", 2, 6.0, 1),
        ("c", 50, math.nan, 1),  # after as_of: not read
        (None, 12, 1.0, 1),
    ]


def test_rfm_counts_and_propagates_missing_rows() -> None:
    rows = rfm_rows()
    frame = frame_of(rows)
    kw: dict[str, Any] = {"customer": "customer", "date": "date", "revenue": "revenue"}
    end = BASE + pd.Timedelta(days=12)
    omitted = cx.rfm_summary(frame, as_of=end, **kw)
    clean = frame_of([r for r in rows if r[1] is not None and not math.isnan(r[2])])
    expected = cx.rfm_summary(clean, as_of=end, **kw)
    pd.testing.assert_frame_equal(omitted, expected)
    assert omitted.attrs["n_missing"] == 2  # a's revenue and b's date; c's is after as_of
    propagated = cx.rfm_summary(frame, as_of=end, nan_policy="propagate", **kw)
    assert propagated.loc[["a", "b"]].isna().all().all()
    pd.testing.assert_series_equal(propagated.loc["c"], expected.loc["c"])
    with pytest.raises(ValueError, match=r"2 row\(s\) with missing values"):
        cx.rfm_summary(frame, as_of=end, nan_policy="raise", **kw)
    cal = cx.rfm_calibration_holdout(
        frame, calibration_period_end=BASE + pd.Timedelta(days=4), as_of=end, **kw
    )
    assert cal.attrs["n_missing"] == 2
    cal_nan = cx.rfm_calibration_holdout(
        frame,
        calibration_period_end=BASE + pd.Timedelta(days=4),
        as_of=end,
        nan_policy="propagate",
        **kw,
    )
    assert cal_nan.loc["a", "frequency_cal"] != cal_nan.loc["a", "frequency_cal"]
    assert (cal_nan["duration_holdout"] == 8.0).all()


@pytest.mark.parametrize("name", ["rfm_summary", "rfm_calibration_holdout"])
def test_observation_period_end_is_a_deprecated_alias_of_as_of(name: str) -> None:
    frame = frame_of([("a", 0, 10.0, 1), ("a", 9, 20.0, 1), ("b", 3, 8.0, 1), ("c", 20, 5.0, 1)])
    kw: dict[str, Any] = {"customer": "customer", "date": "date", "revenue": "revenue"}
    if name == "rfm_calibration_holdout":
        kw["calibration_period_end"] = BASE + pd.Timedelta(days=4)
    func = getattr(cx, name)
    end = BASE + pd.Timedelta(days=12)
    with pytest.warns(CxlibDeprecationWarning, match="renamed as_of") as record:
        old = func(frame, observation_period_end=end, **kw)
    assert record[0].filename == __file__  # the warning points at the caller's line
    assert issubclass(CxlibDeprecationWarning, FutureWarning)
    pd.testing.assert_frame_equal(old, func(frame, as_of=end, **kw))
    with pytest.raises(TypeError, match="as_of"):
        func(frame, as_of=end, observation_period_end=end, **kw)


def test_compare_segments_passes_the_vocabulary_on() -> None:
    rows = [
        (c, d, v, 1)
        for c, d, v in [
            ("a", 1, 10.0), ("a", 5, 14.0), ("b", 2, 8.0), ("c", 3, 30.0),
            ("c", 8, math.nan), ("d", 4, 12.0), ("d", 6, 16.0), ("d", None, 5.0),
        ]
    ]  # fmt: skip
    frame = frame_of(rows)
    result = quiet(
        cx.compare_segments,
        frame,
        metric="repeat_purchase_rate",
        segment="group",
        a="x",
        b="y",
        customer="customer",
        date="date",
        revenue="revenue",
    )
    clean = frame_of([r for r in rows if r[1] is not None and not math.isnan(r[2])])
    same_result = quiet(
        cx.compare_segments,
        clean,
        metric="repeat_purchase_rate",
        segment="group",
        a="x",
        b="y",
        customer="customer",
        date="date",
    )
    assert result.difference == same_result.difference
    with pytest.raises(ValueError, match="missing values"):
        cx.compare_segments(
            frame,
            metric="repeat_purchase_rate",
            segment="group",
            a="x",
            b="y",
            customer="customer",
            date="date",
            revenue="revenue",
            nan_policy="raise",
        )


def test_n_missing_counts_order_rows_of_a_large_table() -> None:
    rng = np.random.default_rng(3)
    n = 5_000
    frame = pd.DataFrame(
        {
            "customer": rng.integers(0, 400, n),
            "date": BASE + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
            "revenue": rng.gamma(2.0, 20.0, n),
        }
    )
    frame.loc[rng.random(n) < 0.05, "revenue"] = np.nan
    frame.loc[rng.random(n) < 0.03, "date"] = pd.NaT
    as_of = BASE + pd.Timedelta(days=300)
    no_date = frame["date"].isna()
    in_window = (frame["date"] > as_of - pd.Timedelta(days=365)) & (frame["date"] <= as_of)
    want = int((no_date | (frame["revenue"].isna() & in_window)).sum())
    est = cx.average_order_value(
        frame, customer="customer", date="date", revenue="revenue", as_of=as_of
    )
    assert est.n_missing == want
    kept = frame[~no_date & in_window & frame["revenue"].notna()]
    assert est.n == len(kept)
    assert est.value == pytest.approx(kept["revenue"].mean(), rel=1e-12)


@pytest.mark.parametrize("policy", ["omit", "propagate"])
def test_rfm_scores_leave_customers_with_missing_values_unscored(policy: str) -> None:
    rng = np.random.default_rng(5)
    n = 300
    summary = pd.DataFrame(
        {
            "frequency": rng.poisson(1.5, n).astype(float),
            "recency": rng.integers(0, 50, n).astype(float),
            "T": rng.integers(50, 100, n).astype(float),
            "monetary_value": rng.gamma(2.0, 10.0, n).round(1),
        },
        index=pd.Index([f"c{i:03d}" for i in range(n)], name="customer"),
    )
    holes = rng.random(n) < 0.1
    summary.loc[holes, "monetary_value"] = np.nan
    summary.loc[rng.random(n) < 0.05, "recency"] = np.nan
    missing = summary.isna().any(axis=1).to_numpy()
    scored = cx.rfm_scores(summary, nan_policy=policy)
    alone = cx.rfm_scores(summary[~missing])  # the others, scored among themselves
    columns = ["r_score", "f_score", "m_score", "rfm_score", "segment"]
    for name in columns:
        assert scored.loc[missing, name].isna().all()
        assert (scored.loc[~missing, name].astype(str) == alone[name].astype(str)).all()
    assert str(scored["r_score"].dtype) == "Int64"
    with pytest.raises(ValueError, match=rf"{int(missing.sum())} customer\(s\) with missing"):
        cx.rfm_scores(summary, nan_policy="raise")
