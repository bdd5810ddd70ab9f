"""Coverage study of the order metrics: do the 95% intervals of the AOV, the purchase
frequency and the repeat purchase rate contain the truth on heavy-tailed customers?

Design
------
A sample is ``n`` customers, each with ``o = 1 + NegBin(mean 2, dispersion k)`` orders
in the window (every customer of the window has an order). Order values are lognormal
with log-sd ``sigma`` around a customer mean ``m(o) = o**gamma``: ``gamma = 0.5`` makes
heavy buyers spend more per order (the cell where the delta interval covered 82-88 %),
``gamma = 0`` makes spend per order independent of the number of orders. The truths are
exact sums over the negative-binomial pmf:

* AOV = E[o**(1 + gamma)] / E[o] (times the mean order value 1);
* purchase frequency = 1 + 2 = 3 orders per customer;
* repeat purchase rate = 100 P(o > 1) = 100 (1 - (k / (k + 2))**k).

Every sample of a cell is one ``rep`` of a stacked orders table, and each method is a
single grouped call (``by="rep"``) through the public functions. The analytic methods
see ``R`` samples; the bootstrap methods (``n_resamples=999``) the first
``max(100, 50_000 // n)`` of them (``max(300, 100_000 // n)`` for the default), at
most ``R``, so their Monte Carlo error is larger at large ``n`` (the ``replicates``
column says how many). A sample's interval covers when
``low <= truth <= high``; NaN intervals count as not covering (``nan_share``).

The default method's samples that carry the coverage warning (fewer customers than
``max(20, 12 g**2)``, ``g`` the skewness of the linearised customer totals) are
counted too: printed as ``warned`` and ``covered or warned``.

Run from the repository root: ``python benchmarks/coverage_orders.py [--quick]
[--replicates R] [--seed S]``.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from _coverage import COLUMNS
from scipy import stats

import cxlib as cx
from cxlib.core.studentized import linearised_skewness
from cxlib.orders.coverage import trusted_from

LEVEL = 0.95
SIZES = (30, 50, 100, 200, 500, 2000)
QUICK_SIZES = (50, 200)
N_RESAMPLES = 999
BOOT_ELEMENTS = 50_000  # bootstrap samples x customers per (cell, n)
MEAN_EXTRA = 2.0  # mean of the negative-binomial part of the order count
RATIO_METHODS = ("bootstrap-t", "delta", "percentile", "bca")

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Cell:
    code: int
    metric: str
    label: str
    k: float  # negative-binomial dispersion of the order count
    sigma: float = 1.0  # log-sd of an order value
    gamma: float = 0.0  # spend per order rises as orders**gamma
    methods: tuple[str, ...] = RATIO_METHODS


CELLS = (
    Cell(1, "average_order_value", "lognormal sigma=1, spend independent of orders", 1.0, 1.0, 0.0),
    Cell(2, "average_order_value", "lognormal sigma=0.5, heavy buyers spend more", 1.0, 0.5, 0.5),
    Cell(3, "average_order_value", "lognormal sigma=1, heavy buyers spend more", 1.0, 1.0, 0.5),
    Cell(4, "average_order_value", "lognormal sigma=1.5, heavy buyers spend more", 1.0, 1.5, 0.5),
    Cell(5, "purchase_frequency", "orders 1 + negative binomial, k=0.5", 0.5),
    Cell(6, "purchase_frequency", "orders 1 + negative binomial, k=1", 1.0),
    Cell(7, "purchase_frequency", "orders 1 + negative binomial, k=2", 2.0),
    Cell(8, "repeat_purchase_rate", "orders 1 + negative binomial, k=1", 1.0,
         methods=("modified-wilson", "wilson", "delta")),
)  # fmt: skip
FUNCTIONS = {
    "average_order_value": cx.average_order_value,
    "purchase_frequency": cx.purchase_frequency,
    "repeat_purchase_rate": cx.repeat_purchase_rate,
}


def default_method(metric: str) -> str:
    return str(inspect.signature(FUNCTIONS[metric]).parameters["ci_method"].default)


def truth(cell: Cell) -> float:
    j = np.arange(20_000)
    pmf = stats.nbinom.pmf(j, cell.k, cell.k / (cell.k + MEAN_EXTRA))
    o = 1.0 + j
    if cell.metric == "average_order_value":
        return float((pmf * o ** (1.0 + cell.gamma)).sum() / (pmf * o).sum())
    if cell.metric == "purchase_frequency":
        return 1.0 + MEAN_EXTRA
    return 100.0 * float(1.0 - pmf[0])


def draw(cell: Cell, n: int, replicates: int, seed: int) -> tuple[pd.DataFrame, FloatArray]:
    """The stacked orders of ``replicates`` samples and each customer's revenue."""
    rng = np.random.default_rng([seed, cell.code, n])
    count = 1 + rng.negative_binomial(cell.k, cell.k / (cell.k + MEAN_EXTRA), replicates * n)
    customer = np.repeat(np.arange(replicates * n), count)
    log_mean = cell.gamma * np.log(count[customer]) - cell.sigma**2 / 2.0
    value = np.exp(log_mean + cell.sigma * rng.standard_normal(len(customer)))
    orders = pd.DataFrame(
        {
            "customer": customer,
            "rep": customer // n,
            "date": np.datetime64("2024-06-01", "ns"),
            "revenue": value,
        }
    )
    spend = np.bincount(customer, weights=value, minlength=replicates * n)
    return orders, spend


