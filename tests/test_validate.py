"""Cross-record checks and rule findings, each with the register text that triggers it."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
from conftest import SHIPPED, invoke, make_register

from meti_pi.checks.validate import validate_register
from meti_pi.store.register import Register

TODAY = date(2026, 11, 26)
DIV = "schema_version: 1\nid: {id}\nname: {name}\norg: {org}\nmanager_post: 課長\n"
CLAUSES = "".join(
    f"  {c}: {{present: true}}\n"
    for c in (
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


def register_from(tmp_path: Path, files: dict[str, str]) -> Register:
    """The shipped register plus `files` (relative path -> YAML), read from disk."""
    import shutil

    root = tmp_path / "reg"
    shutil.copytree(SHIPPED, root)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return Register.load(root)


def codes(reg: Register, severity: str | None = None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in validate_register(reg, TODAY):
        if severity is None or p.severity == severity:
            out.setdefault(p.code, []).append(p.path)
    return out


def file_record(fid: str, **extra: str) -> str:
    base = {
        "schema_version": "1",
        "id": fid,
        "name": "補助金申請者ファイル",
        "org": "経済産業省",
        "division": "d1",
        "purpose": "補助金の交付事務",
        "record_items": "[氏名, 住所]",
        "record_scope": "申請者",
        "collection_method": "申請書",
        "file_kind": "computer",
        "holding": "{start: '2025-04-01'}",
    }
    base.update(extra)
    return "".join(f"{k}: {v}\n" for k, v in base.items())


def class_a_file(fid: str, **extra: str) -> str:
    """A 管理A file (要配慮, access limited) held from 2025-04-01 unless `extra` says otherwise."""
    return file_record(
        fid,
        management_class="A",
        classification="{rationale: 要配慮}",
        handling_rules="{access_limits: 担当者のみ}",
        **extra,
    )


def contractor(cid: str, files: str = "[]", extra: str = "") -> str:
    return (
        f"schema_version: 1\nid: {cid}\nname: 株式会社テスト\ndivisions: [d1]\nfiles: {files}\n"
        f"contract: {{start: '2025-04-01'}}\nclauses:\n{CLAUSES}{extra}"
    )


def test_shipped_register_has_no_problem():
    assert validate_register(Register.load(SHIPPED), TODAY) == []


def test_dangling_references_and_ids(tmp_path):
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record("F-1", division="nowhere", systems="[SYS-9]"),
            "files/F-2.yaml": file_record("F-3"),
            "ledger/F-1.yaml": "schema_version: 1\nid: F-1\nfile: F-2\n",
            "inspections/2025/d1.yaml": "schema_version: 1\nid: d1\nyear: 2024\ndivision: d1\n",
        },
    )
    found = codes(reg)
    assert sorted(found["dangling-ref"]) == ["files/F-1.yaml", "files/F-1.yaml"]
    assert found["id-mismatch"] == ["files/F-2.yaml"]
    assert found["ledger-file"] == ["ledger/F-1.yaml"]
    assert found["year-mismatch"] == ["inspections/2025/d1.yaml"]


def test_a_reference_to_a_file_that_cannot_be_read_is_not_said_not_to_exist(tmp_path):
    """A file broken by a hand edit (its YAML) has its own error; the records naming it were also
    told it "does not exist; create it" (an outside new-user run): a second record would follow."""
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record("F-1").replace("name: 補助金申請者ファイル", 'name: "補助金申請者ファイル'),
            "ledger/F-1.yaml": "schema_version: 1\nid: F-1\nfile: F-1\n",
            "ledger/F-2.yaml": "schema_version: 1\nid: F-2\nfile: F-2\n",  # no such file: dangling still
        },
    )
    found = codes(reg, "error")
    assert found["yaml"] == ["files/F-1.yaml"]
    assert found["dangling-ref"] == ["ledger/F-2.yaml"]


def test_roles_must_be_unique(tmp_path):
    reg = register_from(
        tmp_path,
        {
            "roles/second.yaml": "schema_version: 1\nid: second\nrole: sokatsu\ntitle_ja: 総括個人情報保護管理者\npost: 別の官職\narticle: 5(1)\n"
        },
    )
    assert codes(reg)["role-duplicate"] == ["roles/sokatsu.yaml"] or codes(reg)["role-duplicate"] == [
        "roles/second.yaml"
    ]


def test_one_post_holding_two_art_5_roles_is_warned(tmp_path):
    """Art. 5 fills each role from its own post (総括: 官房長, 副総括: 個人情報保護室長, 監査責任者:
    首席監察官); a register giving the 監査責任者 the 総括's post had the auditor report to itself (42(1))."""
    reg = register_from(
        tmp_path,
        {
            "roles/audit-officer.yaml": "schema_version: 1\nid: audit-officer\nrole: audit_officer\n"
            "title_ja: 個人情報保護監査責任者\npost: 官房長\narticle: 5(5)\n"
        },
    )
    [p] = problems_of(reg, "role-post-shared")
    assert (p.path, p.key, p.severity) == ("roles/sokatsu.yaml", "$.post", "warning")  # the later, naming the other
    assert "roles/audit-officer.yaml" in p.message
    assert "官房長" in p.message and "総括個人情報保護管理者" in p.message and "個人情報保護監査責任者" in p.message
    assert "correct the post" in p.message


