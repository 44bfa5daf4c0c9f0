"""A schema field's example and type in words, as the hints of store.schema and `meti-pi schema KIND`
show them: the schema's own `examples` first, then what its enum, format or type gives."""

from __future__ import annotations

import re
from typing import Any


def local_ref(root: Any, ref: str) -> Any:
    """The node a local `$ref` ('#/$defs/date') names in the schema `root`; {} where it names none."""
    target: Any = root
    for part in ref[2:].split("/"):
        target = target.get(part, {}) if isinstance(target, dict) else {}
    return target


def ref_followed(root: Any, node: Any) -> Any:
    """`node` with its local `$ref` followed ('#/$defs/date', and a chain of them, 32 at most), its own
    keys (a title, a description) kept over the target's; {} where a `$ref` names no object."""
    for _ in range(32):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/")):
            break
        target = local_ref(root, node["$ref"])
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}} if isinstance(target, dict) else {}
    return node


_DATE_WORD = re.compile(r"\bdates?\b", re.IGNORECASE)  # "date", not "validate" or "update"


def example_value(schema: dict[str, Any], node: dict[str, Any]) -> str:
    """A value of the field as YAML writes it in a record (`for_shell` gives it to `--set key=`): the
    schema's example (text YAML would read otherwise in double quotes, `"2026.4"`), enum, or one of its
    type; a list by one item, an object by its parts. "…" only where the schema gives nothing to go by
    (tests/test_schema_examples.py walks the schemas for such fields)."""
    node = ref_followed(schema, node)
    kind = node.get("type")
    if isinstance(kind, list):  # ["integer", "null"]: shown as an integer
        kind = next((k for k in kind if k != "null"), None)
    if node.get("examples"):
        shown = str(node["examples"][0])
        return f'"{shown}"' if kind == "string" and not_text_to_yaml(shown) else shown
    if node.get("enum"):
        return str(node["enum"][0])
    if node.get("const") is not None:
        return str(node["const"])
    if (
        node.get("format") == "date"
        or (kind in (None, "string") and _DATE_WORD.search(str(node.get("description", ""))) is not None)
        or "YYYY-MM-DD" in str(node.get("pattern", ""))
        or str(node.get("pattern", "")).startswith("^\\d{4}-")
    ):
        return "2026-04-01"
    items = ref_followed(schema, node.get("items")) if kind == "array" else None
    if isinstance(items, dict) and items.get("type") == "object" and items.get("properties"):
        return f"[{inline_parts(schema, items)}]"  # a list of mappings: one written out
    if isinstance(items, dict) and items:
        return f"[{example_value(schema, items)}]"  # a list of values: one item
    if kind == "object" and node.get("properties"):
        return inline_parts(schema, node)
    for alt in node.get("anyOf") or ():
        if isinstance(alt, dict) and alt.get("type") != "null":
            return example_value(schema, alt)
    if kind == "integer":
        low, high = node.get("minimum"), node.get("maximum")
        value = max(1, low if isinstance(low, int) else 1)
        return str(min(value, high) if isinstance(high, int) else value)
    described = re.search(r"e\.g\. ([^.;()]+)", str(node.get("description", "")))  # the description's own example
    if kind == "string" and described:
        return described.group(1).strip()
    return {"number": "1", "boolean": "true", "array": "[…]", "object": "{…}"}.get(str(kind), "…")


# Plain YAML scalars that are not text: a number (2026.4, 0335011511, 1e5), true/false (yes/no in YAML 1.1),
# empty. Text written so goes in double quotes (the loader reads YAML 1.2 core; 1.1's words are quoted too).
_NOT_TEXT = re.compile(
    r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN)|(?i:true|false|yes|no|on|off|y|n|null)|~|",
)


def not_text_to_yaml(value: str) -> bool:
    """Whether YAML reads `value`, written plain, as something other than text (a number, true/false, null)."""
    return _NOT_TEXT.fullmatch(value) is not None


# What a shell does not take as written (a space, quotes, brackets, globs): such a value goes in single quotes.
_SHELL_SPECIAL = re.compile(r"[\s'\"\[\]{}*?$`&|;<>()!#~\\]")


def for_shell(value: str) -> str:
    """A YAML value as typed after `--set key=` on a command line: within single quotes where the shell
    would otherwise change it (`'[氏名, 住所]'`, `'"2026.4"'`)."""
    if not _SHELL_SPECIAL.search(value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


def field_type(schema: dict[str, Any], node: dict[str, Any]) -> str:
    """A field's type in words: 'text', 'date', 'one of A|B', 'list of text', 'object'."""
    node = ref_followed(schema, node)
    if node.get("enum"):
        return "one of " + "|".join(str(v) for v in node["enum"])
    if node.get("format") == "date" or str(node.get("pattern", "")).startswith("^\\d{4}-"):
        return "date (YYYY-MM-DD)"
    kind = node.get("type")
    if isinstance(kind, list):  # ["integer", "null"]: an integer, or left empty
        shown = [field_type(schema, {**node, "type": k}) for k in kind if k != "null"]
        return " or ".join(shown) + (" (or empty)" if "null" in kind else "")
    if kind == "array":
        items = node.get("items")
        return "list of " + (field_type(schema, items) if isinstance(items, dict) else "values")
    if kind is None and node.get("anyOf"):
        return " or ".join(field_type(schema, a) for a in node["anyOf"] if isinstance(a, dict))
    return {
        "string": "text",
        "integer": "integer",
        "number": "number",
        "boolean": "true/false",
        "object": "object",
        "null": "empty",
    }.get(str(kind), str(kind or "value"))


def example_parts(schema: dict[str, Any], node: dict[str, Any]) -> list[tuple[str, str]]:
    """(part, example value) of an object's required parts (else its first)."""
    parts = node.get("properties") or {}
    required = node.get("required") or list(parts)[:1]
    shown = [p for p in parts if p in required] or list(parts)[:1]
    return [(p, example_value(schema, parts[p])) for p in shown]


def inline_parts(schema: dict[str, Any], node: dict[str, Any]) -> str:
    """An object's parts as a YAML flow mapping: `{name: …, first_day: 2026-04-01}`."""
    return "{" + ", ".join(f"{p}: {v}" for p, v in example_parts(schema, node)) + "}"
