"""Checks of an A/B test's data: the sample-ratio-mismatch (SRM) check."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..core.errors import CxlibWarning, find_stack_level
from ..core.results import Result, html_rows
from ..core.sequential import check_tuning
from ..core.validation import as_numeric_1d, check_choice, show_values
from ._design import MAX_COUNT, _in_unit_interval, _pct
from .srm_tests import MAX_OUTCOMES, exact_multinomial_p_value, n_outcomes, sequential_p_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["SRMResult", "srm"]


@dataclass(frozen=True)
class SRMResult(Result):
    """Result of the sample-ratio-mismatch check, returned by :func:`srm`.

    Attributes
    ----------
    statistic : float
        Pearson's chi-square statistic; with ``method="sequential"``, the log of the
        mixture e-value.
    p_value : float
        Its p-value: chi-square with ``df`` degrees of freedom, exact multinomial, or
        always valid (see ``method``).
    df : int
        Degrees of freedom, the number of arms minus one.
    mismatch : bool
        ``p_value < alpha``: the split differs from the plan; do not trust the results
        until the cause is found.
    alpha : float
        Threshold of the check.
    arms : tuple of str
        Names of the arms.
    observed : tuple of int
        Visitors counted in each arm.
    expected : tuple of float
        Visitors expected in each arm under the planned split.
    observed_shares : tuple of float
        Observed fraction of visitors in each arm.
    planned_shares : tuple of float
        Planned fraction of visitors in each arm.
    method : str
        ``"chisquare"``, ``"exact"`` or ``"sequential"`` (see :func:`srm`).
    """

    statistic: float
    p_value: float
    df: int
    mismatch: bool
    alpha: float
    arms: tuple[str, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    observed_shares: tuple[float, ...]
    planned_shares: tuple[float, ...]
    method: str = "chisquare"

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: observed and expected counts and shares."""
        frame: pd.DataFrame = pd.DataFrame(
            {
                "arm": list(self.arms),
                "observed": list(self.observed),
                "expected": list(self.expected),
                "observed_share": list(self.observed_shares),
                "planned_share": list(self.planned_shares),
            }
        )
        return frame

    def __str__(self) -> str:
        p = self.p_value
        p_text = f"p = {p:.2g}" if p < 0.001 else f"p = {p:.3f}"
        verdict = "MISMATCH" if self.mismatch else "no mismatch"
        observed = " / ".join(_pct(s) for s in self.observed_shares)
        planned = " / ".join(_pct(s) for s in self.planned_shares)
        test = {
            "chisquare": f"χ² = {self.statistic:.3g}, df = {self.df}",
            "exact": "exact multinomial",
            "sequential": f"sequential, log e = {self.statistic:.3g}",
        }[self.method]
        return (
            f"SRM check: {verdict} ({test}, {p_text}, "
            f"alpha = {self.alpha:g}) · observed {observed} vs planned {planned} "
            f"· n = {sum(self.observed):,}"
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return html_rows(str(self), self._attributes())

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Observed against expected units per arm (:func:`cxlib.plotting.srm`)."""
        from ..plotting import srm as draw

        return draw(self, ax=ax, **kwargs)


def _counts(observed_counts: object) -> tuple[npt.NDArray[np.int64], tuple[str, ...] | None]:
    labels: tuple[str, ...] | None = None
    values: object = observed_counts
    if isinstance(observed_counts, Mapping):
        labels = tuple(str(k) for k in observed_counts)
        values = list(observed_counts.values())
    elif isinstance(observed_counts, pd.Series):
        labels = tuple(str(k) for k in observed_counts.index)
    arr = as_numeric_1d(values, "observed_counts")
    if arr.shape[0] < 2:
        raise ValueError(f"observed_counts needs at least 2 arms; got {arr.shape[0]}")
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr)) | (arr > MAX_COUNT)
    if bad.any():
        raise ValueError(
            "observed_counts must be non-negative whole numbers up to 2**53 (visitors per "
            "arm); got " + show_values(arr[bad])
        )
    counts = arr.astype(np.int64)
    if counts.sum() == 0:
        raise ValueError("observed_counts are all zero; there is nothing to check")
    if labels is not None and len(set(labels)) != len(labels):
        raise ValueError(f"observed_counts has repeated arm names: {list(labels)}")
    return counts, labels


def _shares(
    planned_shares: object, k: int, labels: tuple[str, ...] | None
) -> npt.NDArray[np.float64]:
    if planned_shares is None:
        return np.full(k, 1.0 / k)
    values: object = planned_shares
    if isinstance(planned_shares, (Mapping, pd.Series)):
        keyed = dict(planned_shares.items())
        names = {str(key): value for key, value in keyed.items()}
        if labels is None:
            raise TypeError(
                "planned_shares given by arm name needs named observed_counts (a dict or a "
                "pandas Series)"
            )
        if set(names) != set(labels):
            raise ValueError(
                f"planned_shares must name the same arms as observed_counts {list(labels)}; "
                f"got {list(names)}"
            )
        values = [names[label] for label in labels]
    shares = np.asarray(as_numeric_1d(values, "planned_shares"), dtype=np.float64)
    if shares.shape[0] != k:
        raise ValueError(f"planned_shares must have one share per arm ({k}); got {shares.shape[0]}")
    bad = ~np.isfinite(shares) | (shares <= 0)
    if bad.any():
        raise ValueError("planned_shares must be positive; got " + show_values(shares[bad]))
    total = float(shares.sum())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(
            f"planned_shares must sum to 1; got {show_values(shares)} summing to {total:.6g} "
            "(pass fractions, e.g. [0.5, 0.5], or divide weights by their sum)"
        )
    return shares / total


def srm(
    observed_counts: npt.ArrayLike | Mapping[str, int] | pd.Series[int],
    planned_shares: npt.ArrayLike | Mapping[str, float] | pd.Series[float] | None = None,
    *,
    alpha: float = 0.001,
    method: Literal["chisquare", "exact", "sequential"] = "chisquare",
    concentration: float = 100.0,
) -> SRMResult:
    """Sample-ratio-mismatch (SRM) check: do the arm counts match the planned split?

    A chi-square goodness-of-fit test (:func:`scipy.stats.chisquare`) of the visitors
    counted in each arm against ``total * planned_shares``. A mismatch means that the
    assignment or the logging is broken (bots, redirects, crashes in one arm, ...) and
    that the experiment's results are not trustworthy (Fabijan et al. 2019, "Diagnosing
    sample ratio mismatch in online controlled experiments", KDD).

    Parameters
    ----------
    observed_counts : array-like, dict or pandas.Series
        Visitors (units) assigned to each arm: non-negative whole numbers, at least two
        arms. A dict or Series names the arms.
    planned_shares : array-like, dict or pandas.Series, optional
        Planned fraction of visitors in each arm, positive and summing to 1 (within
        1e-6; they are then rescaled to sum to exactly 1). Weights such as ``[1, 1]``
        are refused rather than guessed at: pass ``[0.5, 0.5]``. By arm name when the
        counts are named. Default: an equal split.
    alpha : float, default 0.001
        Threshold of the check. The strict default is the usual one for SRM checks
        (e.g. GrowthBook's default SRM threshold), which run on every experiment,
        often repeatedly: a lenient threshold would flag many healthy experiments.
    method : {"chisquare", "exact", "sequential"}, default "chisquare"
        ``"chisquare"``: Pearson's test (:func:`scipy.stats.chisquare`). ``"exact"``:
        the exact multinomial test, for small counts (two arms: the exact binomial
        test; more arms: every outcome enumerated, up to two million of them).
        ``"sequential"``: the always-valid p-value of the Dirichlet-multinomial
        mixture (Lindon & Malek 2022), for a check run at every look of a running
        test: the chance that it ever falls below ``alpha`` is at most ``alpha``.
    concentration : float, default 100
        The Dirichlet prior's concentration around the planned split
        (``method="sequential"``; 100 as in Lindon & Malek's examples): larger values
        detect small mismatches sooner and large ones later.

    Returns
    -------
    SRMResult
        ``statistic``, ``p_value``, ``df``, ``mismatch`` (``p_value < alpha``), expected
        counts, observed and planned shares; ``to_frame()`` gives one row per arm.

    Warns
    -----
    CxlibWarning
        When an expected count is below 5, where the chi-square approximation is poor.

    Examples
    --------
    >>> from cxlib.ab import srm
    >>> check = srm({"control": 50_312, "variant": 49_688})
    >>> check.mismatch, round(check.p_value, 3)
    (False, 0.048)
    >>> srm([10_000, 10_900, 21_100], planned_shares=[0.25, 0.25, 0.5]).mismatch
    True
    >>> round(srm([12, 3], method="exact").p_value, 4)
    0.0352
    >>> print(srm({"control": 50_312, "variant": 49_688}, method="sequential"))
    ... # doctest: +ELLIPSIS
    SRM check: no mismatch (sequential, log e = ..., p = 1.000, alpha = 0.001) · ...
    """
    level = _in_unit_interval("alpha", alpha)
    how = check_choice("method", method, ("chisquare", "exact", "sequential"))
    strength = check_tuning(concentration, "concentration")
    counts, labels = _counts(observed_counts)
    k = counts.shape[0]
    shares = _shares(planned_shares, k, labels)
    total = int(counts.sum())
    expected = total * shares
    if how == "exact" and k > 2 and n_outcomes(total, k) > MAX_OUTCOMES:
        raise ValueError(
            f"method='exact' enumerates every outcome: {n_outcomes(total, k):,} for "
            f"{total:,} units in {k} arms, more than {MAX_OUTCOMES:,}; use "
            "method='chisquare', which is accurate at these counts"
        )
    if how == "chisquare" and (expected < 5).any():
        warnings.warn(
            f"expected counts below 5 ({show_values(expected[expected < 5].round(3))}): the "
            "chi-square approximation of the SRM p-value is poor",
            CxlibWarning,
            stacklevel=find_stack_level(),
        )
    result = stats.chisquare(counts.astype(np.float64), f_exp=expected)
    statistic, p_value = float(result.statistic), float(result.pvalue)
    if how == "exact":
        p_value = exact_multinomial_p_value(counts, shares)
    elif how == "sequential":
        statistic, p_value = sequential_p_value(counts, shares, strength)
    return SRMResult(
        statistic=statistic,
        p_value=p_value,
        df=k - 1,
        mismatch=bool(p_value < level),
        alpha=level,
        arms=labels if labels is not None else tuple(str(i) for i in range(k)),
        observed=tuple(int(c) for c in counts),
        expected=tuple(float(e) for e in expected),
        observed_shares=tuple(float(c) / total for c in counts),
        planned_shares=tuple(float(s) for s in shares),
        method=how,
    )
