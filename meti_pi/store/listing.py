"""A kind folder's kept listing (relpath -> blob id) read from the cache as its two texts (store/lazy)."""

from __future__ import annotations

from collections.abc import Collection, ItemsView, Iterator, KeysView, Mapping, ValuesView
from itertools import compress
from typing import Any


class Listing(Mapping[str, str]):
    """LAZY_LISTING (a speed trick the write bench needs at 100,000 records): a kept listing
    (relpath -> blob id) as its two kept texts, a line per file, made a dictionary only when
    iterated or asked often. A write asks a large kind's listing for a few files, or for none (the
    `files` listing, 27,000 lines at 100k, is read for its references text): building the
    dictionary cost it ~5 ms, 10-20 ms for the larger kinds. A path is found by a search of the
    text; its blob id is the same line of the ids (all of one length, else the dictionary is built)."""

    # Lookups by search before the dictionary is built: at 100k one search of the `files` listing
    # (27,000 lines) costs ~0.6 ms, the dictionary ~9 ms; a write asks a large listing for a path or two.
    ASKS = 4

    def __init__(self, rels: str, shas: str) -> None:
        self._rels = rels
        self._shas = shas
        self._dict: dict[str, str] | None = None
        self._padded: str | None = None
        self._names: list[str] | None = None
        self._asks = 0
        self._n = rels.count("\n") + 1 if rels else 0
        width = shas.find("\n") if self._n > 1 else len(shas)
        self._width = width if self._n and len(shas) == self._n * (width + 1) - 1 else -1

    def _whole(self) -> dict[str, str]:
        if self._dict is None:
            names, ids = (self._lines(), self._shas.split("\n")) if self._rels else ([], [])
            self._dict = dict(zip(names, ids))
        return self._dict

    def get(self, rel: str, default: Any = None) -> Any:
        if self._dict is not None or self._width < 0 or not isinstance(rel, str) or "\n" in rel:
            return self._whole().get(rel, default) if isinstance(rel, str) else default
        self._asks += 1
        if self._asks > self.ASKS:
            return self._whole().get(rel, default)
        if self._padded is None:
            self._padded = "\n" + self._rels + "\n"
        at = self._padded.find("\n" + rel + "\n")
        if at < 0:
            return default
        if self._padded.find("\n" + rel + "\n", at + 1) >= 0:  # a name twice (never written so): as a dict has it
            return self._whole().get(rel, default)
        line = self._padded.count("\n", 0, at)
        start = line * (self._width + 1)
        return self._shas[start : start + self._width]

    def folded(self, names: Collection[str]) -> list[str]:
        """The paths whose `lower()` is one of `names` (lower-case), in the listing's order.
        FOLDED_SEARCH (the write path's `check_ids` at 100,000 records): the text's lines lowered and
        matched in one pass of C loops (`map`, `compress`), without building the dictionary, instead of
        a Python loop lowering every key of each kind a division's referrers belong to (35,000 keys)."""
        if not self._rels:
            return []
        wanted = set(names)
        return list(compress(self._lines(), map(wanted.__contains__, map(str.lower, self._lines()))))

    def _lines(self) -> list[str]:
        if self._names is None:
            self._names = self._rels.split("\n")
        return self._names

    def __getitem__(self, rel: str) -> str:
        found = self.get(rel)
        if found is None:
            raise KeyError(rel)
        return str(found)

    def __contains__(self, rel: object) -> bool:
        return isinstance(rel, str) and self.get(rel) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole())

    # the dictionary's own views once it is built (Mapping's would look every key up again)
    def keys(self) -> KeysView[str]:
        return self._whole().keys()

    def values(self) -> ValuesView[str]:
        return self._whole().values()

    def items(self) -> ItemsView[str, str]:
        return self._whole().items()

    def __len__(self) -> int:
        return self._n if self._dict is None else len(self._dict)
