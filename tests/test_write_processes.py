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
