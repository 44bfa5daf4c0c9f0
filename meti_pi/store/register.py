"""The register: a folder of YAML records under git, read through the fast path. Layout:
`register.yaml`, `policy.yaml`, `citations.yaml` at the root; one record per file `<kind>/<id>.yaml`
(inspections: `inspections/<year>/<division>.yaml`)."""

from __future__ import annotations

import marshal
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Self

from meti_pi import gitlayer, procs
from meti_pi.errors import Problem
from meti_pi.gcpause import paused_gc
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import cache, lazy, limits, refs, schema, yamlload
from meti_pi.store import policy as policy_mod
from meti_pi.store.ids import ID_RE
from meti_pi.store.kinds import KINDS, SINGLETONS
from meti_pi.store.locate import REGISTER_FILE, find_register  # re-exported (moved: a leaf, for classify)
from meti_pi.store.problems import record_schema_problems
from meti_pi.store.record import (
    Record,
    _StoredRecord,
    _text_of,
    classify_path,
    is_register_file,
    list_record_files,
    parse_blob,
    parse_record,
    schema_file_of_path,
    stored_record,
)

# Re-exported: split into meti_pi.store.record (issue 18); callers import them from here.
__all__ = [
    "REGISTER_FILE",
    "Record",
    "Register",
    "classify_path",
    "find_register",
    "is_register_file",
    "list_record_files",
    "parse_blob",
    "parse_record",
    "schema_file_of_path",
    "stored_record",
    "tree_of",
]

# yamlload.load_fast (same data, same faults, ~2x faster) where that module offers it.
_yaml_load = getattr(yamlload, "load_fast", yamlload.load)


