"""What a schema file cannot say, checked as part of it by store.schema (`errors`, `valid`).

A problem found here is a schema problem of its file: the record's checks skip the file, validate
reports it at its line, a command refuses it where it refuses a bad value (store.policy.checked).
"""

from __future__ import annotations

from typing import Any

from meti_pi.dates import wareki


def beyond(schema_file: str, data: Any) -> list[tuple[tuple[object, ...], str]]:
    """The problems of `data` its schema cannot find, by key path: policy.yaml's era table
    (dates.wareki.era_problems)."""
    if schema_file != "policy.schema.json" or not isinstance(data, dict):
        return []
    documents = data.get("documents")
    entries = documents.get("eras") if isinstance(documents, dict) else None
    if not isinstance(entries, list):
        return []
    return [(("documents", "eras", *path), message) for path, message in wareki.era_problems(entries)]
