"""Workflow definitions: immutable data parsed and validated from JSON."""

from __future__ import annotations

import json
import re
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflow.errors import DefinitionError

PAYLOAD_TYPES = frozenset({"text", "integer", "datetime", "date", "id"})
# What a state can say about itself, so that the app asks a tag instead of naming states:
STATE_TAGS = frozenset({
    "applicant_editable",  # the applicant may still edit the entity's content
    "received",  # handed in and waiting for the programme's first look (the screening queue)
    "commits_budget",  # the entity's award counts against its call's budget
    "needs_confirmation",  # entering this state cannot be undone: the page asks first
    "decided",  # the programme decided on it (funded or not): what follows the decision
    "agreement_open",  # approved: the manager sets the award's tranches before signing
    "agreement_in_force",  # signed and not ended: tranches are requested, verified, released
    "money_released",  # a tranche's money has left the call's budget (released or paid)
    "money_paid",  # a tranche's payment is recorded
    "pilot_open",  # the pilot's plan and results are recorded
    "evaluation_open",  # the council's final evaluation is recorded
})

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_DEFINITION_KEYS = {
    "name": str,
    "version": int,
    "entity": str,
    "title": str,
    "initial": str,
    "states": list,
    "actions": list,
}
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "a boolean", list: "a list"}


@dataclass(frozen=True)
class Field:
    """One input an action expects from the user."""

    name: str
    type: str
    required: bool


@dataclass(frozen=True)
class State:
    """A named state; nothing leaves a final state."""

    name: str
    final: bool = False
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Action:
    """A transition that the given roles may take, subject to guards.

    `guards`, `effects` (what changes besides the state) and `notify` (the messages it sends)
    are names; the application that runs the definition supplies what they do.
    """

    name: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    payload: tuple[Field, ...] = ()
    effects: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()


@dataclass(frozen=True)
class Definition:
    """One version of a named workflow."""

    name: str
    version: int
    entity: str
    title: str
    initial: str
    states: tuple[State, ...]
    actions: tuple[Action, ...]

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)

    @property
    def final_states(self) -> frozenset[str]:
        return frozenset(state.name for state in self.states if state.final)

    @property
    def action_names(self) -> frozenset[str]:
        return frozenset(action.name for action in self.actions)

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(role for action in self.actions for role in action.roles)

    @property
    def guard_names(self) -> frozenset[str]:
        return frozenset(guard for action in self.actions for guard in action.guards)

    @property
    def effect_names(self) -> frozenset[str]:
        return frozenset(effect for action in self.actions for effect in action.effects)

    @property
    def notify_names(self) -> frozenset[str]:
        return frozenset(message for action in self.actions for message in action.notify)

    def tagged(self, tag: str) -> frozenset[str]:
        """The names of the states that carry `tag`."""
        if tag not in STATE_TAGS:
            raise KeyError(f"unknown state tag {tag!r}")
        return frozenset(state.name for state in self.states if tag in state.tags)

    def needs_confirmation(self, action: Action) -> bool:
        """Whether taking `action` cannot be undone, so a person is asked to confirm it."""
        return "needs_confirmation" in self.state(action.dest).tags

    def state(self, name: str) -> State:
        """Return the state called `name`; raise KeyError if there is none."""
        for state in self.states:
            if state.name == name:
                return state
        raise KeyError(name)

    def action(self, name: str) -> Action:
        """Return the action called `name`; raise KeyError if there is none."""
        for action in self.actions:
            if action.name == name:
                return action
        raise KeyError(name)


