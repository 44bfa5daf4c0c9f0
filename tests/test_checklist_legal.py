"""Issue 14: the Art. 41 checklist pre-fills facts, never a 管理者's judgement, and covers the
articles it missed (4(2), 4(3), 6(3), 26 for 甲 and 乙, 44, 45, the 副総括's office)."""

from __future__ import annotations

import json
from datetime import date

from test_checklist import TODAY, division, file_rec, incident, keys, load, system

from meti_pi.inspect import checklist as cl

# -- item 14: facts, never a judgement --------------------------------------------------------


def _incident_reg(tmp_path, facts, events=()):
    return load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "incidents/INC-2026-OPEN01.yaml": incident(
                "INC-2026-OPEN01", "jinji", "2026-10-01", today=TODAY, facts=facts, events=list(events)
            ),
        },
    )


def _item(reg, key, div="jinji"):
    item = cl.build(reg, div, 2026, TODAY).get(key)
    assert item is not None, key
    return item


def test_undecided_publication_is_not_prefilled_as_unnecessary(tmp_path):
    done = [{"event": "principal-notice", "on": "2026-10-05"}]
    reg = _incident_reg(tmp_path, {"principals": 150, "sensitive": False, "financial": False, "malicious": False}, done)
    p = _item(reg, "39-4@INC-2026-OPEN01").prefill
    assert p.answer is None
    assert not any("不要と判定" in e for e in p.evidence)
    assert any("事態の公表" in e and "未判断" in e for e in p.evidence)


def test_decided_publication_is_a_fact(tmp_path):
    done = [{"event": "principal-notice", "on": "2026-10-05"}]
    facts = {"principals": 150, "sensitive": False, "financial": False, "malicious": False, "publish": False}
    p = _item(_incident_reg(tmp_path, facts, done), "39-4@INC-2026-OPEN01").prefill
    assert p.answer == "yes"
    assert any("行わないと管理者が判断" in e for e in p.evidence)


def test_measures_publication_undecided_is_not_na(tmp_path):
    p = _item(_incident_reg(tmp_path, {"principals": 150}), "40-2@INC-2026-OPEN01").prefill
    assert p.answer is None and "未判断" in p.evidence[0]


def test_measures_publication_decided_not_to_is_na(tmp_path):
    p = _item(_incident_reg(tmp_path, {"principals": 150, "publish_measures": False}), "40-2@INC-2026-OPEN01").prefill
    assert p.answer == "na"


def test_no_statutory_notice_leaves_the_manager_decision_open(tmp_path):
    facts = {
        "principals": 5,
        "sensitive": False,
        "financial": False,
        "malicious": False,
        "my_number": False,
        "publish": False,
    }
    p = _item(_incident_reg(tmp_path, facts), "39-4@INC-2026-OPEN01").prefill
    assert p.answer is None
    assert any("法令上の通知義務なし" in e and "管理者が判断" in e for e in p.evidence)


# -- new items -----------------------------------------------------------------------------------

MY_NUMBER = "characteristics: {my_number: true, sensitive: false}\nmy_number_basis: {relation_work: true, provision_basis: 番号法第19条第2号}\n"


def test_my_number_items_for_my_number_files_only(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", extra=MY_NUMBER),
            "files/F-2026-JJJJ02.yaml": file_rec(
                "F-2026-JJJJ02", "jinji", extra="characteristics: {my_number: false}\n"
            ),
        },
    )
    ks = keys(cl.build(reg, "jinji", 2026, TODAY))
    assert {"4-2@F-2026-JJJJ01", "45@F-2026-JJJJ01", "4-3"} <= ks
    assert "4-2@F-2026-JJJJ02" not in ks and "45@F-2026-JJJJ02" not in ks
    p = _item(reg, "4-2@F-2026-JJJJ01").prefill
    assert p.answer is None and any("番号法第19条第2号" in e for e in p.evidence)


