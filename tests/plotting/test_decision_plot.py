"""The picture of a decision, checked against the decision's table."""

from __future__ import annotations

import numpy as np
import pytest

import cxlib as cx
from cxlib import plotting
from cxlib.plotting.decision import STATUS_COLOURS


def _means(n: int, control: float, variant: float, var: float) -> cx.Comparison:
    stats = cx.ab.MeanStats
    return cx.ab.compare_means(stats(n=n, mean=control, var=var), stats(n=n, mean=variant, var=var))


def _decision() -> cx.ab.Decision:
    conversion = cx.ab.compare_proportions((400, 10_000), (504, 10_000))
    stats = cx.ab.MeanStats
    revenue = cx.ab.compare_means(
        stats(n=10_000, mean=31.0, var=900.0), stats(n=10_000, mean=30.6, var=900.0)
    )
    latency = cx.ab.compare_means(
        stats(n=300, mean=210.0, var=2_500.0), stats(n=300, mean=215.0, var=2_500.0)
    )
    return cx.ab.decide(
        conversion,
        {
            "revenue": cx.ab.Guardrail(revenue, margin=-0.05),
            "latency": cx.ab.Guardrail(latency, margin=0.03, direction="decrease"),
        },
        secondary={
            "pages": cx.ab.compare_means(
                stats(n=900, mean=5.0, var=4.0), stats(n=900, mean=5.1, var=4.0)
            )
        },
    )


def test_rows_whiskers_and_colours_are_the_table() -> None:
    decision = _decision()
    table = decision.table
    ax = decision.plot()
    labels = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    assert sorted(labels, key=labels.__getitem__, reverse=True) == list(table["metric"])
    assert ax.get_title() == f"Decision: {decision.verdict}"
    whiskers = [line for line in ax.get_lines() if line.get_linewidth() == 2.0]
    assert len(whiskers) == len(table)
    for line, (_, row) in zip(whiskers, table.iterrows(), strict=True):
        np.testing.assert_allclose(
            line.get_xdata(), [100 * row.lift_ci_low, 100 * row.lift_ci_high]
        )
        assert line.get_color() == STATUS_COLOURS.get(row.status, line.get_color())
    margins = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert sorted(m.get_xdata()[0] for m in margins) == pytest.approx([-5.0, 3.0])


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match=r"needs the column\(s\)"):
        plotting.decision(cx.ab.srm([10, 12]).to_frame())
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes"):
        plotting.decision(_decision(), ax=3)  # type: ignore[arg-type]