def load_definition(path: str | Path) -> Definition:
    """Load a definition from `<name>.v<version>.json`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise DefinitionError(f"{path.name}: invalid JSON: {error}") from error
    try:
        definition = parse_definition(data)
    except DefinitionError as error:
        raise DefinitionError(f"{path.name}: {error}") from error
    expected = f"{definition.name}.v{definition.version}.json"
    if path.name != expected:
        raise DefinitionError(f"{path.name}: file name must be {expected!r}")
    return definition


def parse_definition(data: Any) -> Definition:
    """Build a Definition from decoded JSON, refusing anything inconsistent."""
    top = _object(data, "definition", _DEFINITION_KEYS, {})
    name = _name(top["name"], "definition name")
    version = top["version"]
    if version < 1:
        raise DefinitionError(f"workflow {name!r}: version must be at least 1")
    where = f"{name} v{version}"
    if not top["title"].strip():
        raise DefinitionError(f"{where}: title must not be empty")
    definition = Definition(
        name=name,
        version=version,
        entity=_name(top["entity"], f"{where}: entity"),
        title=top["title"],
        initial=top["initial"],
        states=tuple(
            _parse_state(item, _describe(item, f"{where}: state", i))
            for i, item in enumerate(top["states"])
        ),
        actions=tuple(
            _parse_action(item, _describe(item, f"{where}: action", i))
            for i, item in enumerate(top["actions"])
        ),
    )
    _check_graph(definition, where)
    return definition


def _describe(item: Any, kind: str, index: int) -> str:
    """Name a list item in messages: by its name when it has one, else by position."""
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return f"{kind} {item['name']!r}"
    return f"{kind} #{index}"


def _parse_state(data: Any, where: str) -> State:
    item = _object(data, where, {"name": str}, {"final": bool, "tags": list})
    tags = frozenset(_strings(item.get("tags", []), f"{where} tags"))
    if unknown := sorted(tags - STATE_TAGS):
        raise DefinitionError(
            f"{where} has unknown tag(s) {', '.join(unknown)} "
            f"(expected some of {', '.join(sorted(STATE_TAGS))})")
    return State(_name(item["name"], where), item.get("final", False), tags)


def _parse_action(data: Any, where: str) -> Action:
    item = _object(
        data,
        where,
        {"name": str, "from": list, "to": str, "roles": list},
        {"guards": list, "payload": list, "effects": list, "notify": list},
    )
    name = _name(item["name"], where)
    sources = _strings(item["from"], f"{where} 'from'")
    if not sources:
        raise DefinitionError(f"{where} has no source state")
    roles = _strings(item["roles"], f"{where} roles")
    if not roles:
        raise DefinitionError(f"{where} has no allowed role")
    payload = tuple(_parse_field(field, where) for field in item.get("payload", []))
    duplicates = _duplicates(field.name for field in payload)
    if duplicates:
        raise DefinitionError(f"{where} has duplicate payload field(s): {duplicates}")
    return Action(
        name=name,
        sources=sources,
        dest=item["to"],
        roles=frozenset(roles),
        guards=_strings(item.get("guards", []), f"{where} guards"),
        payload=payload,
        effects=_strings(item.get("effects", []), f"{where} effects"),
        notify=_strings(item.get("notify", []), f"{where} notify"),
    )


def _parse_field(data: Any, where: str) -> Field:
    item = _object(data, f"{where} payload field", {"name": str, "type": str}, {"required": bool})
    name = _name(item["name"], f"{where} payload field")
    if item["type"] not in PAYLOAD_TYPES:
        raise DefinitionError(
            f"{where}: field {name!r} has unknown payload type {item['type']!r} "
            f"(expected one of {', '.join(sorted(PAYLOAD_TYPES))})"
        )
    return Field(name, item["type"], item.get("required", False))


def _check_graph(definition: Definition, where: str) -> None:
    state_names = [state.name for state in definition.states]
    for kind, names in (("state", state_names), ("action", [a.name for a in definition.actions])):
        duplicates = _duplicates(names)
        if duplicates:
            raise DefinitionError(f"{where}: duplicate {kind} name(s): {duplicates}")
    if definition.initial not in state_names:
        raise DefinitionError(f"{where}: initial state {definition.initial!r} is not declared")
    finals = definition.final_states
    for action in definition.actions:
        for source in action.sources:
            if source not in state_names:
                raise DefinitionError(
                    f"{where}: action {action.name!r} starts from unknown state {source!r}"
                )
            if source in finals:
                raise DefinitionError(
                    f"{where}: final state {source!r} has outgoing action {action.name!r}"
                )
        if action.dest not in state_names:
            raise DefinitionError(
                f"{where}: action {action.name!r} leads to unknown state {action.dest!r}"
            )
    with_exit = {source for action in definition.actions for source in action.sources}
    for name in state_names:
        if name not in finals and name not in with_exit:
            raise DefinitionError(f"{where}: non-final state {name!r} has no outgoing action")
    reached = _reachable(definition)
    for name in state_names:
        if name not in reached:
            raise DefinitionError(
                f"{where}: state {name!r} is unreachable from {definition.initial!r}"
            )
    can_finish = _can_finish(definition)
    for name in state_names:
        if name not in can_finish:
            raise DefinitionError(
                f"{where}: state {name!r} cannot reach any final state (a trap)"
            )


def _can_finish(definition: Definition) -> set[str]:
    """The states from which some final state can be reached (search backwards from them)."""
    done = set(definition.final_states)
    queue = deque(done)
    while queue:
        current = queue.popleft()
        for action in definition.actions:
            if action.dest == current:
                for source in action.sources:
                    if source not in done:
                        done.add(source)
                        queue.append(source)
    return done


def _reachable(definition: Definition) -> set[str]:
    reached = {definition.initial}
    queue = deque(reached)
    while queue:
        current = queue.popleft()
        for action in definition.actions:
            if current in action.sources and action.dest not in reached:
                reached.add(action.dest)
                queue.append(action.dest)
    return reached


def _object(
    data: Any, where: str, required: dict[str, type], optional: dict[str, type]
) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DefinitionError(f"{where} must be a JSON object")
    unknown = sorted(set(data) - required.keys() - optional.keys())
    if unknown:
        raise DefinitionError(f"{where} has unknown key(s): {', '.join(unknown)}")
    for key, kind in {**required, **optional}.items():
        if key not in data:
            if key in required:
                raise DefinitionError(f"{where} is missing {key!r}")
            continue
        value = data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise DefinitionError(f"{where}: {key!r} must be {_TYPE_NAMES[kind]}")
    return data


def _strings(value: list[Any], where: str) -> tuple[str, ...]:
    if not all(isinstance(item, str) and item for item in value):
        raise DefinitionError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _name(value: str, where: str) -> str:
    if not _NAME.fullmatch(value):
        raise DefinitionError(f"{where}: {value!r} is not a valid name (lowercase, digits, _)")
    return value


def _duplicates(names: Iterable[str]) -> str:
    return ", ".join(sorted(name for name, count in Counter(names).items() if count > 1))
