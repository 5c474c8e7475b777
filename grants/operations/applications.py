"""Applications: drafting (create, edit), reading, and the adapter that runs them through the
one workflow path: the access rule, the definition of a row, and what the guard, effect and
message names of the stage workflows do."""

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, exists, false, func, or_, select, true
from sqlalchemy.orm import joinedload

from grants import audit, labels, outbox, permissions
from grants.extensions import db
from grants.inputs import MAX_ID, MAX_MONEY, text_problem, whole_number
from grants.models import (
    FIELDS,
    Actor,
    Application,
    ApplicationRevision,
    Call,
    Membership,
    Organization,
    Project,
    Role,
    User,
    utcnow,
)
from grants.operations import calls, workflow
from grants.operations.core import LOCAL, Validator, check_version, transaction
from grants.operations.errors import Conflict, Forbidden, Invalid, OperationError
from grants.operations.workflow import (
    Context,
    EntityKind,
    Hooks,
    Seen,
    available,
    load,
    query,
    seen,
    workflows,
)

MAX_ANSWER = 10_000
MAX_SHORT_ANSWER = 1000  # a "text" question: one line
MAX_TEAM = 5000
MAX_MILESTONES = 24
BUDGET_PARTS = ("labour", "other")

# The guards, effects and messages of the stage workflows; those of reviews, funding, pilots
# and promotion are registered on it by their modules (grants/operations/reviews.py, …).
hooks = Hooks()

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
    # when it was first decided on, and when its agreement was signed (the KPIs' years)
    milestones=(("decided", "decided_at"), ("agreement_in_force", "signed_at")),
    tally=lambda application: (calls.SCOPE, application.call_id)
    if application.submitted_at is not None else None,
    # summed per call and state beside the counts: the budget ledger reads the sums
    amount=lambda application: application.awarded_amount or 0,
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


def answered(value: Any) -> bool:
    """Whether an answer was given: text that is not blank, or a number."""
    return (isinstance(value, str) and bool(value.strip())) or \
        (isinstance(value, int) and not isinstance(value, bool))


def answerable(call: Call) -> list[dict[str, Any]]:
    """The call's questions answered in the form (a "file" question is answered by a
    document)."""
    return [q for q in call.questions if question_type(q) != "file"]


def question_type(question: dict[str, Any]) -> str:
    return question.get("type") or "long_text"


@hooks.guard
def required_answers(ctx: Context) -> list[str]:
    application = ctx.entity
    problems = []
    if not application.project.summary.strip():
        problems.append(_("The project summary is missing."))
    for question in answerable(application.call):
        if question.get("required", True) and not answered(
                application.answers.get(question["key"])):
            problems.append(_("An answer is missing: %(question)s", question=question["label"]))
    return problems


def budget_problems(application: Application) -> list[str]:
    """Why the budget split is not complete, or nothing."""
    budget = application.budget or {}
    if any(budget.get(part) is None for part in BUDGET_PARTS):
        return [_("The budget split is missing: give the labour costs and the other costs.")]
    total = sum(budget[part] for part in BUDGET_PARTS)
    if total != application.requested_amount:
        return [_adds_up_message(budget, application.requested_amount)]
    return []


def _adds_up_message(budget: dict[str, int], requested: int) -> str:
    return _("Labour costs (%(labour)s VND) and other costs (%(other)s VND) add up to "
             "%(total)s VND, not the requested amount of %(requested)s VND.",
             labour=format_decimal(budget["labour"]), other=format_decimal(budget["other"]),
             total=format_decimal(budget["labour"] + budget["other"]),
             requested=format_decimal(requested))


def milestone_complete(row: dict[str, Any]) -> bool:
    return bool(row.get("milestone")) and row.get("month") is not None \
        and bool(row.get("deliverable"))


@hooks.guard
def common_part_complete(ctx: Context) -> list[str]:
    """The team, the budget split (adding up) and a milestone plan are there."""
    application = ctx.entity
    problems = []
    if not application.team.strip():
        problems.append(_("The team is not described."))
    problems += budget_problems(application)
    if not application.milestones:
        problems.append(_("The milestone plan is missing: add at least one milestone."))
    elif not all(milestone_complete(row) for row in application.milestones):
        problems.append(_("Every milestone needs a name, a month and a deliverable."))
    return problems


