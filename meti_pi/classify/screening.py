"""Screening of free text for personal data, so that the record of a leak never holds the leaked data.

Finds 個人番号 (check digit valid, plain or grouped 4-4-4, half- or full-width, spaced or
hyphenated), telephone numbers, e-mail addresses, payment card numbers (Luhn) and postal
codes / street addresses, and a birth date said to be one (生年月日 1985年11月2日, 昭和60年11月2日生まれ:
a date alone is not a person's). A finding carries the kind and the span only: the value is never
copied into a message, an exception or a log.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from meti_pi.classify.checkdigits import corporate_number_valid, digits_only, luhn_valid, my_number_valid
from meti_pi.errors import UsageError
from meti_pi.store import yamlload
from meti_pi.store.schema import SCREEN_KEYWORD
from meti_pi.store.schema_examples import local_ref

KIND_JA: dict[str, str] = {
    "my_number": "個人番号",
    "card_number": "クレジットカード番号",
    "phone": "電話番号",
    "email": "メールアドレス",
    "postal_address": "郵便番号・住所",
    "birth_date": "生年月日",
}
MASK = "＊"

# Text is matched in two normalised views (each char mapped back to its position in the original):
# the light view is NFKC (full-width digits, letters, ＠ and ＋ to ASCII) without zero-width or
# other format characters; the digits view also turns every separator a person may put inside a
# number — any Unicode space (NBSP, ideographic, tabs, newlines), dash or long-vowel mark, wave
# dash, ・ / _ 、 , : ; | and brackets (03(1234)5678, 1234(5678)9018) — into one '-', a run of them
# into a single one.
_SEPARATOR_CHARS = frozenset("\t\n\r\v\f\x85\u2028\u2029ー・/_、~〜\u2212\u30fb\u00b7,:;|()[]{}")
_D = "[0-9]"
_SEP = "[-.]"
_NOT_DIGIT_BEFORE = "(?<![0-9])"
_NOT_DIGIT_AFTER = "(?![0-9])"

# A run of digits possibly broken by single separators: candidates for 個人番号 and card numbers.
_DIGIT_RUN = re.compile(f"{_NOT_DIGIT_BEFORE}{_D}(?:{_SEP}?{_D}){{11,18}}{_NOT_DIGIT_AFTER}")
# A Japanese number (0 and 9-10 digits), or +81 / 0081 and the number without its trunk 0 (or with
# it: +81(0)3...); brackets are separators in the digits view: (03)1234-5678, 03(1234)5678.
_PHONE = re.compile(
    f"{_NOT_DIGIT_BEFORE}(?:(?:\\+|00){_SEP}?81{_SEP}?(?:0{_SEP}?)?|0)"
    f"{_D}{{1,4}}{_SEP}?{_D}{{1,4}}{_SEP}?{_D}{{3,4}}{_NOT_DIGIT_AFTER}"
)
# Spaces around the @ (taro ＠ example.jp) and a local part or domain in any script (山田@example.jp);
# the domain's last label begins with a letter (a ratio such as 「@ 10.5」 is not an address).
_EMAIL = re.compile("[\\w.%+\\-]+[ \\t]{0,2}@[ \\t]{0,2}[\\w\\-]+(?:\\.[\\w\\-]+)*\\.[^\\W\\d_][\\w\\-]*")
_LIGHT_SEP = "[ \\-‐－―−ー　.．]"
_PREFECTURE = (
    "(?:北海道|東京都|(?:京都|大阪)府|(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|神奈川|新潟|富山|石川"
    "|福井|山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根|岡山|広島|山口|徳島|香川|愛媛|高知|福岡"
    "|佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)県)"
)
_POSTAL = re.compile(
    f"(?:〒{_LIGHT_SEP}?{_D}{{3}}{_LIGHT_SEP}?{_D}{{4}})|(?:{_NOT_DIGIT_BEFORE}{_D}{{3}}[-－‐−]{_D}{{4}}{_NOT_DIGIT_AFTER}(?=\\s*{_PREFECTURE}))"
)
# A street address: a prefecture followed by a house number, or a municipality (市/区/町/村/郡)
# followed by an unmistakable house number (…丁目, …番地, …番…号, 1-2-3). A bare city or ward
# name ("千代田区で"), or "区分1-2", is not an address of a person.
_KANJI_NUM = "[一二三四五六七八九十〇]"
_HYPHEN = "[-－‐−]"
_CHUNK = "[^\\s、。,，()（）「」]"
_HOUSE_STRONG = (
    f"(?:(?:{_D}+|{_KANJI_NUM}+)丁目(?:{_LIGHT_SEP}?{_D}+(?:番地?|{_HYPHEN})?(?:{_D}+号?)?)?"
    f"|{_D}+番地(?:{_HYPHEN}?{_D}+号?)?"
    f"|{_D}+番{_D}+号"
    f"|{_D}+{_HYPHEN}{_D}+{_HYPHEN}{_D}+)"
)
_ADDRESS = re.compile(
    f"{_PREFECTURE}{_CHUNK}{{1,20}}?(?:{_HOUSE_STRONG}|{_D}+{_HYPHEN}{_D}+)"
    f"|{_CHUNK}{{1,12}}?(?:市|区(?!分|別|域|画|間|切)|町|村|郡){_CHUNK}{{0,12}}?{_HOUSE_STRONG}"
)


# A date said to be someone's birth date: after 生年月日/誕生日 (a colon or は between), or followed by
# 生/生まれ. 西暦 or 和暦 (元年 too), 年月日 or separators; dates of events stay (発生日 令和8年4月3日).
_DATE = (
    "(?:(?:明治|大正|昭和|平成|令和|[MTSHR])[ 　]?(?:元|[0-9]{1,2})|[0-9]{4})[ 　]?[年./\\-][ 　]?[0-9]{1,2}"
    "[ 　]?[月./\\-][ 　]?[0-9]{1,2}日?"
)
# 生 after the date only where it ends a word: 生まれ, or 生 before punctuation, a bracket, a space or
# the end (「令和8年4月1日生命保険会社の…」 is no birth date); 生年月日（1985年11月2日） in brackets too.
_BIRTH_DATE = re.compile(
    f"(?:(?<=生年月日)|(?<=誕生日))[ 　:：は(（]{{0,3}}({_DATE})|({_DATE})(?=[ 　]?生(?:まれ|[ 　、。，．,.)）」]|$))"
)


@dataclass(frozen=True, slots=True)
class Finding:
    """Something that looks like personal data at text[start:end]; `kind` is a KIND_JA key."""

    kind: str
    start: int
    end: int

    @property
    def kind_ja(self) -> str:
        return KIND_JA[self.kind]


def _overlaps(a: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def _view(text: str, separators: bool) -> tuple[str, list[int]]:
    """A normalised view of `text` and, for each of its characters, the index in `text` it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii() and ch.isalnum():
            norm = ch
        else:
            if unicodedata.category(ch) == "Cf":
                continue  # zero-width space / joiner, BOM, soft hyphen, word joiner...
            norm = unicodedata.normalize("NFKC", ch)
        for c in norm:
            if separators and (c in _SEPARATOR_CHARS or c.isspace() or unicodedata.category(c) in ("Pd", "Zs")):
                if out and out[-1] == "-":
                    continue  # a run of separators counts as one
                c = "-"
            out.append(c)
            where.append(i)
    return "".join(out), where


