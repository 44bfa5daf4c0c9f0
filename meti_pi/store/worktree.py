"""The register as the work tree holds it, read lazily (issue 18): what `validate` reads when it
re-checks only what changed since its last run (meti_pi.checks.incremental).

Register.load reads every file: at 100,000 records that is a second and a half even when every
parse comes from the read cache. Here the work tree is read as HEAD's tree (meti_pi.store.lazy:
each kind folder's listing kept by its tree id) with an overlay of the files that differ from it,
and a record is built only when a check reads it:

- which files differ is git's job: `git diff-index --cached HEAD` (the index against HEAD) and
  `git diff-files` (the work tree against the index: git compares contents where the stat data
  changed); the user's stat shortcuts are overridden as for the read cache (meti_pi.store.blobs),
  and an index holding an entry git would not compare (assume-unchanged, skip-worktree, a
  conflict) is no state this module knows: None, and the register is read whole;
- which files exist is the work tree's: the same walk as Register.load (list_record_files), so the
  same files are read either way; a file HEAD does not hold (untracked, added), one it holds in
  another form (a link) and every path whose layout is wrong are read from the work tree exactly
  as Register.load reads them (register._read_one);
- the overlay's files, and only they, are read and hashed here.

Correctness never depends on the cache: the listings are checked against the tree ids git gives,
and a record not in the cache is parsed from its blob (or from the file, when it exceeds the
register's file-size limit, so that the fault reads as Register.load words it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from meti_pi import gitlayer
from meti_pi.errors import MetiPiError, Problem
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import cache, lazy, limits
from meti_pi.store import policy as policy_mod
from meti_pi.store.blobs import _GIT_SAFE, find_git_dir, pending_refresh, refused
from meti_pi.store.ids import ID_RE
from meti_pi.store.kinds import KINDS, SINGLETONS
from meti_pi.store.record import classify_path, list_record_files, schema_file_of_path
from meti_pi.store.register import PARALLEL_MIN, Register, _read_one, read_outcomes


@dataclass
class WorkTree:
    """The register's files as the work tree holds them, by content id, without reading them."""

    root: Path
    tree: lazy.Tree  # HEAD's register files
    rels: list[str]  # every register file in the work tree (Register.load's paths), sorted
    held: dict[str, str]  # HEAD's register files: relpath -> blob id
    overlay: dict[
        str, Any
    ]  # relpath -> outcome (register._read_one) of the files HEAD does not hold as they are; None: deleted
    view: cache.View
    _ids: dict[str, str] | None = field(default=None, repr=False)

    def ids(self) -> dict[str, str]:
        """relpath -> content id of every file (what Register.load's view.ids holds), in path order.
        Made once (a WorkTree does not change): validate asks it, and its flush again."""
        if self._ids is None:
            # HEAD's id of each file (a file HEAD holds not as it is: "", its own id set below)
            out = dict(zip(self.rels, map(self.held.get, self.rels, repeat(""))))
            for rel, outcome in self.overlay.items():
                if outcome is not None:
                    out[rel] = outcome[0]
            self._ids = out
        return self._ids

    def overlay_problems(self) -> list[Any]:
        """The load problems of the files read from the work tree (a FIFO named *.yaml is one): only
        the files that differ from HEAD can be something other than a regular file (git compared the
        others)."""
        return [p for rel, o in sorted(self.overlay.items()) if o is not None for p in cache.restored(rel, o[2])]

    def register(self, settings: Settings = DEFAULT) -> Register:
        """The register, its records built when read (meti_pi.store.lazy.Records)."""
        least = settings.parallel(PARALLEL_MIN)
        limit = policy_mod.max_file_bytes(str(self.root))
        root = self.root

        def parse_many(r: Path, rels: list[str], given: dict[str, bytes], view: Any) -> dict[str, Any]:
            # a blob over the file-size limit is read from the file, to be refused as Register.load refuses it
            big = {rel for rel in rels if len(given.get(rel, b"")) > limit}
            out = read_outcomes(r, [rel for rel in rels if rel not in big], given, view, least)
            out.update({rel: _read_one(root, rel) for rel in big})
            return out

        records = WorkRecords(root, self.tree, self.view, self.overlay, parse_many)
        tops = [rel for rel in self.rels if "/" not in rel]
        records.read(tops)
        singletons = {rel: records.made[rel] for rel in tops if records.made.get(rel) is not None}
        return Register(
            root=root,
            records=records,
            singletons=singletons,
            load_problems=lazy.AllFaults(records),
            settings=settings,
        )

    def flush(self, old: dict[str, str]) -> None:
        """Store what was parsed, and drop from the cache the content that no file holds any more:
        what the changed files `old` (relpath -> content id) held before, what HEAD's folders held
        before (lazy.Tree.replaced), what the work tree's changed files held when it was last read
        (Store.work_keys), and in the shards read, every entry of content not held. Called at the
        end of every read of the work tree, whether it parsed anything or not."""
        view = self.view
        new, texts = view.new, view.new_texts
        view.new, view.new_texts = {}, {}
        live = _Live(self, new)
        previous = view.store.work_keys()
        drop = {cache.entry_key(cid, schema) for rel, cid in old.items() if (schema := schema_file_of_path(rel))}
        drop |= self.tree.replaced | previous
        self.tree.replaced = set()
        by_schema: dict[str, cache.LiveKeys | None] = {}
        gone = set()
        for key in drop:
            schema = key.partition(":")[2]
            if schema not in by_schema:
                by_schema[schema] = live.keys_of(schema)
            held = by_schema[schema]
            if held is not None and key not in held:
                gone.add(key)
        if new or gone or old:  # else nothing to store or drop: the shards read are not swept (~40 ms at 100k)
            view.store.update(new, texts, gone, live)
        now = self.overlay_keys()
        if now != previous:
            view.store.save_work_keys(now)
        if gone:  # a stored problem's message may quote content gone
            view.store.prune_base(self.ids())

    def overlay_keys(self) -> set[str]:
        """The cache keys of the content of the files that differ from HEAD."""
        return {
            cache.entry_key(o[0], schema)
            for rel, o in self.overlay.items()
            if o is not None and (schema := schema_file_of_path(rel))
        }


