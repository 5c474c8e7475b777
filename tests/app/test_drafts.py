"""A new-application form makes one draft, however often the same form is posted."""

import re

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application
from grants.web.apply import REMEMBERED_FORMS


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


def test_the_session_remembers_only_the_last_forms(client, login, create_user, create_call,
                                                   create_organization):
    startup = create_user("applicant")
    organization = create_organization(startup)
    call = create_call()
    login(startup)
    for n in range(REMEMBERED_FORMS + 3):
        token = f"{n:022d}"
        client.post(f"/calls/{call.id}/apply", data=fill(organization, token))
    with client.session_transaction() as session:
        remembered = session["drafts"]
    assert len(remembered) == REMEMBERED_FORMS
    assert remembered[-1][0] == f"{REMEMBERED_FORMS + 2:022d}"
    assert drafts() == REMEMBERED_FORMS + 3
