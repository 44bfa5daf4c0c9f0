"""House rules that keep the code base tidy: one owner per outside library, a thin CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "meti_pi"

# outside library -> the modules allowed to import it
OWNERS: dict[str, tuple[str, ...]] = {
    "typer": ("cli/",),
    "rich": ("cli/",),
    "click": (),  # typer ships its own copy; never import click
    "ruamel": ("store/yamlio.py",),
    "yaml": ("store/yamlload.py",),
    "jsonschema": ("store/schema.py",),
    "fastjsonschema": ("store/schema.py",),
    "git": (),  # git runs through the command line in meti_pi/gitlayer/
    "docx": ("render/word.py",),
    "openpyxl": ("render/excel.py",),
    "python_calamine": ("classify/datasets.py",),
    "polars": (
        "classify/engine.py",
        "classify/keys.py",
        "classify/ndjson.py",
    ),  # the columnar scan (issue 18): engine (its key cells in keys), and .jsonl lines in ndjson; columnar.py reaches it through them
    "jpholiday": ("dates/calendar_jp.py",),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_outside_libraries_have_one_owner(path):
    rel = path.relative_to(PACKAGE).as_posix()
    for lib in _imports(path) & set(OWNERS):
        assert any(rel.startswith(owner) for owner in OWNERS[lib]), (
            f"{rel} imports {lib}; only {OWNERS[lib] or 'nobody'} may"
        )


def test_no_grab_bag_modules():
    assert not [p for p in MODULES if p.stem in ("utils", "helpers", "common_utils", "misc")]
