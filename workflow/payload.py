"""Parsing of the payload a user submits with an action."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from workflow.definition import Action
from workflow.errors import PayloadError

MAX_TEXT_LENGTH = 4000

# Whole numbers have at most 18 digits, so they always fit a signed 64-bit column.
_MAX_WHOLE_NUMBER = 10**18 - 1
_DIGITS = re.compile(r"[0-9]{1,18}")


def parse_payload(action: Action, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the action's fields parsed from `data`; raise PayloadError listing every problem.

    Keys the action does not declare are ignored; blank optional fields are omitted.
    """
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in action.payload:
        value = data.get(field.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                errors[field.name] = "is required"
            continue
        try:
            parsed[field.name] = _PARSERS[field.type](value)
        except ValueError as error:
            errors[field.name] = str(error)
    if errors:
        raise PayloadError(errors)
    return parsed


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    if "\x00" in value or not _encodable(value):
        raise ValueError("must not contain control or invalid characters")
    text = value.strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"must be at most {MAX_TEXT_LENGTH} characters")
    return text


def _encodable(value: str) -> bool:
    """False for text with lone surrogates, which no database can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _whole_number(value: Any) -> int | None:
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value <= _MAX_WHOLE_NUMBER:
        return value
    return None


def _integer(value: Any) -> int:
    number = _whole_number(value)
    if number is None or number < 0:
        raise ValueError("must be a whole number, 0 or more")
    return number


MAX_ID = 2**31 - 1  # identifiers are 32-bit integers in the database


def _id(value: Any) -> int:
    number = _whole_number(value)
    if number is None or not 1 <= number <= MAX_ID:
        raise ValueError("must be a positive identifier")
    return number


# Dates outside these years are typing mistakes, and the extremes overflow time zone arithmetic.
YEARS = range(1900, 2201)


def _datetime(value: Any) -> datetime:
    """The moment as given (with its offset, if any). Its year must be in YEARS as typed, and,
    when it has an offset, also in UTC, where it is stored: 2200-12-31T23:00-05:00 is in 2201.
    A time without an offset is checked as typed: the caller decides its zone."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        moment = None
    if moment is None or moment.year not in YEARS or (
            moment.tzinfo is not None and moment.astimezone(UTC).year not in YEARS):
        raise ValueError("must be an ISO 8601 date and time")
    return moment


def _date(value: Any) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        day = None
    if day is None or day.year not in YEARS:
        raise ValueError("must be an ISO 8601 date")
    return day


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "integer": _integer,
    "datetime": _datetime,
    "date": _date,
    "id": _id,
}
