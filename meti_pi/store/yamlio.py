"""Round-trip YAML for edits (ruamel.yaml): comments, key order and quoting survive a change.

Only the write path uses this module; a one-field change gives a one-line diff.
"""

from __future__ import annotations

import datetime
import io
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from meti_pi.store import yamlload


class _KeptFloat(float):
    """A float read from a file, with the text it was written as (written back unchanged)."""

    text: str


_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


@lru_cache(maxsize=1)
def _classes() -> tuple[Any, Any]:
    """Our round-trip constructor and representer (subclasses: ruamel's own stay untouched)."""
    from ruamel.yaml.constructor import RoundTripConstructor
    from ruamel.yaml.representer import RoundTripRepresenter

    class Constructor(RoundTripConstructor):
        def construct_yaml_float(self, node: Any) -> float:
            kept = _KeptFloat(super().construct_yaml_float(node))
            kept.text = node.value
            return kept

    class Representer(RoundTripRepresenter):
        def represent_kept_float(self, data: _KeptFloat) -> Any:
            # ruamel re-formats floats it did not change (4.018789302455501e+16 came back as
            # another value): a float the command did not touch keeps its text.
            return self.represent_scalar("tag:yaml.org,2002:float", data.text)

        def represent_str(self, data: str) -> Any:
            # NEL and the Unicode line separators are line breaks to a YAML reader, folded to a
            # space in a plain or single-quoted scalar: write such a string double-quoted.
            if any(c in data for c in _LINE_BREAKS):
                return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
            return super().represent_str(data)

    Constructor.add_constructor("tag:yaml.org,2002:float", Constructor.construct_yaml_float)
    Representer.add_representer(_KeptFloat, Representer.represent_kept_float)
    Representer.add_representer(str, Representer.represent_str)
    return Constructor, Representer


def _yaml() -> Any:
    from ruamel.yaml import YAML  # heavy: imported only when a command edits a file

    y = YAML(typ="rt")
    y.Constructor, y.Representer = _classes()
    y.preserve_quotes = True
    y.width = 4096  # never fold long Japanese lines: a fold would show as a change in the diff
    y.indent(mapping=2, sequence=4, offset=2)
    y.allow_duplicate_keys = False
    # A value shared by two keys would be written as an anchor/alias, which the register's
    # loader refuses: always write the value out.
    y.representer.ignore_aliases = lambda *args: True
    return y


def load_rt(text: str) -> Any:
    """The editable document of a register file."""
    return _yaml().load(text)


def dump_rt(doc: Any) -> str:
    """Text of an edited document."""
    buf = io.StringIO()
    _yaml().dump(doc, buf)
    return buf.getvalue()


class RenderError(ValueError):
    """An edited document that cannot be written so that it reads back as the same data."""


def dump_checked(doc: Any) -> tuple[str, bool]:
    """(text, comments kept) of an edited document, proved to read back as the document's data.

    ruamel's emitter can garble a block it writes where a flow collection with an end-of-line
    comment was (`b: []  # note` replaced by `[{}, x, y]` came back as `[{}, 'x   - x']`). Such a
    text is never written: the document is written afresh instead, its comments lost but every
    value exact (the caller says so); RenderError if even that does not read back.
    """
    return _dump_checked(doc, to_plain(doc))


def _dump_checked(doc: Any, want: Any) -> tuple[str, bool]:
    text = dump_rt(doc)
    if _reads_as(text, want, yamlload):
        return text, True
    fresh = dump_rt(_commented(want))
    if _reads_as(fresh, want, yamlload):
        return fresh, False
    raise RenderError("the edited record cannot be written so that it reads back unchanged")


