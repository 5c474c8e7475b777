"""Calls in pages: the public list of open calls and each call's page (anyone), and the call
editor (managers of the programme, admins)."""

import re
import unicodedata
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from grants import labels, permissions
from grants.inputs import KEY, identifier
from grants.models import FIELDS, Stage, utcnow
from grants.operations import Conflict, Invalid, calls
from grants.operations.core import LOCAL
from grants.web.apply import without_grouping
from grants.web.forms import EmptyForm

bp = Blueprint("calls", __name__)
PAGE = 20  # calls the public list shows at once

# The repeatable rows of the editor: a section's name in the form -> its fields.
ROWS = {
    "criteria": ("key", "name", "weight", "max_score", "guidance"),
    "questions": ("key", "label", "type", "choices", "help"),
    "documents": ("kind",),
}
CHECKBOXES = {"questions": ("required",)}
BLANK_ROWS = 2  # empty rows under the saved ones, to add without JavaScript
MORE_ROWS = 3  # rows "Add more" adds
MAX_ROWS = 100
# Kinds of documents a call often asks for (suggested in the editor; any key is allowed).
COMMON_DOCUMENTS = {
    "business_plan": _l("Business plan"),
    "business_registration": _l("Business registration certificate"),
    "financial_statement": _l("Financial statement"),
    "pitch_deck": _l("Pitch deck"),
    "team_cv": _l("CVs of the team"),
    "product_demo": _l("Product demonstration"),
}
QUESTION_TYPES = {
    "text": _l("Short text"),
    "long_text": _l("Long text"),
    "number": _l("Number"),
    "choice": _l("Choice from a list"),
    "date": _l("Date"),
    "file": _l("File upload"),
}


@bp.app_template_filter("readable_kind")
def readable_kind(kind: str) -> str:
    return str(COMMON_DOCUMENTS[kind]) if kind in COMMON_DOCUMENTS else labels.readable(kind)


@bp.app_template_filter("field_label")
def field_label(field: str) -> str:
    return labels.field(field)


@bp.app_template_global("months")
def months(n: int) -> str:
    return _("1 month") if n == 1 else _("%(n)d months", n=n)


@bp.app_template_global("question_type")
def question_type(kind: str) -> str:
    return str(QUESTION_TYPES[kind]) if kind in QUESTION_TYPES else labels.readable(kind)


def time_left(moment: datetime, now: datetime) -> str:
    return format_timedelta(moment - now, threshold=1.0)


def status_of(call, now: datetime) -> str:
    if now < call.opens_at:
        return "upcoming"
    return "open" if call.is_open(now) else "closed"


# --- public pages ------------------------------------------------------------------------


