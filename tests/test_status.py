"""`status`: everything due or overdue across the register."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import make_register
from test_checklist import HANDLING, RATIONALE, contractor, dispatch_contractor, division, file_rec, incident

from meti_pi.checks.status import due_items, summary
from meti_pi.store.register import Register

TODAY = date(2026, 11, 26)


def _reg(tmp_path, extra: dict[str, str]) -> Register:
    return Register.load(
        make_register(tmp_path, {"divisions/jinji.yaml": division("jinji", "大臣官房人事課"), **extra})
    )


def _by(items, category):
    return [i for i in items if i.category == category]


def test_empty_register_lists_only_this_years_inspections(tmp_path):
    items = due_items(_reg(tmp_path, {}), TODAY)
    assert [(i.category, i.ref, i.due, i.overdue) for i in items] == [
        ("inspection", "inspections/2026/jinji", date(2027, 3, 31), False)
    ]
    assert items[0].article == "41(1)" and "未実施" in items[0].title


def test_inspection_with_pending_items_is_still_due(tmp_path):
    record = """
schema_version: 1
id: jinji
year: 2026
division: jinji
catalogue_version: '2026.1'
answers: [{item: '8-4', article: '8(4)', answer: 'yes', source: officer}]
pending: ['8-3']
"""
    items = _by(due_items(_reg(tmp_path, {"inspections/2026/jinji.yaml": record}), TODAY), "inspection")
    assert len(items) == 1 and "未回答 1項目" in items[0].title
    done = record.replace("pending: ['8-3']\n", "")
    assert _by(due_items(_reg(tmp_path / "b", {"inspections/2026/jinji.yaml": done}), TODAY), "inspection") == []


def test_missing_notice_is_overdue(tmp_path):
    reg = _reg(
        tmp_path,
        {
            "files/F-2026-JJJJ01.yaml": file_rec(
                "F-2026-JJJJ01", "jinji", start="2026-06-01", extra=RATIONALE + HANDLING
            )
        },
    )
    notices = _by(due_items(reg, TODAY), "notice")
    assert [(n.ref, n.article, n.due, n.overdue) for n in notices] == [
        ("files/F-2026-JJJJ01", "35(1)", date(2026, 6, 1), True),
        (
            "files/F-2026-JJJJ01",
            "APPI 74(1)",
            date(2026, 6, 1),
            True,
        ),  # the ministry's own notice to the PPC (issue 14)
    ]


def test_notice_not_yet_due_is_listed_within_the_horizon(tmp_path):
    # Holding starts in 10 days: the あらかじめ notice is due then.
    reg = _reg(tmp_path, {"files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", start="2026-12-06")})
    notices = _by(due_items(reg, TODAY), "notice")
    assert [(n.article, n.due, n.overdue) for n in notices] == [
        ("35(1)", date(2026, 12, 6), False),
        ("APPI 74(1)", date(2026, 12, 6), False),
    ]
    assert _by(due_items(reg, TODAY, horizon_days=9), "notice") == []


@pytest.mark.parametrize(
    ("last", "listed", "overdue"),
    [
        ("2025-11-25", True, True),  # due 2026-11-25: overdue
        ("2025-11-26", True, False),  # due today
        ("2025-12-26", True, False),  # due in 30 days: inside the horizon
        ("2025-12-27", False, False),  # due in 31 days: not yet listed
    ],
)
def test_contractor_annual_confirmation(tmp_path, last, listed, overdue):
    extra = f"annual_confirmations:\n  - {{date: '{last}', method: onsite}}\n"
    reg = _reg(
        tmp_path,
        {
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", cls="A"),
            "contractors/C-2026-JJJJ01.yaml": contractor(
                "C-2026-JJJJ01", ["jinji"], ["F-2026-JJJJ01"], start="2024-04-01", extra=extra
            ),
        },
    )
    items = _by(due_items(reg, TODAY), "contractor")
    assert bool(items) is listed
    if listed:
        assert items[0].article == "14(4)" and items[0].overdue is overdue


def test_class_c_or_ended_contract_needs_no_annual_confirmation(tmp_path):
    reg = _reg(
        tmp_path,
        {
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", cls="C", count=10),
            "files/F-2026-JJJJ02.yaml": file_rec("F-2026-JJJJ02", "jinji", cls="B"),
            "contractors/C-2026-JJJJ01.yaml": contractor(
                "C-2026-JJJJ01", ["jinji"], ["F-2026-JJJJ01"], start="2020-04-01"
            ),
            "contractors/C-2026-JJJJ02.yaml": contractor(
                "C-2026-JJJJ02", ["jinji"], ["F-2026-JJJJ02"], start="2020-04-01"
            ).replace("contract: {start: '2020-04-01'}", "contract: {start: '2020-04-01', end: '2026-03-31'}"),
        },
    )
    assert _by(due_items(reg, TODAY), "contractor") == []


def test_no_annual_confirmation_falls_due_after_the_contract_ends(tmp_path):
    """Art. 14(4): a contract ending 2026-12-10 owes no check due 2026-12-20 (listed as due, within the horizon)."""
    extra = "annual_confirmations:\n  - {date: '2025-12-20', method: onsite}\n"
    reg = _reg(
        tmp_path,
        {
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", cls="A"),
            "contractors/C-2026-JJJJ01.yaml": contractor(
                "C-2026-JJJJ01", ["jinji"], ["F-2026-JJJJ01"], start="2024-04-01", extra=extra
            ).replace("contract: {start: '2024-04-01'}", "contract: {start: '2024-04-01', end: '2026-12-10'}"),
        },
    )
    assert _by(due_items(reg, TODAY), "contractor") == []


def test_a_dispatch_contract_owes_no_annual_confirmation(tmp_path):
    """Art. 14(4) is 委託's: a 労働者派遣契約 for 管理A work is not listed (it was, as overdue)."""
    reg = _reg(
        tmp_path,
        {
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", cls="A"),
            "contractors/C-2026-JJJJ01.yaml": dispatch_contractor(
                "C-2026-JJJJ01", ["jinji"], ["F-2026-JJJJ01"], start="2020-04-01"
            ),
            "contractors/C-2026-JJJJ02.yaml": contractor(
                "C-2026-JJJJ02", ["jinji"], ["F-2026-JJJJ01"], start="2020-04-01"
            ),
        },
    )
    assert {r.id for r in reg.of_kind("contractors")} == {"C-2026-JJJJ01", "C-2026-JJJJ02"}  # both valid
    assert [i.ref for i in _by(due_items(reg, TODAY), "contractor")] == ["contractors/C-2026-JJJJ02"]


