"""Benchmark NPS bootstrap intervals: ``cx.nps(..., ci_method=...)`` against scipy.

Three parts, each timing cxlib against :func:`scipy.stats.bootstrap` on the per-row NPS
scores (-100 / 0 / 100), which is what a user without cxlib would run:

(a) ungrouped, ``--n`` answers (default 1,000,000): percentile, basic and BCa
    intervals. cxlib resamples the three category counts (the counts path), scipy
    resamples the rows. scipy's BCa needs the jackknife of all ``n`` leave-one-out
    means, O(n**2) work (and, with the default ``batch``, an n-by-n index array), so it
    is timed on ``--bca-n`` answers instead, against cxlib on the same data; its cost
    at ``--n`` is extrapolated from that run and labelled as such. Target: scipy /
    cxlib >= 1000x.
(b) grouped, ``--groups`` groups over the same number of answers: one grouped cxlib
    call against a loop of scipy calls over the groups. The loop is timed on
    ``--sample-groups`` groups and extrapolated to all groups (labelled as such).
(c) survey weights, ``--weighted-n`` answers (default 100,000): cxlib's rows path
    against ``scipy.stats.bootstrap((s, w), weighted_mean, paired=True)``.

Every interval pair is checked for agreement within Monte Carlo error (the two
bootstraps use different random streams, so they cannot agree exactly); the estimates
must agree to 1e-9 NPS points.

Run from the repository root::

    python benchmarks/bench_bootstrap.py            # full size, about 5-10 minutes
    python benchmarks/bench_bootstrap.py --quick    # smoke test, a few seconds
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy
from _common import best_of, load_average, progress, seconds
from scipy import special, stats

import cxlib as cx

SPEEDUP_TARGET = 1000.0  # scipy / cxlib for the ungrouped intervals of part (a)
TOLERANCE = 1e-9  # agreement of the estimates, in NPS points
MC_SIGMAS = 5.0  # interval ends must agree within this many Monte Carlo SEs
LEVEL = 0.95
N_POINTS = 11  # the 0-10 scale
METHODS = ("percentile", "basic", "bca")
# Elements of resampled data per scipy batch (int64 indices + float64 values): 128 MiB.
# Smaller batches fit the cache better; measured fastest around 8 resamples of 1M rows.
SCIPY_BATCH_ELEMENTS = 1 << 23

# Answer distribution on 0..10 (NPS about +5); groups tilt it towards high or low answers.
_BASE_P = np.array([0.04, 0.02, 0.03, 0.03, 0.04, 0.07, 0.07, 0.15, 0.20, 0.17, 0.18])
# NPS score of each answer 0..10: detractors 0-6, passives 7-8, promoters 9-10.
_SCORE_OF = np.array([-100.0] * 7 + [0.0] * 2 + [100.0] * 2)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class Row:
    """One timed comparison: cxlib against scipy (measured or extrapolated)."""

    part: str
    label: str
    cx: float
    scipy: float
    scipy_note: str = ""  # how the scipy time was obtained, when not a plain run
    target: float | None = None  # minimum ratio, or None for "report only"


@dataclass
class Check:
    """Agreement of cxlib's and scipy's intervals within Monte Carlo error."""

    label: str
    cx: tuple[float, float]
    scipy: tuple[float, float]
    tolerance: float

    @property
    def error(self) -> float:
        return max(abs(self.cx[0] - self.scipy[0]), abs(self.cx[1] - self.scipy[1]))

    @property
    def ok(self) -> bool:
        return bool(self.error <= self.tolerance)


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # failed exact checks
    notes: list[str] = field(default_factory=list)


def mc_tolerance(sd: float, n_resamples: int) -> float:
    """Allowed |difference| of two independent bootstrap interval ends.

    An end is the ``a`` quantile of ``B`` replicates; its Monte Carlo SE is about
    ``sd * sqrt(a (1 - a) / B) / phi(z_a)`` for a near-normal bootstrap distribution
    with standard deviation ``sd``. The difference of two independent ends has
    ``sqrt(2)`` times that SE; ``MC_SIGMAS`` of those are allowed.
    """
    a = (1.0 - LEVEL) / 2.0
    density = float(np.exp(-0.5 * special.ndtri(a) ** 2) / np.sqrt(2.0 * np.pi))
    se_end = sd * np.sqrt(a * (1.0 - a) / n_resamples) / density
    return float(MC_SIGMAS * np.sqrt(2.0) * se_end)


def scipy_batch(n: int) -> int:
    return max(1, SCIPY_BATCH_ELEMENTS // n)


def scipy_bootstrap(
    data: tuple[FloatArray, ...],
    statistic: Callable[..., Any],
    method: str,
    n_resamples: int,
    rng: int,
    **kwargs: Any,
) -> Any:
    return stats.bootstrap(
        data,
        statistic,
        n_resamples=n_resamples,
        method=method,
        vectorized=True,
        batch=scipy_batch(len(data[0])),
        confidence_level=LEVEL,
        rng=rng,
        **kwargs,
    )


def weighted_mean(s: FloatArray, w: FloatArray, axis: int = -1) -> FloatArray:
    """Weighted mean along ``axis`` (vectorised statistic for scipy)."""
    out: FloatArray = np.sum(s * w, axis=axis) / np.sum(w, axis=axis)
    return out


def make_answers(n: int, seed: int) -> IntArray:
    """Seeded answers on the 0-10 scale."""
    rng = np.random.default_rng(seed)
    return rng.choice(N_POINTS, size=n, p=_BASE_P).astype(np.int64)


def make_grouped(n: int, n_groups: int, seed: int) -> pd.DataFrame:
    """Seeded answers in ``n_groups`` groups (int64 ids), each group with its own NPS."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, n_groups, size=n, dtype=np.int64)
    tilt = rng.normal(0.0, 0.15, size=n_groups)
    points = np.arange(N_POINTS) - (N_POINTS - 1) / 2
    probs = _BASE_P[None, :] * np.exp(tilt[:, None] * points[None, :])
    cdf = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(n)
    answers = np.zeros(n, dtype=np.int64)
    for k in range(N_POINTS - 1):  # inverse-CDF sampling, vectorised over rows
        answers += u > cdf[codes, k]
    return pd.DataFrame({"group": codes, "score": answers})


