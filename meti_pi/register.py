"""The register: a folder of YAML records under git, read through the fast path.

Layout: `register.yaml`, `policy.yaml`, `citations.yaml` at the root; one record per file
`<kind>/<id>.yaml` (inspections: `inspections/<year>/<division>.yaml`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meti_pi import policy as policy_mod
from meti_pi import yamlload
from meti_pi.errors import MetiPiError, Problem
from meti_pi.ids import valid_id
from meti_pi.kinds import KINDS, SINGLETONS

REGISTER_FILE = "register.yaml"


def find_register(option: Path | None, cwd: Path) -> Path:
    """The register root: --register / $METI_PI_REGISTER, else the nearest `register/` upwards."""
    if option is not None:
        root = option.expanduser().resolve()
        if not (root / REGISTER_FILE).is_file():
            raise MetiPiError(f"{option}: no {REGISTER_FILE} there; pass the register directory or run `meti-pi init {option}`")
        return root
    for here in (cwd, *cwd.parents):
        if (here / REGISTER_FILE).is_file():
            return here
        if (here / "register" / REGISTER_FILE).is_file():
            return here / "register"
    raise MetiPiError(
        f"no register found from {cwd} upwards (a register/ folder holding {REGISTER_FILE}); "
        "pass --register DIR, set METI_PI_REGISTER, or run `meti-pi init`"
    )


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


@dataclass
class Register:
    """All records of a register, parsed; problems found while reading are kept, not raised."""

    root: Path
    records: dict[str, Record]
    singletons: dict[str, Record]
    load_problems: list[Problem]
    # Records that failed their schema: still found by get(), left out of of_kind() so that
    # cross-record checks only iterate records whose shape is known.
    unchecked: frozenset[str] = frozenset()

    # -- reading ------------------------------------------------------------------------
    @classmethod
    def load(cls, root: Path, overlay: dict[str, str | None] | None = None) -> Register:
        """Read every record under `root`; `overlay` maps relpath -> new text (None: deleted)."""
        paths = list_record_files(root)
        overlay = overlay or {}
        for rel in overlay:
            if rel not in paths:
                paths.append(rel)
        records: dict[str, Record] = {}
        singletons: dict[str, Record] = {}
        problems: list[Problem] = []
        for rel in sorted(paths):
            if rel in overlay:
                text = overlay[rel]
                if text is None:
                    continue
                record, found = parse_record(root, rel, text=text)
            else:
                record, found = parse_record(root, rel)
            problems.extend(found)
            if record is None:
                continue
            if record.kind == "":
                singletons[rel] = record
            else:
                records[record.key] = record
        return cls(root=root, records=records, singletons=singletons, load_problems=problems)

    @staticmethod
    def load_policy(root: Path) -> dict[str, Any]:
        """The merged policy alone (for the write path's lock timeout), without reading records."""
        path = root / "policy.yaml"
        user: Any = None
        if path.is_file():
            try:
                user = yamlload.load(yamlload.decode(path.read_bytes()))
            except yamlload.YamlFault:
                user = None  # validate reports it; the defaults still apply
        return policy_mod.merged(user if isinstance(user, dict) else None)

    # -- lookups ------------------------------------------------------------------------
    def get(self, kind: str, rid: str) -> Record | None:
        return self.records.get(f"{kind}/{rid}")

    def of_kind(self, kind: str) -> list[Record]:
        prefix = kind + "/"
        return [r for k, r in self.records.items() if k.startswith(prefix) and r.relpath not in self.unchecked]

    def data_of(self, kind: str, rid: str) -> dict[str, Any] | None:
        rec = self.get(kind, rid)
        return rec.data if rec is not None and isinstance(rec.data, dict) else None

    @property
    def meta(self) -> dict[str, Any]:
        rec = self.singletons.get(REGISTER_FILE)
        return rec.data if rec is not None and isinstance(rec.data, dict) else {}

    @property
    def policy(self) -> dict[str, Any]:
        rec = self.singletons.get("policy.yaml")
        user = rec.data if rec is not None and isinstance(rec.data, dict) else {}
        return policy_mod.merged(user)

    @property
    def citations(self) -> dict[str, dict[str, Any]]:
        """Citations by key."""
        rec = self.singletons.get("citations.yaml")
        data = rec.data if rec is not None and isinstance(rec.data, dict) else {}
        return {c["key"]: c for c in data.get("citations", []) if isinstance(c, dict) and "key" in c}

    @property
    def citations_as_of(self) -> str | None:
        """The date the citations file was last checked against the laws."""
        rec = self.singletons.get("citations.yaml")
        return rec.data.get("as_of") if rec is not None and isinstance(rec.data, dict) else None

    def division_of(self, division_id: str | None) -> dict[str, Any] | None:
        return self.data_of("divisions", division_id) if division_id else None


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
        return kind, rid, "invalid id in file name (allowed: A-Z a-z 0-9 . _ -, starting with a letter or digit, at most 64, no '..')"
    return kind, rid, None


def parse_record(root: Path, rel: str, *, text: str | None = None) -> tuple[Record | None, list[Problem]]:
    """Read and parse one file; problems instead of exceptions."""
    kind, rid, problem = classify_path(rel)
    if problem:
        return None, [Problem(rel, None, "layout", problem)]
    path = root / rel
    if text is None:
        try:
            if path.is_symlink():
                return None, [Problem(rel, None, "symlink", "record files must be regular files, not symbolic links; replace the link with the file")]
            raw = path.read_bytes()
        except OSError as exc:
            return None, [Problem(rel, None, "unreadable", f"cannot read the file ({exc.strerror})")]
        try:
            text = yamlload.decode(raw)
        except yamlload.YamlFault as fault:
            return None, [Problem(rel, fault.line, "encoding", str(fault))]
    if not text.strip():
        return None, [Problem(rel, 1, "empty", "empty file; delete it or fill in the record")]
    try:
        data = yamlload.load(text)
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
        return None, [Problem(rel, None, "symlink", "record files must be regular files, not symbolic links; replace the link with the file")]
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


def load_files(root: Path, files: dict[str, bytes | None]) -> Register:
    """A register from file contents held in memory (relpath -> bytes, None for a symbolic link).

    Used to read the register as it was at a past commit without checking it out.
    """
    records: dict[str, Record] = {}
    singletons: dict[str, Record] = {}
    problems: list[Problem] = []
    for rel in sorted(r for r in files if is_register_file(r)):
        record, found = parse_blob(root, rel, files[rel])
        problems.extend(found)
        if record is None:
            continue
        if record.kind == "":
            singletons[rel] = record
        else:
            records[record.key] = record
    return Register(root=root, records=records, singletons=singletons, load_problems=problems)
