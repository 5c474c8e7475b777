"""One application's page, seen by its applicant and by staff, and its action buttons."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from grants import labels
from grants.inputs import whole_number
from grants.models import Role
from grants.operations import (
    Invalid,
    OperationError,
    applications,
    calls,
    funding,
    history,
    pilots,
    projects,
    reviews,
    workflow,
)
from grants.operations.applications import KIND
from grants.permissions.rules import MANAGING
from grants.web.apply import documents_url
from grants.web.forms import EmptyForm

bp = Blueprint("applications", __name__)


def timeline(events) -> list:
    """The states the application passed through, each with when it got there, oldest first."""
    return [(event.to_state, event.occurred_at) for event in events
            if event.entity_type == KIND.name and event.to_state is not None
            and event.from_state != event.to_state]


def revision_changes(item) -> list:
    """For staff: each resubmission with what changed since the submission before, newest
    first."""
    kept = applications.revisions(item)
    return [(newer, older, applications.changes_between(older.data, newer.data,
                                                        item.entity.call))
            for older, newer in zip(kept, kept[1:], strict=False)][::-1]


def _award_context(application, offered) -> dict | None:
    """Beside an award field: what was asked, the cap, the call's remaining budget and the
    reviews' mean, so the manager decides with the figures in view."""
    if not any(f.name == "amount" for action in offered for f in action.payload):
        return None
    call = application.call
    return {"asked": application.requested_amount, "cap": call.cap_per_project,
            "remaining": call.budget - calls.awarded(call),
            "score": reviews.score_summary(application)}


def _outcomes(item, offered, typed: dict | None) -> dict:
    """The pilot and the evaluation as recorded, which of their forms the reader may fill in
    now (the programme's managers, in the states the definition tags for them), and the open
    calls a promotion may go to."""
    application = item.entity
    pilot, evaluation = pilots.of(item)
    tags = calls.definition(application.call).state(application.state).tags
    managing = bool(set(MANAGING) & item.roles)
    return {"pilot": pilot, "evaluation": evaluation, "typed": typed or {},
            "pilot_form": managing and "pilot_open" in tags,
            "evaluation_form": managing and "evaluation_open" in tags,
            "targets": projects.promotion_targets(application) if any(
                f.name == "target_call_id" for action in offered for f in action.payload)
            else []}


AGREEMENT_ROWS = 4  # tranche rows the agreement form offers at least (two more than saved)


def _agreement(item, typed: dict | None) -> dict | None:
    """The agreement form, for the programme's managers while it may be set: what was typed,
    else the tranches saved, else the startup's milestones to start from."""
    if not (set(MANAGING) & item.roles) or not funding.agreement_open(item.entity):
        return None
    application = item.entity
    if typed is not None:
        amount, rows = typed["typed"]["amount"], typed["typed"]["rows"]
    else:
        saved = funding.planned(application.id)
        amount = application.awarded_amount or ""
        rows = saved or [{"milestone": m.get("milestone", ""), "amount": "", "due_on": ""}
                         for m in application.milestones or []]
    rows = (rows + [{"milestone": "", "amount": "", "due_on": ""}] * AGREEMENT_ROWS)[
        :max(len(rows) + 2, AGREEMENT_ROWS)]
    return {"amount": amount, "rows": rows,
            "errors": (typed or {}).get("errors", {})}


def render_page(application_id: int, status: int = 200, errors=None, problems=None,
                values=None, agreement=None, tranche_form=None, outcome_form=None):
    """The application's page; after a refused form, with that form's errors and what was
    typed (an action's, the agreement's or a tranche's)."""
    item = applications.get_application(current_user, application_id)
    if item.roles == {Role.REVIEWER.value}:  # a reviewer reads it on their assignment's page
        return redirect(url_for("review.desk"))
    definition = workflow.workflows().definition(KIND, item.entity)
    events = history.events(current_user, KIND, item.entity.id)
    offered = [definition.action(name)
               for name in workflow.allowed_actions(current_user, KIND, item)]
    can_edit = applications.can_edit(item)
    # the applicant sends the application from "check your answers", not from a bare button
    sending = applications.sending_action(item) if can_edit else None
    return render_template(
        "applications/detail.html",
        application=item.entity,
        actions=[action for action in offered if action.name != sending],
        award=_award_context(item.entity, offered),
        sending=sending,
        definition=definition,
        can_edit=can_edit,
        is_applicant=Role.APPLICANT.value in item.roles,
        deadline_passed=applications.deadline_behind(item.entity),
        events=events,
        timeline=timeline(events),
        revisions=revision_changes(item),
        reference=applications.reference(item.entity),
        documents_url=documents_url(item.entity.id) if Role.APPLICANT.value in item.roles
        else None,
        tranches=[(t, workflow.workflows().definition(funding.KIND, t.entity),
                   [a for a in workflow.allowed_actions(current_user, funding.KIND, t)])
                  for t in funding.tranches_for(current_user, item.entity)],
        tranche_form=tranche_form or {},
        agreement=_agreement(item, agreement),
        outcomes=_outcomes(item, offered, outcome_form),
        comments=reviews.shared_comments(current_user, item.entity.id)
        if Role.APPLICANT.value in item.roles and reviews.comments_shared(item.entity) else None,
        errors=errors or {},
        problems=problems or [],
        values=values or {},
        form=EmptyForm(),
    ), status


@bp.get("/applications/<int:application_id>")
@login_required
def detail(application_id: int):
    return render_page(application_id)


@bp.post("/applications/<int:application_id>/actions/<action>")
@login_required
def act(application_id: int, action: str):
    # (CSRFProtect has checked the token before this runs)
    data = {k: v for k, v in request.form.items() if k not in ("csrf_token", "version")}
    data["version"] = whole_number(request.form.get("version"))
    try:
        applications.act(current_user, application_id, action, data)
    except Invalid as error:
        flash(error.detail, "error")
        return render_page(application_id, 422, error.errors, error.problems, {action: data})
    except OperationError as error:
        if error.status == 404:
            raise
        flash(error.detail, "error")
        return render_page(application_id, error.status)
    flash(_("Done: %(action)s.", action=labels.action(action)), "success")
    return redirect(url_for("applications.detail", application_id=application_id))
