"""The detectors' vocabulary (meti_pi/data/identifiers.yaml, sensitive_terms.yaml) and the scan's thresholds."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from meti_pi import PACKAGE_DIR
from meti_pi.classify.text import header_key
from meti_pi.store.yamlload import load

DATA = PACKAGE_DIR / "data"

SAMPLE_ROWS = 500  # rows typed exactly at the start of each table (plus one row of each checked batch)
HEADER_MIN = 0.5  # with a header word, half the values must pass
VALUE_MIN = 0.8  # without one, most values must
STRONG_MIN = 0.95  # check-digit kinds without a header word
MIN_VALUES = 5  # a column typed from values alone needs this many sample values
STRONG_VALUES = 20  # ... and a check-digit kind this many
# Shape checks run on every row of the first FULL_CHECK_ROWS, then on one batch in CHECK_EVERY
# (a systematic sample: `checked` says how many cells). Distinct counting and the 要配慮 search
# of free-text columns run on every row. Measured: this halves the scan's cost above csv parsing.
FULL_CHECK_ROWS = 65_536
CHECK_EVERY = 4


@dataclass(frozen=True)
class KindSpec:
    """One kind of data the scan recognises (a row of identifiers.yaml)."""

    id: str
    label: str
    category: str  # identification_code | biometric | financial | personal | not_personal
    check: str  # name of the value detector, or 'pattern' / 'present'
    context: str  # header | value | header_or_value | header_or_grouping
    headers: tuple[str, ...]
    exact: tuple[str, ...] = ()
    veto: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    law: str = ""


@dataclass(frozen=True)
class SensitiveCategory:
    """One 要配慮個人情報 category (a row of sensitive_terms.yaml)."""

    id: str
    label: str
    headers: tuple[str, ...]
    values: re.Pattern[str]
    words: tuple[str, ...] = ()  # the words `values` finds (the columnar engine's own search: dialect.words_pattern)


@dataclass(frozen=True)
class Vocabulary:
    """Everything the detectors read from data files."""

    as_of: str
    kinds: tuple[KindSpec, ...]
    sensitive: tuple[SensitiveCategory, ...]
    sensitive_any: re.Pattern[str]
    free_text_headers: tuple[str, ...]
    surnames: frozenset[str]

    def kind(self, kind_id: str) -> KindSpec:
        for spec in self.kinds:
            if spec.id == kind_id:
                return spec
        raise KeyError(kind_id)

    @property
    def identification_code_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.kinds if s.category in ("identification_code", "biometric"))


@lru_cache(maxsize=2)
def packaged(name: str) -> Any:
    """The package's file `name` as read, once per process (vocabulary, and a register's copy checked
    against it: classify.vocabcopy). Shared: read it, never change it."""
    return load((DATA / name).read_text(encoding="utf-8"))


def _keys(words: Iterable[Any]) -> tuple[str, ...]:
    return tuple(header_key(str(w)) for w in words)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The package's vocabulary, read once from meti_pi/data (a register's copy: classify.vocabcopy)."""
    return build(packaged("identifiers.yaml"), packaged("sensitive_terms.yaml"))


def build(ids: Any, terms: Any) -> Vocabulary:
    """The vocabulary of identifiers.yaml and sensitive_terms.yaml as read (the package's, or a
    register's copy once checked: classify.vocabcopy)."""
    kinds = tuple(
        KindSpec(
            id=k["id"],
            label=k["label"],
            category=k["category"],
            check=k.get("check", "pattern"),
            context=k["context"],
            headers=_keys(k.get("headers", ())),
            exact=_keys(k.get("exact", ())),
            veto=_keys(k.get("not", ())),
            pattern=re.compile(k["pattern"]) if k.get("pattern") else None,
            law=str(k.get("law", "")),
        )
        for k in ids["kinds"]
    )
    sensitive = tuple(
        SensitiveCategory(
            cid,
            c["label"],
            _keys(c.get("headers", ())),
            _alternation(c.get("values", ())),
            tuple(str(w) for w in c.get("values", ())),
        )
        for cid, c in terms["categories"].items()
    )
    every_term = [t for c in terms["categories"].values() for t in c.get("values", ())]
    return Vocabulary(
        as_of=str(ids["as_of"]),
        kinds=kinds,
        sensitive=sensitive,
        sensitive_any=_alternation(every_term),
        free_text_headers=_keys(ids.get("free_text_headers", ())),
        surnames=frozenset(str(s) for s in ids.get("surnames", ())),
    )


def _alternation(words: Iterable[Any]) -> re.Pattern[str]:
    ordered = sorted({str(w) for w in words}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered)) if ordered else r"(?!x)x", re.IGNORECASE)
