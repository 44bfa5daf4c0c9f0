"""`meti-pi notify`: draft, record, submit, acknowledge, explain, log, --check — in real git repositories."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import git, invoke, make_register
from test_notices import FILE_35_1, FILE_35_2, RECORDS, edit

from meti_pi.cli.notify import route

FILE_E = FILE_35_1.replace("F-2026-AAAAAA", "F-2026-EEEEEE").replace(
    "name: 補助金交付申請者ファイル", "name: 補助金実績報告者ファイル"
)


def register(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    files = files if files is not None else {"F-2026-AAAAAA": FILE_35_1}
    return make_register(tmp_path, {**RECORDS, **{f"files/{fid}.yaml": text for fid, text in files.items()}})


def run(runner, root: Path, *args: str, today: str = "2026-11-26"):
    return invoke(runner, root, "notify", *args, today=today)


def load_yaml(path: Path) -> dict:
    from meti_pi.store import yamlload

    return yamlload.load(path.read_text(encoding="utf-8"))


def trailers(root: Path, rev: str = "HEAD") -> str:
    return git(root, "log", "-1", "--format=%(trailers)", rev)


def commit_files(root: Path, rev: str = "HEAD") -> list[str]:
    return sorted(git(root, "show", "--name-only", "--format=", rev).split())


def draft(runner, root: Path, tmp_path: Path, file_id: str, *args: str, today: str = "2026-11-26") -> dict:
    result = run(runner, root, file_id, "--out", str(tmp_path / "out"), "--json", *args, today=today)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- the surface ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["F-1"], ["draft", "F-1"]),
        (["F-1", "--kind", "35-1"], ["draft", "F-1", "--kind", "35-1"]),
        (["--kind", "35-1", "F-1"], ["draft", "--kind", "35-1", "F-1"]),
        (["--check"], ["check"]),
        (["--check", "--json"], ["check", "--json"]),
        (["--json", "--check"], ["check", "--json"]),
        (["submit", "N-1"], ["submit", "N-1"]),
        (["check"], ["check"]),
        (["--help"], ["--help"]),
        (["F-1", "--", "--check"], ["draft", "F-1", "--", "--check"]),
    ],
)
def test_route(args, expected):
    assert route(args, {"draft", "check", "submit", "acknowledge", "explain", "log"}, {"--help", "-h"}) == expected


def test_help_shows_both_contract_forms(runner, tmp_path):
    root = register(tmp_path)
    result = run(runner, root, "--help")
    assert result.exit_code == 0
    for word in ("notify FILE_ID", "notify --check", "submit", "acknowledge", "explain", "log"):
        assert word in result.stdout


def test_help_lists_what_notify_file_id_takes(runner, tmp_path):
    """`notify --help` listed only -h, though `notify FILE_ID --format docx --out DIR` works (an
    outside new-user run): it lists the default route's argument and every option of it (those of
    `notify draft`), and --check."""
    root = register(tmp_path)
    group, drafting = run(runner, root, "--help"), run(runner, root, "draft", "--help")
    assert group.exit_code == 0 and drafting.exit_code == 0
    options = set(re.findall(r"^  (--[a-z-]+)", drafting.stdout, re.M))
    assert {
        "--kind",
        "--format",
        "--out",
        "--halfwidth",
        "--late-reason",
        "--redraft",
        "--json",
        "--dry-run",
    } <= options
    for option in options:
        assert re.search(rf"^  {option}\b", group.stdout, re.M), option
    assert re.search(r"^  FILE_ID +The ファイル簿 record", group.stdout, re.M)
    assert re.search(r"^Usage: \S+ notify FILE_ID \[OPTIONS\]$", group.stdout, re.M)
    assert re.search(r"^  --check \[--json\] +List required notices", group.stdout, re.M)


# -- drafting and recording ------------------------------------------------------------------------


def test_notify_file_drafts_records_and_commits_once(runner, tmp_path):
    root = register(tmp_path)
    head = git(root, "rev-parse", "HEAD").strip()
    doc = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")
    (d,) = doc["drafted"]
    nid = d["id"]
    assert (d["kind"], d["article"], d["change"]) == ("35-1", "35(1)", False)
    assert [r["kind"] for r in doc["required"]] == ["35-1"]
    assert doc["commit"] == git(root, "rev-parse", "HEAD").strip() != head

    # One commit holding exactly the two records, with the trailers.
    assert commit_files(root) == ["register/ledger/F-2026-AAAAAA.yaml", f"register/notifications/{nid}.yaml"]
    t = trailers(root)
    assert "Meti-Pi-Command: notify" in t and "Meti-Pi-Article: 35(1)" in t
    assert f"Meti-Pi-Record: notifications/{nid}" in t and "Meti-Pi-Record: ledger/F-2026-AAAAAA" in t
    assert git(root, "log", "-1", "--format=%s").startswith(f"notifications/{nid}: ")

    n = load_yaml(root / "notifications" / f"{nid}.yaml")
    assert n["state"] == "drafted" and n["drafted_on"] == "2026-03-16" and n["file"] == "F-2026-AAAAAA"
    assert n["register_commit"] == head  # the commit the draft was made from
    assert n["due"] == {"timing": "before", "date": "2026-04-01"}
    assert n["items_hash"] == d["items_hash"] and len(n["items_hash"]) == 64
    md = (tmp_path / "out" / f"{nid}.md").read_bytes()
    assert n["drafts"]["md_sha256"] == hashlib.sha256(md).hexdigest() == d["md_sha256"]
    assert "令和８年３月１６日" in md.decode() and f"作成の基礎とした登録簿のコミット：{head}" in md.decode()

    ledger = load_yaml(root / "ledger" / "F-2026-AAAAAA.yaml")
    assert ledger["notified"] == [
        {
            "notification": nid,
            "kind": "35-1",
            "change": False,
            "date": "2026-03-16",
            "items_hash": n["items_hash"],
            "state": "drafted",
        }
    ]
    assert invoke(runner, root, "validate").exit_code == 0


def test_docx_format_writes_word_and_records_its_hash(runner, tmp_path):
    from meti_pi.render import word

    root = register(tmp_path)
    (d,) = draft(runner, root, tmp_path, "F-2026-AAAAAA", "--format", "docx", today="2026-03-16")["drafted"]
    data = (tmp_path / "out" / f"{d['id']}.docx").read_bytes()
    n = load_yaml(root / "notifications" / f"{d['id']}.yaml")
    assert n["drafts"]["docx_sha256"] == hashlib.sha256(data).hexdigest()
    assert "個人情報ファイルの保有に関する通知" in word.docx_paragraphs(data)


def test_dry_run_writes_and_commits_nothing(runner, tmp_path):
    root = register(tmp_path)
    head = git(root, "rev-parse", "HEAD").strip()
    result = run(runner, root, "F-2026-AAAAAA", "--dry-run", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert '<p align="center"><strong>個人情報ファイルの保有に関する通知</strong></p>' in result.stdout
    assert "would draft" in result.stderr
    assert git(root, "rev-parse", "HEAD").strip() == head
    assert not (root / "notifications").exists() and not (tmp_path / "out").exists()
    doc = json.loads(run(runner, root, "F-2026-AAAAAA", "--dry-run", "--json").stdout)
    assert (
        doc["dry_run"]
        and doc["commit"] is None
        and doc["drafted"][0]["markdown"].startswith('<p align="right">通知番号')
    )


def test_halfwidth_switch(runner, tmp_path):
    root = register(tmp_path)
    (d,) = draft(runner, root, tmp_path, "F-2026-AAAAAA", "--halfwidth", today="2026-03-16")["drafted"]
    assert "令和8年3月16日" in (tmp_path / "out" / f"{d['id']}.md").read_text(encoding="utf-8")
    assert load_yaml(root / "notifications" / f"{d['id']}.yaml")["drafts"]["fullwidth_digits"] is False


def test_a_file_requiring_nothing_drafts_nothing(runner, tmp_path):
    small = edit(FILE_35_1, "count: 1500", "count: 999").replace("management_class: B\n", "")
    root = register(tmp_path, {"F-2026-AAAAAA": small})
    result = run(runner, root, "F-2026-AAAAAA")
    assert result.exit_code == 0
    assert "requires no Art. 35/36 notice" in result.stderr and "第74条第2項第9号" in result.stderr
    assert not (root / "notifications").exists()


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["F-2026-AAAAAA", "--kind", "35-2"], 1, "does not require a 35-2 notice"),
        (["F-2026-AAAAAA", "--kind", "35-9"], 2, "--kind must be one of"),
        (["F-2026-AAAAAA", "--format", "pdf"], 2, "--format must be one of"),
        (
            ["F-2026-ZZZZZZ"],
            2,
            "files/F-2026-ZZZZZZ: no such record; check the ファイル簿 id",
        ),  # a usage error (issue 16; was 3)
        (["../etc"], 2, "not a valid record id"),
    ],
)
def test_refusals(runner, tmp_path, args, code, text):
    root = register(tmp_path)
    result = run(runner, root, *args, "--out", str(tmp_path / "out"))
    assert result.exit_code == code, result.output
    assert text in result.stderr
    assert "Traceback" not in result.output


def test_an_out_folder_that_is_a_file_is_refused_before_the_notice_is_recorded(runner, tmp_path):
    """`--out` naming a file (or a file in the way of the folder) was found only after the commit:
    the notice was recorded and committed, then the command crashed (exit 3, a traceback) with no draft."""
    root = register(tmp_path)
    head = git(root, "rev-parse", "HEAD").strip()
    (tmp_path / "afile").write_text("kept\n", encoding="utf-8")
    for out in (tmp_path / "afile", tmp_path / "afile" / "drafts"):
        result = run(runner, root, "F-2026-AAAAAA", "--format", "docx", "--out", str(out), today="2026-03-16")
        assert result.exit_code == 2, result.output
        assert f"{tmp_path / 'afile'} is" in result.stderr and "a file, not a folder" in result.stderr
        assert "Traceback" not in result.output and "unexpected error" not in result.stderr
        assert git(root, "rev-parse", "HEAD").strip() == head and not (root / "notifications").exists()
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "kept\n"
    nid = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")["drafted"][0]["id"]
    rendered = run(runner, root, "render", nid, "--format", "docx", "--out", str(tmp_path / "afile"))
    assert rendered.exit_code == 2 and "a file, not a folder" in rendered.stderr, rendered.output


def test_uncommitted_edits_to_the_file_are_refused(runner, tmp_path, monkeypatch):
    """Refused with the command that commits them, its path from the folder the command runs in:
    from `register/files` the advice named files/F-2026-AAAAAA.yaml, which `meti-pi commit` does
    not find there."""
    root = register(tmp_path)
    path = root / "files" / "F-2026-AAAAAA.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("電話番号, ", ""), encoding="utf-8")
    monkeypatch.chdir(root / "files")
    result = run(runner, root, "F-2026-AAAAAA", "--out", str(tmp_path / "out"))
    assert result.exit_code == 3 and "uncommitted edits" in result.stderr
    assert "commit them first (`meti-pi commit F-2026-AAAAAA.yaml`)" in result.stderr, result.stderr
    assert not (root / "notifications").exists()
    assert invoke(runner, root, "commit", "F-2026-AAAAAA.yaml").exit_code == 0  # the advice, followed
    assert run(runner, root, "F-2026-AAAAAA", "--out", str(tmp_path / "out")).exit_code == 0


def test_rerun_keeps_a_current_draft_and_redraft_withdraws_it(runner, tmp_path):
    root = register(tmp_path)
    (first,) = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")["drafted"]
    head = git(root, "rev-parse", "HEAD").strip()
    again = run(runner, root, "F-2026-AAAAAA", "--out", str(tmp_path / "out"), today="2026-03-17")
    assert again.exit_code == 0 and f"draft {first['id']} awaits submission" in again.stderr
    assert git(root, "rev-parse", "HEAD").strip() == head
    (second,) = draft(runner, root, tmp_path, "F-2026-AAAAAA", "--redraft", today="2026-03-17")["drafted"]
    assert second["withdrawn"] == [first["id"]]
    old = load_yaml(root / "notifications" / f"{first['id']}.yaml")
    assert (old["state"], old["withdrawn_on"], old["superseded_by"]) == ("withdrawn", "2026-03-17", second["id"])
    states = [(e["notification"], e["state"]) for e in load_yaml(root / "ledger" / "F-2026-AAAAAA.yaml")["notified"]]
    assert states == [(first["id"], "withdrawn"), (second["id"], "drafted")]
    assert sorted(commit_files(root)) == sorted(
        [
            f"register/notifications/{first['id']}.yaml",
            f"register/notifications/{second['id']}.yaml",
            "register/ledger/F-2026-AAAAAA.yaml",
        ]
    )


# -- states ----------------------------------------------------------------------------------------------


def test_submit_and_acknowledge(runner, tmp_path):
    root = register(tmp_path)
    (d,) = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")["drafted"]
    nid = d["id"]
    result = run(
        runner, root, "submit", nid, "--on", "2026-03-18", "--ref", "会計課発第1号", "--json", today="2026-03-19"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["state"] == "submitted"
    assert "Meti-Pi-Command: notify submit" in trailers(root) and "Meti-Pi-Article: 35(1)" in trailers(root)
    assert commit_files(root) == ["register/ledger/F-2026-AAAAAA.yaml", f"register/notifications/{nid}.yaml"]
    n = load_yaml(root / "notifications" / f"{nid}.yaml")
    assert (n["state"], n["submitted_on"], n["submitted_ref"]) == ("submitted", "2026-03-18", "会計課発第1号")

    assert (
        run(runner, root, "acknowledge", nid, "--on", "2026-03-17", today="2026-03-19").exit_code == 1
    )  # before submission
    assert run(runner, root, "acknowledge", nid, "--on", "2026-03-19", today="2026-03-19").exit_code == 0
    entry = load_yaml(root / "ledger" / "F-2026-AAAAAA.yaml")["notified"][0]
    assert (entry["state"], entry["submitted_on"], entry["acknowledged_on"]) == (
        "acknowledged",
        "2026-03-18",
        "2026-03-19",
    )
    assert invoke(runner, root, "validate", today="2026-03-19").exit_code == 0


@pytest.mark.parametrize(
    ("setup", "args", "text"),
    [
        ([], ["submit", "{nid}", "--on", "2026-03-15"], "cannot have been submitted"),  # before it was drafted
        ([], ["submit", "{nid}", "--on", "2026-03-20"], "after today"),
        ([], ["acknowledge", "{nid}"], "only a submitted notice can be acknowledged"),
        ([], ["explain", "{nid}", "--reason", "x"], "reason for lateness is recorded on a submitted notice"),
        ([["submit", "{nid}", "--on", "2026-03-16"]], ["submit", "{nid}"], "only a draft can be submitted"),
    ],
)
def test_state_refusals(runner, tmp_path, setup, args, text):
    root = register(tmp_path)
    (d,) = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")["drafted"]
    for step in setup:
        assert run(runner, root, *[a.format(nid=d["id"]) for a in step], today="2026-03-16").exit_code == 0
    head = git(root, "rev-parse", "HEAD").strip()
    result = run(runner, root, *[a.format(nid=d["id"]) for a in args], today="2026-03-16")
    # a day that has not come is a bad option value (2, as incident update --on); the others break the rules (1)
    assert result.exit_code == (2 if text == "after today" else 1) and text in result.stderr
    assert git(root, "rev-parse", "HEAD").strip() == head


def test_submitting_late_warns_and_explain_records_the_reason(runner, tmp_path):
    root = register(tmp_path)
    (d,) = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-05-01")["drafted"]
    result = run(runner, root, "submit", d["id"], today="2026-05-01")
    assert result.exit_code == 0 and "made after its due date 2026-04-01" in result.stderr
    explained = run(
        runner, root, "explain", d["id"], "--reason", "保有開始時の事務引継ぎにおける通知漏れ", today="2026-05-02"
    )
    assert explained.exit_code == 0
    # what was recorded is the reason, not a state ("recorded: N-... submitted" before)
    assert f"recorded: the reason for lateness of {d['id']}" in explained.stderr and "submitted" not in explained.stderr
    assert (
        load_yaml(root / "notifications" / f"{d['id']}.yaml")["late_reason"] == "保有開始時の事務引継ぎにおける通知漏れ"
    )
    assert "Meti-Pi-Command: notify explain" in trailers(root)


# -- the acceptance test: --check fails on missing, late and stale, passes once they are made ----------------


def test_check_fails_on_missing_late_and_stale_and_passes_once_made(runner, tmp_path):
    root = register(tmp_path, {"F-2026-AAAAAA": FILE_35_1, "F-2026-BBBBBB": FILE_35_2, "F-2026-EEEEEE": FILE_E})
    out = ["--out", str(tmp_path / "out")]
    # The ministry's own APPI 74(1) notices to the PPC are made (this test is about the Art. 35 notices;
    # E's is recorded once its purpose has changed, so that it states the items as they are).
    assert (
        run(
            runner, root, "record", "F-2026-AAAAAA", "--kind", "appi-74-1", "--on", "2026-03-30", today="2026-03-30"
        ).exit_code
        == 0
    )

    # E: notified in advance and acknowledged ...
    (e1,) = draft(runner, root, tmp_path, "F-2026-EEEEEE", today="2026-03-20")["drafted"]
    assert run(runner, root, "submit", e1["id"], today="2026-03-25").exit_code == 0
    assert run(runner, root, "acknowledge", e1["id"], today="2026-03-26").exit_code == 0
    # ... then its purpose changes (edited by hand and committed, as officers do).
    path = root / "files" / "F-2026-EEEEEE.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8"), "の審査、", "及び実績報告の審査、"), encoding="utf-8")
    git(root, "commit", "-qam", "purpose widened")
    assert (
        run(
            runner, root, "record", "F-2026-EEEEEE", "--kind", "appi-74-1", "--on", "2026-03-30", today="2026-03-30"
        ).exit_code
        == 0
    )
    # B (35(2)): drafted and submitted after the 遅滞なく limit (2026-04-15).
    (b1,) = draft(runner, root, tmp_path, "F-2026-BBBBBB", today="2026-05-01")["drafted"]
    assert run(runner, root, "submit", b1["id"], today="2026-05-01").exit_code == 0
    # A: never notified although its holding started on 2026-04-01.

    result = run(runner, root, "--check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(
        "files/F-2026-AAAAAA.yaml" in line and "error[notice-missing]" in line and "Art. 35(1)" in line
        for line in lines
    )
    assert any(
        "files/F-2026-BBBBBB.yaml" in line and "error[notice-late]" in line and b1["id"] in line for line in lines
    )
    assert any(
        "files/F-2026-EEEEEE.yaml" in line and "error[notice-stale]" in line and e1["id"] in line for line in lines
    )
    doc = json.loads(run(runner, root, "--check", "--json").stdout)
    assert doc["ok"] is False
    assert sorted((p["file"], p["status"]) for p in doc["problems"]) == [
        ("F-2026-AAAAAA", "missing"),
        ("F-2026-BBBBBB", "late"),
        ("F-2026-EEEEEE", "stale"),
    ]
    assert run(runner, root, "check").exit_code == 1  # the verb form

    # The same findings reach validate as warnings.
    from datetime import date

    from meti_pi.checks.validate import validate_register
    from meti_pi.store.register import Register

    warns = [p.code for p in validate_register(Register.load(root), date(2026, 11, 26)) if p.code.startswith("notice-")]
    assert sorted(warns) == ["notice-late", "notice-missing", "notice-stale"]

    # Make them: A notified now (necessarily late, so with its reason), B's lateness explained,
    # E's change notified.
    (a1,) = draft(runner, root, tmp_path, "F-2026-AAAAAA", "--late-reason", "保有開始時の通知漏れ（自己点検で判明）")[
        "drafted"
    ]
    assert run(runner, root, "submit", a1["id"]).exit_code == 0
    assert run(runner, root, "explain", b1["id"], "--reason", "審議会日程の変更に伴う事務の遅延").exit_code == 0
    (e2,) = draft(runner, root, tmp_path, "F-2026-EEEEEE")["drafted"]
    assert (e2["change"], e2["supersedes"]) == (True, e1["id"])
    md = (tmp_path / "out" / f"{e2['id']}.md").read_text(encoding="utf-8")
    assert "変更した事項：利用目的" in md and f"前回の通知：通知番号 {e1['id']}" in md
    assert run(runner, root, "submit", e2["id"]).exit_code == 0

    result = run(runner, root, "--check", *[])
    assert result.exit_code == 0, result.output
    assert "error[" not in result.stdout and "info[notice-late-explained]" in result.stdout
    doc = json.loads(run(runner, root, "--check", "--json").stdout)
    assert doc["ok"] is True and doc["problems"] == []
    assert sorted(f["file"] for f in doc["explained"]) == ["F-2026-AAAAAA", "F-2026-BBBBBB"]
    assert out  # (drafts went to tmp_path/out throughout)


def test_check_lists_pending_notices_without_failing(runner, tmp_path):
    root = register(tmp_path)
    result = run(runner, root, "--check", "--json", today="2026-03-01")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    # the 管理者's 35(1) notice and the ministry's APPI 74(1) notice to the PPC, both before holding
    assert doc["ok"] is True and [(p["kind"], p["status"]) for p in doc["pending"]] == [
        ("35-1", "due"),
        ("appi-74-1", "due"),
    ]
    assert doc["pending"][0]["due"] == doc["pending"][1]["due"] == "2026-04-01"


# -- issue 14: the ministry's notices to the PPC (APPI 74(1), 74(3)) ---------------------------------------


def _ppc(doc: dict) -> list[tuple[str, str]]:
    return [(p["kind"], p["status"]) for p in doc["problems"] + doc["pending"] if p["kind"].startswith("appi-")]


def test_ppc_notice_74_1_recorded_and_74_3_due_when_the_file_ends(runner, tmp_path):
    root = register(tmp_path)
    doc = json.loads(run(runner, root, "--check", "--json", today="2026-05-01").stdout)
    assert _ppc(doc) == [("appi-74-1", "missing")]  # due before holding (2026-04-01)
    result = run(
        runner,
        root,
        "record",
        "F-2026-AAAAAA",
        "--kind",
        "appi-74-1",
        "--on",
        "2026-03-25",
        "--json",
        today="2026-05-01",
    )
    assert result.exit_code == 0, result.output
    rec = json.loads(result.stdout)
    assert rec["article"] == "APPI 74(1)" and rec["state"] == "submitted"
    assert "Meti-Pi-Command: notify record" in trailers(root)
    assert _ppc(json.loads(run(runner, root, "--check", "--json", today="2026-05-01").stdout)) == []
    # a notified item changes (74(1) 後段): a change notice to the PPC is due; the class is not a 74(1) item
    path = root / "files" / "F-2026-AAAAAA.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(edit(original, "management_class: B", "management_class: A"), encoding="utf-8")
    git(root, "commit", "-qam", "decided 管理A")
    assert _ppc(json.loads(run(runner, root, "--check", "--json", today="2026-05-01").stdout)) == []
    path.write_text(
        edit(
            path.read_text(encoding="utf-8"),
            "record_scope: 補助金の交付を申請した個人事業主",
            "record_scope: 補助金の交付を申請した個人事業主及び法人の代表者",
        ),
        encoding="utf-8",
    )
    git(root, "commit", "-qam", "scope widened")
    assert _ppc(json.loads(run(runner, root, "--check", "--json", today="2026-05-01").stdout)) == [
        ("appi-74-1", "stale")
    ]
    changed = json.loads(
        run(
            runner,
            root,
            "record",
            "F-2026-AAAAAA",
            "--kind",
            "appi-74-1",
            "--on",
            "2026-05-01",
            "--json",
            today="2026-05-01",
        ).stdout
    )
    assert load_yaml(root / "notifications" / f"{changed['id']}.yaml")["change"] is True
    assert _ppc(json.loads(run(runner, root, "--check", "--json", today="2026-05-01").stdout)) == []
    # the holding ends: 74(3) is due 遅滞なく (policy 14 days; 2026-10-31 + 14 = 2026-11-14, a Saturday -> 11-16)
    path.write_text(
        edit(
            path.read_text(encoding="utf-8"),
            "holding: {start: '2026-04-01'}",
            "holding: {start: '2026-04-01', end: '2026-10-31'}",
        ),
        encoding="utf-8",
    )
    git(root, "commit", "-qam", "holding ended")
    pending = json.loads(run(runner, root, "--check", "--json", today="2026-11-16").stdout)
    assert _ppc(pending) == [("appi-74-3", "due")] and pending["pending"][-1]["due"] == "2026-11-16"
    late = json.loads(run(runner, root, "--check", "--json", today="2026-11-17").stdout)
    assert _ppc(late) == [("appi-74-3", "missing")] and late["ok"] is False
    assert (
        run(
            runner, root, "record", "F-2026-AAAAAA", "--kind", "appi-74-3", "--on", "2026-11-10", today="2026-11-17"
        ).exit_code
        == 0
    )
    assert _ppc(json.loads(run(runner, root, "--check", "--json", today="2026-11-17").stdout)) == []


def _notified_to_ppc(runner, root) -> None:
    """F-2026-AAAAAA's APPI 74(1) notice to the PPC, recorded as made on 2026-03-25."""
    recorded = run(
        runner, root, "record", "F-2026-AAAAAA", "--kind", "appi-74-1", "--on", "2026-03-25", today="2026-03-25"
    )
    assert recorded.exit_code == 0, recorded.output


