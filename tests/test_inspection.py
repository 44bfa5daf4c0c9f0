"""Recording answers, findings and corrective actions, the year's report, audits, evidence packs, reviews."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import git, make_register
from test_checklist import HANDLING, RATIONALE, division, file_rec

from meti_pi.actions import inspect as inspect_actions
from meti_pi.checks.validate import validate_register
from meti_pi.errors import UsageError
from meti_pi.inspect import checklist as cl
from meti_pi.inspect import inspection as ins
from meti_pi.inspect import inspection_checks
from meti_pi.settings import Settings
from meti_pi.store.register import Register

TODAY = date(2026, 11, 26)


def base_register(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    return make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "divisions/somu.yaml": division("somu", "大臣官房総務課"),
            "divisions/kansa.yaml": division("kansa", "大臣官房監察室"),
            "files/F-2025-JJJJ01.yaml": file_rec(
                "F-2025-JJJJ01", "jinji", cls="A", start="2025-04-01", extra=RATIONALE
            ),
            "files/F-2025-JJJJ02.yaml": file_rec(
                "F-2025-JJJJ02", "jinji", cls="C", kind="manual", count=30, extra=RATIONALE + HANDLING
            ),
            **(extra or {}),
        },
    )


def record(root: Path, division_id: str, year: int, answers: dict, today: date, **header) -> ins.Outcome:
    reg = Register.load(root)
    checklist = cl.build(reg, division_id, year, today)
    given = ins.parse_answer_set({"answers": answers, **header}, "answers.yaml")
    outcome = ins.build_record(reg, checklist, given, today=today)
    inspect_actions.save_inspection(root, outcome, today=today)
    return outcome


def errors_of(root: Path, today: date) -> list[str]:
    return [p.render() for p in validate_register(Register.load(root), today) if p.severity == "error"]


# -- answers files ------------------------------------------------------------------------------


def test_answers_file_as_mapping_or_list():
    by_map = ins.parse_answer_set(
        {
            "division": "jinji",
            "inspected_on": "2026-10-01",
            "answers": {
                "8-4": "yes",
                "9-1": True,
                "9-2": "該当なし",
                "16-2@F-1": {
                    "answer": "no",
                    "note": "未作成",
                    "action": "作成する",
                    "owner": "課長補佐",
                    "due": "2026-12-31",
                    "escalate": True,
                },
            },
        },
        "a.yaml",
    )
    assert by_map.division == "jinji" and by_map.inspected_on == date(2026, 10, 1)
    assert {k: v.answer for k, v in by_map.answers.items()} == {
        "8-4": "yes",
        "9-1": "yes",
        "9-2": "na",
        "16-2@F-1": "no",
    }
    assert by_map.answers["16-2@F-1"] == ins.AnswerInput(
        "no", "未作成", "作成する", "課長補佐", date(2026, 12, 31), True
    )
    by_list = ins.parse_answer_set({"answers": [{"item": "8-4", "answer": "no", "action": "研修"}]}, "a.yaml")
    assert by_list.answers["8-4"].action == "研修"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"answers": {"8-4": "maybe"}}, "answer 'maybe' is not one of yes, no, na"),
        ({"answers": {"8-4": {"answer": "no", "due": "next week"}}}, "not a date"),
        # written as YYYY-MM-DD, a day the calendar lacks: said so, not "write YYYY-MM-DD"
        (
            {"inspected_on": "2026-02-30", "answers": {"8-4": "yes"}},
            r"a\.yaml: inspected_on: 2026-02-30 is not a day of the calendar \(2026-02 has 28 days\)$",
        ),
        ({"answers": {"8-4": {"answr": "no"}}}, "unknown key"),
        ({"answers": {"8-4": {"note": "x"}}}, "missing `answer`"),
        ({"anwsers": {}}, "unknown key"),
        ({"answers": [{"answer": "yes"}]}, "with `item`"),
        ([1, 2], "expected a mapping"),
    ],
)
def test_bad_answers_file_is_a_usage_error(doc, message):
    with pytest.raises(UsageError, match=message):
        ins.parse_answer_set(doc, "a.yaml")


def test_answer_for_an_item_not_in_the_checklist_is_refused(tmp_path):
    root = base_register(tmp_path)
    reg = Register.load(root)
    checklist = cl.build(reg, "somu", 2026, TODAY)
    with pytest.raises(UsageError, match="not in the 2026 checklist of somu: 27"):
        ins.build_record(reg, checklist, ins.parse_answer_set({"answers": {"27": "yes"}}, "a"), today=TODAY)


# -- building the record ---------------------------------------------------------------------------


def test_prefilled_and_officer_answers_findings_and_pending(tmp_path):
    root = base_register(tmp_path)
    reg = Register.load(root)
    checklist = cl.build(reg, "jinji", 2026, TODAY)
    given = ins.parse_answer_set(
        {
            "inspected_on": "2026-10-01",
            "answers": {
                "8-4": "yes",
                "17-1@F-2025-JJJJ01": {
                    "answer": "no",
                    "note": "共有フォルダの権限が広すぎる",
                    "action": "権限を見直す",
                    "owner": "人事課長補佐",
                    "due": "2026-12-31",
                },
            },
        },
        "a",
    )
    out = ins.build_record(reg, checklist, given, today=TODAY)
    answers = {a["item"]: a for a in out.data["answers"]}
    assert answers["8-4"]["source"] == "officer"
    # Register facts answer what they can: no handling rules for F-2025-JJJJ01 -> 'no', from the register.
    assert answers["16-2@F-2025-JJJJ01"] == {**answers["16-2@F-2025-JJJJ01"], "answer": "no", "source": "register"}
    assert answers["16-2@F-2025-JJJJ02"]["answer"] == "yes"
    findings = {f["item"]: f for f in out.data["findings"]}
    officer = findings["17-1@F-2025-JJJJ01"]
    assert officer["action"] == "権限を見直す" and officer["owner"] == "人事課長補佐" and officer["due"] == "2026-12-31"
    assert "共有フォルダの権限が広すぎる" in officer["text"]
    prefilled = findings["16-2@F-2025-JJJJ01"]
    assert prefilled["owner"] == "大臣官房人事課長"  # the division's 管理者 by default
    assert prefilled["due"] == "2026-12-30"  # inspected_on + 90 days
    assert prefilled["status"] == "open"
    assert out.pending == len(out.data["pending"]) > 0
    assert "9-2" in out.data["pending"]
    assert out.answered + out.pending == len(checklist.items)


def test_rerecording_amends_and_a_later_yes_closes_the_finding(tmp_path):
    root = base_register(tmp_path)
    first = record(
        root, "jinji", 2026, {"8-4": {"answer": "no", "action": "研修日程を周知"}}, TODAY, inspected_on="2026-10-01"
    )
    mine = [f for f in first.new_findings if f["item"] == "8-4"]
    assert len(mine) == 1 and mine[0]["action"] == "研修日程を周知"
    second = record(root, "jinji", 2026, {"8-4": "yes", "9-1": "yes"}, TODAY, inspected_on="2026-11-20")
    assert second.existed and second.closed_here == [mine[0]["id"]]
    assert second.new_findings == []  # the register's 'no' answers already had their findings
    data = Register.load(root).records["inspections/2026/jinji"].data
    f = next(f for f in data["findings"] if f["item"] == "8-4")
    assert (f["status"], f["closed_on"], f["closed_by"]) == ("closed", "2026-11-20", "inspections/2026/jinji")
    answers = {a["item"]: a["answer"] for a in data["answers"]}
    assert answers["8-4"] == "yes" and answers["9-1"] == "yes"
    assert errors_of(root, TODAY) == []


def test_recording_is_one_commit_with_trailers(tmp_path):
    root = base_register(tmp_path)
    record(root, "jinji", 2026, {"8-4": "yes"}, TODAY)
    log = git(root.parent, "log", "-1", "--format=%s%n%(trailers)", "--name-only")
    assert log.startswith("inspections/2026/jinji: 2026年度の点検結果を記録")
    assert "Meti-Pi-Command: inspect" in log and "Meti-Pi-Article: 41(1)" in log
    assert "register/inspections/2026/jinji.yaml" in log
    assert git(root.parent, "status", "--porcelain") == ""


def test_dry_run_writes_nothing(tmp_path):
    root = base_register(tmp_path)
    reg = Register.load(root)
    out = ins.build_record(reg, cl.build(reg, "jinji", 2026, TODAY), ins.AnswerSet(), today=TODAY)
    assert inspect_actions.save_inspection(root, out, today=TODAY, dry_run=True) is None
    assert not (root / "inspections").exists()


# -- the two-year scenario ---------------------------------------------------------------------------


def test_findings_of_year_n_appear_in_year_n_plus_1_until_closed(tmp_path):
    root = base_register(tmp_path)
    fy25, fy26, fy27, fy28 = date(2026, 3, 1), date(2026, 11, 26), date(2027, 10, 1), date(2028, 10, 1)
    # FY2025: the division finds it gave no training opportunity.
    out25 = record(
        root, "jinji", 2025, {"8-4": {"answer": "no", "action": "研修に参加させる", "due": "2026-06-30"}}, fy25
    )
    ref = out25.new_findings[0]["ref"]
    assert ref == "inspections/2025/jinji#1"

    # FY2026: the finding is asked again; still not done.
    c26 = cl.build(Register.load(root), "jinji", 2026, fy26)
    carried = c26.get(f"carry@{ref}")
    assert carried is not None and carried.article == "8(4)"
    assert any("是正期限 2026-06-30 を経過" in e for e in carried.prefill.evidence)
    out26 = record(
        root, "jinji", 2026, {f"carry@{ref}": "no", "9-1": {"answer": "no", "action": "利用目的を見直す"}}, fy26
    )
    assert out26.closes == []
    report26 = ins.year_report(Register.load(root), 2026, fy26)
    carried_rows = [f for f in report26["findings"] if f["carried"] and f["ref"] == ref]
    assert len(carried_rows) == 1 and carried_rows[0]["overdue"]
    assert any(
        e["ref"] == ref and "carried" in e["reasons"] and "overdue_action" in e["reasons"]
        for e in report26["escalations"]
    )

    # FY2027: both open findings (from 2025 and 2026) are carried; closing the 2025 one.
    c27 = cl.build(Register.load(root), "jinji", 2027, fy27)
    assert {f"carry@{ref}", "carry@inspections/2026/jinji#1"} <= {i.key for i in c27.items if i.scope == "finding"}
    out27 = record(root, "jinji", 2027, {f"carry@{ref}": "yes"}, fy27, inspected_on="2027-09-30")
    assert out27.closes == [ref]
    closed = Register.load(root).records["inspections/2025/jinji"].data["findings"][0]
    assert (closed["status"], closed["closed_on"], closed["closed_by"]) == (
        "closed",
        "2027-09-30",
        "inspections/2027/jinji",
    )
    msg = git(root.parent, "log", "-1", "--format=%(trailers)")
    assert "Meti-Pi-Record: inspections/2025/jinji" in msg and "Meti-Pi-Record: inspections/2027/jinji" in msg

    # FY2028: only the 2026 finding is still carried.
    c28 = cl.build(Register.load(root), "jinji", 2028, fy28)
    carried28 = {i.key for i in c28.items if i.scope == "finding"}
    assert f"carry@{ref}" not in carried28 and "carry@inspections/2026/jinji#1" in carried28
    assert errors_of(root, fy28) == []


# -- the year's report -------------------------------------------------------------------------------


def test_report_completion_articles_comparison_and_escalations(tmp_path):
    root = base_register(tmp_path)
    record(root, "jinji", 2025, {"8-4": {"answer": "no", "action": "研修"}}, date(2026, 3, 1))
    record(
        root,
        "jinji",
        2026,
        {"8-4": {"answer": "no", "action": "研修", "due": "2026-11-01"}, "carry@inspections/2025/jinji#1": "yes"},
        TODAY,
        inspected_on="2026-10-01",
    )
    rep = ins.year_report(Register.load(root), 2026, TODAY)
    rows = {r["division"]: r for r in rep["divisions"]}
    assert rows["jinji"]["inspected"] and not rows["somu"]["inspected"]
    assert rows["somu"]["completion"] == 0.0 and rows["somu"]["items"] == 2  # 8(3), 8(4)
    assert 0 < rows["jinji"]["completion"] < 1
    # FY2025 found 8(4) (the officer) and, from register facts on the 管理A file, 16(2) and 35(1).
    assert rows["jinji"]["previous"]["inspected"] and rows["jinji"]["previous"]["findings"] == 3
    by_article = {a["article"]: a for a in rep["findings_by_article"]}
    assert (
        by_article["8(4)"]["count"] == 1 and by_article["8(4)"]["previous"] == 1 and by_article["8(4)"]["change"] == 0
    )
    # 16(2) is still missing in FY2026 but stays one finding: the FY2025 one, carried, not a second one.
    assert by_article["16(2)"] == {"article": "16(2)", "count": 0, "previous": 1, "change": -1}
    assert rows["jinji"]["carried_open"] == 2
    reasons = {(e["division"], e["ref"]): e["reasons"] for e in rep["escalations"]}
    assert reasons[("somu", None)] == ["not_inspected"]
    repeated = next(f for f in rep["findings"] if f["item"] == "8-4")
    assert set(repeated["escalate"]) >= {"repeated", "overdue_action"}
    class_a = next(f for f in rep["findings"] if f["item"] == "16-2@F-2025-JJJJ01")
    assert class_a["carried"] and {"class_a", "carried"} <= set(class_a["escalate"])
    assert rep["totals"]["findings"] == sum(a["count"] for a in rep["findings_by_article"])
    # The open ones: this year's (one of its findings) apart from earlier years' still open (an
    # outside reader saw 「指摘事項：２件…、うち是正が完了していないもの４件」: 4 of 2).
    totals = rep["totals"]
    assert (totals["open_this_year"], totals["open_carried"], totals["open"]) == (1, 2, 3)
    reg = Register.load(root)
    md = ins.render_report(rep, "md", reg.policy, ins.roles_of(reg)).decode("utf-8")
    assert f"指摘事項：{totals['findings']}件".translate(str.maketrans("0123456789", "０１２３４５６７８９")) in md
    assert "うち是正が完了していないもの１件" in md and "前年度以前の指摘事項で是正が完了していないもの：２件" in md


def test_a_calendar_inspection_year_is_worded_as_a_year_not_a_nendo(tmp_path):
    """Art. 41(1) 毎年 with policy `inspection_year: calendar`: the checklist's reasons, pre-filled
    evidence and carried findings, and the year's report (md, xlsx, its escalation texts) said
    当年度/本年度/前年度 of a January-December year; they say 本年/前年 (years.worded), and
    2025年の点検 (years.year_label). The default 年度 wording is kept byte for byte (the report
    test above; every output of the example register compared before and after). Fails on the
    former code."""
    from conftest import SHIPPED

    policy = (SHIPPED / "policy.yaml").read_text(encoding="utf-8")
    assert "inspection_year: fiscal" in policy
    root = base_register(
        tmp_path, {"policy.yaml": policy.replace("inspection_year: fiscal", "inspection_year: calendar")}
    )
    record(root, "jinji", 2025, {"8-4": {"answer": "no", "action": "研修"}}, date(2026, 3, 1))
    record(root, "jinji", 2026, {"8-4": {"answer": "no", "action": "研修", "due": "2026-11-01"}}, TODAY)
    reg = Register.load(root)
    items = [i.as_json() for i in cl.build(reg, "jinji", 2026, TODAY).items]
    said = json.dumps(items, ensure_ascii=False)
    assert "年度" not in said
    assert any(str(i["why"]).startswith("本年に保有個人情報等を保有（") for i in items)
    assert any(str(i["question"]).startswith("2025年の点検の指摘事項「") for i in items)
    rep = ins.year_report(reg, 2026, TODAY)
    assert "年度" not in json.dumps(rep, ensure_ascii=False)
    assert any("前年以前の指摘が未是正" in e["text"] for e in rep["escalations"])
    md = ins.render_report(rep, "md", reg.policy, ins.roles_of(reg)).decode("utf-8")
    assert "年度" not in md
    assert "令和８年保有個人情報等の管理及び利用の状況に関する点検結果について（報告）" in md
    assert "前年以前の指摘事項で是正が完了していないもの：" in md and "| 条項 | 本年 | 前年 | 増減 |" in md
    assert "３　条項別の指摘件数（前年との比較）" in md
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(ins.render_report(rep, "xlsx", reg.policy)))
    headers = next(book.worksheets[1].iter_rows(values_only=True))
    assert "前年回答率" in headers and "前年以前の未是正" in headers and not any("年度" in str(h) for h in headers)


def test_report_renders_md_docx_xlsx(tmp_path):
    root = base_register(tmp_path)
    record(root, "jinji", 2026, {"8-4": {"answer": "no", "action": "研修日程を周知"}}, TODAY, inspected_on="2026-10-01")
    reg = Register.load(root)
    rep = ins.year_report(reg, 2026, TODAY)
    md = ins.render_report(rep, "md", reg.policy, ins.roles_of(reg)).decode("utf-8")
    # A report from the 副総括 to the 総括 (Art. 41(2)): date, addressee, sender, title, 記, 以上.
    assert md.startswith('<p align="right">令和８年１１月２６日</p>')
    assert "令和８年度保有個人情報等の管理及び利用の状況に関する点検結果について（報告）" in md
    assert "殿" in md and md.rstrip().endswith('<p align="right">以上</p>')
    assert "対象期間：令和８年４月１日から令和９年３月３１日まで" in md
    # 課等 by name, dates in 和暦, counts in the document's digit style; the id only as a reference.
    assert "| 大臣官房人事課 | 令和８年１０月１日 |" in md
    assert "| 規程第８条第４項 | １ | ０ | ＋１ |" in md
    assert "研修日程を周知" in md and "参照：inspections/2026/jinji#1" in md
    assert "総務課：点検が未実施" in md and "somu" not in md
    assert "2026-10-01" not in md and "->" not in md and ">>" not in md
    from meti_pi.render.word import docx_paragraphs

    docx = ins.render_report(rep, "docx", reg.policy)
    paragraphs = "\n".join(docx_paragraphs(docx))
    assert "研修日程を周知" in paragraphs and "総括個人情報保護管理者への報告を要する事項" in paragraphs
    assert ins.render_report(rep, "docx", reg.policy) == docx  # reproducible
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(ins.render_report(rep, "xlsx", reg.policy)))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ins.REPORT_HEADERS[:3]
    # The per-division table too, as md and docx have it.
    divisions = list(book.worksheets[1].iter_rows(values_only=True))
    assert divisions[0] == ins.DIVISION_HEADERS
    assert divisions[[r[1] for r in divisions].index("jinji")][:3] == ("大臣官房人事課", "jinji", "2026-10-01")
    # 課等 by name, its id beside as a reference column (issue 16).
    assert any(
        r[:3] == ("inspections/2026/jinji#1", "大臣官房人事課", "jinji") and r[6] == "研修日程を周知" for r in rows[1:]
    )


# -- audits -------------------------------------------------------------------------------------------


def test_auditor_from_audited_division_is_flagged(tmp_path):
    reg = Register.load(base_register(tmp_path))
    kwargs = {"kind": "regular", "title": "令和８年度定期監査", "started_on": TODAY}
    inside = ins.new_audit_data(reg, auditors=[ins.parse_auditor("人事課長補佐@jinji")], divisions=["jinji"], **kwargs)
    assert ins.independence_flags(reg, inside) == [
        "人事課長補佐（jinji）は被監査部門に所属しており、第42条第2項の独立性を欠く"
    ]
    outside = ins.new_audit_data(reg, auditors=[ins.parse_auditor("監察官@kansa")], divisions=["jinji"], **kwargs)
    assert ins.independence_flags(reg, outside) == []
    everyone = ins.new_audit_data(reg, auditors=[ins.parse_auditor("監察官@kansa")], **kwargs)
    assert len(ins.independence_flags(reg, everyone)) == 1  # no scope: every division is audited, kansa too
    external = ins.parse_auditor("external:監査法人例示:主任")
    assert external == {"post": "主任", "role": "external", "organisation": "監査法人例示"}
    assert outside["auditors"][0] == {"post": "大臣官房首席監察官", "role": "officer"}  # from roles/


def test_audit_record_findings_and_checks(tmp_path):
    root = base_register(tmp_path)
    reg = Register.load(root)
    data = ins.new_audit_data(
        reg,
        kind="ad_hoc",
        title="随時監査",
        started_on=TODAY,
        divisions=["jinji"],
        articles=["14(4)"],
        auditors=[ins.parse_auditor("課長補佐@jinji")],
        external=True,
    )
    aid, sha = inspect_actions.save_new_audit(root, data, today=TODAY)
    assert sha and aid.startswith("AUD-2026-")
    reg = Register.load(root)
    findings = ins.parse_audit_findings(
        reg,
        [{"division": "jinji", "article": "16(2)", "text": "取扱方法が未整備", "due": "2026-11-01"}],
        "f.yaml",
        since=TODAY,
    )
    refs, _, _ = inspect_actions.save_audit_findings(root, aid, findings, today=TODAY, reported_on=TODAY)
    assert refs == [f"audits/{aid}#1"]
    reg = Register.load(root)
    assert reg.records[f"audits/{aid}"].data["findings"][0]["owner"] == "大臣官房人事課長"
    codes = {p.code for p in inspection_checks.check_audits(reg, TODAY)} | {
        p.code for p in inspection_checks.check_corrective_actions(reg, TODAY)
    }
    # marked external with no external auditor among them: the report's 外部監査 is pointed at too
    assert codes == {"auditor-not-independent", "corrective-action-overdue", "audit-external-mismatch"}
    assert errors_of(root, TODAY) == []
    # The audit's open finding is carried into the division's next inspection.
    assert cl.build(reg, "jinji", 2027, date(2027, 5, 1)).get(f"carry@audits/{aid}#1") is not None
    with pytest.raises(UsageError, match="missing `text`"):
        ins.parse_audit_findings(reg, [{"division": "jinji", "article": "16(2)"}], "f.yaml", since=TODAY)
    with pytest.raises(UsageError, match="no division 'nope'"):
        ins.parse_audit_findings(reg, [{"division": "nope", "article": "16(2)", "text": "x"}], "f.yaml", since=TODAY)


def test_evidence_pack_is_the_register_and_trail_at_a_commit(tmp_path):
    root = base_register(tmp_path)
    first = git(root.parent, "rev-parse", "HEAD").strip()
    record(root, "jinji", 2026, {"8-4": "yes"}, TODAY)
    pack = ins.evidence_pack(root, tmp_path / "p1.zip", rev=first)
    assert pack.commit == first and pack.trail == 1
    with zipfile.ZipFile(pack.path) as zf:
        names = zf.namelist()
        prefix = f"evidence-{first[:12]}/"
        assert prefix + "register/divisions/jinji.yaml" in names
        assert prefix + "register/inspections/2026/jinji.yaml" not in names  # made after that commit
        manifest = json.loads(zf.read(prefix + "manifest.json"))
        trail = json.loads(zf.read(prefix + "trail.json"))
    assert manifest["commit"] == first and trail[0]["commit"] == first
    assert ins.evidence_pack(root, tmp_path / "p2.zip", rev=first).sha256 == pack.sha256  # reproducible
    head = ins.evidence_pack(root, None, fmt="dir", into=tmp_path)
    assert head.path.name.startswith("evidence-") and (head.path / "register/inspections/2026/jinji.yaml").is_file()
    assert head.trail == 2 and "Meti-Pi" not in (head.path / "trail.txt").read_text(encoding="utf-8")
    assert "[inspect Art. 41(1)]" in (head.path / "trail.txt").read_text(encoding="utf-8")
    with pytest.raises(UsageError, match="already exists"):
        ins.evidence_pack(root, tmp_path / "p1.zip")
    with pytest.raises(UsageError, match="no such commit"):
        ins.evidence_pack(root, tmp_path / "p3.zip", rev="0" * 40)


# -- reviews (Art. 43) -----------------------------------------------------------------------------------


def test_review_links_and_closes_findings(tmp_path):
    root = base_register(tmp_path)
    record(root, "jinji", 2026, {"8-4": {"answer": "no", "action": "研修"}}, TODAY)
    reg = Register.load(root)
    with pytest.raises(UsageError, match="no such finding"):
        ins.new_review_data(reg, on=TODAY, findings=["inspections/2026/jinji#9"], evaluation="x")
    data = ins.new_review_data(
        reg,
        on=TODAY,
        findings=["inspections/2026/jinji#1"],
        evaluation="研修機会の付与を確認した",
        measures=[{"text": "研修計画の見直し", "owner": "人事課長", "due": "2027-03-31"}],
        inspection_year=2026,
        close=True,
    )
    rid, sha = inspect_actions.save_review(root, data, today=TODAY)
    assert sha and rid.startswith("REV-2026-")
    reg = Register.load(root)
    f = reg.records["inspections/2026/jinji"].data["findings"][0]
    assert (f["status"], f["closed_by"]) == ("closed", f"reviews/{rid}")
    assert reg.records[f"reviews/{rid}"].data["measures"][0]["status"] == "open"
    assert [p.code for p in inspection_checks.check_reviews(reg, TODAY)] == ["review-unreported"]  # no --reported-on
    assert errors_of(root, TODAY) == []
    assert ins.reviews_overview(reg)[0]["open_measures"] == 1


def test_dangling_references_of_reviews_and_carried_items_say_what_to_do(tmp_path):
    """A review's basis naming no audit and an answer carrying no finding said only that the target did
    not exist (every message says what to do)."""
    root = base_register(
        tmp_path,
        {
            "reviews/REV-2026-AAAAAA.yaml": """
