"""Every list page and list endpoint issues the same number of SQL statements whatever the
size of the data (no N+1): each is counted at two database sizes."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from grants.extensions import db
from grants.models import utcnow
from grants.operations import applications
from grants.operations.core import LOCAL


@contextmanager
def statements():
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def world(create_user, create_call, create_organization, create_application, manager_of):
    """grow(n) adds n submitted applications of one startup, with one return for changes each,
    to one call; returns the startup, the manager and the first application's id."""
    call = create_call()
    startup = create_user("applicant")
    organization = create_organization(startup)
    manager = manager_of(call)
    made: list[int] = []

    def grow(n: int):
        for _ in range(n):
            application = create_application(startup, call, organization)
            applications.act(startup, application.id, "submit", {"version": 1})
            made.append(application.id)
        return call, startup, manager, made[0]

    return grow


PAGES = {
    "startup's dashboard": ("startup", "/my"),
    "manager's calls": ("manager", "/manage/calls"),
    "manager's queue": ("manager", "/manage/calls/{call}"),
    "manager's queue, searched": ("manager", "/manage/calls/{call}?q=irrigation"),
    "manager's queue, what waits for them": ("manager", "/manage/calls/{call}?needs=1"),
    "programme's desk": ("manager", "/manage/programmes/{programme}"),
    "programme's desk, filtered": (
        "manager", "/manage/programmes/{programme}?stage=pre_incubation&state=submitted"
        "&field=hitech_agriculture&needs=1&q=irrigation&call={call}"),
    "application page": ("startup", "/applications/{first}"),
    "public list of open calls": ("startup", "/calls"),
}
ENDPOINTS = {
    "applications as the startup": ("startup", "/applications"),
    "applications as the manager": ("manager", "/applications?call_id={call}"),
    "the manager's desk": ("manager", "/applications?programme_id={programme}&needs_action=true"
                           "&stage=pre_incubation&field=hitech_agriculture&q=irrigation"),
    "an application's history": ("manager", "/applications/{first}/history"),
    "calls": ("startup", "/calls"),
    "programmes": ("startup", "/programmes"),
}


def counted(get, path: str) -> int:
    """The statements one request issues, in a new session as in production."""
    db.session.remove()
    with statements() as seen:
        response = get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(seen)


@pytest.mark.parametrize("name", PAGES)
def test_a_list_page_issues_as_many_statements_for_3_as_for_30_applications(
        name, world, client, login):
    who, template = PAGES[name]
    call, startup, manager, first = world(3)
    login({"startup": startup, "manager": manager}[who])
    path = template.format(call=call.id, first=first, programme=call.programme_id)
    small = counted(client.get, path)
    world(27)
    assert counted(client.get, path) == small, name


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_list_endpoint_issues_as_many_statements_for_3_as_for_30_applications(
        name, world, api):
    who, template = ENDPOINTS[name]
    call, startup, manager, first = world(3)
    client = api({"startup": startup, "manager": manager}[who])
    path = template.format(call=call.id, first=first, programme=call.programme_id)
    small = counted(client.get, path)
    world(27)
    assert counted(client.get, path) == small, name


def test_an_action_issues_six_statements(world):
    """The row locked with the actor's roles, its UPDATE, the state counts' upsert, the audit
    head's lock, the event (whose trigger moves the head), and one INSERT … SELECT of the
    mails."""
    call, startup, manager, first = world(1)
    db.session.remove()

    with statements() as seen:
        applications.act(manager, first, "declare_ineligible", {"version": 2, "reason": "Old"})

    assert [" ".join(s.split()[:3]).upper() for s in seen] == [
        "SELECT APPLICATION.ID, APPLICATION.PROJECT_ID,", "UPDATE APPLICATION SET",
        "INSERT INTO STATE_COUNT", "SELECT AUDIT_HEAD.SEQ, AUDIT_HEAD.HASH",
        "INSERT INTO AUDIT_EVENT", "INSERT INTO NOTIFICATION"], seen


