""".jsonl through the columnar engine (issue 18 item 4): the ScanResult of the Python pass, always.

Lines in the canonical form (string or null values, plain distinct keys) are parsed by polars;
each case where polars would read a line otherwise than json.loads makes the file take the
Python pass — and the result is the Python pass's in every case. `engine_used` tells which path
ran, so a case cannot pass by falling back silently.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from meti_pi.classify import columnar, ndjson
from meti_pi.classify import scan as rows
from meti_pi.classify.rows import json_text
from meti_pi.errors import UsageError

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import gen_datasets  # noqa: E402
import gen_varied  # noqa: E402


def scan_both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[rows.ScanResult, bool]:
    """(the result, whether the engine gave it), after checking it equals the Python pass's."""
    fell_back: list[bool] = []
    python_pass = columnar.scan_rows

    def recorded(*args: object, **kw: object) -> rows.ScanResult:
        fell_back.append(True)
        return python_pass(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(columnar, "scan_rows", recorded)
    result = columnar.scan(path)
    assert result == rows.scan(path)
    return result, not fell_back


def varied_jsonl(tmp_path: Path, n: int, extra: list[str] | None = None) -> Path:
    """`n` rows of the independent generator's data as JSON lines (then the `extra` lines)."""
    source = gen_varied.write_varied(tmp_path / "v.csv", n)
    path = tmp_path / "v.jsonl"
    with source.open(encoding="utf-8", newline="") as fh, path.open("w", encoding="utf-8") as out:
        reader = csv.reader(fh)
        header = next(reader)
        for row in reader:
            out.write(json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False) + "\n")
        for line in extra or []:
            out.write(line + "\n")
    return path


def test_a_long_canonical_file_goes_through_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """6,000 rows (past the head and several batches), cut into many chunks."""
    monkeypatch.setattr(ndjson, "CHUNK_BYTES", 1 << 16)
    path = varied_jsonl(tmp_path, 6000)
    result, engine = scan_both(path, monkeypatch)
    assert engine
    assert result.rows == 6000
    assert {d.kind for d in result.detections} >= {"name", "phone", "email", "my_number"}


def test_the_labelled_corpus_jsonl_scans_identically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = [p for p, _ in gen_datasets.labelled_corpus(tmp_path, rows=600) if p.suffix == ".jsonl"]
    assert corpus
    for path in corpus:
        scan_both(path, monkeypatch)


HEAD = [
    json.dumps({"氏名": f"山田 太郎{i}", "電話": f"03-1234-{i:04d}", "メモ": "x"}, ensure_ascii=False)
    for i in range(2100)
]
# past the first batch of 2,048 rows: the head (SAMPLE_ROWS) is read from that batch alone


@pytest.mark.parametrize(
    ("line", "engine"),
    [
        ('{"氏名":"佐藤 花子","電話":null,"メモ":"a\\nb\\t\\u3042\\/\\\\\\""}', True),  # null, JSON's escapes
        ('  {"氏名": "佐藤 花子" }\t', True),  # spaces and tabs around (json.dumps' ": ")
        ('{"氏名" : "佐藤 花子"}', False),  # a space before ':' (keys are then not counted by literal search)
        ('{"メモ":"a\\":b","電話":"1"}', True),  # an escaped quote before ':' inside a value is not a key
        ('{"メモ":"\\\\\\":"}', True),  # an escaped backslash, then an escaped quote, then ':'
        ("{}", True),  # an empty object is a row of empty cells
        ("   ", True),  # a blank line is skipped by both
        ('{"氏名":"佐藤","氏名":"鈴木"}', False),  # duplicate key: polars takes the first, json.loads the last
        ('{"氏名":"\\ud800"}', False),  # lone surrogate: polars gives U+0000
        ('{"氏名":"\\ud83d\\ude00"}', False),  # a surrogate pair (falls back too: rare)
        ('{"電話":1.0}', False),  # a number: polars "1", json.dumps "1.0"
        ('{"電話":1e5}', False),
        ('{"電話":true,"メモ":false}', True),  # booleans: json.dumps' true/false, polars' too
        ('{"電話":-0,"メモ":120}', True),  # whole numbers: "0" and "120" from both
        ('{"電話":999999999999999999}', True),  # 18 digits
        ('{"電話":1000000000000000000}', False),  # 19 digits: past what the form takes
        ('{"電話":-12 }', True),
        ('{"メモ":{"b":1,"a":2}}', False),  # nested: json.dumps sorts the keys
        ('{"メモ":["a"]}', False),  # an array
        ('{"新しい列":"x"}', False),  # a key the head did not have (typed on its batch by the Python pass)
        ('{"\\u6c0f\\u540d":"x"}', False),  # an escaped key
        ('{"電話":NaN}', False),  # json.loads takes NaN, JSON does not
    ],
)
def test_each_case_gives_the_python_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, engine: bool
) -> None:
    path = tmp_path / "case.jsonl"
    path.write_text("\n".join([*HEAD, line, *HEAD[:3]]) + "\n", encoding="utf-8")
    _, used = scan_both(path, monkeypatch)
    assert used is engine


