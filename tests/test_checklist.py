"""The Art. 41 checklist: catalogue, years, applicability per division type, pre-fills with evidence."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import make_register

from meti_pi.errors import MetiPiError
from meti_pi.inspect import checklist as cl
from meti_pi.store.register import Register

TODAY = date(2026, 11, 26)  # fiscal year 2026 (2026-04-01 .. 2027-03-31)


# -- small register builders (imported by the other inspect tests) ----------------------------


def division(did: str, name: str, *, post: str | None = None, training: str = "") -> str:
    return f"""
schema_version: 1
id: {did}
name: {name}
org: 経済産業省
manager_post: {post or name + '長'}
{training}"""


def file_rec(
    fid: str,
    div: str,
    *,
    cls: str | None = "B",
    kind: str = "computer",
    start: str = "2025-04-01",
    count: int = 1500,
    extra: str = "",
) -> str:
    lines = f"""
schema_version: 1
id: {fid}
name: ファイル{fid[-2:]}
org: 経済産業省
division: {div}
purpose: 事務の遂行
record_items: [氏名, 住所]
record_scope: 申請者
collection_method: 申請書
file_kind: {kind}
holding: {{start: '{start}'}}
principals: {{count: {count}, as_of: '2026-04-01'}}
characteristics: {{sensitive: false}}
disclosure_office: {{name: 個人情報保護窓口, address: 東京都千代田区霞が関一丁目3番1号}}
"""
    if "characteristics:" in extra:  # the caller states the characteristics itself
        lines = lines.replace("characteristics: {sensitive: false}\n", "")
    if cls:
        lines += f"management_class: {cls}\n"
    return lines + extra


HANDLING = """handling_rules:
  access_limits: 担当者に限る
  encryption: 外部媒体は暗号化
  copy_limits: 複製は課長の許可
  media_storage: 施錠保管
  disposal: 溶解処理
  backup: 日次
  mis_sending: 二人で確認
  foreign_environment: 該当なし
"""
RATIONALE = """classification:
  rationale: 本人の数が千人以上のため
  decided_on: '2025-04-01'
"""
ALL_CLAUSES = "\n".join(f"  {c}: {{present: true}}" for c in cl.CLAUSE_NAMES)


def contractor(
    cid: str,
    divisions: list[str],
    files: list[str],
    *,
    missing: tuple[str, ...] = (),
    start: str = "2025-04-01",
    extra: str = "",
) -> str:
    clauses = "\n".join(f"  {c}: {{present: {'false' if c in missing else 'true'}}}" for c in cl.CLAUSE_NAMES)
    return f"""
schema_version: 1
id: {cid}
name: 委託先{cid[-2:]}
divisions: [{', '.join(divisions)}]
files: [{', '.join(files)}]
contract: {{start: '{start}'}}
clauses:
{clauses}
{extra}"""


def dispatch_contractor(
    cid: str, divisions: list[str], files: list[str], *, terms: bool = True, start: str = "2025-04-01"
) -> str:
    """A pure 労働者派遣契約 (Art. 15): no Art. 14 clauses or confirmations."""
    return f"""
schema_version: 1
id: {cid}
name: 派遣元{cid[-2:]}
divisions: [{', '.join(divisions)}]
files: [{', '.join(files)}]
contract: {{kind: dispatch, start: '{start}'}}
dispatched_workers: {{present: true, contract_terms: {'true' if terms else 'false'}}}
"""


def system(sid: str, row: int, extra: str = "") -> str:
    return f"""
