"""Duties that fall to nobody, said by `validate` as warnings (an outside legal review: each made a
whole duty disappear silently): a system's 甲/乙 that no 課等 record is (the 別表 matches by name),
two 課等 by one name, no 課等 headed by the 副総括's post (Art. 5(2)), an audit not reported to the
総括 (Art. 42(1)), a review not reported to the 総括 (Art. 43(2)), an auditor whose independence
cannot be checked (Art. 42(2))."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE, invoke, make_register
from test_validate import DIV, TODAY, codes, register_from

from meti_pi.checks.validate import validate_register
from meti_pi.inspect import checklist as cl
from meti_pi.inspect import inspection
from meti_pi.store.beppyo import division_by_name
from meti_pi.store.register import Register

VICE = (
    "schema_version: 1\nid: pi\nname: 大臣官房個人情報保護室\norg: 経済産業省\nmanager_post: 大臣官房個人情報保護室長\n"
)


def found(reg: Register, code: str) -> list[tuple[str, str, str]]:
    return [(p.path, p.severity, p.message) for p in validate_register(reg, TODAY) if p.code == code]


def test_a_beppyo_unit_with_no_division_record_is_warned_at_the_system(tmp_path: Path) -> None:
    system = "schema_version: 1\nid: SYS-1\nname: 貿易保険システム\nbeppyo_row: 3\n"
    reg = register_from(tmp_path, {"divisions/pi.yaml": VICE, "systems/SYS-1.yaml": system})
    (warning,) = found(reg, "beppyo-unit-unmatched")  # 甲 and 乙 are one unit: one warning
    path, severity, message = warning
    assert (path, severity) == ("systems/SYS-1.yaml", "warning")
    assert "甲・乙" in message and "貿易経済協力局通商金融課" in message
    assert "checklist items 8-2, 26–34 " in message  # each once (checklist 2026.3: 8-2, 26 of both, 27-32 甲, 33-34 乙)
    assert "add divisions/<id>.yaml with `name: 貿易経済協力局通商金融課`" in message
    named = DIV.format(id="tsusho", name="貿易経済協力局通商金融課", org="経済産業省")
    reg = register_from(
        tmp_path / "b", {"divisions/pi.yaml": VICE, "systems/SYS-1.yaml": system, "divisions/tsusho.yaml": named}
    )
    assert found(reg, "beppyo-unit-unmatched") == []


def test_a_regional_unit_with_no_division_record_is_warned(tmp_path: Path) -> None:
    business = DIV.format(id="biz", name="関東経済産業局地域経済課", org="経済産業省")
    system = "schema_version: 1\nid: SYS-7\nname: 局システム\nbeppyo_row: 7\nbureau: R3\n"
    reg = register_from(
        tmp_path, {"divisions/pi.yaml": VICE, "divisions/biz.yaml": business, "systems/SYS-7.yaml": system}
    )
    (warning,) = found(reg, "beppyo-unit-unmatched")
    assert warning[0] == "systems/SYS-7.yaml" and "関東経済産業局総務企画部政策評価広報課" in warning[2]


def test_a_second_division_by_the_same_name_is_warned(tmp_path: Path) -> None:
    reg = register_from(
        tmp_path,
        {
            "divisions/pi.yaml": VICE,
            "divisions/a1.yaml": DIV.format(id="a1", name="大臣官房情報システム室", org="経済産業省"),
            "divisions/a2.yaml": DIV.format(id="a2", name="大臣官房情報システム室", org="経済産業省"),
        },
    )
    winner = division_by_name(reg, "大臣官房情報システム室")
    warned = found(reg, "division-name-duplicate")
    assert [(p, s) for p, s, _ in warned] == [(f"divisions/{'a2' if winner == 'a1' else 'a1'}.yaml", "warning")]
    assert f"divisions/{winner} has the same name" in warned[0][2]


def test_no_division_headed_by_the_vice_post_is_warned_once(tmp_path: Path) -> None:
    other = DIV.format(id="d1", name="課一", org="経済産業省")
    reg = register_from(tmp_path, {"divisions/d1.yaml": other})
    assert [(p, s) for p, s, _ in found(reg, "vice-office-missing")] == [("roles/fuku-sokatsu.yaml", "warning")]
    assert "manager_post: 大臣官房個人情報保護室長" in found(reg, "vice-office-missing")[0][2]
    assert "43" in found(reg, "vice-office-missing")[0][2]
    shutil.rmtree(reg.root / "roles")
    assert [p for p, _, _ in found(Register.load(reg.root), "vice-office-missing")] == ["roles/"]
    reg = register_from(tmp_path / "b", {"divisions/d1.yaml": other, "divisions/pi.yaml": VICE})
    assert "vice-office-missing" not in codes(reg)


def test_the_example_has_the_vice_office_and_it_is_asked_the_vice_items() -> None:
    reg = Register.load(EXAMPLE)
    assert "vice-office-missing" not in codes(reg)
    c = cl.build(reg, "kanbo-kojin-joho", 2026, TODAY)
    assert {"13-3", "37", "38", "41-2", "43-1", "43-2"} <= {i.key for i in c.items}


AUDIT = """
schema_version: 1
id: AUD-2026-AAAAAA
kind: regular
title: 監査
started_on: '2026-09-01'
scope: {{}}
auditors:
  - {{post: 大臣官房首席監察官, role: officer}}
{extra}
"""


def test_an_ended_audit_not_reported_to_the_sokatsu_is_warned(tmp_path: Path) -> None:
    base = {"divisions/pi.yaml": VICE}
    ended = AUDIT.format(extra="ended_on: '2026-10-01'")
    reg = register_from(tmp_path, {**base, "audits/AUD-2026-AAAAAA.yaml": ended})
    ((path, severity, message),) = found(reg, "audit-unreported")
    assert (path, severity) == ("audits/AUD-2026-AAAAAA.yaml", "warning") and "Art. 42(1)" in message
    assert "--reported-on" in message
    reported = AUDIT.format(extra="ended_on: '2026-10-01'\nreported_on: '2026-10-05'")
    assert (
        found(register_from(tmp_path / "b", {**base, "audits/AUD-2026-AAAAAA.yaml": reported}), "audit-unreported")
        == []
    )
    running = AUDIT.format(extra="")  # not ended: nothing to report yet
    assert (
        found(register_from(tmp_path / "c", {**base, "audits/AUD-2026-AAAAAA.yaml": running}), "audit-unreported") == []
    )


@pytest.mark.parametrize(("extra", "warned"), [("external: true", 1), ("", 0)])
def test_an_audit_marked_external_names_an_external_auditor(tmp_path: Path, extra: str, warned: int) -> None:
    """The report calls an audit 外部監査 by its flag: a flag without an external auditor (or the
    reverse) made the report say what the record does not (an outside legal review)."""
    reg = register_from(tmp_path, {"divisions/pi.yaml": VICE, "audits/AUD-2026-AAAAAA.yaml": AUDIT.format(extra=extra)})
    messages = [m for _, _, m in found(reg, "audit-external-mismatch")]
    assert len(messages) == warned and all("marked external (external: true) but records no" in m for m in messages)


def test_an_external_auditor_in_an_audit_not_marked_external_is_warned(tmp_path: Path) -> None:
    audit = AUDIT.format(extra="").replace(
        "  - {post: 大臣官房首席監察官, role: officer}",
        "  - {post: 大臣官房首席監察官, role: officer}\n  - {post: 主任, role: external, organisation: 監査法人}",
    )
    assert "role: external" in audit
    reg = register_from(tmp_path, {"divisions/pi.yaml": VICE, "audits/AUD-2026-AAAAAA.yaml": audit})
    ((path, severity, message),) = found(reg, "audit-external-mismatch")
    assert (path, severity) == ("audits/AUD-2026-AAAAAA.yaml", "warning") and "not marked external" in message


INSPECTION = """
schema_version: 1
id: pi
year: 2026
division: pi
catalogue_version: '2026.3'
inspected_on: '2026-11-10'
answers:
  - {{item: '8-3', article: '8(3)', answer: 'yes', source: officer}}
{extra}
"""


def test_an_inspection_not_reported_to_the_vice_is_warned(tmp_path: Path) -> None:
    """Art. 41(1) reports the results to the 副総括: an inspection with no reported_on was warned of
    nowhere, where an audit (42(1)) and a review (43(2)) are (an outside legal review)."""
    base = {"divisions/pi.yaml": VICE}
    reg = register_from(tmp_path, {**base, "inspections/2026/pi.yaml": INSPECTION.format(extra="")})
    ((path, severity, message),) = found(reg, "inspection-unreported")
    assert (path, severity) == ("inspections/2026/pi.yaml", "warning") and "Art. 41(1)" in message
    reported = INSPECTION.format(extra="reported_on: '2026-11-20'")
    assert (
        found(register_from(tmp_path / "b", {**base, "inspections/2026/pi.yaml": reported}), "inspection-unreported")
        == []
    )


def test_a_review_not_reported_to_the_sokatsu_is_warned(tmp_path: Path) -> None:
    """Art. 43(2) reports 「前項の見直し等の結果」: a review that made 見直し (measures) and is not
    reported is warned; one that revised nothing owes no report (a review of the day's change)."""
    review = "schema_version: 1\nid: REV-2026-AAAAAA\ndate: '2026-11-01'\nfindings: []\nevaluation: 評価\n"
    assert (
        found(
            register_from(tmp_path / "a", {"divisions/pi.yaml": VICE, "reviews/REV-2026-AAAAAA.yaml": review}),
            "review-unreported",
        )
        == []
    )
    review += "measures:\n  - {text: 研修計画の見直し, owner: 人事課長, due: '2027-03-31', status: open}\n"
    reg = register_from(tmp_path, {"divisions/pi.yaml": VICE, "reviews/REV-2026-AAAAAA.yaml": review})
    ((path, severity, message),) = found(reg, "review-unreported")
    assert (path, severity) == ("reviews/REV-2026-AAAAAA.yaml", "warning") and "Art. 43(2)" in message
    done = review + "reported_to_sokatsu_on: '2026-11-05'\n"
    assert (
        found(
            register_from(tmp_path / "b", {"divisions/pi.yaml": VICE, "reviews/REV-2026-AAAAAA.yaml": done}),
            "review-unreported",
        )
        == []
    )


def test_an_auditor_with_no_division_cannot_be_said_independent(tmp_path: Path, runner) -> None:
    root = make_register(tmp_path, example=True)
    result = invoke(runner, root, "audit", "new", "--title", "監査", "--auditor", "監察室長", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert len(doc["independence"]) == 1 and "監察室長" in doc["independence"][0]
    assert "独立性を確認できない" in doc["independence"][0]
    reg = Register.load(root)
    warned = [p for p in validate_register(reg, TODAY) if p.code == "auditor-division-unknown"]
    assert [(p.path, p.severity) for p in warned] == [(f"audits/{doc['id']}.yaml", "warning")]
    out = tmp_path / "out"
    assert invoke(runner, root, "audit", "report", doc["id"], "--out", str(out)).exit_code == 0
    text = (out / f"{doc['id']}-report.md").read_text(encoding="utf-8")
    assert "監察室長は所属課等の記録がなく" in text and "いずれも被監査部門から独立した者である" not in text
    # the 監査責任者 and an external auditor are not flagged; a 監査事務実施者 placed outside the scope is independent
    data = {
        "scope": {"divisions": ["kanbo-koho"]},
        "auditors": [
            {"post": "大臣官房首席監察官", "role": "officer"},
            {"post": "監査人", "role": "external", "organisation": "監査法人"},
            {"post": "人事課長補佐", "role": "staff", "division": "kanbo-jinji"},
        ],
    }
    assert inspection.independence_flags(reg, data) == []


def test_the_items_named_are_the_catalogues() -> None:
    """The 甲/乙 items in the warning are read from the catalogue's applicability rules (they were a
    hand-kept list naming 8-2 as "8(2)"): every item a rule of the side asks is named, by its id or
    inside a range of numbers, and no other."""
    from meti_pi.checks.organisation import _unit_items, id_ranges
    from meti_pi.inspect.checklist import load_catalogue

    every = ["8-1", "8-2", "9", "26", "27", "28-1", "28-2", "29", "31-1", "31-2", "4-2", "10", "12-1", "12-2"]
    assert id_ranges(["8-2", "26", "27", "28-1", "28-2", "29", "31-1", "31-2"], every) == ("8-2", "26–29", "31")
    assert id_ranges(["4-2", "10", "12-1"], every) == ("4-2", "10", "12-1")
    # 8 asked in part (8-1 is not): not merged with 9 into "8–9", which reads as the whole of item 8
    assert id_ranges(["8-2", "9"], every) == ("8-2", "9")

    def covered(item: str, named: tuple[str, ...]) -> bool:
        number = int(item.split("-")[0])
        return item in named or any(
            ("–" in r and int(r.split("–")[0]) <= number <= int(r.split("–")[1])) or r == str(number) for r in named
        )

    items = load_catalogue().items
    for side, rules in (("甲", {"system_units", "gou"}), ("乙", {"system_units", "otsu"})):
        named = _unit_items([side])
        asked = [i.id for i in items if i.applies in rules]
        assert asked and all(covered(i, named) for i in asked), (side, named)
        assert not [i.id for i in items if i.id not in asked and covered(i.id, named)], (side, named)
    assert _unit_items(["甲"]) == ("8-2", "26–32") and _unit_items(["乙"]) == ("8-2", "26", "33–34")


def test_the_items_are_named_once_for_every_system_warned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """UNIT_ITEMS_ONCE: the items a warning names are worked out once per set of sides, not once per
    system (a 課等 renamed at 100,000 records re-ran the check over 2,188 warned systems, each through
    id_ranges over the whole catalogue: ~0.25 s of a validate). Each message names them all the same."""
    from meti_pi.checks import organisation as V

    V._unit_items_of.cache_clear()
    calls: list[int] = []
    real = V.id_ranges
    monkeypatch.setattr(V, "id_ranges", lambda *a: calls.append(1) or real(*a))
    systems = {
        f"systems/SYS-{i}.yaml": f"schema_version: 1\nid: SYS-{i}\nname: システム{i}\nbeppyo_row: 3\n" for i in range(5)
    }
    reg = register_from(tmp_path, {"divisions/pi.yaml": VICE, **systems})
    warned = found(reg, "beppyo-unit-unmatched")
    assert len(warned) == 5 and len({message for _, _, message in warned}) == 1
    assert "checklist items 8-2, 26–34 " in warned[0][2]
    assert len(calls) == 1
