from datetime import date

import pytest

from meti_pi.dates.wareki import fiscal_year_label, to_wareki


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2022, 4, 1), "令和4年4月1日"),
        (date(2026, 11, 26), "令和8年11月26日"),
    ],
)
def test_era_boundaries(day, expected):
    assert to_wareki(day, fullwidth_digits=False) == expected


def test_fullwidth_default_matches_the_rule_style():
    assert to_wareki(date(2022, 4, 1)) == "令和４年４月１日"


def test_fiscal_year_label():
    assert fiscal_year_label(2019, fullwidth_digits=False) == "令和元年度"
    assert fiscal_year_label(2026) == "令和８年度"


def test_fullwidth_groups_counts_in_the_same_style() -> None:
    # The number rule (issue 16): a count never mixes a full-width digit with an ASCII comma.
    from meti_pi.dates.wareki import count, fullwidth, percent

    assert fullwidth("本人の数が1,500人") == "本人の数が１，５００人"
    assert fullwidth("第1,2号") == "第１,２号"  # not a thousands group
    assert count(3000) == "３，０００" and count(1000) == "１，０００" and count(999) == "９９９"
    assert count(3000, fullwidth_digits=False) == "3,000"
    assert percent(0.955) == "９６％" and percent(None) == "—"
