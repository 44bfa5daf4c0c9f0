"""The fictional example register (examples/register/) is rich enough for demos and tests, and valid."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from meti_pi.checks.validate import validate_register
from meti_pi.classify.checkdigits import corporate_number_valid
from meti_pi.store.beppyo import gou_otsu
from meti_pi.store.register import Register

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "register"
SHIPPED = Path(__file__).resolve().parent.parent / "register"
TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def reg() -> Register:
    return Register.load(EXAMPLE)


def files(reg: Register) -> list[dict]:
    return [rec.data for rec in reg.of_kind("files")]


def exclusion_items(data: dict) -> set[str]:
    return {e["item"] for e in data.get("exclusions", [])}


def test_validates_without_errors(reg: Register) -> None:
    problems = validate_register(reg, TODAY)
    errors = [f"{p.path}:{p.line}: {p.code} {p.message}" for p in problems if p.severity == "error"]
    assert errors == []


def test_intended_warnings_are_shown(reg: Register) -> None:
    # The example carries a few realistic defects on purpose, so demos show rule findings.
    found = {(p.code, p.path) for p in validate_register(reg, TODAY) if p.severity == "warning"}
    assert ("clause-absent", "contractors/C-2026-5TY8K9.yaml") in found
    assert ("annual-check-overdue", "contractors/C-2026-N940YS.yaml") in found
    assert ("handling-rules", "files/F-2026-D1XN3V.yaml") in found
    assert ("class-rationale", "files/F-2026-MQJTB8.yaml") in found


def test_annual_check_is_not_yet_overdue_on_its_due_day(reg: Register) -> None:
    # Due 2026-09-30 (last confirmation 2025-09-30 + 12 months): not overdue that day, overdue the next.
    def overdue(day: date) -> bool:
        return any(
            p.code == "annual-check-overdue" and p.path == "contractors/C-2026-N940YS.yaml"
            for p in validate_register(reg, day)
        )

    assert not overdue(date(2026, 9, 30))
    assert overdue(date(2026, 10, 1))


def test_divisions_cover_honsho_gaikyoku_and_a_regional_bureau(reg: Register) -> None:
    divisions = [rec.data for rec in reg.of_kind("divisions")]
    assert len(divisions) >= 6
    orgs = {d["org"] for d in divisions}
    assert {"経済産業省", "資源エネルギー庁", "中小企業庁"} <= orgs
    regional = [d for d in divisions if d.get("bureau")]
    assert regional, "a regional-bureau division is expected"
    assert all(d["name"].startswith("関東経済産業局") for d in regional if d["bureau"] == "R3")


def test_divisions_name_posts_not_people(reg: Register) -> None:
    for rec in reg.of_kind("divisions"):
        posts = [rec.data["manager_post"], *rec.data.get("deputy_manager_posts", [])]
        # A post ends in a title (課長, 室長, 補佐, 係長, 官 ...), never a personal name.
        assert all(re.search(r"(長|官|補佐|担当）)$", p) for p in posts), rec.id


def test_files_span_classes_and_kinds(reg: Register) -> None:
    data = files(reg)
    assert len(data) >= 12
    assert {d.get("management_class") for d in data} >= {"A", "B", "C"}
    assert {d["file_kind"] for d in data} >= {"computer", "manual"}
    assert {"経済産業省", "資源エネルギー庁", "中小企業庁"} <= {d["org"] for d in data}


def test_payroll_file_holds_my_number_with_its_basis(reg: Register) -> None:
    payroll = [d for d in data_with_my_number(reg) if "74-2-3" in exclusion_items(d)]
    assert payroll, "a staff payroll file holding 個人番号 is expected"
    for d in payroll:
        assert d["management_class"] == "A"
        basis = d["my_number_basis"]
        assert basis["use_basis"] and basis["provision_basis"] and basis["relation_work"] is True
        assert basis["pia_status"]


def data_with_my_number(reg: Register) -> list[dict]:
    return [d for d in files(reg) if d.get("characteristics", {}).get("my_number") is True]


def test_exclusions_under_74_2(reg: Register) -> None:
    items = set().union(*(exclusion_items(d) for d in files(reg)))
    assert {"74-2-3", "74-2-7", "74-2-9", "74-2-11"} <= items
    for d in files(reg):
        if "74-2-9" in exclusion_items(d):
            assert d["principals"]["count"] < 1000, d["id"]


def test_principal_counts_at_the_1000_boundary(reg: Register) -> None:
    counts = {d["principals"]["count"] for d in files(reg) if "principals" in d}
    assert {999, 1000, 1001} <= counts
    # Art. 16(1): a file with 1,000 or more 本人 is at least 管理B.
    for d in files(reg):
        if d.get("principals", {}).get("count", 0) >= 1000:
            assert d.get("management_class") in ("A", "B"), d["id"]


def test_special_cases_are_present(reg: Register) -> None:
    data = files(reg)
    assert any("health_check" in d.get("characteristics", {}).get("sensitive_categories", []) for d in data)
    assert any(d.get("filebook_withheld") for d in data)
    assert any(d.get("anonymized_info", {}).get("created") is True for d in data)
    assert any(d["holding"].get("end") for d in data)
    # A paper file of 1,000+ 本人: no Art. 35 notice, yet listed in the ファイル簿 (legal brief §9.6).
    assert any(
        d["file_kind"] == "manual" and d["principals"]["count"] >= 1000 and exclusion_items(d) == {"74-2-11"}
        for d in data
    )
    starts = {d["holding"]["start"][:4] for d in data}
    assert starts <= {"2023", "2024", "2025", "2026"}


def test_contractors_and_subcontracting_chain(reg: Register) -> None:
    contractors = {rec.id: rec.data for rec in reg.of_kind("contractors")}
    assert len(contractors) >= 4

    def depth(cid: str) -> int:
        parent = contractors[cid].get("parent")
        return 0 if parent is None else 1 + depth(parent)

    assert max(depth(cid) for cid in contractors) >= 2
    assert any(c.get("dispatched_workers", {}).get("present") for c in contractors.values())
    for cid, c in contractors.items():
        assert corporate_number_valid(c["corporate_number"]), cid
        # Both sides of the file <-> contractor link agree.
        for fid in c.get("files", []):
            assert cid in reg.data_of("files", fid).get("contractors", []), (cid, fid)


def test_the_dispatch_contract_is_kept_apart_from_outsourcing(reg: Register) -> None:
    """C-2026-Z2A6BC is a 労働者派遣契約 (Art. 15): it says so, owes no Art. 14 clause or
    confirmation, and its division's checklist asks item 15 of it, not 14-1..14-6."""
    from meti_pi.inspect import checklist as cl

    data = reg.data_of("contractors", "C-2026-Z2A6BC")
    assert data["contract"]["kind"] == "dispatch" and "clauses" not in data
    assert not [p for p in validate_register(reg, TODAY) if p.path == "contractors/C-2026-Z2A6BC.yaml"]
    c = cl.build(reg, "chusho-keiei-shien", 2026, TODAY)
    assert not [i.key for i in c.items if i.subject == "contractors/C-2026-Z2A6BC"]
    item = c.get("15")
    assert item is not None and "C-2026-Z2A6BC" in item.why and item.prefill.answer == "yes"


