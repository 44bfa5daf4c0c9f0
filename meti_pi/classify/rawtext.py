"""The bytes of a text dataset (.csv, .tsv, .jsonl) before the readers take them as text.

The encoding decided from the first bytes (sniff_encoding), the line of a byte that does not decode
(decode_error_line), an empty file refused (_head), and the raw file guarded as it streams
(_GuardedRaw): no NUL bytes, no UTF-8 line in a file read as Shift_JIS, no line over MAX_LINE_BYTES,
and END_RECORD served after the last byte (the csv reader's check of a quote left open). Used by
the readers of meti_pi.classify.datasets; MAX_LINE_BYTES also by the columnar scan.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import Any

from meti_pi.errors import UsageError

SNIFF_BYTES = 1 << 20  # encoding is decided on the first MiB, then verified while streaming
MAX_LINE_BYTES = 16 << 20


# ---------------------------------------------------------------- encodings


def sniff_encoding(head: bytes, path: Path | str = "input") -> str:
    """utf-8-sig, utf-16, utf-8 or cp932 (Shift_JIS as Windows writes it), from the first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    failed: list[int] = []
    for encoding in ("utf-8", "cp932"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError as exc:
            failed.append(exc.start)
            continue
        return encoding
    # UTF-8 text before its failure: the file is UTF-8 and that byte is the bad one; else UTF-8 failed
    # on the first non-ASCII byte (a Shift_JIS header) and the bad byte is where CP932 failed
    bad = failed[0] if not head[: failed[0]].isascii() else failed[1]
    line = head[:bad].count(b"\n") + 1
    raise UsageError.at(path, line, "not UTF-8 or Shift_JIS (CP932) text; save the file as UTF-8")


def decode_error_line(path: Path, encoding: str) -> int:
    """The 1-based line of the first byte that does not decode, found by re-reading the raw bytes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return line + chunk[: max(exc.start, 0)].count(b"\n")
            line += chunk.count(b"\n")
    return line


def _decode_failure(path: Path, encoding: str) -> UsageError:
    line = decode_error_line(path, encoding)
    name = "Shift_JIS (CP932)" if encoding == "cp932" else encoding.upper()
    return UsageError.at(
        path,
        line,
        f"not valid {name} text (the encoding was decided from the start of the file); save the whole file in one encoding",
    )


# A record _GuardedRaw serves after a file's last byte (a line end first if the file lacks one): a
# quoted cell holding NUL bytes, which no file the reader accepts holds. Read as a record of its own,
# the file ended outside quotes; read into the last cell, a quote was left open and the csv module
# (which keeps going, not strict: a stray '"' inside a cell stays text) made the rest of the file one
# cell: a 3,000-row file with an unclosed quote on line 3 was classified as 3 rows, exit 0.
END_CELL = "\x00meti-pi: end of file\x00"
END_RECORD = f'"{END_CELL}"\n'.encode("ascii")


class _GuardedRaw(io.RawIOBase):
    """The raw file, checked as it streams: no NUL bytes (binary data, UTF-16 without BOM), and in
    Shift_JIS mode no line that is UTF-8 (Python's cp932 decoder turns it into mojibake silently)."""

    def __init__(self, path: Path, encoding: str, end_record: bool = False) -> None:
        """`end_record`: serve END_RECORD after the data (the csv reader's check of an open quote)."""
        self._file = path.open("rb")
        self._path = path
        self._sjis = encoding == "cp932"
        self._utf16 = encoding == "utf-16"  # its BOM said so: every ASCII character has a NUL byte
        self._line = 1
        self._carry = b""
        self._run = 0  # bytes since the last newline
        self._last = b""  # the file's last byte read so far
        self._end: bytes | None = None if end_record else b""  # END_RECORD as served at the end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._file.readinto(buffer)
        if not n:
            if self._sjis and self._carry:
                self._check_lines(b"\n")  # the last line, without its newline
            if self._end is None:  # END_RECORD once, after the data (and a line end if it lacks one)
                self._end = (b"" if self._last in b"\n\r" and self._last else b"\n") + END_RECORD
                buffer[: len(self._end)] = self._end
                return len(self._end)
            return 0
        chunk = bytes(memoryview(buffer)[:n])
        if b"\x00" in chunk:
            line = self._line + chunk[: chunk.index(b"\x00")].count(b"\n")
            what = (
                "UTF-16 text" if self._utf16 else "NUL bytes: this is binary data or UTF-16 without a BOM, not CSV text"
            )
            raise UsageError.at(self._path, line, f"{what}; meti-pi reads UTF-8 or Shift_JIS: save it as UTF-8 CSV")
        if self._sjis:
            self._check_lines(chunk)
        self._check_length(chunk)
        self._line += chunk.count(b"\n")
        self._last = chunk[-1:]
        return n

    def _check_length(self, chunk: bytes) -> None:
        first = chunk.find(b"\n")
        if first >= 0 and self._run + first <= MAX_LINE_BYTES:
            self._run = len(chunk) - chunk.rfind(b"\n") - 1
        else:
            self._run += len(chunk) if first < 0 else first
        if self._run > MAX_LINE_BYTES:
            raise UsageError.at(
                self._path,
                self._line,
                f"a line longer than {MAX_LINE_BYTES >> 20} MiB: not a dataset meti-pi reads "
                "(a cell that large is not a record of a person); split or remove it. Nothing was read further",
            )

    def _check_lines(self, chunk: bytes) -> None:
        lines = (self._carry + chunk).split(b"\n")
        self._carry = lines.pop()
        first = self._line  # the carried partial line began on the current line
        for offset, line in enumerate(lines):
            if not line.isascii():
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                raise UsageError.at(
                    self._path,
                    first + offset,
                    "UTF-8 text in a file read as Shift_JIS (CP932): the file mixes encodings; save the whole file in one encoding",
                )

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()
        super().close()


def _head(path: Path) -> bytes:
    """The file's first bytes; an empty file (blank, or a BOM alone: Excel's CSV UTF-8 of an empty
    sheet) is refused: no row is no finding (--record would write 管理C)."""
    with path.open("rb") as raw:
        head = raw.read(SNIFF_BYTES)
    if not head.removeprefix(codecs.BOM_UTF8).strip():
        raise UsageError.at(path, None, "empty file; there is nothing to classify")
    return head
