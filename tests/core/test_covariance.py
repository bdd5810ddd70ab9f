"""Per-group covariance matrices of columns against numpy, group by group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib.core.covariance import covariances


def test_grouped_weighted_covariances_match_numpy() -> None:
    gen = np.random.default_rng(3)
    n = 400
    data = pd.DataFrame(gen.normal(size=(n, 3)) + 1e9, columns=["a", "b", "c"])
    data.loc[[4, 50, 51], "b"] = np.nan
    data["g"] = gen.choice(["x", "y", "z"], n)
    w = gen.uniform(0.2, 3.0, n)
    got = covariances(
        data,
        ["a", "b", "c"],
        by="g",
        weights=w,
        weights_kind="survey",
        reverse=["c"],
        nan_policy="omit",
    )
    assert got.keys is not None
    assert got.keys["g"].tolist() == ["x", "y", "z"]
    for i, key in enumerate(["x", "y", "z"]):
        rows = (data["g"] == key).to_numpy()
        part = data.loc[rows, ["a", "b", "c"]]
        complete = part.notna().all(axis=1).to_numpy()
        x = part.to_numpy()[complete] * [1.0, 1.0, -1.0]
        wi = w[rows][complete]
        assert got.n[i] == complete.sum()
        assert got.n_missing[i] == (~complete).sum()
        cov = np.cov(x, rowvar=False, aweights=wi, ddof=0) * wi.sum()  # sum w d d'
        np.testing.assert_allclose(got.comoment[i], cov, rtol=1e-9)
        assert got.n_ci[i] == pytest.approx(wi.sum() ** 2 / (wi**2).sum())
        # The means are of the columns as given: the sign flips only the co-moments.
        want = wi @ (part.to_numpy()[complete] - 1e9) / wi.sum()
        np.testing.assert_allclose(got.mean[i] - 1e9, want, atol=1e-6)
