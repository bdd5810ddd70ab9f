"""Bad and extreme answer arrays given to every function that reads per-unit values.

Each function gets the same answers in many representations (lists, numpy, nullable
and Arrow dtypes, categoricals, masked arrays, object arrays) and must return the
result of the plain float64 array; bad inputs (booleans, text, dates, 2-D arrays,
huge numbers) must raise a ValueError/TypeError naming the argument. The caller's data
is never changed, and the same seed gives the same result whatever the row order.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.core.errors import DegenerateDataWarning

pytestmark = pytest.mark.filterwarnings("ignore::cxlib.core.errors.DegenerateDataWarning")

FEW = settings(max_examples=12, deadline=None)


# ----------------------------------------------------------------------- helpers


def same(a: Any, b: Any) -> bool:
    """Deep equality of user inputs, NaN equal to NaN, masks and dtypes compared."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ma.MaskedArray):
        return bool(
            np.array_equal(np.ma.getmaskarray(a), np.ma.getmaskarray(b))
            and np.array_equal(np.ma.getdata(a), np.ma.getdata(b), equal_nan=a.dtype.kind == "f")
        )
    if isinstance(a, (pd.Series, pd.DataFrame)):
        check = (
            pd.testing.assert_series_equal
            if isinstance(a, pd.Series)
            else pd.testing.assert_frame_equal
        )
        try:
            check(a, b, check_exact=True)
        except AssertionError:
            return False
        return True
    if isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.kind == "f":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool((a == b).all()) if a.dtype.kind != "O" else list(a) == list(b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(
            (isinstance(x, float) and math.isnan(x) and isinstance(y, float) and math.isnan(y))
            or same(x, y)
            for x, y in zip(a, b, strict=True)
        )
    return bool(a == b) if not (isinstance(a, float) and math.isnan(a)) else math.isnan(b)


def numbers_of(result: Any) -> np.ndarray[Any, Any]:
    """The numbers a result reports, for comparing two results."""
    if isinstance(result, (cx.Estimate, cx.Comparison)):
        result = result.to_frame()
    if isinstance(result, pd.DataFrame):
        return result.select_dtypes("number").to_numpy(dtype=np.float64).ravel()
    if hasattr(result, "adjusted"):  # CupedResult
        return np.asarray(result.adjusted, dtype=np.float64)
    if isinstance(result, (pd.Series, np.ndarray)):
        return np.asarray(result, dtype=np.float64).ravel()
    values = [getattr(result, k) for k in ("statistic", "p_value") if hasattr(result, k)]
    return np.asarray(values, dtype=np.float64)


def assert_same_numbers(a: Any, b: Any, rtol: float = 1e-12) -> None:
    x, y = numbers_of(a), numbers_of(b)
    assert x.shape == y.shape
    np.testing.assert_allclose(x, y, rtol=rtol, atol=1e-12, equal_nan=True)


def call_checked(
    func: Callable[..., Any], names: tuple[str, ...], *args: Any, **kwargs: Any
) -> Any:
    """Call ``func``; a cxlib error must name one of ``names``; inputs must not change."""
    before = copy.deepcopy((args, kwargs))
    try:
        result = func(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        assert any(name in message for name in names), message
        assert "Traceback" not in message
        result = exc
    assert same(list(before[0]), list(args))
    assert all(same(before[1][k], kwargs[k]) for k in kwargs)
    return result


# ---------------------------------------------------------- one answer array, many forms


def forms(values: np.ndarray[Any, Any]) -> dict[str, Any]:
    """``values`` (float64, NaN = missing) in every representation users pass."""
    missing = np.isnan(values)
    whole = np.where(missing, 0, values).astype(np.int64)
    as_list: list[Any] = [None if m else int(v) for v, m in zip(whole, missing, strict=True)]
    out: dict[str, Any] = {
        "float64": values.copy(),
        "list": as_list,
        "tuple": tuple(as_list),
        "object": np.array(as_list, dtype=object),
        "Int64": pd.Series(pd.array(as_list, dtype="Int64")),
        "Float64": pd.Series(pd.array(list(values), dtype="Float64")),
        "masked": np.ma.masked_array(np.where(missing, -999, whole), mask=missing),
        "categorical": pd.Series(pd.Categorical(as_list)),
        "series_index": pd.Series(values, index=np.arange(len(values))[::-1] * 7),
    }
    pa = pytest.importorskip("pyarrow")
    out["arrow_int"] = pd.Series(pd.array(as_list, dtype=pd.ArrowDtype(pa.int64())))
    out["arrow_double"] = pd.Series(pd.array(as_list, dtype=pd.ArrowDtype(pa.float64())))
    if not missing.any():
        out["int64"] = whole
        out["int8"] = whole.astype(np.int8)
        out["uint16"] = whole.astype(np.uint16)
    return out


def answers(low: int, high: int, min_size: int = 4) -> st.SearchStrategy[np.ndarray[Any, Any]]:
    values = st.lists(
        st.one_of(st.integers(low, high), st.just(-1)), min_size=min_size, max_size=40
    )
    return values.map(lambda v: np.where(np.array(v) < 0, np.nan, np.array(v, dtype=float))).filter(
        lambda a: (~np.isnan(a)).sum() >= 3 and len(np.unique(a[~np.isnan(a)])) >= 2
    )


SURVEY: dict[str, tuple[Callable[..., Any], int, int]] = {
    "nps": (cx.nps, 0, 10),
    "csat": (cx.csat, 1, 5),
    "ces": (cx.ces, 1, 7),
}


@pytest.mark.parametrize("name", list(SURVEY))
@FEW
@given(data=st.data())
def test_every_representation_gives_the_float64_result(name: str, data: st.DataObject) -> None:
    func, low, high = SURVEY[name]
    values = data.draw(answers(low, high))
    expected = func(values)
    for label, given_values in forms(values).items():
        got = call_checked(func, ("data",), given_values)
        assert not isinstance(got, Exception), (label, got)
        assert_same_numbers(got, expected)
        assert got.n == expected.n, label
        assert got.n_missing == expected.n_missing, label


# A few skewed answers in arms of unequal size may warn that the intervals cover less
# than their level (cx.CoverageWarning); the representations must give the same numbers.
@pytest.mark.filterwarnings("ignore::cxlib.CoverageWarning")
@FEW
@given(values=answers(0, 10), data=st.data())
def test_ab_and_difference_functions_read_every_representation(
    values: np.ndarray[Any, Any], data: st.DataObject
) -> None:
    other = data.draw(answers(0, 10))
    kept, kept_other = values[~np.isnan(values)], other[~np.isnan(other)]
    expected_diff = cx.nps_difference(values, other)
    expected_means = cx.ab.compare_means(kept, kept_other)
    for label, given_values in forms(values).items():
        got = call_checked(cx.nps_difference, ("a",), given_values, other)
        assert not isinstance(got, Exception), (label, got)
        assert_same_numbers(got, expected_diff)
    for label, given_values in forms(kept).items():
        got = call_checked(cx.ab.compare_means, ("control",), given_values, kept_other)
        assert not isinstance(got, Exception), (label, got)
        assert_same_numbers(got, expected_means)


# ----------------------------------------------------------------------- bad inputs

#: Inputs that hold no valid answers: each must be refused (error naming the argument).
BAD: dict[str, Callable[[], Any]] = {
    "true_in_list": lambda: [True, 10, 9, 8],
    "numpy_true_in_list": lambda: [np.True_, 10, 9, 8],
    "bool_array": lambda: np.array([True, False, True]),
    "boolean_series": lambda: pd.Series([True, False, None], dtype="boolean"),
    "bool_object": lambda: np.array([1, True, 3], dtype=object),
    "stray_text": lambda: [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, "x", 9],
    "text": lambda: np.array(["9", "10", "7"]),
    "arrow_text": lambda: pd.Series(["9", "10"], dtype="string[pyarrow]"),
    "text_categorical": lambda: pd.Series(pd.Categorical(["a", "b", "a"])),
    "dates": lambda: pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"])),
    "tz_dates": lambda: pd.Series(pd.date_range("2024-01-01", periods=3, tz="UTC")),
    "timedelta": lambda: np.array([1, 2, 3], dtype="timedelta64[D]"),
    "complex": lambda: np.array([1 + 1j, 2, 3]),
    "two_d": lambda: np.array([[9, 10], [8, 7]]),
    "nested": lambda: [[9, 10], [8]],
    "scalar": lambda: 9,
    "string": lambda: "9, 10",
    "dict": lambda: {"a": 9},
    "frame": lambda: pd.DataFrame({"x": [9, 10, 8]}),
    "huge_int": lambda: [9, 10, 2**70],
    "empty": lambda: [],
    "none": lambda: None,
}

#: Functions of one or two value arrays: (function, arguments with ``X`` for the bad
#: input, names an error may use for it).
X = object()
VALUE_FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[Any, ...], tuple[str, ...]]] = {
    "nps": (cx.nps, (X,), ("data",)),
    "csat": (cx.csat, (X,), ("data",)),
    "ces": (cx.ces, (X,), ("data",)),
    "nps_difference": (cx.nps_difference, ([9, 10, 3, 7], X), ("b",)),
    "compare_means": (cx.ab.compare_means, (X, [1.0, 2.0, 3.0]), ("control",)),
    "compare_ratios": (cx.ab.compare_ratios, ([1.0, 2.0, 3.0], X), ("variant",)),
    "bayesian_means": (cx.ab.bayesian_means, ([1.0, 2.0, 3.0], X), ("variant",)),
    "cuped": (cx.ab.cuped, (X, [1.0, 2.0, 3.0, 4.0]), ("values",)),
    "mean_stats": (cx.ab.MeanStats.from_values, (X,), ("values",)),
    "srm": (cx.ab.srm, (X,), ("observed_counts",)),
    "adjust_pvalues": (cx.ab.adjust_pvalues, (X,), ("p_values",)),
    "power_n": (lambda n: cx.ab.power(0.1, 0.1, n), (X,), ("n",)),
}


