"""Arts. 42/43 as the rule says them: who was audited (42(2) independence), and the order of an
audit's and a review's days (a report to the 総括 cannot precede what it reports)."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

from conftest import git, invoke, make_register
from test_checklist import division

from meti_pi.checks.validate import validate_register
from meti_pi.inspect import inspection
from meti_pi.store.register import Register, tree_of


def _audit(runner, tmp_path: Path) -> tuple[Path, str]:
    """jinji audited by 監察官 of kaikei; started 2026-10-01."""
    root = make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "divisions/kaikei.yaml": division("kaikei", "大臣官房会計課"),
        },
    )
    new = invoke(
        runner,
        root,
        "audit",
        "new",
        "--title",
        "監査",
        "--division",
        "jinji",
        "--started-on",
        "2026-10-01",
        "--auditor",
        "監察官@kaikei",
        "--json",
    )
    assert new.exit_code == 0, new.output
    return root, json.loads(new.stdout)["id"]


def _findings(tmp_path: Path, div: str) -> Path:
    path = tmp_path / "findings.yaml"
    path.write_text(
        textwrap.dedent(f"""
        - division: {div}
          article: 33(1)
          text: 入退室記録が確認されていない
    """).lstrip(),
        encoding="utf-8",
    )
    return path


def test_an_auditor_from_a_division_with_a_finding_is_not_independent(runner, tmp_path: Path) -> None:
    """Art. 42(2): a finding on kaikei means kaikei was audited; its own 監察官 was said independent."""
    root, aid = _audit(runner, tmp_path)
    added = invoke(
        runner, root, "audit", "findings", aid, str(_findings(tmp_path, "kaikei")), "--ended-on", "2026-11-20"
    )
    assert added.exit_code == 0, added.output
    listed = json.loads(invoke(runner, root, "audit", "list", "--json").stdout)
    assert listed["audits"][0]["independence"], listed
    out = tmp_path / "out"
    assert invoke(runner, root, "audit", "report", aid, "--out", str(out)).exit_code == 0
    md = (out / f"{aid}-report.md").read_text(encoding="utf-8")
    assert "いずれも被監査部門から独立した者である" not in md
    assert "監察官（大臣官房会計課）は被監査部門に所属しており" in md
    assert "被監査部門：大臣官房人事課、大臣官房会計課" in md
    checked = invoke(runner, root, "validate")
    assert "auditor-not-independent" in checked.output, checked.output


def test_an_auditor_of_a_division_not_in_the_register_is_not_said_independent(runner, tmp_path: Path) -> None:
    """Art. 42(2): an auditor's `division` naming no 課等 (mistyped, or the 課等's record removed) was
    taken for a division outside the audit, so the auditor for independent, and nothing was said."""
    root, aid = _audit(runner, tmp_path)
    (root / "divisions" / "kaikei.yaml").unlink()
    reg = Register.load(root)
    [p] = [p for p in validate_register(reg, date(2026, 11, 26)) if p.code == "dangling-ref"]
    assert (p.path, p.key) == (f"audits/{aid}.yaml", "$.auditors[1].division")
    assert "create it or correct the reference" in p.message
    [flag] = inspection.independence_flags(reg, reg.records[f"audits/{aid}"].data)
    assert "kaikei" in flag and "独立性を確認できない" in flag
    md = inspection.audit_report_markdown(reg, aid, date(2026, 11, 26))
    assert "いずれも被監査部門から独立した者である" not in md
    assert "監察官は所属課等の記録がなく" in md


def test_a_division_that_cannot_be_read_is_not_said_not_to_exist(runner, tmp_path: Path) -> None:
    """An audit naming 課等 whose files are there but broken (a YAML typo): the files' own errors, not a
    dangling-ref telling the officer to create them again (as check_references already said for every
    other reference) — read from the work tree and at a commit alike."""
    root, _ = _audit(runner, tmp_path)
    for div in ("jinji", "kaikei"):  # jinji: scope.divisions; kaikei: the auditor's division
        path = root / "divisions" / f"{div}.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "notes: [\n", encoding="utf-8")
    found = validate_register(Register.load(root), date(2026, 11, 26))
    assert {(p.path, p.code) for p in found if p.severity == "error"} == {
        ("divisions/jinji.yaml", "yaml"),
        ("divisions/kaikei.yaml", "yaml"),
    }, [p.render() for p in found]
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "break")
    at = tree_of(root, "HEAD")
    found = validate_register(Register.load(root, at=at), date(2026, 11, 26))
    assert not [p for p in found if p.code == "dangling-ref"], [p.render() for p in found]
    # A 課等 with no file at all is still said not to exist.
    (root / "divisions" / "kaikei.yaml").unlink()
    found = validate_register(Register.load(root), date(2026, 11, 26))
    assert [p.key for p in found if p.code == "dangling-ref"] == ["$.auditors[1].division"]


def test_the_manager_of_an_audited_division_is_not_independent_by_post(runner, tmp_path: Path) -> None:
    """Art. 42(2): the 個人情報保護管理者 of jinji (大臣官房人事課長, its head by Art. 5(3)) or its 副 doing
    the audit work on jinji audits their own 課等, whatever `division` says (here kaikei): it was said independent."""
    root = make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課")
            + "deputy_manager_posts: [大臣官房人事課企画官]\n",
            "divisions/kaikei.yaml": division("kaikei", "大臣官房会計課"),
        },
    )
    for post in ("大臣官房人事課長", "大臣官房人事課企画官"):
        new = invoke(
            runner, root, "audit", "new", "--title", "監査", "--division", "jinji", "--started-on", "2026-10-01",
            "--auditor", f"{post}@kaikei", "--json",
        )  # fmt: skip
        assert new.exit_code == 0, new.output
        doc = json.loads(new.stdout)
        assert any(post in f and "jinji" in f and "独立性を欠く" in f for f in doc["independence"]), doc
        md = inspection.audit_report_markdown(Register.load(root), doc["id"], date(2026, 11, 26))
        assert (
            "いずれも被監査部門から独立した者である" not in md and f"{post}（大臣官房会計課）は被監査部門に" not in md
        )
        assert "独立性を欠く" in md
    warned = [
        p for p in validate_register(Register.load(root), date(2026, 11, 26)) if p.code == "auditor-not-independent"
    ]
    assert [(p.key, p.severity) for p in warned] == [("$.auditors[1].post", "warning")] * 2
    assert all("個人情報保護管理者" in p.message and "jinji" in p.message for p in warned)


def test_audit_days_keep_their_order(runner, tmp_path: Path) -> None:
    """The audit's end cannot precede its start, nor the report to the 総括 (42(1)) its end."""
    root, aid = _audit(runner, tmp_path)
    findings = str(_findings(tmp_path, "jinji"))
    early = invoke(runner, root, "audit", "findings", aid, findings, "--ended-on", "2026-09-30", "--dry-run")
    assert early.exit_code == 2 and "--ended-on 2026-09-30" in early.output and "2026-10-01" in early.output
    before = invoke(
        runner, root, "audit", "findings", aid, findings, "--ended-on", "2026-11-20", "--reported-on", "2026-11-19"
    )
    assert before.exit_code == 2 and "--reported-on 2026-11-19" in before.output
    ok = invoke(runner, root, "audit", "findings", aid, findings, "--ended-on", "2026-11-20")
    assert ok.exit_code == 0, ok.output
    later = invoke(runner, root, "audit", "findings", aid, findings, "--reported-on", "2026-11-19", "--dry-run")
    assert later.exit_code == 2 and "2026-11-20" in later.output  # the recorded end


