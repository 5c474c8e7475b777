"""Drafting applications: create and edit. State changes go through operations.workflow.act."""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from grants import audit, labels, permissions
from grants.extensions import db
from grants.models import FIELDS, Application, Call, Project, User, utcnow
from grants.operations.core import (
    MAX_ID,
    Validator,
    check_version,
    load,
    text_problem,
    transaction,
)
from grants.operations.errors import Conflict, Forbidden, Invalid, NotFound

MAX_ANSWER = 10_000


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


def create_application(actor: User, data: Any) -> Application:
    """A draft application of a new project of one of the actor's organizations."""
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
        application = Application(
            project=project, call=call, state="draft", version=1, answers=answers,
            requested_amount=requested, created_by_id=actor.id,
        )
        db.session.add(application)
        db.session.flush()
        audit.record(
            actor=actor, role="applicant", entity_type="application", entity_id=application.id,
            action="create", to_state="draft",
            payload={"call_id": call.id, "project": fields | {"id": project.id,
                     "organization_id": organization_id},
                     "answers": answers, "requested_amount": requested},
        )
    return application


def update_application(actor: User, application_id: Any, data: Any) -> Application:
    """Edit a draft (or an application returned for changes); `version` must be current."""
    v = Validator(data)
    with transaction():
        application = load(Application, application_id, lock=True)
        if not permissions.can_view_application(actor, application):
            raise NotFound(_("Not found."))
        if not permissions.is_member(actor, application.project.organization_id):
            raise Forbidden(_("Only the applicant can edit this application."))
        check_version(application, data.get("version"))
        if not permissions.can_edit_application(actor, application):
            raise Conflict(_("The application can no longer be edited (it is %(state)s).",
                             state=labels.STATES[application.state]))
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
            actor=actor, role="applicant", entity_type="application", entity_id=application.id,
            action="edit", from_state=application.state, to_state=application.state,
            payload=changes,
        )
    return application


def list_applications(actor: User, *, call_id: int | None = None, state: str | None = None,
                      before_id: int | None = None, limit: int = 50) -> list[Application]:
    """What the actor may see, newest first, keyset-paginated by id."""
    query = (
        select(Application)
        .join(Call, Call.id == Application.call_id)
        .where(permissions.visible_applications(actor))
        .options(contains_eager(Application.call), joinedload(Application.project))
        .order_by(Application.id.desc())
        .limit(limit)
    )
    if call_id is not None:
        query = query.where(Application.call_id == call_id)
    if state is not None:
        query = query.where(Application.state == state)
    if before_id is not None:
        query = query.where(Application.id < before_id)
    return list(db.session.scalars(query))


def get_application(actor: User, application_id: Any) -> Application:
    application = load(Application, application_id)
    if not permissions.can_view_application(actor, application):
        raise NotFound(_("Not found."))
    return application
