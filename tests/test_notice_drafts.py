"""meti_pi.notify.drafts: the Japanese drafts of Art. 35/36 notices (golden Markdown, Word by paragraphs).

Golden files live in tests/golden/notify/. They were read and checked by hand for the law and
the Japanese; regenerate them only deliberately: METI_PI_UPDATE_GOLDEN=1 pytest tests/test_notice_drafts.py
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date
from pathlib import Path

import pytest
from test_notices import FILE_35_1, FILE_35_2, FILE_35_3, FILE_36, edit, write_register

from meti_pi.notify import drafts as nd
from meti_pi.notify import notices
from meti_pi.store.register import Register

GOLDEN = Path(__file__).resolve().parent / "golden" / "notify"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
LATE_REASON = "令和５年度の保有開始時に規程第３５条第３項の通知を失念していたことが、令和８年度の自己点検（規程第４１条）で判明したため。"
# The 35-1 file after a change of its purpose and recorded items (for the change notice).
FILE_35_1_CHANGED = edit(
    edit(
        FILE_35_1,
        "purpose: 補助金の交付申請の審査、交付決定及び額の確定に関する事務に利用する。",
        "purpose: 補助金の交付申請の審査、交付決定、額の確定及び事業実施状況の確認に関する事務に利用する。",
    ),
    "交付決定額]",
    "交付決定額, 事業実施状況報告]",
)
FILES = {
    "F-2026-AAAAAA": FILE_35_1,
    "F-2026-AAAAAB": FILE_35_1_CHANGED.replace("F-2026-AAAAAA", "F-2026-AAAAAB"),
    "F-2026-BBBBBB": FILE_35_2,
    "F-2026-CCCCCC": FILE_35_3,
    "F-2026-DDDDDD": FILE_36,
}


@pytest.fixture
def reg(tmp_path: Path) -> Register:
    return Register.load(write_register(tmp_path / "reg", {f"files/{fid}.yaml": text for fid, text in FILES.items()}))


def render(reg: Register, file_id: str, kind: str, drafted_on: str, **kw) -> nd.Draft:
    rec = reg.get("files", file_id)
    assert rec is not None
    (ks,) = [k for k in notices.file_status(reg, rec) if k.kind == kind]
    ctx = nd.DraftContext(
        notice_id="N-2026-TEST01",
        kind=kind,
        drafted_on=date.fromisoformat(drafted_on),
        items_hash=ks.current_hash,
        register_commit=COMMIT,
        **kw,
    )
    return nd.render(reg, rec, ctx)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("METI_PI_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}; create it with METI_PI_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8")


CASES = {
    # name: (file, kind, drafted_on, extra context)
    "35-1.md": ("F-2026-AAAAAA", "35-1", "2026-03-16", {}),
    "35-1-change.md": (
        "F-2026-AAAAAB",
        "35-1",
        "2026-11-26",
        {
            "change": True,
            "supersedes": "N-2026-PREV01",
            "supersedes_on": date(2026, 3, 17),
            "changed_items": ("purpose", "record_items"),
        },
    ),
    "35-2.md": ("F-2026-BBBBBB", "35-2", "2026-04-08", {}),
    "35-3-late.md": ("F-2026-CCCCCC", "35-3", "2026-11-26", {"late_reason": LATE_REASON}),
    "36.md": ("F-2026-DDDDDD", "36", "2026-10-05", {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_markdown(reg, name):
    file_id, kind, day, extra = CASES[name]
    check_golden(name, render(reg, file_id, kind, day, **extra).markdown)


# -- what every draft must say ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_draft_is_addressed_dated_and_traceable(reg, name):
    file_id, kind, day, extra = CASES[name]
    md = render(reg, file_id, kind, day, **extra).markdown
    assert "副総括個人情報保護管理者\\\n大臣官房個人情報保護室長　殿" in md
    # Sender, number and 以上 right-aligned as CommonMark renders them (issue 16: no >> or -> <-).
    assert "<br>個人情報保護管理者　大臣官房会計課長</p>" in md
    assert md.startswith('<p align="right">通知番号　N-2026-TEST01<br>')
    assert COMMIT in md and file_id in md
    assert md.rstrip().endswith('<p align="right">以上</p>')
    assert ">>" not in md and "->" not in md and "<-" not in md
    assert "（規程第１６条第１項）" in md  # the management class section
    assert "別表" in md and "委託先（規程第１４条）" in md


def test_the_74_1_items_1_to_11_are_all_there(reg):
    md = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16").markdown
    numbers = re.findall(r"^### （([０-９]+)）.*（第([０-９]+)号）$", md, flags=re.M)
    assert (
        [a for a, b in numbers]
        == [b for a, b in numbers]
        == ["１", "２", "３", "４", "５", "６", "７", "８", "９", "１０", "１１"]
    )


def test_35_1_says_in_advance_35_2_after_holding(reg):
    md1 = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16").markdown
    assert "第３５条第１項の規定に基づき、下記の個人情報ファイルを保有しようとするので、あらかじめ通知します。" in md1
    assert "保有開始の予定年月日：令和８年４月１日" in md1
    md2 = render(reg, "F-2026-BBBBBB", "35-2", "2026-04-08").markdown
    assert "管理Ａに区分される下記の保有個人情報を保有したので、通知します。" in md2
    assert "保有開始年月日：令和８年４月１日" in md2
    assert "（１）保有個人情報の名称（第１号）" in md2  # not a 個人情報ファイル: its items are stated "に準ずる"


def test_late_first_notice_does_not_say_in_advance_and_gives_its_reason(reg):
    md = render(reg, "F-2026-CCCCCC", "35-3", "2026-11-26").markdown
    assert "あらかじめ" not in md
    assert "保有開始後の通知となった理由" in md and "（記入してください）" in md
    on_time = render(reg, "F-2026-CCCCCC", "35-3", "2023-03-31").markdown
    assert "あらかじめ通知します。" in on_time and "理由" not in on_time.split("## ")[-2]


def test_a_file_held_before_the_rule_took_effect_is_not_notified_as_one_to_be_held(reg):
    """Held since 2020-04-01: its 35(1) notice, due 遅滞なく from 2022-04-01 (附則1), is made about a
    file already held, on time or late; it said 保有しようとするので、あらかじめ when made in time."""
    md = render(reg, "F-2026-DDDDDD", "35-1", "2022-04-05").markdown
    assert "あらかじめ" not in md and "保有しようとする" not in md
    assert "第３５条第１項の規定に基づき、下記の個人情報ファイルについて通知します。" in md
    assert "理由" not in md.split("## ")[-2]  # made in time: no reason is asked for
    assert "保有開始年月日：令和２年４月１日" in md


def test_change_notice_names_the_previous_notice_and_what_changed(reg):
    md = render(
        reg,
        "F-2026-AAAAAA",
        "35-1",
        "2026-11-26",
        change=True,
        supersedes="N-2026-PREV01",
        supersedes_on=date(2026, 3, 17),
        changed_items=("purpose", "record_items"),
    ).markdown
    assert "第３５条第１項後段の規定に基づき" in md and "変更しようとするので、あらかじめ通知します。" in md
    assert "前回の通知：通知番号 N-2026-PREV01（令和８年３月１７日通知）" in md
    assert "変更した事項：利用目的、記録項目" in md
    unknown = render(reg, "F-2026-AAAAAA", "35-1", "2026-11-26", change=True, supersedes="N-2026-PREV01")
    # Not a blank to fill in: a sentence saying the previous items cannot be told (issue 16).
    assert (
        "変更した事項：前回の通知の内容を登録簿の履歴から特定できないため、全ての事項を変更後の内容で記載する。"
        in unknown.markdown
    )
    assert "changed_items" in unknown.gaps and "（前回の通知と対照して記入）" not in unknown.markdown


def test_a_change_notice_given_a_late_reason_says_the_change_is_made_and_gives_the_reason(reg):
    """`notify F-2026-WS4AX4 --late-reason …` (the example register's stale file: its items changed
    since N-2024-XWB2KM) recorded the reason in the notice but left it out of the draft, which said
    「変更しようとするので、あらかじめ通知します」 of a change the 管理者 says is made. A change
    notice given a late reason now says 「変更したので、通知します。なお、本通知は変更後の通知と
    なったため…」 and has the reason's section; without one it is the notice in advance as before."""
    reason = "担当者の異動に伴う引継ぎ漏れ"
    common = {"change": True, "supersedes": "N-2026-PREV01", "changed_items": ("purpose",)}
    md = render(reg, "F-2026-AAAAAA", "35-1", "2026-11-26", late_reason=reason, **common).markdown
    assert "あらかじめ" not in md and "変更しようとする" not in md
    assert (
        "第３５条第１項後段の規定に基づき、下記の個人情報ファイルについて通知した事項を変更したので、通知します。"
        "なお、本通知は変更後の通知となったため、その理由を併せて記載します。" in md
    )
    assert re.search(rf"^## [０-９]+　変更後の通知となった理由\n\n{reason}\n", md, re.M)
    md3 = render(reg, "F-2026-CCCCCC", "35-3", "2026-11-26", late_reason=reason, **common).markdown
    assert "第３５条第３項後段の規定に基づき、下記の特定個人情報ファイル等について通知した事項を変更したので" in md3
    assert "変更後の通知となった理由" in md3 and reason in md3
    # 35(2)'s change is notified after it (変更したとき、遅滞なく): a late one says it is late.
    md2 = render(reg, "F-2026-BBBBBB", "35-2", "2026-11-26", late_reason=reason, **common).markdown
    assert "なお、本通知は遅れて行うものであるため" in md2 and "通知が遅れた理由" in md2 and reason in md2
    in_advance = render(reg, "F-2026-AAAAAA", "35-1", "2026-11-26", **common).markdown
    assert "変更しようとするので、あらかじめ通知します。" in in_advance and "理由" not in in_advance.split("## ")[-2]


