"""Outside legal review of `incident` (規程 Arts. 39/40; APPI 68, 規則43/44; 番号法29条の4)."""

from __future__ import annotations

from datetime import date
from typing import Any

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