def test_a_register_with_no_roles_at_all_is_told_each_one_art_5_requires(tmp_path):
    """Art. 5 「置き」: a 総括, a 副総括 and a 監査責任者. With roles/ emptied nothing was said (the
    warning needed at least one role to be there; an outside legal review)."""
    import shutil

    reg = register_from(tmp_path, {})
    shutil.rmtree(reg.root / "roles")
    found = [p for p in validate_register(Register.load(reg.root), TODAY) if p.code == "role-missing"]
    assert sorted(p.message.split("(")[1].split(")")[0] for p in found) == ["audit_officer", "fuku_sokatsu", "sokatsu"]
    assert {p.severity for p in found} == {"warning"}


def test_subcontract_cycle(tmp_path):
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "contractors/C-1.yaml": contractor("C-1", extra="parent: C-2\n"),
            "contractors/C-2.yaml": contractor("C-2", extra="parent: C-1\n"),
        },
    )
    assert sorted(codes(reg)["subcontract-cycle"]) == ["contractors/C-1.yaml", "contractors/C-2.yaml"]


def b_work_contractor(tmp_path, confirmations: list[tuple[str, str]]) -> Register:
    """A contractor handling a 管理B file (Art. 14(4) applies), confirmed after contracting on
    2025-05-01 and then on each (day, method) of `confirmations`."""
    listed = "".join(f"  - {{date: '{day}', method: {how}}}\n" for day, how in confirmations)
    return register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record(
                "F-1",
                management_class="B",
                classification="{rationale: 千人以上}",
                handling_rules="{access_limits: 担当者のみ}",
                holding="{start: '2020-04-01'}",  # held on every day the tests take as today
            ),
            "contractors/C-1.yaml": contractor(
                "C-1",
                files="[F-1]",
                extra=f"post_contract_confirmation: {{date: '2025-05-01'}}\nannual_confirmations:\n{listed}",
            ),
        },
    )


@pytest.mark.parametrize(("last", "overdue"), [("2025-11-26", False), ("2025-11-25", True), ("2025-12-01", False)])
def test_annual_contractor_check_boundary(tmp_path, last, overdue):
    reg = b_work_contractor(tmp_path, [(last, "document")])
    assert ("annual-check-overdue" in codes(reg, "warning")) is overdue


@pytest.mark.parametrize(
    ("last", "today", "overdue"),
    [
        ("2023-02-28", "2024-02-29", False),  # 初日不算入: 2023-03-01 .. 2024-02-29 (leap day) is the year
        ("2023-02-28", "2024-03-01", True),
        ("2024-02-29", "2025-02-28", False),  # no 2025-02-29: the year ends on the month's last day
        ("2024-02-29", "2025-03-01", True),
        ("2025-06-30", "2026-06-30", False),
        ("2025-06-30", "2026-07-01", True),
    ],
)
def test_annual_contractor_check_counts_the_year_as_the_civil_code_does(tmp_path, last, today, overdue):
    """Art. 14(4) 年１回以上: a year from a check is counted from the next day and ends the day before the
    same day a year on, or on the month's last day when there is none (民法 140, 143). A check on
    2023-02-28 was said overdue on 2024-02-29, the last day of its year (a day early)."""
    reg = b_work_contractor(tmp_path, [(last, "document")])
    found = {p.code for p in validate_register(reg, date.fromisoformat(today))}
    assert ("annual-check-overdue" in found) is overdue


def test_the_period_of_months_ends_as_the_civil_code_says():
    from meti_pi.inspect.years import period_end

    assert period_end(date(2025, 11, 26), 12) == date(2026, 11, 26)
    assert period_end(date(2023, 2, 28), 12) == date(2024, 2, 29)
    assert period_end(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert period_end(date(2026, 2, 28), 6) == date(2026, 8, 31)  # from 3/1: ends 8/31, not 8/28
    assert period_end(date(2026, 1, 30), 1) == date(2026, 2, 28)  # from 1/31: no 2/31, the month's last day
    assert period_end(date(2026, 4, 30), 1) == date(2026, 5, 31)
    assert period_end(date(2026, 12, 31), 12) == date(2027, 12, 31)


def test_an_overdue_annual_check_without_any_is_shown_at_the_confirmation_it_counts_from(tmp_path):
    """With no annual_confirmations at all, the warning stood at line 1 (schema_version), at a key the
    record does not have: it is shown at the Art. 14(3) confirmation the year runs from."""
    reg = b_work_contractor(tmp_path, [])
    text = (reg.root / "contractors" / "C-1.yaml").read_text(encoding="utf-8").replace("annual_confirmations:\n", "")
    (reg.root / "contractors" / "C-1.yaml").write_text(text, encoding="utf-8")
    [p] = problems_of(Register.load(reg.root), "annual-check-overdue")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("post_contract_confirmation:"))
    assert (p.key, p.line) == ("$.post_contract_confirmation", line)