def test_35_3_states_the_my_number_basis_and_pia_with_both_citation_numbers(reg):
    md = render(reg, "F-2026-CCCCCC", "35-3", "2026-11-26").markdown
    assert "個人番号を利用する根拠（番号法第９条）：番号法第9条第4項" in md  # register text is left as written
    assert "番号法第２条第１２項（規程制定時の第２条第１１項）" in md
    assert "特定個人情報保護評価（番号法第２８条）：実施を要しない" in md
    assert "個人情報保護法第７４条第２項第３号（職員の人事、給与、福利厚生等に関する事項のみを記録するもの）" in md


def test_35_3_without_a_provision_basis_beside_listed_recipients_is_a_gap(tmp_path):
    """A 35(3) notice of a file listing 経常的提供先 (所轄税務署, 市区町村) but no 番号法19 basis said
    「提供しない」: no basis recorded is a gap there; with no recipient listed it still reads 提供しない."""
    no_basis = edit(FILE_35_3, "  provision_basis: 番号法第19条第2号\n", "")
    reg = Register.load(write_register(tmp_path / "a", {"files/F-2026-CCCCCC.yaml": no_basis}))
    draft = render(reg, "F-2026-CCCCCC", "35-3", "2026-11-26")
    assert "（番号法第１９条）：提供しない" not in draft.markdown
    assert "my_number_basis.provision_basis" in draft.gaps
    alone = edit(no_basis, "routine_recipients: [所轄税務署, 職員の住所地の市区町村]\n", "")
    reg = Register.load(write_register(tmp_path / "b", {"files/F-2026-CCCCCC.yaml": alone}))
    draft = render(reg, "F-2026-CCCCCC", "35-3", "2026-11-26")
    assert "（番号法第１９条）：提供しない" in draft.markdown and "my_number_basis.provision_basis" not in draft.gaps