@pytest.mark.parametrize(("count", "due"), [(999, True), (1000, False)])
def test_ppc_notice_74_3_when_a_notified_file_falls_under_1000(runner, tmp_path, count, due):
    root = register(tmp_path)
    _notified_to_ppc(runner, root)
    path = root / "files" / "F-2026-AAAAAA.yaml"
    text = edit(
        path.read_text(encoding="utf-8"), "count: 1500, as_of: '2026-03-31'", f"count: {count}, as_of: '2026-11-02'"
    )
    path.write_text(
        text.replace("management_class: B", "management_class: C" if count < 1000 else "management_class: B"),
        encoding="utf-8",
    )
    git(root, "commit", "-qam", "recounted")
    doc = json.loads(run(runner, root, "--check", "--json", today="2026-11-26").stdout)
    assert (("appi-74-3", "missing") in _ppc(doc)) is due


def test_record_refuses_an_unknown_kind(runner, tmp_path):
    root = register(tmp_path)
    result = run(runner, root, "record", "F-2026-AAAAAA", "--kind", "35-1")
    assert result.exit_code == 2 and "appi-74-1" in result.output


# -- the 台帳 event log ----------------------------------------------------------------------------------


def notified(runner, root: Path, tmp_path: Path) -> Path:
    """The register with F-2026-AAAAAA's 35(1) notice drafted and submitted (the 台帳's subject, Art. 38)."""
    (d,) = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")["drafted"]
    assert run(runner, root, "submit", d["id"], "--on", "2026-03-18", today="2026-03-19").exit_code == 0
    return root


