"""The fast, safe read path for register files (PyYAML with libyaml).

Reading and validating never goes through ruamel's round-trip loader: libyaml parses about
15 times faster. The loader is tightened to what a register file may hold:
- YAML 1.2 core scalars only (`yes`/`no` stay strings, `012` is 12), the way ruamel writes them;
- dates stay strings (`2024-13-45` becomes a schema error, not a loader crash);
- no anchors, aliases or non-standard tags (an alias bomb or a `!!python/...` tag is refused);
- no duplicate keys (the later one would silently win).
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from meti_pi.errors import UsageError
from meti_pi.store import limits

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STANDARD_TAGS = frozenset("tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))


class YamlFault(Exception):
    """A register file that cannot be read as plain YAML data."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _RegisterLoader(_Base):  # type: ignore[misc]  # _Base is Any: libyaml's CSafeLoader where built, else SafeLoader
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
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.AliasEvent):
            raise YamlFault("YAML aliases (*name) are not allowed in register files; write the value out", line)
        anchor = getattr(event, "anchor", None)
        if anchor:
            raise YamlFault("YAML anchors (&name) are not allowed in register files; write the value out", line)
        tag = getattr(event, "tag", None)
        if tag and tag != "!" and tag not in _STANDARD_TAGS:
            raise YamlFault(f"YAML tag {tag!r} is not allowed in register files; remove it", line)


def _value_layout(text: str) -> tuple[dict[int, list[tuple[int, int]]], set[int]] | None:
    """Where `text`'s values lie, by libyaml's own scanner: for each line the column spans of the
    values on it, and the lines wholly inside a value begun above (a block scalar's content, a
    quoted or plain value over several lines). None where libyaml cannot scan the text (not YAML,
    or not UTF-8: read with surrogates); validation says so."""
    spans: dict[int, list[tuple[int, int]]] = {}
    inside: set[int] = set()
    try:
        for token in yaml.scan(text, Loader=_Base):
            if not isinstance(token, yaml.ScalarToken):
                continue
            start, end = token.start_mark, token.end_mark
            if end.line == start.line:
                spans.setdefault(start.line, []).append((start.column, end.column))
                continue
            spans.setdefault(start.line, []).append((start.column, 1 << 30))
            last = end.line - (end.column == 0)  # a block scalar ends at column 0 of the line after its text
            inside.update(range(start.line + 1, last + 1))
            if end.column:
                spans.setdefault(end.line, []).append((0, end.column))
    except (yaml.YAMLError, UnicodeError):
        return None
    return spans, inside


def scalar_lines(text: str) -> set[int]:
    """The 0-based lines of `text` that continue a scalar begun on an earlier line: a line there
    that begins with '#' is text of the value, not a comment. Empty if libyaml cannot scan `text`."""
    layout = _value_layout(text)
    return layout[1] if layout is not None else set()


_SUSPECT = re.compile(r"[&*!]")

# The deepest nesting a register file may have: libyaml's own limit (PyYAML 6.0.4's bundled libyaml
# refuses the 1,001st level). Checked here too, since a PyYAML built with an older libyaml (PyYAML
# 6.0.3 and before, or a distribution's) loads any depth, and deeper data then overflows the stack
# of whatever walks it (the schema's messages: a crash reported as a bug).
_MAX_NESTING = 1000
# What can open a level: a flow `[` or `{`, any `:` (a JSON-like key's `"k":v` opens a mapping in a
# flow sequence with no space after it), or `-` or `?` before a space or a line end (a date's dashes
# open none).
_LEVEL_MARK = re.compile(r"[\[{:]|[-?](?=\s|\Z)")


@functools.cache
def _parser_limits_nesting() -> bool:
    """Whether the parser in use refuses the level past _MAX_NESTING itself (libyaml 0.2.6, as
    PyYAML 6.0.4 bundles it): probed once, on a text of that depth. Then _check_nesting has nothing
    to add, and a large record (an inspection of 400 answers: 17.6 -> 23 ms) is not parsed twice."""
    deep = "[" * (_MAX_NESTING + 1) + "]" * (_MAX_NESTING + 1)
    try:
        yaml.load(deep, Loader=_Base)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
    except yaml.YAMLError as exc:
        return "nesting" in str(exc)
    return False


