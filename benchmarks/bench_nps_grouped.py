"""Benchmark grouped NPS: ``cx.nps(df, "score", by="group")`` against the alternatives.

For each data variant the script times

* cxlib, with its default score interval and with ``ci_method="wald"``;
* the pandas groupby-apply a user would otherwise write (Wald interval, one run);
* a hand-written pandas group-by of the same counts (answers, detractors, passives,
  promoters per group: one ``groupby(...).sum()`` of four boolean columns);
* the floor: a single ``np.bincount(codes * 11 + answers)`` over precomputed integer
  group codes, which is the least work any exact grouped tabulation can do;
* the factorize floor: ``pd.factorize`` of the group column (unsorted) and the same
  bincount, the least work when the codes are not given;

checks that the results agree, and prints the timings with four ratios against their
targets: the speed-up of cxlib over groupby-apply (>= 50x), cxlib's time over the
floor (<= 3x), over the pandas group-by (<= 1.5x) and over the factorize floor (<= 2x).

Run from the repository root::

    python benchmarks/bench_nps_grouped.py                      # 10M answers, 10k groups
    python benchmarks/bench_nps_grouped.py --n 100000 --groups 100 --repeats 1   # smoke
    python benchmarks/bench_nps_grouped.py --n 2000000 --groups 2000    # string keys
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from _common import best_of, clock_name, seconds, set_clock

import cxlib as cx

SPEEDUP_TARGET = 50.0  # cxlib at least this many times faster than groupby-apply
FLOOR_TARGET = 3.0  # cxlib at most this many times the bincount floor
PANDAS_TARGET = 1.5  # cxlib at most this many times the pandas group-by of the counts
FACTORIZE_TARGET = 2.0  # cxlib at most this many times the factorize + bincount floor
TOLERANCE = 1e-9  # agreement of cxlib and groupby-apply, in NPS points
N_POINTS = 11  # the 0-10 scale
Z_95 = 1.959963984540054  # standard normal 0.975 quantile
MISSING_SHARE = 0.01  # share of NaN answers in the float64 variant

# Answer distribution on 0..10, tilted per group so that the NPS varies across groups.
_BASE_P = np.array([0.04, 0.02, 0.03, 0.03, 0.04, 0.07, 0.07, 0.15, 0.20, 0.17, 0.18])

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Variant:
    """One data layout to benchmark."""

    name: str
    group_kind: str  # "category", "int64" or "str" (Arrow-backed strings)
    float_answers: bool  # float64 answers with ~1% NaN instead of int64


VARIANTS = (
    Variant("categorical group, int64 answers", "category", float_answers=False),
    Variant("int64 group, int64 answers", "int64", float_answers=False),
    Variant("categorical group, float64 answers, 1% NaN", "category", float_answers=True),
    Variant("str group (Arrow), int64 answers", "str", float_answers=False),
)


@dataclass(frozen=True)
class Data:
    """A benchmark DataFrame and the integer arrays the floor works on."""

    df: pd.DataFrame
    codes: IntArray  # group code 0..n_groups-1 of each non-missing answer
    answers: IntArray  # the non-missing answers as integers
    n_groups: int
    observed: npt.NDArray[np.bool_]  # which of the n_groups groups have rows in df


@dataclass(frozen=True)
class Result:
    """Timings (seconds) and checks of one variant."""

    variant: Variant
    cx_score: float
    cx_wald: float
    apply: float
    floor: float
    pandas: float
    factorize_floor: float
    problems: list[str]


def make_data(n: int, n_groups: int, variant: Variant, seed: int) -> Data:
    """Seeded answers on the 0-10 scale in ``n_groups`` groups, as a DataFrame."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, n_groups, size=n, dtype=np.int64)
    # Each group draws from the base distribution tilted towards high or low answers.
    tilt = rng.normal(0.0, 0.15, size=n_groups)
    points = np.arange(N_POINTS) - (N_POINTS - 1) / 2
    probs = _BASE_P[None, :] * np.exp(tilt[:, None] * points[None, :])
    cdf = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(n)
    # Inverse-CDF sampling, vectorised: count the cdf points of the row's group below u.
    answers = np.zeros(n, dtype=np.int64)
    for k in range(N_POINTS - 1):
        answers += u > cdf[codes, k]

    # Labels sort in the order of the codes, so that the floor's table lines up.
    labels = pd.Index([f"g{i:05d}" for i in range(n_groups)])
    if variant.group_kind == "category":
        group: Any = pd.Categorical.from_codes(codes, categories=labels)
    elif variant.group_kind == "str":  # Arrow-backed: the pandas 3 default with pyarrow
        group = pd.array(labels.to_numpy(dtype=object)[codes], dtype="str")
    else:
        ids = np.sort(rng.choice(100 * n_groups, size=n_groups, replace=False)).astype(np.int64)
        group = ids[codes]

    score: npt.NDArray[np.int64] | npt.NDArray[np.float64]
    if variant.float_answers:
        score = answers.astype(np.float64)
        missing = rng.random(n) < MISSING_SHARE
        score[missing] = np.nan
        keep = ~missing
        floor_codes, floor_answers = codes[keep], answers[keep]
    else:
        score = answers
        floor_codes, floor_answers = codes, answers
    df = pd.DataFrame({"group": group, "score": score})
    observed = np.bincount(codes, minlength=n_groups) > 0
    return Data(
        df=df, codes=floor_codes, answers=floor_answers, n_groups=n_groups, observed=observed
    )


