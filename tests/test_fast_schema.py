"""The fast schema path (fastjsonschema) agrees with jsonschema, the reference, on our schemas.

The fast path is only trusted to say "valid"; on "invalid" jsonschema decides and writes the
messages. So the property that matters is soundness (fast accepts => jsonschema accepts);
agreement on both verdicts is asserted too, except for the one documented case where
fastjsonschema is stricter (a string ending in a newline against a '$'-anchored pattern).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE, SHIPPED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meti_pi.store import schema
from meti_pi.store.register import Register

SCHEMA_FILES = sorted(p.name for p in schema.schemas_dir().glob("*.schema.json"))


def reference_valid(schema_file: str, data: Any) -> bool:
    return not any(True for _ in schema._validator(schema_file).iter_errors(data))


def records(root: Path) -> list[tuple[str, Any]]:
    from meti_pi.store.problems import schema_file_of

    reg = Register.load(root)
    return [(schema_file_of(r), r.data) for r in (*reg.singletons.values(), *reg.records.values())]


ALL_RECORDS = records(SHIPPED) + (records(EXAMPLE) if EXAMPLE.is_dir() else [])


def _keywords(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            out.add(key)
            if key in ("properties", "$defs"):
                for sub in value.values():
                    _keywords(sub, out)
            elif key not in ("enum", "const", "default", "examples", "required"):
                _keywords(value, out)
    elif isinstance(node, list):
        for item in node:
            _keywords(item, out)


def test_schemas_use_only_keywords_the_fast_path_implements() -> None:
    """Fails when a schema starts using a keyword fastjsonschema ignores or implements differently.

    Then either prove the new keyword equivalent here and add it to schema.FAST_KEYWORDS, or
    leave it out: that schema is then validated by jsonschema alone (correct, slower).
    """
    for name in SCHEMA_FILES:
        doc = schema.load_schema(name)
        used: set[str] = set()
        _keywords(doc, used)
        assert used <= schema.FAST_KEYWORDS, (name, used - schema.FAST_KEYWORDS)
        assert schema.unsupported_keywords(doc) == set(), name
        assert schema._fast(name) is not None, name


@pytest.mark.parametrize(
    "fragment, reason",
    [
        ({"unevaluatedProperties": False}, "unevaluatedProperties"),
        ({"dependentRequired": {"a": ["b"]}}, "dependentRequired"),
        ({"prefixItems": [{"type": "string"}]}, "prefixItems"),
        ({"properties": {"a": {"format": "email"}}}, "format:email"),
        ({"properties": {"a": {"$ref": "other.schema.json#/x"}}}, "$ref:<not local>"),
        ({"items": [{"type": "string"}]}, "items:<array>"),
        ({"properties": {"a": {"pattern": "^a$|^b$"}}}, "pattern:<inner $>"),
        ({"patternProperties": {"^x": {}}}, "patternProperties"),
    ],
)
def test_unsupported_keywords_are_detected(fragment: dict[str, Any], reason: str) -> None:
    assert reason in schema.unsupported_keywords({"type": "object", **fragment})


def _fast_and_reference(doc: dict[str, Any]) -> tuple[Any, Any]:
    import re

    import fastjsonschema
    from jsonschema import Draft202012Validator

    source = fastjsonschema.compile_to_code(schema._for_fast(doc), formats=schema._FORMATS, use_default=False)
    namespace: dict[str, Any] = {}
    exec(compile(source, "<test>", "exec"), namespace)  # noqa: S102
    fast = namespace[re.search(r"^def (\w+)\(", source, re.M).group(1)]  # type: ignore[union-attr]

    def fast_ok(data: Any) -> bool:
        try:
            fast(data, schema._FORMATS)
        except Exception:  # noqa: BLE001
            return False
        return True

    reference = Draft202012Validator(doc)
    return fast_ok, lambda data: reference.is_valid(data)


def test_ref_siblings_apply_as_in_2020_12() -> None:
    """Draft 7 (what fastjsonschema implements) ignores keywords beside $ref; 2020-12 applies them."""
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {"s": {"type": "string"}},
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/s", "minLength": 3, "title": "t"}},
    }
    fast_ok, reference_ok = _fast_and_reference(doc)
    for value in ({"a": "ab"}, {"a": "abc"}, {"a": 1}, {}):
        assert fast_ok(value) == reference_ok(value), value


def test_recursive_defs_are_not_inlined_forever() -> None:
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                    "name": {"$ref": "#/$defs/name"},
                },
                "additionalProperties": False,
            },
            "name": {"type": "string", "minLength": 1},
        },
        "$ref": "#/$defs/node",
    }
    fast_ok, reference_ok = _fast_and_reference(doc)
    for value in (
        {"kids": [{"kids": [{"name": "x"}]}]},
        {"kids": [{"kids": [{"name": ""}]}]},
        {"kids": [{"bad": 1}]},
        {"name": 3},
    ):
        assert fast_ok(value) == reference_ok(value), value


@pytest.mark.parametrize("schema_file, data", ALL_RECORDS)
def test_registers_agree(schema_file: str, data: Any) -> None:
    assert schema.fast_valid(schema_file, data) == reference_valid(schema_file, data)


def test_registers_are_valid_both_ways() -> None:
    assert ALL_RECORDS
    assert all(schema.fast_valid(sf, d) for sf, d in ALL_RECORDS)


DATES = [
    "2024-02-29",
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "2024-04-31",
    "2024-1-01",
    "2024-01-1",
    "20240101",
    "2024/01/01",
    "２０２４-０１-０１",
    "2024-01-01T00:00:00",
    " 2024-01-01",
    "2024-01-01\n",
    "0000-01-01",
    "9999-12-31",
    "",
    "2024-W01-1",
]


@pytest.mark.parametrize("value", DATES)
def test_date_format_agrees(value: str) -> None:
    from jsonschema import Draft202012Validator

    expected = Draft202012Validator.FORMAT_CHECKER.conforms(value, "date")
    assert schema._is_date(value) == expected


# -- mutations of valid records -------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, -0.0, 2.5]),
    st.text(max_size=6),
    st.sampled_from(DATES),
    st.sampled_from(
        ["", "A", "F-2026-ABC123", "R1", "row-1", "経済産業省", "computer", "A\n", "x" * 70, "35-1", "true", "1"]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*prefix, i))
    return found


def _mutate(data: Any, draw: Any) -> Any:
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)))
        if not path:
            continue
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        op = draw(st.sampled_from(["delete", "replace", "replace", "add", "bool-for-int", "append"]))
        if op == "delete":
            del parent[last]
        elif op == "replace":
            parent[last] = draw(VALUES)
        elif op == "bool-for-int":
            value = parent[last]
            parent[last] = (value == 1) if isinstance(value, int) and not isinstance(value, bool) else draw(SCALARS)
        elif op == "add" and isinstance(parent, dict):
            key = draw(
                st.one_of(st.text(max_size=5), st.sampled_from(sorted(map(str, parent)) or ["x"]), st.integers(0, 2))
            )
            parent[key] = draw(VALUES)
        elif op == "append" and isinstance(parent[last], list):
            parent[last].append(draw(st.one_of(VALUES, st.sampled_from(parent[last] or [None]))))
    return data


def _newline_sensitive(value: Any) -> bool:
    """Strings ending in a newline: fastjsonschema's '$' is '\\Z', jsonschema's is Python's '$'."""
    if isinstance(value, str):
        return value.endswith("\n")
    if isinstance(value, dict):
        return any(_newline_sensitive(v) for v in value.values())
    if isinstance(value, list):
        return any(_newline_sensitive(v) for v in value)
    return False


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_mutated_records_agree(data: st.DataObject) -> None:
    schema_file, record = data.draw(st.sampled_from(ALL_RECORDS))
    mutated = _mutate(record, data.draw)
    fast = schema.fast_valid(schema_file, mutated)
    slow = reference_valid(schema_file, mutated)
    if fast:
        assert slow, json.dumps(mutated, ensure_ascii=False, default=str)[:2000]  # soundness: always
    if not _newline_sensitive(mutated):
        assert fast == slow, (schema_file, json.dumps(mutated, ensure_ascii=False, default=str)[:2000])


