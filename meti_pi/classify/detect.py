"""Detectors of personal data in a dataset, Japanese first, and the column scan built on them.

Three layers:
1. Vocabulary (meti_pi/data/identifiers.yaml, sensitive_terms.yaml): header words, formats.
2. Detectors: one small named function per kind of value (`is_my_number`, `parse_birth_date`...),
   each exact on a single value. They run on a sample of rows (the first 500 and one row of
   every later batch that is checked).
3. The scan: columns are typed on the sample; then the cells of candidate columns get one cheap
   C-speed shape check (a regex over the batch joined by newlines, or over its ASCII signature)
   in the first FULL_CHECK_ROWS rows and in one batch of CHECK_EVERY after that; free-text columns
   are searched for 要配慮 words in every row, and the identifying columns of every row are
   hashed for an exact distinct count (meti_pi.classify.principals). No cell value is kept or reported.

Header words are context (as DLP tools use keyword proximity): a passing check digit alone never
makes a 個人番号 column; 4-4-4 grouping or a header word is needed (legal brief §4.4).

The code lives in vocabulary, headers, values, shapes, columns, header_row and scan; this module names the
interface callers use.
"""

from __future__ import annotations

from meti_pi.classify.columnar import scan
from meti_pi.classify.columns import Candidate, Column, Detection, column_detections, decide_candidate, type_column
from meti_pi.classify.header_row import (
    cell_type,
    header_cell,
    header_cells,
    is_header_row,
    is_header_word,
    looks_like_value,
    safe_column_name,
)
from meti_pi.classify.headers import header_kind, header_sensitive, is_free_text_header
from meti_pi.classify.scan import (
    ProgressFn,
    ScanResult,
    TableScan,
    corporate_context,
    identifying_kinds,
    personal_kinds,
    provisional_kind,
)
from meti_pi.classify.shapes import Shape, shape
from meti_pi.classify.text import digits_form, fold, header_key
from meti_pi.classify.values import (
    VALUE_CHECKS,
    VALUE_ONLY,
    card_grouped,
    is_address,
    is_birth_date,
    is_card_number,
    is_corporate_number,
    is_email,
    is_kana_reading,
    is_my_number,
    is_person_name,
    is_phone,
    is_postal_code,
    is_present,
    kana_two_part,
    matches_pattern,
    my_number_grouped,
    parse_birth_date,
    phone_separated,
    postal_hyphenated,
    sensitive_categories_in,
    starts_with_surname,
)
from meti_pi.classify.vocabulary import (
    CHECK_EVERY,
    DATA,
    FULL_CHECK_ROWS,
    HEADER_MIN,
    MIN_VALUES,
    SAMPLE_ROWS,
    STRONG_MIN,
    STRONG_VALUES,
    VALUE_MIN,
    KindSpec,
    SensitiveCategory,
    Vocabulary,
    vocabulary,
)

# The interface, defined in text, vocabulary, headers, values, shapes, columns and scan (issue 17).
__all__ = [
    'CHECK_EVERY',
    'DATA',
    'FULL_CHECK_ROWS',
    'HEADER_MIN',
    'MIN_VALUES',
    'SAMPLE_ROWS',
    'STRONG_MIN',
    'STRONG_VALUES',
    'VALUE_CHECKS',
    'VALUE_MIN',
    'VALUE_ONLY',
    'Candidate',
    'Column',
    'Detection',
    'KindSpec',
    'ProgressFn',
    'ScanResult',
    'SensitiveCategory',
    'Shape',
    'TableScan',
    'Vocabulary',
    'card_grouped',
    'cell_type',
    'column_detections',
    'corporate_context',
    'decide_candidate',
    'digits_form',
    'fold',
    'header_cell',
    'header_cells',
    'header_key',
    'header_kind',
    'header_sensitive',
    'identifying_kinds',
    'is_address',
    'is_birth_date',
    'is_card_number',
    'is_corporate_number',
    'is_email',
    'is_free_text_header',
    'is_header_row',
    'is_header_word',
    'is_kana_reading',
    'is_my_number',
    'is_person_name',
    'is_phone',
    'is_postal_code',
    'is_present',
    'kana_two_part',
    'looks_like_value',
    'matches_pattern',
    'my_number_grouped',
    'parse_birth_date',
    'personal_kinds',
    'phone_separated',
    'postal_hyphenated',
    'provisional_kind',
    'safe_column_name',
    'scan',
    'sensitive_categories_in',
    'shape',
    'starts_with_surname',
    'type_column',
    'vocabulary',
]
