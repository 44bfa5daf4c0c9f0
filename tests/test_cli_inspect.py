"""`meti-pi inspect`, `meti-pi audit ...` and `meti-pi status` through the command line."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLE, git, hand_edit_line, invoke, make_register
from test_checklist import HANDLING, RATIONALE, contractor, division, file_rec

from meti_pi.cli import inspect as inspect_cli
from meti_pi.store.register import Register

# --today 2026-11-26 (conftest.invoke): fiscal year 2026.


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "divisions/somu.yaml": division("somu", "大臣官房総務課"),
            "divisions/kansa.yaml": division("kansa", "大臣官房監察室"),
            "files/F-2026-JJJJ01.yaml": file_rec(
                "F-2026-JJJJ01", "jinji", cls="C", kind="manual", count=30, extra=RATIONALE + HANDLING
            ),
            "contractors/C-2026-JJJJ01.yaml": contractor(
                "C-2026-JJJJ01", ["jinji"], ["F-2026-JJJJ01"], missing=("copy_limits",)
            ),
        },
    )


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def head(root: Path) -> str:
    return git(root.parent, "rev-parse", "HEAD").strip()


# -- showing the checklist --------------------------------------------------------------------


def test_checklist_json_is_one_document_with_why_and_prefill(runner, root):
    result = invoke(runner, root, "inspect", "--year", "2026", "--division", "jinji", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    [c] = doc["checklists"]
    assert (c["division"], c["year"], c["period"]) == ("jinji", 2026, {"start": "2026-04-01", "end": "2027-03-31"})
    items = {i["key"]: i for i in c["items"]}
    clause = items["14-2@C-2026-JJJJ01"]
    assert clause["article"] == "14(2)" and clause["prefill"]["answer"] == "no" and clause["why"]
    assert "14-4@C-2026-JJJJ01" not in items  # 管理C only
    assert all(i["answer"] is None for i in c["items"]) and c["record"] is None


def test_checklist_for_every_division_on_screen(runner, root):
    result = invoke(runner, root, "inspect", "--year", "2026")
    assert result.exit_code == 0, result.output
    for name in ("大臣官房人事課（jinji）令和８年度の点検項目", "大臣官房総務課（somu）", "大臣官房監察室（kansa）"):
        assert name in result.stdout
    assert "14-2@C-2026-JJJJ01" in result.stdout and "該当する理由" in result.stdout


def test_year_defaults_to_the_current_fiscal_year(runner, root):
    doc = json.loads(invoke(runner, root, "inspect", "--division", "somu", "--json", today="2027-03-31").stdout)
    assert doc["year"] == 2026
    doc = json.loads(invoke(runner, root, "inspect", "--division", "somu", "--json", today="2027-04-01").stdout)
    assert doc["year"] == 2027


def test_unknown_division_is_a_usage_error(runner, root):
    # A --division naming no record is a bad option value (exit 2, as `notify UNKNOWN` and
    # `show divisions/UNKNOWN`), not "cannot run" (3, which it was until the sixth session).
    for args in (["--division", "nope"], ["--division", "nope", "--json"], ["--division", "nope", "--report"]):
        result = invoke(runner, root, "inspect", *args)
        assert result.exit_code == 2 and "no division 'nope'" in result.stderr, args
        # the divisions it can be given, not "see `meti-pi show divisions`" (no command lists them so)
        assert "divisions: " in result.stderr and "jinji" in result.stderr and "show divisions" not in result.stderr


def test_an_unknown_division_in_an_answers_file_is_named_at_its_line(runner, root, tmp_path):
    """`division: nope` in an --answers file was refused with no path:line ("no division 'nope' in
    the register (divisions/nope.yaml)"), as if --division had been given."""
    given = tmp_path / "答え.yaml"
    given.write_text("inspected_on: 2026-10-01\ndivision: nope\nanswers:\n  8-4: 'yes'\n", encoding="utf-8")
    before = git(root, "rev-parse", "HEAD")
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(given), "--json")
    assert result.exit_code == 2, result.output
    (error,) = json.loads(result.stdout)["errors"]
    assert (error["path"], error["line"]) == (str(given), 2) and "no division 'nope'" in error["message"]
    assert "divisions: " in error["message"] and "jinji" in error["message"]
    assert git(root, "rev-parse", "HEAD") == before


def test_answers_that_are_neither_mapping_nor_list_are_named_at_their_line(runner, root, tmp_path):
    """`answers: 5` was said at line 1 (the document's start), not at the `answers:` line."""
    given = tmp_path / "a.yaml"
    given.write_text("division: jinji\ninspected_on: 2026-10-01\nanswers: 5\n", encoding="utf-8")
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(given), "--dry-run")
    assert result.exit_code == 2, result.output
    assert f"{given}:3: answers: expected a mapping (item: answer) or a list" in result.stderr, result.stderr


def test_a_missing_answers_file_is_named_as_one(runner, root, tmp_path):
    """`inspect --answers nofile.yaml` said "cannot read the fields file", the word for `new --from`."""
    result = invoke(runner, root, "inspect", "--answers", str(tmp_path / "nofile.yaml"))
    assert result.exit_code == 2 and "cannot read the answers file: no such file" in result.stderr, result.output


# -- recording --------------------------------------------------------------------------------

# jinji's answers for 2026: three items kept, and item 19 of F-2026-JJJJ01 (copying) answered no,
# with its note, action, owner and due date.
JINJI_ANSWERS = """
    division: jinji
    inspected_on: 2026-10-01
    inspector_post: 人事課長補佐
    answers:
      "8-3": yes
      "8-4": yes
      "17-2": yes
      "19@F-2026-JJJJ01":
        answer: no
        note: 複製の手順が守られていない
        action: 手順を周知する
        owner: 人事課長補佐
        due: 2027-01-31
"""


