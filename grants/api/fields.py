"""Field types of the API schemas: each one validates a value and describes it in JSON Schema.

The rules are the ones the operations apply (grants/operations/core.py), so a body that passes
here reaches the operation in the shape it expects: whole numbers are ASCII digits (a JSON
integer, or a string of digits as the operations have always accepted; never a float or a
boolean), text is trimmed and refuses NUL, date-times are ISO 8601 in the years the operations
accept. Errors are raised with a `type` that grants.api.validation turns into a translated
message; the English text here is never shown.
"""

import re
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from grants.inputs import MAX_ID, MAX_MONEY, YEARS, whole_number

MAX_SEQ = 2**63 - 1  # audit sequence numbers are 64-bit
NO_NUL = r"^[^\x00]*$"  # lone surrogates are refused by pydantic itself (string_unicode)


def _whole(lo: int, hi: int, value: Any) -> Any:
    if value is None:
        return value  # the int schema answers "required"
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("blank", "required")
    number = whole_number(value)
    if number is None or not lo <= number <= hi:
        # one error for "not a number" and "out of range", as the operations and pages say it
        raise PydanticCustomError("whole_number", "not a whole number in range",
                                  {"lo": lo, "hi": hi})
    return number


def whole(lo: int, hi: int, description: str | None = None) -> Any:
    """A whole number from `lo` to `hi`."""
    return Annotated[int, Field(ge=lo, le=hi, description=description),
                     BeforeValidator(partial(_whole, lo, hi))]


def text(max_length: int, *, required: bool = True) -> Any:
    """Trimmed text of at most `max_length` characters; `required`: not blank."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=int(required),
                                            max_length=max_length, pattern=NO_NUL)]


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def maybe(kind: Any) -> Any:
    """`kind`, or null; a blank string counts as null, as the web forms send it."""
    return Annotated[kind | None, BeforeValidator(_blank_is_none)]


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError("moment_required", "a date and time is required")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if moment is None or moment.year not in YEARS:
        raise PydanticCustomError("moment", "not a valid date and time")
    return moment


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        day = date.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        day = None
    if day is None or day.year not in YEARS:
        raise PydanticCustomError("day", "not a valid date")
    return day


def _decode_cursor(digits: int, raw: Any) -> int:
    """The position a cursor points at: its decimal digits, as `encode_cursor` wrote them.
    Exactly the strings of the document's pattern are cursors."""
    if not isinstance(raw, str) or not re.fullmatch(_cursor_pattern(digits), raw):
        raise PydanticCustomError("cursor", "not a cursor of this list")
    return int(raw)


def encode_cursor(position: int) -> str:
    """The cursor of the page after `position` (an id or a sequence number)."""
    return str(position)


Id = whole(1, MAX_ID, "an identifier")
Money = whole(0, MAX_MONEY, "an amount in VND (whole đồng)")
Version = whole(1, MAX_ID, "the version you read; it goes up by one with every change")
Moment = Annotated[datetime, BeforeValidator(_moment), Field(
    description="ISO 8601; without an offset it is read as Asia/Ho_Chi_Minh time")]
Day = Annotated[date, BeforeValidator(_day)]
def _cursor_pattern(digits: int) -> str:
    return f"^(0|[1-9][0-9]{{0,{digits - 1}}})$"


def _cursor(digits: int) -> Any:
    """A cursor is the `next` of the previous page: a position of up to `digits` decimal
    digits (9 for ids below 2^31, 18 for the log's 64-bit sequence numbers)."""
    return Annotated[int, PlainValidator(partial(_decode_cursor, digits)), WithJsonSchema(
        {"type": "string", "pattern": _cursor_pattern(digits),
         "description": "the `next` of the previous page"})]


Cursor = _cursor(9)
SeqCursor = _cursor(18)
Title = text(300)
