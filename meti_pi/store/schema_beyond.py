"""What a schema file cannot say, checked as part of it by store.schema (`errors`, `valid`).

A problem found here is a schema problem of its file: the record's checks skip the file, validate
reports it at its line, a command refuses it where it refuses a bad value (store.policy.checked).
"""

from __future__ import annotations

from typing import Any

from meti_pi.dates import wareki
from meti_pi.store.rule_articles import citation_problem

# Where the records cite the rule's articles (the schemas' `#/$defs/article`): list -> field
# (None: the list's items are the citations).
_CITING: dict[str, tuple[tuple[tuple[str, ...], str | None], ...]] = {
    "audits.schema.json": ((("scope", "articles"), None), (("findings",), "article")),
    "inspections.schema.json": ((("answers",), "article"), (("findings",), "article")),
}


def beyond(schema_file: str, data: Any) -> list[tuple[tuple[object, ...], str]]:
    """The problems of `data` its schema cannot find, by key path: policy.yaml's era table
    (dates.wareki.era_problems), a paragraph or item the rule's article does not have
    (store.rule_articles)."""
    if not isinstance(data, dict):
        return []
    if schema_file in _CITING:
        return _citations(data, _CITING[schema_file])
    if schema_file != "policy.schema.json":
        return []
    documents = data.get("documents")
    entries = documents.get("eras") if isinstance(documents, dict) else None
    if not isinstance(entries, list):
        return []
    return [(("documents", "eras", *path), message) for path, message in wareki.era_problems(entries)]


def _citations(
    data: dict[str, Any], places: tuple[tuple[tuple[str, ...], str | None], ...]
) -> list[tuple[tuple[object, ...], str]]:
    found: list[tuple[tuple[object, ...], str]] = []
    for path, field in places:
        entries: Any = data
        for step in path:
            entries = entries.get(step) if isinstance(entries, dict) else None
        for i, entry in enumerate(entries if isinstance(entries, list) else ()):
            value = entry if field is None else entry.get(field) if isinstance(entry, dict) else None
            problem = citation_problem(value) if isinstance(value, str) else None
            if problem is not None:
                found.append(((*path, i) if field is None else (*path, i, field), problem))
    return found
