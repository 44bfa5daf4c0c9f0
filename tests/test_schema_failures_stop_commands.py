"""A record that fails its schema stops a command with the schema's problems, not a crash.

The commands read records as their schema describes them. An outside review (session 13) fuzzed
the read commands with records edited by hand into shapes the schema refuses (a mapping given as
text, a list where a date goes, a number for a list) and found 22 places where status, inspect,
notify, incident and show raised Python errors (exit 3, "a bug"). The funnel (cli.LazyGroup.invoke,
_schema_cause) now turns such a failure into the register's schema problems, file:line each, exit
1; a failure on a register whose records all pass their schema is still reported as a bug."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import git, invoke, make_register

from meti_pi.settings import Settings
from meti_pi.store.register import Register

# (file, top-level field, value, command): minimal edits the review found, each crashing the command before
CASES = [
    ("files/F-2026-S1J6E5.yaml", "holding", "submitted", ("status",)),
    # (`inspect --year --json` streams its document: what it printed before the failure stays on stdout)
    ("files/F-2026-S1J6E5.yaml", "holding", "submitted", ("inspect", "--year", "2026", "--division", "chusho-gijutsu")),
    ("contractors/C-2026-33BGJE.yaml", "contract", "R6", ("status", "--json")),
    ("beppyo/row-4.yaml", "gou", "F-2026-S1J6E5", ("inspect", "--year", "2026")),
    ("incidents/INC-2026-EG7F1M.yaml", "assessment", "N-2025-17PBY6", ("incident", "list", "--json")),
    ("files/F-2026-CT38TF.yaml", "systems", 0, ("show", "files/F-2026-CT38TF")),
    ("notifications/N-2024-XWB2KM.yaml", "drafts", 1, ("notify", "render", "N-2024-XWB2KM")),
    ("notifications/N-2023-PC74A1.yaml", "state", [], ("notify", "--check", "--json")),
]


def _edit(root: Path, rel: str, field: str, value: Any) -> None:
    reg = Register.load(root, settings=Settings(cache=False))
    rec = reg.records[rel.removesuffix(".yaml")]
    (root / rel).write_text(
        json.dumps({**rec.data, field: value}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


@pytest.mark.parametrize(("rel", "field", "value", "args"), CASES, ids=[f"{c[3][0]}-{c[1]}" for c in CASES])
def test_a_record_failing_its_schema_stops_the_command_with_its_problems(
    tmp_path: Path, runner: Any, rel: str, field: str, value: Any, args: tuple[str, ...]
) -> None:
    root = make_register(tmp_path, example=True)
    _edit(root, rel, field, value)
    result = invoke(runner, root, *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.output
    assert f"{rel}:" in result.output and "fail their schema" in result.output
    if "--json" in args:
        doc = json.loads(result.stdout)
        assert doc["ok"] is False and any(e["path"] == rel for e in doc["errors"])


def test_a_failure_on_a_valid_register_is_still_a_bug(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not every failure is the data's: with every record valid, the error is raised as it was."""
    from meti_pi.checks import status

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("a bug")

    monkeypatch.setattr(status, "due_items", broken)
    root = make_register(tmp_path, example=True)
    result = invoke(runner, root, "status")
    assert isinstance(result.exception, ValueError)


