"""Hours as exact two-place decimals: parsed strictly, emitted as strings."""

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

CENT = Decimal("0.01")
MAX_HOURS = Decimal("1000")
MAX_RATE = Decimal("100")
MAX_AMOUNT = Decimal("1000000")
_TOO_LARGE = Decimal("1e15")
AMOUNT_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"


def parse_decimal(value: Any) -> Decimal:
    """Accept a string, int or float literal and return an exact Decimal with at most 2 places."""
    if isinstance(value, bool):
        raise ValueError("must be a decimal number, not a boolean")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    elif isinstance(value, float):
        # repr() gives the shortest literal that round-trips, so 1.5 stays 1.5, not 1.5000000001
        number = Decimal(repr(value))
    else:
        raise ValueError("must be a decimal number given as a string or a number")
    if not number.is_finite():
        raise ValueError("must be a finite number (NaN and Infinity are not hours)")
    if abs(number) >= _TOO_LARGE:
        raise ValueError(f"{value} is far outside any allowed range")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and number != number.quantize(CENT):
        raise ValueError(f"{value} has more than two decimal places")
    return number.quantize(CENT)


def to_cents(value: Decimal) -> Decimal:
    """Round half-even to 0.01."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def amount_of(hours: Decimal, rate: Decimal) -> Decimal:
    """amount = hours × rate, rounded to 0.01 half-even."""
    return to_cents(hours * rate)


def format_amount(value: Decimal) -> str:
    return f"{to_cents(value):.2f}"


def _in_range(low: Decimal, high: Decimal, *, low_open: bool) -> AfterValidator:
    def check(value: Decimal) -> Decimal:
        too_low = value <= low if low_open else value < low
        if too_low or value > high:
            bracket = "(" if low_open else "["
            raise ValueError(f"{value} is outside the allowed range {bracket}{low}, {high}]")
        return value

    return AfterValidator(check)


_serialize = PlainSerializer(format_amount, return_type=str, when_used="always")
_schema = WithJsonSchema({"type": "string", "pattern": AMOUNT_PATTERN, "examples": ["1.50"]})
_input_schema = WithJsonSchema(
    {
        "anyOf": [{"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,2})?$"}, {"type": "number"}],
        "examples": ["1.50"],
    }
)

Amount = Annotated[Decimal, BeforeValidator(parse_decimal), _serialize, _schema]
"""Any signed number of hours (balances, deltas)."""

NonNegativeAmount = Annotated[Amount, _in_range(Decimal(0), MAX_AMOUNT, low_open=False)]
PositiveAmount = Annotated[Amount, _in_range(Decimal(0), MAX_AMOUNT, low_open=True)]
Hours = Annotated[Amount, _in_range(Decimal(0), MAX_HOURS, low_open=True)]
"""Hours of one request: (0, 1000]."""
Rate = Annotated[Amount, _in_range(Decimal(0), MAX_RATE, low_open=True)]
"""An offering's hourly rate: (0, 100]."""

HoursInput = Annotated[
    Decimal,
    BeforeValidator(parse_decimal),
    _in_range(Decimal(0), MAX_HOURS, low_open=True),
    _serialize,
    _input_schema,
]
"""Hours as a client may send them: a string or a number."""
RateInput = Annotated[
    Decimal,
    BeforeValidator(parse_decimal),
    _in_range(Decimal(0), MAX_RATE, low_open=True),
    _serialize,
    _input_schema,
]
SignedAmountInput = Annotated[
    Decimal,
    BeforeValidator(parse_decimal),
    _in_range(-MAX_AMOUNT, MAX_AMOUNT, low_open=False),
    _serialize,
    _input_schema,
]