def _args(template: tuple[Any, ...], bad: Any) -> tuple[Any, ...]:
    if template is VALUE_FUNCTIONS["compare_ratios"][1]:
        return ((template[0], template[0]), (bad, bad))
    return tuple(bad if a is X else a for a in template)


#: Inputs that are valid for some functions: no units is an empty summary or no
#: p-values to adjust; one sample size is a number.
VALID_FOR = {
    ("mean_stats", "empty"): lambda r: r.n == 0,
    ("adjust_pvalues", "empty"): lambda r: len(r) == 0,
    ("power_n", "empty"): lambda r: len(r) == 0,
    ("power_n", "scalar"): lambda r: r == cx.ab.power(0.1, 0.1, [9])[0],
}


@pytest.mark.parametrize("kind", list(BAD))
@pytest.mark.parametrize("name", list(VALUE_FUNCTIONS))
def test_bad_values_are_refused_naming_the_argument(name: str, kind: str) -> None:
    func, template, names = VALUE_FUNCTIONS[name]
    if name == "nps_difference":
        names = (*names, "data")
    result = call_checked(func, (*names, "values", "covariate"), *_args(template, BAD[kind]()))
    if (name, kind) in VALID_FOR:
        assert VALID_FOR[name, kind](result)
        return
    assert isinstance(result, (ValueError, TypeError)), (name, kind, result)


