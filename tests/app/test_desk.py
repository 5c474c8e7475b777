"""The manager's desk, per call and per programme: counts per state, deadlines and money, what
waits for the reader, filters, search by reference, project, startup or registration number,
stable pages, and batch actions that take each item through the one path."""

import re

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application, AuditEvent
from grants.operations import applications
from grants.web import manage

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


def shown(page, rows) -> list[int]:
    """The ids of `rows` the desk lists, in its order."""
    text = page.get_data(as_text=True)
    return sorted((a.id for a in rows if f'id="pick-{a.id}"' in text),
                  key=lambda i: text.index(f'id="pick-{i}"'))


def results(page) -> dict[int, str]:
    """The batch page's outcome per application: its status."""
    return {int(a): s for a, s in re.findall(
        r'data-application="(\d+)" data-status="(\d+)"', page.get_data(as_text=True))}


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
    reference = applications.reference(rows[1])
    page = client.get(f"/manage/calls/{call.id}", query_string={"q": reference.lower()})
    assert shown(page, rows) == [rows[1].id]
    assert reference in page.get_data(as_text=True)  # each row names its reference


def test_the_desk_says_what_each_application_needs_and_shows_the_calls_money(
        desk, login, client):
    call, manager, _rows = desk
    login(manager)
    page = client.get(f"/manage/calls/{call.id}").get_data(as_text=True)
    assert "Return for changes" in page and "Declare ineligible" in page
    assert "1,000,000,000 ₫" in page  # the call's budget, nothing committed yet
    assert 'id="batch-action"' in page
    assert 'id="batch-revision-deadline"' in page  # returning for changes asks a deadline


def test_the_desk_counts_each_state_and_what_waits_for_the_manager(desk, login, client):
    call, manager, rows = desk
    applications.act(manager, rows[0].id, "declare_ineligible", {"version": 2, "reason": "Old"})
    login(manager)
    page = client.get(f"/manage/calls/{call.id}")
    counts = page.get_data(as_text=True)
    assert re.search(r'data-state="submitted"[^>]*>Submitted \(2\)', counts)
    assert re.search(r'data-state="ineligible"[^>]*>Ineligible \(1\)', counts)
    assert re.search(r'id="needing">2<', counts)  # the two submitted wait for a decision
    waiting = client.get(f"/manage/calls/{call.id}", query_string={"needs": "1"})
    assert shown(waiting, rows) == [rows[2].id, rows[1].id]  # newest first, none final
    only_final = client.get(f"/manage/calls/{call.id}", query_string={"state": "ineligible"})
    assert shown(only_final, rows) == [rows[0].id]