# --- eligibility: the call's rules, checked before and on submit -----------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


@hooks.guard
def founded_recently(ctx: Context) -> list[str]:
    """The organization was founded at most the call's `max_age_years` before today."""
    years = (ctx.entity.call.eligibility or {}).get("max_age_years")
    if not years:
        return []
    organization = db.session.get(Organization, ctx.entity.project.organization_id)
    if organization.founded_on is None:
        return [_("This call accepts organizations founded at most %(n)d years ago: add the "
                  "date %(name)s was founded to its profile.", n=years, name=organization.name)]
    earliest = _years_before(ctx.now.astimezone(LOCAL).date(), years)
    if organization.founded_on < earliest:
        return [_("This call accepts organizations founded at most %(n)d years ago (on or "
                  "after %(earliest)s); %(name)s was founded on %(founded)s.", n=years,
                  earliest=format_date(earliest), name=organization.name,
                  founded=format_date(organization.founded_on))]
    return []


@hooks.guard
def field_in_call(ctx: Context) -> list[str]:
    """The project's field is one of the call's fields, when the call lists some."""
    fields = (ctx.entity.call.eligibility or {}).get("fields") or []
    if fields and ctx.entity.project.field not in fields:
        return [_("This call accepts projects in these fields: %(fields)s; this project is in "
                  "%(field)s.", fields=", ".join(labels.field(f) for f in fields),
                  field=labels.field(ctx.entity.project.field))]
    return []


def _other_applications(ctx: Context) -> list[Any]:
    """The project's other applications with their call's programme, stage and title: one
    query for the guards that ask about them (asked once per action, kept on the context)."""
    others = ctx.__dict__.get("_other_applications")
    if others is None:
        application = ctx.entity
        others = ctx.__dict__["_other_applications"] = db.session.execute(
            select(Application.id, Application.call_id, Application.state,
                   Application.created_at, Call.programme_id, Call.stage, Call.title)
            .join(Call, Call.id == Application.call_id)
            .where(Application.project_id == application.project_id,
                   Application.id != application.id)
            .order_by(Application.id).limit(MAX_OTHER_APPLICATIONS)).all()
    return others


MAX_OTHER_APPLICATIONS = 100  # a project applies once per call: a few per stage at most


@hooks.guard
def not_funded_at_this_stage(ctx: Context) -> list[str]:
    """The project has no application funded by this programme at this stage (another
    application of the project, in a call of the same programme and stage, in a state that
    commits budget)."""
    call = ctx.entity.call
    committing = ctx.definition.tagged("commits_budget")
    for other in _other_applications(ctx):
        if other.programme_id == call.programme_id and other.stage == call.stage \
                and other.state in committing:
            return [_("This project is already funded by this programme at the %(stage)s "
                      "stage (%(call)s).", stage=labels.stage(call.stage), call=other.title)]
    return []


@hooks.guard
def one_application_per_call(ctx: Context) -> list[str]:
    """One application per project and call (the table's unique constraint, said clearly)."""
    for other in _other_applications(ctx):
        if other.call_id == ctx.entity.call_id:
            return [_("This project already has an application in this call "
                      "(%(reference)s).", reference=reference_of(other.id, other.created_at))]
    return []


@hooks.guard
def owner_only(ctx: Context) -> list[str]:
    """Only the owner of the startup takes this action (members edit drafts)."""
    membership = db.session.get(Membership, {
        "organization_id": ctx.entity.project.organization_id, "user_id": ctx.actor.id})
    if membership is None or membership.role != OWNER:
        return [_("Only the owner of the startup may do this.")]
    return []


OWNER = "owner"  # Membership.role of the startup's creator


@hooks.guard
def required_documents(ctx: Context) -> list[str]:
    """Every kind the call requires (its required documents and required file questions) has
    a current document."""
    from grants.operations import documents  # (documents build on this module)

    return [_("A document is missing: %(kind)s", kind=label)
            for label in documents.missing(ctx.entity)]


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
    call = db.session.scalars(select(Call).where(Call.id == call_id).with_for_update()).one()
    budget, committed = call.budget, calls.awarded(call)
    remaining = budget - committed
    if ctx.payload["amount"] > remaining:
        return [_("The award of %(amount)s VND is over the call's remaining budget of "
                  "%(left)s VND.", amount=format_decimal(ctx.payload["amount"]),
                  left=format_decimal(remaining))]
    return []


