"""References between records: which fields name another record, and the records a record names.

One table serves the dangling-reference check (meti_pi.checks.validate) and the write path, which
re-checks only the records a change can affect: the changed ones and those that refer to them.
A record's targets are computed once per content and kept in the read cache (meti_pi.store.cache).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# (kind, key path with '*' for list items, target kind)
REFERENCES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("files", ("division",), "divisions"),
    ("files", ("systems", "*"), "systems"),
    ("files", ("contractors", "*"), "contractors"),
    ("systems", ("business_division",), "divisions"),
    ("systems", ("managing_division",), "divisions"),
    ("systems", ("bureau",), "bureaus"),
    ("divisions", ("bureau",), "bureaus"),
    ("contractors", ("divisions", "*"), "divisions"),
    ("contractors", ("files", "*"), "files"),
    ("contractors", ("parent",), "contractors"),
    ("ledger", ("file",), "files"),
    ("ledger", ("notified", "*", "notification"), "notifications"),
    ("notifications", ("file",), "files"),
    ("incidents", ("division",), "divisions"),
    ("incidents", ("files", "*"), "files"),
    ("inspections", ("division",), "divisions"),
)

# Other fields whose value names a record, checked by meti_pi.inspect.inspection_checks (not by the
# dangling-reference check): the write path's focus brings their referrers in all the same.
CHECKED_ELSEWHERE: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("audits", ("scope", "divisions", "*"), "divisions"),
    ("audits", ("findings", "*", "division"), "divisions"),
    ("audits", ("auditors", "*", "division"), "divisions"),
    ("reviews", ("basis", "audits", "*"), "audits"),
)

# Fields naming a finding, `<kind>/<...>/<id>#<finding>` (an answer carries one as `carry@<ref>`):
# the record holding the finding is a target (an inspection or an audit).
FINDING_REFS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reviews", ("findings", "*")),
    ("inspections", ("answers", "*", "item")),
)
FINDING_KINDS = ("inspections", "audits")

_BY_KIND: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {}
for _kind, _path, _target in (*REFERENCES, *CHECKED_ELSEWHERE):
    _BY_KIND[_kind] = (*_BY_KIND.get(_kind, ()), (_path, _target))
_FINDINGS_BY_KIND: dict[str, tuple[tuple[str, ...], ...]] = {}
for _kind, _path in FINDING_REFS:
    _FINDINGS_BY_KIND[_kind] = (*_FINDINGS_BY_KIND.get(_kind, ()), _path)


def walk(
    value: Any, path: tuple[str, ...], prefix: tuple[object, ...] = ()
) -> Iterator[tuple[tuple[object, ...], Any]]:
    """(key path, value) of every place `path` ('*' = each list item) leads to in `value`."""
    if not path:
        yield prefix, value
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from walk(item, rest, (*prefix, i))
    elif isinstance(value, dict) and head in value:
        yield from walk(value[head], rest, (*prefix, head))


def targets(kind: str, data: Any) -> tuple[str, ...]:
    """The keys ('divisions/div-x') of the records a record of `kind` names, sorted, without repeats."""
    found: set[str] = set()
    for path, target in _BY_KIND.get(kind, ()):
        for _, value in walk(data, path):
            if isinstance(value, str):
                found.add(f"{target}/{value}")
    for path in _FINDINGS_BY_KIND.get(kind, ()):
        for _, value in walk(data, path):
            if isinstance(value, str):
                key = finding_record(value)
                if key is not None:
                    found.add(key)
    return tuple(sorted(found))


def finding_record(ref: str) -> str | None:
    """The key of the record holding the finding `ref` names ('inspections/2026/somu#2', perhaps as
    'carry@inspections/2026/somu#2'); None when it names no finding of an inspection or an audit."""
    key, sep, fid = ref.removeprefix("carry@").rpartition("#")
    if not sep or not fid or key.split("/", 1)[0] not in FINDING_KINDS:
        return None
    return key


def targets_of(rec: Any) -> tuple[str, ...]:
    """A loaded record's targets: from the read cache when it came from there, else computed."""
    known = getattr(rec, "__dict__", {}).get("_refs")
    return known if known is not None else targets(rec.kind, rec.data)


def referring_kinds(kinds: set[str]) -> set[str]:
    """The kinds with a field that can name a record of one of `kinds`."""
    out = {kind for kind, _, target in (*REFERENCES, *CHECKED_ELSEWHERE) if target in kinds}
    if not kinds.isdisjoint(FINDING_KINDS):
        out.update(kind for kind, _ in FINDING_REFS)
    return out


def _keys_naming(records: Any, kind: str, target: str) -> list[str] | None:
    """The keys of the records of `kind` that name `target`, where a register read lazily knows who
    names what without reading a record (its `names`: meti_pi.inspect.lazyread's `keys_naming`, or
    the re-check's `referrers_now`, meti_pi.checks.incremental); None where it does not."""
    names = getattr(records, "names", None)
    if names is None:
        return None
    naming = getattr(names, "keys_naming", None)
    if naming is not None:
        return list(naming(kind, target))
    prefix = kind + "/"
    return [k for k in names.referrers_now(target) if k.startswith(prefix)]


def referring(reg: Any, kind: str, target: str) -> list[Any]:
    """The records of `kind` (in `of_kind` order) that name the record `target` ('files/F-1'),
    found from the references alone (kept in the read cache): no record's data is decoded. A
    re-check of a few records (Register.focus) asks this instead of building an index of every
    record's data."""
    keys = _keys_naming(reg.records, kind, target)
    if keys is not None:
        rels = sorted(f"{k}.yaml" for k in keys)
        reg.records.read(rels)  # together: one pass over their cache shards, or one read of their blobs
        built = (reg.records.record(rel) for rel in rels)
        return [rec for rec in built if rec is not None and rec.relpath not in reg.unchecked]

    def build(reg: Any) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for rec in reg.of_kind(kind):
            for t in targets_of(rec):
                out.setdefault(t, []).append(rec)
        return out

    found: list[Any] = reg.derived(f"referring:{kind}", build).get(target, [])
    return found


def read_referring(reg: Any, kind: str, targets: list[str]) -> None:
    """Read at once the records of `kind` that name any of `targets`, where the register reads its
    records when asked and knows who names what without reading them (a re-check after an edit):
    `referring` then finds them read. Asked target by target, each read its few records with a
    git call of its own (a division renamed at 100,000 records: 1,800 calls, ~1.5 s)."""
    if getattr(reg.records, "names", None) is None:
        return
    keys: set[str] = set()
    for target in targets:
        keys.update(_keys_naming(reg.records, kind, target) or ())
    reg.records.read(sorted(f"{k}.yaml" for k in keys))
