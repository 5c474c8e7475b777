"""API handlers: parse, call the operation, shape the answer. Nothing else."""

import base64
import binascii
import json

from flask import current_app, g, jsonify, request, url_for
from flask_babel import gettext as _

from grants import permissions
from grants.api import api, serialize
from grants.api.openapi import document
from grants.operations import (
    Invalid,
    NotFound,
    applications,
    calls,
    history,
    organizations,
    workflow,
)
from grants.operations.core import MAX_ID, whole_number
from workflow import default_registry, to_mermaid


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."))
    return data


def _cursor() -> int | None:
    """The position an opaque `cursor` parameter points at, or None on the first page."""
    raw = request.args.get("cursor")
    if not raw:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(raw.encode() + b"==="))["at"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        value = None
    if isinstance(value, str) or whole_number(value) is None or not 0 <= value < 10**18:
        raise Invalid(_("The cursor is not valid."), {"cursor": _("Not a cursor of this list.")})
    return value


def _next_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"at": position}).encode()).decode().rstrip("=")


def _page_size() -> int:
    return current_app.config["API_PAGE_SIZE"]


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    number = whole_number(raw)
    if number is None or number > MAX_ID:
        raise Invalid(_("Some fields are not valid."), {name: _("Must be a whole number.")})
    return number


@api.get("/openapi.json")
def openapi():
    return jsonify(document())


@api.get("/me")
def me():
    return jsonify(serialize.user(g.api_user))


@api.get("/programmes")
def programme_list():
    return jsonify({"items": [serialize.programme(p) for p in calls.list_programmes()],
                    "next": None})


@api.get("/programmes/<int:programme_id>")
def programme_detail(programme_id: int):
    return jsonify(serialize.programme(calls.get_programme(programme_id)))


@api.get("/calls")
def call_list():
    stage = request.args.get("stage") or None
    open_only = request.args.get("open", "").lower() in ("1", "true", "yes")
    return jsonify({"items": [serialize.call(c) for c in calls.list_calls(stage=stage,
                                                                           open_only=open_only)],
                    "next": None})


@api.get("/calls/<int:call_id>")
def call_detail(call_id: int):
    return jsonify(serialize.call(calls.get_call(call_id)))


@api.post("/calls")
def call_create():
    call = calls.create_call(g.api_user, _body())
    return jsonify(serialize.call(call)), 201, {"Location": url_for("api.call_detail",
                                                                    call_id=call.id)}


@api.post("/organizations")
def organization_create():
    organization = organizations.create_organization(g.api_user, _body())
    return jsonify(serialize.organization(organization)), 201


@api.get("/organizations/<int:organization_id>")
def organization_detail(organization_id: int):
    return jsonify(serialize.organization(
        organizations.get_organization(g.api_user, organization_id)))


@api.post("/applications")
def application_create():
    application = applications.create_application(g.api_user, _body())
    body = serialize.application(application, workflow.allowed_actions(g.api_user, application))
    return jsonify(body), 201, {"Location": url_for("api.application_detail",
                                                    application_id=application.id)}


@api.get("/applications")
def application_list():
    page = _page_size()
    rows = applications.list_applications(
        g.api_user, call_id=_int_arg("call_id"), state=request.args.get("state") or None,
        after_id=_cursor(), limit=page + 1,
    )
    more = len(rows) > page
    rows = rows[:page]
    org_ids = permissions.organization_ids(g.api_user)
    return jsonify({
        "items": [serialize.application(a, workflow.allowed_actions(g.api_user, a, org_ids))
                  for a in rows],
        "next": _next_cursor(rows[-1].id) if more else None,
    })


@api.get("/applications/<int:application_id>")
def application_detail(application_id: int):
    application = applications.get_application(g.api_user, application_id)
    return jsonify(serialize.application(application,
                                         workflow.allowed_actions(g.api_user, application)))


@api.patch("/applications/<int:application_id>")
def application_update(application_id: int):
    application = applications.update_application(g.api_user, application_id, _body())
    return jsonify(serialize.application(application,
                                         workflow.allowed_actions(g.api_user, application)))


@api.post("/applications/<int:application_id>/actions/<action>")
def application_action(application_id: int, action: str):
    application = workflow.act(g.api_user, application_id, action, _body())
    return jsonify({"state": application.state, "version": application.version})


@api.get("/applications/<int:application_id>/history")
def application_history(application_id: int):
    page = _page_size()
    events = history.of_application(g.api_user, application_id, after_seq=_cursor(),
                                    limit=page + 1)
    more = len(events) > page
    events = events[:page]
    return jsonify({"items": [serialize.event(e) for e in events],
                    "next": _next_cursor(events[-1].seq) if more else None})


@api.get("/workflows")
def workflow_list():
    return jsonify({"items": [
        {"name": d.name, "version": d.version, "entity": d.entity, "title": d.title}
        for d in default_registry().all()
    ], "next": None})


@api.get("/workflows/<name>")
def workflow_detail(name: str):
    version = _int_arg("version")
    try:
        definition = default_registry().get(name, version)
    except KeyError:
        raise NotFound(_("No such workflow.")) from None
    return jsonify({
        "name": definition.name,
        "version": definition.version,
        "entity": definition.entity,
        "title": definition.title,
        "initial": definition.initial,
        "states": [{"name": s.name, "final": s.final} for s in definition.states],
        "actions": [{"name": a.name, "from": list(a.sources), "to": a.dest,
                     "roles": sorted(a.roles), "guards": list(a.guards),
                     "payload": [{"name": f.name, "type": f.type, "required": f.required}
                                 for f in a.payload]}
                    for a in definition.actions],
        "mermaid": to_mermaid(definition),
    })
