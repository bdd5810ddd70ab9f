"""The ``cxlib`` command: indices of CSV or Parquet files, without writing Python.

Every command reads the files lazily with DuckDB (see :func:`cxlib.read`) and passes
the relation on: the index, order metric or A/B comparison reduces the rows in DuckDB,
so a file larger than memory works.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import narwhals as nw
import pandas as pd

from ._version import __version__
from .ab.frame import compare as ab_compare
from .cli_output import FORMATS, OutputFormat, render
from .core.files import read
from .core.results import Estimate
from .datasets import make_survey
from .orders.purchases import average_order_value, guest_checkout_rate
from .orders.repeat_purchases import purchase_frequency, repeat_purchase_rate
from .orders.rfm import rfm_summary
from .survey.ces import ces
from .survey.csat import csat
from .survey.engagement import engagement_index
from .survey.loyalty import loyalty_index
from .survey.nps import nps
from .survey.secure import secure_customer_index

EXAMPLES = """\
examples:
  cxlib nps answers.parquet --column recommend --by touchpoint
  cxlib csat answers.csv --column satisfaction --by touchpoint,wave --format markdown
  cxlib ces "lake/**/*.parquet" --column effort --weights weight
  cxlib loyalty answers.parquet --columns rec,buy,other --output loyalty.csv
  cxlib repeat-purchase-rate orders.parquet --customer customer_id --date date
  cxlib rfm orders.csv --customer customer_id --date date --revenue revenue
  cxlib aov orders.parquet --customer customer_id --date date --revenue revenue --by member
  cxlib ab compare visits.parquet --group arm --control A --metric converted
  cxlib demo --n 2000 --seed 1
"""


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line and exit code 2, like every other user error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"cxlib: error: {message} (see cxlib {self._sub_name()}--help)\n")

    def _sub_name(self) -> str:
        parts = self.prog.split()[1:]
        return " ".join(parts) + " " if parts else ""


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="a CSV or Parquet file, a glob pattern or a folder")
    parser.add_argument("--by", type=_names, help="group column(s), comma-separated")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="table")
    parser.add_argument("--output", type=Path, help="write to this file instead of printing")


def _inference(parser: argparse.ArgumentParser, default_ci: str) -> None:
    parser.add_argument("--ci-method", default=default_ci, help=f"default {default_ci}")
    parser.add_argument("--confidence-level", type=float, default=0.95)
    parser.add_argument("--n-resamples", type=int, default=9999, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, help="seed of the bootstrap")
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="no progress bar of the bootstrap (shown on a terminal when tqdm is installed)",
    )


def _progress(args: argparse.Namespace) -> bool:
    """A bar on standard error when it is a terminal and tqdm is there, unless turned off.

    The bar goes to standard error, so the output itself is the same either way.
    """
    if not args.progress or not sys.stderr.isatty():
        return False
    return importlib.util.find_spec("tqdm") is not None


def _survey_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {
        "by": args.by,
        "weights": args.weights,
        "ci_method": args.ci_method,
        "confidence_level": args.confidence_level,
        "n_resamples": args.n_resamples,
        "rng": args.seed,
        "progress": _progress(args),
    }
    if args.scale is not None:
        options["scale"] = _names(args.scale) if "," in args.scale else args.scale
    return options


SURVEY: dict[str, tuple[str, Callable[..., Any], bool]] = {
    # command: (help, function, several columns)
    "nps": ("Net Promoter Score", nps, False),
    "csat": ("Customer Satisfaction Score (top-2-box)", csat, False),
    "ces": ("Customer Effort Score", ces, False),
    "loyalty": ("Customer Loyalty Index (three items)", loyalty_index, True),
    "engagement": ("engagement index (five items)", engagement_index, True),
    "secure": ("Secure Customer Index (three items)", secure_customer_index, True),
}


def _default(function: Callable[..., Any], name: str) -> Any:
    """The library's default of an argument: the command line keeps it."""
    return inspect.signature(function).parameters[name].default


def _run_survey(args: argparse.Namespace) -> pd.DataFrame:
    _, function, several = SURVEY[args.command]
    data = read(args.path)
    target = _names(args.columns) if several else args.column
    result = function(data, target, **_survey_options(args))
    return result.to_frame() if isinstance(result, Estimate) else result


#: Order commands: (help, function, aliases). Each reads the files as a DuckDB relation,
#: so the per-customer reduction runs in DuckDB and files larger than memory work.
ORDERS: dict[str, tuple[str, Callable[..., Any], list[str]]] = {
    "rfm": ("frequency, recency, age and monetary value of every customer", rfm_summary, []),
    "repeat-purchase-rate": (
        "share of customers with more than one purchase",
        repeat_purchase_rate,
        [],
    ),
    "purchase-frequency": ("orders per customer", purchase_frequency, []),
    "average-order-value": ("revenue per order", average_order_value, ["aov"]),
    "guest-checkout-rate": (
        "share of orders placed without a customer account",
        guest_checkout_rate,
        [],
    ),
}
_ORDER_ALIASES = {alias: name for name, (_, _, aliases) in ORDERS.items() for alias in aliases}


