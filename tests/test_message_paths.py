"""A message that tells the user to open, edit or commit a register file names it from the folder the
command was typed in, as the problems' `path:line:` do (tests/test_problem_paths.py): the note of
`new divisions`, a problem's advice (`record it ... in contractors/C-….yaml`), an error's
(`files/F-….yaml shows neither`), the `files:` of a hand edit in `history --verify`, the warning of a
file that is no regular file. Each test takes the path as printed and opens it from that folder.
--json keeps each message as written, from the register's folder. A record named by its key
(`files/F-2026-X`, no .yaml) is an identifier and stays as it is."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
from conftest import git, make_register

from meti_pi.cli import app

CONTRACTOR = "contractors/C-2026-N940YS.yaml"  # its annual confirmation overdue on 2026-11-26
FILE = "F-2026-113VYQ"  # neither ended nor under 74(2)(ix): no APPI 74(3) notice can be recorded


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example register at register/ of a repository; the repository's top."""
    return make_register(tmp_path, example=True).parent


def _run(runner, monkeypatch, cwd: Path, *args: str):
    monkeypatch.chdir(cwd)
    return runner.invoke(app, ["--today", "2026-11-26", *args])


def _folders(repo: Path) -> list[Path]:
    return [repo, repo / "register" / "divisions"]


def _printed(pattern: str, output: str) -> str:
    found = re.search(pattern, output)
    assert found, output
    return found[1]


@pytest.mark.parametrize("at", [0, 1, 2], ids=["top", "subfolder", "--register from elsewhere"])
def test_the_new_division_note_names_the_file_to_edit_from_the_folder_typed_in(runner, monkeypatch, repo, tmp_path, at):
    """`new divisions` without established_on says to add it to the new file and commit: the path as
    printed opens the file, and the advice followed as given (the command, then PATH) commits it."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cwd = [*_folders(repo), elsewhere][at]
    given = ["--register", str(repo / "register")] if cwd == elsewhere else []
    fields = ["--set", "name=臨時調査室", "--set", "org=経済産業省", "--set", "manager_post=臨時調査室長"]
    result = _run(runner, monkeypatch, cwd, *given, "new", "divisions", *fields, "--id", "rinji")
    assert result.exit_code == 0, result.output
    path = _printed(r"add `established_on: YYYY-MM-DD` to (\S+) and run `meti-pi[ `]", result.output)
    assert (cwd / path).is_file(), path
    command = shlex.split(_printed(r" and run `(meti-pi[^`]*)`", result.output))
    assert command[-1] == "commit", command
    with (cwd / path).open("a", encoding="utf-8") as f:
        f.write("established_on: 2026-10-01\n")
    head = git(repo, "rev-parse", "HEAD")
    result = _run(runner, monkeypatch, cwd, *command[1:], path)
    assert result.exit_code == 0, result.output
    assert git(repo, "rev-parse", "HEAD") != head
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize("at", [0, 1], ids=["top", "subfolder"])
def test_a_problem_names_the_file_it_asks_to_edit_from_the_folder_typed_in(runner, monkeypatch, repo, at):
    """validate's warning of an overdue annual confirmation says where to record it; --json keeps the
    message from the register's folder."""
    cwd = _folders(repo)[at]
    result = _run(runner, monkeypatch, cwd, "validate")
    line = next(x for x in result.output.splitlines() if "annual-check-overdue" in x and "C-2026-N940YS" in x)
    path = _printed(r" in (\S+) and run `meti-pi commit`", line)
    assert (cwd / path).resolve() == (repo / "register" / CONTRACTOR).resolve(), line
    assert line.startswith(f"{path}:"), line  # as the problem's own path:line: names it
    result = _run(runner, monkeypatch, cwd, "validate", "--json")
    messages = [w["message"] for w in json.loads(result.stdout)["warnings"] if w["code"] == "annual-check-overdue"]
    assert any(f" in {CONTRACTOR} and run `meti-pi commit`" in m for m in messages), messages


def test_an_error_names_the_file_to_look_at_from_the_top(runner, monkeypatch, repo):
    """A refusal (an exception's message) names the file record to look at from where it was typed;
    its record key (`files/F-…:`) stays a key; --json's message is as written."""
    result = _run(runner, monkeypatch, repo, "notify", "record", FILE, "--kind", "appi-74-3", "--dry-run")
    assert result.exit_code == 1, result.output
    path = _printed(r"and (\S+) shows neither", result.output)
    assert (repo / path).is_file(), path
    assert f"meti-pi: files/{FILE}: no APPI 74(3) notice" in result.output
    result = _run(runner, monkeypatch, repo, "notify", "record", FILE, "--kind", "appi-74-3", "--dry-run", "--json")
    (error,) = json.loads(result.stdout)["errors"]
    assert f"and files/{FILE}.yaml shows neither" in error["message"]


