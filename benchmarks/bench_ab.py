"""Benchmark cx.ab: grouped comparisons from sums, and the zero-inflated revenue bootstrap.

Two parts, each timing cxlib against what a user without cxlib would run:

(a) ``cx.ab.compare`` over ``--segments`` segments (default 1,000) of 4 arms each, the
    control and 3 variants, so 3 comparisons per segment (3,000 in all), from a
    DataFrame of sufficient statistics (one row per segment and arm), in one call:
    - conversion rates, ``metric=cx.ab.Proportion("conversions", "visitors")``, against
      a loop over the comparisons of statsmodels' ``confint_proportions_2indep`` (Wald
      interval of the difference), ``test_proportions_2indep`` (Wald test) and
      ``confint_proportions_2indep(compare="ratio", method="log")`` (the lift);
    - means, ``metric=cx.ab.Mean(n=..., sum=..., sum_squares=...)``, against a loop of
      ``scipy.stats.ttest_ind_from_stats(equal_var=False)`` plus the Welch interval of
      the difference and the delta-method interval of the lift.
    Target: loop / cxlib >= 100x. The numbers must agree to 1e-9.
(b) ``cx.ab.compare_means(control, variant, ci_method="percentile", n_resamples=9999)``
    on ``--visitors`` visitors per arm (default 1,000,000), about 4 % of them buying
    (log-normal order values, everyone else 0), against ``scipy.stats.bootstrap`` of
    the difference of means. scipy resamples all 2M rows and would take many minutes
    at 9,999 resamples: it is run with ``--scipy-resamples`` (default 199) and its time
    is EXTRAPOLATED linearly to 9,999. Target: scipy / cxlib >= 20x. The intervals
    must agree within Monte Carlo error.

Run from the repository root::

    python benchmarks/bench_ab.py            # full size, about 2 minutes
    python benchmarks/bench_ab.py --quick    # smoke test, a few seconds
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy
import statsmodels
from _common import load_average, progress, seconds
from scipy import special, stats
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

import cxlib as cx

GROUPED_TARGET = 100.0  # loop / cxlib, part (a)
BOOTSTRAP_TARGET = 20.0  # scipy / cxlib, part (b)
TOLERANCE = 1e-9  # agreement of the analytic results, absolute
MC_SIGMAS = 5.0  # bootstrap results must agree within this many Monte Carlo SEs
LEVEL = 0.95
ARMS = ("control", "B", "C", "D")  # the control and 3 variants per segment
# Resampled elements per scipy batch (int64 indices + float64 values, per arm): 4
# resamples of 1M rows, the fastest of batch = 1, 2, 4, 8, 16 here (16 and 1 were about
# 40 % slower); 2 x 4M x 16 bytes = 128 MiB of scratch.
SCIPY_BATCH_ELEMENTS = 1 << 22
MB = 1024.0 * 1024.0
MIN_TOTAL = 1.0  # seconds: short calls are repeated until they have run this long ...
MAX_CALLS = 200  # ... in at most this many calls

FloatArray = npt.NDArray[np.float64]


@dataclass
class Row:
    """One timed comparison: cxlib against the reference (measured or extrapolated)."""

    part: str
    label: str
    cx: float
    ref_name: str
    ref: float
    ref_note: str = ""  # how the reference time was obtained, when not a plain run
    target: float | None = None  # minimum ratio, or None for "report only"
    cx_peak: float = np.nan  # peak RSS of the process during the call, bytes
    ref_peak: float = np.nan


@dataclass
class Check:
    """One agreement check: an error against its tolerance."""

    label: str
    error: float
    tolerance: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.error <= self.tolerance)


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- timing


def _reset_peak() -> bool:
    """Reset the process's peak RSS (Linux: VmHWM through /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _peak_rss() -> float:
    """Peak RSS of the process in bytes: VmHWM since the last reset, else ru_maxrss."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    scale = 1.0 if sys.platform == "darwin" else 1024.0  # bytes on macOS, KiB on Linux
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * scale


def timed(fn: Callable[[], Any], collect: bool = True) -> tuple[float, float, Any]:
    """Wall time, peak RSS of the process during the call, and the result."""
    if collect:
        gc.collect()
    _reset_peak()
    start = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - start
    return elapsed, _peak_rss(), out


def best_of(
    fn: Callable[[], Any], repeats: int, min_total: float = MIN_TOTAL
) -> tuple[float, float, Any]:
    """Best wall time, the largest peak RSS and the last result of repeated calls.

    At least ``repeats`` calls; short calls are repeated until they have run for
    ``min_total`` seconds in all (at most ``MAX_CALLS`` calls), as timeit does, so that
    a millisecond call is not judged on three samples of a noisy machine. Garbage is
    collected before the first call only: collecting before each call hands a
    millisecond call freshly released memory and adds 10-20 % to its time.
    """
    best, peak, out = np.inf, 0.0, None
    calls, total = 0, 0.0
    while calls < repeats or (total < min_total and calls < MAX_CALLS):
        out = None
        t, p, out = timed(fn, collect=calls == 0)
        best, peak = min(best, t), max(peak, p)
        calls, total = calls + 1, total + t
    return best, peak, out


# --------------------------------------------------------------------------- part (a)


def make_segments(n_segments: int, seed: int) -> pd.DataFrame:
    """Sufficient statistics of ``n_segments`` segments x 4 arms, one row per cell.

    Per segment: a baseline conversion rate of 2-6 %, an average order value of 40-80
    (log-normal order values with a coefficient of variation of 1); each variant moves
    both by a few percent. Each cell has 5,000-50,000 visitors. ``revenue`` and
    ``revenue_squares`` are the sum and the sum of squares of revenue per visitor
    (0 for visitors who did not buy).
    """
    rng = np.random.default_rng(seed)
    k = len(ARMS)
    cells = n_segments * k
    base = np.repeat(rng.uniform(0.02, 0.06, n_segments), k)
    aov_base = np.repeat(rng.uniform(40.0, 80.0, n_segments), k)
    is_variant = np.tile(np.arange(k) > 0, n_segments)
    rate = base * np.where(is_variant, 1.0 + rng.normal(0.0, 0.05, cells), 1.0)
    aov = aov_base * np.where(is_variant, 1.0 + rng.normal(0.0, 0.03, cells), 1.0)
    visitors = rng.integers(5_000, 50_001, cells)
    conversions = rng.binomial(visitors, rate)
    # Order values with CV 1: sum ~ normal around conversions * aov, E[x^2] = 2 aov^2.
    buyers = np.maximum(conversions, 1)
    revenue = conversions * aov * (1.0 + rng.normal(0.0, 1.0, cells) / np.sqrt(buyers))
    squares = conversions * 2.0 * aov**2 * (1.0 + rng.normal(0.0, 2.0, cells) / np.sqrt(buyers))
    width = len(str(n_segments - 1))
    segments = np.array([f"seg{i:0{width}d}" for i in range(n_segments)], dtype=object)
    return pd.DataFrame(
        {
            "segment": np.repeat(segments, k),
            "arm": np.tile(np.array(ARMS, dtype=object), n_segments),
            "conversions": conversions,
            "visitors": visitors,
            "revenue": revenue,
            "revenue_squares": np.maximum(squares, revenue**2 / visitors),
        }
    )


@dataclass
class Pairs:
    """Per comparison (segment, variant): the control's and the variant's rows."""

    keys: list[tuple[str, str]]
    control: pd.DataFrame
    variant: pd.DataFrame


def split_pairs(df: pd.DataFrame) -> Pairs:
    """Control and variant rows of every comparison (not timed: the loop's input)."""
    control = df[df["arm"] == ARMS[0]].set_index("segment")
    variants = df[df["arm"] != ARMS[0]].reset_index(drop=True)
    matched = control.loc[variants["segment"]].reset_index()
    keys = list(zip(variants["segment"], variants["arm"], strict=True))
    return Pairs(keys, matched, variants)


def statsmodels_loop(pairs: Pairs) -> FloatArray:
    """What a user would write for conversion rates: three statsmodels calls per pair.

    Columns: difference interval (Wald), Wald z statistic and p-value, lift interval
    (log of the risk ratio, minus 1). Sample 1 is the variant.
    """
    sc = pairs.control["conversions"].tolist()
    nc = pairs.control["visitors"].tolist()
    sv = pairs.variant["conversions"].tolist()
    nv = pairs.variant["visitors"].tolist()
    alpha = 1.0 - LEVEL
    out = np.empty((len(sc), 6))
    for i in range(len(sc)):
        low, high = confint_proportions_2indep(
            sv[i], nv[i], sc[i], nc[i], method="wald", alpha=alpha
        )
        test = test_proportions_2indep(sv[i], nv[i], sc[i], nc[i], method="wald")
        r_low, r_high = confint_proportions_2indep(
            sv[i], nv[i], sc[i], nc[i], compare="ratio", method="log", alpha=alpha
        )
        out[i] = (low, high, test.statistic, test.pvalue, r_low - 1.0, r_high - 1.0)
    return out


def welch_loop(pairs: Pairs) -> FloatArray:
    """What a user would write for means from sums: Welch's t test per pair with scipy.

    Mean and standard deviation from ``n``, sum and sum of squares; the test from
    ``ttest_ind_from_stats(equal_var=False)``; the interval of the difference with the
    Welch-Satterthwaite degrees of freedom; the lift's interval by the delta method
    (``r +/- q se(r)``, ``Var(r) = (Var(v) + r**2 Var(c)) / c**2``) with the same ``q``.
    Columns: difference interval, t statistic, p-value, lift interval.
    """
    arms = []
    for frame in (pairs.control, pairs.variant):
        n = frame["visitors"].to_numpy(np.float64).tolist()
        total = frame["revenue"].tolist()
        squares = frame["revenue_squares"].tolist()
        arms.append((n, total, squares))
    (nc_, tc_, qc_), (nv_, tv_, qv_) = arms
    out = np.empty((len(nc_), 6))
    for i in range(len(nc_)):
        nc, nv = nc_[i], nv_[i]
        mc, mv = tc_[i] / nc, tv_[i] / nv
        sdc = math.sqrt(max(qc_[i] - tc_[i] * mc, 0.0) / (nc - 1))
        sdv = math.sqrt(max(qv_[i] - tv_[i] * mv, 0.0) / (nv - 1))
        test = stats.ttest_ind_from_stats(mv, sdv, nv, mc, sdc, nc, equal_var=False)
        var_c, var_v = sdc**2 / nc, sdv**2 / nv
        se = math.sqrt(var_c + var_v)
        dof = (var_c + var_v) ** 2 / (var_c**2 / (nc - 1) + var_v**2 / (nv - 1))
        q = stats.t.ppf(0.5 + LEVEL / 2.0, dof)
        diff = mv - mc
        r = mv / mc
        se_r = math.sqrt(var_v + r * r * var_c) / abs(mc)
        out[i] = (
            diff - q * se,
            diff + q * se,
            test.statistic,
            test.pvalue,
            r - q * se_r - 1.0,
            r + q * se_r - 1.0,
        )
    return out


def frame_values(
    table: pd.DataFrame, keys: list[tuple[str, str]], columns: list[str]
) -> FloatArray:
    """cxlib's result columns in the order of ``keys`` (segment, variant)."""
    indexed = table.set_index(["segment", "arm"]).loc[keys]
    out: FloatArray = indexed[columns].to_numpy(np.float64)
    return out


def agreement(
    report: Report, label: str, got: FloatArray, want: FloatArray, names: list[str]
) -> None:
    errors = np.abs(got - want).max(axis=0, initial=0.0)
    worst = int(np.argmax(errors))
    detail = ", ".join(f"{n} {e:.1e}" for n, e in zip(names, errors, strict=True))
    report.checks.append(
        Check(label, float(errors[worst]), TOLERANCE, f"max |diff| by column: {detail}")
    )


def part_grouped(args: argparse.Namespace, report: Report) -> None:
    df = make_segments(args.segments, args.seed)
    pairs = split_pairs(df)
    n_pairs = len(pairs.keys)
    tag = f"{args.segments:,} segments x {len(ARMS)} arms = {n_pairs:,} comparisons"
    proportion = cx.ab.Proportion("conversions", "visitors")
    mean = cx.ab.Mean(n="visitors", sum="revenue", sum_squares="revenue_squares")

    def compare(metric: Any, method: str) -> pd.DataFrame:
        return cx.ab.compare(
            df, group="arm", control=ARMS[0], by="segment", metric=metric, ci_method=method
        )

    # Conversion rates. The delta call gives statsmodels' Wald interval and Wald test;
    # the log call gives its log-ratio interval of the lift (and the same Wald interval).
    results: dict[str, pd.DataFrame] = {}
    times: dict[str, float] = {}
    peaks: dict[str, float] = {}
    for method in ("delta", "log"):
        progress(f"(a) {tag}: cxlib proportions, ci_method={method!r} ...")
        compare(proportion, method)  # warm-up
        times[method], peaks[method], results[method] = best_of(
            lambda method=method: compare(proportion, method), args.repeats, args.min_total
        )
    progress(f"(a) {tag}: statsmodels loop ({3 * n_pairs:,} calls) ...")
    statsmodels_loop(Pairs(pairs.keys[:5], pairs.control[:5], pairs.variant[:5]))  # warm-up
    t_loop, peak_loop, want = best_of(lambda: statsmodels_loop(pairs), args.repeats, args.min_total)
    for method in ("delta", "log"):
        report.rows.append(
            Row(
                "a",
                f"proportions, one call, ci_method={method!r} [1]",
                times[method],
                "statsmodels loop",
                t_loop,
                target=GROUPED_TARGET,
                cx_peak=peaks[method],
                ref_peak=peak_loop,
            )
        )
    report.rows.append(
        Row(
            "a",
            "proportions, both calls [1]",
            times["delta"] + times["log"],
            "statsmodels loop",
            t_loop,
            cx_peak=max(peaks.values()),
            ref_peak=peak_loop,
        )
    )
    delta = frame_values(
        results["delta"], pairs.keys, ["ci_low", "ci_high", "statistic", "p_value"]
    )
    log = frame_values(
        results["log"], pairs.keys, ["ci_low", "ci_high", "lift_ci_low", "lift_ci_high"]
    )
    got = np.column_stack([delta, log[:, 2:]])
    agreement(
        report,
        f"(a) proportions vs statsmodels, {n_pairs:,} comparisons",
        got,
        want,
        ["ci_low", "ci_high", "z", "p", "lift_low", "lift_high"],
    )
    agreement(
        report,
        "(a) proportions: difference interval of the log call = delta call's",
        log[:, :2],
        delta[:, :2],
        ["ci_low", "ci_high"],
    )
    tests = set(results["delta"]["test"])
    if tests != {"wald z"}:
        report.checks.append(
            Check("(a) proportions: every test is the Wald z test", 1.0, 0.0, f"got {tests}")
        )

    # Means from n, sum and sum of squares.
    progress(f"(a) {tag}: cxlib means ...")
    compare(mean, "delta")
    t_mean, peak_mean, res_mean = best_of(
        lambda: compare(mean, "delta"), args.repeats, args.min_total
    )
    progress(f"(a) {tag}: scipy Welch loop ({n_pairs:,} comparisons) ...")
    welch_loop(Pairs(pairs.keys[:5], pairs.control[:5], pairs.variant[:5]))
    t_welch, peak_welch, want_mean = best_of(
        lambda: welch_loop(pairs), args.repeats, args.min_total
    )
    report.rows.append(
        Row(
            "a",
            "means from sums, one call, ci_method='delta'",
            t_mean,
            "scipy Welch loop",
            t_welch,
            target=GROUPED_TARGET,
            cx_peak=peak_mean,
            ref_peak=peak_welch,
        )
    )
    got_mean = frame_values(
        res_mean,
        pairs.keys,
        ["ci_low", "ci_high", "statistic", "p_value", "lift_ci_low", "lift_ci_high"],
    )
    agreement(
        report,
        f"(a) means vs scipy Welch, {n_pairs:,} comparisons",
        got_mean,
        want_mean,
        ["ci_low", "ci_high", "t", "p", "lift_low", "lift_high"],
    )
    report.notes.append(
        f"[1] {tag} (4 arms per segment: the control and 3 variants), from {len(df):,} "
        "rows of sums (one per segment and arm). Each cxlib call gives every comparison's "
        "difference with its interval, a test, and the lift with its interval, as the "
        "loop's three statsmodels calls do (Wald interval and Wald test, "
        "confint_/test_proportions_2indep(method='wald'); log-ratio interval of the lift, "
        "compare='ratio', method='log'). ci_method='delta' has the Wald interval and test "
        "with a delta-method lift interval; ci_method='log' the Wald interval and the "
        "log-ratio lift interval with the log-ratio test. The checks take the interval "
        "and test from the delta call and the lift interval from the log call; 'both "
        "calls', which reproduce every number of the loop, is report only. The loops get "
        "the numbers as Python lists prepared before timing; cxlib starts from the "
        f"DataFrame. Short calls are repeated until they have run {args.min_total:g} s in "
        f"all (at most {MAX_CALLS} calls), the best kept."
    )


# --------------------------------------------------------------------------- part (b)


def make_revenue(n: int, rate: float, log_mean: float, rng: np.random.Generator) -> FloatArray:
    """Revenue of ``n`` visitors: a share ``rate`` buys (log-normal order value), others 0."""
    x = np.zeros(n)
    buyers = rng.random(n) < rate
    x[buyers] = rng.lognormal(log_mean, 0.9, size=int(buyers.sum()))
    return x


def mean_difference(a: FloatArray, b: FloatArray, axis: int = -1) -> FloatArray:
    """Difference of means along ``axis`` (vectorised statistic for scipy)."""
    out: FloatArray = a.mean(axis) - b.mean(axis)
    return out


def end_se(sd: float, n_resamples: int) -> float:
    """Monte Carlo SE of a percentile interval end from ``n_resamples`` replicates.

    An end is the ``a`` quantile of ``B`` replicates; for a near-normal bootstrap
    distribution with standard deviation ``sd`` its SE is about
    ``sd * sqrt(a (1 - a) / B) / phi(z_a)``.
    """
    a = (1.0 - LEVEL) / 2.0
    density = float(np.exp(-0.5 * special.ndtri(a) ** 2) / np.sqrt(2.0 * np.pi))
    return float(sd * np.sqrt(a * (1.0 - a) / n_resamples) / density)


def part_bootstrap(args: argparse.Namespace, report: Report) -> None:
    n, b, b_sp = args.visitors, args.n_resamples, args.scipy_resamples
    rng = np.random.default_rng(args.seed + 1)
    control = make_revenue(n, 0.040, 3.90, rng)
    variant = make_revenue(n, 0.042, 3.92, rng)
    buyers = (int((control > 0).sum()), int((variant > 0).sum()))
    tag = f"(b) {n:,} visitors per arm"

    def run(resamples: int) -> cx.Comparison:
        return cx.ab.compare_means(
            control, variant, ci_method="percentile", n_resamples=resamples, rng=0
        )

    progress(f"{tag}: cxlib, {b:,} resamples ...")
    run(min(b, 99))  # warm-up (a full warm-up would add a whole run)
    t_cx, peak_cx, res = best_of(lambda: run(b), args.repeats, args.min_total)
    progress(f"{tag}: cxlib, {b_sp:,} resamples ...")
    t_cx_small, peak_cx_small, _ = best_of(lambda: run(b_sp), args.repeats, args.min_total)

    batch = max(1, SCIPY_BATCH_ELEMENTS // n)
    progress(f"{tag}: scipy, {b_sp:,} resamples (batch {batch}), {args.repeats} runs ...")

    def run_scipy() -> Any:
        return stats.bootstrap(
            (variant, control),
            mean_difference,
            n_resamples=b_sp,
            method="percentile",
            vectorized=True,
            batch=batch,
            confidence_level=LEVEL,
            rng=0,
        )

    t_sp, peak_sp, sp = best_of(run_scipy, args.repeats, args.min_total)
    extrapolated = t_sp * b / b_sp
    report.rows.append(
        Row(
            "b",
            f"percentile, {b:,} resamples, 2 x {n:,} rows",
            t_cx,
            "scipy.stats.bootstrap",
            extrapolated,
            "[2]",
            BOOTSTRAP_TARGET,
            peak_cx,
            peak_sp,
        )
    )
    report.rows.append(
        Row(
            "b",
            f"percentile, {b_sp:,} resamples (both measured)",
            t_cx_small,
            "scipy.stats.bootstrap",
            t_sp,
            cx_peak=peak_cx_small,
            ref_peak=peak_sp,
        )
    )
    report.notes.append(
        f"[2] EXTRAPOLATED, not run: scipy.stats.bootstrap((variant, control), "
        f"mean difference, vectorized=True, method='percentile', batch={batch}, rng=0) "
        f"was run with {b_sp:,} resamples ({t_sp:.2f} s, best of {args.repeats}) and its "
        "time scaled linearly "
        f"to {b:,} resamples (x {b / b_sp:.1f}); scipy resamples all {2 * n:,} rows "
        f"in every resample. Its peak memory does not grow with the resamples (fixed "
        f"batch). cxlib resamples the {buyers[0]:,} + {buyers[1]:,} buyers only "
        "(binomial count of buyers per resample, exact in distribution)."
    )

    # Checks: estimate exact; interval ends and SE within Monte Carlo error.
    want_diff = float(variant.mean() - control.mean())
    report.checks.append(
        Check(
            f"{tag}: difference = mean(variant) - mean(control)",
            abs(res.difference - want_diff),
            TOLERANCE,
        )
    )
    sd = float(res.se)  # cxlib's bootstrap SE (its replicates' standard deviation)
    tol = MC_SIGMAS * math.hypot(end_se(sd, b), end_se(sd, b_sp))
    cx_ci = (res.difference_ci.low, res.difference_ci.high)
    sp_ci = (float(sp.confidence_interval.low), float(sp.confidence_interval.high))
    report.checks.append(
        Check(
            f"{tag}: interval, cxlib ({b:,}) vs scipy ({b_sp:,} resamples)",
            max(abs(cx_ci[0] - sp_ci[0]), abs(cx_ci[1] - sp_ci[1])),
            tol,
            f"cxlib [{cx_ci[0]:.5f}, {cx_ci[1]:.5f}], scipy [{sp_ci[0]:.5f}, {sp_ci[1]:.5f}]",
        )
    )
    sp_se = float(sp.standard_error)
    rel_tol = MC_SIGMAS * math.sqrt(1.0 / (2 * (b - 1)) + 1.0 / (2 * (b_sp - 1)))
    report.checks.append(
        Check(
            f"{tag}: bootstrap SE, cxlib vs scipy (relative)",
            abs(sd - sp_se) / sp_se,
            rel_tol,
            f"cxlib {sd:.6f}, scipy {sp_se:.6f}",
        )
    )
    # The bootstrap SE of a difference of means is the plug-in (ddof=0) Welch SE.
    welch = math.sqrt(control.var() / n + variant.var() / n)
    report.checks.append(
        Check(
            f"{tag}: bootstrap SE, cxlib vs plug-in Welch SE (relative)",
            abs(sd - welch) / welch,
            MC_SIGMAS / math.sqrt(2 * (b - 1)),
            f"cxlib {sd:.6f}, analytic {welch:.6f}",
        )
    )


# --------------------------------------------------------------------------- report


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def megabytes(b: float) -> str:
    return f"{'-':>7}" if not np.isfinite(b) else f"{b / MB:7.0f}"


def ratio(r: float) -> str:
    return f"{r:.0f}x" if r >= 10 else f"{r:.1f}x"


def print_report(report: Report, args: argparse.Namespace, loads: tuple[str, str]) -> None:
    print(
        f"\ncx.ab benchmark: best of {args.repeats} calls or more (short calls are repeated "
        f"until they have run {args.min_total:g} s); numpy "
        f"{np.__version__}, pandas {pd.__version__}, scipy {scipy.__version__}, "
        f"statsmodels {statsmodels.__version__}, cxlib {cx.__version__}; {os.cpu_count()} "
        f"CPUs ({cpu_model()}); at the start {loads[0]}, at the end {loads[1]}\n"
    )
    width = max(len(r.label) for r in report.rows) + 4
    rw = max(len(r.ref_name) for r in report.rows)
    print(
        f"{'case':<{width}}  {'cxlib':>9} {'peak MB':>7}   {'reference':<{rw}}  "
        f"{'time':>9} {'':>3} {'peak MB':>7}  {'ratio':>6}  target"
    )
    for r in report.rows:
        speed = r.ref / r.cx
        if r.target is None:
            verdict = "(report only)"
        else:
            verdict = f">= {r.target:g}x {'PASS' if speed >= r.target else 'MISS'}"
        print(
            f"({r.part}) {r.label:<{width - 4}}  {seconds(r.cx)} {megabytes(r.cx_peak)}   "
            f"{r.ref_name:<{rw}}  {seconds(r.ref)} {r.ref_note:>3} {megabytes(r.ref_peak)}  "
            f"{ratio(speed):>6}  {verdict}"
        )
    print(
        "\nratio = reference time / cxlib time. peak MB: peak resident memory of the whole "
        "process during the call (data included; VmHWM, reset before each call)."
    )
    for note in report.notes:
        print(note)
    print()
    cw = max(len(c.label) for c in report.checks)
    for c in report.checks:
        status = "agree" if c.ok else "DISAGREE"
        print(f"{c.label:<{cw}}  {c.error:9.2e} <= {c.tolerance:8.2e}  {status}")
        if c.detail:
            print(f"{'':<{cw}}    {c.detail}")
    failed = [c for c in report.checks if not c.ok]
    print()
    if failed:
        for c in failed:
            print(f"check FAILED: {c.label}")
    else:
        print(
            f"checks: the analytic results agree to {TOLERANCE:g} and the bootstrap "
            f"results within {MC_SIGMAS:g} Monte Carlo standard errors"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=1_000, help="segments in (a), 4 arms each")
    parser.add_argument("--visitors", type=int, default=1_000_000, help="visitors per arm in (b)")
    parser.add_argument("--n-resamples", type=int, default=9_999, help="bootstrap resamples in (b)")
    parser.add_argument(
        "--scipy-resamples",
        type=int,
        default=199,
        help="resamples of the scipy run in (b), extrapolated to --n-resamples",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (best is kept)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the data")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test of a few seconds: --segments 50 --visitors 20000 --repeats 1 "
        "--scipy-resamples 99",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.segments, args.visitors, args.repeats, args.scipy_resamples = 50, 20_000, 1, 99
    args.min_total = 0.1 if args.quick else MIN_TOTAL
    if min(args.segments, args.repeats) < 1 or args.visitors < 2:
        parser.error("--segments and --repeats must be positive, --visitors at least 2")
    if min(args.n_resamples, args.scipy_resamples) < 2:
        parser.error("--n-resamples and --scipy-resamples must be at least 2")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_start = load_average()
    report = Report()
    part_grouped(args, report)
    part_bootstrap(args, report)
    print_report(report, args, (load_start, load_average()))
    return 1 if any(not c.ok for c in report.checks) else 0


if __name__ == "__main__":
    sys.exit(main())
