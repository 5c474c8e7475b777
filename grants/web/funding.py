"""Funding in pages: the manager sets the agreement's tranches, each tranche's actions on the
application's page, and a programme's budget ledger."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from grants import labels
from grants.inputs import whole_number
from grants.operations import Invalid, OperationError, funding
from grants.web import applications as application_pages
from grants.web.apply import without_grouping

bp = Blueprint("funding", __name__)


def agreement_rows(form) -> list[dict[str, str]]:
    """The tranche rows typed into the agreement form, blank ones left out."""
    rows = []
    for i in range(funding.MAX_TRANCHES):
        row = {name: form.get(f"tranche-{i}-{name}", "").strip()
               for name in ("milestone", "amount", "due_on")}
        if any(row.values()):
            rows.append(row)
    return rows


@bp.post("/applications/<int:application_id>/agreement")
@login_required
def agreement(application_id: int):
    rows = agreement_rows(request.form)
    data = {"amount": without_grouping(request.form.get("amount", "")) or None,
            "tranches": [row | {"amount": without_grouping(row["amount"]) or None,
                                "due_on": row["due_on"] or None} for row in rows]}
    typed = {"amount": request.form.get("amount", ""), "rows": rows}
    try:
        funding.set_agreement(current_user, application_id, data)
    except OperationError as error:
        if error.status == 404:
            raise
        flash(error.detail, "error")
        return application_pages.render_page(
            application_id, error.status, agreement={"errors": getattr(error, "errors", {}),
                                                     "typed": typed})
    flash(_("The agreement's tranches are saved. Sign the agreement when it is ready."),
          "success")
    return redirect(url_for("applications.detail", application_id=application_id,
                            _anchor="agreement"))


@bp.post("/tranches/<int:tranche_id>/actions/<action>")
@login_required
def act(tranche_id: int, action: str):
    # (CSRFProtect has checked the token before this runs)
    item = funding.get_tranche(current_user, tranche_id)  # 404 for whoever may not see it
    tranche = item.entity
    data = {k: v for k, v in request.form.items() if k not in ("csrf_token", "version")}
    data["version"] = whole_number(request.form.get("version"))
    try:
        funding.act(current_user, tranche.id, action, data)
    except OperationError as error:
        if error.status == 404:
            raise
        flash(error.detail, "error")
        return application_pages.render_page(
            tranche.application_id, error.status,
            tranche_form={"id": tranche.id, "action": action, "values": data,
                          "errors": error.errors if isinstance(error, Invalid) else {}})
    flash(_("Done: %(action)s.", action=labels.action(action)), "success")
    return redirect(url_for("applications.detail", application_id=tranche.application_id,
                            _anchor=f"tranche-{tranche.number}"))


@bp.get("/programmes/<int:programme_id>/ledger")
@login_required
def ledger(programme_id: int):
    return render_template("funding/ledger.html",
                           view=funding.programme_ledger(current_user, programme_id))