def test_a_nested_object_is_read_as_columns_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """{"氏名": ..., "本人": {"個人番号": ...}}: the nested object was one cell of JSON text, its 個人番号
    unseen, 1,200 people counted by name alone (30): 管理C for a file of 管理A. Its members are
    columns (本人.個人番号), in the Python pass (a nested value takes the file there)."""
    from meti_pi.classify.checkdigits import my_number_check_digit

    def my_number(i: int) -> str:
        body = f"{31415926535 + i * 7919:011d}"
        return body + str(my_number_check_digit(body))

    surnames, given = ["山田", "佐藤", "鈴木", "高橋", "田中"], ["太郎", "花子", "一郎", "次郎", "美咲", "健太"]
    path = tmp_path / "n.jsonl"
    lines = [
        {
            "氏名": f"{surnames[i % 5]} {given[i % 6]}",
            "本人": {"個人番号": my_number(i), "連絡先": {"電話番号": f"090-1234-{i:04d}"}},
        }
        for i in range(1200)
    ]
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    result, engine = scan_both(path, monkeypatch)
    assert not engine
    assert result.columns == ("氏名", "本人.個人番号", "本人.連絡先.電話番号")
    assert {d.kind for d in result.confirmed()} >= {"my_number", "phone"}
    assert result.principals == 1200


def test_a_raw_control_character_is_refused_as_before(tmp_path: Path) -> None:
    """json.loads refuses a raw tab in a string (polars would take it): the Python pass names the line."""
    path = tmp_path / "tab.jsonl"
    path.write_text("\n".join([*HEAD, '{"メモ":"tab\tinside"}']) + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"tab\.jsonl:2101: not valid JSON"):
        columnar.scan(path)


def test_a_duplicate_key_with_null_last_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """json.loads keeps the last value (null: an empty cell), polars the first: caught, not counted."""
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join([*HEAD, '{"氏名":"佐藤 花子","氏名":null}']) + "\n", encoding="utf-8")
    _, used = scan_both(path, monkeypatch)
    assert not used


@pytest.mark.parametrize(
    ("prefix", "suffix", "engine"),
    [
        (b"", b'{"a":"x"}\r\n', False),  # CR: a line end for Python's universal newlines
        (b"\xef\xbb\xbf", b"", True),  # UTF-8 with BOM
        (b"", b'{"a":"x"}', True),  # no line end at the end of the file
    ],
)
def test_line_ends_and_bom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: bytes, suffix: bytes, engine: bool
) -> None:
    path = tmp_path / "e.jsonl"
    body = b"".join(json.dumps({"a": f"v{i}"}).encode() + b"\n" for i in range(50))
    path.write_bytes(prefix + body + suffix)
    _, used = scan_both(path, monkeypatch)
    assert used is engine


