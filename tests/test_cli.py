"""The command line: every command against the library, output formats, user errors."""

from __future__ import annotations

import functools
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlib as cx
from cxlib.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    survey = cx.datasets.make_survey(2_000, rng=5)
    survey = survey.assign(touchpoint=survey["touchpoint"].astype("str"))
    survey.to_parquet(folder / "answers.parquet", index=False)
    survey.to_csv(folder / "answers.csv", index=False)
    orders = cx.datasets.make_orders(400, rng=5)
    orders.to_parquet(folder / "orders.parquet", index=False)
    rng = np.random.default_rng(5)
    visits = pd.DataFrame(
        {"arm": rng.choice(["A", "B"], 3_000), "converted": rng.random(3_000) < 0.1}
    )
    visits.to_parquet(folder / "visits.parquet", index=False)
    # Orders DuckDB reads as dates from its sample of the first 20,480 lines, with a row
    # beyond it that is no date, and orders with a refund.
    n = 21_000
    broken = pd.DataFrame(
        {
            "customer_id": np.arange(n) % 500,
            "date": pd.date_range("2024-01-01", periods=n, freq="h").strftime("%Y-%m-%d"),
            "revenue": np.full(n, 10.0),
        }
    )
    broken.loc[n - 1, "date"] = "not a date"
    broken.to_csv(folder / "broken_orders.csv", index=False)
    orders.assign(revenue=orders["revenue"].where(orders.index != 7, -4.0)).to_parquet(
        folder / "refunds.parquet", index=False
    )
    return {
        "broken_orders": folder / "broken_orders.csv",
        "refunds": folder / "refunds.parquet",
        "answers": folder / "answers.parquet",
        "answers_csv": folder / "answers.csv",
        "orders": folder / "orders.parquet",
        "visits": folder / "visits.parquet",
    }


def _csv(capsys: pytest.CaptureFixture[str], argv: list[str]) -> pd.DataFrame:
    assert main([*argv, "--format", "csv"]) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out))


