"""Static types of the functions that return an Estimate or a DataFrame (checked by mypy).

``mypy --strict cxlib tests/test_typing.py`` (run by CI) checks every ``assert_type``
below: without ``by=`` the type checker knows the result is an :class:`cxlib.Estimate`,
with ``by=`` a :class:`pandas.DataFrame`. Run by pytest, the same lines check the
run-time types.
"""

from __future__ import annotations

from typing import Any, assert_type

import numpy as np
import pandas as pd
import pytest

import cxlib as cx

RNG = np.random.default_rng(0)
N = 60
SURVEY = pd.DataFrame(
    {
        "g": RNG.choice(["a", "b"], N),
        "recommend": RNG.integers(0, 11, N),
        "satisfaction": RNG.integers(1, 6, N),
        "effort": RNG.integers(1, 8, N),
        **{f"i{k}": RNG.integers(1, 6, N) for k in range(1, 4)},
        **{f"e{k}": RNG.integers(1, 6, N) for k in range(1, 6)},
    }
)
N_ORDERS = 200
ORDERS = pd.DataFrame(
    {
        "customer": (customer := RNG.integers(0, 50, N_ORDERS)),
        "g": np.where(customer % 2 == 0, "a", "b"),
        "date": pd.Timestamp("2024-01-01")
        + pd.to_timedelta(RNG.integers(0, 300, N_ORDERS), unit="D"),
        "revenue": RNG.gamma(2.0, 20.0, N_ORDERS),
    }
)
ENGAGEMENT = ["e1", "e2", "e3", "e4", "e5"]


def _is(value: object, kind: type) -> None:
    assert isinstance(value, kind), type(value)


def test_survey_indices() -> None:
    est = assert_type(cx.nps(SURVEY, "recommend"), cx.Estimate)
    frame = assert_type(cx.nps(SURVEY, "recommend", by="g"), pd.DataFrame)
    _is(est, cx.Estimate)
    _is(frame, pd.DataFrame)
    _is(assert_type(cx.csat(SURVEY, "satisfaction"), cx.Estimate), cx.Estimate)
    _is(assert_type(cx.csat(SURVEY, "satisfaction", by=["g"]), pd.DataFrame), pd.DataFrame)
    _is(assert_type(cx.ces(SURVEY, "effort", scale="1-7"), cx.Estimate), cx.Estimate)
    _is(assert_type(cx.ces(SURVEY, "effort", scale="1-7", by="g"), pd.DataFrame), pd.DataFrame)
    cols = ["i1", "i2", "i3"]
    _is(assert_type(cx.loyalty_index(SURVEY, cols), cx.Estimate), cx.Estimate)
    _is(assert_type(cx.loyalty_index(SURVEY, cols, by="g"), pd.DataFrame), pd.DataFrame)
    _is(assert_type(cx.secure_customer_index(SURVEY, cols), cx.Estimate), cx.Estimate)
    _is(assert_type(cx.secure_customer_index(SURVEY, cols, by="g"), pd.DataFrame), pd.DataFrame)
    _is(assert_type(cx.engagement_index(SURVEY, ENGAGEMENT), cx.Estimate), cx.Estimate)
    _is(assert_type(cx.engagement_index(SURVEY, ENGAGEMENT, by="g"), pd.DataFrame), pd.DataFrame)


def test_accessor() -> None:
    acc = cx.CxAccessor(SURVEY)
    _is(assert_type(acc.nps("recommend"), cx.Estimate), cx.Estimate)
    _is(assert_type(acc.nps("recommend", by="g"), pd.DataFrame), pd.DataFrame)
    _is(assert_type(acc.csat("satisfaction", by=None), cx.Estimate), cx.Estimate)
    _is(assert_type(acc.ces("effort", scale="1-7", by="g"), pd.DataFrame), pd.DataFrame)
    _is(assert_type(acc.loyalty_index(["i1", "i2", "i3"]), cx.Estimate), cx.Estimate)
    _is(
        assert_type(acc.secure_customer_index(["i1", "i2", "i3"], by="g"), pd.DataFrame),
        pd.DataFrame,
    )
    _is(assert_type(acc.engagement_index(ENGAGEMENT), cx.Estimate), cx.Estimate)


# The example table is small: the AOV's and purchase frequency's default interval says so.
@pytest.mark.filterwarnings("ignore::cxlib.core.errors.CoverageWarning")
def test_order_metrics() -> None:
    orders, c, d, r = ORDERS, "customer", "date", "revenue"
    _is(
        assert_type(cx.average_order_value(orders, customer=c, date=d, revenue=r), cx.Estimate),
        cx.Estimate,
    )
    _is(
        assert_type(
            cx.average_order_value(orders, customer=c, date=d, revenue=r, by="g"), pd.DataFrame
        ),
        pd.DataFrame,
    )
    _is(assert_type(cx.purchase_frequency(orders, customer=c, date=d), cx.Estimate), cx.Estimate)
    _is(
        assert_type(cx.purchase_frequency(orders, customer=c, date=d, by="g"), pd.DataFrame),
        pd.DataFrame,
    )
    _is(
        assert_type(cx.repeat_purchase_rate(orders, customer=c, date=d), cx.Estimate),
        cx.Estimate,
    )
    _is(
        assert_type(cx.guest_checkout_rate(orders, customer=c, date=d, by=["g"]), pd.DataFrame),
        pd.DataFrame,
    )


def test_results_and_comparisons() -> None:
    est = cx.nps(SURVEY, "recommend")
    _is(assert_type(est.confidence_interval(), cx.ConfidenceInterval), tuple)
    comp = assert_type(
        cx.compare_estimates(est, cx.nps([10] * 40 + [9] * 30 + [0] * 10)), cx.Comparison
    )
    _is(assert_type(comp.confidence_interval("lift"), cx.ConfidenceInterval), tuple)
    _is(assert_type(comp.to_dict(), dict[str, Any]), dict)
