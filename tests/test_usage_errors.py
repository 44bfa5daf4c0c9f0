"""No traceback for a user's input (issue 15): dates outside 1873–9999, numbers out of range and
bad policy values are usage errors (exit 2) naming the option or key; nothing is written."""

from __future__ import annotations

import pytest
from conftest import git, invoke, make_register

from meti_pi.store.limits import DATE_MAX, DATE_MIN

OPEN = ["incident", "open", "--division", "kanbo-jinji", "--summary", "申請書の誤送付"]


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    import os

    os.environ.setdefault("GIT_AUTHOR_NAME", "T")
    return make_register(tmp_path_factory.mktemp("usage"), example=True)


CASES = [
    ("0001-01-01", ["status"], "--today", "outside the dates meti-pi handles"),
    ("1872-12-31", ["status"], "--today", "outside the dates meti-pi handles"),  # the day before 明治6年1月1日
    ("9999-12-31", [*OPEN, "--known-on", "9999-12-30"], "falls after 9999-12-31", "give earlier dates"),
    ("9999-12-31", ["status"], "falls after 9999-12-31", "give earlier dates"),
    ("2026-11-26", ["status", "--horizon", "99999999999"], "--horizon", "not in the range"),
    ("2026-11-26", [*OPEN, "--known-on", "0001-01-01"], "--known-on: 0001-01-01", "outside the dates meti-pi handles"),
    ("2026-11-26", [*OPEN, "--known-on", "1872-12-31"], "--known-on: 1872-12-31", "1873-01-01 (明治6年1月1日)"),
    (
        "2026-11-26",
        ["notify", "log", "F-2026-WS4AX4", "--kind", "use", "--summary", "送付", "--on", "0999-01-01"],
        "--on",
        "outside",
    ),
]


@pytest.mark.parametrize(
    ("today", "args", "named", "message"), CASES, ids=[" ".join(c[1][:2]) + " " + c[0] + " " + c[2] for c in CASES]
)
def test_out_of_range_is_a_usage_error(reg, today, args, named, message):
    head = git(reg.parent, "rev-parse", "HEAD")
    result = invoke(_runner(), reg, *args, today=today)
    assert result.exit_code == 2, result.output
    assert named in result.output and message in result.output
    assert "Traceback" not in result.output and "unexpected error" not in result.output
    assert git(reg.parent, "rev-parse", "HEAD") == head and git(reg.parent, "status", "--porcelain") == ""


def test_the_first_and_last_dates_are_accepted(reg):
    assert (DATE_MIN.isoformat(), DATE_MAX.isoformat()) == ("1873-01-01", "9999-12-31")
    assert invoke(_runner(), reg, "incident", "list", today="1873-01-01").exit_code == 0
    assert invoke(_runner(), reg, "incident", "list", today="9999-12-31").exit_code == 0
    assert invoke(_runner(), reg, "status", "--horizon", "36600").exit_code in (0, 1)


@pytest.mark.parametrize(
    ("key", "value", "line_key"),
    [("lock_timeout_seconds", "abc", "$.lock_timeout_seconds"), ("max_file_bytes", "-5", "$.max_file_bytes")],
)
def test_a_bad_policy_value_names_its_key_and_line(tmp_path, key, value, line_key):
    root = make_register(tmp_path, example=True)
    policy = root / "policy.yaml"
    lines = policy.read_text(encoding="utf-8").splitlines()
    if not any(line.startswith(f"{key}:") for line in lines):
        lines.append(f"{key}: 1")
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith(f"{key}:"))
    lines[number - 1] = f"{key}: {value}"
    policy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    git(root.parent, "commit", "-qam", "bad policy by hand")
    head = git(root.parent, "rev-parse", "HEAD")
    for args in (
        ["new", "divisions", "--id", "d1", "--set", "name=課", "--set", "org=経済産業省", "--set", "manager_post=課長"],
        ["status"],
    ):
        result = invoke(_runner(), root, *args)
        assert result.exit_code == 2, result.output
        assert f"policy.yaml:{number}: {line_key}" in result.output
        assert "Traceback" not in result.output
    assert git(root.parent, "rev-parse", "HEAD") == head


