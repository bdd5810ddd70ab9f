"""One vocabulary across the survey functions: the same keyword, default and meaning.

The signatures are read with :func:`inspect.signature` (and the ``typing.overload``
variants, which are what a type checker sees), so a new index or keyword that drifts
from the others fails here. The behaviour tests then check that each shared keyword
does the same thing in every index, on the same data.
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxlib as cx
from cxlib.core.bootstrap import BOOTSTRAP_METHODS

INDICES: dict[str, Callable[..., Any]] = {
    "nps": cx.nps,
    "csat": cx.csat,
    "ces": cx.ces,
    "loyalty_index": cx.loyalty_index,
    "secure_customer_index": cx.secure_customer_index,
    "engagement_index": cx.engagement_index,
}
SINGLE_ITEM = ("nps", "csat", "ces")

#: The keywords every index takes, in this order, with these defaults (``ci_method`` and
#: ``scale`` default per index).
SHARED_ORDER = (
    "scale",
    "by",
    "weights",
    "weights_kind",
    "ci_method",
    "confidence_level",
    "nan_policy",
    "n_resamples",
    "rng",
    "progress",
)
SHARED_DEFAULTS: dict[str, object] = {
    "by": None,
    "weights": None,
    "weights_kind": "survey",
    "confidence_level": 0.95,
    "nan_policy": "omit",
    "n_resamples": 9999,
    "rng": None,
    "progress": False,
}
#: Keywords that mean something in one index only, where they may sit.
OWN_KEYWORDS = {"csat": ("top_box",), "ces": ("easy_box",), "secure_customer_index": ("top_box",)}

#: Answers of each index on its default scale, one respondent per row; row 2 misses one
#: answer. Items: 1 (NPS, CSAT, CES), 3 (loyalty, secure) or 5 (engagement).
ANSWERS: dict[str, list[list[float]]] = {
    "nps": [[10], [9], [np.nan], [7], [3], [10], [0], [8]],
    "csat": [[5], [4], [np.nan], [3], [5], [2], [2], [1]],
    "ces": [[7], [6], [np.nan], [5], [3], [7], [2], [6]],
    "loyalty_index": [
        [1, 2, 3],
        [2, 1, 1],
        [1, np.nan, 2],
        [4, 5, 6],
        [1, 1, 1],
        [3, 2, 6],
        [2, 2, 2],
        [6, 5, 4],
    ],
    "secure_customer_index": [
        [5, 5, 5],
        [5, 5, 5],
        [4, np.nan, 5],
        [2, 3, 4],
        [5, 5, 5],
        [3, 4, 4],
        [5, 5, 4],
        [1, 2, 1],
    ],
    "engagement_index": [
        [5, 4, 5, 4, 5],
        [4, 4, 3, 4, 4],
        [3, 2, np.nan, 3, 3],
        [2, 1, 2, 2, 1],
        [5, 5, 5, 5, 4],
        [4, 3, 4, 3, 3],
        [1, 2, 1, 2, 2],
        [3, 4, 4, 5, 3],
    ],
}


def parameters(func: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(func).parameters)


def frame(name: str) -> tuple[pd.DataFrame, Any]:
    """The answers of ``name`` as a DataFrame with a group, a weight, and the column(s)."""
    values = np.array(ANSWERS[name], dtype=np.float64)
    columns = [f"item_{j}" for j in range(values.shape[1])]
    df = pd.DataFrame(values, columns=columns)
    df["group"] = ["a", "b", "a", "b", "a", "b", "a", "b"]
    df["weight"] = [1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 0.5, 2.0]
    return df, (columns[0] if name in SINGLE_ITEM else columns)


def call(name: str, df: pd.DataFrame, cols: Any, **kwargs: Any) -> Any:
    return INDICES[name](df, cols, **kwargs)


# --------------------------------------------------------------------------- signatures


@pytest.mark.parametrize("name", INDICES)
def test_every_index_takes_the_shared_keywords_with_the_same_defaults(name: str) -> None:
    params = parameters(INDICES[name])
    positional = [p for p in params.values() if p.kind is not p.KEYWORD_ONLY]
    data_name = "column" if name in SINGLE_ITEM else "columns"
    assert [p.name for p in positional] == ["data", data_name]
    for keyword in SHARED_ORDER:
        assert keyword in params, f"{name} has no {keyword}="
        assert params[keyword].kind is inspect.Parameter.KEYWORD_ONLY, keyword
    for keyword, default in SHARED_DEFAULTS.items():
        assert params[keyword].default == default, (name, keyword)
    keywords = [p.name for p in params.values() if p.kind is p.KEYWORD_ONLY]
    assert [k for k in keywords if k in SHARED_ORDER] == list(SHARED_ORDER)
    # nothing but the shared keywords and the index's own options
    assert set(keywords) == set(SHARED_ORDER) | set(OWN_KEYWORDS.get(name, ())), name
    # the index's own options sit after scale= and before the grouping and inference ones
    for own in OWN_KEYWORDS.get(name, ()):
        assert keywords.index("scale") < keywords.index(own) < keywords.index("by")


@pytest.mark.parametrize("keyword", [k for k in SHARED_ORDER if k not in ("scale", "ci_method")])
def test_a_shared_keyword_has_the_same_annotation_everywhere(keyword: str) -> None:
    annotations = {name: str(parameters(f)[keyword].annotation) for name, f in INDICES.items()}
    assert len(set(annotations.values())) == 1, annotations


@pytest.mark.parametrize("name", INDICES)
def test_ci_method_defaults_to_an_analytic_method_and_bootstrap_is_offered(name: str) -> None:
    annotation = str(parameters(INDICES[name])["ci_method"].annotation)
    default = parameters(INDICES[name])["ci_method"].default
    assert default not in BOOTSTRAP_METHODS
    assert annotation.endswith("| BootstrapMethod"), annotation
    df, cols = frame(name)
    assert call(name, df, cols).ci_method == default


@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.get_overloads is 3.11+")
@pytest.mark.parametrize("name", INDICES)
def test_the_overloads_a_type_checker_sees_take_the_same_keywords(name: str) -> None:
    func = INDICES[name]
    overloads = typing.get_overloads(func)
    assert len(overloads) == 2  # by=None -> Estimate, by=columns -> DataFrame
    implementation = list(parameters(func))
    for variant in overloads:
        assert list(parameters(variant)) == implementation
    by_annotations = sorted(str(parameters(v)["by"].annotation) for v in overloads)
    assert by_annotations == ["None", "str | Sequence[str]"]


def test_nps_difference_shares_the_keywords_it_has() -> None:
    params = parameters(cx.nps_difference)
    nps_params = parameters(cx.nps)
    for keyword in ("scale", "confidence_level", "nan_policy"):
        assert params[keyword].kind is inspect.Parameter.KEYWORD_ONLY
        assert params[keyword].default == nps_params[keyword].default, keyword
        assert str(params[keyword].annotation) == str(nps_params[keyword].annotation)


@pytest.mark.parametrize("name", INDICES)
def test_the_accessor_method_mirrors_the_function(name: str) -> None:
    method = getattr(cx.CxAccessor, name)
    params = parameters(method)
    first = "column" if name in SINGLE_ITEM else "columns"
    assert list(params)[:2] == ["self", first]
    # every keyword of the function reaches it unchanged
    assert any(p.kind is p.VAR_KEYWORD for p in params.values())


# --------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize("name", INDICES)
def test_nan_policy_means_the_same_in_every_index(name: str) -> None:
    df, cols = frame(name)
    omitted = call(name, df, cols)
    assert (omitted.n, omitted.n_missing) == (7, 1)
    complete = call(name, df.drop(index=2), cols)
    assert omitted.value == pytest.approx(complete.value, rel=1e-12)
    assert np.isnan(call(name, df, cols, nan_policy="propagate").value)
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        call(name, df, cols, nan_policy="raise")
    with pytest.raises(ValueError, match="nan_policy must be one of 'omit', 'raise'"):
        call(name, df, cols, nan_policy="drop")


@pytest.mark.parametrize("name", INDICES)
@pytest.mark.parametrize(
    ("keyword", "bad", "message"),
    [
        ("confidence_level", 1.5, "confidence_level must be strictly between 0 and 1"),
        ("ci_method", "nope", "ci_method must be one of"),
        ("n_resamples", 0, "n_resamples must be an integer >= 1"),
        ("weights_kind", "analytic", "weights_kind must be one of"),
        ("by", "no_such_column", "no_such_column"),
        ("weights", "no_such_column", "no_such_column"),
    ],
)
def test_a_bad_shared_option_is_refused_with_its_name(
    name: str, keyword: str, bad: object, message: str
) -> None:
    df, cols = frame(name)
    with pytest.raises(ValueError, match=message):
        call(name, df, cols, **{keyword: bad})


@pytest.mark.parametrize("name", INDICES)
def test_confidence_level_widens_the_interval_in_every_index(name: str) -> None:
    df, cols = frame(name)
    narrow = call(name, df, cols, confidence_level=0.8)
    wide = call(name, df, cols, confidence_level=0.99)
    assert (narrow.confidence_level, wide.confidence_level) == (0.8, 0.99)
    assert wide.ci.low <= narrow.ci.low < narrow.ci.high <= wide.ci.high


@pytest.mark.parametrize("name", INDICES)
def test_weights_by_column_or_array_and_frequency_weights_as_repeated_rows(name: str) -> None:
    df, cols = frame(name)
    by_column = call(name, df, cols, weights="weight")
    by_array = call(name, df, cols, weights=df["weight"].to_numpy())
    assert by_column.value == pytest.approx(by_array.value, rel=1e-12)
    assert by_column.se == pytest.approx(by_array.se, rel=1e-12)
    counts = np.array([1, 2, 1, 3, 1, 2, 1, 2])
    repeated = df.loc[df.index.repeat(counts)].reset_index(drop=True)
    frequency = call(
        name, df.assign(weight=counts), cols, weights="weight", weights_kind="frequency"
    )
    plain = call(name, repeated, cols)
    assert frequency.value == pytest.approx(plain.value, rel=1e-12)
    assert frequency.ci.low == pytest.approx(plain.ci.low, rel=1e-9, abs=1e-12)
    assert frequency.ci.high == pytest.approx(plain.ci.high, rel=1e-9, abs=1e-12)
    assert (frequency.n, frequency.n_missing) == (plain.n, plain.n_missing)


@pytest.mark.parametrize("name", INDICES)
def test_by_gives_one_row_per_group_equal_to_the_group_alone(name: str) -> None:
    df, cols = frame(name)
    out = call(name, df, cols, by="group")
    assert list(out["group"]) == ["a", "b"]
    for _, row in out.iterrows():
        alone = call(name, df[df["group"] == row["group"]], cols)
        assert row["value"] == pytest.approx(alone.value, rel=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((alone.ci.low, alone.ci.high))
        assert (row["n"], row["n_missing"]) == (alone.n, alone.n_missing)


@pytest.mark.parametrize("name", INDICES)
def test_rng_and_n_resamples_drive_the_bootstrap_alike(name: str) -> None:
    df, cols = frame(name)
    kwargs: dict[str, Any] = {"ci_method": "percentile", "n_resamples": 999}
    first = call(name, df, cols, rng=7, **kwargs)
    again = call(name, df, cols, rng=np.random.default_rng(7), **kwargs)
    assert (first.ci.low, first.ci.high) == (again.ci.low, again.ci.high)
    assert first.ci_method == "percentile"


@pytest.mark.parametrize("name", INDICES)
def test_the_accessor_passes_every_shared_keyword_through(name: str) -> None:
    df, cols = frame(name)
    kwargs: dict[str, Any] = {
        "weights": "weight",
        "confidence_level": 0.9,
        "nan_policy": "omit",
        "ci_method": "bca",
        "n_resamples": 499,
        "rng": 3,
        "by": "group",
    }
    direct = call(name, df, cols, **kwargs)
    via_accessor = getattr(df.cx, name)(cols, **kwargs)
    pd.testing.assert_frame_equal(direct, via_accessor)