def dump_edited(doc: Any, original: str, following: dict[tuple[Any, ...], str], read: Read) -> tuple[str, bool]:
    """dump_checked of `doc`, an edit of the record whose text was `original` and whose
    following_comments were `following` and as_read `read` (taken when it was read): a
    value the edit left equal is written as it was read (keep_as_written: a one-field
    change is a one-line diff), and those comment lines are kept after the values they followed
    (carry_comments); kept is False when a comment line of `original` is still missing from the
    text (the caller says so). The text is proved to read back as `doc` as the command left it,
    taken before either touches it: a fault of theirs is never written (the document is written
    afresh instead, as dump_checked does)."""
    want = to_plain(doc)  # the edit as made: keep_as_written reuses and changes nodes read in place
    keep_as_written(read, doc)
    carry_comments(following, doc)
    text, kept = _dump_checked(doc, want)
    if kept:
        text = empty_values_as_written(original, text, want)
    return text, kept and not comment_lines(original) - comment_lines(text)


def empty_values_as_written(original: str, text: str, want: Any) -> str:
    """`text` with each `key: null` that stands where `original` had `key:` (an empty value,
    as hand-written records have them) written `key:` again.

    ruamel reads both spellings as None and writes `null`: without this, a command's first edit of
    a hand-written record rewrote every empty value of it (`closed_on:` -> `closed_on: null`), a
    diff of dozens of lines for one changed fact. Lines are paired by difflib; only a line that
    differs from an original line by the ` null` alone changes back (both read as None), and the
    result is used only if it reads back as `want`."""
    import difflib

    before, after = original.splitlines(keepends=True), text.splitlines(keepends=True)
    changed = False
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag != "replace":
            continue
        empty = {line.rstrip("\r\n") for line in before[i1:i2] if line.rstrip("\r\n").endswith(":")}
        for j in range(j1, j2):
            body = after[j].rstrip("\r\n")
            if body.endswith(": null") and body[: -len(" null")] in empty:
                after[j] = body[: -len(" null")] + after[j][len(body) :]
                changed = True
    if not changed:
        return text
    kept = "".join(after)
    return kept if _reads_as(kept, want, yamlload) else text


def following_comments(doc: Any) -> dict[tuple[Any, ...], str]:
    """The comment lines after each value of every mapping of a document as read (by the keys' path).

    ruamel keeps lines written between two keys (`systems: [...]`, `# 委託先は年度ごとに見直す`,
    `contractors:`) on the last element of the value before them (or at the end of that value): a
    command that replaces the value (`doc["systems"] = [...]`) would drop them with it, one that
    appends to it would leave them above the appended element. carry_comments puts them back."""
    out: dict[tuple[Any, ...], str] = {}
    maps: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    while maps:
        path, node = maps.pop()
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            lines = _following_lines(value)
            if lines is not None:
                out[(*path, key)] = lines
            maps.append(((*path, key), value))
    return out


def carry_comments(following: dict[tuple[Any, ...], str], doc: Any) -> None:
    """Each of `following`'s comment lines (following_comments of the document as read) put after
    its value's new last element in the edited `doc` (after its key where the value became a scalar
    or an empty collection); a value no longer there loses them (dump_edited notices)."""
    for path, lines in following.items():
        parent = doc
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        key = path[-1]
        if not isinstance(parent, dict) or key not in parent or _following_lines(parent[key]) == lines:
            continue
        if isinstance(parent[key], (dict, list)) and not hasattr(parent[key], "ca"):
            parent[key] = _commented(parent[key])  # a plain list or dict a command assigned: ruamel's own kind
        _detach(parent[key], lines)
        _attach(parent, key, lines)


def _last_slot(value: Any) -> tuple[Any, Any, int] | None:
    """(collection, key of its last element, index of that element's following comment in ruamel's
    ca.items), descending to the innermost last element, or to the first on the way that carries a
    comment; None for a scalar or an empty collection."""
    found = None
    while _commented_collection(value) and len(value):
        last = len(value) - 1 if isinstance(value, list) else list(value)[-1]
        found = (value, last, 0 if isinstance(value, list) else 2)
        if _token(*found) is not None or value.ca.end:
            return found
        value = value[last]
    return found


def _commented_collection(value: Any) -> bool:
    return isinstance(value, (dict, list)) and hasattr(value, "ca")


def _token(collection: Any, key: Any, index: int) -> Any:
    entry = collection.ca.items.get(key)
    return entry[index] if entry is not None and len(entry) > index else None