def _runner():
    from typer.testing import CliRunner

    return CliRunner()


def test_a_refused_new_record_points_to_what_gave_its_fields(tmp_path):
    """`new --from FILE` named `divisions/<id>.yaml:7`, a file never written, and `--set` errors a
    file with a new random id each try: the --from file's line, or the --set key, instead."""
    from typer.testing import CliRunner

    root = make_register(tmp_path)
    given = tmp_path / "d.yaml"
    given.write_text(
        "# 課等\nid: test-ka\nname: テスト課\nparent: 1\norg: 経済産業省\nmanager_post: 課長\n", encoding="utf-8"
    )
    head = git(root.parent, "rev-parse", "HEAD")
    result = invoke(CliRunner(), root, "new", "divisions", "--id", "test-ka", "--from", str(given))
    assert result.exit_code == 1 and f"{given}:4: $.parent: error[schema]" in result.output
    assert "divisions/test-ka.yaml" not in result.output
    result = invoke(CliRunner(), root, "new", "divisions", "--id", "test-ka", "--from", str(given), "--set", "parent=2")
    assert result.exit_code == 1 and "--set parent: $.parent: error[schema]" in result.output
    assert git(root.parent, "rev-parse", "HEAD") == head and not (root / "divisions" / "test-ka.yaml").exists()


def test_a_set_value_meant_as_a_list_must_be_yaml(tmp_path):
    """`--set record_items=[氏名` was taken as the text '[氏名' and refused as 'not of type array'."""
    from typer.testing import CliRunner

    root = make_register(tmp_path)
    result = invoke(CliRunner(), root, "new", "files", "--set", "record_items=[氏名")
    assert result.exit_code == 2 and "--set record_items: '[氏名' is not a YAML list or mapping" in result.output
    result = invoke(
        CliRunner(), root, "new", "files", "--set", "name=会議: 議事録", "--dry-run"
    )  # text with a colon stays text
    assert "is not a YAML" not in result.output


def test_an_object_missing_a_part_is_the_from_files_not_a_set_of_another_part(tmp_path):
    """`principals` without `count` in --from, with --set principals.as_of: the error was shown at
    --set principals.as_of (an outside review); it is the --from file's `principals:` line."""
    from typer.testing import CliRunner

    root = make_register(tmp_path, example=True)
    text = (root / "files" / "F-2026-MQJTB8.yaml").read_text(encoding="utf-8")
    given = tmp_path / "f.yaml"
    given.write_text(text.replace("id: F-2026-MQJTB8\n", "").replace("  count: 999\n", ""), encoding="utf-8")
    line = 1 + next(i for i, t in enumerate(given.read_text(encoding="utf-8").splitlines()) if t == "principals:")
    result = invoke(
        CliRunner(), root, "new", "files", "--from", str(given), "--set", "principals.as_of=2026-11-01", "--dry-run"
    )
    assert result.exit_code == 1 and f"{given}:{line}: $.principals: error[schema] 'count'" in result.output


def test_a_bad_day_in_the_environment_is_named_there(reg, monkeypatch):
    """METI_PI_TODAY=2026-13-01 (a CI job's setting) was reported as `--today`, an option nobody typed."""
    from meti_pi.cli import app

    monkeypatch.setenv("METI_PI_TODAY", "2026-13-01")
    result = _runner().invoke(app, ["--register", str(reg), "status"])
    assert result.exit_code == 2 and "Invalid value for METI_PI_TODAY: 2026-13-01 is not a day" in result.output
    result = _runner().invoke(app, ["--register", str(reg), "--today", "2026-02-30", "status"])
    assert result.exit_code == 2 and "Invalid value for --today: 2026-02-30" in result.output
