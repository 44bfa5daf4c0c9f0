"""meti-pi's trailers: written into each commit message (`commit_message`), and read back from
git's history as git's own trailer parser reads them (no subject or body can forge one:
meti_pi.gitlog)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from meti_pi import gitlog
from meti_pi.gitlayer.runner import git, head_commit, repo_of

TRAILER_COMMAND = "Meti-Pi-Command"
TRAILER_RECORD = "Meti-Pi-Record"
TRAILER_ARTICLE = "Meti-Pi-Article"
# The meti-pi that made the commit (its package version, given by the caller: actions pass
# meti_pi.__version__), so the trail says which code decided a change. Trails before it have none.
TRAILER_VERSION = "Meti-Pi-Version"
# What a recorded classification was decided with: one per vocabulary file, the register's copy by
# its blob id (`NAME copy BLOB`) or the package's (`NAME package VERSION BLOB`) (actions.classify).
TRAILER_VOCABULARY = "Meti-Pi-Vocabulary"


def commit_message(
    subject: str,
    *,
    command: str,
    records: Sequence[str],
    article: str | None,
    version: str,
    body: str = "",
    extra: Sequence[tuple[str, str]] = (),
) -> str:
    """`<kind>/<id>: <summary>` and the meti-pi trailers (`version`: meti-pi's, the caller's to give);
    `extra`: further (key, value) trailers, after them."""
    lines = [subject.strip().splitlines()[0] if subject.strip() else "meti-pi change", ""]
    if body.strip():
        lines += [body.strip(), ""]
    lines.append(f"{TRAILER_COMMAND}: {command}")
    lines += [f"{TRAILER_RECORD}: {r}" for r in records]
    if article:
        lines.append(f"{TRAILER_ARTICLE}: {article}")
    lines.append(f"{TRAILER_VERSION}: {version}")
    lines += [f"{key}: {value}" for key, value in extra]
    return "\n".join(lines) + "\n"


def history(register_root: Path, relpath: str | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Commits touching the register (or one file), newest first, with their meti-pi trailers."""
    repo = repo_of(register_root)
    if head_commit(register_root) is None:
        return []
    target = repo.git_path(relpath) if relpath else (repo.prefix or ".")
    marker = gitlog.new_marker()
    fields = ("H", "an", "aI", "s")
    args = ["log", "-z", f"--format={gitlog.log_format(marker, *fields)}", "--name-only"]
    if limit:
        args.append(f"-n{limit}")
    out = git(repo.top, *args, "--", target)
    commits = []
    for entry in gitlog.parse(out, marker, *fields):
        trailers = entry.trailers
        commits.append(
            {
                "commit": entry.fields["H"],
                "author": entry.fields["an"],
                "date": entry.fields["aI"],
                "subject": entry.fields["s"],
                "command": next(iter(trailers.get(TRAILER_COMMAND) or ()), None),
                "records": trailers.get(TRAILER_RECORD, []),
                "article": next(iter(trailers.get(TRAILER_ARTICLE) or ()), None),
                "version": next(iter(trailers.get(TRAILER_VERSION) or ()), None),  # None: made before it was written
                "files": [f[len(repo.prefix) :] if f.startswith(repo.prefix) else f for f in entry.tail],
            }
        )
    return commits
