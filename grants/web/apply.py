"""The startup's pages: the dashboard and the application form, GOV.UK style: a task list of
sections, each saved on its own at any time, check your answers, submit, and a confirmation
with the reference."""

import re
import secrets
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from grants import labels, permissions
from grants.inputs import identifier, whole_number
from grants.models import Role
from grants.operations import (
    Conflict,
    Forbidden,
    Invalid,
    OperationError,
    applications,
    calls,
    documents,
    organizations,
)
from grants.web.forms import _field_choices

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


# Each new-application form carries a one-time token, stored with the draft it made: posting
# the same form again (the back button, a double click) opens that draft instead of making
# another, even when two posts arrive at once (the token is unique per author).
FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


def _start_data(form) -> dict:
    return {
        "project": {
            "title": form.title.data,
            "summary": form.summary.data or "",
            "field": form.field.data,
            "organization_id": form.organization_id.data,
        },
        "requested_amount": without_grouping(form.requested_amount.data) or 0,
    }


# --- the forms: the project to start with, then one per section -----------------------------


def _amount_field(label):
    return StringField(label, render_kw={"inputmode": "numeric", "autocomplete": "off"})


class StartForm(FlaskForm):
    """What starts a draft: whose project, what it is called, and how much it asks."""

    form_token = HiddenField()
    organization_id = SelectField(_l("Organization"), validate_choice=False)
    title = StringField(_l("Project title"))
    summary = TextAreaField(_l("Project summary"), description=_l(
        "What the project does, for whom, and what is new about it. You can finish it later."))
    field = SelectField(_l("Field"), choices=_field_choices, validate_choice=False)
    requested_amount = _amount_field(_l("Requested amount (VND)"))


class ProjectForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Project title"))
    summary = TextAreaField(_l("Project summary"), description=_l(
        "What the project does, for whom, and what is new about it."))
    field = SelectField(_l("Field"), choices=_field_choices, validate_choice=False)


class TeamForm(FlaskForm):
    version = HiddenField()
    team = TextAreaField(_l("Team"), description=_l(
        "Who works on the project and what each person does (names, roles, experience)."),
        render_kw={"rows": 8})


class BudgetForm(FlaskForm):
    version = HiddenField()
    requested_amount = _amount_field(_l("Requested amount (VND)"))
    labour = _amount_field(_l("Labour costs (VND)"))
    other = _amount_field(_l("Other costs (VND)"))


class MilestoneRow(Form):
    milestone = StringField(_l("Milestone"))
    month = StringField(_l("Month"), render_kw={"inputmode": "numeric"})
    deliverable = StringField(_l("Deliverable"))


class MilestonesForm(FlaskForm):
    version = HiddenField()


def milestones_form(rows: int, **kwargs) -> MilestonesForm:
    """The plan as `rows` rows of three fields (milestones-N-milestone, …)."""

    class Plan(MilestonesForm):
        pass

    for number in range(rows):
        setattr(Plan, f"m{number}", FormField(MilestoneRow, separator="-"))
    return Plan(**kwargs)


QUESTION_FIELDS = {
    "text": lambda q: StringField(q["label"], description=q.get("help", "")),
    "long_text": lambda q: TextAreaField(q["label"], description=q.get("help", "")),
    "number": lambda q: IntegerField(q["label"], description=q.get("help", ""),
                                     render_kw={"inputmode": "numeric"}),
    "choice": lambda q: SelectField(q["label"], description=q.get("help", ""),
                                    choices=[SelectChoice("", "—")] + [
                                        SelectChoice(c, c) for c in q.get("choices") or []],
                                    validate_choice=False),
    "date": lambda q: DateField(q["label"], description=q.get("help", "")),
}


class QuestionsForm(FlaskForm):
    version = HiddenField()


def questions_form(call, **kwargs) -> QuestionsForm:
    """A form class built for the call: one field per question answered in the form, of the
    kind its type asks for ("file" questions are answered in the documents section)."""

    class Questions(QuestionsForm):
        pass

    for question in applications.answerable(call):
        setattr(Questions, f"answer_{question['key']}",
                QUESTION_FIELDS[applications.question_type(question)](question))
    return Questions(**kwargs)


def raw(field) -> str:
    """What the person typed in a field, as typed (WTForms keeps it in raw_data)."""
    return field.raw_data[0] if field.raw_data else ""


# --- the pages --------------------------------------------------------------------------------


