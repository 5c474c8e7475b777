"""Applications: drafting (create, edit), reading, and the adapter that runs them through the
one workflow path: the access rule, the definition of a row, and what the guard, effect and
message names of the stage workflows do."""

from datetime import datetime
from typing import Any

from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from grants import audit, labels, outbox, permissions
from grants.extensions import db
from grants.inputs import MAX_ID, text_problem
from grants.models import (
    FIELDS,
    Actor,
    Application,
    Call,
    Membership,
    Project,
    Role,
    User,
    utcnow,
)
from grants.operations import calls, workflow
from grants.operations.core import Validator, check_version, transaction
from grants.operations.errors import Conflict, Forbidden, Invalid
from grants.operations.workflow import (
    Context,
    EntityKind,
    Hooks,
    Seen,
    load,
    query,
    seen,
    workflows,
)

MAX_ANSWER = 10_000

hooks = Hooks(pending=frozenset({
    # Named by the stage workflows; built by the capabilities still to come. Until then the
    # actions that need them are neither offered nor taken.
    "tranches_match_award",  # funding: agreement and tranches
    "pilot_planned", "pilot_results_recorded", "pilot_finished",  # pilots
    "evaluation_recorded",  # final evaluation
    "next_stage_call",  # promotion
}))

KIND = EntityKind(
    name="application",
    model=Application,
    roles=permissions.roles_on_applications,
    workflow=lambda application: (application.call.workflow_name,
                                  application.call.workflow_version),
    hooks=hooks,
    load_with=(Application.call, Application.project),
    # a list shows the call's name and dates, never its rubric or questions: do not decode them
    list_with=(joinedload(Application.call, innerjoin=True).load_only(
        Call.id, Call.programme_id, Call.stage, Call.title, Call.opens_at, Call.closes_at,
        Call.cap_per_project, Call.workflow_name, Call.workflow_version),
        joinedload(Application.project, innerjoin=True)),
    # counted per call once submitted: what the manager's calls and queues show
    tally=lambda application: (calls.SCOPE, application.call_id)
    if application.submitted_at is not None else None,
)


# --- guards: each returns the problems it finds, empty when it holds -------------------------


@hooks.guard(offered=True)
def call_open(ctx: Context) -> list[str]:
    call = ctx.entity.call
    if ctx.now < call.opens_at:
        return [_("The call opens on %(when)s.", when=format_datetime(call.opens_at))]
    if ctx.now >= call.closes_at:
        return [_("The call closed on %(when)s.", when=format_datetime(call.closes_at))]
    return []


@hooks.guard
def required_answers(ctx: Context) -> list[str]:
    application = ctx.entity
    problems = []
    if not application.project.summary.strip():
        problems.append(_("The project summary is missing."))
    for question in application.call.questions:
        answer = application.answers.get(question["key"])
        if question.get("required") and not (isinstance(answer, str) and answer.strip()):
            problems.append(_("An answer is missing: %(question)s", question=question["label"]))
    return problems


@hooks.guard
def required_documents(ctx: Context) -> list[str]:
    # Uploads are not built yet: no document can be attached, so every required kind is missing.
    return [_("A document is missing: %(kind)s", kind=kind)
            for kind in ctx.entity.call.required_documents]


def _within_cap(amount: int, cap: int) -> list[str]:
    if amount <= 0:
        return [_("The amount must be more than 0 VND.")]
    if amount > cap:
        return [_("The amount %(amount)s VND is over the cap of %(cap)s VND.",
                  amount=format_decimal(amount), cap=format_decimal(cap))]
    return []


@hooks.guard
def amount_within_cap(ctx: Context) -> list[str]:
    return _within_cap(ctx.entity.requested_amount, ctx.entity.call.cap_per_project)


@hooks.guard
def award_within_cap(ctx: Context) -> list[str]:
    return _within_cap(ctx.payload["amount"], ctx.entity.call.cap_per_project)


