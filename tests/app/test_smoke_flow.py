"""The first vertical slice, through the pages: a startup drafts and submits, a manager finds it."""

import re

from grants.models import Application


def test_startup_submits_and_manager_sees_it_with_history(
    client, login, create_user, create_call, create_organization, manager_of
):
    call = create_call()
    startup = create_user("applicant")
    organization = create_organization(startup)
    login(startup)

    response = client.post(f"/calls/{call.id}/apply", data={
        "organization_id": organization.id, "title": "Cold chain for street food",
        "summary": "Shared freezers", "field": "logistics", "requested_amount": "35000000",
    })
    assert response.status_code == 302, response.text
    application = Application.query.one()
    assert application.state == "draft"
    assert response.headers["Location"] == f"/applications/{application.id}/tasks"

    page = client.get(f"/applications/{application.id}")
    assert "Cold chain for street food" in page.text

    for version, (section, data) in enumerate([
        ("team", {"team": "Two cooks and a refrigeration engineer"}),
        ("budget", {"requested_amount": "35000000", "labour": "15000000",
                    "other": "20000000"}),
        ("milestones", {"m0-milestone": "Pilot", "m0-month": "2",
                        "m0-deliverable": "Five freezers"}),
        ("questions", {"answer_problem": "Food spoils", "answer_plan": ""}),
    ], start=1):
        response = client.post(f"/applications/{application.id}/sections/{section}",
                               data={"version": str(version)} | data)
        assert response.status_code == 302, response.text

    response = client.post(f"/applications/{application.id}/submit", data={"version": "5"})
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == f"/applications/{application.id}/confirmation"

    manager = manager_of(call)
    client.post("/logout")
    login(manager)
    queue = client.get(f"/manage/calls/{call.id}")
    assert "Cold chain for street food" in queue.text
    detail = client.get(f"/applications/{application.id}")
    assert detail.status_code == 200
    history = detail.text[detail.text.index('id="history"'):]
    assert history.count("<tr>") == 7  # header, created, four sections saved, submitted


def test_irreversible_actions_ask_for_confirmation_on_the_page(
        client, login, create_user, create_call, create_application, manager_of):
    from grants.operations import applications

    call = create_call()
    startup = create_user("applicant")
    application = create_application(startup, call)
    applications.act(startup, application.id, "submit", {"version": 1})
    login(manager_of(call))

    page = client.get(f"/applications/{application.id}").text

    def button(action: str) -> str:
        return re.search(rf'<button[^>]*value="{action}"[^>]*>', page).group(0)

    assert "data-confirm=" in button("declare_ineligible")
    assert "danger" in button("declare_ineligible")
    assert "data-confirm=" not in button("return_for_changes")


def test_staff_do_not_find_every_application_under_my_applications(
        client, login, create_user, create_call, create_application, manager_of):
    from grants.operations import applications

    call = create_call()
    startup = create_user("applicant")
    application = create_application(startup, call, title="Cold chain for mangoes")
    applications.act(startup, application.id, "submit", {"version": 1})
    login(manager_of(call))

    assert "Cold chain for mangoes" not in client.get("/my").text
    assert "Cold chain for mangoes" in client.get(f"/manage/calls/{call.id}").text
    assert 'href="/my"' not in client.get(f"/manage/calls/{call.id}").text


def test_the_startups_dashboard_shows_a_bounded_page_and_links_to_older_ones(
        client, login, create_user, create_call, create_organization, create_application):
    startup = create_user("applicant")
    organization = create_organization(startup)
    call = create_call()
    ids = [create_application(startup, call, organization, title=f"Project {n:02d}").id
           for n in range(51)]
    login(startup)

    first = client.get("/my").text
    assert "Project 50" in first and "Project 00" not in first
    older = re.search(r'href="(/my\?before=\d+)"', first).group(1)
    second = client.get(older.replace("&amp;", "&")).text
    assert "Project 00" in second and "Project 50" not in second
    assert len(ids) == 51


def test_a_page_cursor_beyond_any_id_is_ignored_not_a_server_error(
        client, login, create_user, create_call, manager_of):
    call = create_call()
    login(manager_of(call))
    assert client.get(f"/manage/calls/{call.id}?before=99999999999").status_code == 200


def test_the_health_check_answers_without_a_login(client):
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok\n")


def test_after_the_revision_deadline_the_page_says_so_instead_of_asking_to_resubmit(
        client, login, create_user, create_call, create_application, manager_of):
    from datetime import timedelta

    from grants.extensions import db
    from grants.models import utcnow
    from grants.operations import applications

    call = create_call()
    startup = create_user("applicant")
    application = create_application(startup, call)
    applications.act(startup, application.id, "submit", {"version": 1})
    applications.act(manager_of(call), application.id, "return_for_changes", {
        "version": 2, "reason": "Add the budget",
        "revision_deadline": (utcnow() + timedelta(hours=1)).isoformat()})
    login(startup)
    client.post("/language/en")
    assert "Resubmit before" in client.get(f"/applications/{application.id}").text

    row = db.session.get(Application, application.id)
    row.revision_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(f"/applications/{application.id}").text

    assert "The revision deadline passed on" in page and "Resubmit before" not in page
