"""Detectors (one unit each), header context, column decisions and the scan."""

from __future__ import annotations

import csv
import random
import sys
from datetime import date
from pathlib import Path

import pytest

from meti_pi.classify import detect
from meti_pi.classify.checkdigits import my_number_check_digit
from meti_pi.classify.detect import (
    Candidate,
    decide_candidate,
    header_kind,
    header_sensitive,
    is_address,
    is_birth_date,
    is_card_number,
    is_corporate_number,
    is_email,
    is_header_row,
    is_kana_reading,
    is_my_number,
    is_person_name,
    is_phone,
    is_postal_code,
    kana_two_part,
    matches_pattern,
    my_number_grouped,
    parse_birth_date,
    phone_separated,
    scan,
    sensitive_categories_in,
    shape,
    starts_with_surname,
    vocabulary,
)

# ------------------------------------------------------------------ 個人番号 (legal brief §4.4)


@pytest.mark.parametrize(
    "value",
    [
        "621498320257",
        "983205673214",
        "200000000000",
        "6214-9832-0257",
        "6214 9832 0257",
        "６２１４９８３２０２５７",
        "６２１４　９８３２　０２５７",
        " 983205673214 ",
    ],
)
def test_my_number_valid_forms(value: str) -> None:
    assert is_my_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "621498320258",  # check digit off by one
        "621498320256",
        "983205673210",
        "62149832025",  # 11 digits
        "6214983202570",  # 13 digits: never a 12-digit substring of a longer run
        "6214-98320257",  # mixed grouping
        "6214-9832 0257",
        "abcd98320257",
        "",
    ],
)
def test_my_number_invalid_forms(value: str) -> None:
    assert not is_my_number(value)


def test_my_number_grouping_is_context() -> None:
    assert my_number_grouped("6214-9832-0257")
    assert my_number_grouped("６２１４　９８３２　０２５７")
    assert not my_number_grouped("621498320257")


def test_every_check_digit_off_by_one_fails() -> None:
    rng = random.Random(5)
    for _ in range(200):
        body = "".join(rng.choice("0123456789") for _ in range(11))
        good = my_number_check_digit(body)
        assert is_my_number(body + str(good))
        assert not is_my_number(body + str((good + 1) % 10))


# ------------------------------------------------------------------ 法人番号 (legal brief §4.5)


@pytest.mark.parametrize("value", ["5835678256246", "7123456789012", "4011001098993", "5-8356-7825-6246"])
def test_corporate_number_valid(value: str) -> None:
    assert is_corporate_number(value)


@pytest.mark.parametrize("value", ["2835678256246", "583567825624", "58356782562460", "0123456789012"])
def test_corporate_number_invalid(value: str) -> None:
    assert not is_corporate_number(value)


def test_corporate_number_is_not_a_my_number() -> None:
    assert not is_my_number("4011001098993")


# ------------------------------------------------------------------ cards (Luhn)


@pytest.mark.parametrize(
    "value", ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005", "3782-822463-10005"]
)
def test_card_number_valid(value: str) -> None:
    assert is_card_number(value)


@pytest.mark.parametrize("value", ["4111111111111112", "411111111111", "41111111111111111111", "4111-1111-1111-111x"])
def test_card_number_invalid(value: str) -> None:
    assert not is_card_number(value)


# ------------------------------------------------------------------ dates: 西暦 and 和暦


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1970-01-31", date(1970, 1, 31)),
        ("1970/1/31", date(1970, 1, 31)),
        ("1970年1月31日", date(1970, 1, 31)),
        ("１９７０年１月３１日", date(1970, 1, 31)),
        ("19700131", date(1970, 1, 31)),
        ("昭和45年1月31日", date(1970, 1, 31)),
        ("S45.1.31", date(1970, 1, 31)),
        ("s45/1/31", date(1970, 1, 31)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("H2-3-4", date(1990, 3, 4)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("R6.12.1", date(2024, 12, 1)),
        ("大正15年12月24日", date(1926, 12, 24)),
        ("昭和元年12月25日", date(1926, 12, 25)),
    ],
)
def test_birth_date_forms(value: str, expected: date) -> None:
    assert parse_birth_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "1970-02-30",  # no such day
        "1970-13-01",
        "昭和65年1月1日",  # 昭和 ended in its 64th year
        "平成31年5月1日",  # already 令和元年
        "平成元年1月7日",  # still 昭和64年
        "令和元年4月30日",  # still 平成31年
        "昭和0年1月1日",
        "1700-01-01",
        "2024-1",
        "第3四半期",
    ],
)
def test_birth_date_rejects(value: str) -> None:
    assert not is_birth_date(value)


