"""Shared docstring text lands at the docstring's own margin, on every Python.

Python 3.13 strips the common indentation of a docstring when it compiles it; the
shared parameter texts of the order metrics and the A/B comparisons are written for
the indented form. Each docstring below is filled twice, as written and as 3.13 would
hold it; the two must differ by that indentation only, and numpydoc must read the same
parameters from both.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from numpydoc.docscrape import NumpyDocString

from cxlib.ab import docs as ab_docs
from cxlib.core.docstrings import docstring_margin, fit_indent
from cxlib.orders import docs as order_docs

ORDER_TEMPLATE = '''Some order metric.

    Parameters
    ----------{common}{optional}
    ci_method : {{"bootstrap-t", "delta"}}, default "bootstrap-t"
        {ratio_methods}

    Returns
    -------
    Estimate
    '''

AB_TEMPLATE = '''Some comparison.

    Parameters
    ----------
    control, variant : array-like
        The two arms.
    rng : int, optional
        Seed or generator of the bootstrap.{sequential}

    Returns
    -------
    Comparison
    '''


def as_compiled_by_313(doc: str) -> str:
    """The first line, then the rest without its common indentation."""
    first, _, rest = doc.partition("\n")
    return first + "\n" + textwrap.dedent(rest)


def filled(template: str, fill: Callable[..., None], compiled: bool) -> str:
    def function() -> None: ...

    function.__doc__ = as_compiled_by_313(template) if compiled else template
    fill(function)
    assert function.__doc__ is not None
    return function.__doc__


@pytest.mark.parametrize(
    ("template", "fill"),
    [(ORDER_TEMPLATE, order_docs.fill_docs), (AB_TEMPLATE, ab_docs.fill_docs)],
    ids=["orders", "ab"],
)
def test_shared_text_follows_the_margin_of_the_docstring(
    template: str, fill: Callable[..., Any]
) -> None:
    as_written = filled(template, fill, compiled=False)
    stripped = filled(template, fill, compiled=True)
    assert docstring_margin(as_written) == 4
    assert docstring_margin(stripped) == 0
    assert stripped == as_compiled_by_313(as_written)
    names = [p.name for p in NumpyDocString(stripped)["Parameters"]]
    assert names == [p.name for p in NumpyDocString(textwrap.dedent(as_written))["Parameters"]]
    assert len(names) >= 3  # the shared parameters were read, not swallowed


def test_fit_indent_moves_every_line_after_the_first() -> None:
    text = "\n    x : int\n        A number.\n\n    y : str"
    assert fit_indent(text, 4) == text
    assert fit_indent(text, 0) == "\nx : int\n    A number.\n\ny : str"
    assert fit_indent(text, 8) == "\n        x : int\n            A number.\n\n        y : str"


def test_margin_of_one_line_docstrings_is_the_written_one() -> None:
    assert docstring_margin("One line.") == 4
    assert docstring_margin("Title.\n\n  two\n    four\n") == 2
