"""What a column's header says about the column: its kind, sensitive terms, free text."""

from __future__ import annotations

from meti_pi.classify.text import _ascii_grams, _keyword_hit, header_key
from meti_pi.classify.vocabulary import KindSpec, Vocabulary, vocabulary


def header_kind(name: str, vocab: Vocabulary | None = None) -> KindSpec | None:
    """The kind a column header names (the longest keyword wins; `not` words veto a kind)."""
    vocab = vocab or vocabulary()
    key, grams = header_key(name), _ascii_grams(name)
    best: KindSpec | None = None
    best_len = 0
    for spec in vocab.kinds:
        if any(_keyword_hit(v, key, grams) for v in spec.veto):
            continue
        length = max((len(w) for w in spec.headers if _keyword_hit(w, key, grams)), default=0)
        if key in spec.exact:
            length = max(length, len(key))
        if length > best_len:
            best, best_len = spec, length
    return best


def header_sensitive(name: str, vocab: Vocabulary | None = None) -> tuple[str, ...]:
    """要配慮 categories a column header names."""
    vocab = vocab or vocabulary()
    key, grams = header_key(name), _ascii_grams(name)
    return tuple(c.id for c in vocab.sensitive if any(_keyword_hit(w, key, grams) for w in c.headers))


def is_free_text_header(name: str, vocab: Vocabulary | None = None) -> bool:
    """備考, メモ, 特記事項...: columns searched in full for 要配慮 words."""
    vocab = vocab or vocabulary()
    key, grams = header_key(name), _ascii_grams(name)
    return any(_keyword_hit(w, key, grams) for w in vocab.free_text_headers)
