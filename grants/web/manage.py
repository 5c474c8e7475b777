"""The programme manager's pages: the calls, and the desk of a programme or of one call: the
applications by state with counts, deadlines and what needs the reader's action, filtered and
searched, with batch actions that take each item through the one path."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from grants import labels, permissions
from grants.inputs import identifier, whole_number
from grants.models import FIELDS, Role
from grants.operations import applications, calls, ledger, workflow

bp = Blueprint("manage", __name__, url_prefix="/manage")
PAGE = 50
MAX_DESK_CALLS = 100  # the calls a programme's desk lists (deadlines, counts, the call filter)
# what the batch form can give an action: a payload of these fields only
BATCH_FIELDS = frozenset({"reason", "revision_deadline"})


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


def _desk_programme(programme_id: int):
    programme = calls.get_programme(programme_id)
    if not permissions.can_view_desk(current_user, programme.id):
        abort(404)
    return programme


def _filters(*, programme_desk: bool) -> dict:
    """The desk's filters as the query string gives them (blank ones left out)."""
    args = request.args
    found = {
        "state": args.get("state") or None,
        "field": args.get("field") or None,
        "needs": "1" if args.get("needs") else None,
        "q": (args.get("q") or "").strip()[:applications.MAX_SEARCH] or None,
    }
    if programme_desk:
        found["stage"] = args.get("stage") or None
        found["call"] = identifier(args.get("call"))
    return found


def _desk(programme, call, desk_calls: list, endpoint: str, scope: dict):
    """The desk's page: `call` when it is one call's desk, else the programme's (`desk_calls`
    are then the calls it lists)."""
    filters = _filters(programme_desk=call is None)
    roles = permissions.desk_roles(current_user, programme.id)
    chosen = call.id if call else filters.get("call")
    items = applications.list_applications(
        current_user, call_id=chosen, programme_id=None if call else programme.id,
        state=filters["state"], stage=filters.get("stage"), field=filters["field"],
        as_roles=frozenset(permissions.STAFF_ROLES), search=filters["q"],
        waiting_for=roles if filters["needs"] else None,
        before_id=identifier(request.args.get("before")), limit=PAGE + 1)
    more = len(items) > PAGE
    items = items[:PAGE]
    offered = {}
    for item in items:
        definition = calls.definition(item.entity.call)
        offered[item.entity.id] = [definition.action(name) for name in
                                   workflow.allowed_actions(current_user, applications.KIND, item)]
    # what a batch may do: an action offered on the page whose payload the form can give
    batchable = sorted({a.name for actions in offered.values() for a in actions
                        if {f.name for f in a.payload} <= BATCH_FIELDS})
    asks = {f.name for actions in offered.values() for a in actions if a.name in batchable
            for f in a.payload}
    in_scope = [c for c in desk_calls if (not chosen or c.id == chosen)
                and (not filters.get("stage") or c.stage == filters["stage"])]
    per_call = calls.state_counts([c.id for c in in_scope])
    counts: dict[str, int] = {}
    waiting = {}  # per call: how many applications wait for the reader
    for c in in_scope:
        mine = applications.needs_action(calls.definition(c), roles)
        waiting[c.id] = sum(n for state, n in per_call[c.id].items() if state in mine)
        for state, n in per_call[c.id].items():
            counts[state] = counts.get(state, 0) + n

    def link(**changes) -> str:
        args = {k: v for k, v in (filters | changes).items() if v not in (None, "")}
        return url_for(endpoint, **scope, **args)

    return render_template(
        "manage/queue.html", programme=programme, call=call, calls=desk_calls,
        filters=filters, link=link, applications=[i.entity for i in items],
        offered=offered, batchable=batchable, asks=asks, counts=counts, waiting=waiting,
        needing=sum(waiting.values()), reference=applications.reference,
        states=list(dict.fromkeys(s.name for c in desk_calls
                                  for s in calls.definition(c).states)),
        fields=FIELDS, stages=list(labels.STAGES),
        next_before=items[-1].entity.id if more else None,
        funds=ledger.of_calls(in_scope), batch_url=url_for(endpoint + "_batch", **scope))


@bp.get("/calls/<int:call_id>")
def queue(call_id: int):
    """One call's desk: its counts per state, deadlines and money, its applications (filtered,
    searched) with what each needs from the reader, and a batch action on those selected."""
    call = _queue_call(call_id)
    return _desk(call.programme, call, [call], "manage.queue", {"call_id": call.id})


@bp.get("/programmes/<int:programme_id>")
def programme_desk(programme_id: int):
    """A programme's desk: its calls' deadlines and counts, and the applications of all of
    them, filtered by call, stage, state, field or what waits for the reader, searched."""
    programme = _desk_programme(programme_id)
    rows = calls.list_calls(programme_ids={programme.id}, limit=MAX_DESK_CALLS)
    return _desk(programme, None, rows, "manage.programme_desk", {"programme_id": programme.id})


def _batch(programme_id: int, back: str):
    """The chosen action on each selected application, each through the one path; an action
    that cannot be undone is confirmed first; the page shows each one's outcome."""
    if not permissions.desk_roles(current_user, programme_id) & applications.acting_roles():
        abort(403)  # an auditor reads the desk and changes nothing
    form = request.form
    values = form.getlist("items")[:applications.MAX_BATCH]
    items = []
    for value in values:
        application_id, _sep, version = value.partition(":")
        items.append({"id": whole_number(application_id), "version": whole_number(version)})
    action = form.get("action", "")
    if not items:
        flash(_("Choose at least one application."), "error")
        return redirect(back)
    data = {name: form[name] for name in BATCH_FIELDS if form.get(name, "").strip()}
    if applications.irreversible(action) and not form.get("confirmed"):
        return render_template(
            "manage/confirm.html", action=action, values=values, data=data, back=back,
            applications=_named(items).values(), reference=applications.reference)
    outcomes = applications.act_many(current_user, action, items, data)
    return render_template("manage/batch.html", action=action, outcomes=outcomes, back=back,
                           named=_named(items), reference=applications.reference)


def _named(items: list[dict]) -> dict:
    """The chosen applications the reader may see, by id, to name them by reference and
    project (one statement)."""
    chosen = [i["id"] for i in items if i["id"]]
    return {s.entity.id: s.entity for s in applications.list_applications(
        current_user, ids=chosen, limit=applications.MAX_BATCH)}


@bp.post("/calls/<int:call_id>/batch")
def queue_batch(call_id: int):
    call = _queue_call(call_id)
    return _batch(call.programme_id, url_for("manage.queue", call_id=call.id))


@bp.post("/programmes/<int:programme_id>/batch")
def programme_desk_batch(programme_id: int):
    programme = _desk_programme(programme_id)
    return _batch(programme.id, url_for("manage.programme_desk", programme_id=programme.id))
