"""The incident core: PPC reportability (APPI 68 / 規則43, 番号法), deadlines, chain, re-assessment, closure."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from meti_pi.errors import UsageError
from meti_pi.incident import incidents as inc
from meti_pi.store.policy import DEFAULT_POLICY

KNOWN = date(2025, 12, 1)  # a Monday; 30 days -> 2026-01-05 (legal brief §3.3)
SNAP = inc.rules_snapshot(
    DEFAULT_POLICY,
    {"as_of": "2025-09-24", "citations": [{"key": "rule.43", "current": "施行規則第43条", "status": "verified"}]},
    KNOWN,
)
RULES = inc.Rules.from_snapshot(SNAP)


# Facts that, unknown, are taken as possibly present (issue 14 item 9): tests of one ground state the others.
NOT = {"sensitive": False, "financial": False, "malicious": False}


def assess(files: list[inc.FileInfo] | None = None, **facts: Any) -> dict[str, Any]:
    return inc.assess(inc.full_facts(facts), files or [], RULES, known_on=KNOWN, on=KNOWN)


def record(today: date = KNOWN, files: list[inc.FileInfo] | None = None, **facts: Any) -> dict[str, Any]:
    top = {"known_on": KNOWN.isoformat(), "summary": "書類の紛失", "files": [f.id for f in files or []]}
    return inc.new_record(top, facts, files or [], SNAP, today=today)


def step(rec: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in inc.chain(rec) if s["step"] == name)


# -- 規則43 item 4: more than 100 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "reportable"), [(0, False), (1, False), (99, False), (100, False), (101, True), (1000, True)]
)
def test_more_than_100_persons(count: int, reportable: bool) -> None:
    a = assess(principals=count, sensitive=False, financial=False, malicious=False, my_number=False)
    assert a["ppc_report"] is reportable
    assert a["grounds"] == (["rule43-4"] if reportable else [])
    assert a["principal_notice"] is reportable
    if reportable:
        assert a["deadlines"] == {"preliminary_report": "2025-12-05", "final_report": "2026-01-05"}
    else:
        assert a["deadlines"] == {"preliminary_report": None, "final_report": None}


def test_threshold_comes_from_the_snapshot() -> None:
    """The snapshot's line is the policy's: a stricter one reports on its own ground; a more lenient one
    cannot waive 規則43(4) (tests/test_incident_policy_line.py has the boundaries)."""
    strict = inc.Rules.from_snapshot({**SNAP, "ppc_report_more_than": 10})
    a = inc.assess(inc.full_facts({"principals": 11, **NOT}), [], strict, known_on=KNOWN, on=KNOWN)
    assert a["grounds"] == ["policy-line"]
    lenient = inc.Rules.from_snapshot({**SNAP, "ppc_report_more_than": 1000})
    a = inc.assess(inc.full_facts({"principals": 1000, **NOT}), [], lenient, known_on=KNOWN, on=KNOWN)
    assert a["grounds"] == ["rule43-4"]


# -- each item alone ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fact", "ground", "final_days", "final_due"),
    [
        ("sensitive", "rule43-1", 30, "2026-01-05"),
        ("financial", "rule43-2", 30, "2026-01-05"),
        ("malicious", "rule43-3", 60, "2026-01-29"),  # 60 days: day 60 = 2026-01-29 (Thu)
        ("cyber", "rule43-3", 60, "2026-01-29"),  # unauthorized access / malware implies 不正の目的
    ],
)
def test_each_rule43_item_alone(fact: str, ground: str, final_days: int, final_due: str) -> None:
    a = assess(principals=1, **{**NOT, fact: True})
    assert a["grounds"] == [ground]
    assert a["ppc_report"] and a["principal_notice"]
    assert a["final_report_days"] == final_days
    assert a["deadlines"]["final_report"] == final_due
    assert a["deadlines"]["preliminary_report"] == "2025-12-05"


def test_sixty_days_when_malicious_combines_with_other_items() -> None:
    a = assess(principals=500, financial=False, sensitive=True, malicious=True)
    assert a["grounds"] == ["rule43-1", "rule43-3", "rule43-4"]
    assert a["final_report_days"] == 60


def test_encryption_exception() -> None:
    a = assess(principals=5000, sensitive=True, financial=True, malicious=True, my_number=True, encrypted=True)
    assert a["ppc_report"] is False
    assert a["grounds"] == []
    assert a["exclusions"] == ["encryption"]
    assert a["principal_notice"] is False
    assert a["deadlines"]["final_report"] is None


def test_encryption_does_not_excuse_the_art_39_7_report() -> None:
    a = assess(principals=1, encrypted=True, anonymized_info=True)
    assert a["grounds"] == ["art39-7"] and a["ppc_report"]
    assert a["deadlines"] == {"preliminary_report": None, "final_report": None}  # 直ちに: see the chain


# -- 番号法 -------------------------------------------------------------------------------------


def test_my_number_with_two_persons_is_reported_under_the_guideline() -> None:
    a = assess(principals=2, my_number=True, my_number_system=False, sensitive=False, financial=False, malicious=False)
    assert a["ppc_report"] is True
    assert a["grounds"] == ["mynumber-guideline"]
    assert a["deadlines"] == {"preliminary_report": "2025-12-05", "final_report": "2026-01-05"}
    # The guideline adds a report, not a statutory notice (no 規則43 / 規則2 event).
    assert a["principal_notice"] is False


@pytest.mark.parametrize(
    ("facts", "grounds"),
    [
        ({"my_number_system": True}, ["mynumber-rule2-1"]),
        ({"public_exposure": True}, ["mynumber-rule2-3"]),
        ({"principals": 101}, ["rule43-4", "mynumber-rule2-4"]),
        ({"malicious": True}, ["rule43-3", "mynumber-rule2-2"]),
    ],
)
def test_my_number_rule2_items(facts: dict[str, Any], grounds: list[str]) -> None:
    a = assess(**{"principals": 2, "my_number": True, "my_number_system": False, **NOT, **facts})
    assert a["grounds"] == grounds
    assert "mynumber-29-4-2" in a["principal_notice_basis"]


def test_my_number_found_in_an_involved_file() -> None:
    f = inc.FileInfo("F-1", 2, sensitive=False, financial=False, my_number=True, my_number_system=False)
    a = assess(files=[f], malicious=False)
    assert a["grounds"] == ["mynumber-guideline"]
    assert "F-1" in a["reasons"][0]["text"]


def test_my_number_count_is_that_of_the_files_holding_my_number() -> None:
    # No count stated: 番号法規則2(4) counts the 本人 of 特定個人情報 — the files that may hold 個人番号
    # (30), not every involved file (30 + 500), which is 規則43(4)'s count.
    paper = inc.FileInfo("F-MN", 30, sensitive=False, financial=False, my_number=True, my_number_system=False)
    other = inc.FileInfo("F-XX", 500, sensitive=False, financial=False, my_number=False)
    a = assess(files=[paper, other], malicious=False)
    assert a["grounds"] == ["rule43-4", "mynumber-guideline"] and a["principals"] == 530
    assert a["principal_notice_basis"] == ["appi-68-2"]
    unknown = inc.FileInfo("F-YY", 500, sensitive=False, financial=False, my_number=None)
    b = assess(files=[paper, unknown], malicious=False)  # may hold 個人番号: counted
    assert "mynumber-rule2-4" in b["grounds"]
    big = inc.FileInfo("F-MN2", 200, sensitive=False, financial=False, my_number=True, my_number_system=False)
    c = assess(files=[big, other], malicious=False)
    assert c["grounds"] == ["rule43-4", "mynumber-rule2-4"]
    assert "200人" in c["reasons"][1]["text"] and "F-MN2" in c["reasons"][1]["text"]


def test_stated_fact_overrides_the_file() -> None:
    f = inc.FileInfo("F-1", 50, sensitive=True, financial=False, my_number=False)
    assert assess(files=[f], malicious=False)["grounds"] == ["rule43-1"]
    assert assess(files=[f], sensitive=False, malicious=False)["grounds"] == []


# -- unknown count -> the maximum possible -----------------------------------------------------


def test_unknown_count_uses_the_files_total() -> None:
    files = [inc.FileInfo("F-1", 60, False, False, False), inc.FileInfo("F-2", 41, False, False, False)]
    a = assess(files=files, malicious=False)
    assert a["principals"] == 101 and a["principals_basis"] == "files"
    assert a["grounds"] == ["rule43-4"]
    files[1] = inc.FileInfo("F-2", 40, False, False, False)
    assert assess(files=files, malicious=False)["ppc_report"] is False


def test_unknown_count_with_a_stated_maximum() -> None:
    assert assess(principals_max=100, **NOT)["ppc_report"] is False
    assert assess(principals_max=101, **NOT)["grounds"] == ["rule43-4"]


def test_unknown_and_unbounded_count_may_exceed_100() -> None:
    a = assess(**NOT)
    assert a["principals"] is None and a["principals_basis"] == "unknown"
    assert a["grounds"] == ["rule43-4"]
    assert "おそれ" in a["reasons"][0]["text"]
    assert "principals" in a["unknown_facts"]


# -- principal notice (APPI 68(2), 番号法 29-4(2)) ----------------------------------------------


def test_notice_exception_difficult_needs_a_substitute_measure() -> None:
    a = assess(principals=200, notice_exception="difficult")
    assert a["principal_notice"] is True and a["principal_notice_exception"] is None
    a = assess(principals=200, notice_exception="difficult", substitute_measure="ウェブサイトでの公表")
    assert a["principal_notice"] is False and a["principal_notice_exception"] == "difficult"


def test_nondisclosure_exception_is_appi_only() -> None:
    a = assess(principals=200, notice_exception="nondisclosure")
    assert a["principal_notice"] is False and a["principal_notice_exception"] == "nondisclosure"
    a = assess(principals=200, my_number=True, notice_exception="nondisclosure")
    assert a["principal_notice"] is True  # 番号法 29-4(2) has no such exception


# -- deadlines and re-assessment ----------------------------------------------------------------


def test_count_rising_past_100_makes_it_reportable_from_that_day() -> None:
    rec = record(principals=80, sensitive=False, financial=False, malicious=False, my_number=False)
    assert rec["assessment"]["ppc_report"] is False
    later = inc.update_record(
        rec, changes={"principals": 150}, files=[], on=date(2025, 12, 10), today=date(2025, 12, 11)
    )
    a = later["assessment"]
    assert a["ppc_report"] and a["grounds"] == ["rule43-4"]
    assert a["reportable_since"] == "2025-12-10"
    assert a["deadlines"] == {
        "preliminary_report": "2025-12-14",
        "final_report": "2026-01-08",
    }  # 速報の目安 12/14 (Sun, not rolled); day 30 = 1/8
    last = later["events"][-1]
    assert last["event"] == "facts-changed" and last["changes"] == {"principals": {"from": 80, "to": 150}}
    assert last["result"] == {"ppc_report": True, "grounds": ["rule43-4"]}


def test_a_39_7_report_does_not_set_day_one_of_the_ppc_deadlines() -> None:
    # 行政機関等匿名加工情報等 from day 1 (規程39(7): 直ちに, no 速報/確報); the count passes 100 on 12/10:
    # the 規則43 event is reportable from 12/10, as it is without the 39(7) report.
    rec = record(principals=50, anonymized_info=True, my_number=False, **NOT)
    assert rec["assessment"]["deadlines"]["final_report"] is None
    later = inc.update_record(
        rec, changes={"principals": 150}, files=[], on=date(2025, 12, 10), today=date(2025, 12, 10)
    )
    a = later["assessment"]
    assert a["grounds"] == ["rule43-4", "art39-7"]
    assert a["reportable_since"] == "2025-12-10"
    assert a["deadlines"] == {"preliminary_report": "2025-12-14", "final_report": "2026-01-08"}


def test_corrected_known_date_moves_day_one() -> None:
    rec = record(principals=150)
    earlier = inc.update_record(
        rec, changes={}, top_changes={"known_on": "2025-11-28"}, files=[], on=date(2025, 12, 2), today=date(2025, 12, 2)
    )
    assert earlier["known_on"] == "2025-11-28"
    assert earlier["assessment"]["reportable_since"] == "2025-11-28"
    # day 30 = 12/27 (Sat), 12/28 (Sun), the closure to 1/3, 1/4 (Sun) -> Mon 1/5
    assert earlier["assessment"]["deadlines"]["final_report"] == "2026-01-05"
    assert earlier["events"][-1]["changes"] == {"known_on": {"from": "2025-12-01", "to": "2025-11-28"}}


def test_known_date_cannot_be_moved_after_what_the_record_shows_was_known() -> None:
    # Recorded on 12/3, reported to the 管理者 on 12/2: the ministry knew by 12/2; a known date of 12/5
    # would move day 1 (and both PPC deadlines) late. Refused, naming what shows it; 12/2 is accepted.
    rec = record(today=date(2025, 12, 3), principals=150, **NOT)
    rec = inc.update_record(
        rec, changes={}, event={"event": "report-to-manager"}, files=[], on=date(2025, 12, 2), today=date(2025, 12, 3)
    )
    with pytest.raises(UsageError, match="after report-to-manager on 2025-12-02"):
        inc.update_record(
            rec,
            changes={},
            top_changes={"known_on": "2025-12-05"},
            files=[],
            on=date(2025, 12, 6),
            today=date(2025, 12, 6),
        )
    ok = inc.update_record(
        rec, changes={}, top_changes={"known_on": "2025-12-02"}, files=[], on=date(2025, 12, 6), today=date(2025, 12, 6)
    )
    assert ok["assessment"]["reportable_since"] == "2025-12-02"
    # Nothing but the record itself, opened on 12/3: known by then.
    opened = record(today=date(2025, 12, 3), principals=150, **NOT)
    with pytest.raises(UsageError, match="after opened on 2025-12-03"):
        inc.update_record(
            opened,
            changes={},
            top_changes={"known_on": "2025-12-04"},
            files=[],
            on=date(2025, 12, 6),
            today=date(2025, 12, 6),
        )


def test_once_reportable_stays_reportable() -> None:
    rec = record(principals=150, **NOT)
    lower = inc.update_record(
        rec,
        changes={"principals": 50, "sensitive": False, "financial": False, "malicious": False, "my_number": False},
        files=[],
        on=date(2025, 12, 3),
        today=date(2025, 12, 3),
    )
    a = lower["assessment"]
    assert a["ppc_report"] is True
    assert a["grounds"] == ["previously-reportable"] and a["carried_grounds"] == ["rule43-4"]
    assert a["reportable_since"] == "2025-12-01"
    assert a["deadlines"]["final_report"] == "2026-01-05"
    again = inc.update_record(
        lower, changes={"principals": 40}, files=[], on=date(2025, 12, 4), today=date(2025, 12, 4)
    )
    assert again["assessment"]["carried_grounds"] == ["rule43-4"]
    assert again["assessment"]["deadlines"]["final_report"] == "2026-01-05"


def test_malice_found_later_lengthens_the_final_report_from_the_same_day_one() -> None:
    rec = record(principals=150)
    later = inc.update_record(
        rec, changes={"malicious": True}, files=[], on=date(2025, 12, 20), today=date(2025, 12, 20)
    )
    a = later["assessment"]
    assert a["reportable_since"] == "2025-12-01"
    assert a["final_report_days"] == 60
    assert a["deadlines"]["final_report"] == "2026-01-29"


def test_malice_denied_later_keeps_the_sixty_days_it_was_counted_at() -> None:
    # Stated 不正の目的 (60 days); denied on day 41 while item 4 remains: the 確報 stays due on day 60,
    # as it does when no ground remains (carried); it was not due on day 30, already passed.
    rec = record(principals=150, sensitive=False, financial=False, malicious=True)
    assert rec["assessment"]["deadlines"]["final_report"] == "2026-01-29"
    denied = inc.update_record(
        rec, changes={"malicious": False}, files=[], on=date(2026, 1, 10), today=date(2026, 1, 10)
    )
    a = denied["assessment"]
    assert a["grounds"] == ["rule43-4"]
    assert a["final_report_days"] == 60 and a["deadlines"]["final_report"] == "2026-01-29"


def test_assumed_malice_denied_later_does_not_lengthen_the_final_report() -> None:
    # 不正の目的 unknown: taken as possible, counted at 30 days; found absent it is not 60 days.
    rec = record(principals=50, my_number=False)
    assert rec["assessment"]["final_report_days"] == 30
    denied = inc.update_record(rec, changes=dict(NOT), files=[], on=date(2025, 12, 3), today=date(2025, 12, 3))
    a = denied["assessment"]
    assert a["grounds"] == ["previously-reportable"]
    assert a["final_report_days"] == 30 and a["deadlines"]["final_report"] == "2026-01-05"


def test_policy_change_does_not_rewrite_a_past_assessment() -> None:
    rec = record(principals=150)
    newer = copy.deepcopy(DEFAULT_POLICY)
    newer["incident"]["final_report_days"] = 20
    newer["version"] = "2026-12"
    kept = inc.update_record(rec, changes={"sensitive": True}, files=[], on=date(2025, 12, 2), today=date(2025, 12, 2))
    assert kept["assessment"]["deadlines"]["final_report"] == "2026-01-05"
    refreshed = inc.update_record(
        rec,
        changes={},
        files=[],
        on=date(2025, 12, 2),
        today=date(2025, 12, 2),
        new_snapshot=inc.rules_snapshot(newer, None, date(2025, 12, 2)),
    )
    assert refreshed["rules_snapshot"]["policy_version"] == "2026-12"
    assert refreshed["assessment"]["deadlines"]["final_report"] == "2025-12-22"  # day 20 = 12/20 Sat -> Mon 12/22
    assert refreshed["events"][-1]["event"] == "rules-refreshed"


def test_snapshot_stores_versions_and_citations() -> None:
    assert SNAP["policy_version"] == DEFAULT_POLICY["version"]
    assert SNAP["citations_as_of"] == "2025-09-24"
    assert SNAP["citations"] == [{"key": "rule.43", "current": "施行規則第43条", "status": "verified"}]
    assert SNAP["preliminary_report_days"] == 5 and SNAP["final_report_days_malicious"] == 60


# -- the chain ----------------------------------------------------------------------------------


def test_chain_due_dates_follow_the_policy_speeds() -> None:
    rec = record(principals=150)
    assert step(rec, "report-to-manager")["due"] == "2025-12-01"  # 直ちに = the same day
    assert step(rec, "report-to-vice")["due"] == "2025-12-04"  # 速やかに = 3 days
    assert step(rec, "containment")["due"] == "2025-12-04"
    assert step(rec, "investigation-report")["due"] == "2025-12-08"  # 12/7 Sunday
    assert step(rec, "preliminary-report")["due"] == "2025-12-05"
    assert step(rec, "principal-notice")["required"] is True
    assert step(rec, "cause-and-measures")["required"] is True
    assert step(rec, "art39-7-report")["required"] is False


def test_chain_steps_start_from_the_previous_step_when_done() -> None:
    rec = record(principals=150)
    rec = inc.update_record(
        rec, changes={}, event={"event": "report-to-manager"}, files=[], on=date(2025, 12, 2), today=date(2025, 12, 2)
    )
    assert step(rec, "report-to-manager")["done_on"] == "2025-12-02"
    assert step(rec, "report-to-vice")["due"] == "2025-12-05"


def test_cyber_means_containment_at_once() -> None:
    rec = record(principals=1, cyber=True)
    assert step(rec, "containment")["speed"] == "immediately"
    assert step(rec, "containment")["due"] == "2025-12-01"


def test_minor_case_skips_the_sokatsu_per_policy() -> None:
    rec = record(principals=3, minor=True, sensitive=False, financial=False, malicious=False, my_number=False)
    assert step(rec, "investigation-report")["to"] == "副総括個人情報保護管理者"
    not_minor = record(principals=3)
    assert "総括個人情報保護管理者及び" in step(not_minor, "investigation-report")["to"]


def test_anonymized_info_immediate_reports() -> None:
    rec = record(principals=1, anonymized_info=True, sensitive=False, financial=False, malicious=False, my_number=False)
    assert rec["assessment"]["grounds"] == ["art39-7"]
    s = step(rec, "art39-7-report")
    assert s["required"] and s["speed"] == "immediately" and s["article"] == "39(7)"
    assert s["due"] == step(rec, "investigation-report")["due"]
    assert step(rec, "art40-3-report")["required"] and step(rec, "art40-3-report")["due"] is None  # after the measures


def test_overdue_and_next_due() -> None:
    rec = record(principals=150)
    assert inc.overdue(rec, KNOWN) == []  # the due day itself is not late
    assert [s["step"] for s in inc.overdue(rec, date(2025, 12, 2))] == ["report-to-manager"]
    assert inc.next_due(rec)["step"] == "report-to-manager"
    late = [s["step"] for s in inc.overdue(rec, date(2026, 1, 6))]
    assert "final-report" in late and "preliminary-report" in late


def test_a_final_report_filed_first_serves_as_the_preliminary_one() -> None:
    # Everything known by day 3: one report is both 速報 and 確報 (legal brief §3.3, VERIFIED); the 速報
    # is then not pending, overdue, nor a reason to refuse closing.
    rec = record(principals=150, **NOT)
    rec = inc.update_record(
        rec, changes={}, event={"event": "final-report"}, files=[], on=date(2025, 12, 3), today=date(2025, 12, 10)
    )
    pre = step(rec, "preliminary-report")
    assert pre["done_on"] == "2025-12-03" and "確報" in pre["note"]
    assert "preliminary-report" not in [s["step"] for s in inc.overdue(rec, date(2025, 12, 10))]
    codes = [p.message for p in inc.close_problems(rec, "incidents/X.yaml", date(2025, 12, 10))]
    assert not [m for m in codes if "preliminary-report" in m]
    # A 速報 recorded on its own keeps its own day.
    both = inc.update_record(
        rec, changes={}, event={"event": "preliminary-report"}, files=[], on=date(2025, 12, 2), today=date(2025, 12, 10)
    )
    assert (
        step(both, "preliminary-report")["done_on"] == "2025-12-02" and step(both, "preliminary-report")["note"] == ""
    )


def test_a_final_report_filed_after_the_preliminary_target_says_the_preliminary_was_late() -> None:
    """A 確報 on day 20 with no 速報 before: it stands for the 速報 (nothing pending for ever), but the
    note said 「確報をもって速報を兼ねた」 as if in time; it says the 速報's target passed first."""
    rec = record(principals=150, **NOT)
    target = step(rec, "preliminary-report")["due"]
    late = inc.update_record(
        rec, changes={}, event={"event": "final-report"}, files=[], on=date(2025, 12, 20), today=date(2025, 12, 21)
    )
    pre = step(late, "preliminary-report")
    assert target < "2025-12-20" and pre["done_on"] == "2025-12-20"
    assert pre["note"].startswith("速報の目安までに報告せず") and "兼ねた" in pre["note"]
    in_time = inc.update_record(
        rec, changes={}, event={"event": "final-report"}, files=[], on=date(2025, 12, 3), today=date(2025, 12, 10)
    )
    assert step(in_time, "preliminary-report")["note"].startswith("確報をもって速報を兼ねた")


