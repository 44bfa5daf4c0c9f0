"""Whether a table's first row is a header, and the names recorded for its columns and sheets.

A name is shown on terminals and written into records (`classify --record`): a header cell that
could be a value (a person's name, a 個人番号, a phone, a date), or a sheet named after a person,
is never recorded as it is (列N, シートN). Below meti_pi.classify.datasets' callers and beside it:
datasets names the sheets of a workbook in its own messages as the scan does (told_apart).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from meti_pi.classify import screening
from meti_pi.classify.headers import header_kind, header_sensitive, is_free_text_header
from meti_pi.classify.text import _SPACES, digits_form, fold
from meti_pi.classify.values import (
    _KANA_NAME,
    _KANJI_NAME,
    is_address,
    is_birth_date,
    is_card_number,
    is_email,
    is_my_number,
    is_phone,
    is_postal_code,
    kana_two_part,
    sensitive_categories_in,
    starts_with_surname,
)
from meti_pi.classify.vocabulary import SAMPLE_ROWS, Vocabulary, vocabulary

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


# A date marking the day a column name speaks of (2024年4月1日時点の所属, 年齢（2024/4/1現在）): its
# digits are no value's. Counted, they made the header row data (six digits or more): the column
# names were lost, a 病歴の有無 column (あり/なし) went unseen, 管理C for a file of 管理A.
_AS_OF = re.compile(
    r"(?:(?:明治|大正|昭和|平成|令和|[MTSHR])\s*(?:元|\d{1,2})|\d{4})\s*[年/.-]\s*\d{1,2}\s*(?:月|[/.-])?"
    r"\s*(?:\d{1,2}\s*日?)?\s*(?:時点|現在|末)"
)


def _strong_value(cell: str) -> bool:
    """Detectors no header word can overrule: a number, an e-mail, a phone, a date, a 〒, an address."""
    s = digits_form(cell)
    if (rest := _AS_OF.sub("", s)) != s and rest.strip(" ()（）の"):
        s = rest  # a name beside its as-of date: the name's digits only
    if re.fullmatch(r"[0-9 .,+-]{3,}", s) and sum(ch.isdigit() for ch in s) >= 3:
        return True
    return (
        is_email(cell)
        or is_phone(cell)
        or is_birth_date(cell)
        or is_postal_code(cell)
        or is_my_number(cell)
        or is_card_number(cell)
        or is_address(cell)
        or "@" in s
        or sum(ch.isdigit() for ch in s) >= 6
    )


def is_header_word(cell: str, vocab: Vocabulary | None = None) -> bool:
    """A column name the vocabulary knows (a kind, a 要配慮 category, a free-text column)."""
    vocab = vocab or vocabulary()
    return (
        header_kind(cell, vocab) is not None or bool(header_sensitive(cell, vocab)) or is_free_text_header(cell, vocab)
    )


def looks_like_value(cell: str, vocab: Vocabulary | None = None) -> bool:
    """A cell that is a value, not a column name: numbers, dates, e-mails, phones, names, diagnoses."""
    vocab = vocab or vocabulary()
    if not fold(cell):
        return False
    if _strong_value(cell):
        return True
    if is_header_word(cell, vocab):
        return False
    return (
        starts_with_surname(cell, vocab)
        or kana_two_part(cell)
        or bool(sensitive_categories_in(fold(cell), vocab))
        or _screened(cell)
    )


def _screened(text: str) -> bool:

    return bool(screening.screen(text))


def header_cell(cell: str, below: Sequence[str], vocab: Vocabulary) -> str:
    """What a first-row cell is, over the column's `below` values: '' (empty), 'data' (a detector
    takes it for a value), 'word' (a known column name), 'differs' (typed unlike every value
    below: a name) or 'same' (typed like values below, or nothing below to tell)."""
    if not fold(cell):
        return ""
    if looks_like_value(cell, vocab):
        return "sensitive" if _named_sensitive(cell, vocab) else "data"
    if is_header_word(cell, vocab):
        return "word"
    mine, length = cell_type(cell), len(fold(cell))
    lengths = [len(fold(v)) for v in below if fold(v) and cell_type(v) == mine]
    if not any(fold(v) for v in below) or (lengths and min(lengths) - 1 <= length <= max(lengths) + 1):
        return "same"
    if lengths and fold(cell)[-1:] not in _HEADER_ENDINGS:
        # typed like the values below and only longer or shorter: a longer name (勅使河原龍之介 over
        # 山田太郎) is not a column name; one ending as column names do (…者, …先, …日) may be
        return "same"
    return "differs"


def _named_sensitive(cell: str, vocab: Vocabulary) -> bool:
    """A value only for the 要配慮 word it holds (糖尿病の有無, うつ病の既往): beside known column names, a
    column name (header_cells). Read as a value, it made the header data, its names lost."""
    return not (
        _strong_value(cell) or starts_with_surname(cell, vocab) or kana_two_part(cell) or _screened(cell)
    ) and bool(sensitive_categories_in(fold(cell), vocab))


def header_cells(
    row: Sequence[str], vocab: Vocabulary | None = None, below: Sequence[Sequence[str]] = ()
) -> list[str] | None:
    """The verdict of each first-row cell (header_cell) when the row is a header; None when it is data.

    Data when a cell is a value, or when cells typed like the values below them are at least as
    many as the known column names and the cells typed unlike them (in doubt: data). A cell that is
    a value only for a 要配慮 word in it is a column name in a row of two known names or more.
    """
    vocab = vocab or vocabulary()
    verdicts = [header_cell(cell, [r[i] for r in below if i < len(r)], vocab) for i, cell in enumerate(row)]
    if "data" not in verdicts and verdicts.count("word") >= 2:  # 職員番号 | 氏名 | 糖尿病の有無
        verdicts = ["differs" if v == "sensitive" else v for v in verdicts]
    named = sum(1 for v in verdicts if v in ("word", "differs"))
    if "data" in verdicts or "sensitive" in verdicts or named == 0 or verdicts.count("same") >= named:
        return None
    return verdicts


def is_header_row(row: Sequence[str], vocab: Vocabulary | None = None, below: Sequence[Sequence[str]] = ()) -> bool:
    """Whether the first row is a header, given the rows `below` it (False when in doubt)."""
    return header_cells(row, vocab, below) is not None


def heads_table(row: Sequence[str], rows: Sequence[Sequence[str]], vocab: Vocabulary | None = None) -> bool:
    """Whether `row` is a header over `rows` (as the scan judges its first row: over SAMPLE_ROWS)."""
    return is_header_row(row, vocab, rows[:SAMPLE_ROWS])


def _column_names(first_row: Sequence[str], verdicts: Sequence[str] | None) -> list[str]:
    """列1…列N for a data row; else the header's names, 列N for a cell that may be a value."""
    if verdicts is None:
        return [f"列{i + 1}" for i in range(len(first_row))]
    names: list[str] = []
    for i, raw in enumerate(first_row):
        names.append(safe_column_name(raw if verdicts[i] != "same" else "", i, names))
    return names


