"""Coverage study: how often do cxlib's 95% intervals contain the truth?

The one driver of the coverage simulations. It runs two parts:

1. ``indices`` (below): every interval method of the NPS and CSAT, analytic and
   bootstrap, on a grid of answer distributions and sample sizes; written to
   ``docs/guide/coverage.csv``.
2. the defaults of every index and comparison, beside their alternatives, on the cells
   where skewed data and small samples test them: the ``run_cells`` of
   ``coverage_survey.py`` (``survey``: NPS, weighted NPS, CSAT, CES, loyalty and
   engagement indices, NPS difference), ``coverage_orders.py`` (``orders``: average
   order value, purchase frequency, repeat purchase rate) and ``coverage_ab.py``
   (``ab``: difference and lift of revenue and conversion). Their tidy tables are
   concatenated into ``docs/guide/coverage_defaults.csv`` (``family, metric, cell, n,
   method, default, coverage, mean_width, nan_share, replicates, warned``; ``warned`` is
   the share of a cell's samples that cxlib flags with a ``cx.CoverageWarning``, where
   the family measures it). The script prints the default cells below 93 %.

Design
------
For every index, true answer distribution, sample size ``n`` and interval method the
script draws ``R`` independent samples of ``n`` answers from a known distribution,
computes the 95% interval of each, and records

* ``coverage``: the share of samples whose interval contains the true value (a bound
  exactly equal to the truth counts as containing it; a tolerance of 1e-9 points absorbs
  floating-point rounding);
* ``mean_width``: the mean interval width, in index points.

Grid:

* ``n`` in {10, 30, 100, 500, 2000};
* NPS (0-10 scale), true shares of (detractors, passives, promoters): balanced
  (0.30, 0.30, 0.40), typical (0.20, 0.30, 0.50), skewed positive (0.05, 0.15, 0.80),
  near-boundary (0.01, 0.04, 0.95) and negative (0.60, 0.30, 0.10). Within a category
  the answers are spread over its points (0-6, 7-8, 9-10); only the category matters
  for the NPS;
* CSAT (1-5 scale, top-2-box), true share satisfied 0.50, 0.80, 0.95 and 0.99. The
  satisfied share is split 45/55 over answers 4 and 5, the rest 20/30/50 over 1, 2, 3;
* methods: every analytic interval of the index (``NPS_CI_METHODS``:
  score, wald, adjusted-wald; ``PROPORTION_CI_METHODS``: wilson, modified-wilson, wald,
  agresti-coull, clopper-pearson, jeffreys) and the three bootstrap intervals
  (``BOOTSTRAP_METHODS``: percentile, basic, bca).

Vectorised: the ``R`` samples of one (index, distribution, n) cell are stacked in one
DataFrame with a ``rep`` column, and each method is a single grouped call,
``cx.nps(df, "answer", by="rep", ci_method=...)`` (``cx.csat`` likewise), which computes
all ``R`` intervals in one pass. All methods of a cell see the same samples (the
bootstrap methods the first ``--boot-replicates`` of them), so the comparison between
methods is paired.

Replicates. The Monte Carlo standard error of a coverage near 95% is
``sqrt(0.95 * 0.05 / R)``: 0.49 points at the default ``R = 2000``. The bootstrap in
cxlib draws category counts from a multinomial, so its cost does not grow with ``n``;
``--boot-replicates`` therefore defaults to the same 2000 samples, each with
``--n-resamples 999`` bootstrap resamples (lower both if the bootstrap is too slow on
your machine). The ``replicates`` column of the CSV gives ``R`` for every row.

Degenerate samples. A sample whose answers all fall in one score category (all
promoters, all satisfied, ...) has a zero standard error: its Wald interval, and its
bootstrap intervals, have zero width at the estimate and cxlib warns
``cx.DegenerateDataWarning``. The script silences that warning class only (and only
around the grouped calls) and counts such samples as they are, zero-width intervals at
the estimate; their share per cell is printed.

Everything is seeded: the samples of a cell come from ``numpy.random.default_rng([seed,
index, distribution, n])`` and each bootstrap call gets its own generator derived from
the seed too, so a run is reproducible and a cell does not depend on which other cells
are run.

Output: a tidy CSV (``index, distribution, true_value, n, method, coverage,
mean_width, replicates``), by default ``docs/guide/coverage.csv``; on stdout a pivot
table of coverage (method x n) per index and distribution, the share of degenerate
samples, and a summary per method (mean coverage, mean absolute distance from 95%,
worst-case coverage and where, width relative to the default method).

Run from the repository root with cxlib installed::

    python benchmarks/coverage_study.py              # full study (about 15 minutes)
    python benchmarks/coverage_study.py --quick      # smoke test, a few seconds
    python benchmarks/coverage_study.py --families survey orders

``--quick`` uses tiny settings and writes no CSV unless ``--out`` / ``--out-defaults``
is given, so it never overwrites the study's result. ``--families`` runs a subset of
``indices``, ``survey``, ``orders``, ``ab``; a subset of the families replaces only its
own rows of ``coverage_defaults.csv``. Other options: ``--replicates`` (both parts),
``--boot-replicates``, ``--n-resamples`` (``indices`` only), ``--seed`` (default: each
part's own master seed), ``--out``, ``--out-defaults``.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from _coverage import FAMILY_COLUMNS

import cxlib as cx
from cxlib.core import bootstrap
from cxlib.core.intervals import PROPORTION_CI_METHODS
from cxlib.survey.nps_intervals import NPS_CI_METHODS

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "docs" / "guide" / "coverage.csv"
DEFAULTS_OUT = REPO / "docs" / "guide" / "coverage_defaults.csv"

sys.path.insert(0, str(Path(__file__).resolve().parent))
import coverage_ab  # noqa: E402
import coverage_orders  # noqa: E402
import coverage_survey  # noqa: E402

# The per-family simulations of the defaults and their alternatives, each with its own
# master seed (the one its figures in the guide were measured with) unless --seed is given.
FAMILIES: dict[str, tuple[Callable[..., pd.DataFrame], int]] = {
    "survey": (coverage_survey.run_cells, 20261205),
    "orders": (coverage_orders.run_cells, 20241205),
    "ab": (coverage_ab.run_cells, 20261205),
}
ALL_METHODS = "indices"  # the NPS / CSAT comparison of every method (coverage.csv)

LEVEL = 0.95
TOLERANCE = 1e-9  # index points: a bound this close to the truth counts as equal
SAMPLE_SIZES = (10, 30, 100, 500, 2000)
COLUMNS = [
    "index",
    "distribution",
    "true_value",
    "n",
    "method",
    "coverage",
    "mean_width",
    "replicates",
]

# NPS: true shares of (detractors, passives, promoters).
NPS_DISTRIBUTIONS: dict[str, tuple[float, float, float]] = {
    "balanced": (0.30, 0.30, 0.40),
    "typical": (0.20, 0.30, 0.50),
    "skewed positive": (0.05, 0.15, 0.80),
    "near-boundary": (0.01, 0.04, 0.95),
    "negative": (0.60, 0.30, 0.10),
}
# How each NPS category's share is spread over its points (0-6, 7-8, 9-10).
_DETRACTOR_SPREAD = np.array([1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0]) / 14.0
_PASSIVE_SPREAD = np.array([0.45, 0.55])
_PROMOTER_SPREAD = np.array([0.45, 0.55])

# CSAT: true share satisfied (top-2-box on 1-5).
CSAT_DISTRIBUTIONS: dict[str, float] = {
    "50% satisfied": 0.50,
    "80% satisfied": 0.80,
    "95% satisfied": 0.95,
    "99% satisfied": 0.99,
}
_UNSATISFIED_SPREAD = np.array([0.2, 0.3, 0.5])  # answers 1, 2, 3
_SATISFIED_SPREAD = np.array([0.45, 0.55])  # answers 4, 5

BOOTSTRAP_METHODS: tuple[str, ...] = tuple(bootstrap.BOOTSTRAP_METHODS)
INDEX_FUNCTIONS = {"nps": cx.nps, "csat": cx.csat}
INDEX_METHODS: dict[str, tuple[str, ...]] = {
    "nps": (*NPS_CI_METHODS, *BOOTSTRAP_METHODS),
    "csat": (*PROPORTION_CI_METHODS, *BOOTSTRAP_METHODS),
}
INDEX_CODES = {"nps": 0, "csat": 1}

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Design:
    """One true answer distribution of one index."""

    index: str  # "nps" or "csat"
    code: int  # position in its index's list (for seeding)
    distribution: str
    answers: npt.NDArray[np.int64]  # the answer scale
    probs: FloatArray  # probability of each answer
    true_value: float  # in index points


def nps_design(code: int, name: str, shares: tuple[float, float, float]) -> Design:
    """0-10 answer distribution with the given detractor/passive/promoter shares."""
    det, pas, pro = shares
    probs = np.concatenate([det * _DETRACTOR_SPREAD, pas * _PASSIVE_SPREAD, pro * _PROMOTER_SPREAD])
    return Design(
        "nps", code, name, np.arange(11), probs / probs.sum(), round(100.0 * (pro - det), 9)
    )


def csat_design(code: int, name: str, satisfied: float) -> Design:
    """1-5 answer distribution whose top-2-box share is ``satisfied``."""
    probs = np.concatenate([(1.0 - satisfied) * _UNSATISFIED_SPREAD, satisfied * _SATISFIED_SPREAD])
    return Design(
        "csat", code, name, np.arange(1, 6), probs / probs.sum(), round(100.0 * satisfied, 9)
    )


DESIGNS: tuple[Design, ...] = (
    *(nps_design(i, k, v) for i, (k, v) in enumerate(NPS_DISTRIBUTIONS.items())),
    *(csat_design(i, k, v) for i, (k, v) in enumerate(CSAT_DISTRIBUTIONS.items())),
)


def default_method(index: str) -> str:
    """The function's default ``ci_method``, read from its signature."""
    return str(inspect.signature(INDEX_FUNCTIONS[index]).parameters["ci_method"].default)