schema_version: 1
id: {sid}
name: システム{sid[-2:]}
beppyo_row: {row}
{extra}"""


def incident(
    iid: str,
    div: str,
    known_on: str,
    *,
    today: date,
    facts: dict | None = None,
    events: list | None = None,
    state: str = "open",
) -> str:
    """An incident record built by the incidents module (JSON is YAML)."""
    from meti_pi.incident import incidents
    from meti_pi.store import policy

    top = {"known_on": known_on, "division": div, "summary": "書類の誤送付"}
    snap = incidents.rules_snapshot(policy.merged(None), None, date.fromisoformat(known_on))
    data = incidents.new_record(top, facts or {}, [], snap, today=date.fromisoformat(known_on))
    data["events"] = list(data.get("events") or []) + list(events or [])
    data["state"] = state
    if state == "closed":
        data["closed_on"] = today.isoformat()
    return json.dumps({"schema_version": 1, "id": iid, **data}, ensure_ascii=False)


def load(tmp_path: Path, extra: dict[str, str]) -> Register:
    return Register.load(make_register(tmp_path, extra))


def keys(c: cl.Checklist) -> set[str]:
    return {i.key for i in c.items}


def articles(c: cl.Checklist) -> set[str]:
    return {i.article for i in c.items}


# -- the catalogue ---------------------------------------------------------------------------


def test_catalogue_cites_article_and_paragraph_for_every_item():
    cat = cl.load_catalogue()
    assert cat.version
    assert len(cat.items) >= 50
    for item in cat.items:
        assert re.fullmatch(r"[1-9][0-9]?(\([1-9]\))?", item.article), item.id
        assert item.question.endswith("。") or item.question.endswith("）"), item.id
        assert item.scope in cl.SCOPES
    # Articles whose paragraphs are separate duties are cited paragraph by paragraph.
    cited = {i.article for i in cat.items}
    for art in (
        "8(4)",
        "14(1)",
        "14(2)",
        "14(3)",
        "14(4)",
        "14(5)",
        "14(6)",
        "16(1)",
        "16(2)",
        "16(3)",
        "28(1)",
        "28(2)",
        "32(1)",
        "32(2)",
        "33(1)",
        "33(2)",
        "33(3)",
        "34(1)",
        "34(2)",
        "35(1)",
        "35(2)",
        "35(3)",
        "39(1)",
        "39(4)",
        "40(1)",
        "40(2)",
    ):
        assert art in cited, art
    # Every article a division answers for (4(2), 4(3), 6(3), 8-36, 39, 40, 44, 45) is in the
    # catalogue, and the 副総括's office answers for its own duties and the 総括's it assists (13(3),
    # 37, 38, 39(5)-(7), 40(3), 41(2), 43) (issue 14). 42 is the audit itself.
    numbers = {int(a.split("(")[0]) for a in cited}
    assert numbers == {4, 6} | set(range(8, 42)) | {43, 44, 45}
    for art in ("4(2)", "4(3)", "6(3)", "13(3)", "39(5)", "39(6)", "39(7)", "40(3)", "41(2)", "43(1)", "43(2)"):
        assert art in cited, art


def test_catalogue_rules_are_checked_when_loaded():
    good = {
        "version": "x",
        "items": [
            {"id": "1", "article": "8(4)", "scope": "division", "applies": "always", "title": "t", "question": "q"}
        ],
    }
    assert cl.parse_catalogue(good).items[0].applies == "always"
    with pytest.raises(MetiPiError, match="unknown applicability rule"):
        cl.parse_catalogue({"items": [{**good["items"][0], "applies": "sometimes"}]})
    with pytest.raises(MetiPiError, match="for scope 'file'"):
        cl.parse_catalogue({"items": [{**good["items"][0], "applies": "held"}]})
    with pytest.raises(MetiPiError, match="duplicate id"):
        cl.parse_catalogue({"items": [good["items"][0], good["items"][0]]})
    with pytest.raises(MetiPiError, match="missing question"):
        cl.parse_catalogue({"items": [{k: v for k, v in good["items"][0].items() if k != "question"}]})


# -- years ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2027, 3, 31), 2026),
        (date(2027, 4, 1), 2027),
    ],
)
def test_fiscal_year_runs_april_to_march(day, year):
    policy = {"fiscal_year_start_month": 4, "inspection_year": "fiscal"}
    assert cl.inspection_year_of(day, policy) == year
    start, end = cl.inspection_period(year, policy)
    assert start <= day <= end
    assert (start, end) == (date(year, 4, 1), date(year + 1, 3, 31))


def test_calendar_year_when_policy_says_so():
    policy = {"fiscal_year_start_month": 4, "inspection_year": "calendar"}
    assert cl.inspection_year_of(date(2026, 3, 31), policy) == 2026
    assert cl.inspection_period(2026, policy) == (date(2026, 1, 1), date(2026, 12, 31))


def test_add_months_clamps_to_month_end():
    assert cl.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert cl.add_months(date(2025, 11, 26), 12) == date(2026, 11, 26)
    assert cl.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


# -- applicability per division type ----------------------------------------------------------------


@pytest.fixture
def typed(tmp_path):
    """jinji: files (B, C) and an A/B contractor; kikaku: only 管理C files and a contractor;
    somu: no files, no contractors; tokei: 甲 of a row-2 system; joho: 乙 of it (and 甲/乙 of row 1)."""
    return load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "divisions/kikaku.yaml": division("kikaku", "大臣官房企画課"),
            "divisions/somu.yaml": division("somu", "大臣官房総務課"),
            "divisions/tokei.yaml": division("tokei", "大臣官房調査統計グループ統計情報システム室"),
            "divisions/joho.yaml": division("joho", "大臣官房情報システム室"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", cls="B", extra=RATIONALE + HANDLING),
            "files/F-2026-JJJJ02.yaml": file_rec("F-2026-JJJJ02", "jinji", cls="C", kind="manual", count=20),
            "files/F-2026-KKKK01.yaml": file_rec("F-2026-KKKK01", "kikaku", cls="C", count=50),
            "files/F-2026-KKKK02.yaml": file_rec("F-2026-KKKK02", "kikaku", cls="C", kind="manual", count=10),
            "contractors/C-2026-JJJJ01.yaml": contractor("C-2026-JJJJ01", ["jinji"], ["F-2026-JJJJ01"]),
            "contractors/C-2026-KKKK01.yaml": contractor("C-2026-KKKK01", ["kikaku"], ["F-2026-KKKK01"]),
            "systems/SYS-2026-TTTT01.yaml": system("SYS-2026-TTTT01", 2),
        },
    )


def test_no_contractors_no_article_14_items(typed):
    somu = cl.build(typed, "somu", 2026, TODAY)
    assert not {a for a in articles(somu) if a.startswith(("14", "15"))}
    assert not [i for i in somu.items if i.scope in ("file", "contractor")]
    # No files either: only what every division answers.
    assert articles(somu) == {"8(3)", "8(4)"}


def test_contractor_items_per_contractor(typed):
    jinji = cl.build(typed, "jinji", 2026, TODAY)
    assert {
        "14-1@C-2026-JJJJ01",
        "14-2@C-2026-JJJJ01",
        "14-3@C-2026-JJJJ01",
        "14-4@C-2026-JJJJ01",
        "14-6@C-2026-JJJJ01",
    } <= keys(jinji)
    assert "14-5@C-2026-JJJJ01" not in keys(jinji)  # no 再委託


def test_only_class_c_files_no_annual_confirmation(typed):
    kikaku = cl.build(typed, "kikaku", 2026, TODAY)
    assert "14-2@C-2026-KKKK01" in keys(kikaku)
    assert "14(4)" not in articles(kikaku)


def test_unclassified_file_keeps_annual_confirmation(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/kikaku.yaml": division("kikaku", "大臣官房企画課"),
            "files/F-2026-KKKK01.yaml": file_rec("F-2026-KKKK01", "kikaku", cls=None, count=50),
            "contractors/C-2026-KKKK01.yaml": contractor("C-2026-KKKK01", ["kikaku"], ["F-2026-KKKK01"]),
        },
    )
    item = cl.build(reg, "kikaku", 2026, TODAY).get("14-4@C-2026-KKKK01")
    assert item is not None and "管理区分未決定" in item.why


def test_a_file_no_longer_held_brings_no_annual_confirmation(tmp_path):
    """Art. 14(4) is for 委託 of 管理A/B data held: a 管理A file the contractor lists, no longer held
    (holding ended 2025-03-31), kept the yearly check asked in 2026 of a contractor left with 管理C work."""
    ended = file_rec("F-2026-KKKK01", "kikaku", cls="A", start="2020-04-01").replace(
        "holding: {start: '2020-04-01'}", "holding: {start: '2020-04-01', end: '2025-03-31'}"
    )
    reg = load(
        tmp_path,
        {
            "divisions/kikaku.yaml": division("kikaku", "大臣官房企画課"),
            "files/F-2026-KKKK01.yaml": ended,
            "files/F-2026-KKKK02.yaml": file_rec("F-2026-KKKK02", "kikaku", cls="C", count=50),
            "contractors/C-2026-KKKK01.yaml": contractor(
                "C-2026-KKKK01", ["kikaku"], ["F-2026-KKKK01", "F-2026-KKKK02"], start="2020-04-01"
            ),
        },
    )
    assert "14-4@C-2026-KKKK01" not in keys(cl.build(reg, "kikaku", 2026, TODAY))
    held = cl.build(reg, "kikaku", 2024, TODAY).get("14-4@C-2026-KKKK01")  # its year: still asked
    assert held is not None and "F-2026-KKKK01（管理A）" in held.why


def test_gou_division_gets_27_to_32_only(typed):
    tokei = cl.build(typed, "tokei", 2026, TODAY)
    assert {"27", "28(1)", "28(2)", "29", "30", "31", "32(1)", "32(2)"} <= articles(tokei)
    assert not {a for a in articles(tokei) if a.startswith(("33", "34"))}
    assert "別表第2項" in tokei.get("27").why
    assert "8(2)" in articles(tokei)  # system staff training


def test_otsu_division_gets_33_34_only(typed):
    joho = cl.build(typed, "joho", 2026, TODAY)
    assert {"33(1)", "33(2)", "33(3)", "34(1)", "34(2)"} <= articles(joho)
    assert not {"27", "29", "30", "31", "32(1)", "32(2)"} & articles(joho)
    assert "乙" in joho.get("33-1").why


def test_per_file_items_follow_file_kind_and_holding(typed):
    jinji = cl.build(typed, "jinji", 2026, TODAY)
    ks = keys(jinji)
    for fid in ("F-2026-JJJJ01", "F-2026-JJJJ02"):
        assert {f"16-1@{fid}", f"16-2@{fid}", f"17-1@{fid}", f"19@{fid}", f"21@{fid}"} <= ks
    assert "18@F-2026-JJJJ01" in ks and "22@F-2026-JJJJ01" in ks
    assert "18@F-2026-JJJJ02" not in ks and "22@F-2026-JJJJ02" not in ks  # manual: no encryption/backup items
    assert "35-1@F-2026-JJJJ01" in ks and "35-1@F-2026-JJJJ02" not in ks
    assert {"9-1", "12-1", "17-2"} <= ks
    for item in jinji.items:
        assert item.why, item.key


def test_file_no_longer_held_is_not_inspected(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji").replace(
                "holding: {start: '2025-04-01'}", "holding: {start: '2024-04-01', end: '2026-03-31'}"
            ),
        },
    )
    assert not [i for i in cl.build(reg, "jinji", 2026, TODAY).items if i.scope == "file"]
    assert [i for i in cl.build(reg, "jinji", 2025, TODAY).items if i.scope == "file"]


def test_dispatched_workers_and_foreign_processing(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec(
                "F-2026-JJJJ01", "jinji", extra="dispatched_workers: true\nforeign_processing: [米国]\n"
            ),
        },
    )
    c = cl.build(reg, "jinji", 2026, TODAY)
    assert "15" in keys(c)
    assert "20-3@F-2026-JJJJ01" in keys(c)
    assert c.get("20-3@F-2026-JJJJ01").prefill.answer == "no"  # no handling rule for the foreign environment


@pytest.mark.parametrize(("terms", "answer"), [(True, "yes"), (False, "no")])
def test_a_dispatch_contract_is_asked_article_15_not_14(tmp_path, terms, answer):
    """A 労働者派遣契約 (派遣労働者 are 職員, Art. 3(8)) is asked item 15 only; a contractor doing 委託
    and 労働者派遣 both is asked 14-x and 15 (items 14-1..14-6 were asked of a dispatch contract)."""
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", cls="A", extra=RATIONALE + HANDLING),
            "contractors/C-2026-JJJJ01.yaml": dispatch_contractor(
                "C-2026-JJJJ01", ["jinji"], ["F-2026-JJJJ01"], terms=terms
            ),
            "contractors/C-2026-JJJJ02.yaml": contractor(
                "C-2026-JJJJ02",
                ["jinji"],
                ["F-2026-JJJJ01"],
                extra="dispatched_workers: {present: true, contract_terms: true}\n",
            ),
        },
    )
    c = cl.build(reg, "jinji", 2026, TODAY)
    assert not [k for k in keys(c) if k.startswith("14-") and k.endswith("@C-2026-JJJJ01")]
    assert {"14-1@C-2026-JJJJ02", "14-2@C-2026-JJJJ02", "14-4@C-2026-JJJJ02"} <= keys(c)
    item = c.get("15")
    assert "C-2026-JJJJ01" in item.why and "C-2026-JJJJ02" in item.why
    assert item.prefill.answer == answer
    assert any("C-2026-JJJJ01" in e for e in item.prefill.evidence)


def test_incident_items_for_open_incidents(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "incidents/INC-2026-OPEN01.yaml": incident("INC-2026-OPEN01", "jinji", "2026-10-01", today=TODAY),
            "incidents/INC-2024-OLD001.yaml": incident(
                "INC-2024-OLD001", "jinji", "2024-10-01", today=date(2024, 12, 1), state="closed"
            ),
        },
    )
    c = cl.build(reg, "jinji", 2026, TODAY)
    incident_keys = {i.key for i in c.items if i.scope == "incident"}
    assert incident_keys == {f"{n}@INC-2026-OPEN01" for n in ("39-1", "39-2", "39-3", "39-4", "40-1", "40-2")}
    assert "25" in keys(c)


# -- pre-fills: each register fact, its answer and its evidence --------------------------------------


def _prefill(reg: Register, div: str, key: str, today: date = TODAY) -> cl.Prefill:
    item = cl.build(reg, div, cl.inspection_year_of(today, reg.policy), today).get(key)
    assert item is not None, key
    assert item.prefill is not None, key
    return item.prefill


def test_prefill_notice_missing(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", start="2026-06-01"),
        },
    )
    p = _prefill(reg, "jinji", "35-1@F-2026-JJJJ01")
    assert p.answer == "no"
    assert "第35条第1項の通知の記録がない（期限 2026-06-01）" in p.evidence[0]


def _notice(nid: str, fid: str, kind: str, *, submitted: str | None, drafted: str = "2026-05-01") -> str:
    state = "submitted" if submitted else "drafted"
    return f"""
