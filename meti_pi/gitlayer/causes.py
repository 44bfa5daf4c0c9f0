"""Why a git write failed, in words for the person running meti-pi: git's own text is kept, and the
likely cause is put before it where git's text does not say it (a full disk, a hook that refused)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from meti_pi.gitlayer.runner import git

# What git says when the disk is full, over quota or read-only, and how meti-pi names it.
_GIT_SPACE = {
    "No space left on device": "the disk is full",
    "Out of diskspace": "the disk is full",
    "Disk quota exceeded": "the disk quota is exceeded",
    "Read-only file system": "the file system is read-only",
}

# git could not write a lock file it had just made: "fatal: cannot update ref 'refs/heads/main':
# couldn't write '.git/refs/heads/main.lock'" (refs/files-backend.c drops the errno). Making the file
# takes no space, its 41 bytes do: on a full disk (a 3 MB tmpfs filled to 284 KB short of it) or quota
# this is where git's commit stops, and git does not say why.
_LOCK_WRITE = re.compile(r"couldn't write '[^']*\.lock'")


def space_cause(said: str) -> str | None:
    """The shortage git's stderr `said` shows (ENOSPC, EDQUOT, EROFS, or a lock file git could not
    write), in meti-pi's words; None when it shows none."""
    named = next((name for mark, name in _GIT_SPACE.items() if mark in said), None)
    if named is None and _LOCK_WRITE.search(said):
        return "the disk is probably full (or over quota): git could not write its lock file"
    return named


# HOOKS: meti-pi commits with `git commit --no-verify`, so the pre-commit and commit-msg hooks do
# not run; a prepare-commit-msg hook does, and when it exits non-zero git stops with no word of its
# own (exit 1; only what the hook printed, if anything). A reference-transaction hook refusing makes
# git say "ref updates aborted by hook", not which one. Neither names the hook: meti-pi does.


def hook_cause(top: Path, command: str, said: str, out: str = "") -> str | None:
    """The hook that refused a `git commit` (git's stderr `said`, its stdout `out`), with where to
    see it; None when git's own words give another cause or the repository has no such hook. git
    runs a hook with its stdout on stderr: what is on stdout is git's own ("nothing to commit",
    the prepare-commit-msg hook not yet run), not the hook's."""
    if command != "commit" or out.strip():
        return None
    if "aborted by hook" in said:
        name = "reference-transaction"
    elif any(line.startswith(("fatal:", "error:")) for line in said.splitlines()):
        return None  # git says why itself
    else:
        name = "prepare-commit-msg"
    hook = (top / git(top, "rev-parse", "--git-path", f"hooks/{name}", check=False).strip()).resolve()
    if not hook.is_file() or not os.access(hook, os.X_OK):  # git runs only an executable hook
        return None
    return f"the repository's {name} hook refused the commit (see it: `cat {hook}`)"
