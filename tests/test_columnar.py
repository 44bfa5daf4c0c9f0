"""The columnar scan (issue 18 item 4): the same result as the row-by-row Python pass, or that pass.

`columnar.scan` (polars) must give exactly the ScanResult of `scan.scan` (the Python pass the
detectors were written for): every count, every sample figure, every detection, the number of
本人. The proof is equality on the labelled corpus, on files long enough to reach the systematic
sample (one batch in CHECK_EVERY after FULL_CHECK_ROWS), on awkward CSV, and per regular
expression on random text. Files the engine would read otherwise fall back to the Python pass.
"""

from __future__ import annotations

import json
import random
import sys
import threading
from pathlib import Path

import polars as pl
import pytest
from conftest import git, invoke, make_register
from typer.testing import CliRunner

from meti_pi.classify import columnar, dialect, engine
from meti_pi.classify import scan as rows
from meti_pi.classify.shapes import _SHAPES, _SIGNATURE_TABLE, _SIGNATURES, shape
from meti_pi.classify.vocabulary import SensitiveCategory, vocabulary
from meti_pi.errors import UsageError

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import gen_datasets  # noqa: E402
import gen_varied  # noqa: E402


def same(path: Path, **kw: object) -> rows.ScanResult:
    a = columnar.scan(path, **kw)  # type: ignore[arg-type]
    b = rows.scan(path, **kw)  # type: ignore[arg-type]
    assert a == b
    return a


def test_labelled_corpus_scans_identically(tmp_path: Path) -> None:
    corpus = gen_datasets.labelled_corpus(tmp_path, rows=600)
    delimited = [p for p, _ in corpus if p.suffix in (".csv", ".tsv")]
    assert delimited
    for path in delimited:
        same(path)


@pytest.mark.slow  # 70,000-90,000-row files, scanned twice
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_long_varied_file_scans_identically(tmp_path: Path, delimiter: str) -> None:
    """90,000 rows: past FULL_CHECK_ROWS, so the systematic sample and the probes are exercised."""
    path = gen_varied.write_varied(tmp_path / ("v.tsv" if delimiter == "\t" else "v.csv"), 90_000, delimiter=delimiter)
    result = same(path)
    assert result.rows == 90_000
    assert {d.kind for d in result.detections} >= {"name", "address", "phone", "email", "my_number"}


