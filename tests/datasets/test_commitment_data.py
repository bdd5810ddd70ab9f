"""The generated commitment survey: its columns, its seed, and the model it documents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxlib as cx

ITEMS = cx.datasets.COMMITMENT_ITEMS
ITEM_COLUMNS = [c for cols in ITEMS.values() for c in cols]


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return cx.datasets.make_commitment_survey(20_000, rng=4)


def test_columns_and_answer_scales(survey: pd.DataFrame) -> None:
    assert list(survey.columns) == [
        "respondent_id",
        "segment",
        *ITEM_COLUMNS,
        "satisfaction",
        "recommend",
        "repurchase",
        "weight",
    ]
    assert list(ITEMS) == list(cx.COMMITMENT_DIMENSIONS)
    assert set(cx.datasets.COMMITMENT_REVERSED) <= set(ITEM_COLUMNS)
    for column in [*ITEM_COLUMNS, "satisfaction", "repurchase"]:
        assert survey[column].between(1, 7).all(), column
        assert survey[column].dtype == np.int64
    assert survey["recommend"].between(0, 10).all()
    assert survey["weight"].mean() == pytest.approx(1.0)
    assert list(survey["segment"].cat.categories) == list(cx.datasets.COMMITMENT_SEGMENTS)
    assert survey["respondent_id"].is_unique


def test_the_seed_fixes_the_survey() -> None:
    first = cx.datasets.make_commitment_survey(300, rng=11)
    pd.testing.assert_frame_equal(first, cx.datasets.make_commitment_survey(300, rng=11))
    assert not first.equals(cx.datasets.make_commitment_survey(300, rng=12))


def test_segment_shares_and_shifts(survey: pd.DataFrame) -> None:
    shares = survey["segment"].value_counts(normalize=True)
    for name, (share, shift) in cx.datasets.COMMITMENT_SEGMENTS.items():
        assert shares[name] == pytest.approx(share, abs=0.015)
        # An item is round(4 + 1.25 * loading * latent + noise): a latent shift moves the
        # item means of the first item by about 1.25 * 0.85 * shift (less where clipped).
        part = survey[survey["segment"] == name]
        base = survey[survey["segment"] == "general"]
        for dim, s in zip(cx.COMMITMENT_DIMENSIONS, shift, strict=True):
            moved = part[f"{dim}_1"].mean() - base[f"{dim}_1"].mean()
            assert moved == pytest.approx(1.25 * 0.85 * s, abs=0.12 + 0.1 * abs(s)), (name, dim)


def test_items_load_on_their_own_dimension(survey: pd.DataFrame) -> None:
    corr = survey[ITEM_COLUMNS].corr().to_numpy()
    sign = np.array([-1.0 if c in cx.datasets.COMMITMENT_REVERSED else 1.0 for c in ITEM_COLUMNS])
    corr = corr * np.outer(sign, sign)
    dim = np.repeat(np.arange(5), 3)
    same = (dim[:, None] == dim[None, :]) & ~np.eye(15, dtype=bool)
    assert corr[same].min() > 0.45
    assert np.abs(corr[~same & ~np.eye(15, dtype=bool)]).max() < 0.4
    # the reverse-keyed item runs against its siblings
    raw = survey[["normative_1", "normative_3"]].corr().iloc[0, 1]
    assert raw < -0.45


def test_the_model_coefficients_are_consistent() -> None:
    model = cx.datasets.COMMITMENT_MODEL
    gamma = model["loyalty"]["satisfaction"]
    for d in cx.COMMITMENT_DIMENSIONS:
        assert model["loyalty_total"][d] == pytest.approx(
            model["loyalty"][d] + gamma * model["satisfaction"][d]
        )
    total = model["loyalty_total"]
    assert max(total, key=total.__getitem__) == "affective"
    assert min(total, key=total.__getitem__) == "forced"
    assert total["forced"] < 0
    direct = model["loyalty"]
    assert max(direct, key=direct.__getitem__) == "satisfaction"


def test_missing_answers() -> None:
    data = cx.datasets.make_commitment_survey(4_000, rng=5, missing_rate=0.05)
    for column in ITEM_COLUMNS:
        assert str(data[column].dtype) == "Int64"
        assert data[column].isna().mean() == pytest.approx(0.05, abs=0.015)
    profile = cx.commitment_profile(data, ITEMS, reverse=cx.datasets.COMMITMENT_REVERSED)
    assert (profile.summary["n_missing"] > 0).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "n must be a positive integer"),
        ({"n": 2.5}, "n must be a positive integer"),
        ({"n": True}, "n must be a positive integer"),
        ({"n": 10, "missing_rate": 1.0}, r"missing_rate must be in \[0, 1\)"),
        ({"n": 10, "missing_rate": -0.1}, r"missing_rate must be in \[0, 1\)"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cx.datasets.make_commitment_survey(**kwargs)  # type: ignore[arg-type]
