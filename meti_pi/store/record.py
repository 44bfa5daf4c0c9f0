"""One record file: its model (Record), where records live (paths), and parsing one file.

Split from meti_pi.store.register (issue 18), which re-exports these names.
"""

from __future__ import annotations

import marshal
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from meti_pi import gitlayer
from meti_pi.errors import MetiPiError, Problem
from meti_pi.store import limits, yamlload
from meti_pi.store import policy as policy_mod
from meti_pi.store.cache_files import blob_id
from meti_pi.store.ids import valid_id
from meti_pi.store.kinds import KINDS, SINGLETONS

# yamlload.load_fast (same data, same faults, ~2x faster) where that module offers it.
_yaml_load = getattr(yamlload, "load_fast", yamlload.load)


@dataclass(frozen=True, slots=True)
class Record:
    """One record file as read: kind, id, where it is, and its data (None when unreadable)."""

    kind: str
    id: str
    relpath: str  # relative to the register root, '/'-separated
    path: Path
    data: Any
    text: str = field(repr=False, default="")

    @property
    def key(self) -> str:
        return self.relpath[: -len(".yaml")]


def list_record_files(root: Path) -> list[str]:
    """Relative paths of the singletons and of every `*.yaml` below a kind folder (and strays)."""
    found: list[str] = [name for name in SINGLETONS if (root / name).exists()]
    with os.scandir(root) as entries:
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False) or entry.name.startswith("."):
                continue
            for dirpath, dirnames, filenames in os.walk(entry.path):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
                found.extend(f"{rel_dir}/{f}" for f in filenames if f.endswith((".yaml", ".yml")))
    return found


def classify_path(rel: str) -> tuple[str, str, str | None]:
    """(kind, id, problem) for a relative path; kind '' for a root singleton."""
    parts = rel.split("/")
    if len(parts) == 1:
        return "", parts[0], None
    kind = parts[0]
    spec = KINDS.get(kind)
    if spec is None:
        return kind, "", f"unknown kind folder {kind!r}; known kinds: {', '.join(KINDS)}"
    name = parts[-1]
    if not name.endswith(".yaml"):
        return kind, "", "record files end in .yaml"
    rid = name[: -len(".yaml")]
    expected_depth = 3 if spec.by_year else 2
    if len(parts) != expected_depth:
        where = f"{kind}/<year>/<id>.yaml" if spec.by_year else f"{kind}/<id>.yaml"
        return kind, rid, f"misplaced record; {kind} records live at {where}"
    if spec.by_year and not (parts[1].isdigit() and len(parts[1]) == 4):
        return kind, rid, f"{kind} records live under a 4-digit year folder"
    if not valid_id(rid):
        return (
            kind,
            rid,
            "invalid id in file name (allowed: A-Z a-z 0-9 . _ -, starting with a letter or digit, at most 64, no '..')",
        )
    return kind, rid, None


def _symlink(rel: str) -> Problem:
    """A record file that is a symbolic link (on disk or in a commit): read in neither place."""
    return Problem(
        rel, None, "symlink", "record files must be regular files, not symbolic links; replace the link with the file"
    )


def parse_record(root: Path, rel: str, *, text: str | None = None) -> tuple[Record | None, list[Problem]]:
    """Read and parse one file; problems instead of exceptions."""
    kind, rid, problem = classify_path(rel)
    if problem:
        return None, [Problem(rel, None, "layout", problem)]
    path = root / rel
    if text is None:
        try:
            if path.is_symlink():
                return None, [_symlink(rel)]
            raw = limits.read_regular(path, policy_mod.max_file_bytes(str(root)))
        except limits.FileRefused as exc:
            return None, [
                Problem(
                    rel,
                    None,
                    "unreadable",
                    f"{exc.strerror}: remove it from the register or replace it with the record",
                )
            ]
        except OSError as exc:
            return None, [Problem(rel, None, "unreadable", f"cannot read the file ({exc.strerror})")]
        try:
            text = yamlload.decode(raw)
        except yamlload.YamlFault as fault:
            return None, [Problem(rel, fault.line, "encoding", str(fault))]
    if not text.strip():
        return None, [Problem(rel, 1, "empty", "empty file; delete it or fill in the record")]
    try:
        data = _yaml_load(text)
    except yamlload.YamlFault as fault:
        return None, [Problem(rel, fault.line, "yaml", str(fault))]
    if not isinstance(data, dict):
        return None, [Problem(rel, 1, "not-a-mapping", "a record must be a YAML mapping (key: value lines)")]
    return Record(kind=kind, id=rid, relpath=rel, path=path, data=data, text=text), []