def interval_of(est: cx.Estimate) -> tuple[float, float]:
    return (est.ci.low, est.ci.high)


def scipy_interval(res: Any) -> tuple[float, float]:
    ci = res.confidence_interval
    return (float(ci.low), float(ci.high))


def check_value(report: Report, label: str, got: float, want: float) -> None:
    if not abs(got - want) <= TOLERANCE:
        report.problems.append(f"{label}: cxlib estimate {got!r} != mean of scores {want!r}")


# --------------------------------------------------------------------------- part (a)


def part_ungrouped(args: argparse.Namespace, report: Report) -> None:
    n, b = args.n, args.n_resamples
    x = make_answers(n, args.seed)
    s = _SCORE_OF[x]
    tag = f"(a) n = {n:,}"

    cx_times: dict[str, float] = {}
    cx_est: dict[str, cx.Estimate] = {}
    for m in METHODS:
        progress(f"{tag}: cxlib {m} ...")
        cx.nps(x, ci_method=m, n_resamples=b, rng=1)  # warm-up
        cx_times[m], cx_est[m] = best_of(
            lambda m=m: cx.nps(x, ci_method=m, n_resamples=b, rng=1), args.repeats
        )
        check_value(report, f"{tag} {m}", cx_est[m].value, float(np.mean(s)))

    progress(f"{tag}: scipy percentile (one run; minutes at full size) ...")
    start = time.perf_counter()
    pct = scipy_bootstrap((s,), np.mean, "percentile", b, rng=1)
    t_pct = time.perf_counter() - start
    # basic resamples exactly as percentile does and differs only in the final two
    # lines; re-deriving it from the same bootstrap distribution (n_resamples=0) gives
    # scipy's cost without a second run of several minutes.
    progress(f"{tag}: scipy basic (from the percentile run's distribution) ...")
    start = time.perf_counter()
    basic = stats.bootstrap(
        (s,),
        np.mean,
        n_resamples=0,
        method="basic",
        vectorized=True,
        confidence_level=LEVEL,
        bootstrap_result=pct,
        rng=1,
    )
    t_basic = t_pct + (time.perf_counter() - start)
    sd = float(pct.standard_error)
    report.rows.append(
        Row("a", f"percentile, n = {n:,}", cx_times["percentile"], t_pct, "", SPEEDUP_TARGET)
    )
    report.rows.append(
        Row("a", f"basic, n = {n:,}", cx_times["basic"], t_basic, "[1]", SPEEDUP_TARGET)
    )
    tol = mc_tolerance(sd, b)
    report.checks.append(
        Check(
            f"(a) percentile, n = {n:,}",
            interval_of(cx_est["percentile"]),
            scipy_interval(pct),
            tol,
        )
    )
    report.checks.append(
        Check(f"(a) basic, n = {n:,}", interval_of(cx_est["basic"]), scipy_interval(basic), tol)
    )

    # BCa: scipy's O(n**2) jackknife is run on a smaller sample.
    nb = min(args.bca_n, n)
    xb, sb = x[:nb], s[:nb]
    progress(f"(a) BCa at n = {nb:,}: cxlib ...")
    cx.nps(xb, ci_method="bca", n_resamples=b, rng=1)
    t_cx_bca_small, est_small = best_of(
        lambda: cx.nps(xb, ci_method="bca", n_resamples=b, rng=1), args.repeats
    )
    check_value(report, f"(a) bca, n = {nb:,}", est_small.value, float(np.mean(sb)))
    progress(f"(a) BCa at n = {nb:,}: scipy bca and percentile ...")
    start = time.perf_counter()
    bca_small = scipy_bootstrap((sb,), np.mean, "bca", b, rng=1)
    t_sp_bca_small = time.perf_counter() - start
    start = time.perf_counter()
    scipy_bootstrap((sb,), np.mean, "percentile", b, rng=1)
    t_sp_pct_small = time.perf_counter() - start
    report.rows.append(
        Row("a", f"bca, n = {nb:,} [2]", t_cx_bca_small, t_sp_bca_small, "", SPEEDUP_TARGET)
    )
    report.checks.append(
        Check(
            f"(a) bca, n = {nb:,}",
            interval_of(est_small),
            scipy_interval(bca_small),
            mc_tolerance(float(bca_small.standard_error), b),
        )
    )
    # Extrapolation to n: resampling as measured at n, plus the jackknife, which grows
    # as n**2 (its cost at nb is the BCa run less the percentile run).
    jackknife_small = max(t_sp_bca_small - t_sp_pct_small, 0.0)
    t_bca_extrapolated = t_pct + jackknife_small * (n / nb) ** 2
    if nb < n:
        report.rows.append(
            Row("a", f"bca, n = {n:,}", cx_times["bca"], t_bca_extrapolated, "[3]", None)
        )
    report.notes.append(
        "[1] scipy basic: the percentile run plus re-deriving the basic interval from its "
        "bootstrap distribution (bootstrap_result=, n_resamples=0); the resampling of both "
        "methods is identical, so this is the cost of a basic run."
    )
    report.notes.append(
        f"[2] scipy BCa needs the jackknife of all n leave-one-out means: O(n**2) work, and "
        f"with the default batch an n-by-(n - 1) int64 index array ({8 * n * n / 1e9:,.0f} "
        f"GB at n = {n:,}). It is run on the first {nb:,} answers, against cxlib on the "
        "same answers."
    )
    if nb < n:
        report.notes.append(
            f"[3] EXTRAPOLATED, not run: scipy percentile time at n = {n:,} plus the "
            f"jackknife time at n = {nb:,} ({jackknife_small:.2f} s = BCa run - percentile "
            f"run) times ({n:,} / {nb:,})**2."
        )
        report.notes.append(
            f"    cxlib's BCa at n = {n:,} has no scipy run to check against (see [2]); its "
            f"interval is [{cx_est['bca'].ci.low:.4f}, {cx_est['bca'].ci.high:.4f}]."
        )