def test_log_appends_events_to_the_ledger(runner, tmp_path):
    root = notified(runner, register(tmp_path), tmp_path)
    result = run(
        runner,
        root,
        "log",
        "F-2026-AAAAAA",
        "--kind",
        "provision",
        "--summary",
        "会計検査院の実地検査で申請書類を提示",
        "--recipient",
        "会計検査院",
        "--basis",
        "個人情報保護法第69条第1項",
        "--on",
        "2026-11-20",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["event"]["article"] == "12"
    assert "Meti-Pi-Command: notify log" in trailers(root) and "Meti-Pi-Article: 12" in trailers(root)
    assert (
        run(
            runner,
            root,
            "log",
            "F-2026-AAAAAA",
            "--kind",
            "disposal",
            "--summary",
            "保存期間満了分の申請書類を溶解処理",
            "--method",
            "溶解",
        ).exit_code
        == 0
    )
    events = load_yaml(root / "ledger" / "F-2026-AAAAAA.yaml")["events"]
    assert [(e["kind"], e["article"], e["date"]) for e in events] == [
        ("provision", "12", "2026-11-20"),
        ("disposal", "21", "2026-11-26"),
    ]
    assert events[0]["recipient"] == "会計検査院" and events[1]["method"] == "溶解"
    assert invoke(runner, root, "validate").exit_code == 0


def test_log_refuses_handling_dated_before_the_holding_starts(runner, tmp_path):
    """Art. 38: the 台帳 records the 利用及び保管等の取扱い of the 保有個人情報等 notified. The 35(1)
    notice is made in advance (2026-03-18) of the holding (from 2026-04-01): a use on 2026-03-31 is of
    data the ministry did not yet hold, and was written to the 台帳. The holding's first day is the
    first a use can be."""
    root = notified(runner, register(tmp_path), tmp_path)
    before = git(root, "rev-parse", "HEAD")
    args = ["log", "F-2026-AAAAAA", "--kind", "use", "--summary", "窓口で閲覧"]
    result = run(runner, root, *args, "--on", "2026-03-31")
    assert result.exit_code == 1, result.output
    assert "holding.start" in result.output and "2026-04-01" in result.output and "Nothing was written" in result.output
    assert re.search(r"files/F-2026-AAAAAA\.yaml:\d+", result.output)  # at its line
    assert git(root, "rev-parse", "HEAD") == before
    assert "events" not in load_yaml(root / "ledger" / "F-2026-AAAAAA.yaml")
    assert run(runner, root, *args, "--on", "2026-04-01").exit_code == 0
    assert [e["date"] for e in load_yaml(root / "ledger" / "F-2026-AAAAAA.yaml")["events"]] == ["2026-04-01"]


def test_log_of_a_file_never_notified_is_refused(runner, tmp_path):
    """Art. 38: the 台帳 is kept of the files notified to the 副総括 (an outside legal review: a 台帳
    entry was made for a file with no notice at all); a drafted notice is not yet one received."""
    root = register(tmp_path)
    args = ["log", "F-2026-AAAAAA", "--kind", "use", "--summary", "窓口で閲覧", "--on", "2026-11-20"]
    before = git(root, "rev-parse", "HEAD")
    result = run(runner, root, *args)
    assert result.exit_code == 1 and "no Art. 35/36 notice made" in result.output and "規程第38条" in result.output
    draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")
    drafted = git(root, "rev-parse", "HEAD")
    assert drafted != before
    assert run(runner, root, *args).exit_code == 1 and git(root, "rev-parse", "HEAD") == drafted
    assert not (root / "ledger" / "F-2026-AAAAAA.yaml").exists() or "events" not in load_yaml(
        root / "ledger" / "F-2026-AAAAAA.yaml"
    )


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--kind", "provision", "--summary", "提供"], "needs --recipient"),
        (["--kind", "leak", "--summary", "x"], "--kind must be one of"),
        (["--kind", "use", "--summary", "問合せ先 03-3501-1511 に回答"], "looks like it holds personal data"),
        (["--kind", "use", "--summary", "x", "--on", "2026-13-01"], "--on: 2026-13-01 is not a day of the calendar"),
    ],
)
def test_log_refusals_write_nothing(runner, tmp_path, args, text):
    root = register(tmp_path)
    result = run(runner, root, "log", "F-2026-AAAAAA", *args)
    assert result.exit_code == 2 and text in result.stderr
    assert "03-3501-1511" not in result.output  # never echo what looks like personal data
    assert not (root / "ledger").exists()