@pytest.mark.slow  # 70,000-90,000-row files, scanned twice
@pytest.mark.parametrize("chunk", [None, 1 << 15])
def test_mixed_batches_exercise_the_signature_shortcut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int | None
) -> None:
    """ASCII batches (the signature shortcut) beside batches with full-width digits and odd cells;
    with 32 KiB chunks every batch is cut by chunk boundaries (the shortcut's terms are then
    computed on both parts)."""
    if chunk is not None:
        monkeypatch.setattr(engine, "CHUNK_BYTES", chunk)
    rng = random.Random(5)
    lines = ["電話番号,生年月日,会員番号,氏名"]
    for i in range(75_000):
        block = (i // 2048) % 3
        phone = f"03-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        day = f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        if block == 1:
            phone = phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
            day = rng.choice([day, f"Q{day}", "昭和50年1月2日"])
        elif block == 2 and i % 7 == 0:
            phone, day = "", "x"
        lines.append(f"{phone},{day},M{i:07d},{rng.choice(['山田 太郎', 'Taro Yamada', 'ヤマダ タロウ', ''])}")
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    same(path)


def test_probe_rows_are_observed_as_python_observes_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past FULL_CHECK_ROWS one row of each checked batch joins the exact sample (observed as each
    chunk comes in): batches whose column is all empty, probe cells that are blank or empty beside
    non-empty ones, and valid values give the Python scan's sampled/passed figures."""
    rng = random.Random(3)
    lines = ["電話番号,個人番号,氏名"]
    for i in range(72_000):
        stretch = (i // 2048) % 4
        phone = "" if stretch == 0 else rng.choice(["  ", "", "03-1234-5678", "090-1234-5678", "x"])
        number = "" if stretch == 1 else rng.choice(["", " ", "123456789018", "1234 5678 9018", "12"])
        lines.append(f"{phone},{number},{rng.choice(['山田 太郎', '', ' '])}")
    path = tmp_path / "probes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    python = rows.scan(path)

    def no_fallback(*args: object, **kwargs: object) -> None:
        raise AssertionError("the engine fell back to the Python pass")

    monkeypatch.setattr(columnar, "scan_rows", no_fallback)
    assert columnar.scan(path) == python and python.rows == 72_000


def test_a_batch_cut_by_chunks_keeps_its_shortcut_terms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batch 1 (data rows 500-2547) holds ASCII cells of a date's signature that are not dates, then,
    from a chunk boundary on, full-width dates: the Python scan takes no shortcut in that batch (it
    is not all ASCII) and counts the real dates. The chunks holding only full-width dates match
    fully, yet they must report their non-ASCII cells for the batch to be counted the same way."""
    monkeypatch.setattr(engine, "CHUNK_BYTES", 20 * 64)  # 64 lines of 20 bytes a chunk, cut exactly
    lines = ["生年月日,備考"]  # a header without doubt (19 bytes as every line)
    for r in range(3000):
        lines.append("1950-01-12,xxxxxxxx" if r < 500 else "Q1950-01-12,xxxxxxx" if r < 1279 else "１９５０-01-12,")
    assert {len(line.encode()) for line in lines} == {19}
    path = tmp_path / "cut.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = same(path)
    assert result.rows == 3000


@pytest.mark.parametrize(
    "text",
    [
        "氏名,電話番号\r\n山田 太郎,03-1234-5678\r\n佐藤 花子,090-1234-5678\r\n",  # CRLF
        "\ufeff氏名,電話番号\n山田 太郎,03-1234-5678\n\n佐藤 花子,090-1234-5678\n\n",  # BOM, blank lines
        "氏名,電話番号,備考\n山田 太郎,03-1234-5678\n佐藤 花子,090-1234-5678,a,b,c\n",  # ragged rows
        '氏名,備考\n山田 太郎,"二行の\n備考 糖尿病"\n佐藤 花子,"引用 ""符"""\n',  # quoted newlines and quotes
        "山田 太郎,03-1234-5678\n佐藤 花子,090-1234-5678\n",  # no header
        "氏名,電話番号\n",  # a header and nothing else
    ],
)
def test_awkward_csv_scans_identically(tmp_path: Path, text: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    same(path)


def test_key_columns_count_identically(tmp_path: Path) -> None:
    """氏名 + 生年月日 as the key (dates normalised to ISO, names folded): 本人 counted alike."""
    lines = ["氏名,生年月日"]
    for i in range(5000):
        name = ["山田 太郎", "山田　太郎", "山田太郎", "ｻﾄｳ ﾊﾅｺ", "佐藤 花子"][i % 5]
        day = ["1990-10-19", "平成2年10月19日", "1990/10/19", "H2.10.19", f"19{50 + i % 40}-01-0{1 + i % 9}"][i % 5]
        lines.append(f"{name},{day}")
    path = tmp_path / "k.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = same(path)
    assert result.principal_keys == ("氏名", "生年月日")
    assert result.principals is not None and result.principals < 5000
    assert (
        same(path, keys=["氏名"]).principals == 3
    )  # 山田太郎 written three ways, サトウハナコ (half-width kana), 佐藤花子


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])  # the columnar engine, the row-by-row pass
def test_a_name_in_two_columns_is_counted_whole(tmp_path: Path, encoding: str) -> None:
    """姓 | 名 side by side: 本人 were counted by 姓 alone, 1,500 people under 15 surnames as 15
    (管理C, 第74条第2項第9号, out of the ファイル簿). The key is the whole name, with the birth date."""
    surnames = [
        "山田",
        "佐藤",
        "鈴木",
        "高橋",
        "田中",
        "伊藤",
        "渡辺",
        "中村",
        "小林",
        "加藤",
        "吉田",
        "山本",
        "松本",
        "井上",
        "木村",
    ]
    given = ["太郎", "花子", "一郎", "次郎", "美咲", "健太", "陽子", "大輔", "由美", "翔太"]
    lines = ["姓,名,生年月日"]
    lines += [f"{surnames[i % 15]},{given[i // 15 % 10]},19{50 + i // 150}-01-01" for i in range(1500)]
    path = tmp_path / "k.csv"
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    result = same(path)
    assert result.principal_keys == ("姓", "名", "生年月日")
    assert result.principals == 1500
    path.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n", encoding=encoding)
    result = same(path)
    assert result.principal_keys == ("姓", "名")
    assert result.principals == 150  # 同姓同名 as one (the note says so: a lower bound)


