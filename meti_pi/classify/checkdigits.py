"""Check digits of Japanese identifiers (legal brief §4.4, §4.5) and Luhn for card numbers."""

from __future__ import annotations

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def digits_only(text: str) -> str:
    """Digits of `text` with full-width digits folded; separators (space, hyphen) dropped."""
    return "".join(ch for ch in text.translate(_FULLWIDTH) if ch.isascii() and ch.isdigit())


def my_number_check_digit(body11: str) -> int:
    """個人番号 check digit for an 11-digit body (総務省令第85号 Art. 5; weights 6 5 4 3 2 7 6 5 4 3 2)."""
    total = sum(int(d) * w for d, w in zip(body11, (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def my_number_valid(number: str) -> bool:
    """True for 12 ASCII digits whose last digit is the 個人番号 check digit."""
    return (
        len(number) == 12
        and number.isascii()
        and number.isdigit()
        and my_number_check_digit(number[:11]) == int(number[11])
    )


# A random 12-digit string passes the 個人番号 check about 1 time in 10 (legal brief §4.4: every digit
# can be a check digit, and a uniformly random last digit matches whichever it must be 1 time in 10).
MY_NUMBER_CHANCE = 0.1
# A column whose sample passes so far beyond chance that random numbers would do so less than once
# in a billion columns holds 個人番号, whatever its header (the evidence a header word would give).
MY_NUMBER_ALPHA = 1e-9


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in log space (exact enough for n in the thousands)."""
    import math

    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
        for i in range(k, n + 1)
    ]
    top = max(terms)
    return math.exp(top) * sum(math.exp(t - top) for t in terms)


def my_numbers_beyond_chance(passed: int, checked: int) -> bool:
    """True when `passed` of `checked` 12-digit values passing the check digit cannot be chance."""
    return checked > 0 and binomial_tail(passed, checked, MY_NUMBER_CHANCE) < MY_NUMBER_ALPHA


def corporate_number_check_digit(body12: str) -> int:
    """法人番号 check digit (財務省令第70号 Art. 2): 9 - (Σ Pn·Qn mod 9), Qn = 1 for odd n, 2 for even n from the right."""
    total = sum(int(d) * (2 if n % 2 == 0 else 1) for n, d in enumerate(reversed(body12), start=1))
    return 9 - total % 9


def corporate_number_valid(number: str) -> bool:
    """True for 13 ASCII digits whose first digit is the 法人番号 check digit."""
    return (
        len(number) == 13
        and number.isascii()
        and number.isdigit()
        and corporate_number_check_digit(number[1:]) == int(number[0])
    )


def luhn_valid(number: str) -> bool:
    """Luhn check (payment card numbers, 12-19 digits)."""
    if not (12 <= len(number) <= 19 and number.isascii() and number.isdigit()):
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
