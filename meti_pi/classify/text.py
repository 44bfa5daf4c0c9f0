"""Normalising text for the detectors: folded forms, digits, header keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ーｰ－﹣", "-"))
_SPACES = re.compile(r"\s+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_HEADER_DROP = re.compile(r"[^\w〒]+")


# fold and digits_form are memoised: the detectors of one sample cell each fold it again (the head's
# typing: ~16,000 calls for 500 rows x 8 columns, a quarter of them distinct; 19.3 -> 15.6 ms on
# the bench's 100,000-row sheet). Only sample and probe cells come here, never every cell of a pass;
# forget() empties them when a scan ends (no cell text stays in the process after it).
@lru_cache(maxsize=1 << 13)
def fold(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII, half-width kana to full-width), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


@lru_cache(maxsize=1 << 13)
def digits_form(text: str) -> str:
    """`fold` plus every dash as '-' and runs of spaces as one: for number-like kinds."""
    return _SPACES.sub(" ", fold(text).translate(_DASHES))


def forget() -> None:
    """Empty the memoised forms (the end of a scan)."""
    fold.cache_clear()
    digits_form.cache_clear()


def header_key(name: str) -> str:
    """A header (or header word) for matching: NFKC, lower case, no spaces or punctuation."""
    return _HEADER_DROP.sub("", unicodedata.normalize("NFKC", name).lower()).replace("_", "")


def _ascii_grams(name: str) -> set[str]:
    """Latin words of a header and their runs ('customer_id' -> customer, id, customerid)."""
    tokens = re.findall(r"[a-z0-9]+", _CAMEL.sub(" ", unicodedata.normalize("NFKC", name)).lower())
    return {"".join(tokens[i:j]) for i in range(len(tokens)) for j in range(i + 1, min(i + 4, len(tokens)) + 1)}


def _keyword_hit(word: str, key: str, grams: set[str]) -> bool:
    # Latin keywords match whole words ('tel' is not in 'hotel'); Japanese ones are substrings.
    return word in grams if word.isascii() else word in key


# A scan's advice on a count that is only a lower bound (its note). The line is the law's and the
# rule's 千人; a scan knows no policy: a policy.yaml with another line has it said in its place where
# the count is decided (classify.outcome.principals_text).
VERIFY_BELOW = "千人未満とするなら本人の数を確かめること"