def test_the_programme_desk_lists_every_call_with_its_deadlines_and_filters_them(
        desk, login, client, create_call, submitted_application):
    call, manager, rows = desk
    later = create_call(call.programme, stage="incubation", review_deadline=None)
    other = submitted_application(later, title="Cold-chain trucks")
    db.session.get(Application, other.id).project.field = "logistics"
    db.session.commit()
    everything = rows + [other]
    login(manager)
    desk_url = f"/manage/programmes/{call.programme_id}"
    page = client.get(desk_url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and call.title in text and later.title in text
    assert 'id="desk-calls"' in text and "Submitted (4)" in text
    assert shown(page, everything) == [other.id, rows[2].id, rows[1].id, rows[0].id]
    for query, expected in (
            ({"stage": "incubation"}, [other.id]),
            ({"stage": "pre_incubation"}, [rows[2].id, rows[1].id, rows[0].id]),
            ({"call": later.id}, [other.id]),
            ({"field": "logistics"}, [other.id]),
            ({"field": "fintech"}, []),
            ({"state": "submitted", "q": "cold"}, [other.id]),
            ({"needs": "1", "call": call.id}, [rows[2].id, rows[1].id, rows[0].id])):
        assert shown(client.get(desk_url, query_string=query), everything) == expected, query


def test_the_desk_pages_are_stable_while_applications_arrive(
        desk, login, client, monkeypatch, submitted_application):
    call, manager, rows = desk
    monkeypatch.setattr(manage, "PAGE", 2)
    login(manager)
    first = client.get(f"/manage/calls/{call.id}")
    assert shown(first, rows) == [rows[2].id, rows[1].id]
    older = re.search(r'id="older" href="([^"]+)"', first.get_data(as_text=True)).group(1)
    newcomer = submitted_application(call)  # arrives between the two pages
    second = client.get(older.replace("&amp;", "&"))
    assert shown(second, rows + [newcomer]) == [rows[0].id]
    assert 'id="older"' not in second.get_data(as_text=True)


def test_an_irreversible_batch_is_confirmed_before_anything_changes(desk, login, client):
    call, manager, rows = desk
    login(manager)
    items = [f"{rows[0].id}:2", f"{rows[1].id}:2"]
    asked = client.post(f"/manage/calls/{call.id}/batch", data={
        "items": items, "action": "declare_ineligible", "reason": "Outside the fields"})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="batch-confirm"' in text
    assert "Street-food wallet" in text and "Outside the fields" in text
    assert [db.session.get(Application, a.id).state for a in rows] == ["submitted"] * 3


def test_a_batch_does_what_it_can_and_refuses_a_stale_item_alone(desk, login, client):
    call, manager, rows = desk
    login(manager)
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    items = [f"{rows[0].id}:2", f"{rows[1].id}:2", f"{rows[2].id}:1"]  # the last is stale
    page = client.post(f"/manage/calls/{call.id}/batch", data={
        "items": items, "action": "declare_ineligible", "reason": "Outside the priority fields",
        "confirmed": "1"})
    assert page.status_code == 200
    assert results(page) == {rows[0].id: "200", rows[1].id: "200", rows[2].id: "409"}
    assert "2 done, 1 refused" in page.get_data(as_text=True)
    states = [db.session.get(Application, a.id).state for a in rows]
    assert states == ["ineligible", "ineligible", "submitted"]
    # one audit event per item done, each with the shared reason
    done = db.session.scalars(select(AuditEvent).where(AuditEvent.seq > events)).all()
    assert [(e.entity_id, e.reason) for e in done] == [
        (rows[0].id, "Outside the priority fields"), (rows[1].id, "Outside the priority fields")]


def test_a_batch_gives_each_its_own_guards_and_the_forms_deadline(desk, login, client):
    call, manager, rows = desk
    login(manager)
    # no reviewers assigned: starting review is refused for each, with the guard's reason
    refused = client.post(f"/manage/calls/{call.id}/batch", data={
        "items": [f"{rows[0].id}:2", f"{rows[1].id}:2"], "action": "start_review"})
    assert set(results(refused).values()) == {"422"}
    returned = client.post(f"/manage/calls/{call.id}/batch", data={
        "items": [f"{rows[0].id}:2", f"{rows[1].id}:2"], "action": "return_for_changes",
        "reason": "Add the budget", "revision_deadline": "2099-01-01T00:00"})
    assert set(results(returned).values()) == {"200"}
    assert db.session.get(Application, rows[0].id).revision_deadline is not None
    page = client.get(f"/manage/calls/{call.id}").get_data(as_text=True)
    assert page.count("Revision by") == 2


def test_the_batch_api_answers_per_item(desk, api):
    call, manager, rows = desk
    client = api(manager)
    answer = client.post("/applications/actions/return_for_changes", json={
        "items": [{"id": rows[0].id, "version": 2}, {"id": 999_999, "version": 1},
                  {"id": rows[1].id, "version": 1}],
        "reason": "Add the budget", "revision_deadline": "2099-01-01T00:00"})
    assert answer.status_code == 200
    results = answer.get_json()["results"]
    assert [(r["application_id"], r["status"]) for r in results] == [
        (rows[0].id, 200), (999_999, 404), (rows[1].id, 409)]
    assert results[0]["state"] == "changes_requested" and results[0]["version"] == 3
    assert client.post("/applications/actions/return_for_changes",
                       json={"items": []}).status_code == 422
    assert client.post("/applications/actions/return_for_changes",
                       json={"items": [{"id": "x", "version": 1}]}).status_code == 422


def test_an_auditor_reads_the_desks_but_changes_nothing(desk, create_user, login, client, api):
    call, _manager, rows = desk
    auditor = create_user("auditor", call.programme)
    login(auditor)
    assert client.get(f"/manage/calls/{call.id}").status_code == 200
    assert client.get(f"/manage/programmes/{call.programme_id}").status_code == 200
    for url in (f"/manage/calls/{call.id}/batch",
                f"/manage/programmes/{call.programme_id}/batch"):
        assert client.post(url, data={"items": [f"{rows[0].id}:2"], "reason": "x",
                                      "action": "declare_ineligible",
                                      "confirmed": "1"}).status_code == 403
    answer = api(auditor).post("/applications/actions/declare_ineligible", json={
        "items": [{"id": rows[0].id, "version": 2}], "reason": "x"})
    assert answer.get_json()["results"][0]["status"] == 403
    assert db.session.get(Application, rows[0].id).state == "submitted"


def test_startups_reviewers_and_other_programmes_do_not_reach_the_desk(
        desk, create_user, create_call, manager_of, reviewers_of, login, client):
    call, _manager, rows = desk
    pages = (f"/manage/calls/{call.id}", f"/manage/programmes/{call.programme_id}")
    batches = (f"/manage/calls/{call.id}/batch", f"/manage/programmes/{call.programme_id}/batch")
    form = {"items": [f"{rows[0].id}:2"], "action": "declare_ineligible", "reason": "x",
            "confirmed": "1"}
    for outsider in (create_user("applicant"), reviewers_of(call)[0]):
        login(outsider)
        assert [client.get(url).status_code for url in pages] == [403, 403]
        assert [client.post(url, data=form).status_code for url in batches] == [403, 403]
    login(manager_of(create_call()))  # a manager of another programme
    assert [client.get(url).status_code for url in pages] == [404, 404]
    assert [client.post(url, data=form).status_code for url in batches] == [404, 404]
    assert client.get("/manage/programmes/999999").status_code == 404
    assert db.session.get(Application, rows[0].id).state == "submitted"


def test_bad_filters_and_batches_get_a_clear_answer(desk, login, client):
    call, manager, rows = desk
    login(manager)
    desk_url = f"/manage/programmes/{call.programme_id}"
    for query in ({"state": "nowhere"}, {"stage": "moon"}, {"field": "alchemy"}):
        assert client.get(desk_url, query_string=query).status_code == 422, query
    for query in ({"before": "abc"}, {"call": "-1"}, {"q": "x" * 5000}, {"needs": "yes"}):
        assert client.get(desk_url, query_string=query).status_code == 200, query
    empty = client.post(f"{desk_url}/batch", data={"action": "start_review"})
    assert empty.status_code == 302  # back to the desk, told to choose
    garbage = client.post(f"{desk_url}/batch", data={
        "items": ["x:y", f"{rows[0].id}:2"], "action": "no_such_action", "confirmed": "1"})
    assert garbage.status_code == 200
    assert set(results(garbage).values()) == {"404"}


def test_the_api_lists_the_desk_with_the_same_filters(
        desk, api, create_call, submitted_application, create_user, create_application):
    call, manager, rows = desk
    later = create_call(call.programme, stage="incubation")
    other = submitted_application(later, title="Cold-chain trucks")
    applications.act(manager, rows[0].id, "declare_ineligible", {"version": 2, "reason": "Old"})
    client = api(manager)

    def ids(**query) -> list[int]:
        answer = client.get("/applications", query_string=query)
        assert answer.status_code == 200, answer.get_json()
        return [item["id"] for item in answer.get_json()["items"]]

    programme = call.programme_id
    assert ids(programme_id=programme) == [other.id, rows[2].id, rows[1].id, rows[0].id]
    assert ids(programme_id=programme, stage="incubation") == [other.id]
    assert ids(programme_id=programme, needs_action="true") == [other.id, rows[2].id, rows[1].id]
    assert ids(programme_id=programme, q=applications.reference(rows[1])) == [rows[1].id]
    assert ids(programme_id=programme, q="saigon pay") == [rows[1].id]
    assert ids(programme_id=programme, field="logistics") == []
    for bad in ({"stage": "moon"}, {"field": "alchemy"}, {"q": "x" * 101},
                {"programme_id": "abc"}):
        assert client.get("/applications", query_string=bad).status_code == 422, bad
    # a startup's own: what waits for it is its draft, not what it withdrew
    startup = create_user("applicant")
    draft = create_application(startup, later)
    gone = submitted_application(call, startup)
    applications.act(startup, gone.id, "withdraw", {"version": 2})
    assert [item["id"] for item in api(startup).get("/applications", query_string={
        "needs_action": "true"}).get_json()["items"]] == [draft.id]
