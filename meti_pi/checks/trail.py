"""Trail integrity: `meti-pi history --verify` checks every commit that changed the register.

Two things are flagged:
- a commit that changed register files without the meti-pi trailers (a hand edit: allowed,
  reported), and a meti-pi commit whose files differ from the records its trailers name
  (an amended or forged commit), or that carries the change id of an earlier one (a replay: git
  cherry-pick);
- a commit at which the register did not validate (errors only; warnings depend on the day).

The register is read at each commit from git objects, never checked out: the first-parent line
is replayed from `git log --raw` (one git call) and every blob is read with one
`git cat-file --batch`. Only commits that changed register files are validated, and the parse
and schema result of each (path, blob) is computed once for the whole walk.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi import gitlayer, gitlog
from meti_pi.checks.validate import CHECKS
from meti_pi.errors import Problem
from meti_pi.gitlayer.runner import run as git_run
from meti_pi.store.problems import record_schema_problems
from meti_pi.store.register import Record, Register, is_register_file, parse_blob

_SYMLINK = "120000"
_GITLINK = "160000"
_REGULAR = frozenset({"100644", "100755"})


@dataclass
class CommitCheck:
    """What --verify found at one commit that changed register files."""

    commit: str
    author: str
    date: str
    subject: str
    command: str | None  # the Meti-Pi-Command trailer; None for a hand edit
    files: list[str]  # register files changed (register-relative)
    merge: bool = False
    hand_edit: bool = False
    mismatch: list[str] = field(default_factory=list)  # files vs Meti-Pi-Record trailers
    replays: str | None = None  # the earlier commit whose Meti-Pi-Change it carries (a cherry-pick)
    errors: int | None = None  # errors in the register at this commit (None: not validated)
    introduced: list[Problem] = field(default_factory=list)  # errors first present at this commit
    committed: str = ""  # the commit date (`date` is the author date, which anyone can set)

    def as_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "author": self.author,
            "date": self.date,
            "committed": self.committed,
            "subject": self.subject,
            "command": self.command,
            "files": self.files,
            "merge": self.merge,
            "hand_edit": self.hand_edit,
            "trailer_mismatch": self.mismatch,
            "errors": self.errors,
            "introduced": [p.as_json() for p in self.introduced],
        }


@dataclass
class Report:
    """The result of walking the trail; `ok` when no commit is a hand edit, mismatched or invalid."""

    commits: list[CommitCheck]
    head: str | None = None
    # (audit, commit): an evidence pack an audit notes (evidence[].commit) of a commit HEAD's history
    # no longer holds: the trail the audit saw was rewritten (git reset, rebase, amend) since
    lost_evidence: list[tuple[str, str]] = field(default_factory=list)

    @property
    def hand_edits(self) -> list[CommitCheck]:
        return [c for c in self.commits if c.hand_edit]

    @property
    def mismatched(self) -> list[CommitCheck]:
        return [c for c in self.commits if c.mismatch]

    @property
    def invalid(self) -> list[CommitCheck]:
        return [c for c in self.commits if c.errors]

    @property
    def validated(self) -> int:
        return sum(1 for c in self.commits if c.errors is not None)

    @property
    def ok(self) -> bool:
        return not (self.hand_edits or self.mismatched or self.invalid or self.lost_evidence)


# -- reading the history -------------------------------------------------------------------

_FIELDS = ("H", "P", "an", "aI", "cI", "s")


@dataclass
class _Commit:
    sha: str
    parents: list[str]
    author: str
    date: str
    subject: str
    trailers: dict[str, list[str]]
    changes: list[tuple[str, str, str, str]]  # (new mode, new sha, status, git path)
    committed: str = ""


def _parse_log(out: str, marker: str) -> list[_Commit]:
    """Commits of `git log -z --raw --format=gitlog.log_format(marker, *_FIELDS)`, in the order printed.

    Trailers are the ones git's trailer parser finds, and every field is delimited by a marker
    drawn for this run: no subject, author or body can forge a trailer or a commit (meti_pi.gitlog)."""
    commits: list[_Commit] = []
    for entry in gitlog.parse(out, marker, *_FIELDS):
        f = entry.fields
        commit = _Commit(f["H"], f["P"].split(), f["an"], f["aI"], f["s"], entry.trailers, [], f["cI"])
        tokens = entry.tail
        i = 0
        while i + 1 < len(tokens):
            tok = tokens[i]
            if not tok.startswith(":"):
                i += 1
                continue
            # ":oldmode newmode oldsha newsha status" then the path as its own token
            meta = tok[1:].split()
            path = tokens[i + 1]
            i += 2
            if len(meta) >= 5:
                commit.changes.append((meta[1], meta[3], meta[4][:1], path))
        commits.append(commit)
    return commits


def _ls_tree(repo: gitlayer.Repo, rev: str) -> dict[str, tuple[str, str]]:
    """git path -> (mode, sha) of every file below the register at `rev`."""
    out = gitlayer.git(repo.top, "ls-tree", "-r", "-z", "--full-tree", rev, "--", repo.prefix or ".")
    found: dict[str, tuple[str, str]] = {}
    for entry in out.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        mode, kind, sha = meta.split()
        if kind == "blob":
            found[path] = (mode, sha)
    return found


# -- validating a register held in memory ----------------------------------------------------


class _Validator:
    """Validates the register at many commits, parsing and schema-checking each blob once."""

    def __init__(self, root: Path, repo: gitlayer.Repo, today: date) -> None:
        self.root = root
        self.repo = repo
        self.today = today
        self.blobs: dict[str, bytes] = {}
        self.parsed: dict[tuple[str, str], tuple[Record | None, list[Problem], list[Problem]]] = {}

    def fetch(self, blobs: Iterable[tuple[str, str]]) -> None:
        """Read the blobs (path, sha) not read yet, through the repository's filters if it has any."""
        missing = {sha: rel for rel, sha in blobs if sha not in self.blobs}
        self.blobs.update(gitlayer.read_blobs(self.root, list(missing), missing))

    def _parse(self, rel: str, mode: str, sha: str) -> tuple[Record | None, list[Problem], list[Problem]]:

        key = (rel, sha if mode != _SYMLINK else "symlink")
        if key not in self.parsed:
            record, problems = parse_blob(self.root, rel, None if mode == _SYMLINK else self.blobs[sha])
            self.parsed[key] = (record, problems, record_schema_problems(record) if record is not None else [])
        return self.parsed[key]

    def errors(self, state: dict[str, tuple[str, str]]) -> list[Problem]:
        """Errors of the register whose files are `state` (register path -> (mode, sha)).

        Mirrors validate.validate_register (tests/test_trail* keep the two in step), with the
        per-blob results cached.
        """
        self.fetch((rel, sha) for rel, (mode, sha) in state.items() if mode != _SYMLINK and is_register_file(rel))
        records: dict[str, Record] = {}
        singletons: dict[str, Record] = {}
        problems: list[Problem] = []
        schema_bad: set[str] = set()
        for rel in sorted(r for r in state if is_register_file(r)):
            mode, sha = state[rel]
            record, load_problems, schema_problems = self._parse(rel, mode, sha)
            problems.extend(load_problems)
            if record is None:
                continue
            (singletons if record.kind == "" else records)[rel if record.kind == "" else record.key] = record
            problems.extend(schema_problems)
            if schema_problems:
                schema_bad.add(rel)
        read_faults = [p for p in problems if p.code != "schema"]  # the files that could not be read (check_references)
        clean = Register(self.root, records, singletons, read_faults, frozenset(schema_bad))
        # the files register.yaml names are looked for in this commit, not the work tree (hygiene.holds_file)
        clean.source = ({rel: sha for rel, (mode, sha) in state.items() if mode in _REGULAR}, {})
        for check in CHECKS:  # each check's problems by file, as validate lists them
            problems.extend(sorted(check(clean, self.today), key=lambda p: p.path))
        return [p for p in problems if p.severity == "error"]


