"""incremental.READS (the kinds each check reads, declared by hand) holds what the checks really
read (issue 18 items 2 and 3): each check runs over a register that records every kind it looks at,
the whole register and focused on a few records (the re-check's own branches), and may look at
none but those declared. fields_read.FIELDS (the fields of a kind a check reads: UNREAD_FIELDS)
likewise, over records that note every field read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from conftest import make_register

from meti_pi.checks import fields_read as fields_read_mod
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
    # an auditor of another division who heads the audited one by post (its manager_post)
    "audits/AUD-3.yaml": """
        schema_version: 1
        id: AUD-3
        kind: regular
        title: 定期監査
        started_on: 2026-08-01
        scope:
          divisions: [boeki-kanri]
        auditors:
          - post: 貿易経済協力局貿易管理課長
            role: staff
            division: kanbo-jinji
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


# -- UNREAD_FIELDS: the fields of a kind each check reads (fields_read.FIELDS)


class _Fields(dict):  # type: ignore[type-arg]
    """A record's data that notes each top-level field read, by the record's kind (EVERYTHING: all
    of them at once: values, items, a comparison, a copy, its text). Its keys alone (iterating them,
    `len`) are not noted: an edit UNREAD_FIELDS takes keeps them, in their order."""

    kind: str
    seen: set[tuple[str, str]]

    def _note(self, field: Any) -> None:
        self.seen.add((self.kind, str(field)))

    def __getitem__(self, key: Any) -> Any:
        self._note(key)
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._note(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._note(key)
        return super().__contains__(key)

    def values(self) -> Any:
        self._note(EVERYTHING)
        return super().values()

    def items(self) -> Any:
        self._note(EVERYTHING)
        return super().items()

    def __eq__(self, other: object) -> bool:
        self._note(EVERYTHING)
        return super().__eq__(other)

    def __ne__(self, other: object) -> bool:
        self._note(EVERYTHING)
        return super().__ne__(other)

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Any:
        self._note(EVERYTHING)
        return super().copy()

    def __iter__(self) -> Any:
        # Not noted (keys alone); defined so that dict(data) and {**data} copy through keys() and
        # __getitem__ (noted) and not through CPython's fast path for a dict, which reads no method.
        return super().__iter__()

    def __or__(self, other: Any) -> Any:
        self._note(EVERYTHING)
        return super().__or__(other)

    def __ror__(self, other: Any) -> Any:
        self._note(EVERYTHING)
        return super().__ror__(other)

    def __repr__(self) -> str:
        self._note(EVERYTHING)
        return super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol: Any) -> Any:
        self._note(EVERYTHING)
        return super().__reduce_ex__(protocol)


def fields_read(reg: Register, check: Any, focus: frozenset[str] | None = None) -> set[tuple[str, str]]:
    """(kind, field) of every top-level field `check` reads of a record, over `reg` (focused on `focus`)."""
    from meti_pi.store.register import Record

    seen: set[tuple[str, str]] = set()
    records = {}
    for key, rec in dict.items(reg.records):  # type: ignore[arg-type]
        data = rec.data
        if isinstance(data, dict):
            data = _Fields(data)
            data.kind, data.seen = rec.kind, seen
        records[key] = Record(rec.kind, rec.id, rec.relpath, rec.path, data, rec.text)
    bad = frozenset(p.path for p in V.schema_problems(reg))
    list(check(Register(reg.root, records, reg.singletons, [], bad, focus=focus, settings=reg.settings), TODAY))
    return seen


@pytest.mark.parametrize("name", sorted(fields_read_mod.FIELDS))
def test_a_check_reads_only_the_fields_declared(example: Register, name: str) -> None:
    """Whole and focused on each kind's records: no field of a declared kind but those declared."""
    declared = fields_read_mod.FIELDS[name]
    looked = set()
    for label, focus in [("the whole register", None), *focuses(example)]:
        for kind, field in fields_read(example, getattr(V, name), focus):
            if kind in declared:
                assert field in declared[kind], f"{name} over {label} reads {kind}.{field}: add it to FIELDS"
                looked.add(kind)
    assert looked == set(declared), (
        f"{name} read no field of {sorted(set(declared) - looked)}: the recording is not what it reads"
    )


def test_the_recording_catches_a_field_not_declared(example: Register) -> None:
    """The guard itself: a check reading a 課等's name, or every field of it at once, is caught."""

    def named(reg: Register, today: date) -> Iterator[Problem]:
        yield from V.check_contacts(reg, today)
        for div in reg.of_kind("divisions"):
            div.data.get("name")

    def copied(reg: Register, today: date) -> Iterator[Problem]:
        yield from V.check_contacts(reg, today)
        dict(reg.of_kind("divisions")[0].data.items())

    def spread(copy: Any) -> Any:
        def check(reg: Register, today: date) -> Iterator[Problem]:
            yield from V.check_contacts(reg, today)
            copy(reg.of_kind("divisions")[0].data)

        return check

    assert ("divisions", "name") in fields_read(example, named)
    assert ("divisions", EVERYTHING) in fields_read(example, copied)
    # copies CPython makes of a dict without calling its methods, unless it defines __iter__
    for copy in (dict, lambda d: {**d}, lambda d: d | {}, lambda d: {} | d):
        read = fields_read(example, spread(copy))
        assert ("divisions", "name") in read or ("divisions", EVERYTHING) in read, copy
    assert ("divisions", "name") not in fields_read(example, V.check_contacts)


def test_the_fields_check_references_reads_are_the_references() -> None:
    """check_references walks a record's reference fields (refs.REFERENCES), and no other."""
    from meti_pi.store import refs

    for kind, fields in fields_read_mod.FIELDS["check_references"].items():
        assert fields == {path[0] for k, path, _ in refs.REFERENCES if k == kind}, kind


def test_every_declared_check_is_one_of_validates() -> None:
    names = {c.__qualname__ for c in V.CHECKS}
    for name, by_kind in fields_read_mod.FIELDS.items():
        assert name in names, name
        check = getattr(V, name)
        assert incremental.fields_of(check) == by_kind, name
        read = incremental.reads_of(check)
        assert read is None or set(by_kind) <= read, name  # a kind it reads at all
