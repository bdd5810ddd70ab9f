"""Engine names for tests that choose their own part of the engine matrix.

The ``engine`` fixture (conftest) runs a test on every engine. A test whose calls are
many runs its full parametrization on the native in-process engines with
``@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)``, and a lighter test
of its own on every engine (the plain ``engine`` fixture), so that every engine is
still covered: each query of a Dask or Spark frame costs about a second, and Ibis and
SQLFrame compile to the SQL of DuckDB, which :data:`IN_PROCESS` tests natively (a
SQLFrame query costs seconds to compile).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pytest
from conftest import CLUSTER_ENGINES, ENGINES  # the engines of tests/engines/conftest.py

#: Engines that compile to another engine's SQL (DuckDB here).
TRANSLATING = {"ibis", "sqlframe"}
IN_PROCESS = [name for name in ENGINES if name not in CLUSTER_ENGINES | TRANSLATING]
EVERY = [
    pytest.param(name, marks=[pytest.mark.cluster] if name in CLUSTER_ENGINES else [])
    for name in ENGINES
]

#: Engines where every query costs a second or more: the clusters, and SQLFrame, whose
#: SQL sqlglot writes in Python.
SLOW = CLUSTER_ENGINES | {"sqlframe"}


def engine_cases(
    values: Sequence[Any], *, slow: Sequence[Any], ids: Sequence[str] | None = None
) -> list[Any]:
    """``(engine, value)`` cases: every value on the fast engines, ``slow`` on the others.

    For ``@pytest.mark.parametrize(("engine", "value"), engine_cases(...),
    indirect=["engine"])``: a test with many cases runs all of them where a query is
    cheap, and the ``slow`` ones (a subset of ``values``) on :data:`SLOW`, so that every
    engine still runs the test. ``ids`` name the values (default: their ``str``).
    """
    names = [str(value) for value in values] if ids is None else list(ids)
    if len(names) != len(values) or any(value not in values for value in slow):
        raise ValueError("ids must name every value, and slow must be a subset of values")
    cases = []
    for engine in ENGINES:
        marks = [pytest.mark.cluster] if engine in CLUSTER_ENGINES else []
        for value, name in zip(values, names, strict=True):
            if engine not in SLOW or value in slow:
                cases.append(pytest.param(engine, value, marks=marks, id=f"{engine}-{name}"))
    return cases


def same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """An engine's result frame equals pandas' up to the float rounding of a reduction."""
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-9, atol=1e-12)
