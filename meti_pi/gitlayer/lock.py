"""The register lock: concurrent meti-pi invocations on one repository take turns.

An advisory lock on a file inside the git directory (never committed): `flock` on POSIX,
`msvcrt.locking` on Windows, both behind `_try_lock`. The kernel drops it when the holder dies, so
a lock left by a killed command is recovered without guessing from timestamps; the file's text only
tells a waiting command who holds it (`/proc/locks` names the holder's pid on Linux, a nicety).
"""

from __future__ import annotations

import errno
import json
import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from meti_pi.errors import MetiPiError
from meti_pi.gitlayer.fs import os_message

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


_WIN_BYTE = 1 << 20


def _try_lock(fd: int) -> bool:
    """Take the lock without waiting; False when another process holds it."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            os.lseek(fd, _WIN_BYTE, os.SEEK_SET)  # a byte past the holder's details, which others read
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EDEADLK):
            return False
        raise
    return True


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, _WIN_BYTE, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _info(fd: int) -> dict[str, object]:
    """What the holder wrote about itself ({} when nothing readable)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _flock_pid(fd: int) -> int | None:
    """The pid holding an flock on this file, from /proc/locks (Linux); None where unknown."""
    try:
        st = os.fstat(fd)
        want = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            for line in fh:
                fields = line.split()
                if "->" not in fields and len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == want:
                    return int(fields[4]) or None
    except (OSError, ValueError):
        return None
    return None


def _alive(pid: object) -> bool:
    try:
        os.kill(int(pid), 0)  # type: ignore[call-overload]
    except (OSError, ValueError, TypeError):
        return False
    return True


HOLDER_WAIT = 0.6  # seconds a refused command waits for the holder's details (after its own lock wait)


def _holder(fd: int) -> str:
    """Who holds the lock, for the timeout message.

    The holder writes its details just after taking the lock, so a reader may see nothing yet,
    or the details of a holder that was killed: retry briefly (up to HOLDER_WAIT seconds: on a
    loaded machine the holder's write came later than the former 0.2 s, and the refusal said "it did
    not record who it is"), and trust /proc/locks over the file.
    """
    info: dict[str, object] = {}
    pid = None
    for _ in range(int(HOLDER_WAIT / 0.02)):
        pid = _flock_pid(fd)
        info = _info(fd)
        local = info.get("host") == platform.node()
        if info and (info.get("pid") == pid if pid is not None else not local or _alive(info.get("pid"))):
            return f"`meti-pi {info.get('command', '?')}` (pid {info.get('pid', '?')} on {info.get('host', '?')}, since {info.get('since', '?')})"
        time.sleep(0.02)
    if pid is not None:
        return f"another process (pid {pid} on {platform.node()}; it did not record which command)"
    return "another process (it did not record who it is)"


# Descriptors of the locks this process holds. The write path passes them to its git children
# (gitlayer.runner), so that a command killed while git runs keeps the lock until that git has exited:
# the next command never works beside an orphaned `git update-ref` or `git update-index`.
_HELD: list[int] = []


def held_fds() -> tuple[int, ...]:
    """File descriptors of the locks held now, for subprocesses that must keep them (none on
    Windows, where subprocess cannot pass descriptors: `pass_fds` is POSIX-only)."""
    return tuple(_HELD) if os.name != "nt" else ()


WAIT_NOTICE_AFTER = 1.0  # seconds of waiting after which `waiting` is told


@contextmanager
def held(
    lock_path: Path, *, command: str, timeout: float, waiting: Callable[[str, float], None] | None = None
) -> Iterator[None]:
    """Hold the lock for the duration of the block; MetiPiError (exit 3) after `timeout` seconds.
    `waiting` is told once, after WAIT_NOTICE_AFTER seconds, who holds it and how long this waits."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise MetiPiError(os_message(exc, f"opening the register lock {lock_path}") + "; nothing was written") from None
    try:
        started = time.monotonic()
        deadline = started + timeout
        delay = 0.01
        told = False
        while True:
            if _try_lock(fd):
                break
            if not told and waiting is not None and time.monotonic() - started >= WAIT_NOTICE_AFTER:
                told = True  # once: a command waiting up to lock_timeout_seconds is not silent for that long
                waiting(_holder(fd), timeout)
            if time.monotonic() >= deadline:
                holder = _holder(fd)  # waits up to 0.2 s for the holder's details...
                if _try_lock(fd):  # ...in which the lock may have come free: then it is ours after all
                    break
                raise MetiPiError(
                    f"the register is locked by {holder}; waited {timeout:g} s "
                    "(policy lock_timeout_seconds). Try again when it has finished."
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
        info = {
            "command": command,
            "pid": os.getpid(),
            "host": platform.node(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, json.dumps(info).encode("utf-8"))
        except OSError:
            pass  # a full disk: the details only help a waiting command name the holder
        _HELD.append(fd)
        try:
            yield
        finally:
            _HELD.remove(fd)
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            _unlock(fd)
    finally:
        os.close(fd)


def inherited(lock_path: Path) -> bool:
    """True when this process was started, directly or not, by the lock's holder (a git hook run by
    meti-pi's `git commit`): it has the lock file open among the descriptors it inherited. Waiting
    for the lock there would wait for its own parent."""
    try:
        st = os.stat(lock_path)
    except OSError:
        return False
    for fd in range(3, 256):
        try:
            other = os.fstat(fd)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino) and fd not in _HELD:
            return True
    return False
