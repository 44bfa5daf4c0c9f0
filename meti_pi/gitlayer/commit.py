"""Committing a change: exactly the given files, with `git commit --only`, under a journal.

What git needs before (`in_progress`, `identity`, `branch_of`), the journal and the atomic writes
(`commit_files`: the files are put back as they were on any failure before git's commit point),
git's own retries (the cause of its failure, a full disk or a refusing hook: causes.py), and the
warnings for the person running the command (`notes`: the git layer prints nothing; the CLI writes
them to stderr after each command).
The change itself, and its validation, are the caller's (meti_pi.actions.transaction).
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from meti_pi.errors import MetiPiError
from meti_pi.gitlayer import journal as jr
from meti_pi.gitlayer.causes import hook_cause, space_cause
from meti_pi.gitlayer.fs import crash_point, digest, os_message, read_or_none, write_atomic
from meti_pi.gitlayer.runner import GitFailed, Repo, git, git_bytes, head_commit, run

TRAILER_CHANGE = jr.TRAILER_CHANGE


def branch_of(cwd: Path) -> str:
    """The branch HEAD names in the repository holding `cwd`; refused when HEAD is detached."""
    ref = git(cwd, "symbolic-ref", "-q", "HEAD", check=False).strip()
    if not ref:
        raise MetiPiError("HEAD is detached; check out a branch (`git switch main`) so the audit commit is not lost")
    return ref


# Warnings for the person running the command (the git layer prints nothing: the CLI drains this
# after each command and writes it to stderr).
notes: list[str] = []


def in_progress(repo: Repo) -> None:
    """Refuse a repository in the middle of a merge, rebase, cherry-pick, revert or bisect."""
    for marker, what in (
        ("MERGE_HEAD", "a merge"),
        ("rebase-merge", "a rebase"),
        ("rebase-apply", "a rebase or am"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
        ("BISECT_LOG", "a bisect"),
    ):
        if (repo.git_dir / marker).exists():
            raise MetiPiError(f"the repository is in the middle of {what}; finish or abort it first")


def identity(cwd: Path, var: str) -> str:
    """`var` (GIT_AUTHOR_IDENT or GIT_COMMITTER_IDENT) as git would write it now in the repository
    holding `cwd`; refused when git has none."""
    # useConfigOnly: an identity guessed from the user and host names (root@host) is no identity.
    ident = git(cwd, "-c", "user.useConfigOnly=true", "var", var, check=False).strip()
    if not ident:
        raise MetiPiError(
            'git has no identity; set it with `git config user.name "..."` and `git config user.email "..."`'
        )
    return ident


def recover_noted(repo: Repo, here: Path | None = None) -> None:
    note = jr.recover(repo, here)
    if note:
        notes.append(note)


MOVED = (
    "a commit was made in this repository while the command ran (not by meti-pi); nothing was written. "
    "Run the command again: it will start from the new commit."
)


def register_changed(repo: Repo, old: str, new: str, paths: Sequence[str] = ()) -> list[str]:
    """Register files (or `paths`) that differ between two commits."""
    out = git(
        repo.top,
        "--literal-pathspecs",
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        old,
        new,
        "--",
        *(paths or [repo.prefix or "."]),
        check=False,
    )
    return [p for p in out.split("\0") if p]


def _git_write(repo: Repo, args: Sequence[str], *, input: bytes | None = None, retry: float = 2.0) -> None:
    """A git command that writes, started in its own session (see runner.run). While another git
    holds `.git/index.lock` it is retried for `retry` seconds; then, and on any other failure,
    GitFailed with git's own words (for a stale lock, git's advice on removing it)."""
    deadline = time.monotonic() + retry
    delay = 0.02
    while True:
        proc = run(repo.top, ("--literal-pathspecs", *args), input=input, detached=True)
        if proc.returncode == 0:
            return
        said = proc.stderr.decode("utf-8", "replace")
        if ".lock': File exists" in said and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
            continue
        lines = [line.strip() for line in said.strip().splitlines() if line.strip()]
        if ".lock': File exists" in said:
            # git's own explanation and advice ("Another git process seems to be running ... remove the file manually")
            raise GitFailed(f"git {args[0]} failed: {' '.join(lines)}", said)
        # git's cause ("error: gpg failed to sign the data") comes before its last word ("fatal: failed
        # to write commit object"); with nothing on stderr, its stdout says why ("nothing to commit")
        causes = [line for line in lines[:-1] if line.startswith("error:")][-2:]
        out = proc.stdout.decode("utf-8", "replace")
        told = lines or [line.strip() for line in out.splitlines() if line.strip()]
        detail = " ".join([*causes, told[-1]]) if told else f"exit {proc.returncode}"
        cause = space_cause(said) or hook_cause(repo.top, args[0], said, out)
        raise GitFailed(f"{cause + ': ' if cause else ''}git {args[0]} failed: {detail}", said)


class EditedMeanwhile(MetiPiError):
    """A file meti-pi was about to write no longer holds the bytes it was judged by: someone saved it."""


def _edited(gpath: str) -> EditedMeanwhile:
    return EditedMeanwhile(
        f"{gpath} was edited while meti-pi was writing it (someone saved it meanwhile); it was not overwritten"
    )


def commit_files(
    repo: Repo,
    changes: dict[str, bytes | None],
    message: str,
    base: str,
    untracked: set[str],
    seen: Mapping[str, str | None] | None = None,
    here: Path | None = None,
) -> str:
    """Write `changes` (register-relative path -> bytes, None: remove) into the work tree and commit
    exactly those paths with `git commit --only`; the new commit's id. `untracked`: the paths (of
    `changes`) HEAD does not hold, announced to git first (`git add --intent-to-add`; not `git
    update-index --add`, which writes the file's blob into the object store before it fails on a
    held index lock, where `git add` writes nothing: tests/test_bad_input.py, index-locked).

    Before the commit point every failure (disk full, read-only, git refusing) puts the files back
    as they were and raises MetiPiError (exit 3): nothing is committed, staged or left half-written.
    `seen`: (repository path -> SHA-256) the bytes the caller found in the work tree when it checked
    that no one's work is there; a file saved since (an editor's save) is never overwritten: refused
    here, or, while the files are written, last before each rename. `here`: the folder the command
    runs from, where the git commands a message advises after the commit point are typed
    (Repo.typed_from, Repo.git_from: a path from the top is wrong in a sub-folder; `git -C TOP` from
    outside the repository); None: from the top.
    """
    change = os.urandom(8).hex()
    message = message + f"{TRAILER_CHANGE}: {change}\n"
    files: dict[str, dict[str, Any]] = {}
    olds: dict[str, bytes | None] = {}
    for rel, data in changes.items():
        gpath = repo.git_path(rel)
        olds[gpath] = read_or_none(repo.top / gpath)
        files[gpath] = {"old": digest(olds[gpath]), "new": digest(data)}
        if seen is not None and gpath in seen and files[gpath]["old"] != seen[gpath]:
            raise MetiPiError(f"{_edited(gpath)}; nothing was written or committed. Run the command again")
    intent = sorted(repo.git_path(rel) for rel, data in changes.items() if data is not None and rel in untracked)
    journal = {"version": 2, "change": change, "base": base, "files": files, "intent": intent}
    try:
        jr.write_journal(repo, journal)
    except OSError as exc:
        jr.journal_path(repo).unlink(missing_ok=True)
        raise MetiPiError(
            os_message(exc, "writing the journal in .git") + "; nothing was written or committed. "
            "Free some space (or make it writable) and run the command again"
        ) from None
    crash_point("journal")
    try:
        for rel, data in changes.items():
            gpath = repo.git_path(rel)
            path = repo.top / gpath
            try:
                if data is None:
                    _keep_unedited(path, gpath, files[gpath])
                    path.unlink(missing_ok=True)
                elif digest(read_or_none(path)) != files[gpath]["new"]:
                    write_atomic(
                        path,
                        data,
                        phase="tmp-written",
                        before_replace=partial(_keep_unedited, path, gpath, files[gpath]),
                    )
                else:
                    jr.keep_old(path)
            except OSError as exc:
                raise MetiPiError(os_message(exc, f"writing {gpath}")) from None
            crash_point("file-written")
        crash_point("files-written")
        if intent:
            _git_write(repo, ("add", "--force", "--intent-to-add", "--", *intent))
        for attempt in range(20):
            try:
                _git_write(
                    repo,
                    (
                        "commit",
                        "--quiet",
                        "--no-verify",
                        "--cleanup=verbatim",
                        "--file=-",
                        "--only",
                        "--",
                        *sorted(files),
                    ),
                    input=message.encode("utf-8"),
                )
                break
            except GitFailed as exc:
                if _EMPTY_MESSAGE in exc.stderr and attempt < 19:
                    continue  # COMMIT_EDITMSG emptied by a commit made by hand (see MESSAGE_TAKEN): no commit was made
                # A commit made by hand while git committed (git's compare-and-swap on the branch
                # refused ours): try again on top of it, unless it changed the register.
                if "but expected" not in exc.stderr or attempt == 19:
                    raise
                now = head_commit(repo.top)
                if base and (not now or register_changed(repo, base, now)):
                    raise MetiPiError(MOVED.replace("; nothing was written", "")) from None
    except MetiPiError as exc:
        done = jr.committed_as(repo, journal)
        if done:  # git failed after its commit point (e.g. writing the index): the change is in
            _finish(repo, journal)
            raise MetiPiError(
                f"the change WAS committed as {done[:12]}, but {exc}; check `{repo.git_from(here)} status` "
                "(the files are in the work tree)"
            ) from None
        if jr.in_head(repo, journal):  # a commit made by hand took the written files (`git commit -a`)
            _finish(repo, journal)
            raise MetiPiError(
                f"{exc}: a `git commit` made by hand while meti-pi ran committed the files it had written "
                f"({', '.join(sorted(files))}) under its own message, as {(head_commit(repo.top) or '?')[:12]}. "
                "The change IS in HEAD, without meti-pi's trailers; the files are kept as HEAD holds them. "
                "Run `meti-pi history --verify` and record the correction. Don't commit by hand while a "
                "meti-pi command runs"
            ) from None
        try:
            jr.undo(repo, journal)
            jr.drop_journal(repo, journal)
        except (OSError, MetiPiError) as undo_exc:
            raise MetiPiError(
                f"{exc}; nothing was committed, and putting the files back failed too ({undo_exc}). "
                "Run any meti-pi command again when the cause is fixed: it finishes the cleanup"
            ) from None
        raise MetiPiError(
            f"{exc}; nothing was committed and no file was changed. Fix the cause and run the command again"
        ) from None
    crash_point("committed")
    # From here on the change is committed: nothing below may pretend otherwise.
    found, paths = jr.change_commit(repo, journal)
    # (paths: a file written as HEAD holds it is no change; the message: a prepare-commit-msg hook may add to it)
    if not found or not paths or not paths <= set(files) or message.encode() not in _message_of(repo, found[0]):
        _message_taken(repo, journal, found)
    new, parents = found[0], found[1:]
    _finish(repo, journal)
    if base and parents and parents != [base]:
        # A commit made by hand between the last check and `git commit` (git does not know meti-pi's
        # lock): harmless unless it touched the register.
        touched = register_changed(repo, base, parents[0], list(files))
        if touched:
            raise MetiPiError(
                f"the change WAS committed as {new[:12]}, but a commit made by hand meanwhile also changed "
                f"{', '.join(repo.typed_from(here, g) for g in touched)}; check `{repo.git_from(here)} show "
                f"{new[:12]}` and revert what it should not hold"
            )
        others = register_changed(repo, base, parents[0])
        if others:
            notes.append(
                "warning: a commit made meanwhile by hand changed "
                f"{', '.join(repo.typed_from(here, g) for g in others)}; the change "
                f"{new[:12]} was checked against the register before it. Run `meti-pi validate`"
            )
    _changed_again(repo, new, list(files), here)
    for gpath, f in files.items():
        if digest(read_or_none(repo.top / gpath)) != f["new"]:
            _committed_as_written(repo, new, gpath, changes[gpath[len(repo.prefix) :]], here)
            shown = repo.typed_from(here, gpath)
            notes.append(
                f"warning: {shown} changed in the work tree while meti-pi committed it; "
                f"check `{repo.git_from(here)} diff HEAD -- {shlex.quote(shown)}`"
            )
    return new


def _committed_as_written(repo: Repo, new: str, gpath: str, data: bytes | None, here: Path | None) -> None:
    """The file changed in the work tree after meti-pi wrote it: did git read it before or after?
    Compared as git stores it (`hash-object --path`: the path's filters and line-ending conversion),
    with the blob the commit holds; MetiPiError when the commit holds someone's text, not meti-pi's."""
    if data is None:
        return
    want = git(repo.top, "hash-object", f"--path={gpath}", "--stdin", input=data).strip()
    held = git(repo.top, "--literal-pathspecs", "rev-parse", "--verify", "-q", f"{new}:{gpath}", check=False).strip()
    if held != want:
        shown, git_ = repo.typed_from(here, gpath), repo.git_from(here)
        raise MetiPiError(
            f"the change WAS committed as {new[:12]}, but {shown} was saved by someone after meti-pi wrote it and "
            "before git read it: the commit holds that text, not the text meti-pi validated. Check "
            f"`{git_} show {new[:12]} -- {shlex.quote(shown)}`; correct it (`meti-pi commit`) or "
            f"`{git_} revert {new[:12]}`"
        )


def _keep_unedited(path: Path, gpath: str, entry: dict[str, Any]) -> None:
    """Keep the file about to be replaced beside it (journal.keep_old), then make sure it still holds
    the bytes the journal noted: an editor's save since then is refused (EditedMeanwhile), the file
    left as saved (its journal entry now names those bytes, so the undo leaves it alone)."""
    jr.keep_old(path)
    now = digest(read_or_none(jr.kept_path(path)))
    if now != entry["old"]:
        jr.kept_path(path).unlink(missing_ok=True)
        entry["old"] = now
        raise _edited(gpath)


# MESSAGE_TAKEN: git's own race between two `git commit`s, which meti-pi's lock cannot prevent (a
# commit made by hand does not take it). `git commit` writes its message to .git/COMMIT_EDITMSG, one
# file for every commit in progress, and reads it back before making the commit; it reads HEAD and
# the index before it takes index.lock, and moves the branch before it writes the new index.
# So a `git commit` run by hand at the same moment as meti-pi's can: empty meti-pi's message (git
# aborts; no commit: tried again, _EMPTY_MESSAGE), swap messages with it (found after the commit:
# the commit carrying meti-pi's trailer does not hold the change; _message_taken), or commit the
# index as it was before meti-pi's commit on top of it, changing the record back (seen when it
# lands before meti-pi finishes: _changed_again; `meti-pi history --verify` reports it in any
# case, as a commit changing register files without the trailers). Reproduced with git alone.
_EMPTY_MESSAGE = "Aborting commit due to empty commit message"


def _message_of(repo: Repo, sha: str) -> bytes:
    """A commit's message as git stored it (no re-encoding, unlike `git log`)."""
    return git_bytes(repo.top, "cat-file", "commit", sha).partition(b"\n\n")[2]


def _message_taken(repo: Repo, journal: dict[str, Any], found: list[str]) -> None:
    """git made the commit, but the commit carrying the change's trailer does not hold the change or
    meti-pi's message as written (or no commit carries it): a `git commit` made by hand at the same
    moment wrote into the message (MESSAGE_TAKEN). Say what is in HEAD; the journal stays when the
    change is not in it."""
    where = f"; meti-pi's trailers are on {found[0][:12]}" if found else "; no commit carries meti-pi's trailers"
    if jr.in_head(repo, journal):
        _finish(repo, journal)
        state = "The change IS in HEAD, but not under meti-pi's message as written"
    else:
        state = "The change is NOT in HEAD (the next meti-pi command puts the files back as they were)"
    raise MetiPiError(
        "a `git commit` made by hand at the same moment took meti-pi's commit message or wrote into it (git keeps "
        f"one .git/COMMIT_EDITMSG for every commit being made), or a prepare-commit-msg hook rewrote it{where}. "
        f"{state}: run `meti-pi history --verify` and record the correction. Don't commit by hand while a "
        "meti-pi command runs; a hook may add to meti-pi's message, not change it"
    )


def _changed_again(repo: Repo, new: str, gpaths: list[str], here: Path | None) -> None:
    """A commit made by hand right after ours that changed its files again: mostly git's own race
    (MESSAGE_TAKEN: a `git commit` that read the index before ours wrote it, putting the records
    back). Only seen when it lands before meti-pi finishes; `meti-pi history --verify` always sees it."""
    now = head_commit(repo.top)
    if now == new or not now:
        return
    touched = register_changed(repo, new, now, gpaths)
    if touched:
        shown = [repo.typed_from(here, g) for g in touched]
        raise MetiPiError(
            f"the change WAS committed as {new[:12]}, but a commit made by hand at the same moment changed "
            f"{', '.join(shown)} again (git's own race between two `git commit`s: it may have put back the "
            f"index from before meti-pi's commit). Check `{repo.git_from(here)} log -p {new[:12]}..HEAD -- "
            f"{shlex.quote(shown[0])}` and "
            "`meti-pi history --verify`; don't commit by hand while a meti-pi command runs"
        )


def _finish(repo: Repo, journal: dict[str, Any]) -> None:
    """After the commit point: drop the kept old files and the journal; a failure here only leaves
    work for the next command's recovery, and says so."""
    try:
        jr.drop_journal(repo, journal)
    except OSError as exc:
        notes.append(
            f"warning: the change is committed, but {os_message(exc, 'removing the journal')}; "
            "the next meti-pi command finishes it"
        )
