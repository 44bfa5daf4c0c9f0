"""A record checked out with CRLF line ends (a Windows work tree, `core.autocrlf`, `eol=crlf`) or
committed with them keeps them when a command edits it: the change is the lines it changes, not a
rewrite of every line, and no line is left with a stray CR (the YAML writer kept one inside the
first comment, the modeline, and wrote every other line LF)."""

from __future__ import annotations

import shutil
import subprocess

from _reliability import env, meti_cmd
from conftest import git, make_register

INCIDENT = "register/incidents/INC-2026-H0JQNC.yaml"
UPDATE = ["incident", "update", "INC-2026-H0JQNC", "--event", "note", "--note", "改行試験"]


def _blob(repo, rev):
    return subprocess.run(
        ["git", "cat-file", "blob", f"{rev}:{INCIDENT}"], cwd=repo, capture_output=True, check=True
    ).stdout


def _run(root, *argv):
    proc = subprocess.run(meti_cmd(root, *argv), capture_output=True, text=True, env=env(), timeout=120)
    assert proc.returncode == 0, (proc.stdout[-500:], proc.stderr[-800:])


def test_a_record_committed_with_crlf_keeps_crlf_and_a_small_diff(tmp_path):
    root = make_register(tmp_path, example=True)
    repo = root.parent
    path = repo / INCIDENT
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    git(repo, "commit", "-q", "-am", "a record saved with CRLF")
    _run(root, *UPDATE)
    blob = _blob(repo, "HEAD")
    assert blob.count(b"\n") == blob.count(b"\r\n")  # every line CRLF, none mixed
    stat = git(repo, "diff", "--numstat", "HEAD~1", "HEAD", "--", INCIDENT).split()
    assert stat[1] == "0", stat  # lines added, none rewritten
    assert git(repo, "status", "--porcelain") == ""


def test_an_autocrlf_work_tree_is_written_as_a_checkout_would_have_it(tmp_path):
    root = make_register(tmp_path, example=True)
    repo = root.parent
    git(repo, "config", "core.autocrlf", "true")
    shutil.rmtree(root / "incidents")
    git(repo, "checkout", "--", "register/incidents")
    _run(root, *UPDATE)
    written = (repo / INCIDENT).read_bytes()
    assert written.count(b"\n") == written.count(b"\r\n")  # the work tree stays CRLF, not mixed
    assert b"\r" not in _blob(repo, "HEAD")  # git made the blob LF
    assert git(repo, "status", "--porcelain") == ""


def test_a_record_saved_with_a_byte_order_mark_keeps_it(tmp_path):
    """A record saved as "UTF-8 with BOM" (Notepad) lost its mark when a command edited it: the first
    line showed as changed in the trail. The mark is kept; the change is the lines it changes."""
    root = make_register(tmp_path, example=True)
    repo = root.parent
    path = repo / INCIDENT
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    git(repo, "commit", "-q", "-am", "a record saved with a BOM")
    _run(root, *UPDATE)
    assert _blob(repo, "HEAD").startswith(b"\xef\xbb\xbf") and b"\xef\xbb\xbf" not in _blob(repo, "HEAD")[3:]
    stat = git(repo, "diff", "--numstat", "HEAD~1", "HEAD", "--", INCIDENT).split()
    assert stat[1] == "0", stat  # lines added, the first one not rewritten
    assert git(repo, "status", "--porcelain") == ""
    _run(root, "validate")