class WorkRecords(lazy.Records):
    """lazy.Records that can say which records name a record (meti_pi.store.refs.referring) without
    reading every record of a kind, once given who named what (`names`)."""

    # Who names what now (meti_pi.checks.incremental._BaseGraph: `referrers_now(key)`, the keys of
    # the records naming `key`), set by meti_pi.checks.validate_work; refs.referring asks it.
    names: Any = None

    def forget(self, kind: str) -> None:
        """Let the records of `kind` go, and the read cache's shards they were built from (built
        again, equal, if read again); what reading them found (faults, schema problems) is kept. A
        pass over every record kind by kind (`export sqlite`) so holds one kind, not the register."""
        prefix = kind + "/"
        for rel in [rel for rel in self.made if rel.startswith(prefix)]:
            del self.made[rel]
        if self.view is not None:
            self.view.store.unload(KINDS[kind].schema_file)

    def faults_after_kinds(self) -> list[Problem]:
        """The load problems of every file (lazy.AllFaults' list), once every kind has been read
        (`of_kind`), whether forgotten since or not: the files of the other folders are read here
        (no record: each a layout fault, found from its path), not the kinds again."""
        self.read(rel for rel in self.all_rels() if rel.split("/", 1)[0] not in KINDS)
        return [p for rel in sorted(self.faults) for p in self.faults[rel]]


class _Live:
    """The cache keys the register holds: HEAD's content, the work tree's, and what was just stored."""

    def __init__(self, wt: WorkTree, new: Any) -> None:
        self.wt = wt
        self.new = set(new)

    def keys_of(self, schema_file: str) -> cache.LiveKeys | None:
        tree = self.wt.tree
        kind = _KIND_OF_SCHEMA.get(schema_file)
        if kind is not None:
            cids = set(tree.kind(kind).values())
        elif schema_file in SINGLETONS.values():
            cids = set(tree.top.values())
        else:
            return None
        for rel, outcome in self.wt.overlay.items():
            if outcome is not None and schema_file_of_path(rel) == schema_file:
                cids.add(outcome[0])
        return cache.LiveKeys(schema_file, cids, self.new)


_KIND_OF_SCHEMA = {spec.schema_file: name for name, spec in KINDS.items()}


