"""Test configuration: hypothesis profiles (derandomised in CI)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=100,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# The run at the minimum versions checks that the code works with the oldest releases
# it supports; the properties themselves are explored by the main run.
settings.register_profile("ci-minimum-versions", settings.get_profile("ci"), max_examples=20)
settings.register_profile("dev", deadline=None, max_examples=100)
_default = "ci" if os.environ.get("CI", "").lower() == "true" else "dev"
settings.load_profile(os.environ.get("CXLIB_HYPOTHESIS_PROFILE", _default))