schema_version: 1
id: {nid}
kind: '{kind}'
file: {fid}
state: {state}
drafted_on: '{drafted}'
""" + (f"submitted_on: '{submitted}'\n" if submitted else "")


@pytest.mark.parametrize(
    ("submitted", "answer", "text"),
    [
        ("2026-05-31", "yes", "提出（期限 2026-06-01）"),
        ("2026-06-01", "yes", "提出（期限 2026-06-01）"),  # the same day counts as あらかじめ
        ("2026-06-02", "no", "期限 2026-06-01 後の提出"),
    ],
)
def test_prefill_notice_on_time_or_late(tmp_path, submitted, answer, text):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", start="2026-06-01"),
            "notifications/N-2026-AAAA01.yaml": _notice("N-2026-AAAA01", "F-2026-JJJJ01", "35-1", submitted=submitted),
        },
    )
    p = _prefill(reg, "jinji", "35-1@F-2026-JJJJ01")
    assert p.answer == answer
    assert text in p.evidence[0]
    assert "N-2026-AAAA01" in p.evidence[0]


def test_prefill_notice_made_late_in_an_earlier_year_is_not_found_again(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", start="2025-06-01"),
            "notifications/N-2026-AAAA01.yaml": _notice(
                "N-2026-AAAA01", "F-2026-JJJJ01", "35-1", submitted="2025-07-01", drafted="2025-05-01"
            ),
        },
    )
    assert _prefill(reg, "jinji", "35-1@F-2026-JJJJ01", date(2025, 11, 1)).answer == "no"  # FY2025: found
    p = _prefill(reg, "jinji", "35-1@F-2026-JJJJ01")  # FY2026
    assert p.answer == "yes" and "前年度以前" in p.evidence[-1]


def test_prefill_notice_drafted_only_is_missing(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", start="2026-06-01"),
            "notifications/N-2026-AAAA01.yaml": _notice("N-2026-AAAA01", "F-2026-JJJJ01", "35-1", submitted=None),
        },
    )
    p = _prefill(reg, "jinji", "35-1@F-2026-JJJJ01")
    assert p.answer == "no"
    assert "通知案 N-2026-AAAA01 は未提出" in p.evidence
    # Japanese only: the evidence goes into the inspection record and its report (the notices
    # engine's English finding, with the command to run, stays in `status` and `notify --check`)
    assert not any("Art." in e or "meti-pi" in e or "notice" in e for e in p.evidence)


def _contractor_with_confirmation(last: str | None) -> dict[str, str]:
    extra = f"annual_confirmations:\n  - {{date: '{last}', method: document, ref: 確認書{last}}}\n" if last else ""
    return {
        "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
        "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji"),
        "contractors/C-2026-JJJJ01.yaml": contractor(
            "C-2026-JJJJ01", ["jinji"], ["F-2026-JJJJ01"], start="2024-04-01", extra=extra
        ),
    }


@pytest.mark.parametrize(
    ("last", "answer", "text"),
    [
        ("2025-11-25", "no", "確認期限 2026-11-25 を経過"),  # 12 months + 1 day ago
        ("2025-11-26", None, "次回期限 2026-11-26"),  # due today: not yet overdue, not confirmed this year
        ("2026-05-01", "yes", "次回期限 2027-05-01"),
        (None, "no", "年次確認の記録なし（契約開始 2024-04-01）"),
    ],
)
def test_prefill_annual_contractor_confirmation(tmp_path, last, answer, text):
    reg = load(tmp_path, _contractor_with_confirmation(last))
    p = _prefill(reg, "jinji", "14-4@C-2026-JJJJ01")
    assert p.answer == answer
    assert text in p.evidence[0]


def test_prefill_annual_confirmation_not_owed_after_the_contract_ended(tmp_path):
    """Art. 14(4) binds 委託 while it lasts: a contract that ended 2026-09-30, before the next check fell
    due (2026-10-15), owed none. The self-inspection answered 否 with 「確認期限 2026-10-15 を経過」."""
    files = _contractor_with_confirmation("2025-10-15")
    files["contractors/C-2026-JJJJ01.yaml"] = files["contractors/C-2026-JJJJ01.yaml"].replace(
        "contract: {start: '2024-04-01'}", "contract: {start: '2024-04-01', end: '2026-09-30'}"
    )
    p = _prefill(load(tmp_path, files), "jinji", "14-4@C-2026-JJJJ01")
    assert p.answer is None
    assert "経過" not in p.evidence[0]
    assert "最終確認 2025-10-15（書面）；契約終了 2026-09-30 までに次の確認期限は到来しない" in p.evidence[0]
    # confirmed within the year, the contract ending before the next: done (it was, before the contract's end counted)
    files = _contractor_with_confirmation("2026-05-01")
    files["contractors/C-2026-JJJJ01.yaml"] = files["contractors/C-2026-JJJJ01.yaml"].replace(
        "contract: {start: '2024-04-01'}", "contract: {start: '2024-04-01', end: '2027-03-31'}"
    )
    p = _prefill(load(tmp_path / "b", files), "jinji", "14-4@C-2026-JJJJ01")
    assert p.answer == "yes"
    assert "最終確認 2026-05-01（書面）；契約終了 2027-03-31 までに次の確認期限は到来しない" in p.evidence[0]


def test_prefill_annual_confirmation_follows_policy_months(tmp_path):
    files = _contractor_with_confirmation("2026-05-01")
    files["policy.yaml"] = (
        (Path(__file__).resolve().parent.parent / "register" / "policy.yaml")
        .read_text(encoding="utf-8")
        .replace("annual_check_months: 12", "annual_check_months: 6")
    )
    reg = load(tmp_path, files)
    p = _prefill(reg, "jinji", "14-4@C-2026-JJJJ01")
    assert p.answer == "no" and "6か月以内の確認期限 2026-11-01 を経過" in p.evidence[0]


def _contracted(tmp_path, **terms):
    """人事課, its file F-2026-JJJJ01 and a contractor handling it under `terms` (contractor's keywords)."""
    return load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji"),
            "contractors/C-2026-JJJJ01.yaml": contractor("C-2026-JJJJ01", ["jinji"], ["F-2026-JJJJ01"], **terms),
        },
    )


