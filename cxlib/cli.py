"""Command line: ``python -m cxlib demo`` prints NPS per touchpoint of a generated survey."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import pandas as pd

from .core.validation import check_choice
from .datasets import make_survey
from .survey.nps import nps
from .survey.nps_intervals import NPS_CI_METHODS, NPSCIMethod


def _demo(n: int, seed: int, ci_method: NPSCIMethod, confidence_level: float) -> str:
    survey = make_survey(n, rng=seed)
    overall = nps(
        survey,
        "recommend",
        ci_method=ci_method,
        confidence_level=confidence_level,
    )
    table = nps(
        survey,
        "recommend",
        by="touchpoint",
        ci_method=ci_method,
        confidence_level=confidence_level,
    )
    shown = table[
        [
            "touchpoint",
            "value",
            "ci_low",
            "ci_high",
            "n",
            "n_missing",
            "pct_promoters",
            "pct_passives",
            "pct_detractors",
        ]
    ].rename(
        columns={
            "value": "nps",
            "pct_promoters": "promoters_%",
            "pct_passives": "passives_%",
            "pct_detractors": "detractors_%",
        }
    )
    shown = shown.sort_values("nps", ascending=False, ignore_index=True)
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        body = shown.to_string(index=False, float_format=lambda x: f"{x:.1f}")
    level = f"{confidence_level * 100:g}%"
    return (
        f"Generated survey: {n:,} respondents across {len(shown)} touchpoints (seed {seed})\n"
        f"Overall: {overall}\n\n"
        f"NPS per touchpoint, {level} {ci_method} confidence intervals:\n{body}\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m cxlib`` and the ``cxlib`` command."""
    parser = argparse.ArgumentParser(prog="cxlib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="NPS per touchpoint of a generated, seeded survey")
    demo.add_argument("--n", type=int, default=5_000, help="respondents (default 5000)")
    demo.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    demo.add_argument(
        "--ci-method",
        default="score",
        choices=NPS_CI_METHODS,
        help="interval method",
    )
    demo.add_argument("--confidence-level", type=float, default=0.95)
    args = parser.parse_args(argv)
    method = check_choice("ci_method", args.ci_method, NPS_CI_METHODS)
    print(_demo(args.n, args.seed, method, args.confidence_level), end="")
    return 0
