"""The package layout: what each module may import, and module size.

The core imports no frontend; a frontend (survey, orders, ab) imports only the core and
its own package. In the survey package each index module (one index each) builds on
the core and on the shared survey modules (scales, items, the index pipeline, the
interval adapters), never on another index: shared logic lives with the concept that
owns it. Modules stay small: one job each.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import cxlib

PACKAGE = Path(cxlib.__file__).parent
SURVEY = PACKAGE / "survey"
INDEX_MODULES = (
    "nps",
    "csat",
    "ces",
    "loyalty",
    "secure",
    "engagement",
    "commitment",
    "reliability",
    "drivers",
)
SHARED_MODULES = (
    "scales",
    "items",
    "index",
    "scoring",
    "nps_intervals",
    "nps_difference_intervals",
    "profile",
    "driver_inputs",
    "driver_importance",
    "driver_engine",
)
MAX_LINES = 420  # "a few hundred lines": about 400, with room for a docstring
FRONTENDS = ("survey", "orders", "ab")
#: The pictures, which any result's ``.plot()`` may import (inside the method).
PLOTS = ("cxlib.plotting",)
MODULES = sorted(PACKAGE.rglob("*.py"))


def cxlib_imports(path: Path) -> set[str]:
    """Dotted cxlib modules imported by ``path`` (relative imports resolved)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        found |= cxlib_imports_of(node, path)
    return found


def cxlib_imports_of(node: ast.AST, path: Path) -> set[str]:
    """Dotted cxlib modules imported by one statement of ``path``."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    found: set[str] = set()
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = package[: len(package) - node.level + 1]
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
        else:
            module = node.module or ""
        names = [f"{module}.{a.name}" for a in node.names] if not node.module else [module]
        found.update(n for n in names if n.split(".")[0] == "cxlib")
    elif isinstance(node, ast.Import):
        found.update(a.name for a in node.names if a.name.split(".")[0] == "cxlib")
    return found


def test_the_survey_package_holds_the_expected_modules() -> None:
    modules = {p.stem for p in SURVEY.glob("*.py")} - {"__init__"}
    assert modules == set(INDEX_MODULES) | set(SHARED_MODULES)


@pytest.mark.parametrize("module", INDEX_MODULES + SHARED_MODULES)
def test_a_survey_module_imports_only_the_core_and_shared_survey_modules(module: str) -> None:
    allowed = {f"cxlib.survey.{m}" for m in SHARED_MODULES if m != module}
    for name in cxlib_imports(SURVEY / f"{module}.py"):
        # A result's .plot() imports the plotting package in its body (checked below).
        assert name.startswith(("cxlib.core.", *PLOTS)) or name in allowed, (
            f"{module} imports {name}"
        )


def test_the_core_imports_no_frontend() -> None:
    for path in (PACKAGE / "core").glob("*.py"):
        for name in cxlib_imports(path):
            assert name.startswith(("cxlib.core", *PLOTS)), f"{path.name} imports {name}"


def test_plotting_imports_only_the_core() -> None:
    """The pictures read results through the core's types and their tidy frames."""
    for path in (PACKAGE / "plotting").glob("*.py"):
        for name in cxlib_imports(path):
            assert name.startswith(("cxlib.core", "cxlib.plotting")), f"{path.name} imports {name}"


def test_plotting_is_imported_only_where_a_plot_is_drawn() -> None:
    """A result's ``.plot()`` imports its picture inside the method: ``import cxlib``
    never imports matplotlib."""
    for path in MODULES:
        if path.parent.name == "plotting":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = cxlib_imports_of(node, path)
                assert not any(n.startswith(PLOTS) for n in names), f"{path.name} imports {names}"


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_a_frontend_imports_only_the_core_and_its_own_package(frontend: str) -> None:
    allowed = ("cxlib.core", f"cxlib.{frontend}", *PLOTS)
    for path in (PACKAGE / frontend).glob("*.py"):
        for name in cxlib_imports(path):
            assert name.startswith(allowed), f"{frontend}/{path.name} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines"


def test_the_top_level_namespace_lists_functions_and_types_not_modules() -> None:
    namespaces = {"ab", "datasets"}  # sub-namespaces of functions, as cx.ab.compare
    modules = {n for n in cxlib.__all__ if inspect.ismodule(getattr(cxlib, n))}
    assert modules == namespaces


def test_the_import_scanner_sees_relative_imports() -> None:
    # The rules above are only as good as the scanner: check it on a known module.
    assert "cxlib.survey.scoring" in cxlib_imports(SURVEY / "csat.py")
    assert "cxlib.core.intervals" in cxlib_imports(SURVEY / "csat.py")


def test_importing_cxlib_imports_no_matplotlib() -> None:
    import subprocess
    import sys

    code = (
        "import sys, cxlib as cx; df = cx.datasets.make_survey(50, rng=1);"
        "cx.nps(df, 'recommend', by='touchpoint'); df.cx.nps('recommend');"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