def test_relation_work_needed_for_item_45(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec(
                "F-2026-JJJJ01", "jinji", extra=MY_NUMBER.replace("relation_work: true", "relation_work: false")
            ),
        },
    )
    ks = keys(cl.build(reg, "jinji", 2026, TODAY))
    assert "4-2@F-2026-JJJJ01" in ks and "45@F-2026-JJJJ01" not in ks


def _systems_reg(tmp_path):
    """jinji's file is on a row-2 system (甲 tokei, 乙 joho); tokei's own file is on it too."""
    return load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "divisions/tokei.yaml": division("tokei", "大臣官房調査統計グループ統計情報システム室"),
            "divisions/joho.yaml": division("joho", "大臣官房情報システム室"),
            "systems/SYS-2026-TTTT01.yaml": system("SYS-2026-TTTT01", 2),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", extra="systems: [SYS-2026-TTTT01]\n"),
            "files/F-2026-TTTT01.yaml": file_rec("F-2026-TTTT01", "tokei", extra="systems: [SYS-2026-TTTT01]\n"),
        },
    )


def test_6_3_asked_when_another_division_runs_the_system(tmp_path):
    reg = _systems_reg(tmp_path)
    jinji = cl.build(reg, "jinji", 2026, TODAY)
    assert "6-3" in keys(jinji) and "tokei" in jinji.get("6-3").why
    assert "6-3" not in keys(cl.build(reg, "tokei", 2026, TODAY))  # its own system


def test_26_asked_of_the_gou_and_otsu_divisions(tmp_path):
    """Art. 26 binds 「設計書及び構成図等の文書を保有している課等の長」: the register does not record who
    holds them, so the system's 甲 and 乙 are asked (乙 was not), a mere user of the system is not."""
    reg = _systems_reg(tmp_path)
    assert "26" not in keys(cl.build(reg, "jinji", 2026, TODAY))  # holds a file on the system, is neither
    assert "26" in keys(cl.build(reg, "tokei", 2026, TODAY))
    joho = cl.build(reg, "joho", 2026, TODAY).get("26")
    assert joho is not None and "乙（機器管理課等）: SYS-2026-TTTT01" in joho.why
    assert "保有していなければ「該当なし」" in joho.question


def test_20_3_only_where_foreign_processing_is_recorded(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "files/F-2026-JJJJ01.yaml": file_rec("F-2026-JJJJ01", "jinji", extra="foreign_processing: [米国]\n"),
            "files/F-2026-JJJJ02.yaml": file_rec("F-2026-JJJJ02", "jinji", extra="foreign_processing: []\n"),
            "files/F-2026-JJJJ03.yaml": file_rec("F-2026-JJJJ03", "jinji"),
        },
    )
    ks = keys(cl.build(reg, "jinji", 2026, TODAY))
    assert "20-3@F-2026-JJJJ01" in ks
    assert "20-3@F-2026-JJJJ02" not in ks and "20-3@F-2026-JJJJ03" not in ks


def test_44_for_a_division_supervising_bodies(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "divisions/kikaku.yaml": division("kikaku", "産業技術環境局技術政策企画室")
            + "supervised_bodies: [国立研究開発法人産業技術総合研究所]\n",
        },
    )
    assert "44" in keys(cl.build(reg, "kikaku", 2026, TODAY))
    assert "44" not in keys(cl.build(reg, "jinji", 2026, TODAY))


# -- the 副総括's own office -----------------------------------------------------------------------

OFFICE_ITEMS = {"13-3", "37", "38", "39-5", "39-6", "39-7", "40-3", "41-2", "43-1", "43-2"}


def _office_reg(tmp_path, incident_facts=None):
    files = {
        "divisions/hogo.yaml": division("hogo", "大臣官房個人情報保護室"),  # head: 大臣官房個人情報保護室長 (Art. 5(2))
        "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
    }
    if incident_facts is not None:
        files["incidents/INC-2026-OPEN01.yaml"] = incident(
            "INC-2026-OPEN01", "jinji", "2026-10-01", today=TODAY, facts=incident_facts
        )
    return load(tmp_path, files)