def test_the_maintained_state_counts_equal_a_count_of_the_rows(
        world, create_application, create_user):
    from sqlalchemy import func, select

    from grants import demo
    from grants.models import Application
    from grants.operations import calls, counts

    call, startup, manager, first = world(4)
    ids = [first + n for n in range(4)]
    applications.act(manager, ids[0], "declare_ineligible", {"version": 2, "reason": "Old"})
    applications.act(manager, ids[1], "return_for_changes", {
        "version": 2, "reason": "More", "revision_deadline": "2099-01-01T00:00"})
    applications.act(startup, ids[1], "resubmit", {"version": 3})
    applications.act(startup, ids[2], "withdraw", {"version": 2})
    draft = create_application(startup, call)
    applications.act(startup, draft.id, "withdraw", {"version": 1})  # never submitted
    assert calls.state_counts([call.id])[call.id] == {
        "ineligible": 1, "submitted": 2, "withdrawn": 1}
    demo.seed()
    demo.bulk_applications(7)

    reviewed = create_application(startup, call)
    reviewed.state, reviewed.submitted_at = "reviewed", reviewed.created_at
    db.session.commit()
    counts.move(None, ((calls.SCOPE, call.id), "reviewed"))  # (set by hand above)
    applications.act(manager, reviewed.id, "approve", {"version": 1, "amount": 12_000_000})

    counted = db.session.execute(
        select(Application.call_id, Application.state, func.count(),
               func.coalesce(func.sum(Application.awarded_amount), 0))
        .where(Application.submitted_at.is_not(None))
        .group_by(Application.call_id, Application.state)).all()
    expected, sums = {}, {}
    for call_id, state, n, amount in counted:
        expected.setdefault(call_id, {})[state] = n
        sums.setdefault(call_id, {})
        if amount:
            sums[call_id][state] = amount
    assert calls.state_counts(list(expected)) == expected
    # the awards' sums kept beside the counts (what the ledger reads) equal the rows' sums
    assert counts.amounts(calls.SCOPE, list(sums)) == sums
    assert sums[call.id] == {"approved": 12_000_000}


@pytest.fixture
def papers(create_user, create_call, create_organization, create_application):
    """grow(n) uploads n documents (each kind replaced as it goes) to one startup's draft;
    returns the startup and the application's id."""
    import io

    from grants.operations import documents

    call = create_call(required_documents=["business_plan", "budget"])
    startup = create_user("applicant")
    application = create_application(startup, call)
    kinds = ["business_plan", "budget", "other"]

    def grow(n: int):
        for i in range(n):
            upload = type("Upload", (), {"filename": f"{i}.pdf",
                                         "stream": io.BytesIO(b"%PDF-1.7\n%%EOF\n")})()
            documents.upload(startup, application.id, kinds[i % 3], upload)
        return startup, application.id

    return grow


@pytest.fixture
def team_of(create_user, create_organization):
    """grow(n) adds n members (each with a role grant) to one startup; returns the owner and
    the startup."""
    from grants.models import Membership

    owner = create_user("applicant")
    organization = create_organization(owner)

    def grow(n: int):
        for _ in range(n):
            user = create_user("applicant")
            db.session.add(Membership(organization_id=organization.id, user_id=user.id))
        db.session.commit()
        return owner, organization

    return grow


DOCUMENT_LISTS = {
    "documents page": lambda client, login, api, startup, application_id: (
        login(startup).get, f"/applications/{application_id}/documents"),
    "documents endpoint": lambda client, login, api, startup, application_id: (
        api(startup).get, f"/applications/{application_id}/documents"),
}


@pytest.mark.parametrize("name", DOCUMENT_LISTS)
def test_a_documents_list_issues_as_many_statements_for_3_as_for_30_documents(
        name, papers, client, login, api):
    startup, application_id = papers(3)
    get, path = DOCUMENT_LISTS[name](client, login, api, startup, application_id)
    small = counted(get, path)
    papers(27)
    assert counted(get, path) == small, name
