"""Support activities: managers create, edit and cancel them; startups register their funded
projects within the capacity and before the deadline; managers record attendance and
outcomes; mails go through the outbox; the figures add up."""

import threading
from datetime import timedelta

import pytest
from activity_world import activity_body, fund
from sqlalchemy import func, select

from grants import outbox
from grants.extensions import db
from grants.models import (
    Activity,
    ActivityRegistration,
    AuditEvent,
    Membership,
    Notification,
    User,
    utcnow,
)
from grants.operations import OperationError, activities

THREADS = 20
EN = {"Accept-Language": "en"}


def mails(message: str) -> list[tuple[str, int | None]]:
    return sorted(db.session.execute(
        select(Notification.recipient_email, Notification.entity_id)
        .where(Notification.message == message)).all())


@pytest.fixture
def world(create_user, create_call, create_organization, create_application, manager_of):
    """A programme with a pre-incubation call, its manager, and startups(n) -> n startups,
    each with one funded project: [(user, organization, project)]."""
    call = create_call()
    manager = manager_of(call)

    class World:
        programme = call.programme

        def __init__(self):
            self.call, self.manager = call, manager

        def startup(self, funded: bool = True, stage_call=None, email=None):
            user = create_user("applicant", **({"email": email} if email else {}))
            organization = create_organization(user)
            application = create_application(user, stage_call or call, organization)
            if funded:
                fund(application)
            return user, organization, application.project

        def activity(self, **overrides) -> Activity:
            return activities.create_activity(manager, call.programme_id,
                                              activity_body(**overrides))

    return World()


def test_a_manager_creates_an_activity_and_a_startup_registers_its_funded_project(
        world, api):
    startup, _organization, project = world.startup()
    created = api(world.manager).post(f"/programmes/{world.programme.id}/activities",
                                      json=activity_body(capacity=3))
    assert created.status_code == 201, created.text
    activity = created.json
    assert activity["places_left"] == 3 and activity["stages"] == ["pre_incubation"]

    registered = api(startup).post(f"/activities/{activity['id']}/registrations",
                                   json={"project_id": project.id})
    assert registered.status_code == 201, registered.text
    assert registered.json["project_title"] == project.title
    assert registered.json["attended"] is None
    assert api(startup).get(f"/activities/{activity['id']}").json["places_left"] == 2
    assert mails("activity_registered") == [(startup.email, registered.json["id"])]
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "activity_registration")).one()
    assert (event.action, event.parent_type, event.parent_id) == (
        "register", "activity", activity["id"])

    again = api(startup).post(f"/activities/{activity['id']}/registrations",
                              json={"project_id": project.id})
    assert again.status_code == 409


def test_a_startup_cannot_register_another_organizations_project(world, api):
    startup, _org, _project = world.startup()
    _other, _other_org, others_project = world.startup()
    activity = world.activity()
    answer = api(startup).post(f"/activities/{activity.id}/registrations",
                               json={"project_id": others_project.id})
    assert answer.status_code == 404
    assert db.session.scalar(select(func.count(ActivityRegistration.id))) == 0


def test_a_project_not_funded_at_one_of_the_activitys_stages_is_refused_with_the_reason(
        world, api, create_call):
    incubation = create_call(programme=world.programme, stage="incubation")
    startup, _org, project = world.startup()  # funded at pre-incubation
    _unfunded_user, _o, _p = world.startup(funded=False)
    activity = world.activity(stages=["incubation", "acceleration"])
    answer = api(startup).post(f"/activities/{activity.id}/registrations", headers=EN,
                               json={"project_id": project.id})
    assert answer.status_code == 422
    assert "was not funded at a stage this activity is for" in answer.json["detail"]
    assert "project_id" in answer.json["errors"]

    draft_user, _o2, draft_project = world.startup(funded=False, stage_call=incubation)
    answer = api(draft_user).post(f"/activities/{activity.id}/registrations",
                                  json={"project_id": draft_project.id})
    assert answer.status_code == 422  # an application that was not funded does not count


