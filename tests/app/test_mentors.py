"""Mentors and experts: the network of profiles, a manager's match of a mentor to a funded
project, the mentor's declaration of conflict of interest (the reviewers' rule), the sessions
the mentor logs for the startup, and who may see and do what."""

from datetime import timedelta

import pytest
from activity_world import fund
from sqlalchemy import select

from grants import outbox
from grants.extensions import db
from grants.models import (
    Application,
    AuditEvent,
    MentoringSession,
    Mentorship,
    Notification,
    utcnow,
)
from grants.operations import Forbidden, Invalid, NotFound, applications, mentors, projects
from grants.operations.core import LOCAL

EN = {"Accept-Language": "en"}
PROFILE = {"expertise": ["hitech_agriculture", "fintech"], "languages": ["vi", "en"],
           "availability": "Hai giờ mỗi tuần, tối thứ Ba", "bio": "Kỹ sư nông nghiệp"}


def today() -> str:
    return utcnow().astimezone(LOCAL).date().isoformat()


def session_body(**overrides) -> dict:
    return {"held_on": today(), "topic": "Định giá sản phẩm",
            "notes": "Thử gói thuê bao theo mùa vụ"} | overrides


def events(entity_type: str, entity_id: int) -> list[tuple[str, int | None, str]]:
    return list(db.session.execute(
        select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.actor_role)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.seq)).all())


def mails(message: str) -> list[str]:
    return sorted(db.session.scalars(
        select(Notification.recipient_email).where(Notification.message == message)))


@pytest.fixture
def world(create_user, create_call, create_organization, create_application, manager_of):
    """A programme with a call and its manager, a mentor of the programme with a profile, and
    startup() -> (user, organization, project) funded in it."""
    call = create_call()

    class World:
        programme = call.programme
        manager = manager_of(call)
        mentor = create_user("mentor", call.programme)

        def __init__(self):
            self.call = call
            mentors.save_profile(self.mentor, PROFILE)

        def startup(self, funded: bool = True, organization=None, user=None):
            user = user or create_user("applicant")
            organization = organization or create_organization(user)
            application = create_application(user, call, organization)
            if funded:
                fund(application)
            return user, organization, application.project

        def matched(self, project, mentor=None) -> Mentorship:
            return mentors.match(self.manager, project.id,
                                 {"mentor_id": (mentor or self.mentor).id})

        def cleared(self, project) -> Mentorship:
            mentorship = self.matched(project)
            return mentors.declare(self.mentor, mentorship.id, {"conflict": False})

    return World()


# --- the whole story -------------------------------------------------------------------------


