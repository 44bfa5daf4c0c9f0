"""`meti-pi commit`: records edited by hand, validated and committed as one audit commit, under
the write transaction's lock and with its checks (actions.transaction)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from meti_pi import __version__
from meti_pi.actions.transaction import (
    BETWEEN_RECORDS,
    _errors_added,
    _ready,
    _safe_path,
    _screen_free_text,
)
from meti_pi.actions.uncommitted import _listed_by_status
from meti_pi.errors import RuleViolation, UsageError
from meti_pi.gitlayer import lock as lock_mod
from meti_pi.gitlayer.commit import commit_files, recover_noted
from meti_pi.gitlayer.runner import Repo, git, head_commit, text_at
from meti_pi.gitlayer.trailers import commit_message
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import limits
from meti_pi.store.policy import max_file_bytes
from meti_pi.store.problems import as_found_on_disk
from meti_pi.store.register import Register, is_register_file, tree_of


def _beside_records(rel: str, path: Path) -> str:
    """What to do with a file beside the records (init's .gitignore, the .schemas/ copies), which
    `meti-pi commit` does not take."""
    if path.is_dir() or not (path.exists() or path.is_symlink()):
        return ""
    if Path(rel).parts[:1] == (".schemas",):
        return "; the .schemas/ copies are written and committed by `meti-pi schemas --write`"
    return (
        "; meti-pi commits records only: commit a file beside them with git itself "
        f"(in the register's folder: `git commit -- {rel}`)"
    )


def commit_paths(
    root: Path,
    relpaths: list[str],
    *,
    command: str,
    summary: str,
    today: date,
    settings: Settings = DEFAULT,
    dry_run: bool = False,
) -> str | None:
    """Commit records edited by hand (after validation) as one audit commit; the sha, or None if
    unchanged ('' for `dry_run`: validated, not committed)."""
    from meti_pi.checks.incremental import data_kept
    from meti_pi.checks.validate import focus_of

    root = root.resolve()
    repo, timeout = _ready(root)
    with lock_mod.held(repo.git_dir / "meti-pi.lock", command=command, timeout=timeout, waiting=settings.lock_wait):
        recover_noted(repo, settings.here)
        base = head_commit(repo.top) or ""
        raw: dict[str, bytes | None] = {}
        for rel in relpaths:
            path = _safe_path(root, rel)
            if path.is_dir() or not is_register_file(rel):
                raise UsageError(
                    f"{rel}: not a register record file (<kind>/<id>.yaml, or register.yaml, policy.yaml, citations.yaml)"
                    + _beside_records(rel, path)
                )
            # Read as a regular file within the size limit: a FIFO named *.yaml must not block (#15).
            try:
                raw[rel] = limits.read_regular(path, max_file_bytes(str(root))) if path.exists() else None
            except limits.FileRefused as exc:
                raise UsageError(f"{rel}: {exc.strerror}; nothing was committed") from None
        # surrogateescape: a file in another encoding is compared, then refused by validation, not a crash
        texts = {rel: None if b is None else b.decode("utf-8", "surrogateescape") for rel, b in raw.items()}
        head_texts = {rel: text_at(repo, "HEAD", repo.git_path(rel)) for rel in relpaths}
        for rel in relpaths:
            if texts[rel] is None and head_texts[rel] is None:  # not a deletion either: a wrong path
                raise UsageError(f"{rel}: no such file in the work tree or the last commit; check the path")
        candidates = [rel for rel, t in texts.items() if t != head_texts[rel]]
        if candidates and base:
            # Bytes differ; git says whether the content does (a line-ending conversion or a filter
            # makes the work-tree bytes differ from the blob while the file is unchanged).
            sure = {r for r in candidates if head_texts[r] is None or texts[r] is None}  # added or removed
            candidates = _content_differs(repo, base, candidates, sure)
        changed = {rel: texts[rel] for rel in candidates}
        if not changed:
            return None
        _screen_free_text(root, changed, head_texts, on_disk=True)  # #15: hand edits too
        from meti_pi.classify.screening import check_text

        check_text("-m (the commit subject)", summary, "refuse", "A commit subject stays in the trail for good")
        # The register the commit will hold: HEAD's files with these edits (never the work tree's other
        # unsaved changes), or with no commit yet these files alone; a file that is not UTF-8 is read
        # from the work tree, which reports it (the commit is then refused for it).
        reg_at = None
        if any(t is not None and _has_surrogates(t) for t in changed.values()):
            reg = Register.load(root, settings=settings)
        elif base:
            reg_at = tree_of(root, base, settings)
            reg = Register.load(root, overlay=changed, at=reg_at, settings=settings)
        else:  # read without the read cache: a whole read keeps in it what it read, and drops the rest
            reg = Register.load(root, overlay=changed, at={}, settings=replace(settings, cache=False))
        # The records the edit can affect (validate.focus_of; the edited records alone when their data
        # is kept, DATA_KEPT); the whole register only where there is no focus (a root file edited).
        before = Register.load(root, at=reg_at, settings=settings) if reg_at is not None else None
        kept = before is not None and data_kept(before, reg, changed)
        focus = frozenset(rel[:-5] for rel in changed) if kept else focus_of(reg, changed)

        # The edit's errors: every error of an edited file (but a clash with another record that the
        # register held before, BETWEEN_RECORDS, which is reported at either record), and one the edit
        # adds elsewhere (a record deleted or renamed leaves those that name it dangling): an error the
        # register held before elsewhere is not the edit's.
        # (No commit yet: the commit holds the edited files alone, and there is no register before.)
        def held() -> Register | None:  # HEAD's register (read only when the edit shows an error)
            if before is not None or not base:
                return before
            return Register.load(root, at=tree_of(root, base, settings), settings=settings)

        found, added = _errors_added(reg, held, today, focus)
        if focus is not None:
            reg.flush_cache()
        problems = [p for p in found if p.path in changed and (p.code not in BETWEEN_RECORDS or p in added)] + [
            p for p in added if p.path not in changed and base
        ]
        if problems:
            # records on disk, edited by hand: a schema problem says what to write at its line, not new's --set
            raise RuleViolation(
                "not committed: the edited records have errors, or leave others with errors (nothing was committed)",
                tuple(as_found_on_disk(problems)),
            )
        if dry_run:
            return ""
        records = [p[: -len(".yaml")] for p in sorted(changed)]
        message = commit_message(
            f"{records[0]}: {summary}", command=command, records=records, article=None, version=__version__
        )
        # The person's own edits, already in the work tree: _commit leaves files holding the bytes
        # it would write as they are (the journal still covers `git add -N` of new files).
        return commit_files(
            repo,
            {rel: raw[rel] for rel in changed},
            message,
            base,
            {rel for rel in changed if head_texts[rel] is None},
            here=settings.here,
        )


def _content_differs(repo: Repo, base: str, rels: list[str], sure: set[str]) -> list[str]:
    """The files of `rels` whose work-tree content, as git would add it, is not `base`'s blob (`sure`:
    those added or removed). HASHED_NOT_STATUS (a speed trick the write bench needs at 100,000
    records): the files are hashed by `git hash-object --stdin-paths` (through each path's
    attributes and filters, as `git add` would) and compared with `base`'s blob ids (`git ls-tree`),
    instead of a `git status`, which reads and refreshes git's whole index (10 MB at 100k). Both
    ids come from git: no blob is named by hand."""
    old = [repo.git_path(r) for r in rels if r not in sure]
    if not old:
        return list(rels)
    if any("\n" in p or "\r" in p for p in old):  # not a line of --stdin-paths: git status says
        differ = _listed_by_status(repo, [repo.git_path(r) for r in rels])
        return [rel for rel in rels if repo.git_path(rel) in differ]
    blobs: dict[str, str | None] = {}
    listed = git(repo.top, "--literal-pathspecs", "ls-tree", "-z", "--full-tree", base, "--", *old)
    for entry in listed.split("\0"):
        head, _, gpath = entry.partition("\t")
        if head.count(" ") == 2:
            blobs[gpath] = head.split(" ")[2]
    hashed = git(repo.top, "hash-object", "--stdin-paths", input="".join(p + "\n" for p in old).encode("utf-8"))
    now = dict(zip(old, hashed.split()))
    return [r for r in rels if r in sure or blobs.get(repo.git_path(r)) != now.get(repo.git_path(r))]


def _has_surrogates(text: str) -> bool:
    """True for text read with errors='surrogateescape' from bytes that are not UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