schema_version: 1
id: REV-2026-AAAAAA
date: '2026-11-01'
basis: {audits: [AUD-2026-NOPE40]}
evaluation: 評価
""",
            "inspections/2026/jinji.yaml": """
schema_version: 1
id: jinji
year: 2026
division: jinji
catalogue_version: '2026.1'
answers:
  - {item: 'carry@inspections/2025/jinji#9', article: '8(4)', answer: 'yes', source: officer}
""",
        },
    )
    reg = Register.load(root)
    [review] = inspection_checks.check_reviews(reg, TODAY)
    [carried] = inspection_checks.check_inspection_records(reg, TODAY)
    assert review.code == "dangling-ref" and "create it or correct the reference" in review.message
    assert carried.code == "carry-dangling" and "correct the item" in carried.message


def test_checks_flag_dangling_and_duplicate(tmp_path):
    root = base_register(
        tmp_path,
        {
            "reviews/REV-2026-AAAAAA.yaml": """
schema_version: 1
id: REV-2026-AAAAAA
date: '2026-11-01'
findings: ['inspections/2025/jinji#1']
evaluation: 評価
reported_to_sokatsu_on: '2026-11-02'
""",
            "inspections/2026/jinji.yaml": """
schema_version: 1
id: jinji
year: 2026
division: jinji
catalogue_version: '2026.1'
answers:
  - {item: '8-4', article: '8(4)', answer: 'no', source: officer}
  - {item: '8-4', article: '8(4)', answer: 'yes', source: officer}
