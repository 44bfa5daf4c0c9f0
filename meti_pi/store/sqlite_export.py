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

Streamed (_Pass): the records are read kind by kind and each one's decoded data is released once
its rows are written; a register read lazily lets each kind's records go, and the cache shards
they came from, before the next kind is read. What is alive is one kind's records in their packed
form and one record's data (cold, a record parsed in this process keeps what it parsed to), not
the register: read whole and decoded, 100,000 records took 773 MB, streamed 196 MB. The files that
cannot be read, and the schema problems of those that can, are found on the way, every kind being
read; the caller refuses the database then.
The link tables' rows (a few short strings each: ~60,000 at 100,000 records) are kept from the pass
and inserted after every kind table, in the order they always were (the same bytes).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from meti_pi import __version__
from meti_pi.errors import Problem
from meti_pi.store.kinds import KINDS
from meti_pi.store.problems import schema_problems
from meti_pi.store.record import Record, release_data
from meti_pi.store.refs import REFERENCES, walk
from meti_pi.store.register import Register
from meti_pi.store.schema import load_schema
from meti_pi.store.schema_examples import ref_followed
from meti_pi.store.worktree import WorkRecords

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


class _Pass:
    """One pass over the register's records, kind by kind. A register read lazily from the work tree
    (worktree.WorkRecords, as `read_register_lazily` gives it) builds a kind's records when its turn
    comes and lets them go once its rows are written (`forget`: the records and the cache shards they
    came from); any other register (read whole: no read cache, no git) is read as it is. Either way
    each record's decoded data is released once used (release_data)."""

    def __init__(self, reg: Register) -> None:
        self.reg = reg
        self.lazy = reg.records if isinstance(reg.records, WorkRecords) else None

    def records(self, kind: str) -> Iterator[Record]:
        """The records of `kind` that hold data, in path order."""
        for rec in sorted(self.reg.of_kind(kind), key=lambda r: r.relpath):
            if rec.data is not None:
                yield rec
            release_data(rec)
        if self.lazy is not None:
            self.lazy.forget(kind)

    def problems(self) -> list[Problem]:
        """The files that cannot be read (Register.load_problems), once every kind has been read."""
        if self.lazy is not None:
            return self.lazy.faults_after_kinds()
        return list(self.reg.load_problems)

    def schema_problems(self) -> list[Problem]:
        """The schema problems of every record and root file, once every kind has been read (a lazily
        read register kept those it found reading them, forgotten kinds' too: nothing checked again)."""
        if self.lazy is not None:
            found = self.lazy.schema
            return [Problem(rel, *p) for rel in sorted(found) for p in found[rel]]
        return list(schema_problems(self.reg))


def _rows(reg: Register, reading: _Pass) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(table, row) for every record, in a fixed order: the kind tables, then the link tables (their
    rows, a few short strings each, kept from the pass over their kinds)."""
    yield "meta", ("format", str(FORMAT))
    yield "meta", ("meti_pi_version", __version__)
    for rel in sorted(reg.singletons):
        rec = reg.singletons[rel]
        yield "documents", (rec.relpath, _value(None, rec.data))
    links = _list_refs()
    held: dict[str, list[tuple[Any, ...]]] = {table: [] for *_, table in links}
    for kind in KINDS:
        cols = _columns(kind)
        mine = [(path, held[table]) for of, path, _target, table in links if of == kind]
        for rec in reading.records(kind):
            data = rec.data if isinstance(rec.data, dict) else {}
            yield kind, (rec.relpath, rec.id, *(_value(t, data.get(name)) for name, t in cols))
            for path, into in mine:
                for position, (_, value) in enumerate(walk(rec.data, path)):
                    into.append(
                        (rec.relpath, rec.id, position, value if isinstance(value, str) else _value(None, value))
                    )
    for *_, table in links:
        for row in held.pop(table):
            yield table, row


def write(reg: Register, path: Path) -> tuple[dict[str, int], list[Problem], list[Problem]]:
    """Write the database to `path` (a new file): rows per table, the files of the register that
    cannot be read and the schema problems of those read (found while writing, kind by kind: the
    caller refuses the file if there are any; a table has a column per field of the kind's schema,
    so a record that fails it would lose a field the schema does not know, or hold a value of
    another type than its column's)."""
    counts: dict[str, int] = {}
    reading = _Pass(reg)
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA page_size = 4096")
        con.execute("BEGIN")
        for statement in ddl():
            con.execute(statement)
        width: dict[str, str] = {}
        for table, row in _rows(reg, reading):
            if table not in width:
                width[table] = ", ".join("?" * len(row))
            con.execute(f"INSERT INTO {_q(table)} VALUES ({width[table]})", row)
            counts[table] = counts.get(table, 0) + 1
        con.execute("COMMIT")
    finally:
        con.close()
    tables = ["documents", *KINDS, *(link[3] for link in _list_refs())]
    return {t: counts.get(t, 0) for t in tables}, reading.problems(), reading.schema_problems()
