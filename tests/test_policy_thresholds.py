"""policy.yaml's person-count thresholds against the numbers the law and the rule state
(checks.thresholds): a changed one moved every legal answer (管理B, the 74(2)(9) exemption, the PPC
report) and validate said nothing. Now it warns, at the line, with the article, the law's number
and what the register's number does instead; a warning only (a stricter policy, a changed law)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, invoke, make_register

from meti_pi.checks import validate as V
from meti_pi.checks.thresholds import check_thresholds

LINES = {"class_b_min_principals": 15, "filebook_min_principals": 16, "ppc_report_more_than": 17}


def set_threshold(root: Path, key: str, value: int) -> int:
    """Write `value` for thresholds.<key> in policy.yaml (a hand edit); its line (1-based)."""
    path = root / "policy.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    (i,) = [n for n, text in enumerate(lines) if text.strip().startswith(f"{key}:")]
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    lines[i] = f"{indent}{key}: {value}\n"
    path.write_text("".join(lines), encoding="utf-8")
    return i + 1


def threshold_warnings(runner, root: Path, *args: str) -> tuple[int, list[dict]]:
    result = invoke(runner, root, "validate", "--json", *args)
    doc = json.loads(result.stdout)
    assert not [e for e in doc["errors"] if e["path"] == "policy.yaml"]
    return result.exit_code, [w for w in doc["warnings"] if w["code"] == "policy-threshold"]


def test_the_shipped_values_are_the_laws_and_draw_no_warning(runner, tmp_path):
    root = make_register(tmp_path, example=True)
    code, found = threshold_warnings(runner, root)
    assert code == 0 and found == []


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        # looser than the law: what the law asks is no longer done
        (
            "ppc_report_more_than",
            150,
            [
                "規則43(4)",
                "more than 100 本人",
                "incidents with 101-150 本人 are still assessed as reportable under 規則43(4), which a policy "
                "cannot waive, so the value changes no assessment",
                "write 100; a change of 規則43(4) itself is for meti-pi to follow",
            ],
        ),
        ("ppc_report_more_than", 101, ["incidents with 101 本人 are still assessed as reportable"]),
        (
            "filebook_min_principals",
            2000,
            ["APPI 74(2)(9)", "fewer than 1,000", "files with 1,000-1,999 本人 will be taken as exempt", "write 1000"],
        ),
        (
            "class_b_min_principals",
            5000,
            [
                "規程第16条第1項",
                "1,000 本人",
                "files with 1,000-4,999 本人 will not be classed 管理B",
                "write 1000 unless the rule",
            ],
        ),
        # stricter: kept if meant
        (
            "ppc_report_more_than",
            50,
            [
                "incidents with 51-100 本人 will be reported to the PPC on the ministry's own line "
                "(ground policy-line), not under 規則43(4)",
                "keep 50 if",
                "else write 100",
            ],
        ),
        (
            "filebook_min_principals",
            500,
            ["files with 500-999 本人, which 74(2)(9) exempts, will owe the notices", "keep 500"],
        ),
        ("class_b_min_principals", 0, ["files with 0-999 本人 will be classed 管理B", "keep 0"]),
    ],
)
def test_a_threshold_other_than_the_laws_is_warned_of_at_its_line(runner, tmp_path, key, value, says):
    root = make_register(tmp_path, example=True)
    line = set_threshold(root, key, value)
    assert line == LINES[key]
    _, found = threshold_warnings(runner, root)  # (the example's own claims may then err: 74-2-9 of 640 本人)
    (w,) = found
    assert (w["path"], w["line"], w["key"], w["severity"]) == ("policy.yaml", line, f"$.thresholds.{key}", "warning")
    for text in says:
        assert text in w["message"], (text, w["message"])


def test_the_github_and_text_reports_carry_it(runner, tmp_path):
    root = make_register(tmp_path, example=True)
    line = set_threshold(root, "ppc_report_more_than", 1000)
    result = invoke(runner, root, "validate", "--format", "github")
    assert result.exit_code == 0  # a warning: validate passes, but not with --strict
    assert invoke(runner, root, "validate", "--format", "github", "--strict").exit_code == 1
    (annotation,) = [a for a in result.stdout.splitlines() if "policy-threshold" in a]
    assert annotation.startswith(
        f"::warning file=register/policy.yaml,line={line},title=meti-pi warning[policy-threshold]::"
    )
    assert "incidents with 101-1,000 本人 are still assessed as reportable under 規則43(4)" in annotation
    text = invoke(runner, root, "validate").stdout
    assert f"policy.yaml:{line}: $.thresholds.ppc_report_more_than: warning[policy-threshold] 1,000 is not 100:" in text


def test_every_threshold_changed_gives_one_warning_each_and_a_bad_type_is_the_schemas(runner, tmp_path):
    root = make_register(tmp_path, example=True)
    for key in LINES:
        set_threshold(root, key, 7)
    _, found = threshold_warnings(runner, root)
    assert [(w["line"], w["key"]) for w in found] == [(n, f"$.thresholds.{k}") for k, n in LINES.items()]
    path = root / "policy.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("ppc_report_more_than: 7", "ppc_report_more_than: abc"),
        encoding="utf-8",
    )
    doc = json.loads(invoke(runner, root, "validate", "--json").stdout)
    assert [e["key"] for e in doc["errors"] if e["path"] == "policy.yaml"] == ["$.thresholds.ppc_report_more_than"]
    assert len([w for w in doc["warnings"] if w["code"] == "policy-threshold"]) == 2


def test_the_write_path_does_not_run_it_and_a_commit_of_the_policy_passes(runner, tmp_path, monkeypatch):
    """A warning only: the write path (which refuses new errors) skips the check; committing a stricter
    policy is not refused."""
    assert check_thresholds in V.CHECKS and check_thresholds in V.WARNING_ONLY_CHECKS
    assert check_thresholds not in V.ERROR_CHECKS
    root = make_register(tmp_path, example=True)
    set_threshold(root, "ppc_report_more_than", 50)
    monkeypatch.chdir(root)
    result = invoke(runner, root, "commit", "policy.yaml", "-m", "stricter: report from 51 本人")
    assert result.exit_code == 0, result.output
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["register/policy.yaml"]


def _file_errors(runner, root: Path, file_id: str) -> dict[str, str]:
    doc = json.loads(invoke(runner, root, "validate", "--json").stdout)
    return {e["code"]: e["message"] for e in doc["errors"] if e["path"] == f"files/{file_id}.yaml"}


def test_the_count_lines_in_validates_words_are_the_policys(runner, tmp_path):
    """With `filebook_min_principals: 500` and `class_b_min_principals: 500` the example's 640-本人
    file F-2026-XJ7Q0G (管理C, claiming 74-2-9) is refused by the policy's 500, and its messages said
    'excludes only files of fewer than 1,000 本人; the count is 640 ... if it is below 1,000' and
    '管理C for 640 本人 (千人以上)': each contradicting the refusal it explains. (Fails on the former code.)"""
    root = make_register(tmp_path, example=True)
    set_threshold(root, "filebook_min_principals", 500)
    set_threshold(root, "class_b_min_principals", 500)
    found = _file_errors(runner, root, "F-2026-XJ7Q0G")
    refused, below = found["exclusion-refused"], found["class-below-rule"]
    assert "fewer than 500 本人 (policy.yaml thresholds.filebook_min_principals)" in refused
    assert "令20: fewer than 1,000 本人" in refused  # the law's number, named as the law's
    assert refused.endswith(
        "the count is 640. Remove the claim, or record the count (principals.count) if it is below 500"
    )
    assert (
        "管理C for 640 本人 (500 or more: policy.yaml thresholds.class_b_min_principals, where the rule says 千人以上)"
        in below
    )
    assert "below 1,000" not in refused and "(千人以上)" not in below


def test_with_the_laws_lines_validates_words_are_the_laws(runner, tmp_path):
    """The law's numbers keep their wording: 1,200 本人 claiming 74-2-9 as 管理C."""
    root = make_register(tmp_path, example=True)
    path = root / "files" / "F-2026-XJ7Q0G.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("count: 640", "count: 1200"), encoding="utf-8")
    found = _file_errors(runner, root, "F-2026-XJ7Q0G")
    assert found["exclusion-refused"] == (
        "APPI 74(2)(ix) (令20) excludes only files of fewer than 1,000 本人; the count is 1,200. Remove the claim, "
        "or record the count (principals.count) if it is below 1,000"
    )
    assert found["class-below-rule"].startswith("Art. 16(1): 管理C for 1,200 本人 (千人以上): what is not 管理A")


