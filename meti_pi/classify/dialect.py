"""The detectors' regular expressions in the columnar engine's dialect (issue 18 item 4).

Pure text, no engine: the Python patterns of meti_pi.classify.shapes, and the vocabulary's 要配慮
words (words_pattern: spelt from the words, not from their compiled alternation), written for the
engine's regex crate (possessive quantifiers dropped where the next token cannot
overlap, `\\s` spelled out as Python's whitespace, signatures over the text itself), each held to
Python's results by tests/test_columnar.py. meti_pi.classify.engine compiles them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from meti_pi.classify.shapes import _PLACE, _SHAPES, _SIGNATURES

# Python's `\s` for str patterns: every character for which str.isspace() is true (Unicode 14;
# tests/test_columnar.py recomputes it from the running Python).
_PY_SPACE = (
    r"\x{9}\x{a}\x{b}\x{c}\x{d}\x{1c}\x{1d}\x{1e}\x{1f}\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
)
_POSSESSIVE = re.compile(r"(?<=[?*+}])\+")


def rust_pattern(source: str) -> str:
    """A Python pattern in the engine's dialect: no possessive quantifiers, Python's `\\s`."""
    out, in_class, i = [], False, 0
    source = _POSSESSIVE.sub("", source)
    while i < len(source):
        two = source[i : i + 2]
        if two == r"\s":
            out.append(_PY_SPACE if in_class else f"[{_PY_SPACE}]")
        elif two[0] == "\\":
            out.append(two)
        else:
            if two[0] in "[]":
                in_class = two[0] == "["
            out.append(two[0])
            i += 1
            continue
        i += 2
    return "".join(out)


def _signature_in_text(source: str) -> str:
    """A signature pattern (digits as '0', capitals as 'A', small letters as 'a') over the text itself."""
    out, in_class, in_braces, i = [], False, False, 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            out.append(source[i : i + 2])
            i += 2
            continue
        if in_braces:
            in_braces = ch != "}"
        elif ch == "{":
            in_braces = True
        elif ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch in "0Aa":
            span = {"0": "0-9", "A": "A-Z", "a": "a-z"}[ch]
            ch = span if in_class else f"[{span}]"
        out.append(ch)
        i += 1
    return "".join(out)


def full_pattern(source: str) -> str:
    return rf"\A(?:{rust_pattern(source)})\z"


CELL = {check: full_pattern(src) for check, src in _SHAPES.items()}
# An address cell ([^\n P]*+[P][^\n]*+, P a place suffix) is one with no line end that holds a
# place suffix: two literal searches, cheaper than the expression (engine.cell_matches).
ADDRESS_PLACES = tuple(_PLACE)
SIGNATURE = {check: full_pattern(_signature_in_text(src.decode("ascii"))) for check, src in _SIGNATURES.items()}


# Python's re.IGNORECASE finds ASCII 'i' and 'I' also as 'İ' (U+0130) and 'ı' (U+0131), the regex
# crate's (?i) does not (Unicode simple case folding); every other ASCII letter is found alike.
_DOTTED_I = r"[iI\x{130}\x{131}]"


def literal(text: str) -> str:
    """`text` as an engine regex that matches it alone: ASCII other than letters and digits as
    \\x{..} (never a metacharacter, in a class or out of one), every other character itself."""
    return "".join(c if c.isalnum() or not c.isascii() else f"\\x{{{ord(c):x}}}" for c in text)


def _caseless(ch: str) -> bool:
    """A character without case (kana, kanji...): itself in both engines' case-insensitive search."""
    return ch.lower() == ch == ch.upper() and ch.casefold() == ch


def words_pattern(words: Iterable[str]) -> str | None:
    """The engine's search for any of `words` as Python finds them (vocabulary._alternation: the words
    escaped, case-insensitive), or None when a word holds a character whose case-insensitive match
    is not known to be the same in both: a letter with case beyond ASCII (a register's copy of
    sensitive_terms.yaml may hold one: its scan takes the Python pass, classify.columnar)."""
    out = []
    for word in sorted(set(words), key=len, reverse=True):
        if not all(ch.isascii() or _caseless(ch) for ch in word):
            return None
        out.append("".join(_DOTTED_I if ch in "iI" else literal(ch) for ch in word))
    return "(?i)" + "|".join(out) if out else r"\z."  # no word: nothing is found (as Python's (?!x)x)
