"""What :func:`cxlib.ab.compare` measures: metric specifications naming DataFrame columns.

A metric is either per unit (one row per randomised unit: visitor, customer,
respondent) or already summed (one or more rows of sufficient statistics per arm and
segment, e.g. from an experiment platform's export; rows of the same arm add up).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .quantiles import check_q

__all__ = ["Index", "Mean", "Proportion", "Quantile", "Ratio"]


@dataclass(frozen=True)
class Proportion:
    """A conversion rate.

    Parameters
    ----------
    successes : str
        Column of per-unit flags (bool or 0/1) when ``trials`` is None; otherwise a
        column of success counts.
    trials : str, optional
        Column of trial counts (visitors) for summed data.

    Examples
    --------
    >>> import cxlib as cx
    >>> cx.ab.Proportion("converted")
    Proportion(successes='converted', trials=None)
    """

    successes: str
    trials: str | None = None


@dataclass(frozen=True)
class Mean:
    """A mean of a per-unit value (revenue per visitor).

    Give one of:

    - ``column``: per-unit values, one row per unit;
    - ``n``, ``mean`` and ``var``: columns of summaries (the number of units, their
      mean and their sample variance with ``ddof = 1``, see
      :class:`cxlib.ab.MeanStats`), as a warehouse or a dashboard exports them;
    - ``n``, ``sum`` and ``sum_squares``: columns of raw sums, for when nothing else is
      at hand. Their variance, from the difference of ``sum_squares`` and
      ``sum**2 / n``, loses digits for values far from zero; a
      :class:`~cxlib.PrecisionWarning` says when fewer than about six significant
      digits are left.

    Several rows of one arm and segment are merged (their summaries add up).

    Examples
    --------
    >>> import cxlib as cx
    >>> cx.ab.Mean("revenue")
    Mean(column='revenue', n=None, sum=None, sum_squares=None, mean=None, var=None)
    >>> cx.ab.Mean(n="visitors", mean="revenue_mean", var="revenue_var").var
    'revenue_var'
    """

    column: str | None = None
    n: str | None = None
    sum: str | None = None
    sum_squares: str | None = None
    mean: str | None = None
    var: str | None = None

    def __post_init__(self) -> None:
        sums = (self.n, self.sum, self.sum_squares)
        summary = (self.n, self.mean, self.var)
        rest = (self.sum, self.sum_squares, self.mean, self.var)
        per_unit = self.column is not None and self.n is None and all(s is None for s in rest)
        summed = self.column is None and all(s is not None for s in sums)
        summed = summed and self.mean is None and self.var is None
        summarised = self.column is None and all(s is not None for s in summary)
        summarised = summarised and self.sum is None and self.sum_squares is None
        if not (per_unit or summed or summarised):
            raise ValueError(
                "Mean takes either column= (per-unit values), all of n=, mean= and var= "
                "(summaries) or all of n=, sum= and sum_squares= (raw sums); got "
                f"column={self.column!r}, n={self.n!r}, mean={self.mean!r}, "
                f"var={self.var!r}, sum={self.sum!r}, sum_squares={self.sum_squares!r}"
            )


@dataclass(frozen=True)
class Ratio:
    """A ratio metric ``sum(numerator) / sum(denominator)`` over randomised units.

    Give one of:

    - ``numerator`` and ``denominator``: per-unit values, one row per randomised unit
      (visitor), e.g. its revenue and its orders;
    - ``n``, ``numerator_mean``, ``denominator_mean``, ``numerator_var``,
      ``denominator_var`` and ``covariance``: columns of summaries (sample variances
      and covariance with ``ddof = 1``), as :class:`cxlib.ab.RatioStats` takes them;
    - ``numerator`` and ``denominator`` naming columns of sums, with ``n``,
      ``numerator_squares``, ``denominator_squares`` and ``cross`` (sums of squares
      and of products; read as :meth:`cxlib.ab.RatioStats.from_sums`, with a
      :class:`~cxlib.PrecisionWarning` when they cannot hold the variance).

    Several rows of one arm and segment are merged (their summaries add up), as for
    :class:`Mean`.

    Examples
    --------
    >>> import cxlib as cx
    >>> cx.ab.Ratio("revenue", "orders").numerator
    'revenue'
    >>> spec = cx.ab.Ratio(n="visitors", numerator_mean="revenue_mean",
    ...     denominator_mean="orders_mean", numerator_var="revenue_var",
    ...     denominator_var="orders_var", covariance="revenue_orders_cov")
    >>> spec.summed
    True
    """

    numerator: str | None = None
    denominator: str | None = None
    n: str | None = None
    numerator_squares: str | None = None
    denominator_squares: str | None = None
    cross: str | None = None
    numerator_mean: str | None = None
    denominator_mean: str | None = None
    numerator_var: str | None = None
    denominator_var: str | None = None
    covariance: str | None = None

    @property
    def summed(self) -> bool:
        """Whether the columns hold sufficient statistics (summaries or sums)."""
        return self.n is not None

    def __post_init__(self) -> None:
        given = {name for name, v in vars(self).items() if v is not None}
        forms = (
            {"numerator", "denominator"},
            {"numerator", "denominator", "n", "numerator_squares", "denominator_squares"}
            | {"cross"},
            {"n", "numerator_mean", "denominator_mean", "numerator_var", "denominator_var"}
            | {"covariance"},
        )
        if given not in forms:
            shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in sorted(given)) or "nothing"
            raise ValueError(
                "Ratio takes either numerator= and denominator= (per-unit values); all of "
                "n=, numerator_mean=, denominator_mean=, numerator_var=, denominator_var= "
                "and covariance= (summaries); or numerator= and denominator= (sums) with "
                "all of n=, numerator_squares=, denominator_squares= and cross= (raw "
                f"sums); got {shown}"
            )


@dataclass(frozen=True)
class Quantile:
    """A quantile (the median, the 90th percentile) of a per-unit value.

    Compared as :func:`cxlib.ab.compare_quantiles` compares it, with
    ``ci_method="price-bonett"`` (what :func:`cxlib.ab.compare`'s default stands for
    here) or ``"bootstrap"``.

    Parameters
    ----------
    column : str
        Column of per-unit values, one row per unit.
    q : float, default 0.5
        The quantile, strictly between 0 and 1.

    Examples
    --------
    >>> import cxlib as cx
    >>> cx.ab.Quantile("order_value", q=0.9)
    Quantile(column='order_value', q=0.9)
    """

    column: str
    q: float = 0.5

    def __post_init__(self) -> None:
        if not isinstance(self.column, str):
            raise TypeError(f"Quantile: column must be a column name; got {self.column!r}")
        object.__setattr__(self, "q", check_q(self.q))


@dataclass(frozen=True)
class Index:
    """A survey index of cxlib (NPS, CSAT, CES, ...), compared between arms.

    Parameters
    ----------
    function : callable
        The index function, e.g. :func:`cxlib.nps` or :func:`cxlib.csat`.
    columns : str or list of str
        Its column argument (a list for the multi-item indices).
    options : mapping, optional
        Further keyword arguments of the function (``scale=``, ``top_box=``,
        ``weights=``, ...).

    Examples
    --------
    >>> import cxlib as cx
    >>> cx.ab.Index(cx.nps, "recommend").columns
    'recommend'
    """

    function: Callable[..., Any]
    columns: str | list[str]
    options: Mapping[str, Any] = field(default_factory=dict)