@hooks.guard(offered=True)
def before_revision_deadline(ctx: Context) -> list[str]:
    if deadline_behind(ctx.entity, ctx.now):
        return [_("The revision deadline passed on %(when)s.",
                  when=format_datetime(ctx.entity.revision_deadline))]
    return []


@hooks.guard(offered=True)
def revision_deadline_passed(ctx: Context) -> list[str]:
    deadline = ctx.entity.revision_deadline
    if deadline is not None and ctx.now < deadline:
        return [_("The startup may still revise it until %(when)s.",
                  when=format_datetime(deadline))]
    return []


@hooks.guard
def revision_deadline_in_future(ctx: Context) -> list[str]:
    deadline = ctx.payload.get("revision_deadline")
    if deadline is not None and deadline <= ctx.now:
        return [_("The revision deadline must be in the future.")]
    return []


@hooks.guard
def revision_deadline_later(ctx: Context) -> list[str]:
    """An extension gives more time, never less."""
    current, new = ctx.entity.revision_deadline, ctx.payload.get("revision_deadline")
    if current is not None and new is not None and new <= current:
        return [_("The new deadline must be later than the current one, %(when)s.",
                  when=format_datetime(current))]
    return []


@hooks.guard
def award_within_budget(ctx: Context) -> list[str]:
    call_id = ctx.entity.call_id
    # Lock the call: two approvals in one call take turns, so the budget is never exceeded.
    budget = db.session.scalars(
        select(Call.budget).where(Call.id == call_id).with_for_update()
    ).one()
    committed = db.session.scalar(
        select(func.coalesce(func.sum(Application.awarded_amount), 0)).where(
            Application.call_id == call_id,
            Application.state.in_(ctx.definition.tagged("commits_budget")))
    )
    remaining = budget - committed
    if ctx.payload["amount"] > remaining:
        return [_("The award is over the call's remaining budget of %(left)s VND.",
                  left=format_decimal(remaining))]
    return []


# --- effects: what an action changes besides the state ---------------------------------------


@hooks.effect
def set_submitted(ctx: Context) -> None:
    ctx.entity.submitted_at = ctx.now
    ctx.entity.revision_deadline = None


@hooks.effect
def set_revision_deadline(ctx: Context) -> None:
    ctx.entity.revision_deadline = ctx.payload["revision_deadline"]


@hooks.effect
def clear_revision_deadline(ctx: Context) -> None:
    """Leaving the revision for good (withdrawn, closed): no deadline is pending any more."""
    ctx.entity.revision_deadline = None


@hooks.effect
def set_award(ctx: Context) -> None:
    ctx.entity.awarded_amount = ctx.payload["amount"]


# --- messages: mails to the startup's members, through the outbox ----------------------------


# The active members of one organization: whom the startup's mails go to.
MEMBERS = (select(User.id).join(Membership, Membership.user_id == User.id)
           .where(Membership.organization_id == bindparam("organization_id"),
                  User.active.is_(True)))


def _mail_members(ctx: Context, message: str, **extra: Any) -> None:
    """The message to every active member of the startup, each in their own language."""
    application = ctx.entity
    context = {"application_id": application.id, "title": application.project.title,
               "url": f"/applications/{application.id}"} | extra
    outbox.enqueue_to(MEMBERS, message, context,
                      params={"organization_id": application.project.organization_id},
                      entity_type=KIND.name, entity_id=application.id)


@hooks.message
def submission_receipt(ctx: Context) -> None:
    _mail_members(ctx, "submission_receipt", call_title=ctx.entity.call.title,
                  submitted_at=audit.to_json_value(ctx.now))


@hooks.message
def revision_request(ctx: Context) -> None:
    _mail_members(ctx, "revision_request", reason=ctx.payload["reason"],
                  revision_deadline=audit.to_json_value(ctx.entity.revision_deadline))


@hooks.message
def deadline_extension(ctx: Context) -> None:
    _mail_members(ctx, "deadline_extension", reason=ctx.payload["reason"],
                  revision_deadline=audit.to_json_value(ctx.entity.revision_deadline))


@hooks.message
def ineligibility_notice(ctx: Context) -> None:
    _mail_members(ctx, "ineligibility_notice", reason=ctx.payload["reason"])


