"""The read cache: parsed records and validation results, keyed by file content, kept in the git dir.

What is stored (in `<git dir>/meti-pi-cache/<register>/`, so it is never committed):
- `records.NN` (32 shards by content id): per content id (the git blob id of a file's bytes) and
  schema, the parse outcome: the record's data and its schema problems, or the faults found;
- `texts.NN`: the text of each content id, read only by a process that asks a record for its text;
- `results`: whole-register validation results of the register as last read, keyed by the
  content ids of every file read, the day (rule findings depend on it) and the names of the
  checks. This assumes what CHECKS require anyway: a check is a function of (register, today);
- `weights`: how long each check took, to share the checks evenly among processes;
- `base`: the last full set of each check's problems, with the content id of every file and the
  references of every record, from which `validate` re-checks only what a change can affect
  (meti_pi.checks.incremental); pruned like the results (no problem about content gone).
Every file carries the fingerprint of the code that produces it (meti_pi.store.cache_layers): the
parse outcomes, texts and listings that of the parser's modules, the results and base that of the
checks' modules (each with the schemas, the data files, Python and the libraries they import).
After an upgrade or an edit of meti-pi itself, a layer whose code changed is simply not used; one
whose code did not is kept (the first command after an upgrade need not parse every file again).

Data only, authenticated (issue 13): every file is an HMAC-SHA256, under a per-user key kept
outside the repository (`$XDG_CACHE_HOME/meti-pi/cache-key`, created 0600), over its name, the
fingerprint and the payload; the payload is decoded (marshal: plain data) only after the HMAC
checks. A file planted, copied from someone else's repository, damaged or swapped for another
is a miss: it costs a re-parse, never a wrong result, and no code is ever loaded from a cache.
Without a usable key (unwritable home, a key readable by others) there is no cache.

Nothing stays that the register no longer holds: each command that reads the register rewrites
the shards holding an entry for content it did not read (an edit reverted, a record deleted,
history rewritten), and drops the results of any other state, so a My Number typed and then
removed is gone from the cache once the next command has run.

Why it is never wrong:
- Content ids come from git for tracked files whose work-tree bytes git confirms equal to the
  index (`git ls-files -m`, which compares contents whenever size, mtime, ctime or inode
  changed, and for racily-clean entries); stat shortcuts a user may have configured
  (core.checkStat, core.trustctime, fsmonitor, assume-unchanged, skip-worktree) are overridden
  or treated as "unknown". Every other file is read and hashed here. So an edit, a checkout, a
  rebase, or a file rewritten behind git's back with its old size and mtime all change the key.
- A parse result is stored under the id of the bytes actually parsed.
- Git is asked before anything is read: a repository git refuses (`safe.directory`) is refused.
- Files are written to a temporary name and renamed (two writers: the last one wins, both
  files are whole); anything unreadable or unauthenticated is ignored and rebuilt.
Set METI_PI_NO_CACHE=1 to bypass it (cli/ reads it into Settings.cache).

The code lives in blobs, cache_key and cache_files; this module holds the view of one loaded
register and names the interface callers use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from meti_pi import procs
from meti_pi.errors import Problem
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store.blobs import find_git_dir, fingerprint, git_state, refused
from meti_pi.store.cache_files import (
    BACKGROUND_MIN,
    DIR_NAME,
    FORMAT,
    KEY_BYTES,
    MAGIC,
    MAX_FILE,
    ORPHAN_AGE,
    SHARDS,
    Entry,
    Store,
    StoredProblem,
    _cache_folder,
    _write,
    blob_id,
    enabled,
    restored,
    shard_of,
    stored,
    sweep_other_code,
)
from meti_pi.store.cache_key import _user_dir, user_key
from meti_pi.store.cache_layers import layer_fingerprints
from meti_pi.store.record import schema_file_of_path


def layered_store(folder: Path, key: bytes, settings: Settings = DEFAULT) -> Store:
    """The register's cache folder, each layer under the fingerprint of the code producing it."""
    whole = fingerprint()
    layers = layer_fingerprints(whole, _user_dir(settings.cache_home), key)
    sweep_other_code(folder, key, whole, layers.values())
    return Store(folder, whole, key, layers)


