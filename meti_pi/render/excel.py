"""Excel (.xlsx) output of one table; the only openpyxl importer.

`write_table(headers, rows, sheet_title=...)` (one table) and `write_workbook([Sheet, ...])`
(several sheets; a sheet may list one record per page as 項目 | 内容) return the same bytes for
the same input: the
workbook's created/modified properties are fixed (openpyxl's own `save` would stamp the clock)
and the zip is rewritten with fixed timestamps, member order and compression (shared with
meti_pi.render.ooxml). Every cell uses a Japanese font; text that starts with '=' stays text (no
formula is ever written), the header row is bold, frozen and filterable, and every sheet is set
up to print: A4, fitted to the page width, the header row repeated on each page.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from meti_pi.render.ooxml import deterministic_zip

DEFAULT_FONT = "ＭＳ Ｐゴシック"
FIXED_TIMESTAMP = datetime(2000, 1, 1, 0, 0, 0)  # openpyxl writes naive datetimes as UTC
MAX_COLUMN_WIDTH = 50  # in Excel character units; longer text wraps
HEADER_WIDTH = 24  # a header wider than this wraps
LINE_HEIGHT_PT = 15.0  # one line of 11 pt Japanese text
RECORD_TEXT_WIDTH = 70  # the 内容 column of a record sheet (portrait A4, fitted to width)
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


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a table (a bold header row, then `rows`), or with `records=True` one
    record per printed page as two columns 項目 | 内容 (`rows` are the records, `headers` the
    item names: the e-Gov layout of the ファイル簿)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    records: bool = False
    landscape: bool = True
    paper: str = "A4"  # or "A3": a wide table fitted to one page width stays readable on A3


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
    return write_workbook([Sheet(sheet_title, headers, list(rows))], font_name=font_name, created=created, title=title)


def write_workbook(
    sheets: Sequence[Sheet],
    *,
    font_name: str = DEFAULT_FONT,
    created: date | datetime | None = None,
    title: str | None = None,
) -> bytes:
    """A workbook of `sheets`, ready to print: A4, fitted to the page width, the header row
    repeated on each page and frozen on screen. Byte-identical for the same arguments."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(safe_sheet_title(sheet.title))
        if sheet.records:
            _record_sheet(ws, sheet, font_name)
        else:
            _table_sheet(ws, sheet, font_name)
        _print_setup(ws, sheet)

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


def _styles(font_name: str) -> tuple[Any, Any, Any, Any]:
    from openpyxl.styles import Alignment, Font, PatternFill

    # charset 128 = SHIFTJIS_CHARSET: tells Excel the font is a Japanese one.
    body_font = Font(name=font_name, size=11, charset=128)
    head_font = Font(name=font_name, size=11, charset=128, bold=True)
    head_fill = PatternFill(fill_type="solid", start_color="FFD9D9D9", end_color="FFD9D9D9")
    top = Alignment(vertical="top", wrap_text=True)
    return body_font, head_font, head_fill, top


def _put(ws: Any, r: int, c: int, value: Cell, font: Any, alignment: Any) -> int:
    """Write one cell (text always as text, never a formula); its longest line's width."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = _clean(str(value))
        cell = ws.cell(row=r, column=c, value=text)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        longest = max((display_width(line) for line in text.split("\n")), default=0)
    else:
        cell = ws.cell(row=r, column=c, value=value)
        longest = display_width(str(value))
    cell.font, cell.alignment = font, alignment
    return longest


def _row_heights(ws: Any, widths: list[int], ncols: int) -> None:
    # Row heights for wrapped text: not every reader re-flows rows on load (LibreOffice keeps
    # the default height and clips), so set them from the number of lines each cell needs.
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ncols):
        lines = 1
        for cell in row:
            if isinstance(cell.value, str):
                lines = max(lines, wrapped_lines(cell.value, widths[cell.column - 1] - 1))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = LINE_HEIGHT_PT * lines + 2


def _table_sheet(ws: Any, sheet: Sheet, font_name: str) -> None:
    from openpyxl.utils import get_column_letter

    body_font, head_font, head_fill, top = _styles(font_name)
    headers = sheet.headers
    # Long headers wrap instead of widening their column: the body decides the width.
    widths = [min(display_width(str(h)), HEADER_WIDTH) for h in headers]
    for c, h in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=c, value=_clean(h))
        cell.data_type = "s"
        cell.font, cell.fill, cell.alignment = head_font, head_fill, top
    ncols = len(headers)
    r = 1
    for r, values in enumerate(sheet.rows, start=2):
        if len(values) != ncols:
            raise ValueError(f"row {r - 1} has {len(values)} cells, expected {ncols}")
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            widths[c - 1] = max(widths[c - 1], _put(ws, r, c, value, body_font, top))
    final = [min(MAX_COLUMN_WIDTH, max(8, w + 2)) for w in widths]
    for c, w in enumerate(final, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    _row_heights(ws, final, ncols)
    ws.freeze_panes = "A2"
    if ncols:
        ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{max(r, 1)}"
    ws.print_title_rows = "1:1"


def _record_sheet(ws: Any, sheet: Sheet, font_name: str) -> None:
    """Each record as 項目 | 内容 rows, one record per printed page (a page break between)."""
    from openpyxl.styles import Border, Side
    from openpyxl.worksheet.pagebreak import Break

    body_font, head_font, head_fill, top = _styles(font_name)
    thin = Side(style="thin", color="FF808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    widths = [
        max(8, min(HEADER_WIDTH, max((display_width(str(h)) for h in sheet.headers), default=8)) + 2),
        RECORD_TEXT_WIDTH,
    ]
    for c, h in enumerate(("項目", "内容"), start=1):
        cell = ws.cell(row=1, column=c, value=h)
        cell.data_type = "s"
        cell.font, cell.fill, cell.alignment = head_font, head_fill, top
    r = 1
    for n, values in enumerate(sheet.rows):
        if len(values) != len(sheet.headers):
            raise ValueError(f"record {n + 1} has {len(values)} values, expected {len(sheet.headers)}")
        if n:
            ws.row_breaks.append(Break(id=r))
        for h, value in zip(sheet.headers, values, strict=True):
            r += 1
            _put(ws, r, 1, h, head_font, top)
            _put(ws, r, 2, "" if value is None else value, body_font, top)
            ws.cell(row=r, column=1).border = ws.cell(row=r, column=2).border = box
    ws.column_dimensions["A"].width = widths[0]
    ws.column_dimensions["B"].width = widths[1]
    _row_heights(ws, widths, 2)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"


def _print_setup(ws: Any, sheet: Sheet) -> None:
    """A4, fitted to one page wide (as many pages tall as needed), centred, header repeated."""
    ws.page_setup.orientation = "landscape" if sheet.landscape and not sheet.records else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if sheet.paper == "A3" else ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: as many pages as the rows need
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75


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
