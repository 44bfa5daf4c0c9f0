from datetime import date

import pytest

from meti_pi.store.ids import allocate, valid_id


@pytest.mark.parametrize("good", ["F-2026-7KQ3XD", "kanbo-jinji", "row-1", "R1", "a", "A.b_c-d", "x" * 64])
def test_valid_ids(good):
    assert valid_id(good)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "..",
        "a/../b",
        "../x",
        "a/b",
        ".hidden",
        "-x",
        "x" * 65,
        "ｆｕｌｌ",
        "a\u202eb",
        "a\u200bb",
        "a b",
        "F..1",
        "é",
    ],
)
def test_invalid_ids(bad):
    assert not valid_id(bad)


def test_allocate_has_year_and_skips_existing():
    existing = {"F-2026-000000"}
    rid = allocate("F", existing, date(2026, 11, 26))
    assert rid.startswith("F-2026-") and len(rid) == len("F-2026-XXXXXX")
    assert valid_id(rid)
    assert rid not in existing
    assert not set(rid[7:]) & set("ILOU")


def test_allocate_retries_on_collision(monkeypatch):
    draws = iter([0, 0, 1])
    monkeypatch.setattr("meti_pi.store.ids._randbits", lambda k: next(draws))
    assert allocate("F", {"F-2026-000000"}, date(2026, 1, 1)) == "F-2026-000001"


@pytest.mark.parametrize("k", [1, 5, 8, 30, 64])
def test_random_bits_stay_within_k_bits_and_use_all_of_them(k):
    from meti_pi.store.ids import _randbits

    draws = [_randbits(k) for _ in range(400)]
    assert all(0 <= n < 2**k for n in draws)
    assert max(draws).bit_length() == k  # the top bit is drawn too (fails with chance 2**-400)
