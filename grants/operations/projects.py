"""Projects across the stages: promotion from a completed stage to an open call of the next,
and the project's path through the stages with money and outcomes at each."""

from dataclasses import dataclass
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import literal, select
from sqlalchemy.orm import joinedload

from grants import audit, labels
from grants.extensions import db
from grants.inputs import MAX_ID
from grants.models import (
    Actor,
    Application,
    Call,
    Evaluation,
    Pilot,
    Project,
    Role,
    Stage,
)
from grants.operations import applications, calls, ledger
from grants.operations.errors import NotFound
from grants.operations.workflow import Context, Seen, query, seen
from grants.permissions.mentors import advises
from grants.permissions.rules import STAFF_ROLES

STAGES = [stage.value for stage in Stage]  # in order: the stage enum is the programme's path
hooks = applications.hooks


def next_stage(stage: str) -> str | None:
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


# --- promotion -----------------------------------------------------------------------------------


@hooks.guard
def next_stage_call(ctx: Context) -> list[str]:
    """promote: the target is an open call of the stage after this one, where the project has
    no application yet."""
    target = db.session.get(Call, ctx.payload["target_call_id"])
    if target is None:
        return [_("No such call.")]
    wanted = next_stage(ctx.entity.call.stage)
    if wanted is None:
        return [_("There is no stage after %(stage)s.", stage=labels.stage(ctx.entity.call.stage))]
    if target.stage != wanted:
        return [_("The call “%(call)s” is at the stage %(stage)s; the project goes on to %(next)s.",
                  call=target.title, stage=labels.stage(target.stage),
                  next=labels.stage(wanted))]
    if not target.opens_at <= ctx.now < target.closes_at:
        return [_("The call “%(call)s” is not open: it takes applications from %(opens)s to "
                  "%(closes)s.", call=target.title, opens=format_datetime(target.opens_at),
                  closes=format_datetime(target.closes_at))]
    if db.session.scalar(select(Application.id).where(
            Application.project_id == ctx.entity.project_id,
            Application.call_id == target.id)) is not None:
        return [_("This project already has an application in the call “%(call)s”.",
                  call=target.title)]
    return []


@hooks.effect
def promote_project(ctx: Context) -> None:
    """A new draft of the same project in the target call, linked to this application; its
    creation is its own audit event. Its id goes into the action's payload (and event)."""
    target = db.session.get(Call, ctx.payload["target_call_id"])
    initial = calls.definition(target).initial
    draft = Application(project_id=ctx.entity.project_id, call_id=target.id, state=initial,
                        version=1, answers={}, requested_amount=0,
                        created_by_id=ctx.actor.id, promoted_from_id=ctx.entity.id)
    db.session.add(draft)
    db.session.flush()
    ctx.payload["new_application_id"] = draft.id
    audit.record(actor=ctx.actor, role=sorted(ctx.roles & {"manager", "admin"})[0],
                 entity_type=applications.KIND.name, entity_id=draft.id, action="create",
                 to_state=initial, payload={"promoted_from_id": ctx.entity.id,
                                            "call_id": target.id})


@hooks.message
def promotion_notice(ctx: Context) -> None:
    target = db.session.get(Call, ctx.payload["target_call_id"])
    new_id = ctx.payload["new_application_id"]
    applications.mail_members(
        ctx, "promotion_notice", reference=applications.reference(ctx.entity),
        stage=target.stage, call_title=target.title, closes_at=target.closes_at.isoformat(),
        url=f"/applications/{new_id}")


def promotion_targets(application: Application) -> list[Call]:
    """The open calls of the next stage, for the promote form."""
    wanted = next_stage(application.call.stage)
    if wanted is None:
        return []
    return calls.open_calls(stage=wanted, limit=50)


# --- the project's path --------------------------------------------------------------------------


@dataclass
class Step:
    """One application of the project: its stage and call, state, money and outcomes."""

    application: Application
    readable: bool  # the reader may open the application itself (a mentor may not)
    released: int
    paid: int
    pilot_verdict: str | None
    evaluation_verdict: str | None
    evaluation_score: int | None


# Who reads a project's path: its startup and the programmes' staff; a reviewer judges one
# application, not the project's money and outcomes.
PATH_ROLES = frozenset({Role.APPLICANT.value, *STAFF_ROLES})


def path(actor: Actor, project_id: Any) -> tuple[Project, list[Step]]:
    """The project and its applications the actor may see as its startup or as staff, stage by
    stage; a mentor matched to it and cleared of conflict reads them all (404 when they may see
    none): three statements whatever the length of the path (four for a mentor)."""
    if not isinstance(project_id, int) or isinstance(project_id, bool) \
            or not 1 <= project_id <= MAX_ID:
        raise NotFound(_("Not found."))
    statement = query(applications.KIND, actor, only=PATH_ROLES) \
        .where(Application.project_id == project_id).order_by(Application.id).limit(50)
    items = seen(applications.KIND, actor, statement, only=PATH_ROLES)
    if not items and db.session.scalar(select(advises(literal(project_id))),
                                       {"actor_id": actor.id}):
        # a mentor cleared of conflict reads the path, not the applications behind it
        items = [Seen(a, frozenset()) for a in db.session.scalars(
            select(Application).where(Application.project_id == project_id,
                                      Application.submitted_at.is_not(None))
            .options(joinedload(Application.call), joinedload(Application.project))
            .order_by(Application.id).limit(50))]
    if not items:
        raise NotFound(_("Not found."))
    ids = [item.entity.id for item in items]
    money = ledger.of_applications(ids)
    outcomes = {row.id: row for row in db.session.execute(
        select(Application.id, Pilot.verdict.label("pilot"),
               Evaluation.verdict.label("evaluation"), Evaluation.score)
        .outerjoin(Pilot, Pilot.application_id == Application.id)
        .outerjoin(Evaluation, Evaluation.application_id == Application.id)
        .where(Application.id.in_(ids)))}
    steps = []
    for item in items:
        application = item.entity
        outcome, figures = outcomes[application.id], money[application.id]
        steps.append(Step(application, bool(item.roles), figures.released, figures.paid,
                          outcome.pilot, outcome.evaluation, outcome.score))
    steps.sort(key=lambda step: (STAGES.index(step.application.call.stage),
                                 step.application.id))
    return items[0].entity.project, steps

