"""meti_pi.notify.notices: which Art. 35/36 notices a file requires, when, and whether they are made and current."""

from __future__ import annotations

import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest
from conftest import SHIPPED

from meti_pi.notify import notices
from meti_pi.store.register import Register

# -- a small register, written inline ---------------------------------------------------------

DIVISION = """\
schema_version: 1
id: kanbo-kaikei
name: 大臣官房会計課
org: 経済産業省
manager_post: 大臣官房会計課長
"""

SYSTEM = """\
schema_version: 1
id: SYS-2026-AAAAAA
name: 補助金申請管理システム
beppyo_row: 6
business_division: kanbo-kaikei
connected_to_meti_network: true
"""

CLAUSES = "\n".join(
    f"  {name}: {{present: true}}"
    for name in (
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
CONTRACTOR = f"""\
schema_version: 1
id: C-2026-AAAAAA
name: 株式会社架空情報サービス
divisions: [kanbo-kaikei]
files: [F-2026-AAAAAA]
contract: {{subject: 補助金申請管理システムの運用保守業務, start: '2026-04-01'}}
clauses:
{CLAUSES}
post_contract_confirmation: {{date: '2026-04-10'}}
"""

# 35(1): a computer file of 1,500 本人, 管理B, not excluded.
FILE_35_1 = """\
schema_version: 1
id: F-2026-AAAAAA
name: 補助金交付申請者ファイル
org: 経済産業省
division: kanbo-kaikei
purpose: 補助金の交付申請の審査、交付決定及び額の確定に関する事務に利用する。
record_items: [氏名, 住所, 電話番号, 屋号, 申請額, 交付決定額]
record_scope: 補助金の交付を申請した個人事業主
collection_method: 本人からの交付申請書の提出（電子申請）
routine_recipients: [会計検査院（検査に必要な範囲）]
disclosure_office: {name: 経済産業省 個人情報保護窓口, address: 東京都千代田区霞が関一丁目3番1号}
file_kind: computer
characteristics: {sensitive: false, my_number: false, financial: false, processing: none}
principals: {count: 1500, as_of: '2026-03-31', basis: stated}
management_class: B
classification: {rationale: 本人の数が千人以上であり、管理Ａに該当する事情はないため管理Ｂとする。}
holding: {start: '2026-04-01'}
systems: [SYS-2026-AAAAAA]
contractors: [C-2026-AAAAAA]
"""

# 35(2): 管理A 保有個人情報 that is not a 個人情報ファイル (so 35(1) does not reach it).
FILE_35_2 = """\
schema_version: 1
id: F-2026-BBBBBB
name: 非公開審議会発言記録
org: 経済産業省
division: kanbo-kaikei
purpose: 非公開で開催する審議会の議事の記録及び答申案の作成に利用する。
record_items: [発言者の氏名, 所属, 発言内容]
record_scope: 審議会の委員及び説明者
collection_method: 会議の速記録
file_kind: none
characteristics: {sensitive: false, my_number: false}
confidential: true
principals: {count: 40, as_of: '2026-03-31', basis: stated}
management_class: A
classification: {rationale: 非公開審議の発言内容であり、漏えい時に審議への支障及び発言者への不利益が重大であるため管理Ａとする。}
holding: {start: '2026-04-01'}
"""

# 35(3): 個人番号 in a staff file (74(2)(3) takes it out of 35(1), never out of 35(3)).
FILE_35_3 = """\
schema_version: 1
id: F-2026-CCCCCC
name: 職員給与・年末調整ファイル
org: 経済産業省
division: kanbo-kaikei
purpose: 職員の給与の支給、源泉徴収及び年末調整に関する事務に利用する。
record_items: [職員番号, 氏名, 住所, 個人番号, 扶養親族の氏名・個人番号, 給与振込先口座]
record_scope: 本省に在職する職員
collection_method: 本人からの扶養控除等申告書の提出
routine_recipients: [所轄税務署, 職員の住所地の市区町村]
disclosure_office: {name: 経済産業省 個人情報保護窓口, address: 東京都千代田区霞が関一丁目3番1号}
file_kind: computer
characteristics: {sensitive: false, my_number: true, identification_codes: [my_number], financial: true}
principals: {count: 4800, as_of: '2026-10-01', basis: stated}
management_class: A
classification: {rationale: 個人番号及び給与振込先口座を含み、漏えい時の支障が重大であるため管理Ａとする。}
exclusions:
  - {item: 74-2-3, reason: 職員の給与に関する事項のみを記録するファイル。}
holding: {start: '2023-04-01'}
systems: [SYS-2026-AAAAAA]
my_number_basis:
  use_basis: 番号法第9条第4項（給与所得の源泉徴収票等の作成・提出）
  provision_basis: 番号法第19条第2号
  relation_work: true
  pia_status: not_required
"""

# 36: 行政機関等匿名加工情報 made from a file (which itself needs 35(1)).
FILE_36 = """\
schema_version: 1
id: F-2026-DDDDDD
name: 工場立地動向調査個票ファイル
org: 経済産業省
division: kanbo-kaikei
purpose: 工場立地動向調査の集計及び分析に利用する。
record_items: [代表者氏名, 所在地, 業種, 敷地面積, 雇用予定人数]
record_scope: 工場を新設又は増設した個人事業主
collection_method: 調査票の提出
disclosure_office: {name: 経済産業省 個人情報保護窓口, address: 東京都千代田区霞が関一丁目3番1号}
file_kind: computer
characteristics: {sensitive: false, my_number: false}
principals: {count: 2300, as_of: '2026-03-31', basis: stated}
management_class: B
classification: {rationale: 本人の数が千人以上であるため管理Ｂとする。}
holding: {start: '2020-04-01'}
anonymized_info:
  created: true
  created_on: '2026-10-01'
  overview: 業種別・地域別の工場立地件数等（氏名及び所在地の番地以下を削除）
  proposal_office: {name: 経済産業省 個人情報保護窓口, address: 東京都千代田区霞が関一丁目3番1号}
  proposal_period: 令和８年１２月１日から令和９年１月３１日まで
  invites_proposals: true
"""

RECORDS = {
    "divisions/kanbo-kaikei.yaml": DIVISION,
    "systems/SYS-2026-AAAAAA.yaml": SYSTEM,
    "contractors/C-2026-AAAAAA.yaml": CONTRACTOR,
}


def notice(
    nid: str,
    file_id: str,
    kind: str,
    state: str,
    drafted_on: str,
    *,
    submitted_on: str | None = None,
    items_hash: str | None = None,
    change: bool = False,
    late_reason: str | None = None,
    acknowledged_on: str | None = None,
) -> str:
    """A notifications/<nid>.yaml text."""
    lines = [
        "schema_version: 1",
        f"id: {nid}",
        f"kind: '{kind}'",
        f"file: {file_id}",
        f"change: {str(change).lower()}",
        f"state: {state}",
        f"drafted_on: '{drafted_on}'",
    ]
    if submitted_on:
        lines.append(f"submitted_on: '{submitted_on}'")
    if acknowledged_on:
        lines.append(f"acknowledged_on: '{acknowledged_on}'")
    if state == "withdrawn":
        lines.append(f"withdrawn_on: '{drafted_on}'")
    if items_hash:
        lines.append(f"items_hash: {items_hash}")
    if late_reason:
        lines.append(f"late_reason: {late_reason}")
    return "\n".join(lines) + "\n"


def write_register(root: Path, records: dict[str, str]) -> Path:
    """The shipped register (roles, 別表, policy, citations) plus `records`, at `root` (no git)."""
    shutil.copytree(SHIPPED, root)
    for rel, text in {**RECORDS, **records}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def load(tmp_path: Path, records: dict[str, str]) -> Register:
    return Register.load(write_register(tmp_path / "reg", records))


def current_hash(reg: Register, file_id: str, kind: str) -> str:
    rec = reg.get("files", file_id)
    assert rec is not None
    (ks,) = [k for k in notices.file_status(reg, rec) if k.kind == kind]
    return ks.current_hash


def findings(reg: Register, today: str) -> list[tuple[str, str, str]]:
    return [(f.file, f.kind, f.status) for f in notices.check(reg, date.fromisoformat(today))]


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


# -- which notices ---------------------------------------------------------------------------


def test_the_register_used_here_is_valid(tmp_path):
    from meti_pi.checks.validate import validate_register

    reg = load(
        tmp_path,
        {
            f"files/{fid}.yaml": text
            for fid, text in (
                ("F-2026-AAAAAA", FILE_35_1),
                ("F-2026-BBBBBB", FILE_35_2),
                ("F-2026-CCCCCC", FILE_35_3),
                ("F-2026-DDDDDD", FILE_36),
            )
        },
    )
    errors = [p.render() for p in validate_register(reg, date(2026, 11, 26)) if p.severity == "error"]
    assert errors == []


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        (FILE_35_1, ["35-1"]),
        (FILE_35_2, ["35-2"]),
        (FILE_35_3, ["35-3"]),
        (FILE_36, ["35-1", "36"]),
    ],
)
def test_required_kinds_come_from_the_decision_engine(tmp_path, text, kinds):
    reg = load(tmp_path, {"files/F.yaml": text})
    rec = reg.of_kind("files")[0]
    assert [r.kind for r in notices.requirements(reg, rec.data)] == kinds