def _ident(p: Problem) -> tuple[str, str, str, str]:
    return (p.path, p.code, p.key, p.message)


# -- the walk --------------------------------------------------------------------------------


def _walk(repo: gitlayer.Repo, *args: str, raw: bool = True, revs: list[str] | None = None) -> list[_Commit]:
    """The commits `git log` lists for `args` (oldest first), parsed; with `raw`, each with its
    changes (a merge's against its first parent); `revs`: given on git's standard input (`--stdin`)."""
    marker = gitlog.new_marker()
    out = gitlayer.git(
        repo.top,
        "log",
        "--full-history",
        "--reverse",
        *(("--raw", "--no-renames", "--diff-merges=first-parent", "--no-abbrev") if raw else ()),
        "-z",
        f"--format={gitlog.log_format(marker, *_FIELDS)}",
        *args,
        *(("--stdin",) if revs is not None else ()),
        input=None if revs is None else "".join(f"{r}\n" for r in revs).encode(),
    )
    return _parse_log(out, marker)


def verify(root: Path, today: date) -> Report:
    """Walk every commit that changed the register; flag hand edits, trailer mismatches, invalid states."""
    root = root.resolve()
    repo = gitlayer.repo_of(root)
    head = gitlayer.head_commit(root)
    if head is None:
        return Report([], None)
    target = repo.prefix or "."
    prefix = repo.prefix

    def rel_of(gpath: str) -> str | None:
        return gpath[len(prefix) :] if gpath.startswith(prefix) else None

    first_parent = gitlayer.git(repo.top, "rev-list", "--first-parent", "HEAD", "--", target).split()
    first_parent.reverse()
    log = _walk(repo, "HEAD", "--", target)
    by_sha = {c.sha: c for c in log}
    validator = _Validator(root, repo, today)
    checks: dict[str, CommitCheck] = {}
    changes: dict[str, str] = {}  # Meti-Pi-Change id -> the first commit carrying it

    for c in log:
        changed = sorted({rel for _, _, _, g in c.changes if (rel := rel_of(g)) is not None and is_register_file(rel)})
        if not changed:
            continue
        command = next(iter(c.trailers.get(gitlayer.TRAILER_COMMAND) or ()), None)
        check = CommitCheck(c.sha, c.author, c.date, c.subject, command, changed, merge=len(c.parents) > 1)
        check.committed = c.committed
        if command is None:
            check.hand_edit = not check.merge or _merge_edited(repo, c, prefix)
        else:
            # audit names each written file by its path without the 5 characters of ".yaml"
            named = set(c.trailers.get(gitlayer.TRAILER_RECORD, []))
            under = [rel for _, _, _, g in c.changes if (rel := rel_of(g)) is not None]
            check.mismatch = sorted(f"changed, not named: {r}" for r in {rel[:-5] for rel in changed} - named)
            check.mismatch += sorted(f"named, not changed: {r}" for r in named - {rel[:-5] for rel in under})
            # meti-pi draws a change id for each change: one found again is that commit replayed by
            # hand (git cherry-pick copies the message), not a change meti-pi made
            for change in c.trailers.get(gitlayer.TRAILER_CHANGE, [])[:1]:
                if change in changes:
                    check.replays = changes[change]
                    check.mismatch.append(f"replays {check.replays[:10]}: its Meti-Pi-Change trailer is that commit's")
                else:
                    changes[change] = c.sha
        checks[c.sha] = check

    # Validity along the first-parent line, replaying the raw diffs.
    state: dict[str, tuple[str, str]] = {}
    previous: set[tuple[str, str, str, str]] = set()
    on_line = set(first_parent)
    for sha in first_parent:
        if sha not in by_sha:
            continue
        c = by_sha[sha]
        for mode, blob, status, gpath in c.changes:
            rel = rel_of(gpath)
            if rel is None:
                continue
            if status == "D" or mode == _GITLINK:
                state.pop(rel, None)
            else:
                state[rel] = (mode, blob)
        if sha not in checks:
            continue
        check = checks[sha]
        errors = validator.errors(state)
        check.errors = len(errors)
        check.introduced = [p for p in errors if _ident(p) not in previous]
        previous = {_ident(p) for p in errors}

    # Commits on merged side branches: read their trees (rare; one ls-tree each).
    for sha, check in checks.items():
        if sha in on_line:
            continue
        c = by_sha[sha]
        here = _register_state(repo, sha, rel_of)
        errors = validator.errors(here)
        before = (
            {_ident(p) for p in validator.errors(_register_state(repo, c.parents[0], rel_of))} if c.parents else set()
        )
        check.errors = len(errors)
        check.introduced = [p for p in errors if _ident(p) not in before]

    ordered = [checks[c.sha] for c in log if c.sha in checks]
    lost = _lost_evidence(repo, _register_state(repo, head, rel_of), validator)
    return Report(ordered + _named_elsewhere(repo, checks, rel_of), head, lost)


