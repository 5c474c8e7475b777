"""The auditor's desk in pages: the whole log with filters and pages, an application's timeline
with each change as before and after, the chain's verification on demand, and the filtered log
exported as CSV or JSON. Auditors read every programme here and change nothing."""

import json

from flask import Blueprint, Response, flash, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required

from grants import audit as chain
from grants.inputs import identifier
from grants.operations import Invalid, audit
from grants.permissions.audit import can_read_log

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE = 50
# the entity types the app writes, offered in the filter (any other may be typed)
ENTITY_TYPES = ("application", "tranche", "review", "review_assignment", "document", "call",
                "programme", "organization", "project", "user", "api_token", "activity",
                "activity_registration", "mentorship", "mentoring_session", "mentor_profile")


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every page here is behind the login."""


def _args() -> dict:
    """The query string, with an actor given by email turned into its id."""
    args = request.args.to_dict()
    actor = args.pop("actor", "").strip()
    if actor:
        args["actor_id"] = actor if actor.isdigit() else str(audit.actor_by_email(actor) or 0)
    return args


@bp.get("")
def log():
    errors, status = {}, 200
    try:
        filters = audit.parse_filters(_args())
    except Invalid as error:
        flash(error.detail, "error")
        filters, errors, status = audit.Filters(), error.errors, 422
    rows = audit.events(current_user, filters,
                        before_seq=identifier(request.args.get("before")), limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("audit/log.html", rows=rows, filters=filters, errors=errors,
                           values=request.args, entity_types=ENTITY_TYPES,
                           next_before=rows[-1].seq if more else None), status


@bp.get("/applications/<int:application_id>")
def timeline(application_id: int):
    application, steps = audit.timeline(current_user, application_id)
    return render_template("audit/timeline.html", application=application, steps=steps,
                           shown=audit.shown)


@bp.get("/verify")
def verify():
    audit.require_reader(current_user)
    result = audit.verify(current_user) if request.args.get("run") else None
    return render_template("audit/verify.html", result=result, findings=finding_labels(),
                           checkpoints=audit.recent_checkpoints(current_user))


@bp.get("/checkpoints.json")
def checkpoint_export():
    """The signed checkpoints with the public key, as a file to keep outside the system."""
    document = audit.checkpoint_export(current_user)
    return Response(json.dumps(document, indent=1) + "\n", mimetype="application/json",
                    headers={"Content-Disposition":
                             'attachment; filename="audit-checkpoints.json"'})


def finding_labels() -> dict[str, str]:
    return {
        chain.CHANGED: _("Changed: its content no longer matches its hash."),
        chain.MISSING: _("Missing: the event was removed, or the chain was cut after it."),
        chain.INSERTED: _("Inserted: the event after it links past it."),
        chain.REORDERED: _("Reordered: it was moved before an event it follows."),
        chain.RELINKED: _("Link broken: the event before it was rewritten with a recomputed "
                          "hash, or the chain was rebuilt."),
    }


def _export(kind: str, media: str, lines):
    try:
        filters = audit.parse_filters(_args())
    except Invalid as error:
        return Response(error.detail + "\n" + "\n".join(
            f"{k}: {v}" for k, v in error.errors.items()), status=422, mimetype="text/plain")
    body = lines(current_user, filters)
    first = next(body)  # the permission is checked before the answer starts
    return Response(stream_with_context(_chain(first, body)), mimetype=media, headers={
        "Content-Disposition": f'attachment; filename="audit-log.{kind}"'})


def _chain(first, rest):
    yield first
    yield from rest


@bp.get("/export.csv")
def export_csv():
    return _export("csv", "text/csv", audit.export_csv)


@bp.get("/export.json")
def export_json():
    return _export("json", "application/json", audit.export_json)


@bp.app_template_global()
def reads_audit_log() -> bool:
    return current_user.is_authenticated and can_read_log(current_user)
