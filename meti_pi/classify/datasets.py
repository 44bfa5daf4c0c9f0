"""Streaming readers for the datasets `classify` scans: .csv/.tsv, .xlsx, .jsonl.

Every value is read as text (numbers keep their leading zeros). Rows come in batches of lists
of equal width, so the scanner can work column by column at C speed. Memory does not grow with
the number of rows (an .xlsx sheet is held by python-calamine, but a sheet has at most 1,048,576
rows). Unreadable input raises `UsageError` naming `file:line`; no message ever quotes a cell.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from meti_pi import procs
from meti_pi.classify.charset_doubt import western_line
from meti_pi.classify.datafile import check_regular_file, dataset_format
from meti_pi.classify.rawtext import END_CELL, _decode_failure, _GuardedRaw, _head, sniff_encoding
from meti_pi.classify.rows import Row, check_width, fit_width, json_members, json_text, skip_title_rows, titled
from meti_pi.classify.xlsxbounds import check_part, check_xlsx_bounds  # noqa: F401 - check_xlsx_bounds: the guard, named here as before
from meti_pi.errors import UsageError

BATCH_ROWS = 2048  # small batches keep the working set in cache (measured: 2k rows beat 64k by 40%)
# Hostile files (issue 15): a cell may hold a base64 image (biometric hints), but no line of a CSV,
# TSV or JSONL file may exceed MAX_LINE_BYTES (a 200 MB line would take ~4x that in memory), and an
# .xlsx is measured in its zip before python-calamine expands it (meti_pi.classify.xlsxbounds).
_CSV_FIELD_LIMIT = 16 << 20


@dataclass
class Table:
    """One sheet (or the whole file): its first row and the rows after it, in batches.

    `first_row` is whatever the first row holds; the scanner decides whether it is a header.
    For .jsonl the keys are the header (`keyed`), and `columns` may grow while streaming.
    """

    name: str
    first_row: Row
    batches: Iterator[list[Row]]
    keyed: bool = False
    position: Callable[[], int] = lambda: 0  # progress: bytes or rows done
    total: int = 0  # progress: bytes or rows in all
    index: int = 0  # an .xlsx sheet's place in the workbook (シートN where its name is not recorded)
    skipped: int = 0  # rows above the table not read as part of it (a title, blank lines: skip_title_rows)
    sheet: bool = False  # an .xlsx sheet, named in the scan even when its name is empty (シートN)


@dataclass
class Dataset:
    """An opened dataset: its format, encoding and tables; close() releases the file."""

    path: Path
    format: str
    encoding: str | None
    tables: Iterator[Table]
    _closers: list[Callable[[], None]] = field(default_factory=list)
    # Read as CP932, yet every non-ASCII byte of its head reads as Latin-1 letters inside words: the
    # line of the first (charset_doubt), tested on the head the encoding was sniffed from.
    western_line: int | None = None

    def close(self) -> None:
        for closer in self._closers:
            closer()

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_dataset(path: Path, sheet: str | None = None, *, vocab: Any = None) -> Dataset:
    """Open `path` for streaming; `sheet` picks one .xlsx sheet (default: every sheet). `vocab`: the
    scanner's Vocabulary (a register's copy: classify.vocabcopy), for the header rule that passes
    over a title above the table and for the screening of sheet names; None: the package's."""
    fmt = dataset_format(path)
    check_regular_file(path)
    if fmt == "parquet":
        raise UsageError.at(
            path, None, ".parquet is read by the columnar scan (meti_pi.classify.columnar), not row by row"
        )
    if sheet is not None and fmt != "xlsx":
        raise UsageError.at(path, None, "--sheet applies to .xlsx files only")
    if fmt in ("csv", "tsv"):
        return _open_delimited(path, fmt, vocab)
    if fmt == "jsonl":
        return _open_jsonl(path)
    return _open_xlsx(path, sheet, vocab)


# ---------------------------------------------------------------- csv / tsv


