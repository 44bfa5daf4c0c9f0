"""Check digits as column arithmetic (issue 18 item 4): meti_pi.classify.checkdigits on whole columns.

The expressions take a column of digit strings (what the detectors give checkdigits: 12 digits for
a 個人番号, 13 for a 法人番号) and give True exactly where the Python function does, for any
string: each digit is the cell's byte at its position minus '0', weighted and summed by the engine
(no Python loop over cells). tests/test_colchecks.py holds them equal to checkdigits over random
valid and invalid numbers, odd strings and the labelled corpus.

Imported only with the engine (polars), when a dataset is scanned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from meti_pi.classify.values import my_number_form

MY_NUMBER_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)  # 総務省令第85号 Art. 5, for the 11-digit body


def _digit(text: pl.Expr, k: int) -> pl.Expr:
    """The k-th character of `text` as a number (only used where `text` is all ASCII digits)."""
    return text.str.slice(k, 1).cast(pl.Int64, strict=False)


def my_number_valid(text: pl.Expr) -> pl.Expr:
    """checkdigits.my_number_valid: 12 ASCII digits whose last digit is the 個人番号 check digit."""
    total = pl.sum_horizontal(_digit(text, k) * w for k, w in enumerate(MY_NUMBER_WEIGHTS))
    remainder = total % 11
    check = pl.when(remainder <= 1).then(0).otherwise(11 - remainder)
    return (text.str.contains(r"\A[0-9]{12}\z") & (check == _digit(text, 11))).fill_null(False)


def corporate_number_valid(text: pl.Expr) -> pl.Expr:
    """checkdigits.corporate_number_valid: 13 ASCII digits whose first is 9 - (Σ Pn·Qn mod 9)."""
    # Pn is the n-th digit of the 12-digit body from the right (position 13 - n), Qn 1 for odd n, 2 for even n
    total = pl.sum_horizontal(_digit(text, 13 - n) * (2 if n % 2 == 0 else 1) for n in range(1, 13))
    return (text.str.contains(r"\A[0-9]{13}\z") & (9 - total % 9 == _digit(text, 0))).fill_null(False)


def my_numbers_passing(digits: list[str]) -> list[bool]:
    """my_number_valid over `digits`, as one column."""
    return pl.select(my_number_valid(pl.lit(pl.Series(digits, dtype=pl.String)))).to_series().to_list()


def observe_my_numbers(candidate: Any, cells: Iterable[str]) -> None:
    """Candidate.observe for a 個人番号 candidate, the check digits computed as one column: the
    same sampled / passed / grouped counts as is_my_number and my_number_grouped cell by cell."""
    values = [v for v in cells if v and v.strip()]
    forms = [my_number_form(v) for v in values]
    passing = my_numbers_passing([f[0] if f is not None else "" for f in forms])
    candidate.sampled += len(values)
    candidate.passed += sum(passing)
    candidate.grouped += sum(1 for f, ok in zip(forms, passing, strict=True) if ok and f is not None and f[1])
