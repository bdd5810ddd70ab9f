"""cx.read: CSV and Parquet files, globs and partitioned folders, scanned by DuckDB."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cxlib as cx


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    data = cx.datasets.make_survey(3_000, rng=11)
    return data.assign(touchpoint=data["touchpoint"].astype("str"))[
        ["touchpoint", "recommend", "satisfaction", "weight"]
    ]


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-9)


def test_csv_parquet_and_paths_give_the_pandas_result(tmp_path: Path, survey: pd.DataFrame) -> None:
    survey.to_csv(tmp_path / "answers.csv", index=False)
    survey.to_parquet(tmp_path / "answers.parquet", index=False)
    want = cx.nps(survey, "recommend", by="touchpoint", weights="weight")
    for source in (tmp_path / "answers.csv", str(tmp_path / "answers.parquet")):
        _same(cx.nps(cx.read(source), "recommend", by="touchpoint", weights="weight"), want)
        # A path given as the data is read the same way.
        _same(cx.nps(source, "recommend", by="touchpoint", weights="weight"), want)


def test_globs_lists_and_partitioned_folders(tmp_path: Path, survey: pd.DataFrame) -> None:
    halves = [survey.iloc[:1_500], survey.iloc[1_500:]]
    for k, part in enumerate(halves):
        part.to_parquet(tmp_path / f"part-{k}.parquet", index=False)
    want = cx.csat(survey, "satisfaction", by="touchpoint")
    _same(cx.csat(cx.read(tmp_path / "part-*.parquet"), "satisfaction", by="touchpoint"), want)
    listed = [tmp_path / "part-0.parquet", tmp_path / "part-1.parquet"]
    _same(cx.csat(cx.read(listed), "satisfaction", by="touchpoint"), want)
    lake = tmp_path / "lake"
    pq.write_to_dataset(
        pa.Table.from_pandas(survey, preserve_index=False), lake, partition_cols=["touchpoint"]
    )
    (lake / "_SUCCESS").write_text("")  # written by many tools beside the data
    got = cx.csat(cx.read(lake), "satisfaction", by="touchpoint")
    _same(got, want)


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        cx.read(tmp_path / "missing.parquet")
    with pytest.raises(FileNotFoundError, match="no file matches"):
        cx.read(str(tmp_path / "*.parquet"))
    (tmp_path / "data.bin").write_text("x")
    with pytest.raises(ValueError, match="cannot tell the file format"):
        cx.read(tmp_path / "data.bin")
    with pytest.raises(ValueError, match="format must be"):
        cx.read(tmp_path / "data.bin", format="json")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path must be a file name"):
        cx.read(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one file"):
        cx.read([])