# --- effects: what an action changes besides the state ---------------------------------------


@hooks.effect
def set_submitted(ctx: Context) -> None:
    ctx.entity.submitted_at = ctx.now
    ctx.entity.revision_deadline = None


@hooks.effect
def keep_revision(ctx: Context) -> None:
    """Keep what was sent, numbered per application (the row is locked by the action)."""
    application = ctx.entity
    # the number is computed by the INSERT itself: no query of its own
    following = select(func.coalesce(func.max(ApplicationRevision.number), 0) + 1).where(
        ApplicationRevision.application_id == application.id).scalar_subquery()
    db.session.add(ApplicationRevision(application_id=application.id, number=following,
                                       data=snapshot(application), submitted_at=ctx.now))


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


def mail_members(ctx: Context, message: str, **extra: Any) -> None:
    """The message to every active member of the startup, each in their own language."""
    application = ctx.entity
    context = {"application_id": application.id, "title": application.project.title,
               "url": f"/applications/{application.id}"} | extra
    outbox.enqueue_to(MEMBERS, message, context,
                      params={"organization_id": application.project.organization_id},
                      entity_type=KIND.name, entity_id=application.id)


@hooks.message
def submission_receipt(ctx: Context) -> None:
    mail_members(ctx, "submission_receipt", call_title=ctx.entity.call.title,
                  submitted_at=audit.to_json_value(ctx.now), reference=reference(ctx.entity))


@hooks.message
def revision_request(ctx: Context) -> None:
    mail_members(ctx, "revision_request", reason=ctx.payload["reason"],
                  revision_deadline=audit.to_json_value(ctx.entity.revision_deadline))


@hooks.message
def deadline_extension(ctx: Context) -> None:
    mail_members(ctx, "deadline_extension", reason=ctx.payload["reason"],
                  revision_deadline=audit.to_json_value(ctx.entity.revision_deadline))


@hooks.message
def ineligibility_notice(ctx: Context) -> None:
    mail_members(ctx, "ineligibility_notice", reason=ctx.payload["reason"])


@hooks.message
def withdrawal_notice(ctx: Context) -> None:
    mail_members(ctx, "withdrawal_notice")


def _decision(ctx: Context, message: str, **extra: Any) -> None:
    call = ctx.entity.call
    mail_members(ctx, message, reference=reference(ctx.entity), call_title=call.title,
                  comments_shared=call.share_review_comments, **extra)


@hooks.message
def award_notice(ctx: Context) -> None:
    _decision(ctx, "award_notice", amount=ctx.entity.awarded_amount)


@hooks.message
def waitlist_notice(ctx: Context) -> None:
    _decision(ctx, "waitlist_notice")


@hooks.message
def rejection_notice(ctx: Context) -> None:
    _decision(ctx, "rejection_notice", reason=ctx.payload["reason"])


# --- drafting and reading --------------------------------------------------------------------


def _answer(v: Validator, question: dict[str, Any], value: Any) -> str | int | None:
    """One answer, checked by the question's type; None when it is refused."""
    name, kind = f"answers.{question['key']}", question_type(question)
    if kind == "file":
        v.fail(name, _("Upload this as a document in the documents section."))
        return None
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if kind == "number":
        number = whole_number(value)
        if number is None or number > MAX_MONEY:
            v.fail(name, _("Must be a whole number, 0 or more."))
        return number
    if not isinstance(value, str):
        v.fail(name, _("Must be text."))
        return None
    value = value.strip()
    limit = MAX_SHORT_ANSWER if kind == "text" else MAX_ANSWER
    if len(value) > limit:
        v.fail(name, _("At most %(n)d characters.", n=limit))
        return None
    if problem := text_problem(value):
        v.fail(name, problem)
        return None
    if kind == "choice" and value not in (question.get("choices") or []):
        v.fail(name, _("Must be one of: %(choices)s.",
                       choices=", ".join(question.get("choices") or [])))
        return None
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            v.fail(name, _("Not a valid date (YYYY-MM-DD)."))
            return None
    return value


