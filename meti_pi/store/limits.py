"""Limits on hostile files: what meti-pi reads must be a regular file of a bounded size.

A FIFO named `*.yaml` in the register would block a read forever; `/dev/zero` given as an option
file would be read until memory runs out. Files are opened without blocking (O_NONBLOCK: opening
a FIFO returns at once), checked with fstat on the open descriptor (no race with a rename), and
read to at most the limit — policy `max_file_bytes` (default 4 MiB; a record is a few KB).
"""

from __future__ import annotations

import calendar
import errno
import os
import re
import stat
from datetime import date
from pathlib import Path

from meti_pi.errors import UsageError

DEFAULT_MAX_FILE_BYTES = 4 << 20
NOT_REGULAR = "not a regular file (a FIFO, device or socket); meti-pi reads only regular files"


class FileRefused(OSError):
    """A file that is not regular or is over the limit; `strerror` says which, never its content."""


def read_regular(path: str | os.PathLike[str], limit: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; FileRefused (an OSError) otherwise."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise FileRefused(errno.EISDIR, "a folder, not a file; give the file itself")
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(errno.EINVAL, NOT_REGULAR)
        if st.st_size > limit:
            raise FileRefused(errno.EFBIG, too_large(st.st_size, limit))
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size) or 1):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # grew while being read
                raise FileRefused(errno.EFBIG, too_large(size, limit))
        return b"".join(chunks)
    finally:
        os.close(fd)


def too_large(size: int, limit: int) -> str:
    return (
        f"{size:,} bytes, over the limit of {limit:,} (policy max_file_bytes); "
        "a register file or option file is a few KB: check it is the right file, or raise the limit in policy.yaml"
    )


def read_option_file(path: Path, what: str, limit: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """An option file's bytes (--from, --answers, --profile...): exit 2 naming the file otherwise."""
    try:
        return read_regular(path, limit)
    except FileNotFoundError:
        raise UsageError.at(path, None, f"cannot read the {what}: no such file") from None
    except FileRefused as exc:
        raise UsageError.at(path, None, f"{exc.strerror} ({what}); nothing was written") from None
    except OSError as exc:
        raise UsageError.at(path, None, f"cannot read the {what} ({exc.strerror})") from None


# The most 本人 a count may state (a file's principals.count, an incident's principals and
# principals_max, a classify profile's principals): more than the world's population, so a count
# beyond it is a typing error (10**26 was taken and classified 管理B). The schemas state the same
# `maximum` (tests/test_schemas.py holds them to this).
MAX_PRINCIPALS = 10_000_000_000


def beyond_population(key: str) -> str:
    """What is said of a count of 本人 `key` over MAX_PRINCIPALS (a --profile file, a facts file)."""
    return (
        f"{key}: more 本人 than can be (at most {MAX_PRINCIPALS:,}, beyond any population); give the number of persons"
    )


# Dates meti-pi accepts from a person: 和暦 starts with the Gregorian calendar in 明治6年 (1873);
# Python's dates end with 9999 (a deadline computed past it is refused where it is computed).
DATE_MIN = date(1873, 1, 1)
DATE_MAX = date(9999, 12, 31)


def date_fault(text: str) -> str:
    """Why `text` is not a date, for a message after its key or option: a day the calendar lacks
    (2026-02-30, written in the right shape) said so, with the month's days; else the shape."""
    shape = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
    if shape is None:
        return f"{text!r} is not a date; use YYYY-MM-DD"
    year, month, _day = (int(part) for part in shape.groups())
    if year == 0:
        why = "there is no year 0"
    elif not 1 <= month <= 12:
        why = "months run from 01 to 12"
    else:
        why = f"{year:04d}-{month:02d} has {calendar.monthrange(year, month)[1]} days"
    return f"{text} is not a day of the calendar ({why})"


def parsed_date(key: str, text: str) -> date:
    """`text` (YYYY-MM-DD) as a date within DATE_MIN..DATE_MAX; a usage error (exit 2) naming `key`
    (an option, or a file's key) otherwise, saying why (date_fault, checked_date)."""
    if not isinstance(text, str):  # a file's 20260105 is a number: a bug's TypeError, not the user's fault
        raise UsageError(f"{key}: expected a date YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{key}: {date_fault(text)}") from None
    return checked_date(key, day)


def checked_date(key: str, value: date) -> date:
    """`value` when within DATE_MIN..DATE_MAX; a usage error (exit 2) naming `key` otherwise."""
    if not DATE_MIN <= value <= DATE_MAX:
        raise UsageError(
            f"{key}: {value.isoformat()} is outside the dates meti-pi handles "
            f"({DATE_MIN.isoformat()} (明治6年1月1日) to {DATE_MAX.isoformat()})"
        )
    return value
