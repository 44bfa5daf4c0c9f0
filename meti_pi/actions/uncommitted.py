"""The refusal of someone's uncommitted work in the files a change writes: the write path's guard
(actions.transaction) that meti-pi commits no one's unsaved or staged edits under its name, nor a
change computed from a HEAD that has since moved. A repository with no commit yet and a register
already in its work tree (`_refuse_uncommitted_register`); the files a change must write, staged
(`_staged_or_moved`, beside the validation: EARLY_CHECK) or edited in the work tree (`_refuse_dirty`);
what `git status` lists of them (`_listed_by_status`, also for `meti-pi commit`: actions.hand_commit).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from meti_pi.early import Early
from meti_pi.errors import MetiPiError
from meti_pi.gitlayer.commit import MOVED, register_changed
from meti_pi.gitlayer.fs import digest, read_or_none
from meti_pi.gitlayer.runner import Repo, git, head_commit
from meti_pi.store.advised import Advised
from meti_pi.store.cache import blob_id
from meti_pi.store.locate import REGISTER_FILE
from meti_pi.store.record import is_register_file


def _refuse_uncommitted_register(root: Path) -> None:
    """With no commit yet, a register already in the work tree is in no commit: a change checked
    against it would be committed without the records it rests on (`init`, which writes the
    register itself, finds none)."""
    if (root / REGISTER_FILE).exists():
        raise MetiPiError(
            f"the repository has no commit yet: {REGISTER_FILE} and the register's other files are in no "
            "commit, so a change cannot be checked against what its commit would hold; nothing was written. "
            "Commit the register first (`git add -A` and `git commit` in it, or `meti-pi commit` of its "
            "files), then run the command again"
        )


CHECK_THREAD = "meti-pi-early-check"  # the name of EARLY_CHECK's threads (tests look for them)

# EARLY_CHECK (a speed trick the write bench needs at 100,000 records): git checks run in a
# thread while the caller goes on (meti_pi.early.Early), used for the identity and branch checks (`_ready`, three git processes, one thread each) beside finding
# the repository and reading the policy, and for the staged-work check beside the validation.
#
# git's part of the write path's refusal of someone's uncommitted work (`_staged_or_moved`: `git
# rev-parse HEAD`, `git diff-index --cached`, which reads git's whole index, 20-40 ms at 100k) needs
# only the paths the change writes; it runs while the change is screened and validated (Python
# work: the thread mostly waits on git, which runs on another core) and is waited for before
# anything is written. The same checks: the work-tree files are still read just before they are
# written (`_refuse_dirty`, in the caller's thread), and git's own commit may still meet a commit
# made by hand (gitlayer.commit checks that after it). The thread is handed plain data only: the
# lazily read register is not safe to share between threads.


def _staged_or_moved(repo: Repo, gpaths: list[str], base: str) -> set[str]:
    """git's part of `_refuse_dirty`: MetiPiError when HEAD is no longer `base` in a way that touches
    the register; the paths of `gpaths` (repository paths) whose staged content differs from `base`.
    Run beside the validation (EARLY_CHECK)."""
    if not base:
        return set()  # no commit yet: `git status` says everything (_refuse_dirty)
    # The staged check starts at once, beside `git rev-parse` (it does not depend on its answer):
    # started after it, it waited for the validation's thread to hand back the interpreter.
    staged = Early(_staged_paths, repo, gpaths, base, name=CHECK_THREAD)
    try:
        now = head_commit(repo.top)
        # Commits made meanwhile outside the register (git knows nothing of meti-pi's lock) leave the
        # change as valid as it was; one that touched the register may invalidate what was decided.
        if now != base and (not now or register_changed(repo, base, now)):
            raise MetiPiError(MOVED)
    finally:
        staged.wait()  # no git process of the check outlives it
    return staged.result()


def _staged_paths(repo: Repo, gpaths: list[str], base: str) -> set[str]:
    """The paths of `gpaths` whose staged content differs from `base` (`git diff-index --cached`)."""
    staged = git(
        repo.top,
        "--literal-pathspecs",
        "diff-index",
        "--cached",
        "--name-only",
        "-z",
        base,
        "--",
        *gpaths,
        env={"GIT_OPTIONAL_LOCKS": "0"},
    )
    return {p for p in staged.split("\0") if p}


def _refuse_dirty(
    repo: Repo,
    relpaths: list[str],
    at: Mapping[str, str] | None,
    base: str,
    staged: set[str] | None = None,
    *,
    here: Path | None = None,
) -> dict[str, str | None]:
    """Refuse when a file the command must write holds someone's uncommitted work (in the work tree
    or staged), or when HEAD is no longer the commit the change was computed from. `staged`: what
    `_staged_or_moved` found, when it ran already (EARLY_CHECK); the work-tree files are read here,
    just before they are written. The SHA-256 of the bytes read (repository path -> digest), which
    the write checks again (gitlayer.commit: a file saved since is not overwritten). `here`: the
    folder the advised commands are typed in (Settings.here; store.advised)."""
    gpaths = [repo.git_path(r) for r in relpaths]
    if staged is None:
        staged = _staged_or_moved(repo, gpaths, base)
    raws = {gpath: read_or_none(repo.top / gpath) for gpath in gpaths}
    unsure = gpaths
    dirty: set[str] = set(staged)
    if at is not None:
        # Fast path, no git process: the work-tree bytes are HEAD's blob (no filter or line-ending
        # conversion in between). Anything else is asked of git, which applies them.
        unsure = []
        for rel, gpath in zip(relpaths, gpaths):
            raw = raws[gpath]
            expected = at.get(rel)
            if raw is None and expected is None:
                continue
            if raw is not None and expected is not None and blob_id(raw) == expected:
                continue
            unsure.append(gpath)
    # `git status`'s code of each path it lists: what is uncommitted, and the way out a refusal gives
    # (a path found staged but not asked of `git status` counts as staged: what_to_do)
    codes = status_codes(repo, unsure) if unsure else {}
    dirty.update(codes)
    if dirty:
        # `meti-pi commit` takes record files only: the editor schemas (.schemas/) are committed with git
        records = all(is_register_file(rel) for rel, gpath in zip(relpaths, gpaths) if gpath in dirty)
        raise MetiPiError(
            "uncommitted edits in file(s) this command must write: "
            + "; ".join(what_to_do(codes, staged, dirty, records=records, said=Advised(repo, here)))
        )
    return {gpath: digest(raw) for gpath, raw in raws.items()}


def what_to_do(
    codes: Mapping[str, str], staged: set[str], dirty: set[str], *, records: bool, said: Advised
) -> list[str]:
    """The uncommitted paths grouped by what is uncommitted, each group with the way out that works
    for it: `git restore PATH` does nothing for a file git does not hold, and `git restore --staged
    --worktree` would delete a new file staged; `meti-pi commit` takes a record edited, deleted, new
    or staged, as the work tree holds it. `codes`: `git status`'s XY of each path (a path the early
    check found staged, or `git status` no longer lists, counts as staged). `said`: the paths and
    commands as typed where the person is (a path from the repository's top is wrong in a sub-folder)."""
    groups: dict[str, list[str]] = {"edited": [], "untracked": [], "staged": [], "staged new": []}
    for gpath in sorted(dirty):
        xy = codes.get(gpath, "M ")
        shown = said.path(gpath)
        if xy == "??":
            groups["untracked"].append(shown)
        elif xy[0] == "A":
            groups["staged new"].append(shown)
        elif gpath in staged or xy[0] != " ":
            groups["staged"].append(shown)
        else:
            groups["edited"].append(shown + (" (deleted)" if xy[1] == "D" else " (edited)"))
    git_ = said.git
    commit = f"`{said.commit} PATH`" if records else f"git (`{git_} add PATH` and `{git_} commit -- PATH`)"
    advice = {
        "edited": "{paths}: commit {it} with {commit}, or discard the change with `{git} restore PATH`",
        "untracked": "{paths} (new, in no commit; `git restore` does nothing for {it}): commit {it} with {commit}, "
        "or move {it} out of the register or delete {it}",
        "staged": "{paths} (staged): commit {it} with {commit} (as the work tree holds {it}), or discard the change "
        "with `{git} restore --staged --worktree PATH`",
        "staged new": "{paths} (staged, new, in no commit): commit {it} with {commit} (as the work tree holds {it}), "
        "or unstage {it} with `{git} restore --staged PATH` and move {it} out of the register or delete {it}",
    }
    return [
        advice[group].format(paths=", ".join(paths), it="them" if len(paths) > 1 else "it", commit=commit, git=git_)
        for group, paths in groups.items()
        if paths
    ]


def _listed_by_status(repo: Repo, gpaths: list[str]) -> set[str]:
    """The paths of `gpaths` `git status` lists (differing between HEAD, the index and the work tree)."""
    return set(status_codes(repo, gpaths))


def status_codes(repo: Repo, gpaths: list[str]) -> dict[str, str]:
    """`git status`'s two-letter code (XY: index, work tree; `??` untracked) of each path of `gpaths`
    it lists (differing between HEAD, the index and the work tree)."""
    # GIT_OPTIONAL_LOCKS=0: a status must not take .git/index.lock from under the user's own git
    out = git(
        repo.top,
        "--literal-pathspecs",
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--no-renames",
        "--",
        *gpaths,
        env={"GIT_OPTIONAL_LOCKS": "0"},
    )
    codes: dict[str, str] = {}
    for entry in out.split("\0"):
        if entry:  # a path deleted in the index and back in the work tree is listed twice: "D " first, then "??"
            codes.setdefault(entry[3:], entry[:2])
    return codes