def test_incident_deadlines_open_only(tmp_path):
    reg = _reg(
        tmp_path,
        {
            "incidents/INC-2026-OPEN01.yaml": incident(
                "INC-2026-OPEN01", "jinji", "2026-11-20", today=TODAY, facts={"principals": 150}
            ),
            "incidents/INC-2026-SHUT01.yaml": incident(
                "INC-2026-SHUT01", "jinji", "2026-10-01", today=TODAY, facts={"principals": 150}, state="closed"
            ),
        },
    )
    items = _by(due_items(reg, TODAY), "incident")
    assert {i.ref for i in items} == {"incidents/INC-2026-OPEN01"}
    assert any(i.overdue and i.article == "39(1)" for i in items)  # 直ちに: due the known day
    assert any(
        i.title.endswith("確報") and i.due == date(2026, 12, 21) and not i.overdue for i in items
    )  # 30 days, within the horizon


def test_open_corrective_actions_are_always_listed_and_sorted(tmp_path):
    record = """
schema_version: 1
id: jinji
year: 2025
division: jinji
catalogue_version: '2026.1'
answers: [{item: '8-4', article: '8(4)', answer: 'no', source: officer}]
findings:
  - {id: 1, item: '8-4', article: '8(4)', text: t, action: 研修, owner: 人事課長, due: '2027-06-30', status: open}
  - {id: 2, item: '8-3', article: '8(3)', text: t, action: 受講, owner: 人事課長, due: '2026-11-25', status: open}
  - {id: 3, item: '9-1', article: '9(1)', text: t, action: 済, owner: 人事課長, due: '2026-01-01', status: closed, closed_on: '2026-02-01'}
"""
    items = due_items(_reg(tmp_path, {"inspections/2025/jinji.yaml": record}), TODAY)
    actions = _by(items, "corrective_action")
    assert [(a.ref, a.overdue) for a in actions] == [
        ("inspections/2025/jinji#2", True),
        ("inspections/2025/jinji#1", False),
    ]
    assert items[0].ref == "inspections/2025/jinji#2"  # overdue first
    counts = summary(items)
    assert counts["overdue"] == 1 and counts["by_category"]["corrective_action"] == {"overdue": 1, "due": 1}


def test_ppc_notice_74_3_listed_once_a_notified_file_ends(tmp_path):
    # issue 14: a file that had its 35(1) notice and ends its holding does not drop out silently
    notice = (
        "schema_version: 1\nid: N-2026-AAAAAA\nkind: 35-1\nfile: F-2026-JJJJ01\nchange: false\nstate: acknowledged\n"
        "drafted_on: '2026-03-01'\nsubmitted_on: '2026-03-02'\nacknowledged_on: '2026-03-03'\n"
    )
    reg = _reg(
        tmp_path,
        {
            "files/F-2026-JJJJ01.yaml": file_rec(
                "F-2026-JJJJ01", "jinji", start="2026-04-01", extra=RATIONALE + HANDLING
            ).replace("holding: {start: '2026-04-01'}", "holding: {start: '2026-04-01', end: '2026-11-20'}"),
            "notifications/N-2026-AAAAAA.yaml": notice,
        },
    )
    notices = _by(due_items(reg, TODAY), "notice")
    assert [(n.article, n.overdue) for n in notices] == [("APPI 74(3)", False)]
    assert "保有終了" in notices[0].title


