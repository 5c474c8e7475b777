"""Reviews in pages: the reviewer's desk and assignment (declare, score, read the others), the
manager's reviewers of an application and a call's ranking with its downloads."""

import csv
import io
from collections.abc import Iterable

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from openpyxl import Workbook

from grants import labels
from grants.inputs import identifier, whole_number
from grants.operations import (
    Invalid,
    NotFound,
    OperationError,
    applications,
    calls,
    documents,
    reviews,
)
from grants.operations.core import LOCAL
from grants.web.forms import EmptyForm

bp = Blueprint("review", __name__, url_prefix="/review")
PAGE = 50


@bp.before_request
@login_required
def _logged_in():
    return None


# --- the reviewer --------------------------------------------------------------------------


@bp.get("")
def desk():
    before = identifier(request.args.get("before"))
    rows = reviews.list_my_assignments(current_user, before_id=before, limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("review/desk.html", assignments=rows,
                           progress=reviews.progress(current_user),
                           next_before=rows[-1].id if more else None)


def _assignment_page(assignment_id: int, status: int = 200, errors=None, values=None):
    view = reviews.reviewer_view(current_user, assignment_id)
    review = view.assignment.review
    others, files = [], []
    if view.unlocked:
        others = [v for v in reviews.reviews_of(current_user, view.application.id) if not v.mine]
        files = [d for d in documents.list_documents(current_user, view.application.id)[1]
                 if d.current]
    return render_template(
        "review/assignment.html", view=view, assignment=view.assignment,
        application=view.application, call=view.application.call, review=review,
        others=others, documents=files, kind_label=documents.kind_label,
        size=documents.readable_size, errors=errors or {}, values=values,
        recommendations=reviews.recommendation_labels(), form=EmptyForm(),
    ), status


@bp.get("/assignments/<int:assignment_id>")
def assignment(assignment_id: int):
    return _assignment_page(assignment_id)


@bp.post("/assignments/<int:assignment_id>/declaration")
def declaration(assignment_id: int):
    conflict = request.form.get("conflict") == "yes"
    data = {"conflict": conflict, "reason": request.form.get("reason", "")}
    try:
        reviews.declare(current_user, assignment_id, data)
    except Invalid as error:
        flash(error.detail, "error")
        return _assignment_page(assignment_id, 422, error.errors, {"reason": data["reason"]})
    except OperationError as error:
        if isinstance(error, NotFound):
            raise
        flash(error.detail, "error")
        return _assignment_page(assignment_id, error.status)
    flash(_("You recused yourself from this application.") if conflict
          else _("Thank you. The application is open to you now."), "success")
    return redirect(url_for("review.assignment", assignment_id=assignment_id))


@bp.post("/assignments/<int:assignment_id>/review")
def save(assignment_id: int):
    view = reviews.reviewer_view(current_user, assignment_id)
    criteria = view.application.call.rubric["criteria"]
    typed = {c["key"]: request.form.get(f"score_{c['key']}", "").strip() for c in criteria}
    scores = {}
    for key, value in typed.items():
        if value:
            number = whole_number(value)
            scores[key] = number if number is not None else value
    data = {"scores": scores, "comment": request.form.get("comment", ""),
            "recommendation": request.form.get("recommendation") or None,
            reviews.SUBMIT: request.form.get("do") == "final"}
    values = {"scores": typed, "comment": data["comment"],
              "recommendation": data["recommendation"]}
    try:
        reviews.save_review(current_user, assignment_id, data)
    except Invalid as error:
        flash(error.detail, "error")
        return _assignment_page(assignment_id, 422, error.errors, values)
    except OperationError as error:
        if isinstance(error, NotFound):
            raise
        flash(error.detail, "error")
        return _assignment_page(assignment_id, error.status, values=values)
    flash(_("Your review was submitted.") if data[reviews.SUBMIT] else _("Draft saved."), "success")
    return redirect(url_for("review.assignment", assignment_id=assignment_id))


# --- the manager ---------------------------------------------------------------------------


def _reviewers_page(application_id: int, status: int = 200, errors=None):
    assignments = reviews.assignments_of_application(current_user, application_id)
    application = assignments[0].application if assignments else None
    if application is None:
        application = applications.get_application(current_user, application_id).entity
    call = application.call
    return render_template(
        "review/application.html", application=application, call=call,
        assignments=assignments, loads=reviews.loads(call),
        can_manage=reviews.can_manage(current_user, call), errors=errors or {},
        form=EmptyForm(),
    ), status


@bp.get("/applications/<int:application_id>")
def reviewers(application_id: int):
    return _reviewers_page(application_id)


def _manager_post(application_id: int, change) -> Response | tuple:
    try:
        change()
    except Invalid as error:
        flash(error.detail, "error")
        return _reviewers_page(application_id, 422, error.errors)
    except OperationError as error:
        if isinstance(error, NotFound):
            raise
        flash(error.detail, "error")
        return _reviewers_page(application_id, error.status)
    flash(_("Saved."), "success")
    return redirect(url_for("review.reviewers", application_id=application_id))


@bp.post("/applications/<int:application_id>/assign")
def assign(application_id: int):
    data = {"reviewer_id": whole_number(request.form.get("reviewer_id"))}
    return _manager_post(application_id,
                         lambda: reviews.assign(current_user, application_id, data))


@bp.post("/applications/<int:application_id>/assignments/<int:assignment_id>/remove")
def unassign(application_id: int, assignment_id: int):
    return _manager_post(application_id, lambda: reviews.unassign(
        current_user, application_id, assignment_id))


@bp.post("/applications/<int:application_id>/assignments/<int:assignment_id>/reopen")
def reopen(application_id: int, assignment_id: int):
    data = {"reason": request.form.get("reason", "")}
    return _manager_post(application_id, lambda: reviews.reopen(
        current_user, assignment_id, data))


def _sort() -> tuple[str, bool]:
    sort = request.args.get("sort") or "-mean"
    name = sort.lstrip("-")
    if name not in reviews.SORTS:
        name, sort = "mean", "-mean"
    return name, sort.startswith("-")


@bp.get("/calls/<int:call_id>/ranking")
def ranking(call_id: int, status: int = 200, typed: str | None = None):
    call = calls.get_call(call_id)
    name, descending = _sort()
    after = None
    value, last = request.args.get("after_value"), identifier(request.args.get("after_id"))
    if value is not None and last is not None:
        try:
            after = (float(value), last)
        except ValueError:
            after = None
    rows = reviews.ranking(current_user, call.id, sort=name, descending=descending,
                           after=after, limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template(
        "review/ranking.html", call=call, rows=rows, sort=name, descending=descending,
        next_page={"after_value": repr(rows[-1].key), "after_id": rows[-1].application_id}
        if more else None, can_manage=reviews.can_manage(current_user, call),
        loads=reviews.loads(call), form=EmptyForm(), gaps=reviews.gaps(call, limit=PAGE),
        deadline_value=typed if typed is not None else "" if call.review_deadline is None
        else call.review_deadline.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M"),
    ), status


@bp.post("/calls/<int:call_id>/auto")
def auto_assign(call_id: int):
    data = {"per_application": whole_number(request.form.get("per_application"))}
    try:
        made = reviews.auto_assign(current_user, call_id, data)
    except OperationError as error:
        if isinstance(error, NotFound):
            raise
        flash(error.detail, "error")
        return ranking(call_id, status=error.status)
    flash(_("%(n)d assignments made.", n=len(made)), "success")
    return redirect(url_for("review.ranking", call_id=call_id))


@bp.post("/calls/<int:call_id>/deadline")
def review_deadline(call_id: int):
    data = {"review_deadline": request.form.get("review_deadline", "")}
    try:
        reviews.set_review_deadline(current_user, call_id, data)
    except OperationError as error:
        if isinstance(error, NotFound):
            raise
        flash(error.errors.get("review_deadline") or error.detail, "error")
        return ranking(call_id, status=error.status, typed=data["review_deadline"])
    flash(_("Saved."), "success")
    return redirect(url_for("review.ranking", call_id=call_id))


def _table(call_id: int) -> tuple[list[str], Iterable[list]]:
    name, descending = _sort()
    header = [_("Application"), _("Project"), _("State"), _("Reviews"), _("Scores"),
              _("Mean"), _("Spread"), _("Disagreement"), _("Normalised (z)"), _("Passes")]
    rows = ([r.application_id, r.title, str(labels.state(r.state)), r.reviews,
             " ".join(f"{s:g}" for s in r.scores), r.mean, r.spread,
             _("yes") if r.disagreement else _("no"), "" if r.z is None else r.z,
             _("yes") if r.passed else _("no")]
            for r in reviews.ranking_rows(current_user, call_id, sort=name,
                                          descending=descending))
    return header, rows


@bp.get("/calls/<int:call_id>/ranking.csv")
def ranking_csv(call_id: int):
    call = calls.get_call(call_id)
    header, rows = _table(call.id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=ranking-{call.id}.csv"})


@bp.get("/calls/<int:call_id>/ranking.xlsx")
def ranking_xlsx(call_id: int):
    call = calls.get_call(call_id)
    header, rows = _table(call.id)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Ranking"))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), headers={
        "Content-Disposition": f"attachment; filename=ranking-{call.id}.xlsx"})
