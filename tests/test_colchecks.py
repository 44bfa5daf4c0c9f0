"""Check digits as column arithmetic (issue 18 item 4): meti_pi.classify.engine gives exactly
checkdigits' answers, and a 個人番号 candidate observes the same sample as cell by cell."""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

import polars as pl
import pytest

from meti_pi.classify import checkdigits, engine
from meti_pi.classify.columns import Candidate

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import gen_datasets  # noqa: E402
import gen_varied  # noqa: E402

ODD = [
    "",
    "1",
    "62149832025",
    "6214983202577",
    "62149832025a",
    "６２１４９８３２０２５７",
    "6214-9832-0257",
    " 621498320257",
    "621498320257\n",
    "٦٢١٤٩٨٣٢٠٢٥٧",
    "２00000000000",
    "0000000000000",
    "9999999999999",
]


def _numbers(seed: int, n: int) -> list[str]:
    """Valid and invalid 個人番号 and 法人番号 (the check digit right, or any digit), and odd strings."""
    rng = random.Random(seed)
    out = list(ODD)
    for _ in range(n):
        body = "".join(rng.choice("0123456789") for _ in range(11))
        out += [body + str(checkdigits.my_number_check_digit(body)), body + rng.choice("0123456789")]
        body = "".join(rng.choice("0123456789") for _ in range(12))
        out += [str(checkdigits.corporate_number_check_digit(body)) + body, rng.choice("0123456789") + body]
        out.append("".join(rng.choice("0123456789０１- a") for _ in range(rng.randint(10, 14))))
    return out


@pytest.mark.parametrize("seed", range(3))
def test_check_digits_as_columns_are_the_python_functions(seed: int) -> None:
    values = _numbers(seed, 5000)
    got = pl.DataFrame({"v": values}, schema={"v": pl.String}).select(
        engine.my_number_valid(pl.col("v")).alias("m"), engine.corporate_number_valid(pl.col("v")).alias("k")
    )
    assert got["m"].to_list() == [checkdigits.my_number_valid(v) for v in values]
    assert got["k"].to_list() == [checkdigits.corporate_number_valid(v) for v in values]
    assert 0 < sum(got["m"]) < len(values) and 0 < sum(got["k"]) < len(values)  # both answers occur


def _corpus_cells(tmp_path: Path) -> list[str]:
    cells: list[str] = []
    corpus = gen_datasets.labelled_corpus(tmp_path, rows=600)
    varied = gen_varied.write_varied(tmp_path / "v.csv", 3000)
    for path in [p for p, _ in corpus if p.suffix == ".csv"] + [varied]:
        encoding = "cp932" if "sjis" in path.name else "utf-8"
        with path.open(newline="", encoding=encoding) as handle:
            cells += [cell for row in csv.reader(handle) for cell in row]
    return cells


def test_a_my_number_candidate_observes_as_cell_by_cell(tmp_path: Path) -> None:
    """Every cell of the corpus and of the independent generator's file, observed as a 個人番号
    column's sample both ways: the same sampled, passed and grouped counts."""
    cells = _corpus_cells(tmp_path) + _numbers(7, 500)
    one, columnar = (Candidate("my_number", "個人番号", "identification_code", "my_number", True) for _ in range(2))
    one.observe(cells)
    engine.observe_my_numbers(columnar, cells)
    assert (columnar.sampled, columnar.passed, columnar.grouped) == (one.sampled, one.passed, one.grouped)
    assert one.passed > 100 and one.grouped > 10 and one.sampled > one.passed