def test_36_cites_todays_articles_with_the_rules_numbers(reg):
    md = render(reg, "F-2026-DDDDDD", "36", "2026-10-05").markdown
    assert "個人情報保護法第１１６条第１項（規程制定時の第１１４条第１項）" in md
    assert "個人情報保護法第１１７条（規程制定時の第１１５条）" in md
    assert "個人情報保護法第１１０条（規程制定時の第１０８条）" in md


def test_citations_come_from_citations_yaml(tmp_path):
    text = (write_register(tmp_path / "a", {}) / "citations.yaml").read_text(encoding="utf-8")
    amended = edit(text, "current: 第116条第1項", "current: 第130条第1項")
    reg = Register.load(
        write_register(tmp_path / "b", {"files/F-2026-DDDDDD.yaml": FILE_36, "citations.yaml": amended})
    )
    md = render(reg, "F-2026-DDDDDD", "36", "2026-10-05").markdown
    assert "個人情報保護法第１３０条第１項（規程制定時の第１１４条第１項）" in md


@pytest.mark.parametrize(
    ("current", "ruled", "expected"),
    [
        ("第109条第2項", "第107条第2項", "個人情報保護法第109条第2項（規程制定時の第107条第2項）"),
        ("第74条", "第74条", "個人情報保護法第74条"),
        ("第2条第12項", "第2条第11項（個人番号関係事務）", "個人情報保護法第2条第12項（規程制定時の第2条第11項）"),
        ("第１０９条第２項", "第107条第2項", "個人情報保護法第109条第2項（規程制定時の第107条第2項）"),
    ],
)
def test_cite(current, ruled, expected):
    assert nd.cite({"k": {"current": current, "cited_in_rule": ruled}}, "k", "個人情報保護法", "第1条") == expected


