"""Round-trip YAML for edits (ruamel.yaml): comments, key order and quoting survive a change.

Only the write path uses this module; a one-field change gives a one-line diff.
"""

from __future__ import annotations

import io
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
    want = to_plain(doc)
    text = dump_rt(doc)
    if _reads_as(text, want, yamlload):
        return text, True
    fresh = dump_rt(_commented(want))
    if _reads_as(fresh, want, yamlload):
        return fresh, False
    raise RenderError("the edited record cannot be written so that it reads back unchanged")


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
