"""Mentors and experts in pages: the network (staff), a mentor's profile, the matches a reader
may see, a match's page (the mentor's declaration, the sessions, logging one; managers: end
it), and matching a mentor from the project's page."""

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from grants import labels
from grants.inputs import identifier
from grants.models import FIELDS
from grants.models.mentors import LANGUAGES
from grants.operations import Forbidden, Invalid, NotFound, OperationError, mentors
from grants.operations.core import LOCAL
from grants.permissions.mentors import MENTOR, can_read_network, is_mentor
from grants.permissions.rules import MANAGING
from grants.web.forms import EmptyForm

bp = Blueprint("mentors", __name__)
PAGE = 50


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every page here is behind the login."""


@bp.get("/mentors")
def network():
    field = request.args.get("field") if request.args.get("field") in FIELDS else None
    language = request.args.get("language") if request.args.get("language") in LANGUAGES \
        else None
    rows = mentors.list_mentors(current_user, field=field, language=language,
                                after_id=identifier(request.args.get("after")),
                                limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("mentors/network.html", rows=rows, field=field, language=language,
                           fields=FIELDS, mentor_languages=LANGUAGES,
                           next_after=rows[-1].mentor.id if more else None)


def _render_profile(values: dict[str, Any], errors: dict[str, str], status: int = 200):
    return render_template("mentors/profile.html", values=values, errors=errors,
                           fields=FIELDS, mentor_languages=LANGUAGES, form=EmptyForm()), status


@bp.route("/mentors/me", methods=["GET", "POST"])
def profile():
    if not is_mentor(current_user):
        abort(403)
    if request.method == "GET":
        saved = mentors.profile_of(current_user.id)
        return _render_profile({
            "expertise": saved.expertise if saved else [],
            "languages": saved.languages if saved else [],
            "availability": saved.availability if saved else "",
            "bio": saved.bio if saved else ""}, {})
    values = {"expertise": request.form.getlist("expertise"),
              "languages": request.form.getlist("languages"),
              "availability": request.form.get("availability", ""),
              "bio": request.form.get("bio", "")}
    try:
        mentors.save_profile(current_user, values)
    except Invalid as error:
        flash(error.detail, "error")
        return _render_profile(values, error.errors, 422)
    flash(_("Your mentor's profile is saved."), "success")
    return redirect(url_for("mentors.matches"))


@bp.get("/mentorships")
def matches():
    rows = mentors.mentorships(current_user, after_id=identifier(request.args.get("after")),
                               limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("mentors/matches.html", rows=rows, mentor=is_mentor(current_user),
                           profile=mentors.profile_of(current_user.id)
                           if is_mentor(current_user) else None,
                           next_after=rows[-1].mentorship.id if more else None)


def _render_match(mentorship_id: int, status: int = 200, errors: dict | None = None,
                  values: dict | None = None):
    mentorship, roles = mentors.get(current_user, mentorship_id)
    return render_template(
        "mentors/match.html", mentorship=mentorship, roles=roles,
        sessions=mentors.sessions(current_user, mentorship.id, limit=200)[::-1],
        mentoring=MENTOR in roles, managing=bool(set(MANAGING) & roles),
        errors=errors or {}, values=values or {}, form=EmptyForm(),
        today=datetime.now(LOCAL).date().isoformat()), status


@bp.get("/mentorships/<int:mentorship_id>")
def match(mentorship_id: int):
    return _render_match(mentorship_id)


def _refused(error: OperationError, mentorship_id: int, values: dict | None = None):
    if isinstance(error, NotFound):
        raise error
    flash(error.detail, "error")
    return _render_match(mentorship_id, error.status, getattr(error, "errors", {}), values)


@bp.post("/mentorships/<int:mentorship_id>/declaration")
def declaration(mentorship_id: int):
    conflict = request.form.get("conflict") == "yes"
    data = {"conflict": conflict, "reason": request.form.get("reason", "")}
    try:
        mentors.declare(current_user, mentorship_id, data)
    except OperationError as error:
        return _refused(error, mentorship_id, {"reason": data["reason"]})
    flash(_("You recused yourself from this project.") if conflict
          else _("Thank you. The project is open to you now."), "success")
    return redirect(url_for("mentors.match", mentorship_id=mentorship_id))


@bp.post("/mentorships/<int:mentorship_id>/sessions")
def log_session(mentorship_id: int):
    values = {name: request.form.get(name, "") for name in ("held_on", "topic", "notes")}
    try:
        mentors.log_session(current_user, mentorship_id, values)
    except OperationError as error:
        return _refused(error, mentorship_id, values)
    flash(_("The session is logged; the startup can read it now."), "success")
    return redirect(url_for("mentors.match", mentorship_id=mentorship_id, _anchor="sessions"))


@bp.post("/mentorships/<int:mentorship_id>/end")
def end(mentorship_id: int):
    values = {"reason": request.form.get("end_reason", "")}
    try:
        mentors.end(current_user, mentorship_id, {"reason": values["reason"]})
    except OperationError as error:
        return _refused(error, mentorship_id, values)
    flash(_("The match has ended."), "success")
    return redirect(url_for("mentors.match", mentorship_id=mentorship_id))


@bp.post("/projects/<int:project_id>/mentors")
def match_project(project_id: int):
    try:
        mentorship = mentors.match(current_user, project_id,
                                   {"mentor_id": identifier(request.form.get("mentor_id"))})
    except OperationError as error:
        if isinstance(error, NotFound | Forbidden):  # the refusal's own page, not the project's
            raise
        message = error.detail
        if getattr(error, "errors", None):
            message = " ".join([error.detail, *error.errors.values()])
        flash(message, "error")
        return redirect(url_for("projects.detail", project_id=project_id, _anchor="mentors"))
    flash(_("%(mentor)s is matched to the project and asked to declare any conflict of "
            "interest.", mentor=mentorship.mentor.name), "success")
    return redirect(url_for("projects.detail", project_id=project_id, _anchor="mentors"))


@bp.app_template_global()
def reads_network() -> bool:
    return current_user.is_authenticated and can_read_network(current_user)


@bp.app_template_global()
def mentors_of(user) -> bool:
    return user.is_authenticated and is_mentor(user)


@bp.app_template_filter("language_name")
def language_name(code: str) -> str:
    return labels.language(code)
