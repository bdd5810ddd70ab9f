"""Coverage of the A/B comparison intervals: difference and lift of means and of rates.

Design
------
Two families of cells, each simulated ``R`` times per per-arm size ``n``:

* revenue per visitor: a share ``z`` of visitors spend nothing, the others spend a
  lognormal amount ``exp(N(0, sigma**2))``; the variant multiplies every amount by
  ``1 + lift`` (so the true lift of the mean is ``lift``). ``z`` in {0.5, 0.9, 0.95},
  ``sigma`` in {1, 2, 2.5}, ``n`` in {500, 2,000, 10,000, 50,000} (quick: fewer), with
  arms of equal size and with a 10 / 90 split (``n`` is then the control's size, the
  variant has ``9 n``; up to 10,000);
* conversion: the control converts with probability ``p`` in {1, 2, 5, 10, 20} %, the
  variant with ``p * (1 + lift)``; ``n`` in {200, 500, 2,000, 5,000, 20,000}.

``lift`` is 0 (then the difference's coverage is one minus the false-positive rate of
the test, which inverts the same interval) and 0.1 (revenue) or 0.2 (conversion).

Only the visitors who spend are drawn (their number is binomial), and each arm's
centred moments (count, mean, M2) are taken per replicate with :func:`numpy.bincount`
and handed to the library's vectorised comparison (:func:`cxlib.ab.two_arms.mean_pairs`,
:func:`cxlib.ab.proportions.proportion_pairs`), the code :func:`cxlib.ab.compare` runs
for every segment, so ``R`` replicates cost one call. Intervals that are NaN count as not
covering; their share is ``nan_share``.

Methods: for means, the default (Welch's t interval of the difference; Fieller's lift
interval) and the delta and log lift intervals; the bootstrap BCa interval on a few
cells (90 % zeros, 1,000 and 10,000 per arm) with ``R / 10`` replicates of 999
resamples each, through :func:`cxlib.ab.compare` with one segment per replicate.
For rates, the default (Wald difference, Fieller lift), Newcombe's hybrid score /
MOVER-R and the Miettinen-Nurminen score intervals.

The script also prints the share of the replicates of each cell that cxlib flags with
a :class:`~cxlib.CoverageWarning` (:func:`cxlib.ab.skewness.trusted_sizes`: the
skewness of the difference for Welch and Fieller, each arm's skewness for the
bootstrap), the share of NaN intervals, and the default rows below 93 %. The mean
width of a lift interval is taken over the bounded intervals (Fieller's is unbounded
above where the control is not told apart from zero).

Run ``python benchmarks/coverage_ab.py [--quick] [--replicates R] [--seed S]``; the
full run takes about 5 minutes on one core.
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from _coverage import COLUMNS

import cxlib as cx
from cxlib.ab.proportions import proportion_pairs
from cxlib.ab.skewness import trusted_sizes
from cxlib.ab.two_arms import mean_pairs
from cxlib.core.lift import Pairs
from cxlib.core.statistics import CentredMoments, summarise

ZEROS = (0.5, 0.9, 0.95)
SIGMAS = (1.0, 2.0, 2.5)
REVENUE_N = (500, 2_000, 10_000, 50_000)
BASELINES = (0.01, 0.02, 0.05, 0.1, 0.2)
CONVERSION_N = (200, 500, 2_000, 5_000, 20_000)
# Draws of spending visitors per chunk of replicates (memory bound).
_CHUNK = 20_000_000


def revenue_arm(
    rng: np.random.Generator, zeros: float, sigma: float, n: int, scale: float, reps: int
) -> CentredMoments:
    """Centred moments (count, mean, M2, M3) of ``reps`` samples of ``n`` visitors."""
    k = rng.binomial(n, 1.0 - zeros, size=reps)
    mean, m2, m3 = (np.empty(reps) for _ in range(3))
    start = 0
    while start < reps:
        stop = start + 1
        while stop < reps and k[start : stop + 1].sum() <= _CHUNK:
            stop += 1
        kk = k[start:stop]
        g = np.repeat(np.arange(stop - start), kk)
        y = scale * np.exp(rng.normal(0.0, sigma, size=int(kk.sum())))
        mu = np.bincount(g, y, stop - start) / n
        d = y - mu[g]
        # The visitors who spend nothing deviate by -mean each.
        m2[start:stop] = np.bincount(g, d * d, stop - start) + (n - kk) * mu**2
        m3[start:stop] = np.bincount(g, d**3, stop - start) - (n - kk) * mu**3
        mean[start:stop] = mu
        start = stop
    ns = np.full(reps, float(n))
    return CentredMoments(ns, ns, mean[:, None], m2[:, None, None], m3[:, None])


def _rows(pairs: Pairs, truth_diff: float, truth_lift: float, **keys: Any) -> list[dict[str, Any]]:
    out = []
    for what, low, high, truth in (
        ("difference", pairs.ci_low, pairs.ci_high, truth_diff),
        ("lift", pairs.lift_low, pairs.lift_high, truth_lift),
    ):
        ok = ~(np.isnan(low) | np.isnan(high))
        tol = 1e-9 * max(abs(truth), 1e-12)
        covered = ok & (low <= truth + tol) & (truth - tol <= high)
        # Fieller's lift interval is unbounded above where the control mean is not told
        # apart from zero: the width is averaged over the bounded intervals.
        bounded = ok & np.isfinite(low) & np.isfinite(high)
        width = (high - low)[bounded]
        out.append(
            {
                **keys,
                "metric": f"{keys['metric']}_{what}",
                "coverage": float(covered.mean()),
                "mean_width": float(width.mean()) if width.size else np.nan,
                "nan_share": float(1.0 - ok.mean()),
                "replicates": len(low),
            }
        )
    return out


# Share of replicates of a cell that cxlib flags with a CoverageWarning, per
# (metric, cell, n, method): printed beside the coverage.
WARNED: dict[tuple[str, str, int, str], float] = {}


def revenue_cells(replicates: int, seed: int, quick: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    sizes = (500, 2_000, 10_000) if quick else REVENUE_N
    zeros_grid = (0.9,) if quick else ZEROS
    sigmas = (1.0, 2.0) if quick else SIGMAS
    # Equal arms, and a 10 / 90 split (n is then the control's size, the variant has 9 n).
    for split in (1, 9):
        for code_z, zeros in enumerate(zeros_grid):
            for code_s, sigma in enumerate(sigmas):
                for lift in (0.0, 0.1):
                    cell = f"{zeros:.0%} zeros, lognormal sigma={sigma:g}, lift {lift:+.0%}"
                    if split > 1:
                        cell += f", variant {split}x control"
                    code = 1000 * split + 100 * code_z + 10 * code_s + int(lift > 0)
                    for n in sizes if split == 1 else sizes[:-1]:
                        rows += _revenue_cell(
                            np.random.default_rng([seed, code, n]),
                            zeros,
                            sigma,
                            lift,
                            n,
                            split,
                            cell,
                            replicates,
                        )
    return rows


def _revenue_cell(
    rng: np.random.Generator,
    zeros: float,
    sigma: float,
    lift: float,
    n: int,
    split: int,
    cell: str,
    replicates: int,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    control = revenue_arm(rng, zeros, sigma, n, 1.0, replicates)
    variant = revenue_arm(rng, zeros, sigma, split * n, 1.0 + lift, replicates)
    mean_c = (1.0 - zeros) * np.exp(sigma**2 / 2.0)
    need_c, need_v = trusted_sizes(control, variant, per_arm=False)
    warned = float(((need_c > control.n) | (need_v > variant.n)).mean())
    for method, default in (("fieller", True), ("delta", False), ("log", False)):
        pairs = mean_pairs(
            control,
            variant,
            lift_method=method,  # type: ignore[arg-type]
            level=0.95,
            alternative="two-sided",
        )
        name = "welch" if method == "fieller" else f"welch, {method} lift"
        rows += _rows(
            pairs,
            lift * mean_c,
            lift,
            family="ab",
            metric="revenue",
            cell=cell,
            n=n,
            method=name,
            default=default,
        )
        for what in ("difference", "lift"):
            WARNED[(f"revenue_{what}", cell, n, name)] = warned
    return rows


def conversion_cells(replicates: int, seed: int, quick: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    baselines = (0.01, 0.05) if quick else BASELINES
    sizes = (200, 500, 2_000) if quick else CONVERSION_N
    for code_p, p in enumerate(baselines):
        for lift in (0.0, 0.2):
            cell = f"baseline {p:.0%}, lift {lift:+.0%}"
            code = 2000 + 10 * code_p + int(lift > 0)
            for n in sizes:
                rng = np.random.default_rng([seed, code, n])
                sc = rng.binomial(n, p, size=replicates).astype(np.float64)
                sv = rng.binomial(n, p * (1 + lift), size=replicates).astype(np.float64)
                nn = np.full(replicates, float(n))
                for method in ("fieller", "newcombe", "score"):
                    pairs = proportion_pairs(
                        sc,
                        nn,
                        sv,
                        nn,
                        method=method,  # type: ignore[arg-type]
                        level=0.95,
                        alternative="two-sided",
                        exact=None,
                        n_resamples=1,
                        rng=rng,
                    )
                    rows += _rows(
                        pairs,
                        p * lift,
                        lift,
                        family="ab",
                        metric="conversion",
                        cell=cell,
                        n=n,
                        method=method,
                        default=method == "fieller",
                    )
    return rows


def bca_cells(replicates: int, seed: int) -> list[dict[str, Any]]:
    """BCa on per-unit revenue, through cx.ab.compare with one segment per replicate."""
    rows: list[dict[str, Any]] = []
    for zeros, sigma, n in ((0.9, 1.0, 1_000), (0.9, 2.0, 1_000), (0.9, 2.0, 10_000)):
        for lift in (0.0, 0.1):
            cell = f"{zeros:.0%} zeros, lognormal sigma={sigma:g}, lift {lift:+.0%}"
            code = 3000 + int(10 * sigma) + int(lift > 0) + n
            rng = np.random.default_rng([seed, code, n])
            values = []
            for scale in (1.0, 1.0 + lift):
                spend = rng.random((replicates, n)) >= zeros
                values.append(
                    np.where(spend, scale * np.exp(rng.normal(0, sigma, spend.shape)), 0.0)
                )
            frame = pd.DataFrame(
                {
                    "rep": np.tile(np.repeat(np.arange(replicates), n), 2),
                    "arm": np.repeat(["control", "variant"], replicates * n),
                    "revenue": np.concatenate([v.ravel() for v in values]),
                }
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", cx.CxlibWarning)
                out = cx.ab.compare(
                    frame,
                    group="arm",
                    control="control",
                    metric="revenue",
                    by="rep",
                    ci_method="bca",
                    n_resamples=999,
                    rng=np.random.default_rng([seed, code, n, 1]),
                )
            mean_c = (1.0 - zeros) * np.exp(sigma**2 / 2.0)
            moments = [
                summarise(v, np.repeat(np.arange(replicates), n), replicates, third=True)
                for v in (x.ravel() for x in values)
            ]
            need_c, need_v = trusted_sizes(*moments, per_arm=True)
            warned = float(((need_c > n) | (need_v > n)).mean())
            for what in ("difference", "lift"):
                WARNED[(f"revenue_{what}", cell, n, "bca")] = warned
            fake = Pairs(
                **{
                    f: np.zeros(replicates)
                    for f in Pairs.__dataclass_fields__
                    if f not in ("ci_low", "ci_high", "lift_low", "lift_high")
                },  # type: ignore[arg-type]
                ci_low=out["ci_low"].to_numpy(float),
                ci_high=out["ci_high"].to_numpy(float),
                lift_low=out["lift_ci_low"].to_numpy(float),
                lift_high=out["lift_ci_high"].to_numpy(float),
            )
            rows += _rows(
                fake,
                lift * mean_c,
                lift,
                family="ab",
                metric="revenue",
                cell=cell,
                n=n,
                method="bca",
                default=False,
            )
    return rows


def run_cells(*, replicates: int, seed: int, quick: bool = False) -> pd.DataFrame:
    """One row per (cell, n, method) with the coverage of the 95 % intervals."""
    rows = revenue_cells(replicates, seed, quick) + conversion_cells(replicates, seed, quick)
    if not quick:
        rows += bca_cells(max(replicates // 10, 50), seed)
    table = pd.DataFrame(rows)[COLUMNS]
    # Share of the replicates that cxlib flags with a CoverageWarning, per (metric, cell,
    # n, method) where it is measured.
    table.attrs["warnings"] = pd.DataFrame(
        [(*key, share) for key, share in WARNED.items()],
        columns=["metric", "cell", "n", "method", "warned"],
    )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.CxlibWarning)
        table = run_cells(replicates=args.replicates, seed=args.seed, quick=args.quick)
    table["warned"] = [
        WARNED.get((r.metric, r.cell, r.n, r.method), np.nan) for r in table.itertuples()
    ]
    pd.set_option("display.width", 250, "display.max_rows", 2000, "display.max_columns", 30)
    for metric, part in table.groupby("metric", sort=False):
        print(f"\n== {metric}: coverage (%) by n")
        wide = part.pivot_table(
            index=["cell", "method"], columns="n", values="coverage", sort=False
        )
        print((100 * wide).round(1).to_string())
        for what, label in (("nan_share", "NaN intervals"), ("warned", "CoverageWarning")):
            extra = part.pivot_table(index=["cell", "method"], columns="n", values=what, sort=False)
            extra = extra[(extra > 0).any(axis=1)]
            if len(extra):
                print(f"-- share of replicates with {label} (%)")
                print((100 * extra).round(1).to_string())
    low = table[table["default"] & (table["coverage"] < 0.93)]
    print(f"\ndefaults below 93 %: {len(low)} of {int(table['default'].sum())} rows")
    print(low.to_string())
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
