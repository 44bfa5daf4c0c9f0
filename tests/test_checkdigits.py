from meti_pi.classify.checkdigits import (
    corporate_number_valid,
    digits_only,
    luhn_valid,
    my_number_check_digit,
    my_number_valid,
)


def test_my_number_published_vectors():
    # legal brief §4.4: python-stdnum doctest and Qiita examples
    assert my_number_valid("621498320257")
    assert my_number_valid("983205673214")
    assert not my_number_valid("621498320258")
    assert not my_number_valid("983205673210")


def test_my_number_remainder_at_most_one_gives_zero():
    assert my_number_check_digit("20000000000") == 0  # sum 12, mod 11 = 1
    assert my_number_valid("200000000000")


def test_my_number_rejects_wrong_length_and_fullwidth_without_folding():
    assert not my_number_valid("62149832025")
    assert not my_number_valid("６２１４９８３２０２５７")
    assert my_number_valid(digits_only("６２１４ ９８３２ ０２５７"))
    assert my_number_valid(digits_only("6214-9832-0257"))


def test_corporate_number_vectors():
    assert corporate_number_valid("5835678256246")
    assert corporate_number_valid("7123456789012")
    assert corporate_number_valid("4011001098993")
    assert not corporate_number_valid("2835678256246")


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("41111")
