"""Engine: checking and firing actions on shared `transitions` machines."""

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from transitions import Machine

import workflow.runner
from workflow import (
    DefinitionError,
    Engine,
    InvalidTransition,
    NotAllowed,
    Registry,
    Transition,
    UnknownWorkflow,
    default_registry,
)
from workflow.registry import DEFINITIONS_DIR

APPLICANT = {"applicant"}
MANAGER = {"manager"}


@dataclass
class Entity:
    state: str


@pytest.fixture
def engine() -> Engine:
    return Engine(default_registry())


@pytest.fixture
def created_machines(monkeypatch: pytest.MonkeyPatch) -> list[Machine]:
    """Record every machine the engine builds."""
    created: list[Machine] = []

    class RecordingMachine(Machine):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(workflow.runner, "Machine", RecordingMachine)
    return created


def test_fire_moves_the_entity_and_returns_the_transition(engine: Engine) -> None:
    definition = default_registry().get("pre_incubation")
    entity = Entity("draft")

    transition = engine.fire(definition, entity, "submit", APPLICANT)

    assert transition == Transition("submit", "draft", "submitted")
    assert entity.state == "submitted"


def test_incubation_happy_path_to_promotion(engine: Engine) -> None:
    definition = default_registry().get("incubation")
    entity = Entity("draft")
    steps = [
        ("submit", APPLICANT, "submitted"),
        ("return_for_changes", MANAGER, "changes_requested"),
        ("resubmit", APPLICANT, "submitted"),
        ("start_review", MANAGER, "in_review"),
        ("close_review", MANAGER, "reviewed"),
        ("waitlist", MANAGER, "waitlisted"),
        ("approve", MANAGER, "approved"),
        ("sign_agreement", MANAGER, "active"),
        ("start_pilot", MANAGER, "pilot_testing"),
        ("finish_pilot", MANAGER, "active"),
        ("submit_final_report", APPLICANT, "final_evaluation"),
        ("pass_evaluation", MANAGER, "completed"),
        ("promote", MANAGER, "promoted"),
    ]

    visited = [engine.fire(definition, entity, action, roles).dest for action, roles, _ in steps]

    assert visited == [dest for _, _, dest in steps]
    assert entity.state == "promoted"


def test_tranche_goes_from_planned_to_paid(engine: Engine) -> None:
    definition = default_registry().get("tranche")
    entity = Entity("planned")

    for action, roles in [
        ("request", APPLICANT),
        ("return", MANAGER),
        ("request", APPLICANT),
        ("verify", MANAGER),
        ("release", MANAGER),
        ("mark_paid", MANAGER),
    ]:
        engine.fire(definition, entity, action, roles)

    assert entity.state == "paid"


@pytest.mark.parametrize(
    ("state", "action"),
    [("draft", "approve"), ("rejected", "withdraw"), ("completed", "start_pilot")],
)
def test_action_not_valid_from_state_is_invalid(engine: Engine, state: str, action: str) -> None:
    definition = default_registry().get("incubation")
    entity = Entity(state)

    with pytest.raises(InvalidTransition, match=f"'{action}'.*'{state}'"):
        engine.fire(definition, entity, action, MANAGER | APPLICANT)
    assert entity.state == state


def test_unknown_action_is_invalid(engine: Engine) -> None:
    definition = default_registry().get("incubation")

    with pytest.raises(InvalidTransition, match="'fly'"):
        engine.check(definition, "draft", "fly", MANAGER)


def test_role_not_allowed_names_the_allowed_roles(engine: Engine) -> None:
    definition = default_registry().get("incubation")
    entity = Entity("reviewed")

    with pytest.raises(NotAllowed, match="'approve'.*manager"):
        engine.fire(definition, entity, "approve", APPLICANT)
    assert entity.state == "reviewed"


def test_who_may_is_checked_before_whether_now(engine: Engine) -> None:
    """A role that may never take the action is told so, whatever the state; one that may is
    told the state is wrong."""
    definition = default_registry().get("incubation")

    with pytest.raises(NotAllowed):
        engine.check(definition, "draft", "approve", APPLICANT)
    with pytest.raises(InvalidTransition):
        engine.check(definition, "draft", "approve", MANAGER)


def test_check_returns_the_action(engine: Engine) -> None:
    definition = default_registry().get("incubation")

    assert engine.check(definition, "reviewed", "approve", MANAGER) is definition.action("approve")