# ------------------------------------------------------------------ contact details


@pytest.mark.parametrize(
    "value",
    [
        "03-1234-5678",
        "090-1234-5678",
        "09012345678",
        "0312345678",
        "(03) 1234-5678",
        "+81-90-1234-5678",
        "０３－１２３４－５６７８",
        "0120-123-456",
    ],
)
def test_phone_valid(value: str) -> None:
    assert is_phone(value)


@pytest.mark.parametrize(
    "value", ["1234-5678", "123-456-7890", "090-1234-56789", "00012345678", "2024-11-26", "621498320257"]
)
def test_phone_invalid(value: str) -> None:
    assert not is_phone(value)


def test_phone_needs_separators_without_header() -> None:
    assert phone_separated("090-1234-5678")
    assert not phone_separated("09012345678")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("100-8901", True),
        ("〒100-8901", True),
        ("1008901", True),
        ("１００－８９０１", True),
        ("100-890", False),
        ("1000-8901", False),
    ],
)
def test_postal_code(value: str, ok: bool) -> None:
    assert is_postal_code(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("taro.yamada@example.jp", True),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", True),
        ("a@b", False),
        ("taro@", False),
        ("@example.jp", False),
        ("a b@example.jp", False),
    ],
)
def test_email(value: str, ok: bool) -> None:
    assert is_email(value) is ok


# ------------------------------------------------------------------ names and addresses


@pytest.mark.parametrize(
    "value", ["山田 太郎", "山田太郎", "佐々木　花子", "ヤマダ タロウ", "Taro Yamada", "佐藤 まり"]
)
def test_person_name(value: str) -> None:
    assert is_person_name(value)


@pytest.mark.parametrize("value", ["株式会社テスト商事123", "090-1234-5678", "a", "東京都千代田区霞が関1-3-1"])
def test_person_name_rejects(value: str) -> None:
    assert not is_person_name(value)


def test_surname_vocabulary_is_the_value_only_evidence() -> None:
    assert starts_with_surname("山田 太郎")
    assert starts_with_surname("佐々木花子")
    assert not starts_with_surname("東京都庁")
    assert not starts_with_surname("山田")  # a surname alone is not a full name


@pytest.mark.parametrize(
    ("value", "ok"),
    [("ヤマダ タロウ", True), ("やまだ たろう", True), ("ﾔﾏﾀﾞ ﾀﾛｳ", True), ("山田", False), ("ヤマダ1", False)],
)
def test_kana_reading(value: str, ok: bool) -> None:
    assert is_kana_reading(value) is ok


def test_kana_two_parts() -> None:
    assert kana_two_part("ヤマダ タロウ")
    assert not kana_two_part("コピーヨウシ")


@pytest.mark.parametrize(
    "value",
    [
        "東京都千代田区霞が関1-3-1",
        "北海道札幌市中央区北1条西2丁目",
        "大阪府大阪市北区梅田1-1",
        "千代田区霞が関1-3-1",
        "さいたま市中央区新都心1番地1",
    ],
)
def test_address(value: str) -> None:
    assert is_address(value)


@pytest.mark.parametrize("value", ["東京", "市場調査", "区分", "霞が関"])
def test_address_rejects(value: str) -> None:
    assert not is_address(value)


# ------------------------------------------------------------------ other 個人識別符号 and 要配慮


def test_identifier_table_has_an_as_of_date_and_the_legal_kinds() -> None:
    vocab = vocabulary()
    assert vocab.as_of
    ids = set(vocab.identification_code_ids)
    assert {
        "my_number",
        "passport",
        "drivers_license",
        "basic_pension",
        "residence_card",
        "health_insurance",
        "biometric",
    } <= ids


@pytest.mark.parametrize(
    ("kind", "value", "ok"),
    [
        ("passport", "TK1234567", True),
        ("passport", "TK123456", False),
        ("residence_card", "AB12345678CD", True),
        ("residence_card", "ab12345678cd", True),
        ("residence_card", "AB1234567CD", False),
        ("basic_pension", "1234-567890", True),
        ("drivers_license", "123456789012", True),
        ("drivers_license", "12345678901", False),
        ("employment_insurance", "1234-567890-1", True),
    ],
)
def test_identifier_formats(kind: str, value: str, ok: bool) -> None:
    assert matches_pattern(vocabulary().kind(kind), value) is ok