def test_vice_office_gets_its_own_duties_others_do_not(tmp_path):
    reg = _office_reg(tmp_path)
    assert cl.vice_office(reg) == "hogo"
    assert keys(cl.build(reg, "hogo", 2026, TODAY)) >= OFFICE_ITEMS
    assert not OFFICE_ITEMS & keys(cl.build(reg, "jinji", 2026, TODAY))


def test_vice_office_ppc_report_prefill(tmp_path):
    reg = _office_reg(tmp_path, {"principals": 150, "sensitive": False, "financial": False, "malicious": False})
    p = _item(reg, "39-5", "hogo").prefill
    assert p.answer == "no" and any("INC-2026-OPEN01" in e and "を経過して未了" in e for e in p.evidence)
    assert _item(reg, "39-6", "hogo").prefill.answer == "na"  # no 特定個人情報 ground
    assert _item(reg, "39-7", "hogo").prefill.answer == "na"


def test_vice_office_without_incidents(tmp_path):
    reg = _office_reg(tmp_path)
    assert _item(reg, "39-5", "hogo").prefill.answer == "na"
    assert _item(reg, "43-1", "hogo").prefill.answer is None


def test_vice_office_follows_the_roles_post(tmp_path):
    reg = load(
        tmp_path,
        {
            "divisions/hogo.yaml": division("hogo", "大臣官房個人情報保護室"),
            "divisions/soumu.yaml": division("soumu", "大臣官房総務課"),
            "roles/fuku-sokatsu.yaml": "schema_version: 1\nid: fuku-sokatsu\nrole: fuku_sokatsu\ntitle_ja: 副総括個人情報保護管理者\n"
            "post: 大臣官房総務課長\narticle: 5(2)\n",
        },
    )
    assert cl.vice_office(reg) == "soumu"


# -- ad-hoc (随時) inspections: several a year, the annual one kept --------------------------------


def test_ad_hoc_inspections_beside_the_annual_one(runner, tmp_path):
    import json
    import textwrap

    from conftest import invoke, make_register

    from meti_pi.store.register import Register

    root = make_register(tmp_path, {"divisions/somu.yaml": division("somu", "大臣官房総務課")})

    def record(text: str, *extra: str):
        path = tmp_path / "a.yaml"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(path), *extra, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    annual = record("division: somu\ninspected_on: 2026-06-01\nanswers:\n  '8-4': yes\n")
    first = record("division: somu\ninspected_on: 2026-09-10\nad_hoc: true\nanswers:\n  '8-4': no\n")
    second = record("division: somu\ninspected_on: 2026-10-20\nanswers:\n  '8-4': yes\n", "--ad-hoc")
    assert annual["record"] == "inspections/2026/somu"
    assert first["record"] == "inspections/2026/somu.adhoc-2026-09-10"
    assert second["record"] == "inspections/2026/somu.adhoc-2026-10-20"
    assert first["new_findings"][0]["ref"] == "inspections/2026/somu.adhoc-2026-09-10#1"
    reg = Register.load(root)
    assert reg.records["inspections/2026/somu"].data["answers"][0]["answer"] == "yes"  # the annual one is untouched
    assert reg.records["inspections/2026/somu.adhoc-2026-09-10"].data["occasion"] == "ad_hoc"
    assert "occasion" not in reg.records["inspections/2026/somu"].data
    report = invoke(runner, root, "inspect", "--year", "2026", "--report", "--json")
    assert report.exit_code == 0, report.output
    doc = json.loads(report.stdout)
    [row] = [r for r in doc["divisions"] if r["division"] == "somu"]
    assert row["ad_hoc"] == ["inspections/2026/somu.adhoc-2026-09-10", "inspections/2026/somu.adhoc-2026-10-20"]
    assert [f["ref"] for f in doc["findings"]] == ["inspections/2026/somu.adhoc-2026-09-10#1"]
    md = invoke(runner, root, "inspect", "--year", "2026", "--report")
    assert "令和８年６月１日（ほか随時点検２回）" in md.stdout  # 和暦 and the document's digits (issue 16)
    valid = invoke(runner, root, "validate", "--json")
    assert not [e for e in json.loads(valid.stdout)["errors"] if e["code"] == "inspection-division"], valid.stdout
    # The next year compares with this year counted alike: its 随時 findings are the year before's too
    # (an outside legal review: this year's count took them, the previous year's did not).
    doc = json.loads(invoke(runner, root, "inspect", "--year", "2027", "--report", "--json", today="2027-05-01").stdout)
    assert doc["totals"]["findings_previous"] == 1
    [row] = [a for a in doc["findings_by_article"] if a["article"] == "8(4)"]
    assert (row["count"], row["previous"]) == (0, 1)


