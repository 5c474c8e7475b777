"""Programmes: administrators create them and change their period and KPI targets, in pages
and through the API; every change is audited."""

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEvent, Programme
from grants.operations import Invalid, programmes


def events(programme_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "programme", AuditEvent.entity_id == programme_id)
        .order_by(AuditEvent.seq)))


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.mimetype == "application/problem+json"
    return response.get_json()


BODY = {"title": "Chương trình hỗ trợ khởi nghiệp 2024–2028", "starts_on": "2024-01-01",
        "ends_on": "2028-12-31", "targets": [
            {"stage": "pre_incubation", "year": 2025, "projects": 200},
            {"stage": "acceleration", "year": 2025, "projects": 40}]}


def test_an_admin_creates_and_changes_a_programme_through_the_api(api, create_user):
    admin = api(create_user("admin"))

    created = admin.post("/programmes", json=BODY)

    assert created.status_code == 201, created.text
    programme = created.get_json()
    assert created.headers["Location"].endswith(f"/programmes/{programme['id']}")
    assert {(t["stage"], t["year"], t["projects"]) for t in programme["targets"]} == {
        ("pre_incubation", 2025, 200), ("acceleration", 2025, 40)}

    changed = admin.patch(f"/programmes/{programme['id']}", json={
        "ends_on": "2029-12-31", "targets": [
            {"stage": "pre_incubation", "year": 2025, "projects": 250},
            {"stage": "incubation", "year": 2029, "projects": 100}]})

    assert changed.status_code == 200, changed.text
    body = changed.get_json()
    assert body["ends_on"] == "2029-12-31" and body["title"] == BODY["title"]
    assert {(t["stage"], t["year"], t["projects"]) for t in body["targets"]} == {
        ("pre_incubation", 2025, 250), ("incubation", 2029, 100)}
    create, update = events(programme["id"])
    assert (create.action, update.action) == ("create", "update")
    assert set(update.payload["changes"]) == {"ends_on", "targets"}
    assert update.payload["changes"]["ends_on"] == ["2028-12-31", "2029-12-31"]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"ends_on": "2023-12-31"}, "ends_on", "Must not be before the start."),
    ({"targets": [{"stage": "incubation", "year": 2031, "projects": 5}]}, "targets.0.year",
     "Must be a year of the programme's period."),
    ({"targets": [{"stage": "incubation", "year": 2025, "projects": 5},
                  {"stage": "incubation", "year": 2025, "projects": 6}]}, "targets.1.year",
     "Each stage has one target per year."),
    ({"targets": [{"stage": "moonshot", "year": 2025, "projects": 5}]}, "targets.0.stage",
     "Must be one of: pre_incubation, incubation, acceleration."),
    ({"title": ""}, "title", "This field is required."),
])
def test_bad_programme_settings_are_refused_with_their_message(
        english, create_user, change, field, message):
    admin = create_user("admin")
    with pytest.raises(Invalid) as refused:
        programmes.create_programme(admin, BODY | change)
    assert refused.value.errors[field] == message
    programme = programmes.create_programme(admin, BODY)
    with pytest.raises(Invalid) as refused:
        programmes.update_programme(admin, programme.id, change)
    assert refused.value.errors[field] == message
    assert len(events(programme.id)) == 1


def test_two_programmes_may_not_share_a_title(english, create_user, create_programme):
    taken = create_programme("Đã có")
    admin = create_user("admin")
    with pytest.raises(Invalid) as refused:
        programmes.create_programme(admin, BODY | {"title": "Đã có"})
    assert refused.value.errors["title"] == "Another programme already has this title."
    other = programmes.create_programme(admin, BODY)
    with pytest.raises(Invalid):
        programmes.update_programme(admin, other.id, {"title": taken.title})


@pytest.mark.parametrize("role", ["applicant", "reviewer", "manager", "auditor"])
def test_only_admins_create_and_change_programmes(api, create_user, create_programme, role):
    programme = create_programme()
    client = api(create_user(role, None if role == "applicant" else programme))
    assert_problem(client.post("/programmes", json=BODY), 403)
    assert_problem(client.patch(f"/programmes/{programme.id}", json={"title": "Mine"}), 403)
    assert db.session.get(Programme, programme.id).title != "Mine"
    assert_problem(client.patch("/programmes/999999", json={"title": "X"}), 404)


def test_an_admin_creates_a_programme_then_fills_the_targets_grid_in_pages(
        client, login, create_user):
    login(create_user("admin"))
    assert client.get("/programmes/new").status_code == 200

    response = client.post("/programmes/new", data={
        "title": "Chương trình 2024–2028", "starts_on": "2024-01-01", "ends_on": "2028-12-31"})

    assert response.status_code == 302, response.text
    programme = db.session.scalars(select(Programme)).one()
    page = client.get(response.headers["Location"]).text
    assert 'name="target-incubation-2024"' in page and 'name="target-acceleration-2028"' in page

    response = client.post(f"/programmes/{programme.id}/edit", data={
        "title": programme.title, "starts_on": "2024-01-01", "ends_on": "2028-12-31",
        "target-pre_incubation-2025": "200", "target-incubation-2025": "",
        "target-acceleration-2026": "40"})

    assert response.status_code == 302, response.text
    db.session.expire_all()
    assert {(t.stage, t.year, t.projects) for t in db.session.get(
        Programme, programme.id).targets} == {("pre_incubation", 2025, 200),
                                              ("acceleration", 2026, 40)}
    assert [e.action for e in events(programme.id)] == ["create", "update"]
    assert "Chương trình 2024–2028" in client.get("/programmes").text


def test_a_bad_cell_of_the_grid_is_shown_beside_it_and_the_grid_keeps_what_was_typed(
        client, login, create_user, create_programme):
    programme = create_programme()
    login(create_user("admin"))
    client.post("/language/en")
    response = client.post(f"/programmes/{programme.id}/edit", data={
        "title": programme.title, "starts_on": "2024-01-01", "ends_on": "2028-12-31",
        "target-incubation-2025": "nhiều", "target-acceleration-2026": "40"})
    assert response.status_code == 422
    assert 'id="target-incubation-2025-error"' in response.text
    assert 'value="nhiều"' in response.text and 'value="40"' in response.text
    assert db.session.get(Programme, programme.id).targets == []


@pytest.mark.parametrize("role", ["applicant", "manager", "auditor"])
def test_the_programme_pages_are_for_admins_only(client, login, create_user, create_programme,
                                                 role):
    programme = create_programme()
    login(create_user(role, None if role == "applicant" else programme))
    assert client.get("/programmes").status_code == 403
    assert client.get("/programmes/new").status_code == 403
    assert client.post(f"/programmes/{programme.id}/edit",
                       data={"title": "Mine"}).status_code == 403


def test_a_target_left_outside_a_shortened_period_is_shown_with_its_error(
        client, login, create_user, create_programme):
    programme = create_programme()  # 2024–2028
    login(create_user("admin"))
    client.post("/language/en")
    response = client.post(f"/programmes/{programme.id}/edit", data={
        "title": programme.title, "starts_on": "2024-01-01", "ends_on": "2026-12-31",
        "target-incubation-2028": "30"})
    assert response.status_code == 422
    assert 'id="target-incubation-2028-error"><li>Must be a year of the programme' in \
        response.text
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).ends_on.year == 2028
