"""CupedStats.from_sums: warehouse sums per arm, against the per-unit values and SQL."""

from __future__ import annotations

import math
import re
import sqlite3
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ab_cuped_ratio import arms, visits

import cxlib as cx

CupedStats = cx.ab.CupedStats
FIELDS = ["difference", "se", "ci_low", "ci_high", "lift", "lift_ci_low", "lift_ci_high", "p_value"]


def _fields(result: cx.Comparison) -> list[float]:
    frame = result.to_frame()
    return [float(frame[c].iloc[0]) for c in FIELDS]


def _sums(columns: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """``n``, the column sums and the sums of products of ``(columns, units)``."""
    return columns.shape[1], columns.sum(axis=1), columns @ columns.T


def _digits(record: Any) -> float:
    """The significant digits a PrecisionWarning says are kept ('no' is 0)."""
    message = str(record[0].message)
    found = re.search(r"keeps (no|about (\d+)) significant digits", message)
    assert found, message
    return 0.0 if found[1] == "no" else float(found[2])


# --------------------------------------------------------------------------------------
# The same statistics as the values
# --------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 80),
    k=st.integers(1, 3),
    ratio=st.booleans(),
)
def test_from_sums_equals_from_values(seed: int, n: int, k: int, ratio: bool) -> None:
    rng = np.random.default_rng(seed)
    # Columns of a few standard deviations' offset from zero, some correlated.
    m = k + (2 if ratio else 1)
    mix = rng.normal(size=(m, m))
    z = mix @ rng.normal(size=(m, n)) * rng.uniform(0.5, 3.0, (m, 1)) + rng.uniform(-3, 3, (m, 1))
    if ratio:
        z[1] = rng.integers(1, 4, n)  # orders per visitor
    metric = "ratio" if ratio else "mean"
    summed = CupedStats.from_sums(*_sums(z), metric=metric)
    rows = CupedStats.from_values(z[0], z[m - k :], denominator=z[1] if ratio else None)
    assert (summed.n, summed.metric, summed.n_covariates) == (rows.n, rows.metric, k)
    sd, scale = np.sqrt(np.diagonal(rows.cov)), np.abs(rows.mean)
    # 1e-12 relative to each column's spread (the means) and to sqrt(var_i var_j) (the
    # covariances: one near 0 has no digits of its own), plus what the rounding of the
    # sums costs (at most 8 eps sqrt(P_ii P_jj), the bound of moments_from_sums, here
    # with room for numpy's summation): about 1e-12 relative for columns within a few
    # standard deviations of zero, more for a column whose few values barely differ.
    assert (np.abs(np.subtract(summed.mean, rows.mean)) <= 1e-12 * (sd + scale)).all()
    _, _, p = _sums(z)
    rounding = 64 * np.finfo(float).eps * np.sqrt(np.outer(np.diag(p), np.diag(p))) / (n - 1)
    error = np.abs(np.subtract(summed.cov, rows.cov))
    assert (error <= 1e-12 * np.outer(sd, sd) + rounding).all()


@pytest.mark.parametrize("seed", [2, 3])
@pytest.mark.parametrize("covariates", [["pre_revenue"], ["pre_revenue", "pre_visits"]])
def test_the_comparison_from_sums_is_that_of_the_values(seed: int, covariates: list[str]) -> None:
    df = visits(seed)
    control, variant = arms(df, "revenue", *covariates)
    stats = [CupedStats.from_sums(*_sums(np.stack(a))) for a in (control, variant)]
    summed = cx.ab.compare_means(*stats)
    rows = cx.ab.compare_means(control[0], variant[0], covariates=(control[1:], variant[1:]))
    np.testing.assert_allclose(_fields(summed), _fields(rows), rtol=1e-9)
    assert summed.test == rows.test == "welch t"
    assert summed.estimates[1].value == pytest.approx(rows.estimates[1].value, rel=1e-12)


