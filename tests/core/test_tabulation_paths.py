"""Both tabulation strategies (collapsed combination table, per-view tables) agree."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxlib as cx
from cxlib.core import tabulate as _summarise

ENGAGEMENT = ["satisfaction", "repurchase", "recommend", "delivers_promise", "fair_resolution"]
CALLS: list[tuple[str, Any, dict[str, Any]]] = [
    ("nps", "recommend", {}),
    ("csat", "satisfaction", {}),
    ("ces", "effort", {}),
    ("loyalty_index", ["loyalty_recommend", "loyalty_repurchase", "loyalty_other_products"], {}),
    ("secure_customer_index", ["satisfaction", "repurchase", "advocacy"], {}),
    ("engagement_index", ENGAGEMENT, {"scale": ["1-5", "1-5", "0-10", "1-5", "1-5"]}),
]


@pytest.mark.parametrize(("name", "columns", "extra"), CALLS)
@pytest.mark.parametrize("weights", [None, "weight"])
def test_per_view_tables_equal_the_collapsed_combination_table(
    name: str,
    columns: Any,
    extra: dict[str, Any],
    weights: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    survey = cx.datasets.make_survey(4_000, rng=11)
    survey["segment"] = np.random.default_rng(2).integers(0, 40, len(survey))
    func = getattr(cx, name)
    collapsed = func(survey, columns, by=["touchpoint", "segment"], weights=weights, **extra)
    monkeypatch.setattr(_summarise, "_COMBO_CELLS", 0)  # force one table per view
    direct = func(survey, columns, by=["touchpoint", "segment"], weights=weights, **extra)
    pd.testing.assert_frame_equal(collapsed, direct, check_exact=False, rtol=1e-12, atol=1e-9)


@pytest.mark.filterwarnings("ignore::cxlib.DegenerateDataWarning")  # 3 answers per group
def test_many_groups_with_many_combinations() -> None:
    # 10,000 groups x 6,875 answer combinations would be 69 million cells.
    survey = cx.datasets.make_survey(30_000, rng=3)
    survey["segment"] = np.arange(len(survey)) % 10_000
    out = cx.engagement_index(
        survey, ENGAGEMENT, by="segment", scale=["1-5", "1-5", "0-10", "1-5", "1-5"]
    )
    assert len(out) == 10_000
    single = cx.engagement_index(
        survey[survey["segment"] == 7], ENGAGEMENT, scale=["1-5", "1-5", "0-10", "1-5", "1-5"]
    )
    row = out.iloc[7]
    assert row["value"] == pytest.approx(single.value)
    assert row["n"] == single.n