def test_prefill_contract_clauses_and_confirmation(tmp_path):
    reg = _contracted(
        tmp_path,
        missing=("copy_limits", "reporting_audit"),
        extra="post_contract_confirmation: {date: '2025-04-10', ref: 確認書1}\n",
    )
    clauses = _prefill(reg, "jinji", "14-2@C-2026-JJJJ01")
    assert clauses.answer == "no" and "第14条第2項(3)(9)の記載がない" in clauses.evidence[0]
    confirmation = _prefill(reg, "jinji", "14-3@C-2026-JJJJ01")
    assert confirmation.answer == "yes" and "2025-04-10 書面確認（確認書1）" in confirmation.evidence[0]
    # The Art. 14(3) confirmation counts as the first yearly one: due 12 months after it.
    annual = _prefill(reg, "jinji", "14-4@C-2026-JJJJ01")
    assert annual.answer == "no"
    assert (
        "最終確認 2025-04-10（契約締結後の確認（第14条第3項））；12か月以内の確認期限 2026-04-10 を経過"
        in annual.evidence[0]
    )


@pytest.mark.parametrize(("day", "answer"), [("2026-11-26", "yes"), ("2026-11-27", "no"), ("2027-01-10", "no")])
def test_prefill_post_contract_confirmation_dated_after_the_reference_day_is_not_done(tmp_path, day, answer):
    """Art. 14(3): a written confirmation dated after the day the inspection judges (today here) has
    not taken place; it was pre-filled 適, where validate and the 14(4) item do not count it."""
    reg = _contracted(
        tmp_path, start="2026-04-01", extra=f"post_contract_confirmation: {{date: '{day}', ref: 確認書1}}\n"
    )
    p = _prefill(reg, "jinji", "14-3@C-2026-JJJJ01")
    assert p.answer == answer
    if answer == "no":
        assert f"{day} の書面確認は基準日 2026-11-26 より後の日付で、まだ行われていない" in p.evidence[0]


