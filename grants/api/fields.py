"""Field types of the API schemas: each one validates a value and describes it in JSON Schema.

The rules are the ones the operations apply (grants/operations/core.py), so a body that passes
here reaches the operation in the shape it expects: whole numbers are ASCII digits (a JSON
integer, or a string of digits as the operations have always accepted; never a float or a
boolean), text is trimmed and refuses NUL, date-times are ISO 8601 in the years the operations
accept. Errors are raised with a `type` that grants.api.validation turns into a translated
message; the English text here is never shown.
"""

import base64
import binascii
import json
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from grants.inputs import MAX_ID, MAX_MONEY, YEARS, whole_number

MAX_CURSOR_LENGTH = 64  # base64 of {"at": <19 digits>} is 36 characters
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


def _decode_cursor(limit: int, raw: Any) -> int:
    """The position a cursor points at, from 0 to `limit`. A cursor we made is short: anything
    longer is refused before it is decoded (a nested JSON cursor would recurse)."""
    value = None
    if isinstance(raw, str) and len(raw) <= MAX_CURSOR_LENGTH:
        try:
            value = json.loads(base64.urlsafe_b64decode(raw.encode() + b"==="))["at"]
        except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
            value = None
    if isinstance(value, str) or whole_number(value) is None or not 0 <= value <= limit:
        raise PydanticCustomError("cursor", "not a cursor of this list")
    return value


def encode_cursor(position: int) -> str:
    """The opaque cursor of the page after `position` (an id or a sequence number)."""
    return base64.urlsafe_b64encode(json.dumps({"at": position}).encode()).decode().rstrip("=")


Id = whole(1, MAX_ID, "an identifier")
Money = whole(0, MAX_MONEY, "an amount in VND (whole đồng)")
Version = whole(1, MAX_ID, "the version you read; it goes up by one with every change")
Moment = Annotated[datetime, BeforeValidator(_moment), Field(
    description="ISO 8601; without an offset it is read as Asia/Ho_Chi_Minh time")]
Day = Annotated[date, BeforeValidator(_day)]
_CURSOR_SCHEMA = WithJsonSchema({"type": "string", "maxLength": MAX_CURSOR_LENGTH,
                                 "description": "opaque: the `next` of the previous page"})
Cursor = Annotated[int, PlainValidator(partial(_decode_cursor, MAX_ID)), _CURSOR_SCHEMA]
SeqCursor = Annotated[int, PlainValidator(partial(_decode_cursor, MAX_SEQ)), _CURSOR_SCHEMA]
Title = text(300)