def _following_lines(value: Any) -> str | None:
    """The whole comment lines after `value`, from a line break: its last element's comment from its
    first line break (an end-of-line comment of that element stays with it), or the comments ruamel
    keeps at the end of a collection (after a flow collection in it); None if there are none."""
    slot = _last_slot(value)
    if slot is None:
        return None
    collection = slot[0]
    if collection.ca.end:
        text = "\n" + "".join(str(getattr(token, "value", "")) for token in collection.ca.end).lstrip("\n")
    else:
        value = getattr(_token(*slot), "value", None)
        if not isinstance(value, str) or "\n" not in value:
            return None
        text = value[value.index("\n") :]
    return text if text.strip() else None


def _detach(value: Any, lines: str) -> None:
    """`lines` taken off the comment of an element inside `value` that ends with them (an element
    appended after it left them there)."""
    nodes = [value]
    while nodes:
        node = nodes.pop()
        if not _commented_collection(node):
            continue
        nodes += node.values() if isinstance(node, dict) else node
        for entry in node.ca.items.values():
            for i, token in enumerate(entry):
                text = getattr(token, "value", None)
                if isinstance(text, str) and text.endswith(lines):
                    rest = text[: -len(lines)]
                    if rest:
                        token.value = rest + "\n"
                    else:
                        entry[i] = None
                    return


def _attach(parent: Any, key: Any, lines: str) -> None:
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    slot = _last_slot(parent[key])
    collection, last, index = slot if slot is not None else (parent, key, 2)
    entry = collection.ca.items.setdefault(last, [None, None, None, None])
    token = entry[index]
    if token is None:
        entry[index] = CommentToken(lines, CommentMark(0), None)
    else:  # an end-of-line comment of the element: the lines follow it
        token.value = token.value.rstrip("\n") + lines


def comment_lines(text: str) -> Counter[str]:
    """The whole-line comments of a record's text (a line that is only a '#' comment), counted.
    A line of a value written over several lines (a block scalar's line that begins with '#') is
    text, not a comment (yamlload.scalar_lines): a command that changes such a value loses no comment."""
    found = [(i, line.strip()) for i, line in enumerate(text.splitlines()) if line.lstrip().startswith("#")]
    inside = yamlload.scalar_lines(text) if found else set()  # the scan only where a line could be either
    return Counter(line for i, line in found if i not in inside)


def _reads_as(text: str, want: Any, yamlload: Any) -> bool:
    try:
        return bool(yamlload.load(text) == want)
    except yamlload.YamlFault:
        return False


def to_plain(value: Any) -> Any:
    """A ruamel node tree as plain dict/list/str data (dates as ISO strings)."""
    import datetime

    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def new_document(data: dict[str, Any], schema_ref: str | None = None) -> str:
    """Text for a new record, with the editor modeline pointing at its schema."""
    from ruamel.yaml.comments import CommentedMap

    doc = CommentedMap()
    for k, v in data.items():
        doc[k] = _commented(v)
    text = dump_rt(doc)
    if schema_ref:
        text = f"# yaml-language-server: $schema={schema_ref}\n" + text
    return text