@pytest.mark.parametrize(
    ("cls", "extra", "answer", "text"),
    [
        ("B", "", "no", "管理Bとした理由が記録されていない"),
        (None, "", "no", "管理区分が定められていない"),
        ("B", RATIONALE, "yes", "管理B：本人の数が千人以上のため（決定 2025-04-01）"),
    ],
)
def test_prefill_classification_rationale(tmp_path, cls, extra, answer, text):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", cls=cls, extra=extra),
        },
    )
    p = _prefill(reg, "jinji", "16-1@F-2026-JJJJ01")
    assert p.answer == answer
    assert text in p.evidence[0]


def test_prefill_handling_rules(tmp_path):
    partial = (
        "\n".join(line for line in HANDLING.splitlines() if not line.strip().startswith(("backup", "mis_sending")))
        + "\n"
    )
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji"),
            "files/F-2026-JJJJ02.yaml": file_rec("F-2026-JJJJ02", "jinji", extra=partial),
            "files/F-2026-JJJJ03.yaml": file_rec("F-2026-JJJJ03", "jinji", extra=HANDLING),
        },
    )
    none = _prefill(reg, "jinji", "16-2@F-2026-JJJJ01")
    assert none.answer == "no" and "(1)アクセス制限" in none.evidence[0] and "(8)外国における取扱い" in none.evidence[0]
    some = _prefill(reg, "jinji", "16-2@F-2026-JJJJ02")
    assert (
        some.answer == "no"
        and "(6)バックアップ、(7)誤送付等の防止（" in some.evidence[0]
        and "(1)" not in some.evidence[0]
    )
    assert _prefill(reg, "jinji", "16-2@F-2026-JJJJ03").answer == "yes"


