"""The words every picture's docstring shares, written once.

Every picture takes ``ax`` and ``title`` and returns the Axes it drew into, and most
refuse a ``result`` they cannot read in the same words. A docstring names each shared
part by a placeholder on a line of its own (``{ax}``, ``{title}``, ``{returns}``,
``{type_error}``); :func:`fill_docs` puts in the text, as :mod:`cxlib.orders.docs`
does for the order metrics.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

__all__ = ["AX_DOC", "RETURNS_DOC", "TITLE_DOC", "TYPE_ERROR_DOC", "fill_docs"]

#: The ``ax`` parameter.
AX_DOC = """\
ax : matplotlib.axes.Axes, optional
    Axes to draw into; a new figure's by default."""

#: The ``title`` parameter.
TITLE_DOC = """\
title : str, optional
    Title of the Axes."""

#: The Returns section.
RETURNS_DOC = """\
Returns
-------
matplotlib.axes.Axes
    The Axes drawn into."""

#: The TypeError of a picture that reads ``result`` as a result or its tidy frame.
TYPE_ERROR_DOC = """\
TypeError
    When ``result`` is neither a cxlib result nor a DataFrame, or ``ax`` is not an
    Axes."""

_PARTS = {
    "ax": AX_DOC,
    "title": TITLE_DOC,
    "returns": RETURNS_DOC,
    "type_error": TYPE_ERROR_DOC,
}

# Only a placeholder alone on its line is filled in: braces within a line, such as a
# parameter's choices ``{"retention", "customers"}``, stay as they are.
_PLACEHOLDER = re.compile(r"^([ \t]*)\{(\w+)\}[ \t]*$", re.MULTILINE)


def fill_docs(*functions: Callable[..., object]) -> None:
    """Put the shared parts into the docstrings of pictures.

    Each placeholder takes the indent of its line, whatever the docstring's own indent
    (Python 3.13 strips it when compiling); an unknown placeholder is refused, so that
    a misspelt one fails on import rather than shows in the help.

    Examples
    --------
    >>> def picture(ax=None):
    ...     '''A picture.
    ...
    ...     Parameters
    ...     ----------
    ...     {ax}
    ...     '''
    >>> fill_docs(picture)
    >>> print(picture.__doc__.splitlines()[4])
        ax : matplotlib.axes.Axes, optional
    """
    for function in functions:
        doc = function.__doc__
        if doc is None:  # python -OO drops docstrings
            continue
        names = [m.group(2) for m in _PLACEHOLDER.finditer(doc)]
        unknown = sorted(set(names) - _PARTS.keys())
        if unknown:
            raise ValueError(
                f"the docstring of {getattr(function, '__qualname__', function)} names "
                f"{unknown}, which are no shared parts; allowed: {sorted(_PARTS)}"
            )
        function.__doc__ = _PLACEHOLDER.sub(
            lambda m: textwrap.indent(_PARTS[m.group(2)], m.group(1)), doc
        )