def _person(i: int) -> str:
    """'氏名,生年月日' of person i: 30 names, each person told apart by the pair (a key of two columns)."""
    surnames, given = ["山田", "佐藤", "鈴木", "高橋", "田中"], ["太郎", "花子", "一郎", "次郎", "美咲", "健太"]
    return f"{surnames[i % 5]} {given[i // 5 % 6]},19{50 + i // 30}-01-01"


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
@pytest.mark.parametrize("header", ["個人番号", "職員番号"])
def test_an_id_column_filled_for_some_persons_is_not_the_key(tmp_path: Path, encoding: str, header: str) -> None:
    """A 個人番号 (or 職員番号) column filled for 600 of 1,500 people (the others have not handed it in)
    was the key, and a row with its key cells empty is no person: 600 本人, 第74条第2項第9号, out of
    the ファイル簿. A key that leaves persons of the sample out gives way to the next (氏名 + 生年月日)."""
    from meti_pi.classify.checkdigits import my_number_check_digit

    def number(i: int) -> str:
        if header == "職員番号":
            return f"E{i:05d}"
        body = f"{31415926535 + i * 7919:011d}"
        return body + str(my_number_check_digit(body))

    lines = [f"氏名,生年月日,{header}"]
    lines += [f"{_person(i)},{number(i) if i % 5 < 2 else ''}" for i in range(1500)]
    path = tmp_path / "k.csv"
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    result = same(path)
    assert result.principal_keys == ("氏名", "生年月日")
    assert result.principals == 1500
    full = [line if i == 0 or line[-1] != "," else line + number(i - 1) for i, line in enumerate(lines)]
    path.write_text("\n".join(full) + "\n", encoding=encoding)
    assert same(path).principal_keys == (header,)  # filled for every person: the key, as before


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_a_column_empty_in_its_first_rows_is_typed_on_its_values(tmp_path: Path, encoding: str) -> None:
    """The first 500 rows were the sample: a 個人番号 column empty there (the first 600 staff had not
    handed it in) had no sample value, and its 900 個人番号 went unreported (no 35(3) notice, 管理B
    for a file of 管理A). The sample is each column's first 500 values in the head."""
    from meti_pi.classify.checkdigits import my_number_check_digit

    def my_number(i: int) -> str:
        body = f"{31415926535 + i * 7919:011d}"
        return body + str(my_number_check_digit(body))

    lines = ["職員番号,氏名,個人番号"] + [f"E{i:05d},山田 太郎,{my_number(i) if i >= 600 else ''}" for i in range(1500)]
    path = tmp_path / "k.csv"
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    result = same(path)
    assert ("個人番号", "my_number") in {(d.column, d.kind) for d in result.confirmed()}
    [detection] = [d for d in result.detections if d.column == "個人番号"]
    assert detection.matched == detection.checked == 900 and detection.sample_passed == detection.sample_checked == 500


def test_unparseable_dates_in_a_date_key_are_folded_as_python_folds_them(tmp_path: Path) -> None:
    lines = ["氏名,生年月日"] + [
        f"山田 太郎,{['1990-10-19', '不明', '１９９０ー１０', '', 'H2.10.19'][i % 5]}" for i in range(3000)
    ]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = same(path, keys=["氏名", "生年月日"])
    assert result.principals == 4  # 1990-10-19 (twice written), 不明, 1990ー10 folded, and 山田太郎 with no date


