"""Pages anyone can read: the home page with the open calls."""

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from grants.config import LANGUAGES
from grants.operations import accounts, calls
from grants.web import safe_next

bp = Blueprint("public", __name__)


@bp.get("/healthz")
def health():
    """For the load balancer: the process answers (it touches no database)."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/")
def index():
    return render_template("public/index.html", calls=calls.list_calls(open_only=True))


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement: the standard we aim for, what we know falls short, and
    how to report a problem."""
    return render_template("public/accessibility.html")


@bp.post("/language/<code>")
def language(code: str):
    if code in LANGUAGES:
        session["locale"] = code
        if current_user.is_authenticated:
            accounts.set_locale(current_user, code)
    return redirect(safe_next(request.form.get("next"), url_for("public.index")))