def test_registration_after_the_deadline_is_refused(world, api):
    startup, _org, project = world.startup()
    activity = world.activity()
    activity.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    answer = api(startup).post(f"/activities/{activity.id}/registrations", headers=EN,
                               json={"project_id": project.id})
    assert answer.status_code == 422
    assert "Registration closed" in answer.json["detail"]


def test_a_full_activity_refuses_the_next_project_with_a_clear_conflict(world, api):
    first, _o1, first_project = world.startup()
    second, _o2, second_project = world.startup()
    activity = world.activity(capacity=1)
    assert api(first).post(f"/activities/{activity.id}/registrations",
                           json={"project_id": first_project.id}).status_code == 201
    answer = api(second).post(f"/activities/{activity.id}/registrations", headers=EN,
                              json={"project_id": second_project.id})
    assert answer.status_code == 409
    assert "full" in answer.json["detail"]


def test_capacity_holds_under_twenty_concurrent_registrations(app, world):
    capacity = 5
    startups = [world.startup() for _ in range(THREADS)]
    activity = world.activity(capacity=capacity)
    jobs = [(user.id, project.id) for user, _org, project in startups]
    activity_id = activity.id
    db.session.commit()
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def register(user_id: int, project_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            db.session.commit()
            barrier.wait(timeout=30)
            try:
                activities.register(user, activity_id, {"project_id": project_id})
                result = "ok"
            except OperationError as error:
                result = str(error.status)
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=register, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    registered = db.session.scalar(select(func.count(ActivityRegistration.id)).where(
        ActivityRegistration.activity_id == activity_id))
    assert registered == outcomes.count("ok")
    if db.engine.dialect.name == "postgresql":  # each waits for the activity's lock
        assert sorted(outcomes) == ["409"] * (THREADS - capacity) + ["ok"] * capacity
    else:  # SQLite has one writer: a writer that lost the race is told to retry (409)
        assert outcomes.count("ok") <= capacity and set(outcomes) <= {"ok", "409"}, outcomes
    assert db.session.scalar(select(func.count(AuditEvent.seq)).where(
        AuditEvent.action == "register")) == registered


def test_a_change_of_time_mails_the_registered_and_a_cancellation_tells_them_why(
        world, api):
    startup, _org, project = world.startup()
    _bystander, _o, _p = world.startup()
    activity = world.activity()
    activities.register(startup, activity.id, {"project_id": project.id})
    manager = api(world.manager)

    renamed = manager.patch(f"/activities/{activity.id}", json={"version": 1, "title": "New"})
    assert renamed.status_code == 200 and renamed.json["version"] == 2
    assert mails("activity_changed") == []  # a new title alone is no news
    later = (utcnow() + timedelta(days=11)).isoformat()
    moved = manager.patch(f"/activities/{activity.id}", json={
        "version": 2, "starts_at": later,
        "ends_at": (utcnow() + timedelta(days=11, hours=3)).isoformat()})
    assert moved.status_code == 200, moved.text
    assert mails("activity_changed") == [(startup.email, activity.id)]
    stale = manager.patch(f"/activities/{activity.id}", json={"version": 2, "title": "X"})
    assert stale.status_code == 409

    no_reason = manager.post(f"/activities/{activity.id}/cancel", json={"version": 3})
    assert no_reason.status_code == 422
    cancelled = manager.post(f"/activities/{activity.id}/cancel",
                             json={"version": 3, "reason": "The venue flooded"})
    assert cancelled.status_code == 200 and cancelled.json["cancelled_at"]
    assert mails("activity_cancelled") == [(startup.email, activity.id)]
    mail = db.session.scalars(select(Notification).where(
        Notification.message == "activity_cancelled")).one()
    assert mail.context["reason"] == "The venue flooded"
    assert manager.patch(f"/activities/{activity.id}",
                         json={"version": 4, "title": "Y"}).status_code == 409


def test_the_reminder_the_day_before_mails_each_registered_project_once(
        app, world, create_user):
    startup, organization, project = world.startup()
    teammate = create_user("applicant")
    db.session.add(Membership(organization_id=organization.id, user_id=teammate.id))
    cancelled_user, _o, cancelled_project = world.startup()
    soon = world.activity(starts_at=(utcnow() + timedelta(hours=20)).isoformat(),
                          ends_at=(utcnow() + timedelta(hours=22)).isoformat(),
                          registration_closes_at=(utcnow() + timedelta(hours=10)).isoformat())
    later = world.activity()
    registration = activities.register(startup, soon.id, {"project_id": project.id})
    activities.register(startup, later.id, {"project_id": project.id})
    gone = activities.register(cancelled_user, soon.id, {"project_id": cancelled_project.id})
    activities.cancel_registration(cancelled_user, soon.id, gone.id)

    runner = app.test_cli_runner()
    first = runner.invoke(args=["outbox", "remind"])
    assert first.exit_code == 0, first.output
    assert "Reminders queued for 1 activity registration." in first.output
    assert mails("activity_reminder") == sorted(
        [(startup.email, registration.id), (teammate.email, registration.id)])
    second = runner.invoke(args=["outbox", "remind"])
    assert "Reminders queued for 0 activity registrations." in second.output
    assert len(mails("activity_reminder")) == 2


def test_a_member_cancels_a_registration_before_the_start_and_frees_the_place(world, api):
    startup, _org, project = world.startup()
    activity = world.activity(capacity=1)
    registration = activities.register(startup, activity.id, {"project_id": project.id})
    path = f"/activities/{activity.id}/registrations/{registration.id}"
    assert api(world.manager).delete(path).status_code == 403  # staff see it, members cancel
    answer = api(startup).delete(path)
    assert answer.status_code == 200 and answer.json["cancelled_at"]
    assert api(startup).delete(path).status_code == 409
    assert activities.get_activity(activity.id).places_left == 1
    again = api(startup).post(f"/activities/{activity.id}/registrations",
                              json={"project_id": project.id})
    assert again.status_code == 201 and again.json["id"] == registration.id


def test_a_registration_cannot_be_cancelled_once_the_activity_started(world, api):
    startup, _org, project = world.startup()
    activity = world.activity()
    registration = activities.register(startup, activity.id, {"project_id": project.id})
    activity.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    answer = api(startup).delete(f"/activities/{activity.id}/registrations/{registration.id}")
    assert answer.status_code == 409


def test_attendance_and_outcome_are_recorded_by_managers_and_audited_before_and_after(
        world, api):
    startup, _org, project = world.startup()
    activity = world.activity()
    registration = activities.register(startup, activity.id, {"project_id": project.id})
    path = f"/activities/{activity.id}/registrations/{registration.id}/attendance"
    answer = api(world.manager).put(path, json={
        "attended": True, "outcome": "investor_meeting", "outcome_note": "Met VinaCapital"})
    assert answer.status_code == 200, answer.text
    assert (answer.json["attended"], answer.json["outcome"]) == (True, "investor_meeting")
    answer = api(world.manager).put(path, json={"attended": True, "outcome": "lead"})
    assert answer.status_code == 200
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "record_attendance").order_by(AuditEvent.seq.desc())).first()
    assert event.payload["before"]["outcome"] == "investor_meeting"
    assert event.payload["after"] == {"attended": True, "outcome": "lead", "outcome_note": None}
    assert (event.parent_type, event.parent_id) == ("activity", activity.id)

    wrong = api(world.manager).put(path, json={"attended": False, "outcome": "lead"})
    assert wrong.status_code == 422 and "outcome" in wrong.json["errors"]


