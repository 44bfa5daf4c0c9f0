"""Reading the trail: meti-pi's trailers in git's history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from meti_pi.gitlayer.runner import git, head_commit, repo_of
from meti_pi.gitlayer.transaction import TRAILER_ARTICLE, TRAILER_COMMAND, TRAILER_RECORD

def parse_trailers(text: str) -> dict[str, list[str]]:
    """`Key: value` lines of `%(trailers:unfold,only)` as key -> values (a key may repeat)."""
    trailers: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            trailers.setdefault(key, []).append(value.strip())
    return trailers


def history(register_root: Path, relpath: str | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Commits touching the register (or one file), newest first, with their meti-pi trailers."""
    repo = repo_of(register_root)
    if head_commit(register_root) is None:
        return []
    target = repo.git_path(relpath) if relpath else (repo.prefix or ".")
    args = ["log", "--format=%x1e%H%x1f%an%x1f%aI%x1f%s%x1f%(trailers:unfold,only)%x1f", "--name-only"]
    if limit:
        args.append(f"-n{limit}")
    out = git(repo.top, *args, "--", target)
    commits = []
    for chunk in out.split("\x1e")[1:]:
        fields = chunk.split("\x1f")
        if len(fields) < 6:
            continue
        sha, author, when, subject, trailer_text, names = fields[:6]
        trailers = parse_trailers(trailer_text)
        files = [f.strip() for f in names.splitlines() if f.strip()]
        commits.append({
            "commit": sha, "author": author, "date": when, "subject": subject,
            "command": (trailers.get(TRAILER_COMMAND) or [None])[0],
            "records": trailers.get(TRAILER_RECORD, []),
            "article": (trailers.get(TRAILER_ARTICLE) or [None])[0],
            "files": [f[len(repo.prefix):] if f.startswith(repo.prefix) else f for f in files],
        })
    return commits
