"""`meti-pi classify`: a Latin-1 file whose bytes happen to be valid CP932 is still read as CP932
(the decision is unchanged) but no longer silently: stderr says so, with the line, the encoding
used and how to save the file as UTF-8. Genuine Shift_JIS files get no such word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli_classify import run

from meti_pi.classify.charset_doubt import western_line

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "datasets"


def rows(n: int) -> str:
    return "".join(f"{i},x{i}@example.jp,03-1234-{i:04d}\n" for i in range(n))


def test_a_latin1_file_read_as_cp932_is_said_on_stderr(tmp_path: Path) -> None:
    """`Prénom` is `Pr駭om` in CP932, `Straße` `Straﾟe`: the file was scanned as CP932 without a word."""
    path = tmp_path / "personnes.csv"
    path.write_bytes(("Prénom,Courriel,Téléphone,Straße\n" + rows(20).replace("\n", ",Rue\n")).encode("latin-1"))
    result = run("classify", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["dataset"]["format"] == "csv"
    [warning] = result.stderr.splitlines()
    assert warning.startswith(f"meti-pi: warning: {path}:1: read as Shift_JIS (CP932)")
    assert "Windows-1252 (Latin-1)" in warning and "save it as UTF-8" in warning
    assert "iconv -f WINDOWS-1252 -t UTF-8" in warning
    assert "(csv, cp932)" in run("classify", str(path)).stdout  # the reading is the one it was


def test_the_warning_names_the_line_of_the_first_latin_letter(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(
        ("id,mail,tel,name\n" + rows(2).replace("\n", ",Ann\n") + "9,a@b.jp,03-1111-2222,Jérôme\n").encode("latin-1")
    )
    result = run("classify", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert f"{path}:4: read as Shift_JIS (CP932)" in result.stderr
    misread = "Jérôme".encode("latin-1").decode("cp932")
    assert "Jérôme" not in result.stderr and misread not in result.stderr  # never a cell value


GENUINE = {
    "kanji and kana": "氏名,住所,電話番号\n山田 太郎,東京都千代田区霞が関1-3-1,03-3501-1511\n",
    # half-width katakana, as the banks' 全銀 format and older systems write カナ氏名
    "half-width kana": "ｶﾅｼﾒｲ,ｺｳｻﾞﾊﾞﾝｺﾞｳ\nﾔﾏﾀﾞ ﾀﾛｳ,1234567\nﾀﾞｲﾄｳ ﾊﾅｺ,7654321\n",
    "a name kanji of the IBM extension": "ID,Name\n1,髙橋\n2,山﨑\n",
    "katakana only": "ID,Name\n1,テスト\n2,カタカナ\n",
    "one level-2 kanji in a word": "ID,Name\n1,A澤B\n2,Tom 澤田\n",
}


@pytest.mark.parametrize("text", GENUINE.values(), ids=GENUINE.keys())
def test_genuine_shift_jis_gets_no_warning(tmp_path: Path, text: str) -> None:
    path = tmp_path / "j.csv"
    path.write_bytes(text.encode("cp932"))
    result = run("classify", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    assert "(csv, cp932)" in run("classify", str(path)).stdout


def test_the_example_shift_jis_file_gets_no_warning() -> None:
    result = run("classify", str(EXAMPLES / "applicants_sjis.csv"), "--json")
    assert result.exit_code == 0 and "warning" not in result.stderr


LATIN_HEADER = "Prénom,Téléphone\n".encode("latin-1")


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("山田".encode("cp932"), "one Japanese cell: Japanese text is there"),
        ("ÀÉÎ".encode("latin-1"), "three accented letters in a row: half-width kana come in runs"),
        ("É".encode("latin-1"), "an accented letter alone, not inside a word"),
    ],
)
def test_no_doubt_where_the_bytes_do_not_all_read_as_latin_words(cell: bytes, why: str) -> None:
    head = LATIN_HEADER + b"1," + cell + b"\n"
    head.decode("cp932")  # valid CP932: it is read so
    assert western_line(LATIN_HEADER) == 1
    assert western_line(head) is None, why
