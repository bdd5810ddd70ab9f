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

import pytest
from conftest import CLUSTER_ENGINES, ENGINES  # the engines of tests/engines/conftest.py

#: Engines that compile to another engine's SQL (DuckDB here).
TRANSLATING = {"ibis", "sqlframe"}
IN_PROCESS = [name for name in ENGINES if name not in CLUSTER_ENGINES | TRANSLATING]
EVERY = [
    pytest.param(name, marks=[pytest.mark.cluster] if name in CLUSTER_ENGINES else [])
    for name in ENGINES
]