@pytest.mark.parametrize(("count", "kinds"), [(999, []), (1000, ["35-1"]), (1001, ["35-1"])])
def test_35_1_boundary_is_1000_principals(tmp_path, count, kinds):
    # 999 falls under APPI 74(2)(9) and is 管理C (no trigger): no notice at all; 1,000 is in scope.
    text = edit(FILE_35_1, "count: 1500", f"count: {count}").replace("management_class: B\n", "")
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": text})
    assert [r.kind for r in notices.requirements(reg, reg.of_kind("files")[0].data)] == kinds


def test_small_class_a_file_requires_no_35_notice_the_gap_of_brief_9_5(tmp_path):
    # 管理A but 999 本人: 35(1) and 35(2) both exclude 74(2)(9); only 個人番号 would bring 35(3).
    # (the record's management_class is the 管理者's decision: here it follows the engine, 管理A)
    text = edit(FILE_35_1, "count: 1500", "count: 999").replace("sensitive: false", "sensitive: true")
    text = text.replace("management_class: B", "management_class: A")
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": text})
    data = reg.of_kind("files")[0].data
    decision = notices.decision_for(reg, data)
    assert decision.management_class == "A"
    assert notices.requirements(reg, data, decision) == []
    assert any(r.rule == "gap:small-file" for r in decision.reasons)