def test_a_lower_bound_counts_advice_names_the_lowest_line_of_the_policy(runner, tmp_path):
    """A count on names alone is a lower bound, and its note said 「千人未満とするなら本人の数を確かめ
    ること」 whatever policy.yaml's lines: under a policy drawing 管理B from 500 本人, a 管理者 reading it
    took a lower bound of 400 as safe where 500 is the line. The advice now names the lowest line the
    count is held against, saying it is the policy's; the law's 千人 where the policy keeps it."""
    root = make_register(tmp_path, example=True)
    names = [s + g for s in ("山田", "佐藤", "鈴木", "高橋", "田中") for g in ("太郎", "花子", "一郎", "美咲")]
    data = tmp_path / "names.csv"
    data.write_text("氏名,備考\n" + "".join(f"{names[i % 20]},なし\n" for i in range(1500)), encoding="utf-8")

    def advice() -> str:
        result = invoke(runner, root, "classify", str(data), "--json")
        assert result.exit_code == 0, result.output
        [text] = [r["text"] for r in json.loads(result.stdout)["reasons"] if r["rule"] == "principals"]
        return text

    assert "（下限値）：千人未満とするなら本人の数を確かめること" in advice()
    set_threshold(root, "class_b_min_principals", 500)
    git(root, "commit", "-qam", "policy: 管理B from 500")
    stricter = advice()
    assert "（下限値）：500人（運用ポリシーの閾値）未満とするなら本人の数を確かめること" in stricter
    assert "千人未満" not in stricter


