"""The one path every workflow action takes:

load (row locked) → may the caller see it → is the version current → is the action valid from
this state and allowed to the caller's role → payload → guards → change state → effects →
audit event → commit, all in one transaction.
"""

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from grants import audit, labels, permissions
from grants.models import Application, Role, User, utcnow
from grants.operations.core import check_version, load, to_utc, transaction
from grants.operations.errors import Conflict, Forbidden, Invalid, NotFound
from grants.operations.guards import GUARDS, GuardContext
from workflow import (
    Definition,
    Engine,
    GuardFailed,
    InvalidTransition,
    NotAllowed,
    PayloadError,
    Registry,
    default_registry,
)

# Guards the definitions name whose capability is not built yet; their actions are not offered.
NOT_BUILT = frozenset({
    "review_quorum_assigned", "review_quorum_submitted", "tranches_match_award", "pilot_planned",
    "pilot_results_recorded", "pilot_finished", "evaluation_recorded", "next_stage_call",
    "four_eyes",
})


def check_definitions(registry: Registry) -> None:
    """Refuse definitions that name a guard or a role the app does not know (a typo would
    otherwise hide an action or make it impossible to take)."""
    roles = {role.value for role in Role}
    for definition in registry.all():
        unknown_guards = definition.guard_names - GUARDS.keys() - NOT_BUILT
        unknown_roles = definition.role_names - roles
        if unknown_guards or unknown_roles:
            raise RuntimeError(
                f"workflow {definition.name} v{definition.version}: unknown guards "
                f"{sorted(unknown_guards)}, unknown roles {sorted(unknown_roles)}")


engine = Engine(default_registry())
check_definitions(engine.registry)


def definition_of(application: Application) -> Definition:
    call = application.call
    return engine.registry.get(call.workflow_name, call.workflow_version)


def available(action_name: str, definition: Definition) -> bool:
    """An action is offered once the app implements every guard it names."""
    return all(name in GUARDS for name in definition.action(action_name).guards)


def allowed_actions(user: User, application: Application,
                    org_ids: set[int] | None = None) -> list[str]:
    definition = definition_of(application)
    roles = permissions.roles_on_application(user, application, org_ids)
    return [
        name
        for name in engine.allowed_actions(definition, application.state, roles)
        if available(name, definition)
    ]


def _set_submitted(ctx: GuardContext) -> None:
    ctx.application.submitted_at = ctx.now
    ctx.application.revision_deadline = None


def _set_revision_deadline(ctx: GuardContext) -> None:
    ctx.application.revision_deadline = ctx.payload["revision_deadline"]


def _set_award(ctx: GuardContext) -> None:
    ctx.application.awarded_amount = ctx.payload["amount"]


# What an action changes besides the state.
EFFECTS: dict[str, Callable[[GuardContext], None]] = {
    "submit": _set_submitted,
    "resubmit": _set_submitted,
    "return_for_changes": _set_revision_deadline,
    "approve": _set_award,
}


def act(actor: User, application_id: Any, action_name: str, data: Mapping[str, Any]) -> Application:
    """Take one workflow action on an application; raises an OperationError when refused."""
    with transaction():
        application = load(Application, application_id, lock=True,
                           with_=(Application.call, Application.project))
        roles = permissions.roles_on_application(actor, application)
        if not roles:
            raise NotFound(_("Not found."))
        check_version(application, data.get("version"))
        definition = definition_of(application)
        if action_name not in definition.action_names:
            raise NotFound(_("No such action."))
        try:
            action = engine.check(definition, application.state, action_name, roles)
        except InvalidTransition:
            raise Conflict(_("“%(action)s” is not possible while the application is %(state)s.",
                             action=labels.ACTIONS.get(action_name, action_name),
                             state=labels.STATES[application.state])) from None
        except NotAllowed:
            raise Forbidden(_("You may not take this action.")) from None
        if not available(action_name, definition):
            raise Conflict(_("“%(action)s” is not available yet.",
                             action=labels.ACTIONS[action_name]))
        try:
            payload = engine.parse_payload(action, data)
        except PayloadError as error:
            raise Invalid(_("Some fields are not valid."), {
                name: str(labels.PAYLOAD_ERRORS.get(message, message))
                for name, message in error.errors.items()}) from None
        for key, value in payload.items():
            if hasattr(value, "tzinfo"):
                payload[key] = to_utc(value)
        ctx = GuardContext(application, actor, payload, utcnow())
        try:
            engine.run_guards(action, GUARDS, ctx)
        except GuardFailed as failure:
            raise Invalid(_("The application is not ready for this step."),
                          problems=failure.problems) from None
        transition = engine.fire(definition, application, action_name, roles)
        if effect := EFFECTS.get(action_name):
            effect(ctx)
        application.version += 1
        reason = payload.pop("reason", None)
        audit.record(
            actor=actor,
            role=sorted(action.roles & roles)[0],
            entity_type="application",
            entity_id=application.id,
            action=action_name,
            from_state=transition.source,
            to_state=transition.dest,
            payload=payload,
            reason=reason,
        )
    return application
