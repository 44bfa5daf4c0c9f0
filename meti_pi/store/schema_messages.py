"""What a jsonschema error says to the person who wrote the record: without the value it quotes,
and, for a value a conditional rule (allOf/if/then) fixes, with the rule's reason."""

from __future__ import annotations

from typing import Any


def error_text(schema: Any, err: Any) -> str:
    """The message of `err` (a jsonschema ValidationError against `schema`), at most 240 characters."""
    message = _conditional_const(schema, err) or _without_value(err)
    return message if len(message) <= 240 else message[:237] + "..."


def _without_value(err: Any) -> str:
    """jsonschema's message with the value it quotes replaced by 'the value': '123456789018 is not
    of type 'string'' put a 個人番号 typed into the wrong field on the terminal and into CI's logs
    (a review). What the schema says (its types, enum, pattern) and the keys named stay."""
    message = str(err.message)
    if isinstance(err.instance, (dict, list, str, int, float)) and not isinstance(err.instance, bool):
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
