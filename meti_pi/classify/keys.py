"""Key cells for the distinct count of persons, in the columnar engine (issue 18; split from
meti_pi.classify.engine, which re-exports these names): folded as principals.fold_cells folds them
(NFKC, then Python's spaces and the dashes dropped), hashed per row (principals.normalise_cells /
date_cells), and counted distinct in bounded memory (principals.DistinctCounter's interface).

Imported only with the engine, when a dataset is scanned.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from meti_pi.classify.dialect import _PY_SPACE
from meti_pi.early import Early


def _class_chars(spelled: str) -> tuple[str, ...]:
    """The characters of a class body spelled as `\\x{HEX}` and `\\x{HEX}-\\x{HEX}` ranges (dialect._PY_SPACE)."""
    import re

    out: list[str] = []
    for m in re.finditer(r"\\x\{([0-9a-f]+)\}(?:-\\x\{([0-9a-f]+)\})?", spelled):
        first = int(m.group(1), 16)
        out += [chr(c) for c in range(first, int(m.group(2) or m.group(1), 16) + 1)]
    return tuple(out)


# Folded key cells (principals.fold_cells): NFKC, then spaces (Python's \s) and dashes dropped,
# searched and removed as literals (Aho-Corasick: half the cost of a regular expression's class).
KEY_DROP_CHARS: list[str] = [*_class_chars(_PY_SPACE), *"-‐‑–—―−"]


def _folded(cells: pl.Series) -> pl.Series:
    """principals.fold_cells on a column: NFKC (the identity on ASCII), then KEY_DROP_CHARS dropped."""
    rows = (cells.str.len_bytes() != cells.str.len_chars()).arg_true()  # non-ASCII
    if rows.len():  # only the cells that change are rewritten (most are plain ASCII digits or names)
        cells = cells.clone().scatter(rows, cells.gather(rows).str.normalize("NFKC"))
    # Where few cells hold a character to drop (keys written plainly, such as the staff file's 社員番号),
    # those are found (one search, half the cost of a rewrite) and rewritten alone; where many do (40 %
    # of the varied file's 個人番号) every cell is rewritten, cheaper than finding them first. The first
    # SAMPLE_CELLS cells tell which (either way gives the same cells). Measured per 131,072 cells:
    # staff 4.0 -> 2.2 ms, varied unchanged.
    drop, blank = KEY_DROP_CHARS, [""] * len(KEY_DROP_CHARS)
    sample = cells.head(SAMPLE_CELLS)
    if int(sample.str.contains_any(drop).sum()) * FEW_DROPPING >= max(sample.len(), 1):
        return cells.str.replace_many(drop, blank)
    rows = cells.str.contains_any(drop).arg_true()
    if rows.len() * FEW_DROPPING >= cells.len():
        return cells.str.replace_many(drop, blank)
    return cells.clone().scatter(rows, cells.gather(rows).str.replace_many(drop, blank)) if rows.len() else cells


SAMPLE_CELLS = 1024
FEW_DROPPING = 8  # _folded: fewer than one cell in this many holding a character to drop are rewritten alone


COMPACT_STEP = 1 << 18  # DistinctHashes: hashes added between two compactions on a thread


class DistinctHashes:
    """Exact distinct count of 64-bit key hashes in bounded memory (principals.DistinctCounter's
    interface): hashes collect in memory up to `limit` (repeats removed when they are merged, not
    chunk by chunk: on keys that are mostly distinct that would sort every chunk for nothing); past
    that the distinct ones are appended to 16 spill files by their top 4 bits, and each file is
    counted on its own at the end.

    Keys that repeat (a person on many rows) are also compacted while they come in: every
    COMPACT_STEP hashes, the parts so far are made unique on a thread (polars releases the GIL:
    it overlaps the pass), so that the count left for the end of a pass is over the distinct
    hashes and the last parts, not every row's (1M varied rows, 65,536 persons). A compaction that
    removes fewer than a quarter of its hashes stops them (mostly distinct keys: it would only
    cost)."""

    def __init__(self, limit: int = 1 << 20) -> None:
        self.limit = limit
        self._parts: list[pl.Series] = []
        self._held = 0
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.spills = 0
        self._early: Early[int] | None = None  # start_count's count
        self._compaction: tuple[int, int, Early[pl.Series]] | None = None  # (parts, hashes) it covers, and it
        self._since = 0  # hashes added since the last compaction began
        self.compacting = True  # whether compactions still remove repeats

    def start_count(self) -> None:
        """Begin the count on a thread (polars releases the GIL), so that the caller's remaining work
        overlaps it (at the end of a pass: the counts' folding); count() waits for it. Hashes added
        afterwards discard it."""
        self._settle()
        self._compacted(wait=True)
        self._early = Early(self._count, name="meti-pi-distinct")

    def _compacted(self, wait: bool) -> None:
        """The running compaction's result in place of the parts it covered (once it has finished,
        or waited for); whether to go on compacting."""
        if self._compaction is None:
            return
        covered, hashes, early = self._compaction
        if not wait and not early.done():
            return
        self._compaction = None
        merged = early.result()
        self._parts = [merged, *self._parts[covered:]]
        self._held += merged.len() - hashes  # the covered parts held `hashes`
        self.compacting = merged.len() * 4 <= hashes * 3

    def _compact(self) -> None:
        """Start a compaction of the parts so far on a thread (at most one at a time)."""
        parts = list(self._parts)
        self._since = 0
        self._compaction = (len(parts), self._held, Early(lambda: pl.concat(parts).unique(), name="meti-pi-distinct"))

    def _settle(self) -> Early[int] | None:
        """start_count's count (waited for), once; None when none was started."""
        early, self._early = self._early, None
        if early is not None:
            early.wait()
        return early

    def add_series(self, hashes: pl.Series) -> None:
        """Add `hashes` (repeats allowed)."""
        self._settle()  # a count started before these hashes no longer holds
        self._compacted(wait=False)
        self._parts.append(hashes)
        self._held += hashes.len()
        self._since += hashes.len()
        if self._held > self.limit:
            self._compacted(wait=True)  # its result first: it may bring the parts under the limit
        if self._held > self.limit:
            merged = pl.concat(self._parts).unique()
            self._parts, self._held = [merged], merged.len()
            if self._held > self.limit // 2:
                self._spill()
        elif self.compacting and self._since >= COMPACT_STEP and self._compaction is None:
            self._compact()

    def _spill(self) -> None:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="meti-pi-principals-")
        frame = pl.DataFrame({"h": pl.concat(self._parts)}).with_columns((pl.col("h") // (1 << 60)).alias("p"))
        for (p,), part in frame.partition_by("p", as_dict=True).items():
            part.select("h").write_ipc(Path(self._tmp.name) / f"{p:02d}-{self.spills:06d}.arrow")
        self._parts, self._held = [], 0
        self.spills += 1

    def count(self) -> int:
        early = self._settle()
        if early is not None:
            return early.result()
        self._compacted(wait=True)
        return self._count()

    def _count(self) -> int:
        if self._tmp is None:
            return pl.concat(self._parts).n_unique() if self._parts else 0
        if self._parts:
            self._spill()
        folder = Path(self._tmp.name)
        total = 0
        for p in range(16):
            files = sorted(folder.glob(f"{p:02d}-*.arrow"))
            if files:
                total += int(pl.scan_ipc(files).select(pl.col("h").n_unique()).collect().item())
        return total

    def close(self) -> None:
        self._settle()  # a count still running reads the spill files
        if self._compaction is not None:
            self._compaction[2].wait()  # no thread of it outlives the counter (its result is not needed)
            self._compaction = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self._parts = []


class KeyHasher:
    """The identifying cells of each row, normalised as principals.normalise_cells / date_cells, hashed."""

    def __init__(self, key_columns: Sequence[int], dates: Sequence[Any]) -> None:
        """`dates`: for each key column, None, or the Python normaliser of a date column (principals.date_cells)."""
        self.key_columns = list(key_columns)
        self.dates = list(dates)
        self.seed = secrets.randbits(63)
        self._known = pl.DataFrame({"k": [], "v": []}, schema={"k": pl.String, "v": pl.String})

    def hashes(self, df: pl.DataFrame) -> pl.Series:
        parts = []
        for i, dates in zip(self.key_columns, self.dates, strict=True):
            parts.append(
                self._dates(df[f"c{i}"], dates).alias(f"k{i}") if dates else _folded(df[f"c{i}"]).alias(f"k{i}")
            )
        keys = pl.DataFrame(parts)
        keep = pl.any_horizontal(pl.col(c) != "" for c in keys.columns)
        key = pl.col(keys.columns[0]) if len(parts) == 1 else pl.struct(keys.columns)
        return keys.filter(keep).select(key.hash(self.seed).alias("h")).to_series()

    def _dates(self, cells: pl.Series, normalise: Any) -> pl.Series:
        """Date cells in ISO form through the Python normaliser, once per distinct spelling (cached;
        the cache may miss an entry another thread added at the same time: it only costs a re-parse)."""
        frame = cells.rename("k").to_frame().join(self._known, on="k", how="left", maintain_order="left")
        missing = frame.filter(pl.col("v").is_null())["k"].unique().to_list()
        if missing:
            found = pl.DataFrame({"k": missing, "v": list(normalise(missing))}, schema={"k": pl.String, "v": pl.String})
            known = pl.concat([self._known, found])
            if known.height < 1 << 20:  # distinct date spellings are few; a cap keeps memory bounded
                self._known = known
            frame = cells.rename("k").to_frame().join(known, on="k", how="left", maintain_order="left")
        return frame["v"]
