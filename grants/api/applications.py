"""The API of applications: drafts, actions and their history."""

from flask import g, url_for

from grants import permissions
from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint, page, page_size
from grants.operations import applications, history, workflow


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
        limit=page_size() + 1, programme_id=query.programme_id,
        stage=query.stage and query.stage.value, field=query.field and query.field.value,
        search=query.q, waiting_for=permissions.desk_roles(
            g.api_user, query.programme_id, staff_only=False)
        if query.needs_action else None)
    answer = page(rows, key=lambda item: item.entity.id)
    answer["items"] = [_application(item) for item in answer["items"]]
    return answer


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


@api.post("/applications/actions/<action>")
@endpoint(s.BatchResult, body=s.BatchRequest, path={"action": s.ActionName})
def application_batch_action(action: str, body: dict):
    """Take one action on several applications, each on its own (per-item results)"""
    shared = {k: v for k, v in body.items() if k != "items"}
    outcomes = applications.act_many(g.api_user, action, body["items"], shared)
    return {"results": [vars(o) for o in outcomes]}


@api.get("/applications/<int:application_id>/history")
@endpoint(s.Page[s.Event], query=s.HistoryQuery, errors=(404,))
def application_history(application_id: int, query: s.HistoryQuery):
    """The application's audit events, oldest first"""
    events = history.of(g.api_user, applications.KIND, application_id, after_seq=query.cursor,
                        limit=page_size() + 1)
    return page(events, key=lambda event: event.seq)