def test_systems_on_five_rows_with_gou_and_otsu_resolved(reg: Register) -> None:
    systems = [rec.data for rec in reg.of_kind("systems")]
    assert len({s["beppyo_row"] for s in systems}) >= 5
    assert {6, 7, 8, 9} <= {s["beppyo_row"] for s in systems}
    for s in systems:
        pair = gou_otsu(reg, s)
        assert pair is not None, s["id"]
        gou, otsu = pair
        assert gou.division_id is not None and reg.get("divisions", gou.division_id), (s["id"], "甲", gou)
        assert otsu.division_id is not None and reg.get("divisions", otsu.division_id), (s["id"], "乙", otsu)


def test_row_8_system_takes_its_bureau_unit_as_otsu(reg: Register) -> None:
    row8 = [rec.data for rec in reg.of_kind("systems") if rec.data["beppyo_row"] == 8]
    assert row8
    for s in row8:
        gou, otsu = gou_otsu(reg, s)
        assert gou.division_id == s["business_division"]
        assert otsu.name == reg.data_of("bureaus", s["bureau"])["unit"]


def test_rule_facts_identical_to_the_shipped_register() -> None:
    # Only the modeline depth (and register.yaml's description) may differ from register/.
    def body(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("# yaml-language-server:")]

    for shipped in SHIPPED.rglob("*.yaml"):
        rel = shipped.relative_to(SHIPPED)
        copy = EXAMPLE / rel
        assert copy.is_file(), rel
        if rel.as_posix() == "register.yaml":
            continue
        assert body(copy.read_text(encoding="utf-8")) == body(shipped.read_text(encoding="utf-8")), rel


def test_modelines_point_at_existing_schemas() -> None:
    for path in EXAMPLE.rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert m, path
        assert (path.parent / m.group(1)).resolve().is_file(), path


def test_no_personal_values_in_the_example() -> None:
    # Metadata only: no 12-digit runs (個人番号-like), no e-mail addresses, no phone numbers.
    for path in EXAMPLE.rglob("*.yaml"):
        # Hashes and commit ids (40/64 hex digits) may hold digit runs by chance; they are not values.
        text = re.sub(r"\b[0-9a-f]{40,64}\b", "", path.read_text(encoding="utf-8"))
        assert not re.search(r"(?<!\d)\d{12}(?!\d)", text), path
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.-]+", text), path
        assert not re.search(r"0\d{1,4}-\d{1,4}-\d{4}", text), path


def test_public_filebook_holds_no_working_notes(reg: Register) -> None:
    # 備考 (notes) is published in the ファイル簿: the example's own explanations (boundary values,
    # warnings it provokes, facts still to be confirmed) sit in YAML comments, not in the record.
    from meti_pi.filebook.book import Snapshot, build

    book = build(Snapshot.from_register(reg), TODAY)
    assert len(book.rows) >= 5
    markers = ("FROM MEMORY", "要確認", "例示用", "legal brief", "境界値", "validate")
    for row in book.rows:
        for value in row.values:
            assert not any(m in str(value) for m in markers), (row.id, value)


@pytest.mark.parametrize("folder", [EXAMPLE, SHIPPED])
def test_the_shipped_registers_ignore_meti_pis_kept_copies_as_init_does(folder: Path) -> None:
    # The example register and the project's own carry the .gitignore `init` writes (a copy that
    # drifted from KEPT_COPIES_IGNORED would let `git add -A` take a kept copy again).
    from meti_pi.actions.records import KEPT_COPIES_IGNORED

    text = (folder / ".gitignore").read_text(encoding="utf-8")
    assert text == KEPT_COPIES_IGNORED