# -- notices as documents of record (issue 16) -------------------------------------------------------


def test_render_gives_a_recorded_notice_in_either_format_with_the_same_content(runner, tmp_path):
    root = register(tmp_path)
    doc = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")
    nid = doc["drafted"][0]["id"]
    head = git(root, "rev-parse", "HEAD").strip()
    recorded = (tmp_path / "out" / f"{nid}.md").read_bytes()
    # The file changes afterwards: the rendered notice still states what was drafted.
    path = root / "files" / "F-2026-AAAAAA.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("補助金の交付申請の審査", "補助金の交付申請の受付及び審査"),
        encoding="utf-8",
    )
    assert invoke(runner, root, "commit", str(path)).exit_code == 0
    after_edit = git(root, "rev-parse", "HEAD").strip()
    md = run(runner, root, "render", nid)
    assert md.exit_code == 0, md.output
    assert md.stdout.encode("utf-8") == recorded
    out = run(runner, root, "render", nid, "--format", "docx", "--out", str(tmp_path / "docx"), "--json")
    assert out.exit_code == 0, out.output
    meta = json.loads(out.stdout)
    assert meta["same_as_recorded"] is True and meta["id"] == nid
    from meti_pi.render import word

    paragraphs = "\n".join(word.docx_paragraphs((tmp_path / "docx" / f"{nid}.docx").read_bytes()))
    assert nid in paragraphs and "補助金の交付申請の審査" in paragraphs and "受付及び審査" not in paragraphs
    # No new id, no commit, the notice keeps its state.
    assert git(root, "rev-parse", "HEAD").strip() == after_edit != head
    assert load_yaml(root / "notifications" / f"{nid}.yaml")["state"] == "drafted"
    assert run(runner, root, "render", "N-2026-NOSUCH").exit_code == 2