def test_answers_file_round_trip_to_record_and_report(runner, root, tmp_path):
    answers = write(tmp_path / "answers.yaml", JINJI_ANSWERS)
    before = head(root)
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["record"] == "inspections/2026/jinji" and out["commit"] and not out["dry_run"]
    # The officer's 'no' and the register's: a clause missing, no confirmation after contracting.
    assert {f["item"] for f in out["new_findings"]} == {"19@F-2026-JJJJ01", "14-2@C-2026-JJJJ01", "14-3@C-2026-JJJJ01"}
    assert head(root) == out["commit"] != before
    # The record is in the register, valid, and shows in the checklist and the report.
    data = Register.load(root).records["inspections/2026/jinji"].data
    assert data["inspected_on"] == "2026-10-01" and data["inspector_post"] == "人事課長補佐"
    finding = next(f for f in data["findings"] if f["item"] == "19@F-2026-JJJJ01")
    assert (finding["owner"], finding["due"], finding["action"]) == ("人事課長補佐", "2027-01-31", "手順を周知する")
    assert invoke(runner, root, "validate").exit_code == 0
    shown = json.loads(invoke(runner, root, "inspect", "--division", "jinji", "--json").stdout)["checklists"][0]
    assert shown["record"] == "inspections/2026/jinji"
    assert {i["key"]: i["answer"] for i in shown["items"]}["19@F-2026-JJJJ01"] == "no"
    report = invoke(runner, root, "inspect", "--year", "2026", "--report")
    assert report.exit_code == 0, report.output
    # The report as a document: 課等 by name, 和暦 dates (issue 16; was ISO dates and ids).
    assert "| 大臣官房人事課 | 令和８年１０月１日 |" in report.stdout
    assert "- 是正措置：手順を周知する\n- 担当：人事課長補佐　期限：令和９年１月３１日　状況：是正中" in report.stdout
    assert "- 大臣官房総務課：点検が未実施" in report.stdout
    # Recording the same answers again changes nothing and commits nothing.
    again = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers))
    assert again.exit_code == 0 and head(root) == out["commit"]


def test_a_report_says_when_no_inspection_of_the_year_before_is_recorded(runner, root, tmp_path):
    """The report of the first year a register holds said 「指摘事項：３件（前年度０件）」, as if the year
    before had been inspected and found nothing, where no inspection of it is recorded (a register kept
    from this year). It now says 「（前年度の点検の記録なし）」 then; a year before that was inspected is
    counted as before, 「（前年度３件）」."""
    answers = write(tmp_path / "answers.yaml", JINJI_ANSWERS)
    assert invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers)).exit_code == 0
    first = invoke(runner, root, "inspect", "--year", "2026", "--report")
    assert first.exit_code == 0, first.output
    assert "- 指摘事項：３件（前年度の点検の記録なし）、うち是正が完了していないもの３件" in first.stdout, first.stdout
    assert "前年度０件" not in first.stdout
    later = invoke(runner, root, "inspect", "--year", "2027", "--report", today="2027-04-02")
    assert later.exit_code == 0, later.output
    assert "- 指摘事項：０件（前年度３件）" in later.stdout, later.stdout
    doc = json.loads(invoke(runner, root, "inspect", "--year", "2026", "--report", "--json").stdout)
    assert doc["totals"]["findings_previous"] == 0 and doc["totals"]["inspected_previous"] == 0


def test_answers_file_errors_exit_2(runner, root, tmp_path):
    bad = write(
        tmp_path / "bad.yaml",
        """
        division: jinji
        answers:
          "8-4": perhaps
    """,
    )
    result = invoke(runner, root, "inspect", "--answers", str(bad))
    assert result.exit_code == 2 and "perhaps" in result.stderr
    unknown = write(tmp_path / "unknown.yaml", "division: jinji\nanswers:\n  '27': yes\n")
    result = invoke(runner, root, "inspect", "--answers", str(unknown))
    assert (
        result.exit_code == 2
        and f"{unknown}:3: answers.27: not an item of the 2026 checklist of jinji" in result.stderr
    )
    nodiv = write(tmp_path / "nodiv.yaml", "answers:\n  '8-4': yes\n")
    assert invoke(runner, root, "inspect", "--answers", str(nodiv)).exit_code == 2
    assert invoke(runner, root, "inspect", "--answers", str(tmp_path / "missing.yaml")).exit_code == 2
    conflict = invoke(runner, root, "inspect", "--division", "somu", "--answers", str(unknown))
    assert conflict.exit_code == 2 and "differs" in conflict.stderr
    assert not (root / "inspections").exists()


def test_a_years_inspection_made_after_the_year_is_recorded_and_said_late(runner, root, tmp_path):
    """Art. 41(1) 毎年: 年度 2025's inspection (2025-04-01 .. 2026-03-31) made on 2026-04-01 is recorded
    as made, and said late on stderr and in the commit (it was recorded without a word); one made on
    the year's last day is not late."""
    late = write(tmp_path / "late.yaml", "division: somu\ninspected_on: 2026-04-01\nanswers:\n  '8-4': yes\n")
    result = invoke(runner, root, "inspect", "--year", "2025", "--answers", str(late))
    assert result.exit_code == 0, result.output
    said = "the 2025 inspection was made on 2026-04-01, after its year ended on 2026-03-31"
    assert said in result.stderr and said in git(root, "log", "-1", "--format=%B")
    on_time = write(tmp_path / "on.yaml", "division: jinji\ninspected_on: 2026-03-31\nanswers:\n  '8-4': yes\n")
    result = invoke(runner, root, "inspect", "--year", "2025", "--answers", str(on_time))
    assert result.exit_code == 0, result.output
    assert "after its year ended" not in result.stderr + git(root, "log", "-1", "--format=%B")