def draw_samples(design: Design, n: int, replicates: int, seed: int) -> pd.DataFrame:
    """``replicates`` samples of ``n`` answers, stacked, with the sample id in ``rep``."""
    rng = np.random.default_rng([seed, INDEX_CODES[design.index], design.code, n])
    answers = rng.choice(design.answers, size=replicates * n, p=design.probs)
    return pd.DataFrame({"rep": np.repeat(np.arange(replicates), n), "answer": answers})


def intervals(
    design: Design, samples: pd.DataFrame, method: str, n_resamples: int, rng_key: list[int]
) -> pd.DataFrame:
    """One grouped call: the interval of every sample (one row per ``rep``)."""
    kwargs: dict[str, object] = {"by": "rep", "ci_method": method, "confidence_level": LEVEL}
    if method in BOOTSTRAP_METHODS:
        kwargs.update(n_resamples=n_resamples, rng=np.random.default_rng(rng_key))
    with warnings.catch_warnings():
        # Zero-width Wald / bootstrap intervals of samples in a single category: expected
        # here, and counted as they are.
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        result: pd.DataFrame = INDEX_FUNCTIONS[design.index](samples, "answer", **kwargs)
    return result


def summarise_cell(result: pd.DataFrame, truth: float) -> dict[str, float]:
    """Coverage, mean width and counts of degenerate / undefined intervals."""
    low = result["ci_low"].to_numpy(dtype=np.float64)
    high = result["ci_high"].to_numpy(dtype=np.float64)
    finite = np.isfinite(low) & np.isfinite(high)
    covered = finite & (low <= truth + TOLERANCE) & (high >= truth - TOLERANCE)
    width = high - low
    return {
        "coverage": float(covered.mean()),
        "mean_width": float(width[finite].mean()) if finite.any() else float("nan"),
        "degenerate": float((result["se"].to_numpy() == 0).mean()),
        "undefined": int((~finite).sum()),
    }


