"""Engine that runs workflow definitions on shared `transitions` machines."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from transitions import Machine

from workflow.definition import Action, Definition
from workflow.errors import (
    DefinitionError,
    GuardFailed,
    InvalidTransition,
    NotAllowed,
    UnknownGuard,
)
from workflow.payload import parse_payload
from workflow.registry import Registry

Guard = Callable[[Any], list[str]]


class HasState(Protocol):
    """Any object whose workflow state is stored in `state`."""

    state: str


@dataclass(frozen=True)
class Transition:
    """The outcome of firing an action."""

    action: str
    source: str
    dest: str


def machine_config(definition: Definition) -> dict[str, Any]:
    """Keyword arguments describing `definition` to a `transitions` machine."""
    return {
        "states": [{"name": state.name, "final": state.final} for state in definition.states],
        "transitions": [
            {"trigger": action.name, "source": list(action.sources), "dest": action.dest}
            for action in definition.actions
        ],
        "initial": definition.initial,
        "auto_transitions": False,
    }


class _Proxy:
    """Throwaway model carrying one entity's state through a shared machine."""

    state: str
    trigger: Callable[[str], bool]


@dataclass
class _SharedMachine:
    machine: Machine
    lock: threading.Lock = field(default_factory=threading.Lock)


class Engine:
    """Checks and fires actions; one machine per definition version, shared by all entities."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._machines: dict[tuple[str, int], _SharedMachine] = {}
        self._lock = threading.Lock()

    parse_payload = staticmethod(parse_payload)

    def allowed_actions(
        self, definition: Definition, state: str, roles: Collection[str]
    ) -> list[str]:
        """Names of the actions these roles may take from `state`, in definition order."""
        return [
            action.name
            for action in definition.actions
            if state in action.sources and not action.roles.isdisjoint(roles)
        ]

    def check(
        self, definition: Definition, state: str, action_name: str, roles: Collection[str]
    ) -> Action:
        """Return the action if it may be taken from `state` by one of `roles`. Who may comes
        before whether now: a role that may never take the action is told so (NotAllowed)
        whatever the state."""
        try:
            action = definition.action(action_name)
        except KeyError:
            raise InvalidTransition(
                f"unknown action {action_name!r} in {definition.name} v{definition.version}"
            ) from None
        if action.roles.isdisjoint(roles):
            raise NotAllowed(
                f"action {action_name!r} may only be taken by: {', '.join(sorted(action.roles))}"
            )
        if state not in action.sources:
            raise InvalidTransition(f"action {action_name!r} cannot be taken from state {state!r}")
        return action

    @staticmethod
    def run_guards(action: Action, guards: Mapping[str, Guard], context: Any) -> None:
        """Run every guard of the action; raise GuardFailed listing all problems."""
        missing = [name for name in action.guards if name not in guards]
        if missing:
            raise UnknownGuard(
                f"action {action.name!r} needs unknown guard(s): {', '.join(missing)}"
            )
        problems = [problem for name in action.guards for problem in guards[name](context)]
        if problems:
            raise GuardFailed(problems)

    def fire(
        self, definition: Definition, entity: HasState, action_name: str, roles: Collection[str]
    ) -> Transition:
        """Take the action on the entity and store the new state on it."""
        source = entity.state
        action = self.check(definition, source, action_name, roles)
        shared = self._shared(definition)
        proxy = _Proxy()
        with shared.lock:
            shared.machine.add_model(proxy, initial=source)
            try:
                proxy.trigger(action.name)
            finally:
                shared.machine.remove_model(proxy)
        entity.state = proxy.state
        return Transition(action.name, source, proxy.state)

    def _shared(self, definition: Definition) -> _SharedMachine:
        if self.registry.get(definition.name, definition.version) != definition:
            raise DefinitionError(
                f"{definition.name} v{definition.version} differs from the registered definition"
            )
        with self._lock:
            shared = self._machines.get(definition.key)
            if shared is None:
                shared = _SharedMachine(Machine(model=None, **machine_config(definition)))
                self._machines[definition.key] = shared
            return shared
