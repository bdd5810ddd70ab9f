"""Engine names for tests that choose their own part of the engine matrix.

The ``engine`` fixture (conftest) runs a test on every engine. A test whose calls are
many and slow on a cluster engine (each query of a Dask or Spark frame costs about a
second) runs its full parametrization on the in-process engines with
``@pytest.mark.parametrize("engine", IN_PROCESS, indirect=True)``, and a lighter test
of its own on :data:`EVERY` engine, so that every engine is still covered.
"""

from __future__ import annotations

import pytest
from conftest import CLUSTER_ENGINES, ENGINES  # the engines of tests/engines/conftest.py

IN_PROCESS = [name for name in ENGINES if name not in CLUSTER_ENGINES]
EVERY = [
    pytest.param(name, marks=[pytest.mark.cluster] if name in CLUSTER_ENGINES else [])
    for name in ENGINES
]
