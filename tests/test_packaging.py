"""The package carries every data file it reads (issue 12): schemas and the register template live
in meti_pi/data/, copied from the top-level source of truth by `make schemas`."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from conftest import REPO, git, invoke, make_register

from meti_pi.actions import records as registry_ops
from meti_pi.store import packaged, schema

PACKAGE = REPO / "meti_pi"


def _files(root: Path, pattern: str) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob(pattern)) if p.is_file()}


def test_packaged_copies_are_byte_identical_to_the_source_of_truth() -> None:
    for name, source in packaged.COPIES.items():
        pattern = "*.schema.json" if name == "schemas" else "*.yaml"
        src, copy = _files(REPO / source, pattern), _files(PACKAGE / "data" / name, pattern)
        assert src, source
        assert sorted(copy) == sorted(src), f"meti_pi/data/{name} lists other files than {source}/: run `make schemas`"
        for rel in src:
            assert copy[rel] == src[rel], f"meti_pi/data/{name}/{rel} differs from {source}/{rel}: run `make schemas`"
    # Nothing else (stray files) in the copies.
    assert {p.name for p in (PACKAGE / "data" / "schemas").iterdir()} == {
        p.name for p in (REPO / "schemas").glob("*.schema.json")
    }


def test_data_is_located_inside_the_package() -> None:
    assert schema.schemas_dir() == PACKAGE / "data" / "schemas"
    assert registry_ops.template_dir() == PACKAGE / "data" / "register"
    assert schema.load_schema("files.schema.json") == json.loads(
        (REPO / "schemas" / "files.schema.json").read_text(encoding="utf-8")
    )


def test_no_module_reaches_outside_the_package() -> None:
    # `Path(__file__).parent.parent` (or `__file__` with `..`) finds schemas/ in a checkout and
    # nothing in a wheel: data files are read from meti_pi/data via meti_pi.store.packaged.
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "parent"
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "parent"
                and "__file__" in ast.unparse(node)
            ):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == []


def test_missing_data_folder_is_a_clear_error(monkeypatch) -> None:
    import pytest

    from meti_pi.errors import MetiPiError

    with pytest.raises(MetiPiError, match="reinstall meti-pi"):
        packaged.data_dir("no-such-folder")


def test_init_writes_the_registers_schema_copy_and_modelines_point_into_it(tmp_path, runner, monkeypatch) -> None:
    from meti_pi.cli import app

    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--today", "2026-11-26", "init", "reg"])
    assert result.exit_code == 0, result.output
    root = tmp_path / "reg"
    assert _files(root / ".schemas", "*.json") == _files(REPO / "schemas", "*.schema.json")
    for path in root.rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        target = first.removeprefix("# yaml-language-server: $schema=")
        assert target != first, path
        assert ".schemas/" in target and (path.parent / target).resolve().is_file(), (path, target)
    # The copy is part of init's single commit; the work tree is clean.
    assert git(root, "status", "--porcelain") == ""
    assert ".schemas/files.schema.json" in git(root, "show", "--name-only", "--format=", "HEAD").split()
    # A new record's modeline points at the same copy, whatever the install location.
    result = invoke(
        runner,
        root,
        "new",
        "divisions",
        "--id",
        "kanbo-x",
        "--set",
        "name=大臣官房",
        "--set",
        "org=経済産業省",
        "--set",
        "manager_post=課長",
    )
    assert result.exit_code == 0, result.output
    assert (
        (root / "divisions" / "kanbo-x.yaml")
        .read_text(encoding="utf-8")
        .startswith("# yaml-language-server: $schema=../.schemas/divisions.schema.json\n")
    )


def test_schemas_write_refreshes_a_stale_copy_in_one_commit(tmp_path, runner) -> None:
    root = make_register(tmp_path)
    state = json.loads(invoke(runner, root, "schemas", "--json").stdout)
    assert state["register"] == str(root) and len(state["missing"]) == len(
        list((REPO / "schemas").glob("*.schema.json"))
    )
    assert invoke(runner, root, "schemas", "--write", "--dry-run").exit_code == 0
    assert not (root / ".schemas").exists()
    result = invoke(runner, root, "schemas", "--write", "--json")
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    assert written["commit"] and len(written["written"]) == len(state["missing"])
    assert git(root, "status", "--porcelain") == ""
    assert "Meti-Pi-Command: schemas" in git(root, "log", "-1", "--format=%B")
    # Stale after an upgrade: only the changed file is rewritten.
    (root / ".schemas" / "files.schema.json").write_text("{}\n", encoding="utf-8")
    git(root.parent, "commit", "-qam", "old schema")
    assert json.loads(invoke(runner, root, "schemas", "--json").stdout)["stale"] == [".schemas/files.schema.json"]
    result = invoke(runner, root, "schemas", "--write", "--json")
    assert json.loads(result.stdout)["written"] == [".schemas/files.schema.json"]
    assert (root / ".schemas" / "files.schema.json").read_bytes() == (
        REPO / "schemas" / "files.schema.json"
    ).read_bytes()
    assert invoke(runner, root, "validate").exit_code == 0
    verify = invoke(runner, root, "history", "--verify")
    assert verify.exit_code == 0, verify.output


def test_schemas_write_refuses_uncommitted_edits_of_the_copy(tmp_path, runner) -> None:
    root = make_register(tmp_path)
    assert invoke(runner, root, "schemas", "--write").exit_code == 0
    (root / ".schemas" / "roles.schema.json").write_text("{\"mine\": 1}\n", encoding="utf-8")
    result = invoke(runner, root, "schemas", "--write")
    assert result.exit_code == 3
    assert "uncommitted edits" in result.stderr and "roles.schema.json" in result.stderr
    assert (root / ".schemas" / "roles.schema.json").read_text(encoding="utf-8") == "{\"mine\": 1}\n"
    # The advice works: `meti-pi commit` takes record files only (it refused the copy, exit 2).
    assert "meti-pi commit" not in result.stderr and "restore PATH`" in result.stderr  # git's (`git -C TOP` from here)
    assert invoke(runner, root, "commit", str(root / ".schemas" / "roles.schema.json")).exit_code == 2


def test_readme_pre_commit_config_uses_the_shipped_hooks() -> None:
    import re

    import yaml

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# \.pre-commit-config\.yaml.*?)```", readme, re.S)
    assert block, "README shows the .pre-commit-config.yaml of a register repository"
    config = yaml.safe_load(block.group(1))
    (repo,) = config["repos"]
    shipped = {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert {h["id"] for h in repo["hooks"]} == shipped and repo["rev"]


# The lowest version of a dependency that meti-pi works with, where that is above what an older
# pyproject declared: found by installing the wheel with every dependency at its declared minimum
# and running the fast tier (a release check). Below these, pip keeps an older copy it finds
# already installed (a pre-commit or CI environment), and meti-pi then crashes.
KNOWN_MINIMUMS = {
    # typer.exceptions (imported on every error exit of the CLI) first ships in 0.28, typer._click in
    # 0.26: with typer 0.15-0.27 `--help`, a usage error or any MetiPiError ended "a bug", exit 3.
    "typer": (0, 28),
    # Before 0.8.3 CalamineSheet.iter_rows() of an empty sheet panics (pyo3's PanicException is no
    # Exception): `classify` of a workbook with an empty sheet ended "a bug", exit 3.
    "python-calamine": (0, 8, 3),
}


def test_declared_minimum_versions_are_those_meti_pi_works_with() -> None:
    import re
    import tomllib

    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    lows: dict[str, tuple[int, ...]] = {}
    for requirement in declared:
        found = re.match(r"([A-Za-z0-9_.-]+)\s*(?:\[[^]]*\])?\s*[^;]*?>=\s*([0-9][0-9.]*)", requirement)
        if found:
            lows[found.group(1).lower()] = tuple(int(part) for part in found.group(2).split("."))
    for name, minimum in KNOWN_MINIMUMS.items():
        assert name in lows, f"{name}: no lower bound declared in pyproject.toml"
        assert lows[name] >= minimum, f"{name}>={'.'.join(map(str, lows[name]))}: meti-pi needs {minimum}"


def test_the_version_is_the_same_in_pyproject_and_the_package() -> None:
    """The version is written twice (pyproject.toml for the wheel, meti_pi.__version__ for
    `meti-pi --version` and the trail): a release that bumps one only would ship two numbers."""
    import tomllib

    import meti_pi

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["version"] == meti_pi.__version__
