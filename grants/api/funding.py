"""The API of funding: the agreement (award and tranches), the tranches' actions, the ledger."""

from flask import g

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint
from grants.operations import funding, workflow


def _tranches(application_id: int) -> dict:
    _item, rows = funding.tranches_of(g.api_user, application_id)
    return {"items": [s.Tranche.of(t.entity, workflow.allowed_actions(g.api_user, funding.KIND, t))
                      for t in rows]}


@api.put("/applications/<int:application_id>/award")
@endpoint(s.TrancheList, body=s.AgreementInput, errors=(403, 404, 409))
def agreement_set(application_id: int, body: dict):
    """Set the award and its tranches (managers, while approved)"""
    funding.set_agreement(g.api_user, application_id, body)
    return _tranches(application_id)


@api.get("/applications/<int:application_id>/tranches")
@endpoint(s.TrancheList, errors=(404,))
def tranche_list(application_id: int):
    """The application's tranches, in the agreement's order"""
    return _tranches(application_id)


@api.get("/tranches/<int:tranche_id>")
@endpoint(s.Tranche, errors=(404,))
def tranche_detail(tranche_id: int):
    """One tranche"""
    item = funding.get_tranche(g.api_user, tranche_id)
    return s.Tranche.of(item.entity, workflow.allowed_actions(g.api_user, funding.KIND, item))


@api.post("/tranches/<int:tranche_id>/actions/<action>")
@endpoint(s.TrancheActionResult, body=s.TrancheActionRequest, errors=(403, 404, 409),
          path={"action": s.TrancheAction})
def tranche_action(tranche_id: int, action: str, body: dict):
    """Take a tranche action: request, return, verify, release (not by its verifier), mark_paid"""
    return funding.act(g.api_user, tranche_id, action, body)


@api.get("/calls/<int:call_id>/ledger")
@endpoint(s.CallLedger, errors=(404,))
def call_ledger(call_id: int):
    """The call's budget ledger (the programme's staff)"""
    call, ledger = funding.call_ledger(g.api_user, call_id)
    return {"call_id": call.id, "title": call.title} | ledger.figures()


@api.get("/programmes/<int:programme_id>/ledger")
@endpoint(s.ProgrammeLedger, errors=(404,))
def programme_ledger(programme_id: int):
    """The programme's budget ledger, per call and in total (the programme's staff)"""
    view = funding.programme_ledger(g.api_user, programme_id)
    return {"programme_id": view.programme.id, "total": view.total.figures(),
            "calls": [{"call_id": call.id, "title": call.title} | ledger.figures()
                      for call, ledger in view.rows]}