def safe_column_name(
    raw: str, index: int, taken: Sequence[str], vocab: Vocabulary | None = None, *, key: bool = False
) -> str:
    """The name recorded for a column: its header, or 列N when the header could be a value.

    Every name is screened like free text (a 個人番号, phone, e-mail or address is never a name);
    a JSON key (`key`) must also not look like a value (a name, a date, a diagnosis...).
    """
    name = _printable(raw.strip().lstrip("\ufeff"))
    if (
        not name
        or _screened(name)
        or (key and (looks_like_value(name, vocab or vocabulary()) or _name_shaped_key(name, vocab or vocabulary())))
    ):
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


def safe_sheet_name(raw: str, index: int, vocab: Vocabulary | None = None) -> str:
    """The name printed and recorded for an .xlsx sheet: its own, or シートN when it could be personal
    data (a 個人番号, phone, e-mail or address; a person's name, a date: a workbook with a sheet per
    person put 山田太郎!日付 into --record's commit, a review found)."""
    name = _printable(raw.strip())
    if not name or _screened(name) or looks_like_value(name, vocab or vocabulary()):
        return f"シート{index + 1}"
    return name


def shown_column(sheet: str, column: str, sheets: int) -> str:
    """A column as reported, of a file read as `sheets` tables: SHEET!COLUMN where they are several
    sheets, else its own name as the file writes it (a CSV's `!個人番号` had lost its `!` to a
    stripped prefix). The scan's findings and the CLI's table both name columns so."""
    return f"{sheet}!{column}" if sheets > 1 else column


def sheet_stand_in(raw: str, index: int, shown: str) -> str:
    """The name a sheet shown as シートN (`shown`: its name empty or maybe personal data) takes where
    another sheet of the file is really named シートN: N枚目のシート; "" for a sheet shown as named."""
    return f"{index + 1}枚目のシート" if shown and shown != raw.strip() else ""


def told_apart(sheets: Sequence[tuple[str, str]]) -> list[str]:
    """The names shown for a file's sheets, given as (safe_sheet_name, sheet_stand_in): a stand-in's
    シートN is N枚目のシート where another sheet is really named シートN (山田太郎 beside シート1 were both
    シート1). The scan's findings and --sheet's list of a workbook's sheets both name sheets so."""
    real = {name for name, stand_in in sheets if not stand_in}
    return [stand_in if stand_in and name in real else name for name, stand_in in sheets]
