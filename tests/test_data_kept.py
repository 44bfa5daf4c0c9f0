"""DATA_KEPT (checks/incremental.data_kept): a hand edit that leaves every edited record's data as
it was (a comment, the layout) can alter the problems of the edited records alone, so the
hand-edit `commit` re-checks just those instead of every record naming them. Proven on the
example register: for such an edit of each record, whole-register validation before and after
finds the same problems in every other record; an edit that changes a value or only its type is
not taken for one."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import git, invoke, make_register

from meti_pi.checks.incremental import data_kept
from meti_pi.checks.validate import validate_register
from meti_pi.settings import Settings
from meti_pi.store import refs
from meti_pi.store.register import Register, tree_of

TODAY = date(2026, 11, 26)
WHOLE = Settings(cache=False)  # every check run over every record: no cached result, no incremental re-check


def problems(reg: Register, but: str) -> list[tuple[Any, ...]]:
    return sorted(
        (p.path, p.line, p.code, p.key, p.message, p.severity) for p in validate_register(reg, TODAY) if p.path != but
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Register, dict[str, str]]:
    root = make_register(tmp_path_factory.mktemp("kept"), example=True)
    whole = Register.load(root, settings=WHOLE)
    texts = {rec.relpath: (root / rec.relpath).read_text(encoding="utf-8") for rec in whole.records.values()}
    return root, whole, texts


def test_a_kept_data_edit_changes_no_other_records_problems(example: tuple[Path, Register, dict[str, str]]) -> None:
    root, whole, texts = example
    before_all = problems(whole, "")
    # one record of each kind, and the records the most others name
    named: dict[str, int] = {}
    for rec in whole.records.values():
        for target in refs.targets_of(rec):
            named[target] = named.get(target, 0) + 1
    chosen = {rec.kind: rec.relpath for rec in whole.records.values()}
    chosen.update({f"top{i}": f"{k}.yaml" for i, k in enumerate(sorted(named, key=lambda k: -named[k])[:5])})
    assert len(set(chosen.values())) >= 10
    at = tree_of(root, "HEAD")
    for rel in sorted(set(chosen.values())):
        if rel not in texts:
            continue
        for edited in (texts[rel] + "# a note by hand\n", "# a note first\n" + texts[rel].replace(": ", ":  ", 1)):
            overlay = {rel: edited}
            after = Register.load(root, overlay=overlay, settings=WHOLE)
            assert data_kept(Register.load(root, at=at), Register.load(root, overlay=overlay, at=at), overlay), rel
            assert problems(after, rel) == [p for p in before_all if p[0] != rel], rel


def test_a_changed_value_or_type_is_no_kept_data(example: tuple[Path, Register, dict[str, str]]) -> None:
    root, whole, texts = example
    at = tree_of(root, "HEAD")
    rel = next(r for r in sorted(texts) if r.startswith("divisions/"))
    text = texts[rel]
    name = whole.records[rel[:-5]].data["name"]
    for edited in (
        text.replace(str(name), str(name) + "別", 1),  # a value
        text + "extra_note: 1\n",  # a key added
        text.replace("schema_version: 1", "schema_version: 1.0", 1),  # 1 == 1.0, of another type
        text.replace("schema_version: 1", "schema_version: true", 1),  # 1 == True, of another type
    ):
        assert edited != text
        overlay = {rel: edited}
        assert not data_kept(Register.load(root, at=at), Register.load(root, overlay=overlay, at=at), overlay)
    assert not data_kept(Register.load(root, at=at), Register.load(root, at=at), ["policy.yaml"])


def test_a_kept_data_edit_of_a_record_with_an_error_is_still_refused(tmp_path: Path, runner: Any) -> None:
    root = make_register(tmp_path, example=True)
    target = sorted((root / "divisions").glob("*.yaml"))[0]
    text = target.read_text(encoding="utf-8")
    # committed by hand with an error of its own (an unknown field), then edited by a comment only
    target.write_text(text + "unknown_field: x\n", encoding="utf-8")
    git(root.parent, "commit", "-qam", "by hand")
    head = git(root.parent, "rev-parse", "HEAD")
    target.write_text(text + "unknown_field: x\n# a note\n", encoding="utf-8")
    result = invoke(runner, root, "commit", str(target), "-m", "note")
    assert result.exit_code == 1, result.output
    assert git(root.parent, "rev-parse", "HEAD") == head
    target.write_text(text + "# a note\n", encoding="utf-8")  # the error mended: committed
    result = invoke(runner, root, "commit", str(target), "-m", "note")
    assert result.exit_code == 0, result.output