@pytest.mark.parametrize(
    ("text", "categories"),
    [
        ("2型糖尿病で通院", ("medical_history",)),
        ("健診の結果は要精密検査", ("health_check",)),
        ("療育手帳 B1", ("disability",)),
        ("懲役2年執行猶予3年", ("criminal_record",)),
        ("被害届を提出", ("crime_victim",)),
        ("信仰: キリスト教", ("creed",)),
        ("がんばります", ()),  # 'がん' alone is not in the vocabulary
        ("会議室の予約", ()),
    ],
)
def test_sensitive_value_vocabulary(text: str, categories: tuple[str, ...]) -> None:
    assert sensitive_categories_in(text) == categories


# ------------------------------------------------------------------ header context


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("氏名", "name"),
        ("名", "name"),
        ("氏名（カナ）", "name_kana"),
        ("フリガナ", "name_kana"),
        ("会社名", None),
        ("法人名", None),
        ("hotel_name", None),  # 'tel' inside a word is not 電話
        ("customer_id", "person_id"),
        ("DateOfBirth", "birth_date"),
        ("個人番号", "my_number"),
        ("マイナンバー", "my_number"),
        ("注文番号", None),
        ("法人番号", "corporate_number"),
        ("メールアドレス", "email"),
        ("e-mail", "email"),
        ("住所", "address"),
        ("口座名義", "name_kana"),
        ("口座番号", "bank_account"),
        ("カード番号", "card_number"),
        ("被保険者番号", "health_insurance"),
        ("介護保険被保険者番号", "care_insurance"),
        ("雇用保険被保険者番号", "employment_insurance"),
        ("在留カード番号", "residence_card"),
        ("旅券番号", "passport"),
        ("顔写真", "biometric"),
        ("〒", "postal_code"),
    ],
)
def test_header_kind(header: str, kind: str | None) -> None:
    found = header_kind(header)
    assert (found.id if found else None) == kind


@pytest.mark.parametrize(
    ("header", "categories"),
    [
        ("病歴", ("medical_history",)),
        ("障害者手帳の等級", ("disability",)),
        ("健康診断結果", ("health_check",)),
        ("雇用身分", ()),
        ("宗教", ("creed",)),
    ],
)
def test_header_sensitive(header: str, categories: tuple[str, ...]) -> None:
    assert header_sensitive(header) == categories


def test_header_row_or_data() -> None:
    assert is_header_row(["氏名", "生年月日", "メール"])
    assert not is_header_row(["山田 太郎", "1970-01-01", "taro@example.jp"])
    assert not is_header_row(["E0001", "621498320257"])
    assert not is_header_row([])


# ------------------------------------------------------------------ column decisions


def _cand(check: str, context: str, header_hit: bool, sampled: int, passed: int, grouped: int = 0) -> Candidate:
    c = Candidate("k", "k", "identification_code", check, header_hit, context)
    c.sampled, c.passed, c.grouped = sampled, passed, grouped
    return c


def test_check_digit_far_beyond_chance_makes_a_my_number_column() -> None:
    # issue 14: every value passes, no header word, no 4-4-4 grouping: random 12-digit numbers pass
    # 1 time in 10, so 100 of 100 is no chance: 個人番号 (confirmed)
    c = _cand("my_number", "header_or_grouping", False, 100, 100, grouped=0)
    assert decide_candidate(c, 100, 100) == (True, True)
    # a few values prove nothing: 8 of 8 (chance 1e-8) is reported unconfirmed at most
    few = _cand("my_number", "header_or_grouping", False, 8, 8, grouped=0)
    assert decide_candidate(few, 8, 8) == (False, False)
    # with 4-4-4 grouping it is confirmed
    g = _cand("my_number", "header_or_grouping", False, 100, 100, grouped=100)
    assert decide_candidate(g, 100, 100) == (True, True)
    # random 12-digit numbers: one in ten passes
    r = _cand("my_number", "header_or_grouping", False, 100, 11, grouped=100)
    assert decide_candidate(r, 100, 100) == (False, False)