@pytest.mark.parametrize(("future", "overdue"), [("2026-11-26", False), ("2026-11-27", True), ("2027-01-15", True)])
def test_a_confirmation_dated_after_today_has_not_taken_place(tmp_path, future, overdue):
    """Art. 14(4) 年１回以上: a confirmation dated next year made a missed check look done (an
    outside legal review). Today's counts; a later one is not counted and is warned of."""
    reg = b_work_contractor(tmp_path, [("2025-11-20", "document"), (future, "onsite")])
    found = codes(reg, "warning")
    assert ("annual-check-overdue" in found) is overdue
    assert ("confirmation-not-yet" in found) is overdue


def test_no_annual_check_for_class_c_work_or_ended_contracts(tmp_path):
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record("F-1", management_class="C", classification="{rationale: 少数}"),
            "files/F-2.yaml": class_a_file("F-2"),
            "contractors/C-1.yaml": contractor(
                "C-1", files="[F-1]", extra="post_contract_confirmation: {date: '2020-05-01'}\n"
            ),
            "contractors/C-2.yaml": contractor("C-2", files="[F-2]").replace(
                "contract: {start: '2025-04-01'}", "contract: {start: '2020-04-01', end: '2021-03-31'}"
            ),
        },
    )
    found = codes(reg, "warning")
    assert "annual-check-overdue" not in found
    assert "confirmation-missing" not in found


def test_no_annual_check_for_a_class_a_file_no_longer_held(tmp_path):
    """Art. 14(4): the 管理A file the contractor lists was disposed of (holding ended 2024-03-31) before
    its contract began; with 管理C work left, a yearly check was still said overdue."""
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": class_a_file("F-1", holding="{start: '2020-04-01', end: '2024-03-31'}"),
            "files/F-2.yaml": file_record("F-2", management_class="C", classification="{rationale: 少数}"),
            "contractors/C-1.yaml": contractor(
                "C-1", files="[F-1, F-2]", extra="post_contract_confirmation: {date: '2025-05-01'}\n"
            ),
        },
    )
    assert "annual-check-overdue" not in codes(reg, "warning")


def test_absent_clause_and_missing_confirmation_warn(tmp_path):
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "contractors/C-1.yaml": contractor("C-1").replace(
                "reporting_audit: {present: true}", "reporting_audit: {present: false}"
            ),
        },
    )
    found = codes(reg, "warning")
    assert found["clause-absent"] == ["contractors/C-1.yaml"]
    assert found["confirmation-missing"] == ["contractors/C-1.yaml"]


def test_a_missing_post_contract_confirmation_says_how_to_record_it(tmp_path):
    """Art. 14(3): the warning said only that no confirmation is recorded (the 14(4) one says what to do)."""
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "contractors/C-1.yaml": contractor("C-1"),
        },
    )
    [p] = problems_of(reg, "confirmation-missing")
    assert "post_contract_confirmation (date, ref, items) in contractors/C-1.yaml" in p.message
    assert "`meti-pi commit`" in p.message and "責任者" in p.message


def test_consistency_checks(tmp_path):
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="中小企業庁"),
            "files/F-1.yaml": file_record("F-1", filebook_withheld="{record_items: [病歴], reason: 事務に支障}"),
            "systems/S-1.yaml": "schema_version: 1\nid: S-1\nname: 外部システム\nbeppyo_row: 1\nconnected_to_meti_network: false\n",
            "contractors/C-1.yaml": contractor("C-1", extra="corporate_number: '2835678256246'\n"),
            "contractors/C-2.yaml": contractor(
                "C-2", extra="corporate_number: '5835678256246'\npost_contract_confirmation: {date: '2025-05-01'}\n"
            ),
        },
    )
    found = codes(reg)
    assert found["withheld-unknown"] == ["files/F-1.yaml"]
    assert found["org-mismatch"] == ["files/F-1.yaml"]
    assert found["beppyo-network"] == ["systems/S-1.yaml"]
    assert found["corporate-number"] == ["contractors/C-1.yaml"]


@pytest.mark.parametrize(
    ("row", "connected", "refused"),
    [(9, "false", False), (9, "true", True), (1, "true", False), (1, "false", True)],
)
def test_row_9_is_the_row_of_systems_off_the_network_and_of_no_other(tmp_path, row, connected, refused):
    """別表 row 1 takes every connected system rows 2-8 do not; row 9 is 「上記以外」. A connected system
    on row 9 was accepted, with its own 課等 as 甲・乙 (an outside legal review)."""
    extra = {"managing_division": "d1"} if row == 9 else {}
    system = f"schema_version: 1\nid: S-1\nname: システム\nbeppyo_row: {row}\nconnected_to_meti_network: {connected}\n"
    system += "".join(f"{k}: {v}\n" for k, v in extra.items())
    reg = register_from(
        tmp_path,
        {"divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"), "systems/S-1.yaml": system},
    )
    assert ("beppyo-network" in codes(reg)) is refused
    if refused:  # says what to do, both ways
        [p] = problems_of(reg, "beppyo-network")
        assert "correct the row or the connection" in p.message


