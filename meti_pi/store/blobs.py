"""What changed: content ids (blob ids) of register files, from git's index and work tree."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from meti_pi import PACKAGE_DIR, gitlayer
from meti_pi.errors import MetiPiError
from meti_pi.store.cache_files import FORMAT
from meti_pi.store.schema import schemas_dir

# Never let a user's speed-over-safety settings decide what counts as unchanged.
_GIT_SAFE = ("-c", "core.checkStat=default", "-c", "core.trustctime=true", "-c", "core.fsmonitor=false")


def git_state(root: Path) -> dict[str, str] | None:
    """relpath -> blob id of the files under `root` that git vouches for; None without git.

    Vouched for: tracked, stage 0, regular file, not assume-unchanged or skip-worktree, and
    not modified in the work tree (git compares contents when the stat data differs).
    """
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
    pending_refresh.add(root)
    return clean


# The work trees whose stat-dirty files git compared for git_state: the command line has git record
# them in its index once the command has succeeded (refresh_pending); a command that fails writes nothing.
pending_refresh: set[Path] = set()


def refresh_pending() -> None:
    for root in sorted(pending_refresh):
        refresh_index(root)
    pending_refresh.clear()


def refresh_index(root: Path) -> None:
    """Let git record in its index that files whose stat data changed (a checkout, a touch, an
    edit undone) still hold the content it knows, as `git status` does (issue 18): otherwise git
    re-hashes them for every later command, meti-pi's and the user's. git writes its own index
    under its own `index.lock`; when another git holds the lock, or the user asked git for no
    optional locks (GIT_OPTIONAL_LOCKS=0), or a hook runs with its own index (GIT_INDEX_FILE),
    nothing is refreshed and nothing is waited for. Only stat data changes: never content."""
    if not gitlayer.runner.optional_locks_wanted():
        return
    try:
        gitlayer.git(root, *_GIT_SAFE, "update-index", "-q", "--refresh", "--ignore-submodules", check=False)
    except MetiPiError:
        pass


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
                target = Path(line[len("gitdir:") :].strip())
                target = target if target.is_absolute() else (folder / target).resolve()
                return target if (target / "HEAD").exists() else None
        except OSError:
            return None
    return None


def fingerprint() -> str:
    """What every stored result depends on besides the register: code, schemas, libraries, Python."""
    import importlib.util

    h = hashlib.sha1(f"{FORMAT}|{sys.version}|{sys.executable}".encode())
    pkg = PACKAGE_DIR
    for dirpath, dirnames, filenames in os.walk(pkg):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        # the files' paths relative to the package (os.path.relpath per file cost a write ~4 ms at 200 files)
        rel = "" if dirpath == str(pkg) else os.path.relpath(dirpath, pkg) + os.sep
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            st = os.stat(os.path.join(dirpath, name))
            h.update(f"{rel}{name}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}\n".encode())
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
