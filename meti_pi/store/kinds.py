"""The kinds of record a register holds: where they live, their schema and how ids are made."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of record, stored as `<name>/<id>.yaml` (or `<name>/<year>/<id>.yaml` when `by_year`)."""

    name: str
    title_ja: str
    id_prefix: str | None  # None: the id is chosen by the user or derived (e.g. ledger = file id)
    by_year: bool = False  # inspections/2026/<division>.yaml

    @property
    def schema_file(self) -> str:
        return f"{self.name}.schema.json"


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("divisions", "課等", None),
        Kind("roles", "個人情報保護管理体制（規程第5条）", None),
        Kind("beppyo", "別表（システム管理課等・機器管理課等）", None),
        Kind("bureaus", "地方経済産業局の担当組織（別表第7項・第8項）", None),
        Kind("systems", "情報システム", "SYS"),
        Kind("files", "個人情報ファイル簿", "F"),
        Kind("ledger", "台帳（規程第38条）", None),
        Kind("contractors", "委託先（規程第14条・第15条）", "C"),
        Kind("notifications", "通知（規程第11条・第35条・第36条）", "N"),
        Kind("incidents", "事案（規程第39条・第40条）", "INC"),
        Kind("inspections", "点検（規程第41条）", None, by_year=True),
        Kind("audits", "監査（規程第42条）", "AUD"),
        Kind("reviews", "評価及び見直し（規程第43条）", "REV"),
    )
}

# Files at the register root, each with its own schema.
SINGLETONS: dict[str, str] = {
    "register.yaml": "register.schema.json",
    "policy.yaml": "policy.schema.json",
    "citations.yaml": "citations.schema.json",
}