def test_74_2_10_file_of_class_b_requires_35_2_not_35_1(tmp_path):
    text = FILE_35_1 + "exclusions:\n  - {item: 74-2-10, reason: 政令で定める準ずるファイル。}\n"
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": text})
    assert [r.kind for r in notices.requirements(reg, reg.of_kind("files")[0].data)] == ["35-2"]


# -- when ----------------------------------------------------------------------------------------


def test_timing_before_is_due_on_the_holding_start(tmp_path):
    reg = load(tmp_path, {"files/F.yaml": FILE_35_1})
    (req,) = notices.requirements(reg, reg.of_kind("files")[0].data)
    assert (req.timing, req.anchor, req.due) == ("before", date(2026, 4, 1), date(2026, 4, 1))


def test_timing_after_adds_the_policy_days_and_rolls_past_closed_days(tmp_path):
    reg = load(tmp_path, {"files/F.yaml": FILE_35_2})
    (req,) = notices.requirements(reg, reg.of_kind("files")[0].data)
    assert req.timing == "after"
    assert req.due == date(2026, 4, 15)  # Wed 2026-04-01 + 14 days, an open day
    saturday = edit(FILE_35_2, "start: '2026-04-01'", "start: '2026-04-04'")
    reg = load(tmp_path / "b", {"files/F.yaml": saturday})
    (req,) = notices.requirements(reg, reg.of_kind("files")[0].data)
    assert req.due == date(2026, 4, 20)  # Sat 04-18 rolls to Mon 04-20


def test_timing_follows_policy_without_delay_days(tmp_path):
    reg = load(
        tmp_path,
        {
            "files/F.yaml": FILE_35_2,
            "policy.yaml": (SHIPPED / "policy.yaml")
            .read_text(encoding="utf-8")
            .replace("without_delay_days: 14", "without_delay_days: 7"),
        },
    )
    (req,) = notices.requirements(reg, reg.of_kind("files")[0].data)
    assert req.due == date(2026, 4, 8)


def test_36_is_timed_from_the_creation_date(tmp_path):
    reg = load(tmp_path, {"files/F.yaml": FILE_36})
    req = next(r for r in notices.requirements(reg, reg.of_kind("files")[0].data) if r.kind == "36")
    assert (req.trigger, req.anchor, req.due) == ("creation", date(2026, 10, 1), date(2026, 10, 15))


# -- the notified items and their hash -----------------------------------------------------------


