"""Every result type: to_frame, to_dict (JSON), HTML, intervals, pickling, deep copies."""

from __future__ import annotations

import copy
import json
import math
import pickle
import re
import warnings
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxlib as cx
from cxlib.core.display import format_interval, json_safe


def quiet(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CxlibWarning)
        return fn(*args, **kwargs)


def _results() -> dict[str, Any]:
    rng = np.random.default_rng(3)
    y = rng.normal(10.0, 2.0, 200)
    x = y + rng.normal(0.0, 1.0, 200)
    return {
        "estimate": cx.nps([10, 9, 8, 7, 3, None]),
        "estimate_nan": cx.Estimate("nps", math.nan, math.nan, (math.nan, math.nan), 0.9, "s", 0),
        "comparison": cx.nps_difference([10, 10, 9, 0], [0, 3, 9, 8]),
        "comparison_lift": cx.ab.compare_proportions((400, 10_000), (504, 10_000)),
        "comparison_one_sided": cx.ab.compare_means(y, y + 0.5, alternative="greater"),
        "comparison_undefined_lift": quiet(
            cx.compare_estimates,
            cx.Estimate("m", 1.0, 0.5, (0.0, 2.0), 0.95, "t", 10),
            cx.Estimate("m", 0.2, 0.5, (-0.8, 1.2), 0.95, "t", 10),
        ),
        "cuped": cx.ab.cuped(y, x),
        "sample_size": cx.ab.sample_size(baseline=0.05, mde=0.1),
        "srm": cx.ab.srm([5_000, 5_150]),
        "bayes_proportions": cx.ab.bayesian_proportions((120, 1000), (150, 1000), rng=1),
        "bayes_means": cx.ab.bayesian_means(y, y + 0.3, rng=1),
        "mean_summary": cx.ab.MeanSummary(100, 2.5, 1.25),
    }


RESULTS = _results()
NAMES = sorted(RESULTS)


@pytest.mark.parametrize("name", NAMES)
def test_to_dict_is_json(name: str) -> None:
    result = RESULTS[name]
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)  # strict JSON: no NaN or Infinity tokens
    assert json.loads(text) == data


@pytest.mark.parametrize("name", NAMES)
def test_to_frame_and_html(name: str) -> None:
    result = RESULTS[name]
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) >= 1
    html = result._repr_html_()
    assert html.startswith("<div>")
    assert "<table" in html


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("how", ["pickle", "deepcopy", "copy"])
def test_pickle_and_copies_are_equivalent(name: str, how: str) -> None:
    result = RESULTS[name]
    clone = {
        "pickle": lambda r: pickle.loads(pickle.dumps(r)),
        "deepcopy": copy.deepcopy,
        "copy": copy.copy,
    }[how](result)
    assert type(clone) is type(result)
    assert clone.to_dict() == result.to_dict()
    assert str(clone) == str(result)
    pd.testing.assert_frame_equal(clone.to_frame(), result.to_frame())
    # The read-only mappings are read-only again.
    for value in vars(clone).values() if hasattr(clone, "__dict__") else ():
        if isinstance(value, MappingProxyType):
            with pytest.raises(TypeError):
                value["x"] = 1  # type: ignore[index]


def test_pickled_results_compare_equal_and_stay_read_only() -> None:
    est = RESULTS["estimate"]
    assert pickle.loads(pickle.dumps(est)) == est
    assert copy.deepcopy(RESULTS["comparison_lift"]) == RESULTS["comparison_lift"]
    clone = pickle.loads(pickle.dumps(est))
    assert isinstance(clone.components, MappingProxyType)
    cuped = pickle.loads(pickle.dumps(RESULTS["cuped"]))
    assert not cuped.adjusted.flags.writeable
    np.testing.assert_array_equal(cuped.adjusted, RESULTS["cuped"].adjusted)
    bayes = pickle.loads(pickle.dumps(RESULTS["bayes_proportions"]))
    assert isinstance(bayes.lift_ci, MappingProxyType)
    assert bayes.lift_ci["variant"] == RESULTS["bayes_proportions"].lift_ci["variant"]


