"""Issue 14 (incidents): the 速報 target, the My Number Act (規則2(1) from the register, 29条の4
citations), a 外局 as its own 行政機関, a fact's day 1, unknown facts taken as 「おそれ」."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke, make_register
from test_cli_incident import FILE as CLI_FILE
from typer.testing import CliRunner

from meti_pi.incident import incidents as inc
from meti_pi.incident import reports as rep
from meti_pi.store.policy import DEFAULT_POLICY

SNAP = inc.rules_snapshot(DEFAULT_POLICY, None, date(2025, 1, 1))
RULES = inc.Rules.from_snapshot(SNAP)
NOT = {"sensitive": False, "financial": False, "malicious": False}


def assess(known: date, files: list[inc.FileInfo] | None = None, **facts: Any) -> dict[str, Any]:
    return inc.assess(inc.full_facts(facts), files or [], RULES, known_on=known, on=known)


def record(files: list[inc.FileInfo] | None = None, known: str = "2026-04-03", **facts: Any) -> dict[str, Any]:
    top = {"known_on": known, "summary": "書類の紛失", "files": [f.id for f in files or []]}
    return {"id": "INC-2026-TEST01", **inc.new_record(top, facts, files or [], SNAP, today=date.fromisoformat(known))}


ASCII = rep.Context(today=date(2026, 4, 10), fullwidth_digits=False)


# -- item 4: the 速報 is day 5, not rolled; the 確報 is rolled ---------------------------------


@pytest.mark.parametrize(
    ("known", "preliminary", "final"),
    [
        # 12/25 -> day 5 = 12/29 (年末年始, kept); day 30 = 1/23 (Fri)
        ("2025-12-25", "2025-12-29", "2026-01-23"),
        # day 5 = 4/11 (Sat, kept); day 30 = 5/6 (振替休日 for 5/3) -> 5/7
        ("2026-04-07", "2026-04-11", "2026-05-07"),
        # day 5 = 9/21 (敬老の日, kept); day 30 = 10/16 (Fri)
        ("2026-09-17", "2026-09-21", "2026-10-16"),
        # day 5 = 12/5 (Fri) open anyway; day 30 = 12/30 (closure) -> 1/5 (legal brief §3.3)
        ("2025-12-01", "2025-12-05", "2026-01-05"),
        # day 5 = 1/3 (closure, kept); day 30 = 1/28 (Wed)
        ("2025-12-30", "2026-01-03", "2026-01-28"),
    ],
)
def test_preliminary_is_a_target_not_rolled_final_is_rolled(known: str, preliminary: str, final: str) -> None:
    a = assess(date.fromisoformat(known), principals=150, **NOT)
    assert a["deadlines"] == {"preliminary_report": preliminary, "final_report": final}


def test_preliminary_draft_says_target_never_deadline() -> None:
    rec = record(principals=150, **NOT)
    pre = rep.render_markdown("preliminary", rec, ASCII)
    assert "速報の目安：令和8年4月7日" in pre and "報告期限" not in pre
    fin = rep.render_markdown("final", rec, ASCII)
    assert "確報の期限：令和8年5月7日" in fin and "報告期限" not in fin


# -- item 3: 特定個人情報漏えい等規則 Art. 2(1) inferred from the register -----------------------

PAYROLL = {
    "file_kind": "computer",
    "systems": ["S-JINJI"],
    "principals": {"count": 4000},
    "characteristics": {"my_number": True, "sensitive": False, "financial": False},
    "my_number_basis": {"relation_work": True},
}


def test_relation_work_system_file_is_reportable_for_one_person_and_notified() -> None:
    f = inc.file_info("F-PAY", PAYROLL)
    assert f.my_number_system is True
    a = assess(date(2026, 4, 3), [f], principals=1, malicious=False)
    assert a["grounds"] == ["mynumber-rule2-1"]
    assert a["principal_notice"] is True and a["principal_notice_basis"] == ["mynumber-29-4-2"]
    assert "F-PAY（個人番号関係事務）" in a["reasons"][0]["text"]
    assert "法令上の本人通知義務はない" not in a["principal_notice_note"]
    assert a["deadlines"]["final_report"] == "2026-05-07"


def test_manual_file_without_a_system_is_reported_under_the_guideline_only() -> None:
    f = inc.file_info("F-PAPER", {**PAYROLL, "file_kind": "manual", "systems": []})
    assert f.my_number_system is False
    a = assess(date(2026, 4, 3), [f], principals=1, malicious=False)
    assert a["grounds"] == ["mynumber-guideline"]
    assert a["principal_notice"] is False


def test_unknown_system_stays_possibly_and_a_stated_answer_wins() -> None:
    f = inc.file_info("F-X", {**PAYROLL, "file_kind": "none", "systems": None})
    assert f.my_number_system is None
    a = assess(date(2026, 4, 3), [f], principals=1, malicious=False)
    assert a["grounds"] == ["mynumber-rule2-1"] and a["assumed_facts"] == ["my_number_system"]
    assert "おそれ" in a["reasons"][0]["text"]
    assert "my_number_system" in a["unknown_facts"]
    a = assess(date(2026, 4, 3), [f], principals=1, malicious=False, my_number_system=False)
    assert a["grounds"] == ["mynumber-guideline"] and a["assumed_facts"] == []


def test_file_without_my_number_does_not_make_the_system_possible() -> None:
    f = inc.file_info(
        "F-N", {**PAYROLL, "characteristics": {"my_number": False, "sensitive": False, "financial": False}}
    )
    a = assess(date(2026, 4, 3), [f], principals=1, malicious=False)
    assert a["ppc_report"] is False and "my_number_system" not in a["unknown_facts"]


# -- item 5: My-Number-only reports and notices cite the 番号法 ----------------------------------


def test_my_number_only_report_cites_the_my_number_act_not_appi() -> None:
    rec = record(principals=1, my_number=True, my_number_system=True, **NOT)
    assert rep.mynumber_only(rec)
    md = rep.render_markdown("preliminary", rec, ASCII)
    assert '<p align="center"><strong>特定個人情報の漏えい等に関する報告（速報）</strong></p>' in md
    assert "番号の利用等に関する法律第29条の4第1項及び特定個人情報漏えい等規則第2条の規定に基づき" in md
    assert "個人情報の保護に関する法律第68条" not in md
    assert "特定個人情報漏えい等規則第3条（規程第39条第6項）" in md
    notice = rep.render_markdown("principal-notice", rec, ASCII)
    assert "番号法第29条の4第2項、特定個人情報漏えい等規則第5条" in notice
    assert "第68条第2項" not in notice and "施行規則第45条" not in notice
    assert "皆様の個人番号を含む特定個人情報" in notice


def test_both_acts_cited_where_both_apply() -> None:
    rec = record(principals=1, my_number=True, my_number_system=True, sensitive=True, financial=False, malicious=False)
    assert not rep.mynumber_only(rec)
    md = rep.render_markdown("final", rec, ASCII)
    assert '<p align="center"><strong>保有個人情報の漏えい等に関する報告（確報）</strong></p>' in md
    assert (
        "個人情報の保護に関する法律第68条第1項並びに行政手続における特定の個人を識別するための番号の利用等に関する法律第29条の4第1項"
        in md
    )
    notice = rep.render_markdown("principal-notice", rec, ASCII)
    assert "個人情報保護法第68条第2項、施行規則第45条及び番号法第29条の4第2項、特定個人情報漏えい等規則第5条" in notice


def test_guideline_only_report_cites_the_guideline_not_article_29_4() -> None:
    rec = record(principals=1, my_number=True, my_number_system=False, **NOT)
    md = rep.render_markdown("preliminary", rec, ASCII)
    assert '<p align="center"><strong>特定個人情報の漏えい等に関する報告（速報）</strong></p>' in md
    assert "ガイドライン（行政機関等編）別添2の規定に基づき" in md
    assert "第29条の4第1項" not in md.split('<p align="center">記</p>')[0]


def test_difficult_exception_cites_the_my_number_act_for_a_my_number_case() -> None:
    a = assess(
        date(2026, 4, 3),
        principals=1,
        my_number=True,
        my_number_system=True,
        notice_exception="difficult",
        substitute_measure="公表",
        **NOT,
    )
    assert a["principal_notice_exception"] == "difficult"
    assert "番号法第29条の4第2項ただし書" in a["principal_notice_note"] and "法第68条" not in a["principal_notice_note"]


# -- item 9: unknown facts are 「おそれ」; the 確報 stays at 30 days until 不正の目的 is known -------


def test_unknown_sensitive_financial_malicious_are_taken_as_possible() -> None:
    a = assess(date(2026, 4, 3), principals=1, my_number=False)
    assert a["grounds"] == ["rule43-1", "rule43-2", "rule43-3"]
    assert a["assumed_facts"] == ["sensitive", "financial", "malicious"]
    assert all("不明のため" in r["text"] for r in a["reasons"])
    assert a["final_report_days"] == 30  # only assumed: the shorter limit
    stated = assess(date(2026, 4, 3), principals=1, my_number=False, sensitive=False, financial=False, malicious=True)
    assert stated["grounds"] == ["rule43-3"] and stated["final_report_days"] == 60 and stated["assumed_facts"] == []


def test_files_that_say_no_rule_out_the_assumption() -> None:
    f = inc.FileInfo("F-1", 10, sensitive=False, financial=False, my_number=False)
    a = assess(date(2026, 4, 3), [f], malicious=False)
    assert a["ppc_report"] is False and a["assumed_facts"] == []
    g = inc.FileInfo("F-2", 10, sensitive=None, financial=False, my_number=False)  # the register does not say
    assert assess(date(2026, 4, 3), [f, g], malicious=False)["grounds"] == ["rule43-1"]


# -- CLI: item 9 day 1, item 4 text, item 6 the 外局 ---------------------------------------------

CHUSHO = """
    schema_version: 1
    id: chusho-zaimu
    name: 事業環境部財務課
    org: 中小企業庁
    manager_post: 中小企業庁事業環境部財務課長