def test_items_hash_is_a_sha256_of_the_canonical_items(tmp_path):
    import hashlib

    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    data = reg.of_kind("files")[0].data
    doc = {"items_version": notices.ITEMS_VERSION, "kind": "35-1", "items": notices.notified_items("35-1", data, "B")}
    assert notices.items_hash("35-1", data, "B") == hashlib.sha256(notices.canonical_json(doc).encode()).hexdigest()
    assert set(notices.notified_items("35-1", data, "B")) == {
        "name",
        "org",
        "division",
        "purpose",
        "record_items",
        "record_scope",
        "collection_method",
        "sensitive",
        "routine_recipients",
        "filebook_withheld",
        "disclosure_office",
        "special_procedures",
        "planned_start_date",
        "other_reference",
        "file_kind",
        "management_class",
        "systems",
        "contractors",
        "exclusions",
    }


def _hash(tmp_path: Path, text: str, kind: str = "35-1") -> str:
    import hashlib

    reg = load(tmp_path / hashlib.sha256(text.encode()).hexdigest()[:12], {"files/F-2026-AAAAAA.yaml": text})
    return current_hash(reg, "F-2026-AAAAAA", kind)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("count: 1500", "count: 1600"),  # the count moves; the class and the exclusions do not
        ("count: 1500", "count: 1000"),  # 1,000 is still 管理B and still in scope
        ("basis: stated", "basis: scanned"),
        ("management_class: B\n", "management_class: B\nnotes: 備考の追記\n"),
        (
            "classification: {rationale: 本人の数が千人以上であり、管理Ａに該当する事情はないため管理Ｂとする。}",
            "classification: {rationale: 理由の書き直し}",
        ),
        (
            "purpose: 補助金の交付申請の審査、交付決定及び額の確定に関する事務に利用する。",
            "purpose: |\n  補助金の交付申請の審査、交付決定及び額の確定に関する事務に利用する。\n",
        ),  # layout only
    ],
)
def test_items_hash_ignores_what_is_not_notified(tmp_path, old, new):
    assert _hash(tmp_path, edit(FILE_35_1, old, new)) == _hash(tmp_path, FILE_35_1)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("purpose: 補助金の交付申請の審査", "purpose: 補助金の交付申請及び実績報告の審査"),
        (
            "record_items: [氏名, 住所, 電話番号, 屋号, 申請額, 交付決定額]",
            "record_items: [氏名, 住所, 屋号, 申請額, 交付決定額]",
        ),
        (
            "record_items: [氏名, 住所, 電話番号,",
            "record_items: [住所, 氏名, 電話番号,",
        ),  # the order is part of the item
        ("sensitive: false", "sensitive: true"),  # item 6, and the class becomes A
        # item 6 as the notice states it: named categories are held whatever the flag says (a review)
        ("sensitive: false", "sensitive: false, sensitive_categories: [medical_history]"),
        # unknown (the notice says （未登録）) to stated: item 6 as notified changes
        (
            "characteristics: {sensitive: false, my_number: false, financial: false",
            "characteristics: {my_number: false, financial: false",
        ),
        ("contractors: [C-2026-AAAAAA]", "contractors: []"),
        ("systems: [SYS-2026-AAAAAA]", "systems: []"),
        ("holding: {start: '2026-04-01'}", "holding: {start: '2026-05-01'}"),  # item 11: the planned start
        ("file_kind: computer\n", "file_kind: computer\nspecial_procedures: 他法による特別の手続あり\n"),
    ],
)
def test_items_hash_changes_with_a_notified_item(tmp_path, old, new):
    assert _hash(tmp_path, edit(FILE_35_1, old, new)) != _hash(tmp_path, FILE_35_1)


def test_items_hash_differs_per_kind_and_35_3_covers_the_my_number_basis(tmp_path):
    reg = load(tmp_path, {"files/F-2026-CCCCCC.yaml": FILE_35_3})
    data = reg.of_kind("files")[0].data
    assert notices.items_hash("35-1", data, "A") != notices.items_hash("35-3", data, "A")
    assert notices.notified_items("35-3", data, "A")["my_number_basis"]["pia_status"] == "not_required"
    changed = dict(data, my_number_basis=dict(data["my_number_basis"], pia_status="planned"))
    assert notices.items_hash("35-3", changed, "A") != notices.items_hash("35-3", data, "A")
    assert notices.items_hash("35-1", changed, "A") == notices.items_hash("35-1", data, "A")


