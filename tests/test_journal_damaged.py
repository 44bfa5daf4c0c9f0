"""A journal of the wrong shape (valid JSON, but not what meti-pi writes: hand-made, cut, another
version's) stops every command with recover's message naming the file (exit 3), never a Python
error, and nothing is written."""

from __future__ import annotations

import json
import subprocess

import pytest
from _reliability import env, head, meti_cmd
from conftest import git, make_register

SHAPES = [
    '{"version": 2}',
    '{"version": 2, "change": "x", "files": []}',
    '{"version": 2, "change": "x", "files": {"a.yaml": 1}}',
    '{"version": 2, "change": "x", "files": {}, "intent": [1]}',
    "[2]",
]


def _a_write(root):
    """A write command (it recovers a pending journal under the lock first)."""
    argv = meti_cmd(root, "incident", "update", "INC-2026-H0JQNC", "--event", "note", "--note", "n")
    return subprocess.run(argv, capture_output=True, text=True, env=env(), timeout=120)


@pytest.mark.parametrize("text", SHAPES)
def test_a_journal_of_the_wrong_shape_is_refused_with_a_message(tmp_path, text):
    root = make_register(tmp_path, example=True)
    journal = root.parent / ".git" / "meti-pi-journal.json"
    journal.write_text(text)
    before = head(root)
    for argv in (["validate"], ["incident", "update", "INC-2026-H0JQNC", "--event", "note", "--note", "n"]):
        proc = subprocess.run(meti_cmd(root, *argv), capture_output=True, text=True, env=env(), timeout=120)
        assert proc.returncode == 3, (argv, proc.stderr[-800:])
        assert "meti-pi-journal.json" in proc.stderr and "cannot be read" in proc.stderr, proc.stderr[-800:]
        assert "Traceback" not in proc.stderr and "Error:" not in proc.stderr, proc.stderr[-800:]
    assert head(root) == before and journal.read_text() == text
    assert git(root.parent, "status", "--porcelain") == ""


def test_an_index_git_cannot_write_during_recovery_is_said_with_both_causes(tmp_path):
    """Undoing a new file announced to git needs git's index: when git cannot write it, the message
    named only "another git command" (an adversarial review made it fail on a full disk)."""
    root = make_register(tmp_path, example=True)
    repo = root.parent
    new = "register/incidents/INC-2026-ZZZZZZ.yaml"
    from meti_pi.gitlayer.fs import digest

    (repo / new).write_bytes(b"schema_version: 1\n")
    git(repo, "add", "-N", new)
    journal = {"version": 2, "change": "x-1", "files": {new: {"old": None, "new": digest(b"schema_version: 1\n")}}}
    journal["intent"] = [new]
    (repo / ".git" / "meti-pi-journal.json").write_text(json.dumps(journal))
    (repo / ".git" / "index.lock").write_text("")
    proc = _a_write(root)
    assert proc.returncode == 3, proc.stderr[-800:]
    assert "out of git's index again" in proc.stderr and "index.lock, or a full disk" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/hostname", "register/../../outside.txt", ".git/config"])
def test_a_journal_naming_a_path_outside_the_repository_is_refused(tmp_path, path):
    """Recovery deletes or restores the files a journal names: a hand-made one naming a file outside the
    repository (or git's own) is refused with recovery's message, and that file is left alone."""
    root = make_register(tmp_path, example=True)
    victim = tmp_path / "outside.txt"
    victim.write_text("keep me")
    journal = {"version": 2, "change": "x-1", "files": {path: {"old": None, "new": None}}, "intent": []}
    (root.parent / ".git" / "meti-pi-journal.json").write_text(json.dumps(journal))
    proc = _a_write(root)
    assert proc.returncode == 3 and "cannot be read" in proc.stderr and "outside" in proc.stderr, proc.stderr[-600:]
    assert victim.read_text() == "keep me" and (root.parent / ".git" / "config").exists()
