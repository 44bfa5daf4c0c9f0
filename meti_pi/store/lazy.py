"""The register as a commit holds it, read lazily (issue 18): what the write path reads.

A write validates the change against the register of the commit it will sit on. Reading all of
that register (every file listed, every record built) made a write cost what the register holds;
here it costs what the change touches:

- `Tree`: the register files of a commit (relpath -> blob id), one kind folder at a time. The
  root is listed with one `git ls-tree`; a kind folder is listed only when asked for, from the
  read cache when its tree id is the one listed there, else from the listing of an older tree id
  and `git diff-tree` between the two (a commit changes a few files), else with `git ls-tree -r`.
  Each kind's listing also keeps the references of its records (meti_pi.store.refs), filled as
  they are read: `referrers` answers "who names X" without reading every record.
- `Records`: an immutable mapping key -> Record over a Tree; a record is built when first read,
  from the read cache by blob id (one small shard) or parsed from its blob. The records of a kind
  are read together (`of_kind`).

Listings hold paths, blob ids and record keys: data, authenticated as every cache file, and
correctness never depends on them (a listing that does not match is not used; git is asked).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from meti_pi import gitlayer
from meti_pi.errors import MetiPiError, Problem
from meti_pi.gitlayer.runner import BlobStream, has_filters, no_index_env
from meti_pi.store import refs
from meti_pi.store.cache import LiveKeys
from meti_pi.store.cache_files import restored
from meti_pi.store.kinds import KINDS, SINGLETONS
from meti_pi.store.listing import Listing
from meti_pi.store.record import classify_path, schema_file_of_path, stored_record


def _wanted(rel: str) -> bool:
    """register.is_register_file below a kind folder: `*.yaml`/`*.yml`, no hidden folder."""
    folder, _, name = rel.rpartition("/")
    return name.endswith((".yaml", ".yml")) and not folder.startswith(".") and "/." not in folder


class Tree(Mapping[str, str]):
    """The register files commit `rev` holds (relpath -> blob id), each kind folder listed on first use."""

    def __init__(self, root: Path, rev: str, store: Any = None) -> None:
        self.root = root
        self.rev = rev
        self.store = store  # meti_pi.store.cache_files.Store, or None: listings are not kept
        self.top: dict[str, str] = {}  # root singletons -> blob id
        self.root_files: dict[str, str] = {}  # every regular file at the root -> blob id (the vocabulary copies)
        self.folders: dict[str, str] = {}  # non-hidden folder -> its tree id
        for entry in gitlayer.git(root, "ls-tree", "-z", rev, "--", ".").split("\0"):
            head, _, name = entry.partition("\t")
            fields = head.split(" ")
            if len(fields) != 3:
                continue
            mode, kind, sha = fields
            if kind == "tree" and not name.startswith("."):
                self.folders[name] = sha
            elif mode in ("100644", "100755"):
                self.root_files[name] = sha
                if name in SINGLETONS:
                    self.top[name] = sha
        self._kinds: dict[str, Mapping[str, str]] = {}
        self._refs: dict[str, dict[str, tuple[str, ...]]] = {}  # kind -> relpath -> targets, where known
        self._text: dict[str, tuple[str, set[str]]] = {}  # kind -> its kept references text, unknown files
        self.replaced: set[str] = set()  # cache keys of content a listed folder held before and holds no more
        self._stream: BlobStream | None = None

    def blobs(self, missing: Mapping[str, str]) -> dict[str, bytes]:
        """The blobs of `missing` (relpath -> blob id) by blob id: through the one `cat-file --batch`
        this tree keeps open (runner.BlobStream), or each through its filter where the repository
        configures filters (as a checkout reads it)."""
        shas = sorted(set(missing.values()))
        if has_filters(self.root):  # git's config is the repository's, asked from any folder in it
            return gitlayer.read_blobs(self.root, shas, {sha: rel for rel, sha in missing.items()})
        if self._stream is None:
            self._stream = BlobStream(self.root)
        return self._stream.read(shas)

    # -- the mapping
    def __getitem__(self, rel: str) -> str:
        folder, slash, _ = rel.partition("/")
        found = self.kind(folder).get(rel) if slash else self.top.get(rel)
        if found is None:
            raise KeyError(rel)
        return found

    def __contains__(self, rel: object) -> bool:
        return isinstance(rel, str) and self.get(rel) is not None

    def __iter__(self) -> Iterator[str]:
        yield from self.top
        for folder in self.folders:
            yield from self.kind(folder)

    def __len__(self) -> int:
        return len(self.top) + sum(len(self.kind(f)) for f in self.folders)

    # -- one kind folder
    def kind(self, folder: str) -> Mapping[str, str]:
        """relpath -> blob id of the register files under `folder` (a kept Listing, or a dict)."""
        found = self._kinds.get(folder)
        if found is None:
            found = self._kinds[folder] = self._list(folder)
        return found

    def _list(self, folder: str) -> Mapping[str, str]:
        sid = self.folders.get(folder)
        self._refs[folder] = {}
        if sid is None:
            return {}
        kept = _unpacked(self.store.listing(folder) if self.store is not None else None)
        files: dict[str, str] | None = None
        known: dict[str, tuple[str, ...]] = {}
        if kept is not None:
            tree, kept_files, text, unknown = kept
            if tree == sid:  # kept for this very tree: nothing to list, nothing to write
                del self._refs[folder]  # read from the text when asked (REFS_AS_TEXT)
                self._text[folder] = (text, unknown)
                return kept_files
            files, known = self._moved(folder, tree, sid, kept_files, _parsed_refs(text))
        if files is None:
            out = gitlayer.git(
                self.root, "ls-tree", "--full-tree", "-r", "-z", sid
            )  # not filtered by the folder git runs in
            files = {}
            for entry in out.split("\0"):
                head, _, name = entry.partition("\t")
                if head.startswith(("100644 ", "100755 ")) and _wanted(name):
                    files[f"{folder}/{name}"] = head.rpartition(" ")[2]
        self._refs[folder] = known
        self._save(folder, files)
        return files

    def _moved(
        self, folder: str, old: str, new: str, files: Mapping[str, str], known: dict[str, Any]
    ) -> tuple[Any, Any]:
        """The listing of tree `new` from that of tree `old`, through `git diff-tree` without the index
        (runner.NO_INDEX_READ); None when git cannot compare them, e.g. the old tree is gone."""
        spec = KINDS.get(folder)
        try:
            out = gitlayer.git(self.root, "diff-tree", "-r", "-z", "--no-renames", old, new, env=no_index_env())
        except MetiPiError:
            return None, {}
        files, known = dict(files), dict(known)
        parts = out.split("\0")
        for i in range(0, len(parts) - 1, 2):
            meta, name = parts[i].split(" "), parts[i + 1]
            if len(meta) != 5:
                return None, {}
            new_mode, new_sha = meta[1], meta[3]
            rel = f"{folder}/{name}"
            if not _wanted(name):
                continue
            gone = files.pop(rel, None)
            known.pop(rel, None)
            if gone is not None and spec is not None:
                self.replaced.add(f"{gone}:{spec.schema_file}")
            if new_sha.strip("0") and new_mode in ("100644", "100755"):  # all zeros: deleted (SHA-1 or SHA-256)
                files[rel] = new_sha
        return files, known

    def _save(self, folder: str, files: Mapping[str, str]) -> None:
        if self.store is not None and folder in self.folders:
            text, unknown = _refs_text(files, self._refs.get(folder, {}))
            rels = list(files)
            packed = {
                "v": LISTING_VERSION,
                "tree": self.folders.get(folder),
                "rels": "\n".join(rels),
                "shas": "\n".join(files[r] for r in rels),
                "refs": text,
                "unknown": "\n".join(sorted(unknown)),
            }
            if any("\n" in r for r in rels):  # a name that cannot be kept so: listed by git each time
                return
            self.store.save_listing(folder, packed)

    def known_refs(self, folder: str) -> dict[str, tuple[str, ...]]:
        self.kind(folder)
        if folder not in self._refs:
            self._refs[folder] = _parsed_refs(self._text.pop(folder)[0])
        return self._refs[folder]

    def naming(self, folder: str, keys: set[str]) -> tuple[set[str], set[str]]:
        """(the files of `folder` known to name one of `keys`, the files whose references are not
        known): from the kept text of the references where it is still as kept (REFS_AS_TEXT)."""
        files = self.kind(folder)
        kept = self._text.get(folder)
        if kept is not None and not any(_SEPARATORS.intersection(k) for k in keys):
            return _naming(kept[0], keys), kept[1]
        known = self.known_refs(folder)
        return {rel for rel, t in known.items() if not keys.isdisjoint(t)}, {r for r in files if r not in known}

    def keep_refs(self, folder: str, found: dict[str, tuple[str, ...]]) -> None:
        """Remember the references of records of `folder` just read (kept with the listing)."""
        known = self.known_refs(folder)
        if any(known.get(rel) != targets for rel, targets in found.items()):
            known.update(found)
            self._save(folder, self._kinds[folder])


# REFS_AS_TEXT (a speed trick the write bench needs at 100,000 records): a kind's listing keeps
# its files as two joined texts and its records' references as one text, a line per record
# ("\n<relpath>\t<target>\x1f<target>"), instead of dictionaries of 27,000 entries: unmarshalling
# those cost a write ~50 ms at 100k (the `files` listing), and "who names divisions/X" is then a
# substring search of one text. A name holding a separator is not kept in the text (its record is
# read each time); a listing that does not unpack is listed by git again.
LISTING_VERSION = 2
_SEP = "\x1f"
_SEPARATORS = frozenset("\n\t\x1f")


def _unpacked(kept: Any) -> tuple[str, Mapping[str, str], str, set[str]] | None:
    """(tree id, files, references text, files of unknown references) of a kept listing, or None."""
    if not isinstance(kept, dict) or kept.get("v") != LISTING_VERSION:
        return None
    tree, rels, shas, text, unknown = (kept.get(k) for k in ("tree", "rels", "shas", "refs", "unknown"))
    if not (
        isinstance(tree, str)
        and isinstance(rels, str)
        and isinstance(shas, str)
        and isinstance(text, str)
        and isinstance(unknown, str)
    ):
        return None
    if rels.count("\n") != shas.count("\n") or bool(rels) != bool(shas):
        return None
    if not text.startswith("\n") or not text.endswith("\n"):
        return None
    return tree, Listing(rels, shas), text, set(unknown.split("\n")) - {""}


def _refs_text(files: Mapping[str, str], known: Mapping[str, tuple[str, ...]]) -> tuple[str, set[str]]:
    """The references text of `known` (for the files listed), and the files it does not hold."""
    lines = []
    unknown = set()
    for rel in files:
        targets = known.get(rel)
        if (
            targets is None
            or _SEPARATORS.intersection(rel)
            or any(not t or _SEPARATORS.intersection(t) for t in targets)
        ):
            unknown.add(rel)
            continue
        lines.append(f"\n{rel}\t{_SEP.join(targets)}")
    return "".join(lines) + "\n", unknown


def _parsed_refs(text: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for line in text.split("\n"):
        if line:
            rel, _, targets = line.partition("\t")
            out[rel] = tuple(targets.split(_SEP)) if targets else ()
    return out


def _naming(text: str, keys: set[str]) -> set[str]:
    """The relpaths whose line of the references text names one of `keys` (no separator in them)."""
    found = set()
    for key in keys:
        if not key:
            continue
        at = text.find(key)
        while at >= 0:
            end = at + len(key)
            if text[at - 1] in "\t\x1f" and text[end] in "\x1f\n":  # a whole target, not part of one
                start = text.rfind("\n", 0, at) + 1
                found.add(text[start : text.index("\t", start)])
            at = text.find(key, at + 1)
    return found


# SPARSE_SHARDS (a speed trick the write bench needs at 100,000 records): a record parses from its
# blob in about the time it takes to read and authenticate this many bytes of a cache shard. A
# shard not read yet is read only when it holds fewer bytes than this per record wanted from it;
# otherwise those records are parsed (the same outcome: the cache holds parse results, correctness
# never depends on it). Measured at 100k: a `files` shard of 3.3 MB reads in ~10 ms, one `files`
# record parses (YAML and schema) in ~0.4 ms.
PARSE_EQUALS_BYTES = 128 * 1024
# ... and never for a shard smaller than this: starting the `cat-file` process costs about as much
# as reading 1 MB of shard (at 10k records a `files` shard is 0.3 MB: it is read, as before).
SPARSE_MIN_BYTES = 1 << 20


def _problems(rel: str, faults: Iterable[Any]) -> list[Problem]:
    return restored(rel, faults)


class Records(Mapping[str, Any]):
    """key -> Record of a register read at a commit (`Tree`) with a change (`overlay`), built when read.

    Iterating, `len` and `values` read every record (correct, and as slow as reading everything):
    the write path asks by key, by kind (`of_kind`) and for referrers instead.
    """

    def __init__(self, root: Path, tree: Tree, view: Any, overlay: dict[str, Any], parse_many: Any) -> None:
        self.root = root
        self.parse_many = (
            parse_many  # (root, relpaths, their bytes, view) -> relpath -> outcome (register.read_outcomes)
        )
        self.tree = tree
        self.view = view
        self.overlay = overlay  # relpath -> (cid, entry, faults, Record | None), None: deleted
        self.made: dict[str, Any] = {}  # relpath -> Record | None, as read
        self.faults: dict[str, list[Problem]] = {}  # relpath -> load problems (read fault, layout)
        self.schema: dict[str, tuple[Any, ...]] = {}  # relpath -> schema problems (stored form)

    # -- reading
    def rels_of(self, kind: str) -> list[str]:
        """The relpaths of the files of `kind` (the folder's listing with the change)."""
        prefix = kind + "/"
        rels = set(self.tree.kind(kind))
        for rel, outcome in self.overlay.items():
            if rel.startswith(prefix):
                if outcome is None:
                    rels.discard(rel)
                else:
                    rels.add(rel)
        return sorted(rels)

    def read(self, rels: Iterable[str]) -> None:
        """Build the records of `rels` not built yet: from the cache, else parsed from their blobs."""
        todo = [rel for rel in rels if rel not in self.made]
        missing: dict[str, str] = {}
        wanted: dict[str, tuple[str, str, str, str]] = {}  # relpath -> (kind, id, blob id, cache key)
        for rel in todo:
            if rel in self.overlay:
                self._take(rel, self.overlay[rel])
                continue
            kind, rid, problem = classify_path(rel)
            cid = self.tree.get(rel)
            if cid is None:
                self.made[rel] = None
                continue
            if problem:
                self.made[rel] = None
                self.faults[rel] = [Problem(rel, None, "layout", problem)]
                continue
            schema_file = SINGLETONS[rel] if kind == "" else KINDS[kind].schema_file
            wanted[rel] = (kind, rid, cid, f"{cid}:{schema_file}")
        sparse = self._sparse(wanted)
        for rel, (kind, rid, cid, key) in wanted.items():
            entry = self.view.lookup(key) if self.view is not None and rel not in sparse else None
            if entry is None:
                missing[rel] = cid
            elif entry[0] == "ok":
                rec = stored_record(kind, rid, rel, self.root, entry, cid, self.view.store)
                self._take(rel, (cid, entry, (), rec))
            else:
                self._take(rel, (cid, entry, entry[1], None))
        if missing:
            self._parse(missing, sparse)

    def _sparse(self, wanted: dict[str, tuple[str, str, str, str]]) -> set[str]:
        """SPARSE_SHARDS: the records of `wanted` cheaper to parse from their blobs than to look up,
        because they are few in a large cache shard not read yet (a write reads a few dozen records
        spread over every shard of a large kind: reading those shards whole cost more than parsing)."""
        view = self.view
        if view is None or not wanted:
            return set()
        by_shard: dict[str, list[str]] = {}
        for rel, (_kind, _rid, _cid, key) in wanted.items():
            if key not in view.new:
                by_shard.setdefault(view.store.shard_name(key), []).append(rel)
        sparse: set[str] = set()
        for shard, rels in by_shard.items():
            size = view.store.unread_bytes(shard)
            if size >= SPARSE_MIN_BYTES and len(rels) * PARSE_EQUALS_BYTES < size:
                sparse.update(rels)
        return sparse

    def _parse(self, missing: dict[str, str], unkept: Collection[str] = ()) -> None:
        found = self.tree.blobs(missing)
        given = {rel: found[sha] for rel, sha in missing.items() if sha in found}
        for rel, outcome in self.parse_many(self.root, sorted(given), given, self.view).items():
            cid, entry, _faults, _record = outcome
            # Parsed instead of looked up (`unkept`): most likely in the cache already, and adding
            # it would make this command rewrite the very shard it avoided reading.
            if self.view is not None and entry is not None and rel not in unkept:
                self.view.add(f"{cid}:{schema_file_of_path(rel) or ''}", entry)
            self._take(rel, outcome)
        for rel in missing:
            self.made.setdefault(rel, None)

    def _take(self, rel: str, outcome: Any) -> None:
        if outcome is None:  # deleted by the change
            self.made[rel] = None
            return
        _cid, entry, faults, record = outcome
        self.made[rel] = record
        if faults:
            self.faults[rel] = _problems(rel, faults)
        if entry is not None and entry[0] == "ok":
            self.schema[rel] = entry[2]

    def record(self, rel: str) -> Any:
        if rel not in self.made:
            self.read((rel,))
        return self.made.get(rel)

    # -- the mapping
    def __getitem__(self, key: str) -> Any:
        rec = self.get(key)
        if rec is None:
            raise KeyError(key)
        return rec

    def get(self, key: str, default: Any = None) -> Any:
        if "/" not in key:
            return default
        rec = self.record(key + ".yaml")
        return default if rec is None else rec

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def all_rels(self) -> list[str]:
        """Every register file below a folder, with the change (not the root singletons)."""
        folders = set(self.tree.folders) | {rel.split("/", 1)[0] for rel in self.overlay if "/" in rel}
        return sorted(rel for folder in folders for rel in self.rels_of(folder))

    def __iter__(self) -> Iterator[str]:
        rels = self.all_rels()
        self.read(rels)
        return iter([self.made[rel].key for rel in rels if self.made.get(rel) is not None])

    # Nothing changes a loaded register's records (Register.derived keeps indexes while `version` holds).
    version = 0

    def flush(self) -> None:
        """Store what was parsed, and drop from the cache the content the listed folders and the
        change replace (the shards read are pruned of content no listed folder holds)."""
        view = self.view
        if view is None:
            return
        drop = set(self.tree.replaced)
        for rel in self.overlay:
            folder = rel.split("/", 1)[0] if "/" in rel else ""
            old = self.tree.get(rel)
            if old is None or folder not in KINDS:
                continue
            if sum(1 for cid in self.tree.kind(folder).values() if cid == old) == 1:
                drop.add(f"{old}:{KINDS[folder].schema_file}")
        new, texts = view.new, view.new_texts
        view.new, view.new_texts = {}, {}
        self.tree.replaced = set()
        view.store.update(new, texts, drop, Live(self.tree, new))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    # -- what the write path asks
    def of_kind(self, kind: str) -> list[Any]:
        rels = self.rels_of(kind)
        self.read(rels)
        return [self.made[rel] for rel in rels if self.made.get(rel) is not None]

    def keys_of(self, kind: str) -> list[str]:
        """The keys of the files of `kind`, without reading them (in no particular order)."""
        listed = self.tree.kind(kind)
        gone = self._gone()
        keys = [rel[:-5] for rel in listed if rel.endswith(".yaml")]
        if not gone.isdisjoint(listed):
            keys = [key for key in keys if key + ".yaml" not in gone]
        return keys + self._added(kind, listed)

    def keys_folded(self, kind: str, folded: set[str]) -> list[str]:
        """The keys of `keys_of(kind)` whose `lower()` is in `folded`, in the same order: from the kept
        listing's lines (Listing.folded, FOLDED_SEARCH), else key by key."""
        listed = self.tree.kind(kind)
        prefix = kind + "/"
        if not isinstance(listed, Listing):
            return [k for k in self.keys_of(kind) if k.lower() in folded]
        found = listed.folded([f + ".yaml" for f in folded if f.startswith(prefix)])
        gone = self._gone()
        keys = [rel[:-5] for rel in found if rel.endswith(".yaml") and rel not in gone]
        return keys + [key for key in self._added(kind, listed) if key.lower() in folded]

    def _gone(self) -> set[str]:
        """The files the change deletes (few)."""
        return {rel for rel, o in self.overlay.items() if o is None}

    def _added(self, kind: str, listed: Any) -> list[str]:
        """The keys of the files of `kind` the change adds (in the overlay, not in HEAD's listing)."""
        return [
            rel[:-5]
            for rel, o in self.overlay.items()
            if o is not None and rel not in listed and rel.startswith(kind + "/") and rel.endswith(".yaml")
        ]

    def referrers(self, keys: set[str], kinds: set[str]) -> set[str]:
        """The keys of the records of `kinds` that name one of `keys`, leaving out those failing their
        schema (the change's own records aside): the answer of refs.referring, which the checks ask
        of the register without its schema failures. A change to another record cannot alter the
        problems of a record failing its schema (its schema's, the checks skip it), and in the write
        path's focus their errors, there before the change, sent every write touching a record they
        name to a whole validation (seconds to tens of seconds at 100,000 records)."""
        found: set[str] = set()
        for kind in sorted(kinds):
            listed = self.tree.kind(kind)
            named, unknown_rels = self.tree.naming(kind, keys)
            # Read: the listed files whose references are not known, and the files the change writes
            # (the listing with the change, as rels_of has it, without sorting a whole large listing).
            prefix = kind + "/"
            written = {rel for rel, o in self.overlay.items() if o is not None and rel.startswith(prefix)}
            unknown = sorted(
                written | {rel for rel in unknown_rels if rel in listed and self.overlay.get(rel, True) is not None}
            )
            self.read(unknown)
            fresh = {}
            for rel in unknown:
                rec = self.made.get(rel)
                targets = refs.targets_of(rec) if rec is not None else ()
                if rel not in self.overlay:
                    fresh[rel] = targets
                if not keys.isdisjoint(targets):
                    found.add(rel[:-5])
            if fresh:
                self.tree.keep_refs(kind, fresh)
            found.update(rel[:-5] for rel in named if rel not in self.overlay)
        kept = [key + ".yaml" for key in found if key + ".yaml" not in self.overlay]
        self.read(kept)  # from the cache, as the focused check reads them next
        return {key for key in found if not self.schema.get(key + ".yaml") or key + ".yaml" in self.overlay}

    def problems_of(self, rels: Iterable[str]) -> list[Problem]:
        """Load and schema problems of the files `rels` (reading them)."""
        rels = list(rels)
        self.read(rels)
        out: list[Problem] = []
        for rel in rels:
            out.extend(self.faults.get(rel, ()))
            out.extend(Problem(rel, *p) for p in self.schema.get(rel, ()))
        return out


_KIND_OF_SCHEMA = {spec.schema_file: name for name, spec in KINDS.items()}


class Live:
    """The cache keys a lazily read register holds: content of a listed kind folder, or new."""

    def __init__(self, tree: Tree, new: Iterable[str]) -> None:
        self.tree = tree
        self.new = set(new)

    def keys_of(self, schema_file: str) -> LiveKeys | None:
        """The live keys of `schema_file`'s records; None where this command did not list them."""
        kind = _KIND_OF_SCHEMA.get(schema_file)
        if kind is None:
            cids = set(self.tree.top.values()) if schema_file in SINGLETONS.values() else None
        else:
            cids = set(self.tree._kinds[kind].values()) if kind in self.tree._kinds else None
        if cids is None:
            return None
        return LiveKeys(schema_file, cids, self.new)


class SchemaFailures:
    """The relpaths whose record fails its schema, found as records are read (Register.unchecked)."""

    def __init__(self, records: Records) -> None:
        self.records = records

    def __contains__(self, rel: object) -> bool:
        if not isinstance(rel, str):
            return False
        self.records.record(rel)
        return bool(self.records.schema.get(rel))


class AllFaults:
    """Register.load_problems of a lazy register: read on first use (every file is then read)."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self._list: list[Problem] | None = None

    def _all(self) -> list[Problem]:
        if self._list is None:
            self.records.read(self.records.all_rels())
            faults = self.records.faults
            self._list = [p for rel in sorted(faults) for p in faults[rel]]
        return self._list

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __getitem__(self, i: Any) -> Any:
        return self._all()[i]
