"""Exact distinct counts of persons from hashes, in bounded memory."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from meti_pi.classify import principals
from meti_pi.classify.principals import (
    DistinctCounter,
    choose_keys,
    covering,
    empty_key_hash,
    fold_cells,
    key_hashes,
    normalise_cells,
)
from meti_pi.errors import UsageError


def test_in_memory_count_and_empty_key_excluded() -> None:
    counter = DistinctCounter(empty=empty_key_hash(1))
    counter.add(key_hashes([["a", "b", "a", "", ""]]))
    assert counter.count() == 2
    assert counter.spills == 0


@pytest.mark.parametrize("n", [999, 1000, 1001])
def test_boundaries(n: int) -> None:
    counter = DistinctCounter(empty=empty_key_hash(1))
    counter.add(map(hash, [f"P{i}" for i in range(n)] * 2))
    assert counter.count() == n


def test_spilled_count_is_exact_and_memory_bounded() -> None:
    rng = random.Random(7)
    values = [f"id{rng.randrange(50_000)}" for _ in range(120_000)] + [""] * 10
    expected = len(set(values) - {""})
    counter = DistinctCounter(empty=empty_key_hash(1), limit=4096)
    peak = 0
    for start in range(0, len(values), 1000):
        counter.add(map(hash, values[start : start + 1000]))
        peak = max(peak, len(counter._seen))
    assert counter.spills > 5
    assert peak < 4096 + 1000  # never more than one batch above the limit
    assert counter.count() == expected
    counter.close()


def test_repartition_when_one_partition_is_still_too_big(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(principals, "PARTS", 2)
    counter = DistinctCounter(limit=256)
    values = list(range(5000)) * 2
    random.Random(1).shuffle(values)
    for start in range(0, len(values), 100):
        counter.add(values[start : start + 100])
    assert counter.count() == 5000
    counter.close()


def test_spill_files_are_removed() -> None:
    counter = DistinctCounter(limit=10)
    counter.add(range(100))
    tmp = counter._tmp
    assert tmp is not None
    counter.count()
    counter.close()
    from pathlib import Path

    assert not Path(tmp.name).exists()


def test_hashes_of_several_columns_count_pairs() -> None:
    counter = DistinctCounter(empty=empty_key_hash(2))
    names, births = ["山田", "山田", "佐藤", ""], ["1970", "1980", "1970", ""]
    counter.add(key_hashes([names, births]))
    assert counter.count() == 3


def test_normalisers() -> None:
    plain = ["E0001", "E0002"]
    assert normalise_cells(plain) is plain  # nothing to fold: the batch as it is
    assert list(normalise_cells(["6214 9832 0257", "E-1"])) == ["621498320257", "E1"]
    assert list(normalise_cells(["６２１４９８３２０２５７", "6214 9832 0257"])) == ["621498320257", "621498320257"]
    # the same value gives the same key whatever else is in its batch
    for value in ("6214 9832-0257", "E0001", "a\tb"):
        assert list(normalise_cells([value])) == list(normalise_cells([value, "全角"]))[:1]
    assert list(fold_cells(["山田　太郎", "６２１４－９８３２", "ユーコ"])) == ["山田太郎", "62149832", "ユーコ"]


def _columns(*names: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(name=n, index=i) for i, n in enumerate(names)]


def test_choose_keys_prefers_person_ids_then_pairs() -> None:
    cols = _columns("a", "b", "c", "d")
    assert choose_keys(cols, (), {"person_id": 3, "my_number": 1}) == [3]
    assert choose_keys(cols, (), {"name": 0, "birth_date": 2, "email": 1}) == [0, 2]
    assert choose_keys(cols, (), {"name": 0, "phone": 2}) == [0, 2]
    assert choose_keys(cols, (), {"address": 0}) == []


def test_choose_keys_passes_over_a_key_that_leaves_persons_out() -> None:
    cols = _columns("a", "b", "c")
    kinds = {"my_number": 2, "name": 0, "birth_date": 1}
    rows = [["山田", "1990-01-01", "1"], ["佐藤", "1991-01-01", ""], ["", "", ""]]
    assert choose_keys(cols, (), kinds, covering(rows, kinds)) == [0, 1]
    assert choose_keys(cols, (), kinds, covering(rows[:1] + rows[2:], kinds)) == [2]  # a blank row is no person
    assert choose_keys(cols, (), {"my_number": 2, "address": 1}, covering(rows, kinds)) == [2]  # none covers: the best


def test_choose_keys_by_name() -> None:
    cols = _columns("氏名", "生年月日")
    assert choose_keys(cols, ("生年月日", "氏名"), {}) == [1, 0]
    assert choose_keys(cols, ("社員番号",), {}) == []  # this table has none of the keys
    with pytest.raises(UsageError, match="社員番号"):
        choose_keys(cols, ("氏名", "社員番号"), {})


def test_birth_dates_in_wareki_and_seireki_are_one_date() -> None:
    from meti_pi.classify.detect import parse_birth_date
    from meti_pi.classify.principals import date_cells

    norm = date_cells(parse_birth_date)
    assert set(norm(["平成2年10月19日", "1990-10-19", "1990/10/19", "H2.10.19", "１９９０年１０月１９日"])) == {
        "1990-10-19"
    }
    assert list(norm(["", "不明"])) == ["", "不明"]  # not a date: compared folded, empty stays empty


def test_a_name_alone_never_replaces_a_better_key_that_leaves_a_few_rows_out() -> None:
    """職員番号 for 700 staff beside 5 rows without one: 氏名 covers every row, but by name alone 700
    山田 太郎 were one person (2 本人 in all); the better key stays, a few persons short. A name with
    its birth date (not weak) still takes over."""
    cols = _columns("a", "b", "c")
    kinds = {"person_id": 0, "name": 1}
    rows = [["S1", "山田 太郎"], ["S2", "山田 太郎"], ["", "佐藤 花子"]]
    assert choose_keys(cols, (), kinds, covering(rows, kinds)) == [0]
    kinds = {"person_id": 0, "name": 1, "birth_date": 2}
    rows = [["S1", "山田 太郎", "1990-01-01"], ["", "佐藤 花子", "1991-01-01"]]
    assert choose_keys(cols, (), kinds, covering(rows, kinds)) == [1, 2]
