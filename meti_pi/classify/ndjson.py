""".jsonl through the columnar engine (issue 18): lines parsed by polars where that gives exactly
what the Python reader (meti_pi.classify.datasets._jsonl_row, json.loads) gives, else Fallback.

polars' JSON reader and json.loads differ on duplicate keys (first against last), lone surrogate
escapes (U+0000 against the surrogate), fractions, exponents and nested values read as text
("1" against json.dumps' "1.0" for 1.0, "100000" against "100000.0" for 1e5, its own spelling of
objects), and what they accept (control characters in strings, NaN). So each chunk's lines are
first held, vectorised, to a canonical form both read alike: one object per line whose keys are
plain (no escape) and distinct, whose values are strings (JSON's escapes only, no surrogate
escape), null, true, false or whole numbers of at most 18 digits (within both readers' 64-bit
integers; each spells them as json.dumps does: "-0" as "0"), with only spaces and tabs around. A line of any other form — or a key the head did not have (the Python scan types a new
column on the batch where it appears), a CR (Python's universal newlines), a NUL byte, a line
over the limit, invalid UTF-8 — makes the whole file take the Python pass, which reads it as
before (or names the problem with file:line). tests/test_ndjson_engine.py holds each case to
the Python pass.

Imported only when a .jsonl dataset is scanned (it imports polars).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from meti_pi.classify.dialect import literal
from meti_pi.classify.engine import CHUNK_BYTES, Fallback

# JSON (RFC 8259) pieces as json.loads reads them, in the engine's regex dialect (Rust regex:
# \A \z anchors, no backtracking). A string: no raw control character, only JSON's escapes, and
# no \uD800-\uDFFF escape (polars turns a lone one into U+0000; a pair is rare enough to fall back).
_ESCAPE = r'\\(?:["\\/bfnrt]|u(?:[0-9a-cA-Ce-fE-F][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}))'
_STRING = rf'"(?:[^"\\\x00-\x1f]|{_ESCAPE})*"'
_KEY = r'"[^"\\\x00-\x1f]*"'  # keys without escapes: the raw text is the key (duplicates compare as text)
# No space before a member's ':' (json.dumps writes none): then a key's closing quote is the only
# unescaped '"' followed by ':' in a canonical line, which lets keys be counted by literal search.
_VALUE = rf"(?:{_STRING}|null|true|false|-?(?:0|[1-9][0-9]{{0,17}}))"
_MEMBER = rf"[ \t]*{_KEY}:[ \t]*{_VALUE}[ \t]*"
_OBJECT = rf"[ \t]*\{{(?:{_MEMBER}(?:,{_MEMBER})*|[ \t]*)\}}[ \t]*"
_LINE = rf"(?:{_OBJECT}|[ \t]*)"  # a blank line: json.loads never sees it (the Python reader skips it)
# A chunk's every line in the canonical form, held by one match over the chunk (a string holds no
# raw line end, so no piece of a line matches across one): no split into lines unless a key may be
# on a line twice (parse).
CANONICAL = rf"\A(?:{_LINE}\n)*{_LINE}\z"
OBJECT_START = r"(?m)^[ \t]*\{"  # one on each non-blank line of a canonical chunk
_LINES = pl.col("l").str.count_matches(OBJECT_START).alias("lines")  # a canonical chunk's non-blank lines
_SPACE = r"[ \t]*"


def in_order(keys: list[str]) -> str | None:
    """The regex of a chunk whose every non-blank line is canonical with exactly `keys`, once each,
    in this order (what one program writes line after line): no key to count and none twice, so
    `parse` needs one match. None if a key could not be written plain (then never in this form)."""
    if not keys or any(re.search(r'["\\\x00-\x1f]', k) for k in keys):
        return None
    members = ",".join(rf'{_SPACE}"{literal(k)}":{_SPACE}{_VALUE}{_SPACE}' for k in keys)
    line = rf"(?:{_SPACE}\{{{members}\}}{_SPACE}|{_SPACE})"
    return rf"\A(?:{line}\n)*{line}\z"


def _per_line(key: str) -> pl.Expr:
    """The members with `key` in each string of column "l" (a chunk, or one of its lines)."""
    return pl.col("l").str.count_matches(f'"{key}":', literal=True)


def key_counts(keys: list[str]) -> list[pl.Expr]:
    """Over a canonical chunk's text: the number of members, and of members with each key in `keys`.

    '":' is a key's end, or '\\":' inside a string (an escaped quote; '\\\\":' — an escaped
    backslash closing a string — would be a string followed by ':', not canonical). '"k":' is a
    member with key k: its '":' is a key's end, and its first '"' is that key's opening quote
    (a key holds no '"'), so k is the whole key. Literal searches by polars (the GIL released)."""
    text = pl.col("l").str
    members = text.count_matches('":', literal=True) - text.count_matches('\\":', literal=True)
    return [members.alias("members"), *(_per_line(k).alias(f"k{i}") for i, k in enumerate(keys))]


def _at_most_once(text: pl.Series, keys: list[str]) -> bool:
    """Whether no line of the chunk `text` (a canonical one) has any of `keys` twice."""
    lines = text.str.split("\n").explode().to_frame()
    return bool(lines.select(pl.max_horizontal(_per_line(k) for k in keys) <= 1).to_series().all())


class LineChunks:
    """A .jsonl file's lines, about CHUNK_BYTES at a time, cut after a line end (no JSON line holds
    a raw line end); `parse` turns one into text columns c0..c{n-1} in the order of `keys`."""

    def __init__(self, path: Path, keys: list[str], encoding: str, max_line: int) -> None:
        self.path, self.encoding, self.max_line = path, encoding, max_line
        self.keys = list(keys)
        self.in_order = in_order(self.keys)
        self.position = 0

    def __iter__(self) -> Iterator[bytes]:
        run = 0  # bytes since the last line end
        carry = b""
        with self.path.open("rb") as raw:
            if self.encoding == "utf-8-sig":
                raw.read(3)
            while block := raw.read(CHUNK_BYTES):
                if b"\x00" in block:
                    raise Fallback("NUL")
                if b"\r" in block:
                    raise Fallback("CR")  # a line end for Python's reader (universal newlines)
                first = block.find(b"\n")
                run = run + len(block) if first < 0 else len(block) - block.rfind(b"\n") - 1
                if (first >= 0 and len(carry) + first > self.max_line) or run > self.max_line:
                    raise Fallback("line")
                self.position += len(block)
                data = carry + block
                cut = data.rfind(b"\n")
                if cut < 0:
                    carry = data
                    continue
                yield data[: cut + 1]
                carry = data[cut + 1 :]
            if carry:
                yield carry

    def parse(self, data: bytes) -> pl.DataFrame:
        """The chunk's non-blank lines as rows (Fallback if any line is not in the canonical form)."""
        try:
            text = pl.Series("l", [data], dtype=pl.Binary).cast(pl.String)  # strict: invalid UTF-8 raises
        except pl.exceptions.PolarsError:
            raise Fallback("UTF-8") from None
        lines: int | None = None  # the chunk's non-blank lines, once counted
        if self.in_order is not None:
            try:
                form, lines = text.to_frame().select(pl.col("l").str.contains(self.in_order), _LINES).row(0)
            except pl.exceptions.ComputeError:
                # a regex of every key (~900 and more) beyond the engine's compiled size limit (10 MiB):
                # the general form, whose regex is the same for any keys, reads the file
                self.in_order = None
            else:
                if form:
                    return self._columns(self._read(data, lines))
        counted = [] if lines is not None else [_LINES]  # lines of another order: counted above
        form, members, *each = (
            text.to_frame().select(pl.col("l").str.contains(CANONICAL), *key_counts(self.keys), *counted).row(0)
        )
        if lines is None:
            lines = each.pop()
        if not form:
            raise Fallback("form")
        if members != sum(each):
            raise Fallback("new key")
        frame = self._read(data, lines)
        # A key with as many members as lines, and a value on each line, is once on each line;
        # any other key is counted line by line (none may be there twice).
        unsure = [
            self.keys[i]
            for i, total in enumerate(each)
            if total != frame.height or frame.get_column(self.keys[i]).null_count()
        ]
        if unsure and not _at_most_once(text, unsure):
            raise Fallback("duplicate key")
        return self._columns(frame)

    def _read(self, data: bytes, lines: int) -> pl.DataFrame:
        """The chunk's `lines` non-blank (canonical) lines read by polars, each key a text column."""
        if not lines:
            return pl.DataFrame(schema=dict.fromkeys(self.keys, pl.String))
        frame = pl.read_ndjson(data, schema=dict.fromkeys(self.keys, pl.String))
        if frame.height != lines:
            raise Fallback("lines")
        return frame

    def _columns(self, frame: pl.DataFrame) -> pl.DataFrame:
        return pl.DataFrame(
            [frame.to_series(i).fill_null("").alias(f"c{i}") for i in range(len(self.keys))], schema=self._schema()
        )

    def _schema(self) -> dict[str, pl.DataType]:
        return {f"c{i}": pl.String() for i in range(len(self.keys))}
