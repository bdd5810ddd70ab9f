"""Sphinx configuration of the cxlib documentation.

Build with (warnings are errors; the notebooks are executed):

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import cxlib

# -- Project -----------------------------------------------------------------

project = "cxlib"
author = "The cxlib developers"
copyright = "the cxlib developers"
version = cxlib.__version__
release = cxlib.__version__

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "py:obj"

# -- API reference: autodoc, autosummary, numpydoc ----------------------------

autosummary_generate = True  # stubs go to api/generated (git-ignored)
autosummary_imported_members = False
autodoc_typehints = "none"  # the numpydoc sections carry the types
autodoc_member_order = "bysource"
add_module_names = False

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# A few public objects carry no docstring of their own where they are exported
# (module-level data documented by a source comment elsewhere, and the fields of a
# named tuple); give them one in the API reference.
_EXTRA_DOCS = {
    "cxlib.NPS_SCALES": [
        "The named answer scales of the Net Promoter Score.",
        "",
        "A read-only mapping from the scale name (the ``scale=`` argument of",
        ":func:`cxlib.nps`) to its :class:`~cxlib.NPSScale`: ``'0-10'`` (detractors",
        "0-6, passives 7-8, promoters 9-10), ``'1-10'`` (1-6, 7-8, 9-10), ``'1-7'``",
        "(1-5, 6, 7) and ``'1-5'`` (1-3, 4, 5).",
    ],
    "cxlib.datasets.TOUCHPOINTS": [
        "The touchpoints of the generated survey.",
        "",
        "Each touchpoint of :func:`~cxlib.datasets.make_survey` is mapped to the mean",
        "of the latent satisfaction of its respondents (in standard deviations).",
    ],
    "cxlib.ConfidenceInterval.low": ["Lower bound of the interval."],
    "cxlib.RFMSegment.name": ["Name of the segment, e.g. ``champions``."],
    "cxlib.RFMSegment.recency": ["Inclusive range ``(low, high)`` of recency levels 1..5."],
    "cxlib.RFMSegment.frequency": ["Inclusive range ``(low, high)`` of frequency levels 1..5."],
    "cxlib.RFMSegment.description": ["What the segment's customers are like."],
    "cxlib.ConfidenceInterval.high": ["Upper bound of the interval."],
    "cxlib.ab.MeanSummary.n": ["Number of units (at least 2)."],
    "cxlib.ab.MeanSummary.mean": ["Sample mean of the per-unit values."],
    "cxlib.ab.MeanSummary.sd": ["Sample standard deviation (``ddof=1``)."],
}


def _add_missing_docs(app, what, name, obj, options, lines):
    """Fill in a docstring that is missing or merely inherited from a builtin type."""
    extra = _EXTRA_DOCS.get(name)
    if extra is None:
        return
    type_doc = type(obj).__doc__
    type_doc = type_doc.strip() if isinstance(type_doc, str) else ""
    if (
        not lines
        or lines[0].startswith("Alias for field")
        or (lines[0].strip() and type_doc.startswith(lines[0].strip()))
    ):
        lines[:] = list(extra)


def setup(app):
    app.connect("autodoc-process-docstring", _add_missing_docs, priority=100)


# -- Notebooks (MyST-NB) -----------------------------------------------------

nb_execution_mode = "force"  # run every notebook page on every build
nb_execution_raise_on_error = True  # an exception in a cell fails the build
nb_execution_timeout = 120  # seconds per cell
nb_execution_show_tb = True  # print the traceback of a failing cell in the log
nb_output_stderr = "warn"  # anything on stderr (e.g. a stray warning) fails under -W
nb_merge_streams = True
myst_enable_extensions = ["amsmath", "colon_fence", "dollarmath"]
myst_heading_anchors = 3

# -- HTML --------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"cxlib {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