def test_refused_roles_auditors_change_nothing_and_others_do_not_see_registrations(
        world, api, create_user, reviewers_of):
    startup, _org, project = world.startup()
    stranger, _o, _p = world.startup()
    activity = world.activity()
    registration = activities.register(startup, activity.id, {"project_id": project.id})
    auditor = create_user("auditor", world.programme)
    reviewer = reviewers_of(world.call)[0]
    attendance = f"/activities/{activity.id}/registrations/{registration.id}/attendance"

    assert api(auditor).patch(f"/activities/{activity.id}",
                              json={"version": 1, "title": "X"}).status_code == 403
    assert api(auditor).post(f"/programmes/{world.programme.id}/activities",
                             json=activity_body()).status_code == 403
    assert api(auditor).put(attendance, json={"attended": True}).status_code == 403
    assert api(startup).put(attendance, json={"attended": True}).status_code == 403
    assert api(stranger).put(attendance, json={"attended": True}).status_code == 404
    assert api(reviewer).put(attendance, json={"attended": True}).status_code == 404
    assert api(stranger).post(f"/programmes/{world.programme.id}/activities",
                              json=activity_body()).status_code == 403

    listing = f"/activities/{activity.id}/registrations"
    assert [r["id"] for r in api(auditor).get(listing).json["items"]] == [registration.id]
    assert [r["id"] for r in api(startup).get(listing).json["items"]] == [registration.id]
    assert api(stranger).get(listing).json["items"] == []
    assert api(reviewer).get(listing).json["items"] == []
    # activities themselves are read by anyone logged in
    assert api(stranger).get(f"/activities/{activity.id}").status_code == 200
    assert api(stranger).get(f"/programmes/{world.programme.id}/activities").json["items"]