@pytest.mark.parametrize("covariates", [["pre_orders"], ["pre_revenue", "pre_orders"]])
def test_the_ratio_comparison_from_sums_is_that_of_the_values(covariates: list[str]) -> None:
    df = visits(1)
    control, variant = arms(df, "revenue", "orders", *covariates)
    stats = [CupedStats.from_sums(*_sums(np.stack(a)), metric="ratio") for a in (control, variant)]
    summed = cx.ab.compare_ratios(*stats)
    rows = cx.ab.compare_ratios(
        tuple(control[:2]), tuple(variant[:2]), covariates=(control[2:], variant[2:])
    )
    np.testing.assert_allclose(_fields(summed), _fields(rows), rtol=1e-9)


def _sql_sums(df: pd.DataFrame, columns: list[str]) -> dict[str, tuple[int, list, list]]:
    """Per arm ``COUNT(*)``, ``SUM(z_i)`` and ``SUM(z_i * z_j)``, as a warehouse gives them."""
    pairs = [(a, b) for a in columns for b in columns]
    query = (
        "SELECT arm, COUNT(*), "
        + ", ".join(f"SUM({c})" for c in columns)
        + ", "
        + ", ".join(f"SUM({a} * {b})" for a, b in pairs)
        + " FROM visits GROUP BY arm ORDER BY arm"
    )
    with sqlite3.connect(":memory:") as db:
        df.to_sql("visits", db, index=False)
        rows = db.execute(query).fetchall()
    m = len(columns)
    out = {}
    for arm, n, *values in rows:
        sums, flat = values[:m], values[m:]
        out[arm] = (n, sums, [flat[i * m : (i + 1) * m] for i in range(m)])
    return out


def test_sums_from_sql_give_the_comparison_of_the_rows() -> None:
    df = visits(4)
    columns = ["revenue", "pre_revenue", "pre_visits"]
    sql = _sql_sums(df, columns)
    stats = [CupedStats.from_sums(*sql[a]) for a in ("A", "B")]
    control, variant = arms(df, *columns)
    rows = cx.ab.compare_means(control[0], variant[0], covariates=(control[1:], variant[1:]))
    np.testing.assert_allclose(_fields(cx.ab.compare_means(*stats)), _fields(rows), rtol=1e-9)


# --------------------------------------------------------------------------------------
# Precision: offsets, exact integers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [1e6, 1e9])
def test_covariates_far_from_zero_warn_and_the_digits_said_are_kept(offset: float) -> None:
    df = visits(5)
    z = np.stack(arms(df, "revenue", "pre_revenue", "pre_visits")[0])
    near = CupedStats.from_sums(*_sums(z))  # near zero: no warning (warnings are errors)
    exact = CupedStats.from_values(z[0], z[1:])
    np.testing.assert_allclose(near.cov, exact.cov, rtol=1e-12)
    z[1:] += offset
    with pytest.warns(cx.PrecisionWarning, match=r"significant digits") as record:
        far = CupedStats.from_sums(*_sums(z))
    message = str(record[0].message)
    assert "(the variance of x_" in message  # a covariate's, the columns far from zero
    assert "CupedStats(n=..., mean=..., cov=...)" in message
    assert "CupedStats.from_values" in message
    digits = _digits(record)
    assert digits < 6
    # Every variance kept at least the digits the warning says (the bound is an upper one).
    error = np.abs(np.diagonal(far.cov) - np.diagonal(exact.cov)) / np.diagonal(exact.cov)
    assert (error <= 10.0 ** (1.0 - digits)).all()
    # The values themselves keep every digit: no warning.
    CupedStats.from_values(z[0], z[1:])


def test_a_covariance_is_judged_on_the_correlation_scale() -> None:
    rng = np.random.default_rng(6)
    y, x = rng.normal(size=(2, 5_000))  # nearly uncorrelated: the covariance is near 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = CupedStats.from_sums(*_sums(np.stack([y, x])))
    assert abs(stats.cov[0][1]) < 0.05
    np.testing.assert_allclose(stats.cov[0][1], np.cov(y, x)[0, 1], rtol=1e-9)