def test_prefill_incident_past_a_deadline(tmp_path):
    # 150 本人 (> 100): reportable to PPC; known 2026-10-01, nothing recorded since.
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "incidents/INC-2026-OPEN01.yaml": incident(
                "INC-2026-OPEN01", "jinji", "2026-10-01", today=TODAY, facts={"principals": 150}
            ),
        },
    )
    p = _prefill(reg, "jinji", "39-3@INC-2026-OPEN01")
    assert p.answer == "no"
    assert any("調査結果の報告" in e and "を経過して未了" in e for e in p.evidence)
    assert not any("確報" in e for e in p.evidence)  # the 副総括's (39(5)): the office's item 39-5
    first = _prefill(reg, "jinji", "39-1@INC-2026-OPEN01")
    assert first.answer == "no" and "管理者への報告" in first.evidence[0]


def test_prefill_incident_steps_done_in_time(tmp_path):
    events = [{"event": "report-to-manager", "on": "2026-10-01"}]
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "incidents/INC-2026-OPEN01.yaml": incident(
                "INC-2026-OPEN01", "jinji", "2026-10-01", today=TODAY, events=events
            ),
        },
    )
    p = _prefill(reg, "jinji", "39-1@INC-2026-OPEN01")
    assert p.answer == "yes" and "2026-10-01 実施" in p.evidence[0]


