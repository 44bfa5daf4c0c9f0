"""Shared fixtures: real git repositories in tmp_path, with an identity from the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "register"
EXAMPLE = REPO / "examples" / "register"


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never depend on the developer's git config."""
    for key in [k for k in os.environ if k.startswith("GIT_")]:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Officer")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "officer@meti-pi.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Officer")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "officer@meti-pi.invalid")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.delenv("METI_PI_REGISTER", raising=False)
    monkeypatch.delenv("METI_PI_TODAY", raising=False)


def _exit_in_test(code: object) -> None:
    raise SystemExit(code)


@pytest.fixture(autouse=True)
def _no_os_exit_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """`meti_pi.cli.main()` ends the process with os._exit (fast exit after a large register); run
    in-process by a test, a command that unexpectedly succeeded would end pytest itself with status
    0 and no summary. In tests it raises SystemExit instead, which the test sees and asserts on."""
    monkeypatch.setattr("meti_pi.cli._exit_now", _exit_in_test)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(("git", *args), cwd=cwd, check=True, capture_output=True, text=True).stdout


def hand_edit_line(root: Path, rel: str, starts: str, line: str) -> int:
    """Replace the one line of register file `rel` that starts (stripped) with `starts` by `line`, as a
    hand edit committed with git; the line's index (0-based)."""
    path = root / rel
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    (at,) = [i for i, text in enumerate(lines) if text.strip().startswith(starts)]
    lines[at] = lines[at][: len(lines[at]) - len(lines[at].lstrip())] + line + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    git(root, "commit", "-qam", "a hand edit")
    return at


def make_register(
    tmp_path: Path, extra: dict[str, str] | None = None, *, example: bool = False, subdir: str = "register"
) -> Path:
    """A git repo at tmp_path/repo holding a register (the shipped one, or the example) plus `extra`.

    `extra` maps register-relative paths to YAML text (dedented). Everything is committed.
    Returns the register root.
    """
    repo = tmp_path / "repo"
    root = repo / subdir if subdir else repo
    if not extra:
        # The same repository every time: built once per test session (and per git identity and
        # settings in the environment), then copied whole, .git included (issue 17: the fast tier).
        shutil.copytree(_template(example, subdir), repo, symlinks=True)
        return root
    shutil.copytree(EXAMPLE if example else SHIPPED, root)
    for rel, text in (extra or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "test register")
    return root


_TEMPLATES: dict[tuple[object, ...], Path] = {}


def _template(example: bool, subdir: str) -> Path:
    """A repository as make_register builds it without `extra`, made on first use in this process."""
    import tempfile

    key = (example, subdir, tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("GIT_"))))
    found = _TEMPLATES.get(key)
    if found is None:
        base = Path(tempfile.mkdtemp(prefix="meti-pi-template-"))
        repo = base / "repo"
        root = repo / subdir if subdir else repo
        shutil.copytree(EXAMPLE if example else SHIPPED, root)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "test register")
        found = _TEMPLATES[key] = repo
    return found


@pytest.fixture(scope="session", autouse=True)
def _remove_templates() -> Iterator[None]:
    yield
    for repo in _TEMPLATES.values():
        shutil.rmtree(repo.parent, ignore_errors=True)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, root: Path, *args: str, today: str = "2026-11-26", input: str | None = None):
    """Run `meti-pi --register ROOT --today TODAY ARGS...` in-process."""
    from meti_pi.cli import app

    return runner.invoke(app, ["--register", str(root), "--today", today, *args], input=input)