@pytest.mark.parametrize(
    ("klass", "rules", "warned"), [("A", None, True), ("C", None, True), ("C", "{disposal: 溶解}", False)]
)
def test_handling_rules_are_asked_for_every_class(tmp_path, klass, rules, warned):
    """Art. 16(2): the 管理者 sets the handling rules 「前項の管理区分に応じて」, for 管理C too (only
    A and B were asked for; an outside legal review)."""
    extra = {"handling_rules": rules} if rules else {}
    record = file_record("F-1", management_class=klass, classification="{rationale: 判断}", **extra)
    reg = register_from(
        tmp_path, {"divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"), "files/F-1.yaml": record}
    )
    assert ("handling-rules" in codes(reg, "warning")) is warned


def test_a_row_record_that_fails_its_schema_names_no_unit(tmp_path):
    """A hand-broken 別表 row (gou: a text) crashed validate in the check of unassigned duties
    (AttributeError, found by tests/test_validate_fuzz): the row's schema error is reported."""
    import re

    row = (SHIPPED / "beppyo" / "row-4.yaml").read_text(encoding="utf-8")
    broken = re.sub(r"(?ms)^gou:\n(?:  .*\n)+", "gou: manual\n", row)
    assert broken != row
    system = "schema_version: 1\nid: S-1\nname: システム\nbeppyo_row: 4\nconnected_to_meti_network: true\n"
    reg = register_from(tmp_path, {"beppyo/row-4.yaml": broken, "systems/S-1.yaml": system})
    assert "beppyo/row-4.yaml" in codes(reg, "error")["schema"]


def test_a_fixed_unit_of_the_beppyo_names_its_unit(tmp_path):
    """別表 甲・乙 `kind: fixed` without `unit` passed its schema, and every system of the row then had no
    甲 (or 乙): Arts. 27-34 were asked of nobody, and nothing was said."""
    row = (SHIPPED / "beppyo" / "row-3.yaml").read_text(encoding="utf-8")
    broken = row.replace("  unit: 貿易経済協力局通商金融課\n", "", 1)
    assert broken != row
    reg = register_from(tmp_path, {"beppyo/row-3.yaml": broken})
    [p] = problems_of(reg, "schema")
    assert (p.path, p.key) == ("beppyo/row-3.yaml", "$.gou")
    assert "'unit' is a required property" in p.message and "fixed" in p.message


@pytest.mark.parametrize(
    ("row", "field", "warned"),
    [
        (1, "business_division: d1", True),  # a 個別業務 system: row 6 (its 課等 is 甲), not row 1 (情報システム室)
        (1, "managing_division: d1", True),  # its own 管理課 as 甲・乙: row 9 (off the network), not row 1
        (6, "business_division: d1", False),
        (4, "business_division: boeki", False),  # the 甲 row 4 names anyway
    ],
)
def test_a_system_naming_a_unit_its_row_does_not_read_is_warned(tmp_path, row, field, warned):
    """A system on row 1 naming the 課等 whose individual business it serves (or its own 管理課) was
    given 大臣官房情報システム室 as 甲 without a word: the field is read on rows 6 and 8 (9) only."""
    system = (
        f"schema_version: 1\nid: S-1\nname: システム\nbeppyo_row: {row}\nconnected_to_meti_network: true\n{field}\n"
    )
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "divisions/boeki.yaml": DIV.format(id="boeki", name="貿易経済協力局貿易管理課", org="経済産業省"),
            "systems/S-1.yaml": system,
        },
    )
    found = problems_of(reg, "beppyo-unit-unread")
    assert bool(found) is warned
    if warned:
        [p] = found
        assert p.key == "$." + field.split(":")[0] and p.severity == "warning"
        assert f"別表第{row}項" in p.message and "correct beppyo_row" in p.message


def test_a_system_off_the_network_on_row_1_is_told_its_row_once(tmp_path):
    """Off METI's network on row 1 with its own 管理課 named: beppyo-network says the row is wrong (row 9
    reads managing_division); beppyo-unit-unread said the same fault a second time."""
    system = "schema_version: 1\nid: S-1\nname: システム\nbeppyo_row: 1\nconnected_to_meti_network: false\nmanaging_division: d1\n"
    reg = register_from(
        tmp_path,
        {"divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"), "systems/S-1.yaml": system},
    )
    assert [p.key for p in problems_of(reg, "beppyo-network")] == ["$.beppyo_row"]
    assert not problems_of(reg, "beppyo-unit-unread")


def test_system_on_a_missing_row(tmp_path):
    reg = register_from(tmp_path, {"systems/S-1.yaml": "schema_version: 1\nid: S-1\nname: X\nbeppyo_row: 1\n"})
    (reg.root / "beppyo" / "row-1.yaml").unlink()
    assert codes(Register.load(reg.root))["beppyo-missing"] == ["systems/S-1.yaml"]