@pytest.mark.parametrize("body", [
    {"kind": "party"}, {"capacity": 0}, {"capacity": "many"}, {"stages": []},
    {"stages": ["seed"]}, {"title": ""}, {"starts_at": "tomorrow"},
    {"ends_at": "2020-01-01T00:00:00"}, {"place": "x" * 501}, {"title": "a\x00b"},
])
def test_bad_activity_input_answers_422_with_the_field(world, api, body):
    answer = api(world.manager).post(f"/programmes/{world.programme.id}/activities",
                                     json=activity_body(**body))
    assert answer.status_code == 422, answer.text
    assert {key.split(".")[0] for key in answer.json["errors"]} & set(body)


def test_an_activity_must_start_in_the_future_and_close_registration_by_then(world, api):
    now = utcnow()
    past = api(world.manager).post(f"/programmes/{world.programme.id}/activities", json=(
        activity_body(starts_at=(now - timedelta(days=1)).isoformat(),
                      registration_closes_at=(now - timedelta(days=2)).isoformat())))
    assert past.status_code == 422 and "starts_at" in past.json["errors"]
    late = api(world.manager).post(f"/programmes/{world.programme.id}/activities", json=(
        activity_body(registration_closes_at=(now + timedelta(days=20)).isoformat())))
    assert late.status_code == 422 and "registration_closes_at" in late.json["errors"]


@pytest.mark.parametrize("method, path, body", [
    ("post", "/programmes/999999/activities", "activity"),
    ("get", "/activities/999999", None),
    ("get", "/activities/999999/registrations", None),
    ("post", "/activities/999999/registrations", {"project_id": 1}),
    ("post", "/activities/{a}/registrations", {"project_id": "x"}),
    ("post", "/activities/{a}/registrations", {}),
    ("put", "/activities/{a}/registrations/999999/attendance", {"attended": True}),
    ("put", "/activities/{a}/registrations/1/attendance", {"attended": "yes"}),
    ("get", "/programmes/{p}/activities?cursor=zzz", None),
    ("get", "/programmes/{p}/activities?kind=party", None),
    ("patch", "/activities/{a}", {"title": "No version"}),
    ("patch", "/activities/{a}", [1, 2]),
])
def test_bad_requests_answer_4xx_never_5xx(world, api, method, path, body):
    activity = world.activity()
    if body == "activity":
        body = activity_body()
    answer = getattr(api(world.manager), method)(
        path.format(a=activity.id, p=world.programme.id),
        **({"json": body} if body is not None else {}))
    assert 400 <= answer.status_code < 500, answer.text