def _open_delimited(path: Path, fmt: str, vocab: Any = None) -> Dataset:
    head = _head(path)
    encoding = sniff_encoding(head, path)
    binary = io.BufferedReader(_GuardedRaw(path, encoding, end_record=True), buffer_size=1 << 16)
    text = io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(text, delimiter="\t" if fmt == "tsv" else ",")
    total = path.stat().st_size
    first = _csv_rows(reader, 1, path, encoding)
    first_row = first[0] if first else []
    # The widest of the first row and the first batch sets the width: a title line above the header,
    # or a header shorter than its rows (an unnamed 個人番号 column), had cells cut from every row,
    # silently. A later row with a value beyond the width is refused (rows.check_width), never cut.
    below = _csv_rows(reader, BATCH_ROWS, path, encoding)
    width = max([len(first_row), *map(len, below)])
    first_row, below, skipped = skip_title_rows(first_row, below, width, partial(_heads_table, vocab=vocab))
    below += _csv_rows(reader, skipped, path, encoding, width) if skipped else []  # the first batch whole again
    first_row += [""] * (width - len(first_row))
    table = Table(
        name="",
        first_row=first_row,
        batches=chain([fit_width(below, width)] if below else [], _csv_batches(reader, width, path, encoding)),
        position=binary.tell,
        total=total,
        skipped=skipped,
    )
    western = western_line(head) if encoding == "cp932" else None
    return Dataset(path, fmt, encoding, iter([table]), [text.close], western_line=western)


def _csv_rows(reader: Any, n: int, path: Path, encoding: str, width: int | None = None) -> list[Row]:
    """Up to n rows; decode and syntax errors become UsageError with file:line, and so does a value
    right of `width` columns (rows.check_width)."""
    try:
        rows = list(islice(reader, n))
    except UnicodeDecodeError:
        raise _decode_failure(path, encoding) from None
    except csv.Error as exc:
        raise UsageError.at(path, reader.line_num, f"malformed CSV ({_csv_problem(exc)})") from None
    end = reader.line_num  # the line the last row read ends on
    if rows:  # only the last row read can be END_RECORD, or hold it
        last = rows[-1]
        if last == [END_CELL]:
            rows.pop()
            end -= 1
        elif any("\x00" in cell for cell in last):
            start = reader.line_num - sum(cell.count("\n") for cell in last)
            raise UsageError.at(
                path,
                start,
                "a quoted cell is never closed: from this line to the end of the file the text "
                "reads as one cell (a '\"' is missing, or a '\"' inside a cell is not doubled); correct the quoting and run again",
            )
    if width is not None:
        check_width(rows, width, end, path)
    return rows


def _csv_problem(exc: csv.Error) -> str:
    # The csv module's messages are fixed phrases, but map them anyway: never echo input text.
    text = str(exc)
    if "field larger than field limit" in text:
        return f"field larger than field limit: a cell of more than {_CSV_FIELD_LIMIT >> 20} MiB; split or remove it"
    for phrase in ("line contains NUL", "new-line character seen in unquoted field", "unexpected end of data"):
        if phrase in text:
            return phrase
    return "unreadable row"


def _csv_batches(reader: Any, width: int, path: Path, encoding: str) -> Iterator[list[Row]]:
    while batch := _csv_rows(reader, BATCH_ROWS, path, encoding, width):
        yield fit_width(batch, width)


# ---------------------------------------------------------------- jsonl


def _open_jsonl(path: Path) -> Dataset:
    head = _head(path)
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    binary = io.BufferedReader(_GuardedRaw(path, encoding), buffer_size=1 << 16)
    text = io.TextIOWrapper(binary, encoding=encoding, errors="strict")
    table = Table(name="", first_row=[], batches=iter(()), keyed=True, position=binary.tell, total=path.stat().st_size)
    table.batches = _jsonl_batches(text, path, encoding, table)
    return Dataset(path, "jsonl", encoding, iter([table]), [text.close])


def _jsonl_batches(text: IO[str], path: Path, encoding: str, table: Table) -> Iterator[list[Row]]:
    """Rows of the keys seen so far; `table.first_row` (the header) grows when new keys appear."""
    index: dict[str, int] = {}
    batch: list[Row] = []
    try:
        for line_no, line in enumerate(text, start=1):
            if not line.strip():
                continue
            batch.append(_jsonl_row(line, line_no, path, index, table))
            if len(batch) >= BATCH_ROWS:
                yield fit_width(batch, len(index))
                batch = []
    except UnicodeDecodeError:
        raise _decode_failure(path, encoding) from None
    if batch:
        yield fit_width(batch, len(index))


def _jsonl_row(line: str, line_no: int, path: Path, index: dict[str, int], table: Table) -> Row:
    try:
        obj = json.loads(line)
        members = dict(json_members(obj, "")) if isinstance(obj, dict) else None
    except (json.JSONDecodeError, RecursionError):
        raise UsageError.at(path, line_no, "not valid JSON; each line must be one JSON object") from None
    except ValueError:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        raise UsageError.at(
            path,
            line_no,
            f"a number of more than {sys.get_int_max_str_digits():,} digits; "
            "no record of a person holds one: check the file, or write the number as a string",
        ) from None
    if members is None:
        raise UsageError.at(path, line_no, "a JSON object ({...}) expected on each line")
    row = [""] * len(index)
    for key, value in members.items():
        column = index.get(key)
        if column is None:
            column = index[key] = len(index)
            table.first_row.append(str(key))
            row.append("")
        row[column] = json_text(value)
    return row


