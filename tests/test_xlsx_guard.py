"""The .xlsx guard counts the used range as python-calamine allocates it (issue 15's limits).

calamine places a cell by its own reference (<c r="Z800000">) when it has one, whatever its
<row r="...">: a cell far from the data inside row 1 made the guard see one row while calamine
allocated 800,000 x 26 cells. Every test here is refused by the guard, before calamine reads the
sheet (nothing large is ever allocated).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from meti_pi.classify import datasets
from meti_pi.errors import UsageError

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
PARTS = {
    "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" xmlns:r="{_REL}">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def workbook(path: Path, rows_xml: str) -> Path:
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_NS}"><sheetData>{rows_xml}</sheetData></worksheet>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in {**PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            z.writestr(name, text)
    return path


def _cell(ref: str, text: str = "x", attrs: str = "") -> str:
    return f'<c r="{ref}"{attrs} t="inlineStr"><is><t>{text}</t></is></c>'


@pytest.mark.parametrize(
    "rows_xml",
    [
        f'<row r="1">{_cell("A1")}{_cell("Z800000")}</row>',  # the far cell inside row 1
        f'<row r="1" spans="1:26">{_cell("A1")}<c s="0" r="Z800000" t="inlineStr"><is><t>x</t></is></c></row>',
        f'<row r="1">{_cell("A1")}</row><row r="12345678">{_cell("B12345678")}</row>',  # past 7 digits
        f'<row r="1">{_cell("A1")}{_cell("AAAA1")}</row><row r="2000">{_cell("A2000")}</row>',  # 4 letters
    ],
)
def test_the_used_range_counts_each_cells_own_reference(tmp_path: Path, rows_xml: str) -> None:
    path = workbook(tmp_path / "far.xlsx", rows_xml)
    with pytest.raises(UsageError, match="a cell far from the data makes the whole range be read"):
        datasets.check_xlsx_bounds(path)


def test_an_ordinary_sheet_passes_and_reads(tmp_path: Path) -> None:
    rows_xml = "".join(f'<row r="{r}">{_cell(f"A{r}", "山田")}{_cell(f"B{r}", "東京都")}</row>' for r in range(1, 60))
    path = workbook(tmp_path / "ok.xlsx", rows_xml)
    datasets.check_xlsx_bounds(path)
    with datasets.open_dataset(path) as dataset:
        table = next(dataset.tables)
        assert table.first_row == ["山田", "東京都"]
        assert sum(len(b) for b in table.batches) == 58


@pytest.mark.parametrize(
    "far",
    [
        _cell("z800000"),  # lower-case letters: calamine reads them
        '<c\nr="Z800000" t="inlineStr"><is><t>x</t></is></c>',  # a line break before the reference
        '<c\tr="Z800000" t="inlineStr"><is><t>x</t></is></c>',
        f'<x:c xmlns:x="{_NS}" r="Z800000" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c>',  # a prefix
    ],
)
def test_far_cells_in_other_spellings_are_counted(tmp_path: Path, far: str) -> None:
    path = workbook(tmp_path / "far.xlsx", f'<row r="1">{_cell("A1")}{far}</row>')
    with pytest.raises(UsageError, match="800,000 rows x 26 columns"):
        datasets.check_xlsx_bounds(path)


def test_the_bound_is_never_below_the_used_range() -> None:
    """xlsxbounds._range_bound (a few searches per block) never gives less than _block_range (every
    reference parsed), and its columns are the same: random blocks of rows and cells with far cells,
    leading zeros, lower-case letters, prefixes, wide columns, references cut at the block's edges."""
    import random

    from meti_pi.classify import xlsxbounds

    rng = random.Random(7)
    for _ in range(400):
        parts = []
        row = rng.randrange(1, 3_000_000)
        for _ in range(rng.randrange(0, 40)):
            cells = []
            for _ in range(rng.randrange(0, 4)):
                letters = "".join(rng.choice("ABCXYZabz") for _ in range(rng.choice((1, 1, 1, 2, 3))))
                number = str(row if rng.random() < 0.8 else rng.randrange(1, 10 ** rng.randrange(1, 9)))
                if rng.random() < 0.05:
                    number = "0" * rng.randrange(1, 4) + number
                cell = rng.choice(('<c r="{}{}">', '<c s="1" r="{}{}">', '<x:c r="{}{}">', '<c\nr="{}{}">'))
                cells.append(cell.format(letters, number) + "<v>1</v></c>")
            parts.append(f'<row r="{row}">{"".join(cells)}</row>')
            row += rng.randrange(1, 3)
        text = "".join(parts).encode()
        cut = rng.randrange(0, len(text) + 1)
        for block in (text, text[:cut], text[cut:]):
            rows, cols = rng.randrange(0, 100), rng.choice((0, 26, 30))
            exact = xlsxbounds._block_range(block, rows, cols)
            bound = xlsxbounds._range_bound(block, rows, cols)
            assert bound[0] >= exact[0] and bound[1] == exact[1], block


def test_a_bound_over_the_limit_is_decided_on_the_exact_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """120 rows x 26 columns: the bound (199 rows) is over a limit of 3,500 cells, the exact range is
    not: the sheet passes; at 3,000 cells it is refused with the exact range in the message."""
    from meti_pi.classify import xlsxbounds

    rows_xml = "".join(f'<row r="{r}">{_cell(f"A{r}")}{_cell(f"Z{r}")}</row>' for r in range(1, 121))
    path = workbook(tmp_path / "near.xlsx", rows_xml)
    monkeypatch.setattr(xlsxbounds, "MAX_SHEET_CELLS", 3_500)
    datasets.check_xlsx_bounds(path)
    monkeypatch.setattr(xlsxbounds, "MAX_SHEET_CELLS", 3_000)
    with pytest.raises(UsageError, match="spans 120 rows x 26 columns"):
        datasets.check_xlsx_bounds(path)
