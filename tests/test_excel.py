"""meti_pi.render.excel: one deterministic table with a Japanese font."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from meti_pi.render.excel import display_width, read_table, safe_sheet_title, write_table

HEADERS = ["個人情報ファイルの名称", "記録項目", "本人の数", "備考"]
ROWS = [
    ["職員研修受講者名簿", "1氏名、2所属", 1200, None],
    ["=HYPERLINK(\"http://x\")", "改行\nあり", 0, "+81"],
]


def _xlsx(**kw: object) -> bytes:
    return write_table(HEADERS, ROWS, sheet_title="個人情報ファイル簿", **kw)  # type: ignore[arg-type]


def test_round_trip_values() -> None:
    assert read_table(_xlsx()) == [HEADERS, ["職員研修受講者名簿", "1氏名、2所属", 1200, None], ROWS[1]]


def test_text_never_becomes_formula() -> None:
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(_xlsx())).active
    assert ws["A3"].data_type == "s"
    assert ws["A3"].value.startswith("=HYPERLINK")
    with zipfile.ZipFile(io.BytesIO(_xlsx())) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")


def test_japanese_font_bold_header_frozen() -> None:
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(_xlsx())).active
    assert ws.title == "個人情報ファイル簿"
    assert ws["A1"].font.name == "ＭＳ Ｐゴシック" and ws["A1"].font.b
    assert ws["A2"].font.name == "ＭＳ Ｐゴシック" and not ws["A2"].font.b
    assert ws["A2"].font.charset == 128
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:D3"
    # Column width follows the content; a long header wraps rather than widening its column,
    # and very long text is capped (it wraps too).
    assert ws.column_dimensions["A"].width == display_width("=HYPERLINK(\"http://x\")") + 2
    assert ws["A1"].alignment.wrap_text


def test_column_widths() -> None:
    import openpyxl

    long_header = "個人情報ファイルが利用に供される事務をつかさどる組織の名称"
    data = write_table([long_header, "b"], [["短い", "あ" * 100]], sheet_title="s")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.column_dimensions["A"].width == 24 + 2  # header capped at 24 half-width units
    assert ws.column_dimensions["B"].width == 50  # body capped at MAX_COLUMN_WIDTH
    # Rows tall enough for their wrapped text: 200 units in 49 -> 5 lines; header 58 in 25 -> 3.
    assert ws.row_dimensions[2].height == 15 * 5 + 2
    assert ws.row_dimensions[1].height == 15 * 3 + 2


def test_wrapped_lines() -> None:
    from meti_pi.render.excel import wrapped_lines

    assert wrapped_lines("", 10) == 1
    assert wrapped_lines("a" * 10, 10) == 1
    assert wrapped_lines("a" * 11, 10) == 2
    assert wrapped_lines("あ" * 5 + "\n" + "b", 10) == 2


def test_byte_identical_across_time() -> None:
    first = _xlsx()
    time.sleep(2.1)  # past a zip timestamp tick and a second of the core properties
    assert _xlsx() == first
    assert write_table(HEADERS, ROWS[:1], sheet_title="個人情報ファイル簿") != first


def test_fixed_properties_and_zip() -> None:
    data = _xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core and "openpyxl" not in core


def test_row_length_checked() -> None:
    with pytest.raises(ValueError):
        write_table(["a", "b"], [["only one"]], sheet_title="x")


def test_helpers() -> None:
    assert display_width("ab") == 2 and display_width("氏名") == 4 and display_width("ＡＢ") == 4
    assert safe_sheet_title("a/b:c") == "a_b_c"
    assert len(safe_sheet_title("x" * 40)) == 31
    # Control characters XML cannot hold are dropped rather than failing the export.
    assert read_table(write_table(["a"], [["x\x01y"]], sheet_title="s"))[1] == ["xy"]


def test_no_openpyxl_import_at_module_import() -> None:
    import sys

    code = "import sys, meti_pi.render.excel; print('openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_libreoffice_converts_xlsx(tmp_path: Path) -> None:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        pytest.skip("libreoffice/soffice not on PATH: install libreoffice-calc to run this check")
    src = tmp_path / "filebook.xlsx"
    src.write_bytes(_xlsx())
    subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "filebook.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "職員研修受講者名簿" in text
