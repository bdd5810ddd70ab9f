"""Output of the command line: a result as a readable table, CSV, JSON or Markdown."""

from __future__ import annotations

import json
import math
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["OutputFormat", "render"]

OutputFormat = Literal["table", "csv", "json", "markdown"]
FORMATS: tuple[OutputFormat, ...] = ("table", "csv", "json", "markdown")


def _shown(value: Any) -> str:
    """A cell for people: numbers with 4 significant digits, whole numbers in full."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        if number == int(number) and abs(number) < 1e15:
            return f"{int(number):,}"
        return f"{number:.4g}"
    return str(value)


def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return None if not math.isfinite(number) else number
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if pd.isna(value):
        return None
    return value if isinstance(value, (int, str)) else str(value)


def _markdown(frame: pd.DataFrame) -> str:
    header = [str(c) for c in frame.columns]
    rows = [[_shown(v) for v in row] for row in frame.itertuples(index=False)]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("| " + " | ".join("---:" if n else "---" for n in numeric) + " |")
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _table(frame: pd.DataFrame) -> str:
    cells = [[str(c) for c in frame.columns]]
    cells += [[_shown(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max(len(row[k]) for row in cells) for k in range(len(frame.columns))]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    lines = []
    for row in cells:
        parts = [
            cell.rjust(width) if is_number else cell.ljust(width)
            for cell, width, is_number in zip(row, widths, numeric, strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def render(frame: pd.DataFrame, fmt: OutputFormat, title: str | None = None) -> str:
    """``frame`` in the output format ``fmt`` (the title only heads the table format)."""
    frame = frame.reset_index(drop=True)
    if fmt == "csv":
        text: str = frame.to_csv(index=False)
        return text
    if fmt == "json":
        records = [
            {str(k): _json_value(v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")
        ]
        return json.dumps(records, indent=2, allow_nan=False) + "\n"
    if fmt == "markdown":
        return _markdown(frame)
    body = _table(frame)
    return body if title is None else f"{title}\n\n{body}"
