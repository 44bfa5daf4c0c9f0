"""The columnar pass of a scan: the counts of meti_pi.classify.scan, computed by polars (issue 18).

The Python scan reads rows in batches of BATCH_ROWS and, per batch, counts non-empty cells,
cells of each candidate's shape (meti_pi.classify.shapes, with its ASCII-signature shortcut),
要配慮 words, and hashes the identifying cells. This module computes the same numbers over the
whole file with vectorised expressions, both cores, in chunks of ENGINE_ROWS rows (memory flat
with the number of rows): every data row is given the number of the batch the Python scan would
have put it in, so that "one batch in CHECK_EVERY", the probe row of each checked batch and the
per-batch signature shortcut come out exactly as there. The exact detectors (check digits, real
dates, surnames) still run in Python on the sample and the probe rows, as before: they decide,
the engine only counts. The shapes' regular expressions are the Python ones, translated to the
engine's dialect by meti_pi.classify.dialect, and the 要配慮 words are spelt for it from the words
themselves (dialect.words_pattern; a word it cannot be shown to find as Python does, which only a
register's copy of the vocabulary holds, is searched by Python's regex: words_found); tests/test_columnar.py
holds each to Python's results. A 個人番号's check digits on the probe rows are column arithmetic
(my_number_valid).

The engine is imported only here, and this module only when a dataset is scanned.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

from meti_pi.classify.columns import Column
from meti_pi.classify.dialect import ADDRESS_PLACES, CELL, SIGNATURE, words_pattern

# the key cells' part of the engine, split into keys.py (module size), named here as before
from meti_pi.classify.keys import KEY_DROP_CHARS as KEY_DROP_CHARS
from meti_pi.classify.keys import DistinctHashes as DistinctHashes
from meti_pi.classify.keys import KeyHasher as KeyHasher
from meti_pi.classify.keys import _folded as _folded
from meti_pi.classify.rows import beyond_width
from meti_pi.classify.values import my_number_form
from meti_pi.classify.vocabulary import CHECK_EVERY, FULL_CHECK_ROWS, SensitiveCategory

PolarsError = pl.exceptions.PolarsError  # what a failed read raises (the caller falls back to the Python pass)

ENGINE_ROWS = 1 << 17  # rows a chunk (about 18 MB of 8 text columns)
BATCH = 2048  # datasets.BATCH_ROWS: the Python scan's batch, which decides what is checked


def prefetch(chunks: Iterable[Any], depth: int = 2) -> Iterator[Any]:
    """`chunks` produced by a reader thread, `depth` ahead: reading the next chunk overlaps the
    work on this one (polars releases the GIL). The reader's exception is raised here."""
    import queue
    import threading

    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        box.put(("chunk", chunk), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            box.put(("error", exc))

    thread = threading.Thread(target=read, name="meti-pi-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


class Fallback(Exception):
    """The engine would not read this file exactly as the Python reader does (the scan uses that)."""


@dataclass
class Layout:
    """Where the Python scan's batches fall: `head` rows sampled first (re-batched), then BATCH rows each."""

    head: int

    @property
    def head_batches(self) -> int:
        return -(-self.head // BATCH)

    def start_of(self, b: int) -> int:
        """The first row of batch `b`."""
        return b * BATCH if b < self.head_batches else self.head + (b - self.head_batches) * BATCH

    def end_of(self, b: int) -> int:
        """The row after the last of batch `b`."""
        return min((b + 1) * BATCH, self.head) if b < self.head_batches else self.start_of(b) + BATCH

    def checked(self, b: int) -> bool:
        """Whether the Python scan checks batch `b`'s shapes (the first FULL_CHECK_ROWS rows, then one in CHECK_EVERY)."""
        return self.start_of(b) < FULL_CHECK_ROWS or b % CHECK_EVERY == 0

    def runs(self, offset: int, height: int) -> list[tuple[int, int, int]]:
        """(batch, first row, end row) of the checked batches among the rows offset..offset+height-1,
        clipped to them: the rows the Python scan checks are these contiguous ranges."""
        out, r, end = [], offset, offset + height
        while r < end:
            b = self.batch_of(r)
            stop = min(self.end_of(b), end)
            if self.checked(b):
                out.append((b, r, stop))
            r = stop
        return out

    def batch_of(self, r: int) -> int:
        """`batch` for one row number."""
        return r // BATCH if r < self.head else self.head_batches + (r - self.head) // BATCH

    def cut(self, offset: int, height: int) -> list[int]:
        """The batches of the rows offset..offset+height-1 that begin before them or end after them."""
        first, last = self.batch_of(offset), self.batch_of(offset + height - 1)
        return [
            b
            for b, cut in ((first, self.batch_of(offset - 1) == first), (last, self.batch_of(offset + height) == last))
            if cut
        ]


@dataclass
class Counts:
    """What the pass found, to be folded into the Columns."""

    rows: int = 0
    parts: list[pl.DataFrame] = field(default_factory=list)  # per-batch aggregates of checked batches
    totals: dict[str, int] = field(default_factory=dict)  # sums over every row (searched columns)
    probes: list[dict[str, Any]] = field(default_factory=list)  # a chunk's probe rows (observe_probes; not merged)
    my_numbers: dict[int, list[str]] = field(default_factory=dict)  # probe cells of 個人番号 candidates, by column

    def merge(self, other: Counts) -> None:
        self.rows += other.rows
        self.parts += other.parts
        if len(self.parts) > 64:  # one small frame per chunk adds up over 10M rows: keep them as one
            self.parts = [pl.concat(self.parts, how="diagonal")]  # the shortcut's terms are in some parts only
        for name, value in other.totals.items():
            self.totals[name] = self.totals.get(name, 0) + value


def _ne(i: int) -> pl.Expr:
    return pl.col(f"c{i}") != ""


@dataclass
class Plan:
    """The expressions of a pass, computed once for the columns' candidates."""

    masks: list[pl.Expr]  # row masks (a searched column's rows holding any 要配慮 word)
    per_batch: list[pl.Expr]  # per-batch aggregates over checked rows
    every: list[pl.Expr]  # sums over all rows (searched columns)
    shortcuts: list[pl.Expr]  # the signature shortcut's per-batch terms (see _shortcuts)
    signed: list[tuple[str, str]] = field(default_factory=list)  # (matched, non-empty) of candidates with a shortcut


def plan_exprs(columns: Sequence[Column]) -> Plan:
    """The pass's expressions for the columns' candidates."""
    plan = Plan([], [], [], [], [])
    for col in columns:
        i, c = col.index, pl.col(f"c{col.index}")
        sensitive = [cand.sensitive for cand in col.candidates if cand.sensitive is not None]
        if sensitive:
            plan.masks.append(words_found(c, sensitive).alias(f"w{i}"))
        plan.per_batch.append(_ne(i).sum().alias(f"ne{i}"))
        if any(s.sensitive is None and s.check in SIGNATURE for s in col.candidates):
            plan.shortcuts.append((c.str.len_bytes() != c.str.len_chars()).any().alias(f"na{i}"))  # non-ASCII
            plan.shortcuts.append(c.str.contains("\n", literal=True).any().alias(f"nl{i}"))
        if col.searched:
            plan.every.append(_ne(i).sum().alias(f"ne{i}"))
        for k, cand in enumerate(col.candidates):
            name = f"{i}_{k}"
            if cand.sensitive is not None:
                # a category's word is one of all the words: the rows with none are left out first
                hit = words_found(c.filter(pl.col(f"w{i}")), [cand.sensitive]).sum().alias(f"s{name}")
                (plan.every if col.searched else plan.per_batch).append(hit)
            elif cand.check in CELL:
                plan.per_batch.append((_ne(i) & cell_matches(cand.check, c)).sum().alias(f"m{name}"))
                if cand.check in SIGNATURE:
                    plan.signed.append((f"m{name}", f"ne{i}"))
                    plan.shortcuts.append((~_ne(i) | c.str.contains(SIGNATURE[cand.check])).all().alias(f"g{name}"))
    return plan


def words_found(cells: pl.Expr, categories: Sequence[SensitiveCategory]) -> pl.Expr:
    """Whether each cell holds a 要配慮 word of `categories`, found as Python finds it: the engine's
    search where dialect.words_pattern gives one; else Python's own search of the category, cell by
    cell (a register's copy may hold a word with a letter whose case the engine folds otherwise: a
    .csv/.jsonl then takes the Python pass, columnar.engine_finds; a .parquet, which has none, gets here)."""
    pattern = words_pattern([w for cat in categories for w in cat.words])
    if pattern is not None:
        return cells.str.contains(pattern)
    return pl.any_horizontal(
        cells.map_elements(partial(_python_finds, cat.values), return_dtype=pl.Boolean) for cat in categories
    )


def _python_finds(pattern: re.Pattern[str], cell: str) -> bool:
    return pattern.search(cell) is not None


def cell_matches(check: str, cells: pl.Expr) -> pl.Expr:
    """Whether each cell is of the shape `check` (the Python shape's fullmatch); the address shape
    as its two literal searches (dialect.ADDRESS_PLACES: 4.0 against 6.9 ms a 131,072 cells)."""
    if check == "address":
        return cells.str.contains_any(list(ADDRESS_PLACES)) & ~cells.str.contains("\n", literal=True)
    return cells.str.contains(CELL[check])


def _shortcuts(checked: pl.DataFrame, agg: pl.DataFrame, plan: Plan, edges: list[int]) -> pl.DataFrame:
    """`agg` with the signature shortcut's terms (na: a non-ASCII cell, nl: a cell with a line end,
    g: every cell's signature matches) for the batches where they can change the count.

    The Python scan counts a batch's cells of a shape as its non-empty cells when the shortcut
    holds, else as the cells that match (m). The two differ only where some non-empty cell does not
    match (m < ne): only those batches need the terms, and the batches the chunk's boundaries cut
    (`edges`: such a batch is decided on both parts together, so each part must have them).
    Elsewhere the terms are absent (null): the count is ne = m whichever way it is taken."""
    short = pl.any_horizontal(pl.col(m) < pl.col(ne) for m, ne in plan.signed) | pl.col("_b").is_in(edges)
    need = agg.filter(short)["_b"].to_list()
    if not need:
        return agg
    terms = checked.filter(pl.col("_b").is_in(need)).group_by("_b").agg(plan.shortcuts)
    return agg.join(terms, on="_b", how="left")


def count_chunk(df: pl.DataFrame, offset: int, layout: Layout, plan: Plan, counts: Counts, want_probes: bool) -> None:
    """Add one chunk (columns c0..cN, data rows from `offset`) to `counts`.

    The checked batches are contiguous row ranges (Layout.runs): they are sliced out (no copy) and
    numbered, instead of numbering and filtering every row."""
    framed = df.with_columns(*plan.masks) if plan.masks else df
    runs = layout.runs(offset, df.height)
    if plan.per_batch and runs:
        checked = pl.concat([framed.slice(lo - offset, hi - lo) for _, lo, hi in runs], rechunk=False)
        numbers = pl.concat([pl.repeat(b, hi - lo, dtype=pl.Int64, eager=True) for b, lo, hi in runs])
        checked = checked.with_columns(numbers.alias("_b"))
        agg = checked.group_by("_b").agg(plan.per_batch)
        counts.parts.append(_shortcuts(checked, agg, plan, layout.cut(offset, df.height)) if plan.shortcuts else agg)
    if plan.every:
        for name, value in framed.select(plan.every).row(0, named=True).items():
            counts.totals[name] = counts.totals.get(name, 0) + int(value)
    if want_probes:  # the first row of each checked batch after the head, where the batch begins in this chunk
        probes = [(b, lo) for b, lo, _ in runs if lo == layout.start_of(b) and lo >= layout.head]
        if probes:
            rows = df[[lo - offset for _, lo in probes]].with_columns(
                pl.Series("_b", [b for b, _ in probes], dtype=pl.Int64)
            )
            counts.probes.extend(rows.select("_b", *df.columns).to_dicts())
    counts.rows += df.height


def fold_counts(columns: Sequence[Column], counts: Counts) -> None:
    """Add the pass's counts to the Columns, as the Python scan's _check_batch/_search_batch would."""
    if counts.parts:
        parts = pl.concat(counts.parts, how="diagonal")
        sums = {n: pl.col(n).sum() for n in parts.columns if n[0] in "nms" and not n.startswith(("na", "nl"))}
        anys = {n: pl.col(n).any() for n in parts.columns if n.startswith(("na", "nl"))}
        alls = {n: pl.col(n).all() for n in parts.columns if n[0] == "g"}
        table = parts.group_by("_b").agg(*(e.alias(n) for n, e in {**sums, **anys, **alls}.items())).sort("_b")
    else:
        table = pl.DataFrame({"_b": []}, schema={"_b": pl.Int64})
    for col in columns:
        i = col.index
        ne = table[f"ne{i}"] if f"ne{i}" in table.columns else pl.Series([], dtype=pl.Int64)
        # searched columns are counted in every row (_search_batch), the others in checked batches
        col.checked += counts.totals.get(f"ne{i}", 0) if col.searched else int(ne.sum() or 0)
        for k, cand in enumerate(col.candidates):
            name = f"{i}_{k}"
            if cand.sensitive is not None:
                cand.matched += counts.totals.get(f"s{name}", 0) if col.searched else int(table[f"s{name}"].sum() or 0)
            elif cand.check not in CELL:
                cand.matched += int(ne.sum() or 0)  # 'present': counted as non-empty
            elif cand.check in SIGNATURE and f"g{name}" in table.columns:  # else m = ne in every batch
                shortcut = (~table[f"na{i}"]) & (~table[f"nl{i}"]) & table[f"g{name}"]
                cand.matched += int(
                    pl.select(pl.when(shortcut).then(ne).otherwise(table[f"m{name}"]).sum()).item() or 0
                )
            else:
                cand.matched += int(table[f"m{name}"].sum() or 0)
    for col in columns:  # the 個人番号 probe cells (observe_probes), their check digits as column arithmetic
        for cand in col.candidates:
            if cand.check == "my_number" and cand.sensitive is None:
                observe_my_numbers(cand, counts.my_numbers.get(col.index, []))


def observe_probes(columns: Sequence[Column], probes: Sequence[dict[str, Any]], counts: Counts) -> None:
    """The probe rows join the exact sample, as the Python scan's _check_values adds them. Called as
    each chunk's counts come in, not at the end: the sample figures are sums (the order of the rows
    does not matter), and the Python scan observes a probe only in a batch with a non-empty cell in
    the column, which changes nothing here: an empty or blank cell is not observed, and a non-empty
    one makes its batch non-empty. A 個人番号 candidate's cells are kept in `counts` for one
    column-arithmetic check at the end (fold_counts: one expression, not one a chunk)."""
    if not probes:
        return
    for col in columns:
        if not col.candidates:
            continue
        cells = [p[f"c{col.index}"] for p in probes]
        for cand in col.candidates:
            if cand.check == "my_number" and cand.sensitive is None:
                counts.my_numbers.setdefault(col.index, []).extend(cells)
            else:
                cand.observe(cells)


# ---------------------------------------------------------------- check digits as column arithmetic


# meti_pi.classify.checkdigits on whole columns: the expressions take digit strings (what the
# detectors give checkdigits: 12 digits for a 個人番号, 13 for a 法人番号) and give True exactly where
# the Python function does, for any string: each digit is sliced and cast, weighted and summed by
# the engine. tests/test_colchecks.py holds them to checkdigits.
MY_NUMBER_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)  # 総務省令第85号 Art. 5, for the 11-digit body


def _digit(text: pl.Expr, k: int) -> pl.Expr:
    """The k-th character of `text` as a number (only used where `text` is all ASCII digits)."""
    return text.str.slice(k, 1).cast(pl.Int64, strict=False)


def my_number_valid(text: pl.Expr) -> pl.Expr:
    """checkdigits.my_number_valid: 12 ASCII digits whose last digit is the 個人番号 check digit."""
    total = pl.sum_horizontal(_digit(text, k) * w for k, w in enumerate(MY_NUMBER_WEIGHTS))
    remainder = total % 11
    check = pl.when(remainder <= 1).then(0).otherwise(11 - remainder)
    return (text.str.contains(r"\A[0-9]{12}\z") & (check == _digit(text, 11))).fill_null(False)


def corporate_number_valid(text: pl.Expr) -> pl.Expr:
    """checkdigits.corporate_number_valid: 13 ASCII digits whose first is 9 - (Σ Pn·Qn mod 9)."""
    # Pn is the n-th digit of the 12-digit body from the right (position 13 - n), Qn 1 for odd n, 2 for even n
    total = pl.sum_horizontal(_digit(text, 13 - n) * (2 if n % 2 == 0 else 1) for n in range(1, 13))
    return (text.str.contains(r"\A[0-9]{13}\z") & (9 - total % 9 == _digit(text, 0))).fill_null(False)


def my_numbers_passing(digits: list[str]) -> list[bool]:
    """my_number_valid over `digits`, as one column."""
    return pl.select(my_number_valid(pl.lit(pl.Series(digits, dtype=pl.String)))).to_series().to_list()


def observe_my_numbers(candidate: Any, cells: Iterable[str]) -> None:
    """Candidate.observe for a 個人番号 candidate, the check digits computed as one column: the
    same sampled / passed / grouped counts as is_my_number and my_number_grouped cell by cell."""
    values = [v for v in cells if v and v.strip()]
    forms = [my_number_form(v) for v in values]
    passing = my_numbers_passing([f[0] if f is not None else "" for f in forms])
    candidate.sampled += len(values)
    candidate.passed += sum(passing)
    candidate.grouped += sum(1 for f, ok in zip(forms, passing, strict=True) if ok and f is not None and f[1])


# ---------------------------------------------------------------- readers


MAX_CARRY = 64 << 20  # bytes held while looking for a record's end (the Python reader takes such a file)
CHUNK_BYTES = 1 << 22  # bytes of a .csv/.tsv parsed at a time (4 MiB: peak RSS 172 MB, 16 MiB: 287 MB, same speed)


class DelimitedChunks:
    """Every row of a UTF-8 .csv/.tsv (the first one included) as text columns c0..c{width-1}, in chunks.

    The file is read CHUNK_BYTES at a time and cut after the last line end that is outside quotes
    (an even number of '"' before it: doubled quotes keep the parity), so memory stays flat with
    the file's size (a memory-mapped whole file would not). The bytes are checked as the Python
    reader checks them (Fallback, and that reader then names the line): no NUL byte, no line over
    MAX_LINE_BYTES, no bare CR line end (the engine would keep it inside the cell).

    Why not polars' own cut (scan_csv(...).collect_batches, measured in session 9 on the 1M varied
    file): with a thread beside it checking the rules above, the GIL time of the cut goes from
    ~0.1 to ~0.03 s and classify's CPU from ~1.0 to ~0.95 s, but its memory is not bounded as this reader's
    is: with its default chunking 515-541 MB at 1M rows (282 MB at 10M only with 1 MiB chunks,
    a prefetch of 2 and 32,768-row batches, set through environment variables), and a stray quote
    (an inch mark, 5" disk) makes the rest of the file one chunk that it parses before refusing it:
    662 MB peak for a 216 MB file, growing with the file, where MAX_CARRY stops this reader at 64 MiB."""

    def __init__(self, path: Path, fmt: str, width: int, encoding: str, max_line: int) -> None:
        self.path, self.encoding, self.max_line = path, encoding, max_line
        self.schema = dict.fromkeys((f"c{i}" for i in range(width)), pl.String)
        self.separator = "\t" if fmt == "tsv" else ","
        self.position = 0

    def parse(self, data: bytes) -> pl.DataFrame:
        try:
            frame = self._read(data, truncate=False)
        except pl.exceptions.ComputeError:
            # A row longer than the table: cut as the Python reader cuts it where its extra cells are
            # empty (a trailing ','), which this chunk's rows are checked for by that reader itself;
            # a value there is the Python pass's to refuse with its line (rows.check_width). The whole
            # file went to the Python pass for one trailing ',' (0.77 -> 2.65 s at 1M rows).
            if self._beyond_width(data):
                raise Fallback("width") from None
            frame = self._read(data, truncate=True)
        if not any(
            frame.null_count().row(0)
        ):  # no null cell (polars 2.1 reads a short row's missing cells as ""): as read
            return frame
        return frame.select(pl.all().fill_null(""))

    def _read(self, data: bytes, *, truncate: bool) -> pl.DataFrame:
        return pl.read_csv(
            data,
            has_header=False,
            schema=self.schema,
            separator=self.separator,
            quote_char='"',
            empty_string_is_null=False,
            truncate_ragged_lines=truncate,
            missing_columns="insert",
            raise_if_empty=False,
        )

    def _beyond_width(self, data: bytes) -> bool:
        """Whether a row of `data` (whole records) holds a non-empty cell right of the table's width,
        read by the Python reader (its quoting rules); True too where the bytes do not decode (the
        Python pass names the line)."""
        width = len(self.schema)
        try:
            text = io.StringIO(data.decode("utf-8"), newline="")
        except UnicodeDecodeError:
            return True  # the Python pass names the line

        return any(beyond_width(row, width) for row in csv.reader(text, delimiter=self.separator))

    def __iter__(self) -> Iterator[bytes]:
        """Whole records, about CHUNK_BYTES at a time (to be `parse`d, on any thread).

        This runs under the GIL, beside the parsing workers: every pass over the bytes here is time
        they wait. Each block is searched once, for its last record end (from the quote parity of
        the bytes before it that hold none); the records up to it are then read again from the file
        (an unbuffered read: the copy is the kernel's, without the GIL) rather than sliced out of the block,
        and the next block is read from the byte after them."""
        run, cr_pending = 0, False
        with self.path.open("rb", buffering=0) as raw:
            pos = 3 if self.encoding == "utf-8-sig" else 0  # the BOM (the Python reader's decoder drops it)
            held = 0  # bytes read from `pos` holding no record end (read again with the records)
            odd = False  # whether they hold an odd number of '"'
            while block := _read_at(raw, CHUNK_BYTES, pos + held):
                if b"\x00" in block:
                    raise Fallback("NUL")
                if (cr_pending and not block.startswith(b"\n")) or (
                    b"\r" in block and block.count(b"\r") - block.endswith(b"\r") != block.count(b"\r\n")
                ):
                    raise Fallback("CR")
                cr_pending = block.endswith(b"\r")
                first = block.find(b"\n")
                if first < 0:
                    run += len(block)
                elif run + first > self.max_line:
                    raise Fallback("line")
                else:
                    run = len(block) - block.rfind(b"\n") - 1
                if run > self.max_line:
                    raise Fallback("line")
                quotes = quote_count(block)
                cut = _record_end(block, odd, quotes)
                if cut < 0:
                    held += len(block)
                    odd ^= quotes % 2 == 1
                    if held > MAX_CARRY:
                        raise Fallback("quotes")  # no record end outside quotes for that long: a stray '"' (5" disk)
                    continue
                size = held + cut + 1
                if not held and cut + 1 == len(block):
                    yield block
                else:  # the records again, from the file (a slice or a join would copy them under the GIL)
                    yield _read_exact(raw, size, pos)
                pos += size
                self.position = pos
                held, odd = 0, False
                # the next block begins just after a line end: the run of its line and a pending CR start afresh
                run, cr_pending = 0, False
            if cr_pending:
                raise Fallback("CR")
            if held:
                yield _read_exact(raw, held, pos)
            self.position = pos + held


def _read_at(raw: Any, size: int, offset: int) -> bytes:
    """Up to `size` bytes of the unbuffered file `raw` from `offset` (FileIO.read: one read call,
    the GIL released while the kernel copies; os.pread would do the same but is POSIX only)."""
    raw.seek(offset)
    data: bytes = raw.read(size)
    return data


def _read_exact(raw: Any, size: int, offset: int) -> bytes:
    """`size` bytes of the file from `offset` (a read may return fewer: the rest is read on)."""
    data = _read_at(raw, size, offset)
    if len(data) == size:
        return data
    parts, got = [data], len(data)
    while got < size:
        more = _read_at(raw, size - got, offset + got)
        if not more:
            raise Fallback("shrank")  # the file changed while it was read: the Python reader reads it as it is now
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def quote_count(block: bytes) -> int:
    """The number of '"' in `block`: what its removal takes away (memchr from one quote to the next,
    ~40 % less time than bytes.count's byte-by-byte loop on the varied file, where a quote is every
    ~120 bytes; this runs under the GIL)."""
    return len(block) - len(block.replace(b'"', b"")) if b'"' in block else 0


def _record_end(block: bytes, odd: bool = False, quotes: int | None = None) -> int:
    """The last line end in `block` outside quotes (an even number of '"' before it, counting the
    carried bytes before the block: `odd`; `quotes`: the block's quote_count, when known); -1: none."""
    end = block.rfind(b"\n")
    if end < 0:
        return -1
    if quotes is None:
        quotes = quote_count(block)
    if not quotes and not odd:  # no quoting at all: the last line end is a record end
        return end
    quotes = quotes - block.count(b'"', end) + odd  # the quotes after the last line end are few
    while end >= 0 and quotes % 2:
        before = block.rfind(b"\n", 0, end)
        quotes -= block.count(b'"', max(before, 0), end)
        end = before
    return end


def _leaves(schema: pl.Schema) -> list[tuple[str, pl.Expr, pl.DataType]]:
    """Every column (name, expression, type), a struct's fields as columns of their own named by
    their path (本人.個人番号: as one empty cell, a 個人番号 in it went unseen), as .jsonl objects."""
    leaves: list[tuple[str, pl.Expr, pl.DataType]] = []

    def walk(name: str, expr: pl.Expr, dtype: Any) -> None:  # a DataType or its class
        if isinstance(dtype, pl.Struct) and dtype.fields:
            for f in dtype.fields:
                walk(f"{name}.{f.name}", expr.struct.field(f.name), f.dtype)
        else:
            leaves.append((name, expr, dtype))

    for name, dtype in schema.items():
        walk(str(name), pl.col(name), dtype)
    return leaves


def parquet_shape(path: Path) -> tuple[list[str], int]:
    """A Parquet file's column names (a struct's fields by their path) and row count, from its metadata."""
    names = [name for name, _, _ in _leaves(pl.scan_parquet(path).collect_schema())]
    return names, int(pl.scan_parquet(path).select(pl.len()).collect().item())


def parquet_frame(path: Path) -> pl.LazyFrame:
    """A Parquet file's columns as text c0..cN (numbers without '.0', dates ISO; a struct's fields as
    columns, other nested values empty)."""
    lf = pl.scan_parquet(path)
    exprs = []
    for i, (_, c, dtype) in enumerate(_leaves(lf.collect_schema())):
        if dtype == pl.String:
            e = c
        elif dtype.is_float():
            e = (
                pl.when(c.is_finite() & (c == c.round(0)) & (c.abs() < 1e15))
                .then(c.cast(pl.Int64).cast(pl.String))
                .otherwise(c.cast(pl.String))
            )
        elif dtype == pl.Boolean:
            e = pl.when(c).then(pl.lit("TRUE")).otherwise(pl.lit("FALSE"))
        else:
            e = c.cast(pl.String, strict=False)
        exprs.append(e.fill_null("").alias(f"c{i}"))
    return lf.select(exprs)
