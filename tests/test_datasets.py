"""Streaming dataset readers: encodings, formats, and errors that name file:line but never a value."""

from __future__ import annotations

import codecs
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from meti_pi.classify.datasets import BATCH_ROWS, cell_text, fit_width, open_dataset
from meti_pi.classify.rawtext import decode_error_line, sniff_encoding
from meti_pi.errors import UsageError

SECRET = "秘密の値ZZ"  # planted in broken inputs: no message may quote it


def rows_of(path: Path, sheet: str | None = None) -> list[tuple[str, list[str], list[list[str]]]]:
    with open_dataset(path, sheet) as ds:
        return [(t.name, list(t.first_row), [row for batch in t.batches for row in batch]) for t in ds.tables]


# ------------------------------------------------------------------ encodings


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("氏名,住所\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "氏名\n".encode(), "utf-8-sig"),
        ("氏名,住所\n".encode("cp932"), "cp932"),
        ("①髙橋,～\n".encode("cp932"), "cp932"),  # NEC/IBM extensions: CP932, not plain Shift_JIS
        (b"name,age\n", "utf-8"),
        ("氏名\n".encode("utf-16"), "utf-16"),
    ],
)
def test_sniff_encoding(raw: bytes, encoding: str) -> None:
    assert sniff_encoding(raw) == encoding


def test_sniff_tolerates_a_character_cut_at_the_end_of_the_sample() -> None:
    assert sniff_encoding("氏名".encode()[:-1]) == "utf-8"


def test_sniff_refuses_other_encodings() -> None:
    with pytest.raises(UsageError, match="not UTF-8 or Shift_JIS"):
        sniff_encoding(b"\x81\x00\xff\xfe\xfd" * 3, "x.csv")


def test_sniff_names_the_line_where_shift_jis_fails(tmp_path: Path) -> None:
    """A Shift_JIS file with a byte CP932 does not define (0x85 0x40) in its head: the line named is
    that byte's, not the header's (where UTF-8 gave up on the first kanji)."""
    path = tmp_path / "a.csv"
    path.write_bytes(
        "氏名,電話番号\n".encode("cp932") + "山田太郎,03-1234-5678\n".encode("cp932") * 10 + b"\x85\x40,x\n"
    )
    with pytest.raises(UsageError, match=r"a\.csv:12: not UTF-8 or Shift_JIS"):
        rows_of(path)
    utf8 = tmp_path / "b.csv"  # UTF-8 text, then a bad byte: its line, wherever CP932 stops
    utf8.write_bytes("氏名,電話番号\n山田太郎,03-1234-5678\n".encode() + b"\xff,x\n" + "鈴木花子,x\n".encode() * 5)
    with pytest.raises(UsageError, match=r"b\.csv:3: not UTF-8 or Shift_JIS"):
        rows_of(utf8)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text("氏名,番号\n山田 太郎,0012\n髙橋 花子,0034\n", encoding=encoding)
    [(_, first, rows)] = rows_of(path)
    assert first == ["氏名", "番号"]  # the BOM is not part of the first column name
    assert rows == [["山田 太郎", "0012"], ["髙橋 花子", "0034"]]  # leading zeros kept


def test_tsv_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    path.write_text('氏名\t備考\n山田\t"二行\nの備考"\n', encoding="utf-8")
    [(_, first, rows)] = rows_of(path)
    assert first == ["氏名", "備考"]
    assert rows == [["山田", "二行\nの備考"]]


@pytest.mark.parametrize(
    ("name", "encoding", "text", "line"),
    [
        ("a.csv", "utf-8", '職員番号,氏名\n1,山田\n2,"' + SECRET + '\n' + "".join(f"{i},x\n" for i in range(3, 40)), 3),
        ("a.csv", "utf-8", '職員番号,氏名\n1,山田\n2,"' + SECRET, 3),  # no line end after it
        ("a.csv", "cp932", '職員番号,氏名\n1,山田\n2,"' + SECRET + "\n3,x\n", 3),
        ("a.tsv", "utf-8", '職員番号\t氏名\n1\t山田\n2\t"' + SECRET + "\n3\tx\n", 3),
        ("a.csv", "utf-8", '"職員番号,氏名\n1,山田\n', 1),  # in the first record
    ],
)
def test_a_quote_left_open_is_refused_with_its_line(
    tmp_path: Path, name: str, encoding: str, text: str, line: int
) -> None:
    """The csv module (not strict) reads an unclosed quote's rest of the file as one cell: a review's
    3,000-row file with one on line 3 was classified as 3 rows, exit 0. Now refused at that line."""
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    with pytest.raises(UsageError, match=f":{line}: a quoted cell is never closed") as info:
        rows_of(path)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("end", ["\n", "\r\n", ""])
