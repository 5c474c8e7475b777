"""A new-application form makes one draft, however often the same form is posted."""

import re

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application


def drafts() -> int:
    return db.session.scalar(select(func.count()).select_from(Application))


def form_token(page: str) -> str:
    return re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)


def fill(organization, token: str, title: str = "Smart irrigation") -> dict:
    return {"form_token": token, "organization_id": str(organization.id), "title": title,
            "field": "hitech_agriculture", "requested_amount": "30.000.000"}


def test_posting_the_same_form_twice_makes_one_draft_and_opens_it(
        client, login, create_user, create_call, create_organization):
    startup = create_user("applicant")
    organization = create_organization(startup)
    call = create_call()
    login(startup)
    client.post("/language/en")
    token = form_token(client.get(f"/calls/{call.id}/apply").text)

    first = client.post(f"/calls/{call.id}/apply", data=fill(organization, token))
    again = client.post(f"/calls/{call.id}/apply", data=fill(organization, token, "Changed"))
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert drafts() == 1
    assert db.session.scalar(select(Application)).project.title == "Smart irrigation"
    assert "This form was already saved: here is the draft it made." in \
        client.get(again.headers["Location"]).text


def test_each_new_form_makes_its_own_draft(client, login, create_user, create_call,
                                           create_organization):
    startup = create_user("applicant")
    organization = create_organization(startup)
    call = create_call()
    login(startup)
    tokens = {form_token(client.get(f"/calls/{call.id}/apply").text) for _ in range(2)}
    assert len(tokens) == 2
    for token in tokens:
        assert client.post(f"/calls/{call.id}/apply",
                           data=fill(organization, token)).status_code == 302
    assert drafts() == 2


def test_a_refused_form_keeps_its_token_and_still_makes_one_draft(
        client, login, create_user, create_call, create_organization):
    startup = create_user("applicant")
    organization = create_organization(startup)
    call = create_call()
    login(startup)
    token = form_token(client.get(f"/calls/{call.id}/apply").text)
    refused = client.post(f"/calls/{call.id}/apply", data=fill(organization, token, title=""))
    assert refused.status_code == 422
    assert form_token(refused.text) == token
    for _ in range(2):
        client.post(f"/calls/{call.id}/apply", data=fill(organization, token))
    assert drafts() == 1


def test_a_second_click_from_another_session_still_opens_the_first_draft(
        app, client, login, create_user, create_call, create_organization):
    startup = create_user("applicant")
    organization = create_organization(startup)
    call = create_call()
    login(startup)
    token = form_token(client.get(f"/calls/{call.id}/apply").text)
    other = app.test_client()  # its own cookie: as when two posts leave before either returns
    other.post("/login", data={"email": startup.email, "password": "correct horse battery"})

    first = client.post(f"/calls/{call.id}/apply", data=fill(organization, token))
    second = other.post(f"/calls/{call.id}/apply", data=fill(organization, token))

    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert drafts() == 1


def test_two_drafts_racing_with_one_form_token_cannot_both_be_saved(
        create_user, create_call, create_organization):
    from grants.operations import Conflict, applications

    startup = create_user("applicant")
    organization = create_organization(startup)
    data = {"call_id": create_call().id, "project": {
        "title": "T", "field": "fintech", "organization_id": organization.id}}
    made = applications.create_application(startup, data, form_token="a" * 22)

    with pytest.raises(Conflict):
        applications.create_application(startup, data | {"project": {
            **data["project"], "title": "U"}}, form_token="a" * 22)

    assert applications.made_with(startup, "a" * 22) == made.id
    assert drafts() == 1
