"""Screening is not bypassed by separators (issue 15): every Unicode space and dash, zero-width
characters and the separators people type (・ / _ 、 tab newline NBSP ｰ — 〜) are normalised before
matching; positions still point into the original text and the message never quotes the value."""

from __future__ import annotations

import pytest

from meti_pi.classify.checkdigits import corporate_number_valid, my_number_check_digit, my_number_valid
from meti_pi.classify.screening import check_text, mask, screen
from meti_pi.errors import UsageError

BODY = "12345678901"
MN = BODY + str(my_number_check_digit(BODY))

SEPARATORS = {
    "nbsp": "\u00a0",
    "tab": "\t",
    "newline": "\n",
    "zero-width space": "\u200b",
    "nakaguro": "・",
    "slash": "/",
    "underscore": "_",
    "touten": "、",
    "double space": "  ",
    "half-width long vowel": "ｰ",
    "em dash": "—",
    "wave dash": "〜",
    "fullwidth tilde": "～",
    "ideographic space": "\u3000",
    "minus sign": "−",
    "en dash": "–",
    "word joiner": "\u2060",
    "space and hyphen": " - ",
    "soft hyphen": "\u00ad",
    "fullwidth slash": "／",
}


def kinds(text: str) -> list[str]:
    return [f.kind for f in screen(text)]


@pytest.mark.parametrize("sep", SEPARATORS.values(), ids=SEPARATORS.keys())
def test_my_number_with_any_separator(sep: str) -> None:
    text = f"個人番号{MN[:4]}{sep}{MN[4:8]}{sep}{MN[8:]}を含む書類"
    found = screen(text)
    assert [f.kind for f in found] == ["my_number"]
    # The span is in the original text: masking hides every digit and the separators between them.
    masked = mask(text, found)
    assert not any(ch.isdigit() for ch in masked)
    assert masked.startswith("個人番号") and masked.endswith("を含む書類")


@pytest.mark.parametrize("sep", ["\u00a0", "/", "・", "\t", "\u200b", "—", "_", "  "])
def test_phone_with_separators(sep: str) -> None:
    assert kinds(f"電話 090{sep}1234{sep}5678 に連絡") == ["phone"]


@pytest.mark.parametrize(
    "text",
    [
        "+81(0)3-1234-5678",
        "+81 (0) 90 1234 5678",
        "+81-90-1234-5678",
        "＋８１（０）３ー１２３４ー５６７８",
        "+81 3 1234 5678",
    ],
)
def test_international_phone_forms(text: str) -> None:
    assert kinds(f"連絡先 {text}") == ["phone"]


def test_a_check_digit_is_still_needed_and_corporate_numbers_are_told_apart() -> None:
    bad = MN[:-1] + str((int(MN[-1]) + 1) % 10)
    assert "my_number" not in kinds(f"{bad[:4]}・{bad[4:8]}・{bad[8:]}")
    corporate = "2100000000005"  # its last 12 digits are also a valid 個人番号: the 13-digit run decides
    assert corporate_number_valid(corporate) and my_number_valid(corporate[1:])
    for text in (
        corporate,
        f"{corporate[0]}-{corporate[1:5]}-{corporate[5:9]}-{corporate[9:]}",
        f"{corporate[:1]}\u00a0{corporate[1:]}",
    ):
        assert kinds(f"法人番号 {text} の受託者") == []


@pytest.mark.parametrize(
    "text", ["taro\u200b@example.jp", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro_yamada@mail.example.co.jp"]
)
def test_email_forms(text: str) -> None:
    assert kinds(f"宛先 {text} へ誤送信") == ["email"]


def test_card_number_with_separators() -> None:
    assert kinds("カード 4111・1111・1111・1111") == ["card_number"]
    assert kinds("カード 4111\u00a01111\u00a01111\u00a01111") == ["card_number"]


@pytest.mark.parametrize(
    "text",
    [
        "2026/04/01 10:00に発覚",
        "令和8年4月1日、1件、2件",
        "件数 12、34、56",
        "規則第43条第4号",
        "F-2026-AB12CD・F-2026-CD34EF",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert kinds(text) == []


def test_the_message_names_kind_and_position_never_the_value() -> None:
    text = f"番号 {MN[:4]}\u200b{MN[4:8]}\u200b{MN[8:]}"
    with pytest.raises(UsageError) as info:
        check_text("--summary", text, "refuse")
    message = str(info.value)
    assert "個人番号" in message and "character 4" in message
    assert MN[:4] not in message and MN[4:8] not in message and MN[8:] not in message


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"{MN[:4]},{MN[4:8]},{MN[8:]}", "my_number"),
        (f"{MN[:4]}:{MN[4:8]}:{MN[8:]}", "my_number"),
        (f"{MN[:4]}|{MN[4:8]}|{MN[8:]}", "my_number"),
        (f"{MN[:4]}({MN[4:8]}){MN[8:]}", "my_number"),
        (" ".join(MN), "my_number"),  # one digit at a time
        (" ".join(MN[i : i + 2] for i in range(0, 12, 2)), "my_number"),  # in pairs
        ("03(1234)5678", "phone"),  # the area code, then the exchange in brackets
        ("０９０（１２３４）５６７８", "phone"),
        ("03,1234,5678", "phone"),
        ("+81 (3) 1234 5678", "phone"),
        ("0081-3-1234-5678", "phone"),
        ("00813-1234-5678", "phone"),
        ("taro ＠ example.com", "email"),
        ("taro@ example.com", "email"),
        ("山田@example.jp", "email"),
    ],
)
def test_spellings_found_in_the_review(text: str, kind: str) -> None:
    """Spellings a review got past the screening (session 11): commas, colons, bars and brackets
    between digit groups, digits spelled one or two at a time, spaces around the @, a local part in
    kanji. Each was stored as typed in an incident and printed in its drafts."""
    assert kinds(f"連絡先 {text} に誤送信") == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "4月1日(水)10:00-12:00に発生",
        "(1) 2026-04-01 (2) 2026-05-01",
        "金額 123,456,789円",
        "第1項(1)(2)に該当",
        "比率は@ 10.5%",
        f"受付 {' '.join(MN[:-1] + str((int(MN[-1]) + 1) % 10))}",  # spelled out, check digit wrong
        "電話番号の下4桁 5678",
        "2026/04/01 10:00:00 に発覚",
    ],
)
def test_the_wider_separators_leave_ordinary_text_alone(text: str) -> None:
    assert kinds(text) == []
