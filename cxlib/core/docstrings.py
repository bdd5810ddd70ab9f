"""Shared docstring text, fitted to the indentation of the docstring it goes into.

Shared parameter descriptions are written for a docstring whose lines start four
spaces in, as a function's docstring is written in the source. Python 3.13 strips that
common indentation when it compiles a docstring, so a text pasted as written would then
stand four spaces to the right of the rest; :func:`fit_indent` moves it to the margin
of the docstring it goes into.
"""

from __future__ import annotations

__all__ = ["docstring_margin", "fit_indent"]

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