def test_exact_variances_with_a_rounded_cross_product_warn_for_the_covariance() -> None:
    rng = np.random.default_rng(7)
    cents = rng.integers(10**9, 10**9 + 1000, (2, 2_000))
    n, sums = cents.shape[1], [int(v) for v in cents.sum(axis=1)]
    products: list[list[Any]] = [
        [sum(int(a) * int(b) for a, b in zip(u, v, strict=True)) for v in cents] for u in cents
    ]
    products[0][1] = products[1][0] = float(products[0][1])  # SUM(y * x) in floating point
    with pytest.warns(cx.PrecisionWarning, match=r"the covariance of y and x_1, as a correlation"):
        stats = CupedStats.from_sums(n, sums, products)
    # The variances are still exact.
    for i in (0, 1):
        assert stats.cov[i][i] == float(Fraction(products[i][i] * n - sums[i] ** 2, n * (n - 1)))


def test_integer_sums_beyond_2_53_are_used_exactly() -> None:
    rng = np.random.default_rng(10)
    cents = rng.integers(10**12, 10**12 + 1000, (3, 5_000))
    n = cents.shape[1]
    sums = [int(v) for v in cents.sum(axis=1)]
    products = [
        [sum(int(a) * int(b) for a, b in zip(u, v, strict=True)) for v in cents] for u in cents
    ]
    assert max(map(max, products)) > 2**53
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = CupedStats.from_sums(n, sums, products)
        from_numpy = CupedStats.from_sums(n, np.array(sums), np.array(products, dtype=object))
    assert from_numpy == stats
    for i in range(3):
        assert stats.mean[i] == float(Fraction(sums[i], n))
        for j in range(3):
            exact = Fraction(products[i][j] * n - sums[i] * sums[j], n * (n - 1))
            assert stats.cov[i][j] == float(exact)
    near = (cents - 10**12).astype(float)
    np.testing.assert_allclose(stats.cov, np.cov(near), rtol=1e-12)
    # The same sums as floats: the offset of 1e12 leaves no digit of the variances.
    with pytest.warns(cx.PrecisionWarning, match="significant digits"):
        CupedStats.from_sums(n, [float(s) for s in sums], [[float(v) for v in r] for r in products])


@pytest.mark.parametrize("offset", [1e6, 1e9])
def test_a_ratio_proportional_to_its_denominator_warns(offset: float) -> None:
    rng = np.random.default_rng(8)
    orders = rng.integers(1, 4, 3_000).astype(float)
    pre = rng.normal(5.0, 2.0, 3_000)
    revenue = (offset + rng.normal(0.0, 1.0, 3_000)) * orders
    z = np.stack([revenue, orders, pre])
    # As a mean, the variances keep their digits.
    CupedStats.from_sums(*_sums(z))
    with pytest.warns(cx.PrecisionWarning, match=r"the ratio's variance, of numerator - ratio"):
        CupedStats.from_sums(*_sums(z), metric="ratio")


def test_single_unit_and_empty_sums() -> None:
    one = CupedStats.from_sums(1, [3.0, 2.0], [[9.0, 6.0], [6.0, 4.0]])
    assert (one.n, one.mean) == (1, (3.0, 2.0))
    assert all(math.isnan(v) for row in one.cov for v in row)
    empty = CupedStats.from_sums(0, [0, 0, 0], np.zeros((3, 3)), metric="ratio")
    assert (empty.n, empty.metric) == (0, "ratio")
    assert all(math.isnan(v) for v in empty.mean)
    assert all(math.isnan(v) for row in empty.cov for v in row)
    merged = one + CupedStats.from_sums(0, [0.0, 0.0], [[0.0, 0.0], [0.0, 0.0]])
    assert (merged.n, merged.mean) == (1, (3.0, 2.0))
    two = CupedStats.from_sums(2, [4.0, 2.0], [[10.0, 4.0], [4.0, 2.0]])
    assert two == CupedStats.from_values([1.0, 3.0], [1.0, 1.0])


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------