def test_36_items_cover_the_anonymized_information(tmp_path):
    reg = load(tmp_path, {"files/F-2026-DDDDDD.yaml": FILE_36})
    data = reg.of_kind("files")[0].data
    before = notices.items_hash("36", data, "B")
    changed = dict(data, anonymized_info=dict(data["anonymized_info"], proposal_period="令和９年３月３１日まで"))
    assert notices.items_hash("36", changed, "B") != before
    assert notices.items_hash("36", dict(data, purpose="別の目的"), "B") == before  # 36 does not state the purpose


# -- check: missing, due, late, stale ------------------------------------------------------------


def test_missing_when_the_holding_started_without_a_notice(tmp_path):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    assert findings(reg, "2026-04-02") == [("F-2026-AAAAAA", "35-1", "missing")]


@pytest.mark.parametrize(("today", "status"), [("2026-03-31", "due"), ("2026-04-01", "due"), ("2026-04-02", "missing")])
def test_a_before_notice_is_pending_until_the_holding_start(tmp_path, today, status):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    assert findings(reg, today) == [("F-2026-AAAAAA", "35-1", status)]


@pytest.mark.parametrize(("today", "status"), [("2026-04-15", "due"), ("2026-04-16", "missing")])
def test_an_after_notice_is_pending_until_the_policy_limit(tmp_path, today, status):
    reg = load(tmp_path, {"files/F-2026-BBBBBB.yaml": FILE_35_2})
    assert findings(reg, today) == [("F-2026-BBBBBB", "35-2", status)]


@pytest.mark.parametrize(
    ("submitted", "expected"),
    [
        ("2026-03-31", []),
        ("2026-04-01", []),  # the same day counts as in advance
        ("2026-04-02", [("F-2026-AAAAAA", "35-1", "late")]),
    ],
)
def test_late_when_made_after_the_holding_start(tmp_path, submitted, expected):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    h = current_hash(reg, "F-2026-AAAAAA", "35-1")
    reg = load(
        tmp_path / "2",
        {
            "files/F-2026-AAAAAA.yaml": FILE_35_1,
            "notifications/N-1.yaml": notice(
                "N-1", "F-2026-AAAAAA", "35-1", "submitted", "2026-03-20", submitted_on=submitted, items_hash=h
            ),
        },
    )
    assert findings(reg, "2026-11-26") == expected


@pytest.mark.parametrize(
    ("submitted", "expected"),
    [
        ("2026-04-15", []),
        ("2026-04-16", [("F-2026-BBBBBB", "35-2", "late")]),
    ],
)
def test_35_2_is_late_after_the_without_delay_limit(tmp_path, submitted, expected):
    reg = load(tmp_path, {"files/F-2026-BBBBBB.yaml": FILE_35_2})
    h = current_hash(reg, "F-2026-BBBBBB", "35-2")
    reg = load(
        tmp_path / "2",
        {
            "files/F-2026-BBBBBB.yaml": FILE_35_2,
            "notifications/N-1.yaml": notice(
                "N-1",
                "F-2026-BBBBBB",
                "35-2",
                "acknowledged",
                "2026-04-02",
                submitted_on=submitted,
                acknowledged_on=submitted,
                items_hash=h,
            ),
        },
    )
    assert findings(reg, "2026-11-26") == expected


def test_a_late_notice_with_its_reason_is_listed_but_does_not_fail(tmp_path):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    h = current_hash(reg, "F-2026-AAAAAA", "35-1")
    reg = load(
        tmp_path / "2",
        {
            "files/F-2026-AAAAAA.yaml": FILE_35_1,
            "notifications/N-1.yaml": notice(
                "N-1",
                "F-2026-AAAAAA",
                "35-1",
                "submitted",
                "2026-05-01",
                submitted_on="2026-05-01",
                items_hash=h,
                late_reason="事務の引継ぎ漏れ",
            ),
        },
    )
    (f,) = notices.check(reg, date(2026, 11, 26))
    assert (f.status, f.failing, f.notification) == ("late_explained", False, "N-1")


def test_a_draft_is_not_a_notice(tmp_path):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    h = current_hash(reg, "F-2026-AAAAAA", "35-1")
    reg = load(
        tmp_path / "2",
        {
            "files/F-2026-AAAAAA.yaml": FILE_35_1,
            "notifications/N-1.yaml": notice("N-1", "F-2026-AAAAAA", "35-1", "drafted", "2026-03-20", items_hash=h),
        },
    )
    (f,) = notices.check(reg, date(2026, 4, 2))
    assert (f.status, f.notification) == ("missing", "N-1")
    assert "notify submit N-1" in f.message