"""
# The 受講者 file of test_cli_incident, held by a 中小企業庁 division instead (50 本人).
FILE = (
    CLI_FILE.replace("F-2026-5TV229", "F-2026-CHUSHO")
    .replace("org: 経済産業省", "org: 中小企業庁")
    .replace("division: joho-gijutsu", "division: chusho-zaimu")
    .replace("count: 2340", "count: 50")
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_register(tmp_path, {"divisions/chusho-zaimu.yaml": CHUSHO, "files/F-2026-CHUSHO.yaml": FILE})


def ok_json(runner: CliRunner, root: Path, today: str, *args: str) -> dict[str, Any]:
    result = invoke(runner, root, *args, "--json", today=today)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_fact_recorded_late_without_on_keeps_day_one(runner: CliRunner, root: Path) -> None:
    doc = ok_json(
        runner,
        root,
        "2026-04-03",
        "incident",
        "open",
        "--known-on",
        "2026-04-03",
        "--summary",
        "書類の紛失",
        "--division",
        "chusho-zaimu",
        "--file",
        "F-2026-CHUSHO",
        "--no-malicious",
    )
    assert doc["assessment"]["ppc_report"] is False
    later = ok_json(runner, root, "2026-04-20", "incident", "update", doc["id"], "--sensitive")
    a = later["assessment"]
    assert a["reportable_since"] == "2026-04-03"
    assert a["deadlines"] == {"preliminary_report": "2026-04-07", "final_report": "2026-05-07"}
    assert later["chain"] and list(ok_json(runner, root, "2026-04-20", "incident", "list")["incidents"])
    given = ok_json(
        runner, root, "2026-04-20", "incident", "update", doc["id"], "--principals", "150", "--on", "2026-04-15"
    )
    assert given["assessment"]["reportable_since"] == "2026-04-03"  # already reportable: day 1 stays


def test_fact_with_on_moves_day_one_to_that_day(runner: CliRunner, root: Path) -> None:
    doc = ok_json(
        runner,
        root,
        "2026-04-03",
        "incident",
        "open",
        "--known-on",
        "2026-04-03",
        "--summary",
        "書類の紛失",
        "--file",
        "F-2026-CHUSHO",
        "--no-malicious",
    )
    later = ok_json(runner, root, "2026-04-20", "incident", "update", doc["id"], "--sensitive", "--on", "2026-04-10")
    assert later["assessment"]["reportable_since"] == "2026-04-10"


def test_text_output_shows_the_target_and_assumptions(runner: CliRunner, root: Path) -> None:
    result = invoke(
        runner, root, "incident", "open", "--known-on", "2026-04-03", "--summary", "書類の紛失", today="2026-04-03"
    )
    assert result.exit_code == 0, result.output
    assert "速報の目安" in result.stdout and "速報 due" not in result.stdout
    assert "--no-sensitive" in result.stdout and "--no-malicious" in result.stdout


def test_drafts_for_a_gaikyoku_speak_for_it(runner: CliRunner, root: Path) -> None:
    doc = ok_json(
        runner,
        root,
        "2026-04-03",
        "incident",
        "open",
        "--known-on",
        "2026-04-03",
        "--summary",
        "書類の紛失",
        "--division",
        "chusho-zaimu",
        "--file",
        "F-2026-CHUSHO",
        "--principals",
        "150",
    )
    for kind in ("preliminary", "principal-notice", "publication"):
        result = invoke(runner, root, "incident", "report", doc["id"], "--kind", kind, today="2026-04-04")
        assert result.exit_code == 0, result.output
        assert "中小企業庁" in result.stdout and "経済産業省" not in result.stdout.replace(
            "経済産業省個人情報保護管理規程", ""
        ), kind
        assert "当省" not in result.stdout
    notice = invoke(
        runner, root, "incident", "report", doc["id"], "--kind", "principal-notice", today="2026-04-04"
    ).stdout
    assert "当庁において" in notice


def test_organisation_from_files_when_no_division() -> None:
    assert rep.organisation_for(None, ["中小企業庁", "中小企業庁"], "経済産業省") == "中小企業庁"
    assert rep.organisation_for(None, ["中小企業庁", "経済産業省"], "経済産業省") == "経済産業省"
    assert rep.organisation_for({"org": "資源エネルギー庁"}, ["経済産業省"], "経済産業省") == "資源エネルギー庁"


def test_org_mismatch_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    root = make_register(
        tmp_path,
        {
            "divisions/chusho-zaimu.yaml": CHUSHO,
            "files/F-2026-CHUSHO.yaml": FILE.replace("org: 中小企業庁\n    division", "org: 経済産業省\n    division"),
        },
    )
    result = invoke(runner, root, "validate", "--json")
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    assert [e["path"] for e in errors if e["code"] == "org-mismatch"] == ["files/F-2026-CHUSHO.yaml"]


def test_notice_refused_for_a_file_whose_org_differs_from_its_division(runner: CliRunner, tmp_path: Path) -> None:
    root = make_register(
        tmp_path,
        {
            "divisions/chusho-zaimu.yaml": CHUSHO,
            "files/F-2026-CHUSHO.yaml": FILE.replace("org: 中小企業庁\n    division", "org: 経済産業省\n    division")
            .replace("count: 50", "count: 5000")
            # listed in the ファイル簿 at 5,000: APPI 75(1) items stated (issue 14 part 1)
            .replace(
                "    holding:\n",
                "    disclosure_office: {name: 窓口, address: 東京都千代田区霞が関一丁目3番1号}\n    holding:\n",
            ),
        },
    )
    result = invoke(runner, root, "notify", "F-2026-CHUSHO", "--dry-run", today="2026-04-04")
    assert result.exit_code == 1
    assert (
        "org-mismatch" in result.output
        and "経済産業省事業環境部" not in result.output
        and "行政機関等の名称" not in result.output
    )


def test_which_unknowns_are_assumed_is_policy_frozen_in_the_snapshot() -> None:
    none = inc.Rules.from_snapshot({**SNAP, "unknown_taken_as_possible": []})
    a = inc.assess(inc.full_facts({"principals": 1}), [], none, known_on=date(2026, 4, 3), on=date(2026, 4, 3))
    assert a["ppc_report"] is False and a["assumed_facts"] == []
    old = {k: v for k, v in SNAP.items() if k != "unknown_taken_as_possible"}  # a snapshot taken before the key existed
    assert inc.Rules.from_snapshot(old).unknown_taken_as_possible == frozenset()
    assert SNAP["unknown_taken_as_possible"] == ["sensitive", "financial", "malicious", "my_number_system"]


def test_file_naming_sensitive_categories_holds_sensitive_data_for_the_assessment() -> None:
    """A file record with `sensitive: false` beside named 要配慮 categories: the ファイル簿 and the
    Art. 35 notice say 要配慮個人情報を含む (they read the categories); the assessment of a leak
    from it took the file's word 'no 要配慮' and found one 本人's leak not reportable (規則43(1))."""
    chars = {"my_number": False, "sensitive": False, "sensitive_categories": ["medical_history"], "financial": False}
    f = inc.file_info("F-MED", {**PAYROLL, "characteristics": chars})
    assert f.sensitive is True
    a = assess(date(2026, 4, 3), [f], principals=1, malicious=False, financial=False)
    assert a["ppc_report"] is True and "rule43-1" in a["grounds"]