def test_errors_still_come_from_jsonschema() -> None:
    schema_file, record = next((sf, d) for sf, d in ALL_RECORDS if sf == "roles.schema.json")
    assert schema.errors(schema_file, record) == []
    bad = {**record, "role": "emperor", "colour": 1}
    found = schema.errors(schema_file, bad)
    assert {path for path, _ in found} == {("colour",), ("role",)}  # an unknown key at its own path
    assert any("the value is not one of" in message for _, message in found)  # jsonschema's words ...
    assert not any("emperor" in message for _, message in found)  # ... without the value (it may be personal data)


def test_generated_validators_are_in_sync_with_the_schemas() -> None:
    """meti_pi/fastschemas/ is what `make fast-schemas` makes from schemas/ (issue 13: no compiled
    code from a writable cache; it ships in the package, generated from the shipped schemas)."""
    from meti_pi.store import fastgen

    assert fastgen.differences() == [], "run `make fast-schemas`"
    for name in SCHEMA_FILES:
        validator = schema._fast(name)
        assert validator is not None and validator.__module__ == schema.fast_module_name(name), name


def test_generated_validators_run_without_fastjsonschema() -> None:
    import subprocess
    import sys

    script = (
        "import sys; from meti_pi.store import schema; "
        "assert schema._fast('incidents.schema.json').__module__ == 'meti_pi.fastschemas.incidents'; "
        "print('fastjsonschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_an_overridden_schema_is_compiled_in_memory_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$METI_PI_SCHEMAS (schema.use_schemas) or an edited schema never runs the shipped module made for other bytes."""
    import os
    import shutil

    schemas = tmp_path / "schemas"
    shutil.copytree(schema.schemas_dir(), schemas)
    doc = json.loads((schemas / "roles.schema.json").read_text(encoding="utf-8"))
    doc["properties"]["role"] = {"const": "nobody"}  # stricter than the shipped schema
    (schemas / "roles.schema.json").write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    schema_file, record = next((sf, d) for sf, d in ALL_RECORDS if sf == "roles.schema.json")
    schema.use_schemas(schemas)  # what cli/ does with $METI_PI_SCHEMAS
    try:
        fast = schema._fast(schema_file)
        assert fast is not None and fast.__module__ != "meti_pi.fastschemas.roles"
        assert not schema.fast_valid(schema_file, record)
        assert [path for path, _ in schema.errors(schema_file, record)] == [("role",)]
        assert schema._fast("bureaus.schema.json").__module__ == "meti_pi.fastschemas.bureaus"  # unchanged bytes
        assert sorted(str(p) for p in tmp_path.rglob("*")) == before
        assert not os.path.exists(tmp_path / "xdg")
    finally:
        schema.use_schemas(None)
    assert schema.fast_valid(schema_file, record)
