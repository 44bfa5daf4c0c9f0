"""incremental.READS (the kinds each check reads, declared by hand) holds what the checks really
read (issue 18 items 2 and 3): each check runs over a register that records every kind it looks at,
the whole register and focused on a few records (the re-check's own branches), and may look at
none but those declared."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from conftest import make_register

from meti_pi.checks import incremental
from meti_pi.checks import validate as V
from meti_pi.errors import Problem
from meti_pi.settings import Settings
from meti_pi.store.register import Register

TODAY = date(2026, 11, 26)
EVERYTHING = "*"  # the records iterated without a kind


class _Log:
    def __init__(self) -> None:
        self.kinds: set[str] = set()
        self.quiet = 0

    def note(self, kind: str) -> None:
        if not self.quiet:
            self.kinds.add(kind)

    @contextmanager
    def hushed(self) -> Iterator[None]:  # inside a lookup already noted by kind
        self.quiet += 1
        try:
            yield
        finally:
            self.quiet -= 1


class _Records(dict):  # type: ignore[type-arg]
    """A register's records that note the kind of every key looked up, and any iteration."""

    log: _Log

    def __getitem__(self, key: Any) -> Any:
        self.log.note(str(key).split("/", 1)[0])
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self.log.note(str(key).split("/", 1)[0])
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.log.note(str(key).split("/", 1)[0])
        return super().__contains__(key)

    def __iter__(self) -> Any:
        self.log.note(EVERYTHING)
        return super().__iter__()

    def keys(self) -> Any:
        self.log.note(EVERYTHING)
        return super().keys()

    def values(self) -> Any:
        self.log.note(EVERYTHING)
        return super().values()

    def items(self) -> Any:
        self.log.note(EVERYTHING)
        return super().items()


class _Recording(Register):
    """Register whose lookups by kind note the kind (and only it)."""

    def _log(self) -> _Log:
        return self.records.log  # type: ignore[attr-defined, no-any-return]

    def of_kind(self, kind: str) -> Any:
        self._log().note(kind.split("/", 1)[0])
        with self._log().hushed():
            return super().of_kind(kind)

    def subjects(self, kind: str) -> Any:
        self._log().note(kind)
        with self._log().hushed():
            return super().subjects(kind)

    def keys_of(self, kind: str) -> Any:
        self._log().note(kind)
        with self._log().hushed():
            return super().keys_of(kind)

    def referrers(self, keys: set[str], kinds: set[str]) -> Any:
        for kind in kinds:
            self._log().note(kind)
        with self._log().hushed():
            return super().referrers(keys, kinds)


def recording(reg: Register, focus: frozenset[str] | None = None) -> tuple[Register, _Log]:
    log = _Log()
    records = _Records(reg.records)
    records.log = log
    bad = frozenset(p.path for p in V.schema_problems(reg))
    return _Recording(reg.root, records, reg.singletons, [], bad, focus=focus, settings=reg.settings), log


def kinds_read(reg: Register, check: Any, focus: frozenset[str] | None = None) -> tuple[set[str], list[Problem]]:
    rec, log = recording(reg, focus)
    found = list(check(rec, TODAY))
    return log.kinds, found


def focuses(reg: Register) -> list[tuple[str, frozenset[str]]]:
    """The re-check's subjects to record under: every record, and the records of each kind alone."""
    keys = frozenset(dict.keys(reg.records))  # type: ignore[arg-type]
    by_kind: dict[str, set[str]] = {}
    for key in keys:
        by_kind.setdefault(key.split("/", 1)[0], set()).add(key)
    return [("every record", keys), *((f"the {kind}", frozenset(ks)) for kind, ks in sorted(by_kind.items()))]


# Audits (the example has none): one of named divisions, one of every division, each with an auditor
# of a division (auditor independence reads divisions).
AUDITS = {
    "audits/AUD-1.yaml": """
        schema_version: 1
        id: AUD-1
        kind: regular
        title: 定期監査
        started_on: 2026-06-01
        scope:
          divisions: [boeki-kanri]
        auditors:
          - post: 監査担当
            role: staff
            division: boeki-kanri
    """,
    "audits/AUD-2.yaml": """
        schema_version: 1
        id: AUD-2
        kind: ad_hoc
        title: 随時監査
        started_on: 2026-07-01
        scope: {}
        auditors:
          - post: 監査担当
            role: staff
            division: chusho-gijutsu
    """,
}


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Register:
    root = make_register(tmp_path_factory.mktemp("reads"), AUDITS, example=True)
    return Register.load(root, settings=Settings(cache=False))


def test_every_whole_register_check_declares_what_it_reads() -> None:
    whole = {name for name, scope in incremental.SCOPES.items() if scope is None}
    assert whole <= set(incremental.READS) <= set(incremental.SCOPES)


