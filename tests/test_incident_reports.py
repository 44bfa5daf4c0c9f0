"""Japanese drafts of an incident: PPC 速報/確報 (nine items), notice to the 本人, publication.

Golden files live in tests/golden/incident/; regenerate with METI_PI_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from meti_pi.incident import incidents as inc
from meti_pi.incident import reports as rep
from meti_pi.store.policy import DEFAULT_POLICY

GOLDEN = Path(__file__).parent / "golden" / "incident"
KNOWN = date(2026, 4, 3)


def lifecycle_record() -> dict[str, Any]:
    """A fictional mis-sent e-mail: 要配慮 + 150 本人, taken to the 確報."""
    snap = inc.rules_snapshot(DEFAULT_POLICY, {"as_of": "2025-09-24"}, KNOWN)
    top = {
        "known_on": "2026-04-03",
        "summary": "講座受講者への案内メールを誤って全員を宛先に入れて送信した。",
        "files": ["F-2026-5TV229"],
        "division": "shojo-it-riyo",
    }
    facts = {
        "occurred_on": "2026-04-02",
        "discovered_by": "受講者からの問合せを受けた担当係",
        "principals": 150,
        "information_items": "氏名、電子メールアドレス、受講希望コース（電子メールの宛先欄）",
        "sensitive": False,
        "financial": False,
        "malicious": False,
        "my_number": False,
        "contractor_involved": False,
    }
    rec = inc.new_record(top, facts, [], snap, today=KNOWN)
    steps = [
        ("report-to-manager", date(2026, 4, 3), {"method": "口頭"}),
        ("report-to-vice", date(2026, 4, 3), {}),
        ("containment", date(2026, 4, 3), {"note": "受信者に削除を依頼"}),
        ("investigation-report", date(2026, 4, 6), {}),
        ("preliminary-report", date(2026, 4, 7), {"method": "PPCウェブフォーム"}),
    ]
    for ev, on, extra in steps:
        rec = inc.update_record(rec, changes={}, event={"event": ev, **extra}, files=[], on=on, today=on)
    rec = inc.update_record(
        rec,
        changes={
            "cause": "一斉送信の際にBCC欄ではなく宛先欄に入力したため。",
            "secondary_damage": "現時点で二次被害は確認されていない。",
            "measures_done": ["メール送信時の複数人確認の徹底"],
            "measures_planned": ["一斉送信システムの導入"],
            "publish": True,
        },
        event={"event": "principal-notice", "method": "電子メール"},
        files=[],
        on=date(2026, 4, 8),
        today=date(2026, 4, 8),
    )
    return {"schema_version": 1, "id": "INC-2026-7KQ3XD", **rec}


CTX = rep.Context(
    today=date(2026, 4, 10),
    organisation="経済産業省",
    division_name="商務情報政策局情報技術利用促進課",
    division_address="東京都千代田区霞が関一丁目3番1号",
    files=(("F-2026-5TV229", "デジタルスキル講座受講申込者ファイル"),),
)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("METI_PI_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}; run with METI_PI_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", rep.KINDS)
def test_golden_drafts(kind: str) -> None:
    check_golden(f"{kind}.md", rep.render_markdown(kind, lifecycle_record(), CTX))


def shipped_citations() -> dict[str, Any]:
    """citations.yaml of the shipped register (the one `meti-pi init` writes), by key."""
    from meti_pi import PACKAGE_DIR
    from meti_pi.store.register import Register

    return Register.load(PACKAGE_DIR / "data" / "register").citations


@pytest.mark.parametrize("kind", rep.KINDS)
def test_the_shipped_citations_leave_the_drafts_as_they_were(kind: str) -> None:
    """The drafts take APPI 68 and 施行規則43-45 from citations.yaml (tests/test_cli_incident.py::
    test_report_citations_come_from_citations_yaml); today's numbers there give today's drafts, byte for byte."""
    ctx = rep.Context(**{**CTX.__dict__, "citations": shipped_citations()})
    assert {"appi.68", "rule.43", "rule.44", "rule.45"} <= set(ctx.citations)
    check_golden(f"{kind}.md", rep.render_markdown(kind, lifecycle_record(), ctx))
    if kind == "preliminary":
        bare = rep.Context(today=date(2026, 4, 10), citations=ctx.citations)
        check_golden("preliminary-mynumber.md", rep.render_markdown(kind, my_number_record(), bare))
    assert rep.render_docx(kind, lifecycle_record(), ctx, DEFAULT_POLICY) == rep.render_docx(
        kind, lifecycle_record(), CTX, DEFAULT_POLICY
    )


def test_ground_articles_follow_the_citations_and_fall_back_to_todays_numbers() -> None:
    amended = {
        "appi.68": {"current": "第70条", "cited_in_rule": "第68条"},
        "rule.43": {"current": "施行規則第５０条", "cited_in_rule": "個人情報保護委員会規則で定める事態"},
    }
    articles = inc.ground_articles(amended)
    assert articles["rule43-3"] == "個人情報保護法第70条第1項、施行規則第50条第3号"
    assert articles["previously-reportable"] == "個人情報保護法第70条第1項（発生したおそれ）"
    # the shipped citations give today's numbers: the stored labels (GROUND_ARTICLE) do not move
    assert inc.ground_articles(shipped_citations()) == inc.ground_articles({})
    assert inc.GROUND_ARTICLE["rule43-1"] == "個人情報保護法第68条第1項、施行規則第43条第1号"


def my_number_record() -> dict[str, Any]:
    """Papers holding 個人番号 lost, 2 本人, the rest unknown (taken as possible: 規則43(1)-(3) too)."""
    snap = inc.rules_snapshot(DEFAULT_POLICY, None, KNOWN)
    rec = inc.new_record(
        {"known_on": "2026-04-03", "summary": "個人番号が記載された書類を紛失した。"},
        {"principals": 2, "my_number": True},
        [],
        snap,
        today=KNOWN,
    )
    return {"id": "INC-2026-AAAAAA", **rec}


def test_golden_my_number_preliminary_with_unknowns() -> None:
    bare = rep.Context(today=date(2026, 4, 10))
    check_golden("preliminary-mynumber.md", rep.render_markdown("preliminary", my_number_record(), bare))


@pytest.mark.parametrize(
    ("facts", "held"),
    [
        # 番号法 alone (規則2(1): a system's 特定個人情報, no 規則43 ground): 特定個人情報
        (
            {"principals": 2, "sensitive": False, "financial": False, "malicious": False, "my_number_system": True},
            "特定個人情報",
        ),
        # both laws (101 本人: 規則43(4) too): the 保有個人情報, 特定個人情報 among them
        (
            {"principals": 101, "sensitive": False, "financial": False, "malicious": False, "my_number_system": True},
            "保有個人情報（特定個人情報を含む。）",
        ),
    ],
)
def test_items_2_and_3_name_what_the_report_is_about(facts: dict, held: str) -> None:
    """A joint APPI and 番号法 report titled items 2 and 3 for 特定個人情報 alone (an outside review)."""
    snap = inc.rules_snapshot(DEFAULT_POLICY, None, KNOWN)
    rec = inc.new_record(
        {"known_on": "2026-04-03", "summary": "紛失"}, {"my_number": True, **facts}, [], snap, today=KNOWN
    )
    md = rep.render_markdown("preliminary", {"id": "INC-2026-AAAAAA", **rec}, rep.Context(today=date(2026, 4, 10)))
    assert f"## ２　漏えい等が発生し、又は発生したおそれがある{held}の項目" in md
    assert f"## ３　漏えい等が発生し、又は発生したおそれがある{held}に係る本人の数" in md


def test_nine_report_items_in_order() -> None:
    md = rep.render_markdown("final", lifecycle_record(), CTX)
    positions = [md.index(f"## {'０１２３４５６７８９'[n]}　") for n in range(1, 10)]
    assert positions == sorted(positions)
    for title in rep.REPORT_ITEMS:
        assert title in md


def test_notice_has_items_1_2_4_5_9_only() -> None:
    md = rep.render_markdown("principal-notice", lifecycle_record(), CTX)
    assert "原因" in md and "二次被害" in md and "その他参考となる事項" in md
    assert "本人の数" not in md and "再発防止" not in md and "公表の実施状況" not in md


def test_wareki_fullwidth_and_ascii_ids() -> None:
    md = rep.render_markdown("final", lifecycle_record(), CTX)
    assert "令和８年４月３日" in md and "１５０人" in md
    assert "F-2026-5TV229" in md  # ids stay as typed: they are looked up, not read
    half = rep.render_markdown("final", lifecycle_record(), rep.Context(**{**CTX.__dict__, "fullwidth_digits": False}))
    assert "令和8年4月3日" in half and "150人" in half


def test_unknowns_are_shown_as_fumei() -> None:
    snap = inc.rules_snapshot(DEFAULT_POLICY, None, KNOWN)
    rec = inc.new_record({"known_on": "2026-04-03", "summary": "紛失"}, {}, [], snap, today=KNOWN)
    md = rep.render_markdown("preliminary", rec, CTX)
    assert md.count("不明") >= 6
    assert "速報の時点で判明していない事項" in md


def test_word_output_is_deterministic_and_holds_the_items() -> None:
    from meti_pi.render.word import docx_paragraphs

    one = rep.render_docx("final", lifecycle_record(), CTX, DEFAULT_POLICY)
    two = rep.render_docx("final", lifecycle_record(), CTX, DEFAULT_POLICY)
    assert one == two
    paras = docx_paragraphs(one)
    assert "保有個人情報の漏えい等に関する報告（確報）" in paras
    assert any(p.startswith("８　再発防止のための措置") for p in paras)
    assert not any("<!--" in p for p in paras)


def test_file_name() -> None:
    assert rep.file_name("INC-2026-7KQ3XD", "principal-notice", "docx") == "INC-2026-7KQ3XD-principal-notice.docx"


def test_a_fact_found_absent_is_reported_absent_and_the_history_in_day_order() -> None:
    """The 経緯 named each fact that changed by its label alone: 要配慮 and 財産的被害 found absent
    read 「事実の判明（要配慮個人情報を含む、財産的被害が生じるおそれ）」 in the PPC report and the
    公表; and a fact dated the day it was known came after events recorded before it."""
    snap = inc.rules_snapshot(DEFAULT_POLICY, None, KNOWN)
    rec = inc.new_record({"known_on": "2026-04-03", "summary": "紛失"}, {}, [], snap, today=KNOWN)
    later = date(2026, 4, 8)
    rec = inc.update_record(rec, changes={}, event={"event": "report-to-manager"}, files=[], on=later, today=later)
    rec = inc.update_record(
        rec,
        changes={"sensitive": False, "financial": True, "principals": 150},
        files=[],
        on=later,
        today=later,
        facts_on=date(2026, 4, 5),
    )
    md = rep.render_markdown("final", {"id": "INC-2026-AAAAAA", **rec}, CTX)
    found = "事実の判明（要配慮個人情報を含む：なし、財産的被害が生じるおそれ：あり、本人の数：１５０人）"
    assert f"- 令和８年４月５日　{found}" in md
    assert md.index("令和８年４月５日　事実の判明") < md.index("令和８年４月８日")


def test_a_report_carried_over_names_the_event_it_was_and_dates_it_in_wareki() -> None:
    """Reportable on day 1 (150 本人), the count found to be 50: the 確報 named no 報告対象事態 (the form
    asks which) and dated the carried one as an ISO string (「2026-04-03の時点で」)."""
    snap = inc.rules_snapshot(DEFAULT_POLICY, None, KNOWN)
    facts = {"principals": 150, "sensitive": False, "financial": False, "malicious": False, "my_number": False}
    rec = inc.new_record({"known_on": "2026-04-03", "summary": "紛失"}, facts, [], snap, today=KNOWN)
    later = date(2026, 4, 8)
    rec = inc.update_record(rec, changes={"principals": 50}, files=[], on=later, today=later)
    assert rec["assessment"]["grounds"] == ["previously-reportable"]
    md = rep.render_markdown("final", {"id": "INC-2026-AAAAAA", **rec}, CTX)
    assert "2026-04-03" not in md
    line = next(x for x in md.splitlines() if x.startswith("- 該当する事態："))
    assert "本人の数が１００人を超える保有個人情報の漏えい等が発生し、又は発生したおそれがある事態" in line
    assert "施行規則第４３条第４号" in line and "令和８年４月３日" in line