def test_schema_failures_do_not_cascade_into_false_dangling_references(tmp_path):
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省") + "unknown_field: 1\n",
            "files/F-1.yaml": file_record("F-1"),
        },
    )
    found = codes(reg)
    assert found["schema"] == ["divisions/d1.yaml"]
    assert "dangling-ref" not in found


def test_layout_problems(tmp_path):
    reg = register_from(
        tmp_path, {"unknownkind/x.yaml": "a: 1\n", "files/sub/F-1.yaml": "a: 1\n", "inspections/20x5/d.yaml": "a: 1\n"}
    )
    found = codes(reg)
    assert sorted(found["layout"]) == ["files/sub/F-1.yaml", "inspections/20x5/d.yaml", "unknownkind/x.yaml"]


def test_warning_only_checks_never_report_an_error(tmp_path):
    """The write path skips them (it refuses only new errors): that is sound only if they never err."""
    from conftest import EXAMPLE

    from meti_pi.checks.validate import WARNING_ONLY_CHECKS

    reg = Register.load(EXAMPLE)
    found = [p for check in WARNING_ONLY_CHECKS for p in check(reg, TODAY)]
    assert found and {p.severity for p in found} == {"warning"}
    broken = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record("F-1", management_class="A", holding="{start: '2020-01-01'}"),
            "contractors/C-1.yaml": contractor("C-1", files="[F-1]").replace(
                "copy_limits: {present: true}", "copy_limits: {present: false}"
            ),
        },
    )
    found = [p for check in WARNING_ONLY_CHECKS for p in check(broken, TODAY)]
    assert found and {p.severity for p in found} == {"warning"}


# -- issue 14: legal fidelity --------------------------------------------------------------------

OFFICE = "{name: 個人情報保護窓口, address: 東京都千代田区霞が関一丁目3番1号}"


def problems_of(reg: Register, code: str) -> list:
    return [p for p in validate_register(reg, TODAY) if p.code == code]


def test_decided_class_differing_from_the_engine_warns_with_its_reasons(tmp_path):
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record(
                "F-1",
                management_class="B",
                principals="{count: 10, as_of: '2026-01-01'}",
                classification="{rationale: 準ずる管理が適当と判断}",
            ),
        },
    )
    [p] = problems_of(reg, "class-differs")
    assert p.severity == "warning" and "管理C" in p.message and "10人" in p.message
    assert not problems_of(reg, "class-lower-unexplained")


@pytest.mark.parametrize(
    ("own", "code", "severity"),
    [
        (None, "class-lower-unexplained", "error"),
        ("'再委託なしの閉域環境で取り扱うため'", "class-differs", "warning"),
    ],
)
def test_decided_class_lower_than_the_engine_needs_a_reason(tmp_path, own, code, severity):
    classification = "{rationale: 管理者の判断" + (f", class_rationale: {own}" if own else "") + "}"
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record(
                "F-1",
                management_class="B",
                principals="{count: 1000, as_of: '2026-01-01'}",
                classification=classification,
                disclosure_office=OFFICE,
                characteristics="{sensitive: true}",  # the engine: 管理A
            ),
        },
    )
    found = problems_of(reg, code)
    assert [p.severity for p in found] == [severity]
    assert found[0].line == 12 and found[0].key == "$.management_class"  # the line the 管理者 edits
    assert ("class-lower-unexplained" in codes(reg, "error")) is (own is None)


@pytest.mark.parametrize(
    ("count", "sensitive", "below"),
    [
        ("999", "false", False),
        ("1000", "false", True),
        ("1001", "false", True),
        ("null", "false", False),
        ("999", "true", False),
        ("1000", "true", True),
    ],
)
def test_class_c_for_a_thousand_principals_is_refused_whatever_the_reason(tmp_path, count, sensitive, below):
    """Art. 16(1)'s table: what is not 管理A and has 千人以上の本人 is 管理B; 管理C is what is neither.
    Lowering the engine's 管理A or 管理B to C is a judgement below 1,000 本人 (or an unknown count)."""
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record(
                "F-1",
                management_class="C",
                principals=f"{{count: {count}, as_of: '2026-01-01'}}",
                classification="{rationale: 管理者の判断, class_rationale: 影響が小さいと判断}",
                disclosure_office=OFFICE,
                characteristics=f"{{sensitive: {sensitive}}}",
            ),
        },
    )
    found = problems_of(reg, "class-below-rule")
    assert [(p.severity, p.line) for p in found] == ([("error", 12)] if below else [])
    if below:
        assert f"{int(count):,} 本人" in found[0].message and "--class B" in found[0].message
        assert not problems_of(reg, "class-differs")  # one problem, the error