def test_ad_hoc_needs_answers_and_a_day_in_the_year(runner, tmp_path):
    from conftest import invoke, make_register

    root = make_register(tmp_path, {"divisions/somu.yaml": division("somu", "大臣官房総務課")})
    assert invoke(runner, root, "inspect", "--ad-hoc").exit_code == 2
    path = tmp_path / "a.yaml"
    path.write_text(
        "division: somu\ninspected_on: 2027-04-01\nad_hoc: true\nanswers:\n  '8-4': yes\n", encoding="utf-8"
    )
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(path))
    assert result.exit_code == 2 and "outside the 2026 inspection year" in result.output
    path.write_text(
        "division: somu\ninspected_on: 2026-10-01\nad_hoc: yes please\nanswers:\n  '8-4': yes\n", encoding="utf-8"
    )
    result = invoke(runner, root, "inspect", "--year", "2026", "--answers", str(path))
    assert result.exit_code == 2 and "ad_hoc: expected true" in result.output
    assert not (root / "inspections").exists()  # nothing written


def test_a_passed_preliminary_target_is_not_a_fault(tmp_path):
    # Known 2026-11-20: 速報の目安 11/24 passed on 11/26, 確報 due 12/21 (not yet). The PPC reports
    # are the 副総括's (39(5)), asked of the office (39-5); the 管理者's 39(3) report was made.
    facts = {"principals": 150, "sensitive": False, "financial": False, "malicious": False}
    reg = load(
        tmp_path,
        {
            "divisions/hogo.yaml": division("hogo", "大臣官房個人情報保護室"),
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "incidents/INC-2026-OPEN01.yaml": incident(
                "INC-2026-OPEN01",
                "jinji",
                "2026-11-20",
                today=TODAY,
                facts=facts,
                events=[
                    {"event": "report-to-manager", "on": "2026-11-20"},
                    {"event": "report-to-vice", "on": "2026-11-20"},
                    {"event": "containment", "on": "2026-11-20"},
                    {"event": "investigation-report", "on": "2026-11-20"},
                ],
            ),
        },
    )
    p = _item(reg, "39-5", "hogo").prefill
    assert p.answer is None
    assert any("速報: 未了（目安 2026-11-24）" in e for e in p.evidence)
    assert _item(reg, "39-3@INC-2026-OPEN01").prefill.answer == "yes"


def test_vice_office_counts_an_incident_under_both_paragraphs_where_both_apply(tmp_path):
    reg = _office_reg(
        tmp_path,
        {
            "principals": 150,
            "sensitive": False,
            "financial": False,
            "malicious": False,
            "my_number": True,
            "my_number_system": True,
        },
    )
    for key in ("39-5", "39-6"):
        p = _item(reg, key, "hogo").prefill
        assert p.answer == "no" and any("INC-2026-OPEN01" in e for e in p.evidence), key


