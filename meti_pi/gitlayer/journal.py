"""The journal of a change being written, and the recovery of one a crash interrupted.

A change writes its files into the work tree first and then lets `git commit` record them (the
commit point is git's own ref update). Before it writes anything it notes in
`.git/meti-pi-journal.json`, per file, the SHA-256 of the bytes there before and of the bytes it
will write, and keeps the old file beside the new one (`.<name>.meti-pi-tmp-old`, a hard link:
no space needed to put it back). Recovery, under the register lock:

- the change is in HEAD's history (its `Meti-Pi-Change` trailer): it was committed; nothing to
  redo, the journal and the kept old files are dropped;
- it is not: every file still holding the bytes the change wrote is put back as it was; a file
  whose bytes are neither (someone edited it since) is never overwritten: recovery refuses (exit 3)
  and says how to resolve it.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path, PurePosixPath
from typing import Any

from meti_pi.errors import MetiPiError
from meti_pi.gitlayer import lock as lock_mod
from meti_pi.gitlayer.fs import TMP, crash_point, digest, fsync_dir, read_or_none, write_atomic
from meti_pi.gitlayer.runner import Repo, bytes_at, git, run

JOURNAL = "meti-pi-journal.json"
TRAILER_CHANGE = "Meti-Pi-Change"


def kept_path(path: Path) -> Path:
    """Where the old version of a file is kept while a change is written."""
    return path.parent / f".{path.name}{TMP}old"


def keep_old(path: Path) -> None:
    """Keep the current file beside itself (a hard link; a copy where links are not possible)."""
    kept = kept_path(path)
    kept.unlink(missing_ok=True)
    try:
        os.link(path, kept)
    except FileNotFoundError:
        return
    except OSError:
        write_atomic(kept, path.read_bytes())


# -- the journal -----------------------------------------------------------------------------


def journal_path(repo: Repo) -> Path:
    return repo.git_dir / JOURNAL


def write_journal(repo: Repo, journal: dict[str, Any]) -> None:
    write_atomic(journal_path(repo), json.dumps(journal).encode("utf-8"))


def drop_journal(repo: Repo, journal: dict[str, Any]) -> None:
    """The change is finished (committed or undone): remove the kept old files, then the journal."""
    for gpath in journal["files"]:
        kept_path(repo.top / gpath).unlink(missing_ok=True)
    journal_path(repo).unlink(missing_ok=True)


def committed_as(repo: Repo, journal: dict[str, Any]) -> str | None:
    """The commit holding the journal's change (found by its Meti-Pi-Change trailer), or None."""
    found, _ = change_commit(repo, journal)
    return found[0] if found else None


def change_commit(repo: Repo, journal: dict[str, Any]) -> tuple[list[str], set[str]]:
    """[commit, its parents...] of the journal's change in HEAD's history, and the paths that commit
    changed against its first parent ([], set() when it is not there). By its trailer, not by
    HEAD: someone may have committed on top of it already."""
    base = journal.get("base") or ""
    out = git(
        repo.top,
        "log",
        "-n1",
        "--format=%H %P",
        "--name-only",
        "--no-renames",
        "--root",
        "-z",
        "--fixed-strings",
        f"--grep={TRAILER_CHANGE}: {journal['change']}",
        *([f"{base}..HEAD"] if base else ["HEAD"]),
        "--",
        check=False,
    )
    head, _, names = out.partition("\0")
    return head.split(), {name for name in names.lstrip("\n").split("\0") if name}


def in_head(repo: Repo, journal: dict[str, Any]) -> bool:
    """Every file of the change holds in HEAD the bytes the change wrote (read through git's
    filters, as a checkout has them): the change is in HEAD, whichever commit carried it."""
    return all(digest(bytes_at(repo, "HEAD", gpath)) == f["new"] for gpath, f in journal["files"].items())


def undo(repo: Repo, journal: dict[str, Any], here: Path | None = None) -> None:
    """Put back every file the uncommitted change wrote; refuse (nothing touched) where a file holds
    bytes that are neither the old ones nor the change's (the git commands it advises name the files
    as typed in `here`, the current folder: Repo.typed_from)."""
    todo: list[tuple[Path, dict[str, Any]]] = []
    changed: list[str] = []
    for gpath, f in journal["files"].items():
        path = repo.top / gpath
        now = digest(read_or_none(path))
        if now == f["old"]:
            continue  # not written yet (or already put back)
        if now == f["new"]:
            todo.append((path, f))
            continue
        changed.append(gpath)
    if changed:
        names = ", ".join(repo.typed_from(here, g) for g in changed)
        first, git_ = shlex.quote(repo.typed_from(here, changed[0])), repo.git_from(here)
        raise MetiPiError(
            f"a meti-pi change was interrupted before it was committed, and {names} changed since it was written; "
            f"nothing was overwritten. Look at it (`{git_} diff -- {first}`). To keep it as it is now, delete "
            f"{journal_path(repo)}; to drop it, run `{git_} restore -- {first}` and then delete that file. "
            "Then run the command again."
        )
    for path, f in todo:
        kept = kept_path(path)
        if f["old"] is None:
            path.unlink(missing_ok=True)
        elif digest(read_or_none(kept)) == f["old"]:
            os.replace(kept, path)
            fsync_dir(path.parent)
        else:  # cannot happen: the old file is kept before the new one is written
            raise MetiPiError(
                f"{path}: the version before the interrupted change was not kept; restore it with `git restore`"
            )
        crash_point("file-restored")
    intent = [g for g in journal.get("intent", []) if not (repo.top / g).exists()]
    if intent:  # announced to git (`git add -N`) before the crash? (ls-files reads the index without its lock)
        listed = run(repo.top, ("--literal-pathspecs", "ls-files", "-z", "--", *intent)).stdout.decode(
            "utf-8", "replace"
        )
        intent = [g for g in listed.split("\0") if g]
    if intent:  # new files announced to git and now gone again
        proc = run(
            repo.top, ("--literal-pathspecs", "rm", "-q", "--cached", "--ignore-unmatch", "--", *intent), detached=True
        )
        if proc.returncode != 0:  # the files are back as they were; the next command tries this again
            said = proc.stderr.decode("utf-8", "replace").strip()
            raise MetiPiError(
                f"could not take {', '.join(intent)} out of git's index again ({said}); run the command "
                "again once git can write its index (git's words say why: another git command holding "
                ".git/index.lock, or a full disk)"
            )
    sweep(repo, journal)


