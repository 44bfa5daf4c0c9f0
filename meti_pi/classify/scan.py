"""The column scan of a dataset: sampled typing, checked batches, principals counting, the ScanResult."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any

from meti_pi.classify import datasets
from meti_pi.classify.columns import (
    Candidate,
    Column,
    Detection,
    _preference,
    column_detections,
    decide_candidate,
    header_unconfirmed,
    type_column,
)
from meti_pi.classify.datasets import BATCH_ROWS
from meti_pi.classify.header_row import (
    _column_names,
    header_cells,
    safe_column_name,
    safe_sheet_name,
    sheet_stand_in,
    shown_column,
    told_apart,
)
from meti_pi.classify.principals import (
    CORPORATE_CONTACT,
    DistinctCounter,
    as_is,
    choose_keys,
    covering,
    date_cells,
    empty_key_hash,
    key_hashes,
    normalise_cells,
)
from meti_pi.classify.shapes import shape
from meti_pi.classify.text import VERIFY_BELOW, forget
from meti_pi.classify.values import (
    parse_birth_date,
)
from meti_pi.classify.vocabulary import CHECK_EVERY, FULL_CHECK_ROWS, SAMPLE_ROWS, Vocabulary, vocabulary
from meti_pi.errors import UsageError
from meti_pi.gcpause import paused_gc


@dataclass(frozen=True)
class TableScan:
    """One table (the file, or one sheet) after the scan."""

    name: str
    columns: tuple[str, ...]
    header: bool
    rows: int
    detections: tuple[Detection, ...]
    keys: tuple[str, ...]
    skipped: int = 0  # rows above the table passed over (a title, blank lines: datasets.skip_title_rows)
    # (column, label, sample passed, sample checked, the --profile key that states it) of 管理A kinds a
    # header named and the values did not bear out
    unconfirmed: tuple[tuple[str, str, int, int, str], ...] = ()
    # a sheet shown as シートN (its name empty or maybe personal data): the name it takes instead
    # where another sheet of the file is really named シートN (N枚目のシート)
    stand_in: str = ""


@dataclass(frozen=True)
class ScanResult:
    """What a dataset holds: counts, column names and detected kinds; never a cell value."""

    path: str
    format: str
    encoding: str | None
    rows: int
    columns: tuple[str, ...]
    header: bool
    tables: tuple[TableScan, ...]
    detections: tuple[Detection, ...]
    principals: int | None
    principal_keys: tuple[str, ...]
    principals_note: str
    notes: tuple[str, ...]
    # The count is only a lower bound (namesakes merged, a sheet of persons left uncounted): the most
    # it can be is then the rows (a person a row at most).
    principals_lower_bound: bool = False
    # Read as CP932, yet every non-ASCII byte of its head reads as Latin-1 letters inside words: the
    # line of the first (charset_doubt). The reading is not changed; the CLI says so on stderr.
    western_line: int | None = None

    def confirmed(self) -> list[Detection]:
        return [d for d in self.detections if d.confirmed]

    @property
    def sensitive_categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.kind.split(":", 1)[1] for d in self.confirmed() if d.category == "sensitive"))

    @property
    def identification_codes(self) -> tuple[str, ...]:
        kinds = [d.kind for d in self.confirmed() if d.category in ("identification_code", "biometric")]
        return tuple(dict.fromkeys(kinds))

    @property
    def financial(self) -> bool:
        return any(d.category == "financial" for d in self.confirmed())

    @property
    def personal(self) -> bool:
        """Any personal kind found (a corporations' file's own contact details excepted)."""
        return personal_kinds(self.confirmed()) != set()


def personal_kinds(detections: Iterable[Detection]) -> set[str]:
    """The personal kinds among `detections` (法人番号 and corporate contact details left out)."""
    kinds = {d.kind for d in detections if d.confirmed}
    if corporate_context(kinds):
        kinds -= CORPORATE_CONTACT
    return {k for k in kinds if not k.startswith("corporate_number")}


ProgressFn = Callable[[int, int], None]


def scan(
    path: Path,
    *,
    sheet: str | None = None,
    keys: Sequence[str] = (),
    progress: ProgressFn | None = None,
    vocab: Vocabulary | None = None,
) -> ScanResult:
    """Scan a dataset row by row in Python: type its columns, count cells of each kind, count distinct persons.

    `vocab`: the register's copy of the vocabulary (classify.vocabcopy), else the package's.
    (meti_pi.classify.columnar.scan counts .csv/.tsv/.parquet with the columnar engine instead.)
    """
    vocab = vocab or vocabulary()
    counters: dict[tuple[str, ...], Any] = {}
    tables: list[TableScan] = []
    try:
        with datasets.open_dataset(path, sheet, vocab=vocab) as dataset:  # looked up when called (tests replace it)
            with paused_gc():  # rows are short-lived lists; the cyclic GC only costs time here (measured 2.5x)
                for table in dataset.tables:
                    tables.append(_scan_table(table, vocab, keys, counters, progress))
            fmt, encoding, western = dataset.format, dataset.encoding, dataset.western_line
    except BaseException:
        close_counters(counters)
        raise
    return finish(path, fmt, encoding, tables, counters, keys, western)


def finish(
    path: Path,
    fmt: str,
    encoding: str | None,
    tables: list[TableScan],
    counters: dict[tuple[str, ...], Any],
    keys: Sequence[str],
    western_line: int | None = None,
) -> ScanResult:
    try:
        if keys and not any(set(t.keys) == set(keys) for t in tables):
            names = ", ".join(dict.fromkeys(c for t in tables for c in t.columns))
            raise UsageError(f"--key {', '.join(keys)}: no such column; columns: {names}")
        result = _result(path, fmt, encoding, tables, counters, keys)
        # the reader's (Dataset.western_line); the columnar engine reads no CP932 (it falls back)
        return replace(result, western_line=western_line) if western_line is not None else result
    finally:
        close_counters(counters)
        forget()  # the memoised forms of sample cells


def close_counters(counters: dict[tuple[str, ...], Any]) -> None:
    for counter in counters.values():
        counter.close()
    counters.clear()


@dataclass
class Prepared:
    """A table after its head: column names, typed columns, the identifying columns, the counter."""

    names: list[str]
    header: bool
    columns: list[Column]
    key_columns: list[int]
    counter: Any
    head: list[list[str]]  # the data rows sampled (the first row too when it is data)
    vocab: Vocabulary | None = None  # the vocabulary the table was typed with (None: the package's)


def prepare(
    table: Any,
    head: list[list[str]],
    vocab: Vocabulary,
    keys: Sequence[str],
    counters: dict[tuple[str, ...], Any],
    new_counter: Callable[[int], Any],
) -> Prepared:
    """Header verdict, column typing on the sample and the key columns, from the first row and `head`."""
    names: list[str] = []
    head = list(head)
    if table.keyed:
        header = True  # .jsonl: the keys, growing while streaming; each one screened (_key_names)
        _key_names(table.first_row, names, vocab)
    else:
        verdicts = header_cells(table.first_row, vocab, head[:SAMPLE_ROWS])
        header = verdicts is not None
        names = _column_names(table.first_row, verdicts)
        if not header:
            head.insert(0, list(table.first_row))
    columns = [_typed(i, names[i], header, head, vocab) for i in range(len(names))]
    kinds = identifying_kinds(columns)
    covers = covering(head, kinds)  # the whole head (2,048 rows or more), as the columns are typed on
    key_columns = choose_keys(columns, keys, kinds, covers)
    if keys and not key_columns:
        if not table.sheet:  # the file's one table: a misspelt --key, said before the pass
            raise UsageError(f"--key {', '.join(keys)}: no such column; columns: {', '.join(names)}")
        # A sheet holding none of the --key columns is counted by its own identifying columns (summed,
        # an upper bound, as sheets of different keys are): left out, its persons went uncounted.
        key_columns = name_parts(columns, choose_keys(columns, (), kinds, covers))
    elif not keys:
        key_columns = name_parts(columns, key_columns)
    for i in key_columns:  # one person written two ways is one person (issue 14)
        columns[i].key_normaliser = (
            date_cells(parse_birth_date) if provisional_kind(columns[i]) == "birth_date" else normalise_cells
        )
    counter = None
    if key_columns:
        signature = tuple(provisional_kind(columns[i]) or columns[i].name for i in key_columns)
        counter = counters.setdefault(signature, new_counter(len(key_columns)))
    return Prepared(names, header, columns, key_columns, counter, head, vocab)


def table_scan(table: Any, p: Prepared, rows: int) -> TableScan:
    """The table's findings under its columns' own names (_result qualifies them as SHEET!COLUMN)."""
    index = getattr(table, "index", 0)
    name = safe_sheet_name(table.name, index, p.vocab) if table.sheet else ""
    stand_in = sheet_stand_in(table.name, index, name)
    detections = tuple(d for c in p.columns for d in column_detections(c, c.name))
    keys = tuple(p.columns[i].name for i in p.key_columns)
    unconfirmed = tuple(
        (c.name, u.label, u.passed, u.sampled, PROFILE_KEY[u.category])
        for c in p.columns
        for u in header_unconfirmed(c)
    )
    skipped = getattr(table, "skipped", 0)
    return TableScan(name, tuple(p.names), p.header, rows, detections, keys, skipped, unconfirmed, stand_in)


def _scan_table(
    table: Any,
    vocab: Vocabulary,
    keys: Sequence[str],
    counters: dict[tuple[str, ...], Any],
    progress: ProgressFn | None,
) -> TableScan:
    batches: Iterator[list[list[str]]] = table.batches
    head: list[list[str]] = []
    while len(head) < SAMPLE_ROWS and (more := next(batches, None)) is not None:
        head += more
    p = prepare(table, head, vocab, keys, counters, lambda width: DistinctCounter(empty=empty_key_hash(width)))
    names, columns, key_columns, counter = p.names, p.columns, p.key_columns, p.counter
    rows = 0
    for n, (batch, in_head) in enumerate(_rebatch(p.head, batches)):
        if table.keyed and len(table.first_row) > len(columns):
            _key_names(table.first_row, names, vocab)
            columns += [_typed(i, names[i], p.header, batch, vocab) for i in range(len(columns), len(names))]
        full = rows < FULL_CHECK_ROWS or n % CHECK_EVERY == 0
        rows += len(batch)
        probe = None if in_head or not full else batch[0]
        if full:
            cells = list(zip(*batch, strict=False))
            _check_batch(columns, cells, probe)
            keys_of: list[Sequence[str]] = [cells[i] if i < len(cells) else ("",) * len(batch) for i in key_columns]
        else:
            _search_batch(columns, batch)
            keys_of = [_column_of(batch, i) for i in key_columns]
        if counter is not None:
            normalised = [(columns[i].key_normaliser or as_is)(v) for i, v in zip(key_columns, keys_of, strict=True)]
            counter.add(key_hashes(normalised), len(batch))
        if progress is not None:
            progress(table.position(), table.total)
    return table_scan(table, p, rows)


def _key_names(keys: Sequence[str], names: list[str], vocab: Vocabulary) -> None:
    """Extend `names` with the recorded names of the keys not named yet (JSON keys may be values)."""
    for i in range(len(names), len(keys)):
        names.append(safe_column_name(keys[i], i, names, vocab, key=True))


def _typed(index: int, name: str, header: bool, rows: Sequence[Sequence[str]], vocab: Vocabulary) -> Column:
    """The column typed on its sample: its first SAMPLE_ROWS values in `rows` (the head), empty cells
    passed over. The first SAMPLE_ROWS rows were the sample: a 個人番号 column empty there (the first
    600 staff had not handed it in) had none, and its 900 個人番号 went unreported."""
    cells = (row[index] for row in rows if index < len(row))
    return type_column(index, name, header, list(islice((v for v in cells if v.strip()), SAMPLE_ROWS)), vocab)


def _rebatch(head: list[list[str]], rest: Iterator[list[list[str]]]) -> Iterator[tuple[list[list[str]], bool]]:
    """The head rows again (flagged: already sampled), then the rest of the table."""
    for start in range(0, len(head), BATCH_ROWS):
        yield head[start : start + BATCH_ROWS], True
    for batch in rest:
        yield batch, False


def _check_batch(columns: list[Column], cells: list[tuple[str, ...]], probe: Sequence[str] | None) -> None:
    """Shape checks of one batch (as columns): non-empty counts and each candidate's cheap shape.

    `probe`: one row of each batch after the head joins the exact sample.
    """
    for column in columns:
        values = cells[column.index] if column.index < len(cells) else ()
        _check_values(column, column.candidates, values, probe)


def _search_batch(columns: list[Column], batch: list[list[str]]) -> None:
    """A batch past the checked ones: only the free-text search for 要配慮 words (every row)."""
    for column in columns:
        if column.searched:
            _check_values(
                column, [c for c in column.candidates if c.sensitive is not None], _column_of(batch, column.index), None
            )


def _check_values(
    column: Column, candidates: Sequence[Candidate], values: Sequence[str], probe: Sequence[str] | None
) -> None:
    nonempty = len(values) - values.count("")
    column.checked += nonempty
    if not candidates or not nonempty:
        return
    joined = "\n".join(values)
    for c in candidates:
        c.matched += _batch_matches(c, values, joined, nonempty)
        if probe is not None and column.index < len(probe):
            c.observe((probe[column.index],))


def _column_of(batch: list[list[str]], index: int) -> list[str]:
    return list(map(itemgetter(index), batch)) if batch and index < len(batch[0]) else [""] * len(batch)


def _batch_matches(c: Candidate, values: Sequence[str], joined: str, nonempty: int) -> int:
    if c.sensitive is not None:
        if c.sensitive.values.search(joined) is None:
            return 0
        return len(values) - list(map(c.sensitive.values.search, values)).count(None)
    s = shape(c.check)
    return nonempty if s is None else s.count(values, joined, nonempty)


def provisional_kind(column: Column) -> str | None:
    """The structured kind a column would get from its sample alone (keys are chosen before the pass)."""
    for c in sorted(column.candidates, key=_preference):
        if c.check == "sensitive":
            continue
        report, confirmed = decide_candidate(c, c.sampled, c.passed)
        if report and confirmed:
            return c.kind
    return None


def name_parts(columns: Sequence[Column], key_columns: list[int]) -> list[int]:
    """The chosen key columns, a name written in parts whole: the columns typed as names side by side
    with the key's name column (姓 | 名) join it. Counted by 姓 alone, 1,500 people under 15 surnames
    were 15 本人 (管理C, 第74条第2項第9号, out of the ファイル簿)."""
    whole: list[int] = []
    for i in key_columns:
        whole.append(i)
        if provisional_kind(columns[i]) == "name":
            j = i + 1
            while j < len(columns) and provisional_kind(columns[j]) == "name":
                whole.append(j)
                j += 1
    return whole


def identifying_kinds(columns: Sequence[Column]) -> dict[str, int]:
    """kind -> first column index, of the kinds that can identify a person.

    With a 法人番号 column and no person's name or id, addresses, phones and e-mails are taken
    to be the corporations' own (not personal data).
    """
    kinds: dict[str, int] = {}
    for column in columns:
        kind = provisional_kind(column)
        if kind is not None:
            kinds.setdefault(kind, column.index)
    if corporate_context(set(kinds)):
        kinds = {k: i for k, i in kinds.items() if k not in CORPORATE_CONTACT}
    kinds.pop("corporate_number", None)
    return kinds


def corporate_context(kinds: set[str]) -> bool:
    """A file of corporations: 法人番号 and nothing naming or numbering a person."""
    if "corporate_number" not in kinds:
        return False
    return not (kinds - CORPORATE_CONTACT - {"corporate_number"})


NAME_KINDS = frozenset({"name", "name_kana"})  # key columns that only name a person (identifiers.yaml ids)


def _name_columns(t: TableScan) -> set[str]:
    """The columns of table `t` found to hold persons' names (同姓同名 merge under them)."""
    return {d.column for d in t.detections if d.confirmed and d.kind in NAME_KINDS}


