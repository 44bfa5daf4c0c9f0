"""The .xlsx guard (issue 15): a workbook is measured in its zip before python-calamine expands it.

A 3 MB file can hold a 3 GiB shared string; one cell at XFD1048576 makes calamine allocate every
cell of the sheet. Sizes are counted while decompressing (a zip header can lie), and the used
range is counted as calamine allocates it (each cell by its own reference).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from meti_pi.errors import UsageError

MAX_SHARED_STRINGS_BYTES = 128 << 20
MAX_SHEET_XML_BYTES = 512 << 20
MAX_SHEET_CELLS = 20_000_000  # rows x columns of the sheet's used range, as calamine allocates it


# Row numbers as Excel and openpyxl write them (r first: a literal prefix, 8x faster), else any form.
# python-calamine places a cell by its own reference (<c r="B7">) when it has one, by its row's
# otherwise: the used range's last row is the largest of both. Any number of digits (a row past
# 1,048,576 is still a row calamine allocates).
_ROW_FAST = re.compile(rb"<row r=\"([0-9]+)\"")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"([0-9]+)\"")
_CELL_FAST = rb"<c r=\"[A-Za-z]+(%s)\""  # % a pattern of the numbers past the rows seen (_past)
_CELL_REF = rb"<(?:\w+:)?c\b[^>]*?\br=\"[A-Za-z]+(%s)\""  # calamine reads lower-case letters too
# A cell element not in the fast form (<c r="...): another first attribute, other white space, a
# namespace prefix; then the general form is searched.
_CELL_OTHER = re.compile(rb"<c(?:[\t\n\r/>]| (?!r=\"))")
_CELL_PREFIXED = re.compile(rb":c[\s/>]")  # two searches: each has a literal prefix (one regex would not)


def _past(n: int) -> bytes:
    """A regular expression for the decimal numbers greater than `n` (more digits, or as many and
    larger at the first digit that differs): cells below the last row seen are not collected."""
    digits = str(n)
    alternatives = [b"[0-9]{%d,}" % (len(digits) + 1)]
    for i, ch in enumerate(digits):
        if ch != "9":
            rest = len(digits) - i - 1
            alternatives.append(
                digits[:i].encode() + b"[%c-9]" % (ord(ch) + 1) + (b"[0-9]{%d}" % rest if rest else b"")
            )
    return b"(?:" + b"|".join(alternatives) + b")"


_WIDE_REF = re.compile(rb"r=\"([A-Za-z]{2,})[0-9]")  # a cell past column Z (rare)


def check_xlsx_bounds(path: Path) -> None:
    """Refuse (exit 2) a workbook python-calamine would expand beyond reason: shared strings over
    MAX_SHARED_STRINGS_BYTES, a sheet's XML over MAX_SHEET_XML_BYTES, or a used range over
    MAX_SHEET_CELLS cells. Sizes are counted while decompressing (a zip header can lie)."""
    check_part(path, shared=True)
    check_part(path, shared=False)


def check_part(path: Path, *, shared: bool) -> None:
    """check_xlsx_bounds on the shared strings (`shared`) or on the sheets."""
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename
                if shared and (name == "xl/sharedStrings.xml" or name.startswith("xl/sharedStrings")):
                    _bounded_member(zf, info, path, MAX_SHARED_STRINGS_BYTES, "shared strings (the text of its cells)")
                elif not shared and name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    _bounded_member(zf, info, path, MAX_SHEET_XML_BYTES, f"sheet {name.rsplit('/', 1)[-1]}", cells=True)
    # zlib.error: damaged compressed data (zipfile passes it on as it is)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
        raise UsageError.at(path, None, "unreadable .xlsx workbook (damaged or truncated zip)") from None


def _bounded_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, limit: int, what: str, cells: bool = False
) -> None:
    too_big = UsageError.at(
        path,
        None,
        f"the workbook's {what} expand to more than {limit >> 20} MiB: refused before reading "
        "(a file this size is hostile or not a dataset); save the data as CSV or split the workbook",
    )
    if info.file_size > limit:
        raise too_big
    size, rows, cols, tail = 0, 0, 0, b""
    with zf.open(info) as member:
        while chunk := member.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise too_big
            if cells:  # a bound of the used range (_range_bound: never below it)
                block = tail + chunk
                rows, cols = _range_bound(block, rows, cols)
                tail = block[-256:]
    if cells and rows * cols > MAX_SHEET_CELLS:
        rows, cols = _used_range(zf, info)  # near the limit: the exact range decides, and is what the message says
        if rows * cols > MAX_SHEET_CELLS:
            raise UsageError.at(
                path,
                None,
                f"the workbook's {what} spans {rows:,} rows x {cols:,} columns ({rows * cols:,} cells, more than "
                f"{MAX_SHEET_CELLS:,}): a cell far from the data makes the whole range be read; delete the stray cells or save as CSV",
            )


def _used_range(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """The sheet's used range as calamine allocates it: the last row number, and the widest column referenced."""
    rows, cols, tail = 0, 0, b""
    with zf.open(info) as member:
        while chunk := member.read(1 << 20):
            block = tail + chunk
            rows, cols = _block_range(block, rows, cols)
            tail = block[-256:]
    return rows, cols


