"""A journal of the wrong shape (valid JSON, but not what meti-pi writes: hand-made, cut, another
version's) stops every command with recover's message naming the file (exit 3), never a Python
error, and nothing is written."""

from __future__ import annotations

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
