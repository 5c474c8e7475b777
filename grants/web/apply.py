"""The startup's pages: dashboard, drafting an application."""

import re
import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from grants import labels, permissions
from grants.inputs import identifier, whole_number
from grants.models import Role
from grants.operations import Conflict, Invalid, applications, calls, organizations
from grants.web.forms import application_form

bp = Blueprint("apply", __name__)
PAGE = 50  # rows a list shows at once


@bp.get("/my")
@login_required
def dashboard():
    rows = [item.entity for item in applications.list_applications(
        current_user, as_roles=frozenset({Role.APPLICANT.value}),
        before_id=identifier(request.args.get("before")), limit=PAGE + 1)]
    startups = organizations.my_organizations(current_user, limit=PAGE + 1)
    return render_template(
        "apply/dashboard.html",
        organizations=startups[:PAGE],
        more_organizations=len(startups) > PAGE,
        applications=rows[:PAGE],
        next_before=rows[PAGE - 1].id if len(rows) > PAGE else None,
        open_calls=calls.list_calls(open_only=True, limit=PAGE),
        can_apply=permissions.can_apply(current_user),
    )


# The page offers a list to choose from, where the operation's message names the API's codes.
PAGE_MESSAGES = {"field": _l("Choose one of the listed fields.")}


def _show_errors(form, error: Invalid, prefix: str = "") -> None:
    """Put an operation's field errors next to the fields; the rest goes to the top."""
    for name, message in error.errors.items():
        key = name.removeprefix(prefix).replace("answers.", "answer_")
        field = getattr(form, key, None)
        message = str(PAGE_MESSAGES.get(key, message))
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")
    flash(error.detail, "error")


# 35000000, 35.000.000, 35,000,000 or 35 000 000; anything else goes to the operation as typed
# and is refused there (35.000.000,50 is not a whole number of đồng).
GROUPED = re.compile(r"\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*")


def without_grouping(amount: str | None) -> str:
    amount = (amount or "").strip()
    return re.sub(r"\D", "", amount) if GROUPED.fullmatch(amount) else amount


def _application_data(form, questions) -> dict:
    return {
        "project": {
            "title": form.title.data,
            "summary": form.summary.data or "",
            "field": form.field.data,
            "organization_id": form.organization_id.data,
        },
        "answers": {q["key"]: getattr(form, f"answer_{q['key']}").data or "" for q in questions},
        "requested_amount": without_grouping(form.requested_amount.data) or 0,
    }


# Each new-application form carries a one-time token, stored with the draft it made: posting
# the same form again (the back button, a double click) opens that draft instead of making
# another, even when two posts arrive at once (the token is unique per author).
FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


@bp.route("/calls/<int:call_id>/apply", methods=["GET", "POST"])
@login_required
def new_application(call_id: int):
    call = calls.get_call(call_id)
    mine = organizations.my_organizations(current_user)
    if not mine:
        flash(_("Register your startup first."), "info")
        return redirect(url_for("organizations.new", next=request.path))
    form = application_form(call.questions)
    form.organization_id.choices = [(str(o.id), o.name) for o in mine]
    status = 200
    if form.validate_on_submit():
        token = form.form_token.data if FORM_TOKEN.fullmatch(form.form_token.data or "") \
            else None
        made = applications.made_with(current_user, token)
        if made is not None:
            flash(_("This form was already saved: here is the draft it made."), "info")
            return redirect(url_for("applications.detail", application_id=made))
        data = _application_data(form, call.questions) | {"call_id": call.id}
        try:
            application = applications.create_application(current_user, data, form_token=token)
        except Invalid as error:
            _show_errors(form, error, "project.")
            status = 422
        except Conflict:  # the same form, saved a moment ago by a second click
            if (made := applications.made_with(current_user, token)) is None:
                raise
            flash(_("This form was already saved: here is the draft it made."), "info")
            return redirect(url_for("applications.detail", application_id=made))
        else:
            flash(_("Your draft is saved. Submit it when it is complete."), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
    if not FORM_TOKEN.fullmatch(form.form_token.data or ""):
        form.form_token.data = secrets.token_urlsafe(16)
    return render_template("apply/application_form.html", form=form, call=call), status


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit_application(application_id: int):
    item = applications.get_application(current_user, application_id)
    application, call = item.entity, item.entity.call
    form = application_form(call.questions)
    form.organization_id.choices = [(str(application.project.organization_id),
                                     application.project.organization.name)]
    status = 200
    if request.method == "GET" and not applications.can_edit(item):
        flash(_("The application can no longer be edited (it is %(state)s).",
                state=labels.state(application.state)), "info")
        return redirect(url_for("applications.detail", application_id=application.id))
    if request.method == "GET":
        form.organization_id.data = str(application.project.organization_id)
        form.title.data = application.project.title
        form.summary.data = application.project.summary
        form.field.data = application.project.field
        form.requested_amount.data = application.requested_amount
        form.version.data = application.version
        for q in call.questions:
            getattr(form, f"answer_{q['key']}").data = application.answers.get(q["key"], "")
    elif form.validate_on_submit():
        data = _application_data(form, call.questions)
        data["project"].pop("organization_id")
        data["version"] = whole_number(form.version.data)
        try:
            applications.update_application(current_user, application.id, data)
        except Invalid as error:
            _show_errors(form, error, "project.")
            status = 422
        except Conflict as error:
            flash(error.detail, "error")
            status = 409
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
    else:
        status = 422
    return render_template("apply/application_form.html", form=form, call=call,
                           application=application), status