def nps_one_group(s: pd.Series[float]) -> pd.Series[float]:
    """NPS of one group's answers, with its Wald SE and 95% CI (what a user would write)."""
    x = s.dropna().to_numpy()
    n = len(x)
    if n == 0:
        empty: pd.Series[float] = pd.Series(np.nan, index=["value", "se", "ci_low", "ci_high"])
        return empty
    p_pro = np.count_nonzero(x >= 9) / n
    p_det = np.count_nonzero(x <= 6) / n
    nps = p_pro - p_det
    se = float(np.sqrt(max(p_pro + p_det - nps**2, 0.0) / n))
    low, high = max(nps - Z_95 * se, -1.0), min(nps + Z_95 * se, 1.0)
    row: pd.Series[float] = pd.Series(
        {"value": 100 * nps, "se": 100 * se, "ci_low": 100 * low, "ci_high": 100 * high}
    )
    return row


def groupby_apply(df: pd.DataFrame) -> pd.DataFrame:
    """The pandas baseline: groupby-apply of :func:`nps_one_group`, one row per group."""
    return df.groupby("group", observed=True)["score"].apply(nps_one_group).unstack()


def bincount_floor(codes: IntArray, answers: IntArray, n_groups: int) -> IntArray:
    """The floor: one bincount over combined (group, answer) codes."""
    return np.bincount(codes * N_POINTS + answers, minlength=n_groups * N_POINTS)


def pandas_counts(df: pd.DataFrame) -> pd.DataFrame:
    """A hand-written pandas group-by of the counts the NPS and its interval need."""
    s = df["score"]
    flags = pd.DataFrame(
        {
            "n": s.notna(),
            "n_detractors": s <= 6,
            "n_passives": (s >= 7) & (s <= 8),
            "n_promoters": s >= 9,
        }
    )
    return flags.groupby(df["group"], observed=True, sort=True).sum()


def factorize_floor(df: pd.DataFrame) -> IntArray:
    """The floor without given codes: unsorted factorize, then one bincount."""
    s = df["score"]
    codes, uniques = pd.factorize(df["group"])
    if s.dtype.kind == "f":
        keep = s.notna().to_numpy()
        codes, answers = codes[keep], s.to_numpy()[keep].astype(np.int64)
    else:
        answers = s.to_numpy()
    return np.bincount(codes * N_POINTS + answers, minlength=len(uniques) * N_POINTS)


def check(
    score: pd.DataFrame,
    wald: pd.DataFrame,
    baseline: pd.DataFrame,
    floor: IntArray,
    observed: npt.NDArray[np.bool_],
    counts_pandas: pd.DataFrame,
) -> list[str]:
    """Compare cxlib with the groupby-apply baseline and the floor's counts."""
    problems: list[str] = []
    if list(score["group"]) != list(baseline.index) or list(wald["group"]) != list(baseline.index):
        return ["cxlib and groupby-apply give different groups or group order"]
    pairs = (
        ("value (score call)", score["value"], baseline["value"]),
        ("value (wald call)", wald["value"], baseline["value"]),
        ("se", wald["se"], baseline["se"]),
        ("Wald ci_low", wald["ci_low"], baseline["ci_low"]),
        ("Wald ci_high", wald["ci_high"], baseline["ci_high"]),
    )
    for label, got, want in pairs:
        a, b = got.to_numpy(np.float64), want.to_numpy(np.float64)
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            problems.append(f"{label}: cxlib and groupby-apply are NaN in different groups")
            continue
        err = float(np.nanmax(np.abs(a - b), initial=0.0))
        if not err <= TOLERANCE:
            problems.append(f"{label}: max |cxlib - groupby-apply| = {err:.3g} > {TOLERANCE}")
    counts = floor.reshape(-1, N_POINTS)
    counts = counts[observed]  # groups without rows form no group
    categories = {
        "n_detractors": slice(0, 7),
        "n_passives": slice(7, 9),
        "n_promoters": slice(9, 11),
    }
    for column, cells in categories.items():
        if not np.array_equal(score[column].to_numpy(), counts[:, cells].sum(axis=1)):
            problems.append(f"{column}: cxlib differs from the bincount table")
    for column in ("n", *categories):
        if not np.array_equal(score[column].to_numpy(), counts_pandas[column].to_numpy()):
            problems.append(f"{column}: cxlib differs from the pandas group-by")
    inside = (score["ci_low"] <= score["value"]) & (score["value"] <= score["ci_high"])
    if not inside[score["value"].notna()].all():
        problems.append("score interval does not contain the estimate in some groups")
    return problems