@dataclass
class Register:
    """All records of a register, parsed; problems found while reading are kept, not raised."""

    root: Path
    # key -> Record: a dict (the register read whole), or meti_pi.store.lazy.Records (read at a
    # commit: each record built when first read)
    records: Mapping[str, Record]
    singletons: dict[str, Record]
    load_problems: Any  # Sequence[Problem]
    # The relpaths of records that failed their schema: still found by get(), left out of of_kind()
    # so that cross-record checks only iterate records whose shape is known.
    unchecked: Any = frozenset()  # Container[str]
    # What Register.load learnt from the read cache (meti_pi.store.cache.View), for validate_register.
    cache: Any = field(default=None, repr=False, compare=False)
    # The write path's re-check (meti_pi.checks.validate.focus_of): the keys of the records whose problems a
    # change can alter. Checks report on subjects() only; every lookup still sees every record.
    focus: frozenset[str] | None = None
    settings: Settings = field(default=DEFAULT, repr=False, compare=False)  # loaded with (cli/ builds them)
    # What load read: (its `at`, its `overlay`); `at` None: the work tree (checks.hygiene.holds_file).
    source: tuple[Mapping[str, str] | None, Mapping[str, str | None]] | None = field(
        default=None, repr=False, compare=False
    )

    # -- reading ------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        root: Path,
        overlay: dict[str, str | None] | None = None,
        *,
        at: Mapping[str, str] | None = None,
        settings: Settings = DEFAULT,
    ) -> Register:
        """Read every record under `root`; `overlay` maps relpath -> new text (None: deleted).

        Files whose content was seen before come from the read cache (meti_pi.store.cache) without
        parsing; the others are parsed, by several processes when there are many.
        With `at` (relpath -> blob id, from `tree_of`), the register is read as that commit holds
        it, from git and the cache, never from the work tree.
        """
        # Files a change writes that are not records (the register's .schemas/ copy) are not read.
        overlay = {rel: text for rel, text in (overlay or {}).items() if is_register_file(rel)}
        found = _load_lazy(cls, root, overlay, at, settings) if isinstance(at, lazy.Tree) else None
        if found is None:
            paths = sorted(at) if at is not None else list_record_files(root)
            paths += [rel for rel in overlay if rel not in paths]
            with paused_gc():  # parsing builds ~100 containers per record and frees none
                found = _load(cls, root, sorted(paths), overlay, at, settings)
        found.source = (at, overlay)
        return found

    # -- lookups ------------------------------------------------------------------------
    def get(self, kind: str, rid: str) -> Record | None:
        return self.records.get(f"{kind}/{rid}")

    def of_kind(self, kind: str) -> list[Record]:
        records = self.records
        if isinstance(records, lazy.Records):
            folder, slash, _ = kind.partition("/")
            return [
                r
                for r in records.of_kind(folder)
                if r.relpath not in self.unchecked and (not slash or r.key.startswith(kind + "/"))
            ]
        version = getattr(records, "version", None)
        if version is None or "/" in kind:
            prefix = kind + "/"
            return [r for k, r in records.items() if k.startswith(prefix) and r.relpath not in self.unchecked]
        # A loaded register's records note their changes: an index by kind, rebuilt when they change,
        # keeps a loop that calls of_kind from scanning all records on every call.
        memo = self.__dict__.get("_kind_index")
        if memo is None or memo[0] is not records or memo[1] != version or memo[2] is not self.unchecked:
            index: dict[str, list[Record]] = {}
            for k, r in records.items():
                if r.relpath not in self.unchecked:
                    index.setdefault(k.split("/", 1)[0], []).append(r)
            memo = (records, version, self.unchecked, index)
            self.__dict__["_kind_index"] = memo
        return list(memo[3].get(kind, ()))

    def checked(self, unchecked: Any, focus: frozenset[str] | None = None) -> Register:
        """The register the cross-record checks see: the same records, those failing their schema set
        aside, perhaps a focus. Indexes already built are kept when they still hold."""
        out = Register(
            self.root, self.records, self.singletons, self.load_problems, unchecked, focus=focus, settings=self.settings
        )
        out.source = self.source
        memo = self.__dict__.get("_kind_index")
        if memo is not None and memo[2] == unchecked:
            out.__dict__["_kind_index"] = (memo[0], memo[1], unchecked, memo[3])
        return out

    def subjects(self, kind: str) -> list[Record]:
        """The records of `kind` a check reports on: all of them, or the focused ones."""
        if self.focus is None:
            return self.of_kind(kind)
        prefix = kind + "/"
        keys = [k for k in sorted(self.focus) if k.startswith(prefix)]
        if isinstance(self.records, lazy.Records):  # read together: one read of their blobs, not one per record
            self.records.read([f"{k}.yaml" for k in keys])
        found = (self.records.get(k) for k in keys)
        return [r for r in found if r is not None and r.relpath not in self.unchecked]

    def keys_of(self, kind: str) -> list[str]:
        """The keys of the records of `kind` (on a register read at a commit, without reading them)."""
        if isinstance(self.records, lazy.Records):
            return self.records.keys_of(kind)
        return [k for k in self.records if k.startswith(kind + "/")]

    def unreadable(self, kind: str) -> set[str]:
        """Keys of `kind` that, where get() finds none, name a file listed but not read (its error says why)."""
        if isinstance(self.records, lazy.Records):  # read at a commit: its listing (no record decoded)
            return set(self.records.keys_of(kind))
        return {p.path[:-5] for p in self.load_problems if p.severity == "error" and p.path.startswith(kind + "/")}

    def keys_folded(self, kind: str, folded: set[str]) -> list[str]:
        """The keys of `keys_of(kind)` whose `lower()` is in `folded` (lower-case keys), in the same
        order (on a register read at a commit, without lowering every key: lazy.Records.keys_folded)."""
        if isinstance(self.records, lazy.Records):
            return self.records.keys_folded(kind, folded)
        return [k for k in self.keys_of(kind) if k.lower() in folded]

    def referrers(self, keys: set[str], kinds: set[str]) -> set[str]:
        """The keys of the records of `kinds` that name one of `keys` (meti_pi.store.refs)."""
        if isinstance(self.records, lazy.Records):
            return self.records.referrers(keys, kinds)
        return {
            key for key, rec in self.records.items() if rec.kind in kinds and not keys.isdisjoint(refs.targets_of(rec))
        }

    def problems_of(self, paths: set[str] | None) -> list[Problem] | None:
        """Load and schema problems of the files `paths` (None: every file), where the register reads them
        lazily, from what the read cache knows of each file's content (else None)."""
        if not isinstance(self.records, lazy.Records):
            return None
        rels = sorted(paths) if paths is not None else [*self.singletons, *self.records.all_rels()]
        return self.records.problems_of(rels)

    def schema_failures(self) -> Any:
        """The relpaths of records failing their schema, as a container (found as records are read)."""
        if isinstance(self.records, lazy.Records):
            return lazy.SchemaFailures(self.records)
        raise TypeError("a register read whole knows its schema failures from store.problems.schema_problems")

    def flush_cache(self) -> None:
        """Store in the read cache what reading the register lazily parsed (a whole read stores it at once)."""
        if isinstance(self.records, lazy.Records):
            self.records.flush()

    def subject_records(self) -> list[tuple[str, Record]]:
        """(key, record) of every record a check reports on (schema failures included)."""
        if self.focus is None:
            return list(self.records.items())
        return [(k, self.records[k]) for k in sorted(self.focus) if k in self.records]

    def derived(self, name: str, build: Any) -> Any:
        """`build(self)`, computed once while the records are unchanged (an index shared by checks
        and commands that would otherwise rebuild it for every record: O(N²) on a large register)."""
        records = self.records
        version = getattr(records, "version", None)
        memo = self.__dict__.setdefault("_derived", {})
        hit = memo.get(name)
        if (
            hit is not None
            and hit[0] is records
            and hit[1] == version
            and version is not None
            and hit[2] is self.unchecked
        ):
            return hit[3]
        value = build(self)
        memo[name] = (records, version, self.unchecked, value)
        return value

    def data_of(self, kind: str, rid: str) -> dict[str, Any] | None:
        rec = self.get(kind, rid)
        return rec.data if rec is not None and isinstance(rec.data, dict) else None

    @property
    def meta(self) -> dict[str, Any]:
        rec = self.singletons.get(REGISTER_FILE)
        return rec.data if rec is not None and isinstance(rec.data, dict) else {}

    @property
    def policy(self) -> dict[str, Any]:
        """policy.yaml merged over the defaults (computed once per policy record: checks ask per record)."""
        rec = self.singletons.get("policy.yaml")
        memo = self.__dict__.get("_policy_memo")
        if memo is not None and memo[0] is rec:
            return memo[1]  # type: ignore[no-any-return]
        user = rec.data if rec is not None and isinstance(rec.data, dict) else {}
        # The checks of validate see it leniently (its schema error is reported as a problem there).
        strict = "policy.yaml" not in self.unchecked
        merged = policy_mod.merged(
            policy_mod.checked(user, rec.text if rec is not None else None, "policy.yaml", strict=strict)
        )
        self.__dict__["_policy_memo"] = (rec, merged)
        return merged

    @property
    def citations(self) -> dict[str, dict[str, Any]]:
        """Citations by key."""
        rec = self.singletons.get("citations.yaml")
        data = rec.data if rec is not None and isinstance(rec.data, dict) else {}
        return {c["key"]: c for c in data.get("citations", []) if isinstance(c, dict) and "key" in c}

    @property
    def citations_as_of(self) -> str | None:
        """The date the citations file was last checked against the laws."""
        rec = self.singletons.get("citations.yaml")
        return rec.data.get("as_of") if rec is not None and isinstance(rec.data, dict) else None

    def division_of(self, division_id: str | None) -> dict[str, Any] | None:
        return self.data_of("divisions", division_id) if division_id else None