@bp.get("/calls")
def call_list():
    stage = request.args.get("stage") or None
    if stage not in (None, *(s.value for s in Stage)):
        stage = None
    rows = calls.open_calls(stage=stage, after_id=identifier(request.args.get("after")),
                            limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("calls/list.html", calls=rows, stage=stage, stages=list(Stage),
                           now=utcnow(), time_left=time_left,
                           next_after=rows[-1].id if more else None)


@bp.get("/calls/<int:call_id>")
def call_page(call_id: int):
    call = calls.get_call(call_id)
    now = utcnow()
    return render_template("calls/detail.html", call=call, now=now, status=status_of(call, now),
                           time_left=time_left,
                           can_edit=current_user.is_authenticated
                           and permissions.can_edit_call(current_user, call))


# --- the editor --------------------------------------------------------------------------


def slug(text: str) -> str:
    """A key from a name a manager typed: "Đổi mới sáng tạo" -> "doi_moi_sang_tao"."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = re.sub(r"[^a-z0-9]+", "_", text.encode("ascii", "ignore").decode().lower())
    text = text.strip("_")[:40].rstrip("_")
    return text if KEY.fullmatch(text or "") else ("k_" + text)[:40] if text else ""


def _row_count(form: MultiDict, section: str) -> int:
    found = [int(m.group(1)) for k in form
             if (m := re.fullmatch(rf"{section}-(\d{{1,3}})-\w+", k))]
    return min(max(found, default=-1) + 1, MAX_ROWS)


def _posted_rows(form: MultiDict) -> dict[str, list[dict[str, Any]]]:
    """Every row the form posted, as typed, by section."""
    rows = {}
    for section, names in ROWS.items():
        rows[section] = [
            {name: form.get(f"{section}-{i}-{name}", "") for name in names}
            | {name: f"{section}-{i}-{name}" in form for name in CHECKBOXES.get(section, ())}
            | {"remove": f"{section}-{i}-remove" in form}
            for i in range(_row_count(form, section))]
    return rows


def _blank(row: dict[str, Any], section: str) -> bool:
    """Nothing typed (a select always sends its first option: it does not count)."""
    return not any(str(row[name]).strip() for name in ROWS[section] if name != "type")


def _unique(key: str, taken: set[str]) -> str:
    candidate, n = key, 2
    while candidate in taken:
        candidate = f"{key[:36]}_{n}"
        n += 1
    return candidate


def _keyed(rows: list[dict[str, Any]], name_field: str) -> list[str]:
    """Each row's key: as typed, or made from its name when left blank."""
    typed = {row["key"].strip() for row in rows if row["key"].strip()}
    keys = []
    for row in rows:
        key = row["key"].strip()
        if not key and row[name_field].strip():
            key = _unique(slug(row[name_field]), typed)
            typed.add(key)
        keys.append(key)
    return keys


def _number(value: str) -> str | None:
    value = without_grouping(value)
    return value or None


def call_data(form: MultiDict) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """What the editor posted, in the shape `create_call` takes, and for each section the
    form row of every item sent (to put an item's errors next to its row)."""
    rows = _posted_rows(form)
    kept = {section: [i for i, row in enumerate(rows[section])
                      if not row["remove"] and not _blank(row, section)]
            for section in ROWS}
    criteria = [rows["criteria"][i] for i in kept["criteria"]]
    questions = [rows["questions"][i] for i in kept["questions"]]
    documents = [rows["documents"][i]["kind"].strip() for i in kept["documents"]]
    data = {
        "stage": form.get("stage", ""), "title": form.get("title", ""),
        "opens_at": form.get("opens_at", ""), "closes_at": form.get("closes_at", ""),
        "budget": _number(form.get("budget", "")),
        "cap_per_project": _number(form.get("cap_per_project", "")),
        "duration_months": _number(form.get("duration_months", "")),
        "review_quorum": _number(form.get("review_quorum", "")),
        "disagreement_limit": _number(form.get("disagreement_limit", "")),
        "blind_review": "blind_review" in form,
        "review_deadline": form.get("review_deadline", ""),
        "share_review_comments": "share_review_comments" in form,
        "rubric": {
            "pass_threshold": _number(form.get("pass_threshold", "")),
            "criteria": [{"key": key, "name": row["name"], "weight": _number(row["weight"]),
                          "max_score": _number(row["max_score"]), "guidance": row["guidance"]}
                         for key, row in zip(_keyed(criteria, "name"), criteria, strict=True)],
        },
        "questions": [
            {"key": key, "label": row["label"], "type": row["type"] or "long_text",
             "required": row["required"], "help": row["help"],
             "choices": [c.strip() for c in row["choices"].splitlines() if c.strip()]}
            for key, row in zip(_keyed(questions, "label"), questions, strict=True)],
        "required_documents": [d if KEY.fullmatch(d) else slug(d) or d for d in documents],
        "eligibility": {"max_age_years": _number(form.get("max_age_years", "")),
                        "fields": [f for f in form.getlist("eligibility_fields")]},
    }
    return data, kept


# An operation's error path -> the form's name for it ({row}: the item's form row).
PLACES = {
    "rubric.pass_threshold": "pass_threshold", "rubric.criteria": "criteria",
    "required_documents": "documents", "eligibility.max_age_years": "max_age_years",
    "eligibility.fields": "eligibility_fields", "eligibility": "eligibility_fields",
    "rubric": "criteria",
}


def form_errors(error: Invalid, kept: dict[str, list[int]]) -> dict[str, str]:
    """The operation's errors by the names of the form's fields."""
    errors = {}
    for path, message in error.errors.items():
        name = PLACES.get(path, path)
        if m := re.fullmatch(r"(?:rubric\.)?(criteria|questions)\.(\d+)\.?(\w*)", path):
            section, index, field = m.groups()
            row = kept[section][int(index)] if int(index) < len(kept[section]) else 0
            name = f"{section}-{row}-{field or 'key'}"
        if name in ("opens_at", "closes_at", "review_deadline") \
                and message in moment_messages():
            message = _("Enter the day, month, year, hour and minute.")
        errors.setdefault(name, message)
    return errors


def moment_messages() -> set[str]:
    """The operation's words for a missing or unreadable date-time, written for the API."""
    return {_("A date and time is required (ISO 8601)."),
            _("Not a valid date and time (ISO 8601).")}


def _local(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M") if moment else ""


def values_of(call) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """A saved call as the editor's values and rows."""
    values = {
        "stage": call.stage, "title": call.title, "opens_at": _local(call.opens_at),
        "closes_at": _local(call.closes_at), "budget": format_decimal(call.budget),
        "cap_per_project": format_decimal(call.cap_per_project),
        "duration_months": call.duration_months,
        "review_quorum": call.review_quorum, "disagreement_limit": call.disagreement_limit,
        "blind_review": call.blind_review, "review_deadline": _local(call.review_deadline),
        "share_review_comments": call.share_review_comments,
        "pass_threshold": call.rubric.get("pass_threshold", ""),
        "max_age_years": (call.eligibility or {}).get("max_age_years") or "",
        "eligibility_fields": (call.eligibility or {}).get("fields") or [],
    }
    rows = {
        "criteria": [{name: c.get(name, "") for name in ROWS["criteria"]}
                     for c in call.rubric.get("criteria", [])],
        "questions": [{name: q.get(name, "") for name in ROWS["questions"]}
                      | {"choices": "\n".join(q.get("choices") or []),
                         "type": q.get("type") or "long_text",
                         "required": q.get("required", True)}
                      for q in call.questions],
        "documents": [{"kind": kind} for kind in call.required_documents],
    }
    return values, rows


def posted_values(form: MultiDict) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    values = {name: form.get(name, "") for name in (
        "stage", "title", "opens_at", "closes_at", "budget", "cap_per_project",
        "duration_months", "review_quorum", "disagreement_limit", "pass_threshold",
        "max_age_years", "programme_id", "review_deadline")}
    for name in ("blind_review", "share_review_comments"):
        values[name] = name in form
    values["eligibility_fields"] = form.getlist("eligibility_fields")
    return values, _posted_rows(form)


def with_blank_rows(rows: dict[str, list[dict[str, Any]]], more: str | None = None) -> dict:
    """The rows plus empty ones to type into (more of them in the section asked for)."""
    padded = {}
    for section, names in ROWS.items():
        kept = [row for row in rows.get(section, []) if not row.get("remove")]
        blank = {name: "" for name in names} | {name: True for name in
                                                 CHECKBOXES.get(section, ())}
        extra = BLANK_ROWS + (MORE_ROWS if section == more else 0)
        padded[section] = (kept + [dict(blank) for _ in range(extra)])[:MAX_ROWS]
    return padded


def _editor(call=None, programmes=None):
    """The create (no `call`) and edit page: GET shows it; POST saves, or adds rows."""
    form = EmptyForm()
    opened = call is not None and calls.has_opened(call)
    status, errors = 200, {}
    if request.method == "GET":
        if call is not None:
            values, rows = values_of(call)
        else:
            stage = Stage.PRE_INCUBATION.value
            values = {"stage": stage, "cap_per_project": format_decimal(calls.STAGE_CAPS[stage]),
                      "duration_months": calls.STAGE_MONTHS[stage], "review_quorum": 3,
                      "disagreement_limit": 30, "pass_threshold": 60,
                      "programme_id": request.args.get("programme_id", ""),
                      "eligibility_fields": []}
            rows = {}
            rows["criteria"] = [{"key": "", "name": "", "weight": "", "max_score": 10,
                                 "guidance": ""}]
        rows = with_blank_rows(rows)
    else:
        if not form.validate_on_submit():
            abort(400)
        values, rows = posted_values(request.form)
        if opened:  # frozen sections are shown, not posted: keep the saved ones on screen
            saved_values, saved_rows = values_of(call)
            for name in ("stage", "max_age_years", "eligibility_fields", "pass_threshold"):
                values[name] = saved_values[name]
            rows = saved_rows
        more = request.form.get("add")
        if more in ROWS and not opened:
            rows = with_blank_rows(rows, more)
            return _render(call, programmes, values, rows, errors, opened), 200
        data, kept = call_data(request.form)
        try:
            if call is None:
                data["programme_id"] = request.form.get("programme_id", "")
                saved = calls.create_call(current_user, data)
            else:
                if opened:
                    for name in calls.FROZEN:
                        data.pop(name, None)
                for name in ("opens_at", "closes_at"):  # the page shows minutes only
                    if data[name] == _local(getattr(call, name)):
                        data.pop(name)
                saved = calls.update_call(current_user, call.id, data)
        except Invalid as error:
            errors = form_errors(error, kept)
            flash(error.detail, "error")
            status = 422
        except Conflict as error:
            flash(error.detail, "error")
            status = 409
        else:
            flash(_("The call is saved.") if call is not None else
                  _("The call is created."), "success")
            return redirect(url_for("calls.call_page", call_id=saved.id))
        rows = with_blank_rows(rows)
    return _render(call, programmes, values, rows, errors, opened), status


# The editor's fields by name, to say in the summary of errors which field each one is about.
LABELS = {
    "programme_id": _l("Programme"), "title": _l("Title"), "stage": _l("Stage"),
    "opens_at": _l("Opens"), "closes_at": _l("Closes (the deadline)"),
    "budget": _l("Budget of the call (VND)"), "cap_per_project": _l("Cap per project (VND)"),
    "duration_months": _l("Support lasts (months)"),
    "review_quorum": _l("Reviews per application"),
    "disagreement_limit": _l("Disagreement limit (points out of 100)"),
    "pass_threshold": _l("Pass threshold (weighted score out of 100)"),
    "criteria": _l("Rubric: the criteria reviewers score"),
    "questions": _l("Questions for applicants"), "documents": _l("Required documents"),
    "max_age_years": _l("Startup founded at most this many years ago"),
    "eligibility_fields": _l("Fields the project must be in (none ticked: any field)"),
}
ROW_LABELS = {
    "criteria": (_l("Criterion %(n)d"), {"key": _l("Short key"), "name": _l("Name"),
                                          "weight": _l("Weight"),
                                          "max_score": _l("Highest score"),
                                          "guidance": _l("What reviewers look for")}),
    "questions": (_l("Question %(n)d"), {"key": _l("Short key"), "label": _l("Question"),
                                         "type": _l("Answer type"),
                                         "choices": _l("Options (for a choice: one per line)"),
                                         "help": _l("Help shown under the question")}),
    "documents": (_l("Document %(n)d"), {"kind": _l("Kind of document")}),
}


def label_of(name: str) -> str:
    """The words a person sees for a field of the editor: "Criterion 2, Weight"."""
    if m := re.fullmatch(r"(criteria|questions|documents)-(\d+)-(\w+)", name):
        section, index, field = m.groups()
        row, fields = ROW_LABELS[section]
        return f"{str(row) % {'n': int(index) + 1}}, {fields.get(field, field)}"
    return str(LABELS.get(name, name))


def _render(call, programmes, values, rows, errors, opened):
    return render_template(
        "calls/form.html", call=call, programmes=programmes, values=values, rows=rows,
        errors=errors, opened=opened, label_of=label_of, grouped=format_decimal,
        stages=list(Stage), fields=FIELDS,
        question_types=calls.QUESTION_TYPES, caps=calls.STAGE_CAPS, durations=calls.STAGE_MONTHS,
        common_documents=COMMON_DOCUMENTS, form=EmptyForm(formdata=None))


@bp.route("/calls/new", methods=["GET", "POST"])
@login_required
def new_call():
    programmes = calls.programmes_for_new_calls(current_user)
    if not programmes:
        abort(403)
    return _editor(programmes=programmes)


@bp.route("/calls/<int:call_id>/edit", methods=["GET", "POST"])
@login_required
def edit_call(call_id: int):
    call = calls.get_call(call_id)
    if not permissions.can_edit_call(current_user, call):
        abort(403)
    return _editor(call)
