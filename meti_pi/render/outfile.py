"""Output files a command writes outside the register (reports, exports): all or nothing."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from meti_pi.errors import UsageError

# What a document meti-pi writes is named: never a folder to make for documents (check_out_folder).
_DOCUMENT_SUFFIXES = frozenset({".md", ".docx", ".xlsx", ".csv", ".pdf", ".zip", ".json", ".txt"})


def check_out_folder(folder: Path, option: str = "--out") -> None:
    """Refuse (exit 2), before anything is written or committed, a folder for a command's documents
    that could not be made: a file in its place or in the way of its parents, or a folder to be made
    whose name is a document's (`--out report.md`, where --out is the folder: a folder report.md was
    made, the officer looking for a file). Creates nothing."""
    if folder.suffix.lower() in _DOCUMENT_SUFFIXES and not folder.exists():
        raise UsageError(
            f"{option} {folder}: names a file, where a folder is wanted (the documents are written in it, each"
            " named after its record); give a folder"
        )
    for place in (folder, *folder.parents):
        if place.is_dir():
            return
        if place.exists() or place.is_symlink():
            raise UsageError(
                f"{option} {folder}: {place} is a file, not a folder; give a folder for the documents "
                "(one that does not exist yet is created)"
            )


def out_folder(folder: Path, option: str = "--out") -> Path:
    """The folder a command writes its documents into, created with its parents if missing; one that
    cannot be (a file in the way, no permission) is refused with exit 2, not a crash."""
    check_out_folder(folder, option)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"{option} {folder}: cannot create the folder ({exc.strerror or exc}); give a folder you can write to"
        ) from None
    return folder


def write_atomically(path: Path, fill: Callable[[Path], None], *, force: bool = True) -> None:
    """Have `fill` write a temporary file beside `path`, then rename it over `path`: a reader (or a
    crash) never sees a half-written file. Without `force`, an existing `path` is refused (exit 2)."""
    if not force and (path.exists() or path.is_symlink()):
        raise UsageError(f"{path} exists; give --force to replace it")
    if path.is_dir():
        raise UsageError(f"{path} is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():  # said here: a writer other than open() (sqlite3) says it otherwise
        raise UsageError(f"cannot write {path}: there is no folder {parent}; create it first")
    tmp = parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        fill(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if not force and (path.exists() or path.is_symlink()):
            raise UsageError(f"{path} exists; give --force to replace it")
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomically(path: Path, data: bytes, *, force: bool = True) -> None:
    def fill(tmp: Path) -> None:
        tmp.write_bytes(data)

    write_atomically(path, fill, force=force)
