"""A record's problems, located: the problem at a key path of a record (its line found when first
read), and the record's schema check. Shared by validate, the domain checks and the loaders. Also
the refusal of a document made from records that fail their schema (refuse_failing_schema,
refuse_schema_problems), the records a listing marks (failing_schema), and a schema problem's hint
as said where no `new --set` is typed: a record on disk (as_found_on_disk, as_record_edit) or a
--from file (as_fields_file_edit)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from meti_pi.errors import LazyProblem, Problem, RuleViolation
from meti_pi.store import schema, yamlload
from meti_pi.store.kinds import KINDS, SINGLETONS

if TYPE_CHECKING:
    from meti_pi.store.advised import Advised
    from meti_pi.store.register import Record, Register


def at(rec: Record, key_path: tuple[object, ...], code: str, message: str, severity: str = "error") -> Problem:
    """A problem located at `key_path` of a record; its line is found when first read (one parse
    of the file for all its problems), never for a problem nobody reports. The record's text is
    not even read until then (a line the incremental validate already knows is never looked for)."""
    return LazyProblem.later(rec.relpath, where(rec, key_path), code, message, severity, schema.key_path(key_path))


def where(rec: Record, key_path: tuple[object, ...]) -> _RecordWhere:
    """The line of `key_path` in `rec`'s file, found (its text read) only when `resolve()` is called."""
    return _RecordWhere(rec, key_path)


class _RecordWhere:
    """yamlload.Where of a record whose text is read only when the line is asked for (None without text)."""

    __slots__ = ("key_path", "rec")

    def __init__(self, rec: Record, key_path: tuple[object, ...]) -> None:
        self.rec, self.key_path = rec, key_path

    def resolve(self) -> int | None:
        text = self.rec.text
        return yamlload.Where(text, self.key_path).resolve() if text else None


def schema_file_of(rec: Record) -> str:
    return SINGLETONS[rec.relpath] if rec.kind == "" else KINDS[rec.kind].schema_file


def record_schema_problems(rec: Record) -> list[Problem]:
    """Schema violations of one record, located."""
    return [at(rec, path, "schema", msg) for path, msg in schema.errors(schema_file_of(rec), rec.data)]


def refuse_failing_schema(
    reg: Register, records: Iterable[Record], before: str, *, committed: Advised | None = None
) -> None:
    """Refuse (RuleViolation, exit 1, each record's problems at their lines) to make a document from
    records of `reg` of which one fails its schema: a notice, an incident's draft, an audit's or a year's
    report is not written from fields the schema refuses (what the register's read cache knows of a
    record is reused, schema_problems: a year's report at 100,000 records checked 1,198 inspections
    again, 0.25-0.65 s of its 0.8-1.3 s). `before`: what is refused ("drafting a notice").
    The records exist: each problem says what to write at its line (not `new`'s --set), and the
    refusal says to edit them there and `meti-pi commit` them. `committed`: the records were read
    as HEAD holds them (a notice is drafted from the register committed), not from the work tree;
    where a refused file has uncommitted edits (git is asked, on refusal only), the refusal says the
    problems and lines are those of the committed version, its edits unread, to be committed first."""
    refuse_schema_problems(list(schema_problems(reg, records)), before, committed=committed)


def refuse_schema_problems(bad: list[Problem], before: str, *, committed: Advised | None = None) -> None:
    """refuse_failing_schema of the schema problems `bad` already found (none: nothing refused)."""
    bad = as_found_on_disk(bad)
    if not bad:
        return
    paths = sorted({p.path for p in bad})
    if committed is not None and (edited := committed.uncommitted(paths)):
        one = len(paths) == 1
        whose = "its" if one else f"{', '.join(edited)}'s" if len(edited) < len(paths) else "their"
        raise RuleViolation(
            f"{', '.join(paths)}, as last committed, {'does' if one else 'do'} not match "
            f"{'its schema' if one else 'their schemas'} (the problems and lines above are the committed "
            f"version's); {whose} uncommitted edits were not read ({before} reads the register as "
            f"committed): commit them first (`{committed.commit} {' '.join(committed.record(p) for p in edited)}`, "
            "which checks them), then run the command again",
            tuple(bad),
        )
    said = (
        f"{paths[0]} does not match its schema: edit it at the lines shown and `meti-pi commit` it"
        if len(paths) == 1
        else f"{', '.join(paths)} do not match their schemas: edit them at the lines shown and `meti-pi commit` them"
    )
    raise RuleViolation(f"{said} before {before}", tuple(bad))


