"""The read cache's layers, each keyed by the code that produces it (issue 18: the first command
after an upgrade).

One fingerprint of all of meti-pi made every upgrade a cold start (20-45 s at 100,000 records).
Each layer of the cache now carries the fingerprint of what produces it:
- `records` (parse outcomes, texts, tree listings): meti_pi.store.register and every meti_pi
  module it imports, directly or not, at the top or inside a function;
- `checks` (validation results, the incremental base, the checks' weights): meti_pi.checks.validate
  and every module it imports, likewise (which includes the records' code);
- `notify` (each file's notice facts, meti_pi.notify.facts): that module's closure, likewise;
- `projected` (the projections `status` and `notify --check` read records through,
  meti_pi.notify.projected) and `quiet` (the files the notices engine found nothing for, which
  `status` passes over: meti_pi.notify.findings and meti_pi.checks.status), likewise;
and every layer: the cache FORMAT, Python (version and executable), every data file shipped in the
package (schemas, catalogues: read by code without an import) and each outside library a module
of the layer imports (where it is installed, its size and time). A module's part is the digest of
its source, so an upgrade that rewrites every file but changes none of a layer's modules keeps
that layer, and a change to any of them (or to a module it comes to import) drops it.

Never a stale layer: the modules come from the imports read in the sources themselves (`ast`), not
from a list kept by hand; a module that imports by computed name (`importlib.import_module`,
`__import__`) contributes the package named in DYNAMIC, and one not listed there makes the layer
take the fingerprint of all of meti-pi (blobs.fingerprint: safe, as before). The one text set
aside is the version number in `meti_pi/__init__.py`, which no module of a layer reads (were one
to name `__version__`, it would count).

Reading every source with `ast` takes ~0.7-1.8 s: it is done once per installation, and the result
is kept (authenticated, like every cache file) in the user's cache folder (`layers-<...>`, one per
installation; another's not rewritten for STALE_DAYS is removed) under blobs.fingerprint, the
cheap fingerprint of all of meti-pi's files (their sizes and times): any change to any file makes
it be done again. The libraries' size and time are checked on every use.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from meti_pi import PACKAGE_DIR
from meti_pi.store.cache_files import FORMAT, _read, _write

# The modules whose closure keys each layer.
ROOTS: dict[str, tuple[str, ...]] = {
    "records": ("meti_pi.store.register",),
    "checks": ("meti_pi.checks.validate",),
    "notify": ("meti_pi.notify.facts",),  # notice facts (Store.layer_fp("notify"))
    # the projections of status / notify --check: the fields projected.FIELDS names, as that module
    # reads them (a field it does not project is read from the record itself)
    "projected": ("meti_pi.notify.projected",),
    # the files kept as quiet: "the notices engine found nothing", on which status skips them (its
    # own listing of a file is the engine's findings read otherwise): the engine and status both
    "quiet": ("meti_pi.notify.findings", "meti_pi.checks.status"),
}
# Modules that import by computed name, and the package whose modules they may import.
DYNAMIC: dict[str, str] = {
    "meti_pi.store.schema": "meti_pi.fastschemas",  # the validators generated from the schemas
    "meti_pi.cli": "meti_pi.cli",  # the commands, imported when one is run
}
_VERSION = re.compile(rb"^__version__\s*=.*$", re.M)
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))


def _modules(pkg: Path = PACKAGE_DIR) -> dict[str, Path]:
    """Every module of the package: dotted name -> source file."""
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(pkg):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        rel = os.path.relpath(dirpath, pkg.parent).replace(os.sep, ".")
        for name in filenames:
            if name.endswith(".py"):
                found[rel if name == "__init__.py" else f"{rel}.{name[:-3]}"] = Path(dirpath) / name
    return found


def _data_files(pkg: Path = PACKAGE_DIR) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(pkg):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        out.extend(Path(dirpath) / n for n in sorted(filenames) if not n.endswith((".py", ".pyc", ".pyo")))
    return out


class _Source:
    """One module's imports (meti_pi modules and outside top-level names) and whether it imports by name."""

    def __init__(self, module: str, source: bytes, modules: dict[str, Path]) -> None:
        self.inner: set[str] = set()
        self.outer: set[str] = set()
        self.by_name = False
        self.reads_version = False  # names meti_pi's __version__ (the one text _digest sets aside)
        tree = ast.parse(source)
        package = module if modules[module].name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self._add(alias.name, modules)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
                self._add(base, modules)
                for alias in node.names:
                    if f"{base}.{alias.name}" in modules:
                        self._add(f"{base}.{alias.name}", modules)
                    self.reads_version |= alias.name == "__version__"
            elif isinstance(node, ast.Name | ast.Attribute):
                self.reads_version |= (node.id if isinstance(node, ast.Name) else node.attr) == "__version__"
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if name in ("import_module", "__import__"):
                    self.by_name = True

    def _add(self, name: str, modules: dict[str, Path]) -> None:
        top = name.split(".", 1)[0]
        if top != "meti_pi":
            if top and top not in _STDLIB:
                self.outer.add(top)
            return
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
            if ".".join(parts[:i]) in modules:
                self.inner.add(".".join(parts[:i]))