def _lost_evidence(
    repo: gitlayer.Repo, at_head: dict[str, tuple[str, str]], validator: _Validator
) -> list[tuple[str, str]]:
    """The evidence packs the audits at HEAD note whose commit is not in HEAD's history (git
    merge-base --is-ancestor; a commit git no longer has counts as not in it)."""
    audits = {rel: v for rel, v in at_head.items() if rel.startswith("audits/") and v[0] in _REGULAR}
    validator.fetch((rel, sha) for rel, (_, sha) in audits.items())
    lost = []
    for rel, (mode, sha) in sorted(audits.items()):
        record = validator._parse(rel, mode, sha)[0]
        evidence = record.data.get("evidence") if record is not None and isinstance(record.data, dict) else None
        for entry in evidence if isinstance(evidence, list) else []:
            commit = entry.get("commit") if isinstance(entry, dict) else None
            if not isinstance(commit, str) or not commit:
                continue
            held = git_run(repo.top, ("merge-base", "--is-ancestor", commit, "HEAD")).returncode == 0
            if not held:
                lost.append((rel[: -len(".yaml")], commit))
    return lost


def _named_elsewhere(repo: gitlayer.Repo, seen: dict[str, CommitCheck], rel_of: Any) -> list[CommitCheck]:
    """Commits carrying meti-pi's trailers that changed none of the records they name (none of the
    register): a message meti-pi wrote on a commit it did not make — git's own race between two
    `git commit`s can put it there (gitlayer.commit, MESSAGE_TAKEN) — or a forged one. The
    register walk does not see them: they change no register file."""
    # Found by their messages first (no diffs: at 2,000 commits 0.02 s, not 1.7 s), then the few
    # the register walk did not see read with their changes.
    unseen = [
        c.sha
        for c in _walk(repo, "--fixed-strings", f"--grep={gitlayer.TRAILER_RECORD}: ", "HEAD", "--", raw=False)
        if c.sha not in seen
    ]
    found = []
    for c in _walk(repo, "--no-walk=unsorted", revs=unseen) if unseen else ():
        named = c.trailers.get(gitlayer.TRAILER_RECORD)
        command = next(iter(c.trailers.get(gitlayer.TRAILER_COMMAND) or ()), None)
        if not named or command is None:
            continue
        under = {rel[:-5] for _, _, _, g in c.changes if (rel := rel_of(g)) is not None}
        missing = sorted(set(named) - under)
        if missing:
            check = CommitCheck(c.sha, c.author, c.date, c.subject, command, [], merge=len(c.parents) > 1)
            check.committed = c.committed
            check.mismatch = [f"named, not changed: {r}" for r in missing]
            found.append(check)
    return found


