"""The pilot's and the final evaluation's forms, on the application's page (managers)."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from grants.operations import OperationError, pilots
from grants.web import applications as application_pages

bp = Blueprint("pilots", __name__)

PILOT_FIELDS = ("host_partner", "environment", "success_metrics", "starts_on", "ends_on",
                "results", "verdict")
EVALUATION_FIELDS = ("score", "verdict", "comment")


def _save(application_id: int, fields: tuple[str, ...], save, anchor: str, done: str):
    data = {name: request.form.get(name, "").strip() or None for name in fields}
    try:
        save(current_user, application_id, data)
    except OperationError as error:
        if error.status == 404:
            raise
        flash(error.detail, "error")
        return application_pages.render_page(application_id, error.status, outcome_form={
            "form": anchor, "values": data, "errors": getattr(error, "errors", {})})
    flash(done, "success")
    return redirect(url_for("applications.detail", application_id=application_id,
                            _anchor=anchor))


@bp.post("/applications/<int:application_id>/pilot")
@login_required
def pilot(application_id: int):
    return _save(application_id, PILOT_FIELDS, pilots.save_pilot, "pilot",
                 _("The pilot is recorded."))


@bp.post("/applications/<int:application_id>/evaluation")
@login_required
def evaluation(application_id: int):
    return _save(application_id, EVALUATION_FIELDS, pilots.save_evaluation, "evaluation",
                 _("The evaluation is recorded."))
