"""Every public function of ``cx`` and ``cx.ab`` that reads data, driven with one call.

The drivers below must cover the whole public API (a new function without a driver
fails :func:`test_every_public_function_is_driven`). Each driver is checked for: the
caller's data unchanged (deep copies compared), the same seed giving the same result,
every boolean option refusing a non-boolean (``allow_refunds="no"`` must not mean True),
and a pandas ``weights``/``covariate`` with another index refused.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxlib as cx

# The inputs here are small example tables: the ratio order metrics' default interval
# warns that it needs more customers (CoverageWarning), which is not what is tested here.
pytestmark = [
    pytest.mark.filterwarnings("ignore::cxlib.core.errors.DegenerateDataWarning"),
    pytest.mark.filterwarnings("ignore::cxlib.core.errors.CoverageWarning"),
]

SURVEY = cx.datasets.make_survey(300, rng=3)
ORDERS = cx.datasets.make_orders(60, rng=3, days=540)
KEYS = {"customer": "customer_id", "date": "date"}
LOYALTY = ["loyalty_recommend", "loyalty_repurchase", "loyalty_other_products"]
SECURE = ["satisfaction", "repurchase", "advocacy"]
ENGAGEMENT = ["satisfaction", "repurchase", "advocacy", "delivers_promise", "fair_resolution"]
AB_FRAME = pd.DataFrame(
    {
        "arm": np.repeat(["A", "B", "C"], 40),
        "y": np.tile(np.linspace(0.0, 3.0, 40), 3) + np.repeat([0.0, 0.2, 0.1], 40),
        "x": np.tile(np.linspace(1.0, 2.0, 40), 3),
    }
)
RNG = np.random.default_rng(11)
CONTROL = RNG.normal(10.0, 2.0, 50)
VARIANT = RNG.normal(10.5, 2.0, 60)
COLUMNS = np.stack([CONTROL, CONTROL + 1.0, CONTROL**2])  # numerator, denominator, x

#: name -> (function, positional arguments, keyword arguments) of one valid call.
DRIVERS: dict[str, tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = {
    "nps": (cx.nps, (SURVEY, "recommend"), {"by": "touchpoint", "weights": "weight"}),
    "csat": (cx.csat, (SURVEY, "satisfaction"), {"ci_method": "bca", "n_resamples": 99}),
    "ces": (cx.ces, (SURVEY["effort"].to_numpy(),), {}),
    "loyalty_index": (cx.loyalty_index, (SURVEY, LOYALTY), {"by": "touchpoint"}),
    "secure_customer_index": (cx.secure_customer_index, (SURVEY, SECURE), {}),
    "engagement_index": (cx.engagement_index, (SURVEY, ENGAGEMENT), {}),
    "commitment_profile": (
        cx.commitment_profile,
        (SURVEY, {"affective": SECURE, "normative": ["delivers_promise", "fair_resolution"]}),
        {"scale": "1-5", "reverse": ["fair_resolution"], "by": "touchpoint", "weights": "weight"},
    ),
    "cronbach_alpha": (cx.cronbach_alpha, (SURVEY, LOYALTY), {"by": "touchpoint"}),
    "item_analysis": (cx.item_analysis, (SURVEY, ENGAGEMENT), {"weights": "weight"}),
    "nps_difference": (
        cx.nps_difference,
        (SURVEY["recommend"].iloc[:150], SURVEY["recommend"].iloc[150:]),
        {},
    ),
    "compare_estimates": (
        cx.compare_estimates,
        (cx.nps(SURVEY["recommend"].iloc[:150]), cx.nps(SURVEY["recommend"].iloc[150:])),
        {},
    ),
    "key_drivers": (
        cx.key_drivers,
        (SURVEY, "recommend", ["satisfaction", "effort", "repurchase"]),
        {"by": "touchpoint", "weights": "weight", "n_resamples": 99, "dominance_tables": True},
    ),
    "driver_difference": (
        cx.driver_difference,
        (SURVEY, "recommend", ["satisfaction", "effort", "repurchase"], ("satisfaction", "effort")),
        {"n_resamples": 99},
    ),
    "repeat_purchase_rate": (cx.repeat_purchase_rate, (ORDERS,), {**KEYS, "window": None}),
    "purchase_frequency": (cx.purchase_frequency, (ORDERS,), {**KEYS, "by": "member"}),
    "average_order_value": (
        cx.average_order_value,
        (ORDERS,),
        {**KEYS, "revenue": "revenue", "ci_method": "percentile", "n_resamples": 99},
    ),
    "repurchase_rate": (cx.repurchase_rate, (ORDERS,), {**KEYS}),
    "guest_checkout_rate": (cx.guest_checkout_rate, (ORDERS,), {**KEYS, "guest": "guest"}),
    "upsell_rate": (cx.upsell_rate, (ORDERS,), {**KEYS, "tier": "tier"}),
    "churn_rate": (
        cx.churn_rate,
        (ORDERS,),
        {**KEYS, "period_start": "2024-09-01", "period_end": "2025-03-01"},
    ),
    "retention_rate": (
        cx.retention_rate,
        (ORDERS,),
        {**KEYS, "period_start": "2024-09-01", "period_end": "2025-03-01"},
    ),
    "cohort_retention": (cx.cohort_retention, (ORDERS,), {**KEYS, "cohort": "Q", "period": "Q"}),
    "cohort_table": (
        cx.cohort_table,
        (cx.cohort_retention(ORDERS, **KEYS, cohort="Q", period="Q"),),
        {},
    ),
    "rfm_summary": (
        cx.rfm_summary,
        (ORDERS,),
        {**KEYS, "revenue": "revenue", "include_first_transaction": True},
    ),
    "rfm_scores": (
        cx.rfm_scores,
        (cx.rfm_summary(ORDERS, **KEYS, revenue="revenue"),),
        {"n_bins": 3},
    ),
    "rfm_calibration_holdout": (
        cx.rfm_calibration_holdout,
        (ORDERS,),
        {**KEYS, "calibration_period_end": "2025-01-01", "allow_refunds": False},
    ),
    "compare_segments": (
        cx.compare_segments,
        (ORDERS,),
        {"metric": "repeat_purchase_rate", "segment": "member", "a": False, "b": True, **KEYS},
    ),
    "ab.compare_proportions": (
        cx.ab.compare_proportions,
        ((120, 1000), (150, 1000)),
        {"exact": False, "ci_method": "bca", "n_resamples": 99},
    ),
    "ab.compare_means": (
        cx.ab.compare_means,
        (CONTROL, VARIANT),
        {"ci_method": "percentile", "n_resamples": 99},
    ),
    "ab.compare_ratios": (
        cx.ab.compare_ratios,
        ((CONTROL, CONTROL + 1.0), (VARIANT, VARIANT + 1.0)),
        {"ci_method": "bca", "n_resamples": 99},
    ),
    "ab.compare_quantiles": (
        cx.ab.compare_quantiles,
        (CONTROL, VARIANT),
        {"q": 0.75, "ci_method": "bootstrap", "n_resamples": 99},
    ),
    "ab.bayesian_proportions": (
        cx.ab.bayesian_proportions,
        ((120, 1000), {"B": (150, 1000), "C": (130, 1000)}),
        {"n_draws": 2000},
    ),
    "ab.bayesian_means": (cx.ab.bayesian_means, (CONTROL, VARIANT), {"n_draws": 2000}),
    "ab.cuped": (cx.ab.cuped, (pd.Series(CONTROL), pd.Series(CONTROL * 0.5 + 1.0)), {}),
    "ab.compare": (
        cx.ab.compare,
        (AB_FRAME,),
        {"group": "arm", "control": "A", "metric": "y", "covariate": "x", "adjust": "holm"},
    ),
    "ab.srm": (cx.ab.srm, ([5000, 5100],), {}),
    "ab.decide": (
        cx.ab.decide,
        (cx.ab.compare_proportions((400, 10_000), (504, 10_000)),),
        {
            "guardrails": {
                "revenue": cx.ab.Guardrail(cx.ab.compare_means(CONTROL, VARIANT), margin=-0.05)
            }
        },
    ),
    "ab.segment_scan": (
        cx.ab.segment_scan,
        (AB_FRAME.assign(device=np.tile(["web", "app"], 60)),),
        {"group": "arm", "control": "A", "metric": "y", "by": "device"},
    ),
    "ab.adjust_pvalues": (cx.ab.adjust_pvalues, (pd.Series([0.01, 0.2, 0.04]),), {}),
    "ab.sample_size": (cx.ab.sample_size, (0.1, 0.1), {"relative": True}),
    "ab.power": (cx.ab.power, (0.1, 0.1, [1000, 2000]), {"relative": True}),
    "ab.minimum_detectable_effect": (
        cx.ab.minimum_detectable_effect,
        (0.1, np.array([1000, 2000])),
        {"relative": True},
    ),
    "ab.duration": (cx.ab.duration, (10_000, 900.0), {"whole_weeks": True}),
    "ab.group_sequential": (cx.ab.group_sequential, ([0.3, 0.6, 1.0],), {"spending": "pocock"}),
    "ab.group_sequential_test": (
        cx.ab.group_sequential_test,
        (np.array([0.4, 2.9]), cx.ab.group_sequential(3)),
        {"n": np.array([300.0, 650.0]), "max_n": 1000},
    ),
    "ab.MeanStats.from_values": (cx.ab.MeanStats.from_values, (CONTROL,), {}),
    "ab.RatioStats.from_values": (cx.ab.RatioStats.from_values, (CONTROL, CONTROL + 1.0), {}),
    "ab.CupedStats.from_values": (
        cx.ab.CupedStats.from_values,
        (CONTROL, [CONTROL**2, np.sqrt(CONTROL)]),
        {"denominator": CONTROL + 1.0},
    ),
    "ab.CupedStats.from_sums": (
        cx.ab.CupedStats.from_sums,
        (CONTROL.size, COLUMNS.sum(axis=1), COLUMNS @ COLUMNS.T),
        {"metric": "ratio"},
    ),
}

#: Public names that read no data (types, constants, namespaces, result classes).
NOT_DATA = {
    "ENGAGEMENT_ITEMS", "NPS_SCALES", "RFM_SEGMENTS", "SCI_SEGMENTS", "Comparison",
    "ConfidenceInterval", "CxAccessor", "CxlibWarning", "DegenerateDataWarning", "Estimate",
    "NPSScale", "RFMSegment", "__version__", "ab", "datasets", "CORRECTIONS", "MEAN_METHODS",
    "PROPORTION_METHODS", "PVALUE_ADJUSTMENTS", "SAMPLE_SIZE_METHODS", "BayesianComparison",
    "Correction", "CupedResult", "Index", "Mean", "MeanMethod", "MeanSummary", "PValueAdjustment",
    "Proportion", "ProportionMethod", "Ratio", "SRMResult", "SampleSize", "SampleSizeMethod",
    "MeanStats", "RatioStats", "CxlibDeprecationWarning", "PrecisionWarning", "CoverageWarning",
    "COMMITMENT_DIMENSIONS", "CommitmentProfile", "SPENDING_FUNCTIONS", "Spending",
    "GroupSequentialDesign", "SegmentScan", "Decision", "Guardrail",
    "QUANTILE_METHODS", "QuantileMethod", "Quantile", "CUPED_METRICS", "CupedMetric",
    "CupedStats",
}  # fmt: skip


#: Public names that read files, not in-memory data (their bad paths: tests/core/test_files.py).
READS_FILES = {"read"}


def test_every_public_function_is_driven() -> None:
    public = {*cx.__all__, *(f"ab.{n}" for n in cx.ab.__all__)}
    reads_data = {n for n in public if n.removeprefix("ab.") not in NOT_DATA | READS_FILES}
    assert reads_data <= set(DRIVERS), sorted(reads_data - set(DRIVERS))


def _numbers(result: Any) -> Any:
    if isinstance(result, (cx.Estimate, cx.Comparison)):
        return result.to_frame()
    if hasattr(result, "to_frame"):
        return result.to_frame()
    if hasattr(result, "adjusted"):
        return np.asarray(result.adjusted)
    return result


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        return True
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
        return True
    if isinstance(a, np.ndarray):
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, tuple) and hasattr(a, "_fields"):
        return bool(np.array_equal(np.asarray(a, float), np.asarray(b, float), equal_nan=True))
    return bool(a == b)


def _same_inputs(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and not hasattr(a, "_fields"):
        return len(a) == len(b) and all(_same_inputs(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_inputs(a[k], b[k]) for k in a)
    if isinstance(a, (cx.Estimate, cx.Comparison)):
        return repr(a) == repr(b)
    return _equal(a, b)


@pytest.mark.parametrize("name", list(DRIVERS))
def test_inputs_unchanged_and_same_seed_same_result(name: str) -> None:
    func, args, kwargs = DRIVERS[name]
    # results (frozen, holding read-only mappings) are kept as they are
    frozen = {id(a): a for a in args if isinstance(a, (cx.Estimate, cx.Comparison))}
    args, kwargs = copy.deepcopy(args, dict(frozen)), copy.deepcopy(kwargs)
    before = copy.deepcopy((args, kwargs), dict(frozen))
    seeded = "rng" in inspect.signature(func).parameters
    extra = {"rng": 7} if seeded else {}
    first = func(*args, **kwargs, **extra)
    assert _same_inputs(before, (args, kwargs)), name
    again = func(*args, **kwargs, **extra)
    assert _equal(_numbers(first), _numbers(again)), name


def _bool_options(func: Callable[..., Any]) -> list[str]:
    params = inspect.signature(func).parameters.values()
    return [p.name for p in params if "bool" in str(p.annotation)]


BOOL_CASES = [
    (name, option, bad)
    for name, (func, _, _) in DRIVERS.items()
    for option in _bool_options(func)
    for bad in ("no", 1, 0.0, "False", np.array([True]))
]


def test_boolean_options_are_found() -> None:
    options = {option for _, option, _ in BOOL_CASES}
    assert {
        "allow_refunds",
        "include_first_transaction",
        "exact",
        "relative",
        "whole_weeks",
    } <= options


@pytest.mark.parametrize(("name", "option", "bad"), BOOL_CASES, ids=repr)
def test_every_boolean_option_takes_only_a_boolean(name: str, option: str, bad: Any) -> None:
    func, args, kwargs = DRIVERS[name]
    with pytest.raises(TypeError, match=f"^{option} must be True"):
        func(*args, **{**kwargs, option: bad})
    # numpy booleans are booleans
    func(*args, **{**kwargs, option: np.False_})


@pytest.mark.parametrize(
    "name", ["nps", "loyalty_index", "secure_customer_index", "cronbach_alpha"]
)
def test_weights_series_with_another_index_is_refused(name: str) -> None:
    func, args, kwargs = DRIVERS[name]
    frame = args[0]
    shuffled = frame["weight"].sample(frac=1.0, random_state=0)
    with pytest.raises(ValueError, match=r"^weights is a pandas object whose index differs"):
        func(*args, **{**kwargs, "weights": shuffled})
    aligned = func(*args, **{**kwargs, "weights": shuffled.reindex(frame.index)})
    by_name = func(*args, **{**kwargs, "weights": "weight"})
    assert _equal(_numbers(aligned), _numbers(by_name))