def test_dry_run_records_nothing(runner, root, tmp_path):
    answers = write(tmp_path / "a.yaml", "division: somu\nanswers:\n  '8-4': no\n")
    before = head(root)
    result = invoke(runner, root, "inspect", "--answers", str(answers), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["commit"] is None and head(root) == before
    assert not (root / "inspections").exists()


def test_interactive_prompts_record_the_answers(runner, root, monkeypatch):
    monkeypatch.setattr(inspect_cli, "can_prompt", lambda: True)  # CliRunner's input is not a terminal
    # somu has two items: 8-3 and 8-4 (no files, no contractors).
    keys = [
        i["key"]
        for i in json.loads(invoke(runner, root, "inspect", "--division", "somu", "--json").stdout)["checklists"][0][
            "items"
        ]
    ]
    assert keys == ["8-3", "8-4"]
    typed = (
        "\n".join(
            [
                "2026-11-20",  # inspected on: asked first (the pre-fills are as found that day)
                "maybe",  # 8-3: not an answer -> asked again
                "yes",  # 8-3
                "no",  # 8-4
                "研修の案内が届いていない",  # finding text
                "",  # corrective action: default
                "総務課長補佐",  # owner
                "2027-02-30",  # due: not a date -> asked again
                "2027-02-28",
                "y",  # record?
            ]
        )
        + "\n"
    )
    result = invoke(runner, root, "inspect", "--division", "somu", "--interactive", input=typed)
    assert result.exit_code == 0, result.output
    assert "[1/2] 8-3  第8条第3項  管理者等の研修受講" in result.stdout
    assert "2027-02-30 is not a day of the calendar (2027-02 has 28 days)" in result.stderr
    assert "recorded inspections/2026/somu" in result.stdout
    data = Register.load(root).records["inspections/2026/somu"].data
    assert [(a["item"], a["answer"], a["source"]) for a in data["answers"]] == [
        ("8-3", "yes", "officer"),
        ("8-4", "no", "officer"),
    ]
    [f] = data["findings"]
    assert f["text"] == "課員の研修参加: 研修の案内が届いていない"
    assert (f["action"], f["owner"], f["due"]) == (
        "課員の研修参加について必要な措置を講ずる",
        "総務課長補佐",
        "2027-02-28",
    )
    assert data["inspected_on"] == "2026-11-20"


def test_interactive_skip_and_decline(runner, root, monkeypatch):
    monkeypatch.setattr(inspect_cli, "can_prompt", lambda: True)
    before = head(root)
    result = invoke(runner, root, "inspect", "--division", "somu", "-i", input="2026-11-26\nskip\nskip\nn\n")
    assert result.exit_code == 0 and "nothing recorded" in result.stdout and head(root) == before
    assert invoke(runner, root, "inspect", "-i").exit_code == 2  # one division at a time
    assert invoke(runner, root, "inspect", "-i", "--division", "somu", "--json").exit_code == 2


# -- the report --------------------------------------------------------------------------------


def test_report_formats_and_out(runner, root, tmp_path):
    docx = tmp_path / "out" / "report.docx"
    result = invoke(runner, root, "inspect", "--year", "2026", "--report", "--format", "docx", "--out", str(docx))
    assert result.exit_code == 0, result.output
    assert docx.read_bytes()[:2] == b"PK" and result.stdout == ""
    xlsx = invoke(runner, root, "inspect", "--report", "--format", "xlsx")
    assert xlsx.exit_code == 2 and "--out" in xlsx.stderr
    doc = json.loads(invoke(runner, root, "inspect", "--report", "--json").stdout)
    assert doc["totals"]["divisions"] == 3 and doc["totals"]["inspected"] == 0
    assert {e["division"] for e in doc["escalations"]} == {"jinji", "somu", "kansa"}
    assert invoke(runner, root, "inspect", "--report", "--format", "pdf").exit_code == 2
    assert invoke(runner, root, "inspect", "--format", "docx").exit_code == 2  # --format goes with --report


def test_a_report_of_a_year_not_begun_is_refused(runner, root, tmp_path):
    """`inspect --year 2027 --report` on 2026-11-26 wrote 「令和９年度に実施した…点検の結果を…報告する」,
    dated 令和８年１１月２６日, every division 「点検が未実施」: the 副総括's report to the 総括 of a
    year not begun. Refused (exit 2, nothing written); the year begun, on its first day, is reported."""
    out = tmp_path / "r.docx"
    result = invoke(runner, root, "inspect", "--year", "2027", "--report", "--format", "docx", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "--year 2027: 2027年度 begins 2027-04-01, after today (2026-11-26)" in result.stderr
    assert not out.exists() and result.stdout == ""
    first_day = invoke(runner, root, "inspect", "--year", "2027", "--report", today="2027-04-01")
    assert first_day.exit_code == 0 and "令和９年度" in first_day.stdout
    assert invoke(runner, root, "inspect", "--year", "2026", "--report").exit_code == 0  # the current year
    assert invoke(runner, root, "inspect", "--year", "2027").exit_code == 0  # its checklist is still shown


def test_report_out_at_a_folder_or_under_a_file_is_refused(runner, root, tmp_path):
    """`--out` naming a folder (IsADirectoryError) or a path under a file (FileExistsError) crashed with exit 3."""
    (tmp_path / "afile").write_text("kept\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    for out, text in ((tmp_path / "folder", "is a directory"), (tmp_path / "afile" / "r.md", "a file, not a folder")):
        result = invoke(runner, root, "inspect", "--year", "2026", "--report", "--out", str(out))
        assert result.exit_code == 2, result.output
        assert text in result.stderr and "Traceback" not in result.output
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "kept\n" and not any((tmp_path / "folder").iterdir())


def test_a_report_from_an_inspection_that_fails_its_schema_is_refused_at_its_line(runner, root, tmp_path):
    """`inspect --report` of a year whose inspection had an answer's `note: [複製]` (a text expected)
    wrote the report, exit 0, the list in it as it came; like a notice drafted from a ファイル簿 record
    that fails its schema, it is refused (exit 1) with the record's file:line, nothing written."""
    answers = write(tmp_path / "answers.yaml", JINJI_ANSWERS)
    assert invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers)).exit_code == 0
    at = hand_edit_line(root, "inspections/2026/jinji.yaml", "note: 複製の手順が守られていない", "note: [複製]")
    out = tmp_path / "report.md"
    result = invoke(runner, root, "inspect", "--year", "2026", "--report", "--out", str(out), "--json")
    assert result.exit_code == 1, result.output
    errors = json.loads(result.stdout)["errors"]
    assert [(e["path"], e["line"], e["code"]) for e in errors[:-1]] == [
        ("inspections/2026/jinji.yaml", at + 1, "schema")
    ]
    assert re.fullmatch(r"\$\.answers\[\d+\]\.note", errors[0]["key"]), errors
    assert errors[-1]["message"] == (
        "inspections/2026/jinji.yaml does not match its schema: edit it at the lines shown and `meti-pi commit` it"
        " before writing the year's report"
    )
    assert not out.exists()
    # the report of the next year counts this year's findings: refused as well, on screen too
    shown = invoke(runner, root, "inspect", "--year", "2027", "--report", today="2027-04-01")  # once begun
    assert shown.exit_code == 1 and shown.stdout == "", shown.output
    assert f"inspections/2026/jinji.yaml:{at + 1}: {errors[0]['key']}: error[schema]" in shown.stderr


# -- audits and reviews --------------------------------------------------------------------------


def test_a_review_cannot_answer_an_inspection_finding_before_the_inspection_found_it(runner, root, tmp_path):
    """`audit review --finding inspections/2026/jinji#1 --on 2026-09-01 --close` closed a finding the
    inspection of 2026-10-01 made, a month before it was found: a review was bounded by the start of
    the finding's inspection year (2026-04-01), where an audit's finding is bounded by the audit's
    start. It is now bounded by the inspection's day (inspected_on), exit 2, nothing written."""
    answers = write(tmp_path / "answers.yaml", JINJI_ANSWERS)  # inspected_on 2026-10-01, finding #1
    assert invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers)).exit_code == 0
    before = head(root)
    base = ("audit", "review", "--finding", "inspections/2026/jinji#1", "--evaluation", "是正を確認した", "--close")
    early = invoke(runner, root, *base, "--on", "2026-09-01")
    assert early.exit_code == 2, early.output
    assert early.stderr.strip() == (
        "meti-pi: --on 2026-09-01 is before the inspection that found it (2026-10-01): the review cannot answer"
        " inspections/2026/jinji#1 yet"
    ), early.stderr
    assert head(root) == before
    same_day = invoke(runner, root, *base, "--on", "2026-10-01", "--dry-run")
    assert same_day.exit_code == 0, same_day.output