def test_an_obsolete_draft_is_listed_and_withdrawn_with_its_reason(runner, tmp_path):
    root = register(tmp_path)
    nid = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")["drafted"][0]["id"]
    # The file changes before the draft is submitted: the draft no longer states it.
    path = root / "files" / "F-2026-AAAAAA.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("record_items: [氏名, 住所,", "record_items: [氏名,"), encoding="utf-8"
    )
    assert invoke(runner, root, "commit", str(path), today="2026-03-16").exit_code == 0
    check = run(runner, root, "--check", "--json", today="2026-03-16")
    listed = json.loads(check.stdout)["obsolete"]
    assert [f["notification"] for f in listed] == [nid] and f"notify withdraw {nid}" in listed[0]["message"]
    status = json.loads(invoke(runner, root, "status", "--json", today="2026-03-16").stdout)
    assert any(item["ref"] == f"notifications/{nid}" and "取り下げる" in item["title"] for item in status["items"])
    # A reason is required; the withdrawal is one commit with the trailers, mirrored in the 台帳.
    assert run(runner, root, "withdraw", nid, "--reason", " ", today="2026-03-16").exit_code == 2
    done = run(runner, root, "withdraw", nid, "--reason", "記録項目の見直しにより再作成する", today="2026-03-16")
    assert done.exit_code == 0, done.output
    data = load_yaml(root / "notifications" / f"{nid}.yaml")
    assert (data["state"], data["withdrawn_on"], data["withdrawn_reason"]) == (
        "withdrawn",
        "2026-03-16",
        "記録項目の見直しにより再作成する",
    )
    assert load_yaml(root / "ledger" / "F-2026-AAAAAA.yaml")["notified"][0]["state"] == "withdrawn"
    assert "Meti-Pi-Command: notify withdraw" in trailers(root)
    assert commit_files(root) == [
        "register/ledger/F-2026-AAAAAA.yaml",
        f"register/notifications/{nid}.yaml",
    ] or commit_files(root) == ["ledger/F-2026-AAAAAA.yaml", f"notifications/{nid}.yaml"]
    assert json.loads(run(runner, root, "--check", "--json", today="2026-03-16").stdout)["obsolete"] == []
    # Only a draft can be withdrawn.
    again = run(runner, root, "withdraw", nid, "--reason", "x", today="2026-03-16")
    assert again.exit_code == 1 and "only a draft never submitted" in again.stderr


def test_a_draft_of_a_kind_no_longer_required_is_obsolete(runner, tmp_path):
    root = register(tmp_path)
    nid = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")["drafted"][0]["id"]
    path = root / "files" / "F-2026-AAAAAA.yaml"
    # Fewer than 1,000 本人: 74(2)(ix) takes the file out of Art. 35(1).
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("count: 1500", "count: 500")
        .replace(
            "classification: {rationale: 本人の数が千人以上であり、管理Ａに該当する事情はないため管理Ｂとする。}",
            "classification: {rationale: 本人の数が千人未満であるため管理Ｃとする。}",
        )
        .replace("management_class: B", "management_class: C"),
        encoding="utf-8",
    )
    assert invoke(runner, root, "commit", str(path), today="2026-03-16").exit_code == 0
    listed = json.loads(run(runner, root, "--check", "--json", today="2026-03-16").stdout)["obsolete"]
    assert [f["notification"] for f in listed] == [nid] and "no longer requires an Art. 35(1) notice" in listed[0][
        "message"
    ]


