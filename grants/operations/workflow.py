"""The one path every workflow action takes, for every kind of entity.

A workflow definition names its entity ("application", "tranche", …). For each entity kind the
app supplies a small adapter, `EntityKind`: its table, the access rule that says which roles
an actor holds on a row, which definition runs a row, what the row belongs to (its parent in
the audit history), and `Hooks`: what the guard, effect and message names of the definitions
do. The path below is written once and knows nothing else about any entity.

The definitions and the adapters are given to the app at start-up (`install`); tests can
supply others.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import joinedload

from grants import audit, labels, permissions
from grants.extensions import db
from grants.inputs import MAX_ID
from grants.models import Actor, Role, utcnow
from grants.operations import counts
from grants.operations.core import check_version, to_utc, transaction
from grants.operations.errors import Conflict, Forbidden, Invalid, NotFound
from grants.permissions import Roles
from workflow import (
    Definition,
    Engine,
    GuardFailed,
    InvalidTransition,
    NotAllowed,
    PayloadError,
    Registry,
)


@dataclass
class Context:
    """What a guard, an effect or a message sees of the action being taken."""

    entity: Any
    actor: Actor
    roles: frozenset[str]
    payload: dict[str, Any]
    now: datetime
    definition: Definition


Guard = Callable[[Context], list[str]]
Effect = Callable[[Context], None]


@dataclass
class Hooks:
    """What the names in one entity kind's definitions do.

    Register with decorators; the function's name is the name the definitions use:
    `@hooks.guard` returns the problems it finds (empty when it holds), `@hooks.effect` changes
    the entity besides its state, `@hooks.message` writes notifications to the outbox. A guard
    registered `offered=True` depends only on the entity, the actor and the time, not on the
    payload: an action it refuses is not offered at all. `pending` names guards whose
    capability is not built yet; their actions are neither offered nor taken.
    """

    guards: dict[str, Guard] = field(default_factory=dict)
    effects: dict[str, Effect] = field(default_factory=dict)
    messages: dict[str, Effect] = field(default_factory=dict)
    offered: set[str] = field(default_factory=set)
    pending: frozenset[str] = frozenset()

    def guard(self, function: Guard | None = None, *, offered: bool = False):
        def register(function: Guard) -> Guard:
            self.guards[function.__name__] = function
            if offered:
                self.offered.add(function.__name__)
            return function

        return register(function) if function else register

    def effect(self, function: Effect) -> Effect:
        self.effects[function.__name__] = function
        return function

    def message(self, function: Effect) -> Effect:
        self.messages[function.__name__] = function
        return function


@dataclass(frozen=True)
class EntityKind:
    """What the one path needs to know about one kind of entity."""

    name: str  # the definitions' "entity", and the audit events' entity_type
    model: type  # its table; rows have `id`, `state` and `version`
    roles: Callable[[Actor], Roles]  # the access rule (grants/permissions)
    workflow: Callable[[Any], tuple[str, int]]  # name and version of the definition of a row
    hooks: Hooks
    parent: Callable[[Any], tuple[str, int] | None] = lambda row: None
    parent_kind: str | None = None  # the kind `parent` names: its history shows our events
    load_with: tuple = ()  # many-to-one relationships loaded in the same query
    # loader options of list pages, when they need less of those relationships than one row
    list_with: tuple | None = None
    # the scope a row is counted in per state (grants/operations/counts.py), or None
    tally: Callable[[Any], tuple[str, int] | None] = lambda row: None
    # the amount a counted row adds to its count's sum (an application: its award)
    amount: Callable[[Any], int] = lambda row: 0
    # who reads a row's events in its parent's history, when not everyone who may see the row
    history_roles: Callable[[Actor], Roles] | None = None
    # (state tag, attribute): the time a row first enters a state with the tag is kept in the
    # attribute (an application's decision, its agreement's signature: what the KPIs count)
    milestones: tuple[tuple[str, str], ...] = ()


class Seen(NamedTuple):
    """An entity and the roles the actor holds on it."""

    entity: Any
    roles: frozenset[str]


class Workflows:
    """The app's definitions and entity adapters, checked against each other at start-up."""

    def __init__(self, registry: Registry, kinds: Iterable[EntityKind],
                 unbuilt: Iterable[str] = ()):
        self.engine = Engine(registry)
        self.registry = registry
        self.kinds = {kind.name: kind for kind in kinds}
        self.unbuilt = frozenset(unbuilt)  # entities whose definitions ship but do not run yet
        # statements built from the access rules, per (kind, shape of the actor's grants, …)
        self.statements: dict[tuple, Any] = {}
        self._check()

    def _check(self) -> None:
        """Refuse definitions that name an entity, guard, effect, message or role the app does
        not know: a typo would otherwise hide an action or make it impossible to take."""
        known_roles = {role.value for role in Role}
        for definition in self.registry.all():
            where = f"workflow {definition.name} v{definition.version}"
            kind = self.kinds.get(definition.entity)
            if kind is None and definition.entity in self.unbuilt:
                continue
            if kind is None:
                raise RuntimeError(f"{where}: no adapter for entity {definition.entity!r}")
            hooks = kind.hooks
            unknown = {
                "guards": definition.guard_names - hooks.guards.keys() - hooks.pending,
                "effects": definition.effect_names - hooks.effects.keys(),
                "messages": definition.notify_names - hooks.messages.keys(),
                "roles": definition.role_names - known_roles,
            }
            if any(unknown.values()):
                raise RuntimeError(f"{where}: unknown " + ", ".join(
                    f"{what} {sorted(names)}" for what, names in unknown.items() if names))

    def definition(self, kind: EntityKind, row: Any) -> Definition:
        return self.registry.get(*kind.workflow(row))


