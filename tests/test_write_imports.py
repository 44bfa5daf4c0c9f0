"""What a write imports (issue 18: a write at 100,000 records in <= 0.5 s, of which start-up is a
good part): the checks a change runs import the domain packages they use, and only then
(STARTUP_CHECKS, checks/validate). Not a timing test: it asserts on what a fresh interpreter has
imported after running the command, which is what the imports' share of a write is made of."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import git, make_register
from test_startup import SCRIPT


def run(root: Path, *args: str) -> tuple[int, set[str]]:
    """The exit status of `meti-pi ARGS` on the register `root`, and every module it imported."""
    env = {**os.environ, "METI_PI_REGISTER": str(root), "METI_PI_TODAY": "2026-11-26"}
    argv = [sys.executable, "-c", SCRIPT, json.dumps(list(args))]  # test_startup's: modules listed at exit
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, env=env, cwd=root)
    assert "@@MODULES@@" in proc.stderr, proc.stderr[-2000:]
    return proc.returncode, set(json.loads(proc.stderr.rsplit("@@MODULES@@", 1)[1]))


def test_a_new_division_imports_no_notice_or_filebook_code(tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    fields = ("--set", "name=大臣官房人事課", "--set", "org=経済産業省", "--set", "manager_post=人事課長")
    code, modules = run(root, "new", "divisions", "--id", "zz-jinji", *fields)
    assert code == 0
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["register/divisions/zz-jinji.yaml"]
    assert "meti_pi.checks.validate" in modules  # validated, focused on the new record
    unused = sorted(m for m in modules if m.startswith(("meti_pi.notify", "meti_pi.filebook", "meti_pi.render")))
    assert unused == []


def test_a_file_record_written_still_runs_the_file_checks(tmp_path: Path) -> None:
    """The other side: a change to a file record imports the checks of files (and refuses what they refuse)."""
    root = make_register(tmp_path, example=True)
    record = sorted((root / "files").glob("*.yaml"))[0]
    text = record.read_text(encoding="utf-8")
    record.write_text(text + "# edited by hand\n", encoding="utf-8")
    code, modules = run(root, "commit", str(record), "-m", "hand edit")
    assert code == 0
    assert {"meti_pi.notify.notices", "meti_pi.filebook.book"} <= modules


def test_a_command_group_builds_only_the_subcommand_run() -> None:
    """`incident open` builds the click command of `open` only (typer reads each function's
    signature: ~5 ms for the five of `incident`); listing them builds them all, in their order, and
    a mistyped name is still answered with the closest one."""
    from typer.testing import CliRunner

    from meti_pi.cli import LazyGroup, app

    group = LazyGroup(name="meti-pi").get_command(None, "incident")
    assert group.commands == {}
    assert group.get_command(None, "open").name == "open"
    assert list(group.commands) == ["open"]
    assert group.list_commands(None) == ["open", "update", "close", "report", "list"]
    result = CliRunner().invoke(app, ["incident", "opne"])
    assert result.exit_code == 2 and "Did you mean 'open'?" in result.output
    listed = CliRunner().invoke(app, ["incident", "--help"])
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.output.split("Commands:")[1].splitlines() if line[:3].strip()] == [
        "open",
        "update",
        "close",
        "report",
        "list",
    ]
