"""`meti-pi export filebook`: the public 個人情報ファイル簿 as csv, xlsx or Markdown."""

from __future__ import annotations

import hashlib
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from meti_pi.cli.common import JsonOpt, print_json, read_register_lazily, report_problems, state
from meti_pi.errors import RuleViolation, UsageError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from meti_pi.dates.wareki import Eras
    from meti_pi.filebook.book import Filebook
    from meti_pi.store.register import Record, Register

app = typer.Typer(add_completion=False, rich_markup_mode=None)
export_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Export registers: the public 個人情報ファイル簿 (filebook), or every record as SQLite (sqlite).",
)
app.add_typer(export_app, name="export")


class Format(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    md = "md"
    docx = "docx"


@export_app.command("filebook")
def filebook_cmd(
    ctx: typer.Context,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            help="csv: UTF-8 with BOM and CRLF, so Excel opens the Japanese correctly; xlsx: a table and a page per file; md: a table per file; docx: a page per file.",
            case_sensitive=False,
        ),
    ] = Format.csv,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write to FILE instead of stdout (xlsx needs it unless stdout is redirected).",
            dir_okay=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="REV",
            help="Show only what changed since git revision REV (a tag or commit of the last published version).",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """The public ファイル簿 (APPI 75) in the e-Gov field order.

    Leaves out files excluded by APPI 75(2), files withheld whole under 75(3), files not (or no
    longer) held, and blanks the parts withheld under 75(3). Paper files with 1,000+ 本人 are
    listed. Exit 1 (nothing written) when a withheld text would still appear in a listed field.
    """
    from meti_pi.filebook import book as filebook
    from meti_pi.store import policy as policy_mod

    st = state(ctx)
    # the files, the 課等 and the root files alone are read (issue 18: not the register whole); its
    # own refusal names the files it needs (_require_readable), FIFOs too: those are not "skipped"
    with read_register_lazily(ctx, (), notices=False, unreadable_ok=True, listed=_NEEDED) as reg:
        _require_readable(reg, st.today)
        book = filebook.build(filebook.Snapshot.from_register(reg), st.today)
        book.problems = filebook.with_lines(book.problems, reg)
        warnings = [p for p in book.problems if p.severity != "error"]
        book.require_clean()
        if warnings:
            report_problems(warnings, st)
        style = (policy_mod.fullwidth_digits(reg.policy), policy_mod.eras(reg.policy))  # the documents' digits and eras
        if since is not None:
            data, summary = _since_bytes(reg, since, book, fmt, st.today, style)
        else:
            data, summary = _book_bytes(reg, book, fmt, st.today, style)
    _emit(data, summary, fmt, out, json_out)


def _since_bytes(
    reg: Register, since: str, book: Filebook, fmt: Format, today: date, style: tuple[bool, Eras]
) -> tuple[bytes, dict[str, object]]:
    """`--since REV`: what changed in the ファイル簿 since REV, in `fmt`, and its JSON summary."""
    from meti_pi.filebook import book as filebook
    from meti_pi.filebook import since as filebook_since

    d = filebook_since.since(reg.root, since, book)
    if fmt is Format.docx:
        raise UsageError("--since shows changes as csv, xlsx or md")
    if fmt is Format.md:
        data = filebook_since.diff_markdown(d, today=today, fullwidth_digits=style[0], eras=style[1]).encode("utf-8")
    elif fmt is Format.csv:
        data = filebook.to_csv(filebook_since.DIFF_HEADERS, filebook_since.diff_rows(d))
    else:
        from meti_pi.render import excel

        data = excel.write_table(
            filebook_since.DIFF_HEADERS, filebook_since.diff_rows(d), sheet_title="ファイル簿の変更"
        )
    return data, filebook_since.diff_json(d)


def _book_bytes(
    reg: Register, book: Filebook, fmt: Format, today: date, style: tuple[bool, Eras]
) -> tuple[bytes, dict[str, object]]:
    """The whole ファイル簿 in `fmt`, and its JSON summary."""
    from meti_pi.filebook import book as filebook

    if fmt in (Format.md, Format.docx):
        md = filebook.to_markdown(
            book,
            today=today,
            organisation=reg.meta.get("organisation") or "",
            fullwidth_digits=style[0],
            eras=style[1],
        )
        if fmt is Format.md:
            data = md.encode("utf-8")
        else:
            from meti_pi.render import word

            data = word.markdown_to_docx(
                md, created=today, subject="個人情報ファイル簿", **word.docx_options_from_policy(reg.policy)
            )
    elif fmt is Format.csv:
        data = filebook.to_csv(book.headers, (r.values for r in book.rows))
    else:
        data = filebook.to_xlsx(book)
    return data, filebook.as_json(book, today=today)


def _emit(data: bytes, summary: dict[str, object], fmt: Format, out: Path | None, json_out: bool) -> None:
    """The export to --out or stdout; with --json, one JSON document on stdout: the content's
    summary, or (with --out) what was written."""
    if json_out:
        if out is not None:
            _write(out, data)
            summary = {
                "written": str(out),
                "format": fmt.value,
                "sha256": hashlib.sha256(data).hexdigest(),
                **_counts(summary),
            }
        print_json(summary)
        return
    if out is not None:
        _write(out, data)
        sys.stderr.write(f"meti-pi: wrote {out} ({_describe(summary)})\n")
        return
    if fmt in (Format.xlsx, Format.docx) and sys.stdout.isatty():
        raise UsageError(f"{fmt.value} is binary: give --out FILE or redirect stdout")
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    sys.stderr.write(f"meti-pi: {_describe(summary)}\n")


