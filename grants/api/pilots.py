"""The API of pilots and final evaluations."""

from flask import g

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint
from grants.operations import pilots


@api.put("/applications/<int:application_id>/pilot")
@endpoint(s.Pilot, body=s.PilotInput, errors=(403, 404, 409))
def pilot_save(application_id: int, body: dict):
    """Record the pilot's plan, then its results and verdict (managers)"""
    return pilots.save_pilot(g.api_user, application_id, body)


@api.put("/applications/<int:application_id>/evaluation")
@endpoint(s.Evaluation, body=s.EvaluationInput, errors=(403, 404, 409))
def evaluation_save(application_id: int, body: dict):
    """Record the council's final evaluation (managers)"""
    return pilots.save_evaluation(g.api_user, application_id, body)
