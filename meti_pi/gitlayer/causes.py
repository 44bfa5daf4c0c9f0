"""Why a git write failed, in words for the person running meti-pi: git's own text is kept, and the
likely cause is put before it where git's text does not say it (a hook that refused)."""

from __future__ import annotations

import os
from pathlib import Path

from meti_pi.gitlayer.runner import git

# HOOKS: meti-pi commits with `git commit --no-verify`, so the pre-commit and commit-msg hooks do
# not run; a prepare-commit-msg hook does, and when it exits non-zero git stops with no word of its
# own (exit 1; only what the hook printed, if anything). A reference-transaction hook refusing makes
# git say "ref updates aborted by hook", not which one. Neither names the hook: meti-pi does.


def hook_cause(top: Path, command: str, said: str) -> str | None:
    """The hook that refused a `git commit` (git's stderr `said`), with where to see it; None when
    git's own words give another cause or the repository has no such hook."""
    if command != "commit":
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