def test_the_upcoming_list_filters_by_kind_and_stage_and_pages_in_start_order(
        world, client, login):
    startup, _org, _project = world.startup()
    made = [world.activity(title=f"Class {i}", starts_at=(
        utcnow() + timedelta(days=30 - i)).isoformat(), ends_at=(
        utcnow() + timedelta(days=30 - i, hours=1)).isoformat()) for i in range(3)]
    world.activity(title="Demo day", kind="exhibition", stages=["acceleration"])
    gone = world.activity(title="Called off")
    activities.cancel_activity(world.manager, gone.id, {"version": 1, "reason": "Rain"})
    rows = activities.list_activities(upcoming_at=utcnow(), kind="training", limit=2)
    assert [r.activity.title for r in rows] == ["Class 2", "Class 1"]
    rows = activities.list_activities(upcoming_at=utcnow(), kind="training",
                                      after_id=rows[-1].activity.id, limit=2)
    assert [r.activity.title for r in rows] == ["Class 0"]
    assert [r.activity.title for r in activities.list_activities(
        upcoming_at=utcnow(), stage="acceleration")] == ["Demo day"]
    assert [r.activity.id for r in activities.list_activities(
        upcoming_at=utcnow(), stage="incubation")] == []

    login(startup)
    page = client.get("/activities?kind=exhibition")
    assert page.status_code == 200 and "Demo day" in page.text and "Class 1" not in page.text
    assert "Called off" not in client.get("/activities").text
    assert client.get(f"/activities/{made[0].id}").status_code == 200


def test_attendance_figures_equal_a_hand_built_example(world, create_user, client, login):
    startups = [world.startup() for _ in range(4)]
    training = world.activity(title="Training")
    meetup = world.activity(title="Investor meetup", kind="connection")
    fair = world.activity(title="Fair", kind="exhibition")
    cancelled = world.activity(title="Cancelled")
    regs = {}
    for name, activity, members in (("t", training, [0, 1, 2]), ("m", meetup, [0, 3]),
                                    ("f", fair, [1]), ("c", cancelled, [2])):
        for i in members:
            user, _org, project = startups[i]
            regs[name, i] = activities.register(user, activity.id, {"project_id": project.id})
    manager = world.manager
    record = activities.record_attendance
    record(manager, training.id, regs["t", 0].id, {"attended": True, "outcome": "lead"})
    record(manager, training.id, regs["t", 1].id, {"attended": True})
    record(manager, training.id, regs["t", 2].id, {"attended": False})
    record(manager, meetup.id, regs["m", 0].id, {"attended": True,
                                                  "outcome": "investor_meeting"})
    record(manager, meetup.id, regs["m", 3].id, {"attended": True, "outcome": "pilot_partner"})
    user3 = startups[3][0]
    extra = world.startup()
    activities.register(extra[0], fair.id, {"project_id": extra[2].id})
    activities.cancel_registration(extra[0], fair.id, db.session.scalars(
        select(ActivityRegistration.id).where(ActivityRegistration.project_id == extra[2].id)
    ).one())  # a cancelled registration does not count
    activities.cancel_activity(manager, cancelled.id, {"version": 1, "reason": "No room"})
    assert user3 is not None

    figures = activities.figures(manager, world.programme.id)
    by_title = {f.activity.title: f for f in figures.activities}
    assert (by_title["Training"].registered, by_title["Training"].attended) == (3, 2)
    assert by_title["Training"].outcomes == {"lead": 1, "pilot_partner": 0,
                                             "investor_meeting": 0, "other": 0}
    assert (by_title["Investor meetup"].registered, by_title["Investor meetup"].attended) \
        == (2, 2)
    assert (by_title["Fair"].registered, by_title["Fair"].attended) == (1, 0)
    assert by_title["Cancelled"].registered == 1
    assert figures.by_kind == {"training": 1, "connection": 1, "exhibition": 1}
    assert (figures.total.registered, figures.total.attended) == (6, 4)
    assert figures.total.outcomes == {"lead": 1, "pilot_partner": 1, "investor_meeting": 1,
                                      "other": 0}

    with pytest.raises(OperationError) as refused:
        activities.figures(startups[0][0], world.programme.id)
    assert refused.value.status == 403
    auditor = create_user("auditor", world.programme)
    login(auditor)
    page = client.get(f"/programmes/{world.programme.id}/activities/figures")
    assert page.status_code == 200 and "Investor meetup" in page.text


