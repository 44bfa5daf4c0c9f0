"""Inspection years (年度 or calendar, from policy) and the date and article formats of the checklist."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any


def year_basis(policy: dict[str, Any]) -> str:
    """'fiscal' (年度) or 'calendar', from policy `inspection_year`."""
    return "calendar" if policy.get("inspection_year") == "calendar" else "fiscal"


# The words of the checklist, its evidence and the year's report, written for a 年度, as said of a
# calendar year (policy `inspection_year: calendar`, Art. 41(1) 毎年): 本年 and 前年, as official
# documents name the current and the previous calendar year (本年１月１日, 前年の所得); 当年 is the
# accountants' word. The longer words first: 前年度以前 is 前年以前, 対象年度 is 対象年.
_CALENDAR_WORDS = (("当年度", "本年"), ("本年度", "本年"), ("前年度", "前年"), ("対象年度", "対象年"))


def worded(text: str, basis: str) -> str:
    """`text`, written of a 年度 (当年度, 本年度, 前年度, 対象年度), as said of the inspection year of
    `basis` (year_basis): unchanged for 'fiscal', 本年/前年/対象年 for 'calendar'."""
    if basis != "calendar":
        return text
    for fiscal, calendar in _CALENDAR_WORDS:
        text = text.replace(fiscal, calendar)
    return text


def year_label(year: int, policy: dict[str, Any]) -> str:
    """'2026年度' (a 年度) or '2026年' (a calendar year, policy `inspection_year: calendar`): how the
    screens and commit messages name inspection year `year` (documents use the 和暦 labels)."""
    return f"{year}年" if year_basis(policy) == "calendar" else f"{year}年度"


def inspection_period(year: int, policy: dict[str, Any]) -> tuple[date, date]:
    """First and last day of inspection year `year` (年度 April–March by default)."""
    if year_basis(policy) == "calendar":
        return date(year, 1, 1), date(year, 12, 31)
    month = int(policy.get("fiscal_year_start_month", 4))
    start = date(year, month, 1)
    end = add_months(start, 12)
    return start, date.fromordinal(end.toordinal() - 1)


def inspection_year_of(day: date, policy: dict[str, Any]) -> int:
    """The inspection year `day` falls in (2027-03-31 is 年度 2026)."""
    if year_basis(policy) == "calendar":
        return day.year
    month = int(policy.get("fiscal_year_start_month", 4))
    return day.year if day.month >= month else day.year - 1


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's last day (1/31 + 1 month = 2/28)."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has a 28th


def period_end(day: date, months: int) -> date:
    """The last day of a period of `months` months from `day`, as 民法 140 and 143 count it: from the
    next day (初日不算入), ending the day before the same day `months` later, or on that month's last
    day when it has no such day. A year from 2023-02-28 ends 2024-02-29; from 2024-02-29, 2025-02-28;
    six months from 2026-02-28 end 2026-08-31 (add_months gives 2024-02-28 and 2026-08-28: early)."""
    first = day + timedelta(days=1)
    same = add_months(first, months)  # the same day `months` later, or that month's last day (clamped)
    return same - timedelta(days=1) if same.day == first.day else same


@lru_cache(maxsize=1024)  # a few dozen articles, asked once per item: 400,000 times on a large register
def article_ja(article: str) -> str:
    """'14(4)' -> '14条第4項'; '10' -> '10条' (prefix 第 where the sentence needs it)."""
    parts = article.replace(")", "").split("(")
    out = f"{parts[0]}条"
    if len(parts) > 1:
        out += f"第{parts[1]}項"
    if len(parts) > 2:
        out += f"第{parts[2]}号"
    return out


def jp_day(value: date | str | None) -> str:
    """A date for Japanese text: ISO, which sorts and reads unambiguously in tables."""
    if value is None:
        return "—"
    return value.isoformat() if isinstance(value, date) else str(value)