# -- the fast read path: cache, lazy records, parallel parsing ---------------------------------------

_ID_OK = ID_RE.fullmatch  # ids.valid_id without its function call (with its '..' test beside it)

# Files to parse before a second process pays for itself (METI_PI_PARALLEL_MIN overrides, for tests).
PARALLEL_MIN = 600

# One file's outcome: (content id, cache entry or None, load problems without path, Record or None).
_Outcome = tuple[str, Any, tuple[Any, ...], Any]  # the last: Record, or its UTF-8 text from another process, or None


def _read_one(root: Path, rel: str, *, raw: bytes | None = None, text: str | None = None) -> _Outcome:
    """Read (unless given), hash, parse and schema-check one file. The common case (a well-formed
    record) is done here directly; every fault is left to parse_record, reported as without the cache."""
    kind, rid, problem = classify_path(rel)
    cid = ""
    if text is None:
        full = os.path.join(root, rel)
        try:
            if problem:
                raise OSError
            if raw is None:
                if os.path.islink(full):
                    raise OSError
                raw = limits.read_regular(full, policy_mod.max_file_bytes(str(root)))
            cid = cache.blob_id(raw)
            text = yamlload.decode(raw)
        except (OSError, yamlload.YamlFault):
            # Rare faults (layout, link, unreadable, not UTF-8): reported by parse_record, never stored.
            record, found = parse_record(root, rel)
            return cid or "unread", None, cache.stored(found), record
    else:
        cid = cache.blob_id(text.encode("utf-8"))
    data: Any = None
    if not problem and text.strip():
        try:
            data = _yaml_load(text)
        except yamlload.YamlFault:
            data = None
    if not isinstance(data, dict):
        record, found = parse_record(root, rel, text=text)  # the fault, worded as parse_record words it
        faults = cache.stored(found)
        if record is None:
            return cid, (None if problem else ("fault", faults)), faults, None
        data = record.data
    record = _StoredRecord.make(kind, rid, rel, root, b"", cid, None)
    record.__dict__.update(data=data, text=text)
    schema_file = SINGLETONS[rel] if kind == "" else KINDS[kind].schema_file
    if schema.valid(schema_file, data):
        found_schema: tuple[Any, ...] = ()
    else:
        found_schema = cache.stored(record_schema_problems(record))
    targets = refs.targets(kind, data)
    record.__dict__["_refs"] = targets
    return cid, ("ok", marshal.dumps(data), found_schema, targets), (), record


