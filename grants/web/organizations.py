"""The startup's profile and team: register, edit, see the team, invite, remove, accept."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField

from grants import permissions
from grants.operations import Conflict, Forbidden, Invalid, NotFound, organizations
from grants.web import safe_next
from grants.web.forms import OrganizationForm

bp = Blueprint("organizations", __name__)
PAGE = 50  # members a page shows at once
PROFILE = ("name", "registration_number", "founded_on", "field", "address", "website")
# The page offers a list to choose from, where the operation's message names the API's codes.
PAGE_MESSAGES = {"field": _l("Choose one of the listed fields.")}


class InviteForm(FlaskForm):
    email = EmailField(_l("Email of the person to invite"))


def _show_errors(form, error: Invalid) -> None:
    """Put an operation's field errors next to the fields; the rest goes to the top."""
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        message = str(PAGE_MESSAGES.get(name, message))
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")
    flash(error.detail, "error")


@bp.route("/organizations/new", methods=["GET", "POST"])
@login_required
def new():
    organizations.require_startup_account(current_user)
    form = OrganizationForm()
    status = 200
    if form.validate_on_submit():
        try:
            organizations.create_organization(current_user, {k: form.data[k] for k in PROFILE})
        except Invalid as error:
            _show_errors(form, error)
            status = 422
        else:
            flash(_("The organization is registered."), "success")
            return redirect(safe_next(request.args.get("next"), url_for("apply.dashboard")))
    return render_template("organizations/form.html", form=form), status


def _detail_page(organization_id: int, invite_form: InviteForm, status: int = 200):
    after = request.args.get("after", type=int)
    found = organizations.team(current_user, organization_id, after_id=after, limit=PAGE + 1)
    return render_template(
        "organizations/detail.html", organization=found.organization,
        members=found.members[:PAGE],
        next_after=found.members[PAGE - 1].user_id if len(found.members) > PAGE else None,
        invitations=found.invitations, role=found.role, invite_form=invite_form), status


@bp.get("/organizations/<int:organization_id>")
@login_required
def detail(organization_id: int):
    return _detail_page(organization_id, InviteForm(formdata=None))


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organization_id: int):
    organization = organizations.get_organization(current_user, organization_id)
    if not permissions.can_edit_organization(current_user, organization.id):
        raise Forbidden(_("Only the startup's team may edit its profile."))
    form = OrganizationForm(obj=organization if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            organizations.update_organization(current_user, organization.id,
                                              {k: form.data[k] for k in PROFILE})
        except Invalid as error:
            _show_errors(form, error)
            status = 422
        else:
            flash(_("The profile is saved."), "success")
            return redirect(url_for("organizations.detail", organization_id=organization.id))
    return render_template("organizations/form.html", form=form,
                           organization=organization), status


@bp.post("/organizations/<int:organization_id>/invitations")
@login_required
def invite(organization_id: int):
    form = InviteForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        invitation, _token = organizations.invite(current_user, organization_id,
                                                  {"email": form.email.data})
    except Invalid as error:
        form.email.errors = list(error.errors.values()) or [error.detail]
        return _detail_page(organization_id, form, 422)
    flash(_("The invitation is sent to %(email)s. The link works for 7 days.",
            email=invitation.email), "success")
    return redirect(url_for("organizations.detail", organization_id=organization_id))


@bp.post("/organizations/<int:organization_id>/invitations/<int:invitation_id>/cancel")
@login_required
def cancel_invitation(organization_id: int, invitation_id: int):
    organizations.cancel_invitation(current_user, organization_id, invitation_id)
    flash(_("The invitation is cancelled: its link no longer works."), "success")
    return redirect(url_for("organizations.detail", organization_id=organization_id))


@bp.post("/organizations/<int:organization_id>/members/<int:user_id>/remove")
@login_required
def remove_member(organization_id: int, user_id: int):
    organizations.remove_member(current_user, organization_id, user_id)
    flash(_("The member is removed from the team."), "success")
    return redirect(url_for("organizations.detail", organization_id=organization_id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The link in the mail. Opening it changes nothing (mail scanners open links); the
    invited person accepts with a button, logged in with the invited email's account."""
    try:
        found = organizations.invitation_for(token)
    except NotFound as error:
        return render_template("organizations/invitation.html", problem=error.detail), 404
    user = current_user if current_user.is_authenticated else None
    problem = organizations.invitation_problem(found, user)
    status = 200
    if request.method == "POST" and user is not None and problem is None:
        if not FlaskForm().validate_on_submit():
            abort(400)
        try:
            organization = organizations.accept_invitation(user, token)
        except (Conflict, Forbidden) as error:
            problem, status = error.detail, error.status
        else:
            flash(_("Welcome to the team of %(name)s.", name=organization.name), "success")
            return redirect(url_for("organizations.detail", organization_id=organization.id))
    elif problem is not None:  # used, cancelled or expired: 409; another account's: 403
        status = 409 if organizations.invitation_problem(found, None) else 403
    return render_template("organizations/invitation.html", invitation=found,
                           problem=problem, user=user), status
