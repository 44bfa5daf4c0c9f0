"""Detectors of personal data in a dataset, Japanese first, and the column scan built on them.

Three layers:
1. Vocabulary (meti_pi/data/identifiers.yaml, sensitive_terms.yaml): header words, formats.
2. Detectors: one small named function per kind of value (`is_my_number`, `parse_birth_date`...),
   each exact on a single value. They run on a sample of rows (the first 500 and one row of
   every later batch that is checked).
3. The scan: columns are typed on the sample; then the cells of candidate columns get one cheap
   C-speed shape check (a regex over the batch joined by newlines, or over its ASCII signature)
   in the first FULL_CHECK_ROWS rows and in one batch of CHECK_EVERY after that; free-text columns
   are searched for 要配慮 words in every row, and the identifying columns of every row are
   hashed for an exact distinct count (meti_pi.classify.principals). No cell value is kept or reported.

Header words are context (as DLP tools use keyword proximity): a passing check digit alone never
makes a 個人番号 column; 4-4-4 grouping or a header word is needed (legal brief §4.4).
"""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from meti_pi import PACKAGE_DIR
from meti_pi.classify.checkdigits import corporate_number_valid, luhn_valid, my_number_valid, my_numbers_beyond_chance
from meti_pi.classify.principals import (
    CORPORATE_CONTACT,
    DistinctCounter,
    as_is,
    choose_keys,
    date_cells,
    empty_key_hash,
    key_hashes,
    normalise_cells,
)
from meti_pi.errors import UsageError

DATA = PACKAGE_DIR / "data"

SAMPLE_ROWS = 500  # rows typed exactly at the start of each table (plus one row of each checked batch)
HEADER_MIN = 0.5  # with a header word, half the values must pass
VALUE_MIN = 0.8  # without one, most values must
STRONG_MIN = 0.95  # check-digit kinds without a header word
MIN_VALUES = 5  # a column typed from values alone needs this many sample values
STRONG_VALUES = 20  # ... and a check-digit kind this many
# Shape checks run on every row of the first FULL_CHECK_ROWS, then on one batch in CHECK_EVERY
# (a systematic sample: `checked` says how many cells). Distinct counting and the 要配慮 search
# of free-text columns run on every row. Measured: this halves the scan's cost above csv parsing.
FULL_CHECK_ROWS = 65_536
CHECK_EVERY = 4


# ================================================================ vocabulary


@dataclass(frozen=True)
class KindSpec:
    """One kind of data the scan recognises (a row of identifiers.yaml)."""

    id: str
    label: str
    category: str  # identification_code | biometric | financial | personal | not_personal
    check: str  # name of the value detector, or 'pattern' / 'present'
    context: str  # header | value | header_or_value | header_or_grouping
    headers: tuple[str, ...]
    exact: tuple[str, ...] = ()
    veto: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    law: str = ""


@dataclass(frozen=True)
class SensitiveCategory:
    """One 要配慮個人情報 category (a row of sensitive_terms.yaml)."""

    id: str
    label: str
    headers: tuple[str, ...]
    values: re.Pattern[str]


@dataclass(frozen=True)
class Vocabulary:
    """Everything the detectors read from data files."""

    as_of: str
    kinds: tuple[KindSpec, ...]
    sensitive: tuple[SensitiveCategory, ...]
    sensitive_any: re.Pattern[str]
    free_text_headers: tuple[str, ...]
    surnames: frozenset[str]

    def kind(self, kind_id: str) -> KindSpec:
        for spec in self.kinds:
            if spec.id == kind_id:
                return spec
        raise KeyError(kind_id)

    @property
    def identification_code_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.kinds if s.category in ("identification_code", "biometric"))


def _load_yaml(name: str) -> Any:
    from meti_pi.store.yamlload import load

    return load((DATA / name).read_text(encoding="utf-8"))


def _keys(words: Iterable[Any]) -> tuple[str, ...]:
    return tuple(header_key(str(w)) for w in words)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The detectors' vocabulary, read once from meti_pi/data."""
    ids = _load_yaml("identifiers.yaml")
    terms = _load_yaml("sensitive_terms.yaml")
    kinds = tuple(
        KindSpec(
            id=k["id"],
            label=k["label"],
            category=k["category"],
            check=k.get("check", "pattern"),
            context=k["context"],
            headers=_keys(k.get("headers", ())),
            exact=_keys(k.get("exact", ())),
            veto=_keys(k.get("not", ())),
            pattern=re.compile(k["pattern"]) if k.get("pattern") else None,
            law=str(k.get("law", "")),
        )
        for k in ids["kinds"]
    )
    sensitive = tuple(
        SensitiveCategory(cid, c["label"], _keys(c.get("headers", ())), _alternation(c.get("values", ())))
        for cid, c in terms["categories"].items()
    )
    every_term = [t for c in terms["categories"].values() for t in c.get("values", ())]
    return Vocabulary(
        as_of=str(ids["as_of"]),
        kinds=kinds,
        sensitive=sensitive,
        sensitive_any=_alternation(every_term),
        free_text_headers=_keys(ids.get("free_text_headers", ())),
        surnames=frozenset(str(s) for s in ids.get("surnames", ())),
    )


