"""The engine reductions against pandas and numpy: counts, centred moments, errors."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from cxlib.core.frames import centred_moments, count_values, engine_frame, is_engine_frame


def _data(offset: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 600
    frame = pd.DataFrame(
        {
            "g": rng.choice(["b", "a", "c"], n).astype(object),
            "h": rng.integers(0, 2, n),
            "x": offset + rng.random(n),
            "y": offset / 3 + 2 * rng.random(n),
            "answer": rng.integers(0, 11, n).astype(np.float64),
            "w": rng.uniform(0.5, 2.0, n),
        }
    )
    frame.loc[[3, 17], "g"] = None
    frame.loc[[5, 40], "x"] = np.nan
    frame.loc[[7, 8], "answer"] = np.nan
    return frame


@pytest.mark.parametrize("offset", [0.0, 1e9])
def test_centred_moments_match_numpy_two_pass(engine, offset: float) -> None:
    convert = engine
    data = _data(offset)
    got = centred_moments(
        engine_frame(convert(data)), ["g", "h"], ["x", "y"], [("x", "y")], third=True
    )
    complete = data.dropna(subset=["x", "y"])
    keys = data[["g", "h"]].drop_duplicates()
    want = keys.sort_values(["g", "h"], na_position="last").reset_index(drop=True)

    def listed(keys: pd.DataFrame) -> list[list[object]]:
        return keys.astype(object).where(keys.notna(), None).to_numpy().tolist()

    assert listed(got[["g", "h"]]) == listed(want)
    for row in got.itertuples():
        in_group = (complete["h"] == row.h) & (
            complete["g"].isna() if pd.isna(row.g) else complete["g"] == row.g
        )
        x = complete.loc[in_group, "x"].to_numpy()
        y = complete.loc[in_group, "y"].to_numpy()
        all_rows = (data["h"] == row.h) & (
            data["g"].isna() if pd.isna(row.g) else data["g"] == row.g
        )
        assert row.n == len(x)
        assert row.n_missing == int(all_rows.sum()) - len(x)
        # numpy's two-pass results, relative to the spread (not to the offset).
        # The mean to within a unit in the last place of the offset (exact sum by fsum).
        assert row.mean_x == pytest.approx(
            math.fsum(x) / len(x), abs=max(1e-12, 2 * np.spacing(offset))
        )
        assert row.m2_x == pytest.approx(((x - x.mean()) ** 2).sum(), rel=1e-9)
        assert row.m2_y == pytest.approx(((y - y.mean()) ** 2).sum(), rel=1e-9)
        # M3 against exact rational arithmetic (numpy's mean is rounded at the offset).
        exact = [Fraction(v) for v in x]
        centre = sum(exact, Fraction(0)) / len(exact)
        m3 = float(sum(((v - centre) ** 3 for v in exact), Fraction(0)))
        scale = row.m2_x**1.5 / len(x) ** 0.5
        assert row.m3_x == pytest.approx(m3, abs=1e-7 * scale)
        assert row.c2_x_y == pytest.approx(
            ((x - x.mean()) * (y - y.mean())).sum(), rel=1e-7, abs=1e-9
        )


def test_count_values_match_pandas(engine) -> None:
    convert = engine
    data = _data(0.0)
    got = count_values(engine_frame(convert(data)), ["g"], ["answer"], weights="w")
    want = (
        data.groupby(["g", "answer"], dropna=False)
        .agg(n=("w", "size"), sum_w=("w", "sum"), sum_w2=("w", lambda w: (w * w).sum()))
        .reset_index()
        .sort_values(["g", "answer"], na_position="last")
        .reset_index(drop=True)
    )
    assert got["n"].tolist() == want["n"].tolist()
    np.testing.assert_allclose(got["sum_w"], want["sum_w"], rtol=1e-12)
    np.testing.assert_allclose(got["sum_w2"], want["sum_w2"], rtol=1e-12)
    np.testing.assert_array_equal(
        got["answer"].to_numpy(dtype=float, na_value=np.nan), want["answer"].to_numpy()
    )


def test_errors_name_the_column_and_engine(engine) -> None:
    convert = engine
    frame = engine_frame(convert(_data(0.0)))
    with pytest.raises(ValueError, match=r"column='nope' is not a column of the \w+ frame"):
        frame.require("nope", "column")
    with pytest.raises(TypeError, match="must be a column name"):
        frame.require(3, "column")


def test_what_counts_as_an_engine_frame() -> None:
    import polars as pl

    assert not is_engine_frame(pd.DataFrame({"a": [1]}))
    assert not is_engine_frame(np.arange(3))
    assert not is_engine_frame([1, 2])
    assert is_engine_frame(pl.DataFrame({"a": [1]}))
    with pytest.raises(TypeError, match="must be a DataFrame"):
        engine_frame({"a": [1]})


def test_importing_cxlib_imports_no_engine() -> None:
    import subprocess
    import sys

    code = (
        "import sys, cxlib, cxlib.core.frames\n"
        "engines = ('polars', 'duckdb', 'dask', 'pyspark', 'ibis', 'sqlframe', 'sqlglot',"
        " 'matplotlib')\n"
        "loaded = [m for m in engines if m in sys.modules]\n"
        "print(','.join(loaded))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_old_pyarrow_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow as pa

    monkeypatch.setattr(pa, "__version__", "16.1.0")
    with pytest.raises(ImportError, match=r"pyarrow >= 17 \(found 16.1.0"):
        engine_frame(pa.table({"a": [1]}))


def test_group_moments_of_a_large_arrow_table_stay_with_their_rows() -> None:
    # pyarrow's threaded hash join does not keep row order, so a window mean attached
    # through it (narwhals' ``over`` on pyarrow) can land on another group's rows; with
    # many rows that happens in most runs. The moments must be those of pandas.
    rng = np.random.default_rng(3)
    n = 200_000
    frame = pd.DataFrame(
        {"k": rng.integers(0, 50, n).astype(str), "v": rng.normal(size=n) * (1 + rng.random(n))}
    )
    frame["v"] += frame["k"].astype(int) * 10.0
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for _ in range(3):
        got = centred_moments(engine_frame(table), ["k"], ["v"]).set_index("k").sort_index()
        want = frame.groupby("k")["v"].agg(["mean", "var", "count"]).sort_index()
        np.testing.assert_allclose(got["mean_v"], want["mean"], rtol=1e-12)
        np.testing.assert_allclose(got["m2_v"] / (got["n"] - 1), want["var"], rtol=1e-9)
