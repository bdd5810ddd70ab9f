"""Warning classes of cxlib, and where its warnings point."""

from __future__ import annotations

import inspect
import os

__all__ = [
    "CoverageWarning",
    "CxlibDeprecationWarning",
    "CxlibWarning",
    "DegenerateDataWarning",
    "PrecisionWarning",
    "find_stack_level",
]

# The package directory (cxlib/), whose frames a warning skips.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class CxlibWarning(UserWarning):
    """Base class of every warning cxlib emits."""


class DegenerateDataWarning(CxlibWarning):
    """Data for which a quantity is undefined or an interval has collapsed.

    Emitted, for example, when a group holds no answers (its index is NaN) or when a
    standard error is zero, so that a Wald interval has no width and a p-value is
    undefined. The affected numbers are returned as NaN or as the degenerate value;
    nothing is raised.
    """


class CxlibDeprecationWarning(CxlibWarning, FutureWarning):
    """A keyword or function that was renamed and will be removed in the next release.

    A FutureWarning, so that it is shown by default: the message names the new spelling.
    """


def find_stack_level() -> int:
    """The ``stacklevel`` of :func:`warnings.warn` that names the user's line.

    Walks up the call stack to the first frame whose file is outside the cxlib
    package, so that a warning points at the user's call however deep inside cxlib it
    is raised (the approach of pandas' ``find_stack_level``). Call it in the argument
    list of :func:`warnings.warn`.

    Examples
    --------
    >>> import warnings
    >>> from cxlib.core.errors import find_stack_level
    >>> find_stack_level()  # called from outside the package: warn's own caller
    1
    """
    frame = inspect.currentframe()
    level = 0
    try:
        while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            frame = frame.f_back
            level += 1
    finally:
        # Break the reference cycle a frame object makes with this one.
        del frame
    # ``level`` frames inside the package (this one included); warn's stacklevel 1 is
    # the function that calls it, the innermost of them besides this one.
    return max(level, 1)


class PrecisionWarning(CxlibWarning):
    """Input that cannot carry a result to the usual precision.

    Emitted, for example, when a variance is taken from raw sums (``n``, ``sum``,
    ``sum_squares``) of values far from zero: the difference of ``sum_squares`` and
    ``sum**2 / n`` then loses most of its significant digits. The result is computed
    anyway; pass the mean and the variance (or the per-unit values) instead.
    """


class CoverageWarning(CxlibWarning):
    """An interval that may cover the true value less often than its confidence level.

    Emitted where no interval method of a metric keeps its coverage (very few units,
    heavy-tailed data): the message names the sample size from which the interval can
    be trusted. The interval is returned as computed, never widened or dropped.
    """