def test_the_public_list_of_open_calls_issues_as_many_statements_for_3_as_for_30_calls(
        client, create_call):
    for _ in range(3):
        create_call()
    small = counted(client.get, "/calls")
    for _ in range(27):
        create_call()
    assert counted(client.get, "/calls") == small


def test_the_programmes_page_issues_as_many_statements_for_3_as_for_30_programmes(
        client, login, create_user, create_programme):
    from grants.models import ProgrammeTarget

    def grow(n: int) -> None:
        for _ in range(n):
            programme = create_programme()
            db.session.add_all([ProgrammeTarget(programme_id=programme.id, stage=stage,
                                                year=2025, projects=10)
                                for stage in ("pre_incubation", "incubation")])
            db.session.commit()

    login(create_user("admin"))
    grow(3)
    small = counted(client.get, "/programmes")
    grow(27)
    assert counted(client.get, "/programmes") == small


def test_the_users_page_issues_as_many_statements_for_3_as_for_30_users(
        team_of, client, login, create_user):
    login(create_user("admin"))
    team_of(3)
    small = counted(client.get, "/admin/users")
    team_of(27)
    assert counted(client.get, "/admin/users") == small
    assert counted(client.get, "/admin/users?q=applicant") == small


def test_the_team_page_and_endpoint_issue_as_many_statements_for_3_as_for_30_members(
        team_of, client, login, api):
    owner, organization = team_of(3)
    login(owner)
    token_client = api(owner)
    page = f"/organizations/{organization.id}"
    endpoint = f"/organizations/{organization.id}/members"
    small = counted(client.get, page), counted(token_client.get, endpoint)
    team_of(27)
    assert (counted(client.get, page), counted(token_client.get, endpoint)) == small


def test_the_shared_review_comments_cost_as_many_statements_for_2_as_for_6_reviews(
        create_call, manager_of, submitted_application, reviewers_of, login, client, api):
    from grants.models import User
    from grants.operations import reviews

    def decided_with(n: int):
        call = create_call(share_review_comments=True)
        manager, application = manager_of(call), submitted_application(call)
        for reviewer in reviewers_of(call, n):
            assignment = reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
            reviews.declare(reviewer, assignment.id, {"conflict": False})
            reviews.save_review(reviewer, assignment.id, {
                "scores": {"innovation": 5, "market": 5}, "comment": f"Comment {reviewer.id}",
                "recommendation": "no", "submit": True})
        for version, action in enumerate(("start_review", "close_review", "reject"), 2):
            applications.act(manager, application.id, action,
                             {"version": version, "reason": "Not this round"})
        return db.session.get(User, application.created_by_id), application.id

    def costs(n: int) -> tuple[int, int]:
        startup, application_id = decided_with(n)
        login(startup)
        return (counted(client.get, f"/applications/{application_id}"),
                counted(api(startup).get, f"/applications/{application_id}/review-comments"))

    assert costs(2) == costs(6)


def test_the_ledger_and_the_tranches_cost_as_many_statements_for_1_as_for_4_funded_projects(
        create_programme, create_call, create_user, create_application, manager_of, login,
        client, api):
    from datetime import date, timedelta

    from grants.models import utcnow
    from grants.operations import funding

    programme = create_programme()
    manager = create_user("manager", programme)
    due = (date.today() + timedelta(days=30)).isoformat()

    def fund(n: int) -> int:
        """n more calls, each with a signed agreement of three tranches; the last one's id"""
        for _ in range(n):
            call = create_call(programme, budget=100_000_000)
            application = create_application(create_user("applicant"), call)
            application.state, application.submitted_at = "reviewed", utcnow()
            db.session.commit()
            applications.act(manager, application.id, "approve",
                             {"version": 1, "amount": 30_000_000})
            funding.set_agreement(manager, application.id, {"amount": 30_000_000, "tranches": [
                {"milestone": f"Milestone {i}", "amount": 10_000_000, "due_on": due}
                for i in range(3)]})
            applications.act(manager, application.id, "sign_agreement", {"version": 3})
        return application.id

    login(manager)
    token = api(manager)

    def costs(application_id: int) -> tuple[int, ...]:
        return (counted(client.get, f"/programmes/{programme.id}/ledger"),
                counted(token.get, f"/programmes/{programme.id}/ledger"),
                counted(token.get, f"/applications/{application_id}/tranches"),
                counted(client.get, f"/applications/{application_id}"))

    assert costs(fund(1)) == costs(fund(3))