@pytest.mark.parametrize(("count", "refused"), [("999", False), ("1000", True), ("1001", True), ("null", True)])
def test_claimed_item_9_against_the_count(tmp_path, count, refused):
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record(
                "F-1",
                principals=f"{{count: {count}, as_of: '2026-01-01'}}",
                exclusions="[{item: 74-2-9, reason: 千人未満}]",
                management_class="B" if refused else "C",
                classification="{rationale: 判定}",
                disclosure_office=OFFICE,
                characteristics="{sensitive: false}",
            ),
        },
    )
    found = problems_of(reg, "exclusion-refused")
    assert [p.severity for p in found] == (["error"] if refused else [])


@pytest.mark.parametrize(("kind", "refused"), [("manual", False), ("computer", True)])
def test_claimed_item_11_against_the_file_kind(tmp_path, kind, refused):
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record(
                "F-1",
                file_kind=kind,
                principals="{count: 5000, as_of: '2026-01-01'}",
                exclusions="[{item: 74-2-11, reason: 紙のファイル}]",
                management_class="B",
                classification="{rationale: 判定}",
                disclosure_office=OFFICE,
                characteristics="{sensitive: false}",
            ),
        },
    )
    found = problems_of(reg, "exclusion-refused")
    assert [(p.severity, p.key) for p in found] == ([("error", "$.exclusions[0].item")] if refused else [])


def _unlisted_by(tmp_path, claims: str, **extra: str) -> list:
    """The exclusion-unspecified warnings of a 5,000-本人 file claiming `claims`."""
    record = file_record(
        "F-1",
        principals="{count: 5000, as_of: '2026-01-01'}",
        exclusions=claims,
        management_class="B",
        classification="{rationale: 判定}",
        disclosure_office=OFFICE,
        characteristics="{sensitive: false}",
        **extra,
    )
    files = {"divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"), "files/F-1.yaml": record}
    return problems_of(register_from(tmp_path, files), "exclusion-unspecified")


@pytest.mark.parametrize(
    ("claims", "warned"),
    [
        ("[{item: 75-2-1, reason: 第74条第2項に当たる}]", True),
        ("[{item: 74-2-3, reason: 犯罪捜査}, {item: 75-2-1, reason: r}]", False),
        # a 74-2-9 refused for the count (5,000 本人) is no ground for it either (a review of the day's change)
        ("[{item: 75-2-1, reason: 第74条第2項に当たる}, {item: 74-2-9, reason: 千人未満}]", True),
    ],
)
def test_a_75_2_1_claim_without_its_74_2_item_is_warned(tmp_path, claims, warned):
    """A 75(2)(i) claim alone unlisted a file of 5,000 本人 past every check a 74(2) item gets (an
    outside legal review): it is pointed at, to be claimed as the 74(2) item itself."""
    found = _unlisted_by(tmp_path, claims)
    assert [(p.severity, p.key) for p in found] == ([("warning", "$.exclusions[0].item")] if warned else [])


def test_a_75_2_1_claim_beside_item_11_is_warned(tmp_path):
    """75(2)(i) leaves out the files of 74(2)(i)-(x) only: a paper file (74(2)(xi)) is listed in the
    ファイル簿 (legal brief §1.8). Claimed beside 74-2-11, 75-2-1 took a paper file of 5,000 本人 out
    of it with no warning, as if 74-2-11 were the item it rests on."""
    found = _unlisted_by(tmp_path, "[{item: 74-2-11, reason: 紙}, {item: 75-2-1, reason: r}]", file_kind="manual")
    assert [(p.severity, p.key) for p in found] == [("warning", "$.exclusions[1].item")]


def test_anonymized_info_from_a_file_withheld_whole_is_an_error(tmp_path):
    base = {
        "principals": "{count: 5000, as_of: '2026-01-01'}",
        "management_class": "B",
        "classification": "{rationale: 判定}",
        "disclosure_office": OFFICE,
        "characteristics": "{sensitive: false}",
        "anonymized_info": "{created: true, created_on: '2025-05-01'}",
    }
    listed = register_from(
        tmp_path / "a",
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record("F-1", **base),
        },
    )
    assert not problems_of(listed, "anonymized-unlisted")
    withheld = register_from(
        tmp_path / "b",
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record(
                "F-1", **base, filebook_withheld="{whole_file: true, reason: 事務に著しい支障}"
            ),
        },
    )
    assert [p.severity for p in problems_of(withheld, "anonymized-unlisted")] == ["error"]


@pytest.mark.parametrize("missing", ["disclosure_office", "characteristics", "address"])
def test_listed_file_must_state_items_vi_and_ix(tmp_path, missing):
    extra = {
        "principals": "{count: 5000, as_of: '2026-01-01'}",
        "management_class": "B",
        "classification": "{rationale: 判定}",
        "disclosure_office": OFFICE,
        "characteristics": "{sensitive: false}",
    }
    if missing == "address":
        extra["disclosure_office"] = "{name: 個人情報保護窓口}"
    else:
        del extra[missing]
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record("F-1", **extra),
        },
    )
    errors = codes(reg, "error")
    assert errors.get("schema") == ["files/F-1.yaml"]  # the schema's if/then (75(1))
    assert errors.get("filebook-mandatory") is None  # schema failures are not checked further
    # a small file is not listed: nothing required
    small = register_from(
        tmp_path / "s",
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record(
                "F-1", **{**extra, "principals": "{count: 999, as_of: '2026-01-01'}", "management_class": "C"}
            ),
        },
    )
    assert "schema" not in codes(small, "error")


