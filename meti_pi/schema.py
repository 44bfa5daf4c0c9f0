"""JSON Schema validation of records (jsonschema, draft 2020-12). The only module importing jsonschema.

A fast path decides whether a record is valid: fastjsonschema compiles each schema to Python
code (about 15 times faster than jsonschema). It is trusted only to say "valid", and only for
schemas that use keywords it implements exactly as draft 2020-12 does (FAST_KEYWORDS; the
tests check both verdicts agree). Whenever it says "invalid" (rare), jsonschema decides and
writes the messages, so what is reported never depends on the fast path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from datetime import date
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
    return json.loads(schema_bytes(schema_file))  # type: ignore[no-any-return]


@lru_cache(maxsize=None)
def _validator(schema_file: str) -> Any:
    from jsonschema import Draft202012Validator  # heavy: only when something is validated

    schema = load_schema(schema_file)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _short(message: str) -> str:
    return message if len(message) <= 240 else message[:237] + "..."


def errors(schema_file: str, data: Any) -> list[tuple[tuple[object, ...], str]]:
    """Every schema violation of `data` as (key path, message), in document order."""
    if fast_valid(schema_file, data):
        return []
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


# -- the fast path (fastjsonschema) --------------------------------------------------------------

# Keywords fastjsonschema implements as draft 2020-12 does, for the kinds of value a register
# file can hold (dict, list, str, int, float, bool, None). A schema using any other keyword
# (unevaluatedProperties, dependentRequired, prefixItems, ...) is validated by jsonschema alone.
FAST_KEYWORDS = frozenset({
    "$schema", "$id", "$defs", "$ref", "$comment", "title", "description", "default", "examples",
    "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
    "minLength", "maxLength", "pattern", "enum", "const", "minimum", "maximum", "uniqueItems",
    "format", "if", "then", "else", "anyOf", "allOf", "oneOf", "not",
})
FAST_FORMATS = frozenset({"date"})
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment"})
_SUBSCHEMA_MAPS = ("properties", "$defs")
_SUBSCHEMAS = ("additionalProperties", "items", "if", "then", "else", "not")
_SUBSCHEMA_LISTS = ("anyOf", "allOf", "oneOf")

_RE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _is_date(value: object) -> bool:
    """The draft 2020-12 `date` format exactly as jsonschema checks it (RFC 3339 full-date)."""
    if not isinstance(value, str):
        return True
    try:
        return bool(_RE_DATE.fullmatch(value) and date.fromisoformat(value))
    except ValueError:
        return False


_FORMATS: dict[str, Callable[[object], bool]] = {"date": _is_date}


def unsupported_keywords(schema: Any) -> set[str]:
    """Keywords (or forms of them) in `schema` that the fast path does not implement."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, bool):
            return
        if not isinstance(node, dict):
            found.add("<non-object subschema>")
            return
        for key, value in node.items():
            if key not in FAST_KEYWORDS:
                found.add(key)
            elif key == "format" and value not in FAST_FORMATS:
                found.add(f"format:{value}")
            elif key == "$ref" and not (isinstance(value, str) and value.startswith("#")):
                found.add("$ref:<not local>")
            elif key == "items" and not isinstance(value, (dict, bool)):
                found.add("items:<array>")
            elif key == "pattern" and "$" in str(value).rstrip("$"):
                found.add("pattern:<inner $>")  # fastjsonschema rewrites every '$' to '\\Z'
        for key in _SUBSCHEMA_MAPS:
            if isinstance(node.get(key), dict):
                for sub in node[key].values():
                    walk(sub)
        for key in _SUBSCHEMAS:
            if key in node:
                walk(node[key])
        for key in _SUBSCHEMA_LISTS:
            for sub in node.get(key, ()) if isinstance(node.get(key), list) else ():
                walk(sub)

    walk(schema)
    return found


def _for_fast(schema: Any) -> Any:
    """The schema as fastjsonschema should see it (same meaning under draft 2020-12):
    - `$ref` siblings moved into an allOf: 2020-12 applies them, draft 7 (what it implements) ignores them;
    - local `#/$defs/...` references written out in place (twice as fast: no call per field)."""
    defs = schema.get("$defs", {}) if isinstance(schema, dict) else {}

    def walk(node: Any, inlining: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(n, inlining) for n in node]
        if not isinstance(node, dict):
            return node
        out = {k: (walk(v, inlining) if k not in ("enum", "const", "default", "examples") else v) for k, v in node.items()}
        if "$ref" not in out:
            return out
        ref = out["$ref"]
        rest = {k: v for k, v in out.items() if k != "$ref" and k not in _ANNOTATIONS and not k.startswith("$")}
        name = ref[len("#/$defs/"):] if isinstance(ref, str) and ref.startswith("#/$defs/") else None
        target = defs.get(name) if name is not None else None
        if isinstance(target, dict) and name not in inlining and not any(k in target for k in ("$id", "$anchor", "$dynamicAnchor")):
            applied: Any = walk(target, (*inlining, name))
        else:
            applied = {"$ref": ref}  # recursive or unusual: left to fastjsonschema's resolver
        kept = {k: v for k, v in out.items() if k.startswith("$") and k != "$ref"}  # $defs, $id, $schema stay put
        if rest or kept:
            return {**kept, "allOf": [applied, rest] if rest else [applied]}
        return applied

    return walk(schema, ())