def test_a_file_the_policys_line_lists_must_state_what_the_filebook_prints(runner, tmp_path):
    """The files schema asks for disclosure_office and characteristics.sensitive from the law's 1,000
    本人 (APPI 75(1); a schema cannot read policy.yaml). A stricter `filebook_min_principals` lists a
    file of 600 本人 in the ファイル簿 too: validate's filebook-mandatory check, which asks whether the
    file is listed under the policy, holds it to the same items; under the law's line it is not asked."""
    root = make_register(tmp_path, example=True)
    path = root / "files" / "F-2026-113VYQ.yaml"
    text = path.read_text(encoding="utf-8").replace("  count: 1850\n", "  count: 600\n")
    lines = text.splitlines(keepends=True)
    (i,) = [n for n, line in enumerate(lines) if line.startswith("disclosure_office:")]
    path.write_text("".join(lines[:i] + lines[i + 3 :]), encoding="utf-8")
    git(root, "commit", "-qam", "600 本人, no disclosure_office")

    def mandatory() -> list[dict]:
        doc = json.loads(invoke(runner, root, "validate", "--json").stdout)
        return [
            e for e in doc["errors"] if e["code"] == "filebook-mandatory" and e["path"] == "files/F-2026-113VYQ.yaml"
        ]

    assert mandatory() == []  # 600 < the law's 1,000: not in the ファイル簿
    set_threshold(root, "filebook_min_principals", 500)
    git(root, "commit", "-qam", "policy: the ファイル簿 from 500")
    [found] = mandatory()
    assert found["key"] == "$.disclosure_office" and "74(1)(ix)" in found["message"]
