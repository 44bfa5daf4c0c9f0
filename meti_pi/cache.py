"""The read cache: parsed records and validation results, keyed by file content, kept in the git dir.

What is stored (in `<git dir>/meti-pi-cache/`, so it is never committed):
- `records`: per content id (the git blob id of a file's bytes) and schema, the parse outcome:
  the record's data (marshal) and its schema problems, or the faults found reading it;
- `texts`: the text of each content id, read only by a process that asks a record for its text;
- `results`: whole-register validation results, keyed by the content ids of every file read,
  the day (rule findings depend on it) and the names of the checks. This assumes what CHECKS
  require anyway: a check is a function of (register, today) and reads nothing else;
- `weights`: how long each check took, to share the checks evenly among processes;
- `fjs-*.bin`: compiled fast schema validators (meti_pi.schema; also kept per user).
`records` and `texts` are a base file plus small deltas written by runs that added few entries.
Every file carries a fingerprint of meti-pi's code, the schemas and the parsing libraries:
after an upgrade or an edit of meti-pi itself, old entries are simply not used.

Why it is never wrong:
- Content ids come from git for tracked files whose work-tree bytes git confirms equal to the
  index (`git ls-files -m`, which compares contents whenever size, mtime, ctime or inode
  changed, and for racily-clean entries); stat shortcuts a user may have configured
  (core.checkStat, core.trustctime, fsmonitor, assume-unchanged, skip-worktree) are overridden
  or treated as "unknown". Every other file is read and hashed here. So an edit, a checkout, a
  rebase, or a file rewritten behind git's back with its old size and mtime all change the key.
- A parse result is stored under the id of the bytes actually parsed.
- Files are written to a temporary name and renamed (two writers: the last one wins, both
  files are whole); each carries a CRC and a fingerprint; anything unreadable is ignored and
  rebuilt. A lost update only costs a re-parse.
Set METI_PI_NO_CACHE=1 to bypass it.
"""

from __future__ import annotations

import atexit
import hashlib
import marshal
import os
import sys
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from meti_pi.errors import Problem

FORMAT = 2  # 2: an entry also holds the record's references (meti_pi.refs)
MAGIC = b"METIPIC1"
DIR_NAME = "meti-pi-cache"
RESULTS_KEPT = 16  # whole-register results kept (branches, days)
MAX_DELTAS = 12  # small files added by runs with few new entries, before they are merged
BACKGROUND_MIN = 2000  # new entries from which a forked process writes them


# Writer processes started by View.flush_entries: waited for before this process exits.
_WRITERS: list[int] = []


def _reap_writers() -> None:
    while _WRITERS:
        pid = _WRITERS.pop()
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


atexit.register(_reap_writers)