def _line_of(text: str, index: int) -> str:
    """Line `index` (0-based) of `text`, "" past its end."""
    lines = text.split("\n", index + 1)
    return lines[index] if index < len(lines) else ""


def _check_nesting(text: str) -> None:
    """Refuse a document nested more than _MAX_NESTING levels, at the line of the level too many.
    Each level needs a mark of its own (_LEVEL_MARK), so a text with fewer marks is not parsed."""
    if sum(text.count(c) for c in "[{-:?") <= _MAX_NESTING or _parser_limits_nesting():
        return
    if sum(1 for _ in _LEVEL_MARK.finditer(text)) <= _MAX_NESTING:
        return
    depth = 0
    for event in yaml.parse(text, Loader=_Base):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _MAX_NESTING:
                line = event.start_mark.line + 1 if event.start_mark is not None else None
                raise YamlFault("YAML syntax error: exceeded maximum nesting depth", line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load(text: str, *, given: bool = False) -> Any:
    """Parse one register document; raise YamlFault with a 1-based line on any fault. `given`: a file
    given to a command (facts, fields, profile), usually outside git, advised accordingly."""
    if "\x00" in text:
        raise _nul_fault(text, given)
    try:
        if _SUSPECT.search(text):
            _check_events(text)
        _check_nesting(text)
        return yaml.load(text, Loader=_RegisterLoader)  # noqa: S506 - a safe loader subclass
    except YamlFault:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        where = ""
        if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            where = f" ({exc.context} started at line {exc.context_mark.line + 1})"
        # the line's indentation holds a tab (libyaml: "found character that cannot start any token")
        tab = mark is not None and _line_of(text, mark.line).lstrip(" ").startswith("\t")
        hint = "; YAML indents with spaces, never tabs: replace the tab with spaces" if tab else ""
        raise YamlFault(f"YAML syntax error: {exc.problem or exc.context}{where}{hint}", line) from None
    except yaml.YAMLError as exc:
        raise YamlFault(f"not readable as YAML: {type(exc).__name__}", None) from None
    except RecursionError:
        raise YamlFault("YAML nested too deeply", None) from None
    except (TypeError, ValueError, KeyError):
        # A mapping or list used as a key (`[k]: 0`), or an explicit tag on a value it cannot
        # hold (`!!int abc`, `!!bool maybe`): the constructor fails where the parser did not.
        raise YamlFault(_construct_fault(text), _construct_fault_line(text)) from None


def document_line(text: str) -> int:
    """The 1-based line where the (already loaded) document's content starts: past a `---`,
    comments and blank lines, so a file that is not the mapping it should be is named there."""
    try:
        node = yaml.compose(text, Loader=_RegisterLoader)
    except yaml.YAMLError:
        return 1
    return node.start_mark.line + 1 if node is not None else 1


def load_given_file(path: Path, what: str) -> tuple[str, Any]:
    """The text and YAML document of a file given to a command (--from, --profile, a findings file):
    exit 2 naming the file, at the line of its fault (line 1 where YAML names none), or without a
    line when it cannot be read at all. `what`: the file in the message ("fields file")."""
    raw = limits.read_option_file(path, what)
    try:
        try:
            text = decode(raw)
        except YamlFault as fault:  # not a register file: what to do with it, not the register's rule
            raise YamlFault(
                "not UTF-8 text (saved as Shift_JIS, perhaps): save the file as UTF-8 and give it again", fault.line
            ) from None
        return text, load(text, given=True)
    except YamlFault as fault:
        raise UsageError.at(path, fault.line or 1, str(fault)) from None


def file_fault(path: Any, text: str, message: str) -> UsageError:
    """A fault of a given file as a whole (empty, only comments, not the mapping or list it should
    hold) named at the line its document starts, line 1 of an empty one: as `validate` names an
    empty or non-mapping register file (`divisions/x.yaml:1: error[empty]`), never `path:` alone."""
    return UsageError.at(path, document_line(text), message)


def shape(value: Any) -> str:
    """What a loaded YAML document is, in a message's words ("a list", "plain text")."""
    if isinstance(value, list):
        return "a list (`- item` lines)"
    if isinstance(value, str):
        return "plain text"
    return f"a single value ({value!r})"


def _nul_fault(text: str, given: bool = False) -> YamlFault:
    """A text holding NUL (binary data, or UTF-16 read as UTF-8), at the line of the first one; `git
    restore` is advised for a register file only (a file given to a command is seldom under git)."""
    at = text.index("\x00")
    line_start = text.rfind("\n", 0, at) + 1
    restore = "" if given else ", or `git restore` it if it was damaged"
    return YamlFault(
        f"file contains NUL bytes (the first at column {at - line_start + 1}); it is not YAML text "
        f"(binary data, or text saved as UTF-16): save it as UTF-8 text{restore}",
        text.count("\n", 0, at) + 1,
    )


def _construct_fault(text: str) -> str:
    return (
        "a key that is a list or mapping, or a value that does not fit its !!tag; write keys and values as plain text"
    )


def _construct_fault_line(text: str) -> int | None:
    """The line of the first complex key or explicitly tagged scalar (what the constructor chokes on)."""
    try:
        for event in yaml.parse(text, Loader=_Base):
            tag = getattr(event, "tag", None)
            if isinstance(event, yaml.ScalarEvent) and tag and tag != "!" and event.start_mark is not None:
                return event.start_mark.line + 1
        node = yaml.compose(text, Loader=_Base)
    except (yaml.YAMLError, RecursionError):
        return None
    stack = [node] if node is not None else []
    while stack:
        here = stack.pop()
        if isinstance(here, yaml.MappingNode):
            for key, value in here.value:
                if not isinstance(key, yaml.ScalarNode):
                    return int(key.start_mark.line) + 1
                stack.append(value)
        elif isinstance(here, yaml.SequenceNode):
            stack.extend(here.value)
    return None


def decode(raw: bytes) -> str:
    """Register files are UTF-8 (a BOM is tolerated); anything else is refused."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlFault("not UTF-8 text (register files must be UTF-8)", line) from None


# -- lines of keys ----------------------------------------------------------------------------------
# A problem names a key path; its line is found from one parse of the file however many problems
# the file has (the parse is kept, as a compact index, for the files located most recently), and only
# when someone reads the line (`Where`, errors.LazyProblem): the write path, which keeps only errors,
# never parses a file to place a warning it discards.

_Index = tuple[int, Any]  # (line of the root, its children): dict key -> (line, children) | list | None


@functools.lru_cache(maxsize=4096)
def _line_index(text: str) -> _Index | None:
    """Every node of `text` as nested dicts (mappings: first occurrence of each scalar key) and lists
    (sequences) of (line, children); scalars have None. None when the text does not compose."""
    try:
        root = yaml.compose(text, Loader=_Base)
    except (yaml.YAMLError, RecursionError):
        return None
    if root is None:
        return None

    def shell(node: Any) -> Any:
        if isinstance(node, yaml.MappingNode):
            return {}
        if isinstance(node, yaml.SequenceNode):
            return []
        return None

    top = shell(root)
    stack = [(root, top)]
    while stack:  # iterative: a deeply nested file must not exhaust the stack here
        node, out = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value not in out:
                    child = shell(v)
                    out[k.value] = (k.start_mark.line + 1, child)
                    if child is not None:
                        stack.append((v, child))
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                child = shell(v)
                out.append((v.start_mark.line + 1, child))
                if child is not None:
                    stack.append((v, child))
    return root.start_mark.line + 1, top


def locate(text: str, key_path: tuple[object, ...]) -> int | None:
    """The 1-based line of the node at `key_path` (or of its nearest existing parent)."""
    index = _line_index(text)
    if index is None:
        return None
    line, node = index
    for step in key_path:
        if isinstance(node, dict):
            hit = node.get(str(step))
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            hit = node[step]
        else:
            hit = None
        if hit is None:
            break
        line, node = hit
    return line


def comments(text: str) -> Counter[str]:
    """Every comment of `text` — whole-line ones and those after a value (`key: v  # ...`) — counted:
    a '#' inside a quoted or multi-line value is text (_value_layout). Empty where `text` is not YAML
    libyaml can scan."""
    layout = _value_layout(text) if "#" in text else None
    if layout is None:
        return Counter()
    spans, inside = layout
    found: Counter[str] = Counter()
    for n, line in enumerate(text.splitlines()):
        if n in inside or "#" not in line:
            continue
        for m in re.finditer(r"(?:^|(?<=\s))#", line):
            if not any(a <= m.start() < b for a, b in spans.get(n, ())):
                found[line[m.start() :].strip()] += 1
                break
    return found


def key_steps(key: str) -> tuple[str | int, ...]:
    """The steps `locate` takes for a key path as problems name it: '$.a.b[2]' (schema.key_path)
    or 'a.b[2]' -> ('a', 'b', 2)."""
    return tuple(int(s[1:-1]) if s.startswith("[") else s for s in re.findall(r"\[\d+\]|[^.$\[\]]+", key))


@contextlib.contextmanager
def located_errors(path: Any) -> Iterator[None]:
    """A UsageError about an option file (`{path}: answers.8-4: ...`, as the parsers of --answers,
    --profile, --from and findings files name a faulty entry) gets that entry's line:
    `{path}:5: answers.8-4: ...` (the file read again only then); one about the file as a whole
    (`{path}: expected a list of findings`) or a key it lacks (`{path}: summary: required`) the line
    its document starts (file_fault), as validate names a missing key at its mapping's line."""
    try:
        yield
    except UsageError as exc:
        message, prefix = str(exc), f"{path}: "
        if not message.startswith(prefix) or exc.line is not None:
            raise
        # the parser's error about this file: --json gets the file, and the entry's line when found
        located = UsageError(message, path=path)
        keys, sep, rest = message.removeprefix(prefix).partition(": ")
        entry = bool(sep) and re.fullmatch(r"(?:[\w@\-]+|\[\d+\])(?:\.[\w@\-]+|\[\d+\])*", keys) is not None
        try:
            text = decode(limits.read_regular(path))  # never a FIFO or /dev/zero (an unreadable file's fault)
            line = locate(text, key_steps(keys)) if entry else None
        except (OSError, YamlFault, UnicodeError):
            raise located from None
        if line is None:  # the file as a whole ("expected a list of findings"), or a key it lacks
            raise file_fault(path, text, message.removeprefix(prefix)) from None
        raise UsageError.at(path, line, f"{keys}: {rest}") from None


class Where:
    """The line of `key_path` in `text`, found when first asked for (errors.LazyProblem)."""

    __slots__ = ("key_path", "text")

    def __init__(self, text: str, key_path: tuple[object, ...]) -> None:
        self.text, self.key_path = text, key_path

    def resolve(self) -> int | None:
        return locate(self.text, self.key_path)


# -- the fast path ---------------------------------------------------------------------------------
# Builds the data straight from libyaml's events, resolving plain scalars with the same YAML 1.2
# rules as _RegisterLoader: about twice as fast as the constructor above (which walks nodes with
# generators and resolves every scalar through several Python calls). Anything out of the
# ordinary (an anchor, alias or tag, a duplicate or non-scalar key, several documents, deep
# nesting, a syntax error) is handed to `load`, so results and faults are exactly `load`'s.

_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", re.X)
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", re.X
)
_CONSTANTS: dict[str, Any] = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "": None,
}
_MAX_DEPTH = 100


