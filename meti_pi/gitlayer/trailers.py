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
    reads them: no subject or body forges one) and, with `files`, the register files each changed.

    One file's trail goes on past a rename (a record whose id changed: its file moved, `git mv` and
    `meti-pi commit`) with the file it was renamed from, as git finds renames (-M: the old file deleted
    in the commit that added this one, the two alike); the earlier commits' `files` name the path the
    record then had, and the rename commit's names both. Copies are not followed (a record made from
    another as a template is not given the other's trail), nor renames made in a merge."""
    repo = repo_of(register_root)
    if at is None and head_commit(register_root) is None:
        return []
    target = repo.git_path(relpath) if relpath else (repo.prefix or ".")
    commits = _log(repo.top, repo.prefix, target, limit, at, files)
    followed: set[str] = {target}
    while relpath and files and commits and (limit is None or len(commits) < limit):
        oldest = commits[-1]
        source = _renamed_from(repo.top, oldest["commit"], target)
        if source is None or source in followed:
            break
        followed.add(source)
        oldest["files"].append(source[len(repo.prefix) :] if source.startswith(repo.prefix) else source)
        target = source
        rest = limit - len(commits) if limit else None
        commits += _log(repo.top, repo.prefix, target, rest, f"{oldest['commit']}^", files)
    return commits


def _log(top: Path, prefix: str, target: str, limit: int | None, rev: str | None, files: bool) -> list[dict[str, Any]]:
    marker = gitlog.new_marker()
    fields = ("H", "an", "aI", "cI", "s")
    args = ["log", "-z", f"--format={gitlog.log_format(marker, *fields)}"]
    if files:
        args.append("--name-only")
    if limit:
        args.append(f"-n{limit}")
    if rev is not None:
        args.append(rev)
    out = git(top, *args, "--", target)
    commits = []
    for entry in gitlog.parse(out, marker, *fields):
        trailers = entry.trailers
        commit: dict[str, Any] = {
            "commit": entry.fields["H"],
            "author": entry.fields["an"],
            "date": entry.fields["aI"],  # the author date: anyone can set it (git commit --date)
            "committed": entry.fields["cI"],  # the day it entered the trail
            "subject": entry.fields["s"],
            "command": next(iter(trailers.get(TRAILER_COMMAND) or ()), None),
            "records": trailers.get(TRAILER_RECORD, []),
            "article": next(iter(trailers.get(TRAILER_ARTICLE) or ()), None),
            "version": next(iter(trailers.get(TRAILER_VERSION) or ()), None),  # None: made before it was written
        }
        if files:
            commit["files"] = [f[len(prefix) :] if f.startswith(prefix) else f for f in entry.tail]
        commits.append(commit)
    return commits


def _renamed_from(top: Path, sha: str, gpath: str) -> str | None:
    """The path `gpath` was renamed from in commit `sha` (against its parent; none for a root commit or
    a merge), as `git diff-tree -M` finds renames: never a copy, the source deleted in that commit."""
    folder = gpath.rpartition("/")[0] or "."  # a record is renamed within its kind's folder
    args = ("diff-tree", "-r", "-M", "--diff-filter=R", "--name-status", "-z", "--no-commit-id", sha, "--", folder)
    out = git(top, *args, check=False)
    tokens = out.split("\0")
    i = 0
    while i < len(tokens) - 1:
        status = tokens[i]
        if status.startswith("R") and i + 2 < len(tokens):
            if tokens[i + 2] == gpath:
                return tokens[i + 1]
            i += 3
        else:
            i += 2
    return None


def trail_line(commit: dict[str, Any], *, sha_chars: int = 10) -> str:
    """One commit of `history` as the trail is read by a person (`history`, an evidence pack's
    trail.txt): `SHA DATE AUTHOR: SUBJECT [COMMAND Art. ARTICLE] meti-pi VERSION`, the sha's first
    `sha_chars` characters; `[hand edit]` where meti-pi's trailers are absent, no version for a
    commit made before Meti-Pi-Version was written; `(committed DAY)` after the date where the commit
    date is another day than the author date."""
    c = commit
    tag = f"[{c['command']}{' Art. ' + c['article'] if c['article'] else ''}]" if c["command"] else "[hand edit]"
    made_by = f" meti-pi {c['version']}" if c["version"] else ""
    # a date anyone can set (git commit --date): the day it entered the trail beside it, where another
    when = c["date"][:10] + (f" (committed {c['committed'][:10]})" if c["committed"][:10] != c["date"][:10] else "")
    return f"{c['commit'][:sha_chars]} {when} {c['author']}: {c['subject']} {tag}{made_by}"
