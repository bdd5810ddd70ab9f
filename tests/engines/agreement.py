"""How the engine tests compare a result on an engine with the result on pandas."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import cxlib as cx


def same_result(got: Any, want: Any) -> None:
    """Equal to 1e-9: a tidy frame, or an Estimate with its components."""
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-9)
        return
    assert isinstance(got, cx.Estimate)
    assert (got.n, got.n_missing) == (want.n, want.n_missing)
    np.testing.assert_allclose(
        [got.value, got.se, got.ci.low, got.ci.high],
        [want.value, want.se, want.ci.low, want.ci.high],
        rtol=1e-9,
    )
    assert got.components.keys() == want.components.keys()
    np.testing.assert_allclose(
        list(got.components.values()), list(want.components.values()), rtol=1e-9
    )


def same_as_pandas(
    metric: Callable[..., Any], frame: Any, data: pd.DataFrame, **kwargs: Any
) -> Any:
    """``metric`` on the engine's ``frame`` and on pandas ``data``: the same result and
    the same warnings, word for word. Returns the pandas result."""
    with warnings.catch_warnings(record=True) as want_warned:
        warnings.simplefilter("always")
        want = metric(data, **kwargs)
    with warnings.catch_warnings(record=True) as got_warned:
        warnings.simplefilter("always")
        got = metric(frame, **kwargs)
    same_result(got, want)
    assert [str(w.message) for w in got_warned] == [str(w.message) for w in want_warned]
    return want