def _answers(v: Validator, call: Call, answers: Any) -> dict[str, str | int]:
    """Keep only the call's questions, each answer checked by its question's type."""
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        v.fail("answers", _("Must be an object of answers."))
        return {}
    questions = {q["key"]: q for q in call.questions}
    clean = {}
    for key, value in answers.items():
        if key not in questions:
            v.fail(f"answers.{key}", _("Not a question of this call."))
        elif (answer := _answer(v, questions[key], value)) is not None:
            clean[key] = answer
    return clean


def _budget(v: Validator, budget: Any) -> dict[str, int]:
    """{labour, other} in VND; a part left out (or blank) stays unset in a draft."""
    if budget is None:
        return {}
    if not isinstance(budget, dict):
        v.fail("budget", _("Must be an object with the labour and other costs."))
        return {}
    bv = Validator(budget)
    clean = {part: number for part in BUDGET_PARTS
             if (number := bv.integer(part, required=False)) is not None}
    for name, message in bv.errors.items():
        v.fail(f"budget.{name}", message)
    return clean


def _milestones(v: Validator, rows: Any, months: int) -> list[dict[str, Any]]:
    """The milestone plan: rows of {milestone, month, deliverable}; a blank row is dropped,
    a half-filled one is kept in a draft (submit asks for every part)."""
    if rows is None:
        return []
    if not isinstance(rows, list):
        v.fail("milestones", _("Must be a list of milestones."))
        return []
    if len(rows) > MAX_MILESTONES:
        v.fail("milestones", _("At most %(n)d milestones.", n=MAX_MILESTONES))
        return []
    clean = []
    for number, row in enumerate(rows):
        if not isinstance(row, dict):
            v.fail(f"milestones.{number}", _("Must be an object."))
            continue
        rv = Validator(row)
        milestone = {
            "milestone": rv.text("milestone", required=False, default=""),
            "month": rv.integer("month", required=False, minimum=1, maximum=months),
            "deliverable": rv.text("deliverable", required=False, max_length=2000,
                                   default=""),
        }
        for name, message in rv.errors.items():
            v.fail(f"milestones.{number}.{name}", message)
        if milestone["milestone"] or milestone["month"] is not None \
                or milestone["deliverable"]:
            clean.append(milestone)
    return clean


def _common(v: Validator, data: dict[str, Any], call: Call) -> dict[str, Any]:
    """The common part beside the project: those of team, budget and milestones sent."""
    fields: dict[str, Any] = {}
    if "team" in data:
        fields["team"] = v.text("team", required=False, max_length=MAX_TEAM, default="")
    if "budget" in data:
        fields["budget"] = _budget(v, data["budget"])
    if "milestones" in data:
        fields["milestones"] = _milestones(v, data["milestones"], call.duration_months)
    return fields


