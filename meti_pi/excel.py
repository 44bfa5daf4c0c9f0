"""Excel (.xlsx) output of one table; the only openpyxl importer.

`write_table(headers, rows, sheet_title=...)` returns the same bytes for the same input: the
workbook's created/modified properties are fixed (openpyxl's own `save` would stamp the clock)
and the zip is rewritten with fixed timestamps, member order and compression (shared with
meti_pi.word). Every cell uses a Japanese font; text that starts with '=' stays text (no
formula is ever written), the header row is bold, frozen and filterable.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

DEFAULT_FONT = "ＭＳ Ｐゴシック"
FIXED_TIMESTAMP = datetime(2000, 1, 1, 0, 0, 0)  # openpyxl writes naive datetimes as UTC
MAX_COLUMN_WIDTH = 50  # in Excel character units; longer text wraps
HEADER_WIDTH = 24  # a header wider than this wraps
LINE_HEIGHT_PT = 15.0  # one line of 11 pt Japanese text
# Characters that XML 1.0 cannot hold (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Excel's sheet-title limits: 31 characters, none of []:*?/\
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")

Cell = str | int | float | None


def display_width(text: str) -> int:
    """Width in half-width character units (wide/full-width characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrapped_lines(text: str, width: float) -> int:
    """Lines `text` takes in a column `width` half-width units wide (explicit newlines kept)."""
    width = max(1, int(width))
    return sum(max(1, -(-display_width(line) // width)) for line in text.split("\n"))


def safe_sheet_title(title: str) -> str:
    """`title` made acceptable to Excel (forbidden characters replaced, 31 characters max)."""
    cleaned = _BAD_TITLE.sub("_", title).strip("'") or "Sheet1"
    return cleaned[:31]


def write_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet_title: str,
    font_name: str = DEFAULT_FONT,
    created: date | datetime | None = None,
    title: str | None = None,
) -> bytes:
    """One sheet: a bold header row then `rows`; byte-identical for the same arguments.

    Strings keep embedded newlines (the cell wraps). `created` fixes the workbook's
    created/modified properties (default: a constant, never the clock).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    from meti_pi.word import deterministic_zip

    wb = Workbook()
    ws = wb.active
    ws.title = safe_sheet_title(sheet_title)
    # charset 128 = SHIFTJIS_CHARSET: tells Excel the font is a Japanese one.
    body_font = Font(name=font_name, size=11, charset=128)
    head_font = Font(name=font_name, size=11, charset=128, bold=True)
    head_fill = PatternFill(fill_type="solid", start_color="FFD9D9D9", end_color="FFD9D9D9")
    top = Alignment(vertical="top", wrap_text=True)

    # Long headers wrap instead of widening their column: the body decides the width.
    widths = [min(display_width(str(h)), HEADER_WIDTH) for h in headers]
    for c, h in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=c, value=_clean(h))
        cell.data_type = "s"
        cell.font, cell.fill, cell.alignment = head_font, head_fill, top
    ncols = len(headers)
    r = 1
    for r, values in enumerate(rows, start=2):
        if len(values) != ncols:
            raise ValueError(f"row {r - 1} has {len(values)} cells, expected {ncols}")
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                text = _clean(str(value))
                cell = ws.cell(row=r, column=c, value=text)
                cell.data_type = "s"  # never a formula, whatever the text starts with
                longest = max((display_width(line) for line in text.split("\n")), default=0)
            else:
                cell = ws.cell(row=r, column=c, value=value)
                longest = display_width(str(value))
            cell.font, cell.alignment = body_font, top
            widths[c - 1] = max(widths[c - 1], longest)
    final = [min(MAX_COLUMN_WIDTH, max(8, w + 2)) for w in widths]
    for c, w in enumerate(final, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    # Row heights for wrapped text: not every reader re-flows rows on load (LibreOffice keeps
    # the default height and clips), so set them from the number of lines each cell needs.
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ncols):
        lines = 1
        for cell in row:
            if isinstance(cell.value, str):
                lines = max(lines, wrapped_lines(cell.value, final[cell.column - 1] - 1))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = LINE_HEIGHT_PT * lines + 2
    ws.freeze_panes = "A2"
    if ncols:
        ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{max(r, 1)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = "1:1"

    stamp = _naive(created)
    props = wb.properties
    props.creator = ""
    props.lastModifiedBy = ""
    props.title = title or ""
    props.created = stamp
    props.modified = stamp
    props.lastPrinted = None

    import zipfile

    buf = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook() would set `modified` to now.
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    return deterministic_zip(buf.getvalue())


def read_table(data: bytes) -> list[list[Any]]:
    """Every row of the first sheet as values (None for empty cells); for tests."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        ws = wb.worksheets[0]
        return [list(row) for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _clean(text: str) -> str:
    return _ILLEGAL.sub("", str(text))


def _naive(value: date | datetime | None) -> datetime:
    if value is None:
        return FIXED_TIMESTAMP
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime(value.year, value.month, value.day)
