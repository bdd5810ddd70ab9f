"""Shared docstring text, fitted to the indentation of the docstring it goes into.

Shared parameter descriptions are written for a docstring whose lines start four
spaces in, as a function's docstring is written in the source. Python 3.13 strips that
common indentation when it compiles a docstring, so a text pasted as written would then
stand four spaces to the right of the rest; :func:`fit_indent` moves it to the margin
of the docstring it goes into.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["docstring_margin", "fill_placeholders", "fit_indent"]

#: The margin the shared texts are written for.
WRITTEN_MARGIN = 4


def docstring_margin(doc: str) -> int:
    """Spaces before the least indented non-blank line after the first (PEP 257)."""
    lines = [line for line in doc.expandtabs().splitlines()[1:] if line.strip()]
    return min((len(line) - len(line.lstrip()) for line in lines), default=WRITTEN_MARGIN)


def fit_indent(text: str, margin: int) -> str:
    """``text`` (lines after the first at ``WRITTEN_MARGIN`` or more) moved to ``margin``.

    Examples
    --------
    >>> fit_indent("\\n    x : int\\n        A number.", 0)
    '\\nx : int\\n    A number.'
    """
    if margin == WRITTEN_MARGIN:
        return text
    return text.replace("\n" + " " * WRITTEN_MARGIN, "\n" + " " * margin)


def fill_placeholders(
    functions: tuple[Any, ...], texts: Mapping[str, str], *, unescape_braces: bool = False
) -> None:
    """Replace each ``{name}`` of ``texts`` in the docstrings, fitted to their margin.

    With ``unescape_braces``, ``{{`` and ``}}`` then become braces (docstrings written
    as format strings); otherwise other braces stay as they are.
    """
    for function in functions:
        doc = function.__doc__ or ""
        margin = docstring_margin(doc)  # 0 on Python 3.13, which strips the indent
        for name, text in texts.items():
            doc = doc.replace("{" + name + "}", fit_indent(text, margin))
        if unescape_braces:
            doc = doc.replace("{{", "{").replace("}}", "}")
        function.__doc__ = doc