def test_an_audit_finding_is_due_counted_from_the_audits_end_not_the_day_it_is_typed_in(runner, tmp_path: Path) -> None:
    """An audit ended 2026-10-01 and recorded on 2026-12-05 had its findings due 2026-12-05 + 90
    (policy inspection.corrective_action_days), counted from the day they were typed in; an
    inspection's findings count from its inspected_on. Now from the audit's end, given or recorded;
    from today only while the audit has not ended."""
    root, aid = _audit(runner, tmp_path)  # started 2026-10-01
    findings = str(_findings(tmp_path, "jinji"))

    def dues() -> list[str]:
        return [f["due"] for f in Register.load(root).records[f"audits/{aid}"].data["findings"]]

    def another(text: str) -> None:  # a finding the audit holds is not added again: each call its own
        Path(findings).write_text(
            Path(findings).read_text(encoding="utf-8").replace("text: ", f"text: {text}"), "utf-8"
        )

    open_ = invoke(runner, root, "audit", "findings", aid, findings, today="2026-10-20")
    assert open_.exit_code == 0, open_.output
    assert dues() == ["2027-01-18"]  # not ended: from the day recorded (2026-10-20 + 90)
    another("二件目：")
    ended = invoke(runner, root, "audit", "findings", aid, findings, "--ended-on", "2026-10-01", today="2026-12-05")
    assert ended.exit_code == 0, ended.output
    assert dues()[1:] == ["2026-12-30"]  # 2026-10-01 + 90, not 2027-03-05
    another("三件目：")
    later = invoke(runner, root, "audit", "findings", aid, findings, today="2026-12-06")
    assert later.exit_code == 0, later.output
    assert dues()[2:] == ["2026-12-30"]  # the recorded end