def entry_key(cid: str, schema_file: str) -> str:
    return f"{cid}:{schema_file}"


class LiveKeys:
    """The live cache keys (`content id:schema file`, entry_key) of one schema file's records,
    asked key by key: the content ids held, and the keys just stored. Issue 18: the set of every
    live key of a kind was built for a few membership tests (a string a record: ~14 ms for the
    43,000 notifications of a 100,000-record register, on every write that swept a shard)."""

    def __init__(self, schema_file: str, cids: Collection[str], new: Collection[str]) -> None:
        self.suffix = ":" + schema_file
        self.cids = cids if isinstance(cids, (set, frozenset)) else set(cids)
        self.new = new

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        cid, sep, schema = key.partition(":")
        return (sep + schema == self.suffix and cid in self.cids) or key in self.new


class View:
    """What Register.load learnt about each file, and the cache behind it."""

    def __init__(self, store: Store, vouched: Any, *, lazy: bool = False) -> None:
        self.store = store
        self.lazy = lazy  # entries read shard by shard (a register read at a commit, lazily)
        self.vouched = vouched  # relpath -> blob id, from git
        self.ids: dict[str, str] = {}  # relpath -> content id of what was read (every file)
        self.objects: dict[str, Any] = {}  # relpath -> the Record built (None for faulty files)
        self.new: dict[str, Entry] = {}
        self.new_texts: dict[str, bytes] = {}  # content id -> UTF-8 text, of the entries in `new`
        self.live: set[str] = set()
        self.schema: dict[str, tuple[StoredProblem, ...]] = {}  # relpath -> schema problems, where known

    @classmethod
    def open(cls, root: Path, *, vouched: Mapping[str, str] | None = None, settings: Settings = DEFAULT) -> View | None:
        """The cache of the register at `root`; `vouched`: the blob id of each file, when the caller
        knows them from git (a register read at a commit), else git says which files are unchanged.
        git is asked before the cache is read: where git refuses the repository, so does this."""
        if not enabled(settings):
            return None
        git_dir = find_git_dir(root)
        if git_dir is None:
            return None
        if vouched is None:
            vouched = git_state(root)  # raises where git refuses the repository
            if vouched is None:
                return None
        key = user_key(settings.cache_home)
        folder = _cache_folder(git_dir, root) if key is not None else None
        if key is None or folder is None:
            return None
        store = layered_store(folder, key, settings)
        store.load()
        return cls(store, vouched)

    @classmethod
    def open_lazy(cls, root: Path, settings: Settings = DEFAULT) -> View | None:
        """The cache of the register at `root`, read shard by shard as records are asked for (a
        register read at a commit: git vouches for every blob id)."""
        if not enabled(settings):
            return None
        git_dir = find_git_dir(root)
        key = user_key(settings.cache_home) if git_dir is not None else None
        folder = _cache_folder(git_dir, root) if git_dir is not None and key is not None else None
        if key is None or folder is None:
            return None
        return cls(layered_store(folder, key, settings), {}, lazy=True)

    def lookup(self, key: str) -> Entry | None:
        found = self.new.get(key)
        if found is not None:
            return found
        return self.store.get(key) if self.lazy else self.store.entries.get(key)

    def add(self, key: str, entry: Entry, text: bytes | None = None) -> None:
        if self.store.entries.get(key) is not entry:
            self.new[key] = entry
            if text is not None:
                self.new_texts[key.split(":", 1)[0]] = text

    def flush_entries(self) -> None:
        """Store the new entries and prune what the register no longer holds; many new entries
        (a cold start) are written by a child process while this one goes on."""
        new, texts = self.new, self.new_texts
        self.new, self.new_texts = {}, {}
        live, store = self.live, self.store
        if len(new) >= BACKGROUND_MIN and procs.CAN_FORK:
            procs.background(lambda: self._save(new, live, texts))
            # The texts are the child's to write: this process lets them go (a record's text is read
            # from its file when a problem needs a line; issue 18: cold `validate` memory).
            store.remember(new, {})
            return
        self._save(new, live, texts)

    def _save(self, new: dict[str, Entry], live: set[str], texts: dict[str, bytes]) -> None:
        if self.store.save(new, live, texts):
            self.store.forget_results(self.state())
            self.store.prune_base(self.ids)
        self._save_work(live)

    def _save_work(self, live: set[str]) -> None:
        """Store.work_keys after a whole read: the content of the files git does not vouch for
        (changed in the work tree), as a read of the work tree keeps them (WorkTree.flush), and what
        was kept before and is still held. A read of the work tree alone then drops them once no
        file holds them (a value typed, read by `validate`, then taken back and read by `status`)."""
        vouched, store = self.vouched, self.store
        work = {
            entry_key(cid, schema)
            for rel, cid in self.ids.items()
            if vouched.get(rel) != cid and (schema := schema_file_of_path(rel))
        }
        previous = store.work_keys()
        keys = work | (previous & live)
        if keys != previous:
            store.save_work_keys(keys)

    # -- whole-register results
    def state(self) -> str:
        """A digest of the register as read: every file and its content id (computed once per
        reading: a command asks for it up to three times, ~0.2 s each at 100,000 files)."""
        memo = self.__dict__.get("_state")
        if memo is not None and memo[0] is self.ids and memo[1] == len(self.ids):
            return memo[2]  # type: ignore[no-any-return]
        ids = self.ids
        rels = sorted(ids)
        h = hashlib.sha1(self.store.checks_fp.encode())
        h.update("".join(f"\n{rel}\0{ids[rel]}" for rel in rels).encode())
        digest = h.hexdigest()
        self.__dict__["_state"] = (ids, len(ids), digest)
        return digest

    def result_key(self, reg: Any, today: Any, checks: Sequence[Any]) -> str | None:
        """The key of a validation result, or None when `reg` is not exactly what was loaded."""
        if len(reg.records) + len(reg.singletons) != sum(1 for o in self.objects.values() if o is not None):
            return None
        for rec in (*reg.singletons.values(), *reg.records.values()):
            if self.objects.get(rec.relpath) is not rec:
                return None
        h = hashlib.sha1(f"{self.state()}|{today.isoformat()}|".encode())
        h.update(
            "|".join(f"{getattr(c, '__module__', '')}.{getattr(c, '__qualname__', repr(c))}" for c in checks).encode()
        )
        return h.hexdigest()

    def result(self, key: str) -> list[Problem] | None:
        found = self.store.results().get(key)
        if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], tuple)):
            return None
        return [Problem(*p) for p in found[1]]

    def save_result(self, key: str, problems: Sequence[Problem]) -> None:
        self.store.save_result(key, self.state(), tuple(p.fields() for p in problems))

    # -- how long each check took last time (to share checks evenly among processes)
    def weights(self) -> dict[str, float]:
        return self.store.weights()

    def save_weights(self, seconds: dict[str, float]) -> None:
        self.store.save_weights({k: round(v, 4) for k, v in seconds.items()})


# The interface, including what blobs, cache_key and cache_files define (issue 17).
__all__ = [
    'BACKGROUND_MIN',
    'DIR_NAME',
    'FORMAT',
    'KEY_BYTES',
    'MAGIC',
    'MAX_FILE',
    'ORPHAN_AGE',
    'SHARDS',
    'Entry',
    'Store',
    'StoredProblem',
    'View',
    '_write',
    'blob_id',
    'enabled',
    'entry_key',
    'find_git_dir',
    'fingerprint',
    'git_state',
    'layered_store',
    'refused',
    'restored',
    'shard_of',
    'stored',
    'user_key',
]