def test_cite_falls_back_to_todays_number_when_the_key_is_missing():
    assert nd.cite({}, "appi.114-1", "個人情報保護法", "第116条第1項") == "個人情報保護法第116条第1項"


def test_halfwidth_switch_changes_only_the_drafts_own_digits(reg):
    md = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16", fullwidth_digits=False).markdown
    assert "令和8年3月16日" in md and "第35条第1項の規定に基づき" in md and "1,500人" in md
    assert "### (1)" not in md and "### （1）個人情報ファイルの名称（第1号）" in md
    full = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16").markdown
    assert "１，５００人" in full
    # The address in the register is written with half-width digits and stays so either way.
    assert "霞が関一丁目3番1号" in md and "霞が関一丁目3番1号" in full


def test_the_fuku_sokatsu_comes_from_the_roles_records(tmp_path):
    roles = (write_register(tmp_path / "a", {}) / "roles" / "fuku-sokatsu.yaml").read_text(encoding="utf-8")
    renamed = edit(roles, "post: 大臣官房個人情報保護室長", "post: 大臣官房情報公開・個人情報保護室長")
    reg = Register.load(
        write_register(tmp_path / "b", {"files/F-2026-AAAAAA.yaml": FILE_35_1, "roles/fuku-sokatsu.yaml": renamed})
    )
    assert "大臣官房情報公開・個人情報保護室長　殿" in render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16").markdown


def test_gaps_are_marked_and_reported(reg):
    draft = render(reg, "F-2026-BBBBBB", "35-2", "2026-04-08")
    assert draft.gaps == ["disclosure_office"]
    assert "### （９）開示請求等を受理する組織の名称及び所在地（第９号）\n\n（未登録）" in draft.markdown


def test_register_text_cannot_break_the_markdown_structure(tmp_path):
    hostile = edit(
        FILE_35_1,
        "purpose: 補助金の交付申請の審査、交付決定及び額の確定に関する事務に利用する。",
        "purpose: '# 見出し *強調* | 表 ` 補助金の交付申請の審査'",
    )
    reg = Register.load(write_register(tmp_path / "r", {"files/F-2026-AAAAAA.yaml": hostile}))
    md = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16").markdown
    assert "\n\\# 見出し \\*強調\\* \\| 表 \\` 補助金" in md
    from meti_pi.render import word

    assert "# 見出し *強調* | 表 ` 補助金の交付申請の審査" in "\n".join(
        word.docx_paragraphs(nd.docx(nd.Draft("t", md), None, date(2026, 3, 16)))
    )


