"""An outside legal review of the Art. 41 checklist against the rule's text (catalogue 2026.3):
8-2 for 乙 staff too, 12-1 only for provisions under APPI 69(1) and 69(2)(ii)-(iv), 14-4's second
limb (行政機関等匿名加工情報の作成に係る業務). Item 26 is in test_checklist_legal.py."""

from __future__ import annotations

from datetime import date

import pytest
from test_checklist import TODAY, contractor, division, file_rec, keys, load, system

from meti_pi.checks.validate import validate_register
from meti_pi.inspect import checklist as cl
from meti_pi.inspect.provisions import COVERED, EXCLUDED, UNKNOWN, coverage


def test_catalogue_version_bumped():
    assert cl.load_catalogue().version == "2026.4"


# -- 8-2: 「情報システムの管理に関する事務に従事する職員」 include the 機器管理課等 (乙) --------------------


def test_8_2_asked_of_the_otsu_division(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/tokei.yaml": division("tokei", "大臣官房調査統計グループ統計情報システム室"),
            "divisions/joho.yaml": division("joho", "大臣官房情報システム室"),
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "systems/SYS-2026-TTTT01.yaml": system("SYS-2026-TTTT01", 2),  # row 2: 甲 tokei, 乙 joho
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", extra="systems: [SYS-2026-TTTT01]\n"),
        },
    )
    joho = cl.build(reg, "joho", 2026, TODAY)
    assert "8-2" in keys(joho) and "乙（機器管理課等）" in joho.get("8-2").why
    assert "8-2" in keys(cl.build(reg, "tokei", 2026, TODAY))
    assert "8-2" not in keys(cl.build(reg, "jinji", 2026, TODAY))  # uses the system, does not manage it


# -- 12-1: 「第６９条第１項又は第２項第２号から第４号までの規定により…提供しようとする場合」 ----------------


@pytest.mark.parametrize(
    ("basis", "want"),
    [
        ("個人情報保護法第69条第1項（法令に基づく場合）、番号法第19条第2号", COVERED),
        ("個人情報保護法第６９条第２項第３号", COVERED),
        ("APPI 69(2)(iv)", COVERED),
        ("APPI 69(2)(ii)-(iv)", COVERED),
        ("個人情報保護法第69条第2項第1号（本人への提供）", EXCLUDED),
        ("69(2)(i)", EXCLUDED),
        ("第69条第2項第1号又は第4号", COVERED),
        ("第69条第2項", UNKNOWN),  # the item is what decides
        ("本人の求めに応じて", UNKNOWN),
        ("第169条第1項", UNKNOWN),
        (None, UNKNOWN),
    ],
)
def test_provision_basis_coverage(basis, want):
    assert coverage(basis) == want


def _ledger(*events: str) -> str:
    return "schema_version: 1\nid: F-2026-JJJJ01\nfile: F-2026-JJJJ01\nevents:" + (
        "\n" + "".join(events) if events else " []\n"
    )


def _provision(day: str, recipient: str, basis: str | None, ref: str | None) -> str:
    out = f"  - {{date: '{day}', kind: provision, summary: 提供, recipient: {recipient}"
    out += f", basis: '{basis}'" if basis else ""
    out += f", ref: {ref}" if ref else ""
    return out + "}\n"


def _provisions_reg(tmp_path, *events: str):
    return load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji"),
            "ledger/F-2026-JJJJ01.yaml": _ledger(*events),
        },
    )


def _12_1(reg):
    item = cl.build(reg, "jinji", 2026, TODAY).get("12-1")
    assert item is not None and item.prefill is not None
    return item


def test_12_1_asks_of_69_1_and_69_2_ii_to_iv_only(tmp_path):
    item = _12_1(_provisions_reg(tmp_path))
    assert "第69条第1項又は第2項第2号から第4号までの規定により" in item.question
    assert "本人への提供を除く" in item.question


def test_12_1_provision_to_the_principal_needs_no_written_confirmation(tmp_path):
    """A 69(2)(i) provision without a 書面確認 used to hold the pre-fill open (ref missing)."""
    reg = _provisions_reg(
        tmp_path,
        _provision("2026-06-01", "税務署", "個人情報保護法第69条第1項（法令に基づく場合）", "確認書1"),
        _provision("2026-07-01", "本人", "個人情報保護法第69条第2項第1号（本人への提供）", None),
    )
    p = _12_1(reg).prefill
    assert p.answer == "yes"
    assert any("2026-06-01" in e and "確認書1" in e for e in p.evidence)
    assert any("2026-07-01" in e and "第12条第1項の対象外" in e for e in p.evidence)
    assert not any("ref）がない" in e for e in p.evidence)