# ---------------------------------------------------------------- xlsx


_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx and legacy .xls are OLE files


def _open_xlsx(path: Path, sheet: str | None, vocab: Any = None) -> Dataset:
    with path.open("rb") as raw:
        magic = raw.read(8)
    if magic.startswith(_OLE_MAGIC):
        raise UsageError.at(
            path, None, "password-protected (encrypted) or legacy .xls workbook; save it unprotected as .xlsx"
        )
    if not magic.startswith(_ZIP_MAGIC):
        raise UsageError.at(path, None, "not an .xlsx workbook (not a zip file)")
    book = _guarded_workbook(path)
    try:
        names = list(book.sheet_names)
    except Exception as exc:  # noqa: BLE001 - calamine raises many kinds for damaged files; all mean "unreadable"
        book.close()
        raise UsageError.at(path, None, f"unreadable .xlsx workbook ({_calamine_problem(exc)})") from None
    if sheet is not None and sheet not in names:
        # named as the scan names them (a sheet per person: 山田太郎 is シート1, 1枚目のシート beside a
        # sheet named シート1); imported here, where it is needed: the header rules and their
        # vocabulary are the scanner's, not the reader's
        from meti_pi.classify.header_row import safe_sheet_name, sheet_stand_in, told_apart

        safe = [safe_sheet_name(n, i, vocab) for i, n in enumerate(names)]
        stand_ins = [sheet_stand_in(n, i, s) for i, (n, s) in enumerate(zip(names, safe, strict=True))]
        shown = told_apart(list(zip(safe, stand_ins, strict=True)))
        listed = ", ".join(
            s if s == n else f"{s} (its name may be personal data)" for n, s in zip(names, shown, strict=True)
        )
        how = (
            "; a sheet shown under a stand-in name is chosen by its own name, exactly as the workbook writes it"
            if shown != names
            else ""
        )
        raise UsageError.at(path, None, f"no sheet named as given; sheets: {listed}{how}")
    chosen = [sheet] if sheet is not None else names
    closer = partial(_KEPT.append, book) if _KEEPING else book.close
    return Dataset(path, "xlsx", None, _xlsx_tables(book, chosen, path, vocab), [closer])


# The CLI's scan (for_the_cli): the guard's checks started early, by path, until _guarded_workbook
# takes them; and, while _KEEPING, python-calamine's workbooks (closed by the caller) and the sheet
# read last, left to the process's exit.
_EARLY: dict[str, procs.Beside] = {}
_KEEPING = False
_KEPT: list[Any] = []
_KEPT_SHEET: list[Any] = []


@contextmanager
def for_the_cli(path: Path, *, keep: bool) -> Iterator[None]:
    """The CLI's scan of `path`, inside this block.

    An .xlsx: the guard's two checks start at once, one after the other in a forked child, before
    the scanner's modules are imported (~30 ms that the shared-strings check runs beside; one
    child, not two at once: with the imports that made three processes on two cores, and this
    process waited ~25 ms for the shared strings) and before a progress thread starts (no fork
    beside a thread); open_dataset takes the answers. Nothing starts for another file, a FIFO or
    where there is no fork. On leaving, a child nobody asked (the command failed before opening
    the file) is ended and reaped.

    `keep` (a process that ends with os._exit): python-calamine's workbook and the sheet read last
    are left to the exit instead of freed. Freeing a 100,000-row sheet's cells one by one, then
    malloc gathering the freed chunks at the next allocations, costs ~20-35 ms (measured after a
    scan of the bench's sheet). Each earlier sheet is let go when the next one is loaded, as
    before: memory does not grow with the number of sheets."""
    global _KEEPING
    key = str(path)
    if path.suffix.lower() == ".xlsx" and path.is_file() and key not in _EARLY:
        child = procs.beside(partial(check_part, path, shared=True), partial(check_part, path, shared=False))
        if child is not None:
            _EARLY[key] = child
    _KEEPING = keep
    try:
        yield
    finally:
        _KEEPING = False
        left = _EARLY.pop(key, None)
        if left is not None:
            left.stop()


