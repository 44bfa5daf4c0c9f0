"""`validate` of the work tree when the incremental base applies, reading only what it needs (issue 18).

meti_pi.checks.incremental re-checks what a change can affect; here the register is not loaded
whole to learn what changed: git says which files differ from HEAD (meti_pi.store.worktree), their
content ids against the base's give the change, and the records read are the changed ones, those
within each check's reach (SCOPES) of the changed records of the kinds it reads (READS), and those
of the kinds a whole-register check reads when one of them changed. Every other problem is the
base's: the read faults and schema problems (kept in the base beside the checks' problems), and
each check's problems about the files not re-checked. The output equals a validation without the
cache byte for byte (tests/test_validate_incremental.py).

Anything this does not know how to read (no base, another day or rule set, a root file changed,
a change reaching too much) returns None: validate_register then reads the register whole.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi.checks import fields_read
from meti_pi.checks.incremental import (
    MAX_SHARE,
    Listing,
    RefIndex,
    _BaseGraph,
    _usable,
    changed_files,
    listed,
    name_of,
    recheck_all,
    sorted_by_path,
    store_base,
)
from meti_pi.errors import Problem
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import cache, lazy, refs
from meti_pi.store.kinds import KINDS
from meti_pi.store.worktree import WorkRecords, WorkTree, work_tree


def _schema_order(p: Problem) -> tuple[bool, str]:
    """validate_register lists schema problems of the root files first, then of the records by path."""
    return "/" in p.path, p.path


def validate_work(
    root: Path, today: date, checks: Sequence[Callable[..., Any]], settings: Settings = DEFAULT
) -> tuple[list[Problem], int, list[Problem]] | None:
    """(every problem, the number of records, the read faults) of the work tree's register; None:
    validate it whole."""
    # The base first: without one (a cold cache, another day) the work tree is not listed against
    # HEAD for nothing (every kind's listing: ~0.6 s at 100,000 records, before a whole read).
    view = cache.View.open_lazy(root, settings)
    base = view.store.base() if view is not None else None
    names = tuple(name_of(c) for c in checks)
    if base is None or not _usable(base, today, names) or not _read_usable(base):
        return None
    wt = work_tree(root, settings, view)
    if wt is None:
        return None
    ids = wt.ids()
    listing = listed(ids)
    changed = changed_files(base, ids, listing)
    if changed is None:
        return None
    changed |= set(base.get("dropped") or ())
    keys: set[str] = set()
    for rel in changed:
        if "/" not in rel or not rel.endswith(".yaml") or rel.split("/", 1)[0] not in KINDS:
            return None  # a root file (policy ...) or a file that is no record: everything may change
        keys.add(rel[: -len(".yaml")])
    reg = wt.register(settings)
    records: lazy.Records = reg.records  # type: ignore[assignment]
    now = sorted(rel for rel in changed if rel in ids)
    records.read(now)
    norec = {rel for rel in base["norec"] if rel not in changed} | {rel for rel in now if records.made.get(rel) is None}
    count = sum(1 for rel in ids if "/" in rel) - len(norec)
    if len(keys) > MAX_SHARE * max(count, 1):
        return None
    loadp = sorted_by_path(
        [
            *(Problem(*p) for p in base["loadp"] if p[0] not in changed),
            *(p for rel in now for p in records.faults.get(rel, ())),
        ]
    )
    fresh_schema = [Problem(rel, *p) for rel in now for p in records.schema.get(rel, ())]
    schemap = sorted([*(Problem(*p) for p in base["schemap"] if p[0] not in changed), *fresh_schema], key=_schema_order)
    before = _base_ids(base, changed)
    dropped = set(base.get("dropped") or ())
    edits = fields_read.edits(wt.view, {r: c for r, c in before.items() if r not in dropped}, now, ids, records)
    parts = _checks(reg, base, keys, changed, today, checks, count, edits)
    if parts is None:
        return None
    problems = [*loadp, *schemap, *(p for part in parts for p in part)]
    if changed:
        _save(wt, base, (ids, listing), keys, today, checks, parts, loadp, schemap, norec, records.made)
    # also drops what the work tree's files held at the last read and no longer do (Store.work_keys)
    wt.flush(before)
    return problems, count, loadp


def _read_usable(base: Any) -> bool:
    return all(isinstance(base.get(k), tuple) for k in ("loadp", "schemap", "norec"))


def _base_ids(base: dict[str, Any], rels: set[str]) -> dict[str, str]:
    """relpath -> the base's content id of each of `rels` it lists (its files are listed sorted)."""
    if not rels:
        return {}  # nothing changed: the base's 100,000 names are not split for nothing
    names, cids = base["rels"].split("\n"), base["ids"].split("\n")
    out = {}
    for rel in rels:
        i = bisect_left(names, rel)
        if i < len(names) and names[i] == rel and i < len(cids):
            out[rel] = cids[i]
    return out


def _checks(
    reg: Any,
    base: dict[str, Any],
    keys: set[str],
    changed: set[str],
    today: date,
    checks: Sequence[Callable[..., Any]],
    count: int,
    edits: dict[str, frozenset[str]],
) -> list[list[Problem]] | None:
    """Each check's problems: the base's, re-checked where the change reaches (`edits`: the fields
    each edited record changed, fields_read.UNREAD_FIELDS)."""
    if not keys:
        return [[Problem(*p) for p in part] for part in base["found"]]
    clean = reg.checked(lazy.SchemaFailures(reg.records))
    kinds = {k.split("/", 1)[0] for k in keys}
    for kind in sorted(kinds):  # check_ids compares ids that differ only by letter case
        folded = {k.lower() for k in keys if k.startswith(kind + "/")}
        keys = keys | {k for k in reg.keys_of(kind) if k.lower() in folded}
    graph = _BaseGraph(reg, base, keys)
    if isinstance(reg.records, WorkRecords):  # who names what, without reading every record of a kind
        reg.records.names = graph
    return recheck_all(checks, base["found"], graph, keys, changed, clean, today, count, edits)


def _save(
    wt: WorkTree,
    base: dict[str, Any],
    files: tuple[dict[str, str], Listing],
    keys: set[str],
    today: date,
    checks: Sequence[Callable[..., Any]],
    parts: list[list[Problem]],
    loadp: list[Problem],
    schemap: list[Problem],
    norec: set[str],
    made: dict[str, Any],
) -> None:
    """The base of the next validate: this state, its references and problems."""
    now: dict[str, tuple[str, ...]] = {}
    for key in keys:
        rec = made.get(f"{key}.yaml")
        now[key] = refs.targets_of(rec) if rec is not None else ()
    old = RefIndex.of(base)
    graph = old.updated(now) if old is not None else None
    ids, listing = files
    store_base(wt.view.store, ids, graph, today, checks, parts, (loadp, schemap), norec, listing)
