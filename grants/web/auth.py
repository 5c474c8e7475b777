"""Sign up, log in and out, the profile page with language and API tokens."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from grants import permissions
from grants.config import LANGUAGES
from grants.operations import Invalid, accounts
from grants.web import safe_next
from grants.web.forms import LoginForm, RegisterForm, TokenForm

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            chosen = session.get("locale")
            session.clear()  # nothing of the anonymous session carries over into the account's
            login_user(user)
            _keep_language(user, chosen)
            home = "manage.call_list" if permissions.is_staff(user) else "apply.dashboard"
            return redirect(safe_next(request.args.get("next"), url_for(home)))
        flash(_("Wrong email or password."), "error")
        status = 401
    return render_template("auth/login.html", form=form), status


def _keep_language(user, chosen: str | None) -> None:
    """A language picked on the pages just before logging in is the one the user wants now:
    it becomes (or replaces) the account's language."""
    if chosen not in LANGUAGES:
        return
    session["locale"] = chosen
    if user.locale != chosen:
        accounts.set_locale(user, chosen)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("public.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.register(
                {"email": form.email.data, "name": form.name.data, "password": form.password.data},
                locale=session.get("locale"),
            )
        except Invalid as error:
            for name, message in error.errors.items():
                getattr(form, name).errors.append(message)
            status = 422
        else:
            login_user(user)
            flash(_("Welcome! Register your startup to apply."), "success")
            return redirect(safe_next(request.args.get("next"), url_for("apply.dashboard")))
    return render_template("auth/register.html", form=form), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = accounts.create_token(current_user, form.name.data)
        form.name.data = ""
    tokens = accounts.tokens_of(current_user)
    return render_template("auth/profile.html", form=form, tokens=tokens, new_token=new_token)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    accounts.revoke_token(current_user, token_id)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("auth.profile"))
