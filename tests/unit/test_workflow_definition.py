"""Definition parsing, validation and the shipped definition files."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workflow import (
    Action,
    DefinitionError,
    Field,
    State,
    default_registry,
    load_definition,
    parse_definition,
)
from workflow.registry import DEFINITIONS_DIR


def minimal() -> dict[str, Any]:
    return {
        "name": "demo",
        "version": 1,
        "entity": "application",
        "initial": "draft",
        "title": "Demo",
        "states": [{"name": "draft"}, {"name": "done", "final": True}],
        "actions": [
            {
                "name": "finish",
                "from": ["draft"],
                "to": "done",
                "roles": ["manager"],
                "guards": ["ready"],
                "payload": [{"name": "reason", "type": "text", "required": True}],
            }
        ],
    }


def extra_action(name: str, source: str, dest: str) -> dict[str, Any]:
    return {"name": name, "from": [source], "to": dest, "roles": ["manager"]}


def test_minimal_definition_parses_into_dataclasses() -> None:
    definition = parse_definition(minimal())

    assert definition.key == ("demo", 1)
    assert definition.states == (State("draft"), State("done", final=True))
    assert definition.action("finish") == Action(
        name="finish",
        sources=("draft",),
        dest="done",
        roles=frozenset({"manager"}),
        guards=("ready",),
        payload=(Field("reason", "text", True),),
    )
    assert definition.final_states == {"done"}
    assert definition.guard_names == {"ready"}
    assert definition.state("done").final


def test_guards_and_payload_default_to_empty() -> None:
    data = minimal()
    del data["actions"][0]["guards"], data["actions"][0]["payload"]

    action = parse_definition(data).action("finish")

    assert (action.guards, action.payload) == ((), ())


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _append(key: str, item: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda data: data[key].append(item)


def _add_state_and_action(state: dict[str, Any], action: dict[str, Any]):
    def mutate(data: dict[str, Any]) -> None:
        data["states"].append(state)
        data["actions"].append(action)

    return mutate


BROKEN = {
    "missing key": (lambda data: data.pop("initial"), ["initial"]),
    "ill-typed key": (_set("version", "1"), ["version", "integer"]),
    "unknown key": (_set("actions.0.guard", ["ready"]), ["finish", "guard"]),
    "state not an object": (_set("states.0", "draft"), ["state #0"]),
    "invalid name": (_set("actions.0.name", "Finish Now"), ["Finish Now"]),
    "duplicate state": (_append("states", {"name": "done", "final": True}), ["duplicate", "done"]),
    "duplicate action": (_append("actions", extra_action("finish", "draft", "done")), ["finish"]),
    "unknown initial": (_set("initial", "start"), ["initial", "start"]),
    "unknown source": (_set("actions.0.from", ["nowhere"]), ["finish", "nowhere"]),
    "unknown destination": (_set("actions.0.to", "nowhere"), ["finish", "nowhere"]),
    "unreachable state": (
        _add_state_and_action({"name": "limbo"}, extra_action("escape", "limbo", "done")),
        ["limbo", "unreachable"],
    ),
    "dead-end state": (
        _add_state_and_action({"name": "stuck"}, extra_action("park", "draft", "stuck")),
        ["stuck", "no outgoing action"],
    ),
    "trap cycle": (
        lambda data: (
            data["states"].extend([{"name": "ping"}, {"name": "pong"}]),
            data["actions"].extend([extra_action("serve", "draft", "ping"),
                                    extra_action("hit", "ping", "pong"),
                                    extra_action("back", "pong", "ping")]),
        ),
        ["ping", "cannot reach any final state"],
    ),
    "final state with way out": (
        _append("actions", extra_action("reopen", "done", "draft")),
        ["done", "reopen"],
    ),
    "no allowed role": (_set("actions.0.roles", []), ["finish", "no allowed role"]),
    "empty source list": (_set("actions.0.from", []), ["finish", "no source"]),
    "bad payload type": (
        _set("actions.0.payload.0.type", "money"),
        ["finish", "reason", "money"],
    ),
    "duplicate payload field": (
        _set(
            "actions.0.payload",
            [{"name": "reason", "type": "text"}, {"name": "reason", "type": "date"}],
        ),
        ["finish", "reason"],
    ),
}


@pytest.mark.parametrize(("mutate", "culprits"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_definition_is_refused_naming_the_culprit(
    mutate: Callable[[dict[str, Any]], None], culprits: list[str]
) -> None:
    data = minimal()
    mutate(data)

    with pytest.raises(DefinitionError) as caught:
        parse_definition(data)

    for culprit in culprits:
        assert culprit in str(caught.value)


def test_load_definition_refuses_file_name_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "demo.v2.json"
    path.write_text(json.dumps(minimal()))

    with pytest.raises(DefinitionError, match=r"demo\.v2\.json.*'demo\.v1\.json'"):
        load_definition(path)


def test_load_definition_names_the_file_of_a_broken_definition(tmp_path: Path) -> None:
    data = minimal()
    data["initial"] = "start"
    path = tmp_path / "demo.v1.json"
    path.write_text(json.dumps(data))

    with pytest.raises(DefinitionError, match=r"^demo\.v1\.json: .*'start'"):
        load_definition(path)


def test_load_definition_refuses_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "demo.v1.json"
    path.write_text("{not json")

    with pytest.raises(DefinitionError, match=r"demo\.v1\.json: invalid JSON"):
        load_definition(path)


SHIPPED = sorted(DEFINITIONS_DIR.glob("*.json"))


@pytest.mark.parametrize("path", SHIPPED, ids=[path.name for path in SHIPPED])
def test_shipped_definition_is_valid(path: Path) -> None:
    definition = load_definition(path)

    assert path.name == f"{definition.name}.v{definition.version}.json"
    assert definition.title


def test_shipped_definitions_are_the_expected_ones() -> None:
    entities = {d.key: d.entity for d in default_registry().all()}

    assert entities == {
        ("pre_incubation", 1): "application",
        ("incubation", 1): "application",
        ("acceleration", 1): "application",
        ("tranche", 1): "tranche",
    }


COMMON_STATES = [
    "draft",
    "submitted",
    "changes_requested",
    "ineligible",
    "in_review",
    "reviewed",
    "waitlisted",
    "approved",
    "rejected",
    "active",
]
LATE_STATES = ["final_evaluation", "completed", "failed", "terminated", "withdrawn"]
FINAL = {"ineligible", "rejected", "withdrawn", "terminated", "failed"}


@pytest.mark.parametrize(
    ("name", "states", "final"),
    [
        ("pre_incubation", [*COMMON_STATES, *LATE_STATES, "promoted"], FINAL | {"promoted"}),
        (
            "incubation",
            [*COMMON_STATES, "pilot_testing", *LATE_STATES, "promoted"],
            FINAL | {"promoted"},
        ),
        ("acceleration", [*COMMON_STATES, "pilot_testing", *LATE_STATES], FINAL | {"completed"}),
    ],
)
def test_stage_states_in_order_and_final_states(
    name: str, states: list[str], final: set[str]
) -> None:
    definition = default_registry().get(name)

    assert [state.name for state in definition.states] == states
    assert definition.final_states == final
    assert definition.initial == "draft"


def test_pre_incubation_has_no_pilot() -> None:
    definition = default_registry().get("pre_incubation")

    assert "pilot_testing" not in {state.name for state in definition.states}
    assert "pilot_finished" not in definition.guard_names
    assert definition.action("submit_final_report").guards == ()
    assert definition.action("terminate").sources == ("active",)
    with pytest.raises(KeyError):
        definition.action("start_pilot")


@pytest.mark.parametrize("name", ["incubation", "acceleration"])
def test_incubation_and_acceleration_require_a_finished_pilot(name: str) -> None:
    definition = default_registry().get(name)

    assert definition.action("submit_final_report").guards == ("pilot_finished",)
    assert definition.action("start_pilot").guards == ("pilot_planned",)
    assert definition.action("finish_pilot").guards == ("pilot_results_recorded",)
    assert definition.action("terminate").sources == ("active", "pilot_testing")


def test_acceleration_has_no_promote_and_completed_is_final() -> None:
    definition = default_registry().get("acceleration")

    assert definition.state("completed").final
    with pytest.raises(KeyError):
        definition.action("promote")


@pytest.mark.parametrize("name", ["pre_incubation", "incubation"])
def test_earlier_stages_promote_to_a_next_stage_call(name: str) -> None:
    definition = default_registry().get(name)
    promote = definition.action("promote")

    assert not definition.state("completed").final
    assert (promote.sources, promote.dest) == (("completed",), "promoted")
    assert promote.guards == ("next_stage_call",)
    assert promote.payload == (Field("target_call_id", "id", True),)


def test_stage_submission_guards_and_payloads() -> None:
    definition = default_registry().get("incubation")
    checks = ("required_answers", "required_documents", "amount_within_cap",
              "common_part_complete", "founded_recently", "field_in_call",
              "not_funded_at_this_stage", "one_application_per_call")

    assert definition.action("submit").guards == ("call_open", *checks)
    assert definition.action("resubmit").guards == ("before_revision_deadline", *checks)
    assert definition.action("return_for_changes").payload == (
        Field("reason", "text", True),
        Field("revision_deadline", "datetime", True),
    )
    assert definition.action("approve").payload == (Field("amount", "integer", True),)
    assert definition.action("approve").sources == ("reviewed", "waitlisted")
    assert definition.action("withdraw").guards == ("owner_only",)
    assert "keep_revision" in definition.action("submit").effects
    assert "keep_revision" in definition.action("resubmit").effects


def test_tranche_definition() -> None:
    definition = default_registry().get("tranche")

    assert definition.initial == "planned"
    assert definition.final_states == {"paid"}
    assert "four_eyes" in definition.action("release").guards  # the verifier never releases
    assert definition.action("mark_paid").payload == (Field("payment_reference", "text", True),)


def test_states_carry_tags_that_the_app_asks_about_instead_of_names() -> None:
    data = minimal()
    data["states"][0]["tags"] = ["applicant_editable"]
    data["states"][1]["tags"] = ["needs_confirmation"]

    definition = parse_definition(data)

    assert definition.tagged("applicant_editable") == {"draft"}
    assert definition.tagged("commits_budget") == frozenset()
    assert definition.needs_confirmation(definition.action("finish"))


def test_an_unknown_state_tag_is_refused_with_its_name() -> None:
    data = minimal()
    data["states"][0]["tags"] = ["editable_by_applicant"]

    with pytest.raises(DefinitionError, match="unknown tag.*editable_by_applicant"):
        parse_definition(data)


def test_asking_for_an_unknown_tag_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        parse_definition(minimal()).tagged("commits_budgte")


def test_actions_name_their_effects_and_messages() -> None:
    data = minimal()
    data["actions"][0] |= {"effects": ["stamp"], "notify": ["receipt"]}

    definition = parse_definition(data)

    assert definition.action("finish").effects == ("stamp",)
    assert (definition.effect_names, definition.notify_names) == ({"stamp"}, {"receipt"})


def test_every_final_state_of_the_shipped_workflows_asks_for_confirmation() -> None:
    for definition in default_registry().all():
        for name in definition.final_states:
            assert "needs_confirmation" in definition.state(name).tags, (definition.name, name)
