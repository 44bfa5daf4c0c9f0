"""JSON Schema validation of records (jsonschema, draft 2020-12). The only module importing jsonschema."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_BASE = "https://meti-pi.invalid/schemas/"


def schemas_dir() -> Path:
    """The top-level `schemas/` folder shipped beside the package (override: $METI_PI_SCHEMAS)."""
    override = os.environ.get("METI_PI_SCHEMAS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "schemas"


@lru_cache(maxsize=None)
def load_schema(schema_file: str) -> dict[str, Any]:
    """The parsed schema document."""
    with open(schemas_dir() / schema_file, encoding="utf-8") as fh:
        return json.load(fh)  # type: ignore[no-any-return]


@lru_cache(maxsize=None)
def _validator(schema_file: str) -> Any:
    from jsonschema import Draft202012Validator  # heavy: only when something is validated

    schema = load_schema(schema_file)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _short(message: str) -> str:
    return message if len(message) <= 240 else message[:237] + "..."


def errors(schema_file: str, data: Any) -> list[tuple[tuple[object, ...], str]]:
    """Every schema violation of `data` as (key path, message), in document order."""
    found = []
    for err in _validator(schema_file).iter_errors(data):
        found.append((tuple(err.absolute_path), _short(err.message)))
    found.sort(key=lambda e: tuple(str(p) for p in e[0]))
    return found


def check_schemas() -> list[str]:
    """Names of shipped schemas that are not themselves valid draft 2020-12 schemas."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    bad = []
    for path in sorted(schemas_dir().glob("*.schema.json")):
        try:
            Draft202012Validator.check_schema(load_schema(path.name))
        except SchemaError:
            bad.append(path.name)
    return bad


def key_path(path: tuple[object, ...]) -> str:
    """`$.a.b[2]` for a key path."""
    out = "$"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out
