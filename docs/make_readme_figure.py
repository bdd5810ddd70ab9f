"""Draw the picture of the README: the NPS by touchpoint of the generated survey.

Run from anywhere, with cxlib and its ``plot`` extra installed::

    python docs/make_readme_figure.py

It writes ``docs/_static/nps_by_touchpoint.png``; rerun it when the picture's code changes.
"""

from __future__ import annotations

from pathlib import Path

import cxlib as cx
from cxlib import plotting

OUTPUT = Path(__file__).resolve().parent / "_static" / "nps_by_touchpoint.png"


def main() -> None:
    """Draw the NPS breakdown per touchpoint and save it as a PNG (120 dpi)."""
    survey = cx.datasets.make_survey(5000, rng=42)
    ax = plotting.nps_breakdown(cx.nps(survey, "recommend", by="touchpoint"))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    ax.figure.savefig(OUTPUT, dpi=120)
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
