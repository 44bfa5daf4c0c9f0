"""The .xlsx guard counts the used range as python-calamine allocates it (issue 15's limits).

calamine places a cell by its own reference (<c r="Z800000">) when it has one, whatever its
<row r="...">: a cell far from the data inside row 1 made the guard see one row while calamine
allocated 800,000 x 26 cells. Every test here is refused by the guard, before calamine reads the
sheet (nothing large is ever allocated).
"""

from __future__ import annotations

import re
import threading
import time
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
    for n in range(800):
        widths = (1, 1, 1, 2, 3) if n % 2 else (1,)  # every other sheet within A-Z (the one-search path)
        parts = []
        row = rng.randrange(1, 3_000_000)
        for _ in range(rng.randrange(0, 40)):
            cells = []
            for _ in range(rng.randrange(0, 4)):
                letters = "".join(rng.choice("ABCXYZabz") for _ in range(rng.choice(widths)))
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


# -- the sheets are checked in a forked child while calamine opens the workbook -----------------


def _shared_bomb(path: Path, rows_xml: str, size: int) -> Path:
    """workbook() plus a shared-strings part of `size` bytes (compresses ~1000:1)."""
    workbook(path, rows_xml)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, z.open("xl/sharedStrings.xml", "w") as out:
        out.write(f'<sst xmlns="{_NS}" count="1" uniqueCount="1"><si><t>'.encode())
        for _ in range(size >> 20):
            out.write(b"A" * (1 << 20))
        out.write(b"</t></si></sst>")
    return path


class _Spy:
    """procs.beside as datasets calls it, with each child kept (to see it was reaped) and, with
    `check`, the child given another check than the one asked for."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, check: object = None) -> None:
        from meti_pi import procs

        self.children: list[procs.Beside | None] = []
        real = procs.beside

        def spied(*asked: object) -> object:
            child = real(*([check] * len(asked) if check is not None else asked))  # type: ignore[arg-type]
            self.children.append(child)
            return child

        monkeypatch.setattr(datasets.procs, "beside", spied)

    def assert_reaped(self) -> None:
        import os

        assert self.children, "the guard asked for no child"
        for child in self.children:
            if child is not None:
                with pytest.raises(ChildProcessError):
                    os.waitpid(child.pid, os.WNOHANG)


REFUSED = [
    ("far", f'<row r="1">{_cell("A1")}{_cell("Z800000")}</row>', 0, "800,000 rows x 26 columns"),
    (
        "bomb",
        f'<row r="1">{_cell("A1")}</row>',
        3 << 20,
        "shared strings (the text of its cells) expand to more than 2 MiB",
    ),
    # both refused: the sheet's message, as when both were checked in one process
    ("both", f'<row r="1">{_cell("A1")}{_cell("Z800000")}</row>', 3 << 20, "800,000 rows x 26 columns"),
]


@pytest.mark.parametrize(("name", "rows_xml", "shared", "message"), REFUSED)
@pytest.mark.parametrize(("fork", "early"), [(True, False), (True, True), (False, True)])
def test_a_refused_workbook_is_refused_alike_with_and_without_the_child(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    rows_xml: str,
    shared: int,
    message: str,
    fork: bool,
    early: bool,
) -> None:
    """Checked in one process, in a child forked when the workbook is opened, or in two children
    started early (for_the_cli, as the CLI does): the same refusal, and no child left."""
    from meti_pi import procs
    from meti_pi.classify import xlsxbounds

    monkeypatch.setattr(xlsxbounds, "MAX_SHARED_STRINGS_BYTES", 2 << 20)  # a small bomb (the child inherits it)
    path = tmp_path / f"{name}.xlsx"
    _shared_bomb(path, rows_xml, shared) if shared else workbook(path, rows_xml)
    monkeypatch.setattr(procs, "CAN_FORK", procs.CAN_FORK and fork)
    spy = _Spy(monkeypatch)
    with pytest.raises(UsageError, match=re.escape(message)) as err:
        if early:
            with datasets.for_the_cli(path, keep=False):
                datasets.open_dataset(path)
        else:
            datasets.open_dataset(path)
    assert str(err.value).startswith(f"{path}: the workbook's ")
    forked = spy.children[0] is not None
    assert forked == (fork and procs.CAN_FORK and threading.active_count() == 1)
    # early: one child for both checks; without fork: asked early, then here
    assert len(spy.children) == (2 if early and not forked else 1) and datasets._EARLY == {}
    spy.assert_reaped()


def test_a_child_that_fails_otherwise_leaves_the_check_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child's answer is trusted only when it passed: a child that crashed or was killed makes
    this process check the sheets itself (an ordinary workbook then reads; a far cell is refused)."""

    def crash() -> None:
        raise MemoryError

    spy = _Spy(monkeypatch, crash)
    rows_xml = "".join(f'<row r="{r}">{_cell(f"A{r}", "山田")}</row>' for r in range(1, 5))
    with datasets.open_dataset(workbook(tmp_path / "ok.xlsx", rows_xml)) as dataset:
        assert [len(b) for b in next(dataset.tables).batches] == [3]
    with pytest.raises(UsageError, match="800,000 rows x 26 columns"):
        datasets.open_dataset(workbook(tmp_path / "far.xlsx", f'<row r="1">{_cell("A1")}{_cell("Z800000")}</row>'))
    spy.assert_reaped()


