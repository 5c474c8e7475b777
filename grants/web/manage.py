"""The programme manager's pages: the calls and each call's queue of applications."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from grants import permissions
from grants.inputs import identifier, whole_number
from grants.models import Role
from grants.operations import applications, calls, ledger, workflow

bp = Blueprint("manage", __name__, url_prefix="/manage")
PAGE = 50


@bp.before_request
@login_required
def _staff_only():
    if not permissions.is_staff(current_user):
        abort(403)


@bp.get("/calls")
def call_list():
    rows = calls.list_calls(programme_ids=permissions.staff_programme_ids(current_user))
    counts = calls.state_counts([c.id for c in rows])
    awaiting = {c.id: sum(n for state, n in counts[c.id].items()
                          if state in calls.definition(c).tagged("received")) for c in rows}
    return render_template(
        "manage/calls.html", calls=rows, counts=counts, awaiting=awaiting,
        can_create=any(g.role in (Role.MANAGER, Role.ADMIN) for g in current_user.grants),
        editable={c.id for c in rows if permissions.can_edit_call(current_user, c)})


def _queue_call(call_id: int):
    call = calls.get_call(call_id)
    if not permissions.can_view_queue(current_user, call):
        abort(404)
    return call


@bp.get("/calls/<int:call_id>")
def queue(call_id: int):
    """The manager's desk for one call: counts per state, the call's deadlines and money, the
    applications (filtered by state, searched) with what each needs from the reader, and a
    batch action on those selected."""
    call = _queue_call(call_id)
    state = request.args.get("state") or None
    search = (request.args.get("q") or "").strip()[:applications.MAX_SEARCH] or None
    before = identifier(request.args.get("before"))
    items = applications.list_applications(
        current_user, call_id=call.id, state=state, as_roles=frozenset(permissions.STAFF_ROLES),
        before_id=before, limit=PAGE + 1, search=search)
    more = len(items) > PAGE
    items = items[:PAGE]
    definition = calls.definition(call)
    offered = {item.entity.id: [definition.action(name) for name in
                                workflow.allowed_actions(current_user, applications.KIND, item)]
               for item in items}
    # what a batch may do: an action offered on the page that needs no more than a reason
    batchable = sorted({a.name for actions in offered.values() for a in actions
                        if all(f.name == "reason" for f in a.payload)})
    return render_template("manage/queue.html", call=call, applications=[i.entity for i in items],
                           state=state, search=search, offered=offered, batchable=batchable,
                           definition=definition,
                           next_before=items[-1].entity.id if more else None,
                           counts=calls.state_counts([call.id])[call.id],
                           funds=ledger.of_call(call))


@bp.post("/calls/<int:call_id>/batch")
def batch(call_id: int):
    """The chosen action on each selected application, each through the one path; the page
    shows each one's outcome."""
    call = _queue_call(call_id)
    items = []
    for value in request.form.getlist("items")[:applications.MAX_BATCH]:
        application_id, _sep, version = value.partition(":")
        items.append({"id": whole_number(application_id), "version": whole_number(version)})
    action = request.form.get("action", "")
    if not items:
        flash(_("Choose at least one application."), "error")
        return redirect(url_for("manage.queue", call_id=call.id))
    outcomes = applications.act_many(current_user, action, items,
                                     {"reason": request.form.get("reason", "")})
    return render_template("manage/batch.html", call=call, action=action, outcomes=outcomes)
