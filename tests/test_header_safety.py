"""Header detection fails safe (issue 15): a first row that could be data is data.

Its cells are never recorded as column names: the columns are 列1…列N and the row is counted.
JSON keys that look like values are not recorded either, and every recorded name is screened.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from meti_pi.classify.checkdigits import my_number_check_digit
from meti_pi.classify.detect import header_cells, is_header_row, safe_column_name, scan

NAMES = [
    ("山田 太郎", "ヤマダ タロウ"),
    ("佐藤 花子", "サトウ ハナコ"),
    ("鈴木 一郎", "スズキ イチロウ"),
    ("高橋 次郎", "タカハシ ジロウ"),
]
ADDRESSES = [
    "東京都千代田区霞が関1-3-1",
    "大阪府大阪市北区梅田1-1-1",
    "愛知県名古屋市中区三の丸3-1-2",
    "福岡県福岡市博多区東公園7-7",
]
DISEASES = ["糖尿病", "高血圧症", "喘息", "心疾患"]


def _rows(n: int = 40) -> list[list[str]]:
    return [[NAMES[i % 4][1], ADDRESSES[i % 4], DISEASES[i % 4]] for i in range(n)]


def _csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


FIRST_ROWS = {
    "kana name, address, diagnosis": ["テシガハラ リン", "東京都港区六本木一丁目2番3号", "うつ病"],
    "given name, rare surname, birth date": ["凛", "勅使河原", "1985年4月1日生"],
    "e-mail on a domain holding 'mail'": ["taro@mail.example.jp", "本人", "メモ"],
}


@pytest.mark.parametrize("first", FIRST_ROWS.values(), ids=FIRST_ROWS.keys())
def test_a_first_row_of_values_is_data(first: list[str]) -> None:
    assert not is_header_row(first, below=_rows())


def test_a_first_row_typed_like_the_rows_below_is_data() -> None:
    # No detector knows 勅使河原 or 営業三課; their shape (kanji of a value's length) does.
    below = [["山田太郎", "総務課"], ["佐藤花子", "人事課"], ["鈴木一郎", "会計課"]] * 10
    assert header_cells(["勅使河原凛", "営業三課"], below=below) is None
    # The same shapes under real column names: a header (known words, or typed unlike the values).
    assert header_cells(["氏名", "所属の課室名"], below=below) == ["word", "differs"]
    assert header_cells(["氏名", "所属"], below=below) is None  # 所属 is typed like 総務課: in doubt, data
    assert header_cells(["Name", "Section"], below=below) is not None


@pytest.mark.parametrize("dated", ["2024年4月1日時点の所属", "所属（2024/4/1現在）", "2024年10月末時点の所属"])
def test_a_column_name_with_its_as_of_date_keeps_the_header(tmp_path: Path, dated: str) -> None:
    """The six digits of a name's as-of date made the header row data: 列1…列4, the header counted as a
    person, the 病歴の有無 column (あり/なし) unseen, 800 staff counted by name alone: 管理C, not 管理A.
    A date alone, or a date of birth, is still a value."""
    rows = [[f"E{i:05d}", NAMES[i % 4][0], ["あり", "なし"][i % 2], "総務課"] for i in range(800)]
    path = _csv(tmp_path / "a.csv", [["職員番号", "氏名", "病歴の有無", dated], *rows])
    result = scan(path)
    assert result.header and result.columns[:3] == ("職員番号", "氏名", "病歴の有無")
    assert result.rows == result.principals == 800 and "medical_history" in result.sensitive_categories
    assert not is_header_row(["2024年4月1日現在", "山田 太郎"], below=rows)
    assert not is_header_row(["1985年4月1日生", "職員番号"], below=rows)


def test_a_column_named_by_a_diagnosis_beside_known_names_keeps_the_header(tmp_path: Path) -> None:
    """糖尿病の有無 holds a 要配慮 word, which made the header row data: 職員番号 and 生年月日 lost,
    1,200 staff counted by name alone (31 本人: 第74条第2項第9号, out of the ファイル簿). Beside two
    known column names it is a column name, and its column (有/無) is 要配慮 by that name. A
    first row of values holding a diagnosis is still data."""
    rows = [
        [f"E{i:05d}", NAMES[i % 4][0], f"19{50 + i % 50}-01-{1 + i % 28:02d}", ["有", "無"][i % 2]] for i in range(1200)
    ]
    path = _csv(tmp_path / "a.csv", [["職員番号", "氏名", "生年月日", "糖尿病の有無"], *rows])
    result = scan(path)
    assert result.header and result.columns == ("職員番号", "氏名", "生年月日", "糖尿病の有無")
    assert result.rows == result.principals == 1200 and result.principal_keys == ("職員番号",)
    assert ("糖尿病の有無", "sensitive:medical_history") in {(d.column, d.kind) for d in result.confirmed()}
    assert not is_header_row(["テシガハラ リン", "東京都港区六本木一丁目2番3号", "うつ病"], below=_rows())
    assert not is_header_row(["氏名", "糖尿病"], below=_rows())  # one known name: in doubt, data


def test_without_rows_below_only_known_column_names_make_a_header() -> None:
    assert is_header_row(["氏名", "生年月日", "メール"])
    assert not is_header_row(["勅使河原", "凛"])  # nothing to compare with: in doubt, data


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xlsx"])
def test_header_less_files_record_no_cell_of_the_first_row(tmp_path: Path, fmt: str) -> None:
    first = FIRST_ROWS["kana name, address, diagnosis"]
    rows = [first, *_rows()]
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        for r in rows:
            wb.active.append(r)
        path = tmp_path / "patients.xlsx"
        wb.save(path)
    else:
        path = _csv(tmp_path / f"patients.{fmt}", rows, "\t" if fmt == "tsv" else ",")
    result = scan(path)
    assert result.header is False
    assert result.columns == ("列1", "列2", "列3")
    assert result.rows == len(rows)  # the first row is counted as a row (and as a person)
    text = json.dumps([result.columns, [d.column for d in result.detections], result.notes], ensure_ascii=False)
    for cell in first:
        assert cell not in text


def test_a_header_row_keeps_its_names_but_a_cell_in_doubt_becomes_its_column_number(tmp_path: Path) -> None:
    rows = [["氏名", "住所", "記入者"]] + [[NAMES[i % 4][0], ADDRESSES[i % 4], "山田太郎"] for i in range(40)]
    result = scan(_csv(tmp_path / "h.csv", rows))
    assert result.header is True
    assert result.columns == ("氏名", "住所", "列3")  # 記入者 is typed like the names below it
    assert result.rows == 40


def test_jsonl_keys_that_look_like_values_are_not_recorded(tmp_path: Path) -> None:
    body = "12345678901"
    number = body + str(my_number_check_digit(body))
    path = tmp_path / "k.jsonl"
    lines = [{"taro@example.com": 1, "090-1234-5678": 2, number: 3, "テシガハラ リン": 4, "氏名": "山田 太郎"}] * 3
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    result = scan(path)
    assert result.columns == ("列1", "列2", "列3", "列4", "氏名")
    text = json.dumps(result.columns, ensure_ascii=False)
    for key in ("taro@example.com", "090-1234-5678", number, "テシガハラ"):
        assert key not in text


def test_recorded_names_are_screened_and_printable() -> None:
    assert safe_column_name("連絡先 03-3501-1511", 1, []) == "列2"
    assert safe_column_name("氏名\x1b[2J\x07", 0, []) == "氏名[2J"
    assert safe_column_name("氏名", 2, ["氏名"]) == "氏名 (2)"


@pytest.mark.parametrize(
    ("key", "kept"),
    [
        ("勅使河原凛", False),
        ("テシガハラ リン", False),
        ("会社名", True),
        ("連絡先", True),
        ("記入者", True),
        ("氏名", True),
        ("customer_id", True),
        ("taro@example.jp", False),
    ],
)
def test_a_json_key_shaped_like_a_name_is_not_recorded(key: str, kept: bool) -> None:
    assert (safe_column_name(key, 0, [], key=True) == key) is kept


def test_a_longer_value_of_the_columns_type_is_not_a_column_name() -> None:
    """A review's file without a header: its first row held a longer name than the rows below
    (勅使河原龍之介 over 山田太郎, a longer romanised name): both were taken for column names and
    recorded. A cell typed like the values below and only longer or shorter is data unless it
    ends as column names do (…者, …名, …先)."""
    below = [[f"{s}{g}", "Taro Yamada", "総務課"] for s in ("山田", "佐藤", "鈴木") for g in ("太郎", "花子")]
    assert header_cells(["勅使河原龍之介", "Ryunosuke Teshigawara", "経理課"], below=below) is None
    assert header_cells(["窓口受付担当者", "Applicant Name", "所属部署名"], below=below) is not None
