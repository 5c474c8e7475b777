"""The API of projects: a project's path through the stages."""

from flask import g

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint
from grants.api.schemas import _With
from grants.operations import mentors, projects


@api.get("/projects/<int:project_id>")
@endpoint(s.ProjectPath, errors=(404,))
def project_detail(project_id: int):
    """A project's path through the stages, with money and outcomes per stage, its activities
    and its mentors"""
    project, steps = projects.path(g.api_user, project_id)
    support = mentors.project_support(g.api_user, project.id)
    return {"id": project.id, "title": project.title, "summary": project.summary,
            "field": project.field, "organization_id": project.organization_id,
            "steps": [dict(application_id=st.application.id, call_id=st.application.call_id,
                           stage=st.application.call.stage, state=st.application.state,
                           awarded_amount=st.application.awarded_amount,
                           released=st.released, paid=st.paid,
                           pilot_verdict=st.pilot_verdict,
                           evaluation_verdict=st.evaluation_verdict,
                           evaluation_score=st.evaluation_score,
                           promoted_from_id=st.application.promoted_from_id)
                      for st in steps],
            "activities": support.registrations,
            "mentors": [s.ProjectMentor.model_validate(_With(
                m.mentorship, sessions=support.sessions.get(m.mentorship.id, [])))
                for m in support.matches]}
