"""The scan of a dataset, through the columnar engine where it reads the file exactly (issue 18).

.csv/.tsv in UTF-8 and .parquet are counted by polars (meti_pi.classify.engine): the header
verdict, the column typing and the key choice come from the same head rows as in the Python
scan (read by the Python reader, whose checks they pass), and the engine's first rows are
compared with them. A file the engine would read otherwise — Shift_JIS, NUL bytes, a bare CR line
end, a line over the limit, quoting the engine refuses, invalid UTF-8 further on — is scanned by
the Python pass (meti_pi.classify.scan.scan), which reads it or names the problem with file:line.
.jsonl lines are parsed by the engine where it reads them as json.loads does (meti_pi.classify.ndjson),
else the file takes the Python pass. .xlsx takes the Python pass.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from contextlib import ExitStack, closing
from functools import cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meti_pi.classify import datasets
from meti_pi.classify.datafile import check_regular_file, dataset_format
from meti_pi.classify.datasets import BATCH_ROWS, Table
from meti_pi.classify.dialect import words_pattern
from meti_pi.classify.principals import normalise_cells
from meti_pi.classify.rawtext import MAX_LINE_BYTES
from meti_pi.classify.scan import (
    Prepared,
    ProgressFn,
    ScanResult,
    TableScan,
    close_counters,
    finish,
    prepare,
    table_scan,
)
from meti_pi.classify.scan import scan as scan_rows
from meti_pi.classify.vocabulary import SAMPLE_ROWS, Vocabulary, vocabulary
from meti_pi.errors import UsageError

if TYPE_CHECKING:
    from concurrent.futures import Future


def scan(
    path: Path,
    *,
    sheet: str | None = None,
    keys: Sequence[str] = (),
    progress: ProgressFn | None = None,
    vocab: Vocabulary | None = None,
) -> ScanResult:
    """Scan a dataset: type its columns, count cells of each kind, count distinct persons. `vocab`:
    the register's copy of the vocabulary (classify.vocabcopy), else the package's."""
    vocab = vocab or vocabulary()
    fmt = dataset_format(path)
    if fmt not in ("csv", "tsv", "parquet", "jsonl") or (sheet is not None and fmt != "parquet"):
        return scan_rows(path, sheet=sheet, keys=keys, progress=progress, vocab=vocab)
    if sheet is not None:
        raise UsageError.at(path, None, "--sheet applies to .xlsx files only")
    if fmt != "parquet" and not engine_finds(vocab):
        return scan_rows(path, sheet=sheet, keys=keys, progress=progress, vocab=vocab)
    from meti_pi.classify import engine

    counters: dict[tuple[str, ...], Any] = {}
    try:
        if fmt == "parquet":
            tables, encoding = [_parquet(path, vocab, keys, counters, progress)], None
        elif fmt == "jsonl":
            tables, encoding = _jsonl(path, vocab, keys, counters, progress)
        else:
            tables, encoding = _delimited(path, fmt, vocab, keys, counters, progress)
    except engine.Fallback:
        close_counters(counters)
        return scan_rows(path, sheet=sheet, keys=keys, progress=progress, vocab=vocab)
    except BaseException:
        close_counters(counters)
        raise
    return finish(path, fmt, encoding, tables, counters, keys)


def engine_finds(vocab: Vocabulary) -> bool:
    """Whether the engine finds the vocabulary's 要配慮 words as Python does (dialect.words_pattern);
    a register's copy may hold a word it does not: the Python pass then reads the file. (Each
    identifier format is matched in Python, on the sample and the probes: never in the engine.)"""
    return all(words_pattern(c.words) is not None for c in vocab.sensitive)


def _head(path: Path, encodings: tuple[str, ...], vocab: Vocabulary) -> tuple[Any, list[list[str]], str]:
    """The table, its first SAMPLE_ROWS rows or more (whole batches) and the encoding, through the
    Python reader (its checks; datasets.open_dataset looked up when called: tests replace it);
    Fallback unless the encoding is one of `encodings`."""
    from meti_pi.classify import engine

    with datasets.open_dataset(path, vocab=vocab) as dataset:
        encoding = dataset.encoding or ""
        if encoding not in encodings:
            raise engine.Fallback(encoding)
        table = next(dataset.tables)
        head: list[list[str]] = []
        while len(head) < SAMPLE_ROWS and (more := next(table.batches, None)) is not None:
            head += more
    return table, head, encoding


def _delimited(
    path: Path,
    fmt: str,
    vocab: Vocabulary,
    keys: Sequence[str],
    counters: dict[tuple[str, ...], Any],
    progress: ProgressFn | None,
) -> tuple[list[TableScan], str]:
    from meti_pi.classify import engine

    # the file checks, the encoding, and the head through the Python reader
    table, head, encoding = _head(path, ("utf-8", "utf-8-sig"), vocab)
    typed = cache(lambda: prepare(table, head, vocab, keys, counters, lambda width: engine.DistinctHashes()))
    expected = [list(table.first_row), *head]
    try:
        chunks = engine.DelimitedChunks(path, fmt, len(table.first_row), encoding, MAX_LINE_BYTES)
        rows = _count(
            chunks, typed, expected, engine, progress, path.stat().st_size, lambda: chunks.position, parse=chunks.parse
        )
    except engine.PolarsError as exc:
        raise engine.Fallback(type(exc).__name__) from None
    return [table_scan(table, typed(), rows)], encoding


def _jsonl(
    path: Path,
    vocab: Vocabulary,
    keys: Sequence[str],
    counters: dict[tuple[str, ...], Any],
    progress: ProgressFn | None,
) -> tuple[list[TableScan], str]:
    """A .jsonl file: the head (and the keys, the header) through the Python reader, every line
    through the engine where it reads the lines as json.loads does (meti_pi.classify.ndjson)."""
    from meti_pi.classify import engine, ndjson

    table, head, encoding = _head(path, ("utf-8", "utf-8-sig"), vocab)
    if not table.first_row:
        raise engine.Fallback("no keys")
    p = prepare(table, head, vocab, keys, counters, lambda width: engine.DistinctHashes())
    width = len(table.first_row)
    expected = [row + [""] * (width - len(row)) for row in head]  # a row is as wide as the keys seen before it
    try:
        chunks = ndjson.LineChunks(path, list(table.first_row), encoding, MAX_LINE_BYTES)
        rows = _count(
            chunks,
            p,
            expected,
            engine,
            progress,
            path.stat().st_size,
            lambda: chunks.position,
            skip_first=False,
            parse=chunks.parse,
        )
    except engine.PolarsError as exc:
        raise engine.Fallback(type(exc).__name__) from None
    return [table_scan(table, p, rows)], encoding


# Threads that parse and count chunks (polars releases the GIL). Three on two cores: a chunk is
# parsed while two are counted, so neither kind of task waits for the other (measured on the 1M-row
# varied file: 0.48-0.51 s against 0.50-0.65 s with two, the same CPU time; four were slower).
WORKERS = 3
EARLY = 2  # chunks handed to the parsers before the head's columns are typed (_count)


def _done(value: Any) -> Future[Any]:
    from concurrent.futures import Future

    future: Future[Any] = Future()
    future.set_result(value)
    return future


def _planned(p: Prepared, engine: Any, skip_first: bool | None) -> tuple[bool, Any, Any, Any]:
    """What the pass needs of the typed head: whether the file's first row is the header (and is not
    counted), where the Python scan's batches fall, the engine's expressions, the key hasher (None:
    no key column)."""
    hasher = None
    if p.key_columns:
        dates = [
            None if p.columns[i].key_normaliser is normalise_cells else p.columns[i].key_normaliser
            for i in p.key_columns
        ]
        hasher = engine.KeyHasher(p.key_columns, dates)
    first_is_header = bool(p.header if skip_first is None else skip_first)
    return first_is_header, engine.Layout(len(p.head)), engine.plan_exprs(p.columns), hasher


def _count(
    chunks: Any,
    typed: Prepared | Callable[[], Prepared],
    expected: list[list[str]],
    engine: Any,
    progress: ProgressFn | None,
    total: int,
    position: Callable[[], int],
    skip_first: bool | None = None,
    parse: Callable[[Any], Any] | None = None,
) -> int:
    """Run the pass over `chunks` (every row of the file, the first one included unless `skip_first` is False);
    `parse` turns a chunk into a frame (on a worker) when chunks are raw bytes. `typed`: the prepared
    columns, or the function that types them (called once the first chunks are being read and parsed:
    the typing of the head, in Python, overlaps their parsing, which releases the GIL)."""
    counts = engine.Counts()
    done = 0
    pending = expected

    def work(data: Any, offset: int) -> tuple[Any, Any]:
        local = engine.Counts()
        engine.count_chunk(data, offset, layout, exprs, local, want_probes=True)
        return local, (hasher.hashes(data) if hasher is not None and data.height else None)

    def merge(future: Future[tuple[Any, Any]]) -> None:
        local, hashes = future.result()
        counts.merge(local)
        engine.observe_probes(p.columns, local.probes, counts)  # here, while the pass runs, not at its end
        if hashes is not None:
            p.counter.add_series(hashes)

    def counted(parsed: Future[Any]) -> None:
        """The next parsed chunk, in file order: its rows get their numbers, and it is counted."""
        nonlocal done, pending
        chunk = parsed.result()
        if pending:
            n = min(len(pending), chunk.height)
            if [list(r) for r in chunk.head(n).rows()] != pending[:n]:
                raise engine.Fallback("head")  # the engine parsed the start otherwise than the Python reader
            pending = pending[n:]
        data = chunk.slice(1) if first_is_header and done == 0 else chunk
        running.append(pool.submit(work, data, max(done - first_is_header, 0)))
        done += chunk.height
        while len(running) > 2:
            merge(running.popleft())
        if progress is not None:
            progress(min(total, position()), total)

    # A reader thread cuts the file into chunks; WORKERS threads parse and count them (polars releases
    # the GIL: both cores); chunks are numbered and merged in file order. (concurrent.futures and its
    # logging are imported here: an .xlsx scan, which never gets here, does not pay ~3 ms for them.)
    from concurrent.futures import ThreadPoolExecutor

    with ExitStack() as stack, ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="meti-pi-count") as pool:
        running: deque[Future[tuple[Any, Any]]] = deque()
        parsing: deque[Future[Any]] = deque()
        items = stack.enter_context(closing(engine.prefetch(chunks)))
        if callable(typed):  # the first EARLY chunks are parsed while the head is typed
            for item in islice(items, EARLY):
                parsing.append(pool.submit(parse, item) if parse is not None else _done(item))
        # the closures above read these once chunks are counted, after this line
        p = typed() if callable(typed) else typed
        first_is_header, layout, exprs, hasher = _planned(p, engine, skip_first)
        for item in items:
            parsing.append(pool.submit(parse, item) if parse is not None else _done(item))
            while len(parsing) > 1:
                counted(parsing.popleft())
        while parsing:
            counted(parsing.popleft())
        while running:
            merge(running.popleft())
    if pending:
        raise engine.Fallback("short")
    if isinstance(p.counter, engine.DistinctHashes):
        p.counter.start_count()  # the distinct count (1M keys: ~14 ms) overlaps the folding of the counts
    engine.fold_counts(p.columns, counts)
    return int(counts.rows)


def _parquet(
    path: Path,
    vocab: Vocabulary,
    keys: Sequence[str],
    counters: dict[tuple[str, ...], Any],
    progress: ProgressFn | None,
) -> TableScan:
    from meti_pi.classify import engine

    check_regular_file(path)
    try:
        frame = engine.parquet_frame(path)
        names, total = engine.parquet_shape(path)
        head = [list(r) for r in frame.head(BATCH_ROWS).collect().rows()]
        table = Table(name="", first_row=names, batches=iter(()), keyed=True)
        p = prepare(table, head, vocab, keys, counters, lambda width: engine.DistinctHashes())
        done: list[int] = [0]

        def batches() -> Any:
            for chunk in frame.collect_batches(chunk_size=engine.ENGINE_ROWS, engine="streaming"):
                done[0] += chunk.height
                yield chunk

        rows = _count(batches(), p, head, engine, progress, total, lambda: done[0], skip_first=False)
    except (engine.PolarsError, OSError) as exc:
        raise UsageError.at(
            path, None, f"unreadable Parquet file ({type(exc).__name__}); write it again or save the data as CSV"
        ) from None
    return table_scan(table, p, rows)
