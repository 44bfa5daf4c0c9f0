"""The rule's paragraphs and items: a citation names one the rule has (14(9) passed the pattern)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from conftest import invoke, make_register

from meti_pi.store.rule_articles import PARAGRAPHS, citation_problem

RULE_TEXT = Path(__file__).resolve().parents[2] / "shared" / "seed" / "rule-joined.txt"


def shape_of(text: str) -> dict[int, tuple[int, ...]]:
    """Articles -> items per paragraph, read from the rule's text: an article begins `第N条 `, a
    paragraph `２ ` (full-width digits; 10 and above half-width), an item `（１） `; 附則 ends it."""
    found: dict[int, list[int]] = {}
    article = None
    for line in text.splitlines():
        s = unicodedata.normalize("NFKC", line)
        if s.replace(" ", "").startswith("附則"):
            break
        if m := re.match(r"第(\d+)条\s", s):
            article = int(m[1])
            found[article] = [0]
        elif article is not None and (m := re.match(r"(\d+)\s", s)):
            assert int(m[1]) == len(found[article]) + 1, s[:20]  # paragraphs in order, none skipped
            found[article].append(0)
        elif article is not None and (m := re.match(r"\((\d+)\)\s", s)):
            assert int(m[1]) == found[article][-1] + 1, s[:20]
            found[article][-1] += 1
    return {a: tuple(items) for a, items in found.items()}


@pytest.mark.skipif(
    not RULE_TEXT.exists(), reason="the rule's text is beside the checkout only on the developers' machine"
)
def test_the_table_is_the_rules_shape() -> None:
    assert shape_of(RULE_TEXT.read_text(encoding="utf-8")) == PARAGRAPHS


def test_the_counts_a_reader_sees_in_the_rule() -> None:
    """Independently of the parser: 第1条-第46条; 第3条 (定義) has 16 paragraphs; 14(2) lists nine
    items, 16(2) the eight handling rules; 第39条 has 7 paragraphs; 第10条 one paragraph of 4 items."""
    assert sorted(PARAGRAPHS) == list(range(1, 47))
    assert len(PARAGRAPHS[3]) == 16 and PARAGRAPHS[14][1] == 9 and PARAGRAPHS[16][1] == 8
    assert len(PARAGRAPHS[39]) == 7 and PARAGRAPHS[10] == (4,)


@pytest.mark.parametrize(
    ("citation", "problem"),
    [
        ("14", None),
        ("14(6)", None),
        ("14(7)", "第14条 has 6 paragraphs, not 7"),
        ("14(9)", "第14条 has 6 paragraphs, not 9"),
        ("39(7)", None),
        ("39(8)", "第39条 has 7 paragraphs, not 8"),
        ("3(16)", None),
        ("3(17)", "第3条 has 16 paragraphs, not 17"),
        ("10(1)", None),
        ("10(2)", "第10条 has no paragraph 2 (it is one paragraph: cite 10; its items are cited as 10(1)(N))"),
        ("1(2)", "第1条 has no paragraph 2 (it is one paragraph: cite 1)"),
        ("10(1)(4)", None),
        ("10(1)(5)", "10(1) has 4 items (号), not 5"),
        ("16(2)(8)", None),
        ("16(2)(9)", "16(2) has 8 items (号), not 9"),
        ("16(1)(1)", "16(1) has no items (号): cite 16(1)"),
        ("11(1)(3)", "11(1) has no items (号): cite 11(1), or 11(3) for its paragraph 3"),
        ("16(1)(4)", "16(1) has no items (号): cite 16(1)"),  # 第16条 has three paragraphs
    ],
)
def test_paragraph_and_item_boundaries(citation: str, problem: str | None) -> None:
    found = citation_problem(citation)
    assert found == problem if problem is None else found is not None and found.startswith(problem)


def test_validate_names_the_line_of_a_paragraph_the_rule_lacks(runner, tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    path = root / "inspections" / "2025" / "kanbo-jinji.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if line.strip().startswith("article:"))
    lines[n] = re.sub(r"article: .*", "article: 14(9)", lines[n])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke(runner, root, "validate", "--json")
    assert result.exit_code == 1, result.output
    errors = json.loads(result.stdout)["errors"]
    assert [(p["path"], p["line"]) for p in errors] == [("inspections/2025/kanbo-jinji.yaml", n + 1)]
    assert "第14条 has 6 paragraphs, not 9" in errors[0]["message"]


@pytest.mark.parametrize(("article", "code"), [("14(6)", 0), ("14(9)", 2), ("10(2)", 2), ("10(1)(2)", 0)])
def test_an_audit_cites_only_paragraphs_the_rule_has(runner, tmp_path: Path, article: str, code: int) -> None:
    root = make_register(tmp_path, example=True)
    result = invoke(runner, root, "audit", "new", "--title", "監査", "--article", article, "--dry-run")
    assert result.exit_code == code, result.output
    if code:
        assert f"--article {article}: 第" in result.output


def test_the_shipped_citations_name_paragraphs_the_rule_has() -> None:
    """citations.yaml cited 11(1)(1)-11(1)(4): 第11条 has four paragraphs and no items (an outside
    legal review); the shipped data cites 11(1)-11(4). (Not a schema check: a register an older
    meti-pi made holds the former text, which no code reads, and every command would stop on it.)"""
    from meti_pi import PACKAGE_DIR
    from meti_pi.store import yamlload

    for path in (
        Path(__file__).resolve().parents[1] / "register" / "citations.yaml",
        PACKAGE_DIR / "data" / "register" / "citations.yaml",
    ):
        cited = [
            a
            for c in yamlload.load(path.read_text(encoding="utf-8"))["citations"]
            for a in c.get("rule_articles") or []
        ]
        assert "11(3)" in cited and [a for a in cited if citation_problem(str(a))] == []