class _Unusual(Exception):
    """Not for the fast path: `load` decides."""


def _plain(value: str) -> Any:
    """A plain scalar as _RegisterLoader resolves and constructs it."""
    if value in _CONSTANTS:
        return _CONSTANTS[value]
    if value[0] in "-+0123456789.":
        if _INT.match(value):
            if value.startswith("0o"):
                return int(value[2:], 8)
            if value.startswith("0x"):
                return int(value[2:], 16)
            return int(value)
        if _FLOAT.match(value):
            low = value.lower()
            sign = -1 if low[0] == "-" else 1
            if low[0] in "+-":
                low = low[1:]
            if low == ".inf":
                return sign * float("inf")
            if low == ".nan":
                return float("nan")
            return sign * float(low)
    return value


# Keys and short string values are interned: the same key or value (`division`, `管理B`, a date, an
# id named by many records) is then one object in every record parsed, and marshal keeps the mark,
# so records decoded from the read cache share them too. At 100,000 records the decoded data of a
# register takes about a third of the memory it took with a copy of every string (issue 18: cold
# `validate` at 100,000 records under 1 GB). Equal data either way: only object identity differs.
_INTERN_MAX = 40


def _fast(text: str) -> Any:
    from yaml import events as ev

    intern = sys.intern

    parser = yaml.cyaml.CParser(text)  # type: ignore[attr-defined]
    get = parser.get_event
    scalar, map_start, seq_start = ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent
    map_end, seq_end, doc_end = ev.MappingEndEvent, ev.SequenceEndEvent, ev.DocumentEndEvent
    try:
        get()  # stream start
        event: Any = get()  # told apart by `type(event) is`, which mypy does not narrow
        if type(event) is ev.StreamEndEvent:
            return None
        if type(event) is not ev.DocumentStartEvent:
            raise _Unusual
        stack: list[tuple[Any, Any, bool]] = []
        result: Any = None
        current: Any = None
        is_map = False
        no_key = stack  # marker: the next scalar of a mapping is a key
        key: Any = no_key
        while True:
            event = get()
            kind = type(event)
            if kind is scalar:
                if event.anchor is not None or event.tag is not None:
                    raise _Unusual
                value = _plain(event.value) if event.implicit[0] else event.value
                if type(value) is str and len(value) <= _INTERN_MAX:
                    value = intern(value)  # keys and short values, one object for every record (see _INTERN_MAX)
                if current is None:
                    result = value
                elif is_map:
                    if key is no_key:
                        if value in current or value != value:
                            raise _Unusual  # duplicate key (or a NaN key, never equal to itself): `load` decides
                        key = value
                    else:
                        current[key] = value
                        key = no_key
                else:
                    current.append(value)
            elif kind is map_start or kind is seq_start:
                if event.anchor is not None or event.tag is not None or len(stack) >= _MAX_DEPTH:
                    raise _Unusual
                new: Any = {} if kind is map_start else []
                if current is None:
                    result = new
                elif is_map:
                    if key is no_key:
                        raise _Unusual  # a mapping or sequence as a key
                    current[key] = new
                else:
                    current.append(new)
                stack.append((current, key, is_map))
                current, key, is_map = new, no_key, kind is map_start
            elif kind is map_end or kind is seq_end:
                current, key, is_map = stack.pop()
                key = no_key
            elif kind is doc_end:
                if type(get()) is not ev.StreamEndEvent:
                    raise _Unusual  # several documents
                return result
            else:
                raise _Unusual  # an alias
    finally:
        parser.dispose()


def load_fast(text: str) -> Any:
    """`load`, about twice as fast on ordinary register files; the same data and the same faults."""
    if "\x00" in text or not getattr(yaml, "__with_libyaml__", False):
        return load(text)
    try:
        return _fast(text)
    except (_Unusual, yaml.YAMLError, RecursionError, ValueError, TypeError):
        return load(text)