# --------------------------------------------------------------------------- part (b)


def part_grouped(args: argparse.Namespace, report: Report) -> None:
    n, b, n_groups = args.n, args.n_resamples, args.groups
    df = make_grouped(n, n_groups, args.seed + 1)
    tag = f"(b) {n_groups:,} groups"
    progress(f"{tag}: cxlib ...")

    def run() -> pd.DataFrame:
        return cx.nps(df, "score", by="group", ci_method="percentile", n_resamples=b, rng=1)

    run()
    t_cx, res = best_of(run, args.repeats)
    res = res.set_index("group")

    # Split the rows by group once (not timed: a user's loop would do it too, cheaply).
    codes = df["group"].to_numpy()
    scores = _SCORE_OF[df["score"].to_numpy()]
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
    present = np.flatnonzero(np.diff(bounds) > 0)
    k = min(args.sample_groups, len(present))
    sample = present[np.linspace(0, len(present) - 1, k).round().astype(int)]
    progress(f"{tag}: scipy on {k} of {len(present):,} groups ...")
    t_loop = 0.0
    checks: list[Check] = []
    for g in sample:
        sg = scores[order[bounds[g] : bounds[g + 1]]]
        start = time.perf_counter()
        r = scipy_bootstrap((sg,), np.mean, "percentile", b, rng=1)
        t_loop += time.perf_counter() - start
        row = res.loc[g]
        check_value(report, f"{tag}, group {g}", float(row["value"]), float(np.mean(sg)))
        c = Check(
            f"{tag}, group {g}",
            (float(row["ci_low"]), float(row["ci_high"])),
            scipy_interval(r),
            mc_tolerance(float(r.standard_error), b),
        )
        checks.append(c)
    extrapolated = t_loop / k * len(present)
    report.rows.append(
        Row(
            "b",
            f"grouped percentile, {len(present):,} groups, n = {n:,}",
            t_cx,
            extrapolated,
            "[4]",
        )
    )
    report.notes.append(
        f"[4] EXTRAPOLATED: scipy.stats.bootstrap timed on {k} of the {len(present):,} "
        f"groups ({t_loop:.2f} s, evenly spread over the group ids), times "
        f"{len(present):,} / {k}; splitting rows by group is not counted."
    )
    # The closest call of the sampled groups is shown, and every group that disagrees.
    closest = max(checks, key=lambda c: c.error / c.tolerance)
    closest.label += f" (closest of {k} checked)"
    report.checks.extend(c for c in checks if c is closest or not c.ok)