def test_the_workbook_is_handed_out_only_after_the_child_has_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow child: open_dataset returns only once the child's check has finished (it writes a
    mark as its last act), so no sheet can be read before the sheets have passed."""
    from meti_pi import procs

    if not procs.CAN_FORK or threading.active_count() > 1:
        pytest.skip("no fork here")
    mark = tmp_path / "checked"

    def slow_pass() -> None:
        time.sleep(0.5)
        mark.write_text("done")

    spy = _Spy(monkeypatch, slow_pass)
    rows_xml = "".join(f'<row r="{r}">{_cell(f"A{r}", "山田")}</row>' for r in range(1, 5))
    with datasets.open_dataset(workbook(tmp_path / "ok.xlsx", rows_xml)) as dataset:
        assert mark.read_text() == "done"
        assert [len(b) for b in next(dataset.tables).batches] == [3]
    spy.assert_reaped()


def test_an_interrupt_while_the_workbook_opens_ends_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or any error) in this process while the child checks: the child is ended and reaped."""
    import time

    real = datasets.check_part

    def slow_or_interrupted(path: Path, *, shared: bool) -> None:
        if shared:
            raise KeyboardInterrupt
        time.sleep(60)  # the child: still checking when this process is interrupted

    monkeypatch.setattr(datasets, "check_part", slow_or_interrupted)
    spy = _Spy(monkeypatch)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        datasets.open_dataset(workbook(tmp_path / "ok.xlsx", f'<row r="1">{_cell("A1")}</row>'))
    assert time.monotonic() - started < 30
    spy.assert_reaped()
    monkeypatch.setattr(datasets, "check_part", real)


def test_a_damaged_deflate_stream_is_an_unreadable_workbook(tmp_path: Path) -> None:
    """Bytes of a sheet's compressed data damaged (zlib raises, not zipfile): exit 2 with the
    guard's message, not an unexpected error."""
    path = workbook(tmp_path / "ok.xlsx", "".join(f'<row r="{r}">{_cell(f"A{r}")}</row>' for r in range(1, 200)))
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + 25):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(UsageError, match=r"unreadable \.xlsx workbook \(damaged or truncated zip\)"):
        datasets.open_dataset(path)


def test_checks_started_early_are_taken_by_the_open_or_ended_when_the_block_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """for_the_cli starts the two checks for an .xlsx file only; open_dataset takes them (the
    workbook reads); checks nobody took (the command failed before opening the file) are ended and
    reaped when the block ends; procs ends any still running at exit."""
    import os

    from meti_pi import procs

    spy = _Spy(monkeypatch)
    fifo = tmp_path / "fifo.xlsx"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)  # a FIFO would block the child's read
    (tmp_path / "a.csv").write_text("a\n")
    for other in (tmp_path / "a.csv", tmp_path / "missing.xlsx", tmp_path, fifo):
        with datasets.for_the_cli(other, keep=False):
            assert datasets._EARLY == {}
    assert spy.children == []
    if not procs.CAN_FORK or threading.active_count() > 1:
        pytest.skip("no fork here: nothing starts early")
    rows_xml = "".join(f'<row r="{r}">{_cell(f"A{r}", "山田")}</row>' for r in range(1, 5))
    path = workbook(tmp_path / "ok.xlsx", rows_xml)
    with datasets.for_the_cli(path, keep=False):
        assert len(spy.children) == 1 and list(datasets._EARLY) == [str(path)]
        with datasets.open_dataset(path) as dataset:
            assert [len(b) for b in next(dataset.tables).batches] == [3]
        assert datasets._EARLY == {}
    spy.assert_reaped()
    with pytest.raises(UsageError), datasets.for_the_cli(workbook(tmp_path / "unused.xlsx", rows_xml), keep=False):
        assert len(spy.children) == 2
        raise UsageError("the command failed before opening the file")
    assert datasets._EARLY == {} and procs._BESIDE == []
    spy.assert_reaped()
    child = procs.beside(lambda: time.sleep(60))  # still running at exit: ended by procs
    assert child is not None and [child] == procs._BESIDE
    procs._stop_beside()
    assert procs._BESIDE == [] and not child.passed()