findings:
  - {id: 1, item: '8-4', article: '8(4)', text: t, action: a, owner: o, due: '2026-11-25', status: open}
""",
        },
    )
    reg = Register.load(root)
    assert [p.code for p in inspection_checks.check_reviews(reg, TODAY)] == ["dangling-finding"]
    assert [p.code for p in inspection_checks.check_inspection_records(reg, TODAY)] == ["answer-duplicate"]
    overdue = inspection_checks.check_corrective_actions(reg, TODAY)
    assert [p.code for p in overdue] == ["corrective-action-overdue"] and overdue[0].line is not None
    assert inspection_checks.check_corrective_actions(reg, date(2026, 11, 25)) == []  # the due day itself is not late


def test_carried_finding_closes_when_the_register_fact_is_fixed(tmp_path):
    root = base_register(tmp_path)
    out25 = record(root, "jinji", 2025, {}, date(2026, 3, 1))
    ref = next(f["ref"] for f in out25.new_findings if f["item"] == "16-2@F-2025-JJJJ01")
    path = root / "files/F-2025-JJJJ01.yaml"
    path.write_text(path.read_text(encoding="utf-8") + HANDLING, encoding="utf-8")
    git(root.parent, "commit", "-qam", "handling rules fixed")
    c26 = cl.build(Register.load(root), "jinji", 2026, TODAY)
    carried = c26.get(f"carry@{ref}")
    assert carried.prefill.answer == "yes" and "16-2@F-2025-JJJJ01" in carried.prefill.evidence[-1]
    out26 = record(root, "jinji", 2026, {}, TODAY)
    assert ref in out26.closes
    assert not [f for f in out26.new_findings if f["item"].startswith("16-2")]


def test_checklists_built_by_several_processes_equal_those_built_by_one(tmp_path, monkeypatch):
    """map_all shares the divisions among processes on a large register; the result is the same list."""
    from meti_pi.cli.inspect import _plain_checklist, _with_record

    root = make_register(tmp_path, example=True)
    reg = Register.load(root)
    today = date(2026, 11, 26)
    one = cl.map_all(
        replace(reg, settings=Settings(parallel_min=100000)),
        2026,
        today,
        lambda c: (_with_record(reg, c), _plain_checklist(reg, c)),
    )
    several = cl.map_all(
        replace(reg, settings=Settings(parallel_min=1)),
        2026,
        today,
        lambda c: (_with_record(reg, c), _plain_checklist(reg, c)),
    )
    assert len(one) == len(reg.of_kind("divisions")) > 10
    assert several == one
    import marshal

    assert marshal.loads(marshal.dumps(one)) == one  # plain data: a child process can send it back
    assert [c["division"] for c, _ in one] == sorted(r.id for r in reg.of_kind("divisions"))


def test_inspect_json_of_every_division_is_what_print_json_prints(tmp_path, runner, monkeypatch):
    """Piped `inspect --json` assembles checklists encoded by several processes: the same bytes as
    encoding the whole document at once."""
    from conftest import invoke

    from meti_pi.cli.inspect import _with_record

    root = make_register(tmp_path, example=True)
    monkeypatch.setenv("METI_PI_PARALLEL_MIN", "1")
    out = invoke(runner, root, "inspect", "--year", "2026", "--json")
    assert out.exit_code == 0, out.output
    reg = Register.load(root)
    whole = {
        "year": 2026,
        "checklists": [
            _with_record(reg, cl.build(reg, d.id, 2026, date(2026, 11, 26)))
            for d in sorted(reg.of_kind("divisions"), key=lambda r: r.id)
        ],
    }
    assert out.stdout == json.dumps(whole, ensure_ascii=False, default=str) + "\n"