def test_review_days_keep_their_order(runner, tmp_path: Path) -> None:
    """Art. 43: a review is not dated after today nor before the finding it answers was made, and
    its report to the 総括 (43(2)) neither precedes it nor lies in the future."""
    root, aid = _audit(runner, tmp_path)
    assert (
        invoke(
            runner, root, "audit", "findings", aid, str(_findings(tmp_path, "jinji")), "--ended-on", "2026-11-20"
        ).exit_code
        == 0
    )
    ref = f"audits/{aid}#1"
    base = ("audit", "review", "--finding", ref, "--evaluation", "是正を確認した", "--dry-run")
    future = invoke(runner, root, *base, "--on", "2026-12-01")
    assert future.exit_code == 2 and "--on 2026-12-01" in future.output
    early = invoke(runner, root, *base, "--on", "2026-09-15", "--close")
    assert early.exit_code == 2 and "--on 2026-09-15" in early.output
    reported = invoke(runner, root, *base, "--on", "2026-11-24", "--reported-on", "2026-11-23")
    assert reported.exit_code == 2 and "--reported-on 2026-11-23" in reported.output
    ahead = invoke(runner, root, *base, "--on", "2026-11-24", "--reported-on", "2026-11-30")
    assert ahead.exit_code == 2 and "--reported-on 2026-11-30" in ahead.output
    fine = invoke(runner, root, *base, "--on", "2026-11-24", "--reported-on", "2026-11-25")
    assert fine.exit_code == 0, fine.output


def test_the_report_speaks_as_of_its_date(runner, tmp_path: Path) -> None:
    """A report dated the day it went to the 総括 (42(1)) said 是正完了 of a finding closed later."""
    root, aid = _audit(runner, tmp_path)
    findings = str(_findings(tmp_path, "jinji"))
    done = invoke(
        runner, root, "audit", "findings", aid, findings, "--ended-on", "2026-11-18", "--reported-on", "2026-11-20"
    )
    assert done.exit_code == 0, done.output
    closed = invoke(
        runner,
        root,
        "audit",
        "review",
        "--finding",
        f"audits/{aid}#1",
        "--evaluation",
        "是正を確認",
        "--on",
        "2026-11-24",
        "--close",
    )
    assert closed.exit_code == 0, closed.output
    out = tmp_path / "out"
    assert invoke(runner, root, "audit", "report", aid, "--out", str(out)).exit_code == 0
    md = (out / f"{aid}-report.md").read_text(encoding="utf-8")
    assert "令和８年１１月２０日" in md.splitlines()[0]
    assert "是正完了" not in md and "状況：是正中" in md
    assert "うち是正が完了していないものは１件" in md


def _audited_by_post(runner, tmp_path: Path) -> tuple[Path, str]:
    """jinji and somu audited by jinji's own 課長 (a member of kaikei: not independent by post, Art.
    42(2)), 監察官 of jinji (in the scope) and 係長 of somu; somu's record then removed by hand (its
    scope entry and 係長's division left dangling: errors)."""
    root = make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "divisions/kaikei.yaml": division("kaikei", "大臣官房会計課"),
            "divisions/somu.yaml": division("somu", "大臣官房総務課"),
            "divisions/kokusai.yaml": division("kokusai", "大臣官房国際課"),
        },
    )
    new = invoke(
        runner, root, "audit", "new", "--title", "監査", "--division", "jinji", "--division", "somu",
        "--started-on", "2026-10-01", "--auditor", "大臣官房人事課長@kaikei", "--auditor", "監察官@jinji",
        "--auditor", "係長@somu", "--json",
    )  # fmt: skip
    assert new.exit_code == 0, new.output
    return root, json.loads(new.stdout)["id"]


def test_the_write_path_checks_audits_for_their_errors_alone(runner, tmp_path: Path) -> None:
    """AUDIT_ERRORS_ONLY: the write path's audit check (ERROR_CHECKS) reports exactly check_audits'
    errors, in its order, and none of its warnings."""
    from meti_pi.inspect import inspection_checks as ic

    root, _ = _audited_by_post(runner, tmp_path)
    (root / "divisions" / "somu.yaml").unlink()
    reg = Register.load(root)
    full = ic.check_audits(reg, date(2026, 11, 26))
    assert {p.code for p in full if p.severity == "warning"} == {"auditor-not-independent"}
    independence = [p.key for p in full if p.code == "auditor-not-independent"]
    assert independence == ["$.auditors[1].post", "$.auditors[2].division", "$.auditors[3].division"]
    errors = [p for p in full if p.severity == "error"]
    assert [(p.code, p.key) for p in errors] == [
        ("dangling-ref", "$.scope.divisions[1]"),
        ("dangling-ref", "$.auditors[3].division"),
    ]
    assert ic.check_audit_errors(reg, date(2026, 11, 26)) == errors
    assert ic.check_audits in ic.CHECKS and ic.check_audit_errors in ic.ERROR_CHECKS


