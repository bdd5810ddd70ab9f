"""RFM quantile scores and named recency x frequency segments of an RFM summary."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.validation import NanPolicy, check_nan_policy, get_column

__all__ = ["RFM_SEGMENTS", "RFMSegment", "rfm_scores"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class RFMSegment(NamedTuple):
    """A named rectangle of the 5 x 5 grid of recency (R) and frequency (F) levels.

    ``recency`` and ``frequency`` are inclusive ranges ``(low, high)`` of levels 1..5,
    5 being the most recent / most frequent.
    """

    name: str
    recency: tuple[int, int]
    frequency: tuple[int, int]
    description: str


#: The segments of :func:`rfm_scores`, from the best to the worst; they tile the
#: 5 x 5 grid of R and F levels (every cell belongs to exactly one segment).
RFM_SEGMENTS: tuple[RFMSegment, ...] = (
    RFMSegment("champions", (5, 5), (4, 5), "bought very recently and buy often"),
    RFMSegment("loyal", (3, 4), (4, 5), "buy often, last bought a while ago"),
    RFMSegment("potential loyalists", (4, 5), (2, 3), "recent customers with a few purchases"),
    RFMSegment("new", (5, 5), (1, 1), "first and only purchase very recently"),
    RFMSegment("promising", (4, 4), (1, 1), "recent customers with a single purchase"),
    RFMSegment("need attention", (3, 3), (3, 3), "middling recency and frequency"),
    RFMSegment("about to sleep", (3, 3), (1, 2), "few purchases, fading recency"),
    RFMSegment("cannot lose", (1, 2), (5, 5), "bought most often, but long ago"),
    RFMSegment("at risk", (1, 2), (3, 4), "bought fairly often, but long ago"),
    RFMSegment("hibernating", (2, 2), (1, 2), "few purchases, long ago"),
    RFMSegment("lost", (1, 1), (1, 2), "few purchases, longest ago"),
)


def _segment_grid() -> IntArray:
    grid = np.full((5, 5), -1, dtype=np.int64)
    for code, seg in enumerate(RFM_SEGMENTS):
        grid[seg.recency[0] - 1 : seg.recency[1], seg.frequency[0] - 1 : seg.frequency[1]] = code
    return grid


_SEGMENT_GRID = _segment_grid()
_SEGMENT_NAMES = [seg.name for seg in RFM_SEGMENTS]


def _group_scores(counts: IntArray, n_bins: int) -> IntArray:
    """The score of each distinct value (sorted ascending), given how many customers have it.

    Equal-count binning that never splits a tie; see :func:`rfm_scores` for the rule.
    """
    k = len(counts)
    if k == 1:
        return np.array([(n_bins + 1) // 2], dtype=np.int64)
    if k <= n_bins:  # one value per score, spread evenly from 1 to n_bins
        j = np.arange(k, dtype=np.int64)
        spread: IntArray = 1 + (2 * j * (n_bins - 1) + (k - 1)) // (2 * (k - 1))
        return spread
    cum = np.cumsum(counts, dtype=np.int64)
    n = int(cum[-1])
    scores = np.empty(k, dtype=np.int64)
    start = 0  # first value of the current bin
    for score in range(1, n_bins):
        left = n_bins - score + 1  # bins still to fill, this one included
        done = int(cum[start - 1]) if start else 0
        # The bin should end where the cumulative count reaches done + (n - done) / left;
        # in units of 1 / left, so that the comparison is exact.
        target = done * left + (n - done)
        lowest, highest = start, k - (n_bins - score) - 1  # leave a value for each later bin
        i = int(np.searchsorted(cum * left, target))
        candidates = [min(max(c, lowest), highest) for c in (i - 1, i)]
        end = min(candidates, key=lambda c: (abs(int(cum[c]) * left - target), c))
        scores[start : end + 1] = score
        start = end + 1
    scores[start:] = n_bins
    return scores


def _quantile_scores(values: FloatArray, n_bins: int) -> IntArray:
    """Scores 1..n_bins of the values: equal-count bins that keep ties together."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    result: IntArray = _group_scores(counts.astype(np.int64), n_bins)[inverse.ravel()]
    return result