def test_a_file_ending_in_a_closed_quoted_cell_reads_whole(tmp_path: Path, end: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f'氏名,備考\n佐藤,"5"" disk"\n山田,"二行\nの備考"{end}', encoding="utf-8", newline="")
    [(_, first, rows)] = rows_of(path)
    assert first == ["氏名", "備考"]
    assert rows == [["佐藤", '5" disk'], ["山田", "二行\nの備考"]]


def test_decode_error_mid_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    good = "氏名\n" + "山田 太郎\n" * 300_000  # more than the 1 MiB sniffed
    path.write_bytes(good.encode() + SECRET.encode("cp932") + b"\n")
    with pytest.raises(UsageError) as err:
        rows_of(path)
    assert f"{path}:300002:" in str(err.value)
    assert SECRET not in str(err.value)


def test_decode_error_line_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a\nb\nc\xff\n")
    assert decode_error_line(path, "utf-8") == 3


# ------------------------------------------------------------------ csv shape


def test_ragged_rows_are_padded_to_the_widest_first_row(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a,b,c\n1\n1,2,3,4\n1,2,3\n", encoding="utf-8")
    [(_, first, rows)] = rows_of(path)
    assert first == ["a", "b", "c", ""]
    assert rows == [["1", "", "", ""], ["1", "2", "3", "4"], ["1", "2", "3", ""]]


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])  # the columnar engine, the row-by-row pass
def test_cells_right_of_a_short_header_are_scanned(tmp_path: Path, encoding: str) -> None:
    """A header naming only the first columns (氏名,住所) over rows that also hold a 個人番号 and a
    病名: those cells were cut from every row, silently, and the file classified 管理B, not 管理A."""
    from meti_pi.classify.checkdigits import my_number_check_digit
    from meti_pi.classify.detect import scan

    def my_number(i: int) -> str:
        body = f"{31415926535 + i * 7919:011d}"
        n = body + str(my_number_check_digit(body))
        return f"{n[:4]}-{n[4:8]}-{n[8:]}"

    path = tmp_path / "a.csv"
    lines = ["氏名,住所"]
    lines += [
        f"山田 太郎{i},東京都千代田区霞が関{i % 3 + 1}丁目,{my_number(i)},{['糖尿病', 'なし'][i % 2]}"
        for i in range(40)
    ]
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    [(_, first, rows)] = rows_of(path)
    assert len(first) == 4 and all(len(r) == 4 for r in rows)
    result = scan(path)
    assert result.columns == ("氏名", "住所", "列3", "列4")
    assert {"my_number", "sensitive:medical_history"} <= {d.kind for d in result.confirmed()}


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_a_later_row_wider_than_the_table_is_refused_not_cut(tmp_path: Path, encoding: str) -> None:
    """Past the first batch the width is set: a value further right is refused with its line (cut,
    it went unscanned); empty cells there (a trailing ',') are cut as before."""
    from meti_pi.classify.detect import scan

    lines = ["氏名,住所"] + [f"山田 太郎,東京都千代田区霞が関{i % 3 + 1}丁目" for i in range(3 * BATCH_ROWS)]
    lines[2 * BATCH_ROWS] += ",,"
    path = tmp_path / "a.csv"
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    assert scan(path).rows == 3 * BATCH_ROWS
    lines[2 * BATCH_ROWS + 7] += f",{SECRET}"
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    with pytest.raises(UsageError, match=rf"a\.csv:{2 * BATCH_ROWS + 8}: a row with values right of") as info:
        scan(path)
    assert SECRET not in str(info.value)