def _alternation(words: Iterable[Any]) -> re.Pattern[str]:
    ordered = sorted({str(w) for w in words}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered)) if ordered else r"(?!x)x", re.IGNORECASE)


# ================================================================ normalisation

_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ーｰ－﹣", "-"))
_SPACES = re.compile(r"\s+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_HEADER_DROP = re.compile(r"[^\w〒]+")


def fold(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII, half-width kana to full-width), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def digits_form(text: str) -> str:
    """`fold` plus every dash as '-' and runs of spaces as one: for number-like kinds."""
    return _SPACES.sub(" ", fold(text).translate(_DASHES))


def header_key(name: str) -> str:
    """A header (or header word) for matching: NFKC, lower case, no spaces or punctuation."""
    return _HEADER_DROP.sub("", unicodedata.normalize("NFKC", name).lower()).replace("_", "")


def _ascii_grams(name: str) -> set[str]:
    """Latin words of a header and their runs ('customer_id' -> customer, id, customerid)."""
    tokens = re.findall(r"[a-z0-9]+", _CAMEL.sub(" ", unicodedata.normalize("NFKC", name)).lower())
    return {"".join(tokens[i:j]) for i in range(len(tokens)) for j in range(i + 1, min(i + 4, len(tokens)) + 1)}


def _keyword_hit(word: str, key: str, grams: set[str]) -> bool:
    # Latin keywords match whole words ('tel' is not in 'hotel'); Japanese ones are substrings.
    return word in grams if word.isascii() else word in key


# ================================================================ header context


def header_kind(name: str, vocab: Vocabulary | None = None) -> KindSpec | None:
    """The kind a column header names (the longest keyword wins; `not` words veto a kind)."""
    vocab = vocab or vocabulary()
    key, grams = header_key(name), _ascii_grams(name)
    best: KindSpec | None = None
    best_len = 0
    for spec in vocab.kinds:
        if any(_keyword_hit(v, key, grams) for v in spec.veto):
            continue
        length = max((len(w) for w in spec.headers if _keyword_hit(w, key, grams)), default=0)
        if key in spec.exact:
            length = max(length, len(key))
        if length > best_len:
            best, best_len = spec, length
    return best


def header_sensitive(name: str, vocab: Vocabulary | None = None) -> tuple[str, ...]:
    """要配慮 categories a column header names."""
    vocab = vocab or vocabulary()
    key, grams = header_key(name), _ascii_grams(name)
    return tuple(c.id for c in vocab.sensitive if any(_keyword_hit(w, key, grams) for w in c.headers))


def is_free_text_header(name: str, vocab: Vocabulary | None = None) -> bool:
    """備考, メモ, 特記事項...: columns searched in full for 要配慮 words."""
    vocab = vocab or vocabulary()
    key, grams = header_key(name), _ascii_grams(name)
    return any(_keyword_hit(w, key, grams) for w in vocab.free_text_headers)


# ================================================================ value detectors

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


# 和暦: era -> (first year, last era year). First days of 大正-令和 are checked with meti_pi.dates.wareki.
_ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
_ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
_ERA_MAX = {"明治": 45, "大正": 15, "昭和": 64, "平成": 31, "令和": 99}
_SEIREKI = re.compile(r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_WAREKI = re.compile(r"(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?|[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2}))")


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
    from meti_pi.dates.wareki import ERAS

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
_KANA_NAME = re.compile(r"[\u30a1-\u30fa\u30fc]{1,10} [\u30a1-\u30fa\u30fc]{1,10}|[\u3041-\u3096\u30fc]{1,10} [\u3041-\u3096\u30fc]{1,10}")
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


def is_my_number(value: str) -> bool:
    """A 個人番号: 12 digits (full-width folded; 4-4-4 with '-' or spaces) with a valid check digit."""
    m = _MY_NUMBER_FORM.fullmatch(digits_form(value))
    return m is not None and my_number_valid(m.group(1) + m.group(3) + m.group(4))


def my_number_grouped(value: str) -> bool:
    """Written 4-4-4 with separators: context that a bare 12-digit number lacks."""
    m = _MY_NUMBER_FORM.fullmatch(digits_form(value))
    return m is not None and m.group(2) != ""


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

# ================================================================ cheap full-pass shapes

_D = "[0-9０-９]"
_SEP = "[-‐‑–—―−ーｰ－ 　]"
_NOT_DIGIT = "[^\\n0-9０-９]"
_PLACE = "都道府県市区町村郡"
_SHAPES: dict[str, str] = {
    "email": r"[^@\s]++@[^@\s.]++(?:\.[^@\s.]++)++",
    "phone": r"[+＋]?+[0-9０-９()（）\-‐‑–—―−ーｰ－ 　]{10,18}+",
    "postal_code": rf"〒?+[ 　]?+{_D}{{3}}{_SEP}?{_D}{{4}}",
    "birth_date": (
        rf"(?:[明大昭平令][治正和成]|[MTSHRmtshr])?+[ 　]?+(?:{_D}{{1,4}}+|元)"
        rf"{_NOT_DIGIT}{{1,2}}+{_D}{{1,2}}+{_NOT_DIGIT}{{1,2}}+{_D}{{1,2}}+日?+|{_D}{{8}}"
    ),
    "person_name": r"[\u3005\u3006\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff21-\uff5a\uff66-\uff9fA-Za-z・ 　.'-]{1,30}+",
    "kana_reading": r"[\u3041-\u30ff\uff66-\uff9f・ 　]{1,40}+",
    "address": rf"[^\n{_PLACE}]*+[{_PLACE}][^\n]*+",
    "my_number": rf"{_D}{{4}}{_SEP}?{_D}{{4}}{_SEP}?{_D}{{4}}",
    "corporate_number": rf"{_D}{_SEP}?{_D}{{4}}{_SEP}?{_D}{{4}}{_SEP}?{_D}{{4}}",
    "card_number": rf"{_D}{{4}}(?:{_SEP}?{_D}{{1,7}}){{2,4}}",
    "pattern": r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ\-‐－ー 　]{1,30}+",
}
# The same shapes for ASCII text in which every digit is '0', every capital 'A' and every small
# letter 'a' (see Shape.count): they must treat all digits alike and all letters alike.
_SIGNATURES: dict[str, bytes] = {
    "email": rb"[^@\s]++@[^@\s.]++(?:\.[^@\s.]++)++",
    "phone": rb"\+?+[0() -]{10,18}+",
    "postal_code": rb" ?+000-?0000",
    "birth_date": rb"[Aa]?+ ?+0{1,4}+[^0]{1,2}+0{1,2}+[^0]{1,2}+0{1,2}+|0{8}",
    "my_number": rb"0000[- ]?0000[- ]?0000",
    "corporate_number": rb"0[- ]?0000[- ]?0000[- ]?0000",
    "card_number": rb"0000(?:[- ]?0{1,7}){2,4}",
    "pattern": rb"[0Aa\- ]{1,30}+",
}
_SIGNATURE_TABLE = bytes.maketrans(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", b"0" * 10 + b"A" * 26 + b"a" * 26
)


@dataclass(frozen=True)
class Shape:
    """A cheap per-cell check, run three ways from cheapest to dearest:

    1. ASCII batches: the batch is translated to its signature (digits -> 0, letters -> A/a) and
       only the distinct signatures are matched (a batch of dates has one or two);
    2. the whole batch joined by newlines, matched by one regex;
    3. cell by cell, when the batch holds cells of other shapes.
    """

    cell: re.Pattern[str]
    block: re.Pattern[str]
    signature: re.Pattern[bytes] | None

    def count(self, cells: Sequence[str], joined: str, nonempty: int) -> int:
        """Non-empty cells of the shape."""
        if joined.count("\n") == len(cells) - 1:  # no cell holds a newline
            if self.signature is not None and joined.isascii() and self._signatures_match(joined, len(cells)):
                return nonempty
            if self.block.fullmatch(joined + "\n"):
                return nonempty
        return len(cells) - list(map(self.cell.fullmatch, cells)).count(None)  # no shape matches ''


    def _signatures_match(self, joined: str, n: int) -> bool:
        assert self.signature is not None
        sig = joined.encode("ascii").translate(_SIGNATURE_TABLE)
        first = sig.split(b"\n", 1)[0]
        distinct = {first} if sig == b"\n".join([first] * n) else set(sig.split(b"\n"))
        return all(not s or self.signature.fullmatch(s) for s in distinct)


@lru_cache(maxsize=64)
def shape(check: str) -> Shape | None:
    """The cheap shape of a check name (None: 'present', counted as non-empty)."""
    source = _SHAPES.get(check)
    if source is None:
        return None
    signature = _SIGNATURES.get(check)
    return Shape(
        re.compile(f"(?:{source})"),
        re.compile(f"(?:(?:{source})?\n)*+"),  # empty lines are empty cells
        re.compile(signature) if signature is not None else None,
    )


# ================================================================ column typing


@dataclass
class Candidate:
    """A kind a column may hold: sample evidence, then full-pass coverage."""

    kind: str
    label: str
    category: str
    check: str  # VALUE_CHECKS key, 'pattern', 'present' or 'sensitive'
    header_hit: bool
    context: str = "header"
    spec: KindSpec | None = None
    sensitive: SensitiveCategory | None = None
    sampled: int = 0  # non-empty sample values checked exactly
    passed: int = 0  # ... that passed the exact detector
    grouped: int = 0  # ... written with separators (4-4-4 etc.) or in value-only form
    matched: int = 0  # checked cells of the shape (or with a 要配慮 word)

    def exact(self, value: str) -> bool:
        if self.sensitive is not None:
            return self.sensitive.values.search(value) is not None
        if self.check == "pattern" and self.spec is not None:
            return matches_pattern(self.spec, value)
        return VALUE_CHECKS[self.check](value)

    def value_only_form(self, value: str) -> bool:
        if self.check == "my_number":
            return my_number_grouped(value)
        if self.check == "card_number":
            return card_grouped(value)
        if self.check == "person_name":
            return starts_with_surname(value)
        if self.check == "pattern":  # only `context: value` formats get here: distinctive as they are
            return True
        test = VALUE_ONLY.get(self.check)
        return test(value) if test is not None else False

    def observe(self, values: Iterable[str]) -> None:
        """Exact checks on sample values (non-empty ones)."""
        for value in values:
            if not value or not value.strip():
                continue
            self.sampled += 1
            if self.exact(value):
                self.passed += 1
                if self.value_only_form(value):
                    self.grouped += 1


@dataclass
class Column:
    """The scan state of one column."""

    index: int
    name: str
    header: bool  # the name came from a header row
    candidates: list[Candidate] = field(default_factory=list)
    checked: int = 0  # non-empty cells that got the shape checks
    searched: bool = False  # searched in every row for 要配慮 words
    key_normaliser: Callable[[Sequence[str]], Iterable[str]] | None = None


def type_column(index: int, name: str, header: bool, sample: Sequence[str], vocab: Vocabulary) -> Column:
    """Candidate kinds of a column from its header and sample values."""
    column = Column(index, name, header)
    values = [v for v in sample if v and v.strip()]
    named = header_kind(name, vocab) if header else None
    if named is not None:
        column.candidates.append(_candidate(named, header_hit=True))
    for spec in _value_kinds(vocab):
        if named is not None and spec.id == named.id:
            continue
        trial = _candidate(spec, header_hit=False)
        trial.observe(values[:100])
        if trial.passed and trial.passed >= 0.3 * trial.sampled:
            column.candidates.append(_candidate(spec, header_hit=False))
    categories = header_sensitive(name, vocab) if header else ()
    for category in vocab.sensitive:
        if category.id in categories:
            column.candidates.append(_sensitive(category, header_hit=True))
    # Search for 要配慮 words unless a header word names a structured kind: value-only
    # candidates (a phrase can look like a kanji name) must not hide a free-text column.
    named_structured = named is not None
    free_text = header and is_free_text_header(name, vocab)
    column.searched = free_text or (not named_structured and any(not v.isascii() for v in values))
    if column.searched:
        for category in vocab.sensitive:
            if category.id not in categories:
                column.candidates.append(_sensitive(category, header_hit=False))
    for candidate in column.candidates:
        candidate.observe(values)
    return column


def _value_kinds(vocab: Vocabulary) -> list[KindSpec]:
    return [s for s in vocab.kinds if s.context != "header"]


def _candidate(spec: KindSpec, header_hit: bool) -> Candidate:
    return Candidate(spec.id, spec.label, spec.category, spec.check, header_hit, spec.context, spec=spec)


def _sensitive(category: SensitiveCategory, header_hit: bool) -> Candidate:
    return Candidate(
        f"sensitive:{category.id}", f"要配慮個人情報（{category.label}）", "sensitive", "sensitive", header_hit, sensitive=category
    )


# ================================================================ column decisions


@dataclass(frozen=True)
class Detection:
    """A kind found in a column, with counts only (never a value)."""

    column: str
    kind: str
    label: str
    category: str
    matched: int  # checked cells of the kind's shape (or holding a 要配慮 word)
    checked: int  # non-empty cells checked (every row of free-text columns and of the first
    # FULL_CHECK_ROWS; then one batch in CHECK_EVERY)
    sample_passed: int  # sample values passing the exact detector (check digits, real dates...)
    sample_checked: int
    confirmed: bool = True  # False: evidence without context, reported but not acted on

    def as_json(self) -> dict[str, Any]:
        return {"column": self.column, "kind": self.kind, "matched": self.matched, "checked": self.checked}


def decide_candidate(c: Candidate, nonempty: int, matched: int) -> tuple[bool, bool]:
    """(report, confirmed) for one candidate, from its sample evidence and `matched` of `nonempty`."""
    if nonempty == 0:
        return False, False
    if c.check == "sensitive":
        return (c.header_hit or matched > 0), True
    if c.check == "present":
        return c.header_hit, True
    rate = c.passed / c.sampled if c.sampled else 0.0
    coverage = matched / nonempty
    if c.header_hit and rate >= HEADER_MIN and coverage >= HEADER_MIN:
        return True, True
    if c.context == "header" or c.sampled < MIN_VALUES:
        return False, False
    if c.context == "header_or_grouping":
        # A check digit on one value never decides: 4-4-4 grouping is the context a header would
        # give, and so is a column passing 個人番号 check digits far beyond chance (1 in 10).
        if c.check == "my_number" and coverage >= HEADER_MIN and my_numbers_beyond_chance(c.passed, c.sampled):
            return True, True
        if rate >= STRONG_MIN and c.sampled >= STRONG_VALUES and coverage >= VALUE_MIN:
            return True, c.grouped >= VALUE_MIN * c.sampled
        return False, False
    if c.check == "corporate_number":
        return (rate >= STRONG_MIN and c.sampled >= STRONG_VALUES and coverage >= VALUE_MIN), True
    form = c.grouped / c.sampled
    return (rate >= VALUE_MIN and form >= VALUE_MIN and coverage >= VALUE_MIN), True


def column_detections(column: Column, qualified: str) -> list[Detection]:
    """The detections of a column, one structured kind at most plus 要配慮 categories."""
    out: list[Detection] = []
    structured_done = False
    for c in sorted(column.candidates, key=_preference):
        report, confirmed = decide_candidate(c, column.checked, c.matched)
        if not report:
            continue
        if c.check != "sensitive":
            if structured_done:
                continue
            structured_done = True
        kind = c.kind if confirmed else f"{c.kind}_candidate"
        out.append(Detection(qualified, kind, c.label, c.category, c.matched, column.checked, c.passed, c.sampled, confirmed))
    return out


def _preference(c: Candidate) -> tuple[int, float]:
    # Header-named kinds first, then the best sample evidence.
    rate = c.passed / c.sampled if c.sampled else 0.0
    return (0 if c.header_hit else 1, -rate)


# ================================================================ the scan


@dataclass(frozen=True)
class TableScan:
    """One table (the file, or one sheet) after the scan."""

    name: str
    columns: tuple[str, ...]
    header: bool
    rows: int
    detections: tuple[Detection, ...]
    keys: tuple[str, ...]


@dataclass(frozen=True)
class ScanResult:
    """What a dataset holds: counts, column names and detected kinds; never a cell value."""

    path: str
    format: str
    encoding: str | None
    rows: int
    columns: tuple[str, ...]
    header: bool
    tables: tuple[TableScan, ...]
    detections: tuple[Detection, ...]
    principals: int | None
    principal_keys: tuple[str, ...]
    principals_note: str
    notes: tuple[str, ...]

    def confirmed(self) -> list[Detection]:
        return [d for d in self.detections if d.confirmed]

    @property
    def sensitive_categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.kind.split(":", 1)[1] for d in self.confirmed() if d.category == "sensitive"))

    @property
    def identification_codes(self) -> tuple[str, ...]:
        kinds = [d.kind for d in self.confirmed() if d.category in ("identification_code", "biometric")]
        return tuple(dict.fromkeys(kinds))

    @property
    def financial(self) -> bool:
        return any(d.category == "financial" for d in self.confirmed())

    @property
    def personal(self) -> bool:
        """Any personal kind found (a corporations' file's own contact details excepted)."""
        return personal_kinds(self.confirmed()) != set()


