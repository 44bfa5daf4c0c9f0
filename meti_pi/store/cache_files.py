"""The read cache's files: where they live, their format, writing and reading them safely, pruning."""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from meti_pi.errors import Problem
from meti_pi.settings import DEFAULT, Settings

FORMAT = 4  # 3: authenticated shards, results of one state; 4: record shards per schema, tree listings
MAGIC = b"METIPIC4"
DIR_NAME = "meti-pi-cache"
SHARDS = 32  # the number of `records.NN`/`texts.NN` shards format 3 kept (removed when found)
# Parse outcomes are kept in `rec.<schema>.<h>` (the schema's name, the content id's first hex digit:
# 16 shards per kind) and texts in `text.<hh>`: reading one record reads one small shard, and the
# write path reads the shards of the records it looks at, not the whole cache (issue 18).
BACKGROUND_MIN = 2000  # new entries from which a child process writes them (meti_pi.procs)
MAX_FILE = 1 << 31  # a cache file larger than this is not read
KEY_BYTES = 32
# Files an older meti-pi left in the cache folder (compiled code, unauthenticated data): removed.
_OLD_NAMES = ("records", "texts", "results", "weights")
_OLD_PREFIXES = ("records.d.", "texts.d.", "fjs-")

# Problem without its path, as stored: (line, code, message, severity, key).
StoredProblem = tuple[Any, str, str, str, str]
# A parse outcome: ("ok", marshal of data, schema problems, referenced keys) or ("fault", problems).
Entry = tuple[Any, ...]


def enabled(settings: Settings = DEFAULT) -> bool:
    """Whether the read cache is used (off: METI_PI_NO_CACHE=1, read by cli/ into Settings)."""
    return settings.cache


def blob_id(raw: bytes) -> str:
    """The git blob id of `raw` (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


def stored(problems: Iterable[Problem]) -> tuple[StoredProblem, ...]:
    return tuple((p.line, p.code, p.message, p.severity, p.key) for p in problems)


def restored(rel: str, problems: Iterable[StoredProblem]) -> list[Problem]:
    return [Problem(rel, line, code, message, severity, key) for line, code, message, severity, key in problems]


def _mac(key: bytes, name: str, head: bytes, payload: Any) -> bytes:
    h = hmac.new(key, name.encode() + b"\0" + head, hashlib.sha256)
    h.update(payload)
    return h.digest()


def _read(path: Path, fp: str, key: bytes) -> Any:
    """The payload of a cache file, or None when missing, stale, damaged or not authenticated."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE:
            return None  # a link, FIFO, device or folder planted in its place: never read
        with os.fdopen(os.dup(fd), "rb") as fh:
            blob = fh.read()
    except OSError:
        return None
    finally:
        os.close(fd)
    head = MAGIC + fp.encode()
    start = len(head) + 32
    if len(blob) < start or not blob.startswith(head):
        return None
    payload = memoryview(blob)[start:]
    if not hmac.compare_digest(_mac(key, path.name, head, payload), blob[len(head) : start]):
        return None
    try:
        return marshal.loads(payload)  # our own bytes (authenticated): plain data
    except (EOFError, ValueError, TypeError):
        return None


def _write(path: Path, fp: str, key: bytes, value: Any) -> bool:
    """Atomically replace `path`; False (and nothing left behind) when it cannot be written."""
    payload = marshal.dumps(value)
    head = MAGIC + fp.encode()
    data = head + _mac(key, path.name, head, payload) + payload
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return False


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


def shard_of(key: str) -> str:
    """The shard of an entry key `<content id>:<schema file>`: `<schema name>.<first hex digit>`."""
    cid, _, schema_file = key.partition(":")
    return f"{schema_file.split('.', 1)[0] or 'x'}.{cid[:1] or 'x'}"


def text_shard_of(cid: str) -> str:
    """The shard of a text, by its content id: its first two hex digits."""
    return cid[:2] or "xx"


