"""Which recorded provisions rule Art. 12(1) covers, read from a 台帳 event's `basis` (free text).

Art. 12(1): 「個人情報保護法第６９条第１項又は第２項第２号から第４号までの規定により保有個人情報を提供
しようとする場合は、…書面で確認するものとする。」 A provision under 69(2)(i) (本人の同意があるとき、又は
本人に提供するとき) is not covered. The register records the basis as text (`meti-pi notify log
--basis`), so it is read here: a cite of APPI 69(1) or 69(2)(ii)-(iv) is covered, one of 69(2)(i)
alone is not, and anything else (no basis, 69(2) without its item, another wording) is unknown.
"""

from __future__ import annotations

import re
import unicodedata

COVERED, EXCLUDED, UNKNOWN = "covered", "excluded", "unknown"
KINDS = (COVERED, EXCLUDED, UNKNOWN)

# 第69条第2項第1号 / 69条2項1号 (the items up to the next 条, so 番号法第19条第2号 after it is not read)
_JA = re.compile(r"(?<![0-9])69条第?([12])項([^条]*)")
# 69(2)(i), 69(2)(ii)-(iv), 69(1)
_EN = re.compile(r"(?<![0-9])69\(([12])\)((?:\s*[-–~、,]?\s*\((?:iv|i{1,3}|[1-4])\))*)")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _cites(text: str) -> list[tuple[int, list[int]]]:
    """(paragraph, items) of each APPI Art. 69 cite in `text`."""
    norm = unicodedata.normalize("NFKC", text).replace(" ", "")
    out = [(int(p), [int(n) for n in re.findall(r"([1-4])号", rest)]) for p, rest in _JA.findall(norm)]
    for p, rest in _EN.findall(norm):
        items = [_ROMAN.get(x, 0) or int(x) for x in re.findall(r"\((iv|i{1,3}|[1-4])\)", rest)]
        if re.search(r"\)[-–~]\(", rest) and len(items) == 2:  # a range: (ii)-(iv)
            items = list(range(items[0], items[1] + 1))
        out.append((int(p), items))
    return out


def coverage(basis: object) -> str:
    """COVERED (APPI 69(1) or 69(2)(ii)-(iv) is cited), EXCLUDED (only 69(2)(i)) or UNKNOWN."""
    cites = _cites(basis) if isinstance(basis, str) else []
    if any(p == 1 or (p == 2 and any(n in (2, 3, 4) for n in items)) for p, items in cites):
        return COVERED
    if cites and all(p == 2 and items and set(items) == {1} for p, items in cites):
        return EXCLUDED
    return UNKNOWN


def barred_for_my_number(basis: object) -> bool:
    """True when `basis` cites APPI 69(1) or 69(2): for 特定個人情報 held by a 行政機関等, 番号法 Art.
    30(1) switches off 69(2)(ii)-(iv) and rewrites 69(1)-(2) so that only the body's own use is
    permitted (legal brief §1.5, VERIFIED): none is a basis for providing it (番号法 19 alone is)."""
    cites = _cites(basis) if isinstance(basis, str) else []
    return any(p in (1, 2) for p, _ in cites)
