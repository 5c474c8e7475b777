"""Support activities in pages: the upcoming list, an activity's page (register a project,
cancel a registration; managers: attendance and outcomes, edit, cancel), the editor, the
programme's attendance figures, and the public showcase with the startup's opt-in form."""

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from grants import labels
from grants.extensions import db
from grants.inputs import identifier
from grants.models import Programme, Stage, utcnow
from grants.models.activities import KINDS, OUTCOMES
from grants.operations import Forbidden, Invalid, OperationError, activities
from grants.operations.core import LOCAL, by_id
from grants.permissions.activities import (
    MANAGING,
    can_manage_activities,
    can_read_registrations,
)

bp = Blueprint("activities", __name__)
PAGE = 20
REGISTRATIONS_PAGE = 50
FIELDS = ("kind", "title", "description", "starts_at", "ends_at", "place", "capacity",
          "registration_closes_at", "organiser")


@bp.app_template_filter("stage_name")
def stage_name(stage: str) -> str:
    return labels.stage(stage)


def _programmes() -> list[Programme]:
    return list(db.session.scalars(select(Programme).order_by(Programme.title).limit(200)))


def _managed_programmes() -> list[Programme]:
    return [p for p in _programmes() if can_manage_activities(current_user, p.id)]


def _local(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _choice(value: str | None, choices) -> str | None:
    return value if value in choices else None


# --- the list ------------------------------------------------------------------------------


@bp.get("/activities")
@login_required
def activity_list():
    programme_id = identifier(request.args.get("programme"))
    kind = _choice(request.args.get("kind"), KINDS)
    stage = _choice(request.args.get("stage"), [s.value for s in Stage])
    rows = activities.list_activities(
        programme_id=programme_id, kind=kind, stage=stage, upcoming_at=utcnow(),
        after_id=identifier(request.args.get("after")), limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    programmes = _programmes()
    return render_template(
        "activities/list.html", rows=rows, programmes=programmes, programme_id=programme_id,
        kind=kind, stage=stage, kinds=activities.kind_labels(), stages=list(Stage),
        next_after=rows[-1].activity.id if more else None,
        managed=[p for p in programmes if can_manage_activities(current_user, p.id)],
        staff_of=[p for p in programmes if can_read_registrations(current_user, p.id)])


# --- one activity --------------------------------------------------------------------------


def render_activity(activity_id: int, status: int = 200, attendance: dict | None = None):
    listed = activities.get_activity(activity_id)
    activity = listed.activity
    after = identifier(request.args.get("after"))
    registrations = activities.registrations(current_user, activity.id, after_id=after,
                                             limit=REGISTRATIONS_PAGE + 1)
    more = len(registrations) > REGISTRATIONS_PAGE
    registrations = registrations[:REGISTRATIONS_PAGE]
    now = utcnow()
    return render_template(
        "activities/detail.html", listed=listed, activity=activity, now=now,
        registrations=registrations,
        next_after=registrations[-1].registration.id if more else None,
        eligible=activities.eligible_projects(current_user, activity)
        if not activity.cancelled and now < activity.registration_closes_at else [],
        manages=can_manage_activities(current_user, activity.programme_id),
        managing=MANAGING, kinds=activities.kind_labels(),
        outcomes=activities.outcome_labels(), outcome_kinds=OUTCOMES,
        attendance=attendance or {}), status


@bp.get("/activities/<int:activity_id>")
@login_required
def activity_page(activity_id: int):
    return render_activity(activity_id)


def _refused(error: OperationError, activity_id: int, attendance: dict | None = None):
    if error.status == 404:
        raise error
    flash(error.detail, "error")
    return render_activity(activity_id, error.status, attendance)


@bp.post("/activities/<int:activity_id>/register")
@login_required
def register(activity_id: int):
    try:
        registration = activities.register(current_user, activity_id,
                                           {"project_id": request.form.get("project_id")})
    except OperationError as error:
        return _refused(error, activity_id)
    flash(_("“%(project)s” is registered. A confirmation is on its way by mail.",
            project=registration.project.title), "success")
    return redirect(url_for("activities.activity_page", activity_id=activity_id))


@bp.post("/activities/<int:activity_id>/registrations/<int:registration_id>/cancel")
@login_required
def cancel_registration(activity_id: int, registration_id: int):
    try:
        activities.cancel_registration(current_user, activity_id, registration_id)
    except OperationError as error:
        return _refused(error, activity_id)
    flash(_("The registration is cancelled."), "success")
    return redirect(url_for("activities.activity_page", activity_id=activity_id))


@bp.post("/activities/<int:activity_id>/registrations/<int:registration_id>/attendance")
@login_required
def attendance(activity_id: int, registration_id: int):
    choice = request.form.get("attended", "")
    data: dict[str, Any] = {
        "attended": {"yes": True, "no": False}.get(choice, choice or None),
        "outcome": request.form.get("outcome") or None,
        "outcome_note": request.form.get("outcome_note", "").strip() or None}
    try:
        activities.record_attendance(current_user, activity_id, registration_id, data)
    except OperationError as error:
        return _refused(error, activity_id, {
            "id": registration_id, "values": request.form.to_dict(),
            "errors": getattr(error, "errors", {})})
    flash(_("Attendance is recorded."), "success")
    return redirect(url_for("activities.activity_page", activity_id=activity_id,
                            _anchor=f"registration-{registration_id}"))


@bp.post("/activities/<int:activity_id>/cancel")
@login_required
def cancel(activity_id: int):
    try:
        activities.cancel_activity(current_user, activity_id, {
            "version": request.form.get("version"), "reason": request.form.get("reason")})
    except OperationError as error:
        return _refused(error, activity_id)
    flash(_("The activity is cancelled; the registered startups are told by mail."), "success")
    return redirect(url_for("activities.activity_page", activity_id=activity_id))


# --- the editor ----------------------------------------------------------------------------


def _posted() -> dict[str, Any]:
    form = request.form
    return {name: form.get(name, "") for name in FIELDS} | {
        "stages": form.getlist("stages"), "programme_id": form.get("programme_id", ""),
        "version": form.get("version")}


def _as_data(values: dict[str, Any]) -> dict[str, Any]:
    data = {name: values[name] for name in FIELDS}
    data["stages"] = values["stages"]
    data["capacity"] = values["capacity"].strip() or None
    data["version"] = values.get("version")
    return data


def _render_form(activity, values, errors, status=200):
    return render_template("activities/form.html", activity=activity, values=values,
                           errors=errors, programmes=_managed_programmes(),
                           kinds=activities.kind_labels(), stages=list(Stage),
                           label_of=label_of), status


def label_of(name: str) -> str:
    return {"kind": _("Kind"), "title": _("Title"), "description": _("Description"),
            "starts_at": _("Starts"), "ends_at": _("Ends"), "place": _("Place or link"),
            "capacity": _("Places (projects)"),
            "registration_closes_at": _("Registration closes"), "stages": _("For stages"),
            "organiser": _("Organiser"), "programme_id": _("Programme"),
            "version": _("Version")}.get(name, name)


@bp.route("/activities/new", methods=["GET", "POST"])
@login_required
def new_activity():
    if not _managed_programmes():
        raise Forbidden(_("Only the programme's managers change its activities."))
    if request.method == "GET":
        chosen = identifier(request.args.get("programme"))
        return _render_form(None, {name: "" for name in FIELDS} | {
            "stages": [], "programme_id": chosen or "", "kind": "training"}, {})
    values = _posted()
    try:
        activity = activities.create_activity(
            current_user, identifier(values["programme_id"]), _as_data(values))
    except Invalid as error:
        flash(error.detail, "error")
        return _render_form(None, values, error.errors, 422)
    except OperationError as error:
        if error.status == 404:
            flash(error.detail, "error")
            return _render_form(None, values, {"programme_id": _("Choose a programme.")}, 422)
        raise
    flash(_("The activity is created."), "success")
    return redirect(url_for("activities.activity_page", activity_id=activity.id))


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_activity(activity_id: int):
    activity = activities.get_activity(activity_id).activity
    if not can_manage_activities(current_user, activity.programme_id):
        raise Forbidden(_("Only the programme's managers change its activities."))
    if request.method == "GET":
        values = {name: getattr(activity, name) for name in FIELDS} | {
            "stages": activity.stages, "version": activity.version,
            "starts_at": _local(activity.starts_at), "ends_at": _local(activity.ends_at),
            "registration_closes_at": _local(activity.registration_closes_at)}
        return _render_form(activity, values, {})
    values = _posted()
    try:
        activities.update_activity(current_user, activity_id, _as_data(values))
    except Invalid as error:
        flash(error.detail, "error")
        return _render_form(activity, values, error.errors, 422)
    except OperationError as error:
        if error.status == 404:
            raise
        flash(error.detail, "error")
        return _render_form(activity, values, {}, error.status)
    flash(_("The activity is saved."), "success")
    return redirect(url_for("activities.activity_page", activity_id=activity_id))


# --- figures -------------------------------------------------------------------------------


@bp.get("/programmes/<int:programme_id>/activities/figures")
@login_required
def figures(programme_id: int):
    return render_template("activities/figures.html",
                           figures=activities.figures(current_user, programme_id),
                           kinds=activities.kind_labels(), outcomes=activities.outcome_labels())


# --- the showcase --------------------------------------------------------------------------


@bp.get("/showcase")
def showcase():
    programmes = _programmes()
    programme_id = identifier(request.args.get("programme"))
    if programme_id is not None:
        by_id(Programme, programme_id)
    rows = activities.showcase(programme_id, after_id=identifier(request.args.get("after")),
                               limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("activities/showcase.html", rows=rows, programmes=programmes,
                           programme_id=programme_id, locale=str(get_locale()),
                           next_after=rows[-1].project.id if more else None)


@bp.route("/showcase/mine", methods=["GET", "POST"])
@login_required
def my_showcase():
    errors: dict[int, dict[str, str]] = {}
    posted: dict[int, dict[str, Any]] = {}
    status = 200
    if request.method == "POST":
        project_id = identifier(request.form.get("project_id"))
        data = {"showcase": request.form.get("showcase") == "yes",
                "description": request.form.get("description", ""),
                "description_en": request.form.get("description_en", "")}
        try:
            project = activities.set_showcase(current_user, project_id, data)
        except Invalid as error:
            flash(error.detail, "error")
            errors[project_id], posted[project_id], status = error.errors, data, 422
        else:
            flash(_("“%(project)s” is on the showcase.", project=project.title)
                  if project.showcase else
                  _("“%(project)s” is not on the showcase.", project=project.title), "success")
            return redirect(url_for("activities.my_showcase"))
    return render_template("activities/my_showcase.html",
                           projects=activities.my_projects(current_user),
                           errors=errors, posted=posted), status