class _Layer:
    """One kind of content in the cache folder, in shard files named `<name>.<shard>`."""

    def __init__(self, directory: Path, name: str, fp: str, key: bytes, shard: Any) -> None:
        self.dir = directory
        self.name = name
        self.fp = fp
        self.key = key
        self.shard_of = shard  # item key -> shard name
        self.items: dict[str, Any] = {}
        self.loaded: set[str] = set()
        self.parts: dict[str, dict[str, Any]] = {}  # shard -> its items, as read

    def path(self, shard: str) -> Path:
        return self.dir / f"{self.name}.{shard}"

    def all_shards(self) -> list[str]:
        prefix = self.name + "."
        try:
            return sorted(n[len(prefix) :] for n in os.listdir(self.dir) if n.startswith(prefix))
        except OSError:
            return []

    def get(self, key: str) -> Any:
        """The item `key`, reading its shard on first use."""
        self.load((self.shard_of(key),))
        return self.items.get(key)

    def load(self, shards: Iterable[str] | None = None) -> None:
        for shard in self.all_shards() if shards is None else shards:
            if shard in self.loaded:
                continue
            self.loaded.add(shard)
            part = _read(self.path(shard), self.fp, self.key)
            if isinstance(part, dict):
                self.parts[shard] = part
                self.items.update(part)

    def unload(self, prefix: str) -> None:
        """Let the shards read whose name starts with `prefix` go (read again on next use)."""
        for shard in [shard for shard in self.loaded if shard.startswith(prefix)]:
            self.loaded.discard(shard)
            for k in self.parts.pop(shard, {}):
                self.items.pop(k, None)

    def stale_shards(self, live: Any) -> set[str]:
        """Shards holding an entry whose key is not live."""
        return {self.shard_of(k) for k in self.items if k not in live}

    def save(self, shards: Iterable[str], new: dict[str, Any], live: Any) -> bool:
        """Rewrite `shards` with their live items plus `new`; False when one could not be written."""
        self.items.update(new)
        ok = True
        by_shard: dict[str, dict[str, Any]] = {}
        for k, v in new.items():
            by_shard.setdefault(self.shard_of(k), {})[k] = v
        for shard in sorted(set(shards)):
            self.load((shard,))
            part = {k: v for k, v in self.parts.get(shard, {}).items() if k in live}
            part.update(by_shard.get(shard, {}))
            done = _write(self.path(shard), self.fp, self.key, part) if part else _remove(self.path(shard))
            if done:
                for k in self.parts.get(shard, {}):
                    if k not in part:
                        self.items.pop(k, None)
                self.parts[shard] = part
            ok = ok and done
        return ok


class _Without:
    """Every key but those of `gone` (the live set of a shard rewrite)."""

    def __init__(self, gone: set[str]) -> None:
        self.gone = gone

    def __contains__(self, key: object) -> bool:
        return key not in self.gone