def test_audit_new_findings_pack_review_list(runner, root, tmp_path):
    new = invoke(
        runner,
        root,
        "audit",
        "new",
        "--title",
        "令和８年度定期監査",
        "--division",
        "jinji",
        "--article",
        "14(2)",
        "--auditor",
        "人事課長補佐@jinji",
        "--auditor",
        "監察官@kansa",
        "--json",
    )
    assert new.exit_code == 0, new.output
    doc = json.loads(new.stdout)
    aid = doc["id"]
    assert doc["independence"] == ["人事課長補佐（jinji）は被監査部門に所属しており、第42条第2項の独立性を欠く"]
    assert [a["role"] for a in doc["audit"]["auditors"]] == ["officer", "staff", "staff"]
    human = invoke(
        runner,
        root,
        "audit",
        "new",
        "--title",
        "随時監査",
        "--kind",
        "ad-hoc",
        "--auditor",
        "監察官@kansa",
        "--division",
        "jinji",
    )
    assert human.exit_code == 0 and "warning" not in human.stderr

    findings = write(
        tmp_path / "findings.yaml",
        """
        - division: jinji
          article: 14(2)
          text: 委託契約書に複製等の制限の条項がない
          action: 契約を変更する
          due: 2027-03-31
    """,
    )
    added = invoke(runner, root, "audit", "findings", aid, str(findings), "--reported-on", "2026-11-26", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["findings"] == [f"audits/{aid}#1"]

    pack_path = tmp_path / "evidence.zip"
    packed = invoke(runner, root, "audit", "pack", "--out", str(pack_path), "--audit", aid, "--json")
    assert packed.exit_code == 0, packed.output
    pack = json.loads(packed.stdout)
    assert pack["commit"] != head(root) == pack["recorded_commit"]  # the pack's commit is noted in a new one
    with zipfile.ZipFile(pack_path) as zf:
        assert any(n.endswith(f"register/audits/{aid}.yaml") for n in zf.namelist())
    assert Register.load(root).records[f"audits/{aid}"].data["evidence"][0]["commit"] == pack["commit"]
    assert invoke(runner, root, "audit", "pack", "--out", str(pack_path)).exit_code == 2  # never overwritten
    # a file in the way of --out's folder (the zip's, or the folder pack's) crashed: FileExistsError, exit 3
    recorded = head(root)
    for args in (["--out", str(pack_path / "x.zip")], ["--format", "dir", "--out", str(pack_path / "d")]):
        result = invoke(runner, root, "audit", "pack", "--audit", aid, *args)
        assert result.exit_code == 2, result.output
        assert f"{pack_path} is a file, not a folder" in result.stderr and "Traceback" not in result.output
    assert head(root) == recorded  # nothing noted in the audit

    review = invoke(
        runner,
        root,
        "audit",
        "review",
        "--finding",
        f"audits/{aid}#1",
        "--evaluation",
        "契約変更を確認した",
        "--measure",
        "契約書ひな形の改訂|大臣官房会計課長|2027-03-31",
        "--audit",
        aid,
        "--close",
        "--json",
    )
    assert review.exit_code == 0, review.output
    rid = json.loads(review.stdout)["id"]
    f = Register.load(root).records[f"audits/{aid}"].data["findings"][0]
    assert (f["status"], f["closed_by"]) == ("closed", f"reviews/{rid}")
    bad = invoke(runner, root, "audit", "review", "--finding", "audits/AUD-2026-NOPE00#1", "--evaluation", "x")
    assert bad.exit_code == 2

    listing = json.loads(invoke(runner, root, "audit", "list", "--json").stdout)
    mine = next(a for a in listing["audits"] if a["id"] == aid)
    assert mine["independence"] and mine["open"] == 0 and mine["evidence"] == [pack["commit"]]
    assert listing["reviews"][0]["id"] == rid and listing["reviews"][0]["open_measures"] == 1
    screen = invoke(runner, root, "audit", "list")
    assert screen.exit_code == 0 and aid in screen.stdout and "要確認" in screen.stdout
    assert invoke(runner, root, "validate").exit_code == 0
    assert "Meti-Pi-Command: audit review" in git(root.parent, "log", "-1", "--format=%(trailers)")


def test_an_evidence_pack_of_a_commit_is_the_same_whatever_the_day_it_is_made(runner, root, tmp_path):
    """The pack's sha256, noted in the audit record as reproducible for the same commit, changed with the
    day it was made: its README.txt said 作成日 and its manifest `generated_on`, the day's date. A
    監査責任者 making the pack of that commit again a month later, to check the hash noted, found another.
    The day it was made is the audit record's (evidence[].generated_on), not the pack's."""
    commit = head(root)
    digests = []
    for today, name in (("2026-11-26", "a.zip"), ("2026-12-28", "b.zip")):
        packed = invoke(
            runner, root, "audit", "pack", "--commit", commit, "--out", str(tmp_path / name), "--json", today=today
        )
        assert packed.exit_code == 0, packed.output
        digests.append(json.loads(packed.stdout)["sha256"])
    assert digests[0] == digests[1]
    assert hashlib.sha256((tmp_path / "b.zip").read_bytes()).hexdigest() == digests[0]


def test_an_evidence_pack_of_a_repository_with_no_commit_says_to_commit_first(runner, tmp_path):
    """`audit pack` in a repository with no commit yet (the register copied in, not committed) said
    "--commit 'HEAD': no such commit", exit 2, of an option never given. It now says there is no commit
    yet and to commit the register first (exit 3, cannot run, as a change refused there is); nothing
    is written. A --commit given that names none, once there are commits, is still a usage error."""
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    git(repo, "init", "-q")
    result = invoke(runner, repo, "audit", "pack", "--out", str(tmp_path / "p.zip"))
    assert result.exit_code == 3, result.output
    assert "--commit" not in result.stderr and "Traceback" not in result.output
    assert " ".join(result.stderr.split()) == (
        "meti-pi: the repository has no commit yet: an evidence pack is of a commit (the register and its trail"
        " at it), and the register is in none. Commit the register first (`git add -A` and `git commit` in it,"
        " or `meti-pi commit` of its files), then take the pack"
    )
    assert not (tmp_path / "p.zip").exists()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the register")
    given = invoke(runner, repo, "audit", "pack", "--commit", "v1", "--out", str(tmp_path / "p.zip"))
    assert given.exit_code == 2 and "--commit 'v1': no such commit" in given.stderr, given.output


def test_an_evidence_pack_s_trail_txt_shows_a_subject_s_control_codes_escaped(runner, root, tmp_path):
    """The pack's trail.txt, the trail for a person to read, held a hand commit's subject as git holds
    it: 「定例更新 [commit] meti-pi 0.1.0」 then ESC[8m (conceal), so a `cat` of it on a terminal showed a
    meti-pi commit and concealed its 「[hand edit]」 and every later line. Its control characters are
    now escaped there; trail.json keeps the subject as git holds it."""
    path = root / "divisions" / "jinji.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# 更新\n", encoding="utf-8")
    subject = "定例更新 [commit] meti-pi 0.1.0\x1b[8m"
    git(root.parent, "commit", "-q", "-a", "--cleanup=verbatim", "-m", subject, "--no-verify")
    out = tmp_path / "pack"
    assert invoke(runner, root, "audit", "pack", "--format", "dir", "--out", str(out)).exit_code == 0
    text = (out / "trail.txt").read_text(encoding="utf-8")
    assert "\x1b" not in text
    assert "定例更新 [commit] meti-pi 0.1.0\\u001b[8m [hand edit]" in text, text
    assert json.loads((out / "trail.json").read_text(encoding="utf-8"))[0]["subject"] == subject