def personal_kinds(detections: Iterable[Detection]) -> set[str]:
    """The personal kinds among `detections` (法人番号 and corporate contact details left out)."""
    kinds = {d.kind for d in detections if d.confirmed}
    if corporate_context(kinds):
        kinds -= CORPORATE_CONTACT
    return {k for k in kinds if not k.startswith("corporate_number")}


ProgressFn = Callable[[int, int], None]


def scan(path: Path, *, sheet: str | None = None, keys: Sequence[str] = (), progress: ProgressFn | None = None) -> ScanResult:
    """Scan a dataset: type its columns, count cells of each kind, count distinct persons."""
    from meti_pi.classify.datasets import open_dataset
    vocab = vocabulary()
    counters: dict[tuple[str, ...], DistinctCounter] = {}
    tables: list[TableScan] = []
    with open_dataset(path, sheet) as dataset:
        gc_was_enabled = gc.isenabled()
        gc.disable()  # rows are short-lived lists; the cyclic GC only costs time here (measured 2.5x)
        try:
            for table in dataset.tables:
                tables.append(_scan_table(table, vocab, keys, counters, progress))
        finally:
            if gc_was_enabled:
                gc.enable()
        fmt, encoding = dataset.format, dataset.encoding
    if keys and not any(t.keys for t in tables):
        names = ", ".join(dict.fromkeys(c for t in tables for c in t.columns))
        raise UsageError(f"--key {', '.join(keys)}: no such column; columns: {names}")
    try:
        return _result(path, fmt, encoding, tables, counters, keys)
    finally:
        for counter in counters.values():
            counter.close()