def test_fit_width_keeps_equal_rows() -> None:
    batch = [["1", "2"], ["3", "4"]]
    assert fit_width(batch, 2) is batch


def test_rows_come_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("n\n" + "".join(f"{i}\n" for i in range(BATCH_ROWS * 2 + 5)), encoding="utf-8")
    with open_dataset(path) as ds:
        table = next(ds.tables)
        sizes = [len(b) for b in table.batches]
    assert sizes == [BATCH_ROWS, BATCH_ROWS, 5]


# a BOM alone: Excel's "CSV UTF-8" of an empty sheet (it was scanned as one row, 管理C)
@pytest.mark.parametrize("content", [b"", b"\n\n", b"   \r\n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\r\n"])
def test_empty_csv_is_unreadable_input(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    with pytest.raises(UsageError, match="empty file"):
        rows_of(path)


def test_nul_bytes_anywhere_are_refused_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes("氏名,番号\n".encode() + b"a,1\n" * 70000 + b"b,\x002\n")
    with pytest.raises(UsageError, match=r"n\.csv:70002: NUL bytes"):
        rows_of(path)


def test_utf8_lines_in_a_shift_jis_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes("氏名,住所\n山田,東京\n".encode("cp932") + "佐藤,大阪\n".encode())
    with pytest.raises(UsageError, match=r"m\.csv:3: UTF-8 text in a file read as Shift_JIS"):
        rows_of(path)


def test_a_pure_shift_jis_file_streams(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(("氏名,住所\n" + "山田太郎,東京都千代田区霞が関\n" * 5000).encode("cp932"))
    ((_name, header, rows),) = rows_of(path)
    assert header == ["氏名", "住所"] and len(rows) == 5000


def test_csv_module_errors_are_rephrased_without_input_text() -> None:
    import csv

    from meti_pi.classify.datasets import _csv_problem

    assert _csv_problem(csv.Error("field larger than field limit (131072)")).startswith(
        "field larger than field limit: a cell of more than"
    )
    assert _csv_problem(csv.Error(f"something about {SECRET}")) == "unreadable row"


# ------------------------------------------------------------------ jsonl


def test_jsonl_values_as_text_and_growing_keys(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    lines = [{"id": "001", "n": 7, "ok": True}, {}, {"id": "002", "extra": {"b": 1, "a": [1, 2]}, "none": None}]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n", encoding="utf-8")
    with open_dataset(path) as ds:
        table = next(ds.tables)
        rows = [r for b in table.batches for r in b]
        header = list(table.first_row)
    assert table.keyed
    assert header == ["id", "n", "ok", "extra.b", "extra.a", "none"]  # a nested object's members: columns
    assert rows == [["001", "7", "true", "", "", ""], ["", "", "", "", "", ""], ["002", "", "", "1", "[1,2]", ""]]


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\ufeff", "\ufeff\n"])
def test_jsonl_without_a_line_is_refused_as_an_empty_csv_is(tmp_path: Path, text: str) -> None:
    """It was read as 0 rows: 管理C, no personal information, and --record wrote that down."""
    path = tmp_path / "e.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match="empty file; there is nothing to classify"):
        rows_of(path)


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ('{"a": "' + SECRET + '"', "not valid JSON"),
        ('["' + SECRET + '"]', "JSON object"),
        # more digits than Python turns into an int (4,300): json.loads raises a plain ValueError
        ('{"a": ' + "9" * 5000 + "}", "more than 4,300 digits"),
    ],
)
def test_jsonl_bad_line(tmp_path: Path, line: str, word: str) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"a": 1}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(UsageError) as err:
        rows_of(path)
    assert f"{path}:2:" in str(err.value) and word in str(err.value)
    assert SECRET not in str(err.value)


# ------------------------------------------------------------------ xlsx


def _xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_xlsx_every_sheet_and_one_sheet(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "a.xlsx",
        {
            "名簿": [["氏名", "番号", "日"], ["山田", 12, datetime(1970, 1, 31)], ["佐藤", 3.5, None]],
            "空": [],
            "集計": [["件数"], [2]],
        },
    )
    tables = rows_of(path)
    assert [t[0] for t in tables] == ["名簿", "集計"]  # the empty sheet is skipped
    assert tables[0][1] == ["氏名", "番号", "日"]
    assert tables[0][2] == [["山田", "12", "1970-01-31"], ["佐藤", "3.5", ""]]
    assert [t[0] for t in rows_of(path, "集計")] == ["集計"]
    with pytest.raises(UsageError, match="no sheet named"):
        rows_of(path, "無い")


