"""One screening for every free-text field (issue 15): fields are marked `x-meti-pi-screen` in the
schemas and every record a command writes is screened against the marks (actions.transaction._validated), so a
new command or option is covered without a per-command list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import git, invoke, make_register
from test_cli_inspect import root, write  # noqa: F401  (the fixture and its helper)
from test_cli_notify import draft, register
from test_screening_separators import SEPARATORS

from meti_pi.classify.checkdigits import my_number_check_digit
from meti_pi.store.kinds import KINDS
from meti_pi.store.schema import SCREEN_KEYWORD, load_schema

BODY = "98765432101"
MN = BODY + str(my_number_check_digit(BODY))
PHONE = "090-4321-8765"

# String fields a command may write that are deliberately not screened, each with the reason.
EXEMPT: dict[str, str] = {
    "contractors:$.contract.ref": "a document reference (契約書番号): long digit runs by design",
    **{
        f"contractors:$.clauses.{c}.ref": "a reference to a clause of the contract (条番号)"
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
    },
    "contractors:$.post_contract_confirmation.ref": "a document reference (文書番号)",
    "contractors:$.annual_confirmations[].ref": "a document reference (文書番号)",
    "divisions:$.parent": "the parent organisation's name as the 組織規則 writes it (reference data, not a person's text)",
    "divisions:$.address": "the office's own address: public by design (窓口の所在地)",
    "divisions:$.contact.phone": "the office's own 問合せ先 telephone, printed in notices to the 本人: public by design",
    "divisions:$.contact.email": "the office's own 問合せ先 address, printed in notices to the 本人: public by design",
    "files:$.disclosure_office.address": "the office's own address, published in the ファイル簿 (APPI 75)",
    "files:$.anonymized_info.proposal_office.address": "the office's own address, published in the ファイル簿",
    "files:$.classification.reasons[].rule": "written by meti-pi from the rule (classification), not typed",
    "files:$.classification.reasons[].article": "written by meti-pi from the rule (classification), not typed",
    "files:$.classification.reasons[].text": "written by meti-pi from the rule (classification), not typed",
    "files:$.classification.scan.detected_items[].kind": "a detector's kind id, written by meti-pi",
    "files:$.my_number_basis.pia_ref": "a document reference (特定個人情報保護評価書番号)",
    "files:$.direct_written_collection.purpose_notice_ref": "a document reference",
    "incidents:$.assessment.reasons[].article": "written by meti-pi (incidents.assess), not typed",
    "incidents:$.assessment.reasons[].text": "written by meti-pi (incidents.assess), not typed",
    "incidents:$.assessment.principal_notice_note": "written by meti-pi (incidents.assess), not typed",
    "incidents:$.rules_snapshot.policy_version": "copied from policy.yaml by meti-pi",
    "incidents:$.rules_snapshot.citations[].current": "copied from citations.yaml by meti-pi",
    "incidents:$.rules_snapshot.citations[].status": "copied from citations.yaml by meti-pi",
    "incidents:$.chain[].title": "the Art. 39/40 chain, computed by meti-pi",
    "incidents:$.chain[].actor": "the Art. 39/40 chain, computed by meti-pi",
    "incidents:$.chain[].to": "the Art. 39/40 chain, computed by meti-pi",
    "incidents:$.chain[].note": "the Art. 39/40 chain, computed by meti-pi",
    "incidents:$.events[].reference": "a document reference (報告書の文書番号)",
    "incidents:$.events[].policy_version": "copied from policy.yaml by meti-pi",
    "inspections:$.catalogue_version": "the checklist's version, written by meti-pi",
    "ledger:$.events[].article": "written by meti-pi from the event kind",
    "ledger:$.events[].ref": "a document reference (文書番号)",
    "notifications:$.submitted_ref": "a document reference (文書番号)",
    "notifications:$.acknowledged_ref": "a document reference (文書番号)",
    "roles:$.article": "an article number of the rule (reference data)",
    **{
        f"{k}:*": "reference data shipped with meti-pi (init copies it), never written from a command's input"
        for k in ("beppyo", "bureaus")
    },
}


def _resolve(schema_root: dict[str, Any], node: Any) -> tuple[Any, bool]:
    marked = isinstance(node, dict) and bool(node.get(SCREEN_KEYWORD))
    while isinstance(node, dict) and str(node.get("$ref", "")).startswith("#/"):
        target: Any = schema_root
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
        marked = marked or bool(node.get(SCREEN_KEYWORD))
    return node, marked


def string_fields(
    schema_root: dict[str, Any], node: Any, path: str = "$", marked: bool = False, depth: int = 0
) -> Iterator[tuple[str, bool]]:
    """(path, marked) of every free-form string field (no enum, const, pattern or format)."""
    node, here = _resolve(schema_root, node)
    marked = marked or here
    if not isinstance(node, dict) or depth > 12:
        return
    for sub in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
        yield from string_fields(schema_root, sub, path, marked, depth + 1)
    types = node.get("type")
    if (types == "string" or (isinstance(types, list) and "string" in types)) and not any(
        k in node for k in ("enum", "const", "pattern", "format")
    ):
        yield path, marked
    for key, sub in (node.get("properties") or {}).items():
        yield from string_fields(schema_root, sub, f"{path}.{key}", marked, depth + 1)
    if isinstance(node.get("items"), dict):
        yield from string_fields(schema_root, node["items"], f"{path}[]", marked, depth + 1)


def test_every_string_field_of_a_record_is_screened_or_exempt_with_a_reason():
    unmarked = []
    marked_count = 0
    for kind in KINDS.values():
        schema = load_schema(kind.schema_file)
        for path, marked in string_fields(schema, schema):
            if marked:
                marked_count += 1
                assert f"{kind.name}:{path}" not in EXEMPT, f"{kind.name}:{path} is both marked and exempt"
            elif f"{kind.name}:{path}" not in EXEMPT and f"{kind.name}:*" not in EXEMPT:
                unmarked.append(f"{kind.name}:{path}")
    assert unmarked == [], "mark these x-meti-pi-screen in the schema, or list them in EXEMPT with a reason"
    assert marked_count >= 80
    assert all(len(reason) > 10 for reason in EXEMPT.values())


# -- the options that were not screened, and every separator variant on the others ---------------------


def _state(repo: Path) -> tuple[str, str]:
    return git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")


def _refused(result: Any, *values: str) -> None:
    assert result.exit_code == 2, result.output
    assert "personal data" in result.output
    for value in values:
        assert value not in result.output


def test_notify_explain_reason_and_late_reason_are_screened(runner, tmp_path):
    reg = register(tmp_path)
    (d,) = draft(runner, reg, tmp_path, "F-2026-AAAAAA", today="2026-05-01")["drafted"]
    assert invoke(runner, reg, "notify", "submit", d["id"], today="2026-05-01").exit_code == 0
    before = _state(reg)
    _refused(
        invoke(runner, reg, "notify", "explain", d["id"], "--reason", f"担当 {PHONE} の引継ぎ漏れ", today="2026-05-02"),
        PHONE,
    )
    _refused(
        invoke(
            runner,
            reg,
            "notify",
            "explain",
            d["id"],
            "--reason",
            f"{MN[:4]}\u00a0{MN[4:8]}\u00a0{MN[8:]}",
            today="2026-05-02",
        ),
        MN[:4],
    )
    assert _state(reg) == before
    assert (
        invoke(
            runner, reg, "notify", "explain", d["id"], "--reason", "事務引継ぎにおける通知漏れ", today="2026-05-02"
        ).exit_code
        == 0
    )


def test_notify_late_reason_is_screened(runner, tmp_path):
    reg = register(tmp_path)
    before = _state(reg)
    result = invoke(
        runner,
        reg,
        "notify",
        "F-2026-AAAAAA",
        "--out",
        str(tmp_path / "out"),
        "--late-reason",
        "連絡先 mk@example.jp まで",
        today="2026-11-26",
    )
    _refused(result, "mk@example.jp")
    assert _state(reg) == before


def test_audit_review_evaluation_is_screened(runner, root, tmp_path):  # noqa: F811
    aid = json.loads(
        invoke(
            runner,
            root,
            "audit",
            "new",
            "--title",
            "定期監査",
            "--division",
            "jinji",
            "--article",
            "14(2)",
            "--auditor",
            "監察官@kansa",
            "--json",
        ).stdout
    )["id"]
    findings = write(
        tmp_path / "findings.yaml",
        """
        - division: jinji
          article: 14(2)
          text: 委託契約書に複製等の制限の条項がない
          action: 契約を変更する
          due: 2027-03-31
    """,
    )
    assert invoke(runner, root, "audit", "findings", aid, str(findings), "--reported-on", "2026-11-26").exit_code == 0
    before = _state(root)
    result = invoke(
        runner,
        root,
        "audit",
        "review",
        "--finding",
        f"audits/{aid}#1",
        "--evaluation",
        f"担当者（{PHONE.replace('-', '/')}）に確認した",
    )
    _refused(result, "4321")
    assert _state(root) == before


@pytest.mark.parametrize("sep", SEPARATORS.values(), ids=SEPARATORS.keys())
def test_incident_summary_refused_with_every_separator(runner, tmp_path, sep):
    reg = make_register(tmp_path, example=True)
    before = _state(reg)
    number = sep.join((MN[:4], MN[4:8], MN[8:]))
    result = invoke(
        runner,
        reg,
        "incident",
        "open",
        "--known-on",
        "2026-11-20",
        "--division",
        "kanbo-jinji",
        "--summary",
        f"個人番号 {number} を含む書類を誤送付",
    )
    _refused(result, MN[:4], MN[4:8], MN[8:])
    assert _state(reg) == before


def test_a_command_without_screening_of_its_own_is_covered_by_the_marks(runner, tmp_path):
    """`new --set`: no per-command list names systems.description; the schema's mark does."""
    reg = make_register(tmp_path, example=True)
    before = _state(reg)
    base = [
        "new",
        "systems",
        "--set",
        "name=相談記録システム",
        "--set",
        "beppyo_row=6",
        "--set",
        "business_division=chusho-keiei-shien",
        "--set",
        "connected_to_meti_network=true",
    ]
    result = invoke(runner, reg, *base, "--set", f"description=問合せ {PHONE.replace('-', '・')} 宛")
    _refused(result, "4321")
    assert "systems" in result.output and "$.description" in result.output and "電話番号" in result.output
    assert _state(reg) == before
    assert invoke(runner, reg, *base, "--set", "description=経営相談記録を管理する").exit_code == 0