def test_the_activities_pages_and_endpoints_cost_as_many_statements_for_3_as_for_12_projects(
        create_call, create_user, create_organization, create_application, manager_of, login,
        client, api):
    """The upcoming list, an activity's page with its registrations (manager and startup),
    the figures, the showcase, and their endpoints."""
    from activity_world import activity_body, fund

    from grants.operations import activities

    call = create_call()
    manager = manager_of(call)
    programme_id = call.programme_id
    first = activities.create_activity(manager, programme_id, activity_body(capacity=100))
    owner = create_user("applicant")
    organization = create_organization(owner)

    def grow(n: int) -> None:
        """n more activities, and n more funded projects on the showcase registered for the
        first activity, with attendance recorded"""
        for i in range(n):
            activities.create_activity(manager, programme_id, activity_body(title=f"A{i}"))
            user = create_user("applicant")
            application = fund(create_application(user, call, create_organization(user)))
            activities.set_showcase(user, application.project_id,
                                    {"showcase": True, "description": "Mô tả"})
            registration = activities.register(user, first.id,
                                               {"project_id": application.project_id})
            activities.record_attendance(manager, first.id, registration.id,
                                         {"attended": True, "outcome": "lead"})
        mine = fund(create_application(owner, call, organization))  # the startup's own
        assert mine.project_id

    login(manager)
    manager_api, startup_api = api(manager), api(owner)
    paths = [(client.get, "/activities"), (client.get, f"/activities/{first.id}"),
             (client.get, f"/programmes/{programme_id}/activities/figures"),
             (client.get, "/showcase"),
             (manager_api.get, f"/programmes/{programme_id}/activities"),
             (manager_api.get, f"/activities/{first.id}/registrations"),
             (startup_api.get, f"/activities/{first.id}/registrations"),
             (client.get, "/api/v1/showcase")]

    def costs() -> list[int]:
        return [counted(get, path) for get, path in paths]

    grow(3)
    small = costs()
    client.post("/logout")
    login(owner)
    startup_page = counted(client.get, f"/activities/{first.id}")
    client.post("/logout")
    login(manager)
    grow(9)
    assert costs() == small
    client.post("/logout")
    login(owner)
    assert counted(client.get, f"/activities/{first.id}") == startup_page


