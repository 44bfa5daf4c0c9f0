"""The transaction: one command's changes, validated under the register lock and recorded as one
git commit holding exactly the files the command wrote.

Order of a change:
  lock -> finish any interrupted change (journal) -> check -> compute -> validate -> refuse if a
  target holds someone's uncommitted work or HEAD moved -> journal -> write the work-tree files
  atomically (the old ones kept) -> `git commit --only -- <paths>` (git's index.lock held while
  the branch and the index move together; the commit point) -> drop the journal -> unlock.
A command killed before the commit point is undone by the next one; killed after it, there is
nothing left to do (recovery finds the change by its Meti-Pi-Change trailer).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi import __version__
from meti_pi.actions.uncommitted import (
    CHECK_THREAD,
    _refuse_dirty,
    _refuse_uncommitted_register,
    _staged_or_moved,
)
from meti_pi.early import Early
from meti_pi.errors import MetiPiError, Problem, RuleViolation, UsageError
from meti_pi.gitlayer import lock as lock_mod
from meti_pi.gitlayer.commit import (
    branch_of,
    commit_files,
    identity,
    in_progress,
    notes,
    recover_noted,
)
from meti_pi.gitlayer.fs import crash_point
from meti_pi.gitlayer.runner import Repo, head_commit, repo_of
from meti_pi.gitlayer.trailers import commit_message
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import limits, schema, yamlio, yamlload
from meti_pi.store.ids import allocate, valid_id
from meti_pi.store.kinds import KINDS
from meti_pi.store.packaged import REGISTER_SCHEMAS
from meti_pi.store.policy import load_policy
from meti_pi.store.record import is_register_file
from meti_pi.store.register import Register, tree_of

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
    # relpath -> (the text an edited document was read from, its yamlio.following_comments, the
    # document as read: yamlio.as_read)
    _read_as: dict[str, tuple[str, dict[tuple[Any, ...], str], yamlio.Read]] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    commit_sha: str | None = None
    # The register files of the commit the change will sit on (relpath -> blob id; None before the
    # first commit): a change is decided and validated against the register as that commit holds
    # it (Register.load(at=...)), never against someone's unsaved edits in the work tree.
    at: Mapping[str, str] | None = None
    # Edited records whose comments could not all be kept (yamlio.dump_edited): said in the commit and on stderr.
    comments_lost: list[str] = field(default_factory=list)
    # What a command says of its change (a class that falls...): in the commit message and on stderr.
    remarks: list[str] = field(default_factory=list)
    # Trailers of the commit beyond Command/Record/Article: (key, value), in order (classify --record
    # names the vocabulary it decided with: gitlayer.trailers.TRAILER_VOCABULARY).
    trailers: list[tuple[str, str]] = field(default_factory=list)
    # What the register is loaded with (cli/ builds them from the environment).
    settings: Settings = DEFAULT
    # Edited records whose text has CRLF line ends (a Windows check-out, core.autocrlf, eol=crlf):
    # edited as LF (the YAML writer keeps a CR only inside comments) and written back with CRLF.
    _crlf: set[str] = field(default_factory=set)
    # Edited records saved with a UTF-8 byte-order mark (Notepad's "UTF-8 with BOM"): written back with it.
    _bom: set[str] = field(default_factory=set)

    # -- what commands call
    def read_text(self, relpath: str) -> str | None:
        """Current text of a register file (pending changes first)."""
        if relpath in self.texts:
            return self.texts[relpath]

        path = _safe_path(self.root, relpath)
        if not path.is_file():
            return None
        try:
            return yamlload.decode(path.read_bytes())
        except yamlload.YamlFault as fault:
            # A record committed by hand in another encoding: refuse with its location, never crash.
            raise RuleViolation(
                f"{relpath}: cannot be edited: {fault}", (Problem(relpath, fault.line, "encoding", str(fault)),)
            ) from None

    def edit(self, key: str) -> Any:
        """The ruamel round-trip document of record `key` ('files/F-...'), to change in place."""
        relpath = key if key.endswith(".yaml") else key + ".yaml"
        if relpath not in self._docs:
            text = self.read_text(relpath)
            if text is None:
                raise UsageError(f"{relpath}: no such record; check the id (`meti-pi show`)")
            if relpath not in self.texts and _safe_path(self.root, relpath).read_bytes()[:3] == b"\xef\xbb\xbf":
                self._bom.add(relpath)
            if "\r\n" in text and text.count("\r\n") == text.count("\n"):
                self._crlf.add(relpath)
                text = text.replace("\r\n", "\n")
            # Checked by the safe loader first: a broken, aliased or tagged file is refused with
            # its location (the round-trip loader would raise an unexpected error, or expand aliases).
            try:
                yamlload.load(text)
            except yamlload.YamlFault as fault:
                raise RuleViolation(
                    f"{relpath}: cannot be edited until it is repaired",
                    (Problem(relpath, fault.line, "yaml", str(fault)),),
                ) from None
            try:
                self._docs[relpath] = yamlio.load_rt(text)
                doc = self._docs[relpath]
                self._read_as[relpath] = (text, yamlio.following_comments(doc), yamlio.as_read(doc))
            except ValueError:  # the round-trip loader builds dates: an unquoted 2026-13-45 is fatal to it
                raise RuleViolation(
                    f"{relpath}: cannot be edited until it is repaired",
                    (
                        Problem(
                            relpath,
                            None,
                            "yaml",
                            "a value the editor cannot read, such as an impossible date (2026-13-45) "
                            "written without quotes; correct it or quote it",
                        ),
                    ),
                ) from None
        return self._docs[relpath]

    def create(self, kind: str, data: dict[str, Any], *, id: str | None = None, year: int | None = None) -> str:
        """Add a new record of `kind`; allocates the id when none is given. Returns the id."""
        spec = KINDS[kind]
        if id is None:
            if spec.id_prefix is None:
                raise UsageError(
                    f"{kind} records need an explicit id: give one with --id (e.g. --id kanbo-somu)"
                    " or as `id:` in the --from file"
                )
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
        return Register.load(self.root, overlay=self.rendered(), at=self.at)

    # -- internals
    def rendered(self) -> dict[str, str | None]:

        out = dict(self.texts)
        for relpath, doc in self._docs.items():
            try:
                text, kept = yamlio.dump_edited(doc, *self._read_as[relpath])
            except yamlio.RenderError as exc:
                raise MetiPiError(
                    f"{relpath}: {exc} (a fault of the YAML writer); nothing was written. "
                    "Make the change by hand and run `meti-pi commit`"
                ) from None
            if not kept and relpath not in self.comments_lost:
                self.comments_lost.append(relpath)
            if relpath in self._crlf:
                text = text.replace("\n", "\r\n")
            out[relpath] = "\ufeff" + text if relpath in self._bom else text
        return out


def _schema_rel(tx: Transaction) -> str:
    """Path from the register root to its own copy of the schemas (`meti-pi schemas --write`), for
    the editor modeline: a stable place in the register, never an install folder."""
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
def transaction(
    root: Path,
    *,
    command: str,
    summary: str,
    today: date,
    article: str | None = None,
    dry_run: bool = False,
    subject_record: str | None = None,
    settings: Settings = DEFAULT,
) -> Iterator[Transaction]:
    """Lock the register, collect a command's changes, then validate, commit and write them."""
    root = root.resolve()
    if dry_run:
        repo = repo_of(root)
        tx = Transaction(root, repo, today, command, article, summary, True, settings=settings)
        head = head_commit(root)
        if not head:
            _refuse_uncommitted_register(root)
        tx.at = tree_of(root, head, settings) if head else {}
        yield tx
        _validated(root, tx, today)
        notes.extend(f"warning: {remark}" for remark in tx.remarks)
        return
    repo, timeout = _ready(root)
    with lock_mod.held(repo.git_dir / "meti-pi.lock", command=command, timeout=timeout, waiting=settings.lock_wait):
        crash_point("locked")
        recover_noted(repo, settings.here)
        # The commit made at the end must sit on this commit: the change was computed from it.
        base = head_commit(repo.top) or ""
        tx = Transaction(root, repo, today, command, article, summary, False, settings=settings)
        # The change is decided and validated against the register as HEAD holds it (the commit
        # it will sit on), never against someone's unsaved work: read from git and the cache. With
        # no commit yet the commit holds the change's files alone (`init`: the whole register), so
        # the change is judged on them alone, never on files only the work tree holds.
        if not base:
            _refuse_uncommitted_register(root)
        tx.at = tree_of(root, base, settings) if base else {}
        yield tx
        early: list[Early[set[str]]] = []
        try:
            # EARLY_CHECK: git's part of the refusal of someone's uncommitted work runs beside the validation.
            texts = _validated(
                root,
                tx,
                today,
                early=lambda rels: early.append(
                    Early(_staged_or_moved, repo, [repo.git_path(r) for r in rels], base, name=CHECK_THREAD)
                ),
            )
        finally:
            for check in early:
                check.wait()  # no git process of the check outlives the validation's refusal
        if not texts:
            return
        seen = _refuse_dirty(repo, list(texts), tx.at, base, early[0].result() if early else None, here=settings.here)
        crash_point("validated")
        # Records alone are named (path without .yaml): `init` named its .gitignore ".giti"
        records = [p[: -len(".yaml")] for p in sorted(texts) if is_register_file(p)]
        subject_key = subject_record or (tx.created[0][:-5] if tx.created else (records or sorted(texts))[0])
        # Summary and article as the command left them: it may only know them once it has computed
        # the change under the lock.
        lost = [rel for rel in tx.comments_lost if rel in texts]
        body = "".join(f"{remark}\n" for remark in tx.remarks) + "".join(
            f"Some comments of {rel} could not be kept (its values are as the command set them).\n" for rel in lost
        )
        message = commit_message(
            f"{subject_key}: {tx.summary}",
            command=command,
            records=records,
            article=tx.article,
            version=__version__,
            body=body,
            extra=tx.trailers,
        )
        untracked = {rel for rel in texts if tx.at is None or rel not in tx.at}
        tx.commit_sha = commit_files(
            repo,
            {rel: None if t is None else t.encode("utf-8") for rel, t in texts.items()},
            message,
            base,
            untracked,
            seen,
            here=settings.here,
        )
        notes.extend(f"warning: {remark}" for remark in tx.remarks)
        for rel in lost:
            notes.append(f"warning: some comments of {rel} could not be kept; check the commit's diff")
        crash_point("done")


