"""The programme manager's pages: the calls and each call's queue of applications."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from grants import permissions
from grants.inputs import identifier
from grants.models import Role
from grants.operations import applications, calls

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


@bp.get("/calls/<int:call_id>")
def queue(call_id: int):
    call = calls.get_call(call_id)
    if not permissions.can_view_queue(current_user, call):
        abort(404)
    state = request.args.get("state") or None
    before = identifier(request.args.get("before"))
    rows = [item.entity for item in applications.list_applications(
        current_user, call_id=call.id, state=state, as_roles=frozenset(permissions.STAFF_ROLES),
        before_id=before, limit=PAGE + 1)]
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("manage/queue.html", call=call, applications=rows, state=state,
                           next_before=rows[-1].id if more else None,
                           counts=calls.state_counts([call.id])[call.id])