def test_the_mentors_pages_and_endpoints_cost_as_many_statements_for_3_as_for_12_mentors(
        create_call, create_user, create_organization, create_application, manager_of, login,
        client, api):
    """The network, the matches, a match's page with its sessions, and the project's page
    with its activities, mentors and sessions, for the manager, the mentor and the startup."""
    from activity_world import activity_body, fund

    from grants.operations import activities, mentors

    call = create_call()
    manager = manager_of(call)
    owner = create_user("applicant")
    project = fund(create_application(owner, call, create_organization(owner))).project
    profile = {"expertise": ["fintech"], "languages": ["vi"], "availability": "Thứ Ba"}
    first_mentor = create_user("mentor", call.programme)
    first = mentors.match(manager, project.id, {"mentor_id": first_mentor.id})
    mentors.declare(first_mentor, first.id, {"conflict": False})
    today = utcnow().astimezone(LOCAL).date().isoformat()

    def grow(n: int) -> None:
        """n more mentors with profiles matched to the project, each with a session; n more
        sessions of the first; n more activities the project attended"""
        for i in range(n):
            mentor = create_user("mentor", call.programme)
            mentors.save_profile(mentor, profile)
            match = mentors.match(manager, project.id, {"mentor_id": mentor.id})
            mentors.declare(mentor, match.id, {"conflict": False})
            mentors.log_session(mentor, match.id, {"held_on": today, "topic": f"T{i}",
                                                   "notes": "Ghi chú"})
            mentors.log_session(first_mentor, first.id, {"held_on": today, "topic": f"F{i}",
                                                         "notes": "Ghi chú"})
            activity = activities.create_activity(manager, call.programme_id,
                                                  activity_body(title=f"A{i}"))
            registration = activities.register(owner, activity.id, {"project_id": project.id})
            activities.record_attendance(manager, activity.id, registration.id,
                                         {"attended": True, "outcome": "lead"})

    readers = {"manager": manager, "mentor": first_mentor, "startup": owner}
    pages = {"manager": ["/mentors", "/mentorships", f"/mentorships/{first.id}",
                         f"/projects/{project.id}"],
             "mentor": ["/mentorships", f"/mentorships/{first.id}", f"/projects/{project.id}"],
             "startup": ["/mentorships", f"/mentorships/{first.id}", f"/projects/{project.id}"]}
    endpoints = {"manager": ["/mentors", "/mentorships", f"/projects/{project.id}"],
                 "mentor": [f"/mentorships/{first.id}/sessions", f"/projects/{project.id}"],
                 "startup": [f"/mentorships/{first.id}/sessions", f"/projects/{project.id}"]}
    clients = {who: api(user) for who, user in readers.items()}

    def costs() -> dict[str, list[int]]:
        found = {}
        for who, user in readers.items():
            login(user)
            found[who] = [counted(client.get, path) for path in pages[who]] + [
                counted(clients[who].get, path) for path in endpoints[who]]
            client.post("/logout")
        return found

    grow(3)
    small = costs()
    grow(9)
    assert costs() == small


def test_the_auditors_desk_costs_as_many_statements_for_3_as_for_12_applications(
        create_call, create_user, submitted_application, login, client, api):
    """The log (whole and filtered), an application's timeline, the verification and their
    endpoints."""
    call = create_call()
    auditor = create_user("auditor")
    first = submitted_application(call)

    def grow(n: int) -> None:
        for _ in range(n):
            submitted_application(call)

    paths = [(client.get, "/audit"), (client.get, "/audit?entity_type=application&action=submit"),
             (client.get, f"/audit/applications/{first.id}"), (client.get, "/audit/verify"),
             (api(auditor).get, "/audit/events"),
             (api(auditor).get, "/audit/events?actor_id=1&state=submitted")]
    login(auditor)

    def costs() -> list[int]:
        return [counted(get, path) for get, path in paths]

    grow(3)
    small = costs()
    grow(9)
    assert costs() == small


def test_the_kpis_and_the_annual_report_cost_as_many_statements_for_3_as_for_12_applications(
        create_call, create_user, submitted_application, manager_of, login, client, api):
    """The KPI page, the programme's answer with its progress, and the report's downloads."""
    call = create_call()
    manager = manager_of(call)

    def grow(n: int) -> None:
        for _ in range(n):
            submitted_application(call)

    programme = call.programme_id
    paths = [(client.get, f"/programmes/{programme}/kpis"),
             (client.get, f"/programmes/{programme}/report.csv?year=2026"),
             (client.get, f"/programmes/{programme}/report.xlsx?year=2026"),
             (api(manager).get, f"/programmes/{programme}")]
    login(manager)

    def costs() -> list[int]:
        return [counted(get, path) for get, path in paths]

    grow(3)
    small = costs()
    grow(9)
    assert costs() == small
