"""Value detectors: e-mail, phone, postal code, birth date (西暦 and 和暦), names, addresses, My Number,
corporate and card numbers, each with its check digits where it has one."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from meti_pi.classify.checkdigits import corporate_number_valid, luhn_valid, my_number_valid
from meti_pi.classify.text import _DASHES, _SPACES, digits_form, fold
from meti_pi.classify.vocabulary import KindSpec, Vocabulary, vocabulary
from meti_pi.dates.wareki import DEFAULT_ERAS as ERAS

_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


def is_email(value: str) -> bool:
    """An e-mail address (full-width letters folded)."""
    s = fold(value)
    return len(s) <= 254 and _EMAIL.fullmatch(s) is not None


_PHONE_CHARS = re.compile(r"\+?[0-9(][0-9() -]{8,16}")
_PHONE_DIGITS = re.compile(r"0[1-9][0-9]{8}|0[1-9]0[0-9]{8}")


def is_phone(value: str) -> bool:
    """A Japanese phone number: 10 digits, or 11 for 0X0 (mobile, IP, 0120...); +81 accepted."""
    s = digits_form(value)
    if not _PHONE_CHARS.fullmatch(s):
        return False
    digits = re.sub(r"\D", "", s)
    if s.startswith("+81"):
        digits = "0" + digits[2:].lstrip("0")
    return _PHONE_DIGITS.fullmatch(digits) is not None


def phone_separated(value: str) -> bool:
    """Written with separators (03-1234-5678, (03) 1234 5678): the form that needs no header."""
    s = digits_form(value)
    return is_phone(value) and bool(re.search(r"\d[-() ]+\d", s))


_POSTAL = re.compile(r"〒? ?([0-9]{3})(-?)([0-9]{4})")


def is_postal_code(value: str) -> bool:
    """A 7-digit postal code, 123-4567 or 1234567, with or without 〒."""
    return _POSTAL.fullmatch(digits_form(value)) is not None


def postal_hyphenated(value: str) -> bool:
    m = _POSTAL.fullmatch(digits_form(value))
    return m is not None and m.group(2) == "-"


# 和暦: era -> (first year, last era year). First days of 大正-令和 are checked with meti_pi.dates.wareki's
# default table (a detector's test of whether a value can be a date, not a document's date).
_ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
_ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
_ERA_MAX = {"明治": 45, "大正": 15, "昭和": 64, "平成": 31, "令和": 99}
_SEIREKI = re.compile(r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_WAREKI = re.compile(
    r"(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?|[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2}))"
)


def parse_birth_date(value: str) -> date | None:
    """A date written 西暦 (1970-01-31, 1970/1/31, 1970年1月31日, 19700131) or 和暦
    (昭和45年1月31日, 昭和元年..., S45.1.31, H2/3/4), checked to exist and to lie within its era."""
    s = fold(value).translate(_DASHES).upper()
    if m := _WAREKI.fullmatch(s):
        return _wareki_date(m)
    if m := _SEIREKI.fullmatch(s):
        month, day = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5))
        return _date(int(m.group(1)), int(month), int(day))
    if m := _COMPACT.fullmatch(s):
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


def _date(year: int, month: int, day: int) -> date | None:
    if not 1868 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _wareki_date(m: re.Match[str]) -> date | None:
    era = _ERA_LETTERS.get(m.group(1), m.group(1))
    year = 1 if m.group(2) == "元" else int(m.group(2))
    month, day = (m.group(3), m.group(4)) if m.group(3) else (m.group(5), m.group(6))
    if not 1 <= year <= _ERA_MAX[era]:
        return None
    result = _date(_ERAS[era] + year - 1, int(month), int(day))
    if result is None or not _within_era(era, result):
        return None
    return result


def _within_era(era: str, day: date) -> bool:

    starts = {name: first for first, name in ERAS}
    order = [name for _, name in sorted((first, name) for first, name in ERAS)]
    if era in starts and day < starts[era]:
        return False
    later = order[order.index(era) + 1] if era in order and order.index(era) + 1 < len(order) else None
    if era == "明治":
        later = "大正"
    return later is None or later not in starts or day < starts[later]


def is_birth_date(value: str) -> bool:
    """A real calendar date in 西暦 or 和暦 form (see parse_birth_date)."""
    return parse_birth_date(value) is not None


_CJK = "\u3005\u3006\u30f5\u30f6\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KANJI_NAME = re.compile(rf"[{_CJK}]{{1,5}}[ ]?[{_CJK}\u3041-\u3096\u30a1-\u30fa\u30fc]{{1,6}}")
_KANA_NAME = re.compile(
    r"[\u30a1-\u30fa\u30fc]{1,10} [\u30a1-\u30fa\u30fc]{1,10}|[\u3041-\u3096\u30fc]{1,10} [\u3041-\u3096\u30fc]{1,10}"
)
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z'.-]*(?: [A-Za-z][A-Za-z'.-]*){1,3}")


def is_person_name(value: str) -> bool:
    """A personal name shape: 山田 太郎 / 山田花子 / ヤマダ タロウ / Taro Yamada."""
    s = _SPACES.sub(" ", fold(value))
    return bool(_KANJI_NAME.fullmatch(s) or _KANA_NAME.fullmatch(s) or _LATIN_NAME.fullmatch(s))


_NOT_NAME_ENDINGS = frozenset("都道府県市区町村郡庁省局課部室社店館院所会園校寮駅港")


def starts_with_surname(value: str, vocab: Vocabulary | None = None) -> bool:
    """A kanji name beginning with a common surname (the value-only evidence for a name column)."""
    vocab = vocab or vocabulary()
    s = fold(value).replace(" ", "")
    if not _KANJI_NAME.fullmatch(s) or s[-1] in _NOT_NAME_ENDINGS:
        return False
    # a one-character surname (林, 森, 東...) begins many words: only short names count
    return any(s[:n] in vocab.surnames and len(s) > n and (n > 1 or len(s) <= 4) for n in (1, 2, 3))


_KANA_READING = re.compile(r"[\u30a1-\u30fa\u30fc・ ]{2,40}|[\u3041-\u3096\u30fc・ ]{2,40}")


def is_kana_reading(value: str) -> bool:
    """A reading in katakana or hiragana (half-width kana folded)."""
    s = _SPACES.sub(" ", fold(value))
    return _KANA_READING.fullmatch(s) is not None and s.strip(" ・") != ""


def kana_two_part(value: str) -> bool:
    """ヤマダ タロウ: a kana reading with family and given name apart (needs no header)."""
    return _KANA_NAME.fullmatch(_SPACES.sub(" ", fold(value))) is not None


_PREFECTURE = re.compile(r"(北海道|東京都|京都府|大阪府|[\u4e00-\u9fff]{2,3}県)")
_MUNICIPALITY = re.compile(r"[\u4e00-\u9fff\u30a1-\u30fa\u3041-\u3096ヶヵ]{1,8}?[市区町村郡]")
_ADDRESS_TAIL = re.compile(r"[0-9]|丁目|番地|番|号")


def is_address(value: str) -> bool:
    """A Japanese address: a prefecture first, or a municipality followed by a block number."""
    s = fold(value)
    if len(s) < 4:
        return False
    if _PREFECTURE.match(s):
        return True
    m = _MUNICIPALITY.match(s)
    return m is not None and _ADDRESS_TAIL.search(s, m.end()) is not None


_MY_NUMBER_FORM = re.compile(r"([0-9]{4})([- ]?)([0-9]{4})\2([0-9]{4})")


def my_number_form(value: str) -> tuple[str, bool] | None:
    """The 12 digits of a value written as a 個人番号 (full-width folded; 4-4-4 with '-' or spaces),
    and whether it was grouped; None for any other form. The check digit is not looked at."""
    m = _MY_NUMBER_FORM.fullmatch(digits_form(value))
    return None if m is None else (m.group(1) + m.group(3) + m.group(4), m.group(2) != "")


def is_my_number(value: str) -> bool:
    """A 個人番号: 12 digits (full-width folded; 4-4-4 with '-' or spaces) with a valid check digit."""
    form = my_number_form(value)
    return form is not None and my_number_valid(form[0])


def my_number_grouped(value: str) -> bool:
    """Written 4-4-4 with separators: context that a bare 12-digit number lacks."""
    form = my_number_form(value)
    return form is not None and form[1]


_CORPORATE_FORM = re.compile(r"[0-9]{13}|[0-9]-[0-9]{4}-[0-9]{4}-[0-9]{4}|[0-9] [0-9]{4} [0-9]{4} [0-9]{4}")


def is_corporate_number(value: str) -> bool:
    """A 法人番号: 13 digits whose first digit checks the other twelve (not personal data)."""
    s = digits_form(value)
    return _CORPORATE_FORM.fullmatch(s) is not None and corporate_number_valid(re.sub(r"\D", "", s))


_CARD_FORM = re.compile(r"[0-9]{13,19}|[0-9]{4}([- ])[0-9]{4}\1[0-9]{4}\1[0-9]{1,7}|[0-9]{4}([- ])[0-9]{6}\2[0-9]{5}")


def is_card_number(value: str) -> bool:
    """A payment card number: 13-19 digits (grouped or not) passing Luhn."""
    s = digits_form(value)
    return _CARD_FORM.fullmatch(s) is not None and luhn_valid(re.sub(r"\D", "", s))


def card_grouped(value: str) -> bool:
    s = digits_form(value)
    return is_card_number(value) and not s.isdigit()


def matches_pattern(spec: KindSpec, value: str) -> bool:
    """The identifier format of `spec` (identifiers.yaml `pattern`), on the folded value."""
    return spec.pattern is not None and spec.pattern.fullmatch(digits_form(value).upper().replace(" ", "")) is not None


def is_present(value: str) -> bool:
    """Any value at all (header-only kinds such as 職員番号 or biometric hints)."""
    return value.strip() != ""


def sensitive_categories_in(text: str, vocab: Vocabulary | None = None) -> tuple[str, ...]:
    """要配慮 categories whose value words appear in `text`."""
    vocab = vocab or vocabulary()
    if not vocab.sensitive_any.search(text):
        return ()
    return tuple(c.id for c in vocab.sensitive if c.values.search(text))


VALUE_CHECKS: dict[str, Callable[[str], bool]] = {
    "email": is_email,
    "phone": is_phone,
    "postal_code": is_postal_code,
    "birth_date": is_birth_date,
    "person_name": is_person_name,
    "kana_reading": is_kana_reading,
    "address": is_address,
    "my_number": is_my_number,
    "corporate_number": is_corporate_number,
    "card_number": is_card_number,
    "present": is_present,
}

# Value-only evidence: the narrower form a kind must show when no header word names it.
VALUE_ONLY: dict[str, Callable[[str], bool]] = {
    "email": is_email,
    "phone": phone_separated,
    "postal_code": postal_hyphenated,
    "kana_reading": kana_two_part,
    "address": is_address,
    "corporate_number": is_corporate_number,
}
