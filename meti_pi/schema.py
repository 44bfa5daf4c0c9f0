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
import marshal
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


# A free-text field a person writes: screened for personal data wherever a command writes it
# (screening.check_record). An annotation: validation ignores it.
SCREEN_KEYWORD = "x-meti-pi-screen"

# -- the fast path (fastjsonschema) --------------------------------------------------------------

# Keywords fastjsonschema implements as draft 2020-12 does, for the kinds of value a register
# file can hold (dict, list, str, int, float, bool, None). A schema using any other keyword
# (unevaluatedProperties, dependentRequired, prefixItems, ...) is validated by jsonschema alone.
FAST_KEYWORDS = frozenset({
    "$schema", "$id", "$defs", "$ref", "$comment", "title", "description", "default", "examples",
    "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
    "minLength", "maxLength", "pattern", "enum", "const", "minimum", "maximum", "uniqueItems",
    "format", "if", "then", "else", "anyOf", "allOf", "oneOf", "not", SCREEN_KEYWORD,
})
FAST_FORMATS = frozenset({"date"})
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", SCREEN_KEYWORD})
_SUBSCHEMA_MAPS = ("properties", "$defs")
_SUBSCHEMAS = ("additionalProperties", "items", "if", "then", "else", "not")
_SUBSCHEMA_LISTS = ("anyOf", "allOf", "oneOf")

# Where compiled validators are kept between runs (set by meti_pi.cache: inside the git dir).
_code_dir: Path | None = None
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


def _user_code_dir() -> Path | None:
    """A per-user place for compiled validators too (they depend on the schemas only, like .pyc files)."""
    if os.environ.get("METI_PI_NO_CACHE", "") not in ("", "0"):
        return None
    home = os.path.expanduser("~")
    base = os.environ.get("XDG_CACHE_HOME") or (os.path.join(home, ".cache") if home != "~" else "")
    return Path(base) / "meti-pi" if base else None


def set_code_dir(path: Path | None) -> None:
    """Keep compiled validators in `path` (created on first write) so later runs skip compiling."""
    global _code_dir
    _code_dir = path


@lru_cache(maxsize=None)
def _fast(schema_file: str) -> Callable[[Any], Any] | None:
    """The compiled fastjsonschema validator of a schema, or None where the fast path does not apply."""
    schema = load_schema(schema_file)
    if unsupported_keywords(schema):
        return None
    import fastjsonschema

    source_key = json.dumps([schema, fastjsonschema.VERSION, marshal.version, os.sys.version], sort_keys=True, ensure_ascii=True)
    name = f"fjs-{hashlib.sha1(source_key.encode()).hexdigest()}.bin"
    places = [d / name for d in (_code_dir, _user_code_dir()) if d is not None]
    entry = None
    for cached in places:
        try:
            entry = marshal.loads(cached.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            continue
        if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str):
            break
    if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)):
        try:
            source = fastjsonschema.compile_to_code(_for_fast(schema), formats=_FORMATS, use_default=False)
        except Exception:  # noqa: BLE001 - a schema the compiler cannot handle is simply not fast
            return None
        first = re.search(r"^def (\w+)\(", source, re.M)  # the entry point comes first
        if first is None:
            return None
        entry = (first.group(1), compile(source, f"<fastjsonschema {schema_file}>", "exec"))
        for cached in places:
            _write_quietly(cached, marshal.dumps(entry))
    namespace: dict[str, Any] = {}
    exec(entry[1], namespace)  # noqa: S102 - code generated from our own schema by fastjsonschema
    return namespace.get(entry[0])


def _write_quietly(path: Path, data: bytes) -> None:
    """Atomic write of a cache file; a failure (read-only repo, full disk) only costs speed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


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
