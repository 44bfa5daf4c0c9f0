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
import re
from collections.abc import Callable
from datetime import date
from functools import cache, partial
from pathlib import Path
from typing import Any

from meti_pi.store.kinds import SINGLETONS
from meti_pi.store.packaged import REGISTER_SCHEMAS, data_dir
from meti_pi.store.schema_beyond import beyond
from meti_pi.store.schema_examples import (
    example_parts,
    example_value,
    field_type,
    for_shell,
    inline_parts,
    ref_followed,
)
from meti_pi.store.schema_messages import can_be_left_out, error_text, list_item_hint, said_by_its_format

# Where the schemas come from, when not the package (Settings.schemas; cli/ sets it from $METI_PI_SCHEMAS).
# The one process-wide setting: every schema read below is cached by file name for the process,
# so the folder is fixed before the first read rather than passed to each of them.
_override: Path | None = None


def use_schemas(folder: Path | None) -> None:
    """Read the schemas from `folder` (None: the shipped ones) from now on; forgets what was read."""
    global _override
    if folder == _override:
        return
    _override = folder
    for cached in (schema_bytes, load_schema, _fast, _validator):
        cached.cache_clear()


def schemas_dir() -> Path:
    """The schemas shipped inside the package, `meti_pi/data/schemas/` (override: `use_schemas`)."""
    if _override is not None:
        return _override
    return data_dir("schemas")


@cache
def load_schema(schema_file: str) -> dict[str, Any]:
    """The parsed schema document."""
    return json.loads(schema_bytes(schema_file))  # type: ignore[no-any-return]


