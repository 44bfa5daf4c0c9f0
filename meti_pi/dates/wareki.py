"""和暦 (Japanese era) dates for documents (legal brief §6).

Works on the date, not the year: 2019-04-30 is 平成31年, 2019-05-01 is 令和元年.
"""

from __future__ import annotations

import re
from datetime import date

# (first day, era name). 令和 and 平成 VERIFIED; 昭和 and 大正 FROM MEMORY (legal brief §6).
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
)
_TO_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_GROUPING = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def fullwidth(text: str) -> str:
    """ASCII digits as full-width digits; a thousands comma between digits becomes '，' with them
    (１，０００, never １,０００)."""
    return _GROUPING.sub("，", text).translate(_TO_FULLWIDTH)


def era_year(day: date) -> tuple[str, int]:
    """The era and its year number for `day`."""
    for first, name in ERAS:
        if day >= first:
            return name, day.year - first.year + 1
    raise ValueError(f"{day.isoformat()} is before the 大正 era")


def to_wareki(day: date, *, fullwidth_digits: bool = True) -> str:
    """'令和８年１１月２６日' (full-width by default; year 1 written 元年)."""
    era, year = era_year(day)
    text = f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return fullwidth(text) if fullwidth_digits else text


def wareki_year(day: date, *, fullwidth_digits: bool = True) -> str:
    """'令和８年' for the era year of `day`."""
    era, year = era_year(day)
    text = f"{era}{'元' if year == 1 else year}年"
    return fullwidth(text) if fullwidth_digits else text


def fiscal_year_label(year: int, *, fullwidth_digits: bool = True) -> str:
    """'令和８年度' for the fiscal year starting in April of `year`.

    The era is read on May 1: FY2019 began under 平成 but is officially 令和元年度, while
    FY1988 (ending under 平成) stays 昭和63年度.
    """
    return wareki_year(date(year, 5, 1), fullwidth_digits=fullwidth_digits) + "度"


# The number rule of every document meti-pi writes: ids, codes, hashes and commit names are
# half-width, always; dates, counts, article numbers and percentages follow the document's digit
# style (full-width by default, policy `documents.fullwidth_digits`), counts grouped by thousands
# in that style (１，０００ / 1,000) whatever their size.


def count(n: int, *, fullwidth_digits: bool = True) -> str:
    """A count: '１，０００' (full-width) or '1,000'; every count of a document grouped alike."""
    text = f"{n:,}"
    return fullwidth(text) if fullwidth_digits else text


def percent(value: float | None, *, fullwidth_digits: bool = True) -> str:
    """A ratio 0..1 as '９５％' / '95%' ('—' when unknown)."""
    if value is None:
        return "—"
    text = f"{value * 100:.0f}"
    return fullwidth(text) + "％" if fullwidth_digits else text + "%"