def _detached(work: Any) -> None:
    """Run `work` in a process this one neither waits for nor leaves behind as a zombie (a grandchild,
    adopted by init). It lets go of the register's lock and of stdin/stdout/stderr first, so neither
    the next command nor a caller reading this one's output waits for it. Writes in the cache are
    atomic: a reader sees the old files or the new, and a lost write only costs a re-parse."""
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)  # the intermediate process exits at once
        return
    try:
        if os.fork() == 0:
            code = 1
            try:
                from meti_pi.gitlayer import lock

                for fd in lock.held_fds():
                    os.close(fd)
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                work()
                code = 0
            finally:
                os._exit(code)
    finally:
        os._exit(0)

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
    from meti_pi.errors import MetiPiError

    git_dir = find_git_dir(root)
    if git_dir is None:
        return None
    try:
        out = gitlayer.git(root, *_GIT_SAFE, "ls-files", "--stage", "-v", "--modified", "-z", check=True)
    except MetiPiError:
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

    from meti_pi.schema import schemas_dir

    h = hashlib.sha1(f"{FORMAT}|{sys.version}|{sys.executable}".encode())
    pkg = Path(__file__).resolve().parent
    for dirpath, dirnames, filenames in os.walk(pkg):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(dirpath, name)
            st = os.stat(path)
            h.update(f"{os.path.relpath(path, pkg)}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}\n".encode())
    sdir = schemas_dir()
    for path in sorted(sdir.glob("*.json")) if sdir.is_dir() else ():
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for module in ("yaml", "jsonschema", "fastjsonschema"):
        spec = importlib.util.find_spec(module)
        origin = spec.origin if spec is not None else None
        if origin:
            st = os.stat(origin)
            h.update(f"{module}|{origin}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


# -- the files ---------------------------------------------------------------------------------------


def _read(path: Path, fp: str) -> Any:
    """The payload of a cache file, or None when missing, stale or damaged."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC) + 40 + 4
    if len(blob) < head or blob[: len(MAGIC)] != MAGIC or blob[len(MAGIC): len(MAGIC) + 40] != fp.encode():
        return None
    payload = memoryview(blob)[head:]
    if zlib.crc32(payload) != int.from_bytes(blob[head - 4: head], "big"):
        return None
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None


def _write(path: Path, fp: str, value: Any) -> bool:
    """Atomically replace `path`; False (and nothing left behind) when it cannot be written."""
    payload = marshal.dumps(value)
    data = MAGIC + fp.encode() + zlib.crc32(payload).to_bytes(4, "big") + payload
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return False


class _Layer:
    """One kind of content in the cache folder: a base file and small deltas added since."""

    def __init__(self, directory: Path, name: str, fp: str) -> None:
        self.dir = directory
        self.name = name
        self.fp = fp
        self.items: dict[str, Any] = {}
        self.base_count = 0
        self.deltas: list[Path] = []

    def load(self) -> None:
        base = _read(self.dir / self.name, self.fp)
        if isinstance(base, dict):
            self.items = base
            self.base_count = len(base)
        try:
            names = sorted(n for n in os.listdir(self.dir) if n.startswith(self.name + ".d."))
        except OSError:
            names = []
        for name in names:
            path = self.dir / name
            self.deltas.append(path)
            part = _read(path, self.fp)
            if isinstance(part, dict):
                self.items.update(part)  # deltas are content-addressed: any order gives the same items

    def save(self, new: dict[str, Any], live: set[str], suffix: str) -> None:
        """Persist `new`: as a small delta, or as a new base holding the live items when due."""
        if not new:
            return
        self.items.update(new)
        if self.base_count and len(new) * 4 < self.base_count and len(self.deltas) < MAX_DELTAS:
            path = self.dir / f"{self.name}.d.{suffix}"
            if _write(path, self.fp, new):
                self.deltas.append(path)
            return
        # A new base: the items in use, plus older ones while they are few (switching back to a
        # branch then costs nothing); the deltas it merges are removed.
        keep = self.items if len(self.items) <= 2 * len(live) + 1000 else {k: v for k, v in self.items.items() if k in live}
        if _write(self.dir / self.name, self.fp, keep):
            self.base_count = len(keep)
            for path in self.deltas:
                try:
                    path.unlink()
                except OSError:
                    pass
            self.deltas = []


class Store:
    """The cache folder of one repository: parse outcomes, texts (read only when asked), results."""

    def __init__(self, directory: Path, fp: str) -> None:
        self.dir = directory
        self.fp = fp
        self._records = _Layer(directory, "records", fp)
        self._texts = _Layer(directory, "texts", fp)
        self._texts_loaded = False
        self.entries: dict[str, Entry] = self._records.items

    def load(self) -> None:
        self._records.load()
        self.entries = self._records.items

    def text(self, cid: str) -> bytes | None:
        """The UTF-8 text whose content id is `cid` (texts are read on first use only)."""
        if not self._texts_loaded:
            self._texts_loaded = True
            self._texts.load()
        found = self._texts.items.get(cid)
        return found if isinstance(found, bytes) else None

    def save_entries(self, new: dict[str, Entry], live: set[str], texts: dict[str, bytes] | None = None) -> None:
        if not new:
            return
        suffix = f"{os.getpid()}.{os.urandom(4).hex()}"
        rebase = self.rebase_due(len(new))
        self._records.save(new, live, suffix)
        self.entries = self._records.items
        if texts:
            if rebase and not self._texts_loaded:
                self.text("")  # a new base carries the older texts over
            self._texts.save(texts, {key.split(":", 1)[0] for key in live}, suffix)

    def rebase_due(self, count: int) -> bool:
        """Whether storing `count` new entries rewrites the base files (else they go in a small delta)."""
        records = self._records
        return not (records.base_count and count * 4 < records.base_count and len(records.deltas) < MAX_DELTAS)

    @property
    def base_count(self) -> int:
        return self._records.base_count

    def remember(self, new: dict[str, Entry], texts: dict[str, bytes]) -> None:
        """Know entries another process is writing (this process may look them up meanwhile)."""
        self._records.items.update(new)
        self.entries = self._records.items
        if self._texts_loaded:
            self._texts.items.update(texts)

    def results(self) -> dict[str, Any]:
        found = _read(self.dir / "results", self.fp)
        return found if isinstance(found, dict) else {}

    def save_result(self, key: str, problems: tuple[Any, ...]) -> None:
        results = self.results()
        results.pop(key, None)
        results[key] = problems
        while len(results) > RESULTS_KEPT:
            results.pop(next(iter(results)))
        _write(self.dir / "results", self.fp, results)


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
        """The cache of the repository holding `root`; `vouched`: the blob id of each file, when the
        caller knows them (a register read at a commit), else git says which files are unchanged."""
        if not enabled():
            return None
        git_dir = find_git_dir(root)
        if git_dir is None:
            return None
        directory = git_dir / DIR_NAME
        from meti_pi import schema

        schema.set_code_dir(directory)
        store = Store(directory, fingerprint())
        store.load()
        if vouched is not None:
            return cls(store, vouched)
        if not store.entries:
            # Nothing stored: every file is read and hashed anyway, so git need not vouch for any.
            return cls(store, {})
        state = git_state(root)
        if state is None:
            return None
        return cls(store, state)

    def lookup(self, key: str) -> Entry | None:
        found = self.new.get(key)
        return found if found is not None else self.store.entries.get(key)

    def add(self, key: str, entry: Entry, text: bytes | None = None) -> None:
        if self.store.entries.get(key) is not entry:
            self.new[key] = entry
            if text is not None:
                self.new_texts[key.split(":", 1)[0]] = text

    def flush_entries(self) -> None:
        """Store the new entries; many of them are written by a forked process while this one goes on."""
        new, texts = self.new, self.new_texts
        self.new, self.new_texts = {}, {}
        if not new:
            return
        if len(new) >= BACKGROUND_MIN and hasattr(os, "fork"):
            _reap_writers()
            pid = os.fork()
            if pid == 0:  # the writer: ~25 MB to marshal and write, off the validating process's path
                code = 1
                try:
                    self.store.save_entries(new, self.live, texts)
                    code = 0
                finally:
                    os._exit(code)
            _WRITERS.append(pid)
            self.store.remember(new, texts)
            return
        if self.store.base_count >= BACKGROUND_MIN and self.store.rebase_due(len(new)) and hasattr(os, "fork"):
            # A few entries that make the base files due for a rewrite (~25 MB on a large register,
            # once in MAX_DELTAS runs): written by a process nobody waits for.
            live = self.live
            _detached(lambda: self.store.save_entries(new, live, texts))
            self.store.remember(new, texts)
            return
        self.store.save_entries(new, self.live, texts)

    # -- whole-register results
    def result_key(self, reg: Any, today: Any, checks: Sequence[Any]) -> str | None:
        """The key of a validation result, or None when `reg` is not exactly what was loaded."""
        if len(reg.records) + len(reg.singletons) != sum(1 for o in self.objects.values() if o is not None):
            return None
        for rec in (*reg.singletons.values(), *reg.records.values()):
            if self.objects.get(rec.relpath) is not rec:
                return None
        h = hashlib.sha1(f"{self.store.fp}|{today.isoformat()}|".encode())
        h.update("|".join(f"{getattr(c, '__module__', '')}.{getattr(c, '__qualname__', repr(c))}" for c in checks).encode())
        for rel in sorted(self.ids):
            h.update(f"\n{rel}\0{self.ids[rel]}".encode())
        return h.hexdigest()

    def result(self, key: str) -> list[Problem] | None:
        found = self.store.results().get(key)
        if not isinstance(found, tuple):
            return None
        return [Problem(*p) for p in found]

    def save_result(self, key: str, problems: Sequence[Problem]) -> None:
        self.store.save_result(key, tuple((p.path, p.line, p.code, p.message, p.severity, p.key) for p in problems))

    # -- how long each check took last time (to share checks evenly among processes)
    def weights(self) -> dict[str, float]:
        found = _read(self.store.dir / "weights", self.store.fp)
        return found if isinstance(found, dict) else {}

    def save_weights(self, seconds: dict[str, float]) -> None:
        _write(self.store.dir / "weights", self.store.fp, {k: round(v, 4) for k, v in seconds.items()})


# -- sharing work between processes ------------------------------------------------------------------


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def run_shared(tasks: Sequence[Any], weights: Sequence[float], workers: int) -> list[Any]:
    """`[task() for task in tasks]`, shared among `workers` forked processes (POSIX).

    Results must be marshal-able. Tasks go to processes by weight (largest first, to the least
    loaded); this process runs its share meanwhile. A task whose process fails (crash, kill,
    unreadable output) is run again here, so exceptions surface exactly as if run serially.
    """
    workers = min(workers, len(tasks))
    if workers < 2 or not hasattr(os, "fork"):
        return [task() for task in tasks]
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for i in sorted(range(len(tasks)), key=lambda i: -weights[i]):
        w = loads.index(min(loads))
        shares[w].append(i)
        loads[w] += weights[i]
    results: list[Any] = [None] * len(tasks)
    children: list[tuple[int, int, list[int]]] = []
    try:
        for share in shares[1:]:
            rfd, wfd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: run its share, send the results marshalled, exit without cleanup
                code = 1
                try:
                    os.close(rfd)
                    payload = marshal.dumps([tasks[i]() for i in share])
                    with os.fdopen(wfd, "wb") as pipe:
                        pipe.write(payload)
                    code = 0
                finally:
                    os._exit(code)
            os.close(wfd)
            children.append((pid, rfd, share))
        for i in shares[0]:
            results[i] = tasks[i]()
        while children:
            pid, rfd, share = children[0]
            with os.fdopen(rfd, "rb") as pipe:
                payload = pipe.read()
            children.pop(0)
            _, status = os.waitpid(pid, 0)
            part: Any = None
            if status == 0:
                try:
                    part = marshal.loads(payload)
                except (EOFError, ValueError, TypeError):
                    part = None
            if not isinstance(part, list) or len(part) != len(share):
                part = [tasks[i]() for i in share]  # that process failed: do its share here
            for i, value in zip(share, part):
                results[i] = value
    finally:
        for pid, rfd, _ in children:  # only after an exception (e.g. ^C): leave no process behind
            try:
                os.close(rfd)
            except OSError:
                pass
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except OSError:
                pass
    return results