def run_variant(variant: Variant, args: argparse.Namespace) -> Result:
    data = make_data(args.n, args.groups, variant, args.seed)
    df = data.df
    print(f"  {variant.name}: timing cxlib ...", file=sys.stderr, flush=True)
    cx.nps(df, "score", by="group")  # warm-up: imports, first-touch allocations
    t_score, score = best_of(lambda: cx.nps(df, "score", by="group"), args.repeats)
    t_wald, wald = best_of(lambda: cx.nps(df, "score", by="group", ci_method="wald"), args.repeats)
    print(f"  {variant.name}: timing bincount floor ...", file=sys.stderr, flush=True)
    bincount_floor(data.codes, data.answers, data.n_groups)
    t_floor, floor = best_of(
        lambda: bincount_floor(data.codes, data.answers, data.n_groups), args.repeats
    )
    print(f"  {variant.name}: timing pandas group-by ...", file=sys.stderr, flush=True)
    pandas_counts(df)
    t_pandas, counts_pandas = best_of(lambda: pandas_counts(df), args.repeats)
    factorize_floor(df)
    t_factorize, _ = best_of(lambda: factorize_floor(df), args.repeats)
    print(f"  {variant.name}: timing groupby-apply (once) ...", file=sys.stderr, flush=True)
    t_apply, baseline = best_of(lambda: groupby_apply(df), 1)
    problems = check(score, wald, baseline, floor, data.observed, counts_pandas)
    return Result(variant, t_score, t_wald, t_apply, t_floor, t_pandas, t_factorize, problems)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\nGrouped NPS: n = {args.n:,} answers (0-10), {args.groups:,} groups, "
        f"best of {args.repeats} (groupby-apply: 1 run; {clock_name()} clock), "
        f"numpy {np.__version__}, "
        f"pandas {pd.__version__}, cxlib {cx.__version__}\n"
    )
    width = max(len(r.variant.name) for r in results)
    print(
        f"{'variant':<{width}}  {'cxlib score':>11}  {'cxlib wald':>10}  "
        f"{'groupby-apply':>13}  {'pandas groupby':>14}  {'bincount floor':>14}  "
        f"{'factorize floor':>15}"
    )
    for r in results:
        print(
            f"{r.variant.name:<{width}}  {seconds(r.cx_score):>11}  {seconds(r.cx_wald):>10}  "
            f"{seconds(r.apply):>13}  {seconds(r.pandas):>14}  {seconds(r.floor):>14}  "
            f"{seconds(r.factorize_floor):>15}"
        )
    print(
        f"\nRatios for the default call (score CI); ci_method='wald' in brackets.\n"
        f"{'variant':<{width}}  {f'speed-up vs apply (>= {SPEEDUP_TARGET:g}x)':<36}  "
        f"{f'cxlib / floor (<= {FLOOR_TARGET:g}x)':<30}  "
        f"{f'cxlib / pandas groupby (<= {PANDAS_TARGET:g}x)':<38}  "
        f"cxlib / factorize floor (<= {FACTORIZE_TARGET:g}x)"
    )

    def at_most(time_cx: float, time_ref: float, target: float) -> str:
        r = time_cx / time_ref
        return f"{r:5.2f}x {verdict(r <= target)}"

    for r in results:
        up_s, up_w = r.apply / r.cx_score, r.apply / r.cx_wald
        speed = (
            f"{up_s:7.1f}x {verdict(up_s >= SPEEDUP_TARGET)} "
            f"[{up_w:7.1f}x {verdict(up_w >= SPEEDUP_TARGET)}]"
        )
        cells = [
            f"{at_most(r.cx_score, ref, target)} [{at_most(r.cx_wald, ref, target)}]"
            for ref, target in (
                (r.floor, FLOOR_TARGET),
                (r.pandas, PANDAS_TARGET),
                (r.factorize_floor, FACTORIZE_TARGET),
            )
        ]
        print(f"{r.variant.name:<{width}}  {speed:<36}  {cells[0]:<30}  {cells[1]:<38}  {cells[2]}")
    print()
    for r in results:
        status = "agree" if not r.problems else "DISAGREE: " + "; ".join(r.problems)
        print(
            f"check {r.variant.name}: cxlib vs groupby-apply, pandas group-by and bincount "
            f"counts {status}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="number of answers")
    parser.add_argument("--groups", type=int, default=10_000, help="number of groups")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (best is kept)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the data")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time by the wall clock or by the CPU time of the process (shared machines)",
    )
    args = parser.parse_args(argv)
    if args.n < 1 or args.groups < 1 or args.repeats < 1:
        parser.error("--n, --groups and --repeats must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    set_clock(args.clock)
    results = [run_variant(variant, args) for variant in VARIANTS]
    report(results, args)
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