def test_a_matched_mentor_declares_no_conflict_logs_a_session_and_the_startup_reads_it(
        world, api, contract):
    startup, _organization, project = world.startup()
    manager, mentor, owner = api(world.manager), api(world.mentor), api(startup)

    network = manager.get("/mentors?field=hitech_agriculture&language=en")
    contract.check(network)
    assert [(m["name"], m["expertise"], m["languages"], m["active_matches"])
            for m in network.json["items"]] == [
        (world.mentor.name, ["fintech", "hitech_agriculture"], ["vi", "en"], 0)]

    matched = manager.post(f"/projects/{project.id}/mentors",
                           json={"mentor_id": world.mentor.id})
    contract.check(matched)
    assert matched.status_code == 201, matched.json
    mentorship_id = matched.json["id"]
    assert matched.json["declaration"] == "none"
    assert matched.json["organization"] == project.organization.name
    assert mails("mentor_matched") == [world.mentor.email]
    # before declaring, the mentor sees the match (to decide) but not the project
    assert mentor.get(f"/mentorships/{mentorship_id}").status_code == 200
    assert mentor.get(f"/projects/{project.id}").status_code == 404
    # nor does the startup see a match its mentor has not accepted
    assert owner.get(f"/mentorships/{mentorship_id}").status_code == 404

    declared = mentor.post(f"/mentorships/{mentorship_id}/declaration",
                           json={"conflict": False})
    contract.check(declared)
    assert declared.json["declaration"] == "no_conflict"
    path = mentor.get(f"/projects/{project.id}")
    contract.check(path)
    assert path.status_code == 200
    assert [step["stage"] for step in path.json["steps"]] == ["pre_incubation"]
    assert path.json["mentors"][0]["mentor_id"] == world.mentor.id

    logged = mentor.post(f"/mentorships/{mentorship_id}/sessions", json=session_body())
    contract.check(logged)
    assert logged.status_code == 201, logged.json
    assert mails("mentoring_session_logged") == [startup.email]

    read = owner.get(f"/mentorships/{mentorship_id}/sessions")
    contract.check(read)
    assert [(s["topic"], s["notes"], s["held_on"]) for s in read.json["items"]] == [
        ("Định giá sản phẩm", "Thử gói thuê bao theo mùa vụ", today())]
    on_project = owner.get(f"/projects/{project.id}").json["mentors"]
    assert [(m["mentor_name"], [s["notes"] for s in m["sessions"]]) for m in on_project] == [
        (world.mentor.name, ["Thử gói thuê bao theo mùa vụ"])]
    assert manager.get(f"/mentorships/{mentorship_id}/sessions").json["items"][0]["topic"] \
        == "Định giá sản phẩm"

    assert events("mentorship", mentorship_id) == [
        ("match", world.manager.id, "manager"),
        ("declare_no_conflict", world.mentor.id, "mentor")]
    assert events("mentoring_session", logged.json["id"]) == [
        ("log_session", world.mentor.id, "mentor")]
    assert events("mentor_profile", world.mentor.id) == [
        ("update_profile", world.mentor.id, "mentor")]


def test_the_mentors_mails_name_the_project_in_vietnamese_and_english(world):
    _startup, _organization, project = world.startup()
    mentorship = world.cleared(project)
    mentors.log_session(world.mentor, mentorship.id, session_body())
    for message in ("mentor_matched", "mentoring_session_logged"):
        context = db.session.scalar(select(Notification.context)
                                    .where(Notification.message == message))
        vi, en = (outbox.render(message, locale, context) for locale in ("vi", "en"))
        for mail in (vi, en):
            assert project.title in mail.text and project.title in mail.html
            assert f"/mentorships/{mentorship.id}" in mail.text
        assert vi.subject != en.subject and vi.text != en.text


# --- who sees what ---------------------------------------------------------------------------


def test_a_mentor_cannot_see_a_project_they_are_not_matched_to(world, api, login, client):
    _startup, _organization, project = world.startup()
    assert api(world.mentor).get(f"/projects/{project.id}").status_code == 404
    login(world.mentor)
    assert client.get(f"/projects/{project.id}").status_code == 404
    with pytest.raises(NotFound):
        projects.path(world.mentor, project.id)


def test_a_mentor_who_declared_a_conflict_sees_the_project_no_more_and_logs_nothing(
        world, api):
    startup, organization, project = world.startup()
    mentorship = world.matched(project)
    mentor = api(world.mentor)
    recused = mentor.post(f"/mentorships/{mentorship.id}/declaration",
                          json={"conflict": True, "reason": "Tôi là cổ đông"})
    assert recused.json["declaration"] == "recused"
    assert mentor.get(f"/projects/{project.id}").status_code == 404
    logged = mentor.post(f"/mentorships/{mentorship.id}/sessions", json=session_body())
    assert logged.status_code == 409
    again = mentor.post(f"/mentorships/{mentorship.id}/declaration", json={"conflict": False})
    assert again.status_code == 409  # a recusal stays
    assert api(startup).get("/mentorships").json["items"] == []
    # the conflict is with the organization: its other projects are refused too
    _user, _org, other = world.startup(organization=organization, user=startup)
    refused = api(world.manager).post(f"/projects/{other.id}/mentors",
                                      json={"mentor_id": world.mentor.id}, headers=EN)
    assert refused.status_code == 409
    assert "declared a conflict of interest" in refused.json["detail"]
    assert events("mentorship", mentorship.id)[-1] == ("recuse", world.mentor.id, "mentor")