def _run_orders(args: argparse.Namespace) -> pd.DataFrame:
    name = _ORDER_ALIASES.get(args.command, args.command)
    function = ORDERS[name][1]
    # The relation is lazy: the engine paths check the columns against its schema and
    # reduce the rows in DuckDB; only per-customer tables reach Python.
    orders = read(args.path)
    keys: dict[str, Any] = {
        "customer": args.customer,
        "date": args.date,
        "revenue": args.revenue,
        "as_of": args.as_of,
    }
    if name == "rfm":
        summary: pd.DataFrame = function(orders, **keys, time_unit=args.time_unit)
        return summary.reset_index()
    if name == "guest-checkout-rate":
        keys["guest"] = args.guest
    result = function(
        orders,
        **keys,
        window=args.window,
        by=args.by,
        ci_method=args.ci_method,
        confidence_level=args.confidence_level,
        n_resamples=args.n_resamples,
        rng=args.seed,
        progress=_progress(args),
    )
    return result.to_frame() if isinstance(result, Estimate) else result


def _run_ab(args: argparse.Namespace) -> pd.DataFrame:
    visits = read(args.path)
    schema = nw.from_native(visits).collect_schema()
    control: Any = args.control
    if args.group in schema and schema[args.group].is_numeric():
        control = pd.to_numeric(pd.Series([args.control])).iloc[0]
    out: pd.DataFrame = ab_compare(
        visits,
        group=args.group,
        control=control,
        metric=args.metric,
        by=args.by,
        confidence_level=args.confidence_level,
    )
    return out


def _run_demo(args: argparse.Namespace) -> pd.DataFrame:
    survey = make_survey(args.n, rng=args.seed)
    overall = nps(survey, "recommend")
    table: pd.DataFrame = nps(survey, "recommend", by="touchpoint")
    args.title = (
        f"Generated survey: {args.n:,} respondents across {len(table)} touchpoints "
        f"(seed {args.seed})\nOverall: {overall}\n\n"
        "NPS per touchpoint, 95% score confidence intervals:"
    )
    return table.sort_values("value", ascending=False, ignore_index=True)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cxlib",
        description="Customer-experience indices with confidence intervals, from CSV or "
        "Parquet files.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cxlib {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (title, function, several) in SURVEY.items():
        p = sub.add_parser(name, help=title, description=title)
        _common(p)
        if several:
            p.add_argument("--columns", required=True, help="the item columns, comma-separated")
        else:
            p.add_argument("--column", required=True, help="the answers column")
        p.add_argument("--weights", help="survey weights column")
        p.add_argument("--scale", help="answer scale, e.g. 1-5 (one per item, comma-separated)")
        _inference(p, _default(function, "ci_method"))
        p.set_defaults(run=_run_survey)
    for name, (title, function, aliases) in ORDERS.items():
        p = sub.add_parser(name, help=title, description=title, aliases=aliases)
        _common(p)
        p.add_argument("--customer", required=True, help="customer id column")
        p.add_argument("--date", required=True, help="order date column")
        p.add_argument(
            "--revenue", required=name == "average-order-value", help="order value column"
        )
        p.add_argument("--as-of", help="end of the observation window (default: last order)")
        if name == "rfm":
            p.add_argument("--time-unit", default="D", help="period of the counts (default D)")
        else:
            p.add_argument("--window", type=float, default=365, help="window in days")
            if name == "guest-checkout-rate":
                p.add_argument(
                    "--guest", help="boolean guest flag column (default: no customer id)"
                )
            _inference(p, _default(function, "ci_method"))
        p.set_defaults(run=_run_orders)
    ab = sub.add_parser("ab", help="A/B tests", description="A/B tests")
    ab_sub = ab.add_subparsers(dest="ab_command", required=True, parser_class=_Parser)
    title = "lift of every variant over the control"
    p = ab_sub.add_parser("compare", help=title, description=title)
    _common(p)
    p.add_argument("--group", required=True, help="column naming each row's arm")
    p.add_argument("--control", required=True, help="the control arm's value")
    p.add_argument("--metric", required=True, help="the metric column (0/1 or a value)")
    p.add_argument("--confidence-level", type=float, default=0.95)
    p.set_defaults(run=_run_ab)
    demo = sub.add_parser("demo", help="NPS per touchpoint of a generated, seeded survey")
    demo.add_argument("--n", type=int, default=5_000, help="respondents (default 5000)")
    demo.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    demo.add_argument("--format", dest="fmt", choices=FORMATS, default="table")
    demo.add_argument("--output", type=Path)
    demo.set_defaults(run=_run_demo)
    return parser


_USER_ERRORS = (ValueError, TypeError, KeyError, FileNotFoundError, ImportError, OSError)


def _engine_error(exc: Exception) -> bool:
    """An error DuckDB raised while reading the files (a value its type does not hold,
    a broken file): found only when the rows are read, so after the checks."""
    return any(cls.__module__.lstrip("_").split(".")[0] == "duckdb" for cls in type(exc).__mro__)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m cxlib`` and the ``cxlib`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        frame: pd.DataFrame = args.run(args)
        fmt: OutputFormat = args.fmt
        command = "ab compare" if args.command == "ab" else args.command
        title = getattr(args, "title", None) or f"{command}: {args.path}"
        text = render(frame, fmt, title)
        if args.output is not None:
            args.output.write_text(text)
        else:
            sys.stdout.write(text)
    except Exception as exc:
        if not isinstance(exc, _USER_ERRORS) and not _engine_error(exc):
            raise
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        first = textwrap.shorten(" ".join(message.split()), width=400, placeholder=" ...")
        sys.stderr.write(f"cxlib: error: {first}\n")
        return 2
    return 0
