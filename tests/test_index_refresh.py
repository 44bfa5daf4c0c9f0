"""meti-pi leaves git's index fresh where it made git hash stat-dirty files (issue 18, deliverable 5):
a checkout or a touch rewrites files with the same content; git re-hashes them on every command
until its index records their new stat data. A command that read the work tree and succeeded has
git record it (git's own `update-index --refresh`, under git's own lock), so the next command,
meti-pi's or the user's, does not hash them again; a command that fails writes nothing, the index
included. `git diff-files` does not refresh: it shows what the index holds."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from conftest import git, make_register


def meti(root: Path, *args: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("METI_PI_")}
    return subprocess.run(
        [sys.executable, "-m", "meti_pi", "--register", str(root), "--today", "2026-11-26", *args],
        capture_output=True,
        env=env,
        check=False,
        timeout=120,
    ).returncode


def stat_dirty(repo: Path) -> bool:
    """True when git's index does not match the work tree's stat data (git would re-hash)."""
    return subprocess.run(["git", "diff-files", "--quiet"], cwd=repo, check=False).returncode != 0


def touch_all(root: Path) -> None:
    later = time.time() + 5
    for dirpath, _, names in os.walk(root):
        for name in names:
            os.utime(os.path.join(dirpath, name), (later, later))


def test_a_read_of_the_work_tree_leaves_gits_index_fresh(tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    repo = root.parent
    touch_all(root)
    assert stat_dirty(repo)  # the test can fail: git's index is stale now
    assert meti(root, "show", "divisions/kanbo-jinji") == 0
    assert not stat_dirty(repo)
    assert git(repo, "status", "--porcelain") == ""  # content unchanged: nothing to commit


def test_a_failed_command_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    repo = root.parent
    touch_all(root)
    before = hashlib.sha256((repo / ".git" / "index").read_bytes()).hexdigest()
    assert meti(root, "show", "divisions/no-such-division") != 0
    assert hashlib.sha256((repo / ".git" / "index").read_bytes()).hexdigest() == before


def test_a_real_edit_stays_an_edit_and_other_files_are_refreshed(tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    repo = root.parent
    touch_all(root)
    edited = root / "policy.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert meti(root, "show", "divisions/kanbo-jinji") == 0
    changed = subprocess.run(
        ["git", "diff-files", "--name-only"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.split()
    assert changed == ["register/policy.yaml"]
    assert git(repo, "diff", "--cached", "--name-only") == ""  # nothing staged


def test_a_lock_held_by_another_git_is_left_alone(tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    repo = root.parent
    touch_all(root)
    lock = repo / ".git" / "index.lock"
    lock.write_bytes(b"")  # another git is writing the index
    try:
        assert meti(root, "show", "divisions/kanbo-jinji") == 0  # the command goes on
        assert lock.read_bytes() == b""  # not taken, not removed
        assert stat_dirty(repo)  # and the index is not written behind the lock
    finally:
        lock.unlink()


def test_validate_has_git_refresh_only_an_index_a_refresh_can_change(tmp_path: Path, monkeypatch: Any) -> None:
    """REFRESH_WHEN_STALE (store/worktree): `validate` on the work tree asks git to refresh its index
    only where `git diff-files` listed a file that may hold the index's content. A clean work tree, or
    one whose listed files are real edits, is not refreshed: git would stat every file again and
    write nothing (0.2-0.4 s of each validate at 100,000 records). A file touched is refreshed."""
    from datetime import date

    from meti_pi.checks.validate import validate_register, validate_work_tree
    from meti_pi.settings import DEFAULT
    from meti_pi.store import blobs
    from meti_pi.store.register import Register

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("METI_PI_NO_CACHE", raising=False)
    root = make_register(tmp_path, example=True)
    repo = root.parent
    today = date(2026, 11, 26)
    validate_register(Register.load(root), today)  # the base the work tree's validate starts from
    blobs.refresh_pending()  # the copied repository's stat data recorded (as the command line does)
    assert not stat_dirty(repo)

    def validated() -> bool:
        """Whether the validate left a refresh pending (then runs it, as the command line does)."""
        assert validate_work_tree(root, today, DEFAULT) is not None  # on the work tree, against the base
        pending = root in blobs.pending_refresh
        blobs.refresh_pending()
        return pending

    assert not validated()  # clean
    edited = root / "divisions" / "kanbo-jinji.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("\nname: ", "\nname: 新", 1), encoding="utf-8")
    assert not validated()  # a real edit: a refresh leaves it listed
    assert git(repo, "diff-files", "--name-only").split() == ["register/divisions/kanbo-jinji.yaml"]
    touched = root / "divisions" / "kanbo-kaikei.yaml"
    later = time.time() + 5
    os.utime(touched, (later, later))
    assert stat_dirty(repo) and validated()  # the same content, new stat data: recorded
    assert git(repo, "diff-files", "--name-only").split() == ["register/divisions/kanbo-jinji.yaml"]
    git(repo, "add", str(edited))  # staged: the index's content is not HEAD's
    os.utime(edited, (later + 5, later + 5))
    assert validated()
    assert not stat_dirty(repo)
