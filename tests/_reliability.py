"""Shared by the reliability tests (concurrency, crash): run meti-pi as real processes, check invariants."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

TODAY = "2026-11-26"
DIVISION_SETS = ("--set", "name=テスト課", "--set", "org=経済産業省", "--set", "manager_post=テスト課長")
SHARED = "divisions/shared"
SHARED_TEXT = "schema_version: 1\nid: shared\nname: 共有課  # a comment that must survive\norg: 経済産業省\nmanager_post: 共有課長\n"

# Edits one record through the write path (the way an editing command does): appends an item.
EDIT_DRIVER = r"""
import sys
from datetime import date
from pathlib import Path
from meti_pi import gitlayer
from meti_pi.actions.transaction import transaction
from meti_pi.errors import MetiPiError
root, key, item = sys.argv[1:4]
try:
    with transaction(Path(root), command="test-edit", summary="append " + item, today=date(2026, 11, 26)) as tx:
        doc = tx.edit(key)
        posts = doc.get("deputy_manager_posts")
        if posts is None:
            doc["deputy_manager_posts"] = [item]
        else:
            posts.append(item)
except MetiPiError as exc:
    sys.stderr.write(f"meti-pi: {exc}\n")
    sys.exit(exc.exit_code)
print(tx.commit_sha)
"""


def meti_cmd(root: Path, *args: str) -> list[str]:
    """argv running the real CLI as a separate process."""
    return [sys.executable, "-m", "meti_pi", "--register", str(root), "--today", TODAY, *args]


def edit_cmd(root: Path, key: str, item: str) -> list[str]:
    return [sys.executable, "-c", EDIT_DRIVER, str(root), key, item]


CRASH_HOOK_DIR = str(Path(__file__).resolve().parent / "crashhook")


def env(**extra: str) -> dict[str, str]:
    """The environment of a meti-pi subprocess; METI_PI_CRASH_AT=<phase> in `extra` makes it kill itself
    at that phase (tests/crashhook/sitecustomize.py installs the hook)."""
    out = dict(os.environ)
    out.pop("METI_PI_CRASH_AT", None)
    out.update(extra)
    if "METI_PI_CRASH_AT" in extra:
        out["PYTHONPATH"] = os.pathsep.join(p for p in (CRASH_HOOK_DIR, out.get("PYTHONPATH", "")) if p)
    return out


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(("git", *args), cwd=cwd, capture_output=True, text=True, check=False)


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").stdout.strip()


def commits_since(root: Path, base: str) -> list[str]:
    return git(root, "rev-list", "--reverse", f"{base}..HEAD").stdout.split()


def files_of(root: Path, sha: str) -> list[str]:
    return git(root, "show", "--name-only", "--format=", sha).stdout.split()


def invariant_violations(root: Path, *, fsck: bool = True) -> list[str]:
    """What is wrong with the register and its repository (empty list: all is well).

    - the register validates (no errors);
    - work tree and index equal HEAD (nothing half-written, no stray temporary file);
    - no journal left (after a command has run), and `git fsck --strict` is clean.
    """
    from meti_pi.checks.validate import validate_register
    from meti_pi.store.register import Register

    found: list[str] = []
    errors = [
        p.render() for p in validate_register(Register.load(root), date.fromisoformat(TODAY)) if p.severity == "error"
    ]
    if errors:
        found.append(f"register invalid: {errors[:3]}")
    status = git(root, "status", "--porcelain=v1", "--untracked-files=all", "--ignored").stdout
    if status.strip():
        found.append(f"work tree differs from HEAD: {status.strip()[:300]}")
    if git(root, "diff", "--cached", "--quiet").returncode != 0:
        found.append("index differs from HEAD")
    git_dir = Path(git(root, "rev-parse", "--absolute-git-dir").stdout.strip())
    if (git_dir / "meti-pi-journal.json").exists():
        found.append("journal left behind")
    kept = list(root.rglob("*.meti-pi-tmp-*"))
    if kept:
        found.append(f"temporary files left behind: {kept[:3]}")
    if (git_dir / "index.lock").exists():
        found.append("index.lock left behind")
    if fsck:
        proc = git(root, "fsck", "--strict", "--no-progress")
        bad = [line for line in (proc.stdout + proc.stderr).splitlines() if not line.startswith("dangling ")]
        if proc.returncode != 0 or bad:
            found.append(f"git fsck: rc={proc.returncode} {bad[:3]}")
    return found


# Every mutating command, one valid invocation each on the example register (in this order: later
# ones depend on earlier ones, e.g. acknowledge after submit). `{tmp}` is a scratch folder.
EXAMPLE_DATASET = str(Path(__file__).resolve().parent.parent / "examples" / "datasets" / "staff_utf8.csv")
MUTATING_ON_EXAMPLE: list[tuple[str, list[str]]] = [
    ("new", ["new", "systems", "--set", "name=監査対象システム", "--set", "beppyo_row=1"]),
    ("classify --record", ["classify", EXAMPLE_DATASET, "--record", "F-2026-113VYQ"]),
    ("notify draft", ["notify", "F-2026-WS4AX4", "--kind", "35-1", "--out", "{tmp}/drafts"]),
    ("notify submit", ["notify", "submit", "N-2026-272HE0", "--on", "2026-11-25"]),
    ("notify acknowledge", ["notify", "acknowledge", "N-2026-272HE0", "--on", "2026-11-26"]),
    (
        "notify log",
        ["notify", "log", "F-2026-88WMCK", "--kind", "use", "--summary", "統計作成に利用"],
    ),  # notified (Art. 38)
    (
        "incident open",
        ["incident", "open", "--known-on", "2026-11-20", "--summary", "書類の誤送付", "--division", "kanbo-jinji"],
    ),
    (
        "incident update",
        [
            "incident",
            "update",
            "INC-2026-H0JQNC",
            "--cause",
            "宛先確認の不足",
            "--measure-done",
            "二人確認の徹底",
            "--no-planned-measures",
        ],
    ),
    (
        "incident update --event",
        ["incident", "update", "INC-2026-H0JQNC", "--event", "final-report", "--on", "2026-11-26"],
    ),
    (
        "incident update --event 2",
        ["incident", "update", "INC-2026-H0JQNC", "--event", "principal-notice", "--on", "2026-11-26"],
    ),
    ("incident close", ["incident", "close", "INC-2026-H0JQNC", "--on", "2026-11-26"]),
    ("inspect --answers", ["inspect", "--answers", "{tmp}/answers.yaml"]),
    (
        "audit new",
        ["audit", "new", "--title", "定期監査", "--auditor", "監査官@kanbo-koho", "--division", "kanbo-jinji"],
    ),
]
ANSWERS = 'division: kanbo-koho\ninspected_on: 2026-10-01\nanswers:\n  "8-4": yes\n'