@bp.route("/calls/<int:call_id>/apply", methods=["GET", "POST"])
@login_required
def new_application(call_id: int):
    call = calls.get_call(call_id)
    if not permissions.can_apply(current_user):
        raise Forbidden(_("Only startup accounts can apply."))
    mine = organizations.my_organizations(current_user)
    if not mine:
        flash(_("Register your startup first."), "info")
        return redirect(url_for("organizations.new", next=request.path))
    form = StartForm()
    form.organization_id.choices = [(str(o.id), o.name) for o in mine]
    status = 200
    if form.validate_on_submit():
        token = form.form_token.data if FORM_TOKEN.fullmatch(form.form_token.data or "") \
            else None
        made = applications.made_with(current_user, token)
        if made is not None:
            flash(_("This form was already saved: here is the draft it made."), "info")
            return redirect(url_for("apply.tasks", application_id=made))
        data = _start_data(form) | {"call_id": call.id}
        try:
            application = applications.create_application(current_user, data, form_token=token)
        except Invalid as error:
            _show_errors(form, error, "project.")
            status = 422
        except Conflict:  # the same form, saved a moment ago by a second click
            if (made := applications.made_with(current_user, token)) is None:
                raise
            flash(_("This form was already saved: here is the draft it made."), "info")
            return redirect(url_for("apply.tasks", application_id=made))
        else:
            flash(_("Your draft is saved. Complete each section, then check and submit."),
                  "success")
            return redirect(url_for("apply.tasks", application_id=application.id))
    if not FORM_TOKEN.fullmatch(form.form_token.data or ""):
        form.form_token.data = secrets.token_urlsafe(16)
    return render_template("apply/application_form.html", form=form, call=call), status


def documents_url(application_id: int) -> str:
    """The documents section (grants/web/documents.py)."""
    return url_for("documents.index", application_id=application_id)


def documents_status(application) -> str:
    """Completed once every required kind has a document; not started while none has."""
    needed = documents.required_kinds(application.call)
    missing = documents.missing(application)
    if not missing:
        return applications.COMPLETED
    return applications.NOT_STARTED if len(missing) == len(needed) else applications.IN_PROGRESS


def _editable(application_id: int) -> applications.Seen:
    """The application, for its applicant while it may be edited: others who see it may not
    (403), and a sent one sends back to its page."""
    item = applications.get_application(current_user, application_id)
    if Role.APPLICANT.value not in item.roles:
        raise Forbidden(_("Only the applicant can edit this application."))
    return item


@bp.get("/applications/<int:application_id>/tasks")
@login_required
def tasks(application_id: int):
    item = _editable(application_id)
    application = item.entity
    if not applications.can_edit(item):
        return _not_editable(item)
    sections = [(name, applications.section_status(application, name))
                for name in applications.SECTIONS]
    return render_template(
        "apply/tasks.html", application=application, sections=sections,
        documents_url=documents_url(application.id),
        documents_status=documents_status(application), total=len(sections) + 1,
        done=sum(status == applications.COMPLETED
                 for status in [documents_status(application)] + [s for _n, s in sections]),
        reference=applications.reference(application))


def _not_editable(item):
    flash(_("The application can no longer be edited (it is %(state)s).",
            state=labels.state(item.entity.state)), "info")
    return redirect(url_for("applications.detail", application_id=item.entity.id))


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit_application(application_id: int):
    """The page drafts were edited on before the task list: it leads there."""
    item = _editable(application_id)
    if not applications.can_edit(item):
        return _not_editable(item)
    return redirect(url_for("apply.tasks", application_id=application_id))


def _fill(section: str, form, application) -> None:
    """A section's form with what is saved."""
    form.version.data = application.version
    project, budget = application.project, application.budget or {}
    if section == "project":
        form.title.data, form.summary.data = project.title, project.summary
        form.field.data = project.field
    elif section == "team":
        form.team.data = application.team
    elif section == "budget":  # grouped as people write amounts: 35.000.000
        form.requested_amount.data = format_decimal(application.requested_amount) \
            if application.requested_amount else ""
        form.labour.data = "" if budget.get("labour") is None else format_decimal(
            budget["labour"])
        form.other.data = "" if budget.get("other") is None else format_decimal(budget["other"])
    elif section == "milestones":
        for number, row in enumerate(application.milestones or []):
            entry = getattr(form, f"m{number}")
            entry.milestone.data = row.get("milestone", "")
            entry.month.data = "" if row.get("month") is None else row["month"]
            entry.deliverable.data = row.get("deliverable", "")
    elif section == "questions":
        for question in applications.answerable(application.call):
            value = application.answers.get(question["key"], "")
            if applications.question_type(question) == "date" and value:
                value = date.fromisoformat(value)
            getattr(form, f"answer_{question['key']}").data = \
                None if value == "" and applications.question_type(question) in (
                    "number", "date") else value


def _sent(section: str, form, application) -> dict:
    """The section's fields as the operation takes them, every value as typed."""
    if section == "project":
        return {"project": {"title": form.title.data, "summary": form.summary.data or "",
                            "field": form.field.data}}
    if section == "team":
        return {"team": form.team.data or ""}
    if section == "budget":
        return {"requested_amount": without_grouping(form.requested_amount.data) or 0,
                "budget": {"labour": without_grouping(form.labour.data) or None,
                           "other": without_grouping(form.other.data) or None}}
    if section == "milestones":
        return {"milestones": [
            {"milestone": entry.milestone.data or "", "month": (entry.month.data or "").strip()
             or None, "deliverable": entry.deliverable.data or ""}
            for entry in (getattr(form, f"m{n}") for n in range(_rows(form)))]}
    return {"answers": {q["key"]: raw(getattr(form, f"answer_{q['key']}"))
                        for q in applications.answerable(application.call)}}


