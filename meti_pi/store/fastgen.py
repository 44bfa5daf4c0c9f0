"""`make fast-schemas`: (re)generate meti_pi/fastschemas/ from the shipped schemas.

    .venv/bin/python tools/fastgen.py [--check]   (the command line; this module returns, never prints)

One module per schema the fast path applies to (meti_pi.store.schema.fast_source). These compiled
validators ship inside the package, like any other module, so nothing compiled is ever read from
a writable cache. --check exits 1 when a module is missing, stale or left over (tests/test_fast_schema.py
runs the same comparison).
"""

from __future__ import annotations

from meti_pi import PACKAGE_DIR
from meti_pi.store import schema

OUT = PACKAGE_DIR / "fastschemas"
INIT = '"""Generated fast validators, one module per shipped schema (`make fast-schemas`)."""\n'


def wanted() -> dict[str, str]:
    """File name in fastschemas/ -> text, for the schemas in schemas_dir()."""
    files = {"__init__.py": INIT}
    for path in sorted(schema.schemas_dir().glob("*.schema.json")):
        source = schema.fast_source(path.name)
        if source is not None:
            files[schema.fast_module_name(path.name).rsplit(".", 1)[1] + ".py"] = source
    return files


def differences() -> list[str]:
    """What `make fast-schemas` would change (empty when in sync)."""
    want = wanted()
    have = {p.name for p in OUT.glob("*.py")} if OUT.is_dir() else set()
    out = [f"left over: {name}" for name in sorted(have - set(want))]
    for name, text in want.items():
        path = OUT / name
        if not path.is_file():
            out.append(f"missing: {name}")
        elif path.read_text(encoding="utf-8") != text:
            out.append(f"stale: {name}")
    return out


def write() -> int:
    """Bring meti_pi/fastschemas/ in line with the schemas; the number of validators."""
    OUT.mkdir(exist_ok=True)
    want = wanted()
    for path in OUT.glob("*.py"):
        if path.name not in want:
            path.unlink()
    for name, text in want.items():
        path = OUT / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return len(want) - 1