def test_stale_when_notified_items_changed_since_and_current_after_a_change_notice(tmp_path):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    old = current_hash(reg, "F-2026-AAAAAA", "35-1")
    changed = edit(FILE_35_1, "purpose: 補助金の交付申請の審査", "purpose: 補助金の交付申請及び実績報告の審査")
    first = notice(
        "N-1",
        "F-2026-AAAAAA",
        "35-1",
        "acknowledged",
        "2026-03-01",
        submitted_on="2026-03-02",
        acknowledged_on="2026-03-03",
        items_hash=old,
    )
    reg = load(tmp_path / "2", {"files/F-2026-AAAAAA.yaml": changed, "notifications/N-1.yaml": first})
    (f,) = notices.check(reg, date(2026, 11, 26))
    assert (f.status, f.notification, f.failing) == ("stale", "N-1", True)
    new = current_hash(reg, "F-2026-AAAAAA", "35-1")
    assert new != old
    # A drafted change notice is not enough; a submitted one is.
    draft = notice("N-2", "F-2026-AAAAAA", "35-1", "drafted", "2026-11-20", items_hash=new, change=True)
    reg = load(
        tmp_path / "3",
        {"files/F-2026-AAAAAA.yaml": changed, "notifications/N-1.yaml": first, "notifications/N-2.yaml": draft},
    )
    (f,) = notices.check(reg, date(2026, 11, 26))
    assert f.status == "stale" and "notify submit N-2" in f.message
    made = notice(
        "N-2",
        "F-2026-AAAAAA",
        "35-1",
        "submitted",
        "2026-11-20",
        submitted_on="2026-11-21",
        items_hash=new,
        change=True,
    )
    reg = load(
        tmp_path / "4",
        {"files/F-2026-AAAAAA.yaml": changed, "notifications/N-1.yaml": first, "notifications/N-2.yaml": made},
    )
    assert notices.check(reg, date(2026, 11, 26)) == []


def test_a_change_back_makes_the_notice_current_again(tmp_path):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    h = current_hash(reg, "F-2026-AAAAAA", "35-1")
    reg = load(
        tmp_path / "2",
        {
            "files/F-2026-AAAAAA.yaml": FILE_35_1,
            "notifications/N-1.yaml": notice(
                "N-1", "F-2026-AAAAAA", "35-1", "submitted", "2026-03-01", submitted_on="2026-03-01", items_hash=h
            ),
        },
    )
    assert notices.check(reg, date(2026, 11, 26)) == []


def test_withdrawn_drafts_and_other_kinds_do_not_count(tmp_path):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    h = current_hash(reg, "F-2026-AAAAAA", "35-1")
    reg = load(
        tmp_path / "2",
        {
            "files/F-2026-AAAAAA.yaml": FILE_35_1,
            "notifications/N-1.yaml": notice("N-1", "F-2026-AAAAAA", "35-1", "withdrawn", "2026-03-01", items_hash=h),
            "notifications/N-2.yaml": notice(
                "N-2", "F-2026-AAAAAA", "35-2", "submitted", "2026-03-01", submitted_on="2026-03-01", items_hash=h
            ),
        },
    )
    assert findings(reg, "2026-11-26") == [("F-2026-AAAAAA", "35-1", "missing")]


def test_a_notice_without_items_hash_is_listed_as_unverifiable(tmp_path):
    reg = load(
        tmp_path,
        {
            "files/F-2026-AAAAAA.yaml": FILE_35_1,
            "notifications/N-1.yaml": notice(
                "N-1", "F-2026-AAAAAA", "35-1", "submitted", "2026-03-01", submitted_on="2026-03-01"
            ),
        },
    )
    (f,) = notices.check(reg, date(2026, 11, 26))
    assert (f.status, f.failing) == ("unhashed", False)


def test_files_no_longer_held_are_not_checked(tmp_path):
    ended = edit(FILE_35_1, "holding: {start: '2026-04-01'}", "holding: {start: '2026-04-01', end: '2026-11-01'}")
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": ended})
    assert notices.check(reg, date(2026, 11, 26)) == []
    assert findings(reg, "2026-10-31") == [("F-2026-AAAAAA", "35-1", "missing")]