@hooks.message
def withdrawal_notice(ctx: Context) -> None:
    _mail_members(ctx, "withdrawal_notice")


# --- drafting and reading --------------------------------------------------------------------


def _answers(v: Validator, call: Call, answers: Any) -> dict[str, str]:
    """Keep only the call's questions; every answer is text."""
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        v.fail("answers", _("Must be an object of answers."))
        return {}
    keys = {q["key"] for q in call.questions}
    clean = {}
    for key, value in answers.items():
        if key not in keys:
            v.fail(f"answers.{key}", _("Not a question of this call."))
        elif value is not None and not isinstance(value, str):
            v.fail(f"answers.{key}", _("Must be text."))
        elif value is not None and len(value) > MAX_ANSWER:
            v.fail(f"answers.{key}", _("At most %(n)d characters.", n=MAX_ANSWER))
        elif value is not None and (problem := text_problem(value)):
            v.fail(f"answers.{key}", problem)
        else:
            clean[key] = (value or "").strip()
    return clean


def _project_fields(v: Validator, project: Any, *, partial: bool) -> dict[str, Any]:
    if not isinstance(project, dict):
        v.fail("project", _("Must be an object."))
        return {}
    pv = Validator(project)
    fields: dict[str, Any] = {}
    if not partial or "title" in project:
        fields["title"] = pv.text("title")
    if not partial or "summary" in project:
        fields["summary"] = pv.text("summary", required=False, max_length=5000, default="")
    if not partial or "field" in project:
        fields["field"] = pv.choice("field", FIELDS, labels=labels.FIELDS)
    for name, message in pv.errors.items():
        v.fail(f"project.{name}", message)
    return fields


def create_application(actor: Actor, data: Any, *, form_token: str | None = None) -> Application:
    """A draft application of a new project of one of the actor's organizations. A page's
    `form_token` is kept with it, unique per author, so one form never makes two drafts."""
    v = Validator(data)
    call_id = v.integer("call_id", minimum=1, maximum=MAX_ID)
    requested = v.integer("requested_amount", required=False, default=0)
    project_data = data.get("project")
    fields = _project_fields(v, project_data, partial=False)
    organization_id = Validator(project_data).integer(
        "organization_id", minimum=1, maximum=MAX_ID) if isinstance(project_data, dict) else None
    if isinstance(project_data, dict) and organization_id is None:
        v.fail("project.organization_id", _("Choose one of your organizations."))
    if not permissions.can_apply(actor):
        raise Forbidden(_("Only startup accounts can apply."))
    with transaction():
        call = db.session.get(Call, call_id) if call_id else None
        if call_id and call is None:
            v.fail("call_id", _("No such call."))
        if organization_id and not permissions.is_member(actor, organization_id):
            v.fail("project.organization_id", _("You are not a member of this organization."))
        answers = _answers(v, call, data.get("answers")) if call else {}
        v.check()
        if not call.is_open(utcnow()):
            raise Invalid(_("This call is not open for applications."),
                          {"call_id": _("This call is not open for applications.")})
        project = Project(organization_id=organization_id, **fields)
        db.session.add(project)
        db.session.flush()
        initial = calls.definition(call).initial
        application = Application(
            project=project, call=call, state=initial, version=1, answers=answers,
            requested_amount=requested, created_by_id=actor.id, form_token=form_token,
        )
        db.session.add(application)
        db.session.flush()
        audit.record(
            actor=actor, role=Role.APPLICANT.value, entity_type=KIND.name,
            entity_id=application.id, action="create", to_state=initial,
            payload={"call_id": call.id, "project": fields | {"id": project.id,
                     "organization_id": organization_id},
                     "answers": answers, "requested_amount": requested},
        )
    return application