def test_the_editor_keeps_what_was_typed_and_shows_errors_next_to_fields(
        world, client, login):
    login(world.manager)
    page = client.get("/activities/new")
    assert page.status_code == 200 and world.programme.title in page.text
    answer = client.post("/activities/new", data={
        "programme_id": world.programme.id, "kind": "training", "title": "Kept title",
        "starts_at": "2030-05-01T09:00", "ends_at": "2030-05-01T08:00",
        "place": "Online", "capacity": "abc", "registration_closes_at": "2030-04-30T09:00",
        "stages": ["incubation"]})
    assert answer.status_code == 422
    assert 'value="Kept title"' in answer.text and 'id="capacity-error"' in answer.text
    assert 'id="ends_at-error"' in answer.text and "error-summary" in answer.text
    assert 'value="incubation" checked' in answer.text
    created = client.post("/activities/new", data={
        "programme_id": world.programme.id, "kind": "connection", "title": "Meet buyers",
        "starts_at": "2030-05-01T09:00", "ends_at": "2030-05-01T11:00",
        "place": "https://meet.example.org/x", "capacity": "20",
        "registration_closes_at": "2030-04-30T09:00", "stages": ["incubation"]})
    assert created.status_code == 302, created.text
    activity = db.session.scalars(select(Activity).where(Activity.title == "Meet buyers")).one()
    assert activity.starts_at.hour == 2  # 09:00 in Ho Chi Minh City is 02:00 UTC
    edit = client.get(f"/activities/{activity.id}/edit")
    assert 'value="2030-05-01T09:00"' in edit.text


def test_the_activity_page_registers_records_and_cancels(world, client, login):
    startup, _org, project = world.startup()
    activity = world.activity()
    login(startup)
    page = client.get(f"/activities/{activity.id}")
    assert f'<option value="{project.id}">' in page.text
    assert f'action="/activities/{activity.id}/cancel"' not in page.text
    answer = client.post(f"/activities/{activity.id}/register",
                         data={"project_id": project.id})
    assert answer.status_code == 302
    registration = db.session.scalars(select(ActivityRegistration)).one()
    refused = client.post(f"/activities/{activity.id}/registrations/{registration.id}"
                          "/attendance", data={"attended": "yes"})
    assert refused.status_code == 403
    client.post("/logout")
    login(world.manager)
    page = client.get(f"/activities/{activity.id}")
    assert f'action="/activities/{activity.id}/cancel"' in page.text
    assert "data-confirm" in page.text
    assert project.title in page.text
    bad = client.post(f"/activities/{activity.id}/registrations/{registration.id}/attendance",
                      data={"attended": "no", "outcome": "lead", "outcome_note": "kept"})
    assert bad.status_code == 422 and 'value="kept"' in bad.text
    done = client.post(f"/activities/{activity.id}/registrations/{registration.id}/attendance",
                       data={"attended": "yes", "outcome": "lead"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(ActivityRegistration, registration.id).outcome == "lead"
    cancelled = client.post(f"/activities/{activity.id}/cancel",
                            data={"version": 1, "reason": "Storm"})
    assert cancelled.status_code == 302
    assert "Storm" in client.get(f"/activities/{activity.id}").text


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_activity_mail_renders_in_both_languages(world, create_user, locale):
    startup, _org, project = world.startup()
    activity = world.activity(title="Kết nối nhà đầu tư")
    registration = activities.register(startup, activity.id, {"project_id": project.id})
    activities.update_activity(world.manager, activity.id, {
        "version": 1, "place": "https://meet.example.org/room"})
    activities.cancel_activity(world.manager, activity.id, {"version": 2, "reason": "Bão"})
    rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [r.message for r in rows] == [
        "activity_registered", "activity_changed", "activity_cancelled"]
    for row in rows:
        mail = outbox.render(row.message, locale, row.context, name="Lan")
        assert "Kết nối nhà đầu tư" in mail.subject and "/activities/" in mail.text
    reminder = outbox.render("activity_reminder", locale, rows[0].context)
    assert project.title in reminder.text and registration.id


def test_only_managers_open_the_editor(world, client, login, create_user):
    activity = world.activity()
    login(create_user("auditor", world.programme))
    assert client.get("/activities/new").status_code == 403
    assert client.get(f"/activities/{activity.id}/edit").status_code == 403
    assert client.post(f"/activities/{activity.id}/cancel",
                       data={"version": 1, "reason": "x"}).status_code == 403
    assert client.get(f"/activities/{activity.id}").status_code == 200
    assert client.get("/activities/999999").status_code == 404
