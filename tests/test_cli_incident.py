"""`meti-pi incident` end to end in real git repositories: lifecycle, trailers, overdue, screening."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import git, hand_edit_line, invoke, make_register
from typer.testing import CliRunner

from meti_pi import __version__
from meti_pi.classify.checkdigits import my_number_check_digit

DIVISION = """
    schema_version: 1
    id: joho-gijutsu
    name: 商務情報政策局情報技術利用促進課
    org: 経済産業省
    manager_post: 商務情報政策局情報技術利用促進課長
    address: 東京都千代田区霞が関一丁目3番1号
"""
FILE = """
    schema_version: 1
    id: F-2026-5TV229
    name: デジタルスキル講座受講申込者ファイル
    org: 経済産業省
    division: joho-gijutsu
    purpose: 講座の受講者の選考及び受講案内に利用する。
    record_items: [氏名, 電子メールアドレス, 受講希望コース]
    record_scope: 講座の受講を申し込んだ者
    collection_method: 本人による電子申請
    file_kind: computer
    characteristics:
      sensitive: false
      my_number: false
      financial: false
    principals:
      count: 2340
      as_of: '2026-03-20'
    holding:
      start: '2026-01-05'
"""
MY_NUMBER = "12345678901" + str(my_number_check_digit("12345678901"))
# `incident open` of a loss (紛失) known on 2026-04-03, the day most tests run on
LOST = ("incident", "open", "--known-on", "2026-04-03", "--summary", "紛失")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_register(tmp_path, {"divisions/joho-gijutsu.yaml": DIVISION, "files/F-2026-5TV229.yaml": FILE})


def run(runner: CliRunner, root: Path, today: str, *args: str) -> Any:
    result = invoke(runner, root, *args, today=today)
    return result


def ok_json(runner: CliRunner, root: Path, today: str, *args: str) -> dict[str, Any]:
    result = run(runner, root, today, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def overdue(runner: CliRunner, root: Path, today: str) -> dict[str, list[str]]:
    doc = ok_json(runner, root, today, "incident", "list", "--overdue")
    return {row["id"]: [o["step"] for o in row["overdue"]] for row in doc["incidents"]}


def trailers(root: Path) -> list[str]:
    """'<article> | <command>' per commit, oldest first, read the way an auditor would."""
    fmt = "%x1e%(trailers:key=Meti-Pi-Article,valueonly,separator=)%x1f%(trailers:key=Meti-Pi-Command,valueonly,separator=)"
    out = git(root, "log", "--reverse", f"--format={fmt}")
    return [" | ".join(x.strip() for x in chunk.split("\x1f")) for chunk in out.split("\x1e")[1:]]


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def test_whole_lifecycle(runner: CliRunner, root: Path) -> None:
    # Open on the day it became known (Fri 2026-04-03): 150 本人 -> 規則43(4).
    opened = ok_json(
        runner,
        root,
        "2026-04-03",
        "incident",
        "open",
        "--known-on",
        "2026-04-03",
        "--division",
        "joho-gijutsu",
        "--file",
        "F-2026-5TV229",
        "--principals",
        "150",
        "--no-sensitive",
        "--no-financial",
        "--no-malicious",
        "--no-my-number",
        "--summary",
        "講座受講者への案内メールを宛先欄に全員を入れて送信した。",
    )
    iid = opened["id"]
    a = opened["assessment"]
    assert a["ppc_report"] is True and a["grounds"] == ["rule43-4"] and a["principal_notice"] is True
    assert a["deadlines"] == {
        "preliminary_report": "2026-04-07",
        "final_report": "2026-05-07",
    }  # day 30 = 5/2 Sat, GW to 5/6
    assert overdue(runner, root, "2026-04-03") == {}

    for ev in ("report-to-manager", "report-to-vice", "containment"):
        ok_json(runner, root, "2026-04-03", "incident", "update", iid, "--event", ev, "--on", "2026-04-03")
    assert overdue(runner, root, "2026-04-06") == {}  # investigation due 4/6 (containment 4/3 + 3 days)
    assert overdue(runner, root, "2026-04-07") == {iid: ["investigation-report"]}

    ok_json(
        runner, root, "2026-04-07", "incident", "update", iid, "--event", "investigation-report", "--on", "2026-04-06"
    )
    assert overdue(runner, root, "2026-04-07") == {}  # 速報 due 4/7: not late on the day
    assert overdue(runner, root, "2026-04-08") == {iid: ["preliminary-report"]}

    md = run(runner, root, "2026-04-07", "incident", "report", iid, "--kind", "preliminary")
    assert md.exit_code == 0 and "報告（速報）" in md.stdout and "令和８年４月７日" in md.stdout
    ok_json(
        runner,
        root,
        "2026-04-08",
        "incident",
        "update",
        iid,
        "--event",
        "preliminary-report",
        "--on",
        "2026-04-07",
        "--method",
        "PPCウェブフォーム",
    )
    assert overdue(runner, root, "2026-04-08") == {}
    assert overdue(runner, root, "2026-04-10") == {iid: ["principal-notice"]}  # due 4/9 (investigation 4/6 + 3)

    ok_json(
        runner,
        root,
        "2026-04-10",
        "incident",
        "update",
        iid,
        "--event",
        "principal-notice",
        "--on",
        "2026-04-09",
        "--method",
        "電子メール",
    )
    assert overdue(runner, root, "2026-05-07") == {}
    assert overdue(runner, root, "2026-05-08") == {iid: ["final-report"]}

    ok_json(runner, root, "2026-05-08", "incident", "update", iid, "--event", "final-report", "--on", "2026-05-07")
    assert overdue(runner, root, "2026-05-08") == {}

    refused = run(runner, root, "2026-05-08", "incident", "close", iid)
    assert refused.exit_code == 1
    assert "incident-cause" in refused.stderr and "incident-measures" in refused.stderr
    before = head(root)
    assert head(root) == before

    ok_json(
        runner,
        root,
        "2026-05-08",
        "incident",
        "update",
        iid,
        "--cause",
        "一斉送信の際に宛先欄に入力したため。",
        "--measure-done",
        "送信前の複数人確認",
        "--measure-planned",
        "一斉送信システムの導入",
    )
    closed = ok_json(runner, root, "2026-05-08", "incident", "close", iid)
    assert closed["state"] == "closed"
    assert ok_json(runner, root, "2030-01-01", "incident", "list", "--open")["incidents"] == []

    assert trailers(root) == [
        " | ",  # the test register's own first commit
        "39 | incident open",
        "39(1) | incident update",
        "39(2) | incident update",
        "39(2) | incident update",
        "39(3) | incident update",
        "39(5) | incident update",
        "39(4) | incident update",
        "39(5) | incident update",
        "40(1) | incident update",
        "40 | incident close",
    ]
    trailer_lines = git(root, "log", "-1", "--format=%(trailers)").strip().splitlines()
    assert trailer_lines[:-1] == [
        "Meti-Pi-Command: incident close",
        f"Meti-Pi-Record: incidents/{iid}",
        "Meti-Pi-Article: 40",
        f"Meti-Pi-Version: {__version__}",  # the meti-pi that made the commit
    ]
    assert trailer_lines[-1].startswith("Meti-Pi-Change: ")  # the change id crash recovery looks for (issue 13)
    records = git(root, "log", "--format=%(trailers:key=Meti-Pi-Record,valueonly)", "-n", "10").split()
    assert set(records) == {f"incidents/{iid}"}
    subject = git(root, "log", "-1", "--format=%s")
    assert subject.startswith(f"incidents/{iid}: incident closed")

    # Every write was exactly one file; the record validates against its schema.
    from meti_pi.store import schema
    from meti_pi.store.register import Register

    reg = Register.load(root)
    data = reg.data_of("incidents", iid)
    assert schema.errors("incidents.schema.json", data) == []
    assert [e["event"] for e in data["events"]] == [
        "opened",
        "report-to-manager",
        "report-to-vice",
        "containment",
        "investigation-report",
        "preliminary-report",
        "principal-notice",
        "final-report",
        "facts-changed",
        "closed",
    ]


def test_open_json_contract_and_dry_run(runner: CliRunner, root: Path) -> None:
    before = head(root)
    doc = ok_json(
        runner,
        root,
        "2025-12-02",
        "incident",
        "open",
        "--known-on",
        "2025-12-01",
        "--summary",
        "紛失",
        "--principals",
        "101",
        "--dry-run",
    )
    assert doc["dry_run"] is True and doc["commit"] is None
    a = doc["assessment"]
    assert {"ppc_report", "grounds", "principal_notice", "deadlines"} <= set(a)
    assert a["deadlines"]["final_report"] == "2026-01-05"
    assert head(root) == before and not (root / "incidents").exists()


def test_boundary_100_through_the_cli(runner: CliRunner, root: Path) -> None:
    doc = ok_json(
        runner,
        root,
        "2025-12-02",
        "incident",
        "open",
        "--known-on",
        "2025-12-01",
        "--summary",
        "紛失",
        "--principals",
        "100",
        "--no-sensitive",
        "--no-financial",
        "--no-malicious",
        "--no-my-number",
        "--dry-run",
    )
    assert doc["assessment"]["ppc_report"] is False
    assert doc["assessment"]["deadlines"] == {"preliminary_report": None, "final_report": None}


def test_unknown_count_takes_the_files_maximum(runner: CliRunner, root: Path) -> None:
    doc = ok_json(runner, root, "2026-04-03", *LOST, "--file", "F-2026-5TV229", "--dry-run")
    assert doc["assessment"]["principals"] == 2340 and doc["assessment"]["principals_basis"] == "files"
    assert doc["facts"]["principals"] is None


def test_open_from_a_facts_file(runner: CliRunner, root: Path, tmp_path: Path) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text(
        "known_on: 2026-04-03\nsummary: 不正アクセスによる流出のおそれ\ncyber: true\nprincipals: 3\nmy_number: true\n"
        "sensitive: false\nfinancial: false\nmy_number_system: false\n",
        encoding="utf-8",
    )
    doc = ok_json(runner, root, "2026-04-03", "incident", "open", "--from", str(facts))
    assert doc["assessment"]["grounds"] == ["rule43-3", "mynumber-rule2-2"]
    assert doc["assessment"]["final_report_days"] == 60
    containment = next(s for s in doc["chain"] if s["step"] == "containment")
    assert containment["speed"] == "immediately" and containment["due"] == "2026-04-03"
    bad = tmp_path / "bad.yaml"
    bad.write_text("known_on: [\n", encoding="utf-8")
    result = run(runner, root, "2026-04-03", "incident", "open", "--from", str(bad))
    assert result.exit_code == 2 and "bad.yaml:" in result.stderr


def test_a_facts_file_holding_nothing_is_named_with_what_to_write(
    runner: CliRunner, root: Path, tmp_path: Path
) -> None:
    """`incident open --from facts.yaml` with an empty file (or comments alone) said only "known_on:
    required (...; --known-on DATE)", not naming the file; so did one lacking `summary:`. The file is
    named, with what to write in it; `update --from` an empty file is refused likewise (it recorded
    an update of nothing)."""
    before = head(root)
    for name, text in (("empty.yaml", ""), ("comment.yaml", "# 事故の事実\n\n")):
        facts = tmp_path / name
        facts.write_text(text, encoding="utf-8")
        for args in (("open",), ("open", "--known-on", "2026-04-03", "--summary", "紛失"), ("update", "INC-2026-0001")):
            result = run(runner, root, "2026-04-03", "incident", *args, "--from", str(facts), "--json")
            assert result.exit_code == 2, result.output
            error = json.loads(result.stdout)["errors"][0]
            assert (error["path"], error["line"]) == (str(facts), 1), error
            assert error["message"].startswith(f"{facts}:1: holds no facts (it is empty, or only comments); write each")
            assert ("`known_on: YYYY-MM-DD` and `summary: TEXT`" in error["message"]) == (args[0] == "open")
    facts = tmp_path / "facts.yaml"
    facts.write_text("known_on: 2026-04-03\n", encoding="utf-8")
    result = run(runner, root, "2026-04-03", "incident", "open", "--from", str(facts))
    assert result.exit_code == 2
    assert f"{facts}:1: summary: required (an outline without personal data); write `summary: TEXT` in the file" in (
        result.stderr
    )
    assert run(runner, root, "2026-04-03", "incident", "open", "--from", str(facts), "--summary", "紛失").exit_code == 0
    assert git(root, "rev-list", "--count", f"{before}..HEAD").strip() == "1"


def test_a_facts_file_not_a_mapping_is_named_at_its_line(runner: CliRunner, root: Path, tmp_path: Path) -> None:
    """`incident open --from f.yaml` with f.yaml holding `- a` said "f.yaml: a facts file is a YAML
    mapping", no line and nothing to write; now the line where the document starts (past a comment
    and `---`), what it is, and what to write; `update --from` likewise."""
    before = head(root)
    for text, line, shape in (
        ("- a\n", 1, "a list"),
        ("# 事実\n\n---\n- a\n", 4, "a list"),
        ("紛失\n", 1, "plain text"),
    ):
        facts = tmp_path / "facts.yaml"
        facts.write_text(text, encoding="utf-8")
        for args in (("open",), ("update", "INC-2026-0001")):
            result = run(runner, root, "2026-04-03", "incident", *args, "--from", str(facts), "--json")
            assert result.exit_code == 2, result.output
            error = json.loads(result.stdout)["errors"][0]
            assert (error["path"], error["line"]) == (str(facts), line), error
            assert error["message"].startswith(f"{facts}:{line}: a facts file is a YAML mapping, not {shape}"), error
            assert "write each" in error["message"] and "`key: value` line" in error["message"], error
    assert head(root) == before


def test_a_count_of_persons_beyond_any_population_is_refused(runner: CliRunner, root: Path, tmp_path: Path) -> None:
    """`principals: 100000000000000000000000000` (or 10**26 本人 as an option, or in a ファイル簿 record)
    was taken and assessed as reportable: refused at the file's line, at the option, and by validate at
    the record's line (the schema's maximum)."""
    before = head(root)
    huge = "100000000000000000000000000"
    facts = tmp_path / "facts.yaml"
    for key in ("principals", "principals_max"):
        facts.write_text(f"known_on: 2026-04-03\nsummary: 紛失\n{key}: {huge}\n", encoding="utf-8")
        result = run(runner, root, "2026-04-03", "incident", "open", "--from", str(facts))
        assert result.exit_code == 2, result.output
        assert f"{facts}:3: {key}: more 本人 than can be (at most 10,000,000,000, beyond any population)" in (
            result.stderr
        )
        option = "--" + key.replace("_", "-")
        result = run(runner, root, "2026-04-03", *LOST, option, huge)
        assert result.exit_code == 2 and f"'{option}'" in result.stderr and "0<=x<=10000000000" in result.stderr
    assert head(root) == before and not (root / "incidents").exists()
    record = root / "files" / "F-2026-5TV229.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("count: 2340", f"count: {huge}"), encoding="utf-8")
    result = run(runner, root, "2026-04-03", "validate", "--json")
    assert result.exit_code == 1
    (error,) = [e for e in json.loads(result.stdout)["errors"] if e["key"] == "$.principals.count"]
    line = record.read_text(encoding="utf-8").splitlines().index(f"  count: {huge}") + 1
    assert (error["path"], error["line"], error["key"]) == ("files/F-2026-5TV229.yaml", line, "$.principals.count")
    assert "maximum of 10000000000" in error["message"] and huge not in error["message"], error


def test_planted_personal_data_never_reaches_the_register(runner: CliRunner, root: Path, tmp_path: Path) -> None:
    before = head(root)
    grouped = f"{MY_NUMBER[:4]} {MY_NUMBER[4:8]} {MY_NUMBER[8:]}"
    for summary, kind in (
        (f"申請書（{grouped}）を紛失", "個人番号"),
        ("連絡先 090-1234-5678 の名簿を紛失", "電話番号"),
        ("taro@example.jp 宛に誤送信", "メールアドレス"),
    ):
        result = run(runner, root, "2026-04-03", "incident", "open", "--known-on", "2026-04-03", "--summary", summary)
        assert result.exit_code == 2, result.output
        assert kind in result.stderr and "--summary: looks like" in result.stderr  # at the option that gave it
        for secret in (grouped, "090-1234-5678", "taro@example.jp"):
            assert secret not in result.output
    facts = tmp_path / "facts.yaml"
    facts.write_text(f"known_on: 2026-04-03\nsummary: 紛失\ncause: 番号 {MY_NUMBER} を記載した書類\n", encoding="utf-8")
    result = run(runner, root, "2026-04-03", "incident", "open", "--from", str(facts))
    assert result.exit_code == 2 and f"{facts}:3: cause: looks like" in result.stderr  # at the file's line
    assert head(root) == before and not (root / "incidents").exists()

    iid = ok_json(runner, root, "2026-04-03", *LOST, "--principals", "1")["id"]
    after_open = head(root)
    result = run(
        runner, root, "2026-04-03", "incident", "update", iid, "--event", "note", "--note", f"本人の番号は{MY_NUMBER}"
    )
    assert result.exit_code == 2 and "--note" in result.stderr
    assert head(root) == after_open
    history = subprocess.run(["git", "log", "-p", "--all"], cwd=root, capture_output=True, text=True, check=True).stdout
    for secret in (MY_NUMBER, MY_NUMBER[:4] + " " + MY_NUMBER[4:8], "090-1234-5678", "taro@example.jp"):
        assert secret not in history
    assert MY_NUMBER not in (root / "incidents" / f"{iid}.yaml").read_text(encoding="utf-8")


def test_mask_mode_from_policy(runner: CliRunner, tmp_path: Path) -> None:
    policy = (Path(__file__).resolve().parent.parent / "register" / "policy.yaml").read_text(encoding="utf-8")
    root = make_register(tmp_path, {"policy.yaml": policy.replace("screening: refuse", "screening: mask")})
    doc = ok_json(
        runner,
        root,
        "2026-04-03",
        "incident",
        "open",
        "--known-on",
        "2026-04-03",
        "--principals",
        "1",
        "--summary",
        "連絡先 090-1234-5678 の名簿を紛失",
    )
    text = (root / "incidents" / f"{doc['id']}.yaml").read_text(encoding="utf-8")
    assert "090-1234-5678" not in text and "＊＊＊＊" in text


def test_count_rising_past_100_through_update(runner: CliRunner, root: Path) -> None:
    iid = ok_json(
        runner,
        root,
        "2026-04-03",
        *LOST,
        "--principals",
        "80",
        "--no-sensitive",
        "--no-financial",
        "--no-malicious",
        "--no-my-number",
    )["id"]
    doc = ok_json(runner, root, "2026-04-20", "incident", "update", iid, "--principals", "150", "--on", "2026-04-20")
    assert doc["assessment"]["reportable_since"] == "2026-04-20"
    assert doc["assessment"]["deadlines"] == {"preliminary_report": "2026-04-24", "final_report": "2026-05-19"}
    assert git(root, "log", "-1", "--format=%(trailers:key=Meti-Pi-Article,valueonly)").strip() == "39"


def test_report_files_and_word(runner: CliRunner, root: Path, tmp_path: Path) -> None:
    from meti_pi.render.word import docx_paragraphs

    iid = ok_json(runner, root, "2026-04-03", *LOST, "--principals", "150", "--division", "joho-gijutsu")["id"]
    out = tmp_path / "drafts"
    doc = ok_json(
        runner,
        root,
        "2026-04-03",
        "incident",
        "report",
        iid,
        "--kind",
        "principal-notice",
        "--format",
        "docx",
        "--out",
        str(out),
    )
    path = Path(doc["path"])
    assert path.name == f"{iid}-principal-notice.docx"
    assert "商務情報政策局情報技術利用促進課" in "\n".join(docx_paragraphs(path.read_bytes()))
    md = run(runner, root, "2026-04-03", "incident", "report", iid, "--kind", "publication", "--out", str(out))
    assert md.exit_code == 0 and (out / f"{iid}-publication.md").is_file()


def test_a_draft_from_an_incident_that_fails_its_schema_is_refused_at_its_line(
    runner: CliRunner, root: Path, tmp_path: Path
) -> None:
    """`incident report --kind publication` of an incident whose `facts.information_items: [氏名]`
    (a text expected) wrote the draft, exit 0, with 「対象となる個人情報の項目：['氏名']」; like a notice
    drafted from a ファイル簿 record that fails its schema, it is refused (exit 1) with the record's
    file:line, nothing written."""
    iid = ok_json(runner, root, "2026-04-03", *LOST, "--principals", "150", "--division", "joho-gijutsu")["id"]
    at = hand_edit_line(root, f"incidents/{iid}.yaml", "information_items:", "information_items: [氏名]")
    out = tmp_path / "drafts"
    for kind in ("publication", "preliminary"):
        result = run(runner, root, "2026-04-03", "incident", "report", iid, "--kind", kind, "--out", str(out), "--json")
        assert result.exit_code == 1, result.output
        errors = json.loads(result.stdout)["errors"]
        assert [(e["path"], e["line"], e["code"], e["key"]) for e in errors[:-1]] == [
            (f"incidents/{iid}.yaml", at + 1, "schema", "$.facts.information_items")
        ], errors
        assert errors[-1]["message"] == (
            f"incidents/{iid}.yaml does not match its schema: edit it at the lines shown and `meti-pi commit` it"
            " before drafting a document from it"
        )
    assert not out.exists()
    shown = run(runner, root, "2026-04-03", "incident", "report", iid, "--kind", "publication")
    assert shown.exit_code == 1 and shown.stdout == "", shown.output
    assert f"incidents/{iid}.yaml:{at + 1}: $.facts.information_items: error[schema]" in shown.stderr


def test_bad_references_and_ids(runner: CliRunner, root: Path) -> None:
    r = run(runner, root, "2026-04-03", *LOST, "--file", "F-NOPE")
    assert r.exit_code == 2 and "F-NOPE" in r.stderr
    r = run(runner, root, "2026-04-03", *LOST, "--division", "nope")
    assert r.exit_code == 2
    r = run(runner, root, "2026-04-03", "incident", "update", "INC-2026-NOSUCH", "--event", "containment")
    assert (
        r.exit_code == 2
    )  # an id that names no record is a usage error, as a bad --file or --division (issue 16; was 3)
    r = run(runner, root, "2026-04-03", "incident", "update", "../x", "--event", "containment")
    assert r.exit_code == 2
    r = run(runner, root, "2026-04-03", "incident", "open", "--summary", "紛失")
    assert r.exit_code == 2 and "known_on" in r.stderr


def test_validate_findings_warn_on_passed_deadlines(runner: CliRunner, root: Path) -> None:
    from datetime import date

    from meti_pi.incident.incidents import incident_findings
    from meti_pi.store.register import Register

    iid = ok_json(runner, root, "2026-04-03", *LOST, "--principals", "150")["id"]
    reg = Register.load(root)
    assert list(incident_findings(reg, date(2026, 4, 3))) == []
    late = list(incident_findings(reg, date(2026, 5, 8)))
    assert {p.code for p in late} == {"incident-overdue"}
    final = next(p for p in late if "final-report" in p.message)
    assert final.path == f"incidents/{iid}.yaml" and final.line is not None and final.severity == "warning"


def test_update_and_close_dry_run_write_nothing(runner: CliRunner, root: Path) -> None:
    iid = ok_json(
        runner,
        root,
        "2026-04-03",
        *LOST,
        "--principals",
        "2",
        "--no-sensitive",
        "--no-financial",
        "--no-malicious",
        "--no-my-number",
    )["id"]
    before = head(root)
    text = (root / "incidents" / f"{iid}.yaml").read_text(encoding="utf-8")
    doc = ok_json(runner, root, "2026-04-03", "incident", "update", iid, "--event", "report-to-manager", "--dry-run")
    assert (
        doc["dry_run"] is True
        and next(s for s in doc["chain"] if s["step"] == "report-to-manager")["done_on"] == "2026-04-03"
    )
    refused = run(runner, root, "2026-04-03", "incident", "close", iid, "--dry-run")
    assert refused.exit_code == 1 and "incident-step-pending" in refused.stderr
    assert head(root) == before
    assert (root / "incidents" / f"{iid}.yaml").read_text(encoding="utf-8") == text
    bad = run(runner, root, "2026-04-03", "incident", "update", iid, "--event", "cause-and-measures")
    assert bad.exit_code == 2 and "unknown" in bad.stderr


def test_update_and_close_decide_under_the_lock_from_head(
    runner: CliRunner, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 18: `incident update` and `close` never read the work tree's whole register (they
    decide inside the transaction, from the register at HEAD, read lazily); their bad input still
    exits non-zero with nothing written, and an unrelated broken file in the work tree is not theirs."""
    from meti_pi.store import register

    iid = ok_json(runner, root, "2026-04-03", "incident", "open", "--known-on", "2026-04-03", "--summary", "紛失")["id"]
    (root / "divisions" / "zz-broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")  # someone's unsaved work

    def whole_read(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the work tree's whole register was read")

    monkeypatch.setattr(register, "list_record_files", whole_read)
    before = head(root)
    status = git(root, "status", "--porcelain")
    text = (root / "incidents" / f"{iid}.yaml").read_text(encoding="utf-8")
    for args, code, said in (
        (("update", iid, "--division", "nope"), 2, "--division nope"),
        (("update", iid, "--file", "F-NOPE"), 2, "F-NOPE"),
        (("update", "INC-2026-NOSUCH", "--event", "containment"), 2, "no such record"),
        (("update", iid, "--note", "x"), 2, "--note/--method/--reference"),
        (("close", iid, "--on", "2026-04-02"), 2, "must lie between"),
        (("close", "INC-2026-NOSUCH"), 2, "no such record"),
        (("close", iid), 1, "cannot be closed yet"),
    ):
        r = run(runner, root, "2026-04-03", "incident", *args)
        assert r.exit_code == code and said in r.stderr, (args, r.exit_code, r.stderr)
        assert head(root) == before and git(root, "status", "--porcelain") == status
        assert (root / "incidents" / f"{iid}.yaml").read_text(encoding="utf-8") == text
    done = ok_json(runner, root, "2026-04-03", "incident", "update", iid, "--event", "report-to-manager")
    assert done["commit"] and head(root) == done["commit"]
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [f"register/incidents/{iid}.yaml"]
    assert git(root, "log", "-1", "--format=%s").startswith(f"incidents/{iid}: report-to-manager recorded")
    assert trailers(root)[-1] == "39(1) | incident update"


def test_the_same_event_recorded_again_is_refused_not_duplicated(runner: CliRunner, root: Path) -> None:
    """A review ran `incident update --event report-to-vice --on D` three times (at once, and later):
    three identical events. The second and later are refused, nothing written; another day is an event."""
    opened = ok_json(
        runner, root, "2026-04-03", "incident", "open", "--known-on", "2026-04-03", "--division", "joho-gijutsu",
        "--file", "F-2026-5TV229", "--principals", "5", "--no-sensitive", "--no-financial", "--no-malicious",
        "--no-my-number", "--summary", "誤送信",
    )  # fmt: skip
    iid = opened["id"]
    args = ("incident", "update", iid, "--event", "report-to-vice", "--on", "2026-04-03")
    ok_json(runner, root, "2026-04-03", *args)
    before = head(root)
    again = run(runner, root, "2026-04-04", *args)
    assert again.exit_code == 2 and "already recorded" in again.output and head(root) == before
    ok_json(runner, root, "2026-04-04", "incident", "update", iid, "--event", "report-to-vice", "--on", "2026-04-04")


def test_closing_a_closed_incident_says_so(runner: CliRunner, tmp_path: Path) -> None:
    """It said "cannot be closed yet (1 open requirement(s))" (exit 1), as if something were missing."""
    root = make_register(tmp_path, example=True)
    before = head(root)
    result = invoke(runner, root, "incident", "close", "INC-2026-EG7F1M", today="2026-12-07")
    assert result.exit_code == 2
    assert "incidents/INC-2026-EG7F1M is already closed on 2026-09-11" in result.output
    assert "cannot be closed yet" not in result.output and head(root) == before


def test_close_refused_names_each_problem_at_its_line_with_the_incident_id(runner: CliRunner, root: Path) -> None:
    """`incident close` printed `incidents/X.yaml: $.events: ... incident update ID --event ...`:
    no line where validate gives one, and the text `ID` where the command needs the incident's id."""
    iid = ok_json(runner, root, "2026-04-03", *LOST, "--principals", "2")["id"]
    text = (root / "incidents" / f"{iid}.yaml").read_text(encoding="utf-8").splitlines()
    events = next(n for n, line in enumerate(text, start=1) if line.startswith("events:"))
    refused = run(runner, root, "2026-04-03", "incident", "close", iid)
    assert refused.exit_code == 1
    assert f"incidents/{iid}.yaml:{events}: $.events: error[incident-step-pending]" in refused.stderr
    assert f"`meti-pi incident update {iid} --event report-to-manager --on DATE`" in refused.stderr
    assert "update ID " not in refused.stderr


def test_cyber_with_no_malicious_is_refused_not_taken_as_malicious(runner: CliRunner, root: Path) -> None:
    """--cyber implies 不正の目的のおそれ (規則43(3): 確報 on day 60); with an explicit --no-malicious
    it was silently taken as malicious, a deadline a month later than the one the officer's
    statement gives. The two statements contradict each other: refused, nothing written."""
    before = head(root)
    facts = ["--known-on", "2026-10-31", "--summary", "不正アクセス", "--principals", "5", "--no-sensitive"]
    facts += ["--no-financial", "--no-my-number"]
    both = run(runner, root, "2026-11-02", "incident", "open", *facts, "--cyber", "--no-malicious")
    assert both.exit_code == 2 and "contradict each other" in both.stderr and "--no-cyber" in both.stderr
    assert head(root) == before
    doc = ok_json(runner, root, "2026-11-02", "incident", "open", *facts, "--cyber")
    assert doc["assessment"]["deadlines"]["final_report"] == "2027-01-04"  # 60 days, rolled past 1/1-1/3
    iid, opened = doc["id"], head(root)
    later = run(runner, root, "2026-11-02", "incident", "update", iid, "--no-malicious")
    assert later.exit_code == 2 and "contradicts the recorded cyber: true" in later.stderr
    assert head(root) == opened
    # the officer corrects both: no outside access happened
    assert run(runner, root, "2026-11-02", "incident", "update", iid, "--no-malicious", "--no-cyber").exit_code == 0


def test_a_day_the_calendar_lacks_is_named_with_its_option(runner: CliRunner, root: Path, tmp_path: Path) -> None:
    """`--known-on 2026-02-30` was refused as 「known_on: expected a date YYYY-MM-DD」: the value has
    that shape, the day does not exist, and the option is --known-on. Each date option of open,
    update and close names itself and says the day is not in the calendar; a facts file's date is
    named at its line. Nothing is written."""
    before = head(root)
    facts = ["--summary", "紛失"]
    cases = [
        (
            ["open", "--known-on", "2026-02-30", *facts],
            "--known-on: 2026-02-30 is not a day of the calendar (2026-02 has 28 days)",
        ),
        (
            ["open", "--known-on", "2026-04-03", "--occurred-on", "2026-13-01", *facts],
            "--occurred-on: 2026-13-01 is not a day of the calendar (months run from 01 to 12)",
        ),
        (["open", "--known-on", "2026/04/03", *facts], "--known-on: '2026/04/03' is not a date; use YYYY-MM-DD"),
        (
            ["update", "INC-2026-NOSUCH", "--known-on", "2026-04-31"],
            "--known-on: 2026-04-31 is not a day of the calendar (2026-04 has 30 days)",
        ),
        (
            ["update", "INC-2026-NOSUCH", "--occurred-on", "2026-06-31"],
            "--occurred-on: 2026-06-31 is not a day of the calendar (2026-06 has 30 days)",
        ),
        (
            ["update", "INC-2026-NOSUCH", "--event", "containment", "--on", "2026-02-29"],
            "--on: 2026-02-29 is not a day of the calendar (2026-02 has 28 days)",
        ),
        (
            ["close", "INC-2026-NOSUCH", "--on", "2026-09-31"],
            "--on: 2026-09-31 is not a day of the calendar (2026-09 has 30 days)",
        ),
    ]
    for args, message in cases:
        result = run(runner, root, "2026-04-03", "incident", *args)
        assert result.exit_code == 2 and f"meti-pi: {message}\n" in result.stderr, (args, result.stderr)
        assert "expected a date" not in result.stderr
    given = tmp_path / "facts.yaml"
    given.write_text("summary: 紛失\nknown_on: 2026-04-03\noccurred_on: 2026-02-30\n", encoding="utf-8")
    result = run(runner, root, "2026-04-03", "incident", "open", "--from", str(given))
    assert result.exit_code == 2
    assert f"{given}:3: occurred_on: 2026-02-30 is not a day of the calendar (2026-02 has 28 days)" in result.stderr
    # an option given overrides the file's fact: the file's bad day is not read
    doc = ok_json(runner, root, "2026-04-03", "incident", "open", "--from", str(given), "--occurred-on", "2026-04-01")
    assert doc["facts"]["occurred_on"] == "2026-04-01"
    assert head(root) != before


def test_refused_update_option_is_named_at_its_option_not_at_the_from_file(
    runner: CliRunner, root: Path, tmp_path: Path
) -> None:
    """`incident update --from facts.yaml --measure-done TEXT` (or `--event note --note TEXT`) with
    personal data in the option's text said `facts.yaml:1: measures_done: ...` (`--note`): a file
    and a line that do not hold it. It is said at the option that gave it."""
    iid = ok_json(runner, root, "2026-04-03", *LOST, "--principals", "2")["id"]
    facts = tmp_path / "facts.yaml"
    facts.write_text("cause: 施錠忘れ\n", encoding="utf-8")
    before = head(root)
    for option, args in (
        ("--measure-done", ("--measure-done", f"番号 {MY_NUMBER} を削除")),
        ("--measure-planned", ("--measure-planned", f"番号 {MY_NUMBER} を削除")),
        ("--note", ("--event", "note", "--note", f"番号 {MY_NUMBER}")),
    ):
        for source in ((), ("--from", str(facts))):
            refused = run(runner, root, "2026-04-03", "incident", "update", iid, *source, *args)
            assert refused.exit_code == 2, refused.output
            assert f"meti-pi: {option}: looks like it holds personal data" in refused.stderr, (source, refused.stderr)
            assert str(facts) not in refused.stderr
            assert MY_NUMBER not in refused.output
    assert head(root) == before


def test_report_citations_come_from_citations_yaml(runner: CliRunner, tmp_path: Path) -> None:
    """The incident drafts cite APPI 68 and 施行規則 43-45 by today's numbers from citations.yaml, as the
    notice drafts do: an amendment corrected there reaches every document (md and docx). They were
    written into the code, so a renumbered law left every report citing the old articles. The
    stored assessment keeps what it was assessed with: its grounds and their articles do not move."""
    from meti_pi.render.word import docx_paragraphs

    text = (make_register(tmp_path / "a") / "citations.yaml").read_text(encoding="utf-8")
    for old, new in (
        ("current: 第68条", "current: 第70条"),
        ("current: 施行規則第43条", "current: 施行規則第50条"),
        ("current: 施行規則第44条（報告）", "current: 施行規則第51条（報告）"),
        ("current: 施行規則第45条（本人への通知）", "current: 施行規則第52条（本人への通知）"),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    root = make_register(
        tmp_path / "b",
        {"divisions/joho-gijutsu.yaml": DIVISION, "files/F-2026-5TV229.yaml": FILE, "citations.yaml": text},
    )
    opened = ok_json(
        runner,
        root,
        "2026-04-03",
        *LOST,
        "--principals",
        "150",
        "--sensitive",
        "--no-financial",
        "--no-malicious",
        "--no-my-number",
        "--division",
        "joho-gijutsu",
    )
    iid = opened["id"]
    updated = ok_json(runner, root, "2026-04-03", "incident", "update", iid, "--notice-exception", "nondisclosure")
    assessment = updated["assessment"]
    assert assessment["grounds"] == ["rule43-1", "rule43-4"]
    assert assessment["reasons"][0]["article"] == "個人情報保護法第68条第1項、施行規則第43条第1号"

    def draft(kind: str) -> str:
        result = run(runner, root, "2026-04-03", "incident", "report", iid, "--kind", kind)
        assert result.exit_code == 0, result.output
        return str(result.stdout)

    md = draft("preliminary")
    assert "個人情報の保護に関する法律第７０条第１項の規定に基づき" in md
    assert "該当する事態：要配慮個人情報が含まれる保有個人情報の漏えい等が発生し" in md
    assert "（個人情報保護法第７０条第１項、施行規則第５０条第１号）" in md
    assert "（個人情報保護法第７０条第１項、施行規則第５０条第４号）" in md
    assert "記載事項は施行規則第51条（報告事項は同規則第8条第1項" in md  # a comment: digits as written
    assert "本人への通知を行わない（個人情報保護法第７０条第２項第２号）" in md
    assert "本人への通知（個人情報保護法第70条第2項、施行規則第52条：" in draft("principal-notice")
    assert "本人への通知は行いません（個人情報保護法第７０条第２項第２号）" in draft("publication")
    for kind in ("preliminary", "final", "principal-notice", "publication"):
        drafted = draft(kind)
        assert not any(old in drafted for old in ("第68条", "第６８条", "第43条", "第４３条", "第44条", "第45条"))
    out = tmp_path / "drafts"
    doc = ok_json(
        runner, root, "2026-04-03", "incident", "report", iid, "--kind", "final", "--format", "docx", "--out", str(out)
    )
    paras = "\n".join(docx_paragraphs(Path(doc["path"]).read_bytes()))
    assert "個人情報保護法第７０条第１項、施行規則第５０条第４号" in paras and "第６８条" not in paras

    # The record is as it was: the drafts follow citations.yaml, the stored assessment does not.
    from meti_pi.store import yamlload

    stored = yamlload.load((root / "incidents" / f"{iid}.yaml").read_text(encoding="utf-8"))
    assert stored["assessment"]["grounds"] == ["rule43-1", "rule43-4"]
    assert stored["assessment"]["reasons"] == assessment["reasons"]


@pytest.mark.parametrize(
    "key",
    ["preliminary_report_days_min", "preliminary_report_days", "final_report_days", "final_report_days_malicious"],
)
def test_a_report_window_of_zero_days_is_refused_at_its_line(runner: CliRunner, tmp_path: Path, key: str) -> None:
    # 規則44 / 別添2: the known day is day 1 of the 速報 and 確報 windows, so a window holds at least one
    # day. The policy schema allowed 0: `incident open` then died in calendar_jp.deadline with a
    # ValueError traceback, or (the window's lower end) was refused at the new incident's
    # rules_snapshot line, whose schema wants 1, naming the wrong file. Now policy.yaml:LINE says so.
    policy = (Path(__file__).resolve().parent.parent / "register" / "policy.yaml").read_text(encoding="utf-8")
    lines = policy.splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines, 1) if text.lstrip().startswith(f"{key}:"))
    lines[line - 1] = f"  {key}: 0\n"
    root = make_register(tmp_path, {"policy.yaml": "".join(lines)})
    result = run(
        runner, root, "2026-04-03", "incident", "open", "--known-on", "2026-04-03", "--principals", "150",
        "--malicious", "--summary", "名簿の紛失",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert f"policy.yaml:{line}: $.incident.{key}:" in result.output and "minimum of 1" in result.output
    assert "Traceback" not in result.output and not (root / "incidents").exists()


def test_a_report_out_folder_that_is_a_file_is_refused(runner, root, tmp_path):
    """`incident report --out FILE` crashed (FileExistsError, exit 3) instead of saying what to give."""
    iid = ok_json(runner, root, "2026-04-03", *LOST)["id"]
    (tmp_path / "afile").write_text("kept\n", encoding="utf-8")
    result = run(
        runner,
        root,
        "2026-04-03",
        "incident",
        "report",
        iid,
        "--kind",
        "final",
        "--format",
        "docx",
        "--out",
        str(tmp_path / "afile"),
    )
    assert result.exit_code == 2, result.output
    assert "a file, not a folder" in result.stderr and "Traceback" not in result.output
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "kept\n"


def test_an_unknown_file_or_division_in_a_facts_file_is_named_at_its_line(runner, root, tmp_path):
    """A facts file naming a file or division the register lacks was refused as the option's
    (`--file F-NOPE: no such file`), an option the user never gave, with no path:line."""
    facts = tmp_path / "事案.yaml"
    facts.write_text(
        "known_on: 2026-04-03\nsummary: 紛失\nfiles:\n  - F-2026-5TV229\n  - F-NOPE\ndivision: nodiv\n",
        encoding="utf-8",
    )
    before = git(root, "rev-parse", "HEAD")
    result = run(runner, root, "2026-04-03", "incident", "open", "--from", str(facts), "--json")
    assert result.exit_code == 2, result.output
    (error,) = json.loads(result.stdout)["errors"]
    assert (error["path"], error["line"]) == (str(facts), 5)
    assert f"{facts}:5: files: F-NOPE: no such file in the register" in result.stderr
    given = run(runner, root, "2026-04-03", "incident", "open", "--from", str(facts), "--file", "F-X")
    assert given.exit_code == 2 and "--file F-X: no such file in the register" in given.stderr  # the option's
    facts.write_text("known_on: 2026-04-03\nsummary: 紛失\ndivision: nodiv\n", encoding="utf-8")
    result = run(runner, root, "2026-04-03", "incident", "open", "--from", str(facts))
    assert result.exit_code == 2 and f"{facts}:3: division: nodiv: no such division" in result.stderr, result.stderr
    iid = ok_json(runner, root, "2026-04-03", *LOST)["id"]
    facts.write_text("division: nodiv\n", encoding="utf-8")
    result = run(runner, root, "2026-04-03", "incident", "update", iid, "--from", str(facts))
    assert result.exit_code == 2 and f"{facts}:1: division: nodiv: no such division" in result.stderr, result.stderr
    assert git(root, "rev-list", "--count", f"{before.strip()}..HEAD").strip() == "1"  # the open of LOST only


def test_update_to_a_known_day_after_today_says_so(runner, root):
    """`incident update ID --known-on <a day after today>` (no --on) was refused "--on 2026-04-03 is
    before the known date 2026-04-09", an option never given; it is now said as `open` says it."""
    iid = ok_json(runner, root, "2026-04-03", *LOST)["id"]
    before = git(root, "rev-parse", "HEAD")
    result = run(runner, root, "2026-04-03", "incident", "update", iid, "--known-on", "2026-04-09")
    assert result.exit_code == 2, result.output
    assert "known_on: 2026-04-09 is after today (2026-04-03)" in result.stderr and "--on" not in result.stderr
    assert git(root, "rev-parse", "HEAD") == before


def test_contradicting_facts_in_a_facts_file_are_named_at_its_line(runner, root, tmp_path):
    """Facts that cannot both be true, given in a facts file (principals above principals_max, an
    occurred_on after known_on, cyber with malicious: false), were refused with no path:line; now at
    the line of the first of them the file gives (an option given is still said as the option)."""
    facts = tmp_path / "f.yaml"
    facts.write_text("known_on: 2026-04-03\nsummary: 紛失\ncyber: true\nmalicious: false\n", encoding="utf-8")
    result = run(runner, root, "2026-04-03", "incident", "open", "--from", str(facts), "--json")
    assert result.exit_code == 2, result.output
    (error,) = json.loads(result.stdout)["errors"]
    assert (error["path"], error["line"]) == (str(facts), 3) and "contradict each other" in error["message"]
    iid = ok_json(runner, root, "2026-04-03", *LOST)["id"]
    for text, line, said in (
        ("cause: 確認漏れ\noccurred_on: 2026-04-05\n", 2, "occurred_on 2026-04-05 is after known_on 2026-04-03"),
        ("principals_max: 5\nprincipals: 10\n", 2, "principals (10) is above principals_max (5)"),
    ):
        facts.write_text(text, encoding="utf-8")
        result = run(runner, root, "2026-04-03", "incident", "update", iid, "--from", str(facts))
        assert result.exit_code == 2 and f"{facts}:{line}: {said}" in result.stderr, result.stderr
    result = run(runner, root, "2026-04-03", "incident", "update", iid, "--from", str(facts), "--principals-max", "3")
    assert f"{facts}:2: principals (10) is above principals_max (3)" in result.stderr, result.stderr


def test_incident_list_shows_the_preliminary_report_as_a_target(runner, root):
    """`incident list` printed "OVERDUE preliminary-report 2026-04-07" as it prints a statutory
    deadline; the contract has the 速報's day shown as 「速報の目安」, never as a deadline."""
    ok_json(runner, root, "2026-04-03", *LOST, "--principals", "1001")
    text = run(runner, root, "2026-04-10", "incident", "list").stdout
    assert "OVERDUE preliminary-report target (速報の目安) 2026-04-07" in text, text
    assert "OVERDUE report-to-manager due " in text, text


def test_a_close_day_out_of_range_names_the_range(runner, root):
    """`incident close ID --on DAY` before the known day said "must lie between the known date and
    today" without either date, leaving the officer to look the known day up."""
    iid = ok_json(runner, root, "2026-04-03", *LOST)["id"]
    result = run(runner, root, "2026-04-10", "incident", "close", iid, "--on", "2026-04-02")
    assert result.exit_code == 2, result.output
    assert "between the known date (2026-04-03) and today (2026-04-10)" in result.stderr, result.stderr
