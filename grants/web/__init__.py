"""The server-rendered pages: one blueprint per area, shared helpers for templates."""

from flask import Flask, render_template
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel import gettext as _

from grants import labels
from grants.config import LANGUAGES
from grants.extensions import db, login_manager
from grants.models import User
from grants.operations import OperationError
from grants.web.forms import EmptyForm


def register_web(app: Flask) -> None:
    from grants.web import applications, apply, auth, manage, public

    for module in (public, auth, apply, applications, manage):
        app.register_blueprint(module.bp)

    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None

    @app.context_processor
    def _helpers() -> dict:
        return {
            "labels": labels,
            "locale": str(get_locale()),
            "languages": LANGUAGES,
            "money": lambda n: "—" if n is None else format_decimal(n) + " ₫",
            "when": lambda d: "—" if d is None else format_datetime(d, "short"),
            "csrf_form": EmptyForm(),
        }

    for status, title in ((403, "Forbidden"), (404, "Not found"), (405, "Method not allowed"),
                          (413, "Too large"), (400, "Bad request")):
        app.register_error_handler(status, _error_page(status, title))

    @app.errorhandler(OperationError)
    def _operation_error(error: OperationError):
        return render_template("error.html", status=error.status, message=error.detail,
                               problems=getattr(error, "problems", [])), error.status


def _error_page(status: int, title: str):
    def handler(error):
        from flask import request

        if request.path.startswith("/api/"):
            from grants.api.problems import problem

            return problem(status, title, getattr(error, "description", None))
        messages = {403: _("You may not do this."), 404: _("This page does not exist."),
                    405: _("This page does not accept that request."),
                    413: _("The upload is too large."), 400: _("The request was not valid.")}
        return render_template("error.html", status=status, message=messages[status]), status

    return handler