def test_hand_edits_committed_with_meti_pi_commit_are_screened(runner, tmp_path):
    reg = make_register(tmp_path, example=True)
    path = reg / "systems" / "SYS-2026-41KAXG.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(
        original.replace("description: ", f"description: 担当 {PHONE.replace('-', chr(0x3000))} "), encoding="utf-8"
    )
    head = git(reg, "rev-parse", "HEAD")
    result = invoke(runner, reg, "commit", str(path))
    _refused(result, "4321")
    line = next(n for n, text in enumerate(original.splitlines(), 1) if text.startswith("description: "))
    assert f"systems/SYS-2026-41KAXG.yaml:{line}: $.description" in result.output  # the edited file's line
    assert git(reg, "rev-parse", "HEAD") == head
    # Text already committed is not screened again: an unrelated edit of the same record goes through.
    path.write_text(
        original.replace("name: 中小企業支援相談記録管理システム", "name: 中小企業支援相談記録システム"),
        encoding="utf-8",
    )
    assert invoke(runner, reg, "commit", str(path)).exit_code == 0


def test_commit_of_a_fifo_does_not_block(runner, tmp_path):
    import os

    reg = make_register(tmp_path, example=True)
    fifo = reg / "divisions" / "evil.yaml"
    os.mkfifo(fifo)
    result = invoke(runner, reg, "commit", str(fifo))
    assert result.exit_code == 2 and "not a regular file" in result.output