def test_another_startup_reads_neither_the_match_nor_its_sessions(world, api, login, client):
    _startup, _organization, project = world.startup()
    mentorship = world.cleared(project)
    mentors.log_session(world.mentor, mentorship.id, session_body())
    stranger, _org, _project = world.startup()
    other = api(stranger)
    assert other.get(f"/mentorships/{mentorship.id}").status_code == 404
    assert other.get(f"/mentorships/{mentorship.id}/sessions").status_code == 404
    assert other.get(f"/projects/{project.id}").status_code == 404
    assert other.get("/mentorships").json["items"] == []
    login(stranger)
    assert client.get(f"/mentorships/{mentorship.id}").status_code == 404


def test_a_second_mentor_reads_only_their_own_sessions(world, api, create_user):
    _startup, _organization, project = world.startup()
    first = world.cleared(project)
    mentors.log_session(world.mentor, first.id, session_body(topic="Riêng"))
    second_mentor = create_user("mentor", world.programme)
    second = world.matched(project, second_mentor)
    mentors.declare(second_mentor, second.id, {"conflict": False})
    assert api(second_mentor).get(f"/mentorships/{first.id}/sessions").status_code == 404
    seen = api(second_mentor).get(f"/projects/{project.id}").json["mentors"]
    assert [m["mentor_id"] for m in seen] == [second_mentor.id]


def test_an_ended_match_closes_the_project_to_the_mentor_and_keeps_the_sessions(world, api):
    startup, _organization, project = world.startup()
    mentorship = world.cleared(project)
    mentors.log_session(world.mentor, mentorship.id, session_body())
    ended = api(world.manager).post(f"/mentorships/{mentorship.id}/end",
                                    json={"reason": "Dự án đã hoàn thành"})
    assert ended.status_code == 200 and ended.json["ended_at"]
    mentor = api(world.mentor)
    assert mentor.get(f"/projects/{project.id}").status_code == 404
    assert mentor.post(f"/mentorships/{mentorship.id}/sessions",
                       json=session_body()).status_code == 409
    assert len(api(startup).get(f"/mentorships/{mentorship.id}/sessions").json["items"]) == 1
    assert api(world.manager).post(f"/mentorships/{mentorship.id}/end",
                                   json={"reason": "again"}).status_code == 409
    # matched again later: the same row comes back, its sessions with it
    again = world.matched(project)
    assert again.id == mentorship.id and again.active and again.unlocked


# --- who may do what -------------------------------------------------------------------------


def test_only_a_manager_of_a_programme_that_funded_the_project_matches_a_mentor(
        world, api, create_user, create_call, manager_of):
    startup, _organization, project = world.startup()
    body = {"mentor_id": world.mentor.id}
    for refused in (startup, create_user("reviewer", world.programme),
                    create_user("auditor", world.programme), world.mentor):
        assert api(refused).post(f"/projects/{project.id}/mentors", json=body).status_code \
            == 403, refused.email
    elsewhere = manager_of(create_call())  # cannot see the project: not found
    assert api(elsewhere).post(f"/projects/{project.id}/mentors", json=body).status_code == 404
    user, _org, unfunded = world.startup(funded=False)  # a draft: the manager cannot see it
    assert api(world.manager).post(f"/projects/{unfunded.id}/mentors",
                                   json=body).status_code == 404
    draft = db.session.scalar(select(Application).where(Application.project_id == unfunded.id))
    applications.act(user, draft.id, "submit", {"version": 1})  # seen now, not funded
    answer = api(world.manager).post(f"/projects/{unfunded.id}/mentors", json=body,
                                     headers=EN)
    assert answer.status_code == 409
    assert "not funded in a programme you manage" in answer.json["detail"]
    assert api(world.manager).post("/projects/999999/mentors", json=body).status_code == 404
    assert db.session.scalar(select(Mentorship.id)) is None


