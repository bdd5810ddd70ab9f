"""Acquisition-cohort retention against brute-force loops over customers and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_retention import (
    BASE,
    DAY,
    cohort_brute,
    make_table,
    orders_of,
    small_tables,
)
from reference_shares import modified_wilson

from cxlib.orders.cohorts import cohort_retention, cohort_table


@pytest.mark.parametrize("seed", [7, 8])
@pytest.mark.parametrize(
    ("cohort", "period"), [("M", "M"), ("W", "W"), ("M", "W"), ("W", "M"), ("Q", "M"), ("D", "W")]
)
def test_cohort_retention_matches_brute_force(seed: int, cohort: str, period: str) -> None:
    frame = make_table(seed, n_customers=50, days=300, with_time=seed == 8)
    as_of = BASE + 260 * DAY
    tidy = cohort_retention(
        frame, customer="customer_id", date="date", cohort=cohort, period=period, as_of=as_of
    )
    expected = cohort_brute(frame, cohort, period, as_of)
    pd.testing.assert_frame_equal(
        tidy[["cohort", "period", "customers", "cohort_size"]],
        expected,
        check_dtype=False,
    )
    share = tidy["customers"] / tidy["cohort_size"]
    np.testing.assert_allclose(tidy["retention"], 100.0 * share)
    assert (tidy.loc[tidy["period"] == 0, "retention"] == 100.0).all()
    low, high = modified_wilson(tidy["customers"], tidy["cohort_size"])  # the default
    np.testing.assert_allclose(tidy["ci_low"], 100.0 * np.asarray(low), atol=1e-9)
    np.testing.assert_allclose(tidy["ci_high"], 100.0 * np.asarray(high), atol=1e-9)


@settings(max_examples=60)
@given(
    small_tables(max_day=120),
    st.sampled_from(["D", "W", "M", "Q"]),
    st.sampled_from(["D", "W", "M"]),
    st.integers(0, 130),
)
def test_cohort_edge_cases(frame: pd.DataFrame, cohort: str, period: str, as_of: int) -> None:
    end = frame["date"].min() + as_of * DAY
    tidy = cohort_retention(
        frame, customer="customer_id", date="date", cohort=cohort, period=period, as_of=end
    )
    expected = cohort_brute(frame, cohort, period, end)
    pd.testing.assert_frame_equal(
        tidy[["cohort", "period", "customers", "cohort_size"]].reset_index(drop=True),
        expected,
        check_dtype=False,
        check_index_type=False,
    )


def test_cohort_period_boundaries() -> None:
    frame = orders_of([("a", "2024-01-31"), ("a", "2024-02-01"), ("b", "2024-01-01"),
                     ("b", "2024-02-29")])  # fmt: skip
    full = cohort_retention(frame, customer="customer_id", date="date", as_of="2024-02-29")
    assert full["period"].tolist() == [0, 1]
    assert full["customers"].tolist() == [2, 2]
    partial = cohort_retention(frame, customer="customer_id", date="date", as_of="2024-02-28")
    assert partial["period"].tolist() == [0]  # February is not over on the 28th
    none = cohort_retention(frame, customer="customer_id", date="date", as_of="2024-01-30")
    assert len(none) == 0
    assert list(none.columns) == list(full.columns)
    weekly = cohort_retention(
        frame, customer="customer_id", date="date", cohort="M", period="W", as_of="2024-03-03"
    )
    # The January cohort can hold a first order in the week of Jan 29 - Feb 4, so week k
    # is complete for all of it only once that week + k has ended (Sunday Mar 3: k = 4).
    assert weekly["period"].max() == 4


def test_cohort_table_pivots() -> None:
    frame = make_table(9, n_customers=40, days=200)
    tidy = cohort_retention(frame, customer="customer_id", date="date", as_of=BASE + 190 * DAY)
    table = cohort_table(tidy)
    assert table.shape == (tidy["cohort"].nunique(), tidy["period"].nunique())
    assert table.loc[tidy["cohort"].iloc[-1], 0] == 100.0
    assert np.isnan(table.iloc[-1, -1])
    sizes = cohort_table(tidy, values="customers")
    assert sizes.iloc[0, 0] == tidy["cohort_size"].iloc[0]
    grouped = cohort_retention(
        frame, customer="customer_id", date="date", as_of=BASE + 190 * DAY, by="segment"
    )
    pivot = cohort_table(grouped)
    assert pivot.index.names == ["segment", "cohort"]


def test_cohort_table_shows_revenue_and_n_missing() -> None:
    frame = make_table(9, n_customers=40, days=200)
    frame["revenue"] = np.arange(len(frame), dtype=float) % 7 + 1.0
    frame.loc[frame.index[:3], "revenue"] = np.nan
    tidy = cohort_retention(frame, customer="customer_id", date="date", revenue="revenue")
    assert (tidy["n_missing"] == 3).all()
    table = cohort_table(tidy, values="revenue")
    assert table.index.names == ["cohort"]  # n_missing and revenue are no group columns
    kept = frame[frame["revenue"].notna() & frame["customer_id"].notna()]
    assert np.nansum(table.to_numpy()) <= kept["revenue"].sum()
    for row in tidy.itertuples(index=False):
        assert table.loc[row.cohort, row.period] == row.revenue
    assert table.notna().sum().sum() == len(tidy)
    with pytest.raises(ValueError, match="values='revenue' is no column"):
        cohort_table(cohort_retention(frame, customer="customer_id", date="date"), "revenue")