def _ready(root: Path) -> tuple[Repo, float]:
    """What a change needs of the repository before the lock, and the lock timeout of the policy:
    a git work tree, not in the middle of a merge or the like, an identity, a branch, a readable
    policy. Refused in that order, as before. EARLY_CHECK: the identity and branch checks (`git var`
    twice, `git symbolic-ref`) start at once, each in a thread, asked from the register's folder,
    while the repository is found (`git rev-parse`) and the policy read; each was a git process
    waited for in turn."""
    checks = [
        Early(identity, root, "GIT_AUTHOR_IDENT", name=CHECK_THREAD),
        Early(identity, root, "GIT_COMMITTER_IDENT", name=CHECK_THREAD),
        Early(branch_of, root, name=CHECK_THREAD),
    ]
    try:
        repo = repo_of(root)
        in_progress(repo)
    except BaseException:
        for check in checks:
            check.wait()  # no git process of the checks outlives the refusal
        raise
    try:
        policy = load_policy(root)
    finally:
        for check in checks:
            check.wait()
        for check in checks:
            check.result()  # their refusals first, in order, whatever reading the policy raised
    return repo, float(policy.get("lock_timeout_seconds", 30))


def _validated(
    root: Path, tx: Transaction, today: date, *, early: Callable[[list[str]], object] | None = None
) -> dict[str, str | None]:
    """The changed texts, after checking that they add no validation error to the register.
    `early`: called with their paths as soon as they are known, before the validation proper."""
    from meti_pi.checks.validate import focus_of

    texts = {rel: text for rel, text in tx.rendered().items() if text != _current(root, rel)}
    if not texts:
        return {}
    if early is not None:
        early(list(texts))
    _screen_free_text(root, texts)  # #15: personal data never enters a free-text field
    # The state after first: with no error in it, nothing can be new, and the state before is not
    # read. Unchanged records come from the read cache.
    after_reg = Register.load(root, overlay=texts, at=tx.at, settings=tx.settings)
    focus = focus_of(after_reg, texts)
    _, added = _errors_added(after_reg, lambda: Register.load(root, at=tx.at, settings=tx.settings), today, focus)
    if focus is not None:
        after_reg.flush_cache()
    if added:
        raise RuleViolation("change refused: it would make the register invalid (nothing was written)", tuple(added))
    return texts


