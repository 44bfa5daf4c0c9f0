"""`meti-pi classify`: a column is reported under its name as the file writes it, a '!' in it kept;
SHEET!COLUMN only where the file's tables are several sheets (a sheet with no name is シートN)."""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path

import pytest
from test_cli_classify import run, write_csv

from meti_pi.classify.checkdigits import my_number_check_digit


def classify(path: Path, *args: str) -> dict:
    result = run("classify", str(path), "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def my_numbers(n: int) -> list[str]:
    rng = random.Random(11)
    bodies = ["".join(rng.choice("0123456789") for _ in range(11)) for _ in range(n)]
    return [b + str(my_number_check_digit(b)) for b in bodies]


def xlsx(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    """A workbook of `sheets`; a sheet named "" is written under a stand-in name, then renamed in
    the workbook's XML (Excel refuses an empty name; a file made by other software may have one)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for i, (name, rows) in enumerate(sheets.items()):
        sheet = book.create_sheet(name or f"EMPTY{i}")
        for row in rows:
            sheet.append(row)
    made = path.with_suffix(".tmp.xlsx")
    book.save(made)
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                for i, name in enumerate(sheets):
                    if not name:
                        data = data.replace(f'name="EMPTY{i}"'.encode(), b'name=""')
            out.writestr(item, data)
    return path


def staff_rows(numbers: list[str]) -> list[list[str]]:
    return [["職員番号", "!個人番号", "!電話"]] + [
        [f"E{i:05d}", number, f"03-1234-{i:04d}"] for i, number in enumerate(numbers)
    ]


def detected(doc: dict) -> dict[str, str]:
    return {d["column"]: d["kind"] for d in doc["detections"]}


def test_a_csv_column_beginning_with_a_bang_keeps_it(tmp_path: Path) -> None:
    """`!個人番号` and `!電話` were reported as 個人番号 and 電話 (a table prefix `!` stripped from a
    CSV, whose table has no name), while dataset.columns kept `!個人番号`: the text table showed the
    columns with nothing found."""
    numbers = my_numbers(30)
    result = run("classify", str(write_csv(tmp_path / "s.csv", staff_rows(numbers))), "--json")
    doc = json.loads(result.stdout)
    assert doc["dataset"]["columns"] == ["職員番号", "!個人番号", "!電話"]
    assert detected(doc) == {"職員番号": "person_id", "!個人番号": "my_number", "!電話": "phone"}
    texts = [r["text"] for r in doc["reasons"] if r["rule"].startswith("detected:")]
    assert any(t.startswith("列「!個人番号」: 個人番号") for t in texts), texts
    assert doc["management_class"] == "A"
    assert all(n not in result.stdout for n in numbers)
    shown = run("classify", str(tmp_path / "s.csv")).stdout
    [line] = [x for x in shown.splitlines() if x.startswith("│ !個人番号 ")]
    assert line.split("│")[2].strip() == "個人番号" and "30/30" in line  # the row shows what was found


def test_the_scan_note_of_an_unconfirmed_header_keeps_the_bang(tmp_path: Path) -> None:
    """A header naming 個人番号 over values that fail the check: the scan-note named 列「個人番号」."""
    rows = [["職員番号", "!個人番号"]] + [[f"E{i:05d}", f"{i:05d}x"] for i in range(30)]
    doc = classify(write_csv(tmp_path / "s.csv", rows))
    notes = [r["text"] for r in doc["reasons"] if r["rule"] == "scan-note"]
    assert any(n.startswith("列「!個人番号」: 見出しは個人番号を示すが") for n in notes), notes


@pytest.mark.parametrize("header", ["!氏名", "氏名!漢字"])
def test_a_count_on_a_name_column_with_a_bang_says_it_merges_namesakes(tmp_path: Path, header: str) -> None:
    """1,500 rows of 4 names under `!氏名` or `氏名!漢字`: the count, 4, is a lower bound (同姓同名).
    The name columns were matched to the key by the part after the last '!' (氏名, 漢字), so the
    lower bound went unsaid and the file was 管理C under 74-2-9 on a count of 4."""
    names = ["山田 太郎", "山田 花子", "佐藤 一郎", "佐藤 美咲"]
    rows = [["所属", header]] + [[f"課{i % 7}", names[i % 4]] for i in range(1500)]
    doc = classify(write_csv(tmp_path / "n.csv", rows))
    assert detected(doc) == {header: "name"}
    [text] = [r["text"] for r in doc["reasons"] if r["rule"] == "principals"]
    assert "同姓同名は一人と数える（下限値）" in text
    assert doc["principals"] is None and doc["management_class"] == "B" and "74-2-9" not in doc["exclusions"]


def test_sheets_name_their_columns_and_a_sheet_without_a_name_is_sheet_n(tmp_path: Path) -> None:
    """Several sheets: SHEET!COLUMN, the column's own '!' kept (`名簿!!個人番号`, `名簿!a!b`). A sheet
    named "" was given columns `!氏名` but detections under the bare column (`!個人番号`)."""
    numbers = my_numbers(10)
    rows = [["氏名", "!個人番号", "a!b"]] + [[f"山田 太郎{i}", n, f"03-1234-{i:04d}"] for i, n in enumerate(numbers)]
    other = [["氏名", "電話"]] + [[f"佐藤 花子{i}", f"03-5555-{i:04d}"] for i in range(10)]
    doc = classify(xlsx(tmp_path / "named.xlsx", {"名簿": rows, "連絡": other}))
    assert doc["dataset"]["columns"] == ["名簿!氏名", "名簿!!個人番号", "名簿!a!b", "連絡!氏名", "連絡!電話"]
    assert detected(doc) == {"名簿!!個人番号": "my_number", "名簿!a!b": "phone", "連絡!電話": "phone"}
    doc = classify(xlsx(tmp_path / "empty.xlsx", {"": rows, "連絡": other}))
    assert doc["dataset"]["columns"] == ["シート1!氏名", "シート1!!個人番号", "シート1!a!b", "連絡!氏名", "連絡!電話"]
    assert detected(doc) == {"シート1!!個人番号": "my_number", "シート1!a!b": "phone", "連絡!電話": "phone"}


def test_one_sheet_reports_its_columns_bare_whatever_its_name(tmp_path: Path) -> None:
    numbers = my_numbers(10)
    rows = [["氏名", "!個人番号", "a!b"]] + [[f"山田 太郎{i}", n, f"03-1234-{i:04d}"] for i, n in enumerate(numbers)]
    for name in ("名簿", ""):
        doc = classify(xlsx(tmp_path / f"one{len(name)}.xlsx", {name: rows}))
        assert doc["dataset"]["columns"] == ["氏名", "!個人番号", "a!b"], name
        assert detected(doc) == {"!個人番号": "my_number", "a!b": "phone"}, name


def test_a_sheet_without_a_name_lacking_the_key_is_counted_by_its_own_columns(tmp_path: Path) -> None:
    """--key 職員番号 over a workbook whose sheet named "" has no 職員番号: that sheet was taken for a
    CSV's one table and the command refused the key (exit 2); a named sheet is counted by its own
    identifying columns, and so is this one."""
    first = [["氏名", "電話"]] + [[f"佐藤 花子{i}", f"03-5555-{i:04d}"] for i in range(10)]
    second = [["職員番号", "氏名"]] + [[f"E{i:05d}", f"山田 太郎{i}"] for i in range(10)]
    doc = classify(xlsx(tmp_path / "k.xlsx", {"": first, "名簿": second}), "--key", "職員番号")
    assert doc["principals"] == 20
    [text] = [r["text"] for r in doc["reasons"] if r["rule"] == "principals"]
    assert "その列のないシートは自動選択" in text


def test_a_sheet_counted_by_names_beside_one_counted_by_ids_keeps_its_lower_bound(tmp_path: Path) -> None:
    """1,500 visitors under 4 names on one sheet, 200 staff numbers on another: the count, 204, was
    called an upper bound and the workbook 管理C under 74-2-9, where the visitors' sheet alone is
    unknown (管理B): the 同姓同名 lower bound was judged on the whole file (its key columns were not
    all names), not on the sheet counted by names."""
    names = ["山田 太郎", "山田 花子", "佐藤 一郎", "佐藤 美咲"]
    staff = [["職員番号", "所属"]] + [[f"E{i:05d}", f"課{i % 7}"] for i in range(200)]
    visitors = [["来訪日", "氏名"]] + [[f"2026-04-{1 + i % 28:02d}", names[i % 4]] for i in range(1500)]
    alone = classify(xlsx(tmp_path / "v.xlsx", {"来訪者": visitors}))
    both = classify(xlsx(tmp_path / "b.xlsx", {"職員": staff, "来訪者": visitors}))
    assert detected(both) == {"職員!職員番号": "person_id", "来訪者!氏名": "name"}
    [text] = [r["text"] for r in both["reasons"] if r["rule"] == "principals"]
    assert "シート「来訪者」は氏名だけで数えたため同姓同名は一人と数える（下限値）" in text
    for doc in (alone, both):
        assert doc["principals"] is None and doc["management_class"] == "B" and "74-2-9" not in doc["exclusions"]
    # a staff sheet of distinct names beside it: nothing merged, no lower bound
    surnames, given = (
        ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤"],
        ["太郎", "花子", "一郎", "美咲", "健太", "陽菜", "翔太", "結衣", "大輔", "さくら"],
    )
    people = [["所属", "氏名"]] + [
        [f"課{i % 7}", f"{s} {g}"] for i, (s, g) in enumerate((s, g) for s in surnames for g in given)
    ]
    doc = classify(xlsx(tmp_path / "d.xlsx", {"職員": staff, "名簿": people}))
    assert detected(doc)["名簿!氏名"] == "name"
    [text] = [r["text"] for r in doc["reasons"] if r["rule"] == "principals"]
    assert "下限値" not in text and doc["principals"] == 300, (text, doc["principals"])


def test_a_sheet_shown_as_sheet_n_beside_one_named_so_is_told_apart(tmp_path: Path) -> None:
    """A first sheet named 山田太郎 (shown as シート1, its name maybe personal data) beside a sheet
    really named シート1 (LibreOffice's default name): both were シート1, the phones of the first
    reported as シート1!電話, beside the second's 個人番号. The stand-in is 1枚目のシート there."""
    staff = [["職員番号", "電話"]] + [[f"E{i:05d}", f"03-1234-{i:04d}"] for i in range(40)]
    numbers = [["職員番号", "個人番号"]] + [[f"E{i:05d}", n] for i, n in enumerate(my_numbers(40))]
    doc = classify(xlsx(tmp_path / "b.xlsx", {"山田太郎": staff, "シート1": numbers}))
    assert detected(doc) == {
        "1枚目のシート!職員番号": "person_id",
        "1枚目のシート!電話": "phone",
        "シート1!職員番号": "person_id",
        "シート1!個人番号": "my_number",
    }
    assert "山田" not in json.dumps(doc, ensure_ascii=False)
    # no sheet named so: シートN as before
    doc = classify(xlsx(tmp_path / "c.xlsx", {"山田太郎": staff, "名簿": numbers}))
    assert set(detected(doc)) == {"シート1!職員番号", "シート1!電話", "名簿!職員番号", "名簿!個人番号"}
