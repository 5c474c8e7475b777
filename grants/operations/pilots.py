"""Pilot testing and the final evaluation: the records the workflow's guards ask for before
`start_pilot`, `finish_pilot`, `submit_final_report`, `pass_evaluation` and `fail_evaluation`.

The programme's managers write both (`PUT /applications/{id}/pilot`, `…/evaluation`); the
startup reads them on the application's page, and writes the final report with its action.
Whether a stage has a pilot is the definition's: its states tagged `pilot_open`.
"""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from grants import audit
from grants.extensions import db
from grants.models import Actor, Application, Evaluation, Pilot, utcnow
from grants.models.pilots import VERDICTS
from grants.operations import applications, calls
from grants.operations.core import Validator, transaction
from grants.operations.errors import Conflict, Forbidden
from grants.operations.workflow import Context, Seen, load
from grants.permissions.rules import MANAGING

MAX_TEXT = 10_000
hooks = applications.hooks


def _managed(actor: Actor, application_id: Any, tag: str, closed: str) -> tuple[Application,
                                                                                str]:
    """The application, locked, for one of its programme's managers, in a state tagged `tag`
    (Conflict with `closed` otherwise)."""
    application, roles = load(applications.KIND, actor, application_id, lock=True)
    role = next((r for r in MANAGING if r in roles), None)
    if role is None:
        raise Forbidden(_("Only the programme's managers record this."))
    if application.state not in calls.definition(application.call).tagged(tag):
        raise Conflict(closed)
    return application, role


def has_pilot(application: Application) -> bool:
    """Whether the application's stage runs a pilot (its definition tags states `pilot_open`)."""
    return bool(calls.definition(application.call).tagged("pilot_open"))


# --- the pilot ---------------------------------------------------------------------------------


def save_pilot(actor: Actor, application_id: Any, data: Any) -> Pilot:
    """Record the pilot's plan (host partner, environment, success metrics, dates) and, once
    run, its results and verdict; audited with what each field was and became."""
    v = Validator(data)
    values = {
        "host_partner": v.text("host_partner"),
        "environment": v.text("environment", max_length=MAX_TEXT),
        "success_metrics": v.text("success_metrics", max_length=MAX_TEXT),
        "starts_on": v.day("starts_on"),
        "ends_on": v.day("ends_on"),
        "results": v.text("results", required=False, max_length=MAX_TEXT),
        "verdict": v.choice("verdict", VERDICTS, required=False),
    }
    if values["starts_on"] and values["ends_on"] and values["ends_on"] < values["starts_on"]:
        v.fail("ends_on", _("Must not be before the start."))
    if values["verdict"] and not values["results"]:
        v.fail("results", _("Record the results with the verdict."))
    with transaction():
        application, role = _managed(actor, application_id, "pilot_open", _(
            "The pilot is recorded once the agreement is signed, at a stage with a pilot."))
        v.check()
        pilot = db.session.get(Pilot, application.id)
        before = _fields(pilot, values)
        if pilot is None:
            pilot = Pilot(application_id=application.id, **values, updated_by_id=actor.id)
            db.session.add(pilot)
        else:
            for name, value in values.items():
                setattr(pilot, name, value)
            pilot.updated_by_id, pilot.updated_at = actor.id, utcnow()
        _record(actor, role, application, "set_pilot", before, values)
    return pilot


def _fields(row: Any, values: dict[str, Any]) -> dict[str, Any] | None:
    return None if row is None else {name: getattr(row, name) for name in values}


def _record(actor: Actor, role: str, application: Application, action: str,
            before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    changes = {name: [None if before is None else before[name], value]
               for name, value in after.items()
               if before is None or before[name] != value}
    audit.record(actor=actor, role=role, entity_type=applications.KIND.name,
                 entity_id=application.id, action=action, payload={"changes": changes})


@hooks.guard
def pilot_planned(ctx: Context) -> list[str]:
    if db.session.get(Pilot, ctx.entity.id) is None:
        return [_("Record the pilot's plan first: host partner, environment, success "
                  "metrics and dates.")]
    return []


@hooks.guard
def pilot_results_recorded(ctx: Context) -> list[str]:
    pilot = db.session.get(Pilot, ctx.entity.id)
    if pilot is None or not pilot.results or not pilot.verdict:
        return [_("Record the pilot's results and verdict first.")]
    return []


@hooks.guard
def pilot_finished(ctx: Context) -> list[str]:
    """The final report needs a finished pilot where the stage has one."""
    pilot = db.session.get(Pilot, ctx.entity.id)
    if has_pilot(ctx.entity) and (pilot is None or not pilot.verdict):
        return [_("At this stage the pilot must be finished, with its results and verdict, "
                  "before the final report.")]
    return []


# --- the final evaluation ----------------------------------------------------------------------


@hooks.effect
def keep_final_report(ctx: Context) -> None:
    evaluation = db.session.get(Evaluation, ctx.entity.id)
    if evaluation is None:
        db.session.add(Evaluation(application_id=ctx.entity.id,
                                  final_report=ctx.payload["report"], reported_at=ctx.now))
    else:  # a report sent again: the new one, and the evaluation starts over
        evaluation.final_report, evaluation.reported_at = ctx.payload["report"], ctx.now
        evaluation.score = evaluation.verdict = evaluation.comment = None


def save_evaluation(actor: Actor, application_id: Any, data: Any) -> Evaluation:
    """The council's score (0–100), verdict and comment on the final report; audited."""
    v = Validator(data)
    values = {"score": v.integer("score", maximum=100),
              "verdict": v.choice("verdict", VERDICTS),
              "comment": v.text("comment", required=False, max_length=MAX_TEXT)}
    with transaction():
        application, role = _managed(actor, application_id, "evaluation_open", _(
            "The evaluation is recorded once the startup has sent its final report."))
        v.check()
        evaluation = db.session.get(Evaluation, application.id)
        before = _fields(evaluation, values)
        for name, value in values.items():
            setattr(evaluation, name, value)
        evaluation.evaluated_by_id, evaluation.evaluated_at = actor.id, utcnow()
        _record(actor, role, application, "set_evaluation", before, values)
    return evaluation


def _verdict(ctx: Context, wanted: str) -> list[str]:
    evaluation = db.session.get(Evaluation, ctx.entity.id)
    if evaluation is None or evaluation.verdict is None:
        return [_("Record the council's evaluation first: score, verdict and comment.")]
    if evaluation.verdict != wanted:
        return [_("The recorded verdict says otherwise; change the evaluation first.")]
    return []


@hooks.guard
def evaluation_passed(ctx: Context) -> list[str]:
    return _verdict(ctx, VERDICTS[0])


@hooks.guard
def evaluation_failed(ctx: Context) -> list[str]:
    return _verdict(ctx, VERDICTS[1])


# --- reading -------------------------------------------------------------------------------------


def of(item: Seen) -> tuple[Pilot | None, Evaluation | None]:
    """An application's pilot and evaluation, for whoever may see the application."""
    application_id = item.entity.id
    pilot = db.session.scalar(select(Pilot).where(Pilot.application_id == application_id))
    evaluation = db.session.scalar(
        select(Evaluation).where(Evaluation.application_id == application_id))
    return pilot, evaluation