# Compiled validators come from the package, never from a writable cache: `meti_pi/fastschemas/`
# holds one module per shipped schema, generated by `make fast-schemas` (meti_pi.fastgen) and
# checked in; each names the sha256 of the schema file it was generated from. A schema whose
# bytes differ (an edit, or $METI_PI_SCHEMAS pointing elsewhere) is compiled in memory for this
# run only (10-150 ms a schema), and nothing is written anywhere.


@lru_cache(maxsize=None)
def schema_bytes(schema_file: str) -> bytes:
    """The schema file's bytes, as read from schemas_dir()."""
    with open(schemas_dir() / schema_file, "rb") as fh:
        return fh.read()


def fast_module_name(schema_file: str) -> str:
    """The generated module of a schema: `meti_pi.fastschemas.<name>` (`-` and `.` become `_`)."""
    stem = schema_file[: -len(".schema.json")] if schema_file.endswith(".schema.json") else schema_file
    return "meti_pi.fastschemas." + re.sub(r"\W", "_", stem)


_FJS_IMPORT = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException\n"
_LOCAL_EXCEPTIONS = """

class JsonSchemaValueException(ValueError):
    \"\"\"A rejection (fast_valid only tells whether one was raised).\"\"\"

    def __init__(self, message, value=None, name=None, definition=None, rule=None):
        super().__init__(message)


JsonSchemaValuesException = JsonSchemaValueException
"""


def fast_source(schema_file: str) -> str | None:
    """The fast validator of a schema as a module (its function `validate`), or None.

    fastjsonschema's code with its exceptions defined locally, so that running it needs no
    import of fastjsonschema; headed by the sha256 of the schema file it was made from.
    """
    schema = load_schema(schema_file)
    if unsupported_keywords(schema):
        return None
    import fastjsonschema

    try:
        source = fastjsonschema.compile_to_code(_for_fast(schema), formats=_FORMATS, use_default=False)
    except Exception:  # noqa: BLE001 - a schema the compiler cannot handle is simply not fast
        return None
    first = re.search(r"^def (\w+)\(", source, re.M)  # the entry point comes first
    if first is None or source.count(_FJS_IMPORT) != 1:
        return None
    source = source.replace(_FJS_IMPORT, _LOCAL_EXCEPTIONS)
    if "fastjsonschema" in re.sub(r"(?m)^VERSION = .*$", "", source).split("\ndef ", 1)[0]:
        return None  # something else is imported from fastjsonschema: not self-contained
    digest = hashlib.sha256(schema_bytes(schema_file)).hexdigest()
    return (
        f'"""Generated by `make fast-schemas` (meti_pi.fastgen) from schemas/{schema_file}: do not edit.\n\n'
        f'The fast validator of that schema (meti_pi.schema.fast_valid); used only while the schema\'s\n'
        f'sha256 is the one below."""\n# ruff: noqa\n# fmt: off\n# mypy: ignore-errors\n\n'
        f'SCHEMA_SHA256 = "{digest}"\nFASTJSONSCHEMA = "{fastjsonschema.VERSION}"\n\n'
        f"{source.rstrip()}\n\n\nvalidate = {first.group(1)}\n"
    )


@lru_cache(maxsize=None)
def _fast(schema_file: str) -> Callable[[Any], Any] | None:
    """The fast validator of a schema: the generated module when it was made from these very schema
    bytes, else compiled in memory; None where the fast path does not apply."""
    import importlib

    digest = hashlib.sha256(schema_bytes(schema_file)).hexdigest()
    try:
        module = importlib.import_module(fast_module_name(schema_file))
    except ImportError:
        module = None
    if module is not None and getattr(module, "SCHEMA_SHA256", None) == digest:
        return module.validate  # type: ignore[no-any-return]
    source = fast_source(schema_file)
    if source is None:
        return None
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<fastjsonschema {schema_file}>", "exec"), namespace)  # noqa: S102 - compiled here, from the schema just read
    return namespace.get("validate")


def fast_valid(schema_file: str, data: Any) -> bool:
    """True only when the fast validator accepts `data`; False means 'ask jsonschema'."""
    validator = _fast(schema_file)
    if validator is None:
        return False
    try:
        validator(data, _FORMATS)
    except Exception:  # noqa: BLE001 - any failure of the fast path hands the decision to jsonschema
        return False
    return True