def interval_table(
    cell: Cell, orders: pd.DataFrame, method: str, rng_key: list[int]
) -> pd.DataFrame:
    kwargs: dict[str, object] = {"customer": "customer", "date": "date", "by": "rep"}
    kwargs.update(ci_method=method, confidence_level=LEVEL, n_resamples=N_RESAMPLES)
    kwargs["rng"] = np.random.default_rng(rng_key)
    if cell.metric == "average_order_value":
        kwargs["revenue"] = "revenue"
    with warnings.catch_warnings():
        # Expected in these cells and counted below: the coverage warning, and
        # zero-width or undefined intervals of unlucky small samples.
        warnings.simplefilter("ignore", cx.CoverageWarning)
        warnings.simplefilter("ignore", cx.DegenerateDataWarning)
        result: pd.DataFrame = FUNCTIONS[cell.metric](orders, **kwargs)
    return result


def warned(cell: Cell, orders: pd.DataFrame, spend: FloatArray, n: int, r: int) -> FloatArray:
    """Which samples the default interval's coverage warning flags."""
    if cell.metric == "repeat_purchase_rate":
        return np.zeros(r, dtype=bool)
    count = np.bincount(orders["customer"].to_numpy(), minlength=r * n).astype(np.float64)
    y, x = (spend, count) if cell.metric == "average_order_value" else (count, np.ones(r * n))
    codes = np.repeat(np.arange(r), n)
    value = np.bincount(codes, weights=y, minlength=r) / np.bincount(codes, weights=x, minlength=r)
    need = trusted_from("bootstrap-t", linearised_skewness(y, x, codes, r, value))
    flags: FloatArray = n < need
    return flags


def run_cells(*, replicates: int, seed: int, quick: bool = False) -> pd.DataFrame:
    """One row per (cell, n, method) with the columns of ``COLUMNS``."""
    rows: list[dict[str, object]] = []
    extra: list[dict[str, object]] = []
    for cell in CELLS:
        started = time.perf_counter()
        true_value = truth(cell)
        default = default_method(cell.metric)
        for n in QUICK_SIZES if quick else SIZES:
            orders, spend = draw(cell, n, replicates, seed)
            for k, method in enumerate(cell.methods):
                r = replicates
                if method not in ("delta", "wilson", "modified-wilson"):
                    # The default gets more samples than the other bootstraps.
                    floor, budget = (300, 2) if method == default else (100, 1)
                    r = min(replicates, max(floor, budget * BOOT_ELEMENTS // n))
                subset = orders[orders["rep"] < r]
                res = interval_table(cell, subset, method, [seed, cell.code, n, 100 + k])
                low, high = res["ci_low"].to_numpy(), res["ci_high"].to_numpy()
                finite = np.isfinite(low) & np.isfinite(high)
                covered = finite & (low <= true_value) & (high >= true_value)
                rows.append(
                    {
                        "family": "orders",
                        "metric": cell.metric,
                        "cell": cell.label,
                        "n": n,
                        "method": method,
                        "default": method == default,
                        "coverage": float(covered.mean()),
                        "mean_width": float((high - low)[finite].mean()),
                        "nan_share": float((~finite).mean()),
                        "replicates": r,
                    }
                )
                if method == default:
                    flag = warned(cell, subset, spend[: r * n], n, r)
                    extra.append(
                        {
                            "metric": cell.metric,
                            "cell": cell.label,
                            "n": n,
                            "warned": float(flag.mean()),
                            "covered_or_warned": float((covered | flag).mean()),
                        }
                    )
        print(f"  {cell.metric} / {cell.label}: {time.perf_counter() - started:.1f} s",
              file=sys.stderr)  # fmt: skip
    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs["warnings"] = pd.DataFrame(extra)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--replicates", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20241205)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    replicates = args.replicates or (200 if args.quick else 2000)
    started = time.perf_counter()
    res = run_cells(replicates=replicates, seed=args.seed, quick=args.quick)
    pd.set_option("display.width", 200)
    for (metric, cell), sub in res.groupby(["metric", "cell"], sort=False):
        table = sub.pivot(index="method", columns="n", values="coverage") * 100
        table.index = [f"{m} (default)" if m == default_method(str(metric)) else m
                       for m in table.index]  # fmt: skip
        print(f"\n{metric}: {cell} (coverage %, replicates {sorted(set(sub['replicates']))})")
        print(table.round(1).to_string())
    flags = res.attrs["warnings"]
    print("\ndefault method: share of samples warned and share covered or warned, %")
    print((flags.set_index(["metric", "cell", "n"]) * 100).round(1).to_string())
    print(f"\n{time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