def test_a_command_that_read_no_register_keeps_its_own_failure(tmp_path: Path) -> None:
    """`classify` of a dataset reads no register: a failure of its own is a bug (exit 3), even where
    the register beside it holds a record failing its schema (a fresh process: in-process, the
    register's modules are always imported)."""
    import subprocess
    import sys

    root = make_register(tmp_path, example=True)
    _edit(root, "files/F-2026-S1J6E5.yaml", "holding", "submitted")
    data = tmp_path / "staff.csv"
    data.write_text("氏名,所属\n山田太郎,総務課\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from meti_pi.classify import columnar\n"
        "def broken(*args, **kwargs): raise ValueError('a bug')\n"
        "columnar.scan = broken\n"
        "from meti_pi.classify import detect\n"
        "detect.scan = broken\n"
        "from meti_pi.cli import main\n"
        f"sys.argv = ['meti-pi', '--register', {str(root)!r}, 'classify', {str(data)!r}]\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 3, proc.stderr
    assert "unexpected error" in proc.stderr and "fail their schema" not in proc.stderr


def test_a_document_refused_for_a_failing_record_says_what_to_write_at_its_line(tmp_path: Path, runner: Any) -> None:
    """`notify F` of a ファイル簿 record holding `file_kind: compute` and no `name` was refused with the
    schema's hints for `new` (「e.g. --set file_kind=computer」, 「(new records: --set name=…)」):
    notify has no --set and the record exists. Each problem now says what to write at its line, and
    the refusal to edit the record there and commit it."""
    from conftest import git, hand_edit_line

    root = make_register(tmp_path, example=True)
    rel = "files/F-2026-CT38TF.yaml"
    at = hand_edit_line(root, rel, "file_kind: computer", "file_kind: compute")
    items = hand_edit_line(root, rel, "record_items:", "record_items: 氏名")
    text = (root / rel).read_text(encoding="utf-8")
    (root / rel).write_text("".join(x for x in text.splitlines(keepends=True) if not x.startswith("name: ")))
    git(root, "commit", "-qam", "a hand edit")
    out = tmp_path / "notices"
    result = invoke(runner, root, "notify", "F-2026-CT38TF", "--out", str(out), "--json")
    assert result.exit_code == 1, result.output
    errors = json.loads(result.stdout)["errors"]
    by_key = {e["key"]: e for e in errors[:-1]}
    assert by_key["$.file_kind"]["line"] == at, errors  # (1-based) `name:` above it is gone
    assert by_key["$.file_kind"]["message"].endswith("is one of computer|manual|none, e.g. `file_kind: computer`")
    # quoted for the shell in `new --set record_items='[氏名]'`; in the record, a list
    assert by_key["$.record_items"]["line"] == items, errors
    assert by_key["$.record_items"]["message"].endswith("e.g. `record_items: [氏名]`"), errors
    assert "Set it as `name: 職員身上調書綴` in the record, then `meti-pi commit` (all" in by_key["$"]["message"]
    assert not any("--set" in e["message"] for e in errors), errors
    assert errors[-1]["message"] == (
        f"{rel} does not match its schema: edit it at the lines shown and `meti-pi commit` it before drafting a notice"
    )
    assert not out.exists()


def test_the_problems_say_the_line_to_write_not_new_s_set(tmp_path: Path, runner: Any) -> None:
    """The records that stopped the command are on disk: each problem's example is the line to write
    in the record (`holding: {…}`), not `new`'s `--set holding.start=…`, which makes a new record."""
    root = make_register(tmp_path, example=True)
    _edit(root, "files/F-2026-S1J6E5.yaml", "holding", "submitted")
    result = invoke(runner, root, "status")
    assert result.exit_code == 1 and "files/F-2026-S1J6E5.yaml:" in result.output
    assert "`holding: {start: 2026-04-01" in result.output and "--set" not in result.output, result.output


def test_a_notice_refused_from_the_committed_record_says_its_edits_were_not_read(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notice is drafted from the register as committed (the transaction reads HEAD). A record
    committed with `file_kind: compute`, then its `name:` line deleted without committing: notify
    reported file_kind at the commit's line (20; the file now has it at 19), said nothing of the
    missing name, and told to edit "the lines shown", as if the edits had been read. The refusal now
    says the problems are the committed version's and the edits unread, and to commit them first,
    with a path that works from the folder it is run in; the advice, followed, shows the file's own."""
    from conftest import hand_edit_line

    root = make_register(tmp_path, example=True)
    rel = "files/F-2026-CT38TF.yaml"
    at = hand_edit_line(root, rel, "file_kind: computer", "file_kind: compute") + 1  # committed, at line `at`
    for args in ((), ("--dry-run",)):  # with no edit since the commit: the refusal as before
        result = invoke(runner, root, "notify", "F-2026-CT38TF", "--out", str(tmp_path / "n"), *args)
        assert result.exit_code == 1 and "as last committed" not in result.output, result.output
    text = (root / rel).read_text(encoding="utf-8")
    (root / rel).write_text("".join(x for x in text.splitlines(keepends=True) if not x.startswith("name: ")))
    monkeypatch.chdir(root / "files")
    for args in ((), ("--dry-run",)):
        result = invoke(runner, root, "notify", "F-2026-CT38TF", "--out", str(tmp_path / "n"), *args)
        assert result.exit_code == 1, result.output
        said = " ".join(result.stderr.split())
        assert f"{rel}:{at}: $.file_kind" in said, said  # the commit's line, said to be the commit's
        assert (
            f"{rel}, as last committed, does not match its schema (the problems and lines above are the committed "
            "version's); its uncommitted edits were not read (drafting a notice reads the register as committed): "
            "commit them first (`meti-pi commit F-2026-CT38TF.yaml`, which checks them)" in said
        ), said
    committed = invoke(runner, root, "commit", "F-2026-CT38TF.yaml")
    assert committed.exit_code == 1
    assert f"{rel}:{at - 1}: $.file_kind" in committed.output and "'name' is a required" in committed.output
    assert not (tmp_path / "n").exists()


def test_a_ppc_notice_refused_from_the_committed_record_says_its_edits_were_not_read(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`notify record F --kind appi-74-1` reads the register as committed too (its transaction's
    register): a file record committed with `file_kind: compute`, its `name:` line since deleted
    by hand, was refused with the commit's problems and lines and told to edit "the lines shown",
    as `notify F` was before 5532ee9. It now says, as `notify F` does, that the problems are the
    committed version's and the edits unread, to commit them first. Fails on the former code."""
    from conftest import hand_edit_line

    root = make_register(tmp_path, example=True)
    rel = "files/F-2026-CT38TF.yaml"
    at = hand_edit_line(root, rel, "file_kind: computer", "file_kind: compute") + 1
    text = (root / rel).read_text(encoding="utf-8")
    (root / rel).write_text("".join(x for x in text.splitlines(keepends=True) if not x.startswith("name: ")))
    monkeypatch.chdir(root / "files")
    before = git(root, "rev-parse", "HEAD")
    result = invoke(runner, root, "notify", "record", "F-2026-CT38TF", "--kind", "appi-74-1", "--on", "2026-11-01")
    assert result.exit_code == 1, result.output
    said = " ".join(result.stderr.split())
    assert f"{rel}:{at}: $.file_kind" in said, said
    assert f"{rel}, as last committed, does not match its schema" in said, said
    assert "(recording a notice to the PPC reads the register as committed)" in said, said
    assert "commit them first (`meti-pi commit F-2026-CT38TF.yaml`, which checks them)" in said, said
    assert git(root, "rev-parse", "HEAD") == before
