"""What a jsonschema error says to the person who wrote the record: without the value it quotes,
for a value a conditional rule (allOf/if/then) fixes, with the rule's reason, and a date that is no
date (an empty `--set established_on=`) said once, as such; an item of a list taught as an item."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any


def error_text(schema: Any, err: Any, optional: Callable[[], bool] = lambda: False) -> str:
    """The message of `err` (a jsonschema ValidationError against `schema`), at most 240 characters.
    `optional`: whether the field may be left out (asked of a date given empty)."""
    message = _not_a_date(err, optional) or _conditional_const(schema, err) or _without_value(err)
    return message if len(message) <= 240 else message[:237] + "..."


def _without_value(err: Any) -> str:
    """jsonschema's message with the value it quotes replaced by 'the value': '123456789018 is not
    of type 'string'' put a 個人番号 typed into the wrong field on the terminal and into CI's logs
    (a review). What the schema says (its types, enum, pattern) and the keys named stay."""
    message = str(err.message)
    if err.instance is None or isinstance(err.instance, bool):  # Python's words for YAML's null, true, false
        shown = repr(err.instance)
        return "the value" + message[len(shown) :] if message.startswith(f"{shown} is ") else message
    if isinstance(err.instance, (dict, list, str, int, float)):
        shown = repr(err.instance)
        if message.startswith(shown):
            return "the value" + message[len(shown) :]
        if len(shown) > 2 and shown in message and err.validator not in ("required", "additionalProperties"):
            return message.replace(shown, "the value")
    return message


def _conditional_const(schema: Any, err: Any) -> str | None:
    """For a `const` inside a conditional rule's `then`: the value the rule asks for and why (the
    `then`'s description), instead of jsonschema's "True was expected"."""
    if err.validator != "const":
        return None
    why = None
    node = schema
    for step in err.relative_schema_path:
        if step == "$ref" or not isinstance(node, (dict, list)):
            break
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
        if step == "then" and isinstance(node, dict) and node.get("description"):
            why = str(node["description"])
    if why is None:
        return None
    expected = err.validator_value
    shown = "true" if expected is True else "false" if expected is False else repr(expected)
    return f"must be {shown} here, because {why}"


def said_by_its_format(err: Any) -> bool:
    """A pattern error of the schemas' date type (`pattern` YYYY-MM-DD beside `format: date`, every date
    field): a string its pattern refuses is no date either, so the `format` error says the one mistake
    (`--set established_on=` was refused twice, "does not match '^\\d{4}-…'" and "is not a 'date'")."""
    return err.validator == "pattern" and isinstance(err.schema, dict) and err.schema.get("format") == "date"


def _not_a_date(err: Any, optional: Callable[[], bool]) -> str | None:
    """What a date field holding no date is: empty (or null), or not a date; an empty one that may
    be left out says so."""
    node = err.schema if isinstance(err.schema, dict) else {}
    if node.get("format") != "date" or err.validator not in ("format", "type"):
        return None
    if err.instance is None or (isinstance(err.instance, str) and not err.instance.strip()):
        none = "empty" if err.instance is not None else "null (no value)"
        return f"{none}: write a date" + (", or leave the field out (it is optional)" if optional() else "")
    if err.validator == "format":
        return "the value is not a date"
    return None


def can_be_left_out(validator: Any, data: Any, path: tuple[object, ...]) -> bool:
    """Whether `data` keeps to its schema's `required` rules (conditional ones too) without the field at
    `path`."""
    if not path:
        return False
    trimmed = copy.deepcopy(data)
    parent = trimmed
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    wanted = f"{path[-1]!r} is a required property"
    return not any(
        e.validator == "required" and tuple(e.absolute_path) == path[:-1] and e.message == wanted
        for e in validator.iter_errors(trimmed)
    )


def list_item_hint(title: str, key: str, what: str, value: str, root: str | None) -> str:
    """The hint of an item of the list `key` that fails its schema: to write it as an item under the
    list's key, never as the list's own value (`sensitive_categories: race`, `--set
    characteristics.sensitive_categories=race`: text where a list belongs). `what`: the item's type in
    words; `value`: an example item; `root`: the root file the list is in (policy.yaml), if one."""
    leaf = key.rsplit(".", 1)[-1]
    where = f" in {root}" if root is not None else ""
    return f" — {title}（{key}）is a list, each item {what}; write each item as `- {value}` under `{leaf}:`{where}"
