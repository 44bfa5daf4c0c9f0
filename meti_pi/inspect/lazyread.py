"""One division's checklist reads only what it reports (issue 18): the register read lazily.

`inspect --year Y --division D` shows a few hundred records of a register that may hold 100,000.
Reading it whole (Register.load) cost more than building the checklist; here the work tree is read
as meti_pi.store.worktree reads it for `validate` (HEAD's files by blob id, listed per kind folder
from the read cache, and an overlay of what git says differs), each record built when first read.

What the checklist asks that is not a record by key — "which files/contractors/notices/inspections
name X" (meti_pi.store.refs.referring) — is answered from the references each kind's kept listing
holds (meti_pi.store.lazy.Tree: a line per file of the targets its record names). Where a listing
does not hold a file's references yet, its record is read once and they are kept with the listing,
so the next command finds them there. The overlay's files are read for theirs (they differ from HEAD).

The records, their order, their data and their references are those Register.load gives: the
output is byte-identical (tests/test_inspect_scale.py, with hand edits in the work tree). Where
the lazy reading does not apply (no read cache, no git, no commit yet...) `division_register`
returns None and the register is read whole, as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from meti_pi.errors import Problem
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import refs
from meti_pi.store.register import Register
from meti_pi.store.worktree import WorkRecords, work_tree


class Referrers:
    """Who names what in the work tree's register, one kind's references at a time.

    `keys_naming(kind, target)`: the keys of the records of `kind` naming `target`, which
    meti_pi.store.refs.referring asks of a register's `records.names` before anything else. From
    the kind's kept references text (a substring search: a few ms on the largest kind) while it
    holds every file's references; else from an index of the kind, built once (reading the records
    whose references are not kept, and keeping them for the next command). The overlay's files (what
    differs from HEAD) are judged by their own references.

    Also `referrers_now(target)`, what refs.referring asks of `names` that lack `keys_naming`
    (meti_pi.checks.incremental._BaseGraph's): the keys of every kind naming `target`."""

    def __init__(self, records: WorkRecords) -> None:
        self.records = records
        self._by_kind: dict[str, dict[str, list[str]]] = {}  # kind -> target -> keys naming it
        self._changed: dict[str, dict[str, tuple[str, ...]]] = {}  # kind -> overlay relpath -> targets now
        self._searched: dict[tuple[str, str], list[str]] = {}  # (kind, target) -> keys, found by a text search

    def referrers_now(self, target: str) -> list[str]:
        """The keys of the records (of every kind that can name it) naming `target`."""
        folder = target.split("/", 1)[0]
        return [key for kind in sorted(refs.referring_kinds({folder})) for key in self.keys_naming(kind, target)]

    def keys_naming(self, kind: str, target: str) -> list[str]:
        """The keys of the records of `kind` naming `target` (in no particular order)."""
        index = self._by_kind.get(kind)
        if index is None:
            found = self._searched.get((kind, target))
            if found is not None:
                return found
            overlay = self.records.overlay
            named, unknown = self.records.tree.naming(kind, {target})
            if not unknown or unknown.issubset(overlay):
                changed = self._overlay(kind)
                rels = {rel for rel in named if rel not in overlay}
                rels.update(rel for rel, targets in changed.items() if target in targets)
                found = self._searched[(kind, target)] = _keys(rels)
                return found
            index = self._by_kind[kind] = _inverted(self._targets(kind))
        return index.get(target, [])

    def _overlay(self, kind: str) -> dict[str, tuple[str, ...]]:
        """relpath -> targets of the overlay's `<kind>/` files the work tree holds (read once)."""
        found = self._changed.get(kind)
        if found is None:
            records, prefix = self.records, kind + "/"
            mine = [rel for rel, outcome in records.overlay.items() if rel.startswith(prefix) and outcome is not None]
            records.read(mine)
            found = self._changed[kind] = {rel: _targets_of(records.made.get(rel)) for rel in mine}
        return found

    def _targets(self, kind: str) -> dict[str, tuple[str, ...]]:
        """relpath -> targets of every `<kind>/` file of the work tree."""
        records = self.records
        tree = records.tree
        overlay = records.overlay
        listed = tree.kind(kind)
        known = dict(tree.known_refs(kind))
        unknown = [rel for rel in listed if rel not in known and rel not in overlay]
        if unknown:  # not kept with the listing yet: read once, and kept for the next command
            records.read(unknown)
            fresh = {rel: _targets_of(records.made.get(rel)) for rel in unknown}
            tree.keep_refs(kind, fresh)
            known.update(fresh)
        for rel in overlay:
            known.pop(rel, None)
        known.update(self._overlay(kind))
        return known


def _keys(rels: Any) -> list[str]:
    """The record keys of `rels` (a file not named `.yaml` holds no record: Register.load has none either)."""
    return [rel[: -len(".yaml")] for rel in rels if rel.endswith(".yaml")]


def _targets_of(rec: Any) -> tuple[str, ...]:
    return refs.targets_of(rec) if rec is not None else ()


def _inverted(targets: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rel, named in targets.items():
        if rel.endswith(".yaml"):
            key = rel[: -len(".yaml")]
            for target in named:
                out.setdefault(target, []).append(key)
    return out


def read_ahead(reg: Register, files: list[Any]) -> None:
    """Read together what a division's checklist reads of each of its files, on a register read
    lazily: their ledgers and notices (each read alone costs a round trip to git). Nothing otherwise."""
    records = reg.records
    names = getattr(records, "names", None)
    if not isinstance(records, WorkRecords) or not isinstance(names, Referrers):
        return
    rels = [f"ledger/{f.id}.yaml" for f in files]
    rels += [f"{key}.yaml" for f in files for key in names.keys_naming("notifications", f"files/{f.id}")]
    records.read(rels)


def division_register(root: Path, settings: Settings = DEFAULT) -> tuple[Register, list[Problem]] | None:
    """(the work tree's register read lazily, the load problems of the files that differ from HEAD),
    or None where that reading does not apply (then read the register whole)."""
    wt = work_tree(root, settings)
    if wt is None:
        return None
    reg = wt.register(settings)
    records = reg.records
    assert isinstance(records, WorkRecords)
    records.names = Referrers(records)
    return reg, wt.overlay_problems()