class Store:
    """The cache folder of one register: parse outcomes, texts (read only when asked), results."""

    def __init__(self, directory: Path, fp: str, key: bytes, layers: dict[str, str] | None = None) -> None:
        self.dir = directory
        self.fp = fp  # the fingerprint of all of meti-pi (the files other modules keep here)
        self.key = key
        # Each layer under the fingerprint of the code producing it (meti_pi.store.cache_layers):
        # parse outcomes, texts and tree listings under `records`; results, base, weights under `checks`.
        self.layers = dict(layers or {})
        self.records_fp = (layers or {}).get("records", fp)
        self.checks_fp = (layers or {}).get("checks", fp)
        self._records = _Layer(directory, "rec", self.records_fp, key, shard_of)
        self._texts = _Layer(directory, "text", self.records_fp, key, text_shard_of)
        self.entries: dict[str, Entry] = self._records.items

    def layer_fp(self, layer: str) -> str:
        """The fingerprint of a layer of meti_pi.store.cache_layers.ROOTS (e.g. "notify"): that of
        the code producing it; the whole fingerprint where it cannot be told."""
        return self.layers.get(layer, self.fp)

    def load(self) -> None:
        """Read every shard (a command that reads the whole register)."""
        self._records.load()
        self.entries = self._records.items

    def get(self, key: str) -> Entry | None:
        """The entry `key`, reading only its shard (a command that reads some records)."""
        found = self._records.get(key)
        return found if isinstance(found, tuple) else None

    def unload(self, schema_file: str) -> None:
        """Let the record shards read of `schema_file` go: a pass over the register kind by kind
        (worktree.WorkRecords.forget) holds one kind's shards at a time. Read again on next use; the
        shards not read are not swept by the next `update` (it sweeps the shards read)."""
        self._records.unload((schema_file.split(".", 1)[0] or "x") + ".")  # shard_of: `<schema name>.<digit>`

    # -- what a lazy read weighs before looking up (meti_pi.store.lazy: SPARSE_SHARDS)
    def shard_name(self, key: str) -> str:
        """The shard holding the entry `key`."""
        return shard_of(key)

    def unread_bytes(self, shard: str) -> int:
        """What reading record shard `shard` would cost now, in bytes: 0 once read (or missing)."""
        if shard in self._records.loaded:
            return 0
        try:
            return os.stat(self._records.path(shard)).st_size
        except OSError:
            return 0

    def text(self, cid: str) -> bytes | None:
        """The UTF-8 text whose content id is `cid` (each texts shard is read on first use only)."""
        found = self._texts.get(cid)
        return found if isinstance(found, bytes) else None

    def update(self, new: dict[str, Entry], texts: dict[str, bytes], drop: set[str], live: Any) -> None:
        """Store `new`; remove the entries `drop` names and, in the shards read so far, every entry
        not live (`live.keys_of(schema file)`: the live keys, or None when not known)."""
        self._records.load({shard_of(k) for k in drop})
        stale = {k for k in drop if k in self._records.items}
        by_schema: dict[str, set[str]] = {}
        for shard, part in self._records.parts.items():
            by_schema.setdefault(shard.rsplit(".", 1)[0], set()).update(part)
        for name, keys in by_schema.items():
            held = live.keys_of(f"{name}.schema.json")
            if held is not None:
                stale |= {k for k in keys if k not in held}
        self._save(new, texts, stale - set(new))

    def save(self, new: dict[str, Entry], live: set[str], texts: dict[str, bytes]) -> bool:
        """Store `new` and drop every entry (and text) not in `live`; True when something was dropped."""
        stale = {k for k in self._records.items if k not in live and k not in new}
        self._save(new, texts, stale)
        return bool(stale)

    def _save(self, new: dict[str, Entry], texts: dict[str, bytes], stale: set[str]) -> None:
        """Texts go first: a shard whose texts could not be pruned keeps its stale record entries
        too, so the next command sees them and tries again."""
        if not new and not stale:
            return
        held = {k.split(":", 1)[0] for k in (*new, *(k for k in self._records.items if k not in stale))}
        gone = {k.split(":", 1)[0] for k in stale} - held
        failed: set[str] = set()
        by_shard: dict[str, dict[str, bytes]] = {}  # grouped once: a scan of every text per shard was 256 x N
        for c, t in texts.items():
            by_shard.setdefault(text_shard_of(c), {})[c] = t
        for shard in sorted(by_shard.keys() | {text_shard_of(c) for c in gone}):
            part = by_shard.get(shard, {})
            if not self._texts.save((shard,), part, _Without(gone)):
                failed.add(shard)
        stale = {k for k in stale if text_shard_of(k) not in failed}
        touched = {shard_of(k) for k in new} | {shard_of(k) for k in stale}
        self._records.save(touched, new, _Without(stale))
        self.entries = self._records.items

    # -- tree listings: each kind folder's files at a tree, kept by the folder's tree id (issue 18)
    def listing(self, kind: str) -> dict[str, Any] | None:
        found = _read(self.dir / f"list.{kind or '-'}", self.records_fp, self.key)
        return found if isinstance(found, dict) else None

    def save_listing(self, kind: str, value: dict[str, Any]) -> None:
        _write(self.dir / f"list.{kind or '-'}", self.records_fp, self.key, value)

    def remember(self, new: dict[str, Entry], texts: dict[str, bytes]) -> None:
        """Know entries another process is writing (this process may look them up meanwhile)."""
        self._records.items.update(new)
        self.entries = self._records.items
        self._texts.items.update(texts)

    def results(self) -> dict[str, Any]:
        found = _read(self.dir / "results", self.checks_fp, self.key)
        return found if isinstance(found, dict) else {}

    def save_result(self, key: str, state: str, problems: tuple[Any, ...]) -> None:
        """Keep `key`'s result, and the other results of the same register state (other days, checks) only."""
        results = {k: v for k, v in self.results().items() if isinstance(v, tuple) and v[0] == state}
        results[key] = (state, problems)
        _write(self.dir / "results", self.checks_fp, self.key, results)

    def forget_results(self, state: str) -> None:
        """Drop every result of a register state other than `state` (its messages may quote old content)."""
        results = self.results()
        kept = {k: v for k, v in results.items() if isinstance(v, tuple) and v[0] == state}
        written = len(kept) == len(results) or (
            _write(self.dir / "results", self.checks_fp, self.key, kept) if kept else _remove(self.dir / "results")
        )
        if not written:
            _remove(self.dir / "results")

    # -- the base of incremental validation (meti_pi.checks.incremental): data only, in two files.
    # `base`: what was read (every file's content id, every record's references: no content);
    # `base-found`: each check's problems (their messages may quote content), the content id of
    # each file they are about, and the files whose problems were dropped since. Both carry the
    # same `stamp`: a pair written by two validates at once is not taken for one.
    def base(self) -> dict[str, Any] | None:
        index = _read(self.dir / "base", self.checks_fp, self.key)
        found = _read(self.dir / "base-found", self.checks_fp, self.key)
        if not (isinstance(index, dict) and isinstance(found, dict) and index.get("stamp") == found.get("stamp")):
            return None
        return {**index, **found}

    def save_base(self, index: dict[str, Any], found: dict[str, Any]) -> None:
        stamp = os.urandom(8).hex()
        # the problems first: a failed write leaves a pair whose stamps differ (no base), never a wrong one
        if not _write(self.dir / "base-found", self.checks_fp, self.key, {**found, "stamp": stamp}):
            return
        if not _write(self.dir / "base", self.checks_fp, self.key, {**index, "stamp": stamp}):
            _remove(self.dir / "base-found")

    def prune_base(self, ids: dict[str, str]) -> None:
        """Drop every problem about a file whose content the register no longer holds (`ids`:
        relpath -> content id as read now): its message may quote that content. The file is noted
        as dropped, so the next validate checks it again even if its old content comes back."""
        path = self.dir / "base-found"
        found = _read(path, self.checks_fp, self.key)
        if found is None:
            return
        cids = found.get("cids") if isinstance(found, dict) else None
        if not isinstance(cids, dict) or not isinstance(found.get("found"), tuple):
            _remove(path)
            return
        gone = {rel for rel, cid in cids.items() if ids.get(rel, "") != cid}
        if not gone:
            return
        found["cids"] = {rel: cid for rel, cid in cids.items() if rel not in gone}
        found["dropped"] = tuple(sorted(set(found.get("dropped") or ()) | gone))
        found["found"] = tuple(_without(part, gone) for part in found["found"])
        for name in ("loadp", "schemap"):  # the read faults and schema problems (base version 3)
            if name in found:
                found[name] = _without(found[name], gone)
        if not _write(path, self.checks_fp, self.key, found):
            _remove(path)

    # -- `work`: the keys of the entries whose content a file of the work tree held when the register
    # was last read with its work tree (content HEAD does not hold: an edit not committed). A later
    # read drops those no file holds any more (a 個人番号 typed, read by `status`, then taken back),
    # which no listing of HEAD's folders would name (meti_pi.store.worktree.WorkTree.flush).
    def work_keys(self) -> frozenset[str]:
        found = _read(self.dir / "work", self.records_fp, self.key)
        return frozenset(k for k in found if isinstance(k, str)) if isinstance(found, tuple) else frozenset()

    def save_work_keys(self, keys: Iterable[str]) -> None:
        _write(self.dir / "work", self.records_fp, self.key, tuple(sorted(keys)))

    def weights(self) -> dict[str, float]:
        found = _read(self.dir / "weights", self.checks_fp, self.key)
        return found if isinstance(found, dict) else {}

    def save_weights(self, seconds: dict[str, float]) -> None:
        _write(self.dir / "weights", self.checks_fp, self.key, seconds)


