"""`validate --format github|junit` (issue 12): annotations and reports CI systems read."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from conftest import git, invoke, make_register

from meti_pi.checks import ci_formats
from meti_pi.errors import Problem

BAD_DIVISION = """\
    # yaml-language-server: $schema=../.schemas/divisions.schema.json
    schema_version: 1
    id: bad-div
    name: 試験課
    org: "財務省, 100%: x"
    manager_post: 課長
    "rate 100%": x
    """


def test_github_escapes_data_and_properties_as_the_toolkit_does() -> None:
    p = Problem("a,b:c%.yaml", 7, "schema", "100% wrong\r\nnext: line, here", "error", "$.org")
    assert ci_formats.github([p], "reg/") == (
        "::error file=reg/a%2Cb%3Ac%25.yaml,line=7,title=meti-pi error[schema]::$.org: 100%25 wrong%0D%0Anext: line, here\n"
    )
    # Severities: error, warning; anything else a notice. No line: no line= property.
    out = ci_formats.github([Problem("x.yaml", None, "c", "m", "warning"), Problem("y.yaml", 1, "c", "m", "info")])
    assert out.splitlines() == [
        "::warning file=x.yaml,title=meti-pi warning[c]::m",
        "::notice file=y.yaml,line=1,title=meti-pi info[c]::m",
    ]
    # A message can never end the command early or start another one.
    evil = ci_formats.github([Problem("x.yaml", 1, "c", "a\n::error file=forged.yaml::b")])
    # (the runner reads commands at the start of a line only)
    assert evil.count("\n") == 1 and evil.startswith("::error file=x.yaml,line=1,")
    assert not any(line.startswith("::error file=forged") for line in evil.splitlines())


def test_junit_report_is_well_formed_deterministic_and_strict_aware() -> None:
    problems = [
        Problem("files/F-1.yaml", 3, "schema", "bad <x> & \x01 y"),
        Problem("files/F-1.yaml", 9, "w", "warn", "warning"),
        Problem("files/F-2.yaml", 2, "w", "only a warning", "warning"),
    ]
    files = ["files/F-2.yaml", "files/F-1.yaml", "register.yaml"]
    data = ci_formats.junit(problems, files, prefix="register/")
    assert data == ci_formats.junit(list(problems), list(reversed(files)), prefix="register/")  # same bytes
    root = ET.fromstring(data)
    suite = root.find("testsuite")
    assert (
        suite is not None and suite.get("tests") == "3" and suite.get("failures") == "1" and root.get("failures") == "1"
    )
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert list(cases) == ["register/files/F-1.yaml", "register/files/F-2.yaml", "register/register.yaml"]
    failure = cases["register/files/F-1.yaml"].find("failure")
    assert failure is not None and "register/files/F-1.yaml:3: error[schema] bad <x> & \\x01 y" in (failure.text or "")
    assert "warn" in (cases["register/files/F-1.yaml"].findtext("system-out") or "")
    assert cases["register/files/F-2.yaml"].find("failure") is None
    strict = ET.fromstring(ci_formats.junit(problems, files, prefix="register/", strict=True))
    assert strict.get("failures") == "2"


def test_validate_format_github_points_at_the_repository_path(tmp_path, runner) -> None:
    root = make_register(tmp_path, {"divisions/bad-div.yaml": BAD_DIVISION})
    result = invoke(runner, root, "validate", "--format", "github")
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line]
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert any(
        line.startswith("::error file=register/divisions/bad-div.yaml,line=5,title=meti-pi error[schema]::$.org: ")
        for line in lines
    )
    assert not any("100%" in line and "rate" not in line for line in lines)  # the value is never quoted ...
    assert any(  # ... a message's '%' (here an unknown key's) is escaped for GitHub
        line.startswith("::error file=register/divisions/bad-div.yaml,line=7,") and "rate 100%25" in line
        for line in lines
    )
    assert "INVALID" in result.stderr


def test_validate_format_junit_to_a_file(tmp_path, runner) -> None:
    root = make_register(tmp_path, {"divisions/bad-div.yaml": BAD_DIVISION})
    out = tmp_path / "report.xml"
    result = invoke(runner, root, "validate", "--format", "junit", "--output", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    suite = ET.parse(out).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    failing = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failing == ["register/divisions/bad-div.yaml"]
    assert not list(tmp_path.glob(".report.xml.*"))  # no temporary file left


def test_validate_json_unchanged_and_formats_exclusive(tmp_path, runner) -> None:
    root = make_register(tmp_path)
    plain = json.loads(invoke(runner, root, "validate", "--json").stdout)
    assert plain["ok"] is True and plain["errors"] == []
    assert json.loads(invoke(runner, root, "validate", "--format", "json").stdout) == plain
    clash = invoke(runner, root, "validate", "--json", "--format", "junit")
    assert clash.exit_code == 2 and "give one" in clash.stderr
    assert invoke(runner, root, "validate", "--output", str(tmp_path / "x")).exit_code == 2
    ok = invoke(runner, root, "validate", "--format", "github")
    assert ok.exit_code == 0 and ok.stdout == ""
    assert git(root, "status", "--porcelain") == ""
