"""The git processes a write runs (issue 18: the write path at 100,000 records): each one that reads
git's whole index costs ~20 ms there, each process a few ms. The list is pinned here so that a new
process, or one reading the index, is a decision."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from conftest import git, make_register

from meti_pi.actions.transaction import transaction
from meti_pi.gitlayer import runner
from meti_pi.settings import Settings

TODAY = date(2026, 11, 26)
DIVISION = {"name": "大臣官房人事課", "org": "経済産業省", "manager_post": "人事課長"}


def spy_git(monkeypatch: Any) -> list[tuple[tuple[str, ...], dict[str, str] | None]]:
    ran: list[tuple[tuple[str, ...], dict[str, str] | None]] = []
    real = runner.subprocess.run

    def spy(args: Any, *a: Any, **kw: Any) -> Any:
        if args[0] == "git":
            ran.append((tuple(x for x in args[1:] if not x.startswith("--literal")), kw.get("env")))
        return real(args, *a, **kw)

    monkeypatch.setattr(runner.subprocess, "run", spy)
    return ran


def test_a_new_record_runs_these_git_processes(tmp_path: Path, monkeypatch: Any) -> None:
    root = make_register(tmp_path, example=True)
    settings = Settings(cache_home=tmp_path / "cache")
    with transaction(root, command="new", summary="warm", today=TODAY, settings=settings) as tx:  # the listings kept
        tx.create("divisions", dict(DIVISION), id="warm-up")
    runner._FILTERS.clear()
    runner._TOP_OF.clear()
    ran = spy_git(monkeypatch)
    with transaction(root, command="new", summary="new division", today=TODAY, settings=settings) as tx:
        tx.create("divisions", dict(DIVISION), id="zz-jinji")
    names = [args[0] if args[0] != "-c" else args[2] for args, _ in ran]
    # One `git config` for the filters, though asked from the register's folder and from the top.
    assert names.count("config") <= 1, names
    # The new path enters the index with `git add --intent-to-add` (`update-index --add` would write
    # its blob into the object store before failing on a held index lock: tests/test_bad_input.py).
    assert ("add", "--force", "--intent-to-add") in [args[:3] for args, _ in ran], names
    # The kept listing moves forward through diff-tree, which is given no index to read (NO_INDEX_READ).
    diff_trees = [env for args, env in ran if args[0] == "diff-tree"]
    assert diff_trees and all(env and "GIT_INDEX_FILE" in env for env in diff_trees)
    assert not Path(diff_trees[0]["GIT_INDEX_FILE"]).exists()  # type: ignore[index]
    # Processes that read the whole index: the staged-work check, the add, the commit.
    assert [n for n in names if n in ("diff-index", "add", "update-index", "commit", "status", "ls-files")] == [
        "diff-index",
        "add",
        "commit",
    ]
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["register/divisions/zz-jinji.yaml"]


def test_the_filters_are_asked_of_git_once_from_the_register_folder_and_the_top(
    tmp_path: Path, monkeypatch: Any
) -> None:
    root = make_register(tmp_path)  # the register in a subfolder of its repository
    runner._FILTERS.clear()
    runner._TOP_OF.clear()
    ran = spy_git(monkeypatch)
    repo = runner.repo_of(root)
    assert repo.top != root
    assert runner.has_filters(root) is False and runner.has_filters(repo.top) is False
    assert [args for args, _ in ran if args[0] == "config"] == [
        ("config", "--get-regexp", r"^filter\..*\.(smudge|process)$")
    ]


# EARLY_CHECK (meti_pi.early.Early, in actions/uncommitted): git's part of the refusal of someone's uncommitted work
# (`git rev-parse HEAD`, `git diff-index --cached`) runs in a thread beside the validation.


def test_the_staged_work_check_runs_while_the_change_is_validated(tmp_path: Path, monkeypatch: Any) -> None:
    import threading

    from meti_pi.checks import validate

    root = make_register(tmp_path, example=True)
    started = threading.Event()
    real_run = runner.subprocess.run

    def spy(args: Any, *a: Any, **kw: Any) -> Any:
        if args[0] == "git" and "diff-index" in args:
            started.set()
        return real_run(args, *a, **kw)

    real_focused = validate.focused_errors
    seen: list[bool] = []

    def focused(*a: Any, **kw: Any) -> Any:
        # The validation waits here for the check to start: were it run after the validation, it never would.
        seen.append(started.wait(timeout=20))
        return real_focused(*a, **kw)

    monkeypatch.setattr(runner.subprocess, "run", spy)
    monkeypatch.setattr(validate, "focused_errors", focused)
    with transaction(root, command="new", summary="new division", today=TODAY) as tx:
        tx.create("divisions", dict(DIVISION), id="zz-jinji")
    assert seen == [True]
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["register/divisions/zz-jinji.yaml"]
    assert not [t for t in threading.enumerate() if t.name == "meti-pi-early-check"]


def test_staged_work_in_a_target_is_refused_and_a_refused_validation_comes_first(tmp_path: Path) -> None:
    import threading

    import pytest

    from meti_pi.errors import MetiPiError, RuleViolation

    root = make_register(tmp_path, example=True)
    target = next((root / "divisions").glob("*.yaml"))
    rel = f"divisions/{target.name}"
    original = target.read_text(encoding="utf-8")
    target.write_text(original + "# staged by hand\n", encoding="utf-8")
    git(root, "add", str(target))
    target.write_text(original, encoding="utf-8")  # the work tree as HEAD has it: only the index differs
    before = git(root, "rev-parse", "HEAD")
    with pytest.raises(MetiPiError, match="uncommitted edits in file.*" + rel):
        with transaction(root, command="edit", summary="post", today=TODAY) as tx:
            tx.edit(rel[:-5])["manager_post"] = "課長代理"
    # A change the validation refuses is refused for that (the register's reason), whatever the check found.
    with pytest.raises(RuleViolation):
        with transaction(root, command="edit", summary="post", today=TODAY) as tx:
            del tx.edit(rel[:-5])["name"]
    assert git(root, "rev-parse", "HEAD") == before
    assert target.read_text(encoding="utf-8") == original
    # the staged work kept as it was (staged; the work tree as HEAD has it, so it differs from the index)
    assert f"MM register/{rel}" in git(root, "status", "--porcelain")
    assert not [t for t in threading.enumerate() if t.name == "meti-pi-early-check"]


def test_identity_and_branch_are_checked_beside_the_policy_read_and_refused_first(
    tmp_path: Path, monkeypatch: Any
) -> None:
    import threading

    import pytest

    from meti_pi.errors import MetiPiError, UsageError

    root = make_register(tmp_path, example=True)
    policy = root / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "lock_timeout_seconds: 30 " in text
    policy.write_text(text.replace("lock_timeout_seconds: 30 ", "lock_timeout_seconds: abc "), encoding="utf-8")
    with pytest.raises(UsageError, match="lock_timeout_seconds"):  # the policy's refusal, identity present
        with transaction(root, command="new", summary="x", today=TODAY) as tx:
            tx.create("divisions", dict(DIVISION), id="zz-jinji")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var)
    monkeypatch.setenv("EMAIL", "")
    git(root, "config", "user.useConfigOnly", "true")
    with pytest.raises(MetiPiError, match="no identity") as info:  # the identity's first, as before
        with transaction(root, command="new", summary="x", today=TODAY) as tx:
            tx.create("divisions", dict(DIVISION), id="zz-jinji")
    assert info.value.exit_code == 3
    assert not (root / "divisions/zz-jinji.yaml").exists()
    assert not [t for t in threading.enumerate() if t.name == "meti-pi-early-check"]


def test_the_identity_and_branch_processes_run_at_once(tmp_path: Path, monkeypatch: Any) -> None:
    """EARLY_CHECK: `git var` twice and `git symbolic-ref` are started together, beside `git rev-parse`
    finding the repository: each waits here for the other two, which only works if they run at once."""
    import threading

    root = make_register(tmp_path, example=True)
    barrier = threading.Barrier(3, timeout=5)
    met: list[str] = []
    real = runner.subprocess.run

    def spy(args: Any, *a: Any, **kw: Any) -> Any:
        if args[0] == "git" and ("var" in args or "symbolic-ref" in args):
            barrier.wait()  # raises BrokenBarrierError after 5 s if the three are run one after another
            met.append(args[-1])
        return real(args, *a, **kw)

    monkeypatch.setattr(runner.subprocess, "run", spy)
    with transaction(root, command="new", summary="new division", today=TODAY) as tx:
        tx.create("divisions", dict(DIVISION), id="zz-jinji")
    assert sorted(met) == ["GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT", "HEAD"]
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["register/divisions/zz-jinji.yaml"]