@pytest.mark.parametrize("subdir", ["register", ""])
def test_an_evidence_pack_s_readme_names_the_register_and_how_to_take_it_again(runner, tmp_path, subdir):
    """The pack's README.txt called the register 「台帳」, the rule's word for the Art. 38 ledger (one kind
    the register holds, ledger/), and said `git archive <commit>` gives the same content: for a register
    in a folder of its repository that gives the whole repository, the register under its folder. It
    now says 登録簿, and a command that gives the files of register/ (run in the repository)."""
    root = make_register(tmp_path, {"divisions/jinji.yaml": division("jinji", "大臣官房人事課")}, subdir=subdir)
    repo = tmp_path / "repo"
    (repo / "README.md").write_text("not the register\n", encoding="utf-8")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "beside the register")
    packed = invoke(runner, root, "audit", "pack", "--format", "dir", "--out", str(tmp_path / "pack"), "--json")
    assert packed.exit_code == 0, packed.output
    sha = json.loads(packed.stdout)["commit"]
    readme = (tmp_path / "pack" / "README.txt").read_text(encoding="utf-8")
    assert "台帳" not in readme and f"- 登録簿のコミット: {sha}" in readme, readme
    [command] = re.findall(r"`(git archive [^`]+)`", readme)
    archive = subprocess.run(command.split(), cwd=repo, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        taken = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    packed_files = {
        str(p.relative_to(tmp_path / "pack" / "register")): p.read_bytes()
        for p in (tmp_path / "pack" / "register").rglob("*")
        if p.is_file()
    }
    assert taken == packed_files and "divisions/jinji.yaml" in taken


@pytest.mark.parametrize("cache", ["on", "off"])
def test_audit_pack_warns_of_records_that_fail_their_schema_and_is_made(runner, root, tmp_path, monkeypatch, cache):
    """`audit pack` took a register whose record fails its schema without a word. The pack is still made
    (evidence of the register as it is, exit 0), and stderr and --json name each failing record's
    path:line at the commit packed (an earlier commit's pack has none); the same with the read cache
    (each record's problems as it keeps them) and without it."""
    if cache == "off":
        monkeypatch.setenv("METI_PI_NO_CACHE", "1")
    before = head(root)
    record = root / "divisions" / "somu.yaml"
    record.write_text(record.read_text(encoding="utf-8") + "bureau: R10\n", encoding="utf-8")
    line = len(record.read_text(encoding="utf-8").splitlines())
    git(root.parent, "commit", "-q", "-am", "a hand edit that fails the schema")
    packed = invoke(runner, root, "audit", "pack", "--out", str(tmp_path / "p.zip"), "--json")
    assert packed.exit_code == 0 and (tmp_path / "p.zip").is_file(), packed.output
    assert f"divisions/somu.yaml:{line}: $.bureau: error[schema] the value does not match" in packed.stderr
    assert "warning: the pack holds 1 record(s) that fail their schema (スキーマ不適合) or cannot be read at" in (
        packed.stderr
    ), packed.stderr
    assert "e.g. `bureau: R1`" in packed.stderr and "--set" not in packed.stderr  # a record to edit, not `new`
    failures = json.loads(packed.stdout)["schema_failures"]
    assert [(f["path"], f["line"], f["code"]) for f in failures] == [("divisions/somu.yaml", line, "schema")]
    earlier = invoke(runner, root, "audit", "pack", "--commit", before, "--out", str(tmp_path / "e.zip"), "--json")
    assert earlier.exit_code == 0 and earlier.stderr == "", earlier.output
    assert json.loads(earlier.stdout)["schema_failures"] == []


def test_audit_usage_errors(runner, root, tmp_path):
    assert invoke(runner, root, "audit", "new", "--auditor", "x").exit_code == 2  # no title
    assert invoke(runner, root, "audit", "new", "--title", "t", "--division", "nope").exit_code == 2
    assert invoke(runner, root, "audit", "new", "--title", "t", "--kind", "weekly").exit_code == 2
    assert invoke(runner, root, "audit", "new", "--title", "t", "--auditor", "@jinji").exit_code == 2
    assert invoke(runner, root, "audit", "findings", "AUD-2026-NOPE00", str(tmp_path / "f.yaml")).exit_code == 2


def test_audit_findings_unknown_key_names_the_keys_allowed(runner, root, tmp_path):
    """`finding:` for `text:` said only `unknown key(s) finding`: not what to write instead (the
    answers file's message lists them; the README does not document the findings file's keys)."""
    result = invoke(runner, root, "audit", "new", "--title", "定期監査", "--json")
    aid = json.loads(result.stdout)["id"]
    findings = write(tmp_path / "f.yaml", "findings:\n  - division: jinji\n    article: 14\n    finding: 未実施\n")
    result = invoke(runner, root, "audit", "findings", aid, str(findings))
    assert result.exit_code == 2
    assert "f.yaml:2: findings[0]: unknown key(s) finding; allowed: division, article, text, action" in result.stderr


def test_audit_findings_unknown_division_is_named_at_its_line(runner, root, tmp_path):
    """A finding's `division: nope` on its third line was said at the finding's first line
    (`f.yaml:1: [0]: no division 'nope' in the register`), with nothing to do."""
    aid = json.loads(invoke(runner, root, "audit", "new", "--title", "定期監査", "--json").stdout)["id"]
    findings = write(tmp_path / "f.yaml", "- article: '14'\n  text: 未実施\n  division: nope\n")
    result = invoke(runner, root, "audit", "findings", aid, str(findings))
    assert result.exit_code == 2, result.output
    assert f"{findings}:3: [0].division: no division 'nope' in the register; give the id of one" in result.stderr
    # audit new --from: a scope's or an auditor's division alike (they said only "no division 'nope'")
    for text, where in (
        ("title: 監査\nscope:\n  divisions: [nope]\n", "3: scope.divisions[0]"),
        ("title: 監査\nauditors:\n  - {post: x, role: staff, division: nope}\n", "3: auditors[0].division"),
    ):
        given = write(tmp_path / "audit.yaml", text)
        result = invoke(runner, root, "audit", "new", "--from", str(given))
        assert f"{given}:{where}: no division 'nope' in the register; give the id of one" in result.stderr


@pytest.mark.parametrize(
    ("text", "where"),
    [
        # 99 as YAML reads it (an integer) raised a TypeError; '第99条' was shown at --article
        ("scope:\n  divisions: [jinji]\n  articles:\n    - 14(2)\n    - 99\n", "5: scope.articles[1]"),
        ("scope:\n  articles: ['14', '第99条']\n", "2: scope.articles[1]"),
        ("scope:\n  articles: 14\n", "2: scope.articles"),
        # a division of the file was shown as --division, a text read letter by letter ('j')
        ("scope:\n  divisions: [jinji, nowhere]\n", "2: scope.divisions[1]"),
        ("scope:\n  divisions: jinji\n", "2: scope.divisions"),
        ("scope: [14]\n", "1: scope"),  # an AttributeError
    ],
)
def test_audit_new_from_file_faults_are_shown_at_the_file_line(runner, root, tmp_path, text, where):
    """`audit new --from FILE`: a bad article or division of the file's scope is shown at FILE:line,
    not at the option (--article, --division) that was never given, nor as a traceback."""
    given = write(tmp_path / "audit.yaml", "title: 定期監査\n" + text)
    before = head(root)
    result = invoke(runner, root, "audit", "new", "--from", str(given), "--auditor", "監察官@kansa")
    assert result.exit_code == 2, (result.output, result.exception)
    line, _, keys = where.partition(": ")
    assert f"{given}:{int(line) + 1}: {keys}: " in result.stderr, result.stderr
    assert "--article" not in result.stderr and "--division" not in result.stderr
    assert head(root) == before


def test_audit_new_article_faults_stay_at_the_option_and_file_articles_are_text(runner, root, tmp_path):
    """An article given as --article is shown at --article; one of the file written as a YAML number
    (14) is the article 14, recorded as text as the schema wants."""
    bad = invoke(runner, root, "audit", "new", "--title", "t", "--article", "99", "--auditor", "監察官@kansa")
    assert bad.exit_code == 2 and "--article 99: not an article of the rule" in bad.stderr
    given = write(tmp_path / "audit.yaml", "title: 定期監査\nscope:\n  articles: [14, 14(4)]\n")
    made = invoke(runner, root, "audit", "new", "--from", str(given), "--auditor", "監察官@kansa", "--json")
    assert made.exit_code == 0, (made.output, made.exception)
    assert json.loads(made.stdout)["audit"]["scope"]["articles"] == ["14", "14(4)"]
    # the option wins over the file, as for every field
    over = invoke(
        runner, root, "audit", "new", "--from", str(given), "--article", "15", "--auditor", "監察官@kansa", "--json"
    )
    assert over.exit_code == 0 and json.loads(over.stdout)["audit"]["scope"]["articles"] == ["15"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        # scope.year was shown at the new audit's file, which is never written
        ("title: 監査\nscope:\n  year: x\n", "3: $.scope.year"),
        ("title: [a]\n", "1: title: expected text"),  # taken as the text "['a']"
        ("title: 監査\nauditors: x\n", "2: auditors: expected a list"),  # passed over without a word
        # the second auditor of the file (the record puts the officer first: its index is the file's)
        (
            "title: 監査\nauditors:\n  - {post: 監査官, role: staff}\n  - {post: 監査官, role: boss}\n",
            "4: auditors[1].role",
        ),
        # a review of the day's change found these: a TypeError, options never given, no line
        ("title: 監査\nstarted_on: 20260105\n", "2: started_on: expected a date"),
        ("title: 監査\nstarted_on: 2026-02-30\n", "2: started_on: 2026-02-30 is not a day"),
        ("title: 監査\nkind: weird\n", "2: kind: 'weird' is regular or ad-hoc"),
        ("title: 監査\nauditer: x\n", "2: auditer: not a field"),
        (
            "title: 監査\nauditors:\n  - {post: x, role: staff, division: nope}\n",
            "3: auditors[0].division: no division",
        ),
    ],
)
def test_audit_new_from_file_fields_are_shown_at_the_file_line(runner, root, tmp_path, text, where):
    given = write(tmp_path / "audit.yaml", text)
    before = head(root)
    result = invoke(runner, root, "audit", "new", "--from", str(given))
    assert result.exit_code in (1, 2), (result.output, result.exception)
    assert f"{given}:{where}" in result.output, result.output
    assert "audits/AUD-" not in result.output and "--set" not in result.output
    assert head(root) == before