def test_a_stray_quote_takes_the_python_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An inch mark (5" disk) leaves every later line end inside "quotes": no chunk can be cut; the
    carried bytes are bounded and the Python reader takes the file."""
    monkeypatch.setattr(engine, "CHUNK_BYTES", 1 << 12)
    monkeypatch.setattr(engine, "MAX_CARRY", 1 << 14)
    inch = '5" disk'
    lines = ["品名,氏名"] + [f"{inch if i == 10 else '鉛筆'},山田 太郎" for i in range(4000)]
    path = tmp_path / "q.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    same(path)


@pytest.mark.parametrize("seed", range(6))
def test_chunks_are_cut_at_record_ends_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Small blocks over quoted cells holding line ends and doubled quotes: the chunks put together
    are the file, and every cut falls after a line end outside quotes (what csv.reader reads as a
    record end), however the quotes fall across the blocks."""
    import csv
    import io

    monkeypatch.setattr(engine, "CHUNK_BYTES", 64)
    rng = random.Random(seed)
    cells = ["山田", "a,b", '"x\ny"', '"say ""hi""\n"', '"""q"""', "", "03-1234-5678", '"\n\n"']
    lines = [",".join(rng.choice(cells) for _ in range(3)) for _ in range(300)]
    data = ("\n".join(lines) + "\n").encode()
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    chunks = list(engine.DelimitedChunks(path, "csv", 3, "utf-8", 1 << 20))
    assert b"".join(chunks) == data and len(chunks) > 10
    records = [len(list(csv.reader(io.StringIO(chunk.decode(), newline="")))) for chunk in chunks]
    assert sum(records) == len(list(csv.reader(io.StringIO(data.decode(), newline=""))))
    for chunk in chunks:
        assert chunk.endswith(b"\n") and chunk.count(b'"') % 2 == 0


def test_short_reads_are_read_on_and_a_shrinking_file_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader reads its blocks and records with one unbuffered read each, which may return fewer
    bytes than asked: the chunks are still the whole file; a file that ends before the records
    already seen in it (it shrank) is a Fallback."""
    monkeypatch.setattr(engine, "CHUNK_BYTES", 1 << 12)
    data = "".join(f'E{i:05d},"山田\n太郎",03-1234-5678\n' for i in range(2000)).encode()
    path = tmp_path / "s.csv"
    path.write_bytes(data)
    read_at = engine._read_at
    monkeypatch.setattr(engine, "_read_at", lambda raw, n, at: read_at(raw, min(n, 1000), at))
    chunks = list(engine.DelimitedChunks(path, "csv", 3, "utf-8", 1 << 20))
    assert b"".join(chunks) == data and len(chunks) > 10
    seen: set[int] = set()

    def shrunk(raw: object, n: int, at: int) -> bytes:  # a block is read, then the file is gone when its records are
        again = at in seen
        seen.add(at)
        return b"" if again else read_at(raw, n, at)

    monkeypatch.setattr(engine, "_read_at", shrunk)
    with pytest.raises(engine.Fallback):
        list(engine.DelimitedChunks(path, "csv", 3, "utf-8", 1 << 20))


@pytest.mark.parametrize("seed", range(4))
def test_quotes_are_counted_as_bytes_count_counts(seed: int) -> None:
    """engine.quote_count (the reader's parity, through bytes.replace) is bytes.count of '"', and the
    cut found from it is the last line end with an even number of quotes before it."""
    rng = random.Random(seed)
    for _ in range(200):
        block = bytes(rng.choice(b'ab",\n\r\x00\xe3') for _ in range(rng.randint(0, 300)))
        odd = rng.random() < 0.5
        assert engine.quote_count(block) == block.count(b'"')
        ends = [i for i, ch in enumerate(block) if ch == ord("\n") and (block[:i].count(b'"') + odd) % 2 == 0]
        assert engine._record_end(block, odd, engine.quote_count(block)) == (ends[-1] if ends else -1)


def test_files_the_engine_reads_otherwise_take_the_python_pass(tmp_path: Path) -> None:
    sjis = tmp_path / "s.csv"
    sjis.write_bytes("氏名,電話番号\n山田 太郎,03-1234-5678\n".encode("cp932"))
    assert same(sjis).encoding == "cp932"
    bare_cr = tmp_path / "cr.csv"
    bare_cr.write_bytes("氏名,電話番号\r山田 太郎,03-1234-5678\r".encode())
    same(bare_cr)
    quirky = tmp_path / "q.csv"
    quirky.write_text('氏名,備考\n山田 太郎,"a"b\n佐藤 花子,x"y\n', encoding="utf-8")  # quoting polars refuses
    same(quirky)


@pytest.mark.slow  # 70,000-90,000-row files, scanned twice
@pytest.mark.parametrize("bad", [b"\x00", b"\xff\xfe"])
def test_bad_bytes_far_into_the_file_keep_the_message_with_its_line(tmp_path: Path, bad: bytes) -> None:
    path = tmp_path / "bad.csv"
    body = "".join(f"E{i:06d},山田 太郎,03-1234-5678\n" for i in range(70_000)).encode()
    path.write_bytes("社員番号,氏名,電話番号\n".encode() + body + b"E9," + bad + b",x\n")
    with pytest.raises(UsageError) as a:
        columnar.scan(path)
    with pytest.raises(UsageError) as b:
        rows.scan(path)
    assert str(a.value) == str(b.value) and f"{path}:70002:" in str(a.value)


# ---------------------------------------------------------------- the translated regular expressions


def _random_texts(alphabet: str, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 22))) for _ in range(n)]


_ALPHABET = "0123456789０１２３-ー－ ()+@.ab ZA明治昭和平成元年月日SH/〒都県市区町番号山田タロウ\t"


@pytest.mark.parametrize("check", sorted(_SHAPES))
def test_each_shape_matches_as_python_does(check: str) -> None:
    corpus = [
        v
        for path in (gen_datasets.my_number, gen_datasets.card_number)
        for v in [path(random.Random(i)) for i in range(50)]
    ]
    texts = (
        _random_texts(_ALPHABET, 6000, hash(check) & 0xFFFF)
        + corpus
        + ["03-1234-5678", "昭和45年1月31日", "user@example.jp", "東京都千代田区1-2-3", "1234-5678-9012", "H2.3.4"]
    )
    python = [shape(check).cell.fullmatch(t) is not None for t in texts]  # type: ignore[union-attr]
    engine_says = pl.Series(texts).str.contains(engine.CELL[check]).to_list()
    assert engine_says == python


@pytest.mark.parametrize("check", sorted(_SHAPES))
def test_each_shape_expression_matches_as_python_does(check: str) -> None:
    """engine.cell_matches (what the pass counts: the address shape as two literal searches) is the
    Python shape's fullmatch, line ends and place suffixes anywhere in the cell included."""
    texts = [
        *_random_texts(_ALPHABET + "都道府県市区町村郡\n", 6000, hash(check) & 0xFFFF),
        "東京都千代田区1-2-3",
        "東京都\n千代田区",
        "\n東京都",
        "東京都\n",
        "都",
        "千代田",
        "",
        "03-1234-5678",
    ]
    python = [shape(check).cell.fullmatch(t) is not None for t in texts]  # type: ignore[union-attr]
    engine_says = pl.select(engine.cell_matches(check, pl.lit(pl.Series(texts)))).to_series().to_list()
    assert engine_says == python


@pytest.mark.parametrize("check", sorted(_SIGNATURES))
def test_each_signature_matches_as_python_does(check: str) -> None:
    texts = [
        *_random_texts("0123456789 -()+@.abQZAMSH/x", 6000, 11),
        "1970-01-31",
        "S45.1.31",
        "03-1234-5678",
        "1234 5678 9012",
    ]
    pattern = shape(check).signature  # type: ignore[union-attr]
    python = [pattern.fullmatch(t.encode().translate(_SIGNATURE_TABLE)) is not None for t in texts]  # type: ignore[union-attr]
    assert pl.Series(texts).str.contains(engine.SIGNATURE[check]).to_list() == python


def test_sensitive_words_are_found_as_python_finds_them() -> None:
    """Python's re.IGNORECASE finds 'HIV' in 'Hİv' and 'hıv' (U+0130, U+0131), the regex crate's (?i)
    did not: a cell of a free-text column counted by the Python pass only (fails on the former
    dialect.search_pattern)."""
    vocab = vocabulary()
    words = [w for c in vocab.sensitive for w in c.words][:60]
    texts = [f"メモ{w}あり" for w in words] + [
        "hiv陽性",
        "特になし",
        "Hiv",
        "なし",
        "Hİv陽性",
        "hıv",
        "DV被害",
        "dv被害",
    ]
    for category in vocab.sensitive:
        python = [category.values.search(t) is not None for t in texts]
        found = pl.DataFrame({"c": texts}).select(engine.words_found(pl.col("c"), [category]))
        assert found.to_series().to_list() == python
        assert dialect.words_pattern(category.words) is not None  # the package's words: the engine's search


def test_a_word_with_a_letter_the_engine_folds_otherwise_is_searched_by_python() -> None:
    """A register's word with a cased letter beyond ASCII ('Ärzte'): no engine pattern (dialect.words_pattern
    is None), so the engine asks Python's search, cell by cell, and finds what Python finds."""
    from meti_pi.classify.vocabulary import _alternation

    words = ("Ärzte", "İstanbul")
    category = SensitiveCategory("medical_history", "病歴", (), _alternation(words), words)
    assert dialect.words_pattern(words) is None
    texts = ["ärzte", "ÄRZTE", "arzte", "istanbul", "İSTANBUL", "ıstanbul", "", "なし"]
    python = [category.values.search(t) is not None for t in texts]
    found = pl.DataFrame({"c": texts}).select(engine.words_found(pl.col("c"), [category]))
    assert found.to_series().to_list() == python


def test_distinct_hashes_spill_and_count_exactly() -> None:
    counter = engine.DistinctHashes(limit=1000)
    rng = random.Random(3)
    values = [rng.getrandbits(64) for _ in range(20_000)]
    for start in range(0, 40_000, 700):
        counter.add_series(pl.Series([values[(start + i) % 20_000] for i in range(700)], dtype=pl.UInt64))
    assert counter.spills > 0
    assert counter.count() == 20_000
    counter.close()


@pytest.mark.parametrize("limit", [1000, 1 << 20])  # with spill files, and in memory
def test_a_distinct_count_started_early_is_the_count(limit: int) -> None:
    """start_count (the count on a thread, overlapping the end of a pass) gives count()'s number;
    hashes added after it are counted too (the early count is dropped); close() waits for it."""
    rng = random.Random(5)
    values = pl.Series([rng.getrandbits(64) for _ in range(9_000)], dtype=pl.UInt64)
    counter = engine.DistinctHashes(limit=limit)
    counter.add_series(values[:6_000])
    counter.add_series(values[3_000:6_000])  # repeats
    counter.start_count()
    assert counter.count() == 6_000
    counter.start_count()
    counter.add_series(values[6_000:])
    assert counter.count() == 9_000
    counter.start_count()
    counter.close()  # waits for the thread before the spill files go
    assert not [t for t in threading.enumerate() if t.name == "meti-pi-distinct"]


@pytest.mark.parametrize("pool", [500, 1 << 40])  # keys that repeat, and mostly distinct ones
def test_distinct_hashes_compacted_while_they_come_in_count_exactly(pool: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Compactions on a thread every COMPACT_STEP hashes (while more are added) give the exact count;
    on mostly distinct keys the first compaction stops them; a spill still works beside them."""
    from meti_pi.classify import keys

    monkeypatch.setattr(keys, "COMPACT_STEP", 1000)
    rng = random.Random(7)
    values = [rng.randrange(pool) for _ in range(30_000)]
    for limit in (4000, 1 << 20):
        counter = engine.DistinctHashes(limit=limit)
        for start in range(0, len(values), 300):
            counter.add_series(pl.Series(values[start : start + 300], dtype=pl.UInt64))
        assert counter.count() == len(set(values))
        assert counter.compacting is (pool == 500)
        counter.close()
    counter = engine.DistinctHashes()
    for start in range(0, 3000, 300):
        counter.add_series(pl.Series(values[start : start + 300], dtype=pl.UInt64))
    counter.close()  # with a compaction perhaps still running: no thread is left
    assert not [t for t in threading.enumerate() if t.name == "meti-pi-distinct"]


# ---------------------------------------------------------------- Parquet


def _parquet(path: Path, n: int = 1500, my_number: bool = True) -> Path:
    rng = random.Random(1)
    frame = pl.DataFrame(
        {
            "職員番号": [f"S{i:06d}" for i in range(n)],
            "氏名": [gen_datasets.person(rng)[0] for _ in range(n)],
            "マイナンバー": [gen_datasets.my_number(rng) for _ in range(n)],
            "年齢": [20 + i % 40 for i in range(n)],
            "備考": ["糖尿病で通院" if i % 10 == 0 else None for i in range(n)],
        }
    )
    (frame if my_number else frame.drop("マイナンバー")).write_parquet(path)
    return path


def test_parquet_is_scanned(tmp_path: Path) -> None:
    result = columnar.scan(_parquet(tmp_path / "staff.parquet"))
    assert result.format == "parquet" and result.rows == 1500 and result.principals == 1500
    kinds = {d.kind for d in result.confirmed()}
    assert {"person_id", "name", "my_number", "sensitive:medical_history"} <= kinds
    assert result.columns == ("職員番号", "氏名", "マイナンバー", "年齢", "備考")


def test_a_parquet_struct_is_read_as_columns_of_its_own(tmp_path: Path) -> None:
    """A struct column (本人: {個人番号, 電話番号}) was one empty cell: its 個人番号 unseen, 管理C for a
    file of 管理A. Its fields are columns named by their path, as a .jsonl nested object's members."""
    rng = random.Random(2)
    n = 1200
    frame = pl.DataFrame(
        {
            "氏名": [gen_datasets.person(rng)[0] for _ in range(n)],
            "本人": [
                {"個人番号": gen_datasets.my_number(rng), "連絡先": {"電話番号": f"090-1234-{i:04d}"}} for i in range(n)
            ],
        }
    )
    path = tmp_path / "nested.parquet"
    frame.write_parquet(path)
    result = columnar.scan(path)
    assert result.columns == ("氏名", "本人.個人番号", "本人.連絡先.電話番号")
    assert {"my_number", "phone"} <= {d.kind for d in result.confirmed()}
    assert result.principals == n


def test_parquet_classify_and_record(tmp_path: Path, runner: CliRunner) -> None:
    root = make_register(tmp_path, example=True)
    data = _parquet(tmp_path / "staff.parquet")
    out = invoke(runner, root, "classify", str(data), "--json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert (
        doc["dataset"]["format"] == "parquet"
        and doc["management_class"] == "A"
        and doc["specific_personal_information"]
    )
    before = git(root, "rev-parse", "HEAD").strip()
    data = _parquet(tmp_path / "staff2.parquet", my_number=False)  # the record holds no 個人番号 basis
    rec = invoke(runner, root, "classify", str(data), "--record", "F-2026-5TV229", "--json")
    assert rec.exit_code == 0, rec.stderr
    assert git(root, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    assert "format: parquet" in (root / "files" / "F-2026-5TV229.yaml").read_text(encoding="utf-8")


def test_a_damaged_parquet_file_is_a_usage_error(tmp_path: Path, runner: CliRunner) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    root = make_register(tmp_path, example=True)
    out = invoke(runner, root, "classify", str(bad), "--json")
    assert out.exit_code == 2
    assert f"{bad}: unreadable Parquet file" in out.stderr and "Traceback" not in out.stderr


def test_the_spelled_out_whitespace_is_pythons() -> None:
    import re as _re

    spaces = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    texts = [f"a{c}b" for c in map(chr, range(0x3100))] + [f"a{c}b" for c in spaces]
    python = [_re.compile(r"a\sb").fullmatch(t) is not None for t in texts]
    assert pl.Series(texts).str.contains(dialect.full_pattern(r"a\sb")).to_list() == python


def test_key_cells_are_folded_as_python_folds_them() -> None:
    """engine._folded (literal searches for KEY_DROP_CHARS) is principals.fold_cells, cell for cell:
    every character up to U+30FF and the full-width forms, between letters, and mixed cells."""
    from meti_pi.classify.principals import fold_cells

    spaces = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert set(spaces) <= set(engine.KEY_DROP_CHARS)  # every Python space, and nothing but spaces and dashes
    assert set(engine.KEY_DROP_CHARS) - set(spaces) == set("-‐‑–—―−")
    chars = [chr(c) for c in range(0x3100)] + [chr(c) for c in range(0xFE00, 0x10000)]
    cells = [f"a{c}b" for c in chars] + [
        "１２３４ ５６７８－９０１２",
        "山田　太郎",
        "",
        " ",
        "--",
        "ﾔﾏﾀﾞ ﾀﾛｳ",
        "a\u3000-\tb",
    ]
    assert engine._folded(pl.Series(cells)).to_list() == list(fold_cells(cells))
    assert engine._folded(pl.Series(["plain", "123"])).to_list() == ["plain", "123"]  # nothing to change


@pytest.mark.parametrize(
    "cells",
    [
        ["E0001"] * 3000 + ["1234 5678-9012", "１２３４　５６７８"] * 10,  # few to rewrite: found, rewritten alone
        ["1234 5678-9012", "123456789012"] * 1500,  # many from the first cells on: every cell rewritten
        ["123456789012"] * 2000 + ["1234 5678-9012"] * 2000,  # many, after plain first cells
        ["123456789012"] * 3000,  # none
    ],
)
def test_key_cells_are_folded_alike_whichever_way_they_are_rewritten(cells: list[str]) -> None:
    """_folded rewrites only the cells holding a character to drop when they are few, all cells when
    they are many (the first cells tell which): the same cells either way."""
    from meti_pi.classify.principals import fold_cells

    assert engine._folded(pl.Series(cells)).to_list() == list(fold_cells(cells))


def test_the_checked_batches_are_the_rows_the_python_scan_checks() -> None:
    """Layout.runs: the row ranges of the checked batches of any chunk, as the Python scan's
    rule gives them row by row (a batch checked when it starts below FULL_CHECK_ROWS or is one in CHECK_EVERY)."""
    from meti_pi.classify.vocabulary import CHECK_EVERY, FULL_CHECK_ROWS

    def batch_and_start(head: int, r: int) -> tuple[int, int]:  # Layout's rule, row by row
        if r < head:
            return r // engine.BATCH, (r // engine.BATCH) * engine.BATCH
        return -(-head // engine.BATCH) + (r - head) // engine.BATCH, head + ((r - head) // engine.BATCH) * engine.BATCH

    total = FULL_CHECK_ROWS + 9 * engine.BATCH + 77
    for head in (0, 500, 2048, 2500):
        layout = engine.Layout(head)
        expected = []
        for r in range(total):
            b, start = batch_and_start(head, r)
            if start < FULL_CHECK_ROWS or b % CHECK_EVERY == 0:
                expected.append((r, b))
        for step in (total, 4096, 3001, 2048, 1000):
            got = []
            for offset in range(0, total, step):
                for b, lo, hi in layout.runs(offset, min(step, total - offset)):
                    assert layout.start_of(b) <= lo < hi <= layout.end_of(b)
                    got += [(r, b) for r in range(lo, hi)]
            assert got == expected, (head, step)


def test_short_rows_after_the_head_are_counted_by_the_engine_as_python_counts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows missing their last cells far past the head are read by the engine (no fallback) with
    empty cells, as the Python reader pads them: a person written once with an empty birth date and
    once without the cell at all is one person (氏名 + 生年月日 the key)."""
    lines = ["備考,氏名,生年月日"]
    names = [f"{s} {g}" for s in gen_datasets.SURNAMES for g in gen_datasets.GIVEN]
    for r in range(20_000):
        lines.append(f"通院,{names[r % len(names)]},19{50 + r % 40}-0{1 + r % 9}-1{r % 10}")
    for name in names:  # after the head: people without a birth date, each written both ways
        lines += [f"通院,{name},", f"通院,{name}"]
    path = tmp_path / "short.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    python = rows.scan(path)
    assert python.principal_keys == ("氏名", "生年月日") and python.principals is not None

    def no_fallback(*args: object, **kwargs: object) -> None:
        raise AssertionError("the engine fell back to the Python pass")

    monkeypatch.setattr(columnar, "scan_rows", no_fallback)
    assert columnar.scan(path) == python


def test_the_head_is_typed_while_the_first_chunks_are_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The column typing (Python) runs once the first EARLY chunks are handed to the parsers (which
    release the GIL), not before the pass starts; the result is the Python scan's."""
    path = gen_varied.write_varied(tmp_path / "v.csv", 3_000)
    monkeypatch.setattr(engine, "CHUNK_BYTES", 1 << 14)  # many chunks
    events: list[str] = []
    prefetch, prepare = engine.prefetch, columnar.prepare

    def handed(chunks: object, depth: int = 2) -> object:
        for chunk in prefetch(chunks, depth):  # type: ignore[arg-type]
            events.append("chunk")
            yield chunk

    def typed(*args: object, **kwargs: object) -> object:
        events.append("prepare")
        return prepare(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "prefetch", handed)
    monkeypatch.setattr(columnar, "prepare", typed)
    same(path)
    assert events[: columnar.EARLY + 1] == ["chunk"] * columnar.EARLY + ["prepare"]
    assert events.count("prepare") == 1 and events.count("chunk") > columnar.EARLY + 1


def test_a_typing_error_stops_the_started_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A usage error while typing the head (a --key that names no column) leaves no reader thread behind."""

    path = gen_varied.write_varied(tmp_path / "v.csv", 3_000)
    monkeypatch.setattr(engine, "CHUNK_BYTES", 1 << 14)
    with pytest.raises(UsageError):
        columnar.scan(path, keys=("no such column",))
    assert not [t for t in threading.enumerate() if t.name == "meti-pi-reader"]


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_an_id_column_empty_after_the_first_500_rows_is_not_the_key(tmp_path: Path, encoding: str) -> None:
    """職員番号 filled for the first 800 of 1,200 staff: the key's coverage was judged on 500 rows while
    the columns are typed on the head's 2,048, and 800 本人 were counted (管理C, 74-2-9). The head
    whole shows the gap: the next key (氏名 + 生年月日) counts every person."""
    lines = ["職員番号,氏名,生年月日"]
    lines += [f"{f'E{i:05d}' if i < 800 else ''},{_person(i)}" for i in range(1200)]
    path = tmp_path / "k.csv"
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    result = same(path)
    assert result.principal_keys == ("氏名", "生年月日") and result.principals == 1200


def test_a_trailing_comma_after_the_first_batch_keeps_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One row past the first batch ends with a ',' (an empty cell right of the table): the engine
    refused the whole chunk and the file took the Python pass (0.77 -> 2.65 s at 1M rows). The
    chunk's extra cells are checked empty by the Python reader and the engine cuts them, as that
    reader does; a value there still takes the Python pass, which refuses it with its line."""
    lines = ["氏名,電話番号"] + [f"山田 太郎{i % 7},03-1234-{i % 10000:04d}" for i in range(5000)]
    lines[3000] += ","
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    python = rows.scan(path)

    def no_fallback(*args: object, **kwargs: object) -> None:
        raise AssertionError("the engine fell back to the Python pass")

    with monkeypatch.context() as m:
        m.setattr(columnar, "scan_rows", no_fallback)
        assert columnar.scan(path) == python and python.rows == 5000
    lines[3000] += "x"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"t\.csv:3001: a row with values right of the table's 2 columns"):
        columnar.scan(path)
