"""The register's organisation, as the cross-record checks of validate see it: the 別表's rows and
each system's 甲・乙 units (check_beppyo), the Art. 5 roles each held by its own post (check_roles),
and the duties that fall to no 課等 (check_unassigned_duties: a 甲 or 乙 no divisions/ record is, two
課等 by one name, no office of the 副総括). Part of validate's CHECKS (meti_pi.checks.validate).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache
from typing import Any

from meti_pi.errors import Problem
from meti_pi.store.beppyo import gou_otsu
from meti_pi.store.problems import at
from meti_pi.store.register import Record, Register


def check_beppyo(reg: Register, today: date) -> Iterator[Problem]:
    """別表 rows are numbered as named, and every system's row exists."""
    for rec in reg.of_kind("beppyo"):
        if rec.id != f"row-{rec.data.get('row')}":
            yield at(
                rec,
                ("row",),
                "beppyo-row",
                f"row {rec.data.get('row')!r} does not match the file name {rec.id}; name it row-<N>",
            )
    rows = {rec.data.get("row"): rec.data for rec in reg.of_kind("beppyo")}
    for rec in reg.subjects("systems"):
        row = rec.data.get("beppyo_row")
        if isinstance(row, int) and row not in rows:
            yield at(
                rec,
                ("beppyo_row",),
                "beppyo-missing",
                f"別表 row {row} is not in the register (beppyo/row-{row}.yaml); restore it",
            )
        elif isinstance(row, int):
            yield from _units_unread(reg, rec, row, rows[row])


# A system's fields naming its 甲 (and 乙) on the rows that read them (別表 6, 8: 当該個別業務を所掌する課等;
# 9: 当該システムの管理課), by the kind of unit the row names.
_UNIT_FIELDS = (
    (
        "business_division",
        "business_division",
        "当該個別業務を所掌する課等",
        "a system for one 課等's 個別業務 is row 6 (8 on a row-7 system)",
    ),
    ("managing_division", "system_manager", "当該システムの管理課", "a system off METI's network is row 9"),
)


def _units_unread(reg: Register, rec: Record, row: int, row_data: dict[str, Any]) -> Iterator[Problem]:
    """A system naming a 課等 as its business division or 管理課 on a row that names neither: the row
    gives another 甲 and 乙, and the field is not read (a system of one 課等's business on row 1 had
    大臣官房情報システム室 as 甲 without a word). None when the named 課等 is the row's unit anyway."""
    kinds = {(row_data.get(side) or {}).get("kind") for side in ("gou", "otsu")}
    unread = [
        (field, rec.data[field], cell, hint)
        for field, kind, cell, hint in _UNIT_FIELDS
        if isinstance(rec.data.get(field), str)
        and kind not in kinds
        # off the network on rows 1-8: beppyo-network already says the row is wrong (row 9 reads it)
        and not (field == "managing_division" and rec.data.get("connected_to_meti_network") is False)
    ]
    if not unread:
        return  # most systems: the row's units are not computed for nothing
    pair = gou_otsu(reg, rec.data)
    units = {u.division_id for u in pair} if pair is not None else set()
    for field, named, cell, hint in unread:
        if named in units:
            continue
        gou, otsu = (u.name or "—" for u in pair) if pair is not None else ("—", "—")
        yield at(
            rec,
            (field,),
            "beppyo-unit-unread",
            f"別表第{row}項 names no {cell}, so {field} ({named}) is not read: the 甲 is {gou} and the 乙 {otsu}; "
            f"{hint}. If the system is that, correct beppyo_row; if not, remove {field}",
            "warning",
        )


def check_unassigned_duties(reg: Register, today: date) -> Iterator[Problem]:
    """Duties that fall to no 課等 (warnings: the register is consistent, nobody is asked them):
    a system's 甲 or 乙 that no divisions/ record is, a second 課等 by the name of another (the
    別表 matches by name and takes the first), no 課等 headed by the 副総括's post."""
    for rec in reg.subjects("systems"):
        yield from _unmatched_units(reg, rec)
    yield from _duplicate_division_names(reg)
    yield from _no_vice_office(reg)