def _register_state(repo: gitlayer.Repo, rev: str, rel_of: Any) -> dict[str, tuple[str, str]]:
    return {rel: v for g, v in _ls_tree(repo, rev).items() if (rel := rel_of(g)) is not None and v[0] != _GITLINK}


def _merge_edited(repo: gitlayer.Repo, c: _Commit, prefix: str) -> bool:
    """True when a merge holds register content found in none of its other parents (a hand-resolved conflict)."""
    paths = [g for _, _, _, g in c.changes if g.startswith(prefix)]
    merged: dict[str, tuple[str, str]] = {g: (m, s) for m, s, st, g in c.changes if g.startswith(prefix) and st != "D"}
    deleted = {g for _, _, st, g in c.changes if g.startswith(prefix) and st == "D"}
    others = [_tree_entries(repo, p, paths) for p in c.parents[1:]]
    for g in paths:
        if g in deleted:
            if not any(g not in o for o in others):
                return True
        elif not any(o.get(g) == merged[g] for o in others):
            return True
    return False


def _tree_entries(repo: gitlayer.Repo, rev: str, paths: list[str]) -> dict[str, tuple[str, str]]:
    out = gitlayer.git(repo.top, "ls-tree", "-z", "--full-tree", rev, "--", *paths)
    found: dict[str, tuple[str, str]] = {}
    for entry in out.split("\0"):
        if entry:
            meta, _, path = entry.partition("\t")
            mode, _kind, sha = meta.split()
            found[path] = (mode, sha)
    return found