def _digest(module: str, source: bytes) -> str:
    if module == "meti_pi":
        source = _VERSION.sub(b"__version__ = ...", source)
    return hashlib.sha1(source).hexdigest()


def compute(pkg: Path = PACKAGE_DIR) -> dict[str, Any]:
    """{"layers": layer -> fingerprint (None: use the whole one), "libs": outside libraries named}."""
    modules = _modules(pkg)
    sources = {m: p.read_bytes() for m, p in modules.items()}
    parsed = {m: _Source(m, src, modules) for m, src in sources.items()}
    data = hashlib.sha1()
    for path in _data_files(pkg):
        data.update(f"{path.relative_to(pkg).as_posix()}\0".encode() + hashlib.sha1(path.read_bytes()).digest())
    layers: dict[str, str | None] = {}
    libs: set[str] = set()
    for layer, roots in ROOTS.items():
        closure = _closure(roots, parsed, modules)
        unknown = [m for m in closure if parsed[m].by_name and m not in DYNAMIC]
        if unknown or any(parsed[m].reads_version for m in closure if m != "meti_pi"):
            layers[layer] = None
            continue
        outer = sorted({top for m in closure for top in parsed[m].outer})
        libs.update(outer)
        h = hashlib.sha1(f"{FORMAT}|{layer}|{sys.version}|{sys.executable}|{data.hexdigest()}".encode())
        for m in sorted(closure):
            h.update(f"\n{m}\0{_digest(m, sources[m])}".encode())
        h.update(("\n" + "\n".join(outer)).encode())
        layers[layer] = h.hexdigest()
    return {"layers": layers, "libs": sorted(libs)}


def _closure(roots: Iterable[str], parsed: dict[str, _Source], modules: dict[str, Path]) -> set[str]:
    seen: set[str] = set()
    todo = [r for r in roots if r in modules]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo.extend(parsed[m].inner)
        if parsed[m].by_name and m in DYNAMIC:
            prefix = DYNAMIC[m]
            todo.extend(n for n in modules if n == prefix or n.startswith(prefix + "."))
        parts = m.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in modules)
    return seen


def _lib_stamp(names: Iterable[str]) -> str:
    """Where each outside library is installed, its size and time (an upgrade rewrites it)."""
    h = hashlib.sha1()
    for name in sorted(names):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        try:
            st = os.stat(origin) if origin else None
        except OSError:
            st = None
        h.update(f"{name}|{origin}|{st.st_size if st else -1}|{st.st_mtime_ns if st else -1}\n".encode())
    return h.hexdigest()


def file_name(whole: str) -> str:
    """One file per installation (several, in several environments, do not overwrite each other's)."""
    return f"layers-{whole[:16]}"


STALE_DAYS = 30  # another installation's file not rewritten for this long is removed


def _prune(kept: Path) -> None:
    import time

    try:
        names = [n for n in os.listdir(kept.parent) if n.startswith("layers-") and n != kept.name]
        for name in names:
            other = kept.parent / name
            if time.time() - os.lstat(other).st_mtime > STALE_DAYS * 86400:
                other.unlink()
    except OSError:
        pass


def layer_fingerprints(whole: str, folder: Path | None, key: bytes | None) -> dict[str, str]:
    """layer -> fingerprint, for `whole` (blobs.fingerprint of this installation); kept in `folder`
    (the user's cache folder), computed when not kept. A layer whose code cannot be told gets `whole`."""
    path = folder / file_name(whole) if folder is not None else None
    kept = _read(path, whole, key) if path is not None and key is not None else None
    if not (isinstance(kept, dict) and isinstance(kept.get("layers"), dict) and isinstance(kept.get("libs"), list)):
        try:
            kept = compute()
        except (OSError, SyntaxError, ValueError, RecursionError):  # a source unreadable: one fingerprint, as before
            return dict.fromkeys(ROOTS, whole)
        if path is not None and key is not None and _write(path, whole, key, kept):
            _prune(path)
    stamp = _lib_stamp(kept["libs"])
    out: dict[str, str] = {}
    for layer in ROOTS:
        fp = kept["layers"].get(layer)
        out[layer] = hashlib.sha1(f"{fp}|{stamp}".encode()).hexdigest() if isinstance(fp, str) else whole
    return out