# The applicability rules (inspect.applicability.APPLIES) that ask a checklist item of a system's 甲
# (システム管理課等) and of its 乙 (機器管理課等): the items named are read from the shipped catalogue,
# so that the message follows its next version (2026.3: 8-2 and 26 of both, 27-32 of 甲, 33-34 of 乙).
_UNIT_RULES = ("甲", ("system_units", "gou")), ("乙", ("system_units", "otsu"))


def _unit_items(sides: Iterable[str]) -> tuple[str, ...]:
    """The catalogue's items asked of the given sides (甲, 乙), in its order, as id_ranges names them."""
    return _unit_items_of(frozenset(sides))


# UNIT_ITEMS_ONCE: the items named for each set of sides are computed once per process, not once per
# system warned (a 課等 renamed at 100,000 records re-runs check_unassigned_duties, which warned 2,188
# systems, each through id_ranges over the whole catalogue: ~0.25 s). A function of the shipped
# catalogue alone (load_catalogue(), itself read once), so nothing a register holds is kept here.
@lru_cache(maxsize=4)
def _unit_items_of(sides: frozenset[str]) -> tuple[str, ...]:
    from meti_pi.inspect.checklist import load_catalogue

    rules = {rule for side, of_side in _UNIT_RULES if side in sides for rule in of_side}
    items = load_catalogue().items
    return id_ranges([i.id for i in items if i.applies in rules], [i.id for i in items])


def id_ranges(ids: list[str], every: list[str]) -> tuple[str, ...]:
    """Checklist item ids, a run of consecutive numbers as one range where each number is asked whole
    (all its sub-items in `every`, the catalogue's ids): 8-2, 26, 27, 28-1, 28-2, 29 -> 8-2, 26–29 (an
    en dash: 8-2 is an item's own id, and a number asked in part is named by its ids)."""

    def number(item: str) -> int | None:
        head = item.split("-")[0]
        return int(head) if head.isdigit() else None

    asked = set(ids)
    whole = {number(i) for i in every if number(i) is not None}
    whole -= {number(i) for i in every if i not in asked}
    runs: list[list[str]] = []
    for item in ids:
        n = number(item)
        last = number(runs[-1][-1]) if runs else None
        if n in whole and last in whole and n is not None and last is not None and n in (last, last + 1):
            runs[-1].append(item)
        else:
            runs.append([item])
    out = []
    for run in runs:
        first, end = run[0].split("-")[0], run[-1].split("-")[0]
        out.append(run[0] if len(run) == 1 else first if first == end else f"{first}–{end}")
    return tuple(out)


def _unmatched_units(reg: Register, rec: Record) -> Iterator[Problem]:
    """A 甲 or 乙 the 別表 names (fixed, or a regional bureau's unit) that no divisions/ record is:
    its checklist items are then asked of no 課等 (a warning: the register is consistent, the duty
    has nobody to do it)."""
    if f"beppyo/row-{rec.data.get('beppyo_row')}.yaml" in reg.unchecked:
        return  # its row fails its schema (its own error): it names no unit the checks can trust
    pair = gou_otsu(reg, rec.data)
    if pair is None:
        return
    missing: dict[str, list[str]] = {}
    for side, unit in zip(("甲", "乙"), pair, strict=True):
        if unit.name and unit.division_id is None:
            missing.setdefault(unit.name, []).append(side)
    for name, sides in missing.items():
        which = "・".join(sides)
        items = "items " + ", ".join(_unit_items(sides))
        yield at(
            rec,
            ("beppyo_row",),
            "beppyo-unit-unmatched",
            f"{pair[0].basis}: the {which} of this system is {name}, and no divisions/ record has that name, so no "
            f"課等 is asked checklist {items} for it; add divisions/<id>.yaml with `name: {name}` (exactly as the "
            "別表 or bureaus/ gives it), or correct the name of the 課等's record",
            "warning",
        )


