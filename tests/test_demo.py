"""`make demo`, the README's first command: the day's work on a temporary copy of the example
register, printed for a person to read (a log file or a pipe included), and this checkout untouched.

Slow: it runs every step of examples/demo.sh through the installed command (~15 s)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, git

pytestmark = pytest.mark.slow


def test_make_demo_prints_readable_steps_and_leaves_the_checkout_alone(tmp_path: Path) -> None:
    before = (git(REPO, "rev-parse", "HEAD"), git(REPO, "status", "--porcelain", "--untracked-files=all"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("METI_PI_")}
    env.update(TMPDIR=str(tmp_path), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
    done = subprocess.run(
        ["bash", str(REPO / "examples" / "demo.sh")], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in out + done.stderr and "unexpected error" not in out + done.stderr

    # This checkout: same commit, same files (its register/ included).
    assert (git(REPO, "rev-parse", "HEAD"), git(REPO, "status", "--porcelain", "--untracked-files=all")) == before
    # The copy it worked in is named, and holds the day's commits.
    where = re.search(r"The demo register is in (\S+) ", out)
    assert where and Path(where[1]).parent == tmp_path
    assert int(git(Path(where[1]), "rev-list", "--count", "HEAD")) >= 5

    # Written to a file or a pipe, plain text: no terminal escapes around the titles.
    assert "\x1b" not in out
    # Each step shows the command as one types it (a pipeline as a pipeline, not `bash -c ...`).
    shown = [line[2:] for line in out.splitlines() if line.startswith("$ ")]
    assert len(shown) >= 15
    assert all(c.startswith(("meti-pi ", "head ")) for c in shown), shown
    # The JSON step shows the first lines of the document, laid out: piped, --json is one line of
    # some 4,000 characters, which `head -n 40` printed whole.
    step = out.split("(JSON, first lines)\n", 1)[1].split("\n== ", 1)[0].splitlines()[1:]
    assert step[0] == "{" and len(step) == 40 and max(map(len, step)) < 300

    # The health-check file's record (4,812 本人) is classified from the facts its 管理者 states, not
    # from the 30-row sample the demo scans: recorded, the sample would put the file under 74-2-9
    # and out of the ファイル簿, and the demo would end by telling the reader to `git revert` it.
    assert "falls from" not in out + done.stderr and "git revert" not in out + done.stderr
    record = (Path(where[1]) / "register" / "files" / "F-2026-FZRXZV.yaml").read_text(encoding="utf-8")
    # the count stated is the one recorded: its as-of date, when it was established, stays
    assert re.search(r"^principals:\n  count: 4812\n  as_of: '2026-10-01'\n  basis: stated$", record, re.M), record
    trail = git(Path(where[1]), "log", "-1", "--format=%B", "--", "register/files/F-2026-FZRXZV.yaml")
    assert "Meti-Pi-Command: classify" in trail