def _errors_added(
    after: Register, before: Callable[[], Register | None], today: date, focus: frozenset[str] | None
) -> tuple[list[Problem], list[Problem]]:
    """(the errors of the register `after` a change, those of them the register `before` it did not
    hold). Among the records the change can affect (`focus`, validate.focus_of, and the checks that
    look at every record) when there is one, else the whole register: no error outside the focus
    can change, so an error held before (one committed by hand elsewhere) never costs two whole
    validations. `before` is read only when `after` holds an error. Errors are counted by place
    (path, code, key), not by message, which may quote the changed data (a 課等's new org in a file's
    org-mismatch, a policy threshold in an unexplained class): an error held before is not new."""
    from meti_pi.checks.validate import ERROR_CHECKS, focused_errors, validate_register

    def errors(reg: Register) -> list[Problem]:
        found = (
            focused_errors(reg, today, focus, checks=ERROR_CHECKS)
            if focus is not None
            else validate_register(reg, today, checks=ERROR_CHECKS)
        )
        return [p for p in found if p.severity == "error"]

    found = errors(after)
    held_reg = before() if found else None
    return found, _not_held(found, errors(held_reg) if held_reg is not None else [])


# Errors between two records (an id-case clash, check_ids), reported at either of them by the order
# they are checked in: compared by the pair too (validate.case_clash), and an edited file's such
# error that the register held before is not the edit's (actions.hand_commit).
BETWEEN_RECORDS = frozenset({"id-case"})


