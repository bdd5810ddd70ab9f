"""Warning classes of cxlib."""

from __future__ import annotations

__all__ = ["CxlibWarning", "DegenerateDataWarning", "PrecisionWarning"]


class CxlibWarning(UserWarning):
    """Base class of every warning cxlib emits."""


class DegenerateDataWarning(CxlibWarning):
    """Data for which a quantity is undefined or an interval has collapsed.

    Emitted, for example, when a group holds no answers (its index is NaN) or when a
    standard error is zero, so that a Wald interval has no width and a p-value is
    undefined. The affected numbers are returned as NaN or as the degenerate value;
    nothing is raised.
    """


class PrecisionWarning(CxlibWarning):
    """Input that cannot carry a result to the usual precision.

    Emitted, for example, when a variance is taken from raw sums (``n``, ``sum``,
    ``sum_squares``) of values far from zero: ``sum_squares - sum**2 / n`` then loses
    most of its significant digits. The result is computed anyway; pass the mean and
    the variance (or the per-unit values) instead.
    """