def _leaves(form):
    for field in form:
        if isinstance(field, FormField):
            yield from field
        else:
            yield field


def _rows(form) -> int:
    return sum(1 for name in form._fields if re.fullmatch(r"m\d+", name))


def _section_form(section: str, application, formdata=True):
    kwargs = {} if formdata else {"formdata": None}
    if section == "project":
        return ProjectForm(**kwargs)
    if section == "team":
        return TeamForm(**kwargs)
    if section == "budget":
        return BudgetForm(**kwargs)
    if section == "milestones":
        saved = len(application.milestones or [])
        posted = len({key.split("-")[0] for key in request.form if re.fullmatch(
            r"m\d+-(milestone|month|deliverable)", key)}) if formdata else 0
        rows = min(applications.MAX_MILESTONES, max(saved + BLANK_ROWS, posted))
        return milestones_form(rows, **kwargs)
    return questions_form(application.call, **kwargs)


BLANK_ROWS = 2  # empty milestone rows offered below the saved ones


# Where an operation's field error goes on a section's form.
def _error_field(form, name: str):
    key = name.removeprefix("project.").replace("answers.", "answer_")
    if key.startswith("budget."):
        key = key.removeprefix("budget.")
    match = re.fullmatch(r"milestones\.(\d+)\.(\w+)", name)
    if match:
        entry = getattr(form, f"m{match.group(1)}", None)
        return getattr(entry, match.group(2), None) if entry is not None else None
    if key == "budget":
        key = "other"  # the sum: shown at the last part, next to the total it is about
    return getattr(form, key, None)


@bp.route("/applications/<int:application_id>/sections/<section>", methods=["GET", "POST"])
@login_required
def section(application_id: int, section: str):
    if section not in applications.SECTIONS:
        abort(404)
    item = _editable(application_id)
    application = item.entity
    if not applications.can_edit(item):
        return _not_editable(item)
    status = 200
    problems: list[tuple[str | None, str]] = []  # the error summary: (field id, message)
    if request.method == "POST":  # (CSRFProtect has checked the token)
        form = _section_form(section, application)
        for field in _leaves(form):
            field.errors = []  # WTForms' own parse errors: the operation's messages replace them
        data = _sent(section, form, application) | {"version": whole_number(form.version.data)}
        try:
            applications.update_application(current_user, application.id, data)
        except Invalid as error:
            for name, message in error.errors.items():
                field = _error_field(form, name)
                message = str(PAGE_MESSAGES.get(name.removeprefix("project."), message))
                if field is not None:
                    field.errors = [*field.errors, message]
                problems.append((field.id if field is not None else None, message))
            status = 422
        except Conflict as error:
            flash(error.detail, "error")
            status = 409
        else:
            flash(_("Saved: %(section)s.", section=labels.SECTIONS[section]), "success")
            return redirect(url_for("apply.tasks", application_id=application.id))
    else:
        form = _section_form(section, application, formdata=False)
        _fill(section, form, application)
    return render_template(
        "apply/section.html", application=application, section=section, form=form,
        problems=problems, rows=_rows(form) if section == "milestones" else 0,
        file_questions=[q for q in application.call.questions
                        if applications.question_type(q) == "file"],
        documents_url=documents_url(application.id)), status


@bp.get("/applications/<int:application_id>/check")
@login_required
def check(application_id: int):
    return _check_page(_editable(application_id))


def _check_page(item, status: int = 200, problems: list[str] | None = None):
    application = item.entity
    if not applications.can_edit(item):
        return _not_editable(item)
    action = applications.sending_action(item)
    if problems is None:
        problems = applications.problems_before(current_user, item, action) if action else [
            _("The application cannot be sent in its current state.")]
    return render_template(
        "apply/check.html", application=application, action=action, problems=problems,
        statuses={name: applications.section_status(application, name)
                  for name in applications.SECTIONS},
        documents_url=documents_url(application.id), form=FlaskForm(),
        reference=applications.reference(application)), status


@bp.post("/applications/<int:application_id>/submit")
@login_required
def submit(application_id: int):
    item = _editable(application_id)
    action = applications.sending_action(item)
    if action is None or not applications.can_edit(item):
        return _not_editable(item)
    try:
        applications.act(current_user, application_id, action,
                         {"version": whole_number(request.form.get("version"))})
    except Invalid as error:
        flash(error.detail, "error")
        return _check_page(applications.get_application(current_user, application_id), 422,
                           error.problems or list(error.errors.values()))
    except OperationError as error:
        if error.status == 404:
            raise
        flash(error.detail, "error")
        return _check_page(applications.get_application(current_user, application_id),
                           error.status)
    return redirect(url_for("apply.confirmation", application_id=application_id))


@bp.get("/applications/<int:application_id>/confirmation")
@login_required
def confirmation(application_id: int):
    item = _editable(application_id)
    application = item.entity
    if application.submitted_at is None:
        return redirect(url_for("apply.tasks", application_id=application.id))
    return render_template("apply/confirmation.html", application=application,
                           reference=applications.reference(application))