def _result(
    path: Path,
    fmt: str,
    encoding: str | None,
    tables: list[TableScan],
    counters: dict[tuple[str, ...], Any],
    keys: Sequence[str],
) -> ScanResult:
    multi = len(tables) > 1
    # 山田太郎 (first sheet, shown as シート1) beside a sheet named シート1: both were シート1, its
    # detections told apart by nothing (and the phone of the one put on the other)
    names = told_apart([(t.name, t.stand_in) for t in tables])
    tables = [replace(t, name=name) if name != t.name else t for t, name in zip(tables, names, strict=True)]

    def shown(t: TableScan, column: str) -> str:
        return shown_column(t.name, column, len(tables))

    columns = tuple(shown(t, c) for t in tables for c in t.columns)
    detections = tuple(replace(d, column=shown(t, d.column)) if multi else d for t in tables for d in t.detections)
    personal = bool(personal_kinds(detections))
    notes = _notes(detections) + tuple(
        f"{f'シート「{t.name}」の' if t.name else ''}先頭{t.skipped}行（表題・空行など、見出し行より上の行）は表の外として読んでいない"
        for t in tables
        if t.skipped
    )
    notes += tuple(
        f"列「{shown(t, column)}」: 見出しは{label}を示すが、値が{label}の形式"
        f"・検査数字に合わない（標本{sampled:,}件中{passed:,}件）ため{label}とは判定していない。表計算ソフトで数値に"
        f"変えられて（先頭の0の欠落、指数表記など）値が損なわれていないか確かめ、保有する場合は --profile "
        f"PROFILE.yaml（{key}）で判定する"
        for t in tables
        for column, label, passed, sampled, key in t.unconfirmed
    )
    key_names = tuple(dict.fromkeys(k for t in tables for k in t.keys))
    rows = sum(t.rows for t in tables)
    lower_bound = False
    if counters:
        # each counted once: a counter spilled to disk reads its files again at every count()
        counts = {sig: c.count() for sig, c in counters.items()}
        principals: int | None = sum(counts.values())
        how = (
            "auto"
            if not keys
            else "--key"
            if all(set(t.keys) == set(keys) for t in tables if t.keys)
            else "--key、その列のないシートは自動選択"
        )
        note = f"{' + '.join(key_names)} の異なり数（{how}）"
        if len(counters) > 1:
            note += "。シートごとに識別列が異なるため合計（上限値）"
        uncounted = [t for t in tables if not t.keys and t.rows and personal_kinds(t.detections)]
        if uncounted:
            # a sheet of personal data with no identifying column: its persons are not in the count
            sheets = "、".join(f"「{t.name}」（{t.rows:,}行）" for t in uncounted)
            note += (
                f"。シート{sheets}は個人情報を含むが本人を識別する列がなく、本人の数に含めていない（下限値）："
                f"{VERIFY_BELOW}（--key で識別列を指定できる）"
            )
            lower_bound = True
        # 同姓同名: a file of 1,500 people under 100 names counted 100 (管理C, 第74条第2項第9号). Judged
        # per table: a sheet of 1,500 visitors under 4 names beside a sheet of 200 staff numbers was
        # 204 (管理C, 74-2-9) where the visitors' sheet alone was unknown (管理B).
        by_name = [t for t in tables if t.keys and set(t.keys) <= _name_columns(t)]
        counted = (
            principals
            if len(counters) == 1
            else sum(n for sig, n in counts.items() if all(k in NAME_KINDS for k in sig))
        )
        if by_name and (counted or 0) < sum(t.rows for t in by_name):
            sheets = "、".join(f"「{t.name}」" for t in by_name) if len(tables) > 1 else ""
            note += (
                f"。{f'シート{sheets}は' if sheets else ''}氏名だけで数えたため同姓同名は一人と数える（下限値）："
                f"{VERIFY_BELOW}"
            )
            lower_bound = lower_bound or not keys  # --key 氏名: the 管理者 says the names tell the persons apart
    elif personal:
        principals, note = None, "本人を識別する列が見つからない（--key で指定できる）"
    else:
        principals, note = 0, "個人情報に当たる列が見つからない"
    return ScanResult(
        path=str(path),
        format=fmt,
        encoding=encoding,
        rows=rows,
        columns=columns,
        header=all(t.header for t in tables),
        tables=tuple(tables),
        detections=detections,
        principals=principals,
        principal_keys=key_names,
        principals_note=note,
        notes=notes,
        principals_lower_bound=lower_bound,
    )


# The --profile key that states a 管理A kind a scan could not confirm (scan-note).
PROFILE_KEY = {
    "identification_code": "my_number: true 又は identification_codes",
    "biometric": "biometric: true",
    "financial": "financial_items",
}


def _notes(detections: Sequence[Detection]) -> tuple[str, ...]:
    notes = []
    kinds = {d.kind for d in detections if d.confirmed}
    if corporate_context(kinds) and kinds & CORPORATE_CONTACT:
        notes.append(
            "法人番号の列があり個人の氏名・番号の列がないため、住所・電話番号・メールアドレスは法人の連絡先として扱う"
        )
    for d in detections:
        if not d.confirmed:
            notes.append(
                f"列「{d.column}」: {d.label}の形式で検査数字も合うが、見出し語や4-4-4区切りの文脈がないため"
                f"{d.label}とは判定していない。該当する場合は、列の見出しを「{d.label}」等に改めて再度スキャンするか、"
                "データセットを指定せずに --profile PROFILE.yaml（my_number: true 又は identification_codes）で判定する"
            )
        if d.category == "not_personal":
            notes.append(f"列「{d.column}」: {d.label}。法人を識別する番号で個人情報ではない")
    return tuple(notes)
