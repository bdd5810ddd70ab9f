"""Group coding: the same codes as pandas.factorize(sort=True), whatever the key type.

cxlib hashes the rows and sorts only the distinct keys; pandas (the reference here) and
numpy.unique are the independent references for the codes, the keys and their order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib as cx
from cxlib.core.grouping import (
    _argsort_arrow_strings,
    dense_rank,
    factorize,
    factorize_column,
    make_groups,
)

pa = pytest.importorskip("pyarrow")

# Small pools so that keys repeat; strings share prefixes, hold NULs and non-ASCII.
_TEXT = st.text(alphabet=st.sampled_from("ab\x00é€z"), max_size=12)
_STRINGS = st.lists(_TEXT, min_size=1, max_size=6, unique=True)
_KINDS = (
    "int",
    "wide_int",
    "int8",
    "uint64",
    "float",
    "str",
    "object",
    "arrow_string",
    "python_string",
    "categorical",
    "Int64",
    "boolean",
    "datetime",
    "datetime_tz",
    "int_pyarrow",
)


def _column(kind: str, picks: list[int], pool: list[str], missing: list[bool]) -> pd.Series[Any]:
    """A key column of the given kind; ``picks`` index a pool of distinct keys."""
    ints = np.asarray(picks, dtype=np.int64)
    miss = (
        np.asarray(missing, dtype=bool)
        if kind not in ("int", "wide_int", "int8", "uint64")
        else None
    )
    if kind == "int":
        return pd.Series(ints * 3 - 7)
    if kind == "wide_int":
        return pd.Series(ints * 10**15 - 3 * 10**15)  # too wide to count: hashed
    if kind == "int8":
        return pd.Series((ints * 37 % 256 - 128).astype(np.int8))
    if kind == "uint64":
        return pd.Series(np.uint64(2**64 - 1) - ints.astype(np.uint64) * np.uint64(2**60))
    assert miss is not None
    if kind == "float":
        return pd.Series(np.where(miss, np.nan, ints / 4.0))
    if kind in ("datetime", "datetime_tz"):
        dates = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(ints, unit="D"))
        if kind == "datetime_tz":
            dates = dates.dt.tz_localize("Europe/Berlin")
        return dates.mask(miss)
    if kind in ("Int64", "int_pyarrow"):
        values = pd.array(np.where(miss, 0, ints * 5 - 9), dtype="Int64")
        values[miss] = pd.NA
        return pd.Series(values).astype("int64[pyarrow]" if kind == "int_pyarrow" else "Int64")
    if kind == "boolean":
        values = pd.array(ints % 2 == 1, dtype="boolean")
        values[miss] = pd.NA
        return pd.Series(values)
    labels = np.array([pool[i % len(pool)] for i in picks], dtype=object)
    labels[miss] = None
    if kind == "object":
        return pd.Series(labels, dtype=object)
    if kind == "str":
        return pd.Series(labels, dtype="str")  # Arrow-backed with pyarrow installed
    if kind == "arrow_string":
        return pd.Series(labels, dtype="string[pyarrow]")
    if kind == "python_string":
        return pd.Series(labels, dtype="string[python]")
    assert kind == "categorical"
    # Categories in an order of their own, with one that never occurs.
    categories = [*sorted(set(pool), reverse=True), "never"]
    return pd.Series(pd.Categorical(labels, categories=list(dict.fromkeys(categories))))


@st.composite
def key_columns(draw: st.DrawFn, kind: str | None = None) -> pd.Series[Any]:
    kind = draw(st.sampled_from(_KINDS)) if kind is None else kind
    n = draw(st.integers(0, 40))
    picks = draw(st.lists(st.integers(0, 7), min_size=n, max_size=n))
    missing = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return _column(kind, picks, draw(_STRINGS), missing)


def _assert_index_equal(got: pd.Index[Any], want: pd.Index[Any]) -> None:
    pd.testing.assert_index_equal(got, pd.Index(want), exact=True)


@given(key_columns())
@settings(max_examples=200)
def test_factorize_is_pandas_sorted_factorize(values: pd.Series[Any]) -> None:
    codes, uniques = factorize(values)
    want_codes, want_uniques = pd.factorize(values, sort=True)
    np.testing.assert_array_equal(codes, want_codes)
    _assert_index_equal(uniques, want_uniques)


@given(key_columns())
@settings(max_examples=200)
def test_factorize_column_codes_missing_last(values: pd.Series[Any]) -> None:
    codes, keys = factorize_column(values)
    # Every row's code points at its own key (missing at a missing key) ...
    mapped = keys.take(codes)
    missing = values.isna().to_numpy()
    np.testing.assert_array_equal(mapped.isna(), missing)
    pd.testing.assert_series_equal(
        pd.Series(mapped[~missing]),
        values[~missing].reset_index(drop=True),
        check_names=False,
    )
    # ... and the keys that occur are pandas' keys in pandas' order, missing last.
    used = keys.take(np.unique(codes))
    _, want = pd.factorize(values, sort=True, use_na_sentinel=False)
    _assert_index_equal(used, pd.Index(want))


@given(key_columns(), st.randoms(use_true_random=False))
@settings(max_examples=100)
def test_codes_do_not_depend_on_row_order(values: pd.Series[Any], random: Any) -> None:
    perm = np.arange(len(values))
    random.shuffle(perm)
    codes, uniques = factorize(values)
    codes_p, uniques_p = factorize(values.iloc[perm])
    np.testing.assert_array_equal(codes_p, codes[perm])
    _assert_index_equal(uniques_p, uniques)


@given(st.lists(st.sampled_from(_KINDS), min_size=2, max_size=3), st.data())
@settings(max_examples=100)
def test_make_groups_matches_pandas_groupby(kinds: list[str], data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 40))
    frame = {}
    for j, kind in enumerate(kinds):
        picks = data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
        missing = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
        frame[f"k{j}"] = _column(kind, picks, data.draw(_STRINGS), missing)
    df = pd.DataFrame(frame)
    names = list(df.columns)
    groups = make_groups(df, names)
    grouped = df.groupby(names, sort=True, dropna=False, observed=True)
    np.testing.assert_array_equal(groups.codes, grouped.ngroup().to_numpy())
    want = grouped.size().reset_index()[names]
    # pandas infers the str dtype for object keys; cxlib keeps every column's dtype.
    pd.testing.assert_frame_equal(groups.keys, want, check_column_type=False, check_dtype=False)
    assert list(groups.keys.dtypes) == list(df.dtypes)


_INT_DTYPES = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32, np.uint64)


@given(
    st.sampled_from(_INT_DTYPES),
    st.lists(st.integers(0, 2**64 - 1), min_size=0, max_size=50),
    st.integers(1, 2**64 - 1),
)
@settings(max_examples=300)
def test_dense_rank_is_numpy_unique(dtype: Any, raw: list[int], scale: int) -> None:
    info = np.iinfo(dtype)
    # Spread over the whole range of the dtype (extremes included) or packed densely.
    span = int(info.max) - int(info.min)
    values = np.array([int(info.min) + (r * scale) % (span + 1) for r in raw], dtype=dtype)
    uniques, codes = dense_rank(values)
    want_uniques, want_codes = np.unique(values, return_inverse=True)
    assert uniques.dtype == values.dtype
    np.testing.assert_array_equal(uniques, want_uniques)
    np.testing.assert_array_equal(codes, want_codes.ravel())


def test_dense_rank_counting_and_hashing_paths_agree() -> None:
    rng = np.random.default_rng(3)
    dense = rng.integers(-50, 50, 10_000)  # counted
    sparse = dense * 10**12  # hashed
    u1, c1 = dense_rank(dense)
    u2, c2 = dense_rank(sparse)
    np.testing.assert_array_equal(c1, c2)
    np.testing.assert_array_equal(u1 * 10**12, u2)


def test_dense_rank_refuses_non_integers() -> None:
    with pytest.raises(TypeError, match="integer"):
        dense_rank(np.array([1.5, 2.0]))  # type: ignore[arg-type]


@given(st.lists(st.text(max_size=20), min_size=2, max_size=60, unique=True), st.text(max_size=10))
@settings(max_examples=300)
def test_arrow_string_sort_is_code_point_order(strings: list[str], prefix: str) -> None:
    # A common prefix (searched past) and any code points, NUL and surrogate-free text.
    labels = [prefix + s for s in strings]
    for kind in (pa.string(), pa.large_string()):
        array = pd.array(pa.array(labels, type=kind), dtype=pd.ArrowDtype(kind))
        order = _argsort_arrow_strings(array)
        assert order is not None
        assert [labels[i] for i in order] == sorted(labels)


def test_arrow_string_sort_of_a_slice() -> None:
    # An Arrow array with an offset into its buffers (a slice) is read from the offset.
    labels = pa.array(["zz", "b", "a", "ab\x00", "ab", "c"]).slice(1, 4)
    order = _argsort_arrow_strings(pd.array(labels, dtype=pd.ArrowDtype(pa.string())))
    assert order is not None
    assert [labels[int(i)].as_py() for i in order] == ["a", "ab", "ab\x00", "b"]


def test_grouped_nps_does_not_depend_on_row_order_or_key_type() -> None:
    rng = np.random.default_rng(7)
    n = 3_000
    codes = rng.integers(0, 40, n)
    names = np.array([f"store-{i:03d}" for i in rng.permutation(40)], dtype=object)
    score = rng.integers(0, 11, n)
    variants = {
        "str": pd.Series(names[codes], dtype="str"),
        "object": pd.Series(names[codes], dtype=object),
        "categorical": pd.Series(pd.Categorical(names[codes], categories=sorted(names))),
    }
    perm = rng.permutation(n)
    results = []
    for key in variants.values():
        df = pd.DataFrame({"store": key, "score": score})
        out = cx.nps(df, "score", by="store")
        shuffled = cx.nps(df.iloc[perm], "score", by="store")
        pd.testing.assert_frame_equal(out, shuffled)
        results.append(out.assign(store=out["store"].astype(object)))
    for other in results[1:]:
        pd.testing.assert_frame_equal(results[0], other)
    # Counts checked against a pandas group-by of the same rows.
    counts = pd.Series(score >= 9).groupby(variants["object"].to_numpy()).sum()
    np.testing.assert_array_equal(results[0]["n_promoters"], counts.to_numpy())


@pytest.mark.parametrize("kind", ["int", "str", "categorical"])
def test_rfm_summary_same_for_every_id_type_and_row_order(kind: str) -> None:
    orders = cx.datasets.make_orders(300, rng=5, days=400)
    ids = orders["customer_id"]
    labels = ids.map(lambda v: f"C{int(v) * 7919 % 100_003:06d}", na_action="ignore")
    if kind == "str":
        orders = orders.assign(customer_id=labels.astype("str"))
    elif kind == "categorical":
        orders = orders.assign(customer_id=pd.Categorical(labels))
    summary = cx.rfm_summary(orders, customer="customer_id", date="date", revenue="revenue")
    perm = np.random.default_rng(1).permutation(len(orders))
    shuffled = cx.rfm_summary(
        orders.iloc[perm], customer="customer_id", date="date", revenue="revenue"
    )
    pd.testing.assert_frame_equal(summary, shuffled)
    # The customers in sorted order, and their repeat days, from a pandas group-by.
    known = orders.dropna(subset=["customer_id"])
    days = known.assign(day=known["date"].dt.normalize()).drop_duplicates(["customer_id", "day"])
    want = days.groupby("customer_id", observed=True).size() - 1
    assert list(summary.index) == list(want.index)
    np.testing.assert_array_equal(summary["frequency"].to_numpy(), want.to_numpy())