def _values(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return frame[columns].to_numpy(dtype=float)


SURVEY_COLUMNS = ["value", "se", "ci_low", "ci_high", "n", "n_missing"]


def test_survey_commands_match_the_library(capsys, files) -> None:
    survey = pd.read_parquet(files["answers"])
    cases = [
        (
            ["nps", "--column", "recommend", "--by", "touchpoint"],
            cx.nps(survey, "recommend", by="touchpoint"),
        ),
        (
            ["csat", "--column", "satisfaction", "--weights", "weight"],
            cx.csat(survey, "satisfaction", weights="weight").to_frame(),
        ),
        (
            ["ces", "--column", "effort", "--by", "touchpoint"],
            cx.ces(survey, "effort", by="touchpoint"),
        ),
        (
            ["loyalty", "--columns", "loyalty_recommend,loyalty_repurchase,loyalty_other_products"],
            cx.loyalty_index(
                survey, ["loyalty_recommend", "loyalty_repurchase", "loyalty_other_products"]
            ).to_frame(),
        ),
        (
            ["secure", "--columns", "satisfaction,repurchase,advocacy", "--by", "touchpoint"],
            cx.secure_customer_index(
                survey, ["satisfaction", "repurchase", "advocacy"], by="touchpoint"
            ),
        ),
    ]
    for argv, want in cases:
        got = _csv(capsys, [argv[0], str(files["answers"]), *argv[1:]])
        np.testing.assert_allclose(
            _values(got, SURVEY_COLUMNS), _values(want, SURVEY_COLUMNS), rtol=1e-12
        )
    # The same from CSV.
    got = _csv(capsys, ["nps", str(files["answers_csv"]), "--column", "recommend"])
    np.testing.assert_allclose(
        _values(got, SURVEY_COLUMNS),
        _values(cx.nps(survey, "recommend").to_frame(), SURVEY_COLUMNS),
    )


def test_engagement_with_scales(capsys, files) -> None:
    survey = pd.read_parquet(files["answers"])
    items = ["satisfaction", "repurchase", "recommend", "delivers_promise", "fair_resolution"]
    scales = ["1-5", "1-5", "0-10", "1-5", "1-5"]
    got = _csv(
        capsys,
        [
            "engagement",
            str(files["answers"]),
            "--columns",
            ",".join(items),
            "--scale",
            ",".join(scales),
        ],
    )
    want = cx.engagement_index(survey, items, scale=scales).to_frame()
    np.testing.assert_allclose(
        _values(got, SURVEY_COLUMNS), _values(want, SURVEY_COLUMNS), rtol=1e-12
    )


def test_order_and_ab_commands_match_the_library(capsys, files) -> None:
    orders = pd.read_parquet(files["orders"])
    got = _csv(
        capsys,
        [
            "rfm",
            str(files["orders"]),
            "--customer",
            "customer_id",
            "--date",
            "date",
            "--revenue",
            "revenue",
        ],
    )
    want = cx.rfm_summary(
        orders, customer="customer_id", date="date", revenue="revenue"
    ).reset_index()
    np.testing.assert_allclose(got.to_numpy(dtype=float), want.to_numpy(dtype=float), rtol=1e-12)
    got = _csv(
        capsys,
        [
            "repeat-purchase-rate",
            str(files["orders"]),
            "--customer",
            "customer_id",
            "--date",
            "date",
            "--by",
            "member",
        ],
    )
    want = cx.repeat_purchase_rate(orders, customer="customer_id", date="date", by="member")
    np.testing.assert_allclose(
        _values(got, SURVEY_COLUMNS), _values(want, SURVEY_COLUMNS), rtol=1e-12
    )
    visits = pd.read_parquet(files["visits"])
    got = _csv(
        capsys,
        [
            "ab",
            "compare",
            str(files["visits"]),
            "--group",
            "arm",
            "--control",
            "A",
            "--metric",
            "converted",
        ],
    )
    want = cx.ab.compare(visits, group="arm", control="A", metric="converted")
    columns = ["difference", "ci_low", "ci_high", "lift", "p_value"]
    np.testing.assert_allclose(_values(got, columns), _values(want, columns), rtol=1e-12)


ORDER_KEYS = ["--customer", "customer_id", "--date", "date"]


@pytest.mark.parametrize(
    ("argv", "function", "kwargs"),
    [
        (
            [
                "aov",
                "--revenue",
                "revenue",
                "--by",
                "member",
                "--seed",
                "3",
                "--n-resamples",
                "199",
            ],
            cx.average_order_value,
            {"revenue": "revenue", "by": "member", "rng": 3, "n_resamples": 199},
        ),
        (
            ["average-order-value", "--revenue", "revenue", "--ci-method", "delta"],
            cx.average_order_value,
            {"revenue": "revenue", "ci_method": "delta"},
        ),
        (
            ["guest-checkout-rate", "--guest", "guest", "--by", "tier", "--window", "200"],
            cx.guest_checkout_rate,
            {"guest": "guest", "by": "tier", "window": 200.0},
        ),
        (
            ["guest-checkout-rate", "--revenue", "revenue", "--as-of", "2024-06-30"],
            cx.guest_checkout_rate,
            {"revenue": "revenue", "as_of": "2024-06-30"},
        ),
        (
            ["purchase-frequency", "--by", "member", "--seed", "4", "--n-resamples", "199"],
            cx.purchase_frequency,
            {"by": "member", "rng": 4, "n_resamples": 199},
        ),
        (
            ["repeat-purchase-rate", "--ci-method", "wilson", "--confidence-level", "0.9"],
            cx.repeat_purchase_rate,
            {"ci_method": "wilson", "confidence_level": 0.9},
        ),
    ],
    ids=["aov", "average-order-value", "guest-by-tier", "guest-revenue", "frequency", "repeat"],
)
def test_order_metric_commands_match_the_library(
    capsys, files, argv: list[str], function, kwargs: dict[str, object]
) -> None:
    orders = pd.read_parquet(files["orders"])
    got = _csv(capsys, [argv[0], str(files["orders"]), *ORDER_KEYS, *argv[1:]])
    want = function(orders, customer="customer_id", date="date", **kwargs)
    want = want.to_frame() if isinstance(want, cx.Estimate) else want
    assert list(got.columns) == list(want.columns)
    np.testing.assert_allclose(
        _values(got, SURVEY_COLUMNS), _values(want, SURVEY_COLUMNS), rtol=1e-12
    )


def test_order_commands_pass_the_lazy_relation(capsys, files, monkeypatch) -> None:
    """The order commands give the metric the DuckDB relation, not rows in memory."""
    import cxlib.cli as cli

    seen: list[str] = []
    for name, (title, function, aliases) in list(cli.ORDERS.items()):

        @functools.wraps(function)  # the command line reads the defaults of its signature
        def spy(data, *args, _function=function, **kwargs):
            seen.append(type(data).__module__.split(".")[0].lstrip("_"))
            return _function(data, *args, **kwargs)

        monkeypatch.setitem(cli.ORDERS, name, (title, spy, aliases))
    for command in ["rfm", "repeat-purchase-rate", "purchase-frequency", "aov"]:
        _csv(capsys, [command, str(files["orders"]), *ORDER_KEYS, "--revenue", "revenue"])
    _csv(capsys, ["guest-checkout-rate", str(files["orders"]), *ORDER_KEYS])
    assert seen == ["duckdb"] * 5


def test_formats_and_output_file(capsys, files, tmp_path: Path) -> None:
    argv = ["nps", str(files["answers"]), "--column", "recommend", "--by", "touchpoint"]
    assert main([*argv, "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["touchpoint"] for r in records] == sorted(r["touchpoint"] for r in records)
    assert main([*argv, "--format", "markdown"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| touchpoint | metric | value |")
    assert set(lines[1]) <= set("|-: ")
    assert len(lines) == 2 + len(records)
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert table.startswith(f"nps: {files['answers']}")
    target = tmp_path / "out.csv"
    assert main([*argv, "--format", "csv", "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert len(pd.read_csv(target)) == len(records)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nps", "missing.parquet", "--column", "recommend"], "no such file or folder"),
        (["nps", "{answers}", "--column", "nope"], "column='nope' is not a column"),
        (["nps", "{answers}"], "the following arguments are required: --column"),
        (["csat", "{answers}", "--column", "recommend"], "answers must lie on the 1-5 scale"),
        (["demo", "--n", "0"], "n must be a positive integer"),
        (["nps", "{answers}", "--column", "recommend", "--format", "xml"], "invalid choice: 'xml'"),
        (["rfm", "{orders}", "--customer", "nope", "--date", "date"], "'nope' is not a column"),
        (
            [
                "aov",
                "{orders}",
                "--customer",
                "customer_id",
                "--date",
                "nope",
                "--revenue",
                "revenue",
            ],
            "date='nope' is not a column of the duckdb frame",
        ),
        (
            [
                "guest-checkout-rate",
                "{orders}",
                "--customer",
                "customer_id",
                "--date",
                "date",
                "--guest",
                "tier",
            ],
            "guest column 'tier' must be boolean",
        ),
        (
            [
                "purchase-frequency",
                "{refunds}",
                "--customer",
                "customer_id",
                "--date",
                "date",
                "--revenue",
                "revenue",
            ],
            "revenue column 'revenue' has negative values [-4]",
        ),
        (
            ["repeat-purchase-rate", "{broken}", "--customer", "customer_id", "--date", "date"],
            'Could not convert string "not a date"',
        ),
        (
            [
                "ab",
                "compare",
                "{orders}",
                "--group",
                "member",
                "--control",
                "True",
                "--metric",
                "nope",
            ],
            "metric='nope' is not a column of the duckdb frame",
        ),
        (
            ["average-order-value", "{orders}", "--customer", "customer_id", "--date", "date"],
            "the following arguments are required: --revenue",
        ),
    ],
)
def test_user_errors_are_one_line_and_exit_2(capsys, files, argv: list[str], message: str) -> None:
    paths = {"answers": files["answers"], "orders": files["orders"], "refunds": files["refunds"]}
    argv = [a.format(broken=files["broken_orders"], **paths) for a in argv]
    if "required" in message or "invalid choice" in message:  # argparse's own checks
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
    else:
        assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cxlib: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_version_help_and_module_entry_point(files) -> None:
    run = [sys.executable, "-W", "error", "-m", "cxlib"]
    version = subprocess.run([*run, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"cxlib {cx.__version__}"
    helped = subprocess.run([*run, "--help"], capture_output=True, text=True, check=True)
    assert "examples:" in helped.stdout
    assert "cxlib nps answers.parquet --column recommend --by touchpoint" in helped.stdout
    assert "``" not in helped.stdout
    assert ":func:" not in helped.stdout
    failed = subprocess.run(
        [*run, "nps", "missing.csv", "--column", "x"], capture_output=True, text=True
    )
    assert failed.returncode == 2
    assert failed.stderr.count("\n") == 1


def test_demo_prints_nps_per_touchpoint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--n", "3000", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "NPS per touchpoint, 95% score confidence intervals" in out
    for touchpoint in cx.datasets.TOUCHPOINTS:
        assert touchpoint in out
    survey = cx.datasets.make_survey(3000, rng=3)
    expected = cx.nps(survey, "recommend")
    assert f"Overall: {expected}" in out


def test_make_survey_is_seeded_and_valid() -> None:
    a = cx.datasets.make_survey(2_000, rng=1)
    b = cx.datasets.make_survey(2_000, rng=np.random.default_rng(1))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(cx.datasets.make_survey(2_000, rng=2))
    assert a["recommend"].dropna().between(0, 10).all()
    assert a["satisfaction"].between(1, 5).all()
    assert a["effort"].between(1, 7).all()
    assert a["weight"].mean() == pytest.approx(1.0)
    assert set(a["touchpoint"].cat.categories) == set(cx.datasets.TOUCHPOINTS)


def test_touchpoints_differ_as_designed() -> None:
    survey = cx.datasets.make_survey(20_000, rng=0)
    out = cx.nps(survey, "recommend", by="touchpoint").set_index("touchpoint")["value"]
    assert out["app"] > out["web"] > out["call_center"]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"n": 0}, "n must be a positive integer"),
        ({"n": 10, "missing_rate": 1.5}, "missing_rate must be in"),
        ({"n": 10, "rng": "seed"}, "rng must be None"),
        ({"n": 10, "rng": -1}, "non-negative"),
    ],
)
def test_make_survey_errors(kwargs: dict[str, object], pattern: str) -> None:
    with pytest.raises((ValueError, TypeError), match=pattern):
        cx.datasets.make_survey(**kwargs)  # type: ignore[arg-type]


BOOTSTRAP_COMMANDS = [
    ["csat", "answers", "--column", "satisfaction", "--ci-method", "percentile"],
    ["repeat-purchase-rate", "orders", *ORDER_KEYS, "--ci-method", "bca"],
]


@pytest.mark.parametrize("argv", BOOTSTRAP_COMMANDS, ids=lambda a: a[0])
def test_progress_bar_on_a_terminal_and_no_progress(capsys, files, monkeypatch, argv) -> None:
    """On a terminal the bootstrap shows a bar on standard error; --no-progress turns it
    off (tqdm is then never called); the output is the same either way."""
    import tqdm.auto

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    command = [argv[0], str(files[argv[1]]), *argv[2:], "--n-resamples", "3000", "--seed", "4"]
    assert main([*command, "--format", "csv"]) == 0
    shown = capsys.readouterr()
    assert "Bootstrap" in shown.err
    assert "/3000" in shown.err  # counts to the resamples (redraws are throttled)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tqdm called with --no-progress")

    monkeypatch.setattr(tqdm.auto, "tqdm", refuse)
    assert main([*command, "--no-progress", "--format", "csv"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""
    assert quiet.out == shown.out
    pd.testing.assert_frame_equal(
        pd.read_csv(io.StringIO(quiet.out)), pd.read_csv(io.StringIO(shown.out))
    )


def test_no_progress_bar_off_a_terminal(capsys, files) -> None:
    """Standard error that is no terminal (a pipe, a log file) gets no bar by default."""
    command = ["csat", str(files["answers"]), "--column", "satisfaction"]
    assert main([*command, "--ci-method", "bca", "--n-resamples", "500", "--seed", "1"]) == 0
    assert capsys.readouterr().err == ""