def parse_blob(root: Path, rel: str, raw: bytes | None) -> tuple[Record | None, list[Problem]]:
    """Parse one register file given as bytes (e.g. a blob read from a git commit); None: a symbolic link.

    The same faults as reading from disk are reported, in the same order (layout, link, encoding, YAML).
    """
    _, _, problem = classify_path(rel)
    if problem:
        return None, [Problem(rel, None, "layout", problem)]
    if raw is None:
        return None, [_symlink(rel)]
    try:
        text = yamlload.decode(raw)
    except yamlload.YamlFault as fault:
        return None, [Problem(rel, fault.line, "encoding", str(fault))]
    return parse_record(root, rel, text=text)


def is_register_file(rel: str) -> bool:
    """True for the paths Register.load reads: the root singletons and `*.yaml`/`*.yml` below non-hidden folders."""
    parts = rel.split("/")
    if len(parts) == 1:
        return rel in SINGLETONS
    return not any(p.startswith(".") for p in parts[:-1]) and parts[-1].endswith((".yaml", ".yml"))


# The slots of Record that _StoredRecord keeps (its data, text and path are computed on first use).
_KIND_SLOT: Any = Record.__dict__["kind"]
_ID_SLOT: Any = Record.__dict__["id"]
_RELPATH_SLOT: Any = Record.__dict__["relpath"]


class _StoredRecord(Record):
    """A record built from the cache: data decoded, text read and path joined on first use.

    Each is a cached_property: after the first use it is a plain instance attribute, as fast to
    read as Record's own slots (checks read `rec.data` millions of times on a large register).
    """

    @classmethod
    def make(
        cls,
        kind: str,
        rid: str,
        rel: str,
        root: Path,
        packed: bytes,
        cid: str,
        store: Any,
        targets: tuple[str, ...] | None = None,
    ) -> _StoredRecord:
        self = cls.__new__(cls)
        _KIND_SLOT.__set__(self, kind)
        _ID_SLOT.__set__(self, rid)
        _RELPATH_SLOT.__set__(self, rel)
        self.__dict__.update(_packed=packed, _cid=cid, _root=root, _store=store, _refs=targets)
        return self

    @cached_property
    def data(self) -> Any:
        return marshal.loads(self.__dict__["_packed"])

    @cached_property
    def text(self) -> str:
        return _text_of(self.path, self.__dict__["_cid"], self.__dict__["_store"])

    @cached_property
    def path(self) -> Path:
        root: Path = self.__dict__["_root"]
        return root / self.relpath


def release_data(rec: Record) -> None:
    """Forget the decoded data of a record built from the read cache: decoded again, equal, when
    next read. A pass over every record (inspect over every division) then holds only what it
    still reads, not every record's data (additive, issue 18: inspect's memory at 100,000 records).
    A record parsed in this process (its packed data empty) keeps its data."""
    if isinstance(rec, _StoredRecord) and rec.__dict__.get("_packed"):
        rec.__dict__.pop("data", None)


def _text_of(path: Path, cid: str, store: Any) -> str:
    """The text whose content id is `cid`: from the cache, the file if unchanged, the blob in git; '' if gone."""
    stored: bytes | None = store.text(cid) if store is not None else None
    if stored is not None:
        return stored.decode("utf-8")
    try:
        raw = limits.read_regular(path)
        if blob_id(raw) == cid:
            return yamlload.decode(raw)
    except (OSError, yamlload.YamlFault):
        pass
    try:
        return yamlload.decode(gitlayer.git_bytes(path.parent, "cat-file", "blob", cid))
    except (MetiPiError, yamlload.YamlFault):
        return ""  # only line numbers of problems depend on it


def stored_record(kind: str, rid: str, rel: str, root: Path, entry: Any, cid: str, store: Any) -> Record:
    """The record of a read-cache entry ("ok", packed data, schema problems, references)."""
    return _StoredRecord.make(kind, rid, rel, root, entry[1], cid, store, entry[3])


def schema_file_of_path(rel: str) -> str | None:
    """The schema of the file at `rel` (None where the path itself is wrong)."""
    if "/" not in rel:
        return SINGLETONS.get(rel)
    spec = KINDS.get(rel.split("/")[0])
    return spec.schema_file if spec is not None else None
