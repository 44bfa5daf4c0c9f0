""".jsonl through the columnar engine (issue 18): lines parsed by polars where that gives exactly
what the Python reader (meti_pi.classify.datasets._jsonl_row, json.loads) gives, else Fallback.

polars' JSON reader and json.loads differ on duplicate keys (first against last), lone surrogate
escapes (U+0000 against the surrogate), numbers, booleans and nested values read as text ("1"
against json.dumps' "1.0", its own spelling of objects), and what they accept (control
characters in strings, NaN). So each chunk's lines are first held, vectorised, to a canonical
form both read alike: one object per line whose keys are plain (no escape) and distinct, whose
values are strings (JSON's escapes only, no surrogate escape) or null, with only spaces and tabs
around. A line of any other form — or a key the head did not have (the Python scan types a new
column on the batch where it appears), a CR (Python's universal newlines), a NUL byte, a line
over the limit, invalid UTF-8 — makes the whole file take the Python pass, which reads it as
before (or names the problem with file:line). tests/test_ndjson_engine.py holds each case to
the Python pass.

Imported only when a .jsonl dataset is scanned (it imports polars).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from meti_pi.classify.engine import CHUNK_BYTES, Fallback

# JSON (RFC 8259) pieces as json.loads reads them, in the engine's regex dialect (Rust regex:
# \A \z anchors, no backtracking). A string: no raw control character, only JSON's escapes, and
# no \uD800-\uDFFF escape (polars turns a lone one into U+0000; a pair is rare enough to fall back).
_ESCAPE = r'\\(?:["\\/bfnrt]|u(?:[0-9a-cA-Ce-fE-F][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}))'
_STRING = rf'"(?:[^"\\\x00-\x1f]|{_ESCAPE})*"'
_KEY = r'"[^"\\\x00-\x1f]*"'  # keys without escapes: the raw text is the key (duplicates compare as text)
# No space before a member's ':' (json.dumps writes none): then a key's closing quote is the only
# unescaped '"' followed by ':' in a canonical line, which lets keys be counted by literal search.
_MEMBER = rf"[ \t]*{_KEY}:[ \t]*(?:{_STRING}|null)[ \t]*"
CANONICAL = rf"\A[ \t]*\{{(?:{_MEMBER}(?:,{_MEMBER})*|[ \t]*)\}}[ \t]*\z"
BLANK = r"\A[ \t]*\z"  # json.loads never sees it (the Python reader skips blank lines)


def key_counts(data: bytes, keys: list[str]) -> tuple[int, list[int]]:
    """In canonical lines: the number of members, and of members with each key in `keys`.

    '":' is a key's end, or '\\":' inside a string (an escaped quote; '\\\\":' — an escaped
    backslash closing a string — would be a string followed by ':', not canonical). '"k":' is a
    member with key k: its '":' is a key's end, and its first '"' is that key's opening quote
    (a key holds no '"'), so k is the whole key. Byte counts (memchr): no UTF-8 byte of a
    multi-byte character is '"', ':' or '\\'."""
    members = data.count(b'":') - data.count(b'\\":')
    return members, [data.count(f'"{k}":'.encode()) for k in keys]


def _per_line(key: str) -> pl.Expr:
    """The members with `key` on each line (the argument of key_counts, line by line)."""
    return pl.col("l").str.count_matches(f'"{key}":', literal=True)


class LineChunks:
    """A .jsonl file's lines, about CHUNK_BYTES at a time, cut after a line end (no JSON line holds
    a raw line end); `parse` turns one into text columns c0..c{n-1} in the order of `keys`."""

    def __init__(self, path: Path, keys: list[str], encoding: str, max_line: int) -> None:
        self.path, self.encoding, self.max_line = path, encoding, max_line
        self.keys = list(keys)
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
        lines = text.str.split("\n").explode().to_frame()
        lines = lines.filter(~pl.col("l").str.contains(BLANK))
        if not lines.height:
            return pl.DataFrame(schema=self._schema())
        if not lines.select(pl.col("l").str.contains(CANONICAL).all()).item():
            raise Fallback("form")
        members, each = key_counts(data, self.keys)
        if members != sum(each):
            raise Fallback("new key")
        frame = pl.read_ndjson(data, schema=dict.fromkeys(self.keys, pl.String))
        if frame.height != lines.height:
            raise Fallback("lines")
        # A key with as many members as lines, and a value on each line, is once on each line;
        # any other key is counted line by line (none may be there twice).
        unsure = [
            self.keys[i]
            for i, total in enumerate(each)
            if total != frame.height or frame.get_column(self.keys[i]).null_count()
        ]
        if unsure and not lines.select(pl.max_horizontal(_per_line(k) for k in unsure) <= 1).to_series().all():
            raise Fallback("duplicate key")
        return pl.DataFrame([frame.to_series(i).fill_null("").alias(f"c{i}") for i in range(len(self.keys))])

    def _schema(self) -> dict[str, pl.DataType]:
        return {f"c{i}": pl.String() for i in range(len(self.keys))}
