"""Progress bars: they count the resamples, change no result, and cost nothing when off."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
import tqdm.auto

import cxlib as cx
from cxlib.core.bootstrap import counts_replicates, rows_replicates
from cxlib.core.progress import progress_bar
from cxlib.core.resampled_moments import comoment_replicates
from cxlib.core.studentized import ratio_t_replicates

pytestmark = [
    pytest.mark.filterwarnings("ignore::cxlib.core.errors.DegenerateDataWarning"),
    pytest.mark.filterwarnings("ignore::cxlib.core.errors.CoverageWarning"),
]

SURVEY = cx.datasets.make_survey(400, rng=2)
ORDERS = cx.datasets.make_orders(300, rng=2, days=540)
KEYS = {"customer": "customer_id", "date": "date"}
ITEMS = ["satisfaction", "repurchase", "advocacy"]
ENGAGEMENT = [*ITEMS, "delivers_promise", "fair_resolution"]
LOYALTY = ["loyalty_recommend", "loyalty_repurchase", "loyalty_other_products"]
DRIVERS = ["satisfaction", "effort", "repurchase"]
RNG = np.random.default_rng(3)
CONTROL, VARIANT = RNG.exponential(10.0, 300), RNG.exponential(11.0, 300)
AB_FRAME = pd.DataFrame({"arm": np.repeat(["A", "B"], 300), "y": np.r_[CONTROL, VARIANT]})
B = 1_500  # resamples: more than one batch on no path, but enough to count

#: name -> (function, positional arguments, keyword arguments) of a bootstrap call.
CALLS: dict[str, tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = {
    "nps": (cx.nps, (SURVEY, "recommend"), {"ci_method": "bca", "by": "touchpoint"}),
    "nps weighted": (
        cx.nps,
        (SURVEY, "recommend"),
        {"ci_method": "percentile", "weights": "weight"},
    ),
    "csat": (cx.csat, (SURVEY, "satisfaction"), {"ci_method": "basic"}),
    "ces": (cx.ces, (SURVEY, "effort"), {"ci_method": "bca"}),
    "loyalty_index": (cx.loyalty_index, (SURVEY, LOYALTY), {"ci_method": "percentile"}),
    "secure_customer_index": (cx.secure_customer_index, (SURVEY, ITEMS), {"ci_method": "bca"}),
    "engagement_index": (cx.engagement_index, (SURVEY, ENGAGEMENT), {"ci_method": "percentile"}),
    "commitment_profile": (
        cx.commitment_profile,
        (SURVEY, {"affective": ITEMS}),
        {"scale": "1-5", "ci_method": "percentile"},
    ),
    "key_drivers": (cx.key_drivers, (SURVEY, "recommend", DRIVERS), {"ci_method": "bca"}),
    "driver_difference": (
        cx.driver_difference,
        (SURVEY, "recommend", DRIVERS, ("satisfaction", "effort")),
        {},
    ),
    "purchase_frequency": (cx.purchase_frequency, (ORDERS,), {**KEYS}),
    "average_order_value": (
        cx.average_order_value,
        (ORDERS,),
        {**KEYS, "revenue": "revenue", "ci_method": "bca"},
    ),
    "repeat_purchase_rate": (cx.repeat_purchase_rate, (ORDERS,), {**KEYS, "ci_method": "bca"}),
    "guest_checkout_rate": (
        cx.guest_checkout_rate,
        (ORDERS,),
        {**KEYS, "guest": "guest", "ci_method": "percentile"},
    ),
    "repurchase_rate": (cx.repurchase_rate, (ORDERS,), {**KEYS, "ci_method": "percentile"}),
    "upsell_rate": (cx.upsell_rate, (ORDERS,), {**KEYS, "tier": "tier", "ci_method": "basic"}),
    "retention_rate": (
        cx.retention_rate,
        (ORDERS,),
        {**KEYS, "period_start": "2024-09-01", "period_end": "2025-03-01", "ci_method": "bca"},
    ),
    "churn_rate": (
        cx.churn_rate,
        (ORDERS,),
        {**KEYS, "period_start": "2024-09-01", "period_end": "2025-03-01", "ci_method": "bca"},
    ),
    "ab.compare_means": (cx.ab.compare_means, (CONTROL, VARIANT), {"ci_method": "bca"}),
    "ab.compare_ratios": (
        cx.ab.compare_ratios,
        ((CONTROL, CONTROL + 1.0), (VARIANT, VARIANT + 1.0)),
        {"ci_method": "percentile"},
    ),
    "ab.compare_proportions": (
        cx.ab.compare_proportions,
        ((120, 1000), (150, 1000)),
        {"ci_method": "bca"},
    ),
    "ab.compare": (
        cx.ab.compare,
        (AB_FRAME,),
        {"group": "arm", "control": "A", "metric": cx.ab.Mean("y"), "ci_method": "percentile"},
    ),
}


class Recorder:
    """tqdm writing to a string, keeping the totals and updates of every bar made."""

    bars: ClassVar[list[Recorder]] = []

    def __init__(self, *, total: int, desc: str, **kwargs: Any) -> None:
        self.bar = tqdm.std.tqdm(total=total, desc=desc, file=io.StringIO(), **kwargs)
        self.total, self.updates, self.closed = total, [], False
        Recorder.bars.append(self)

    def update(self, n: int = 1) -> None:
        self.updates.append(n)
        self.bar.update(n)

    def close(self) -> None:
        self.closed = True
        self.bar.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[Recorder]:
    Recorder.bars = []
    monkeypatch.setattr(tqdm.auto, "tqdm", Recorder)
    return Recorder.bars


def _same(a: Any, b: Any) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif hasattr(a, "to_frame"):
        pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    else:
        assert repr(a) == repr(b)
    for name in ("summary", "scores"):  # a commitment profile's parts
        if hasattr(a, name):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("name", list(CALLS))
def test_same_result_and_bar_counts_the_resamples(name: str, recorded: list[Recorder]) -> None:
    function, args, kwargs = CALLS[name]
    before = [a.copy() if hasattr(a, "copy") else a for a in args]
    quiet = function(*args, **kwargs, n_resamples=B, rng=9)
    assert recorded == []  # progress=False never makes a bar
    shown = function(*args, **kwargs, n_resamples=B, rng=9, progress=True)
    _same(quiet, shown)
    assert len(recorded) >= 1
    for bar in recorded:
        assert bar.closed
        assert sum(bar.updates) == bar.total
        # A/B arms resampled one at a time count resamples times arms.
        assert bar.total in (B, 2 * B)
        assert all(n > 0 for n in bar.updates)
    assert any(bar.total == B for bar in recorded) or name.startswith("ab.")
    for old, new in zip(before, args, strict=True):
        if isinstance(old, pd.DataFrame):
            pd.testing.assert_frame_equal(old, new)


@pytest.mark.parametrize("name", ["nps", "key_drivers", "purchase_frequency", "ab.compare_means"])
@pytest.mark.parametrize("bad", ["yes", 1, None, 0.0])
def test_bad_progress_is_refused(name: str, bad: object) -> None:
    function, args, kwargs = CALLS[name]
    with pytest.raises(TypeError, match="progress"):
        function(*args, **kwargs, n_resamples=99, rng=1, progress=bad)


@pytest.mark.parametrize("size", [30, 5_000, 12_000])
def test_engines_update_per_batch_to_the_total(size: int, recorded: list[Recorder]) -> None:
    """Every engine counts to n_resamples in whole batches, with the same replicates."""
    rng = np.random.default_rng(size)
    scores = rng.integers(0, 11, size).astype(float)
    weights = rng.random(size) + 0.5
    codes = (np.arange(size) % 3).astype(np.intp)
    counts = np.array([[size, 2 * size, 3]])
    values = np.array([-100.0, 0.0, 100.0])
    mean = np.array([[np.average(scores[codes == g])] for g in range(3)])
    runs: list[Callable[[bool], Any]] = [
        lambda p: counts_replicates(values, counts, B, np.random.default_rng(1), progress=p),
        lambda p: rows_replicates(
            scores, weights, codes, 3, B, np.random.default_rng(1), progress=p
        ),
        lambda p: ratio_t_replicates(
            scores, weights, codes, 3, np.zeros(3), B, np.random.default_rng(1), progress=p
        ),
        lambda p: comoment_replicates(
            scores[None, :], codes, 3, None, mean, B, np.random.default_rng(1), progress=p
        ),
    ]
    for run in runs:
        Recorder.bars.clear()
        np.testing.assert_array_equal(run(False), run(True))
        (bar,) = recorded
        assert bar.total == B
        assert sum(bar.updates) == B
        assert bar.bar.n == B
        # Batches, not rows: far fewer updates than resamples when rows are many.
        if size >= 5_000:
            assert len(bar.updates) < B


def test_disabled_bar_never_imports_tqdm() -> None:
    code = (
        "import sys, cxlib as cx\n"
        "s = cx.datasets.make_survey(200, rng=1)\n"
        "cx.nps(s, 'recommend', ci_method='bca', n_resamples=200, rng=1)\n"
        "cx.key_drivers(s, 'recommend', ['satisfaction', 'effort'], n_resamples=50, rng=1)\n"
        "assert 'tqdm' not in sys.modules, 'tqdm imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_tqdm_tells_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import of it fails
    with pytest.raises(ImportError, match=r'pip install "cxlib\[progress\]"'):
        progress_bar(10, enabled=True, description="Bootstrap")
    with pytest.raises(ImportError, match="progress"):
        cx.nps(SURVEY, "recommend", ci_method="bca", n_resamples=99, progress=True)
    # Off, tqdm is not needed.
    cx.nps(SURVEY, "recommend", ci_method="bca", n_resamples=99, rng=1, progress=False)


def test_progress_bar_object() -> None:
    with progress_bar(10, enabled=False, description="x") as bar:
        assert bar.update(3) is None
    # The real bar: tqdm's own, counting what it is given.
    with progress_bar(10, enabled=True, description="Bootstrap") as bar:
        assert isinstance(bar, tqdm.std.tqdm)
        assert bar.total == 10
        bar.update(4)
        bar.update(6)
        assert bar.n == 10
    with pytest.raises(TypeError, match="enabled"):
        progress_bar(10, enabled="yes", description="x")  # type: ignore[arg-type]