def test_xlsx_a_batch_with_one_number_is_converted_whole(tmp_path: Path) -> None:
    """Text-only batches are passed on as calamine gives them; one number, date or boolean anywhere
    in a batch (here the last cell of the first one, and the first of the second) converts it."""
    rows: list[list[object]] = [["氏名", "番号"]] + [["山田", "0012"] for _ in range(2 * BATCH_ROWS)]
    rows[BATCH_ROWS][1] = 12.0  # the last row of the first batch (the header row comes before it)
    rows[BATCH_ROWS + 1][0] = True
    tables = rows_of(_xlsx(tmp_path / "n.xlsx", {"s": rows}))
    data = tables[0][2]
    assert data[BATCH_ROWS - 1] == ["山田", "12"] and data[BATCH_ROWS] == ["TRUE", "0012"]
    assert all(type(v) is str for row in data for v in row) and len(data) == 2 * BATCH_ROWS


def test_xlsx_truncated(tmp_path: Path) -> None:
    good = _xlsx(tmp_path / "g.xlsx", {"s": [["a"], ["b"]]})
    bad = tmp_path / "t.xlsx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(UsageError, match=r"unreadable \.xlsx"):
        rows_of(bad)


def test_xlsx_password_protected(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(UsageError, match="password-protected"):
        rows_of(path)


def test_xlsx_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "n.xlsx"
    path.write_text("氏名,住所\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"not an \.xlsx"):
        rows_of(path)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.0, "12"),
        (0.5, "0.5"),
        (True, "TRUE"),
        (None, ""),
        (date(2020, 1, 2), "2020-01-02"),
        (datetime(2020, 1, 2, 3, 4), "2020-01-02 03:04:00"),
        ("0012", "0012"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


# ------------------------------------------------------------------ files


def test_unsupported_and_missing(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unsupported dataset format"):
        open_dataset(tmp_path / "a.xls")
    with pytest.raises(UsageError, match="no such file"):
        open_dataset(tmp_path / "missing.csv")
    (tmp_path / "a.csv").write_text("a\n", encoding="utf-8")
    with pytest.raises(UsageError, match="--sheet"):
        open_dataset(tmp_path / "a.csv", "Sheet1")


def test_xlsx_kept_until_exit_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """for_the_cli(keep=True) (the CLI, which ends with os._exit): the workbook is not closed and the
    sheet read last stays referenced, each earlier sheet is let go when the next is read; otherwise,
    and after the block, close() closes the workbook."""
    from meti_pi.classify import datasets

    path = _xlsx(tmp_path / "k.xlsx", {"一": [["a"], ["b"]], "二": [["c"], ["d"]]})
    monkeypatch.setattr(datasets, "_KEPT", [])
    monkeypatch.setattr(datasets, "_KEPT_SHEET", [])
    with datasets.for_the_cli(path, keep=False), open_dataset(path) as ds:
        assert [[r for b in t.batches for r in b] for t in ds.tables] == [[["b"]], [["d"]]]
    assert datasets._KEPT == [] and datasets._KEPT_SHEET == []
    with datasets.for_the_cli(path, keep=True), open_dataset(path) as ds:
        seen = []
        for table in ds.tables:
            seen.append(list(datasets._KEPT_SHEET))
            assert [r for b in table.batches for r in b] in ([["b"]], [["d"]])
    assert [len(s) for s in seen] == [1, 1] and seen[0][0] is not seen[1][0]
    assert len(datasets._KEPT_SHEET) == 1 and datasets._KEPT_SHEET[0] is seen[1][0]  # the last sheet, kept
    (book,) = datasets._KEPT
    assert book.get_sheet_by_name("一").height == 2  # not closed
    with open_dataset(path) as ds:  # after the block: closed as usual
        list(ds.tables)
    assert [book] == datasets._KEPT


def test_the_cli_entry_point_keeps_the_workbook_until_exit(tmp_path: Path) -> None:
    """`meti-pi classify x.xlsx` (main(), which ends with os._exit) keeps calamine's workbook; the
    same command run in-process (CliRunner, or main() whose exit a test replaced) does not."""
    import subprocess
    import sys

    from typer.testing import CliRunner

    from meti_pi.classify import datasets
    from meti_pi.cli import app, common

    path = _xlsx(tmp_path / "k.xlsx", {"名簿": [["氏名"], ["山田 太郎"]]})
    script = (
        "import atexit, sys\n"
        "from meti_pi.classify import datasets\n"
        "atexit.register(lambda: sys.stderr.write(f'kept={len(datasets._KEPT)}\\n'))\n"
        "sys.argv = ['meti-pi', 'classify', sys.argv[1], '--json']\n"
        "from meti_pi.cli import main\n"
        "main()\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0 and "kept=1" in out.stderr, out.stderr[-500:]
    # with --record (a register is loaded after the scan): the workbook is freed first, as before
    from conftest import make_register

    root = make_register(tmp_path, example=True)
    record = script.replace(
        "['meti-pi', 'classify', sys.argv[1], '--json']",
        f"['meti-pi', '--register', {str(root)!r}, 'classify', sys.argv[1], '--json', '--record', 'F-2026-5TV229', '--dry-run']",
    )
    out = subprocess.run([sys.executable, "-c", record, str(path)], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0 and "kept=0" in out.stderr, out.stderr[-500:]
    before = list(datasets._KEPT)
    result = CliRunner().invoke(app, ["classify", str(path), "--json"])
    assert result.exit_code == 0 and before == datasets._KEPT and not common.ENDS_WITH_EXIT


def test_utf16_with_its_bom_is_named_so(tmp_path: Path) -> None:
    """Refused as before (meti-pi reads UTF-8 and Shift_JIS), but the message said 'binary data or
    UTF-16 without a BOM' for a file whose BOM says UTF-16 (a new user's review)."""
    path = tmp_path / "u16.csv"
    path.write_bytes("氏名,住所\n山田,東京\n".encode("utf-16"))
    with pytest.raises(UsageError, match=r"u16\.csv:1: UTF-16 text; meti-pi reads UTF-8 or Shift_JIS") as info:
        rows_of(path)
    assert "without a BOM" not in str(info.value)


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])  # the columnar engine, the row-by-row pass
def test_a_title_line_above_the_header_does_not_narrow_the_table(tmp_path: Path, encoding: str) -> None:
    """A CSV whose first line is a one-cell title (職員名簿) was read one column wide: every cell right of
    the first was cut from every row, and a 個人番号 column went unseen."""
    from meti_pi.classify.checkdigits import my_number_check_digit
    from meti_pi.classify.detect import scan

    def my_number(i: int) -> str:
        body = f"{31415926535 + i * 7919:011d}"
        return body + str(my_number_check_digit(body))

    path = tmp_path / "a.csv"
    lines = ["職員名簿", "氏名,個人番号,住所"]
    lines += [f"山田 太郎{i},{my_number(i)},東京都千代田区霞が関{i % 3 + 1}丁目" for i in range(40)]
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    [(_, first, rows)] = rows_of(path)
    assert len(first) == 3 and all(len(r) == 3 for r in rows)
    result = scan(path)
    assert "my_number" in {d.kind for d in result.confirmed()}


@pytest.mark.parametrize("sheets", [{"Sheet": []}, {"A": [], "B": []}])
def test_a_workbook_without_a_cell_is_refused_as_an_empty_csv_is(tmp_path: Path, sheets) -> None:
    """It was read as 0 rows: 管理C, no personal information (and --record wrote that down)."""
    path = _xlsx(tmp_path / "e.xlsx", sheets)
    with pytest.raises(UsageError, match=r"e\.xlsx: (the|every) sheet is empty; there is nothing to classify"):
        rows_of(path)


def test_an_empty_sheet_beside_a_table_is_passed_over(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "t.xlsx", {"A": [], "B": [["氏名"], ["a"]]})
    assert rows_of(path) == [("B", ["氏名"], [["a"]])]
