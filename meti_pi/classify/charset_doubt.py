"""Whether a file read as Shift_JIS (CP932) reads, byte for byte, as Western European text.

A Latin-1 / Windows-1252 file can be valid CP932: an accented capital or ß (0xC0-0xDF) is one
half-width katakana, an accented small letter (0xE0-0xFC) and the ASCII letter after it are one
kanji (`Prénom` is `Pr駭om`). sniff_encoding takes UTF-8, then CP932, and so reads it as CP932
without a word. This is the test for saying so; it decides nothing (the file is read as before).

It asks the other reading, not the CP932 one: genuine Japanese text almost never reads in
Windows-1252 as accented letters inside ASCII words. Hiragana (lead 0x82: `‚`), full-width
punctuation and spaces, ー (lead 0x81: no Windows-1252 character), full-width katakana (0x83:
`ƒ`, no letter of a Western language) and most kanji leads are punctuation or nothing there. A
half-width katakana test would not do: half-width kana are common in genuine CP932 files (the
banks' 全銀 format, カナ氏名 columns of older systems).
"""

from __future__ import annotations

import re

# The Latin-1 letters (À-ÿ without × and ÷). Not Windows-1252's Œ œ Š š Ž ž Ÿ (0x8A-0x9F): as
# CP932 lead bytes they begin common kanji (市 is `Žs`, 山口 `ŽRŒû`); with them a cell 山口 passed.
_LATIN = "".join(chr(c) for c in range(0xC0, 0x100) if c not in (0xD7, 0xF7))
# € and the no-break space: CP932 has neither byte (Python's cp932 reads 0x80 as U+0080, 0xA0 as
# U+F8F0): they pass, as neutral, and are no evidence either way.
_NEUTRAL = "€\xa0"
_RUN = re.compile(r"[^\x00-\x7f]+")
MAX_RUN = 2  # accented letters in a word stand alone or in pairs (Straße, Größe); kana come in runs


def western_line(head: bytes) -> int | None:
    """The 1-based line of the first non-ASCII byte of `head` when every non-ASCII byte of it reads,
    in Windows-1252, as a Western European letter inside an ASCII word (runs of at most MAX_RUN,
    an ASCII letter beside each), € and no-break spaces aside; else None."""
    try:
        text = head.decode("cp1252")
    except UnicodeDecodeError:  # 0x81 0x8D 0x8F 0x90 0x9D: a Shift_JIS lead byte, no Western text
        return None
    first = None
    for run in _RUN.finditer(text):
        letters = run.group().strip(_NEUTRAL)
        if not letters:
            continue
        if len(letters) > MAX_RUN or any(ch not in _LATIN for ch in letters):
            return None
        before = text[run.start() - 1 : run.start()]
        after = text[run.end() : run.end() + 1]
        if not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha()):
            return None
        if first is None:
            first = head[: run.start()].count(b"\n") + 1
    return first