def _summary_column(summary: pd.DataFrame, name: str) -> FloatArray:
    column = get_column(summary, name, "summary column")
    try:
        values = np.asarray(column.to_numpy(dtype=np.float64, na_value=np.nan))
    except (ValueError, TypeError):
        raise TypeError(f"summary column {name!r} must hold numbers; got {column.dtype}") from None
    bad = np.isinf(values)
    if bad.any():
        raise ValueError(
            f"summary column {name!r} has {int(bad.sum())} infinite value(s); scores need "
            "finite values"
        )
    return values


def rfm_scores(
    summary: pd.DataFrame, *, n_bins: int = 5, nan_policy: NanPolicy = "omit"
) -> pd.DataFrame:
    """Add recency, frequency and monetary quantile scores and an R/F segment.

    **Scores.** Each score runs from 1 to ``n_bins``, higher is better: ``r_score`` from the time
    since the last purchase, ``T - recency`` (smaller is better: a more recent buyer
    scores higher), ``f_score`` from ``frequency``, ``m_score`` from
    ``monetary_value`` (only when the summary has that column). Scores are quantile
    bins of equal counts of customers, except that customers with equal values always
    share a bin. With the ``k`` distinct values sorted, the bins are filled in order:

    - bin ``b`` starts at the first value not yet binned; with ``d`` customers binned
      so far, it should hold ``(n - d) / (n_bins - b + 1)`` customers (an equal share
      of the rest), so it ends at the distinct value whose cumulative count is closest
      to ``d + (n - d) / (n_bins - b + 1)`` (on a tie, the smaller value), keeping at
      least one value for each later bin; the last bin takes the rest;
    - with ``k <= n_bins`` each distinct value is a bin of its own, spread evenly:
      the ``j``-th smallest (``j = 0 .. k - 1``) scores
      ``1 + round(j (n_bins - 1) / (k - 1))`` (halves rounded up); if every customer
      has the same value, all score the middle ``(n_bins + 1) // 2``.

    So ties share a score, scores never decrease as the value grows, the lowest value
    scores 1 and (with two or more distinct values) the highest ``n_bins``, and
    distinct values give the usual equal-count quantile bins. A heavy tie fills its
    own bin and the other customers are spread over the remaining scores: when 60 %
    of the customers have ``frequency`` 0, they score 1 and the repeat buyers share
    scores 2 to ``n_bins`` equally (``pandas.qcut`` would fail or drop bins, and
    ranking with ``method="first"`` would give equal customers different scores).
    The rule depends only on the multiset of values, never on the row order.

    **rfm_score** is the digits of ``r_score``, ``f_score`` and ``m_score`` (or of the
    first two without monetary value), e.g. ``"545"``.

    **segment** names a rectangle of the grid of R and F levels, see
    :data:`RFM_SEGMENTS` (levels are the scores when ``n_bins=5``; otherwise a score
    ``s`` is placed on the 5-level grid at the middle of its quantile band,
    ``level = floor(5 (s - 1/2) / n_bins) + 1``):

    ===================  ========  =========
    segment              R level   F level
    ===================  ========  =========
    champions            5         4-5
    loyal                3-4       4-5
    potential loyalists  4-5       2-3
    new                  5         1
    promising            4         1
    need attention       3         3
    about to sleep       3         1-2
    cannot lose          1-2       5
    at risk              1-2       3-4
    hibernating          2         1-2
    lost                 1         1-2
    ===================  ========  =========

    For segmentation, summarise with ``include_first_transaction=True`` so that
    ``frequency`` and ``monetary_value`` count every purchase (with the default, a
    one-time buyer has ``monetary_value`` 0).

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`rfm_summary` (columns ``frequency``, ``recency``, ``T`` and
        optionally ``monetary_value``), or any frame with those columns.
    n_bins : int, default 5
        Number of score levels, 2..9 (one digit each in ``rfm_score``).
    nan_policy : {"omit", "raise", "propagate"}, default "omit"
        Customers with a missing value in a column used (e.g. from
        ``rfm_summary(..., nan_policy="propagate")``): scored as missing while the
        others are binned among themselves ("omit" and "propagate"), or a ValueError
        ("raise").

    Returns
    -------
    pandas.DataFrame
        A copy of ``summary`` with int64 columns ``r_score``, ``f_score``,
        [``m_score``], string column ``rfm_score`` and categorical ``segment``
        (categories in the order of :data:`RFM_SEGMENTS`). With customers left unscored,
        the score columns are nullable ``Int64`` and their cells missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.orders.rfm_scores import rfm_scores
    >>> summary = pd.DataFrame({"frequency": [0.0, 0.0, 0.0, 2.0, 5.0, 1.0],
    ...                         "recency": [0.0, 0.0, 0.0, 40.0, 80.0, 10.0],
    ...                         "T": [90.0, 30.0, 5.0, 50.0, 85.0, 95.0],
    ...                         "monetary_value": [0.0, 0.0, 0.0, 25.0, 40.0, 10.0]},
    ...                        index=pd.Index(list("abcdef"), name="customer"))
    >>> rfm_scores(summary)[["r_score", "f_score", "m_score", "rfm_score", "segment"]]
              r_score  f_score  m_score rfm_score        segment
    customer
    a               1        1        1       111            lost
    b               3        1        1       311  about to sleep
    c               5        1        1       511             new
    d               4        4        4       444           loyal
    e               5        5        5       555       champions
    f               2        2        2       222     hibernating

    The three one-time buyers share the lowest F score; the four distinct frequencies
    (0, 1, 2, 5) are spread over the scores 1, 2, 4 and 5.
    """
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"summary must be a pandas DataFrame; got {type(summary).__name__}")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)):
        raise TypeError(f"n_bins must be an integer from 2 to 9; got {n_bins!r}")
    if not 2 <= n_bins <= 9:
        raise ValueError(f"n_bins must be an integer from 2 to 9; got {n_bins}")
    if len(summary) == 0:
        raise ValueError("summary has no rows: there are no customers to score")
    bins = int(n_bins)
    policy = check_nan_policy(nan_policy)
    names = ["frequency", "recency", "T"]
    if "monetary_value" in summary.columns:
        names.append("monetary_value")
    values = {name: _summary_column(summary, name) for name in names}
    missing = np.zeros(len(summary), dtype=bool)
    for name in names:
        missing |= np.isnan(values[name])
    if missing.any() and policy == "raise":
        counts = ", ".join(f"{name!r} has {int(np.isnan(values[name]).sum())}" for name in names)
        raise ValueError(
            f"summary has {int(missing.sum())} customer(s) with missing values ({counts}); "
            "pass nan_policy='omit' to score the others"
        )
    ok = ~missing
    if not ok.any():
        raise ValueError("every customer of summary has a missing value: nobody to score")
    gap = values["T"][ok] - values["recency"][ok]
    scores = {
        "r_score": _quantile_scores(-gap, bins),  # a shorter time since the last purchase wins
        "f_score": _quantile_scores(values["frequency"][ok], bins),
    }
    if "monetary_value" in values:
        scores["m_score"] = _quantile_scores(values["monetary_value"][ok], bins)
    code = np.zeros(int(ok.sum()), dtype=np.int64)
    for score in scores.values():
        code = code * 10 + score
    r_level = (10 * scores["r_score"] - 5) // (2 * bins)
    f_level = (10 * scores["f_score"] - 5) // (2 * bins)
    segment = np.full(len(summary), -1, dtype=np.int64)
    segment[ok] = _SEGMENT_GRID[r_level, f_level]
    out: pd.DataFrame = summary.copy()
    for name, score in scores.items():
        out[name] = _spread(score, ok, summary.index)
    labels = pd.Series(code, index=summary.index[ok]).astype(str)
    out["rfm_score"] = labels if ok.all() else labels.reindex(summary.index)
    out["segment"] = pd.Categorical.from_codes(segment, categories=pd.Index(_SEGMENT_NAMES))
    return out


def _spread(score: IntArray, ok: npt.NDArray[np.bool_], index: pd.Index[Any]) -> pd.Series[Any]:
    """The scores of the rows of ``ok``: int64, or nullable Int64 with <NA> elsewhere."""
    if ok.all():
        plain: pd.Series[Any] = pd.Series(score, index=index)
        return plain
    full = np.zeros(len(ok), dtype=np.int64)
    full[ok] = score
    nullable: pd.Series[Any] = pd.Series(pd.arrays.IntegerArray(full, ~ok), index=index)
    return nullable
