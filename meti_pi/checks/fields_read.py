"""UNREAD_FIELDS (a speed trick, issue 18): a record edited only in fields a check does not read
leaves that check's problems as they were.

incremental.READS keeps a check's problems when no record of a kind it reads changed. This is the
same one level down, for the kinds listed in FIELDS: a 課等 renamed at 100,000 records re-ran
check_inspections (every inspection read: ~0.15 s), check_references on the ~90 records naming the
課等 and check_contacts (every incident), though none of them reads a 課等's name: the validate
after a rename took 1.74 s against a target of 1.5 s. FIELDS declares, per check and kind, the
top-level fields of a record the check reads (a kind not declared there: every field).

An edited record leaves a check's problems to the base when all of these hold (else the check runs
again as before):
- the record is there before and after, at the same path, read and valid against its schema both
  times (a check sees it alike: Register.unchecked), and the base did not drop its problems;
- its top-level keys are the same in the same order, and it names the same records (refs.targets:
  "who names X" is answered from the references, not from a field read);
- none of the fields whose value (or type: incremental._same) changed is one FIELDS declares for
  the check and the record's kind;
- the base holds no problem of the check about the record (a problem's line comes from the record's
  text, which the edit may have moved: such a check runs again and places it anew).
A check's problems are a function of the register through what it reads: of such a record, its
path, its id and the fields declared, all as they were.

The record's data before the edit is the read cache's entry of its former content id (the one the
base lists). Without that entry the edit counts as read: the check runs (a miss costs time, never a
wrong result). Guarded: tests/test_incremental_reads.py runs each declared check over registers
whose records note every field read, whole and focused, and fails on one not declared;
tests/test_validate_incremental.py compares with a full validation after edits of declared fields,
of undeclared ones, and of a record the check has a problem about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from meti_pi.store import cache, refs
from meti_pi.store.kinds import KINDS
from meti_pi.store.record import stored_record

# By check name (validate.check_*), by kind: the top-level fields of a record of that kind the check
# reads. Declared from the checks' code (each line says where) and guarded (the module's docstring).
FIELDS: dict[str, dict[str, frozenset[str]]] = {
    # a record's references (refs.REFERENCES: a 課等's bureau), whose targets it looks up
    "check_references": {"divisions": frozenset({"bureau"})},
    # a 課等's 問合せ先 (file_checks.check_contacts); its warning is placed at the name (a problem
    # about the record: the check runs again)
    "check_contacts": {"divisions": frozenset({"contact"})},
    # the 行政機関 a file's 課等 belongs to (validate.check_consistency, compared there inline)
    "check_consistency": {"divisions": frozenset({"org"})},
    # the posts heading a 課等, an auditor's independence (inspection_checks._division_heads); the
    # 課等 named elsewhere are looked up by id
    "check_inspections": {"divisions": frozenset({"manager_post", "deputy_manager_posts"})},
}

# The kinds some check declares fields of: an edit of another kind is not looked into.
_KINDS = frozenset(kind for table in FIELDS.values() for kind in table)


def declared(name: str) -> Mapping[str, frozenset[str]]:
    """The fields check `name` reads, by kind (a kind absent: every field)."""
    return FIELDS.get(name, {})


def edits(
    view: Any, before: Mapping[str, str], changed: Iterable[str], now: Mapping[str, str], records: Any
) -> dict[str, frozenset[str]]:
    """Record key -> the top-level fields its edit changed, for the changed files (`changed`) of the
    kinds FIELDS declares that are edits UNREAD_FIELDS takes (`before`, `now`: relpath -> content id
    in the base and now, the base's dropped files left out; `records`: lazy.Records, the changed files
    read)."""
    out: dict[str, frozenset[str]] = {}
    for rel in changed:
        kind = rel.split("/", 1)[0]
        old_cid, new_cid = before.get(rel), now.get(rel)
        if kind not in _KINDS or old_cid is None or new_cid is None or old_cid == new_cid:
            continue
        rec = records.made.get(rel)
        if rec is None or rec.relpath != rel or records.schema.get(rel) or records.faults.get(rel):
            continue
        entry = view.lookup(cache.entry_key(old_cid, KINDS[kind].schema_file))
        if entry is None or entry[0] != "ok" or entry[2]:
            continue  # the former content unknown, unread or failing its schema
        changed_fields = edited_fields(
            kind, stored_record(kind, rec.id, rel, records.root, entry, old_cid, view.store).data, rec.data
        )
        if changed_fields is not None:
            out[rec.key] = changed_fields
    return out


def edited_fields(kind: str, old: Any, new: Any) -> frozenset[str] | None:
    """The top-level fields whose value or type differs between two data of a record of `kind`;
    None when the keys differ (or their order) or the references do."""
    if not (isinstance(old, dict) and isinstance(new, dict)) or list(old) != list(new):
        return None
    if refs.targets(kind, old) != refs.targets(kind, new):
        return None
    return frozenset(k for k, v in new.items() if not same(old[k], v))


def unread(
    fields: Mapping[str, frozenset[str]], keys: Iterable[str], edits: Mapping[str, frozenset[str]], old: Iterable[Any]
) -> set[str]:
    """The keys of `keys` whose edit (`edits`) changed none of `fields` (a check's FIELDS) and that the
    check's base problems (`old`, stored) are not about."""
    if not fields or not edits:
        return set()
    out = set()
    for key in keys:
        changed, read = edits.get(key), fields.get(key.split("/", 1)[0])
        if changed is not None and read is not None and changed.isdisjoint(read):
            out.add(key)
    if out:
        about = {p[0] for p in old if isinstance(p, tuple) and p}
        out = {key for key in out if f"{key}.yaml" not in about}
    return out


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types throughout (1 == 1.0 == True, which a check may tell apart)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return bool(a == b)