def update_application(actor: Actor, application_id: Any, data: Any) -> Application:
    """Edit a draft (or an application returned for changes); `version` must be current."""
    v = Validator(data)
    with transaction():
        application, roles = load(KIND, actor, application_id, lock=True)
        if Role.APPLICANT.value not in roles:
            raise Forbidden(_("Only the applicant can edit this application."))
        check_version(application, data.get("version"))
        if not can_edit(Seen(application, roles)):
            if deadline_behind(application):
                raise Conflict(_("The revision deadline passed on %(when)s.",
                                 when=format_datetime(application.revision_deadline)))
            raise Conflict(_("The application can no longer be edited (it is %(state)s).",
                             state=labels.state(application.state)))
        changes: dict[str, Any] = {}
        if "project" in data:
            for name, value in _project_fields(v, data["project"], partial=True).items():
                if value is not None and getattr(application.project, name) != value:
                    changes[f"project.{name}"] = value
        if "answers" in data:
            answers = _answers(v, application.call, data["answers"])
            merged = application.answers | answers
            if merged != application.answers:
                changes["answers"] = answers
        if "requested_amount" in data:
            amount = v.integer("requested_amount")
            if amount is not None and amount != application.requested_amount:
                changes["requested_amount"] = amount
        v.check()
        if not changes:
            return application
        for key, value in changes.items():
            if key.startswith("project."):
                setattr(application.project, key.removeprefix("project."), value)
        if "answers" in changes:
            application.answers = application.answers | changes["answers"]
        if "requested_amount" in changes:
            application.requested_amount = changes["requested_amount"]
        application.version += 1
        audit.record(
            actor=actor, role=Role.APPLICANT.value, entity_type=KIND.name,
            entity_id=application.id, action="edit", from_state=application.state,
            to_state=application.state, payload=changes,
        )
    return application


def can_edit(item: Seen) -> bool:
    """The applicant edits the content while the workflow tags the state as editable and the
    revision deadline, if one is set, has not passed."""
    definition = workflows().definition(KIND, item.entity)
    return permissions.can_edit(item.roles, item.entity.state,
                                definition.tagged("applicant_editable")) \
        and not deadline_behind(item.entity)


def deadline_behind(application: Application, now: datetime | None = None) -> bool:
    """Whether the application's revision deadline is set and behind us."""
    deadline = application.revision_deadline
    return deadline is not None and (now or utcnow()) >= deadline


def list_applications(actor: Actor, *, call_id: int | None = None, state: str | None = None,
                      as_roles: frozenset[str] | None = None, before_id: int | None = None,
                      limit: int = 50) -> list[Seen]:
    """What the actor may see (as one of `as_roles`, when given), newest first,
    keyset-paginated by id, each with the actor's roles on it."""
    if state is not None and state not in _states():
        raise Invalid(_("Some fields are not valid."),
                      {"state": _("Not a state of the application workflows.")})
    statement = query(KIND, actor, only=as_roles).order_by(Application.id.desc()).limit(limit)
    if call_id is not None:
        statement = statement.where(Application.call_id == call_id)
    if state is not None:
        statement = statement.where(Application.state == state)
    if before_id is not None:
        statement = statement.where(Application.id < before_id)
    return seen(KIND, actor, statement, only=as_roles)


def made_with(actor: Actor, form_token: str | None) -> int | None:
    """The id of the draft the actor made with this form, if any."""
    if not form_token:
        return None
    return db.session.scalar(select(Application.id).where(
        Application.created_by_id == actor.id, Application.form_token == form_token))


def _states() -> frozenset[str]:
    """Every state of the application workflows the app runs (all versions)."""
    return frozenset(state.name for definition in workflows().registry.all()
                     if definition.entity == KIND.name for state in definition.states)


def get_application(actor: Actor, application_id: Any) -> Seen:
    """The application and the actor's roles on it; NotFound if they hold none."""
    return load(KIND, actor, application_id)


def act(actor: Actor, application_id: Any, action: str, data: Any) -> Application:
    """Take one workflow action on an application, through the one path (`workflow.act`)."""
    return workflow.act(actor, KIND, application_id, action, data)


def allowed_actions(actor: Actor, item: Seen) -> list[str]:
    """The actions the actor may take on this application now."""
    return workflow.allowed_actions(actor, KIND, item)