def work_tree(root: Path, settings: Settings = DEFAULT, view: cache.View | None = None) -> WorkTree | None:
    """The work tree's register files against HEAD; None where this reading does not apply (no
    cache, no git, no commit yet, an index entry git would not compare): read the register whole.
    `view`: the register's cache, opened by a caller that looked into it first (lazily)."""
    if view is None:
        view = cache.View.open_lazy(root, settings)
    if view is None or find_git_dir(root) is None:
        return None
    try:
        flags = gitlayer.git(root, *_GIT_SAFE, "ls-files", "-v", "-z", "--", ".", check=True)
        staged = gitlayer.git(
            root,
            *_GIT_SAFE,
            "diff-index",
            "--cached",
            "--relative",
            "--no-renames",
            "-z",
            "--name-only",
            "HEAD",
            check=True,
        )
        dirty = gitlayer.git(
            root, *_GIT_SAFE, "diff-files", "--relative", "--no-renames", "-z", "--name-only", check=True
        )
        tree = lazy.Tree(root, "HEAD", view.store)
    except MetiPiError as err:
        if "safe.directory" in str(err) or "dubious ownership" in str(err):
            raise refused(root) from None
        return None  # no commit yet, or not a work tree git can read
    # Every entry tagged H (cached, stage 0, compared by git): anything else and git's answer is not a comparison.
    entries = flags.count("\0")
    if entries != flags.count("\0H ") + (1 if flags.startswith("H ") else 0):
        return None
    differ = {name for name in (*staged.split("\0"), *dirty.split("\0")) if name}
    rels = sorted(list_record_files(root))
    held: dict[str, str] = dict(tree.top)
    for folder in tree.folders:
        held.update(tree.kind(folder))
    # The common path, `<kind>/<id>.yaml` of a kind not filed by year, known without classify_path.
    flat = {name for name, spec in KINDS.items() if not spec.by_year}
    overlay_rels: list[str] = []
    limit = policy_mod.max_file_bytes(str(root))
    same: set[str] = set()  # files git lists that hold HEAD's content all the same
    for rel in rels:
        # a file git lists because its stat data changed (a checkout, a touch) may hold HEAD's content
        if rel in differ and rel in held:
            if not _holds(root, rel, held[rel], limit):
                overlay_rels.append(rel)
                continue
            same.add(rel)
        elif rel not in held:
            overlay_rels.append(rel)
            continue
        kind, _, name = rel.partition("/")
        if (
            kind in flat
            and name.endswith(".yaml")
            and "/" not in name
            and ID_RE.fullmatch(name[:-5])
            and ".." not in name
        ):
            continue
        if classify_path(rel)[2]:
            overlay_rels.append(rel)  # a stray or misplaced file: read as Register.load reads it
    present = set(rels)
    if _refresh_helps(dirty, staged, held, same):
        pending_refresh.add(root)  # git compared stat-dirty files: have it record them (as git_state does)
    overlay: dict[str, Any] = {rel: None for rel in held if rel not in present}
    for rel in overlay_rels:
        overlay[rel] = outcome = _read_one(root, rel)
        if outcome[1] is not None:
            view.add(cache.entry_key(outcome[0], schema_file_of_path(rel) or ""), outcome[1], _text_of(outcome))
    return WorkTree(root, tree, rels, held, overlay, view)


def _refresh_helps(dirty: str, staged: str, held: dict[str, str], same: set[str]) -> bool:
    """REFRESH_WHEN_STALE: whether git's `update-index --refresh` (blobs.refresh_index, at the end of
    a command that succeeded) can record anything: a file `git diff-files` listed (`dirty`) that may
    hold the index's content. Not when it listed none (a clean work tree: the refresh would stat every
    file again for nothing, ~0.15 s of CPU and 0.2-0.4 s at 100,000 records), nor when each one it
    listed is deleted or holds other content than HEAD's while nothing is staged for it (the index's
    is HEAD's): git updates no such entry. One staged, or that HEAD does not hold (the index's content
    unknown here), or found to hold HEAD's content (`same`): refreshed, as before."""
    staged_names = {name for name in staged.split("\0") if name}
    return any(name and (name in staged_names or name not in held or name in same) for name in dirty.split("\0"))


def _holds(root: Path, rel: str, blob: str, limit: int) -> bool:
    """Whether the work tree's file `rel` is a regular file holding the content whose id is `blob`."""
    full = os.path.join(root, rel)
    try:
        if os.path.islink(full):
            return False
        raw = limits.read_regular(full, limit)
    except OSError:
        return False
    return cache.blob_id(raw) == blob


def _text_of(outcome: Any) -> bytes | None:
    record = outcome[3]
    return record.text.encode("utf-8") if record is not None else None
