"""What a schema file cannot say, checked as part of it by store.schema (`errors`, `valid`).

A problem found here is a schema problem of its file: the record's checks skip the file, validate
reports it at its line, a command refuses it where it refuses a bad value (store.policy.checked).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meti_pi.dates import wareki
from meti_pi.store.rule_articles import citation_problem

# Where the records cite the rule's articles (the schemas' `#/$defs/article`): the steps to each
# citation, "*" for every item of a list. (citations.yaml's rule_articles are not: meti-pi's own
# init wrote 11(1)(1)-(4) there, which no code reads; as a schema error every command reading the
# file would stop on a register made by an older meti-pi.)
_CITING: dict[str, tuple[tuple[str, ...], ...]] = {
    "audits.schema.json": (("scope", "articles", "*"), ("findings", "*", "article")),
    "inspections.schema.json": (("answers", "*", "article"), ("findings", "*", "article")),
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


def _citations(data: dict[str, Any], places: tuple[tuple[str, ...], ...]) -> list[tuple[tuple[object, ...], str]]:
    found: list[tuple[tuple[object, ...], str]] = []
    for steps in places:
        for path, value in _walk(data, steps, ()):
            problem = citation_problem(value) if isinstance(value, str) else None
            if problem is not None:
                found.append((path, problem))
    return found


def _walk(node: Any, steps: tuple[str, ...], path: tuple[object, ...]) -> Iterator[tuple[tuple[object, ...], Any]]:
    if not steps:
        yield path, node
    elif steps[0] == "*":
        for i, item in enumerate(node if isinstance(node, list) else ()):
            yield from _walk(item, steps[1:], (*path, i))
    elif isinstance(node, dict) and steps[0] in node:
        yield from _walk(node[steps[0]], steps[1:], (*path, steps[0]))