def screen(text: str) -> list[Finding]:
    """Every finding in `text`, in order of position; overlapping weaker findings are dropped.

    Spans are positions in `text` itself (the views are mapped back)."""
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, where: list[int], start: int, end: int) -> None:
        span = (where[start], where[end - 1] + 1)
        if not _overlaps(span, taken):
            found.append(Finding(kind, *span))
            taken.append(span)

    light, lw = _view(text, separators=False)
    digits, dw = _view(text, separators=True)
    for m in _EMAIL.finditer(light):
        add("email", lw, m.start(), m.end())
    for m in _DIGIT_RUN.finditer(digits):
        if not _grouped_plausibly(m.group()):
            continue
        number = digits_only(m.group())
        if len(number) == 12 and (my_number_valid(number) or _said_to_be_my_number(digits, m.start())):
            add("my_number", dw, m.start(), m.end())
        elif (
            13 <= len(number) <= 19
            and luhn_valid(number)
            and not (len(number) == 13 and corporate_number_valid(number))
        ):
            add("card_number", dw, m.start(), m.end())
    for m in _PHONE.finditer(digits):
        if _is_phone(digits_only(m.group())):
            add("phone", dw, m.start(), m.end())
    for m in _POSTAL.finditer(light):
        add("postal_address", lw, m.start(), m.end())
    for m in _ADDRESS.finditer(light):
        add("postal_address", lw, m.start(), m.end())
    for m in _BIRTH_DATE.finditer(light):
        group = 1 if m.group(1) is not None else 2  # the date, not the words around it
        add("birth_date", lw, m.start(group), m.end(group))
    found.sort(key=lambda f: f.start)
    return found


# 個人番号 / マイナンバー / My Number just before a number (「個人番号：」「マイナンバーは」「個人番号【」): a
# 個人番号 copied with a digit wrong still gives the real one (its first 11 digits decide the check
# digit). Read in the separators view the numbers are found in (_view: NFKC, zero-width characters
# dropped, every separator run one '-', so マイナンバー reads マイナンバ-): a label written with a
# hyphen, an underscore, a bracket or a zero-width space between is the same label.
_MY_NUMBER_LABEL = re.compile("(?:個人番号|マイナンバ-?|my-?number)[-=「『【〔]{0,3}(?:は-?)?$", re.IGNORECASE)


def _said_to_be_my_number(view: str, start: int) -> bool:
    """The separators view just before `start` names the number a 個人番号."""
    return _MY_NUMBER_LABEL.search(view[max(0, start - 16) : start]) is not None


