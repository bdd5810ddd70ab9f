"""Warnings point at the user's line, however deep inside cxlib they are raised."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxlib as cx
from cxlib.core.errors import find_stack_level


def _orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer": [1, 2, 3],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "revenue": [10.0, 12.0, 9.0],
            "segment": ["a", "a", "b"],
        }
    )


def _ab_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"arm": ["A", "A", "B", "B", "B"], "seg": [1, 1, 1, 2, 2], "y": [1.0, 2.0, 3.0, 4, 5]}
    )


def _est(value: float, se: float) -> cx.Estimate:
    return cx.Estimate("m", value, se, (value - 2 * se, value + 2 * se), 0.95, "t", 10)


def _mean_sums(offset: float) -> dict[str, float]:
    x = offset + np.random.default_rng(2).uniform(0.0, 1.0, 1_000)
    return {"n": 1_000.0, "sum": float(x.sum()), "sum_squares": float(x @ x)}


def _cuped_sums(offset: float) -> dict[str, Any]:
    z = offset + np.random.default_rng(4).uniform(0.0, 1.0, (2, 400))
    return {"n": 400, "sums": z.sum(axis=1), "products": z @ z.T}


def _ratio_sums(offset: float) -> dict[str, float]:
    rng = np.random.default_rng(3)
    x = offset + rng.uniform(0.0, 1.0, 500)
    y = 3.0 * x + rng.uniform(0.0, 1.0, 500)
    return {
        "n": 500.0,
        "numerator": float(y.sum()),
        "denominator": float(x.sum()),
        "numerator_squares": float(y @ y),
        "denominator_squares": float(x @ x),
        "cross": float(x @ y),
    }


CASES: dict[str, tuple[Callable[[], Any], str]] = {
    "csat analytic": (lambda: cx.csat([5, 5, 5], ci_method="wald"), "zero width"),
    "csat bootstrap": (
        lambda: cx.csat([5, 5, 5], ci_method="percentile", n_resamples=50, rng=0),
        "single point",
    ),
    "nps grouped": (
        lambda: cx.nps(pd.DataFrame({"g": [1, 2], "x": [10, None]}), "x", by="g"),
        "",
    ),
    "nps_difference": (
        lambda: cx.nps_difference([10, 10], [0, 0], ci_method="wald"),
        "standard error",
    ),
    "compare_estimates": (lambda: cx.compare_estimates(_est(1.0, 0.5), _est(0.2, 0.5)), "lift"),
    "compare_estimates log": (
        lambda: cx.compare_estimates(_est(-5.0, 0.1), _est(4.0, 0.1), lift_method="log"),
        "positive",
    ),
    "compare_proportions": (lambda: cx.ab.compare_proportions((0, 100), (5, 100)), "lift"),
    "compare_means": (lambda: cx.ab.compare_means([1.0, 1.0, 1.0], [1.0, 1.0, 1.0]), ""),
    "ab.compare": (
        lambda: cx.ab.compare(_ab_frame(), group="arm", control="A", metric="y", by="seg"),
        "no control",
    ),
    "cuped": (lambda: cx.ab.cuped([1.0, 2.0, 3.0], [1.0, 1.0, 1.0]), "constant covariate"),
    "srm": (lambda: cx.ab.srm([3, 4]), "expected counts below 5"),
    "minimum_detectable_effect": (
        lambda: cx.ab.minimum_detectable_effect(baseline=0.5, n=2, power=0.99999),
        "MDE is NaN",
    ),
    "bayesian_means": (lambda: cx.ab.bayesian_means([1.0, 1.0], [1.0, 1.0], rng=0), ""),
    "MeanStats.from_sums": (
        lambda: cx.ab.MeanStats.from_sums(**_mean_sums(1e9)),
        "significant digits",
    ),
    "RatioStats.from_sums": (
        lambda: cx.ab.RatioStats.from_sums(**_ratio_sums(1e9)),
        "significant digits",
    ),
    "CupedStats.from_sums": (
        lambda: cx.ab.CupedStats.from_sums(**_cuped_sums(1e9)),
        "significant digits",
    ),
    "average_order_value": (
        lambda: cx.average_order_value(
            _orders(), customer="customer", date="date", revenue="revenue", by="segment"
        ),
        "",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_warning_names_this_file(name: str) -> None:
    call, match = CASES[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    ours = [w for w in caught if issubclass(w.category, cx.CxlibWarning)]
    assert ours, f"{name} did not warn"
    assert any(match in str(w.message) for w in ours)
    for w in ours:
        assert w.filename == __file__, (name, w.filename, str(w.message))


def test_pytest_warns_records_the_callers_file() -> None:
    with pytest.warns(cx.DegenerateDataWarning) as record:
        cx.ab.compare_proportions((0, 100), (5, 100))
    assert record[0].filename == __file__


def test_find_stack_level_counts_the_package_frames() -> None:
    # Called from outside the package: warn's own caller.
    assert find_stack_level() == 1
    # From a function whose frames are not cxlib's, nothing is skipped.
    assert (lambda: find_stack_level())() == 1
    assert np.isfinite(float(find_stack_level()))