def test_one_true_in_a_list_is_not_the_answer_1() -> None:
    with pytest.raises(TypeError, match=r"1 boolean \(True would be read as 1\): \[True\]"):
        cx.nps([True, 10, 9])


def test_the_stray_text_answer_is_shown_not_the_first_values() -> None:
    answers_ = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, "n/a", 9]
    with pytest.raises(TypeError, match=r"\['n/a'\] \(first at position 10\)") as info:
        cx.nps(answers_)
    assert "'10'" not in str(info.value)


def test_out_of_scale_huge_value_is_shown_as_it_is() -> None:
    with pytest.raises(ValueError, match=r"1e\+308") as info:
        cx.nps([10, 1e308])
    assert "-9223372036854775808" not in str(info.value)


def test_masked_entries_are_missing_answers() -> None:
    # duckdb's fetchnumpy() returns a column with NULLs as a masked array.
    rng = np.random.default_rng(7)
    data = rng.integers(0, 11, 3000)
    mask = np.zeros(3000, dtype=bool)
    mask[rng.choice(3000, 14, replace=False)] = True
    masked = np.ma.masked_array(np.where(mask, 0, data), mask=mask)
    kept = data[~mask]
    expected = 100.0 * ((kept >= 9).mean() - (kept <= 6).mean())
    result = cx.nps(masked)
    assert result.n == 2986
    assert result.n_missing == 14
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert result.value != pytest.approx(cx.nps(np.where(mask, 0, data)).value)
    with pytest.raises(ValueError, match="missing"):
        cx.nps(masked, nan_policy="raise")


# ----------------------------------------------------------------- weights and indexes