def _portable(rel: str, outcome: _Outcome) -> tuple[Any, ...]:
    """An outcome as another process sends it: the Record becomes its UTF-8 text."""
    cid, entry, faults, record = outcome
    return rel, cid, entry, faults, (record.text.encode("utf-8") if record is not None else None)


def _read_many(root: Path, rels: list[str], given: dict[str, bytes], least: int = PARALLEL_MIN) -> dict[str, _Outcome]:
    """Outcomes of many files; several processes share the work when there are many (meti_pi.procs)."""
    workers = min(procs.cpus(), 8) if len(rels) >= least else 1
    if workers < 2:
        return {rel: _read_one(root, rel, raw=given.get(rel)) for rel in rels}

    for schema_file in {_schema_file(rel) for rel in rels} - {None}:
        schema._fast(schema_file)  # load each validator once, before forking
    chunks = [rels[i::workers] for i in range(workers)]  # interleaved: kinds differ in size

    def task(chunk: list[str]) -> Any:
        return lambda: [_portable(rel, _read_one(root, rel, raw=given.get(rel))) for rel in chunk]

    out: dict[str, _Outcome] = {}
    for part in procs.run_shared([task(c) for c in chunks], [1.0] * len(chunks), workers):
        for rel, cid, entry, faults, text in part:
            out[rel] = (cid, entry, faults, text)
    return out


