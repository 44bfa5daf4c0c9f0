"""The read cache: parsed records and validation results, keyed by file content, kept in the git dir.

What is stored (in `<git dir>/meti-pi-cache/<register>/`, so it is never committed):
- `records.NN` (32 shards by content id): per content id (the git blob id of a file's bytes) and
  schema, the parse outcome: the record's data and its schema problems, or the faults found;
- `texts.NN`: the text of each content id, read only by a process that asks a record for its text;
- `results`: whole-register validation results of the register as last read, keyed by the
  content ids of every file read, the day (rule findings depend on it) and the names of the
  checks. This assumes what CHECKS require anyway: a check is a function of (register, today);
- `weights`: how long each check took, to share the checks evenly among processes.
Every file carries a fingerprint of meti-pi's code, the schemas and the parsing libraries:
after an upgrade or an edit of meti-pi itself, old entries are simply not used.

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
Set METI_PI_NO_CACHE=1 to bypass it.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from meti_pi import PACKAGE_DIR
from meti_pi.errors import MetiPiError, Problem

FORMAT = 3  # 3: authenticated shards, results of one state
MAGIC = b"METIPIC3"
DIR_NAME = "meti-pi-cache"
SHARDS = 32  # records and texts are split by content id: a change rewrites one shard, not the whole
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


def enabled() -> bool:
    return os.environ.get("METI_PI_NO_CACHE", "") in ("", "0")


def blob_id(raw: bytes) -> str:
    """The git blob id of `raw` (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


def stored(problems: Iterable[Problem]) -> tuple[StoredProblem, ...]:
    return tuple((p.line, p.code, p.message, p.severity, p.key) for p in problems)


def restored(rel: str, problems: Iterable[StoredProblem]) -> list[Problem]:
    return [Problem(rel, line, code, message, severity, key) for line, code, message, severity, key in problems]


# -- what changed: content ids from git -------------------------------------------------------

# Never let a user's speed-over-safety settings decide what counts as unchanged.
_GIT_SAFE = ("-c", "core.checkStat=default", "-c", "core.trustctime=true", "-c", "core.fsmonitor=false")


def git_state(root: Path) -> dict[str, str] | None:
    """relpath -> blob id of the files under `root` that git vouches for; None without git.

    Vouched for: tracked, stage 0, regular file, not assume-unchanged or skip-worktree, and
    not modified in the work tree (git compares contents when the stat data differs).
    """
    from meti_pi import gitlayer

    git_dir = find_git_dir(root)
    if git_dir is None:
        return None
    try:
        out = gitlayer.git(root, *_GIT_SAFE, "ls-files", "--stage", "-v", "--modified", "-z", check=True)
    except MetiPiError as err:
        if "safe.directory" in str(err) or "dubious ownership" in str(err):
            raise refused(root) from None
        return None  # not a work tree git can read: no cache
    clean: dict[str, str] = {}
    dirty: set[str] = set()
    for entry in out.split("\0"):
        if not entry:
            continue
        head, _, rel = entry.partition("\t")
        fields = head.split(" ")
        if len(fields) != 4:
            continue
        tag, mode, sha, stage = fields
        # A file --modified lists comes twice: 'H' (in the index) and 'C' or 'R' (changed, removed).
        if tag == "H" and stage == "0" and mode in ("100644", "100755"):
            clean[rel] = sha
        else:
            dirty.add(rel)
    for rel in dirty:
        clean.pop(rel, None)
    return clean


def find_git_dir(root: Path) -> Path | None:
    """The git dir of the work tree holding `root`, found as git finds it (a `.git` folder, or a
    `.git` file naming one), without starting git. It only says where the cache is kept: which
    content is current always comes from git itself."""
    try:
        here = root.resolve()
    except OSError:
        return None
    for folder in (here, *here.parents):
        dot = folder / ".git"
        try:
            if dot.is_dir():
                return dot if (dot / "HEAD").exists() else None
            if dot.is_file():
                line = dot.read_text(encoding="utf-8", errors="replace").strip()
                if not line.startswith("gitdir:"):
                    return None
                target = Path(line[len("gitdir:"):].strip())
                target = target if target.is_absolute() else (folder / target).resolve()
                return target if (target / "HEAD").exists() else None
        except OSError:
            return None
    return None


def fingerprint() -> str:
    """What every stored result depends on besides the register: code, schemas, libraries, Python."""
    import importlib.util

    from meti_pi.store.schema import schemas_dir

    h = hashlib.sha1(f"{FORMAT}|{sys.version}|{sys.executable}".encode())
    pkg = PACKAGE_DIR
    for dirpath, dirnames, filenames in os.walk(pkg):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(dirpath, name)
            st = os.stat(path)
            h.update(f"{os.path.relpath(path, pkg)}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}\n".encode())
    sdir = schemas_dir()
    for schema_file in sorted(sdir.glob("*.json")) if sdir.is_dir() else ():
        h.update(schema_file.name.encode() + b"\0" + schema_file.read_bytes() + b"\0")
    for module in ("yaml", "jsonschema", "fastjsonschema"):
        spec = importlib.util.find_spec(module)
        origin = spec.origin if spec is not None else None
        if origin:
            st = os.stat(origin)
            h.update(f"{module}|{origin}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def refused(root: Path) -> MetiPiError:
    """git refuses the repository (safe.directory): so does meti-pi, cache included."""
    return MetiPiError(
        f"git refuses the repository holding {root}: it belongs to another user (git's safe.directory check); "
        f"meti-pi reads neither it nor its cache. If you trust it, run "
        f"`git config --global --add safe.directory <its work tree>` as git advises, or work on your own clone"
    )


# -- the per-user key ----------------------------------------------------------------------------


def _user_dir() -> Path | None:
    """`$XDG_CACHE_HOME/meti-pi`, else `~/.cache/meti-pi`: outside every repository."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if home == "~" or not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "meti-pi"


def _own_private_file(fd: int) -> bool:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_size != KEY_BYTES:
        return False
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o077):
        return False  # someone else's, or readable by others: anyone could forge entries with it
    return True


@lru_cache(maxsize=1)
def user_key() -> bytes | None:
    """The key authenticating this user's cache files, created on first use (0600); None: no cache."""
    folder = _user_dir()
    if folder is None:
        return None
    path = folder / "cache-key"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    for _ in range(2):
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            _make_key(folder, path)
            continue
        except OSError:
            return None
        try:
            if not _own_private_file(fd):
                return None
            key = os.read(fd, KEY_BYTES + 1)
            return key if len(key) == KEY_BYTES else None
        finally:
            os.close(fd)
    return None


def _make_key(folder: Path, path: Path) -> None:
    """A new random key, linked into place only whole (two first runs at once: one key wins)."""
    tmp = folder / f".cache-key.{os.getpid()}.{os.urandom(4).hex()}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            os.write(fd, os.urandom(KEY_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return
        for old in folder.glob("fjs-*.bin"):  # compiled validators an older meti-pi kept here: never read now
            old.unlink()
    except OSError:
        pass
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


# -- the files ---------------------------------------------------------------------------------------


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
    if not hmac.compare_digest(_mac(key, path.name, head, payload), blob[len(head):start]):
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


def shard_of(key: str) -> int:
    """The shard of an entry key or content id (hex): from its first two digits."""
    try:
        return int(key[:2], 16) % SHARDS
    except ValueError:
        return 0


class _Layer:
    """One kind of content in the cache folder, in SHARDS files by content id."""

    def __init__(self, directory: Path, name: str, fp: str, key: bytes) -> None:
        self.dir = directory
        self.name = name
        self.fp = fp
        self.key = key
        self.items: dict[str, Any] = {}
        self.loaded: set[int] = set()
        self.parts: dict[int, dict[str, Any]] = {}  # shard -> its items, as read

    def path(self, shard: int) -> Path:
        return self.dir / f"{self.name}.{shard:02d}"

    def load(self, shards: Iterable[int] = range(SHARDS)) -> None:
        for shard in shards:
            if shard in self.loaded:
                continue
            self.loaded.add(shard)
            part = _read(self.path(shard), self.fp, self.key)
            if isinstance(part, dict):
                self.parts[shard] = part
                self.items.update(part)

    def stale_shards(self, live: set[str]) -> set[int]:
        """Shards holding an entry whose key is not live."""
        return {shard_of(k) for k in self.items if k not in live}

    def save(self, shards: Iterable[int], new: dict[str, Any], live: set[str]) -> bool:
        """Rewrite `shards` with their live items plus `new`; False when one could not be written."""
        self.items.update(new)
        ok = True
        by_shard: dict[int, dict[str, Any]] = {}
        for k, v in new.items():
            by_shard.setdefault(shard_of(k), {})[k] = v
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


class Store:
    """The cache folder of one register: parse outcomes, texts (read only when asked), results."""

    def __init__(self, directory: Path, fp: str, key: bytes) -> None:
        self.dir = directory
        self.fp = fp
        self.key = key
        self._records = _Layer(directory, "records", fp, key)
        self._texts = _Layer(directory, "texts", fp, key)
        self.entries: dict[str, Entry] = self._records.items

    def load(self) -> None:
        self._records.load()
        self.entries = self._records.items

    def text(self, cid: str) -> bytes | None:
        """The UTF-8 text whose content id is `cid` (each texts shard is read on first use only)."""
        self._texts.load((shard_of(cid),))
        found = self._texts.items.get(cid)
        return found if isinstance(found, bytes) else None

    def save(self, new: dict[str, Entry], live: set[str], texts: dict[str, bytes]) -> bool:
        """Store `new` and drop every entry (and text) not in `live`; True when something was dropped.

        Texts go first: a shard whose texts could not be pruned keeps its stale record entry too,
        so the next command sees it and tries again."""
        stale = self._records.stale_shards(live)
        touched = {shard_of(k) for k in new} | stale
        if not touched:
            return False
        live_cids = {k.split(":", 1)[0] for k in live}
        failed = set()
        for shard in sorted(touched):
            part_texts = {c: t for c, t in texts.items() if shard_of(c) == shard}
            if not self._texts.save((shard,), part_texts, live_cids):
                failed.add(shard)
        self._records.save(touched - failed, {k: v for k, v in new.items() if shard_of(k) not in failed}, live)
        self.entries = self._records.items
        return bool(stale)

    def remember(self, new: dict[str, Entry], texts: dict[str, bytes]) -> None:
        """Know entries another process is writing (this process may look them up meanwhile)."""
        self._records.items.update(new)
        self.entries = self._records.items
        self._texts.items.update(texts)

    def results(self) -> dict[str, Any]:
        found = _read(self.dir / "results", self.fp, self.key)
        return found if isinstance(found, dict) else {}

    def save_result(self, key: str, state: str, problems: tuple[Any, ...]) -> None:
        """Keep `key`'s result, and the other results of the same register state (other days, checks) only."""
        results = {k: v for k, v in self.results().items() if isinstance(v, tuple) and v[0] == state}
        results[key] = (state, problems)
        _write(self.dir / "results", self.fp, self.key, results)

    def forget_results(self, state: str) -> None:
        """Drop every result of a register state other than `state` (its messages may quote old content)."""
        results = self.results()
        kept = {k: v for k, v in results.items() if isinstance(v, tuple) and v[0] == state}
        if len(kept) != len(results):
            if not (_write(self.dir / "results", self.fp, self.key, kept) if kept else _remove(self.dir / "results")):
                _remove(self.dir / "results")

    def weights(self) -> dict[str, float]:
        found = _read(self.dir / "weights", self.fp, self.key)
        return found if isinstance(found, dict) else {}

    def save_weights(self, seconds: dict[str, float]) -> None:
        _write(self.dir / "weights", self.fp, self.key, seconds)


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


ORPHAN_AGE = 120.0  # seconds after which a temporary file is a killed writer's, not a live one's


def _remove_orphans(folder: Path) -> None:
    """Temporary files of writers killed before their rename: they may hold content the register
    no longer holds, and nothing else would ever remove them."""
    import time

    try:
        names = [n for n in os.listdir(folder) if n.startswith(".") and n.endswith(".tmp")]
    except OSError:
        return
    now = time.time()
    for name in names:
        path = folder / name
        try:
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > ORPHAN_AGE:
                path.unlink()
        except OSError:
            pass


# -- the view of one loaded register ------------------------------------------------------------------


def entry_key(cid: str, schema_file: str) -> str:
    return f"{cid}:{schema_file}"


class View:
    """What Register.load learnt about each file, and the cache behind it."""

    def __init__(self, store: Store, vouched: dict[str, str]) -> None:
        self.store = store
        self.vouched = vouched  # relpath -> blob id, from git
        self.ids: dict[str, str] = {}  # relpath -> content id of what was read (every file)
        self.objects: dict[str, Any] = {}  # relpath -> the Record built (None for faulty files)
        self.new: dict[str, Entry] = {}
        self.new_texts: dict[str, bytes] = {}  # content id -> UTF-8 text, of the entries in `new`
        self.live: set[str] = set()
        self.schema: dict[str, tuple[StoredProblem, ...]] = {}  # relpath -> schema problems, where known

    @classmethod
    def open(cls, root: Path, *, vouched: dict[str, str] | None = None) -> View | None:
        """The cache of the register at `root`; `vouched`: the blob id of each file, when the caller
        knows them from git (a register read at a commit), else git says which files are unchanged.
        git is asked before the cache is read: where git refuses the repository, so does this."""
        if not enabled():
            return None
        git_dir = find_git_dir(root)
        if git_dir is None:
            return None
        if vouched is None:
            vouched = git_state(root)  # raises where git refuses the repository
            if vouched is None:
                return None
        key = user_key()
        folder = _cache_folder(git_dir, root) if key is not None else None
        if key is None or folder is None:
            return None
        store = Store(folder, fingerprint(), key)
        store.load()
        return cls(store, vouched)

    def lookup(self, key: str) -> Entry | None:
        found = self.new.get(key)
        return found if found is not None else self.store.entries.get(key)

    def add(self, key: str, entry: Entry, text: bytes | None = None) -> None:
        if self.store.entries.get(key) is not entry:
            self.new[key] = entry
            if text is not None:
                self.new_texts[key.split(":", 1)[0]] = text

    def flush_entries(self) -> None:
        """Store the new entries and prune what the register no longer holds; many new entries
        (a cold start) are written by a child process while this one goes on."""
        from meti_pi import procs

        new, texts = self.new, self.new_texts
        self.new, self.new_texts = {}, {}
        live, store = self.live, self.store
        if len(new) >= BACKGROUND_MIN and procs.CAN_FORK:
            procs.background(lambda: self._save(new, live, texts))
            store.remember(new, texts)
            return
        self._save(new, live, texts)

    def _save(self, new: dict[str, Entry], live: set[str], texts: dict[str, bytes]) -> None:
        if self.store.save(new, live, texts):
            self.store.forget_results(self.state())

    # -- whole-register results
    def state(self) -> str:
        """A digest of the register as read: every file and its content id."""
        h = hashlib.sha1(self.store.fp.encode())
        for rel in sorted(self.ids):
            h.update(f"\n{rel}\0{self.ids[rel]}".encode())
        return h.hexdigest()

    def result_key(self, reg: Any, today: Any, checks: Sequence[Any]) -> str | None:
        """The key of a validation result, or None when `reg` is not exactly what was loaded."""
        if len(reg.records) + len(reg.singletons) != sum(1 for o in self.objects.values() if o is not None):
            return None
        for rec in (*reg.singletons.values(), *reg.records.values()):
            if self.objects.get(rec.relpath) is not rec:
                return None
        h = hashlib.sha1(f"{self.state()}|{today.isoformat()}|".encode())
        h.update("|".join(f"{getattr(c, '__module__', '')}.{getattr(c, '__qualname__', repr(c))}" for c in checks).encode())
        return h.hexdigest()

    def result(self, key: str) -> list[Problem] | None:
        found = self.store.results().get(key)
        if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], tuple)):
            return None
        return [Problem(*p) for p in found[1]]

    def save_result(self, key: str, problems: Sequence[Problem]) -> None:
        self.store.save_result(key, self.state(), tuple((p.path, p.line, p.code, p.message, p.severity, p.key) for p in problems))

    # -- how long each check took last time (to share checks evenly among processes)
    def weights(self) -> dict[str, float]:
        return self.store.weights()

    def save_weights(self, seconds: dict[str, float]) -> None:
        self.store.save_weights({k: round(v, 4) for k, v in seconds.items()})
