"""The audit trail: every change is one git commit holding exactly the files the command wrote.

The only module that runs git. It uses the git command line (as pre-commit does), not an
index object kept in memory: a commit is built from blobs in a private index file, so the
user's own staged or unstaged work can never be folded into an audit commit.

Order of a change, chosen so that a command killed at any point leaves a valid register and
can simply be run again:
  lock -> finish any interrupted change (journal) -> check -> compute -> validate ->
  write blobs + tree + commit object -> journal -> move the branch (the commit point) ->
  write the working-tree files atomically -> refresh the index -> drop the journal -> unlock.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import sys
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi import limits
from meti_pi import lock as lock_mod
from meti_pi.errors import MetiPiError, Problem, RuleViolation, UsageError
from meti_pi.ids import allocate, valid_id
from meti_pi.kinds import KINDS

ZERO = "0" * 40
TRAILER_COMMAND = "Meti-Pi-Command"
TRAILER_RECORD = "Meti-Pi-Record"
TRAILER_ARTICLE = "Meti-Pi-Article"


# -- test hook -------------------------------------------------------------------------------


def _crash_point(phase: str) -> None:
    """Crash-safety test hook: METI_PI_CRASH_AT=<phase> kills this process (SIGKILL) at that point.

    Phases, in order: locked, validated, objects, journal, committed, tmp-written, file-written,
    files-written, indexed, done. Used by tests/test_crash.py; never set it in normal use.
    """
    if os.environ.get("METI_PI_CRASH_AT") == phase:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))  # Windows: SIGTERM terminates at once


# -- running git ---------------------------------------------------------------------------


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEEP_GIT_ENV}
    env["LC_ALL"] = "C"
    env["GIT_TERMINAL_PROMPT"] = "0"
    if extra:
        env.update(extra)
    return env


# Identity and config may legitimately come from the environment; where the repo is may not
# (a GIT_DIR left over from a hook would point git at another repository).
_KEEP_GIT_ENV = frozenset(
    {"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
     "GIT_COMMITTER_DATE", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_COUNT"}
    | {f"GIT_CONFIG_{kv}_{i}" for kv in ("KEY", "VALUE") for i in range(10)}
)


def git(cwd: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None, check: bool = True) -> str:
    """Run git in `cwd`; its stdout as text. MetiPiError (exit 3) when git fails and `check`."""
    try:
        proc = subprocess.run(("git", *args), cwd=cwd, input=input, capture_output=True, env=_clean_env(env), check=False,
                              pass_fds=lock_mod.held_fds())
    except FileNotFoundError:
        raise MetiPiError("git is not installed or not on PATH; install git") from None
    if check and proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MetiPiError(f"git {args[0]} failed: {detail[-1] if detail else 'exit ' + str(proc.returncode)}")
    return proc.stdout.decode("utf-8", "replace")


def git_bytes(cwd: Path, *args: str) -> bytes:
    proc = subprocess.run(("git", *args), cwd=cwd, capture_output=True, env=_clean_env(), check=False, pass_fds=lock_mod.held_fds())
    if proc.returncode != 0:
        raise MetiPiError(f"git {args[0]} failed")
    return proc.stdout


@dataclass(frozen=True, slots=True)
class Repo:
    """Where the register sits in git."""

    top: Path  # work tree root
    git_dir: Path
    prefix: str  # register root relative to `top`, '' or 'register/' (with trailing slash)

    def git_path(self, relpath: str) -> str:
        return self.prefix + relpath


def repo_of(register_root: Path) -> Repo:
    """The git work tree holding the register; MetiPiError when there is none."""
    out = git(register_root, "rev-parse", "--is-inside-work-tree", "--show-toplevel", "--absolute-git-dir", check=False)
    lines = out.splitlines()
    if len(lines) < 3 or lines[0] != "true":
        raise MetiPiError(f"{register_root} is not inside a git work tree; run `git init` there (the git history is the audit trail)")
    top = Path(lines[1]).resolve()
    prefix = os.path.relpath(register_root.resolve(), top).replace(os.sep, "/")
    return Repo(top=top, git_dir=Path(lines[2]), prefix="" if prefix == "." else prefix + "/")


def head_commit(register_root: Path) -> str | None:
    """The commit HEAD points at (None in a repository without commits)."""
    out = git(register_root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
    return out or None


def _branch(repo: Repo) -> str:
    ref = git(repo.top, "symbolic-ref", "-q", "HEAD", check=False).strip()
    if not ref:
        raise MetiPiError("HEAD is detached; check out a branch (`git switch main`) so the audit commit is not lost")
    return ref


def _check_repo_state(repo: Repo) -> tuple[str, str]:
    """Refuse a repository in the middle of something, or without an identity; the (author,
    committer) identities as git would write them now."""
    for marker, what in (("MERGE_HEAD", "a merge"), ("rebase-merge", "a rebase"), ("rebase-apply", "a rebase or am"),
                         ("CHERRY_PICK_HEAD", "a cherry-pick"), ("REVERT_HEAD", "a revert"), ("BISECT_LOG", "a bisect")):
        if (repo.git_dir / marker).exists():
            raise MetiPiError(f"the repository is in the middle of {what}; finish or abort it first")
    idents = []
    for var in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        # useConfigOnly: an identity guessed from the user and host names (root@host) is no identity.
        ident = git(repo.top, "-c", "user.useConfigOnly=true", "var", var, check=False).strip()
        if not ident:
            raise MetiPiError('git has no identity; set it with `git config user.name "..."` and `git config user.email "..."`')
        idents.append(ident)
    return idents[0], idents[1]


def _dated_now(idents: tuple[str, str]) -> tuple[str, str]:
    """The identities `git var` gave before the lock, with the time now (as `git commit-tree` would
    stamp them): a command that waited for the lock must not commit with a time before its parent's.
    A date fixed in GIT_AUTHOR_DATE / GIT_COMMITTER_DATE is kept."""
    now = str(int(time.time()))
    out = []
    for ident, fixed in zip(idents, ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE")):
        who, _, stamp = ident.rpartition(">")
        parts = stamp.split()
        out.append(ident if os.environ.get(fixed) or len(parts) != 2 else f"{who}> {now} {parts[1]}")
    return out[0], out[1]


def _object_writer(repo: Repo) -> Any:
    """A gitobjects.Writer for this repository, or None where git must write the objects itself
    (another object format, shared-repository permissions, signed commits, a non-UTF-8 encoding)."""
    from meti_pi import gitobjects

    listing = git(repo.top, "config", "-z", "--list", check=False)
    config: dict[str, str] = {}
    for item in listing.split("\0"):
        key, _, value = item.partition("\n")
        config[key.lower()] = value
    if config.get("extensions.objectformat", "sha1").lower() != "sha1" or config.get("core.sharedrepository", "") not in ("", "false", "umask", "0"):
        return None
    if config.get("commit.gpgsign", "false").lower() not in ("false", "no", "off", "0", ""):
        return None
    if config.get("i18n.commitencoding", "utf-8").lower().replace("-", "") not in ("utf8",):
        return None
    common = repo.git_dir
    pointer = repo.git_dir / "commondir"  # a linked work tree: objects live in the main repository
    if pointer.is_file():
        common = (repo.git_dir / pointer.read_text(encoding="utf-8").strip()).resolve()
    objects = common / "objects"
    hardened = {c.strip() for c in config.get("core.fsync", "").lower().split(",")} & {"loose-object", "objects", "committed", "all"}
    fsync = bool(hardened) or config.get("core.fsyncobjectfiles", "false").lower() in ("true", "yes", "on", "1")
    return gitobjects.Writer(objects, fsync=fsync) if objects.is_dir() else None


# -- commit messages -----------------------------------------------------------------------


def commit_message(subject: str, *, command: str, records: Sequence[str], article: str | None, body: str = "") -> str:
    """`<kind>/<id>: <summary>` and the meti-pi trailers."""
    lines = [subject.strip().splitlines()[0] if subject.strip() else "meti-pi change", ""]
    if body.strip():
        lines += [body.strip(), ""]
    lines.append(f"{TRAILER_COMMAND}: {command}")
    lines += [f"{TRAILER_RECORD}: {r}" for r in records]
    if article:
        lines.append(f"{TRAILER_ARTICLE}: {article}")
    return "\n".join(lines) + "\n"


# -- the transaction -------------------------------------------------------------------------


@dataclass
class Transaction:
    """The changes one command makes, applied as one commit when the block ends."""

    root: Path
    repo: Repo
    today: date
    command: str
    article: str | None
    summary: str
    dry_run: bool
    texts: dict[str, str | None] = field(default_factory=dict)  # relpath -> new text (None: delete)
    _docs: dict[str, Any] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    commit_sha: str | None = None
    problems_added: list[Problem] = field(default_factory=list)
    # The register files of the commit the change will sit on (relpath -> blob id; None before the
    # first commit): a change is decided and validated against the register as that commit holds
    # it (Register.load(at=...)), never against someone's unsaved edits in the work tree.
    at: dict[str, str] | None = None
    # Edited records whose comments could not be kept (yamlio.dump_checked): said in the commit and on stderr.
    comments_lost: list[str] = field(default_factory=list)

    # -- what commands call
    def read_text(self, relpath: str) -> str | None:
        """Current text of a register file (pending changes first)."""
        if relpath in self.texts:
            return self.texts[relpath]
        from meti_pi import yamlload

        path = _safe_path(self.root, relpath)
        if not path.is_file():
            return None
        try:
            return yamlload.decode(path.read_bytes())
        except yamlload.YamlFault as fault:
            # A record committed by hand in another encoding: refuse with its location, never crash.
            raise RuleViolation(f"{relpath}: cannot be edited: {fault}", (Problem(relpath, fault.line, "encoding", str(fault)),)) from None

    def edit(self, key: str) -> Any:
        """The ruamel round-trip document of record `key` ('files/F-...'), to change in place."""
        from meti_pi import yamlio

        relpath = key if key.endswith(".yaml") else key + ".yaml"
        if relpath not in self._docs:
            text = self.read_text(relpath)
            if text is None:
                raise MetiPiError(f"{relpath}: no such record; check the id (`meti-pi show`)")
            # Checked by the safe loader first: a broken, aliased or tagged file is refused with
            # its location (the round-trip loader would raise an unexpected error, or expand aliases).
            from meti_pi import yamlload

            try:
                yamlload.load(text)
            except yamlload.YamlFault as fault:
                raise RuleViolation(f"{relpath}: cannot be edited until it is repaired", (Problem(relpath, fault.line, "yaml", str(fault)),)) from None
            try:
                self._docs[relpath] = yamlio.load_rt(text)
            except ValueError:  # the round-trip loader builds dates: an unquoted 2026-13-45 is fatal to it
                raise RuleViolation(f"{relpath}: cannot be edited until it is repaired", (Problem(
                    relpath, None, "yaml", "a value the editor cannot read, such as an impossible date (2026-13-45) "
                    "written without quotes; correct it or quote it"),)) from None
        return self._docs[relpath]

    def create(self, kind: str, data: dict[str, Any], *, id: str | None = None, year: int | None = None) -> str:
        """Add a new record of `kind`; allocates the id when none is given. Returns the id."""
        from meti_pi import yamlio

        spec = KINDS[kind]
        if id is None:
            if spec.id_prefix is None:
                raise UsageError(f"{kind} records need an explicit id: give one with --id (e.g. --id kanbo-somu)")
            existing = {p.stem for p in (self.root / kind).glob("*.yaml")} if (self.root / kind).is_dir() else set()
            id = allocate(spec.id_prefix, existing, self.today)
        if not valid_id(id):
            raise UsageError(f"{id!r} is not a valid id (A-Z a-z 0-9 . _ -, at most 64, no '..')")
        relpath = f"{kind}/{year}/{id}.yaml" if spec.by_year else f"{kind}/{id}.yaml"
        if self.read_text(relpath) is not None:
            raise RuleViolation(f"{relpath} already exists; choose another id or edit it")
        body = {"schema_version": 1, "id": id, **{k: v for k, v in data.items() if k not in ("schema_version", "id")}}
        depth = "../" * relpath.count("/")
        self.texts[relpath] = yamlio.new_document(body, f"{depth}{_schema_rel(self)}{spec.schema_file}")
        self.created.append(relpath)
        return id

    def write_text(self, relpath: str, text: str) -> None:
        """Replace a register file's text as a whole."""
        _safe_path(self.root, relpath)
        self._docs.pop(relpath, None)
        self.texts[relpath] = text

    def register(self) -> Any:
        """The register as it is now (read under the lock), with this transaction's changes so far.

        Commands decide what to change from this, inside the `with` block: a decision made from a
        register read before the lock could act on a state another command has since changed.
        """
        from meti_pi.register import Register

        return Register.load(self.root, overlay=self.rendered(), at=self.at)

    # -- internals
    def rendered(self) -> dict[str, str | None]:
        from meti_pi import yamlio

        out = dict(self.texts)
        for relpath, doc in self._docs.items():
            try:
                out[relpath], kept = yamlio.dump_checked(doc)
            except yamlio.RenderError as exc:
                raise MetiPiError(f"{relpath}: {exc} (a fault of the YAML writer); nothing was written. "
                                  "Make the change by hand and run `meti-pi commit`") from None
            if not kept and relpath not in self.comments_lost:
                self.comments_lost.append(relpath)
        return out