def _check_budget(v: Validator, budget: dict[str, int], requested: int | None) -> None:
    """Once both parts are given, they add up to the requested amount."""
    if requested is not None and all(budget.get(part) is not None for part in BUDGET_PARTS) \
            and sum(budget[part] for part in BUDGET_PARTS) != requested:
        v.fail("budget", _adds_up_message(budget, requested))


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
        common = _common(v, data, call) if call else {}
        _check_budget(v, common.get("budget", {}), requested)
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
            **common,
        )
        db.session.add(application)
        db.session.flush()
        audit.record(
            actor=actor, role=Role.APPLICANT.value, entity_type=KIND.name,
            entity_id=application.id, action="create", to_state=initial,
            payload={"call_id": call.id, "project": fields | {"id": project.id,
                     "organization_id": organization_id},
                     "answers": answers, "requested_amount": requested} | common,
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
            amount = v.integer("requested_amount", required=False, default=0)
            if amount is not None and amount != application.requested_amount:
                changes["requested_amount"] = amount
        for name, value in _common(v, data, application.call).items():
            if value != getattr(application, name):
                changes[name] = value
        if "budget" in changes:
            _check_budget(v, changes.get("budget", application.budget),
                          changes.get("requested_amount", application.requested_amount))
        v.check()
        if not changes:
            return application
        before = _before(application, changes)
        for key, value in changes.items():
            if key.startswith("project."):
                setattr(application.project, key.removeprefix("project."), value)
        if "answers" in changes:
            application.answers = application.answers | changes["answers"]
        if "requested_amount" in changes:
            application.requested_amount = changes["requested_amount"]
        for name in ("team", "budget", "milestones"):
            if name in changes:
                setattr(application, name, changes[name])
        application.version += 1
        audit.record(
            actor=actor, role=Role.APPLICANT.value, entity_type=KIND.name,
            entity_id=application.id, action="edit", from_state=application.state,
            to_state=application.state, payload=changes | {"before": before},
        )
    return application


def _before(application: Application, changes: dict[str, Any]) -> dict[str, Any]:
    """What the changed fields held before the edit (the answers: only those changed), so the
    event alone shows the change."""
    before: dict[str, Any] = {}
    for key, value in changes.items():
        if key.startswith("project."):
            before[key] = getattr(application.project, key.removeprefix("project."))
        elif key == "answers":
            before[key] = {name: application.answers.get(name) for name in value}
        else:
            before[key] = getattr(application, key)
    return before


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


REFERENCE = re.compile(r"HS-\d{4}-(\d{1,9})", re.IGNORECASE)
MAX_SEARCH = 100


def _search(statement: Select, text: str) -> Select:
    """Applications whose reference (HS-2026-000042), project title, organization name or
    registration number matches `text`: a reference finds its one application; otherwise a
    case-insensitive part of the title or the name, or the registration number's start."""
    text = text.strip()[:MAX_SEARCH]
    if match := REFERENCE.fullmatch(text):
        return statement.where(Application.id == int(match.group(1)))
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return statement.where(exists(
        select(Project.id).join(Organization, Organization.id == Project.organization_id)
        .where(Project.id == Application.project_id, or_(
            Project.title.ilike(pattern, escape="\\"),
            Organization.name.ilike(pattern, escape="\\"),
            Organization.registration_number.like(f"{escaped}%", escape="\\")))))


def needs_action(definition: Any, roles: frozenset[str]) -> frozenset[str]:
    """The states of `definition` from which one of `roles` may take an action the app runs:
    where an application waits for holders of those roles (the definition says, not the code)."""
    return frozenset(state for action in definition.actions
                     if not action.roles.isdisjoint(roles)
                     and available(KIND.hooks, definition, action.name)
                     for state in action.sources)


def _waiting_for(roles: frozenset[str]):
    """The applications in a state where `roles` may act, per definition of their call: one
    EXISTS on the call's pinned workflow per definition that leaves those roles something."""
    conditions = []
    for definition in _definitions():
        states = needs_action(definition, roles)
        if states:
            conditions.append(and_(Application.state.in_(sorted(states)), exists(
                select(Call.id).where(Call.id == Application.call_id,
                                      Call.workflow_name == definition.name,
                                      Call.workflow_version == definition.version))))
    return or_(*conditions) if conditions else false()


def _definitions() -> list[Any]:
    return [d for d in workflows().registry.all() if d.entity == KIND.name]


def acting_roles() -> frozenset[str]:
    """The roles some application workflow lets act."""
    return frozenset(role for definition in _definitions() for role in definition.role_names)


def irreversible(action_name: str) -> bool:
    """Whether the action leads, in some application workflow, to a state that cannot be
    left (the state's tag `needs_confirmation`): a person confirms it first."""
    return any(definition.needs_confirmation(definition.action(action_name))
               for definition in _definitions() if action_name in definition.action_names)


def _filter_problems(state: str | None, stage: str | None, field: str | None
                     ) -> dict[str, str]:
    problems = {}
    if state is not None and state not in _states():
        problems["state"] = _("Not a state of the application workflows.")
    if stage is not None and stage not in labels.STAGES:
        problems["stage"] = _("Not a stage of the programme.")
    if field is not None and field not in FIELDS:
        problems["field"] = _("Not a field of the programme.")
    return problems


def list_applications(actor: Actor, *, call_id: int | None = None, state: str | None = None,
                      as_roles: frozenset[str] | None = None, before_id: int | None = None,
                      limit: int = 50, search: str | None = None,
                      programme_id: int | None = None, stage: str | None = None,
                      field: str | None = None, waiting_for: frozenset[str] | None = None,
                      ids: list[int] | None = None) -> list[Seen]:
    """What the actor may see (as one of `as_roles`, when given), newest first,
    keyset-paginated by id, each with the actor's roles on it. Narrowed by call, programme,
    state, the call's stage, the project's field, `ids`, `search` (see `_search`) and
    `waiting_for`: only applications in a state where one of those roles may act
    (`needs_action`)."""
    problems = _filter_problems(state, stage, field)
    if problems:
        raise Invalid(_("Some fields are not valid."), problems)
    statement = query(KIND, actor, only=as_roles).order_by(Application.id.desc()).limit(limit)
    if call_id is not None:
        statement = statement.where(Application.call_id == call_id)
    if state is not None:
        statement = statement.where(Application.state == state)
    if programme_id is not None or stage is not None:
        statement = statement.where(exists(select(Call.id).where(
            Call.id == Application.call_id,
            true() if programme_id is None else Call.programme_id == programme_id,
            true() if stage is None else Call.stage == stage)))
    if field is not None:
        statement = statement.where(exists(select(Project.id).where(
            Project.id == Application.project_id, Project.field == field)))
    if waiting_for is not None:
        statement = statement.where(_waiting_for(waiting_for))
    if ids is not None:
        statement = statement.where(Application.id.in_(ids[:MAX_BATCH]))
    if before_id is not None:
        statement = statement.where(Application.id < before_id)
    if search and search.strip():
        statement = _search(statement, search)
    return seen(KIND, actor, statement, only=as_roles)


@dataclass
class Outcome:
    """One item of a batch: done (its new state and version), or refused with the reason."""

    application_id: Any
    status: int  # 200 when done, else the refusal's HTTP status
    detail: str
    state: str | None = None
    version: int | None = None


MAX_BATCH = 100


def act_many(actor: Actor, action: str, items: Any, data: Any) -> list[Outcome]:
    """The same action on several applications, each through the one path in its own
    transaction (its own version check, guards and audit event): one refusal stops only
    its item. `items` are {id, version}; `data` the payload they share (a reason…)."""
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        raise Invalid(_("Some fields are not valid."), {"items": _(
            "Choose 1 to %(n)d applications.", n=MAX_BATCH)})
    shared = {k: v for k, v in (data or {}).items() if k not in ("id", "version")} \
        if isinstance(data, dict) else {}
    outcomes = []
    for item in items:
        item = item if isinstance(item, dict) else {}
        try:
            done = act(actor, item.get("id"), action, shared | {"version": item.get("version")})
        except OperationError as error:
            problems = getattr(error, "problems", None) or list(
                getattr(error, "errors", {}).values())
            detail = error.detail if not problems or problems[0] == error.detail else \
                f"{error.detail} {' '.join(problems)}"
            outcomes.append(Outcome(item.get("id"), error.status, detail))
        else:
            outcomes.append(Outcome(done.id, 200, _("Done: %(action)s.",
                                                     action=labels.action(action)),
                                    done.state, done.version))
    return outcomes


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


# --- the applicant's path: reference, sections, checking before submit -----------------------


def reference_of(application_id: int, created_at: datetime) -> str:
    """The reference a startup quotes: HS-<year created>-<id, six digits>."""
    return f"HS-{created_at.astimezone(LOCAL).year}-{application_id:06d}"


def reference(application: Application) -> str:
    return reference_of(application.id, application.created_at or utcnow())


NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "complete"
SECTIONS = ("project", "team", "budget", "milestones", "questions")


def section_status(application: Application, section: str) -> str:
    """How far the applicant is with one section of the form."""
    if section == "project":
        return COMPLETED if application.project.summary.strip() else IN_PROGRESS
    if section == "team":
        return COMPLETED if application.team.strip() else NOT_STARTED
    if section == "budget":
        budget = application.budget or {}
        if not budget and not application.requested_amount:
            return NOT_STARTED
        return IN_PROGRESS if budget_problems(application) else COMPLETED
    if section == "milestones":
        rows = application.milestones or []
        if not rows:
            return NOT_STARTED
        return COMPLETED if all(milestone_complete(r) for r in rows) else IN_PROGRESS
    questions = answerable(application.call)
    given = [q for q in questions if answered(application.answers.get(q["key"]))]
    if questions and not given:
        return NOT_STARTED
    missing = [q for q in questions if q.get("required", True) and q not in given]
    return IN_PROGRESS if missing else COMPLETED


def sending_action(item: Seen) -> str | None:
    """The action by which the applicant sends the application in now (a first submission or
    a resubmission): open to their roles from the current state, built, and leading to a state
    the definition tags `received`."""
    definition = workflows().definition(KIND, item.entity)
    received = definition.tagged("received")
    for name in workflows().engine.allowed_actions(definition, item.entity.state, item.roles):
        if definition.action(name).dest in received and available(hooks, definition, name):
            return name
    return None


def problems_before(actor: Actor, item: Seen, action_name: str,
                    now: datetime | None = None) -> list[str]:
    """What the action's guards would refuse now, without taking it: every unmet condition
    (completeness, deadline, eligibility), each with its reason."""
    definition = workflows().definition(KIND, item.entity)
    context = Context(item.entity, actor, item.roles, {}, now or utcnow(), definition)
    return [problem for guard in definition.action(action_name).guards
            if guard not in hooks.pending for problem in hooks.guards[guard](context)]


# --- revisions: what was sent at each submission, and what changed ---------------------------


def snapshot(application: Application) -> dict[str, Any]:
    """The content of the application as sent: the common part and the answers."""
    return {
        "title": application.project.title, "summary": application.project.summary,
        "field": application.project.field, "team": application.team,
        "requested_amount": application.requested_amount,
        "budget": dict(application.budget or {}),
        "milestones": [dict(row) for row in application.milestones or []],
        "answers": dict(application.answers or {}),
    }


MAX_REVISIONS = 100  # far more submissions than any application has


def revisions(item: Seen) -> list[ApplicationRevision]:
    """The application's revisions, oldest first, for whoever sees it in another role than
    the startup's (managers, admins, auditors, reviewers, as the access rule grants them)."""
    if not item.roles - {Role.APPLICANT.value}:
        return []
    return list(db.session.scalars(
        select(ApplicationRevision)
        .where(ApplicationRevision.application_id == item.entity.id)
        .order_by(ApplicationRevision.number).limit(MAX_REVISIONS)))


@dataclass
class Change:
    """One field that changed between two revisions: old → new for short values, `segments`
    [(kind, text)] with kind "same", "removed" or "added" for long text."""

    label: str
    old: str
    new: str
    segments: list[tuple[str, str]] | None = None


WORDS = re.compile(r"\s+|[^\s]+")


def _word_diff(old: str, new: str) -> list[tuple[str, str]]:
    a, b = WORDS.findall(old), WORDS.findall(new)
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("added", "".join(b[j1:j2])))
    return segments