def _scan_table(
    table: Any, vocab: Vocabulary, keys: Sequence[str], counters: dict[tuple[str, ...], Any], progress: ProgressFn | None
) -> TableScan:
    batches: Iterator[list[list[str]]] = table.batches
    head: list[list[str]] = []
    while len(head) < SAMPLE_ROWS and (more := next(batches, None)) is not None:
        head += more
    names: list[str] = []
    if table.keyed:
        header = True  # .jsonl: the keys, growing while streaming; each one screened (_key_names)
        _key_names(table.first_row, names, vocab)
    else:
        verdicts = header_cells(table.first_row, vocab, head[:SAMPLE_ROWS])
        header = verdicts is not None
        names = _column_names(table.first_row, verdicts)
        if not header:
            head.insert(0, list(table.first_row))
    columns = [_typed(i, names[i], header, head[:SAMPLE_ROWS], vocab) for i in range(len(names))]
    key_columns = choose_keys(columns, keys, identifying_kinds(columns))
    for i in key_columns:  # one person written two ways is one person (issue 14)
        columns[i].key_normaliser = date_cells(parse_birth_date) if provisional_kind(columns[i]) == "birth_date" else normalise_cells
    counter = None
    if key_columns:
        signature = tuple(provisional_kind(columns[i]) or columns[i].name for i in key_columns)
        counter = counters.setdefault(signature, DistinctCounter(empty=empty_key_hash(len(key_columns))))
    rows = 0
    for n, (batch, in_head) in enumerate(_rebatch(head, batches)):
        if table.keyed and len(table.first_row) > len(columns):
            _key_names(table.first_row, names, vocab)
            columns += [_typed(i, names[i], header, batch, vocab) for i in range(len(columns), len(names))]
        full = rows < FULL_CHECK_ROWS or n % CHECK_EVERY == 0
        rows += len(batch)
        probe = None if in_head or not full else batch[0]
        if full:
            cells = list(zip(*batch, strict=False))
            _check_batch(columns, cells, probe)
            keys_of: list[Sequence[str]] = [cells[i] if i < len(cells) else ("",) * len(batch) for i in key_columns]
        else:
            _search_batch(columns, batch)
            keys_of = [_column_of(batch, i) for i in key_columns]
        if counter is not None:
            normalised = [(columns[i].key_normaliser or as_is)(v) for i, v in zip(key_columns, keys_of, strict=True)]
            counter.add(key_hashes(normalised), len(batch))
        if progress is not None:
            progress(table.position(), table.total)
    label = f"{table.name}!" if table.name else ""
    detections = tuple(d for c in columns for d in column_detections(c, label + c.name))
    return TableScan(table.name, tuple(names), header, rows, detections, tuple(columns[i].name for i in key_columns))