def test_the_screen_names_the_law_of_a_ppc_notice(tmp_path):
    """The 区分・条項 column: the rule's own articles as 第35条第1項, the law's as 法第74条第1項 (a
    new user's check found '第APPI 74条第1項' on the screen)."""
    from conftest import invoke
    from typer.testing import CliRunner

    root = make_register(tmp_path, example=True)
    result = invoke(CliRunner(), root, "status", "--all")
    assert result.exit_code == 0, result.output
    assert "法第74条第1項" in result.stdout and "第35条第1項" in result.stdout
    assert "APPI" not in result.stdout


def test_a_change_notice_owed_is_listed_when_the_first_notice_was_late(tmp_path):
    """A notice made late and since out of date owes a change notice: `status` lists it as
    `notify --check` does (the late first notice hid the stale one: status listed nothing)."""
    notice = (
        "schema_version: 1\nid: N-2026-AAAAAA\nkind: 35-1\nfile: F-2026-JJJJ01\nchange: false\nstate: acknowledged\n"
        "drafted_on: '2026-06-20'\nsubmitted_on: '2026-07-01'\nacknowledged_on: '2026-07-02'\n"
        f"late_reason: 事務の遅れ\nitems_hash: {'a' * 64}\n"
    )
    reg = _reg(
        tmp_path,
        {
            "files/F-2026-JJJJ01.yaml": file_rec(
                "F-2026-JJJJ01", "jinji", start="2026-06-01", extra=RATIONALE + HANDLING
            ),
            "notifications/N-2026-AAAAAA.yaml": notice,
        },
    )
    notices = [n for n in _by(due_items(reg, TODAY), "notice") if n.article == "35(1)"]
    assert [(n.due, n.overdue) for n in notices] == [(None, True)]
    assert "変更の通知" in notices[0].title


def _inspection(year: int, pending: str = "") -> str:
    return f"""
schema_version: 1
id: jinji
year: {year}
division: jinji
catalogue_version: '{year}.1'
answers: [{{item: '8-4', article: '8(4)', answer: 'yes', source: officer}}]
{pending}"""


def test_a_skipped_years_inspection_stays_overdue_after_the_year_ends(tmp_path):
    # Art. 41(1): 2024 done, 2025 never done. On 2026-11-26 (年度 2026) the 2025 inspection is still
    # owed and overdue since 2026-03-31 (it used to drop off the list on 2026-04-01).
    reg = _reg(tmp_path, {"inspections/2024/jinji.yaml": _inspection(2024)})
    items = _by(due_items(reg, TODAY), "inspection")
    assert [(i.ref, i.due, i.overdue) for i in items] == [
        ("inspections/2025/jinji", date(2026, 3, 31), True),
        ("inspections/2026/jinji", date(2027, 3, 31), False),
    ]
    assert "2025年度の点検（未実施）" in items[0].title
    # The day the year ends it is due, not yet overdue; the next day it is overdue.
    assert [(i.ref, i.overdue) for i in _by(due_items(reg, date(2026, 3, 31)), "inspection")] == [
        ("inspections/2025/jinji", False)
    ]
    assert _by(due_items(reg, date(2026, 4, 1)), "inspection")[0].overdue


def test_earlier_years_are_owed_from_the_registers_first_inspection(tmp_path):
    # No inspection on record: only this year's (the register cannot tell which years were owed).
    assert [i.ref for i in _by(due_items(_reg(tmp_path, {}), TODAY), "inspection")] == ["inspections/2026/jinji"]
    # The register holds 2023 (another 課等's): from 2023 on, jinji owes every year; an ad hoc
    # inspection (随時) does not stand for the annual one, and 2022 (before the first) is not asked.
    reg = _reg(
        tmp_path / "b",
        {
            "divisions/koho.yaml": division("koho", "大臣官房広報室"),
            "inspections/2023/koho.yaml": _inspection(2023).replace("jinji", "koho"),
            "inspections/2025/jinji.yaml": _inspection(2025),
            "inspections/2024/jinji.adhoc-2024-06-01.yaml": _inspection(2024).replace(
                "id: jinji", "id: jinji.adhoc-2024-06-01\nad_hoc: true\ninspected_on: 2024-06-01"
            ),
        },
    )
    assert [i.ref for i in _by(due_items(reg, TODAY), "inspection") if i.division == "jinji"] == [
        "inspections/2023/jinji",
        "inspections/2024/jinji",
        "inspections/2026/jinji",
    ]


