"""Shared machinery of the result types: display of numbers, HTML tables, JSON-safe values.

Numbers next to an interval are shown with the digits the interval supports: about two
significant digits of its width, at least one decimal, and scientific notation when that
would need more than six decimals or the values pass a billion (so that a lift of 1e-12
is not shown as +0.0 %).
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "fmt",
    "format_interval",
    "format_number",
    "html_rows",
    "json_safe",
    "level_text",
    "number_style",
]

# Decimals beyond which numbers switch to scientific notation, and magnitude from which.
_MAX_DECIMALS = 6
_MAX_FIXED = 1e9


def fmt(x: float, digits: int = 1, sign: bool = False) -> str:
    """``x`` with ``digits`` decimals (``sign``: always signed); nan and inf spelled out."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return ("+" if sign and x > 0 else "") + ("inf" if x > 0 else "-inf")
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def _exponent(x: float) -> int:
    return math.floor(math.log10(x))


def number_style(width: float, magnitude: float) -> tuple[str, int]:
    """``("f", decimals)`` or ``("e", significant digits)`` for numbers of an interval.

    ``width`` is the interval's width and ``magnitude`` the largest absolute value shown.
    The last digit shown is the second significant digit of the width (the fourth of
    the magnitude when the width is zero or undefined).
    """
    mag = magnitude if math.isfinite(magnitude) else 0.0
    if math.isfinite(width) and width > 0:
        step = _exponent(width) - 1
    elif mag > 0:
        step = _exponent(mag) - 3
    else:
        return "f", 1
    if mag < _MAX_FIXED and -step <= _MAX_DECIMALS:
        return "f", max(1, -step)
    significant = (_exponent(mag) if mag > 0 else step + 1) - step + 1
    return "e", min(12, max(2, significant))


def format_number(x: float, style: tuple[str, int], sign: bool = False) -> str:
    """``x`` in a style of :func:`number_style`."""
    kind, digits = style
    if kind == "f" or not math.isfinite(x):
        return fmt(x, digits, sign)
    return f"{x:+.{digits - 1}e}" if sign else f"{x:.{digits - 1}e}"


def format_interval(
    value: float, low: float, high: float, *, sign: bool = False, scale: float = 1.0
) -> tuple[str, str, str]:
    """Texts of an estimate and its interval bounds, with the digits the interval supports.

    Examples
    --------
    >>> format_interval(33.3333, -22.47, 89.13)
    ('33.3', '-22.5', '89.1')
    >>> format_interval(1e-12, 0.9e-12, 1.1e-12, sign=True, scale=100)
    ('+1.00e-10', '+9.00e-11', '+1.10e-10')
    >>> format_interval(1.234567e15, 1.2e15, 1.27e15)
    ('1.235e+15', '1.200e+15', '1.270e+15')
    """
    v, lo, hi = (scale * x for x in (value, low, high))
    width = hi - lo
    magnitude = max((abs(x) for x in (v, lo, hi) if math.isfinite(x)), default=math.nan)
    style = number_style(width, magnitude)
    return (
        format_number(v, style, sign),
        format_number(lo, style, sign),
        format_number(hi, style, sign),
    )


def level_text(confidence_level: float) -> str:
    """``0.95`` as ``"95%"``."""
    return f"{confidence_level * 100:g}%"


def _cell(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    if isinstance(v, tuple):
        return ", ".join(_cell(x) for x in v)
    return str(v)


def html_rows(title: str, fields: Mapping[Any, Any]) -> str:
    """A titled two-column HTML table: one row per field, name and value."""
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
        f"<td style='text-align:right'>{html.escape(_cell(v))}</td></tr>"
        for k, v in fields.items()
    )
    return (
        f"<div><strong>{html.escape(title)}</strong>"
        f"<table class='cxlib-result'>{rows}</table></div>"
    )


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON types: NaN and infinities as None, tuples as lists.

    numpy scalars and arrays become Python numbers and lists, mappings dicts with
    string keys, dates ISO strings, and objects with a ``to_dict`` method their dict.
    Non-finite floats become None, as in :meth:`pandas.DataFrame.to_json`.

    Examples
    --------
    >>> import numpy as np
    >>> json_safe({"x": np.float64("nan"), "ci": (np.float32(1.5), np.inf), "n": np.int64(3)})
    {'x': None, 'ci': [1.5, None], 'n': 3}
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        return x if math.isfinite(x) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, Sequence):
        return [json_safe(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime, np.datetime64)):
        return str(np.datetime64(value)) if isinstance(value, np.datetime64) else value.isoformat()
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return json_safe(to_dict())
    raise TypeError(f"cannot convert a {type(value).__name__} to JSON")