# -- output ----------------------------------------------------------------------------------


def rendered(report: Report, *, json_out: bool = False, folder: str = "") -> str:
    """The report as the CLI prints it: one JSON document with --json, else lines for a person, each
    problem's file, and each file a hand edit changed, after `folder` (the register's folder as the
    reader reaches it: Problem.render)."""
    if json_out:
        doc = {
            "ok": report.ok,
            "head": report.head,
            "commits_checked": len(report.commits),
            "commits_validated": report.validated,
            "hand_edits": [c.as_json() for c in report.hand_edits],
            "trailer_mismatches": [c.as_json() for c in report.mismatched],
            "invalid": [c.as_json() for c in report.invalid],
            "lost_evidence": [{"audit": a, "commit": c} for a, c in report.lost_evidence],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    lines: list[str] = []
    out = lines.append
    for c in report.commits:
        notes = []
        if c.hand_edit:
            notes.append("hand-resolved merge" if c.merge else "hand edit (no meti-pi trailers)")
        if c.replays:
            notes.append(
                f"made by hand (git cherry-pick): replays {c.replays[:10]}, whose Meti-Pi-Change trailer it carries"
            )
        if files := [m for m in c.mismatch if not m.startswith("replays ")]:
            notes.append("trailers do not match the files: " + "; ".join(files))
        if c.errors:
            notes.append(f"register invalid here: {c.errors} error(s), {len(c.introduced)} introduced by this commit")
        if not notes:
            continue
        # a date anyone can set (git commit --date): the day it entered the trail beside it, where another
        when = c.date[:10] + (f" (committed {c.committed[:10]})" if c.committed[:10] not in ("", c.date[:10]) else "")
        out(f"{c.commit[:10]} {when} {c.author}: {c.subject}\n")
        for n in notes:
            out(f"    {n}\n")
        if c.hand_edit:
            more = f" and {len(c.files) - 8} more" if len(c.files) > 8 else ""
            out(f"    files: {', '.join(folder + f for f in c.files[:8])}{more}\n")
        for p in c.introduced:
            out(f"    {p.render(folder)}\n")
    for audit, commit in report.lost_evidence:
        out(
            f"{audit}: its evidence pack is of commit {commit[:10]}, which HEAD's history no longer holds "
            "(the trail was rewritten since the audit took it: git reset, rebase or amend)\n"
        )
    verdict = "ok" if report.ok else "NOT OK"
    lost = (
        f", {len(report.lost_evidence)} audit evidence commit(s) no longer in the history"
        if report.lost_evidence
        else ""
    )
    out(
        f"{verdict}: {len(report.commits)} commits changed the register ({report.validated} validated); "
        f"{len(report.hand_edits)} hand edit(s), {len(report.mismatched)} trailer mismatch(es), "
        f"{len(report.invalid)} commit(s) at which the register did not validate{lost}\n"
    )
    return "".join(lines)
