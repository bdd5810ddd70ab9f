"""When the interval of a ratio order metric can be trusted: the coverage warning.

The average order value and the purchase frequency are ratios of sums over customers
(clusters). Their intervals rest on the linearised values ``y_k - theta x_k`` of the
clusters, and when those are strongly skewed (a few heavy buyers who also spend more
per order) no interval keeps its level with few customers. The rule has the form of
Cochran's (1977, section 2.15) rule for the normal interval of a mean,
``n > 25 G1**2``, refined by Sugden, Smith & Jones (2000) to ``n > 28 + 25 G1**2``,
with ``G1`` the skewness of the values:

* the studentized bootstrap ("bootstrap-t", the default), whose error is of order
  ``1 / n``, needs ``n >= max(20, 12 G1**2)``: the constants come from the coverage
  simulation in ``benchmarks/coverage_orders.py`` (lognormal order values with sigma
  0.5-1.5, order counts 1 + negative binomial with dispersion 0.5-3, spend per order
  rising with the number of orders or not, 10-2,000 customers), where the intervals
  either covered the AOV or the purchase frequency or carried the warning in at least
  93 % of the samples of every cell with 20 customers or more;
* the normal interval ("delta") and the percentile, basic and BCa bootstraps, whose
  coverage error is of order ``n**-1/2``, need Sugden, Smith & Jones' rule. They are
  the user's explicit choice, and the rule is documented, not warned about.

The sample skewness understates the skewness of heavy-tailed data in small samples, so
the rule is a floor, not a guarantee; it is computed per group and the warning names
how many customers the data at hand would need.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from ..core.errors import CoverageWarning, find_stack_level
from ..core.studentized import linearised_skewness

__all__ = ["COVERAGE_RULES", "WARNED_METHODS", "trusted_from", "warn_coverage"]

FloatArray = npt.NDArray[np.float64]

#: ``ci_method -> (floor, factor, additive)``: the interval is trusted from
#: ``max(floor, factor * skewness**2)`` clusters, or ``floor + factor * skewness**2``
#: (Sugden, Smith & Jones' rule of the normal-theory intervals) when ``additive``.
COVERAGE_RULES: dict[str, tuple[int, float, bool]] = {
    "bootstrap-t": (20, 12.0, False),
    "delta": (28, 25.0, True),
}
#: The methods whose intervals carry the warning.
WARNED_METHODS = ("bootstrap-t",)


def trusted_from(ci_method: str, skewness: FloatArray) -> npt.NDArray[np.int64]:
    """Number of clusters from which the ``ci_method`` interval can be trusted.

    Parameters
    ----------
    ci_method : str
        One of the keys of :data:`COVERAGE_RULES`.
    skewness : numpy.ndarray
        Sample skewness of the linearised values per group (NaN: no spread, the floor).

    Returns
    -------
    numpy.ndarray
        The number of clusters per group.

    Examples
    --------
    >>> import numpy as np
    >>> from cxlib.orders.coverage import trusted_from
    >>> trusted_from("bootstrap-t", np.array([0.5, 3.0, np.nan])).tolist()
    [20, 108, 20]
    >>> trusted_from("delta", np.array([0.5, 3.0])).tolist()
    [35, 253]
    """
    floor, factor, additive = COVERAGE_RULES[ci_method]
    g2 = np.nan_to_num(np.asarray(skewness, dtype=np.float64) ** 2, nan=0.0, posinf=0.0)
    need = factor * g2
    need = floor + need if additive else np.maximum(floor, need)
    result: npt.NDArray[np.int64] = np.ceil(need).astype(np.int64)
    return result


def warn_coverage(
    y: FloatArray,
    x: FloatArray,
    codes: npt.NDArray[np.integer] | None,
    n_groups: int,
    value: FloatArray,
    n_clusters: FloatArray,
    *,
    ci_method: str,
    confidence_level: float,
    grouped: bool,
    shown: npt.NDArray[np.bool_],
    units: str,
) -> None:
    """One :class:`~cxlib.core.errors.CoverageWarning` for the groups with too few clusters.

    Only groups with a finite value and at least two clusters among ``shown`` count
    (with fewer the interval is undefined, and another warning says so).
    """
    if ci_method not in WARNED_METHODS:
        return
    skew = linearised_skewness(y, x, codes, n_groups, value)
    need = trusted_from(ci_method, skew)
    short = shown & np.isfinite(value) & (n_clusters >= 2) & (n_clusters < need)
    if not short.any():
        return
    level = f"{100.0 * confidence_level:g}%"
    worst = int(np.argmax(np.where(short, need, -1)))
    have, want = int(n_clusters[worst]), int(need[worst])
    skew_text = f"skewness {skew[worst]:.1f}" if np.isfinite(skew[worst]) else "no spread"
    where = (
        f"{int(short.sum())} group(s), e.g. one of {have:,} {units} ({skew_text})"
        if grouped
        else f"these {have:,} {units} ({skew_text})"
    )
    warnings.warn(
        f"the {ci_method} interval may cover the true value less often than "
        f"{level} for {where}: with data this skewed it can be trusted from about "
        f"{want:,} {units}",
        CoverageWarning,
        stacklevel=find_stack_level(),
    )
