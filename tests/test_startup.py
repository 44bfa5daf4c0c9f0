"""Start-up stays light: help and trivial commands import no heavy library (issue 8, target 4).

Not a timing test (timings live in bench/run.py): it asserts on what a fresh interpreter has
imported after running the command line, which is what start-up time is made of.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Loaded only inside the commands that need them (house rules: heavy imports inside functions).
HEAVY = (
    "jsonschema",
    "fastjsonschema",
    "ruamel",
    "yaml",
    "docx",
    "openpyxl",
    "python_calamine",
    "jpholiday",
    "rich",
    "pydantic",
    "lxml",
    "polars",
    "pandas",
    "numpy",
)

SCRIPT = """
import atexit, json, sys
sys.argv = ["meti-pi", *json.loads(sys.argv[1])]
# At exit: main() ends the process itself, after running the exit handlers.
atexit.register(lambda: sys.stderr.write("\\n@@MODULES@@" + json.dumps(sorted(sys.modules))))
from meti_pi.cli import main
main()
"""


def imported_by(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(list(args))], capture_output=True, text=True, timeout=60, check=False
    )
    assert "@@MODULES@@" in proc.stderr, proc.stderr[-2000:]
    return {m.split(".")[0] for m in json.loads(proc.stderr.rsplit("@@MODULES@@", 1)[1])}


def _typer_imports_pydantic() -> bool:
    """typer 0.29 converts every option value through pydantic (0.28 and earlier do not)."""
    import typer

    major, minor = (int(x) for x in typer.__version__.split(".")[:2])
    return (major, minor) >= (0, 29)


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["-h"]])
def test_root_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    heavy = imported_by(*args) & set(HEAVY)
    assert not heavy, f"`meti-pi {' '.join(args)}` imported {sorted(heavy)}"


@pytest.mark.parametrize(
    "args", [["validate", "--help"], ["new", "--help"], ["history", "--help"], ["commit", "--help"]]
)
def test_command_help_imports_nothing_heavy(args: list[str]) -> None:
    allowed = {"pydantic"} if _typer_imports_pydantic() else set()
    heavy = (imported_by(*args) & set(HEAVY)) - allowed
    assert not heavy, f"`meti-pi {' '.join(args)}` imported {sorted(heavy)}"


def test_help_of_lazily_loaded_commands_is_plain_text() -> None:
    """Rich help formatting would import rich (and markdown-it) on every `<command> --help`."""
    assert "rich" not in imported_by("validate", "--help")
    assert "markdown_it" not in imported_by("validate", "--help")


def test_listing_commands_does_not_import_command_modules() -> None:
    modules = imported_by("--help")
    assert "meti_pi" in modules
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(["--help"])], capture_output=True, text=True, timeout=60, check=False
    )
    loaded = json.loads(proc.stderr.rsplit("@@MODULES@@", 1)[1])
    assert not [m for m in loaded if m.startswith("meti_pi.cli.") and m != "meti_pi.cli.common"], loaded