def test_audit_new_a_field_given_by_option_is_shown_at_the_option(runner, root, tmp_path):
    given = write(tmp_path / "audit.yaml", "title: 監査\nscope:\n  year: x\n")
    assert invoke(runner, root, "audit", "new", "--from", str(given), "--year", "2025", "--dry-run").exit_code == 0
    result = invoke(runner, root, "audit", "new", "--title", "監査", "--year", "-5", "--dry-run")
    assert result.exit_code == 1 and "--year: $.scope.year" in result.output, result.output


# -- status ---------------------------------------------------------------------------------------


def test_status_screen_json_and_check(runner, root, tmp_path):
    screen = invoke(runner, root, "status")
    assert screen.exit_code == 0, screen.output
    assert "期限経過" in screen.stdout and "点検" in screen.stdout
    doc = json.loads(invoke(runner, root, "status", "--json").stdout)
    assert doc["today"] == "2026-11-26" and doc["overdue"] == 0
    assert {i["category"] for i in doc["items"]} == {"inspection"}
    assert invoke(runner, root, "status", "--check").exit_code == 0
    # An overdue corrective action makes --check fail.
    answers = write(tmp_path / "a.yaml", "division: somu\nanswers:\n  '8-4': {answer: no, due: 2026-11-01}\n")
    assert invoke(runner, root, "inspect", "--answers", str(answers)).exit_code == 0
    doc = json.loads(invoke(runner, root, "status", "--json").stdout)
    overdue = [i for i in doc["items"] if i["overdue"]]
    assert [(i["category"], i["ref"], i["days_left"]) for i in overdue] == [
        ("corrective_action", "inspections/2026/somu#1", -25)
    ]
    assert invoke(runner, root, "status", "--check").exit_code == 1


