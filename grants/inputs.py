"""Rules for raw input that operations and request handlers share: whole numbers, ids, text
a database can store. Handlers parse with these; operations validate with them."""

import re
from typing import Any

from flask_babel import gettext as _

MAX_MONEY = 10**15  # one quadrillion đồng: far above any programme budget
MAX_ID = 2**31 - 1  # primary keys are 32-bit integers
YEARS = range(1900, 2201)  # outside these, a date is a typing mistake (and overflows)
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")  # a key a manager names: a question, a document kind
_DIGITS = re.compile(r"[0-9]{1,18}")  # ASCII only: "²".isdigit() is true, int("²") fails


def whole_number(value: Any) -> int | None:
    """An int, or a string of 1 to 18 ASCII digits, as an int; None for anything else."""
    if isinstance(value, str):
        value = value.strip()
        return int(value) if _DIGITS.fullmatch(value) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def text_problem(value: str) -> str | None:
    """Why this text cannot be stored, or None: NUL bytes and lone surrogates."""
    if "\x00" in value:
        return _("Must not contain control or invalid characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("Must not contain control or invalid characters.")
    return None


def identifier(value: Any) -> int | None:
    """An id (1 to MAX_ID) from a whole number or its digits; None for anything else."""
    number = whole_number(value)
    return number if number is not None and 1 <= number <= MAX_ID else None