def test_prefill_training_records(tmp_path):
    training = "training:\n  - {date: '2026-06-10', course: 個人情報保護研修, audience: handlers, attendees: 12}\n  - {date: '2025-06-10', course: 管理者研修, audience: managers}\n"
    reg = load(tmp_path, {"divisions/jinji.yaml": division("jinji", "大臣官房人事課", training=training)})
    assert _prefill(reg, "jinji", "8-4").answer == "yes"
    managers = _prefill(reg, "jinji", "8-3")
    assert managers.answer is None and "研修記録なし" in managers.evidence[0]  # last year's does not count


def test_prefill_purpose_notice_for_direct_collection(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec(
                "F-2026-JJJJ01", "jinji", extra="direct_written_collection: {applies: true}\n"
            ),
            "files/F-2026-JJJJ02.yaml": file_rec(
                "F-2026-JJJJ02",
                "jinji",
                extra="direct_written_collection: {applies: true, purpose_notice_ref: 申請書様式1}\n",
            ),
            "files/F-2026-JJJJ03.yaml": file_rec(
                "F-2026-JJJJ03", "jinji", extra="direct_written_collection: {applies: false}\n"
            ),
        },
    )
    c = cl.build(reg, "jinji", 2026, TODAY)
    assert c.get("10@F-2026-JJJJ01").prefill.answer == "no"
    assert c.get("10@F-2026-JJJJ02").prefill.answer == "yes"
    assert c.get("10@F-2026-JJJJ03") is None


