"""Files written by the write path: whole or not at all, every byte checked; what an OSError means."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

TMP = ".meti-pi-tmp-"

# -- crash injection (tests only) -------------------------------------------------------------

# Called with the name of each phase of a change; tests set it (tests/crashhook) to kill the process
# there. Phases, in order: locked, validated, journal, tmp-written, file-written, files-written
# (all before the commit point), committed, done; and file-restored (recovery, after each file).
crash_hook: Callable[[str], None] | None = None


def crash_point(phase: str) -> None:
    if crash_hook is not None:
        crash_hook(phase)


def digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written: a write to a nearly full disk may write only part."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[n:]


def write_atomic(
    path: Path, data: bytes, *, phase: str = "", fsync: bool = True, before_replace: Callable[[], None] | None = None
) -> None:
    """Write via a temporary file in the same folder (every byte, checked), fsync, rename, fsync the
    folder. On failure the temporary file is removed and the target is as it was. `before_replace`:
    called last before the rename (it may refuse by raising: the target is then left as it is)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}{TMP}{os.getpid()}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            _write_all(fd, data)
            if fsync:
                os.fsync(fd)
            if os.fstat(fd).st_size != len(data):
                raise OSError(errno.EIO, f"{path.name}: {os.fstat(fd).st_size} of {len(data)} bytes written")
        finally:
            os.close(fd)
        if phase:
            crash_point(phase)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if fsync:
        fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows: folders cannot be opened
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def os_message(exc: OSError, what: str) -> str:
    """A disk-full, quota, read-only or permission error in words, with what was being done."""
    reason = {
        errno.ENOSPC: "the disk is full (ENOSPC)",
        errno.EDQUOT: "the disk quota is exceeded (EDQUOT)",
        errno.EROFS: "the file system is read-only (EROFS)",
        errno.EACCES: "permission denied (EACCES)",
        errno.EPERM: "permission denied (EPERM)",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return f"{reason} while {what}"