def test_a_report_on_the_policys_stricter_line_is_asked_in_39_5(tmp_path):
    """80 本人 under `thresholds.ppc_report_more_than: 50` is reported on the ground `policy-line`,
    whose 速報/確報 the chain dates as the 副総括's 39(5) reports; item 39-5 looked for `rule43-`
    grounds only and said 「当年度に該当する事案の記録なし」 ("na") while its 確報 was overdue."""
    from meti_pi.incident import incidents
    from meti_pi.inspect.queries import incident_steps
    from meti_pi.store import policy

    pol = policy.merged(None)
    pol = {**pol, "thresholds": {**pol["thresholds"], "ppc_report_more_than": 50}}
    known = date(2026, 10, 1)
    top = {"known_on": known.isoformat(), "division": "jinji", "summary": "書類の誤送付"}
    facts = {"principals": 80, "sensitive": False, "financial": False, "malicious": False, "my_number": False}
    data = incidents.new_record(top, facts, [], incidents.rules_snapshot(pol, None, known), today=known)
    assert data["assessment"]["grounds"] == ["policy-line"]
    record = json.dumps({"schema_version": 1, "id": "INC-2026-POLICY", **data}, ensure_ascii=False)
    reg = load(
        tmp_path,
        {
            "divisions/hogo.yaml": division("hogo", "大臣官房個人情報保護室"),
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "incidents/INC-2026-POLICY.yaml": record,
        },
    )
    rec = reg.get("incidents", "INC-2026-POLICY")
    assert {s["article"] for s in incident_steps(rec) if s["step"] == "final-report"} == {"39(5)"}
    p = _item(reg, "39-5", "hogo").prefill
    assert p.answer == "no" and any("INC-2026-POLICY" in e and "を経過して未了" in e for e in p.evidence)
    assert _item(reg, "39-6", "hogo").prefill.answer == "na"  # no 特定個人情報


def test_status_calls_the_preliminary_report_a_target(tmp_path):
    from meti_pi.checks.status import due_items

    reg = _incident_reg(tmp_path, {"principals": 150, "sensitive": False, "financial": False, "malicious": False})
    titles = [i.title for i in due_items(reg, TODAY) if i.category == "incident"]
    assert any(t.endswith("速報（速報の目安）") for t in titles)
    assert any(t.endswith("確報") for t in titles)


def test_interactive_ad_hoc_inspection(runner, tmp_path, monkeypatch):
    from conftest import invoke, make_register

    from meti_pi.cli import inspect as inspect_cli
    from meti_pi.store.register import Register

    monkeypatch.setattr(inspect_cli, "can_prompt", lambda: True)  # CliRunner's input is not a terminal

    root = make_register(tmp_path, {"divisions/somu.yaml": division("somu", "大臣官房総務課")})
    # inspected on 2026-10-02 (asked first); somu answers 8-3 and 8-4; record.
    result = invoke(
        runner, root, "inspect", "--division", "somu", "--interactive", "--ad-hoc", input="2026-10-02\nyes\nna\ny\n"
    )
    assert result.exit_code == 0, result.output
    assert "recorded inspections/2026/somu.adhoc-2026-10-02" in result.stdout
    data = Register.load(root).records["inspections/2026/somu.adhoc-2026-10-02"].data
    assert data["occasion"] == "ad_hoc" and [a["answer"] for a in data["answers"]] == ["yes", "na"]
    assert "inspections/2026/somu" not in Register.load(root).records


# -- Art. 41(1) 毎年: the year's inspection covers every incident handled in the year ----------------


def _closed_incident(iid: str, div: str, known_on: str, closed_on: str) -> str:
    data = json.loads(incident(iid, div, known_on, today=TODAY, state="closed"))
    data["closed_on"] = closed_on
    return json.dumps(data, ensure_ascii=False)


def test_an_incident_closed_in_the_year_is_inspected_in_that_year(tmp_path):
    # Art. 41(1): each year's inspection covers the 管理及び利用の状況 of that year. An incident known in
    # 年度 2025 (2026-03-20) and closed in 年度 2026 (2026-05-10) was handled (Arts. 39, 40) in 年度
    # 2026: its items belong to 2026's checklist, the 副総括's PPC reports (39(5)) included. One
    # closed before 年度 2026 began (2026-03-31, the year's eve) does not.
    reg = load(
        tmp_path,
        {
            "divisions/hogo.yaml": division("hogo", "大臣官房個人情報保護室"),
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "incidents/INC-2026-SPAN01.yaml": _closed_incident("INC-2026-SPAN01", "jinji", "2026-03-20", "2026-04-01"),
            "incidents/INC-2026-GONE01.yaml": _closed_incident("INC-2026-GONE01", "jinji", "2026-03-20", "2026-03-31"),
        },
    )
    got = keys(cl.build(reg, "jinji", 2026, TODAY))
    assert {"39-1@INC-2026-SPAN01", "40-1@INC-2026-SPAN01", "25"} <= got
    assert not any(k.endswith("@INC-2026-GONE01") for k in got)
    vice = " ".join(_item(reg, "39-5", "hogo").prefill.evidence)
    assert "INC-2026-GONE01" not in vice
    # and 年度 2025, in which both were known, still has both
    assert {"39-1@INC-2026-SPAN01", "39-1@INC-2026-GONE01"} <= keys(cl.build(reg, "jinji", 2025, TODAY))