def test_invalid_utf8_far_into_the_file_is_named_by_the_python_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ndjson, "CHUNK_BYTES", 1 << 12)
    path = tmp_path / "bad.jsonl"
    lines = [json.dumps({"a": f"v{i}"}).encode() for i in range(3000)]
    lines[2500] = b'{"a":"\xff"}'
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(UsageError, match=r"bad\.jsonl:2501: not valid UTF-8"):
        columnar.scan(path)


def test_a_bad_line_far_into_the_file_is_named_by_the_python_pass(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = [json.dumps({"a": f"v{i}"}) for i in range(3000)]
    lines[2700] = '{"a": '
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"bad\.jsonl:2701: not valid JSON"):
        columnar.scan(path)


def test_key_patterns_are_literal() -> None:
    """A key's regex metacharacters match themselves only ("a.b" is not "axb")."""
    from meti_pi.classify.engine import Fallback

    chunks = ndjson.LineChunks(Path("unused"), ["a.b", "c+(d", "日 本"], "utf-8", 1 << 20)
    frame = chunks.parse('{"a.b":"1","c+(d":"2","日 本":"3"}\n'.encode())
    assert frame.rows() == [("1", "2", "3")]
    with pytest.raises(Fallback, match="new key"):
        chunks.parse(b'{"axb":"1"}\n')


def test_a_duplicate_key_beside_a_line_without_it_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As many members of the key as lines, yet one line has it twice: counted line by line."""
    path = tmp_path / "dup2.jsonl"
    lines = [*HEAD, '{"氏名":"佐藤","氏名":"鈴木","電話":"1","メモ":"x"}', '{"電話":"2","メモ":"y"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, used = scan_both(path, monkeypatch)
    assert not used


def test_every_json_escape_reads_as_json_loads_reads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Control-character, BMP, private-use and escaped-backslash escapes, raw astral characters."""
    line = r'{"メモ":"\b\f\r\u0001\u001f\u00e9\u3042\uFFFF\uE000 😀𠮷 \\u0041 \u0041\u005C\u0022\/"}'
    assert json.loads(line)["メモ"].startswith("\b\f\r\x01")
    path = tmp_path / "esc.jsonl"
    path.write_text("\n".join([*HEAD, line, line]) + "\n", encoding="utf-8")
    _, used = scan_both(path, monkeypatch)
    assert used


def test_parsed_cells_are_json_loads_values() -> None:
    """The cells themselves, not only the counts: the engine's row is json.loads' (None as '')."""
    lines = [
        r'{"a":"\b\f\r\u0001\u00e9\uFFFF 😀 \\u0041 \u005C\u0022\/","b":null}',
        '  {"b": "x" ,"a":"y"}\t',
        "{}",
        '{"a":-0,"b":true}',
        '{"a":-999999999999999999,"b":false}',
    ]
    chunks = ndjson.LineChunks(Path("unused"), ["a", "b"], "utf-8", 1 << 20)
    frame = chunks.parse(("\n".join(lines) + "\n").encode())
    expected = [tuple(json_text(json.loads(line).get(k)) for k in ("a", "b")) for line in lines]
    assert frame.rows() == expected