def _guarded_workbook(path: Path) -> Any:
    """The python-calamine workbook of `path`, opened only within check_xlsx_bounds' limits.

    Opening reads the shared strings (checked first); the sheets are read only when a sheet is
    asked for, so they are checked meanwhile, in a forked child (procs.beside): the checks are
    Python (zipfile), which a thread would run under this process's GIL. (python-calamine 0.9.1
    releases the GIL while it opens and loads; opening and loading in a thread beside the
    scanner's imports was measured slower: bench/HISTORY.md, session 15.)
    The workbook is handed out only when every sheet has passed: the child said so, or this
    process checked them itself (no fork here, or the child did not pass: its refusal is raised
    from here, exactly as checked in one process). A refused sheet's message comes first, as
    when the checks ran in this process. for_the_cli may have started both checks already (one
    child: the shared strings first, a mark on its pipe, then the sheets).
    """
    import python_calamine

    early = _EARLY.pop(str(path), None)  # checking the shared strings, then the sheets
    sheets = early if early is not None else procs.beside(partial(check_part, path, shared=False))
    book: Any = None
    try:
        failure: Exception | None = None
        try:
            if early is None or not early.reached(1):
                check_part(path, shared=True)  # before calamine reads the shared strings
            book = python_calamine.CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # noqa: BLE001 - calamine raises many kinds for damaged files; all mean "unreadable"
            failure = exc
        if sheets is None or not sheets.passed():
            check_part(path, shared=False)  # no child, or its check did not pass: the refusal from here
        if isinstance(failure, UsageError):
            raise failure  # the shared strings refused (or the zip unreadable): the guard's own message
        if failure is not None:
            raise UsageError.at(path, None, f"unreadable .xlsx workbook ({_calamine_problem(failure)})") from None
        return book
    except BaseException:
        if sheets is not None:
            sheets.stop()
        if book is not None:
            book.close()  # refused (or interrupted): the workbook is not used
        raise


def _calamine_problem(exc: BaseException) -> str:
    name = type(exc).__name__
    if "Password" in name:
        return "password-protected"
    if "Zip" in name:
        return "damaged or truncated zip"
    if "Xml" in name:
        return "damaged XML"
    return name


def _xlsx_tables(book: Any, names: list[str], path: Path, vocab: Any = None) -> Iterator[Table]:
    places = {name: i for i, name in enumerate(book.sheet_names)}
    found = False
    for name in names:
        try:
            sheet = book.get_sheet_by_name(name)
            if _KEEPING:
                _KEPT_SHEET[:] = [sheet]  # the one read last (the one before is let go here, as before)
            rows = sheet.iter_rows()
            first = next(rows, None)
        except Exception as exc:  # noqa: BLE001 - see _open_xlsx
            raise UsageError.at(path, None, f"sheet {name!r} is unreadable ({_calamine_problem(exc)})") from None
        if first is None:
            continue
        found = True
        counter = _Counter()
        first_row = [cell_text(v) for v in first]
        skipped = 0
        below = list(islice(rows, BATCH_ROWS))
        if titled(first, below):  # a title above the table? the next rows tell (skip_title_rows)
            texts = [[cell_text(v) for v in r] for r in below]
            first_row, _, skipped = skip_title_rows(
                first_row, texts, len(first_row), partial(_heads_table, vocab=vocab)
            )
            counter.done = skipped
        rows = chain(below[skipped:], rows)  # the rows after the table's first one, as calamine gave them
        yield Table(
            name=name,
            first_row=first_row,
            batches=_xlsx_batches(rows, len(first_row), counter),
            position=counter.value,
            total=max(int(sheet.height) - 1 - skipped, 0),
            index=places.get(name, 0),
            skipped=skipped,
            sheet=True,
        )
    if not found:  # as an empty CSV: no cell is no finding (--record would write 管理C)
        raise UsageError.at(
            path, None, f"{'the sheet is' if len(names) == 1 else 'every sheet is'} empty; there is nothing to classify"
        )


def _heads_table(row: Row, rows: list[Row], vocab: Any = None) -> bool:
    from meti_pi.classify.header_row import heads_table  # the scanner's rule (imported by then)

    return heads_table(row, rows, vocab)


@dataclass
class _Counter:
    done: int = 0

    def value(self) -> int:
        return self.done


def _xlsx_batches(rows: Iterator[list[Any]], width: int, counter: _Counter) -> Iterator[list[Row]]:
    while raw := list(islice(rows, BATCH_ROWS)):
        counter.done += len(raw)
        if not _all_text(raw):  # text-only batches need no conversion
            raw = [[v if type(v) is str else cell_text(v) for v in row] for row in raw]
        yield fit_width(raw, width)


def _all_text(rows: list[list[Any]]) -> bool:
    """Whether every cell is a str: str.join refuses anything else (measured: ~40 % less than a
    set of the cells' types, 12 vs 20 ms for 100,000 rows of 8 cells)."""
    try:
        deque(map("".join, rows), maxlen=0)
    except TypeError:
        return False
    return True


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: whole numbers without '.0', dates in ISO form."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)