# --------------------------------------------------------------------------- part (c)


def part_weighted(args: argparse.Namespace, report: Report) -> None:
    n, b = args.weighted_n, args.n_resamples
    x = make_answers(n, args.seed + 2)
    w = np.random.default_rng(args.seed + 3).lognormal(0.0, 0.35, size=n)
    s = _SCORE_OF[x]
    tag = f"(c) weighted, n = {n:,}"
    progress(f"{tag}: cxlib ...")

    def run() -> cx.Estimate:
        return cx.nps(x, weights=w, ci_method="percentile", n_resamples=b, rng=1)

    run()
    t_cx, est = best_of(run, args.repeats)
    check_value(report, tag, est.value, float(np.sum(s * w) / np.sum(w)))
    progress(f"{tag}: scipy (paired) ...")
    start = time.perf_counter()
    r = scipy_bootstrap((s, w), weighted_mean, "percentile", b, rng=1, paired=True)
    t_sp = time.perf_counter() - start
    report.rows.append(Row("c", f"weighted percentile, n = {n:,}", t_cx, t_sp))
    report.checks.append(
        Check(tag, interval_of(est), scipy_interval(r), mc_tolerance(float(r.standard_error), b))
    )


# --------------------------------------------------------------------------- report


def print_report(report: Report, args: argparse.Namespace) -> None:
    print(
        f"\nNPS bootstrap intervals: {args.n_resamples:,} resamples, {LEVEL:.0%} level; "
        f"best of {args.repeats} for cxlib, one run for scipy; numpy {np.__version__}, "
        f"scipy {scipy.__version__}, pandas {pd.__version__}, cxlib {cx.__version__}; "
        f"{load_average()}\n"
    )
    width = max(len(r.label) for r in report.rows) + 4
    print(f"{'case':<{width}}  {'cxlib':>9}  {'scipy':>14}  {'scipy / cxlib':>13}  target")
    for r in report.rows:
        ratio = r.scipy / r.cx
        if r.target is None:
            verdict = "(report only)"
        else:
            verdict = f">= {r.target:g}x {'PASS' if ratio >= r.target else 'FAIL'}"
        print(
            f"({r.part}) {r.label:<{width - 4}}  {seconds(r.cx):>9}  "
            f"{seconds(r.scipy):>9} {r.scipy_note:>4}  {ratio:>12,.0f}x  {verdict}"
        )
    print()
    for note in report.notes:
        print(note)
    print("\nIntervals (NPS points); |diff| = larger difference of the two ends")
    cw = max(len(c.label) for c in report.checks)
    print(f"{'case':<{cw}}  {'cxlib':>21}  {'scipy':>21}  {'|diff|':>7}  {'MC tol':>7}")
    for c in report.checks:
        print(
            f"{c.label:<{cw}}  [{c.cx[0]:9.4f}, {c.cx[1]:9.4f}]  "
            f"[{c.scipy[0]:9.4f}, {c.scipy[1]:9.4f}]  {c.error:7.4f}  {c.tolerance:7.4f}  "
            f"{'agree' if c.ok else 'DISAGREE'}"
        )
    failed = [c.label for c in report.checks if not c.ok]
    print()
    if report.problems or failed:
        for p in report.problems:
            print(f"check FAILED: {p}")
        for label in failed:
            print(f"check FAILED: {label}: intervals differ by more than Monte Carlo error")
    else:
        print(
            "checks: all estimates agree to 1e-9 points and all intervals within "
            f"{MC_SIGMAS:g} Monte Carlo standard errors"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="answers in (a) and (b)")
    parser.add_argument("--groups", type=int, default=1_000, help="groups in (b)")
    parser.add_argument("--n-resamples", type=int, default=9_999, help="bootstrap resamples")
    parser.add_argument("--bca-n", type=int, default=50_000, help="answers for scipy's BCa in (a)")
    parser.add_argument(
        "--sample-groups", type=int, default=20, help="groups timed with scipy in (b)"
    )
    parser.add_argument("--weighted-n", type=int, default=100_000, help="answers in (c)")
    parser.add_argument("--repeats", type=int, default=3, help="cxlib repeats (best is kept)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the data")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes for a smoke test of a few seconds (overrides the sizes)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.groups, args.n_resamples = 20_000, 50, 999
        args.bca_n, args.sample_groups, args.weighted_n, args.repeats = 2_000, 5, 5_000, 1
    sizes = (args.n, args.groups, args.n_resamples, args.bca_n, args.sample_groups)
    if min(*sizes, args.weighted_n, args.repeats) < 1:
        parser.error("sizes, resamples and repeats must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = Report()
    part_ungrouped(args, report)
    part_grouped(args, report)
    part_weighted(args, report)
    print_report(report, args)
    failed = report.problems or any(not c.ok for c in report.checks)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