@pytest.mark.parametrize("name", sorted(incremental.READS))
def test_a_check_reads_only_the_kinds_declared(example: Register, name: str) -> None:
    kinds, _ = kinds_read(example, getattr(V, name))
    assert kinds, f"{name} read nothing: the recording register is not what it reads"
    assert EVERYTHING not in kinds, f"{name} iterates every record: it cannot have a READS entry"
    undeclared = kinds - incremental.READS[name]
    assert not undeclared, f"{name} reads {sorted(undeclared)}: add them to incremental.READS[{name!r}]"


@pytest.mark.parametrize(
    "name", sorted(n for n, scope in incremental.SCOPES.items() if scope and n in incremental.READS)
)
def test_a_check_focused_on_a_few_records_reads_only_the_kinds_declared(example: Register, name: str) -> None:
    """A re-check runs the check on a focused register (Register.focus), whose branches look records
    up otherwise (one file's notices, one 台帳): they too may read no other kind."""
    looked = 0
    for label, focus in focuses(example):
        kinds, _ = kinds_read(example, getattr(V, name), focus)
        undeclared = kinds - incremental.READS[name]
        assert not undeclared, f"{name} focused on {label} reads {sorted(undeclared)}"
        looked += bool(kinds)
    assert looked >= 2, f"{name} read nothing when focused: the recording is not what it reads"


def test_a_change_of_a_kind_a_check_does_not_read_leaves_its_problems_to_the_base(
    example: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 課等 renamed: check_notices (files, notices, 台帳) and check_contractors are not run again,
    check_filebook (which prints the 課等's name) is, on the 課等's files."""
    ran: dict[str, list[frozenset[str] | None]] = {}

    def spied(check: Any) -> Any:
        def run(reg: Register, today: date) -> Any:
            ran.setdefault(check.__name__, []).append(reg.focus)
            return check(reg, today)

        run.__module__, run.__qualname__ = check.__module__, check.__qualname__
        return run

    checks = [spied(c) for c in V.CHECKS]
    div = example.of_kind("divisions")[0]
    found = [[p.fields() for p in c(example, TODAY)] for c in V.CHECKS]
    ran.clear()
    graph = incremental._Graph(example, {}, {div.key})
    monkeypatch.setattr(incremental, "MAX_SHARE", 1.0)
    out = incremental.recheck_all(checks, found, graph, {div.key}, {div.relpath}, example, TODAY, len(example.records))
    assert out is not None and [[p.fields() for p in part] for part in out] == found  # nothing changed in truth
    assert "check_notices" not in ran and "check_contractors" not in ran and "check_incidents" not in ran
    own = {f.key for f in example.of_kind("files") if f.data.get("division") == div.id}
    assert own and ran["check_filebook"] and own <= set(ran["check_filebook"][0] or ())
    assert ran["check_inspections"] == [None]  # a whole-register check reading 課等: run again


def test_the_recording_catches_a_kind_not_declared(example: Register) -> None:
    """The guard itself: a check that looks at one more kind than READS says is caught."""

    def check_contacts(reg: Register, today: date) -> Iterator[Problem]:
        yield from V.check_contacts(reg, today)
        reg.get("files", "no-such-file")

    kinds, _ = kinds_read(example, check_contacts)
    assert kinds - incremental.READS["check_contacts"] == {"files"}
    every, _ = kinds_read(example, lambda reg, today: [r for r in reg.records.values() if r is None])
    assert every == {EVERYTHING}


def test_the_example_exercises_the_checks(example: Register) -> None:
    """The kinds the checks read come from data that makes them look (an open incident needing a
    notice for check_contacts, inspections and reviews for check_inspections)."""
    assert {"incidents", "divisions"} <= kinds_read(example, V.check_contacts)[0]
    kinds, _ = kinds_read(example, V.check_inspections)
    assert {"inspections", "reviews", "audits", "divisions"} <= kinds
    assert not [p for p in V.schema_problems(example) if p.path.startswith("audits/")]


def test_every_check_has_a_scope_or_declares_what_it_reads() -> None:
    """A check the incremental validate cannot place runs over the whole register after every edit:
    the personal-data check (in checks/hygiene, not checks/validate) did, and validate after a
    one-file edit at 100,000 records took 3.2 s instead of 1.3 s."""
    for check in V.CHECKS:
        name = check.__qualname__
        assert incremental.scope_of(check) is not None or incremental.reads_of(check) is not None, name
        # Each as declared, wherever its module (the contractor checks moved to checks/contractors).
        if incremental.SCOPES.get(name) is not None:
            assert incremental.scope_of(check) == incremental.SCOPES[name], name
        assert incremental.reads_of(check) == incremental.READS.get(name), name