def test_each_kind_of_a_file_is_judged_on_its_own(tmp_path):
    reg = load(tmp_path, {"files/F-2026-DDDDDD.yaml": FILE_36})
    h36 = current_hash(reg, "F-2026-DDDDDD", "36")
    reg = load(
        tmp_path / "2",
        {
            "files/F-2026-DDDDDD.yaml": FILE_36,
            "notifications/N-1.yaml": notice(
                "N-1", "F-2026-DDDDDD", "36", "submitted", "2026-10-02", submitted_on="2026-10-02", items_hash=h36
            ),
        },
    )
    assert findings(reg, "2026-11-26") == [("F-2026-DDDDDD", "35-1", "missing")]


# -- the validate rule finding -------------------------------------------------------------------


def test_notice_findings_are_located_warnings(tmp_path):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    (p,) = list(notices.notice_findings(reg, date(2026, 11, 26)))
    assert (p.path, p.severity, p.code, p.key) == (
        "files/F-2026-AAAAAA.yaml",
        "warning",
        "notice-missing",
        "$.holding.start",
    )
    assert p.line == FILE_35_1.splitlines().index("holding: {start: '2026-04-01'}") + 1
    assert "Art. 35(1)" in p.message and "meti-pi notify F-2026-AAAAAA --kind 35-1" in p.message


def test_pending_notices_are_not_validate_warnings(tmp_path):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    assert list(notices.notice_findings(reg, date(2026, 3, 1))) == []


def test_ledger_out_of_step_is_a_warning(tmp_path):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    h = current_hash(reg, "F-2026-AAAAAA", "35-1")
    n = notice("N-1", "F-2026-AAAAAA", "35-1", "submitted", "2026-03-01", submitted_on="2026-03-01", items_hash=h)
    reg = load(tmp_path / "2", {"files/F-2026-AAAAAA.yaml": FILE_35_1, "notifications/N-1.yaml": n})
    assert [p.code for p in notices.ledger_findings(reg)] == ["ledger-missing"]
    ledger = (
        "schema_version: 1\nid: F-2026-AAAAAA\nfile: F-2026-AAAAAA\nnotified:\n"
        "  - {notification: N-1, kind: '35-1', date: '2026-03-01', state: drafted}\n"
    )
    reg = load(
        tmp_path / "3",
        {"files/F-2026-AAAAAA.yaml": FILE_35_1, "notifications/N-1.yaml": n, "ledger/F-2026-AAAAAA.yaml": ledger},
    )
    (p,) = list(notices.ledger_findings(reg))
    assert (p.code, p.path, p.line) == ("ledger-state", "ledger/F-2026-AAAAAA.yaml", 5)
    reg = load(
        tmp_path / "4",
        {
            "files/F-2026-AAAAAA.yaml": FILE_35_1,
            "notifications/N-1.yaml": n,
            "ledger/F-2026-AAAAAA.yaml": ledger.replace("state: drafted", "state: submitted"),
        },
    )
    assert list(notices.ledger_findings(reg)) == []


# -- plan: what notify FILE_ID drafts ------------------------------------------------------------


def _plan(reg: Register, file_id: str, kind: str, **kw: bool) -> notices.Plan:
    rec = reg.get("files", file_id)
    assert rec is not None
    (ks,) = [k for k in notices.file_status(reg, rec) if k.kind == kind]
    return notices.plan(ks, **kw)


def test_plan_initial_current_drafted_change(tmp_path):
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": FILE_35_1})
    assert _plan(reg, "F-2026-AAAAAA", "35-1").action == "initial"
    h = current_hash(reg, "F-2026-AAAAAA", "35-1")

    drafted = {
        "files/F-2026-AAAAAA.yaml": FILE_35_1,
        "notifications/N-1.yaml": notice("N-1", "F-2026-AAAAAA", "35-1", "drafted", "2026-03-01", items_hash=h),
    }
    reg = load(tmp_path / "d", drafted)
    p = _plan(reg, "F-2026-AAAAAA", "35-1")
    assert (p.action, p.drafts_new, p.withdraw) == ("drafted", False, ())
    p = _plan(reg, "F-2026-AAAAAA", "35-1", redraft=True)
    assert (p.action, p.withdraw) == ("initial", ("N-1",))

    outdated = dict(drafted, **{"files/F-2026-AAAAAA.yaml": edit(FILE_35_1, "電話番号, ", "")})
    p = _plan(load(tmp_path / "o", outdated), "F-2026-AAAAAA", "35-1")
    assert (p.action, p.withdraw) == ("initial", ("N-1",))  # an out-of-date draft is replaced

    made = {
        "files/F-2026-AAAAAA.yaml": FILE_35_1,
        "notifications/N-1.yaml": notice(
            "N-1", "F-2026-AAAAAA", "35-1", "submitted", "2026-03-01", submitted_on="2026-03-01", items_hash=h
        ),
    }
    assert _plan(load(tmp_path / "m", made), "F-2026-AAAAAA", "35-1").action == "current"
    changed = dict(made, **{"files/F-2026-AAAAAA.yaml": edit(FILE_35_1, "電話番号, ", "")})
    p = _plan(load(tmp_path / "c", changed), "F-2026-AAAAAA", "35-1")
    assert (p.action, p.supersedes) == ("change", "N-1")