def test_the_notice_states_the_decided_class_and_a_lower_one_without_reason_is_a_gap(tmp_path):
    # issue 14: the 管理者 decides (Art. 16(1)); the engine's 管理B is advice
    lower = edit(FILE_35_1, "management_class: B", "management_class: C")
    reg = Register.load(write_register(tmp_path / "r", {"files/F-2026-AAAAAA.yaml": lower}))
    draft = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16")
    assert "管理区分：管理Ｃ" in draft.markdown and "management_class" in draft.gaps
    explained = edit(
        lower,
        "classification: {rationale: ",
        "classification: {class_rationale: 一時的な写しのため管理Ｃとする, rationale: ",
    )
    reg = Register.load(write_register(tmp_path / "s", {"files/F-2026-AAAAAA.yaml": explained}))
    draft = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16")
    assert "管理区分：管理Ｃ" in draft.markdown and "management_class" not in draft.gaps
    assert "区分の理由：一時的な写しのため管理Ｃとする" in draft.markdown


# -- Word ------------------------------------------------------------------------------------------


def test_word_draft_paragraphs(reg):
    from meti_pi.render import word

    draft = render(reg, "F-2026-CCCCCC", "35-3", "2026-11-26", late_reason=LATE_REASON)
    paras = word.docx_paragraphs(nd.docx(draft, reg.policy, date(2026, 11, 26)))
    assert paras[:2] == [
        "通知番号　N-2026-TEST01\n令和８年１１月２６日",
        "副総括個人情報保護管理者\n大臣官房個人情報保護室長　殿",
    ]
    assert "個人番号・特定個人情報等の保有に関する通知" in paras
    assert "記" in paras
    assert "１　個人情報保護法第７４条第１項各号に掲げる事項" in paras
    assert "（１１）その他政令で定める事項（第１１号）" in paras
    assert "個人番号関係事務（番号法第２条第１２項（規程制定時の第２条第１１項））：該当する" in paras
    assert LATE_REASON in paras
    assert paras[-1] == "以上"


