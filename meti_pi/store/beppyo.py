"""The 別表: which 課等 is 甲 (システム管理課等) and 乙 (機器管理課等) of a system, from its row.

The rows are data (`beppyo/row-N.yaml`, `bureaus/R1..R9.yaml`), never code: org names change.
Rows 7 and 8 name one unit per regional bureau; a system takes its own bureau's unit
(legal brief §8, DERIVED reading).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meti_pi.store.register import Register


@dataclass(frozen=True, slots=True)
class Unit:
    """A 甲 or 乙 unit: its name as the 別表 gives it, and the division record it matches (if any)."""

    name: str | None
    division_id: str | None
    basis: str  # how it was resolved, for display


def row_of(reg: Register, row: int) -> dict[str, Any] | None:
    """The 別表 row record."""
    return reg.data_of("beppyo", f"row-{row}")


def division_by_name(reg: Register, name: str) -> str | None:
    """The id of the division whose official name is `name`."""
    return reg.derived("division_by_name", _division_names).get(name)  # type: ignore[no-any-return]


def _division_names(reg: Register) -> dict[str, str]:
    names: dict[str, str] = {}
    for rec in reg.of_kind("divisions"):
        if isinstance(rec.data, dict) and isinstance(rec.data.get("name"), str):
            names.setdefault(rec.data["name"], rec.id)
    return names


def _resolve(reg: Register, rule: dict[str, Any], system: dict[str, Any], row: int) -> Unit:
    kind = rule.get("kind")
    if kind == "fixed":
        name = rule.get("unit")
        return Unit(name, division_by_name(reg, name) if name else None, f"別表第{row}項")
    if kind == "business_division":
        div = system.get("business_division")
        data = reg.data_of("divisions", div) if div else None
        return Unit(
            data.get("name") if data else None, div if data else None, f"別表第{row}項（当該個別業務を所掌する課等）"
        )
    if kind == "regional":
        bureau = system.get("bureau")
        b = reg.data_of("bureaus", bureau) if bureau else None
        name = b.get("unit") if b else None
        return Unit(name, division_by_name(reg, name) if name else None, f"別表第{row}項（{bureau or '地方局未指定'}）")
    if kind == "system_manager":
        div = system.get("managing_division")
        data = reg.data_of("divisions", div) if div else None
        return Unit(data.get("name") if data else None, div if data else None, f"別表第{row}項（当該システムの管理課）")
    return Unit(None, None, f"別表第{row}項")


def gou_otsu(reg: Register, system: dict[str, Any]) -> tuple[Unit, Unit] | None:
    """(甲, 乙) of a system record, or None when its row is not in the register."""
    row = system.get("beppyo_row")
    if not isinstance(row, int):
        return None
    data = row_of(reg, row)
    if data is None:
        return None
    return _resolve(reg, data.get("gou", {}), system, row), _resolve(reg, data.get("otsu", {}), system, row)


def systems_where(reg: Register, division_id: str) -> tuple[list[str], list[str]]:
    """Ids of the systems of which `division_id` is 甲, and of which it is 乙."""
    by_division = reg.derived("systems_by_unit", _systems_by_unit)  # one pass, not one per division (issue 18)
    gou, otsu = by_division.get(division_id, ([], []))
    return list(gou), list(otsu)


def _systems_by_unit(reg: Register) -> dict[str, tuple[list[str], list[str]]]:
    """division id -> (systems of which it is 甲, systems of which it is 乙), in register order."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for rec in reg.of_kind("systems"):
        if not isinstance(rec.data, dict):
            continue
        pair = gou_otsu(reg, rec.data)
        if pair is None:
            continue
        for side, unit in enumerate(pair):
            if unit.division_id is not None:
                out.setdefault(unit.division_id, ([], []))[side].append(rec.id)
    return out