def _key_names(keys: Sequence[str], names: list[str], vocab: Vocabulary) -> None:
    """Extend `names` with the recorded names of the keys not named yet (JSON keys may be values)."""
    for i in range(len(names), len(keys)):
        names.append(safe_column_name(keys[i], i, names, vocab, key=True))


def _typed(index: int, name: str, header: bool, rows: Sequence[Sequence[str]], vocab: Vocabulary) -> Column:
    sample = [row[index] for row in rows if index < len(row)]
    return type_column(index, name, header, sample, vocab)


def _rebatch(head: list[list[str]], rest: Iterator[list[list[str]]]) -> Iterator[tuple[list[list[str]], bool]]:
    """The head rows again (flagged: already sampled), then the rest of the table."""
    from meti_pi.classify.datasets import BATCH_ROWS

    for start in range(0, len(head), BATCH_ROWS):
        yield head[start : start + BATCH_ROWS], True
    for batch in rest:
        yield batch, False


def _check_batch(columns: list[Column], cells: list[tuple[str, ...]], probe: Sequence[str] | None) -> None:
    """Shape checks of one batch (as columns): non-empty counts and each candidate's cheap shape.

    `probe`: one row of each batch after the head joins the exact sample.
    """
    for column in columns:
        values = cells[column.index] if column.index < len(cells) else ()
        _check_values(column, column.candidates, values, probe)