@pytest.mark.parametrize(
    ("day", "why"), [("2020-01-01", "before the 2026 inspection year"), ("2030-01-01", "after today")]
)
def test_an_inspection_day_outside_its_year_or_to_come_is_refused(runner, root, tmp_path, day, why):
    """A review recorded inspections/2026/… inspected on 2020-01-01 (findings due 2020-03-31, overdue
    when made) and on 2030-01-01, exit 0."""
    answers = write(tmp_path / "answers.yaml", f'division: jinji\ninspected_on: {day}\nanswers:\n  "8-3": yes\n')
    before = head(root)
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers))
    assert result.exit_code == 2 and f"{answers}:2: inspected_on: {day} is {why}" in result.stderr
    assert head(root) == before


@pytest.mark.parametrize(
    ("day", "why"), [("2026-09-30", "before the inspection (2026-10-01)"), ("2026-12-01", "after today")]
)
def test_a_report_to_the_vice_before_the_inspection_or_to_come_is_refused(runner, root, tmp_path, day, why):
    """Art. 41(1): the result is reported to the 副総括 after the inspection; a reported_on before
    it (or not yet come) was recorded as it stood, exit 0."""
    answers = write(
        tmp_path / "answers.yaml",
        f'division: jinji\ninspected_on: 2026-10-01\nreported_on: {day}\nanswers:\n  "8-3": yes\n',
    )
    before = head(root)
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers))
    assert result.exit_code == 2 and f"{answers}:3: reported_on: {day} is {why}" in result.stderr
    assert head(root) == before