def install(app, registry: Registry, kinds: Iterable[EntityKind],
            unbuilt: Iterable[str] = ()) -> None:
    app.extensions["grants.workflows"] = Workflows(registry, kinds, unbuilt)


def workflows() -> Workflows:
    return current_app.extensions["grants.workflows"]


class _GrantsOnly:
    """The actor as an access rule may see it while its SQL is built for reuse: its grants
    (`permissions.programmes_where`), but not its id, which a rule must take from
    `permissions.ACTOR` at execution, nor `has_role`, whose answer for SYSTEM is not in the
    shape of its grants."""

    def __init__(self, actor: Actor):
        self.grants = actor.grants

    @property
    def id(self):
        raise AttributeError("an access rule names the actor as permissions.ACTOR, not by id")


MAX_STATEMENTS = 512  # shapes of grants are few; the bound only stops a pathological growth


def _built(key: tuple, build: Callable[[], Any]) -> Any:
    """A statement (or rule) built once per key and reused: building SQL expressions costs
    more Python than running them."""
    cache = workflows().statements
    found = cache.get(key)
    if found is None:
        if len(cache) >= MAX_STATEMENTS:
            cache.clear()
        found = cache[key] = build()
    return found


def _roles(kind: EntityKind, actor: Actor, only: Iterable[str] | None) -> permissions.Roles:
    only = None if only is None else frozenset(only)

    def build() -> permissions.Roles:
        roles = kind.roles(_GrantsOnly(actor))
        return roles if only is None else {name: roles[name] for name in roles if name in only}

    return _built(("roles", kind.name, permissions.grant_shape(actor), only), build)


def visible_to(kind: EntityKind, actor: Actor) -> ColumnElement[bool]:
    """The access rule as a WHERE clause: the rows the actor holds a role on (run the statement
    with {"actor_id": actor.id})."""
    return permissions.visible(_roles(kind, actor, None))


def readable_in_history(kind: EntityKind, actor: Actor) -> ColumnElement[bool]:
    """The rows of `kind` whose events the actor reads in their parent's history: those they
    may see, unless the kind narrows it (`history_roles`)."""
    if kind.history_roles is None:
        return visible_to(kind, actor)
    return permissions.visible(_built(
        ("history", kind.name, permissions.grant_shape(actor)),
        lambda: kind.history_roles(_GrantsOnly(actor))))


def query(kind: EntityKind, actor: Actor, *, only: Iterable[str] | None = None) -> Select:
    """The rows of `kind` the actor may see (holding one of the roles `only`, when given), for
    the caller to filter, order and bound, then to run with `seen`."""
    return select(kind.model).where(permissions.visible(_roles(kind, actor, only)))


def seen(kind: EntityKind, actor: Actor, statement: Select, *,
         only: Iterable[str] | None = None) -> list[Seen]:
    """Run `query(kind, actor, only=…)` (refined by the caller): the entities in its order,
    each with the actor's roles on it.

    Two statements: the page's ids, then those rows with one column per role. Asked in one,
    PostgreSQL plans the role columns for every row the WHERE clause could match (a hashed
    subplan over the whole table), not for the page it returns.
    """
    roles = _roles(kind, actor, only)
    params = {"actor_id": actor.id}
    ids = list(db.session.scalars(statement.with_only_columns(kind.model.id), params))
    if not ids:
        return []
    options = kind.list_with if kind.list_with is not None else tuple(
        joinedload(r, innerjoin=True) for r in kind.load_with)
    rows = db.session.execute(
        select(kind.model, *permissions.role_columns(roles))
        .where(kind.model.id.in_(ids)).options(*options), params)
    found = {row[0].id: Seen(row[0], permissions.held(roles, row[1:])) for row in rows}
    # (a row whose roles changed between the two statements is left out, never shown roleless)
    return [found[i] for i in ids if i in found and permissions.can_view(found[i].roles)]


