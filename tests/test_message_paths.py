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
import subprocess
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
        "myfiles/x.yaml, files/x.yaml.bak",
    ]
    for text in kept:
        assert from_folder(text, "register/") == text
    assert from_folder("in files/x.yaml", "") == "in files/x.yaml"
    assert from_folder("fields/files/x.yaml: files/x.yaml", "../", keep=["files/x.yaml"]) == (
        "fields/files/x.yaml: files/x.yaml"
    )


def test_from_folder_names_each_path_of_a_japanese_sentence():
    """A second path after the enumeration comma 「、」 stayed from the register's folder (the first
    path swallowed it: `files/F-1.yaml、files` taken for a folder), and so did a path glued to
    Japanese text (`ledger/F-1.yamlに`). (Fails on the former code.)"""
    from meti_pi.errors import from_folder

    assert from_folder("files/F-1.yaml、files/F-2.yaml", "register/") == (
        "register/files/F-1.yaml、register/files/F-2.yaml"
    )
    assert from_folder("台帳の記録（ledger/F-1.yamlに記録し、files/F-2.yamlを更新）", "../") == (
        "台帳の記録（../ledger/F-1.yamlに記録し、../files/F-2.yamlを更新）"
    )
    assert from_folder("記録がない: ledger/F-1.yaml；files/F-2.yaml", "register/") == (
        "記録がない: register/ledger/F-1.yaml；register/files/F-2.yaml"
    )
    # a key glued to Japanese text stays a key; the path after it is one
    assert from_folder("files/F-1とfiles/F-2.yaml", "register/") == "files/F-1とregister/files/F-2.yaml"


def test_from_folder_names_the_registers_root_files():
    """policy.yaml, identifiers.yaml ... named in a message stayed from the register's folder: from
    the repository's top `identifiers.yaml has uncommitted edits` named a file that is not there.
    (Fails on the former code.)"""
    from meti_pi.classify.vocabcopy import FILES
    from meti_pi.errors import ROOT_FILES, from_folder
    from meti_pi.store.kinds import SINGLETONS

    assert set(ROOT_FILES) == set(SINGLETONS) | set(FILES)
    for name in ROOT_FILES:
        assert from_folder(f"{name} has uncommitted edits", "register/") == f"register/{name} has uncommitted edits"
    assert from_folder("fewer than 500 本人 (policy.yaml thresholds.filebook_min_principals)", "../") == (
        "fewer than 500 本人 (../policy.yaml thresholds.filebook_min_principals)"
    )
    assert from_folder("restore it (`git checkout -- citations.yaml`)、register.yamlを確認", "register/") == (
        "restore it (`git checkout -- register/citations.yaml`)、register/register.yamlを確認"
    )
    # the forms of a register file, all from the user's folder alike
    assert from_folder("(<kind>/<id>.yaml, or register.yaml, policy.yaml, citations.yaml)", "register/") == (
        "(register/<kind>/<id>.yaml, or register/register.yaml, register/policy.yaml, register/citations.yaml)"
    )


@pytest.mark.parametrize(
    "text",
    [
        "https://example.go.jp/files/F-1.yaml and https://example.go.jp/policy.yaml",  # in a URL
        "x/files/F-1.yaml, x/policy.yaml, ../identifiers.yaml",  # inside another path
        "register/files/F-1.yaml and register/policy.yaml",  # prefixed already
        "/srv/repo/register/citations.yaml",  # absolute
        "my_policy.yaml, policy.yaml.bak, policy.yamlx, sensitive_terms.yml",  # another file
        "the value 'policy.yaml' is not an id",  # a value quoted
        "the value 'my files/x.yaml' is not an id",  # a quoted value, a space in it
        "the value '台帳 ledger/x.yaml、policy.yaml' is not an id",
        "--file=files/F-1.yaml --answers=policy.yaml",  # an option's value as typed
        "expected a mapping (as the package's file)",  # (vocabcopy's: the package's file is not the register's)
        "no kind folder: things/x.yaml, F-1.yaml",
    ],
)
def test_from_folder_leaves_what_is_no_register_file_from_its_folder(text):
    from meti_pi.errors import from_folder

    assert from_folder(text, "register/") == text


def test_from_folder_keeps_what_the_user_typed():
    from meti_pi.errors import from_folder

    said = "policy.yaml: not YAML (files/F-1.yaml、files/F-2.yaml)"
    assert from_folder(said, "register/", keep=["policy.yaml", "files/F-2.yaml"]) == (
        "policy.yaml: not YAML (register/files/F-1.yaml、files/F-2.yaml)"
    )


@pytest.mark.parametrize("at", [0, 1], ids=["top", "subfolder"])
def test_a_root_file_s_restore_advice_runs_from_the_folder_typed_in(runner, monkeypatch, repo, at):
    """policy.yaml deleted from the work tree: validate says to restore it with `git checkout -- PATH`;
    from the repository's top that PATH was `policy.yaml`, which git does not know there. Followed as
    printed, it restores the file; --json keeps the message as written. (Fails on the former code.)"""
    cwd = _folders(repo)[at]
    (repo / "register" / "policy.yaml").unlink()
    result = _run(runner, monkeypatch, cwd, "validate")
    assert result.exit_code == 1, result.output
    command = shlex.split(_printed(r"named-file-missing\] \S+ is missing; restore it \(`([^`]*)`\)", result.output))
    assert command[:3] == ["git", "checkout", "--"], command
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    assert (repo / "register" / "policy.yaml").is_file()
    (repo / "register" / "policy.yaml").unlink()
    result = _run(runner, monkeypatch, cwd, "validate", "--json")
    messages = [e["message"] for e in json.loads(result.stdout)["errors"] if e["code"] == "named-file-missing"]
    assert messages == ["policy.yaml is missing; restore it (`git checkout -- policy.yaml`)"], messages


def test_a_vocabulary_copy_with_uncommitted_edits_is_named_from_the_top(runner, monkeypatch, repo, tmp_path):
    """`classify --record --dry-run` from the repository's top, the register's identifiers.yaml edited:
    the warning said `identifiers.yaml has uncommitted edits`, a file the top does not hold.
    (Fails on the former code.)"""
    from meti_pi.classify.vocabulary import DATA

    copy = repo / "register" / "identifiers.yaml"
    copy.write_bytes((DATA / "identifiers.yaml").read_bytes())
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the vocabulary copy")
    with copy.open("a", encoding="utf-8") as f:
        f.write("# checked\n")
    dataset = tmp_path / "staff.csv"
    dataset.write_text("職員番号,氏名\nE00001,経済太郎\n", encoding="utf-8")
    result = _run(runner, monkeypatch, repo, "classify", str(dataset), "--record", FILE, "--dry-run")
    assert result.exit_code == 0, result.output
    path = _printed(r"meti-pi: warning: (\S+) has uncommitted edits", result.stderr)
    assert (repo / path).resolve() == copy.resolve(), result.stderr


def test_init_names_the_register_it_found_in_the_folder_given(runner, monkeypatch, repo, tmp_path):
    """`init` of a folder that holds a register, typed where another register is found: the message
    names the register.yaml of the folder given, not the found register's."""
    other = make_register(tmp_path / "other")
    result = _run(runner, monkeypatch, repo, "init", str(other))
    assert result.exit_code == 3, result.output
    assert f"already holds a register ({other.resolve() / 'register.yaml'})" in result.stderr, result.stderr


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
