"""The folded forms of sample cells are memoised during a scan (text.fold / digits_form) and
forgotten when it ends: no cell text stays in the process after a scan, whichever engine ran."""

from __future__ import annotations

from pathlib import Path

import pytest

from meti_pi.classify import scan as python_scan
from meti_pi.classify import text
from meti_pi.classify.detect import scan


def _sheet(path: Path) -> Path:
    rows = ["氏名,電話番号,個人番号"] + [f"山田 太郎{i},03-1234-{i:04d},ＡＢ{i}" for i in range(50)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_memoised_forms_are_the_plain_ones() -> None:
    text.forget()
    for value in ("０３ー１２３４ー５６７８", "  ａｂｃ  ", "ｶﾀｶﾅ", "03  1234\t5678", ""):
        assert text.fold(value) == text.fold.__wrapped__(value)
        assert text.digits_form(value) == text.digits_form.__wrapped__(value)
        assert text.digits_form(value) == text.digits_form.__wrapped__(value)  # a hit, the same
    assert text.fold.cache_info().hits >= 1 and text.digits_form.cache_info().hits >= 5
    text.forget()
    assert text.fold.cache_info().currsize == 0 == text.digits_form.cache_info().currsize


@pytest.mark.parametrize("engine", ["python", "default"])
def test_a_scan_leaves_no_cell_text_memoised(tmp_path: Path, engine: str) -> None:
    path = _sheet(tmp_path / "people.csv")
    result = python_scan.scan(path) if engine == "python" else scan(path)
    assert result.tables and result.tables[0].rows == 50
    assert text.fold.cache_info().currsize == 0 == text.digits_form.cache_info().currsize