def load(kind: EntityKind, actor: Actor, entity_id: Any, *, lock: bool = False) -> Seen:
    """One entity and the actor's roles on it, in one statement; NotFound if the actor holds
    no role on it (they must not learn that it exists). `lock` locks the row for update."""
    if not isinstance(entity_id, int) or isinstance(entity_id, bool) \
            or not 1 <= entity_id <= MAX_ID:
        raise NotFound(_("Not found."))
    roles = _roles(kind, actor, None)

    def build() -> Select:
        statement = (select(kind.model, *permissions.role_columns(roles))
                     .where(kind.model.id == bindparam("entity_id"))
                     .options(*(joinedload(r, innerjoin=True) for r in kind.load_with)))
        if lock:
            statement = statement.with_for_update(of=kind.model).execution_options(
                populate_existing=True)
        return statement

    statement = _built(("load", kind.name, permissions.grant_shape(actor), lock), build)
    row = db.session.execute(
        statement, {"actor_id": actor.id, "entity_id": entity_id}).one_or_none()
    held = permissions.held(roles, row[1:]) if row else frozenset()
    if not permissions.can_view(held):
        raise NotFound(_("Not found."))
    return Seen(row[0], held)


def available(hooks: Hooks, definition: Definition, action_name: str) -> bool:
    """An action is offered and taken once the app builds every guard it names."""
    return not hooks.pending.intersection(definition.action(action_name).guards)


def allowed_actions(actor: Actor, kind: EntityKind, item: Seen,
                    now: datetime | None = None) -> list[str]:
    """The actions the actor may take on the entity now: valid from its state, open to one of
    the actor's roles, built, and not refused by a guard that depends only on the time."""
    definition = workflows().definition(kind, item.entity)
    hooks = kind.hooks
    context = Context(item.entity, actor, item.roles, {}, now or utcnow(), definition)
    return [
        name for name in workflows().engine.allowed_actions(
            definition, item.entity.state, item.roles)
        if available(hooks, definition, name) and not any(
            hooks.guards[guard](context)
            for guard in definition.action(name).guards if guard in hooks.offered)
    ]


def act(actor: Actor, kind: EntityKind, entity_id: Any, action_name: str,
        data: Mapping[str, Any]) -> Any:
    """Take one workflow action on one entity; raise an OperationError when it is refused.

    In one transaction:
    1. load the row, locked for update, with the actor's roles on it (none: 404);
    2. the action must exist in the row's definition (404) and be open to one of the roles
       (403, whatever the state: who may comes before whether now);
    3. the version the caller read must be the current one (409), and the action valid from
       the current state (409);
    4. parse the payload the definition declares (422, per field);
    5. run every guard and report all their problems together (422);
    6. change the state (stamping the milestones it reaches first), apply the action's effects,
       bump the version, move the state counts;
    7. append the audit event (with the entity's parent), write the action's messages to the
       outbox;
    8. commit: all of it, or nothing.
    """
    registry = workflows()
    with transaction():
        entity, roles = load(kind, actor, entity_id, lock=True)
        counted_in, amount = kind.tally(entity), kind.amount(entity)
        definition = registry.definition(kind, entity)
        if action_name not in definition.action_names:
            raise NotFound(_("No such action."))
        if definition.action(action_name).roles.isdisjoint(roles):
            raise Forbidden(_("You may not take this action."))
        check_version(entity, data.get("version"))
        try:
            action = registry.engine.check(definition, entity.state, action_name, roles)
        except InvalidTransition:
            raise Conflict(_("“%(action)s” is not possible in the state “%(state)s”.",
                             action=labels.action(action_name),
                             state=labels.state(entity.state))) from None
        except NotAllowed:
            raise Forbidden(_("You may not take this action.")) from None
        if not available(kind.hooks, definition, action_name):
            raise Conflict(_("“%(action)s” is not available yet.",
                             action=labels.action(action_name)))
        try:
            payload = registry.engine.parse_payload(action, data)
        except PayloadError as error:
            raise Invalid(_("Some fields are not valid."), {
                name: str(labels.PAYLOAD_ERRORS.get(message, message))
                for name, message in error.errors.items()}) from None
        for key, value in payload.items():
            if isinstance(value, datetime):
                payload[key] = to_utc(value)
        context = Context(entity, actor, roles, payload, utcnow(), definition)
        try:
            registry.engine.run_guards(action, kind.hooks.guards, context)
        except GuardFailed as failure:
            problems = failure.problems  # the cause first, when there is one
            raise Invalid(problems[0] if len(problems) == 1 else _(
                "“%(action)s” cannot be taken until these are resolved.",
                action=labels.action(action_name)), problems=problems) from None
        transition = registry.engine.fire(definition, entity, action_name, roles)
        for tag, attribute in kind.milestones:
            if getattr(entity, attribute) is None and transition.dest in definition.tagged(tag):
                setattr(entity, attribute, context.now)
        for name in action.effects:
            kind.hooks.effects[name](context)
        entity.version += 1
        now_counted_in = kind.tally(entity)
        counts.move(counted_in and (counted_in, transition.source),
                    now_counted_in and (now_counted_in, transition.dest),
                    (amount, kind.amount(entity)))
        reason = payload.pop("reason", None)
        audit.record(
            actor=actor,
            role=sorted(action.roles & roles)[0],
            entity_type=kind.name,
            entity_id=entity.id,
            action=action_name,
            from_state=transition.source,
            to_state=transition.dest,
            payload=payload,
            reason=reason,
            parent=kind.parent(entity),
        )
        context.payload["reason"] = reason
        for name in action.notify:
            kind.hooks.messages[name](context)
    return entity
