"""The shared words of the pictures' docstrings: filled in everywhere, read alike.

numpydoc's own parser (the one Sphinx uses) reads the filled docstrings: it is the
reference for "valid numpydoc", independent of the filler.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from numpydoc import docscrape

from cxlib import plotting
from cxlib.plotting._docs import fill_docs

PICTURES = [name for name in plotting.__all__ if callable(getattr(plotting, name))]


def _parsed(function: Callable[..., Any]) -> Any:
    return docscrape.FunctionDoc(function)


def test_the_pictures_are_all_there() -> None:
    # A picture missing here would escape every check below.
    assert len(PICTURES) == 14


@pytest.mark.parametrize("name", PICTURES)
def test_no_placeholder_is_left(name: str) -> None:
    doc = getattr(plotting, name).__doc__
    for part in ("{ax}", "{title}", "{returns}", "{type_error}"):
        assert part not in doc, f"{name}: {part} not filled in"


@pytest.mark.parametrize("name", PICTURES)
def test_the_shared_parts_parse_alike_in_every_picture(name: str) -> None:
    function = getattr(plotting, name)
    doc = _parsed(function)
    # The parameters in the signature's order: each placeholder stands where it should.
    assert [p.name for p in doc["Parameters"]] == list(inspect.signature(function).parameters)
    described = {p.name: p for p in doc["Parameters"]}
    assert described["ax"].type == "matplotlib.axes.Axes, optional"
    assert described["ax"].desc == ["Axes to draw into; a new figure's by default."]
    assert described["title"].type == "str, optional"
    assert described["title"].desc[0].startswith("Title of the Axes")
    [returned] = doc["Returns"]
    assert returned.type == "matplotlib.axes.Axes"
    assert returned.desc[0].startswith("The Axes drawn into")
    for raised in doc["Raises"]:
        if raised.type == "TypeError":
            text = " ".join(raised.desc)
            assert "is neither a cxlib result nor a DataFrame" in text or name == "estimates"
            assert "``ax`` is not an Axes" in text


FILLED = """A picture.

Parameters
----------
result : DataFrame
    What to draw.
ax : matplotlib.axes.Axes, optional
    Axes to draw into; a new figure's by default.
values : {"a", "b"}, default "a"
    Braces within a line ({ax} here too) stay.
title : str, optional
    Title of the Axes.

Returns
-------
matplotlib.axes.Axes
    The Axes drawn into.

Raises
------
TypeError
    When ``result`` is neither a cxlib result nor a DataFrame, or ``ax`` is not an
    Axes.
ValueError
    When the frame has no rows.
"""


def _picture(indent: str) -> Callable[..., None]:
    def picture(result: object, ax: object = None, values: str = "a", title: str = "") -> None:
        pass

    lines = [
        "A picture.", "", "Parameters", "----------", "result : DataFrame", "    What to draw.",
        "{ax}", 'values : {"a", "b"}, default "a"',
        "    Braces within a line ({ax} here too) stay.",
        "{title}", "", "{returns}", "", "Raises", "------", "{type_error}", "ValueError",
        "    When the frame has no rows.",
    ]  # fmt: skip
    # The summary line is not indented; the docstring's closing line is.
    picture.__doc__ = "\n".join([lines[0], *(indent + line if line else "" for line in lines[1:])])
    picture.__doc__ += "\n" + indent
    return picture


@pytest.mark.parametrize("indent", ["", "    ", "        ", "\t"])
def test_a_placeholder_takes_the_indent_of_its_line(indent: str) -> None:
    # "" is what Python 3.13 leaves of a docstring; four spaces what 3.11 and 3.12 leave.
    picture = _picture(indent)
    fill_docs(picture)
    assert inspect.cleandoc(picture.__doc__ or "") == inspect.cleandoc(FILLED)
    assert (picture.__doc__ or "").splitlines()[7] == indent + "    " + (
        "Axes to draw into; a new figure's by default."
    )


def test_the_filled_example_parses_as_numpydoc() -> None:
    picture = _picture("    ")
    fill_docs(picture)
    doc = _parsed(picture)
    assert [p.name for p in doc["Parameters"]] == ["result", "ax", "values", "title"]
    assert [r.type for r in doc["Raises"]] == ["TypeError", "ValueError"]


def test_an_unknown_placeholder_is_refused() -> None:
    def picture() -> None:
        """A picture.

        Parameters
        ----------
        {axes}
        """

    with pytest.raises(ValueError, match=r"picture names \['axes'\], which are no shared parts"):
        fill_docs(picture)
    assert "{axes}" in (picture.__doc__ or "")


def test_a_function_without_docstring_is_left_alone() -> None:
    def picture() -> None:
        pass

    fill_docs(picture)
    assert picture.__doc__ is None