def test_listed_file_of_unstated_count_must_state_items_vi_and_ix(tmp_path):
    # no principals at all: the schema cannot tell, the listing decision can (an unknown count is listed)
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record("F-1", management_class="B", classification="{rationale: 判定}"),
        },
    )
    found = problems_of(reg, "filebook-mandatory")
    assert sorted(p.severity for p in found) == ["error", "error"]


def test_an_unknown_key_is_reported_at_its_own_line_and_path(tmp_path):
    """A misspelt key (parnet: for parent:) was reported at the record's line 2 with the key path
    `$`, and jsonschema's words only; nested ones at their mapping's line."""
    reg = register_from(
        tmp_path,
        {"divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省") + "parnet: 大臣官房\n"},
    )
    [problem] = problems_of(reg, "schema")
    assert (problem.line, problem.key) == (6, "$.parnet")
    assert "'parnet' is not a field of this record" in problem.message and "meti-pi schema divisions" in problem.message


@pytest.mark.parametrize("name", ["policy.yaml", "citations.yaml"])
def test_a_file_register_yaml_names_must_exist(tmp_path, runner, name):
    """A missing policy.yaml was silent: validate said ok and every command ran on the defaults."""
    root = make_register(tmp_path, example=True)
    (root / name).unlink()
    result = invoke(runner, root, "validate")
    # named from the folder the test runs in, outside the repository: absolute (test_message_paths)
    named = (root / name).resolve()
    assert result.exit_code == 1 and f"named-file-missing] {named} is missing" in result.output, result.output


# -- Art. 14 (委託) and Art. 15 (労働者派遣) kept apart (an outside legal review) -------------------


def dispatch_contractor(cid: str, files: str = "[]", terms: str = "\n  contract_terms: true", extra: str = "") -> str:
    """A pure 労働者派遣契約: no Art. 14(2) clauses, no 14(3)/14(4) confirmations."""
    return (
        f"schema_version: 1\nid: {cid}\nname: 株式会社派遣テスト\ndivisions: [d1]\nfiles: {files}\n"
        f"contract: {{kind: dispatch, start: '2020-04-01'}}\ndispatched_workers:\n  present: true{terms}\n{extra}"
    )


def test_a_dispatch_contract_is_not_checked_as_outsourcing(tmp_path):
    """Art. 15 asks a 労働者派遣契約 only for 秘密保持義務等: no 14(2) clauses, 14(3) or 14(4) finding
    (they were asked of every contractor record, the schema required the nine clauses)."""
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": class_a_file("F-1"),
            "contractors/C-1.yaml": dispatch_contractor("C-1", files="[F-1]"),
        },
    )
    found = codes(reg)
    assert not {
        "schema",
        "clause-absent",
        "confirmation-missing",
        "annual-check-overdue",
        "dispatch-terms-missing",
    } & set(found)


@pytest.mark.parametrize(
    ("record", "says"),
    [
        (dispatch_contractor("C-1", terms="\n  contract_terms: false"), "does not state"),
        (dispatch_contractor("C-1", terms=""), "not recorded"),
        # 委託 and 労働者派遣 by one contractor: both articles apply.
        (contractor("C-1", extra="dispatched_workers: {present: true, contract_terms: false}\n"), "does not state"),
    ],
)
def test_a_dispatch_contract_without_confidentiality_terms_warns_art_15(tmp_path, record, says):
    reg = register_from(
        tmp_path,
        {"divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"), "contractors/C-1.yaml": record},
    )
    [p] = problems_of(reg, "dispatch-terms-missing")
    assert p.severity == "warning" and p.message.startswith("Art. 15:") and says in p.message
    assert p.key == "$.dispatched_workers.contract_terms" or p.key == "$.dispatched_workers"


def test_outsourcing_stays_the_default_and_dispatch_rejects_article_14_fields(tmp_path):
    """A record without contract.kind is 委託 as before (the nine clauses required); one saying
    dispatch must not carry Art. 14 facts (they would be silently unchecked) and records Art. 15."""
    without_clauses = contractor("C-1").split("clauses:")[0]
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "contractors/C-1.yaml": without_clauses,
            "contractors/C-2.yaml": dispatch_contractor("C-2", extra="clauses:\n" + CLAUSES),
            "contractors/C-3.yaml": dispatch_contractor("C-3").split("dispatched_workers:")[0],
        },
    )
    by_path: dict[str, list[str]] = {}
    for p in problems_of(reg, "schema"):
        by_path.setdefault(p.path, []).append(f"{p.key} {p.message}")
    [one] = by_path["contractors/C-1.yaml"]
    assert "'clauses' is a required property" in one and "委託" in one
    [two] = by_path["contractors/C-2.yaml"]
    assert two.startswith("$.clauses ") and "労働者派遣" in two and "remove it" in two
    [three] = by_path["contractors/C-3.yaml"]
    assert "'dispatched_workers' is a required property" in three and "第15条" in three