def test_word_draft_is_byte_identical_on_two_runs_and_uses_the_east_asian_font(reg):
    from meti_pi.render import word

    one = nd.docx(render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16"), reg.policy, date(2026, 3, 16))
    two = nd.docx(render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16"), reg.policy, date(2026, 3, 16))
    assert hashlib.sha256(one).hexdigest() == hashlib.sha256(two).hexdigest()
    fonts = word.docx_fonts(one)
    assert fonts["Normal"]["eastAsia"] == reg.policy["documents"]["font_east_asian"]


# -- the less common parts of a draft ------------------------------------------------------------

SUBCONTRACTOR = (
    """\
schema_version: 1
id: C-2026-BBBBBB
name: 架空データ入力株式会社
divisions: [kanbo-kaikei]
parent: C-2026-AAAAAA
contract: {start: '2026-04-01'}
clauses:
"""
    + "\n".join(
        f"  {n}: {{present: true}}"
        for n in (
            "confidentiality",
            "subcontracting_limits",
            "copy_limits",
            "safety_measures",
            "incident_handling",
            "inspection",
            "deletion_return",
            "termination_damages",
            "reporting_audit",
        )
    )
    + "\n"
)


def test_withheld_items_subcontractors_and_missing_records(tmp_path):
    text = edit(FILE_35_1, "contractors: [C-2026-AAAAAA]", "contractors: [C-2026-AAAAAA, C-2026-BBBBBB, C-2026-GONE01]")
    text = edit(text, "systems: [SYS-2026-AAAAAA]", "systems: [SYS-2026-AAAAAA, SYS-2026-GONE01]")
    text += "filebook_withheld: {record_items: [申請額], routine_recipients: true, reason: 審査の公正な遂行に支障を及ぼすため。}\n"
    reg = Register.load(
        write_register(
            tmp_path / "r", {"files/F-2026-AAAAAA.yaml": text, "contractors/C-2026-BBBBBB.yaml": SUBCONTRACTOR}
        )
    )
    draft = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16")
    md = draft.markdown
    assert (
        "次の事項を個人情報ファイル簿に記載しない：記録項目の一部（申請額）、記録情報の経常的提供先"
        "（理由：審査の公正な遂行に支障を及ぼすため。）"
    ) in md
    assert "- 架空データ入力株式会社（株式会社架空情報サービスからの再委託）" in md
    assert "- C-2026-GONE01：（未登録）" in md and "- SYS-2026-GONE01：（未登録）" in md
    assert draft.gaps == ["systems/SYS-2026-GONE01", "contractors/C-2026-GONE01"]


def test_whole_file_withheld_and_an_outside_body(tmp_path):
    division = """\
schema_version: 1
id: enecho
name: 資源エネルギー庁省エネルギー・新エネルギー部新エネルギー課
org: 資源エネルギー庁
manager_post: 資源エネルギー庁省エネルギー・新エネルギー部新エネルギー課長
"""
    text = edit(
        edit(FILE_35_1, "division: kanbo-kaikei", "division: enecho"), "org: 経済産業省", "org: 資源エネルギー庁"
    )
    text += "filebook_withheld: {whole_file: true, reason: 掲載により事務の適正な遂行に著しい支障を及ぼすため。}\n"
    reg = Register.load(
        write_register(tmp_path / "r", {"files/F-2026-AAAAAA.yaml": text, "divisions/enecho.yaml": division})
    )
    md = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16").markdown
    assert "個人情報ファイル簿に掲載しない。（理由：" in md
    assert (
        "行政機関等の名称：資源エネルギー庁\n\n事務をつかさどる組織の名称：資源エネルギー庁省エネルギー・新エネルギー部新エネルギー課"
        in md
    )
    assert (
        '<p align="right">資源エネルギー庁省エネルギー・新エネルギー部新エネルギー課<br>' in md
    )  # no doubled body name
    assert "個人情報保護法第７５条第３項（個人情報ファイル簿への記載の一部又は全部の省略）" in md


def test_a_75_3_claim_that_does_not_say_what_it_withholds_is_notified_as_the_whole_file(tmp_path):
    """Exclusion 75-3 without filebook_withheld: the ファイル簿 leaves the whole file out (never leak),
    so item 8 (74(1)(viii)) says so; it said 該当なし while section 6 listed the 75(3) claim."""
    text = FILE_35_1 + "exclusions:\n  - {item: 75-3, reason: 掲載により事務の適正な遂行に著しい支障を及ぼすため。}\n"
    reg = Register.load(write_register(tmp_path / "r", {"files/F-2026-AAAAAA.yaml": text}))
    md = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16").markdown
    item8 = md.split("（第８号）\n\n")[1].split("\n")[0]
    assert item8 == "個人情報ファイル簿に掲載しない。"


def test_without_a_rationale_the_engines_steps_stand_in_and_a_count_may_be_unknown(tmp_path):
    text = edit(
        FILE_35_1,
        "classification: {rationale: 本人の数が千人以上であり、管理Ａに該当する事情はないため管理Ｂとする。}\n",
        "",
    )
    text = edit(
        text,
        "principals: {count: 1500, as_of: '2026-03-31', basis: stated}",
        "principals: {count: null, as_of: '2026-03-31'}",
    )
    reg = Register.load(write_register(tmp_path / "r", {"files/F-2026-AAAAAA.yaml": text}))
    draft = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16")
    assert "本人の数：不明" in draft.markdown
    # A sentence written for the document, not the engine's trace (issue 16: no →, ≥, policy keys).
    assert "区分の理由：本人の数が不明であり、計数されるまで管理Ｂとして取り扱う。" in draft.markdown
    assert "classification.rationale" in draft.gaps
    assert not any(mark in draft.markdown for mark in ("→", "≥", "policy", "class-"))


def test_a_small_my_number_file_shows_the_exclusion_the_engine_found(tmp_path):
    text = edit(
        edit(FILE_35_3, "count: 4800", "count: 500"),
        "pia_status: not_required",
        "pia_status: published\n  pia_ref: 特定個人情報保護評価書（全項目評価書）第1号",
    )
    reg = Register.load(write_register(tmp_path / "r", {"files/F-2026-CCCCCC.yaml": text}))
    md = render(reg, "F-2026-CCCCCC", "35-3", "2023-03-01").markdown
    assert (
        "個人情報保護法第７４条第２項第９号（本人の数が政令で定める数に満たないもの）：本人の数が千人に満たない（５００人）ため、これに該当する。"
        in md
    )
    assert (
        "特定個人情報保護評価（番号法第２８条）：評価書公表済み（評価書：特定個人情報保護評価書（全項目評価書）第1号）"
        in md
    )


@pytest.mark.slow
def test_word_draft_opens_in_libreoffice(reg, tmp_path):
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip(
            "LibreOffice is not installed (apt-get install libreoffice-writer) - the .docx was not opened in an office suite"
        )
    path = tmp_path / "notice.docx"
    path.write_bytes(
        nd.docx(
            render(reg, "F-2026-CCCCCC", "35-3", "2026-11-26", late_reason=LATE_REASON), reg.policy, date(2026, 11, 26)
        )
    )
    done = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "notice.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_a_dispatch_contract_is_not_listed_as_outsourcing(tmp_path):
    """The file's 派遣元 (a 労働者派遣契約, Art. 15) sat under 委託先（規程第14条） like a 委託先."""
    dispatch = """\
schema_version: 1
id: C-2026-HAKEN1
name: 架空派遣株式会社
divisions: [kanbo-kaikei]
files: [F-2026-AAAAAA]
contract: {kind: dispatch, subject: 審査補助者の派遣, start: '2026-04-01'}
dispatched_workers: {present: true, contract_terms: true}
"""
    reg = Register.load(
        write_register(
            tmp_path / "reg",
            {
                "files/F-2026-AAAAAA.yaml": edit(
                    FILE_35_1, "contractors: [C-2026-AAAAAA]", "contractors: [C-2026-AAAAAA, C-2026-HAKEN1]"
                ),
                "contractors/C-2026-HAKEN1.yaml": dispatch,
            },
        )
    )
    md = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16").markdown
    assert "- 株式会社架空情報サービス（契約件名：補助金申請管理システムの運用保守業務）\n" in md
    assert "- 架空派遣株式会社（契約件名：審査補助者の派遣）（労働者派遣契約：規程第１５条、委託ではない）\n" in md


def test_a_recorded_sensitive_category_is_notified_as_held(tmp_path):
    """74(1)(vi) in the notice agrees with the engine and the ファイル簿: the categories recorded count."""
    text = edit(
        FILE_35_1,
        "characteristics: {sensitive: false,",
        "characteristics: {sensitive: false, sensitive_categories: [medical_history],",
    )
    reg = Register.load(write_register(tmp_path / "r", {"files/F-2026-AAAAAA.yaml": text}))
    md = render(reg, "F-2026-AAAAAA", "35-1", "2026-03-16").markdown
    assert "記録情報に要配慮個人情報が含まれる。" in md


def test_an_unrecorded_sensitivity_is_a_gap_not_a_statement_that_none_is_held(tmp_path):
    """74(1)(vi): where the register does not say whether 要配慮個人情報 is held, the notice does not
    assert that it is not (it said 含まれない); the item is left to fill in and reported as a gap."""
    text = edit(
        FILE_35_2, "characteristics: {sensitive: false, my_number: false}", "characteristics: {my_number: false}"
    )
    reg = Register.load(write_register(tmp_path / "r", {"files/F-2026-BBBBBB.yaml": text}))
    draft = render(reg, "F-2026-BBBBBB", "35-2", "2026-04-08")
    item6 = draft.markdown.split("（第６号）\n\n")[1].split("\n")[0]
    assert item6 == "（未登録）"
    assert "characteristics.sensitive" in draft.gaps
