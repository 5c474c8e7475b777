"""Payload parsing and guard evaluation."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from workflow import (
    Action,
    Engine,
    Field,
    GuardFailed,
    PayloadError,
    UnknownGuard,
    default_registry,
)

ALL_TYPES = Action(
    name="record",
    sources=("open",),
    dest="closed",
    roles=frozenset({"manager"}),
    payload=(
        Field("note", "text", True),
        Field("count", "integer", True),
        Field("due", "datetime", True),
        Field("on", "date", True),
        Field("call", "id", True),
        Field("comment", "text", False),
        Field("extra", "integer", False),
    ),
)
GOOD = {"note": "  hello ", "count": 0, "due": "2025-03-01T12:30", "on": "2025-03-01", "call": 7}


def with_values(**values: Any) -> dict[str, Any]:
    return {**GOOD, **values}


def test_good_values_are_parsed() -> None:
    parsed = Engine.parse_payload(ALL_TYPES, with_values(ignored="extra keys are ignored"))

    assert parsed == {
        "note": "hello",
        "count": 0,
        "due": datetime(2025, 3, 1, 12, 30),
        "on": date(2025, 3, 1),
        "call": 7,
    }
    assert parsed["due"].tzinfo is None


def test_form_strings_are_accepted() -> None:
    parsed = Engine.parse_payload(
        ALL_TYPES,
        with_values(count=" 1500 ", call="42", due="2025-03-01T12:30:00+02:00", comment="ok"),
    )

    assert (parsed["count"], parsed["call"], parsed["comment"]) == (1500, 42, "ok")
    assert parsed["due"].utcoffset() == timedelta(hours=2)
    assert parsed["due"] == datetime(2025, 3, 1, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_optional_fields_are_omitted(blank: Any) -> None:
    parsed = Engine.parse_payload(ALL_TYPES, with_values(comment=blank, extra=blank))

    assert "comment" not in parsed
    assert "extra" not in parsed


def test_text_of_exactly_the_maximum_length_is_accepted() -> None:
    parsed = Engine.parse_payload(ALL_TYPES, with_values(note="x" * 4000))

    assert len(parsed["note"]) == 4000


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("note", 5, "text"),
        ("note", "x" * 4001, "4000"),
        ("note", "   ", "required"),
        ("count", -1, "whole number"),
        ("count", True, "whole number"),
        ("count", 1.5, "whole number"),
        ("count", "12a", "whole number"),
        ("count", "-3", "whole number"),
        ("count", "1" * 19, "whole number"),
        ("count", 10**18, "whole number"),
        ("due", "tomorrow", "ISO 8601"),
        ("due", 20250301, "ISO 8601"),
        ("on", "2025-13-01", "ISO 8601"),
        ("on", "2025-03-01T10:00", "ISO 8601"),
        ("call", 0, "positive"),
        ("call", "0", "positive"),
        ("call", False, "positive"),
        ("call", "abc", "positive"),
        ("extra", "many", "whole number"),
    ],
)
def test_bad_value_is_reported(field: str, value: Any, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        Engine.parse_payload(ALL_TYPES, with_values(**{field: value}))

    assert list(caught.value.errors) == [field]
    assert message in caught.value.errors[field]


@pytest.mark.parametrize(
    "due", ["2200-12-31T23:59:59-12:00", "2200-12-31T20:00:00-05:00", "1900-01-01T00:30+01:00"]
)
def test_a_moment_whose_utc_year_is_out_of_range_is_refused(due: str) -> None:
    with pytest.raises(PayloadError) as caught:
        Engine.parse_payload(ALL_TYPES, with_values(due=due))

    assert caught.value.errors == {"due": "must be an ISO 8601 date and time"}


@pytest.mark.parametrize(
    "due", ["2200-12-31T23:59:59+00:00", "2200-12-31T23:59:59", "1900-01-01T00:00-05:00"]
)
def test_a_moment_in_range_in_utc_or_without_offset_is_accepted(due: str) -> None:
    parsed = Engine.parse_payload(ALL_TYPES, with_values(due=due))

    assert parsed["due"] == datetime.fromisoformat(due)


def test_every_problem_is_reported_at_once() -> None:
    action = default_registry().get("incubation").action("return_for_changes")

    with pytest.raises(PayloadError) as caught:
        Engine.parse_payload(action, {"revision_deadline": "soon"})

    assert caught.value.errors == {
        "reason": "is required",
        "revision_deadline": "must be an ISO 8601 date and time",
    }
    assert "reason" in str(caught.value)


def test_missing_required_fields_are_all_reported() -> None:
    with pytest.raises(PayloadError) as caught:
        Engine.parse_payload(ALL_TYPES, {})

    assert caught.value.errors == dict.fromkeys(
        ["note", "count", "due", "on", "call"], "is required"
    )


SUBMIT = default_registry().get("incubation").action("submit")


def test_guards_receive_the_context_and_pass() -> None:
    seen: list[tuple[str, Any]] = []

    def guard(name: str):
        return lambda context: seen.append((name, context)) or []

    Engine.run_guards(SUBMIT, {name: guard(name) for name in SUBMIT.guards}, "ctx")

    assert seen == [(name, "ctx") for name in SUBMIT.guards]


def test_guard_problems_are_collected_from_all_guards() -> None:
    guards = {
        "call_open": lambda _: ["The call is closed."],
        "required_answers": lambda _: [],
        "required_documents": lambda _: ["Budget missing.", "CV missing."],
        "amount_within_cap": lambda _: [],
        "common_part_complete": lambda _: [],
        "founded_recently": lambda _: ["Founded too long ago."],
        "field_in_call": lambda _: [],
        "not_funded_at_this_stage": lambda _: [],
        "one_application_per_call": lambda _: [],
    }

    with pytest.raises(GuardFailed) as caught:
        Engine.run_guards(SUBMIT, guards, context=None)

    assert caught.value.problems == ["The call is closed.", "Budget missing.", "CV missing.",
                                     "Founded too long ago."]


def test_unknown_guard_is_named_and_no_guard_runs() -> None:
    called: list[str] = []

    with pytest.raises(UnknownGuard, match="required_documents.*amount_within_cap"):
        Engine.run_guards(
            SUBMIT, {"call_open": called.append, "required_answers": called.append}, 1
        )
    assert called == []