def _search_batch(columns: list[Column], batch: list[list[str]]) -> None:
    """A batch past the checked ones: only the free-text search for 要配慮 words (every row)."""
    for column in columns:
        if column.searched:
            _check_values(column, [c for c in column.candidates if c.sensitive is not None], _column_of(batch, column.index), None)


def _check_values(column: Column, candidates: Sequence[Candidate], values: Sequence[str], probe: Sequence[str] | None) -> None:
    nonempty = len(values) - values.count("")
    column.checked += nonempty
    if not candidates or not nonempty:
        return
    joined = "\n".join(values)
    for c in candidates:
        c.matched += _batch_matches(c, values, joined, nonempty)
        if probe is not None and column.index < len(probe):
            c.observe((probe[column.index],))


def _column_of(batch: list[list[str]], index: int) -> list[str]:
    return list(map(itemgetter(index), batch)) if batch and index < len(batch[0]) else [""] * len(batch)


def _batch_matches(c: Candidate, values: Sequence[str], joined: str, nonempty: int) -> int:
    if c.sensitive is not None:
        if c.sensitive.values.search(joined) is None:
            return 0
        return len(values) - list(map(c.sensitive.values.search, values)).count(None)
    s = shape(c.check)
    return nonempty if s is None else s.count(values, joined, nonempty)