@export_app.command("sqlite")
def sqlite_cmd(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Argument(metavar="FILE.db", help="The database file to write (FILE.db).", dir_okay=False)
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Every record kind as SQLite tables, references as columns that join, for SQL or Datasette.

    One table per kind (files, divisions, ...), a column per top-level field (objects and lists
    as JSON text), link tables for references held in lists (files_systems, ...). The same
    register gives the same bytes. The database holds what the register holds: keep it as you
    keep the register. Written atomically; an existing FILE needs --force.
    """
    from meti_pi.render.outfile import write_atomically
    from meti_pi.store import sqlite_export
    from meti_pi.store.problems import refuse_schema_problems

    counts: dict[str, int] = {}
    # Read lazily and written kind by kind (sqlite_export: one kind's records alive at a time, not the
    # register); its own refusal names the files that cannot be read, found on the way (a FIFO too:
    # refused, as validate and export filebook refuse it, so not said "skipped" first).
    with read_register_lazily(ctx, (), notices=False, unreadable_ok=True, listed=("",)) as reg:

        def fill(tmp: Path) -> None:
            written, unreadable, failing = sqlite_export.write(reg, tmp)
            if unreadable:  # raised before the file is put in place: nothing is written
                raise RuleViolation(
                    "the database was not written: these files cannot be read (`meti-pi validate`)",
                    tuple(unreadable),
                )
            # as a document is refused from a record that fails its schema (store.problems)
            refuse_schema_problems(failing, "exporting the database")
            counts.update(written)

        write_atomically(out, fill, force=force)
    with open(out, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()  # not the whole file in memory
    if json_out:
        print_json({"written": str(out), "format": "sqlite", "sha256": digest, "tables": counts})
    else:
        sys.stderr.write(f"meti-pi: wrote {out} ({sum(counts.values())} rows in {len(counts)} tables)\n")


# the files _require_readable refuses when they cannot be read
_NEEDED = ("files/", "divisions/", "policy.yaml", "register.yaml")


def _require_readable(reg: Register, today: date) -> None:
    """Refuse to publish from file or division records that cannot be read or fail their schema:
    a file left out because it could not be read would silently vanish from the book."""
    from meti_pi.store.problems import as_found_on_disk, schema_problems

    roots = {"policy.yaml", "register.yaml"}
    rels = {f"{key}.yaml" for kind in ("files", "divisions") for key in reg.keys_of(kind)} | roots
    # read lazily: each file's load and schema problems (from the cache where known), the root files' too
    found = reg.problems_of(rels)
    if found is None:  # read whole
        problems = [p for p in reg.load_problems if p.path.startswith(("files/", "divisions/")) or p.path in roots]
        records: Iterable[Record] = (r for r in (*reg.records.values(), *reg.singletons.values()) if r.relpath in rels)
        problems.extend(schema_problems(reg, records))
    else:
        problems = found
    # personal data in a field the ファイル簿 publishes: refused here (validate only warns of it)
    from meti_pi.checks.hygiene import check_personal_data
    from meti_pi.errors import Problem
    from meti_pi.filebook.book import RECORD_KEY

    published = tuple(RECORD_KEY.values())
    # the files, and the 課等 whose name is field 3 (not the contractors it also screens)
    focus = frozenset(reg.keys_of("files")) | frozenset(reg.keys_of("divisions"))
    for p in check_personal_data(reg.checked(reg.unchecked, focus=focus), today):
        if p.key is not None and (
            (p.path.startswith("files/") and p.key.startswith(published))
            or (p.path.startswith("divisions/") and p.key == "$.name")
        ):
            problems.append(Problem(p.path, p.line, p.code, p.message, "error", p.key))
    if problems:
        # records on disk: a schema problem says what to write at its line, not new's --set
        raise RuleViolation(
            "the ファイル簿 was not exported: fix these records first (`meti-pi validate`)",
            tuple(as_found_on_disk(problems)),
        )


def _write(path: Path, data: bytes) -> None:
    """All or nothing (a reader never sees half a ファイル簿); a folder missing or in the way said with
    what to do, as `export sqlite` says it."""
    from meti_pi.render.outfile import check_out_folder, write_bytes_atomically

    check_out_folder(path.parent, "--out's folder")
    write_bytes_atomically(path, data)


def _counts(summary: dict[str, object]) -> dict[str, object]:
    if "changes" in summary:
        return {
            "since": summary["since"],
            "since_commit": summary["since_commit"],
            "changes": len(summary["changes"]),  # type: ignore[arg-type]
            "header_changes": len(summary["header_changes"]),  # type: ignore[arg-type]
        }
    return {"listed": summary["listed"], "not_listed": summary["not_listed"]}


def _describe(summary: dict[str, object]) -> str:
    if "changes" in summary:
        renamed = len(summary["header_changes"])  # type: ignore[arg-type]
        headers = f" and {renamed} header change(s)" if renamed else ""
        return f"{len(summary['changes'])} change(s){headers} since {summary['since']}"  # type: ignore[arg-type]
    not_listed = summary["not_listed"]
    assert isinstance(not_listed, dict)
    left = sum(not_listed.values())
    return f"{summary['listed']} file(s) listed, {left} not listed"