def test_a_subcontractor_cannot_descend_from_a_dispatch_contract(tmp_path):
    """Art. 14(5) 再委託 is a 委託先's: a 労働者派遣契約 (Art. 15) delegates no work to pass on. A
    contractor naming one as its `parent` was accepted, and asked item 14-5 as its 再委託先."""
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "contractors/C-1.yaml": dispatch_contractor("C-1"),
            "contractors/C-2.yaml": contractor(
                "C-2", extra="parent: C-1\npost_contract_confirmation: {date: '2025-05-01'}\n"
            ),
        },
    )
    [p] = problems_of(reg, "subcontract-of-dispatch")
    assert (p.path, p.key, p.severity) == ("contractors/C-2.yaml", "$.parent", "error")
    assert "労働者派遣契約" in p.message and "correct `parent`" in p.message


def test_a_dispatch_contract_saying_no_dispatched_workers_is_told_why(tmp_path):
    """`present: false` on a 労働者派遣契約 said only jsonschema's "True was expected" (a review): the
    value the conditional rule asks for comes with the rule's reason. A const outside any
    conditional keeps jsonschema's own words."""
    record = dispatch_contractor("C-1", terms="").replace("present: true", "present: false")
    reg = register_from(
        tmp_path,
        {"divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"), "contractors/C-1.yaml": record},
    )
    [p] = problems_of(reg, "schema")
    assert p.key == "$.dispatched_workers.present"
    assert p.message.startswith("must be true here, because a 労働者派遣契約 (contract.kind: dispatch)")
    assert "第15条" in p.message and "was expected" not in p.message


def test_a_const_outside_a_conditional_keeps_jsonschemas_words():
    from jsonschema import Draft202012Validator

    from meti_pi.store.schema_messages import error_text

    schema = {"properties": {"v": {"const": 1}}}
    [err] = Draft202012Validator(schema).iter_errors({"v": 2})
    assert error_text(schema, err) == "1 was expected"


def test_sensitive_false_beside_named_categories_is_warned(tmp_path):
    """`sensitive: false` with `sensitive_categories: [medical_history]`: the notice, the ファイル簿 and
    the class read the categories (held); the flag that says otherwise is pointed at, not obeyed."""
    chars = "{sensitive: false, sensitive_categories: [medical_history]}"
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record("F-1", characteristics=chars),
            "files/F-2.yaml": file_record(
                "F-2", characteristics="{sensitive: true, sensitive_categories: [medical_history]}"
            ),
        },
    )
    [p] = problems_of(reg, "sensitive-contradicted")
    assert (p.path, p.key, p.severity) == ("files/F-1.yaml", "$.characteristics.sensitive", "warning")
    assert "set sensitive: true, or remove the categories" in p.message


def test_my_number_listed_as_a_code_without_the_flag_is_warned(tmp_path):
    """`identification_codes: [my_number]` beside `my_number: false`: the class and the 35(3) notice
    take 個人番号 as held, while the schema's my_number_basis and the checklist read the flag: the
    flag is pointed at (a file with both set, or with other codes only, is not)."""
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": file_record(
                "F-1", characteristics="{my_number: false, identification_codes: [my_number]}"
            ),
            "files/F-2.yaml": file_record(
                "F-2", characteristics="{sensitive: false, identification_codes: [passport]}"
            ),
        },
    )
    [p] = problems_of(reg, "my-number-flag")
    assert (p.path, p.key, p.severity) == ("files/F-1.yaml", "$.characteristics.identification_codes", "warning")
    assert "set my_number: true" in p.message


def test_a_contractor_whose_files_are_all_disposed_of_is_not_said_to_handle_class_c(tmp_path):
    """Art. 14(4)'s why: with every file it lists disposed of, the reason read 「取扱ファイルは管理Cのみ」
    of files that are neither; it says that none is held (and 管理Cのみ where a 管理C file is)."""
    from datetime import date

    from meti_pi.inspect.queries import ab_work

    disposed = class_a_file("F-1", holding="{start: '2020-04-01', end: '2024-03-31'}")
    reg = register_from(
        tmp_path,
        {
            "divisions/d1.yaml": DIV.format(id="d1", name="課一", org="経済産業省"),
            "files/F-1.yaml": disposed,
            "files/F-2.yaml": file_record("F-2", management_class="C", classification="{rationale: 少数}"),
            "contractors/C-1.yaml": contractor("C-1", files="[F-1]"),
            "contractors/C-2.yaml": contractor("C-2", files="[F-1, F-2]"),
        },
    )
    year = (date(2025, 4, 1), date(2026, 3, 31))
    assert ab_work(reg, reg.get("contractors", "C-1"), during=year) == (
        False,
        "取扱ファイルにその期間に保有したものがない",
    )
    assert ab_work(reg, reg.get("contractors", "C-2"), during=year) == (False, "取扱ファイルは管理Cのみ")
