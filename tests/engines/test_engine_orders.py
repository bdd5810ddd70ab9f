"""rfm_summary on every engine: the per-customer summary computed in the engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from engine_params import engine_cases

import cxlib as cx


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    data = cx.datasets.make_orders(600, rng=9)
    data = data[["customer_id", "date", "revenue"]].copy()
    data.loc[[3, 10, 40], "revenue"] = np.nan  # unreadable rows, counted in n_missing
    data.loc[[5, 77], "date"] = pd.NaT
    return data


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_index_type=False, rtol=1e-9)
    assert got.attrs["n_missing"] == want.attrs["n_missing"]


# Days and weeks are one affine map of the day, months and quarters one of the month.
@pytest.mark.parametrize(
    ("engine", "unit"), engine_cases(["D", "W", "M", "Q"], slow=["W", "Q"]), indirect=["engine"]
)
def test_rfm_summary_matches_pandas(engine, orders: pd.DataFrame, unit: str) -> None:
    frame = engine(orders)
    kwargs: dict[str, Any] = {"customer": "customer_id", "date": "date", "time_unit": unit}
    _same(
        cx.rfm_summary(frame, revenue="revenue", **kwargs),
        cx.rfm_summary(orders, revenue="revenue", **kwargs),
    )
    options: dict[str, Any] = {"include_first_transaction": True, "as_of": "2024-06-30"}
    _same(cx.rfm_summary(frame, **kwargs, **options), cx.rfm_summary(orders, **kwargs, **options))


def test_nan_policies(engine, orders: pd.DataFrame) -> None:
    frame = engine(orders)
    kwargs: dict[str, Any] = {"customer": "customer_id", "date": "date", "revenue": "revenue"}
    _same(
        cx.rfm_summary(frame, nan_policy="propagate", **kwargs),
        cx.rfm_summary(orders, nan_policy="propagate", **kwargs),
    )
    with pytest.raises(ValueError, match=r"missing date or revenue.*nan_policy='omit'"):
        cx.rfm_summary(frame, nan_policy="raise", **kwargs)


def test_errors_are_named(engine, orders: pd.DataFrame) -> None:
    bad = orders.assign(
        refund=np.where(np.arange(len(orders)) == 4, -5.0, orders["revenue"]),
        text=orders["date"].astype("str"),
        zoned=orders["date"].dt.tz_localize("Europe/Berlin"),
    )
    frame = engine(bad)
    kwargs: dict[str, Any] = {"customer": "customer_id", "date": "date"}
    with pytest.raises(ValueError, match=r"revenue column 'refund' has negative values \[-5\]"):
        cx.rfm_summary(frame, revenue="refund", **kwargs)
    with pytest.raises(TypeError, match=r"date column 'text' must hold dates"):
        cx.rfm_summary(frame, customer="customer_id", date="text")
    if "pyspark" not in type(frame).__module__:  # Spark numbers days in its session zone
        with pytest.raises((TypeError, ValueError), match=r"date column 'zoned'"):
            cx.rfm_summary(frame, customer="customer_id", date="zoned")
    with pytest.raises(ValueError, match=r"time_unit 'h' is not available on engine frames"):
        cx.rfm_summary(frame, time_unit="h", **kwargs)
    with pytest.raises(ValueError, match=r"customer='nope' is not a column"):
        cx.rfm_summary(frame, customer="nope", date="date")
    with pytest.raises(ValueError, match=r"no customer order falls in or before"):
        cx.rfm_summary(frame, as_of="1990-01-01", **kwargs)