def sweep(repo: Repo, journal: dict[str, Any]) -> None:
    """Temporary files a killed command left beside the files it wrote (only ever called under the lock)."""
    for gpath in journal["files"]:
        target = repo.top / gpath
        if target.parent.is_dir():
            for leftover in target.parent.glob(f".{_glob_escape(target.name)}{TMP}*"):
                if leftover.name != kept_path(target).name:
                    leftover.unlink(missing_ok=True)


def _glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def _check_shape(journal: Any) -> None:
    """ValueError unless `journal` has the shape commit_files writes (a damaged or hand-made one is
    refused with recover's message, never a Python error)."""
    if not isinstance(journal, dict) or journal.get("version") != 2:
        raise ValueError("another version")
    files = journal.get("files")
    if (
        not isinstance(journal.get("change"), str)
        or not isinstance(journal.get("base", ""), str)
        or not isinstance(files, dict)
        or not isinstance(journal.get("intent", []), list)
        or not all(isinstance(g, str) for g in journal.get("intent", []))
        or not all(
            isinstance(f, dict) and all(isinstance(f.get(k), (str, type(None))) for k in ("old", "new"))
            for f in files.values()
        )
    ):
        raise ValueError("not the shape of a meti-pi journal")
    for gpath in [*files, *journal.get("intent", [])]:  # paths in the repository, as commit_files writes them
        parts = PurePosixPath(gpath).parts
        if not parts or gpath.startswith("/") or ".." in parts or "\\" in gpath or ".git" in parts:
            raise ValueError(f"a path outside the register's repository: {gpath!r}")


def recover(repo: Repo, here: Path | None = None) -> str | None:
    """Finish an interrupted change (call with the register lock held); what was done, or None.
    `here`: the folder the command runs in, which the advice of a refusal names files from."""
    path = journal_path(repo)
    for leftover in repo.git_dir.glob(f".{JOURNAL}{TMP}*"):
        leftover.unlink(missing_ok=True)
    if not path.exists():
        return None
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
        _check_shape(journal)
    except (OSError, ValueError) as exc:
        raise MetiPiError(
            f"{path} (the journal of an interrupted meti-pi change) cannot be read ({exc}); nothing was "
            "changed. Check `git status` for files it may have written, then delete that file"
        ) from None
    sha = committed_as(repo, journal)
    if sha:
        sweep(repo, journal)
        drop_journal(repo, journal)
        return f"an interrupted change had been committed ({sha[:10]}); nothing left to do"
    if in_head(repo, journal):
        # Committed, but under another commit's message (see gitlayer.commit.MESSAGE_TAKEN): putting
        # the old files back would only make the work tree differ from HEAD.
        sweep(repo, journal)
        drop_journal(repo, journal)
        return (
            "an interrupted change is in HEAD, but no commit carries its Meti-Pi-Change trailer (a `git commit` "
            "run meanwhile took its message?); run `meti-pi history --verify`"
        )
    undo(repo, journal, here)
    drop_journal(repo, journal)
    return "undid an interrupted change that had not been committed"


def recover_if_needed(register_root: Path, *, timeout: float = 5.0, here: Path | None = None) -> str | None:
    """For read commands: finish an interrupted change if one is pending and no command is running."""
    from meti_pi.gitlayer.runner import repo_of

    for folder in (register_root, *register_root.parents):
        # Cheap look first (no git process): every read command calls this.
        dot_git = folder / ".git"
        if dot_git.is_dir():
            if not (dot_git / JOURNAL).exists():
                return None
            break
        if dot_git.exists():
            break  # a worktree or submodule: ask git where its directory is
    try:
        repo = repo_of(register_root)
    except MetiPiError:
        return None
    if not journal_path(repo).exists():
        return None
    lock_path = repo.git_dir / "meti-pi.lock"
    if lock_mod.inherited(lock_path):
        return None  # run by a hook of the writing command itself: its change is not interrupted
    with lock_mod.held(lock_path, command="recover", timeout=timeout):
        return recover(repo, here)