def test_interactive_without_a_terminal_is_refused_at_once(runner, root):
    """A script (stdin not a terminal) got the first prompt, then 'Aborted!', exit 1."""
    result = invoke(runner, root, "inspect", "--division", "somu", "--interactive", input="")
    assert result.exit_code == 2 and "--interactive prompts need a terminal" in result.stderr


def test_an_answers_file_entry_at_fault_is_named_with_its_line(runner, root, tmp_path):
    """The contract: every problem names path:line: (it said `a.yaml: answers.8-4: ...`)."""
    answers = write(
        tmp_path / "a.yaml", 'division: jinji\ninspected_on: 2026-10-01\nanswers:\n  "8-3": yes\n  "8-4": maybe\n'
    )
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers))
    assert result.exit_code == 2 and f"{answers}:5: answers.8-4: " in result.stderr


def test_an_unknown_key_of_an_answers_file_is_named_with_its_line(runner, root, tmp_path):
    """It said `a.yaml: unknown key(s) inspected` with no line."""
    answers = write(tmp_path / "a.yaml", 'division: jinji\ninspected: 2026-10-01\nanswers:\n  "8-3": yes\n')
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers))
    assert result.exit_code == 2 and f"{answers}:2: inspected: unknown key(s) inspected; allowed: " in result.stderr


def test_an_answer_for_an_item_not_in_the_checklist_is_named_at_its_line(runner, root, tmp_path):
    """It said `answers for item(s) not in the 2026 checklist of jinji: 99-9` with no file or line."""
    answers = write(
        tmp_path / "a.yaml", 'division: jinji\ninspected_on: 2026-10-01\nanswers:\n  "8-3": yes\n  "99-9": yes\n'
    )
    before = head(root)
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers))
    assert result.exit_code == 2 and f"{answers}:5: answers.99-9: not an item of the 2026 checklist" in result.stderr
    assert "meti-pi inspect --year 2026 --division jinji" in result.stderr and head(root) == before


def test_personal_data_in_an_answers_file_is_refused_at_its_line_there(runner, root, tmp_path):
    """It was refused as `inspections/2026/jinji.yaml: $.answers[1].note: ...`: a record not
    written, at an index of it, never the answers file and line the officer has to correct."""
    answers = write(
        tmp_path / "a.yaml",
        'division: jinji\ninspected_on: 2026-10-01\nanswers:\n  "8-3": yes\n  "8-4": {answer: no, note: 担当 090-1234-5678 が未受講}\n',
    )
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers))
    assert (
        result.exit_code == 2 and f"{answers}:5: answers.8-4.note: looks like it holds personal data" in result.stderr
    )
    assert "1234" not in result.output and not (root / "inspections").exists()


def test_personal_data_in_an_audit_findings_file_is_refused_at_its_line_there(runner, root, tmp_path):
    """Refused as `audits/AUD-….yaml: $.findings[0].text` (an index of the record, not of the file)."""
    aid = json.loads(invoke(runner, root, "audit", "new", "--title", "定期監査", "--json").stdout)["id"]
    findings = write(
        tmp_path / "f.yaml", "findings:\n  - division: jinji\n    article: 8\n    text: 担当 090-1234-5678 が未受講\n"
    )
    before = head(root)
    result = invoke(runner, root, "audit", "findings", aid, str(findings))
    assert (
        result.exit_code == 2 and f"{findings}:4: findings[0].text: looks like it holds personal data" in result.stderr
    )
    assert "1234" not in result.output and head(root) == before


def test_a_register_without_divisions_says_why_no_checklist_is_shown(tmp_path: Path, runner) -> None:
    """The shipped (new) register holds no 課等: `inspect --year` printed nothing at all; it says why
    and how to add them (exit 0: nothing is wrong with the register)."""
    root = make_register(tmp_path)
    assert not Register.load(root).of_kind("divisions")
    result = invoke(runner, root, "inspect", "--year", "2026")
    assert result.exit_code == 0, result.stderr
    assert "no 課等 (divisions)" in result.stderr and "meti-pi new divisions" in result.stderr
