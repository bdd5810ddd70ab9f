"""The shared parameter descriptions of the A/B comparisons' docstrings.

The comparisons describe their keywords for always-valid inference in the same words;
:func:`fill_docs` puts them into the docstrings, as :mod:`cxlib.orders.docs` does for
the order metrics.
"""

from __future__ import annotations

from typing import Any

from ..core.docstrings import fill_placeholders

__all__ = ["SEQUENTIAL_DOC", "fill_docs"]

#: ``sequential`` and ``sequential_tuning`` of the two-arm comparisons.
SEQUENTIAL_DOC = """
    sequential : bool, default False
        Always-valid inference for a test that is looked at again and again: the
        intervals become confidence sequences, valid at every look at once, and
        ``p_value`` the always-valid p-value (the normal-mixture boundary of
        Waudby-Smith et al. 2024, see the A/B guide). Needs ``ci_method`` "fieller",
        "delta" or "log" and the two-sided alternative.
    sequential_tuning : float, default 5000
        The number of units (both arms) at which the confidence sequence is tightest
        (GrowthBook's ``sequential_tuning_parameter``): about the sample size
        expected at the end of the test."""


def fill_docs(*functions: Any, **parts: str) -> None:
    """Put the shared parameter descriptions into the docstrings of A/B functions.

    ``{sequential}`` is filled in everywhere, and each ``{name}`` of ``parts`` with its
    text; other braces (``{"two-sided", "less"}``) are left as they are.
    """
    fill_placeholders(functions, {"sequential": SEQUENTIAL_DOC, **parts})
