"""The inspection report words meti-pi's recorded sentences as a document (an outside new-user run).

A finding made from the register's evidence was printed as the record holds it: 「最終確認
2025-09-30（実地）；12か月以内の確認期限 2026-09-30 を経過（第14条第4項、policy
contractors.annual\\_check\\_months）」 under 「管理A・B…」 — ISO dates, half-width digits, an English
policy key. The records keep that register form (the terminal shows it); the report writes it in
the document's form (meti_pi.inspect.doctext), the officer's own words as written.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import make_register
from test_checklist import RATIONALE, contractor, division, file_rec
from test_inspection import record

from meti_pi.inspect import checklist as cl
from meti_pi.inspect import inspection as ins
from meti_pi.inspect.doctext import generated_text
from meti_pi.store.register import Register

TODAY = date(2026, 12, 7)
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "register"


def _register(tmp_path: Path) -> Path:
    confirmed = "annual_confirmations:\n  - {date: '2025-09-30', method: onsite, ref: 実地検査記録}\n"
    return make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            # 管理A, without its Art. 16(2) handling rules: a finding on a 管理A file
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", cls="A", extra=RATIONALE),
            "contractors/C-2026-JJJJ01.yaml": contractor(
                "C-2026-JJJJ01", ["jinji"], ["F-2026-JJJJ01"], start="2024-04-01", extra=confirmed
            ),
        },
    )


def _report(root: Path, policy: dict | None = None) -> tuple[dict, str]:
    reg = Register.load(root)
    rep = ins.year_report(reg, 2026, TODAY)
    md = ins.render_report(rep, "md", policy or reg.policy, ins.roles_of(reg)).decode("utf-8")
    return rep, md


def _findings(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith(("- 指摘：", "- 是正措置："))]


def test_a_finding_from_register_facts_is_worded_as_a_document(tmp_path):
    root = _register(tmp_path)
    record(root, "jinji", 2026, {}, TODAY, inspected_on="2026-12-01")
    rep, md = _report(root)
    assert (
        "- 指摘：［委託先01］管理Ａ・Ｂ又は行政機関等匿名加工情報作成の委託先の年次確認：最終確認令和７年９月３０日（実地）；"
        "１２か月以内の確認期限令和８年９月３０日を経過（第１４条第４項）"
    ) in md
    assert "- 是正措置：管理Ａ・Ｂ又は行政機関等匿名加工情報作成の委託先の年次確認について必要な措置を講ずる" in md
    assert (
        "- 指摘：［ファイル01］取扱方法の決定：第１６条第２項の取扱方法が定められていない："
        "（１）アクセス制限、（２）暗号化、"
    ) in md
    assert "管理Ａの保有個人情報に係る指摘" in md
    for line in _findings(md):  # names (［］) are the register's, as written
        assert not re.search(r"[a-z]|[0-9]|\\|管理[ABC]", re.sub(r"［[^］]*］", "", line)), line
    # The record keeps the register's form, as `inspect` shows it at the terminal.
    stored = next(f for f in rep["findings"] if f["item"] == "14-4@C-2026-JJJJ01")
    assert "確認期限 2026-09-30 を経過（第14条第4項、policy contractors.annual_check_months）" in stored["text"]
    assert (stored["text_as_written"], stored["action_as_written"]) == (None, False)
    # Half-width digits when the register's policy says so; the same words otherwise.
    reg = Register.load(root)
    half = {**reg.policy, "documents": {**reg.policy["documents"], "fullwidth_digits": False}}
    _, md_half = _report(root, half)
    assert "最終確認令和7年9月30日（実地）；12か月以内の確認期限令和8年9月30日を経過（第14条第4項）" in md_half
    # The spreadsheet's finding column says what the Markdown says.
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(ins.render_report(rep, "xlsx", reg.policy)))
    cells = {row[0]: row for row in book.worksheets[0].iter_rows(values_only=True)}
    row = cells[stored["ref"]]
    assert row[5].endswith("１２か月以内の確認期限令和８年９月３０日を経過（第１４条第４項）")
    assert row[6] == "管理Ａ・Ｂ又は行政機関等匿名加工情報作成の委託先の年次確認について必要な措置を講ずる"


def test_the_reasons_to_report_to_the_sokatsu_are_in_the_documents_digit_style(tmp_path):
    root = _register(tmp_path)
    record(root, "jinji", 2026, {}, TODAY, inspected_on="2026-12-01")
    reg = Register.load(root)
    rep = ins.year_report(reg, 2026, TODAY)
    finding = rep["findings"][0]
    finding["escalate"] = ["incident"]
    rep["escalations"] = [{"division": "jinji", "ref": finding["ref"], "reasons": ["incident"], "text": ""}]
    md = ins.render_report(rep, "md", reg.policy).decode("utf-8")
    assert "- 大臣官房人事課：事案（第３９条・第４０条）に係る指摘（" in md
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(ins.render_report(rep, "xlsx", reg.policy)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][11] == "事案（第３９条・第４０条）に係る指摘"


def test_what_the_officer_wrote_is_printed_as_written(tmp_path):
    root = _register(tmp_path)
    note = "研修2回のうち1回に不参加（2026-10-01）"
    action = "次回（2027-01-15）の研修に参加させる"
    record(root, "jinji", 2026, {"8-4": {"answer": "no", "note": note, "action": action}}, TODAY)
    rep, md = _report(root)
    row = next(f for f in rep["findings"] if f["item"] == "8-4")
    assert (row["text_as_written"], row["action_as_written"]) == (note, True)
    assert f"- 指摘：課員の研修参加：{note}" in md
    assert f"- 是正措置：{action}" in md


@pytest.mark.parametrize(
    ("register_form", "document_form"),
    [
        # Art. 14(2)'s items as the rule prints them, and an article cited as the records cite it
        (
            "契約書に第14条第2項(3)(9)の記載がない（contractors/C-1.yaml clauses）",
            "契約書に第１４条第２項（３）（９）の記載がない",
        ),
        (
            "管理者への報告（第39(1)）: 2026-09-07 実施（期限 2026-09-07）",
            "管理者への報告（第３９条第１項）：令和８年９月７日実施（期限令和８年９月７日）",
        ),
        (
            "事態の公表（第39(4)）: 要否は未判断（管理者が判断する；facts.publish 未記録）",
            "事態の公表（第３９条第４項）：要否は未判断（管理者が判断する）",
        ),
        (
            "事態の公表（第39(4)）: 行わないと管理者が判断（facts.publish: false）",
            "事態の公表（第３９条第４項）：行わないと管理者が判断",
        ),
        # notices: ids stay half-width, a state in Japanese
        (
            "第35条第1項の通知 N-2026-AB12CD を 2026-05-01 に提出（期限 2026-04-01）：期限 2026-04-01 後の提出",
            "第３５条第１項の通知 N-2026-AB12CD を令和８年５月１日に提出（期限令和８年４月１日）：期限令和８年４月１日後の提出",
        ),
        (
            "第11条第1項の通知 N-2026-AB12CD（submitted, 2026-05-01）",
            "第１１条第１項の通知 N-2026-AB12CD（提出、令和８年５月１日）",
        ),
        ("通知案 N-2026-AB12CD、N-2026-EF34GH は未提出", "通知案 N-2026-AB12CD、N-2026-EF34GH は未提出"),
        # register paths, fields and commands: a document leaves them out
        ("files/F-1.yaml direct_written_collection が未登録", "書面による本人からの直接取得の有無が未登録"),
        (
            "利用目的の明示（purpose_notice_ref）も第10条各号の例外（exception）も記録がない: files/F-1.yaml",
            "利用目的の明示も第１０条各号の例外も記録がない",
        ),
        (
            "当年度に保有された個人情報ファイル等 1,200件（files/）。ファイル簿は `meti-pi export` で作成",
            "当年度に保有された個人情報ファイル等１，２００件",
        ),
        ("派遣契約の記録なし（contractors の dispatched_workers）", "派遣契約の記録なし"),
        ("取扱方法の見直しの記録なし（handling_rules.reviewed_on）", "取扱方法の見直しの記録なし"),
        (
            "台帳のないファイル: F-2026-AB12CD、F-2026-EF34GH（ledger/）",
            "台帳のないファイル：F-2026-AB12CD、F-2026-EF34GH",
        ),
        # register text quoted or named in a sentence: as written
        (
            "研修記録 2026-05-01「2026-05-01 新任者研修」（受講 12名）",
            "研修記録令和８年５月１日「2026-05-01 新任者研修」（受講１２名）",
        ),
        (
            "［F-2026-AB12CD「第2課名簿」］管理区分: 管理B：本人の数が千人以上のため（決定 2025-04-01）",
            "［第2課名簿］管理区分：管理Ｂ：本人の数が千人以上のため（決定令和７年４月１日）",
        ),
    ],
)
def test_register_forms_in_the_document_form(register_form, document_form):
    assert generated_text(register_form) == document_form


def test_every_prefilled_evidence_of_the_example_register_reads_as_a_document(tmp_path):
    """Every sentence the checklists of the example register pre-fill, as a report would print it
    in a finding: no English or key, no ISO date, no half-width digit but in ids and codes."""
    reg = Register.load(make_register(tmp_path, example=True))
    seen = 0
    for year in (2025, 2026):
        for d in reg.of_kind("divisions"):
            for item in cl.build(reg, d.id, year, TODAY).items:
                if item.scope == "finding" or item.prefill is None:
                    continue  # an earlier finding asked again is closed or kept, never found anew
                for evidence in item.prefill.evidence:
                    seen += 1
                    said = generated_text(f"［{item.subject_label}］{item.title}: {evidence}")
                    bare = re.sub(r"「[^」]*」|［[^］]*］", "", said)  # register text, quoted: as written
                    bare = re.sub(r"[A-Z]+-[0-9]{4}-[0-9A-Z]+|第[0-9]{4}-[0-9]{4}号", "", bare)  # ids and codes
                    assert not re.search(r"[A-Za-z0-9]|管理[ABC]|[:;(]", bare), (evidence, said)
    assert seen > 150