# 人事課's inspection of 2025: one finding still open, one closed.
JINJI_2025 = """
schema_version: 1
id: jinji
year: 2025
division: jinji
catalogue_version: '2026.1'
answers:
  - {item: '8-4', article: '8(4)', answer: 'no', source: officer}
findings:
  - {id: 1, item: '8-4', article: '8(4)', text: 研修の機会がない, action: 研修に参加させる, owner: 人事課長, due: '2026-03-31', status: open}
  - {id: 2, item: '8-3', article: '8(3)', text: 済んだ指摘, action: 受講, owner: 人事課長, due: '2026-03-31', status: closed, closed_on: '2026-02-01'}
"""


def test_open_findings_of_earlier_years_are_carried(tmp_path):
    record = JINJI_2025
    reg = load(
        tmp_path, {"divisions/jinji.yaml": division("jinji", "大臣官房人事課"), "inspections/2025/jinji.yaml": record}
    )
    c = cl.build(reg, "jinji", 2026, TODAY)
    carried = [i for i in c.items if i.scope == "finding"]
    assert [i.key for i in carried] == ["carry@inspections/2025/jinji#1"]
    assert carried[0].article == "8(4)"
    assert "研修の機会がない" in carried[0].question
    assert any("是正期限 2026-03-31 を経過" in e for e in carried[0].prefill.evidence)
    assert not [i for i in cl.build(reg, "jinji", 2025, date(2025, 12, 1)).items if i.scope == "finding"]


def test_the_report_to_the_head_counts_the_findings_of_earlier_years_still_open(tmp_path):
    """41-2's evidence said 未是正の指摘 0件 beside two overdue findings carried from the year before (a
    review of the example register's inspect output): the open findings of earlier years are counted."""
    record = JINJI_2025
    vice = division("pi", "大臣官房個人情報保護室", post="大臣官房個人情報保護室長")
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "divisions/pi.yaml": vice,
            "inspections/2025/jinji.yaml": record,
        },
    )
    [evidence] = _prefill(reg, "pi", "41-2").evidence
    assert "当年度の点検記録 0件、当年度の未是正の指摘 0件、前年度以前の未是正の指摘 1件" in evidence


def test_unknown_division_cannot_run(typed):
    with pytest.raises(MetiPiError, match="no division 'nope'"):
        cl.build(typed, "nope", 2026, TODAY)


def test_item_37_cites_the_ppc_act_as_renumbered() -> None:
    """規程 Art. 37 cites APPI 108 and 115 as numbered in 2022: today's 110 and 117 (legal brief
    §1.9); item 37 printed the old numbers alone, unlike 11-3 and 11-4 (旧…、現…)."""
    import yaml

    from meti_pi import PACKAGE_DIR

    items = yaml.safe_load((PACKAGE_DIR / "data" / "checklist.yaml").read_text(encoding="utf-8"))
    items = items["items"] if isinstance(items, dict) else items
    question = next(i["question"] for i in items if str(i["id"]) == "37")
    assert "旧第108条及び旧第115条（現第110条及び第117条）" in question
