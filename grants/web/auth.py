"""Sign up, log in (password, then the second factor once enrolled) and out, the profile page
with language, password, second factor and API tokens.

A session names its user and the user's session version (`User.session_version`): logging out,
a new password or a reset second factor moves the version on, and the user loader refuses any
session cookie of an older one, so a copied cookie dies with the session it was copied from.
Between the two steps of a login the session holds only `pending` (who passed the password,
when, and where to go next): nothing is reachable with it but the code page.
"""

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from grants import permissions
from grants.config import LANGUAGES
from grants.extensions import db
from grants.models import User
from grants.operations import Invalid, accounts, second_factor
from grants.operations.errors import Conflict, TooManyAttempts
from grants.web import safe_next
from grants.web.forms import (
    ChoosePasswordForm,
    CodeForm,
    LoginForm,
    PasswordForm,
    RegisterForm,
    TokenForm,
    errors_to,
)

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300  # the code must follow the password within five minutes


def address() -> str | None:
    """The client's address (the proxy's X-Forwarded-For when GRANTS_PROXY_HOPS says to trust
    it, grants/__init__.py)."""
    return request.remote_addr


def _throttled(template: str, error: TooManyAttempts, **context):
    flash(error.detail, "error")
    response = make_response(render_template(template, **context), 429)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data, address())
        except TooManyAttempts as error:
            return _throttled("auth/login.html", error, form=form)
        if user is not None:
            chosen = session.get("locale")
            session.clear()  # nothing of the anonymous session carries over into the account's
            target = request.args.get("next")
            if user.has_second_factor:
                session["pending"] = {"user": user.id, "version": user.session_version,
                                      "at": int(time.time()), "next": target,
                                      "locale": chosen}
                return redirect(url_for("auth.code"))
            return _logged_in(user, chosen, target)
        flash(_("Wrong email or password."), "error")
        status = 401
    return render_template("auth/login.html", form=form), status


def _logged_in(user: User, chosen: str | None, target: str | None):
    login_user(user)
    session["version"] = user.session_version
    _keep_language(user, chosen)
    if second_factor.missing(user):
        return redirect(url_for("auth.second_factor"))
    home = "manage.call_list" if permissions.is_staff(user) else "apply.dashboard"
    return redirect(safe_next(target, url_for(home)))


def _pending_user() -> User | None:
    """Who passed the password step, in this session, within the last five minutes."""
    pending = session.get("pending")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or user.session_version != pending.get("version"):
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
def code():
    """The second step: a code from the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None:
        session.pop("pending", None)
        flash(_("Log in again: the code must follow the password within five minutes."),
              "error")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            second_factor.complete_login(user, {"code": form.code.data}, address())
        except TooManyAttempts as error:
            return _throttled("auth/code.html", error, form=form)
        except Invalid as error:
            errors_to(form, error)
            status = 422
        else:
            pending = session.pop("pending")
            session.clear()
            return _logged_in(user, pending.get("locale"), pending.get("next"))
    return render_template("auth/code.html", form=form), status


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
    """Logging out ends every session of the account, a copied cookie included."""
    if current_user.is_authenticated:
        accounts.end_sessions(current_user)
    logout_user()
    session.clear()
    return redirect(url_for("public.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Step one: name and email. The same answer whether or not the email has an account:
    the mail says which (grants/operations/accounts.py)."""
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            link = accounts.request_registration(
                {"email": form.email.data, "name": form.name.data}, address(),
                locale=session.get("locale"), next_path=request.args.get("next"))
        except TooManyAttempts as error:
            return _throttled("auth/register.html", error, form=form)
        except Invalid as error:
            errors_to(form, error)
            status = 422
        else:
            return render_template("auth/register_sent.html", email=form.email.data.strip(),
                                   demo_link=link if current_app.config.get("DEMO_MODE")
                                   else None)
    return render_template("auth/register.html", form=form), status


@bp.route("/register/<token>", methods=["GET", "POST"])
def register_password(token: str):
    """Step two, from the mailed link: choose a password; the account is made and logged in."""
    try:
        details = accounts.registration(token)
    except Conflict as error:  # the account exists: the link did its work
        flash(error.detail, "info")
        return redirect(url_for("auth.login"))
    form = ChoosePasswordForm()
    status = 200
    if request.method == "POST":
        try:
            user, details = accounts.register(token, {"password": form.password.data})
        except Invalid as error:
            errors_to(form, error)
            status = 422
        else:
            session.clear()
            login_user(user)
            session["version"] = user.session_version
            session["locale"] = user.locale
            flash(_("Welcome! Register your startup to apply."), "success")
            return redirect(safe_next(details.get("next"), url_for("apply.dashboard")))
    return render_template("auth/register_password.html", form=form, details=details), status


def _profile(form=None, password_form=None, new_token=None, status: int = 200):
    return render_template(
        "auth/profile.html", form=form or TokenForm(formdata=None),
        password_form=password_form or PasswordForm(formdata=None),
        tokens=accounts.tokens_of(current_user), new_token=new_token,
        codes_left=second_factor.recovery_codes_left(current_user)
        if current_user.has_second_factor else None), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = accounts.create_token(current_user, form.name.data)
        form.name.data = ""
    return _profile(form, new_token=new_token)


@bp.post("/profile/password")
@login_required
def change_password():
    """A new password; every other session of the account ends, this one goes on."""
    form = PasswordForm()
    try:
        session["version"] = accounts.change_password(
            current_user, {"current_password": form.current_password.data,
                           "password": form.password.data})
    except Invalid as error:
        errors_to(form, error)
        return _profile(password_form=form, status=422)
    flash(_("Your password is changed. Your other sessions have ended."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/profile/second-factor", methods=["GET", "POST"], endpoint="second_factor")
@login_required
def second_factor_page():
    """Enrol an authenticator app: scan the QR code (or type the secret), give a code; the
    recovery codes are shown once."""
    if current_user.has_second_factor:
        return render_template("auth/second_factor.html", form=CodeForm(formdata=None),
                               codes_left=second_factor.recovery_codes_left(current_user))
    secret = session.get("enrol_secret") or second_factor.new_secret()
    session["enrol_secret"] = secret
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = second_factor.enrol(current_user, secret, {"code": form.code.data})
        except Invalid as error:
            errors_to(form, error)
            status = 422
        else:
            session.pop("enrol_secret")
            session["version"] = current_user.session_version
            return render_template("auth/recovery_codes.html", codes=codes)
    return render_template("auth/enrol.html", form=form, secret=secret,
                           qr=second_factor.enrolment_qr(current_user, secret),
                           required=second_factor.required(current_user)), status


@bp.post("/profile/second-factor/recovery-codes")
@login_required
def renew_recovery_codes():
    form = CodeForm()
    try:
        codes = second_factor.renew_recovery_codes(current_user, {"code": form.code.data})
    except Invalid as error:
        errors_to(form, error)
        return render_template("auth/second_factor.html", form=form,
                               codes_left=second_factor.recovery_codes_left(current_user)), 422
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    accounts.revoke_token(current_user, token_id)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("auth.profile"))
