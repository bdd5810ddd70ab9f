"""Warning classes of cxlib."""

from __future__ import annotations

__all__ = ["CxlibDeprecationWarning", "CxlibWarning", "DegenerateDataWarning"]


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