# ---------------------------------------------------------------- header row
#
# Whether the first row is a header is decided from the shape of the whole column sample, not
# from a list of value-looking words: a cell that any detector takes for a value, or that has the
# character types of the values below it, makes the row data. When in doubt the row is data:
# the columns are named 列1…列N (the names are recorded; the row's text never is) and the row is
# counted as a person.

_CLASS_OF = (
    ("d", re.compile(r"[0-9]")),
    ("a", re.compile(r"[A-Za-z]")),
    ("k", re.compile(r"[\u3041-\u309f\u30a0-\u30ff]")),
    ("h", re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")),
)


def cell_type(cell: str) -> tuple[frozenset[str], bool]:
    """The type pattern of a cell: its character types — d(igits), a (Latin letters), k(ana),
    h (kanji) — and whether it has a space inside."""
    s = fold(cell)
    return frozenset(name for name, pattern in _CLASS_OF if pattern.search(s)), bool(_SPACES.search(s))


def _strong_value(cell: str) -> bool:
    """Detectors no header word can overrule: a number, an e-mail, a phone, a date, a 〒, an address."""
    s = digits_form(cell)
    if re.fullmatch(r"[0-9 .,+-]{3,}", s) and sum(ch.isdigit() for ch in s) >= 3:
        return True
    return (is_email(cell) or is_phone(cell) or is_birth_date(cell) or is_postal_code(cell) or is_my_number(cell)
            or is_card_number(cell) or is_address(cell) or "@" in s or sum(ch.isdigit() for ch in s) >= 6)


def is_header_word(cell: str, vocab: Vocabulary | None = None) -> bool:
    """A column name the vocabulary knows (a kind, a 要配慮 category, a free-text column)."""
    vocab = vocab or vocabulary()
    return header_kind(cell, vocab) is not None or bool(header_sensitive(cell, vocab)) or is_free_text_header(cell, vocab)


def looks_like_value(cell: str, vocab: Vocabulary | None = None) -> bool:
    """A cell that is a value, not a column name: numbers, dates, e-mails, phones, names, diagnoses."""
    vocab = vocab or vocabulary()
    if not fold(cell):
        return False
    if _strong_value(cell):
        return True
    if is_header_word(cell, vocab):
        return False
    return (starts_with_surname(cell, vocab) or kana_two_part(cell) or bool(sensitive_categories_in(fold(cell), vocab))
            or _screened(cell))


def _screened(text: str) -> bool:
    from meti_pi.classify import screening

    return bool(screening.screen(text))


def header_cell(cell: str, below: Sequence[str], vocab: Vocabulary) -> str:
    """What a first-row cell is, over the column's `below` values: '' (empty), 'data' (a detector
    takes it for a value), 'word' (a known column name), 'differs' (typed unlike every value
    below: a name) or 'same' (typed like values below, or nothing below to tell)."""
    if not fold(cell):
        return ""
    if looks_like_value(cell, vocab):
        return "data"
    if is_header_word(cell, vocab):
        return "word"
    mine, length = cell_type(cell), len(fold(cell))
    lengths = [len(fold(v)) for v in below if fold(v) and cell_type(v) == mine]
    if not any(fold(v) for v in below) or (lengths and min(lengths) - 1 <= length <= max(lengths) + 1):
        return "same"
    return "differs"


def header_cells(row: Sequence[str], vocab: Vocabulary | None = None, below: Sequence[Sequence[str]] = ()) -> list[str] | None:
    """The verdict of each first-row cell (header_cell) when the row is a header; None when it is data.

    Data when a cell is a value, or when cells typed like the values below them are at least as
    many as the known column names and the cells typed unlike them (in doubt: data).
    """
    vocab = vocab or vocabulary()
    verdicts = [header_cell(cell, [r[i] for r in below if i < len(r)], vocab) for i, cell in enumerate(row)]
    named = sum(1 for v in verdicts if v in ("word", "differs"))
    if "data" in verdicts or named == 0 or verdicts.count("same") >= named:
        return None
    return verdicts


def is_header_row(row: Sequence[str], vocab: Vocabulary | None = None, below: Sequence[Sequence[str]] = ()) -> bool:
    """Whether the first row is a header, given the rows `below` it (False when in doubt)."""
    return header_cells(row, vocab, below) is not None


def _column_names(first_row: Sequence[str], verdicts: Sequence[str] | None) -> list[str]:
    """列1…列N for a data row; else the header's names, 列N for a cell that may be a value."""
    if verdicts is None:
        return [f"列{i + 1}" for i in range(len(first_row))]
    names: list[str] = []
    for i, raw in enumerate(first_row):
        names.append(safe_column_name(raw if verdicts[i] != "same" else "", i, names))
    return names


def safe_column_name(raw: str, index: int, taken: Sequence[str], vocab: Vocabulary | None = None, *, key: bool = False) -> str:
    """The name recorded for a column: its header, or 列N when the header could be a value.

    Every name is screened like free text (a 個人番号, phone, e-mail or address is never a name);
    a JSON key (`key`) must also not look like a value (a name, a date, a diagnosis...).
    """
    name = _printable(raw.strip().lstrip("\ufeff"))
    if not name or _screened(name) or (key and (looks_like_value(name, vocab or vocabulary()) or _name_shaped_key(name, vocab or vocabulary()))):
        name = f"列{index + 1}"
    base, n = name, 2
    while name in taken:
        name, n = f"{base} ({n})", n + 1
    return name


# Last characters of Japanese column names (会社名, 連絡先, 記入者, 受付日, 品番...): a key of a
# person's-name shape without one of them, and not a known column name, may be a name.
_HEADER_ENDINGS = frozenset("名先者日号所欄別分類区数額率等目帯地期歴件先考容項コドIDNo度順齢先法由")


def _name_shaped_key(name: str, vocab: Vocabulary) -> bool:
    s = fold(name)
    if s.isascii() or is_header_word(name, vocab) or s[-1:] in _HEADER_ENDINGS:
        return False
    return bool(_KANJI_NAME.fullmatch(s.replace(" ", "")) or _KANA_NAME.fullmatch(_SPACES.sub(" ", s)))


def _printable(text: str) -> str:
    """Without control characters (a header is shown on terminals and written into records)."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))


# ---------------------------------------------------------------- principal keys


def provisional_kind(column: Column) -> str | None:
    """The structured kind a column would get from its sample alone (keys are chosen before the pass)."""
    for c in sorted(column.candidates, key=_preference):
        if c.check == "sensitive":
            continue
        report, confirmed = decide_candidate(c, c.sampled, c.passed)
        if report and confirmed:
            return c.kind
    return None


def identifying_kinds(columns: Sequence[Column]) -> dict[str, int]:
    """kind -> first column index, of the kinds that can identify a person.

    With a 法人番号 column and no person's name or id, addresses, phones and e-mails are taken
    to be the corporations' own (not personal data).
    """
    kinds: dict[str, int] = {}
    for column in columns:
        kind = provisional_kind(column)
        if kind is not None:
            kinds.setdefault(kind, column.index)
    if corporate_context(set(kinds)):
        kinds = {k: i for k, i in kinds.items() if k not in CORPORATE_CONTACT}
    kinds.pop("corporate_number", None)
    return kinds


def corporate_context(kinds: set[str]) -> bool:
    """A file of corporations: 法人番号 and nothing naming or numbering a person."""
    if "corporate_number" not in kinds:
        return False
    return not (kinds - CORPORATE_CONTACT - {"corporate_number"})


# ---------------------------------------------------------------- result


def _result(path: Path, fmt: str, encoding: str | None, tables: list[TableScan], counters: dict[tuple[str, ...], Any], keys: Sequence[str]) -> ScanResult:
    multi = len(tables) > 1
    columns = tuple(f"{t.name}!{c}" if multi else c for t in tables for c in t.columns)
    detections = tuple(d if multi else replace(d, column=d.column.removeprefix(f"{t.name}!")) for t in tables for d in t.detections)
    personal = bool(personal_kinds(detections))
    notes = _notes(detections)
    key_names = tuple(dict.fromkeys(k for t in tables for k in t.keys))
    if counters:
        principals: int | None = sum(c.count() for c in counters.values())
        how = "--key" if keys else "auto"
        note = f"{' + '.join(key_names)} の異なり数（{how}）"
        if len(counters) > 1:
            note += "。シートごとに識別列が異なるため合計（上限値）"
    elif personal:
        principals, note = None, "本人を識別する列が見つからない（--key で指定できる）"
    else:
        principals, note = 0, "個人情報に当たる列が見つからない"
    return ScanResult(
        path=str(path),
        format=fmt,
        encoding=encoding,
        rows=sum(t.rows for t in tables),
        columns=columns,
        header=all(t.header for t in tables),
        tables=tuple(tables),
        detections=detections,
        principals=principals,
        principal_keys=key_names,
        principals_note=note,
        notes=notes,
    )


def _notes(detections: Sequence[Detection]) -> tuple[str, ...]:
    notes = []
    kinds = {d.kind for d in detections if d.confirmed}
    if corporate_context(kinds) and kinds & CORPORATE_CONTACT:
        notes.append("法人番号の列があり個人の氏名・番号の列がないため、住所・電話番号・メールアドレスは法人の連絡先として扱う")
    for d in detections:
        if not d.confirmed:
            notes.append(
                f"列「{d.column}」: {d.label}の形式で検査数字も合うが、見出し語や4-4-4区切りの文脈がないため"
                f"{d.label}とは判定していない。該当する場合は、列の見出しを「{d.label}」等に改めて再度スキャンするか、"
                "データセットを指定せずに --profile PROFILE.yaml（my_number: true 又は identification_codes）で判定する"
            )
        if d.category == "not_personal":
            notes.append(f"列「{d.column}」: {d.label}。法人を識別する番号で個人情報ではない")
    return tuple(notes)