# -- closing ------------------------------------------------------------------------------------


def test_close_requires_cause_measures_and_pending_reports() -> None:
    rec = record(principals=150)
    codes = {p.code for p in inc.close_problems(rec, "incidents/X.yaml", KNOWN)}
    assert {"incident-cause", "incident-measures", "incident-measures-planned", "incident-step-pending"} <= codes


def test_close_of_a_non_reportable_minor_case_needs_only_the_chain() -> None:
    rec = record(principals=2, sensitive=False, financial=False, malicious=False, my_number=False, minor=True)
    problems = inc.close_problems(rec, "incidents/X.yaml", KNOWN)
    assert {p.code for p in problems} == {"incident-step-pending"}
    for i, ev in enumerate(("report-to-manager", "report-to-vice", "containment", "investigation-report")):
        rec = inc.update_record(
            rec, changes={}, event={"event": ev}, files=[], on=date(2025, 12, 1 + i), today=date(2025, 12, 5)
        )
    assert inc.close_problems(rec, "incidents/X.yaml", date(2025, 12, 5)) == []
    closed = inc.close_record(rec, on=date(2025, 12, 5), today=date(2025, 12, 5))
    assert closed["state"] == "closed" and closed["closed_on"] == "2025-12-05"
    assert inc.overdue(closed, date(2030, 1, 1)) == []
    with pytest.raises(UsageError, match="closed"):
        inc.update_record(closed, changes={"principals": 3}, files=[], on=date(2025, 12, 5), today=date(2025, 12, 5))


