"""和暦 (Japanese era) dates for documents (legal brief §6).

Works on the date, not the year: 2019-04-30 is 平成31年, 2019-05-01 is 令和元年.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from typing import Any

# An era table: (first day, era name), the newest first.
Eras = tuple[tuple[date, str], ...]

# 令和 and 平成 are VERIFIED (legal brief §6); a register's table must keep them as they are.
VERIFIED_ERAS: dict[str, date] = {"令和": date(2019, 5, 1), "平成": date(1989, 1, 8)}
# The default table. 昭和 and 大正 are FROM MEMORY (legal brief §6): data, not truth — a register
# corrects them (or adds the era after 令和) in policy.yaml `documents.eras`, which documents use
# (store.policy.eras).
DEFAULT_ERAS: Eras = (
    (VERIFIED_ERAS["令和"], "令和"),
    (VERIFIED_ERAS["平成"], "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
)
_HISTORY = [name for _, name in reversed(DEFAULT_ERAS)]  # 大正, 昭和, 平成, 令和
_TO_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_GROUPING = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def fullwidth(text: str) -> str:
    """ASCII digits as full-width digits; a thousands comma between digits becomes '，' with them
    (１，０００, never １,０００)."""
    return _GROUPING.sub("，", text).translate(_TO_FULLWIDTH)


def era_problems(entries: list[dict[str, Any]]) -> list[tuple[tuple[int | str, ...], str]]:
    """What is wrong with an era table as policy.yaml writes it (`[{name, first_day}]`, days in ISO
    form, any order), each with its path below the list: a name or a first day given twice, a
    VERIFIED era missing or moved, a day that does not exist, the eras out of history's order or
    with one left out, an era of another name inside them (_history_problems). An entry of the
    wrong shape is the schema's to report: the table is then not judged whole."""
    found: list[tuple[tuple[int | str, ...], str]] = []
    shaped = True
    names: dict[str, int] = {}
    days: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            shaped = False
            continue
        name, first = entry["name"], entry.get("first_day")
        if name in names:
            found.append(((i, "name"), f"{name} is listed twice (entries {names[name] + 1} and {i + 1}): keep one"))
        names.setdefault(name, i)
        if isinstance(first, str):
            try:
                date.fromisoformat(first)
            except ValueError:
                found.append(((i, "first_day"), f"{first} is not a day of the calendar: write YYYY-MM-DD"))
                continue
            if first in days:
                found.append(((i, "first_day"), f"two eras begin on {first}: correct one of them"))
            days.setdefault(first, i)
            if name in VERIFIED_ERAS and first != VERIFIED_ERAS[name].isoformat():
                found.append(
                    (
                        (i, "first_day"),
                        f"{name} began on {VERIFIED_ERAS[name].isoformat()} (VERIFIED, legal brief §6): write that day",
                    )
                )
    if not shaped:
        return found
    for name, first in VERIFIED_ERAS.items():
        if name not in names:
            found.append(((), f"{name} (first day {first.isoformat()}, VERIFIED) is missing: add it"))
    found += _history_problems(entries, names)
    return found


def _history_problems(entries: list[dict[str, Any]], names: dict[str, int]) -> list[tuple[tuple[int | str, ...], str]]:
    """The eras of the default table follow one another in history's order with none left out
    between them (without 昭和, a 1980 date would be written 大正69年); an era of another name
    begins after 令和 (the next one) or before the earliest of them listed (明治): never inside one."""
    found: list[tuple[tuple[int | str, ...], str]] = []
    days = {name: entries[i]["first_day"] for name, i in names.items() if isinstance(entries[i].get("first_day"), str)}
    known = sorted((days[name], name) for name in _HISTORY if name in days)
    for (_, earlier), (_, later) in itertools.pairwise(known):
        if _HISTORY.index(earlier) > _HISTORY.index(later):
            found.append(
                (
                    (names[later], "first_day"),
                    f"{later} begins after {earlier}, which followed it: correct one of the two days",
                )
            )
    listed = [name for name in _HISTORY if name in names]
    if listed:
        missing = [name for name in _HISTORY[_HISTORY.index(listed[0]) :] if name not in names]
        for name in missing:
            found.append(((), f"{name} is missing between {listed[0]} and 令和: add it (or remove the eras before it)"))
    if known and not found:
        first, last = known[0][0], known[-1][0]
        for name, day in days.items():
            if name not in _HISTORY and first <= day <= last:
                found.append(
                    (
                        (names[name], "first_day"),
                        f"{name} would begin inside the eras {known[0][1]}-{known[-1][1]}: an era is added after "
                        f"{known[-1][1]} or before {known[0][1]}",
                    )
                )
    return found


def eras_from(entries: list[dict[str, Any]]) -> Eras:
    """The table of policy.yaml's `documents.eras`, newest first; ValueError where era_problems
    finds anything or an entry is not `{name, first_day}`."""
    problems = era_problems(entries)
    if problems:
        raise ValueError(problems[0][1])
    try:
        table = [(date.fromisoformat(e["first_day"]), e["name"]) for e in entries]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"an era is not {{name, first_day}}: {exc}") from None
    return tuple(sorted(table, reverse=True))


def era_year(day: date, eras: Eras = DEFAULT_ERAS) -> tuple[str, int] | None:
    """The era and its year number for `day`; None before the first era of the table."""
    for first, name in eras:
        if day >= first:
            return name, day.year - first.year + 1
    return None


def _year_text(day: date, eras: Eras) -> str:
    found = era_year(day, eras)
    if found is None:
        return f"{day.year}年"  # before the table's first era: the Western year, never a wrong era
    era, year = found
    return f"{era}{'元' if year == 1 else year}年"


def to_wareki(day: date, *, fullwidth_digits: bool = True, eras: Eras = DEFAULT_ERAS) -> str:
    """'令和８年１１月２６日' (full-width by default; year 1 written 元年)."""
    text = f"{_year_text(day, eras)}{day.month}月{day.day}日"
    return fullwidth(text) if fullwidth_digits else text


def wareki_year(day: date, *, fullwidth_digits: bool = True, eras: Eras = DEFAULT_ERAS) -> str:
    """'令和８年' for the era year of `day`."""
    text = _year_text(day, eras)
    return fullwidth(text) if fullwidth_digits else text


def fiscal_year_label(year: int, *, fullwidth_digits: bool = True, eras: Eras = DEFAULT_ERAS) -> str:
    """'令和８年度' for the fiscal year starting in April of `year`.

    The era is read on May 1 (DERIVED): FY2019, begun under 平成, is named 令和元年度 as documents
    made after 2019-05-01 commonly name it (平成31年度 was also in use; the brief does not say),
    while FY1988 (ending under 平成) stays 昭和63年度.
    """
    return wareki_year(date(year, 5, 1), fullwidth_digits=fullwidth_digits, eras=eras) + "度"


def calendar_year_label(year: int, *, fullwidth_digits: bool = True, eras: Eras = DEFAULT_ERAS) -> str:
    """'令和元年' for the calendar year `year`, named by the era it ends in (DERIVED: 1989 is 平成元年
    and 2019 令和元年, as they are commonly called; the inspection and audit reports name it alike)."""
    return wareki_year(date(year, 12, 31), fullwidth_digits=fullwidth_digits, eras=eras)


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