def _without(part: Any, gone: set[str]) -> tuple[Any, ...]:
    """The stored problems of `part` not about a file of `gone`."""
    if not isinstance(part, tuple):
        return ()
    return tuple(p for p in part if not (isinstance(p, tuple) and p and p[0] in gone))


def _own_dir(path: Path) -> bool:
    """A real folder (not a link planted in its place) this user owns."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and (not hasattr(os, "getuid") or st.st_uid == os.getuid())


def _cache_folder(git_dir: Path, root: Path) -> Path | None:
    """`<git dir>/meti-pi-cache/<register>/`, created 0700; None where it is not a folder of ours.

    One folder per register (a repository may hold two): each command prunes only its own."""
    top = git_dir / DIR_NAME
    try:
        where = os.path.relpath(root.resolve(), _work_tree_of(git_dir, root)).replace(os.sep, "/")
    except (OSError, ValueError):
        where = str(root.resolve())
    folder = top / ("r-" + hashlib.sha1(where.encode()).hexdigest()[:16])
    for path in (top, folder):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
        if not _own_dir(path):
            return None
    _remove_old_files(top)
    _remove_orphans(folder)
    return folder


def _work_tree_of(git_dir: Path, root: Path) -> Path:
    """The folder holding the `.git` that find_git_dir found for `root`."""
    here = root.resolve()
    for folder in (here, *here.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return here


def _remove_old_files(top: Path) -> None:
    """Files an older meti-pi kept at the top of the cache folder (compiled validators, unauthenticated data)."""
    try:
        names = os.listdir(top)
    except OSError:
        return
    for name in names:
        if name in _OLD_NAMES or name.startswith(_OLD_PREFIXES):
            path = top / name
            try:
                if stat.S_ISREG(os.lstat(path).st_mode) or stat.S_ISLNK(os.lstat(path).st_mode):
                    path.unlink()
            except OSError:
                pass


SWEPT = "swept"  # the fingerprints the folder was last swept for (sweep_other_code)
_HEAD_BYTES = 256


def sweep_other_code(folder: Path, key: bytes, whole: str, current: Iterable[str]) -> None:
    """After an upgrade (the fingerprints changed): remove every file of the folder written under
    code this installation does not run. It is never read again (its fingerprint does not match),
    and nothing else would prune it: it may hold records HEAD no longer holds. Once per change of
    the fingerprints (the `swept` file), reading only each file's head."""
    mark = sorted({whole, *current})
    if _read(folder / SWEPT, whole, key) == mark:
        return
    heads = tuple(MAGIC + fp.encode() for fp in mark)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name == SWEPT or name.startswith("."):  # temporary files: _remove_orphans
            continue
        path = folder / name
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            _remove(path)  # a link planted in its place (O_NOFOLLOW) or unreadable
            continue
        try:
            ours = stat.S_ISREG(os.fstat(fd).st_mode) and os.read(fd, _HEAD_BYTES).startswith(heads)
        except OSError:
            ours = False
        finally:
            os.close(fd)
        if not ours:
            _remove(path)
    _write(folder / SWEPT, whole, key, mark)


ORPHAN_AGE = 120.0  # seconds after which a temporary file is a killed writer's, not a live one's


def _remove_orphans(folder: Path) -> None:
    """Temporary files of writers killed before their rename: they may hold content the register
    no longer holds, and nothing else would ever remove them."""
    import time

    try:
        listed = os.listdir(folder)
    except OSError:
        return
    for name in listed:  # format 3's shards (records.NN, texts.NN): content of another layout, never read again
        head, dot, tail = name.partition(".")
        if head in ("records", "texts") and dot and tail.isdigit():
            _remove(folder / name)
    names = [n for n in listed if n.startswith(".") and n.endswith(".tmp")]
    now = time.time()
    for name in names:
        path = folder / name
        try:
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > ORPHAN_AGE:
                path.unlink()
        except OSError:
            pass