class _Records(dict):  # type: ignore[type-arg]
    """The records of a loaded register: a dict that counts its changes (for Register.of_kind's index)."""

    __slots__ = ("version",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = 0

    def _changed(self) -> None:
        self.version += 1

    def __setitem__(self, key: Any, value: Any) -> None:
        self._changed()
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self._changed()
        super().__delitem__(key)

    def __ior__(self, other: Any) -> Self:  # type: ignore[misc]  # dict's overloaded |= and | in typeshed: one Any signature matches neither
        self._changed()
        super().__ior__(other)
        return self

    def pop(self, *args: Any) -> Any:
        self._changed()
        return super().pop(*args)

    def popitem(self) -> Any:
        self._changed()
        return super().popitem()

    def clear(self) -> None:
        self._changed()
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._changed()
        super().update(*args, **kwargs)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._changed()
        return super().setdefault(key, default)


_schema_file = schema_file_of_path


def tree_of(root: Path, rev: str, settings: Settings = DEFAULT) -> lazy.Tree:
    """The register files commit `rev` holds under `root` (relpath -> blob id), each kind folder
    listed when first asked for (meti_pi.store.lazy.Tree; Register.load(at=...) reads it lazily)."""
    view = cache.View.open_lazy(root, settings)
    return lazy.Tree(root, rev, view.store if view is not None else None)


def read_outcomes(
    root: Path, rels: list[str], given: dict[str, bytes], view: Any, least: int = PARALLEL_MIN
) -> dict[str, _Outcome]:
    """_read_many's outcomes, each with its Record (or None)."""
    store = view.store if view is not None else None
    out: dict[str, _Outcome] = {}
    for rel, (cid, entry, faults, record) in _read_many(root, rels, given, least).items():
        if isinstance(record, bytes):  # parsed by another process: its text came along
            kind, rid, _ = classify_path(rel)
            text = record.decode("utf-8")
            record = _StoredRecord.make(kind, rid, rel, root, entry[1], cid, store, entry[3])
            record.__dict__["text"] = text
        out[rel] = (cid, entry, faults, record)
    return out


def _load_lazy(
    cls: type[Register], root: Path, overlay: dict[str, str | None], at: lazy.Tree, settings: Settings = DEFAULT
) -> Register | None:
    """The register as commit `at` holds it with `overlay`, its records read when asked for; None
    without the read cache (then it is read whole)."""
    if at.store is None:
        return None
    view = cache.View(at.store, {}, lazy=True)
    outcomes: dict[str, Any] = {}
    for rel, text in overlay.items():
        if text is None:
            outcomes[rel] = None
            continue
        outcomes[rel] = outcome = _read_one(root, rel, text=text)
        if outcome[1] is not None:
            # Stored though not written yet (keyed by content: the commit about to be made reads it next).
            view.add(cache.entry_key(outcome[0], _schema_file(rel) or ""), outcome[1], text.encode("utf-8"))
    least = settings.parallel(PARALLEL_MIN)
    records = lazy.Records(root, at, view, outcomes, lambda r, rels, given, v: read_outcomes(r, rels, given, v, least))
    tops = sorted({*at.top, *(rel for rel in overlay if "/" not in rel)})
    records.read(tops)
    singletons = {rel: records.made[rel] for rel in tops if records.made.get(rel) is not None}
    return cls(
        root=root, records=records, singletons=singletons, load_problems=lazy.AllFaults(records), settings=settings
    )


class _FileRecord(_StoredRecord):
    """A record a whole read of the work tree parsed: its text, needed only for the line of a
    problem, is read again from its file when asked for (the bytes checked against the content id
    parsed), else found as any record of the cache finds it. A cold read of 100,000 records thus
    holds no text: as Python strs they took ~200 MB, as the cache's UTF-8 ~150 MB (issue 18: cold
    `validate` under 1 GB)."""

    @cached_property
    def text(self) -> str:
        cid: str = self.__dict__["_cid"]
        try:
            raw = limits.read_regular(self.path, policy_mod.max_file_bytes(str(self.__dict__["_root"])))
            if cache.blob_id(raw) == cid:
                return yamlload.decode(raw)
        except (OSError, yamlload.YamlFault):
            pass
        return _text_of(self.path, cid, self.__dict__["_store"])


def _compact(record: Record, rel: str, entry: Any, cid: str, store: Any) -> Record:
    """A record parsed here, kept as the read cache would give it (_FileRecord): its data as parsed
    (keys and short values interned by yamlload), its packed data (to decode it again once
    released), no text."""
    if not isinstance(record, _StoredRecord) or entry[0] != "ok":
        return record
    out = _FileRecord.make(record.kind, record.id, rel, record.__dict__["_root"], entry[1], cid, store, entry[3])
    out.__dict__["data"] = record.data
    return out


def _load(
    cls: type[Register],
    root: Path,
    paths: list[str],
    overlay: dict[str, str | None],
    at: Mapping[str, str] | None = None,
    settings: Settings = DEFAULT,
) -> Register:
    view = cache.View.open(root, vouched=at, settings=settings)
    vouched = at if at is not None else view.vouched if view is not None else {}
    empty = view is not None and not view.store.entries  # nothing to look up: every file is parsed
    found: dict[str, tuple[str, Any, tuple[Any, ...], Record | None]] = {}
    keys: dict[str, str] = {}  # relpath -> cache key
    todo: list[str] = []
    given: dict[str, bytes] = {}
    # The common path, `<kind>/<id>.yaml` of a kind not filed by year, classified without
    # classify_path (this loop runs once per file: 10,000 times on a large register).
    flat = {name: spec for name, spec in KINDS.items() if not spec.by_year}
    id_ok = _ID_OK
    for rel in paths:
        if rel in overlay:
            text = overlay[rel]
            if text is not None:
                found[rel] = _read_one(root, rel, text=text)
            continue
        if view is None or empty:
            todo.append(rel)
            continue
        kind, _sep, name = rel.partition("/")
        rid = name[:-5]
        if not (kind in flat and name.endswith(".yaml") and "/" not in name and id_ok(rid) and ".." not in rid):
            kind, rid, problem = classify_path(rel)
            if problem:
                todo.append(rel)
                continue
        cid = vouched.get(rel)
        if cid is None:  # not vouched for by git: read and hash it here
            try:
                if (root / rel).is_symlink():
                    raise OSError
                raw = limits.read_regular(root / rel, policy_mod.max_file_bytes(str(root)))
            except OSError:
                todo.append(rel)
                continue
            given[rel] = raw
            cid = cache.blob_id(raw)
        key = keys[rel] = f"{cid}:{SINGLETONS[rel] if kind == '' else KINDS[kind].schema_file}"
        entry = view.lookup(key)
        if entry is None:
            todo.append(rel)
        elif entry[0] == "ok":
            found[rel] = (cid, entry, (), _StoredRecord.make(kind, rid, rel, root, entry[1], cid, view.store, entry[3]))
        else:
            found[rel] = (cid, entry, entry[1], None)
    wanted = {rel: at[rel] for rel in todo if rel in at and rel not in given} if at is not None else {}
    if wanted:  # files not in the cache: their bytes from git, not from the work tree
        blobs = gitlayer.read_blobs(root, sorted(set(wanted.values())), {sha: rel for rel, sha in wanted.items()})
        given.update({rel: blobs[sha] for rel, sha in wanted.items()})
    store = view.store if view is not None else None
    for rel, parsed in _read_many(root, todo, given, settings.parallel(PARALLEL_MIN)).items():
        cid, entry, faults, record = parsed
        utf8: bytes | None = None
        if isinstance(record, bytes):  # parsed by another process: its text came along
            utf8 = record
            kind, rid, _ = classify_path(rel)
            if store is None:
                record = _StoredRecord.make(kind, rid, rel, root, entry[1], cid, store, entry[3])
                record.__dict__["text"] = utf8.decode("utf-8")
            else:  # its text read again from its file when a problem needs a line
                record = _FileRecord.make(kind, rid, rel, root, entry[1], cid, store, entry[3])
        elif record is not None:
            utf8 = record.text.encode("utf-8")
            if store is not None and entry is not None:
                record = _compact(record, rel, entry, cid, store)
        found[rel] = (cid, entry, faults, record)
        if view is not None and entry is not None:
            key = keys[rel] = cache.entry_key(cid, _schema_file(rel) or "")
            view.add(key, entry, utf8)
    for rel, text in overlay.items():
        outcome = found.get(rel)
        if view is not None and outcome is not None and outcome[1] is not None and text is not None:
            # Stored though not written yet: entries are keyed by content, so this one is right for
            # any file that comes to hold it (the commit about to be made: its next read is no miss).
            keys[rel] = cache.entry_key(outcome[0], _schema_file(rel) or "")
            view.add(keys[rel], outcome[1], text.encode("utf-8"))

    records: dict[str, Record] = _Records()
    singletons: dict[str, Record] = {}
    problems: list[Problem] = []
    schema_known: dict[str, tuple[Any, ...]] = {}
    for rel in paths:
        outcome = found.get(rel)
        if outcome is None:
            continue  # deleted by the overlay
        cid, entry, faults, record = outcome
        if faults:
            problems.extend(cache.restored(rel, faults))
        if view is not None:
            view.ids[rel] = cid
            view.objects[rel] = record
        if record is None:
            continue
        if entry is not None:
            schema_known[rel] = entry[2]
        if record.kind == "":
            singletons[rel] = record
        else:
            records[record.key] = record
    if view is not None:
        view.schema = schema_known
        view.live = set(keys.values())
        view.flush_entries()
    return cls(root=root, records=records, singletons=singletons, load_problems=problems, cache=view, settings=settings)