@cache
def _validator(schema_file: str) -> Any:
    from jsonschema import Draft202012Validator  # heavy: only when something is validated

    schema = load_schema(schema_file)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def value_problem(schema_file: str, spec: dict[str, Any], value: Any) -> str | None:
    """What is wrong with `value` as the field `spec` (a part of `schema_file`'s schema) wants it,
    worded as errors() words it; None when nothing is. A prompted answer is checked alone, so that a
    wrong one is asked again, not refused with the whole record at the end."""
    from jsonschema import Draft202012Validator

    root = load_schema(schema_file)
    part = {**spec, "$defs": root.get("$defs", {})}
    err = next(
        iter(Draft202012Validator(part, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(value)), None
    )
    return None if err is None else error_text(part, err)


def valid(schema_file: str, data: Any) -> bool:
    """Whether `data` keeps to its schema (errors() would be empty), the fast way."""
    return fast_valid(schema_file, data) and not beyond(schema_file, data)


def errors(schema_file: str, data: Any) -> list[tuple[tuple[object, ...], str]]:
    """Every schema violation of `data` as (key path, message), in document order."""
    if fast_valid(schema_file, data):
        return beyond(schema_file, data)
    found = beyond(schema_file, data)
    schema = load_schema(schema_file)
    for err in _validator(schema_file).iter_errors(data):
        if said_by_its_format(err):  # one mistake, said once (schema_messages)
            continue
        unknown = _unknown_keys(err)
        if unknown:  # at each key's own line, with its path and what to do (not at the mapping's first line)
            # A conditional rule (allOf/if/then) that leaves a field out says why: the record's other fields.
            why = f" because {err.schema.get('description')}: remove it" if "then" in err.relative_schema_path else ""
            for key in unknown:
                if why and subschema_at(schema, (*err.absolute_path, key)) is None:
                    continue  # no field of the record at all: said once, by the record's own list
                message = f"{key!r} is not a field of this record{why or ': check its spelling, or remove it'} "
                found.append(((*err.absolute_path, key), message + f"({_field_list(schema)} lists the fields)"))
            continue
        where = tuple(err.absolute_path)
        optional = partial(can_be_left_out, _validator(schema_file), data, where)  # asked of an empty date only
        found.append((where, error_text(schema, err, optional) + teaching_hint(schema, err)))
    found.sort(key=lambda e: tuple(str(p) for p in e[0]))
    return found


def _unknown_keys(err: Any) -> list[str]:
    """The keys an additionalProperties: false error is about (jsonschema names them only in its message)."""
    if (
        err.validator != "additionalProperties"
        or err.validator_value is not False
        or not isinstance(err.instance, dict)
    ):
        return []
    import re

    known = (err.schema.get("properties") or {}) if isinstance(err.schema, dict) else {}
    patterns = list((err.schema.get("patternProperties") or {}) if isinstance(err.schema, dict) else {})
    return [str(k) for k in err.instance if k not in known and not any(re.search(p, str(k)) for p in patterns)]


def subschema_at(schema: dict[str, Any], path: tuple[object, ...]) -> dict[str, Any] | None:
    """The schema of the value at `path` of a record (properties and items only)."""
    node: Any = schema
    for part in path:
        node = ref_followed(schema, node)
        if not isinstance(node, dict):
            return None
        if isinstance(part, int):
            node = node.get("items")
        else:
            node = (node.get("properties") or {}).get(part)
        if node is None:
            return None
    node = ref_followed(schema, node)
    return node if isinstance(node, dict) else None


def _root_file(schema: dict[str, Any]) -> str | None:
    """The root file a schema is for (policy.yaml, register.yaml, citations.yaml), None for a record
    kind's: a root file is edited, never made with `new --set`, and `meti-pi schema` lists kinds only."""
    name = schema.get("$id", "").rsplit("/", 1)[-1]
    return next((rel for rel, file in SINGLETONS.items() if file == name), None)


def _field_list(schema: dict[str, Any]) -> str:
    """Where the fields are listed: `meti-pi schema KIND`, or a root file's schema file."""
    name = schema.get("$id", "").rsplit("/", 1)[-1]
    if _root_file(schema) is not None:
        return f"the register's .schemas/{name} (`meti-pi schemas --write` writes it)"
    return f"`meti-pi schema {name.removesuffix('.schema.json')}`"


def _set_examples(schema: dict[str, Any], key: str, node: dict[str, Any]) -> str:
    """How to set `key`: as YAML in the record (then `meti-pi commit`) and as `--set` for
    `meti-pi new`; an object by its parts."""
    node = ref_followed(schema, node)
    parts = node.get("properties") if node.get("type") == "object" else None
    leaf = key.rsplit(".", 1)[-1]
    if isinstance(parts, dict) and parts:
        pairs = example_parts(schema, node)
        yaml = f"{leaf}: {inline_parts(schema, node)}"
        flags = " ".join(f"--set {key}.{p}={for_shell(v)}" for p, v in pairs)
    else:
        value = example_value(schema, node)
        yaml, flags = f"{leaf}: {value}", f"--set {key}={for_shell(value)}"
    root = _root_file(schema)
    if root is not None:
        return f"`{yaml}` in {root}, then `meti-pi commit`"
    return f"`{yaml}` in the record, then `meti-pi commit` (new records: {flags})"


# What YAML read a value a text field refuses as (teaching_hint): what was meant as text, written plain.
_READ_AS: dict[type, str] = {
    bool: "true/false (a boolean)",
    int: "a number",
    float: "a number",
    type(None): "empty (null)",
}

# What a `--set` example of quoted text adds for the shell (store.problems drops it where there is no --set).
SHELL_QUOTES = " (within single quotes on a command line)"


def teaching_hint(schema: dict[str, Any], err: Any) -> str:
    """What the officer needs beyond jsonschema's message: the field's Japanese title, why it is
    required when a rule makes it so, and a `--set` example (`meti-pi schema KIND` lists all)."""
    path = tuple(err.absolute_path)
    if err.validator == "required":
        m = re.match(r"'([^']+)' is a required property", err.message)
        if not m:
            return ""
        name = m.group(1)
        node = subschema_at(schema, (*path, name)) or {}
        key = ".".join(str(p) for p in (*path, name) if not isinstance(p, int))
        why = ""
        if "then" in err.relative_schema_path:  # required by a conditional rule (allOf/if/then)
            rule = err.schema if isinstance(err.schema, dict) else {}
            text = rule.get("description") or ""
            why = f" because {text}" if text else " because of another field's value"
        title = node.get("title", "")
        return (
            f" — {title}（{key}）is required{why}; "
            f"what it holds: {node.get('description', '')} Set it as {_set_examples(schema, key, node)}"
            f" (all fields: {_field_list(schema)})"
        ).replace("  ", " ")
    found = subschema_at(schema, path)
    if found is None or not path:
        return ""
    node = found
    key = ".".join(str(p) for p in path if not isinstance(p, int))
    if err.validator == "type" and node.get("type") == "object":
        if isinstance(path[-1], int):  # an item of a list: written as one
            title = (subschema_at(schema, path[:-1]) or {}).get("title", key)
            leaf = key.rsplit(".", 1)[-1]
            return f" — {title}（{key}）is a list: write each item as `- {inline_parts(schema, node)}` under `{leaf}:`"
        return f" — {node.get('title', key)}（{key}）has parts: set them as {_set_examples(schema, key, node)}"
    if err.validator in ("type", "enum", "pattern", "format", "const"):
        value, what = example_value(schema, node), field_type(schema, node)
        kinds = node.get("type")
        text = kinds == "string" or (isinstance(kinds, list) and "string" in kinds)
        root = _root_file(schema)
        item = isinstance(path[-1], int)  # an item of a list (`- race` under `sensitive_categories:`)
        read = _READ_AS.get(type(err.instance))  # what YAML made of a plain value meant as text
        if err.validator == "type" and text and read is not None and "enum" not in node:
            # text YAML read as a number, true/false or null (`--set catalogue_version=2026.4`, `name: yes`
            # in YAML 1.1, `name:` left empty): quoted, it stays text; the value is not shown (a schema
            # message never quotes what it refuses)
            if err.instance is None:
                if node.get("format") != "date":  # a date's own message says it: "null (no value): write a date"
                    what += f", and YAML read the value as {read}: write the text (the word null itself in quotes)"
            else:
                value = value if value.startswith('"') else f'"{value}"'
                what += f", and YAML read the value, unquoted, as {read}: put it in double quotes"
                what += "" if root is not None or item else SHELL_QUOTES
        leaf = key.rsplit(".", 1)[-1]
        if item:
            return list_item_hint((subschema_at(schema, path[:-1]) or {}).get("title", key), key, what, value, root)
        example = f"`{leaf}: {value}` in {root}" if root is not None else f"--set {key}={for_shell(value)}"
        return f" — {node.get('title', key)}（{key}）is {what}, e.g. {example}"
    return ""


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


# A free-text field a person writes: screened for personal data wherever a command writes it
# (screening.check_record). An annotation: validation ignores it.
SCREEN_KEYWORD = "x-meti-pi-screen"


# -- the fast path (fastjsonschema) --------------------------------------------------------------

# Keywords fastjsonschema implements as draft 2020-12 does, for the kinds of value a register
# file can hold (dict, list, str, int, float, bool, None). A schema using any other keyword
# (unevaluatedProperties, dependentRequired, prefixItems, ...) is validated by jsonschema alone.
FAST_KEYWORDS = frozenset(
    {
        "$schema",
        "$id",
        "$defs",
        "$ref",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "pattern",
        "enum",
        "const",
        "minimum",
        "maximum",
        "uniqueItems",
        "format",
        "if",
        "then",
        "else",
        "anyOf",
        "allOf",
        "oneOf",
        "not",
        SCREEN_KEYWORD,
    }
)
FAST_FORMATS = frozenset({"date"})
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", SCREEN_KEYWORD})
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
        out = {
            k: (walk(v, inlining) if k not in ("enum", "const", "default", "examples") else v) for k, v in node.items()
        }
        if "$ref" not in out:
            return out
        ref = out["$ref"]
        rest = {k: v for k, v in out.items() if k != "$ref" and k not in _ANNOTATIONS and not k.startswith("$")}
        name = ref[len("#/$defs/") :] if isinstance(ref, str) and ref.startswith("#/$defs/") else None
        target = defs.get(name) if name is not None else None
        if (
            name is not None
            and isinstance(target, dict)
            and name not in inlining
            and not any(k in target for k in ("$id", "$anchor", "$dynamicAnchor"))
        ):
            applied: Any = walk(target, (*inlining, name))
        else:
            applied = {"$ref": ref}  # recursive or unusual: left to fastjsonschema's resolver
        kept = {k: v for k, v in out.items() if k.startswith("$") and k != "$ref"}  # $defs, $id, $schema stay put
        if rest or kept:
            return {**kept, "allOf": [applied, rest] if rest else [applied]}
        return applied

    return walk(schema, ())


# Compiled validators come from the package, never from a writable cache: `meti_pi/fastschemas/`
# holds one module per shipped schema, generated by `make fast-schemas` (tools/fastgen.py) and
# checked in; each names the sha256 of the schema file it was generated from. A schema whose
# bytes differ (an edit, or $METI_PI_SCHEMAS pointing elsewhere) is compiled in memory for this
# run only (10-150 ms a schema), and nothing is written anywhere.


@cache
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
        f'"""Generated by `make fast-schemas` (meti_pi.store.fastgen) from schemas/{schema_file}: do not edit.\n\n'
        f'The fast validator of that schema (meti_pi.store.schema.fast_valid); used only while the schema\'s\n'
        f'sha256 is the one below."""\n# ruff: noqa\n# fmt: off\n# mypy: ignore-errors\n\n'
        f'SCHEMA_SHA256 = "{digest}"\nFASTJSONSCHEMA = "{fastjsonschema.VERSION}"\n\n'
        f"{source.rstrip()}\n\n\nvalidate = {first.group(1)}\n"
    )


@cache
def _fast(schema_file: str) -> Callable[..., Any] | None:
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


class SchemaCopyState:
    """How a register's `.schemas/` compares with the schemas of the installed meti-pi."""

    def __init__(self, root: Path) -> None:
        src = schemas_dir()
        self.packaged: dict[str, str] = {
            f"{REGISTER_SCHEMAS}/{p.name}": p.read_text(encoding="utf-8") for p in sorted(src.glob("*.schema.json"))
        }
        self.missing: list[str] = []
        self.stale: list[str] = []
        for rel, text in self.packaged.items():
            try:
                held = (root / rel).read_text(encoding="utf-8")
            except FileNotFoundError:
                self.missing.append(rel)
                continue
            except (OSError, UnicodeDecodeError):
                held = None
            if held != text:
                self.stale.append(rel)

    @property
    def changed(self) -> list[str]:
        return sorted(self.missing + self.stale)
