"""Outside legal review of `incident` (規程 Arts. 39/40; APPI 68, 規則43/44; 番号法29条の4)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke, make_register
from typer.testing import CliRunner

from meti_pi.errors import UsageError
from meti_pi.incident import incidents as inc
from meti_pi.incident import reports as rep
from meti_pi.store.policy import DEFAULT_POLICY

SNAP = inc.rules_snapshot(DEFAULT_POLICY, None, date(2025, 1, 1))
RULES = inc.Rules.from_snapshot(SNAP)
NOT = {"sensitive": False, "financial": False, "malicious": False, "my_number": False, "encrypted": False}
ASCII = rep.Context(today=date(2026, 4, 10), fullwidth_digits=False)


def assess(known: date, **facts: Any) -> dict[str, Any]:
    return inc.assess(inc.full_facts(facts), [], RULES, known_on=known, on=known)


def record(known: str = "2026-04-03", **facts: Any) -> dict[str, Any]:
    top = {"known_on": known, "summary": "書類の紛失", "files": []}
    return {"id": "INC-2026-TEST01", **inc.new_record(top, facts, [], SNAP, today=date.fromisoformat(known))}


# -- 規則43(4) 「発生したおそれ」: a count found so far below an upper bound above 100 ------------


def test_count_found_so_far_with_a_higher_upper_bound_is_possibly_over_100() -> None:
    # 50 本人 confirmed, up to 500 may be affected: more than 100 "may have" leaked (規則43(4)).
    a = assess(date(2026, 4, 3), principals=50, principals_max=500, **NOT)
    assert a["ppc_report"] is True
    assert a["grounds"] == ["rule43-4"]
    assert a["principals"] == 500 and a["principals_basis"] == "max-stated"
    assert "50人" in a["reasons"][0]["text"]


def test_count_with_an_upper_bound_equal_to_it_is_the_count() -> None:
    a = assess(date(2026, 4, 3), principals=50, principals_max=50, **NOT)
    assert a["ppc_report"] is False
    assert a["principals"] == 50 and a["principals_basis"] == "stated"


def test_report_and_publication_give_the_count_found_and_the_upper_bound() -> None:
    rec = record(principals=50, principals_max=500, **NOT)
    md = rep.render_markdown("preliminary", rec, ASCII)
    assert "50人（判明分。最大500人）" in md
    pub = rep.render_markdown("publication", rec, ASCII)
    assert "対象となる本人の数：50人（判明分。最大500人）" in pub


# -- contradictory facts are refused, as --cyber with --no-malicious is -----------------------


@pytest.mark.parametrize(
    ("facts", "known", "message"),
    [
        ({"principals": 150, "principals_max": 50}, "2026-04-03", "above principals_max"),
        ({"my_number": False, "my_number_system": True}, "2026-04-03", "contradicts --no-my-number"),
        ({"occurred_on": "2026-04-05"}, "2026-04-03", "after known_on"),
    ],
)
def test_contradictory_facts_are_refused_at_open(facts: dict[str, Any], known: str, message: str) -> None:
    top = {"known_on": known, "summary": "書類の紛失", "files": []}
    with pytest.raises(UsageError, match=message):
        inc.new_record(top, facts, [], SNAP, today=date(2026, 4, 10))


def test_contradictory_facts_are_refused_at_update_only_when_given() -> None:
    rec = record(principals_max=50, occurred_on="2026-04-01", **NOT)
    with pytest.raises(UsageError, match="above principals_max"):
        inc.update_record(rec, changes={"principals": 150}, files=[], on=date(2026, 4, 3), today=date(2026, 4, 10))
    with pytest.raises(UsageError, match="after known_on"):
        inc.update_record(
            rec,
            changes={},
            top_changes={"known_on": "2026-03-31"},
            files=[],
            on=date(2026, 4, 3),
            today=date(2026, 4, 10),
        )
    # a fact the input does not touch does not refuse an event
    new = inc.update_record(
        rec,
        changes={"principals": 40},
        event={"event": "note", "note": "x"},
        files=[],
        on=date(2026, 4, 3),
        today=date(2026, 4, 10),
    )
    assert new["facts"]["principals"] == 40


def test_contradictory_facts_exit_2_on_the_command_line(runner: CliRunner, tmp_path: Path) -> None:
    root = make_register(tmp_path)
    res = invoke(
        runner,
        root,
        "incident",
        "open",
        "--known-on",
        "2026-04-03",
        "--summary",
        "書類の紛失",
        "--principals",
        "150",
        "--principals-max",
        "50",
        today="2026-04-10",
    )
    assert res.exit_code == 2, res.output
    assert "above principals_max" in res.output


# -- a report drafted although not reportable does not claim APPI 68(1) as its basis ----------


@pytest.mark.parametrize("kind", ["preliminary", "final"])
def test_unreportable_draft_does_not_say_it_is_made_under_article_68(kind: str) -> None:
    rec = record(principals=5, **NOT)
    assert rec["assessment"]["ppc_report"] is False
    md = rep.render_markdown(kind, rec, ASCII)
    assert "第68条第1項の規定に基づき" not in md
    assert "報告の対象となる事態には該当しないと判断していますが" in md


def test_reportable_draft_keeps_its_basis() -> None:
    rec = record(principals=150, **NOT)
    assert "個人情報の保護に関する法律第68条第1項の規定に基づき" in rep.render_markdown("final", rec, ASCII)
