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


# ---------------------------------------------------------------- the era table as data (legal brief §6)

from meti_pi.dates.wareki import DEFAULT_ERAS, era_problems, eras_from, wareki_year  # noqa: E402


def _table(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "first_day": day} for name, day in pairs]


DEFAULT_TABLE = _table(("令和", "2019-05-01"), ("平成", "1989-01-08"), ("昭和", "1926-12-25"), ("大正", "1912-07-30"))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1912, 7, 29), "1912年7月29日"),  # before the table's first era: the Western year, no era
    ],
)
def test_the_default_table_at_its_from_memory_boundaries(day, expected):
    assert to_wareki(day, fullwidth_digits=False) == expected
    assert to_wareki(day, fullwidth_digits=False, eras=eras_from(DEFAULT_TABLE)) == expected


def test_the_policy_table_is_the_default_in_any_order():
    assert eras_from(list(reversed(DEFAULT_TABLE))) == DEFAULT_ERAS
    assert era_problems(DEFAULT_TABLE) == []


def test_a_corrected_from_memory_day_moves_the_boundary():
    eras = eras_from(
        _table(("令和", "2019-05-01"), ("平成", "1989-01-08"), ("昭和", "1926-12-26"), ("大正", "1912-07-30"))
    )
    assert to_wareki(date(1926, 12, 25), fullwidth_digits=False, eras=eras) == "大正15年12月25日"
    assert to_wareki(date(1926, 12, 26), fullwidth_digits=False, eras=eras) == "昭和元年12月26日"


def test_an_era_before_the_earliest_listed_is_added_as_data():
    table = [*DEFAULT_TABLE, {"name": "明治", "first_day": "1868-01-25"}]
    assert era_problems(table) == []
    assert to_wareki(date(1900, 1, 1), fullwidth_digits=False, eras=eras_from(table)) == "明治33年1月1日"


def test_a_calendar_year_is_named_by_the_era_it_ends_in():
    from meti_pi.dates.wareki import calendar_year_label

    assert calendar_year_label(2019, fullwidth_digits=False) == "令和元年"  # 平成31年 until 4月30日
    assert calendar_year_label(1989, fullwidth_digits=False) == "平成元年"  # 昭和64年 until 1月7日
    assert calendar_year_label(2026) == "令和８年"


def test_the_era_after_reiwa_is_added_as_data():
    eras = eras_from([{"name": "新元号", "first_day": "2031-04-01"}, *DEFAULT_TABLE])
    assert to_wareki(date(2031, 3, 31), fullwidth_digits=False, eras=eras) == "令和13年3月31日"
    assert to_wareki(date(2031, 4, 1), fullwidth_digits=False, eras=eras) == "新元号元年4月1日"
    assert wareki_year(date(2032, 1, 1), fullwidth_digits=False, eras=eras) == "新元号2年"
    assert fiscal_year_label(2031, fullwidth_digits=False, eras=eras) == "新元号元年度"


@pytest.mark.parametrize(
    ("table", "path", "words"),
    [
        (_table(("令和", "2019-05-02"), ("平成", "1989-01-08")), (0, "first_day"), "令和 began on 2019-05-01"),
        (_table(("令和", "2019-05-01"), ("平成", "1989-01-07")), (1, "first_day"), "平成 began on 1989-01-08"),
        (_table(("令和", "2019-05-01")), (), "平成 (first day 1989-01-08, VERIFIED) is missing"),
        (
            _table(("令和", "2019-05-01"), ("平成", "1989-01-08"), ("令和", "2019-05-01")),
            (2, "name"),
            "令和 is listed twice (entries 1 and 3)",
        ),
        (
            _table(("令和", "2019-05-01"), ("平成", "1989-01-08"), ("昭和", "1989-01-08")),
            (2, "first_day"),
            "two eras begin on 1989-01-08",
        ),
        (
            _table(("令和", "2019-05-01"), ("平成", "1989-01-08"), ("昭和", "1990-01-01")),
            (2, "first_day"),
            "昭和 begins after 平成",
        ),
        (
            _table(("令和", "2019-05-01"), ("平成", "1989-01-08"), ("昭和", "1926-02-30")),
            (2, "first_day"),
            "1926-02-30 is not a day of the calendar",
        ),
        # an era of another name inside the known ones (it would name 平成22年 新元号11年)
        (
            _table(("令和", "2019-05-01"), ("平成", "1989-01-08"), ("新元号", "2000-01-01")),
            (2, "first_day"),
            "新元号 would begin inside the eras 平成-令和",
        ),
        (  # ... or move a VERIFIED era by a day under another name
            _table(("令和", "2019-05-01"), ("平成", "1989-01-08"), ("平成X", "1989-01-09")),
            (2, "first_day"),
            "平成X would begin inside",
        ),
        (
            _table(("令和", "2019-05-01"), ("平成", "1989-01-08"), ("昭和", "1926-12-25"), ("明治", "1950-01-01")),
            (3, "first_day"),
            "明治 would begin inside the eras 昭和-令和",
        ),
        (  # one left out between them: a 1980 date would read 大正69年
            _table(("令和", "2019-05-01"), ("平成", "1989-01-08"), ("大正", "1912-07-30")),
            (),
            "昭和 is missing between 大正 and 令和",
        ),
    ],
)
def test_a_table_that_cannot_be_right_is_refused(table, path, words):
    found = era_problems(table)
    assert any(p == path and words in message for p, message in found), found
    with pytest.raises(ValueError):
        eras_from(table)