def test_header_word_needs_half_the_values() -> None:
    assert decide_candidate(_cand("my_number", "header_or_grouping", True, 10, 5), 10, 10) == (True, True)
    assert decide_candidate(_cand("my_number", "header_or_grouping", True, 10, 4), 10, 10) == (False, False)
    assert decide_candidate(_cand("my_number", "header_or_grouping", True, 10, 10), 10, 4) == (False, False)


def test_header_only_kinds_need_the_header() -> None:
    assert decide_candidate(_cand("pattern", "header", False, 100, 100), 100, 100) == (False, False)
    assert decide_candidate(_cand("present", "header", True, 3, 3), 3, 3) == (True, True)
    assert decide_candidate(_cand("present", "header", True, 0, 0), 0, 0) == (False, False)


def test_shape_counts_batches_and_odd_cells() -> None:
    s = shape("my_number")
    assert s is not None
    cells = ("621498320257", "", "6214-9832-0257", "６２１４９８３２０２５７")
    assert s.count(cells, "\n".join(cells), 3) == 3
    mixed = ("621498320257", "not a number", "")
    assert s.count(mixed, "\n".join(mixed), 2) == 1
    multi = ("6214\n98320257", "621498320257")  # a cell holding a newline is not trusted to the batch regex
    assert s.count(multi, "\n".join(multi), 2) == 1


@pytest.mark.parametrize(
    "check", ["email", "phone", "postal_code", "birth_date", "my_number", "corporate_number", "card_number", "pattern"]
)
def test_signature_and_block_paths_agree_with_cells(check: str) -> None:
    s = shape(check)
    assert s is not None
    samples = {
        "email": ["a@b.jp", "taro.y@example.co.jp", "x@y", "@b.jp", ""],
        "phone": ["03-1234-5678", "090 1234 5678", "12", "abc", ""],
        "postal_code": ["100-8901", "1008901", "100 8901x", ""],
        "birth_date": ["1970-01-31", "S45.1.31", "19700131", "1970", ""],
        "my_number": ["621498320257", "6214-9832-0257", "62149832025", ""],
        "corporate_number": ["5835678256246", "5-8356-7825-6246", "583567825624", ""],
        "card_number": ["4111111111111111", "4111 1111 1111 1111", "41111", ""],
        "pattern": ["TK1234567", "AB-12", "!!", ""],
    }[check]
    expected = sum(1 for v in samples if v and s.cell.fullmatch(v))
    for cells in (tuple(samples), tuple(v for v in samples if not v or s.cell.fullmatch(v))):
        nonempty = sum(1 for v in cells if v)
        want = sum(1 for v in cells if v and s.cell.fullmatch(v))
        assert s.count(cells, "\n".join(cells), nonempty) == want
    assert expected < len([v for v in samples if v])  # each sample list holds a misfit


