"""incremental.READS (the kinds each whole-register check reads, declared by hand) holds what the
checks really read (issue 18 item 3): each check runs over a register that records every kind it
looks at, and may look at none but those declared."""

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


def recording(reg: Register) -> tuple[Register, _Log]:
    log = _Log()
    records = _Records(reg.records)
    records.log = log
    bad = frozenset(p.path for p in V.schema_problems(reg))
    return _Recording(reg.root, records, reg.singletons, [], bad, settings=reg.settings), log


def kinds_read(reg: Register, check: Any) -> tuple[set[str], list[Problem]]:
    rec, log = recording(reg)
    found = list(check(rec, TODAY))
    return log.kinds, found


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
    assert whole == set(incremental.READS)


@pytest.mark.parametrize("name", sorted(incremental.READS))
def test_a_whole_register_check_reads_only_the_kinds_declared(example: Register, name: str) -> None:
    kinds, _ = kinds_read(example, getattr(V, name))
    assert kinds, f"{name} read nothing: the recording register is not what it reads"
    assert EVERYTHING not in kinds, f"{name} iterates every record: it cannot have a READS entry"
    undeclared = kinds - incremental.READS[name]
    assert not undeclared, f"{name} reads {sorted(undeclared)}: add them to incremental.READS[{name!r}]"


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
