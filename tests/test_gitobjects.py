"""meti-pi writes the objects of an audit commit itself (meti_pi.gitobjects): they must be exactly
the objects git's plumbing writes, and git must find them sound."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import git

from meti_pi import audit, gitobjects

FILES = {
    "register/a.yaml": "a: 1\n",
    "register/a-b.yaml": "x: 1\n",
    "register/a/one.yaml": "one: 1\n",
    "register/a.b/two.yaml": "two: 2\n",
    "register/files/F-1.yaml": "f: 1\n",
    "register/files/F-2.yaml": "f: 2\n",
    "register/solo/only.yaml": "only: 1\n",
    "README.md": "top\n",
}

CHANGES: list[dict[str, str | None]] = [
    {"files/F-3.yaml": "f: 3\n"},                                   # a file added
    {"files/F-1.yaml": "f: 10\n", "a.yaml": "a: 2\n"},               # two changed, in two folders
    {"solo/only.yaml": None},                                        # a folder emptied: it disappears
    {"new/deep/x.yaml": "x: ユニコード\n", "a-b.yaml": None},        # new nested folders, a removal
    {"a/one.yaml": "one: 1\n"},                                      # unchanged content
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> audit.Repo:
    # Fixed dates: git var and commit-tree then print the same identities.
    monkeypatch.setenv("GIT_AUTHOR_DATE", "1795698000 +0900")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "1795698000 +0900")
    top = tmp_path / "repo"
    for rel, text in FILES.items():
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_text(text, encoding="utf-8")
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "base")
    return audit.repo_of(top / "register")


@pytest.mark.parametrize("texts", CHANGES)
def test_the_objects_written_are_those_git_writes(repo: audit.Repo, texts: dict[str, str | None]):
    old = git(repo.top, "rev-parse", "HEAD").strip()
    idents = audit._check_repo_state(repo)
    writer = audit._object_writer(repo)
    assert writer is not None
    message = audit.commit_message("x: 変更", command="test", records=["x"], article=None)
    ours = audit._objects_direct(repo, writer, old, texts, message, idents)
    theirs = audit._objects_by_git(repo, old, texts, message)
    assert ours == theirs
    fsck = subprocess.run(("git", "fsck", "--strict", "--no-dangling"), cwd=repo.top, capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def test_tree_order_is_gits(repo: audit.Repo):
    """'a' as a folder sorts as 'a/': after 'a-b.yaml' and 'a.b' but before 'a0'."""
    body = subprocess.run(("git", "cat-file", "tree", "HEAD:register"), cwd=repo.top, capture_output=True, check=True).stdout
    entries = gitobjects.parse_tree(body)
    assert gitobjects.tree_body(entries) == body
    assert list(gitobjects.parse_tree(gitobjects.tree_body(dict(reversed(list(entries.items())))))) == list(entries)


def test_objects_are_read_only_and_whole(repo: audit.Repo):
    writer = audit._object_writer(repo)
    oid = writer.write(b"blob", b"hello\n")
    path = repo.git_dir / "objects" / oid[:2] / oid[2:]
    assert oid == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object of "hello\n"
    assert not os.stat(path).st_mode & 0o222
    assert subprocess.run(("git", "cat-file", "-p", oid), cwd=repo.top, capture_output=True, check=True).stdout == b"hello\n"
    assert writer.write(b"blob", b"hello\n") == oid  # already there: left as it is
    assert not list(path.parent.glob("tmp_obj_*"))


@pytest.mark.parametrize("setting", [("commit.gpgsign", "true"), ("core.sharedRepository", "group"),
                                     ("i18n.commitEncoding", "ISO-8859-1")])
def test_git_writes_the_objects_where_the_repository_asks_for_more(repo: audit.Repo, setting: tuple[str, str]):
    git(repo.top, "config", *setting)
    assert audit._object_writer(repo) is None


@pytest.mark.parametrize("setting,hardened", [(None, False), (("core.fsync", "loose-object"), True),
                                              (("core.fsync", "committed,index"), True), (("core.fsyncObjectFiles", "true"), True),
                                              (("core.fsync", "reference"), False)])
def test_objects_are_hardened_when_git_is_asked_to_harden_them(repo: audit.Repo, setting, hardened: bool):
    if setting:
        git(repo.top, "config", *setting)
    assert audit._object_writer(repo).fsync is hardened


def test_a_commit_is_dated_when_it_is_made_not_when_the_command_started(monkeypatch):
    """`git var` runs before the lock; a command that waited for it gets the time of its commit."""
    monkeypatch.delenv("GIT_AUTHOR_DATE", raising=False)
    monkeypatch.delenv("GIT_COMMITTER_DATE", raising=False)
    monkeypatch.setattr(audit.time, "time", lambda: 1795700000.5)
    idents = ("官房 太郎 <taro@meti.invalid> 1795690000 +0900", "Ci <ci@x.invalid> 1795690000 -0130")
    assert audit._dated_now(idents) == ("官房 太郎 <taro@meti.invalid> 1795700000 +0900", "Ci <ci@x.invalid> 1795700000 -0130")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "1795690000 -0130")
    assert audit._dated_now(idents)[1] == idents[1]  # a date the user fixed is kept
