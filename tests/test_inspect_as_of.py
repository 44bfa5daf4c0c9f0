"""An Art. 41 inspection states the division as found on the day it was made (`inspected_on`), not as
found on the day it is recorded: an incident known after that day is not in it, a deadline is judged
at that day, a step done after it was not done then (an outside test found a record dated 2026-11-01
with a 'no' about an incident known 2026-12-01)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import invoke, make_register
from test_checklist import division, incident

from meti_pi.cli import inspect as inspect_cli
from meti_pi.inspect import checklist as cl
from meti_pi.store.register import Register

TODAY = date(2026, 11, 26)  # conftest.invoke's --today
ON = "2026-11-01"  # the day of the inspection, recorded later
FACTS = {"principals": 150, "sensitive": False, "financial": False, "malicious": False}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    # The 39(1) report to the 管理者 is due the day the incident is known (直ちに).
    return make_register(
        tmp_path,
        {
            "divisions/somu.yaml": division("somu", "大臣官房総務課"),
            "incidents/INC-2026-BEFORE.yaml": incident("INC-2026-BEFORE", "somu", "2026-10-31", today=TODAY),
            "incidents/INC-2026-SAMEDY.yaml": incident("INC-2026-SAMEDY", "somu", "2026-11-01", today=TODAY),
            "incidents/INC-2026-AFTER1.yaml": incident("INC-2026-AFTER1", "somu", "2026-11-02", today=TODAY),
        },
    )


def _record(runner, root: Path, tmp_path: Path) -> dict:
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"division: somu\ninspected_on: {ON}\nanswers: {{}}\n", encoding="utf-8")
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(answers), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_inspection_recorded_later_is_judged_at_its_day(runner, root, tmp_path):
    doc = _record(runner, root, tmp_path)
    found = {f["item"]: f for f in doc["new_findings"]}
    # known the day before: its 39(1) report was overdue on the day of the inspection
    assert "39-1@INC-2026-BEFORE" in found
    assert "期限 2026-10-31 を経過して未了" in found["39-1@INC-2026-BEFORE"]["text"]
    # corrective action due from the inspection's day (policy inspection.corrective_action_days: 90)
    assert found["39-1@INC-2026-BEFORE"]["due"] == "2027-01-30"
    # known that day: its report was due that day, not yet late (it is by today, 2026-11-26)
    assert not any(k.endswith("@INC-2026-SAMEDY") for k in found)
    # known the day after: not an incident of that inspection at all
    assert not any("INC-2026-AFTER1" in json.dumps(f, ensure_ascii=False) for f in doc["new_findings"])


def test_the_checklist_recorded_has_no_item_about_an_incident_known_after_it(root):
    reg = Register.load(root)
    on = cl.build(reg, "somu", 2026, date.fromisoformat(ON))
    subjects = {i.subject for i in on.items if i.subject}
    assert "incidents/INC-2026-BEFORE" in subjects and "incidents/INC-2026-SAMEDY" in subjects
    assert "incidents/INC-2026-AFTER1" not in subjects
    assert on.get("39-1@INC-2026-SAMEDY").prefill.answer is None  # due that day: pending, not 否
    # the checklist shown today has all three, the same-day one now overdue
    now = cl.build(reg, "somu", 2026, TODAY)
    assert "incidents/INC-2026-AFTER1" in {i.subject for i in now.items if i.subject}
    assert now.get("39-1@INC-2026-SAMEDY").prefill.answer == "no"


def test_a_step_done_after_the_inspection_was_not_done_on_its_day(tmp_path):
    # Known 2026-10-30: the report to the 副総括 and the containment due 2026-11-02, done that day.
    events = [
        {"event": "report-to-manager", "on": "2026-10-30"},
        {"event": "report-to-vice", "on": "2026-11-02"},
        {"event": "containment", "on": "2026-11-02"},
    ]
    reg = Register.load(
        make_register(
            tmp_path,
            {
                "divisions/somu.yaml": division("somu", "大臣官房総務課"),
                "incidents/INC-2026-STEPS1.yaml": incident(
                    "INC-2026-STEPS1", "somu", "2026-10-30", today=TODAY, facts=FACTS, events=events
                ),
            },
        )
    )
    item = cl.build(reg, "somu", 2026, date.fromisoformat(ON)).get("39-2@INC-2026-STEPS1")
    assert item.prefill.answer is None  # not yet done, not yet due on 2026-11-01
    assert any("未了（期限 2026-11-02）" in e for e in item.prefill.evidence)
    assert cl.build(reg, "somu", 2026, date.fromisoformat(ON)).get("39-1@INC-2026-STEPS1").prefill.answer == "yes"
    assert cl.build(reg, "somu", 2026, TODAY).get("39-2@INC-2026-STEPS1").prefill.answer == "yes"


def test_the_vice_office_counts_no_incident_known_after_the_inspection(tmp_path):
    reg = Register.load(
        make_register(
            tmp_path,
            {
                "divisions/hogo.yaml": division("hogo", "大臣官房個人情報保護室"),  # the 副総括's office
                "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
                "incidents/INC-2026-AFTER1.yaml": incident(
                    "INC-2026-AFTER1", "jinji", "2026-11-02", today=TODAY, facts=FACTS
                ),
            },
        )
    )
    assert cl.build(reg, "hogo", 2026, date.fromisoformat(ON)).get("39-5").prefill.answer == "na"
    assert cl.build(reg, "hogo", 2026, TODAY).get("39-5").prefill.answer != "na"


def test_interactive_asks_the_day_first_and_prefills_as_of_it(runner, root, monkeypatch):
    monkeypatch.setattr(inspect_cli, "can_prompt", lambda: True)  # CliRunner's input is not a terminal
    typed = ["2026-11-27", ON] + [""] * 200  # a day after today is asked again; then every default
    result = invoke(runner, root, "inspect", "--division", "somu", "-i", "--dry-run", input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    assert "2026-11-27 is after today" in result.stderr
    assert result.stdout.index("実施日") < result.stdout.index("[1/")
    assert "INC-2026-AFTER1" not in result.stdout and "INC-2026-BEFORE" in result.stdout
    assert "期限 (YYYY-MM-DD) [2027-01-30]" in result.stdout  # 90 days from the inspection, not from today
    assert "would record inspections/2026/somu" in result.stdout


def test_a_finding_closed_after_the_inspection_was_open_on_its_day(tmp_path):
    from test_checklist import JINJI_2025

    from meti_pi.actions import inspect as inspect_actions
    from meti_pi.inspect import inspection as ins

    # 2025's finding #2 closed 2026-11-15, after the inspection of 2026-11-01 (#1 still open).
    record = JINJI_2025.replace("closed_on: '2026-02-01'", "closed_on: '2026-11-15'")
    root = make_register(
        tmp_path, {"divisions/jinji.yaml": division("jinji", "大臣官房人事課"), "inspections/2025/jinji.yaml": record}
    )
    # an audit of 2026-04-10 whose finding was closed 2026-11-10, after the inspection as well
    data = ins.new_audit_data(
        Register.load(root),
        kind="regular",
        title="定期監査",
        started_on=date(2026, 4, 10),
        divisions=["jinji"],
        auditors=[ins.parse_auditor("external:監査法人例示:主任")],
    )
    aid, _ = inspect_actions.save_new_audit(root, data, today=date(2026, 4, 10))
    found = ins.parse_audit_findings(
        Register.load(root),
        [{"division": "jinji", "article": "16(2)", "text": "取扱方法が未整備"}],
        "f.yaml",
        since=TODAY,
    )
    [ref], _, _ = inspect_actions.save_audit_findings(root, aid, found, today=TODAY)
    audit = root / "audits" / f"{aid}.yaml"
    audit.write_text(
        audit.read_text(encoding="utf-8").replace(
            "    status: open", "    status: closed\n    closed_on: '2026-11-10'"
        ),
        encoding="utf-8",
    )
    reg = Register.load(root)
    assert reg.records[f"audits/{aid}"].data["findings"][0]["closed_on"] == "2026-11-10"

    def carried(on: date) -> list[str]:
        return [i.key for i in cl.build(reg, "jinji", 2026, on).items if i.scope == "finding"]

    assert carried(date.fromisoformat(ON)) == [
        f"carry@{ref}",  # an audit's first (no year)
        "carry@inspections/2025/jinji#1",
        "carry@inspections/2025/jinji#2",
    ]
    assert carried(date(2026, 11, 15)) == ["carry@inspections/2025/jinji#1"]  # closed that day: no longer open
    assert carried(TODAY) == ["carry@inspections/2025/jinji#1"]


def test_a_training_or_review_dated_after_the_inspection_was_not_done_on_its_day(tmp_path):
    training = (
        "training:\n"
        "  - {date: '2026-11-01', course: 個人情報保護研修, audience: handlers}\n"  # that day: done
        "  - {date: '2026-11-02', course: 管理者研修, audience: managers}\n"  # the day after: not yet
    )
    review = "REV-2026-AAAAAA"
    reg = Register.load(
        make_register(
            tmp_path,
            {
                "divisions/hogo.yaml": division("hogo", "大臣官房個人情報保護室", training=training),
                f"reviews/{review}.yaml": f"schema_version: 1\nid: {review}\ndate: '2026-11-02'\nevaluation: 評価\n",
            },
        )
    )
    on = cl.build(reg, "hogo", 2026, date.fromisoformat(ON))
    assert on.get("8-4").prefill.answer == "yes"
    assert on.get("8-3").prefill.answer is None and "研修記録なし" in on.get("8-3").prefill.evidence[0]
    assert not any(review in e for e in on.get("43-1").prefill.evidence)
    now = cl.build(reg, "hogo", 2026, TODAY)
    assert now.get("8-3").prefill.answer == "yes"
    assert any(review in e for e in now.get("43-1").prefill.evidence)


def test_a_file_held_until_after_the_inspection_owed_no_disposal_on_its_day(tmp_path):
    from test_checklist import file_rec

    held = file_rec("F-2026-JJJJ01", "somu").replace(
        "holding: {start: '2025-04-01'}", "holding: {start: '2025-04-01', end: '2026-11-10'}"
    )
    assert "end: '2026-11-10'" in held
    reg = Register.load(
        make_register(
            tmp_path, {"divisions/somu.yaml": division("somu", "大臣官房総務課"), "files/F-2026-JJJJ01.yaml": held}
        )
    )
    assert cl.build(reg, "somu", 2026, date.fromisoformat(ON)).get("21@F-2026-JJJJ01").prefill is None
    assert "2026-11-10 に保有を終了" in cl.build(reg, "somu", 2026, TODAY).get("21@F-2026-JJJJ01").prefill.evidence[0]


def test_a_notice_submitted_after_the_inspection_was_not_made_on_its_day(tmp_path):
    # The example register: 第36条の通知 N-2025-9R58DH of F-2026-64GD9X, due 2025-11-25, submitted 2025-11-17.
    reg = Register.load(make_register(tmp_path, example=True))

    def notice(on: str):
        return cl.build(reg, "chusho-keiei-shien", 2025, date.fromisoformat(on)).get("36@F-2026-64GD9X").prefill

    before = notice("2025-11-16")
    assert before.answer is None  # not yet made, not yet due: pending, neither 適 nor 否
    assert before.evidence == ("第36条の通知は基準日 2025-11-16 に未提出（期限 2025-11-25；2025-11-17 に提出）",)
    assert notice("2025-11-17").answer == "yes" and "N-2025-9R58DH" in notice("2025-11-17").evidence[0]


def test_the_vice_offices_count_of_inspections_and_findings_is_as_of_its_day(tmp_path):
    """41-2 (the 副総括's report of the inspections' results) counted, for the office's inspection of
    2026-11-01 recorded later, the inspections made after that day with their findings, and none of
    last year's findings closed after it (open that day: carried, as the checklist carries them)."""
    from test_checklist import JINJI_2025

    later = JINJI_2025.replace("year: 2025", "year: 2026\ninspected_on: '2026-11-10'").replace(
        "closed_on: '2026-02-01'", "closed_on: '2026-11-20'"
    )
    reg = Register.load(
        make_register(
            tmp_path,
            {
                "divisions/hogo.yaml": division("hogo", "大臣官房個人情報保護室"),  # the 副総括's office
                "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
                # last year's #2 closed 2026-11-15, after the office's inspection (#1 still open)
                "inspections/2025/jinji.yaml": JINJI_2025.replace("'2026-02-01'", "'2026-11-15'"),
                "inspections/2026/jinji.yaml": later,  # made 2026-11-10: #1 open, #2 closed 2026-11-20
            },
        )
    )

    def counted(on: date) -> str:
        (said,) = cl.build(reg, "hogo", 2026, on).get("41-2").prefill.evidence
        return said

    assert "点検記録 0件、当年度の未是正の指摘 0件、前年度以前の未是正の指摘 2件" in counted(date.fromisoformat(ON))
    assert "点検記録 1件、当年度の未是正の指摘 2件、前年度以前の未是正の指摘 1件" in counted(date(2026, 11, 15))
    assert "点検記録 1件、当年度の未是正の指摘 1件、前年度以前の未是正の指摘 1件" in counted(TODAY)