def test_weights_with_another_index_are_refused_not_paired_by_position() -> None:
    data = pd.Series([10, 0, 9, 7], index=[10, 11, 12, 13])
    weights = pd.Series([1.0, 2.0, 3.0, 4.0], index=[13, 12, 11, 10])
    for func in (cx.nps, cx.csat, cx.ces):
        answers_ = data.clip(1, 5) if func is not cx.nps else data
        with pytest.raises(ValueError, match="weights is a pandas object whose index differs"):
            func(answers_, weights=weights)
        aligned = func(answers_, weights=weights.reindex(answers_.index))
        by_position = func(answers_, weights=weights.reindex(answers_.index).to_numpy())
        assert_same_numbers(aligned, by_position)


def test_covariates_with_another_index_are_refused() -> None:
    control = pd.Series([1.0, 2.0, 3.0, 5.0])
    variant = pd.Series([2.0, 3.0, 4.0, 7.0])
    shuffled = pd.Series([1.0, 2.0, 3.0, 4.0], index=[3, 2, 1, 0])
    with pytest.raises(ValueError, match=r"covariates\[0\]"):
        cx.ab.compare_means(control, variant, covariates=(shuffled, variant))
    with pytest.raises(ValueError, match="covariate"):
        cx.ab.cuped(control, shuffled)