def test_commit_from_the_top_never_says_a_register_file_is_outside_the_register(runner, monkeypatch, repo):
    """`meti-pi commit divisions/x.yaml` from the repository's top, naming no file there: a file of the
    register deleted by hand was refused, and so was a typo, with "register/divisions/x.yaml: not
    inside the register REPO/register" (the user's path, put after the register's folder as if a
    register file's, said to be outside it). It is taken from the register's folder (README: a PATH
    naming no file here), the deletion committed, the typo said to name no file; a path naming a file
    here outside the register is refused as typed."""
    fields = ["--set", "name=臨時調査室", "--set", "org=経済産業省", "--set", "manager_post=臨時調査室長"]
    result = _run(runner, monkeypatch, repo, "new", "divisions", *fields, "--id", "rinji")
    assert result.exit_code == 0, result.output
    (repo / "register" / "divisions" / "rinji.yaml").unlink()
    result = _run(runner, monkeypatch, repo, "commit", "divisions/rinji.yaml", "-m", "臨時調査室を廃止")
    assert result.exit_code == 0, result.output
    assert git(repo, "show", "--name-status", "--format=", "HEAD").split() == ["D", "register/divisions/rinji.yaml"]
    result = _run(runner, monkeypatch, repo, "commit", "divisions/rinjii.yaml")
    assert result.exit_code == 2 and "not inside the register" not in result.output, result.output
    # Named as typed (test_a_path_typed_on_the_command_line_is_named_as_typed).
    assert "meti-pi: divisions/rinjii.yaml: no such file in the work tree or the last commit" in result.output
    (repo / "files").mkdir()
    (repo / "files" / "x.yaml").write_text("x: 1\n", encoding="utf-8")  # a file here is the one meant
    result = _run(runner, monkeypatch, repo, "commit", "files/x.yaml")
    assert result.exit_code == 2, result.output
    assert f"meti-pi: files/x.yaml: not inside the register {repo / 'register'}" in result.output


@pytest.mark.parametrize("at", [0, 1], ids=["top", "subfolder"])
def test_history_verify_lists_a_hand_edit_s_files_from_the_folder_typed_in(runner, monkeypatch, repo, at):
    cwd = _folders(repo)[at]
    with (repo / "register" / CONTRACTOR).open("a", encoding="utf-8") as f:
        f.write("# checked by hand\n")
    git(repo, "commit", "-qam", "a hand edit")
    result = _run(runner, monkeypatch, cwd, "history", "--verify")
    files = [x for x in result.output.splitlines() if x.strip().startswith("files:")]
    assert files, result.output
    path = _printed(r"files: (\S+?)(?:,|$)", files[-1])
    assert (cwd / path).resolve() == (repo / "register" / CONTRACTOR).resolve(), files[-1]


@pytest.mark.parametrize("at", [0, 1], ids=["top", "subfolder"])
def test_a_fifo_is_warned_of_at_its_path_from_the_folder_typed_in(runner, monkeypatch, repo, at):
    cwd = _folders(repo)[at]
    os.mkfifo(repo / "register" / "divisions" / "fifo.yaml")
    result = _run(runner, monkeypatch, cwd, "status")
    path = _printed(r"meti-pi: warning: (\S+): not a regular file", result.output)
    assert (cwd / path).is_fifo(), path


def test_from_folder_puts_only_register_files_after_the_folder():
    from meti_pi.errors import RECORD_FOLDERS, from_folder
    from meti_pi.store.kinds import KINDS

    assert set(RECORD_FOLDERS) == set(KINDS)
    said = (
        "record it in contractors/C-1.yaml and run `meti-pi commit`; add divisions/<id>.yaml "
        "(roles/r.yaml), `meti-pi commit files/F-1.yaml` at inspections/2026/d.yaml:3: done"
    )
    assert from_folder(said, "register/") == (
        "record it in register/contractors/C-1.yaml and run `meti-pi commit`; add register/divisions/<id>.yaml "
        "(register/roles/r.yaml), `meti-pi commit register/files/F-1.yaml` at register/inspections/2026/d.yaml:3: done"
    )
    kept = [
        "files/F-1 is not in the register",  # a key: an identifier
        "the value 'files/x.yaml' is not an id",  # a value quoted
        "run `git restore -- register/files/x.yaml` or ../files/x.yaml",  # from the user's folder already
        "policy.yaml thresholds.filebook_min_principals",  # a setting named by its file and key
        "myfiles/x.yaml, files/x.yaml.bak",
    ]
    for text in kept:
        assert from_folder(text, "register/") == text
    assert from_folder("in files/x.yaml", "") == "in files/x.yaml"
    assert from_folder("fields/files/x.yaml: files/x.yaml", "../", keep=["files/x.yaml"]) == (
        "fields/files/x.yaml: files/x.yaml"
    )


def test_a_path_typed_on_the_command_line_is_named_as_typed(runner, monkeypatch, repo):
    """`incident open --file files/F-….yaml` from the repository's top (an id was wanted): the error put
    the register's folder before what the user typed (`--file register/files/F-….yaml: no such file`,
    a path that does exist); what was typed stays as typed, the register path looked for is named
    from the user's folder."""
    typed = f"files/{FILE}.yaml"
    args = ["incident", "open", "--known-on", "2026-11-20", "--summary", "紛失", "--file", typed, "--dry-run"]
    result = _run(runner, monkeypatch, repo, *args)
    assert result.exit_code == 2, result.output
    assert f"--file {typed}: no such file in the register (register/files/{typed}.yaml)" in result.stderr, result.stderr
    result = _run(runner, monkeypatch, repo, *args[:-3], f"--file={typed}", "--dry-run")
    assert f"--file {typed}: no such file" in result.stderr, result.stderr