def test_a_write_reads_the_audited_divisions_not_every_division(runner, tmp_path: Path) -> None:
    """AUDIT_ERRORS_ONLY: a change to a division an audit names brings the audit into the write's
    focus; its check read every division of the register for the auditor-independence warning
    (whose post heads which division), a warning the write drops (kokusai, named by no one, was read)."""
    from meti_pi.checks.validate import ERROR_CHECKS, focus_of, focused_errors
    from meti_pi.inspect import inspection_checks as ic
    from meti_pi.store.register import tree_of

    root, aid = _audited_by_post(runner, tmp_path)
    text = (root / "divisions" / "jinji.yaml").read_text(encoding="utf-8")
    change = {"divisions/jinji.yaml": text + "notes: 係の再編\n"}
    reg = Register.load(root, overlay=change, at=tree_of(root, "HEAD"))
    focus = focus_of(reg, change)
    assert focus is not None and f"audits/{aid}" in focus
    assert focused_errors(reg, date(2026, 11, 26), focus, checks=ERROR_CHECKS) == []
    assert reg.records.made.get("divisions/kokusai.yaml") is None  # not read
    # the whole audit check (validate's) reads it: what the write path no longer does
    assert ic.check_audits(reg.checked(frozenset(), focus), date(2026, 11, 26))
    assert reg.records.made.get("divisions/kokusai.yaml") is not None


def test_validate_the_flags_and_the_report_say_one_standing_per_auditor(tmp_path: Path) -> None:
    """Art. 42(2): each auditor's standing is decided once (inspection_checks.auditor_standing) and
    validate, the audit's flags and the audit report each say it: the same auditors, for the same
    reason. One auditor of each standing: the 監査責任者 and an external auditor are not placed, a
    member of an audited 課等, a 副 of one by post (a member of kaikei), a 課等 the register lacks,
    a 監査事務実施者 with no 課等, and one of a 課等 not audited."""
    from meti_pi.inspect.inspection_checks import Standing, auditor_standing

    audit = """
        schema_version: 1
        id: AUD-1
        kind: regular
        external: true
        title: 監査
        started_on: '2026-10-01'
        scope: {divisions: [jinji]}
        auditors:
          - {post: 大臣官房首席監察官, role: officer}
          - {post: 監察官, role: staff, division: kaikei}
          - {post: 人事課係長, role: staff, division: jinji}
          - {post: 大臣官房人事課企画官, role: staff, division: kaikei}
          - {post: 調査官, role: staff, division: kansa}
          - {post: 調査員, role: staff}
          - {post: 公認会計士, role: external, organisation: 監査法人}
    """
    root = make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課")
            + "deputy_manager_posts: [大臣官房人事課企画官]\n",
            "divisions/kaikei.yaml": division("kaikei", "大臣官房会計課"),
            "audits/AUD-1.yaml": audit,
        },
    )
    reg = Register.load(root)
    data = reg.records["audits/AUD-1"].data
    said = [(s.index, s.post, s.standing, s.headed) for s in auditor_standing(reg, data)]
    assert said == [
        (0, "大臣官房首席監察官", Standing.INDEPENDENT, None),
        (1, "監察官", Standing.INDEPENDENT, None),
        (2, "人事課係長", Standing.IN_AUDITED, None),
        (3, "大臣官房人事課企画官", Standing.HEADS_AUDITED, "jinji"),
        (4, "調査官", Standing.DIVISION_UNREGISTERED, None),
        (5, "調査員", Standing.DIVISION_UNRECORDED, None),
        (6, "公認会計士", Standing.INDEPENDENT, None),
    ]
    # validate: a warning for each not independent or unchecked; the 課等 the register lacks is an error
    found = {
        (p.key, p.code, p.severity)
        for p in validate_register(reg, date(2026, 11, 26))
        if p.path == "audits/AUD-1.yaml" and p.key.startswith("$.auditors")
    }
    assert found == {
        ("$.auditors[2].division", "auditor-not-independent", "warning"),
        ("$.auditors[3].post", "auditor-not-independent", "warning"),
        ("$.auditors[4].division", "dangling-ref", "error"),
        ("$.auditors[5]", "auditor-division-unknown", "warning"),
    }
    flags = inspection.independence_flags(reg, data)
    posts = (
        "人事課係長（jinji）は",
        "大臣官房人事課企画官は被監査部門 jinji の",
        "調査官の所属課等 kansa は",
        "調査員は",
    )
    assert len(flags) == len(posts) and all(f.startswith(post) for f, post in zip(flags, posts, strict=True)), flags
    assert [("独立性を欠く" in f, "確認できない" in f) for f in flags] == [(True, False)] * 2 + [(False, True)] * 2
    md = inspection.audit_report_markdown(reg, "AUD-1", date(2026, 11, 26))
    [lacking] = [line for line in md.splitlines() if "独立性を欠く" in line]
    [unchecked] = [line for line in md.splitlines() if "確認できない" in line]
    assert lacking.startswith("　人事課係長（大臣官房人事課）、大臣官房人事課企画官（大臣官房人事課の")
    assert unchecked.startswith("　調査官、調査員は所属課等の記録がなく")
    assert not any(post in lacking + unchecked for post in ("首席監察官", "　監察官", "、監察官", "公認会計士"))