def run(
    replicates: int,
    boot_replicates: int,
    n_resamples: int,
    seed: int,
    sample_sizes: tuple[int, ...],
) -> pd.DataFrame:
    """The whole grid; one row per (index, distribution, n, method)."""
    rows = []
    for design in DESIGNS:
        started = time.perf_counter()
        for n in sample_sizes:
            samples = draw_samples(design, n, max(replicates, boot_replicates), seed)
            for k, method in enumerate(INDEX_METHODS[design.index]):
                r = boot_replicates if method in BOOTSTRAP_METHODS else replicates
                subset = samples.iloc[: r * n]  # samples are sorted by rep: the first r
                key = [seed, INDEX_CODES[design.index], design.code, n, 100 + k]
                result = intervals(design, subset, method, n_resamples, key)
                if len(result) != r:  # pragma: no cover - sanity check
                    raise RuntimeError(f"expected {r} groups, got {len(result)}")
                rows.append(
                    {
                        "index": design.index,
                        "distribution": design.distribution,
                        "true_value": design.true_value,
                        "n": n,
                        "method": method,
                        **summarise_cell(result, design.true_value),
                        "replicates": r,
                    }
                )
        print(
            f"  {design.index} / {design.distribution}: {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    return pd.DataFrame(rows)


def _mc_se(replicates: pd.Series) -> pd.Series:
    return np.sqrt(LEVEL * (1.0 - LEVEL) / replicates)


def print_tables(res: pd.DataFrame) -> None:
    """Coverage pivot (method x n) per index and distribution, and degenerate shares."""
    res = res.assign(low_flag=res["coverage"] < LEVEL - 2.0 * _mc_se(res["replicates"]))
    for index, methods in INDEX_METHODS.items():
        sub = res[res["index"] == index]
        if sub.empty:
            continue
        default = default_method(index)
        print(
            f"\n=== {index.upper()}: coverage of the 95% interval, % "
            f"(default ci_method: {default}) ==="
        )
        for distribution, cell in sub.groupby("distribution", sort=False):
            truth = cell["true_value"].iloc[0]
            text = cell.assign(
                shown=[
                    f"{100 * c:5.1f}{'*' if flag else ' '}"
                    for c, flag in zip(cell["coverage"], cell["low_flag"], strict=True)
                ]
            )
            table = text.pivot(index="method", columns="n", values="shown").reindex(methods)
            table.index = [f"{m} (default)" if m == default else m for m in table.index]
            table.columns = [f"n={n}" for n in table.columns]
            print(f"\n{distribution} (true {index.upper()} = {truth:g})")
            print(table.to_string())
        degenerate = (
            sub[sub["method"] == default]
            .pivot(index="distribution", columns="n", values="degenerate")
            .reindex(sub["distribution"].unique())
        )
        degenerate.columns = [f"n={n}" for n in degenerate.columns]
        print(
            f"\n{index.upper()}: share of samples with all answers in one category, % "
            "(zero-width Wald and bootstrap intervals)"
        )
        print((100 * degenerate).round(1).to_string())
    print("\n* : more than 2 Monte Carlo standard errors below 95%")


def summary(res: pd.DataFrame) -> pd.DataFrame:
    """Per index and method: mean, distance from 95%, worst case and relative width."""
    out = []
    for index, methods in INDEX_METHODS.items():
        sub = res[res["index"] == index]
        if sub.empty:
            continue
        default = default_method(index)
        ref = sub[sub["method"] == default].set_index(["distribution", "n"])["mean_width"]
        for method in methods:
            cell = sub[sub["method"] == method]
            worst = cell.loc[cell["coverage"].idxmin()]
            width = cell.set_index(["distribution", "n"])["mean_width"]
            out.append(
                {
                    "index": index,
                    "method": method,
                    "replicates": int(cell["replicates"].iloc[0]),
                    "mean_coverage": 100 * cell["coverage"].mean(),
                    "mean_abs_dev": 100 * (cell["coverage"] - LEVEL).abs().mean(),
                    "min_coverage": 100 * worst["coverage"],
                    "min_at": f"{worst['distribution']}, n={worst['n']}",
                    "cells_below_93": int((cell["coverage"] < 0.93).sum()),
                    "rel_width": float((width / ref).mean()),
                }
            )
    return pd.DataFrame(out)


def print_summary(table: pd.DataFrame, settings: str) -> None:
    """The per-method summary and the method closest to 95% per index."""
    print("\n=== Summary per method (coverage in %; rel_width: mean width / default's) ===")
    print(settings)
    for index, sub in table.groupby("index", sort=False):
        default = default_method(str(index))
        shown = sub.drop(columns="index").set_index("method")
        shown.index = [f"{m} (default)" if m == default else m for m in shown.index]
        print(f"\n{str(index).upper()}")
        print(shown.to_string(float_format=lambda x: f"{x:.2f}"))
        best = sub.loc[sub["mean_abs_dev"].idxmin()]
        closest_mean = sub.loc[(sub["mean_coverage"] - 100 * LEVEL).abs().idxmin()]
        safest = sub.loc[sub["min_coverage"].idxmax()]
        print(
            f"closest to 95% on average (mean |coverage - 95|): {best['method']} "
            f"({best['mean_abs_dev']:.2f} points); mean coverage closest to 95%: "
            f"{closest_mean['method']} ({closest_mean['mean_coverage']:.2f}%); best "
            f"worst case: {safest['method']} ({safest['min_coverage']:.1f}%)"
        )


def run_family(name: str, replicates: int, seed: int | None, quick: bool) -> pd.DataFrame:
    """One family's cells with the share of warned samples beside the coverage."""
    run_cells, own_seed = FAMILIES[name]
    started = time.perf_counter()
    with warnings.catch_warnings():
        # Expected warnings (degenerate samples, the CoverageWarning the study counts):
        # the families measure the warned share themselves.
        warnings.simplefilter("ignore", cx.CxlibWarning)
        table = run_cells(
            replicates=replicates, seed=own_seed if seed is None else seed, quick=quick
        )
    flags = table.attrs.get("warnings")
    table = pd.DataFrame(table).assign(warned=np.nan)
    if flags is not None and not flags.empty:
        keys = [k for k in ("metric", "cell", "n", "method") if k in flags.columns]
        merged = table.drop(columns="warned").merge(flags[[*keys, "warned"]], on=keys, how="left")
        if "method" not in keys:  # measured for the default only
            merged.loc[~merged["default"].astype(bool), "warned"] = np.nan
        table = merged
    print(f"  family {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return table[FAMILY_COLUMNS]


def combine_defaults(new: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The new families' rows, and the other families' rows already in ``path``."""
    if not path.exists():
        return new
    old = pd.read_csv(path)
    kept = old[~old["family"].isin(new["family"].unique())]
    return pd.concat([kept, new], ignore_index=True)[FAMILY_COLUMNS]


def check_defaults(table: pd.DataFrame) -> pd.DataFrame:
    """Default rows below 93 %, with the share of their samples that cxlib warns about."""
    low = table[table["default"].astype(bool) & (table["coverage"] < 0.93)]
    return low[["family", "metric", "cell", "n", "method", "coverage", "nan_share", "warned"]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--replicates",
        type=int,
        default=None,
        help="samples per cell for the analytic methods (default 2000)",
    )
    parser.add_argument(
        "--boot-replicates",
        type=int,
        default=None,
        help="samples per cell for the bootstrap methods (default 2000)",
    )
    parser.add_argument(
        "--n-resamples",
        type=int,
        default=None,
        help="bootstrap resamples per interval (default 999)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="master seed (default: 20240611 for the NPS / CSAT comparison, each "
        "family's own seed for the others)",
    )
    parser.add_argument(
        "--families",
        nargs="+",
        choices=(ALL_METHODS, *FAMILIES),
        default=[ALL_METHODS, *FAMILIES],
        help=f"parts to run (default all): {ALL_METHODS!r} is the NPS / CSAT comparison "
        "of every method, the others the defaults of each family",
    )
    parser.add_argument(
        "--out-defaults",
        type=Path,
        default=None,
        help=f"CSV of the families' cells (default {DEFAULTS_OUT.relative_to(REPO)}; a "
        "subset of families replaces only its own rows)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"CSV to write (default {DEFAULT_OUT.relative_to(REPO)}; "
        "--quick writes none unless given)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny settings for a smoke test (a few seconds)"
    )
    args = parser.parse_args(argv)
    quick = {"replicates": 100, "boot_replicates": 50, "n_resamples": 99}
    full = {"replicates": 2000, "boot_replicates": 2000, "n_resamples": 999}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    for name in ("replicates", "boot_replicates", "n_resamples"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    if not args.quick:
        if args.out is None and ALL_METHODS in args.families:
            args.out = DEFAULT_OUT
        if args.out_defaults is None and set(FAMILIES) & set(args.families):
            args.out_defaults = DEFAULTS_OUT
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the study, print the tables, write the CSVs."""
    args = parse_args(argv)
    if ALL_METHODS in args.families:
        run_all_methods(args)
    families = [f for f in FAMILIES if f in args.families]
    if families:
        replicates = args.replicates if args.replicates is not None else 2000
        if args.quick:
            replicates = min(replicates, 200)
        print(f"family cells: {replicates} samples per cell", file=sys.stderr)
        table = pd.concat(
            [run_family(f, replicates, args.seed, args.quick) for f in families],
            ignore_index=True,
        )
        defaults = table[table["default"].astype(bool)]
        print(
            f"\n=== Defaults: {len(defaults)} cells, coverage "
            f"{100 * defaults['coverage'].min():.1f}-{100 * defaults['coverage'].max():.1f} % ==="
        )
        low = check_defaults(table)
        if low.empty:
            print("every default covers at least 93 % in every cell")
        else:
            print("default cells below 93 % (warned: share of samples with a CoverageWarning)")
            print(low.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        if args.out_defaults is not None:
            out = combine_defaults(table, args.out_defaults)
            args.out_defaults.parent.mkdir(parents=True, exist_ok=True)
            out.to_csv(args.out_defaults, index=False, float_format="%.6g")
            print(f"wrote {args.out_defaults}")
    return 0


def run_all_methods(args: argparse.Namespace) -> None:
    """The NPS / CSAT comparison of every interval method (coverage.csv)."""
    seed = 20240611 if args.seed is None else args.seed
    settings = (
        f"confidence level {LEVEL:.0%}; analytic methods: {args.replicates} samples per "
        f"cell; bootstrap methods: {args.boot_replicates} samples per cell, "
        f"{args.n_resamples} resamples each; seed {seed}; Monte Carlo SE of a 95% "
        f"coverage: {100 * float(_mc_se(pd.Series([args.replicates])).iloc[0]):.2f} "
        f"(analytic), {100 * float(_mc_se(pd.Series([args.boot_replicates])).iloc[0]):.2f}"
        " (bootstrap) points"
    )
    print(f"cxlib {cx.__version__} coverage study: {settings}", file=sys.stderr)
    started = time.perf_counter()
    res = run(args.replicates, args.boot_replicates, args.n_resamples, seed, SAMPLE_SIZES)
    elapsed = time.perf_counter() - started

    print_tables(res)
    print_summary(summary(res), settings)
    undefined = int(res["undefined"].sum())
    if undefined:
        print(
            f"\nnote: {undefined} intervals were undefined (NaN) and counted as missing the truth"
        )
    print(f"\nruntime: {elapsed:.1f} s")

    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        res[COLUMNS].to_csv(args.out, index=False, float_format="%.6g")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    sys.exit(main())
