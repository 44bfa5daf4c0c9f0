"""The read cache's per-user key: entries are authenticated with it, so no one else's file is trusted."""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path

from meti_pi.store.cache_files import KEY_BYTES


def _user_dir(cache_home: Path | None) -> Path | None:
    """`<cache_home>/meti-pi` (cli/: `$XDG_CACHE_HOME`, else `$HOME/.cache`; Settings.cache_home),
    else `~/.cache/meti-pi`: outside every repository."""
    base = str(cache_home) if cache_home is not None else ""
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
    # someone else's, or readable by others: anyone could forge entries with it
    return not (hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o077))


@lru_cache(maxsize=4)
def user_key(cache_home: Path | None = None) -> bytes | None:
    """The key authenticating this user's cache files, created on first use (0600); None: no cache."""
    folder = _user_dir(cache_home)
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
