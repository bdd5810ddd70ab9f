"""Files as lazy tables: CSV and Parquet scanned by DuckDB, never loaded whole.

:func:`read` returns a DuckDB relation: a query over the files that runs only when an
index asks for its per-group counts or moments, in DuckDB's own bounded memory, so a
file far larger than the memory of the machine can be summarised.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

__all__ = ["FileFormat", "read"]

FileFormat = Literal["auto", "csv", "parquet"]

_SUFFIXES: dict[str, Literal["csv", "parquet"]] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv.gz": "csv",
}


def _duckdb() -> Any:
    try:
        import duckdb  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - duckdb is installed in the tests
        raise ImportError(
            "reading files needs DuckDB: pip install 'cxlib[duckdb]' (or pip install duckdb)"
        ) from None
    return duckdb


def _paths(path: object) -> list[str]:
    """The file names or glob patterns of ``path``; a folder means every file below it."""
    items: Sequence[object] = list(path) if isinstance(path, (list, tuple)) else [path]
    if not items:
        raise ValueError("path must name at least one file; got an empty list")
    out = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(
                f"path must be a file name, a glob pattern, a folder or a list of them; "
                f"got {type(item).__name__}"
            )
        name = os.fspath(item)
        if not isinstance(name, str):
            raise TypeError(f"path must be a text path; got {name!r}")
        if os.path.isdir(name):
            name = os.path.join(name, "**", "*")  # narrowed to the files of the format below
        elif not glob.has_magic(name) and not os.path.exists(name):
            raise FileNotFoundError(f"path={name!r}: no such file or folder")
        if glob.has_magic(name) and not glob.glob(name, recursive=True):
            raise FileNotFoundError(f"path={name!r}: no file matches the pattern")
        out.append(name)
    return out


def _format(paths: list[str], format: FileFormat) -> Literal["csv", "parquet"]:
    if format not in ("auto", "csv", "parquet"):
        raise ValueError(f"format must be 'auto', 'csv' or 'parquet'; got {format!r}")
    if format != "auto":
        return format
    found = set()
    for name in paths:
        files = glob.glob(name, recursive=True) if glob.has_magic(name) else [name]
        for file in files:
            if os.path.isdir(file):
                continue
            lowered = file.lower()
            kind = next((k for s, k in _SUFFIXES.items() if lowered.endswith(s)), None)
            if kind is None:
                continue  # partition folders hold other files too (_SUCCESS, ...)
            found.add(kind)
    if len(found) != 1:
        listed = "none" if not found else " and ".join(sorted(found))
        raise ValueError(
            f"cannot tell the file format from the names (found {listed}); pass "
            "format='csv' or format='parquet'"
        )
    return found.pop()


def read(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    format: FileFormat = "auto",
    hive_partitioning: bool | None = None,
    connection: Any = None,
) -> Any:
    """Scan CSV or Parquet files lazily with DuckDB.

    Every cxlib function that takes a DataFrame takes the result: the rows stay in
    the files, DuckDB computes the per-group counts or moments the index needs, and
    only those reach Python.

    Parameters
    ----------
    path : str, path-like, or a list of them
        A file, a glob pattern (``"answers/*.parquet"``, ``"lake/**/*.parquet"``), a
        folder (every file below it, e.g. a Hive-partitioned folder
        ``year=2024/month=01/...``), or a list of these.
    format : {"auto", "csv", "parquet"}, default "auto"
        The file format; "auto" reads it from the file names (``.csv``, ``.tsv``,
        ``.txt``, ``.csv.gz``, ``.parquet``, ``.pq``).
    hive_partitioning : bool, optional
        Read ``key=value`` folder names as columns; by default True when ``path`` names
        a folder, else DuckDB's default.
    connection : duckdb.DuckDBPyConnection, optional
        The DuckDB connection to scan with (its settings, such as ``memory_limit``,
        apply); by default DuckDB's default connection.

    Returns
    -------
    duckdb.DuckDBPyRelation
        A lazy relation over the files.

    Raises
    ------
    FileNotFoundError
        When a file or folder does not exist or a pattern matches no file.
    ValueError
        When the format cannot be told from the names.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import cxlib as cx
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> survey = cx.datasets.make_survey(1_000, rng=1)
    >>> survey[["touchpoint", "recommend"]].to_csv(folder / "answers.csv", index=False)
    >>> answers = cx.read(folder / "answers.csv")
    >>> cx.nps(answers, "recommend")
    NPS 14.6 (95% CI 9.7 to 19.5, score) · n = 997, 3 missing

    The same as the survey in memory:

    >>> cx.nps(survey, "recommend")
    NPS 14.6 (95% CI 9.7 to 19.5, score) · n = 997, 3 missing
    """
    duckdb = _duckdb()
    paths = _paths(path)
    kind = _format(paths, format)
    con = duckdb if connection is None else connection  # the module: the default connection
    options: dict[str, Any] = {}
    folder = any(name.endswith(os.path.join("**", "*")) for name in paths)
    if hive_partitioning is None and folder:
        hive_partitioning = True  # key=value folder names are columns
    if hive_partitioning is not None:
        options["hive_partitioning"] = bool(hive_partitioning)
    # Folders: only the files of the format (partitions hold _SUCCESS files and such).
    suffixes = [s for s, k in _SUFFIXES.items() if k == kind]
    patterns = []
    for name in paths:
        if name.endswith(os.path.join("**", "*")):
            patterns += [name + s for s in suffixes if glob.glob(name + s, recursive=True)]
        else:
            patterns.append(name)
    target: str | list[str] = patterns[0] if len(patterns) == 1 else patterns
    if kind == "parquet":
        return con.read_parquet(target, **options)
    return con.read_csv(target, **options)


def is_path(data: object) -> bool:
    """True for a file name or path (which the data arguments read with :func:`read`)."""
    return isinstance(data, (str, Path, os.PathLike))
