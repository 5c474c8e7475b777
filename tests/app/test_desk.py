"""The manager's desk: a call's applications with counts, deadlines and money, searched by
reference, project, startup or registration number, what each needs from the reader, and batch
actions that take each item through the one path."""

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application, AuditEvent
from grants.operations import applications

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def desk(create_call, create_user, create_organization, submitted_application, manager_of):
    """A call with three submitted applications of named startups, and its manager."""
    call = create_call()
    rows = []
    for name, number, title in (("Mekong Agritech", "0312345678", "Smart irrigation"),
                                ("Saigon Pay", "0398765432", "Street-food wallet"),
                                ("EduViet", "0311122233", "Village tutors")):
        user = create_user("applicant")
        organization = create_organization(user, name=name, registration_number=number)
        rows.append(submitted_application(call, user, organization=organization, title=title))
    manager = manager_of(call)
    manager.locale = "en"  # the pages in English, as the tests read them
    db.session.commit()
    return call, manager, rows


@pytest.mark.parametrize("query, expected", [
    ("agritech", ["Smart irrigation"]), ("WALLET", ["Street-food wallet"]),
    ("03111", ["Village tutors"]), ("%", []), ("HS-2026-", [])])
def test_the_desk_searches_project_startup_and_registration_number(desk, login, client,
                                                                    query, expected):
    call, manager, rows = desk
    login(manager)
    page = client.get(f"/manage/calls/{call.id}", query_string={"q": query}).get_data(
        as_text=True)
    found = [a.project.title for a in rows if f'id="pick-{a.id}"' in page]
    assert found == expected


def test_the_desk_finds_an_application_by_its_reference(desk, login, client):
    call, manager, rows = desk
    login(manager)
    page = client.get(f"/manage/calls/{call.id}",
                      query_string={"q": applications.reference(rows[1])}).get_data(as_text=True)
    assert [a.id for a in rows if f'id="pick-{a.id}"' in page] == [rows[1].id]


def test_the_desk_says_what_each_application_needs_and_shows_the_calls_money(
        desk, login, client):
    call, manager, _rows = desk
    login(manager)
    page = client.get(f"/manage/calls/{call.id}").get_data(as_text=True)
    assert "Return for changes" in page and "Declare ineligible" in page
    assert "1,000,000,000 ₫" in page  # the call's budget, nothing committed yet
    assert 'id="batch-action"' in page


def test_a_batch_rejects_what_it_can_and_says_why_it_refused_the_rest(desk, login, client):
    call, manager, rows = desk
    login(manager)
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    items = [f"{rows[0].id}:2", f"{rows[1].id}:2", f"{rows[2].id}:1"]  # the last is stale
    page = client.post(f"/manage/calls/{call.id}/batch", data={
        "items": items, "action": "declare_ineligible", "reason": "Outside the priority fields"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count("✓") == 2 and "Refused" in text
    states = [db.session.get(Application, a.id).state for a in rows]
    assert states == ["ineligible", "ineligible", "submitted"]
    # one audit event per item done, each with the shared reason
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events + 2


def test_the_batch_api_answers_per_item(desk, api):
    call, manager, rows = desk
    client = api(manager)
    answer = client.post("/applications/actions/return_for_changes", json={
        "items": [{"id": rows[0].id, "version": 2}, {"id": 999_999, "version": 1}],
        "reason": "Add the budget", "revision_deadline": "2099-01-01T00:00"})
    assert answer.status_code == 200
    results = answer.get_json()["results"]
    assert [(r["application_id"], r["status"]) for r in results] == [
        (rows[0].id, 200), (999_999, 404)]
    assert results[0]["state"] == "changes_requested"
    assert client.post("/applications/actions/return_for_changes",
                       json={"items": []}).status_code == 422


def test_who_may_use_the_desk(desk, create_user, create_call, manager_of, login, client):
    call, _manager, rows = desk
    auditor = create_user("auditor", call.programme)
    login(auditor)
    assert client.get(f"/manage/calls/{call.id}").status_code == 200  # reads
    page = client.post(f"/manage/calls/{call.id}/batch", data={
        "items": [f"{rows[0].id}:2"], "action": "declare_ineligible", "reason": "x"})
    assert "card refused" in page.get_data(as_text=True)  # changes nothing
    assert db.session.get(Application, rows[0].id).state == "submitted"
    login(create_user("applicant"))
    assert client.get(f"/manage/calls/{call.id}").status_code == 403
    login(manager_of(create_call()))  # another programme
    assert client.get(f"/manage/calls/{call.id}").status_code == 404
    assert client.post(f"/manage/calls/{call.id}/batch", data={
        "items": [f"{rows[0].id}:2"], "action": "declare_ineligible"}).status_code == 404
