"""`meti-pi audit report`: the 監査責任者's Art. 42 report of one audit, as a document (issue 16)."""

from __future__ import annotations

import io
import json
import re
import textwrap
from pathlib import Path

import pytest
from conftest import git, hand_edit_line, invoke, make_register
from test_checklist import division

TITLE = "保有個人情報等の管理及び利用の状況に関する監査結果報告"


@pytest.fixture
def audited(runner, tmp_path: Path) -> tuple[Path, str]:
    """A small register with one audit of jinji (one auditor from jinji) and two findings."""
    root = make_register(
        tmp_path,
        {
            "divisions/jinji.yaml": division("jinji", "大臣官房人事課"),
            "divisions/kansa.yaml": division("kansa", "大臣官房監察室"),
            "divisions/kaikei.yaml": division("kaikei", "大臣官房会計課"),
        },
    )
    new = invoke(
        runner,
        root,
        "audit",
        "new",
        "--title",
        "令和８年度定期監査",
        "--division",
        "jinji",
        "--article",
        "14(2)",
        "--year",
        "2026",
        "--started-on",
        "2026-10-01",
        "--auditor",
        "人事課長補佐@jinji",
        "--auditor",
        "監察官@kansa",
        "--json",
    )
    assert new.exit_code == 0, new.output
    aid = json.loads(new.stdout)["id"]
    findings = tmp_path / "findings.yaml"
    findings.write_text(
        textwrap.dedent("""
        - division: jinji
          article: 14(2)
          text: 委託契約書に複製等の制限の条項がない <script>
          action: 契約を変更する
          due: 2027-03-31
        - division: kaikei
          article: "10"
          text: 研修の受講記録が保存されていない
          owner: 大臣官房会計課長補佐
          due: 2027-01-31
    """).lstrip(),
        encoding="utf-8",
    )
    added = invoke(
        runner, root, "audit", "findings", aid, str(findings), "--ended-on", "2026-11-20", "--reported-on", "2026-11-26"
    )
    assert added.exit_code == 0, added.output
    return root, aid


def head(root: Path) -> str:
    return git(root.parent, "rev-parse", "HEAD").strip()


def test_md_is_a_document(runner, audited, tmp_path):
    root, aid = audited
    before = head(root)
    out = tmp_path / "out"
    result = invoke(runner, root, "audit", "report", aid, "--out", str(out))
    assert result.exit_code == 0, result.output
    md = (out / f"{aid}-report.md").read_text(encoding="utf-8")
    assert TITLE in md and "記" in md and "以上" in md
    assert "令和８年１１月２６日" in md  # the report date, 和暦 and full-width
    assert "令和８年１０月１日から令和８年１１月２０日まで" in md
    assert "総括個人情報保護管理者" in md and "個人情報保護監査責任者" in md and "大臣官房首席監察官" in md
    assert "被監査部門：大臣官房人事課" in md and "大臣官房会計課" in md
    assert "人事課長補佐（大臣官房人事課）は被監査部門に所属しており" in md  # the independence flag
    assert (
        "規程第１４条第２項" in md
        and "令和９年３月３１日" in md
        and "担当：大臣官房会計課（大臣官房会計課長補佐）" in md
    )
    assert "\\<script>" in md  # record text escaped
    for line in md.splitlines():
        if not line.startswith("- 参照："):
            assert not re.search(r"\b(jinji|kansa|kaikei)\b", line), line
            assert aid not in line, line
    assert f"- 参照：audits/{aid}#1" in md
    assert not re.search(r"[a-z]+_[a-z]+", md), "snake_case code in the document"
    assert "→" not in md and "->" not in md and ">>" not in md
    assert head(root) == before and git(root.parent, "status", "--porcelain") == ""  # nothing committed or changed


