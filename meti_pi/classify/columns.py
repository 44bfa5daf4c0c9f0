"""Column typing: the candidates a column's header and sample suggest, and the decision for each column."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from meti_pi.classify.checkdigits import my_numbers_beyond_chance
from meti_pi.classify.headers import header_kind, header_sensitive, is_free_text_header
from meti_pi.classify.text import fold
from meti_pi.classify.values import (
    VALUE_CHECKS,
    VALUE_ONLY,
    card_grouped,
    matches_pattern,
    my_number_grouped,
    sensitive_categories_in,
    starts_with_surname,
)
from meti_pi.classify.vocabulary import (
    HEADER_MIN,
    MIN_VALUES,
    STRONG_MIN,
    STRONG_VALUES,
    VALUE_MIN,
    KindSpec,
    SensitiveCategory,
    Vocabulary,
)


@dataclass
class Candidate:
    """A kind a column may hold: sample evidence, then full-pass coverage."""

    kind: str
    label: str
    category: str
    check: str  # VALUE_CHECKS key, 'pattern', 'present' or 'sensitive'
    header_hit: bool
    context: str = "header"
    spec: KindSpec | None = None
    sensitive: SensitiveCategory | None = None
    sampled: int = 0  # non-empty sample values checked exactly
    passed: int = 0  # ... that passed the exact detector
    grouped: int = 0  # ... written with separators (4-4-4 etc.) or in value-only form
    matched: int = 0  # checked cells of the shape (or with a 要配慮 word)
    vocab: Vocabulary | None = field(default=None, repr=False, compare=False)  # its surnames (None: the package's)

    def exact(self, value: str) -> bool:
        if self.sensitive is not None:
            return self.sensitive.values.search(value) is not None
        if self.check == "pattern" and self.spec is not None:
            return matches_pattern(self.spec, value)
        return VALUE_CHECKS[self.check](value)

    def value_only_form(self, value: str) -> bool:
        if self.check == "my_number":
            return my_number_grouped(value)
        if self.check == "card_number":
            return card_grouped(value)
        if self.check == "person_name":
            return starts_with_surname(value, self.vocab)
        if self.check == "pattern":  # only `context: value` formats get here: distinctive as they are
            return True
        test = VALUE_ONLY.get(self.check)
        return test(value) if test is not None else False

    def observe(self, values: Iterable[str]) -> None:
        """Exact checks on sample values (non-empty ones)."""
        for value in values:
            if not value or not value.strip():
                continue
            self.sampled += 1
            if self.exact(value):
                self.passed += 1
                if self.value_only_form(value):
                    self.grouped += 1


@dataclass
class Column:
    """The scan state of one column."""

    index: int
    name: str
    header: bool  # the name came from a header row
    candidates: list[Candidate] = field(default_factory=list)
    checked: int = 0  # non-empty cells that got the shape checks
    searched: bool = False  # searched in every row for 要配慮 words
    key_normaliser: Callable[[Sequence[str]], Iterable[str]] | None = None


def type_column(index: int, name: str, header: bool, sample: Sequence[str], vocab: Vocabulary) -> Column:
    """Candidate kinds of a column from its header and sample values."""
    column = Column(index, name, header)
    values = [v for v in sample if v and v.strip()]
    named = header_kind(name, vocab) if header else None
    if named is not None:
        column.candidates.append(_candidate(named, True, vocab))
    for spec in _value_kinds(vocab):
        if named is not None and spec.id == named.id:
            continue
        trial = _candidate(spec, False, vocab)
        trial.observe(values[:100])
        if trial.passed and trial.passed >= 0.3 * trial.sampled:
            column.candidates.append(_candidate(spec, False, vocab))
    # a header naming the category (病歴), or a 要配慮 word in a column name (糖尿病の有無: 有/無 below)
    categories = (*header_sensitive(name, vocab), *sensitive_categories_in(fold(name), vocab)) if header else ()
    for category in vocab.sensitive:
        if category.id in categories:
            column.candidates.append(_sensitive(category, header_hit=True))
    # Search for 要配慮 words unless a header word names a structured kind: value-only
    # candidates (a phrase can look like a kanji name) must not hide a free-text column.
    named_structured = named is not None
    free_text = header and is_free_text_header(name, vocab)
    column.searched = free_text or (not named_structured and any(not v.isascii() for v in values))
    if column.searched:
        for category in vocab.sensitive:
            if category.id not in categories:
                column.candidates.append(_sensitive(category, header_hit=False))
    for candidate in column.candidates:
        candidate.observe(values)
    return column


def _value_kinds(vocab: Vocabulary) -> list[KindSpec]:
    return [s for s in vocab.kinds if s.context != "header"]


def _candidate(spec: KindSpec, header_hit: bool, vocab: Vocabulary) -> Candidate:
    return Candidate(spec.id, spec.label, spec.category, spec.check, header_hit, spec.context, spec=spec, vocab=vocab)


def _sensitive(category: SensitiveCategory, header_hit: bool) -> Candidate:
    return Candidate(
        f"sensitive:{category.id}",
        f"要配慮個人情報（{category.label}）",
        "sensitive",
        "sensitive",
        header_hit,
        sensitive=category,
    )


@dataclass(frozen=True)
class Detection:
    """A kind found in a column, with counts only (never a value)."""

    column: str
    kind: str
    label: str
    category: str
    matched: int  # checked cells of the kind's shape (or holding a 要配慮 word)
    checked: int  # non-empty cells checked (every row of free-text columns and of the first
    # FULL_CHECK_ROWS; then one batch in CHECK_EVERY)
    sample_passed: int  # sample values passing the exact detector (check digits, real dates...)
    sample_checked: int
    confirmed: bool = True  # False: evidence without context, reported but not acted on

    def as_json(self) -> dict[str, Any]:
        return {"column": self.column, "kind": self.kind, "matched": self.matched, "checked": self.checked}


def decide_candidate(c: Candidate, nonempty: int, matched: int) -> tuple[bool, bool]:
    """(report, confirmed) for one candidate, from its sample evidence and `matched` of `nonempty`."""
    if nonempty == 0:
        return False, False
    if c.check == "sensitive":
        return (c.header_hit or matched > 0), True
    if c.check == "present":
        return c.header_hit, True
    rate = c.passed / c.sampled if c.sampled else 0.0
    coverage = matched / nonempty
    if c.header_hit and rate >= HEADER_MIN and coverage >= HEADER_MIN:
        return True, True
    if c.context == "header" or c.sampled < MIN_VALUES:
        return False, False
    if c.context == "header_or_grouping":
        # A check digit on one value never decides: 4-4-4 grouping is the context a header would
        # give, and so is a column passing 個人番号 check digits far beyond chance (1 in 10).
        if c.check == "my_number" and coverage >= HEADER_MIN and my_numbers_beyond_chance(c.passed, c.sampled):
            return True, True
        if rate >= STRONG_MIN and c.sampled >= STRONG_VALUES and coverage >= VALUE_MIN:
            return True, c.grouped >= VALUE_MIN * c.sampled
        return False, False
    if c.check == "corporate_number":
        return (rate >= STRONG_MIN and c.sampled >= STRONG_VALUES and coverage >= VALUE_MIN), True
    form = c.grouped / c.sampled
    return (rate >= VALUE_MIN and form >= VALUE_MIN and coverage >= VALUE_MIN), True


def column_detections(column: Column, qualified: str) -> list[Detection]:
    """The detections of a column, one structured kind at most plus 要配慮 categories."""
    out: list[Detection] = []
    structured_done = False
    for c in sorted(column.candidates, key=_preference):
        report, confirmed = decide_candidate(c, column.checked, c.matched)
        if not report:
            continue
        if c.check != "sensitive":
            if structured_done:
                continue
            structured_done = True
        kind = c.kind if confirmed else f"{c.kind}_candidate"
        out.append(
            Detection(qualified, kind, c.label, c.category, c.matched, column.checked, c.passed, c.sampled, confirmed)
        )
    return out


# The kinds whose presence alone makes a file 管理A by default (identification codes, biometrics, a
# card number; an account number alone does not: policy financial_damage): a column its header
# names so whose values do not bear it out is said, not dropped.
CLASS_A_CATEGORIES = frozenset({"identification_code", "biometric"})
CLASS_A_KINDS = frozenset({"card_number"})


def header_unconfirmed(column: Column) -> list[Candidate]:
    """The candidates a header word named (a 管理A kind) that the values did not confirm: a 個人番号
    column Excel turned into numbers (the leading 0 lost, 7.48526E+11) went unreported, 管理C."""
    return [
        c
        for c in column.candidates
        if c.header_hit
        and (c.category in CLASS_A_CATEGORIES or c.kind in CLASS_A_KINDS)
        and column.checked
        and not decide_candidate(c, column.checked, c.matched)[0]
    ]


def _preference(c: Candidate) -> tuple[int, float]:
    # Header-named kinds first, then the best sample evidence.
    rate = c.passed / c.sampled if c.sampled else 0.0
    return (0 if c.header_hit else 1, -rate)
