"""Hours as exact hundredths: what the domain accepts and the few constants it needs."""

from decimal import Decimal

from hourbank_escrow.domain.errors import InvalidAmount
from hourbank_shared.money import MAX_AMOUNT, to_cents

ZERO = Decimal("0.00")
WELCOME_BONUS = Decimal("3.00")


def cents(value: Decimal) -> Decimal:
    """The value with exactly two places; refuses sub-cent values instead of rounding them away.

    Amounts reach the domain already rounded (`amount_of` rounds half-even at the edge); a third
    decimal here means someone skipped that step, and silently rounding would create or lose
    hundredths of an hour.
    """
    if not value.is_finite():
        raise InvalidAmount(f"{value} is not a finite number of hours")
    rounded = to_cents(value)
    if rounded != value:
        raise InvalidAmount(f"{value} is not a whole number of hundredths of an hour")
    if abs(rounded) > MAX_AMOUNT:
        raise InvalidAmount(f"{value} is outside the allowed range of ±{MAX_AMOUNT}")
    return rounded


def positive_cents(value: Decimal) -> Decimal:
    amount = cents(value)
    if amount <= 0:
        raise InvalidAmount(f"{value} must be more than zero hours")
    return amount


def non_negative_cents(value: Decimal) -> Decimal:
    amount = cents(value)
    if amount < 0:
        raise InvalidAmount(f"{value} must not be negative")
    return amount
