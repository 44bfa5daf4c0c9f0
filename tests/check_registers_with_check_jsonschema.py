"""`make check-schemas`: every record of register/ and examples/register/ checked against schemas/
by check-jsonschema (https://github.com/python-jsonschema/check-jsonschema), a validator that shares
nothing with meti-pi's own reading (its YAML loader, its schema cache, the compiled fast validators):
a record both registers hold that meti-pi accepts and the schema refuses, or the reverse, shows here.

Run by `make check-schemas`, which installs check-jsonschema into the venv first. Exit 0 when every
file passes; otherwise check-jsonschema's own report of the failing files, and exit 1.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTERS = (ROOT / "register", ROOT / "examples" / "register")
SCHEMAS = ROOT / "schemas"


def files_by_schema(register: Path) -> dict[Path, list[Path]]:
    """The register's YAML files grouped by the schema each must keep to: a root file by its own
    name (policy.yaml: policy.schema.json), a record by its kind's folder (files/F-1.yaml:
    files.schema.json; inspections/2026/x.yaml: inspections.schema.json). Hidden folders (the
    register's .schemas/ copy) are not records."""
    groups: dict[Path, list[Path]] = defaultdict(list)
    for path in sorted(register.rglob("*.yaml")):
        rel = path.relative_to(register)
        if any(part.startswith(".") for part in rel.parts):
            continue
        name = rel.parts[0].removesuffix(".yaml")
        groups[SCHEMAS / f"{name}.schema.json"].append(path)
    return groups


def main() -> int:
    failed = 0
    checked = 0
    for register in REGISTERS:
        for schema, paths in sorted(files_by_schema(register).items()):
            if not schema.is_file():
                print(f"{paths[0].relative_to(ROOT)}: no schema {schema.relative_to(ROOT)}", file=sys.stderr)
                failed += 1
                continue
            cmd = [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), *map(str, paths)]
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
            checked += len(paths)
            if result.returncode != 0:
                failed += 1
                sys.stderr.write(result.stdout + result.stderr)
    print(f"check-jsonschema: {checked} files of {len(REGISTERS)} registers, {failed} failing group(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