def test_a_match_needs_a_mentor_of_the_programme_and_only_once(world, api, create_user,
                                                                create_programme):
    _startup, _organization, project = world.startup()
    manager = api(world.manager)
    not_mentor = create_user("reviewer", world.programme)
    other_programme_mentor = create_user("mentor", create_programme())
    for mentor_id in (not_mentor.id, other_programme_mentor.id, 999999):
        answer = manager.post(f"/projects/{project.id}/mentors", json={"mentor_id": mentor_id},
                              headers=EN)
        assert answer.status_code == 422, mentor_id
        assert answer.json["errors"]["mentor_id"] == "Not a mentor of this programme."
    assert manager.post(f"/projects/{project.id}/mentors",
                        json={"mentor_id": world.mentor.id}).status_code == 201
    twice = manager.post(f"/projects/{project.id}/mentors", json={"mentor_id": world.mentor.id})
    assert twice.status_code == 409


def test_only_the_mentor_matched_declares_and_logs(world, api, create_user):
    startup, _organization, project = world.startup()
    mentorship = world.matched(project)
    manager = api(world.manager)
    assert manager.post(f"/mentorships/{mentorship.id}/declaration",
                        json={"conflict": False}).status_code == 403
    stranger = create_user("mentor", world.programme)
    assert api(stranger).post(f"/mentorships/{mentorship.id}/declaration",
                              json={"conflict": False}).status_code == 404
    mentors.declare(world.mentor, mentorship.id, {"conflict": False})
    for refused, status in ((world.manager, 403), (startup, 403), (stranger, 404)):
        assert api(refused).post(f"/mentorships/{mentorship.id}/sessions",
                                 json=session_body()).status_code == status, refused.email
    assert api(startup).post(f"/mentorships/{mentorship.id}/end",
                             json={"reason": "x"}).status_code == 403
    assert db.session.scalar(select(MentoringSession.id)) is None


def test_the_network_is_read_by_staff_and_a_profile_written_by_its_mentor(
        world, api, create_user):
    startup, _organization, _project = world.startup()
    assert api(startup).get("/mentors").status_code == 403
    assert api(world.mentor).get("/mentors").status_code == 403
    assert api(startup).put("/mentors/me", json=PROFILE).status_code == 403
    auditor = create_user("auditor", world.programme)
    assert [m["id"] for m in api(auditor).get("/mentors").json["items"]] == [world.mentor.id]
    assert api(world.manager).get("/mentors?field=cybersecurity").json["items"] == []
    assert api(world.manager).get("/mentors?language=ja").json["items"] == []
    written = api(world.mentor).put("/mentors/me", json=PROFILE | {"languages": ["ja"]})
    assert written.status_code == 200 and written.json["languages"] == ["ja"]
    assert [m["id"] for m in api(world.manager).get("/mentors?language=ja").json["items"]] \
        == [world.mentor.id]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("body, field", [
    ({}, "conflict"),
    ({"conflict": True}, "reason"),
    ({"conflict": True, "reason": "   "}, "reason"),
    ({"conflict": "maybe"}, "conflict"),
])
def test_a_declaration_without_its_answer_or_reason_is_refused_clearly(world, api, body,
                                                                         field):
    _startup, _organization, project = world.startup()
    mentorship = world.matched(project)
    answer = api(world.mentor).post(f"/mentorships/{mentorship.id}/declaration", json=body)
    assert answer.status_code == 422
    assert field in answer.json["errors"]
    assert db.session.get(Mentorship, mentorship.id).declaration == "none"


def test_a_session_in_the_future_before_the_match_or_without_topic_is_refused(world, api):
    _startup, _organization, project = world.startup()
    mentorship = world.cleared(project)
    mentor = api(world.mentor)
    tomorrow = (utcnow().astimezone(LOCAL).date() + timedelta(days=1)).isoformat()
    before = (utcnow().astimezone(LOCAL).date() - timedelta(days=3)).isoformat()
    for body, field, message in (
            (session_body(held_on=tomorrow), "held_on", "not in the future"),
            (session_body(held_on=before), "held_on", "cannot be earlier"),
            (session_body(held_on="27/11/2026"), "held_on", None),
            (session_body(topic=""), "topic", None),
            (session_body(notes="x" * 10_001), "notes", None)):
        answer = mentor.post(f"/mentorships/{mentorship.id}/sessions", json=body, headers=EN)
        assert answer.status_code == 422, body
        assert field in answer.json["errors"], answer.json
        if message:
            assert message in answer.json["errors"][field]
    assert db.session.scalar(select(MentoringSession.id)) is None