def schema_problems(reg: Register, records: Iterable[Record] | None = None) -> Iterator[Problem]:
    """Schema violations of every record of `reg`, or of `records` (those Register.load already knows,
    from its cache, are reused: checking 27,000 files again took seconds at 100,000 records)."""
    view = reg.cache
    for rec in (*reg.singletons.values(), *reg.records.values()) if records is None else records:
        known = view.schema.get(rec.relpath) if view is not None and view.objects.get(rec.relpath) is rec else None
        if known is None:
            yield from record_schema_problems(rec)
        else:
            yield from (Problem(rec.relpath, *p) for p in known)


def failing_schema(reg: Register, records: Iterable[Record]) -> set[str]:
    """The relpaths of `records` that fail their schema (a listing marks them): known from reading
    them where the register is read lazily, else checked."""
    records = list(records)
    found = reg.problems_of({r.relpath for r in records})
    if found is None:  # read whole
        found = list(schema_problems(reg, records))
    return {p.path for p in found if p.severity == "error"}


def failing_records(reg: Register) -> list[Problem]:
    """The errors of every file of `reg` that fails its schema or cannot be read, at their lines, as a
    record on disk is told them (as_found_on_disk): from what the read cache knows of each file's
    content where the register is read lazily (`audit pack` at 100,000 records: ~1.7 s, not a validation
    of every record again), else checked."""
    found = reg.problems_of(None)
    if found is None:  # read whole
        found = [*reg.load_problems, *schema_problems(reg)]
    return as_found_on_disk(p for p in found if p.severity == "error")


# The example a schema problem's hint ends with when the field can be given to `new` (store.schema:
# 「…, e.g. --set scope.year=2000」): a command that has no --set shows the problem without it.
_SET_EXAMPLE = re.compile(r", e\.g\. --set (?:\S+='[^']*'|\S+)$")


def without_set_example(message: str) -> str:
    """A schema problem's message without its `--set` example."""
    return _SET_EXAMPLE.sub("", message.replace(schema.SHELL_QUOTES, ""))


# How `new` would take the field (store.schema): 「, e.g. --set principals.as_of=2026-04-01」 and
# 「 (new records: --set name=…)」; the rest of the hint already says what to write in the record.
_SET_AS_LINE = re.compile(r", e\.g\. --set (?:[\w-]+\.)*([\w-]+)=(.+)$")
_NEW_RECORDS = re.compile(r" \(new records: --set [^()]*\)")


def as_found_on_disk(problems: Iterable[Problem]) -> list[Problem]:
    """`problems` of records as they are in the work tree (validate's report): each schema problem
    says what to write at its line (as_record_edit), not `new`'s --set, which makes a new record."""
    return [
        Problem(p.path, p.line, p.code, as_record_edit(p.message), p.severity, p.key) if p.code == "schema" else p
        for p in problems
    ]


def as_record_edit(message: str) -> str:
    """A schema problem's message for a record that exists (to edit at its line, not to make with
    `new --set`): its `--set` example as the line to write (`as_of: 2026-04-01`; a value quoted for
    the shell, `--set record_items='[…]'`, without the shell's quotes: `record_items: […]`)."""

    def line(m: re.Match[str]) -> str:
        value = m[2]
        if len(value) > 1 and value[0] == value[-1] == "'":
            value = value[1:-1]
        return f", e.g. `{m[1]}: {value}`"

    return _NEW_RECORDS.sub("", _SET_AS_LINE.sub(line, message.replace(schema.SHELL_QUOTES, "")))


# Where store.schema's required-field hint says to write the field: in the record on disk, then commit it.
_IN_THE_RECORD = " in the record, then `meti-pi commit`"


def as_fields_file_edit(message: str) -> str:
    """A schema problem's message for a field of `new --from FILE` (the record is not made yet): the
    line to write in that file (as_record_edit), which `new` then reads again, not a record to commit."""
    return as_record_edit(message).replace(_IN_THE_RECORD, " in the --from file")
