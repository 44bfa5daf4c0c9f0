"""The shipped schemas: valid draft 2020-12, closed objects, Japanese titles, and an independent check."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE, REPO, SHIPPED

from meti_pi.store.kinds import KINDS, SINGLETONS
from meti_pi.store.schema import check_schemas

SCHEMAS = sorted((REPO / "schemas").glob("*.schema.json"))
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_every_kind_has_a_schema():
    names = {p.name for p in SCHEMAS}
    assert {k.schema_file for k in KINDS.values()} | set(SINGLETONS.values()) <= names


def test_schemas_are_valid_draft_2020_12():
    assert check_schemas() == []


def _objects(node, where="$"):
    """Object definitions (conditions under if/then/not only constrain, they define nothing)."""
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            yield where, node
        for key, value in node.items():
            if key not in ("if", "then", "else", "not"):
                yield from _objects(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _objects(value, f"{where}[{i}]")


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_conventions(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/" + path.name)
    assert JAPANESE.search(schema["title"]), "the top-level title is Japanese"
    assert schema["description"] and not JAPANESE.match(schema["description"])
    open_objects = [w for w, o in _objects(schema) if o.get("additionalProperties") is not False]
    assert open_objects == [], f"objects without additionalProperties: {open_objects}"
    for name, prop in schema["properties"].items():
        assert "title" in prop or "$ref" in prop, f"{name} has no title"


def _check(schema: Path, files: list[Path]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run([str(exe), "--schemafile", str(schema), *map(str, files)], capture_output=True, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("register", [SHIPPED, EXAMPLE], ids=["shipped", "example"])
def test_independent_validator_accepts_every_record(register):
    if not register.exists():
        pytest.skip(f"{register} not present")
    checked = 0
    for name, schema_file in SINGLETONS.items():
        if (register / name).exists():
            result = _check(REPO / "schemas" / schema_file, [register / name])
            assert result.returncode == 0, result.stdout + result.stderr
            checked += 1
    for kind in KINDS.values():
        files = sorted((register / kind.name).rglob("*.yaml")) if (register / kind.name).exists() else []
        if files:
            result = _check(REPO / "schemas" / kind.schema_file, files)
            assert result.returncode == 0, result.stdout + result.stderr
            checked += len(files)
    assert checked >= 24


def test_independent_validator_rejects_what_we_reject(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nid: x\nname: 課\norg: 特許庁\nmanager_post: 課長\nextra: 1\n", encoding="utf-8")
    assert _check(REPO / "schemas" / "divisions.schema.json", [bad]).returncode != 0


def test_every_count_of_persons_a_person_states_has_the_one_bound() -> None:
    """A file's principals.count and an incident's principals and principals_max have the maximum
    the code holds profiles and facts to (10**26 本人 was taken)."""
    from meti_pi.store.limits import MAX_PRINCIPALS

    files = json.loads((REPO / "schemas" / "files.schema.json").read_text(encoding="utf-8"))
    incidents = json.loads((REPO / "schemas" / "incidents.schema.json").read_text(encoding="utf-8"))
    facts = incidents["properties"]["facts"]["properties"]
    counts = (files["properties"]["principals"]["properties"]["count"], facts["principals"], facts["principals_max"])
    assert [c["maximum"] for c in counts] == [MAX_PRINCIPALS] * 3


def test_schema_messages_never_quote_the_value() -> None:
    """jsonschema quotes the value it refuses ('123456789018 is not of type 'string''): a review put
    personal data in the wrong fields and validate, commit and CI's annotations printed it."""
    from meti_pi.store import schema as schema_mod

    record = {
        "schema_version": 1,
        "id": "F-2026-AB12CD",
        "name": "ファイル",
        "org": "山田太郎 090-1234-5678",
        "division": "yamada.taro@example.com",
        "purpose": 123456789018,
        "record_items": {"氏名": "勅使河原龍之介"},
        "record_scope": "申請者",
        "collection_method": "申請書",
        "file_kind": "computer",
    }
    found = schema_mod.errors("files.schema.json", record)
    paths = {path[0] for path, _ in found if path}
    assert {"org", "division", "purpose", "record_items"} <= paths  # each refused ...
    text = " ".join(message for _, message in found)
    for value in ("山田太郎", "090-1234-5678", "yamada.taro", "123456789018", "勅使河原"):
        assert value not in text  # ... without its value
    assert "経済産業省" in text  # what the schema allows is still said
