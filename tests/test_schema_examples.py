"""Every field a schema error or `meti-pi schema KIND` may tell the writer to set has a real example:
`new divisions --set bureau=` was told 「地方局（bureau）is text, e.g. --set bureau=…」, and
`catalogue_version` likewise, because the schema gave no example of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from meti_pi.store.schema import load_schema, schemas_dir
from meti_pi.store.schema_examples import example_value, for_shell, not_text_to_yaml, ref_followed

SCHEMAS = sorted(p.name for p in schemas_dir().glob("*.schema.json"))
# Keywords a schema error (and so a hint with an example) can come from; a field with none of them
# takes any value (an incident event's `from`/`to`) and is never refused.
_CONSTRAINING = ("type", "enum", "const", "pattern", "format", "anyOf", "oneOf", "minLength", "items", "properties")


def settable_fields(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(dotted key, node) of every field of a record, nested parts and list items (`[]`) too."""

    def walk(node: Any, key: str, depth: int) -> Iterator[tuple[str, dict[str, Any]]]:
        node = ref_followed(schema, node)
        if not isinstance(node, dict) or depth > 12:
            return
        if key and any(k in node for k in _CONSTRAINING):
            yield key, node
        for name, part in (node.get("properties") or {}).items():
            yield from walk(part, f"{key}.{name}" if key else name, depth + 1)
        if isinstance(node.get("items"), dict):
            yield from walk(node["items"], f"{key}[]", depth + 1)

    yield from walk(schema, "", 0)


@pytest.mark.parametrize("schema_file", SCHEMAS)
def test_every_settable_field_has_an_example(schema_file: str) -> None:
    schema = load_schema(schema_file)
    fields = list(settable_fields(schema))
    assert len(fields) > 3, fields
    placeholder = [key for key, node in fields if "…" in example_value(schema, node)]
    assert placeholder == [], f"{schema_file}: give these fields `examples` (a real value): {placeholder}"


def test_the_hint_of_bureau_names_a_bureau_code() -> None:
    """The case reported: an empty `--set bureau=` (the 別表's bureau code, R1..R9)."""
    from meti_pi.store import schema as schema_mod

    record = {"schema_version": 1, "id": "x", "name": "x課", "org": "経済産業省", "manager_post": "課長", "bureau": ""}
    (message,) = [m for path, m in schema_mod.errors("divisions.schema.json", record) if path == ("bureau",)]
    assert message.endswith("e.g. --set bureau=R1"), message


def test_an_example_yaml_reads_as_a_number_is_quoted() -> None:
    """catalogue_version's example is the catalogue's version, 2026.4: written plain, YAML reads a
    number, so the example shows it quoted, and within the shell's quotes for --set."""
    schema = load_schema("inspections.schema.json")
    shown = example_value(schema, schema["properties"]["catalogue_version"])
    assert shown == '"2026.4"' and for_shell(shown) == "'\"2026.4\"'"
    assert not_text_to_yaml("2026.4") and not_text_to_yaml("0335011511") and not not_text_to_yaml("R1")
    assert for_shell("[大臣官房人事課長]") == "'[大臣官房人事課長]'" and for_shell("R1") == "R1"


@pytest.mark.parametrize("schema_file", SCHEMAS)
def test_each_example_is_a_value_its_field_takes(schema_file: str) -> None:
    """An example the schema refuses would teach the writer a second mistake."""
    from jsonschema import Draft202012Validator

    schema = load_schema(schema_file)
    refused = []
    for key, node in settable_fields(schema):
        for example in node.get("examples") or ():
            alone = {**node, "$defs": schema.get("$defs", {})}
            if list(
                Draft202012Validator(alone, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(example)
            ):
                refused.append((key, example))
    assert refused == [], refused
