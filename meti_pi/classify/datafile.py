"""The dataset file itself, before it is opened: its format from its name, and that it is a regular
file meti-pi may read (a FIFO would block, a device never end, a folder is no dataset)."""

from __future__ import annotations

import stat
from pathlib import Path

from meti_pi.errors import UsageError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".parquet": "parquet"}


def dataset_format(path: Path) -> str:
    """csv, tsv, xlsx, jsonl or parquet, from the file name."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError.at(
            path,
            None,
            f"unsupported dataset format {path.suffix or '(no suffix)'!r}; use .csv, .tsv, .xlsx, .jsonl or .parquet",
        )
    return fmt


def check_regular_file(path: Path) -> None:
    """UsageError unless `path` is an existing regular file (a FIFO would block, a device never end)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:  # no such file; EACCES: a folder on the way that may not be entered
        why = "no such file" if isinstance(exc, FileNotFoundError) else f"cannot read the dataset ({exc.strerror})"
        raise UsageError.at(path, None, f"{why}; check the path") from None
    if stat.S_ISDIR(mode):
        raise UsageError.at(path, None, "a folder, not a file; give the dataset file itself. Nothing was read")
    if not stat.S_ISREG(mode):
        raise UsageError.at(
            path, None, "not a regular file (a FIFO, device or socket); give the dataset file itself. Nothing was read"
        )
