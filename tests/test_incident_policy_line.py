"""A policy line for the PPC report (policy.yaml thresholds.ppc_report_more_than) other than 規則43(4)'s 100.

The ground `rule43-4` (and 番号法規則2(4)'s `mynumber-rule2-4`) is the law's: more than 100 本人 (VERIFIED,
legal brief §3.1, §4.3). A stricter policy also reports the counts above its own line, on the ground
`policy-line`, worded as the ministry's policy and never as 規則43(4).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke, make_register
from typer.testing import CliRunner

from meti_pi.incident import incidents as inc
from meti_pi.store.policy import DEFAULT_POLICY

KNOWN = date(2025, 12, 1)  # a Monday: 速報の目安 12/5, 確報 2026-01-05
NOT = {"sensitive": False, "financial": False, "malicious": False, "my_number": False}
DUE = {"preliminary_report": "2025-12-05", "final_report": "2026-01-05"}
NONE = {"preliminary_report": None, "final_report": None}


def snapshot(line: int) -> dict[str, Any]:
    policy = {**DEFAULT_POLICY, "thresholds": {**DEFAULT_POLICY["thresholds"], "ppc_report_more_than": line}}
    return inc.rules_snapshot(policy, None, KNOWN)


def assess(line: int, **facts: Any) -> dict[str, Any]:
    rules = inc.Rules.from_snapshot(snapshot(line))
    return inc.assess(inc.full_facts({**NOT, **facts}), [], rules, known_on=KNOWN, on=KNOWN)


@pytest.mark.parametrize(
    ("line", "count", "grounds"),
    [
        (100, 100, []),
        (100, 101, ["rule43-4"]),
        (50, 50, []),
        (50, 51, ["policy-line"]),
        (50, 100, ["policy-line"]),
        (50, 101, ["rule43-4"]),
        # a more lenient policy cannot waive a report the law obliges
        (150, 100, []),
        (150, 101, ["rule43-4"]),
        (150, 150, ["rule43-4"]),
        (150, 151, ["rule43-4"]),
    ],
)
def test_rule43_4_is_the_laws_100_and_a_stricter_line_is_the_policys_own(
    line: int, count: int, grounds: list[str]
) -> None:
    a = assess(line, principals=count)
    assert a["grounds"] == grounds and a["ppc_report"] is bool(grounds)
    # the policy's report keeps the 規則's timetable; the 本人 notice is the law's alone (APPI 68(2))
    assert a["deadlines"] == (DUE if grounds else NONE)
    assert a["principal_notice"] is (grounds == ["rule43-4"])
    (reason,) = a["reasons"] or [None]
    if grounds == ["policy-line"]:
        assert "規則" not in reason["article"] and "運用ポリシー" in reason["article"]
        assert (
            f"本人の数が{count}人" in reason["text"]
            and "運用ポリシーにより報告する基準の50人を超える" in reason["text"]
        )
        assert "法令上の報告対象事態ではない" in reason["text"]
    if grounds == ["rule43-4"]:
        assert f"本人の数が{count}人" in reason["text"] and "第43条第4号" in reason["article"]
        waived = "運用ポリシーの報告の基準は150人であるが、100人を超える事態の報告は法令上の義務であり、運用ポリシーにより免除されない"
        if line == 150 and count <= 150:  # the reason says why the policy's line was not followed
            assert reason["text"].endswith("であり、100人を超える（" + waived + "）")
        else:
            assert reason["text"].endswith("であり、100人を超える")


@pytest.mark.parametrize(
    ("count", "grounds"),
    [(80, ["policy-line", "mynumber-guideline"]), (101, ["rule43-4", "mynumber-rule2-4"])],
)
def test_my_number_counts_against_the_laws_100_too(count: int, grounds: list[str]) -> None:
    """番号法規則2(4) is more than 100 本人 (VERIFIED): 80 under a policy of 50 is no 規則2(4) event; the
    guideline still reports every 特定個人情報 leak, and no 番号法 本人 notice is owed."""
    a = assess(50, principals=count, my_number=True, my_number_system=False)
    assert a["grounds"] == grounds
    assert a["principal_notice"] is (count > 100)


@pytest.mark.parametrize("count", [None, 120])
def test_a_lenient_policy_waives_no_my_number_report_either(count: int | None) -> None:
    """番号法規則2(4): more than 100 本人 (VERIFIED), whatever a policy of 150 says; an unknown count is
    taken as possibly over the law's 100."""
    facts = {"principals": count} if count else {}
    a = assess(150, **facts, my_number=True, my_number_system=False)
    assert a["grounds"] == ["rule43-4", "mynumber-rule2-4"] and a["principal_notice"] is True
    assert all("運用ポリシーにより免除されない" in r["text"] for r in a["reasons"])
    if count is None:
        assert a["reasons"][0]["text"].startswith("本人の数が100人を超えるおそれがある")