# ---------------------------------------------------------------- the register's table in its documents

from conftest import git, invoke, make_register  # noqa: E402


def _with_eras(root, rows: str) -> None:
    """policy.yaml's documents.eras replaced by `rows` (YAML flow mappings, one a line)."""
    path = root / "policy.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  eras:\n")
    end = text.index("inspection:\n", start)
    path.write_text(text[:start] + "  eras:\n" + rows + text[end:], encoding="utf-8")


def test_documents_write_the_era_the_register_adds(tmp_path, runner):
    root = make_register(tmp_path, example=True)
    out = tmp_path / "fb.md"
    assert (
        invoke(runner, root, "export", "filebook", "--format", "md", "--out", str(out), today="2026-12-07").exit_code
        == 0
    )
    assert "令和８年１２月７日現在" in out.read_text(encoding="utf-8")
    _with_eras(
        root,
        "    - {name: 新元号, first_day: '2026-12-01'}\n"
        "    - {name: 令和, first_day: '2019-05-01'}\n"
        "    - {name: 平成, first_day: '1989-01-08'}\n",
    )
    assert invoke(runner, root, "validate").exit_code == 0
    assert (
        invoke(runner, root, "export", "filebook", "--format", "md", "--out", str(out), today="2026-12-07").exit_code
        == 0
    )
    assert "新元号元年１２月７日現在" in out.read_text(encoding="utf-8")


def test_an_incident_draft_writes_the_era_the_register_adds(tmp_path, runner):
    root = make_register(tmp_path, example=True)
    before = invoke(runner, root, "incident", "report", "INC-2026-QFHKBF", "--kind", "final", today="2026-12-07")
    assert before.exit_code == 0 and "新元号" not in before.stdout
    _with_eras(
        root,
        "    - {name: 新元号, first_day: '2026-06-01'}\n"
        "    - {name: 令和, first_day: '2019-05-01'}\n"
        "    - {name: 平成, first_day: '1989-01-08'}\n",
    )
    after = invoke(runner, root, "incident", "report", "INC-2026-QFHKBF", "--kind", "final", today="2026-12-07")
    assert after.exit_code == 0
    assert "新元号元年１２月７日" in after.stdout and "令和８年" not in after.stdout
    assert after.stdout.replace("新元号元年", "令和８年") == before.stdout  # the era alone changed


def test_commit_refuses_a_wrong_table(tmp_path, runner):
    root = make_register(tmp_path, example=True)
    _with_eras(
        root,
        "    - {name: 令和, first_day: '2019-05-01'}\n    - {name: 平成, first_day: '1989-01-08'}\n    - {name: 大正, first_day: '1912-07-30'}\n",
    )
    head = git(root.parent, "rev-parse", "HEAD")
    result = invoke(runner, root, "commit", str(root / "policy.yaml"))
    assert result.exit_code == 1 and "昭和 is missing between 大正 and 令和" in result.output
    assert git(root.parent, "rev-parse", "HEAD") == head


def test_a_wrong_table_is_reported_at_its_line_and_refused_by_documents(tmp_path, runner):
    root = make_register(tmp_path, example=True)
    _with_eras(root, "    - {name: 令和, first_day: '2019-05-01'}\n    - {name: 平成, first_day: '1989-01-09'}\n")
    line = 1 + next(
        i for i, t in enumerate((root / "policy.yaml").read_text(encoding="utf-8").splitlines()) if "1989-01-09" in t
    )
    result = invoke(runner, root, "validate")
    assert result.exit_code == 1
    assert f"policy.yaml:{line}: $.documents.eras[1].first_day: error[schema] 平成 began on 1989-01-08" in result.output
    head = git(root.parent, "rev-parse", "HEAD")
    incident = sorted((root / "incidents").glob("*.yaml"))[0].stem
    result = invoke(runner, root, "incident", "report", incident, "--kind", "preliminary")
    assert result.exit_code == 2 and f"policy.yaml:{line}: $.documents.eras[1].first_day" in result.output
    assert "令和" not in result.stdout  # no document written
    assert git(root.parent, "rev-parse", "HEAD") == head


@pytest.mark.parametrize(
    ("rows", "hint"),
    [
        ("", "e.g. `eras: [{name: 令和, first_day: 2026-04-01}]` in {policy}"),  # `eras:` given a text
        ("    - 令和\n", "is a list: write each item as `- {name: 令和, first_day: 2026-04-01}` under `eras:`"),
    ],
    ids=["not a list", "an item not a mapping"],
)
def test_a_table_of_the_wrong_shape_is_shown_how_to_write_it(tmp_path, runner, rows, hint):
    root = make_register(tmp_path, example=True)
    _with_eras(root, rows)
    if not rows:  # `eras: 令和`
        path = root / "policy.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("  eras:\n", "  eras: 令和\n"), encoding="utf-8")
    result = invoke(runner, root, "validate")
    # policy.yaml named from the folder the test runs in, outside the repository (test_message_paths)
    hint = hint.replace("{policy}", str((root / "policy.yaml").resolve()))
    assert result.exit_code == 1 and hint in result.output, result.output
    assert "is missing" not in result.output  # the shape first: the table is not judged whole