def _is_phone(number: str) -> bool:
    """The digits of a _PHONE match: a national number (0, then 9 or 10 digits, not 00), written
    as it is or after +81 / 0081 (the trunk 0 dropped, or kept as in +81(0)3...)."""
    for prefix in ("0081", "81"):
        if number.startswith(prefix):
            rest = number[len(prefix) :]
            number = rest if rest.startswith("0") else "0" + rest
            break
    return 10 <= len(number) <= 11 and number[0] == "0" and number[1] != "0"


def _grouped_plausibly(candidate: str) -> bool:
    """A digit run with separators only between groups of 3 or more digits (4-4-4, 4-6-5...), or
    twelve digits in groups of one size (1 2 3 4 ..., 12 34 56 ...: a 個人番号 spelled out).

    `2026 1 2 3...` (digits scattered by separators) is not taken for one number.
    """
    groups = re.split(_SEP, candidate)
    if len(groups) == 1 or all(len(g) >= 3 for g in groups):
        return True
    return len({len(g) for g in groups}) == 1 and sum(map(len, groups)) == 12


def mask(text: str, findings: list[Finding]) -> str:
    """`text` with each finding replaced by ＊ (one per character, so the layout stays readable)."""
    out = list(text)
    for f in findings:
        for i in range(f.start, f.end):
            out[i] = MASK
    return "".join(out)


class Refused(UsageError):
    """check_text's refusal; `field` names the text refused (the caller may say where it was given)."""

    def __init__(self, field: str, rest: str) -> None:
        super().__init__(f"{field}: {rest}")
        self.field, self.rest = field, rest


def check_text(field: str, text: str, mode: str, what: str = "An incident record must not hold the leaked data") -> str:
    """The text to store for `field`: unchanged when clean, masked or refused (UsageError, exit 2) otherwise.

    The message names the field, the kind and the position, never the value.
    """
    findings = screen(text)
    if not findings:
        return text
    if mode == "mask":
        return mask(text, findings)
    if mode != "refuse":
        raise ValueError(f"unknown screening mode {mode!r}")
    kinds = ", ".join(dict.fromkeys(f"{f.kind_ja} ({f.kind})" for f in findings))
    where = ", ".join(str(f.start + 1) for f in findings)
    raise Refused(
        field,
        f"looks like it holds personal data — {kinds} at character {where}. "
        f"{what}: describe it (e.g. '個人番号を含む申請書') instead of copying it. Nothing was written.",
    )


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")
    else:
        yield path, value


def check_data(value: Any, mode: str, path: str = "$") -> Any:
    """A copy of `value` (dicts, lists, scalars) with every string screened by `check_text`."""
    if isinstance(value, dict):
        return {k: check_data(v, mode, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [check_data(v, mode, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        return check_text(path, value, mode)
    return value


def findings_in(value: Any, path: str = "$") -> list[tuple[str, Finding]]:
    """(key path, finding) for every string in `value`: used by validate on hand-edited records."""
    out: list[tuple[str, Finding]] = []
    for p, v in _walk(value, path):
        if isinstance(v, str):
            out.extend((p, f) for f in screen(v))
    return out


# ---------------------------------------------------------------- every record a command writes


def screened_strings(
    schema: Any, data: Any, path: str = "$", root: Any = None, marked: bool = False
) -> Iterator[tuple[str, str]]:
    """(key path, text) of every string in `data` that sits under a field marked `x-meti-pi-screen`
    in `schema` (the record's JSON Schema; local $refs followed)."""
    root = schema if root is None else root
    if isinstance(schema, dict):
        marked = marked or bool(schema.get(SCREEN_KEYWORD))
        seen = 0
        while (
            isinstance(schema, dict)
            and isinstance(schema.get("$ref"), str)
            and schema["$ref"].startswith("#/")
            and seen < 32
        ):
            schema, seen = local_ref(root, schema["$ref"]), seen + 1
            marked = marked or (isinstance(schema, dict) and bool(schema.get(SCREEN_KEYWORD)))
    if not isinstance(schema, dict):
        schema = {}
    if isinstance(data, str):
        if marked:
            yield path, data
    elif isinstance(data, dict):
        props = schema.get("properties") or {}
        for key, value in data.items():
            yield from screened_strings(props.get(key, {}), value, f"{path}.{key}", root, marked)
    elif isinstance(data, list):
        items = schema.get("items") or {}
        for i, value in enumerate(data):
            yield from screened_strings(items, value, f"{path}[{i}]", root, marked)


def check_record(relpath: str, schema: Any, new: Any, old: Any, text: str | None = None) -> None:
    """Refuse (UsageError, exit 2) a record change that writes personal data into a free-text field.

    Only text the change brings is screened (a string not already in the record as it was): a
    command is never blocked by what someone committed by hand before (for incidents, validate
    warns of it; hand edits committed with `meti-pi commit` are not screened here).
    """
    before = {value for _, value in screened_strings(schema, old)} if old is not None else set()
    for path, value in screened_strings(schema, new):
        if value not in before:
            line = yamlload.locate(text, yamlload.key_steps(path)) if text is not None else None
            where = f"{relpath}:{line}: {path}" if line else f"{relpath}: {path}"
            check_text(where, value, "refuse", "A register record must not hold personal data")