def test_a_report_carried_from_the_policys_line_says_so() -> None:
    top = {"known_on": KNOWN.isoformat(), "summary": "書類の紛失", "files": []}
    rec = inc.new_record(top, {**NOT, "principals": 80}, [], snapshot(50), today=KNOWN)
    rec = inc.update_record(rec, changes={"principals": 40}, event=None, files=[], on=KNOWN, today=KNOWN)
    a = rec["assessment"]
    assert a["grounds"] == ["previously-reportable"] and a["carried_grounds"] == ["policy-line"]
    (reason,) = a["reasons"]
    assert "運用ポリシー" in reason["text"] and "報告対象事態" not in reason["text"].replace("報告する事態", "")
    assert "法" not in reason["article"].replace("法令上", "")


# -- through the CLI: open, the drafts ---------------------------------------------------------

POLICY = (Path(__file__).resolve().parent.parent / "register" / "policy.yaml").read_text(encoding="utf-8")


def register(tmp_path: Path, line: int) -> Path:
    text = POLICY.replace("ppc_report_more_than: 100 ", f"ppc_report_more_than: {line} ")
    assert f"ppc_report_more_than: {line} " in text
    return make_register(tmp_path, {"policy.yaml": text})


def open_incident(runner: CliRunner, root: Path, count: int, *more: str) -> dict[str, Any]:
    result = invoke(
        runner,
        root,
        "incident",
        "open",
        "--known-on",
        "2026-04-03",
        "--summary",
        "紛失",
        "--principals",
        str(count),
        "--no-sensitive",
        "--no-financial",
        "--no-malicious",
        *(more or ("--no-my-number",)),
        "--json",
        today="2026-04-03",
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def draft(runner: CliRunner, root: Path, iid: str, out: Path, kind: str = "preliminary") -> str:
    result = invoke(runner, root, "incident", "report", iid, "--kind", kind, "--out", str(out), today="2026-04-03")
    assert result.exit_code == 0, result.output
    return (out / f"{iid}-{kind}.md").read_text(encoding="utf-8")


def test_a_stricter_policys_report_is_drafted_as_the_policys_not_as_rule43_4(runner, tmp_path: Path) -> None:
    root = register(tmp_path, 50)
    doc = open_incident(runner, root, 80)
    assert doc["assessment"]["grounds"] == ["policy-line"] and doc["assessment"]["ppc_report"] is True
    text = draft(runner, root, doc["id"], tmp_path / "out")
    assert "第４３条" not in text and "第43条" not in text and "５０人を超える" in text
    assert "運用ポリシーにより報告する事態：本人の数が５０人を超える保有個人情報" in text
    assert "該当する事態" not in text
    # the letter does not claim APPI 68(1) as its basis
    assert "第６８条第１項の規定に基づき" not in text
    assert "報告の対象となる事態には該当しないと判断していますが、当省の運用ポリシーにより、速報として" in text
    listed = invoke(runner, root, "incident", "list", "--json", today="2026-04-03")
    assert [r["grounds"] for r in json.loads(listed.stdout)["incidents"]] == [["policy-line"]]


def test_over_100_under_a_stricter_policy_cites_the_laws_100(runner, tmp_path: Path) -> None:
    root = register(tmp_path, 50)
    doc = open_incident(runner, root, 101)
    assert doc["assessment"]["grounds"] == ["rule43-4"]
    text = draft(runner, root, doc["id"], tmp_path / "out")
    assert "該当する事態：本人の数が１００人を超える保有個人情報" in text and "５０人" not in text
    assert "第６８条第１項の規定に基づき、速報として" in text and "施行規則第４３条第４号" in text


def test_a_lenient_policy_still_reports_what_the_law_obliges_through_the_cli(runner, tmp_path: Path) -> None:
    root = register(tmp_path, 150)
    doc = open_incident(runner, root, 120)
    a = doc["assessment"]
    assert a["ppc_report"] is True and a["grounds"] == ["rule43-4"] and a["principal_notice"] is True
    assert a["deadlines"] == {"preliminary_report": "2026-04-07", "final_report": "2026-05-07"}
    text = draft(runner, root, doc["id"], tmp_path / "out")
    assert "該当する事態：本人の数が１００人を超える保有個人情報" in text and "１５０" not in text
    assert "第６８条第１項の規定に基づき、速報として" in text
    assert open_incident(runner, root, 100)["assessment"]["ppc_report"] is False


def test_a_report_carried_from_the_policys_line_is_drafted_as_the_policys(runner, tmp_path: Path) -> None:
    """80 本人 under a policy of 50, then 40: still reported (once reportable), on the policy's line."""
    root = register(tmp_path, 50)
    iid = open_incident(runner, root, 80)["id"]
    result = invoke(runner, root, "incident", "update", iid, "--principals", "40", "--json", today="2026-04-03")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["assessment"]["carried_grounds"] == ["policy-line"]
    text = draft(runner, root, iid, tmp_path / "out", "final")
    assert "報告の対象となる事態には該当しないと判断していますが、当省の運用ポリシーにより、確報として" in text
    assert "- 運用ポリシーにより報告する事態：本人の数が５０人を超える保有個人情報" in text
    assert "該当する事態" not in text and "第６８条第１項の規定に基づき" not in text
