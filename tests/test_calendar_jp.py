"""Closed days of the 行政機関 and deadlines counted with the known day as day 1 (legal brief §3.3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meti_pi.dates.calendar_jp import closed_reason, deadline, due_after, is_closed, roll_forward

LIMITS = {"immediately_days": 0, "promptly_days": 3, "without_delay_days": 14}


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 5, 2), "土曜日"),
        (date(2026, 5, 3), "日曜日"),
        (date(2026, 5, 4), "国民の祝日・休日"),  # みどりの日
        (date(2026, 5, 6), "国民の祝日・休日"),  # 振替休日 for 5/3 (a Sunday)
        (date(2025, 11, 24), "国民の祝日・休日"),  # 振替休日 for 勤労感謝の日 on a Sunday
        (date(2026, 9, 22), "国民の祝日・休日"),  # 国民の休日 between 敬老の日 and 秋分の日
        (date(2025, 12, 29), "年末年始"),
        (date(2025, 12, 31), "年末年始"),
        (date(2026, 1, 2), "年末年始"),
        (date(2027, 1, 3), "日曜日"),  # the weekday wins the label; closed either way
        (date(2026, 1, 1), "年末年始"),
    ],
)
def test_closed_days(day: date, reason: str) -> None:
    assert closed_reason(day) == reason
    assert is_closed(day)


@pytest.mark.parametrize(
    "day",
    [date(2025, 12, 26), date(2025, 12, 1), date(2026, 1, 5), date(2026, 5, 7), date(2027, 1, 4), date(2026, 12, 28)],
)
def test_open_days(day: date) -> None:
    assert closed_reason(day) is None


# (known day, days, deadline, what the row exercises) — each weekday checked by hand.
DEADLINES = [
    (date(2025, 12, 1), 30, date(2026, 1, 5), "legal brief example: day 30 = 12/30 closure, 1/4 Sunday -> Mon 1/5"),
    (date(2025, 12, 1), 5, date(2025, 12, 5), "速報: day 5 is a Friday, no roll"),
    (date(2026, 4, 4), 30, date(2026, 5, 7), "Golden Week: day 30 = 5/3 Sun, 5/4-5/6 holidays incl. 振替休日"),
    (date(2026, 4, 30), 5, date(2026, 5, 7), "速報 across Golden Week"),
    (date(2026, 5, 2), 5, date(2026, 5, 7), "known on a Saturday; day 5 = 5/6 振替休日"),
    (date(2025, 10, 26), 30, date(2025, 11, 25), "day 30 = 11/24 振替休日 (勤労感謝の日 on Sunday)"),
    (date(2026, 1, 31), 30, date(2026, 3, 2), "month end: day 30 = 3/1 Sunday"),
    (date(2024, 1, 31), 30, date(2024, 2, 29), "month end, leap year: day 30 = 2/29 Thursday"),
    (date(2028, 2, 1), 30, date(2028, 3, 1), "leap February counted day by day"),
    (date(2026, 11, 30), 30, date(2027, 1, 4), "day 30 = 12/29: closure, then Monday 1/4"),
    (date(2026, 12, 25), 5, date(2027, 1, 4), "速報 into the year-end closure"),
    (date(2025, 12, 27), 5, date(2026, 1, 5), "known on a Saturday in December; 1/4 is a Sunday"),
    (date(2026, 3, 1), 60, date(2026, 4, 30), "60 days (不正の目的): day 60 = 4/29 昭和の日"),
    (date(2026, 3, 28), 60, date(2026, 5, 26), "60 days landing on an open Tuesday"),
    (date(2026, 8, 24), 30, date(2026, 9, 24), "Silver Week: 9/22 国民の休日 and 9/23 秋分の日"),
    (date(2026, 5, 2), 1, date(2026, 5, 7), "one day: the known day itself, rolled"),
]


@pytest.mark.parametrize(("known", "days", "expected", "why"), DEADLINES, ids=[row[3] for row in DEADLINES])
def test_deadline_table(known: date, days: int, expected: date, why: str) -> None:
    assert deadline(known, days) == expected


def test_deadline_needs_a_positive_count() -> None:
    with pytest.raises(ValueError):
        deadline(date(2026, 1, 5), 0)


@settings(max_examples=400, deadline=None)
@given(
    known=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
    days=st.integers(min_value=1, max_value=90),
)
def test_deadline_is_the_first_open_day_from_day_n(known: date, days: int) -> None:
    due = deadline(known, days)
    day_n = known + timedelta(days=days - 1)
    assert not is_closed(due)
    assert due >= known
    assert due >= day_n
    # Minimal: every day from day N up to the deadline (exclusive) is closed.
    d = day_n
    while d < due:
        assert is_closed(d)
        d += timedelta(days=1)
    # Closures are short: the longest run is the ten-day Golden Week of 2019 (the 即位 holidays).
    assert (due - day_n).days <= 10


@settings(max_examples=200, deadline=None)
@given(
    trigger=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
    speed=st.sampled_from(["promptly", "without_delay"]),
)
def test_due_after_never_on_a_closed_day(trigger: date, speed: str) -> None:
    due = due_after(trigger, speed, LIMITS)
    assert due > trigger
    assert not is_closed(due)


def test_immediately_is_the_same_day_even_when_closed() -> None:
    sunday = date(2026, 5, 3)
    assert due_after(sunday, "immediately", LIMITS) == sunday


def test_promptly_counts_days_after_the_trigger_and_rolls() -> None:
    assert due_after(date(2026, 11, 26), "promptly", LIMITS) == date(2026, 11, 30)  # Thu + 3 = Sun -> Mon
    assert due_after(date(2025, 12, 25), "promptly", LIMITS) == date(2026, 1, 5)  # into the closure
    assert due_after(date(2026, 11, 26), "immediately", {**LIMITS, "immediately_days": 1}) == date(2026, 11, 27)


def test_bad_time_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="promptly_days"):
        due_after(date(2026, 1, 5), "promptly", {"promptly_days": -1})
    with pytest.raises(ValueError):
        due_after(date(2026, 1, 5), "promptly", {"promptly_days": True})


def test_the_2019_ten_day_golden_week() -> None:
    assert deadline(date(2019, 4, 1), 27) == date(2019, 5, 7)  # day 27 = 4/27 (Sat), closed through 5/6


def test_roll_forward_keeps_an_open_day() -> None:
    assert roll_forward(date(2026, 11, 26)) == date(2026, 11, 26)
