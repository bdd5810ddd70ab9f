"""Bad input to cx.nps: clear errors naming the argument, never silent coercion."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import cxlib as cx


@pytest.mark.parametrize(
    ("data", "scale", "shown"),
    [
        ([10, 11, 9], "0-10", "[11]"),
        ([-1, 5], "0-10", "[-1]"),
        ([0, 5, 10], "1-10", "[0]"),
        ([1, 8, 8, 9], "1-7", "[8, 9]"),
        ([np.inf, 5.0], "0-10", "[inf]"),
    ],
)
def test_out_of_scale_answers(data: list[float], scale: str, shown: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"out-of-scale values {shown}")) as info:
        cx.nps(data, scale=scale)  # type: ignore[arg-type]
    assert scale in str(info.value)


def test_out_of_scale_answers_name_the_column() -> None:
    df = pd.DataFrame({"recommend": [3, 12, 5]})
    with pytest.raises(ValueError, match=r"column 'recommend' answers must lie on the 0-10"):
        cx.nps(df, "recommend")


def test_non_integer_answers() -> None:
    with pytest.raises(ValueError, match=r"whole-number answers.*non-integers \[7\.5\]"):
        cx.nps([7.5, 9.0, 10.0])


@pytest.mark.parametrize(
    "data",
    [["ten", "nine"], pd.Series(["a", "b"]), np.array(["9", "10"]), [True, False]],
)
def test_non_numeric_answers(data: object) -> None:
    with pytest.raises(TypeError, match="data must hold numbers"):
        cx.nps(data)


def test_strings_in_a_column() -> None:
    df = pd.DataFrame({"q": ["9", 10]})
    with pytest.raises(TypeError, match=r"column 'q' must hold numbers.*'9'"):
        cx.nps(df, "q")


def test_unknown_column_lists_columns() -> None:
    df = pd.DataFrame({"recommend": [9], "touchpoint": ["web"]})
    with pytest.raises(ValueError, match=r"column='score' is not a column.*'recommend'"):
        cx.nps(df, "score")
    with pytest.raises(ValueError, match=r"by='channel' is not a column"):
        cx.nps(df, "recommend", by="channel")
    with pytest.raises(ValueError, match=r"weights='w' is not a column"):
        cx.nps(df, "recommend", weights="w")


def test_missing_column_argument() -> None:
    with pytest.raises(TypeError, match="column is required when data is a DataFrame"):
        cx.nps(pd.DataFrame({"a": [1]}))


def test_column_or_by_without_dataframe() -> None:
    with pytest.raises(TypeError, match="only allowed when data is a DataFrame"):
        cx.nps([1, 2], "a")
    with pytest.raises(TypeError, match="by= needs data as a DataFrame"):
        cx.nps([1, 2], by="g")


@pytest.mark.parametrize("data", [[], np.array([], dtype=float), pd.Series([], dtype="Int64")])
def test_empty_input(data: object) -> None:
    with pytest.raises(ValueError, match="data is empty"):
        cx.nps(data)


def test_two_dimensional_input() -> None:
    with pytest.raises(ValueError, match=r"one-dimensional.*\(2, 2\)"):
        cx.nps([[9, 10], [1, 2]])


@pytest.mark.parametrize("data", [9, "9", {"a": 1}])
def test_scalar_or_mapping_input(data: object) -> None:
    with pytest.raises(TypeError, match="1-D array-like"):
        cx.nps(data)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"ci_method": "exact"}, ValueError, "ci_method must be one of 'score', 'wald'"),
        ({"confidence_level": 95}, ValueError, "strictly between 0 and 1; got 95"),
        ({"confidence_level": 1.0}, ValueError, "strictly between 0 and 1"),
        ({"confidence_level": "0.95"}, TypeError, "confidence_level must be a number"),
        ({"nan_policy": "drop"}, ValueError, "nan_policy must be one of 'omit'"),
        ({"scale": "0-100"}, ValueError, "scale must be an NPSScale or one of '0-10'"),
        ({"weights_kind": "iid"}, ValueError, "weights_kind must be one of 'survey'"),
    ],
)
def test_invalid_options(kwargs: dict[str, object], error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        cx.nps([9, 10], **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("weights", "pattern"),
    [
        ([1.0, -1.0], r"finite and non-negative; got \[-1\]"),
        ([1.0, np.nan], r"finite and non-negative; got \[nan\]"),
        ([1.0, np.inf], r"finite and non-negative; got \[inf\]"),
        ([1.0], r"one value per answer \(2\); got 1"),
    ],
)
def test_invalid_weights(weights: list[float], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        cx.nps([9, 10], weights=weights)


def test_string_weights_are_refused() -> None:
    with pytest.raises(TypeError, match="weights must hold numbers"):
        cx.nps([9, 10], weights=np.array(["a", "b"]))
    with pytest.raises(TypeError, match="needs a DataFrame"):
        cx.nps([9, 10], weights="w")


def test_fractional_frequency_weights() -> None:
    with pytest.raises(ValueError, match=r"frequency weights must be whole numbers.*\[0\.5\]"):
        cx.nps([9, 10], weights=[1, 0.5], weights_kind="frequency")


def test_nan_policy_raise() -> None:
    with pytest.raises(ValueError, match=r"1 missing answer\(s\) and nan_policy='raise'"):
        cx.nps([9, None, 10], nan_policy="raise")


def test_missing_answers_are_counted_not_lost() -> None:
    for data in ([9, None, 10, np.nan], pd.Series([9, pd.NA, 10, pd.NA], dtype="Int64")):
        est = cx.nps(data)
        assert (est.n, est.n_missing, est.value) == (2, 2, 100.0)


def test_nan_policy_propagate() -> None:
    est = cx.nps([9, np.nan, 0], nan_policy="propagate")
    assert np.isnan(est.value)
    assert np.isnan(est.ci.low)
    assert np.isnan(est.se)
    assert (est.n, est.n_missing) == (2, 1)
    df = pd.DataFrame({"g": ["a", "a", "b"], "x": [9, None, 0]})
    out = cx.nps(df, "x", by="g", nan_policy="propagate")
    assert np.isnan(out["value"][0])
    assert out["value"][1] == -100.0


def test_all_missing_warns_and_returns_nan() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="undefined"):
        est = cx.nps([np.nan, None])
    assert np.isnan(est.value)
    assert est.n == 0
    assert est.n_missing == 2


def test_zero_total_weight_warns() -> None:
    with pytest.warns(cx.DegenerateDataWarning, match="positive weight"):
        est = cx.nps([9, 10], weights=[0.0, 0.0])
    assert np.isnan(est.value)


def test_caller_data_is_not_modified() -> None:
    df = pd.DataFrame(
        {
            "x": pd.Series([9, None, 3, 10], dtype="Int64"),
            "g": pd.Categorical(["a", None, "b", None]),
            "w": [1.0, 2.0, 0.5, 1.5],
        }
    )
    before = df.copy(deep=True)
    arr = np.array([9.0, np.nan, 3.0])
    arr_before = arr.copy()
    cx.nps(df, "x", by="g", weights="w")
    cx.nps(arr)
    pd.testing.assert_frame_equal(df, before)
    np.testing.assert_array_equal(arr, arr_before)


@pytest.mark.parametrize(
    "data",
    [
        np.array([9, 10, 3], dtype=np.int8),
        np.array([9, 10, 3], dtype=np.uint8),
        np.array([9.0, 10.0, 3.0], dtype=np.float32),
        pd.Series([9, 10, 3], dtype="Int16"),
        pd.Series([9.0, 10.0, 3.0], dtype="Float64"),
        pd.Series(pd.Categorical([9, 10, 3])),
        pd.Series([9, 10, 3], dtype=object),
        (9, 10, 3),
    ],
)
def test_numeric_dtypes_are_accepted(data: object) -> None:
    assert cx.nps(data).value == pytest.approx(100 / 3)


def test_invalid_scale_definition() -> None:
    with pytest.raises(ValueError, match=r"low <= detractor_max <= passive_max < high"):
        cx.NPSScale(low=0, detractor_max=9, passive_max=8, high=10)
    with pytest.raises(TypeError, match="NPSScale high must be an integer"):
        cx.NPSScale(low=0, detractor_max=6, passive_max=8, high=10.0)  # type: ignore[arg-type]


def test_nps_difference_errors_name_the_sample() -> None:
    with pytest.raises(ValueError, match=r"^b answers must lie on the 0-10 scale"):
        cx.nps_difference([9, 10], [11])
    with pytest.raises(ValueError, match=r"^a is empty"):
        cx.nps_difference([], [9])
    with pytest.raises(TypeError, match="a must be a 1-D array-like"):
        cx.nps_difference(pd.DataFrame({"x": [9]}), [9])
