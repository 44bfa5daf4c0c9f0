"""The number of 本人 in a dataset: an exact distinct count over the identifying columns.

Only hashes are kept, never a value: Python's `hash` of the (normalised) key cells, which is
SipHash with a per-process random key, so the numbers mean nothing outside this run. Up to
`limit` distinct hashes live in a set (about 70 MB for 2^20); past that the set is appended to
a temporary spill file and emptied. At the end the spill file is split by hash range into
partitions small enough to count in a set each (recursively if needed). Memory therefore stays
at the `limit` level for any number of rows; the disk holds 8 bytes per row at most. "Exact" is exact up to 64-bit hash collisions: for 10 million distinct persons
the chance of a single collision is about 3 in a million.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from meti_pi.errors import UsageError

if TYPE_CHECKING:
    from meti_pi.classify.detect import Column

LIMIT = 1_000_000  # distinct hashes held in memory before the first spill (about 70 MB)
PARTS = 16  # partitions per level when a spill file is counted
CHUNK = 1 << 13  # hashes moved to or from disk at a time (64 KiB)
_LOW, _HIGH = -(1 << 63), 1 << 63


class DistinctCounter:
    """Exact distinct count of 64-bit hashes in bounded memory; `empty` is never counted."""

    def __init__(self, empty: int | None = None, limit: int = LIMIT) -> None:
        self.empty = empty
        self.limit = limit
        self._seen: set[int] = set()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._spilled: Path | None = None
        self._fill = limit
        self.spills = 0

    def add(self, hashes: Iterable[int], size: int = 0) -> None:
        """Add a batch of `size` hashes; the set is spilled first if they could overfill it."""
        if self._seen and len(self._seen) + size > self._fill:
            self._spill()
        self._seen.update(hashes)
        if len(self._seen) > self._fill:  # `size` was not given
            self._spill()

    def count(self) -> int:
        """The number of distinct hashes added, `empty` excluded."""
        if self._spilled is None:
            return len(self._seen) - (self.empty in self._seen)
        self._spill()
        return self._count_file(self._spilled, _LOW, _HIGH, 0)

    def close(self) -> None:
        """Remove the spill files (the in-memory set goes with the counter)."""
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self._spilled = None

    def _spill(self) -> None:
        """Append the set to the spill file in small chunks, then empty it.

        Unsorted and chunked on purpose: sorting here would hold a second copy of the set, and
        the peak memory of a 10-million-row scan would exceed that of a 1-million-row one.
        """
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="meti-pi-principals-")
            self._spilled = Path(self._tmp.name) / "spill"
        assert self._spilled is not None
        values = iter(self._seen)
        with self._spilled.open("ab") as handle:
            while chunk := array("q", islice(values, CHUNK)):
                chunk.tofile(handle)
        self._seen.clear()
        # The freed ints stay in the allocator's pools (their pages count in RSS), so refills and
        # partitions stop at half the limit: with the table of a half-size set the peak stays
        # below that of the first fill, whatever the number of rows (measured with 10M rows).
        self._fill = self.limit // 2
        self.spills += 1

    def _count_file(self, path: Path, low: int, high: int, depth: int) -> int:
        """Distinct hashes in one spill file whose values lie in [low, high)."""
        size = path.stat().st_size // 8 if path.exists() else 0
        if size <= self.limit // 2 or depth >= 8 or high - low <= PARTS:
            distinct = set(_read(path))
            return len(distinct) - (self.empty in distinct)
        sub = [path.with_name(f"{path.name}.{i}") for i in range(PARTS)]
        with path.open("rb") as handle:
            while chunk := _read_chunk(handle, CHUNK):
                _write_ranges(sorted(chunk), sub, low, high)
        path.unlink()
        bounds = _bounds(low, high)
        return sum(self._count_file(p, bounds[i], bounds[i + 1], depth + 1) for i, p in enumerate(sub))


def _bounds(low: int, high: int) -> list[int]:
    step = (high - low) // PARTS
    return [low + i * step for i in range(PARTS)] + [high]


def _write_ranges(values: list[int], paths: list[Path], low: int, high: int) -> None:
    """Append sorted `values` to `paths`, one file per equal slice of [low, high)."""
    bounds = _bounds(low, high)
    start = 0
    for i, path in enumerate(paths):
        end = bisect_left(values, bounds[i + 1], start) if i < len(paths) - 1 else len(values)
        if end > start:
            with path.open("ab") as handle:
                array("q", values[start:end]).tofile(handle)
        start = end


def _read(path: Path) -> array[int]:
    values = array("q")
    if path.exists():
        values.frombytes(path.read_bytes())
    return values


def _read_chunk(handle: object, n: int) -> array[int]:
    values = array("q")
    with contextlib.suppress(EOFError):  # fromfile keeps what it read before the end
        values.fromfile(handle, n)  # type: ignore[arg-type]  # a binary file object
    return values


# ---------------------------------------------------------------- identifying columns

# Which detected kinds identify a person, best first; pairs such as (name, birth date) together.
KEY_PREFERENCE: tuple[tuple[str, ...], ...] = (
    ("person_id",),
    ("my_number",),
    ("residence_card",),
    ("special_permanent_resident",),
    ("basic_pension",),
    ("drivers_license",),
    ("passport",),
    ("employment_insurance",),
    ("health_insurance",),
    ("name", "birth_date"),
    ("email",),
    ("name", "phone"),
    ("name", "address"),
    ("name",),
    ("phone",),
)
# Kinds that belong to a corporation when the file holds 法人番号 and no person's name or id.
CORPORATE_CONTACT = frozenset({"address", "phone", "email", "postal_code"})


def choose_keys(
    columns: Sequence[Column],
    keys: Sequence[str],
    kinds: dict[str, int],
    covers: Callable[[list[int]], bool] | None = None,
) -> list[int]:
    """Indexes of the identifying columns: the --key names (a table holding none of them has
    none), or the best of the detected `kinds` (kind -> column index) that `covers` every person
    (a row with all its key cells empty is not counted: a 個人番号 or 職員番号 column filled for 600
    of 1,500 people counted 600, below 1,000: 第74条第2項第9号); when none does, the best."""
    if keys:
        by_name = {c.name: c.index for c in columns}
        missing = [k for k in keys if k not in by_name]
        if len(missing) == len(keys):
            return []
        if missing:
            raise UsageError(f"--key {', '.join(missing)}: no such column; columns: {', '.join(by_name)}")
        return [by_name[k] for k in keys]
    best: list[int] = []
    for combo in KEY_PREFERENCE:
        if all(k in kinds for k in combo):
            chosen = [kinds[k] for k in combo]
            if covers is None or covers(chosen):
                if best and combo in WEAK_KEYS:
                    # a name (or a phone) alone merges namesakes: 700 staff by 職員番号 beside 5 rows
                    # without one counted 2 by name; the better key, a few persons short, stays
                    return best
                return chosen
            best = best or chosen
    return best


# Keys that only name a person (or reach a household): taken when nothing better is held, never in
# place of a better key that leaves a few rows out (choose_keys).
WEAK_KEYS = frozenset({("name",), ("phone",)})


def covering(rows: Sequence[Sequence[str]], kinds: dict[str, int]) -> Callable[[list[int]], bool]:
    """Whether key columns have a value in every row of `rows` (the sample) that holds a value in
    an identifying column (`kinds`: kind -> column index): a row without is a person not counted."""
    where = sorted(set(kinds.values()))
    persons = [row for row in rows if any(i < len(row) and row[i].strip() for i in where)]

    def covers(chosen: list[int]) -> bool:
        return all(any(i < len(row) and row[i].strip() for i in chosen) for row in persons)

    return covers


def normalise_cells(cells: Sequence[str]) -> Sequence[str] | Iterable[str]:
    """A batch of key cells in comparison form: NFKC (full/half width), without spaces and dashes.

    Decided per batch, not from the sample: a full-width '６２１４' first met in row 90,000 is the
    same person as '6214' in row 1. Plain ASCII batches pay one join and one search; the forms
    agree on every value, so the same value gives the same key in any batch.
    """
    joined = "\x00".join(cells)
    if joined.isascii():
        return cells if _ASCII_DROP.search(joined) is None else [_ASCII_DROP.sub("", v) for v in cells]
    return list(fold_cells(cells))


_ASCII_DROP = re.compile(r"[\s\-]")  # what fold_cells drops from an ASCII value


def date_cells(parse: Callable[[str], object]) -> Callable[[Sequence[str]], Iterable[str]]:
    """Key cells of a date column in ISO form: 平成2年10月19日 == 1990/10/19 == 1990-10-19.

    `parse` reads one cell to a date (None when it is none); other cells are compared folded.
    """
    from functools import lru_cache

    @lru_cache(maxsize=1 << 16)  # birth dates repeat: about 36,500 in a century
    def one(value: str) -> str:
        day = parse(value) if value else None
        return day.isoformat() if day is not None else next(iter(fold_cells((value,))))  # type: ignore[attr-defined]

    def normalise(cells: Sequence[str]) -> Iterable[str]:
        return map(one, cells)

    return normalise


def as_is(cells: Sequence[str]) -> Iterable[str]:
    return cells


_DROP = re.compile(r"[\s\-‐‑–—―−]")  # not ー: it is part of katakana names


def fold_cells(cells: Sequence[str]) -> Iterator[str]:
    """Cells folded (NFKC) without spaces and dashes: '山田　太郎' == '山田 太郎' == '山田太郎'."""
    import unicodedata

    return (_DROP.sub("", unicodedata.normalize("NFKC", v)) for v in cells)


def key_hashes(parts: Sequence[Iterable[str]]) -> Iterable[int]:
    """Hashes of the key cells of each row (one column: the cell; several: the tuple)."""
    if len(parts) == 1:
        return map(hash, parts[0])
    return map(hash, zip(*parts, strict=False))


def empty_key_hash(width: int) -> int:
    """The hash of a row whose key cells are all empty: not a person."""
    return hash("") if width == 1 else hash(("",) * width)
