"""Record ids: validated before any path is built, allocated so that branches never collide.

A plain running number (F-0001, F-0002...) collides when two officers add records on two
branches; a random suffix from a 32-letter alphabet (30 bits) does not in practice, and since
adding a record touches no shared file, two such branches merge without a conflict.
"""

from __future__ import annotations

import os
import re
from datetime import date

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Crockford's base32: no I, L, O, U, so ids read aloud and retyped by hand survive.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def valid_id(candidate: str) -> bool:
    """True when `candidate` may be used as a file name in the register (no '..', no '/', ASCII only)."""
    return bool(ID_RE.fullmatch(candidate)) and ".." not in candidate


# Names Windows gives to devices, with any extension (`nul.yaml` is the device NUL): a record
# file so named cannot be checked out there.
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
)


def windows_reserved(candidate: str) -> bool:
    """True when the file `<candidate>.yaml` could not exist on Windows."""
    stem = candidate.partition(".")[0]
    return len(stem) <= 4 and stem.upper() in WINDOWS_RESERVED


def _randbits(k: int) -> int:
    """`k` random bits from the operating system, as `secrets.randbits` (without its ~3 ms import)."""
    return int.from_bytes(os.urandom((k + 7) // 8), "big") >> (-k % 8)


def allocate(prefix: str, existing: set[str], today: date, *, randbits: int = 30) -> str:
    """A new id `<prefix>-<year>-<6 letters>` not in `existing`."""
    letters = randbits // 5
    while True:
        n = _randbits(letters * 5)
        suffix = "".join(_ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(letters)))
        candidate = f"{prefix}-{today.year}-{suffix}"
        if candidate not in existing:
            return candidate