def _schema_rel(tx: Transaction) -> str:
    """Path from the register root to its own copy of the schemas (`meti-pi schemas --write`), for
    the editor modeline: a stable place in the register, never an install folder."""
    from meti_pi.packaged import REGISTER_SCHEMAS

    return REGISTER_SCHEMAS + "/"


def _safe_path(root: Path, relpath: str) -> Path:
    """`root/relpath`, refusing anything that would leave the register."""
    parts = relpath.split("/")
    if relpath.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise MetiPiError(f"{relpath!r} is not a path inside the register")
    path = root / relpath
    resolved_parent = path.parent.resolve()
    if resolved_parent != root.resolve() and root.resolve() not in resolved_parent.parents:
        raise MetiPiError(f"{relpath!r} leads outside the register")
    if path.is_symlink():
        raise MetiPiError(f"{relpath} is a symbolic link; meti-pi writes only regular files")
    return path


@contextmanager
def transaction(root: Path, *, command: str, summary: str, article: str | None = None, today: date | None = None,
                dry_run: bool = False, subject_record: str | None = None) -> Iterator[Transaction]:
    """Lock the register, collect a command's changes, then validate, commit and write them."""
    from meti_pi.register import Register, tree_of

    root = root.resolve()
    repo = repo_of(root)
    today = today or date.today()
    if dry_run:
        tx = Transaction(root, repo, today, command, article, summary, True)
        head = head_commit(root)
        tx.at = tree_of(root, head) if head else None
        yield tx
        _validated(root, tx, today)
        return
    idents = _check_repo_state(repo)
    branch = _branch(repo)
    timeout = float(Register.load_policy(root).get("lock_timeout_seconds", 30))
    with lock_mod.held(repo.git_dir / "meti-pi.lock", command=command, timeout=timeout):
        _crash_point("locked")
        recover(repo)
        # The commit made at the end must sit on this commit: the change was computed from it.
        base = git(repo.top, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
        tx = Transaction(root, repo, today, command, article, summary, False)
        if base:
            # The change is decided and validated against the register as HEAD holds it (the commit
            # it will sit on), never against someone's unsaved work: read from git and the cache.
            tx.at = tree_of(root, base)
        yield tx
        texts = _validated(root, tx, today)
        if not texts:
            return
        _refuse_dirty(repo, list(texts), tx.at)
        _wait_for_index(repo)
        _crash_point("validated")
        records = [p[: -len(".yaml")] for p in sorted(texts)]
        subject_key = subject_record or (tx.created[0][:-5] if tx.created else records[0])
        # Summary and article as the command left them: it may only know them once it has computed
        # the change under the lock.
        lost = [rel for rel in tx.comments_lost if rel in texts]
        body = "".join(f"The comments of {rel} could not be kept (written afresh; every value unchanged).\n" for rel in lost)
        message = commit_message(f"{subject_key}: {tx.summary}", command=command, records=records, article=tx.article, body=body)
        tx.commit_sha = _commit(repo, branch, texts, message, base=base, idents=_dated_now(idents))
        for rel in lost:
            sys.stderr.write(f"meti-pi: warning: the comments of {rel} could not be kept; check the commit's diff\n")
        _crash_point("done")


def _validated(root: Path, tx: Transaction, today: date) -> dict[str, str | None]:
    """The changed texts, after checking that they add no validation error to the register."""
    from meti_pi.register import Register
    from meti_pi.validate import ERROR_CHECKS, focus_of, focused_errors, validate_register

    texts = {rel: text for rel, text in tx.rendered().items() if text != _current(root, rel)}
    if not texts:
        return {}
    _screen_free_text(root, texts)  # #15: personal data never enters a free-text field
    # The state after first: with no error in it, nothing can be new, and the state before (a
    # second whole validation) is not needed. Unchanged records come from the read cache.
    after_reg = Register.load(root, overlay=texts, at=tx.at)
    # Cheaper still: no error among the records the change can affect (validate.focus_of).
    focus = focus_of(after_reg, texts)
    if focus is not None and not focused_errors(after_reg, today, focus, checks=ERROR_CHECKS):
        return texts
    after = validate_register(after_reg, today, checks=ERROR_CHECKS)
    if not any(p.severity == "error" for p in after):
        return texts
    before = validate_register(Register.load(root, at=tx.at), today, checks=ERROR_CHECKS)

    def ident(p: Problem) -> tuple[str, str, str, str]:
        return (p.path, p.code, p.key, p.message)

    old = {ident(p) for p in before if p.severity == "error"}
    added = [p for p in after if p.severity == "error" and ident(p) not in old]
    if added:
        tx.problems_added = added
        raise RuleViolation("change refused: it would make the register invalid (nothing was written)", tuple(added))
    return texts


def _screen_free_text(root: Path, texts: dict[str, str | None], before: dict[str, str | None] | None = None) -> None:
    """Every changed record's new free text (fields marked x-meti-pi-screen) is screened against
    its text `before` (default: the work tree's)."""
    from meti_pi import schema, screening, yamlload

    for rel, text in texts.items():
        kind = KINDS.get(rel.split("/", 1)[0])
        if text is None or kind is None:
            continue
        try:
            new = yamlload.load(text)
            old_text = before.get(rel) if before is not None else _current(root, rel)
            old = yamlload.load(old_text) if old_text is not None else None
        except (yamlload.YamlFault, UnicodeError, ValueError):
            continue  # validation reports it
        screening.check_record(rel, schema.load_schema(kind.schema_file), new, old)


def _current(root: Path, relpath: str) -> str | None:
    path = root / relpath
    try:
        # surrogateescape: a file in another encoding compares unequal instead of crashing the command;
        # a FIFO or device where the command writes is refused, never read (it would block, #15)
        return limits.read_regular(path, 1 << 30).decode("utf-8", errors="surrogateescape")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except limits.FileRefused as exc:
        raise UsageError(f"{relpath}: {exc.strerror}; remove it. Nothing was written") from None


def _refuse_dirty(repo: Repo, relpaths: list[str], at: dict[str, str] | None = None) -> None:
    """Refuse when a file the command must write holds someone's uncommitted work."""
    if at is None:  # no commit yet: git says what is uncommitted
        paths = [repo.git_path(r) for r in relpaths]
        # GIT_OPTIONAL_LOCKS=0: a status must not take .git/index.lock from under the user's own git
        out = git(repo.top, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", *paths,
                  env={"GIT_OPTIONAL_LOCKS": "0"})
        dirty = sorted({entry[3:] for entry in out.split("\0") if entry})
    else:
        # Not HEAD's bytes in the work tree (edited, removed, or a file where HEAD has none), or a
        # change staged in the index.
        from meti_pi.cache import blob_id

        staged = git(repo.top, "diff-index", "--cached", "--name-only", "-z", "HEAD", "--", *(repo.git_path(r) for r in relpaths),
                     env={"GIT_OPTIONAL_LOCKS": "0"})
        dirty = sorted({p for p in staged.split("\0") if p})
        others = {repo.git_path(r): r for r in relpaths if r not in at}
        if others:  # files that are not records (the register's .schemas/ copy): HEAD's ids from git
            listed = git(repo.top, "ls-tree", "-z", "HEAD", "--", *others)
            at = {**at, **{others[e.partition("\t")[2]]: e.partition("\t")[0].rpartition(" ")[2]
                           for e in listed.split("\0") if e.partition("\t")[2] in others}}
        for rel in relpaths:
            try:
                raw: bytes | None = (repo.top / repo.git_path(rel)).read_bytes()
            except FileNotFoundError:
                raw = None
            expected = at.get(rel)
            if (raw is None) != (expected is None) or (raw is not None and blob_id(raw) != expected):
                dirty.append(repo.git_path(rel))
        dirty = sorted(set(dirty))
    if dirty:
        raise MetiPiError(
            "uncommitted edits in file(s) this command must write: " + ", ".join(dirty)
            + "; commit them first (`meti-pi commit PATH`) or discard them (`git restore PATH`)"
        )


def _wait_for_index(repo: Repo, seconds: float = 2.0) -> None:
    """Before the commit point: wait a little for another git command that holds the index, then refuse.

    The working tree and the index are updated after the commit point; a stale or busy
    `.git/index.lock` found only then would leave the change committed but not checked out.
    """
    index_lock = repo.git_dir / "index.lock"
    deadline = time.monotonic() + seconds
    while index_lock.exists():
        if time.monotonic() >= deadline:
            raise MetiPiError(
                f"another git command is using the repository ({index_lock} exists); nothing was written. "
                "Try again when it has finished, or delete that file if no git command is running."
            )
        time.sleep(0.05)


def _refresh_index(repo: Repo, journal: dict[str, Any], present: list[str], removed: list[str]) -> None:
    """Bring the user's index in line with the commit for the paths written.

    The new index is built in a private file first; then meti-pi takes git's own `index.lock`
    itself (not through a git child), notes the lock in the journal at once, writes the new index
    into it and renames it over the index, as git does. The lock is held for well under a
    millisecond, and a command killed while holding it leaves a lock that recovery knows to be its
    own (a lock left by a killed `git update-index` would need a person to delete it).
    """
    index, lock, tmp = repo.git_dir / "index", repo.git_dir / "index.lock", repo.git_dir / "meti-pi-index.roll"

    def build() -> bytes:
        if index.exists():
            shutil.copyfile(index, tmp)
        else:
            tmp.unlink(missing_ok=True)
        env = {"GIT_INDEX_FILE": str(tmp)}
        if present:
            git(repo.top, "update-index", "--add", "--", *present, env=env)
        if removed:
            git(repo.top, "update-index", "--force-remove", "--", *removed, env=env)
        return tmp.read_bytes()

    def stamp() -> tuple[int, int] | None:
        try:
            st = index.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    ours = journal.get("index_lock")
    if ours and lock.exists():
        st = lock.stat()
        if [st.st_dev, st.st_ino] == ours:
            lock.unlink()  # ours, from a killed run: nobody else could have taken it since
    seen = stamp()
    data = build()
    # The lock is made by hard-linking a complete private file whose identity the journal noted
    # first: there is no moment at which a lock of ours exists that recovery would not recognise.
    private = repo.git_dir / "meti-pi-index.new"
    private.unlink(missing_ok=True)
    private.write_bytes(data)
    st = private.stat()
    journal["index_lock"] = [st.st_dev, st.st_ino]
    _write_note(_journal_path(repo), json.dumps(journal).encode("utf-8"))
    for _ in range(40):  # another git command may hold it for a moment
        try:
            os.link(private, lock)
            break
        except FileExistsError:
            time.sleep(0.05)
    else:
        private.unlink(missing_ok=True)
        raise MetiPiError(
            "the change is committed, but another git command holds .git/index.lock; when it has finished, run "
            "`meti-pi validate` to finish the change (delete .git/index.lock only if no git command is running)"
        )
    try:
        if stamp() != seen:  # the user's git changed the index meanwhile: rebuild from it, under the lock
            with open(lock, "r+b") as fh:
                fh.write(build())
                fh.truncate()
    except BaseException:
        lock.unlink(missing_ok=True)
        raise
    os.replace(lock, index)
    private.unlink(missing_ok=True)
    tmp.unlink(missing_ok=True)


def _write_note(path: Path, data: bytes) -> None:
    """Replace a small file atomically without fsync: it must survive a killed process, not a power cut."""
    tmp = path.parent / f".{path.name}.meti-pi-tmp-{os.getpid()}"
    tmp.write_bytes(data)
    os.replace(tmp, path)


_MOVED = ("a commit was made in this repository while the command ran (not by meti-pi); nothing was written. "
          "Run the command again: it will start from the new commit.")


def _commit(repo: Repo, branch: str, texts: dict[str, str | None], message: str, *, base: str | None = None,
            idents: tuple[str, str] | None = None) -> str:
    """Commit `texts` (register-relative path -> text, None: removed) on `base` (HEAD when None),
    then write them into the work tree and the index."""
    old = git(repo.top, "rev-parse", "--verify", "-q", "HEAD", check=False).strip() if base is None else base
    writer = _object_writer(repo) if idents is not None else None
    if writer is not None:
        blobs, new = _objects_direct(repo, writer, old, texts, message, idents)  # type: ignore[arg-type]
    else:
        blobs, new = _objects_by_git(repo, old, texts, message)
    _crash_point("objects")
    journal = {"branch": branch, "old": old or ZERO, "new": new, "files": {repo.git_path(r): s for r, s in blobs.items()}}
    _write_atomic(_journal_path(repo), json.dumps(journal).encode("utf-8"))
    _crash_point("journal")
    # The commit point: compare-and-swap, so a commit made meanwhile by hand is never overwritten.
    try:
        git(repo.top, "update-ref", "-m", "meti-pi: " + message.splitlines()[0], branch, new, old or ZERO)
    except MetiPiError:
        if git(repo.top, "rev-parse", "--verify", "-q", branch, check=False).strip() != new:
            _journal_path(repo).unlink(missing_ok=True)  # the branch did not move: nothing to finish
            for lock in _ref_locks(repo, branch):
                if lock.exists():
                    name = lock.relative_to(repo.git_dir).as_posix()
                    raise MetiPiError(f"another git command holds {name} in .git; nothing was written. Try again "
                                      "when it has finished (delete that file only if no git command is running)") from None
            raise MetiPiError(_MOVED) from None
    _crash_point("committed")
    _roll_forward(repo, journal, {repo.git_path(r): t.encode("utf-8") for r, t in texts.items() if t is not None})
    return new


def _objects_direct(repo: Repo, writer: Any, old: str, texts: dict[str, str | None], message: str,
                    idents: tuple[str, str]) -> tuple[dict[str, str | None], str]:
    """(blob id by path, commit id), the objects written by meti-pi (meti_pi.gitobjects)."""
    from meti_pi import gitobjects

    blobs: dict[str, str | None] = {}
    changes: dict[str, str | None] = {}
    for rel, text in sorted(texts.items()):
        oid = writer.write(b"blob", text.encode("utf-8")) if text is not None else None
        blobs[rel] = changes[repo.git_path(rel)] = oid
    folders = gitobjects.folders_of(list(changes))
    names = {f: (f"{old}^{{tree}}" if not f else f"{old}:{f}") for f in folders} if old else {}
    found = _cat_file(repo.top, list(names.values()), missing_ok=True)
    tree = writer.tree({f: found.get(n) for f, n in names.items()}, changes)
    return blobs, writer.commit(tree, old or None, idents[0], idents[1], message)


def _objects_by_git(repo: Repo, old: str, texts: dict[str, str | None], message: str) -> tuple[dict[str, str | None], str]:
    """(blob id by path, commit id), the objects written by git's plumbing in a private index."""
    index = repo.git_dir / f"meti-pi-index.{os.getpid()}"
    env = {"GIT_INDEX_FILE": str(index)}
    try:
        if old:
            git(repo.top, "read-tree", old, env=env)
        else:
            git(repo.top, "read-tree", "--empty", env=env)
        blobs: dict[str, str | None] = {}
        args: list[str] = []
        for rel, text in sorted(texts.items()):
            gpath = repo.git_path(rel)
            if text is None:
                blobs[rel] = None
                git(repo.top, "update-index", "--force-remove", "--", gpath, env=env)
                continue
            sha = git(repo.top, "hash-object", "-w", "--stdin", input=text.encode("utf-8")).strip()
            blobs[rel] = sha
            args += ["--cacheinfo", f"100644,{sha},{gpath}"]
        if args:
            git(repo.top, "update-index", "--add", *args, env=env)
        tree = git(repo.top, "write-tree", env=env).strip()
        parents = ["-p", old] if old else []
        new = git(repo.top, "commit-tree", tree, *parents, "-F", "-", input=message.encode("utf-8")).strip()
    finally:
        index.unlink(missing_ok=True)
    return blobs, new


def _journal_path(repo: Repo) -> Path:
    return repo.git_dir / "meti-pi-journal.json"


def _roll_forward(repo: Repo, journal: dict[str, Any], known: dict[str, bytes] | None = None) -> None:
    """Make the working tree and the index match a committed change, then drop the journal.

    `known`: the committed bytes by path, when the caller has them (recovery reads them from git).
    """
    files: dict[str, str | None] = journal["files"]
    known = known or {}
    for gpath, sha in files.items():
        path = repo.top / gpath
        if sha is None:
            path.unlink(missing_ok=True)
        else:
            data = known.get(gpath)
            if data is None:
                data = git_bytes(repo.top, "cat-file", "blob", sha)
            _write_atomic(path, data, crash_phase="tmp-written")
        _crash_point("file-written")
    _crash_point("files-written")
    present = [g for g, s in files.items() if s is not None]
    removed = [g for g, s in files.items() if s is None]
    _refresh_index(repo, journal, present, removed)
    _crash_point("indexed")
    _journal_path(repo).unlink(missing_ok=True)


def recover(repo: Repo) -> str | None:
    """Finish or discard a change interrupted by a crash (call with the lock held)."""
    path = _journal_path(repo)
    _sweep(repo.git_dir, "meti-pi-index.*", ".meti-pi-journal.json.meti-pi-tmp-*")
    if not path.exists():
        return None
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        path.unlink(missing_ok=True)
        return "discarded an unreadable journal of an interrupted change"
    # A command killed while writing a file leaves its temporary file beside the target.
    for gpath in journal["files"]:
        target = repo.top / gpath
        _sweep(target.parent, f".{glob.escape(target.name)}.meti-pi-tmp-*")
    head = git(repo.top, "rev-parse", "--verify", "-q", journal["branch"], check=False).strip()
    if head == journal["new"]:
        _drop_ref_locks(repo, journal["branch"], path)
        _roll_forward(repo, journal)
        return f"completed an interrupted change ({journal['new'][:10]})"
    _drop_ref_locks(repo, journal["branch"], path)
    path.unlink(missing_ok=True)
    return "discarded an interrupted change that had not been committed"


def _ref_locks(repo: Repo, branch: str) -> list[Path]:
    """The lock files `git update-ref <branch>` takes: the branch's, and HEAD's (it logs to HEAD's reflog)."""
    return [repo.git_dir / (branch + ".lock"), repo.git_dir / "HEAD.lock"]


def _drop_ref_locks(repo: Repo, branch: str, journal_path: Path) -> None:
    """Remove git's ref locks left by an `update-ref` killed with its whole process group.

    They were made within moments of the journal, which is written just before update-ref; a lock a
    person's git takes later is not touched. Left in place, HEAD.lock alone makes every later commit fail.
    """
    try:
        noted = journal_path.stat().st_mtime
    except FileNotFoundError:
        return
    for lock in _ref_locks(repo, branch):
        try:
            if -0.5 < lock.stat().st_mtime - noted < 2.0:
                lock.unlink()
        except FileNotFoundError:
            pass


def _sweep(folder: Path, *patterns: str) -> None:
    """Delete what a killed command left (private index, temporary files); only ever called under the lock."""
    for pattern in patterns:
        for leftover in folder.glob(pattern):
            leftover.unlink(missing_ok=True)


def recover_if_needed(register_root: Path, *, timeout: float = 5.0) -> str | None:
    """For read commands: finish an interrupted change if one is pending and nobody holds the lock."""
    for here in (register_root, *register_root.parents):
        # Cheap look first (no git process): every read command calls this.
        dot_git = here / ".git"
        if dot_git.is_dir():
            if not (dot_git / "meti-pi-journal.json").exists():
                return None
            break
        if dot_git.exists():
            break  # a worktree or submodule: ask git where its directory is
    try:
        repo = repo_of(register_root)
    except MetiPiError:
        return None
    if not _journal_path(repo).exists():
        return None
    with lock_mod.held(repo.git_dir / "meti-pi.lock", command="recover", timeout=timeout):
        return recover(repo)


def _write_atomic(path: Path, data: bytes, *, crash_phase: str = "") -> None:
    """Write via a temporary file in the same folder, fsync, rename, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.meti-pi-tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if crash_phase:
        _crash_point(crash_phase)
    os.replace(tmp, path)
    if os.name == "nt":
        return  # a folder cannot be opened on Windows; NTFS journals the rename itself
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


# -- commits of hand edits -----------------------------------------------------------------


def commit_paths(root: Path, relpaths: list[str], *, command: str, summary: str, today: date) -> str | None:
    """Commit records edited by hand (after validation) as one audit commit; the sha, or None if unchanged."""
    root = root.resolve()
    repo = repo_of(root)
    idents = _check_repo_state(repo)
    branch = _branch(repo)
    from meti_pi.register import Register, tree_of
    from meti_pi.validate import ERROR_CHECKS, focus_of, focused_errors, validate_register

    timeout = float(Register.load_policy(root).get("lock_timeout_seconds", 30))
    with lock_mod.held(repo.git_dir / "meti-pi.lock", command=command, timeout=timeout):
        recover(repo)
        base = git(repo.top, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
        from meti_pi.register import is_register_file

        texts: dict[str, str | None] = {}
        for rel in relpaths:
            path = _safe_path(root, rel)
            if path.is_dir() or not is_register_file(rel):
                raise UsageError(f"{rel}: not a register record file (<kind>/<id>.yaml, or register.yaml, policy.yaml, citations.yaml)")
            # surrogateescape: a file in another encoding is compared, then refused by validation, not a crash.
            # Read as a regular file within the size limit: a FIFO named *.yaml must not block (#15).
            try:
                raw = limits.read_regular(path, limits.max_file_bytes(str(root))) if path.exists() else None
            except limits.FileRefused as exc:
                raise UsageError(f"{rel}: {exc.strerror}; nothing was committed") from None
            texts[rel] = raw.decode("utf-8", errors="surrogateescape") if raw is not None else None
        head_texts = {rel: _text_at(repo, "HEAD", repo.git_path(rel)) for rel in relpaths}
        changed = {rel: t for rel, t in texts.items() if t != head_texts[rel]}
        if not changed:
            return None
        _screen_free_text(root, changed, head_texts)  # #15: hand edits too
        # The register the commit will hold: HEAD's files with these edits (never the work tree's other
        # unsaved changes); a file that is not UTF-8 is read from the work tree, which reports it.
        readable = all(t is None or not _has_surrogates(t) for t in changed.values())
        reg = Register.load(root, overlay=changed, at=tree_of(root, base)) if base and readable else Register.load(root)
        # The records the edit can affect first (validate.focus_of); the whole register only if they show an error.
        focus = focus_of(reg, changed)
        quick = focused_errors(reg, today, focus, checks=ERROR_CHECKS) if focus is not None else None
        problems = [] if quick is not None and not any(p.path in changed for p in quick) else \
            [p for p in validate_register(reg, today, checks=ERROR_CHECKS) if p.severity == "error" and p.path in changed]
        if problems:
            raise RuleViolation("not committed: the edited records have errors (nothing was committed)", tuple(problems))
        records = [p[: -len(".yaml")] for p in sorted(changed)]
        message = commit_message(f"{records[0]}: {summary}", command=command, records=records, article=None)
        _wait_for_index(repo)
        return _commit(repo, branch, changed, message, base=base, idents=_dated_now(idents))


def _has_surrogates(text: str) -> bool:
    """True for text read with errors='surrogateescape' from bytes that are not UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _text_at(repo: Repo, rev: str, gpath: str) -> str | None:
    proc = subprocess.run(("git", "show", f"{rev}:{gpath}"), cwd=repo.top, capture_output=True, env=_clean_env(), check=False)
    return proc.stdout.decode("utf-8", "surrogateescape") if proc.returncode == 0 else None


def read_at(register_root: Path, rev: str, relpath: str) -> str | None:
    """The text of a register file at a git revision (None where it did not exist)."""
    repo = repo_of(register_root)
    return _text_at(repo, rev, repo.git_path(relpath))


def _cat_file(top: Path, names: Sequence[str], *, missing_ok: bool = False) -> dict[str, bytes]:
    """Objects by name (a sha or `REV:path`), read with one `git cat-file --batch`."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    proc = subprocess.run(("git", "cat-file", "--batch"), cwd=top, input="".join(n + "\n" for n in wanted).encode("utf-8"),
                          capture_output=True, env=_clean_env(), check=False)
    if proc.returncode != 0:
        raise MetiPiError("git cat-file failed: the repository may be damaged; run `git fsck`")
    out, pos, found = proc.stdout, 0, {}
    for name in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) != 3:  # "<name> missing"
            if not missing_ok:
                raise MetiPiError(f"object {name[:10]} is missing from the repository; run `git fsck`")
            pos = end + 1
            continue
        size = int(header[2])
        found[name] = out[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
    return found


def read_blobs(register_root: Path, shas: Sequence[str]) -> dict[str, bytes]:
    """The contents of blobs by sha (for history --verify)."""
    return _cat_file(repo_of(register_root).top, shas)


# -- reading the trail -----------------------------------------------------------------------


def history(register_root: Path, relpath: str | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Commits touching the register (or one file), newest first, with their meti-pi trailers
    (as git's trailer parser reads them; no commit text can forge one: meti_pi.gitlog)."""
    from meti_pi import gitlog

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
        commits.append({
            "commit": entry.fields["H"], "author": entry.fields["an"], "date": entry.fields["aI"], "subject": entry.fields["s"],
            "command": (trailers.get(TRAILER_COMMAND) or [None])[0],
            "records": trailers.get(TRAILER_RECORD, []),
            "article": (trailers.get(TRAILER_ARTICLE) or [None])[0],
            "files": [f[len(repo.prefix):] if f.startswith(repo.prefix) else f for f in entry.tail],
        })
    return commits
