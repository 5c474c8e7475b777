"""The API of programmes and calls."""

from flask import g, url_for

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint, page, page_size
from grants.api.schemas import _With
from grants.operations import calls, kpis, programmes


@api.get("/programmes")
@endpoint(s.Page[s.Programme], query=s.PageQuery)
def programme_list(query: s.PageQuery):
    """Programmes with KPI targets, newest first"""
    return page(calls.list_programmes(before_id=query.cursor, limit=page_size() + 1))


@api.get("/programmes/<int:programme_id>")
@endpoint(s.ProgrammeDetail, errors=(404,))
def programme_detail(programme_id: int):
    """One programme, with its KPIs' progress for its staff"""
    programme = calls.get_programme(programme_id)
    progress = kpis.as_data(kpis.compute(programme)) \
        if kpis.can_read(g.api_user, programme.id) else None
    return s.ProgrammeDetail.model_validate(_With(programme, progress=progress))


@api.post("/programmes")
@endpoint(s.Programme, status=201, body=s.ProgrammeCreate, errors=(403,))
def programme_create(body: dict):
    """Create a programme (administrators)"""
    programme = programmes.create_programme(g.api_user, body)
    return programme, {"Location": url_for("api.programme_detail", programme_id=programme.id)}


@api.patch("/programmes/<int:programme_id>")
@endpoint(s.Programme, body=s.ProgrammeUpdate, errors=(403, 404))
def programme_update(programme_id: int, body: dict):
    """Change a programme's title, period or KPI targets (administrators)"""
    return programmes.update_programme(g.api_user, programme_id, body)


@api.get("/calls")
@endpoint(s.Page[s.Call], query=s.CallQuery)
def call_list(query: s.CallQuery):
    """Calls, newest first"""
    return page(calls.list_calls(stage=query.stage, open_only=query.open,
                                  before_id=query.cursor, limit=page_size() + 1))


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


@api.patch("/calls/<int:call_id>")
@endpoint(s.Call, body=s.CallUpdate, errors=(403, 404, 409))
def call_update(call_id: int, body: dict):
    """Change a call's settings; what applicants answer is frozen once it opens"""
    return calls.update_call(g.api_user, call_id, body)