def test_unregistered_definition_is_refused() -> None:
    registry = default_registry()
    engine = Engine(Registry([registry.get("tranche")]))

    with pytest.raises(UnknownWorkflow, match="incubation"):
        engine.fire(registry.get("incubation"), Entity("draft"), "submit", APPLICANT)


def test_definition_differing_from_the_registered_one_is_refused(engine: Engine) -> None:
    registered = default_registry().get("tranche")
    impostor = replace(registered, title="Impostor")

    with pytest.raises(DefinitionError, match="tranche v1"):
        engine.fire(impostor, Entity("planned"), "request", APPLICANT)


@pytest.mark.parametrize(
    ("name", "state", "roles", "expected"),
    [
        ("pre_incubation", "draft", APPLICANT, ["submit", "withdraw"]),
        ("pre_incubation", "draft", MANAGER, []),
        ("pre_incubation", "submitted", APPLICANT, ["withdraw"]),
        (
            "pre_incubation",
            "submitted",
            MANAGER,
            ["return_for_changes", "declare_ineligible", "start_review"],
        ),
        (
            "pre_incubation",
            "submitted",
            MANAGER | APPLICANT,
            ["return_for_changes", "declare_ineligible", "start_review", "withdraw"],
        ),
        ("pre_incubation", "changes_requested", APPLICANT, ["resubmit", "withdraw"]),
        ("pre_incubation", "reviewed", MANAGER, ["waitlist", "approve", "reject"]),
        ("pre_incubation", "waitlisted", MANAGER, ["approve", "reject"]),
        ("pre_incubation", "active", MANAGER, ["terminate"]),
        ("incubation", "active", MANAGER, ["start_pilot", "terminate"]),
        ("incubation", "active", APPLICANT, ["submit_final_report"]),
        ("incubation", "pilot_testing", MANAGER, ["finish_pilot", "terminate"]),
        ("incubation", "completed", MANAGER, ["promote"]),
        ("acceleration", "completed", MANAGER, []),
        ("acceleration", "rejected", MANAGER | APPLICANT, []),
        ("acceleration", "draft", {"reviewer"}, []),
    ],
)
def test_allowed_actions(
    engine: Engine, name: str, state: str, roles: set[str], expected: list[str]
) -> None:
    definition = default_registry().get(name)

    assert engine.allowed_actions(definition, state, roles) == expected


def test_one_shared_machine_per_definition_version(
    tmp_path: Path, created_machines: list[Machine]
) -> None:
    shutil.copy(DEFINITIONS_DIR / "incubation.v1.json", tmp_path)
    data = json.loads((DEFINITIONS_DIR / "incubation.v1.json").read_text())
    (tmp_path / "incubation.v2.json").write_text(json.dumps({**data, "version": 2}))
    registry = Registry.from_directory(tmp_path)
    engine = Engine(registry)
    versions = [registry.get("incubation", 1), registry.get("incubation", 2)]
    entities = [Entity("draft") for _ in range(1000)]

    for index, entity in enumerate(entities):
        engine.fire(versions[index % 2], entity, "submit", APPLICANT)

    assert {entity.state for entity in entities} == {"submitted"}
    assert len(created_machines) == 2
    assert [machine.models for machine in created_machines] == [[], []]


CASES = [
    ("draft", "submit", APPLICANT, "submitted"),
    ("submitted", "start_review", MANAGER, "in_review"),
    ("reviewed", "waitlist", MANAGER, "waitlisted"),
    ("waitlisted", "approve", MANAGER, "approved"),
    ("active", "start_pilot", MANAGER, "pilot_testing"),
    ("pilot_testing", "finish_pilot", MANAGER, "active"),
]


def test_threads_share_one_machine_safely(engine: Engine, created_machines: list[Machine]) -> None:
    definition = default_registry().get("acceleration")

    def run(thread: int) -> list[bool]:
        results = []
        for index in range(200):
            source, action, roles, dest = CASES[(thread + index) % len(CASES)]
            entity = Entity(source)
            transition = engine.fire(definition, entity, action, roles)
            results.append(transition == Transition(action, source, dest) and entity.state == dest)
        return results

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = [ok for results in pool.map(run, range(8)) for ok in results]

    assert len(outcomes) == 1600
    assert all(outcomes)
    assert len(created_machines) == 1
    assert created_machines[0].models == []