def test_a_division_failing_its_schema_is_still_audited_and_headed(tmp_path: Path) -> None:
    """Art. 42(2): kaikei's record fails its schema (a key it does not know). validate set it aside
    and said nothing of 監察官 of kaikei in an audit of every 課等, nor of kaikei's 課長 auditing
    kaikei, while the audit's flags and its report said both not independent: kaikei is a 課等 of
    the register all the same (validate's own reference check finds it), so it is audited and headed."""
    audits = {
        "AUD-1": ("{}", "{post: 監察官, role: staff, division: kaikei}"),
        "AUD-2": ("{divisions: [kaikei]}", "{post: 大臣官房会計課長, role: staff, division: jinji}"),
    }
    root = make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "divisions/kaikei.yaml": division("kaikei", "大臣官房会計課") + "room: 本館\n",
            **{
                f"audits/{aid}.yaml": f"""
                    schema_version: 1
                    id: {aid}
                    kind: regular
                    title: 監査
                    started_on: '2026-10-01'
                    scope: {scope}
                    auditors: [{auditor}]
                """
                for aid, (scope, auditor) in audits.items()
            },
        },
    )
    reg = Register.load(root)
    problems = validate_register(reg, date(2026, 11, 26))
    assert [(p.path, p.code) for p in problems if p.severity == "error"] == [("divisions/kaikei.yaml", "schema")]
    warned = {(p.path, p.key) for p in problems if p.code == "auditor-not-independent"}
    assert warned == {("audits/AUD-1.yaml", "$.auditors[0].division"), ("audits/AUD-2.yaml", "$.auditors[0].post")}
    for aid in audits:
        [flag] = inspection.independence_flags(reg, reg.records[f"audits/{aid}"].data)
        assert "独立性を欠く" in flag
        assert "独立性を欠く" in inspection.audit_report_markdown(reg, aid, date(2026, 11, 26))


def test_a_finding_the_audit_holds_is_not_added_again(runner, tmp_path: Path) -> None:
    """`audit findings AUD f.yaml --reported-on D` — the one way to record the day the audit was
    reported to the 総括 (Art. 42(1)) after its findings, and it takes a findings file — added the
    file's findings again: the audit held #1 and #2 alike, and its report said 指摘事項は２件. A finding
    the audit holds (the same division, article and text) is now not added again, said on stderr; the
    days given are recorded; the same command again commits nothing."""
    root, aid = _audit(runner, tmp_path)
    findings = str(_findings(tmp_path, "jinji"))
    assert invoke(runner, root, "audit", "findings", aid, findings, "--ended-on", "2026-11-20").exit_code == 0

    def held() -> dict:
        return Register.load(root).records[f"audits/{aid}"].data

    reported = invoke(runner, root, "audit", "findings", aid, findings, "--reported-on", "2026-11-25")
    assert reported.exit_code == 0, reported.output
    assert [f["id"] for f in held()["findings"]] == [1]
    assert held()["reported_on"] == "2026-11-25" and held()["ended_on"] == "2026-11-20"
    assert f"audits/{aid}#1 already holds this finding (division, article, text): not added again" in (
        " ".join(reported.stderr.split())
    ), reported.output
    before = git(root.parent, "rev-parse", "HEAD")
    again = invoke(runner, root, "audit", "findings", aid, findings, "--reported-on", "2026-11-25", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["findings"] == [] and git(root.parent, "rev-parse", "HEAD") == before