GOOD: dict[str, Any] = {"n": 4, "sums": [20.0, 8.0], "products": [[114.0, 45.0], [45.0, 18.0]]}


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"metric": "median"}, ValueError, r"^metric must be one of 'mean', 'ratio'; got 'median'"),
        ({"n": -1}, ValueError, r"^n must be a whole number >= 0"),
        ({"n": True}, TypeError, r"^n must be a real number"),
        ({"sums": [20.0]}, ValueError, r"^sums must hold the sums of \(y, x_1, \.\.\., x_k\)"),
        ({"sums": [[20.0, 8.0]]}, ValueError, r"^sums must hold .* got shape \(1, 2\)"),
        ({"metric": "ratio"}, ValueError, r"^sums must hold the sums of \(numerator, denominator"),
        ({"products": [[114.0, 45.0]]}, ValueError, r"^products must be the 2 x 2 matrix"),
        ({"products": [[114.0, 45.0], [45.0]]}, ValueError, r"^products must be the 2 x 2"),
        ({"sums": [math.inf, 8.0]}, ValueError, r"^sums\[0\] must be finite; got inf"),
        ({"sums": ["20", 8.0]}, TypeError, r"^sums\[0\] must be a real number; got str"),
        ({"sums": [20.0, True]}, TypeError, r"^sums\[1\] must be a real number; got bool"),
        (
            {"products": [[114.0, math.nan], [45.0, 18.0]]},
            ValueError,
            r"^products\[0\]\[1\] must be finite; got nan",
        ),
        (
            {"products": [[114.0, 45.0], [45.0, -18.0]]},
            ValueError,
            r"^products\[1\]\[1\] must be >= 0 \(a sum of squares\)",
        ),
        (
            {"products": [[114.0, 45.0], [44.0, 18.0]]},
            ValueError,
            r"^products must be symmetric .*products\[0\]\[1\] = 45\.0 and products\[1\]\[0\] = 44",
        ),
        (
            {"products": [[99.0, 45.0], [45.0, 18.0]]},
            ValueError,
            r"^products\[0\]\[0\] must be at least sums\[0\]\*\*2 / n \(a variance cannot be "
            r"negative\); got n = 4, sums\[0\] = 20\.0, products\[0\]\[0\] = 99\.0",
        ),
        (
            {"products": [[114.0, 50.0], [50.0, 18.0]]},
            ValueError,
            r"^products\[0\]\[1\] must satisfy .* \(a correlation cannot exceed 1\)",
        ),
        ({"n": 0}, ValueError, r"^with n = 0 \(no units\), sums and products must be 0"),
        (
            {"sums": [1e200, 8.0], "products": [[1e300, 45.0], [45.0, 18.0]]},
            ValueError,
            r"^sums and products are too large to centre in float64",
        ),
    ],
)
def test_bad_sums_are_refused_naming_the_argument(
    changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        CupedStats.from_sums(**{**GOOD, **changes})


def test_pairwise_correlations_that_make_no_covariance_matrix_are_refused() -> None:
    # Each pair correlates by 0.9 or -0.9, possible alone, impossible together.
    corr = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert np.linalg.eigvalsh(corr)[0] < 0
    with pytest.raises(ValueError, match=r"^products must be the sums of products of one set"):
        CupedStats.from_sums(10, [0.0, 0.0, 0.0], 9.0 * corr)
    # Symmetric up to the rounding of SUM in another order: accepted, averaged.
    z = np.random.default_rng(9).normal(size=(2, 50))
    n, s, p = _sums(z)
    p[0, 1] *= 1.0 + 1e-13
    stats = CupedStats.from_sums(n, s, p)
    np.testing.assert_allclose(stats.cov, np.cov(z), rtol=1e-11)