def test_lines_in_the_heads_order_take_one_match_and_read_as_the_general_form(tmp_path: Path) -> None:
    """The one-match form (every key once, in the head's order) accepts a chunk only where the general
    form does too, and gives the same rows: 400 random chunks of lines shuffled, cut, doubled, nulled,
    with metacharacter keys and escapes; both forms are exercised."""
    import random

    from meti_pi.classify.engine import Fallback

    keys = ["a.b", "氏 名", "c+(d)", "x"]
    values = ['"v"', "null", "true", "-0", "42", '"a\\"b:"', '"\\u3042\\n"', '"日本"', '""', '"\\\\\\":"']
    rng = random.Random(18)

    def line() -> str:
        chosen = list(keys)
        if rng.random() < 0.15:
            rng.shuffle(chosen)
        if rng.random() < 0.1:
            chosen.pop(rng.randrange(len(chosen)))
        if rng.random() < 0.05:
            chosen.append(rng.choice([*keys, "axb", "new"]))
        members = [f'{rng.choice(["", " "])}"{k}":{rng.choice(["", " "])}{rng.choice(values)}' for k in chosen]
        if rng.random() < 0.03:
            members[0] = f'"{chosen[0]}":1'  # a number: neither form
        return rng.choice(["", "\t"]) + "{" + ",".join(members) + "}" + rng.choice(["", " "])

    def outcome(chunks: ndjson.LineChunks, data: bytes) -> object:
        try:
            return chunks.parse(data).rows()
        except Fallback as exc:
            return str(exc)

    ordered = ndjson.LineChunks(Path("unused"), keys, "utf-8", 1 << 20)
    general = ndjson.LineChunks(Path("unused"), keys, "utf-8", 1 << 20)
    general.in_order = None
    assert ordered.in_order is not None
    import polars as pl

    taken = 0
    for _ in range(400):
        lines = [line() if rng.random() < 0.97 else "  " for _ in range(rng.randrange(1, 6))]
        data = ("\n".join(lines) + rng.choice(["\n", ""])).encode()
        one_match = pl.Series([data.decode()]).str.contains(ordered.in_order).item()
        taken += one_match
        assert outcome(ordered, data) == outcome(general, data), data
        assert not one_match or isinstance(outcome(general, data), list), data
    assert 80 < taken < 320  # both forms ran


def test_a_key_that_cannot_be_written_plain_has_no_one_match_form() -> None:
    """A key holding '"' or '\\' (json.loads decoded it from an escape) never matches its own text."""
    assert ndjson.in_order(['a"b', "c"]) is None
    assert ndjson.in_order(["a\\b"]) is None
    assert ndjson.in_order(["a\tb"]) is None
    assert ndjson.in_order(["a b", "#~&-[]"]) is not None


def test_whole_numbers_and_booleans_read_as_json_text() -> None:
    """polars spells every whole number of 1 to 18 digits (either sign, -0) and true/false as the Python
    reader's json_text of json.loads' value: 20,000 random ones through parse (the engine's form)."""
    import random

    rng = random.Random(21)
    values = ["0", "-0", "true", "false", "999999999999999999", "-999999999999999999"]
    for _ in range(20_000):
        digits = rng.randint(1, 18)
        number = rng.randint(10 ** (digits - 1) if digits > 1 else 0, 10**digits - 1)
        values.append(f"{rng.choice(['', '-'])}{number}")
    lines = "".join(f'{{"a":{v},"b":"x"}}\n' for v in values).encode()
    chunks = ndjson.LineChunks(Path("unused"), ["a", "b"], "utf-8", 1 << 24)
    assert chunks.parse(lines).get_column("c0").to_list() == [json_text(json.loads(v)) for v in values]


def test_lines_of_too_many_keys_for_the_one_match_form_take_the_general_form() -> None:
    """The one-match form's regex spells every key: at 1,000 keys it exceeds the engine's compiled size
    limit, and the ComputeError sent the whole file to the Python pass (a .jsonl the general form had
    read in the engine before the one-match form). Now the general form reads such a chunk, rows as
    json.loads reads them. Fails on the former code (ComputeError)."""
    keys = [f"key_{i}" for i in range(1000)]
    line = "{" + ",".join(f'"{k}":"v{i}"' for i, k in enumerate(keys)) + "}"
    chunks = ndjson.LineChunks(Path("unused"), keys, "utf-8", 1 << 24)
    assert chunks.in_order is not None
    frame = chunks.parse(f"{line}\n{line}\n".encode())
    expected = tuple(json_text(v) for v in json.loads(line).values())
    assert frame.rows() == [expected, expected] and chunks.in_order is None
