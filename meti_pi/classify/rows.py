"""The rows of a table as the readers give them (meti_pi.classify.datasets): padded or cut to the
table's width, the rows above a table (a title, blank lines) told from its first row, and a JSON
line's members as cells."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from meti_pi.errors import UsageError

Row = list[str]


def fit_width(batch: list[Row], width: int) -> list[Row]:
    """Rows padded or cut to `width` cells (ragged CSV rows; zip(*rows) would truncate silently)."""
    if len(set(map(len, batch))) == 1 and len(batch[0]) == width:
        return batch
    return [
        row + [""] * (width - len(row)) if len(row) < width else row[:width] if len(row) > width else row
        for row in batch
    ]


def beyond_width(row: Sequence[str], width: int) -> bool:
    """A value right of the table's `width` columns (empty cells there, a trailing ',', are not)."""
    return len(row) > width and any(cell.strip() for cell in row[width:])


def check_width(batch: list[Row], width: int, end: int, path: Path | str) -> None:
    """UsageError when a row of `batch` (the rows just read, the last ending on line `end`) has a
    value right of the table's `width` columns: cut, it would go unscanned (the width is set by the
    first rows: a file is streamed). Empty cells there (a trailing ',') are cut as before."""
    if max(map(len, batch), default=0) <= width:
        return
    line = end  # where the batch's last row ends: counted back to the wide row's start
    for row in reversed(batch):
        line -= sum(cell.count("\n") for cell in row)
        if beyond_width(row, width):
            raise UsageError.at(
                path,
                line,
                f"a row with values right of the table's {width} columns (the widest of "
                "its first rows): those cells would not be scanned; give every column a header cell "
                "(or one row of the full width near the top) and run again",
            )
        line -= 1


def filled(row: Sequence[Any]) -> int:
    return sum(1 for cell in row if cell is not None and str(cell).strip())


def skip_title_rows(
    first: Row, below: list[Row], width: int, is_header: Callable[[Row, list[Row]], bool] | None = None
) -> tuple[Row, list[Row], int]:
    """The table's first row past the rows above it: a title (令和6年度 職員名簿) and blank lines, each
    of one cell at most, above a table of two columns or more. Read as the table, the title became
    its header (the real one then counted as a person) and its header words were lost. Only rows
    at the top are passed over, and only up to the first of two cells or more; (first row, the rows
    after it, how many were passed over).

    With `is_header` (the scanner's rule: whether a row is a header over the rows below it), rows
    of more cells are passed over too when a header follows within MAX_TITLE_ROWS and each row
    above it has fewer values than it (職員名簿 | 令和6年4月1日現在 over 職員番号 | 氏名 | 障害の有無:
    the header was lost, its 要配慮 column unseen). A first row that is a header stays the header."""
    skipped = 0
    if width > 1 and any(filled(r) > 1 for r in below):
        while filled(first) <= 1 and below:
            first, below, skipped = list(below[0]), below[1:], skipped + 1
    k = _header_below(first, below, is_header) if is_header is not None else 0
    if k:
        first, below, skipped = list(below[k - 1]), below[k:], skipped + k
    return first, below, skipped


MAX_TITLE_ROWS = 5  # rows of more than one value passed over above a header, at most


def titled(first: Sequence[Any], below: Sequence[Sequence[Any]]) -> bool:
    """Whether rows above a table may begin at `first` (counting filled cells only: cheap): a row of
    one value at most, or one with fewer values than a row among the next MAX_TITLE_ROWS."""
    return filled(first) <= 1 or bool(_fuller_rows(first, below))


def _fuller_rows(first: Sequence[Any], below: Sequence[Sequence[Any]]) -> list[int]:
    """k for each of the next MAX_TITLE_ROWS rows (below[k - 1]) with more values than every row
    from `first` down to it."""
    fuller, most = [], filled(first)
    for k, row in enumerate(below[:MAX_TITLE_ROWS], start=1):
        n = filled(row)
        if n > most:
            fuller.append(k)
        most = max(most, n)
    return fuller


def _header_below(first: Row, below: list[Row], is_header: Callable[[Row, list[Row]], bool]) -> int:
    """k when below[k - 1] is the header and the rows above it have fewer values; 0 for none."""
    fuller = _fuller_rows(first, below)
    if not fuller or is_header(first, below):
        return 0
    return next((k for k in fuller if is_header(below[k - 1], below[k:])), 0)


def json_members(obj: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    """An object's members, a nested object's as columns of their own (本人.個人番号: read as one
    cell of JSON text, a 個人番号 in it went unseen: 管理C for a file of 管理A)."""
    for key, value in obj.items():
        if isinstance(value, dict) and value:
            yield from json_members(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def json_text(value: Any) -> str:
    """A JSON value as text: strings as they are, other values as compact JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