# -- input checking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"principals": -1}, "principals"),
        ({"principals": "many"}, "principals"),
        ({"sensitive": "yes"}, "sensitive"),
        ({"known_on": "2025-13-01"}, "known_on"),
        ({"colour": "red"}, "not an incident fact"),
        ({"notice_exception": "maybe"}, "notice_exception"),
        ({"measures_done": "one"}, "measures_done"),
    ],
)
def test_bad_input_is_a_usage_error(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        inc.split_input(raw)


def test_known_date_in_the_future_is_refused() -> None:
    with pytest.raises(UsageError, match="future"):
        inc.new_record({"known_on": "2026-01-01", "summary": "x"}, {}, [], SNAP, today=KNOWN)


def test_events_cannot_be_dated_before_the_known_day_or_after_today() -> None:
    rec = record(principals=1)
    with pytest.raises(UsageError, match="before the known date"):
        inc.update_record(
            rec, changes={}, event={"event": "note", "note": "x"}, files=[], on=date(2025, 11, 30), today=KNOWN
        )
    with pytest.raises(UsageError, match="after today"):
        inc.update_record(
            rec, changes={}, event={"event": "note", "note": "x"}, files=[], on=date(2025, 12, 2), today=KNOWN
        )
    with pytest.raises(UsageError, match="nothing to record"):
        inc.update_record(rec, changes={"principals": 1}, files=[], on=KNOWN, today=KNOWN)


# -- list and validate findings -----------------------------------------------------------------


def test_list_rows_filters() -> None:
    a = record(principals=150)
    b = inc.close_record(
        record(principals=2, sensitive=False, financial=False, malicious=False, my_number=False), on=KNOWN, today=KNOWN
    )
    rows = inc.list_rows([("INC-A", a), ("INC-B", b)], date(2025, 12, 10))
    assert [r["id"] for r in rows] == ["INC-A", "INC-B"]
    assert [r["id"] for r in inc.list_rows([("INC-A", a), ("INC-B", b)], date(2025, 12, 10), only_open=True)] == [
        "INC-A"
    ]
    over = inc.list_rows([("INC-A", a), ("INC-B", b)], date(2025, 12, 10), only_overdue=True)
    assert [r["id"] for r in over] == ["INC-A"]
    assert {o["step"] for o in over[0]["overdue"]} >= {"report-to-manager", "preliminary-report"}
    assert inc.list_rows([("INC-A", a)], KNOWN, only_overdue=True) == []


def test_incident_findings_warn_on_every_passed_deadline(tmp_path: Path) -> None:
    from meti_pi.store.register import Record

    rec = {"schema_version": 1, "id": "INC-2025-AAAAAA", **record(principals=150)}
    rec["summary"] = "誤送信（宛先 a.b@example.jp）"

    class Reg:
        def of_kind(self, kind: str) -> list[Record]:
            return [
                Record("incidents", "INC-2025-AAAAAA", "incidents/INC-2025-AAAAAA.yaml", tmp_path / "x.yaml", rec, "")
            ]

    found = list(inc.incident_findings(Reg(), date(2026, 1, 6)))
    overdue = [p for p in found if p.code == "incident-overdue"]
    assert all(p.severity == "warning" for p in found)
    assert {p.message.split(" (")[1].split(")")[0] for p in overdue} >= {
        "preliminary-report",
        "final-report",
        "report-to-manager",
    }
    final = next(p for p in overdue if "final-report" in p.message)
    assert final.key == "$.assessment.deadlines.final_report" and "2026-01-05" in final.message
    pii = [p for p in found if p.code == "incident-personal-data"]
    assert len(pii) == 1 and "example.jp" not in pii[0].message
    assert list(inc.incident_findings(Reg(), KNOWN)) == pii  # nothing late on the known day


def test_an_overdue_finding_gives_the_line_of_its_deadline(tmp_path: Path) -> None:
    """The line of an overdue step is found in the record's own text (when read: the file is parsed
    again only for a problem that is reported)."""
    import yaml

    from meti_pi.store.register import Record

    rec = {"schema_version": 1, "id": "INC-2025-AAAAAA", **record(principals=150)}
    text = yaml.safe_dump(rec, allow_unicode=True, sort_keys=False)
    lines = text.splitlines()
    deadlines = next(i for i, line in enumerate(lines) if line.strip() == "deadlines:")
    final_line = next(i for i in range(deadlines, len(lines)) if lines[i].strip().startswith("final_report:")) + 1

    class Reg:
        def of_kind(self, kind: str) -> list[Record]:
            return [Record("incidents", rec["id"], f"incidents/{rec['id']}.yaml", tmp_path / "x.yaml", rec, text)]

    found = list(inc.incident_findings(Reg(), date(2026, 1, 6)))
    final = next(p for p in found if p.code == "incident-overdue" and "final-report" in p.message)
    assert final.line == final_line