def _not_held(after: list[Problem], before: list[Problem]) -> list[Problem]:
    """The problems of `after` that `before` does not hold, counted: first the same problem (place
    and message), then, of those left, one at the same place (path, code and a key that names a
    field) whose message changed with the data it quotes, then the same clash between two records
    reported at the other one (BETWEEN_RECORDS). A problem without a key is matched by its message
    only: one that does not say which field would hide a new one behind an old one. (A ファイル簿
    leak of a withheld text names the record's field its ファイル簿 field comes from, each its own:
    filebook.book.RECORD_KEY.)"""
    left, held = list(after), list(before)
    for ident in (_same, _place, _pair):
        pool = Counter(i for p in held if (i := ident(p)) is not None)
        matched: Counter[object] = Counter()
        rest = []
        for p in left:
            i = ident(p)
            if i is not None and pool[i] > matched[i]:
                matched[i] += 1
            else:
                rest.append(p)
        kept = []
        for p in held:  # the problems of `before` not matched yet, for the next way of matching
            i = ident(p)
            if i is not None and matched[i] > 0:
                matched[i] -= 1
            else:
                kept.append(p)
        left, held = rest, kept
    return left


def _same(p: Problem) -> object:
    return (p.path, p.code, p.key, p.message)


def _place(p: Problem) -> object:
    return (p.path, p.code, p.key) if p.key and p.key != "$" else None


def _pair(p: Problem) -> object:
    if p.code not in BETWEEN_RECORDS:
        return None
    from meti_pi.checks.validate import case_clash

    pair = case_clash(p)
    return None if pair is None else (p.code, pair)


def _screen_free_text(
    root: Path, texts: dict[str, str | None], before: dict[str, str | None] | None = None, *, on_disk: bool = False
) -> None:
    """Every changed record's new free text (fields marked x-meti-pi-screen) is screened against
    its text `before` (default: the work tree's); `on_disk`: `texts` are the files as the officer
    edited them (a hand commit), so a refusal names the field's line."""
    from meti_pi.classify import screening

    for rel, text in texts.items():
        if text is None:
            continue
        old_text = before.get(rel) if before is not None else _current(root, rel)
        lines = text.splitlines()
        for comment in yamlload.comments(text) - yamlload.comments(old_text or ""):  # a comment stays too
            at = next((n for n, line in enumerate(lines, 1) if comment in line), None)
            where = f"{rel}:{at}: a comment" if at else f"{rel}: a comment"
            screening.check_text(where, comment, "refuse", "A record's comments stay in the trail")
        kind = KINDS.get(rel.split("/", 1)[0])
        if kind is None:
            continue  # a root file (policy, citations): its comments only
        try:
            new = yamlload.load(text)
            old = yamlload.load(old_text) if old_text is not None else None
        except (yamlload.YamlFault, UnicodeError, ValueError):
            continue  # validation reports it
        screening.check_record(rel, schema.load_schema(kind.schema_file), new, old, text if on_disk else None)


def _current(root: Path, relpath: str) -> str | None:
    path = root / relpath
    try:
        # surrogateescape: a file in another encoding compares unequal instead of crashing the command;
        # a FIFO or device where the command writes is refused, never read (it would block, #15)
        return limits.read_regular(path, 1 << 30).decode("utf-8", errors="surrogateescape")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except limits.FileRefused as exc:
        raise UsageError.at(relpath, None, f"{exc.strerror}; remove it. Nothing was written") from None
