"""The server-rendered pages: one blueprint per area, shared helpers for templates."""

from urllib.parse import urlsplit

from flask import Flask, make_response, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from grants import labels, permissions
from grants.config import LANGUAGES
from grants.extensions import db, login_manager
from grants.inputs import MAX_ID, whole_number
from grants.models import User
from grants.operations import OperationError, second_factor
from grants.web.forms import EmptyForm


def register_web(app: Flask) -> None:
    from grants.web import (
        activities,
        applications,
        apply,
        audit,
        auth,
        calls,
        documents,
        funding,
        kpis,
        manage,
        mentors,
        organizations,
        pilots,
        programmes,
        projects,
        public,
        review,
        users,
    )

    for module in (public, auth, apply, applications, documents, manage, calls, programmes,
                   organizations, users, review, funding, pilots, projects, activities, mentors,
                   audit, kpis):
        app.register_blueprint(module.bp)

    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        """The session's user, if the session is of the user's current version (grants/web/
        auth.py)."""
        number = whole_number(user_id)
        user = db.session.get(User, number) if number and number <= MAX_ID else None
        if user is None or session.get("version") != user.session_version:
            return None
        return user

    @app.before_request
    def _second_factor_first():
        """Staff and reviewers who must have a second factor reach nothing else until they
        enrol one (the API refuses their tokens the same way, grants/api/__init__.py)."""
        if request.blueprint in (None, "api") or request.endpoint in ENROLMENT_ENDPOINTS:
            return None
        if current_user.is_authenticated and second_factor.missing(current_user):
            return redirect(url_for("auth.second_factor"))
        return None

    @app.context_processor
    def _helpers() -> dict:
        return {
            "labels": labels,
            "is_staff": current_user.is_authenticated and permissions.is_staff(current_user),
            "can_manage_users": current_user.is_authenticated
            and permissions.can_manage_users(current_user),
            "locale": str(get_locale()),
            "languages": LANGUAGES,
            "money": lambda n: "—" if n is None else format_decimal(n) + " ₫",
            "when": lambda d: "—" if d is None else format_datetime(d, "dd/MM/yyyy HH:mm"),
            # formdata=None: never read the body here; for a body over MAX_CONTENT_LENGTH that
            # would raise 413 again inside the 413 error page and end in a 500
            "csrf_form": EmptyForm(formdata=None),
            # where the language buttons return to: this page, or for a POST the page before
            "back_url": request.full_path if request.method == "GET"
            else safe_next(request.referrer, "/"),
        }

    @app.errorhandler(OperationError)
    def _operation_error(error: OperationError):
        return render_template("error.html", status=error.status, message=error.detail,
                               problems=getattr(error, "problems", [])), error.status


# What a user who must still enrol a second factor may reach.
ENROLMENT_ENDPOINTS = frozenset({"auth.second_factor", "auth.logout", "public.language",
                                 "public.health", "static"})


def safe_next(target: str | None, default: str) -> str:
    """A path on this site taken from `target` (a path or a URL of this host), else `default`:
    no open redirects."""
    if not target or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.netloc not in ("", request.host):
        return default
    path = "/" + parts.path.lstrip("/")
    return path + (f"?{parts.query}" if parts.query else "")


def error_page(error: HTTPException):
    """The error page for an HTTP error raised outside an operation (unknown page, wrong method,
    body too large, bad request)."""
    messages = {403: _("You may not do this."), 404: _("This page does not exist."),
                405: _("This page does not accept that request."),
                413: _("The upload is too large."), 400: _("The request was not valid.")}
    status = error.code or 500
    message = messages.get(status, _("The request was not valid."))
    response = make_response(render_template("error.html", status=status, message=message),
                            status)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
