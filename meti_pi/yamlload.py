"""The fast, safe read path for register files (PyYAML with libyaml).

Reading and validating never goes through ruamel's round-trip loader: libyaml parses about
15 times faster. The loader is tightened to what a register file may hold:
- YAML 1.2 core scalars only (`yes`/`no` stay strings, `012` is 12), the way ruamel writes them;
- dates stay strings (`2024-13-45` becomes a schema error, not a loader crash);
- no anchors, aliases or non-standard tags (an alias bomb or a `!!python/...` tag is refused);
- no duplicate keys (the later one would silently win).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STANDARD_TAGS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq")
)


class YamlFault(Exception):
    """A register file that cannot be read as plain YAML data."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _RegisterLoader(_Base):  # type: ignore[misc,valid-type]  # libyaml class has no stubs
    """SafeLoader with YAML 1.2 core resolvers and no duplicate keys."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise YamlFault(f"duplicate key {key!r}", key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _resolver(tag: str, pattern: str, first: str) -> None:
    _RegisterLoader.add_implicit_resolver("tag:yaml.org,2002:" + tag, re.compile(pattern, re.X), list(first))


_resolver("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolver("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
_resolver(
    "float",
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    "-+0123456789.",
)
_resolver("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])  # type: ignore[arg-type]


def _construct_int(loader: Any, node: Any) -> int:
    value = str(loader.construct_scalar(node))
    if value.startswith("0o"):
        return int(value[2:], 8)
    if value.startswith("0x"):
        return int(value[2:], 16)
    return int(value)


_RegisterLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _check_events(text: str) -> None:
    """Refuse anchors, aliases and non-standard tags (only looked for when the text could hold one)."""
    for event in yaml.parse(text, Loader=_Base):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise YamlFault("YAML aliases (*name) are not allowed in register files; write the value out", line)
        anchor = getattr(event, "anchor", None)
        if anchor:
            raise YamlFault("YAML anchors (&name) are not allowed in register files; write the value out", line)
        tag = getattr(event, "tag", None)
        if tag and tag != "!" and tag not in _STANDARD_TAGS:
            raise YamlFault(f"YAML tag {tag!r} is not allowed in register files; remove it", line)


_SUSPECT = re.compile(r"[&*!]")


def load(text: str) -> Any:
    """Parse one register document; raise YamlFault with a 1-based line on any fault."""
    if "\x00" in text:
        raise YamlFault("file contains NUL bytes; it is not a YAML text file", None)
    try:
        if _SUSPECT.search(text):
            _check_events(text)
        return yaml.load(text, Loader=_RegisterLoader)  # noqa: S506 - a safe loader subclass
    except YamlFault:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        where = ""
        if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            where = f" ({exc.context} started at line {exc.context_mark.line + 1})"
        raise YamlFault(f"YAML syntax error: {exc.problem or exc.context}{where}", line) from None
    except yaml.YAMLError as exc:
        raise YamlFault(f"not readable as YAML: {type(exc).__name__}", None) from None
    except RecursionError:
        raise YamlFault("YAML nested too deeply", None) from None


def decode(raw: bytes) -> str:
    """Register files are UTF-8 (a BOM is tolerated); anything else is refused."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlFault("not UTF-8 text (register files must be UTF-8)", line) from None


@dataclass(frozen=True, slots=True)
class _Step:
    key: object


def locate(text: str, key_path: tuple[object, ...]) -> int | None:
    """The 1-based line of the node at `key_path` (or of its nearest existing parent)."""
    try:
        node = yaml.compose(text, Loader=_Base)
    except (yaml.YAMLError, RecursionError):
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for step in key_path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(step):
                    child, line = v, k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child = node.value[step]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
