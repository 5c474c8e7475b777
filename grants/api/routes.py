"""API handlers: parse, call the operation, shape the answer. Nothing else."""

import base64
import binascii
import json

from flask import current_app, g, jsonify, request, url_for
from flask_babel import gettext as _

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


def _page(rows: list, shape, key=lambda row: row.id):
    """A page of `rows` (fetched with one extra to know if there is more) as {items, next}."""
    page = _page_size()
    more = len(rows) > page
    rows = rows[:page]
    return jsonify({"items": [shape(row) for row in rows],
                    "next": _next_cursor(key(rows[-1])) if more else None})


@api.get("/programmes")
def programme_list():
    rows = calls.list_programmes(before_id=_cursor(), limit=_page_size() + 1)
    return _page(rows, serialize.programme)


@api.get("/programmes/<int:programme_id>")
def programme_detail(programme_id: int):
    return jsonify(serialize.programme(calls.get_programme(programme_id)))


@api.get("/calls")
def call_list():
    stage = request.args.get("stage") or None
    open_only = request.args.get("open", "").lower() in ("1", "true", "yes")
    rows = calls.list_calls(stage=stage, open_only=open_only, before_id=_cursor(),
                            limit=_page_size() + 1)
    return _page(rows, serialize.call)


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


def _application(item: workflow.Seen) -> dict:
    return serialize.application(item.entity,
                                 workflow.allowed_actions(g.api_user, applications.KIND, item))


@api.post("/applications")
def application_create():
    application = applications.create_application(g.api_user, _body())
    body = _application(applications.get_application(g.api_user, application.id))
    return jsonify(body), 201, {"Location": url_for("api.application_detail",
                                                    application_id=application.id)}


@api.get("/applications")
def application_list():
    rows = applications.list_applications(
        g.api_user, call_id=_int_arg("call_id"), state=request.args.get("state") or None,
        before_id=_cursor(), limit=_page_size() + 1,
    )
    return _page(rows, _application, key=lambda item: item.entity.id)


@api.get("/applications/<int:application_id>")
def application_detail(application_id: int):
    return jsonify(_application(applications.get_application(g.api_user, application_id)))


@api.patch("/applications/<int:application_id>")
def application_update(application_id: int):
    applications.update_application(g.api_user, application_id, _body())
    return jsonify(_application(applications.get_application(g.api_user, application_id)))


@api.post("/applications/<int:application_id>/actions/<action>")
def application_action(application_id: int, action: str):
    application = applications.act(g.api_user, application_id, action, _body())
    return jsonify({"state": application.state, "version": application.version})


@api.get("/applications/<int:application_id>/history")
def application_history(application_id: int):
    events = history.of(g.api_user, applications.KIND, application_id, after_seq=_cursor(),
                        limit=_page_size() + 1)
    return _page(events, serialize.event, key=lambda event: event.seq)


@api.get("/workflows")
def workflow_list():
    return jsonify({"items": [serialize.workflow(d, summary=True)
                              for d in workflow.workflows().registry.all()], "next": None})


@api.get("/workflows/<name>")
def workflow_detail(name: str):
    version = _int_arg("version")
    try:
        definition = workflow.workflows().registry.get(name, version)
    except KeyError:
        raise NotFound(_("No such workflow.")) from None
    return jsonify(serialize.workflow(definition))
