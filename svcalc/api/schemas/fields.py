"""Custom marshmallow fields and field helpers: every field carries ``description``, ``example``
and an ``x-unit`` extension in its metadata, and explicit bounds, so that ``openapi.yaml`` tells a
client exactly what the server accepts and what each figure means.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

#: Money in and out of the API is bounded to +/- 1e12 (DESIGN.md section 10).
MONEY_MAX = 1e12
MAX_TERM = 60

UNIT_MONEY = "currency units (the proposal's currency, GBP by default), real base-year prices"
UNIT_MONEY_YEAR = UNIT_MONEY + ", per year"
UNIT_RATE = "decimal fraction per year (0.035 = 3.5%)"
UNIT_SHARE = "decimal fraction (0.1 = 10%)"
UNIT_YEARS = "years"


def doc(description: str, example: Any, unit: str | None = None, **extra: Any) -> dict[str, Any]:
    out = {"description": description, "example": example, **extra}
    if unit:
        out["x-unit"] = unit
    return out


class Pattern(validate.Regexp):
    """``validate.Regexp`` matched against the whole value.

    Python's ``$`` also matches just before a trailing newline, so with ``re.match`` the pattern
    ``^[A-Z]{3}$`` takes ``"GBP\\n"``; in the spec (JSON Schema, ECMA-262 regular expressions)
    it does not. The spec shows the pattern as written, and the server now agrees with it.

    >>> Pattern(r"^[A-Z]{3}$")("GBP")
    'GBP'
    >>> Pattern(r"^[A-Z]{3}$")("GBP\\n")
    Traceback (most recent call last):
    marshmallow.exceptions.ValidationError: String does not match expected pattern.
    """

    def __call__(self, value: Any) -> Any:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class Number(fields.Float):
    """A finite JSON number. Strings and booleans are refused: the spec says ``number``."""

    def __init__(self, *, minimum: float, maximum: float, min_inclusive: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(
            allow_nan=False,
            validate=validate.Range(minimum, maximum, min_inclusive=min_inclusive),
            **kwargs,
        )

    def _validated(self, value: Any) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def Money(description: str, example: float, *, per_year: bool = False, **kwargs: Any) -> Number:
    """A non-negative amount of money within the API's bounds."""
    unit = UNIT_MONEY_YEAR if per_year else UNIT_MONEY
    return Number(minimum=0.0, maximum=MONEY_MAX, metadata=doc(description, example, unit),
                  **kwargs)


def Rate(description: str, example: float, **kwargs: Any) -> Number:
    """A rate as a decimal fraction in (-0.99, 1]: catches 3.5 given for 3.5%."""
    return Number(minimum=-0.99, maximum=1.0, min_inclusive=False,
                  metadata=doc(description, example, UNIT_RATE), **kwargs)


class Yearly(fields.Field):
    """One number for every contract year, or a list with one number per year 1..term_years.

    Element errors are reported at the element's index, so the pointer names the exact cell.
    """

    default_error_messages = {
        "invalid": "Not a valid number or list of numbers.",
        "length": "Give between 1 and 60 values, one per contract year.",
    }

    def __init__(self, description: str, example: Any, *, minimum: float = 0.0,
                 maximum: float = MONEY_MAX, unit: str = UNIT_MONEY_YEAR, **kwargs: Any) -> None:
        self._item = Number(minimum=minimum, maximum=maximum)
        self._minimum, self._maximum = minimum, maximum
        number = {"type": "number", "minimum": minimum, "maximum": maximum}
        one_of = [
            {**number, "description": "the same value in every contract year"},
            {
                "type": "array",
                "description": "one value per contract year 1..term_years",
                "items": number,
                "minItems": 1,
                "maxItems": MAX_TERM,
                # Machine-readable form of the rule JSON Schema cannot express (contract tests).
                "x-length-equals": "term_years",
            },
        ]
        description += (
            " A single number applies to every contract year; a list gives one value per year "
            "1..term_years and must have exactly term_years items."
        )
        super().__init__(metadata=doc(description, example, unit, oneOf=one_of), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, list):
            if not 1 <= len(value) <= MAX_TERM:
                raise self.make_error("length")
            # The usual list, every item a number in range, is checked in one pass; anything
            # else goes through the item field one by one, which names each bad item.
            floats = _floats_in_range(value, self._minimum, self._maximum)
            if floats is not None:
                return floats
            out: list[float] = []
            errors: dict[int, list[str]] = {}
            for i, item in enumerate(value):
                try:
                    out.append(self._item.deserialize(item))
                except ValidationError as exc:
                    errors[i] = exc.messages  # type: ignore[assignment]
            if errors:
                raise ValidationError(errors)  # type: ignore[arg-type]
            return tuple(out)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return self._item.deserialize(value)


def _floats_in_range(values: list[Any], lo: float, hi: float) -> tuple[float, ...] | None:
    """The values as floats when every one is an ``int`` or ``float`` (not a bool) that is
    finite and within ``[lo, hi]``, as the item field would give them; else ``None``."""
    if not all(type(v) is float or type(v) is int for v in values):
        return None
    try:
        floats = tuple(map(float, values))
    except OverflowError:  # an int too large for a float
        return None
    if all(lo <= v <= hi for v in floats):  # NaN fails every comparison
        return floats
    return None


UNIT_CONTACTS = "contacts per year"
UNIT_MONEY_CONTACT = "currency units per contact, base-year prices"
UNIT_CHANGE = "relative change of the stated value (decimal fraction: -0.1 = 10% lower)"


def Share(description: str, example: float, *, maximum: float = 1.0, **kwargs: Any) -> Number:
    """A share as a decimal fraction in [0, maximum]."""
    return Number(minimum=0.0, maximum=maximum, metadata=doc(description, example, UNIT_SHARE),
                  **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON true or false; strings and numbers are refused."""

    #: What _deserialize returns for a value it is sure of (svcalc.api.loading inlines it).
    load_inline = "{v} if {v}.__class__ is bool else _give_up()"

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value



class MoneyOut(fields.Float):
    """Money in a response: rounded to 2 decimals when rendered (the core keeps full precision)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> float | None:
        return None if value is None else round(value, 2)


def out_money(description: str, example: float, nullable: bool = False) -> MoneyOut:
    return MoneyOut(required=True, allow_none=nullable,
                    metadata=doc(description, example, UNIT_MONEY))


def out_ratio(description: str, example: float | None, unit: str = UNIT_SHARE,
               nullable: bool = True) -> fields.Float:
    return fields.Float(required=True, allow_none=nullable,
                        metadata=doc(description, example, unit))


def out_years(description: str, example: float | None) -> fields.Float:
    return fields.Float(required=True, allow_none=True,
                        metadata=doc(description, example, UNIT_YEARS))


def out_notes() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(), values=fields.String(), required=True,
        metadata={
            "description": "Why a figure in this block is null: figure name -> reason. Empty when "
                           "every figure exists.",
            "example": {"irr": "the cash flows never change sign, so no rate makes the NPV zero"},
        },
    )

