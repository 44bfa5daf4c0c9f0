"""A register file that cannot be read stops every command that would answer without its record
(a review: `notify --check` said 0 problems, `status` and `incident list` exited 0, `show` showed
another record, once the files they had problems with were broken). validate, export and history
report such files themselves. Commands that read the register lazily (status, notify --check,
show, incident list, audit list) find a committed file unreadable where they read it: a file they
never read does not stop them (test_the_list_commands_read_their_kinds_alone, test_show_reads_what_it_shows)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import git, invoke, make_register

BROKEN = "files/F-2026-WS4AX4.yaml"
BROKEN_INCIDENT = "incidents/INC-2026-H0JQNC.yaml"
BROKEN_REVIEW = "reviews/REV-2026-7Q2M4K.yaml"


@pytest.mark.parametrize("committed", [False, True], ids=["edited", "committed"])
@pytest.mark.parametrize(
    ("args", "broken"),
    [
        (("notify", "--check"), BROKEN),
        (("status",), BROKEN),
        (("show", "F-2026-WS4AX4"), BROKEN),  # not its 台帳 (which shares its id) instead
        (("show", "ledger/F-2026-WS4AX4"), BROKEN),  # a reference unreadable is not shown as missing
        (("incident", "list"), BROKEN_INCIDENT),
        (("audit", "list"), BROKEN_REVIEW),
        (("incident", "report", "INC-2026-H0JQNC", "--kind", "final"), BROKEN_INCIDENT),
        (("incident", "report", "INC-2026-H0JQNC", "--kind", "final"), BROKEN),  # the file it involves
    ],
    ids=lambda a: " ".join(a) if isinstance(a, tuple) else a.split("/")[0],
)
def test_a_command_stops_and_names_the_file(
    tmp_path: Path, runner: Any, committed: bool, args: tuple[str, ...], broken: str
) -> None:
    root = make_register(tmp_path, example=True)
    with (root / broken).open("a", encoding="utf-8") as handle:
        handle.write("summary: [broken\n")
    if committed:  # with git itself, past meti-pi commit and the hooks
        git(root, "commit", "-q", "-am", "a broken file")
    result = invoke(runner, root, *args)
    assert result.exit_code == 1, result.output
    assert f"{broken}:" in result.output and "cannot be read" in result.output
    if args[0] == "show":
        assert result.stdout == ""  # refused before anything is shown


@pytest.mark.parametrize("committed", [False, True], ids=["edited", "committed"])
@pytest.mark.parametrize(
    ("args", "listed"), [(("incident", "list"), ("incidents", 3)), (("audit", "list"), ("reviews", 1))], ids=str
)
def test_the_list_commands_read_their_kinds_alone(
    tmp_path: Path, runner: Any, committed: bool, args: tuple[str, ...], listed: tuple[str, int]
) -> None:
    """`incident list` answers from the incidents, `audit list` from the audits, the reviews and the
    課等 (issue 18: the register is not read whole; at 100,000 records `incident list` 0.6 s and 94 MB
    against 1.5 s and 331 MB, `audit list` 0.7 s and 98 MB against 1.7 s and 341 MB): a file of
    another kind that cannot be read does not stop them when committed, as they never read it; one
    edited in the work tree does (every changed file is read, as for status)."""
    root = make_register(tmp_path, example=True)
    expected = invoke(runner, root, *args, "--json")
    key, count = listed
    assert expected.exit_code == 0 and len(json.loads(expected.stdout)[key]) == count
    with (root / BROKEN).open("a", encoding="utf-8") as handle:
        handle.write("name: [broken\n")
    if committed:
        git(root, "commit", "-q", "-am", "a broken file")
    result = invoke(runner, root, *args, "--json")
    if committed:
        assert (result.exit_code, result.stdout) == (0, expected.stdout)
    else:
        assert result.exit_code == 1 and f"{BROKEN}:" in result.output


def _without_ids(text: str) -> object:
    """A --json output without the ids a new record is given at random."""
    doc = json.loads(text)
    doc.pop("id", None)
    return doc


@pytest.mark.parametrize(
    "args",
    [
        ("incident", "report", "INC-2026-QFHKBF", "--kind", "final"),
        ("audit", "new", "--title", "監査", "--division", "kanbo-jinji", "--dry-run", "--json"),
        (
            "audit",
            "review",
            "--finding",
            "inspections/2025/kanbo-jinji#1",
            "--evaluation",
            "有効",
            "--dry-run",
            "--json",
        ),
        ("audit", "report", "{audit}", "--out", "{out}"),
        ("audit", "findings", "{audit}", "{findings}", "--dry-run", "--json"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_documents_and_audit_records_read_what_they_use(tmp_path: Path, runner: Any, args: tuple[str, ...]) -> None:
    """`incident report`, `audit new / findings / review / report / pack` read the records they use
    (issue 18: at 100,000 records 0.6 s and ~93 MB against 1.5-1.7 s and 340 MB read whole): a committed
    file they never read does not stop them, and they print and write what they did with it readable."""
    root = make_register(tmp_path, example=True)
    made = invoke(runner, root, "audit", "new", "--title", "監査", "--json")
    assert made.exit_code == 0, made.output
    audit = json.loads(made.stdout)["id"]
    findings = tmp_path / "findings.yaml"
    findings.write_text("- {division: kanbo-jinji, article: 14(4), text: 委託先の確認が遅れている}\n", encoding="utf-8")

    def run(out: str) -> tuple[int, object, bytes]:
        result = invoke(runner, root, *(a.format(audit=audit, out=tmp_path / out, findings=findings) for a in args))
        written = tmp_path / out / f"{audit}-report.md"
        body = _without_ids(result.stdout) if "--json" in args else result.stdout
        return result.exit_code, body, written.read_bytes() if written.exists() else b""

    expected = run("before")
    assert expected[0] == 0
    with (root / BROKEN).open("a", encoding="utf-8") as handle:
        handle.write("name: [broken\n")
    git(root, "commit", "-q", "-am", "a broken file")
    assert run("after") == expected


@pytest.mark.parametrize("committed", [False, True], ids=["edited", "committed"])
def test_audit_report_writes_nothing_from_a_register_it_cannot_read(
    tmp_path: Path, runner: Any, committed: bool
) -> None:
    """The report names the audited 課等: once its record cannot be read, the report is refused and
    the one written before stays as it was (it was overwritten by one naming 登録簿にない課等)."""
    root = make_register(tmp_path, example=True)
    made = invoke(runner, root, "audit", "new", "--title", "監査", "--division", "kanbo-jinji", "--json")
    audit = json.loads(made.stdout)["id"]
    out = tmp_path / "out"
    assert invoke(runner, root, "audit", "report", audit, "--out", str(out)).exit_code == 0
    report = out / f"{audit}-report.md"
    before = report.read_bytes()
    with (root / "divisions/kanbo-jinji.yaml").open("a", encoding="utf-8") as handle:
        handle.write("name: [broken\n")
    if committed:
        git(root, "commit", "-q", "-am", "a broken file")
    result = invoke(runner, root, "audit", "report", audit, "--out", str(out))
    assert result.exit_code == 1 and "divisions/kanbo-jinji.yaml:" in result.output
    assert report.read_bytes() == before


def test_audit_pack_reads_the_audit_it_notes(tmp_path: Path, runner: Any) -> None:
    """`audit pack --audit` looks the audit up lazily: a committed file of another kind that cannot be
    read does not stop it (the pack holds the register's files as committed, that one included)."""
    root = make_register(tmp_path, example=True)
    audit = json.loads(invoke(runner, root, "audit", "new", "--title", "監査", "--json").stdout)["id"]
    with (root / BROKEN).open("a", encoding="utf-8") as handle:
        handle.write("name: [broken\n")
    git(root, "commit", "-q", "-am", "a broken file")
    result = invoke(
        runner, root, "audit", "pack", "--audit", audit, "--out", str(tmp_path / "pack"), "--format", "dir", "--json"
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pack" / "register" / BROKEN).read_text(encoding="utf-8").endswith("name: [broken\n")
    missing = invoke(runner, root, "audit", "pack", "--audit", "AUD-2026-NONE00", "--out", str(tmp_path / "p2"))
    assert missing.exit_code == 2 and "no audit 'AUD-2026-NONE00'" in missing.output and not (tmp_path / "p2").exists()


def test_validate_still_lists_it_with_every_other_problem(tmp_path: Path, runner: Any) -> None:
    root = make_register(tmp_path, example=True)
    with (root / BROKEN).open("a", encoding="utf-8") as handle:
        handle.write("name: [broken\n")
    result = invoke(runner, root, "validate")
    assert result.exit_code == 1 and f"{BROKEN}:" in result.output and "cannot be read" not in result.output


def test_show_reads_what_it_shows(tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """`show` reads the record and what it names (issue 18: not the register whole; at 100,000
    records 1.5 s and 331 MB before): a committed file it never reads does not stop it, and what it
    prints is what it prints with the register read whole (no cache: Register.load)."""
    root = make_register(tmp_path, example=True)
    monkeypatch.setenv("METI_PI_NO_CACHE", "1")
    expected = [invoke(runner, root, "show", "F-2026-S1J6E5", *flag) for flag in ((), ("--json",))]
    monkeypatch.delenv("METI_PI_NO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert all(r.exit_code == 0 for r in expected) and "F-2026-S1J6E5" in expected[0].stdout
    with (root / BROKEN).open("a", encoding="utf-8") as handle:
        handle.write("name: [broken\n")
    git(root, "commit", "-q", "-am", "a broken file")
    for flag, before in zip(((), ("--json",)), expected):
        got = invoke(runner, root, "show", "F-2026-S1J6E5", *flag)
        assert (got.exit_code, got.stdout) == (0, before.stdout)


@pytest.mark.parametrize("cache", [True, False], ids=["lazily", "no cache: whole"])
@pytest.mark.parametrize("committed", [False, True], ids=["edited", "committed"])
def test_export_filebook_reads_the_files_and_refuses_one_it_cannot_read(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch, committed: bool, cache: bool
) -> None:
    """`export filebook` reads the files, the 課等 and the root files (issue 18: not the register
    whole; read whole without a cache): an incident it cannot read does not stop it; a files record
    it cannot read does, edited or committed, naming the file (a file left out would silently vanish
    from the public book)."""
    if not cache:
        monkeypatch.setenv("METI_PI_NO_CACHE", "1")
    root = make_register(tmp_path, example=True)
    expected = invoke(runner, root, "export", "filebook", "--format", "csv")
    assert expected.exit_code == 0 and expected.stdout_bytes.count("経済産業省".encode()) > 5  # files listed
    with (root / BROKEN_INCIDENT).open("a", encoding="utf-8") as handle:
        handle.write("summary: [broken\n")
    git(root, "commit", "-q", "-am", "a broken incident")
    got = invoke(runner, root, "export", "filebook", "--format", "csv")
    assert (got.exit_code, got.stdout_bytes) == (0, expected.stdout_bytes)
    git(root, "checkout", "-q", "HEAD~1", "--", BROKEN_INCIDENT)
    git(root, "commit", "-q", "-am", "the incident back")
    with (root / BROKEN).open("a", encoding="utf-8") as handle:
        handle.write("name: [broken\n")
    if committed:
        git(root, "commit", "-q", "-am", "a broken file")
    got = invoke(runner, root, "export", "filebook", "--format", "csv")
    assert got.exit_code == 1 and f"{BROKEN}:" in got.output and got.stdout_bytes == b""