def _commented(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _commented(v)
        return m
    if isinstance(value, list):
        return CommentedSeq([_commented(v) for v in value])
    return value


# -- values as they were read ------------------------------------------------------------------
# A record's values as they were read, put back where an edit assigned the same value (dump_edited).
#
# Commands edit a record by assigning values (`characteristics["identification_codes"] = [...]`,
# `doc["principals"] = {...}`): a plain list or mapping the writer has no style for, written in block
# style. Without this, a record's `identification_codes: [mutual_aid_national]` came back as two block
# lines although its value did not change, and a one-field change gave a diff of many lines. Here:
#   - a value equal to the one read (same data, same types) is the node read, untouched (its flow or
#     block style, its quotes, the comments inside it);
#   - a changed mapping is the mapping read, changed key by key (its style, its key order and the
#     comments of the keys kept; keys it did not have are added at its end);
#   - a changed list keeps the style the file used for it (flow stays flow), the elements read
#     reused where they are equal; a list that only grew is the list read, extended.


@dataclass
class Read:
    """A node of a document as read: the node, its typed value then, its children as read."""

    node: Any
    value: Any
    children: dict[Any, Read] | list[Read] | None


def as_read(node: Any) -> Read:
    """The document `node` as read (taken before a command edits it)."""
    if isinstance(node, dict):
        kids = {k: as_read(v) for k, v in node.items()}
        return Read(node, ("map", {str(k): r.value for k, r in kids.items()}), kids)
    if isinstance(node, list):
        items = [as_read(v) for v in node]
        return Read(node, ("seq", [r.value for r in items]), items)
    return Read(node, typed(node), None)


def typed(value: Any) -> Any:
    """`value` as data with its type (True is not 1, 1.0 is not 1): what "unchanged" compares."""
    if isinstance(value, dict):
        return ("map", {str(k): typed(v) for k, v in value.items()})
    if isinstance(value, list):
        return ("seq", [typed(v) for v in value])
    if isinstance(value, (datetime.date, datetime.datetime)):
        return ("str", value.isoformat())  # the register reads a date as its text (yamlio.to_plain)
    if value is None:
        return None
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return (kind.__name__, kind(value))
    return ("other", repr(value))


def keep_as_written(read: Read, doc: Any) -> None:
    """Put back into the edited document `doc` (the node `read` was taken of) what it holds unchanged."""
    _kept(read, doc)


def _unchanged(read: Read) -> bool:
    """The node read still holds the value read (a command did not change it in place)."""
    return bool(typed(read.node) == read.value)


def _kept(read: Read, new: Any) -> Any:
    """The value to write where `read` was and the edit put `new`."""
    if new is read.node:  # the node read, maybe changed in place: its children may have been replaced
        _kept_inside(read, new)
        return new
    value = typed(new)
    if value == read.value and _unchanged(read):
        return read.node
    if isinstance(new, dict) and isinstance(read.node, dict) and isinstance(read.children, dict) and _unchanged(read):
        old = read.node
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, item in new.items():
            old[key] = _kept(read.children[key], item) if key in read.children else item
        return old
    if isinstance(new, list) and isinstance(read.node, list) and isinstance(read.children, list):
        return _list(read, new, value)
    return new


def _kept_inside(read: Read, node: Any) -> None:
    if isinstance(node, dict) and isinstance(read.children, dict):
        for key in list(node):
            if key in read.children:
                item = _kept(read.children[key], node[key])
                if item is not node[key]:
                    node[key] = item
    elif isinstance(node, list) and isinstance(read.children, list) and len(node) == len(read.children):
        for i, child in enumerate(read.children):
            item = _kept(child, node[i])
            if item is not node[i]:
                node[i] = item


def _list(read: Read, new: list[Any], value: Any) -> Any:
    """A changed list: the list read extended where it only grew, else a list in its style."""
    from ruamel.yaml.comments import CommentedSeq

    assert isinstance(read.children, list)
    was = read.value[1]
    items = value[1]
    if _unchanged(read) and len(items) > len(was) and items[: len(was)] == was:
        read.node.extend(new[len(was) :])
        return read.node
    out: list[Any] = list(new)
    used: set[int] = set()
    for i, item in enumerate(items):  # elements equal to one read: that element, as written
        j = next((j for j, r in enumerate(read.children) if j not in used and r.value == item), None)
        if j is not None and _unchanged(read.children[j]):
            out[i] = read.children[j].node
            used.add(j)
    for i, item in enumerate(new):  # a changed mapping in an element's place: that element, changed
        if out[i] is item and i < len(read.children) and i not in used and isinstance(item, dict):
            out[i] = _kept(read.children[i], item)
            used.add(i)
    seq = CommentedSeq(out)
    flow = getattr(read.node, "fa", None)
    if flow is not None and flow.flow_style():
        seq.fa.set_flow_style()
    return seq
