"""A problem printed as text names its register file as reached from the folder the command was typed
in, so that a terminal's or editor's click on `path:line:` opens it: `register/divisions/x.yaml:9:`
from the repository's top (where a user, the pre-commit hook and CI run `meti-pi validate`), as
before from the register's own folder, `../divisions/x.yaml` from one of its folders, absolute when
the register is named from outside the repository (--register, $METI_PI_REGISTER): the paths
store.advised gives the commands it advises. --json keeps the path from the register's folder (the
stable identifier scripts read); a file the user gave (`new --from FILE`) is named as given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, make_register

from meti_pi.cli import app

REL = "divisions/boeki-kanri.yaml"
BROKEN = "manager_post: [broken"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository holding the example register at register/, its 課等 boeki-kanri's YAML broken in
    the work tree (not committed); the repository's top."""
    root = make_register(tmp_path, example=True)
    path = root / REL
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    (at,) = [i for i, line in enumerate(lines) if line.startswith("manager_post:")]
    lines[at] = BROKEN + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return root.parent


def _line(repo: Path) -> int:
    """The line the YAML error is reported at (that of the broken line, or the next)."""
    text = (repo / "register" / REL).read_text(encoding="utf-8").splitlines()
    return text.index(BROKEN) + 2


def _run(runner, monkeypatch, cwd: Path, *args: str, env: dict[str, str] | None = None):
    monkeypatch.chdir(cwd)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    return runner.invoke(app, ["--today", "2026-11-26", *args])


def _where(repo: Path, tmp_path: Path) -> list[tuple[Path, tuple[str, ...], dict[str, str], str]]:
    """(folder typed in, global options, environment, the broken file as it is to be named there)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    absolute = str((repo / "register" / REL).resolve())
    register = str(repo / "register")
    return [
        (repo, (), {}, f"register/{REL}"),
        (repo / "register", (), {}, REL),
        (repo / "register" / "divisions", (), {}, f"../{REL}"),
        (elsewhere, ("--register", register), {}, absolute),
        (elsewhere, (), {"METI_PI_REGISTER": register}, absolute),
    ]


@pytest.mark.parametrize("case", range(5), ids=["top", "register", "subfolder", "--register", "METI_PI_REGISTER"])
def test_validate_names_the_file_from_the_folder_typed_in(runner, monkeypatch, repo, tmp_path, case):
    cwd, options, env, named = _where(repo, tmp_path)[case]
    result = _run(runner, monkeypatch, cwd, *options, "validate", env=env)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if "error[" in line]
    assert errors == [errors[0]] and errors[0].startswith(f"{named}:{_line(repo)}: error[yaml] "), result.output
    # the path of a warning too: every problem of the register is named so
    warnings = [line for line in result.output.splitlines() if "warning[" in line]
    prefix = named[: -len(REL)]
    assert warnings and all(line.startswith(prefix) for line in warnings), warnings


def test_validate_json_keeps_the_path_from_the_register(runner, monkeypatch, repo, tmp_path):
    result = _run(runner, monkeypatch, repo, "validate", "--json")
    doc = json.loads(result.stdout)
    assert [(e["path"], e["line"]) for e in doc["errors"]] == [(REL, _line(repo))]
    assert all(not w["path"].startswith("register/") for w in doc["warnings"])


@pytest.mark.parametrize("case", range(5), ids=["top", "register", "subfolder", "--register", "METI_PI_REGISTER"])
def test_commit_refusal_names_the_file_from_the_folder_typed_in(runner, monkeypatch, repo, tmp_path, case):
    """`meti-pi commit PATH` of a hand edit that breaks the record: refused, the file named where it
    was typed (the argument is a path from that folder too)."""
    cwd, options, env, named = _where(repo, tmp_path)[case]
    head = git(repo, "rev-parse", "HEAD")
    result = _run(runner, monkeypatch, cwd, *options, "commit", named, env=env)
    assert result.exit_code == 1, result.output
    refused = [line for line in result.output.splitlines() if "error[" in line]
    assert refused == [f"{named}:{_line(repo)}: {refused[0].split(': ', 1)[1]}"], result.output
    assert refused[0].split(": ", 1)[1].startswith("error[yaml] YAML syntax error")
    assert git(repo, "rev-parse", "HEAD") == head


def test_a_file_the_user_gave_is_named_as_given(runner, monkeypatch, repo):
    """`new files --from fields.yaml` typed at the repository's top: the fields file's problems are
    at `fields.yaml:LINE:`, the path as typed, not put in the register's folder."""
    git(repo, "checkout", "-q", "register")  # the register valid again
    (repo / "fields.yaml").write_text("name: 補助金申請書綴\nfile_kind: compute\n", encoding="utf-8")
    result = _run(runner, monkeypatch, repo, "new", "files", "--from", "fields.yaml", "--dry-run")
    assert result.exit_code == 1, result.output
    assert "fields.yaml:2: $.file_kind: error[schema] " in result.output, result.output
    assert "register/fields.yaml" not in result.output
    # an option's problem is the option's: `--set file_kind: ...`, not register/--set
    result = _run(
        runner, monkeypatch, repo, "new", "files", "--set", "name=x", "--set", "file_kind=compute", "--dry-run"
    )
    assert "\n--set file_kind: $.file_kind: error[schema] " in "\n" + result.output, result.output
    assert "register/--set" not in result.output


def test_notify_check_and_history_verify_name_the_files_from_the_top(runner, monkeypatch, repo):
    """The other listings of problems in text: `notify --check` refusing a register it cannot read
    (the error funnel), its findings, and `history --verify`'s problems a commit introduced."""
    path, line = repo / "register" / REL, _line(repo)
    broken = path.read_text(encoding="utf-8")
    result = _run(runner, monkeypatch, repo, "notify", "--check")
    assert result.exit_code == 1
    assert f"\nregister/{REL}:{line}: error[yaml] " in "\n" + result.output, result.output
    git(repo, "checkout", "-q", "register")
    result = _run(runner, monkeypatch, repo, "notify", "--check")
    findings = [line for line in result.output.splitlines() if "[notice-" in line]
    assert findings and all(line.startswith("register/files/F-") for line in findings), result.output
    path.write_text(broken, encoding="utf-8")
    git(repo, "commit", "-qam", "a hand edit that breaks a record")
    result = _run(runner, monkeypatch, repo, "history", "--verify")
    assert f"    register/{REL}:{line}: error[yaml] " in result.output, result.output
