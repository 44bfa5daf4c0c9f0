"""The register as `status` and `notify --check` read it: the work tree read lazily, and the large
kinds they scan seen through a projection of each record (issue 18: ≤ 2 s at 100,000 records).

Both commands run the notices engine over every ファイル簿 record and every notice (and `--check`
over every 台帳), yet read only a few top-level fields of each. Decoding ~90,000 records to read
those cost more than a second at 100,000 records. Here:

- the register is the work tree read lazily (meti_pi.store.worktree: HEAD's tree by tree ids, an
  overlay of what git says differs; a record is built only when read), else (no cache, no git, no
  commit yet, an index entry git would not compare) `Register.load` as before;
- a record of a PROJECTED kind is given as a `ProjectedRecord`: its data holds the fields the
  engine reads (FIELDS, copied whole from the record's data) and reads any other field from the
  record itself (decoded then, on first use; its text likewise, for a finding's line);
- the projections are kept as DATA in the read cache's folder (one file per kind, authenticated
  like every cache file, under the fingerprint of meti-pi's code and schemas), keyed by content id
  (the git blob id) and schema: a record parses to the same data wherever its content is, so its
  projection is a function of its content alone. A miss (new content, no file, another meti-pi)
  reads the record as before and keeps its projection; each save keeps the entries of the
  content the kind holds now, and no other.

Correctness never depends on the files: an entry only ever holds fields copied from the data the
record parses to, and the record itself answers every other question. A record whose data is not
a mapping is never projected (the engine meets it as it is). The records of the work tree's
overlay (edited, staged, untracked, deleted files) are read as `Register.load` reads them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from meti_pi.notify import facts
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import cache, refs, worktree
from meti_pi.store.cache_files import _read, _write
from meti_pi.store.ids import ID_RE
from meti_pi.store.kinds import KINDS
from meti_pi.store.lazy import Records
from meti_pi.store.record import Record
from meti_pi.store.register import Register

VERSION = 1  # of the entry layout and of FIELDS: an entry of another version is a miss
FILE = "projection."  # + kind: one cache file per projected kind

# The top-level fields each scan reads of a record (meti_pi.notify.*, meti_pi.checks.status, the
# contractor queries of meti_pi.inspect); any other field is read from the record itself.
FIELDS: dict[str, frozenset[str]] = {
    "files": frozenset(
        {
            "id",
            "name",
            "division",
            "management_class",
            "holding",
            "anonymized_info",
            "my_number_basis",
            "principals",
        }
    ),
    "notifications": frozenset(
        {
            "id",
            "file",
            "kind",
            "state",
            "drafted_on",
            "submitted_on",
            "items_hash",
            "items_version",
            "late_reason",
        }
    ),
    "ledger": frozenset({"id", "notified"}),
}


class ProjectedData(dict):  # type: ignore[type-arg]
    """A record's data as far as FIELDS go; every other question is put to the record's own data."""

    __slots__ = ("_names", "_real")

    def __init__(self, fields: dict[str, Any], names: frozenset[str], real: Any) -> None:
        dict.__init__(self, fields)
        self._names = names
        self._real = real  # () -> the record's own data

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self._names:
            return dict.get(self, key, default)
        return self._real().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        if key in self._names:
            return dict.__getitem__(self, key)
        return self._real()[key]

    def __contains__(self, key: object) -> bool:
        if key in self._names:
            return dict.__contains__(self, key)
        return key in self._real()

    # Anything that sees the whole mapping sees the record's own data.
    def __iter__(self) -> Any:
        return iter(self._real())

    def __len__(self) -> int:
        return len(self._real())

    def __eq__(self, other: object) -> bool:
        return bool(self._real() == other)

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self._real())

    def keys(self) -> Any:
        return self._real().keys()

    def values(self) -> Any:
        return self._real().values()

    def items(self) -> Any:
        return self._real().items()

    def copy(self) -> dict[str, Any]:
        return dict(self._real())

    def __reduce__(self) -> Any:
        return (dict, (dict(self._real()),))


_KIND_SLOT: Any = Record.__dict__["kind"]
_ID_SLOT: Any = Record.__dict__["id"]
_RELPATH_SLOT: Any = Record.__dict__["relpath"]


class ProjectedRecord(Record):
    """A record given by its projection: its own data and text are read on first use."""

    # Plain class attributes: they hide Record's slots, so that the values set in the instance's
    # dict are read (as fast as a slot); `text` and `path` are read from the record itself.
    data: Any = None

    def real(self) -> Record:
        """The record itself, as the lazy register reads it."""
        rec: Record = self.__dict__["_records"].real(self.relpath)
        return rec

    def _real_data(self) -> Any:
        return self.real().data

    @property
    def text(self) -> str:
        return self.real().text

    @property
    def path(self) -> Path:
        return self.real().path


_FLAT = {name for name, spec in KINDS.items() if not spec.by_year}


class ProjectedRecords(worktree.WorkRecords):
    """The work tree's records (worktree.WorkRecords), those of PROJECTED kinds given by their
    projection where it is kept (`entries`: kind -> cache key -> entry)."""

    entries: dict[str, dict[str, Any]]
    seen: dict[str, dict[str, Any]]  # kind -> cache key -> entry, of the records read now
    reals: dict[str, Any]
    fresh: set[str]  # kinds with an entry made now

    @classmethod
    def over(cls, base: worktree.WorkRecords, entries: dict[str, dict[str, Any]]) -> ProjectedRecords:
        self = cls.__new__(cls)
        self.__dict__.update(base.__dict__)
        self.entries, self.seen, self.reals, self.fresh = entries, {k: {} for k in FIELDS}, {}, set()
        return self

    def cid(self, rel: str) -> str | None:
        """The content id of the file at `rel` (the work tree's, where it differs from HEAD)."""
        if rel in self.overlay:
            outcome = self.overlay[rel]
            return outcome[0] if outcome is not None else None
        return self.tree.get(rel)

    def cids_of(self, kind: str) -> set[str]:
        """The content ids of the files of `kind` (the work tree's)."""
        overlay = self.overlay
        out = {cid for rel, cid in self.tree.kind(kind).items() if rel not in overlay}
        prefix = kind + "/"
        out.update(o[0] for rel, o in overlay.items() if o is not None and rel.startswith(prefix))
        return out

    def read(self, rels: Iterable[str]) -> None:
        made, overlay, entries = self.made, self.overlay, self.entries
        rest: list[str] = []
        missed: list[tuple[str, str, str]] = []
        new, fullmatch = ProjectedRecord.__new__, ID_RE.fullmatch
        folder: str | None = None
        kept: dict[str, Any] | None = None
        listing: Mapping[str, str] = {}
        seen: dict[str, Any] = {}
        suffix = ""
        names: frozenset[str] = frozenset()
        # `of_kind` reads a kind's files together: what depends on the kind is looked up once.
        for rel in rels:
            if rel in made:
                continue
            kind, _slash, name = rel.partition("/")
            if kind != folder:
                folder, kept = kind, entries.get(kind) if kind in _FLAT else None
                if kept is not None:
                    listing, seen, names = self.tree.kind(kind), self.seen[kind], FIELDS[kind]
                    suffix = ":" + KINDS[kind].schema_file
            # the common path, `<kind>/<id>.yaml` as HEAD holds it (anything else is read as before)
            if kept is None or not name.endswith(".yaml") or "/" in name or rel in overlay:
                rest.append(rel)
                continue
            rid = name[:-5]
            cid = listing.get(rel)
            if cid is None or fullmatch(rid) is None:
                rest.append(rel)
                continue
            key = cid + suffix
            entry = kept.get(key)
            if entry is None or not _entry_ok(entry):
                rest.append(rel)
                missed.append((rel, kind, key))
                continue
            rec = new(ProjectedRecord)
            _KIND_SLOT.__set__(rec, kind)
            _ID_SLOT.__set__(rec, rid)
            _RELPATH_SLOT.__set__(rec, rel)
            d = rec.__dict__
            d["_records"], d["_refs"], d["_cid"] = self, entry[1], cid
            d["data"] = ProjectedData(entry[0], names, rec._real_data)
            made[rel] = rec
            seen[key] = entry
        if rest:
            Records.read(self, rest)
        for rel, kind, key in missed:
            got = made.get(rel)
            if got is not None and isinstance(got.data, dict):
                names = FIELDS[kind]
                entry = ({k: v for k, v in got.data.items() if k in names}, refs.targets_of(got))
                self.seen[kind][key] = entry
                self.fresh.add(kind)

    def real(self, rel: str) -> Any:
        """The record at `rel` itself (not its projection)."""
        if rel not in self.reals:
            given = self.made.pop(rel, None)
            Records.read(self, (rel,))
            self.reals[rel] = self.made.get(rel)
            if given is not None:
                self.made[rel] = given
        return self.reals[rel]

    def save(self, store: Any) -> None:
        """Keep the projections of the kinds read whole now: the entries of the content they hold."""
        for kind in FIELDS:
            seen = self.seen[kind]
            if not seen or kind not in self.tree._kinds:
                continue
            if not all(rel in self.made for rel in self.tree.kind(kind)):
                continue  # the kind was not read whole: what it holds is not known here
            if kind not in self.fresh and len(seen) == len(self.entries.get(kind) or ()):
                continue  # nothing new, nothing gone
            _write(store.dir / (FILE + kind), kept_fp(store, FILE + kind), store.key, {"v": VERSION, "entries": seen})


def kept_fp(store: Any, name: str) -> str:
    """The fingerprint the cache file `name` is kept under: a projection under the `projected`
    layer (the code of this module and what it imports), the others as meti_pi.notify.facts keeps them."""
    if name.startswith(FILE):
        fp: str = store.layer_fp("projected")
        return fp
    return facts.kept_fp(store, name)


def _kept(kept: Any) -> dict[str, Any]:
    """The entries of a projection file's payload (none: a miss for every record)."""
    if not isinstance(kept, dict) or kept.get("v") != VERSION or not isinstance(kept.get("entries"), dict):
        return {}
    entries: dict[str, Any] = kept["entries"]
    return entries


def _entry_ok(entry: Any) -> bool:
    """An entry of the layout written (anything else is a miss). The file is authenticated: this
    guards against a layout of another meti-pi, not against a forgery."""
    return type(entry) is tuple and len(entry) == 2 and type(entry[0]) is dict and type(entry[1]) is tuple


class Loaded:
    """A register read for `status` / `notify --check`, and what to do once the command has read it."""

    def __init__(self, reg: Register, work: worktree.WorkTree | None = None) -> None:
        self.reg = reg
        self.work = work

    @property
    def lazy(self) -> bool:
        return self.work is not None

    def overlay_problems(self) -> list[Any]:
        """The load problems of the files read from the work tree (a FIFO named *.yaml is one)."""
        return list(self.reg.load_problems) if self.work is None else self.work.overlay_problems()

    def finish(self) -> None:
        """Keep what was learnt for the next run (projections, parsed records); never fails the command."""
        if self.work is None:
            return
        records = self.reg.records
        store = self.work.view.store
        try:
            if isinstance(records, ProjectedRecords):
                records.save(store)
            facts.save_work(self.reg)
            quiet = facts.quiet_of(self.reg)
            if quiet is not None:
                quiet.save()
            self.work.flush({})  # also drops what the work tree's files held at the last read and no longer do
        except OSError:
            pass


def load(root: Path, settings: Settings = DEFAULT, kinds: Iterable[str] = FIELDS, *, notices: bool = True) -> Loaded:
    """The register as the work tree holds it, read lazily with the projections of `kinds`; read
    whole (`Register.load`) where the work tree cannot be read so. `notices`: the notices engine's
    kept facts and quiet files are read for it (`status`, `notify --check`); without them, a command
    that reads a few kinds (`incident list`) reads nothing else."""
    kinds = tuple(kinds)
    early = cache.View.open_lazy(root, settings)
    names = [FILE + kind for kind in kinds] + ([facts.FILE, facts.QUIET_FILE] if notices else [])
    # The kept files are read while git compares the work tree (it waits on git: the two overlap).
    ahead = _Ahead(early.store, names) if early is not None else None
    work = worktree.work_tree(root, settings)
    if work is None:
        reg = Register.load(root, settings=settings)
        return Loaded(reg)
    store = work.view.store
    kept = ahead.result(store) if ahead is not None else {}
    base = work.register(settings)
    records = ProjectedRecords.over(base.records, {kind: _kept(kept.get(FILE + kind)) for kind in kinds})  # type: ignore[arg-type]
    reg = Register(
        root=base.root,
        records=records,
        singletons=base.singletons,
        load_problems=base.load_problems,
        settings=settings,
    )
    if notices:
        facts.prime_work(reg, store, records.cid, records.real, lambda: records.cids_of("files"), kept.get(facts.FILE))
        facts.prime_quiet(reg, store, records.cid, kept.get(facts.QUIET_FILE))
    return Loaded(reg, work)


class _Ahead:
    """The cache files `names` of `store`, read in a thread (data: `_read`, authenticated)."""

    def __init__(self, store: Any, names: list[str]) -> None:
        self.store = store
        self.found: dict[str, Any] = {}
        self.thread = threading.Thread(target=self._run, args=(names,), name="meti-pi-kept", daemon=True)
        self.thread.start()

    def _run(self, names: list[str]) -> None:
        for name in names:
            self.found[name] = _read(self.store.dir / name, kept_fp(self.store, name), self.store.key)

    def result(self, store: Any) -> dict[str, Any]:
        """What was read, if `store` is the cache it was read from (else nothing: read again)."""
        self.thread.join()
        same = (store.dir, store.fp, store.key) == (self.store.dir, self.store.fp, self.store.key)
        return self.found if same else {}