def test_a_profile_with_unknown_fields_or_languages_is_refused(world):
    with pytest.raises(Invalid) as refused:
        mentors.save_profile(world.mentor, PROFILE | {"expertise": ["astrology"],
                                                     "languages": []})
    assert set(refused.value.errors) == {"expertise", "languages"}
    with pytest.raises(Forbidden):
        mentors.save_profile(world.manager, PROFILE)


# --- the pages -------------------------------------------------------------------------------


def test_the_pages_match_declare_log_and_show_the_session_to_the_startup(
        world, login, client):
    startup, _organization, project = world.startup()
    login(world.manager)
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200 and 'id="match-form"' in page.text
    assert world.mentor.name in page.text
    answer = client.post(f"/projects/{project.id}/mentors",
                         data={"mentor_id": str(world.mentor.id)})
    assert answer.status_code == 302
    mentorship = db.session.scalar(select(Mentorship))
    assert client.get("/mentors").status_code == 200
    client.post("/logout")

    login(world.mentor)
    page = client.get(f"/mentorships/{mentorship.id}")
    assert 'id="declaration"' in page.text and project.organization.name in page.text
    assert project.summary not in page.text  # not before declaring
    assert client.post(f"/mentorships/{mentorship.id}/declaration",
                       data={"conflict": "no"}).status_code == 302
    page = client.get(f"/mentorships/{mentorship.id}")
    assert project.summary in page.text and 'id="session-form"' in page.text
    refused = client.post(f"/mentorships/{mentorship.id}/sessions",
                          data={"held_on": today(), "topic": "", "notes": "Ghi chú giữ lại"})
    assert refused.status_code == 422 and "Ghi chú giữ lại" in refused.text  # kept
    assert client.post(f"/mentorships/{mentorship.id}/sessions",
                       data=session_body()).status_code == 302
    assert client.get("/mentorships").status_code == 200
    assert client.get("/mentors/me").status_code == 200
    client.post("/logout")

    login(startup)
    page = client.get(f"/projects/{project.id}")
    assert "Thử gói thuê bao theo mùa vụ" in page.text
    assert 'id="match-form"' not in page.text
    assert client.get("/mentors").status_code == 403
    assert client.get("/mentors/me").status_code == 403


def test_the_projects_page_shows_its_activities_with_attendance_beside_its_mentors(
        world, api, login, client, contract):
    from activity_world import activity_body

    from grants.operations import activities

    startup, _organization, project = world.startup()
    activity = activities.create_activity(world.manager, world.programme.id,
                                          activity_body(title="Kết nối nhà đầu tư"))
    registration = activities.register(startup, activity.id, {"project_id": project.id})
    activities.record_attendance(world.manager, activity.id, registration.id, {
        "attended": True, "outcome": "investor_meeting", "outcome_note": "Quỹ ABC"})
    world.cleared(project)
    answer = api(startup).get(f"/projects/{project.id}")
    contract.check(answer)
    assert [(a["title"], a["attended"], a["outcome"], a["outcome_note"])
            for a in answer.json["activities"]] == [
        ("Kết nối nhà đầu tư", True, "investor_meeting", "Quỹ ABC")]
    assert [m["mentor_name"] for m in answer.json["mentors"]] == [world.mentor.name]
    # the mentor reads the path and the mentors, not the startup's registrations
    assert api(world.mentor).get(f"/projects/{project.id}").json["activities"] == []
    login(startup)
    page = client.get(f"/projects/{project.id}")
    assert "Kết nối nhà đầu tư" in page.text and "Quỹ ABC" in page.text