# ------------------------------------------------------------------ the scan


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def _my_number(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789") for _ in range(11))
    return body + str(my_number_check_digit(body))


def test_random_12_digit_order_numbers_are_not_my_number(tmp_path: Path) -> None:
    rng = random.Random(1)
    rows = [["注文番号", "数量"]] + [
        ["".join(rng.choice("0123456789") for _ in range(12)), str(rng.randint(1, 9))] for _ in range(3000)
    ]
    result = scan(_write_csv(tmp_path / "orders.csv", rows))
    assert not [d for d in result.detections if d.kind.startswith("my_number")]
    assert result.principals == 0
    assert not result.personal


def test_unlabelled_valid_my_numbers_are_confirmed_far_beyond_chance(tmp_path: Path) -> None:
    # issue 14 (was: reported, not confirmed): 200 of 200 passing the check digit is no chance
    rng = random.Random(2)
    rows = [["番号"]] + [[_my_number(rng)] for _ in range(200)]
    result = scan(_write_csv(tmp_path / "ids.csv", rows))
    assert [(d.kind, d.confirmed) for d in result.detections] == [("my_number", True)]
    assert result.identification_codes == ("my_number",)


def test_corporate_number_column_is_not_personal(tmp_path: Path) -> None:
    rows = [["法人番号", "所在地", "代表電話"], *[["5835678256246", "東京都千代田区霞が関1-3-1", "03-1234-5678"]] * 50]
    result = scan(_write_csv(tmp_path / "corp.csv", rows))
    kinds = {d.kind for d in result.detections}
    assert "corporate_number" in kinds
    assert not result.personal
    assert result.principals == 0


def test_scan_counts_distinct_persons_and_ignores_empty_keys(tmp_path: Path) -> None:
    rows = [["職員番号", "氏名"]] + [[f"S{i % 700:04d}", "山田 太郎"] for i in range(1400)] + [["", "佐藤 花子"]] * 5
    result = scan(_write_csv(tmp_path / "staff.csv", rows))
    assert result.principals == 700
    assert result.principal_keys == ("職員番号",)


@pytest.mark.parametrize(("n", "expected"), [(999, 999), (1000, 1000), (1001, 1001)])
def test_scan_boundary_counts(tmp_path: Path, n: int, expected: int) -> None:
    rows = (
        [["会員番号", "メールアドレス"]] + [[f"M{i}", f"m{i}@example.jp"] for i in range(n)] + [["M0", "m0@example.jp"]]
    )
    assert scan(_write_csv(tmp_path / "m.csv", rows)).principals == expected


def test_keys_normalised_before_counting(tmp_path: Path) -> None:
    rng = random.Random(3)
    numbers = [_my_number(rng) for _ in range(50)]
    spaced = [f"{n[:4]} {n[4:8]} {n[8:]}" for n in numbers]
    rows = [["個人番号"]] + [[n] for n in numbers] + [[s] for s in spaced]
    result = scan(_write_csv(tmp_path / "mn.csv", rows))
    assert result.principals == 50


def test_explicit_key_and_unknown_key(tmp_path: Path) -> None:
    from meti_pi.errors import UsageError

    rows = [["氏名", "生年月日"], ["山田 太郎", "1970-01-01"], ["山田 太郎", "1980-01-01"], ["山田 太郎", "1970-01-01"]]
    path = _write_csv(tmp_path / "k.csv", rows)
    assert scan(path).principals == 2  # name + birth date
    assert scan(path, keys=("氏名",)).principals == 1
    with pytest.raises(UsageError, match="no such column"):
        scan(path, keys=("社員番号",))


def test_headerless_file_never_uses_a_value_as_column_name(tmp_path: Path) -> None:
    rows = [["山田 太郎", "taro@example.jp", "090-1234-5678"], ["佐藤 花子", "hanako@example.jp", "090-2345-6789"]] * 10
    result = scan(_write_csv(tmp_path / "nohdr.csv", rows))
    assert result.columns == ("列1", "列2", "列3")
    assert not result.header
    assert result.rows == 20
    assert {d.kind for d in result.detections} >= {"email", "phone"}


def test_sensitive_from_header_and_from_free_text(tmp_path: Path) -> None:
    rows = (
        [["職員番号", "病歴", "備考"]]
        + [[f"S{i}", "なし", "特になし"] for i in range(2500)]
        + [["S9", "なし", "糖尿病の治療中"]]
    )
    result = scan(_write_csv(tmp_path / "s.csv", rows))
    kinds = {(d.column, d.kind) for d in result.detections}
    assert ("病歴", "sensitive:medical_history") in kinds
    assert ("備考", "sensitive:medical_history") in kinds  # found after the sample rows
    free = [d for d in result.detections if d.column == "備考"]
    assert free[0].matched == 1


def test_sensitive_word_in_a_late_unchecked_batch_is_still_found(tmp_path: Path) -> None:
    # shape checks are sampled after FULL_CHECK_ROWS, the 要配慮 search of free text is not
    n = detect.FULL_CHECK_ROWS + 3 * 2048 + 10
    rows = [["職員番号", "備考"]] + [[f"S{i}", "特になし"] for i in range(n)]
    rows[n - 5][1] = "うつ病のため休職"
    result = scan(_write_csv(tmp_path / "late.csv", rows))
    found = [d for d in result.detections if d.column == "備考"]
    assert [(d.kind, d.matched) for d in found] == [("sensitive:medical_history", 1)]
    assert result.principals == n
    staff_ids = next(d for d in result.detections if d.column == "職員番号")
    assert staff_ids.checked < n  # shape checks ran on a systematic sample of batches


def test_ordinary_free_text_is_not_sensitive(tmp_path: Path) -> None:
    rows = [["件名", "備考"]] + [["会議室予約", "がんばります。資料を送付した。"]] * 30
    assert scan(_write_csv(tmp_path / "t.csv", rows)).sensitive_categories == ()


def test_financial_and_codes(tmp_path: Path) -> None:
    rows = [["利用者ID", "カード番号", "口座番号", "旅券番号"]] + [
        [f"U{i}", "4111 1111 1111 1111", "1234567", "TK1234567"] for i in range(30)
    ]
    result = scan(_write_csv(tmp_path / "f.csv", rows))
    assert result.financial
    assert result.identification_codes == ("passport",)


def test_vocabulary_is_data() -> None:
    assert (detect.DATA / "identifiers.yaml").is_file()
    assert (detect.DATA / "sensitive_terms.yaml").is_file()


# ------------------------------------------------------------------ the labelled corpus (bench/gen_datasets.py)


def _gen_datasets():  # type: ignore[no-untyped-def]
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "bench" / "gen_datasets.py"
    spec = importlib.util.spec_from_file_location("gen_datasets", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_datasets", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_labelled_corpus_in_every_format(tmp_path: Path) -> None:
    """Both encodings, .xlsx and .jsonl: identifiers found exactly, decoys left alone."""
    corpus = _gen_datasets().labelled_corpus(tmp_path, rows=150)
    assert {p.suffix for p, _ in corpus} == {".csv", ".xlsx", ".jsonl"}
    strict = {
        "my_number",
        "corporate_number",
        "card_number",
        "passport",
        "residence_card",
        "email",
        "person_id",
        "birth_date",
    }
    for path, labels in corpus:
        found: dict[str, set[str]] = {}
        for d in scan(path).detections:
            if d.confirmed:
                found.setdefault(d.column.split("!", 1)[-1], set()).add(d.kind)
        for column, truth in labels.items():
            got = found.get(column, set())
            assert truth & strict == got & strict, (path.name, column, truth, got)
        for decoy in ("注文番号", "JANコード", "伝票番号", "整理番号", "金額", "会社名", "受付日"):
            assert not found.get(decoy), (path.name, decoy, found.get(decoy))


@pytest.mark.parametrize(
    ("passed", "checked", "beyond"),
    [
        (10, 100, False),
        (20, 100, False),  # about chance (1 in 10)
        (35, 100, True),  # P(X >= 35 | 100, 0.1) is about 1e-10
        (8, 8, False),
        (9, 9, False),
        (10, 10, True),  # 0.1^10 = 1e-10 < 1e-9
        (300, 300, True),
        (45, 300, False),
    ],
)
def test_my_numbers_beyond_chance_boundary(passed: int, checked: int, beyond: bool) -> None:
    from meti_pi.classify.checkdigits import binomial_tail, my_numbers_beyond_chance

    assert my_numbers_beyond_chance(passed, checked) is beyond
    assert binomial_tail(0, 10, 0.1) == 1.0 and abs(binomial_tail(10, 10, 0.1) - 1e-10) < 1e-20


def test_300_valid_my_numbers_under_a_neutral_header_are_detected(tmp_path: Path) -> None:
    rng = random.Random(1)
    rows = [["職員番号", "コード"]] + [[f"E{i:05d}", _my_number(rng)] for i in range(300)]
    result = scan(_write_csv(tmp_path / "codes.csv", rows))
    assert "my_number" in result.identification_codes
    assert any(d.kind == "my_number" and d.column == "コード" and d.confirmed for d in result.detections)


@pytest.mark.parametrize("seed", range(2, 7))
def test_random_12_digit_numbers_stay_unflagged_whatever_the_seed(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    rows = [["コード", "金額"]] + [
        ["".join(rng.choice("0123456789") for _ in range(12)), str(rng.randint(100, 99999))] for _ in range(2000)
    ]
    result = scan(_write_csv(tmp_path / "orders.csv", rows))
    assert not [d for d in result.detections if d.kind.startswith("my_number")]


def test_one_person_written_two_ways_is_counted_once(tmp_path: Path) -> None:
    # issue 14: 和暦 and 西暦 birth dates, full- and half-width, spaces in names
    rows = [
        ["氏名", "生年月日"],
        ["山田 太郎", "平成2年10月19日"],
        ["山田　太郎", "1990-10-19"],
        ["山田太郎", "１９９０/10/19"],
        ["佐藤 花子", "1990-10-19"],
        ["山田 太郎", "1990-10-20"],
    ]
    assert scan(_write_csv(tmp_path / "p.csv", rows)).principals == 3


def test_full_width_ids_after_the_sample_are_folded(tmp_path: Path) -> None:
    # the sample (first 500 rows) is plain ASCII; the same ids come back full-width later
    ids = [f"S{i:05d}" for i in range(600)]
    fw = str.maketrans("0123456789S", "０１２３４５６７８９Ｓ")
    rows = [["職員番号", "氏名"]] + [[v, "山田 太郎"] for v in ids] + [[v.translate(fw), "山田 太郎"] for v in ids]
    result = scan(_write_csv(tmp_path / "ids.csv", rows), keys=("職員番号",))
    assert result.principals == 600


# ------------------------------------------------------------------ persons across the sheets of a workbook


def _two_sheets(path: Path, second: tuple[list[str], list[list[str]]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "職員"
    ws.append(["職員番号", "氏名", "電話番号"])
    for i in range(300):
        ws.append([f"S{i:05d}", "山田 太郎", f"090-1234-{i:04d}"])
    other = wb.create_sheet("外部")
    headers, rows = second
    other.append(headers)
    for row in rows:
        other.append(row)
    wb.save(path)
    return path


def test_a_sheet_without_the_key_column_is_counted_by_its_own(tmp_path: Path) -> None:
    """`--key 職員番号` on a workbook whose second sheet has no such column counted only the first
    sheet's persons (300 of 350: a new-user run); that sheet is counted by its own identifying
    column, summed as sheets of different keys are. A key no sheet has is still refused."""
    path = _two_sheets(
        tmp_path / "two.xlsx", (["氏名", "電話番号"], [[f"佐藤 花子{i}", f"080-2222-{i:04d}"] for i in range(50)])
    )
    result = scan(path, keys=("職員番号",))
    assert result.principals == 350
    assert "その列のないシートは自動選択" in result.principals_note and "上限値" in result.principals_note
    assert scan(path).principals == 350
    from meti_pi.errors import UsageError

    with pytest.raises(UsageError, match="--key 存在しない: no such column"):
        scan(path, keys=("存在しない",))


def test_a_sheet_of_personal_data_with_no_identifying_column_is_said_to_be_uncounted(tmp_path: Path) -> None:
    rows = [[f"東京都千代田区霞が関1-3-{i}", "窓口で受付"] for i in range(50)]
    result = scan(_two_sheets(tmp_path / "two.xlsx", (["住所", "相談内容"], rows)))
    assert result.principals == 300
    assert "シート「外部」（50行）は個人情報を含むが本人を識別する列がなく" in result.principals_note
    assert "下限値" in result.principals_note


def test_a_misspelt_key_of_a_single_table_file_is_refused_before_the_pass(tmp_path: Path, monkeypatch) -> None:
    """A sheet without the --key column is counted by its own columns; the one table of a CSV without
    it is a misspelt --key, refused before any row is counted (not after a pass over the whole file)."""
    from meti_pi.classify import engine
    from meti_pi.errors import UsageError

    path = tmp_path / "a.csv"
    path.write_text("職員番号,氏名\n" + "".join(f"S{i:05d},山田 太郎\n" for i in range(3000)), encoding="utf-8")

    def counted(*args, **kwargs):
        raise AssertionError("a row was counted")

    from meti_pi.classify import scan as row_scan

    monkeypatch.setattr(engine, "count_chunk", counted)  # the columnar pass
    monkeypatch.setattr(row_scan, "_check_batch", counted)  # and the row-by-row one, were the file read so
    with pytest.raises(UsageError, match="--key 職員番: no such column; columns: 職員番号, 氏名"):
        scan(path, keys=("職員番",))


# ------------------------------------------------------------------ a title above the table


def _staff(n: int) -> list[list[str]]:
    from meti_pi.classify.checkdigits import my_number_check_digit

    def my_number(i: int) -> str:
        body = f"{100000000 + i * 7919:011d}"[-11:]
        return body + str(my_number_check_digit(body))

    return [[f"山田 太郎{i}", my_number(i), f"東京都千代田区霞が関1-{i % 30 + 1}-{i % 9 + 1}"] for i in range(n)]


def _plain_and_titled(
    tmp_path: Path, fmt: str, top: list[list[str]], header: list[str], rows: list[list[str]]
) -> tuple[Path, Path]:
    """The table as a plain UTF-8 CSV, and the same with `top` (a title, blank rows) above its header,
    as .xlsx, UTF-8 CSV or Shift_JIS CSV (`fmt`)."""
    import openpyxl

    plain, titled = tmp_path / "plain.csv", tmp_path / f"titled.{'xlsx' if fmt == 'xlsx' else 'csv'}"
    with plain.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    if fmt == "xlsx":
        wb = openpyxl.Workbook()
        for row in [*top, header, *rows]:
            wb.active.append(row)
        wb.save(titled)
    else:
        with titled.open("w", newline="", encoding="cp932" if fmt == "sjis" else "utf-8") as fh:
            csv.writer(fh).writerows([*top, header, *rows])
    return plain, titled


@pytest.mark.parametrize("n", [999, 1000])
@pytest.mark.parametrize("fmt", ["xlsx", "csv", "sjis"])
def test_a_title_above_the_header_is_not_the_table(tmp_path: Path, fmt: str, n: int) -> None:
    """令和6年度 職員名簿 in A1, a blank row, the header in row 3 (a ministry's usual sheet): the title was
    read as the header and the real header counted as a person (999 persons gave 1,000: 管理B, a
    review), its header words lost. The rows above are passed over and said so; the answer is the
    one of the same table without them."""

    rows = _staff(n)
    header = ["氏名", "個人番号", "住所"]
    top = [["令和6年度 職員名簿（取扱注意）" if fmt == "xlsx" else "職員名簿"], []]
    plain, titled = _plain_and_titled(tmp_path, fmt, top, header, rows)
    want, got = scan(plain), scan(titled)
    assert got.principals == want.principals == n and got.rows == n
    assert got.columns == ("氏名", "個人番号", "住所") and got.header
    assert [(d.column, d.kind) for d in got.detections] == [(d.column, d.kind) for d in want.detections]
    assert any("先頭2行" in note for note in got.notes)


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "sjis"])
def test_a_title_beside_its_date_above_the_header_is_not_the_table(tmp_path: Path, fmt: str) -> None:
    """職員名簿 in A1 and 令和6年4月1日現在 in D1 (two values: the rule above passed over rows of one
    value only), the header in row 2: the title row was read as data, the columns named 列1…列4, the
    header counted as a person and its words lost: the 要配慮 column (障害の有無: あり/なし) went
    unseen, 管理B for a file of 管理A. Rows with fewer values than a header below them are passed over."""

    rows = [[f"E{10000 + i}", f"山田 太郎{i}", "1970-01-31", ["あり", "なし"][i % 2]] for i in range(999)]
    header = ["職員番号", "氏名", "生年月日", "障害の有無"]
    top = [["職員名簿", "", "", "令和6年4月1日現在"]]
    plain, titled = _plain_and_titled(tmp_path, fmt, top, header, rows)
    want, got = scan(plain), scan(titled)
    assert got.columns == tuple(header) and got.header and got.rows == 999 and got.principals == 999
    assert [(d.column, d.kind) for d in got.detections] == [(d.column, d.kind) for d in want.detections]
    assert "disability" in got.sensitive_categories
    assert any("先頭1行" in note for note in got.notes)


def test_a_first_row_with_empty_cells_stays_a_header_or_data(tmp_path: Path) -> None:
    """Rows are passed over only above a header: a header naming fewer columns than its rows hold
    stays the header, and a first data row with empty cells stays a person."""
    path = tmp_path / "short.csv"
    path.write_text(
        "氏名,住所\n" + "".join(f"山田 太郎{i},東京都千代田区霞が関1-{i},あり,090-1234-{i:04d}\n" for i in range(50))
    )
    result = scan(path)
    assert result.columns[:2] == ("氏名", "住所") and result.rows == 50 and not any("先頭" in n for n in result.notes)
    path = tmp_path / "data.csv"
    path.write_text(
        "".join(f"山田 太郎{i},{'' if i == 0 else '090-1234-5678'},東京都千代田区霞が関1-{i}\n" for i in range(50))
    )
    result = scan(path)
    assert not result.header and result.rows == 50 and not any("先頭" in n for n in result.notes)


def test_a_one_column_file_keeps_its_first_row(tmp_path: Path) -> None:
    """Only rows above a wider table are passed over: a list of one column has no title to skip."""
    path = tmp_path / "names.csv"
    path.write_text("氏名\n" + "".join(f"山田 太郎{i}\n" for i in range(50)), encoding="utf-8")
    result = scan(path)
    assert result.columns == ("氏名",) and result.rows == 50 and not any("先頭" in n for n in result.notes)