def test_render_at_a_commit_whose_policy_is_refused_names_that_commit(runner, tmp_path):
    """A notice is rendered from the register at its `register_commit`: a problem of that commit's
    policy.yaml was shown at a line of a file that, at HEAD, holds no such problem."""
    root = register(tmp_path)
    policy = root / "policy.yaml"
    good = policy.read_text(encoding="utf-8")
    policy.write_text(good.replace("first_day: '1989-01-08'", "first_day: '1989-01-09'"), encoding="utf-8")
    git(root, "commit", "-qam", "an era table committed by hand (an older meti-pi took it)")
    bad = git(root, "rev-parse", "HEAD").strip()
    policy.write_text(good, encoding="utf-8")
    git(root, "commit", "-qam", "mended")
    nid = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")["drafted"][0]["id"]
    path = root / "notifications" / f"{nid}.yaml"
    text = path.read_text(encoding="utf-8")
    assert "register_commit: " in text
    path.write_text(re.sub(r"register_commit: \S+", f"register_commit: {bad}", text), encoding="utf-8")
    git(root, "commit", "-qam", "the notice as an older meti-pi recorded it")
    line = 1 + next(i for i, t in enumerate(good.splitlines()) if "1989-01-08" in t)
    result = run(runner, root, "render", nid)
    assert result.exit_code == 2, result.output
    assert f"policy.yaml:{line}: $.documents.eras[1].first_day" in result.output
    assert f"at commit {bad[:10]}" in result.output


