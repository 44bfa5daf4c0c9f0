"""Screening of incident free text: the record of a leak must never hold the leaked data."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meti_pi.classify.checkdigits import my_number_check_digit
from meti_pi.classify.screening import MASK, check_data, check_text, findings_in, mask, screen
from meti_pi.errors import UsageError

FW = str.maketrans("0123456789", "０１２３４５６７８９")


def my_number(body: str = "12345678901") -> str:
    return body + str(my_number_check_digit(body))


MN = my_number()  # 123456789018
BAD_MN = MN[:-1] + str((int(MN[-1]) + 1) % 10)


def kinds(text: str) -> list[str]:
    return [f.kind for f in screen(text)]


@pytest.mark.parametrize(
    "text",
    [
        f"番号は{MN}です",
        f"{MN[:4]} {MN[4:8]} {MN[8:]}",
        f"{MN[:4]}-{MN[4:8]}-{MN[8:]}",
        MN.translate(FW),
        f"{MN[:4]}－{MN[4:8]}－{MN[8:]}".translate(FW),
        f"{MN[:4]}　{MN[4:8]}　{MN[8:]}".translate(FW),
    ],
)
def test_my_number_plain_grouped_fullwidth_spaced(text: str) -> None:
    assert kinds(text) == ["my_number"]


def test_my_number_needs_its_check_digit() -> None:
    assert "my_number" not in kinds(f"受付番号{BAD_MN}")


@pytest.mark.parametrize(
    "text",
    [
        f"マイナンバー {BAD_MN[:4]} {BAD_MN[4:8]} {BAD_MN[8:]}",
        f"個人番号：{BAD_MN}".translate(FW),
        f"本人の個人番号は{BAD_MN}",
        f"My Number: {BAD_MN}",
        # written as the rest of screening reads it: any separator, a bracket, a zero-width space
        f"個人番号-{BAD_MN[:4]} {BAD_MN[4:8]} {BAD_MN[8:]}",
        f"個人番号【{BAD_MN}】",
        f"個\u200b人番号 {BAD_MN}",
        f"my_number={BAD_MN}",
        f"マイナンバー・{BAD_MN}",
    ],
)
def test_a_number_said_to_be_a_my_number_is_one_whatever_its_check_digit(text: str) -> None:
    # A 個人番号 copied with one digit wrong still gives the real one: its first 11 digits decide the
    # check digit. Labelled as one, it is refused; unlabelled, a wrong check digit still clears it.
    assert kinds(text) == ["my_number"]
    assert "my_number" not in kinds(f"マイナンバーカードの交付申請書の受付番号 {BAD_MN}")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("連絡は03-1234-5678へ", "phone"),
        ("携帯090-1234-5678", "phone"),
        ("（03）1234-5678", "phone"),
        ("+81 3 1234 5678", "phone"),
        ("０９０－１２３４－５６７８", "phone"),
        ("09012345678", "phone"),
        ("宛先 taro.yamada@example.co.jp に誤送信", "email"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "email"),
        ("カード 4111 1111 1111 1111", "card_number"),
        ("カード4111-1111-1111-1111", "card_number"),
        ("〒100-8901", "postal_address"),
        ("東京都千代田区霞が関1-3-1", "postal_address"),
        ("横浜市中区本町6丁目50番地", "postal_address"),
        ("千代田区霞が関一丁目3番1号", "postal_address"),
        # a date said to be a birth date (an outside run committed 「生年月日1985年11月2日」 unscreened)
        ("担当 生年月日1985年11月2日", "birth_date"),
        ("生年月日：昭和60年11月2日", "birth_date"),
        ("誕生日は平成元年1月8日です", "birth_date"),
        ("S60.11.2生まれ", "birth_date"),
        ("１９８５年１１月２日生", "birth_date"),
        ("生年月日（1985年11月2日）の職員", "birth_date"),
        ("S60.11.2生、男性", "birth_date"),
    ],
)
def test_kinds_found(text: str, kind: str) -> None:
    assert kinds(text) == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "2026-04-01に発覚した事案",
        "令和8年4月1日10時",
        "ファイル F-2026-AB12CD の一部",
        "法人番号 5010001008780 の受託者",  # a corporate number is not personal data
        "本人の数 1,234人、うち100人分",
        "千代田区の庁舎で発生",
        "区分1-2に該当",
        "規則第43条第4号",
        "4111 1111 1111 1112",  # Luhn fails
        "INC-2026-7KQ3XD",
        "記録項目：氏名、生年月日、住所",  # the item's name, no date
        "令和8年4月3日生産分の出荷",
        "2026年4月3日生じた事案",
        "令和8年4月1日生命保険会社の委託先で紛失",
        "2026年4月1日生命科学課から連絡",
    ],
)
def test_no_false_positive(text: str) -> None:
    assert screen(text) == []


def test_mask_replaces_each_character() -> None:
    text = f"番号{MN}と03-1234-5678"
    masked = mask(text, screen(text))
    assert MN not in masked and "03-1234-5678" not in masked
    assert masked == "番号" + MASK * 12 + "と" + MASK * 12


def test_refuse_names_field_and_kind_never_the_value() -> None:
    text = f"申請書（個人番号{MN}）を誤送付。連絡先 a.b@example.jp"
    with pytest.raises(UsageError) as err:
        check_text("summary", text, "refuse")
    message = str(err.value)
    assert "summary" in message and "個人番号 (my_number)" in message and "メールアドレス (email)" in message
    assert MN not in message and "example.jp" not in message
    assert err.value.exit_code == 2


def test_clean_text_passes_unchanged() -> None:
    assert check_text("summary", "USBメモリの紛失", "refuse") == "USBメモリの紛失"


def test_check_data_walks_nested_values_with_paths() -> None:
    data = {"facts": {"cause": "誤送信", "measures_done": ["宛先確認", "電話 03-1234-5678 の削除"]}}
    with pytest.raises(UsageError, match=r"\$\.facts\.measures_done\[1\]"):
        check_data(data, "refuse")
    masked = check_data(data, "mask")
    assert masked["facts"]["cause"] == "誤送信"
    assert "03-1234-5678" not in masked["facts"]["measures_done"][1]
    assert [p for p, _ in findings_in(data)] == ["$.facts.measures_done[1]"]


def test_unknown_mode_is_a_bug() -> None:
    with pytest.raises(ValueError):
        check_text("x", MN, "ignore")


_JA = st.text(alphabet="あいうえお漏えい事案の報告書を紛失した。、", max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    before=_JA,
    after=_JA,
    body=st.from_regex(r"[0-9]{11}", fullmatch=True),
    sep=st.sampled_from(["", " ", "-", "　", "－"]),
    wide=st.booleans(),
)
def test_planted_my_number_is_always_found(before: str, after: str, body: str, sep: str, wide: bool) -> None:
    number = my_number(body)
    planted = sep.join((number[:4], number[4:8], number[8:]))
    if wide:
        planted = planted.translate(FW)
    text = before + planted + after
    found = screen(text)
    assert any(f.kind == "my_number" and text[f.start : f.end] == planted for f in found)
    assert number not in mask(text, found).translate(str.maketrans("０１２３４５６７８９", "0123456789")).replace(
        sep, ""
    )
