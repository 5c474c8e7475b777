"""Administrators' pages: users and their role grants."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField

from grants import labels
from grants.models import Role
from grants.operations import Invalid, accounts, second_factor
from grants.web.forms import errors_to

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _role_choices():
    return [("", "—")] + [(r.value, labels.ROLES.get(r.value, r.value)) for r in Role]


def _programme_choices():
    return [("", _("Every programme"))] + [
        (str(p.id), p.title) for p in accounts.programmes_to_choose()]


class UserForm(FlaskForm):
    name = StringField(_l("Name"))
    email = EmailField(_l("Email"))
    password = PasswordField(_l("Password (at least 10 characters)"))
    role = SelectField(_l("Role"), choices=_role_choices, validate_choice=False)
    programme_id = SelectField(_l("Programme"), validate_choice=False)


class GrantForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_role_choices, validate_choice=False)
    programme_id = SelectField(_l("Programme"), validate_choice=False)


def _errors_to(form, error: Invalid) -> None:
    errors_to(form, error)
    flash(error.detail, "error")


@bp.get("")
@login_required
def index():
    query = (request.args.get("q") or "").strip()[:254]
    after = (request.args.get("after") or "")[:254] or None
    page = accounts.USER_PAGE
    rows = accounts.list_users(current_user, email_prefix=query, after_email=after,
                               limit=page + 1)
    return render_template("users/index.html", users=rows[:page], query=query,
                           next_after=rows[page - 1].email if len(rows) > page else None)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    accounts.require_admin(current_user)
    form = UserForm()
    form.programme_id.choices = _programme_choices()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.create_user_by_admin(current_user, {
                k: form.data[k] for k in ("name", "email", "password", "role", "programme_id")})
        except Invalid as error:
            _errors_to(form, error)
            status = 422
        else:
            flash(_("The account %(email)s is created.", email=user.email), "success")
            return redirect(url_for("users.detail", user_id=user.id))
    return render_template("users/new.html", form=form), status


def _detail_page(user_id: int, form: GrantForm, status: int = 200):
    user = accounts.get_user(current_user, user_id)
    programmes = {p.id: p.title for p in accounts.programmes_to_choose()}
    return render_template("users/detail.html", user=user, form=form,
                           programmes=programmes), status


def _refused(user_id: int, error: Invalid):
    flash(error.detail, "error")
    form = GrantForm(formdata=None)
    form.programme_id.choices = _programme_choices()
    return _detail_page(user_id, form, 422)


@bp.get("/<int:user_id>")
@login_required
def detail(user_id: int):
    form = GrantForm(formdata=None)
    form.programme_id.choices = _programme_choices()
    return _detail_page(user_id, form)


@bp.post("/<int:user_id>/grants")
@login_required
def grant(user_id: int):
    form = GrantForm()
    form.programme_id.choices = _programme_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        accounts.grant_role(current_user, user_id, {"role": form.role.data,
                                                    "programme_id": form.programme_id.data})
    except Invalid as error:
        _errors_to(form, error)
        return _detail_page(user_id, form, 422)
    flash(_("The role is granted."), "success")
    return redirect(url_for("users.detail", user_id=user_id))


@bp.post("/<int:user_id>/grants/<int:grant_id>/revoke")
@login_required
def revoke(user_id: int, grant_id: int):
    try:
        accounts.revoke_role(current_user, user_id, grant_id)
    except Invalid as error:
        return _refused(user_id, error)
    else:
        flash(_("The role is revoked."), "success")
    return redirect(url_for("users.detail", user_id=user_id))


@bp.post("/<int:user_id>/second-factor/reset")
@login_required
def reset_second_factor(user_id: int):
    user = second_factor.reset(current_user, user_id)
    flash(_("The second factor of %(email)s is removed: they set it up again at their next "
            "login.", email=user.email), "success")
    return redirect(url_for("users.detail", user_id=user_id))


@bp.post("/<int:user_id>/deactivate")
@login_required
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/reactivate")
@login_required
def reactivate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    try:
        accounts.set_user_active(current_user, user_id, active)
    except Invalid as error:
        return _refused(user_id, error)
    else:
        flash(_("The account is active again.") if active else
              _("The account is deactivated: it can no longer log in or use its tokens."),
              "success")
    return redirect(url_for("users.detail", user_id=user_id))