def _no_vice_office(reg: Register) -> Iterator[Problem]:
    """No 課等 is headed by the 副総括's post: its own checklist items go to nobody (inspect.queries.vice_office)."""
    if next(iter(reg.of_kind("divisions")), None) is None:
        return  # no 課等 at all (a new register): no checklist is asked of anyone yet
    from meti_pi.inspect.queries import VICE_POST, vice_office

    if vice_office(reg) is not None:
        return
    role = next((r for r in reg.of_kind("roles") if r.data.get("role") == "fuku_sokatsu"), None)
    post = str(role.data.get("post") or VICE_POST) if role is not None else VICE_POST
    text = (
        f"Art. 5(2): no divisions/ record has `manager_post: {post}` (the 副総括's post), so `inspect --year` asks "
        "no 課等 the 副総括's checklist items (13(3), 37, 38, 39(5)-(7), 40(3), 41(2), 43); add the 副総括's own "
        f"office as divisions/<id>.yaml with `manager_post: {post}`, or correct the post"
    )
    if role is None:
        yield Problem("roles/", None, "vice-office-missing", text + " in roles/", "warning")
    else:
        yield at(role, ("post",), "vice-office-missing", text + f" in roles/{role.id}.yaml", "warning")


def _duplicate_division_names(reg: Register) -> Iterator[Problem]:
    """Two 課等 records by one name: the 別表 matches 甲・乙 by name, and only the first one is ever matched."""
    first: dict[str, Record] = {}
    for rec in reg.of_kind("divisions"):
        name = rec.data.get("name")
        if not isinstance(name, str):
            continue
        if name not in first:
            first[name] = rec
            continue
        yield at(
            rec,
            ("name",),
            "division-name-duplicate",
            f"divisions/{first[name].id} has the same name {name}; the 別表 matches 甲・乙 by name and takes that "
            "record only, so this one is never asked a system's 甲・乙 items. Merge the two records, or give each "
            "課等 its exact official name",
            "warning",
        )


ART_5_ROLES = {
    "sokatsu": "総括個人情報保護管理者",
    "fuku_sokatsu": "副総括個人情報保護管理者",
    "audit_officer": "個人情報保護監査責任者",
}


def check_roles(reg: Register, today: date) -> Iterator[Problem]:
    """Art. 5: exactly one 総括, one 副総括 and one 監査責任者, each held by its own post."""
    counts: dict[str, list[Record]] = {}
    by_post: dict[str, Record] = {}
    for rec in reg.of_kind("roles"):
        role = str(rec.data.get("role"))
        counts.setdefault(role, []).append(rec)
        post = rec.data.get("post")
        if role not in ART_5_ROLES or not isinstance(post, str):
            continue
        other = by_post.setdefault(post, rec)
        if other is not rec and other.data.get("role") != role:  # the same role twice is role-duplicate
            yield at(
                rec,
                ("post",),
                "role-post-shared",
                f"Art. 5: {post} holds the {ART_5_ROLES[str(other.data.get('role'))]} already "
                f"(roles/{other.id}.yaml), and here the {ART_5_ROLES[role]}; Art. 5 fills each from its own post "
                "(5(1), 5(2), 5(5)), and one holder of two would assist, or audit, itself; correct the post",
                "warning",
            )
    for role, label in ART_5_ROLES.items():
        holders = counts.get(role, [])
        for extra in holders[1:]:
            yield at(extra, ("role",), "role-duplicate", f"Art. 5: more than one {label} ({role}); keep one")
        if not holders:  # none appointed at all as well (rule 5(1), 5(2), 5(5): 「置き」)
            yield Problem(
                "roles/",
                None,
                "role-missing",
                f"Art. 5: no {label} ({role}) is appointed; add roles/<id>.yaml",
                "warning",
            )
