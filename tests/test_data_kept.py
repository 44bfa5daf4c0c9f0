"""DATA_KEPT (checks/incremental.data_kept): a hand edit that leaves every edited record's data as
it was (a comment, the layout) can alter the problems of the edited records alone, so the
hand-edit `commit` re-checks just those instead of every record naming them. Proven on the
example register: for such an edit of each record, whole-register validation before and after
finds the same problems in every other record; an edit that changes a value or only its type is
not taken for one."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, ClassVar

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


class _Watched:
    """Which check is running, and the record files whose text each one read."""

    check: ClassVar[str] = "(none)"
    reads: ClassVar[dict[str, set[str]]] = {}


def _watched(rec: Any) -> Any:
    """`rec` as a record whose text, when read, is noted against the check running."""
    from meti_pi.store.record import Record

    class Spy(Record):
        @property  # type: ignore[misc]  # shadows the slot on purpose: every read goes through here
        def text(self) -> str:
            _Watched.reads.setdefault(_Watched.check, set()).add(self.relpath)
            return str(self.__dict__["_text"])

    spy = Spy.__new__(Spy)
    for name in ("kind", "id", "relpath", "path", "data"):
        Record.__dict__[name].__set__(spy, getattr(rec, name))
    spy.__dict__["_text"] = rec.text
    return spy


def test_no_check_reads_the_text_of_a_record_it_finds_nothing_in(
    example: tuple[Path, Register, dict[str, str]],
) -> None:
    """The invariant DATA_KEPT rests on, seen directly: a check reads a record's text (its lines,
    its comments) only to give the line of a problem in that same record. Every check is run over
    the example register with records that note each read of their text; every file read must be
    one the check reports a problem in (its lines resolved while it is still the check running).
    (test_a_kept_data_edit_changes_no_other_records_problems sees a violation only where an edit
    of the example register happens to change a problem; this sees any read.)"""
    from meti_pi.checks.validate import CHECKS

    root, _whole, _texts = example
    reg = Register.load(root, settings=WHOLE)
    for key in list(reg.records):
        reg.records[key] = _watched(reg.records[key])
    # The root files (policy.yaml: its lines for the policy's own problems) are not watched: an edit
    # of one is never taken for kept data (data_kept: records of a kind only), it re-checks everything.
    _Watched.reads = {}
    reported: dict[str, set[str]] = {}
    try:
        for check in CHECKS:
            _Watched.check = check.__name__
            found = list(check(reg, TODAY))
            assert all(p.line is None or p.line >= 1 for p in found)  # lazy lines resolved here, by this check
            reported[check.__name__] = {p.path for p in found}
    finally:
        _Watched.check = "(none)"
    assert sum(map(len, _Watched.reads.values())) > 0  # the watch sees the reads that locate problems
    for name, read in _Watched.reads.items():
        assert read <= reported.get(name, set()), (name, sorted(read - reported.get(name, set())))