def _milestone_lines(rows: list[dict[str, Any]]) -> str:
    return "\n".join(_("Month %(month)s: %(milestone)s — %(deliverable)s",
                       month=row.get("month") or "?", milestone=row.get("milestone") or "",
                       deliverable=row.get("deliverable") or "") for row in rows)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value)
    return str(value)


def changes_between(older: dict[str, Any], newer: dict[str, Any], call: Call) -> list[Change]:
    """What changed from one revision to the next, field by field, in the form's order."""
    found: list[Change] = []

    def short(label: str, old: Any, new: Any) -> None:
        if old != new:
            found.append(Change(str(label), _shown(old), _shown(new)))

    def long(label: str, old: str, new: str) -> None:
        if old != new:
            found.append(Change(str(label), old, new, _word_diff(old or "", new or "")))

    short(labels.COMMON_PART["title"], older.get("title"), newer.get("title"))
    long(labels.COMMON_PART["summary"], older.get("summary", ""), newer.get("summary", ""))
    short(labels.COMMON_PART["field"], labels.field(older.get("field")),
          labels.field(newer.get("field")))
    long(labels.COMMON_PART["team"], older.get("team", ""), newer.get("team", ""))
    short(labels.COMMON_PART["requested_amount"], older.get("requested_amount"),
          newer.get("requested_amount"))
    for part in BUDGET_PARTS:
        short(labels.COMMON_PART[f"budget.{part}"], older.get("budget", {}).get(part),
              newer.get("budget", {}).get(part))
    long(labels.COMMON_PART["milestones"], _milestone_lines(older.get("milestones", [])),
         _milestone_lines(newer.get("milestones", [])))
    old_answers, new_answers = older.get("answers", {}), newer.get("answers", {})
    for question in call.questions:
        old, new = old_answers.get(question["key"], ""), new_answers.get(question["key"], "")
        if question_type(question) == "long_text":
            long(question["label"], str(old), str(new))
        else:
            short(question["label"], old, new)
    return found
