"""The API's boundary: a JSON body is bounded before it is parsed, then checked by its schema;
schema errors become a 422 problem with a translated message per field (dotted paths)."""

import json
import re
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from grants import labels
from grants.operations import Invalid
from grants.operations.errors import TooLarge

MAX_DEPTH = 64
# A JSON string (possibly unterminated), and anything that is not a bracket.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """How deep brackets nest outside strings, counted up to `limit` + 1 (then it stops)."""
    depth = deepest = 0
    for bracket in _NOT_BRACKETS.sub("", _STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def json_object() -> dict[str, Any]:
    """The request's JSON object. Read at most the configured size, and scan its depth before
    json.loads recurses into it (a body nested a thousand levels deep would crash it)."""
    limit = current_app.config["API_MAX_BODY_BYTES"]
    too_large = TooLarge(_("The request body is too large (at most %(n)d bytes).", n=limit))
    if (request.content_length or 0) > limit:
        raise too_large
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise too_large
    not_an_object = Invalid(_("The request body must be a JSON object."))
    if not request.is_json:
        raise not_an_object
    try:
        text = raw.decode("utf-8")  # RFC 8259: JSON between systems is UTF-8
    except UnicodeDecodeError:
        raise not_an_object from None
    too_deep = Invalid(_("The request body is nested too deeply (at most %(n)d levels).",
                         n=MAX_DEPTH))
    if nesting_depth(text) > MAX_DEPTH:
        raise too_deep
    try:
        data = json.loads(text)
    except RecursionError:  # not reached after the scan; kept so a miss is never a 500
        raise too_deep from None
    except ValueError:
        raise not_an_object from None
    if not isinstance(data, dict):
        raise not_an_object
    return data


def validated(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    """`data` checked by `model`, or Invalid (422) with a message per field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise Invalid(_("Some fields are not valid."), field_errors(error)) from None


def field_errors(error: ValidationError) -> dict[str, str]:
    """The first message for each field, by dotted path, in the user's language."""
    errors: dict[str, str] = {}
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"] if part != "[key]") or "body"
        errors.setdefault(path, message(item))
    return errors


def _choices(ctx: dict[str, Any]) -> str:
    """The codes to send, each with its translated label where the catalogue has one."""
    codes = re.findall(r"'([^']*)'", ctx.get("expected", ""))
    named = {**labels.FIELDS, **labels.STAGES}
    return _("Must be one of: %(choices)s.", choices=", ".join(
        f"{code} ({named[code]})" if code in named else code for code in codes))


# pydantic's error types (and those of grants/api/fields.py), as messages.
MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda ctx: _("This field is required."),
    "blank": lambda ctx: _("This field is required."),
    "string_too_short": lambda ctx: _("This field is required."),
    "string_type": lambda ctx: _("Must be text."),
    "string_too_long": lambda ctx: _("At most %(n)d characters.", n=ctx["max_length"]),
    "string_unicode": lambda ctx: _("Must not contain control or invalid characters."),
    "string_pattern_mismatch": lambda ctx: _("Must not contain control or invalid characters."),
    "whole_number": lambda ctx: _("Must be a whole number from %(lo)s to %(hi)s.",
                                  lo=format_decimal(ctx["lo"]), hi=format_decimal(ctx["hi"])),
    "int_type": lambda ctx: _("Must be a whole number."),
    "int_parsing": lambda ctx: _("Must be a whole number."),
    "enum": _choices,
    "literal_error": _choices,
    "bool_type": lambda ctx: _("Must be true or false."),
    "bool_parsing": lambda ctx: _("Must be true or false."),
    "model_type": lambda ctx: _("Must be an object."),
    "model_attributes_type": lambda ctx: _("Must be an object."),
    "dict_type": lambda ctx: _("Must be an object."),
    "list_type": lambda ctx: _("Must be a list."),
    "too_short": lambda ctx: _("At least one is required."),
    "moment_required": lambda ctx: _("A date and time is required (ISO 8601)."),
    "moment": lambda ctx: _("Not a valid date and time (ISO 8601)."),
    "day": lambda ctx: _("Not a valid date (YYYY-MM-DD)."),
    "cursor": lambda ctx: _("Not a cursor of this list."),
}


def message(item: dict[str, Any]) -> str:
    """A translated message for one pydantic error; null where a value is expected means the
    field is missing."""
    kind = item["type"]
    if item.get("input") is None and kind != "moment_required":
        kind = "missing"
    render = MESSAGES.get(kind)
    return render(item.get("ctx") or {}) if render else _("Not a valid value.")
