"""Cheap whole-column shapes: byte-level signatures that rule a column in or out before values are typed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

_D = "[0-9０-９]"
_SEP = "[-‐‑–—―−ーｰ－ 　]"
_NOT_DIGIT = "[^\\n0-9０-９]"
_PLACE = "都道府県市区町村郡"
_SHAPES: dict[str, str] = {
    "email": r"[^@\s]++@[^@\s.]++(?:\.[^@\s.]++)++",
    "phone": r"[+＋]?+[0-9０-９()（）\-‐‑–—―−ーｰ－ 　]{10,18}+",
    "postal_code": rf"〒?+[ 　]?+{_D}{{3}}{_SEP}?{_D}{{4}}",
    "birth_date": (
        rf"(?:[明大昭平令][治正和成]|[MTSHRmtshr])?+[ 　]?+(?:{_D}{{1,4}}+|元)"
        rf"{_NOT_DIGIT}{{1,2}}+{_D}{{1,2}}+{_NOT_DIGIT}{{1,2}}+{_D}{{1,2}}+日?+|{_D}{{8}}"
    ),
    "person_name": r"[\u3005\u3006\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff21-\uff5a\uff66-\uff9fA-Za-z・ 　.'-]{1,30}+",
    "kana_reading": r"[\u3041-\u30ff\uff66-\uff9f・ 　]{1,40}+",
    "address": rf"[^\n{_PLACE}]*+[{_PLACE}][^\n]*+",
    "my_number": rf"{_D}{{4}}{_SEP}?{_D}{{4}}{_SEP}?{_D}{{4}}",
    "corporate_number": rf"{_D}{_SEP}?{_D}{{4}}{_SEP}?{_D}{{4}}{_SEP}?{_D}{{4}}",
    "card_number": rf"{_D}{{4}}(?:{_SEP}?{_D}{{1,7}}){{2,4}}",
    "pattern": r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ\-‐－ー 　]{1,30}+",
}
# The same shapes for ASCII text in which every digit is '0', every capital 'A' and every small
# letter 'a' (see Shape.count): they must treat all digits alike and all letters alike.
_SIGNATURES: dict[str, bytes] = {
    "email": rb"[^@\s]++@[^@\s.]++(?:\.[^@\s.]++)++",
    "phone": rb"\+?+[0() -]{10,18}+",
    "postal_code": rb" ?+000-?0000",
    "birth_date": rb"[Aa]?+ ?+0{1,4}+[^0]{1,2}+0{1,2}+[^0]{1,2}+0{1,2}+|0{8}",
    "my_number": rb"0000[- ]?0000[- ]?0000",
    "corporate_number": rb"0[- ]?0000[- ]?0000[- ]?0000",
    "card_number": rb"0000(?:[- ]?0{1,7}){2,4}",
    "pattern": rb"[0Aa\- ]{1,30}+",
}
_SIGNATURE_TABLE = bytes.maketrans(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", b"0" * 10 + b"A" * 26 + b"a" * 26
)


@dataclass(frozen=True)
class Shape:
    """A cheap per-cell check, run three ways from cheapest to dearest:

    1. ASCII batches: the batch is translated to its signature (digits -> 0, letters -> A/a) and
       only the distinct signatures are matched (a batch of dates has one or two);
    2. the whole batch joined by newlines, matched by one regex;
    3. cell by cell, when the batch holds cells of other shapes.
    """

    cell: re.Pattern[str]
    block: re.Pattern[str]
    signature: re.Pattern[bytes] | None

    def count(self, cells: Sequence[str], joined: str, nonempty: int) -> int:
        """Non-empty cells of the shape."""
        if joined.count("\n") == len(cells) - 1:  # no cell holds a newline
            if self.signature is not None and joined.isascii() and self._signatures_match(joined, len(cells)):
                return nonempty
            if self.block.fullmatch(joined + "\n"):
                return nonempty
        return len(cells) - list(map(self.cell.fullmatch, cells)).count(None)  # no shape matches ''

    def _signatures_match(self, joined: str, n: int) -> bool:
        assert self.signature is not None
        sig = joined.encode("ascii").translate(_SIGNATURE_TABLE)
        first = sig.split(b"\n", 1)[0]
        distinct = {first} if sig == b"\n".join([first] * n) else set(sig.split(b"\n"))
        return all(not s or self.signature.fullmatch(s) for s in distinct)


@lru_cache(maxsize=64)
def shape(check: str) -> Shape | None:
    """The cheap shape of a check name (None: 'present', counted as non-empty)."""
    source = _SHAPES.get(check)
    if source is None:
        return None
    signature = _SIGNATURES.get(check)
    return Shape(
        re.compile(f"(?:{source})"),
        re.compile(f"(?:(?:{source})?\n)*+"),  # empty lines are empty cells
        re.compile(signature) if signature is not None else None,
    )