def test_36_without_a_creation_date_is_missing_at_once(tmp_path):
    text = edit(FILE_36, "  created_on: '2026-10-01'\n", "")
    reg = load(tmp_path, {"files/F-2026-DDDDDD.yaml": text})
    f36 = [f for f in notices.check(reg, date(2026, 11, 26)) if f.kind == "36"]
    assert [(f.status, f.due) for f in f36] == [("missing", None)]
    assert "creation not recorded" in f36[0].message and f36[0].key == "$.anonymized_info.created_on"


def test_check_survives_records_of_the_wrong_shape(tmp_path):
    # notify --check reads hand-edited records before validate has judged them.
    broken = (
        FILE_35_1.replace("holding: {start: '2026-04-01'}", "holding: '2026-04-01'").replace(
            "characteristics: {sensitive: false, my_number: false, financial: false, processing: none}",
            "characteristics: 3",
        )
        + "exclusions: 74-2-9\nanonymized_info: yes\n"
    )
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": broken})
    assert [(f.kind, f.status, f.due) for f in notices.check(reg, date(2026, 11, 26))] == [("35-1", "missing", None)]


# -- issue 14: files held before the rule took effect (附則1, 2022-04-01) ---------------------------


@pytest.mark.parametrize(
    ("start", "timing", "due"),
    [
        ("2015-04-01", "after", "2022-04-15"),  # 遅滞なく from 2022-04-01 (policy 14 days), never 2015-04-01
        ("2022-03-31", "after", "2022-04-15"),
        ("2022-04-01", "before", "2022-04-01"),  # from the effective date on: あらかじめ
    ],
)
def test_files_held_before_the_rule_owe_the_35_1_notice_without_delay(tmp_path, start, timing, due):
    text = edit(FILE_35_1, "holding: {start: '2026-04-01'}", f"holding: {{start: '{start}'}}")
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": text})
    data = reg.of_kind("files")[0].data
    (req,) = [r for r in notices.requirements(reg, data) if r.kind == "35-1"]
    assert (req.timing, req.due.isoformat()) == (timing, due)
    assert (req.since is not None) is (timing == "after")
    missing = [f for f in notices.check(reg, date(2026, 11, 26)) if f.kind == "35-1"]
    assert [f.status for f in missing] == ["missing"]
    assert f"was due {due}" in missing[0].message
    if timing == "after":
        assert "遅滞なく" in missing[0].message and f"was due {start}" not in missing[0].message


def test_rule_effective_date_is_policy_data(tmp_path):
    text = edit(FILE_35_1, "holding: {start: '2026-04-01'}", "holding: {start: '2015-04-01'}")
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": text})
    reg.policy["notices"] = {"rule_effective": "2010-01-01"}
    (req,) = [r for r in notices.requirements(reg, reg.of_kind("files")[0].data) if r.kind == "35-1"]
    assert (req.timing, req.due) == ("before", date(2015, 4, 1))


def test_non_file_decided_b_as_equivalent_requires_its_35_2_notice(tmp_path):
    # issue 14: 管理B includes 「これに準ずる管理が適当と判断されるもの」; the 管理者's class is the decision
    text = edit(FILE_35_1, "count: 1500", "count: 10").replace("file_kind: computer", "file_kind: none")
    text = text.replace(
        "classification: {rationale: ",
        "classification: {class_rationale: 審査の公正に関わるため準ずる管理とする, rationale: ",
    )
    reg = load(tmp_path, {"files/F-2026-AAAAAA.yaml": text})
    assert [r.kind for r in notices.requirements(reg, reg.of_kind("files")[0].data)] == ["35-2"]
    reg = load(tmp_path / "c", {"files/F-2026-AAAAAA.yaml": text.replace("management_class: B", "management_class: C")})
    assert notices.requirements(reg, reg.of_kind("files")[0].data) == []