def test_a_division_set_up_later_owes_inspections_from_its_year(tmp_path):
    # 広報室 set up on 2026-04-01 (年度 2026): 年度 2025's inspection, which 人事課 made, is not
    # owed by it. Set up on 2026-03-31 (年度 2025's last day), it is.
    def refs(established: str, root):
        reg = _reg(
            root,
            {
                "divisions/koho.yaml": division("koho", "大臣官房広報室") + f"established_on: {established}\n",
                "inspections/2025/jinji.yaml": _inspection(2025),
            },
        )
        return [i.ref for i in _by(due_items(reg, TODAY), "inspection") if i.division == "koho"]

    assert refs("2026-04-01", tmp_path / "a") == ["inspections/2026/koho"]
    assert refs("2026-03-31", tmp_path / "b") == ["inspections/2025/koho", "inspections/2026/koho"]


def test_an_earlier_years_inspection_left_unfinished_stays_overdue(tmp_path):
    reg = _reg(tmp_path, {"inspections/2025/jinji.yaml": _inspection(2025, "pending: ['8-3']\n")})
    items = _by(due_items(reg, TODAY), "inspection")
    assert [(i.ref, i.overdue) for i in items] == [("inspections/2025/jinji", True), ("inspections/2026/jinji", False)]
    assert "2025年度の点検（未回答 1項目）" in items[0].title and items[0].detail == "8-3"


def test_a_division_id_with_a_dot_is_an_annual_inspection_and_one_set_up_later_owes_none_yet(tmp_path):
    # Ids may hold '.': kanbo.jinji's 2024 inspection is annual (it was taken for an ad hoc one, so the
    # register's first year was not found). A 課等 to be set up next 年度 owes no inspection yet.
    reg = _reg(
        tmp_path,
        {
            "divisions/kanbo.jinji.yaml": division("kanbo.jinji", "大臣官房人事課"),
            "divisions/future.yaml": division("future", "新設課") + "established_on: 2027-04-01\n",
            "inspections/2024/kanbo.jinji.yaml": _inspection(2024).replace("jinji", "kanbo.jinji"),
        },
    )
    refs = [i.ref for i in _by(due_items(reg, TODAY), "inspection")]
    assert "inspections/2025/kanbo.jinji" in refs and "inspections/2025/jinji" in refs
    assert not any(r.endswith("/future") for r in refs)


def test_an_earlier_years_missing_inspection_says_how_a_division_set_up_since_stops_owing_it(tmp_path):
    # A 課等 added without `established_on` owes every year since the register's first inspection
    # (2025 here): its overdue 2025 item says what to record if it was set up from 年度 2026 on; one
    # whose day is recorded (2025-05-01) owes 2025 too, without the hint, and this year's item has none.
    reg = _reg(
        tmp_path,
        {
            "divisions/koho.yaml": division("koho", "大臣官房広報室") + "established_on: 2025-05-01\n",
            "divisions/kokusai.yaml": division("kokusai", "国際課"),
            "inspections/2025/kokusai.yaml": _inspection(2025).replace("jinji", "kokusai"),
        },
    )
    details = {i.ref: i.detail for i in _by(due_items(reg, TODAY), "inspection")}
    assert (
        details["inspections/2025/jinji"] == "2026年度以降に設置された課等なら、課等の established_on（設置日）を記録"
    )
    assert details["inspections/2025/koho"] == "" and details["inspections/2026/jinji"] == ""


def test_a_calendar_inspection_year_is_not_called_a_nendo(tmp_path):
    # Art. 41(1) 毎年: with policy `inspection_year: calendar` the 2025 inspection runs 2025-01-01 to
    # 2025-12-31 and is called 2025年, not 2025年度 (an April-March year it is not); the former code
    # said 「2025年度の点検」 beside the due day 2025-12-31.
    from conftest import SHIPPED

    policy = (
        (SHIPPED / "policy.yaml")
        .read_text(encoding="utf-8")
        .replace("inspection_year: fiscal", "inspection_year: calendar")
    )
    assert "inspection_year: calendar" in policy
    reg = _reg(tmp_path, {"policy.yaml": policy, "inspections/2024/jinji.yaml": _inspection(2024)})
    items = _by(due_items(reg, TODAY), "inspection")
    assert [(i.ref, i.due, i.overdue) for i in items] == [
        ("inspections/2025/jinji", date(2025, 12, 31), True),
        ("inspections/2026/jinji", date(2026, 12, 31), False),
    ]
    assert "の2025年の点検（未実施）" in items[0].title and "年度" not in items[0].title
    assert items[0].detail.startswith("2026年以降に設置された課等なら")
    # The default 年度 keeps its name.
    fiscal = _by(due_items(_reg(tmp_path / "b", {}), TODAY), "inspection")
    assert "の2026年度の点検（未実施）" in fiscal[0].title