def test_docx_opens_and_has_the_title(runner, audited, tmp_path):
    import docx

    from meti_pi.render.word import docx_paragraphs

    root, aid = audited
    before = head(root)
    result = invoke(runner, root, "audit", "report", aid, "--format", "docx", "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    path = Path(json.loads(result.stdout)["out"])
    assert path == tmp_path / f"{aid}-report.docx"
    document = docx.Document(io.BytesIO(path.read_bytes()))
    assert any(p.text == TITLE for p in document.paragraphs)
    text = "\n".join(docx_paragraphs(path.read_bytes()))
    assert "令和８年１１月２６日" in text and "大臣官房人事課" in text
    assert head(root) == before


def test_unknown_audit_and_format_exit_2(runner, audited, tmp_path):
    root, aid = audited
    before = head(root)
    assert invoke(runner, root, "audit", "report", "AUD-2026-NOPE00", "--out", str(tmp_path / "x")).exit_code == 2
    assert not (tmp_path / "x").exists()
    assert invoke(runner, root, "audit", "report", aid, "--format", "xlsx", "--out", str(tmp_path)).exit_code == 2
    assert head(root) == before


def test_an_audit_that_fails_its_schema_is_refused_at_its_line(runner, audited, tmp_path):
    """`audit report` of an audit whose auditor had `division: [kaikei]` (a string expected) wrote
    the report, exit 0; like a notice drafted from a ファイル簿 record that fails its schema, it is
    refused (exit 1) with the record's file:line, nothing written."""
    root, aid = audited
    at = hand_edit_line(root, f"audits/{aid}.yaml", "division: kansa", "division: [kaikei]")
    out = tmp_path / "out"
    result = invoke(runner, root, "audit", "report", aid, "--out", str(out), "--json")
    assert result.exit_code == 1, result.output
    errors = json.loads(result.stdout)["errors"]
    assert (errors[0]["path"], errors[0]["line"], errors[0]["code"]) == (f"audits/{aid}.yaml", at + 1, "schema"), errors
    assert re.fullmatch(r"\$\.auditors\[\d\]\.division", errors[0]["key"]), errors
    assert (
        errors[-1]["message"]
        == f"audits/{aid}.yaml does not match its schema: edit it at the lines shown and `meti-pi commit` it before writing its report"
    )
    assert not out.exists()


def test_audit_list_marks_an_audit_that_fails_its_schema(runner, audited, monkeypatch):
    """`audit list` listed the audit `audit report` refuses (an auditor's `division: [kaikei]`)
    with no mark: the user's own listing keeps it, marked ※要修正 with a note pointing to validate,
    exit 0; its --json is unchanged (the same document as before the edit, under the same keys)."""
    root, aid = audited
    monkeypatch.setenv("COLUMNS", "200")
    clean = invoke(runner, root, "audit", "list")
    assert clean.exit_code == 0 and "要修正" not in clean.stdout, clean.output
    before = json.loads(invoke(runner, root, "audit", "list", "--json").stdout)
    hand_edit_line(root, f"audits/{aid}.yaml", "division: kansa", "division: [kaikei]")
    for _ in range(2):  # the second run knows the record's problems from the read cache
        screen = invoke(runner, root, "audit", "list")
        assert screen.exit_code == 0, screen.output
        (row,) = [line for line in screen.stdout.splitlines() if aid in line]
        assert f"{aid} ※要修正" in row, row
        assert "記録がスキーマに適合しない（1件）。meti-pi validate が誤りの行を示す" in screen.stdout
    after = json.loads(invoke(runner, root, "audit", "list", "--json").stdout)
    assert set(after["audits"][0]) == set(before["audits"][0]), after


def test_no_findings_and_every_division(runner, tmp_path):
    root = make_register(tmp_path, {"divisions/jinji.yaml": division("jinji", "大臣官房人事課")})
    new = invoke(
        runner,
        root,
        "audit",
        "new",
        "--title",
        "随時監査",
        "--kind",
        "ad-hoc",
        "--auditor",
        "external:監査法人:監査人",
        "--json",
    )
    assert new.exit_code == 0, new.output
    aid = json.loads(new.stdout)["id"]
    assert invoke(runner, root, "audit", "report", aid, "--out", str(tmp_path)).exit_code == 0
    md = (tmp_path / f"{aid}-report.md").read_text(encoding="utf-8")
    assert "随時監査" in md and "全課等" in md and "外部監査人：監査人（監査法人）" in md
    assert "被監査部門から独立した者である" in md
    # Not ended: the report said 「指摘事項はない。」, a clean result the 総括 would read of an audit
    # still under way. Once its end is recorded without findings, that is its result.
    assert "指摘事項はない。" not in md
    assert "指摘事項はまだ記録されていない（監査の終了日の記録なし）。" in md
    rel = f"audits/{aid}.yaml"
    text = (root / rel).read_text(encoding="utf-8")
    assert "ended_on:" not in text
    (root / rel).write_text(text + "ended_on: '2026-11-20'\n", encoding="utf-8")
    git(root.parent, "commit", "-qam", "ended")
    assert invoke(runner, root, "audit", "report", aid, "--out", str(tmp_path)).exit_code == 0
    md = (tmp_path / f"{aid}-report.md").read_text(encoding="utf-8")
    assert "指摘事項はない。" in md and "まだ記録されていない" not in md


@pytest.mark.parametrize("option", ["--ended-on", "--reported-on"])
def test_audit_days_after_today_are_refused(runner, audited, tmp_path, option):
    """A review recorded `--ended-on 2030-01-01`, exit 0 (other commands refuse a day to come)."""
    root, aid = audited
    findings = tmp_path / "more.yaml"
    findings.write_text(
        "- division: jinji\n  article: '10'\n  text: 記録がない\n  action: 記録する\n  due: 2027-03-31\n",
        encoding="utf-8",
    )
    before = head(root)
    result = invoke(runner, root, "audit", "findings", aid, str(findings), option, "2030-01-01")
    assert result.exit_code == 2 and f"{option} 2030-01-01 is after today" in result.output
    assert head(root) == before


# -- what an outside new-user run found -----------------------------------------------------------


@pytest.mark.parametrize(("article", "code"), [("99", 2), ("47", 2), ("46(1)", 0), ("1", 0), ("0", 2)])
def test_an_audit_cites_only_articles_of_the_rule(runner, tmp_path: Path, article: str, code: int) -> None:
    """The rule has 第1条-第46条: a 第99条 was accepted and printed in the report."""
    root = make_register(tmp_path, example=True)
    result = invoke(runner, root, "audit", "new", "--title", "監査", "--article", article, "--dry-run")
    assert result.exit_code == code, result.output
    if code:
        assert f"--article {article}: not an article of the rule" in result.output


def test_a_findings_file_error_names_the_line_of_its_entry(runner, tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    audit = json.loads(invoke(runner, root, "audit", "new", "--title", "監査", "--json").stdout)["id"]
    entries = [
        "# 指摘事項",
        "- {division: kanbo-koho, article: 14(4), text: 一件目}",
        "- division: kanbo-koho",
        "  article: 14(4)",
        "  text: 二件目",
        "  due: 2026-02-30",  # line 6
        "- {division: kanbo-koho, article: '99', text: 三件目}",  # line 7
    ]
    findings = tmp_path / "f.yaml"
    findings.write_text("\n".join(entries) + "\n", encoding="utf-8")
    result = invoke(runner, root, "audit", "findings", audit, str(findings), "--dry-run")
    assert result.exit_code == 2 and f"{findings}:6: [1].due:" in result.output
    findings.write_text("\n".join(entries).replace("2026-02-30", "2026-02-28") + "\n", encoding="utf-8")
    result = invoke(runner, root, "audit", "findings", audit, str(findings), "--dry-run")
    assert result.exit_code == 2 and f"{findings}:7: [2].article: not an article of the rule" in result.output


def test_a_report_of_the_officer_alone_claims_no_independence(runner, tmp_path: Path) -> None:
    """「いずれも被監査部門から独立した者である」 was said of nobody."""
    root = make_register(tmp_path, example=True)
    audit = json.loads(invoke(runner, root, "audit", "new", "--title", "監査", "--json").stdout)["id"]
    out = tmp_path / "out"
    assert invoke(runner, root, "audit", "report", audit, "--out", str(out)).exit_code == 0
    text = (out / f"{audit}-report.md").read_text(encoding="utf-8")
    assert "監査事務実施者の記録はない。" in text and "いずれも" not in text


def test_the_lead_words_the_audit_as_article_42_1_does(runner, audited, tmp_path: Path) -> None:
    """Art. 42(1) audits 「保有個人情報等の管理及び利用の状況」, as the title says; the lead said
    「個人情報の管理の状況に関する監査」, another object than the article's and the title's."""
    root, aid = audited
    out = tmp_path / "out"
    assert invoke(runner, root, "audit", "report", aid, "--out", str(out)).exit_code == 0
    md = (out / f"{aid}-report.md").read_text(encoding="utf-8")
    lead = next(line for line in md.splitlines() if line.startswith("　経済産業省個人情報保護管理規程"))
    assert (
        lead == "　経済産業省個人情報保護管理規程第４２条第１項の規定に基づき実施した"
        "保有個人情報等の管理及び利用の状況に関する監査の結果を、下記のとおり報告する。"
    )


def test_an_audit_that_ended_without_findings_is_recorded_by_the_command(runner, tmp_path: Path) -> None:
    """`audit findings AUD [] --ended-on DAY` was refused 「expected a list of findings」: an audit that
    found nothing could have its end and report date recorded only by hand, and its report said
    「指摘事項はまだ記録されていない」. An empty list is taken with --ended-on (nothing else)."""
    root = make_register(tmp_path, example=True)
    aid = json.loads(
        invoke(runner, root, "audit", "new", "--title", "監査", "--started-on", "2026-10-01", "--json").stdout
    )["id"]
    empty = tmp_path / "none.yaml"
    empty.write_text("[]\n", encoding="utf-8")
    before = git(root.parent, "rev-parse", "HEAD")
    refused = invoke(runner, root, "audit", "findings", aid, str(empty))
    assert refused.exit_code == 2 and "an empty list `[]` with --ended-on" in refused.output
    assert git(root.parent, "rev-parse", "HEAD") == before  # nothing written
    done = invoke(
        runner, root, "audit", "findings", aid, str(empty), "--ended-on", "2026-10-20", "--reported-on", "2026-10-23"
    )
    assert done.exit_code == 0, done.output
    assert "added 0 finding(s)" in done.output
    record = (root / "audits" / f"{aid}.yaml").read_text(encoding="utf-8")
    assert "ended_on: '2026-10-20'" in record and "reported_on: '2026-10-23'" in record
    assert f"audits/{aid}.yaml" not in invoke(runner, root, "validate").output  # the record is valid
    out = tmp_path / "out"
    assert invoke(runner, root, "audit", "report", aid, "--out", str(out)).exit_code == 0
    md = (out / f"{aid}-report.md").read_text(encoding="utf-8")
    assert "指摘事項はない。" in md and "令和８年１０月１日から令和８年１０月２０日まで" in md
    assert "令和８年１０月２３日" in md  # the report date


@pytest.mark.parametrize("name", ["report.md", "報告.docx"])
def test_an_out_naming_a_document_file_is_refused_as_no_folder(runner, audited, tmp_path, name):
    """`audit report AUD --out report.md` (--out names the folder the report goes in) made a folder
    named report.md and wrote report.md/AUD-…-report.md, exit 0: the officer looked for a file and
    found a folder. A folder to be made whose name ends as a document does is refused (exit 2),
    nothing made; an existing folder of that name is written into as before."""
    root, aid = audited
    out = tmp_path / name
    result = invoke(runner, root, "audit", "report", aid, "--out", str(out))
    assert result.exit_code == 2, result.output
    assert " ".join(result.stderr.split()) == (
        f"meti-pi: --out {out}: names a file, where a folder is wanted (the documents are written in it, each"
        " named after its record); give a folder"
    )
    assert not out.exists()
    out.mkdir()
    assert invoke(runner, root, "audit", "report", aid, "--out", str(out)).exit_code == 0
    assert (out / f"{aid}-report.md").is_file()
