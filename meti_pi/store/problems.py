"""A record's problems, located: the problem at a key path of a record (its line found when first
read), and the record's schema check. Shared by validate, the domain checks and the loaders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meti_pi.errors import LazyProblem, Problem
from meti_pi.store import schema, yamlload
from meti_pi.store.kinds import KINDS, SINGLETONS

if TYPE_CHECKING:
    from meti_pi.store.register import Record


def at(rec: Record, key_path: tuple[object, ...], code: str, message: str, severity: str = "error") -> Problem:
    """A problem located at `key_path` of a record; its line is found when first read (one parse
    of the file for all its problems), never for a problem nobody reports."""
    if not rec.text:
        return Problem(rec.relpath, None, code, message, severity, schema.key_path(key_path))
    return LazyProblem(rec.relpath, yamlload.Where(rec.text, key_path), code, message, severity, schema.key_path(key_path))  # type: ignore[arg-type]


def schema_file_of(rec: Record) -> str:
    return SINGLETONS[rec.relpath] if rec.kind == "" else KINDS[rec.kind].schema_file


def record_schema_problems(rec: Record) -> list[Problem]:
    """Schema violations of one record, located."""
    return [at(rec, path, "schema", msg) for path, msg in schema.errors(schema_file_of(rec), rec.data)]
