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


def history(
    register_root: Path,
    relpath: str | None = None,
    *,
    limit: int | None = None,
    at: str | None = None,
    files: bool = True,
) -> list[dict[str, Any]]:
    """Commits touching the register (or one file), newest first, from HEAD or from the commit `at`
    (an evidence pack's: inspect.evidence), with their meti-pi trailers (as git's trailer parser
    reads them: no subject or body forges one) and, with `files`, the register files each changed."""
    repo = repo_of(register_root)
    if at is None and head_commit(register_root) is None:
        return []
    target = repo.git_path(relpath) if relpath else (repo.prefix or ".")
    marker = gitlog.new_marker()
    fields = ("H", "an", "aI", "s")
    args = ["log", "-z", f"--format={gitlog.log_format(marker, *fields)}"]
    if files:
        args.append("--name-only")
    if limit:
        args.append(f"-n{limit}")
    if at is not None:
        args.append(at)
    out = git(repo.top, *args, "--", target)
    commits = []
    for entry in gitlog.parse(out, marker, *fields):
        trailers = entry.trailers
        commit: dict[str, Any] = {
            "commit": entry.fields["H"],
            "author": entry.fields["an"],
            "date": entry.fields["aI"],
            "subject": entry.fields["s"],
            "command": next(iter(trailers.get(TRAILER_COMMAND) or ()), None),
            "records": trailers.get(TRAILER_RECORD, []),
            "article": next(iter(trailers.get(TRAILER_ARTICLE) or ()), None),
            "version": next(iter(trailers.get(TRAILER_VERSION) or ()), None),  # None: made before it was written
        }
        if files:
            commit["files"] = [f[len(repo.prefix) :] if f.startswith(repo.prefix) else f for f in entry.tail]
        commits.append(commit)
    return commits


def trail_line(commit: dict[str, Any], *, sha_chars: int = 10) -> str:
    """One commit of `history` as the trail is read by a person (`history`, an evidence pack's
    trail.txt): `SHA DATE AUTHOR: SUBJECT [COMMAND Art. ARTICLE] meti-pi VERSION`, the sha's first
    `sha_chars` characters; `[hand edit]` where meti-pi's trailers are absent, no version for a
    commit made before Meti-Pi-Version was written."""
    c = commit
    tag = f"[{c['command']}{' Art. ' + c['article'] if c['article'] else ''}]" if c["command"] else "[hand edit]"
    made_by = f" meti-pi {c['version']}" if c["version"] else ""
    return f"{c['commit'][:sha_chars]} {c['date'][:10]} {c['author']}: {c['subject']} {tag}{made_by}"