def test_status_lists_a_change_notice_as_overdue_without_the_first_notices_day(runner, tmp_path):
    """A change notice is due at the change, a day the register does not keep: status gave it the
    first notice's day (a file notified in 2024 and changed later was '980 days' overdue)."""
    root = register(tmp_path, {"F-2026-EEEEEE": FILE_E})
    (e1,) = draft(runner, root, tmp_path, "F-2026-EEEEEE", today="2026-03-20")["drafted"]
    assert run(runner, root, "submit", e1["id"], today="2026-03-25").exit_code == 0
    path = root / "files" / "F-2026-EEEEEE.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8"), "の審査、", "及び実績報告の審査、"), encoding="utf-8")
    git(root, "commit", "-qam", "purpose widened")
    result = invoke(runner, root, "status", "--json", today="2026-11-26")
    assert result.exit_code == 0, result.output
    [item] = [i for i in json.loads(result.stdout)["items"] if "変更の通知" in i["title"] and "第35条" in i["title"]]
    assert item["overdue"] is True and item["due"] is None and item["days_left"] is None


def test_render_of_a_notice_whose_commit_is_not_in_the_repository_says_so(runner, tmp_path):
    """A register_commit naming no commit gave git's own 'not a tree object' with exit 3 ('cannot
    run'): it is a value of the notice's record, refused at its line (exit 1)."""
    root = register(tmp_path)
    nid = draft(runner, root, tmp_path, "F-2026-AAAAAA", today="2026-03-16")["drafted"][0]["id"]
    path = root / "notifications" / f"{nid}.yaml"
    path.write_text(
        re.sub(
            r"register_commit: \S+",
            "register_commit: " + "0123456789abcdef" * 2 + "01234567",
            path.read_text(encoding="utf-8"),
        ),
        encoding="utf-8",
    )
    git(root, "commit", "-qam", "a commit that is not here")
    result = run(runner, root, "render", nid)
    assert result.exit_code == 1, result.output
    assert (
        f"notifications/{nid}.yaml:" in result.output and "register_commit 0123456789 names no commit" in result.output
    )
    assert "not a tree object" not in result.output