def test_12_1_unrecorded_basis_is_not_counted_as_confirmed(tmp_path):
    """A provision with a ref but no basis used to make the pre-fill 適: whether 12(1) covers it is unknown."""
    reg = _provisions_reg(tmp_path, _provision("2026-06-01", "他機関", None, "確認書1"))
    p = _12_1(reg).prefill
    assert p.answer is None
    assert any("根拠（basis）が台帳に記録がない" in e and "要確認" in e for e in p.evidence)


def test_12_1_only_principal_provisions_leave_the_answer_to_the_division(tmp_path):
    reg = _provisions_reg(tmp_path, _provision("2026-07-01", "本人", "69(2)(i)", None))
    p = _12_1(reg).prefill
    assert p.answer is None and all("対象外" in e for e in p.evidence)


# -- 14-4: 「又は行政機関等匿名加工情報の作成に係る業務を外部に委託をする者」, whatever the class -------------

ANON = "anonymized_info: {created: true, created_on: '2025-10-01'}\n"


def _anon_reg(tmp_path, extra: str = ANON, confirmed: str | None = None):
    conf = f"annual_confirmations:\n  - {{date: '{confirmed}', method: document}}\n" if confirmed else ""
    return load(
        tmp_path,
        {
            "divisions/kikaku.yaml": division("kikaku", "大臣官房企画課"),
            "files/F-2026-KKKK01.yaml": file_rec("F-2026-KKKK01", "kikaku", cls="C", count=50, extra=extra),
            "contractors/C-2026-KKKK01.yaml": contractor(
                "C-2026-KKKK01", ["kikaku"], ["F-2026-KKKK01"], start="2024-04-01", extra=conf
            ),
        },
    )


def test_14_4_asked_for_a_class_c_file_with_anonymized_info_made(tmp_path):
    item = cl.build(_anon_reg(tmp_path), "kikaku", 2026, TODAY).get("14-4@C-2026-KKKK01")
    assert item is not None
    assert "行政機関等匿名加工情報を作成したファイルを含む" in item.why and "F-2026-KKKK01" in item.why
    assert "行政機関等匿名加工情報の作成に係る業務" in item.question
    assert "14-4@C-2026-KKKK01" not in keys(cl.build(_anon_reg(tmp_path / "c", extra=""), "kikaku", 2026, TODAY))


def test_14_4_overdue_by_the_second_limb_alone_is_not_prefilled_as_no(tmp_path):
    """The register does not say the contractor makes the 行政機関等匿名加工情報: a look, not a 否."""
    p = cl.build(_anon_reg(tmp_path), "kikaku", 2026, TODAY).get("14-4@C-2026-KKKK01").prefill
    assert p.answer is None
    assert "確認期限" in p.evidence[0] and "要確認" in p.evidence[1]
    done = cl.build(_anon_reg(tmp_path / "d", confirmed="2026-05-01"), "kikaku", 2026, TODAY)
    assert done.get("14-4@C-2026-KKKK01").prefill.answer == "yes"


def test_validate_warns_of_the_second_limb_as_conditional(tmp_path):
    reg = _anon_reg(tmp_path)
    found = [p for p in validate_register(reg, date(2026, 11, 26)) if p.code == "annual-check-overdue"]
    assert len(found) == 1 and "行政機関等匿名加工情報" in found[0].message and "if its work" in found[0].message
    # and says what to do (a review: the message named only the day it was due)
    assert "record it under annual_confirmations" in found[0].message and "`meti-pi commit`" in found[0].message


# -- 21: the 台帳 is asked of a disposal only where `notify log` can record one (Art. 38) ----------


@pytest.mark.parametrize(("submitted", "answer"), [(None, None), ("2025-05-01", "no")])
def test_21_a_disposal_missing_from_the_ledger_is_a_fault_only_of_a_notified_file(tmp_path, submitted, answer):
    """A file whose notice was drafted (its 台帳 entry made) but never given ended this year: the
    pre-fill said 否 (台帳に消去・廃棄の記録がない), while `notify log --kind disposal` refuses the
    event of a file with no Art. 35/36 notice made (Art. 38). Left to the division there."""
    state = f"state: submitted\nsubmitted_on: '{submitted}'\n" if submitted else "state: drafted\n"
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji").replace(
                "holding: {start: '2025-04-01'}", "holding: {start: '2025-04-01', end: '2026-10-31'}"
            ),
            "notifications/N-2026-AAAA01.yaml": (
                "schema_version: 1\nid: N-2026-AAAA01\nkind: '35-1'\nfile: F-2026-JJJJ01\n"
                f"drafted_on: '2025-03-01'\n{state}"
            ),
            "ledger/F-2026-JJJJ01.yaml": _ledger(),
        },
    )
    item = cl.build(reg, "jinji", 2026, TODAY).get("21@F-2026-JJJJ01")
    assert item is not None and item.prefill is not None
    assert item.prefill.answer == answer, item.prefill
