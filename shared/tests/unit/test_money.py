from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from hourbank_shared.money import Amount, HoursInput, amount_of, to_cents

hours = TypeAdapter(HoursInput)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("1.5", "1.50"),
        (1.5, "1.50"),
        (2, "2.00"),
        ("0.01", "0.01"),
        (0.1, "0.10"),
        ("1000", "1000.00"),
    ],
)
def test_hours_accept_strings_and_numbers_and_emit_two_place_strings(
    given: object, expected: str
) -> None:
    assert hours.dump_json(hours.validate_python(given)) == f'"{expected}"'.encode()


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("1.555", "more than two decimal places"),
        (0.001, "more than two decimal places"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
        (0, "outside the allowed range"),
        (-1, "outside the allowed range"),
        ("1000.01", "outside the allowed range"),
        (1e30, "far outside"),
        ("abc", "not a decimal number"),
        (True, "not a boolean"),
        (None, "decimal number"),
    ],
)
def test_hours_reject_bad_input_with_a_reason(given: object, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        hours.validate_python(given)


def test_amount_is_hours_times_rate_rounded_half_even() -> None:
    assert amount_of(Decimal("1.25"), Decimal("1.50")) == Decimal("1.88")  # 1.875 → 1.88
    assert amount_of(Decimal("1.05"), Decimal("1.50")) == Decimal("1.58")  # 1.575 → 1.58
    assert amount_of(Decimal("0.33"), Decimal("0.50")) == Decimal("0.16")  # 0.165 → 0.16
    assert to_cents(Decimal("2.345")) == Decimal("2.34")


def test_signed_amounts_keep_their_sign() -> None:
    amount = TypeAdapter(Amount)
    assert amount.dump_json(amount.validate_python("-3")) == b'"-3.00"'