def _block_range(block: bytes, rows: int, cols: int) -> tuple[int, int]:
    """The used range so far (`rows`, `cols`) with the references in `block`, each one parsed."""
    found = _ROW_FAST.findall(block)
    if len(found) != block.count(b"<row") or b":row" in block:
        found = _ROW_REF.findall(block)
    rows = max(rows, max(map(int, found), default=0))
    past = _past(rows)  # a cell's own reference past every row seen (a far cell in row 1)
    general = _CELL_OTHER.search(block) is not None or _CELL_PREFIXED.search(block) is not None
    found = re.findall((_CELL_REF if general else _CELL_FAST) % past, block)
    rows = max(rows, max(map(int, found), default=0))
    return rows, _block_cols(block, cols)


def _block_cols(block: bytes, cols: int) -> int:
    wide = _WIDE_REF.findall(block) if _WIDE_REF.search(block) is not None else []
    return max(cols, max(map(_column_number, set(wide)), default=0) if wide else 26 if b'r="' in block else 0)


# Every row number _block_range takes follows r=" and its column letters: the largest of them in the
# last references of a block, and one search that no reference in the block has more digits or a
# larger first digit, bound them all (a few searches instead of parsing every reference, ~0.3 s of a
# 100,000-row sheet's check).
_ANY_REF = re.compile(rb'r="[A-Za-z]*([0-9]+)"')


def _range_bound(block: bytes, rows: int, cols: int) -> tuple[int, int]:
    """(`rows`, `cols`) raised to bounds of the used range with the references in `block`: never below
    what _block_range gives (the columns exactly as it does); _block_range itself where no bound is found."""
    if b'r="' not in block:
        return rows, cols
    last = _ANY_REF.findall(block[-4096:])
    if not last:
        return _block_range(block, rows, cols)
    top = str(max(map(int, last)))
    digits, first = len(top), int(top[0])
    larger = b"[0-9]{%d}" % (digits + 1)
    if first < 9:
        larger += b'|[%d-9][0-9]{%d}"' % (first + 1, digits - 1)
    bound = max(rows, (first + 1) * 10 ** (digits - 1) - 1)
    # One search for the two questions, as most blocks answer both "none": a reference past column Z
    # (two letters or more, then a digit: _block_cols's question) or one with more digits or a larger
    # first digit. The first letter is taken possessively (?+), so that "A1" is not read as letters
    # "A" then digit "1" of a wide reference. (The child's sheet check of the bench's 100,000-row
    # sheet: 0.146 -> 0.110 s; the CLI waited for it.)
    if re.search(rb'r="[A-Za-z]?+(?:[A-Za-z]+[0-9]|' + larger + b")", block) is None:
        return bound, max(cols, 26)  # what _block_cols gives a block with references, none past Z
    if re.search(rb'r="[A-Za-z]*(?:' + larger + b")", block) is not None:
        return _block_range(block, rows, cols)
    return bound, _block_cols(block, cols)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n