@pytest.mark.parametrize("big", [1e200, 1e160, np.finfo(np.float64).max])
def test_huge_weights_and_values_are_refused_not_nan(big: float) -> None:
    with pytest.raises(ValueError, match="weights holds values too large"):
        cx.nps([10, 0, 9], weights=[big, big, 1.0])
    with pytest.raises(ValueError, match="control holds values too large"):
        cx.ab.compare_means([big, -big, 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="variant 'variant' holds values too large"):
        cx.ab.bayesian_means([1.0, 2.0, 3.0], [big, 1.0, 2.0], rng=0)


@FEW
@given(scale=st.sampled_from([1e-140, 1e-3, 1.0, 1e100, 1e140]))
def test_weights_of_any_representable_scale_give_the_same_index(scale: float) -> None:
    w = np.array([1.0, 2.0, 0.5, 3.0, 1.0])
    data = [10, 0, 9, 7, 8]
    expected, scaled = cx.nps(data, weights=w), cx.nps(data, weights=w * scale)
    got = [scaled.value, scaled.se, *scaled.ci]
    np.testing.assert_allclose(got, [expected.value, expected.se, *expected.ci], rtol=1e-9)


def test_weights_too_small_to_square_are_refused() -> None:
    with pytest.raises(ValueError, match="weights holds positive values too small"):
        cx.nps([10, 0, 9], weights=[1e-200, 1.0, 1.0])


@pytest.mark.parametrize(
    ("control", "variant", "match"),
    [
        ((10**30, 10**31), (1, 10), r"control: successes must be at most 2\*\*53"),
        ((1, 10), (1, 2**60), r"variant: trials must be at most 2\*\*53"),
        ((1, 10), (1, 1e300), r"variant: trials must be at most 2\*\*53"),
    ],
)
def test_huge_counts_are_refused_clearly(control: Any, variant: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cx.ab.compare_proportions(control, variant)
    with pytest.raises(ValueError, match=match.replace("variant", "variant 'variant'")):
        cx.ab.bayesian_proportions(control, variant, rng=0)


def test_counts_up_to_2_53_are_exact() -> None:
    n = 2**53
    result = cx.ab.compare_proportions((n // 4, n), (n // 2, n))
    assert result.difference == pytest.approx(0.25, rel=1e-12)


def test_an_arm_without_visitors_has_no_chance_to_be_best() -> None:
    with pytest.raises(ValueError, match="control: trials must be at least 1; got 0"):
        cx.ab.bayesian_proportions((0, 0), (10, 100), rng=0)


def test_credible_level_is_reported_under_its_own_name() -> None:
    for func, arms in (
        (cx.ab.bayesian_proportions, ((5, 10), (6, 10))),
        (cx.ab.bayesian_means, ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])),
    ):
        with pytest.raises(ValueError, match=r"^credible_level must be"):
            func(*arms, credible_level=2.0, rng=0)
        with pytest.raises(TypeError, match=r"^credible_level must be"):
            func(*arms, credible_level="95%", rng=0)


def test_compare_without_a_variant_arm_raises() -> None:
    frame = pd.DataFrame({"arm": ["a", "a", "a"], "y": [1.0, 0.0, 2.0]})
    with pytest.raises(ValueError, match="holds no arm besides control='a'"):
        cx.ab.compare(frame, group="arm", control="a", metric="y")


# ------------------------------------------------------- determinism and row order


BOOTSTRAP_CALLS: dict[str, Callable[[np.ndarray[Any, Any], np.ndarray[Any, Any], int], Any]] = {
    "nps_weighted_bca": lambda x, w, seed: cx.nps(
        np.round(x * 10 % 11), weights=w, ci_method="bca", n_resamples=199, rng=seed
    ),
    "csat_percentile": lambda x, w, seed: cx.csat(
        np.round(x * 4 % 5) + 1, ci_method="percentile", n_resamples=199, rng=seed
    ),
    "ces_weighted_basic": lambda x, w, seed: cx.ces(
        np.round(x * 6 % 7) + 1, weights=w, ci_method="basic", n_resamples=199, rng=seed
    ),
    "compare_means_bca": lambda x, w, seed: cx.ab.compare_means(
        x, x[::-1] + 0.5, ci_method="bca", n_resamples=199, rng=seed
    ),
    "compare_ratios_percentile": lambda x, w, seed: cx.ab.compare_ratios(
        (x, w), (x + 1.0, w), ci_method="percentile", n_resamples=199, rng=seed
    ),
    "bayesian_means": lambda x, w, seed: cx.ab.bayesian_means(x, x + 0.1, n_draws=500, rng=seed),
}


def _bayes_numbers(result: Any) -> np.ndarray[Any, Any]:
    return np.array(
        [result.chance_to_beat_control["variant"], *result.posterior_mean.values()],
        dtype=np.float64,
    )


# Bootstraps of a few skewed values warn (cx.CoverageWarning); determinism is the point.
@pytest.mark.filterwarnings("ignore::cxlib.CoverageWarning")
@pytest.mark.parametrize("name", list(BOOTSTRAP_CALLS))
@FEW
@given(
    x=st.lists(st.floats(0.05, 1.0), min_size=6, max_size=30).map(np.array),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_same_seed_same_result_whatever_the_row_order(
    name: str, x: np.ndarray[Any, Any], seed: int, data: st.DataObject
) -> None:
    w = 0.5 + x[::-1]
    perm = np.array(data.draw(st.permutations(range(len(x)))))
    call = BOOTSTRAP_CALLS[name]
    first, again, permuted = call(x, w, seed), call(x, w, seed), call(x[perm], w[perm], seed)
    if name == "bayesian_means":
        np.testing.assert_array_equal(_bayes_numbers(first), _bayes_numbers(again))
        # the posterior is a function of the arms' summaries: row order cannot matter
        np.testing.assert_allclose(_bayes_numbers(first), _bayes_numbers(permuted), rtol=1e-9)
        return
    np.testing.assert_array_equal(numbers_of(first), numbers_of(again))
    # Resampling is order-invariant (rows sorted by value before drawing): the same
    # estimate and the same interval up to rounding of sums taken in another order.
    np.testing.assert_allclose(numbers_of(first), numbers_of(permuted), rtol=1e-9, atol=1e-9)


def test_degenerate_warning_class_is_cxlibs() -> None:
    # Degenerate data gives NaN with cxlib's warning, never a crash.
    with pytest.warns(DegenerateDataWarning):
        cx.ab.compare_means([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: cx.ab.srm(np.array([2**62, 2**62])), "observed_counts must be .* up to 2\\*\\*53"),
        (lambda: cx.ab.srm([1e300, 1e300]), "observed_counts must be .* up to 2\\*\\*53"),
        (lambda: cx.ab.duration(10**30, 1.0), "visitors must be at most 2\\*\\*53"),
        (lambda: cx.ab.duration(10**400, 1.0), "visitors must be at most 2\\*\\*53"),
        (lambda: cx.ab.sample_size(0.1, 1e-300), "mde is too small"),
        (lambda: cx.ab.sample_size(0.1, 1e-9), "mde is too small"),
        (lambda: cx.ab.power(0.1, 0.1, [10**30]), "n holds integers too large"),
    ],
)
def test_planning_with_huge_counts_is_refused_clearly(call: Callable[[], Any], match: str) -> None:
    # these overflowed (a negative chi-squared, a bare OverflowError or ZeroDivisionError)
    with pytest.raises(ValueError, match=match):
        call()


def test_srm_counts_near_the_limit_match_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    counts = np.array([2**52, 2**52 + 10**8])
    expected = stats.chisquare(counts.astype(float))
    result = cx.ab.srm(counts)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-9)
