"""API handlers: parse, call the operation, shape the answer. Nothing else.

Each route declares its schemas with @endpoint (grants/api/endpoint.py): the body arrives
validated, as a dict for the operation; what the handler returns is serialised by the
response model; the OpenAPI document is generated from the declarations.
"""

from typing import Any

from flask import Response, current_app, g, url_for
from flask_babel import gettext as _

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint
from grants.api.fields import encode_cursor
from grants.api.openapi import document_bytes
from grants.operations import (
    NotFound,
    applications,
    calls,
    history,
    organizations,
    workflow,
)


def _page_size() -> int:
    return current_app.config["API_PAGE_SIZE"]


def _page(rows: list, key=lambda row: row.id) -> dict[str, Any]:
    """A page of `rows` (fetched with one extra to know if there is more) as {items, next}."""
    page = _page_size()
    more = len(rows) > page
    rows = rows[:page]
    return {"items": rows, "next": encode_cursor(key(rows[-1])) if more else None}


@api.get("/openapi.json")
@endpoint(s.ApiDocument, public=True)
def openapi():
    """This document"""
    return Response(document_bytes(current_app), mimetype="application/json")


@api.get("/me")
@endpoint(s.Me)
def me():
    """The caller and their roles"""
    return g.api_user


@api.get("/programmes")
@endpoint(s.Page[s.Programme], query=s.PageQuery)
def programme_list(query: s.PageQuery):
    """Programmes with KPI targets, newest first"""
    return _page(calls.list_programmes(before_id=query.cursor, limit=_page_size() + 1))


@api.get("/programmes/<int:programme_id>")
@endpoint(s.Programme, errors=(404,))
def programme_detail(programme_id: int):
    """One programme"""
    return calls.get_programme(programme_id)


@api.get("/calls")
@endpoint(s.Page[s.Call], query=s.CallQuery)
def call_list(query: s.CallQuery):
    """Calls, newest first"""
    return _page(calls.list_calls(stage=query.stage, open_only=query.open,
                                  before_id=query.cursor, limit=_page_size() + 1))


@api.get("/calls/<int:call_id>")
@endpoint(s.Call, errors=(404,))
def call_detail(call_id: int):
    """One call"""
    return calls.get_call(call_id)


@api.post("/calls")
@endpoint(s.Call, status=201, body=s.CallCreate, errors=(403, 409))
def call_create(body: dict):
    """Open a call (programme managers)"""
    call = calls.create_call(g.api_user, body)
    return call, {"Location": url_for("api.call_detail", call_id=call.id)}


@api.post("/organizations")
@endpoint(s.Organization, status=201, body=s.OrganizationCreate, errors=(403, 409))
def organization_create(body: dict):
    """Register a startup"""
    organization = organizations.create_organization(g.api_user, body)
    return organization, {"Location": url_for("api.organization_detail",
                                               organization_id=organization.id)}


@api.get("/organizations/<int:organization_id>")
@endpoint(s.Organization, errors=(404,))
def organization_detail(organization_id: int):
    """A startup profile"""
    return organizations.get_organization(g.api_user, organization_id)


def _application(item: workflow.Seen) -> s.Application:
    """An application as the caller sees it, with the actions they may take on it now."""
    return s.Application.of(item.entity, applications.allowed_actions(g.api_user, item))


@api.post("/applications")
@endpoint(s.Application, status=201, body=s.ApplicationCreate, errors=(403, 409))
def application_create(body: dict):
    """Draft an application"""
    application = applications.create_application(g.api_user, body)
    return (_application(applications.get_application(g.api_user, application.id)),
            {"Location": url_for("api.application_detail", application_id=application.id)})


@api.get("/applications")
@endpoint(s.Page[s.Application], query=s.ApplicationQuery)
def application_list(query: s.ApplicationQuery):
    """Applications the caller may see, newest first"""
    rows = applications.list_applications(
        g.api_user, call_id=query.call_id, state=query.state, before_id=query.cursor,
        limit=_page_size() + 1,
    )
    page = _page(rows, key=lambda item: item.entity.id)
    page["items"] = [_application(item) for item in page["items"]]
    return page


@api.get("/applications/<int:application_id>")
@endpoint(s.Application, errors=(404,))
def application_detail(application_id: int):
    """One application with the caller's allowed actions"""
    return _application(applications.get_application(g.api_user, application_id))


@api.patch("/applications/<int:application_id>")
@endpoint(s.Application, body=s.ApplicationUpdate, errors=(403, 404, 409))
def application_update(application_id: int, body: dict):
    """Edit a draft or an application returned for changes"""
    applications.update_application(g.api_user, application_id, body)
    return _application(applications.get_application(g.api_user, application_id))


@api.post("/applications/<int:application_id>/actions/<action>")
@endpoint(s.ActionResult, body=s.ActionRequest, errors=(403, 404, 409),
          path={"action": s.ActionName})
def application_action(application_id: int, action: str, body: dict):
    """Take a workflow action"""
    return applications.act(g.api_user, application_id, action, body)


@api.get("/applications/<int:application_id>/history")
@endpoint(s.Page[s.Event], query=s.HistoryQuery, errors=(404,))
def application_history(application_id: int, query: s.HistoryQuery):
    """The application's audit events, oldest first"""
    events = history.of(g.api_user, applications.KIND, application_id, after_seq=query.cursor,
                        limit=_page_size() + 1)
    return _page(events, key=lambda event: event.seq)


@api.get("/workflows")
@endpoint(s.Page[s.WorkflowSummary])
def workflow_list():
    """Workflow definitions"""
    return {"items": workflow.workflows().registry.all(), "next": None}


@api.get("/workflows/<name>")
@endpoint(s.Workflow, query=s.WorkflowQuery, errors=(404,), path={"name": s.WorkflowName})
def workflow_detail(name: str, query: s.WorkflowQuery):
    """One definition with its mermaid drawing"""
    try:
        definition = workflow.workflows().registry.get(name, query.version)
    except KeyError:
        raise NotFound(_("No such workflow.")) from None
    return s.Workflow.of(definition)
