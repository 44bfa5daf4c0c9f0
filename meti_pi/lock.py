"""The register lock: concurrent meti-pi invocations on one repository take turns.

An advisory `flock` on a file inside the git directory (never committed). The kernel drops it
when the holder dies, so a lock left by a killed command is recovered without guessing from
timestamps; the file's text only tells a waiting command who holds it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from meti_pi.errors import MetiPiError


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return "another meti-pi command"
    return f"`meti-pi {info.get('command', '?')}` (pid {info.get('pid', '?')} on {info.get('host', '?')}, since {info.get('since', '?')})"


@contextmanager
def held(lock_path: Path, *, command: str, timeout: float) -> Iterator[None]:
    """Hold the lock for the duration of the block; MetiPiError (exit 3) after `timeout` seconds."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.01
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise MetiPiError(
                        f"the register is locked by {_holder(fd)}; waited {timeout:g} s "
                        "(policy lock_timeout_seconds). Try again when it has finished."
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.2)
        info = {"command": command, "pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%S")}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(info).encode("utf-8"))
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
