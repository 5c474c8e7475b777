"""The public showcase: supported projects whose startups opted in, per programme, in
Vietnamese and English; the startup's members opt in and out."""

import pytest
from activity_world import fund
from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEvent
from grants.operations import OperationError, activities


@pytest.fixture
def projects(create_user, create_call, create_organization, create_application):
    """make(opt_in, funded, call=None) -> (user, project) of a new startup."""
    call = create_call()

    def make(opt_in: bool, funded: bool, title: str, on_call=None):
        user = create_user("applicant")
        application = create_application(user, on_call or call, create_organization(user),
                                         title=title)
        if funded:
            fund(application)
        if opt_in:
            activities.set_showcase(user, application.project_id, {
                "showcase": True, "description": f"{title}: tưới thông minh",
                "description_en": f"{title}: smart irrigation"})
        return user, application.project

    make.call = call
    return make


def test_the_showcase_lists_only_opted_in_supported_projects(projects, create_call, client,
                                                             api):
    _u1, shown = projects(True, True, "Shown")
    projects(True, False, "Opted in, not funded")
    projects(False, True, "Funded, not opted in")
    other_call = create_call(stage="incubation")
    _u4, elsewhere = projects(True, True, "Other programme", on_call=other_call)

    assert [r.project.title for r in activities.showcase()] == ["Shown", "Other programme"]
    assert [r.project.title for r in activities.showcase(projects.call.programme_id)] \
        == ["Shown"]
    assert activities.showcase(other_call.programme_id)[0].stages == ["incubation"]

    page = client.get(f"/showcase?programme={projects.call.programme_id}")  # no login
    assert page.status_code == 200
    assert "Shown" in page.text and "tưới thông minh" in page.text
    assert "not funded" not in page.text and "not opted in" not in page.text
    assert "Other programme" not in page.text
    client.post("/language/en", data={"next": "/showcase"})
    assert "Shown: smart irrigation" in client.get("/showcase").text

    answer = client.get("/api/v1/showcase")  # no token
    assert answer.status_code == 200
    assert [p["title"] for p in answer.json["items"]] == ["Shown", "Other programme"]
    assert answer.json["items"][0]["stages"] == ["pre_incubation"]
    assert answer.json["items"][0]["description_en"] == "Shown: smart irrigation"
    assert elsewhere.id == answer.json["items"][1]["id"] and shown.id


def test_the_startup_opts_in_and_out_on_its_form_and_it_is_audited(projects, client, login):
    user, project = projects(False, True, "Rice drones")
    login(user)
    form = client.get("/showcase/mine")
    assert form.status_code == 200 and "Rice drones" in form.text
    refused = client.post("/showcase/mine", data={"project_id": project.id, "showcase": "yes",
                                                  "description": "", "description_en": ""})
    assert refused.status_code == 422 and 'class="errors"' in refused.text
    done = client.post("/showcase/mine", data={
        "project_id": project.id, "showcase": "yes", "description": "Drone phun thuốc",
        "description_en": "Spraying drones"})
    assert done.status_code == 302
    assert "Drone phun thuốc" in client.get("/showcase").text
    client.post("/showcase/mine", data={"project_id": project.id, "description": "x"})
    assert f'id="showcase-{project.id}"' not in client.get("/showcase").text
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "showcase")).all()
    assert [e.payload["changes"]["showcase"] for e in events] == [[False, True], [True, False]]


def test_only_the_startups_members_put_its_project_on_the_showcase(projects, api,
                                                                   create_user):
    _owner, project = projects(False, True, "Mine")
    stranger, _p = projects(False, True, "Theirs")
    answer = api(stranger).put(f"/projects/{project.id}/showcase",
                               json={"showcase": True, "description": "Hijack"})
    assert answer.status_code == 404
    manager = create_user("manager", projects.call.programme)
    with pytest.raises(OperationError) as refused:
        activities.set_showcase(manager, project.id, {"showcase": True, "description": "x"})
    assert refused.value.status == 404
    assert api(stranger).put("/projects/1/showcase", json={"showcase": "yes"}).status_code \
        == 422
    assert api(_owner).put(f"/projects/{project.id}/showcase", json={
        "showcase": True, "description": "Của chúng tôi"}).json["showcase"] is True