def test_a_change_notice_records_the_timing_of_a_change(runner, tmp_path):
    """Art. 36 後段 (変更しようとするとき): a change notice is due before the change, although the
    first Art. 36 notice follows the creation; the record said "after" (遅滞なく) for it."""
    from test_notices import FILE_36

    root = register(tmp_path, {"F-2026-DDDDDD": FILE_36})
    (first,) = draft(runner, root, tmp_path, "F-2026-DDDDDD", "--kind", "36", today="2026-10-05")["drafted"]
    assert load_yaml(root / "notifications" / f"{first['id']}.yaml")["due"]["timing"] == "after"
    assert run(runner, root, "submit", first["id"], today="2026-10-05").exit_code == 0
    path = root / "files" / "F-2026-DDDDDD.yaml"
    path.write_text(
        edit(path.read_text(encoding="utf-8"), "令和９年１月３１日まで", "令和９年３月３１日まで"), encoding="utf-8"
    )
    git(root, "commit", "-qam", "proposal period extended")
    (change,) = draft(runner, root, tmp_path, "F-2026-DDDDDD", "--kind", "36")["drafted"]
    assert change["change"] is True
    assert load_yaml(root / "notifications" / f"{change['id']}.yaml")["due"] == {"timing": "before"}


def test_the_74_3_words_give_the_policys_item_9_line(runner, tmp_path):
    """With `filebook_min_principals: 500` a notified file recounted at 400 owes the 74(3) notice by
    the policy's line, and was told it 'fell under 74(2)(ix), fewer than 1,000 本人'; at 700 the
    refused `notify record --kind appi-74-3` said 'the fall below 1,000 本人', which 700 is.
    (Fails on the former code.)"""
    root = register(tmp_path)
    policy = root / "policy.yaml"
    policy.write_text(
        edit(policy.read_text(encoding="utf-8"), "filebook_min_principals: 1000", "filebook_min_principals: 500"),
        encoding="utf-8",
    )
    git(root, "commit", "-qam", "stricter 74(2)(ix) line")
    _notified_to_ppc(runner, root)
    path = root / "files" / "F-2026-AAAAAA.yaml"
    original = path.read_text(encoding="utf-8")
    line = "fewer than 500 本人 (policy.yaml thresholds.filebook_min_principals; 令20: 1,000)"
    path.write_text(
        edit(original, "count: 1500, as_of: '2026-03-31'", "count: 700, as_of: '2026-11-02'"), encoding="utf-8"
    )
    git(root, "commit", "-qam", "recounted: 700")
    refused = run(runner, root, "record", "F-2026-AAAAAA", "--kind", "appi-74-3", "--on", "2026-11-20")
    # policy.yaml named from the folder the test runs in, outside the repository (test_message_paths);
    # --json below keeps it as written
    printed = line.replace("policy.yaml", str(policy.resolve()))
    assert refused.exit_code == 1 and f"the fall under 74(2)(ix) ({printed})" in refused.output, refused.output
    assert "1,000 本人" not in refused.output
    path.write_text(
        edit(original, "count: 1500, as_of: '2026-03-31'", "count: 400, as_of: '2026-11-02'"), encoding="utf-8"
    )
    git(root, "commit", "-qam", "recounted: 400")
    doc = json.loads(run(runner, root, "--check", "--json", today="2026-11-26").stdout)
    (found,) = [p for p in doc["problems"] + doc["pending"] if p["kind"] == "appi-74-3"]
    assert f"this notified file fell under 74(2)(ix), {line}" in found["message"], found


def test_a_late_reason_for_a_notice_not_late_is_refused(runner, tmp_path):
    """`notify F --late-reason …` of a notice drafted before its due day recorded the reason in the
    notice (late_reason) and left it out of the draft, which made no mention of lateness: the record
    and the document disagreed (--help: 「written into the draft」). Refused (exit 2, nothing
    written); a notice drafted after its due day writes and records it as before."""
    root = register(tmp_path)  # F-2026-AAAAAA: 35(1), holding start (so due) 2026-04-01
    head = git(root, "rev-parse", "HEAD").strip()
    early = run(
        runner, root, "F-2026-AAAAAA", "--out", str(tmp_path / "out"), "--late-reason", "事務の遅れ", today="2026-03-16"
    )
    assert early.exit_code == 2, early.output
    assert (
        "--late-reason: the notice of files/F-2026-AAAAAA drafted today (2026-03-16) is not late: "
        "Art. 35(1) (due 2026-04-01)" in early.stderr
    )
    assert git(root, "rev-parse", "HEAD").strip() == head and not (tmp_path / "out").exists()
    (d,) = draft(runner, root, tmp_path, "F-2026-AAAAAA", "--late-reason", "事務の遅れ", today="2026-04-02")["drafted"]
    assert load_yaml(root / "notifications" / f"{d['id']}.yaml")["late_reason"] == "事務の遅れ"
    md = (tmp_path / "out" / f"{d['id']}.md").read_text(encoding="utf-8")
    assert "保有開始後の通知となった理由\n\n事務の遅れ" in md
