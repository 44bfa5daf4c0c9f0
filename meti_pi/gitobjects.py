"""Git objects written by meti-pi itself: the blobs, trees and commit of one audit commit.

Five git processes (read-tree, hash-object, update-index, write-tree, commit-tree) cost ~25 ms
in a register of 10,000 files; this writes the same objects as loose objects directly, reading
only the trees on the changed paths (one `git cat-file --batch`, in meti_pi.audit). Loose objects
are what git itself writes: `<objects>/ab/cdef...`, zlib-compressed `<type> <size>\\0<body>`,
made read-only and put in place with a hard link, so an object is whole or absent.

Only for repositories where that is all git would do: SHA-1 object names, no shared-repository
permissions, no signed commits, UTF-8 messages; meti_pi.audit asks git to do it otherwise.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from pathlib import Path

TREE_MODE = b"40000"
FILE_MODE = b"100644"

# name -> (mode, 20-byte object id)
Entries = dict[bytes, tuple[bytes, bytes]]


def parse_tree(body: bytes) -> Entries:
    """The entries of a tree object's body."""
    entries: Entries = {}
    pos = 0
    while pos < len(body):
        space = body.index(b" ", pos)
        nul = body.index(b"\0", space)
        entries[body[space + 1: nul]] = (body[pos:space], body[nul + 1: nul + 21])
        pos = nul + 21
    return entries


def tree_body(entries: Entries) -> bytes:
    """A tree object's body, entries in git's order (a subtree sorts as if its name ended in '/')."""
    def order(name: bytes) -> bytes:
        return name + b"/" if entries[name][0] == TREE_MODE else name

    return b"".join(mode + b" " + name + b"\0" + oid for name in sorted(entries, key=order) for mode, oid in [entries[name]])


class Writer:
    """Writes loose objects into one repository's object store."""

    def __init__(self, objects_dir: Path, *, fsync: bool = False) -> None:
        self.dir = objects_dir
        self.fsync = fsync  # as git does when core.fsync asks it to harden loose objects (not by default)

    def write(self, kind: bytes, body: bytes) -> str:
        raw = b"%s %d\0" % (kind, len(body)) + body
        oid = hashlib.sha1(raw).hexdigest()
        folder = self.dir / oid[:2]
        final = folder / oid[2:]
        if final.exists():
            return oid
        folder.mkdir(exist_ok=True)
        tmp = folder / f"tmp_obj_meti_pi_{os.getpid()}_{os.urandom(4).hex()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        try:
            os.write(fd, zlib.compress(raw, 1))
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, final)
        except FileExistsError:
            pass  # written meanwhile by another process: the same bytes
        except OSError:
            # No hard links here (FAT, some network shares): rename, as git does then.
            try:
                os.rename(tmp, final)
            except FileExistsError:
                pass
        finally:
            if os.name == "nt" and tmp.exists():
                os.chmod(tmp, 0o644)  # Windows refuses to delete a read-only file
            tmp.unlink(missing_ok=True)
        return oid

    def tree(self, trees: dict[str, bytes | None], changes: dict[str, str | None]) -> str:
        """The root tree of a commit: `trees` are the old tree bodies by folder ('' the root; None:
        no such folder), `changes` the new blob id of each changed file path (None: removed)."""
        folders: dict[str, Entries] = {}

        def entries_of(folder: str) -> Entries:
            if folder not in folders:
                body = trees.get(folder)
                folders[folder] = parse_tree(body) if body else {}
            return folders[folder]

        for path, oid in changes.items():
            folder, _, name = path.rpartition("/")
            entries = entries_of(folder)
            if oid is None:
                entries.pop(name.encode(), None)
            else:
                entries[name.encode()] = (FILE_MODE, bytes.fromhex(oid))
            while folder:  # every folder up to the root is rewritten
                folder = folder.rpartition("/")[0]
                entries_of(folder)
        # Deepest first: a folder's new id goes into its parent; an emptied folder disappears.
        for folder in sorted(folders, key=lambda f: -f.count("/") if f else 1):
            if not folder:
                continue
            parent, _, name = folder.rpartition("/")
            entries = folders[folder]
            if entries:
                folders[parent][name.encode()] = (TREE_MODE, bytes.fromhex(self.write(b"tree", tree_body(entries))))
            else:
                folders[parent].pop(name.encode(), None)
        return self.write(b"tree", tree_body(folders[""]))

    def commit(self, tree: str, parent: str | None, author: str, committer: str, message: str) -> str:
        """A commit object; `author` and `committer` as `git var GIT_AUTHOR_IDENT` prints them."""
        head = f"tree {tree}\n" + (f"parent {parent}\n" if parent else "") + f"author {author}\ncommitter {committer}\n\n"
        return self.write(b"commit", head.encode("utf-8") + message.encode("utf-8"))


def folders_of(paths: list[str]) -> list[str]:
    """Every folder on the way to `paths`, the root ('') included."""
    out = {""}
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder:
            out.add(folder)
            folder = folder.rpartition("/")[0]
    return sorted(out)
