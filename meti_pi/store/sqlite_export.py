"""The register as an SQLite database (`meti-pi export sqlite`), for ad-hoc SQL or Datasette.

One table per kind of record, named as its folder (`files`, `divisions`, ...): `path` (the
register-relative file, primary key), `id`, then one column per top-level field of the kind's
schema, in schema order. Text, integer, number and boolean fields are columns of that type
(booleans 0/1); objects and lists are JSON text (query them with `json_extract` / `json_each`).
A reference to another record is its id, declared as a foreign key (Datasette shows the links):
`files.division = divisions.id`. References held in lists get a link table
`<kind>_<field>(<kind>_id, position, <target>_id)`, e.g. `files_systems`. The root files
(register.yaml, policy.yaml, citations.yaml) are rows of `documents(path, data)`; `meta` says
which meti-pi wrote the database.

Deterministic: the same register gives a byte-identical file (rows in path order, no
timestamps). Values are exactly what the register holds: nothing is added, derived or masked.
Standard library `sqlite3` only: the schema is small and generated from the JSON Schemas.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from meti_pi import __version__
from meti_pi.store.kinds import KINDS
from meti_pi.store.refs import REFERENCES, walk
from meti_pi.store.register import Register
from meti_pi.store.schema import load_schema, ref_followed

FORMAT = 1
_SCALAR = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_type(schema: dict[str, Any], spec: Any) -> str | None:
    """SQL type of a top-level field, or None for JSON text (objects, lists, mixed types)."""
    if not isinstance(spec, dict):
        return None
    spec = ref_followed(schema, spec)
    kind = spec.get("type")
    if kind is None and "const" in spec:
        kind = {bool: "boolean", int: "integer", float: "number", str: "string"}.get(type(spec["const"]))
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    return _SCALAR.get(kind) if isinstance(kind, str) else None


def _columns(kind: str) -> list[tuple[str, str | None]]:

    schema = load_schema(KINDS[kind].schema_file)
    return [
        (name, _column_type(schema, spec))
        for name, spec in schema.get("properties", {}).items()
        if name not in ("id", "path")
    ]


def _scalar_refs() -> dict[tuple[str, str], str]:
    return {(kind, path[0]): target for kind, path, target in REFERENCES if len(path) == 1}


def _list_refs() -> list[tuple[str, tuple[str, ...], str, str]]:
    """(kind, key path, target kind, link table name) of references held in lists."""
    return [(kind, path, target, f"{kind}_{path[0]}") for kind, path, target in REFERENCES if "*" in path]


def _value(sql_type: str | None, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (dict, list)) or (sql_type is None and not isinstance(value, (str, int, float))):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (str, int, float)):
        return value
    return str(value)  # dates and other YAML scalars, as written


def ddl() -> list[str]:
    """The CREATE statements, in order."""
    out = [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE documents (path TEXT PRIMARY KEY, data TEXT)",
    ]
    scalar_refs = _scalar_refs()
    for kind, spec in KINDS.items():
        cols = ["path TEXT PRIMARY KEY", "id TEXT NOT NULL" + ("" if spec.by_year else " UNIQUE")]
        fks = []
        for name, sql_type in _columns(kind):
            cols.append(f"{_q(name)} {sql_type or 'TEXT'}")
            target = scalar_refs.get((kind, name))
            if target is not None and not KINDS[target].by_year:
                fks.append(f"FOREIGN KEY ({_q(name)}) REFERENCES {_q(target)}(id)")
        out.append(f"CREATE TABLE {_q(kind)} (\n  " + ",\n  ".join(cols + fks) + "\n)")
    for kind, _path, target, table in _list_refs():
        out.append(
            f"CREATE TABLE {_q(table)} (\n  {_q(kind + '_path')} TEXT NOT NULL REFERENCES {_q(kind)}(path),\n"
            f"  {_q(kind + '_id')} TEXT NOT NULL,\n  position INTEGER NOT NULL,\n"
            f"  {_q(target + '_id')} TEXT REFERENCES {_q(target)}(id),\n  PRIMARY KEY ({_q(kind + '_path')}, position)\n)"
        )
        out.append(f"CREATE INDEX {_q(table + '_by_target')} ON {_q(table)} ({_q(target + '_id')})")
    return out


def _rows(reg: Register) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(table, row) for every record, in a fixed order."""
    yield "meta", ("format", str(FORMAT))
    yield "meta", ("meti_pi_version", __version__)
    for rel in sorted(reg.singletons):
        rec = reg.singletons[rel]
        yield "documents", (rec.relpath, _value(None, rec.data))
    by_kind: dict[str, list[Any]] = {}
    for rec in reg.records.values():
        if rec.kind in KINDS and rec.data is not None:
            by_kind.setdefault(rec.kind, []).append(rec)
    links = _list_refs()
    for kind in KINDS:
        cols = _columns(kind)
        for rec in sorted(by_kind.get(kind, []), key=lambda r: r.relpath):
            data = rec.data if isinstance(rec.data, dict) else {}
            yield kind, (rec.relpath, rec.id, *(_value(t, data.get(name)) for name, t in cols))
    for kind, path, _target, table in links:
        for rec in sorted(by_kind.get(kind, []), key=lambda r: r.relpath):
            for position, (_, value) in enumerate(walk(rec.data, path)):
                yield table, (rec.relpath, rec.id, position, value if isinstance(value, str) else _value(None, value))


def write(reg: Register, path: Path) -> dict[str, int]:
    """Write the database to `path` (a new file); rows per table."""
    counts: dict[str, int] = {}
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA page_size = 4096")
        con.execute("BEGIN")
        for statement in ddl():
            con.execute(statement)
        width: dict[str, str] = {}
        for table, row in _rows(reg):
            if table not in width:
                width[table] = ", ".join("?" * len(row))
            con.execute(f"INSERT INTO {_q(table)} VALUES ({width[table]})", row)
            counts[table] = counts.get(table, 0) + 1
        con.execute("COMMIT")
    finally:
        con.close()
    return {t: counts.get(t, 0) for t in ["documents", *KINDS, *(link[3] for link in _list_refs())]}
