"""Days the ministry is closed, and deadlines counted the way PPC and the 休日法 count them.

行政機関の休日に関する法律 Art. 1: Saturdays, Sundays, the holidays of the 国民の祝日に関する法律
(振替休日 and 国民の休日 included) and 12/29–1/3 are 行政機関の休日. Art. 2: a time limit for
an act toward a 行政機関 that ends on such a day ends on the next day that is not one.
National holidays come from `jpholiday` (a maintained library that computes 春分/秋分 and the
substitute days), never from a list typed here. jpholiday is imported lazily.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

# The rule's three speeds, as the policy.yaml `time_limits` keys that say what they mean in days.
SPEEDS: dict[str, str] = {
    "immediately": "immediately_days",  # 直ちに
    "promptly": "promptly_days",  # 速やかに
    "without_delay": "without_delay_days",  # 遅滞なく
}


@lru_cache(maxsize=4096)
def parse_day(value: Any) -> date | None:
    """A record's ISO date as a date (None when absent or malformed: the schema reports those)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@lru_cache(maxsize=8192)
def _national_holiday(day: date) -> bool:
    # Memoised: a register's deadlines fall on a few thousand days, asked tens of thousands of
    # times (status, notify --check: ~25 us a jpholiday look-up).
    import jpholiday  # heavy-ish: only when a date is checked

    return bool(jpholiday.is_holiday(day))


def year_end_closure(day: date) -> bool:
    """True on 12/29–1/3 (休日法 Art. 1(1)(iii))."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def closed_reason(day: date) -> str | None:
    """Why `day` is a 行政機関の休日 ('土曜日', '日曜日', '年末年始', '国民の祝日・休日'), or None."""
    if day.weekday() == 5:
        return "土曜日"
    if day.weekday() == 6:
        return "日曜日"
    if year_end_closure(day):
        return "年末年始"
    if _national_holiday(day):
        return "国民の祝日・休日"
    return None


def is_closed(day: date) -> bool:
    """True when `day` is a 行政機関の休日."""
    return closed_reason(day) is not None


def roll_forward(day: date) -> date:
    """`day` itself when open, else the next open day (休日法 Art. 2)."""
    while is_closed(day):
        day += timedelta(days=1)
    return day


def deadline(known: date, days: int) -> date:
    """The last day of a `days`-day limit counting `known` as day 1, rolled past closed days.

    Example (legal brief §3.3): known 2025-12-01, 30 days -> day 30 is 2025-12-30 (closure)
    -> 2026-01-05 (Mon).
    """
    if days < 1:
        raise ValueError("a limit counted with the known day as day 1 needs days >= 1")
    return roll_forward(known + timedelta(days=days - 1))


def target_day(known: date, days: int) -> date:
    """Day `days` counting `known` as day 1, NOT rolled past closed days.

    The 速報 is 「速やかに」 (概ね3～5日以内): a target, not a time limit of the 休日法 Art. 2,
    whose roll-over is stated for the 確報 only (通則編 3-5-3-4 ※2; 別添2).
    Example: known 12/25, 5 days -> 12/29 (a closed day, kept).
    """
    if days < 1:
        raise ValueError("a target counted with the known day as day 1 needs days >= 1")
    return known + timedelta(days=days - 1)


def time_limit_days(speed: str, time_limits: Mapping[str, Any]) -> int:
    """How many days policy allows for 直ちに / 速やかに / 遅滞なく."""
    key = SPEEDS[speed]
    value = time_limits.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"policy time_limits.{key} must be a whole number of days >= 0")
    return value


def due_after(trigger: date, speed: str, time_limits: Mapping[str, Any]) -> date:
    """When an act required `speed` after `trigger` is due under the policy's time limits.

    直ちに with 0 days is the trigger day itself, even on a closed day: containing a leak or
    reporting it up the chain does not wait for Monday. Any limit of one day or more is the
    trigger plus that many days, rolled forward past closed days like the PPC deadlines.
    """
    days = time_limit_days(speed, time_limits)
    if days == 0:
        return trigger
    return roll_forward(trigger + timedelta(days=days))