def test_results_survey_a_process_pool_round_trip() -> None:
    # What multiprocessing and joblib do: pickle with the highest protocol.
    for result in RESULTS.values():
        clone = pickle.loads(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        assert clone.to_dict() == result.to_dict()


def test_level_and_method_are_kept() -> None:
    est = cx.nps([10, 9, 8, 7, 3], confidence_level=0.9, ci_method="wald")
    assert est.to_frame()[["confidence_level", "ci_method"]].iloc[0].tolist() == [0.9, "wald"]
    assert (est.to_dict()["confidence_level"], est.to_dict()["ci_method"]) == (0.9, "wald")
    comp = cx.ab.compare_proportions((40, 1000), (55, 1000), confidence_level=0.8)
    frame = comp.to_frame()
    assert frame[["confidence_level", "ci_method"]].iloc[0].tolist() == [0.8, "fieller"]
    data = comp.to_dict()
    assert (data["confidence_level"], data["ci_method"]) == (0.8, "fieller")
    assert "method" not in data
    assert comp.ci_method == comp.method == "fieller"
    bayes = RESULTS["bayes_proportions"].to_frame()
    assert set(bayes["credible_level"]) == {0.95}
    assert "confidence_level" not in bayes.columns


def test_to_dict_converts_nan_tuples_and_numpy_scalars() -> None:
    data = RESULTS["comparison_undefined_lift"].to_dict()
    assert data["lift_ci"] == [None, None]
    assert isinstance(data["difference_ci"], list)
    assert data["estimates"][0]["ci"] == [0.0, 2.0]
    one_sided = RESULTS["comparison_one_sided"].to_dict()
    assert one_sided["difference_ci"][1] is None  # +inf: open side
    assert json_safe({"a": np.int64(3), "b": np.float32(0.5), "c": np.bool_(True)}) == {
        "a": 3,
        "b": 0.5,
        "c": True,
    }
    assert type(json_safe(np.int64(3))) is int
    assert json_safe(pd.Timestamp("2024-01-02")) == "2024-01-02T00:00:00"
    with pytest.raises(TypeError, match="cannot convert a object to JSON"):
        json_safe(object())


def test_confidence_interval_accessors() -> None:
    est = RESULTS["estimate"]
    assert est.confidence_interval() == est.ci
    assert isinstance(est.confidence_interval(), cx.ConfidenceInterval)
    comp = RESULTS["comparison_lift"]
    assert comp.confidence_interval() == comp.difference_ci
    assert comp.confidence_interval("lift") == comp.lift_ci
    with pytest.raises(ValueError, match="no lift"):
        RESULTS["comparison"].confidence_interval("lift")
    with pytest.raises(ValueError, match="of must be"):
        comp.confidence_interval("ratio")  # type: ignore[arg-type]
    bayes = RESULTS["bayes_proportions"]
    assert bayes.interval("control") == bayes.credible_interval["control"]
    assert bayes.interval("variant", of="lift") == bayes.lift_ci["variant"]
    with pytest.raises(ValueError, match="is the control"):
        bayes.interval("control", of="lift")
    with pytest.raises(ValueError, match="arm must be one of"):
        bayes.interval("nope")


# ----------------------------------------------------------------------------- digits

NUMBER = r"[+-]?(?:\d+\.?\d*(?:e[+-]\d+)?|inf|nan)"


def shown(text: str) -> list[float]:
    return [float(x) for x in re.findall(NUMBER, text)]


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        (1e-12, 0.8e-12, 1.2e-12),  # tiny
        (-3.2e-9, -4.1e-9, -2.0e-9),
        (1.234567e15, 1.2e15, 1.27e15),  # huge
        (7.5e10, 7.49e10, 7.51e10),
        (33.3333, -22.47, 89.13),  # ordinary
        (0.010397, 0.0049, 0.0159),
        (123456.789, 123400.0, 123500.0),
    ],
)
def test_displayed_numbers_keep_the_digits_the_interval_supports(
    value: float, low: float, high: float
) -> None:
    texts = format_interval(value, low, high)
    numbers = [float(t) for t in texts]
    width = high - low
    # Each number is shown to within a twentieth of the interval's width ...
    for x, y in zip(numbers, (value, low, high), strict=True):
        assert abs(x - y) <= width / 20
    # ... and the bounds shown are distinct, unlike "+0.0% (+0.0% to +0.0%)".
    assert numbers[1] < numbers[2]
    # Not more digits than that: at most two significant digits of the width, plus one.
    assert all(len(re.sub(r"[^0-9]", "", t.split("e")[0])) <= 13 for t in texts)


def test_a_tiny_lift_is_not_shown_as_zero() -> None:
    a = cx.Estimate("m", 1.0 + 1e-12, 1e-14, (1.0, 1.0), 0.95, "t", 10**9)
    b = cx.Estimate("m", 1.0, 1e-14, (1.0, 1.0), 0.95, "t", 10**9)
    text = str(cx.compare_estimates(a, b))
    assert "+0.0%" not in text
    lift = re.search(rf"lift ({NUMBER})% \(({NUMBER})% to ({NUMBER})%\)", text)
    assert lift is not None
    value, low, high = (float(g) for g in lift.groups())
    comp = cx.compare_estimates(a, b)
    assert value == pytest.approx(100 * comp.lift, rel=0.01)
    assert low == pytest.approx(100 * comp.lift_ci.low, rel=0.05)
    assert high == pytest.approx(100 * comp.lift_ci.high, rel=0.05)
    # The difference, too, is shown in scientific notation.
    assert shown(text.split("difference")[1])[0] == pytest.approx(comp.difference, rel=0.01)


def test_huge_and_ordinary_displays() -> None:
    huge = cx.Estimate("revenue", 2.5e12, 1e9, (2.498e12, 2.502e12), 0.95, "t", 100)
    assert str(huge).startswith("revenue 2.5000e+12 (95% CI 2.4980e+12 to 2.5020e+12, t)")
    assert str(cx.nps([10, 9, 8, 7, 6, 0, None])).startswith("NPS 0.0 (95% CI -55.8 to 55.8")
    degenerate = cx.Estimate("m", 1.5e-7, 0.0, (1.5e-7, 1.5e-7), 0.95, "t", 3)
    assert str(degenerate).startswith("m 1.500e-07 (95% CI 1.500e-07 to 1.500e-07")
