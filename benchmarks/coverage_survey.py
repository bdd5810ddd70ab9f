"""Coverage of cxlib's 95 % intervals for the survey indices (Monte Carlo, seeded).

Cells (family "survey"):

* ``ces`` on 1-7 and 1-5, answers piled at the top (80 % or 60 % sevens), J-shaped,
  piled at the bottom, concentrated on two neighbouring answers, and symmetric; n = 5,
  10, 20, 30, 50, 100, 300; methods "adjusted-wald" (default) and "t". Weighted CES:
  lognormal survey weights independent of the answers (sigma 0.5 and 1.0), n = 10,
  30, 100; the intervals use the effective sample size.
* ``loyalty_index`` (3 items on 1-6, most customers "very likely") and
  ``engagement_index`` (5 items on 1-5, most answers at the top), n = 10, 30, 100.
* ``nps_difference``: two samples of n = 10, 30, 100, 500 each, equal share profiles
  (true difference 0: ``1 - coverage`` is the false-positive rate of the test, which
  agrees with the interval) and unequal ones; methods "mover" (default), "wald",
  "adjusted-wald".
* cells that passed before and must keep passing: the NPS score interval (five share
  profiles, n = 10 to 2000) and weighted NPS (lognormal weights) with their defaults, and
  CSAT (50 to 99 % satisfied, n = 10 to 2000) with its default, the modified Wilson
  interval, and the Wilson interval beside it.

Each cell's ``R`` samples are one grouped call (``by="rep"``). Unweighted samples are
passed as category counts with frequency weights (``weights_kind="frequency"``), which
gives exactly the result of the repeated rows (tested in cxlib) at the cost of a few
rows per sample. The NPS difference reads each sample's shares from one grouped
``cx.nps`` call per side and computes all intervals with
``cxlib.survey.nps_difference_intervals.nps_difference_interval``, the code that
``cx.nps_difference`` runs. Samples of a cell come from
``numpy.random.default_rng([seed, cell code, n])``.

Run: ``python benchmarks/coverage_survey.py [--quick] [--replicates R] [--seed S]``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from _coverage import COLUMNS

import cxlib as cx
from cxlib.survey.nps_difference_intervals import NPS_DIFFERENCE_METHODS, nps_difference_interval

LEVEL = 0.95
TOL = 1e-9
FloatArray = npt.NDArray[np.float64]

CES_CELLS: dict[str, tuple[int, int, list[float]]] = {
    "1-7, 80% top": (1, 7, [0.01, 0.01, 0.01, 0.02, 0.05, 0.10, 0.80]),
    "1-7, 60% top": (1, 7, [0.02, 0.02, 0.03, 0.05, 0.08, 0.20, 0.60]),
    "1-7, J-shaped": (1, 7, [0.15, 0.03, 0.02, 0.03, 0.07, 0.20, 0.50]),
    "1-7, 60% bottom": (1, 7, [0.60, 0.20, 0.08, 0.05, 0.03, 0.02, 0.02]),
    "1-7, two answers 6-7": (1, 7, [0, 0, 0, 0, 0, 0.3, 0.7]),
    "1-7, symmetric": (1, 7, [0.05, 0.10, 0.20, 0.30, 0.20, 0.10, 0.05]),
    "1-5, 70% top": (1, 5, [0.02, 0.03, 0.05, 0.20, 0.70]),
    "1-5, J-shaped": (1, 5, [0.12, 0.03, 0.05, 0.20, 0.60]),
    "1-5, symmetric": (1, 5, [0.10, 0.20, 0.40, 0.20, 0.10]),
}
CES_WEIGHTED = {"1-7, 80% top": (0.5, 1.0), "1-7, J-shaped": (1.0,), "1-5, 70% top": (0.5,)}
CES_N = (5, 10, 20, 30, 50, 100, 300)
MEAN_METHODS = ("adjusted-wald", "t")

# NPS shares (detractors, passives, promoters).
NPS_PROFILES: dict[str, tuple[float, float, float]] = {
    "balanced": (0.30, 0.30, 0.40),
    "typical": (0.20, 0.30, 0.50),
    "skewed positive": (0.05, 0.15, 0.80),
    "near-boundary": (0.01, 0.04, 0.95),
    "negative": (0.60, 0.30, 0.10),
}
DIFF_PAIRS: dict[str, tuple[str, str]] = {
    "0: typical vs typical": ("typical", "typical"),
    "0: balanced vs balanced": ("balanced", "balanced"),
    "0: skewed vs skewed": ("skewed positive", "skewed positive"),
    "0: negative vs negative": ("negative", "negative"),
    "+30: typical vs balanced": ("typical", "balanced"),
    "+75: skewed vs typical": ("skewed positive", "typical"),
}
CSAT_SHARES = (0.50, 0.80, 0.95, 0.99)
BIG_N = (10, 30, 100, 500, 2000)


@dataclass
class Result:
    rows: list[dict[str, Any]]
    notes: list[str]
    warned: list[dict[str, Any]] = field(default_factory=list)

    def add(self, metric: str, cell: str, n: int, method: str, default: bool, **kw: Any) -> None:
        self.rows.append(
            {
                "family": "survey",
                "metric": metric,
                "cell": cell,
                "n": n,
                "method": method,
                "default": default,
                **kw,
            }
        )


def _score(low: FloatArray, high: FloatArray, truth: float | FloatArray) -> dict[str, Any]:
    nan = ~(np.isfinite(low) & np.isfinite(high))
    covered = ~nan & (low <= truth + TOL) & (high >= truth - TOL)
    width = np.where(nan, np.nan, high - low)
    return {
        "coverage": float(covered.mean()),
        "mean_width": float(np.nanmean(width)) if (~nan).any() else np.nan,
        "nan_share": float(nan.mean()),
        "replicates": len(low),
    }


def _count_frame(counts: npt.NDArray[np.int64], answers: npt.NDArray[np.int64]) -> pd.DataFrame:
    """One row per (sample, answer) with its count as a frequency weight."""
    r, k = counts.shape
    return pd.DataFrame(
        {
            "rep": np.repeat(np.arange(r), k),
            "answer": np.tile(answers, r),
            "w": counts.ravel().astype(np.float64),
        }
    )


def _quiet(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    # A sample of equal answers gives a zero-width t or Wald interval and a warning;
    # it is counted as it is.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        # Very unequal weights: counted below (the share of warned samples per cell).
        warnings.simplefilter("ignore", cx.CoverageWarning)
        return func(*args, **kwargs)


def _interval(out: pd.DataFrame, reps: int) -> tuple[FloatArray, FloatArray]:
    low = np.full(reps, np.nan)
    high = np.full(reps, np.nan)
    idx = out["rep"].to_numpy()
    low[idx], high[idx] = out["ci_low"].to_numpy(), out["ci_high"].to_numpy()
    return low, high


def ces_cells(res: Result, reps: int, seed: int, ns: tuple[int, ...]) -> None:
    for code, (cell, (lo, hi, probs)) in enumerate(CES_CELLS.items()):
        p = np.asarray(probs) / np.sum(probs)
        answers = np.arange(lo, hi + 1)
        truth = float(p @ answers)
        for n in ns:
            rng = np.random.default_rng([seed, 100 + code, n])
            df = _count_frame(rng.multinomial(n, p, size=reps), answers)
            for method in MEAN_METHODS:
                out = _quiet(
                    cx.ces,
                    df,
                    "answer",
                    scale=(lo, hi),
                    by="rep",
                    weights="w",
                    weights_kind="frequency",
                    ci_method=method,
                )
                res.add(
                    "ces",
                    cell,
                    n,
                    method,
                    method == "adjusted-wald",
                    **_score(*_interval(out, reps), truth),
                )
        for sigma in CES_WEIGHTED.get(cell, ()):
            for n in (10, 30, 100):
                rng = np.random.default_rng([seed, 150 + code, n, int(10 * sigma)])
                # Unequal survey weights, independent of the answers (lognormal: Kish's
                # design effect 1 + CV**2 is 1.28 at sigma 0.5, 2.72 at sigma 1).
                x = rng.choice(answers, size=(reps, n), p=p)
                w = rng.lognormal(0.0, sigma, size=(reps, n))
                df = pd.DataFrame(
                    {"rep": np.repeat(np.arange(reps), n), "answer": x.ravel(), "w": w.ravel()}
                )
                label = f"{cell}, weighted (lognormal sigma {sigma})"
                kish = w.sum(axis=1) ** 2 / (w**2).sum(axis=1)
                deff = n / kish
                warned = float(((deff > 1.5) & (kish < np.where(deff > 3.0, 80.0, 40.0))).mean())
                res.notes.append(f"ces / {label} / n = {n}: CoverageWarning for {warned:.0%}")
                res.warned.append({"metric": "ces", "cell": label, "n": n, "warned": warned})
                for method in MEAN_METHODS:
                    out = _quiet(
                        cx.ces,
                        df,
                        "answer",
                        scale=(lo, hi),
                        by="rep",
                        weights="w",
                        ci_method=method,
                    )
                    res.add(
                        "ces",
                        label,
                        n,
                        method,
                        method == "adjusted-wald",
                        **_score(*_interval(out, reps), truth),
                    )


def multi_item_cells(res: Result, reps: int, seed: int, ns: tuple[int, ...]) -> None:
    # Loyalty: a respondent's level (1 = very likely) drawn from a skewed distribution,
    # each item that level or one step less likely with probability 0.3.
    level_p = np.array([0.55, 0.25, 0.1, 0.05, 0.03, 0.02])
    rng0 = np.random.default_rng([seed, 300])
    big = 400_000
    lv = rng0.choice(6, size=big, p=level_p)
    items = np.minimum(lv[:, None] + (rng0.random((big, 3)) < 0.3), 5) + 1
    truth_loyalty = float((100.0 * (6 - items) / 5).mean(axis=1).mean())
    # Engagement: 5 items on 1-5, a respondent's level 5 with probability 0.6.
    elp = np.array([0.05, 0.05, 0.1, 0.2, 0.6])
    lv = rng0.choice(5, size=big, p=elp)
    eitems = np.clip(lv[:, None] - (rng0.random((big, 5)) < 0.25), 0, 4) + 1
    truth_eng = float((25.0 * (eitems - 1)).mean(axis=1).mean())
    # The truths come from 400,000 simulated respondents (Monte Carlo error < 0.05
    # points); the samples are drawn from the same population.
    cols3, cols5 = ["r", "b", "o"], ["s", "a", "c", "d", "f"]
    for name, pool, cols, truth, func, code in (
        ("loyalty_index", items, cols3, truth_loyalty, cx.loyalty_index, 301),
        ("engagement_index", eitems, cols5, truth_eng, cx.engagement_index, 302),
    ):
        for n in ns:
            rng = np.random.default_rng([seed, code, n])
            rows = pool[rng.integers(0, big, size=reps * n)]
            df = pd.DataFrame(rows, columns=cols)
            df["rep"] = np.repeat(np.arange(reps), n)
            for method in MEAN_METHODS:
                out = _quiet(func, df, cols, by="rep", ci_method=method)
                res.add(
                    name,
                    "skewed to the positive end",
                    n,
                    method,
                    method == "adjusted-wald",
                    **_score(*_interval(out, reps), truth),
                )


def _nps_counts(
    rng: np.random.Generator, shares: tuple[float, ...], n: int, reps: int
) -> pd.DataFrame:
    # Only the category matters: answers 0 (detractor), 7 (passive), 10 (promoter).
    return _count_frame(rng.multinomial(n, shares, size=reps), np.array([0, 7, 10]))


def _shares(out: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray]:
    return (
        out["pct_promoters"].to_numpy() / 100.0,
        out["pct_detractors"].to_numpy() / 100.0,
        out["n"].to_numpy().astype(np.float64),
    )


def nps_difference_cells(res: Result, reps: int, seed: int, ns: tuple[int, ...]) -> None:
    for code, (cell, (pa, pb)) in enumerate(DIFF_PAIRS.items()):
        sa, sb = NPS_PROFILES[pa], NPS_PROFILES[pb]
        truth = (sa[2] - sa[0]) - (sb[2] - sb[0])
        for n in ns:
            rng = np.random.default_rng([seed, 400 + code, n])
            a = cx.nps(
                _nps_counts(rng, sa, n, reps),
                "answer",
                by="rep",
                weights="w",
                weights_kind="frequency",
            )
            b = cx.nps(
                _nps_counts(rng, sb, n, reps),
                "answer",
                by="rep",
                weights="w",
                weights_kind="frequency",
            )
            for method in NPS_DIFFERENCE_METHODS:
                low, high = nps_difference_interval(method, _shares(a), _shares(b), LEVEL)
                res.add(
                    "nps_difference",
                    cell,
                    n,
                    method,
                    method == "mover",
                    **_score(low * 100.0, high * 100.0, truth * 100.0),
                )


def passing_cells(res: Result, reps: int, seed: int, ns: tuple[int, ...]) -> None:
    for code, (cell, shares) in enumerate(NPS_PROFILES.items()):
        truth = 100.0 * (shares[2] - shares[0])
        for n in ns:
            rng = np.random.default_rng([seed, 500 + code, n])
            out = _quiet(
                cx.nps,
                _nps_counts(rng, shares, n, reps),
                "answer",
                by="rep",
                weights="w",
                weights_kind="frequency",
            )
            res.add("nps", cell, n, "score", True, **_score(*_interval(out, reps), truth))
        if cell in ("typical", "skewed positive"):
            for n in (30, 100, 500):
                rng = np.random.default_rng([seed, 550 + code, n])
                # Promoters over-sampled two to one, weights undo it, with noise.
                tilt = np.array([1.0, 1.0, 2.0])
                q = np.asarray(shares) * tilt / np.sum(np.asarray(shares) * tilt)
                cat = rng.choice(3, size=(reps, n), p=q)
                w = (np.asarray(shares) / q)[cat] * rng.lognormal(0.0, 0.5, size=(reps, n))
                df = pd.DataFrame(
                    {
                        "rep": np.repeat(np.arange(reps), n),
                        "answer": np.array([0, 7, 10])[cat].ravel(),
                        "w": w.ravel(),
                    }
                )
                out = _quiet(cx.nps, df, "answer", by="rep", weights="w")
                res.add(
                    "nps",
                    f"{cell}, weighted (lognormal 0.5, promoters 2x)",
                    n,
                    "score",
                    True,
                    **_score(*_interval(out, reps), truth),
                )
    for code, share in enumerate(CSAT_SHARES):
        probs = np.concatenate(
            [(1 - share) * np.array([0.2, 0.3, 0.5]), share * np.array([0.45, 0.55])]
        )
        for n in ns:
            rng = np.random.default_rng([seed, 600 + code, n])
            df = _count_frame(rng.multinomial(n, probs, size=reps), np.arange(1, 6))
            for method in ("modified-wilson", "wilson"):
                out = _quiet(
                    cx.csat,
                    df,
                    "answer",
                    by="rep",
                    weights="w",
                    weights_kind="frequency",
                    ci_method=method,
                )
                res.add(
                    "csat",
                    f"{share:.0%} satisfied",
                    n,
                    method,
                    method == "modified-wilson",
                    **_score(*_interval(out, reps), 100.0 * share),
                )


def run_cells(*, replicates: int, seed: int, quick: bool = False) -> pd.DataFrame:
    """Coverage of every (cell, n, method) of the survey family: one row each."""
    res = Result([], [])
    ces_n = (10, 30) if quick else CES_N
    small = (10, 30) if quick else (10, 30, 100)
    diff_n = (10, 30) if quick else (10, 30, 100, 500)
    big = (10, 100) if quick else BIG_N
    ces_cells(res, replicates, seed, ces_n)
    multi_item_cells(res, replicates, seed, small)
    nps_difference_cells(res, replicates, seed, diff_n)
    passing_cells(res, replicates, seed, big)
    table = pd.DataFrame(res.rows, columns=COLUMNS)
    table.attrs["notes"] = res.notes
    # Share of the samples of a cell that cxlib flags with a CoverageWarning.
    table.attrs["warnings"] = pd.DataFrame(res.warned, columns=["metric", "cell", "n", "warned"])
    return table


def _report(table: pd.DataFrame) -> Iterator[str]:
    pd.set_option("display.width", 200)
    for metric, part in table.groupby("metric", sort=False):
        pivot = part.pivot_table(
            index=["cell", "method"], columns="n", values="coverage", sort=False
        )
        yield f"\n== {metric}: coverage (rows: cell x method, columns: n)\n"
        yield (100 * pivot.sort_index(axis=1)).round(1).to_string()
    fp = table[(table["metric"] == "nps_difference") & table["cell"].str.startswith("0:")]
    pivot = fp.pivot_table(index=["cell", "method"], columns="n", values="coverage", sort=False)
    yield "\n== nps_difference: false-positive rate at true difference 0 (%)\n"
    yield (100 * (1 - pivot.sort_index(axis=1))).round(1).to_string()
    d = table[table["default"]]
    worst = d.loc[d["coverage"].idxmin()]
    yield (
        f"\nDefaults: {len(d)} cells, coverage {100 * d['coverage'].min():.1f}-"
        f"{100 * d['coverage'].max():.1f} %; worst {worst['metric']} / {worst['cell']} / "
        f"n = {worst['n']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few cells and replicates")
    parser.add_argument("--replicates", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--out", default=None, help="write the table as CSV")
    args = parser.parse_args()
    reps = args.replicates or (200 if args.quick else 2000)
    start = time.perf_counter()
    table = run_cells(replicates=reps, seed=args.seed, quick=args.quick)
    for block in _report(table):
        print(block)
    print("\nSamples whose interval comes with a CoverageWarning (very unequal weights):")
    for note in table.attrs["notes"]:
        print(f"  {note}")
    print(f"\n{len(table)} rows in {time.perf_counter() - start:.0f} s")
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