def test_39_3_asks_the_managers_report_not_the_vice_ppc_report(tmp_path):
    # Art. 39(3): the 管理者 investigates and reports the result to the 総括 and 副総括 速やかに; the
    # report to the PPC is the 副総括's (39(5), 39(6)), asked of the 副総括's own office (39-5, 39-6).
    # The 管理者 reported on 2026-10-02 (in time); the 確報, due 2026-10-30, is not made by 11/26:
    # the division's 39-3 said 否 for it, a finding under 第39条第3項 charged to the 管理者.
    facts = {"principals": 150, "sensitive": False, "financial": False, "malicious": False}
    done = [{"event": step, "on": "2026-10-01"} for step in ("report-to-manager", "report-to-vice", "containment")] + [
        {"event": "investigation-report", "on": "2026-10-02"}
    ]
    reg = load(
        tmp_path,
        {
            "divisions/hogo.yaml": division("hogo", "大臣官房個人情報保護室"),
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "incidents/INC-2026-OPEN01.yaml": incident(
                "INC-2026-OPEN01", "jinji", "2026-10-01", today=TODAY, facts=facts, events=done
            ),
        },
    )
    item = _item(reg, "39-3@INC-2026-OPEN01")
    assert item.prefill.answer == "yes", item.prefill
    assert not any("確報" in e or "速報" in e for e in item.prefill.evidence)
    assert "個人情報保護委員会" not in item.question
    vice = _item(reg, "39-5", "hogo").prefill
    assert vice.answer == "no" and any("確報" in e and "を経過して未了" in e for e in vice.evidence)


def test_a_closed_incident_without_its_closing_day_is_not_open_in_every_later_year():
    # A closed incident whose closed_on is null (hand-kept or migrated records; the schema allows it):
    # it was taken as open in every later 年度, its 39/40 items asked in each year's checklist for ever.
    # Its `closed` event's day stands in; without one, it belongs to the year it was known only.
    from meti_pi.inspect.queries import open_during

    y2026 = (date(2026, 4, 1), date(2027, 3, 31))
    bare = {"known_on": "2019-05-01", "state": "closed", "closed_on": None, "events": []}
    assert not open_during(bare, *y2026)
    assert open_during(bare, date(2019, 4, 1), date(2020, 3, 31))  # the year it was known
    event = {**bare, "known_on": "2026-03-20", "events": [{"event": "closed", "on": "2026-04-01"}]}
    assert open_during(event, *y2026)
    assert not open_during({**event, "events": [{"event": "closed", "on": "2026-03-31"}]}, *y2026)


def test_the_year_report_cites_41_1_for_the_inspections_and_41_2_for_itself(runner, tmp_path):
    """The 副総括's report of the year's inspections to the 総括 is made under Art. 41(2) (「前項の点検の
    結果を総括個人情報保護管理者に報告する」); its lead cited 41(1) alone, the 管理者's inspections and
    their report to the 副総括 (an outside reading of the documents against the rule)."""
    from conftest import invoke, make_register

    root = make_register(tmp_path, example=True)
    md = invoke(runner, root, "inspect", "--year", "2026", "--report")
    assert md.exit_code == 0, md.output
    lead = next(line for line in md.stdout.splitlines() if "の規定に基づき" in line)
    assert "第４１条第１項の規定に基づき" in lead and "同条第２項の規定により" in lead, lead
